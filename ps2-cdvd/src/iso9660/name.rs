//! File identifiers as stored on disc, and the lenient comparison used for look-ups.

use core::fmt;

/// Longest identifier a directory record can hold: a record is at most 255 bytes and its fixed
/// part takes 33 of them.
pub const MAX_NAME_LEN: usize = 222;

/// A file identifier exactly as recorded on disc (for example `SYSTEM.CNF;1` or `MODEL`), stored
/// inline so that the reader needs no allocator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IsoName {
    bytes: [u8; MAX_NAME_LEN],
    len: u8,
}

impl IsoName {
    /// Builds a name from raw bytes; anything beyond [`MAX_NAME_LEN`] bytes is cut off (only
    /// error messages ever see such names, since no record can hold them).
    pub fn from_bytes(raw: &[u8]) -> Self {
        let len = raw.len().min(MAX_NAME_LEN);
        let mut bytes = [0; MAX_NAME_LEN];
        bytes[..len].copy_from_slice(&raw[..len]);
        Self { bytes, len: len as u8 }
    }

    /// The identifier as recorded, including any `;1` version suffix.
    pub fn identifier(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The name without its `;version` suffix and without the trailing `.` that ISO9660 writes
    /// for files that have no extension (`README.;1` → `README`).
    ///
    /// Identifiers are ASCII on PS2 discs; should a corrupt one not be valid UTF-8, only its
    /// valid leading part is returned.
    pub fn as_str(&self) -> &str {
        let base = strip_version(self.identifier());
        match core::str::from_utf8(base) {
            Ok(text) => text,
            // `valid_up_to` marks a char boundary, so the prefix is valid UTF-8.
            Err(error) => core::str::from_utf8(&base[..error.valid_up_to()]).unwrap_or(""),
        }
    }

    /// Whether this name matches a path component: ASCII case-insensitive, ignoring a `;version`
    /// suffix and a trailing `.` on either side (`file.bin` matches `FILE.BIN;1`).
    pub fn matches(&self, component: &[u8]) -> bool {
        strip_version(self.identifier()).eq_ignore_ascii_case(strip_version(component))
    }
}

/// Removes `;version` and then one trailing `.`.
fn strip_version(name: &[u8]) -> &[u8] {
    let base = match name.iter().position(|&byte| byte == b';') {
        Some(semicolon) => &name[..semicolon],
        None => name,
    };
    base.strip_suffix(b".").unwrap_or(base)
}

impl fmt::Debug for IsoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self)
    }
}

impl fmt::Display for IsoName {
    /// Shows the identifier as recorded (with its version), escaping non-ASCII bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.identifier() {
            if byte.is_ascii_graphic() || byte == b' ' {
                write!(f, "{}", byte as char)?;
            } else {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

/// A path component named in an error, kept short so that errors stay small (names on PS2
/// discs have at most 14 characters); longer names are cut and marked as such.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ComponentName {
    bytes: [u8; Self::CAPACITY],
    len: u8,
    truncated: bool,
}

impl ComponentName {
    /// How many bytes are kept.
    pub const CAPACITY: usize = 32;

    /// Keeps the first [`Self::CAPACITY`] bytes of `raw`.
    pub fn from_bytes(raw: &[u8]) -> Self {
        let len = raw.len().min(Self::CAPACITY);
        let mut bytes = [0; Self::CAPACITY];
        bytes[..len].copy_from_slice(&raw[..len]);
        Self { bytes, len: len as u8, truncated: raw.len() > Self::CAPACITY }
    }

    /// The (possibly cut) bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Whether the name was longer than [`Self::CAPACITY`] bytes.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Debug for ComponentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self)
    }
}

impl fmt::Display for ComponentName {
    /// The name, non-ASCII bytes escaped, `...` appended when cut.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&IsoName::from_bytes(self.as_bytes()), f)?;
        if self.truncated {
            write!(f, "...")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_case_version_and_trailing_dot() {
        let name = IsoName::from_bytes(b"FILE.BIN;1");
        assert!(name.matches(b"file.bin"));
        assert!(name.matches(b"FILE.BIN;1"));
        assert!(name.matches(b"File.Bin;2"));
        assert!(!name.matches(b"FILE.BI"));
        assert!(!name.matches(b"FILE.BINX"));
        assert_eq!(name.as_str(), "FILE.BIN");

        let no_extension = IsoName::from_bytes(b"README.;1");
        assert!(no_extension.matches(b"readme"));
        assert_eq!(no_extension.as_str(), "README");
    }

    #[test]
    fn overlong_and_non_utf8_names_are_handled() {
        let long = IsoName::from_bytes(&[b'A'; 300]);
        assert_eq!(long.identifier().len(), MAX_NAME_LEN);
        let broken = IsoName::from_bytes(b"AB\xffCD;1");
        assert_eq!(broken.as_str(), "AB");
        extern crate std;
        use std::string::ToString;
        assert_eq!(broken.to_string(), "AB\\xffCD;1");
    }
}
