//! The CPU's data accesses: cached segments through the [`DataCache`](crate::DataCache),
//! everything else straight to the bus, with the cycle model's charges.

use crate::bus::{Bus, Fault};
use crate::cpu::{cop0, Cpu};
use crate::dcache::{segment, Segment};
use crate::timing::{TimingModel, UNCACHED_ACCESS};

/// A bus access of `N` bytes as an `N`-byte array (N is 1, 2, 4, 8 or 16).
#[inline(always)]
fn bus_load<B: Bus, const N: usize>(bus: &mut B, addr: u32) -> Result<[u8; N], Fault> {
    let mut out = [0u8; N];
    match N {
        1 => out.copy_from_slice(&bus.load8(addr)?.to_le_bytes()),
        2 => out.copy_from_slice(&bus.load16(addr)?.to_le_bytes()),
        4 => out.copy_from_slice(&bus.load32(addr)?.to_le_bytes()),
        8 => out.copy_from_slice(&bus.load64(addr)?.to_le_bytes()),
        _ => out.copy_from_slice(&bus.load128(addr)?.to_le_bytes()),
    }
    Ok(out)
}

#[inline(always)]
fn bus_store<B: Bus, const N: usize>(bus: &mut B, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
    let b = &bytes[..];
    match N {
        1 => bus.store8(addr, b[0]),
        2 => bus.store16(addr, u16::from_le_bytes(b.try_into().expect("2 bytes"))),
        4 => bus.store32(addr, u32::from_le_bytes(b.try_into().expect("4 bytes"))),
        8 => bus.store64(addr, u64::from_le_bytes(b.try_into().expect("8 bytes"))),
        _ => bus.store128(addr, u128::from_le_bytes(b.try_into().expect("16 bytes"))),
    }
}

impl Cpu {
    /// Loads `N` bytes at the (aligned) `addr`.
    #[inline(always)]
    pub(crate) fn load<B: Bus, const N: usize>(&mut self, bus: &mut B, addr: u32) -> Result<[u8; N], Fault> {
        self.pipe.mem_addr = addr;
        bus.sync_cycle(self.cycles);
        match segment(addr) {
            Segment::Cached => {
                let held = bus.bus_held_until();
                let (bytes, cost) = self.dcache.load::<B, N>(bus, addr)?;
                if cost > 0 {
                    self.wait_for_bus(held);
                }
                self.cycles += cost;
                Ok(bytes)
            }
            Segment::Scratchpad => bus_load::<B, N>(bus, addr),
            Segment::Uncached => {
                // The load reaches the device after the burst: it sees the state of then.
                let held = bus.bus_held_until();
                self.wait_for_bus(held);
                bus.sync_cycle(self.cycles.max(held));
                self.cycles += UNCACHED_ACCESS;
                bus_load::<B, N>(bus, addr)
            }
            Segment::UncachedAccelerated => {
                // The calibrated model serves a UCAB hit like a cache hit (EECUM §1.2.9).
                if self.timing == TimingModel::Simple || !self.ucab.holds(addr) {
                    let held = bus.bus_held_until();
                    self.wait_for_bus(held);
                    bus.sync_cycle(self.cycles.max(held));
                    self.cycles += UNCACHED_ACCESS;
                }
                self.ucab.load::<B, N>(bus, addr)
            }
        }
    }

    /// Stores `N` bytes at the (aligned) `addr`.
    #[inline(always)]
    pub(crate) fn store<B: Bus, const N: usize>(&mut self, bus: &mut B, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
        // Any store invalidates the uncached-accelerated read buffer.
        self.ucab.invalidate();
        self.pipe.mem_addr = addr;
        bus.sync_cycle(self.cycles);
        match segment(addr) {
            Segment::Cached => {
                let held = bus.bus_held_until();
                let cost = self.dcache.store::<B, N>(bus, addr, bytes)?;
                if cost > 0 {
                    self.wait_for_bus(held);
                }
                self.cycles += cost;
                Ok(())
            }
            Segment::Scratchpad => bus_store::<B, N>(bus, addr, bytes),
            Segment::Uncached | Segment::UncachedAccelerated => {
                // Asked before the store: a store that starts a DMA does not wait for it.
                self.wait_for_bus(bus.bus_held_until());
                self.cycles += UNCACHED_ACCESS;
                bus_store::<B, N>(bus, addr, bytes)
            }
        }
    }

