//! The disc's file system over the drive: look files up, read them as `embedded-io` streams, stream large
//! files with double buffering.
//!
//! ```no_run
//! use embedded_io::Read;
//! # fn main() -> Result<(), embedded_io::ReadExactError<ps2_cdvd::DiscError>> {
//! let mut disc = ps2_cdvd::Disc::open()?;
//! let mut file = disc.open_file("\\MODEL\\STORY.BIN;1")?;   // also "model/story.bin"
//! let mut header = [0u8; 64];
//! file.read_exact(&mut header)?;
//! # Ok(())
//! # }
//! ```

use crate::drive::{Cdvd, Error, SectorBuffer};
use crate::iso9660::{self, ComponentName, DirEntry, SECTOR_SIZE, SectorRead, Volume};
use crate::stream::Stream;

/// The drive as a sector source for the ISO9660 reader (reads through an aligned bounce buffer, because the
/// reader's own sector buffer has no DMA alignment).
pub struct CdvdSectors {
    cdvd: Cdvd,
    bounce: SectorBuffer,
}

/// Sectors read per drive command when the file system reader asks for several.
const BOUNCE_SECTORS: usize = 16;

impl CdvdSectors {
    /// Wraps an initialised drive.
    pub fn new(cdvd: Cdvd) -> CdvdSectors {
        CdvdSectors { cdvd, bounce: SectorBuffer::new(BOUNCE_SECTORS) }
    }
}

impl SectorRead for CdvdSectors {
    type Error = Error;

    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> Result<(), Error> {
        for (i, chunk) in buf.chunks_mut(BOUNCE_SECTORS * SECTOR_SIZE).enumerate() {
            let sectors = (chunk.len() / SECTOR_SIZE) as u32;
            let at = lsn + (i * BOUNCE_SECTORS) as u32;
            self.cdvd.read_sectors(at, sectors, &mut self.bounce)?;
            chunk.copy_from_slice(&self.bounce.as_slice()[..chunk.len()]);
        }
        Ok(())
    }
}

/// The error of everything [`Disc`] does: ISO9660 problems (naming what was not found or is corrupt) and the
/// drive's errors ([`iso9660::Error::Io`]). A drive [`Error`] converts into it with `?`.
pub type DiscError = iso9660::Error<Error>;

impl From<Error> for DiscError {
    fn from(error: Error) -> DiscError {
        iso9660::Error::Io(error)
    }
}

/// The disc: an ISO9660 volume on the drive.
pub struct Disc {
    volume: Volume<CdvdSectors>,
}

impl Disc {
    /// Initialises the drive ([`Cdvd::init`]) and opens the volume.
    pub fn open() -> Result<Disc, DiscError> {
        let cdvd = Cdvd::init()?;
        Disc::from_cdvd(cdvd)
    }

    /// Opens the volume on an initialised drive.
    pub fn from_cdvd(cdvd: Cdvd) -> Result<Disc, DiscError> {
        Ok(Disc { volume: Volume::open(CdvdSectors::new(cdvd))? })
    }

    /// The drive, for direct sector reads.
    pub fn cdvd(&mut self) -> &mut Cdvd {
        &mut self.volume.reader_mut().cdvd
    }

    /// The ISO9660 volume (directory listing and the rest of its API).
    pub fn volume(&mut self) -> &mut Volume<CdvdSectors> {
        &mut self.volume
    }

    /// Looks a path up (`\DIR\FILE.EXT;1`, `dir/file.ext`, case-insensitive), walking directories fully.
    pub fn find(&mut self, path: &str) -> Result<DirEntry, DiscError> {
        self.volume.find(path)
    }

    /// Opens a file for reading.
    pub fn open_file(&mut self, path: &str) -> Result<File<'_>, DiscError> {
        let entry = self.find(path)?;
        if entry.is_dir {
            return Err(iso9660::Error::NotAFile { component: last_component(path) });
        }
        Ok(File { disc: self, entry, position: 0 })
    }

    /// Streams a whole file in chunks of `chunk_sectors` sectors, reading the next chunk while the caller
    /// works on the current one. The stream's chunks come with the drive's [`Error`], which `?` turns into a
    /// [`DiscError`].
    pub fn stream(&mut self, entry: &DirEntry, chunk_sectors: usize) -> Result<Stream<'_>, DiscError> {
        Ok(Stream::new(self.cdvd(), entry.lsn, u64::from(entry.size), chunk_sectors)?)
    }
}

/// The last non-empty component of a path (`\DIR\SUB\` gives `SUB`), or the whole path when it has none.
fn last_component(path: &str) -> ComponentName {
    let name = path.rsplit(['/', '\\']).find(|c| !c.is_empty()).unwrap_or(path);
    ComponentName::from_bytes(name.as_bytes())
}

/// An open file: `embedded-io` [`Read`](embedded_io::Read) and [`Seek`](embedded_io::Seek).
pub struct File<'d> {
    disc: &'d mut Disc,
    entry: DirEntry,
    position: u64,
}

impl File<'_> {
    /// The file's directory entry (LSN, size).
    pub fn entry(&self) -> &DirEntry {
        &self.entry
    }

    /// The file's size in bytes.
    pub fn len(&self) -> u64 {
        u64::from(self.entry.size)
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.entry.size == 0
    }
}

impl embedded_io::ErrorType for File<'_> {
    type Error = DiscError;
}

impl embedded_io::Read for File<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, DiscError> {
        let n = self.disc.volume.read_at(&self.entry, self.position, buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl embedded_io::Seek for File<'_> {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> Result<u64, DiscError> {
        let (from, offset) = match pos {
            embedded_io::SeekFrom::Start(offset) => {
                self.position = offset;
                return Ok(offset);
            }
            embedded_io::SeekFrom::End(offset) => (self.len(), offset),
            embedded_io::SeekFrom::Current(offset) => (self.position, offset),
        };
        self.position = from.checked_add_signed(offset).ok_or(iso9660::Error::SeekBeforeStart { from, offset })?;
        Ok(self.position)
    }
}
