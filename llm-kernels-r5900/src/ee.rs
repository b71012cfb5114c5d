//! The R5900 assembly behind [`crate::backend`] (EE only).
//!
//! The EE target is soft-float, so compiled code uses neither the FPU nor MMI, and LLVM's assembler did not
//! accept MMI or the R5900's ACC forms of the FPU on the `mips2` target these routines were written for. Those
//! are written as `.word`s, each with its mnemonic beside it; the words were
//! produced by GNU as (`mipsel-linux-gnu-as -march=r5900`) and are decoded back by `r5900::decode` and
//! `mipsel-linux-gnu-objdump -m mips:5900` (see the README). Because a `.word` cannot name a register
//! chosen by the compiler, these are whole functions (`global_asm!`) using fixed
//! registers: arguments in `$4..$7` and a fifth to seventh in `$8..$10` (LLVM 23's R5900 lowering passes them in
//! registers as the EE's EABI does, although the ELF says o32 — seen in the callers' code), scratch in `$8..$15`, `$24`, `$25`, FPU `$f0..$f9`.
//!
//! Compiled code never touches the FPU (soft-float) or the upper 64 bits of GPRs or HI/LO, so clobbering them
//! needs no saving. Every loop ends in one conditional branch with a NOP delay slot and is longer than six
//! instructions, so the short-loop erratum cannot hit, and the ps2-rs R5900 ISA check (`ps2-isacheck`) agrees.

use crate::backend::{CHUNK, Quad};

// The Q8 routines are assembled from these pieces (string literals, so `global_asm!` can splice them).

/// Inner loop, one MMI chunk (8 products) per pass; `$24` = chunks of the group.
macro_rules! q8_chunk_loop_x1 {
    () => {
        concat!(
            "2:\n",
            "    ldr    $8, 0($4)\n",          // t0.lo64 = 8 weight codes (any alignment)
            "    ldl    $8, 7($4)\n",
            "    .word  0x78a90000\n",         // lq     $9, 0($5)        8 activation halfwords
            "    .word  0x71084688\n",         // pextlb $8, $8, $8       byte b -> halfword (b<<8 | b)
            "    .word  0x70084237\n",         // psrah  $8, $8, 8        -> sign-extended halfword
            "    addiu  $24, $24, -1\n",
            "    addiu  $4, $4, 8\n",
            "    addiu  $5, $5, 16\n",
            "    .word  0x71090409\n",         // pmaddh $0, $8, $9       HI:LO words += products
            "    bne    $24, $0, 2b\n",
            "    nop\n",
        )
    };
}

/// Inner loop, two chunks (16 products) per pass; `$24` = chunk pairs of the group. The two `pmaddh` are
/// four instructions apart, the latency of an MMI multiply-accumulate.
macro_rules! q8_chunk_loop_x2 {
    () => {
        concat!(
            "2:\n",
            "    ldr    $8, 0($4)\n",
            "    ldl    $8, 7($4)\n",
            "    ldr    $10, 8($4)\n",
            "    ldl    $10, 15($4)\n",
            "    .word  0x78a90000\n",         // lq     $9, 0($5)
            "    .word  0x78ab0010\n",         // lq     $11, 16($5)
            "    .word  0x71084688\n",         // pextlb $8, $8, $8
            "    .word  0x714a5688\n",         // pextlb $10, $10, $10
            "    .word  0x70084237\n",         // psrah  $8, $8, 8
            "    .word  0x700a5237\n",         // psrah  $10, $10, 8
            "    .word  0x71090409\n",         // pmaddh $0, $8, $9
            "    addiu  $24, $24, -1\n",
            "    addiu  $4, $4, 16\n",
            "    addiu  $5, $5, 32\n",
            "    .word  0x714b0409\n",         // pmaddh $0, $10, $11
            "    bne    $24, $0, 2b\n",
            "    nop\n",
        )
    };
}

/// Adds the eight words of HI:LO into `$8`: the group's i32 sum.
macro_rules! q8_group_total {
    () => {
        concat!(
            "    .word  0x70004209\n",         // pmfhi  $8
            "    .word  0x70004a49\n",         // pmflo  $9
            "    .word  0x71094008\n",         // paddw  $8, $8, $9       4 partial sums
            "    .word  0x71084ba9\n",         // pcpyud $9, $8, $8       upper two words down
            "    .word  0x71094008\n",         // paddw  $8, $8, $9       2 partial sums in words 0, 1
            "    dsra32 $9, $8, 0\n",          // word 1
            "    addu   $8, $8, $9\n",
        )
    };
}

/// `name(codes: *const u8, activations: *const Quad, groups: usize (>0), per_group: usize (>0), sums: *mut i32)`
/// with `per_group` counted in passes of `$chunk_loop`.
///
/// Per group: HI:LO = 0; per chunk of 8: load 8 weight codes unaligned (ldr/ldl), sign-extend them to
/// halfwords (pextlb with itself puts each byte in both halves of a halfword, psrah 8 keeps the signed high
/// byte), load 8 activation halfwords (lq), and pmaddh adds the 8 products into the 8 words of HI:LO. After
/// the group: add the 8 words and store the i32. Exact: |product| ≤ 128·127, and a word would overflow only
/// after 2^31/16256 ≈ 132k products, where the portable i32 sum wraps the same way.
macro_rules! q8_group_sums_fn {
    ($name:literal, $chunk_loop:ident, $store:ident) => {
        core::arch::global_asm!(concat!(
            ".section .text.", $name, ",\"ax\",@progbits\n",
            ".globl ", $name, "\n",
            ".type ", $name, ",@function\n",
            ".p2align 3\n",
            $name, ":\n",
            ".set push\n",
            ".set noreorder\n",
            ".set noat\n",
            ".set mips3\n",
            ".set hardfloat\n",
            "    move   $25, $8\n",       // t9 = sums
            "1:\n",
            "    .word  0x70000229\n",         // pmthi  $0
            "    .word  0x70000269\n",         // pmtlo  $0
            "    move   $24, $7\n",            // t8 = passes left in this group
            $chunk_loop!(),
            q8_group_total!(),
            $store!(),
            "    addiu  $6, $6, -1\n",
            "    addiu  $25, $25, 4\n",
            "    bne    $6, $0, 1b\n",
            "    nop\n",
            "    jr     $31\n",
            "    nop\n",
            ".set pop\n",
            ".size ", $name, ", . - ", $name, "\n",
            ".text\n",
        ));
    };
}

/// `name(codes, activations, groups (>0), per_group (>0), x_scales: *const f32, w_scales: *const u8) -> u32`
/// (f32 bits): the same group sums, then on the FPU `acc += (f32(sum) · w_scale) · x_scale`, in the portable
/// order but truncating. `w_scales` are the row's stored scales, read unaligned (lwr/lwl). `cvt.s.w` is exact
/// for |sum| < 2^24, i.e. groups up to 1024 elements.
macro_rules! q8_row_fpu_fn {
    ($name:literal, $chunk_loop:ident) => {
        core::arch::global_asm!(concat!(
            ".section .text.", $name, ",\"ax\",@progbits\n",
            ".globl ", $name, "\n",
            ".type ", $name, ",@function\n",
            ".p2align 3\n",
            $name, ":\n",
            ".set push\n",
            ".set noreorder\n",
            ".set noat\n",
            ".set mips3\n",
            ".set hardfloat\n",
            "    move   $25, $8\n",       // t9 = x_scales
            "    move   $15, $9\n",       // t7 = w_scales
            "    mtc1   $0, $f0\n",            // acc = 0
            "1:\n",
            "    .word  0x70000229\n",         // pmthi  $0
            "    .word  0x70000269\n",         // pmtlo  $0
            "    move   $24, $7\n",
            $chunk_loop!(),
            q8_group_total!(),
            "    mtc1   $8, $f1\n",
            "    lwr    $10, 0($15)\n",        // w_scale, any alignment
            "    lwl    $10, 3($15)\n",
            "    cvt.s.w $f1, $f1\n",
            "    mtc1   $10, $f2\n",
            "    lwc1   $f3, 0($25)\n",        // x_scale
            "    mul.s  $f1, $f1, $f2\n",
            "    addiu  $15, $15, 4\n",
            "    addiu  $25, $25, 4\n",
            "    mul.s  $f1, $f1, $f3\n",
            "    addiu  $6, $6, -1\n",
            "    add.s  $f0, $f0, $f1\n",
            "    bne    $6, $0, 1b\n",
            "    nop\n",
            "    mfc1   $2, $f0\n",
            "    jr     $31\n",
            "    nop\n",
            ".set pop\n",
            ".size ", $name, ", . - ", $name, "\n",
            ".text\n",
        ));
    };
}

/// Stores the group sum as an i32.
macro_rules! store_i32 {
    () => {
        "    sw     $8, 0($25)\n"
    };
}

/// Stores the group sum converted to f32 by `cvt.s.w` (exact while |sum| < 2^24, so equal to `sum as f32`).
macro_rules! store_f32 {
    () => {
        concat!("    mtc1   $8, $f1\n", "    cvt.s.w $f1, $f1\n", "    swc1   $f1, 0($25)\n")
    };
}

