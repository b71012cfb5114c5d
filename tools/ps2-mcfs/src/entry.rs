//! Directory entries (512 bytes each, two per cluster), their mode bits and time stamps.

/// Mode bits of a directory entry (Ridge's mode table; ps2sdk `mcman`).
pub mod mode {
    /// Readable.
    pub const READ: u16 = 0x0001;
    /// Writable.
    pub const WRITE: u16 = 0x0002;
    /// Executable.
    pub const EXECUTE: u16 = 0x0004;
    /// Copy-protected (honoured by the browser only).
    pub const PROTECTED: u16 = 0x0008;
    /// A file.
    pub const FILE: u16 = 0x0010;
    /// A directory.
    pub const DIRECTORY: u16 = 0x0020;
    /// Set when a file written since it was opened has been closed properly.
    pub const CLOSED: u16 = 0x0080;
    /// Set on every entry MCMAN creates.
    pub const CREATED: u16 = 0x0400;
    /// A PocketStation application.
    pub const POCKETSTATION: u16 = 0x0800;
    /// A PlayStation save.
    pub const PS1: u16 = 0x1000;
    /// Hidden.
    pub const HIDDEN: u16 = 0x2000;
    /// The entry exists (clear: deleted).
    pub const EXISTS: u16 = 0x8000;
    /// A new file: exists, created, file, read/write/execute (`0x8417`).
    pub const NEW_FILE: u16 = EXISTS | CREATED | FILE | READ | WRITE | EXECUTE;
    /// A new directory: exists, created, directory, read/write/execute (`0x8427`).
    pub const NEW_DIRECTORY: u16 = EXISTS | CREATED | DIRECTORY | READ | WRITE | EXECUTE;
    /// The root's ".." entry: exists, hidden, created, directory, write/execute (`0xA426`).
    pub const ROOT_PARENT: u16 = EXISTS | HIDDEN | CREATED | DIRECTORY | WRITE | EXECUTE;
}

/// Size of a directory entry.
pub const ENTRY_SIZE: usize = 512;
/// Longest name (the name field is 32 bytes, NUL-terminated).
pub const MAX_NAME: usize = 31;
/// The "empty file" cluster value: no cluster chain.
pub const NO_CLUSTER: u32 = 0xFFFF_FFFF;

/// Field offsets inside a directory entry (Ridge; ps2sdk `McFsEntry`).
pub(crate) mod off {
    pub const MODE: usize = 0x00;
    pub const LENGTH: usize = 0x04;
    pub const CREATED: usize = 0x08;
    pub const CLUSTER: usize = 0x10;
    pub const DIR_ENTRY: usize = 0x14;
    pub const MODIFIED: usize = 0x18;
    pub const ATTR: usize = 0x20;
    pub const NAME: usize = 0x40;
}

/// A time stamp as the card stores it (8 bytes: reserved, second, minute, hour, day, month, year as
/// u16). Cards keep Japan time (UTC+9) by convention; this type does no conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Timestamp {
    /// Year (e.g. 2026).
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day of the month, 1-31.
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute, 0-59.
    pub minute: u8,
    /// Second, 0-59.
    pub second: u8,
}

impl Timestamp {
    /// The time MCMAN uses when the console's clock is invalid: 2000-03-04 00:00:00.
    pub const MCMAN_FALLBACK: Timestamp = Timestamp { year: 2000, month: 3, day: 4, hour: 0, minute: 0, second: 0 };

    /// Decodes the 8-byte on-card form.
    pub fn from_bytes(b: [u8; 8]) -> Timestamp {
        Timestamp { second: b[1], minute: b[2], hour: b[3], day: b[4], month: b[5], year: u16::from_le_bytes([b[6], b[7]]) }
    }

    /// Encodes the 8-byte on-card form.
    pub fn to_bytes(self) -> [u8; 8] {
        let y = self.year.to_le_bytes();
        [0, self.second, self.minute, self.hour, self.day, self.month, y[0], y[1]]
    }

    /// The time `unix_seconds` after 1970-01-01 00:00:00 UTC, shifted to Japan time (UTC+9).
    pub fn from_unix_japan(unix_seconds: u64) -> Timestamp {
        let t = unix_seconds + 9 * 3600;
        let (days, secs) = ((t / 86_400) as i64, t % 86_400);
        // Days to civil date (Howard Hinnant's algorithm, proleptic Gregorian).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Timestamp { year, month, day, hour: (secs / 3600) as u8, minute: (secs / 60 % 60) as u8, second: (secs % 60) as u8 }
    }
}

impl core::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", self.year, self.month, self.day, self.hour, self.minute, self.second)
    }
}

