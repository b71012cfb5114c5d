//! [`GuestCpu`] for the `r5900` interpreter.

use r5900::cop0;
use r5900::dcache::{LINE_SIZE, Segment, segment};
use r5900::{Fault, FaultKind};

use crate::memory::Memory;

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
    fn read_memory(&self, mem: &Memory, addr: u32, out: &mut [u8]) -> Option<()> {
        out.copy_from_slice(mem.slice(addr, out.len())?);
        if segment(addr) == Segment::Cached {
            // Cached lines hold what the CPU sees.
            for_each_line_piece(addr, out.len(), |at, range| {
                if let Some(line) = self.dcache.peek_line(at) {
                    let start = at as usize % LINE_SIZE;
                    out[range.clone()].copy_from_slice(&line[start..start + range.len()]);
                }
            });
        }
        Some(())
    }
    fn write_memory(&mut self, mem: &mut Memory, addr: u32, data: &[u8]) -> Option<()> {
        let target = mem.slice_mut(addr, data.len())?;
        if segment(addr) != Segment::Cached {
            target.copy_from_slice(data);
            return Some(());
        }
        // Into the line when it is cached (it becomes dirty); otherwise straight to memory (the
        // kernel's store does not allocate here).
        for_each_line_piece(addr, data.len(), |at, range| {
            if !self.dcache.poke(at, &data[range.clone()]) {
                target[range.clone()].copy_from_slice(&data[range]);
            }
        });
        Some(())
    }
    fn write_back_data_cache(&mut self, mem: &mut Memory) {
        let mut lines = MemoryLines(mem);
        // Lines were filled from mapped RAM, so they can be written back.
        let _ = self.dcache.write_back_all(&mut lines);
    }
    fn invalidate_data_cache(&mut self) {
        self.dcache.invalidate_all();
    }
}

/// Splits `addr..addr + len` at line boundaries: `f(address, range in the buffer)` per piece.
fn for_each_line_piece(addr: u32, len: usize, mut f: impl FnMut(u32, std::ops::Range<usize>)) {
    let mut done = 0;
    while done < len {
        let at = addr.wrapping_add(done as u32);
        let piece = (LINE_SIZE - at as usize % LINE_SIZE).min(len - done);
        f(at, done..done + piece);
        done += piece;
    }
}

/// Memory as a bus for whole-line write-backs outside a CPU run (`FlushCache`).
struct MemoryLines<'a>(&'a mut Memory);

impl r5900::Bus for MemoryLines<'_> {
    fn load8(&mut self, addr: u32) -> Result<u8, Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn load16(&mut self, addr: u32) -> Result<u16, Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn load32(&mut self, addr: u32) -> Result<u32, Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn load64(&mut self, addr: u32) -> Result<u64, Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn load128(&mut self, addr: u32) -> Result<u128, Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn store8(&mut self, addr: u32, _: u8) -> Result<(), Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn store16(&mut self, addr: u32, _: u16) -> Result<(), Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn store32(&mut self, addr: u32, _: u32) -> Result<(), Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn store64(&mut self, addr: u32, _: u64) -> Result<(), Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn store128(&mut self, addr: u32, _: u128) -> Result<(), Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn fetch(&mut self, addr: u32) -> Result<u32, Fault> {
        Err(Fault::new(addr, FaultKind::Denied))
    }
    fn read_line(&mut self, addr: u32) -> Result<[u8; 64], Fault> {
        let bytes = self.0.slice(addr, LINE_SIZE).ok_or(Fault::new(addr, FaultKind::Unmapped))?;
        Ok(bytes.try_into().expect("one line"))
    }
    fn write_line(&mut self, addr: u32, line: &[u8; 64]) -> Result<(), Fault> {
        self.0.slice_mut(addr, LINE_SIZE).ok_or(Fault::new(addr, FaultKind::Unmapped))?.copy_from_slice(line);
        Ok(())
    }
}