// ps2rs_q8_row_fpu_g32(codes, activations, groups (>0), x_scales: *const f32, w_scales: *const u8) -> u32
//
// `ps2rs_q8_row_fpu` specialised for groups of 32, with every group straight-line (no inner loop) and the FPU
// scaling of group g-1 interleaved with the integer work of group g. Per group of 32 weights: 3 `lq` of the
// weight stream (aligned quads; `qfsrv` with SA = the row's misalignment funnels them into 16 code bytes, so
// unaligned rows cost no `ldl`/`ldr`), 4 `lq` of activations, `pextlb`/`pextub` with $0 put each code in the
// high byte of a halfword (the code times 256, so no sign-extending shift is needed), `pmulth` starts the
// group (no HI:LO clearing) and 3 `pmaddh` add to it, each four instructions after the last (the MMI
// latency); the 8 words are added, and `sra 8` removes the factor 256 (exact: |256·sum| ≤ 32·2^22 < 2^31).
// The scales: `cvt.s.w` (exact, |sum| < 2^24), `mul.s` by w_scale, then `madda.s` by x_scale into ACC, which
// truncates the product and the sum like the `mul.s` + `add.s` of `ps2rs_q8_row_fpu`.
//
// Reads: the aligned quads from `codes & ~15` to `(codes & ~15) + 32·groups` inclusive. The last one lies
// past the row's codes when `codes` is 16-byte aligned; the caller guarantees it still starts inside
// readable data (an aligned quad that starts inside a buffer cannot fault even if it ends past it).
// The first iteration's FPU part scales a zero sum by zero scales (ACC stays 0); the last group is scaled
// after the loop, and its `madd.s` yields ACC + term directly.
core::arch::global_asm!(concat!(
    ".section .text.ps2rs_q8_row_fpu_g32,\"ax\",@progbits\n",
    ".globl ps2rs_q8_row_fpu_g32\n",
    ".type ps2rs_q8_row_fpu_g32,@function\n",
    ".p2align 3\n",
    "ps2rs_q8_row_fpu_g32:\n",
    ".set push\n",
    ".set noreorder\n",
    ".set noat\n",
    ".set mips3\n",
    ".set hardfloat\n",
    "    move   $15, $8\n",           // t7 = w_scales
    "    .word  0x04980000\n",             // mtsab  $4, 0            SA = codes & 15 (bytes)
    "    addiu  $9, $0, -16\n",
    "    and    $4, $4, $9\n",             // a0 = codes rounded down to a quad
    "    sll    $6, $6, 6\n",
    "    addu   $6, $6, $5\n",             // a2 = end of the activations (64 bytes per group)
    "    move   $8, $0\n",                 // the 'previous group' sum of the first pass
    "    mtc1   $0, $f0\n",
    "    mtc1   $0, $f2\n",                // its w_scale
    "    mtc1   $0, $f3\n",                // its x_scale
    "    .word  0x4600001a\n",             // mula.s $f0, $f0         ACC = 0
    "1:\n",
    "    .word  0x788c0000\n",             // lq     $12, 0($4)       codes quad k
    "    .word  0x788d0010\n",             // lq     $13, 16($4)      quad k+1
    "    mtc1   $8, $f1\n",                // previous group's sum
    "    .word  0x78a90000\n",             // lq     $9, 0($5)        activations 0..7
    "    .word  0x71ac56e8\n",             // qfsrv  $10, $13, $12    codes 0..15
    "    cvt.s.w $f1, $f1\n",
    "    .word  0x71405e88\n",             // pextlb $11, $10, $0     codes 0..7 · 256
    "    .word  0x788e0020\n",             // lq     $14, 32($4)      quad k+2
    "    .word  0x71690709\n",             // pmulth $0, $11, $9      HI:LO = products
    "    .word  0x78a90010\n",             // lq     $9, 16($5)       activations 8..15
    "    .word  0x71405ea8\n",             // pextub $11, $10, $0     codes 8..15 · 256
    "    .word  0x71cd56e8\n",             // qfsrv  $10, $14, $13    codes 16..31
    "    .word  0x71690409\n",             // pmaddh $0, $11, $9
    "    .word  0x78a90020\n",             // lq     $9, 32($5)       activations 16..23
    "    .word  0x71405e88\n",             // pextlb $11, $10, $0
    "    mul.s  $f1, $f1, $f2\n",          // · w_scale
    "    .word  0x71690409\n",             // pmaddh $0, $11, $9
    "    .word  0x78b80030\n",             // lq     $24, 48($5)      activations 24..31
    "    .word  0x71405ea8\n",             // pextub $11, $10, $0
    "    lwr    $25, 0($15)\n",            // this group's w_scale, any alignment
    "    .word  0x71780409\n",             // pmaddh $0, $11, $24
    "    lwl    $25, 3($15)\n",
    "    mtc1   $25, $f2\n",
    "    .word  0x4603081e\n",             // madda.s $f1, $f3        ACC += previous term
    "    .word  0x70004209\n",             // pmfhi  $8
    "    .word  0x70004a49\n",             // pmflo  $9
    "    lwc1   $f3, 0($7)\n",             // this group's x_scale
    "    .word  0x71094008\n",             // paddw  $8, $8, $9
    "    addiu  $4, $4, 32\n",
    "    .word  0x71084ba9\n",             // pcpyud $9, $8, $8
    "    addiu  $5, $5, 64\n",
    "    .word  0x71094008\n",             // paddw  $8, $8, $9
    "    addiu  $15, $15, 4\n",
    "    dsra32 $9, $8, 0\n",
    "    addiu  $7, $7, 4\n",
    "    addu   $8, $8, $9\n",             // 256 · sum
    "    bne    $5, $6, 1b\n",
    "    sra    $8, $8, 8\n",              // (delay slot; the loop is far longer than six instructions)
    "    mtc1   $8, $f1\n",
    "    cvt.s.w $f1, $f1\n",
    "    mul.s  $f1, $f1, $f2\n",
    "    .word  0x4603081c\n",             // madd.s $f0, $f1, $f3    ACC + last term
    "    mfc1   $2, $f0\n",
    "    jr     $31\n",
    "    nop\n",
    ".set pop\n",
    ".size ps2rs_q8_row_fpu_g32, . - ps2rs_q8_row_fpu_g32\n",
    ".text\n",
));

