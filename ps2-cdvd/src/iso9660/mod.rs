//! A `no_std`, allocation-free ISO9660 reader.
//!
//! The reader works over any [`SectorRead`] source: on the EE that is the CDVDFSV client, on the
//! host a byte slice (implemented here) or an image file (`ps2_iso::ImageFile`). It keeps one
//! 2048-byte sector buffer inside [`Volume`] and nothing else, so it runs without a heap.
//!
//! Compared with the ROM's `sceCdSearchFile` (see the crate README):
//! * directories are walked **fully**: every sector of the extent, any number of entries;
//! * look-ups are ASCII case-insensitive and tolerate a missing or different `;version`;
//! * paths may use `\` or `/`, may start with a device prefix (`cdrom0:`) and need no leading
//!   separator: `cdrom0:\DATA\FILE.BIN;1`, `/data/file.bin` and `data/file.bin` are the same file;
//! * every malformed structure is reported as [`Error::Corrupt`] with the sector it was found in,
//!   never a panic (this is fuzzed by the host tests);
//! * [`Volume::walk`] lists the whole tree in bounded time: a directory that lists itself or an
//!   ancestor is an [`Error::DirectoryCycle`], a tree deeper than [`MAX_DIRECTORY_LEVELS`] an
//!   [`Error::TooDeep`], a directory over [`MAX_DIRECTORY_BYTES`] or a walk over its entry budget
//!   an [`Error::TooLarge`]; [`Volume::find`] refuses cycles and depth the same way.
//!
//! ```
//! use ps2_cdvd::iso9660::{SectorRead, Volume};
//! # fn demo<R: SectorRead>(disc: R) -> Result<(), ps2_cdvd::iso9660::Error<R::Error>> {
//! let mut volume = Volume::open(disc)?;
//! let config = volume.find("\\SYSTEM.CNF;1")?;
//! let mut text = [0u8; 256];
//! let length = volume.read_at(&config, 0, &mut text)?;
//! for entry in volume.read_dir(&volume.root())? {
//!     let entry = entry?;
//!     let _ = (entry.name.as_str(), entry.lsn, entry.size, entry.is_dir);
//! }
//! for found in volume.walk()? {
//!     let found = found?; // a corrupt tree ends here with an error, never loops
//!     let _ = (found.depth, found.entry.name.as_str());
//! }
//! # let _ = length; Ok(()) }
//! ```
//!
//! Not supported (not used on PS2 discs): multi-extent files (flag bit 7; each extent is listed
//! as its own entry), interleaved files, extended attribute records, Rock Ridge and Joliet names
//! (the primary ISO9660 names are always used).

mod name;
mod record;
mod walk;

use core::fmt;

pub use name::{ComponentName, IsoName, MAX_NAME_LEN};
pub use walk::{Walk, WalkEntry};
use record::{Record, le_u16, le_u32, parse_record};

/// Size of a logical sector (user data of a Mode 1 / Mode 2 Form 1 CD sector, or a DVD sector).
pub const SECTOR_SIZE: usize = 2048;

/// LSN of the first volume descriptor (after the 16-sector system area).
pub const FIRST_DESCRIPTOR_LSN: u32 = 16;

/// How many volume descriptors are examined before giving up on finding the primary one.
const MAX_DESCRIPTORS: u32 = 32;

/// Deepest directory hierarchy the reader follows, counting the root as level 1 ([`Error::TooDeep`]
/// beyond it).
///
/// ECMA-119 (§6.8.2.1) allows 8 levels, and PS2 discs keep to that because the ROM does (`ps2-iso`
/// refuses deeper trees). Some writers break the rule (`mkisofs -D`, ISO 9660:1999), so the reader
/// allows four times as many: enough for any real disc, and the ancestors of the deepest directory
/// still fit in a fixed array (no heap) that [`Walk`] and [`Volume::find`] check for cycles.
pub const MAX_DIRECTORY_LEVELS: usize = 32;

/// Largest directory extent the reader lists, in bytes ([`Error::TooLarge`] beyond it).
///
/// ECMA-119 sets no limit besides the 32-bit size field. 16 MiB hold about 350,000 records with
/// 8.3 names, far more than any disc puts in one directory, and read in seconds on the PS2's drive;
/// a corrupt size of gigabytes would otherwise keep a listing reading for half an hour.
pub const MAX_DIRECTORY_BYTES: u32 = 16 << 20;

