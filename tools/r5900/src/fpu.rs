//! COP1, the EE's single-precision FPU, with its non-IEEE arithmetic.
//!
//! The EE float format is IEEE binary32's layout with different meaning:
//! - exponent 255 is an ordinary exponent (no NaN or infinity), so the largest magnitude is
//!   `0x7FFF_FFFF` ≈ 6.8e38, and results beyond it saturate to ±`0x7FFF_FFFF`;
//! - exponent 0 is zero whatever the mantissa (denormals read as zero, and results below
//!   2^-126 flush to zero, keeping their sign);
//! - rounding is always toward zero.
//!
//! Each operand is widened exactly to f64, the operation is done in f64 and the result is
//! truncated toward zero to 24 significant bits. This is exact for MUL (a 48-bit product fits
//! f64), for DIV and SQRT (an f64 result never rounds across a 24-bit boundary: a quotient or
//! square root of 24-bit numbers that is not exactly representable lies at least ~2^-48
//! relative away from every 24-bit value) and for ADD/SUB after the alignment step below.
//!
//! ADD/SUB follow the hardware's adder, as established by PCSX2's hardware-tested `PS2Float`
//! model: before adding, the operand with the smaller exponent loses the mantissa bits more
//! than one place below the larger operand's last place (it keeps a single guard bit), and
//! becomes a signed zero when the exponents differ by 25 or more. So `1.0 - 2^-30` is `1.0` on
//! the EE, not the next float below it.
//!
//! Known differences from the chip: its multiplier drops low partial-product bits and can be
//! one unit off in the last place (PCSX2 models the Booth array; here the exact product is
//! truncated), and MADD/MSUB round the product to an EE float before accumulating, which may
//! not match the hardware's fused path bit for bit.

use crate::cpu::{fcr31, Cpu};
use crate::decode::{Instr, Op};
use crate::timing;

/// Largest EE float magnitude (exponent 255, all mantissa bits set).
pub const FLOAT_MAX: u32 = 0x7FFF_FFFF;
const SIGN: u32 = 0x8000_0000;

/// The exact value of an EE float (denormals read as signed zero).
pub fn to_f64(bits: u32) -> f64 {
    let sign = ((bits & SIGN) as u64) << 32;
    let exponent = (bits >> 23) & 0xFF;
    if exponent == 0 {
        return f64::from_bits(sign);
    }
    let mantissa = (bits & 0x7F_FFFF) as u64;
    f64::from_bits(sign | ((exponent as u64 + 1023 - 127) << 52) | (mantissa << 29))
}

/// Result of narrowing an f64 to an EE float.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rounded {
    /// The EE float bits.
    pub bits: u32,
    /// The value was too large and saturated to ±[`FLOAT_MAX`].
    pub overflow: bool,
    /// The value was nonzero but below 2^-126 and flushed to zero.
    pub underflow: bool,
}

/// Truncates an f64 toward zero to an EE float, saturating and flushing as the EE does.
pub fn from_f64(value: f64) -> Rounded {
    let bits = value.to_bits();
    let sign = ((bits >> 32) as u32) & SIGN;
    let magnitude = bits & !(1 << 63);
    if magnitude == 0 {
        return Rounded { bits: sign, overflow: false, underflow: false };
    }
    let exponent = ((magnitude >> 52) as i64) - 1023 + 127;
    if exponent > 255 {
        return Rounded { bits: sign | FLOAT_MAX, overflow: true, underflow: false };
    }
    if exponent < 1 {
        return Rounded { bits: sign, overflow: false, underflow: true };
    }
    let mantissa = ((magnitude >> 29) as u32) & 0x7F_FFFF; // dropping bits = toward zero
    Rounded { bits: sign | ((exponent as u32) << 23) | mantissa, overflow: false, underflow: false }
}

fn exponent(bits: u32) -> u32 {
    (bits >> 23) & 0xFF
}

/// `a + b` on EE floats.
pub fn add(a: u32, b: u32) -> Rounded {
    let (a, b) = align_operands(a, b);
    // Both operands now fit in 25 bits relative to the larger one's exponent, so the f64 sum
    // is exact and truncating it is exact round-toward-zero.
    from_f64(to_f64(a) + to_f64(b))
}

/// The adder's alignment: the smaller operand keeps one guard bit below the larger operand's
/// last mantissa place and is zero (keeping its sign) when the exponents differ by 25 or more.
fn align_operands(a: u32, b: u32) -> (u32, u32) {
    let (ea, eb) = (exponent(a) as i32, exponent(b) as i32);
    if ea == 0 || eb == 0 {
        return (a, b); // a zero operand (or denormal, read as zero) needs no alignment
    }
    let truncate = |value: u32, difference: i32| -> u32 {
        if difference >= 25 { value & SIGN } else { value & (u32::MAX << (difference - 1)) }
    };
    match ea - eb {
        difference if difference > 0 => (a, truncate(b, difference)),
        difference if difference < 0 => (truncate(a, -difference), b),
        _ => (a, b),
    }
}