    /// An access that needs the main bus while a DMA burst may hold it until cycle `held`
    /// (reference §3.7: with D_CTRL.RELE clear the EE's request has the lowest priority). The
    /// simple model waits on the spot (its costs are blocking); the calibrated model hands the
    /// cycle to the scheduler, which starts the access's bus time no earlier.
    #[inline(always)]
    fn wait_for_bus(&mut self, held: u64) {
        if held == 0 {
            return;
        }
        if self.timing == TimingModel::Simple {
            self.cycles = self.cycles.max(held);
        } else {
            self.pipe.bus_free_at = held;
        }
    }

    #[inline(always)]
    pub(crate) fn load8<B: Bus>(&mut self, bus: &mut B, addr: u32) -> Result<u8, Fault> {
        self.load::<B, 1>(bus, addr).map(u8::from_le_bytes)
    }
    #[inline(always)]
    pub(crate) fn load16<B: Bus>(&mut self, bus: &mut B, addr: u32) -> Result<u16, Fault> {
        self.load::<B, 2>(bus, addr).map(u16::from_le_bytes)
    }
    #[inline(always)]
    pub(crate) fn load32<B: Bus>(&mut self, bus: &mut B, addr: u32) -> Result<u32, Fault> {
        self.load::<B, 4>(bus, addr).map(u32::from_le_bytes)
    }
    #[inline(always)]
    pub(crate) fn load64<B: Bus>(&mut self, bus: &mut B, addr: u32) -> Result<u64, Fault> {
        self.load::<B, 8>(bus, addr).map(u64::from_le_bytes)
    }
    #[inline(always)]
    pub(crate) fn load128<B: Bus>(&mut self, bus: &mut B, addr: u32) -> Result<u128, Fault> {
        self.load::<B, 16>(bus, addr).map(u128::from_le_bytes)
    }
    #[inline(always)]
    pub(crate) fn store8<B: Bus>(&mut self, bus: &mut B, addr: u32, value: u8) -> Result<(), Fault> {
        self.store::<B, 1>(bus, addr, value.to_le_bytes())
    }
    #[inline(always)]
    pub(crate) fn store16<B: Bus>(&mut self, bus: &mut B, addr: u32, value: u16) -> Result<(), Fault> {
        self.store::<B, 2>(bus, addr, value.to_le_bytes())
    }
    #[inline(always)]
    pub(crate) fn store32<B: Bus>(&mut self, bus: &mut B, addr: u32, value: u32) -> Result<(), Fault> {
        self.store::<B, 4>(bus, addr, value.to_le_bytes())
    }
    #[inline(always)]
    pub(crate) fn store64<B: Bus>(&mut self, bus: &mut B, addr: u32, value: u64) -> Result<(), Fault> {
        self.store::<B, 8>(bus, addr, value.to_le_bytes())
    }
    #[inline(always)]
    pub(crate) fn store128<B: Bus>(&mut self, bus: &mut B, addr: u32, value: u128) -> Result<(), Fault> {
        self.store::<B, 16>(bus, addr, value.to_le_bytes())
    }

    /// `PREF addr`: under the calibrated model, a cached-segment line that misses starts its
    /// refill (charged like a miss, which the pipeline model overlaps with later instructions);
    /// uncached addresses and faults are ignored, as the hardware suppresses them (EECISM PREF).
    pub(crate) fn prefetch<B: Bus>(&mut self, bus: &mut B, addr: u32) {
        if self.timing == TimingModel::Simple || segment(addr) != Segment::Cached {
            return;
        }
        self.pipe.mem_addr = addr;
        bus.sync_cycle(self.cycles);
        let held = bus.bus_held_until();
        if let Ok((_, cost)) = self.dcache.load::<B, 1>(bus, addr) {
            if cost > 0 {
                self.wait_for_bus(held);
            }
            self.cycles += cost;
        }
    }

    /// `CACHE op, addr`: the data-cache operations act on [`Cpu::dcache`] (TagLo is COP0 28);
    /// instruction-cache and BTAC operations have nothing to act on (fetches are not cached).
    pub(crate) fn cache_instruction<B: Bus>(&mut self, bus: &mut B, op: u32, addr: u32) -> Result<(), Fault> {
        let mut tag_lo = self.cop0[cop0::TAG_LO];
        self.dcache.cache_op(bus, op, addr, &mut tag_lo)?;
        self.cop0[cop0::TAG_LO] = tag_lo;
        Ok(())
    }
}
