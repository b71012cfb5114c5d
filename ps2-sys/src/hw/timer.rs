//! The four EE timers (16-bit counters). T0 and T1 are free for programs; T2 and T3 are read-only to user mode
//! and belong to the kernel (alarms) and to ps2sdk's timer library.
//!
//! With [`TimerMode::COMPARE_INTERRUPT`] or [`TimerMode::OVERFLOW_INTERRUPT`] a timer raises its INTC cause
//! ([`IntcCause::Timer0`](crate::syscall::IntcCause::Timer0) to `Timer3`, 9-12) when the count reaches COMP or
//! wraps. The handler must write [`TimerMode::EQUAL_FLAG`] / [`TimerMode::OVERFLOW_FLAG`] back to clear the flag,
//! or no further interrupt comes. Clocked from BUSCLK/256 (576 kHz) with COMP `n` and
//! [`TimerMode::ZERO_RETURN`], a timer interrupts every `n` / 576,000 s.

use bitflags::bitflags;
use volatile_register::RW;

/// One timer's registers.
#[repr(C)]
pub struct Timer {
    /// COUNT: the counter.
    pub count: RW<u32>,
    _pad0: [u32; 3],
    /// MODE ([`TimerMode`]).
    pub mode: RW<u32>,
    _pad1: [u32; 3],
    /// COMP: compare value.
    pub comp: RW<u32>,
    _pad2: [u32; 3],
    /// HOLD: count latched on SBUS interrupt (T0 and T1 only).
    pub hold: RW<u32>,
}

/// A timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum TimerId {
    T0,
    T1,
    T2,
    T3,
}

/// A timer's registers.
pub fn timer(id: TimerId) -> &'static Timer {
    let base = match id {
        TimerId::T0 => 0x1000_0000,
        TimerId::T1 => 0x1000_0800,
        TimerId::T2 => 0x1000_1000,
        TimerId::T3 => 0x1000_1800,
    };
    // SAFETY: the timer block addresses of ee_regs.h.
    unsafe { super::block(base) }
}

bitflags! {
    /// MODE bits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct TimerMode: u32 {
        /// Clock: bus clock / 16.
        const CLOCK_BUS_16 = 1;
        /// Clock: bus clock / 256.
        const CLOCK_BUS_256 = 2;
        /// Clock: H-blank.
        const CLOCK_HBLANK = 3;
        /// Gate enable.
        const GATE = 1 << 2;
        /// Gate on V-blank instead of H-blank.
        const GATE_VBLANK = 1 << 3;
        /// Reset the counter when it reaches COMP.
        const ZERO_RETURN = 1 << 6;
        /// Count enable.
        const COUNT = 1 << 7;
        /// Interrupt on compare.
        const COMPARE_INTERRUPT = 1 << 8;
        /// Interrupt on overflow.
        const OVERFLOW_INTERRUPT = 1 << 9;
        /// Compare flag (write 1 to clear).
        const EQUAL_FLAG = 1 << 10;
        /// Overflow flag (write 1 to clear).
        const OVERFLOW_FLAG = 1 << 11;
        /// Keep unnamed bits.
        const _ = !0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::assert_offset;
    use super::*;

    #[test]
    fn offsets() {
        assert_offset!(Timer, mode, 0x10);
        assert_offset!(Timer, comp, 0x20);
        assert_offset!(Timer, hold, 0x30);
    }
}
