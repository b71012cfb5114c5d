//! VU0 macro mode: decoding checked against GNU binutils, and execution checked against values
//! derived by hand from the VU's float rules (VUUM §2: no NaN/infinity, denormals read as
//! zero, saturation to ±0x7FFF_FFFF, rounding toward zero).

use super::asm::*;
use crate::vu0::{decode_macro, MacroKind};
use crate::{decode, Bus, FaultKind, Op, Stop};
use field::*;

/// Every VU0 macro instruction once, as `mipsel-linux-gnu-as -march=r5900` encodes it and
/// `mipsel-linux-gnu-objdump -m mips:5900` names it (binutils 2.40).
const GNU_AS: &[(u32, &str)] = &[
    (0x4BE3_1040, "vaddx.xyzw"),
    (0x4BC3_1045, "vsuby.xyz"),
    (0x4B06_290A, "vmaddz.x"),
    (0x4A26_290F, "vmsubw.w"),
    (0x4BE3_1050, "vmaxx.xyzw"),
    (0x4BE3_1055, "vminiy.xyzw"),
    (0x4BE3_105A, "vmulz.xyzw"),
    (0x4BE0_105C, "vmulq.xyzw"),
    (0x4BE0_105D, "vmaxi.xyzw"),
    (0x4BE0_105E, "vmuli.xyzw"),
    (0x4BE0_105F, "vminii.xyzw"),
    (0x4BE0_1060, "vaddq.xyzw"),
    (0x4BE0_1061, "vmaddq.xyzw"),
    (0x4BE0_1062, "vaddi.xyzw"),
    (0x4BE0_1063, "vmaddi.xyzw"),
    (0x4BE0_1064, "vsubq.xyzw"),
    (0x4BE0_1065, "vmsubq.xyzw"),
    (0x4BE0_1066, "vsubi.xyzw"),
    (0x4BE0_1067, "vmsubi.xyzw"),
    (0x4BE3_1068, "vadd.xyzw"),
    (0x4BE3_1069, "vmadd.xyzw"),
    (0x4BE3_106A, "vmul.xyzw"),
    (0x4BE3_106B, "vmax.xyzw"),
    (0x4BE3_106C, "vsub.xyzw"),
    (0x4BE3_106D, "vmsub.xyzw"),
    (0x4BC3_106E, "vopmsub.xyz"),
    (0x4BE3_106F, "vmini.xyzw"),
    (0x4A03_1070, "viadd"),
    (0x4A03_1071, "visub"),
    (0x4A01_1772, "viaddi"),
    (0x4A03_1074, "viand"),
    (0x4A03_1075, "vior"),
    (0x4A00_0838, "vcallms"),
    (0x4A00_D839, "vcallmsr"),
    (0x4BE3_103C, "vaddax.xyzw"),
    (0x4BE3_107D, "vsubay.xyzw"),
    (0x4BE3_10BE, "vmaddaz.xyzw"),
    (0x4BE3_10FF, "vmsubaw.xyzw"),
    (0x4BE1_113C, "vitof0.xyzw"),
    (0x4BE1_113D, "vitof4.xyzw"),
    (0x4BE1_113E, "vitof12.xyzw"),
    (0x4BE1_113F, "vitof15.xyzw"),
    (0x4BE1_117C, "vftoi0.xyzw"),
    (0x4BE1_117D, "vftoi4.xyzw"),
    (0x4BE1_117E, "vftoi12.xyzw"),
    (0x4BE1_117F, "vftoi15.xyzw"),
    (0x4BE3_11BC, "vmulax.xyzw"),
    (0x4BE0_11FC, "vmulaq.xyzw"),
    (0x4BE1_11FD, "vabs.xyzw"),
    (0x4BE0_11FE, "vmulai.xyzw"),
    (0x4BC3_11FF, "vclipw.xyz"),
    (0x4BE0_123C, "vaddaq.xyzw"),
    (0x4BE0_123D, "vmaddaq.xyzw"),
    (0x4BE0_123E, "vaddai.xyzw"),
    (0x4BE0_123F, "vmaddai.xyzw"),
    (0x4BE0_127C, "vsubaq.xyzw"),
    (0x4BE0_127D, "vmsubaq.xyzw"),
    (0x4BE0_127E, "vsubai.xyzw"),
    (0x4BE0_127F, "vmsubai.xyzw"),
    (0x4BE2_1ABC, "vadda.xyzw"),
    (0x4BE3_12BD, "vmadda.xyzw"),
    (0x4BE3_12BE, "vmula.xyzw"),
    (0x4BE3_12FC, "vsuba.xyzw"),
    (0x4BE2_1AFD, "vmsuba.xyzw"),
    (0x4BC3_12FE, "vopmula.xyz"),
    (0x4A00_02FF, "vnop"),
    (0x4BE1_133C, "vmove.xyzw"),
    (0x4BE1_133D, "vmr32.xyzw"),
    (0x4BE1_137C, "vlqi.xyzw"),
    (0x4BE2_0B7D, "vsqi.xyzw"),
    (0x4BE1_137E, "vlqd.xyzw"),
    (0x4BE2_0B7F, "vsqd.xyzw"),
    (0x4A82_0BBC, "vdiv"),
    (0x4B22_03BD, "vsqrt"),
    (0x4A62_0BBE, "vrsqrt"),
    (0x4A00_03BF, "vwaitq"),
    (0x4A01_13FC, "vmtir"),
    (0x4BE1_13FD, "vmfir.xyzw"),
    (0x4B01_13FE, "vilwr.x"),
    (0x4B01_13FF, "viswr.x"),
    (0x4BE1_043C, "vrnext.xyzw"),
    (0x4BE1_043D, "vrget.xyzw"),
    (0x4A00_0C3E, "vrinit"),
    (0x4A00_0C3F, "vrxor"),
];

