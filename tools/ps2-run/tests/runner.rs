//! The `ps2-run` binary end to end: ISA check, disc image, simulator, exit code.

use std::path::Path;
use std::process::Command;

use ps2_sim::testkit::{self, r};

/// A program that prints `text` on the EE SIO and exits with `code`.
fn program(text: &[u8], code: i16) -> Vec<u8> {
    let mut words = testkit::li32(r::T0, 0x1000_F180).to_vec();
    for &b in text {
        words.push(testkit::addiu(r::T1, r::ZERO, b as i16));
        words.push(testkit::sb(r::T1, 0, r::T0));
    }
    words.push(testkit::addiu(r::A0, r::ZERO, code));
    words.extend(testkit::sys(4));
    let len = words.len();
    testkit::build_exe(0x0010_0000, &words, &[("main", 0, len)])
}

fn run(elf: &Path, extra_env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ps2-run"));
    command.arg(elf).env("PS2_RUNNER", "sim").env_remove("PS2_SIM_ARGS").env_remove("PS2_DISC_DIR");
    for (k, v) in extra_env {
        command.env(k, v);
    }
    command.output().expect("ps2-run starts")
}

#[test]
fn runs_the_program_from_its_disc_image_with_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("greeter-0123456789abcdef");
    std::fs::write(&elf, program(b"hello runner\n", 7)).unwrap();
    let json = dir.path().join("run.json");
    let out = run(&elf, &[("PS2_SIM_ARGS", &format!("--json {}", json.display()))]);
    assert_eq!(out.status.code(), Some(7), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello runner\n");
    let iso = elf.with_extension("iso");
    let (boot, _) = ps2_sim::boot::read_boot_elf(&iso).expect("a bootable image next to the ELF");
    assert_eq!(boot, "cdrom0:\\GREETER.ELF;1");
    let summary = std::fs::read_to_string(&json).unwrap();
    assert!(summary.contains("\"exit_code\": 7"), "{summary}");
}

#[test]
fn data_files_come_from_the_disc_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("SUB")).unwrap();
    std::fs::write(data.join("SUB/FILE.TXT"), b"x").unwrap();
    let elf = dir.path().join("app");
    std::fs::write(&elf, program(b"", 0)).unwrap();
    let out = run(&elf, &[("PS2_DISC_DIR", data.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let image = ps2_iso::ImageFile::open(elf.with_extension("iso")).unwrap();
    let mut volume = ps2_cdvd::iso9660::Volume::open(image).unwrap();
    assert_eq!(volume.find("\\SUB\\FILE.TXT;1").unwrap().size, 1);
}

#[test]
fn a_package_binary_gets_the_package_disc_folder() {
    // As `cargo ps2 run` lays a project out: `disc/` next to Cargo.toml, the ELF under target/.
    let package = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(package.path().join("disc")).unwrap();
    std::fs::write(package.path().join("disc/HELLO.TXT"), b"hi\n").unwrap();
    let out = package.path().join("target/mips-ps2-ee/release");
    std::fs::create_dir_all(&out).unwrap();
    let elf = out.join("demo");
    std::fs::write(&elf, program(b"", 0)).unwrap();
    let manifest_dir = package.path().to_str().unwrap();
    let out = run(&elf, &[("CARGO_MANIFEST_DIR", manifest_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let image = ps2_iso::ImageFile::open(elf.with_extension("iso")).unwrap();
    let mut volume = ps2_cdvd::iso9660::Volume::open(image).unwrap();
    assert_eq!(volume.find("\\HELLO.TXT;1").unwrap().size, 3);
}

#[test]
fn elf_with_an_instruction_the_r5900_lacks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("bad");
    let ll = 0xC000_0000 | (r::SP << 21) | (r::T0 << 16);
    let words = [testkit::NOP, ll, testkit::NOP];
    std::fs::write(&elf, testkit::build_exe(0x0010_0000, &words, &[("uses_ll", 0, 3)])).unwrap();
    let out = run(&elf, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("uses_ll"), "{stderr}");
    // With the check skipped the simulator stops at the word itself, naming the function.
    let out = run(&elf, &[("PS2_SKIP_ISA_CHECK", "1")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{stderr}");
    assert!(stderr.contains("uses_ll+0x4"), "{stderr}");
}

#[test]
fn bad_arguments_and_environment_are_clear_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_ps2-run")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("app");
    std::fs::write(&elf, program(b"", 0)).unwrap();
    let out = run(&elf, &[("PS2_SIM_ARGS", "--no-such-option")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PS2_SIM_ARGS"));
    let out = run(&elf, &[("PS2_RUNNER", "qemu")]);
    assert_eq!(out.status.code(), Some(2));
}
