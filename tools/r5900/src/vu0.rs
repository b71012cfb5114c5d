//! VU0 in macro mode: the COP2 instructions the EE core issues to VU0, decoded and executed.
//!
//! **Encodings** (VU Users Manual §6.1–6.2; the same tables as GNU binutils' `-march=r5900`
//! opcode list and PCSX2's COP2 tables): COP2 words with bit 25 set carry one upper or lower VU
//! instruction. `dest` (bits 24..21) selects the fields x, y, z, w; `ft`, `fs`, `fd` are bits
//! 20..16, 15..11, 10..6; a broadcast form names the field of `ft` in bits 1..0. Function codes
//! 0x00..0x3B of bits 5..0 are "special1" operations; codes 0x3C..0x3F select "special2", whose
//! operation is bits 10..6 and 1..0 together (`(word >> 4) & 0x7C | word & 3`). Every other code
//! is reserved, so [`decode_macro`] returns `None` for it and the word is illegal.
//!
//! **Arithmetic**: VU floats follow the EE FPU's format rules (VUUM §2.1–2.4): exponent 255 is an
//! ordinary number (no NaN or infinity), denormal operands read as zero, results beyond the
//! largest magnitude saturate to ±`0x7FFF_FFFF`, results below 2^-126 flush to zero, and
//! rounding is toward zero. The interpreter reuses [`crate::fpu`]'s model of those rules for
//! every field. `VMADD`/`VMSUB` round the product before adding it to ACC (the FMAC is not fused).
//! `VITOFn` truncates toward zero when the integer needs more than 24 bits; `VFTOIn` truncates
//! and saturates. Known difference from the chip: the VU's adder and multiplier lack guard bits
//! and can differ in the last place (VUUM §2.4); this model truncates the exact result.
//!
//! **Not executed** (a [`crate::Stop::Unimplemented`] if a program uses them): micro mode
//! (`VCALLMS`, `VCALLMSR`), `VCLIP`, the VI load/store and random-number operations, and
//! `BC2x`. The EE does not run micro programs in this simulator, so every macro instruction
//! finds VU0 idle and the interlock bit of `QMFC2`/`QMTC2`/`CFC2`/`CTC2` changes nothing.

use crate::bus::{Bus, Fault, FaultKind};
use crate::cpu::{Cpu, Stop};
use crate::decode::{Instr, Op};
use crate::fpu;

/// The arithmetic of an upper instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arith {
    /// `fs + t`
    Add,
    /// `fs - t`
    Sub,
    /// `fs × t`
    Mul,
    /// `ACC + fs × t`
    Madd,
    /// `ACC - fs × t`
    Msub,
    /// The larger of `fs` and `t`.
    Max,
    /// The smaller of `fs` and `t`.
    Mini,
}

/// Where an upper instruction's second operand `t` comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operand {
    /// The same field of `ft`.
    Vector,
    /// One field of `ft` (x = 0 … w = 3), broadcast to every field.
    Broadcast(u8),
    /// The Q register (`VDIV`, `VSQRT`, `VRSQRT` results).
    Q,
    /// The I register (control register 21).
    I,
}

/// A VI (16-bit integer register) operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IntegerOp {
    /// `id = is + it`
    Add,
    /// `id = is - it`
    Sub,
    /// `it = is + imm5`
    AddImmediate,
    /// `id = is & it`
    And,
    /// `id = is | it`
    Or,
}

/// What a VU0 macro instruction does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MacroKind {
    /// An upper arithmetic instruction; `to_acc` = the result goes to ACC instead of `fd`.
    Arith {
        /// The operation.
        op: Arith,
        /// The second operand.
        operand: Operand,
        /// Writes ACC (the `…A` forms) rather than `fd`.
        to_acc: bool,
    },
    /// `VOPMULA`: ACC.xyz = fs.yzx × ft.zxy (the first half of a cross product).
    OpMula,
    /// `VOPMSUB`: fd.xyz = ACC.xyz − fs.yzx × ft.zxy.
    OpMsub,
    /// `VABS`: ft = |fs|.
    Abs,
    /// `VMOVE`: ft = fs.
    Move,
    /// `VMR32`: ft = fs rotated one field (x ← y, y ← z, z ← w, w ← x).
    Mr32,
    /// `VITOFn`: ft = fs (signed integers with n fraction bits) as floats.
    Itof(u8),
    /// `VFTOIn`: ft = fs as signed integers with n fraction bits.
    Ftoi(u8),
    /// `VNOP`.
    Nop,
    /// `VDIV`: Q = fs.fsf / ft.ftf.
    Div,
    /// `VSQRT`: Q = sqrt(ft.ftf).
    Sqrt,
    /// `VRSQRT`: Q = fs.fsf / sqrt(ft.ftf).
    Rsqrt,
    /// `VWAITQ`: waits for Q.
    WaitQ,
    /// A VI operation.
    Integer(IntegerOp),
    /// A legal macro instruction this interpreter does not execute (its mnemonic).
    Unsupported(&'static str),
}

