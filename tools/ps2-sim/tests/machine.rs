//! Whole-machine tests: tiny programs (hand-encoded words in a minimal ELF) run through the
//! real interpreter, bus, kernel and run loop.

use ps2_sim::testkit::{self, r};
use ps2_sim::{Machine, MachineConfig, SimError};

const BASE: u32 = 0x0010_0000;

fn config() -> MachineConfig {
    MachineConfig { echo_console: false, ..MachineConfig::default() }
}

fn run(code: &[u32], functions: &[(&str, usize, usize)]) -> (Machine, Result<i32, SimError>) {
    let elf = testkit::build_exe(BASE, code, functions);
    let mut m = Machine::from_elf_bytes(&elf, "host:test.elf", config()).expect("loads");
    let outcome = m.run();
    (m, outcome.result)
}

/// `sb` of each byte of `text` to the SIO TX FIFO (t0 holds its address).
fn print(text: &[u8]) -> Vec<u32> {
    let mut code = testkit::li32(r::T0, 0x1000_F180).to_vec();
    for &b in text {
        code.push(testkit::addiu(r::T1, r::ZERO, b as i16));
        code.push(testkit::sb(r::T1, 0, r::T0));
    }
    code
}

fn exit_with(code: i16) -> Vec<u32> {
    let mut v = vec![testkit::addiu(r::A0, r::ZERO, code)];
    v.extend(testkit::sys(4));
    v
}

#[test]
fn sio_output_and_exit_code() {
    let mut code = print(b"hi\n");
    code.extend(exit_with(3));
    let (m, result) = run(&code, &[]);
    assert_eq!(result.unwrap(), 3);
    assert_eq!(m.console_output(), b"hi\n");
}

#[test]
fn illegal_instruction_is_reported_with_its_function() {
    let mut code = vec![testkit::NOP, testkit::NOP];
    let ll = 0xC000_0000 | (r::SP << 21) | (r::T0 << 16); // ll t0, 0(sp): not on the R5900
    code.push(ll);
    code.extend(exit_with(0));
    let (_, result) = run(&code, &[("start", 0, 1), ("bad_function", 1, 5)]);
    let err = result.unwrap_err();
    assert_eq!(err.exit_code(), ps2_sim::EXIT_MACHINE_FAULT);
    let text = err.to_string();
    assert!(text.contains("bad_function+0x4"), "{text}");
    assert!(text.contains("c0080000") || text.contains("ll"), "{text}");
}

#[test]
fn unknown_syscall_names_number_and_caller() {
    let mut code = vec![testkit::NOP];
    code.extend(testkit::sys(0x6E));
    let (_, result) = run(&code, &[("caller", 0, 3)]);
    let text = result.unwrap_err().to_string();
    assert!(text.contains("unknown syscall 0x6e"), "{text}");
    assert!(text.contains("caller+0x8"), "{text}");
}

#[test]
fn null_pointer_load_is_a_symbolized_fault() {
    let code = [testkit::lw(r::T0, 0, r::ZERO), testkit::NOP];
    let (_, result) = run(&code, &[("deref_null", 0, 2)]);
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SimError::MemoryFault { .. }), "{text}");
    assert!(text.contains("unmapped address 0x00000000") && text.contains("deref_null+0x0"), "{text}");
}

#[test]
fn misaligned_word_load_is_a_symbolized_fault() {
    let mut code = testkit::li32(r::T0, 0x0010_0002).to_vec();
    code.push(testkit::lw(r::T1, 0, r::T0));
    let (_, result) = run(&code, &[("unaligned", 0, 3)]);
    let text = result.unwrap_err().to_string();
    assert!(text.contains("misaligned address 0x00100002") && text.contains("unaligned+0x8"), "{text}");
}

