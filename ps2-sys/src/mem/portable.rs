//! Portable equivalents of the EE block operations (`ee.rs`), with the same contracts and the same memory
//! accesses (aligned quadwords, funnel shifts), so that host tests exercise the splitting logic of
//! `mem.rs` exactly as the EE runs it. Not used on the EE.

use core::ptr::{read, read_unaligned, write, write_unaligned};

/// `(hi:lo) >> 8 * shift` (bytes), the low 128 bits: what MMI `qfsrv` computes with SA = `shift`.
fn funnel(hi: u128, lo: u128, shift: usize) -> u128 {
    if shift == 0 { lo } else { (lo >> (8 * shift)) | (hi << (128 - 8 * shift)) }
}

/// The aligned quadword holding `p`.
fn quad_of(p: *const u8) -> *const u128 {
    ((p as usize) & !15) as *const u128
}

/// Copies `4 <= n <= 8` bytes: two overlapping words, both loaded before either is stored.
pub unsafe fn copy_4_8(d: *mut u8, s: *const u8, n: usize) {
    debug_assert!((4..=8).contains(&n));
    // SAFETY: the caller's contract.
    unsafe {
        let (a, b) = (read_unaligned(s.cast::<u32>()), read_unaligned(s.add(n - 4).cast::<u32>()));
        write_unaligned(d.cast::<u32>(), a);
        write_unaligned(d.add(n - 4).cast::<u32>(), b);
    }
}

/// Copies `8 <= n <= 16` bytes: two overlapping doublewords, both loaded before either is stored.
pub unsafe fn copy_8_16(d: *mut u8, s: *const u8, n: usize) {
    debug_assert!((8..=16).contains(&n));
    // SAFETY: the caller's contract.
    unsafe {
        let (a, b) = (read_unaligned(s.cast::<u64>()), read_unaligned(s.add(n - 8).cast::<u64>()));
        write_unaligned(d.cast::<u64>(), a);
        write_unaligned(d.add(n - 8).cast::<u64>(), b);
    }
}

/// Copies `16 <= n <= 32` bytes: four doublewords (the first 16 and the last 16 bytes), all loaded before
/// any is stored.
pub unsafe fn copy_16_32(d: *mut u8, s: *const u8, n: usize) {
    debug_assert!((16..=32).contains(&n));
    // SAFETY: the caller's contract.
    unsafe {
        let a = read_unaligned(s.cast::<u64>());
        let b = read_unaligned(s.add(8).cast::<u64>());
        let c = read_unaligned(s.add(n - 16).cast::<u64>());
        let e = read_unaligned(s.add(n - 8).cast::<u64>());
        write_unaligned(d.cast::<u64>(), a);
        write_unaligned(d.add(8).cast::<u64>(), b);
        write_unaligned(d.add(n - 16).cast::<u64>(), c);
        write_unaligned(d.add(n - 8).cast::<u64>(), e);
    }
}

/// Copies `quads` quadwords upwards; `d` and `s` are 16-byte aligned. Each is loaded before it is stored.
pub unsafe fn copy_quads(d: *mut u8, s: *const u8, quads: usize) {
    debug_assert!((d as usize) & 15 == 0 && (s as usize) & 15 == 0);
    for i in 0..quads {
        // SAFETY: the caller's contract; aligned.
        unsafe { write(d.cast::<u128>().add(i), read(s.cast::<u128>().add(i))) };
    }
}

/// Copies `quads` quadwords upwards from a misaligned `s` to an aligned `d`, reading only the aligned source
/// quadwords that hold source bytes and funnel-shifting neighbours.
pub unsafe fn copy_quads_shifted(d: *mut u8, s: *const u8, quads: usize) {
    debug_assert!((d as usize) & 15 == 0 && (s as usize) & 15 != 0);
    let shift = (s as usize) & 15;
    let q = quad_of(s);
    // SAFETY: the caller's contract; every quadword read holds at least one source byte.
    unsafe {
        let mut lo = read(q);
        for i in 0..quads {
            let hi = read(q.add(i + 1));
            write(d.cast::<u128>().add(i), funnel(hi, lo, shift));
            lo = hi;
        }
    }
}

/// Copies the `quads` quadwords below `d_end` from those below `s_end`, downwards; both ends 16-byte aligned.
pub unsafe fn copy_quads_back(d_end: *mut u8, s_end: *const u8, quads: usize) {
    debug_assert!((d_end as usize) & 15 == 0 && (s_end as usize) & 15 == 0);
    for i in 1..=quads {
        // SAFETY: the caller's contract; aligned.
        unsafe { write(d_end.cast::<u128>().sub(i), read(s_end.cast::<u128>().sub(i))) };
    }
}

