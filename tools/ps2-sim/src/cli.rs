//! Command-line options shared by the `ps2-sim` binary and the `ps2-run` runner (which reads
//! them from the `PS2_SIM_ARGS` environment variable).

use std::path::{Path, PathBuf};

use clap::Args;

use crate::kernel::EE_CLOCK_HZ;
use crate::machine::{DEFAULT_MAX_CYCLES, Machine, MachineConfig, RunOutcome, SimError};
use crate::sif::pad::PadScript;

/// Options of a simulator run.
#[derive(Args, Debug, Clone, Default)]
pub struct SimOptions {
    /// End the run after this many simulated EE cycles [default: 60 s = 17694720000].
    #[arg(long, value_name = "N")]
    pub max_cycles: Option<u64>,
    /// End the run after this many simulated seconds (alternative to --max-cycles).
    #[arg(long, value_name = "SECONDS", conflicts_with = "max_cycles")]
    pub max_seconds: Option<f64>,
    /// Write the run summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Save the displayed GS frame as PNG at exit.
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
    /// Like `--screenshot`, but silently skipped when the program never set up a display (what the runner
    /// uses by default).
    #[arg(long, value_name = "PNG", conflicts_with = "screenshot")]
    pub screenshot_if_displayed: Option<PathBuf>,
    /// Pad input script for the PADMAN server (format: see the README / `sif::pad`).
    #[arg(long, value_name = "FILE")]
    pub pad_script: Option<PathBuf>,
    /// Count calls to these functions (comma-separated symbol names, e.g. `__addsf3,__mulsf3`).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub count_calls: Vec<String>,
    /// Print (and write to the JSON) a statistical profile: cycles by function.
    #[arg(long)]
    pub profile: bool,
    /// Print every syscall (thread, name, arguments, result) on stderr.
    #[arg(long)]
    pub trace_syscalls: bool,
    /// What CDVDFSV's READ replies: `bytes` (bytes transferred, like the ROM module) or `zero` (like some
    /// emulators' HLE servers). Clients must judge reads by `sceCdGetError`, not by this word.
    #[arg(long, value_enum, value_name = "KIND", default_value_t)]
    pub cdvdfsv_read_reply: crate::sif::cdvd::ReadReply,
    /// The folder FILEIO's `host:` device maps to [default: the folder of the ELF or disc image]. Paths that
    /// would leave it (`..`, absolute, symbolic links to outside) are refused with EACCES.
    #[arg(long, value_name = "DIR")]
    pub host_dir: Option<PathBuf>,
    /// The EE cycle model: `calibrated` (dual issue, scoreboard, caches, branch prediction; see
    /// `tools/r5900/TIMING.md`) or `simple` (one cycle per instruction, the earlier estimate).
    #[arg(long, value_name = "MODEL", default_value_t)]
    pub timing: r5900::TimingModel,
    /// The memory card in port 0: an image in PCSX2's raw `.ps2` format (created, formatted, when it does not
    /// exist), or `none` for an empty slot [default: `Mcd001.ps2` in the folder of the ELF or disc image].
    #[arg(long, value_name = "PATH|none")]
    pub memcard0: Option<String>,
    /// Let the memory card allocate only this many more clusters (1 KiB each): `0` is a full card.
    #[arg(long, value_name = "N")]
    pub memcard0_free_clusters: Option<u32>,
    /// Pull the memory card out during the MCSERV write after N successful ones (half its bytes land); the
    /// card is back after GetInfo has once reported the slot empty.
    #[arg(long, value_name = "N")]
    pub memcard0_pull_after_writes: Option<u32>,
    /// Do not print the summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl SimOptions {
    /// The cycle limit these options ask for.
    pub fn max_cycles(&self) -> u64 {
        match (self.max_cycles, self.max_seconds) {
            (Some(c), _) => c,
            (None, Some(s)) => (s.max(0.0) * EE_CLOCK_HZ as f64) as u64,
            (None, None) => DEFAULT_MAX_CYCLES,
        }
    }

    /// Puts the card `--memcard0` names (or the default one next to `input`) into MCSERV's port 0.
    fn insert_memcard(&self, machine: &mut Machine, input: &Path) -> Result<(), String> {
        let path = match self.memcard0.as_deref() {
            Some("none") => None,
            Some(path) => Some(PathBuf::from(path)),
            None => Some(crate::sif::mcserv::default_image_path(input)),
        };
        let config = crate::sif::mcserv::CardConfig {
            path,
            free_clusters: self.memcard0_free_clusters,
            pull_after_writes: self.memcard0_pull_after_writes,
        };
        machine.kernel.iop.mcserv = crate::sif::mcserv::McServ::new(&config)?;
        Ok(())
    }

