//! Waiting without spinning: vertical blank, sleeping, frame pacing.
//!
//! - [`wait_vblank`] blocks the calling thread until the next vertical blank starts. The first call installs an
//!   INTC handler on `VBLANK_START` (cause 2) that counts fields ([`vblank_count`]) and signals a kernel
//!   semaphore once for every thread waiting on it (`iReferSemaStatus`, then `iSignalSema`), so a waiter always
//!   gets the *next* blank and a blank nobody waits for leaves nothing behind. The waiting thread sits in
//!   `WaitSema`: other threads run meanwhile.
//! - [`sleep`] blocks the calling thread for at least a [`Duration`] on a kernel alarm (`SetAlarm`, syscall
//!   0x18), whose unit is one H-blank of the current video mode (NTSC: 4.5 MHz / 286 = 15,734.27 lines per
//!   second, 63.56 µs; PAL: 15,625, 64 µs). The alarm handler signals a semaphore the sleeper waits on.
//! - [`FramePacer`] runs a loop once every N fields and reports the frames it missed.
//!
//! # Why a semaphore and not `SleepThread`
//! ps2sdk's `nanosleep` wakes the sleeper with `iWakeupThread` and waits in `SleepThread`; its `DelayThread`
//! signals a semaphore instead. The semaphore is used here for both waits: a wake-up that comes before the
//! thread blocks (an alarm due in one line, a blank during the set-up) is kept in the semaphore's count rather
//! than lost — the unpatched kernel's `iWakeupThread` cannot wake the running thread — and no other
//! `WakeupThread` aimed at the thread can end the sleep early.
//!
//! # Units
//! An alarm of `n` ticks fires on the `n`-th H-blank after it is set, that is after between `n - 1` and `n`
//! lines; [`sleep`] asks for one more line than the duration needs, so it never returns early and overshoots by
//! at most two lines (127 µs on NTSC). Durations longer than one alarm (65,535 lines, 4.17 s on NTSC) are
//! slept in several alarms, one after the other: a sleep never cancels an alarm, so it does not depend on
//! `ReleaseAlarm`, which ps2sdk's `alarm.c` says no retail or debug kernel releases correctly. The line rate follows [`syscall::set_gs_crt`]; before
//! any call it is NTSC's, the mode the console boots an NTSC program in (see [`set_video_mode`]).
//!
//! ```no_run
//! use core::time::Duration;
//! use ps2_sys::time::{self, FramePacer};
//!
//! time::sleep(Duration::from_millis(10)).expect("sleep");
//! let mut pacer = FramePacer::new(1);
//! loop {
//!     // ... one frame of work ...
//!     let frame = pacer.wait().expect("VBLANK");
//!     if frame.missed > 0 {
//!         ps2_sys::println!("{} frames late", frame.missed);
//!     }
//! }
//! ```

use core::cell::Cell;
use core::ffi::c_void;
use core::fmt;
use core::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use core::time::Duration;

use critical_section::Mutex;

use crate::syscall::{self, ChainPosition, HandlerId, IntcCause, KernelError, SemaId, VideoMode};

/// Why a wait could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// Interrupts are disabled (Status.EIE clear): the interrupt that ends the wait could never come.
    InterruptsDisabled,
    /// A kernel call failed (no free semaphore, alarm or handler slot).
    Kernel(KernelError),
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::InterruptsDisabled => {
                write!(f, "cannot wait with interrupts disabled: the interrupt that ends the wait would never come")
            }
            TimeError::Kernel(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for TimeError {}

impl From<KernelError> for TimeError {
    fn from(e: KernelError) -> Self {
        TimeError::Kernel(e)
    }
}

// --- line rates and alarm ticks -----------------------------------------------------------------------

/// A horizontal line rate as an exact fraction: `numerator / denominator` lines per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRate {
    /// Lines per `denominator` seconds.
    pub numerator: u64,
    /// Seconds the numerator is counted over.
    pub denominator: u64,
}

impl LineRate {
    /// NTSC: 4.5 MHz / 286 = 15,734.27 Hz (the colour NTSC line rate, SMPTE 170M; 262.5 lines a field at
    /// 60 / 1.001 fields a second).
    pub const NTSC: LineRate = LineRate { numerator: 4_500_000, denominator: 286 };
    /// PAL: 15,625 Hz (625 lines × 25 frames).
    pub const PAL: LineRate = LineRate { numerator: 15_625, denominator: 1 };
    /// 480p: twice NTSC's rate, 31,468.53 Hz.
    pub const DTV_480P: LineRate = LineRate { numerator: 9_000_000, denominator: 286 };

    /// The line rate of a video mode.
    pub const fn of(mode: VideoMode) -> LineRate {
        match mode {
            VideoMode::Ntsc => LineRate::NTSC,
            VideoMode::Pal => LineRate::PAL,
            VideoMode::Dtv480p => LineRate::DTV_480P,
        }
    }

