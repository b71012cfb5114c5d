//! Choosing and running the backend: the built-in simulator or PCSX2.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Runs the image in the simulator; returns the process status.
pub fn run_simulator(image: &Path, args: Vec<String>, options: &SimOptions) -> u8 {
    let outcome = options.run(image, args);
    ps2_sim::process_status(outcome.exit_code())
}

/// The PCSX2 command line for an image (reference ps2-ee.md §9.1): batch mode without GUI,
/// fast boot, EE console output logged from the start into `<image>.pcsx2.log`.
pub fn pcsx2_command(pcsx2: &Path, image: &Path, args: &[String]) -> Command {
    let mut command = Command::new(pcsx2);
    command.args(["-batch", "-nogui", "-fastboot", "-earlyconsolelog", "-logfile"]);
    command.arg(image.with_extension("pcsx2.log"));
    if !args.is_empty() {
        command.arg("-gameargs").arg(args.join(" "));
    }
    command.arg("--").arg(image);
    command
}

/// The exit marker: a program that prints `[ps2-rs exit N]` on the EE console (ps2-sys's `exit`
/// can do so) lets the runner end PCSX2, which otherwise keeps running after `Exit()`, and exit
/// with `N`. Returns `N` if `line` carries the marker.
pub fn parse_exit_marker(line: &str) -> Option<i32> {
    let start = line.find(ps2_sim::io::EXIT_MARKER_PREFIX)? + ps2_sim::io::EXIT_MARKER_PREFIX.len();
    let rest = &line[start..];
    rest[..rest.find(']')?].trim().parse().ok()
}

/// Waits for `child` to end, or for the exit marker to appear in the log file; kills the child
/// in the second case. Returns the exit code.
pub fn wait_for_exit(child: &mut std::process::Child, log: &Path) -> std::io::Result<i32> {
    let mut seen = 0;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code().unwrap_or(1));
        }
        if let Ok(text) = std::fs::read(log) {
            let text = String::from_utf8_lossy(&text[seen.min(text.len())..]).into_owned();
            // Only whole lines: a partial last line is read again next time.
            if let Some(end) = text.rfind('\n') {
                if let Some(code) = text[..end].lines().find_map(parse_exit_marker) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(code);
                }
                seen += end + 1;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Runs the image in PCSX2; returns the process status.
pub fn run_pcsx2(pcsx2: &Path, image: &Path, args: &[String]) -> u8 {
    eprintln!(
        "ps2-run: running {} in PCSX2 ({}).\n  PCSX2 needs a PS2 BIOS image dumped from your console \
         (configure it in PCSX2's settings); without one it refuses to start.\n  EE console output \
         is logged to {}. The program's Exit() returns to the BIOS menu: the runner ends PCSX2 when the\n  \
         program prints the exit marker `[ps2-rs exit N]`; otherwise close PCSX2 when done.\n  \
         Set PS2_RUNNER=sim to use the built-in simulator instead.",
        image.display(),
        pcsx2.display(),
        image.with_extension("pcsx2.log").display()
    );
    let log = image.with_extension("pcsx2.log");
    // A stale log from an earlier run must not end this one.
    let _ = std::fs::remove_file(&log);
    let started = pcsx2_command(pcsx2, image, args).spawn();
    match started.and_then(|mut child| wait_for_exit(&mut child, &log)) {
        Ok(code) => ps2_sim::process_status(code),
        Err(e) => {
            eprintln!("ps2-run: cannot start {}: {e}", pcsx2.display());
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
    }

    #[test]
    fn exit_marker_is_found_inside_log_lines() {
        assert_eq!(parse_exit_marker("[ps2-rs exit 0]"), Some(0));
        assert_eq!(parse_exit_marker("12:00:01 [EE] [ps2-rs exit -3]"), Some(-3));
        assert_eq!(parse_exit_marker("[ps2-rs exit x]"), None);
        assert_eq!(parse_exit_marker("hello"), None);
    }

    #[test]
    fn the_marker_in_the_log_ends_a_running_emulator() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("run.log");
        // A stand-in emulator: writes the marker to its log, then would run for a minute.
        let script = format!("printf 'boot\\n[ps2-rs exit 4]\\n' > {}; sleep 60", log.display());
        let mut child = Command::new("sh").arg("-c").arg(script).spawn().unwrap();
        let start = std::time::Instant::now();
        assert_eq!(wait_for_exit(&mut child, &log).unwrap(), 4);
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "killed, not waited for");
    }

    #[test]
    fn an_emulator_that_exits_reports_its_status() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("sh").arg("-c").arg("exit 3").spawn().unwrap();
        assert_eq!(wait_for_exit(&mut child, &dir.path().join("none.log")).unwrap(), 3);
    }

    #[test]
    fn pcsx2_command_line() {
        let c = pcsx2_command(Path::new("pcsx2-qt"), Path::new("/t/a.iso"), &["-x".into()]);
        let args: Vec<_> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(
            args,
            ["-batch", "-nogui", "-fastboot", "-earlyconsolelog", "-logfile", "/t/a.pcsx2.log", "-gameargs", "-x", "--", "/t/a.iso"]
        );
    }
}
