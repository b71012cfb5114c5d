//! EE timers T0-T3 and the NTSC video timing they and the kernel count in.
//!
//! COUNT is computed from simulated time when read. Compare (CMPE) and overflow (OVFE) events
//! set EQUF/OVFF and the timer's INTC cause (9-12) at the cycle the count gets there: the kernel
//! asks [`Timers::next_event`] when to look and raises them with [`Timers::service`]. Ticks of
//! the bus-clock sources fall on fixed multiples of their period, as free-running prescalers do. H-blanks come at the NTSC line rate, 4.5 MHz / 286 =
//! 15,734.27 Hz (SMPTE 170M), which at the EE's 294.912 MHz is 18,743.30 cycles a line; a field
//! is 262.5 lines, 4,920,115.2 cycles (59.94 Hz = 60 / 1.001). H-blank `n` starts at the exact
//! cycle [`hblank_cycle`]`(n)`, rounded down, so that fields and lines never drift apart.

use crate::kernel::EE_CLOCK_HZ;

/// EE core cycles per bus cycle.
const CYCLES_PER_BUSCLK: u64 = 2;
/// NTSC lines per second as a fraction: 4,500,000 / 286.
const LINE_RATE_NUM: u128 = 4_500_000;
/// See [`LINE_RATE_NUM`].
const LINE_RATE_DEN: u128 = 286;

/// The cycle at which H-blank `n` starts (H-blank 0 at cycle 0).
pub fn hblank_cycle(n: u64) -> u64 {
    (n as u128 * EE_CLOCK_HZ as u128 * LINE_RATE_DEN / LINE_RATE_NUM) as u64
}

/// How many H-blanks have started after cycle 0 and up to `cycle` (the index of the last one).
pub fn hblank_index(cycle: u64) -> u64 {
    // The largest n with hblank_cycle(n) <= cycle.
    ((cycle as u128 * LINE_RATE_NUM + LINE_RATE_NUM - 1) / (EE_CLOCK_HZ as u128 * LINE_RATE_DEN))
        as u64
}

/// MODE: count enable.
const MODE_CUE: u32 = 1 << 7;
/// MODE: reset the count to 0 when it reaches COMP.
const MODE_ZRET: u32 = 1 << 6;
/// MODE: interrupt when the count reaches COMP.
const MODE_CMPE: u32 = 1 << 8;
/// MODE: interrupt when the count overflows.
const MODE_OVFE: u32 = 1 << 9;
/// MODE: the compare flag (write 1 to clear).
const MODE_EQUF: u32 = 1 << 10;
/// MODE: the overflow flag (write 1 to clear).
const MODE_OVFF: u32 = 1 << 11;
/// INTC cause of timer 0 (timers 1-3 follow).
pub const INTC_TIMER0: u32 = 9;

#[derive(Default, Debug, Clone, Copy)]
struct Timer {
    /// MODE bits 0-9 as written.
    mode: u32,
    /// EQUF/OVFF as set by compare/overflow events.
    flags: u32,
    comp: u32,
    hold: u32,
    base_count: u32,
    base_cycle: u64,
    /// Ticks since `base_cycle` up to which compare/overflow events have been raised.
    serviced: u64,
}

impl Timer {
    /// Cycles per tick of a bus-clock source; `None` for H-blank.
    fn cycles_per_tick(&self) -> Option<u64> {
        match self.mode & 3 {
            0 => Some(CYCLES_PER_BUSCLK),
            1 => Some(CYCLES_PER_BUSCLK * 16),
            2 => Some(CYCLES_PER_BUSCLK * 256),
            _ => None,
        }
    }

    /// Which tick of the clock source (counted from cycle 0) is the last one at or before
    /// `cycle`. The prescalers run freely, so ticks fall on fixed cycles whenever counting starts.
    fn tick_index(&self, cycle: u64) -> u64 {
        match self.cycles_per_tick() {
            Some(period) => cycle / period,
            None => hblank_index(cycle),
        }
    }

    /// The cycle of tick `index` (counted from cycle 0).
    fn tick_cycle(&self, index: u64) -> u64 {
        match self.cycles_per_tick() {
            Some(period) => index * period,
            None => hblank_cycle(index),
        }
    }

    /// Ticks since `base_cycle` up to `cycle`.
    fn ticks_at(&self, cycle: u64) -> u64 {
        self.tick_index(cycle.max(self.base_cycle)) - self.tick_index(self.base_cycle)
    }

    /// With ZRET the count runs 0..COMP and COMP reads as 0 (PCSX2 subtracts the target when it
    /// is reached); a count already past COMP runs on to the 16-bit wrap.
    fn zero_return_period(&self) -> Option<u64> {
        (self.mode & MODE_ZRET != 0 && self.comp > 0 && self.base_count < self.comp)
            .then_some(self.comp as u64)
    }