    /// Lines that start within `duration`, rounded up.
    pub fn lines_in(self, duration: Duration) -> u64 {
        let nanos = duration.as_nanos();
        let num = nanos * self.numerator as u128;
        let den = 1_000_000_000u128 * self.denominator as u128;
        num.div_ceil(den).min(u64::MAX as u128) as u64
    }

    /// The duration of `lines` lines.
    pub fn duration_of(self, lines: u64) -> Duration {
        let nanos = lines as u128 * 1_000_000_000 * self.denominator as u128 / self.numerator as u128;
        Duration::new((nanos / 1_000_000_000) as u64, (nanos % 1_000_000_000) as u32)
    }
}

/// The longest single alarm, in lines (`SetAlarm` takes a 16-bit count).
pub const MAX_ALARM_TICKS: u16 = u16::MAX;

/// The alarms that make up a sleep of `duration` at `rate`: at least one line more than the duration spans
/// (an alarm of `n` ticks may fire after only `n - 1` whole lines), split into alarms of at most
/// [`MAX_ALARM_TICKS`]. Empty for a zero duration.
pub fn alarm_ticks(duration: Duration, rate: LineRate) -> impl Iterator<Item = u16> {
    let lines = if duration.is_zero() { 0 } else { rate.lines_in(duration).saturating_add(1) };
    let full = lines / MAX_ALARM_TICKS as u64;
    let rest = (lines % MAX_ALARM_TICKS as u64) as u16;
    (0..full).map(|_| MAX_ALARM_TICKS).chain((rest > 0).then_some(rest))
}

/// The video mode whose line rate [`sleep`] counts in (a [`VideoMode`] as `u8`).
static VIDEO_MODE: AtomicU8 = AtomicU8::new(VideoMode::Ntsc as u8);

/// Tells [`sleep`] the video mode the GS runs in, which sets the kernel alarms' tick (one H-blank).
/// [`syscall::set_gs_crt`] calls it; call it yourself only when the mode is set some other way.
pub fn set_video_mode(mode: VideoMode) {
    VIDEO_MODE.store(mode as u8, Ordering::Relaxed);
}

/// The line rate [`sleep`] counts in.
pub fn line_rate() -> LineRate {
    let mode = match VIDEO_MODE.load(Ordering::Relaxed) {
        m if m == VideoMode::Pal as u8 => VideoMode::Pal,
        m if m == VideoMode::Dtv480p as u8 => VideoMode::Dtv480p,
        _ => VideoMode::Ntsc,
    };
    LineRate::of(mode)
}

// --- blocking primitives --------------------------------------------------------------------------------

fn check_can_block() -> Result<(), TimeError> {
    if !crate::interrupts::enabled() {
        return Err(TimeError::InterruptsDisabled);
    }
    Ok(())
}

/// A semaphore created for one wait and deleted after it.
struct OneShotSema(SemaId);

impl OneShotSema {
    fn new() -> Result<Self, TimeError> {
        Ok(OneShotSema(syscall::create_sema(0, 1)?))
    }
}

impl Drop for OneShotSema {
    fn drop(&mut self) {
        // Deleting a semaphore this function created and nobody else waits on cannot fail.
        let _ = syscall::delete_sema(self.0);
    }
}

extern "C" fn alarm_signals_sema(_id: i32, _time: u16, common: *mut c_void) {
    // The semaphore id travels in the alarm's `common` pointer. Nothing to do if it fails: the sleeper's
    // semaphore exists until the alarm has fired.
    let _ = syscall::isignal_sema(SemaId(common as usize as i32));
}

/// Blocks the calling thread for at least `duration` (and at most two H-blank lines more) on kernel alarms.
/// Other threads run meanwhile. A zero duration returns at once.
///
/// Fails with [`TimeError::InterruptsDisabled`] when interrupts are off (the alarm could never fire), or when
/// the kernel has no free semaphore or alarm.
pub fn sleep(duration: Duration) -> Result<(), TimeError> {
    sleep_lines(alarm_ticks(duration, line_rate()))
}

/// Blocks the calling thread for `ticks` H-blanks per alarm (see [`alarm_ticks`]).
fn sleep_lines(ticks: impl Iterator<Item = u16>) -> Result<(), TimeError> {
    let mut ticks = ticks.peekable();
    if ticks.peek().is_none() {
        return Ok(());
    }
    check_can_block()?;
    let sema = OneShotSema::new()?;
    for n in ticks {
        let common = sema.0.0 as usize as *mut c_void;
        syscall::set_alarm(n, alarm_signals_sema, common)?;
        syscall::wait_sema(sema.0)?;
    }
    Ok(())
}

// --- vertical blank -------------------------------------------------------------------------------------

