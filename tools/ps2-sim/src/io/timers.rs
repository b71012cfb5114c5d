//! EE timers T0-T3: COUNT is computed from simulated time when read (no events are raised;
//! compare/overflow interrupts are not modelled).

/// EE core cycles per bus cycle.
const CYCLES_PER_BUSCLK: u64 = 2;
/// EE core cycles per NTSC H-blank (294.912 MHz / 15734 Hz).
const CYCLES_PER_HBLANK: u64 = 18_744;

#[derive(Default, Debug, Clone, Copy)]
struct Timer {
    mode: u32,
    comp: u32,
    hold: u32,
    base_count: u32,
    base_cycle: u64,
}

impl Timer {
    fn cycles_per_tick(&self) -> u64 {
        match self.mode & 3 {
            0 => CYCLES_PER_BUSCLK,
            1 => CYCLES_PER_BUSCLK * 16,
            2 => CYCLES_PER_BUSCLK * 256,
            _ => CYCLES_PER_HBLANK,
        }
    }

    fn count(&self, cycles: u64) -> u32 {
        if self.mode & 0x80 == 0 {
            return self.base_count;
        }
        let ticks = cycles.saturating_sub(self.base_cycle) / self.cycles_per_tick();
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
}
