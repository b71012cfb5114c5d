//! The interpreter: architectural state, the run loop and the integer instructions.
//!
//! MMI and COP1 instructions live in `mmi.rs` and `fpu.rs` as further `impl Cpu` blocks.

use crate::bus::{Bus, Fault, FaultKind};
use crate::decode::{decode, Illegal, Instr, Op};
use crate::timing::{self, DataCache};
use core::fmt;

/// COP0 register numbers the interpreter gives meaning to.
pub mod cop0 {
    /// Timer counter; reads return the cycle estimate plus the last written offset.
    pub const COUNT: usize = 9;
    /// Timer compare value; writing it clears `Cause.IP7`.
    pub const COMPARE: usize = 11;
    /// Status register (see the `STATUS_*` bits).
    pub const STATUS: usize = 12;
    /// Cause register.
    pub const CAUSE: usize = 13;
    /// Exception program counter (return address of `eret` when `Status.ERL` is clear).
    pub const EPC: usize = 14;
    /// Processor id (0x2E20 on the EE).
    pub const PRID: usize = 15;
    /// Return address of `eret` when `Status.ERL` is set.
    pub const ERROR_EPC: usize = 30;

    /// Status.IE: interrupt enable.
    pub const STATUS_IE: u32 = 1 << 0;
    /// Status.EXL: exception level.
    pub const STATUS_EXL: u32 = 1 << 1;
    /// Status.ERL: error level.
    pub const STATUS_ERL: u32 = 1 << 2;
    /// Status.EIE: the EE's master interrupt enable (set by `ei`, cleared by `di`).
    pub const STATUS_EIE: u32 = 1 << 16;
    /// Cause.BD: the exception was taken in a branch delay slot.
    pub const CAUSE_BD: u32 = 1 << 31;
    /// Cause.IP7: timer (Count == Compare) interrupt pending.
    pub const CAUSE_IP7: u32 = 1 << 15;
}

/// FCR31 bits (the EE's FPU control/status register).
pub mod fcr31 {
    /// Condition bit set by `c.cond.s`, tested by `bc1t`/`bc1f`.
    pub const C: u32 = 1 << 23;
    /// Invalid operation (0/0, sqrt of a negative number); cleared by each DIV/SQRT/RSQRT.
    pub const I: u32 = 1 << 17;
    /// Division by zero; cleared by each DIV/SQRT/RSQRT.
    pub const D: u32 = 1 << 16;
    /// Overflow (the result saturated); cleared by each arithmetic operation.
    pub const O: u32 = 1 << 15;
    /// Underflow (the result was flushed to zero); cleared by each arithmetic operation.
    pub const U: u32 = 1 << 14;
    /// Sticky invalid.
    pub const SI: u32 = 1 << 6;
    /// Sticky division by zero.
    pub const SD: u32 = 1 << 5;
    /// Sticky overflow.
    pub const SO: u32 = 1 << 4;
    /// Sticky underflow.
    pub const SU: u32 = 1 << 3;
}

/// A processor exception the machine has to decide about.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Exception {
    /// `add`, `addi`, `sub`, `dadd`, `daddi`, `dsub` overflowed (the destination is unchanged).
    IntegerOverflow,
    /// A trap instruction (`teq`, `tgei`, ...) fired.
    Trap,
}

/// Why [`Cpu::run`] returned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stop {
    /// The instruction budget is used up (the CPU never stops between a branch and its delay
    /// slot, so a run may execute one instruction more than the budget).
    BudgetExhausted,
    /// A `syscall` at `pc` executed; [`Cpu::pc`] is already past it. The number is in `$v1`.
    Syscall {
        /// Address of the `syscall` instruction.
        pc: u32,
    },
    /// A `break` at `pc` executed; [`Cpu::pc`] is already past it.
    Break {
        /// Address of the `break` instruction.
        pc: u32,
        /// Its 20-bit code field.
        code: u32,
    },
    /// The instruction at `pc` raised an exception; it had no effect and `cpu.pc == pc`.
    Exception {
        /// Address of the instruction.
        pc: u32,
        /// What happened.
        exception: Exception,
    },
    /// The instruction at `pc` (or its fetch) touched memory that faulted; it had no effect
    /// and `cpu.pc == pc`.
    Fault {
        /// Address of the instruction.
        pc: u32,
        /// The failed access.
        fault: Fault,
    },
    /// The word at `pc` is not an R5900 instruction; nothing was executed.
    Illegal {
        /// Address of the word.
        pc: u32,
        /// What the word is.
        illegal: Illegal,
    },
    /// The instruction at `pc` is legal on the EE but this interpreter does not implement it
    /// (VU0 macro mode / COP2, TLB operations); nothing was executed.
    Unimplemented {
        /// Address of the instruction.
        pc: u32,
        /// The instruction.
        instr: Instr,
    },
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Stop::BudgetExhausted => f.write_str("instruction budget exhausted"),
            Stop::Syscall { pc } => write!(f, "syscall at {pc:#010x}"),
            Stop::Break { pc, code } => write!(f, "break {code:#x} at {pc:#010x}"),
            Stop::Exception { pc, exception } => write!(f, "{exception:?} exception at {pc:#010x}"),
            Stop::Fault { pc, fault } => write!(f, "{fault} at pc {pc:#010x}"),
            Stop::Illegal { pc, illegal } => write!(f, "illegal instruction at {pc:#010x}: {illegal}"),
            Stop::Unimplemented { pc, instr } => {
                write!(f, "unimplemented instruction at {pc:#010x}: {}", instr.display_at(pc))
            }
        }
    }
}

