//! The R5900 block operations behind `mem.rs` (EE only; `portable.rs` has the same contracts elsewhere).
//!
//! LLVM's assembler knows the MIPS III unaligned accesses (`ldl`/`ldr`/`sdl`/`sdr`, `lwl`/...) but not the
//! R5900's `lq`/`sq` or MMI, so those are `.word`s with their mnemonic beside them. A `.word` cannot name a
//! register chosen by the compiler, so the quadword routines use fixed registers: `$8` the destination (or
//! `a`), `$9` the source (or `b`, or the fill pattern), `$10` a count or end, scratch `$11..$15`, `$24`,
//! `$25`. The words were encoded from the R5900 manual's tables and decoded back with the project's
//! disassembler (`cargo hrun -p r5900 --example disasm`, itself cross-checked against GNU objdump):
//! every comment below is what it printed.
//!
//! Compiled code never uses the upper 64 bits of a GPR across these blocks or the SA register, and the
//! kernel saves both on interrupts, so clobbering them needs no saving.
//!
//! Short-loop erratum: every loop below is longer than six instructions, or ends in a NOP delay slot.

use core::arch::asm;

/// Copies `4 <= n <= 8` bytes: two overlapping unaligned words (`lwl`/`lwr`), both loaded before either
/// is stored.
#[inline(always)]
pub unsafe fn copy_4_8(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY: the caller's contract: both words lie inside the n bytes.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "lwr {a}, 0({s})",
            "lwl {a}, 3({s})",
            "lwr {b}, -4({se})",
            "lwl {b}, -1({se})",
            "swr {a}, 0({d})",
            "swl {a}, 3({d})",
            "swr {b}, -4({de})",
            "swl {b}, -1({de})",
            ".set pop",
            s = in(reg) s,
            se = in(reg) s.add(n),
            d = in(reg) d,
            de = in(reg) d.add(n),
            a = out(reg) _,
            b = out(reg) _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies `8 <= n <= 16` bytes: two overlapping unaligned doublewords (`ldl`/`ldr`), both loaded before
/// either is stored.
#[inline(always)]
pub unsafe fn copy_8_16(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY: the caller's contract: both doublewords lie inside the n bytes. The scratch registers are
    // written whole (64 bits) and declared as outputs.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "ldr {a}, 0({s})",
            "ldl {a}, 7({s})",
            "ldr {b}, -8({se})",
            "ldl {b}, -1({se})",
            "sdr {a}, 0({d})",
            "sdl {a}, 7({d})",
            "sdr {b}, -8({de})",
            "sdl {b}, -1({de})",
            ".set pop",
            s = in(reg) s,
            se = in(reg) s.add(n),
            d = in(reg) d,
            de = in(reg) d.add(n),
            a = out(reg) _,
            b = out(reg) _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies `16 <= n <= 32` bytes: the first and the last 16 as four unaligned doublewords, all loaded
/// before any is stored.
#[inline(always)]
pub unsafe fn copy_16_32(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY: the caller's contract: the four doublewords lie inside the n bytes.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "ldr {a}, 0({s})",
            "ldl {a}, 7({s})",
            "ldr {b}, 8({s})",
            "ldl {b}, 15({s})",
            "ldr {c}, -16({se})",
            "ldl {c}, -9({se})",
            "ldr {e}, -8({se})",
            "ldl {e}, -1({se})",
            "sdr {a}, 0({d})",
            "sdl {a}, 7({d})",
            "sdr {b}, 8({d})",
            "sdl {b}, 15({d})",
            "sdr {c}, -16({de})",
            "sdl {c}, -9({de})",
            "sdr {e}, -8({de})",
            "sdl {e}, -1({de})",
            ".set pop",
            s = in(reg) s,
            se = in(reg) s.add(n),
            d = in(reg) d,
            de = in(reg) d.add(n),
            a = out(reg) _,
            b = out(reg) _,
            c = out(reg) _,
            e = out(reg) _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies `quads` quadwords upwards; `d` and `s` are 16-byte aligned. Four per pass (`lq` x4, `sq` x4),
/// then single ones; every pass loads before it stores.
#[inline(always)]
pub unsafe fn copy_quads(d: *mut u8, s: *const u8, quads: usize) {
    // SAFETY: the caller's contract: the quadwords lie inside both regions, aligned.
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "    srl    $11, $10, 2",
            "    beq    $11, $0, 2f",
            "    andi   $10, $10, 3",
            "1:",
            "    .word  0x792c0000", // lq  $12, 0($9)
            "    .word  0x792d0010", // lq  $13, 16($9)
            "    .word  0x792e0020", // lq  $14, 32($9)
            "    .word  0x792f0030", // lq  $15, 48($9)
            "    addiu  $11, $11, -1",
            "    addiu  $9, $9, 64",
            "    .word  0x7d0c0000", // sq  $12, 0($8)
            "    .word  0x7d0d0010", // sq  $13, 16($8)
            "    .word  0x7d0e0020", // sq  $14, 32($8)
            "    .word  0x7d0f0030", // sq  $15, 48($8)
            "    bne    $11, $0, 1b",
            "    addiu  $8, $8, 64",
            "2:",
            "    beq    $10, $0, 4f",
            "    nop",
            "3:",
            "    .word  0x792c0000", // lq  $12, 0($9)
            "    addiu  $10, $10, -1",
            "    addiu  $9, $9, 16",
            "    .word  0x7d0c0000", // sq  $12, 0($8)
            "    addiu  $8, $8, 16",
            "    bne    $10, $0, 3b",
            "    nop",
            "4:",
            ".set pop",
            inout("$8") d => _,
            inout("$9") s => _,
            inout("$10") quads => _,
            out("$11") _,
            out("$12") _,
            out("$13") _,
            out("$14") _,
            out("$15") _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies `quads` quadwords upwards from a misaligned `s` to an aligned `d`: each aligned source quadword
/// holding source bytes is loaded once (`lq`), and neighbours are funnel-shifted by `qfsrv` with
/// SA = `s` mod 16 (set by `mtsab`). Four per pass, then single ones.
#[inline(always)]
pub unsafe fn copy_quads_shifted(d: *mut u8, s: *const u8, quads: usize) {
    // SAFETY: the caller's contract: the stored quadwords lie inside `d`'s region; every loaded one holds a
    // source byte (s is misaligned, so the quadword after the last whole 16 bytes still holds some).
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "    .word  0x05380000", // mtsab $9, 0          SA = s mod 16
            "    srl    $9, $9, 4",
            "    sll    $9, $9, 4",
            "    .word  0x792c0000", // lq    $12, 0($9)     lo
            "    srl    $11, $10, 2",
            "    beq    $11, $0, 2f",
            "    andi   $10, $10, 3",
            "1:",
            "    .word  0x792d0010", // lq    $13, 16($9)
            "    .word  0x792e0020", // lq    $14, 32($9)
            "    .word  0x792f0030", // lq    $15, 48($9)
            "    .word  0x79380040", // lq    $24, 64($9)
            "    .word  0x71accee8", // qfsrv $25, $13, $12
            "    .word  0x7d190000", // sq    $25, 0($8)
            "    .word  0x71cdcee8", // qfsrv $25, $14, $13
            "    .word  0x7d190010", // sq    $25, 16($8)
            "    .word  0x71eecee8", // qfsrv $25, $15, $14
            "    .word  0x7d190020", // sq    $25, 32($8)
            "    .word  0x730fcee8", // qfsrv $25, $24, $15
            "    .word  0x7d190030", // sq    $25, 48($8)
            "    .word  0x730064a9", // por   $12, $24, $0   lo = last
            "    addiu  $11, $11, -1",
            "    addiu  $9, $9, 64",
            "    bne    $11, $0, 1b",
            "    addiu  $8, $8, 64",
            "2:",
            "    beq    $10, $0, 4f",
            "    nop",
            "3:",
            "    .word  0x792d0010", // lq    $13, 16($9)
            "    addiu  $10, $10, -1",
            "    addiu  $9, $9, 16",
            "    .word  0x71accee8", // qfsrv $25, $13, $12
            "    .word  0x71a064a9", // por   $12, $13, $0
            "    .word  0x7d190000", // sq    $25, 0($8)
            "    bne    $10, $0, 3b",
            "    addiu  $8, $8, 16",
            "4:",
            ".set pop",
            inout("$8") d => _,
            inout("$9") s => _,
            inout("$10") quads => _,
            out("$11") _,
            out("$12") _,
            out("$13") _,
            out("$14") _,
            out("$15") _,
            out("$24") _,
            out("$25") _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies the `quads` quadwords below `d_end` from those below `s_end`, downwards; both ends aligned.
#[inline(always)]
pub unsafe fn copy_quads_back(d_end: *mut u8, s_end: *const u8, quads: usize) {
    // SAFETY: the caller's contract: the quadwords lie inside both regions, aligned.
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "    srl    $11, $10, 2",
            "    beq    $11, $0, 2f",
            "    andi   $10, $10, 3",
            "1:",
            "    .word  0x792cfff0", // lq  $12, -16($9)
            "    .word  0x792dffe0", // lq  $13, -32($9)
            "    .word  0x792effd0", // lq  $14, -48($9)
            "    .word  0x792fffc0", // lq  $15, -64($9)
            "    addiu  $11, $11, -1",
            "    addiu  $9, $9, -64",
            "    .word  0x7d0cfff0", // sq  $12, -16($8)
            "    .word  0x7d0dffe0", // sq  $13, -32($8)
            "    .word  0x7d0effd0", // sq  $14, -48($8)
            "    .word  0x7d0fffc0", // sq  $15, -64($8)
            "    bne    $11, $0, 1b",
            "    addiu  $8, $8, -64",
            "2:",
            "    beq    $10, $0, 4f",
            "    nop",
            "3:",
            "    .word  0x792cfff0", // lq  $12, -16($9)
            "    addiu  $10, $10, -1",
            "    addiu  $9, $9, -16",
            "    .word  0x7d0cfff0", // sq  $12, -16($8)
            "    addiu  $8, $8, -16",
            "    bne    $10, $0, 3b",
            "    nop",
            "4:",
            ".set pop",
            inout("$8") d_end => _,
            inout("$9") s_end => _,
            inout("$10") quads => _,
            out("$11") _,
            out("$12") _,
            out("$13") _,
            out("$14") _,
            out("$15") _,
            options(nostack, preserves_flags),
        );
    }
}

/// Copies the `quads` quadwords below the aligned `d_end` from those below the misaligned `s_end`,
/// downwards, funnel-shifting aligned source quadwords with `qfsrv`.
#[inline(always)]
pub unsafe fn copy_quads_shifted_back(d_end: *mut u8, s_end: *const u8, quads: usize) {
    // SAFETY: the caller's contract: as `copy_quads_shifted`, mirrored (the quadword at the aligned-down
    // source end still holds source bytes since s_end is misaligned).
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "    .word  0x05380000", // mtsab $9, 0          SA = s_end mod 16
            "    srl    $9, $9, 4",
            "    sll    $9, $9, 4",
            "    .word  0x792c0000", // lq    $12, 0($9)     hi
            "    srl    $11, $10, 2",
            "    beq    $11, $0, 2f",
            "    andi   $10, $10, 3",
            "1:",
            "    .word  0x792dfff0", // lq    $13, -16($9)
            "    .word  0x792effe0", // lq    $14, -32($9)
            "    .word  0x792fffd0", // lq    $15, -48($9)
            "    .word  0x7938ffc0", // lq    $24, -64($9)
            "    .word  0x718dcee8", // qfsrv $25, $12, $13
            "    .word  0x7d19fff0", // sq    $25, -16($8)
            "    .word  0x71aecee8", // qfsrv $25, $13, $14
            "    .word  0x7d19ffe0", // sq    $25, -32($8)
            "    .word  0x71cfcee8", // qfsrv $25, $14, $15
            "    .word  0x7d19ffd0", // sq    $25, -48($8)
            "    .word  0x71f8cee8", // qfsrv $25, $15, $24
            "    .word  0x7d19ffc0", // sq    $25, -64($8)
            "    .word  0x730064a9", // por   $12, $24, $0   hi = last
            "    addiu  $11, $11, -1",
            "    addiu  $9, $9, -64",
            "    bne    $11, $0, 1b",
            "    addiu  $8, $8, -64",
            "2:",
            "    beq    $10, $0, 4f",
            "    nop",
            "3:",
            "    .word  0x792dfff0", // lq    $13, -16($9)
            "    addiu  $10, $10, -1",
            "    addiu  $9, $9, -16",
            "    .word  0x718dcee8", // qfsrv $25, $12, $13
            "    .word  0x71a064a9", // por   $12, $13, $0
            "    .word  0x7d19fff0", // sq    $25, -16($8)
            "    bne    $10, $0, 3b",
            "    addiu  $8, $8, -16",
            "4:",
            ".set pop",
            inout("$8") d_end => _,
            inout("$9") s_end => _,
            inout("$10") quads => _,
            out("$11") _,
            out("$12") _,
            out("$13") _,
            out("$14") _,
            out("$15") _,
            out("$24") _,
            out("$25") _,
            options(nostack, preserves_flags),
        );
    }
}

/// Fills `4 <= n <= 8` bytes with `pattern` (a byte repeated 4 times): two overlapping unaligned words.
#[inline(always)]
pub unsafe fn set_4_8(d: *mut u8, pattern: u32, n: usize) {
    // SAFETY: the caller's contract: both words lie inside the n bytes.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "swr {p}, 0({d})",
            "swl {p}, 3({d})",
            "swr {p}, -4({de})",
            "swl {p}, -1({de})",
            ".set pop",
            p = in(reg) pattern,
            d = in(reg) d,
            de = in(reg) d.add(n),
            options(nostack, preserves_flags),
        );
    }
}