/// `a - b` on EE floats.
pub fn sub(a: u32, b: u32) -> Rounded {
    add(a, b ^ SIGN)
}

/// `a * b` on EE floats.
pub fn mul(a: u32, b: u32) -> Rounded {
    from_f64(to_f64(a) * to_f64(b))
}

/// Result of a division or square root, with the EE's invalid/divide-by-zero flags.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Divided {
    /// The result and its overflow/underflow flags.
    pub rounded: Rounded,
    /// 0/0, or a square root of a negative number.
    pub invalid: bool,
    /// Division of a nonzero value by zero.
    pub divide_by_zero: bool,
}

/// `a / b` on EE floats: division by zero gives ±[`FLOAT_MAX`] (sign of a xor b).
pub fn div(a: u32, b: u32) -> Divided {
    if exponent(b) == 0 {
        let bits = ((a ^ b) & SIGN) | FLOAT_MAX;
        let zero_by_zero = exponent(a) == 0;
        let rounded = Rounded { bits, overflow: false, underflow: false };
        return Divided { rounded, invalid: zero_by_zero, divide_by_zero: !zero_by_zero };
    }
    Divided { rounded: from_f64(to_f64(a) / to_f64(b)), invalid: false, divide_by_zero: false }
}

/// `sqrt(b)` on EE floats: a negative input gives the root of its magnitude and the invalid flag.
pub fn sqrt(b: u32) -> Divided {
    let invalid = b & SIGN != 0 && exponent(b) != 0;
    let root = to_f64(b & !SIGN).sqrt();
    Divided { rounded: from_f64(root), invalid, divide_by_zero: false }
}

/// `a / sqrt(b)` on EE floats (RSQRT.S).
pub fn rsqrt(a: u32, b: u32) -> Divided {
    if exponent(b) == 0 {
        let rounded = Rounded { bits: (a & SIGN) | FLOAT_MAX, overflow: false, underflow: false };
        return Divided { rounded, invalid: false, divide_by_zero: true };
    }
    let invalid = b & SIGN != 0;
    Divided { rounded: from_f64(to_f64(a) / to_f64(b & !SIGN).sqrt()), invalid, divide_by_zero: false }
}

/// CVT.W.S: truncation toward zero, saturating to `i32::MAX`/`i32::MIN`.
pub fn to_int(bits: u32) -> u32 {
    let value = to_f64(bits).trunc();
    if value >= 2_147_483_647.0 {
        i32::MAX as u32
    } else if value <= -2_147_483_648.0 {
        i32::MIN as u32
    } else {
        value as i32 as u32
    }
}

/// CVT.S.W: the integer truncated toward zero to 24 significant bits.
pub fn from_int(word: u32) -> u32 {
    from_f64(word as i32 as f64).bits
}

/// Orders EE floats like the hardware's MAX/MIN: as sign-magnitude integers.
fn order_key(bits: u32) -> i64 {
    let magnitude = (bits & !SIGN) as i64;
    if bits & SIGN != 0 { -magnitude - 1 } else { magnitude }
}

impl Cpu {
    /// Stalls until the given FPU registers' pending results are ready.
    #[inline(always)]
    fn wait_fprs(&mut self, a: usize, b: usize) {
        if self.timing != crate::timing::TimingModel::Simple {
            return;
        }
        self.cycles = self.cycles.max(self.fpr_ready[a]).max(self.fpr_ready[b]);
    }

    fn set_arith_flags(&mut self, rounded: Rounded) {
        self.fcr31 &= !(fcr31::O | fcr31::U);
        if rounded.overflow {
            self.fcr31 |= fcr31::O | fcr31::SO;
        }
        if rounded.underflow {
            self.fcr31 |= fcr31::U | fcr31::SU;
        }
    }

    fn set_divide_flags(&mut self, divided: Divided) {
        self.fcr31 &= !(fcr31::I | fcr31::D);
        if divided.invalid {
            self.fcr31 |= fcr31::I | fcr31::SI;
        }
        if divided.divide_by_zero {
            self.fcr31 |= fcr31::D | fcr31::SD;
        }
        self.set_arith_flags(divided.rounded);
    }