/// The register file a thread switch saves and restores (everything but COP0 and counters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// General-purpose registers.
    pub gpr: [u128; 32],
    /// Next instruction to execute.
    pub pc: u32,
    /// Instruction after it (differs from `pc + 4` in a branch delay slot).
    pub next_pc: u32,
    /// HI (low 64 bits) and HI1 (high 64 bits).
    pub hi: u128,
    /// LO (low 64 bits) and LO1 (high 64 bits).
    pub lo: u128,
    /// The shift-amount register.
    pub sa: u32,
    /// FPU registers.
    pub fpr: [u32; 32],
    /// FPU control/status.
    pub fcr31: u32,
    /// FPU accumulator.
    pub acc: u32,
}

/// Number of entries of the decoded-instruction cache (direct-mapped by address).
const DECODE_CACHE_ENTRIES: usize = 1 << 16;

const LOW64: u128 = u64::MAX as u128;

/// The R5900 core: registers, counters and the cycle model.
///
/// All architectural state is public so that a machine can implement kernel calls at a high
/// level (read arguments, write results, switch threads with [`Cpu::context`]).
#[derive(Clone)]
pub struct Cpu {
    /// General-purpose registers; 64-bit instructions use the low half and keep the high half.
    /// `gpr[0]` always reads as zero.
    pub gpr: [u128; 32],
    /// Address of the next instruction to execute.
    pub pc: u32,
    /// Address of the instruction after it: `pc + 4`, or a branch target when `pc` is a delay slot.
    pub next_pc: u32,
    /// HI (bits 63..0) and HI1 (bits 127..64, pipeline 1).
    pub hi: u128,
    /// LO (bits 63..0) and LO1 (bits 127..64, pipeline 1).
    pub lo: u128,
    /// Shift amount for `qfsrv`, in bytes (0..=15).
    pub sa: u32,
    /// COP0 registers (see [`cop0`]); Count is computed on read from the cycle estimate.
    pub cop0: [u32; 32],
    /// COP0 condition input tested by `bc0t`/`bc0f` (on the EE: DMA channels done). Default true.
    pub cpcond0: bool,
    /// FPU registers as raw single-precision bit patterns.
    pub fpr: [u32; 32],
    /// FPU control/status register 31 (see [`fcr31`]).
    pub fcr31: u32,
    /// FPU accumulator (`adda.s`, `madd.s`, ...).
    pub acc: u32,
    /// Instructions retired.
    pub instret: u64,
    /// Estimated cycles (see the crate README for the model).
    pub cycles: u64,
    /// The data-cache model (hit/miss counts are public there).
    pub dcache: DataCache,
    /// Cycle at which HI/LO (pipeline 0) results are ready.
    pub(crate) hilo_ready: u64,
    /// Cycle at which HI1/LO1 (pipeline 1) results are ready.
    pub(crate) hilo1_ready: u64,
    /// Cycle at which each FPU register's pending result is ready.
    pub(crate) fpr_ready: [u64; 32],
    /// Value of Count at cycle 0 (set by `mtc0 Count`).
    count_bias: u32,
    decode_cache: Box<[Instr]>,
    watched_calls: Vec<u32>,
    call_counts: Vec<u64>,
}

impl Default for Cpu {
    fn default() -> Self {
        Self::new(0)
    }
}

impl fmt::Debug for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cpu")
            .field("pc", &format_args!("{:#010x}", self.pc))
            .field("next_pc", &format_args!("{:#010x}", self.next_pc))
            .field("instret", &self.instret)
            .field("cycles", &self.cycles)
            .finish_non_exhaustive()
    }
}

impl Cpu {
    /// A CPU in a clean state that will start executing at `entry`.
    ///
    /// Status has the coprocessor-usable bits set and interrupts disabled; PRId reads 0x2E20.
    pub fn new(entry: u32) -> Self {
        let mut cop0 = [0u32; 32];
        cop0[cop0::STATUS] = 0x7000_0000;
        cop0[cop0::PRID] = 0x2E20;
        Cpu {
            gpr: [0; 32],
            pc: entry,
            next_pc: entry.wrapping_add(4),
            hi: 0,
            lo: 0,
            sa: 0,
            cop0,
            cpcond0: true,
            fpr: [0; 32],
            fcr31: 1, // RM field: 01 = round toward zero, the only mode the EE has
            acc: 0,
            instret: 0,
            cycles: 0,
            dcache: DataCache::default(),
            hilo_ready: 0,
            hilo1_ready: 0,
            fpr_ready: [0; 32],
            count_bias: 0,
            // The all-zero word decodes to `nop`, so zeroed entries are valid cache contents.
            decode_cache: vec![Instr { op: Op::Nop, word: 0 }; DECODE_CACHE_ENTRIES].into_boxed_slice(),
            watched_calls: Vec::new(),
            call_counts: Vec::new(),
        }
    }