// ps2rs_q8_matvec_fpu_g32(codes, activations, groups (>0), x_scales, row_stride, rows (>0), out: *mut f32)
//
// `rows` rows of `ps2rs_q8_row_fpu_g32` in one call (the same instruction sequence per group, other
// registers), so the per-row cost is a few instructions instead of a compiled call: row r's codes start at
// `codes + r·row_stride` and its scales 4·groups bytes before them; `out[r]` receives the row's sum. The same
// read guarantee as `ps2rs_q8_row_fpu_g32`, for every row. The group loop ends when the scale pointer reaches
// the row's codes. The group loop is unrolled twice (the second copy addresses the next group by offsets, so
// a pass has one set of pointer increments and one branch for two groups); with an odd group count every
// row starts with its pointers one group early and enters at the second copy. Saves and restores $16..$19.
/// Defines `$name(codes, activations, groups (>0), x_scales, row_stride, rows (>0), out: *mut f32)`: the group-of-32
/// matrix-vector product below. The variants differ only in how a group's weight scale reaches `$f2`: the
/// `$w_scale_0`/`$w_scale_1` instructions (for the first and the second group of a pass) load it and include
/// the last `pmaddh $0, $11, $24` of the group, which they are scheduled around.
macro_rules! q8_matvec_fpu_g32_fn {
    ($name:literal, w_scale_0: [$($w_scale_0:literal),* $(,)?], w_scale_1: [$($w_scale_1:literal),* $(,)?] $(,)?) => {
        core::arch::global_asm!(concat!(
            ".section .text.", $name, ",\"ax\",@progbits\n",
            ".globl ", $name, "\n",
            ".type ", $name, ",@function\n",
            ".p2align 3\n",
            $name, ":\n",
            ".set push\n",
            ".set noreorder\n",
            ".set noat\n",
            ".set mips3\n",
            ".set hardfloat\n",
            "    addiu  $sp, $sp, -16\n",
            "    sw     $16, 0($sp)\n",
            "    sw     $17, 4($sp)\n",
            "    sw     $18, 8($sp)\n",
            "    sw     $19, 12($sp)\n",
            "    move   $16, $8\n",           // s0 = row_stride
            "    move   $17, $9\n",           // s1 = rows left
            "    move   $18, $10\n",           // s2 = out
            "    andi   $1, $6, 1\n",             // at = groups odd: each row enters the two-group loop halfway
            "    beq    $1, $0, 3f\n",
            "    sll    $6, $6, 2\n",              // (delay slot) a2 = 4 · groups: the scales' size
            "    addiu  $5, $5, -64\n",           // odd: the pointers start one group early, and the loop's
            "    addiu  $7, $7, -4\n",            // second half (offsets of one group) does group 0
            "3:\n",
            "    mtc1   $0, $f4\n",                // 0
            "0:\n",
            "    .word  0x04980000\n",             // mtsab  $4, 0            SA = codes & 15 (bytes)
            "    addiu  $9, $0, -16\n",
            "    and    $19, $4, $9\n",            // s3 = this row's codes rounded down to a quad
            "    subu   $15, $4, $6\n",            // t7 = this row's scales
            "    move   $2, $5\n",                 // v0 = activations
            "    move   $3, $7\n",                 // v1 = x_scales
            "    move   $8, $0\n",                 // the 'previous group' sum of the first pass
            "    mtc1   $0, $f2\n",
            "    mtc1   $0, $f3\n",
            "    beq    $1, $0, 1f\n",
            "    .word  0x4604201a\n",             // (delay slot) mula.s $f4, $f4   ACC = 0
            "    addiu  $19, $19, -32\n",
            "    b      2f\n",
            "    addiu  $15, $15, -4\n",           // (delay slot)
            "1:\n",
            "    .word  0x7a6c0000\n",           // lq     $12, 0($19)      codes quad
            "    .word  0x7a6d0010\n",           // lq     $13, 16($19)     next quad
            "    mtc1   $8, $f1\n",              // previous group's sum
            "    .word  0x78490000\n",           // lq     $9, 0($2)        activations 0..7
            "    .word  0x71ac56e8\n",           // qfsrv  $10, $13, $12    codes 0..15
            "    cvt.s.w $f1, $f1\n",
            "    .word  0x71405e88\n",           // pextlb $11, $10, $0     codes 0..7 · 256
            "    .word  0x7a6e0020\n",           // lq     $14, 32($19)     quad after
            "    .word  0x71690709\n",           // pmulth $0, $11, $9      HI:LO = products
            "    .word  0x78490010\n",           // lq     $9, 16($2)       activations 8..15
            "    .word  0x71405ea8\n",           // pextub $11, $10, $0     codes 8..15 · 256
            "    .word  0x71cd56e8\n",           // qfsrv  $10, $14, $13    codes 16..31
            "    .word  0x71690409\n",           // pmaddh $0, $11, $9
            "    .word  0x78490020\n",           // lq     $9, 32($2)       activations 16..23
            "    .word  0x71405e88\n",           // pextlb $11, $10, $0
            "    mul.s  $f1, $f1, $f2\n",        // · w_scale
            "    .word  0x71690409\n",           // pmaddh $0, $11, $9
            "    .word  0x78580030\n",           // lq     $24, 48($2)      activations 24..31
            "    .word  0x71405ea8\n",           // pextub $11, $10, $0
            $($w_scale_0,)*
            "    .word  0x4603081e\n",           // madda.s $f1, $f3        ACC += previous term
            "    lwc1   $f3, 0($3)\n",           // this group's x_scale
            "    .word  0x70004209\n",           // pmfhi  $8
            "    .word  0x70004a49\n",           // pmflo  $9
            "    .word  0x71094008\n",           // paddw  $8, $8, $9
            "    .word  0x71084ba9\n",           // pcpyud $9, $8, $8
            "    .word  0x71094008\n",           // paddw  $8, $8, $9
            "    dsra32 $9, $8, 0\n",
            "    addu   $8, $8, $9\n",           // 256 · sum
            "    sra    $8, $8, 8\n",
            "2:\n",
            "    .word  0x7a6c0020\n",           // lq     $12, 32($19)      codes quad
            "    .word  0x7a6d0030\n",           // lq     $13, 48($19)     next quad
            "    mtc1   $8, $f1\n",              // previous group's sum
            "    .word  0x78490040\n",           // lq     $9, 64($2)        activations 0..7
            "    .word  0x71ac56e8\n",           // qfsrv  $10, $13, $12    codes 0..15
            "    cvt.s.w $f1, $f1\n",
            "    .word  0x71405e88\n",           // pextlb $11, $10, $0     codes 0..7 · 256
            "    .word  0x7a6e0040\n",           // lq     $14, 64($19)     quad after
            "    .word  0x71690709\n",           // pmulth $0, $11, $9      HI:LO = products
            "    .word  0x78490050\n",           // lq     $9, 80($2)       activations 8..15
            "    .word  0x71405ea8\n",           // pextub $11, $10, $0     codes 8..15 · 256
            "    .word  0x71cd56e8\n",           // qfsrv  $10, $14, $13    codes 16..31
            "    .word  0x71690409\n",           // pmaddh $0, $11, $9
            "    .word  0x78490060\n",           // lq     $9, 96($2)       activations 16..23
            "    .word  0x71405e88\n",           // pextlb $11, $10, $0
            "    mul.s  $f1, $f1, $f2\n",        // · w_scale
            "    .word  0x71690409\n",           // pmaddh $0, $11, $9
            "    .word  0x78580070\n",           // lq     $24, 112($2)      activations 24..31
            "    .word  0x71405ea8\n",           // pextub $11, $10, $0
            $($w_scale_1,)*
            "    .word  0x4603081e\n",           // madda.s $f1, $f3        ACC += previous term
            "    lwc1   $f3, 4($3)\n",           // this group's x_scale
            "    addiu  $19, $19, 64\n",
            "    addiu  $2, $2, 128\n",
            "    .word  0x70004209\n",           // pmfhi  $8
            "    .word  0x70004a49\n",           // pmflo  $9
            "    .word  0x71094008\n",           // paddw  $8, $8, $9
            "    .word  0x71084ba9\n",           // pcpyud $9, $8, $8
            "    addiu  $15, $15, 8\n",
            "    .word  0x71094008\n",           // paddw  $8, $8, $9
            "    addiu  $3, $3, 8\n",
            "    dsra32 $9, $8, 0\n",
            "    addu   $8, $8, $9\n",           // 256 · sum
            "    bne    $15, $4, 1b\n",          // until the scale pointer reaches the codes
            "    sra    $8, $8, 8\n",            // (delay slot; the loop is far longer than six instructions)
            "    mtc1   $8, $f1\n",
            "    cvt.s.w $f1, $f1\n",
            "    addiu  $17, $17, -1\n",
            "    addu   $4, $4, $16\n",            // next row's codes
            "    mul.s  $f1, $f1, $f2\n",
            "    addiu  $18, $18, 4\n",
            "    .word  0x4603081c\n",             // madd.s $f0, $f1, $f3    ACC + last term
            "    bne    $17, $0, 0b\n",
            "    swc1   $f0, -4($18)\n",           // (delay slot) out[r]
            "    lw     $16, 0($sp)\n",
            "    lw     $17, 4($sp)\n",
            "    lw     $18, 8($sp)\n",
            "    lw     $19, 12($sp)\n",
            "    jr     $31\n",
            "    addiu  $sp, $sp, 16\n",
            ".set pop\n",
            ".size ", $name, ", . - ", $name, "\n",
            ".text\n",
        ));
    };
}

q8_matvec_fpu_g32_fn!(
    "ps2rs_q8_matvec_fpu_g32",
    w_scale_0: [
        "    lwr    $25, 0($15)\n",          // this group's w_scale, any alignment
        "    .word  0x71780409\n",           // pmaddh $0, $11, $24
        "    lwl    $25, 3($15)\n",
        "    mtc1   $25, $f2\n",
    ],
    w_scale_1: [
        "    lwr    $25, 4($15)\n",          // the next group's w_scale, any alignment
        "    .word  0x71780409\n",           // pmaddh $0, $11, $24
        "    lwl    $25, 7($15)\n",
        "    mtc1   $25, $f2\n",
    ],
);

// The same routine for 4-byte-aligned matrix data and row stride: the weight scales load with `lwc1`.
q8_matvec_fpu_g32_fn!(
    "ps2rs_q8_matvec_fpu_g32_a4",
    w_scale_0: [
        "    lwc1   $f2, 0($15)\n",          // this group's w_scale
        "    .word  0x71780409\n",           // pmaddh $0, $11, $24
    ],
    w_scale_1: [
        "    lwc1   $f2, 4($15)\n",          // the next group's w_scale
        "    .word  0x71780409\n",           // pmaddh $0, $11, $24
    ],
);

