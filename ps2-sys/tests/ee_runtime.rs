//! EE integration tests of the runtime: run on the Emotion Engine (simulator or PCSX2) through the runner with
//! `cargo test -p ps2-sys --test ee_runtime`. On the host this file builds to an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use alloc::{boxed::Box, vec::Vec};
    use core::ffi::c_void;
    use core::sync::atomic::{AtomicU32, Ordering};

    use ps2_alloc as _;
    use ps2_sys::syscall::{self, Priority, ThreadParams};

    ps2_sys::test_main!(
        bss_is_zeroed,
        data_is_initialised,
        heap_allocations_work,
        heap_lies_between_image_and_stack,
        memory_size_is_32_mib,
        clock_is_monotonic_and_advances,
        critical_sections_nest_and_restore_interrupts,
        cache_maintenance_keeps_data,
        semaphores_count,
        threads_run_and_signal,
        kernel_errors_name_the_call,
        encoded_arguments_decode_on_the_ee,
        arguments_start_with_the_boot_path_and_are_decoded,
    );

    static mut ZEROED: [u32; 64] = [0; 64];
    static mut INITIALISED: [u32; 4] = [1, 2, 3, 0xDEAD_BEEF];

    fn bss_is_zeroed() {
        // SAFETY: single-threaded read of a static.
        let bss = unsafe { &*core::ptr::addr_of!(ZEROED) };
        assert!(bss.iter().all(|&w| w == 0));
    }

    fn data_is_initialised() {
        // SAFETY: single-threaded read of a static.
        let data = unsafe { &*core::ptr::addr_of!(INITIALISED) };
        assert_eq!(*data, [1, 2, 3, 0xDEAD_BEEF]);
    }

    fn heap_allocations_work() {
        let mut v: Vec<u64> = Vec::new();
        for i in 0..10_000u64 {
            v.push(i * i);
        }
        assert_eq!(v.iter().sum::<u64>(), 333_283_335_000);
        let before = ps2_alloc::stats();
        let big = Box::new([7u8; 64 * 1024]);
        assert!(ps2_alloc::stats().used >= before.used + 64 * 1024);
        assert_eq!(big[65535], 7);
        drop(big);
        assert_eq!(ps2_alloc::stats().used, before.used);
        assert!(ps2_alloc::stats().peak >= before.used + 64 * 1024);
    }

    fn heap_lies_between_image_and_stack() {
        let stats = ps2_alloc::stats();
        // A 32 MiB console with a small program leaves tens of MiB.
        assert!(stats.size > 16 * 1024 * 1024, "heap is only {} bytes", stats.size);
        let end = syscall::end_of_heap() as usize;
        let local = 0u32;
        let stack = &local as *const u32 as usize;
        assert!(end <= stack, "heap end {end:#x} above the stack {stack:#x}");
        let p = Box::into_raw(Box::new(0u32)) as usize;
        assert!(p >= 0x0010_0000 && p < end);
        // SAFETY: from Box::into_raw above.
        drop(unsafe { Box::from_raw(p as *mut u32) });
    }

    fn memory_size_is_32_mib() {
        assert_eq!(syscall::memory_size(), 32 * 1024 * 1024);
    }

    fn clock_is_monotonic_and_advances() {
        let start = ps2_sys::clock::Instant::now();
        let mut x = 0u32;
        for i in 0..10_000 {
            x = core::hint::black_box(x.wrapping_add(i));
        }
        let end = ps2_sys::clock::Instant::now();
        assert!(end > start);
        assert!(end.cycles_since(start) >= 10_000, "10k loop iterations took {} cycles", end.cycles_since(start));
        assert!(end.duration_since(start).as_nanos() > 0);
    }

    fn critical_sections_nest_and_restore_interrupts() {
        assert!(ps2_sys::interrupts::enabled(), "the runtime enables interrupts before main");
        critical_section::with(|_| {
            assert!(!ps2_sys::interrupts::enabled());
            critical_section::with(|_| assert!(!ps2_sys::interrupts::enabled()));
            assert!(!ps2_sys::interrupts::enabled(), "inner section must not re-enable");
        });
        assert!(ps2_sys::interrupts::enabled());
    }

    fn cache_maintenance_keeps_data() {
        #[repr(align(64))]
        struct Lines([u8; 256]);
        let mut buffer = Lines([0; 256]);
        for (i, b) in buffer.0.iter_mut().enumerate() {
            *b = i as u8;
        }
        ps2_sys::cache::writeback_range(buffer.0.as_ptr(), buffer.0.len());
        ps2_sys::cache::writeback_invalidate_range(buffer.0.as_ptr(), buffer.0.len());
        let uncached = ps2_sys::cache::uncached(buffer.0.as_mut_ptr());
        // SAFETY: the uncached alias of a live, written-back buffer.
        let through_alias = unsafe { core::ptr::read_volatile(uncached.add(200)) };
        assert_eq!(through_alias, 200);
        assert_eq!(core::hint::black_box(&buffer.0)[255], 255);
    }

    fn semaphores_count() {
        let sema = syscall::create_sema(2, 2).expect("CreateSema");
        assert!(syscall::poll_sema(sema).unwrap());
        assert!(syscall::poll_sema(sema).unwrap());
        assert!(!syscall::poll_sema(sema).unwrap(), "count exhausted");
        syscall::signal_sema(sema).unwrap();
        syscall::wait_sema(sema).unwrap();
        assert_eq!(syscall::refer_sema_status(sema).unwrap().count, 0);
        syscall::delete_sema(sema).unwrap();
    }

    static WORKER_RESULT: AtomicU32 = AtomicU32::new(0);

    extern "C" fn worker(arg: *mut c_void) {
        let sema = syscall::SemaId(arg as i32);
        WORKER_RESULT.store(42, Ordering::Relaxed);
        syscall::signal_sema(sema).unwrap();
        syscall::exit_thread();
    }

    fn threads_run_and_signal() {
        let done = syscall::create_sema(0, 1).expect("CreateSema");
        let stack: &'static mut [u128] = Box::leak(alloc::vec![0u128; 1024].into_boxed_slice());
        let params = ThreadParams {
            entry: worker,
            stack: stack.as_mut_ptr().cast(),
            stack_size: stack.len() * 16,
            priority: Priority::new(1).unwrap(),
        };
        let thread = syscall::create_thread(&params).expect("CreateThread");
        syscall::start_thread(thread, done.0 as *mut c_void).expect("StartThread");
        syscall::wait_sema(done).unwrap();
        assert_eq!(WORKER_RESULT.load(Ordering::Relaxed), 42);
        syscall::delete_sema(done).unwrap();
    }

    fn kernel_errors_name_the_call() {
        let err = syscall::signal_sema(syscall::SemaId(200)).unwrap_err();
        assert_eq!(err.call, "SignalSema");
        assert!(err.code < 0);
    }

    fn encoded_arguments_decode_on_the_ee() {
        // What ps2-run does to an argument with spaces (PCSX2 cuts -gameargs at spaces), undone in place.
        let mut arg = *b"%%prompt=It+is+a+truth%2C+universally%25";
        let len = ps2_sys::rt::decode_arg_in_place(&mut arg);
        assert_eq!(&arg[..len], b"prompt=It is a truth, universally%");
        let mut plain = *b"steps=24";
        assert_eq!(ps2_sys::rt::decode_arg_in_place(&mut plain), 8);
        assert_eq!(&plain, b"steps=24");
    }

    fn arguments_start_with_the_boot_path_and_are_decoded() {
        let args: Vec<&[u8]> = ps2_sys::rt::args().collect();
        assert!(!args.is_empty(), "argv[0] is the boot path");
        assert!(args.iter().all(|a| !a.starts_with(ps2_sys::rt::ENCODED_ARG_PREFIX)), "decoded before main");
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_runtime: EE-only tests, run with `cargo test -p ps2-sys --test ee_runtime` (EE target)");
}
