//! [`GuestCpu`] for the `r5900` interpreter.

use r5900::cop0;

use crate::kernel::GuestCpu;

/// Status for a fresh thread or handler: coprocessors usable, IE and EIE set, INT0/INT1 unmasked.
pub const THREAD_STATUS: u32 = 0x7000_0000 | cop0::STATUS_EIE | 0xC00 | cop0::STATUS_IE;

/// A thread's saved state: the register file plus its COP0 Status (EIE is per thread: `di` in
/// one thread must not disable interrupts for the others).
#[derive(Clone, Debug)]
pub struct ThreadContext {
    /// GPRs, pc, HI/LO, SA, FPU.
    pub regs: r5900::Context,
    /// COP0 Status.
    pub status: u32,
}

impl GuestCpu for r5900::Cpu {
    type Context = ThreadContext;

    fn gpr(&self, index: usize) -> u64 {
        self.reg(index)
    }
    fn set_gpr(&mut self, index: usize, value: u64) {
        self.set_reg(index, value);
    }
    fn pc(&self) -> u32 {
        self.pc
    }
    fn set_pc(&mut self, pc: u32) {
        self.jump_to(pc);
    }
    fn cycles(&self) -> u64 {
        self.cycles
    }
    fn interrupts_enabled(&self) -> bool {
        r5900::Cpu::interrupts_enabled(self)
    }
    fn save_context(&self) -> ThreadContext {
        ThreadContext { regs: self.context(), status: self.cop0[cop0::STATUS] }
    }
    fn restore_context(&mut self, context: &ThreadContext) {
        self.set_context(&context.regs);
        self.cop0[cop0::STATUS] = context.status;
    }
    fn clear_context(&mut self) {
        let pc = self.pc;
        let blank = r5900::Context {
            gpr: [0; 32],
            pc,
            next_pc: pc.wrapping_add(4),
            hi: 0,
            lo: 0,
            sa: 0,
            fpr: [0; 32],
            fcr31: 1,
            acc: 0,
        };
        self.set_context(&blank);
        self.cop0[cop0::STATUS] = THREAD_STATUS;
    }
    fn invalidate_instruction_cache(&mut self) {
        self.clear_decode_cache();
    }
}
