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
    /// The CPU's cycle at its latest data access ([`r5900::Bus::sync_cycle`]) or the machine's
    /// latest [`Hardware::advance`]: a scratchpad transfer started by a CHCR store starts here.
    pub bus_cycle: u64,
    /// Scratchpad transfers in flight, in the order they end.
    spr_transfers: Vec<SprTransfer>,
    /// The cycle the last scratchpad burst ends: until then it holds the bus (unless
    /// D_CTRL.RELE), and a newly started one waits for it.
    dma_bus_until: u64,
    /// End cycle of the first transfer in flight (`u64::MAX`: none).
    next_dma_end: u64,
}

/// A scratchpad transfer in flight: its data was read when it started; it lands, and the
/// channel completes, at `end`.
struct SprTransfer {
    channel: usize,
    end: u64,
    data: Vec<u128>,
    /// The channel's registers when it started (where the data goes) and after it.
    start: dmac::Channel,
    after: dmac::Channel,
}

impl Hardware {
    /// Fresh hardware; the console echoes to stdout when `echo_console`.
    pub fn new(echo_console: bool) -> Self {
        Hardware {
            mem: Memory::new(),
            io: Io::new(echo_console),
            now: 0,
            dma_error: None,
            bus_cycle: 0,
            spr_transfers: Vec::new(),
            dma_bus_until: 0,
            next_dma_end: u64::MAX,
        }
    }

