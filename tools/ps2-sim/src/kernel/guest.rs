//! The kernel's view of the CPU: registers to read arguments from and write results to, and
//! whole register files to save and restore when it switches threads or calls a handler.

/// The CPU state the kernel HLE needs. Implemented for `r5900::Cpu`, and by a small mock in
/// the kernel's unit tests.
pub trait GuestCpu {
    /// A saved register file (everything a thread owns: GPRs, HI/LO, SA, FPU, COP0 Status, pc).
    type Context: Clone;

    /// Low 64 bits of general-purpose register `index` (0-31).
    fn gpr(&self, index: usize) -> u64;
    /// Sets the low 64 bits of a GPR (writes to r0 are ignored).
    fn set_gpr(&mut self, index: usize, value: u64);
    /// Address of the next instruction to execute.
    fn pc(&self) -> u32;
    /// Redirects execution.
    fn set_pc(&mut self, pc: u32);
    /// Simulated EE cycles so far (the machine's clock).
    fn cycles(&self) -> u64;
    /// Whether an external interrupt may be taken now (Status IE and EIE set, EXL/ERL clear).
    fn interrupts_enabled(&self) -> bool;
    /// Copies out the register file.
    fn save_context(&self) -> Self::Context;
    /// Loads a register file saved earlier.
    fn restore_context(&mut self, context: &Self::Context);
    /// Resets the register file for a fresh thread or handler: GPRs, HI/LO and FPU cleared,
    /// Status with interrupts enabled. Counters are not touched.
    fn clear_context(&mut self);
    /// Drops any cached decoded instructions (`FlushCache(2)` after code was written).
    fn invalidate_instruction_cache(&mut self) {}
}

/// Register numbers of the o32/n32 ABI used by the syscall convention.
pub mod reg {
    /// Return value.
    pub const V0: usize = 2;
    /// Syscall number.
    pub const V1: usize = 3;
    /// First argument.
    pub const A0: usize = 4;
    /// Second argument.
    pub const A1: usize = 5;
    /// Third argument.
    pub const A2: usize = 6;
    /// Fourth argument.
    pub const A3: usize = 7;
    /// Fifth argument (`$t0`, "a4" in n32 naming).
    pub const T0: usize = 8;
    /// Global pointer.
    pub const GP: usize = 28;
    /// Stack pointer.
    pub const SP: usize = 29;
    /// Return address.
    pub const RA: usize = 31;
}
