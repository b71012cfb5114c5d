//! Bad input the simulator reads from the user: ELF executables and `--pad-script` files.
//!
//! Each class of malformed ELF has a regression test with the field its error must name; then a bounded
//! mutation test feeds thousands of deterministic mutations of a valid ELF and of a valid pad script
//! through the same code the command line uses, asserting no panic, no hang and an error that says what
//! is wrong. `fuzz/` (targets `elf_loader`, `pad_script`) runs the same parsers open-ended.

use std::time::{Duration, Instant};

use ps2_sim::elf::{ElfError, ElfImage, MAX_LOAD_SEGMENTS};
use ps2_sim::sif::pad::PadScript;
use ps2_sim::testkit::{self, r};
use ps2_sim::{Machine, MachineConfig};

const BASE: u32 = 0x0010_0000;
/// Offsets in the ELF `testkit::build_exe` writes: the ELF header, then one program header.
const E_ENTRY: usize = 0x18;
const E_PHNUM: usize = 0x2C;
const PH: usize = 0x34;
const P_OFFSET: usize = PH + 4;
const P_VADDR: usize = PH + 8;
const P_FILESZ: usize = PH + 16;
const P_MEMSZ: usize = PH + 20;

/// A small valid program: prints "ok" on the serial port, then exits with code 7.
fn valid_elf() -> Vec<u8> {
    let mut code = testkit::li32(r::T0, 0x1000_F180).to_vec();
    for &b in b"ok" {
        code.push(testkit::addiu(r::T1, r::ZERO, b as i16));
        code.push(testkit::sb(r::T1, 0, r::T0));
    }
    code.push(testkit::addiu(r::A0, r::ZERO, 7));
    code.extend(testkit::sys(4));
    testkit::build_exe(BASE, &code, &[("main", 0, code.len())])
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn config() -> MachineConfig {
    MachineConfig { echo_console: false, max_cycles: 200_000, ..MachineConfig::default() }
}

fn load_error(bytes: &[u8]) -> String {
    match Machine::from_elf_bytes(bytes, "host:bad.elf", config()) {
        Ok(_) => panic!("the malformed ELF was accepted"),
        Err(e) => {
            assert_eq!(e.exit_code(), ps2_sim::EXIT_BAD_INPUT, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn the_valid_elf_runs() {
    let mut machine = Machine::from_elf_bytes(&valid_elf(), "host:ok.elf", config()).unwrap();
    assert_eq!(machine.run().result.unwrap(), 7);
    assert_eq!(machine.console_output(), b"ok");
}

#[test]
fn huge_p_memsz_is_refused_before_anything_is_allocated() {
    for memsz in [u32::MAX, 0x8000_0000, 0x0200_0000] {
        let mut elf = valid_elf();
        put_u32(&mut elf, P_MEMSZ, memsz);
        let message = load_error(&elf);
        assert!(message.contains("p_memsz") && message.contains("outside"), "{message}");
    }
}

#[test]
fn p_filesz_larger_than_p_memsz_is_named() {
    let mut elf = valid_elf();
    let filesz = u32::from_le_bytes(elf[P_FILESZ..P_FILESZ + 4].try_into().unwrap());
    put_u32(&mut elf, P_MEMSZ, filesz - 4);
    let message = load_error(&elf);
    assert!(message.contains("p_filesz") && message.contains("p_memsz"), "{message}");
}

#[test]
fn segment_data_past_the_end_of_the_file_is_named() {
    let mut elf = valid_elf();
    put_u32(&mut elf, P_OFFSET, 0xFFFF_FFF0);
    let message = load_error(&elf);
    assert!(message.contains("p_offset") && message.contains("past the end"), "{message}");
}

#[test]
fn segments_outside_program_memory_are_refused() {
    // Kernel RAM (first MiB, through the user and KSEG0 views), past the end of RAM, I/O registers,
    // IOP RAM, VU memory, a range running off the scratchpad, and one wrapping around the address space.
    for vaddr in [0x0000_0000, 0x0008_0000, 0x8000_1000, 0x01FF_FFF0, 0x1000_F000, 0xBC00_0000, 0x1100_0000, 0x7000_3FF0, 0xFFFF_FFF0] {
        let mut elf = valid_elf();
        put_u32(&mut elf, P_VADDR, vaddr);
        put_u32(&mut elf, E_ENTRY, vaddr);
        let message = load_error(&elf);
        assert!(message.contains("p_vaddr") && message.contains("outside"), "{vaddr:#x}: {message}");
    }
}

/// The valid ELF with a second program header (appended at the end of the file) loading the same bytes at
/// `vaddr`.
fn with_second_segment(vaddr: u32) -> Vec<u8> {
    let mut elf = valid_elf();
    let phoff = elf.len() as u32;
    let first: Vec<u8> = elf[PH..PH + 32].to_vec();
    elf.extend_from_slice(&first);
    put_u32(&mut elf, phoff as usize + 8, vaddr);
    put_u32(&mut elf, phoff as usize + 12, vaddr);
    // Both headers at the end: copy the first one there too and point e_phoff at them.
    let mut headers = first.clone();
    headers.extend_from_slice(&elf[phoff as usize..phoff as usize + 32]);
    elf.truncate(phoff as usize);
    elf.extend_from_slice(&headers);
    put_u32(&mut elf, 0x1C, phoff);
    elf[E_PHNUM..E_PHNUM + 2].copy_from_slice(&2u16.to_le_bytes());
    elf
}

#[test]
fn overlapping_segments_are_named_even_through_other_views() {
    // A second, disjoint segment loads: the helper itself is sound.
    Machine::from_elf_bytes(&with_second_segment(0x0020_0000), "host:two.elf", config()).expect("disjoint segments load");
    // The same physical bytes through the cached view, the uncached view and KSEG0.
    for vaddr in [BASE + 8, 0x2010_0000, 0x8010_0004] {
        let message = load_error(&with_second_segment(vaddr));
        assert!(message.contains("program headers 0") && message.contains("overlap"), "{vaddr:#x}: {message}");
    }
}

#[test]
fn truncated_headers_are_named() {
    let elf = valid_elf();
    for len in [0, 4, 20, 0x33, 0x40, 0x53] {
        let message = load_error(&elf[..len]);
        assert!(message.contains("ELF"), "{len} bytes: {message}");
    }
}

#[test]
fn entry_outside_the_loaded_code_is_named() {
    for entry in [0, BASE - 4, BASE + 0x1000, BASE + 2] {
        let mut elf = valid_elf();
        put_u32(&mut elf, E_ENTRY, entry);
        let message = load_error(&elf);
        assert!(message.contains("e_entry"), "{entry:#x}: {message}");
    }
}

#[test]
fn thousands_of_program_headers_are_refused_without_copying_each_segment() {
    // 60 000 PT_LOAD headers that all name the whole file: before the limit each one was copied (the
    // file's size times 60 000 bytes of allocations).
    let mut elf = valid_elf();
    let phoff = elf.len();
    let count = 60_000usize;
    let file_len = (phoff + count * 32) as u32;
    for i in 0..count {
        for v in [1, 0, BASE + (i as u32) * 0x100, BASE, file_len, file_len, 5, 4] {
            elf.extend_from_slice(&u32::to_le_bytes(v));
        }
    }
    put_u32(&mut elf, 0x1C, phoff as u32);
    elf[E_PHNUM..E_PHNUM + 2].copy_from_slice(&(count as u16).to_le_bytes());
    let start = Instant::now();
    let error = ElfImage::parse(&elf).unwrap_err();
    assert_eq!(error, ElfError::TooManySegments { count });
    assert!(error.to_string().contains(&format!("at most {MAX_LOAD_SEGMENTS}")), "{error}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// xorshift64*: deterministic mutations without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Values on the edges of the loader's checks.
const INTERESTING_U32: [u32; 14] = [
    0,
    1,
    4,
    0xFFFF_FFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0x0010_0000,
    0x000F_FFFC,
    0x01FF_FFFC,
    0x0200_0000,
    0x7000_0000,
    0x7000_4000,
    0x8010_0000,
    0xFFFF_FFF0,
];

/// One to four mutations of a copy of `valid`; half of the in-place ones hit `hot` (the headers).
fn mutate(rng: &mut Rng, valid: &[u8], hot: usize, text: bool) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = |rng: &mut Rng, len: usize| if rng.below(2) == 0 { rng.below(hot.min(len)) } else { rng.below(len) };
        match rng.below(8) {
            0 | 1 if len > 0 => {
                let i = at(rng, len);
                bytes[i] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let i = at(rng, len);
                let pool: &[u8] = if text { b"0123456789 \n\t#+=-xLlrRy\xff" } else { &[0, 0xFF, 0x7F, 0x80, 1, 2, 8] };
                bytes[i] = pool[rng.below(pool.len())];
            }
            3 if len >= 4 && !text => {
                let i = at(rng, len - 3) & !3;
                bytes[i..i + 4].copy_from_slice(&INTERESTING_U32[rng.below(INTERESTING_U32.len())].to_le_bytes());
            }
            3 if text && len > 0 => {
                // A number on the edge of a field: huge, negative, 256.
                let i = at(rng, len);
                let pool = ["256", "-1", "18446744073709551616", "99999999999999999999999", "2", "lx=", "=5", "+", "CROSS+"];
                let word = pool[rng.below(pool.len())].as_bytes();
                bytes.splice(i..i, word.iter().copied());
            }
            4 => bytes.truncate(rng.below(len + 1)),
            5 => (0..1 + rng.below(64)).for_each(|_| bytes.push(rng.next() as u8)),
            6 if len > 8 => {
                let size = 1 + rng.below(32.min(len / 2));
                let from = rng.below(len - size);
                let to = at(rng, len - size).min(len - size);
                let chunk = bytes[from..from + size].to_vec();
                bytes[to..to + size].copy_from_slice(&chunk);
            }
            _ if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(8)).min(len - i);
                bytes.drain(i..i + n);
            }
            _ => bytes.push(rng.next() as u8),
        }
    }
    bytes
}

const PER_CASE: Duration = Duration::from_secs(2);

#[test]
fn mutated_elfs_never_panic_or_hang_and_errors_name_the_field() {
    let valid = valid_elf();
    let mut rng = Rng(0x5EED_E1F0);
    let (cases, mut accepted, mut ran_to_exit) = (3000, 0, 0);
    for round in 0..cases {
        let bytes = mutate(&mut rng, &valid, PH + 32, false);
        let start = Instant::now();
        match Machine::from_elf_bytes(&bytes, "host:mutated.elf", MachineConfig { max_cycles: 20_000, ..config() }) {
            Ok(mut machine) => {
                accepted += 1;
                // Whatever the program now does, the run ends: an exit, a fault or the cycle limit.
                if machine.run().result.is_ok() {
                    ran_to_exit += 1;
                }
            }
            Err(e) => {
                let message = e.to_string();
                assert_eq!(e.exit_code(), ps2_sim::EXIT_BAD_INPUT, "case {round}: {message}");
                let names_it = ["ELF", "e_", "p_", "program header", "segment"].iter().any(|w| message.contains(w));
                assert!(names_it, "case {round}: the message does not say what is wrong: {message:?}");
            }
        }
        assert!(start.elapsed() <= PER_CASE, "case {round} took {:?}", start.elapsed());
    }
    eprintln!("ELF: {cases} cases, {accepted} accepted, {ran_to_exit} ran to their exit");
    assert!(accepted > 100 && accepted < cases, "mutations should reach both sides: {accepted} of {cases} accepted");
}

const VALID_SCRIPT: &str = "# vblank port buttons sticks\n0 0 -\n60 0 CROSS\n90 0 CROSS+UP lx=255 ly=128\n120 0 - lx=128\n\
                            200 1 L1+R2+SQUARE rx=0 ry=255\n300 1 unplugged\n400 1 plugged\n";

#[test]
fn pad_script_errors_name_the_line_and_the_field() {
    for (text, field) in [
        ("x 0 -", "VBLANK"),
        ("18446744073709551616 0 -", "VBLANK"),
        ("0 2 -", "port"),
        ("0 -1 -", "port"),
        ("0 0", "missing buttons"),
        ("0 0 CROSS+JUMP", "unknown button \"JUMP\""),
        ("0 0 CROSS+", "unknown button \"\""),
        ("0 0 - lx=256", "stick value \"256\""),
        ("0 0 - lx=-1", "stick value"),
        ("0 0 - zz=1", "unknown stick"),
        ("0 0 - lx", "expected stick=value"),
        ("0 0 unplugged lx=1", "unexpected text"),
    ] {
        let message = PadScript::parse(&format!("# first line\n{text}\n")).unwrap_err();
        assert!(message.starts_with("pad script line 2:") && message.contains(field), "{text:?}: {message}");
    }
}

#[test]
fn a_pad_script_error_quotes_at_most_the_start_of_a_huge_line() {
    let line = format!("0 0 CROSS {}", "lx=1 ".repeat(200_000));
    let message = PadScript::parse(&format!("{line}x")).unwrap_err();
    assert!(message.starts_with("pad script line 1:"), "{}", &message[..80]);
    assert!(message.len() < 400, "the whole megabyte line was quoted: {} bytes", message.len());
}

#[test]
fn mutated_pad_scripts_never_panic_and_errors_name_the_line() {
    let mut rng = Rng(0x9AD5_C819);
    let (cases, mut accepted) = (5000, 0);
    for round in 0..cases {
        let bytes = mutate(&mut rng, VALID_SCRIPT.as_bytes(), VALID_SCRIPT.len(), true);
        let text = String::from_utf8_lossy(&bytes);
        let start = Instant::now();
        match PadScript::parse(&text) {
            Ok(script) => {
                accepted += 1;
                for vblank in [0, 61, 95, 250, u64::MAX] {
                    script.input_at(round % 2, vblank);
                }
            }
            Err(message) => assert!(message.starts_with("pad script line "), "case {round}: {message}"),
        }
        assert!(start.elapsed() <= PER_CASE, "case {round} took {:?}", start.elapsed());
    }
    eprintln!("pad script: {cases} cases, {accepted} accepted");
    assert!(accepted > 100 && accepted < cases, "{accepted} of {cases} accepted");
}

#[test]
fn a_pad_script_of_300_000_events_is_looked_up_quickly() {
    // The machine asks for both ports' inputs at every VBLANK; before the lookup was a binary search each
    // question scanned every event (a million events made a minute of simulated time take hours).
    let mut text = String::with_capacity(6_000_000);
    for vblank in 0..300_000u32 {
        text.push_str(&format!("{vblank} {} CROSS lx={}\n", vblank % 2, vblank % 256));
    }
    let script = PadScript::parse(&text).unwrap();
    let start = Instant::now();
    for vblank in 0..7_200u64 {
        for port in 0..2 {
            script.input_at(port, vblank * 40);
        }
    }
    assert!(start.elapsed() < Duration::from_secs(2), "{:?} for 14 400 lookups", start.elapsed());
    let late = script.input_at(1, 299_999);
    assert_eq!((late.buttons, late.sticks[0], late.connected), (1 << 14, (299_999 % 256) as u8, true));
    assert_eq!(script.input_at(0, 299_999).sticks[0], (299_998 % 256) as u8, "port 0's last event");
}
