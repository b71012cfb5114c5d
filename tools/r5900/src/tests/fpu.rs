//! COP1: EE rounding (toward zero), saturation, flush to zero, compares, ACC, conversions.

use super::asm::*;
use crate::{fcr31, fpu, Cpu};

const ONE: u32 = 0x3F80_0000;
const THREE: u32 = 0x4040_0000;

/// Runs `instrs` with FPRs f1/f2 preloaded; returns the CPU.
fn exec(instrs: &[u32], f1: u32, f2: u32) -> Cpu {
    let mut program = instrs.to_vec();
    program.push(END);
    run_with(&program, |cpu, _| {
        cpu.fpr[1] = f1;
        cpu.fpr[2] = f2;
    })
    .0
}

fn op(funct: u32, f1: u32, f2: u32) -> (u32, u32) {
    let cpu = exec(&[fpu_s(funct, 3, 1, 2)], f1, f2);
    (cpu.fpr[3], cpu.fcr31)
}

#[test]
fn arithmetic_rounds_toward_zero() {
    assert_eq!(op(0x03, ONE, THREE).0, 0x3EAA_AAAA); // 1/3: IEEE nearest would be ...AB
    assert_eq!(op(0x00, ONE, 0x3380_0000).0, ONE); // 1 + 2^-24 truncates to 1
    assert_eq!(op(0x01, ONE, 0x3380_0000).0, 0x3F7F_FFFF); // 1 - 2^-24 is exact
    // The adder keeps one guard bit of the smaller operand and drops it entirely 25+ places down.
    assert_eq!(op(0x01, ONE, 0x0080_0000).0, ONE); // 1 - 2^-126
    assert_eq!(op(0x01, ONE, 0x3300_0000).0, ONE); // 1 - 2^-25: beyond the guard bit
    assert_eq!(op(0x01, ONE, 0x33C0_0000).0, 0x3F7F_FFFF); // 1 - 1.5*2^-24: only 2^-24 survives
    assert_eq!(op(0x00, ONE, 0xBE80_0001).0, 0x3F40_0000); // 1 - 0.25(1+2^-23): low bit dropped -> 0.75
    assert_eq!(op(0x00, ONE, 0x0080_0000).0, ONE);
    assert_eq!(op(0x00, 0xC000_0000, 0x4000_0000).0, 0); // x + -x = +0
    assert_eq!(op(0x02, 0x3F80_0001, 0x3F80_0001).0, 0x3F80_0002); // (1+u)^2 = 1+2u+u^2 truncated
    // sqrt.s uses ft: sqrt(2) truncated.
    assert_eq!(exec(&[fpu_s(0x04, 3, 0, 2)], 0, 0x4000_0000).fpr[3], 0x3FB5_04F3);
}

#[test]
fn no_infinities_exponent_255_is_a_number_and_overflow_saturates() {
    let big = 0x7F80_0000; // 2^128 on the EE (+Inf in IEEE)
    assert_eq!(op(0x02, big, 0x3F00_0000).0, 0x7F00_0000); // * 0.5
    let (bits, flags) = op(0x02, fpu::FLOAT_MAX, 0x4000_0000); // * 2
    assert_eq!(bits, 0x7FFF_FFFF);
    assert_ne!(flags & fcr31::O, 0);
    assert_ne!(flags & fcr31::SO, 0);
    assert_eq!(op(0x00, 0xFFFF_FFFF, 0xFFFF_FFFF).0, 0xFFFF_FFFF); // -max + -max saturates
    // A later non-overflowing operation clears O but keeps the sticky SO.
    let cpu = exec(&[fpu_s(0x02, 3, 1, 2), fpu_s(0x00, 4, 2, 2)], fpu::FLOAT_MAX, 0x4000_0000);
    assert_eq!(cpu.fcr31 & (fcr31::O | fcr31::SO), fcr31::SO);
}

#[test]
fn denormals_are_zero_and_underflow_flushes() {
    assert_eq!(op(0x00, 0x0000_0001, 0).0, 0); // denormal input reads as zero
    let (bits, flags) = op(0x02, 0x0080_0000, 0x3F00_0000); // 2^-126 * 0.5
    assert_eq!(bits, 0);
    assert_ne!(flags & fcr31::U, 0);
    assert_eq!(op(0x02, 0x8080_0000, 0x3F00_0000).0, 0x8000_0000); // sign is kept
}

#[test]
fn division_by_zero_and_negative_square_root() {
    let (bits, flags) = op(0x03, 0xBF80_0000, 0); // -1 / 0
    assert_eq!(bits, 0xFFFF_FFFF);
    assert_ne!(flags & fcr31::D, 0);
    let (bits, flags) = op(0x03, 0, 0); // 0 / 0
    assert_eq!(bits, 0x7FFF_FFFF);
    assert_ne!(flags & fcr31::I, 0);
    let cpu = exec(&[fpu_s(0x04, 3, 0, 2)], 0, 0xC080_0000); // sqrt(-4)
    assert_eq!(cpu.fpr[3], 0x4000_0000);
    assert_ne!(cpu.fcr31 & fcr31::I, 0);
    // rsqrt.s fd = fs / sqrt(ft): 1 / sqrt(4) = 0.5
    assert_eq!(op(0x16, ONE, 0x4080_0000).0, 0x3F00_0000);
}