#[test]
fn every_macro_instruction_decodes_to_the_binutils_mnemonic() {
    for &(word, objdump) in GNU_AS {
        let instr = decode(word).unwrap_or_else(|e| panic!("{objdump}: {e}"));
        assert_eq!(instr.op, Op::Vu0Macro, "{objdump}");
        let op = decode_macro(word).unwrap();
        let name = objdump.split('.').next().unwrap();
        match op.kind {
            // vclipw: the broadcast field is part of binutils' name.
            MacroKind::Unsupported(ours) => assert!(name.starts_with(ours), "{objdump} vs {ours}"),
            _ => assert_eq!(op.mnemonic(), name, "{word:#010x}"),
        }
    }
}

#[test]
fn reserved_functions_and_fixed_fields_are_illegal() {
    // Words binutils' disassembler does not know (objdump prints them as raw `c2`).
    let reserved = [
        vu_special1(0x33, XYZW, 3, 2, 1), // special1 0x33, 0x36, 0x37, 0x3A, 0x3B are unassigned
        vu_special1(0x36, XYZW, 3, 2, 1),
        vu_special1(0x3B, XYZW, 3, 2, 1),
        vu_special2(0x2B, XYZW, 1, 2), // special2 0x2B, 0x32, 0x33 and 0x44.. are unassigned
        vu_special2(0x32, XYZW, 1, 2),
        vu_special2(0x44, XYZW, 1, 2),
        vu_special2(0x7F, XYZW, 1, 2),
        vu_special1(0x1C, XYZW, 1, 2, 3), // vmulq with ft = 3 (the Q forms fix ft = 0)
        vu_special2(0x2E, XYZW, 1, 2),    // vopmula with dest xyzw (fixed to xyz)
        vu_special1(0x30, X, 3, 2, 1),    // viadd with a dest bit
        vu_special2(0x2F, 0, 0, 1),       // vnop with fs = 1
        vu_special2(0x3E, X | Y, 1, 2),   // vilwr with two fields
    ];
    for word in reserved {
        assert!(decode(word).is_err(), "{word:#010x} should be illegal");
    }
    // Their neighbours with the fixed fields right are legal.
    for word in [vu_special1(0x1C, XYZW, 1, 2, 0), vu_special2(0x2E, X | Y | Z, 1, 2), vu_special1(0x30, 0, 3, 2, 1)] {
        assert_eq!(decode(word).unwrap().op, Op::Vu0Macro, "{word:#010x}");
    }
}

const ONE: u32 = 0x3F80_0000;
const TWO: u32 = 0x4000_0000;
const THREE: u32 = 0x4040_0000;
const HALF: u32 = 0x3F00_0000;

/// Runs `program` with `quads` stored at DATA (each four float bit patterns) and returns the
/// CPU and the words at DATA afterwards.
fn run_vu(program: &[u32], quads: &[[u32; 4]]) -> (crate::Cpu, Vec<u32>) {
    let (cpu, mut bus) = run_with(program, |cpu, bus| {
        let words: Vec<u32> = quads.iter().flatten().copied().collect();
        bus.write_words(DATA, &words);
        cpu.gpr[A0 as usize] = DATA as u128;
    });
    let out = (0..4 * quads.len() as u32).map(|i| bus.load32(DATA + 4 * i).unwrap()).collect();
    (cpu, out)
}

