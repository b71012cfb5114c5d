//! ALU, shifts, 64-bit ops, branches and delay slots, loads/stores, multiply/divide.

use super::asm::*;
use crate::{Exception, FaultKind, Stop};

const ADDU: u32 = 0x21;
const SUBU: u32 = 0x23;

#[test]
fn alu_results_are_sign_extended_32_bit() {
    let cpu = run(&[
        li(A0, 0x7FFF_FFFF)[0],
        li(A0, 0x7FFF_FFFF)[1],
        addiu(A1, ZERO, 1),
        r_type(ADDU, V0, A0, A1, 0),       // 0x8000_0000 sign-extended
        r_type(SUBU, V1, ZERO, A1, 0),     // -1
        r_type(0x2A, T0, V0, ZERO, 0),     // slt: negative < 0
        r_type(0x2B, T1, ZERO, V0, 0),     // sltu: 0 < huge
        i_type(0x0B, T2, A1, -1),          // sltiu 1 < 0xFFFF..FF
        r_type(0x27, T3, ZERO, ZERO, 0),   // nor -> all ones
        i_type(0x0E, S0, A1, 0xFFFF),      // xori zero-extends
        lui(SP, 0x8000),                   // lui sign-extends
        END,
    ]);
    assert_eq!(cpu.reg(V0 as usize), 0xFFFF_FFFF_8000_0000);
    assert_eq!(cpu.reg(V1 as usize), u64::MAX);
    assert_eq!(cpu.reg(T0 as usize), 1);
    assert_eq!(cpu.reg(T1 as usize), 1);
    assert_eq!(cpu.reg(T2 as usize), 1);
    assert_eq!(cpu.reg(T3 as usize), u64::MAX);
    assert_eq!(cpu.reg(S0 as usize), 0xFFFE);
    assert_eq!(cpu.reg(SP as usize), 0xFFFF_FFFF_8000_0000);
    assert_eq!(cpu.reg(0), 0);
}

#[test]
fn writes_to_zero_register_are_discarded() {
    let cpu = run(&[addiu(ZERO, ZERO, 5), r_type(ADDU, V0, ZERO, ZERO, 0), END]);
    assert_eq!(cpu.gpr[0], 0);
    assert_eq!(cpu.reg(V0 as usize), 0);
}

#[test]
fn signed_overflow_raises_an_exception_without_writing() {
    let program = [li(A0, 0x7FFF_FFFF)[0], li(A0, 0x7FFF_FFFF)[1], addiu(V0, ZERO, 9), i_type(0x08, V0, A0, 1), END];
    let (mut cpu, mut bus) = machine(&program);
    let stop = cpu.run(&mut bus, 100);
    assert_eq!(stop, Stop::Exception { pc: CODE + 12, exception: Exception::IntegerOverflow });
    assert_eq!(cpu.pc, CODE + 12);
    assert_eq!(cpu.reg(V0 as usize), 9);
    assert_eq!(cpu.instret, 3);
}

#[test]
fn shifts_32_and_64_bit() {
    let cpu = run(&[
        li(A0, 0x8000_0001)[0],
        li(A0, 0x8000_0001)[1],
        addiu(A1, ZERO, 4),
        r_type(0x00, V0, 0, A0, 4),  // sll
        r_type(0x02, V1, 0, A0, 4),  // srl
        r_type(0x03, T0, 0, A0, 4),  // sra
        r_type(0x07, T1, A1, A0, 0), // srav
        r_type(0x3C, T2, 0, A0, 4),  // dsll32: shift by 36
        r_type(0x3E, T3, 0, A0, 0),  // dsrl32 by 32 of a negative 64-bit value
        r_type(0x3B, S0, 0, A0, 1),  // dsra
        r_type(0x14, SP, A1, A0, 0), // dsllv
        END,
    ]);
    assert_eq!(cpu.reg(V0 as usize), 0x10);
    assert_eq!(cpu.reg(V1 as usize), 0x0800_0000);
    assert_eq!(cpu.reg(T0 as usize), 0xFFFF_FFFF_F800_0000);
    assert_eq!(cpu.reg(T1 as usize), 0xFFFF_FFFF_F800_0000);
    assert_eq!(cpu.reg(T2 as usize), 0x0000_0010_0000_0000);
    assert_eq!(cpu.reg(T3 as usize), 0xFFFF_FFFF);
    assert_eq!(cpu.reg(S0 as usize), 0xFFFF_FFFF_C000_0000);
    assert_eq!(cpu.reg(SP as usize), 0xFFFF_FFF8_0000_0010);
}

