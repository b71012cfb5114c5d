//! Stories on the memory card in slot 1 (port 0), through `ps2-mc`: each saved story is a save folder
//! `PS2RS-STORY-NNN` in the card's root with `STORY.TXT` (the prompt, the settings, the story), an icon and the
//! `icon.sys` the console's browser shows ("LLM story N" and the prompt). A missing, unformatted or full card is
//! an error with a message for the screen; nothing here stops the demo.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ps2_iop::loadfile::LoadFile;
use ps2_mc::{CardType, MemoryCard, Save, icon};
use ps2_pad::PadModules;

/// Save folders are this prefix and a three-digit number.
pub const FOLDER_PREFIX: &str = "PS2RS-STORY-";
/// The story's file in its save folder.
pub const STORY_FILE: &str = "STORY.TXT";
/// The highest story number.
const MAX_NUMBER: u32 = 999;
/// Titles shown when listing (the newest ones).
const TITLES_SHOWN: usize = 4;
/// Characters an `icon.sys` title holds on its two lines together.
const TITLE_CHARS: usize = 33;

/// A story to save: what was asked and what was told.
pub struct Story {
    /// The prompt.
    pub prompt: String,
    /// Sampling temperature.
    pub temperature: f32,
    /// Positions run (prompt included).
    pub positions: usize,
    /// The kernels that ran it.
    pub kernels: String,
    /// The text: the prompt, then the generated words.
    pub text: String,
}

impl Story {
    /// `STORY.TXT`: `prompt: ...`, the settings, an empty line, the text and a new line.
    pub fn file_text(&self) -> String {
        format!(
            "prompt: {}\ntemperature {:.1}, {} positions, kernels {}\n\n{}\n",
            self.prompt, self.temperature, self.positions, self.kernels, self.text
        )
    }
}

/// Why a story was not saved or listed.
#[derive(Debug)]
pub enum SaveError {
    /// The card answered with an error (no card, pulled out, ...).
    Card(ps2_mc::Error),
    /// The slot holds something else than a PlayStation 2 memory card.
    NotPs2(CardType),
    /// The card is not formatted.
    Unformatted,
    /// Not enough room.
    Full {
        /// KiB free.
        free: u32,
        /// KiB a story save takes at most.
        needed: u32,
    },
    /// Every number up to 999 is taken.
    TooMany,
    /// The story read back differs from what was written.
    ReadBack,
}

impl From<ps2_mc::Error> for SaveError {
    fn from(e: ps2_mc::Error) -> Self {
        match e {
            ps2_mc::Error::Unformatted => SaveError::Unformatted,
            e => SaveError::Card(e),
        }
    }
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::Card(ps2_mc::Error::NoCard) => f.write_str("no memory card in slot 1"),
            SaveError::Card(e) => write!(f, "{e}"),
            SaveError::NotPs2(kind) => write!(f, "the card in slot 1 is not a PlayStation 2 memory card ({kind:?})"),
            SaveError::Unformatted => f.write_str("the memory card in slot 1 is not formatted (format it in the console's browser)"),
            SaveError::Full { free, needed } => {
                write!(f, "the memory card is full: {free} KiB free, a story needs {needed} KiB")
            }
            SaveError::TooMany => write!(f, "{MAX_NUMBER} stories are saved already: delete some in the console's browser"),
            SaveError::ReadBack => f.write_str("the story read back from the card differs from the one written"),
        }
    }
}

/// A story folder on the card.
pub struct Saved {
    /// Its number (the folder's suffix).
    pub number: u32,
    /// Its folder.
    pub folder: String,
    /// Whether the save was finished: `write_save` writes `icon.sys` last, so a folder without one is a save that
    /// was cut short (the card pulled out while saving).
    pub finished: bool,
}

/// The memory card in slot 1, holding the stories.
pub struct Saves {
    card: MemoryCard,
    icon: Vec<u8>,
}

impl Saves {
    /// Loads the card modules (`rom0:XSIO2MAN`, `rom0:XMCMAN`, `rom0:XMCSERV`) and binds XMCSERV. `pads` are the
    /// pad modules already loaded: the old pair rules the card out (its SIO2MAN is not the one XMCMAN needs).
    pub fn open(pads: PadModules) -> Result<Saves, String> {
        if pads != PadModules::RomX {
            return Err(format!("the pads use {:?} (no rom0:XPADMAN in this ROM); the card needs rom0:XSIO2MAN", pads.paths()));
        }
        let mut loader = LoadFile::new().map_err(|e| format!("cannot bind LOADFILE on the IOP: {e}"))?;
        ps2_mc::load_modules(&mut loader).map_err(|e| format!("cannot load {:?}: {e}", ps2_mc::MODULES))?;
        let card = MemoryCard::init().map_err(|e| format!("{e}"))?;
        Ok(Saves { card, icon: icon::square_icon([26, 18, 6]) })
    }

