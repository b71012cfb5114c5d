//! `ps2-run <elf> [args...]`: the cargo runner (see the library docs for the environment).
//! The logic lives in the library ([`ps2_run::main_with_args`]), shared with `cargo ps2`.

use std::process::ExitCode;

fn main() -> ExitCode {
    ps2_run::main_with_args("ps2-run", std::env::args_os().skip(1))
}
