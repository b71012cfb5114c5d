//! Video modes: the numbers for `SetGsCrt`, the display (privileged) registers and the drawing environment.
//!
//! Display geometry follows ps2sdk's libgraph mode table (`ee/graph/src/graph_mode.c`): a mode's start
//! position `(x, y)` and size `(w, h)` in VCKs and raster lines. For interlaced modes read in FIELD mode (one
//! full-height buffer, each field showing every other line) the start line becomes `(y − 1) × 2` and the height
//! doubles; the horizontal magnification is `w / 640`. This gives the `DX 652, DY 50, MAGH 3, DH 447` NTSC
//! geometry that both libgraph (`graph_initialize(fbp, 640, 448, …)`) and gsKit (`gsKit_init_screen` in
//! `ee/gs/src/gsInit.c`, which centres its own mode table's picture on the same numbers) arrive at. Where `w` is not a multiple of 640
//! (480p: 1440 VCKs, ×2 gives 720 pixels) the display width is cut to the buffer's 640 pixels and centred,
//! instead of libgraph's full `w` that would show 80 columns beyond the buffer's right edge.
//!
//! VRAM layout: the 32-bit frame buffer at address 0, a (masked, never written) Z buffer right after it.

use crate::color::Color;
use crate::gif::{AdPacket, PacketFull, reg};
use crate::regs;

/// A video mode the console can set up. Every mode uses a 640-pixel-wide 32-bit frame buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VideoMode {
    /// NTSC 480i: 640×448, interlaced, one full-height buffer (FIELD read mode).
    NtscInterlaced,
    /// PAL 576i: 640×512, interlaced, one full-height buffer (FIELD read mode).
    PalInterlaced,
    /// EDTV 480p: 640×480 progressive (component cable; every console model supports it).
    Progressive480p,
}

/// The arguments of the `SetGsCrt` syscall for a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrtSettings {
    /// Interlaced output.
    pub interlace: bool,
    /// The video mode number (0x02 NTSC, 0x03 PAL, 0x50 480p).
    pub mode: u16,
    /// `ffmd`: `false` = FIELD (a full-height buffer read interlaced), `true` = FRAME.
    pub frame_mode: bool,
}

/// The privileged-register values of a mode (written by the EE with 64-bit stores).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayRegisters {
    /// PMODE: read circuit 1 on.
    pub pmode: u64,
    /// SMODE2: interlace and field/frame mode (the same values `SetGsCrt` programs).
    pub smode2: u64,
    /// DISPFB1: the frame buffer shown.
    pub dispfb1: u64,
    /// DISPLAY1: where on the screen it is shown, and how large.
    pub display1: u64,
    /// BGCOLOR: the colour around the displayed area.
    pub bgcolor: u64,
}

/// libgraph's table entry for a mode: start x (VCK), start y (non-interlaced lines), width (VCK), height.
struct Timing {
    x: u16,
    y: u16,
    width: u16,
    height: u16,
}

impl VideoMode {
    /// The interlaced TV mode of a console's region, from the contents of `rom0:ROMVER` (e.g.
    /// `0220EC20060905`): character 4 is `'E'` on European (PAL) machines and `'J'`, `'A'`, `'C'`... elsewhere
    /// (NTSC), the test libgraph's `graph_get_region` makes. `None` when the text is too short to tell.
    pub fn for_romver(romver: &[u8]) -> Option<VideoMode> {
        match romver.get(4)? {
            b'E' => Some(VideoMode::PalInterlaced),
            _ => Some(VideoMode::NtscInterlaced),
        }
    }

    /// The frame buffer's (and the drawable screen's) width in pixels.
    pub const fn width(self) -> u16 {
        640
    }

    /// The frame buffer's (and the drawable screen's) height in pixels.
    pub const fn height(self) -> u16 {
        match self {
            VideoMode::NtscInterlaced => 448,
            VideoMode::PalInterlaced => 512,
            VideoMode::Progressive480p => 480,
        }
    }

    /// `SetGsCrt`'s arguments.
    pub const fn crt(self) -> CrtSettings {
        match self {
            VideoMode::NtscInterlaced => CrtSettings { interlace: true, mode: 0x02, frame_mode: false },
            VideoMode::PalInterlaced => CrtSettings { interlace: true, mode: 0x03, frame_mode: false },
            // Progressive: the field/frame bit does not matter; gsKit passes FRAME.
            VideoMode::Progressive480p => CrtSettings { interlace: false, mode: 0x50, frame_mode: true },
        }
    }

    const fn timing(self) -> Timing {
        match self {
            VideoMode::NtscInterlaced => Timing { x: 652, y: 26, width: 2560, height: 224 },
            VideoMode::PalInterlaced => Timing { x: 680, y: 37, width: 2560, height: 256 },
            VideoMode::Progressive480p => Timing { x: 232, y: 35, width: 1440, height: 480 },
        }
    }

    /// The frame buffer's size in 8 KiB VRAM pages (where the Z buffer starts).
    pub const fn frame_pages(self) -> u16 {
        let bytes = self.width() as u32 * self.height() as u32 * 4;
        bytes.div_ceil(8192) as u16
    }

