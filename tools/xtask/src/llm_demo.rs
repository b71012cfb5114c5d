//! Checks of the llm demo besides its end-to-end comparison with the host engine (`examples/llm/e2e.sh`): the
//! settings file from the runner's host folder, the pad menu's choice of model, and stories saved on the memory card (pad scripts press SELECT
//! after a story; the card image is read back on the host with `ps2-mcfs`).

use std::path::Path;

use anyhow::{bail, Context, Result};
use ps2_mcfs::Card;

use crate::cargo;
use crate::memcard::{check_save_folder, fresh_cards, names};

/// The preset the save runs tell (the disc's `LLM.CFG`).
const PROMPT: &str = "It is a truth universally acknowledged";
/// Positions per story in the save runs: short, so that the story has ended well before SELECT.
const SAVE_STEPS: &str = "steps=16";
/// The pad script of the save runs (VBLANK, port, buttons): X tells the first preset once the menu is up (the
/// model is loaded after about 130 frames), the story of 16 positions ends about 20 frames later; SELECT saves it,
/// TRIANGLE lists the saved stories, START ends the demo.
const SAVE_PAD_SCRIPT: &str = "0 0 -\n300 0 CROSS\n310 0 -\n400 0 SELECT\n410 0 -\n450 0 TRIANGLE\n460 0 -\n500 0 START\n";
/// The pad script of the run whose card is pulled out during the save: SELECT (pulled), SELECT (the slot is seen
/// empty), TRIANGLE (the card is back, with the unfinished save), SELECT (saved), START.
const PULLED_PAD_SCRIPT: &str =
    "0 0 -\n300 0 CROSS\n310 0 -\n400 0 SELECT\n410 0 -\n430 0 SELECT\n440 0 -\n460 0 TRIANGLE\n470 0 -\n490 0 SELECT\n500 0 -\n520 0 START\n";

/// The second model on the demo disc (the same weights as Q4), which the model run switches to.
const SECOND_MODEL: &str = "MODEL\\AUSTEN10.PLM";
/// The default model (`LLM.CFG`'s `model`).
const DEFAULT_MODEL: &str = "MODEL\\AUSTEN.PLM";
/// Positions of the model run's story.
const MODEL_STEPS: &str = "16";
/// The pad script of the model run: RIGHT selects the second model once the menu is up, X tells the story (which
/// frees the first model and loads the second one first).
const MODEL_PAD_SCRIPT: &str = "0 0 -\n300 0 RIGHT\n310 0 -\n330 0 CROSS\n340 0 -\n";

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

/// The text the demo printed between its `[story]` markers.
fn story_text(stdout: &str) -> Result<String> {
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines.iter().position(|l| *l == "[story]").context("no [story] marker")?;
    let end = lines.iter().skip(start).position(|l| *l == "[end of story]").context("no [end of story] marker")? + start;
    Ok(lines[start + 1..end].join("\n"))
}

/// Checks that save folder `folder` of `card` is a save of the story `stdout` shows: `STORY.TXT` starts with the
/// prompt and ends with the text the demo printed, `icon.sys` and the icon are there.
fn check_story_save(card: &Card, folder: &str, stdout: &str) -> Result<()> {
    check_save_folder(card, folder, &["STORY.TXT"])?;
    let saved = card.read_file(&format!("{folder}/STORY.TXT")).context("reading STORY.TXT")?;
    let saved = String::from_utf8(saved).context("STORY.TXT is not UTF-8")?;
    let text = story_text(stdout)?;
    if !saved.starts_with(&format!("prompt: {PROMPT}\n")) || !saved.ends_with(&format!("\n\n{text}\n")) {
        bail!("{folder}/STORY.TXT holds {saved:?}, not the prompt and the story the demo printed ({text:?})");
    }
    eprintln!("    {folder}/STORY.TXT: {} bytes, the prompt and the story the demo printed", saved.len());
    Ok(())
}

