//! The DMAC register file and source-chain walking.
//!
//! Writing CHCR with STR (bit 8) set asks the machine to run that channel: [`Dmac::write`]
//! returns the channel number and the machine's bus performs the transfer, then calls
//! [`Dmac::complete`], which clears STR and sets the channel's CIS bit in D_STAT. The
//! scratchpad channels (8, 9) take bus time ([`spr_transfer_cycles`]) and complete when it has
//! passed; the other channels still complete at once (documented in the crate README).

/// Register block base (offset from `0x1000_0000`) of each channel 0-9.
const CHANNEL_BASES: [u32; 10] =
    [0x8000, 0x9000, 0xA000, 0xB000, 0xB400, 0xC000, 0xC400, 0xC800, 0xD000, 0xD400];

/// DMA channel from the scratchpad to memory (fromSPR).
pub const CH_FROM_SPR: usize = 8;
/// DMA channel from memory to the scratchpad (toSPR).
pub const CH_TO_SPR: usize = 9;

/// DMA channel of the GIF (PATH3).
pub const CH_GIF: usize = 2;
/// DMA channel SIF0 (IOP→EE).
pub const CH_SIF0: usize = 5;
/// DMA channel SIF1 (EE→IOP).
pub const CH_SIF1: usize = 6;

/// CHCR.STR: the channel is running.
pub const CHCR_STR: u32 = 0x100;

/// D_CTRL.RELE: cycle stealing on (the EE's bus requests win over DMA, reference §3.7).
pub const CTRL_RELE: u32 = 0x2;

/// EE cycles per quadword a burst channel moves at the bus's peak: the bus is 128 bits wide at
/// BUSCLK = EE clock / 2, one quadword per bus cycle (D: EECUM §1.7, EEUM §1.1; reference §3.6).
pub const BUS_CYCLES_PER_QWORD_EE: u64 = 2;

/// Share of the bus's peak a DMA transfer achieves, in percent (D: MPR99, "about 85 %" for
/// packets of 8 quadwords, reference §3.6). Applying it to the scratchpad's burst transfers is
/// our inference (X): the per-slice and start-up overheads are unknown as numbers (§3.7).
pub const BUS_EFFICIENCY_PERCENT: u64 = 85;

/// EE cycles a scratchpad transfer of `qwc` quadwords holds the bus:
/// ⌈`qwc` × [`BUS_CYCLES_PER_QWORD_EE`] × 100 / [`BUS_EFFICIENCY_PERCENT`]⌉ (so 40/17 cycles a
/// quadword; 16 quadwords take 38 cycles).
pub const fn spr_transfer_cycles(qwc: u64) -> u64 {
    (qwc * BUS_CYCLES_PER_QWORD_EE * 100).div_ceil(BUS_EFFICIENCY_PERCENT)
}

/// Registers of one channel.
#[derive(Default, Debug, Clone, Copy)]
pub struct Channel {
    /// Channel control.
    pub chcr: u32,
    /// Memory address.
    pub madr: u32,
    /// Quadword count.
    pub qwc: u32,
    /// Tag address.
    pub tadr: u32,
    /// Address stack 0 (call/ret).
    pub asr0: u32,
    /// Address stack 1.
    pub asr1: u32,
    /// Scratchpad address (channels 8/9).
    pub sadr: u32,
}

/// The DMA controller's registers.
#[derive(Default, Debug, Clone)]
pub struct Dmac {
    /// Channels 0-9.
    pub channels: [Channel; 10],
    /// D_CTRL.
    pub ctrl: u32,
    /// D_STAT (CIS bits 0-9, CIM bits 16-25).
    pub stat: u32,
    /// D_PCR.
    pub pcr: u32,
    /// D_SQWC.
    pub sqwc: u32,
    /// D_RBSR.
    pub rbsr: u32,
    /// D_RBOR.
    pub rbor: u32,
    /// D_STADR.
    pub stadr: u32,
    /// D_ENABLE (bit 16 suspends all DMA).
    pub enable: u32,
    /// Channels whose transfer is in flight (bit per channel): a CHCR write keeps their STR.
    pub running: u32,
}

fn locate(addr: u32) -> Option<(usize, u32)> {
    let off = addr - 0x1000_0000;
    CHANNEL_BASES
        .iter()
        .enumerate()
        .find(|(_, base)| off >= **base && off < **base + 0x100)
        .map(|(ch, base)| (ch, off - base))
}

impl Dmac {
    /// Reads a DMAC register.
    pub fn read(&self, addr: u32) -> u32 {
        match addr {
            0x1000_E000 => self.ctrl,
            0x1000_E010 => self.stat,
            0x1000_E020 => self.pcr,
            0x1000_E030 => self.sqwc,
            0x1000_E040 => self.rbsr,
            0x1000_E050 => self.rbor,
            0x1000_E060 => self.stadr,
            0x1000_F520 => self.enable,
            _ => match locate(addr) {
                Some((ch, reg)) => {
                    let c = &self.channels[ch];
                    match reg {
                        0x00 => c.chcr,
                        0x10 => c.madr,
                        0x20 => c.qwc,
                        0x30 => c.tadr,
                        0x40 => c.asr0,
                        0x50 => c.asr1,
                        0x80 => c.sadr,
                        _ => 0,
                    }
                }
                None => 0,
            },
        }
    }

