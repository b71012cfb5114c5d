//! The cycle models and their constants.
//!
//! Two models are selectable per CPU ([`TimingModel`]):
//!
//! - [`TimingModel::Simple`], the first estimate: one cycle per instruction, +1 per taken branch,
//!   HI/LO and FPU result interlocks, data-cache misses and uncached accesses as blocking costs.
//! - [`TimingModel::Calibrated`] (the default): dual issue under the R5900's pairing rules, a
//!   scoreboard of register-ready cycles (load use, HI/LO, FPU, ACC, COP1/COP2 moves), unit
//!   repeat rates, the instruction cache, the branch history table and branch target address
//!   cache with their mispredict cost, non-blocking data-cache misses with a single miss slot,
//!   `PREF`, the write-back buffer for uncached stores, and a fixed kernel-call cost.
//!
//! Every constant names its source and grade as in `shared/reference/ee-timing-vu0.md`:
//! **D** vendor documentation, **M** a console measurement reported second-hand, **E** an
//! emulator's approximation, **C** a compiler's scheduling model, **S** community documentation,
//! **X** our own inference from the cited rows. `TIMING.md` in this crate has the same table
//! with the reasoning and what is left out.

use crate::cpu::Cpu;
use crate::dcache::{physical, segment, Segment};
use crate::vu0::MacroKind;
use crate::decode::{Instr, Op};

/// Which cycle model a [`Cpu`] runs (see the module documentation).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum TimingModel {
    /// One cycle per instruction, single issue (the model before the calibrated one; kept to
    /// compare figures).
    Simple,
    /// Dual issue, scoreboard, caches and branch prediction.
    #[default]
    Calibrated,
}

impl TimingModel {
    /// The model's name as the command-line option spells it.
    pub const fn name(self) -> &'static str {
        match self {
            TimingModel::Simple => "simple",
            TimingModel::Calibrated => "calibrated",
        }
    }
}

impl core::str::FromStr for TimingModel {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "simple" => Ok(TimingModel::Simple),
            "calibrated" => Ok(TimingModel::Calibrated),
            other => Err(format!("unknown timing model `{other}` (expected `simple` or `calibrated`)")),
        }
    }
}

impl core::fmt::Display for TimingModel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

// ------------------------------------------------------------------------------------------
// Constants shared by both models (latencies from the EE Core User's Manual's table).

/// Cycles until HI/LO hold the result of MULT/MULTU/MADD/MADDU (and their pipeline-1 forms).
/// D: EECUM §2.12 (latency 4); same in TX79 §3.4, GCC, the LLVM fork, DobieStation.
pub const MULT_LATENCY: u64 = 4;
/// Cycles until HI/LO hold the result of DIV/DIVU (and pipeline-1 forms, PDIVW, PDIVBW).
/// D: EECUM §2.12 (latency 37).
pub const DIV_LATENCY: u64 = 37;
/// Cycles until HI/LO hold the result of an MMI multiply (PMULTW, PMADDH, PHMADH, ...).
/// D: EECUM §2.12 (latency 4).
pub const MMI_MULT_LATENCY: u64 = 4;
/// Result latency of ordinary FPU arithmetic (add, sub, mul, madd, abs, neg, mov, cvt, c.cond).
/// D: EECUM §2.12 (latency 4, throughput 1).
pub const FPU_LATENCY: u64 = 4;
/// Result latency of DIV.S. D: EECUM §2.12 (8).
pub const FPU_DIV_LATENCY: u64 = 8;
/// Result latency of SQRT.S. D: EECUM §2.12 (8).
pub const FPU_SQRT_LATENCY: u64 = 8;
/// Result latency of RSQRT.S. D: EECUM §2.12 (14).
pub const FPU_RSQRT_LATENCY: u64 = 14;
/// Extra cycles for an uncached access (uncached RAM segments and I/O registers): a load's
/// result arrives this many cycles after it issues. M (second-hand): DobieStation's comment
/// "based upon gamedev tests" (`emotion.cpp`), 35 cycles.
pub const UNCACHED_ACCESS: u64 = 35;

// ------------------------------------------------------------------------------------------
// The simple model only.

/// Simple model: extra cycles for a taken branch or jump (an average, no source).
pub const TAKEN_BRANCH: u64 = 1;
/// Simple model: extra cycles for a data-cache miss (no source; close to the reported 43).
pub const DCACHE_MISS: u64 = 40;
/// Simple model: extra cycles to write back a dirty line on eviction (no source).
pub const DCACHE_WRITEBACK: u64 = 20;

// ------------------------------------------------------------------------------------------
// The calibrated model.

