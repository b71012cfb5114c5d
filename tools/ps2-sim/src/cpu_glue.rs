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

#[cfg(test)]
mod tests {
    use r5900::Bus;

    use crate::hardware::Hardware;
    use crate::kernel::{GuestCpu, guest};

    /// A CPU whose store of `value` at `addr` sits dirty in its data cache.
    fn cpu_with_dirty_word(hw: &mut Hardware, addr: u32, value: u32) -> r5900::Cpu {
        let mut cpu = r5900::Cpu::new(0x0010_0000);
        cpu.dcache.store::<_, 4>(hw, addr, value.to_le_bytes()).unwrap();
        cpu
    }

    #[test]
    fn the_kernel_sees_memory_through_the_data_cache() {
        let mut hw = Hardware::new(false);
        hw.mem.write_u32(0x0010_2000, 1).unwrap();
        let mut cpu = cpu_with_dirty_word(&mut hw, 0x0010_2000, 2);
        assert_eq!(hw.mem.read_u32(0x0010_2000), Some(1), "memory behind the cache");
        assert_eq!(guest::read_u32(&cpu, &hw.mem, 0x0010_2000), Some(2), "what code on the CPU reads");
        assert_eq!(guest::read_u32(&cpu, &hw.mem, 0x2010_2000), Some(1), "the uncached alias reads memory");
        // A kernel store into a cached line stays in the cache; elsewhere it goes to memory.
        guest::write_u32(&mut cpu, &mut hw.mem, 0x0010_2004, 7).unwrap();
        assert_eq!((hw.mem.read_u32(0x0010_2004), guest::read_u32(&cpu, &hw.mem, 0x0010_2004)), (Some(0), Some(7)));
        guest::write_u32(&mut cpu, &mut hw.mem, 0x0010_3000, 8).unwrap();
        assert_eq!(hw.mem.read_u32(0x0010_3000), Some(8));
        // A string straddling a cached line and an uncached one.
        cpu.write_memory(&mut hw.mem, 0x0010_203E, b"hi").unwrap();
        hw.mem.slice_mut(0x0010_2040, 3).unwrap().copy_from_slice(b"!!\0");
        assert_eq!(guest::read_c_string(&cpu, &hw.mem, 0x0010_203E, 16).unwrap(), "hi!!");
        assert!(guest::read_u32(&cpu, &hw.mem, 0x0000_0040).is_none(), "kernel RAM is not a user pointer");
    }

    #[test]
    fn flush_cache_writes_back_or_discards() {
        let mut hw = Hardware::new(false);
        let mut cpu = cpu_with_dirty_word(&mut hw, 0x0010_2000, 2);
        cpu.write_back_data_cache(&mut hw.mem);
        assert_eq!(hw.mem.read_u32(0x0010_2000), Some(2));
        cpu.dcache.store::<_, 4>(&mut hw, 0x0010_2000, 3u32.to_le_bytes()).unwrap();
        cpu.invalidate_data_cache();
        assert_eq!(guest::read_u32(&cpu, &hw.mem, 0x0010_2000), Some(2), "FlushCache(1) lost the dirty 3");
    }

    #[test]
    fn dma_reads_memory_behind_the_cache() {
        let mut hw = Hardware::new(false);
        let mut cpu = cpu_with_dirty_word(&mut hw, 0x0010_2000, 0xABCD);
        let to_spr = |hw: &mut Hardware| {
            hw.store32(0x1000_D410, 0x0010_2000).unwrap(); // MADR
            hw.store32(0x1000_D420, 1).unwrap(); // QWC
            hw.store32(0x1000_D480, 0x100).unwrap(); // SADR
            hw.store32(0x1000_D400, 0x101).unwrap(); // CHCR: from memory, start
            hw.finish_dma(); // the transfer takes bus time; no CPU advances the clock here
            assert!(hw.dma_error.is_none());
            hw.load32(0x7000_0100).unwrap()
        };
        assert_eq!(to_spr(&mut hw), 0, "the dirty line was not written back");
        cpu.write_back_data_cache(&mut hw.mem);
        assert_eq!(to_spr(&mut hw), 0xABCD);
        // fromSPR into memory: the (clean) cached line stays stale.
        hw.store32(0x7000_0200, 0x5555).unwrap();
        hw.store32(0x1000_D010, 0x0010_2000).unwrap();
        hw.store32(0x1000_D020, 1).unwrap();
        hw.store32(0x1000_D080, 0x200).unwrap();
        hw.store32(0x1000_D000, 0x100).unwrap();
        hw.finish_dma();
        assert_eq!(hw.mem.read_u32(0x0010_2000), Some(0x5555));
        assert_eq!(guest::read_u32(&cpu, &hw.mem, 0x0010_2000), Some(0xABCD));
    }
}
