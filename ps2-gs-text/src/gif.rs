//! GIF packets: GIFtags and PACKED A+D register writes (the GIFtag layout of ps2sdk's
//! `common/include/gif_tags.h`: NLOOP bits 0-14, EOP 15, PRE 46, PRIM 47-57, FLG 58-59, NREG 60-63, the register
//! descriptors from bit 64, descriptor 0xE = A+D).
//!
//! Everything this crate sends to the GS is one kind of packet: a single GIFtag in PACKED mode with one A+D
//! descriptor and EOP set, followed by `NLOOP` quadwords that each carry a 64-bit register value (bits 0-63)
//! and a register number (bits 64-71). It is the simplest format the GIF has, so the same bytes work on the
//! hardware, in PCSX2 and in a small software GS model.

/// GS general-purpose register numbers used by this crate (written through A+D).
#[allow(missing_docs)]
pub mod reg {
    pub const PRIM: u8 = 0x00;
    pub const RGBAQ: u8 = 0x01;
    pub const XYZ2: u8 = 0x05;
    pub const XYOFFSET_1: u8 = 0x18;
    pub const PRMODECONT: u8 = 0x1A;
    pub const SCISSOR_1: u8 = 0x40;
    pub const ALPHA_1: u8 = 0x42;
    pub const DTHE: u8 = 0x45;
    pub const COLCLAMP: u8 = 0x46;
    pub const TEST_1: u8 = 0x47;
    pub const PABE: u8 = 0x49;
    pub const FBA_1: u8 = 0x4A;
    pub const FRAME_1: u8 = 0x4C;
    pub const ZBUF_1: u8 = 0x4E;
    pub const FINISH: u8 = 0x61;
}

/// The GIFtag's register descriptor meaning "address + data" (register number in the quadword itself).
const DESCRIPTOR_A_D: u128 = 0xE;
/// FLG value for PACKED mode.
const FLG_PACKED: u128 = 0;

/// The largest NLOOP a GIFtag can hold (15 bits).
pub const MAX_NLOOP: usize = 0x7FFF;

/// Builds the GIFtag of a PACKED A+D packet carrying `nloop` register writes.
///
/// `eop` marks the end of the GIF packet (PATH3 transfers end with it).
pub const fn ad_tag(nloop: u16, eop: bool) -> u128 {
    let nloop = (nloop as u128) & MAX_NLOOP as u128;
    nloop | (eop as u128) << 15 | FLG_PACKED << 58 | 1 << 60 | DESCRIPTOR_A_D << 64
}

/// One A+D quadword: `value` goes to GS register `register`.
pub const fn ad(register: u8, value: u64) -> u128 {
    value as u128 | (register as u128) << 64
}

/// Returned when a packet has no room for the requested writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketFull;

impl core::fmt::Display for PacketFull {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("GIF packet buffer is full")
    }
}

/// One quadword of a packet, 16-byte aligned so that the packet can be sent by DMA from where it is.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Qword(u128);

const _: () = assert!(core::mem::size_of::<Qword>() == 16 && core::mem::align_of::<Qword>() >= core::mem::align_of::<u128>());

/// A GIF packet of A+D register writes in a 16-byte aligned buffer of `N` quadwords (the tag included),
/// ready to be sent by DMA.
pub struct AdPacket<const N: usize> {
    /// The GIFtag's slot, then the writes; empty until the first write.
    qwords: heapless::Vec<Qword, N>,
}

impl<const N: usize> Default for AdPacket<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> AdPacket<N> {
    /// The most register writes one packet holds.
    pub const CAPACITY: usize = if N - 1 < MAX_NLOOP { N - 1 } else { MAX_NLOOP };

    /// An empty packet. `N` must be at least 2 (a tag and one write).
    pub const fn new() -> Self {
        assert!(N >= 2, "an A+D packet needs room for its tag and one write");
        AdPacket { qwords: heapless::Vec::new() }
    }

