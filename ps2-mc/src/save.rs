//! Save folders: a directory in the card's root with the browser's `icon.sys`, an icon and the game's files.

use crate::card::MemoryCard;
use crate::icon::IconSys;
use crate::Error;

/// Name of the icon file [`MemoryCard::write_save`] writes.
pub const ICON_FILE: &str = "icon.ico";

/// A save to write: its folder (in the card's root, e.g. `BESLES-12345STORY`), its title and files.
#[derive(Clone, Copy, Debug)]
pub struct Save<'a> {
    /// Folder name (1-31 bytes; by convention a region/product code followed by the game's own suffix).
    pub folder: &'a str,
    /// Title line 1 (ASCII; shown in full-width Shift-JIS).
    pub title1: &'a str,
    /// Title line 2.
    pub title2: &'a str,
    /// The icon file's bytes (e.g. [`crate::icon::square_icon`]).
    pub icon: &'a [u8],
    /// The game's files: name (1-27 bytes) and contents.
    pub files: &'a [(&'a str, &'a [u8])],
}

impl MemoryCard {
    /// Writes a save folder: creates it if needed, then each file, the icon and `icon.sys` through
    /// [`MemoryCard::write_file_safely`] — each file is either its old or its new version whatever happens
    /// to the card, and `icon.sys` is written last, so a folder without it is an unfinished first save.
    pub fn write_save(&mut self, save: &Save<'_>) -> Result<(), Error> {
        let dir = alloc::format!("/{}", save.folder);
        let icon_sys = IconSys::new(save.title1, save.title2, ICON_FILE).to_bytes()?;
        if !self.list(&dir)?.iter().any(|e| e.name == save.folder && e.is_dir()) {
            self.mkdir(&dir)?;
        }
        for (name, data) in save.files {
            self.write_file_safely(&dir, name, data)?;
        }
        self.write_file_safely(&dir, ICON_FILE, save.icon)?;
        self.write_file_safely(&dir, "icon.sys", &icon_sys)
    }

    /// Deletes save folder `folder`: every file in it, then the folder. A missing folder is
    /// [`Error::NotFound`]; a folder holding a subfolder is [`Error::NotEmpty`] (saves have none).
    pub fn remove_save(&mut self, folder: &str) -> Result<(), Error> {
        let dir = alloc::format!("/{folder}");
        if !self.list(&dir)?.iter().any(|e| e.name == folder && e.is_dir()) {
            return Err(Error::NotFound);
        }
        for entry in self.list(&alloc::format!("{dir}/*"))? {
            if !entry.is_dir() {
                self.remove(&alloc::format!("{dir}/{}", entry.name))?;
            }
        }
        self.remove(&dir)
    }

    /// Reads file `name` of save folder `folder` (finishing an interrupted replacement first).
    pub fn read_save_file(&mut self, folder: &str, name: &str) -> Result<alloc::vec::Vec<u8>, Error> {
        self.read_file_safely(&alloc::format!("/{folder}"), name)
    }
}
