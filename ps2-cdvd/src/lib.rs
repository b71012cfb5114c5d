//! # ps2-cdvd — CD/DVD access for the PlayStation 2's Emotion Engine
//!
//! - [`Cdvd`]: the client of the IOP's CDVDFSV servers — init, disc ready and type, sector reads that run in
//!   the background ([`Cdvd::start_read`] / [`Cdvd::finish_read`]) or wait ([`Cdvd::read`]), retried on drive
//!   errors and then reported with the drive's code; seek, stop, standby, pause; the ROM's file search.
//! - [`iso9660`]: a `no_std`, allocation-free ISO9660 reader over any [`iso9660::SectorRead`] source. Unlike
//!   the ROM's `sceCdSearchFile` it walks directories fully (no 64-entry or first-sector limit) and looks
//!   names up case-insensitively, with or without the `;1` version.
//! - [`Disc`]: the two together — paths to files, [`File`] handles implementing `embedded-io` `Read` + `Seek`.
//! - [`Stream`]: double-buffered streaming of large files — the next chunk is read while the caller works on
//!   the current one.
//!
//! ```no_run
//! # fn consume(_chunk: &[u8]) {}
//! # fn main() -> Result<(), ps2_cdvd::DiscError> {
//! let mut disc = ps2_cdvd::Disc::open()?;
//! let weights = disc.find("MODEL/WEIGHTS.BIN")?;
//! let mut stream = disc.stream(&weights, 64)?;          // 128 KiB chunks
//! while let Some(chunk) = stream.next_chunk() {
//!     consume(chunk?);                                  // the drive reads ahead meanwhile
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Needs a global allocator (`ps2-alloc`) for read buffers and the RPC clients.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod disc;
mod drive;
pub mod iso9660;
mod stream;

pub use disc::{CdvdSectors, Disc, DiscError, File};
pub use drive::{Cdvd, DiscType, DriveError, DriveStatus, Error, READ_RETRIES, READY_TIMEOUT, ReadInFlight, SectorBuffer, read_request};
pub use stream::Stream;
