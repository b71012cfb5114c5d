//! Checks of the llm demo besides its end-to-end comparison with the host engine (`examples/llm/e2e.sh`): the
//! settings file from the runner's host folder.

use std::path::Path;

use anyhow::{bail, Result};

use crate::cargo;

/// Runs the demo with `sim_args` and guest `args`; returns its serial output, or fails (with it) when the run
/// fails or misses one of `expected` lines.
pub fn run_llm(what: &str, sim_args: &str, args: &[&str], expected: &[&str]) -> Result<String> {
    let output = cargo().args(["run", "-q", "--release", "--example", "llm", "--"]).args(args).env("PS2_SIM_ARGS", sim_args).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    eprintln!("\n==> example llm {what} ({sim_args})\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        bail!("example llm {what} failed ({})", output.status);
    }
    for line in expected {
        if !stdout.lines().any(|l| l == *line) {
            bail!("example llm {what} did not print the line {line:?}");
        }
    }
    Ok(stdout)
}

/// `LLM.CFG` in the folder the simulator serves as `host:` wins over the disc's: its prompt and number of
/// positions (12; the disc's file says 64) are the ones used, and the demo says where its settings came from.
pub fn check_host_config(root: &Path) -> Result<()> {
    let dir = root.join("target/llm-host-config");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("LLM.CFG"), "# host: settings of the xtask check\nprompt = Mr. Darcy said\nsteps = 12\ninteractive = 0\n")?;
    let sim_args = format!("--host-dir {}", dir.display());
    let stdout = run_llm(
        "with LLM.CFG in its host folder",
        &sim_args,
        &[],
        &["settings: LLM.CFG from host: (the runner's host folder)", "prompt: Mr. Darcy said (temperature 0.0)"],
    )?;
    if !stdout.lines().any(|l| l.starts_with("12 tokens (")) {
        bail!("the llm demo did not tell 12 positions, as host:LLM.CFG says");
    }
    Ok(())
}
