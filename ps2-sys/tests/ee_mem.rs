//! EE tests of the memory functions (`ps2_sys::mem`): run on the Emotion Engine (simulator or PCSX2) with
//! `cargo test -p ps2-sys --test ee_mem`. Each function is checked against a byte loop at every source and
//! destination offset mod 16 for many lengths, overlapping moves both ways, and some large lengths. On the
//! host this file builds to an empty program.
//!
//! The references and checks use volatile byte accesses only, so that they never call the functions under
//! test (a plain byte loop may be compiled into a `memcpy` call).
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use alloc::vec;
    use alloc::vec::Vec;
    use core::ffi::c_void;
    use core::ptr::{read_volatile, write_volatile};

    use ps2_alloc as _;
    use ps2_sys::mem::{bcmp, memcmp, memcpy, memmove, memset, strlen};

    ps2_sys::test_main!(
        memcpy_every_small_length_and_alignment,
        memcpy_large_lengths,
        memmove_overlapping_both_directions,
        memmove_large_overlapping,
        memset_every_small_length_and_alignment,
        memcmp_every_small_length_and_alignment,
        memcmp_large,
        strlen_counts_to_the_nul,
        compiler_calls_reach_these_functions,
    );

    /// A 16-byte aligned buffer of at least `len` bytes.
    struct Buf(Vec<u128>);

    impl Buf {
        fn new(len: usize) -> Buf {
            Buf(vec![0; len.div_ceil(16)])
        }
        fn len(&self) -> usize {
            self.0.len() * 16
        }
        fn ptr(&mut self) -> *mut u8 {
            self.0.as_mut_ptr().cast()
        }
        fn get(&mut self, i: usize) -> u8 {
            assert!(i < self.len());
            // SAFETY: in bounds.
            unsafe { read_volatile(self.ptr().add(i)) }
        }
        fn set(&mut self, i: usize, v: u8) {
            assert!(i < self.len());
            // SAFETY: in bounds.
            unsafe { write_volatile(self.ptr().add(i), v) }
        }
        fn fill_pattern(&mut self, seed: usize) {
            for i in 0..self.len() {
                self.set(i, pattern(i, seed));
            }
        }
    }

    fn pattern(i: usize, seed: usize) -> u8 {
        (i.wrapping_mul(131).wrapping_add(seed.wrapping_mul(7919)) ^ (i >> 8)) as u8
    }

    fn check_copy(src: &mut Buf, dst: &mut Buf, n: usize, s0: usize, d0: usize) {
        src.fill_pattern(1);
        dst.fill_pattern(2);
        let (s, d) = (src.ptr(), dst.ptr());
        // SAFETY: both regions lie inside their buffers.
        let returned = unsafe { memcpy(d.add(d0).cast(), s.add(s0).cast::<c_void>(), n) };
        assert_eq!(returned, d.wrapping_add(d0).cast());
        for i in 0..dst.len() {
            let want = if (d0..d0 + n).contains(&i) { pattern(i - d0 + s0, 1) } else { pattern(i, 2) };
            let got = dst.get(i);
            assert!(got == want, "memcpy n={} s0={} d0={}: byte {} is {:#x}, not {:#x}", n, s0, d0, i, got, want);
        }
        if n > 100 {
            for i in 0..src.len() {
                assert!(src.get(i) == pattern(i, 1), "memcpy n={n} changed its source");
            }
        }
    }

    fn memcpy_every_small_length_and_alignment() {
        for n in (0..=64).chain([79, 80, 96, 100]) {
            let (mut src, mut dst) = (Buf::new(n + 48), Buf::new(n + 48));
            for s_off in 0..16 {
                for d_off in 0..16 {
                    check_copy(&mut src, &mut dst, n, 16 + s_off, 16 + d_off);
                }
            }
        }
    }

    fn memcpy_large_lengths() {
        for n in [255, 256, 1000, 4096, 4099, 65536 + 13] {
            let (mut src, mut dst) = (Buf::new(n + 64), Buf::new(n + 64));
            for (s_off, d_off) in [(0, 0), (1, 0), (0, 1), (4, 0), (8, 8), (15, 3), (7, 13)] {
                check_copy(&mut src, &mut dst, n, 16 + s_off, 16 + d_off);
            }
        }
    }

    fn check_move(buf: &mut Buf, n: usize, src: usize, dst: usize) {
        buf.fill_pattern(3);
        let p = buf.ptr();
        // SAFETY: both regions lie inside the buffer.
        let returned = unsafe { memmove(p.add(dst).cast(), p.add(src).cast::<c_void>(), n) };
        assert_eq!(returned, p.wrapping_add(dst).cast());
        for i in 0..buf.len() {
            let want = if (dst..dst + n).contains(&i) { pattern(i - dst + src, 3) } else { pattern(i, 3) };
            let got = buf.get(i);
            assert!(got == want, "memmove n={} src={} dst={}: byte {} is {:#x}, not {:#x}", n, src, dst, i, got, want);
        }
    }

    fn memmove_overlapping_both_directions() {
        for n in (0..=48).chain([63, 64, 65, 80]) {
            let mut buf = Buf::new(n + 96);
            for s_off in 0..16 {
                for delta in -20isize..=20 {
                    let src = 32 + s_off;
                    check_move(&mut buf, n, src, src.wrapping_add_signed(delta));
                }
            }
        }
    }

    fn memmove_large_overlapping() {
        for n in [1000, 4096 + 5, 65536 + 9] {
            let mut buf = Buf::new(n + 8400);
            for s_off in [0, 1, 15] {
                for delta in [-4096isize, -17, -16, -1, 0, 1, 3, 16, 4096] {
                    let src = 4160 + s_off;
                    check_move(&mut buf, n, src, src.wrapping_add_signed(delta));
                }
            }
        }
    }

    fn check_set(buf: &mut Buf, n: usize, d0: usize, value: i32) {
        buf.fill_pattern(4);
        let p = buf.ptr();
        // SAFETY: the region lies inside the buffer.
        let returned = unsafe { memset(p.add(d0).cast(), value, n) };
        assert_eq!(returned, p.wrapping_add(d0).cast());
        for i in 0..buf.len() {
            let want = if (d0..d0 + n).contains(&i) { value as u8 } else { pattern(i, 4) };
            let got = buf.get(i);
            assert!(got == want, "memset n={} d0={} value={:#x}: byte {} is {:#x}, not {:#x}", n, d0, value, i, got, want);
        }
    }

    fn memset_every_small_length_and_alignment() {
        for n in 0..=100 {
            let mut buf = Buf::new(n + 48);
            for off in 0..16 {
                for value in [0, 0xA5, -1, 0x1_37] {
                    check_set(&mut buf, n, 16 + off, value);
                }
            }
        }
        for n in [1000, 4096, 65536 + 7] {
            let mut buf = Buf::new(n + 64);
            for off in [0, 1, 9, 15] {
                check_set(&mut buf, n, 16 + off, 0x5A);
            }
        }
    }

    /// Fills both buffers with the same bytes over the regions (and different ones around them), puts a
    /// difference at `diff_at` (and one of the other sign after it), and checks memcmp's sign and bcmp.
    fn check_compare(a: &mut Buf, b: &mut Buf, n: usize, a0: usize, b0: usize, diff_at: Option<usize>, a_bigger: bool) {
        a.fill_pattern(5);
        b.fill_pattern(6);
        for i in 0..n {
            let v = pattern(i, 7);
            a.set(a0 + i, v);
            b.set(b0 + i, v);
        }
        let mut expected = 0;
        if let Some(at) = diff_at {
            let (x, y) = if a_bigger { (0x90, 0x10) } else { (0x10, 0x90) };
            a.set(a0 + at, x);
            b.set(b0 + at, y);
            if at + 1 < n {
                a.set(a0 + n - 1, y);
                b.set(b0 + n - 1, x);
            }
            expected = if a_bigger { 1 } else { -1 };
        }
        let (pa, pb) = (a.ptr().wrapping_add(a0).cast::<c_void>(), b.ptr().wrapping_add(b0).cast::<c_void>());
        // SAFETY: both regions lie inside their buffers.
        let (cmp, bc) = unsafe { (memcmp(pa, pb, n), bcmp(pa, pb, n)) };
        assert!(
            cmp.signum() == expected && (bc != 0) == (expected != 0),
            "memcmp n={} a0={} b0={} diff_at={:?}: memcmp {} bcmp {}, expected sign {}",
            n, a0, b0, diff_at, cmp, bc, expected
        );
    }

    fn memcmp_every_small_length_and_alignment() {
        for n in (0..=48).chain([63, 64, 65, 80]) {
            let (mut a, mut b) = (Buf::new(n + 48), Buf::new(n + 48));
            for a_off in 0..16 {
                for b_off in 0..16 {
                    check_compare(&mut a, &mut b, n, 16 + a_off, 16 + b_off, None, false);
                    for at in [0, n / 2, n.saturating_sub(1)] {
                        if at < n {
                            check_compare(&mut a, &mut b, n, 16 + a_off, 16 + b_off, Some(at), at % 2 == 0);
                        }
                    }
                }
            }
        }
        for n in (0..=40).chain([63, 64, 100]) {
            let (mut a, mut b) = (Buf::new(n + 48), Buf::new(n + 48));
            for (a_off, b_off) in [(0, 0), (0, 5), (3, 0), (9, 9), (15, 1), (8, 0), (4, 12)] {
                for at in 0..n {
                    check_compare(&mut a, &mut b, n, 16 + a_off, 16 + b_off, Some(at), true);
                    check_compare(&mut a, &mut b, n, 16 + a_off, 16 + b_off, Some(at), false);
                }
            }
        }
    }

    fn memcmp_large() {
        for n in [4096, 65536 + 3] {
            let (mut a, mut b) = (Buf::new(n + 64), Buf::new(n + 64));
            for (a_off, b_off) in [(0, 0), (1, 0), (0, 7)] {
                check_compare(&mut a, &mut b, n, 16 + a_off, 16 + b_off, None, false);
                for at in [0, 17, n / 2, n - 1] {
                    check_compare(&mut a, &mut b, n, 16 + a_off, 16 + b_off, Some(at), true);
                }
            }
        }
    }

    fn strlen_counts_to_the_nul() {
        let mut buf = Buf::new(64);
        for off in 0..8 {
            for len in 0..40 {
                for i in 0..buf.len() {
                    buf.set(i, b'x');
                }
                buf.set(off + len, 0);
                // SAFETY: NUL-terminated inside the buffer.
                assert_eq!(unsafe { strlen(buf.ptr().add(off).cast()) }, len);
            }
        }
    }

    /// `core::ptr::copy`, `copy_nonoverlapping` and `write_bytes` with lengths the compiler cannot see
    /// become calls of `memmove`, `memcpy` and `memset`: the linked ones are these.
    fn compiler_calls_reach_these_functions() {
        let n = core::hint::black_box(1000usize);
        let mut a = Buf::new(n + 64);
        let mut b = Buf::new(n + 64);
        a.fill_pattern(8);
        // SAFETY: in bounds; the last one overlaps and uses `copy`.
        unsafe {
            core::ptr::copy_nonoverlapping(a.ptr().add(3), b.ptr().add(5), n);
            core::ptr::write_bytes(a.ptr().add(1), 0x77, core::hint::black_box(40));
            core::ptr::copy(b.ptr().add(5), b.ptr().add(21), n);
        }
        for i in 0..n {
            assert_eq!(b.get(21 + i), pattern(i + 3, 8));
        }
        for i in 1..41 {
            assert_eq!(a.get(i), 0x77);
        }
        assert_eq!(a.get(41), pattern(41, 8));
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {}
