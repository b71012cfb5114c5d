//! The EE data cache, holding data: 8 KiB, 2-way set-associative, 64-byte lines, write-back with
//! write-allocate, LRF replacement, physically tagged (reference `ee-timing-vu0.md` §3.1, from the
//! EE Core User's Manual §1.6/§6; `ps2-ee.md` §7).
//!
//! The CPU's loads and stores to cached segments read and write the lines here; memory behind
//! the cache (what a [`Bus`] serves, and what DMA sees) only changes when a dirty line is written
//! back: on eviction, by a `CACHE` write-back operation, or by the kernel's `FlushCache(0)`. So a
//! DMA that reads memory misses data the CPU has not written back, a DMA that writes memory is not
//! seen through a line that is still valid, and writing a dirty line back after such a DMA
//! overwrites what the DMA wrote — as on the console, which has no snooping.
//!
//! Segments (virtual address → treatment), following the kernel's fixed TLB (`ps2-ee.md` §1.1):
//! `0x0xxx_xxxx` (user RAM, C=3) and KSEG0 `0x8000_0000..0xA000_0000` are cached;
//! `0x7xxx_xxxx` is the scratchpad (not cached, no cost); `0x3xxx_xxxx` is uncached-accelerated;
//! everything else (`0x2xxx_xxxx` uncached RAM, KSEG1, I/O) is uncached.

use crate::bus::{Bus, Fault};
use crate::timing::{DCACHE_MISS, DCACHE_WRITEBACK};

/// Bytes per line.
pub const LINE_SIZE: usize = 64;
/// Number of sets (index = address bits 11..6).
pub const SETS: usize = 64;
/// Ways per set.
pub const WAYS: usize = 2;
const LINES: usize = SETS * WAYS;
/// Tag value of an invalid line (no physical line number is this large).
const INVALID: u32 = u32::MAX;

/// `TagLo` bits of the D-cache tag as `CACHE` DXLTG/DXSTG move it (EE Core User's Manual; PCSX2's
/// `Cache.cpp` uses the same layout): physical tag in bits 31..12, then these flags.
pub mod taglo {
    /// Dirty.
    pub const DIRTY: u32 = 0x40;
    /// Valid.
    pub const VALID: u32 = 0x20;
    /// Least-recently-filled bit.
    pub const LRF: u32 = 0x10;
    /// Lock (not modelled: always read as 0, ignored when stored).
    pub const LOCK: u32 = 0x08;
}

/// `CACHE` operation codes (the `rt` field) of the R5900 that act on the data cache.
pub mod op {
    /// Index load tag into TagLo.
    pub const DXLTG: u32 = 0x10;
    /// Index load data (one word) into TagLo.
    pub const DXLDT: u32 = 0x11;
    /// Index store tag from TagLo.
    pub const DXSTG: u32 = 0x12;
    /// Index store data (one word) from TagLo.
    pub const DXSDT: u32 = 0x13;
    /// Index write-back invalidate.
    pub const DXWBIN: u32 = 0x14;
    /// Index invalidate (dirty data is lost).
    pub const DXIN: u32 = 0x16;
    /// Hit write-back invalidate.
    pub const DHWBIN: u32 = 0x18;
    /// Hit invalidate (dirty data is lost).
    pub const DHIN: u32 = 0x1A;
    /// Hit write-back without invalidate.
    pub const DHWOIN: u32 = 0x1C;
}

/// How the memory system treats a virtual address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Segment {
    /// Through the data cache (user RAM, KSEG0).
    Cached,
    /// Straight to the bus (uncached RAM alias, KSEG1, I/O registers).
    Uncached,
    /// Uncached-accelerated (`0x3000_0000`): stores go through the write-back buffer in order,
    /// which in this model (a DMA starts after the store that starts it executes) means they
    /// reach memory before anything the program starts later can look.
    UncachedAccelerated,
    /// The scratchpad: on-chip, not cached, no bus cost.
    Scratchpad,
}

/// The segment of a virtual address.
#[inline(always)]
pub fn segment(addr: u32) -> Segment {
    match addr >> 28 {
        0x0 | 0x8 | 0x9 => Segment::Cached,
        0x7 => Segment::Scratchpad,
        0x3 => Segment::UncachedAccelerated,
        _ => Segment::Uncached,
    }
}

/// The physical address of a cached-segment address (KSEG0 and user RAM are identity-mapped).
#[inline(always)]
pub fn physical(addr: u32) -> u32 {
    addr & 0x1FFF_FFFF
}

