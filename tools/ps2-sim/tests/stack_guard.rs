//! The stack guard the simulator watches: a program publishes a guard region below its stack through
//! the `__ps2_stack_guard` descriptor (as `ps2_sys::stack_guard` does at start-up); once published, a
//! cached store or load inside it stops the run with a message naming the overflow and its own exit code.
//!
//! The guests are hand-encoded: a "recursion" that pushes 16 bytes per step without end, as a runaway
//! recursive function does.

use ps2_sim::elf::STACK_GUARD_MAGIC;
use ps2_sim::testkit::{self, r};
use ps2_sim::{Machine, MachineConfig, SimError};

const BASE: u32 = 0x0010_0000;
const GUARD_START: u32 = 0x0018_0000;
const GUARD_END: u32 = 0x0018_1000;
const STACK_TOP: u32 = 0x0018_2000;

/// Publishes the descriptor (when `publish`), writes it back with `FlushCache(0)`, then pushes
/// `steps` frames of 16 bytes from `STACK_TOP` down (forever when `steps` is 0) and exits with 5.
fn program(publish: bool, steps: u16) -> Vec<u8> {
    let mut code = Vec::new();
    let descriptor_word = 64; // the descriptor's three words lie after the code
    code.extend(testkit::li32(r::T0, BASE + 4 * descriptor_word));
    if publish {
        for (offset, value) in [(0, STACK_GUARD_MAGIC), (4, GUARD_START), (8, GUARD_END)] {
            code.extend(testkit::li32(r::T1, value));
            code.push(testkit::sw(r::T1, offset, r::T0));
        }
    }
    code.push(testkit::addiu(r::A0, r::ZERO, 0));
    code.extend(testkit::sys(0x64)); // FlushCache(0)
    code.extend(testkit::li32(r::SP, STACK_TOP));
    code.push(testkit::addiu(r::T2, r::ZERO, steps as i16));
    // loop: sp -= 16; sw ra, 12(sp); t2 -= 1; bne t2, zero, loop
    let loop_start = code.len();
    code.push(testkit::addiu(r::SP, r::SP, -16));
    code.push(testkit::sw(r::RA, 12, r::SP));
    code.push(testkit::addiu(r::T2, r::T2, -1));
    let back = loop_start as i16 - code.len() as i16 - 1;
    code.push(testkit::bne(r::T2, r::ZERO, back));
    code.push(testkit::NOP);
    code.push(testkit::addiu(r::A0, r::ZERO, 5));
    code.extend(testkit::sys(4));
    assert!(code.len() <= descriptor_word as usize);
    code.resize(descriptor_word as usize + 3, 0);
    let descriptor = descriptor_word as usize;
    testkit::build_exe(BASE, &code, &[("recurse", 0, descriptor), ("__ps2_stack_guard", descriptor, 3)])
}

fn run(elf: &[u8]) -> Result<i32, SimError> {
    let config = MachineConfig { echo_console: false, max_cycles: 5_000_000, ..MachineConfig::default() };
    let mut machine = Machine::from_elf_bytes(elf, "host:stack.elf", config).expect("loads");
    machine.run().result
}

#[test]
fn a_store_below_the_published_stack_limit_stops_the_run_naming_it() {
    // 0xFFFF steps with a 16-bit counter: far more than the 4 KiB above the guard holds.
    let error = run(&program(true, 0xFFFF)).unwrap_err();
    let text = error.to_string();
    assert_eq!(error.exit_code(), ps2_sim::EXIT_STACK_OVERFLOW, "{text}");
    // The first push below the limit: sp = GUARD_END - 16, ra stored at sp + 12.
    let expected = format!("guest stack overflow: store to {:#010x} below the stack limit {GUARD_END:#010x}", GUARD_END - 4);
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.contains("(pc recurse+0x"), "{text}");
}

#[test]
fn a_stack_that_stays_above_the_limit_runs_to_its_exit() {
    // 256 frames of 16 bytes: exactly the 4 KiB between the top and the guard.
    assert_eq!(run(&program(true, 256)).unwrap(), 5);
}

#[test]
fn without_a_published_guard_the_overflow_is_not_named() {
    // The same runaway stack with nothing published runs down through the program's own code and
    // data, unnoticed or until some unrelated fault: what every overflow looked like before the guard.
    let result = run(&program(false, 0xFFFF));
    assert!(!matches!(result, Err(SimError::StackOverflow { .. })), "{result:?}");
}
