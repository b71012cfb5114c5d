//! Proves the checker catches what LLVM really emits: builds `probe/` (EE target, but with a hard-float ABI) and
//! asserts that `f32 as i32` and `f32` comparisons are reported with their function names.
//!
//! The build takes ~15 s (it compiles `core` for the probe's target).

use std::path::{Path, PathBuf};
use std::process::Command;

use ps2_isacheck::{check_elf, Problem};
use r5900::IllegalClass;

fn build_probe() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.join("../..");
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hardfloat-probe");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&workspace)
        .args(["rustc", "--release", "--lib", "-Zbuild-std=core"])
        .arg("--manifest-path")
        .arg(crate_dir.join("probe/Cargo.toml"))
        .arg("--target")
        .arg(crate_dir.join("probe/mips-ps2-ee-hardfloat.json"))
        .arg("--target-dir")
        .arg(&target_dir)
        .args(["--", "--emit=obj"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the hard-float probe failed");
    let deps = target_dir.join("mips-ps2-ee-hardfloat/release/deps");
    std::fs::read_dir(&deps)
        .expect("the probe's deps directory exists")
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "o") && p.to_string_lossy().contains("isacheck_hardfloat_probe"))
        .expect("the probe object file was emitted")
}

#[test]
fn catches_llvm_hard_float_output() {
    let object = std::fs::read(build_probe()).unwrap();
    let report = check_elf(&object).expect("the probe object is an EE ELF");
    let found = |function: &str, class: IllegalClass, mnemonic: &str| {
        report.violations.iter().any(|v| {
            v.function == function
                && matches!(v.problem, Problem::Illegal(i) if i.class == class && i.mnemonic == mnemonic)
        })
    };
    for v in &report.violations {
        eprintln!("{v}");
    }
    assert!(found("probe_f32_to_i32", IllegalClass::FloatRoundMode, "trunc.w.s"), "trunc.w.s in f32 as i32");
    assert!(found("probe_f32_to_i32", IllegalClass::FloatCompare, "c.ult.s"), "c.ult.s in f32 as i32");
    assert!(found("probe_f32_to_i32", IllegalClass::FloatCompare, "c.un.s"), "c.un.s in f32 as i32");
    assert!(found("probe_f32_is_nan", IllegalClass::FloatCompare, "c.un.s"), "c.un.s in is_nan");
    assert!(found("probe_f32_not_ge", IllegalClass::FloatCompare, "c.ult.s"), "c.ult.s in !(a >= b)");
}
