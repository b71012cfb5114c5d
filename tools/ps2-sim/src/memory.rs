//! The EE's memories and the virtual→physical address map of a user program.
//!
//! The map follows the fixed TLB the EE kernel sets up (reference ps2-ee.md §1.1):
//!
//! | Virtual | Backing |
//! |---|---|
//! | `0x0008_0000..0x0200_0000` | main RAM, cached view |
//! | `0x2008_0000..0x2200_0000` | main RAM, uncached view |
//! | `0x3010_0000..0x3200_0000` | main RAM, uncached-accelerated (UCAB) view, from 1 MiB |
//! | `0x7000_0000..0x7000_4000` | scratchpad (16 KiB) |
//! | `0x8000_0000..0x8200_0000`, `0xA000_0000..0xA200_0000` | main RAM through KSEG0/KSEG1, all 32 MiB |
//! | `0x1100_0000..0x1101_0000` | VU0/VU1 code and data memory (plain storage here) |
//! | `0xBC00_0000..0xBC20_0000` | IOP RAM (2 MiB), as the kernel-mode window of ps2sdk's RPC libraries |
//!
//! I/O registers (`0x1000_xxxx`, `0x1200_xxxx`, also through KSEG1) are not memory: [`classify`]
//! reports them as [`Region::Io`] and the machine's bus forwards them to the devices.
//!
//! The first 512 KiB of RAM (kernel RAM) is deliberately *not* mapped for the user views, as on
//! the real console: a null-pointer access faults instead of silently reading zeros.

/// Size of main RAM on a retail console (`GetMemorySize()`).
pub const RAM_SIZE: usize = 32 * 1024 * 1024;
/// Size of the scratchpad.
pub const SCRATCHPAD_SIZE: usize = 16 * 1024;
/// Size of the VU memory page (VU0 and VU1 code and data).
pub const VU_MEM_SIZE: usize = 64 * 1024;
/// Size of IOP RAM.
pub const IOP_RAM_SIZE: usize = 2 * 1024 * 1024;

/// Start of user-visible RAM (the first 512 KiB belong to the kernel).
pub const USER_RAM_START: u32 = 0x0008_0000;
/// Base virtual address of the scratchpad.
pub const SCRATCHPAD_BASE: u32 = 0x7000_0000;

/// What a virtual address refers to, with the offset into that memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Main RAM at this physical offset.
    Ram(usize),
    /// Scratchpad at this offset.
    Scratchpad(usize),
    /// VU memory at this offset.
    VuMem(usize),
    /// IOP RAM at this offset.
    IopRam(usize),
    /// A hardware register at this physical address (`0x1000_0000..0x1001_0000` or
    /// `0x1200_0000..0x1201_0000`).
    Io(u32),
    /// Nothing is mapped here.
    Unmapped,
}

/// Translates a virtual address to what it refers to.
///
/// Only called on the slow path: [`Memory::ram_offset_fast`] handles the cached RAM view first.
pub fn classify(addr: u32) -> Region {
    const RAM_END: u32 = RAM_SIZE as u32;
    match addr {
        USER_RAM_START..RAM_END => Region::Ram(addr as usize),
        0x2008_0000..0x2200_0000 => Region::Ram((addr - 0x2000_0000) as usize),
        0x3010_0000..0x3200_0000 => Region::Ram((addr - 0x3000_0000) as usize),
        0x7000_0000..0x7000_4000 => Region::Scratchpad((addr - SCRATCHPAD_BASE) as usize),
        0x8000_0000..0x8200_0000 => Region::Ram((addr - 0x8000_0000) as usize),
        0xA000_0000..0xA200_0000 => Region::Ram((addr - 0xA000_0000) as usize),
        0x1100_0000..0x1101_0000 => Region::VuMem((addr - 0x1100_0000) as usize),
        0xBC00_0000..0xBC20_0000 => Region::IopRam((addr - 0xBC00_0000) as usize),
        0x1000_0000..0x1001_0000 | 0x1200_0000..0x1201_0000 => Region::Io(addr),
        0xB000_0000..0xB001_0000 | 0xB200_0000..0xB201_0000 => Region::Io(addr - 0xA000_0000),
        _ => Region::Unmapped,
    }
}

