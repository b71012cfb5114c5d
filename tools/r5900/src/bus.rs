//! The memory interface the CPU runs against, and a flat-RAM implementation for tests.

use core::fmt;

/// Why a memory access failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum FaultKind {
    /// Nothing is mapped at the address.
    Unmapped,
    /// The address is not aligned to the access size (an address error on the EE).
    Misaligned,
    /// The address is mapped but does not accept this access (e.g. a write to ROM).
    Denied,
}

/// A failed memory access.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Fault {
    /// The address that was accessed.
    pub addr: u32,
    /// What went wrong.
    pub kind: FaultKind,
}

impl Fault {
    /// A fault of `kind` at `addr`.
    pub const fn new(addr: u32, kind: FaultKind) -> Self {
        Fault { addr, kind }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FaultKind::Unmapped => "unmapped address",
            FaultKind::Misaligned => "misaligned address",
            FaultKind::Denied => "access denied",
        };
        write!(f, "{what} {:#010x}", self.addr)
    }
}

impl std::error::Error for Fault {}

/// The machine behind the CPU and its data cache.
///
/// Loads and stores to cached segments (see [`crate::dcache::segment`]) never reach the bus
/// one by one: the CPU's [`crate::DataCache`] serves them and calls [`Bus::read_line`] and
/// [`Bus::write_line`] for refills and write-backs. Everything else (uncached and
/// uncached-accelerated views, the scratchpad, I/O) reaches the bus directly.
///
/// The CPU checks alignment before calling (loads and stores of N bytes reach the bus with
/// addresses aligned to N; `lq`/`sq` addresses have their low 4 bits cleared), so an
/// implementation only decides what is mapped. Values are little-endian.
pub trait Bus {
    /// Reads a byte.
    fn load8(&mut self, addr: u32) -> Result<u8, Fault>;
    /// Reads a halfword.
    fn load16(&mut self, addr: u32) -> Result<u16, Fault>;
    /// Reads a word.
    fn load32(&mut self, addr: u32) -> Result<u32, Fault>;
    /// Reads a doubleword.
    fn load64(&mut self, addr: u32) -> Result<u64, Fault>;
    /// Reads a quadword.
    fn load128(&mut self, addr: u32) -> Result<u128, Fault>;
    /// Writes a byte.
    fn store8(&mut self, addr: u32, value: u8) -> Result<(), Fault>;
    /// Writes a halfword.
    fn store16(&mut self, addr: u32, value: u16) -> Result<(), Fault>;
    /// Writes a word.
    fn store32(&mut self, addr: u32, value: u32) -> Result<(), Fault>;
    /// Writes a doubleword.
    fn store64(&mut self, addr: u32, value: u64) -> Result<(), Fault>;
    /// Writes a quadword.
    fn store128(&mut self, addr: u32, value: u128) -> Result<(), Fault>;
    /// Fetches an instruction word (`addr` is 4-byte aligned).
    fn fetch(&mut self, addr: u32) -> Result<u32, Fault>;

    /// The CPU's cycle estimate as a data access begins (called before every load, store and
    /// `PREF`), so that a bus with devices that run in time (DMA) can bring them up to date
    /// first. The default does nothing.
    #[inline(always)]
    fn sync_cycle(&mut self, cycle: u64) {
        let _ = cycle;
    }

    /// The cycle until which a DMA burst holds the main bus against the CPU: an access that
    /// needs the bus (a data-cache refill or write-back, an uncached access, an instruction-
    /// cache refill) starts no earlier. Scratchpad and cache hits do not wait. The default is
    /// 0 (the bus is always free).
    #[inline(always)]
    fn bus_held_until(&self) -> u64 {
        0
    }

    /// Reads the 64-byte line at `addr` (64-byte aligned, a cached-segment address) for a
    /// data-cache refill. The default reads four quadwords.
    fn read_line(&mut self, addr: u32) -> Result<[u8; 64], Fault> {
        let mut line = [0u8; 64];
        for (i, chunk) in line.as_chunks_mut::<16>().0.iter_mut().enumerate() {
            *chunk = self.load128(addr + 16 * i as u32)?.to_le_bytes();
        }
        Ok(line)
    }