    /// Checks the slot: a formatted PlayStation 2 card, or why not. Returns the KiB free.
    fn check(&mut self) -> Result<u32, SaveError> {
        let info = self.card.info()?;
        if info.card_type != CardType::Ps2 {
            return Err(SaveError::NotPs2(info.card_type));
        }
        if !info.formatted {
            return Err(SaveError::Unformatted);
        }
        Ok(info.free_clusters)
    }

    /// The story folders on the card, oldest first, finished or not.
    pub fn list(&mut self) -> Result<Vec<Saved>, SaveError> {
        self.check()?;
        let mut saved: Vec<Saved> = self
            .card
            .list(&format!("/{FOLDER_PREFIX}*"))?
            .iter()
            .filter(|e| e.is_dir())
            .filter_map(|e| {
                let number = e.name.as_str().strip_prefix(FOLDER_PREFIX)?.parse().ok()?;
                Some(Saved { number, folder: String::from(e.name.as_str()), finished: false })
            })
            .collect();
        saved.sort_by_key(|s| s.number);
        for s in &mut saved {
            s.finished = self.card.list(&format!("/{}/icon.sys", s.folder))?.iter().any(|e| e.name == "icon.sys");
        }
        Ok(saved)
    }

    /// The first line of a saved story's `STORY.TXT` (`prompt: ...`).
    fn title(&mut self, folder: &str) -> Result<String, SaveError> {
        let text = self.card.read_save_file(folder, STORY_FILE)?;
        let text = String::from_utf8_lossy(&text);
        Ok(String::from(text.lines().next().unwrap_or("")))
    }

    /// Says on screen how many stories the card holds, and the newest ones' prompts.
    pub fn show(&mut self) {
        let saved = match self.list() {
            Ok(saved) => saved,
            Err(e) => {
                crate::say!("memory card: {e}");
                return;
            }
        };
        match saved.iter().filter(|s| s.finished).count() {
            0 => crate::say!("memory card: no stories saved yet (SELECT after a story saves it)"),
            1 => crate::say!("memory card: 1 story saved"),
            n => crate::say!("memory card: {n} stories saved"),
        }
        let unfinished = saved.iter().filter(|s| !s.finished).count();
        if unfinished > 0 {
            crate::say!("  and {unfinished} unfinished save(s), deleted by the next SELECT");
        }
        for s in saved.iter().rev().filter(|s| s.finished).take(TITLES_SHOWN) {
            match self.title(&s.folder) {
                Ok(title) => crate::say!("  {}: {title}", s.folder),
                Err(e) => crate::say!("  {}: {e}", s.folder),
            }
        }
    }

    /// Saves `story` in the next free folder and reads it back; returns the folder. Unfinished saves are deleted
    /// first; a save that does not complete is deleted again (as far as the card still answers).
    pub fn save(&mut self, story: &Story) -> Result<String, SaveError> {
        let mut saved = self.list()?;
        for s in saved.iter().filter(|s| !s.finished) {
            self.card.remove_save(&s.folder)?;
        }
        saved.retain(|s| s.finished);
        let free = self.check()?;
        let number = saved.last().map_or(1, |s| s.number + 1);
        if number > MAX_NUMBER {
            return Err(SaveError::TooMany);
        }
        let folder = format!("{FOLDER_PREFIX}{number:03}");
        let text = story.file_text();
        // Data clusters of the three files, and at most four more for the folder's entries (., .., three files and
        // a temporary one, two per cluster) and the root's growth.
        let clusters = |bytes: usize| bytes.div_ceil(1024) as u32;
        let needed = clusters(text.len()) + clusters(self.icon.len()) + clusters(ps2_mc::icon::ICON_SYS_LEN) + 4;
        if free < needed {
            return Err(SaveError::Full { free, needed });
        }
        let title1 = format!("LLM story {number}");
        let title2 = title_line(&story.prompt, TITLE_CHARS - title1.len());
        let save = Save {
            folder: &folder,
            title1: &title1,
            title2: &title2,
            icon: &self.icon,
            files: &[(STORY_FILE, text.as_bytes())],
        };
        let written = self.card.write_save(&save).and_then(|()| self.card.read_save_file(&folder, STORY_FILE));
        let result = match written {
            Ok(back) if back == text.as_bytes() => return Ok(folder),
            Ok(_) => SaveError::ReadBack,
            Err(ps2_mc::Error::Full) => SaveError::Full { free, needed },
            Err(e) => e.into(),
        };
        // Best effort: a pulled card cannot be cleaned, and its unfinished folder has no icon.sys.
        let _ = self.card.remove_save(&folder);
        Err(result)
    }
}

/// The prompt as an `icon.sys` title line of at most `chars` characters: characters without a full-width
/// Shift-JIS form become spaces.
fn title_line(prompt: &str, chars: usize) -> String {
    let line: String = prompt
        .chars()
        .map(|c| if ps2_mc::icon::full_width_sjis(c).is_some() { c } else { ' ' })
        .take(chars)
        .collect();
    String::from(line.trim_end())
}