/// How many entries a [`Walk`] yields at most before it stops with [`Error::TooLarge`]
/// (see [`Walk::max_entries`]).
///
/// A disc tree where one directory is listed several times in the same parent is no cycle but
/// grows exponentially with its depth; no check without a heap catches every such case, so the
/// walk also has a budget. A million entries is several times the files a dual-layer DVD of
/// typical game data holds; a program that walks larger trees raises it.
pub const DEFAULT_WALK_ENTRIES: u32 = 1 << 20;

/// A source of 2048-byte sectors addressed by LSN.
pub trait SectorRead {
    /// The source's error (a CDVD error code, an I/O error, ...).
    type Error;

    /// Fills `buf` with the sectors starting at `lsn`. `buf.len()` is always a non-zero multiple
    /// of [`SECTOR_SIZE`]; the reader never asks for sectors beyond the volume size that the
    /// primary volume descriptor states.
    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> Result<(), Self::Error>;
}

impl<T: SectorRead + ?Sized> SectorRead for &mut T {
    type Error = T::Error;

    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        (**self).read_sectors(lsn, buf)
    }
}

/// A read outside of an in-memory image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfImage {
    /// First sector asked for.
    pub lsn: u32,
    /// Number of sectors asked for.
    pub sectors: usize,
}

impl fmt::Display for OutOfImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sectors {}..+{} lie outside the image", self.lsn, self.sectors)
    }
}

impl core::error::Error for OutOfImage {}

impl embedded_io::Error for OutOfImage {
    fn kind(&self) -> embedded_io::ErrorKind {
        // A structure of the image points beyond its end.
        embedded_io::ErrorKind::InvalidData
    }
}

/// An image held in memory (the whole disc as bytes). A trailing partial sector reads as if
/// padded with zeros.
impl SectorRead for &[u8] {
    type Error = OutOfImage;

    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        let sectors = buf.len() / SECTOR_SIZE;
        let out_of_image = OutOfImage { lsn, sectors };
        let start = (lsn as usize).checked_mul(SECTOR_SIZE).ok_or(out_of_image)?;
        if start >= self.len() || buf.len() > self.len().div_ceil(SECTOR_SIZE) * SECTOR_SIZE - start {
            return Err(out_of_image);
        }
        let available = (self.len() - start).min(buf.len());
        buf[..available].copy_from_slice(&self[start..start + available]);
        buf[available..].fill(0);
        Ok(())
    }
}

/// A file or directory found on the disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEntry {
    /// First sector of the extent.
    pub lsn: u32,
    /// Length in bytes (for a directory, the length of its records, a multiple of 2048).
    pub size: u32,
    /// Whether the entry is a directory.
    pub is_dir: bool,
    /// The identifier as recorded (`NAME.EXT;1`); [`IsoName::as_str`] gives `NAME.EXT`.
    /// Empty for the root directory.
    pub name: IsoName,
    /// Recording date and time as stored: years since 1900, month, day, hour, minute, second,
    /// offset from GMT in 15-minute units (signed).
    pub recorded: [u8; 7],
}

impl DirEntry {
    /// Number of sectors the extent occupies.
    pub fn sectors(&self) -> u32 {
        self.size.div_ceil(SECTOR_SIZE as u32)
    }
}

