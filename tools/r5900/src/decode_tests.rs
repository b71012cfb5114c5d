//! Decoder tests: hand-encoded words of every legal group and every illegal class.
//! Expected disassembly strings were cross-checked against
//! `mipsel-linux-gnu-objdump -m mips:5900 -D -b binary`.

use crate::{decode, IllegalClass, Op};

fn legal(word: u32) -> String {
    match decode(word) {
        Ok(instr) => instr.to_string(),
        Err(e) => panic!("{word:#010x} should be legal, got {e}"),
    }
}

fn illegal(word: u32) -> IllegalClass {
    match decode(word) {
        Ok(instr) => panic!("{word:#010x} should be illegal, decoded as {instr}"),
        Err(e) => {
            assert_eq!(e.word, word);
            e.class
        }
    }
}

#[test]
fn integer_instructions_disassemble_like_objdump() {
    let cases: &[(u32, &str)] = &[
        (0x27BD_FFF0, "addiu\tsp,sp,-16"),
        (0x0000_0000, "nop"),
        (0x0085_1021, "addu\tv0,a0,a1"),
        (0x0004_1080, "sll\tv0,a0,0x2"),
        (0x0004_10BC, "dsll32\tv0,a0,0x2"),
        (0x3C02_1234, "lui\tv0,0x1234"),
        (0x3442_5678, "ori\tv0,v0,0x5678"),
        (0x8FBF_0010, "lw\tra,16(sp)"),
        (0x7BA4_0020, "lq\ta0,32(sp)"),
        (0x7FA4_0020, "sq\ta0,32(sp)"),
        (0x03E0_0008, "jr\tra"),
        (0x0040_F809, "jalr\tv0"),
        (0x0000_000C, "syscall"),
        (0x0000_000D, "break"),
        (0x0085_000B, "movn\tzero,a0,a1"),
        (0x0085_1018, "mult\tv0,a0,a1"),
        (0x0085_001A, "div\ta0,a1"),
        (0x0000_040F, "sync.p"),
        (0x0000_000F, "sync"),
        (0x0000_1028, "mfsa\tv0"),
        (0x0480_0000 | 0x1_0000 | 3, "bgez\ta0,.+16"),
        (0x1085_FFFF, "beq\ta0,a1,.+0"),
        (0x0810_0000, "j\t0x400000"),
    ];
    for &(word, text) in cases {
        assert_eq!(legal(word), text, "word {word:#010x}");
    }
    // Absolute targets when the address is known.
    let beq = decode(0x1085_0003).unwrap();
    assert_eq!(beq.display_at(0x1000).to_string(), "beq\ta0,a1,0x1010");
    let jal = decode(0x0C10_0000).unwrap();
    assert_eq!(jal.display_at(0x1000_0000).to_string(), "jal\t0x10400000");
}

#[test]
fn r5900_extensions_are_legal() {
    let cases: &[(u32, &str)] = &[
        (0x7000_0020, "madd1\tzero,zero"),
        (0x7000_0021, "maddu1\tzero,zero"),
        (0x7085_1000, "madd\tv0,a0,a1"),
        (0x7080_1004, "plzcw\tv0,a0"),
        (0x7085_1008, "paddw\tv0,a0,a1"),
        (0x7085_14A8, "pextuw\tv0,a0,a1"),
        (0x7085_1489, "pand\tv0,a0,a1"),
        (0x7085_14A9, "por\tv0,a0,a1"),
        (0x7085_14E9, "pnor\tv0,a0,a1"),
        (0x7005_16E9, "pcpyh\tv0,a1"),
        (0x7000_1030, "pmfhl.lw\tv0"),
        (0x7000_10F0, "pmfhl.lh\tv0"),
        (0x7005_1074, "psllh\tv0,a1,0x1"),
        (0x7000_1010, "mfhi1\tv0"),
        (0x7085_0018, "mult1\ta0,a1"),
        (0x0480_0004 | (0x18 << 16), "mtsab\ta0,4"),
        (0x4200_0038, "ei"),
        (0x4200_0039, "di"),
        (0x4200_0018, "eret"),
        (0x4002_6000, "mfc0\tv0,$12"),
        (0x4482_6000, "mtc1\tv0,$f12"),
        (0x4442_F800, "cfc1\tv0,$31"),
        (0x4501_0002, "bc1t\t.+12"),
        (0x4600_6024, "cvt.w.s\t$f0,$f12"),
        (0x4680_6020, "cvt.s.w\t$f0,$f12"),
        (0x4601_6000, "add.s\t$f0,$f12,$f1"),
        (0x4601_0004, "sqrt.s\t$f0,$f1"),
        (0x4600_6030, "c.f.s\t$f12,$f0"),
        (0x4600_6032, "c.eq.s\t$f12,$f0"),
        (0x4600_6034, "c.lt.s\t$f12,$f0"),
        (0x4600_6036, "c.le.s\t$f12,$f0"),
        (0x4600_601C, "madd.s\t$f0,$f12,$f0"),
        (0x4600_6016, "rsqrt.s\t$f0,$f12,$f0"),
        (0x4601_6018, "adda.s\t$f12,$f1"),
        (0x4601_6028, "max.s\t$f0,$f12,$f1"),
        (0xC482_0004, "lwc1\t$f2,4(a0)"),
        (0xBC80_0000 | (0x1A << 16), "cache\t0x1a,0(a0)"),
        (0xCC80_0000, "pref\t0x0,0(a0)"),
    ];
    for &(word, text) in cases {
        assert_eq!(legal(word), text, "word {word:#010x}");
    }
    // VU0 macro-mode operations are legal EE instructions (not interpreted).
    assert_eq!(decode(0x4A00_0000 | (0x10 << 21)).unwrap().op, Op::Vu0Macro);
    assert_eq!(decode(0xD880_0000).unwrap().op, Op::Lqc2);
}

