//! The R5900 multimedia instructions (MMI): 128-bit parallel integer operations.
//!
//! Lane conventions: a 128-bit register is 4 words (w0 = bits 31..0), 8 halfwords or 16
//! bytes, lane 0 least significant. HI/LO are 128-bit here too (HI1/LO1 = upper halves).

use crate::cpu::{Cpu, Stop};
use crate::exec::{div32, divu32};
use crate::decode::{Instr, Op};
use crate::timing;

#[inline]
fn words(x: u128) -> [u32; 4] {
    core::array::from_fn(|k| (x >> (32 * k)) as u32)
}
#[inline]
fn from_words(w: [u32; 4]) -> u128 {
    w.iter().rev().fold(0u128, |acc, &v| (acc << 32) | v as u128)
}
#[inline]
fn halves(x: u128) -> [u16; 8] {
    core::array::from_fn(|k| (x >> (16 * k)) as u16)
}
#[inline]
fn from_halves(h: [u16; 8]) -> u128 {
    h.iter().rev().fold(0u128, |acc, &v| (acc << 16) | v as u128)
}
#[inline]
fn bytes(x: u128) -> [u8; 16] {
    x.to_le_bytes()
}
#[inline]
fn from_bytes(b: [u8; 16]) -> u128 {
    u128::from_le_bytes(b)
}

fn map_w(a: u128, b: u128, f: impl Fn(u32, u32) -> u32) -> u128 {
    let (a, b) = (words(a), words(b));
    from_words(core::array::from_fn(|k| f(a[k], b[k])))
}
fn map_h(a: u128, b: u128, f: impl Fn(u16, u16) -> u16) -> u128 {
    let (a, b) = (halves(a), halves(b));
    from_halves(core::array::from_fn(|k| f(a[k], b[k])))
}
fn map_b(a: u128, b: u128, f: impl Fn(u8, u8) -> u8) -> u128 {
    let (a, b) = (bytes(a), bytes(b));
    from_bytes(core::array::from_fn(|k| f(a[k], b[k])))
}

/// All-ones lane when `condition` holds.
fn mask<T: From<u8> + core::ops::Not<Output = T>>(condition: bool) -> T {
    if condition { !T::from(0) } else { T::from(0) }
}

fn sat_i16(v: i32) -> u16 {
    v.clamp(i16::MIN as i32, i16::MAX as i32) as i16 as u16
}

fn sext(v: u32) -> u64 {
    v as i32 as i64 as u64
}

