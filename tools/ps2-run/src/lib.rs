//! # ps2-run — the cargo runner for PS2 EE programs
//!
//! `.cargo/config.toml` names `ps2-run` as the runner of the EE target, so `cargo run --example X`
//! and `cargo test` on the EE call `ps2-run <elf> [args...]`. The runner
//!
//! 1. checks the ELF with [`ps2_isacheck`] and refuses one that contains instructions the R5900
//!    lacks (they would crash or silently misbehave on the console);
//! 2. builds a bootable disc image next to the ELF ([`disc`]): `SYSTEM.CNF`, the ELF and the
//!    example's data files from `examples/<name>/disc/`;
//! 3. runs the image in PCSX2 when it is installed ([`backend`]), otherwise in the built-in
//!    simulator (`ps2-sim`), and exits with the program's exit code.
//!
//! Environment variables (cargo passes only arguments to a runner):
//! * `PS2_RUNNER=sim|pcsx2` forces a backend;
//! * `PCSX2=<path>` names the PCSX2 executable (selects PCSX2 unless `PS2_RUNNER=sim`);
//! * `PS2_SIM_ARGS="--json out.json --max-seconds 120"` passes options to the simulator;
//! * `PS2_DISC_DIR=<dir>` overrides the data-file folder.

#![warn(missing_docs)]

pub mod backend;
pub mod disc;

use std::path::Path;

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
