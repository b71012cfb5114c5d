//! Instruction decoding for the R5900 (Emotion Engine core).
//!
//! [`decode`] maps one 32-bit instruction word to an [`Instr`] (an [`Op`] plus the raw word,
//! from which the register and immediate fields are read on demand) or to an [`Illegal`]
//! describing why the word is not an R5900 instruction.
//!
//! Where a standard MIPS encoding and an R5900 encoding share a word, the word decodes as the
//! R5900 instruction, because that is what the hardware executes:
//! - SPECIAL2 (opcode 0x1C) is the MMI space: function 0x20/0x21 is `madd1`/`maddu1`, not
//!   MIPS32 `clz`/`clo`; function 0x04 is `plzcw`, not `msub`.
//! - Opcode 0x1F is `sq`, so MIPS32r2 SPECIAL3 words (`seb`, `ext`, `ins`, `rdhwr`, ...)
//!   decode as `sq`. A checker that wants to flag them must look for them separately.
//! - COP1 compare function 0x34/0x36 is the R5900 `c.lt.s`/`c.le.s` (standard `c.olt`/`c.ole`);
//!   the standard `c.lt.s`/`c.le.s` encodings (0x3C/0x3E) are illegal.
//! - COP1 function 0x24 is the R5900 `cvt.w.s` (it truncates); standard `trunc.w.s` (0x0D)
//!   is illegal.

use core::fmt;

macro_rules! define_ops {
    ($($name:ident => $mnemonic:literal, $format:ident;)*) => {
        /// Every operation the R5900 decoder recognises as legal.
        ///
        /// The names follow the R5900 manual's mnemonics in Rust case (`Addiu` = `addiu`,
        /// `CvtWS` = `cvt.w.s`); [`Op::mnemonic`] gives the assembler spelling.
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
        #[repr(u16)]
        #[allow(missing_docs)] // each variant is documented by its mnemonic
        pub enum Op { $($name),* }

        impl Op {
            /// The assembler mnemonic (as GNU objdump spells it for `-m mips:5900`).
            pub const fn mnemonic(self) -> &'static str {
                match self { $(Op::$name => $mnemonic),* }
            }

            /// How the operands are printed.
            pub(crate) const fn format(self) -> Format {
                match self { $(Op::$name => Format::$format),* }
            }

            /// Every operation, in declaration order (useful for coverage tests and tables).
            pub const ALL: &'static [Op] = &[$(Op::$name),*];
        }
    };
}

/// Operand layout of an instruction, used by the disassembler.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    /// No operands.
    None,
    /// `rd,rs,rt`
    RdRsRt,
    /// `rd,rt,rs` (variable shifts)
    RdRtRs,
    /// `rd,rt,sa`
    RdRtSa,
    /// `rt,rs,signed imm`
    RtRsSimm,
    /// `rt,rs,0xunsigned imm`
    RtRsUimm,
    /// `rt,0xunsigned imm`
    RtUimm,
    /// `rt,offset(base)`
    RtMem,
    /// `$ft,offset(base)` (FPU register)
    FtMem,
    /// `$vfN,offset(base)` (VU0 register)
    VfMem,
    /// `0xop,offset(base)` (cache op / pref hint in rt)
    HintMem,
    /// `rs,rt,branch target`
    RsRtBranch,
    /// `rs,branch target`
    RsBranch,
    /// `branch target`
    Branch,
    /// `jump target`
    Jump,
    /// `rs`
    Rs,
    /// `rd`
    Rd,
    /// `rd,rs` (`jalr` prints only `rs` when rd is ra)
    RdRs,
    /// `rd,rt`
    RdRt,
    /// `rd,rs,rt`, or `rs,rt` when rd is zero (multiply/divide)
    MulDiv,
    /// `rs,rt`
    RsRt,
    /// `rs,signed imm`
    RsSimm,
    /// `rs,unsigned imm`
    RsUimm,
    /// 20-bit code of syscall/break
    Code,
    /// `rt,$rd` (COP0 register)
    Cop0Move,
    /// `rt,$fs` (FPU register)
    Cop1Move,
    /// `rt,$fs` (FPU control register)
    Cop1CtlMove,
    /// `$fd,$fs`
    FdFs,
    /// `$fd,$ft`
    FdFt,
    /// `$fs,$ft`
    FsFt,
    /// `$fd,$fs,$ft`
    FdFsFt,
    /// `rt,$vfN` / `rt,$viN` (VU0 move)
    Cop2Move,
    /// Raw VU0 macro-mode operation (printed as its word).
    Cop2Raw,
    /// `sync` / `sync.p`
    Sync,
}

