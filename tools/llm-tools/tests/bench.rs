//! `llm-bench` as the README documents it: with no arguments (the README's
//! `cargo hrun --release -p llm-tools --bin llm-bench`) it must run both parts, in RAM and
//! streamed, with its default streaming budget; a budget too small to stream names the flag and
//! the least that works. Speed is not checked here (that is what the tool is for).

use std::process::Command;

fn llm_bench(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_llm-bench")).args(args).output().expect("run llm-bench");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn documented_command_runs_in_ram_and_streamed() {
    let (ok, stdout, stderr) = llm_bench(&[]);
    assert!(ok, "llm-bench with its defaults failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("15.2M params, q8"), "{stdout}");
    assert!(stdout.contains("in RAM:") && stdout.contains("tok/s over 128 tokens"), "{stdout}");
    // The default budget is half the weights (16.3 MiB): the plan must actually stream.
    let streamed = stdout.lines().find(|l| l.starts_with("streamed:")).unwrap_or_else(|| panic!("no streamed line:\n{stdout}"));
    assert!(!streamed.contains(", 0.0 MiB read per token"), "{streamed}");
}

#[test]
fn too_small_stream_budget_names_the_flag_and_the_least_that_works() {
    let (ok, _, stderr) = llm_bench(&["--tokens", "2", "--stream-budget-mib", "8"]);
    assert!(!ok);
    assert!(stderr.contains("--stream-budget-mib 8: streaming this model needs at least 11 MiB"), "{stderr}");
}
