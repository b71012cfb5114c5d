//! PlayStation 2 CD/DVD access for the Emotion Engine.
//!
//! * [`iso9660`]: a `no_std`, allocation-free ISO9660 reader over any [`iso9660::SectorRead`]
//!   source. Unlike the ROM's `sceCdSearchFile` it walks directories fully (no 64-entry or
//!   first-sector limit) and looks names up case-insensitively, with or without the `;1` version.
#![no_std]
#![warn(missing_docs)]

pub mod iso9660;
