//! Micro-benchmarks of the calibrated cycle model. Each expected count is derived by hand in
//! the comment from the rule's source (the tags are those of `shared/reference/ee-timing-vu0.md`
//! and `TIMING.md`), cycle by cycle: "@n" means "issues in cycle n" counted from the first
//! instruction of the measured run. A run's cycle count is the cycle after the last issue.
//!
//! Most tests measure a second, warm run of the program (the first run fills the I-cache; the
//! pipeline is drained between the runs), so that a miss of the instruction cache does not hide
//! the rule under test.

use super::asm::*;
use super::dcache::MirrorBus;
use crate::timing::*;
use crate::{Cpu, Stop, TimingModel};

const LW: u32 = 0x23;
const SW: u32 = 0x2B;
const LWC1: u32 = 0x31;
const PREF: u32 = 0x33;

fn load_program(bus: &mut MirrorBus, program: &[u32]) {
    for (i, w) in program.iter().enumerate() {
        bus.at(CODE + 4 * i as u32, 4).unwrap().copy_from_slice(&w.to_le_bytes());
    }
}

fn run_once(cpu: &mut Cpu, bus: &mut MirrorBus) -> u64 {
    let start = cpu.cycles;
    cpu.jump_to(CODE);
    match cpu.run(bus, 10_000) {
        Stop::Break { code: 0x3FF, .. } => cpu.cycles - start,
        other => panic!("stopped with {other}"),
    }
}

/// Cycles of the first (cold) run of `program` on a fresh calibrated CPU.
fn cold(program: &[u32], setup: impl FnOnce(&mut Cpu)) -> (u64, Cpu) {
    let mut bus = MirrorBus::new();
    load_program(&mut bus, program);
    let mut cpu = Cpu::new(CODE);
    setup(&mut cpu);
    let cycles = run_once(&mut cpu, &mut bus);
    (cycles, cpu)
}

/// Cycles of the second run of `program` (I-cache warm, pipeline drained); `setup` prepares
/// each run (its argument is the run's number, 0 or 1).
fn warm(program: &[u32], mut setup: impl FnMut(&mut Cpu, u32)) -> u64 {
    let mut bus = MirrorBus::new();
    load_program(&mut bus, program);
    let mut cpu = Cpu::new(CODE);
    setup(&mut cpu, 0);
    run_once(&mut cpu, &mut bus);
    // Idle long enough for every pending miss and buffered store to finish, and drain the
    // pipeline; caches and predictors stay.
    cpu.cycles += 10_000;
    cpu.set_timing(TimingModel::Calibrated);
    setup(&mut cpu, 1);
    run_once(&mut cpu, &mut bus)
}

fn no_setup(_: &mut Cpu, _: u32) {}

fn mult(rd: u32, rs: u32, rt: u32) -> u32 {
    r_type(0x18, rd, rs, rt, 0)
}
fn mult1(rd: u32, rs: u32, rt: u32) -> u32 {
    mmi(0x18, 0, rd, rs, rt)
}
fn div(rs: u32, rt: u32) -> u32 {
    r_type(0x1A, 0, rs, rt, 0)
}
fn mflo(rd: u32) -> u32 {
    r_type(0x12, rd, 0, 0, 0)
}
fn add_s(fd: u32, fs: u32, ft: u32) -> u32 {
    fpu_s(0x00, fd, fs, ft)
}
fn div_s(fd: u32, fs: u32, ft: u32) -> u32 {
    fpu_s(0x03, fd, fs, ft)
}
fn mula_s(fs: u32, ft: u32) -> u32 {
    fpu_s(0x1A, 0, fs, ft)
}
fn madda_s(fs: u32, ft: u32) -> u32 {
    fpu_s(0x1E, 0, fs, ft)
}
fn madd_s(fd: u32, fs: u32, ft: u32) -> u32 {
    fpu_s(0x1C, fd, fs, ft)
}
const T4: u32 = 12;
const T5: u32 = 13;
const T6: u32 = 14;
const T7: u32 = 15;

