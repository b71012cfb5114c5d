//! `cargo xtask canary`: does the project still build and pass its EE tests on the newest nightly?
//!
//! The project is pinned to one dated nightly (`rust-toolchain.toml`); a user whose rustup ignores the pin, or
//! the next pin update, meets the newest one. The canary installs (or updates) rustup's `nightly` channel,
//! then, with that toolchain and a target directory of its own (`target/canary`, so the pinned build is
//! untouched), builds and runs `hello` in the simulator and runs every EE test binary. It prints one verdict
//! line naming the nightly and the first step that failed. Not part of `cargo xtask test`: its answer depends
//! on the day it runs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::EE_TEST_CRATES;

/// The rustup toolchain the canary tries.
const CHANNEL: &str = "nightly";

pub fn run(root: &Path) -> Result<()> {
    crate::run(
        "install the newest nightly",
        Command::new("rustup").args(["toolchain", "install", CHANNEL, "--profile", "minimal", "--component", "rust-src"]),
    )?;
    let version = Command::new("rustc")
        .args([&format!("+{CHANNEL}"), "--version"])
        .output()
        .context("running rustc")?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let cargo = || {
        let mut command = Command::new("cargo");
        // RUSTUP_TOOLCHAIN outranks rust-toolchain.toml, also for the nested cargo call that builds the runner.
        command.env("RUSTUP_TOOLCHAIN", CHANNEL).env("CARGO_TARGET_DIR", root.join("target/canary"));
        command
    };
    let mut steps: Vec<(String, Command)> = Vec::new();
    let mut hello = cargo();
    hello.args(["run", "--release", "--example", "hello"]);
    steps.push(("hello built and run in the simulator".into(), hello));
    let disc_data = crate::ee_disc_data(root)?;
    for krate in EE_TEST_CRATES {
        let mut tests = cargo();
        tests.args(["test", "-p", krate, "--test", "ee_*"]);
        if let Some((_, dir)) = disc_data.iter().find(|(k, _)| k == krate) {
            tests.env("PS2_DISC_DIR", dir);
        }
        steps.push((format!("EE tests of {krate}"), tests));
    }
    for (step, mut command) in steps {
        if let Err(error) = crate::run(&step, &mut command) {
            println!("canary: {version}: FAILS at \"{step}\" ({error:#})");
            bail!("the newest nightly does not build or pass the EE tests");
        }
    }
    println!("canary: {version}: WORKS (hello runs, every EE test passes)");
    Ok(())
}
