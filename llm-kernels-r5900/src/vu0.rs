//! VU0 macro-mode routines behind [`crate::backend::attention_scores_vu0`] and [`crate::backend::axpy_vu0`]
//! (EE only).
//!
//! COP2 instructions are `.word`s (LLVM's MIPS assembler has no VU0 mnemonics), each with its mnemonic beside
//! it; the words were produced by GNU as (`mipsel-linux-gnu-as -march=r5900`) and decode back with
//! `mipsel-linux-gnu-objdump -m mips:5900` and `r5900::decode`. The routines use VF1–VF6, ACC and the I register
//! and leave VU0 in macro mode; a program that runs its own VU0 micro code beside the kernels must turn them
//! off ([`crate::R5900Kernels::with_vu0`]). `lqc2`/`sqc2` need 16-byte-aligned addresses, which the callers check.
//!
//! Timing (VU Users Manual §5.4, §7.4): macro results are ready 4 cycles later, ACC has no hazard check, and a
//! macro op right after an `lqc2` waits one cycle; so each pass loads four quads before its two `vmadda`.

core::arch::global_asm!(
    // ps2rs_vu0_attention_scores(scores: *mut f32, q: *const f32, keys: *const f32, quad_pairs: usize (>0),
    //                            stride_bytes: usize, positions: usize (>0), scale: u32 (f32 bits))
    //
    // For each position: ACC = Σ over quads of q·key (4 lanes), then lanes (a, b, c, d) are summed as
    // (a + b) + (c + d) with vmr32 + vadd + vaddz, multiplied by I = scale and stored.
    ".section .text.ps2rs_vu0_attention_scores,\"ax\",@progbits",
    ".globl ps2rs_vu0_attention_scores",
    ".type ps2rs_vu0_attention_scores,@function",
    ".p2align 3",
    "ps2rs_vu0_attention_scores:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x48caa800",            // ctc2    $10, $vi21             I = scale
    "1:",
    "    move   $11, $5",               // q
    "    move   $12, $6",               // this position's key
    "    move   $13, $7",               // quad pairs left
    "    .word  0x4be002fc",            // vsuba.xyzw $ACC, $vf0, $vf0    ACC = 0
    "2:",
    "    .word  0xd9610000",            // lqc2    $vf1, 0($11)
    "    .word  0xd9820000",            // lqc2    $vf2, 0($12)
    "    .word  0xd9630010",            // lqc2    $vf3, 16($11)
    "    .word  0xd9840010",            // lqc2    $vf4, 16($12)
    "    addiu  $13, $13, -1",
    "    addiu  $11, $11, 32",
    "    .word  0x4be20abd",            // vmadda.xyzw $ACC, $vf1, $vf2
    "    addiu  $12, $12, 32",
    "    .word  0x4be41abd",            // vmadda.xyzw $ACC, $vf3, $vf4
    "    bne    $13, $0, 2b",
    "    nop",
    "    .word  0x4be00148",            // vmaddx.xyzw $vf5, $vf0, $vf0x  vf5 = ACC + 0
    "    .word  0x4be62b3d",            // vmr32.xyzw  $vf6, $vf5          (b, c, d, a)
    "    .word  0x4be531a8",            // vadd.xyzw   $vf6, $vf6, $vf5    (a+b, b+c, c+d, d+a)
    "    .word  0x4b063182",            // vaddz.x     $vf6, $vf6, $vf6z   x = (a+b) + (c+d)
    "    .word  0x4b00319e",            // vmuli.x     $vf6, $vf6, $I      x · scale
    "    .word  0x482e3000",            // qmfc2   $14, $vf6
    "    addiu  $9, $9, -1",
    "    sw     $14, 0($4)",
    "    addiu  $4, $4, 4",
    "    addu   $6, $6, $8",
    "    bne    $9, $0, 1b",
    "    nop",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_vu0_attention_scores, . - ps2rs_vu0_attention_scores",
    "",
    // ps2rs_vu0_axpy(out: *mut f32, a: u32 (f32 bits), x: *const f32, quad_pairs: usize (>0))
    //
    // out += (x · I) per field: the product rounded, then the sum, as the portable `o + a·x`.
    ".section .text.ps2rs_vu0_axpy,\"ax\",@progbits",
    ".globl ps2rs_vu0_axpy",
    ".type ps2rs_vu0_axpy,@function",
    ".p2align 3",
    "ps2rs_vu0_axpy:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x48c5a800",            // ctc2    $5, $vi21              I = a
    "1:",
    "    .word  0xd8c10000",            // lqc2    $vf1, 0($6)
    "    .word  0xd8c20010",            // lqc2    $vf2, 16($6)
    "    .word  0xd8830000",            // lqc2    $vf3, 0($4)
    "    .word  0xd8840010",            // lqc2    $vf4, 16($4)
    "    .word  0x4be0095e",            // vmuli.xyzw $vf5, $vf1, $I
    "    .word  0x4be0119e",            // vmuli.xyzw $vf6, $vf2, $I
    "    addiu  $7, $7, -1",
    "    addiu  $6, $6, 32",
    "    .word  0x4be518e8",            // vadd.xyzw  $vf3, $vf3, $vf5
    "    .word  0x4be62128",            // vadd.xyzw  $vf4, $vf4, $vf6
    "    .word  0xf8830000",            // sqc2    $vf3, 0($4)
    "    .word  0xf8840010",            // sqc2    $vf4, 16($4)
    "    addiu  $4, $4, 32",
    "    bne    $7, $0, 1b",
    "    nop",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_vu0_axpy, . - ps2rs_vu0_axpy",
    ".text",
);

unsafe extern "C" {
    fn ps2rs_vu0_attention_scores(
        scores: *mut f32,
        q: *const f32,
        keys: *const f32,
        quad_pairs: usize,
        stride_bytes: usize,
        positions: usize,
        scale: u32,
    );
    fn ps2rs_vu0_axpy(out: *mut f32, a: u32, x: *const f32, quad_pairs: usize);
}

/// See [`crate::backend::attention_scores_vu0`]; the caller checked [`crate::backend::vu0_fits`] for `q` and the
/// first key, `stride % 4 == 0`, a non-empty `scores` and that every key lies inside `keys`.
pub fn attention_scores(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
    debug_assert!(!scores.is_empty() && (scores.len() - 1) * stride + q.len() <= keys.len());
    // SAFETY: q and every key row are 16-byte aligned runs of `q.len()` (a positive multiple of 8) floats inside
    // their slices; the routine reads exactly those and writes `scores.len()` floats.
    unsafe {
        ps2rs_vu0_attention_scores(
            scores.as_mut_ptr(),
            q.as_ptr(),
            keys.as_ptr(),
            q.len() / 8,
            4 * stride,
            scores.len(),
            scale.to_bits(),
        )
    }
}

/// See [`crate::backend::axpy_vu0`]; both slices passed [`crate::backend::vu0_fits`] and have the same length.
pub fn axpy(out: &mut [f32], a: f32, x: &[f32]) {
    debug_assert!(out.len() == x.len() && out.len() % 8 == 0 && !out.is_empty());
    // SAFETY: both are 16-byte aligned runs of `out.len()` (a positive multiple of 8) floats; `out` is updated in place.
    unsafe { ps2rs_vu0_axpy(out.as_mut_ptr(), a.to_bits(), x.as_ptr(), out.len() / 8) }
}