/// The uncached-accelerated buffer (UCAB): one 128-byte, read-only line that serves loads from
/// the `0x3000_0000` view (reference `ee-timing-vu0.md` §3.3, EECUM §1.2.9). A miss refills all
/// 128 bytes from memory; any store, `SYNC`, and (taken conservatively as "some exceptions")
/// syscalls and interrupts invalidate it. Until then a DMA's write to memory is not seen through it.
#[derive(Clone, Debug)]
pub struct Ucab {
    /// Address of the buffered 128 bytes (in the `0x3000_0000` view), or [`u32::MAX`].
    base: u32,
    data: [u8; 128],
}

impl Default for Ucab {
    fn default() -> Self {
        Ucab { base: u32::MAX, data: [0; 128] }
    }
}

impl Ucab {
    /// Drops the buffered line.
    #[inline(always)]
    pub fn invalidate(&mut self) {
        self.base = u32::MAX;
    }

    /// Whether `addr` (an uncached-accelerated address) is in the buffered line.
    #[inline(always)]
    pub fn holds(&self, addr: u32) -> bool {
        self.base == addr & !127
    }

    /// Whether a line is buffered.
    pub fn is_valid(&self) -> bool {
        self.base != u32::MAX
    }

    /// Reads `N` bytes at `addr` (an uncached-accelerated address, aligned to N), refilling the
    /// buffer from the bus on a miss.
    pub fn load<B: Bus, const N: usize>(&mut self, bus: &mut B, addr: u32) -> Result<[u8; N], Fault> {
        let base = addr & !127;
        if self.base != base {
            self.base = u32::MAX;
            for (i, chunk) in self.data.as_chunks_mut::<16>().0.iter_mut().enumerate() {
                let at = base + 16 * i as u32;
                let q = bus.load128(at).map_err(|f| Fault::new(addr, f.kind))?;
                *chunk = q.to_le_bytes();
            }
            self.base = base;
        }
        let off = (addr & 127) as usize;
        Ok(self.data[off..off + N].try_into().expect("length is N"))
    }
}

/// The data cache. Lines are numbered `set * 2 + way`.
#[derive(Clone)]
pub struct DataCache {
    /// Physical line number (`physical >> 6`) per line, or [`INVALID`].
    tags: [u32; LINES],
    /// The virtual address each valid line was filled through: where a write-back goes on the bus.
    homes: [u32; LINES],
    dirty: [bool; LINES],
    lrf: [bool; LINES],
    data: Box<[u8; LINES * LINE_SIZE]>,
    /// Accesses that hit.
    pub hits: u64,
    /// Accesses that missed (line fills).
    pub misses: u64,
    /// Cycles a miss costs (the cycle model's constant; see [`DataCache::set_costs`]).
    miss_cost: u64,
    /// Extra cycles when the victim is dirty.
    writeback_cost: u64,
}

impl Default for DataCache {
    fn default() -> Self {
        DataCache {
            tags: [INVALID; LINES],
            homes: [0; LINES],
            dirty: [false; LINES],
            lrf: [false; LINES],
            data: vec![0u8; LINES * LINE_SIZE].into_boxed_slice().try_into().expect("length is LINES * LINE_SIZE"),
            hits: 0,
            misses: 0,
            miss_cost: DCACHE_MISS,
            writeback_cost: DCACHE_WRITEBACK,
        }
    }
}

impl core::fmt::Debug for DataCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DataCache")
            .field("valid_lines", &self.tags.iter().filter(|&&t| t != INVALID).count())
            .field("dirty_lines", &self.dirty.iter().filter(|&&d| d).count())
            .field("hits", &self.hits)
            .field("misses", &self.misses)
            .finish()
    }
}

/// The state of one line, for inspection and tests.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LineState {
    /// Physical address of the line's first byte.
    pub physical: u32,
    /// Holds data not yet written back.
    pub dirty: bool,
}

impl DataCache {
    #[inline(always)]
    fn set_of(line: u32) -> usize {
        line as usize & (SETS - 1)
    }

    /// The line holding cached-segment address `addr`, if present.
    #[inline(always)]
    fn lookup(&self, addr: u32) -> Option<usize> {
        let line = physical(addr) >> 6;
        let base = Self::set_of(line) * WAYS;
        if self.tags[base] == line {
            Some(base)
        } else if self.tags[base + 1] == line {
            Some(base + 1)
        } else {
            None
        }
    }