/// A decoded directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// Name (bytes up to the first NUL; names are ASCII in practice).
    pub name: String,
    /// Mode bits ([`mode`]).
    pub mode: u16,
    /// File: size in bytes. Directory: number of entries including "." and "..".
    pub length: u32,
    /// Creation time.
    pub created: Timestamp,
    /// Last modification time.
    pub modified: Timestamp,
    /// First cluster (relative to the allocatable area), or [`NO_CLUSTER`] for an empty file.
    pub cluster: u32,
    /// In a "." entry: the index of this directory's entry in its parent.
    pub dir_entry: u32,
    /// The user attribute word.
    pub attr: u32,
}

impl DirEntry {
    /// Whether the entry is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & mode::DIRECTORY != 0
    }

    /// Whether the entry exists (not deleted).
    pub fn exists(&self) -> bool {
        self.mode & mode::EXISTS != 0
    }

    /// Decodes a 512-byte entry.
    pub fn decode(b: &[u8]) -> DirEntry {
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let name_field = &b[off::NAME..off::NAME + 32];
        let end = name_field.iter().position(|&c| c == 0).unwrap_or(32);
        DirEntry {
            name: String::from_utf8_lossy(&name_field[..end]).into_owned(),
            mode: u16::from_le_bytes([b[0], b[1]]),
            length: u32_at(off::LENGTH),
            created: Timestamp::from_bytes(b[off::CREATED..off::CREATED + 8].try_into().unwrap()),
            modified: Timestamp::from_bytes(b[off::MODIFIED..off::MODIFIED + 8].try_into().unwrap()),
            cluster: u32_at(off::CLUSTER),
            dir_entry: u32_at(off::DIR_ENTRY),
            attr: u32_at(off::ATTR),
        }
    }

    /// Encodes the entry into 512 bytes (unused fields zero).
    pub fn encode(&self) -> [u8; ENTRY_SIZE] {
        let mut b = [0u8; ENTRY_SIZE];
        b[off::MODE..off::MODE + 2].copy_from_slice(&self.mode.to_le_bytes());
        b[off::LENGTH..off::LENGTH + 4].copy_from_slice(&self.length.to_le_bytes());
        b[off::CREATED..off::CREATED + 8].copy_from_slice(&self.created.to_bytes());
        b[off::CLUSTER..off::CLUSTER + 4].copy_from_slice(&self.cluster.to_le_bytes());
        b[off::DIR_ENTRY..off::DIR_ENTRY + 4].copy_from_slice(&self.dir_entry.to_le_bytes());
        b[off::MODIFIED..off::MODIFIED + 8].copy_from_slice(&self.modified.to_bytes());
        b[off::ATTR..off::ATTR + 4].copy_from_slice(&self.attr.to_le_bytes());
        let name = self.name.as_bytes();
        let n = name.len().min(MAX_NAME);
        b[off::NAME..off::NAME + n].copy_from_slice(&name[..n]);
        b
    }
}

/// Why a name cannot be stored on a card, or `None` if it can: 1-31 bytes, not "." or "..", no
/// `/`, `?`, `*` and no control bytes (Ridge; ps2sdk `mcman_chrpos`/`McSetFileInfo` checks).
pub fn invalid_name_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty")
    } else if name.len() > MAX_NAME {
        Some("longer than 31 bytes")
    } else if name == "." || name == ".." {
        Some("reserved")
    } else if name.bytes().any(|c| c < 0x20 || matches!(c, b'/' | b'?' | b'*')) {
        Some("contains '/', '?', '*' or a control character")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_to_japan_time() {
        // 2000-03-03 15:00:00 UTC (2000-01-01 is day 10 957; + 31 + 29 + 2 = day 11 019) is
        // 2000-03-04 00:00:00 in Japan.
        assert_eq!(Timestamp::from_unix_japan(11_019 * 86_400 + 54_000), Timestamp::MCMAN_FALLBACK);
        // 2024-02-29 23:59:59 UTC (2024-01-01 is day 19 723; + 31 + 28 = day 19 782).
        let t = Timestamp::from_unix_japan(19_782 * 86_400 + 86_399);
        assert_eq!(t, Timestamp { year: 2024, month: 3, day: 1, hour: 8, minute: 59, second: 59 });
    }

    #[test]
    fn entry_round_trips_at_the_published_offsets() {
        let e = DirEntry {
            name: "BASLUS-12345".into(),
            mode: mode::NEW_DIRECTORY,
            length: 2,
            created: Timestamp::MCMAN_FALLBACK,
            modified: Timestamp { year: 2026, month: 12, day: 4, hour: 1, minute: 2, second: 3 },
            cluster: 7,
            dir_entry: 3,
            attr: 0xAABB,
        };
        let b = e.encode();
        assert_eq!(&b[0..2], &[0x27, 0x84]);
        assert_eq!(&b[0x08..0x10], &[0, 0, 0, 0, 4, 3, 0xD0, 0x07]);
        assert_eq!(&b[0x18..0x20], &[0, 3, 2, 1, 4, 12, 0xEA, 0x07]);
        assert_eq!(&b[0x40..0x4D], b"BASLUS-12345\0");
        assert_eq!(DirEntry::decode(&b), e);
    }
}
