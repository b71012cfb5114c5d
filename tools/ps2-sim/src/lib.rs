//! # ps2-sim — a BIOS-less headless PlayStation 2 (Emotion Engine side)
//!
//! Runs EE programs built by this project without a Sony BIOS: it loads an ELF (directly or
//! from an ISO9660 disc image through `SYSTEM.CNF`), runs it on the [`r5900`] interpreter over a
//! model of the EE memory map, and emulates the EE kernel's syscalls at a high level.
//!
//! ```no_run
//! use ps2_sim::{Machine, MachineConfig};
//! let mut machine = Machine::from_path("hello.iso".as_ref(), MachineConfig::default())?;
//! let outcome = machine.run();
//! eprintln!("{}", outcome.summary.to_text());
//! std::process::exit(outcome.exit_code());
//! # Ok::<(), ps2_sim::SimError>(())
//! ```
//!
//! See the crate README for what is modelled, the timing model and the exit codes.

#![warn(missing_docs)]

pub mod bench;
pub mod boot;
mod bus;
pub mod cli;
pub mod cpu_glue;
pub mod elf;
pub mod hardware;
pub mod io;
pub mod kernel;
pub mod machine;
pub mod memory;
pub mod sif;
pub mod testkit;

pub use cli::SimOptions;
pub use machine::{
    DEFAULT_MAX_CYCLES, EXIT_BAD_INPUT, EXIT_CYCLE_LIMIT, EXIT_MACHINE_FAULT, EXIT_STACK_OVERFLOW, Machine,
    MachineConfig, ProfileEntry, RunOutcome, SimError, Summary, process_status,
};
