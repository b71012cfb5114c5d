//! `cargo ps2 build|run|test`: cargo's own subcommand, pointed at the Emotion Engine.
//!
//! [`ee_command`] adds to the user's arguments:
//!
//! * `--target <target-dir>/ps2/mips-ps2-ee.json` (written by [`sdk::materialise`]),
//!   `-Zbuild-std=core,alloc` and `-Zjson-target-spec`;
//! * the linker script: `--config 'target.mips-ps2-ee.rustflags=["-C", "link-arg=-T<script>"]'`
//!   (when `RUSTFLAGS` or `CARGO_ENCODED_RUSTFLAGS` is set, cargo ignores that setting, so the flags
//!   are appended to `CARGO_ENCODED_RUSTFLAGS` instead);
//! * for `run` and `test`, the runner: `--config 'target.mips-ps2-ee.runner=["<this exe>", "runner"]'`,
//!   so that cargo hands every EE program to `cargo ps2 runner` ([`ps2_run::main_with_args`]).
//!
//! The toolchain is checked first ([`check_toolchain`]): a nightly whose LLVM knows the R5900.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use crate::cli::CargoSubcommand;
use crate::sdk::{self, Materialised};

/// The oldest LLVM whose MIPS back end knows the R5900 (`+r5900`, `+fix-r5900`).
pub const MIN_LLVM_MAJOR: u32 = 23;

/// The cargo to run: `$CARGO` (set by cargo for its subcommands, so the toolchain stays the same),
/// else `cargo` from `PATH`.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo ps2 build|run|test ARGS`: checks the toolchain, materialises the target files and runs
/// cargo; returns cargo's exit status.
pub fn run(subcommand: CargoSubcommand, args: &[OsString]) -> Result<u8, String> {
    check_toolchain_of_process()?;
    let target_dir = target_dir(args)?;
    let files = sdk::materialise(&target_dir)
        .map_err(|e| format!("cannot write the target files into {}: {e}", target_dir.join("ps2").display()))?;
    let mut command = ee_command(subcommand.name(), args, &files, subcommand.runs_programs().then(runner_exe))?;
    let status = command.status().map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    Ok(exit_status(status))
}

/// The process status to exit with for a child's status (a signal gives 1).
pub fn exit_status(status: std::process::ExitStatus) -> u8 {
    status.code().map_or(1, |code| u8::try_from(code).unwrap_or(1))
}

/// This executable, which cargo should start as the runner.
pub fn runner_exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| "cargo-ps2".into())
}

/// The cargo command for `subcommand` on the EE with the user's `args` (see the module docs).
/// `runner` is the executable to hand programs to (`None` for `build`). Refuses a `--target` in
/// `args`: the EE target is the point.
pub fn ee_command(
    subcommand: &str,
    args: &[OsString],
    files: &Materialised,
    runner: Option<PathBuf>,
) -> Result<Command, String> {
    let before_separator = || args.iter().take_while(|arg| *arg != "--");
    if before_separator().any(|arg| arg == "--target" || arg.to_string_lossy().starts_with("--target=")) {
        return Err("`--target` is not needed: cargo ps2 always builds for the Emotion Engine".into());
    }
    let mut command = Command::new(cargo_program());
    command.arg(subcommand);
    command.arg("--target").arg(&files.target_json);
    command.args(["-Zbuild-std=core,alloc", "-Zjson-target-spec"]);
    let rustflags = ["-C".to_string(), format!("link-arg=-T{}", files.linker_script.display())];
    let from_env = (std::env::var("CARGO_ENCODED_RUSTFLAGS").ok(), std::env::var("RUSTFLAGS").ok());
    match encoded_rustflags_with(from_env, &rustflags) {
        Some(encoded) => {
            command.env("CARGO_ENCODED_RUSTFLAGS", encoded).env_remove("RUSTFLAGS");
        }
        None => {
            command.arg("--config").arg(format!("target.{}.rustflags={}", sdk::TARGET_NAME, toml_array(&rustflags)));
        }
    }
    if let Some(runner) = runner {
        let runner = [runner.to_string_lossy().into_owned(), "runner".to_string()];
        command.arg("--config").arg(format!("target.{}.runner={}", sdk::TARGET_NAME, toml_array(&runner)));
    }
    command.args(args);
    Ok(command)
}

