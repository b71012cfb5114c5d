//! The cycle estimate: latency constants and an approximate EE data-cache model.
//!
//! See the crate README for what is and is not modelled. All numbers are estimates taken from
//! the EE core manual's latency tables where known, rounded; none is cycle-exact.

/// Extra cycles for a taken branch or jump (the EE predicts branches; this is an average).
pub const TAKEN_BRANCH: u64 = 1;
/// Cycles until HI/LO hold the result of MULT/MULTU/MADD/MADDU (and their pipeline-1 forms).
pub const MULT_LATENCY: u64 = 4;
/// Cycles until HI/LO hold the result of DIV/DIVU (and pipeline-1 forms, PDIVW, PDIVBW).
pub const DIV_LATENCY: u64 = 37;
/// Cycles until HI/LO hold the result of an MMI multiply (PMULTW, PMADDH, PHMADH, ...).
pub const MMI_MULT_LATENCY: u64 = 4;
/// Result latency of ordinary FPU arithmetic (add, mul, madd, ...).
pub const FPU_LATENCY: u64 = 4;
/// Result latency of DIV.S.
pub const FPU_DIV_LATENCY: u64 = 8;
/// Result latency of SQRT.S.
pub const FPU_SQRT_LATENCY: u64 = 8;
/// Result latency of RSQRT.S.
pub const FPU_RSQRT_LATENCY: u64 = 14;
/// Extra cycles for a data-cache miss (line refill from main RAM).
pub const DCACHE_MISS: u64 = 40;
/// Extra cycles to write back a dirty line on eviction.
pub const DCACHE_WRITEBACK: u64 = 20;
/// Extra cycles for an uncached access (uncached RAM segments and I/O registers).
pub const UNCACHED_ACCESS: u64 = 35;

const SETS: usize = 64;
const LINE_SHIFT: u32 = 6;

/// How an address is treated by the memory system.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Region {
    Cached,
    Uncached,
    Scratchpad,
}

#[inline(always)]
fn region(addr: u32) -> Region {
    match addr >> 28 {
        // Main RAM through the kernel's TLB mapping (cached), and KSEG0.
        0x0 | 0x8 | 0x9 => Region::Cached,
        0x7 => Region::Scratchpad,
        _ => Region::Uncached,
    }
}

/// An 8 KiB, 2-way, 64-byte-line, write-back, write-allocate data cache with LRU replacement.
///
/// Only tags are kept: data always comes from the bus, the model only prices the access.
#[derive(Clone, Debug)]
pub struct DataCache {
    /// Per set, per way: line tag (physical line number), or `u32::MAX` when invalid.
    tags: [[u32; 2]; SETS],
    /// Per set, per way: dirty bit.
    dirty: [[bool; 2]; SETS],
    /// Per set: the way to replace next (the least recently used one).
    lru: [u8; SETS],
    /// Accesses that hit.
    pub hits: u64,
    /// Accesses that missed.
    pub misses: u64,
}

impl Default for DataCache {
    fn default() -> Self {
        DataCache { tags: [[u32::MAX; 2]; SETS], dirty: [[false; 2]; SETS], lru: [0; SETS], hits: 0, misses: 0 }
    }
}

impl DataCache {
    /// Marks every line invalid (as after `FlushCache`), without write-back cost.
    pub fn invalidate(&mut self) {
        self.tags = [[u32::MAX; 2]; SETS];
        self.dirty = [[false; 2]; SETS];
    }

    /// Prices one access and updates the tags; returns the extra cycles it costs.
    #[inline(always)]
    pub fn access(&mut self, addr: u32, is_store: bool) -> u64 {
        match region(addr) {
            Region::Cached => self.cached_access(addr & 0x1FFF_FFFF, is_store),
            Region::Scratchpad => 0,
            Region::Uncached => UNCACHED_ACCESS,
        }
    }

    #[inline(always)]
    fn cached_access(&mut self, physical: u32, is_store: bool) -> u64 {
        let line = physical >> LINE_SHIFT;
        let set = line as usize % SETS;
        let tags = &mut self.tags[set];
        let way = if tags[0] == line {
            0
        } else if tags[1] == line {
            1
        } else {
            return self.miss(set, line, is_store);
        };
        self.hits += 1;
        self.lru[set] = 1 - way as u8;
        self.dirty[set][way] |= is_store;
        0
    }

    #[cold]
    fn miss(&mut self, set: usize, line: u32, is_store: bool) -> u64 {
        self.misses += 1;
        let way = self.lru[set] as usize;
        let cost = DCACHE_MISS + if self.dirty[set][way] { DCACHE_WRITEBACK } else { 0 };
        self.tags[set][way] = line;
        self.dirty[set][way] = is_store;
        self.lru[set] = 1 - way as u8;
        cost
    }
}
