//! The disc in the drive: an image file, the drive timing model, and what was read.

use std::path::Path;
use std::time::Duration;

use ps2_cdvd::iso9660::{SECTOR_SIZE, SectorRead, Volume};
use ps2_iso::drive::{DriveModel, Media};
use ps2_iso::ImageFile;

/// Reads from the disc so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DiscStats {
    /// Sectors read.
    pub sectors: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Time the drive model charged for them (seeks + transfer).
    pub drive_time: Duration,
    /// Read commands served.
    pub reads: u64,
}

/// A disc image with a drive model.
pub struct Disc {
    image: ImageFile,
    drive: DriveModel,
    stats: DiscStats,
}

impl Disc {
    /// Inserts an image; the media (CD or DVD) follows from its size.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Disc> {
        let image = ImageFile::open(path)?;
        let drive = DriveModel::for_image_bytes(image.sectors() * SECTOR_SIZE as u64);
        Ok(Disc { image, drive, stats: DiscStats::default() })
    }

    /// CD or DVD.
    pub fn media(&self) -> Media {
        self.drive.media()
    }

    /// The image's size in sectors.
    pub fn sectors(&self) -> u64 {
        self.image.sectors()
    }

    /// Reads whole sectors, charging the drive model; returns the data and the time it took.
    pub fn read(&mut self, lsn: u32, sectors: u32) -> std::io::Result<(Vec<u8>, Duration)> {
        let mut data = vec![0u8; sectors as usize * SECTOR_SIZE];
        if sectors > 0 {
            self.image.read_sectors(lsn, &mut data)?;
        }
        let time = self.drive.read_time(lsn, sectors);
        self.stats.sectors += u64::from(sectors);
        self.stats.bytes += data.len() as u64;
        self.stats.drive_time += time;
        self.stats.reads += 1;
        Ok((data, time))
    }

    /// Moves the head (a seek command); returns the time it took.
    pub fn seek(&mut self, lsn: u32) -> Duration {
        let time = self.drive.seek(lsn);
        self.stats.drive_time += time;
        time
    }

    /// Looks a path up in the image's ISO9660 file system without charging the drive (the IOP's search reads
    /// the directories through its own cache; its time is small next to data reads): `(lsn, size)`.
    pub fn find(&mut self, path: &str) -> Option<(u32, u32)> {
        let mut volume = Volume::open(&mut self.image).ok()?;
        let entry = volume.find(path).ok()?;
        (!entry.is_dir).then_some((entry.lsn, entry.size))
    }

    /// What was read so far.
    pub fn stats(&self) -> DiscStats {
        self.stats
    }
}
