//! # ps2-sim — a BIOS-less headless PlayStation 2 (Emotion Engine side)
//!
//! Runs EE programs built by this project without a Sony BIOS: it loads an ELF (directly or
//! from an ISO9660 disc image through `SYSTEM.CNF`), runs it on the `r5900` interpreter over a
//! model of the EE memory map, and emulates the EE kernel's syscalls at a high level.
//!
//! See the crate README for what is modelled, the cost model and the exit codes.

pub mod hardware;
pub mod io;
pub mod kernel;
pub mod memory;