    /// The count after `ticks` ticks.
    fn count_after(&self, ticks: u64) -> u32 {
        let raw = self.base_count as u64 + ticks;
        (match self.zero_return_period() {
            Some(period) => raw % period,
            None => raw & 0xFFFF,
        }) as u32
    }

    fn count(&self, cycles: u64) -> u32 {
        if self.mode & MODE_CUE == 0 {
            return self.base_count;
        }
        self.count_after(self.ticks_at(cycles))
    }

    /// The first tick after `after` at which the count reaches COMP (with CMPE), and the first
    /// at which it overflows (with OVFE).
    fn next_events(&self, after: u64) -> (Option<u64>, Option<u64>) {
        if self.mode & MODE_CUE == 0 {
            return (None, None);
        }
        let next = after + 1;
        let raw = self.base_count as u64 + next;
        let until = |target: u64, modulus: u64| next + (target + modulus - raw % modulus) % modulus;
        let compare = (self.mode & MODE_CMPE != 0).then(|| match self.zero_return_period() {
            Some(period) => until(0, period),
            None => until(self.comp as u64, 0x1_0000),
        });
        let overflow = (self.mode & MODE_OVFE != 0 && self.zero_return_period().is_none())
            .then(|| until(0, 0x1_0000));
        (compare, overflow)
    }

    /// Restarts counting at `cycles` from `count`.
    fn rebase(&mut self, count: u32, cycles: u64) {
        self.base_count = count;
        self.base_cycle = cycles;
        self.serviced = 0;
    }
}

/// The four EE timers.
#[derive(Default, Debug, Clone)]
pub struct Timers {
    timers: [Timer; 4],
}

fn index_of(addr: u32) -> usize {
    ((addr - 0x1000_0000) >> 11) as usize & 3
}

impl Timers {
    /// Reads COUNT/MODE/COMP/HOLD of the timer block at `addr`.
    pub fn read(&self, addr: u32, cycles: u64) -> u32 {
        let t = &self.timers[index_of(addr)];
        match addr & 0x7F0 {
            0x00 => t.count(cycles),
            0x10 => t.mode | t.flags,
            0x20 => t.comp,
            0x30 => t.hold,
            _ => 0,
        }
    }

    /// Writes a timer register; writing MODE, COUNT or COMP restarts counting from now (on the
    /// clock source's next tick).
    pub fn write(&mut self, addr: u32, value: u32, cycles: u64) {
        let t = &mut self.timers[index_of(addr)];
        match addr & 0x7F0 {
            0x00 => t.rebase(value & 0xFFFF, cycles),
            0x10 => {
                let count = t.count(cycles);
                t.mode = value & 0x3FF;
                t.rebase(count, cycles);
                // EQUF/OVFF are write-1-to-clear.
                t.flags &= !(value & (MODE_EQUF | MODE_OVFF));
            }
            0x20 => {
                let count = t.count(cycles);
                t.comp = value & 0xFFFF;
                t.rebase(count, cycles);
            }
            0x30 => t.hold = value & 0xFFFF,
            _ => {}
        }
    }

    /// The cycle of the next compare or overflow event of a timer that interrupts on it.
    pub fn next_event(&self) -> Option<u64> {
        self.timers
            .iter()
            .filter_map(|t| {
                let (compare, overflow) = t.next_events(t.serviced);
                let tick = compare.into_iter().chain(overflow).min()?;
                Some(t.tick_cycle(t.tick_index(t.base_cycle) + tick))
            })
            .min()
    }