/// One decoded VU0 macro instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MacroOp {
    /// The operation.
    pub kind: MacroKind,
    /// Field mask, bit 3 = x … bit 0 = w (the word's bits 24..21).
    pub dest: u8,
    /// `ft` (bits 20..16).
    pub ft: u8,
    /// `fs` (bits 15..11).
    pub fs: u8,
    /// `fd` (bits 10..6).
    pub fd: u8,
}

const fn arith(op: Arith, operand: Operand, to_acc: bool) -> MacroKind {
    MacroKind::Arith { op, operand, to_acc }
}

/// Decodes the VU0 macro instruction in a COP2 word with bit 25 set; `None` for a reserved
/// function code.
pub const fn decode_macro(word: u32) -> Option<MacroOp> {
    use Arith::*;
    use MacroKind as K;
    use Operand::*;
    let funct = word & 0x3F;
    let bc = Broadcast((word & 3) as u8);
    let kind = if funct < 0x3C {
        match funct {
            0x00..=0x03 => arith(Add, bc, false),
            0x04..=0x07 => arith(Sub, bc, false),
            0x08..=0x0B => arith(Madd, bc, false),
            0x0C..=0x0F => arith(Msub, bc, false),
            0x10..=0x13 => arith(Max, bc, false),
            0x14..=0x17 => arith(Mini, bc, false),
            0x18..=0x1B => arith(Mul, bc, false),
            0x1C => arith(Mul, Q, false),
            0x1D => arith(Max, I, false),
            0x1E => arith(Mul, I, false),
            0x1F => arith(Mini, I, false),
            0x20 => arith(Add, Q, false),
            0x21 => arith(Madd, Q, false),
            0x22 => arith(Add, I, false),
            0x23 => arith(Madd, I, false),
            0x24 => arith(Sub, Q, false),
            0x25 => arith(Msub, Q, false),
            0x26 => arith(Sub, I, false),
            0x27 => arith(Msub, I, false),
            0x28 => arith(Add, Vector, false),
            0x29 => arith(Madd, Vector, false),
            0x2A => arith(Mul, Vector, false),
            0x2B => arith(Max, Vector, false),
            0x2C => arith(Sub, Vector, false),
            0x2D => arith(Msub, Vector, false),
            0x2E => K::OpMsub,
            0x2F => arith(Mini, Vector, false),
            0x30 => K::Integer(IntegerOp::Add),
            0x31 => K::Integer(IntegerOp::Sub),
            0x32 => K::Integer(IntegerOp::AddImmediate),
            0x34 => K::Integer(IntegerOp::And),
            0x35 => K::Integer(IntegerOp::Or),
            0x38 => K::Unsupported("vcallms"),
            0x39 => K::Unsupported("vcallmsr"),
            _ => return None,
        }
    } else {
        match ((word >> 4) & 0x7C) | (word & 3) {
            0x00..=0x03 => arith(Add, bc, true),
            0x04..=0x07 => arith(Sub, bc, true),
            0x08..=0x0B => arith(Madd, bc, true),
            0x0C..=0x0F => arith(Msub, bc, true),
            0x10 => K::Itof(0),
            0x11 => K::Itof(4),
            0x12 => K::Itof(12),
            0x13 => K::Itof(15),
            0x14 => K::Ftoi(0),
            0x15 => K::Ftoi(4),
            0x16 => K::Ftoi(12),
            0x17 => K::Ftoi(15),
            0x18..=0x1B => arith(Mul, bc, true),
            0x1C => arith(Mul, Q, true),
            0x1D => K::Abs,
            0x1E => arith(Mul, I, true),
            0x1F => K::Unsupported("vclip"),
            0x20 => arith(Add, Q, true),
            0x21 => arith(Madd, Q, true),
            0x22 => arith(Add, I, true),
            0x23 => arith(Madd, I, true),
            0x24 => arith(Sub, Q, true),
            0x25 => arith(Msub, Q, true),
            0x26 => arith(Sub, I, true),
            0x27 => arith(Msub, I, true),
            0x28 => arith(Add, Vector, true),
            0x29 => arith(Madd, Vector, true),
            0x2A => arith(Mul, Vector, true),
            0x2C => arith(Sub, Vector, true),
            0x2D => arith(Msub, Vector, true),
            0x2E => K::OpMula,
            0x2F => K::Nop,
            0x30 => K::Move,
            0x31 => K::Mr32,
            0x34 => K::Unsupported("vlqi"),
            0x35 => K::Unsupported("vsqi"),
            0x36 => K::Unsupported("vlqd"),
            0x37 => K::Unsupported("vsqd"),
            0x38 => K::Div,
            0x39 => K::Sqrt,
            0x3A => K::Rsqrt,
            0x3B => K::WaitQ,
            0x3C => K::Unsupported("vmtir"),
            0x3D => K::Unsupported("vmfir"),
            0x3E => K::Unsupported("vilwr"),
            0x3F => K::Unsupported("viswr"),
            0x40 => K::Unsupported("vrnext"),
            0x41 => K::Unsupported("vrget"),
            0x42 => K::Unsupported("vrinit"),
            0x43 => K::Unsupported("vrxor"),
            _ => return None,
        }
    };
    let op = MacroOp {
        kind,
        dest: ((word >> 21) & 15) as u8,
        ft: ((word >> 16) & 31) as u8,
        fs: ((word >> 11) & 31) as u8,
        fd: ((word >> 6) & 31) as u8,
    };
    if fixed_fields_hold(&op, funct) {
        Some(op)
    } else {
        None
    }
}

