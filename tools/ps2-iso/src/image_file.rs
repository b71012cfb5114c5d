//! [`ImageFile`]: a disc image on the host as a sector source for `ps2_cdvd::iso9660`.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use ps2_cdvd::iso9660::{SECTOR_SIZE, SectorRead};

/// An image file read sector by sector (nothing is loaded up front, so a multi-gigabyte image
/// costs no memory). A trailing partial sector reads as if padded with zeros.
#[derive(Debug)]
pub struct ImageFile {
    file: File,
    bytes: u64,
}

impl ImageFile {
    /// Opens an image.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = File::open(path)?;
        let bytes = file.metadata()?.len();
        Ok(Self { file, bytes })
    }

    /// The image's size in whole or partial sectors.
    pub fn sectors(&self) -> u64 {
        self.bytes.div_ceil(SECTOR_SIZE as u64)
    }
}

impl SectorRead for ImageFile {
    type Error = io::Error;

    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> io::Result<()> {
        let start = u64::from(lsn) * SECTOR_SIZE as u64;
        let sectors = (buf.len() / SECTOR_SIZE) as u64;
        if u64::from(lsn) + sectors > self.sectors() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("sectors {lsn}..+{sectors} lie beyond the image's {} sectors", self.sectors()),
            ));
        }
        let available = (self.bytes - start).min(buf.len() as u64) as usize;
        self.file.seek(SeekFrom::Start(start))?;
        self.file.read_exact(&mut buf[..available])?;
        buf[available..].fill(0);
        Ok(())
    }
}
