//! The command line: `cargo ps2 <command> [args]`.
//!
//! Arguments of `build`, `run`, `test` and `iso` (besides `iso`'s `--out`) go to cargo unchanged, so
//! everything cargo accepts works: `--release`, `--example X`, `--bin X`, `--features …`, `-- ARGS`.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::new::NewOptions;

/// The help text.
pub const USAGE: &str = "\
cargo ps2 — PlayStation 2 (Emotion Engine) programs with cargo

Usage:
  cargo ps2 new NAME [--sdk-path DIR]    create a project in the directory NAME
  cargo ps2 build [CARGO BUILD ARGS]     build for the EE (--release, --example X, ...)
  cargo ps2 run [ARGS] [-- PROGRAM ARGS] build, check, pack the disc image and run it
                                         (PCSX2 if installed, else the built-in simulator)
  cargo ps2 test [CARGO TEST ARGS]       run the EE tests in the simulator
  cargo ps2 iso [--out FILE] [ARGS]      build a bootable disc image (.iso)
  cargo ps2 help | --help | --version

`new --sdk-path DIR` depends on the SDK crates of the ps2-rs workspace at DIR instead of crates.io.
The runner reads PS2_RUNNER=sim|pcsx2, PCSX2=<path>, PS2_SIM_ARGS, PS2_DISC_DIR, PS2_SKIP_ISA_CHECK.";

/// The cargo subcommands `cargo ps2` wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CargoSubcommand {
    /// `cargo build`.
    Build,
    /// `cargo run`.
    Run,
    /// `cargo test`.
    Test,
}

impl CargoSubcommand {
    /// The cargo subcommand's name.
    pub fn name(self) -> &'static str {
        match self {
            CargoSubcommand::Build => "build",
            CargoSubcommand::Run => "run",
            CargoSubcommand::Test => "test",
        }
    }

    /// Whether cargo runs a program, so that the runner must be set.
    pub fn runs_programs(self) -> bool {
        !matches!(self, CargoSubcommand::Build)
    }
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `cargo ps2 new`.
    New(NewOptions),
    /// `cargo ps2 build|run|test ARGS`: cargo's subcommand for the EE, `args` passed on.
    Cargo {
        /// Which cargo subcommand.
        subcommand: CargoSubcommand,
        /// The arguments after it, for cargo.
        args: Vec<OsString>,
    },
    /// `cargo ps2 iso [--out FILE] ARGS`.
    Iso {
        /// Where to write the image (default: next to the ELF, `<elf>.iso`).
        out: Option<PathBuf>,
        /// The other arguments, for `cargo build`.
        args: Vec<OsString>,
    },
    /// `cargo ps2 runner ELF [ARGS]` (hidden): cargo's runner for the EE target, set by `run`/`test`.
    Runner(Vec<OsString>),
    /// `help`, `--help`, `-h`.
    Help,
    /// `--version`, `-V`.
    Version,
}

/// Parses the arguments after the executable's name. Cargo starts a subcommand as
/// `cargo-ps2 ps2 ARGS`; the `ps2` is skipped, so `cargo-ps2 ARGS` works as well.
pub fn parse(argv: Vec<OsString>) -> Result<Command, String> {
    let mut argv = argv.into_iter().peekable();
    if argv.peek().is_some_and(|first| first == "ps2") {
        argv.next();
    }
    let Some(command) = argv.next() else {
        return Ok(Command::Help);
    };
    let rest: Vec<OsString> = argv.collect();
    let cargo = |subcommand| Ok(Command::Cargo { subcommand, args: rest.clone() });
    match command.to_str() {
        Some("new") => parse_new(rest).map(Command::New),
        Some("build" | "b") => cargo(CargoSubcommand::Build),
        Some("run" | "r") => cargo(CargoSubcommand::Run),
        Some("test" | "t") => cargo(CargoSubcommand::Test),
        Some("iso") => parse_iso(rest),
        Some("runner") => Ok(Command::Runner(rest)),
        Some("help" | "--help" | "-h") => Ok(Command::Help),
        Some("--version" | "-V" | "version") => Ok(Command::Version),
        _ => Err(format!("unknown command `{}`", command.to_string_lossy())),
    }
}