#[test]
fn doubleword_arithmetic_and_upper_halves_are_kept() {
    let (cpu, _) = run_with(
        &[
            load(0x1E, A0, 0, T0),            // lq a0, 0(t0)
            daddiu(A0, A0, 1),                // writes only the low 64 bits
            r_type(0x2D, V0, A0, A0, 0),      // daddu
            r_type(0x2F, V1, ZERO, A0, 0),    // dsubu
            END,
        ],
        |cpu, bus| {
            cpu.gpr[T0 as usize] = DATA as u128;
            crate::Bus::store128(bus, DATA, 0x1111_2222_3333_4444_0000_0000_FFFF_FFFF).unwrap();
        },
    );
    assert_eq!(cpu.gpr[A0 as usize], 0x1111_2222_3333_4444_0000_0001_0000_0000);
    assert_eq!(cpu.reg(V0 as usize), 0x2_0000_0000);
    assert_eq!(cpu.reg(V1 as usize), (-0x1_0000_0000i64) as u64);
}

#[test]
fn branch_delay_slots_and_likely_branches() {
    let cpu = run(&[
        addiu(A0, ZERO, 1),
        beq(A0, A0, 2),           // taken, skips one instruction after the slot
        addiu(V0, ZERO, 10),      // delay slot: executed
        addiu(V0, ZERO, 99),      // skipped
        i_type(0x15, A0, A0, 2),  // bnel a0,a0: not taken -> delay slot annulled
        addiu(V1, ZERO, 77),      // annulled
        i_type(0x14, A0, A0, 1),  // beql a0,a0: taken -> delay slot runs
        addiu(T0, ZERO, 5),
        bne(A0, ZERO, 2),         // taken
        NOP,
        addiu(T1, ZERO, 1),       // skipped
        END,
    ]);
    assert_eq!(cpu.reg(V0 as usize), 10);
    assert_eq!(cpu.reg(V1 as usize), 0);
    assert_eq!(cpu.reg(T0 as usize), 5);
    assert_eq!(cpu.reg(T1 as usize), 0);
}

#[test]
fn jumps_and_links() {
    let target = CODE + 0x40;
    let mut program = vec![
        (0x03 << 26) | (target >> 2 & 0x03FF_FFFF), // jal target
        addiu(A0, ZERO, 3),                          // delay slot
        addiu(V0, V0, 100),                          // return point
        // bgezal zero, +? : link even when taken
        i_type(0x01, 0x11, ZERO, 3),
        NOP,
        END,
        NOP,
        END,
        addiu(V1, ZERO, 1), // bgezal target (offset 3 from the branch's slot)
        END,
    ];
    program.resize(16, NOP);
    program.extend([
        addiu(V0, A0, 1),              // at target
        r_type(0x08, 0, RA, 0, 0),     // jr ra
        NOP,
    ]);
    let cpu = run(&program);
    assert_eq!(cpu.reg(V0 as usize), 104);
    assert_eq!(cpu.reg(V1 as usize), 0);
    assert_eq!(cpu.reg(RA as usize), (CODE + 20) as u64);
}