// ps2rs_q8_matvec_fpu_g64_a4: the same product for groups of 64 and 4-byte-aligned matrices, one group per
// loop pass (5 weight quads, 8 activation quads, `pmulth` + 7 `pmaddh` four instructions apart; the group
// total shift is exact: |256·sum| ≤ 64·2^22 < 2^31), with the previous group's FPU scaling interleaved as
// above. The quad after a row's codes must start inside the data.
core::arch::global_asm!(concat!(
    ".section .text.ps2rs_q8_matvec_fpu_g64_a4,\"ax\",@progbits\n",
    ".globl ps2rs_q8_matvec_fpu_g64_a4\n",
    ".type ps2rs_q8_matvec_fpu_g64_a4,@function\n",
    ".p2align 3\n",
    "ps2rs_q8_matvec_fpu_g64_a4:\n",
    ".set push\n",
    ".set noreorder\n",
    ".set noat\n",
    ".set mips3\n",
    ".set hardfloat\n",
    "    addiu  $sp, $sp, -16\n",
    "    sw     $16, 0($sp)\n",
    "    sw     $17, 4($sp)\n",
    "    sw     $18, 8($sp)\n",
    "    sw     $19, 12($sp)\n",
    "    move   $16, $8\n",           // s0 = row_stride
    "    move   $17, $9\n",           // s1 = rows left
    "    move   $18, $10\n",           // s2 = out
    "    sll    $6, $6, 2\n",              // a2 = 4 · groups: the scales' size
    "    mtc1   $0, $f4\n",                // 0
    "0:\n",
    "    .word  0x04980000\n",             // mtsab  $4, 0            SA = codes & 15 (bytes)
    "    addiu  $9, $0, -16\n",
    "    and    $19, $4, $9\n",            // s3 = this row's codes rounded down to a quad
    "    subu   $15, $4, $6\n",            // t7 = this row's scales
    "    move   $2, $5\n",                 // v0 = activations
    "    move   $3, $7\n",                 // v1 = x_scales
    "    move   $8, $0\n",                 // the 'previous group' sum of the first pass
    "    mtc1   $0, $f2\n",
    "    mtc1   $0, $f3\n",
    "    .word  0x4604201a\n",             // mula.s $f4, $f4         ACC = 0
    "1:\n",
    "    .word  0x7a6c0000\n",           // lq     $12, 0($19)      codes quad 0
    "    .word  0x7a6d0010\n",           // lq     $13, 16($19)     quad 1
    "    mtc1   $8, $f1\n",              // previous group's sum
    "    .word  0x78490000\n",           // lq     $9, 0($2)        activations 0..7
    "    .word  0x71ac56e8\n",           // qfsrv  $10, $13, $12    codes 0..15
    "    cvt.s.w $f1, $f1\n",
    "    .word  0x71405e88\n",           // pextlb $11, $10, $0     codes 0..7 · 256
    "    .word  0x7a6e0020\n",           // lq     $14, 32($19)     quad 2
    "    .word  0x71690709\n",           // pmulth $0, $11, $9      HI:LO = products
    "    .word  0x78490010\n",           // lq     $9, 16($2)       activations 8..15
    "    .word  0x71405ea8\n",           // pextub $11, $10, $0     codes 8..15 · 256
    "    .word  0x71cd56e8\n",           // qfsrv  $10, $14, $13    codes 16..31
    "    .word  0x71690409\n",           // pmaddh $0, $11, $9
    "    .word  0x78490020\n",           // lq     $9, 32($2)       activations 16..23
    "    .word  0x71405e88\n",           // pextlb $11, $10, $0
    "    mul.s  $f1, $f1, $f2\n",        // · w_scale
    "    .word  0x71690409\n",           // pmaddh $0, $11, $9
    "    .word  0x78580030\n",           // lq     $24, 48($2)      activations 24..31
    "    .word  0x71405ea8\n",           // pextub $11, $10, $0
    "    .word  0x7a6c0030\n",           // lq     $12, 48($19)     quad 3
    "    .word  0x71780409\n",           // pmaddh $0, $11, $24
    "    .word  0x78490040\n",           // lq     $9, 64($2)       activations 32..39
    "    .word  0x718e56e8\n",           // qfsrv  $10, $12, $14    codes 32..47
    "    .word  0x71405e88\n",           // pextlb $11, $10, $0
    "    .word  0x71690409\n",           // pmaddh $0, $11, $9
    "    .word  0x78490050\n",           // lq     $9, 80($2)       activations 40..47
    "    .word  0x71405ea8\n",           // pextub $11, $10, $0
    "    .word  0x7a6d0040\n",           // lq     $13, 64($19)     quad 4
    "    .word  0x71690409\n",           // pmaddh $0, $11, $9
    "    .word  0x78490060\n",           // lq     $9, 96($2)       activations 48..55
    "    .word  0x71ac56e8\n",           // qfsrv  $10, $13, $12    codes 48..63
    "    .word  0x71405e88\n",           // pextlb $11, $10, $0
    "    .word  0x71690409\n",           // pmaddh $0, $11, $9
    "    .word  0x78580070\n",           // lq     $24, 112($2)     activations 56..63
    "    .word  0x71405ea8\n",           // pextub $11, $10, $0
    "    lwc1   $f2, 0($15)\n",          // this group's w_scale
    "    .word  0x71780409\n",           // pmaddh $0, $11, $24
    "    .word  0x4603081e\n",           // madda.s $f1, $f3        ACC += previous term
    "    lwc1   $f3, 0($3)\n",           // this group's x_scale
    "    addiu  $19, $19, 64\n",
    "    .word  0x70004209\n",           // pmfhi  $8
    "    .word  0x70004a49\n",           // pmflo  $9
    "    .word  0x71094008\n",           // paddw  $8, $8, $9
    "    addiu  $2, $2, 128\n",
    "    .word  0x71084ba9\n",           // pcpyud $9, $8, $8
    "    .word  0x71094008\n",           // paddw  $8, $8, $9
    "    addiu  $15, $15, 4\n",
    "    dsra32 $9, $8, 0\n",
    "    addiu  $3, $3, 4\n",
    "    addu   $8, $8, $9\n",           // 256 · sum
    "    bne    $15, $4, 1b\n",          // until the scale pointer reaches the codes
    "    sra    $8, $8, 8\n",            // (delay slot; the loop is far longer than six instructions)
    "    mtc1   $8, $f1\n",
    "    cvt.s.w $f1, $f1\n",
    "    addiu  $17, $17, -1\n",
    "    addu   $4, $4, $16\n",            // next row's codes
    "    mul.s  $f1, $f1, $f2\n",
    "    addiu  $18, $18, 4\n",
    "    .word  0x4603081c\n",             // madd.s $f0, $f1, $f3    ACC + last term
    "    bne    $17, $0, 0b\n",
    "    swc1   $f0, -4($18)\n",           // (delay slot) out[r]
    "    lw     $16, 0($sp)\n",
    "    lw     $17, 4($sp)\n",
    "    lw     $18, 8($sp)\n",
    "    lw     $19, 12($sp)\n",
    "    jr     $31\n",
    "    addiu  $sp, $sp, 16\n",
    ".set pop\n",
    ".size ps2rs_q8_matvec_fpu_g64_a4, . - ps2rs_q8_matvec_fpu_g64_a4\n",
    ".text\n",
));

q8_group_sums_fn!("ps2rs_q8_group_sums", q8_chunk_loop_x1, store_i32);
q8_group_sums_fn!("ps2rs_q8_group_sums_x2", q8_chunk_loop_x2, store_i32);
q8_group_sums_fn!("ps2rs_q8_group_sums_f32", q8_chunk_loop_x1, store_f32);
q8_group_sums_fn!("ps2rs_q8_group_sums_f32_x2", q8_chunk_loop_x2, store_f32);
q8_row_fpu_fn!("ps2rs_q8_row_fpu", q8_chunk_loop_x1);
q8_row_fpu_fn!("ps2rs_q8_row_fpu_x2", q8_chunk_loop_x2);

// The exponential shared by softmax and SwiGLU. Cody-Waite: for d in [-86, 88] (clamped by the caller),
// k = trunc(d·log2(e) ± 0.5), the integer nearest d·log2(e); r = d - k·ln2_hi - k·ln2_lo with |r| ≤ ln2/2
// (k·ln2_hi is exact: 8 × 15 significant bits); exp(r) by its Taylor series to r^7/7! in Horner form
// (truncation error < 6e-9 relative); 2^k added to the exponent field (the result's exponent stays within
// 2..254 over the clamped range, so no overflow or denormal).

/// Loads the constants of [`exp_of_f1`]: `$f10` log2(e), `$f11` ln2_hi, `$f12` ln2_lo, `$f14` -86, `$f15` 1/2,
/// `$f16..$f20` 1/7!..1/3!, `$f21` 88, `$f22` 1, `$11` the bits of 0.5.
macro_rules! exp_constants {
    () => {
        concat!(
            "    lui    $8, 0x3fb8\n",
            "    ori    $8, $8, 0xaa3b\n",
            "    mtc1   $8, $f10\n",           // log2(e)
            "    lui    $8, 0x3f31\n",
            "    ori    $8, $8, 0x7200\n",
            "    mtc1   $8, $f11\n",           // ln2_hi = 0.693145751953125
            "    lui    $8, 0x35bf\n",
            "    ori    $8, $8, 0xbe8e\n",
            "    mtc1   $8, $f12\n",           // ln2_lo = ln2 - ln2_hi
            "    lui    $8, 0xc2ac\n",
            "    mtc1   $8, $f14\n",           // -86
            "    lui    $11, 0x3f00\n",
            "    mtc1   $11, $f15\n",          // 1/2 (and $11 keeps its bits)
            "    lui    $8, 0x3950\n",
            "    ori    $8, $8, 0x0d01\n",
            "    mtc1   $8, $f16\n",           // 1/5040
            "    lui    $8, 0x3ab6\n",
            "    ori    $8, $8, 0x0b61\n",
            "    mtc1   $8, $f17\n",           // 1/720
            "    lui    $8, 0x3c08\n",
            "    ori    $8, $8, 0x8889\n",
            "    mtc1   $8, $f18\n",           // 1/120
            "    lui    $8, 0x3d2a\n",
            "    ori    $8, $8, 0xaaab\n",
            "    mtc1   $8, $f19\n",           // 1/24
            "    lui    $8, 0x3e2a\n",
            "    ori    $8, $8, 0xaaab\n",
            "    mtc1   $8, $f20\n",           // 1/6
            "    lui    $8, 0x42b0\n",
            "    mtc1   $8, $f21\n",           // 88
            "    lui    $8, 0x3f80\n",
            "    mtc1   $8, $f22\n",           // 1
        )
    };
}

/// `$f6 = exp($f1)` for `$f1` in [-86, 88]; clobbers `$f1..$f5`, `$8`, `$9`.
macro_rules! exp_of_f1 {
    () => {
        concat!(
            "    mul.s  $f2, $f1, $f10\n",     // t = d·log2(e)
            "    mfc1   $8, $f2\n",
            "    srl    $8, $8, 31\n",
            "    sll    $8, $8, 31\n",
            "    or     $8, $8, $11\n",        // ±0.5 with the sign of t
            "    mtc1   $8, $f3\n",
            "    add.s  $f2, $f2, $f3\n",
            "    cvt.w.s $f3, $f2\n",          // k (cvt.w.s truncates on the R5900)
            "    cvt.s.w $f4, $f3\n",
            "    mfc1   $8, $f3\n",
            "    mul.s  $f5, $f4, $f11\n",
            "    sub.s  $f1, $f1, $f5\n",
            "    mul.s  $f5, $f4, $f12\n",
            "    sub.s  $f1, $f1, $f5\n",      // r
            "    mul.s  $f6, $f1, $f16\n",
            "    add.s  $f6, $f6, $f17\n",
            "    mul.s  $f6, $f6, $f1\n",
            "    add.s  $f6, $f6, $f18\n",
            "    mul.s  $f6, $f6, $f1\n",
            "    add.s  $f6, $f6, $f19\n",
            "    mul.s  $f6, $f6, $f1\n",
            "    add.s  $f6, $f6, $f20\n",
            "    mul.s  $f6, $f6, $f1\n",
            "    add.s  $f6, $f6, $f15\n",
            "    mul.s  $f6, $f6, $f1\n",
            "    add.s  $f6, $f6, $f22\n",
            "    mul.s  $f6, $f6, $f1\n",
            "    add.s  $f6, $f6, $f22\n",     // exp(r)
            "    mfc1   $9, $f6\n",
            "    sll    $8, $8, 23\n",
            "    addu   $9, $9, $8\n",         // · 2^k
            "    mtc1   $9, $f6\n",
        )
    };
}

