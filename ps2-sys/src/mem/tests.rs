//! Host tests of the splitting logic in `mem.rs` (with the portable block operations) against byte loops:
//! every small length at every source and destination offset mod 16, overlapping moves both ways, fills,
//! comparisons with a difference at many positions, and some large lengths. `ee_mem.rs` runs the same kind
//! of checks on the EE, with the assembly.

use super::*;

/// A 16-byte aligned byte buffer (the block operations read aligned quadwords around a region, so tests
/// keep a margin of at least 16 bytes on both sides of every region).
struct Buf(Vec<u128>);

impl Buf {
    fn new(len: usize) -> Buf {
        Buf(vec![0; len.div_ceil(16)])
    }
    fn bytes(&mut self) -> &mut [u8] {
        let len = self.0.len() * 16;
        // SAFETY: u128 storage reinterpreted as bytes, same length in bytes.
        unsafe { core::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<u8>(), len) }
    }
}

/// Deterministic test bytes, different for each `seed`.
fn pattern(i: usize, seed: usize) -> u8 {
    (i.wrapping_mul(131).wrapping_add(seed.wrapping_mul(7919)) ^ (i >> 8)) as u8
}

fn check_copy(n: usize, src_off: usize, dst_off: usize) {
    let margin = 32;
    let mut src = Buf::new(n + 2 * margin + 16);
    let mut dst = Buf::new(n + 2 * margin + 16);
    for (i, b) in src.bytes().iter_mut().enumerate() {
        *b = pattern(i, 1);
    }
    for (i, b) in dst.bytes().iter_mut().enumerate() {
        *b = pattern(i, 2);
    }
    let mut expected = dst.bytes().to_vec();
    let (s0, d0) = (margin + src_off, margin + dst_off);
    expected[d0..d0 + n].copy_from_slice(&src.bytes()[s0..s0 + n]);
    let s = src.bytes()[s0..].as_ptr();
    let d = dst.bytes()[d0..].as_mut_ptr();
    // SAFETY: both regions lie inside their buffers, with margins.
    let returned = unsafe { memcpy(d.cast(), s.cast(), n) };
    assert_eq!(returned, d.cast());
    assert!(dst.bytes() == expected.as_slice(), "memcpy n={n} src_off={src_off} dst_off={dst_off}");
}

#[test]
fn memcpy_every_small_length_and_alignment() {
    for n in 0..=160 {
        for src_off in 0..16 {
            for dst_off in 0..16 {
                check_copy(n, src_off, dst_off);
            }
        }
    }
}

#[test]
fn memcpy_large_lengths() {
    for n in [255, 256, 257, 1000, 4096, 4099, 65536, 65536 + 13] {
        for (src_off, dst_off) in [(0, 0), (1, 0), (0, 1), (4, 0), (8, 8), (15, 3), (7, 13)] {
            check_copy(n, src_off, dst_off);
        }
    }
}

/// Moves `n` bytes inside one buffer from `src` to `dst` (offsets) and compares with a copy through a
/// temporary.
fn check_move(n: usize, src: usize, dst: usize) {
    let mut buf = Buf::new(src.max(dst) + n + 32);
    for (i, b) in buf.bytes().iter_mut().enumerate() {
        *b = pattern(i, 3);
    }
    let mut expected = buf.bytes().to_vec();
    let moved = expected[src..src + n].to_vec();
    expected[dst..dst + n].copy_from_slice(&moved);
    let base = buf.bytes().as_mut_ptr();
    // SAFETY: both regions lie inside the buffer, with margins.
    let returned = unsafe { memmove(base.add(dst).cast(), base.add(src).cast(), n) };
    // SAFETY: as above.
    assert_eq!(returned, unsafe { base.add(dst) }.cast());
    assert!(buf.bytes() == expected.as_slice(), "memmove n={n} src={src} dst={dst}");
}

#[test]
fn memmove_overlapping_both_directions() {
    for n in 0..=140 {
        for src_off in 0..16 {
            for delta in -40isize..=40 {
                let src = 48 + src_off;
                check_move(n, src, src.wrapping_add_signed(delta));
            }
        }
    }
}

#[test]
fn memmove_large_overlapping() {
    for n in [1000, 4096 + 5, 65536 + 9] {
        for src_off in [0, 1, 8, 15] {
            for delta in [-4096isize, -17, -16, -15, -1, 0, 1, 3, 16, 33, 4096] {
                let src = 4200 + src_off;
                check_move(n, src, src.wrapping_add_signed(delta));
            }
        }
    }
}

#[test]
fn memmove_disjoint_small() {
    for n in 0..=80 {
        for src_off in 0..16 {
            for dst_off in 0..16 {
                check_move(n, 32 + src_off, 64 + n + dst_off);
                check_move(n, 64 + n + src_off, 32 + dst_off);
            }
        }
    }
}

