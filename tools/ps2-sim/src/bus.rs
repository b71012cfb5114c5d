//! `r5900::Bus` for [`Hardware`]: the memory behind the CPU's data cache. The CPU's cached
//! accesses arrive as whole-line refills and write-backs ([`r5900::Bus::read_line`]); uncached
//! and uncached-accelerated views, the scratchpad and I/O arrive as single accesses. The cached
//! RAM view is served first (one compare and an indexed copy); everything else goes through
//! [`memory::classify`].

use r5900::{Bus, Fault, FaultKind};

use crate::hardware::Hardware;
use crate::memory::{self, Memory, Region};

/// The GIF FIFO (128-bit writes feed PATH3).
const GIF_FIFO: u32 = 0x1000_6000;

macro_rules! fast_load {
    ($self:ident, $addr:ident, $ty:ty, $n:literal) => {{
        if let Some(o) = Memory::ram_offset_fast($addr, $n) {
            let bytes: [u8; $n] = $self.mem.ram[o..o + $n].try_into().expect("length is N");
            return Ok(<$ty>::from_le_bytes(bytes));
        }
        $self.slow_load::<$n>($addr).map(<$ty>::from_le_bytes)
    }};
}

macro_rules! fast_store {
    ($self:ident, $addr:ident, $value:ident, $n:literal) => {{
        if let Some(o) = Memory::ram_offset_fast($addr, $n) {
            $self.mem.ram[o..o + $n].copy_from_slice(&$value.to_le_bytes());
            return Ok(());
        }
        $self.slow_store::<$n>($addr, $value.to_le_bytes())
    }};
}

impl Hardware {
    fn memory_bytes(&mut self, region: Region) -> Option<(&mut Vec<u8>, usize)> {
        Some(match region {
            Region::Ram(o) => (&mut self.mem.ram, o),
            Region::Scratchpad(o) => (&mut self.mem.scratchpad, o),
            Region::VuMem(o) => (&mut self.mem.vu, o),
            Region::IopRam(o) => (&mut self.mem.iop_ram, o),
            Region::Io(_) | Region::Unmapped => return None,
        })
    }

    #[cold]
    fn slow_load<const N: usize>(&mut self, addr: u32) -> Result<[u8; N], Fault> {
        let region = memory::classify(addr);
        if let Region::Io(phys) = region {
            let mut out = [0u8; N];
            // 128-bit I/O reads (FIFOs) return the low 64 bits of storage, zero above.
            let size = N.min(8) as u32;
            let now = self.now;
            let value = self.io.read(phys, size, now).map_err(|_| Fault::new(addr, FaultKind::Unmapped))?;
            out[..size as usize].copy_from_slice(&value.to_le_bytes()[..size as usize]);
            return Ok(out);
        }
        let (bytes, o) = self.memory_bytes(region).ok_or(Fault::new(addr, FaultKind::Unmapped))?;
        bytes
            .get(o..o + N)
            .map(|s| s.try_into().expect("length is N"))
            .ok_or(Fault::new(addr, FaultKind::Unmapped))
    }

    #[cold]
    fn slow_store<const N: usize>(&mut self, addr: u32, value: [u8; N]) -> Result<(), Fault> {
        let region = memory::classify(addr);
        if let Region::Io(phys) = region {
            if N == 16 && phys & !0xF == GIF_FIFO {
                // PATH3 through the GIF FIFO: one quadword of a GIF packet stream.
                let qword = u128::from_le_bytes(value[..16].try_into().expect("N is 16"));
                self.io.with_gs_events(|gs| gs.process_gif(&[qword]));
                return Ok(());
            }
            let mut wide = [0u8; 8];
            let size = N.min(8);
            wide[..size].copy_from_slice(&value[..size]);
            let now = self.now;
            let started = self
                .io
                .write(phys, size as u32, u64::from_le_bytes(wide), now)
                .map_err(|_| Fault::new(addr, FaultKind::Unmapped))?;
            if let Some(channel) = started {
                self.run_dma(channel);
            }
            return Ok(());
        }
        let (bytes, o) = self.memory_bytes(region).ok_or(Fault::new(addr, FaultKind::Unmapped))?;
        bytes
            .get_mut(o..o + N)
            .ok_or(Fault::new(addr, FaultKind::Unmapped))?
            .copy_from_slice(&value);
        Ok(())
    }
}

