//! `cargo xtask test`'s packaging check: every publishable SDK and LLM crate must `cargo package`, and its
//! library and tests must build from the package alone, for the EE and for the host.
//!
//! 1. `cargo package --no-verify` packages them all in one call, so that the versioned path dependencies
//!    between them resolve (cargo puts the packages of one call in a local registry for each other).
//! 2. The `.crate` files are unpacked into `<target>/package-check/`, which becomes a workspace of its own whose
//!    `[patch.crates-io]` points each crate at the unpacked package of the crates it depends on. That workspace
//!    builds every library for the EE, the EE test binaries (`tests/ee_*.rs`) for the EE, and every library,
//!    test and example for the host: exactly the files and manifests a crates.io user gets.
//!
//! Step 2 replaces cargo's own verification (hence `--no-verify`): verification builds each library once, for
//! one target, and skips tests; here libraries and tests build for both targets. A single verifying call could
//! not cover ps2-gs-text anyway: its host tests need the software GS (`ps2-gs`, a host crate), which must be
//! packaged in the same call and cannot build for the EE.
//!
//! Known gaps, by design: ps2-sys's EE tests use ps2-alloc, and ps2-cdvd's ISO9660 image tests use ps2-iso;
//! both crates depend on the one whose tests use them, so those dev-dependencies are path-only (a versioned
//! cycle cannot be published) and `cargo package` drops them. ps2-sys's EE tests therefore build here for the
//! host only (where they are empty programs), and neither ps2-sys's examples nor ps2-cdvd's image tests are
//! packaged (cargo says it ignores them).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::{cargo, run};

/// The crates that must package and build from their packages.
const PUBLISHED: &[&str] =
    &["ps2-sys", "ps2-alloc", "ps2-iop", "ps2-cdvd", "ps2-pad", "ps2-fileio", "ps2-mc", "ps2-gs-text", "llm-engine", "llm-kernels-r5900"];

/// Packaged along because a crate above depends on it (ps2-gs-text's host tests draw through the software GS);
/// its own package is not checked here.
const ALSO_PACKAGED: &[&str] = &["ps2-gs"];

/// Crates whose EE test binaries must build from their packages (ps2-sys: see the module documentation).
const EE_TESTS: &[&str] = &["ps2-iop", "ps2-cdvd", "ps2-fileio", "ps2-mc", "ps2-gs-text", "llm-kernels-r5900"];

/// Runs both steps.
pub fn check(root: &Path) -> Result<()> {
    let all = || PUBLISHED.iter().chain(ALSO_PACKAGED);
    run(
        "cargo package (the SDK and LLM crates)",
        cargo().args(["package", "--no-verify", "--allow-dirty"]).args(all().flat_map(|c| ["-p", c])),
    )?;

    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir));
    let check = target.join("package-check");
    if check.exists() {
        std::fs::remove_dir_all(&check).with_context(|| format!("removing {}", check.display()))?;
    }
    std::fs::create_dir_all(&check)?;
    let mut members = Vec::new();
    let mut patches = String::new();
    for krate in all() {
        let file = newest_package(&target.join("package"), krate)?;
        run(
            &format!("unpack {}", file.display()),
            std::process::Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(&check),
        )?;
        let dir = file.file_stem().and_then(|s| s.to_str()).context("package file name")?.to_string();
        patches += &format!("{krate} = {{ path = \"{dir}\" }}\n");
        members.push(format!("\"{dir}\""));
    }
    std::fs::write(
        check.join("Cargo.toml"),
        format!(
            "# Written by `cargo xtask test` (tools/xtask/src/package.rs): the packages, built as crates.io users get them.\n\
             [workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[patch.crates-io]\n{patches}\n\
             # The repository's dev profile, so that the standard library built by the earlier steps is reused.\n\
             [profile.dev]\nopt-level = 1\n",
            members.join(", ")
        ),
    )?;
    // The versions the repository is tested with; cargo resolves anything missing.
    std::fs::copy(root.join("Cargo.lock"), check.join("Cargo.lock"))?;

    let manifest = check.join("Cargo.toml");
    let published = || PUBLISHED.iter().flat_map(|c| ["-p", c]);
    run(
        "the packaged libraries for the EE",
        cargo().arg("build").arg("--manifest-path").arg(&manifest).args(published()),
    )?;
    run(
        "the packaged EE tests for the EE",
        cargo()
            .args(["test", "--no-run", "--test", "ee_*", "--manifest-path"])
            .arg(&manifest)
            .args(EE_TESTS.iter().flat_map(|c| ["-p", c])),
    )?;
    run(
        "the packaged libraries, tests and examples for the host",
        cargo()
            .args(["test", "--no-run", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind", "--manifest-path"])
            .arg(&manifest)
            .args(published()),
    )
}

/// The newest `.crate` of `krate` in cargo's package folder (`<name>-<version>.crate`).
fn newest_package(dir: &Path, krate: &str) -> Result<PathBuf> {
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let is_ours = name
            .strip_suffix(".crate")
            .and_then(|stem| stem.strip_prefix(krate))
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()));
        if is_ours {
            let modified = path.metadata()?.modified()?;
            if newest.as_ref().is_none_or(|(time, _)| modified > *time) {
                newest = Some((modified, path));
            }
        }
    }
    match newest {
        Some((_, path)) => Ok(path),
        None => bail!("cargo package wrote no {krate}-<version>.crate in {}", dir.display()),
    }
}