/// The fields an operation does not use must hold the values its encoding fixes (VUUM §6.2's
/// encoding diagrams, which GNU binutils' R5900 opcode table also requires): `ft` = 0 for the
/// Q and I forms, `dest` = xyz for `VOPMULA`/`VOPMSUB`/`VCLIP`, `dest` = 0 for the VI
/// operations and `VCALLMS(R)`, all operand fields 0 for `VNOP`/`VWAITQ`, one field for
/// `VILWR`/`VISWR`, and so on. (`VSQRT`'s unused `fsf` is accepted with any value.)
const fn fixed_fields_hold(op: &MacroOp, funct: u32) -> bool {
    let (dest, ft, fs, fd) = (op.dest, op.ft, op.fs, op.fd);
    match op.kind {
        MacroKind::Arith { operand: Operand::Q | Operand::I, .. } => ft == 0,
        MacroKind::OpMula | MacroKind::OpMsub => dest == 0b1110,
        MacroKind::Integer(_) => dest == 0,
        MacroKind::Nop | MacroKind::WaitQ => dest == 0 && ft == 0 && fs == 0,
        MacroKind::Sqrt => fs == 0,
        MacroKind::Unsupported(name) => match name.as_bytes() {
            b"vclip" => dest == 0b1110,
            b"vcallms" => dest == 0,
            b"vcallmsr" => dest == 0 && ft == 0 && fd == 0 && funct == 0x39,
            b"vmtir" => dest < 4,
            b"vilwr" | b"viswr" => matches!(dest, 1 | 2 | 4 | 8),
            b"vrinit" | b"vrxor" => dest < 4 && ft == 0,
            b"vrnext" | b"vrget" => fs == 0,
            _ => true,
        },
        _ => true,
    }
}

impl MacroOp {
    /// The VF register this instruction writes (`None` for ACC, Q, VI or nothing). The macro
    /// pipeline checks hazards by register number (VUUM §5.4), so this is what a later
    /// instruction that reads or writes the same number waits for.
    pub const fn vf_destination(&self) -> Option<usize> {
        let register = match self.kind {
            MacroKind::Arith { to_acc: false, .. } | MacroKind::OpMsub => self.fd,
            MacroKind::Abs | MacroKind::Move | MacroKind::Mr32 | MacroKind::Itof(_) | MacroKind::Ftoi(_) => self.ft,
            _ => return None,
        };
        if register == 0 {
            None // VF00 is constant and exempt from the checks
        } else {
            Some(register as usize)
        }
    }

