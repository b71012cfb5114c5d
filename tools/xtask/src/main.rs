//! `cargo xtask <task>`: project automation, in Rust so that it runs wherever cargo does.
//!
//! - `cargo xtask test` — the README's test command:
//!   1. host tests of every crate that builds for the host (pure logic, host tools), then clippy with `-D warnings`
//!      on the host (every target of those crates) and on the EE (its crates, the examples and the EE tests), and
//!      the API docs built for the host with rustdoc warnings as errors;
//!   2. every EE program (examples and EE test binaries, debug and release) built for the Emotion Engine;
//!   3. the R5900 ISA check over every one of those ELFs (0 violations required);
//!   4. the EE tests run in the simulator through the runner (`cargo test --test '*'` on the EE target);
//!   5. the examples run headless in the simulator, their output and exit code checked.
//! - `cargo xtask isacheck` — steps 2-3 only.
//! - `cargo xtask memcard` — the memory card steps of `test` only (ps2-mc's EE tests, `mcsave`, the llm demo's
//!   saves), each card image read back on the host with `ps2-mcfs`.
//! - `cargo xtask llm-host-config` — the llm demo with `LLM.CFG` in the simulator's `host:` folder (a step of `test`).
//! - `cargo xtask llm-models` — the llm demo's pad menu switching to the disc's second model, and a configured
//!   model the disc lacks (a step of `test`).
//! - `cargo xtask canary` — hello and the EE tests on the newest nightly, with a verdict (not part of `test`).
//! - `cargo xtask screen SHOT.png` — prints the text of a `ps2-gs-text` console screenshot.
//!
//! Every step prints what it runs; the first failure stops the run with a non-zero exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

mod bad_disc;
mod canary;
mod llm_demo;
mod memcard;
mod new_project;
mod package;
mod screen;

/// Crates whose EE integration tests run in the simulator (`tests/ee_*.rs` with `harness = false`).
const EE_TEST_CRATES: &[&str] = &["ps2-sys", "ps2-iop", "ps2-cdvd", "ps2-pad", "ps2-fileio", "ps2-gs-text", "llm-kernels-r5900"];

/// The simulator options each crate's EE tests run under: every entry is one run. ps2-cdvd runs under both
/// CDVDFSV READ replies (the ROM module's byte count, and the 0 of other emulators' servers).
fn ee_test_variants(krate: &str) -> &'static [&'static str] {
    match krate {
        "ps2-cdvd" => &["--cdvdfsv-read-reply bytes", "--cdvdfsv-read-reply zero"],
        _ => &[""],
    }
}

/// Host tools: never built for the EE.
const HOST_ONLY_EXCLUDES: &[&str] = &[
    "--exclude", "r5900", "--exclude", "ps2-sim", "--exclude", "ps2-run", "--exclude", "ps2-iso", "--exclude", "ps2-gs",
    "--exclude", "ps2-isacheck", "--exclude", "llm-tools", "--exclude", "xtask", "--exclude", "cargo-ps2", "--exclude", "ps2-mcfs",
];