define_ops! {
    // --- primary opcodes
    J => "j", Jump;
    Jal => "jal", Jump;
    Beq => "beq", RsRtBranch;
    Bne => "bne", RsRtBranch;
    Blez => "blez", RsBranch;
    Bgtz => "bgtz", RsBranch;
    Addi => "addi", RtRsSimm;
    Addiu => "addiu", RtRsSimm;
    Slti => "slti", RtRsSimm;
    Sltiu => "sltiu", RtRsSimm;
    Andi => "andi", RtRsUimm;
    Ori => "ori", RtRsUimm;
    Xori => "xori", RtRsUimm;
    Lui => "lui", RtUimm;
    Beql => "beql", RsRtBranch;
    Bnel => "bnel", RsRtBranch;
    Blezl => "blezl", RsBranch;
    Bgtzl => "bgtzl", RsBranch;
    Daddi => "daddi", RtRsSimm;
    Daddiu => "daddiu", RtRsSimm;
    Ldl => "ldl", RtMem;
    Ldr => "ldr", RtMem;
    Lq => "lq", RtMem;
    Sq => "sq", RtMem;
    Lb => "lb", RtMem;
    Lh => "lh", RtMem;
    Lwl => "lwl", RtMem;
    Lw => "lw", RtMem;
    Lbu => "lbu", RtMem;
    Lhu => "lhu", RtMem;
    Lwr => "lwr", RtMem;
    Lwu => "lwu", RtMem;
    Sb => "sb", RtMem;
    Sh => "sh", RtMem;
    Swl => "swl", RtMem;
    Sw => "sw", RtMem;
    Sdl => "sdl", RtMem;
    Sdr => "sdr", RtMem;
    Swr => "swr", RtMem;
    Cache => "cache", HintMem;
    Lwc1 => "lwc1", FtMem;
    Pref => "pref", HintMem;
    Lqc2 => "lqc2", VfMem;
    Ld => "ld", RtMem;
    Swc1 => "swc1", FtMem;
    Sqc2 => "sqc2", VfMem;
    Sd => "sd", RtMem;
    // --- SPECIAL
    Nop => "nop", None;
    Sll => "sll", RdRtSa;
    Srl => "srl", RdRtSa;
    Sra => "sra", RdRtSa;
    Sllv => "sllv", RdRtRs;
    Srlv => "srlv", RdRtRs;
    Srav => "srav", RdRtRs;
    Jr => "jr", Rs;
    Jalr => "jalr", RdRs;
    Movz => "movz", RdRsRt;
    Movn => "movn", RdRsRt;
    Syscall => "syscall", Code;
    Break => "break", Code;
    Sync => "sync", Sync;
    Mfhi => "mfhi", Rd;
    Mthi => "mthi", Rs;
    Mflo => "mflo", Rd;
    Mtlo => "mtlo", Rs;
    Dsllv => "dsllv", RdRtRs;
    Dsrlv => "dsrlv", RdRtRs;
    Dsrav => "dsrav", RdRtRs;
    Mult => "mult", MulDiv;
    Multu => "multu", MulDiv;
    Div => "div", MulDiv;
    Divu => "divu", MulDiv;
    Add => "add", RdRsRt;
    Addu => "addu", RdRsRt;
    Sub => "sub", RdRsRt;
    Subu => "subu", RdRsRt;
    And => "and", RdRsRt;
    Or => "or", RdRsRt;
    Xor => "xor", RdRsRt;
    Nor => "nor", RdRsRt;
    Mfsa => "mfsa", Rd;
    Mtsa => "mtsa", Rs;
    Slt => "slt", RdRsRt;
    Sltu => "sltu", RdRsRt;
    Dadd => "dadd", RdRsRt;
    Daddu => "daddu", RdRsRt;
    Dsub => "dsub", RdRsRt;
    Dsubu => "dsubu", RdRsRt;
    Tge => "tge", RsRt;
    Tgeu => "tgeu", RsRt;
    Tlt => "tlt", RsRt;
    Tltu => "tltu", RsRt;
    Teq => "teq", RsRt;
    Tne => "tne", RsRt;
    Dsll => "dsll", RdRtSa;
    Dsrl => "dsrl", RdRtSa;
    Dsra => "dsra", RdRtSa;
    Dsll32 => "dsll32", RdRtSa;
    Dsrl32 => "dsrl32", RdRtSa;
    Dsra32 => "dsra32", RdRtSa;
    // --- REGIMM
    Bltz => "bltz", RsBranch;
    Bgez => "bgez", RsBranch;
    Bltzl => "bltzl", RsBranch;
    Bgezl => "bgezl", RsBranch;
    Tgei => "tgei", RsSimm;
    Tgeiu => "tgeiu", RsSimm;
    Tlti => "tlti", RsSimm;
    Tltiu => "tltiu", RsSimm;
    Teqi => "teqi", RsSimm;
    Tnei => "tnei", RsSimm;
    Bltzal => "bltzal", RsBranch;
    Bgezal => "bgezal", RsBranch;
    Bltzall => "bltzall", RsBranch;
    Bgezall => "bgezall", RsBranch;
    Mtsab => "mtsab", RsUimm;
    Mtsah => "mtsah", RsUimm;
    // --- MMI (opcode 0x1C)
    Madd => "madd", MulDiv;
    Maddu => "maddu", MulDiv;
    Plzcw => "plzcw", RdRs;
    Mfhi1 => "mfhi1", Rd;
    Mthi1 => "mthi1", Rs;
    Mflo1 => "mflo1", Rd;
    Mtlo1 => "mtlo1", Rs;
    Mult1 => "mult1", MulDiv;
    Multu1 => "multu1", MulDiv;
    Div1 => "div1", MulDiv;
    Divu1 => "divu1", MulDiv;
    Madd1 => "madd1", MulDiv;
    Maddu1 => "maddu1", MulDiv;
    PmfhlLw => "pmfhl.lw", Rd;
    PmfhlUw => "pmfhl.uw", Rd;
    PmfhlSlw => "pmfhl.slw", Rd;
    PmfhlLh => "pmfhl.lh", Rd;
    PmfhlSh => "pmfhl.sh", Rd;
    PmthlLw => "pmthl.lw", Rs;
    Psllh => "psllh", RdRtSa;
    Psrlh => "psrlh", RdRtSa;
    Psrah => "psrah", RdRtSa;
    Psllw => "psllw", RdRtSa;
    Psrlw => "psrlw", RdRtSa;
    Psraw => "psraw", RdRtSa;
    // MMI0
    Paddw => "paddw", RdRsRt;
    Psubw => "psubw", RdRsRt;
    Pcgtw => "pcgtw", RdRsRt;
    Pmaxw => "pmaxw", RdRsRt;
    Paddh => "paddh", RdRsRt;
    Psubh => "psubh", RdRsRt;
    Pcgth => "pcgth", RdRsRt;
    Pmaxh => "pmaxh", RdRsRt;
    Paddb => "paddb", RdRsRt;
    Psubb => "psubb", RdRsRt;
    Pcgtb => "pcgtb", RdRsRt;
    Paddsw => "paddsw", RdRsRt;
    Psubsw => "psubsw", RdRsRt;
    Pextlw => "pextlw", RdRsRt;
    Ppacw => "ppacw", RdRsRt;
    Paddsh => "paddsh", RdRsRt;
    Psubsh => "psubsh", RdRsRt;
    Pextlh => "pextlh", RdRsRt;
    Ppach => "ppach", RdRsRt;
    Paddsb => "paddsb", RdRsRt;
    Psubsb => "psubsb", RdRsRt;
    Pextlb => "pextlb", RdRsRt;
    Ppacb => "ppacb", RdRsRt;
    Pext5 => "pext5", RdRt;
    Ppac5 => "ppac5", RdRt;
    // MMI1
    Pabsw => "pabsw", RdRt;
    Pceqw => "pceqw", RdRsRt;
    Pminw => "pminw", RdRsRt;
    Padsbh => "padsbh", RdRsRt;
    Pabsh => "pabsh", RdRt;
    Pceqh => "pceqh", RdRsRt;
    Pminh => "pminh", RdRsRt;
    Pceqb => "pceqb", RdRsRt;
    Padduw => "padduw", RdRsRt;
    Psubuw => "psubuw", RdRsRt;
    Pextuw => "pextuw", RdRsRt;
    Padduh => "padduh", RdRsRt;
    Psubuh => "psubuh", RdRsRt;
    Pextuh => "pextuh", RdRsRt;
    Paddub => "paddub", RdRsRt;
    Psubub => "psubub", RdRsRt;
    Pextub => "pextub", RdRsRt;
    Qfsrv => "qfsrv", RdRsRt;
    // MMI2
    Pmaddw => "pmaddw", RdRsRt;
    Psllvw => "psllvw", RdRtRs;
    Psrlvw => "psrlvw", RdRtRs;
    Pmsubw => "pmsubw", RdRsRt;
    Pmfhi => "pmfhi", Rd;
    Pmflo => "pmflo", Rd;
    Pinth => "pinth", RdRsRt;
    Pmultw => "pmultw", RdRsRt;
    Pdivw => "pdivw", RsRt;
    Pcpyld => "pcpyld", RdRsRt;
    Pmaddh => "pmaddh", RdRsRt;
    Phmadh => "phmadh", RdRsRt;
    Pand => "pand", RdRsRt;
    Pxor => "pxor", RdRsRt;
    Pmsubh => "pmsubh", RdRsRt;
    Phmsbh => "phmsbh", RdRsRt;
    Pexeh => "pexeh", RdRt;
    Prevh => "prevh", RdRt;
    Pmulth => "pmulth", RdRsRt;
    Pdivbw => "pdivbw", RsRt;
    Pexew => "pexew", RdRt;
    Prot3w => "prot3w", RdRt;
    // MMI3
    Pmadduw => "pmadduw", RdRsRt;
    Psravw => "psravw", RdRtRs;
    Pmthi => "pmthi", Rs;
    Pmtlo => "pmtlo", Rs;
    Pinteh => "pinteh", RdRsRt;
    Pmultuw => "pmultuw", RdRsRt;
    Pdivuw => "pdivuw", RsRt;
    Pcpyud => "pcpyud", RdRsRt;
    Por => "por", RdRsRt;
    Pnor => "pnor", RdRsRt;
    Pexch => "pexch", RdRt;
    Pcpyh => "pcpyh", RdRt;
    Pexcw => "pexcw", RdRt;
    // --- COP0
    Mfc0 => "mfc0", Cop0Move;
    Mtc0 => "mtc0", Cop0Move;
    Bc0f => "bc0f", Branch;
    Bc0t => "bc0t", Branch;
    Bc0fl => "bc0fl", Branch;
    Bc0tl => "bc0tl", Branch;
    Tlbr => "tlbr", None;
    Tlbwi => "tlbwi", None;
    Tlbwr => "tlbwr", None;
    Tlbp => "tlbp", None;
    Eret => "eret", None;
    Ei => "ei", None;
    Di => "di", None;
    // --- COP1
    Mfc1 => "mfc1", Cop1Move;
    Cfc1 => "cfc1", Cop1CtlMove;
    Mtc1 => "mtc1", Cop1Move;
    Ctc1 => "ctc1", Cop1CtlMove;
    Bc1f => "bc1f", Branch;
    Bc1t => "bc1t", Branch;
    Bc1fl => "bc1fl", Branch;
    Bc1tl => "bc1tl", Branch;
    AddS => "add.s", FdFsFt;
    SubS => "sub.s", FdFsFt;
    MulS => "mul.s", FdFsFt;
    DivS => "div.s", FdFsFt;
    SqrtS => "sqrt.s", FdFt;
    AbsS => "abs.s", FdFs;
    MovS => "mov.s", FdFs;
    NegS => "neg.s", FdFs;
    RsqrtS => "rsqrt.s", FdFsFt;
    AddaS => "adda.s", FsFt;
    SubaS => "suba.s", FsFt;
    MulaS => "mula.s", FsFt;
    MaddS => "madd.s", FdFsFt;
    MsubS => "msub.s", FdFsFt;
    MaddaS => "madda.s", FsFt;
    MsubaS => "msuba.s", FsFt;
    CvtWS => "cvt.w.s", FdFs;
    MaxS => "max.s", FdFsFt;
    MinS => "min.s", FdFsFt;
    CFS => "c.f.s", FsFt;
    CEqS => "c.eq.s", FsFt;
    CLtS => "c.lt.s", FsFt;
    CLeS => "c.le.s", FsFt;
    CvtSW => "cvt.s.w", FdFs;
    // --- COP2 (VU0 macro mode; `crate::vu0` decodes and runs the macro operations)
    Qmfc2 => "qmfc2", Cop2Move;
    Cfc2 => "cfc2", Cop2Move;
    Qmtc2 => "qmtc2", Cop2Move;
    Ctc2 => "ctc2", Cop2Move;
    Bc2f => "bc2f", Branch;
    Bc2t => "bc2t", Branch;
    Bc2fl => "bc2fl", Branch;
    Bc2tl => "bc2tl", Branch;
    Vu0Macro => "vu0", Cop2Raw;
}