#[test]
fn jalr_links_to_rd_and_calls_are_counted() {
    let target = CODE + 0x20;
    let mut program = vec![li(T0, target)[0], li(T0, target)[1], r_type(0x09, S0, T0, 0, 0), NOP, END];
    program.resize(8, NOP);
    program.extend([r_type(0x08, 0, S0, 0, 0), addiu(V0, ZERO, 42)]);
    let (mut cpu, mut bus) = machine(&program);
    let counter = cpu.watch_calls_to(target);
    assert!(matches!(cpu.run(&mut bus, 100), Stop::Break { .. }));
    assert_eq!(cpu.reg(V0 as usize), 42);
    assert_eq!(cpu.reg(S0 as usize), (CODE + 16) as u64);
    assert_eq!(cpu.call_counts()[counter], 1);
}

#[test]
fn loads_and_stores_of_every_width() {
    let (cpu, bus) = run_with(
        &[
            load(0x20, V0, 0, T0), // lb
            load(0x24, V1, 0, T0), // lbu
            load(0x21, A0, 2, T0), // lh
            load(0x25, A1, 2, T0), // lhu
            load(0x23, A2, 4, T0), // lw
            load(0x27, A3, 4, T0), // lwu
            load(0x37, T1, 8, T0), // ld
            load(0x28, V0, 16, T0), // sb
            load(0x29, A0, 18, T0), // sh
            load(0x2B, A2, 20, T0), // sw
            load(0x3F, T1, 24, T0), // sd
            load(0x1F, T1, 0x2F, T0), // sq ignores the low 4 bits: stores at +0x20
            END,
        ],
        |cpu, bus| {
            cpu.gpr[T0 as usize] = DATA as u128;
            cpu.gpr[T1 as usize] = 0xAAAA_u128 << 64;
            bus.write_words(DATA, &[0x8001_80FF, 0x9000_0001, 0x89AB_CDEF, 0x0123_4567]);
        },
    );
    assert_eq!(cpu.reg(V0 as usize), (-1i64) as u64);
    assert_eq!(cpu.reg(V1 as usize), 0xFF);
    assert_eq!(cpu.reg(A0 as usize), 0xFFFF_FFFF_FFFF_8001);
    assert_eq!(cpu.reg(A1 as usize), 0x8001);
    assert_eq!(cpu.reg(A2 as usize), 0xFFFF_FFFF_9000_0001);
    assert_eq!(cpu.reg(A3 as usize), 0x9000_0001);
    assert_eq!(cpu.reg(T1 as usize), 0x0123_4567_89AB_CDEF);
    let word = |addr: u32| u32::from_le_bytes(bus.ram[(addr - CODE) as usize..][..4].try_into().unwrap());
    assert_eq!(word(DATA + 16), 0x8001_00FF);
    assert_eq!(word(DATA + 20), 0x9000_0001);
    assert_eq!((word(DATA + 24), word(DATA + 28)), (0x89AB_CDEF, 0x0123_4567));
    assert_eq!((word(DATA + 0x20), word(DATA + 0x28)), (0x89AB_CDEF, 0xAAAA));
}

#[test]
fn misaligned_and_unmapped_accesses_fault_at_the_instruction() {
    let (mut cpu, mut bus) = machine(&[addiu(T0, ZERO, 2), load(0x23, V0, 0, T0), END]);
    let stop = cpu.run(&mut bus, 100);
    assert!(matches!(stop, Stop::Fault { pc, fault } if pc == CODE + 4 && fault.kind == FaultKind::Misaligned && fault.addr == 2));
    assert_eq!(cpu.pc, CODE + 4);

    let (mut cpu, mut bus) = machine(&[load(0x23, V0, 0, ZERO), END]);
    let stop = cpu.run(&mut bus, 100);
    assert!(matches!(stop, Stop::Fault { fault, .. } if fault.kind == FaultKind::Unmapped && fault.addr == 0));
    assert_eq!(cpu.instret, 0);
}

