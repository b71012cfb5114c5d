//! `mcsave`: a save folder on the memory card with `ps2-mc`.
//!
//! `cargo run --example mcsave` loads the boot ROM's card modules (`rom0:XSIO2MAN`, `rom0:XMCMAN`,
//! `rom0:XMCSERV`), checks the card in slot 1 (port 0), writes the save folder `/PS2RS-MCSAVE` (a text file, an
//! icon and the `icon.sys` the console's browser shows) with `MemoryCard::write_save`, lists the card's folders
//! and the save's files, and reads the text file back. No card, an unformatted card or a full one is said in one
//! line and ends the program with exit code 1. In the simulator the card is `Mcd001.ps2` next to the program
//! (created formatted when missing) unless `--memcard0 PATH|none` (in `PS2_SIM_ARGS`) names another; under
//! PCSX2 it is the card PCSX2 has in slot 1.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;

use ps2_alloc as _;
use ps2_mc::{CardType, Error, MemoryCard, Save, icon};
use ps2_sys::println;

ps2_sys::entry!(main);

/// The save folder (in the card's root).
const FOLDER: &str = "PS2RS-MCSAVE";
/// The text file in it.
const FILE: &str = "HELLO.TXT";
/// What the text file holds (`cargo xtask test` reads the card image back on the host and expects these bytes).
const TEXT: &[u8] = b"Saved by the ps2-rs mcsave example through the IOP's XMCSERV.\n";

fn main() -> i32 {
    match run() {
        Ok(()) => 0,
        Err(message) => {
            println!("mcsave: {message}");
            1
        }
    }
}

fn run() -> Result<(), String> {
    let mut loader = ps2_iop::loadfile::LoadFile::new().map_err(|e| format!("cannot bind LOADFILE on the IOP: {e}"))?;
    ps2_mc::load_modules(&mut loader).map_err(|e| format!("cannot load {:?}: {e}", ps2_mc::MODULES))?;
    let mut card = MemoryCard::init().map_err(|e| format!("memory card server: {e}"))?;
    println!("loaded {}", ps2_mc::MODULES.join(", "));

    let info = match card.info() {
        Ok(info) => info,
        Err(Error::NoCard) => return Err("no memory card in slot 1: insert one and run again".into()),
        Err(e) => return Err(format!("memory card in slot 1: {e}")),
    };
    if info.card_type != CardType::Ps2 {
        return Err(format!("the card in slot 1 is not a PlayStation 2 memory card ({:?})", info.card_type));
    }
    if !info.formatted {
        return Err("the memory card in slot 1 is not formatted: format it in the console's browser".into());
    }
    println!("memory card in slot 1: {} KiB free", info.free_clusters);

    let icon = icon::square_icon([4, 12, 31]);
    let save = Save { folder: FOLDER, title1: "ps2-rs mcsave", title2: "example", icon: &icon, files: &[(FILE, TEXT)] };
    let first_save = card.list(&format!("/{FOLDER}")).map_err(|e| format!("memory card in slot 1: {e}"))?.is_empty();
    let written = card.write_save(&save);
    if written.is_err() && first_save {
        // An unfinished first save is deleted again (best effort: a pulled card cannot be cleaned).
        let _ = card.remove_save(FOLDER);
    }
    match written {
        Ok(()) => {}
        Err(Error::Full) => {
            return Err(format!(
                "the memory card is full ({} KiB free; the save needs about {} KiB): nothing was saved",
                info.free_clusters,
                (TEXT.len() + icon.len() + ps2_mc::icon::ICON_SYS_LEN).div_ceil(1024) + 3
            ));
        }
        Err(Error::NoCard) => return Err("the memory card was pulled out while saving".into()),
        Err(e) => return Err(format!("writing /{FOLDER}: {e}")),
    }
    println!("wrote save folder /{FOLDER}: {FILE} ({} bytes), {} ({} bytes), icon.sys", TEXT.len(), ps2_mc::ICON_FILE, icon.len());

    println!("folders on the card:");
    for entry in card.list("/*").map_err(|e| format!("listing the card: {e}"))? {
        if entry.is_dir() && entry.name != "." && entry.name != ".." {
            println!("  /{}", entry.name);
        }
    }
    println!("/{FOLDER} holds:");
    for entry in card.list(&format!("/{FOLDER}/*")).map_err(|e| format!("listing /{FOLDER}: {e}"))? {
        if !entry.is_dir() {
            println!("  {:<12} {:>6} bytes", entry.name.as_str(), entry.size);
        }
    }

    let back = card.read_save_file(FOLDER, FILE).map_err(|e| format!("reading /{FOLDER}/{FILE}: {e}"))?;
    if back != TEXT {
        return Err(format!("/{FOLDER}/{FILE} reads back differently: {} bytes, {:?}", back.len(), String::from_utf8_lossy(&back)));
    }
    println!("read back /{FOLDER}/{FILE}: the same {} bytes: {}", back.len(), String::from_utf8_lossy(&back).trim_end());
    let free = card.info().map_err(|e| format!("memory card in slot 1: {e}"))?.free_clusters;
    println!("memory card in slot 1: {free} KiB free after saving");
    Ok(())
}