/// Fills `8 <= n <= 16` bytes with `pattern`: two overlapping unaligned doublewords.
#[inline(always)]
pub unsafe fn set_8_16(d: *mut u8, pattern: u32, n: usize) {
    // SAFETY: the caller's contract: both doublewords lie inside the n bytes.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "dsll32 {w}, {p}, 0", // w = pattern in both words of the low doubleword
            "dsrl32 {t}, {w}, 0",
            "or     {w}, {w}, {t}",
            "sdr    {w}, 0({d})",
            "sdl    {w}, 7({d})",
            "sdr    {w}, -8({de})",
            "sdl    {w}, -1({de})",
            ".set pop",
            p = in(reg) pattern,
            d = in(reg) d,
            de = in(reg) d.add(n),
            w = out(reg) _,
            t = out(reg) _,
            options(nostack, preserves_flags),
        );
    }
}

/// Fills the first 16 and the last 16 of `n >= 16` bytes with `pattern` (all of them when `n <= 32`):
/// four unaligned doublewords.
#[inline(always)]
pub unsafe fn set_16_32(d: *mut u8, pattern: u32, n: usize) {
    // SAFETY: the caller's contract: the four doublewords lie inside the n bytes.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "dsll32 {w}, {p}, 0",
            "dsrl32 {t}, {w}, 0",
            "or     {w}, {w}, {t}",
            "sdr    {w}, 0({d})",
            "sdl    {w}, 7({d})",
            "sdr    {w}, 8({d})",
            "sdl    {w}, 15({d})",
            "sdr    {w}, -16({de})",
            "sdl    {w}, -9({de})",
            "sdr    {w}, -8({de})",
            "sdl    {w}, -1({de})",
            ".set pop",
            p = in(reg) pattern,
            d = in(reg) d,
            de = in(reg) d.add(n),
            w = out(reg) _,
            t = out(reg) _,
            options(nostack, preserves_flags),
        );
    }
}

