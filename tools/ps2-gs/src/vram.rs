//! Local memory (4 MiB) and its pixel formats.
//!
//! # Addressing model
//!
//! The real GS stores every buffer in 8 KiB **pages** (64×32 pixels in PSMCT32, 64×64 in PSMCT16,
//! 128×64 in PSMT8, 128×128 in PSMT4), laid out left to right `BW` (or `BW/2`) pages per row,
//! and swizzles blocks and pixels inside each page. This model keeps the page layout (so buffer
//! sizes, buffer overlaps and the independence of small images such as CLUTs from the buffer
//! width all match the hardware) but stores pixels **row-major inside a page** instead of
//! swizzled. Only our own model reads VRAM back, so the difference is visible solely to programs
//! that reinterpret one format as another (e.g. write PSMCT32, read PSMT8), which this model does
//! not support.
//!
//! Base pointers (`FBP`, `TBP`, `DBP`, ...) are in 256-byte blocks; a base that is not
//! page-aligned simply offsets the linear page address. All addresses wrap at 4 MiB.

/// Size of GS local memory.
pub const VRAM_BYTES: usize = 4 * 1024 * 1024;
/// Bytes per page.
const PAGE_BYTES: usize = 8192;
/// Bytes per block (the unit of base pointers such as `TBP0`, `DBP`).
pub const BLOCK_BYTES: usize = 256;

/// Pixel storage formats (`PSM` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Psm {
    /// 32-bit RGBA.
    Ct32,
    /// 24-bit RGB in a 32-bit word (the top byte is left alone).
    Ct24,
    /// 16-bit RGBA 5:5:5:1.
    Ct16,
    /// 16-bit RGBA 5:5:5:1 (different page swizzle on hardware; same here).
    Ct16s,
    /// 8-bit CLUT index.
    T8,
    /// 4-bit CLUT index.
    T4,
    /// 8-bit index in bits 24-31 of a 32-bit word.
    T8h,
    /// 4-bit index in bits 24-27 of a 32-bit word.
    T4hl,
    /// 4-bit index in bits 28-31 of a 32-bit word.
    T4hh,
    /// 32-bit depth.
    Z32,
    /// 24-bit depth.
    Z24,
    /// 16-bit depth.
    Z16,
    /// 16-bit depth (different swizzle on hardware).
    Z16s,
}

impl Psm {
    /// Decodes a PSM code; `None` for codes the GS does not define.
    pub fn from_code(code: u64) -> Option<Psm> {
        Some(match code {
            0x00 => Psm::Ct32,
            0x01 => Psm::Ct24,
            0x02 => Psm::Ct16,
            0x0A => Psm::Ct16s,
            0x13 => Psm::T8,
            0x14 => Psm::T4,
            0x1B => Psm::T8h,
            0x24 => Psm::T4hl,
            0x2C => Psm::T4hh,
            0x30 => Psm::Z32,
            0x31 => Psm::Z24,
            0x32 => Psm::Z16,
            0x3A => Psm::Z16s,
            _ => return None,
        })
    }

    /// Page width and height in pixels, and storage bits per pixel.
    fn page_geometry(self) -> (u32, u32, u32) {
        match self {
            Psm::Ct32 | Psm::Ct24 | Psm::T8h | Psm::T4hl | Psm::T4hh | Psm::Z32 | Psm::Z24 => (64, 32, 32),
            Psm::Ct16 | Psm::Ct16s | Psm::Z16 | Psm::Z16s => (64, 64, 16),
            Psm::T8 => (128, 64, 8),
            Psm::T4 => (128, 128, 4),
        }
    }

    /// Bits of pixel data a host→local transfer sends per pixel.
    pub fn transfer_bits(self) -> u32 {
        match self {
            Psm::Ct32 | Psm::Z32 => 32,
            Psm::Ct24 | Psm::Z24 => 24,
            Psm::Ct16 | Psm::Ct16s | Psm::Z16 | Psm::Z16s => 16,
            Psm::T8 | Psm::T8h => 8,
            Psm::T4 | Psm::T4hl | Psm::T4hh => 4,
        }
    }
}

/// Where a buffer lives: base block, width in units of 64 pixels, format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferDesc {
    /// Base pointer in 256-byte blocks.
    pub base_block: u32,
    /// Width in units of 64 pixels.
    pub width_64: u32,
    /// Pixel format.
    pub psm: Psm,
}

