//! # cargo-ps2 — PlayStation 2 homebrew with cargo
//!
//! `cargo ps2` is a cargo subcommand that carries everything a PS2 (Emotion Engine) program needs to
//! build besides the SDK crates themselves: the target specification, the linker script and the
//! runner. A project needs no `.cargo/config.toml` and no copied files.
//!
//! | command | what it does |
//! |---|---|
//! | `cargo ps2 new NAME [--sdk-path DIR]` | a new project ([`new`]) |
//! | `cargo ps2 build [ARGS]` | `cargo build` for the EE ([`cargo`]) |
//! | `cargo ps2 run [ARGS] [-- PROGRAM ARGS]` | build, ISA check, disc image, run in PCSX2 or the simulator |
//! | `cargo ps2 test [ARGS]` | the project's EE tests in the simulator |
//! | `cargo ps2 iso [--out FILE] [ARGS]` | a bootable disc image ([`iso`]) |
//!
//! `run` and `test` make this same executable cargo's runner (its hidden `runner` subcommand), which
//! is the workspace's runner, [`ps2_run::main_with_args`]: the same ISA check, disc image and
//! backends as `cargo run` inside the SDK.
//!
//! [`main_with_args`] is the whole command line; [`cli::parse`] turns it into a [`cli::Command`].

#![warn(missing_docs)]

pub mod cargo;
pub mod cli;
pub mod iso;
pub mod new;
pub mod sdk;

use std::ffi::OsString;
use std::process::ExitCode;

use cli::Command;

/// Exit code of `cargo ps2` for its own errors (bad arguments, a project that cannot be created, …).
/// Otherwise it exits with cargo's (or the program's) status.
pub const EXIT_ERROR: u8 = 2;

/// Runs `cargo ps2` with `argv` (the arguments after the executable's name; a leading `ps2`, which
/// cargo passes to a subcommand, is skipped). Errors are printed on stderr as `cargo ps2: …`.
pub fn main_with_args(argv: Vec<OsString>) -> ExitCode {
    let command = match cli::parse(argv) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("cargo ps2: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let result = match command {
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(0)
        }
        Command::Version => {
            println!("cargo-ps2 {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        Command::New(options) => new::create(&options).map(|dir| {
            println!(
                "cargo ps2: created the PS2 project `{}` in {}\n  next: cd {} && cargo ps2 run",
                options.name().unwrap_or_default(),
                dir.display(),
                dir.display()
            );
            0
        }),
        Command::Cargo { subcommand, args } => cargo::run(subcommand, &args),
        Command::Iso { out, args } => iso::build(out.as_deref(), &args).map(|image| {
            println!("cargo ps2: wrote the disc image {}", image.display());
            0
        }),
        Command::Runner(args) => return ps2_run::main_with_args("cargo ps2 runner", args),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(message) => {
            eprintln!("cargo ps2: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