/// One decoded instruction: the operation and the word it came from.
///
/// Field accessors read the standard MIPS fields from the word.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Instr {
    /// The operation.
    pub op: Op,
    /// The raw instruction word.
    pub word: u32,
}

impl Instr {
    /// Bits 25..21 (`rs`, also `base` and `fmt`).
    #[inline(always)]
    pub const fn rs(self) -> usize {
        ((self.word >> 21) & 31) as usize
    }
    /// Bits 20..16 (`rt`, also `ft`).
    #[inline(always)]
    pub const fn rt(self) -> usize {
        ((self.word >> 16) & 31) as usize
    }
    /// Bits 15..11 (`rd`, also `fs`).
    #[inline(always)]
    pub const fn rd(self) -> usize {
        ((self.word >> 11) & 31) as usize
    }
    /// Bits 10..6 (`sa`, also `fd`).
    #[inline(always)]
    pub const fn sa(self) -> u32 {
        (self.word >> 6) & 31
    }
    /// FPU `ft` (bits 20..16).
    #[inline(always)]
    pub const fn ft(self) -> usize {
        self.rt()
    }
    /// FPU `fs` (bits 15..11).
    #[inline(always)]
    pub const fn fs(self) -> usize {
        self.rd()
    }
    /// FPU `fd` (bits 10..6).
    #[inline(always)]
    pub const fn fd(self) -> usize {
        self.sa() as usize
    }
    /// The low 16 bits, zero-extended.
    #[inline(always)]
    pub const fn uimm(self) -> u32 {
        self.word & 0xFFFF
    }
    /// The low 16 bits, sign-extended.
    #[inline(always)]
    pub const fn simm(self) -> i32 {
        self.word as i16 as i32
    }
    /// The 26-bit jump index.
    #[inline(always)]
    pub const fn jump_index(self) -> u32 {
        self.word & 0x03FF_FFFF
    }
    /// The 20-bit code field of `syscall`/`break`.
    #[inline(always)]
    pub const fn code(self) -> u32 {
        (self.word >> 6) & 0xF_FFFF
    }
    /// Target of a PC-relative branch located at `pc`.
    #[inline(always)]
    pub const fn branch_target(self, pc: u32) -> u32 {
        pc.wrapping_add(4).wrapping_add((self.simm() << 2) as u32)
    }
    /// Target of a `j`/`jal` located at `pc` (the region is that of the delay slot).
    #[inline(always)]
    pub const fn jump_target(self, pc: u32) -> u32 {
        (pc.wrapping_add(4) & 0xF000_0000) | (self.jump_index() << 2)
    }