/// GS local memory.
pub struct Vram {
    bytes: Vec<u8>,
}

impl Default for Vram {
    fn default() -> Self {
        Self::new()
    }
}

impl Vram {
    /// Zeroed memory.
    pub fn new() -> Self {
        Self { bytes: vec![0; VRAM_BYTES] }
    }

    /// The raw bytes (page-linear layout, see the module docs).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Storage position of a pixel: byte address, and for 4-bit formats which nibble.
    fn locate(buffer: &BufferDesc, x: u32, y: u32) -> (usize, u32) {
        let (page_width, page_height, bits) = buffer.psm.page_geometry();
        let (x, y) = (x % 2048, y % 2048);
        let pages_per_row = (buffer.width_64 * 64).div_ceil(page_width).max(1);
        let page = (y / page_height) * pages_per_row + x / page_width;
        let within = (y % page_height) * page_width + x % page_width;
        let bit_offset = within as usize * bits as usize;
        let address = buffer.base_block as usize * BLOCK_BYTES + page as usize * PAGE_BYTES + bit_offset / 8;
        (address % VRAM_BYTES, (bit_offset % 8) as u32)
    }

    fn read_u32(&self, address: usize) -> u32 {
        let address = address & !3;
        u32::from_le_bytes(self.bytes[address..address + 4].try_into().expect("4 bytes"))
    }

    fn write_u32(&mut self, address: usize, value: u32) {
        let address = address & !3;
        self.bytes[address..address + 4].copy_from_slice(&value.to_le_bytes());
    }

    fn read_u16(&self, address: usize) -> u16 {
        let address = address & !1;
        u16::from_le_bytes([self.bytes[address], self.bytes[address + 1]])
    }

    fn write_u16(&mut self, address: usize, value: u16) {
        let address = address & !1;
        self.bytes[address..address + 2].copy_from_slice(&value.to_le_bytes());
    }

    /// Reads a pixel's stored value: the format's bits, right-aligned (a CLUT index for T8/T4,
    /// `0xAABBGGRR` for CT32, `A1B5G5R5` for CT16, the depth for Z formats).
    pub fn read_raw(&self, buffer: &BufferDesc, x: u32, y: u32) -> u32 {
        let (address, nibble_bits) = Self::locate(buffer, x, y);
        match buffer.psm {
            Psm::Ct32 | Psm::Z32 => self.read_u32(address),
            Psm::Ct24 | Psm::Z24 => self.read_u32(address) & 0x00FF_FFFF,
            Psm::Ct16 | Psm::Ct16s | Psm::Z16 | Psm::Z16s => u32::from(self.read_u16(address)),
            Psm::T8 => u32::from(self.bytes[address]),
            Psm::T4 => u32::from(self.bytes[address] >> nibble_bits) & 0xF,
            Psm::T8h => self.read_u32(address) >> 24,
            Psm::T4hl => (self.read_u32(address) >> 24) & 0xF,
            Psm::T4hh => self.read_u32(address) >> 28,
        }
    }

    /// Writes a pixel's stored value (see [`read_raw`](Self::read_raw)); bits outside the
    /// format are left alone.
    pub fn write_raw(&mut self, buffer: &BufferDesc, x: u32, y: u32, value: u32) {
        let (address, nibble_bits) = Self::locate(buffer, x, y);
        match buffer.psm {
            Psm::Ct32 | Psm::Z32 => self.write_u32(address, value),
            Psm::Ct24 | Psm::Z24 => {
                let kept = self.read_u32(address) & 0xFF00_0000;
                self.write_u32(address, kept | (value & 0x00FF_FFFF));
            }
            Psm::Ct16 | Psm::Ct16s | Psm::Z16 | Psm::Z16s => self.write_u16(address, value as u16),
            Psm::T8 => self.bytes[address] = value as u8,
            Psm::T4 => {
                let mask = 0xF << nibble_bits;
                let byte = &mut self.bytes[address];
                *byte = (*byte & !mask) | (((value as u8) & 0xF) << nibble_bits);
            }
            Psm::T8h => {
                let kept = self.read_u32(address) & 0x00FF_FFFF;
                self.write_u32(address, kept | (value << 24));
            }
            Psm::T4hl => {
                let kept = self.read_u32(address) & !0x0F00_0000;
                self.write_u32(address, kept | ((value & 0xF) << 24));
            }
            Psm::T4hh => {
                let kept = self.read_u32(address) & !0xF000_0000;
                self.write_u32(address, kept | ((value & 0xF) << 28));
            }
        }
    }