    /// Writes a 64-byte line back to memory at `addr` (the address the line was filled
    /// through). The default writes four quadwords.
    fn write_line(&mut self, addr: u32, line: &[u8; 64]) -> Result<(), Fault> {
        for (i, &chunk) in line.as_chunks::<16>().0.iter().enumerate() {
            self.store128(addr + 16 * i as u32, u128::from_le_bytes(chunk))?;
        }
        Ok(())
    }
}

/// Flat little-endian RAM mapped at `base..base + len`, for tests and benchmarks.
///
/// Addresses are used as given (no KSEG mirroring).
#[derive(Clone, Debug)]
pub struct TestBus {
    /// First mapped address.
    pub base: u32,
    /// The memory contents.
    pub ram: Vec<u8>,
}

impl TestBus {
    /// `size` bytes of zeroed RAM starting at `base`.
    pub fn new(base: u32, size: usize) -> Self {
        TestBus { base, ram: vec![0; size] }
    }

    /// Copies instruction words to `addr` (little-endian).
    ///
    /// # Panics
    /// If the words do not fit in the RAM (a bug in the test that calls it).
    pub fn write_words(&mut self, addr: u32, words: &[u32]) {
        for (i, word) in words.iter().enumerate() {
            let offset = (addr - self.base) as usize + 4 * i;
            self.ram[offset..offset + 4].copy_from_slice(&word.to_le_bytes());
        }
    }

    #[inline(always)]
    fn slice<const N: usize>(&self, addr: u32) -> Result<[u8; N], Fault> {
        let offset = addr.wrapping_sub(self.base) as usize;
        match self.ram.get(offset..offset + N) {
            Some(bytes) => Ok(bytes.try_into().expect("slice has length N")),
            None => Err(Fault::new(addr, FaultKind::Unmapped)),
        }
    }

    #[inline(always)]
    fn put<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
        let offset = addr.wrapping_sub(self.base) as usize;
        match self.ram.get_mut(offset..offset + N) {
            Some(dest) => {
                dest.copy_from_slice(&bytes);
                Ok(())
            }
            None => Err(Fault::new(addr, FaultKind::Unmapped)),
        }
    }
}

impl Bus for TestBus {
    fn load8(&mut self, addr: u32) -> Result<u8, Fault> {
        self.slice::<1>(addr).map(|b| b[0])
    }
    fn load16(&mut self, addr: u32) -> Result<u16, Fault> {
        self.slice(addr).map(u16::from_le_bytes)
    }
    fn load32(&mut self, addr: u32) -> Result<u32, Fault> {
        self.slice(addr).map(u32::from_le_bytes)
    }
    fn load64(&mut self, addr: u32) -> Result<u64, Fault> {
        self.slice(addr).map(u64::from_le_bytes)
    }
    fn load128(&mut self, addr: u32) -> Result<u128, Fault> {
        self.slice(addr).map(u128::from_le_bytes)
    }
    fn store8(&mut self, addr: u32, value: u8) -> Result<(), Fault> {
        self.put(addr, [value])
    }
    fn store16(&mut self, addr: u32, value: u16) -> Result<(), Fault> {
        self.put(addr, value.to_le_bytes())
    }
    fn store32(&mut self, addr: u32, value: u32) -> Result<(), Fault> {
        self.put(addr, value.to_le_bytes())
    }
    fn store64(&mut self, addr: u32, value: u64) -> Result<(), Fault> {
        self.put(addr, value.to_le_bytes())
    }
    fn store128(&mut self, addr: u32, value: u128) -> Result<(), Fault> {
        self.put(addr, value.to_le_bytes())
    }
    #[inline(always)]
    fn fetch(&mut self, addr: u32) -> Result<u32, Fault> {
        self.slice(addr).map(u32::from_le_bytes)
    }
}
