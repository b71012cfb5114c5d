//! Samples of every MMI group, each checked lane by lane.

use super::asm::*;
use crate::Cpu;

const MMI0: u32 = 0x08;
const MMI1: u32 = 0x28;
const MMI2: u32 = 0x09;
const MMI3: u32 = 0x29;

fn w(lanes: [u32; 4]) -> u128 {
    lanes.iter().rev().fold(0, |acc, &v| (acc << 32) | v as u128)
}
fn h(lanes: [u16; 8]) -> u128 {
    lanes.iter().rev().fold(0, |acc, &v| (acc << 16) | v as u128)
}

/// Runs `instr` (rd = v0, rs = a0, rt = a1) with the given register values; returns the CPU.
fn exec(instrs: &[u32], rs: u128, rt: u128, setup: impl FnOnce(&mut Cpu)) -> Cpu {
    let mut program = instrs.to_vec();
    program.push(END);
    run_with(&program, |cpu, _| {
        cpu.gpr[A0 as usize] = rs;
        cpu.gpr[A1 as usize] = rt;
        cpu.gpr[V0 as usize] = 0xDEAD_u128 << 100;
        setup(cpu);
    })
    .0
}

fn result(word: u32, rs: u128, rt: u128) -> u128 {
    exec(&[word], rs, rt, |_| {}).gpr[V0 as usize]
}