#[test]
fn independent_alu_instructions_issue_two_per_cycle() {
    // EECUM §1.1: 2-way issue; Table 1-3: ALU with ALU is O. Eight independent addiu: @0,0,
    // 1,1, 2,2, 3,3; END (break, an ALU-class instruction) @4 => 5 cycles (single issue: 9).
    let program = [
        addiu(T0, ZERO, 1),
        addiu(T1, ZERO, 1),
        addiu(T2, ZERO, 1),
        addiu(T3, ZERO, 1),
        addiu(T4, ZERO, 1),
        addiu(T5, ZERO, 1),
        addiu(T6, ZERO, 1),
        addiu(T7, ZERO, 1),
        END,
    ];
    assert_eq!(warm(&program, no_setup), 5);
    assert_eq!(ISSUE_WIDTH, 2);
}

#[test]
fn dependent_alu_instructions_issue_one_per_cycle() {
    // EECUM §1.3.2 2R: a dependence on the other instruction of a pair stops the pairing;
    // §2.12: ALU latency 1. A chain t0 = t0 + 1 eight times: @0..@7; END pairs with the last
    // (no dependence) @7 => 8 cycles.
    let mut program = vec![addiu(T0, T0, 1); 8];
    program.push(END);
    assert_eq!(warm(&program, no_setup), 8);
}

#[test]
fn two_loads_never_pair_but_a_load_pairs_with_an_alu_op() {
    // Table 1-2: loads and stores go to logical pipe 1 only, so two of them never pair; a
    // load (pipe 1) with an ALU op (pipe 0) is O. lw,lw,lw,lw (hits in the warm run):
    // @0,1,2,3; END pairs with the last @3 => 4.
    let four_loads = [load(LW, T1, 0, T0), load(LW, T2, 4, T0), load(LW, T3, 8, T0), load(LW, T4, 12, T0), END];
    let data = |cpu: &mut Cpu, _| cpu.gpr[T0 as usize] = DATA as u128;
    assert_eq!(warm(&four_loads, data), 4);
    // lw, addiu, lw, addiu (independent): @0,0, 1,1; END @2 => 3.
    let mixed = [load(LW, T1, 0, T0), addiu(T5, ZERO, 1), load(LW, T2, 4, T0), addiu(T6, ZERO, 1), END];
    assert_eq!(warm(&mixed, data), 3);
}

#[test]
fn a_load_result_is_usable_one_cycle_later() {
    // EECUM §2.12: load (hit) latency 1. lw t1; addiu t2,t1; addiu t3; END:
    // lw @0, addiu t2 waits for t1 @1, addiu t3 pairs @1, END @2 => 3.
    let data = |cpu: &mut Cpu, _| cpu.gpr[T0 as usize] = DATA as u128;
    let dependent = [load(LW, T1, 0, T0), addiu(T2, T1, 1), addiu(T3, ZERO, 1), END];
    assert_eq!(warm(&dependent, data), 3);
    // The same with addiu t2,t4 (independent): lw @0 with addiu @0, addiu t3 @1 with END => 2.
    let independent = [load(LW, T1, 0, T0), addiu(T2, T4, 1), addiu(T3, ZERO, 1), END];
    assert_eq!(warm(&independent, data), 2);
    assert_eq!(LOAD_LATENCY, 1);
}

#[test]
fn hi_lo_results_wait_for_the_multiplier_and_divider() {
    // EECUM §2.12: MULT latency 4 (to HI/LO); MFLO (MAC0, pipe 0) reads LO. mult @0, mflo @4,
    // END (pipe 1) pairs @4 => 5.
    assert_eq!(warm(&[mult(0, A0, A1), mflo(V0), END], no_setup), 5);
    // DIV latency 37: div @0, mflo @37, END pairs => 38.
    assert_eq!(warm(&[div(A0, A1), mflo(V0), END], no_setup), 38);
    // MULT throughput 2: mult @0, the next mult (independent operands) waits for the MAC0
    // unit @2, END pairs @2 => 3.
    assert_eq!(warm(&[mult(0, A0, A1), mult(0, A2, A3), END], no_setup), 3);
    // MULT1 runs on MAC1 in pipe 1 (Tables 1-2, 1-3: MAC1 with MAC0 is O): mult @0 and mult1
    // @0; END @1 => 2.
    assert_eq!(warm(&[mult(0, A0, A1), mult1(0, A2, A3), END], no_setup), 2);
}