    /// On a hit, the byte offset of `addr` in the data array (counting the hit).
    #[inline(always)]
    fn hit(&mut self, addr: u32) -> Option<usize> {
        let slot = self.lookup(addr)?;
        self.hits += 1;
        Some(slot * LINE_SIZE + (addr as usize & (LINE_SIZE - 1)))
    }

    /// The way a miss in `set` replaces: an invalid way first, otherwise the one the XOR of the
    /// two LRF bits names (the least recently filled; hits do not change it).
    fn victim(&self, set: usize) -> usize {
        let base = set * WAYS;
        if self.tags[base] == INVALID {
            base
        } else if self.tags[base + 1] == INVALID {
            base + 1
        } else {
            base + (self.lrf[base] ^ self.lrf[base + 1]) as usize
        }
    }

    /// Sets what a miss costs, and what a dirty victim adds (the cycle model's constants).
    pub fn set_costs(&mut self, miss: u64, writeback: u64) {
        self.miss_cost = miss;
        self.writeback_cost = writeback;
    }

    /// A miss: reads the line of `addr` from the bus into the victim way (writing a dirty victim
    /// back first); returns the data offset of `addr` and the cycles it cost.
    #[cold]
    #[inline(never)]
    fn fill<B: Bus>(&mut self, bus: &mut B, addr: u32) -> Result<(usize, u64), Fault> {
        let home = addr & !(LINE_SIZE as u32 - 1);
        let bytes = bus.read_line(home).map_err(|f| Fault::new(addr, f.kind))?;
        let line = physical(addr) >> 6;
        let slot = self.victim(Self::set_of(line));
        let mut cost = self.miss_cost;
        if self.tags[slot] != INVALID && self.dirty[slot] {
            self.write_back(bus, slot)?;
            cost += self.writeback_cost;
        }
        self.misses += 1;
        self.tags[slot] = line;
        self.homes[slot] = home;
        self.dirty[slot] = false;
        self.lrf[slot] = !self.lrf[slot];
        self.data[slot * LINE_SIZE..(slot + 1) * LINE_SIZE].copy_from_slice(&bytes);
        Ok((slot * LINE_SIZE + (addr as usize & (LINE_SIZE - 1)), cost))
    }

    fn write_back<B: Bus>(&mut self, bus: &mut B, slot: usize) -> Result<(), Fault> {
        let bytes: [u8; LINE_SIZE] =
            self.data[slot * LINE_SIZE..(slot + 1) * LINE_SIZE].try_into().expect("one line");
        bus.write_line(self.homes[slot], &bytes)?;
        self.dirty[slot] = false;
        Ok(())
    }

    fn invalidate_slot(&mut self, slot: usize) {
        // The LRF bit survives (as in PCSX2's model); the data is gone.
        self.tags[slot] = INVALID;
        self.dirty[slot] = false;
    }

    /// Reads `N` bytes at cached-segment address `addr` (which must not cross a line), filling
    /// the line on a miss; returns the bytes and the extra cycles.
    #[inline(always)]
    pub fn load<B: Bus, const N: usize>(&mut self, bus: &mut B, addr: u32) -> Result<([u8; N], u64), Fault> {
        let (off, cost) = match self.hit(addr) {
            Some(off) => (off, 0),
            None => self.fill(bus, addr)?,
        };
        Ok((self.data[off..off + N].try_into().expect("length is N"), cost))
    }

    /// Writes `N` bytes at cached-segment address `addr` (write-allocate: a miss fills the line
    /// first); returns the extra cycles.
    #[inline(always)]
    pub fn store<B: Bus, const N: usize>(&mut self, bus: &mut B, addr: u32, bytes: [u8; N]) -> Result<u64, Fault> {
        let (off, cost) = match self.hit(addr) {
            Some(off) => (off, 0),
            None => self.fill(bus, addr)?,
        };
        self.data[off..off + N].copy_from_slice(&bytes);
        self.dirty[off / LINE_SIZE] = true;
        Ok(cost)
    }

