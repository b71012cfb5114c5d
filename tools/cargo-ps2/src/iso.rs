//! `cargo ps2 iso [--out FILE] [ARGS]`: a bootable disc image to burn or load in an emulator.
//!
//! Builds like `cargo ps2 build ARGS` (with `--message-format=json-render-diagnostics`, to learn
//! which executable cargo made), then does what the runner does before it boots a program
//! ([`ps2_run::prepare_image`]): the R5900 ISA check, and the image with `SYSTEM.CNF`, the ELF and
//! the data folder (the package's `disc/` for a binary, `examples/<name>/disc/` for an example).
//! The image goes to `--out FILE`, or next to the ELF as `<elf>.iso`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::cargo;
use crate::sdk;

/// An executable cargo built, from its JSON messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The target's name (`demo`, or the example's name).
    pub name: String,
    /// The target's kinds (`bin`, `example`, `test`).
    pub kind: Vec<String>,
    /// The ELF.
    pub executable: PathBuf,
    /// The package's `Cargo.toml`.
    pub manifest_path: PathBuf,
}

/// The executables in cargo's `--message-format=json` output (`compiler-artifact` messages with an
/// `executable`); other lines are ignored.
pub fn executables(json_lines: &str) -> Vec<Artifact> {
    json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter_map(|message| {
            Some(Artifact {
                name: message["target"]["name"].as_str()?.to_string(),
                kind: message["target"]["kind"]
                    .as_array()?
                    .iter()
                    .filter_map(|kind| Some(kind.as_str()?.to_string()))
                    .collect(),
                executable: PathBuf::from(message["executable"].as_str()?),
                manifest_path: PathBuf::from(message["manifest_path"].as_str()?),
            })
        })
        .collect()
}

/// The one program to put on the disc; several need `--bin`/`--example` to choose.
pub fn choose(artifacts: &[Artifact]) -> Result<&Artifact, String> {
    match artifacts {
        [one] => Ok(one),
        [] => Err("the build made no executable to put on a disc (the package needs a binary: src/main.rs)".into()),
        several => {
            let names: Vec<String> =
                several.iter().map(|a| format!("{} ({})", a.name, a.kind.join(", "))).collect();
            Err(format!(
                "the build made several programs: {}; choose one with --bin NAME or --example NAME",
                names.join(", ")
            ))
        }
    }
}

/// `cargo ps2 iso`: builds, checks and packs; returns the image's path.
pub fn build(out: Option<&Path>, args: &[OsString]) -> Result<PathBuf, String> {
    if args.iter().take_while(|arg| *arg != "--").any(|arg| arg.to_string_lossy().starts_with("--message-format")) {
        return Err("`--message-format` is not available with `iso` (cargo ps2 reads cargo's messages itself)".into());
    }
    let target_dir = cargo::target_dir(args)?;
    let files = sdk::materialise(&target_dir)
        .map_err(|e| format!("cannot write the target files into {}: {e}", target_dir.join("ps2").display()))?;
    let mut command_args = vec![OsString::from("--message-format=json-render-diagnostics")];
    command_args.extend(args.iter().cloned());
    let mut command = cargo::ee_command("build", &command_args, &files, None)?;
    let output = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if !output.status.success() {
        return Err(format!("the build failed ({})", output.status));
    }
    let artifacts = executables(&String::from_utf8_lossy(&output.stdout));
    let program = choose(&artifacts)?;
    let mut env = ps2_run::RunnerEnv::from_process();
    env.manifest_dir = program.manifest_path.parent().map(Path::to_path_buf);
    ps2_run::prepare_image(&program.executable, out, &env)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: &str = r#"{"reason":"compiler-artifact","package_id":"path+file:///p#demo@0.1.0","manifest_path":"/p/Cargo.toml","target":{"kind":["bin"],"crate_types":["bin"],"name":"demo","src_path":"/p/src/main.rs"},"executable":"/p/target/mips-ps2-ee/release/demo","fresh":false}
{"reason":"compiler-artifact","manifest_path":"/r/ps2-sys/Cargo.toml","target":{"kind":["lib"],"name":"ps2_sys"},"executable":null}
{"reason":"build-finished","success":true}
not json at all"#;

    #[test]
    fn executables_are_read_from_cargos_messages() {
        let found = executables(MESSAGES);
        assert_eq!(
            found,
            [Artifact {
                name: "demo".into(),
                kind: vec!["bin".into()],
                executable: "/p/target/mips-ps2-ee/release/demo".into(),
                manifest_path: "/p/Cargo.toml".into(),
            }]
        );
        assert_eq!(choose(&found).unwrap().name, "demo");
    }

    #[test]
    fn none_or_several_programs_are_clear_errors() {
        assert!(choose(&[]).unwrap_err().contains("no executable"));
        let mut two = executables(MESSAGES);
        two.push(Artifact { name: "tour".into(), kind: vec!["example".into()], ..two[0].clone() });
        let message = choose(&two).unwrap_err();
        assert!(message.contains("demo (bin), tour (example)") && message.contains("--example"), "{message}");
    }

    #[test]
    fn cargo_message_format_is_refused() {
        let args = [OsString::from("--message-format=short")];
        assert!(build(None, &args).unwrap_err().contains("--message-format"));
    }
}
