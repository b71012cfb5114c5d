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

    /// Runs the transfer a CHCR write started on `channel`, at once.
    pub fn run_dma(&mut self, channel: usize) {
        let mem = &self.mem;
        let read = |addr: u32, len: usize| mem.dma_slice(addr, len).map(|s| s.to_vec());
        // Other channels have no consumer in this simulator: the transfer completes and its
        // data goes nowhere (SIF traffic goes through the kernel HLE, not these registers).
        if channel == dmac::CH_GIF {
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
}