#[test]
fn fpu_results_and_cop1_moves_follow_the_latency_table() {
    // EECUM §2.12: ADD.S latency 4. add.s f2 @0, add.s f3,f2 @4, END pairs (ALU in pipe 1,
    // COP1 op in pipe 0) @4 => 5.
    assert_eq!(warm(&[add_s(2, 0, 1), add_s(3, 2, 1), END], no_setup), 5);
    // MTC1 latency 2: mtc1 t0,f0 @0, add.s f1,f0,f0 @2, END pairs => 3.
    assert_eq!(warm(&[mtc1(T0, 0), add_s(1, 0, 0), END], no_setup), 3);
    // LWC1 (hit) latency 2: lwc1 f0 @0, add.s f1,f0,f0 @2, END pairs => 3.
    let data = |cpu: &mut Cpu, _| cpu.gpr[T0 as usize] = DATA as u128;
    assert_eq!(warm(&[load(LWC1, 0, 0, T0), add_s(1, 0, 0), END], data), 3);
    // MFC1 waits for the ADD.S result (4): add.s f1 @0, mfc1 @4, END pairs => 5.
    assert_eq!(warm(&[add_s(1, 0, 0), mfc1(V0, 1), END], no_setup), 5);
    // DIV.S throughput 7 (FDIV unit): div.s @0, an independent div.s @7, END pairs => 8.
    assert_eq!(warm(&[div_s(2, 0, 1), div_s(3, 4, 5), END], no_setup), 8);
}

#[test]
fn the_acc_chain_forwards_to_madda_but_not_to_madd() {
    // ACC_FORWARD_LATENCY 1 (LLVM fork, C): mula.s @0, madda.s @1, madda.s @2; madd.s reads
    // ACC with ACC_TO_FPR_LATENCY 4 after the last write: @6; END pairs => 7.
    let program = [mula_s(0, 1), madda_s(2, 3), madda_s(4, 5), madd_s(6, 7, 8), END];
    assert_eq!(warm(&program, no_setup), 7);
}

#[test]
fn a_cop1_move_beside_a_cop1_op_is_a_y_pair() {
    // Table 1-3: a COP1 move (pipe 1) with a COP1 op (pipe 0) is Y, issued here one after
    // the other: add.s @0, mtc1 @1, addiu pairs with mtc1 @1, END @2 => 3.
    assert_eq!(warm(&[add_s(2, 0, 1), mtc1(T0, 5), addiu(T1, ZERO, 1), END], no_setup), 3);
    // With a load instead of the move (O): add.s and lw @0, addiu and END @1 => 2.
    let data = |cpu: &mut Cpu, _| cpu.gpr[T0 as usize] = DATA as u128;
    assert_eq!(warm(&[add_s(2, 0, 1), load(LW, T2, 0, T0), addiu(T1, ZERO, 1), END], data), 2);
}

#[test]
fn a_wide_mmi_op_pairs_with_a_load_but_not_with_an_alu_op() {
    // Table 1-3, column "Wide (MMI)": a load/store in pipe 1 is O, an ALU op is Y (issued one
    // after the other here). paddw @0, addiu @1, addiu pairs @1, END @2 => 3.
    let paddw = mmi(0x08, 0x00, T2, T0, T1);
    assert_eq!(warm(&[paddw, addiu(T5, ZERO, 1), addiu(T6, ZERO, 1), END], no_setup), 3);
    // paddw and lw @0, addiu and END @1 => 2.
    let data = |cpu: &mut Cpu, _| cpu.gpr[A0 as usize] = DATA as u128;
    assert_eq!(warm(&[paddw, load(LW, T3, 0, A0), addiu(T6, ZERO, 1), END], data), 2);
}

#[test]
fn a_data_cache_miss_blocks_only_its_users() {
    // EECUM §6.3.2: GPR loads are non-blocking; the missing data arrive after
    // DCACHE_MISS_CALIBRATED = 43 cycles (M). Each run reads a line the other did not.
    let data = |cpu: &mut Cpu, run: u32| cpu.gpr[T0 as usize] = (DATA + 0x400 * run) as u128;
    // lw t1 (miss) @0; four independent addiu: @0 (with lw), @1, @1, @2; addiu t2,t1 waits
    // for t1 ready at 0 + 43 + 1 = 44: @44; END pairs @44 => 45.
    let mut program = vec![load(LW, T1, 0, T0)];
    program.extend([addiu(T3, ZERO, 1), addiu(T4, ZERO, 1), addiu(T5, ZERO, 1), addiu(T6, ZERO, 1)]);
    program.extend([addiu(T2, T1, 1), END]);
    assert_eq!(warm(&program, data), 45);
    // A load into an FPU register blocks: lwc1 (miss) @0, everything waits until 0 + 1 + 43
    // = 44: addiu @44,44, 45,45; addiu t2,t1 (t1 not loaded now: ready) @46 with END => 47.
    program[0] = load(LWC1, 1, 0, T0);
    assert_eq!(warm(&program, data), 47);
    // One miss outstanding at a time: lw t1 (miss) @0; lw t2 of another line waits for the
    // first refill @43, its data at 43 + 43 + 1 = 87; addiu t3,t2 @87 with END => 88.
    let two = [load(LW, T1, 0, T0), load(LW, T2, 0x40, T0), addiu(T3, T2, 1), END];
    assert_eq!(warm(&two, data), 88);
    assert_eq!(DCACHE_MISS_CALIBRATED, 43);
}