    /// Executes `CACHE op, addr` for the data-cache operations (see [`op`]); other operations
    /// (instruction cache, BTAC) do nothing here. `tag_lo` is COP0 TagLo. Hit operations act only
    /// on cached-segment addresses. Returns a bus fault from a write-back.
    pub fn cache_op<B: Bus>(&mut self, bus: &mut B, op: u32, addr: u32, tag_lo: &mut u32) -> Result<(), Fault> {
        // Index operations: set from bits 11..6, way from bit 0.
        let index_slot = ((addr as usize >> 6) & (SETS - 1)) * WAYS + (addr as usize & 1);
        let hit_slot = || if segment(addr) == Segment::Cached { self.lookup(addr) } else { None };
        match op {
            op::DXLTG => *tag_lo = self.tag_word(index_slot),
            op::DXLDT => {
                let off = index_slot * LINE_SIZE + (addr as usize & 0x3C);
                *tag_lo = u32::from_le_bytes(self.data[off..off + 4].try_into().expect("a word"));
            }
            op::DXSTG => {
                let set = index_slot / WAYS;
                let value = *tag_lo;
                if value & taglo::VALID != 0 {
                    let phys = (value & 0xFFFF_F000) | ((set as u32) << 6);
                    self.tags[index_slot] = phys >> 6;
                    self.homes[index_slot] = 0x8000_0000 | phys;
                    self.dirty[index_slot] = value & taglo::DIRTY != 0;
                } else {
                    self.invalidate_slot(index_slot);
                }
                self.lrf[index_slot] = value & taglo::LRF != 0;
            }
            op::DXSDT => {
                let off = index_slot * LINE_SIZE + (addr as usize & 0x3C);
                self.data[off..off + 4].copy_from_slice(&tag_lo.to_le_bytes());
            }
            op::DXWBIN => {
                if self.tags[index_slot] != INVALID && self.dirty[index_slot] {
                    self.write_back(bus, index_slot)?;
                }
                self.invalidate_slot(index_slot);
            }
            op::DXIN => self.invalidate_slot(index_slot),
            op::DHWBIN => {
                if let Some(slot) = hit_slot() {
                    if self.dirty[slot] {
                        self.write_back(bus, slot)?;
                    }
                    self.invalidate_slot(slot);
                }
            }
            op::DHIN => {
                if let Some(slot) = hit_slot() {
                    self.invalidate_slot(slot);
                }
            }
            op::DHWOIN => {
                if let Some(slot) = hit_slot()
                    && self.dirty[slot]
                {
                    self.write_back(bus, slot)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn tag_word(&self, slot: usize) -> u32 {
        let mut word = if self.lrf[slot] { taglo::LRF } else { 0 };
        if self.tags[slot] != INVALID {
            word |= ((self.tags[slot] << 6) & 0xFFFF_F000) | taglo::VALID;
            if self.dirty[slot] {
                word |= taglo::DIRTY;
            }
        }
        word
    }

    /// Writes every dirty line back; lines stay valid and become clean (`FlushCache(0)`).
    pub fn write_back_all<B: Bus>(&mut self, bus: &mut B) -> Result<(), Fault> {
        for slot in 0..LINES {
            if self.tags[slot] != INVALID && self.dirty[slot] {
                self.write_back(bus, slot)?;
            }
        }
        Ok(())
    }

    /// Invalidates every line without writing anything back: dirty data is lost
    /// (`FlushCache(1)`).
    pub fn invalidate_all(&mut self) {
        for slot in 0..LINES {
            self.invalidate_slot(slot);
        }
    }

    /// The cached copy of the line holding cached-segment address `addr`, if present (no state
    /// change, not counted): how code running on the CPU (the HLE kernel) sees memory.
    pub fn peek_line(&self, addr: u32) -> Option<&[u8; LINE_SIZE]> {
        let slot = self.lookup(addr)?;
        Some(self.data[slot * LINE_SIZE..(slot + 1) * LINE_SIZE].try_into().expect("one line"))
    }

    /// Writes `bytes` at cached-segment address `addr` into the cache when its line is present
    /// (the line becomes dirty) and returns `true`; returns `false` (nothing written) otherwise.
    /// `bytes` must not cross a line.
    pub fn poke(&mut self, addr: u32, bytes: &[u8]) -> bool {
        let Some(slot) = self.lookup(addr) else { return false };
        let off = slot * LINE_SIZE + (addr as usize & (LINE_SIZE - 1));
        self.data[off..off + bytes.len()].copy_from_slice(bytes);
        self.dirty[slot] = true;
        true
    }

    /// The state of the line holding `addr` (a cached-segment address), if present.
    pub fn line_state(&self, addr: u32) -> Option<LineState> {
        let slot = self.lookup(addr)?;
        Some(LineState { physical: self.tags[slot] << 6, dirty: self.dirty[slot] })
    }

    /// Number of valid lines.
    pub fn valid_lines(&self) -> usize {
        self.tags.iter().filter(|&&t| t != INVALID).count()
    }
}
