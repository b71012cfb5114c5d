//! EE timers T0-T3 and the NTSC video timing they and the kernel count in.
//!
//! COUNT is computed from simulated time when read (no events are raised; compare/overflow
//! interrupts are not modelled). H-blanks come at the NTSC line rate, 4.5 MHz / 286 =
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

#[derive(Default, Debug, Clone, Copy)]
struct Timer {
    mode: u32,
    comp: u32,
    hold: u32,
    base_count: u32,
    base_cycle: u64,
}

impl Timer {
    /// Ticks between `from` and `to`: bus-clock ticks, or the H-blanks that started in `(from, to]`.
    fn ticks_between(&self, from: u64, to: u64) -> u64 {
        let elapsed = to.saturating_sub(from);
        match self.mode & 3 {
            0 => elapsed / CYCLES_PER_BUSCLK,
            1 => elapsed / (CYCLES_PER_BUSCLK * 16),
            2 => elapsed / (CYCLES_PER_BUSCLK * 256),
            _ => hblank_index(to.max(from)) - hblank_index(from),
        }
    }

    fn count(&self, cycles: u64) -> u32 {
        if self.mode & 0x80 == 0 {
            return self.base_count;
        }
        let ticks = self.ticks_between(self.base_cycle, cycles);
        (self.base_count as u64).wrapping_add(ticks) as u32 & 0xFFFF
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
            0x10 => t.mode,
            0x20 => t.comp,
            0x30 => t.hold,
            _ => 0,
        }
    }

    /// Writes a timer register; changing MODE or COUNT restarts counting from now.
    pub fn write(&mut self, addr: u32, value: u32, cycles: u64) {
        let t = &mut self.timers[index_of(addr)];
        match addr & 0x7F0 {
            0x00 => {
                t.base_count = value & 0xFFFF;
                t.base_cycle = cycles;
            }
            0x10 => {
                t.base_count = t.count(cycles);
                t.base_cycle = cycles;
                // EQUF/OVFF (bits 10, 11) are write-1-to-clear flags, never stored set.
                t.mode = value & 0x3FF;
            }
            0x20 => t.comp = value & 0xFFFF,
            0x30 => t.hold = value & 0xFFFF,
            _ => {}
        }
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
}
