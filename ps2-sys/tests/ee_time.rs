//! EE integration tests of `ps2_sys::time`: vertical-blank waits, alarm sleeps and frame pacing, run on the
//! Emotion Engine (simulator or PCSX2) with `cargo test -p ps2-sys --test ee_time`. On the host this file builds
//! to an empty program.
//!
//! Times are checked against the NTSC video timing (the simulator's, and an NTSC console's): a field is
//! 294,912,000 × 1001 / 60,000 = 4,920,115.2 CPU cycles (59.94 Hz), a line 4.5 MHz / 286 = 15,734.27 Hz. Each
//! wait must take its nominal time within a tolerance derived from those periods (stated at each assertion);
//! that it does not spin is checked with a lower-priority thread, which only runs while the tested thread is
//! blocked in the kernel: it must get nearly all of the wait.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    use core::ffi::c_void;
    use core::sync::atomic::{AtomicU32, Ordering};
    use core::time::Duration;

    use ps2_alloc as _;
    use ps2_sys::clock::{self, Instant};
    use ps2_sys::hw::timer::{TimerId, TimerMode, timer};
    use ps2_sys::syscall::{self, ChainPosition, IntcCause, Priority, SemaId, ThreadId, ThreadParams};
    use ps2_sys::time::{self, FramePacer, LineRate, TimeError};

    ps2_sys::test_main!(
        vblank_waits_take_one_field_each,
        vblank_wait_blocks_and_other_threads_run,
        a_blank_nobody_waited_for_is_not_remembered,
        sleep_10_ms_takes_10_ms_without_spinning,
        zero_and_tiny_sleeps,
        long_sleep_spans_several_alarms,
        frame_pacer_keeps_the_rate_and_counts_missed_frames,
        waiting_with_interrupts_disabled_is_an_error,
        timer_compare_interrupt_comes_at_its_period,
    );

    /// CPU cycles per NTSC field, times 10 (exact: 49,201,152 / 10).
    const FIELD_CYCLES_X10: u64 = 49_201_152;
    /// One NTSC line in CPU cycles, rounded up (18,743.3).
    const LINE_CYCLES: u64 = 18_744;

    /// Counts the busy thread's loop iterations and remembers the Count it first and last ran at.
    static BUSY_FIRST: AtomicU32 = AtomicU32::new(0);
    static BUSY_LAST: AtomicU32 = AtomicU32::new(0);
    static BUSY_ITERATIONS: AtomicU32 = AtomicU32::new(0);

    #[repr(C, align(16))]
    struct Stack([u8; 16 * 1024]);
    static mut BUSY_STACK: Stack = Stack([0; 16 * 1024]);

    extern "C" fn busy(_arg: *mut c_void) {
        loop {
            let now = ps2_sys::arch::count();
            if BUSY_ITERATIONS.load(Ordering::Relaxed) == 0 {
                BUSY_FIRST.store(now, Ordering::Relaxed);
            }
            BUSY_LAST.store(now, Ordering::Relaxed);
            BUSY_ITERATIONS.store(BUSY_ITERATIONS.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
    }

    /// A thread below this one's priority that spins, counting, whenever it gets the CPU; ended on drop.
    struct BusyThread(ThreadId);

    impl BusyThread {
        fn start() -> BusyThread {
            BUSY_ITERATIONS.store(0, Ordering::Relaxed);
            let params = ThreadParams {
                entry: busy,
                // SAFETY: one busy thread at a time uses the stack (each is terminated before the next starts).
                stack: unsafe { core::ptr::addr_of_mut!(BUSY_STACK.0) }.cast(),
                stack_size: 16 * 1024,
                priority: Priority::new(100).unwrap(),
            };
            let id = syscall::create_thread(&params).expect("CreateThread");
            syscall::start_thread(id, core::ptr::null_mut()).expect("StartThread");
            assert_eq!(BUSY_ITERATIONS.load(Ordering::Relaxed), 0, "the busy thread is below us: not run yet");
            BusyThread(id)
        }

        /// Cycles between the busy thread's first and last iteration (0 if it never ran).
        fn ran_for(&self) -> u64 {
            if BUSY_ITERATIONS.load(Ordering::Relaxed) == 0 {
                return 0;
            }
            BUSY_LAST.load(Ordering::Relaxed).wrapping_sub(BUSY_FIRST.load(Ordering::Relaxed)) as u64
        }
    }

    impl Drop for BusyThread {
        fn drop(&mut self) {
            syscall::terminate_thread(self.0).expect("TerminateThread");
            syscall::delete_thread(self.0).expect("DeleteThread");
        }
    }

    fn vblank_waits_take_one_field_each() {
        const N: u64 = 20;
        time::wait_vblank().expect("first wait installs the handler"); // start on a blank
        let count_before = time::vblank_count();
        let start = Instant::now();
        for _ in 0..N {
            time::wait_vblank().unwrap();
        }
        let took = Instant::now().cycles_since(start);
        assert_eq!(time::vblank_count().wrapping_sub(count_before), N as u32, "one blank per wait");
        // Both ends are measured just after a blank woke us, so only the wake-up latency differs: allow 1 % of
        // a field (49,201 cycles, 167 µs), far more than a handler and a thread switch take.
        let expected = N * FIELD_CYCLES_X10 / 10;
        let tolerance = FIELD_CYCLES_X10 / 1000;
        assert!(
            took.abs_diff(expected) <= tolerance,
            "{N} blanks took {took} cycles, expected {expected} ± {tolerance}"
        );
    }

    fn vblank_wait_blocks_and_other_threads_run() {
        time::wait_vblank().unwrap();
        let busy = BusyThread::start();
        let start = Instant::now();
        time::wait_vblank().unwrap();
        let took = Instant::now().cycles_since(start);
        let ran = busy.ran_for();
        drop(busy);
        assert!(took.abs_diff(FIELD_CYCLES_X10 / 10) <= FIELD_CYCLES_X10 / 1000, "one blank took {took} cycles");
        // Blocked in WaitSema, this thread leaves the CPU to the busy one for all but the switches.
        assert!(ran >= took * 95 / 100, "the other thread ran {ran} of the {took} cycles of the wait");
    }

    fn a_blank_nobody_waited_for_is_not_remembered() {
        let start_count = time::wait_vblank().unwrap();
        let start = Instant::now();
        // Busy through the next blank (1.5 fields): the wait after it is for the one after that.
        clock::spin_for(Duration::from_nanos(1_500_000_000 * 1001 / 60_000));
        let count = time::wait_vblank().unwrap();
        let took = Instant::now().cycles_since(start);
        assert_eq!(count.wrapping_sub(start_count), 2, "woken by the second blank");
        let expected = 2 * FIELD_CYCLES_X10 / 10;
        assert!(took.abs_diff(expected) <= FIELD_CYCLES_X10 / 1000, "took {took} cycles, expected {expected}");
    }

    fn sleep_10_ms_takes_10_ms_without_spinning() {
        let duration = Duration::from_millis(10);
        let busy = BusyThread::start();
        let start = Instant::now();
        time::sleep(duration).expect("sleep");
        let took = Instant::now().cycles_since(start);
        let ran = busy.ran_for();
        drop(busy);
        // Never early; at most two lines late (the alarm's whole-line granularity and its extra line), plus
        // 5 µs (1,475 cycles) for the syscalls and the switch back.
        let min = clock::duration_to_cycles(duration);
        let max = min + 2 * LINE_CYCLES + 1_475;
        assert!((min..=max).contains(&took), "sleep(10 ms) took {took} cycles, expected {min}..={max}");
        assert!(ran >= took * 95 / 100, "the other thread ran {ran} of the {took} cycles of the sleep");
    }

    fn zero_and_tiny_sleeps() {
        let start = Instant::now();
        time::sleep(Duration::ZERO).unwrap();
        assert!(Instant::now().cycles_since(start) < LINE_CYCLES, "a zero sleep returns at once");
        let start = Instant::now();
        time::sleep(Duration::from_nanos(1)).unwrap();
        let took = Instant::now().cycles_since(start);
        // Two ticks: at least one whole line, at most two.
        assert!((LINE_CYCLES - 1..=2 * LINE_CYCLES + 1_475).contains(&took), "sleep(1 ns) took {took} cycles");
    }

    fn long_sleep_spans_several_alarms() {
        // 5 s is 78,671 NTSC lines: more than one 16-bit alarm.
        let duration = Duration::from_secs(5);
        assert!(LineRate::NTSC.lines_in(duration) > u16::MAX as u64);
        let start = Instant::now();
        time::sleep(duration).unwrap();
        let took = Instant::now().cycles_since(start);
        let min = clock::duration_to_cycles(duration);
        // Two alarms: each may fire up to a line after a whole-line boundary; one extra line asked for.
        let max = min + 3 * LINE_CYCLES + 2 * 1_475;
        assert!((min..=max).contains(&took), "sleep(5 s) took {took} cycles, expected {min}..={max}");
    }

    fn frame_pacer_keeps_the_rate_and_counts_missed_frames() {
        let field = Duration::from_nanos(1_000_000_000 * 1001 / 60_000);
        let mut pacer = FramePacer::new(1);
        let first = pacer.wait().unwrap();
        assert_eq!(first.missed, 0);
        // Light frames: one field each, none missed.
        let mut last = first.vblank;
        for _ in 0..3 {
            clock::spin_for(field / 5);
            let frame = pacer.wait().unwrap();
            assert_eq!((frame.missed, frame.vblank.wrapping_sub(last)), (0, 1));
            last = frame.vblank;
        }
        // A frame that takes 2.5 fields misses the slots of the two blanks that passed and starts at the third.
        clock::spin_for(field * 5 / 2);
        let frame = pacer.wait().unwrap();
        assert_eq!((frame.missed, frame.vblank.wrapping_sub(last)), (2, 3));
        last = frame.vblank;
        // And the next light frame is on time again.
        clock::spin_for(field / 5);
        let frame = pacer.wait().unwrap();
        assert_eq!((frame.missed, frame.vblank.wrapping_sub(last)), (0, 1));

        // Every other field: a frame of 1.5 fields is still on time, one of 2.5 misses one slot.
        let mut pacer = FramePacer::new(2);
        let mut last = pacer.wait().unwrap().vblank;
        clock::spin_for(field * 3 / 2);
        let frame = pacer.wait().unwrap();
        assert_eq!((frame.missed, frame.vblank.wrapping_sub(last)), (0, 2));
        last = frame.vblank;
        clock::spin_for(field * 5 / 2);
        let frame = pacer.wait().unwrap();
        assert_eq!((frame.missed, frame.vblank.wrapping_sub(last)), (1, 3));
    }

    fn waiting_with_interrupts_disabled_is_an_error() {
        ps2_sys::interrupts::free(|| {
            assert_eq!(time::sleep(Duration::from_millis(1)), Err(TimeError::InterruptsDisabled));
            assert_eq!(time::wait_vblank(), Err(TimeError::InterruptsDisabled));
        });
    }

    extern "C" fn on_timer1(_cause: i32, arg: *mut c_void, _addr: *mut c_void) -> i32 {
        let t1 = timer(TimerId::T1);
        // SAFETY: writing EQUF back clears it (write 1 to clear); the other bits are rewritten unchanged.
        unsafe { t1.mode.write(t1.mode.read() | TimerMode::EQUAL_FLAG.bits()) };
        let _ = syscall::isignal_sema(SemaId(arg as usize as i32));
        0
    }

    fn timer_compare_interrupt_comes_at_its_period() {
        // Timer 1 on BUSCLK/256 (576 kHz) with COMP 5760 and zero return: an interrupt every 10 ms exactly
        // (5760 × 256 / 147,456,000 s = 2,949,120 CPU cycles).
        const PERIOD: u64 = 2_949_120;
        let sema = syscall::create_sema(0, 100).unwrap();
        let arg = sema.0 as usize as *mut c_void;
        let handler = syscall::add_intc_handler(IntcCause::Timer1, on_timer1, ChainPosition::Last, arg).unwrap();
        syscall::enable_intc(IntcCause::Timer1).unwrap();
        let t1 = timer(TimerId::T1);
        let mode = TimerMode::CLOCK_BUS_256 | TimerMode::ZERO_RETURN | TimerMode::COUNT | TimerMode::COMPARE_INTERRUPT;
        // SAFETY: timer 1 belongs to the program; nothing else in this test binary uses it.
        unsafe {
            t1.mode.write(0);
            t1.count.write(0);
            t1.comp.write(5760);
            t1.mode.write((mode | TimerMode::EQUAL_FLAG).bits());
        }
        syscall::wait_sema(sema).unwrap(); // the first interrupt: from here on the period is exact
        let start = Instant::now();
        for _ in 0..5 {
            syscall::wait_sema(sema).unwrap();
        }
        let took = Instant::now().cycles_since(start);
        // SAFETY: as above.
        unsafe { t1.mode.write(TimerMode::EQUAL_FLAG.bits()) };
        syscall::disable_intc(IntcCause::Timer1).unwrap();
        syscall::remove_intc_handler(IntcCause::Timer1, handler).unwrap();
        syscall::delete_sema(sema).unwrap();
        // Both ends are taken just after an interrupt woke this thread through the same path, so the wake-up
        // latency cancels out: allow one tick of the timer's clock (512 cycles, 1.7 µs), which a period off by one
        // count (5 × 512 cycles) exceeds.
        let expected = 5 * PERIOD;
        assert!(took.abs_diff(expected) <= 512, "5 periods took {took} cycles, expected {expected} ± 512");
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_time: EE-only tests, run with `cargo test -p ps2-sys --test ee_time` (EE target)");
}