// ps2rs_f32_exp_shifted(x: *mut f32, n: usize (>0), shift: u32 (f32 bits)) -> u32 (f32 bits)
//
// x[i] = exp(max(x[i] - shift, -86)), returns Σ x[i] (in index order, truncating). Below -86 the result
// stays e^-86 ≈ 4.5e-38 instead of going denormal. Inputs must not exceed `shift` by more than 88.
core::arch::global_asm!(concat!(
    ".section .text.ps2rs_f32_exp_shifted,\"ax\",@progbits\n",
    ".globl ps2rs_f32_exp_shifted\n",
    ".type ps2rs_f32_exp_shifted,@function\n",
    ".p2align 3\n",
    "ps2rs_f32_exp_shifted:\n",
    ".set push\n",
    ".set noreorder\n",
    ".set noat\n",
    ".set hardfloat\n",
    exp_constants!(),
    "    mtc1   $6, $f13\n",               // shift
    "    mtc1   $0, $f23\n",               // sum = 0
    "1:\n",
    "    lwc1   $f1, 0($4)\n",
    "    sub.s  $f1, $f1, $f13\n",         // d = x - shift
    "    .word  0x460e0868\n",             // max.s  $f1, $f1, $f14   d = max(d, -86)
    exp_of_f1!(),
    "    swc1   $f6, 0($4)\n",
    "    add.s  $f23, $f23, $f6\n",
    "    addiu  $5, $5, -1\n",
    "    addiu  $4, $4, 4\n",
    "    bne    $5, $0, 1b\n",
    "    nop\n",
    "    mfc1   $2, $f23\n",
    "    jr     $31\n",
    "    nop\n",
    ".set pop\n",
    ".size ps2rs_f32_exp_shifted, . - ps2rs_f32_exp_shifted\n",
    ".text\n",
));

// ps2rs_f32_silu_mul(h: *mut f32, up: *const f32, n: usize (>0))
//
// SwiGLU's gate: h[i] = (h[i] / (1 + exp(-h[i]))) · up[i], the portable expression's order. exp's argument
// is clamped to [-86, 88], so gates below -88 give h·e^-88-sized results (about 1e-38·|h|) instead of
// smaller ones, and there is no overflow.
core::arch::global_asm!(concat!(
    ".section .text.ps2rs_f32_silu_mul,\"ax\",@progbits\n",
    ".globl ps2rs_f32_silu_mul\n",
    ".type ps2rs_f32_silu_mul,@function\n",
    ".p2align 3\n",
    "ps2rs_f32_silu_mul:\n",
    ".set push\n",
    ".set noreorder\n",
    ".set noat\n",
    ".set hardfloat\n",
    exp_constants!(),
    "1:\n",
    "    lwc1   $f7, 0($4)\n",             // gate
    "    neg.s  $f1, $f7\n",
    "    .word  0x460e0868\n",             // max.s  $f1, $f1, $f14   ≥ -86
    "    .word  0x46150869\n",             // min.s  $f1, $f1, $f21   ≤ 88
    exp_of_f1!(),
    "    add.s  $f6, $f6, $f22\n",         // 1 + exp(-gate)
    "    div.s  $f7, $f7, $f6\n",
    "    lwc1   $f8, 0($5)\n",
    "    mul.s  $f7, $f7, $f8\n",
    "    swc1   $f7, 0($4)\n",
    "    addiu  $6, $6, -1\n",
    "    addiu  $4, $4, 4\n",
    "    addiu  $5, $5, 4\n",
    "    bne    $6, $0, 1b\n",
    "    nop\n",
    "    jr     $31\n",
    "    nop\n",
    ".set pop\n",
    ".size ps2rs_f32_silu_mul, . - ps2rs_f32_silu_mul\n",
    ".text\n",
));

core::arch::global_asm!(
    // ps2rs_f32_dot(a: *const f32, b: *const f32, n: usize (>0)) -> u32 (f32 bits)
    //
    // ACC = 0; ACC += a[i]·b[i] with madda.s in index order (product and sum each truncated toward zero),
    // four elements per pass, then the n % 4 rest one by one; the result is ACC + 0·0.
    ".section .text.ps2rs_f32_dot,\"ax\",@progbits",
    ".globl ps2rs_f32_dot",
    ".type ps2rs_f32_dot,@function",
    ".p2align 3",
    "ps2rs_f32_dot:",
    ".set push",
    ".set noreorder",
    ".set noat",
    ".set hardfloat",
    "    mtc1   $0, $f0",
    "    .word  0x4600001a",            // mula.s  $f0, $f0        ACC = 0
    "    srl    $7, $6, 2",             // t3 = passes of four
    "    beq    $7, $0, 3f",
    "    andi   $6, $6, 3",             // (delay slot) a2 = the rest
    "1:",
    "    lwc1   $f1, 0($4)",
    "    lwc1   $f2, 0($5)",
    "    lwc1   $f3, 4($4)",
    "    lwc1   $f4, 4($5)",
    "    lwc1   $f5, 8($4)",
    "    lwc1   $f6, 8($5)",
    "    lwc1   $f7, 12($4)",
    "    lwc1   $f8, 12($5)",
    "    .word  0x4602081e",            // madda.s $f1, $f2        ACC += f1·f2
    "    .word  0x4604181e",            // madda.s $f3, $f4
    "    .word  0x4606281e",            // madda.s $f5, $f6
    "    .word  0x4608381e",            // madda.s $f7, $f8
    "    addiu  $7, $7, -1",
    "    addiu  $4, $4, 16",
    "    addiu  $5, $5, 16",
    "    bne    $7, $0, 1b",
    "    nop",
    "3:",
    "    beq    $6, $0, 5f",
    "    nop",
    "4:",
    "    lwc1   $f1, 0($4)",
    "    lwc1   $f2, 0($5)",
    "    addiu  $6, $6, -1",
    "    addiu  $4, $4, 4",
    "    addiu  $5, $5, 4",
    "    .word  0x4602081e",            // madda.s $f1, $f2
    "    bne    $6, $0, 4b",
    "    nop",
    "5:",
    "    .word  0x4600025c",            // madd.s  $f9, $f0, $f0   f9 = ACC + 0·0
    "    mfc1   $2, $f9",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_f32_dot, . - ps2rs_f32_dot",
    "",
    // ps2rs_f32_scale_mul(out: *mut f32, x: *const f32, w: *const f32, n: usize (>0), s: u32 (f32 bits))
    //
    // out[i] = (x[i] · s) · w[i]; with w == NULL, out[i] = x[i] · s (out may equal x).
    ".section .text.ps2rs_f32_scale_mul,\"ax\",@progbits",
    ".globl ps2rs_f32_scale_mul",
    ".type ps2rs_f32_scale_mul,@function",
    ".p2align 3",
    "ps2rs_f32_scale_mul:",
    ".set push",
    ".set noreorder",
    ".set noat",
    ".set hardfloat",
    "    move   $8, $8",
    "    mtc1   $8, $f0",               // s
    "    beq    $6, $0, 3f",
    "    nop",
    "1:",
    "    lwc1   $f1, 0($5)",
    "    lwc1   $f2, 0($6)",
    "    mul.s  $f1, $f1, $f0",
    "    addiu  $7, $7, -1",
    "    addiu  $5, $5, 4",
    "    addiu  $6, $6, 4",
    "    mul.s  $f1, $f1, $f2",
    "    swc1   $f1, 0($4)",
    "    addiu  $4, $4, 4",
    "    bne    $7, $0, 1b",
    "    nop",
    "    jr     $31",
    "    nop",
    "3:",
    "    lwc1   $f1, 0($5)",
    "    addiu  $7, $7, -1",
    "    addiu  $5, $5, 4",
    "    mul.s  $f1, $f1, $f0",
    "    addiu  $4, $4, 4",
    "    swc1   $f1, -4($4)",
    "    bne    $7, $0, 3b",
    "    nop",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_f32_scale_mul, . - ps2rs_f32_scale_mul",
    "",
    // ps2rs_f32_axpy(out: *mut f32, a: u32 (f32 bits), x: *const f32, n: usize (>0))
    ".section .text.ps2rs_f32_axpy,\"ax\",@progbits",
    ".globl ps2rs_f32_axpy",
    ".type ps2rs_f32_axpy,@function",
    ".p2align 3",
    "ps2rs_f32_axpy:",
    ".set push",
    ".set noreorder",
    ".set noat",
    ".set hardfloat",
    "    mtc1   $5, $f0",
    "1:",
    "    lwc1   $f1, 0($6)",
    "    lwc1   $f2, 0($4)",
    "    mul.s  $f1, $f0, $f1",
    "    addiu  $7, $7, -1",
    "    addiu  $6, $6, 4",
    "    add.s  $f2, $f2, $f1",
    "    swc1   $f2, 0($4)",
    "    addiu  $4, $4, 4",
    "    bne    $7, $0, 1b",
    "    nop",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_f32_axpy, . - ps2rs_f32_axpy",
    ".text",
);

