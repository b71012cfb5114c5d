//! `ps2-sim <elf|iso> [options] [-- guest args]`: runs a PS2 program in the simulator.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ps2_sim::SimOptions;

/// A BIOS-less headless PS2 (Emotion Engine) simulator.
#[derive(Parser, Debug)]
#[command(name = "ps2-sim", version, about)]
struct Cli {
    /// The program: an EE ELF, or a PS2 disc image (.iso) booted through SYSTEM.CNF.
    #[arg(required_unless_present = "bench")]
    input: Option<PathBuf>,
    /// Arguments passed to the guest's main (after `--`).
    #[arg(last = true)]
    args: Vec<String>,
    /// Instead of running a program, measure simulated instructions per second on a built-in
    /// loop of N million instructions.
    #[arg(long, value_name = "MILLIONS")]
    bench: Option<u64>,
    #[command(flatten)]
    options: SimOptions,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(millions) = cli.bench {
        let report = ps2_sim::bench::run(millions * 1_000_000);
        println!("{report}");
        return ExitCode::SUCCESS;
    }
    let input = cli.input.expect("clap requires it without --bench");
    let outcome = cli.options.run(&input, cli.args);
    ExitCode::from(ps2_sim::process_status(outcome.exit_code()))
}