/// Fields since the VBLANK handler was installed (written by the handler only, so loads and stores suffice).
static VBLANK_COUNT: AtomicU32 = AtomicU32::new(0);

/// The installed VBLANK handler: its semaphore and handler id.
static VBLANK: Mutex<Cell<Option<(SemaId, HandlerId)>>> = Mutex::new(Cell::new(None));

extern "C" fn vblank_handler(_cause: i32, arg: *mut c_void, _addr: *mut c_void) -> i32 {
    VBLANK_COUNT.store(VBLANK_COUNT.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    let sema = SemaId(arg as usize as i32);
    // Wake every thread waiting right now, and leave the count at zero: a later waiter waits for the next
    // blank, not for one that happened before it asked.
    if let Ok(status) = syscall::irefer_sema_status(sema) {
        for _ in 0..status.waiting_threads {
            let _ = syscall::isignal_sema(sema);
        }
    }
    0 // let the next handler of the chain run
}

/// Installs the VBLANK handler if it is not installed yet; returns its semaphore.
fn vblank_sema() -> Result<SemaId, TimeError> {
    critical_section::with(|cs| {
        let cell = VBLANK.borrow(cs);
        if let Some((sema, _)) = cell.get() {
            return Ok(sema);
        }
        let sema = syscall::create_sema(0, i32::MAX)?;
        let arg = sema.0 as usize as *mut c_void;
        let handler = match syscall::add_intc_handler(IntcCause::VblankStart, vblank_handler, ChainPosition::Last, arg)
        {
            Ok(h) => h,
            Err(e) => {
                let _ = syscall::delete_sema(sema);
                return Err(e.into());
            }
        };
        syscall::enable_intc(IntcCause::VblankStart)?;
        cell.set(Some((sema, handler)));
        Ok(sema)
    })
}

/// Installs the VBLANK handler behind [`wait_vblank`] and [`vblank_count`] now rather than at the first wait
/// (so that the count starts now).
pub fn init_vblank() -> Result<(), TimeError> {
    vblank_sema().map(drop)
}

/// Fields (vertical blanks) counted since the VBLANK handler was installed ([`init_vblank`] or the first
/// [`wait_vblank`]); wraps at 2³².
pub fn vblank_count() -> u32 {
    VBLANK_COUNT.load(Ordering::Relaxed)
}

/// Blocks the calling thread until the next vertical blank starts; returns [`vblank_count`] then.
///
/// Any number of threads may wait at once: every one of them wakes at the blank.
pub fn wait_vblank() -> Result<u32, TimeError> {
    let sema = vblank_sema()?;
    check_can_block()?;
    syscall::wait_sema(sema)?;
    Ok(vblank_count())
}

// --- frame pacing ---------------------------------------------------------------------------------------

/// What [`FramePacer::wait`] reports about the frame that just ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Frame slots that passed without a frame because the work took too long (0 when on time).
    pub missed: u32,
    /// [`vblank_count`] at the start of the new frame.
    pub vblank: u32,
}

/// What the pacer does next, given where the frame's work ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacePlan {
    /// Wait until [`vblank_count`] reaches this (wrapping comparison).
    pub until: u32,
    /// Frame slots missed.
    pub missed: u32,
}

/// Plans the end of a frame that started at field `start` and should last `interval` fields, now that the
/// count reads `now`: on time, wait for field `start + interval`; late, count the slots that went by and wait
/// for the next field, which starts the next frame in step with the display again.
pub fn plan_frame(start: u32, interval: u32, now: u32) -> PacePlan {
    let interval = interval.max(1);
    let elapsed = now.wrapping_sub(start);
    if elapsed < interval {
        PacePlan { until: start.wrapping_add(interval), missed: 0 }
    } else {
        PacePlan { until: now.wrapping_add(1), missed: (elapsed - interval) / interval + 1 }
    }
}

/// Runs a loop at a steady rate: one frame every `interval` fields (1: 59.94 frames a second on NTSC, 2: 29.97),
/// waiting in [`wait_vblank`] between frames and reporting frames the work overran.
#[derive(Debug)]
pub struct FramePacer {
    interval: u32,
    start: Option<u32>,
}

impl FramePacer {
    /// A pacer for one frame every `interval` fields (0 counts as 1).
    pub const fn new(interval: u32) -> FramePacer {
        FramePacer { interval: if interval == 0 { 1 } else { interval }, start: None }
    }

    /// Fields per frame.
    pub const fn interval(&self) -> u32 {
        self.interval
    }

