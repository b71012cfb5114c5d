//! The simulator's view of the Graphics Synthesizer.
//!
//! The machine talks to the GS through [`GsDevice`], so a full model (the `ps2-gs` crate) and the
//! built-in [`RegisterOnlyGs`] are interchangeable.

use std::path::Path;

/// What the EE side needs from a GS model.
pub trait GsDevice {
    /// Writes a privileged register (`offset` from `0x1200_0000`, e.g. `0x1000` = CSR).
    fn write_privileged(&mut self, offset: u32, value: u64);
    /// Reads a privileged register (CSR and SIGLBLID are readable on hardware).
    fn read_privileged(&mut self, offset: u32) -> u64;
    /// Processes GIF data that DMA channel 2 (PATH3) delivered.
    fn process_gif(&mut self, data: &[u128]);
    /// Records the video mode set by the `SetGsCrt` syscall.
    fn set_crt(&mut self, interlace: bool, mode: u16, ffmd: bool);
    /// Called at each VBLANK start (sets CSR.VSINT, flips the field).
    fn vblank(&mut self);
    /// Saves the displayed frame as PNG; an error message when the model cannot.
    fn save_png(&mut self, path: &Path) -> Result<(), String>;
}

/// A GS with registers only: privileged registers read back what was written, CSR models
/// FINISH (set by a FINISH register write in a PACKED A+D GIF packet), VSINT and the field bit,
/// so programs that wait for them make progress. It draws nothing and cannot take screenshots.
#[derive(Default, Debug, Clone)]
pub struct RegisterOnlyGs {
    regs: std::collections::HashMap<u32, u64>,
    csr: u64,
    /// The last `SetGsCrt(interlace, mode, ffmd)`.
    pub crt: Option<(bool, u16, bool)>,
    /// Quadwords of GIF data received (for tests and statistics).
    pub gif_qwords: u64,
}

const CSR: u32 = 0x1000;
const CSR_FINISH: u64 = 1 << 1;
const CSR_VSINT: u64 = 1 << 3;
const CSR_FIELD: u64 = 1 << 13;
const GS_REG_FINISH: u64 = 0x61;

impl GsDevice for RegisterOnlyGs {
    fn write_privileged(&mut self, offset: u32, value: u64) {
        if offset == CSR {
            // Event bits 0-4 are write-1-to-clear; RESET (bit 9) clears everything.
            self.csr &= !(value & 0x1F);
            if value & 0x200 != 0 {
                self.csr = 0;
            }
        } else {
            self.regs.insert(offset & !7, value);
        }
    }

    fn read_privileged(&mut self, offset: u32) -> u64 {
        if offset & !7 == CSR {
            // REV/ID fields as a retail GS reports them (ID 0x55, REV 0x1B).
            let value = self.csr | (0x551B << 16);
            return if offset & 4 != 0 { value >> 32 } else { value };
        }
        let value = *self.regs.get(&(offset & !7)).unwrap_or(&0);
        if offset & 4 != 0 { value >> 32 } else { value }
    }

    fn process_gif(&mut self, data: &[u128]) {
        self.gif_qwords += data.len() as u64;
        let mut i = 0;
        while i < data.len() {
            let tag = data[i];
            i += 1;
            let nloop = (tag & 0x7FFF) as usize;
            let flg = ((tag >> 58) & 3) as u32;
            let nreg = match ((tag >> 60) & 0xF) as usize {
                0 => 16,
                n => n,
            };
            let regs = (tag >> 64) as u64;
            match flg {
                0 => {
                    for _ in 0..nloop {
                        for r in 0..nreg {
                            let Some(&qw) = data.get(i) else { return };
                            i += 1;
                            let desc = (regs >> (4 * r)) & 0xF;
                            if desc == 0xE && ((qw >> 64) as u64 & 0xFF) == GS_REG_FINISH {
                                self.csr |= CSR_FINISH;
                            }
                        }
                    }
                }
                1 => i += (nloop * nreg).div_ceil(2),
                _ => i += nloop,
            }
        }
    }

    fn set_crt(&mut self, interlace: bool, mode: u16, ffmd: bool) {
        self.crt = Some((interlace, mode, ffmd));
    }

    fn vblank(&mut self) {
        self.csr |= CSR_VSINT;
        self.csr ^= CSR_FIELD;
    }

    fn save_png(&mut self, _path: &Path) -> Result<(), String> {
        Err("this simulator build has no GS renderer; no screenshot taken".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_via_gif_sets_csr_and_write_clears_it() {
        let mut gs = RegisterOnlyGs::default();
        let tag: u128 = 1 | (1 << 15) | (1u128 << 60) | (0xEu128 << 64);
        gs.process_gif(&[tag, (GS_REG_FINISH as u128) << 64]);
        assert_ne!(gs.read_privileged(CSR) & CSR_FINISH, 0);
        gs.write_privileged(CSR, CSR_FINISH);
        assert_eq!(gs.read_privileged(CSR) & CSR_FINISH, 0);
    }

    #[test]
    fn privileged_registers_read_back() {
        let mut gs = RegisterOnlyGs::default();
        gs.write_privileged(0x90, 0x1400);
        assert_eq!(gs.read_privileged(0x90), 0x1400);
        gs.vblank();
        assert_ne!(gs.read_privileged(CSR) & CSR_VSINT, 0);
    }
}