/// The demo saves stories on the memory card: SELECT after a story writes `PS2RS-STORY-001` on a fresh card, the
/// next run lists it at start and saves `PS2RS-STORY-002`; each `STORY.TXT` read back on the host holds the story
/// printed. With no card and with a nearly full one the demo says why the story was not saved and carries on
/// (it still ends with START, exit code 0), and the full card is left without a story folder. A card pulled out
/// during the save is said too; once it is back, the unfinished save is listed as such and the next SELECT
/// replaces it with a whole one.
pub fn check_saves(root: &Path) -> Result<()> {
    let dir = root.join("target/llm-save");
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("save.pad");
    std::fs::write(&script, SAVE_PAD_SCRIPT)?;
    let card_path = dir.join("card.ps2");
    let full_path = dir.join("full.ps2");
    let pad = format!("--pad-script {}", script.display());
    let args = ["interactive=1", "stories=0", SAVE_STEPS];

    let fresh = format!("{pad} --memcard0 {}", card_path.display());
    fresh_cards(&fresh)?;
    let first = run_llm(
        "saving a story on a fresh card",
        &fresh,
        &args,
        &[
            "memory card: no stories saved yet (SELECT after a story saves it)",
            "story saved on the memory card: PS2RS-STORY-001",
            "memory card: 1 story saved",
            &format!("  PS2RS-STORY-001: prompt: {PROMPT}"),
        ],
    )?;
    // The same card again: listed at start, the next number.
    let second = run_llm(
        "saving a second story",
        &format!("{pad} --memcard0 {}", card_path.display()),
        &args,
        &[
            "memory card: 1 story saved",
            "story saved on the memory card: PS2RS-STORY-002",
            "memory card: 2 stories saved",
            &format!("  PS2RS-STORY-002: prompt: {PROMPT}"),
        ],
    )?;
    eprintln!("\n==> the llm demo's card image, read on the host with ps2-mcfs: {}", card_path.display());
    let card = Card::open(&card_path).with_context(|| format!("opening {}", card_path.display()))?;
    let folders = names(&card, "/")?;
    if folders != ["PS2RS-STORY-001", "PS2RS-STORY-002"] {
        bail!("the card holds {folders:?}, not the two story folders");
    }
    check_story_save(&card, "/PS2RS-STORY-001", &first)?;
    check_story_save(&card, "/PS2RS-STORY-002", &second)?;

    run_llm(
        "with no memory card",
        &format!("{pad} --memcard0 none"),
        &args,
        &["memory card: no memory card in slot 1", "story not saved: no memory card in slot 1"],
    )?;
    let full = format!("{pad} --memcard0 {} --memcard0-free-clusters 20", full_path.display());
    fresh_cards(&full)?;
    let stdout = run_llm("with a nearly full memory card", &full, &args, &["memory card: no stories saved yet (SELECT after a story saves it)"])?;
    if !stdout.lines().any(|l| l.starts_with("story not saved: the memory card is full: 20 KiB free, a story needs ")) {
        bail!("the llm demo did not say that the nearly full card has no room for the story");
    }
    let left = names(&Card::open(&full_path)?, "/")?;
    if !left.is_empty() {
        bail!("the story that did not fit left {left:?} on the card");
    }

    // Pulled out during the second write call (STORY.TXT is written, the icon is not).
    let pulled_script = dir.join("pulled.pad");
    std::fs::write(&pulled_script, PULLED_PAD_SCRIPT)?;
    let pulled_path = dir.join("pulled.ps2");
    let pulled = format!("--pad-script {} --memcard0 {} --memcard0-pull-after-writes 1", pulled_script.display(), pulled_path.display());
    fresh_cards(&pulled)?;
    let stdout = run_llm(
        "with the memory card pulled out while saving",
        &pulled,
        &args,
        &["  and 1 unfinished save(s), deleted by the next SELECT", "story saved on the memory card: PS2RS-STORY-001"],
    )?;
    let refused = stdout.lines().filter(|l| *l == "story not saved: no memory card in slot 1").count();
    if refused != 2 {
        bail!("the llm demo said {refused} time(s), not 2, that the pulled card kept the story from being saved");
    }
    let card = Card::open(&pulled_path)?;
    let folders = names(&card, "/")?;
    if folders != ["PS2RS-STORY-001"] {
        bail!("after the pulled card came back and the story was saved, the card holds {folders:?}");
    }
    check_story_save(&card, "/PS2RS-STORY-001", &stdout)?;
    Ok(())
}

