//! [`Hardware`]: the EE's memories plus its I/O devices — everything the CPU reaches through
//! loads and stores. The `r5900::Bus` implementation for it lives in the private `bus` module.

use crate::io::{Io, dmac};
use crate::memory::Memory;

/// Memory and devices of the simulated EE.
pub struct Hardware {
    /// RAM, scratchpad, VU memory, IOP RAM.
    pub mem: Memory,
    /// I/O registers and devices.
    pub io: Io,
    /// Simulated time in EE cycles, updated by the machine before handing control to the CPU
    /// (timer registers are computed from it).
    pub now: u64,
    /// The first DMA error, reported by the machine at its next check.
    pub dma_error: Option<dmac::DmaError>,
}

impl Hardware {
    /// Fresh hardware; the console echoes to stdout when `echo_console`.
    pub fn new(echo_console: bool) -> Self {
        Hardware { mem: Memory::new(), io: Io::new(echo_console), now: 0, dma_error: None }
    }

    /// Runs the transfer a CHCR write started on `channel`, at once. DMA reads and writes
    /// memory behind the CPU's data cache (the `memory` arrays): dirty lines not written back
    /// are not seen, and valid lines are not updated.
    pub fn run_dma(&mut self, channel: usize) {
        let mem = &self.mem;
        let read = |addr: u32, len: usize| mem.dma_slice(addr, len).map(|s| s.to_vec());
        // Other channels have no consumer in this simulator: the transfer completes and its
        // data goes nowhere (SIF traffic goes through the kernel HLE, not these registers).
        if channel == dmac::CH_TO_SPR || channel == dmac::CH_FROM_SPR {
            if let Err(e) = self.run_spr_dma(channel) {
                self.dma_error.get_or_insert(e);
            }
        } else if channel == dmac::CH_GIF {
            let mut ch = self.io.dmac.channels[channel];
            match dmac::collect_source(&mut ch, &read) {
                Ok(data) => self.io.with_gs_events(|gs| gs.process_gif(&data)),
                Err(e) => {
                    self.dma_error.get_or_insert(e);
                }
            }
            self.io.dmac.channels[channel] = ch;
        }
        self.io.dmac.complete(channel);
    }

    /// toSPR (memory → scratchpad; normal or source-chain mode) and fromSPR (scratchpad →
    /// memory; normal mode) at SADR, which wraps at 16 KiB.
    fn run_spr_dma(&mut self, channel: usize) -> Result<(), dmac::DmaError> {
        let mut ch = self.io.dmac.channels[channel];
        let spr_len = self.mem.scratchpad.len();
        if channel == dmac::CH_TO_SPR {
            let mem = &self.mem;
            let read = |addr: u32, len: usize| mem.dma_slice(addr, len).map(|s| s.to_vec());
            let data = dmac::collect_source(&mut ch, &read)?;
            for q in data {
                let at = ch.sadr as usize & (spr_len - 1) & !0xF;
                self.mem.scratchpad[at..at + 16].copy_from_slice(&q.to_le_bytes());
                ch.sadr = (ch.sadr + 16) & (spr_len as u32 - 1);
            }
        } else {
            if (ch.chcr >> 2) & 3 != 0 {
                return Err(dmac::DmaError::Unsupported { channel, detail: "fromSPR destination-chain mode" });
            }
            for _ in 0..ch.qwc {
                let at = ch.sadr as usize & (spr_len - 1) & !0xF;
                let q: [u8; 16] = self.mem.scratchpad[at..at + 16].try_into().expect("a quadword");
                let dest = self.mem.dma_slice_mut(ch.madr & !0xF, 16).ok_or(dmac::DmaError::BadAddress { addr: ch.madr })?;
                dest.copy_from_slice(&q);
                ch.madr = ch.madr.wrapping_add(16);
                ch.sadr = (ch.sadr + 16) & (spr_len as u32 - 1);
            }
        }
        self.io.dmac.channels[channel] = ch;
        Ok(())
    }
}