    /// Runs the transfer a CHCR write started on `channel`. The scratchpad channels take bus
    /// time from [`Hardware::bus_cycle`] and complete later ([`Hardware::advance`]); the others
    /// complete at once. DMA reads and writes memory behind the CPU's data cache (the `memory`
    /// arrays): dirty lines not written back are not seen, and valid lines are not updated.
    pub fn run_dma(&mut self, channel: usize) {
        let mem = &self.mem;
        let read = |addr: u32, len: usize| mem.dma_slice(addr, len).map(|s| s.to_vec());
        // Other channels have no consumer in this simulator: the transfer completes and its
        // data goes nowhere (SIF traffic goes through the kernel HLE, not these registers).
        if channel == dmac::CH_TO_SPR || channel == dmac::CH_FROM_SPR {
            match self.start_spr_dma(channel) {
                Ok(()) => return,
                Err(e) => {
                    self.dma_error.get_or_insert(e);
                }
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

    /// Brings the scratchpad transfers up to `cycle`: each one whose end has come writes its
    /// data to its destination and completes its channel (STR off, CIS on).
    #[inline(always)]
    pub fn advance(&mut self, cycle: u64) {
        self.bus_cycle = cycle;
        if cycle >= self.next_dma_end {
            self.settle_dma(cycle);
        }
    }

    /// End cycle of the first scratchpad transfer in flight.
    pub fn next_dma_end(&self) -> Option<u64> {
        (self.next_dma_end != u64::MAX).then_some(self.next_dma_end)
    }

    /// End cycle of the first scratchpad transfer in flight whose channel interrupt is unmasked
    /// (D_STAT.CIM): when the machine must look at the DMAC again to deliver it on time.
    pub fn next_dma_interrupt(&self) -> Option<u64> {
        self.spr_transfers.iter().find(|t| self.io.dmac.stat & (0x1_0000 << t.channel) != 0).map(|t| t.end)
    }

    /// The cycle until which a scratchpad burst holds the bus against the CPU: 0 with cycle
    /// stealing on (D_CTRL.RELE, the EE's requests then win, reference §3.7).
    #[inline(always)]
    pub fn dma_bus_held_until(&self) -> u64 {
        if self.io.dmac.ctrl & dmac::CTRL_RELE != 0 { 0 } else { self.dma_bus_until }
    }

    /// Completes every transfer in flight, whatever the time (for tests that drive the
    /// hardware without a CPU).
    pub fn finish_dma(&mut self) {
        self.settle_dma(u64::MAX);
    }

    #[cold]
    fn settle_dma(&mut self, cycle: u64) {
        let spr_len = self.mem.scratchpad.len();
        while self.spr_transfers.first().is_some_and(|t| t.end <= cycle) {
            let t = self.spr_transfers.remove(0);
            for (i, q) in t.data.iter().enumerate() {
                let offset = 16 * i as u32;
                if t.channel == dmac::CH_TO_SPR {
                    let at = (t.start.sadr.wrapping_add(offset) as usize) & (spr_len - 1) & !0xF;
                    self.mem.scratchpad[at..at + 16].copy_from_slice(&q.to_le_bytes());
                } else {
                    let to = (t.start.madr & !0xF).wrapping_add(offset);
                    // Checked when the transfer started.
                    let dest = self.mem.dma_slice_mut(to, 16).expect("destination checked at the start");
                    dest.copy_from_slice(&q.to_le_bytes());
                }
            }
            self.io.dmac.channels[t.channel] = t.after;
            self.io.dmac.complete(t.channel);
        }
        self.next_dma_end = self.spr_transfers.first().map_or(u64::MAX, |t| t.end);
    }

    /// Starts toSPR (memory → scratchpad; normal or source-chain mode) or fromSPR (scratchpad
    /// → memory; normal mode) at SADR, which wraps at 16 KiB. The source is read now; the
    /// transfer holds the bus for [`dmac::spr_transfer_cycles`] from [`Hardware::bus_cycle`]
    /// (or from the end of a burst already running: a burst keeps the bus to its end, EEUM
    /// §5), and its data lands at the destination, all at once, when that time has passed.
    fn start_spr_dma(&mut self, channel: usize) -> Result<(), dmac::DmaError> {
        let mut ch = self.io.dmac.channels[channel];
        let start = ch;
        let spr_len = self.mem.scratchpad.len();
        let data = if channel == dmac::CH_TO_SPR {
            let mem = &self.mem;
            let read = |addr: u32, len: usize| mem.dma_slice(addr, len).map(|s| s.to_vec());
            let data = dmac::collect_source(&mut ch, &read)?;
            ch.sadr = (ch.sadr + 16 * data.len() as u32) & (spr_len as u32 - 1);
            data
        } else {
            if (ch.chcr >> 2) & 3 != 0 {
                return Err(dmac::DmaError::Unsupported { channel, detail: "fromSPR destination-chain mode" });
            }
            let mut data = Vec::with_capacity(ch.qwc as usize);
            for i in 0..ch.qwc {
                let at = (ch.sadr.wrapping_add(16 * i) as usize) & (spr_len - 1) & !0xF;
                let q: [u8; 16] = self.mem.scratchpad[at..at + 16].try_into().expect("a quadword");
                data.push(u128::from_le_bytes(q));
                let to = (ch.madr & !0xF).wrapping_add(16 * i);
                self.mem.dma_slice(to, 16).ok_or(dmac::DmaError::BadAddress { addr: to })?;
            }
            ch.madr = ch.madr.wrapping_add(16 * ch.qwc);
            ch.sadr = (ch.sadr + 16 * ch.qwc) & (spr_len as u32 - 1);
            data
        };
        let begin = self.bus_cycle.max(self.dma_bus_until);
        let end = begin + dmac::spr_transfer_cycles(data.len() as u64);
        self.dma_bus_until = end;
        self.io.dmac.running |= 1 << channel;
        self.spr_transfers.push(SprTransfer { channel, end, data, start, after: ch });
        self.next_dma_end = self.next_dma_end.min(end);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The scratchpad channels' bus time. Expected cycles are derived by hand in each comment
    //! from the rules' sources (reference `ee-timing-vu0.md` §3.6-3.7; `r5900`'s TIMING.md for
    //! the CPU side), "@n" meaning "issues in cycle n" counted from the run's first instruction.
    use super::*;
    use crate::testkit::{addiu, lw, r::*, sw};
    use r5900::{Bus, Cpu, Stop, TimingModel};

    const TO_SPR: u32 = 0x1000_D400;
    const FROM_SPR: u32 = 0x1000_D000;
    const CODE: u32 = 0x0010_0000;
    const SOURCE: u32 = 0x0020_0000;
    const LINE: u32 = 0x0030_0000;
    /// `break 0x3FF`: ends a measured run.
    const END: u32 = 0x0000_FFCD;

    fn start(hw: &mut Hardware, base: u32, madr: u32, qwc: u32, sadr: u32, chcr: u32) {
        hw.store32(base + 0x10, madr).unwrap();
        hw.store32(base + 0x20, qwc).unwrap();
        hw.store32(base + 0x80, sadr).unwrap();
        hw.store32(base, chcr).unwrap();
    }

    #[test]
    fn transfer_cycles_follow_the_bus_rate_and_efficiency() {
        // One quadword per BUSCLK cycle = 2 EE cycles (EECUM §1.7, D) at 85 % (MPR99, D):
        // 40/17 EE cycles a quadword, rounded up per transfer.
        assert_eq!(dmac::spr_transfer_cycles(0), 0);
        assert_eq!(dmac::spr_transfer_cycles(1), 3); // 2.35
        assert_eq!(dmac::spr_transfer_cycles(8), 19); // 320 / 17 = 18.8
        assert_eq!(dmac::spr_transfer_cycles(16), 38); // 640 / 17 = 37.6
        assert_eq!(dmac::spr_transfer_cycles(1024), 2410); // 16 KiB: 40960 / 17 = 2409.4
    }

    #[test]
    fn str_stays_set_and_the_data_lands_at_the_transfer_end() {
        let mut hw = Hardware::new(false);
        for i in 0..16u32 {
            hw.mem.dma_slice_mut(SOURCE + 16 * i, 16).unwrap().copy_from_slice(&(i as u128 + 1).to_le_bytes());
        }
        // toSPR of 16 quadwords started at cycle 100: the bus is busy 38 cycles, to 138.
        hw.advance(100);
        start(&mut hw, TO_SPR, SOURCE, 16, 0x100, 0x101);
        assert_eq!(hw.next_dma_end(), Some(138));
        assert_eq!(hw.dma_bus_held_until(), 138);
        hw.advance(137);
        assert_eq!(hw.load32(TO_SPR).unwrap() & dmac::CHCR_STR, dmac::CHCR_STR, "running at 137");
        assert_eq!(hw.load32(0x1000_E010).unwrap() & (1 << 9), 0, "D_STAT.CIS9 clear while running");
        assert_eq!(hw.load128(0x7000_0100).unwrap(), 0, "the data lands at the end, all at once");
        // A CHCR write while it runs does not stop it.
        hw.store32(TO_SPR, 0).unwrap();
        assert_eq!(hw.load32(TO_SPR).unwrap() & dmac::CHCR_STR, dmac::CHCR_STR);
        hw.advance(138);
        assert_eq!(hw.load32(TO_SPR).unwrap() & dmac::CHCR_STR, 0, "done at 100 + 38");
        assert_eq!(hw.load32(0x1000_E010).unwrap() & (1 << 9), 1 << 9);
        assert_eq!(hw.load128(0x7000_0100).unwrap(), 1);
        assert_eq!(hw.load128(0x7000_01F0).unwrap(), 16);
        assert_eq!((hw.load32(TO_SPR + 0x10).unwrap(), hw.load32(TO_SPR + 0x80).unwrap()), (SOURCE + 256, 0x200));
        assert_eq!(hw.next_dma_end(), None);
    }

    #[test]
    fn a_second_burst_waits_for_the_first() {
        // A burst channel keeps the bus for its whole transfer (EEUM §5.3.1, D): fromSPR of 8
        // quadwords started at 110, while toSPR (16 qw, 100..138) runs, begins at 138 and takes
        // ⌈8 × 40 / 17⌉ = 19 cycles: done at 157.
        let mut hw = Hardware::new(false);
        hw.store128(0x7000_2000, 0xAB).unwrap();
        hw.advance(100);
        start(&mut hw, TO_SPR, SOURCE, 16, 0, 0x101);
        hw.advance(110);
        start(&mut hw, FROM_SPR, LINE, 8, 0x2000, 0x100);
        assert_eq!(hw.dma_bus_held_until(), 157);
        hw.advance(156);
        assert_eq!(hw.load32(TO_SPR).unwrap() & dmac::CHCR_STR, 0);
        assert_eq!(hw.load32(FROM_SPR).unwrap() & dmac::CHCR_STR, dmac::CHCR_STR);
        assert_eq!(hw.mem.read_u32(LINE), Some(0));
        hw.advance(157);
        assert_eq!(hw.load32(FROM_SPR).unwrap() & dmac::CHCR_STR, 0);
        assert_eq!(hw.mem.read_u32(LINE), Some(0xAB));
        // With cycle stealing on (D_CTRL.RELE) the CPU is never held.
        hw.store32(0x1000_E000, dmac::CTRL_RELE | 1).unwrap();
        hw.advance(200);
        start(&mut hw, TO_SPR, SOURCE, 16, 0, 0x101);
        assert_eq!(hw.dma_bus_held_until(), 0);
    }

    /// Runs `program` + END twice on the calibrated model (the first run warms the I-cache;
    /// everything pending finishes between the runs); returns the second run's cycles.
    /// `setup(cpu, hw, run)` prepares each run.
    fn warm(program: &[u32], mut setup: impl FnMut(&mut Cpu, &mut Hardware, u32)) -> (u64, Hardware, Cpu) {
        let mut hw = Hardware::new(false);
        for (i, w) in program.iter().chain([END].iter()).enumerate() {
            hw.store32(CODE + 4 * i as u32, *w).unwrap();
        }
        let mut cpu = Cpu::new(CODE);
        let mut cycles = 0;
        for run in 0..2 {
            cpu.cycles += 10_000;
            hw.advance(cpu.cycles);
            cpu.set_timing(TimingModel::Calibrated);
            setup(&mut cpu, &mut hw, run);
            let begin = cpu.cycles;
            cpu.jump_to(CODE);
            match cpu.run(&mut hw, 1000) {
                Stop::Break { code: 0x3FF, .. } => cycles = cpu.cycles - begin,
                other => panic!("stopped with {other}"),
            }
        }
        (cycles, hw, cpu)
    }

    /// Starts toSPR (t0 = its registers, t1 = MADR, t2 = QWC, t3 = CHCR; SADR 0) then loads
    /// through t4 and uses the value.
    fn start_then_load() -> Vec<u32> {
        vec![sw(T1, 0x10, T0), sw(T2, 0x20, T0), sw(ZERO, 0x80, T0), sw(T3, 0, T0), lw(T5, 0, T4), addiu(T6, T5, 1)]
    }

    fn registers(qwc: u32, t4: u32) -> impl FnMut(&mut Cpu, &mut Hardware, u32) {
        move |cpu, _, run| {
            for (r, v) in [(T0, TO_SPR), (T1, SOURCE), (T2, qwc), (T3, 0x101), (T4, t4 + 0x400 * run)] {
                cpu.gpr[r as usize] = v as u128;
            }
        }
    }

    #[test]
    fn a_data_cache_miss_waits_for_the_burst_to_end() {
        // The four register stores are uncached: they go to the WBB without stalling and never
        // pair (r5900 TIMING.md): @0, @1, @2, @3. The CHCR store executes with the CPU's clock
        // at 3, so the burst holds the bus 3..3 + 38 = 41 (16 qw). The lw misses the D-cache
        // @4; its refill needs the bus (EEUM §5.2.1: with RELE=0 the EE's request has the
        // lowest priority, D), so it starts at 41: data at 41 + 43 + 1 = 85 (D-cache miss 43,
        // M). addiu t6,t5 @85, END pairs with it @85 => 86.
        let (cycles, mut hw, cpu) = warm(&start_then_load(), registers(16, LINE));
        assert_eq!(cycles, 86);
        hw.advance(cpu.cycles);
        assert_eq!(hw.next_dma_end(), None);
        // No burst (QWC 0 takes no bus time, the bus is free at 3): data at 4 + 43 + 1 = 48,
        // addiu and END @48 => 49.
        assert_eq!(warm(&start_then_load(), registers(0, LINE)).0, 49);
        // RELE set (cycle stealing): the CPU's request wins: 49 again.
        let rele = |cpu: &mut Cpu, hw: &mut Hardware, run| {
            hw.store32(0x1000_E000, dmac::CTRL_RELE | 1).unwrap();
            registers(16, LINE)(cpu, hw, run);
        };
        assert_eq!(warm(&start_then_load(), rele).0, 49);
    }

    #[test]
    fn an_instruction_cache_miss_waits_for_the_burst() {
        // A cold run (fresh CPU): 12 nops then the four toSPR register stores fill the first 64-byte
        // line, END starts the second. The first fetch misses (ICACHE_MISS 40, M): the nops pair @40..45,
        // the stores never pair: @46, 47, 48, 49; the CHCR store executes with the clock at 49, so the
        // burst holds the bus 49..49 + 38 = 87. END's line misses with the clock at 50; its refill needs
        // the bus, so it waits 87 − 50 = 37, then 40: END @127 => 128. With QWC 0 (no bus time):
        // 50 + 40 = @90 => 91.
        let mut program = vec![0u32; 12];
        program.extend([sw(T1, 0x10, T0), sw(T2, 0x20, T0), sw(ZERO, 0x80, T0), sw(T3, 0, T0)]);
        let cold = |qwc: u32| {
            let mut hw = Hardware::new(false);
            for (i, w) in program.iter().chain([END].iter()).enumerate() {
                hw.store32(CODE + 4 * i as u32, *w).unwrap();
            }
            let mut cpu = Cpu::new(CODE);
            registers(qwc, LINE)(&mut cpu, &mut hw, 0);
            match cpu.run(&mut hw, 1000) {
                Stop::Break { code: 0x3FF, .. } => cpu.cycles,
                other => panic!("stopped with {other}"),
            }
        };
        assert_eq!(cold(16), 128);
        assert_eq!(cold(0), 91);
    }

    #[test]
    fn the_simple_model_waits_for_the_burst_too() {
        // The simple model (one cycle per instruction, blocking costs: uncached 35, D-cache miss 40):
        // sw 1 + 35 = 36, 72, 108; the CHCR store executes at 109 (after its own cycle): the burst
        // holds the bus 109..147; the store ends at 144. lw: 145, waits to 147, + 40 = 187; addiu 188,
        // END 189. With QWC 0: lw 145 + 40 = 185, addiu 186, END 187.
        let run = |qwc: u32| {
            let mut hw = Hardware::new(false);
            for (i, w) in start_then_load().iter().chain([END].iter()).enumerate() {
                hw.store32(CODE + 4 * i as u32, *w).unwrap();
            }
            let mut cpu = Cpu::new(CODE);
            cpu.set_timing(TimingModel::Simple);
            registers(qwc, LINE)(&mut cpu, &mut hw, 0);
            match cpu.run(&mut hw, 1000) {
                Stop::Break { code: 0x3FF, .. } => cpu.cycles,
                other => panic!("stopped with {other}"),
            }
        };
        assert_eq!(run(16), 189);
        assert_eq!(run(0), 187);
    }

    #[test]
    fn scratchpad_and_cache_hits_proceed_during_the_burst() {
        // The lw reads the scratchpad (EECUM §6.4: no bus): @4, data at 5; addiu @5 with END
        // => 6, though the burst holds the bus to 41.
        assert_eq!(warm(&start_then_load(), registers(16, 0x7000_1000)).0, 6);
    }

    #[test]
    fn an_uncached_load_waits_for_the_burst_and_then_sees_it_done() {
        // The lw polls CHCR (t4 = t0): an uncached load waits for the WBB to drain (r5900
        // TIMING.md: four entries of 35 cycles, done at 140) and for the bus (free at 41); it
        // issues @140, data at 140 + 35 + 1 = 176, addiu @176 with END => 177. The value is
        // read after the burst: STR clear.
        let poll = |cpu: &mut Cpu, hw: &mut Hardware, run| {
            registers(16, 0)(cpu, hw, run);
            cpu.gpr[T4 as usize] = TO_SPR as u128;
        };
        let (cycles, _, cpu) = warm(&start_then_load(), poll);
        assert_eq!(cycles, 177);
        assert_eq!(cpu.gpr[T5 as usize] as u32 & dmac::CHCR_STR, 0);
    }
}