/// `new NAME [--sdk-path DIR]` (also `--sdk-path=DIR`, before or after NAME).
fn parse_new(args: Vec<OsString>) -> Result<NewOptions, String> {
    let mut path = None;
    let mut sdk_path = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--sdk-path" {
            let dir = args.next().ok_or("`--sdk-path` needs a directory: the ps2-rs SDK workspace root")?;
            sdk_path = Some(PathBuf::from(dir));
        } else if let Some(dir) = text.strip_prefix("--sdk-path=") {
            sdk_path = Some(PathBuf::from(dir));
        } else if text.starts_with('-') {
            return Err(format!("`new` does not know the option `{text}` (it takes NAME and --sdk-path DIR)"));
        } else if path.is_some() {
            return Err(format!("`new` takes one NAME; `{text}` is one too many"));
        } else {
            path = Some(PathBuf::from(arg));
        }
    }
    let path = path.ok_or("`new` needs the project's NAME: cargo ps2 new NAME [--sdk-path DIR]")?;
    Ok(NewOptions { path, sdk_path })
}

/// `iso [--out FILE] ARGS`: `--out` (or `--out=FILE`) anywhere before a `--`; the rest is cargo's.
fn parse_iso(args: Vec<OsString>) -> Result<Command, String> {
    let mut out = None;
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            rest.push(arg);
            rest.extend(args.by_ref());
            break;
        }
        let text = arg.to_string_lossy();
        if text == "--out" || text == "-o" {
            out = Some(PathBuf::from(args.next().ok_or("`--out` needs a file name for the disc image")?));
        } else if let Some(file) = text.strip_prefix("--out=") {
            out = Some(PathBuf::from(file));
        } else {
            rest.push(arg);
        }
    }
    Ok(Command::Iso { out, args: rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from).collect())
    }

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn cargo_passes_the_subcommand_name_first() {
        assert_eq!(parse_str(&["ps2", "build"]), parse_str(&["build"]));
        assert_eq!(parse_str(&["ps2"]), Ok(Command::Help));
        assert_eq!(parse_str(&[]), Ok(Command::Help));
        assert_eq!(parse_str(&["ps2", "--version"]), Ok(Command::Version));
        assert_eq!(parse_str(&["ps2", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn build_run_and_test_pass_every_argument_to_cargo() {
        assert_eq!(
            parse_str(&["ps2", "run", "--release", "--example", "x", "--", "--flag", "arg"]),
            Ok(Command::Cargo {
                subcommand: CargoSubcommand::Run,
                args: os(&["--release", "--example", "x", "--", "--flag", "arg"])
            })
        );
        assert_eq!(
            parse_str(&["test", "-p", "demo"]),
            Ok(Command::Cargo { subcommand: CargoSubcommand::Test, args: os(&["-p", "demo"]) })
        );
        assert_eq!(parse_str(&["b"]), Ok(Command::Cargo { subcommand: CargoSubcommand::Build, args: vec![] }));
        assert!(!CargoSubcommand::Build.runs_programs() && CargoSubcommand::Test.runs_programs());
    }

    #[test]
    fn new_takes_a_name_and_an_optional_sdk_path() {
        let new = |path: &str, sdk: Option<&str>| {
            Ok(Command::New(NewOptions { path: path.into(), sdk_path: sdk.map(PathBuf::from) }))
        };
        assert_eq!(parse_str(&["ps2", "new", "demo"]), new("demo", None));
        assert_eq!(parse_str(&["new", "demo", "--sdk-path", "/sdk"]), new("demo", Some("/sdk")));
        assert_eq!(parse_str(&["new", "--sdk-path=../sdk", "demo"]), new("demo", Some("../sdk")));
        assert!(parse_str(&["new"]).unwrap_err().contains("NAME"));
        assert!(parse_str(&["new", "demo", "--sdk-path"]).unwrap_err().contains("directory"));
        assert!(parse_str(&["new", "a", "b"]).unwrap_err().contains("one too many"));
        assert!(parse_str(&["new", "demo", "--lib"]).unwrap_err().contains("--lib"));
    }

    #[test]
    fn iso_takes_out_and_passes_the_rest() {
        assert_eq!(
            parse_str(&["iso", "--release", "--out", "game.iso", "--bin", "demo"]),
            Ok(Command::Iso { out: Some("game.iso".into()), args: os(&["--release", "--bin", "demo"]) })
        );
        assert_eq!(
            parse_str(&["iso", "--out=a.iso", "--", "--out", "b"]),
            Ok(Command::Iso { out: Some("a.iso".into()), args: os(&["--", "--out", "b"]) })
        );
        assert_eq!(parse_str(&["iso"]), Ok(Command::Iso { out: None, args: vec![] }));
        assert!(parse_str(&["iso", "--out"]).is_err());
    }

    #[test]
    fn the_hidden_runner_and_unknown_commands() {
        assert_eq!(parse_str(&["runner", "/t/demo", "x"]), Ok(Command::Runner(os(&["/t/demo", "x"]))));
        assert!(parse_str(&["ps2", "frobnicate"]).unwrap_err().contains("unknown command `frobnicate`"));
    }
}
