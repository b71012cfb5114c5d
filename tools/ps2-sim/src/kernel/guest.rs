//! The kernel's view of the CPU: registers to read arguments from and write results to, and
//! whole register files to save and restore when it switches threads or calls a handler.

use crate::memory::Memory;

/// The CPU state the kernel HLE needs. Implemented for `r5900::Cpu`, and by a small mock in
/// the kernel's unit tests.
///
/// The kernel is code that runs on the CPU: its reads and writes of the program's memory go
/// through the CPU's data cache ([`read_u32`], [`write_u32`], [`read_c_string`]). DMA (SIF,
/// GIF, the IOP's writes) goes to memory directly.
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

    /// Reads guest memory as code running on the CPU sees it, through the data cache
    /// (`None` if any byte is unmapped). The default (a CPU without a data cache) reads memory.
    fn read_memory(&self, mem: &Memory, addr: u32, out: &mut [u8]) -> Option<()> {
        out.copy_from_slice(mem.slice(addr, out.len())?);
        Some(())
    }

    /// Writes guest memory as a store on the CPU would (into a cached line when one holds it).
    fn write_memory(&mut self, mem: &mut Memory, addr: u32, data: &[u8]) -> Option<()> {
        mem.slice_mut(addr, data.len())?.copy_from_slice(data);
        Some(())
    }

    /// `FlushCache(0)`: writes every dirty data-cache line back to memory.
    fn write_back_data_cache(&mut self, _mem: &mut Memory) {}

    /// `FlushCache(1)`: invalidates the data cache; dirty data is lost.
    fn invalidate_data_cache(&mut self) {}
}

/// A word of guest memory as the CPU sees it.
pub fn read_u32<C: GuestCpu>(cpu: &C, mem: &Memory, addr: u32) -> Option<u32> {
    let mut bytes = [0u8; 4];
    cpu.read_memory(mem, addr, &mut bytes)?;
    Some(u32::from_le_bytes(bytes))
}

/// Stores a word as the CPU would.
pub fn write_u32<C: GuestCpu>(cpu: &mut C, mem: &mut Memory, addr: u32, value: u32) -> Option<()> {
    cpu.write_memory(mem, addr, &value.to_le_bytes())
}

/// A NUL-terminated string of at most `max` bytes as the CPU sees it (lossy UTF-8).
pub fn read_c_string<C: GuestCpu>(cpu: &C, mem: &Memory, addr: u32, max: usize) -> Option<String> {
    let mut bytes = Vec::new();
    for i in 0..max as u32 {
        let mut b = [0u8];
        cpu.read_memory(mem, addr.checked_add(i)?, &mut b)?;
        if b[0] == 0 {
            break;
        }
        bytes.push(b[0]);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
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
