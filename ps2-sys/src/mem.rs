//! The C memory functions the compiler calls (`memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen`).
//!
//! `core` lowers copies, fills and comparisons to these symbols; on the EE nothing else provides them
//! (the project does not enable `compiler_builtins`' `mem` feature, which breaks host builds of `std` on
//! newer nightlies). Byte loops go through volatile accesses so that LLVM cannot turn them back into calls
//! to the very function being defined.

use core::ptr::{read_volatile, write_volatile};

/// Copies `n` bytes from `src` to `dst` (the regions must not overlap).
///
/// # Safety
/// `src` is valid for `n` bytes of reads and `dst` for `n` bytes of writes; the regions do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: the caller's contract.
        unsafe { write_volatile(dst.add(i), read_volatile(src.add(i))) };
    }
    dst
}

/// Copies `n` bytes from `src` to `dst`; the regions may overlap.
///
/// # Safety
/// `src` is valid for `n` bytes of reads and `dst` for `n` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) {
        // SAFETY: copying forwards never overwrites a source byte before it is read.
        unsafe { memcpy(dst, src, n) }
    } else {
        for i in (0..n).rev() {
            // SAFETY: the caller's contract; backwards for the same reason.
            unsafe { write_volatile(dst.add(i), read_volatile(src.add(i))) };
        }
        dst
    }
}

/// Fills `n` bytes at `dst` with the low byte of `value`.
///
/// # Safety
/// `dst` is valid for `n` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: the caller's contract.
        unsafe { write_volatile(dst.add(i), value as u8) };
    }
    dst
}

/// Compares `n` bytes: negative, zero or positive as the first differing byte of `a` is below, equal to or
/// above that of `b` (as unsigned bytes).
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: the caller's contract.
        let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// Zero when the `n` bytes at `a` and `b` are equal, non-zero otherwise.
///
/// # Safety
/// `a` and `b` are valid for `n` bytes of reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract.
    unsafe { memcmp(a, b, n) }
}

/// The length of the NUL-terminated string at `s`.
///
/// # Safety
/// `s` points to a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller's contract: every byte up to the NUL is readable.
    while unsafe { read_volatile(s.add(n)) } != 0 {
        n += 1;
    }
    n
}
