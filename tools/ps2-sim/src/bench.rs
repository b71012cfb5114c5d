//! The built-in benchmark (`ps2-sim --bench N`): a loop of ordinary integer code (load, ALU,
//! shift, store, counter, branch with a filled delay slot) run through the whole machine —
//! bus, run loop, event checks — to measure simulated instructions per host second.

use crate::machine::{Machine, MachineConfig};
use crate::testkit::{self, r};

/// Instructions per loop iteration of the benchmark program.
const LOOP_INSTRUCTIONS: u64 = 8;

/// The benchmark program for `iterations` loop iterations, as an ELF.
pub fn program(iterations: u32) -> Vec<u8> {
    let mut code = vec![lui_t0(), testkit::addiu(r::T1, r::ZERO, 0)];
    code.extend(testkit::li32(r::T2, iterations));
    code.extend([
        testkit::lw(r::T3, 0, r::T0),
        testkit::addu(r::T3, r::T3, r::T1),
        testkit::xor(r::T4, r::T3, r::T1),
        testkit::sll(r::T5, r::T4, 3),
        testkit::sw(r::T5, 4, r::T0),
        testkit::addiu(r::T1, r::T1, 1),
        testkit::bne(r::T1, r::T2, -7),
        testkit::addiu(r::T6, r::T6, 1),
        testkit::addiu(r::A0, r::ZERO, 0),
    ]);
    code.extend(testkit::sys(4));
    let len = code.len();
    testkit::build_exe(0x0010_0000, &code, &[("bench_loop", 0, len)])
}

fn lui_t0() -> u32 {
    testkit::lui(r::T0, 0x0020)
}

/// Runs about `instructions` instructions and describes the speed.
pub fn run(instructions: u64) -> String {
    let iterations = (instructions / LOOP_INSTRUCTIONS).clamp(1, u32::MAX as u64) as u32;
    let config = MachineConfig { max_cycles: u64::MAX, echo_console: false, ..MachineConfig::default() };
    let mut machine = Machine::from_elf_bytes(&program(iterations), "bench", config)
        .expect("the benchmark program is valid");
    let outcome = machine.run();
    let s = &outcome.summary;
    format!(
        "bench: {} ({} instructions, {} est. cycles) in {:.3} s host = {:.1} M simulated instr/s",
        s.outcome,
        s.instructions,
        s.cycles,
        s.host_seconds,
        s.instructions_per_second / 1e6
    )
}