/// Copies the `quads` quadwords below the aligned `d_end` from those below the misaligned `s_end`, downwards,
/// with funnel shifts.
pub unsafe fn copy_quads_shifted_back(d_end: *mut u8, s_end: *const u8, quads: usize) {
    debug_assert!((d_end as usize) & 15 == 0 && (s_end as usize) & 15 != 0);
    let shift = (s_end as usize) & 15;
    let q = quad_of(s_end);
    // SAFETY: the caller's contract; every quadword read holds at least one source byte.
    unsafe {
        let mut hi = read(q);
        for i in 1..=quads {
            let lo = read(q.sub(i));
            write(d_end.cast::<u128>().sub(i), funnel(hi, lo, shift));
            hi = lo;
        }
    }
}

/// Fills `4 <= n <= 8` bytes with `pattern` (a byte repeated 4 times): two overlapping words.
pub unsafe fn set_4_8(d: *mut u8, pattern: u32, n: usize) {
    debug_assert!((4..=8).contains(&n));
    // SAFETY: the caller's contract.
    unsafe {
        write_unaligned(d.cast::<u32>(), pattern);
        write_unaligned(d.add(n - 4).cast::<u32>(), pattern);
    }
}

/// Fills `8 <= n <= 16` bytes with `pattern`: two overlapping doublewords.
pub unsafe fn set_8_16(d: *mut u8, pattern: u32, n: usize) {
    debug_assert!((8..=16).contains(&n));
    let wide = u64::from(pattern) * 0x1_0000_0001;
    // SAFETY: the caller's contract.
    unsafe {
        write_unaligned(d.cast::<u64>(), wide);
        write_unaligned(d.add(n - 8).cast::<u64>(), wide);
    }
}

/// Fills the first 16 and the last 16 of `n >= 16` bytes with `pattern` (all of them when `n <= 32`).
pub unsafe fn set_16_32(d: *mut u8, pattern: u32, n: usize) {
    debug_assert!(n >= 16);
    let wide = u64::from(pattern) * 0x1_0000_0001;
    // SAFETY: the caller's contract.
    unsafe {
        for at in [0, 8, n - 16, n - 8] {
            write_unaligned(d.add(at).cast::<u64>(), wide);
        }
    }
}

/// Fills `quads` aligned quadwords from the 16-byte aligned `d` with `pattern`.
pub unsafe fn set_quads(d: *mut u8, pattern: u32, quads: usize) {
    debug_assert!((d as usize) & 15 == 0);
    let wide = u128::from(pattern) * 0x0000_0001_0000_0001_0000_0001_0000_0001;
    for i in 0..quads {
        // SAFETY: the caller's contract; aligned.
        unsafe { write(d.cast::<u128>().add(i), wide) };
    }
}

/// Whether the 8 bytes at `a` and at `b` (any alignment) differ.
pub unsafe fn differ_8(a: *const u8, b: *const u8) -> bool {
    // SAFETY: the caller's contract.
    unsafe { read_unaligned(a.cast::<u64>()) != read_unaligned(b.cast::<u64>()) }
}

/// The number of leading equal quadwords among `quads` at the aligned `a` and `b` (`quads` if all are equal).
pub unsafe fn compare_quads(a: *const u8, b: *const u8, quads: usize) -> usize {
    debug_assert!((a as usize) & 15 == 0 && (b as usize) & 15 == 0);
    // SAFETY: the caller's contract; aligned.
    (0..quads).find(|&i| unsafe { read(a.cast::<u128>().add(i)) != read(b.cast::<u128>().add(i)) }).unwrap_or(quads)
}

/// As [`compare_quads`], for an aligned `a` and a misaligned `b` (read as aligned quadwords, funnel-shifted).
pub unsafe fn compare_quads_shifted(a: *const u8, b: *const u8, quads: usize) -> usize {
    debug_assert!((a as usize) & 15 == 0 && (b as usize) & 15 != 0);
    let shift = (b as usize) & 15;
    let q = quad_of(b);
    // SAFETY: the caller's contract; every quadword read holds at least one byte of `b`'s range.
    unsafe {
        let mut lo = read(q);
        for i in 0..quads {
            let hi = read(q.add(i + 1));
            if read(a.cast::<u128>().add(i)) != funnel(hi, lo, shift) {
                return i;
            }
            lo = hi;
        }
    }
    quads
}
