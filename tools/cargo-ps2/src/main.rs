//! `cargo ps2`: see the library docs ([`cargo_ps2`]) and the README.

use std::process::ExitCode;

fn main() -> ExitCode {
    cargo_ps2::main_with_args(std::env::args_os().skip(1).collect())
}