// ps2rs_quantize_pairs(x: *const f32, n: usize (>0, even), inv: u32 (f32 bits), codes: *mut i8) -> usize
//
// The activation quantizer's per-element step on the FPU, two elements per pass: T = v·inv (`mul.s`,
// truncating), then |T|'s integer part (`trunc.w.s`, the R5900's truncating cvt.w.s) and the fraction minus
// one half (`cvt.s.w`, two `sub.s`, exact or within 2^-24). The code is the integer part plus one when the
// fraction is above one half, with T's sign. The engine rounds the IEEE (nearest) product half away from
// zero; T differs from that product by at most 2.5 units in the last place, under 2.5·2^-17 for |T| < 128,
// so the two agree unless the fraction lies within 2^-15 of one half (`(d << 1) < 0x7000_0000`: |d| < 2^-15).
// Such elements get the code -128 (which |v| ≤ max never produces) and are counted in the return value, so
// the caller can redo them exactly. The caller guarantees |v|·inv ≤ 127·(1 + 2^-24) and no exponent 255.
core::arch::global_asm!(
    ".section .text.ps2rs_quantize_pairs,\"ax\",@progbits",
    ".globl ps2rs_quantize_pairs",
    ".type ps2rs_quantize_pairs,@function",
    ".p2align 3",
    "ps2rs_quantize_pairs:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x44860000",  // mtc1 a2,$f0
    "    .word  0x3c083f00",  // lui t0,0x3f00
    "    .word  0x44880800",  // mtc1 t0,$f1
    "    .word  0x3c0c7000",  // lui t4,0x7000
    "    .word  0x240dff80",  // li t5,-128
    "    .word  0x00001025",  // move v0,zero
    "    .word  0xc4830000",  // lwc1 $f3,0(a0)
    "    .word  0xc4840004",  // lwc1 $f4,4(a0)
    "    .word  0x46001942",  // mul.s $f5,$f3,$f0
    "    .word  0x46002182",  // mul.s $f6,$f4,$f0
    "    .word  0x24a5fffe",  // addiu a1,a1,-2
    "    .word  0x460029c5",  // abs.s $f7,$f5
    "    .word  0x46003205",  // abs.s $f8,$f6
    "    .word  0x24840008",  // addiu a0,a0,8
    "    .word  0x46003a64",  // trunc.w.s $f9,$f7
    "    .word  0x460042a4",  // trunc.w.s $f10,$f8
    "    .word  0x440e2800",  // mfc1 t6,$f5
    "    .word  0x46804ae0",  // cvt.s.w $f11,$f9
    "    .word  0x46805320",  // cvt.s.w $f12,$f10
    "    .word  0x440f3000",  // mfc1 t7,$f6
    "    .word  0x460b3ac1",  // sub.s $f11,$f7,$f11
    "    .word  0x460c4301",  // sub.s $f12,$f8,$f12
    "    .word  0x000e77c3",  // sra t6,t6,0x1f
    "    .word  0x000f7fc3",  // sra t7,t7,0x1f
    "    .word  0x46015ac1",  // sub.s $f11,$f11,$f1
    "    .word  0x46016301",  // sub.s $f12,$f12,$f1
    "    .word  0x44094800",  // mfc1 t1,$f9
    "    .word  0x440a5000",  // mfc1 t2,$f10
    "    .word  0x44185800",  // mfc1 t8,$f11
    "    .word  0x44196000",  // mfc1 t9,$f12
    "    .word  0x00181fc2",  // srl v1,t8,0x1f
    "    .word  0x38630001",  // xori v1,v1,0x1
    "    .word  0x01234821",  // addu t1,t1,v1
    "    .word  0x00191fc2",  // srl v1,t9,0x1f
    "    .word  0x38630001",  // xori v1,v1,0x1
    "    .word  0x01435021",  // addu t2,t2,v1
    "    .word  0x012e4826",  // xor t1,t1,t6
    "    .word  0x012e4823",  // subu t1,t1,t6
    "    .word  0x014f5026",  // xor t2,t2,t7
    "    .word  0x014f5023",  // subu t2,t2,t7
    "    .word  0x0018c040",  // sll t8,t8,0x1
    "    .word  0x030cc02b",  // sltu t8,t8,t4
    "    .word  0x0019c840",  // sll t9,t9,0x1
    "    .word  0x032cc82b",  // sltu t9,t9,t4
    "    .word  0x01b8480b",  // movn t1,t5,t8
    "    .word  0x01b9500b",  // movn t2,t5,t9
    "    .word  0x00581021",  // addu v0,v0,t8
    "    .word  0x00591021",  // addu v0,v0,t9
    "    .word  0xa0e90000",  // sb t1,0(a3)
    "    .word  0xa0ea0001",  // sb t2,1(a3)
    "    .word  0x14a0ffd3",  // bnez a1,18 <quant+0x18>
    "    .word  0x24e70002",  // addiu a3,a3,2
    "    .word  0x03e00008",  // jr ra
    "    .word  0x00000000",  // nop
    ".set pop",
    ".size ps2rs_quantize_pairs, . - ps2rs_quantize_pairs",
    ".text",
);

/// Quantizes an even number of activations by `inv` on the FPU (see `ps2rs_quantize_pairs`): codes, with
/// -128 where the result may differ from the exact rounding; returns how many those are.
pub fn quantize_pairs(x: &[f32], inv: f32, codes: &mut [i8]) -> usize {
    debug_assert!(!x.is_empty() && x.len() % 2 == 0 && codes.len() >= x.len());
    // SAFETY: reads `x.len()` aligned f32s and writes as many bytes of `codes`.
    unsafe { ps2rs_quantize_pairs(x.as_ptr(), x.len(), inv.to_bits(), codes.as_mut_ptr()) }
}

// ps2rs_f32_rope(values: *mut f32, cos: *const f32, sin: *const f32, pairs_per_head: usize (even, >0), heads: usize (>0))
//
// RoPE on the FPU, two pairs per pass: (a, b) → (a·c − b·s, a·s + b·c) with `mul.s` and `sub.s`/`add.s`, the
// portable expression's order (each product rounded, then the sum), truncating. Eight products of two pairs are
// interleaved so no result waits for the FPU latency.
core::arch::global_asm!(
    ".section .text.ps2rs_f32_rope,\"ax\",@progbits",
    ".globl ps2rs_f32_rope",
    ".type ps2rs_f32_rope,@function",
    ".p2align 3",
    "ps2rs_f32_rope:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x00a04825",  // move t1,a1
    "    .word  0x00c05025",  // move t2,a2
    "    .word  0x00e05825",  // move t3,a3
    "    .word  0xc4810000",  // lwc1 $f1,0(a0)
    "    .word  0xc5230000",  // lwc1 $f3,0(t1)
    "    .word  0xc4820004",  // lwc1 $f2,4(a0)
    "    .word  0xc5440000",  // lwc1 $f4,0(t2)
    "    .word  0xc4850008",  // lwc1 $f5,8(a0)
    "    .word  0x46030b42",  // mul.s $f13,$f1,$f3
    "    .word  0xc5270004",  // lwc1 $f7,4(t1)
    "    .word  0x46041382",  // mul.s $f14,$f2,$f4
    "    .word  0xc486000c",  // lwc1 $f6,12(a0)
    "    .word  0x46040bc2",  // mul.s $f15,$f1,$f4
    "    .word  0xc5480004",  // lwc1 $f8,4(t2)
    "    .word  0x46031402",  // mul.s $f16,$f2,$f3
    "    .word  0x256bfffe",  // addiu t3,t3,-2
    "    .word  0x46072c42",  // mul.s $f17,$f5,$f7
    "    .word  0x25290008",  // addiu t1,t1,8
    "    .word  0x46083482",  // mul.s $f18,$f6,$f8
    "    .word  0x254a0008",  // addiu t2,t2,8
    "    .word  0x46082cc2",  // mul.s $f19,$f5,$f8
    "    .word  0x460e6a41",  // sub.s $f9,$f13,$f14
    "    .word  0x46073502",  // mul.s $f20,$f6,$f7
    "    .word  0x46107a80",  // add.s $f10,$f15,$f16
    "    .word  0x46128ac1",  // sub.s $f11,$f17,$f18
    "    .word  0x46149b00",  // add.s $f12,$f19,$f20
    "    .word  0xe4890000",  // swc1 $f9,0(a0)
    "    .word  0xe48a0004",  // swc1 $f10,4(a0)
    "    .word  0xe48b0008",  // swc1 $f11,8(a0)
    "    .word  0xe48c000c",  // swc1 $f12,12(a0)
    "    .word  0x1560ffe4",  // bnez t3,c <rope+0xc>
    "    .word  0x24840010",  // addiu a0,a0,16
    "    .word  0x2508ffff",  // addiu t0,t0,-1
    "    .word  0x1500ffde",  // bnez t0,0 <rope>
    "    .word  0x00000000",  // nop
    "    .word  0x03e00008",  // jr ra
    "    .word  0x00000000",  // nop
    ".set pop",
    ".size ps2rs_f32_rope, . - ps2rs_f32_rope",
    ".text",
);

/// See [`crate::backend::rope`]: `values` holds `heads` heads of `2 · pairs` floats, `cos`/`sin` at least `pairs`
/// each, `pairs` even and positive.
pub fn rope(values: &mut [f32], cos: &[f32], sin: &[f32], pairs: usize) {
    let heads = values.len() / (2 * pairs);
    debug_assert!(pairs > 0 && pairs % 2 == 0 && heads > 0 && cos.len() >= pairs && sin.len() >= pairs);
    // SAFETY: reads `pairs` floats of `cos` and `sin` per head and rewrites `heads · 2 · pairs` floats of `values`.
    unsafe { ps2rs_f32_rope(values.as_mut_ptr(), cos.as_ptr(), sin.as_ptr(), pairs, heads) }
}

