//! The GIF: GIFtag decoding and the PACKED / REGLIST / IMAGE data formats (`ps2-ee.md` §5.4).

use crate::Gs;
use crate::regs::{field, gp};

/// Where the GIF is within a packet.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) enum GifState {
    /// The next quadword is a GIFtag.
    #[default]
    Tag,
    /// Register data: `loops_left` loops of `nreg` descriptors each.
    Registers { packed: bool, loops_left: u32, nreg: u32, descriptors: u64, index: u32 },
    /// Raw image data for HWREG.
    Image { qwords_left: u32 },
}

impl GifState {
    pub fn is_idle(&self) -> bool {
        matches!(self, GifState::Tag)
    }
}

/// The REGLIST / PACKED descriptor → register number mapping for the descriptors that name a
/// register directly.
fn descriptor_register(descriptor: u8) -> Option<u8> {
    Some(match descriptor {
        0x0 => gp::PRIM,
        0x1 => gp::RGBAQ,
        0x2 => gp::ST,
        0x3 => gp::UV,
        0x4 => gp::XYZF2,
        0x5 => gp::XYZ2,
        0x6 => gp::TEX0_1,
        0x7 => gp::TEX0_2,
        0x8 => gp::CLAMP_1,
        0x9 => gp::CLAMP_2,
        0xA => gp::FOG,
        0xC => gp::XYZF3,
        0xD => gp::XYZ3,
        _ => return None,
    })
}

const DESCRIPTOR_A_D: u8 = 0xE;

impl Gs {
    pub(crate) fn gif_qword(&mut self, qword: u128) {
        match self.gif {
            GifState::Tag => self.gif_tag(qword),
            GifState::Image { qwords_left } => {
                self.image_data(&qword.to_le_bytes());
                self.gif = if qwords_left > 1 { GifState::Image { qwords_left: qwords_left - 1 } } else { GifState::Tag };
            }
            GifState::Registers { packed: true, .. } => {
                let descriptor = self.next_descriptor();
                self.packed_write(descriptor, qword);
            }
            GifState::Registers { packed: false, .. } => {
                // Two 64-bit register values per quadword; after the last register of the
                // last loop the rest of the quadword is padding.
                for half in [qword as u64, (qword >> 64) as u64] {
                    if matches!(self.gif, GifState::Tag) {
                        break;
                    }
                    let descriptor = self.next_descriptor();
                    // A+D and NOP descriptors carry no register in REGLIST mode.
                    if let Some(register) = descriptor_register(descriptor) {
                        self.write_register(register, half);
                    }
                }
            }
        }
    }

    fn gif_tag(&mut self, tag: u128) {
        let low = tag as u64;
        let nloop = field(low, 0, 15) as u32;
        let pre = field(low, 46, 1) != 0;
        let prim = field(low, 47, 11);
        let format = field(low, 58, 2);
        let nreg = match field(low, 60, 4) as u32 {
            0 => 16,
            n => n,
        };
        let descriptors = (tag >> 64) as u64;
        match format {
            0 | 1 => {
                let packed = format == 0;
                if packed && pre {
                    self.write_register(gp::PRIM, prim);
                }
                if nloop > 0 {
                    self.gif = GifState::Registers { packed, loops_left: nloop, nreg, descriptors, index: 0 };
                }
            }
            // FLG 3 behaves as IMAGE on hardware.
            _ => {
                if nloop > 0 {
                    self.gif = GifState::Image { qwords_left: nloop };
                }
            }
        }
    }

    /// The current register descriptor; advances the loop state (back to `Tag` at the end).
    fn next_descriptor(&mut self) -> u8 {
        let GifState::Registers { packed, loops_left, nreg, descriptors, index } = self.gif else {
            unreachable!("only called while register data is expected");
        };
        let descriptor = field(descriptors, 4 * index, 4) as u8;
        self.gif = if index + 1 < nreg {
            GifState::Registers { packed, loops_left, nreg, descriptors, index: index + 1 }
        } else if loops_left > 1 {
            GifState::Registers { packed, loops_left: loops_left - 1, nreg, descriptors, index: 0 }
        } else {
            GifState::Tag
        };
        descriptor
    }