    /// The VF registers it reads (0 = none; VF00 is exempt from hazard checks).
    pub const fn vf_sources(&self) -> [usize; 2] {
        match self.kind {
            MacroKind::Arith { operand: Operand::Q | Operand::I, .. } => [self.fs as usize, 0],
            MacroKind::Arith { .. } | MacroKind::OpMula | MacroKind::OpMsub | MacroKind::Div | MacroKind::Rsqrt => {
                [self.fs as usize, self.ft as usize]
            }
            MacroKind::Abs | MacroKind::Move | MacroKind::Mr32 | MacroKind::Itof(_) | MacroKind::Ftoi(_) => {
                [self.fs as usize, 0]
            }
            MacroKind::Sqrt => [self.ft as usize, 0],
            _ => [0, 0],
        }
    }

    /// The assembler mnemonic without its field suffix (`"vmaddax"`, `"vitof0"`).
    pub fn mnemonic(&self) -> String {
        let bc = |operand: Operand| match operand {
            Operand::Vector => "",
            Operand::Broadcast(field) => ["x", "y", "z", "w"][field as usize],
            Operand::Q => "q",
            Operand::I => "i",
        };
        match self.kind {
            MacroKind::Arith { op, operand, to_acc } => {
                let name = match op {
                    Arith::Add => "vadd",
                    Arith::Sub => "vsub",
                    Arith::Mul => "vmul",
                    Arith::Madd => "vmadd",
                    Arith::Msub => "vmsub",
                    Arith::Max => "vmax",
                    Arith::Mini => "vmini",
                };
                format!("{name}{}{}", if to_acc { "a" } else { "" }, bc(operand))
            }
            MacroKind::OpMula => "vopmula".into(),
            MacroKind::OpMsub => "vopmsub".into(),
            MacroKind::Abs => "vabs".into(),
            MacroKind::Move => "vmove".into(),
            MacroKind::Mr32 => "vmr32".into(),
            MacroKind::Itof(n) => format!("vitof{n}"),
            MacroKind::Ftoi(n) => format!("vftoi{n}"),
            MacroKind::Nop => "vnop".into(),
            MacroKind::Div => "vdiv".into(),
            MacroKind::Sqrt => "vsqrt".into(),
            MacroKind::Rsqrt => "vrsqrt".into(),
            MacroKind::WaitQ => "vwaitq".into(),
            MacroKind::Integer(op) => match op {
                IntegerOp::Add => "viadd",
                IntegerOp::Sub => "visub",
                IntegerOp::AddImmediate => "viaddi",
                IntegerOp::And => "viand",
                IntegerOp::Or => "vior",
            }
            .into(),
            MacroKind::Unsupported(name) => name.into(),
        }
    }
}

/// VU0 control register numbers as CFC2/CTC2 see them (VUUM §5.1).
pub mod control {
    /// The R register (random numbers).
    pub const R: usize = 20;
    /// The I register.
    pub const I: usize = 21;
    /// The Q register.
    pub const Q: usize = 22;
    /// VPU-STAT: bit 0 = VU0 running (never, here).
    pub const VPU_STAT: usize = 29;
}

/// VU0's registers as the EE sees them in macro mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vu0 {
    /// VF00..VF31, each four fields x, y, z, w as float bit patterns. VF00 is always (0, 0, 0, 1).
    pub vf: [[u32; 4]; 32],
    /// VI00..VI15 (VI00 is always 0).
    pub vi: [u16; 16],
    /// The accumulator.
    pub acc: [u32; 4],
    /// The I register.
    pub i: u32,
    /// The Q register.
    pub q: u32,
    /// The R register.
    pub r: u32,
}

/// `1.0` as a float bit pattern (VF00.w).
const ONE: u32 = 0x3F80_0000;

impl Default for Vu0 {
    fn default() -> Self {
        let mut vf = [[0; 4]; 32];
        vf[0] = [0, 0, 0, ONE];
        Self { vf, vi: [0; 16], acc: [0; 4], i: 0, q: 0, r: 0 }
    }
}

/// Whether field `f` (0 = x … 3 = w) is selected by a `dest` mask (bit 3 = x).
const fn selected(dest: u8, f: usize) -> bool {
    dest & (8 >> f) != 0
}

fn quad_to_fields(value: u128) -> [u32; 4] {
    core::array::from_fn(|f| (value >> (32 * f)) as u32)
}