/// Instructions issued per cycle at most. D: EECUM §1.1 ("2-way superscalar").
pub const ISSUE_WIDTH: u64 = 2;
/// Latency of integer ALU, shift, LUI, MOVN/MOVZ, MFHI/MFLO, MFSA results. D: EECUM §2.12.
pub const ALU_LATENCY: u64 = 1;
/// Latency of an integer load that hits the D-cache or the scratchpad: the next cycle's
/// instruction may use it, but not the instruction paired with the load. D: EECUM §2.12 and
/// TX79 §3.4 say 1 (GCC's and the LLVM fork's models and DobieStation agree); EECUM §2.3.2
/// speaks of "additional clock cycles" without a number, which this model does not add.
pub const LOAD_LATENCY: u64 = 1;
/// Repeat rate of MULT/MADD and the MMI multiplies (the MAC unit accepts one every 2 cycles).
/// D: EECUM §2.12 (throughput 2).
pub const MULT_REPEAT: u64 = 2;
/// Repeat rate of DIV/DIVU and the MMI divides. D: EECUM §2.12 (throughput 37).
pub const DIV_REPEAT: u64 = 37;
/// Latency of MTC1, MFC1 and LWC1 (a hit) results. D: EECUM §2.12 (latency 2).
pub const COP1_MOVE_LATENCY: u64 = 2;
/// Repeat rate of DIV.S and SQRT.S (the FDIV unit). D: EECUM §2.12 (throughput 7).
pub const FPU_DIV_REPEAT: u64 = 7;
/// Repeat rate of RSQRT.S. D: EECUM §2.12 (throughput 13).
pub const FPU_RSQRT_REPEAT: u64 = 13;
/// Cycles from an ACC write (ADDA/SUBA/MULA/MADDA/MSUBA.S) until MADDA.S/MSUBA.S can
/// accumulate onto it. Unknown on hardware (the manual has no row). C: the LLVM fork's model
/// (internal ACC forwarding, 1); the VU's FMAC, from the same design, documents the same
/// back-to-back accumulation (D, VUUM §3.4.4). PCSX2 charges a flat 4 (E).
pub const ACC_FORWARD_LATENCY: u64 = 1;
/// Cycles from an ACC write until MADD.S/MSUB.S (which write an FPR) can read ACC.
/// C: the LLVM fork (4).
pub const ACC_TO_FPR_LATENCY: u64 = 4;
/// Latency of MFC0 results. Unknown in Sony's tables; C: the LLVM fork (3).
pub const COP0_LATENCY: u64 = 3;
/// Extra cycles when a branch's direction is mispredicted, or a register jump's target is not
/// in the BTAC: the fetch restarts after the branch resolves in the A stage. D: MPR99 Fig. 4
/// caption (3); the LLVM fork uses 4 (C).
pub const BRANCH_MISPREDICT: u64 = 3;
/// Extra cycles for a taken branch predicted taken by the BHT (or an unconditional jump) whose
/// target is not in the BTAC. Unknown (reference §1.5); X: one fetch cycle, as the target is
/// computed from the instruction in the R stage one cycle after a BTAC hit would have supplied it.
pub const BTAC_MISS_TAKEN: u64 = 1;
/// BTAC entries (looked up only for branches at even word addresses). D: EECUM §1.2.1, §7.2.3.
pub const BTAC_ENTRIES: usize = 64;
/// BHT counters: 2 bits for each instruction the I-cache can hold (16 KiB / 4 B).
/// D: EECUM §1.2.3 (2 bits per branch in the I-cache; MPR99 says per line).
pub const BHT_ENTRIES: usize = 4096;
/// Extra cycles for an instruction-cache miss (the fetch restarts after the whole line).
/// M (second-hand): DobieStation's comment ("another test we've run"), 40. ps2tek: "~40" (S).
pub const ICACHE_MISS: u64 = 40;
/// I-cache sets (16 KiB, 2 ways, 64-byte lines). D: EECUM §1.6.
pub const ICACHE_SETS: usize = 128;
/// Cycles until a missing D-cache line's data arrives (the load's result with early restart;
/// a blocking COP1/COP2 load stalls this long). M (second-hand): DobieStation's "43, based upon
/// gamedev tests"; ps2tek "~40" (S); EECUM §6.3.3's best case is 8 (D).
pub const DCACHE_MISS_CALIBRATED: u64 = 43;
/// Extra cycles to write back a dirty victim before the refill. Unknown on hardware; X: one
/// 64-byte burst of 4 bus cycles = 8 CPU cycles (EECUM §6.3.3's refill burst, D, and the bus
/// at half the CPU clock, EECUM §3.2).
pub const DCACHE_WRITEBACK_CALIBRATED: u64 = 8;
/// Write-back buffer entries (each one qword) in front of the bus for uncached stores.
/// D: EECUM §1.2.8 (8 × 16 bytes).
pub const WBB_ENTRIES: usize = 8;
/// Cycles the bus needs to retire one WBB entry (an uncached store, or one gathered qword of
/// uncached-accelerated stores). Unknown on hardware (reference §3.3); X: the uncached access
/// time [`UNCACHED_ACCESS`] (M), with entries drained one after the other.
pub const WBB_DRAIN: u64 = UNCACHED_ACCESS;
/// Cycles a `syscall` costs beyond its own issue slot: exception entry, the BIOS dispatcher's
/// register saves and the `eret`, for the simulator's high-level kernel, which runs no guest
/// code. Unknown on hardware; E: PCSX2's interpreter takes about 712 cycles for a FlushCache()
/// syscall through the real BIOS (PR 9954, F0bes' test); X: this model charges half of it for
/// the entry/exit alone, and the work of the call is not timed.
pub const SYSCALL_COST: u64 = 350;
/// Latency of a VU0 macro-mode result (VF register) to a following COP2 instruction.
/// D: VUUM §7.4 (latency 4), §5.4 (3 stall cycles back to back).
pub const VU_MACRO_LATENCY: u64 = 4;
/// Stall of any VU0 macro instruction right after QMTC2, CTC2 or LQC2. D: VUUM §5.4 (1 cycle).
pub const VU_AFTER_MOVE_STALL: u64 = 1;
/// VDIV and VSQRT in macro mode: the FDIV unit is busy, and Q is ready, this many cycles after issue.
/// D: VUUM §7.4 (throughput 7, latency 7); `[Micro99 Table 2]` agrees.
pub const VU_FDIV_LATENCY: u64 = 7;
/// VRSQRT in macro mode: the same for 13 cycles. D: VUUM §7.4.
pub const VU_RSQRT_LATENCY: u64 = 13;

// ------------------------------------------------------------------------------------------
// Instruction classes and the pairing table.

/// The R5900's instruction classes for issue (EECUM Tables 1-1 and 1-2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Class {
    /// Loads, stores, PREF, CACHE: logical pipe 1.
    LoadStore,
    /// SYNC: pipe 1.
    Sync,
    /// PLZCW: pipe 1.
    Lzc,
    /// ERET: pipe 1.
    Eret,
    /// Other COP0 instructions: pipe 1.
    Cop0,
    /// MFSA/MTSA/MTSAB/MTSAH: pipe 0.
    SaOp,
    /// MULT/MADD/DIV and HI/LO moves: pipe 0.
    Mac0,
    /// Their pipeline-1 forms: pipe 1.
    Mac1,
    /// Integer ALU, shifts, traps, SYSCALL/BREAK: either pipe.
    Alu,
    /// Branches and jumps: either pipe.
    Branch,
    /// 128-bit MMI operations: both physical pipes, logical pipe 0.
    Wide,
    /// MTC1/MFC1/CTC1/CFC1/LWC1/SWC1: pipe 1.
    Cop1Move,
    /// QMTC2/QMFC2/CTC2/CFC2/LQC2/SQC2: pipe 1.
    Cop2Move,
    /// FPU arithmetic: pipe 0.
    Cop1Op,
    /// VU0 macro operations: pipe 0.
    Cop2Op,
}

