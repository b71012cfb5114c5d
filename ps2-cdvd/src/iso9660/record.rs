//! Decoding of the on-disc structures: directory records and the primary volume descriptor.
//! Every accessor checks its bounds, so arbitrary bytes decode to an error, never a panic.

use super::{DirEntry, IsoName};

/// Bytes of a directory record before its file identifier.
pub(crate) const RECORD_HEADER_LEN: usize = 33;

/// Directory-record flag: the entry is a directory.
const FLAG_DIRECTORY: u8 = 1 << 1;

/// Reads a little-endian `u32` at `offset`, if the slice is long enough.
pub(crate) fn le_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let field = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
}

/// Reads a little-endian `u16` at `offset`, if the slice is long enough.
pub(crate) fn le_u16(bytes: &[u8], offset: usize) -> Option<u16> {
    let field = bytes.get(offset..offset.checked_add(2)?)?;
    Some(u16::from_le_bytes([field[0], field[1]]))
}

/// What one directory record holds, before the caller decides whether to skip it.
pub(crate) enum Record {
    /// The `.` (self) or `..` (parent) entry; the root directory record in the volume
    /// descriptor has this form too.
    SelfOrParent(DirEntry),
    /// An ordinary entry.
    Entry(DirEntry),
}

/// Decodes the directory record that `record` exactly spans (its length byte included).
/// Returns `None` when the record is malformed.
pub(crate) fn parse_record(record: &[u8]) -> Option<Record> {
    if record.len() < RECORD_HEADER_LEN + 1 || usize::from(record[0]) != record.len() {
        return None;
    }
    let lsn = le_u32(record, 2)?;
    let size = le_u32(record, 10)?;
    let mut recorded = [0; 7];
    recorded.copy_from_slice(record.get(18..25)?);
    let flags = record[25];
    let name_len = usize::from(record[32]);
    let name = record.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + name_len)?;
    if name.is_empty() {
        return None;
    }
    let entry = DirEntry {
        lsn,
        size,
        is_dir: flags & FLAG_DIRECTORY != 0,
        name: IsoName::from_bytes(name),
        recorded,
    };
    if name == [0] || name == [1] {
        return Some(Record::SelfOrParent(entry));
    }
    Some(Record::Entry(entry))
}