/// Examples run in step 5: name, simulator options (`PS2_SIM_ARGS`), and lines their output must contain. A card
/// image named by `--memcard0` is deleted first: the run starts with a fresh, formatted card.
const EXAMPLE_RUNS: &[(&str, &str, &[&str])] = &[
    ("hello", "", &["sum of 1..=1000 computed in a heap Vec: 500500"]),
    // ps2-cdvd must work whatever CDVDFSV's READ replies (bytes, or 0 as some emulators' servers do).
    ("cdls", "--cdvdfsv-read-reply bytes", &["This file was read from the disc by ps2-cdvd", "\\DOCS\\ABOUT.TXT"]),
    ("cdls", "--cdvdfsv-read-reply zero", &["This file was read from the disc by ps2-cdvd", "\\DOCS\\ABOUT.TXT"]),
    // A host: round trip through the ROM's FILEIO (the simulator's host: is the ELF's folder).
    ("files", "", &["wrote 57 bytes to host:files-example/greeting.txt", "greeting.txt", "read back: the same 57 bytes", "renamed to host:files-example/renamed.txt", "removed host:files-example"]),
    // A save folder on the memory card through XMCSERV; the image is then read back with ps2-mcfs (memcard.rs).
    (
        "mcsave",
        "--memcard0 target/ee-mc/mcsave.ps2",
        &[
            "loaded rom0:XSIO2MAN, rom0:XMCMAN, rom0:XMCSERV",
            "memory card in slot 1: 8134 KiB free",
            "wrote save folder /PS2RS-MCSAVE: HELLO.TXT (62 bytes), icon.ico (32968 bytes), icon.sys",
            "  /PS2RS-MCSAVE",
            "  icon.sys        964 bytes",
            "read back /PS2RS-MCSAVE/HELLO.TXT: the same 62 bytes",
        ],
    ),
];

/// The pad example in the simulator: guest arguments (which pad modules it loads) and the lines its output must
/// contain. Without arguments it loads `rom0:SIO2MAN` + `rom0:PADMAN`, what every console has: the old protocol;
/// `x` loads `rom0:XSIO2MAN` + `rom0:XPADMAN`: the new one.
const PAD_EXAMPLE_RUNS: &[(&[&str], &[&str])] = &[
    (
        &[],
        &["Old protocol", "pressed  Buttons(CROSS)", "Disconnected", "released Buttons(L1 | TRIANGLE)", "START pressed: done"],
    ),
    (&["x"], &["rom0:XPADMAN", "New protocol", "pressed  Buttons(CROSS)", "START pressed: done"]),
];

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "test" => test_all(&root),
        "isacheck" => build_and_check_ee(&root).map(drop),
        "memcard" => memcard_steps(&root),
        "llm-host-config" => llm_demo::check_host_config(&root),
        "llm-models" => llm_demo::check_model_choice(&root),
        "canary" => canary::run(&root),
        "screen" => {
            let path = std::env::args().nth(2).context("usage: cargo xtask screen SCREENSHOT.png")?;
            for row in screen::read_text(Path::new(&path))? {
                println!("{row}");
            }
            Ok(())
        }
        _ => {
            eprintln!("usage: cargo xtask <test|isacheck|memcard|llm-host-config|llm-models|canary|screen PNG>");
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root exists")
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(step: &str, command: &mut Command) -> Result<()> {
    eprintln!("\n==> {step}\n    {command:?}");
    let status = command.status().with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{step} failed ({status})");
    }
    Ok(())
}