impl Class {
    const fn pipe0(self) -> bool {
        matches!(self, Class::SaOp | Class::Mac0 | Class::Alu | Class::Branch | Class::Wide | Class::Cop1Op | Class::Cop2Op)
    }
    const fn pipe1(self) -> bool {
        matches!(
            self,
            Class::LoadStore
                | Class::Sync
                | Class::Lzc
                | Class::Eret
                | Class::Cop0
                | Class::Mac1
                | Class::Alu
                | Class::Branch
                | Class::Cop1Move
                | Class::Cop2Move
        )
    }
}

/// Whether `one` in logical pipe 1 and `zero` in pipe 0 issue in the same cycle: EECUM Table
/// 1-3 (D). Its **X** entries (ERET or a branch with a branch) never pair; its **Y** entries
/// (LZC, ALU or MAC1 with a wide MMI op, a COP1 move with a COP1 op, a COP2 move with a COP2
/// op) issue together but stall one cycle in the A stage, which costs the same cycle as issuing
/// one after the other, so they are not paired here (X).
const fn table_1_3(one: Class, zero: Class) -> bool {
    !matches!(
        (one, zero),
        (Class::Eret | Class::Branch, Class::Branch)
            | (Class::Lzc | Class::Alu | Class::Mac1, Class::Wide)
            | (Class::Cop1Move, Class::Cop1Op)
            | (Class::Cop2Move, Class::Cop2Op)
    )
}

/// Whether `second` can issue in the same cycle as `first` (program order): one of them must
/// go to pipe 0 and the other to pipe 1 with an **O** in Table 1-3.
pub(crate) const fn can_pair(first: Class, second: Class) -> bool {
    (first.pipe0() && second.pipe1() && table_1_3(second, first))
        || (first.pipe1() && second.pipe0() && table_1_3(first, second))
}

// ------------------------------------------------------------------------------------------
// What an instruction reads and writes.

const NO_FPR: u8 = 32;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mem {
    None,
    /// A load into a GPR: non-blocking on a miss.
    Load,
    /// A load into a coprocessor register (LWC1, LQC2): blocking on a miss (EECUM §6.3.2).
    BlockingLoad,
    Store,
    Pref,
    Sync,
    Cache,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flow {
    None,
    Conditional { likely: bool },
    Jump,
    JumpRegister,
    Eret,
}

/// What an instruction reads, writes and occupies (computed once per decoded instruction).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Usage {
    class: Class,
    gpr_src: [u8; 3],
    gpr_dst: u8,
    gpr_latency: u8,
    fpr_src: [u8; 2],
    fpr_dst: u8,
    fpr_latency: u8,
    /// HI/LO halves read (bit 0: pipeline 0, bit 1: pipeline 1) and written.
    hilo_src: u8,
    hilo_dst: u8,
    hilo_latency: u8,
    /// MAC units occupied (bit 0: MAC0, bit 1: MAC1) and for how long.
    mac: u8,
    mac_repeat: u8,
    fdiv_repeat: u8,
    acc_read_madda: bool,
    acc_read_fpr: bool,
    acc_write: bool,
    fcc_read: bool,
    fcc_write: bool,
    vu_macro: bool,
    vu_move_in: bool,
    mem: Mem,
    flow: Flow,
}

impl Usage {
    const fn new(class: Class) -> Self {
        Usage {
            class,
            gpr_src: [0; 3],
            gpr_dst: 0,
            gpr_latency: ALU_LATENCY as u8,
            fpr_src: [NO_FPR; 2],
            fpr_dst: NO_FPR,
            fpr_latency: FPU_LATENCY as u8,
            hilo_src: 0,
            hilo_dst: 0,
            hilo_latency: ALU_LATENCY as u8,
            mac: 0,
            mac_repeat: 0,
            fdiv_repeat: 0,
            acc_read_madda: false,
            acc_read_fpr: false,
            acc_write: false,
            fcc_read: false,
            fcc_write: false,
            vu_macro: false,
            vu_move_in: false,
            mem: Mem::None,
            flow: Flow::None,
        }
    }
}