fn fields_to_quad(fields: [u32; 4]) -> u128 {
    fields.iter().enumerate().fold(0, |quad, (f, &v)| quad | (v as u128) << (32 * f))
}

/// The larger (or smaller) of two VU floats by value; denormals count as zero.
fn max_min(a: u32, b: u32, max: bool) -> u32 {
    let (x, y) = (fpu::to_f64(a), fpu::to_f64(b));
    if (x >= y) == max {
        a
    } else {
        b
    }
}

/// An integer with `fraction` fraction bits as a VU float (truncated to 24 significant bits).
fn itof(word: u32, fraction: u8) -> u32 {
    fpu::from_f64(word as i32 as f64 / f64::from(1u32 << fraction)).bits
}

/// A VU float as an integer with `fraction` fraction bits, truncated and saturated.
fn ftoi(bits: u32, fraction: u8) -> u32 {
    let value = (fpu::to_f64(bits) * f64::from(1u32 << fraction)).trunc();
    value.clamp(i32::MIN as f64, i32::MAX as f64) as i32 as u32
}

impl Vu0 {
    fn write_vf(&mut self, register: usize, fields: [u32; 4], dest: u8) {
        if register == 0 {
            return;
        }
        for (f, value) in fields.into_iter().enumerate() {
            if selected(dest, f) {
                self.vf[register][f] = value;
            }
        }
    }

    /// Executes one macro instruction; `Err(mnemonic)` if it is one this model does not run.
    pub fn execute(&mut self, op: &MacroOp) -> Result<(), &'static str> {
        let (fs, ft) = (self.vf[op.fs as usize], self.vf[op.ft as usize]);
        let each = |compute: &dyn Fn(usize) -> u32| -> [u32; 4] { core::array::from_fn(compute) };
        match op.kind {
            MacroKind::Arith { op: arith, operand, to_acc } => {
                let t = |f: usize| match operand {
                    Operand::Vector => ft[f],
                    Operand::Broadcast(field) => ft[field as usize],
                    Operand::Q => self.q,
                    Operand::I => self.i,
                };
                let acc = self.acc;
                let result = each(&|f| {
                    let (a, b) = (fs[f], t(f));
                    match arith {
                        Arith::Add => fpu::add(a, b).bits,
                        Arith::Sub => fpu::sub(a, b).bits,
                        Arith::Mul => fpu::mul(a, b).bits,
                        Arith::Madd => fpu::add(acc[f], fpu::mul(a, b).bits).bits,
                        Arith::Msub => fpu::sub(acc[f], fpu::mul(a, b).bits).bits,
                        Arith::Max => max_min(a, b, true),
                        Arith::Mini => max_min(a, b, false),
                    }
                });
                if to_acc {
                    for (f, value) in result.into_iter().enumerate() {
                        if selected(op.dest, f) {
                            self.acc[f] = value;
                        }
                    }
                } else {
                    self.write_vf(op.fd as usize, result, op.dest);
                }
            }
            MacroKind::OpMula | MacroKind::OpMsub => {
                // x: fs.y·ft.z, y: fs.z·ft.x, z: fs.x·ft.y; w is not written.
                let product = |f: usize| fpu::mul(fs[(f + 1) % 3], ft[(f + 2) % 3]).bits;
                let dest = op.dest & 0b1110;
                if op.kind == MacroKind::OpMula {
                    for (f, acc) in self.acc.iter_mut().enumerate().take(3) {
                        if selected(dest, f) {
                            *acc = product(f);
                        }
                    }
                } else {
                    let acc = self.acc;
                    let result = each(&|f| if f < 3 { fpu::sub(acc[f], product(f)).bits } else { 0 });
                    self.write_vf(op.fd as usize, result, dest);
                }
            }
            MacroKind::Abs => self.write_vf(op.ft as usize, each(&|f| fs[f] & 0x7FFF_FFFF), op.dest),
            MacroKind::Move => self.write_vf(op.ft as usize, fs, op.dest),
            MacroKind::Mr32 => self.write_vf(op.ft as usize, each(&|f| fs[(f + 1) % 4]), op.dest),
            MacroKind::Itof(n) => self.write_vf(op.ft as usize, each(&|f| itof(fs[f], n)), op.dest),
            MacroKind::Ftoi(n) => self.write_vf(op.ft as usize, each(&|f| ftoi(fs[f], n)), op.dest),
            MacroKind::Nop | MacroKind::WaitQ => {}
            MacroKind::Div | MacroKind::Sqrt | MacroKind::Rsqrt => {
                // fsf = bits 22..21, ftf = bits 24..23, which is where `dest` sits.
                let fsf = (op.dest & 3) as usize;
                let ftf = (op.dest >> 2) as usize;
                self.q = match op.kind {
                    MacroKind::Div => fpu::div(fs[fsf], ft[ftf]).rounded.bits,
                    MacroKind::Sqrt => fpu::sqrt(ft[ftf]).rounded.bits,
                    _ => fpu::rsqrt(fs[fsf], ft[ftf]).rounded.bits,
                };
            }
            MacroKind::Integer(integer) => {
                let (is, it) = (self.vi[op.fs as usize & 15], self.vi[op.ft as usize & 15]);
                let (target, value) = match integer {
                    IntegerOp::Add => (op.fd, is.wrapping_add(it)),
                    IntegerOp::Sub => (op.fd, is.wrapping_sub(it)),
                    IntegerOp::And => (op.fd, is & it),
                    IntegerOp::Or => (op.fd, is | it),
                    // imm5 (bits 10..6) is signed.
                    IntegerOp::AddImmediate => (op.ft, is.wrapping_add(((op.fd as i8) << 3 >> 3) as u16)),
                };
                if target & 15 != 0 {
                    self.vi[target as usize & 15] = value;
                }
            }
            MacroKind::Unsupported(name) => return Err(name),
        }
        Ok(())
    }
}