    /// Continues execution at `addr` (not in a delay slot).
    pub fn jump_to(&mut self, addr: u32) {
        self.pc = addr;
        self.next_pc = addr.wrapping_add(4);
    }

    /// Whether `pc` is the delay slot of a taken branch (`next_pc` is its target).
    pub fn in_delay_slot(&self) -> bool {
        self.next_pc != self.pc.wrapping_add(4)
    }

    /// The low 64 bits of a GPR.
    #[inline(always)]
    pub fn reg(&self, index: usize) -> u64 {
        self.gpr[index] as u64
    }

    /// Sets the low 64 bits of a GPR (keeping the high 64); writes to `$zero` are ignored.
    #[inline(always)]
    pub fn set_reg(&mut self, index: usize, value: u64) {
        if index != 0 {
            self.gpr[index] = (self.gpr[index] & !LOW64) | value as u128;
        }
    }

    /// Copies the register file (for thread switches).
    pub fn context(&self) -> Context {
        Context {
            gpr: self.gpr,
            pc: self.pc,
            next_pc: self.next_pc,
            hi: self.hi,
            lo: self.lo,
            sa: self.sa,
            fpr: self.fpr,
            fcr31: self.fcr31,
            acc: self.acc,
        }
    }

    /// Restores a register file saved by [`Cpu::context`].
    pub fn set_context(&mut self, context: &Context) {
        self.gpr = context.gpr;
        self.gpr[0] = 0;
        self.pc = context.pc;
        self.next_pc = context.next_pc;
        self.hi = context.hi;
        self.lo = context.lo;
        self.sa = context.sa & 15;
        self.fpr = context.fpr;
        self.fcr31 = context.fcr31;
        self.acc = context.acc;
    }

    /// The current value of COP0 Count.
    pub fn count(&self) -> u32 {
        (self.cycles as u32).wrapping_add(self.count_bias)
    }

    /// Whether an interrupt would be taken now: Status.IE and Status.EIE set, EXL and ERL clear.
    pub fn interrupts_enabled(&self) -> bool {
        let status = self.cop0[cop0::STATUS];
        let need = cop0::STATUS_IE | cop0::STATUS_EIE;
        status & need == need && status & (cop0::STATUS_EXL | cop0::STATUS_ERL) == 0
    }

    /// Takes an interrupt exception: saves the resume address in EPC (the branch, with Cause.BD,
    /// when `pc` is a delay slot), sets Status.EXL, clears Cause.ExcCode and jumps to `vector`.
    /// The handler returns with `eret`.
    pub fn raise_interrupt(&mut self, vector: u32) {
        let mut cause = self.cop0[cop0::CAUSE] & !(cop0::CAUSE_BD | 0x7C);
        if self.in_delay_slot() {
            self.cop0[cop0::EPC] = self.pc.wrapping_sub(4);
            cause |= cop0::CAUSE_BD;
        } else {
            self.cop0[cop0::EPC] = self.pc;
        }
        self.cop0[cop0::CAUSE] = cause;
        self.cop0[cop0::STATUS] |= cop0::STATUS_EXL;
        self.jump_to(vector);
    }

    /// Counts calls (`jal`/`jalr`/`bal`-family links) whose target is `addr`; returns the index
    /// of its counter in [`Cpu::call_counts`]. Used to count e.g. soft-float helper calls.
    pub fn watch_calls_to(&mut self, addr: u32) -> usize {
        if let Some(index) = self.watched_calls.iter().position(|&a| a == addr) {
            return index;
        }
        self.watched_calls.push(addr);
        self.call_counts.push(0);
        self.watched_calls.len() - 1
    }

    /// Call counts of the addresses registered with [`Cpu::watch_calls_to`], in that order.
    pub fn call_counts(&self) -> &[u64] {
        &self.call_counts
    }

    #[inline(always)]
    fn note_call(&mut self, target: u32) {
        if !self.watched_calls.is_empty() {
            if let Some(index) = self.watched_calls.iter().position(|&a| a == target) {
                self.call_counts[index] += 1;
            }
        }
    }

    /// Drops all cached decodings (not needed for correctness: entries are checked against the
    /// fetched word; this only frees nothing and exists for symmetry with `FlushCache`).
    pub fn clear_decode_cache(&mut self) {
        self.decode_cache.fill(Instr { op: Op::Nop, word: 0 });
    }

    /// Executes instructions until something the machine must handle happens or `budget`
    /// instructions have executed.
    pub fn run<B: Bus>(&mut self, bus: &mut B, budget: u64) -> Stop {
        let mut executed: u64 = 0;
        let stop = loop {
            if executed >= budget && !self.in_delay_slot() {
                break Stop::BudgetExhausted;
            }
            let pc = self.pc;
            if pc & 3 != 0 {
                break Stop::Fault { pc, fault: Fault::new(pc, FaultKind::Misaligned) };
            }
            let word = match bus.fetch(pc) {
                Ok(word) => word,
                Err(fault) => break Stop::Fault { pc, fault },
            };
            let slot = (pc as usize >> 2) & (DECODE_CACHE_ENTRIES - 1);
            let cached = self.decode_cache[slot];
            let instr = if cached.word == word {
                cached
            } else {
                match decode(word) {
                    Ok(instr) => {
                        self.decode_cache[slot] = instr;
                        instr
                    }
                    Err(illegal) => break Stop::Illegal { pc, illegal },
                }
            };
            let resume = self.next_pc;
            self.pc = resume;
            self.next_pc = resume.wrapping_add(4);
            self.cycles += 1;
            executed += 1;
            if let Err(stop) = self.exec(bus, instr, pc) {
                match stop {
                    Stop::Syscall { .. } | Stop::Break { .. } => {}
                    _ => {
                        // The instruction did not happen: point back at it.
                        self.pc = pc;
                        self.next_pc = resume;
                        self.cycles -= 1;
                        executed -= 1;
                    }
                }
                self.gpr[0] = 0;
                break stop;
            }
            self.gpr[0] = 0;
        };
        self.instret += executed;
        stop
    }