/// Why a look-up or read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The sector source failed.
    Io(E),
    /// No entry of this name exists in the directory being searched.
    NotFound {
        /// The path component that was not found, as given.
        component: ComponentName,
    },
    /// A path component other than the last names a file, not a directory.
    NotADirectory {
        /// The file that was used as a directory.
        component: ComponentName,
    },
    /// The path names a directory where a file was expected.
    NotAFile {
        /// The directory's name, as given in the path.
        component: ComponentName,
    },
    /// A seek would move before the start of a file.
    SeekBeforeStart {
        /// Where the seek was relative to (the current position, or the file's size).
        from: u64,
        /// The (negative) offset asked for.
        offset: i64,
    },
    /// The disc's structures are invalid.
    Corrupt {
        /// What is wrong.
        what: &'static str,
        /// The sector holding the faulty structure (or the start of the faulty extent).
        lsn: u32,
    },
    /// A directory lists a subdirectory that is itself or one of the directories enclosing it, so
    /// following it would never end.
    DirectoryCycle {
        /// The directory holding the record.
        lsn: u32,
        /// Where the record points: the directory itself or an ancestor.
        target: u32,
    },
    /// The directory hierarchy is deeper than [`MAX_DIRECTORY_LEVELS`].
    TooDeep {
        /// The directory that would be one level too deep.
        lsn: u32,
        /// The limit, in levels (the root is level 1).
        limit: usize,
    },
    /// A structure is larger than the reader accepts: a directory beyond [`MAX_DIRECTORY_BYTES`]
    /// or a walk beyond its entry budget ([`DEFAULT_WALK_ENTRIES`]).
    TooLarge {
        /// What was counted, e.g. "directory size in bytes".
        what: &'static str,
        /// The value found (for a walk: the count when it stopped).
        value: u64,
        /// The reader's limit.
        limit: u64,
        /// The directory where the limit was passed.
        lsn: u32,
    },
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(error) => write!(f, "disc read failed: {error}"),
            Error::NotFound { component } => write!(f, "no file or directory named {component}"),
            Error::NotADirectory { component } => write!(f, "{component} is a file, not a directory"),
            Error::NotAFile { component } => write!(f, "{component} is a directory, not a file"),
            Error::SeekBeforeStart { from, offset } => {
                write!(f, "seeking {offset} bytes from position {from} would move before the start of the file")
            }
            Error::Corrupt { what, lsn } => write!(f, "corrupt ISO9660 volume at LSN {lsn}: {what}"),
            Error::DirectoryCycle { lsn, target } => write!(
                f,
                "corrupt ISO9660 volume: directory cycle at LSN {lsn}: it lists the directory at LSN {target}, \
                 which is itself or encloses it"
            ),
            Error::TooDeep { lsn, limit } => {
                write!(f, "corrupt ISO9660 volume: directory nesting deeper than {limit} levels at LSN {lsn}")
            }
            Error::TooLarge { what, value, limit, lsn } => {
                write!(f, "ISO9660 volume beyond the reader's limits at LSN {lsn}: {what} {value}, more than {limit}")
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for Error<E> {}

impl<E: embedded_io::Error> embedded_io::Error for Error<E> {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind;
        match self {
            Error::Io(error) => error.kind(),
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::NotADirectory { .. } | Error::NotAFile { .. } | Error::SeekBeforeStart { .. } => ErrorKind::InvalidInput,
            Error::Corrupt { .. } | Error::DirectoryCycle { .. } | Error::TooDeep { .. } | Error::TooLarge { .. } => {
                ErrorKind::InvalidData
            }
        }
    }
}

/// An opened ISO9660 volume.
pub struct Volume<R: SectorRead> {
    reader: R,
    /// The one sector buffer; `cached_lsn` says which sector it holds.
    sector: [u8; SECTOR_SIZE],
    cached_lsn: Option<u32>,
    root: DirEntry,
    volume_sectors: u32,
    volume_id: [u8; 32],
}

impl<R: SectorRead> Volume<R> {
    /// Reads the volume descriptors (from LSN 16 on) and checks the primary one.
    pub fn open(reader: R) -> Result<Self, Error<R::Error>> {
        let mut volume = Self {
            reader,
            sector: [0; SECTOR_SIZE],
            cached_lsn: None,
            root: DirEntry {
                lsn: 0,
                size: 0,
                is_dir: true,
                name: IsoName::from_bytes(b""),
                recorded: [0; 7],
            },
            volume_sectors: 0,
            volume_id: [b' '; 32],
        };
        for lsn in FIRST_DESCRIPTOR_LSN..FIRST_DESCRIPTOR_LSN + MAX_DESCRIPTORS {
            volume.load_sector(lsn)?;
            if &volume.sector[1..6] != b"CD001" {
                return Err(corrupt("no ISO9660 volume descriptor (CD001) here", lsn));
            }
            match volume.sector[0] {
                1 => return volume.read_primary_descriptor(lsn).map(|()| volume),
                255 => return Err(corrupt("descriptor set ends before a primary volume descriptor", lsn)),
                _ => {}
            }
        }
        Err(corrupt("no primary volume descriptor among the first descriptors", FIRST_DESCRIPTOR_LSN))
    }

    /// Decodes the primary volume descriptor held in the sector buffer.
    fn read_primary_descriptor(&mut self, lsn: u32) -> Result<(), Error<R::Error>> {
        let descriptor = &self.sector;
        if le_u16(descriptor, 128) != Some(SECTOR_SIZE as u16) {
            return Err(corrupt("logical block size is not 2048", lsn));
        }
        let volume_sectors = le_u32(descriptor, 80).unwrap_or(0);
        if volume_sectors <= FIRST_DESCRIPTOR_LSN {
            return Err(corrupt("volume space size too small", lsn));
        }
        let root_len = usize::from(descriptor[156]);
        let root = match descriptor.get(156..156 + root_len).and_then(parse_record) {
            Some(Record::SelfOrParent(root)) if root.is_dir => root,
            _ => return Err(corrupt("root directory record is invalid", lsn)),
        };
        self.volume_id.copy_from_slice(&descriptor[40..72]);
        self.volume_sectors = volume_sectors;
        self.root = DirEntry { name: IsoName::from_bytes(b""), ..root };
        self.check_extent(&self.root)?;
        Ok(())
    }