/// The guard region below a program's stack that the machine watches, in physical RAM offsets
/// (`start..end`, both 64-byte aligned). The program publishes it (see `Machine`); a cached load or
/// store inside it is a stack overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackGuard {
    /// First guarded byte (physical).
    pub start: u32,
    /// One past the last guarded byte (physical): the stack limit.
    pub end: u32,
}

impl StackGuard {
    /// Whether the 64-byte line holding physical address `physical` overlaps the guard.
    #[inline(always)]
    pub fn holds_line(&self, physical: u32) -> bool {
        let line = physical & !63;
        line < self.end && line + 64 > self.start
    }
}

/// The EE's memories (not the I/O registers).
pub struct Memory {
    /// Main RAM, 32 MiB.
    pub ram: Vec<u8>,
    /// Scratchpad, 16 KiB.
    pub scratchpad: Vec<u8>,
    /// VU code/data memory, 64 KiB.
    pub vu: Vec<u8>,
    /// IOP RAM, 2 MiB (used by the HLE IOP side).
    pub iop_ram: Vec<u8>,
    /// The stack guard being watched, once the program has published one.
    pub stack_guard: Option<StackGuard>,
}

impl Default for Memory {
    fn default() -> Self {
        Self::new()
    }
}

impl Memory {
    /// Zero-filled memories.
    pub fn new() -> Self {
        Memory {
            ram: vec![0; RAM_SIZE],
            scratchpad: vec![0; SCRATCHPAD_SIZE],
            vu: vec![0; VU_MEM_SIZE],
            iop_ram: vec![0; IOP_RAM_SIZE],
            stack_guard: None,
        }
    }

    /// The RAM offset of `addr` when it lies in the cached user view with `size` bytes to
    /// spare; the hot path of every load and store.
    #[inline(always)]
    pub fn ram_offset_fast(addr: u32, size: u32) -> Option<usize> {
        if addr.wrapping_sub(USER_RAM_START) <= (RAM_SIZE as u32 - USER_RAM_START - size) {
            Some(addr as usize)
        } else {
            None
        }
    }

    /// The byte slice `len` bytes long at a memory region (not I/O), or `None` when the range
    /// is unmapped or runs past the end of its memory.
    pub fn slice(&self, addr: u32, len: usize) -> Option<&[u8]> {
        let (mem, off) = self.backing(addr)?;
        mem.get(off..off.checked_add(len)?)
    }

    /// Mutable form of [`Memory::slice`].
    pub fn slice_mut(&mut self, addr: u32, len: usize) -> Option<&mut [u8]> {
        let (mem, off) = self.backing_mut(addr)?;
        mem.get_mut(off..off.checked_add(len)?)
    }

    fn backing(&self, addr: u32) -> Option<(&[u8], usize)> {
        Some(match classify(addr) {
            Region::Ram(o) => (&self.ram[..], o),
            Region::Scratchpad(o) => (&self.scratchpad[..], o),
            Region::VuMem(o) => (&self.vu[..], o),
            Region::IopRam(o) => (&self.iop_ram[..], o),
            Region::Io(_) | Region::Unmapped => return None,
        })
    }

    fn backing_mut(&mut self, addr: u32) -> Option<(&mut [u8], usize)> {
        Some(match classify(addr) {
            Region::Ram(o) => (&mut self.ram[..], o),
            Region::Scratchpad(o) => (&mut self.scratchpad[..], o),
            Region::VuMem(o) => (&mut self.vu[..], o),
            Region::IopRam(o) => (&mut self.iop_ram[..], o),
            Region::Io(_) | Region::Unmapped => return None,
        })
    }

