//! A monotonic cycle clock on COP0 Count, which advances once per CPU cycle (294.912 MHz).
//!
//! Count is 32 bits wide and wraps every ~14.56 s. [`Instant::now`] extends it to 64 bits by remembering the
//! last value it saw, so it stays monotonic as long as it is called at least once per wrap period (any program
//! that measures time does). Durations use [`core::time::Duration`].

use core::cell::Cell;
use core::time::Duration;

use critical_section::Mutex;

/// A point in time, in CPU cycles since start-up (extended Count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// The 64-bit extension state: (last Count seen, wraps so far).
static EXTENDED: Mutex<Cell<(u32, u32)>> = Mutex::new(Cell::new((0, 0)));

impl Instant {
    /// Now.
    pub fn now() -> Instant {
        Instant(critical_section::with(|cs| {
            let cell = EXTENDED.borrow(cs);
            let (last, wraps) = cell.get();
            let count = crate::arch::count();
            let extended = extend(last, wraps, count);
            cell.set((count, (extended >> 32) as u32));
            extended
        }))
    }

    /// An instant from a raw cycle count (e.g. from a log).
    pub const fn from_cycles(cycles: u64) -> Instant {
        Instant(cycles)
    }

    /// The cycle count.
    pub const fn cycles(self) -> u64 {
        self.0
    }

    /// Time since `earlier`, or zero if `earlier` is later.
    pub fn duration_since(self, earlier: Instant) -> Duration {
        cycles_to_duration(self.0.saturating_sub(earlier.0))
    }

    /// Time since this instant.
    pub fn elapsed(self) -> Duration {
        Instant::now().duration_since(self)
    }

    /// Cycles since `earlier` (saturating).
    pub fn cycles_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Combines the previous reading with a new Count value, counting one wrap when Count went backwards.
fn extend(last: u32, wraps: u32, count: u32) -> u64 {
    let wraps = if count < last { wraps + 1 } else { wraps };
    ((wraps as u64) << 32) | count as u64
}

/// Converts CPU cycles to a duration, exactly: 10^9 / 294_912_000 = 15625 / 4608.
pub fn cycles_to_duration(cycles: u64) -> Duration {
    let secs = cycles / crate::CPU_CLOCK_HZ as u64;
    let rem = cycles % crate::CPU_CLOCK_HZ as u64;
    Duration::new(secs, (rem * 15625 / 4608) as u32)
}

/// Converts a duration to CPU cycles (saturating).
pub fn duration_to_cycles(duration: Duration) -> u64 {
    let whole = duration.as_secs().saturating_mul(crate::CPU_CLOCK_HZ as u64);
    whole.saturating_add(duration.subsec_nanos() as u64 * 4608 / 15625)
}

/// Busy-waits for `duration` (interrupts keep running).
pub fn spin_for(duration: Duration) {
    let start = Instant::now();
    let cycles = duration_to_cycles(duration);
    while Instant::now().cycles_since(start) < cycles {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_counts_wraps() {
        assert_eq!(extend(10, 0, 20), 20);
        assert_eq!(extend(0xFFFF_FF00, 0, 0x10), (1 << 32) | 0x10);
        assert_eq!(extend(5, 3, 5), (3 << 32) | 5);
    }

    #[test]
    fn cycle_conversions_are_exact() {
        assert_eq!(cycles_to_duration(294_912_000), Duration::from_secs(1));
        assert_eq!(cycles_to_duration(294_912), Duration::from_millis(1));
        assert_eq!(cycles_to_duration(4608), Duration::from_nanos(15625));
        assert_eq!(duration_to_cycles(Duration::from_millis(1500)), 442_368_000);
        assert_eq!(duration_to_cycles(Duration::from_nanos(15625)), 4608);
    }

    #[test]
    fn durations_saturate_at_zero() {
        let a = Instant::from_cycles(100);
        let b = Instant::from_cycles(50);
        assert_eq!(b.duration_since(a), Duration::ZERO);
        assert_eq!(a.cycles_since(b), 50);
    }
}