impl Cpu {
    /// COP2: the VU0 transfers (`LQC2`, `SQC2`, `QMFC2`, `QMTC2`, `CFC2`, `CTC2`) and macro
    /// instructions. `BC2x` and the operations [`MacroKind::Unsupported`] names stop the run.
    pub(crate) fn exec_cop2<B: Bus>(&mut self, bus: &mut B, i: Instr, pc: u32) -> Result<(), Stop> {
        let unimplemented = Err(Stop::Unimplemented { pc, instr: i });
        match i.op {
            Op::Lqc2 | Op::Sqc2 => {
                // Unlike LQ/SQ, which ignore the low four address bits, LQC2/SQC2 take an
                // address error on an unaligned address (EE Core Instruction Set Manual, LQC2
                // and SQC2: "If the least-significant four bits of the effective address are not
                // zero, an Address Error exception occurs").
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32);
                if addr & 15 != 0 {
                    return Err(Stop::Fault { pc, fault: Fault::new(addr, FaultKind::Misaligned) });
                }
                if i.op == Op::Lqc2 {
                    let value = self.load128(bus, addr).map_err(|fault| Stop::Fault { pc, fault })?;
                    self.vu0.write_vf(i.ft(), quad_to_fields(value), 0xF);
                } else {
                    let value = fields_to_quad(self.vu0.vf[i.ft()]);
                    self.store128(bus, addr, value).map_err(|fault| Stop::Fault { pc, fault })?;
                }
            }
            Op::Qmfc2 => {
                if i.rt() != 0 {
                    self.gpr[i.rt()] = fields_to_quad(self.vu0.vf[i.rd()]);
                }
            }
            Op::Qmtc2 => {
                let fields = quad_to_fields(self.gpr[i.rt()]);
                self.vu0.write_vf(i.rd(), fields, 0xF);
            }
            Op::Cfc2 => {
                let value = match i.rd() {
                    r @ 0..=15 => u32::from(self.vu0.vi[r]),
                    control::R => self.vu0.r,
                    control::I => self.vu0.i,
                    control::Q => self.vu0.q,
                    control::VPU_STAT => 0,
                    _ => return unimplemented,
                };
                self.write64(i.rt(), value as i32 as i64 as u64);
            }
            Op::Ctc2 => {
                let value = self.gpr[i.rt()] as u32;
                match i.rd() {
                    0 => {}
                    r @ 1..=15 => self.vu0.vi[r] = value as u16,
                    control::R => self.vu0.r = value,
                    control::I => self.vu0.i = value,
                    control::Q => self.vu0.q = value,
                    _ => return unimplemented,
                }
            }
            Op::Vu0Macro => {
                let Some(op) = decode_macro(i.word) else { return unimplemented };
                if self.vu0.execute(&op).is_err() {
                    return unimplemented;
                }
            }
            _ => return unimplemented,
        }
        Ok(())
    }
}