    // ----- helpers used by the instruction implementations

    #[inline(always)]
    pub(crate) fn rs64(&self, i: Instr) -> u64 {
        self.gpr[i.rs()] as u64
    }

    #[inline(always)]
    pub(crate) fn rt64(&self, i: Instr) -> u64 {
        self.gpr[i.rt()] as u64
    }

    /// Writes the low 64 bits of a register without the `$zero` check (the run loop re-zeroes
    /// `gpr[0]` after every instruction, which is cheaper than a branch per write).
    #[inline(always)]
    pub(crate) fn write64(&mut self, index: usize, value: u64) {
        self.gpr[index] = (self.gpr[index] & !LOW64) | value as u128;
    }

    #[inline(always)]
    fn write32(&mut self, index: usize, value: u32) {
        self.write64(index, value as i32 as i64 as u64);
    }

    #[inline(always)]
    fn branch(&mut self, taken: bool, target: u32) {
        if taken {
            self.next_pc = target;
            self.cycles += timing::TAKEN_BRANCH;
        }
    }

    /// A "likely" branch: when not taken, the delay slot is skipped.
    #[inline(always)]
    fn branch_likely(&mut self, taken: bool, target: u32) {
        if taken {
            self.next_pc = target;
            self.cycles += timing::TAKEN_BRANCH;
        } else {
            self.pc = self.next_pc;
            self.next_pc = self.pc.wrapping_add(4);
        }
    }

    #[inline(always)]
    fn link(&mut self, index: usize, pc: u32) {
        self.write64(index, pc.wrapping_add(8) as i32 as i64 as u64);
    }

