//! The C memory functions the compiler calls (`memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen`),
//! written for the R5900.
//!
//! `core` lowers copies, fills and comparisons to these symbols; on the EE nothing else provides them (the
//! project does not enable `compiler_builtins`' `mem` feature, which breaks host builds of `std` on newer
//! nightlies). On the EE they are exported unmangled (`#[no_mangle]`); on other targets they are ordinary
//! Rust functions, so that the same splitting logic is compiled and tested on the host.
//!
//! # How they work
//!
//! - **Up to 32 bytes** (any alignment): every source byte is loaded before any is stored, with unaligned
//!   `ldl`/`ldr` (8 bytes), `lwl`/`lwr` (4 bytes) or single bytes, using two overlapping accesses for the
//!   odd lengths (e.g. 13 bytes = bytes 0..8 and 5..13). No loop, and `memmove`-safe in both directions.
//! - **Longer copies** store whole 16-byte-aligned quadwords with `sq`: a head of up to 15 bytes aligns the
//!   destination, then the quadwords are copied 4 per pass (one cache line), then a tail of up to 15 bytes.
//!   When the source is aligned too, it is read with `lq`. When it is not, each aligned source quadword is
//!   read once with `lq` and two neighbours are funnel-shifted into the misaligned 16 bytes by MMI `qfsrv`
//!   (`mtsab` sets the shift, SA = source address mod 16): 18 instead of 14 cycles per 64 bytes, and no
//!   source quadword is read that holds no source byte. A word path would not pay for copies: `qfsrv`
//!   handles every misalignment, word-aligned or not, at close to the quadword rate.
//! - **`memmove`** copies forwards unless the destination starts inside the source, and then backwards
//!   (tail, quadwords downwards, head). Each pass loads before it stores, in the order that never overwrites
//!   a source byte still to be read.
//! - **`memset`** broadcasts the byte to 128 bits and stores it with `sq`, 4 quadwords per pass; the
//!   unaligned ends are covered by overlapping `sdl`/`sdr` stores.
//! - **`memcmp`/`bcmp`** compare 8 bytes at a time with unaligned `ldl`/`ldr` (short lengths, the first
//!   and last 16 bytes), and in between whole quadwords from the first 16-byte boundary of `a` (`lq`, `pxor`,
//!   and the funnel shift when `b` is misaligned) until one differs; the first differing byte is then found
//!   byte by byte inside the first differing doubleword.
//!
//! Only the innermost block operations are assembly (`mem/ee.rs` on the EE; `mem/portable.rs`, with the same
//! contracts, elsewhere); the splitting into head, blocks and tail is the plain Rust below, which the
//! host tests check exhaustively against a byte-loop reference.
//!
//! These functions must not call themselves through the compiler: LLVM recognises byte loops as `memcpy`
//! (`LoopIdiomRecognize`) and would compile `memcpy` into a call of `memcpy`. The copy and fill loops are
//! in assembly; the loops left in Rust (comparisons, `strlen`) either run assembly or make volatile byte
//! accesses, which LLVM never turns into a library call. (A
//! `#![no_builtins]` crate would do the same, but it would have to be a separate crate and it switches off
//! the recognition for the whole crate, not just here.)
//!
//! The R5900 short-loop erratum (a loop of at most 6 instructions whose branch has a non-NOP delay slot may
//! exit early) is respected by hand: every assembly loop is longer than 6 instructions or has a NOP in its
//! delay slot (`tools/ps2-isacheck` checks every EE ELF).

use core::ffi::{c_char, c_int, c_void};
use core::ptr::{read_volatile, write_volatile};

#[cfg(target_arch = "mips")]
mod ee;
#[cfg(target_arch = "mips")]
use ee as block;

#[cfg(not(target_arch = "mips"))]
mod portable;
#[cfg(not(target_arch = "mips"))]
use portable as block;

#[cfg(test)]
mod tests;