    /// Reads and parses `--pad-script`.
    fn load_pad_script(&self) -> Result<Option<PadScript>, String> {
        let Some(path) = &self.pad_script else { return Ok(None) };
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        PadScript::parse(&text).map(Some).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Boots `input` (ELF or ISO) with `args` for the guest, runs it, prints the summary,
    /// writes the JSON and screenshot; returns the outcome (its `exit_code()` is what the
    /// process should exit with).
    pub fn run(&self, input: &Path, args: Vec<String>) -> RunOutcome {
        let pad_script = match self.load_pad_script() {
            Ok(script) => script,
            Err(message) => {
                eprintln!("ps2-sim: {message}");
                let summary = crate::machine::Summary {
                    outcome: message.clone(),
                    exit_code: crate::EXIT_BAD_INPUT,
                    ..Default::default()
                };
                return RunOutcome { result: Err(SimError::BadOption(message)), summary };
            }
        };
        let config = MachineConfig {
            max_cycles: self.max_cycles(),
            echo_console: true,
            args,
            pad_script,
            count_calls: self.count_calls.clone(),
            profile: self.profile,
            trace_syscalls: self.trace_syscalls,
            cdvdfsv_read_reply: self.cdvdfsv_read_reply,
            host_dir: self.host_dir.clone(),
        };
        let mut machine = match Machine::from_path(input, config) {
            Ok(m) => m,
            Err(e) => {
                let summary = crate::machine::Summary {
                    outcome: e.to_string(),
                    exit_code: e.exit_code(),
                    ..Default::default()
                };
                eprintln!("ps2-sim: {e}");
                return RunOutcome { result: Err(e), summary };
            }
        };
        machine.cpu.set_timing(self.timing);
        if let Err(message) = self.insert_memcard(&mut machine, input) {
            eprintln!("ps2-sim: {message}");
            let summary = crate::machine::Summary { outcome: message.clone(), exit_code: crate::EXIT_BAD_INPUT, ..Default::default() };
            return RunOutcome { result: Err(SimError::BadOption(message)), summary };
        }
        let outcome = machine.run();
        let stats = machine.cpu.timing_stats();
        if let Some(path) = &self.screenshot {
            match machine.hw.io.gs.save_png(path) {
                Ok(true) => {}
                Ok(false) => eprintln!("ps2-sim: warning: no screenshot: nothing is displayed (PMODE enables no circuit)"),
                Err(e) => eprintln!("ps2-sim: warning: no screenshot: {e}"),
            }
        }
        if let Some(path) = &self.screenshot_if_displayed {
            match machine.hw.io.gs.save_png(path) {
                Ok(true) => eprintln!("ps2-sim: screenshot saved to {}", path.display()),
                Ok(false) => {}
                Err(e) => eprintln!("ps2-sim: warning: no screenshot: {e}"),
            }
        }
        if !self.quiet || outcome.result.is_err() {
            eprintln!("{}", outcome.summary.to_text());
            if self.timing == r5900::TimingModel::Calibrated {
                eprintln!(
                    "  timing (calibrated): {} dual-issued, {} mispredicts, {} BTAC misses, {} I-cache misses, \
                     {} dependency-stall cycles, {} memory-stall cycles",
                    stats.dual_issued,
                    stats.mispredicts,
                    stats.btac_misses,
                    stats.icache_misses,
                    stats.dependency_stall_cycles,
                    stats.memory_stall_cycles
                );
            }
        }
        if let Some(path) = &self.json {
            // The summary plus the cycle model and its counters.
            let mut value = serde_json::to_value(&outcome.summary).expect("summary serializes");
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "timing".into(),
                    serde_json::json!({
                        "model": self.timing.name(),
                        "dual_issued": stats.dual_issued,
                        "mispredicts": stats.mispredicts,
                        "btac_misses": stats.btac_misses,
                        "icache_misses": stats.icache_misses,
                        "dependency_stall_cycles": stats.dependency_stall_cycles,
                        "memory_stall_cycles": stats.memory_stall_cycles,
                    }),
                );
            }
            let json = serde_json::to_string_pretty(&value).expect("summary serializes");
            if let Err(e) = std::fs::write(path, json) {
                eprintln!("ps2-sim: warning: cannot write {}: {e}", path.display());
            }
        }
        outcome
    }
}