/// Fills `quads` quadwords from the aligned `d` with `pattern`, broadcast to 128 bits (`pcpyld`): `sq`
/// four per pass, then single ones.
#[inline(always)]
pub unsafe fn set_quads(d: *mut u8, pattern: u32, quads: usize) {
    // SAFETY: the caller's contract: the quadwords lie inside the region, aligned.
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "    dsll32 $9, $9, 0",
            "    dsrl32 $11, $9, 0",
            "    or     $9, $9, $11",
            "    .word  0x71294b89", // pcpyld $9, $9, $9   pattern in all 16 bytes
            "    srl    $11, $10, 2",
            "    beq    $11, $0, 2f",
            "    andi   $10, $10, 3",
            "1:",
            "    .word  0x7d090000", // sq  $9, 0($8)
            "    .word  0x7d090010", // sq  $9, 16($8)
            "    .word  0x7d090020", // sq  $9, 32($8)
            "    .word  0x7d090030", // sq  $9, 48($8)
            "    addiu  $11, $11, -1",
            "    bne    $11, $0, 1b",
            "    addiu  $8, $8, 64",
            "2:",
            "    beq    $10, $0, 4f",
            "    nop",
            "3:",
            "    .word  0x7d090000", // sq  $9, 0($8)
            "    addiu  $10, $10, -1",
            "    addiu  $8, $8, 16",
            "    bne    $10, $0, 3b",
            "    nop",
            "4:",
            ".set pop",
            inout("$8") d => _,
            inout("$9") pattern => _,
            inout("$10") quads => _,
            out("$11") _,
            options(nostack, preserves_flags),
        );
    }
}