#[test]
fn conversions_truncate_and_saturate() {
    let cvt_w = |bits: u32| exec(&[fpu_s(0x24, 3, 1, 0)], bits, 0).fpr[3];
    assert_eq!(cvt_w(0x4039_9999), 2); // 2.9
    assert_eq!(cvt_w(0xC039_9999), (-2i32) as u32);
    assert_eq!(cvt_w(0x4F32_D05E), i32::MAX as u32); // 3e9
    assert_eq!(cvt_w(0xDF00_0000), i32::MIN as u32);
    assert_eq!(cvt_w(0x7FFF_FFFF), i32::MAX as u32);
    let cvt_s = |word: u32| exec(&[(0x11 << 26) | (0x14 << 21) | (1 << 11) | (3 << 6) | 0x20], word, 0).fpr[3];
    assert_eq!(cvt_s(16_777_217), 0x4B80_0000); // truncated to 2^24
    assert_eq!(cvt_s((-3i32) as u32), 0xC040_0000);
}

#[test]
fn compares_set_the_condition_used_by_bc1() {
    let compare = |funct: u32, a: u32, b: u32| exec(&[fpu_s(funct, 0, 1, 2)], a, b).fcr31 & fcr31::C != 0;
    assert!(compare(0x34, ONE, THREE)); // c.lt
    assert!(!compare(0x34, THREE, ONE));
    assert!(compare(0x36, ONE, ONE)); // c.le
    assert!(compare(0x32, 0x8000_0000, 0x0000_0001)); // c.eq: -0 == denormal (both zero)
    assert!(!compare(0x30, ONE, ONE)); // c.f
    assert!(compare(0x34, 0x7F80_0000, 0x7FFF_FFFF)); // exponent-255 values are ordered numbers
    // bc1t taken after c.lt
    let cpu = exec(
        &[fpu_s(0x34, 0, 1, 2), (0x11 << 26) | (0x08 << 21) | (1 << 16) | 2, NOP, addiu(V0, ZERO, 1), END],
        ONE,
        THREE,
    );
    assert_eq!(cpu.reg(V0 as usize), 0);
}

#[test]
fn accumulator_operations() {
    // acc = f1*f2 (mula), f3 = acc + f1*f2 (madd), acc += f1*f2 (madda), f4 = acc - f1*f2 (msub)
    let cpu = exec(
        &[fpu_s(0x1A, 0, 1, 2), fpu_s(0x1C, 3, 1, 2), fpu_s(0x1E, 0, 1, 2), fpu_s(0x1D, 4, 1, 2)],
        THREE,
        0x4000_0000,
    );
    assert_eq!(cpu.fpr[3], 0x4140_0000); // 12
    assert_eq!(cpu.acc, 0x4140_0000); // 12
    assert_eq!(cpu.fpr[4], 0x40C0_0000); // 6
    let cpu = exec(&[fpu_s(0x18, 0, 1, 2), fpu_s(0x19, 0, 1, 2)], THREE, 0x4000_0000); // adda, suba
    assert_eq!(cpu.acc, 0x3F80_0000); // 3 - 2
}

#[test]
fn min_max_abs_neg_and_moves() {
    assert_eq!(op(0x28, 0xBF80_0000, ONE).0, ONE); // max(-1, 1)
    assert_eq!(op(0x29, 0xBF80_0000, 0xC000_0000).0, 0xC000_0000); // min(-1, -2)
    assert_eq!(op(0x05, 0xBF80_0000, 0).0, ONE); // abs
    assert_eq!(op(0x07, ONE, 0).0, 0xBF80_0000); // neg
    let (cpu, _) = run_with(&[mtc1(A0, 5), mfc1(V0, 5), (0x11 << 26) | (0x02 << 21) | (V1 << 16) | (31 << 11), END], |cpu, _| {
        cpu.gpr[A0 as usize] = 0xBF80_0000;
    });
    assert_eq!(cpu.fpr[5], 0xBF80_0000);
    assert_eq!(cpu.reg(V0 as usize), 0xFFFF_FFFF_BF80_0000); // mfc1 sign-extends
    assert_eq!(cpu.reg(V1 as usize) & 3, 1); // FCR31.RM reads "toward zero"
}

#[test]
fn lwc1_swc1() {
    let (cpu, bus) = run_with(&[load(0x31, 7, 0, T0), load(0x39, 7, 4, T0), END], |cpu, bus| {
        cpu.gpr[T0 as usize] = DATA as u128;
        bus.write_words(DATA, &[ONE]);
    });
    assert_eq!(cpu.fpr[7], ONE);
    assert_eq!(bus.ram[(DATA + 4 - CODE) as usize..][..4], ONE.to_le_bytes());
}
