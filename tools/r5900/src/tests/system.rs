//! Run-loop behaviour, COP0, interrupts, the cycle model and the decode cache.

use super::asm::*;
use crate::{cop0, Cpu, IllegalClass, Stop};

#[test]
fn syscall_and_break_stop_after_the_instruction() {
    let (mut cpu, mut bus) = machine(&[addiu(V1, ZERO, 0x3C), SYSCALL, addiu(V0, ZERO, 1), 0x0001_004D]);
    assert_eq!(cpu.run(&mut bus, 100), Stop::Syscall { pc: CODE + 4 });
    assert_eq!(cpu.pc, CODE + 8);
    assert_eq!(cpu.run(&mut bus, 100), Stop::Break { pc: CODE + 12, code: 0x401 });
    assert_eq!(cpu.reg(V0 as usize), 1);
    assert_eq!(cpu.instret, 4);
}

#[test]
fn illegal_instructions_are_never_executed() {
    let (mut cpu, mut bus) = machine(&[addiu(V0, ZERO, 1), 0x0085_001C, END]);
    match cpu.run(&mut bus, 100) {
        Stop::Illegal { pc, illegal } => {
            assert_eq!(pc, CODE + 4);
            assert_eq!(illegal.class, IllegalClass::Mul64Div64);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(cpu.pc, CODE + 4);
    assert_eq!(cpu.instret, 1);
    // VU0 micro-mode calls (vcallms 0x100, from GNU as) are legal but not interpreted.
    let (mut cpu, mut bus) = machine(&[0x4A00_0838, END]);
    assert!(matches!(cpu.run(&mut bus, 100), Stop::Unimplemented { pc: CODE, .. }));
}

#[test]
fn budget_never_splits_a_branch_from_its_delay_slot() {
    // loop: addiu v0,v0,1 ; beq zero,zero,loop ; addiu v1,v1,1
    let (mut cpu, mut bus) = machine(&[addiu(V0, V0, 1), beq(ZERO, ZERO, -2), addiu(V1, V1, 1)]);
    assert_eq!(cpu.run(&mut bus, 2), Stop::BudgetExhausted);
    assert_eq!(cpu.instret, 3);
    assert_eq!(cpu.pc, CODE);
    assert_eq!(cpu.run(&mut bus, 3000), Stop::BudgetExhausted);
    assert_eq!(cpu.reg(V0 as usize), 1001);
    assert_eq!(cpu.reg(V1 as usize), 1001);
}

#[test]
fn fetch_faults_and_misaligned_jumps() {
    let (mut cpu, mut bus) = machine(&[r_type(0x08, 0, A0, 0, 0), NOP]);
    cpu.gpr[A0 as usize] = (CODE + 2) as u128;
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Fault { pc, .. } if pc == CODE + 2));
    let mut cpu = Cpu::new(0x40);
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Fault { pc: 0x40, .. }));
}

#[test]
fn cop0_status_ei_di_eret_and_interrupts() {
    let (cpu, _) = run_with(
        &[
            ori(A0, ZERO, 1),
            mtc0(A0, cop0::STATUS as u32), // IE
            0x4200_0038,                   // ei
            mfc0(V0, cop0::STATUS as u32),
            mfc0(V1, cop0::PRID as u32),
            END,
        ],
        |_, _| {},
    );
    assert_eq!(cpu.reg(V0 as usize) as u32 & (cop0::STATUS_EIE | cop0::STATUS_IE), cop0::STATUS_EIE | cop0::STATUS_IE);
    assert!(cpu.interrupts_enabled());
    assert_eq!(cpu.reg(V1 as usize), 0x2E20);

    // An interrupt taken in a delay slot returns to the branch; eret resumes there.
    let handler = CODE + 0x100;
    let mut program = vec![beq(ZERO, ZERO, 2), addiu(V0, V0, 1), NOP, addiu(V1, ZERO, 5), END];
    program.resize(0x40, NOP);
    program.extend([addiu(T0, T0, 1), 0x4200_0018]); // handler: count, eret
    let (mut cpu, mut bus) = machine(&program);
    cpu.cop0[cop0::STATUS] |= cop0::STATUS_IE | cop0::STATUS_EIE;
    assert_eq!(cpu.run(&mut bus, 1), Stop::BudgetExhausted); // stops after the delay slot
    cpu.jump_to(CODE + 4); // put the CPU back in the delay slot for the test
    cpu.next_pc = CODE + 12;
    cpu.raise_interrupt(handler);
    assert_eq!(cpu.cop0[cop0::EPC], CODE);
    assert_ne!(cpu.cop0[cop0::CAUSE] & cop0::CAUSE_BD, 0);
    assert!(!cpu.interrupts_enabled());
    assert!(matches!(cpu.run(&mut bus, 100), Stop::Break { .. }));
    assert_eq!(cpu.reg(T0 as usize), 1);
    assert_eq!(cpu.reg(V0 as usize), 2); // delay slot ran once before, once after the interrupt
    assert_eq!(cpu.reg(V1 as usize), 5);
    assert!(cpu.interrupts_enabled());
}