#[test]
fn unaligned_word_and_doubleword_pairs() {
    // Little-endian idiom: lwl rt, 3(a); lwr rt, 0(a) loads the word at a.
    let (cpu, bus) = run_with(
        &[
            load(0x22, V0, 3, T0), // lwl v0, 3(t0)  (t0 = DATA+1)
            load(0x26, V0, 0, T0), // lwr v0, 0(t0)
            load(0x1A, V1, 7, T0), // ldl v1, 7(t0)
            load(0x1B, V1, 0, T0), // ldr v1, 0(t0)
            load(0x2A, A0, 0x13, T0), // swl a0, 0x13(t0) -> bytes DATA+0x11..0x14
            load(0x2E, A0, 0x10, T0), // swr a0, 0x10(t0)
            load(0x2C, A0, 0x2A, T0), // sdl a0, 0x2A(t0)
            load(0x2D, A0, 0x23, T0), // sdr a0, 0x23(t0) -> bytes DATA+0x24..0x2B
            END,
        ],
        |cpu, bus| {
            cpu.gpr[T0 as usize] = (DATA + 1) as u128;
            cpu.gpr[A0 as usize] = 0x1122_3344_5566_7788;
            bus.write_words(DATA, &[0x4433_2211, 0x8877_6655, 0xCCBB_AA99]);
        },
    );
    assert_eq!(cpu.reg(V0 as usize), 0x5544_3322);
    assert_eq!(cpu.reg(V1 as usize), 0x9988_7766_5544_3322);
    let bytes = |addr: u32, n: usize| bus.ram[(addr - CODE) as usize..][..n].to_vec();
    assert_eq!(bytes(DATA + 0x10, 6), [0, 0x88, 0x77, 0x66, 0x55, 0]);
    assert_eq!(bytes(DATA + 0x23, 10), [0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0]);
}

#[test]
fn multiply_divide_and_hi_lo() {
    let cpu = run(&[
        addiu(A0, ZERO, -7),
        addiu(A1, ZERO, 2),
        r_type(0x18, V0, A0, A1, 0),     // mult v0,a0,a1 -> -14
        r_type(0x10, V1, 0, 0, 0),       // mfhi -> -1
        r_type(0x1A, 0, A0, A1, 0),      // div: q -3, r -1
        r_type(0x12, T0, 0, 0, 0),       // mflo
        r_type(0x10, T1, 0, 0, 0),       // mfhi
        r_type(0x1B, 0, A0, ZERO, 0),    // divu by zero
        r_type(0x12, T2, 0, 0, 0),
        r_type(0x10, T3, 0, 0, 0),
        END,
    ]);
    assert_eq!(cpu.reg(V0 as usize), (-14i64) as u64);
    assert_eq!(cpu.reg(V1 as usize), u64::MAX);
    assert_eq!(cpu.reg(T0 as usize), (-3i64) as u64);
    assert_eq!(cpu.reg(T1 as usize), (-1i64) as u64);
    assert_eq!(cpu.reg(T2 as usize), u64::MAX);
    assert_eq!(cpu.reg(T3 as usize), (-7i64) as u64);
}

#[test]
fn multiply_accumulate_and_pipeline_one() {
    let cpu = run(&[
        li(A0, 0x0001_0000)[0],
        addiu(A1, ZERO, 3),
        r_type(0x19, 0, A0, A0, 0),          // multu: 2^32 -> hi 1, lo 0
        mmi(0x00, 0, V0, A1, A1),            // madd v0,a1,a1: {hi,lo} += 9
        mmi(0x18, 0, V1, A1, A1),            // mult1 v1: 9 into LO1
        mmi(0x21, 0, T0, A1, A1),            // maddu1: LO1 = 18
        mmi(0x12, 0, T1, 0, 0),              // mflo1
        r_type(0x10, T2, 0, 0, 0),           // mfhi (pipeline 0 untouched by pipeline 1)
        mmi(0x1A, 0, 0, A1, ZERO),           // div1 by zero
        mmi(0x10, 0, T3, 0, 0),              // mfhi1 -> dividend
        END,
    ]);
    assert_eq!(cpu.reg(V0 as usize), 9);
    assert_eq!(cpu.reg(V1 as usize), 9);
    assert_eq!(cpu.reg(T0 as usize), 18);
    assert_eq!(cpu.reg(T1 as usize), 18);
    assert_eq!(cpu.reg(T2 as usize), 1);
    assert_eq!(cpu.reg(T3 as usize), 3);
}