/// The [`Usage`] of `i`.
pub(crate) fn usage(i: Instr) -> Usage {
    use Op::*;
    let (rs, rt, rd) = (i.rs() as u8, i.rt() as u8, i.rd() as u8);
    let (fs, ft, fd) = (i.fs() as u8, i.ft() as u8, i.fd() as u8);
    let mut u;
    match i.op {
        // --- loads and stores
        Lb | Lbu | Lh | Lhu | Lw | Lwu | Ld | Lq => {
            u = Usage::new(Class::LoadStore);
            u.gpr_src = [rs, 0, 0];
            u.gpr_dst = rt;
            u.gpr_latency = LOAD_LATENCY as u8;
            u.mem = Mem::Load;
        }
        Lwl | Lwr | Ldl | Ldr => {
            u = Usage::new(Class::LoadStore);
            u.gpr_src = [rs, rt, 0];
            u.gpr_dst = rt;
            u.gpr_latency = LOAD_LATENCY as u8;
            u.mem = Mem::Load;
        }
        Sb | Sh | Sw | Sd | Sq | Swl | Swr | Sdl | Sdr => {
            u = Usage::new(Class::LoadStore);
            u.gpr_src = [rs, rt, 0];
            u.mem = Mem::Store;
        }
        Pref => {
            u = Usage::new(Class::LoadStore);
            u.gpr_src = [rs, 0, 0];
            u.mem = Mem::Pref;
        }
        Cache => {
            u = Usage::new(Class::LoadStore);
            u.gpr_src = [rs, 0, 0];
            u.mem = Mem::Cache;
        }
        Sync => {
            u = Usage::new(Class::Sync);
            u.mem = Mem::Sync;
        }
        // --- branches and jumps
        J => {
            u = Usage::new(Class::Branch);
            u.flow = Flow::Jump;
        }
        Jal => {
            u = Usage::new(Class::Branch);
            u.gpr_dst = 31;
            u.flow = Flow::Jump;
        }
        Jr => {
            u = Usage::new(Class::Branch);
            u.gpr_src = [rs, 0, 0];
            u.flow = Flow::JumpRegister;
        }
        Jalr => {
            u = Usage::new(Class::Branch);
            u.gpr_src = [rs, 0, 0];
            u.gpr_dst = rd;
            u.flow = Flow::JumpRegister;
        }
        Beq | Bne | Beql | Bnel => {
            u = Usage::new(Class::Branch);
            u.gpr_src = [rs, rt, 0];
            u.flow = Flow::Conditional { likely: matches!(i.op, Beql | Bnel) };
        }
        Blez | Bgtz | Bltz | Bgez | Blezl | Bgtzl | Bltzl | Bgezl => {
            u = Usage::new(Class::Branch);
            u.gpr_src = [rs, 0, 0];
            u.flow = Flow::Conditional { likely: matches!(i.op, Blezl | Bgtzl | Bltzl | Bgezl) };
        }
        Bltzal | Bgezal | Bltzall | Bgezall => {
            u = Usage::new(Class::Branch);
            u.gpr_src = [rs, 0, 0];
            u.gpr_dst = 31;
            u.flow = Flow::Conditional { likely: matches!(i.op, Bltzall | Bgezall) };
        }
        Bc0f | Bc0t | Bc0fl | Bc0tl | Bc2f | Bc2t | Bc2fl | Bc2tl => {
            u = Usage::new(Class::Branch);
            u.flow = Flow::Conditional { likely: matches!(i.op, Bc0fl | Bc0tl | Bc2fl | Bc2tl) };
        }
        Bc1f | Bc1t | Bc1fl | Bc1tl => {
            u = Usage::new(Class::Branch);
            u.fcc_read = true;
            u.flow = Flow::Conditional { likely: matches!(i.op, Bc1fl | Bc1tl) };
        }
        Eret => {
            u = Usage::new(Class::Eret);
            u.flow = Flow::Eret;
        }
        // --- HI/LO, multiply, divide
        Mult | Multu | Madd | Maddu | Mult1 | Multu1 | Madd1 | Maddu1 => {
            let pipe1 = matches!(i.op, Mult1 | Multu1 | Madd1 | Maddu1);
            u = Usage::new(if pipe1 { Class::Mac1 } else { Class::Mac0 });
            let half = if pipe1 { 2 } else { 1 };
            u.gpr_src = [rs, rt, 0];
            u.gpr_dst = rd;
            u.gpr_latency = MULT_LATENCY as u8;
            if matches!(i.op, Madd | Maddu | Madd1 | Maddu1) {
                u.hilo_src = half;
            }
            u.hilo_dst = half;
            u.hilo_latency = MULT_LATENCY as u8;
            u.mac = half;
            u.mac_repeat = MULT_REPEAT as u8;
        }
        Div | Divu | Div1 | Divu1 => {
            let pipe1 = matches!(i.op, Div1 | Divu1);
            u = Usage::new(if pipe1 { Class::Mac1 } else { Class::Mac0 });
            let half = if pipe1 { 2 } else { 1 };
            u.gpr_src = [rs, rt, 0];
            u.hilo_dst = half;
            u.hilo_latency = DIV_LATENCY as u8;
            u.mac = half;
            u.mac_repeat = DIV_REPEAT as u8;
        }
        Mfhi | Mflo | Mfhi1 | Mflo1 => {
            let pipe1 = matches!(i.op, Mfhi1 | Mflo1);
            u = Usage::new(if pipe1 { Class::Mac1 } else { Class::Mac0 });
            u.hilo_src = if pipe1 { 2 } else { 1 };
            u.gpr_dst = rd;
        }
        Mthi | Mtlo | Mthi1 | Mtlo1 => {
            let pipe1 = matches!(i.op, Mthi1 | Mtlo1);
            u = Usage::new(if pipe1 { Class::Mac1 } else { Class::Mac0 });
            u.gpr_src = [rs, 0, 0];
            u.hilo_dst = if pipe1 { 2 } else { 1 };
        }
        Mfsa => {
            u = Usage::new(Class::SaOp);
            u.gpr_dst = rd;
        }
        Mtsa | Mtsab | Mtsah => {
            u = Usage::new(Class::SaOp);
            u.gpr_src = [rs, 0, 0];
        }
        Plzcw => {
            u = Usage::new(Class::Lzc);
            u.gpr_src = [rs, 0, 0];
            u.gpr_dst = rd;
        }
        Pmaddw | Pmsubw | Pmaddh | Pmsubh | Pmadduw | Phmadh | Phmsbh | Pmultw | Pmulth | Pmultuw => {
            u = Usage::new(Class::Wide);
            u.gpr_src = [rs, rt, 0];
            u.gpr_dst = rd;
            u.gpr_latency = MMI_MULT_LATENCY as u8;
            if matches!(i.op, Pmaddw | Pmsubw | Pmaddh | Pmsubh | Pmadduw) {
                u.hilo_src = 3;
            }
            u.hilo_dst = 3;
            u.hilo_latency = MMI_MULT_LATENCY as u8;
            u.mac = 3;
            u.mac_repeat = MULT_REPEAT as u8;
        }
        Pdivw | Pdivuw | Pdivbw => {
            u = Usage::new(Class::Wide);
            u.gpr_src = [rs, rt, 0];
            u.hilo_dst = 3;
            u.hilo_latency = DIV_LATENCY as u8;
            u.mac = 3;
            u.mac_repeat = DIV_REPEAT as u8;
        }
        Pmfhi | Pmflo | PmfhlLw | PmfhlUw | PmfhlSlw | PmfhlLh | PmfhlSh => {
            u = Usage::new(Class::Wide);
            u.hilo_src = 3;
            u.gpr_dst = rd;
        }
        Pmthi | Pmtlo | PmthlLw => {
            u = Usage::new(Class::Wide);
            u.gpr_src = [rs, 0, 0];
            u.hilo_dst = 3;
        }
        // --- COP0
        Mfc0 => {
            u = Usage::new(Class::Cop0);
            u.gpr_dst = rt;
            u.gpr_latency = COP0_LATENCY as u8;
        }
        Mtc0 => {
            u = Usage::new(Class::Cop0);
            u.gpr_src = [rt, 0, 0];
        }
        Ei | Di | Tlbr | Tlbwi | Tlbwr | Tlbp => u = Usage::new(Class::Cop0),
        // --- COP1 moves
        Mfc1 | Cfc1 => {
            u = Usage::new(Class::Cop1Move);
            if i.op == Mfc1 {
                u.fpr_src = [fs, NO_FPR];
            }
            u.gpr_dst = rt;
            u.gpr_latency = COP1_MOVE_LATENCY as u8;
        }
        Mtc1 | Ctc1 => {
            u = Usage::new(Class::Cop1Move);
            u.gpr_src = [rt, 0, 0];
            if i.op == Mtc1 {
                u.fpr_dst = fs;
                u.fpr_latency = COP1_MOVE_LATENCY as u8;
            }
        }
        Lwc1 => {
            u = Usage::new(Class::Cop1Move);
            u.gpr_src = [rs, 0, 0];
            u.fpr_dst = ft;
            u.fpr_latency = COP1_MOVE_LATENCY as u8;
            u.mem = Mem::BlockingLoad;
        }
        Swc1 => {
            u = Usage::new(Class::Cop1Move);
            u.gpr_src = [rs, 0, 0];
            u.fpr_src = [ft, NO_FPR];
            u.mem = Mem::Store;
        }
        // --- COP1 arithmetic
        AddS | SubS | MulS | MaxS | MinS => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = [fs, ft];
            u.fpr_dst = fd;
        }
        AbsS | NegS | MovS | CvtWS | CvtSW => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = [fs, NO_FPR];
            u.fpr_dst = fd;
        }
        MaddS | MsubS => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = [fs, ft];
            u.fpr_dst = fd;
            u.acc_read_fpr = true;
        }
        AddaS | SubaS | MulaS => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = [fs, ft];
            u.acc_write = true;
        }
        MaddaS | MsubaS => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = [fs, ft];
            u.acc_read_madda = true;
            u.acc_write = true;
        }
        DivS | SqrtS | RsqrtS => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = if i.op == SqrtS { [ft, NO_FPR] } else { [fs, ft] };
            u.fpr_dst = fd;
            let (latency, repeat) = match i.op {
                DivS => (FPU_DIV_LATENCY, FPU_DIV_REPEAT),
                SqrtS => (FPU_SQRT_LATENCY, FPU_DIV_REPEAT),
                _ => (FPU_RSQRT_LATENCY, FPU_RSQRT_REPEAT),
            };
            u.fpr_latency = latency as u8;
            u.fdiv_repeat = repeat as u8;
        }
        CFS | CEqS | CLtS | CLeS => {
            u = Usage::new(Class::Cop1Op);
            u.fpr_src = [fs, ft];
            u.fcc_write = true;
        }
        // --- COP2 (VU0 macro mode): VF registers are tracked by number (VUUM §5.4).
        Lqc2 => {
            u = Usage::new(Class::Cop2Move);
            u.gpr_src = [rs, 0, 0];
            u.mem = Mem::BlockingLoad;
            u.vu_move_in = true;
        }
        Sqc2 => {
            u = Usage::new(Class::Cop2Move);
            u.gpr_src = [rs, 0, 0];
            u.mem = Mem::Store;
        }
        Qmtc2 | Ctc2 => {
            u = Usage::new(Class::Cop2Move);
            u.gpr_src = [rt, 0, 0];
            u.vu_move_in = true;
        }
        Qmfc2 | Cfc2 => {
            u = Usage::new(Class::Cop2Move);
            u.gpr_dst = rt;
        }
        Vu0Macro => {
            u = Usage::new(Class::Cop2Op);
            u.vu_macro = true;
        }
        // --- system
        Syscall | Break | Nop => u = Usage::new(Class::Alu),
        _ => {
            // Everything else is an ALU-class integer instruction or a 1-cycle MMI operation;
            // the operand layout says which registers it reads and writes.
            let wide = is_mmi(i);
            u = Usage::new(if wide { Class::Wide } else { Class::Alu });
            use crate::decode::Format as F;
            match i.op.format() {
                F::RdRsRt | F::RdRtRs => {
                    u.gpr_src = [rs, rt, 0];
                    u.gpr_dst = rd;
                }
                F::RdRtSa | F::RdRt => {
                    u.gpr_src = [rt, 0, 0];
                    u.gpr_dst = rd;
                }
                F::RtRsSimm | F::RtRsUimm => {
                    u.gpr_src = [rs, 0, 0];
                    u.gpr_dst = rt;
                }
                F::RtUimm => u.gpr_dst = rt,
                F::RsRt => u.gpr_src = [rs, rt, 0],
                F::RsSimm | F::RsUimm | F::Rs => u.gpr_src = [rs, 0, 0],
                F::Rd => u.gpr_dst = rd,
                F::RdRs => {
                    u.gpr_src = [rs, 0, 0];
                    u.gpr_dst = rd;
                }
                _ => {}
            }
        }
    }
    u
}

