//! # ps2-run — the cargo runner for PS2 EE programs
//!
//! `.cargo/config.toml` names `ps2-run` as the runner of the EE target, so `cargo run --example X`
//! and `cargo test` on the EE call `ps2-run <elf> [args...]`. The runner
//!
//! 1. checks the ELF with [`ps2_isacheck`] and refuses one that contains instructions the R5900
//!    lacks (they would crash or silently misbehave on the console);
//! 2. builds a bootable disc image next to the ELF ([`disc`]): `SYSTEM.CNF`, the ELF and the
//!    program's data files (`examples/<name>/disc/` for an example, the package's `disc/` folder
//!    for its binaries and tests);
//! 3. runs the image in PCSX2 when it is installed ([`backend`]), otherwise in the built-in
//!    simulator (`ps2-sim`), and exits with the program's exit code.
//!
//! The whole runner is a library function, [`main_with_args`], so that other tools (`cargo ps2`'s
//! hidden `runner` subcommand) run programs exactly as the `ps2-run` binary does; [`prepare_image`]
//! is steps 1-2 alone, for tools that only want the disc image.
//!
//! Environment variables (cargo passes only arguments to a runner), read by [`RunnerEnv::from_process`]:
//! * `PS2_RUNNER=sim|pcsx2` forces a backend;
//! * `PCSX2=<path>` names the PCSX2 executable (selects PCSX2 unless `PS2_RUNNER=sim`);
//! * `PS2_SIM_ARGS="--json out.json --max-seconds 120"` passes options to the simulator;
//! * `PS2_DISC_DIR=<dir>` overrides the data-file folder;
//! * `PS2_HOST_DIR=<dir>` is the folder the simulator's FILEIO serves as `host:` (same as `--host-dir` in
//!   `PS2_SIM_ARGS`, which wins; a path with spaces fits here); by default the folder of the ELF;
//! * `PS2_SKIP_ISA_CHECK=1` skips the ISA check;
//! * `PS2_BIOS=<file>` and `PS2_TIMEOUT=<seconds>` are read by the PCSX2 backend ([`backend::pcsx2`]);
//! * `CARGO_MANIFEST_DIR` (set by cargo for `cargo run` / `cargo test`) locates the package's `disc/` folder.

#![warn(missing_docs)]

pub mod backend;
pub mod disc;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use backend::Backend;

/// Exit code for runner errors (bad arguments, unreadable ELF, image not buildable, ISA check).
pub const EXIT_RUNNER_ERROR: u8 = 2;

