//! Integer, branch, load/store, COP0 and HI/LO instructions, and the dispatch to the MMI and
//! FPU modules.

use crate::bus::{Bus, Fault, FaultKind};
use crate::cpu::{cop0, fcr31, Cpu, Exception, Stop, LOW64};
use crate::decode::{Instr, Op};
use crate::timing::{self, TimingModel};

impl Cpu {

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
            self.taken_branch_cost();
        }
    }

    /// A "likely" branch: when not taken, the delay slot is skipped.
    #[inline(always)]
    fn branch_likely(&mut self, taken: bool, target: u32) {
        if taken {
            self.next_pc = target;
            self.taken_branch_cost();
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
    pub(crate) fn address(&mut self, i: Instr, pc: u32, size: u32) -> Result<u32, Stop> {
        let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32);
        if addr & (size - 1) != 0 {
            return Err(Stop::Fault { pc, fault: Fault::new(addr, FaultKind::Misaligned) });
        }
        Ok(addr)
    }

    /// Simple model: the extra cycle of a taken branch (the calibrated model predicts branches
    /// in [`Cpu::schedule`]).
    #[inline(always)]
    fn taken_branch_cost(&mut self) {
        if self.timing == TimingModel::Simple {
            self.cycles += timing::TAKEN_BRANCH;
        }
    }

    /// Simple model: stalls until HI/LO of pipeline 0 are ready, then marks them busy for
    /// `latency` (the calibrated model's scoreboard does this in [`Cpu::schedule`]).
    #[inline(always)]
    pub(crate) fn use_hilo(&mut self, latency: u64) {
        if self.timing != TimingModel::Simple {
            return;
        }
        self.cycles = self.cycles.max(self.hilo_ready);
        self.hilo_ready = self.cycles + latency;
    }

    /// Same for pipeline 1.
    #[inline(always)]
    pub(crate) fn use_hilo1(&mut self, latency: u64) {
        if self.timing != TimingModel::Simple {
            return;
        }
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
    pub(crate) fn exec<B: Bus>(&mut self, bus: &mut B, i: Instr, pc: u32) -> Result<(), Stop> {
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
            Op::Nop => {}
            Op::Pref => {
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32);
                self.prefetch(bus, addr);
            }
            Op::Sync => self.ucab.invalidate(),
            Op::Cache => {
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32);
                self.pipe.mem_addr = addr;
                fault!(self.cache_instruction(bus, i.rt() as u32, addr));
            }
            // --- jumps and branches
            Op::J => {
                self.next_pc = i.jump_target(pc);
                self.taken_branch_cost();
            }
            Op::Jal => {
                let target = i.jump_target(pc);
                self.link(31, pc);
                self.next_pc = target;
                self.taken_branch_cost();
                self.note_call(target);
            }
            Op::Jr => {
                self.next_pc = rs as u32;
                self.taken_branch_cost();
            }
            Op::Jalr => {
                let target = rs as u32;
                self.link(i.rd(), pc);
                self.next_pc = target;
                self.taken_branch_cost();
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
                if self.timing == TimingModel::Simple {
                    let ready = if pipe == 0 { self.hilo_ready } else { self.hilo1_ready };
                    self.cycles = self.cycles.max(ready);
                }
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
            Op::Syscall => {
                self.ucab.invalidate();
                return Err(Stop::Syscall { pc });
            }
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
                let addr = self.address(i, pc, 1)?;
                let value = fault!(self.load8(bus, addr));
                self.write64(i.rt(), value as i8 as i64 as u64);
            }
            Op::Lbu => {
                let addr = self.address(i, pc, 1)?;
                let value = fault!(self.load8(bus, addr));
                self.write64(i.rt(), value as u64);
            }
            Op::Lh => {
                let addr = self.address(i, pc, 2)?;
                let value = fault!(self.load16(bus, addr));
                self.write64(i.rt(), value as i16 as i64 as u64);
            }
            Op::Lhu => {
                let addr = self.address(i, pc, 2)?;
                let value = fault!(self.load16(bus, addr));
                self.write64(i.rt(), value as u64);
            }
            Op::Lw => {
                let addr = self.address(i, pc, 4)?;
                let value = fault!(self.load32(bus, addr));
                self.write32(i.rt(), value);
            }
            Op::Lwu => {
                let addr = self.address(i, pc, 4)?;
                let value = fault!(self.load32(bus, addr));
                self.write64(i.rt(), value as u64);
            }
            Op::Ld => {
                let addr = self.address(i, pc, 8)?;
                let value = fault!(self.load64(bus, addr));
                self.write64(i.rt(), value);
            }
            Op::Lq => {
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32) & !15;
                let value = fault!(self.load128(bus, addr));
                self.gpr[i.rt()] = value;
            }
            Op::Lwl | Op::Lwr => {
                let addr = self.address(i, pc, 1)?;
                let memory = fault!(self.load32(bus, addr & !3));
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
                let addr = self.address(i, pc, 1)?;
                let memory = fault!(self.load64(bus, addr & !7));
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
                let addr = self.address(i, pc, 1)?;
                fault!(self.store8(bus, addr, rt as u8));
            }
            Op::Sh => {
                let addr = self.address(i, pc, 2)?;
                fault!(self.store16(bus, addr, rt as u16));
            }
            Op::Sw => {
                let addr = self.address(i, pc, 4)?;
                fault!(self.store32(bus, addr, rt as u32));
            }
            Op::Sd => {
                let addr = self.address(i, pc, 8)?;
                fault!(self.store64(bus, addr, rt));
            }
            Op::Sq => {
                let addr = (self.gpr[i.rs()] as u32).wrapping_add(i.simm() as u32) & !15;
                fault!(self.store128(bus, addr, self.gpr[i.rt()]));
            }
            Op::Swl | Op::Swr => {
                let addr = self.address(i, pc, 1)?;
                let aligned = addr & !3;
                let memory = fault!(self.load32(bus, aligned));
                let shift = (addr & 3) * 8;
                let value = rt as u32;
                let merged = if i.op == Op::Swl {
                    (value >> (24 - shift)) | (memory & (0xFFFF_FF00u32 << shift))
                } else {
                    (value << shift) | (memory & (0x00FF_FFFF >> (24 - shift)))
                };
                fault!(self.store32(bus, aligned, merged));
            }
            Op::Sdl | Op::Sdr => {
                let addr = self.address(i, pc, 1)?;
                let aligned = addr & !7;
                let memory = fault!(self.load64(bus, aligned));
                let shift = (addr & 7) * 8;
                let merged = if i.op == Op::Sdl {
                    (rt >> (56 - shift)) | (memory & (0xFFFF_FFFF_FFFF_FF00u64 << shift))
                } else {
                    (rt << shift) | (memory & (0x00FF_FFFF_FFFF_FFFF >> (56 - shift)))
                };
                fault!(self.store64(bus, aligned, merged));
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
                self.taken_branch_cost();
            }
            Op::Tlbr | Op::Tlbwi | Op::Tlbwr | Op::Tlbp => return Err(Stop::Unimplemented { pc, instr: i }),
            // --- COP2 (VU0 macro mode)
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
            | Op::Sqc2 => return self.exec_cop2(bus, i, pc),
            // --- COP1
            Op::Lwc1 => {
                let addr = self.address(i, pc, 4)?;
                self.fpr[i.ft()] = fault!(self.load32(bus, addr));
            }
            Op::Swc1 => {
                let addr = self.address(i, pc, 4)?;
                fault!(self.store32(bus, addr, self.fpr[i.ft()]));
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
    match (a.checked_div(b), a.checked_rem(b)) {
        (Some(quotient), Some(remainder)) => (quotient, remainder),
        _ => (u32::MAX, a),
    }
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