/// Copies `n` bytes from `src` to `dst` (the regions must not overlap).
///
/// # Safety
/// `src` is valid for `n` bytes of reads and `dst` for `n` bytes of writes; the regions do not overlap.
#[cfg_attr(target_arch = "mips", unsafe(no_mangle))]
pub unsafe extern "C" fn memcpy(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void {
    // SAFETY: the caller's contract; the forward copy is also correct for non-overlapping regions.
    unsafe { copy_forward(dst.cast(), src.cast(), n) };
    dst
}

/// Copies `n` bytes from `src` to `dst`; the regions may overlap.
///
/// # Safety
/// `src` is valid for `n` bytes of reads and `dst` for `n` bytes of writes.
#[cfg_attr(target_arch = "mips", unsafe(no_mangle))]
pub unsafe extern "C" fn memmove(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void {
    let (d, s) = (dst.cast::<u8>(), src.cast::<u8>());
    if n <= 32 || (d as usize).wrapping_sub(s as usize) >= n {
        // Short copies load everything before storing; otherwise `dst` does not start inside `src`
        // (it is below it, or past its end), and a forward copy never overwrites a byte still to be read.
        // SAFETY: the caller's contract.
        unsafe { copy_forward(d, s, n) };
    } else {
        // SAFETY: the caller's contract; `dst` starts inside `src`, so copy from the end down.
        unsafe { copy_backward(d, s, n) };
    }
    dst
}

/// Fills `n` bytes at `dst` with the low byte of `value`.
///
/// # Safety
/// `dst` is valid for `n` bytes of writes.
#[cfg_attr(target_arch = "mips", unsafe(no_mangle))]
pub unsafe extern "C" fn memset(dst: *mut c_void, value: c_int, n: usize) -> *mut c_void {
    // SAFETY: the caller's contract.
    unsafe { fill(dst.cast(), value as u8, n) };
    dst
}

/// Compares `n` bytes: negative, zero or positive as the first differing byte of `a` is below, equal to or
/// above that of `b` (as unsigned bytes).
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[cfg_attr(target_arch = "mips", unsafe(no_mangle))]
pub unsafe extern "C" fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    // SAFETY: the caller's contract.
    unsafe { compare(a.cast(), b.cast(), n) }
}

/// Zero when the `n` bytes at `a` and `b` are equal, non-zero otherwise.
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[cfg_attr(target_arch = "mips", unsafe(no_mangle))]
pub unsafe extern "C" fn bcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    // SAFETY: the same contract.
    unsafe { compare(a.cast(), b.cast(), n) }
}

/// The length of the NUL-terminated string at `s`.
///
/// # Safety
/// `s` points to a NUL-terminated string.
#[cfg_attr(target_arch = "mips", unsafe(no_mangle))]
pub unsafe extern "C" fn strlen(s: *const c_char) -> usize {
    let s = s.cast::<u8>();
    let mut n = 0;
    // SAFETY: the caller's contract: every byte up to the NUL is readable.
    while unsafe { read_volatile(s.add(n)) } != 0 {
        n += 1;
    }
    n
}

/// Copies `n < 16` bytes, loading all of them before storing any (so overlap in either direction is fine).
///
/// # Safety
/// `s` is valid for `n` bytes of reads and `d` for `n` bytes of writes.
#[inline(always)]
unsafe fn copy_under_16(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY (all arms): the caller's contract; each primitive's length range is met.
    unsafe {
        if n >= 8 {
            block::copy_8_16(d, s, n);
        } else if n >= 4 {
            block::copy_4_8(d, s, n);
        } else if n > 0 {
            copy_1_3(d, s, n);
        }
    }
}

/// Copies `1..=3` bytes as bytes 0, `n / 2` and `n - 1`, loading all three before storing.
///
/// # Safety
/// `s` is valid for `n` bytes of reads and `d` for `n` bytes of writes, `1 <= n <= 3`.
#[inline(always)]
unsafe fn copy_1_3(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY: the caller's contract; every index is below n. Volatile: see the module documentation.
    unsafe {
        let (first, middle, last) = (read_volatile(s), read_volatile(s.add(n / 2)), read_volatile(s.add(n - 1)));
        write_volatile(d, first);
        write_volatile(d.add(n / 2), middle);
        write_volatile(d.add(n - 1), last);
    }
}

/// The forward copy behind `memcpy` and `memmove`: correct when `d` does not start inside `s + 1 .. s + n`
/// (or for any overlap when `n <= 32`).
///
/// # Safety
/// `s` is valid for `n` bytes of reads and `d` for `n` bytes of writes.
#[inline(always)]
unsafe fn copy_forward(mut d: *mut u8, mut s: *const u8, mut n: usize) {
    // SAFETY (whole body): the caller's contract; each step stays inside the n bytes, and each primitive's
    // alignment and length requirements are established just before it is called.
    unsafe {
        if n <= 16 {
            if n == 16 {
                block::copy_8_16(d, s, 16);
            } else {
                copy_under_16(d, s, n);
            }
            return;
        }
        if n <= 32 {
            block::copy_16_32(d, s, n);
            return;
        }
        // Align the destination: up to 15 bytes, exactly (a forward copy must not rewrite a byte later).
        let head = (d as usize).wrapping_neg() & 15;
        copy_under_16(d, s, head);
        d = d.add(head);
        s = s.add(head);
        n -= head;
        let quads = n >> 4;
        if (s as usize) & 15 == 0 {
            block::copy_quads(d, s, quads);
        } else {
            block::copy_quads_shifted(d, s, quads);
        }
        let done = quads << 4;
        copy_under_16(d.add(done), s.add(done), n & 15);
    }
}