impl Cpu {
    /// Executes an MMI instruction (the run loop's fallback arm).
    pub(crate) fn exec_mmi(&mut self, i: Instr, pc: u32) -> Result<(), Stop> {
        let rs = self.gpr[i.rs()];
        let rt = self.gpr[i.rt()];
        let rd = i.rd();
        let sa = i.sa();
        let result: u128 = match i.op {
            // ---- MMI0
            Op::Paddw => map_w(rs, rt, u32::wrapping_add),
            Op::Psubw => map_w(rs, rt, u32::wrapping_sub),
            Op::Pcgtw => map_w(rs, rt, |a, b| mask((a as i32) > b as i32)),
            Op::Pmaxw => map_w(rs, rt, |a, b| (a as i32).max(b as i32) as u32),
            Op::Paddh => map_h(rs, rt, u16::wrapping_add),
            Op::Psubh => map_h(rs, rt, u16::wrapping_sub),
            Op::Pcgth => map_h(rs, rt, |a, b| mask((a as i16) > b as i16)),
            Op::Pmaxh => map_h(rs, rt, |a, b| (a as i16).max(b as i16) as u16),
            Op::Paddb => map_b(rs, rt, u8::wrapping_add),
            Op::Psubb => map_b(rs, rt, u8::wrapping_sub),
            Op::Pcgtb => map_b(rs, rt, |a, b| mask((a as i8) > b as i8)),
            Op::Paddsw => map_w(rs, rt, |a, b| (a as i32).saturating_add(b as i32) as u32),
            Op::Psubsw => map_w(rs, rt, |a, b| (a as i32).saturating_sub(b as i32) as u32),
            Op::Paddsh => map_h(rs, rt, |a, b| (a as i16).saturating_add(b as i16) as u16),
            Op::Psubsh => map_h(rs, rt, |a, b| (a as i16).saturating_sub(b as i16) as u16),
            Op::Paddsb => map_b(rs, rt, |a, b| (a as i8).saturating_add(b as i8) as u8),
            Op::Psubsb => map_b(rs, rt, |a, b| (a as i8).saturating_sub(b as i8) as u8),
            Op::Pextlw => {
                let (s, t) = (words(rs), words(rt));
                from_words([t[0], s[0], t[1], s[1]])
            }
            Op::Pextuw => {
                let (s, t) = (words(rs), words(rt));
                from_words([t[2], s[2], t[3], s[3]])
            }
            Op::Pextlh | Op::Pextuh => {
                let base = if i.op == Op::Pextlh { 0 } else { 4 };
                let (s, t) = (halves(rs), halves(rt));
                from_halves(core::array::from_fn(|k| if k % 2 == 0 { t[base + k / 2] } else { s[base + k / 2] }))
            }
            Op::Pextlb | Op::Pextub => {
                let base = if i.op == Op::Pextlb { 0 } else { 8 };
                let (s, t) = (bytes(rs), bytes(rt));
                from_bytes(core::array::from_fn(|k| if k % 2 == 0 { t[base + k / 2] } else { s[base + k / 2] }))
            }
            Op::Ppacw => {
                let (s, t) = (words(rs), words(rt));
                from_words([t[0], t[2], s[0], s[2]])
            }
            Op::Ppach => {
                let (s, t) = (halves(rs), halves(rt));
                from_halves(core::array::from_fn(|k| if k < 4 { t[2 * k] } else { s[2 * (k - 4)] }))
            }
            Op::Ppacb => {
                let (s, t) = (bytes(rs), bytes(rt));
                from_bytes(core::array::from_fn(|k| if k < 8 { t[2 * k] } else { s[2 * (k - 8)] }))
            }
            Op::Pext5 => from_words(words(rt).map(|w| {
                ((w & 0x1F) << 3) | (((w >> 5) & 0x1F) << 11) | (((w >> 10) & 0x1F) << 19) | (((w >> 15) & 1) << 31)
            })),
            Op::Ppac5 => from_words(words(rt).map(|w| {
                ((w >> 3) & 0x1F) | (((w >> 11) & 0x1F) << 5) | (((w >> 19) & 0x1F) << 10) | ((w >> 31) << 15)
            })),
            // ---- MMI1
            Op::Pabsw => map_w(0, rt, |_, b| (b as i32).saturating_abs() as u32),
            Op::Pabsh => map_h(0, rt, |_, b| (b as i16).saturating_abs() as u16),
            Op::Pceqw => map_w(rs, rt, |a, b| mask(a == b)),
            Op::Pceqh => map_h(rs, rt, |a, b| mask(a == b)),
            Op::Pceqb => map_b(rs, rt, |a, b| mask(a == b)),
            Op::Pminw => map_w(rs, rt, |a, b| (a as i32).min(b as i32) as u32),
            Op::Pminh => map_h(rs, rt, |a, b| (a as i16).min(b as i16) as u16),
            Op::Padsbh => {
                let (s, t) = (halves(rs), halves(rt));
                from_halves(core::array::from_fn(|k| {
                    if k < 4 { s[k].wrapping_sub(t[k]) } else { s[k].wrapping_add(t[k]) }
                }))
            }
            Op::Padduw => map_w(rs, rt, u32::saturating_add),
            Op::Psubuw => map_w(rs, rt, u32::saturating_sub),
            Op::Padduh => map_h(rs, rt, u16::saturating_add),
            Op::Psubuh => map_h(rs, rt, u16::saturating_sub),
            Op::Paddub => map_b(rs, rt, u8::saturating_add),
            Op::Psubub => map_b(rs, rt, u8::saturating_sub),
            Op::Qfsrv => {
                // rd = low 128 bits of (rs:rt) >> (SA bytes).
                let shift = self.sa * 8;
                if shift == 0 { rt } else { (rt >> shift) | (rs << (128 - shift)) }
            }
            // ---- MMI2 / MMI3 logic and moves
            Op::Pand => rs & rt,
            Op::Por => rs | rt,
            Op::Pxor => rs ^ rt,
            Op::Pnor => !(rs | rt),
            Op::Pmfhi => self.hi,
            Op::Pmflo => self.lo,
            Op::Pmthi => {
                self.hi = rs;
                return Ok(());
            }
            Op::Pmtlo => {
                self.lo = rs;
                return Ok(());
            }
            Op::Pcpyld => (rs << 64) | (rt as u64 as u128),
            Op::Pcpyud => (rt >> 64 << 64) | (rs >> 64),
            Op::Pcpyh => {
                let t = halves(rt);
                from_halves(core::array::from_fn(|k| if k < 4 { t[0] } else { t[4] }))
            }
            Op::Pinth => {
                let (s, t) = (halves(rs), halves(rt));
                from_halves(core::array::from_fn(|k| if k % 2 == 0 { t[k / 2] } else { s[4 + k / 2] }))
            }
            Op::Pinteh => {
                let (s, t) = (halves(rs), halves(rt));
                from_halves(core::array::from_fn(|k| if k % 2 == 0 { t[k] } else { s[k - 1] }))
            }
            Op::Pexeh => {
                let t = halves(rt);
                from_halves([t[2], t[1], t[0], t[3], t[6], t[5], t[4], t[7]])
            }
            Op::Prevh => {
                let t = halves(rt);
                from_halves([t[3], t[2], t[1], t[0], t[7], t[6], t[5], t[4]])
            }
            Op::Pexch => {
                let t = halves(rt);
                from_halves([t[0], t[2], t[1], t[3], t[4], t[6], t[5], t[7]])
            }
            Op::Pexew => {
                let t = words(rt);
                from_words([t[2], t[1], t[0], t[3]])
            }
            Op::Pexcw => {
                let t = words(rt);
                from_words([t[0], t[2], t[1], t[3]])
            }
            Op::Prot3w => {
                let t = words(rt);
                from_words([t[1], t[2], t[0], t[3]])
            }
            // ---- shifts
            Op::Psllh => map_h(0, rt, |_, b| b << (sa & 15)),
            Op::Psrlh => map_h(0, rt, |_, b| b >> (sa & 15)),
            Op::Psrah => map_h(0, rt, |_, b| ((b as i16) >> (sa & 15)) as u16),
            Op::Psllw => map_w(0, rt, |_, b| b << sa),
            Op::Psrlw => map_w(0, rt, |_, b| b >> sa),
            Op::Psraw => map_w(0, rt, |_, b| ((b as i32) >> sa) as u32),
            Op::Psllvw | Op::Psrlvw | Op::Psravw => {
                // Words 0 and 2 of rt, shifted by words 0 and 2 of rs, sign-extended to 64 bits.
                let (s, t) = (words(rs), words(rt));
                let shift = |k: usize| -> u64 {
                    let amount = s[k] & 31;
                    sext(match i.op {
                        Op::Psllvw => t[k] << amount,
                        Op::Psrlvw => t[k] >> amount,
                        _ => ((t[k] as i32) >> amount) as u32,
                    })
                };
                ((shift(2) as u128) << 64) | shift(0) as u128
            }
            Op::Plzcw => {
                // Leading bits equal to the sign bit, minus one, for words 0 and 1.
                let s = words(rs);
                let count = |w: u32| if (w as i32) < 0 { (!w).leading_zeros() - 1 } else { w.leading_zeros() - 1 };
                let low = ((count(s[1]) as u64) << 32) | count(s[0]) as u64;
                self.write64(rd, low);
                return Ok(());
            }
            // ---- HI/LO transfers
            Op::PmfhlLw | Op::PmfhlUw => {
                let base = if i.op == Op::PmfhlLw { 0 } else { 1 };
                let (h, l) = (words(self.hi), words(self.lo));
                from_words([l[base], h[base], l[base + 2], h[base + 2]])
            }
            Op::PmfhlSlw => {
                let (h, l) = (words(self.hi), words(self.lo));
                let saturate = |k: usize| -> u64 {
                    let value = ((h[k] as u64) << 32 | l[k] as u64) as i64;
                    value.clamp(i32::MIN as i64, i32::MAX as i64) as u64
                };
                ((saturate(2) as u128) << 64) | saturate(0) as u128
            }
            Op::PmfhlLh => {
                let (h, l) = (halves(self.hi), halves(self.lo));
                from_halves([l[0], l[2], h[0], h[2], l[4], l[6], h[4], h[6]])
            }
            Op::PmfhlSh => {
                let (h, l) = (words(self.hi), words(self.lo));
                let s = |w: u32| sat_i16(w as i32);
                from_halves([s(l[0]), s(l[1]), s(h[0]), s(h[1]), s(l[2]), s(l[3]), s(h[2]), s(h[3])])
            }
            Op::PmthlLw => {
                let s = words(rs);
                let (mut h, mut l) = (words(self.hi), words(self.lo));
                (l[0], h[0], l[2], h[2]) = (s[0], s[1], s[2], s[3]);
                self.hi = from_words(h);
                self.lo = from_words(l);
                return Ok(());
            }
            // ---- word multiply / divide (words 0 and 2, results in both pipelines' HI/LO)
            Op::Pmultw | Op::Pmaddw | Op::Pmsubw | Op::Pmultuw | Op::Pmadduw => {
                self.use_hilo(timing::MMI_MULT_LATENCY);
                self.use_hilo1(timing::MMI_MULT_LATENCY);
                let (s, t) = (words(rs), words(rt));
                let (h, l) = (words(self.hi), words(self.lo));
                let mut out = [0u64; 2];
                for (lane, k) in [0usize, 2].into_iter().enumerate() {
                    let accumulator = (h[k] as u64) << 32 | l[k] as u64;
                    let product = match i.op {
                        Op::Pmultuw | Op::Pmadduw => s[k] as u64 * t[k] as u64,
                        _ => (s[k] as i32 as i64 * t[k] as i32 as i64) as u64,
                    };
                    let value = match i.op {
                        Op::Pmaddw | Op::Pmadduw => accumulator.wrapping_add(product),
                        Op::Pmsubw => accumulator.wrapping_sub(product),
                        _ => product,
                    };
                    out[lane] = value;
                    self.set_hilo(lane as u32, sext((value >> 32) as u32), sext(value as u32));
                }
                ((out[1] as u128) << 64) | out[0] as u128
            }
            Op::Pdivw | Op::Pdivuw => {
                self.use_hilo(timing::DIV_LATENCY);
                self.use_hilo1(timing::DIV_LATENCY);
                let (s, t) = (words(rs), words(rt));
                for (lane, k) in [0usize, 2].into_iter().enumerate() {
                    let (q, r) = if i.op == Op::Pdivw { div32(s[k] as i32, t[k] as i32) } else { divu32(s[k], t[k]) };
                    self.set_hilo(lane as u32, sext(r), sext(q));
                }
                return Ok(());
            }
            Op::Pdivbw => {
                self.use_hilo(timing::DIV_LATENCY);
                self.use_hilo1(timing::DIV_LATENCY);
                let s = words(rs);
                let divisor = rt as u16 as i16 as i32;
                let mut q = [0u32; 4];
                let mut r = [0u32; 4];
                for k in 0..4 {
                    let (quotient, remainder) = div32(s[k] as i32, divisor);
                    q[k] = quotient;
                    r[k] = remainder as i16 as i32 as u32;
                }
                self.lo = from_words(q);
                self.hi = from_words(r);
                return Ok(());
            }
            // ---- halfword multiply(-add) into HI/LO words
            Op::Pmulth | Op::Pmaddh | Op::Pmsubh => {
                self.use_hilo(timing::MMI_MULT_LATENCY);
                self.use_hilo1(timing::MMI_MULT_LATENCY);
                let (s, t) = (halves(rs), halves(rt));
                let (mut h, mut l) = (words(self.hi), words(self.lo));
                // Product k goes to LO/HI word: 0,1 -> LO0,LO1; 2,3 -> HI0,HI1; 4,5 -> LO2,LO3; 6,7 -> HI2,HI3.
                for k in 0..8 {
                    let product = (s[k] as i16 as i32).wrapping_mul(t[k] as i16 as i32) as u32;
                    let word = (k / 4) * 2 + k % 2;
                    let target = if (k / 2) % 2 == 0 { &mut l[word] } else { &mut h[word] };
                    *target = match i.op {
                        Op::Pmaddh => target.wrapping_add(product),
                        Op::Pmsubh => target.wrapping_sub(product),
                        _ => product,
                    };
                }
                self.hi = from_words(h);
                self.lo = from_words(l);
                from_words([l[0], h[0], l[2], h[2]])
            }
            Op::Phmadh | Op::Phmsbh => {
                self.use_hilo(timing::MMI_MULT_LATENCY);
                self.use_hilo1(timing::MMI_MULT_LATENCY);
                let (s, t) = (halves(rs), halves(rt));
                let p = |k: usize| (s[k] as i16 as i32).wrapping_mul(t[k] as i16 as i32);
                let pair = |k: usize| -> u32 {
                    if i.op == Op::Phmadh { p(k + 1).wrapping_add(p(k)) as u32 } else { p(k + 1).wrapping_sub(p(k)) as u32 }
                };
                let (mut h, mut l) = (words(self.hi), words(self.lo));
                (l[0], h[0], l[2], h[2]) = (pair(0), pair(2), pair(4), pair(6));
                self.hi = from_words(h);
                self.lo = from_words(l);
                from_words([l[0], h[0], l[2], h[2]])
            }
            _ => return Err(Stop::Unimplemented { pc, instr: i }),
        };
        self.gpr[rd] = result;
        Ok(())
    }
}