#[test]
fn a_dot_product_accumulates_in_acc_with_broadcasts() {
    // vf1 = (1, 2, 3, 0.5), vf2 = (2, 2, 2, 2). ACC = vf1 * vf2.x, then ACC += vf1 * vf2.y;
    // vmaddw vf3 = ACC + vf1 * vf0.w (= 1): each field = 5 * vf1 = (5, 10, 15, 2.5).
    let program = [
        lqc2(1, 0, A0),
        lqc2(2, 16, A0),
        vu_special2(0x18, XYZW, 2, 1), // vmulax.xyzw ACC, vf1, vf2x
        vmaddabc(1, XYZW, 1, 2),       // vmadday.xyzw ACC, vf1, vf2y
        vmaddbc(3, XYZW, 3, 1, 0),     // vmaddw.xyzw vf3, vf1, vf0w
        sqc2(3, 32, A0),
        END,
    ];
    let (_, out) = run_vu(&program, &[[ONE, TWO, THREE, HALF], [TWO; 4], [0; 4]]);
    assert_eq!(&out[8..], &[0x40A0_0000, 0x4120_0000, 0x4170_0000, 0x4020_0000]);
}

#[test]
fn dest_masks_and_vf00_are_respected() {
    // vadd.xz vf1, vf2, vf2 writes only x and z; a write to vf0 is dropped; vf0 reads (0,0,0,1).
    let program = [
        lqc2(1, 0, A0),
        lqc2(2, 16, A0),
        vadd(X | Z, 1, 2, 2),
        vadd(XYZW, 0, 2, 2),
        sqc2(1, 0, A0),
        sqc2(0, 16, A0),
        END,
    ];
    let (cpu, out) = run_vu(&program, &[[HALF; 4], [ONE; 4]]);
    assert_eq!(&out[..4], &[TWO, HALF, TWO, HALF]);
    assert_eq!(&out[4..], &[0, 0, 0, ONE]);
    assert_eq!(cpu.vu0.vf[0], [0, 0, 0, ONE]);
}

#[test]
fn vu_floats_saturate_flush_and_truncate() {
    // x: 0x7F80_0000 is 2^128 on the VU (no infinity); * 2 = 2^129 saturates to 0x7FFF_FFFF.
    // y: the denormal 0x0000_0001 reads as +0; * 1 = +0.
    // z: 1.5 * (1 + 2^-23) = 1.5 + 1.5·2^-23: truncation keeps 0x3FC0_0001 (IEEE nearest-even
    //    would give 0x3FC0_0002).
    // w: -2^-100 * 2^-100 = -2^-200 flushes to -0.
    let program = [lqc2(1, 0, A0), lqc2(2, 16, A0), vmul(XYZW, 3, 1, 2), sqc2(3, 32, A0), END];
    let (_, out) = run_vu(
        &program,
        &[[0x7F80_0000, 0x0000_0001, 0x3FC0_0000, 0x8D80_0000], [TWO, ONE, 0x3F80_0001, 0x0D80_0000], [7; 4]],
    );
    assert_eq!(&out[8..], &[0x7FFF_FFFF, 0, 0x3FC0_0001, 0x8000_0000]);
}

#[test]
fn madd_rounds_the_product_before_adding() {
    // ACC = vf4·vf5 = -1. vmadd vf3 = ACC + vf1·vf2 with vf1 = 1 + 2^-23, vf2 = 1 - 2^-24: the
    // exact product 1 + 2^-24 - 2^-47 truncates to 1.0, so the sum is exactly 0. A fused
    // multiply-add would keep 2^-24 - 2^-47 (nonzero).
    let program = [
        lqc2(1, 0, A0),
        lqc2(2, 16, A0),
        lqc2(4, 32, A0),
        lqc2(5, 48, A0),
        vmula(XYZW, 4, 5),
        vu_special1(0x29, XYZW, 3, 1, 2), // vmadd.xyzw vf3, vf1, vf2
        sqc2(3, 0, A0),
        END,
    ];
    let (_, out) = run_vu(&program, &[[0x3F80_0001; 4], [0x3F7F_FFFF; 4], [0xBF80_0000; 4], [ONE; 4]]);
    assert_eq!(&out[..4], &[0; 4]);
}