    /// Ends the current frame: blocks until the next frame is due and says how many were missed. The first call
    /// waits for the next blank (and installs the VBLANK handler if needed).
    pub fn wait(&mut self) -> Result<Frame, TimeError> {
        let start = match self.start {
            Some(start) => start,
            None => {
                let vblank = wait_vblank()?;
                self.start = Some(vblank);
                return Ok(Frame { missed: 0, vblank });
            }
        };
        let plan = plan_frame(start, self.interval, vblank_count());
        let mut vblank = vblank_count();
        while (vblank.wrapping_sub(plan.until) as i32) < 0 {
            vblank = wait_vblank()?;
        }
        self.start = Some(vblank);
        Ok(Frame { missed: plan.missed, vblank })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntsc_and_pal_line_rates() {
        // 4.5 MHz / 286 = 15734.2657 lines/s; 10 ms span 157.34 NTSC lines, exactly 156.25 PAL lines.
        assert_eq!(LineRate::NTSC.lines_in(Duration::from_secs(1)), 15_735);
        assert_eq!(LineRate::NTSC.lines_in(Duration::from_secs(286)), 4_500_000);
        assert_eq!(LineRate::NTSC.lines_in(Duration::from_millis(10)), 158);
        assert_eq!(LineRate::PAL.lines_in(Duration::from_millis(10)), 157);
        assert_eq!(LineRate::PAL.lines_in(Duration::from_micros(64)), 1);
        assert_eq!(LineRate::PAL.duration_of(15_625), Duration::from_secs(1));
        assert_eq!(LineRate::NTSC.duration_of(4_500_000), Duration::from_secs(286));
        assert_eq!(LineRate::of(VideoMode::Dtv480p).lines_in(Duration::from_millis(10)), 315);
    }

    #[test]
    fn alarms_cover_the_duration_plus_one_line() {
        let ticks: Vec<u16> = alarm_ticks(Duration::from_millis(10), LineRate::NTSC).collect();
        assert_eq!(ticks, [159]);
        // The shortest alarm still waits for a whole line.
        let ticks: Vec<u16> = alarm_ticks(Duration::from_nanos(1), LineRate::NTSC).collect();
        assert_eq!(ticks, [2]);
        assert_eq!(alarm_ticks(Duration::ZERO, LineRate::NTSC).count(), 0);
        // Never early: n ticks last at least n - 1 lines, which covers the duration.
        for ms in [1u64, 7, 16, 33, 100, 999] {
            let d = Duration::from_millis(ms);
            let lines: u64 = alarm_ticks(d, LineRate::NTSC).map(u64::from).sum();
            assert!(LineRate::NTSC.duration_of(lines - 1) >= d, "{ms} ms");
            assert!(LineRate::NTSC.duration_of(lines - 2) < d, "{ms} ms: more than two lines extra");
        }
    }

    #[test]
    fn long_sleeps_are_split_into_16_bit_alarms() {
        // 10 s of NTSC = 157,342.66 lines -> 157,344 ticks = 65,535 + 65,535 + 26,274.
        let ticks: Vec<u16> = alarm_ticks(Duration::from_secs(10), LineRate::NTSC).collect();
        assert_eq!(ticks, [65_535, 65_535, 26_274]);
        let ticks: Vec<u16> = alarm_ticks(LineRate::PAL.duration_of(2 * 65_535 - 1), LineRate::PAL).collect();
        assert_eq!(ticks, [65_535, 65_535]);
    }

    #[test]
    fn pacer_on_time_waits_for_the_next_slot() {
        assert_eq!(plan_frame(100, 1, 100), PacePlan { until: 101, missed: 0 });
        assert_eq!(plan_frame(100, 2, 101), PacePlan { until: 102, missed: 0 });
        assert_eq!(plan_frame(100, 3, 100), PacePlan { until: 103, missed: 0 });
    }

    #[test]
    fn pacer_late_counts_missed_slots_and_resyncs() {
        // Work ran past the blank that should have started the next frame.
        assert_eq!(plan_frame(100, 1, 101), PacePlan { until: 102, missed: 1 });
        assert_eq!(plan_frame(100, 1, 103), PacePlan { until: 104, missed: 3 });
        assert_eq!(plan_frame(100, 2, 102), PacePlan { until: 103, missed: 1 });
        assert_eq!(plan_frame(100, 2, 103), PacePlan { until: 104, missed: 1 });
        assert_eq!(plan_frame(100, 2, 104), PacePlan { until: 105, missed: 2 });
    }

    #[test]
    fn pacer_survives_the_counter_wrapping() {
        assert_eq!(plan_frame(u32::MAX, 1, u32::MAX), PacePlan { until: 0, missed: 0 });
        assert_eq!(plan_frame(u32::MAX - 1, 1, 1), PacePlan { until: 2, missed: 3 });
        assert_eq!(plan_frame(5, 0, 5), PacePlan { until: 6, missed: 0 });
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = TimeError::Kernel(KernelError { call: "SetAlarm", code: -1 });
        assert_eq!(e.to_string(), "SetAlarm failed: the kernel returned -1");
        assert!(TimeError::InterruptsDisabled.to_string().contains("interrupts disabled"));
    }
}