#[test]
fn pref_starts_the_refill_early() {
    // EECISM PREF: the line is fetched without stalling; a load of it then waits only for the
    // rest of the refill. pref (miss) @0 starts the 43-cycle fill; 8 independent addiu: @0
    // (with pref), 1,1, 2,2, 3,3, 4; lw t1 pairs @4 and hits the line being filled: its data
    // at 43 + 1 = 44; addiu t2,t1 @44 with END => 45.
    let data = |cpu: &mut Cpu, run: u32| cpu.gpr[T0 as usize] = (DATA + 0x400 * run) as u128;
    let mut program = vec![load(PREF, 0, 0, T0)];
    for r in [T3, T4, T5, T6, T7, A0, A1, A2] {
        program.push(addiu(r, ZERO, 1));
    }
    program.extend([load(LW, T1, 0, T0), addiu(T2, T1, 1), END]);
    assert_eq!(warm(&program, data), 45);
    // Without the pref (a nop in its place): the lw misses @4, data at 4 + 43 + 1 = 48;
    // addiu @48 with END => 49.
    program[0] = NOP;
    assert_eq!(warm(&program, data), 49);
}

#[test]
fn an_instruction_cache_miss_stalls_the_fetch() {
    // ICACHE_MISS = 40 (M): 16 nops fill the 64-byte line at CODE, END starts the next line.
    // Cold: the first fetch misses @40 for the first pair; nops @40..47 two per cycle; END's
    // line misses: 48 + 40 = @88 => 89. Warm: @0..7, END @8 => 9.
    let mut program = vec![NOP; 16];
    program.push(END);
    assert_eq!(cold(&program, |_| {}).0, 89);
    assert_eq!(warm(&program, no_setup), 9);
}

#[test]
fn branches_are_predicted_by_the_bht_and_btac() {
    // A loop of three iterations; bne sits at an even word so it can use the BTAC (EECUM
    // §1.2.1), the BHT starts weakly not taken:
    //   CODE+0: addiu t0,t0,-1   CODE+4: nop   CODE+8: bne t0,zero,CODE   CODE+12: nop   END
    // Cold run (the line misses the I-cache: 40).
    // It1: addiu @40, nop @40; bne waits for t0 @41, predicted not taken, taken: mispredict
    //      (BRANCH_MISPREDICT 3, MPR99); its delay slot never pairs with it @42; next at 43+3.
    // It2: addiu @46, nop @46, bne @47: predicted taken, BTAC hit: no bubble; slot @48.
    // It3: addiu pairs with the slot @48, nop @49, bne pairs with it @49 (t0 ready at 49):
    //      predicted taken, not taken: mispredict; slot @50, next at 51 + 3.
    // END @54 => 55.
    let program = [addiu(T0, T0, -1), NOP, bne(T0, ZERO, -3), NOP, END];
    let (cycles, cpu) = cold(&program, |cpu| cpu.gpr[T0 as usize] = 3);
    assert_eq!(cycles, 55);
    let stats = cpu.timing_stats();
    assert_eq!((stats.mispredicts, stats.btac_misses, stats.icache_misses), (2, 0, 1));
}