/// When the environment sets rustflags (`from_env`: the values of `CARGO_ENCODED_RUSTFLAGS` and
/// `RUSTFLAGS`, which win over `target.<name>.rustflags` in that order), the value of
/// `CARGO_ENCODED_RUSTFLAGS` that adds `extra` to them; `None` when neither is set.
fn encoded_rustflags_with(from_env: (Option<String>, Option<String>), extra: &[String]) -> Option<String> {
    let existing: Vec<String> = match from_env {
        (Some(encoded), _) if !encoded.is_empty() => encoded.split('\x1f').map(String::from).collect(),
        (_, Some(flags)) if !flags.trim().is_empty() => flags.split_whitespace().map(String::from).collect(),
        _ => return None,
    };
    Some(existing.iter().chain(extra).cloned().collect::<Vec<_>>().join("\x1f"))
}

/// A TOML array of basic strings (`["a", "b \"c\""]`), for `--config` values.
pub fn toml_array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| toml_string(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A TOML basic string.
pub fn toml_string(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The target directory cargo will use for the package the user's `args` select (honours
/// `--manifest-path`, `CARGO_TARGET_DIR` and `build.target-dir`): asks `cargo metadata`.
pub fn target_dir(args: &[OsString]) -> Result<PathBuf, String> {
    let mut command = Command::new(cargo_program());
    command.args(["metadata", "--no-deps", "--format-version", "1"]);
    if let Some(manifest) = manifest_path_arg(args) {
        command.arg("--manifest-path").arg(manifest);
    }
    let output = command.output().map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if !output.status.success() {
        return Err(format!("`cargo metadata` failed (is there a Cargo.toml here?):\n{}", String::from_utf8_lossy(&output.stderr).trim_end()));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cannot read `cargo metadata`'s output: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` did not name the target directory".to_string())
}

/// The value of `--manifest-path` in `args` (before `--`), if given.
pub fn manifest_path_arg(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().take_while(|arg| *arg != "--");
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--manifest-path" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--manifest-path=") {
            return Some(PathBuf::from(path));
        }
    }
    None
}

/// Runs `rustc -vV` (`$RUSTC` or `rustc`) and [`check_toolchain`]s its answer.
fn check_toolchain_of_process() -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot start {}: {e} (is Rust installed? https://rustup.rs)", rustc.to_string_lossy()))?;
    check_toolchain(&String::from_utf8_lossy(&output.stdout))
}

/// Checks `rustc -vV`'s output: building for the EE needs a nightly (`-Zbuild-std`, a JSON target)
/// whose LLVM knows the R5900 ([`MIN_LLVM_MAJOR`]). Unknown formats pass.
pub fn check_toolchain(version_text: &str) -> Result<(), String> {
    let field = |name: &str| {
        version_text.lines().find_map(|line| line.strip_prefix(name).map(|rest| rest.trim().to_string()))
    };
    let fix = format!(
        "cargo ps2 needs the nightly the SDK is tested on: `rustup toolchain install {0} --component rust-src`, and a \
         rust-toolchain.toml with `channel = \"{0}\"` in the project (cargo ps2 new writes one)",
        sdk::toolchain_channel()
    );
    if let Some(release) = field("release:")
        && !(release.contains("nightly") || release.contains("dev"))
    {
        return Err(format!("this Rust is {release}, not a nightly: building for the Emotion Engine needs nightly features.\n  {fix}"));
    }
    if let Some(llvm) = field("LLVM version:")
        && let Some(major) = llvm.split('.').next().and_then(|major| major.parse::<u32>().ok())
        && major < MIN_LLVM_MAJOR
    {
        return Err(format!(
            "this Rust's LLVM is {llvm}; the R5900 (the PS2's CPU) needs LLVM {MIN_LLVM_MAJOR} or newer.\n  {fix}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Materialised {
        Materialised {
            target_json: "/p/target/ps2/mips-ps2-ee.json".into(),
            linker_script: "/p/target/ps2/ps2-ee.ld".into(),
        }
    }

    fn args_of(command: &Command) -> Vec<String> {
        command.get_args().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn build_gets_the_target_build_std_and_linker_script_but_no_runner() {
        let command = ee_command("build", &os(&["--release"]), &files(), None).unwrap();
        let args = args_of(&command);
        if std::env::var_os("RUSTFLAGS").is_some() || std::env::var_os("CARGO_ENCODED_RUSTFLAGS").is_some() {
            return; // the flags travel in the environment then; covered by encoded_rustflags below
        }
        assert_eq!(
            args,
            [
                "build",
                "--target",
                "/p/target/ps2/mips-ps2-ee.json",
                "-Zbuild-std=core,alloc",
                "-Zjson-target-spec",
                "--config",
                "target.mips-ps2-ee.rustflags=[\"-C\", \"link-arg=-T/p/target/ps2/ps2-ee.ld\"]",
                "--release",
            ]
        );
    }

    #[test]
    fn run_and_test_make_this_tool_the_runner_and_keep_program_arguments_last() {
        let runner = PathBuf::from("/home/u/.cargo/bin/cargo-ps2");
        let command = ee_command("run", &os(&["--example", "x", "--", "a b"]), &files(), Some(runner)).unwrap();
        let args = args_of(&command);
        let runner_config = "target.mips-ps2-ee.runner=[\"/home/u/.cargo/bin/cargo-ps2\", \"runner\"]";
        let at = args.iter().position(|a| a == runner_config).expect("runner configured");
        assert_eq!(args[at - 1], "--config");
        assert_eq!(&args[args.len() - 4..], ["--example", "x", "--", "a b"]);
        assert_eq!(args[0], "run");
    }

    #[test]
    fn a_target_of_ones_own_is_refused_before_the_separator_only() {
        assert!(ee_command("build", &os(&["--target", "x"]), &files(), None).unwrap_err().contains("--target"));
        assert!(ee_command("build", &os(&["--target=x"]), &files(), None).is_err());
        assert!(ee_command("run", &os(&["--", "--target"]), &files(), None).is_ok());
    }

    #[test]
    fn rustflags_from_the_environment_keep_the_linker_script() {
        let extra = ["-C".to_string(), "link-arg=-T/s.ld".to_string()];
        assert_eq!(encoded_rustflags_with((None, None), &extra), None, "then --config carries them");
        assert_eq!(encoded_rustflags_with((Some(String::new()), Some(" ".into())), &extra), None);
        assert_eq!(
            encoded_rustflags_with((None, Some("-C  opt-level=s".into())), &extra).unwrap(),
            "-C\x1fopt-level=s\x1f-C\x1flink-arg=-T/s.ld"
        );
        assert_eq!(
            encoded_rustflags_with((Some("-Cdebuginfo=2".into()), Some("ignored".into())), &extra).unwrap(),
            "-Cdebuginfo=2\x1f-C\x1flink-arg=-T/s.ld"
        );
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string(r#"C:\a "b""#), r#""C:\\a \"b\"""#);
        assert_eq!(toml_array(&["a".into(), "b c".into()]), r#"["a", "b c"]"#);
        assert_eq!(toml_string("x\ny"), "\"x\\u000Ay\"");
    }

    #[test]
    fn manifest_path_is_found_before_the_separator() {
        assert_eq!(manifest_path_arg(&os(&["--manifest-path", "a/Cargo.toml"])), Some("a/Cargo.toml".into()));
        assert_eq!(manifest_path_arg(&os(&["-q", "--manifest-path=b/Cargo.toml"])), Some("b/Cargo.toml".into()));
        assert_eq!(manifest_path_arg(&os(&["--", "--manifest-path", "c"])), None);
    }

    #[test]
    fn toolchain_check_wants_a_nightly_with_llvm_23() {
        let version = |release: &str, llvm: &str| {
            format!("rustc {release} (92b5b8c87 2026-10-29)\nbinary: rustc\nrelease: {release}\nLLVM version: {llvm}\n")
        };
        assert_eq!(check_toolchain(&version("1.101.0-nightly", "23.1.4")), Ok(()));
        assert_eq!(check_toolchain(&version("1.102.0-dev", "24.0.0")), Ok(()));
        let old = check_toolchain(&version("1.97.0-nightly", "22.1.4")).unwrap_err();
        assert!(old.contains("LLVM 23") && old.contains(sdk::toolchain_channel()), "{old}");
        let stable = check_toolchain(&version("1.95.0", "22.1.0")).unwrap_err();
        assert!(stable.contains("not a nightly"), "{stable}");
        assert_eq!(check_toolchain("something else entirely"), Ok(()));
    }
}
