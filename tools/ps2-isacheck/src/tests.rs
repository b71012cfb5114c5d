use super::*;

const NOP: u32 = 0x0000_0000;
const ADDIU_SP: u32 = 0x27BD_FFF0; // addiu sp,sp,-16
const JR_RA: u32 = 0x03E0_0008; // jr ra

fn function(name: &str, address: u32, size: u32) -> Function {
    Function { name: name.into(), address, size }
}

/// Checks `words` as the body of one function at 0x100000.
fn check_body(words: &[u32]) -> Report {
    check_words(0x0010_0000, words, &[function("probe", 0x0010_0000, 4 * words.len() as u32)])
}

fn illegal_class(word: u32) -> Option<r5900::IllegalClass> {
    let report = check_body(&[ADDIU_SP, word, JR_RA, NOP]);
    match report.violations.as_slice() {
        [] => None,
        [v] => {
            assert_eq!(v.function, "probe");
            assert_eq!(v.offset, 4);
            assert_eq!(v.address, 0x0010_0004);
            assert_eq!(v.word, word);
            match v.problem {
                Problem::Illegal(illegal) => Some(illegal.class),
                _ => panic!("unexpected problem {v}"),
            }
        }
        more => panic!("expected one violation, got {more:?}"),
    }
}

#[test]
fn legal_code_is_clean() {
    for word in [
        ADDIU_SP,
        NOP,
        0x0085_0018, // mult a0,a1
        0x0085_1018, // mult v0,a0,a1 (R5900 three-operand)
        0x7C40_0000, // sq zero,0(v0)
        0x7840_0000, // lq zero,0(v0)
        0x4600_6024, // cvt.w.s (R5900 encoding, truncates)
        0x460E_6032, // c.eq.s
        0x460E_6034, // c.lt.s (R5900)
        0x460E_6036, // c.le.s (R5900)
        0x4200_0038, // ei
        0x4200_0039, // di
        0x0000_040F, // sync.p
    ] {
        assert_eq!(illegal_class(word), None, "{word:#010x} should be legal");
    }
}

#[test]
fn each_illegal_class_is_reported() {
    use r5900::IllegalClass::*;
    let cases = [
        (0xC082_0000, LoadLinkedStoreConditional), // ll v0,0(a0)
        (0xE082_0000, LoadLinkedStoreConditional), // sc v0,0(a0)
        (0xD082_0000, LoadLinkedStoreConditional), // lld
        (0xF082_0000, LoadLinkedStoreConditional), // scd
        (0x0085_001C, Mul64Div64),                 // dmult a0,a1
        (0x0085_001D, Mul64Div64),                 // dmultu
        (0x0085_001E, Mul64Div64),                 // ddiv
        (0x0085_001F, Mul64Div64),                 // ddivu
        (0x4624_1000, DoubleFloat),                // add.d $f0,$f2,$f4
        (0xD480_0000, Cop1Doubleword),             // ldc1 $f0,0(a0)
        (0xF480_0000, Cop1Doubleword),             // sdc1
        (0x4600_600D, FloatRoundMode),             // trunc.w.s (standard encoding)
        (0x460E_6035, FloatCompare),               // c.ult.s
        (0x460E_6031, FloatCompare),               // c.un.s
        (0x4C00_0000, Cop3),                       // COP3 / COP1X
        (0x7064_1002, Mips32R2),                   // mul v0,v1,a0 (SPECIAL2)
        (0x0417_0001, Reserved),                   // reserved REGIMM (the linker's padding word)
    ];
    for (word, class) in cases {
        assert_eq!(illegal_class(word), Some(class), "{word:#010x}");
    }
}

#[test]
fn violations_name_the_function_and_offset() {
    let functions = [function("first", 0x0010_0000, 8), function("second", 0x0010_0010, 8)];
    let words = [ADDIU_SP, JR_RA, LINKER_PADDING, LINKER_PADDING, NOP, 0x0085_001C];
    let report = check_words(0x0010_0000, &words, &functions);
    assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
    let v = &report.violations[0];
    assert_eq!((v.function.as_str(), v.offset, v.address), ("second", 4, 0x0010_0014));
    let text = v.to_string();
    assert!(text.starts_with("second+0x4 at 0x00100014: 0x0085001c (dmult)"), "{text}");
    // The padding between the functions was skipped, the rest counted.
    assert_eq!(report.words_checked, 4);
}