#[test]
fn illegal_classes() {
    use IllegalClass::*;
    let cases: &[(u32, IllegalClass, &str)] = &[
        (0xC082_0000, LoadLinkedStoreConditional, "ll"),
        (0xE082_0000, LoadLinkedStoreConditional, "sc"),
        (0xD082_0000, LoadLinkedStoreConditional, "lld"),
        (0xF082_0000, LoadLinkedStoreConditional, "scd"),
        (0x0085_001C, Mul64Div64, "dmult"),
        (0x0085_001D, Mul64Div64, "dmultu"),
        (0x0085_001E, Mul64Div64, "ddiv"),
        (0x0085_001F, Mul64Div64, "ddivu"),
        (0x4622_0000, DoubleFloat, "fmt.d"),
        (0x4600_6021, DoubleFloat, "cvt.d.s"),
        (0x4620_6020, DoubleFloat, "fmt.d"),
        (0x4600_6025, DoubleFloat, "cvt.l.s"),
        (0x4680_6021, DoubleFloat, "cvt.d.w"),
        (0x46C0_0000, DoubleFloat, "fmt.ps"),
        (0xD480_0000, Cop1Doubleword, "ldc1"),
        (0xF480_0000, Cop1Doubleword, "sdc1"),
        (0x4422_0000, Cop1Doubleword, "dmfc1"),
        (0x44A2_0000, Cop1Doubleword, "dmtc1"),
        (0x4600_600D, FloatRoundMode, "trunc.w.s"),
        (0x4600_600C, FloatRoundMode, "round.w.s"),
        (0x4600_600E, FloatRoundMode, "ceil.w.s"),
        (0x4600_600F, FloatRoundMode, "floor.w.s"),
        (0x4600_6031, FloatCompare, "c.un.s"),
        (0x4600_6033, FloatCompare, "c.ueq.s"),
        (0x4600_6035, FloatCompare, "c.ult.s"),
        (0x4600_6037, FloatCompare, "c.ule.s"),
        (0x4600_603C, FloatCompare, "c.lt.s (standard encoding)"),
        (0x4600_603E, FloatCompare, "c.le.s (standard encoding)"),
        (0x4C00_0000, Cop3, "cop3"),
        (0xEC00_0000, Cop3, "swc3"),
        (0x7085_1002, Mips32R2, "mul"),
        (0x0024_1042, Mips32R2, "rotr"),
        (0x03E0_0408, Mips32R2, "jr.hb"),
        (0x041F_0000, Mips32R2, "synci"),
        (0x4160_6000, Mips32R2, "mfmc0"),
        (0x4462_0000, Mips32R2, "mfhc1"),
        (0x7400_0000, Reserved, "jalx"),
        (0x0000_0005, Reserved, "reserved"),
        (0x7000_0028, Reserved, "reserved"),
        (0x7000_0170, Reserved, "reserved"),
        (0x4200_0000 | 0x3F, Reserved, "reserved"),
    ];
    for &(word, class, mnemonic) in cases {
        assert_eq!(illegal(word), class, "word {word:#010x}");
        assert_eq!(decode(word).unwrap_err().mnemonic, mnemonic, "word {word:#010x}");
    }
    let message = decode(0x4600_600D).unwrap_err().to_string();
    assert!(message.contains("trunc.w.s") && message.contains("cvt.w.s"), "{message}");
}

#[test]
fn every_op_is_reachable_and_named_uniquely() {
    // Decode every primary/function/sub-function combination and check that each Op appears,
    // so no variant is dead and no decode arm is shadowed.
    let mut seen = std::collections::HashSet::new();
    for opcode in 0..64u32 {
        for rs in 0..32u32 {
            for rt in [0u32, 1, 2, 3, 8, 9, 10, 11, 12, 14, 16, 17, 18, 19, 24, 25] {
                let sa_values: &[u32] = if opcode == 0x1C { &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] } else { &[0] };
                for &sa in sa_values {
                    for funct in 0..64u32 {
                        let word = (opcode << 26) | (rs << 21) | (rt << 16) | (1 << 11) | (sa << 6) | funct;
                        if let Ok(instr) = decode(word) {
                            seen.insert(instr.op);
                        }
                    }
                }
            }
        }
    }
    seen.insert(Op::Nop); // only the all-zero word, which the sweep above (rd = 1) skips
    let missing: Vec<_> = Op::ALL.iter().filter(|op| !seen.contains(op)).collect();
    assert!(missing.is_empty(), "never decoded: {missing:?}");
    let names: std::collections::HashSet<_> = Op::ALL.iter().map(|op| op.mnemonic()).collect();
    assert_eq!(names.len(), Op::ALL.len());
}