/// Whether the 8 bytes at `a` and at `b` (any alignment) differ: two unaligned doublewords (`ldl`/`ldr`),
/// compared whole (`xor`, then `sltu` on all 64 bits).
#[inline(always)]
pub unsafe fn differ_8(a: *const u8, b: *const u8) -> bool {
    let differ: u32;
    // SAFETY: the caller's contract: 8 bytes readable at both.
    unsafe {
        asm!(
            ".set push",
            ".set noat",
            "ldr  {x}, 0({a})",
            "ldl  {x}, 7({a})",
            "ldr  {y}, 0({b})",
            "ldl  {y}, 7({b})",
            "xor  {x}, {x}, {y}",
            "sltu {r}, $0, {x}",
            ".set pop",
            a = in(reg) a,
            b = in(reg) b,
            x = out(reg) _,
            y = out(reg) _,
            r = lateout(reg) differ,
            options(nostack, preserves_flags, readonly, pure),
        );
    }
    differ != 0
}

/// The number of leading equal quadwords among `quads` at the aligned `a` and `b` (`quads` if all are
/// equal): `lq` both, `pxor`, and the two halves of the difference ORed together.
#[inline(always)]
pub unsafe fn compare_quads(a: *const u8, b: *const u8, quads: usize) -> usize {
    if quads == 0 {
        return 0;
    }
    let stop: *const u8;
    // SAFETY: the caller's contract: the quadwords lie inside both regions, aligned.
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "1:",
            "    .word  0x790c0000", // lq     $12, 0($8)
            "    .word  0x792d0000", // lq     $13, 0($9)
            "    .word  0x718d64c9", // pxor   $12, $12, $13
            "    .word  0x718c6ba9", // pcpyud $13, $12, $12
            "    or     $13, $13, $12",
            "    bne    $13, $0, 2f",
            "    addiu  $9, $9, 16",
            "    addiu  $8, $8, 16",
            "    bne    $8, $10, 1b",
            "    nop",
            "2:",
            ".set pop",
            inout("$8") a => stop,
            inout("$9") b => _,
            in("$10") a.add(quads << 4),
            out("$12") _,
            out("$13") _,
            options(nostack, preserves_flags, readonly),
        );
    }
    (stop as usize - a as usize) >> 4
}