#[test]
fn padding_inside_a_sized_function_is_reported() {
    let report = check_body(&[ADDIU_SP, LINKER_PADDING, JR_RA, NOP]);
    assert_eq!(report.violations.len(), 1);
}

#[test]
fn unsized_symbols_extend_to_the_next_function_and_skip_trailing_padding() {
    // Hand-written assembly stubs have no size: their code still gets checked.
    let functions = [function("stub", 0x0010_0000, 0), function("next", 0x0010_0010, 4)];
    let words = [0x0085_001E, JR_RA, NOP, LINKER_PADDING, NOP];
    let report = check_words(0x0010_0000, &words, &functions);
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].function, "stub");
}

// A counting loop: `1: addiu v0,v0,-1; bnez v0,1b; <delay slot>`.
const DECREMENT: u32 = 0x2442_FFFF; // addiu v0,v0,-1
const BNEZ_BACK_1: u32 = 0x1440_FFFE; // bnez v0, to the previous instruction
const INCREMENT_V1: u32 = 0x2463_0001; // addiu v1,v1,1

#[test]
fn short_loop_with_work_in_the_delay_slot_is_reported() {
    let report = check_body(&[DECREMENT, BNEZ_BACK_1, INCREMENT_V1, JR_RA, NOP]);
    assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
    let v = &report.violations[0];
    assert_eq!(v.problem, Problem::ShortLoop { start: 0x0010_0000, length: 3 });
    assert_eq!(v.address, 0x0010_0008, "reported at the delay slot");
    assert!(v.to_string().contains("short-loop erratum"));
}

#[test]
fn short_loop_with_a_nop_delay_slot_is_fine() {
    assert!(check_body(&[DECREMENT, BNEZ_BACK_1, NOP, JR_RA, NOP]).is_clean());
}

#[test]
fn loops_longer_than_six_instructions_are_fine() {
    // Five body instructions + branch + delay slot = 7.
    let bnez_back_6 = 0x1440_0000 | ((-6i32 as u32) & 0xFFFF);
    let words = [DECREMENT, INCREMENT_V1, INCREMENT_V1, INCREMENT_V1, INCREMENT_V1, bnez_back_6, INCREMENT_V1, JR_RA, NOP];
    assert!(check_body(&words).is_clean());
    // Four body instructions + branch + delay slot = 6: reported.
    let bnez_back_5 = 0x1440_0000 | ((-5i32 as u32) & 0xFFFF);
    let words = [DECREMENT, INCREMENT_V1, INCREMENT_V1, INCREMENT_V1, bnez_back_5, INCREMENT_V1, JR_RA, NOP];
    assert_eq!(check_body(&words).violations.len(), 1);
}

#[test]
fn loops_with_another_branch_or_an_unconditional_branch_are_fine() {
    let beqz_forward = 0x1060_0002; // beqz v1, +2
    let words = [DECREMENT, beqz_forward, NOP, 0x1440_FFFD, INCREMENT_V1, JR_RA, NOP];
    assert!(check_body(&words).is_clean());
    let b_back = 0x1000_FFFE; // b (beq zero,zero) to the previous instruction
    assert!(check_body(&[DECREMENT, b_back, INCREMENT_V1, JR_RA, NOP]).is_clean());
}

#[test]
fn rust_symbols_are_demangled() {
    assert_eq!(demangle("_ZN7ps2_sys5debug6_print17h0123456789abcdefE"), "ps2_sys::debug::_print");
    assert_eq!(demangle("memcpy"), "memcpy");
}

#[test]
fn non_elf_input_is_a_clear_error() {
    let err = check_elf(b"not an elf").unwrap_err();
    assert!(err.to_string().starts_with("not a readable ELF file"), "{err}");
}