/// Checks `elf` with the ISA checker; `Err` carries the report to print.
pub fn isa_check(elf: &[u8], path: &Path) -> Result<(), String> {
    match ps2_isacheck::check_elf(elf) {
        Ok(report) if report.is_clean() => Ok(()),
        Ok(report) => {
            let mut text = format!(
                "{}: {} instruction(s) the R5900 cannot run (refusing to boot it):\n",
                path.display(),
                report.violations.len()
            );
            for v in report.violations.iter().take(20) {
                text.push_str(&format!("  {v}\n"));
            }
            if report.violations.len() > 20 {
                text.push_str(&format!("  ... and {} more\n", report.violations.len() - 20));
            }
            text.push_str("  (set PS2_SKIP_ISA_CHECK=1 to run it anyway in the simulator, which stops at the first one)");
            Err(text)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Everything the runner takes from its environment, gathered in one place so that it can be set
/// explicitly (tests, other tools) instead of through process-wide variables.
#[derive(Debug, Clone, Default)]
pub struct RunnerEnv {
    /// `PS2_RUNNER`: `sim` or `pcsx2` forces a backend.
    pub runner: Option<String>,
    /// `PCSX2`: the PCSX2 executable.
    pub pcsx2: Option<PathBuf>,
    /// `PATH`, searched for `pcsx2-qt` / `pcsx2`.
    pub path: Option<OsString>,
    /// `PS2_SIM_ARGS`: simulator options, whitespace-separated.
    pub sim_args: String,
    /// `PS2_DISC_DIR`: the data-file folder, overriding the conventions of [`disc::data_dir_for`].
    pub disc_dir: Option<PathBuf>,
    /// `PS2_HOST_DIR`: the simulator's `host:` folder, unless `PS2_SIM_ARGS` has `--host-dir`.
    pub host_dir: Option<PathBuf>,
    /// `PS2_SKIP_ISA_CHECK` is set: boot the ELF without the ISA check.
    pub skip_isa_check: bool,
    /// The directory `examples/<name>/disc` is looked up from (upwards): the current directory.
    pub cwd: PathBuf,
    /// `CARGO_MANIFEST_DIR`: the package whose `disc/` folder holds the data of its binaries and tests.
    pub manifest_dir: Option<PathBuf>,
}

impl RunnerEnv {
    /// Reads the variables listed in the crate docs, and the current directory.
    pub fn from_process() -> RunnerEnv {
        RunnerEnv {
            runner: std::env::var("PS2_RUNNER").ok(),
            pcsx2: std::env::var_os("PCSX2").map(PathBuf::from),
            path: std::env::var_os("PATH"),
            sim_args: std::env::var("PS2_SIM_ARGS").unwrap_or_default(),
            disc_dir: std::env::var_os("PS2_DISC_DIR").map(PathBuf::from),
            host_dir: std::env::var_os("PS2_HOST_DIR").map(PathBuf::from),
            skip_isa_check: std::env::var_os("PS2_SKIP_ISA_CHECK").is_some(),
            cwd: std::env::current_dir().unwrap_or_default(),
            manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        }
    }
}

/// Steps 1-2 of the runner: checks `elf` (unless [`RunnerEnv::skip_isa_check`]) and builds its disc
/// image with the data folder [`disc::data_dir_for`] finds, at `out` or else next to the ELF
/// (`<elf>.iso`). Returns the image's path.
pub fn prepare_image(elf: &Path, out: Option<&Path>, env: &RunnerEnv) -> Result<PathBuf, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("cannot read {}: {e}", elf.display()))?;
    if !env.skip_isa_check {
        isa_check(&bytes, elf)?;
    }
    let data = disc::data_dir_for(elf, &env.cwd, env.manifest_dir.as_deref(), env.disc_dir.clone());
    let image = out.map_or_else(|| elf.with_extension("iso"), Path::to_path_buf);
    disc::build_image_at(elf, data.as_deref(), &image)?;
    Ok(image)
}

/// The whole runner: checks `elf`, builds its disc image and runs it in the backend `env` selects,
/// passing `args` to the program. Returns the process status to exit with (the program's exit
/// code, or the simulator's for its own stops), or the message of a runner error
/// ([`EXIT_RUNNER_ERROR`]).
pub fn run_elf(elf: &Path, args: Vec<String>, env: &RunnerEnv) -> Result<u8, String> {
    let image = prepare_image(elf, None, env)?;
    let backend = backend::choose(env.runner.as_deref(), env.pcsx2.clone(), env.path.as_deref())?;
    Ok(match backend {
        Backend::Simulator => {
            let mut options = backend::sim_options(&env.sim_args)?;
            if options.host_dir.is_none() {
                options.host_dir = env.host_dir.clone();
            }
            // A headless run still shows what the screen showed: by default the last frame is saved next to
            // the disc image (when the program set up a display).
            if options.screenshot.is_none() {
                options.screenshot_if_displayed = Some(image.with_extension("png"));
            }
            backend::run_simulator(&image, args, &options)
        }
        Backend::Pcsx2(path) => backend::run_pcsx2(&path, &image, &args),
    })
}

/// The `ps2-run` command line: `argv` is `<elf> [args...]` (without the program name), the
/// environment is the process's. Errors are printed as `<tool>: <message>` and give
/// [`EXIT_RUNNER_ERROR`]. `ps2-run`'s `main` is this function, and so is `cargo ps2 runner`.
pub fn main_with_args(tool: &str, argv: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut argv = argv.into_iter();
    let Some(elf) = argv.next().map(PathBuf::from) else {
        eprintln!("{tool}: usage: {tool} <elf> [args...] (normally started by cargo as the EE runner)");
        return ExitCode::from(EXIT_RUNNER_ERROR);
    };
    let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
    match run_elf(&elf, args, &RunnerEnv::from_process()) {
        Ok(status) => ExitCode::from(status),
        Err(message) => {
            eprintln!("{tool}: {message}");
            ExitCode::from(EXIT_RUNNER_ERROR)
        }
    }
}