#[test]
fn mmi0_add_compare_pack() {
    let (a, b) = (w([1, 2, 3, 0xFFFF_FFFF]), w([1, 1, 1, 1]));
    assert_eq!(result(mmi(MMI0, 0x00, V0, A0, A1), a, b), w([2, 3, 4, 0]));
    assert_eq!(result(mmi(MMI0, 0x01, V0, A0, A1), a, b), w([0, 1, 2, 0xFFFF_FFFE]));
    let bytes = u128::from_le_bytes([0x7F, 0x80, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let ones = u128::from_le_bytes([1, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let saturated = result(mmi(MMI0, 0x18, V0, A0, A1), bytes, ones).to_le_bytes(); // paddsb
    assert_eq!(&saturated[..3], &[0x7F, 0x80, 4]);
    let gt = result(mmi(MMI0, 0x06, V0, A0, A1), h([1, 0xFFFF, 3, 0, 0, 0, 0, 0]), h([0, 0, 3, 0, 0, 0, 0, 1]));
    assert_eq!(gt, h([0xFFFF, 0, 0, 0, 0, 0, 0, 0])); // pcgth is signed: -1 > 0 is false
    let (x, y) = (w([0xA0, 0xA1, 0xA2, 0xA3]), w([0xB0, 0xB1, 0xB2, 0xB3]));
    assert_eq!(result(mmi(MMI0, 0x12, V0, A0, A1), x, y), w([0xB0, 0xA0, 0xB1, 0xA1])); // pextlw
    assert_eq!(result(mmi(MMI0, 0x13, V0, A0, A1), x, y), w([0xB0, 0xB2, 0xA0, 0xA2])); // ppacw
    assert_eq!(result(mmi(MMI0, 0x03, V0, A0, A1), w([5, 0xFFFF_FFFF, 0, 0]), w([4, 0, 0, 0])), w([5, 0, 0, 0])); // pmaxw
}

#[test]
fn mmi0_pext5_and_ppac5_round_trip() {
    let packed = w([0x8000 | (31 << 10) | (1 << 5) | 17, 0x7FFF, 0, 0x1234]);
    let expanded = result(mmi(MMI0, 0x1E, V0, ZERO, A1), 0, packed);
    assert_eq!(expanded as u32, 0x8000_0000 | (31 << 19) | (1 << 11) | (17 << 3));
    assert_eq!(result(mmi(MMI0, 0x1F, V0, ZERO, A1), 0, expanded), packed);
}

#[test]
fn mmi1_abs_unsigned_saturation_extend_funnel_shift() {
    assert_eq!(result(mmi(MMI1, 0x01, V0, ZERO, A1), 0, w([0x8000_0000, (-5i32) as u32, 7, 0])), w([0x7FFF_FFFF, 5, 7, 0]));
    assert_eq!(result(mmi(MMI1, 0x10, V0, A0, A1), w([0xFFFF_FFF0, 1, 0, 0]), w([0x20, 1, 0, 0])), w([0xFFFF_FFFF, 2, 0, 0]));
    assert_eq!(result(mmi(MMI1, 0x11, V0, A0, A1), w([1, 5, 0, 0]), w([2, 3, 0, 0])), w([0, 2, 0, 0])); // psubuw
    let x = u128::from_le_bytes(core::array::from_fn(|k| 0xA0 + k as u8));
    let y = u128::from_le_bytes(core::array::from_fn(|k| 0xB0 + k as u8));
    let upper = result(mmi(MMI1, 0x1A, V0, A0, A1), x, y).to_le_bytes(); // pextub
    assert_eq!(&upper[..4], &[0xB8, 0xA8, 0xB9, 0xA9]);
    assert_eq!(result(mmi(MMI1, 0x02, V0, A0, A1), w([1, 2, 3, 4]), w([1, 0, 3, 0])), w([!0, 0, !0, 0])); // pceqw
    // qfsrv with SA = 4 bytes: (rs:rt) >> 32.
    let cpu = exec(&[i_type(0x01, 0x18, ZERO, 4), mmi(MMI1, 0x1B, V0, A0, A1)], w([1, 2, 3, 4]), w([5, 6, 7, 8]), |_| {});
    assert_eq!(cpu.gpr[V0 as usize], w([6, 7, 8, 1]));
}

#[test]
fn mmi2_mmi3_copies_logic_and_permutations() {
    let (x, y) = (w([0xA0, 0xA1, 0xA2, 0xA3]), w([0xB0, 0xB1, 0xB2, 0xB3]));
    assert_eq!(result(mmi(MMI2, 0x0E, V0, A0, A1), x, y), w([0xB0, 0xB1, 0xA0, 0xA1])); // pcpyld
    assert_eq!(result(mmi(MMI3, 0x0E, V0, A0, A1), x, y), w([0xA2, 0xA3, 0xB2, 0xB3])); // pcpyud
    assert_eq!(result(mmi(MMI3, 0x1B, V0, ZERO, A1), 0, h([1, 2, 3, 4, 5, 6, 7, 8])), h([1, 1, 1, 1, 5, 5, 5, 5]));
    assert_eq!(result(mmi(MMI2, 0x12, V0, A0, A1), 0b1100, 0b1010), 0b1000); // pand
    assert_eq!(result(mmi(MMI3, 0x13, V0, A0, A1), 0b1100, 0b1010), !0b1110u128); // pnor
    assert_eq!(result(mmi(MMI3, 0x12, V0, A0, A1), 0b1100, 0b1010), 0b1110); // por
    assert_eq!(result(mmi(MMI2, 0x13, V0, A0, A1), 0b1100, 0b1010), 0b0110); // pxor
    assert_eq!(result(mmi(MMI2, 0x1F, V0, ZERO, A1), 0, y), w([0xB1, 0xB2, 0xB0, 0xB3])); // prot3w
    assert_eq!(result(mmi(MMI2, 0x1E, V0, ZERO, A1), 0, y), w([0xB2, 0xB1, 0xB0, 0xB3])); // pexew
    assert_eq!(result(mmi(MMI3, 0x1E, V0, ZERO, A1), 0, y), w([0xB0, 0xB2, 0xB1, 0xB3])); // pexcw
    let halves = h([0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(result(mmi(MMI2, 0x1B, V0, ZERO, A1), 0, halves), h([3, 2, 1, 0, 7, 6, 5, 4])); // prevh
    assert_eq!(result(mmi(MMI2, 0x1A, V0, ZERO, A1), 0, halves), h([2, 1, 0, 3, 6, 5, 4, 7])); // pexeh
    assert_eq!(result(mmi(MMI3, 0x1A, V0, ZERO, A1), 0, halves), h([0, 2, 1, 3, 4, 6, 5, 7])); // pexch
    let s = h([10, 11, 12, 13, 14, 15, 16, 17]);
    assert_eq!(result(mmi(MMI2, 0x0A, V0, A0, A1), s, halves), h([0, 14, 1, 15, 2, 16, 3, 17])); // pinth
    assert_eq!(result(mmi(MMI3, 0x0A, V0, A0, A1), s, halves), h([0, 10, 2, 12, 4, 14, 6, 16])); // pinteh
}

#[test]
fn word_multiply_and_divide_fill_both_hi_lo_pipelines() {
    let cpu = exec(
        &[mmi(MMI2, 0x0C, V0, A0, A1), mmi(MMI2, 0x08, V1, 0, 0), mmi(MMI2, 0x09, T0, 0, 0)],
        w([(-3i32) as u32, 0, 0x1_0000, 0]),
        w([5, 0, 0x1_0000, 0]),
        |_| {},
    );
    assert_eq!(cpu.gpr[V0 as usize], ((1u128 << 32) << 64) | (-15i64 as u64) as u128); // pmultw
    assert_eq!(cpu.gpr[V1 as usize], (1u128 << 64) | u64::MAX as u128); // pmfhi
    assert_eq!(cpu.gpr[T0 as usize], (-15i64 as u64) as u128); // pmflo
    let cpu = exec(&[mmi(MMI2, 0x0D, 0, A0, A1)], w([(-7i32) as u32, 0, 9, 0]), w([2, 0, 0, 0]), |_| {});
    assert_eq!(cpu.lo as u64, (-3i64) as u64); // pdivw lane 0
    assert_eq!(cpu.hi as u64, (-1i64) as u64);
    assert_eq!((cpu.lo >> 64) as u64, u64::MAX); // lane 1: 9 / 0
    assert_eq!((cpu.hi >> 64) as u64, 9);
}

#[test]
fn halfword_multiply_add_and_hi_lo_transfers() {
    let (s, t) = (h([1, 2, 3, 4, 5, 6, 7, 8]), h([1, 1, 1, 1, 2, 2, 2, 0xFFFF]));
    let cpu = exec(&[mmi(MMI2, 0x11, V0, A0, A1)], s, t, |_| {}); // phmadh
    assert_eq!(cpu.gpr[V0 as usize], w([3, 7, 22, (14 - 8i32) as u32]));
    let cpu = exec(&[mmi(MMI2, 0x1C, V0, A0, A1), mmi(0x30, 0, V1, 0, 0)], s, t, |_| {}); // pmulth; pmfhl.lw
    assert_eq!(cpu.gpr[V0 as usize], w([1, 3, 10, 14]));
    assert_eq!(cpu.lo, w([1, 2, 10, 12]));
    assert_eq!(cpu.hi, w([3, 4, 14, (-8i32) as u32]));
    assert_eq!(cpu.gpr[V1 as usize], w([1, 3, 10, 14]));
    // pmaddh accumulates onto the previous products.
    let cpu = exec(&[mmi(MMI2, 0x1C, 0, A0, A1), mmi(MMI2, 0x10, V0, A0, A1)], s, t, |_| {});
    assert_eq!(cpu.lo, w([2, 4, 20, 24]));
    // pmthl.lw then pmfhl.uw / pmfhl.sh
    let cpu = exec(&[mmi(0x31, 0, 0, A0, 0), mmi(0x30, 4, V0, 0, 0)], w([0x1_0000, 5, 0xFFFF_0000, 6]), 0, |_| {});
    assert_eq!(cpu.lo, w([0x1_0000, 0, 0xFFFF_0000, 0]));
    assert_eq!(cpu.hi, w([5, 0, 6, 0]));
    assert_eq!(cpu.gpr[V0 as usize], h([0x7FFF, 0, 5, 0, 0x8000, 0, 6, 0]));
}

#[test]
fn parallel_shifts_and_leading_sign_count() {
    assert_eq!(result(mmi(0x34, 0, V0, 0, A1) | (4 << 6), 0, h([1, 0x8001, 0, 0, 0, 0, 0, 0x1000])), h([0x10, 0x10, 0, 0, 0, 0, 0, 0]));
    assert_eq!(result(mmi(0x37, 0, V0, 0, A1) | (4 << 6), 0, h([0x8000, 0x10, 0, 0, 0, 0, 0, 0])), h([0xF800, 1, 0, 0, 0, 0, 0, 0]));
    assert_eq!(result(mmi(0x3F, 0, V0, 0, A1) | (8 << 6), 0, w([0x8000_0000, 0x100, 0, 0])), w([0xFF80_0000, 1, 0, 0]));
    assert_eq!(result(mmi(0x3E, 0, V0, 0, A1) | (8 << 6), 0, w([0x8000_0000, 0x100, 0, 0])), w([0x0080_0000, 1, 0, 0]));
    // psravw: words 0 and 2, sign-extended into doublewords.
    assert_eq!(
        result(mmi(MMI3, 0x03, V0, A0, A1), w([4, 0, 1, 0]), w([0x8000_0000, 0, 6, 0])),
        w([0xF800_0000, 0xFFFF_FFFF, 3, 0])
    );
    // plzcw keeps the upper 64 bits of rd.
    let out = result(mmi(0x04, 0, V0, A0, 0), w([1, 0xFFFF_FFFF, 0, 0]), 0);
    assert_eq!(out, (0xDEAD_u128 << 100) | w([30, 31, 0, 0]));
}

/// One case per remaining MMI operation: (name, word, rs, rt, expected rd).
#[test]
fn remaining_lane_operations() {
    let b = |lanes: [u8; 4]| u128::from_le_bytes([lanes[0], lanes[1], lanes[2], lanes[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let cases: &[(&str, u32, u128, u128, u128)] = &[
        ("paddh", mmi(MMI0, 0x04, V0, A0, A1), h([0xFFFF, 2, 0, 0, 0, 0, 0, 9]), h([1, 3, 0, 0, 0, 0, 0, 1]), h([0, 5, 0, 0, 0, 0, 0, 10])),
        ("psubh", mmi(MMI0, 0x05, V0, A0, A1), h([0, 5, 0, 0, 0, 0, 0, 0]), h([1, 3, 0, 0, 0, 0, 0, 0]), h([0xFFFF, 2, 0, 0, 0, 0, 0, 0])),
        ("pmaxh", mmi(MMI0, 0x07, V0, A0, A1), h([0xFFFF, 5, 0, 0, 0, 0, 0, 0]), h([1, 0x8000, 0, 0, 0, 0, 0, 0]), h([1, 5, 0, 0, 0, 0, 0, 0])),
        ("paddb", mmi(MMI0, 0x08, V0, A0, A1), b([0xFF, 1, 0, 0]), b([2, 2, 0, 0]), b([1, 3, 0, 0])),
        ("psubb", mmi(MMI0, 0x09, V0, A0, A1), b([0, 5, 0, 0]), b([1, 2, 0, 0]), b([0xFF, 3, 0, 0])),
        ("pcgtb", mmi(MMI0, 0x0A, V0, A0, A1), b([1, 0x80, 0, 0]), b([0, 0, 0, 0]), b([0xFF, 0, 0, 0])),
        ("pcgtw", mmi(MMI0, 0x02, V0, A0, A1), w([1, 0x8000_0000, 0, 0]), w([0, 0, 0, 0]), w([!0, 0, 0, 0])),
        ("paddsw", mmi(MMI0, 0x10, V0, A0, A1), w([0x7FFF_FFFF, 0x8000_0000, 1, 0]), w([1, 0xFFFF_FFFF, 1, 0]), w([0x7FFF_FFFF, 0x8000_0000, 2, 0])),
        ("psubsw", mmi(MMI0, 0x11, V0, A0, A1), w([0x8000_0000, 0x7FFF_FFFF, 0, 0]), w([1, 0xFFFF_FFFF, 0, 0]), w([0x8000_0000, 0x7FFF_FFFF, 0, 0])),
        ("paddsh", mmi(MMI0, 0x14, V0, A0, A1), h([0x7FFF, 0x8000, 0, 0, 0, 0, 0, 0]), h([1, 0xFFFF, 0, 0, 0, 0, 0, 0]), h([0x7FFF, 0x8000, 0, 0, 0, 0, 0, 0])),
        ("psubsh", mmi(MMI0, 0x15, V0, A0, A1), h([0x8000, 3, 0, 0, 0, 0, 0, 0]), h([1, 5, 0, 0, 0, 0, 0, 0]), h([0x8000, 0xFFFE, 0, 0, 0, 0, 0, 0])),
        ("psubsb", mmi(MMI0, 0x19, V0, A0, A1), b([0x80, 0x7F, 0, 0]), b([1, 0xFF, 0, 0]), b([0x80, 0x7F, 0, 0])),
        ("pextlh", mmi(MMI0, 0x16, V0, A0, A1), h([10, 11, 12, 13, 14, 15, 16, 17]), h([0, 1, 2, 3, 4, 5, 6, 7]), h([0, 10, 1, 11, 2, 12, 3, 13])),
        ("pextlb", mmi(MMI0, 0x1A, V0, A0, A1), b([0xA0, 0xA1, 0, 0]), b([0xB0, 0xB1, 0, 0]), b([0xB0, 0xA0, 0xB1, 0xA1])),
        ("ppach", mmi(MMI0, 0x17, V0, A0, A1), h([10, 11, 12, 13, 14, 15, 16, 17]), h([0, 1, 2, 3, 4, 5, 6, 7]), h([0, 2, 4, 6, 10, 12, 14, 16])),
        ("ppacb", mmi(MMI0, 0x1B, V0, A0, A1), 0, b([1, 2, 3, 4]), b([1, 3, 0, 0])),
        ("pminw", mmi(MMI1, 0x03, V0, A0, A1), w([5, 0xFFFF_FFFF, 0, 0]), w([4, 0, 0, 0]), w([4, 0xFFFF_FFFF, 0, 0])),
        ("pminh", mmi(MMI1, 0x07, V0, A0, A1), h([0xFFFF, 5, 0, 0, 0, 0, 0, 0]), h([1, 0x8000, 0, 0, 0, 0, 0, 0]), h([0xFFFF, 0x8000, 0, 0, 0, 0, 0, 0])),
        ("pabsh", mmi(MMI1, 0x05, V0, ZERO, A1), 0, h([0x8000, 0xFFFB, 3, 0, 0, 0, 0, 0]), h([0x7FFF, 5, 3, 0, 0, 0, 0, 0])),
        ("pceqh", mmi(MMI1, 0x06, V0, A0, A1), h([1, 2, 0, 0, 0, 0, 0, 0]), h([1, 3, 0, 0, 0, 0, 0, 0]), h([0xFFFF, 0, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF])),
        ("pceqb", mmi(MMI1, 0x0A, V0, A0, A1), b([1, 2, 0, 0]), b([1, 3, 0, 0]), !0u128 ^ (0xFF << 8)),
        ("padsbh", mmi(MMI1, 0x04, V0, A0, A1), h([5, 0, 0, 0, 5, 0, 0, 0]), h([2, 0, 0, 0, 2, 0, 0, 0]), h([3, 0, 0, 0, 7, 0, 0, 0])),
        ("padduh", mmi(MMI1, 0x14, V0, A0, A1), h([0xFFF0, 1, 0, 0, 0, 0, 0, 0]), h([0x20, 1, 0, 0, 0, 0, 0, 0]), h([0xFFFF, 2, 0, 0, 0, 0, 0, 0])),
        ("psubuh", mmi(MMI1, 0x15, V0, A0, A1), h([1, 5, 0, 0, 0, 0, 0, 0]), h([2, 3, 0, 0, 0, 0, 0, 0]), h([0, 2, 0, 0, 0, 0, 0, 0])),
        ("paddub", mmi(MMI1, 0x18, V0, A0, A1), b([0xF0, 1, 0, 0]), b([0x20, 1, 0, 0]), b([0xFF, 2, 0, 0])),
        ("psubub", mmi(MMI1, 0x19, V0, A0, A1), b([1, 5, 0, 0]), b([2, 3, 0, 0]), b([0, 2, 0, 0])),
        ("pextuh", mmi(MMI1, 0x16, V0, A0, A1), h([10, 11, 12, 13, 14, 15, 16, 17]), h([0, 1, 2, 3, 4, 5, 6, 7]), h([4, 14, 5, 15, 6, 16, 7, 17])),
        ("pceqw", mmi(MMI1, 0x02, V0, A0, A1), w([1, 2, 3, 4]), w([1, 2, 0, 4]), w([!0, !0, 0, !0])),
        ("psllvw", mmi(MMI2, 0x02, V0, A0, A1), w([4, 0, 31, 0]), w([0x0800_0001, 0, 1, 0]), w([0x8000_0010, 0xFFFF_FFFF, 0x8000_0000, 0xFFFF_FFFF])),
        ("psrlvw", mmi(MMI2, 0x03, V0, A0, A1), w([4, 0, 1, 0]), w([0x8000_0000, 0, 6, 0]), w([0x0800_0000, 0, 3, 0])),
    ];
    for &(name, word, rs, rt, expected) in cases {
        assert_eq!(result(word, rs, rt), expected, "{name}");
    }
}

#[test]
fn word_multiply_accumulate_variants_and_small_divides() {
    let (s, t) = (w([3, 0, 0xFFFF_FFFF, 0]), w([4, 0, 2, 0]));
    // pmultuw: unsigned products; pmadduw adds them again; pmsubw (signed) subtracts.
    let cpu = exec(&[mmi(MMI3, 0x0C, V0, A0, A1), mmi(MMI3, 0x00, V1, A0, A1)], s, t, |_| {});
    assert_eq!(cpu.gpr[V0 as usize], (0x1_FFFF_FFFEu128 << 64) | 12);
    assert_eq!(cpu.gpr[V1 as usize], (0x3_FFFF_FFFCu128 << 64) | 24);
    let cpu = exec(&[mmi(MMI2, 0x0C, 0, A0, A1), mmi(MMI2, 0x04, V0, A0, A1)], s, t, |_| {});
    assert_eq!(cpu.gpr[V0 as usize], 0); // x - x
    let cpu = exec(&[mmi(MMI2, 0x00, V0, A0, A1)], s, t, |c| c.lo = 5); // pmaddw onto LO = 5
    assert_eq!(cpu.gpr[V0 as usize] as u64, 17);
    // pdivuw, pdivbw
    let cpu = exec(&[mmi(MMI3, 0x0D, 0, A0, A1)], w([0xFFFF_FFFF, 0, 7, 0]), w([2, 0, 2, 0]), |_| {});
    assert_eq!((cpu.lo as u64, (cpu.lo >> 64) as u64), (0x7FFF_FFFF, 3));
    assert_eq!(((cpu.hi >> 64) as u64), 1);
    let cpu = exec(&[mmi(MMI2, 0x1D, 0, A0, A1)], w([100, (-100i32) as u32, 7, 0]), h([7, 0, 0, 0, 0, 0, 0, 0]), |_| {});
    assert_eq!(cpu.lo, w([14, (-14i32) as u32, 1, 0]));
    assert_eq!(cpu.hi, w([2, (-2i32) as u32, 0, 0]));
    // phmsbh: odd product minus even product
    let cpu = exec(&[mmi(MMI2, 0x15, V0, A0, A1)], h([1, 2, 3, 4, 5, 6, 7, 8]), h([1, 1, 1, 1, 1, 1, 1, 1]), |_| {});
    assert_eq!(cpu.gpr[V0 as usize], w([1, 1, 1, 1]));
    // pmsubh subtracts from the accumulators
    let cpu = exec(&[mmi(MMI2, 0x14, V0, A0, A1)], h([1, 2, 3, 4, 5, 6, 7, 8]), h([1, 1, 1, 1, 1, 1, 1, 1]), |_| {});
    assert_eq!(cpu.lo, w([(-1i32) as u32, (-2i32) as u32, (-5i32) as u32, (-6i32) as u32]));
    // pmfhl.slw saturates the 64-bit HI:LO words to 32 bits
    let cpu = exec(&[mmi(0x30, 2, V0, 0, 0)], 0, 0, |c| {
        c.hi = w([1, 0, 0xFFFF_FFFF, 0]);
        c.lo = w([0, 0, (-5i32) as u32, 0]);
    });
    assert_eq!(cpu.gpr[V0 as usize], ((-5i64 as u64 as u128) << 64) | 0x7FFF_FFFF);
    let cpu = exec(&[mmi(0x30, 2, V0, 0, 0)], 0, 0, |c| c.hi = w([0xFFFF_FFFE, 0, 0, 0]));
    assert_eq!(cpu.gpr[V0 as usize] as u64, i32::MIN as i64 as u64);
    // pmthi / pmtlo
    let cpu = exec(&[mmi(MMI3, 0x08, 0, A0, 0), mmi(MMI3, 0x09, 0, A1, 0)], 7, 9, |_| {});
    assert_eq!((cpu.hi, cpu.lo), (7, 9));
}