    /// The root directory.
    pub fn root(&self) -> DirEntry {
        self.root
    }

    /// Size of the volume in sectors, as the primary volume descriptor states it.
    pub fn volume_sectors(&self) -> u32 {
        self.volume_sectors
    }

    /// The volume identifier with its space padding removed.
    pub fn volume_id(&self) -> &str {
        let id = core::str::from_utf8(&self.volume_id).unwrap_or("");
        id.trim_end_matches([' ', '\0'])
    }

    /// The sector source, e.g. to issue other commands to the drive between look-ups.
    pub fn reader_mut(&mut self) -> &mut R {
        // Invalidate the cached sector: the caller may reposition or change what the source returns.
        self.cached_lsn = None;
        &mut self.reader
    }

    /// Gives the sector source back.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Lists a directory's entries (without `.` and `..`), reading every sector of it.
    /// Fails with [`Error::NotADirectory`] when `dir` is a file.
    pub fn read_dir(&mut self, dir: &DirEntry) -> Result<ReadDir<'_, R>, Error<R::Error>> {
        if !dir.is_dir {
            return Err(Error::NotADirectory { component: ComponentName::from_bytes(dir.name.identifier()) });
        }
        self.check_directory(dir)?;
        Ok(ReadDir { volume: self, lsn: dir.lsn, size: dir.size, offset: 0, finished: false })
    }

    /// Walks the whole directory tree depth-first from the root, yielding every entry (files and
    /// directories, without `.` and `..`) with its depth. Without a heap and in bounded time: see
    /// [`Walk`] for the checks that stop a corrupt tree with an error.
    pub fn walk(&mut self) -> Result<Walk<'_, R>, Error<R::Error>> {
        Walk::new(self)
    }

    /// Looks a path up: components separated by `\` or `/`, an optional device prefix ending in
    /// `:`, compared case-insensitively and without `;version`. An empty path (or `\`) is the
    /// root directory.
    pub fn find(&mut self, path: &str) -> Result<DirEntry, Error<R::Error>> {
        let path = path.as_bytes();
        let path = match path.iter().position(|&byte| byte == b':') {
            Some(colon) => &path[colon + 1..],
            None => path,
        };
        let mut current = self.root;
        // The directories entered so far: a path through a corrupt disc can loop back (`A/B/A/B/...`).
        let mut ancestors = [0u32; MAX_DIRECTORY_LEVELS];
        ancestors[0] = current.lsn;
        let mut levels = 1;
        for component in path.split(|&byte| byte == b'\\' || byte == b'/') {
            if component.is_empty() || component == b"." {
                continue;
            }
            if !current.is_dir {
                return Err(Error::NotADirectory { component: ComponentName::from_bytes(current.name.identifier()) });
            }
            let next = self.find_in(&current, component)?;
            if next.is_dir {
                if ancestors[..levels].contains(&next.lsn) {
                    return Err(Error::DirectoryCycle { lsn: current.lsn, target: next.lsn });
                }
                if levels == MAX_DIRECTORY_LEVELS {
                    return Err(Error::TooDeep { lsn: next.lsn, limit: MAX_DIRECTORY_LEVELS });
                }
                ancestors[levels] = next.lsn;
                levels += 1;
            }
            current = next;
        }
        Ok(current)
    }

    /// Looks one name up in a directory.
    fn find_in(&mut self, dir: &DirEntry, component: &[u8]) -> Result<DirEntry, Error<R::Error>> {
        for entry in self.read_dir(dir)? {
            let entry = entry?;
            if entry.name.matches(component) {
                return Ok(entry);
            }
        }
        Err(Error::NotFound { component: ComponentName::from_bytes(component) })
    }

    /// Reads bytes of a file starting at byte `offset`; returns how many were read (fewer than
    /// `buf.len()` only at the end of the file, 0 at or past it). Whole aligned sectors go
    /// straight into `buf`; only partial sectors pass through the internal buffer.
    pub fn read_at(&mut self, entry: &DirEntry, offset: u64, buf: &mut [u8]) -> Result<usize, Error<R::Error>> {
        let size = u64::from(entry.size);
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        self.check_extent(entry)?;
        let length = (size - offset).min(buf.len() as u64) as usize;
        let sector_size = SECTOR_SIZE as u64;
        let mut done = 0;
        while done < length {
            let position = offset + done as u64;
            // In range: check_extent proved that every sector of the extent is a valid u32 LSN.
            let lsn = entry.lsn + (position / sector_size) as u32;
            let in_sector = (position % sector_size) as usize;
            let remaining = length - done;
            if in_sector == 0 && remaining >= SECTOR_SIZE {
                let whole = remaining / SECTOR_SIZE * SECTOR_SIZE;
                self.reader.read_sectors(lsn, &mut buf[done..done + whole]).map_err(Error::Io)?;
                done += whole;
            } else {
                self.load_sector(lsn)?;
                let take = (SECTOR_SIZE - in_sector).min(remaining);
                buf[done..done + take].copy_from_slice(&self.sector[in_sector..in_sector + take]);
                done += take;
            }
        }
        Ok(length)
    }

    /// Fails unless the entry's whole extent lies inside the volume.
    fn check_extent(&self, entry: &DirEntry) -> Result<(), Error<R::Error>> {
        let end = u64::from(entry.lsn) + u64::from(entry.sectors());
        if entry.size > 0 && end > u64::from(self.volume_sectors) {
            let what = if entry.is_dir { "directory extends past the end of the volume" } else { "file extends past the end of the volume" };
            return Err(corrupt(what, entry.lsn));
        }
        Ok(())
    }

    /// Fails unless a directory lies inside the volume and within [`MAX_DIRECTORY_BYTES`].
    fn check_directory(&self, dir: &DirEntry) -> Result<(), Error<R::Error>> {
        if dir.size > MAX_DIRECTORY_BYTES {
            return Err(Error::TooLarge {
                what: "directory size in bytes",
                value: u64::from(dir.size),
                limit: u64::from(MAX_DIRECTORY_BYTES),
                lsn: dir.lsn,
            });
        }
        self.check_extent(dir)
    }

    /// Decodes the record at `*offset` in the directory extent `lsn` + `size` (which the caller
    /// checked with [`Self::check_directory`]) and moves `offset` past it; `None` at the end.
    fn next_record(&mut self, lsn: u32, size: u32, offset: &mut u32) -> Result<Option<Record>, Error<R::Error>> {
        while *offset < size {
            // In range: the caller checked that the whole extent lies inside the volume.
            let record_lsn = lsn + *offset / SECTOR_SIZE as u32;
            let in_sector = *offset as usize % SECTOR_SIZE;
            self.load_sector(record_lsn)?;
            let record_len = usize::from(self.sector[in_sector]);
            if record_len == 0 {
                // The rest of this sector is padding; records never cross sector boundaries.
                // No overflow: the extent is at most MAX_DIRECTORY_BYTES long.
                *offset = (*offset / SECTOR_SIZE as u32 + 1) * SECTOR_SIZE as u32;
                continue;
            }
            let record = self
                .sector
                .get(in_sector..in_sector + record_len)
                .ok_or(corrupt("directory record crosses a sector boundary", record_lsn))?;
            let parsed = parse_record(record).ok_or(corrupt("malformed directory record", record_lsn))?;
            *offset += record_len as u32;
            return Ok(Some(parsed));
        }
        Ok(None)
    }

    /// Makes the sector buffer hold `lsn`.
    fn load_sector(&mut self, lsn: u32) -> Result<(), Error<R::Error>> {
        if self.cached_lsn != Some(lsn) {
            // A failed read may leave the buffer half-written.
            self.cached_lsn = None;
            self.reader.read_sectors(lsn, &mut self.sector).map_err(Error::Io)?;
            self.cached_lsn = Some(lsn);
        }
        Ok(())
    }
}

fn corrupt<E>(what: &'static str, lsn: u32) -> Error<E> {
    Error::Corrupt { what, lsn }
}

/// Iterator over a directory's entries, from [`Volume::read_dir`]. Stops after the first error.
pub struct ReadDir<'volume, R: SectorRead> {
    volume: &'volume mut Volume<R>,
    lsn: u32,
    size: u32,
    /// Byte offset of the next record within the directory extent.
    offset: u32,
    finished: bool,
}

impl<R: SectorRead> ReadDir<'_, R> {
    fn next_entry(&mut self) -> Result<Option<DirEntry>, Error<R::Error>> {
        loop {
            match self.volume.next_record(self.lsn, self.size, &mut self.offset)? {
                None => return Ok(None),
                Some(Record::SelfOrParent(_)) => continue,
                Some(Record::Entry(entry)) => return Ok(Some(entry)),
            }
        }
    }
}

impl<R: SectorRead> Iterator for ReadDir<'_, R> {
    type Item = Result<DirEntry, Error<R::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = self.next_entry().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.finished = true;
        }
        result
    }
}
