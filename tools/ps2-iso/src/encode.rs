//! Byte encodings of the ISO9660 structures the builder writes (ECMA-119 / `ps2-iop.md` §6.2-§6.3).

use crate::SECTOR_SIZE;

/// Directory-record flag for directories.
pub(crate) const FLAG_DIRECTORY: u8 = 1 << 1;

/// A recording date and time (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscDate {
    /// Full year, 1900-2155.
    pub year: u16,
    /// 1-12.
    pub month: u8,
    /// 1-31.
    pub day: u8,
    /// 0-23.
    pub hour: u8,
    /// 0-59.
    pub minute: u8,
    /// 0-59.
    pub second: u8,
}

impl DiscDate {
    /// The date written when none is chosen: images are reproducible byte for byte.
    pub const DEFAULT: DiscDate = DiscDate { year: 2000, month: 3, day: 4, hour: 0, minute: 0, second: 0 };

    /// The 7-byte form used in directory records.
    fn record_form(&self) -> [u8; 7] {
        let years_since_1900 = self.year.saturating_sub(1900).min(255) as u8;
        [years_since_1900, self.month, self.day, self.hour, self.minute, self.second, 0]
    }

    /// The 17-byte form used in the volume descriptor (`YYYYMMDDHHMMSScc` + GMT offset).
    fn descriptor_form(&self) -> [u8; 17] {
        let text = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}00",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        let mut form = [0; 17];
        form[..16].copy_from_slice(&text.as_bytes()[..16]);
        form
    }
}

/// Little-endian then big-endian copy of a `u32` ("both-byte order").
pub(crate) fn both_u32(value: u32) -> [u8; 8] {
    let mut bytes = [0; 8];
    bytes[..4].copy_from_slice(&value.to_le_bytes());
    bytes[4..].copy_from_slice(&value.to_be_bytes());
    bytes
}

/// Little-endian then big-endian copy of a `u16`.
fn both_u16(value: u16) -> [u8; 4] {
    let mut bytes = [0; 4];
    bytes[..2].copy_from_slice(&value.to_le_bytes());
    bytes[2..].copy_from_slice(&value.to_be_bytes());
    bytes
}

/// Length of the directory record for an identifier of `name_len` bytes (always even).
pub(crate) fn record_len(name_len: usize) -> usize {
    33 + name_len + (name_len + 1) % 2
}

/// Encodes a directory record.
pub(crate) fn directory_record(lsn: u32, size: u32, flags: u8, identifier: &[u8], date: &DiscDate) -> Vec<u8> {
    let mut record = vec![0; record_len(identifier.len())];
    record[0] = record.len() as u8;
    record[2..10].copy_from_slice(&both_u32(lsn));
    record[10..18].copy_from_slice(&both_u32(size));
    record[18..25].copy_from_slice(&date.record_form());
    record[25] = flags;
    record[28..32].copy_from_slice(&both_u16(1));
    record[32] = identifier.len() as u8;
    record[33..33 + identifier.len()].copy_from_slice(identifier);
    record
}

/// Packs directory records into sectors: a record never crosses a sector boundary; the rest of
/// a sector is zero (a zero length byte means "continue in the next sector").
pub(crate) fn pack_records(records: &[Vec<u8>]) -> Vec<u8> {
    let mut extent = Vec::new();
    for record in records {
        let used_in_sector = extent.len() % SECTOR_SIZE;
        if used_in_sector + record.len() > SECTOR_SIZE {
            extent.resize(extent.len() + SECTOR_SIZE - used_in_sector, 0);
        }
        extent.extend_from_slice(record);
    }
    let padded = extent.len().div_ceil(SECTOR_SIZE).max(1) * SECTOR_SIZE;
    extent.resize(padded, 0);
    extent
}

/// One directory's path-table record.
pub(crate) struct PathTableEntry<'a> {
    pub identifier: &'a [u8],
    pub lsn: u32,
    /// 1-based number of the parent directory (the root is its own parent).
    pub parent: u16,
}

/// Encodes a path table, little-endian (type L) or big-endian (type M).
pub(crate) fn path_table(entries: &[PathTableEntry<'_>], big_endian: bool) -> Vec<u8> {
    let mut table = Vec::new();
    for entry in entries {
        table.push(entry.identifier.len() as u8);
        table.push(0);
        if big_endian {
            table.extend_from_slice(&entry.lsn.to_be_bytes());
            table.extend_from_slice(&entry.parent.to_be_bytes());
        } else {
            table.extend_from_slice(&entry.lsn.to_le_bytes());
            table.extend_from_slice(&entry.parent.to_le_bytes());
        }
        table.extend_from_slice(entry.identifier);
        if entry.identifier.len() % 2 == 1 {
            table.push(0);
        }
    }
    table
}

/// Everything the primary volume descriptor records.
pub(crate) struct PrimaryDescriptor<'a> {
    pub volume_id: &'a str,
    pub volume_sectors: u32,
    pub path_table_size: u32,
    pub l_path_table_lsn: u32,
    pub m_path_table_lsn: u32,
    pub root_lsn: u32,
    pub root_size: u32,
    pub date: DiscDate,
}

/// Copies `text` into `field`, padding with spaces.
fn padded(field: &mut [u8], text: &str) {
    field.fill(b' ');
    let length = text.len().min(field.len());
    field[..length].copy_from_slice(&text.as_bytes()[..length]);
}

impl PrimaryDescriptor<'_> {
    /// Encodes the descriptor sector (LSN 16).
    pub fn encode(&self) -> [u8; SECTOR_SIZE] {
        let mut sector = [0; SECTOR_SIZE];
        sector[0] = 1;
        sector[1..6].copy_from_slice(b"CD001");
        sector[6] = 1;
        // Official PS2 discs carry this system identifier.
        padded(&mut sector[8..40], "PLAYSTATION");
        padded(&mut sector[40..72], self.volume_id);
        sector[80..88].copy_from_slice(&both_u32(self.volume_sectors));
        sector[120..124].copy_from_slice(&both_u16(1)); // volume set size
        sector[124..128].copy_from_slice(&both_u16(1)); // volume sequence number
        sector[128..132].copy_from_slice(&both_u16(SECTOR_SIZE as u16));
        sector[132..140].copy_from_slice(&both_u32(self.path_table_size));
        sector[140..144].copy_from_slice(&self.l_path_table_lsn.to_le_bytes());
        sector[148..152].copy_from_slice(&self.m_path_table_lsn.to_be_bytes());
        let root = directory_record(self.root_lsn, self.root_size, FLAG_DIRECTORY, &[0], &self.date);
        sector[156..156 + root.len()].copy_from_slice(&root);
        padded(&mut sector[190..318], ""); // volume set
        padded(&mut sector[318..446], ""); // publisher
        padded(&mut sector[446..574], ""); // data preparer
        padded(&mut sector[574..702], "PS2-RS DISC BUILDER");
        padded(&mut sector[702..813], ""); // copyright, abstract, bibliographic files
        let date = self.date.descriptor_form();
        sector[813..830].copy_from_slice(&date); // creation
        sector[830..847].copy_from_slice(&date); // modification
        sector[847..863].fill(b'0'); // expiration: not specified
        sector[864..880].fill(b'0'); // effective: not specified
        sector[881] = 1; // file structure version
        sector
    }
}

/// The volume descriptor set terminator.
pub(crate) fn terminator() -> [u8; SECTOR_SIZE] {
    let mut sector = [0; SECTOR_SIZE];
    sector[0] = 255;
    sector[1..6].copy_from_slice(b"CD001");
    sector[6] = 1;
    sector
}