    /// Writes a DMAC register; returns `Some(channel)` when the write starts a transfer.
    pub fn write(&mut self, addr: u32, value: u32) -> Option<usize> {
        match addr {
            0x1000_E000 => self.ctrl = value,
            // CIS bits are write-1-to-clear, CIM bits write-1-to-toggle.
            0x1000_E010 => {
                self.stat &= !(value & 0x0000_FFFF);
                self.stat ^= value & 0xFFFF_0000;
            }
            0x1000_E020 => self.pcr = value,
            0x1000_E030 => self.sqwc = value,
            0x1000_E040 => self.rbsr = value,
            0x1000_E050 => self.rbor = value,
            0x1000_E060 => self.stadr = value,
            0x1000_F590 => self.enable = value,
            _ => {
                let (ch, reg) = locate(addr)?;
                let c = &mut self.channels[ch];
                match reg {
                    0x00 => {
                        if self.running & (1 << ch) != 0 {
                            // Stopping or restarting a running channel is not simulated: it
                            // keeps running with the bits it started with.
                            return None;
                        }
                        c.chcr = value;
                        if value & CHCR_STR != 0 {
                            return Some(ch);
                        }
                    }
                    0x10 => c.madr = value,
                    0x20 => c.qwc = value & 0xFFFF,
                    0x30 => c.tadr = value,
                    0x40 => c.asr0 = value,
                    0x50 => c.asr1 = value,
                    0x80 => c.sadr = value & 0x3FFF,
                    _ => {}
                }
            }
        }
        None
    }

    /// Marks a channel's transfer finished: STR off, CIS on.
    pub fn complete(&mut self, ch: usize) {
        self.channels[ch].chcr &= !CHCR_STR;
        self.channels[ch].qwc = 0;
        self.stat |= 1 << ch;
        self.running &= !(1 << ch);
    }

    /// Channels whose completion is pending and whose interrupt is unmasked (CIS & CIM).
    pub fn pending_interrupts(&self) -> u32 {
        self.stat & (self.stat >> 16) & 0x3FF
    }
}

/// A DMA transfer the machine could not perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DmaError {
    /// An address outside RAM/scratchpad.
    BadAddress {
        /// The DMAC address.
        addr: u32,
    },
    /// A chain with more tags than any sane program sends (a loop in the tag list).
    RunawayChain,
    /// A tag id the source-chain mode does not define for this use.
    BadTag {
        /// The tag id (bits 28-30).
        id: u32,
        /// Where the tag was.
        addr: u32,
    },
    /// A transfer mode this simulator does not perform (said plainly rather than faked).
    Unsupported {
        /// The channel.
        channel: usize,
        /// What is missing.
        detail: &'static str,
    },
}

impl std::fmt::Display for DmaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DmaError::BadAddress { addr } => write!(f, "DMA address {addr:#010x} is outside RAM"),
            DmaError::RunawayChain => write!(f, "DMA chain did not end after 1,000,000 tags"),
            DmaError::BadTag { id, addr } => write!(f, "DMA tag id {id} at {addr:#010x} is invalid"),
            DmaError::Unsupported { channel, detail } => write!(f, "DMA channel {channel}: {detail} is not simulated"),
        }
    }
}

/// Reads `qwc` quadwords starting at DMAC address `addr` through `read`.
fn read_qwords(
    read: &dyn Fn(u32, usize) -> Option<Vec<u8>>,
    addr: u32,
    qwc: u32,
    out: &mut Vec<u128>,
) -> Result<(), DmaError> {
    if qwc == 0 {
        return Ok(());
    }
    let bytes = read(addr & !0xF, qwc as usize * 16).ok_or(DmaError::BadAddress { addr })?;
    out.extend(bytes.as_chunks::<16>().0.iter().map(|&c| u128::from_le_bytes(c)));
    Ok(())
}