#[test]
fn runaway_loop_hits_the_cycle_limit() {
    let code = [testkit::beq(r::ZERO, r::ZERO, -1), testkit::NOP];
    let elf = testkit::build_exe(BASE, &code, &[("spin", 0, 2)]);
    let cfg = MachineConfig { max_cycles: 1_000_000, ..config() };
    let mut m = Machine::from_elf_bytes(&elf, "t", cfg).unwrap();
    let outcome = m.run();
    let err = outcome.result.unwrap_err();
    assert_eq!(err.exit_code(), ps2_sim::EXIT_CYCLE_LIMIT);
    assert!(err.to_string().contains("spin+"), "{err}");
    assert!(outcome.summary.cycles >= 1_000_000 && outcome.summary.cycles < 1_100_000);
}

#[test]
fn sleeping_forever_is_a_deadlock() {
    let code = testkit::sys(0x32).to_vec();
    let (_, result) = run(&code, &[]);
    let text = result.unwrap_err().to_string();
    assert!(text.contains("deadlock") && text.contains("thread 1 sleeping"), "{text}");
}

/// Registers a VBLANK handler that counts into 0x0020_0000, enables interrupts, spins until the
/// count reaches 3 and exits with it.
fn vblank_program() -> Vec<u32> {
    let handler = BASE + 18 * 4;
    let mut code = testkit::li32(r::A1, handler).to_vec(); // 0-1
    code.push(testkit::addiu(r::A0, r::ZERO, 2)); // 2
    code.push(testkit::addiu(r::A2, r::ZERO, 0)); // 3
    code.extend(testkit::sys(0x10)); // 4-5 AddIntcHandler(2, handler, 0)
    code.push(testkit::addiu(r::A0, r::ZERO, 2)); // 6
    code.extend(testkit::sys(0x14)); // 7-8 _EnableIntc(2)
    code.push(testkit::EI); // 9
    code.push(testkit::lui(r::T0, 0x0020)); // 10
    code.push(testkit::addiu(r::T2, r::ZERO, 3)); // 11
    code.push(testkit::lw(r::T1, 0, r::T0)); // 12: loop
    code.push(testkit::bne(r::T1, r::T2, -2)); // 13
    code.push(testkit::NOP); // 14
    code.push(testkit::addiu(r::A0, r::T1, 0)); // 15
    code.extend(testkit::sys(4)); // 16-17
    assert_eq!(code.len(), 18);
    code.extend([
        testkit::lui(r::T0, 0x0020),
        testkit::lw(r::T1, 0, r::T0),
        testkit::addiu(r::T1, r::T1, 1),
        testkit::sw(r::T1, 0, r::T0),
        testkit::jr(r::RA),
        testkit::addiu(r::V0, r::ZERO, 0),
    ]);
    code
}

#[test]
fn vblank_handler_runs_in_simulated_time_on_the_real_cpu() {
    let (m, result) = run(&vblank_program(), &[]);
    assert_eq!(result.unwrap(), 3, "main saw three VBLANK handler runs");
    let vblank = 294_912_000u64 * 1001 / 60_000;
    assert!(m.cpu.cycles >= 3 * vblank && m.cpu.cycles < 4 * vblank, "{}", m.cpu.cycles);
}

#[test]
fn runs_are_deterministic() {
    // The VBLANK program: interrupts in simulated time must land on the same instructions.
    let run_once = || {
        let (m, result) = run(&vblank_program(), &[]);
        (result.unwrap(), m.cpu.cycles, m.cpu.instret, m.kernel.syscall_count)
    };
    assert_eq!(run_once(), run_once());
}

