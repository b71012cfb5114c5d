//! Image transfers between host and local memory (BITBLTBUF, TRXPOS, TRXREG, TRXDIR, HWREG).

use crate::Gs;
use crate::regs::{field, gp};
use crate::vram::{BufferDesc, Psm};

/// A host→local transfer in progress.
#[derive(Debug, Clone)]
pub(crate) struct HostToLocal {
    destination: BufferDesc,
    left: u32,
    width: u32,
    top: u32,
    height: u32,
    /// Next pixel, relative to (left, top).
    x: u32,
    y: u32,
    /// Bits received but not yet forming a whole pixel.
    pending: u64,
    pending_bits: u32,
}

impl Gs {
    /// A TRXDIR write: starts a transfer in the given direction.
    pub(crate) fn start_transfer(&mut self, direction: u64) {
        let bitblt = self.gp[usize::from(gp::BITBLTBUF)];
        let position = self.gp[usize::from(gp::TRXPOS)];
        let region = self.gp[usize::from(gp::TRXREG)];
        let width = field(region, 0, 12) as u32;
        let height = field(region, 32, 12) as u32;
        self.transfer = None;
        match direction {
            0 => {
                let Some(psm) = Psm::from_code(field(bitblt, 56, 6)) else {
                    self.unsupported.insert("transfer with an undefined pixel format");
                    return;
                };
                let destination =
                    BufferDesc { base_block: field(bitblt, 32, 14) as u32, width_64: field(bitblt, 48, 6) as u32, psm };
                self.transfer = Some(HostToLocal {
                    destination,
                    left: field(position, 32, 11) as u32,
                    top: field(position, 48, 11) as u32,
                    width,
                    height,
                    x: 0,
                    y: 0,
                    pending: 0,
                    pending_bits: 0,
                });
            }
            1 => {
                self.unsupported.insert("local->host transfer");
            }
            2 => self.local_to_local(bitblt, position, width, height),
            _ => {}
        }
    }

    /// Copies a rectangle inside VRAM. Source and destination formats must have the same size
    /// per pixel; overlapping copies behave as if the source were read first.
    fn local_to_local(&mut self, bitblt: u64, position: u64, width: u32, height: u32) {
        let (Some(source_psm), Some(destination_psm)) =
            (Psm::from_code(field(bitblt, 24, 6)), Psm::from_code(field(bitblt, 56, 6)))
        else {
            self.unsupported.insert("transfer with an undefined pixel format");
            return;
        };
        if source_psm.transfer_bits() != destination_psm.transfer_bits() {
            self.unsupported.insert("local->local transfer between formats of different sizes");
            return;
        }
        let source = BufferDesc { base_block: field(bitblt, 0, 14) as u32, width_64: field(bitblt, 16, 6) as u32, psm: source_psm };
        let destination =
            BufferDesc { base_block: field(bitblt, 32, 14) as u32, width_64: field(bitblt, 48, 6) as u32, psm: destination_psm };
        let (source_x, source_y) = (field(position, 0, 11) as u32, field(position, 16, 11) as u32);
        let (destination_x, destination_y) = (field(position, 32, 11) as u32, field(position, 48, 11) as u32);
        let mut pixels = Vec::with_capacity((width * height) as usize);
        for y in 0..height {
            for x in 0..width {
                pixels.push(self.vram.read_raw(&source, source_x + x, source_y + y));
            }
        }
        for y in 0..height {
            for x in 0..width {
                self.vram.write_raw(&destination, destination_x + x, destination_y + y, pixels[(y * width + x) as usize]);
            }
        }
    }

    /// Pixel data for the current host→local transfer (from HWREG or IMAGE-mode GIF data).
    pub(crate) fn image_data(&mut self, bytes: &[u8]) {
        let Some(mut transfer) = self.transfer.take() else {
            self.unsupported.insert("image data without an active host->local transfer");
            return;
        };
        let bits = transfer.destination.psm.transfer_bits();
        for &byte in bytes {
            transfer.pending |= u64::from(byte) << transfer.pending_bits;
            transfer.pending_bits += 8;
            while transfer.pending_bits >= bits {
                let value = (transfer.pending & ((1u64 << bits) - 1)) as u32;
                transfer.pending >>= bits;
                transfer.pending_bits -= bits;
                if transfer.y < transfer.height && transfer.width > 0 {
                    let (x, y) = (transfer.left + transfer.x, transfer.top + transfer.y);
                    self.vram.write_raw(&transfer.destination, x, y, value);
                    self.stats.pixels_uploaded += 1;
                    transfer.x += 1;
                    if transfer.x == transfer.width {
                        transfer.x = 0;
                        transfer.y += 1;
                    }
                }
            }
        }
        // Data beyond the rectangle is dropped, as on hardware; the transfer stays active
        // until the next TRXDIR write.
        self.transfer = Some(transfer);
    }
}