fn check_set(n: usize, off: usize, value: i32) {
    let margin = 32;
    let mut buf = Buf::new(n + 2 * margin + 16);
    for (i, b) in buf.bytes().iter_mut().enumerate() {
        *b = pattern(i, 4);
    }
    let mut expected = buf.bytes().to_vec();
    expected[margin + off..margin + off + n].fill(value as u8);
    let d = buf.bytes()[margin + off..].as_mut_ptr();
    // SAFETY: the region lies inside the buffer.
    let returned = unsafe { memset(d.cast(), value, n) };
    assert_eq!(returned, d.cast());
    assert!(buf.bytes() == expected.as_slice(), "memset n={n} off={off} value={value:#x}");
}

#[test]
fn memset_every_small_length_and_alignment() {
    for n in 0..=160 {
        for off in 0..16 {
            for value in [0, 0xA5, -1, 0x1_37] {
                check_set(n, off, value);
            }
        }
    }
    for n in [1000, 4096, 65536 + 7] {
        for off in [0, 1, 9, 15] {
            check_set(n, off, 0x5A);
        }
    }
}

/// The sign of the C result.
fn sign(x: c_int) -> i32 {
    x.signum()
}

fn reference_compare(a: &[u8], b: &[u8]) -> i32 {
    a.iter().zip(b).find(|(x, y)| x != y).map_or(0, |(x, y)| i32::from(*x) - i32::from(*y))
}

fn check_compare(n: usize, a_off: usize, b_off: usize, diff_at: Option<usize>, a_bigger: bool) {
    let margin = 32;
    let mut a = Buf::new(n + 2 * margin + 16);
    let mut b = Buf::new(n + 2 * margin + 16);
    for i in 0..n {
        let v = pattern(i, 5);
        a.bytes()[margin + a_off + i] = v;
        b.bytes()[margin + b_off + i] = v;
    }
    // Different bytes around the regions must not matter.
    a.bytes()[margin + a_off + n] = 1;
    b.bytes()[margin + b_off + n] = 2;
    if let Some(at) = diff_at {
        let (x, y) = if a_bigger { (0x90, 0x10) } else { (0x10, 0x90) };
        a.bytes()[margin + a_off + at] = x;
        b.bytes()[margin + b_off + at] = y;
        // Later differences of the other sign must not matter.
        if at + 1 < n {
            a.bytes()[margin + a_off + n - 1] = y;
            b.bytes()[margin + b_off + n - 1] = x;
        }
    }
    let expected = reference_compare(&a.bytes()[margin + a_off..][..n], &b.bytes()[margin + b_off..][..n]);
    let pa = a.bytes()[margin + a_off..].as_ptr();
    let pb = b.bytes()[margin + b_off..].as_ptr();
    // SAFETY: both regions lie inside their buffers.
    let (cmp, bc) = unsafe { (memcmp(pa.cast(), pb.cast(), n), bcmp(pa.cast(), pb.cast(), n)) };
    let what = format!("n={n} a_off={a_off} b_off={b_off} diff_at={diff_at:?} a_bigger={a_bigger}");
    assert_eq!(sign(cmp), expected.signum(), "memcmp {what}");
    assert_eq!(bc != 0, expected != 0, "bcmp {what}");
}

#[test]
fn memcmp_every_small_length_and_alignment() {
    for n in 0..=100 {
        for a_off in 0..16 {
            for b_off in 0..16 {
                check_compare(n, a_off, b_off, None, false);
                let mut positions = vec![0, n / 2, n.saturating_sub(1)];
                positions.extend((3..n).step_by(13));
                for at in positions.into_iter().filter(|&at| at < n) {
                    check_compare(n, a_off, b_off, Some(at), at % 2 == 0);
                    check_compare(n, a_off, b_off, Some(at), at % 2 == 1);
                }
            }
        }
    }
}

#[test]
fn memcmp_every_difference_position() {
    for n in (0..=48).chain([63, 64, 65, 100]) {
        for (a_off, b_off) in [(0, 0), (0, 5), (3, 0), (9, 9), (15, 1), (8, 0), (4, 12)] {
            for at in 0..n {
                check_compare(n, a_off, b_off, Some(at), true);
                check_compare(n, a_off, b_off, Some(at), false);
            }
        }
    }
    for n in [4096, 65536 + 3] {
        for (a_off, b_off) in [(0, 0), (1, 0), (0, 7)] {
            check_compare(n, a_off, b_off, None, false);
            for at in [0, 17, n / 2, n - 1] {
                check_compare(n, a_off, b_off, Some(at), true);
            }
        }
    }
}

#[test]
fn strlen_counts_to_the_nul() {
    for len in 0..40 {
        let mut s = vec![b'x'; len];
        s.push(0);
        s.push(b'y');
        // SAFETY: NUL-terminated.
        assert_eq!(unsafe { strlen(s.as_ptr().cast()) }, len);
    }
}
