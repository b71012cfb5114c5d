//! Memory card images the examples wrote in the simulator, read back on the host with the project's own reader
//! (`ps2-mcfs`, the crate the simulator keeps its card with), and the examples' answers to an absent or full card.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ps2_mcfs::Card;

use crate::cargo;

/// The save folder `examples/mcsave` writes.
const MCSAVE_FOLDER: &str = "/PS2RS-MCSAVE";
/// What `examples/mcsave` writes into `HELLO.TXT` (its `TEXT`).
const MCSAVE_TEXT: &[u8] = b"Saved by the ps2-rs mcsave example through the IOP's XMCSERV.\n";

/// Deletes the card images named by `--memcard0 PATH` in `sim_args`, so that the run starts with a fresh card
/// (the simulator creates a missing image formatted).
pub fn fresh_cards(sim_args: &str) -> Result<()> {
    let words: Vec<&str> = sim_args.split_whitespace().collect();
    for pair in words.windows(2) {
        if pair[0] == "--memcard0" && pair[1] != "none" {
            match std::fs::remove_file(pair[1]) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("removing the old card image {}", pair[1])),
            }
        }
    }
    Ok(())
}

/// The names in `dir` of the image `card`, without `.` and `..`.
pub fn names(card: &Card, dir: &str) -> Result<Vec<String>> {
    Ok(card
        .read_dir(dir)
        .with_context(|| format!("listing {dir} on the card image"))?
        .into_iter()
        .map(|e| e.name)
        .filter(|n| n != "." && n != "..")
        .collect())
}

/// Checks a save folder on `card`: `files` and `icon.sys` (964 bytes, `PS2D`, naming `icon.ico`, which is there
/// too), and no temporary file left.
pub fn check_save_folder(card: &Card, folder: &str, files: &[&str]) -> Result<()> {
    let listed = names(card, folder)?;
    for wanted in files.iter().chain(&["icon.ico", "icon.sys"]) {
        if !listed.iter().any(|n| n == wanted) {
            bail!("{folder} on the card holds {listed:?}, without {wanted}");
        }
    }
    if let Some(temp) = listed.iter().find(|n| n.ends_with(".tmp")) {
        bail!("{folder} on the card still holds the temporary file {temp}");
    }
    let sys = card.read_file(&format!("{folder}/icon.sys")).context("reading icon.sys")?;
    if sys.len() != 964 || &sys[0..4] != b"PS2D" || &sys[0x104..0x10D] != b"icon.ico\0" {
        bail!("{folder}/icon.sys is not an icon.sys naming icon.ico ({} bytes, starts {:?})", sys.len(), &sys[..4.min(sys.len())]);
    }
    Ok(())
}

/// After the `mcsave` example's run: its card image holds the save folder with the text file's exact bytes and
/// `icon.sys`; then the example with no card and with a nearly full one must say so and exit with code 1, the full
/// card left without the folder.
pub fn check_mcsave(root: &Path) -> Result<()> {
    // The image the `mcsave` run in EXAMPLE_RUNS wrote (relative to the workspace root).
    let sim_args = crate::EXAMPLE_RUNS.iter().find(|(example, ..)| *example == "mcsave").map(|(_, args, _)| *args).unwrap_or("");
    let words: Vec<&str> = sim_args.split_whitespace().collect();
    let image = words.windows(2).find(|w| w[0] == "--memcard0").map(|w| w[1]).context("EXAMPLE_RUNS has no mcsave run with --memcard0")?;
    let path = root.join(image);
    eprintln!("\n==> the card image of the mcsave run, read on the host with ps2-mcfs: {}", path.display());
    let card = Card::open(&path).with_context(|| format!("opening {}", path.display()))?;
    check_save_folder(&card, MCSAVE_FOLDER, &["HELLO.TXT"])?;
    let text = card.read_file(&format!("{MCSAVE_FOLDER}/HELLO.TXT")).context("reading HELLO.TXT")?;
    if text != MCSAVE_TEXT {
        bail!("{MCSAVE_FOLDER}/HELLO.TXT holds {:?}, not the example's text", String::from_utf8_lossy(&text));
    }
    eprintln!("    {MCSAVE_FOLDER}: {:?}; HELLO.TXT is the example's {} bytes", names(&card, MCSAVE_FOLDER)?, text.len());

    let full_card: PathBuf = root.join("target/ee-mc/mcsave-full.ps2");
    let runs = [
        ("no card", "--memcard0 none".to_string(), "mcsave: no memory card in slot 1"),
        (
            "a nearly full card",
            format!("--memcard0 {} --memcard0-free-clusters 20", full_card.display()),
            "mcsave: the memory card is full (20 KiB free",
        ),
    ];
    for (what, sim_args, expected) in runs {
        fresh_cards(&sim_args)?;
        let output = cargo().args(["run", "-q", "--release", "--example", "mcsave"]).env("PS2_SIM_ARGS", &sim_args).output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        eprintln!("\n==> example mcsave with {what} ({sim_args})\n{stdout}");
        if output.status.code() != Some(1) || !stdout.contains(expected) {
            bail!("mcsave with {what} should print {expected:?} and exit with code 1 ({})", output.status);
        }
    }
    let card = Card::open(&full_card).with_context(|| format!("opening {}", full_card.display()))?;
    let left = names(&card, "/")?;
    if !left.is_empty() {
        bail!("the save that did not fit left {left:?} on the card");
    }
    Ok(())
}