    /// A value that prints this instruction with absolute branch/jump targets, as
    /// `objdump` does for an instruction at address `pc`.
    pub fn display_at(self, pc: u32) -> impl fmt::Display {
        crate::disasm::DisplayAt { instr: self, pc: Some(pc) }
    }
}

impl fmt::Display for Instr {
    /// Prints the instruction like `objdump`; branch targets are relative (`.+8`) since the
    /// address is unknown (see [`Instr::display_at`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::disasm::DisplayAt { instr: *self, pc: None }.fmt(f)
    }
}

/// Why a word is not an R5900 instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum IllegalClass {
    /// `ll`, `sc`, `lld`, `scd`: the R5900 has no load-linked/store-conditional.
    LoadLinkedStoreConditional,
    /// `dmult`, `dmultu`, `ddiv`, `ddivu`: no 64-bit multiply/divide.
    Mul64Div64,
    /// A COP1 operation on D, L or PS formats, or producing one (`add.d`, `cvt.d.s`, `cvt.l.s`).
    DoubleFloat,
    /// `ldc1`, `sdc1`, `dmfc1`, `dmtc1`.
    Cop1Doubleword,
    /// Standard `round`/`trunc`/`ceil`/`floor.w.s` (the EE only has `cvt.w.s`, which truncates).
    FloatRoundMode,
    /// A `c.cond.s` other than `c.f`, `c.eq`, `c.lt`, `c.le` (R5900 encodings).
    FloatCompare,
    /// Coprocessor 3 / COP1X (opcode 0x13) and `swc3`.
    Cop3,
    /// MIPS32/MIPS64 (release 1 or 2) additions that the R5900 lacks (`mul`, `msubu`, `rotr`,
    /// `jr.hb`, `synci`, `mfmc0`, `mfhc1`, ...).
    Mips32R2,
    /// Any other reserved or unknown encoding.
    Reserved,
}

