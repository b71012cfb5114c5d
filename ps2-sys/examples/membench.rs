//! Cycles per byte of `memcpy` and `memset` on the EE: `ps2_sys::mem` against `compiler_builtins`' own
//! implementations and a plain byte loop, at 16 B, 256 B, 4 KiB and 64 KiB, aligned and misaligned.
//!
//! `cargo run --release -p ps2-sys --example membench` (in the simulator, the cycles are its estimate; see
//! `tools/ps2-sim/README.md`). Each figure is one batch of calls (through an opaque function pointer) on the
//! same buffers after one warm-up call, timed with COP0 Count (`ps2_sys::clock::Instant`), less the cost of
//! calling an empty function in the same loop, divided by the bytes: the data cache is warm where the
//! buffers fit in it (up to 4 KiB), and missing at 64 KiB.
//!
//! `compiler_builtins` is the crate `-Zbuild-std` builds from the toolchain's `rust-src`; its
//! `mem::memcpy`/`mem::memset` are public, always compiled (the `mem` feature only adds the unmangled
//! symbols), and reachable from a program with `#![feature(rustc_private)]` and `extern crate
//! compiler_builtins`. On the EE they take their generic path (word copies, shifts for misaligned sources).
#![cfg_attr(target_arch = "mips", no_std, no_main, feature(rustc_private))]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;
    extern crate compiler_builtins;

    use alloc::vec;
    use core::ffi::{c_int, c_void};
    use core::hint::black_box;
    use core::ptr::{read_volatile, write_volatile};

    use ps2_alloc as _;
    use ps2_sys::clock::Instant;

    ps2_sys::entry!(main);

    type CopyFn = unsafe extern "C" fn(*mut u8, *const u8, usize) -> *mut u8;
    type SetFn = unsafe extern "C" fn(*mut u8, c_int, usize) -> *mut u8;

    /// A copy that does nothing: the cost of the call and the timing loop, subtracted from every figure.
    unsafe extern "C" fn empty_copy(d: *mut u8, _: *const u8, _: usize) -> *mut u8 {
        d
    }

    /// A fill that does nothing (as [`empty_copy`]).
    unsafe extern "C" fn empty_set(d: *mut u8, _: c_int, _: usize) -> *mut u8 {
        d
    }

    /// The byte loop this crate had before (volatile, so LLVM keeps it a byte loop).
    unsafe extern "C" fn byte_memcpy(d: *mut u8, s: *const u8, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: forwarded contract.
            unsafe { write_volatile(d.add(i), read_volatile(s.add(i))) };
        }
        d
    }

    /// The byte-loop fill.
    unsafe extern "C" fn byte_memset(d: *mut u8, c: c_int, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: forwarded contract.
            unsafe { write_volatile(d.add(i), c as u8) };
        }
        d
    }

    const SIZES: [usize; 4] = [16, 256, 4096, 65536];

    /// Calls per batch: enough bytes that the timing overhead vanishes.
    fn calls(n: usize) -> usize {
        (262_144 / n).clamp(4, 256)
    }

    /// Cycles per byte, times 100 (printed with two decimals), less `overhead` cycles per call.
    fn per_byte_x100(cycles: u64, calls: usize, n: usize, overhead: u64) -> u64 {
        let cycles = cycles.saturating_sub(overhead * calls as u64);
        (cycles * 100 + (calls * n) as u64 / 2) / (calls * n) as u64
    }

    /// Cycles of `calls(n)` calls of `f` (after one warm-up call).
    fn run_copy(f: CopyFn, dst: *mut u8, src: *const u8, n: usize) -> u64 {
        // The function pointer is opaque, so every call stays a call of exactly this function.
        let f = black_box(f);
        // SAFETY (both blocks): the caller passes buffers of at least n bytes.
        unsafe { f(dst, src, n) };
        let start = Instant::now();
        for _ in 0..calls(n) {
            unsafe { f(dst, src, n) };
        }
        Instant::now().cycles_since(start)
    }

    /// Cycles of `calls(n)` calls of `f` (after one warm-up call).
    fn run_set(f: SetFn, dst: *mut u8, n: usize) -> u64 {
        let f = black_box(f);
        // SAFETY (both blocks): the caller passes a buffer of at least n bytes.
        unsafe { f(dst, 0x5A, n) };
        let start = Instant::now();
        for _ in 0..calls(n) {
            unsafe { f(dst, 0x5A, n) };
        }
        Instant::now().cycles_since(start)
    }

    fn show(x100: u64) -> alloc::string::String {
        alloc::format!("{}.{:02}", x100 / 100, x100 % 100)
    }

    fn row(what: &str, case: &str, n: usize, ours: u64, builtins: u64, bytes: u64) {
        let ratio = builtins * 10 / ours.max(1);
        ps2_sys::println!(
            "| {what:<6} | {case:<22} | {n:>6} | {:>7} | {:>17} | {:>9} | {:>3}.{}x |",
            show(ours),
            show(builtins),
            show(bytes),
            ratio / 10,
            ratio % 10
        );
    }

    fn main() -> i32 {
        // 16-byte aligned buffers with room for the offsets.
        let mut src = vec![0u128; 65536 / 16 + 2];
        let mut dst = vec![0u128; 65536 / 16 + 2];
        let (s, d) = (src.as_mut_ptr().cast::<u8>(), dst.as_mut_ptr().cast::<u8>());
        for i in 0..65536 + 32 {
            // SAFETY: in bounds.
            unsafe { write_volatile(s.add(i), i as u8) };
        }
        let builtins_memcpy: CopyFn = compiler_builtins::mem::memcpy;
        let builtins_memset: SetFn = compiler_builtins::mem::memset;
        // SAFETY: the same C signatures, with `u8` instead of `c_void` pointers.
        let (ps2_memcpy, ps2_memset) = unsafe {
            (
                core::mem::transmute::<unsafe extern "C" fn(*mut c_void, *const c_void, usize) -> *mut c_void, CopyFn>(
                    ps2_sys::mem::memcpy,
                ),
                core::mem::transmute::<unsafe extern "C" fn(*mut c_void, c_int, usize) -> *mut c_void, SetFn>(
                    ps2_sys::mem::memset,
                ),
            )
        };
        let copy_overhead = run_copy(empty_copy, d, s, 16) / calls(16) as u64;
        let set_overhead = run_set(empty_set, d, 16) / calls(16) as u64;

        ps2_sys::println!(
            "cycles per byte (simulator estimate; lower is better), less the {copy_overhead} (memcpy) and \
             {set_overhead} (memset) cycles per call of calling an empty function in the timing loop"
        );
        ps2_sys::println!();
        ps2_sys::println!("| fn     | case                   |  bytes | ps2-sys | compiler_builtins | byte loop | speed-up |");
        ps2_sys::println!("|--------|------------------------|-------:|--------:|------------------:|----------:|---------:|");
        let copies: [(&str, usize, usize); 3] =
            [("aligned", 0, 0), ("dst+4, src+8 (words)", 4, 8), ("dst+1, src+6", 1, 6)];
        for (case, d_off, s_off) in copies {
            for n in SIZES {
                // SAFETY: offsets below 16 plus n bytes fit the buffers.
                let (dd, ss) = unsafe { (d.add(d_off), s.add(s_off)) };
                let time = |f| per_byte_x100(run_copy(f, dd, ss, n), calls(n), n, copy_overhead);
                let (ours, builtins, bytes) = (time(ps2_memcpy), time(builtins_memcpy), time(byte_memcpy));
                row("memcpy", case, n, ours, builtins, bytes);
            }
        }
        for (case, d_off) in [("aligned", 0), ("dst+3", 3)] {
            for n in SIZES {
                // SAFETY: as above.
                let dd = unsafe { d.add(d_off) };
                let time = |f| per_byte_x100(run_set(f, dd, n), calls(n), n, set_overhead);
                let (ours, builtins, bytes) = (time(ps2_memset), time(builtins_memset), time(byte_memset));
                row("memset", case, n, ours, builtins, bytes);
            }
        }
        0
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {}