/// Whether `i` is a 128-bit MMI operation: primary opcode MMI (0x1C). PLZCW and the pipeline-1
/// integer forms share the opcode but are classified before [`usage`] asks.
fn is_mmi(i: Instr) -> bool {
    i.word >> 26 == 0x1C
}

// ------------------------------------------------------------------------------------------
// Pipeline state.

/// Counters of the calibrated model (what moved the cycle count), as the EE's performance
/// counters would count them (EECUM §7.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimingStats {
    /// Instructions issued in the same cycle as the one before them.
    pub dual_issued: u64,
    /// Conditional branches whose direction the BHT mispredicted, and register jumps whose
    /// target was not in the BTAC.
    pub mispredicts: u64,
    /// Taken branches and jumps predicted correctly whose target was not in the BTAC.
    pub btac_misses: u64,
    /// Instruction-cache misses.
    pub icache_misses: u64,
    /// Cycles an instruction waited for an operand (load use, HI/LO, FPU, ACC, COP moves) or a
    /// busy unit, beyond the cycle it could otherwise have issued in.
    pub dependency_stall_cycles: u64,
    /// Cycles the pipeline stood still for blocking memory accesses (COP1/COP2 load misses,
    /// a full write-back buffer, SYNC) and instruction-cache misses.
    pub memory_stall_cycles: u64,
}

