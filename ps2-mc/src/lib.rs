//! # ps2-mc — PlayStation 2 memory cards for the Emotion Engine
//!
//! The client of the IOP's XMCSERV (the boot ROM's memory card server, sid `0x80000400`, the protocol of
//! ps2sdk's `libmc`):
//!
//! - [`MemoryCard::info`]: card type, free clusters, formatted, new card;
//! - files and folders: [`MemoryCard::open`]/[`create`](MemoryCard::create)/[`read`](MemoryCard::read)/
//!   [`write`](MemoryCard::write)/[`seek`](MemoryCard::seek)/[`close`](MemoryCard::close),
//!   [`list`](MemoryCard::list), [`mkdir`](MemoryCard::mkdir), [`remove`](MemoryCard::remove),
//!   [`rename`](MemoryCard::rename), [`format`](MemoryCard::format);
//! - save folders the console's browser shows: [`MemoryCard::write_save`] with `icon.sys` ([`icon::IconSys`],
//!   title in full-width Shift-JIS) and an icon ([`icon::square_icon`]), [`MemoryCard::remove_save`];
//! - typed errors ([`Error`]): [`Error::NoCard`] for an absent or pulled card, [`Error::Full`],
//!   [`Error::Unformatted`], ...
//!
//! **What protects a save**: the card itself does not make a multi-page write atomic from a program's view
//! (MCMAN rewrites erase blocks through a backup block, but a file written in several calls can be left
//! half-written when the card is pulled). This crate writes each file of a save to `NAME.tmp`, closes it
//! (MCMAN then marks it "closed properly", mode bit `0x80`), deletes the old `NAME` and renames the new one
//! into place; the reader ([`MemoryCard::read_file_safely`]) finishes a replacement cut between the delete and
//! the rename, and drops a `.tmp` that was never closed. So each file is always its old or its new version.
//!
//! ```no_run
//! # fn main() -> Result<(), ps2_mc::Error> {
//! let mut loader = ps2_iop::loadfile::LoadFile::new()?;
//! ps2_mc::load_modules(&mut loader)?;                 // rom0:XSIO2MAN, rom0:XMCMAN, rom0:XMCSERV
//! let mut card = ps2_mc::MemoryCard::init()?;
//! let info = card.info()?;
//! let icon = ps2_mc::icon::square_icon([4, 12, 31]);
//! card.write_save(&ps2_mc::Save {
//!     folder: "BESAVE-00000DEMO",
//!     title1: "Demo save",
//!     title2: "slot 1",
//!     icon: &icon,
//!     files: &[("DATA.BIN", b"level 3")],
//! })?;
//! let data = card.read_save_file("BESAVE-00000DEMO", "DATA.BIN")?;
//! # Ok(())
//! # }
//! ```
//!
//! Needs a global allocator (`ps2-alloc`). The request encoding, the error mapping and the `icon.sys`/icon
//! builders are plain code that also builds and is tested on the host.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod card;
mod error;
pub mod icon;
pub mod protocol;
mod save;

pub use card::{CHUNK, CardInfo, CardType, File, MODULES, MemoryCard, SeekFrom, load_modules};
pub use error::{Error, check};
pub use protocol::{DateTime, DirEntry};
pub use save::{ICON_FILE, Save};
