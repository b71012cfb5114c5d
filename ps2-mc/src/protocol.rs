//! The XMCSERV wire format as ps2sdk's `libmc` uses it (memory-card-fileio.md §1): function numbers, the
//! 48-byte `mcDescParam_t` and 0x414-byte `mcNameParam_t` requests, the 64-byte `sceMcTblGetDir`.

/// The RPC server id of MCSERV and XMCSERV.
pub const SID: u32 = 0x8000_0400;

/// XMCSERV function numbers.
pub mod function {
    /// Init: replies `{result, mcserv version, mcman version}`.
    pub const INIT: u32 = 0xFE;
    /// GetInfo (the 192-byte end block with the formatted flag).
    pub const GET_INFO: u32 = 0x01;
    /// Open (flags `0x40`: mkdir).
    pub const OPEN: u32 = 0x02;
    /// Close.
    pub const CLOSE: u32 = 0x03;
    /// Seek.
    pub const SEEK: u32 = 0x04;
    /// Read (64-byte head/tail in the end block).
    pub const READ: u32 = 0x05;
    /// Write (up to 16 head bytes inline).
    pub const WRITE: u32 = 0x06;
    /// Flush.
    pub const FLUSH: u32 = 0x0A;
    /// ChDir.
    pub const CH_DIR: u32 = 0x0C;
    /// GetDir.
    pub const GET_DIR: u32 = 0x0D;
    /// SetFileInfo (flag `0x10`: rename).
    pub const SET_FILE_INFO: u32 = 0x0E;
    /// Delete.
    pub const DELETE: u32 = 0x0F;
    /// Format.
    pub const FORMAT: u32 = 0x10;
    /// Unformat.
    pub const UNFORMAT: u32 = 0x11;
}

/// Open flags (MCMAN `mcman_open2`).
pub mod open {
    /// Read.
    pub const READ: u32 = 0x0001;
    /// Write.
    pub const WRITE: u32 = 0x0002;
    /// Create a directory (mkdir).
    pub const MKDIR: u32 = 0x0040;
    /// Create (an existing file is emptied).
    pub const CREATE: u32 = 0x0200;
}

/// SetFileInfo flag: rename to the table's name.
pub const SET_INFO_RENAME: u32 = 0x10;
/// Mode bit of a file closed properly after writing.
pub const MODE_CLOSED: u16 = 0x0080;
/// Mode bit of a directory.
pub const MODE_DIRECTORY: u16 = 0x0020;
/// Longest path the name request carries (1023 bytes and a NUL).
pub const MAX_PATH: usize = 1023;
/// Longest entry name (31 bytes and a NUL).
pub const MAX_NAME: usize = 31;
/// The oldest XMCSERV/XMCMAN libmc accepts (2.5 / 2.6).
pub const MIN_VERSIONS: (i32, i32) = (0x205, 0x206);