/// As [`compare_quads`], for an aligned `a` and a misaligned `b`, read as aligned quadwords and
/// funnel-shifted by `qfsrv`.
#[inline(always)]
pub unsafe fn compare_quads_shifted(a: *const u8, b: *const u8, quads: usize) -> usize {
    if quads == 0 {
        return 0;
    }
    let stop: *const u8;
    // SAFETY: the caller's contract: every quadword read lies in `a`'s region or holds a byte of `b`'s.
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            "    .word  0x05380000", // mtsab  $9, 0        SA = b mod 16
            "    srl    $9, $9, 4",
            "    sll    $9, $9, 4",
            "    .word  0x792c0000", // lq     $12, 0($9)   lo
            "1:",
            "    .word  0x792d0010", // lq     $13, 16($9)
            "    .word  0x790e0000", // lq     $14, 0($8)
            "    .word  0x71ac7ee8", // qfsrv  $15, $13, $12
            "    .word  0x71cf74c9", // pxor   $14, $14, $15
            "    .word  0x71ce7ba9", // pcpyud $15, $14, $14
            "    or     $15, $15, $14",
            "    bne    $15, $0, 2f",
            "    .word  0x71a064a9", // por    $12, $13, $0
            "    addiu  $9, $9, 16",
            "    addiu  $8, $8, 16",
            "    bne    $8, $10, 1b",
            "    nop",
            "2:",
            ".set pop",
            inout("$8") a => stop,
            inout("$9") b => _,
            in("$10") a.add(quads << 4),
            out("$12") _,
            out("$13") _,
            out("$14") _,
            out("$15") _,
            options(nostack, preserves_flags, readonly),
        );
    }
    (stop as usize - a as usize) >> 4
}
