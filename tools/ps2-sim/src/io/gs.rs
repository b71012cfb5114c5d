//! The simulator's view of the Graphics Synthesizer.
//!
//! The machine talks to the GS through [`GsDevice`]; the implementation used is the software
//! model of the `ps2-gs` crate (privileged registers, GIF PATH3 packets, drawing, image
//! transfers, PNG read-out of the displayed frame).

use std::path::Path;

/// What the EE side needs from a GS model.
pub trait GsDevice {
    /// Writes a privileged register (`offset` from `0x1200_0000`, e.g. `0x1000` = CSR).
    fn write_privileged(&mut self, offset: u32, value: u64);
    /// Reads a privileged register; an offset with bit 2 set reads the upper 32 bits.
    fn read_privileged(&mut self, offset: u32) -> u64;
    /// Processes GIF data that DMA channel 2 (PATH3) delivered.
    fn process_gif(&mut self, data: &[u128]);
    /// Records the video mode set by the `SetGsCrt` syscall.
    fn set_crt(&mut self, interlace: bool, mode: u16, ffmd: bool);
    /// Called at each VBLANK start (sets CSR.VSINT, flips the field).
    fn vblank(&mut self);
    /// Saves the displayed frame as PNG.
    /// Saves the displayed frame as PNG: `Ok(false)` when nothing is displayed.
    fn save_png(&mut self, path: &Path) -> Result<bool, String>;
    /// Whether a CSR event is pending that IMR does not mask (the GS interrupt line).
    fn interrupt_pending(&self) -> bool;
}

impl GsDevice for ps2_gs::Gs {
    fn write_privileged(&mut self, offset: u32, value: u64) {
        ps2_gs::Gs::write_privileged(self, offset & !7, value);
    }

    fn read_privileged(&mut self, offset: u32) -> u64 {
        let value = ps2_gs::Gs::read_privileged(self, offset & !7);
        if offset & 4 != 0 { value >> 32 } else { value }
    }

    fn process_gif(&mut self, data: &[u128]) {
        ps2_gs::Gs::process_gif(self, data);
    }

    fn set_crt(&mut self, interlace: bool, mode: u16, ffmd: bool) {
        ps2_gs::Gs::set_crt(self, interlace, mode, ffmd);
    }

    fn vblank(&mut self) {
        self.vsync();
    }

    fn save_png(&mut self, path: &Path) -> Result<bool, String> {
        match ps2_gs::Gs::save_png(self, path) {
            Ok(()) => Ok(true),
            Err(ps2_gs::PngError::NoDisplay) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    fn interrupt_pending(&self) -> bool {
        ps2_gs::Gs::interrupt_pending(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSR: u32 = 0x1000;

    #[test]
    fn finish_via_gif_sets_csr_and_write_clears_it() {
        let mut gs: Box<dyn GsDevice> = Box::new(ps2_gs::Gs::new());
        let tag: u128 = 1 | (1 << 15) | (1u128 << 60) | (0xEu128 << 64);
        gs.process_gif(&[tag, 0x61u128 << 64]);
        assert_ne!(gs.read_privileged(CSR) & 2, 0);
        gs.write_privileged(CSR, 2);
        assert_eq!(gs.read_privileged(CSR) & 2, 0);
    }

    #[test]
    fn privileged_registers_read_back_in_halves() {
        let mut gs: Box<dyn GsDevice> = Box::new(ps2_gs::Gs::new());
        gs.write_privileged(0x90, 0x1234_5678_0000_1400);
        assert_eq!(gs.read_privileged(0x90), 0x1234_5678_0000_1400);
        assert_eq!(gs.read_privileged(0x94), 0x1234_5678);
        gs.vblank();
        assert_ne!(gs.read_privileged(CSR) & 8, 0, "VSINT");
    }
}
