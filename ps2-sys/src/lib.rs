//! # ps2-sys — the PlayStation 2 Emotion Engine runtime
//!
//! Everything a bare EE program needs below the device crates:
//!
//! - [`rt`]: the entry point (`__start`, the crt0 sequence of ps2sdk) and the [`entry!`] macro, so a program is
//!   just `fn main() -> i32` (or `()`, or `Result<(), E>`);
//! - [`syscall`]: the EE kernel's syscall table as typed Rust functions, errors as [`Result`];
//! - [`hw`]: typed memory-mapped registers (DMAC, GS privileged, INTC, timers, SIF, EE SIO);
//! - [`cache`]: data-cache write-back / invalidation over address ranges, uncached and accelerated aliases;
//! - [`clock`]: a cycle clock on COP0 Count (294.912 MHz) with an [`clock::Instant`] API;
//! - [`time`]: waiting without spinning: [`time::wait_vblank`] (an INTC handler and a semaphore),
//!   [`time::sleep`] on kernel alarms, and [`time::FramePacer`];
//! - [`mem`]: `memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen` for the R5900 (quadword `lq`/`sq`,
//!   MMI funnel shifts for misaligned sources), exported unmangled on the EE;
//! - [`interrupts`]: `di`/`ei` and the [`critical_section`] implementation that makes `portable-atomic`,
//!   `spin` and `heapless` work on a CPU without LL/SC;
//! - [`debug`]: [`print!`]/[`println!`] and a [`log`] backend writing to the EE serial port (the PCSX2 EE console);
//! - [`stack_guard`]: a canary region at the bottom of the main stack, checked at exit and in panics, and
//!   published for the simulator, which stops the run at the first access below the stack limit;
//! - [`panic`](mod@panic): a panic handler that prints the message and location and exits with code 101;
//! - [`test`](mod@test): a tiny libtest-shaped harness for tests that run on the EE (in the simulator or PCSX2).
//!
//! A whole program, not compiled as a host doctest (a `no_std` binary needs the panic handler, which this crate
//! provides only on the EE):
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! ps2_sys::entry!(main);
//!
//! fn main() -> i32 {
//!     ps2_sys::println!("Hello from the Emotion Engine");
//!     0
//! }
//! ```
//!
//! On any other target than the EE the crate still builds (so that `cargo doc` and host tests work): hardware
//! accessors then panic with a message saying they only exist on the EE.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(target_arch = "mips", feature(asm_experimental_arch))]
#![deny(missing_docs)]

pub mod arch;
#[cfg(target_arch = "mips")]
mod atomic_libcalls;
pub mod cache;
pub mod clock;
pub mod debug;
pub mod hw;
pub mod interrupts;
pub mod mem;
pub mod panic;
pub mod rt;
pub mod stack_guard;
pub mod syscall;
pub mod test;
pub mod time;

/// The EE core clock in Hz (`CPUCLK` in ps2sdk): COP0 Count advances once per cycle.
pub const CPU_CLOCK_HZ: u32 = 294_912_000;
/// The bus clock in Hz (`kBUSCLK`), which drives the timers and the DMAC.
pub const BUS_CLOCK_HZ: u32 = 147_456_000;
