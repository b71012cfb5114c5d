//! EE memory for the pad server: the 256-byte pad areas and the new protocol's open-slot buffer, aligned
//! for both protocols, with the cache maintenance libpad does around them.
//!
//! A [`crate::PadTransport`] on the EE can delegate its memory methods to a [`PadMemory`] and only implement
//! `bind` and `call` itself. The server keeps DMA-ing into these addresses every frame until the port is
//! closed, so the `PadMemory` must not move or be freed while ports are open: keep it in a `static` or a
//! leaked `Box`.

use crate::area::AREA_LEN;
use crate::driver::{PORTS, SLOTS};

/// One 256-byte buffer the IOP writes by DMA. 64-byte alignment suits both protocols and covers whole EE
/// cache lines, so invalidating it cannot discard a neighbour's data.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct DmaBuffer([u8; AREA_LEN]);

/// The pad areas of every port and slot plus the open-slot buffer.
#[repr(C)]
pub struct PadMemory {
    areas: [[DmaBuffer; SLOTS as usize]; PORTS as usize],
    open_slots: DmaBuffer,
}

impl Default for PadMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl PadMemory {
    /// Zeroed buffers (2.25 KiB).
    pub const fn new() -> Self {
        const EMPTY: DmaBuffer = DmaBuffer([0; AREA_LEN]);
        PadMemory { areas: [[EMPTY; SLOTS as usize]; PORTS as usize], open_slots: EMPTY }
    }

    /// `port`/`slot`'s buffer. A port or slot out of range is a caller bug (the driver checks them before it
    /// asks): it panics rather than handing the server another pad's area.
    fn buffer(&self, port: u8, slot: u8) -> &DmaBuffer {
        assert!(port < PORTS && slot < SLOTS, "pad area for port {port} slot {slot} requested (ports 0-1, slots 0-3)");
        &self.areas[port as usize][slot as usize]
    }

    fn area(&mut self, port: u8, slot: u8) -> *mut [u8; AREA_LEN] {
        self.buffer(port, slot);
        &mut self.areas[port as usize][slot as usize].0
    }

    /// The physical address the server writes `port`/`slot`'s area to.
    ///
    /// # Panics
    /// When `port` ≥ [`PORTS`] or `slot` ≥ [`SLOTS`] (so do [`PadMemory::write_area`] and
    /// [`PadMemory::read_area`]).
    pub fn area_address(&self, port: u8, slot: u8) -> u32 {
        physical(self.buffer(port, slot).0.as_ptr())
    }

    /// The physical address of the 256-byte open-slot buffer (new protocol INIT).
    pub fn open_slot_buffer_address(&self) -> u32 {
        physical(self.open_slots.0.as_ptr())
    }

    /// Fills an area (before opening the port) and writes it back to memory, where the server will look.
    pub fn write_area(&mut self, port: u8, slot: u8, data: &[u8; AREA_LEN]) {
        let buffer = self.area(port, slot);
        // SAFETY: `&mut self` gives exclusive CPU access; the buffer is valid for AREA_LEN bytes.
        unsafe { buffer.write_volatile(*data) };
        writeback_invalidate(buffer.cast(), AREA_LEN);
    }

    /// Reads an area as the server last wrote it: its cache lines are invalidated first (libpad's
    /// `SyncDCache`), so stale cached bytes cannot hide the DMA's.
    pub fn read_area(&mut self, port: u8, slot: u8, out: &mut [u8; AREA_LEN]) {
        let buffer = self.area(port, slot);
        invalidate(buffer.cast(), AREA_LEN);
        // SAFETY: valid, aligned buffer; volatile because the IOP changed it behind the compiler's back.
        *out = unsafe { buffer.read_volatile() };
    }
}

#[cfg(target_arch = "mips")]
fn physical(ptr: *const u8) -> u32 {
    ps2_sys::cache::physical_address(ptr)
}

#[cfg(target_arch = "mips")]
fn writeback_invalidate(ptr: *const u8, len: usize) {
    ps2_sys::cache::writeback_invalidate_range(ptr, len);
}

#[cfg(target_arch = "mips")]
fn invalidate(ptr: *const u8, len: usize) {
    // Whole, exclusively owned cache lines (64-byte aligned, 256 bytes): nothing else is discarded.
    ps2_sys::cache::invalidate_range(ptr, len);
}

// On the host (tests, docs) memory is coherent and addresses are just the pointers' low 32 bits.
#[cfg(not(target_arch = "mips"))]
fn physical(ptr: *const u8) -> u32 {
    ptr as usize as u32
}

#[cfg(not(target_arch = "mips"))]
fn writeback_invalidate(_ptr: *const u8, _len: usize) {}

#[cfg(not(target_arch = "mips"))]
fn invalidate(_ptr: *const u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area::initial_area;
    use crate::protocol::Protocol;

    #[test]
    fn areas_are_aligned_distinct_and_round_trip() {
        let mut memory = Box::new(PadMemory::new());
        let mut addresses = Vec::new();
        for port in 0..PORTS {
            for slot in 0..SLOTS {
                let a = memory.area_address(port, slot);
                assert_eq!(a % 64, 0);
                addresses.push(a);
            }
        }
        addresses.push(memory.open_slot_buffer_address());
        addresses.sort();
        assert!(addresses.windows(2).all(|w| w[1] - w[0] >= AREA_LEN as u32), "no overlap");
        let area = initial_area(Protocol::New);
        memory.write_area(1, 3, &area);
        let mut back = [0u8; AREA_LEN];
        memory.read_area(1, 3, &mut back);
        assert_eq!(back, area);
        memory.read_area(0, 0, &mut back);
        assert_eq!(back, [0; AREA_LEN]);
    }

    #[test]
    #[should_panic(expected = "port 2 slot 0")]
    fn a_port_out_of_range_is_not_wrapped_onto_another_pad() {
        PadMemory::new().area_address(2, 0);
    }

    #[test]
    #[should_panic(expected = "port 0 slot 4")]
    fn a_slot_out_of_range_is_not_wrapped_onto_another_pad() {
        let mut back = [0u8; AREA_LEN];
        PadMemory::new().read_area(0, 4, &mut back);
    }
}