unsafe extern "C" {
    fn ps2rs_f32_rope(values: *mut f32, cos: *const f32, sin: *const f32, pairs: usize, heads: usize);
    fn ps2rs_quantize_pairs(x: *const f32, n: usize, inv: u32, codes: *mut i8) -> usize;
    fn ps2rs_q8_group_sums(codes: *const u8, activations: *const Quad, groups: usize, passes: usize, sums: *mut i32);
    fn ps2rs_q8_group_sums_x2(codes: *const u8, activations: *const Quad, groups: usize, passes: usize, sums: *mut i32);
    fn ps2rs_q8_group_sums_f32(codes: *const u8, activations: *const Quad, groups: usize, passes: usize, sums: *mut f32);
    fn ps2rs_q8_group_sums_f32_x2(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        passes: usize,
        sums: *mut f32,
    );
    fn ps2rs_q8_row_fpu(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        passes: usize,
        x_scales: *const f32,
        w_scales: *const u8,
    ) -> u32;
    fn ps2rs_q8_row_fpu_x2(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        passes: usize,
        x_scales: *const f32,
        w_scales: *const u8,
    ) -> u32;
    fn ps2rs_q8_row_fpu_g32(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        x_scales: *const f32,
        w_scales: *const u8,
    ) -> u32;
    fn ps2rs_q8_matvec_fpu_g32(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        x_scales: *const f32,
        row_stride: usize,
        rows: usize,
        out: *mut f32,
    );
    fn ps2rs_q8_matvec_fpu_g32_a4(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        x_scales: *const f32,
        row_stride: usize,
        rows: usize,
        out: *mut f32,
    );
    fn ps2rs_q8_matvec_fpu_g64_a4(
        codes: *const u8,
        activations: *const Quad,
        groups: usize,
        x_scales: *const f32,
        row_stride: usize,
        rows: usize,
        out: *mut f32,
    );
    fn ps2rs_f32_dot(a: *const f32, b: *const f32, n: usize) -> u32;
    fn ps2rs_f32_exp_shifted(x: *mut f32, n: usize, shift: u32) -> u32;
    fn ps2rs_f32_silu_mul(h: *mut f32, up: *const f32, n: usize);
    fn ps2rs_f32_scale_mul(out: *mut f32, x: *const f32, w: *const f32, n: usize, s: u32);
    fn ps2rs_f32_axpy(out: *mut f32, a: u32, x: *const f32, n: usize);
}

/// See [`crate::backend::q8_group_sums`]; the caller checked the lengths and that both counts are non-zero.
pub fn q8_group_sums(codes: &[u8], activations: &[Quad], chunks_per_group: usize, sums: &mut [i32]) {
    // SAFETY: `backend::q8_group_sums` checked that `codes` holds `sums.len() · chunks_per_group · 8` bytes and
    // `activations` as many quads (16-byte aligned by type); the routine reads exactly those and writes
    // `sums.len()` words; both counts are non-zero, as its loops need.
    // An even chunk count takes the two-chunk loop with half as many passes.
    let (routine, passes) = if chunks_per_group.is_multiple_of(2) {
        (ps2rs_q8_group_sums_x2 as unsafe extern "C" fn(_, _, _, _, _), chunks_per_group / 2)
    } else {
        (ps2rs_q8_group_sums as unsafe extern "C" fn(_, _, _, _, _), chunks_per_group)
    };
    unsafe { routine(codes.as_ptr(), activations.as_ptr(), sums.len(), passes, sums.as_mut_ptr()) }
}

/// See [`crate::backend::q8_group_sums_f32`]; the caller checked the lengths, that both counts are non-zero and
/// that a group has at most 1024 elements.
pub fn q8_group_sums_f32(codes: &[u8], activations: &[Quad], chunks_per_group: usize, sums: &mut [f32]) {
    let (routine, passes) = if chunks_per_group.is_multiple_of(2) {
        (ps2rs_q8_group_sums_f32_x2 as unsafe extern "C" fn(_, _, _, _, _), chunks_per_group / 2)
    } else {
        (ps2rs_q8_group_sums_f32 as unsafe extern "C" fn(_, _, _, _, _), chunks_per_group)
    };
    // SAFETY: as for `q8_group_sums`: the routine reads `sums.len() · chunks_per_group` chunks of codes and
    // quads, which the caller checked, and writes `sums.len()` aligned f32s.
    unsafe { routine(codes.as_ptr(), activations.as_ptr(), sums.len(), passes, sums.as_mut_ptr()) }
}

/// See [`crate::backend::q8_row_fpu`]; the caller checked the lengths and that both counts are non-zero.
pub fn q8_row_fpu(codes: &[u8], activations: &[Quad], chunks_per_group: usize, x_scales: &[f32], w_scales: &[u8]) -> f32 {
    let groups = x_scales.len();
    // The group-of-32 routine reads the aligned quad that holds the first byte after the groups' codes; that
    // quad must start inside `codes` (then it cannot fault), which fails only for a 16-byte-aligned `codes`
    // slice ending right after the groups.
    let last_quad_start = (codes.as_ptr() as usize & !15) + 32 * groups;
    if chunks_per_group == 4 && last_quad_start < codes.as_ptr() as usize + codes.len() {
        // SAFETY: `backend::q8_row_fpu` checked that `codes` holds `32 · groups` bytes, `activations`
        // `4 · groups` quads (16-byte aligned by type), `x_scales` `groups > 0` aligned f32s and `w_scales`
        // `4 · groups` bytes. The routine reads those, plus parts of the aligned quads around `codes` that
        // start inside it (checked just above), which lie in readable memory.
        let bits = unsafe {
            ps2rs_q8_row_fpu_g32(codes.as_ptr(), activations.as_ptr(), groups, x_scales.as_ptr(), w_scales.as_ptr())
        };
        return f32::from_bits(bits);
    }
    // SAFETY: `backend::q8_row_fpu` checked that `codes` holds `groups · chunks_per_group · 8` bytes,
    // `activations` as many quads (16-byte aligned by type), `x_scales` `groups` aligned f32s and `w_scales`
    // `4 · groups` bytes, with `groups = x_scales.len() > 0`; the routine reads exactly those.
    let (routine, passes) = if chunks_per_group.is_multiple_of(2) {
        (ps2rs_q8_row_fpu_x2 as unsafe extern "C" fn(_, _, _, _, _, _) -> u32, chunks_per_group / 2)
    } else {
        (ps2rs_q8_row_fpu as unsafe extern "C" fn(_, _, _, _, _, _) -> u32, chunks_per_group)
    };
    let bits = unsafe {
        routine(
            codes.as_ptr(),
            activations.as_ptr(),
            x_scales.len(),
            passes,
            x_scales.as_ptr(),
            w_scales.as_ptr(),
        )
    };
    f32::from_bits(bits)
}

/// See [`crate::backend::q8_matvec_fpu`]; the caller checked the lengths (every row's scales and codes lie in
/// `matrix`), that `out` is not empty and that both counts are non-zero.
pub fn q8_matvec_fpu(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    activations: &[Quad],
    chunks_per_group: usize,
    x_scales: &[f32],
) {
    let groups = x_scales.len();
    let codes_offset = 4 * groups;
    let row_codes = |r: usize| &matrix[r * row_stride + codes_offset..];
    // With 4-byte-aligned rows the weight scales load with `lwc1`; groups of 64 have a routine only for
    // that case (model files are aligned), groups of 32 for both.
    let scales_aligned = (matrix.as_ptr() as usize).is_multiple_of(4) && row_stride.is_multiple_of(4);
    type Routine = unsafe extern "C" fn(*const u8, *const Quad, usize, *const f32, usize, usize, *mut f32);
    let routine: Option<Routine> = match (chunks_per_group, scales_aligned) {
        (4, true) => Some(ps2rs_q8_matvec_fpu_g32_a4),
        (4, false) => Some(ps2rs_q8_matvec_fpu_g32),
        (8, true) => Some(ps2rs_q8_matvec_fpu_g64_a4),
        _ => None,
    };
    // These routines need, for every row, the aligned quad after its codes to start inside `matrix` (see
    // `q8_row_fpu`); only the last row can miss it, and it then takes the row routine.
    let code_bytes = groups * chunks_per_group * CHUNK;
    let quad_after = |r: usize| {
        let codes = row_codes(r);
        (codes.as_ptr() as usize & !15) + code_bytes < codes.as_ptr() as usize + codes.len()
    };
    let mut fast_rows = 0;
    if routine.is_some() {
        fast_rows = if quad_after(out.len() - 1) { out.len() } else { out.len() - 1 };
    }
    if let Some(routine) = routine.filter(|_| fast_rows > 0) {
        // SAFETY: `backend::q8_matvec_fpu` checked that rows 0..out.len() each have `4 · groups` scale bytes
        // then `code_bytes` code bytes at `r · row_stride` in `matrix`, that `activations` holds
        // `groups · chunks_per_group` quads (16-byte aligned by type) and `x_scales` `groups > 0` aligned
        // f32s; the routine reads those, parts of the aligned quads that start inside `matrix` (checked above
        // for the last fast row; for earlier rows the next row follows), and writes `fast_rows` f32s of `out`.
        unsafe {
            routine(
                row_codes(0).as_ptr(),
                activations.as_ptr(),
                groups,
                x_scales.as_ptr(),
                row_stride,
                fast_rows,
                out.as_mut_ptr(),
            )
        };
    }
    for (r, o) in out.iter_mut().enumerate().skip(fast_rows) {
        let scales = &matrix[r * row_stride..r * row_stride + codes_offset];
        *o = q8_row_fpu(row_codes(r), activations, chunks_per_group, x_scales, scales);
    }
}

/// See [`crate::backend::dot`]; the slices have the same, non-zero length.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert!(!a.is_empty() && a.len() == b.len());
    // SAFETY: both slices hold `a.len() > 0` aligned f32s; the routine reads exactly those.
    f32::from_bits(unsafe { ps2rs_f32_dot(a.as_ptr(), b.as_ptr(), a.len()) })
}

/// See [`crate::backend::axpy`]; the slices have the same, non-zero length.
pub fn axpy(out: &mut [f32], a: f32, x: &[f32]) {
    debug_assert!(!out.is_empty() && out.len() == x.len());
    // SAFETY: both slices hold `out.len() > 0` aligned f32s; the routine reads `x` and updates `out` in place.
    unsafe { ps2rs_f32_axpy(out.as_mut_ptr(), a.to_bits(), x.as_ptr(), out.len()) }
}

/// See [`crate::backend::exp_shifted`]; `x` is not empty.
pub fn exp_shifted(x: &mut [f32], shift: f32) -> f32 {
    debug_assert!(!x.is_empty());
    // SAFETY: `x` holds `x.len() > 0` aligned f32s; the routine rewrites exactly those.
    f32::from_bits(unsafe { ps2rs_f32_exp_shifted(x.as_mut_ptr(), x.len(), shift.to_bits()) })
}