#[test]
fn a_taken_branch_at_an_odd_word_misses_the_btac() {
    // The same loop shifted by one word: bne at CODE+12 (odd) never consults the BTAC, so a
    // correctly predicted taken branch costs BTAC_MISS_TAKEN (1).
    //   CODE+0: nop  CODE+4: addiu t0,t0,-1  CODE+8: nop  CODE+12: bne t0,zero,CODE+4
    //   CODE+16: nop (slot)  END
    // nop @40 (I-cache miss), addiu pairs @40, nop @41, bne waits for t0 (ready 41) and pairs
    // with it @41, mispredicted: slot @42, next 43 + 3.
    // It2: addiu @46 (odd target: fetched alone), nop @47, bne pairs @47, predicted taken,
    //      BTAC not consulted: slot @48, next 49 + 1 = 50.
    // It3: addiu @50, nop @51, bne @51, predicted taken, not taken: slot @52, next 53 + 3.
    // END @56 => 57.
    let program = [NOP, addiu(T0, T0, -1), NOP, bne(T0, ZERO, -3), NOP, END];
    let (cycles, cpu) = cold(&program, |cpu| cpu.gpr[T0 as usize] = 3);
    assert_eq!(cycles, 57);
    assert_eq!(cpu.timing_stats().btac_misses, 1);
}

#[test]
fn a_branch_target_at_an_odd_word_issues_alone() {
    // The I-cache delivers an aligned pair of instructions per cycle (EECUM §1.6), so a fetch
    // that restarts at an odd word brings one instruction, which issues alone (X).
    //   CODE+0: nop  CODE+4: addiu t0,t0,-1 (target)  CODE+8: nop  CODE+12: nop
    //   CODE+16: bne t0,zero,CODE+4 (even: BTAC)  CODE+20: nop (slot)  END
    // nop @40 (I-cache miss), addiu pairs @40, nops @41,41, bne @42 mispredicted: slot @43,
    // next 44 + 3.
    // It2: addiu @47 alone (odd target), nops @48,48, bne @49 (BTAC hit): slot @50, next @51.
    // It3: addiu @51 alone, nops @52,52, bne @53 mispredicted: slot @54, next 55 + 3.
    // END @58 => 59.
    let program = [NOP, addiu(T0, T0, -1), NOP, NOP, bne(T0, ZERO, -4), NOP, END];
    let (cycles, _) = cold(&program, |cpu| cpu.gpr[T0 as usize] = 3);
    assert_eq!(cycles, 59);
}

#[test]
fn uncached_stores_queue_in_the_write_back_buffer() {
    // EECUM §1.2.8: 8 WBB entries; each drains in WBB_DRAIN = 35 cycles (X), one after the
    // other. Nine uncached word stores to different qwords: @0..@7 fill the buffer (entry k
    // done at 35(k+1)); the ninth waits for the first entry to drain (35) @35; END @36 => 37.
    let base = |cpu: &mut Cpu, _| cpu.gpr[T0 as usize] = (0x2000_0000 + DATA) as u128;
    let mut program: Vec<u32> = (0..9).map(|k| load(SW, ZERO, 16 * k, T0)).collect();
    program.push(END);
    assert_eq!(warm(&program, base), 37);
    // Uncached-accelerated stores to one qword gather into one entry (EECUM §1.2.8): nine
    // stores, the first eight to one qword and... here all nine to bytes of the same qword
    // (offsets 0, 4, 8, 12, 0, ...): one entry, no stall: @0..@8, END pairs @8 => 9.
    let accelerated = |cpu: &mut Cpu, _| cpu.gpr[T0 as usize] = (0x3000_0000 + DATA) as u128;
    let mut program: Vec<u32> = (0..9).map(|k| load(SW, ZERO, 4 * (k % 4), T0)).collect();
    program.push(END);
    assert_eq!(warm(&program, accelerated), 9);
}

#[test]
fn a_syscall_costs_the_kernel_entry_and_exit() {
    // SYSCALL_COST (E/X): the syscall issues @0 and the kernel's entry and exit follow.
    let mut bus = MirrorBus::new();
    load_program(&mut bus, &[SYSCALL]);
    let mut cpu = Cpu::new(CODE);
    cpu.run(&mut bus, 10); // warm the I-cache
    cpu.set_timing(TimingModel::Calibrated);
    let start = cpu.cycles;
    cpu.jump_to(CODE);
    assert!(matches!(cpu.run(&mut bus, 10), Stop::Syscall { .. }));
    assert_eq!(cpu.cycles - start, 1 + SYSCALL_COST);
}