    /// Effective address of a load/store, checked for `size`-byte alignment.
    #[inline(always)]
    pub(crate) fn address(&mut self, i: Instr, pc: u32, size: u32, is_store: bool) -> Result<u32, Stop> {
        let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32);
        if addr & (size - 1) != 0 {
            return Err(Stop::Fault { pc, fault: Fault::new(addr, FaultKind::Misaligned) });
        }
        self.cycles += self.dcache.access(addr, is_store);
        Ok(addr)
    }

    /// Stalls until HI/LO of pipeline 0 are ready, then marks them busy for `latency`.
    #[inline(always)]
    pub(crate) fn use_hilo(&mut self, latency: u64) {
        self.cycles = self.cycles.max(self.hilo_ready);
        self.hilo_ready = self.cycles + latency;
    }

    /// Same for pipeline 1.
    #[inline(always)]
    pub(crate) fn use_hilo1(&mut self, latency: u64) {
        self.cycles = self.cycles.max(self.hilo1_ready);
        self.hilo1_ready = self.cycles + latency;
    }

    /// Sets the low (`pipe` 0) or high (`pipe` 1) 64-bit half of HI and LO.
    #[inline(always)]
    pub(crate) fn set_hilo(&mut self, pipe: u32, hi: u64, lo: u64) {
        let shift = 64 * pipe;
        let mask = !(LOW64 << shift);
        self.hi = (self.hi & mask) | ((hi as u128) << shift);
        self.lo = (self.lo & mask) | ((lo as u128) << shift);
    }

    #[inline(always)]
    fn hilo_half(value: u128, pipe: u32) -> u64 {
        (value >> (64 * pipe)) as u64
    }

    fn mult(&mut self, i: Instr, pipe: u32, signed: bool, accumulate: bool) {
        let (a, b) = (self.gpr[i.rs()] as u32, self.gpr[i.rt()] as u32);
        let mut product = if signed { (a as i32 as i64 * b as i32 as i64) as u64 } else { a as u64 * b as u64 };
        if accumulate {
            let hi = Self::hilo_half(self.hi, pipe) as u32 as u64;
            let lo = Self::hilo_half(self.lo, pipe) as u32 as u64;
            product = product.wrapping_add((hi << 32) | lo);
        }
        let lo = product as u32 as i32 as i64 as u64;
        let hi = (product >> 32) as u32 as i32 as i64 as u64;
        self.set_hilo(pipe, hi, lo);
        self.write64(i.rd(), lo);
    }

    fn div(&mut self, i: Instr, pipe: u32, signed: bool) {
        let (a, b) = (self.gpr[i.rs()] as u32, self.gpr[i.rt()] as u32);
        let (quotient, remainder) = if signed { div32(a as i32, b as i32) } else { divu32(a, b) };
        self.set_hilo(pipe, remainder as i32 as i64 as u64, quotient as i32 as i64 as u64);
    }

    /// Executes one instruction; `pc` is its address, `self.pc` already points past it.
    #[inline(always)]
    fn exec<B: Bus>(&mut self, bus: &mut B, i: Instr, pc: u32) -> Result<(), Stop> {
        macro_rules! fault {
            ($result:expr) => {
                match $result {
                    Ok(value) => value,
                    Err(fault) => return Err(Stop::Fault { pc, fault }),
                }
            };
        }
        let rs = self.rs64(i);
        let rt = self.rt64(i);
        match i.op {
            Op::Nop | Op::Sync | Op::Cache | Op::Pref => {}
            // --- jumps and branches
            Op::J => {
                self.next_pc = i.jump_target(pc);
                self.cycles += timing::TAKEN_BRANCH;
            }
            Op::Jal => {
                let target = i.jump_target(pc);
                self.link(31, pc);
                self.next_pc = target;
                self.cycles += timing::TAKEN_BRANCH;
                self.note_call(target);
            }
            Op::Jr => {
                self.next_pc = rs as u32;
                self.cycles += timing::TAKEN_BRANCH;
            }
            Op::Jalr => {
                let target = rs as u32;
                self.link(i.rd(), pc);
                self.next_pc = target;
                self.cycles += timing::TAKEN_BRANCH;
                self.note_call(target);
            }
            Op::Beq => self.branch(rs == rt, i.branch_target(pc)),
            Op::Bne => self.branch(rs != rt, i.branch_target(pc)),
            Op::Blez => self.branch(rs as i64 <= 0, i.branch_target(pc)),
            Op::Bgtz => self.branch(rs as i64 > 0, i.branch_target(pc)),
            Op::Bltz => self.branch((rs as i64) < 0, i.branch_target(pc)),
            Op::Bgez => self.branch(rs as i64 >= 0, i.branch_target(pc)),
            Op::Beql => self.branch_likely(rs == rt, i.branch_target(pc)),
            Op::Bnel => self.branch_likely(rs != rt, i.branch_target(pc)),
            Op::Blezl => self.branch_likely(rs as i64 <= 0, i.branch_target(pc)),
            Op::Bgtzl => self.branch_likely(rs as i64 > 0, i.branch_target(pc)),
            Op::Bltzl => self.branch_likely((rs as i64) < 0, i.branch_target(pc)),
            Op::Bgezl => self.branch_likely(rs as i64 >= 0, i.branch_target(pc)),
            Op::Bltzal | Op::Bgezal | Op::Bltzall | Op::Bgezall => {
                let taken = if matches!(i.op, Op::Bltzal | Op::Bltzall) { (rs as i64) < 0 } else { rs as i64 >= 0 };
                let target = i.branch_target(pc);
                self.link(31, pc);
                if taken {
                    self.note_call(target);
                }
                if matches!(i.op, Op::Bltzal | Op::Bgezal) {
                    self.branch(taken, target);
                } else {
                    self.branch_likely(taken, target);
                }
            }
            Op::Bc0f => self.branch(!self.cpcond0, i.branch_target(pc)),
            Op::Bc0t => self.branch(self.cpcond0, i.branch_target(pc)),
            Op::Bc0fl => self.branch_likely(!self.cpcond0, i.branch_target(pc)),
            Op::Bc0tl => self.branch_likely(self.cpcond0, i.branch_target(pc)),
            // --- immediate ALU
            Op::Addi => match (rs as i32).checked_add(i.simm()) {
                Some(sum) => self.write32(i.rt(), sum as u32),
                None => return Err(Stop::Exception { pc, exception: Exception::IntegerOverflow }),
            },
            Op::Addiu => self.write32(i.rt(), (rs as u32).wrapping_add(i.simm() as u32)),
            Op::Daddi => match (rs as i64).checked_add(i.simm() as i64) {
                Some(sum) => self.write64(i.rt(), sum as u64),
                None => return Err(Stop::Exception { pc, exception: Exception::IntegerOverflow }),
            },
            Op::Daddiu => self.write64(i.rt(), rs.wrapping_add(i.simm() as i64 as u64)),
            Op::Slti => self.write64(i.rt(), ((rs as i64) < i.simm() as i64) as u64),
            Op::Sltiu => self.write64(i.rt(), (rs < i.simm() as i64 as u64) as u64),
            Op::Andi => self.write64(i.rt(), rs & i.uimm() as u64),
            Op::Ori => self.write64(i.rt(), rs | i.uimm() as u64),
            Op::Xori => self.write64(i.rt(), rs ^ i.uimm() as u64),
            Op::Lui => self.write64(i.rt(), (i.simm() << 16) as i64 as u64),
            // --- register ALU
            Op::Add => match (rs as i32).checked_add(rt as i32) {
                Some(sum) => self.write32(i.rd(), sum as u32),
                None => return Err(Stop::Exception { pc, exception: Exception::IntegerOverflow }),
            },
            Op::Addu => self.write32(i.rd(), (rs as u32).wrapping_add(rt as u32)),
            Op::Sub => match (rs as i32).checked_sub(rt as i32) {
                Some(diff) => self.write32(i.rd(), diff as u32),
                None => return Err(Stop::Exception { pc, exception: Exception::IntegerOverflow }),
            },
            Op::Subu => self.write32(i.rd(), (rs as u32).wrapping_sub(rt as u32)),
            Op::Dadd => match (rs as i64).checked_add(rt as i64) {
                Some(sum) => self.write64(i.rd(), sum as u64),
                None => return Err(Stop::Exception { pc, exception: Exception::IntegerOverflow }),
            },
            Op::Daddu => self.write64(i.rd(), rs.wrapping_add(rt)),
            Op::Dsub => match (rs as i64).checked_sub(rt as i64) {
                Some(diff) => self.write64(i.rd(), diff as u64),
                None => return Err(Stop::Exception { pc, exception: Exception::IntegerOverflow }),
            },
            Op::Dsubu => self.write64(i.rd(), rs.wrapping_sub(rt)),
            Op::And => self.write64(i.rd(), rs & rt),
            Op::Or => self.write64(i.rd(), rs | rt),
            Op::Xor => self.write64(i.rd(), rs ^ rt),
            Op::Nor => self.write64(i.rd(), !(rs | rt)),
            Op::Slt => self.write64(i.rd(), ((rs as i64) < rt as i64) as u64),
            Op::Sltu => self.write64(i.rd(), (rs < rt) as u64),
            Op::Movz => {
                if rt == 0 {
                    self.write64(i.rd(), rs);
                }
            }
            Op::Movn => {
                if rt != 0 {
                    self.write64(i.rd(), rs);
                }
            }
            // --- shifts
            Op::Sll => self.write32(i.rd(), (rt as u32) << i.sa()),
            Op::Srl => self.write32(i.rd(), (rt as u32) >> i.sa()),
            Op::Sra => self.write32(i.rd(), ((rt as i32) >> i.sa()) as u32),
            Op::Sllv => self.write32(i.rd(), (rt as u32) << (rs & 31)),
            Op::Srlv => self.write32(i.rd(), (rt as u32) >> (rs & 31)),
            Op::Srav => self.write32(i.rd(), ((rt as i32) >> (rs & 31)) as u32),
            Op::Dsll => self.write64(i.rd(), rt << i.sa()),
            Op::Dsrl => self.write64(i.rd(), rt >> i.sa()),
            Op::Dsra => self.write64(i.rd(), ((rt as i64) >> i.sa()) as u64),
            Op::Dsll32 => self.write64(i.rd(), rt << (i.sa() + 32)),
            Op::Dsrl32 => self.write64(i.rd(), rt >> (i.sa() + 32)),
            Op::Dsra32 => self.write64(i.rd(), ((rt as i64) >> (i.sa() + 32)) as u64),
            Op::Dsllv => self.write64(i.rd(), rt << (rs & 63)),
            Op::Dsrlv => self.write64(i.rd(), rt >> (rs & 63)),
            Op::Dsrav => self.write64(i.rd(), ((rt as i64) >> (rs & 63)) as u64),
            // --- multiply/divide, HI/LO, SA
            Op::Mult | Op::Multu | Op::Madd | Op::Maddu => {
                self.use_hilo(timing::MULT_LATENCY);
                let signed = matches!(i.op, Op::Mult | Op::Madd);
                self.mult(i, 0, signed, matches!(i.op, Op::Madd | Op::Maddu));
            }
            Op::Mult1 | Op::Multu1 | Op::Madd1 | Op::Maddu1 => {
                self.use_hilo1(timing::MULT_LATENCY);
                let signed = matches!(i.op, Op::Mult1 | Op::Madd1);
                self.mult(i, 1, signed, matches!(i.op, Op::Madd1 | Op::Maddu1));
            }
            Op::Div | Op::Divu => {
                self.use_hilo(timing::DIV_LATENCY);
                self.div(i, 0, i.op == Op::Div);
            }
            Op::Div1 | Op::Divu1 => {
                self.use_hilo1(timing::DIV_LATENCY);
                self.div(i, 1, i.op == Op::Div1);
            }
            Op::Mfhi | Op::Mflo | Op::Mfhi1 | Op::Mflo1 => {
                let pipe = matches!(i.op, Op::Mfhi1 | Op::Mflo1) as u32;
                let ready = if pipe == 0 { self.hilo_ready } else { self.hilo1_ready };
                self.cycles = self.cycles.max(ready);
                let source = if matches!(i.op, Op::Mfhi | Op::Mfhi1) { self.hi } else { self.lo };
                self.write64(i.rd(), Self::hilo_half(source, pipe));
            }
            Op::Mthi | Op::Mtlo | Op::Mthi1 | Op::Mtlo1 => {
                let pipe = matches!(i.op, Op::Mthi1 | Op::Mtlo1) as u32;
                let shift = 64 * pipe;
                let mask = !(LOW64 << shift);
                let value = (rs as u128) << shift;
                if matches!(i.op, Op::Mthi | Op::Mthi1) {
                    self.hi = (self.hi & mask) | value;
                } else {
                    self.lo = (self.lo & mask) | value;
                }
            }
            Op::Mfsa => self.write64(i.rd(), self.sa as u64),
            Op::Mtsa => self.sa = rs as u32 & 15,
            Op::Mtsab => self.sa = (rs as u32 ^ i.uimm()) & 15,
            Op::Mtsah => self.sa = ((rs as u32 ^ i.uimm()) & 7) << 1,
            // --- traps and system
            Op::Syscall => return Err(Stop::Syscall { pc }),
            Op::Break => return Err(Stop::Break { pc, code: i.code() }),
            Op::Tge | Op::Tgeu | Op::Tlt | Op::Tltu | Op::Teq | Op::Tne => {
                if trap_condition(i.op, rs, rt) {
                    return Err(Stop::Exception { pc, exception: Exception::Trap });
                }
            }
            Op::Tgei | Op::Tgeiu | Op::Tlti | Op::Tltiu | Op::Teqi | Op::Tnei => {
                if trap_condition(i.op, rs, i.simm() as i64 as u64) {
                    return Err(Stop::Exception { pc, exception: Exception::Trap });
                }
            }
            // --- loads
            Op::Lb => {
                let addr = self.address(i, pc, 1, false)?;
                let value = fault!(bus.load8(addr));
                self.write64(i.rt(), value as i8 as i64 as u64);
            }
            Op::Lbu => {
                let addr = self.address(i, pc, 1, false)?;
                let value = fault!(bus.load8(addr));
                self.write64(i.rt(), value as u64);
            }
            Op::Lh => {
                let addr = self.address(i, pc, 2, false)?;
                let value = fault!(bus.load16(addr));
                self.write64(i.rt(), value as i16 as i64 as u64);
            }
            Op::Lhu => {
                let addr = self.address(i, pc, 2, false)?;
                let value = fault!(bus.load16(addr));
                self.write64(i.rt(), value as u64);
            }
            Op::Lw => {
                let addr = self.address(i, pc, 4, false)?;
                let value = fault!(bus.load32(addr));
                self.write32(i.rt(), value);
            }
            Op::Lwu => {
                let addr = self.address(i, pc, 4, false)?;
                let value = fault!(bus.load32(addr));
                self.write64(i.rt(), value as u64);
            }
            Op::Ld => {
                let addr = self.address(i, pc, 8, false)?;
                let value = fault!(bus.load64(addr));
                self.write64(i.rt(), value);
            }
            Op::Lq => {
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32) & !15;
                self.cycles += self.dcache.access(addr, false);
                let value = fault!(bus.load128(addr));
                self.gpr[i.rt()] = value;
            }
            Op::Lwl | Op::Lwr => {
                let addr = self.address(i, pc, 1, false)?;
                let memory = fault!(bus.load32(addr & !3));
                let shift = (addr & 3) * 8;
                let old = rt as u32;
                if i.op == Op::Lwl {
                    let merged = (old & (0x00FF_FFFF >> shift)) | (memory << (24 - shift));
                    self.write32(i.rt(), merged);
                } else if shift == 0 {
                    self.write32(i.rt(), memory);
                } else {
                    // A partial LWR replaces only the low word's low bytes (no sign extension).
                    let merged = (old & !(u32::MAX >> shift)) | (memory >> shift);
                    self.write64(i.rt(), (rt & !0xFFFF_FFFF) | merged as u64);
                }
            }
            Op::Ldl | Op::Ldr => {
                let addr = self.address(i, pc, 1, false)?;
                let memory = fault!(bus.load64(addr & !7));
                let shift = (addr & 7) * 8;
                let merged = if i.op == Op::Ldl {
                    (rt & (0x00FF_FFFF_FFFF_FFFF >> shift)) | (memory << (56 - shift))
                } else {
                    (rt & !(u64::MAX >> shift)) | (memory >> shift)
                };
                self.write64(i.rt(), merged);
            }
            // --- stores
            Op::Sb => {
                let addr = self.address(i, pc, 1, true)?;
                fault!(bus.store8(addr, rt as u8));
            }
            Op::Sh => {
                let addr = self.address(i, pc, 2, true)?;
                fault!(bus.store16(addr, rt as u16));
            }
            Op::Sw => {
                let addr = self.address(i, pc, 4, true)?;
                fault!(bus.store32(addr, rt as u32));
            }
            Op::Sd => {
                let addr = self.address(i, pc, 8, true)?;
                fault!(bus.store64(addr, rt));
            }
            Op::Sq => {
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32) & !15;
                self.cycles += self.dcache.access(addr, true);
                fault!(bus.store128(addr, self.gpr[i.rt()]));
            }
            Op::Swl | Op::Swr => {
                let addr = self.address(i, pc, 1, true)?;
                let aligned = addr & !3;
                let memory = fault!(bus.load32(aligned));
                let shift = (addr & 3) * 8;
                let value = rt as u32;
                let merged = if i.op == Op::Swl {
                    (value >> (24 - shift)) | (memory & (0xFFFF_FF00u32 << shift))
                } else {
                    (value << shift) | (memory & (0x00FF_FFFF >> (24 - shift)))
                };
                fault!(bus.store32(aligned, merged));
            }
            Op::Sdl | Op::Sdr => {
                let addr = self.address(i, pc, 1, true)?;
                let aligned = addr & !7;
                let memory = fault!(bus.load64(aligned));
                let shift = (addr & 7) * 8;
                let merged = if i.op == Op::Sdl {
                    (rt >> (56 - shift)) | (memory & (0xFFFF_FFFF_FFFF_FF00u64 << shift))
                } else {
                    (rt << shift) | (memory & (0x00FF_FFFF_FFFF_FFFF >> (56 - shift)))
                };
                fault!(bus.store64(aligned, merged));
            }
            // --- COP0
            Op::Mfc0 => {
                let value = if i.rd() == cop0::COUNT { self.count() } else { self.cop0[i.rd()] };
                self.write32(i.rt(), value);
            }
            Op::Mtc0 => {
                let value = rt as u32;
                match i.rd() {
                    cop0::COUNT => self.count_bias = value.wrapping_sub(self.cycles as u32),
                    cop0::COMPARE => {
                        self.cop0[cop0::COMPARE] = value;
                        self.cop0[cop0::CAUSE] &= !cop0::CAUSE_IP7;
                    }
                    cop0::PRID => {} // read-only
                    index => self.cop0[index] = value,
                }
            }
            Op::Ei => self.cop0[cop0::STATUS] |= cop0::STATUS_EIE,
            Op::Di => self.cop0[cop0::STATUS] &= !cop0::STATUS_EIE,
            Op::Eret => {
                let status = self.cop0[cop0::STATUS];
                let target = if status & cop0::STATUS_ERL != 0 {
                    self.cop0[cop0::STATUS] = status & !cop0::STATUS_ERL;
                    self.cop0[cop0::ERROR_EPC]
                } else {
                    self.cop0[cop0::STATUS] = status & !cop0::STATUS_EXL;
                    self.cop0[cop0::EPC]
                };
                // ERET has no delay slot.
                self.jump_to(target);
                self.cycles += timing::TAKEN_BRANCH;
            }
            Op::Tlbr | Op::Tlbwi | Op::Tlbwr | Op::Tlbp => return Err(Stop::Unimplemented { pc, instr: i }),
            // --- COP2 (VU0 macro mode) is outside this interpreter.
            Op::Qmfc2
            | Op::Cfc2
            | Op::Qmtc2
            | Op::Ctc2
            | Op::Bc2f
            | Op::Bc2t
            | Op::Bc2fl
            | Op::Bc2tl
            | Op::Vu0Macro
            | Op::Lqc2
            | Op::Sqc2 => return Err(Stop::Unimplemented { pc, instr: i }),
            // --- COP1
            Op::Lwc1 => {
                let addr = self.address(i, pc, 4, false)?;
                self.fpr[i.ft()] = fault!(bus.load32(addr));
            }
            Op::Swc1 => {
                let addr = self.address(i, pc, 4, true)?;
                fault!(bus.store32(addr, self.fpr[i.ft()]));
            }
            Op::Bc1f => self.branch(self.fcr31 & fcr31::C == 0, i.branch_target(pc)),
            Op::Bc1t => self.branch(self.fcr31 & fcr31::C != 0, i.branch_target(pc)),
            Op::Bc1fl => self.branch_likely(self.fcr31 & fcr31::C == 0, i.branch_target(pc)),
            Op::Bc1tl => self.branch_likely(self.fcr31 & fcr31::C != 0, i.branch_target(pc)),
            Op::Mfc1 | Op::Mtc1 | Op::Cfc1 | Op::Ctc1 => self.exec_cop1_move(i),
            Op::AddS
            | Op::SubS
            | Op::MulS
            | Op::DivS
            | Op::SqrtS
            | Op::AbsS
            | Op::MovS
            | Op::NegS
            | Op::RsqrtS
            | Op::AddaS
            | Op::SubaS
            | Op::MulaS
            | Op::MaddS
            | Op::MsubS
            | Op::MaddaS
            | Op::MsubaS
            | Op::CvtWS
            | Op::MaxS
            | Op::MinS
            | Op::CFS
            | Op::CEqS
            | Op::CLtS
            | Op::CLeS
            | Op::CvtSW => self.exec_fpu(i),
            // --- everything else is MMI
            _ => return self.exec_mmi(i, pc),
        }
        Ok(())
    }
}

/// Signed 32-bit division with the EE's results for the undefined cases.
pub(crate) fn div32(a: i32, b: i32) -> (u32, u32) {
    if b == 0 {
        // LO = -1 for a >= 0, +1 for a < 0; HI = dividend.
        (if a < 0 { 1 } else { u32::MAX }, a as u32)
    } else if a == i32::MIN && b == -1 {
        (i32::MIN as u32, 0)
    } else {
        ((a / b) as u32, (a % b) as u32)
    }
}

/// Unsigned 32-bit division; division by zero gives LO = 0xFFFF_FFFF, HI = dividend.
pub(crate) fn divu32(a: u32, b: u32) -> (u32, u32) {
    if b == 0 { (u32::MAX, a) } else { (a / b, a % b) }
}

fn trap_condition(op: Op, a: u64, b: u64) -> bool {
    match op {
        Op::Tge | Op::Tgei => a as i64 >= b as i64,
        Op::Tgeu | Op::Tgeiu => a >= b,
        Op::Tlt | Op::Tlti => (a as i64) < b as i64,
        Op::Tltu | Op::Tltiu => a < b,
        Op::Teq | Op::Teqi => a == b,
        _ => a != b,
    }
}