/// Clippy with every warning an error, on both targets. The EE run lints the libraries, the examples and the
/// `ee_*` tests only: the EE crates' other tests (and their unit tests) need std, so they are linted on the host.
fn clippy() -> Result<()> {
    run(
        "clippy (host)",
        cargo()
            .args(["clippy", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind", "--workspace", "--all-targets"])
            .args(["--exclude", "ps2-rs-examples", "--", "-D", "warnings"]),
    )?;
    run(
        "clippy (EE)",
        cargo()
            .args(["clippy", "--workspace", "--lib", "--bins", "--examples", "--test", "ee_*"])
            .args(HOST_ONLY_EXCLUDES)
            .args(["--", "-D", "warnings"]),
    )?;
    // The API docs as docs.rs would build them (for the host): no broken links or other rustdoc warnings.
    run(
        "rustdoc (host)",
        cargo()
            .args(["doc", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind", "--no-deps", "--workspace"])
            .args(["--exclude", "ps2-rs-examples"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

fn test_all(root: &Path) -> Result<()> {
    run(
        "host tests",
        cargo().args(["test", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind", "--workspace"]).args([
            "--exclude",
            "ps2-rs-examples",
        ]),
    )?;
    clippy()?;
    let elves = build_and_check_ee(root)?;
    eprintln!("    {} EE ELFs are R5900-clean", elves.len());
    package::check(root)?; // every publishable SDK/LLM crate packages, and builds with its tests from the package
    new_project::check(root)?; // `cargo ps2 new` + `cargo ps2 run`/`test` in a project outside the workspace
    let disc_data = ee_disc_data(root)?;
    for krate in EE_TEST_CRATES {
        for sim_args in ee_test_variants(krate) {
            let mut command = cargo();
            command.args(["test", "-p", krate, "--test", "ee_*"]);
            if let Some(dir) = disc_data.iter().find(|(k, _)| k == krate).map(|(_, d)| d) {
                command.env("PS2_DISC_DIR", dir);
            }
            let screenshot = root.join("target/ee-console.png");
            if *krate == "ps2-gs-text" {
                let _ = std::fs::remove_file(&screenshot);
                command.env("PS2_SIM_ARGS", format!("--screenshot {}", screenshot.display()));
            } else if !sim_args.is_empty() {
                command.env("PS2_SIM_ARGS", sim_args);
            }
            run(&format!("EE tests of {krate} in the simulator {sim_args}"), &mut command)?;
            if *krate == "ps2-gs-text" {
                // What a person would see: the console's last screen, read back from the simulator's screenshot.
                screen::expect_text(&screenshot, &["line 29 of the scrolling test", "every row is visible"])?;
            }
        }
    }
    memory_card_tests(root)?;
    let pad_runs = PAD_EXAMPLE_RUNS.iter().map(|(args, lines)| ("pad", "--pad-script examples/pad/demo.pad", *args, *lines));
    let runs = EXAMPLE_RUNS.iter().map(|(example, sim_args, lines)| (*example, *sim_args, &[][..], *lines));
    for (example, sim_args, guest_args, expected_lines) in runs.chain(pad_runs) {
        run_example(example, sim_args, guest_args, expected_lines)?;
    }
    memcard::check_mcsave(root)?; // the save read back on the host; no card and a full card said in one line
    // A panic is shown on the GS console (ps2-gs-text's hook) and ends the program with code 101.
    let output = cargo().args(["run", "-q", "--release", "-p", "ps2-gs-text", "--example", "console", "--", "panic"]).output()?;
    eprintln!("\n==> example console with a panic\n{}", String::from_utf8_lossy(&output.stdout));
    if output.status.code() != Some(101) {
        bail!("the console example's panic should exit with 101 ({})", output.status);
    }
    screen::expect_text(
        &root.join("target/mips-ps2-ee/release/examples/console.png"),
        &["panicked at ps2-gs-text/examples/console.rs", "this panic is shown on screen"],
    )?;

    // Bad input gives a clear error: the disc example without a disc in the drive.
    let elf = root.join("target/mips-ps2-ee/release/examples/cdls");
    let output = cargo()
        .args(["run", "-q", "--release", "-p", "ps2-sim", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind", "--"])
        .args(["-q".as_ref(), elf.as_os_str()])
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("\n==> example cdls without a disc\n{stdout}");
    if output.status.code() != Some(1) || !stdout.contains("NoDisc") {
        bail!("cdls without a disc should fail with NoDisc and exit code 1 ({})", output.status);
    }
    bad_disc::check(root)?; // and on a disc whose directories form a cycle: the reader's error, exit code 1

    // The flagship end to end: the EE's story must equal the host engine's (portable kernels: exactly; the demo's
    // default R5900 FPU kernels: token ids equal until a near-tie of the host's logits, see e2e.sh), in RAM,
    // streamed from the disc every token, and through the pad menu; at least 8 tokens generated each time.
    for (what, variables) in [
        ("in RAM", &[][..]),
        // The heaviest disc user, under the CDVDFSV READ reply of 0 that made every read fail on another emulator.
        (
            "streamed from the disc every token, CDVDFSV READ replying 0",
            &[("BUDGET_KIB", "1500"), ("SIM_ARGS", "--cdvdfsv-read-reply zero")][..],
        ),
        ("through the pad menu", &[("PAD", "1")][..]),
        ("with the demo's default r5900-fpu kernels", &[("KERNELS", "r5900-fpu"), ("STEPS", "64")][..]),
    ] {
        let out = root.join("target/llm-e2e");
        let _ = std::fs::remove_file(out.join("screen-word.txt"));
        let mut command = Command::new("bash");
        command.arg(root.join("examples/llm/e2e.sh")).env("CARGO_TARGET_DIR", root.join("target")).env("OUT_DIR", &out);
        for (name, value) in variables {
            command.env(name, value);
        }
        run(&format!("llm example end to end ({what})"), &mut command)?;
        // The screen must show generated text, not only the prompt (which the demo prints before generating): a
        // word the host generated after the prompt, which e2e.sh picked.
        let word = std::fs::read_to_string(out.join("screen-word.txt")).context("e2e.sh wrote no screen-word.txt")?;
        screen::expect_text(&out.join("ee.png"), &["It is a truth universally acknowledged", word.trim()])?;
    }
    llm_demo::check_host_config(root)?; // LLM.CFG from the runner's host folder wins over the disc's
    llm_demo::check_model_choice(root)?; // the pad menu switches to the rich model; a missing configured model
    llm_demo::check_saves(root)?; // SELECT saves the story on the memory card; no card, a full card
    println!("xtask: all steps passed");
    Ok(())
}

/// Runs an example headless in the simulator (a card image named by `--memcard0` in `sim_args` fresh) and checks
/// that it succeeds and prints every one of `expected_lines`.
fn run_example(example: &str, sim_args: &str, guest_args: &[&str], expected_lines: &[&str]) -> Result<()> {
    memcard::fresh_cards(sim_args)?;
    let output = cargo().args(["run", "--release", "--example", example, "--"]).args(guest_args).env("PS2_SIM_ARGS", sim_args).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("\n==> example {example} {guest_args:?} in the simulator\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        bail!("example {example} failed ({})", output.status);
    }
    for expected in expected_lines {
        if !stdout.contains(expected) {
            bail!("example {example} did not print {expected:?}");
        }
    }
    Ok(())
}

/// The memory card steps of `test` alone: ps2-mc's EE tests, the `mcsave` example and its card image read back on
/// the host, the llm demo saving stories.
fn memcard_steps(root: &Path) -> Result<()> {
    memory_card_tests(root)?;
    for (example, sim_args, lines) in EXAMPLE_RUNS.iter().filter(|(example, ..)| *example == "mcsave") {
        run_example(example, sim_args, &[], lines)?;
    }
    memcard::check_mcsave(root)?;
    llm_demo::check_saves(root)?;
    println!("xtask: the memory card steps passed");
    Ok(())
}

/// ps2-mc's EE tests, each on a fresh card image: `ee_mc` on a card the simulator creates formatted, then
/// `ee_mc_cards` once per scenario with the simulator told to have no card, a nearly full one, or to pull the
/// card out during the fifth write (the guest argument names the scenario).
fn memory_card_tests(root: &Path) -> Result<()> {
    let dir = root.join("target/ee-mc");
    std::fs::create_dir_all(&dir)?;
    let runs: [(&str, &str, &str); 4] = [
        ("ee_mc", "", ""),
        ("ee_mc_cards", "absent", "--memcard0 none"),
        ("ee_mc_cards", "full", "--memcard0-free-clusters 12"),
        ("ee_mc_cards", "pulled", "--memcard0-pull-after-writes 4"),
    ];
    for (test, scenario, sim_args) in runs {
        let card = dir.join(format!("{test}-{}.ps2", if scenario.is_empty() { "card" } else { scenario }));
        let _ = std::fs::remove_file(&card);
        let mut sim_args = sim_args.to_string();
        if !sim_args.contains("--memcard0 ") {
            sim_args = format!("--memcard0 {} {sim_args}", card.display());
        }
        let mut command = cargo();
        command.args(["test", "-p", "ps2-mc", "--test", test, "--"]).env("PS2_SIM_ARGS", &sim_args);
        if !scenario.is_empty() {
            command.arg(scenario);
        }
        run(&format!("EE tests of ps2-mc in the simulator: {test} {scenario} ({sim_args})"), &mut command)?;
    }
    Ok(())
}

/// Byte `i` of the ps2-cdvd tests' `DATA/PATTERN.BIN` (`ps2-cdvd/tests/ee_disc.rs` checks the same formula).
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 11)) as u8
}

/// Writes the data files the EE tests expect on their disc; returns (crate, folder) pairs for `PS2_DISC_DIR`.
fn ee_disc_data(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let dir = root.join("target/ee-disc/ps2-cdvd");
    std::fs::create_dir_all(dir.join("DATA"))?;
    std::fs::create_dir_all(dir.join("MANY"))?;
    std::fs::write(dir.join("HELLO.TXT"), "Hello from the disc!\n")?;
    std::fs::write(dir.join("DATA/PATTERN.BIN"), (0..300_000).map(pattern).collect::<Vec<u8>>())?;
    for i in 0..100 {
        std::fs::write(dir.join(format!("MANY/F{i:03}.TXT")), format!("{i:04}\n"))?;
    }
    // ps2-fileio's tests read its own `disc/` folder through cdrom0: (the runner cannot find a package's folder
    // itself: the nested `cargo run` of the runner sets CARGO_MANIFEST_DIR to ps2-run's).
    Ok(vec![("ps2-cdvd".to_string(), dir), ("ps2-fileio".to_string(), root.join("ps2-fileio/disc"))])
}

/// Builds every EE program and checks each ELF; returns their paths.
fn build_and_check_ee(root: &Path) -> Result<Vec<PathBuf>> {
    let mut elves = Vec::new();
    for profile in ["dev", "release"] {
        run(
            &format!("EE examples ({profile})"),
            cargo().args(["build", "--workspace", "--examples", "--profile", profile]).args(HOST_ONLY_EXCLUDES),
        )?;
        let tests = cargo()
            .args(["test", "--no-run", "--profile", profile, "--message-format=short"])
            .args(EE_TEST_CRATES.iter().chain(&["ps2-mc"]).flat_map(|c| ["-p", c]))
            .args(["--test", "ee_*"])
            .output()?;
        if !tests.status.success() {
            bail!("building the EE tests failed:\n{}", String::from_utf8_lossy(&tests.stderr));
        }
        for line in String::from_utf8_lossy(&tests.stderr).lines() {
            if let Some(path) = line.trim().strip_prefix("Executable ").and_then(|l| l.split(" (").nth(1)) {
                elves.push(root.join(path.trim_end_matches(')')));
            }
        }
        let dir = root.join("target/mips-ps2-ee").join(if profile == "dev" { "debug" } else { profile }).join("examples");
        // Every workspace example lands here, root package and SDK crates alike.
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            // Example executables have no extension; skip `.d` files and hashed copies.
            if path.is_file() && !name.contains('.') && !name.contains('-') {
                elves.push(path);
            }
        }
    }
    eprintln!("\n==> R5900 ISA check of {} ELFs", elves.len());
    let mut dirty = 0;
    for elf in &elves {
        let data = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
        let report = ps2_isacheck::check_elf(&data).with_context(|| format!("checking {}", elf.display()))?;
        eprintln!("    {}: {} words, {} violation(s)", elf.display(), report.words_checked, report.violations.len());
        for violation in &report.violations {
            eprintln!("      {violation}");
        }
        if !report.is_clean() {
            dirty += 1;
        }
    }
    if dirty > 0 {
        bail!("{dirty} EE ELF(s) contain instructions the R5900 does not have");
    }
    Ok(elves)
}