/// A 48-byte `mcDescParam_t`: `fd, port, slot, size, offset, origin, buffer, param, data[16]`.
#[allow(clippy::too_many_arguments)]
pub fn desc(fd: i32, port: u32, size: u32, offset: i32, origin: u32, buffer: u32, param: u32, data: &[u8]) -> [u8; 48] {
    let mut d = [0u8; 48];
    for (i, w) in [fd as u32, port, 0, size, offset as u32, origin, buffer, param].iter().enumerate() {
        d[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    let n = data.len().min(16);
    d[0x20..0x20 + n].copy_from_slice(&data[..n]);
    d
}

/// A `mcNameParam_t` (0x414 bytes): `port, slot, flags, maxent, ptr, name[1024]`.
pub fn name(port: u32, flags: u32, maxent: u32, ptr: u32, path: &str) -> Result<[u8; 0x414], crate::Error> {
    if path.len() > MAX_PATH {
        return Err(crate::Error::InvalidPath("longer than 1023 bytes"));
    }
    if path.bytes().any(|b| b == 0) {
        return Err(crate::Error::InvalidPath("contains a NUL byte"));
    }
    let mut n = [0u8; 0x414];
    for (i, w) in [port, 0, flags, maxent, ptr].iter().enumerate() {
        n[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    n[0x14..0x14 + path.len()].copy_from_slice(path.as_bytes());
    Ok(n)
}

/// A card's date and time (`sceMcStDateTime`; cards keep Japan time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
}

impl DateTime {
    fn from_bytes(b: &[u8]) -> DateTime {
        DateTime { second: b[1], minute: b[2], hour: b[3], day: b[4], month: b[5], year: u16::from_le_bytes([b[6], b[7]]) }
    }
}

/// A directory entry as GetDir reports it (`sceMcTblGetDir`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Name (up to 31 bytes).
    pub name: heapless_name::Name,
    /// Size in bytes (0 for directories).
    pub size: u32,
    /// Mode bits (`0x20` directory, `0x10` file, `0x80` closed properly after writing, ...).
    pub mode: u16,
    /// Creation time.
    pub created: DateTime,
    /// Modification time.
    pub modified: DateTime,
}

impl DirEntry {
    /// Decodes a 64-byte table entry.
    pub fn decode(t: &[u8; 64]) -> DirEntry {
        DirEntry {
            created: DateTime::from_bytes(&t[0..8]),
            modified: DateTime::from_bytes(&t[8..16]),
            size: u32::from_le_bytes(t[0x10..0x14].try_into().unwrap()),
            mode: u16::from_le_bytes([t[0x14], t[0x15]]),
            name: heapless_name::Name::from_field(&t[0x20..0x40]),
        }
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & MODE_DIRECTORY != 0
    }

    /// Whether a file was closed properly after its last write (MCMAN sets mode bit `0x80` on close): a
    /// file without it was being written when the card was pulled or the console stopped.
    pub fn closed_properly(&self) -> bool {
        self.mode & MODE_CLOSED != 0
    }
}

/// A 64-byte table for SetFileInfo carrying only a new name.
pub fn rename_table(new_name: &str) -> Result<[u8; 64], crate::Error> {
    if new_name.is_empty() || new_name.len() > MAX_NAME || new_name.bytes().any(|b| b == 0 || b == b'/') {
        return Err(crate::Error::InvalidPath("a name is 1-31 bytes without '/' or NUL"));
    }
    let mut t = [0u8; 64];
    t[0x20..0x20 + new_name.len()].copy_from_slice(new_name.as_bytes());
    Ok(t)
}

/// Entry names without a heap: 31 bytes inline.
pub mod heapless_name {
    /// An entry name (at most 31 bytes).
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct Name {
        bytes: [u8; 32],
        len: u8,
    }

    impl Name {
        /// The name in a NUL-terminated 32-byte field.
        pub fn from_field(field: &[u8]) -> Name {
            let len = field.iter().take(31).position(|&b| b == 0).unwrap_or(field.len().min(31));
            let mut bytes = [0u8; 32];
            bytes[..len].copy_from_slice(&field[..len]);
            Name { bytes, len: len as u8 }
        }

        /// The name's bytes.
        pub fn as_bytes(&self) -> &[u8] {
            &self.bytes[..self.len as usize]
        }

        /// The name as text (`"?"` if it is not UTF-8).
        pub fn as_str(&self) -> &str {
            core::str::from_utf8(self.as_bytes()).unwrap_or("?")
        }
    }

    impl core::fmt::Debug for Name {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            core::fmt::Debug::fmt(self.as_str(), f)
        }
    }

    impl core::fmt::Display for Name {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str(self.as_str())
        }
    }

    impl PartialEq<&str> for Name {
        fn eq(&self, other: &&str) -> bool {
            self.as_bytes() == other.as_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_libmc_layouts() {
        let d = desc(2, 1, 100, -3, 2, 0x0012_3440, 0x0012_3500, b"abc");
        assert_eq!(d.len(), 48);
        assert_eq!(&d[0..4], &2u32.to_le_bytes());
        assert_eq!(&d[4..8], &1u32.to_le_bytes(), "+04 port");
        assert_eq!(&d[0x0C..0x10], &100u32.to_le_bytes(), "+0C size");
        assert_eq!(&d[0x10..0x14], &(-3i32).to_le_bytes(), "+10 offset");
        assert_eq!(&d[0x14..0x18], &2u32.to_le_bytes(), "+14 origin");
        assert_eq!(&d[0x18..0x1C], &0x0012_3440u32.to_le_bytes(), "+18 buffer");
        assert_eq!(&d[0x1C..0x20], &0x0012_3500u32.to_le_bytes(), "+1C param");
        assert_eq!(&d[0x20..0x23], b"abc", "+20 data");
        let n = name(0, 0x40, 7, 0x100, "/SAVE").unwrap();
        assert_eq!(n.len(), 0x414);
        assert_eq!(&n[8..12], &0x40u32.to_le_bytes(), "+08 flags");
        assert_eq!(&n[12..16], &7u32.to_le_bytes(), "+0C maxent");
        assert_eq!(&n[16..20], &0x100u32.to_le_bytes(), "+10 ptr");
        assert_eq!(&n[0x14..0x1A], b"/SAVE\0");
        assert!(name(0, 0, 0, 0, "a\0b").is_err());
    }

    #[test]
    fn table_entries_decode() {
        let mut t = [0u8; 64];
        t[8..16].copy_from_slice(&[0, 5, 4, 3, 2, 1, 0xEA, 0x07]);
        t[0x10..0x14].copy_from_slice(&1234u32.to_le_bytes());
        t[0x14..0x16].copy_from_slice(&0x8497u16.to_le_bytes());
        t[0x20..0x24].copy_from_slice(b"DATA");
        let e = DirEntry::decode(&t);
        assert_eq!(e.name, "DATA");
        assert_eq!((e.size, e.mode, e.is_dir(), e.closed_properly()), (1234, 0x8497, false, true));
        assert_eq!(e.modified, DateTime { year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5 });
    }

    #[test]
    fn codes_map_to_errors() {
        use crate::Error;
        assert_eq!(crate::error::check(3), Ok(3));
        assert_eq!(Error::from_code(-3), Some(Error::Full));
        assert_eq!(Error::from_code(-10), Some(Error::NoCard));
        assert_eq!(Error::from_code(-51), Some(Error::NoCard));
        assert_eq!(Error::from_code(-8), Some(Error::Other(-8)));
    }
}