impl Bus for Hardware {
    #[inline(always)]
    fn sync_cycle(&mut self, cycle: u64) {
        self.advance(cycle);
    }
    #[inline(always)]
    fn bus_held_until(&self) -> u64 {
        self.dma_bus_held_until()
    }
    #[inline(always)]
    fn load8(&mut self, addr: u32) -> Result<u8, Fault> {
        fast_load!(self, addr, u8, 1)
    }
    #[inline(always)]
    fn load16(&mut self, addr: u32) -> Result<u16, Fault> {
        fast_load!(self, addr, u16, 2)
    }
    #[inline(always)]
    fn load32(&mut self, addr: u32) -> Result<u32, Fault> {
        fast_load!(self, addr, u32, 4)
    }
    #[inline(always)]
    fn load64(&mut self, addr: u32) -> Result<u64, Fault> {
        fast_load!(self, addr, u64, 8)
    }
    #[inline(always)]
    fn load128(&mut self, addr: u32) -> Result<u128, Fault> {
        fast_load!(self, addr, u128, 16)
    }
    #[inline(always)]
    fn store8(&mut self, addr: u32, value: u8) -> Result<(), Fault> {
        fast_store!(self, addr, value, 1)
    }
    #[inline(always)]
    fn store16(&mut self, addr: u32, value: u16) -> Result<(), Fault> {
        fast_store!(self, addr, value, 2)
    }
    #[inline(always)]
    fn store32(&mut self, addr: u32, value: u32) -> Result<(), Fault> {
        fast_store!(self, addr, value, 4)
    }
    #[inline(always)]
    fn store64(&mut self, addr: u32, value: u64) -> Result<(), Fault> {
        fast_store!(self, addr, value, 8)
    }
    #[inline(always)]
    fn store128(&mut self, addr: u32, value: u128) -> Result<(), Fault> {
        fast_store!(self, addr, value, 16)
    }
    /// A data-cache refill: RAM through the cached views (the CPU only fills lines of cached
    /// segments, so I/O never reaches here).
    ///
    /// A line of the stack guard is refused (`Denied`): every cached access to the guard — the
    /// view a stack uses — misses, because no guard line is ever filled, so it faults with the exact
    /// address, which the machine reports as a stack overflow.
    fn read_line(&mut self, addr: u32) -> Result<[u8; 64], Fault> {
        if let Some(guard) = self.mem.stack_guard
            && guard.holds_line(r5900::dcache::physical(addr))
        {
            return Err(Fault::new(addr, FaultKind::Denied));
        }
        if let Some(o) = Memory::ram_offset_fast(addr, 64) {
            return Ok(self.mem.ram[o..o + 64].try_into().expect("length is 64"));
        }
        self.slow_load::<64>(addr)
    }
    /// A data-cache write-back.
    fn write_line(&mut self, addr: u32, line: &[u8; 64]) -> Result<(), Fault> {
        if let Some(o) = Memory::ram_offset_fast(addr, 64) {
            self.mem.ram[o..o + 64].copy_from_slice(line);
            return Ok(());
        }
        self.slow_store::<64>(addr, *line)
    }
    #[inline(always)]
    fn fetch(&mut self, addr: u32) -> Result<u32, Fault> {
        if let Some(o) = Memory::ram_offset_fast(addr, 4) {
            let bytes: [u8; 4] = self.mem.ram[o..o + 4].try_into().expect("length is 4");
            return Ok(u32::from_le_bytes(bytes));
        }
        // Code may run from any memory (KSEG0 trampolines, scratchpad), never from I/O.
        match memory::classify(addr) {
            Region::Io(_) | Region::Unmapped => Err(Fault::new(addr, FaultKind::Unmapped)),
            _ => self.slow_load::<4>(addr).map(u32::from_le_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_views_share_bytes_and_null_faults() {
        let mut hw = Hardware::new(false);
        hw.store32(0x0010_0000, 0xDEAD_BEEF).unwrap();
        assert_eq!(hw.load32(0x2010_0000).unwrap(), 0xDEAD_BEEF);
        assert_eq!(hw.load16(0x3010_0002).unwrap(), 0xDEAD);
        assert_eq!(hw.load8(0x8010_0000).unwrap(), 0xEF);
        hw.store128(0x7000_0010, 5).unwrap();
        assert_eq!(hw.load128(0x7000_0010).unwrap(), 5);
        assert_eq!(hw.load32(0).unwrap_err(), Fault::new(0, FaultKind::Unmapped));
        assert_eq!(hw.store8(0x0200_0000, 1).unwrap_err().kind, FaultKind::Unmapped);
        assert!(hw.fetch(0x1000_F180).is_err(), "no code from I/O");
    }

    #[test]
    fn sio_byte_stores_reach_the_console() {
        let mut hw = Hardware::new(false);
        for b in b"ok\n" {
            hw.store8(0x1000_F180, *b).unwrap();
        }
        assert_eq!(hw.io.console.captured(), b"ok\n");
        assert_eq!(hw.load32(0x1000_F130).unwrap(), 0);
    }

    #[test]
    fn gif_fifo_quadwords_reach_the_gs() {
        let mut hw = Hardware::new(false);
        let tag: u128 = 1 | (1 << 15) | (1u128 << 60) | (0xEu128 << 64);
        hw.store128(0x1000_6000, tag).unwrap();
        assert_eq!(hw.load64(0x1200_1000).unwrap() & 2, 0);
        hw.store128(0x1000_6000, 0x61u128 << 64).unwrap();
        assert_ne!(hw.load64(0x1200_1000).unwrap() & 2, 0, "FINISH through the FIFO");
    }

    #[test]
    fn unmasked_gs_finish_raises_intc_cause_0_once() {
        let mut hw = Hardware::new(false);
        hw.store64(0x1200_1010, 0x7D00).unwrap(); // IMR: all masked but FINISH (bit 9 clear)
        let tag: u128 = 1 | (1 << 15) | (1u128 << 60) | (0xEu128 << 64);
        hw.store128(0x1000_6000, tag).unwrap();
        hw.store128(0x1000_6000, 0x61u128 << 64).unwrap();
        assert_eq!(hw.io.intc.stat & 1, 1);
        hw.io.intc.stat = 0;
        hw.store128(0x1000_6000, tag).unwrap();
        hw.store128(0x1000_6000, 0x61u128 << 64).unwrap();
        assert_eq!(hw.io.intc.stat & 1, 0, "still pending in CSR: no new edge");
    }

    #[test]
    fn gif_dma_runs_on_chcr_write() {
        let mut hw = Hardware::new(false);
        // GIFtag: NLOOP 1, EOP, PACKED, NREG 1, A+D; then FINISH.
        let tag: u128 = 1 | (1 << 15) | (1u128 << 60) | (0xEu128 << 64);
        hw.store128(0x0010_0000, tag).unwrap();
        hw.store128(0x0010_0010, 0x61u128 << 64).unwrap();
        hw.store32(0x1000_A010, 0x0010_0000).unwrap(); // MADR
        hw.store32(0x1000_A020, 2).unwrap(); // QWC
        hw.store32(0x1000_A000, 0x101).unwrap(); // CHCR: DIR | STR
        assert_eq!(hw.load32(0x1000_A000).unwrap() & 0x100, 0, "finished at once");
        assert_ne!(hw.load64(0x1200_1000).unwrap() & 2, 0, "GS CSR.FINISH set");
        assert!(hw.dma_error.is_none());
    }
}
