//! The `cargo-ps2` executable: what it writes and which cargo command it runs, with stand-ins for cargo and
//! rustc (shell scripts that record their arguments), so that no EE build is needed.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn cargo_ps2(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-ps2"));
    command.current_dir(dir).args(args).env_remove("RUSTFLAGS").env_remove("CARGO_ENCODED_RUSTFLAGS");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("cargo-ps2 starts")
}

fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in cargo: answers `metadata` with `target` as the target directory, records other calls' arguments
/// one per line in `args.txt`.
fn fake_cargo(dir: &Path, target: &Path) -> std::path::PathBuf {
    let cargo = dir.join("fake-cargo");
    let calls = dir.join("args.txt");
    script(
        &cargo,
        &format!(
            "if [ \"$1\" = metadata ]; then echo '{{\"target_directory\":\"{}\"}}'; exit 0; fi\n\
             for a in \"$@\"; do echo \"$a\"; done > {}",
            target.display(),
            calls.display()
        ),
    );
    cargo
}

fn fake_rustc(dir: &Path, release: &str, llvm: &str) -> std::path::PathBuf {
    let rustc = dir.join(format!("fake-rustc-{release}"));
    script(&rustc, &format!("echo 'rustc {release}'; echo 'release: {release}'; echo 'LLVM version: {llvm}'"));
    rustc
}

#[test]
fn new_writes_a_project_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = cargo_ps2(dir.path(), &["ps2", "new", "demo"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for file in ["Cargo.toml", "rust-toolchain.toml", "src/main.rs", "tests/ee_smoke.rs", "disc/HELLO.TXT", ".gitignore", "README.md"] {
        assert!(dir.path().join("demo").join(file).is_file(), "{file}");
    }
    let manifest = std::fs::read_to_string(dir.path().join("demo/Cargo.toml")).unwrap();
    assert!(manifest.contains("ps2-cdvd = \"0.1\""), "{manifest}");

    let again = cargo_ps2(dir.path(), &["ps2", "new", "demo"], &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = cargo_ps2(dir.path(), &["ps2", "new", "my game"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot be the project's name"));
    let unknown = cargo_ps2(dir.path(), &["ps2", "frobnicate"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Usage:"));
}

#[test]
fn run_materialises_the_target_files_and_starts_cargo_with_them_and_itself_as_runner() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    let cargo = fake_cargo(dir.path(), &target);
    let rustc = fake_rustc(dir.path(), "1.101.0-nightly", "23.1.4");
    let out = cargo_ps2(
        dir.path(),
        &["ps2", "run", "--release", "--", "x y"],
        &[("CARGO", &cargo), ("RUSTC", &rustc)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = target.join("ps2/mips-ps2-ee.json");
    let script = target.join("ps2/ps2-ee.ld");
    assert_eq!(std::fs::read_to_string(&json).unwrap(), cargo_ps2::sdk::TARGET_JSON);
    assert_eq!(std::fs::read_to_string(&script).unwrap(), cargo_ps2::sdk::LINKER_SCRIPT);
    let args = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    let runner = format!("target.mips-ps2-ee.runner=[\"{}\", \"runner\"]", env!("CARGO_BIN_EXE_cargo-ps2"));
    let rustflags = format!("target.mips-ps2-ee.rustflags=[\"-C\", \"link-arg=-T{}\"]", script.display());
    let expected = [
        "run",
        "--target",
        json.to_str().unwrap(),
        "-Zbuild-std=core,alloc",
        "-Zjson-target-spec",
        "--config",
        &rustflags,
        "--config",
        &runner,
        "--release",
        "--",
        "x y",
    ];
    assert_eq!(args, expected);
}

#[test]
fn an_old_or_stable_toolchain_is_refused_before_building() {
    let dir = tempfile::tempdir().unwrap();
    let cargo = fake_cargo(dir.path(), &dir.path().join("target"));
    for (release, llvm, says) in [("1.97.0-nightly", "22.1.4", "LLVM 23"), ("1.95.0", "21.0.0", "not a nightly")] {
        let rustc = fake_rustc(dir.path(), release, llvm);
        let out = cargo_ps2(dir.path(), &["ps2", "build"], &[("CARGO", &cargo), ("RUSTC", &rustc)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says) && stderr.contains("rustup toolchain install"), "{stderr}");
        assert!(!dir.path().join("args.txt").exists(), "cargo was not started");
    }
}
