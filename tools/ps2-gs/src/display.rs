//! Reading the displayed frame back (PCRTC: PMODE, DISPFB, DISPLAY) and writing it as PNG.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::Gs;
use crate::regs::{field, privileged};
use crate::vram::{BufferDesc, Psm};

/// A displayed frame as 8-bit RGBA, row-major, alpha always 255.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels of the frame buffer area shown.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 4` bytes.
    pub rgba: Vec<u8>,
}

/// Why a PNG could not be written.
#[derive(Debug)]
pub enum PngError {
    /// Neither display circuit is enabled (PMODE.EN1/EN2), or its area is empty.
    NoDisplay,
    /// The file could not be created or written.
    Io(std::io::Error),
    /// The encoder failed.
    Encoding(png::EncodingError),
}

impl std::fmt::Display for PngError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PngError::NoDisplay => write!(f, "nothing is displayed: PMODE enables neither read circuit"),
            PngError::Io(error) => write!(f, "cannot write the screenshot: {error}"),
            PngError::Encoding(error) => write!(f, "cannot encode the screenshot: {error}"),
        }
    }
}

impl std::error::Error for PngError {}

/// Largest frame dimension read back (the GS addresses at most 2048×2048).
const MAX_DIMENSION: u64 = 2048;

impl Gs {
    /// The displayed frame: the frame-buffer area that the enabled read circuit shows
    /// (circuit 1 if PMODE.EN1, else circuit 2), at buffer resolution. Its size is
    /// `(DW + 1) / (MAGH + 1)` × `(DH + 1) / (MAGV + 1)`; e.g. ps2sdk's debug screen shows a
    /// 640×224 buffer and libgraph's 640×448 set-up a 640×448 one. `None` when no circuit is
    /// enabled or the area is empty.
    pub fn display_rgba(&self) -> Option<Frame> {
        let pmode = self.read_privileged(privileged::PMODE);
        let (dispfb, display) = if pmode & 1 != 0 {
            (privileged::DISPFB1, privileged::DISPLAY1)
        } else if pmode & 2 != 0 {
            (privileged::DISPFB2, privileged::DISPLAY2)
        } else {
            return None;
        };
        let (dispfb, display) = (self.read_privileged(dispfb), self.read_privileged(display));
        let width = ((field(display, 32, 12) + 1) / (field(display, 23, 4) + 1)).min(MAX_DIMENSION) as u32;
        let height = ((field(display, 44, 11) + 1) / (field(display, 27, 2) + 1)).min(MAX_DIMENSION) as u32;
        if width == 0 || height == 0 {
            return None;
        }
        let psm = match Psm::from_code(field(dispfb, 15, 5)) {
            Some(psm @ (Psm::Ct32 | Psm::Ct24 | Psm::Ct16 | Psm::Ct16s)) => psm,
            // Only colour formats can be displayed; show what a CT32 read would.
            _ => Psm::Ct32,
        };
        let buffer =
            BufferDesc { base_block: field(dispfb, 0, 9) as u32 * 32, width_64: field(dispfb, 9, 6) as u32, psm };
        let (left, top) = (field(dispfb, 32, 11) as u32, field(dispfb, 43, 11) as u32);
        let mut rgba = Vec::with_capacity((width * height * 4) as usize);
        for y in 0..height {
            for x in 0..width {
                let [r, g, b, _] = self.vram.read_color(&buffer, left + x, top + y);
                rgba.extend_from_slice(&[r, g, b, 255]);
            }
        }
        Some(Frame { width, height, rgba })
    }

    /// Writes the displayed frame ([`display_rgba`](Self::display_rgba)) as a PNG file.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<(), PngError> {
        let frame = self.display_rgba().ok_or(PngError::NoDisplay)?;
        frame.save_png(path)
    }
}

impl Frame {
    /// Writes the frame as an 8-bit RGBA PNG.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<(), PngError> {
        let file = File::create(path).map_err(PngError::Io)?;
        let mut encoder = png::Encoder::new(BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(PngError::Encoding)?;
        writer.write_image_data(&self.rgba).map_err(PngError::Encoding)?;
        writer.finish().map_err(PngError::Encoding)
    }

    /// The pixel at (x, y) as RGBA, or `None` outside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let index = ((y * self.width + x) * 4) as usize;
        self.rgba[index..index + 4].try_into().ok()
    }
}
