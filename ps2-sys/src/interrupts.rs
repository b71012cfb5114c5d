//! Interrupt masking and the [`critical_section`] implementation.
//!
//! The R5900 has no LL/SC, so atomic read-modify-write operations are built from critical sections: with this
//! crate linked, `critical-section` users (`portable-atomic` with its `critical-section` feature, `heapless`,
//! `spin` via portable-atomic) work on the EE. A critical section disables interrupts with `DI` (Status.EIE)
//! and restores the previous state on exit, so sections nest.
//!
//! This protects against interrupt handlers only. Kernel threads are switched by the scheduler from
//! interrupts or syscalls, so a thread that does not yield inside the section is protected from other
//! threads as well.

/// Whether interrupts are enabled (Status.EIE).
pub fn enabled() -> bool {
    crate::arch::status() & crate::arch::STATUS_EIE != 0
}

/// Runs `f` with interrupts disabled, restoring the previous state afterwards.
pub fn free<R>(f: impl FnOnce() -> R) -> R {
    let was_enabled = enabled();
    if was_enabled {
        // SAFETY: re-enabled below.
        unsafe { crate::arch::di() };
    }
    let result = f();
    if was_enabled {
        // SAFETY: they were enabled on entry.
        unsafe { crate::arch::ei() };
    }
    result
}

#[cfg(target_arch = "mips")]
mod implementation {
    struct EeCriticalSection;
    critical_section::set_impl!(EeCriticalSection);

    // SAFETY: interrupts are the only source of preemption inside a section (see the module docs); acquire
    // disables them and release restores the state acquire found.
    unsafe impl critical_section::Impl for EeCriticalSection {
        unsafe fn acquire() -> critical_section::RawRestoreState {
            let was_enabled = super::enabled();
            if was_enabled {
                // SAFETY: restored by `release`.
                unsafe { crate::arch::di() };
            }
            was_enabled
        }

        unsafe fn release(was_enabled: critical_section::RawRestoreState) {
            if was_enabled {
                // SAFETY: interrupts were enabled when the section began.
                unsafe { crate::arch::ei() };
            }
        }
    }
}