    /// Reads a little-endian u32 from memory (not I/O); `None` if unmapped.
    pub fn read_u32(&self, addr: u32) -> Option<u32> {
        self.slice(addr, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Writes a little-endian u32 to memory (not I/O); `None` if unmapped.
    pub fn write_u32(&mut self, addr: u32, value: u32) -> Option<()> {
        self.slice_mut(addr, 4)?.copy_from_slice(&value.to_le_bytes());
        Some(())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (lossy UTF-8).
    pub fn read_c_string(&self, addr: u32, max: usize) -> Option<String> {
        let mut bytes = Vec::new();
        for i in 0..max as u32 {
            let b = *self.slice(addr.checked_add(i)?, 1)?.first()?;
            if b == 0 {
                break;
            }
            bytes.push(b);
        }
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Physical RAM access used by DMA: `addr` is a DMAC address (bit 31 = scratchpad).
    pub fn dma_slice(&self, addr: u32, len: usize) -> Option<&[u8]> {
        if addr & 0x8000_0000 != 0 {
            let off = (addr & 0x3FFF) as usize;
            self.scratchpad.get(off..off + len)
        } else {
            let off = (addr & 0x01FF_FFFF) as usize;
            self.ram.get(off..off.checked_add(len)?)
        }
    }

    /// Mutable form of [`Memory::dma_slice`].
    pub fn dma_slice_mut(&mut self, addr: u32, len: usize) -> Option<&mut [u8]> {
        if addr & 0x8000_0000 != 0 {
            let off = (addr & 0x3FFF) as usize;
            self.scratchpad.get_mut(off..off + len)
        } else {
            let off = (addr & 0x01FF_FFFF) as usize;
            self.ram.get_mut(off..off.checked_add(len)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_reach_the_same_ram() {
        assert_eq!(classify(0x0010_0000), Region::Ram(0x10_0000));
        assert_eq!(classify(0x2010_0000), Region::Ram(0x10_0000));
        assert_eq!(classify(0x3010_0000), Region::Ram(0x10_0000));
        assert_eq!(classify(0x8010_0000), Region::Ram(0x10_0000));
        assert_eq!(classify(0xA010_0000), Region::Ram(0x10_0000));
    }

    #[test]
    fn kernel_ram_and_low_ucab_are_unmapped_for_user_views() {
        assert_eq!(classify(0), Region::Unmapped);
        assert_eq!(classify(0x0007_FFFC), Region::Unmapped);
        assert_eq!(classify(0x3008_0000), Region::Unmapped);
        assert_eq!(classify(0x0200_0000), Region::Unmapped);
        // ...but the kernel views see all of RAM.
        assert_eq!(classify(0x8000_0100), Region::Ram(0x100));
    }

    #[test]
    fn io_and_scratchpad() {
        assert_eq!(classify(0x1000_F180), Region::Io(0x1000_F180));
        assert_eq!(classify(0xB000_1000), Region::Io(0x1000_1000));
        assert_eq!(classify(0x1200_1000), Region::Io(0x1200_1000));
        assert_eq!(classify(0x7000_3FFF), Region::Scratchpad(0x3FFF));
        assert_eq!(classify(0x7000_4000), Region::Unmapped);
    }

    #[test]
    fn fast_path_agrees_with_classify_at_the_edges() {
        assert_eq!(Memory::ram_offset_fast(0x0008_0000, 4), Some(0x8_0000));
        assert_eq!(Memory::ram_offset_fast(0x01FF_FFFC, 4), Some(0x1FF_FFFC));
        assert_eq!(Memory::ram_offset_fast(0x01FF_FFFD, 4), None);
        assert_eq!(Memory::ram_offset_fast(0x0007_FFFF, 1), None);
        assert_eq!(Memory::ram_offset_fast(0x2010_0000, 4), None);
    }

    #[test]
    fn strings_and_words() {
        let mut m = Memory::new();
        m.write_u32(0x0010_0000, 0x6C6C_6568).unwrap();
        m.write_u32(0x0010_0004, 0x6F).unwrap();
        assert_eq!(m.read_c_string(0x2010_0000, 64).unwrap(), "hello");
        assert_eq!(m.read_u32(0x10), None);
    }
}
