//! The interpreter: architectural state, the run loop and the integer instructions.
//!
//! MMI and COP1 instructions live in `mmi.rs` and `fpu.rs` as further `impl Cpu` blocks.

use crate::bus::{Bus, Fault, FaultKind};
use crate::decode::{decode, Illegal, Instr, Op};
use crate::dcache::DataCache;
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
    /// TagLo (`CACHE` index load/store tag and data move through it).
    pub const TAG_LO: usize = 28;
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

pub(crate) const LOW64: u128 = u64::MAX as u128;

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
    /// VU0's registers, used by the COP2 (macro mode) instructions.
    pub vu0: crate::vu0::Vu0,
    /// Instructions retired.
    pub instret: u64,
    /// Estimated cycles (see the crate README for the model).
    pub cycles: u64,
    /// The data cache, holding data (see [`crate::dcache`]; hit/miss counts are public there).
    pub dcache: DataCache,
    /// The uncached-accelerated read buffer (see [`crate::dcache::Ucab`]).
    pub ucab: crate::dcache::Ucab,
    /// Which cycle model runs (see [`crate::timing`]); change it with [`Cpu::set_timing`].
    pub(crate) timing: crate::timing::TimingModel,
    /// The calibrated model's state.
    pub(crate) pipe: Box<crate::timing::Pipeline>,
    /// Cycle at which HI/LO (pipeline 0) results are ready.
    pub(crate) hilo_ready: u64,
    /// Cycle at which HI1/LO1 (pipeline 1) results are ready.
    pub(crate) hilo1_ready: u64,
    /// Cycle at which each FPU register's pending result is ready.
    pub(crate) fpr_ready: [u64; 32],
    /// Value of Count at cycle 0 (set by `mtc0 Count`).
    pub(crate) count_bias: u32,
    decode_cache: Box<[Instr]>,
    /// The timing model's view of each decoded instruction (same slots as `decode_cache`).
    usage_cache: Box<[crate::timing::Usage]>,
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
        let mut cpu = Cpu {
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
            vu0: crate::vu0::Vu0::default(),
            instret: 0,
            cycles: 0,
            dcache: DataCache::default(),
            ucab: crate::dcache::Ucab::default(),
            timing: crate::timing::TimingModel::Calibrated,
            pipe: Box::default(),
            hilo_ready: 0,
            hilo1_ready: 0,
            fpr_ready: [0; 32],
            count_bias: 0,
            // The all-zero word decodes to `nop`, so zeroed entries are valid cache contents.
            decode_cache: vec![Instr { op: Op::Nop, word: 0 }; DECODE_CACHE_ENTRIES].into_boxed_slice(),
            usage_cache: vec![crate::timing::usage(Instr { op: Op::Nop, word: 0 }); DECODE_CACHE_ENTRIES].into_boxed_slice(),
            watched_calls: Vec::new(),
            call_counts: Vec::new(),
        };
        cpu.set_timing(crate::timing::TimingModel::default());
        cpu
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
        // A context switch is an exception in the kernel: the UCAB does not survive it.
        self.ucab.invalidate();
        self.pipe.flush();
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
        self.ucab.invalidate();
        self.pipe.flush();
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
    pub(crate) fn note_call(&mut self, target: u32) {
        // Usually empty; a linear scan is fine for the handful of watched helpers.
        if let Some(index) = self.watched_calls.iter().position(|&a| a == target) {
            self.call_counts[index] += 1;
        }
    }

    /// Forgets all cached decodings. Never needed for correctness (each entry is checked against
    /// the fetched word, so rewritten code is seen at once); a machine may call it on
    /// `FlushCache(2)` to mirror the I-cache invalidation.
    pub fn clear_decode_cache(&mut self) {
        self.decode_cache.fill(Instr { op: Op::Nop, word: 0 });
        self.usage_cache.fill(crate::timing::usage(Instr { op: Op::Nop, word: 0 }));
        self.pipe.invalidate_icache();
    }

    /// Executes instructions until something the machine must handle happens or `budget`
    /// instructions have executed.
    pub fn run<B: Bus>(&mut self, bus: &mut B, budget: u64) -> Stop {
        let mut executed: u64 = 0;
        let calibrated = self.timing == crate::timing::TimingModel::Calibrated;
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
                        self.usage_cache[slot] = crate::timing::usage(instr);
                        instr
                    }
                    Err(illegal) => break Stop::Illegal { pc, illegal },
                }
            };
            let resume = self.next_pc;
            self.pc = resume;
            self.next_pc = resume.wrapping_add(4);
            if calibrated {
                self.fetch_timing(&*bus, pc);
            }
            let before = self.cycles;
            if !calibrated {
                self.cycles += 1;
            }
            executed += 1;
            let result = self.exec(bus, instr, pc);
            self.gpr[0] = 0;
            match result {
                Ok(()) => {
                    if calibrated {
                        // What the access code charged is handed to the pipeline model.
                        let mem = self.cycles - before;
                        self.cycles = before;
                        let likely_skipped = self.pc != resume;
                        let usage = self.usage_cache[slot];
                        self.schedule(instr, &usage, pc, mem, likely_skipped);
                    }
                }
                Err(stop) => {
                    match stop {
                        Stop::Syscall { .. } | Stop::Break { .. } => {
                            if calibrated {
                                let mem = self.cycles - before;
                                self.cycles = before;
                                let usage = self.usage_cache[slot];
                                self.schedule(instr, &usage, pc, mem, false);
                                if matches!(stop, Stop::Syscall { .. }) {
                                    // The kernel runs at a high level: its entry and exit
                                    // cost a fixed time, and the pipeline starts afresh.
                                    self.cycles += crate::timing::SYSCALL_COST;
                                    self.pipe.flush();
                                }
                            }
                        }
                        _ => {
                            // The instruction did not happen: point back at it.
                            self.pc = pc;
                            self.next_pc = resume;
                            self.cycles = before;
                            self.pipe.bus_free_at = 0;
                            executed -= 1;
                        }
                    }
                    break stop;
                }
            }
        };
        self.instret += executed;
        stop
    }
}