#[test]
fn count_follows_cycles_and_can_be_written() {
    // Simple model: one cycle per instruction, so mfc0 sees the 3 instructions after mtc0.
    let program = [mtc0(ZERO, cop0::COUNT as u32), NOP, NOP, mfc0(V0, cop0::COUNT as u32), END];
    let (cpu, _) = run_with(&program, |cpu, _| cpu.set_timing(crate::TimingModel::Simple));
    assert_eq!(cpu.reg(V0 as usize), 3);
    // Calibrated model (EECUM Table 1-3): mtc0 (COP0, pipe 1) pairs with the first nop in
    // cycle 0; the second nop issues in cycle 1 and mfc0 pairs with it. Count is read when the
    // instruction executes, as the cycle after the last one fully used: 2 cycles after mtc0.
    let (cpu, _) = run_with(&program, |_, _| {});
    assert_eq!(cpu.reg(V0 as usize), 2);
}

#[test]
fn simple_cycle_model_charges_misses_and_hi_lo_stalls() {
    // The simple model: one cycle per instruction plus blocking costs.
    // Two loads of the same line: one miss, one hit.
    let (cpu, _) = run_with(&[load(0x23, V0, 0, T0), load(0x23, V1, 4, T0), END], |cpu, _| {
        cpu.set_timing(crate::TimingModel::Simple);
        cpu.gpr[T0 as usize] = DATA as u128;
    });
    assert_eq!((cpu.dcache.misses, cpu.dcache.hits), (1, 1));
    assert_eq!(cpu.cycles, 3 + crate::timing::DCACHE_MISS);
    // mflo right after div waits for the divider.
    let (cpu, _) = run_with(&[r_type(0x1A, 0, A0, A1, 0), r_type(0x12, V0, 0, 0, 0), END], |cpu, _| {
        cpu.set_timing(crate::TimingModel::Simple)
    });
    assert_eq!(cpu.cycles, 1 + crate::timing::DIV_LATENCY + 1);
    // Uncached accesses always pay.
    let mut bus = crate::TestBus::new(0x2010_0000, 0x100);
    bus.write_words(0x2010_0000, &[load(0x23, V0, 0x40, T0), load(0x23, V0, 0x40, T0), END]);
    let mut cpu = Cpu::new(0x2010_0000);
    cpu.set_timing(crate::TimingModel::Simple);
    cpu.gpr[T0 as usize] = 0x2010_0000;
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Break { .. }));
    assert_eq!(cpu.cycles, 3 + 2 * crate::timing::UNCACHED_ACCESS);
}

#[test]
fn self_modifying_code_is_seen() {
    // The decode cache is validated against the fetched word.
    let (mut cpu, mut bus) = machine(&[addiu(V0, ZERO, 1), END]);
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Break { .. }));
    bus.write_words(CODE, &[addiu(V0, ZERO, 2)]);
    cpu.jump_to(CODE);
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Break { .. }));
    assert_eq!(cpu.reg(V0 as usize), 2);
}

#[test]
fn context_round_trip() {
    let (mut cpu, mut bus) = machine(&[addiu(V0, ZERO, 7), END]);
    let saved = cpu.context();
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Break { .. }));
    cpu.set_context(&saved);
    assert_eq!(cpu.reg(V0 as usize), 0);
    assert_eq!(cpu.pc, CODE);
}
