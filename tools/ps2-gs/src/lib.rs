//! A software model of the PlayStation 2 Graphics Synthesizer, sufficient for text consoles,
//! image uploads and simple 2D drawing, for the ps2-rs simulator.
//!
//! # Use from a simulator
//!
//! ```
//! use ps2_gs::{Gs, regs::privileged};
//!
//! let mut gs = Gs::new();
//! gs.set_crt(true, 2, false);                              // SetGsCrt(1, NTSC, FIELD)
//! gs.write_privileged(privileged::PMODE, 0xFF62);          // EE `sd` to 0x1200_0000
//! gs.write_privileged(privileged::DISPFB2, 0x1400);
//! gs.write_privileged(privileged::DISPLAY2, 0x001B_F9FF_0983_227C);
//! let packet: Vec<u128> = Vec::new();                      // what DMA channel 2 delivers
//! gs.process_gif(&packet);
//! let frame = gs.display_rgba().expect("a display circuit is enabled");
//! assert_eq!((frame.width, frame.height), (640, 224));
//! ```
//!
//! * [`Gs::write_privileged`] / [`Gs::read_privileged`] take the offset from `0x1200_0000`
//!   (a full address is masked to its low 13 bits). CSR's event bits are write-1-to-clear, its
//!   RESET bit resets the drawing state; [`Gs::interrupt_pending`] tells the simulator when to
//!   raise the GS interrupt (INTC line 0).
//! * [`Gs::vsync`] marks the start of a vertical blank (sets CSR.VSINT, flips CSR.FIELD when
//!   interlaced); call it at 59.94 Hz (NTSC) of simulated time.
//! * [`Gs::process_gif`] consumes PATH3 data: GIFtags in PACKED, REGLIST and IMAGE mode. State
//!   carries over between calls, so an IMAGE tag's data may come in a separate transfer.
//! * [`Gs::display_rgba`] reads the displayed frame back as RGBA; [`Gs::save_png`] writes it.
//!
//! # What is modelled
//!
//! Registers: PMODE, SMODE1/2, DISPFB1/2, DISPLAY1/2, BGCOLOR, CSR (SIGNAL, FINISH, VSINT,
//! FIELD, RESET), IMR, SIGLBLID; every general-purpose register is stored, and these act:
//! PRIM, PRMODE(CONT), RGBAQ, ST, UV, XYZ(F)2/3, TEX0, CLAMP, XYOFFSET, SCISSOR, TEST, ALPHA,
//! COLCLAMP, FBA, FRAME, ZBUF, BITBLTBUF, TRXPOS, TRXREG, TRXDIR, HWREG, SIGNAL, FINISH, LABEL.
//!
//! Drawing: points, lines, line strips, triangles, strips, fans and sprites; flat or Gouraud
//! colour; textures in PSMCT32/24/16 or PSMT8/T4 (+H variants) through a CT32/CT16 CLUT, with
//! UV or STQ coordinates, REPEAT/CLAMP/REGION wrap modes, nearest sampling, MODULATE / DECAL /
//! HIGHLIGHT(2); alpha test, destination alpha test, depth test and depth write (Z32/24/16),
//! alpha blending with COLCLAMP, FBA, FBMSK, scissoring. Transfers host→local (all formats) and
//! local→local.
//!
//! Not modelled (each use is recorded in [`Gs::unsupported`]): local→host transfers, bilinear
//! filtering and mipmaps, fog, dithering, anti-aliasing, the CLUT buffer's load control (the
//! CLUT is read from VRAM at draw time), CSA offsets, the exact hardware swizzle inside pages
//! (see [`vram`]), and the merge of both display circuits (circuit 1 is shown when enabled,
//! otherwise circuit 2).

#![warn(missing_docs)]

mod display;
mod draw;
mod gif;
mod pixel;
pub mod regs;
mod transfer;
pub mod vram;

use std::collections::BTreeSet;

pub use display::{Frame, PngError};
use draw::VertexQueue;
use gif::GifState;
use regs::{csr, field, gp, privileged};
use transfer::HostToLocal;
use vram::Vram;

/// Counters for benchmarks and debugging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GsStats {
    /// Primitives drawn (after vertex assembly).
    pub primitives: u64,
    /// Pixels that passed every test and were written.
    pub pixels_written: u64,
    /// Pixels written by host→local transfers.
    pub pixels_uploaded: u64,
    /// GIF quadwords processed.
    pub gif_qwords: u64,
}

