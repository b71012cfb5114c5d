//! The DMA controller: ten channels plus global control (0x1000_8000..0x1000_E060).
//!
//! All addresses written to MADR/TADR/ASR are physical ([`crate::cache::physical_address`]) and 16-byte aligned;
//! QWC counts 128-bit quadwords (at most 65535).

use bitflags::bitflags;
use volatile_register::{RO, RW};

/// The registers of one channel. Not every channel has every register (see the table in the reference notes).
#[repr(C)]
pub struct Channel {
    /// Channel control ([`Chcr`]).
    pub chcr: RW<u32>,
    _pad0: [u32; 3],
    /// Memory address of the next transfer.
    pub madr: RW<u32>,
    _pad1: [u32; 3],
    /// Quadwords left to transfer.
    pub qwc: RW<u32>,
    _pad2: [u32; 3],
    /// Address of the next tag (chain mode).
    pub tadr: RW<u32>,
    _pad3: [u32; 3],
    /// Address stack 0 (call/ret tags).
    pub asr0: RW<u32>,
    _pad4: [u32; 3],
    /// Address stack 1.
    pub asr1: RW<u32>,
    _pad5: [u32; 11],
    /// Scratchpad address (channels 8 and 9).
    pub sadr: RW<u32>,
}

/// A DMAC channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ChannelId {
    Vif0,
    Vif1,
    Gif,
    FromIpu,
    ToIpu,
    Sif0,
    Sif1,
    Sif2,
    FromSpr,
    ToSpr,
}

impl ChannelId {
    /// The channel's register block address.
    pub const fn base(self) -> usize {
        match self {
            ChannelId::Vif0 => 0x1000_8000,
            ChannelId::Vif1 => 0x1000_9000,
            ChannelId::Gif => 0x1000_A000,
            ChannelId::FromIpu => 0x1000_B000,
            ChannelId::ToIpu => 0x1000_B400,
            ChannelId::Sif0 => 0x1000_C000,
            ChannelId::Sif1 => 0x1000_C400,
            ChannelId::Sif2 => 0x1000_C800,
            ChannelId::FromSpr => 0x1000_D000,
            ChannelId::ToSpr => 0x1000_D400,
        }
    }

    /// The channel's number (its bit in D_STAT).
    pub const fn number(self) -> u32 {
        self as u32
    }
}

/// The registers of a channel.
pub fn channel(id: ChannelId) -> &'static Channel {
    // SAFETY: `base()` is the channel's register block.
    unsafe { super::block(id.base()) }
}

bitflags! {
    /// CHCR bits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Chcr: u32 {
        /// Direction: 1 = from memory.
        const FROM_MEMORY = 1 << 0;
        /// Chain mode (MOD = 1).
        const MODE_CHAIN = 1 << 2;
        /// Interleave mode (MOD = 2).
        const MODE_INTERLEAVE = 2 << 2;
        /// Transfer the tag's upper 64 bits too (VIF chains).
        const TAG_TRANSFER = 1 << 6;
        /// Interrupt when a tag with IRQ set completes.
        const TAG_INTERRUPT = 1 << 7;
        /// Start / busy.
        const START = 1 << 8;
        /// Keep the bits this type does not name (ASP, TAG) on read-modify-write.
        const _ = !0;
    }
}

/// Global DMAC control registers at 0x1000_E000.
#[repr(C)]
pub struct Control {
    /// D_CTRL: DMAE bit 0 enables the DMAC.
    pub ctrl: RW<u32>,
    _pad0: [u32; 3],
    /// D_STAT: CIS bits 0-9 (write 1 to clear), CIM bits 16-25 (write 1 to toggle).
    pub stat: RW<u32>,
    _pad1: [u32; 3],
    /// D_PCR: priority control.
    pub pcr: RW<u32>,
    _pad2: [u32; 3],
    /// D_SQWC: interleave skip/transfer sizes.
    pub sqwc: RW<u32>,
    _pad3: [u32; 3],
    /// D_RBSR: ring buffer size.
    pub rbsr: RW<u32>,
    _pad4: [u32; 3],
    /// D_RBOR: ring buffer offset.
    pub rbor: RW<u32>,
    _pad5: [u32; 3],
    /// D_STADR: stall address.
    pub stadr: RO<u32>,
}

/// The global DMAC control block.
pub fn control() -> &'static Control {
    // SAFETY: 0x1000_E000 is D_CTRL.
    unsafe { super::block(0x1000_E000) }
}

#[cfg(test)]
mod tests {
    use super::super::assert_offset;
    use super::*;

    #[test]
    fn offsets_match_ee_regs_h() {
        assert_offset!(Channel, chcr, 0x00);
        assert_offset!(Channel, madr, 0x10);
        assert_offset!(Channel, qwc, 0x20);
        assert_offset!(Channel, tadr, 0x30);
        assert_offset!(Channel, asr0, 0x40);
        assert_offset!(Channel, asr1, 0x50);
        assert_offset!(Channel, sadr, 0x80);
        assert_offset!(Control, stat, 0x10);
        assert_offset!(Control, stadr, 0x60);
        assert_eq!(ChannelId::Sif1.base(), 0x1000_C400);
        assert_eq!(ChannelId::ToSpr.number(), 9);
    }

    #[test]
    fn chcr_normal_send_is_0x101() {
        assert_eq!((Chcr::FROM_MEMORY | Chcr::START).bits(), 0x101);
        assert_eq!((Chcr::FROM_MEMORY | Chcr::MODE_CHAIN | Chcr::TAG_INTERRUPT | Chcr::START).bits(), 0x185);
    }
}