    /// Reads a colour-buffer pixel as `[r, g, b, a]` (alpha 0x80 = 1.0; CT24 reads alpha as
    /// 0x80, CT16 expands its 1-bit alpha to 0 or 0x80).
    pub fn read_color(&self, buffer: &BufferDesc, x: u32, y: u32) -> [u8; 4] {
        let raw = self.read_raw(buffer, x, y);
        match buffer.psm {
            Psm::Ct24 => {
                let [r, g, b, _] = raw.to_le_bytes();
                [r, g, b, 0x80]
            }
            Psm::Ct16 | Psm::Ct16s => expand_16(raw as u16),
            _ => raw.to_le_bytes(),
        }
    }

    /// Writes `[r, g, b, a]` to a colour-buffer pixel in its format.
    pub fn write_color(&mut self, buffer: &BufferDesc, x: u32, y: u32, rgba: [u8; 4]) {
        let raw = match buffer.psm {
            Psm::Ct16 | Psm::Ct16s => u32::from(pack_16(rgba)),
            _ => u32::from_le_bytes(rgba),
        };
        self.write_raw(buffer, x, y, raw);
    }
}

/// `A1B5G5R5` → RGBA8 (5-bit channels widened by shifting, as the GS does).
pub fn expand_16(value: u16) -> [u8; 4] {
    let channel = |shift: u16| (((value >> shift) & 0x1F) << 3) as u8;
    let alpha = if value & 0x8000 != 0 { 0x80 } else { 0 };
    [channel(0), channel(5), channel(10), alpha]
}

/// RGBA8 → `A1B5G5R5` (alpha bit set when alpha ≥ 0x80... the GS takes its top bit).
pub fn pack_16([r, g, b, a]: [u8; 4]) -> u16 {
    u16::from(r >> 3) | u16::from(g >> 3) << 5 | u16::from(b >> 3) << 10 | u16::from(a >> 7) << 15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_and_keep_foreign_bits() {
        let mut vram = Vram::new();
        let word = BufferDesc { base_block: 0, width_64: 10, psm: Psm::Ct32 };
        vram.write_raw(&word, 5, 7, 0x1122_3344);
        assert_eq!(vram.read_raw(&word, 5, 7), 0x1122_3344);
        let high8 = BufferDesc { psm: Psm::T8h, ..word };
        vram.write_raw(&high8, 5, 7, 0xAB);
        assert_eq!(vram.read_raw(&word, 5, 7), 0xAB22_3344);
        let rgb = BufferDesc { psm: Psm::Ct24, ..word };
        vram.write_raw(&rgb, 5, 7, 0xFF_665544);
        assert_eq!(vram.read_raw(&word, 5, 7), 0xAB66_5544);

        let nibbles = BufferDesc { base_block: 64, width_64: 2, psm: Psm::T4 };
        vram.write_raw(&nibbles, 0, 0, 0x3);
        vram.write_raw(&nibbles, 1, 0, 0xC);
        assert_eq!((vram.read_raw(&nibbles, 0, 0), vram.read_raw(&nibbles, 1, 0)), (0x3, 0xC));
        assert_eq!(vram.bytes()[64 * BLOCK_BYTES], 0xC3);
    }

    #[test]
    fn pages_follow_the_hardware_layout() {
        // 640x448 CT32 ends exactly where gsKit puts its second buffer (block 0x118000 / 256).
        let frame = BufferDesc { base_block: 0, width_64: 10, psm: Psm::Ct32 };
        let (last, _) = Vram::locate(&frame, 639, 447);
        assert_eq!(last + 4, 0x118000);
        // A 16x16 CLUT lands on the same bytes whatever the buffer width.
        let narrow = BufferDesc { base_block: 100, width_64: 1, psm: Psm::Ct32 };
        let wide = BufferDesc { width_64: 10, ..narrow };
        assert_eq!(Vram::locate(&narrow, 15, 15), Vram::locate(&wide, 15, 15));
    }

    #[test]
    fn sixteen_bit_colours_convert() {
        assert_eq!(expand_16(pack_16([0xF8, 0x80, 0x08, 0x80])), [0xF8, 0x80, 0x08, 0x80]);
        assert_eq!(expand_16(0x7FFF)[3], 0);
    }
}