/// The video mode set by `SetGsCrt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CrtMode {
    /// Interlaced output.
    pub interlace: bool,
    /// Mode number (2 NTSC, 3 PAL, 0x50 480p, ...).
    pub mode: u16,
    /// FRAME mode (true) or FIELD mode (false).
    pub frame_mode: bool,
}

/// The Graphics Synthesizer.
pub struct Gs {
    vram: Vram,
    /// Privileged registers `0x0000..0x00F0`, by `offset >> 4`.
    privileged_display: [u64; 16],
    /// Privileged registers `0x1000..0x10F0`, by `(offset & 0xFF) >> 4`.
    privileged_system: [u64; 16],
    /// Pending CSR event bits (SIGNAL, FINISH, HSINT, VSINT, EDWINT).
    csr_events: u64,
    /// CSR.FIELD: the field being displayed (1 = odd).
    odd_field: bool,
    crt: CrtMode,
    /// General-purpose registers by number, as last written.
    gp: [u64; 128],
    /// The Q value a PACKED-mode ST write leaves for the next RGBAQ.
    packed_q: f32,
    vertices: VertexQueue,
    transfer: Option<HostToLocal>,
    gif: GifState,
    stats: GsStats,
    unsupported: BTreeSet<&'static str>,
}

impl Default for Gs {
    fn default() -> Self {
        Self::new()
    }
}

impl Gs {
    /// A GS after power-on: zeroed VRAM and registers, all interrupts masked.
    pub fn new() -> Self {
        let mut gs = Gs {
            vram: Vram::new(),
            privileged_display: [0; 16],
            privileged_system: [0; 16],
            csr_events: 0,
            odd_field: false,
            crt: CrtMode::default(),
            gp: [0; 128],
            packed_q: 1.0,
            vertices: VertexQueue::default(),
            transfer: None,
            gif: GifState::default(),
            stats: GsStats::default(),
            unsupported: BTreeSet::new(),
        };
        gs.reset_drawing_state();
        gs
    }

    /// Clears the drawing state (CSR.RESET): registers, vertex queue, transfer and GIF state.
    /// VRAM and the display registers survive, as on hardware.
    fn reset_drawing_state(&mut self) {
        self.gp = [0; 128];
        // PRMODECONT resets to "attributes from PRIM"; IMR to all masked.
        self.gp[usize::from(gp::PRMODECONT)] = 1;
        self.privileged_system[(privileged::IMR as usize & 0xFF) >> 4] = 0x7F00;
        self.packed_q = 1.0;
        self.vertices = VertexQueue::default();
        self.transfer = None;
        self.gif = GifState::default();
        self.csr_events = 0;
    }

    /// Writes a privileged register; `offset` is the address minus `0x1200_0000`.
    pub fn write_privileged(&mut self, offset: u32, value: u64) {
        let offset = offset & 0x1FFF;
        if offset == privileged::CSR {
            self.csr_events &= !(value & csr::EVENTS);
            if value & csr::RESET != 0 {
                self.reset_drawing_state();
            }
            return;
        }
        match offset {
            0x0000..=0x00F0 => self.privileged_display[(offset >> 4) as usize] = value,
            0x1000..=0x10F0 => self.privileged_system[((offset & 0xFF) >> 4) as usize] = value,
            _ => {
                self.unsupported.insert("write to an undefined privileged register");
            }
        }
    }

    /// Reads a privileged register. CSR combines the pending events, FIELD, an empty FIFO and
    /// placeholder REV/ID values; the other registers read back what was written.
    pub fn read_privileged(&self, offset: u32) -> u64 {
        let offset = offset & 0x1FFF;
        if offset == privileged::CSR {
            let field = if self.odd_field { csr::FIELD } else { 0 };
            return self.csr_events | field | csr::FIFO_EMPTY | csr::REVISION_AND_ID;
        }
        match offset {
            0x0000..=0x00F0 => self.privileged_display[(offset >> 4) as usize],
            0x1000..=0x10F0 => self.privileged_system[((offset & 0xFF) >> 4) as usize],
            _ => 0,
        }
    }

