//! Disassembly (`Display` for [`Instr`]), close to GNU objdump's R5900 output.

use crate::decode::{Format, Instr, Op};
use core::fmt;

/// ABI names of the 32 general-purpose registers, as objdump prints them.
pub const GPR_NAMES: [&str; 32] = [
    "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra",
];

/// Prints an instruction, with absolute targets when its address is known.
pub(crate) struct DisplayAt {
    pub(crate) instr: Instr,
    pub(crate) pc: Option<u32>,
}

impl DisplayAt {
    fn branch(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pc {
            Some(pc) => write!(f, "{:#x}", self.instr.branch_target(pc)),
            None => {
                let offset = (self.instr.simm() << 2) + 4;
                if offset < 0 { write!(f, ".-{}", -offset) } else { write!(f, ".+{offset}") }
            }
        }
    }
}

impl fmt::Display for DisplayAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.instr;
        let gpr = |n: usize| GPR_NAMES[n];
        let (rs, rt, rd) = (gpr(i.rs()), gpr(i.rt()), gpr(i.rd()));
        let name = i.op.mnemonic();
        if i.op.format() == Format::None || (i.op.format() == Format::Code && i.code() == 0) {
            return f.write_str(name);
        }
        if i.op == Op::Sync {
            return f.write_str(if i.sa() & 0x10 != 0 { "sync.p" } else { "sync" });
        }
        write!(f, "{name}\t")?;
        match i.op.format() {
            Format::None | Format::Sync => Ok(()),
            Format::RdRsRt => write!(f, "{rd},{rs},{rt}"),
            Format::RdRtRs => write!(f, "{rd},{rt},{rs}"),
            Format::RdRtSa => write!(f, "{rd},{rt},{:#x}", i.sa()),
            Format::RtRsSimm => write!(f, "{rt},{rs},{}", i.simm()),
            Format::RtRsUimm => write!(f, "{rt},{rs},{:#x}", i.uimm()),
            Format::RtUimm => write!(f, "{rt},{:#x}", i.uimm()),
            Format::RtMem => write!(f, "{rt},{}({rs})", i.simm()),
            Format::FtMem => write!(f, "$f{},{}({rs})", i.rt(), i.simm()),
            Format::VfMem => write!(f, "$vf{},{}({rs})", i.rt(), i.simm()),
            Format::HintMem => write!(f, "{:#x},{}({rs})", i.rt(), i.simm()),
            Format::RsRtBranch => {
                write!(f, "{rs},{rt},")?;
                self.branch(f)
            }
            Format::RsBranch => {
                write!(f, "{rs},")?;
                self.branch(f)
            }
            Format::Branch => self.branch(f),
            Format::Jump => match self.pc {
                Some(pc) => write!(f, "{:#x}", i.jump_target(pc)),
                None => write!(f, "{:#x}", i.jump_index() << 2),
            },
            Format::Rs => f.write_str(rs),
            Format::Rd => f.write_str(rd),
            Format::RdRs if i.op == Op::Jalr && i.rd() == 31 => f.write_str(rs),
            Format::RdRs => write!(f, "{rd},{rs}"),
            Format::RdRt => write!(f, "{rd},{rt}"),
            Format::MulDiv if i.rd() == 0 => write!(f, "{rs},{rt}"),
            Format::MulDiv => write!(f, "{rd},{rs},{rt}"),
            Format::RsRt => write!(f, "{rs},{rt}"),
            Format::RsSimm => write!(f, "{rs},{}", i.simm()),
            Format::RsUimm => write!(f, "{rs},{}", i.uimm()),
            Format::Code => write!(f, "{:#x}", i.code()),
            Format::Cop0Move => write!(f, "{rt},${}", i.rd()),
            Format::Cop1Move => write!(f, "{rt},$f{}", i.fs()),
            Format::Cop1CtlMove => write!(f, "{rt},${}", i.fs()),
            Format::FdFs => write!(f, "$f{},$f{}", i.fd(), i.fs()),
            Format::FdFt => write!(f, "$f{},$f{}", i.fd(), i.ft()),
            Format::FsFt => write!(f, "$f{},$f{}", i.fs(), i.ft()),
            Format::FdFsFt => write!(f, "$f{},$f{},$f{}", i.fd(), i.fs(), i.ft()),
            Format::Cop2Move => write!(f, "{rt},${}", i.rd()),
            Format::Cop2Raw => match crate::vu0::decode_macro(i.word) {
                Some(op) => write!(f, "{}.{:04b} vf{},vf{},vf{}", op.mnemonic(), op.dest, op.fd, op.fs, op.ft),
                None => write!(f, "{:#09x}", i.word & 0x01FF_FFFF),
            },
        }
    }
}