impl IllegalClass {
    /// A short human-readable description of the class.
    pub const fn description(self) -> &'static str {
        match self {
            IllegalClass::LoadLinkedStoreConditional => "load-linked/store-conditional (R5900 has no LL/SC)",
            IllegalClass::Mul64Div64 => "64-bit multiply/divide (R5900 has no DMULT/DDIV)",
            IllegalClass::DoubleFloat => "double-precision/long/paired-single FPU operation",
            IllegalClass::Cop1Doubleword => "64-bit COP1 load/store/move",
            IllegalClass::FloatRoundMode => "FPU rounding-mode conversion (use cvt.w.s)",
            IllegalClass::FloatCompare => "FPU compare the R5900 lacks (only c.f/c.eq/c.lt/c.le)",
            IllegalClass::Cop3 => "coprocessor 3 / COP1X",
            IllegalClass::Mips32R2 => "MIPS32/MIPS64 instruction not in the R5900",
            IllegalClass::Reserved => "reserved encoding",
        }
    }
}

/// A word that is not a legal R5900 instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Illegal {
    /// The instruction word.
    pub word: u32,
    /// Why it is illegal.
    pub class: IllegalClass,
    /// The standard MIPS mnemonic it would have elsewhere (`"reserved"` when none).
    pub mnemonic: &'static str,
}

impl fmt::Display for Illegal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x} ({}): {}", self.word, self.mnemonic, self.class.description())
    }
}

impl std::error::Error for Illegal {}

#[inline(always)]
const fn ok(op: Op, word: u32) -> Result<Instr, Illegal> {
    Ok(Instr { op, word })
}

#[inline(never)]
const fn bad(word: u32, class: IllegalClass, mnemonic: &'static str) -> Result<Instr, Illegal> {
    Err(Illegal { word, class, mnemonic })
}

const fn reserved(word: u32) -> Result<Instr, Illegal> {
    bad(word, IllegalClass::Reserved, "reserved")
}

/// Decodes one instruction word of the Emotion Engine.
///
/// ```
/// let add = r5900::decode(0x27BD_FFF0).unwrap();
/// assert_eq!(add.to_string(), "addiu\tsp,sp,-16");
/// let trunc = r5900::decode(0x4600_600D).unwrap_err();
/// assert_eq!(trunc.class, r5900::IllegalClass::FloatRoundMode);
/// ```
pub const fn decode(word: u32) -> Result<Instr, Illegal> {
    use IllegalClass::*;
    use Op::*;
    let op = match word >> 26 {
        0x00 => return decode_special(word),
        0x01 => return decode_regimm(word),
        0x02 => J,
        0x03 => Jal,
        0x04 => Beq,
        0x05 => Bne,
        0x06 => Blez,
        0x07 => Bgtz,
        0x08 => Addi,
        0x09 => Addiu,
        0x0A => Slti,
        0x0B => Sltiu,
        0x0C => Andi,
        0x0D => Ori,
        0x0E => Xori,
        0x0F => Lui,
        0x10 => return decode_cop0(word),
        0x11 => return decode_cop1(word),
        0x12 => return decode_cop2(word),
        0x13 => return bad(word, Cop3, "cop3"),
        0x14 => Beql,
        0x15 => Bnel,
        0x16 => Blezl,
        0x17 => Bgtzl,
        0x18 => Daddi,
        0x19 => Daddiu,
        0x1A => Ldl,
        0x1B => Ldr,
        0x1C => return decode_mmi(word),
        0x1D => return bad(word, Reserved, "jalx"),
        0x1E => Lq,
        0x1F => Sq,
        0x20 => Lb,
        0x21 => Lh,
        0x22 => Lwl,
        0x23 => Lw,
        0x24 => Lbu,
        0x25 => Lhu,
        0x26 => Lwr,
        0x27 => Lwu,
        0x28 => Sb,
        0x29 => Sh,
        0x2A => Swl,
        0x2B => Sw,
        0x2C => Sdl,
        0x2D => Sdr,
        0x2E => Swr,
        0x2F => Cache,
        0x30 => return bad(word, LoadLinkedStoreConditional, "ll"),
        0x31 => Lwc1,
        0x32 => return bad(word, Reserved, "lwc2"),
        0x33 => Pref,
        0x34 => return bad(word, LoadLinkedStoreConditional, "lld"),
        0x35 => return bad(word, Cop1Doubleword, "ldc1"),
        0x36 => Lqc2,
        0x37 => Ld,
        0x38 => return bad(word, LoadLinkedStoreConditional, "sc"),
        0x39 => Swc1,
        0x3A => return bad(word, Reserved, "swc2"),
        0x3B => return bad(word, Cop3, "swc3"),
        0x3C => return bad(word, LoadLinkedStoreConditional, "scd"),
        0x3D => return bad(word, Cop1Doubleword, "sdc1"),
        0x3E => Sqc2,
        _ => Sd,
    };
    ok(op, word)
}