    /// The number of register writes in the packet.
    pub fn len(&self) -> usize {
        self.qwords.len().saturating_sub(1)
    }

    /// Whether the packet holds no writes.
    pub fn is_empty(&self) -> bool {
        self.qwords.is_empty()
    }

    /// How many more writes fit.
    pub fn remaining(&self) -> usize {
        Self::CAPACITY - self.len()
    }

    /// Appends a register write.
    pub fn push(&mut self, register: u8, value: u64) -> Result<(), PacketFull> {
        if self.len() >= Self::CAPACITY {
            return Err(PacketFull);
        }
        if self.qwords.is_empty() {
            // The tag's slot; `finish` fills it in once the write count is known.
            self.qwords.push(Qword(0)).map_err(|_| PacketFull)?;
        }
        self.qwords.push(Qword(ad(register, value))).map_err(|_| PacketFull)
    }

    /// Drops every write.
    pub fn clear(&mut self) {
        self.qwords.clear();
    }

    /// Writes the GIFtag and returns the whole packet (tag + writes), 16-byte aligned. Empty packets give an
    /// empty slice: there is nothing worth sending.
    pub fn finish(&mut self) -> &[u128] {
        let writes = self.len() as u16;
        match self.qwords.first_mut() {
            None => &[],
            Some(tag) => {
                tag.0 = ad_tag(writes, true);
                // SAFETY: `Qword` is a `u128` padded to nothing (size 16, checked above) with an alignment at
                // least `u128`'s, so the initialised quadwords are also valid `u128`s.
                unsafe { core::slice::from_raw_parts(self.qwords.as_ptr().cast::<u128>(), self.qwords.len()) }
            }
        }
    }
}

/// Where finished GIF packets go: the GIF DMA channel on the EE ([`crate::hw::GifDma`]), or a recorder /
/// software GS in host tests.
pub trait GifSink {
    /// Sends one complete GIF packet (it starts with a GIFtag and its last tag has EOP set). The slice is
    /// 16-byte aligned. Returns once the data may be overwritten.
    fn send(&mut self, packet: &[u128]);
}

impl<T: GifSink + ?Sized> GifSink for &mut T {
    fn send(&mut self, packet: &[u128]) {
        (**self).send(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_tag_fields() {
        let tag = ad_tag(14, true);
        assert_eq!(tag & 0x7FFF, 14);
        assert_eq!((tag >> 15) & 1, 1, "EOP");
        assert_eq!((tag >> 58) & 3, 0, "PACKED");
        assert_eq!((tag >> 60) & 0xF, 1, "NREG");
        assert_eq!((tag >> 64) & 0xF, 0xE, "A+D descriptor");
        // The debug library's 14-write setup tag, decoded in the reference notes: NLOOP 14, EOP, NREG 1, A+D.
        assert_eq!(tag, 0x0000_0000_0000_000E_1000_0000_0000_800E);
    }

    #[test]
    fn ad_quadword_carries_value_and_register() {
        assert_eq!(ad(reg::FRAME_1, 0x000A_0000), 0x4C_0000_0000_000A_0000);
    }

    #[test]
    fn packet_fills_patches_tag_and_reports_full() {
        let mut packet = AdPacket::<3>::new();
        assert!(packet.finish().is_empty());
        packet.push(reg::PRIM, 6).unwrap();
        packet.push(reg::RGBAQ, 1).unwrap();
        assert_eq!(packet.push(reg::XYZ2, 0), Err(PacketFull));
        let bytes = packet.finish();
        assert_eq!(bytes.len(), 3);
        assert_eq!(bytes[0], ad_tag(2, true));
        assert_eq!(bytes[1], ad(reg::PRIM, 6));
        assert_eq!(bytes.as_ptr() as usize % 16, 0);
        packet.clear();
        assert_eq!(packet.remaining(), 2);
    }
}