#[test]
fn the_simple_model_stays_selectable() {
    // One cycle per instruction, single issue: eight independent addiu and END => 9.
    let mut program = vec![addiu(T0, ZERO, 1); 8];
    program.push(END);
    let (cycles, _) = cold(&program, |cpu| cpu.set_timing(TimingModel::Simple));
    assert_eq!(cycles, 9);
    assert_eq!("simple".parse::<TimingModel>(), Ok(TimingModel::Simple));
    assert_eq!("calibrated".parse::<TimingModel>(), Ok(TimingModel::Calibrated));
    assert!("fast".parse::<TimingModel>().is_err());
}

#[test]
fn vu0_macro_ops_chain_through_acc_without_stalls() {
    // VUUM §5.4: ACC has no hazard check, and VMULA → VMADDA → VMADDA → VMADD issue one per
    // cycle (Fig. 3-3); VF registers are checked only when an earlier macro op writes them. All
    // four read vf2 (written by no macro op): @0, 1, 2, 3; COP2 ops go to pipe 0 (Table 1-2),
    // so END (ALU) pairs with the last @3 => 4.
    use field::XYZW;
    let program = [vmula(XYZW, 1, 2), vmadda(XYZW, 3, 2), vmadda(XYZW, 4, 2), vmaddbc(0, XYZW, 5, 6, 2), END];
    assert_eq!(warm(&program, no_setup), 4);
}

#[test]
fn a_vu0_result_is_ready_four_cycles_later() {
    // VUUM §7.4: macro VADD latency 4; §5.4: a back-to-back dependence stalls 3 cycles.
    // vadd vf3 @0, vadd vf4 = vf3 + vf1 @4, END pairs @4 => 5.
    use field::XYZW;
    assert_eq!(warm(&[vadd(XYZW, 3, 1, 2), vadd(XYZW, 4, 3, 1), END], no_setup), 5);
    // Writing the same register again (WAW) waits too: vadd vf3 @0, vmul vf3 = vf1·vf2 @4 => 5.
    assert_eq!(warm(&[vadd(XYZW, 3, 1, 2), vmul(XYZW, 3, 1, 2), END], no_setup), 5);
    // Independent: vadd vf3 @0, vadd vf4 = vf1 + vf2 @1, END pairs @1 => 2.
    assert_eq!(warm(&[vadd(XYZW, 3, 1, 2), vadd(XYZW, 4, 1, 2), END], no_setup), 2);
}

#[test]
fn a_macro_op_right_after_lqc2_stalls_one_cycle() {
    // VUUM §5.4: any macro op right after QMTC2, CTC2 or LQC2 stalls 1 cycle. lqc2 (a hit in
    // the warm run) @0; an independent vmul cannot issue @1 (stall) and issues @2; END pairs
    // @2 => 3.
    use field::XYZW;
    let data = |cpu: &mut Cpu, _| cpu.gpr[A0 as usize] = DATA as u128;
    assert_eq!(warm(&[lqc2(1, 0, A0), vmul(XYZW, 3, 2, 2), END], data), 3);
    // Without the lqc2 the vmul issues @0 and END pairs => 1.
    assert_eq!(warm(&[vmul(XYZW, 3, 2, 2), END], data), 1);
}

#[test]
fn vu0_divisions_occupy_the_fdiv_unit() {
    // VUUM §7.4: VDIV/VSQRT throughput and latency 7, VRSQRT 13; §5.4: a second FDIV operation waits for the
    // first, VWAITQ waits for Q. vdiv @0, vdiv @7, END pairs => 8.
    let vdiv = vu_special2(0x38, 0b0100, 2, 1); // vdiv Q, vf1x, vf2y
    assert_eq!(warm(&[vdiv, vdiv, END], no_setup), 8);
    // vdiv @0, vwaitq @7 => 8; an unrelated vadd does not wait: vdiv @0, vadd @1, END pairs @1 => 2.
    let vwaitq = vu_special2(0x3B, 0, 0, 0);
    assert_eq!(warm(&[vdiv, vwaitq, END], no_setup), 8);
    assert_eq!(warm(&[vdiv, vadd(field::XYZW, 3, 4, 5), END], no_setup), 2);
    // vrsqrt Q, vf1x, vf2y @0, vwaitq @13 => 14.
    assert_eq!(warm(&[vu_special2(0x3A, 0b0100, 2, 1), vwaitq, END], no_setup), 14);
    assert_eq!((VU_FDIV_LATENCY, VU_RSQRT_LATENCY), (7, 13));
}