const fn decode_special(word: u32) -> Result<Instr, Illegal> {
    use IllegalClass::*;
    use Op::*;
    let rs = (word >> 21) & 31;
    let sa = (word >> 6) & 31;
    let op = match word & 0x3F {
        0x00 if word == 0 => Nop,
        0x00 => Sll,
        0x02 if rs == 1 => return bad(word, Mips32R2, "rotr"),
        0x02 => Srl,
        0x03 => Sra,
        0x04 => Sllv,
        0x06 if sa == 1 => return bad(word, Mips32R2, "rotrv"),
        0x06 => Srlv,
        0x07 => Srav,
        0x08 if word & (1 << 10) != 0 => return bad(word, Mips32R2, "jr.hb"),
        0x08 => Jr,
        0x09 if word & (1 << 10) != 0 => return bad(word, Mips32R2, "jalr.hb"),
        0x09 => Jalr,
        0x0A => Movz,
        0x0B => Movn,
        0x0C => Syscall,
        0x0D => Break,
        0x0F => Sync,
        0x10 => Mfhi,
        0x11 => Mthi,
        0x12 => Mflo,
        0x13 => Mtlo,
        0x14 => Dsllv,
        0x16 => Dsrlv,
        0x17 => Dsrav,
        0x18 => Mult,
        0x19 => Multu,
        0x1A => Div,
        0x1B => Divu,
        0x1C => return bad(word, Mul64Div64, "dmult"),
        0x1D => return bad(word, Mul64Div64, "dmultu"),
        0x1E => return bad(word, Mul64Div64, "ddiv"),
        0x1F => return bad(word, Mul64Div64, "ddivu"),
        0x20 => Add,
        0x21 => Addu,
        0x22 => Sub,
        0x23 => Subu,
        0x24 => And,
        0x25 => Or,
        0x26 => Xor,
        0x27 => Nor,
        0x28 => Mfsa,
        0x29 => Mtsa,
        0x2A => Slt,
        0x2B => Sltu,
        0x2C => Dadd,
        0x2D => Daddu,
        0x2E => Dsub,
        0x2F => Dsubu,
        0x30 => Tge,
        0x31 => Tgeu,
        0x32 => Tlt,
        0x33 => Tltu,
        0x34 => Teq,
        0x36 => Tne,
        0x38 => Dsll,
        0x3A if rs == 1 => return bad(word, Mips32R2, "drotr"),
        0x3A => Dsrl,
        0x3B => Dsra,
        0x3C => Dsll32,
        0x3E if rs == 1 => return bad(word, Mips32R2, "drotr32"),
        0x3E => Dsrl32,
        0x3F => Dsra32,
        0x01 => return bad(word, Reserved, "movci"),
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_regimm(word: u32) -> Result<Instr, Illegal> {
    use Op::*;
    let op = match (word >> 16) & 31 {
        0x00 => Bltz,
        0x01 => Bgez,
        0x02 => Bltzl,
        0x03 => Bgezl,
        0x08 => Tgei,
        0x09 => Tgeiu,
        0x0A => Tlti,
        0x0B => Tltiu,
        0x0C => Teqi,
        0x0E => Tnei,
        0x10 => Bltzal,
        0x11 => Bgezal,
        0x12 => Bltzall,
        0x13 => Bgezall,
        0x18 => Mtsab,
        0x19 => Mtsah,
        0x1F => return bad(word, IllegalClass::Mips32R2, "synci"),
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_mmi(word: u32) -> Result<Instr, Illegal> {
    use IllegalClass::*;
    use Op::*;
    let sub = (word >> 6) & 31;
    let op = match word & 0x3F {
        0x00 => Madd,
        0x01 => Maddu,
        0x02 => return bad(word, Mips32R2, "mul"),
        0x04 => Plzcw,
        0x05 => return bad(word, Mips32R2, "msubu"),
        0x08 => return decode_mmi0(word, sub),
        0x09 => return decode_mmi2(word, sub),
        0x10 => Mfhi1,
        0x11 => Mthi1,
        0x12 => Mflo1,
        0x13 => Mtlo1,
        0x18 => Mult1,
        0x19 => Multu1,
        0x1A => Div1,
        0x1B => Divu1,
        0x20 => Madd1,
        0x21 => Maddu1,
        0x28 => return decode_mmi1(word, sub),
        0x29 => return decode_mmi3(word, sub),
        0x30 => match sub {
            0 => PmfhlLw,
            1 => PmfhlUw,
            2 => PmfhlSlw,
            3 => PmfhlLh,
            4 => PmfhlSh,
            _ => return reserved(word),
        },
        0x31 if sub == 0 => PmthlLw,
        0x34 => Psllh,
        0x36 => Psrlh,
        0x37 => Psrah,
        0x3C => Psllw,
        0x3E => Psrlw,
        0x3F => Psraw,
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_mmi0(word: u32, sub: u32) -> Result<Instr, Illegal> {
    use Op::*;
    let op = match sub {
        0x00 => Paddw,
        0x01 => Psubw,
        0x02 => Pcgtw,
        0x03 => Pmaxw,
        0x04 => Paddh,
        0x05 => Psubh,
        0x06 => Pcgth,
        0x07 => Pmaxh,
        0x08 => Paddb,
        0x09 => Psubb,
        0x0A => Pcgtb,
        0x10 => Paddsw,
        0x11 => Psubsw,
        0x12 => Pextlw,
        0x13 => Ppacw,
        0x14 => Paddsh,
        0x15 => Psubsh,
        0x16 => Pextlh,
        0x17 => Ppach,
        0x18 => Paddsb,
        0x19 => Psubsb,
        0x1A => Pextlb,
        0x1B => Ppacb,
        0x1E => Pext5,
        0x1F => Ppac5,
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_mmi1(word: u32, sub: u32) -> Result<Instr, Illegal> {
    use Op::*;
    let op = match sub {
        0x01 => Pabsw,
        0x02 => Pceqw,
        0x03 => Pminw,
        0x04 => Padsbh,
        0x05 => Pabsh,
        0x06 => Pceqh,
        0x07 => Pminh,
        0x0A => Pceqb,
        0x10 => Padduw,
        0x11 => Psubuw,
        0x12 => Pextuw,
        0x14 => Padduh,
        0x15 => Psubuh,
        0x16 => Pextuh,
        0x18 => Paddub,
        0x19 => Psubub,
        0x1A => Pextub,
        0x1B => Qfsrv,
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_mmi2(word: u32, sub: u32) -> Result<Instr, Illegal> {
    use Op::*;
    let op = match sub {
        0x00 => Pmaddw,
        0x02 => Psllvw,
        0x03 => Psrlvw,
        0x04 => Pmsubw,
        0x08 => Pmfhi,
        0x09 => Pmflo,
        0x0A => Pinth,
        0x0C => Pmultw,
        0x0D => Pdivw,
        0x0E => Pcpyld,
        0x10 => Pmaddh,
        0x11 => Phmadh,
        0x12 => Pand,
        0x13 => Pxor,
        0x14 => Pmsubh,
        0x15 => Phmsbh,
        0x1A => Pexeh,
        0x1B => Prevh,
        0x1C => Pmulth,
        0x1D => Pdivbw,
        0x1E => Pexew,
        0x1F => Prot3w,
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_mmi3(word: u32, sub: u32) -> Result<Instr, Illegal> {
    use Op::*;
    let op = match sub {
        0x00 => Pmadduw,
        0x03 => Psravw,
        0x08 => Pmthi,
        0x09 => Pmtlo,
        0x0A => Pinteh,
        0x0C => Pmultuw,
        0x0D => Pdivuw,
        0x0E => Pcpyud,
        0x12 => Por,
        0x13 => Pnor,
        0x1A => Pexch,
        0x1B => Pcpyh,
        0x1E => Pexcw,
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_cop0(word: u32) -> Result<Instr, Illegal> {
    use IllegalClass::*;
    use Op::*;
    let op = match (word >> 21) & 31 {
        0x00 => Mfc0,
        0x04 => Mtc0,
        0x08 => match (word >> 16) & 31 {
            0 => Bc0f,
            1 => Bc0t,
            2 => Bc0fl,
            3 => Bc0tl,
            _ => return reserved(word),
        },
        0x10 => match word & 0x3F {
            0x01 => Tlbr,
            0x02 => Tlbwi,
            0x06 => Tlbwr,
            0x08 => Tlbp,
            0x18 => Eret,
            0x38 => Ei,
            0x39 => Di,
            0x1F => return bad(word, Mips32R2, "deret"),
            0x20 => return bad(word, Mips32R2, "wait"),
            _ => return reserved(word),
        },
        0x01 => return bad(word, Reserved, "dmfc0"),
        0x05 => return bad(word, Reserved, "dmtc0"),
        0x0A => return bad(word, Mips32R2, "rdpgpr"),
        0x0B => return bad(word, Mips32R2, "mfmc0"),
        0x0E => return bad(word, Mips32R2, "wrpgpr"),
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_cop1(word: u32) -> Result<Instr, Illegal> {
    use IllegalClass::*;
    use Op::*;
    let op = match (word >> 21) & 31 {
        0x00 => Mfc1,
        0x01 => return bad(word, Cop1Doubleword, "dmfc1"),
        0x02 => Cfc1,
        0x03 => return bad(word, Mips32R2, "mfhc1"),
        0x04 => Mtc1,
        0x05 => return bad(word, Cop1Doubleword, "dmtc1"),
        0x06 => Ctc1,
        0x07 => return bad(word, Mips32R2, "mthc1"),
        // rt holds nd (bit 17) and tf (bit 16); MIPS IV condition codes (bits 20..18) are absent.
        0x08 => match (word >> 16) & 31 {
            0 => Bc1f,
            1 => Bc1t,
            2 => Bc1fl,
            3 => Bc1tl,
            _ => return reserved(word),
        },
        0x10 => return decode_cop1_s(word),
        0x11 => return bad(word, DoubleFloat, "fmt.d"),
        0x14 => match word & 0x3F {
            0x20 => CvtSW,
            0x21 => return bad(word, DoubleFloat, "cvt.d.w"),
            0x26 => return bad(word, DoubleFloat, "cvt.ps.pw"),
            _ => return reserved(word),
        },
        0x15 => return bad(word, DoubleFloat, "fmt.l"),
        0x16 => return bad(word, DoubleFloat, "fmt.ps"),
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_cop1_s(word: u32) -> Result<Instr, Illegal> {
    use IllegalClass::*;
    use Op::*;
    let op = match word & 0x3F {
        0x00 => AddS,
        0x01 => SubS,
        0x02 => MulS,
        0x03 => DivS,
        0x04 => SqrtS,
        0x05 => AbsS,
        0x06 => MovS,
        0x07 => NegS,
        0x08 => return bad(word, DoubleFloat, "round.l.s"),
        0x09 => return bad(word, DoubleFloat, "trunc.l.s"),
        0x0A => return bad(word, DoubleFloat, "ceil.l.s"),
        0x0B => return bad(word, DoubleFloat, "floor.l.s"),
        0x0C => return bad(word, FloatRoundMode, "round.w.s"),
        0x0D => return bad(word, FloatRoundMode, "trunc.w.s"),
        0x0E => return bad(word, FloatRoundMode, "ceil.w.s"),
        0x0F => return bad(word, FloatRoundMode, "floor.w.s"),
        0x11 => return bad(word, Reserved, "movcf.s"),
        0x12 => return bad(word, Reserved, "movz.s"),
        0x13 => return bad(word, Reserved, "movn.s"),
        0x15 => return bad(word, Reserved, "recip.s"),
        0x16 => RsqrtS,
        0x18 => AddaS,
        0x19 => SubaS,
        0x1A => MulaS,
        0x1C => MaddS,
        0x1D => MsubS,
        0x1E => MaddaS,
        0x1F => MsubaS,
        0x21 => return bad(word, DoubleFloat, "cvt.d.s"),
        0x24 => CvtWS,
        0x25 => return bad(word, DoubleFloat, "cvt.l.s"),
        0x26 => return bad(word, DoubleFloat, "cvt.ps.s"),
        0x28 => MaxS,
        0x29 => MinS,
        0x30 => CFS,
        0x32 => CEqS,
        0x34 => CLtS,
        0x36 => CLeS,
        0x31 => return bad(word, FloatCompare, "c.un.s"),
        0x33 => return bad(word, FloatCompare, "c.ueq.s"),
        0x35 => return bad(word, FloatCompare, "c.ult.s"),
        0x37 => return bad(word, FloatCompare, "c.ule.s"),
        0x38 => return bad(word, FloatCompare, "c.sf.s"),
        0x39 => return bad(word, FloatCompare, "c.ngle.s"),
        0x3A => return bad(word, FloatCompare, "c.seq.s"),
        0x3B => return bad(word, FloatCompare, "c.ngl.s"),
        0x3C => return bad(word, FloatCompare, "c.lt.s (standard encoding)"),
        0x3D => return bad(word, FloatCompare, "c.nge.s"),
        0x3E => return bad(word, FloatCompare, "c.le.s (standard encoding)"),
        0x3F => return bad(word, FloatCompare, "c.ngt.s"),
        _ => return reserved(word),
    };
    ok(op, word)
}

const fn decode_cop2(word: u32) -> Result<Instr, Illegal> {
    use Op::*;
    let rs = (word >> 21) & 31;
    let op = if rs >= 0x10 {
        if crate::vu0::decode_macro(word).is_none() {
            return bad(word, IllegalClass::Reserved, "reserved VU0 macro function");
        }
        Vu0Macro
    } else {
        match rs {
            0x01 => Qmfc2,
            0x02 => Cfc2,
            0x05 => Qmtc2,
            0x06 => Ctc2,
            0x08 => match (word >> 16) & 31 {
                0 => Bc2f,
                1 => Bc2t,
                2 => Bc2fl,
                3 => Bc2tl,
                _ => return reserved(word),
            },
            _ => return reserved(word),
        }
    };
    ok(op, word)
}