    /// MFC1, MTC1, CFC1, CTC1.
    pub(crate) fn exec_cop1_move(&mut self, i: Instr) {
        match i.op {
            Op::Mfc1 => {
                self.wait_fprs(i.fs(), i.fs());
                let value = self.fpr[i.fs()];
                self.write64(i.rt(), value as i32 as i64 as u64);
            }
            Op::Mtc1 => self.fpr[i.fs()] = self.gpr[i.rt()] as u32,
            Op::Cfc1 => {
                // FCR0 is the implementation/revision register (0x2E30 on the EE).
                let value = match i.fs() {
                    0 => 0x2E30,
                    31 => self.fcr31,
                    _ => 0,
                };
                self.write64(i.rt(), value as i32 as i64 as u64);
            }
            _ => {
                if i.fs() == 31 {
                    // RM stays "toward zero" whatever is written.
                    self.fcr31 = (self.gpr[i.rt()] as u32 & !3) | 1;
                }
            }
        }
    }

    /// COP1 arithmetic, conversions and compares (format S or W).
    pub(crate) fn exec_fpu(&mut self, i: Instr) {
        let (fs, ft, fd) = (i.fs(), i.ft(), i.fd());
        self.wait_fprs(fs, ft);
        let (a, b) = (self.fpr[fs], self.fpr[ft]);
        match i.op {
            Op::AddS | Op::SubS | Op::MulS => {
                let r = match i.op {
                    Op::AddS => add(a, b),
                    Op::SubS => sub(a, b),
                    _ => mul(a, b),
                };
                self.set_arith_flags(r);
                self.fpr[fd] = r.bits;
                self.fpr_ready[fd] = self.cycles + timing::FPU_LATENCY;
            }
            Op::AddaS | Op::SubaS | Op::MulaS => {
                let r = match i.op {
                    Op::AddaS => add(a, b),
                    Op::SubaS => sub(a, b),
                    _ => mul(a, b),
                };
                self.set_arith_flags(r);
                self.acc = r.bits;
            }
            Op::MaddS | Op::MsubS | Op::MaddaS | Op::MsubaS => {
                // The product is rounded to an EE float before it is accumulated.
                let product = mul(a, b);
                let r = if matches!(i.op, Op::MaddS | Op::MaddaS) { add(self.acc, product.bits) } else { sub(self.acc, product.bits) };
                let r = Rounded { overflow: r.overflow || product.overflow, underflow: r.underflow, bits: r.bits };
                self.set_arith_flags(r);
                if matches!(i.op, Op::MaddS | Op::MsubS) {
                    self.fpr[fd] = r.bits;
                    self.fpr_ready[fd] = self.cycles + timing::FPU_LATENCY;
                } else {
                    self.acc = r.bits;
                }
            }
            Op::DivS => {
                let r = div(a, b);
                self.set_divide_flags(r);
                self.fpr[fd] = r.rounded.bits;
                self.fpr_ready[fd] = self.cycles + timing::FPU_DIV_LATENCY;
            }
            Op::SqrtS => {
                let r = sqrt(b);
                self.set_divide_flags(r);
                self.fpr[fd] = r.rounded.bits;
                self.fpr_ready[fd] = self.cycles + timing::FPU_SQRT_LATENCY;
            }
            Op::RsqrtS => {
                let r = rsqrt(a, b);
                self.set_divide_flags(r);
                self.fpr[fd] = r.rounded.bits;
                self.fpr_ready[fd] = self.cycles + timing::FPU_RSQRT_LATENCY;
            }
            Op::AbsS | Op::NegS => {
                self.fcr31 &= !(fcr31::O | fcr31::U);
                self.fpr[fd] = if i.op == Op::AbsS { a & !SIGN } else { a ^ SIGN };
            }
            Op::MovS => self.fpr[fd] = a,
            Op::MaxS | Op::MinS => {
                self.fcr31 &= !(fcr31::O | fcr31::U);
                let a_larger = order_key(a) >= order_key(b);
                self.fpr[fd] = if a_larger == (i.op == Op::MaxS) { a } else { b };
            }
            Op::CvtWS => self.fpr[fd] = to_int(a),
            Op::CvtSW => self.fpr[fd] = from_int(a),
            Op::CFS | Op::CEqS | Op::CLtS | Op::CLeS => {
                let (x, y) = (to_f64(a), to_f64(b));
                let condition = match i.op {
                    Op::CEqS => x == y,
                    Op::CLtS => x < y,
                    Op::CLeS => x <= y,
                    _ => false,
                };
                self.fcr31 = if condition { self.fcr31 | fcr31::C } else { self.fcr31 & !fcr31::C };
            }
            _ => unreachable!("exec_fpu is only called for COP1 arithmetic ops"),
        }
    }
}
