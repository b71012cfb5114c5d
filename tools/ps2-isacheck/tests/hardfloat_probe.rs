//! Proves the checker catches what LLVM really emits: builds `probe/` (EE target, but with a hard-float ABI) and
//! asserts that what LLVM emits for `f32 as i32` under the R5900 CPU (`+r5900`, LLVM 23) is reported with the
//! function's name: the unordered compares `c.ult.s`, `c.ule.s` and `c.un.s` of its saturation checks.
//! (LLVM 22 in MIPS II mode also emitted `trunc.w.s` there and `c.un.s`/`c.ult.s` for `is_nan` and `!(a >= b)`;
//! LLVM 23's R5900 lowering turns those two into soft-float calls, so the probe keeps them only as canaries.)
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
    // Where cargo puts the object depends on its build-directory layout (`deps/` before late 2026, per-unit
    // folders after), so search the whole target directory for it.
    find_file(&target_dir, &|p| {
        p.extension().is_some_and(|e| e == "o") && p.to_string_lossy().contains("isacheck_hardfloat_probe")
    })
    .expect("the probe object file was emitted")
}

fn find_file(dir: &Path, wanted: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, wanted) {
                return Some(found);
            }
        } else if wanted(&path) {
            return Some(path);
        }
    }
    None
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
    assert!(found("probe_f32_to_i32", IllegalClass::FloatCompare, "c.ult.s"), "c.ult.s in f32 as i32");
    assert!(found("probe_f32_to_i32", IllegalClass::FloatCompare, "c.ule.s"), "c.ule.s in f32 as i32");
    assert!(found("probe_f32_to_i32", IllegalClass::FloatCompare, "c.un.s"), "c.un.s in f32 as i32");
}
