//! EE tests of the stack guard (`ps2_sys::stack_guard`): where start-up puts it, what it publishes for the
//! simulator, and that the canary check names damage. Run with `cargo test -p ps2-sys --test ee_stack_guard`.
//! On the host this file builds to an empty program.
//!
//! A real overflow cannot be a test here (the simulator stops the run, as it should): that path is
//! `tools/ps2-sim/tests/stack_guard.rs`, against the same descriptor.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use ps2_alloc as _;
    use ps2_sys::stack_guard::{self, CANARY, GUARD_SIZE, MAGIC, OVERFLOW_EXIT_CODE};
    use ps2_sys::syscall;

    ps2_sys::test_main!(
        guard_sits_between_the_heap_and_the_stack_pointer,
        descriptor_is_what_the_simulator_reads,
        intact_guard_passes_the_check,
        damage_through_the_uncached_view_is_named,
    );

    unsafe extern "C" {
        static __ps2_stack_guard: [u32; 3];
    }

    fn guard() -> core::ops::Range<usize> {
        stack_guard::range().expect("start-up installs the guard")
    }

    fn guard_sits_between_the_heap_and_the_stack_pointer() {
        let guard = guard();
        let heap_end = syscall::end_of_heap() as usize;
        let local = 0u32;
        let sp_near = core::ptr::addr_of!(local) as usize;
        assert_eq!(guard.len(), GUARD_SIZE);
        assert_eq!(guard.start % 64, 0);
        assert!(guard.start >= heap_end && guard.start < heap_end + 64, "guard {guard:x?}, heap end {heap_end:#x}");
        assert!(guard.end < sp_near, "guard {guard:x?} below the stack in use ({sp_near:#x})");
    }

    fn descriptor_is_what_the_simulator_reads() {
        // ps2-sim: ps2_sim::elf::STACK_GUARD_MAGIC, three words at the symbol `__ps2_stack_guard`.
        let words = unsafe { core::ptr::read_volatile(core::ptr::addr_of!(__ps2_stack_guard)) };
        assert_eq!(words[0], 0x4753_4B54);
        assert_eq!(words[0], MAGIC);
        assert_eq!((words[1] as usize, words[2] as usize), (guard().start, guard().end));
    }

    fn intact_guard_passes_the_check() {
        assert_eq!(stack_guard::check(), Ok(()));
    }

    fn damage_through_the_uncached_view_is_named() {
        let guard = guard();
        let victim = ps2_sys::cache::uncached((guard.end - 256) as *mut u32);
        // SAFETY: a guard word, restored below; the uncached view is not watched by the simulator.
        unsafe { victim.write_volatile(0x1234_5678) };
        let overflow = stack_guard::check().expect_err("a damaged canary is an overflow");
        // SAFETY: as above.
        unsafe { victim.write_volatile(CANARY) };
        assert_eq!(overflow.limit, guard.end);
        assert_eq!(overflow.deepest_damage, Some(guard.end - 256));
        let text = alloc::format!("{overflow}");
        assert!(text.starts_with("stack overflow: the main thread's stack ran below its limit"), "{text}");
        assert_eq!(stack_guard::check(), Ok(()), "restored");
        assert_eq!(OVERFLOW_EXIT_CODE, 102);
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {}