/// See [`crate::backend::scale`]; `x` is not empty.
pub fn scale(x: &mut [f32], s: f32) {
    debug_assert!(!x.is_empty());
    let ptr = x.as_mut_ptr();
    // SAFETY: in place over `x.len() > 0` aligned f32s (`w` NULL selects the unweighted loop, which reads each
    // element before it writes it).
    unsafe { ps2rs_f32_scale_mul(ptr, ptr, core::ptr::null(), x.len(), s.to_bits()) }
}

/// See [`crate::backend::scale_mul`]; the slices have the same, non-zero length.
pub fn scale_mul(out: &mut [f32], x: &[f32], w: &[f32], s: f32) {
    debug_assert!(!out.is_empty() && out.len() == x.len() && out.len() == w.len());
    // SAFETY: three slices of `out.len() > 0` aligned f32s; `out` is written, `x` and `w` read.
    unsafe { ps2rs_f32_scale_mul(out.as_mut_ptr(), x.as_ptr(), w.as_ptr(), out.len(), s.to_bits()) }
}

/// See [`crate::backend::silu_mul`]; the slices have the same, non-zero length.
pub fn silu_mul(h: &mut [f32], up: &[f32]) {
    debug_assert!(!h.is_empty() && h.len() == up.len());
    // SAFETY: two slices of `h.len() > 0` aligned f32s; `h` is rewritten in place, `up` read.
    unsafe { ps2rs_f32_silu_mul(h.as_mut_ptr(), up.as_ptr(), h.len()) }
}

// ---------------------------------------------------------------------------------------------------------------
// Scratchpad streaming for the whole-matrix Q8 product (`backend::q8_matvec_fpu_spr`).

/// The scratchpad: 16 KiB at this address, outside the caches (EECUM §6.4).
const SPR_BASE: usize = 0x7000_0000;
/// One of the two buffers the rows are streamed into: half the scratchpad.
pub const SPR_BUFFER_BYTES: usize = 8 * 1024;
/// toSPR (DMA channel 9) registers: CHCR, MADR, QWC, SADR.
const TO_SPR_CHCR: usize = 0x1000_D400;
const TO_SPR_MADR: usize = 0x1000_D410;
const TO_SPR_QWC: usize = 0x1000_D420;
const TO_SPR_SADR: usize = 0x1000_D480;
/// CHCR: direction from memory, normal mode, STR (start / busy).
const CHCR_START: u32 = 0x101;
const CHCR_STR: u32 = 0x100;

/// The bytes a chunk of rows occupies in a buffer beyond `(rows − 1) · row_stride + row_bytes + tail`: up to 15
/// in front (the copy keeps each byte's address modulo 16, so the same routine runs on it) and up to 15 for
/// rounding the transfer to whole quadwords. `tail` is what the routine reads past the last row: the aligned quad
/// after its codes (16 bytes) for the FPU routines, more for the VU0 one (`backend::q8_vu0_overread`).
const SPR_SLACK: usize = 15 + 15;

/// The quad after a row's codes, which the whole-matrix FPU routines read (see `q8_matvec_fpu`).
pub const FPU_TAIL: usize = 16;

/// Rows of `row_stride` bytes (`row_bytes` of them used, `tail` more read past the last one) one buffer holds;
/// 0 when not even one fits.
pub fn spr_rows_per_buffer(row_stride: usize, row_bytes: usize, tail: usize) -> usize {
    let used = row_bytes + tail + SPR_SLACK;
    if row_stride == 0 || used > SPR_BUFFER_BYTES {
        return 0;
    }
    1 + (SPR_BUFFER_BYTES - used) / row_stride
}

/// Writes every dirty line of the data cache back to memory (and invalidates the cache): `CACHE DXWBIN` on
/// both ways of all 64 sets, between `SYNC`s as the manual requires (EECUM §1.3.6). 128 operations whatever
/// the matrix's size, where a hit write-back of a 93 KiB matrix would take 1 458.
fn write_back_data_cache() {
    // SAFETY: index write-back-invalidate writes dirty data back before dropping a line, so no data is lost;
    // the KSEG0 addresses only select a set and a way (bit 0), nothing is accessed through them.
    unsafe {
        core::arch::asm!("sync", options(nostack));
        for set in 0..64usize {
            for way in 0..2usize {
                core::arch::asm!(
                    ".set push", ".set mips3", ".set noat",
                    "cache 0x14, 0({addr})",
                    ".set pop",
                    addr = in(reg) 0x8000_0000usize | (set << 6) | way,
                    options(nostack),
                );
            }
        }
        core::arch::asm!("sync", options(nostack));
    }
}

/// Starts toSPR: `qwc` quadwords from the physical address `source` (16-byte aligned) to scratchpad offset `sadr`.
fn start_to_spr(source: usize, qwc: usize, sadr: usize) {
    // SAFETY: the DMAC's toSPR registers; the channel is idle (every transfer is waited for before the next
    // starts). Uncached stores reach the DMAC in program order, so CHCR (STR) is written last.
    unsafe {
        core::ptr::write_volatile(TO_SPR_MADR as *mut u32, source as u32);
        core::ptr::write_volatile(TO_SPR_QWC as *mut u32, qwc as u32);
        core::ptr::write_volatile(TO_SPR_SADR as *mut u32, sadr as u32);
        core::ptr::write_volatile(TO_SPR_CHCR as *mut u32, CHCR_START);
    }
}

/// Waits until toSPR has finished (CHCR.STR clear).
fn wait_to_spr() {
    // SAFETY: reading the channel's CHCR has no side effect.
    while unsafe { core::ptr::read_volatile(TO_SPR_CHCR as *const u32) } & CHCR_STR != 0 {}
}

/// See [`crate::backend::q8_matvec_fpu_spr`]: [`q8_matvec_fpu`] over copies of the rows that toSPR streams into
/// the two halves of the scratchpad. The caller checked what [`q8_matvec_fpu`] needs.
pub fn q8_matvec_fpu_spr(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    activations: &[Quad],
    chunks_per_group: usize,
    x_scales: &[f32],
) {
    let row_bytes = x_scales.len() * (4 + chunks_per_group * CHUNK);
    let compute = |out: &mut [f32], rows: &[u8]| q8_matvec_fpu(out, rows, row_stride, activations, chunks_per_group, x_scales);
    if !stream_rows_through_spr(out, matrix, row_stride, row_bytes, FPU_TAIL, compute) {
        q8_matvec_fpu(out, matrix, row_stride, activations, chunks_per_group, x_scales);
    }
}

/// Whether `bytes` bytes from `address` lie in main RAM (through KUSEG, KSEG0 or an uncached view; not the
/// scratchpad, a 0x7... address).
pub fn in_main_ram(address: usize, bytes: usize) -> bool {
    address >> 28 != 7 && (address & 0x1FFF_FFFF).saturating_add(bytes) <= 0x0200_0000
}

/// Runs `compute(out[r0..r1], rows)` over copies of the matrix's rows that toSPR streams into the two halves of
/// the scratchpad, the next chunk's transfer running while the current chunk is computed. Each copy starts
/// with row `r0` (at the same address modulo 16 as in `matrix`) and holds `tail` readable bytes after the
/// chunk's last row (whatever lies there: the routine must not depend on them). Returns false, having done
/// nothing, when one row does not fit a buffer or the matrix is not in main RAM.
pub fn stream_rows_through_spr(
    out: &mut [f32],
    matrix: &[u8],
    row_stride: usize,
    row_bytes: usize,
    tail: usize,
    mut compute: impl FnMut(&mut [f32], &[u8]),
) -> bool {
    let per_buffer = spr_rows_per_buffer(row_stride, row_bytes, tail);
    let base = matrix.as_ptr() as usize;
    if per_buffer == 0 || !in_main_ram(base, matrix.len() + tail) {
        return false;
    }
    // DMA reads main memory behind the data cache: weights the CPU wrote (a generated model) may still sit
    // in dirty lines. Read-only weights loaded by DMA never do, and once written back they stay clean, so this
    // is usually a no-op's worth of work; it is done per product because the kernel cannot know.
    write_back_data_cache();
    let rows = out.len();
    let chunks = rows.div_ceil(per_buffer);
    // Chunk `i`: its rows, and the byte range it needs from `matrix`'s start (the last row and `tail` bytes
    // after it: inside RAM, checked above, though possibly past the slice).
    let chunk = |i: usize| {
        let (r0, r1) = (i * per_buffer, ((i + 1) * per_buffer).min(rows));
        (r0, r1, r0 * row_stride, (r1 - 1) * row_stride + row_bytes + tail)
    };
    let transfer = |i: usize| {
        let (_, _, start, end) = chunk(i);
        let first = (base + start) & !15;
        let last = (base + end + 15) & !15;
        start_to_spr(first & 0x1FFF_FFFF, (last - first) / 16, (i % 2) * SPR_BUFFER_BYTES);
    };
    transfer(0);
    for i in 0..chunks {
        wait_to_spr();
        if i + 1 < chunks {
            transfer(i + 1);
        }
        let (r0, r1, start, end) = chunk(i);
        let offset = (base + start) & 15;
        let buffer = SPR_BASE + (i % 2) * SPR_BUFFER_BYTES + offset;
        // SAFETY: the scratchpad is mapped and ours while this runs (nothing else in ps2-rs uses it); the
        // buffer holds the `end − start` bytes of chunk `i` (the transfer was waited for) and `offset + end −
        // start ≤ SPR_BUFFER_BYTES` by `spr_rows_per_buffer`. The next transfer writes the other half only.
        let rows_copy = unsafe { core::slice::from_raw_parts(buffer as *const u8, end - start) };
        compute(&mut out[r0..r1], rows_copy);
    }
    true
}