#[test]
fn movz_movn_traps_and_sa() {
    let program = [
        addiu(A0, ZERO, 5),
        r_type(0x0A, V0, A0, ZERO, 0), // movz v0,a0,zero -> moves
        r_type(0x0B, V1, A0, ZERO, 0), // movn v1,a0,zero -> no move
        i_type(0x01, 0x18, A0, 3),     // mtsab a0,3 -> sa = 5^3 = 6
        r_type(0x28, T0, 0, 0, 0),     // mfsa
        r_type(0x34, 0, A0, A0, 0),    // teq a0,a0 -> trap
        END,
    ];
    let (mut cpu, mut bus) = machine(&program);
    assert_eq!(cpu.run(&mut bus, 100), Stop::Exception { pc: CODE + 20, exception: Exception::Trap });
    assert_eq!(cpu.reg(V0 as usize), 5);
    assert_eq!(cpu.reg(V1 as usize), 0);
    assert_eq!(cpu.reg(T0 as usize), 6);
}

#[test]
fn partial_lwr_keeps_the_upper_bytes_and_lwl_sign_extends() {
    let (cpu, _) = run_with(
        &[load(0x26, V0, 2, T0), load(0x22, V1, 1, T0), END], // lwr v0,2(t0); lwl v1,1(t0)
        |cpu, bus| {
            cpu.gpr[T0 as usize] = DATA as u128;
            cpu.gpr[V0 as usize] = 0x1111_2222_3333_4444;
            cpu.gpr[V1 as usize] = 0x1111_2222_3333_4444;
            bus.write_words(DATA, &[0x8877_E655]);
        },
    );
    // lwr at offset 2 replaces the low two bytes only; bits 63..32 stay as they were.
    assert_eq!(cpu.reg(V0 as usize), 0x1111_2222_3333_8877);
    // lwl at offset 1 fills the top two bytes of the word and sign-extends it.
    assert_eq!(cpu.reg(V1 as usize), 0xFFFF_FFFF_E655_4444);
}

#[test]
fn immediate_traps_and_doubleword_overflow() {
    let (mut cpu, mut bus) = machine(&[addiu(A0, ZERO, -1), i_type(0x01, 0x0E, A0, -1), i_type(0x01, 0x0C, A0, -1), END]);
    // tnei a0,-1 does not trap; teqi a0,-1 does.
    assert_eq!(cpu.run(&mut bus, 10), Stop::Exception { pc: CODE + 8, exception: Exception::Trap });
    let (mut cpu, mut bus) = machine(&[i_type(0x18, V0, A0, 1), END]); // daddi v0,a0,1
    cpu.gpr[A0 as usize] = i64::MAX as u128;
    assert_eq!(cpu.run(&mut bus, 10), Stop::Exception { pc: CODE, exception: Exception::IntegerOverflow });
}

#[test]
fn cop0_condition_branches_follow_cpcond0() {
    let program = [0x4100_0002, NOP, addiu(V0, ZERO, 1), END]; // bc0f to END
    let (mut cpu, mut bus) = machine(&program);
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Break { .. }));
    assert_eq!(cpu.reg(V0 as usize), 1, "cpcond0 true: bc0f falls through");
    let (mut cpu, mut bus) = machine(&program);
    cpu.cpcond0 = false;
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Break { .. }));
    assert_eq!(cpu.reg(V0 as usize), 0, "cpcond0 false: bc0f skips the addiu");
}