#[test]
fn conversions_truncate_and_saturate() {
    // vitof0: 2^24 + 3 needs 25 bits and truncates to 2^24 + 2 (0x4B80_0001); -7 → -7.0.
    // vftoi0: -2.75 → -2; 3e9 saturates to 0x7FFF_FFFF. vftoi4: 1.5 → 24 (1.5·16).
    let program = [
        lqc2(1, 0, A0),
        lqc2(2, 16, A0),
        vu_special2(0x10, X | Y, 3, 1), // vitof0.xy vf3, vf1
        vu_special2(0x14, Z | W, 3, 2), // vftoi0.zw vf3, vf2
        sqc2(3, 32, A0),
        vu_special2(0x15, XYZW, 4, 2), // vftoi4 vf4, vf2
        sqc2(4, 48, A0),
        END,
    ];
    let (_, out) = run_vu(
        &program,
        &[[0x0100_0003, (-7i32) as u32, 0, 0], [0x3FC0_0000, 0, 0xC030_0000, 0x4F32_D05E], [0; 4], [0; 4]],
    );
    assert_eq!(&out[8..12], &[0x4B80_0001, 0xC0E0_0000, (-2i32) as u32, 0x7FFF_FFFF]);
    assert_eq!(out[12], 24);
}

#[test]
fn q_i_moves_and_the_cross_product() {
    // vdiv Q = vf1.x / vf2.y = 3 / 2; vmulq vf3 = vf1 * Q. ctc2 t0 → I = 2.0; vmuli vf4 = vf1 * I.
    // vopmula/vopmsub: (1,0,0) x (0,1,0) = (0,0,1). qmfc2/qmtc2 move all 128 bits.
    let program = [
        lqc2(1, 0, A0),
        lqc2(2, 16, A0),
        vu_special2(0x38, 0b0100, 2, 1), // vdiv Q, vf1x, vf2y (ftf = y: dest bits 24..23 = 01)
        vu_special1(0x1C, XYZW, 3, 1, 0), // vmulq.xyzw vf3, vf1, Q
        ctc2(T0, 21),
        vu_special1(0x1E, XYZW, 4, 1, 0), // vmuli.xyzw vf4, vf1, I
        lqc2(5, 32, A0),
        lqc2(6, 48, A0),
        vu_special2(0x2E, X | Y | Z, 6, 5), // vopmula.xyz ACC, vf5, vf6
        vu_special1(0x2E, X | Y | Z, 7, 6, 5), // vopmsub.xyz vf7, vf6, vf5
        qmfc2(T1, 7),
        qmtc2(T1, 8),
        sqc2(3, 0, A0),
        sqc2(4, 16, A0),
        sqc2(8, 32, A0),
        END,
    ];
    let (cpu, mut bus) = run_with(&program, |cpu, bus| {
        let words = [THREE, ONE, 0, 0, 0, TWO, 0, 0, ONE, 0, 0, 0, 0, ONE, 0, 0];
        bus.write_words(DATA, &words);
        cpu.gpr[A0 as usize] = DATA as u128;
        cpu.gpr[T0 as usize] = TWO as u128;
    });
    let mut word = |i: u32| bus.load32(DATA + 4 * i).unwrap();
    // Q = 1.5: vf3 = (4.5, 1.5, 0, 0); I = 2: vf4 = (6, 2, 0, 0).
    assert_eq!([word(0), word(1), word(2)], [0x4090_0000, 0x3FC0_0000, 0]);
    assert_eq!([word(4), word(5)], [0x40C0_0000, TWO]);
    // ACC = a.yzx*b.zxy with a=(1,0,0), b=(0,1,0): (0,0,1); vf7 = ACC - b.yzx*a.zxy = (0,0,1) - (0,0,-1)·… :
    // b.yzx*a.zxy = (1*0, 0*1, 0*0) = (0,0,0) → vf7.xyz = (0,0,1).
    assert_eq!([word(8), word(9), word(10)], [0, 0, ONE]);
    assert_eq!(cpu.vu0.vf[8][..3], cpu.vu0.vf[7][..3]);
}

#[test]
fn unaligned_lqc2_and_micro_mode_stop_the_run() {
    let (mut cpu, mut bus) = machine(&[lqc2(1, 4, A0), END]);
    cpu.gpr[A0 as usize] = DATA as u128;
    match cpu.run(&mut bus, 10) {
        Stop::Fault { fault, .. } => {
            assert_eq!(fault.kind, FaultKind::Misaligned);
            assert_eq!(fault.addr, DATA + 4);
        }
        other => panic!("unexpected {other}"),
    }
    let (mut cpu, mut bus) = machine(&[0x4A00_0838, END]); // vcallms 0x100
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Unimplemented { .. }));
}