#[test]
fn boots_from_an_iso_through_system_cnf_and_passes_argv() {
    // SetupThread(gp=0, stack=-1, size=0x1000, args=0x00200000), then Exit(argc).
    let mut code = vec![testkit::addiu(r::A0, r::ZERO, 0), testkit::addiu(r::A1, r::ZERO, -1)];
    code.push(testkit::addiu(r::A2, r::ZERO, 0x1000));
    code.push(testkit::lui(r::A3, 0x0020));
    code.extend(testkit::sys(0x3C));
    code.push(testkit::lui(r::T0, 0x0020));
    code.push(testkit::lw(r::A0, 0, r::T0));
    code.extend(testkit::sys(4));
    let elf = testkit::build_exe(BASE, &code, &[]);
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("test.iso");
    ps2_iso::DiscBuilder::new().boot_elf("TEST.ELF", elf).write_to(&iso).unwrap();
    let cfg = MachineConfig { args: vec!["--filter".into()], ..config() };
    let mut m = Machine::from_iso(&iso, cfg).unwrap();
    assert_eq!(m.run().result.unwrap(), 2);
    let argv0 = m.hw.mem.read_u32(0x0020_0004).unwrap();
    let argv1 = m.hw.mem.read_u32(0x0020_0008).unwrap();
    assert_eq!(m.hw.mem.read_c_string(argv0, 64).unwrap(), "cdrom0:\\TEST.ELF;1");
    assert_eq!(m.hw.mem.read_c_string(argv1, 64).unwrap(), "--filter");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.iso");
    std::fs::write(&junk, b"nothing").unwrap();
    let err = Machine::from_path(&junk, config()).err().unwrap();
    assert_eq!(err.exit_code(), ps2_sim::EXIT_BAD_INPUT);
    let err = Machine::from_elf_bytes(b"\x7fELF", "x", config()).err().unwrap();
    assert!(err.to_string().contains("cannot load the program"), "{err}");
    // A segment below user RAM (kernel area) is refused.
    let elf = testkit::build_exe(0x0000_1000, &[0], &[]);
    let err = Machine::from_elf_bytes(&elf, "x", config()).err().unwrap();
    assert!(err.to_string().contains("lies outside the memory a program may be loaded into"), "{err}");
}

#[test]
fn calls_to_watched_functions_are_counted() {
    // main: jal helper three times (jal + delay slot), then exit; helper: jr ra.
    let jal = |target: u32| 0x0C00_0000 | ((target >> 2) & 0x03FF_FFFF);
    let helper = BASE + 9 * 4;
    let mut code = vec![jal(helper), testkit::NOP, jal(helper), testkit::NOP, jal(helper), testkit::NOP];
    code.extend(exit_with(0)); // 6-8
    code.extend([testkit::jr(r::RA), testkit::NOP]); // 9-10
    let elf = testkit::build_exe(BASE, &code, &[("main", 0, 9), ("helper", 9, 2)]);
    let cfg = MachineConfig { count_calls: vec!["helper".into(), "absent".into()], ..config() };
    let mut m = Machine::from_elf_bytes(&elf, "t", cfg).unwrap();
    let outcome = m.run();
    assert_eq!(outcome.result.unwrap(), 0);
    assert_eq!(outcome.summary.calls.get("helper"), Some(&3));
    assert!(!outcome.summary.calls.contains_key("absent"));
    assert!(outcome.summary.to_text().contains("3 calls to helper"));
}

#[test]
fn profile_charges_cycles_to_the_spinning_function() {
    let elf = testkit::build_exe(BASE, &vblank_program(), &[("main", 0, 18), ("vblank_handler", 18, 6)]);
    let cfg = MachineConfig { profile: true, ..config() };
    let mut m = Machine::from_elf_bytes(&elf, "t", cfg).unwrap();
    let outcome = m.run();
    let top = &outcome.summary.profile[0];
    assert_eq!(top.function, "main", "{:?}", outcome.summary.profile);
    assert!(top.share > 0.9);
    let total: f64 = outcome.summary.profile.iter().map(|e| e.share).sum();
    assert!((total - 1.0).abs() < 1e-9);
    assert!(outcome.summary.to_text().contains("profile"));
}

#[test]
fn benchmark_program_runs_to_exit() {
    let report = ps2_sim::bench::run(80_000);
    // 10,000 iterations of 8 instructions plus 7 of set-up and exit.
    assert!(report.contains("exit(0)") && report.contains("(80007 instructions"), "{report}");
}