    /// `SetGsCrt(interlace, mode, ffmd)`: records the mode and sets SMODE2 (INT, FFMD).
    pub fn set_crt(&mut self, interlace: bool, mode: u16, frame_mode: bool) {
        self.crt = CrtMode { interlace, mode, frame_mode };
        let smode2 = u64::from(interlace) | u64::from(frame_mode) << 1;
        self.privileged_display[(privileged::SMODE2 >> 4) as usize] = smode2;
        self.odd_field = false;
    }

    /// The mode last set by [`set_crt`](Self::set_crt).
    pub fn crt_mode(&self) -> CrtMode {
        self.crt
    }

    /// Start of a vertical blank: sets CSR.VSINT and, when interlaced, flips CSR.FIELD.
    /// Returns [`interrupt_pending`](Self::interrupt_pending).
    pub fn vsync(&mut self) -> bool {
        self.csr_events |= csr::VSINT;
        if self.crt.interlace {
            self.odd_field = !self.odd_field;
        }
        self.interrupt_pending()
    }

    /// Whether a CSR event is pending that IMR does not mask (the GS interrupt line).
    pub fn interrupt_pending(&self) -> bool {
        let imr = self.privileged_system[(privileged::IMR as usize & 0xFF) >> 4];
        let masked = (imr >> 8) & csr::EVENTS;
        self.csr_events & !masked != 0
    }

    /// Processes GIF data (PATH3, as DMA channel 2 delivers it), one 128-bit quadword per
    /// element.
    pub fn process_gif(&mut self, qwords: &[u128]) {
        for &qword in qwords {
            self.stats.gif_qwords += 1;
            self.gif_qword(qword);
        }
    }

    /// Whether the GIF is between packets (no tag in progress and no image data pending).
    pub fn gif_idle(&self) -> bool {
        self.gif.is_idle()
    }

    /// Writes a general-purpose register as an A+D write would.
    pub fn write_register(&mut self, register: u8, value: u64) {
        let register = register & 0x7F;
        match register {
            gp::PRIM => {
                self.gp[usize::from(gp::PRIM)] = value;
                self.vertices.clear();
            }
            gp::XYZ2 | gp::XYZF2 | gp::XYZ3 | gp::XYZF3 => {
                self.gp[usize::from(register)] = value;
                self.vertex_kick(register, value);
            }
            gp::TRXDIR => {
                self.gp[usize::from(gp::TRXDIR)] = value;
                self.start_transfer(field(value, 0, 2));
            }
            gp::HWREG => self.image_data(&value.to_le_bytes()),
            gp::SIGNAL => {
                let (id, mask) = (value & 0xFFFF_FFFF, value >> 32);
                let old = self.privileged_system[8];
                self.privileged_system[8] = (old & !mask) | (id & mask);
                self.csr_events |= csr::SIGNAL;
            }
            gp::LABEL => {
                let (id, mask) = ((value & 0xFFFF_FFFF) << 32, (value >> 32) << 32);
                let old = self.privileged_system[8];
                self.privileged_system[8] = (old & !mask) | (id & mask);
            }
            gp::FINISH => self.csr_events |= csr::FINISH,
            gp::FOG | gp::FOGCOL | gp::TEX1_1 | gp::TEX1_2 | gp::DTHE | gp::SCANMSK | gp::DIMX => {
                self.gp[usize::from(register)] = value;
                if value != 0 && !matches!(register, gp::TEX1_1 | gp::TEX1_2 | gp::FOGCOL) {
                    self.unsupported.insert("fog / dithering / scan mask");
                }
            }
            _ => self.gp[usize::from(register)] = value,
        }
    }

    /// A general-purpose register's last written value.
    pub fn register(&self, register: u8) -> u64 {
        self.gp[usize::from(register & 0x7F)]
    }

    /// GS local memory.
    pub fn vram(&self) -> &Vram {
        &self.vram
    }

    /// Mutable access to local memory (for loaders and tests).
    pub fn vram_mut(&mut self) -> &mut Vram {
        &mut self.vram
    }

    /// Counters since power-on.
    pub fn stats(&self) -> GsStats {
        self.stats
    }

    /// Features that were requested but are not modelled (sorted, each once); a simulator can
    /// print them at exit to explain a wrong-looking screenshot.
    pub fn unsupported(&self) -> Vec<&'static str> {
        self.unsupported.iter().copied().collect()
    }
}
