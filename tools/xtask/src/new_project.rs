//! `cargo xtask test`'s new-project step: a homebrew developer's whole loop with `cargo ps2`, outside the workspace.
//!
//! 1. builds `cargo-ps2` for the host (from `target/`, nothing is installed into the user's home);
//! 2. in a temporary directory **outside the workspace** (so that the workspace's `.cargo/config.toml` — target,
//!    build-std, runner, linker script — does not apply: `cargo ps2` must bring all of that itself), runs
//!    `cargo ps2 new demo --sdk-path <workspace root>`;
//! 3. runs `cargo ps2 run --release` in the new project with the project's own toolchain file (rustup's
//!    `RUSTUP_TOOLCHAIN` from this run is removed) and checks that the program printed every line of its
//!    `disc/HELLO.TXT` on the serial port and showed it on the screen (the simulator's screenshot, read back);
//! 4. runs `cargo ps2 test` there: the project's EE tests in the simulator.
//!
//! The project's build goes to `<target>/new-project/` so that reruns are incremental.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cargo, run, screen};

/// Runs the steps above.
pub fn check(root: &Path) -> Result<()> {
    run(
        "cargo-ps2 for the host",
        cargo().args(["build", "-p", "cargo-ps2", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind"]),
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir));
    let bin_dir = target.join(host_triple()?).join("debug");
    if !bin_dir.join("cargo-ps2").is_file() {
        bail!("cargo-ps2 was not built at {}", bin_dir.display());
    }

    let temp = std::env::temp_dir().join(format!("ps2-rs-new-project-{}", std::process::id()));
    if temp.starts_with(root) {
        bail!("the temporary directory {} lies inside the workspace: its .cargo/config.toml would apply", temp.display());
    }
    if temp.exists() {
        std::fs::remove_dir_all(&temp)?;
    }
    std::fs::create_dir_all(&temp)?;
    let result = new_and_run(root, &bin_dir, &temp, &target.join("new-project"));
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&temp);
    } else {
        eprintln!("    (the project is kept in {} for a look)", temp.display());
    }
    result
}

fn new_and_run(root: &Path, bin_dir: &Path, temp: &Path, project_target: &Path) -> Result<()> {
    // `cargo ps2` finds `cargo-ps2` on PATH, as after `cargo install`.
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )?;
    let user_cargo = |dir: &Path| {
        // `cargo` through rustup's proxy, as a user types it; nothing of this cargo run leaks in.
        let mut command = Command::new("cargo");
        command.current_dir(dir).env("PATH", &path).env("PS2_RUNNER", "sim").env("CARGO_TARGET_DIR", project_target);
        for variable in [
            "CARGO", "CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_PKG_NAME", "CARGO_BUILD_TARGET", "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS", "RUSTC", "RUSTC_WRAPPER", "PS2_SIM_ARGS", "PS2_DISC_DIR", "PS2_SKIP_ISA_CHECK",
        ] {
            command.env_remove(variable);
        }
        command
    };

    run("cargo ps2 new demo (outside the workspace)", user_cargo(temp).arg("ps2").arg("new").arg("demo").arg("--sdk-path").arg(root))?;
    let project = temp.join("demo");
    let disc_text = std::fs::read_to_string(project.join("disc/HELLO.TXT")).context("cargo ps2 new wrote disc/HELLO.TXT")?;

    // The project's rust-toolchain.toml chooses the toolchain from here on.
    let mut command = user_cargo(&project);
    command.args(["ps2", "run", "--release"]).env_remove("RUSTUP_TOOLCHAIN").env_remove("RUSTUP_TOOLCHAIN_SOURCE");
    eprintln!("\n==> cargo ps2 run --release in the new project\n    {command:?}");
    let output = command.output().with_context(|| format!("could not start {command:?}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        bail!("cargo ps2 run in the new project failed ({})", output.status);
    }
    for line in disc_text.lines().filter(|line| !line.trim().is_empty()) {
        if !stdout.contains(line) {
            bail!("the new project's program did not print its disc file's line {line:?}");
        }
    }
    // What a person would see: the simulator saved the last frame next to the disc image.
    let screenshot: PathBuf = project_target.join("mips-ps2-ee/release/demo.png");
    screen::expect_text(&screenshot, &["HELLO.TXT on the disc says", "Hello from the disc!"])?;

    let mut command = user_cargo(&project);
    command.args(["ps2", "test"]).env_remove("RUSTUP_TOOLCHAIN").env_remove("RUSTUP_TOOLCHAIN_SOURCE");
    run("cargo ps2 test in the new project (EE tests in the simulator)", &mut command)
}

/// The host's target triple (`rustc -vV`'s `host:`), where `--target host-tuple` puts the host build.
fn host_triple() -> Result<String> {
    let output = Command::new("rustc").arg("-vV").output().context("running rustc -vV")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_string))
        .context("rustc -vV names no host")
}
