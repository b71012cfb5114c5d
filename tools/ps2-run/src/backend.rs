//! Choosing and running the backend: the built-in simulator or PCSX2.

pub mod pcsx2;

use std::path::{Path, PathBuf};

use clap::Parser;
use ps2_sim::SimOptions;

/// Which emulator runs the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The built-in headless simulator.
    Simulator,
    /// PCSX2 at this path.
    Pcsx2(PathBuf),
}

/// Finds an executable on `PATH`.
fn which(name: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Picks the backend from `PS2_RUNNER`, `PCSX2` and `PATH` (values passed in for testability).
pub fn choose(
    runner: Option<&str>,
    pcsx2: Option<PathBuf>,
    path_var: Option<&std::ffi::OsStr>,
) -> Result<Backend, String> {
    let installed = || {
        pcsx2.clone().or_else(|| which("pcsx2-qt", path_var)).or_else(|| which("pcsx2", path_var))
    };
    match runner {
        Some("sim") => Ok(Backend::Simulator),
        Some("pcsx2") => installed().map(Backend::Pcsx2).ok_or_else(|| {
            "PS2_RUNNER=pcsx2 but PCSX2 was not found: install pcsx2-qt or set PCSX2=<path>".into()
        }),
        Some(other) => Err(format!("PS2_RUNNER={other:?}: expected `sim` or `pcsx2`")),
        None => Ok(installed().map_or(Backend::Simulator, Backend::Pcsx2)),
    }
}

/// Parses `PS2_SIM_ARGS` (whitespace-separated) into simulator options.
pub fn sim_options(text: &str) -> Result<SimOptions, String> {
    #[derive(Parser)]
    #[command(name = "PS2_SIM_ARGS", no_binary_name = true)]
    struct Wrapper {
        #[command(flatten)]
        options: SimOptions,
    }
    Wrapper::try_parse_from(text.split_whitespace())
        .map(|w| w.options)
        .map_err(|e| format!("bad PS2_SIM_ARGS: {e}"))
}

/// Runs the image in the simulator; returns the process status. The arguments are encoded as for PCSX2
/// ([`encode_args`]), so that a program sees the same `argv` in both.
pub fn run_simulator(image: &Path, args: Vec<String>, options: &SimOptions) -> u8 {
    let outcome = options.run(image, encode_args(&args));
    ps2_sim::process_status(outcome.exit_code())
}

/// Marks an encoded argument (see [`encode_arg`]); `ps2_sys::rt::args` decodes such arguments.
pub const ARG_MARKER: &str = "%%";

/// Encodes one program argument so that it survives PCSX2's `-gameargs`, which is cut at every space with no
/// quoting (`R5900.cpp` `ParseArgumentString`). An argument that is non-empty, has only printable ASCII other
/// than space (0x21-0x7E) and does not start with [`ARG_MARKER`] is passed as it is. Any other becomes
/// `%%` + its bytes with space as `+`, and `%`, `+` and bytes outside 0x21-0x7E as `%XX` (upper-case hex):
/// `prompt=It is` → `%%prompt=It+is`. `ps2_sys::rt::args` undoes this before `main`.
pub fn encode_arg(arg: &str) -> String {
    let plain = !arg.is_empty() && !arg.starts_with(ARG_MARKER) && arg.bytes().all(|b| (0x21..=0x7E).contains(&b));
    if plain {
        return arg.to_string();
    }
    let mut out = String::from(ARG_MARKER);
    for b in arg.bytes() {
        match b {
            b' ' => out.push('+'),
            b'%' | b'+' => out.push_str(&format!("%{b:02X}")),
            0x21..=0x7E => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// [`encode_arg`] for each argument.
pub fn encode_args(args: &[String]) -> Vec<String> {
    args.iter().map(|a| encode_arg(a)).collect()
}

/// The program's arguments must fit the block the kernel hands to crt0 (`struct sargs`: 16 pointers, 256
/// bytes of NUL-terminated strings, the boot path first; see `ps2_sys::rt`).
pub fn check_args_fit(image: &Path, encoded: &[String]) -> Result<(), String> {
    let (boot, _) = ps2_sim::boot::read_boot_elf(image).map_err(|e| format!("{}: {e}", image.display()))?;
    let count = 1 + encoded.len();
    let bytes = boot.len() + 1 + encoded.iter().map(|a| a.len() + 1).sum::<usize>();
    if count > 16 || bytes > 256 {
        return Err(format!(
            "the program's arguments do not fit the PS2's argument block: {count} strings of {bytes} bytes with the \
             boot path {boot:?} (at most 16 strings, 256 bytes; arguments with spaces or symbols take more once encoded)"
        ));
    }
    Ok(())
}

/// The exit marker: a program that prints `[ps2-rs exit N]` on the EE console (ps2-sys's `exit`
/// does so) lets the runner end PCSX2, which otherwise keeps running after `Exit()`, and exit
/// with `N`. Returns `N` if `line` carries the marker.
pub fn parse_exit_marker(line: &str) -> Option<i32> {
    let start = line.find(ps2_sim::io::EXIT_MARKER_PREFIX)? + ps2_sim::io::EXIT_MARKER_PREFIX.len();
    let rest = &line[start..];
    rest[..rest.find(']')?].trim().parse().ok()
}

/// Runs the image in PCSX2 ([`pcsx2`]: a private configuration, the exit marker, `PS2_TIMEOUT`, Ctrl-C);
/// returns the process status. `PS2_BIOS`, `PS2_TIMEOUT`, `XDG_CONFIG_HOME` and `HOME` are read here.
pub fn run_pcsx2(pcsx2_path: &Path, image: &Path, args: &[String]) -> u8 {
    match pcsx2::run(pcsx2_path, image, args, &pcsx2::Pcsx2Env::from_process()) {
        Ok(status) => status,
        Err(message) => {
            eprintln!("ps2-run: {message}");
            crate::EXIT_RUNNER_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_choice() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("pcsx2-qt");
        std::fs::write(&fake, b"").unwrap();
        let path = Some(dir.path().as_os_str());
        assert_eq!(choose(None, None, None).unwrap(), Backend::Simulator);
        assert_eq!(choose(None, None, path).unwrap(), Backend::Pcsx2(fake.clone()));
        assert_eq!(choose(Some("sim"), None, path).unwrap(), Backend::Simulator);
        assert_eq!(
            choose(None, Some("/opt/p".into()), None).unwrap(),
            Backend::Pcsx2("/opt/p".into())
        );
        assert!(choose(Some("pcsx2"), None, None).unwrap_err().contains("not found"));
        assert!(choose(Some("qemu"), None, None).is_err());
    }

    #[test]
    fn sim_args_parse_and_reject_nonsense() {
        let o = sim_options("--json /tmp/x.json --max-seconds 2").unwrap();
        assert_eq!(o.json.as_deref(), Some(Path::new("/tmp/x.json")));
        assert_eq!(o.max_cycles(), 2 * 294_912_000);
        assert!(sim_options("").is_ok());
        assert!(sim_options("--frobnicate").is_err());
        assert_eq!(sim_options("--host-dir /tmp/h").unwrap().host_dir.as_deref(), Some(Path::new("/tmp/h")));
    }

    #[test]
    fn exit_marker_is_found_inside_log_lines() {
        assert_eq!(parse_exit_marker("[ps2-rs exit 0]"), Some(0));
        assert_eq!(parse_exit_marker("12:00:01 [EE] [ps2-rs exit -3]"), Some(-3));
        assert_eq!(parse_exit_marker("[ps2-rs exit x]"), None);
        assert_eq!(parse_exit_marker("hello"), None);
    }

    #[test]
    fn arguments_are_encoded_only_when_pcsx2_would_cut_or_misread_them() {
        assert_eq!(encode_arg("steps=24"), "steps=24");
        assert_eq!(encode_arg("prompt=It is a truth"), "%%prompt=It+is+a+truth");
        assert_eq!(encode_arg("a+b 100%"), "%%a%2Bb+100%25");
        assert_eq!(encode_arg(""), "%%");
        assert_eq!(encode_arg("%%x"), "%%%25%25x", "a plain argument that looks encoded is encoded");
        assert_eq!(encode_arg("tab\there é"), "%%tab%09here+%C3%A9");
        for arg in ["prompt=It is a truth", "", "%%x", "a+b 100%", "tab\there é"] {
            let encoded = encode_arg(arg);
            assert!(!encoded.contains(' ') && !encoded.is_empty(), "{encoded:?} survives PCSX2's split");
        }
    }
}
