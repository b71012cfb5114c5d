//! A tiny assembler for tests: encoders for the instructions the tests use, and a harness
//! that runs a program in a [`TestBus`] until its final `break`.

#![allow(dead_code)]

use crate::{Cpu, Stop, TestBus};

pub use crate::asm::*;

/// Where test programs are loaded.
pub const CODE: u32 = 0x0010_0000;
/// A data area in the same RAM.
pub const DATA: u32 = 0x0010_8000;

/// `break 0x3FF`, the end-of-program marker of [`run`].
pub const END: u32 = 0x0000_FFCD;

/// A CPU and bus with `program` at [`CODE`].
pub fn machine(program: &[u32]) -> (Cpu, TestBus) {
    let mut bus = TestBus::new(CODE, 0x1_0000);
    bus.write_words(CODE, program);
    (Cpu::new(CODE), bus)
}

/// Runs `program` (which must end with [`END`]) and returns the CPU.
pub fn run(program: &[u32]) -> Cpu {
    run_with(program, |_, _| {}).0
}

/// Runs `program` after `setup` prepared the CPU and bus; returns both.
pub fn run_with(program: &[u32], setup: impl FnOnce(&mut Cpu, &mut TestBus)) -> (Cpu, TestBus) {
    let (mut cpu, mut bus) = machine(program);
    setup(&mut cpu, &mut bus);
    match cpu.run(&mut bus, 100_000) {
        Stop::Break { code: 0x3FF, .. } => {
            // Stores sit in the data cache; tests look at memory after a write-back of everything.
            cpu.dcache.write_back_all(&mut bus).expect("lines were filled from this bus");
            (cpu, bus)
        }
        other => panic!("program stopped with {other}"),
    }
}
