//! A small test harness for tests that run on the EE.
//!
//! Integration tests of EE crates are built as harness-less test binaries (`harness = false`) that cargo
//! hands to the runner, which runs them in the simulator (or PCSX2). [`test_main!`](crate::test_main) gives
//! such a binary a `main` that runs every listed test and prints libtest-shaped output:
//!
//! ```text
//! running 2 tests
//! test bss_is_zeroed ... ok
//! test heap_works ... ok
//!
//! test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out
//! ```
//!
//! A failing test panics; the panic handler prints the message and exits with code 101, so the run fails and
//! names the test (its `test name ...` line is the last one before the panic message).
//!
//! A test binary, not compiled as a host doctest (a `no_std` binary needs the panic handler, which this crate
//! provides only on the EE):
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! ps2_sys::test_main!(adds);
//!
//! fn adds() {
//!     assert_eq!(1 + 1, 2);
//! }
//! ```

use crate::clock::Instant;

/// One test: its name and its function.
#[derive(Clone, Copy)]
pub struct Test {
    /// The name printed in the report.
    pub name: &'static str,
    /// The test; it fails by panicking.
    pub run: fn(),
}

/// Runs `tests` in order, printing a libtest-shaped report with the cycles each took, and returns 0.
pub fn run(tests: &[Test]) -> i32 {
    crate::println!();
    crate::println!("running {} tests", tests.len());
    for test in tests {
        crate::print!("test {} ... ", test.name);
        let start = Instant::now();
        (test.run)();
        crate::println!("ok ({} cycles)", Instant::now().cycles_since(start));
    }
    crate::println!();
    crate::println!("test result: ok. {} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out", tests.len());
    0
}

/// Declares a test binary's `main`: runs the listed test functions with [`run`].
#[macro_export]
macro_rules! test_main {
    ($($test:path),* $(,)?) => {
        $crate::entry!(__ps2_test_main);
        fn __ps2_test_main() -> i32 {
            $crate::test::run(&[
                $($crate::test::Test { name: stringify!($test), run: $test }),*
            ])
        }
    };
}