/// Collects the data a memory→peripheral transfer sends: normal mode (MOD=0) reads QWC
/// quadwords at MADR, source-chain mode (MOD=1) follows the tags from TADR (ps2-ee.md §4.3).
/// `read(addr, len)` reads physical memory. Tag words themselves are not sent (TTE is
/// ignored: the GIF does not use it).
pub fn collect_source(
    channel: &mut Channel,
    read: &dyn Fn(u32, usize) -> Option<Vec<u8>>,
) -> Result<Vec<u128>, DmaError> {
    let mut out = Vec::new();
    let mode = (channel.chcr >> 2) & 3;
    if mode != 1 {
        read_qwords(read, channel.madr, channel.qwc, &mut out)?;
        channel.madr = channel.madr.wrapping_add(channel.qwc * 16);
        return Ok(out);
    }
    // Chain mode: first transfer any QWC already set, as the hardware does.
    read_qwords(read, channel.madr, channel.qwc, &mut out)?;
    let mut stack: Vec<u32> = Vec::new();
    let mut tadr = channel.tadr;
    for _ in 0..1_000_000 {
        let tag_bytes = read(tadr & !0xF, 16).ok_or(DmaError::BadAddress { addr: tadr })?;
        let lo = u64::from_le_bytes(tag_bytes[0..8].try_into().unwrap());
        let qwc = (lo & 0xFFFF) as u32;
        let id = ((lo >> 28) & 7) as u32;
        let addr = ((lo >> 32) & 0xFFFF_FFFF) as u32;
        channel.chcr = (channel.chcr & 0xFFFF) | ((lo as u32) & 0xFFFF_0000);
        let after_tag = tadr.wrapping_add(16);
        let data_after = after_tag.wrapping_add(qwc * 16);
        let end = match id {
            0 => {
                read_qwords(read, addr, qwc, &mut out)?;
                true
            }
            1 => {
                read_qwords(read, after_tag, qwc, &mut out)?;
                tadr = data_after;
                false
            }
            2 => {
                read_qwords(read, after_tag, qwc, &mut out)?;
                tadr = addr;
                false
            }
            3 | 4 => {
                read_qwords(read, addr, qwc, &mut out)?;
                tadr = after_tag;
                false
            }
            5 => {
                read_qwords(read, after_tag, qwc, &mut out)?;
                if stack.len() >= 2 {
                    return Err(DmaError::BadTag { id, addr: tadr });
                }
                stack.push(data_after);
                tadr = addr;
                false
            }
            6 => {
                read_qwords(read, after_tag, qwc, &mut out)?;
                match stack.pop() {
                    Some(ret) => {
                        tadr = ret;
                        false
                    }
                    None => true,
                }
            }
            7 => {
                read_qwords(read, after_tag, qwc, &mut out)?;
                true
            }
            _ => unreachable!("id is 3 bits"),
        };
        // An IRQ tag with TIE set also ends the transfer.
        let irq_stop = lo & 0x8000_0000 != 0 && channel.chcr & 0x80 != 0;
        if end || irq_stop {
            channel.tadr = tadr;
            return Ok(out);
        }
    }
    Err(DmaError::RunawayChain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ram_reader(ram: &[u8]) -> impl Fn(u32, usize) -> Option<Vec<u8>> + '_ {
        move |addr, len| ram.get(addr as usize..addr as usize + len).map(|s| s.to_vec())
    }

    fn put_qw(ram: &mut [u8], addr: usize, v: u128) {
        ram[addr..addr + 16].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn chcr_str_requests_a_start_and_complete_sets_cis() {
        let mut d = Dmac::default();
        assert_eq!(d.write(0x1000_A000, 0x101), Some(CH_GIF));
        assert_eq!(d.write(0x1000_A010, 0x1000), None);
        assert_eq!(d.read(0x1000_A010), 0x1000);
        d.complete(CH_GIF);
        assert_eq!(d.read(0x1000_A000) & CHCR_STR, 0);
        assert_eq!(d.stat & 4, 4);
        // CIM toggles, CIS clears.
        d.write(0x1000_E010, (1 << 18) | 4);
        assert_eq!(d.stat, 1 << 18);
    }

    #[test]
    fn normal_mode_reads_qwc_quadwords() {
        let mut ram = vec![0u8; 0x1000];
        put_qw(&mut ram, 0x100, 7);
        put_qw(&mut ram, 0x110, 8);
        let mut ch = Channel { chcr: 0x101, madr: 0x100, qwc: 2, ..Channel::default() };
        assert_eq!(collect_source(&mut ch, &ram_reader(&ram)).unwrap(), vec![7, 8]);
    }

    #[test]
    fn chain_mode_follows_cnt_ref_call_ret_end() {
        let mut ram = vec![0u8; 0x1000];
        let tag = |qwc: u128, id: u128, addr: u128| qwc | (id << 28) | (addr << 32);
        put_qw(&mut ram, 0x000, tag(1, 1, 0)); // cnt: 1 qw follows
        put_qw(&mut ram, 0x010, 0xA);
        put_qw(&mut ram, 0x020, tag(1, 3, 0x400)); // ref: data at 0x400
        put_qw(&mut ram, 0x030, tag(0, 5, 0x200)); // call 0x200
        put_qw(&mut ram, 0x040, tag(1, 7, 0)); // end with 1 qw
        put_qw(&mut ram, 0x050, 0xE);
        put_qw(&mut ram, 0x200, tag(1, 6, 0)); // ret with 1 qw
        put_qw(&mut ram, 0x210, 0xC);
        put_qw(&mut ram, 0x400, 0xB);
        let mut ch = Channel { chcr: 0x105, tadr: 0, ..Channel::default() };
        assert_eq!(collect_source(&mut ch, &ram_reader(&ram)).unwrap(), vec![0xA, 0xB, 0xC, 0xE]);
    }

    #[test]
    fn looping_chain_is_an_error_not_a_hang() {
        let mut ram = vec![0u8; 0x100];
        put_qw(&mut ram, 0, 2u128 << 28); // next → 0, forever
        let mut ch = Channel { chcr: 0x105, ..Channel::default() };
        assert_eq!(collect_source(&mut ch, &ram_reader(&ram)), Err(DmaError::RunawayChain));
    }
}