/// The calibrated model's state: the register scoreboard, units, caches and predictors.
#[derive(Clone)]
pub(crate) struct Pipeline {
    gpr_ready: [u64; 32],
    fpr_ready: [u64; 33],
    vf_ready: [u64; 32],
    hilo_ready: [u64; 2],
    mac_free: [u64; 2],
    fdiv_free: u64,
    acc_ready_madda: u64,
    acc_ready_fpr: u64,
    fcc_ready: u64,
    vu_move_stall_until: u64,
    /// When VU0's FDIV unit finishes its VDIV/VSQRT/VRSQRT (and Q holds the result).
    vu_fdiv_free: u64,
    /// Completion cycle of the one outstanding D-cache miss (or uncached load), and its line.
    miss_done: u64,
    miss_line: u32,
    /// Completion cycles of the WBB entries (a ring), and the qword the newest one gathers.
    wbb_done: [u64; WBB_ENTRIES],
    wbb_next: usize,
    wbb_last_done: u64,
    wbb_last_qword: u32,
    /// The cycle the previous instruction issued in, and its class while its pair slot is free.
    last_issue: u64,
    open: Option<Class>,
    open_dst: u8,
    /// `cpu.cycles` after the previous instruction; a different value means time moved
    /// outside the pipeline (a kernel wait), after which nothing pairs with the past.
    expected_cycles: u64,
    /// A branch whose delay slot is next: the bubble to add after it, and whether the fetch
    /// then restarts at an odd word (which cannot pair with its successor).
    pending_bubble: Option<u64>,
    pending_odd_target: bool,
    /// The next instruction starts a fetch at an odd word (a branch target).
    odd_fetch: bool,
    bht: Box<[u8; BHT_ENTRIES]>,
    btac_pc: [u32; BTAC_ENTRIES],
    btac_target: [u32; BTAC_ENTRIES],
    icache_tags: [u32; ICACHE_SETS * 2],
    icache_lrf: [bool; ICACHE_SETS * 2],
    fetch_line: u32,
    /// Address of the last data access of the current instruction (set by the access code).
    pub(crate) mem_addr: u32,
    /// When the current instruction's access needs the main bus and a DMA burst holds it: the
    /// cycle the burst ends (set by the access code, consumed by `schedule`; 0 otherwise).
    pub(crate) bus_free_at: u64,
    pub(crate) stats: TimingStats,
}

const INVALID_LINE: u32 = u32::MAX;

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            gpr_ready: [0; 32],
            fpr_ready: [0; 33],
            vf_ready: [0; 32],
            hilo_ready: [0; 2],
            mac_free: [0; 2],
            fdiv_free: 0,
            acc_ready_madda: 0,
            acc_ready_fpr: 0,
            fcc_ready: 0,
            vu_move_stall_until: 0,
            vu_fdiv_free: 0,
            miss_done: 0,
            miss_line: INVALID_LINE,
            wbb_done: [0; WBB_ENTRIES],
            wbb_next: 0,
            wbb_last_done: 0,
            wbb_last_qword: INVALID_LINE,
            last_issue: 0,
            open: None,
            open_dst: 0,
            expected_cycles: 0,
            pending_bubble: None,
            pending_odd_target: false,
            odd_fetch: false,
            // Weakly not taken.
            bht: Box::new([1; BHT_ENTRIES]),
            btac_pc: [INVALID_LINE; BTAC_ENTRIES],
            btac_target: [0; BTAC_ENTRIES],
            icache_tags: [INVALID_LINE; ICACHE_SETS * 2],
            icache_lrf: [false; ICACHE_SETS * 2],
            fetch_line: INVALID_LINE,
            mem_addr: 0,
            bus_free_at: 0,
            stats: TimingStats::default(),
        }
    }
}

impl Pipeline {
    /// Forgets the in-flight state (register readiness, pairing, pending branch) after an
    /// exception or a context switch; caches and predictors survive.
    pub(crate) fn flush(&mut self) {
        self.gpr_ready = [0; 32];
        self.fpr_ready = [0; 33];
        self.vf_ready = [0; 32];
        self.hilo_ready = [0; 2];
        self.acc_ready_madda = 0;
        self.acc_ready_fpr = 0;
        self.fcc_ready = 0;
        self.vu_move_stall_until = 0;
        self.vu_fdiv_free = 0;
        self.open = None;
        self.pending_bubble = None;
        self.pending_odd_target = false;
        self.odd_fetch = false;
        self.fetch_line = INVALID_LINE;
    }

    /// Forgets the cached instructions (`FlushCache(2)`, CACHE IXIN).
    pub(crate) fn invalidate_icache(&mut self) {
        self.icache_tags = [INVALID_LINE; ICACHE_SETS * 2];
        self.fetch_line = INVALID_LINE;
    }

    /// Looks `line` (physical address >> 6) up in the I-cache, filling it on a miss (LRF
    /// replacement like the D-cache: an invalid way first, else the way the XOR of the two LRF
    /// bits names, EECUM §6). Returns whether it hit.
    fn icache_access(&mut self, line: u32) -> bool {
        let base = (line as usize % ICACHE_SETS) * 2;
        if self.icache_tags[base] == line || self.icache_tags[base + 1] == line {
            return true;
        }
        let way = if self.icache_tags[base] == INVALID_LINE {
            0
        } else if self.icache_tags[base + 1] == INVALID_LINE {
            1
        } else {
            (self.icache_lrf[base] ^ self.icache_lrf[base + 1]) as usize
        };
        self.icache_tags[base + way] = line;
        self.icache_lrf[base + way] = !self.icache_lrf[base + way];
        false
    }

    /// The bubble after a control transfer at `pc` (taken or not, to `target`), and the
    /// predictor updates: a 2-bit BHT counter per instruction address and a direct-mapped BTAC
    /// consulted only for branches at even word addresses (EECUM §1.2.1, §1.3.2).
    fn predict(&mut self, flow: Flow, pc: u32, taken: bool, target: u32) -> u64 {
        let slot = (pc as usize >> 3) % BTAC_ENTRIES;
        let even = pc & 4 == 0;
        let btac_hit = even && self.btac_pc[slot] == pc && self.btac_target[slot] == target;
        let bubble = match flow {
            Flow::Conditional { .. } => {
                let counter = &mut self.bht[(pc as usize >> 2) % BHT_ENTRIES];
                let predicted_taken = *counter >= 2;
                *counter = if taken { (*counter + 1).min(3) } else { counter.saturating_sub(1) };
                if predicted_taken != taken {
                    self.stats.mispredicts += 1;
                    BRANCH_MISPREDICT
                } else if taken && !btac_hit {
                    self.stats.btac_misses += 1;
                    BTAC_MISS_TAKEN
                } else {
                    0
                }
            }
            Flow::Jump => {
                if btac_hit {
                    0
                } else {
                    self.stats.btac_misses += 1;
                    BTAC_MISS_TAKEN
                }
            }
            Flow::JumpRegister => {
                if btac_hit {
                    0
                } else {
                    self.stats.mispredicts += 1;
                    BRANCH_MISPREDICT
                }
            }
            Flow::Eret | Flow::None => 0,
        };
        if even {
            if taken {
                self.btac_pc[slot] = pc;
                self.btac_target[slot] = target;
            } else if self.btac_pc[slot] == pc {
                self.btac_pc[slot] = INVALID_LINE;
            }
        }
        bubble
    }
}