/// The backward copy behind `memmove` when `d` starts inside the source: end first, then quadwords
/// downwards, then the head. Needs `n > 32` (shorter copies go forward).
///
/// # Safety
/// `s` is valid for `n` bytes of reads and `d` for `n` bytes of writes; `s < d`.
#[inline(always)]
unsafe fn copy_backward(d: *mut u8, s: *const u8, mut n: usize) {
    // SAFETY (whole body): as in `copy_forward`, from the end: the end of the destination is aligned first.
    unsafe {
        let tail = (d as usize + n) & 15;
        n -= tail;
        copy_under_16(d.add(n), s.add(n), tail);
        let quads = n >> 4;
        let (d_end, s_end) = (d.add(n), s.add(n));
        if (s_end as usize) & 15 == 0 {
            block::copy_quads_back(d_end, s_end, quads);
        } else {
            block::copy_quads_shifted_back(d_end, s_end, quads);
        }
        copy_under_16(d, s, n & 15);
    }
}

/// The fill behind `memset`.
///
/// # Safety
/// `d` is valid for `n` bytes of writes.
#[inline(always)]
unsafe fn fill(d: *mut u8, byte: u8, n: usize) {
    // Shifts, not a multiply (an R5900 `mult` takes 4 cycles to reach LO).
    let half = u32::from(byte) | (u32::from(byte) << 8);
    let pattern = half | (half << 16);
    // SAFETY (whole body): the caller's contract; each primitive's length range is met, and the quadword
    // range lies inside the n bytes.
    unsafe {
        if n <= 16 {
            if n >= 8 {
                block::set_8_16(d, pattern, n);
            } else if n >= 4 {
                block::set_4_8(d, pattern, n);
            } else if n > 0 {
                write_volatile(d, byte);
                write_volatile(d.add(n / 2), byte);
                write_volatile(d.add(n - 1), byte);
            }
            return;
        }
        // The first and last 16 bytes, unaligned (for n <= 32 that is everything) ...
        block::set_16_32(d, pattern, n);
        if n > 32 {
            // ... and the aligned quadwords in between.
            let first = ((d as usize) + 15) & !15;
            let end = ((d as usize) + n) & !15;
            block::set_quads(first as *mut u8, pattern, (end - first) >> 4);
        }
    }
}

/// Byte-wise comparison of `n` bytes (volatile: see the module documentation).
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[inline(always)]
unsafe fn compare_bytes(a: *const u8, b: *const u8, n: usize) -> c_int {
    for i in 0..n {
        // SAFETY: the caller's contract.
        let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
        if x != y {
            return c_int::from(x) - c_int::from(y);
        }
    }
    0
}

/// Compares `n` bytes 8 at a time (unaligned doublewords, any alignment), then finds the first differing
/// byte inside the first differing doubleword. A last partial doubleword is compared as the 8 bytes ending at
/// `n`, overlapping bytes already known to be equal.
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[inline(always)]
unsafe fn compare_short(a: *const u8, b: *const u8, n: usize) -> c_int {
    // SAFETY (whole body): the caller's contract; every doubleword lies inside the n bytes.
    unsafe {
        if n < 8 {
            return compare_bytes(a, b, n);
        }
        let mut i = 0;
        while i + 8 <= n {
            if block::differ_8(a.add(i), b.add(i)) {
                return compare_bytes(a.add(i), b.add(i), 8);
            }
            i += 8;
        }
        if i < n && block::differ_8(a.add(n - 8), b.add(n - 8)) {
            return compare_bytes(a.add(n - 8), b.add(n - 8), 8);
        }
        0
    }
}

/// The comparison behind `memcmp` and `bcmp`.
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[inline(always)]
unsafe fn compare(mut a: *const u8, mut b: *const u8, mut n: usize) -> c_int {
    // SAFETY (whole body): the caller's contract; every access stays inside the n bytes (the quadword
    // primitives read only aligned quadwords holding at least one of them).
    unsafe {
        if n < 32 {
            return compare_short(a, b, n);
        }
        // The first 16 bytes; then `a` is aligned past a head of at most 15 of them.
        let result = compare_short(a, b, 16);
        if result != 0 {
            return result;
        }
        let head = (a as usize).wrapping_neg() & 15;
        a = a.add(head);
        b = b.add(head);
        n -= head;
        let quads = n >> 4;
        let equal = if (b as usize) & 15 == 0 {
            block::compare_quads(a, b, quads)
        } else {
            block::compare_quads_shifted(a, b, quads)
        };
        if equal < quads {
            // This quadword differs, so one of its bytes does.
            let at = equal << 4;
            return compare_short(a.add(at), b.add(at), 16);
        }
        if n & 15 != 0 {
            // The last 16 bytes (n > 16 here): those before the tail are known to be equal.
            return compare_short(a.add(n - 16), b.add(n - 16), 16);
        }
        0
    }
}