    /// Raises the compare and overflow events due by `now`: sets EQUF/OVFF and returns the INTC
    /// causes (bit 9 + timer) to set. As on PCSX2, an event whose flag is still set (the handler
    /// has not written it back) raises no new interrupt.
    pub fn service(&mut self, now: u64) -> u32 {
        let mut causes = 0;
        for (i, t) in self.timers.iter_mut().enumerate() {
            let ticks = t.ticks_at(now);
            let (compare, overflow) = t.next_events(t.serviced);
            let mut raised = 0;
            if compare.is_some_and(|tick| tick <= ticks) {
                raised |= MODE_EQUF;
            }
            if overflow.is_some_and(|tick| tick <= ticks) {
                raised |= MODE_OVFF;
            }
            if compare.is_some() || overflow.is_some() {
                t.serviced = t.serviced.max(ticks);
            }
            if raised & !t.flags != 0 {
                causes |= 1 << (INTC_TIMER0 + i as u32);
            }
            t.flags |= raised;
        }
        causes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_runs_only_when_enabled_and_wraps_at_16_bits() {
        let mut t = Timers::default();
        assert_eq!(t.read(0x1000_0800, 1000), 0);
        t.write(0x1000_0810, 0x80 | 1, 100); // T1, CUE, BUSCLK/16
        assert_eq!(t.read(0x1000_0800, 100 + 32 * 10), 10);
        t.write(0x1000_0800, 0xFFFF, 1000);
        assert_eq!(t.read(0x1000_0800, 1000 + 64), 1);
    }

    #[test]
    fn lines_follow_the_ntsc_rate_and_fields_are_262_and_a_half_lines() {
        // 294,912,000 × 286 / 4,500,000 = 18,743.296 cycles a line.
        assert_eq!(hblank_cycle(1), 18_743);
        assert_eq!(hblank_cycle(1000), 18_743_296);
        // Two fields (525 lines) are exactly 2 × 294,912,000 × 1001 / 60,000 cycles.
        assert_eq!(hblank_cycle(525), 9_840_230);
        assert_eq!(hblank_cycle(525 * 60), 590_413_824);
        for n in [0u64, 1, 2, 261, 262, 263, 525, 65_535, 1 << 40] {
            let c = hblank_cycle(n);
            assert_eq!(hblank_index(c), n, "line {n} starts at {c}");
            if c > 0 {
                assert_eq!(hblank_index(c - 1), n - 1, "just before line {n}");
            }
        }
    }

    #[test]
    fn hblank_clocked_timer_counts_lines() {
        let mut t = Timers::default();
        t.write(0x1000_0010, 0x80 | 3, 0); // T0, CUE, H-BLNK
        assert_eq!(t.read(0x1000_0000, hblank_cycle(10) - 1), 9);
        assert_eq!(t.read(0x1000_0000, hblank_cycle(10)), 10);
        assert_eq!(t.read(0x1000_0000, hblank_cycle(262)), 262);
    }

    #[test]
    fn compare_interrupt_comes_every_comp_ticks_with_zero_return() {
        let mut t = Timers::default();
        // T1: BUSCLK/256 (512 cycles a tick), COMP 100, ZRET, CMPE: an interrupt every 51,200 cycles.
        t.write(0x1000_0820, 100, 0);
        t.write(0x1000_0810, 2 | MODE_ZRET | MODE_CUE | MODE_CMPE, 1000);
        // Ticks fall on multiples of 512 cycles: the 100th after cycle 1000 is at 101 × 512.
        assert_eq!(t.next_event(), Some(101 * 512));
        assert_eq!(t.service(101 * 512 - 1), 0);
        assert_eq!(t.service(101 * 512), 1 << 10);
        assert_eq!(t.read(0x1000_0810, 101 * 512) & MODE_EQUF, MODE_EQUF);
        assert_eq!(t.read(0x1000_0800, 101 * 512), 0, "ZRET: back to 0");
        // The flag is still set: the next compare raises nothing until the handler clears it.
        assert_eq!(t.next_event(), Some(201 * 512));
        assert_eq!(t.service(201 * 512), 0);
        // The handler writes EQUF back (and the mode) in the middle of a tick: the period keeps.
        t.write(
            0x1000_0810,
            2 | MODE_ZRET | MODE_CUE | MODE_CMPE | MODE_EQUF,
            201 * 512 + 300,
        );
        assert_eq!(t.read(0x1000_0810, 201 * 512 + 300) & MODE_EQUF, 0);
        assert_eq!(t.next_event(), Some(301 * 512));
        assert_eq!(t.service(301 * 512 + 5), 1 << 10);
    }

    #[test]
    fn overflow_interrupt_after_the_16_bit_wrap() {
        let mut t = Timers::default();
        // T0: BUSCLK (2 cycles a tick), from 0xFFF0, OVFE: overflow 16 ticks later.
        t.write(0x1000_0000, 0xFFF0, 0);
        t.write(0x1000_0010, MODE_CUE | MODE_OVFE, 0);
        assert_eq!(t.next_event(), Some(32));
        assert_eq!(t.service(40), 1 << 9);
        assert_eq!(t.read(0x1000_0010, 40) & MODE_OVFF, MODE_OVFF);
        // Without CMPE/OVFE there is no event.
        t.write(0x1000_0010, MODE_CUE | MODE_OVFF, 40);
        assert_eq!(t.next_event(), None);
        assert_eq!(t.service(1 << 30), 0);
    }

    #[test]
    fn hblank_compare_fires_on_the_line() {
        let mut t = Timers::default();
        t.write(0x1000_1020, 262, 0);
        t.write(0x1000_1010, 3 | MODE_ZRET | MODE_CUE | MODE_CMPE, 0);
        assert_eq!(t.next_event(), Some(hblank_cycle(262)));
        assert_eq!(t.service(hblank_cycle(262)), 1 << 11);
    }
}
