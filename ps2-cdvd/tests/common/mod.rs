//! Hand-made ISO9660 images for the reader's tests, written field by field from ECMA-119 (§8.4 the
//! primary volume descriptor, §9.1 directory records), so that they can hold what no disc builder
//! writes: cycles, shared directories, absurd sizes, deep trees.
#![allow(dead_code)]

pub const SECTOR: usize = 2048;

/// LSN of the root directory in [`Image::new`].
pub const ROOT: u32 = 18;

/// Directory-record flag bit 1: a directory.
const DIRECTORY: u8 = 1 << 1;

/// One record of a directory: identifier, extent, size, whether it is a directory.
#[derive(Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub lsn: u32,
    pub size: u32,
    pub is_dir: bool,
}

/// A subdirectory record (one sector long).
pub fn dir(name: &str, lsn: u32) -> Entry {
    Entry { name: name.as_bytes().to_vec(), lsn, size: SECTOR as u32, is_dir: true }
}

/// A file record.
pub fn file(name: &str, lsn: u32, size: u32) -> Entry {
    Entry { name: name.as_bytes().to_vec(), lsn, size, is_dir: false }
}

/// Writes `value` both-endian (ECMA-119 §7.3.3): little-endian, then big-endian.
fn both_endian(bytes: &mut [u8], value: u32) {
    bytes[..4].copy_from_slice(&value.to_le_bytes());
    bytes[4..8].copy_from_slice(&value.to_be_bytes());
}

/// A directory record (ECMA-119 §9.1), padded to an even length.
pub fn record(entry: &Entry) -> Vec<u8> {
    let len = 33 + entry.name.len() + (entry.name.len() + 1) % 2;
    let mut record = vec![0u8; len];
    record[0] = len as u8;
    both_endian(&mut record[2..10], entry.lsn);
    both_endian(&mut record[10..18], entry.size);
    record[18..25].copy_from_slice(&[126, 12, 4, 12, 0, 0, 0]); // 2026-12-04 12:00:00 GMT
    record[25] = if entry.is_dir { DIRECTORY } else { 0 };
    record[28] = 1; // volume sequence number 1, both-endian 16-bit
    record[31] = 1;
    record[32] = entry.name.len() as u8;
    record[33..33 + entry.name.len()].copy_from_slice(&entry.name);
    record
}

/// A whole image in memory.
pub struct Image {
    pub bytes: Vec<u8>,
}

impl Image {
    /// `sectors` zero sectors with a primary volume descriptor at LSN 16 (volume size `sectors`,
    /// root directory at [`ROOT`], one sector) and the set terminator at 17. The root's contents
    /// are up to the caller ([`Self::directory`]).
    pub fn new(sectors: u32) -> Image {
        let mut bytes = vec![0u8; sectors as usize * SECTOR];
        let pvd = &mut bytes[16 * SECTOR..17 * SECTOR];
        pvd[0] = 1;
        pvd[1..6].copy_from_slice(b"CD001");
        pvd[6] = 1;
        pvd[40..72].copy_from_slice(&[b' '; 32]);
        pvd[40..47].copy_from_slice(b"CRAFTED");
        both_endian(&mut pvd[80..88], sectors);
        pvd[120..124].copy_from_slice(&[1, 0, 0, 1]); // volume set size 1
        pvd[124..128].copy_from_slice(&[1, 0, 0, 1]); // volume sequence number 1
        pvd[128..132].copy_from_slice(&[0, 8, 8, 0]); // logical block size 2048
        let root = record(&Entry { name: vec![0], lsn: ROOT, size: SECTOR as u32, is_dir: true });
        pvd[156..156 + root.len()].copy_from_slice(&root);
        pvd[881] = 1; // file structure version
        let terminator = &mut bytes[17 * SECTOR..18 * SECTOR];
        terminator[0] = 255;
        terminator[1..6].copy_from_slice(b"CD001");
        terminator[6] = 1;
        Image { bytes }
    }

    /// Sets the volume space size the descriptor claims (the image keeps its length).
    pub fn claim_volume_sectors(&mut self, sectors: u32) {
        both_endian(&mut self.bytes[16 * SECTOR + 80..16 * SECTOR + 88], sectors);
    }

    /// Writes the directory at `lsn`: `.` (itself), `..` (`parent`), then `entries`, each record
    /// in the sector where it fits. Returns the directory's size in bytes (whole sectors).
    pub fn directory(&mut self, lsn: u32, parent: u32, entries: &[Entry]) -> u32 {
        let mut records = vec![
            record(&Entry { name: vec![0], lsn, size: SECTOR as u32, is_dir: true }),
            record(&Entry { name: vec![1], lsn: parent, size: SECTOR as u32, is_dir: true }),
        ];
        records.extend(entries.iter().map(record));
        let mut sector = 0;
        let mut offset = 0;
        for record in records {
            if offset + record.len() > SECTOR {
                sector += 1;
                offset = 0;
            }
            let at = (lsn as usize + sector) * SECTOR + offset;
            self.bytes[at..at + record.len()].copy_from_slice(&record);
            offset += record.len();
        }
        let size = (sector as u32 + 1) * SECTOR as u32;
        // The `.` record states the directory's own size.
        both_endian(&mut self.bytes[lsn as usize * SECTOR + 10..lsn as usize * SECTOR + 18], size);
        size
    }

    /// Writes file contents at `lsn`.
    pub fn file(&mut self, lsn: u32, data: &[u8]) {
        let at = lsn as usize * SECTOR;
        self.bytes[at..at + data.len()].copy_from_slice(data);
    }
}

/// A small valid tree: `\README.TXT`, `\DATA\MODEL.BIN` (5000 bytes), `\DATA\SUB\NOTE.TXT`, and
/// `\LIST` with 80 files (two sectors of records).
pub fn valid_image() -> Image {
    let mut image = Image::new(64);
    let list: Vec<Entry> = (0..80).map(|i| file(&format!("ITEM{i:02}.DAT;1"), 35, 1)).collect();
    let list_size = image.directory(21, ROOT, &list);
    assert_eq!(list_size, 2 * SECTOR as u32, "LIST takes two sectors");
    image.directory(ROOT, ROOT, &[dir("DATA", 19), Entry { size: list_size, ..dir("LIST", 21) }, file("README.TXT;1", 30, 11)]);
    image.directory(19, ROOT, &[file("MODEL.BIN;1", 31, 5000), dir("SUB", 20)]);
    image.directory(20, 19, &[file("NOTE.TXT;1", 34, 4)]);
    image.file(30, b"hello disc\n");
    image.file(31, &(0..5000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    image.file(34, b"note");
    image.file(35, b"x");
    image
}
