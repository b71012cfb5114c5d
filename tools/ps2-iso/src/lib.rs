//! Builds bootable PlayStation 2 disc images, and models the drive's read timing.
//!
//! * [`DiscBuilder`] writes an ISO9660 image: 16-sector system area, primary volume descriptor
//!   at LSN 16 and terminator, type L and M path tables, directory records (directories of any
//!   size), `SYSTEM.CNF` (`BOOT2 = cdrom0:\NAME.ELF;1`, `VER`, `VMODE`), the boot ELF and data
//!   files, each sector-aligned and contiguous. Names follow the rules in [`names`] so that the
//!   ROM can open every file. Large files can go to the outer edge of the disc
//!   ([`DiscBuilder::outer_edge`]). The result, [`DiscLayout`], says where every file landed.
//! * [`drive::DriveModel`] estimates how long a read takes on the PS2's 24× CD / 4× DVD CAV drive.
//! * [`ImageFile`] reads an image back through `ps2_cdvd::iso9660` (the same reader the EE uses).
//!
//! ```no_run
//! use ps2_iso::{DiscBuilder, ImageFile};
//! use ps2_cdvd::iso9660::Volume;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let layout = DiscBuilder::new()
//!     .boot_elf("HELLO.ELF", std::path::Path::new("target/hello.elf"))
//!     .dir_tree("examples/hello/disc", "")
//!     .write_to("hello.iso")?;
//! let mut volume = Volume::open(ImageFile::open("hello.iso")?)?;
//! let config = volume.find("SYSTEM.CNF")?;
//! assert_eq!(Some(config.lsn), layout.file("SYSTEM.CNF").map(|file| file.lsn));
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod builder;
pub mod drive;
mod encode;
mod image_file;
mod layout;
pub mod names;

use std::io;
use std::path::PathBuf;

pub use builder::{DiscBuilder, FileSource, VideoMode};
pub use encode::DiscDate;
pub use image_file::ImageFile;
pub use layout::{DiscLayout, FilePlacement};
pub use names::NameError;

/// Bytes per logical sector.
pub const SECTOR_SIZE: usize = 2048;

/// Why an image could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A disc path or name breaks the naming rules.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A source file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Source {
        /// The host path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A source file got shorter between planning and writing.
    #[error("{0} changed while the image was being written")]
    SourceChanged(PathBuf),
    /// The image could not be written.
    #[error("cannot write the image {path}: {source}")]
    Output {
        /// The image path (`<output>` when writing to a stream).
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file exceeds what one ISO9660 extent can describe.
    #[error("{path} is {size} bytes; an ISO9660 file holds at most 4 GiB - 1 bytes")]
    FileTooLarge {
        /// The disc path.
        path: String,
        /// Its size.
        size: u64,
    },
    /// Two entries have the same name (names are upper-cased; a file and a directory cannot
    /// share a name either).
    #[error("{0} is on the disc twice (names are compared in upper case; a file and a directory cannot share a name)")]
    Duplicate(String),
    /// The `VER` value for `SYSTEM.CNF` is not made of digits and dots.
    #[error("SYSTEM.CNF version {0:?} must be digits and dots, like 1.00")]
    InvalidVersion(String),
    /// More directories than a path table can number.
    #[error("{0} directories; a path table can number at most 65535")]
    TooManyDirectories(usize),
    /// The image would exceed 2³² sectors.
    #[error("the image would exceed 2^32 sectors")]
    ImageTooLarge,
}

impl BuildError {
    /// An output error before the output's name is known.
    fn output(source: io::Error) -> Self {
        BuildError::Output { path: PathBuf::from("<output>"), source }
    }

    /// Names the output file in an output error.
    fn with_output_path(self, path: &std::path::Path) -> Self {
        match self {
            BuildError::Output { source, .. } => BuildError::Output { path: path.to_path_buf(), source },
            other => other,
        }
    }
}