    /// The display registers for this mode, with `background` shown around the picture.
    pub const fn display_registers(self, background: Color) -> DisplayRegisters {
        let crt = self.crt();
        let t = self.timing();
        let (dy, dh) = if crt.interlace && !crt.frame_mode { ((t.y - 1) * 2, t.height * 2) } else { (t.y, t.height) };
        let magh = (t.width / self.width()) as u8;
        let magv = (dh / self.height()) as u8;
        // Show exactly the buffer's width, centred in the mode's active area.
        let shown = self.width() * magh as u16;
        let dx = t.x + (t.width - shown) / 2;
        DisplayRegisters {
            pmode: regs::PMODE_CIRCUIT1,
            smode2: regs::smode2(crt.interlace, crt.frame_mode),
            dispfb1: regs::dispfb(0, self.width(), regs::psm::CT32),
            display1: regs::display(dx, dy, magh - 1, magv - 1, shown - 1, self.height() - 1),
            bgcolor: background.bgcolor(),
        }
    }

    /// Appends the drawing environment (context 1) for this mode to `packet`: frame buffer, masked Z buffer,
    /// offset, scissor to the whole screen, pass-all test, no blending or dithering, attributes from PRIM.
    /// Eleven writes.
    pub fn drawing_environment<const N: usize>(self, packet: &mut AdPacket<N>) -> Result<(), PacketFull> {
        if packet.remaining() < 11 {
            return Err(PacketFull);
        }
        let (w, h) = (self.width(), self.height());
        packet.push(reg::FRAME_1, regs::frame(0, w, regs::psm::CT32))?;
        packet.push(reg::ZBUF_1, regs::zbuf_masked(self.frame_pages()))?;
        packet.push(reg::XYOFFSET_1, regs::xyoffset(regs::DRAW_OFFSET, regs::DRAW_OFFSET))?;
        packet.push(reg::SCISSOR_1, regs::scissor(0, w - 1, 0, h - 1))?;
        packet.push(reg::PRMODECONT, 1)?;
        packet.push(reg::TEST_1, regs::TEST_ALWAYS)?;
        packet.push(reg::ALPHA_1, 0)?;
        packet.push(reg::PABE, 0)?;
        packet.push(reg::FBA_1, 0)?;
        packet.push(reg::DTHE, 0)?;
        packet.push(reg::COLCLAMP, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regs::display;

    #[test]
    fn ntsc_matches_libgraph_and_gskit_geometry() {
        let r = VideoMode::NtscInterlaced.display_registers(Color::BLACK);
        // DX 652, DY 50, MAGH 3 (×4), MAGV 0, DW 2559, DH 447: libgraph's NTSC entry {652, 26, 2560, 224} read
        // interlaced in FIELD mode (DY = (26 − 1) × 2, DH = 448 − 1), and gsKit's centred NTSC screen.
        assert_eq!(r.display1, display(652, 50, 3, 0, 2559, 447));
        assert_eq!(r.dispfb1, 0x1400);
        assert_eq!(r.smode2, 1);
        assert_eq!(VideoMode::NtscInterlaced.crt(), CrtSettings { interlace: true, mode: 2, frame_mode: false });
        assert_eq!(VideoMode::NtscInterlaced.frame_pages(), 140); // gsKit's second buffer / Z at FBP 140
    }

    #[test]
    fn pal_and_480p_geometry() {
        let pal = VideoMode::PalInterlaced.display_registers(Color::BLACK);
        assert_eq!(pal.display1, display(680, 72, 3, 0, 2559, 511));
        let p = VideoMode::Progressive480p.display_registers(Color::rgb(1, 2, 3));
        assert_eq!(p.display1, display(232 + 80, 35, 1, 0, 1279, 479), "640 px ×2 centred in 1440 VCKs");
        assert_eq!(p.smode2, 2);
        assert_eq!(p.bgcolor, 0x030201);
        assert_eq!(VideoMode::PalInterlaced.frame_pages(), 160);
    }

    #[test]
    fn region_from_romver() {
        assert_eq!(VideoMode::for_romver(b"0220EC20060905"), Some(VideoMode::PalInterlaced));
        assert_eq!(VideoMode::for_romver(b"0220AC20060905"), Some(VideoMode::NtscInterlaced));
        assert_eq!(VideoMode::for_romver(b"0160JC20011004"), Some(VideoMode::NtscInterlaced));
        assert_eq!(VideoMode::for_romver(b"022"), None);
    }

    #[test]
    fn drawing_environment_writes_eleven_registers() {
        let mut packet = AdPacket::<16>::new();
        VideoMode::NtscInterlaced.drawing_environment(&mut packet).unwrap();
        assert_eq!(packet.len(), 11);
        let bytes = packet.finish();
        assert_eq!(bytes[1], crate::gif::ad(reg::FRAME_1, 0x000A_0000));
        assert_eq!(bytes[4], crate::gif::ad(reg::SCISSOR_1, regs::scissor(0, 639, 0, 447)));
        let mut small = AdPacket::<8>::new();
        assert_eq!(VideoMode::NtscInterlaced.drawing_environment(&mut small), Err(PacketFull));
        assert!(small.is_empty(), "nothing half-written");
    }
}