    /// One PACKED-mode quadword.
    fn packed_write(&mut self, descriptor: u8, qword: u128) {
        let word = |index: u32| (qword >> (32 * index)) as u32 as u64;
        let low = qword as u64;
        match descriptor {
            0x1 => {
                // RGBAQ: one channel per 32-bit word; Q comes from the last packed ST.
                let rgba = (word(0) & 0xFF) | (word(1) & 0xFF) << 8 | (word(2) & 0xFF) << 16 | (word(3) & 0xFF) << 24;
                let q = u64::from(self.packed_q.to_bits()) << 32;
                self.write_register(gp::RGBAQ, rgba | q);
            }
            0x2 => {
                self.packed_q = f32::from_bits(word(2) as u32);
                self.write_register(gp::ST, low);
            }
            0x3 => self.write_register(gp::UV, (word(0) & 0x3FFF) | (word(1) & 0x3FFF) << 16),
            0x4 => {
                let xy = (word(0) & 0xFFFF) | (word(1) & 0xFFFF) << 16;
                let z = (word(2) >> 4) & 0xFF_FFFF;
                let f = (word(3) >> 4) & 0xFF;
                let no_kick = (qword >> 111) & 1 != 0;
                self.write_register(if no_kick { gp::XYZF3 } else { gp::XYZF2 }, xy | z << 32 | f << 56);
            }
            0x5 => {
                let xy = (word(0) & 0xFFFF) | (word(1) & 0xFFFF) << 16;
                let no_kick = (qword >> 111) & 1 != 0;
                self.write_register(if no_kick { gp::XYZ3 } else { gp::XYZ2 }, xy | word(2) << 32);
            }
            0xA => self.write_register(gp::FOG, ((word(3) >> 4) & 0xFF) << 56),
            DESCRIPTOR_A_D => self.write_register(field((qword >> 64) as u64, 0, 8) as u8, low),
            0xF => {}
            other => {
                if let Some(register) = descriptor_register(other) {
                    self.write_register(register, low);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GIFtag from its fields.
    fn tag(nloop: u32, eop: bool, flg: u64, nreg: u64, regs: u64) -> u128 {
        let low = u64::from(nloop) | u64::from(eop) << 15 | flg << 58 | nreg << 60;
        u128::from(low) | u128::from(regs) << 64
    }

    #[test]
    fn packed_a_plus_d_writes_registers_and_returns_to_tag_state() {
        let mut gs = Gs::new();
        let a_d = |register: u8, value: u64| u128::from(value) | u128::from(register) << 64;
        gs.process_gif(&[tag(2, true, 0, 1, 0xE), a_d(gp::FRAME_1, 0xA_0000), a_d(gp::FINISH, 0)]);
        assert_eq!(gs.register(gp::FRAME_1), 0xA_0000);
        assert!(gs.gif_idle());
        assert_eq!(gs.read_privileged(crate::regs::privileged::CSR) & 2, 2, "FINISH set");
    }

    #[test]
    fn reglist_pairs_registers_and_skips_padding() {
        let mut gs = Gs::new();
        // Descriptors RGBAQ, UV; 3 loops = 6 registers = 3 quadwords.
        gs.process_gif(&[tag(3, true, 1, 2, 0x31)]);
        let pair = |a: u64, b: u64| u128::from(a) | u128::from(b) << 64;
        gs.process_gif(&[pair(0x11, 0x22), pair(0x33, 0x44), pair(0x55, 0x66)]);
        assert_eq!((gs.register(gp::RGBAQ), gs.register(gp::UV)), (0x55, 0x66));
        assert!(gs.gif_idle());
        // Odd count: 1 loop of 1 register; the upper half is padding and must not be used.
        gs.process_gif(&[tag(1, true, 1, 1, 0x1), pair(0x77, 0x1234)]);
        assert_eq!(gs.register(gp::RGBAQ), 0x77);
        assert!(gs.gif_idle());
    }

    #[test]
    fn packed_formats_unpack_their_fields() {
        let mut gs = Gs::new();
        let words = |a: u32, b: u32, c: u32, d: u32| {
            u128::from(a) | u128::from(b) << 32 | u128::from(c) << 64 | u128::from(d) << 96
        };
        gs.process_gif(&[tag(1, true, 0, 3, 0x312), words(0, 0, 2.0f32.to_bits(), 0), words(1, 2, 3, 4), words(5, 6, 0, 0)]);
        let rgbaq = gs.register(gp::RGBAQ);
        assert_eq!(rgbaq & 0xFFFF_FFFF, 0x0403_0201);
        assert_eq!(f32::from_bits((rgbaq >> 32) as u32), 2.0);
        assert_eq!(gs.register(gp::UV), 5 | 6 << 16);
    }
}
