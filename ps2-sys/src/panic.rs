//! The panic handler: prints the message and its location to the serial port, gives an optional hook (e.g. an
//! on-screen console) the chance to show it too, and exits with code 101 (like a Rust test that panicked).
//!
//! A panic while panicking (in the hook, say) skips the hook and exits at once.

use core::cell::Cell;
use core::panic::PanicInfo;

use critical_section::Mutex;

/// Something that also wants to show panics, e.g. `ps2-gs-text`'s console.
pub type PanicHook = fn(&PanicInfo<'_>);

static HOOK: Mutex<Cell<Option<PanicHook>>> = Mutex::new(Cell::new(None));

/// The exit code of a program that panicked.
pub const PANIC_EXIT_CODE: i32 = 101;

/// Registers a hook that runs after the message is printed and before the program exits. Replaces any
/// earlier hook.
pub fn set_hook(hook: PanicHook) {
    critical_section::with(|cs| HOOK.borrow(cs).set(Some(hook)));
}

/// Removes the hook.
pub fn take_hook() -> Option<PanicHook> {
    critical_section::with(|cs| HOOK.borrow(cs).take())
}

#[cfg(all(target_arch = "mips", not(test)))]
mod handler {
    use core::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    static PANICKING: AtomicBool = AtomicBool::new(false);

    #[panic_handler]
    fn panic(info: &PanicInfo<'_>) -> ! {
        // Interrupt handlers must not run on a broken program; the load/store pair is safe with them off.
        // SAFETY: never re-enabled: the program ends here.
        unsafe { crate::arch::di() };
        if PANICKING.load(Ordering::Relaxed) {
            crate::println!("panicked while panicking: {}", info.message());
            crate::rt::exit(PANIC_EXIT_CODE);
        }
        PANICKING.store(true, Ordering::Relaxed);
        match info.location() {
            Some(location) => crate::println!("panicked at {location}:\n{}", info.message()),
            None => crate::println!("panicked:\n{}", info.message()),
        }
        if let Some(hook) = take_hook() {
            hook(info);
        }
        crate::rt::exit(PANIC_EXIT_CODE)
    }
}