/// The pad menu chooses the model: the demo lists both models on the disc with their header's shape and storage
/// format, RIGHT selects the second one, X frees the first and loads the second, and the story it tells (portable
/// kernels, greedy) is the one the host engine (`llm-generate`) tells with the Q4 file, not the Q8 one's. A
/// configured model that the disc lacks falls back to the first one found, with a message.
pub fn check_model_choice(root: &Path) -> Result<()> {
    let dir = root.join("target/llm-models");
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("model.pad");
    std::fs::write(&script, MODEL_PAD_SCRIPT)?;
    let steps = format!("steps={MODEL_STEPS}");
    let stdout = run_llm(
        "choosing the second model in the pad menu",
        &format!("--pad-script {}", script.display()),
        &["interactive=1", "stories=1", &steps, "temperature=0", "kernels=portable"],
        &[
            "  1. MODEL\\AUSTEN.PLM (2744 KiB, 2.42M parameters, dim 192 x 5 layers, q8)",
            "  2. MODEL\\AUSTEN10.PLM (11624 KiB, 10.52M parameters, dim 384 x 6 layers, q8)",
            "  3. MODEL\\AUSTENQ4.PLM (1418 KiB, 2.42M parameters, dim 192 x 5 layers, q4)",
            "model [2/3] MODEL\\AUSTEN10.PLM (11624 KiB, 10.52M parameters, dim 384 x 6 layers, q8)",
            &format!("loading {SECOND_MODEL} (freeing {DEFAULT_MODEL})"),
        ],
    )?;
    // The first model is loaded, then the second; the story comes after the second.
    let lines: Vec<&str> = stdout.lines().collect();
    let loaded = |path: &str| lines.iter().position(|l| l.starts_with(&format!("model {path} on disc: ")));
    let first = loaded(DEFAULT_MODEL).context("the default model was not loaded first")?;
    let second = loaded(SECOND_MODEL).context("the chosen model was not loaded")?;
    let story = lines.iter().position(|l| *l == "[story]").context("no [story] marker")?;
    if !(first < second && second < story) {
        bail!("the story was not told after loading {SECOND_MODEL} (lines {first}, {second}, {story})");
    }
    let text = story_text(&stdout)?;
    if text.trim().len() <= PROMPT.len() {
        bail!("the story with {SECOND_MODEL} has no generated text: {text:?}");
    }
    let host = |file: &str| -> Result<String> {
        let output = cargo()
            .args(["hrun", "-q", "--release", "-p", "llm-tools", "--bin", "llm-generate", "--"])
            .arg(root.join("examples/llm/disc/MODEL").join(file))
            .args(["-p", PROMPT, "-n", MODEL_STEPS, "-t", "0"])
            .output()?;
        if !output.status.success() {
            bail!("llm-generate {file} failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let (rich, quick) = (host("AUSTEN10.PLM")?, host("AUSTEN.PLM")?);
    if text.trim() != rich {
        bail!("the EE's story {text:?} is not the host's with AUSTEN10.PLM {rich:?}");
    }
    if rich == quick {
        bail!("AUSTEN10.PLM and AUSTEN.PLM tell the same story: this run cannot tell which model was used");
    }

    run_llm(
        "with a configured model the disc lacks",
        "",
        &["interactive=0", "model=MODEL\\NOPE.PLM", "steps=16"],
        &["model MODEL\\NOPE.PLM (LLM.CFG) is not on the disc: using MODEL\\AUSTEN.PLM"],
    )?;
    Ok(())
}