impl Cpu {
    /// Selects the cycle model; switching resets the calibrated model's in-flight state.
    pub fn set_timing(&mut self, model: TimingModel) {
        self.timing = model;
        self.pipe.flush();
        self.pipe.expected_cycles = self.cycles;
        let (miss, writeback) = match model {
            TimingModel::Simple => (DCACHE_MISS, DCACHE_WRITEBACK),
            TimingModel::Calibrated => (DCACHE_MISS_CALIBRATED, DCACHE_WRITEBACK_CALIBRATED),
        };
        self.dcache.set_costs(miss, writeback);
    }

    /// The cycle model in use.
    pub fn timing(&self) -> TimingModel {
        self.timing
    }

    /// The calibrated model's counters (all zero under the simple model).
    pub fn timing_stats(&self) -> TimingStats {
        self.pipe.stats
    }

    /// Calibrated model, before the instruction at `pc` executes: the I-cache is looked up
    /// once per 64-byte line entered; a miss delays everything by [`ICACHE_MISS`] (the fetch
    /// restarts after the whole line, EECUM §6). Uncached fetches are not timed.
    /// The refill needs the main bus, so it starts after a DMA burst that holds it.
    #[inline(always)]
    pub(crate) fn fetch_timing<B: crate::Bus>(&mut self, bus: &B, pc: u32) {
        let p = &mut *self.pipe;
        let line = pc >> 6;
        if line != p.fetch_line {
            p.fetch_line = line;
            if segment(pc) == Segment::Cached && !p.icache_access(physical(pc) >> 6) {
                let wait = bus.bus_held_until().saturating_sub(self.cycles);
                p.stats.icache_misses += 1;
                p.stats.memory_stall_cycles += wait + ICACHE_MISS;
                // Nothing pairs across the miss (`schedule` sees the cycle count moved).
                self.cycles += wait + ICACHE_MISS;
            }
        }
    }

    /// Calibrated model: places the instruction `i` at `pc`, just executed, in the pipeline and
    /// advances `cycles` to the first cycle a later instruction could issue in alone. `u` is
    /// [`usage`]`(i)`, cached with the decoded instruction. `mem` is
    /// what the access code charged (miss or uncached cycles); `likely_skipped` says a branch-
    /// likely was not taken (its delay slot was nullified).
    pub(crate) fn schedule(&mut self, i: Instr, u: &Usage, pc: u32, mem: u64, likely_skipped: bool) {
        let p = &mut *self.pipe;
        if self.cycles != p.expected_cycles {
            p.open = None;
        }
        let start = self.cycles;
        // The delay slot never pairs with its branch (DobieStation's rule, E; Sony is silent).
        let bubble = p.pending_bubble.take();
        if bubble.is_some() {
            p.open = None;
        }

        // Operands and units.
        let mut ready = 0u64;
        for r in u.gpr_src {
            ready = ready.max(p.gpr_ready[r as usize]);
        }
        for f in u.fpr_src {
            ready = ready.max(p.fpr_ready[f as usize]);
        }
        if u.hilo_src & 1 != 0 {
            ready = ready.max(p.hilo_ready[0]);
        }
        if u.hilo_src & 2 != 0 {
            ready = ready.max(p.hilo_ready[1]);
        }
        if u.mac & 1 != 0 {
            ready = ready.max(p.mac_free[0]);
        }
        if u.mac & 2 != 0 {
            ready = ready.max(p.mac_free[1]);
        }
        if u.fdiv_repeat != 0 {
            ready = ready.max(p.fdiv_free);
        }
        if u.acc_read_madda {
            ready = ready.max(p.acc_ready_madda);
        }
        if u.acc_read_fpr {
            ready = ready.max(p.acc_ready_fpr);
        }
        if u.fcc_read {
            ready = ready.max(p.fcc_ready);
        }
        let vu_op = if u.vu_macro { crate::vu0::decode_macro(i.word) } else { None };
        if let Some(op) = &vu_op {
            ready = ready.max(p.vu_move_stall_until);
            // Sources (RAW) and the destination (WAW), by register number (VUUM §5.4).
            let [a, b] = op.vf_sources();
            for r in [a, b, op.vf_destination().unwrap_or(0)] {
                if r != 0 {
                    ready = ready.max(p.vf_ready[r]);
                }
            }
            // A second FDIV operation waits for the first; VWAITQ waits for Q (VUUM §5.4). Other readers of Q
            // do not wait on the hardware (they read the old Q); the interpreter gives them the new one.
            if matches!(op.kind, MacroKind::Div | MacroKind::Sqrt | MacroKind::Rsqrt | MacroKind::WaitQ) {
                ready = ready.max(p.vu_fdiv_free);
            }
        }
        if matches!(i.op, Op::Qmfc2 | Op::Sqc2) {
            // They read what a macro op writes: wait for its S stage (VUUM §5.4).
            let r = if i.op == Op::Sqc2 { i.ft() } else { i.rd() };
            if r != 0 {
                ready = ready.max(p.vf_ready[r]);
            }
        }

        // Memory: what kind of access happened, from the segment and what it cost.
        let addr = p.mem_addr;
        let bus_free_at = core::mem::take(&mut p.bus_free_at);
        let seg = segment(addr);
        let is_access = matches!(u.mem, Mem::Load | Mem::BlockingLoad | Mem::Store | Mem::Pref | Mem::Cache);
        let missed = is_access && mem > 0 && seg == Segment::Cached;
        let uncached_load = matches!(u.mem, Mem::Load | Mem::BlockingLoad)
            && matches!(seg, Segment::Uncached | Segment::UncachedAccelerated)
            && mem > 0;
        let uncached_store = u.mem == Mem::Store && matches!(seg, Segment::Uncached | Segment::UncachedAccelerated);
        if missed || uncached_load {
            // One outstanding miss at a time (EECUM §6.3.2): a second one waits for the first.
            ready = ready.max(p.miss_done);
        }
        if uncached_load || u.mem == Mem::Sync {
            // Uncached accesses are executed in order on the bus; SYNC drains the buffers.
            ready = ready.max(p.wbb_last_done).max(p.miss_done);
        }

        // Issue: pair with the previous instruction if the table allows, nothing it writes is
        // read here (its results are not ready in its own cycle) and both do not write one GPR.
        let pairs = match p.open {
            Some(previous) => {
                ready <= p.last_issue
                    && can_pair(previous, u.class)
                    && !(u.gpr_dst != 0 && u.gpr_dst == p.open_dst)
            }
            None => false,
        };
        let issue = if pairs {
            p.open = None;
            p.stats.dual_issued += 1;
            p.last_issue
        } else {
            if ready > start {
                p.stats.dependency_stall_cycles += ready - start;
            }
            let at = ready.max(start);
            p.open = Some(u.class);
            p.open_dst = u.gpr_dst;
            p.last_issue = at;
            at
        };
        let mut next = (issue + 1).max(self.cycles);
        // An access that needs the bus while a DMA burst holds it starts its bus time when the
        // burst ends (reference §3.7); everything it costs moves back by the wait.
        let mem = if missed || uncached_load { mem + bus_free_at.saturating_sub(issue) } else { mem };
        if p.odd_fetch {
            // A fetch that starts at an odd word delivers one instruction (64 bits per cycle
            // from an aligned pair, EECUM §1.6), so the next one cannot pair with this one.
            p.odd_fetch = false;
            p.open = None;
        }

        // Results.
        if u.gpr_dst != 0 {
            let mut at = issue + u.gpr_latency as u64;
            if u.mem == Mem::Load {
                if missed || uncached_load {
                    at = issue + mem + LOAD_LATENCY;
                } else if seg == Segment::Cached && physical(addr) >> 6 == p.miss_line && issue < p.miss_done {
                    // The line is still being filled (by an earlier miss or PREF).
                    at = p.miss_done + LOAD_LATENCY;
                }
            }
            p.gpr_ready[u.gpr_dst as usize] = at;
        }
        if u.fpr_dst != NO_FPR {
            p.fpr_ready[u.fpr_dst as usize] = issue + u.fpr_latency as u64;
        }
        if u.hilo_dst & 1 != 0 {
            p.hilo_ready[0] = issue + u.hilo_latency as u64;
        }
        if u.hilo_dst & 2 != 0 {
            p.hilo_ready[1] = issue + u.hilo_latency as u64;
        }
        if u.mac & 1 != 0 {
            p.mac_free[0] = issue + u.mac_repeat as u64;
        }
        if u.mac & 2 != 0 {
            p.mac_free[1] = issue + u.mac_repeat as u64;
        }
        if u.fdiv_repeat != 0 {
            p.fdiv_free = issue + u.fdiv_repeat as u64;
        }
        if u.acc_write {
            p.acc_ready_madda = issue + ACC_FORWARD_LATENCY;
            p.acc_ready_fpr = issue + ACC_TO_FPR_LATENCY;
        }
        if u.fcc_write {
            p.fcc_ready = issue + FPU_LATENCY;
        }
        if let Some(op) = vu_op {
            if let Some(dst) = op.vf_destination() {
                // ACC, Q and I have no hazard checks (VUUM §5.4); a VF result is ready in S.
                p.vf_ready[dst] = issue + VU_MACRO_LATENCY;
            }
            match op.kind {
                MacroKind::Div | MacroKind::Sqrt => p.vu_fdiv_free = issue + VU_FDIV_LATENCY,
                MacroKind::Rsqrt => p.vu_fdiv_free = issue + VU_RSQRT_LATENCY,
                _ => {}
            }
        }
        if u.vu_move_in {
            p.vu_move_stall_until = issue + 1 + VU_AFTER_MOVE_STALL;
            // LQC2 and QMTC2 write the VF register in S, one stage after W (VUUM §5.4).
            let r = match i.op {
                Op::Lqc2 => i.ft(),
                Op::Qmtc2 => i.rd(),
                _ => 0,
            };
            if r != 0 {
                p.vf_ready[r] = issue + 2;
            }
        }

        // Memory timing.
        if missed || uncached_load {
            p.miss_done = issue + mem;
            p.miss_line = if missed { physical(addr) >> 6 } else { INVALID_LINE };
            if matches!(u.mem, Mem::BlockingLoad | Mem::Cache) {
                // Loads into COP1/COP2 registers block the pipeline (EECUM §6.3.2).
                p.stats.memory_stall_cycles += mem;
                next = next.max(issue + 1 + mem);
                p.open = None;
            }
        }
        if uncached_store {
            let qword = addr >> 4;
            let gathers = seg == Segment::UncachedAccelerated && qword == p.wbb_last_qword && p.wbb_last_done > issue;
            if !gathers {
                // A full WBB stalls the store until its oldest entry drains.
                let oldest = p.wbb_done[p.wbb_next];
                if oldest > issue {
                    p.stats.memory_stall_cycles += oldest - issue;
                    next = next.max(oldest + 1);
                    p.open = None;
                }
                let done = p.wbb_last_done.max(issue.max(oldest)).max(bus_free_at) + WBB_DRAIN;
                p.wbb_done[p.wbb_next] = done;
                p.wbb_next = (p.wbb_next + 1) % WBB_ENTRIES;
                p.wbb_last_done = done;
                p.wbb_last_qword = if seg == Segment::UncachedAccelerated { qword } else { INVALID_LINE };
            }
        }
        if u.mem == Mem::Sync {
            p.wbb_last_qword = INVALID_LINE;
        }

        // Control flow.
        if let Some(extra) = bubble {
            // This is a delay slot: the branch's bubble follows it.
            next += extra;
            if extra > 0 || p.pending_odd_target {
                p.open = None;
            }
            p.odd_fetch = p.pending_odd_target;
            p.pending_odd_target = false;
        }
        if u.flow != Flow::None {
            let taken = if likely_skipped { false } else { self.next_pc != pc.wrapping_add(8) };
            if u.flow == Flow::Eret {
                // ERET has no delay slot; the fetch restarts at EPC like a mispredict (X).
                next += BRANCH_MISPREDICT;
                p.open = None;
                p.odd_fetch = self.pc & 4 != 0;
            } else {
                let target = if taken { self.next_pc } else { pc.wrapping_add(8) };
                let extra = p.predict(u.flow, pc, taken, target);
                if likely_skipped {
                    // The nullified delay slot still occupies a cycle.
                    next += 1 + extra;
                    p.open = None;
                } else {
                    p.pending_bubble = Some(extra);
                    p.pending_odd_target = taken && target & 4 != 0;
                }
            }
        }
        self.cycles = next;
        p.expected_cycles = next;
    }
}
