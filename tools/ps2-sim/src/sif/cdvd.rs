//! CDVDFSV, the IOP's CD/DVD RPC servers (reference ps2-iop.md §5), over the booted disc image.
//!
//! Reads take simulated time from `ps2_iso::drive::DriveModel` (24× CD / 4× DVD CAV, seeks):
//! the reply to an N-command read is held back until the drive would have finished, so
//! streaming code sees realistic latency. Sector data is written straight into the EE buffer
//! (whole transfer, any alignment), so the "unaligned remainder" area receives empty fragment
//! lengths and the EE's fix-up copies nothing; `curReadPos` receives the byte count. What the
//! READ's reply word holds is selectable ([`ReadReply`]): real modules and other emulators differ.
//!
//! `sceCdSearchFile` is the ROM CDVDMAN's search with the ROM's limits ([`rom`]), not a full
//! ISO9660 walk. The protocol's numbers and layouts below are written from the references
//! (ps2-iop.md §5, ps2sdk `iop/cdvd/cdvdfsv`, `iop/cdvd/cdvdman`, `ee/rpc/cdvd`), not taken from
//! the client crates (`ps2-cdvd`, `ps2-iop`), so that a mistake on one side shows up as a
//! disagreement instead of being shared.

use std::path::Path;

use ps2_cdvd::iso9660::SectorRead;
use ps2_iso::ImageFile;
use ps2_iso::drive::{DriveModel, Media};

use super::protocol::{arg_word, le_word};
use super::servers::CallResult;
use crate::kernel::EE_CLOCK_HZ;

/// Logical sector size of CD-ROM mode 1 / DVD data (the READ's `SCECdSecS2048` pattern).
const SECTOR_SIZE: usize = 2048;

/// sceCdInit.
pub const SID_INIT: u32 = 0x8000_0592;
/// S-commands.
pub const SID_SCMD: u32 = 0x8000_0593;
/// N-commands.
pub const SID_NCMD: u32 = 0x8000_0595;
/// sceCdSearchFile.
pub const SID_SEARCH: u32 = 0x8000_0597;
/// sceCdDiskReady.
pub const SID_DISK_READY: u32 = 0x8000_059A;
/// sceCdDiskReady on its own thread.
pub const SID_DISK_READY2: u32 = 0x8000_059C;

/// S-command numbers (sid 0x80000593, ps2-iop.md §5.4; ps2sdk `ee/rpc/cdvd/src/scmd.c`).
mod scmd {
    pub const READ_CLOCK: u32 = 0x01;
    pub const DISK_TYPE: u32 = 0x03;
    pub const GET_ERROR: u32 = 0x04;
    pub const TRAY_REQ: u32 = 0x05;
    pub const STATUS: u32 = 0x0C;
    pub const BREAK: u32 = 0x16;
    pub const MMODE: u32 = 0x22;
}

/// N-command numbers (sid 0x80000595, ps2-iop.md §5.5; ps2sdk `ee/rpc/cdvd/src/ncmd.c` `CD_NCMD_*`).
mod ncmd {
    pub const READ: u32 = 1;
    pub const SEEK: u32 = 5;
    pub const STANDBY: u32 = 6;
    pub const STOP: u32 = 7;
    pub const PAUSE: u32 = 8;
    pub const DISK_READY: u32 = 14;
}

/// Word indices of the 24-byte READ request (`readData[6]` in ps2sdk `ncmd.c`; ps2-iop.md §5.6).
mod read_request {
    pub const LBN: usize = 0;
    pub const SECTORS: usize = 1;
    pub const BUFFER: usize = 2;
    pub const FRAGMENTS: usize = 4;
    pub const READ_POS: usize = 5;
}

/// The `sceCdSearchFile` request (ps2sdk `iop/cdvd/cdvdfsv`: `SearchFilePkt_t` 0x124 bytes, `SearchFilePkt2_t`
/// 0x128 and `SearchFilePktl_t` 0x12C; the server tells them apart by the size received).
mod search_request {
    /// `SearchFilePkt_t`: `sceCdlFILE` (0x20), `name[256]` at 0x20, `dest` at 0x120.
    pub const OLD_SIZE: usize = 0x124;
    pub const OLD_NAME: usize = 0x20;
    pub const OLD_DEST: usize = 0x120;
    /// `SearchFilePkt2_t` / `SearchFilePktl_t`: `sceCdlFILE` + `flag` (0x24), `name[256]` at 0x24, `dest` at 0x124.
    pub const NAME: usize = 0x24;
    pub const DEST: usize = 0x124;
    /// `name[256]`.
    pub const NAME_LEN: usize = 256;
    /// `sceCdlFILE`: `lsn`, `size`, `name[16]` at 8, `date[8]` at 0x18.
    pub const FILE_LEN: usize = 0x20;
}

/// `SCECdComplete`: the drive is ready.
const DISK_READY: i32 = 2;
/// Version reported for CDVDFSV and CDVDMAN (≥ 0x105: 64-byte fragment protocol).
const MODULE_VERSION: i32 = 0x0108;
/// `sceCdGetError` codes (ps2-iop.md §5.3).
const ERROR_ILLEGAL_LSN: i32 = 0x20;
/// EE main RAM: the most one READ can deliver.
const EE_RAM_BYTES: usize = 32 << 20;

/// What CDVDFSV's N-command READ puts in its reply word. ps2sdk's `sceCdRead` asks for no reply at
/// all (it waits with `sceCdSync` and reads `sceCdGetError`); the ROM's CDVDFSV reports the bytes
/// transferred; other emulators' HLE servers reply 0. A client must work with each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadReply {
    /// The bytes transferred (`sectors × 2048` on success, 0 on failure).
    #[default]
    Bytes,
    /// Always 0.
    Zero,
}

/// The disc in the drive.
pub struct Disc {
    sectors: ImageFile,
    drive: DriveModel,
    /// What a READ replies.
    read_reply: ReadReply,
    /// Bytes the guest has read.
    pub bytes_read: u64,
    /// Drive time those reads took, in seconds.
    pub busy_seconds: f64,
    /// What `sceCdGetError` reports: the outcome of the last N-command (0 = none, 0x20 =
    /// illegal LSN).
    last_error: i32,
}

impl std::fmt::Debug for Disc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Disc").field("media", &self.drive.media()).finish_non_exhaustive()
    }
}

fn le(values: &[i32]) -> Vec<u8> {
    let mut out: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    out.resize(out.len().next_multiple_of(16).max(16), 0);
    out
}

impl Disc {
    /// Opens an image for the drive.
    pub fn open(path: &Path) -> Result<Disc, String> {
        let sectors = ImageFile::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let bytes = sectors.sectors() * SECTOR_SIZE as u64;
        Ok(Disc {
            sectors,
            drive: DriveModel::for_image_bytes(bytes),
            read_reply: ReadReply::default(),
            bytes_read: 0,
            busy_seconds: 0.0,
            last_error: 0,
        })
    }

    /// Chooses what a READ replies.
    pub fn set_read_reply(&mut self, reply: ReadReply) {
        self.read_reply = reply;
    }

    fn disk_type(&self) -> i32 {
        match self.drive.media() {
            Media::Cd => 0x12,
            Media::Dvd => 0x14,
        }
    }

    fn seconds_to_cycles(seconds: f64) -> u64 {
        (seconds * EE_CLOCK_HZ as f64) as u64
    }

    /// Handles a call to one of the CDVDFSV servers.
    pub fn call(&mut self, sid: u32, fno: u32, args: &[u8]) -> CallResult {
        let word = |i: usize| arg_word(args, i);
        match sid {
            SID_INIT => CallResult::reply(le(&[1, MODULE_VERSION, MODULE_VERSION, 0])),
            SID_DISK_READY | SID_DISK_READY2 => CallResult::reply(le(&[DISK_READY])),
            SID_SCMD => CallResult::reply(self.s_command(fno)),
            SID_NCMD => self.n_command(fno, &word),
            SID_SEARCH => self.search(args),
            _ => CallResult::reply(le(&[0])),
        }
    }

    fn s_command(&mut self, fno: u32) -> Vec<u8> {
        match fno {
            // ReadClock: result 1, then a fixed BCD date (2000-01-01 00:00:00) for determinism.
            scmd::READ_CLOCK => {
                let mut r = le(&[1]);
                r[4..12].copy_from_slice(&[0, 0, 0, 0, 0, 0x01, 0x01, 0x00]);
                r
            }
            scmd::DISK_TYPE => le(&[self.disk_type()]),
            scmd::GET_ERROR => le(&[self.last_error]),
            scmd::TRAY_REQ => le(&[1, 0]), // done, tray not changed
            scmd::STATUS => le(&[0x0A]),   // paused (spinning, idle)
            scmd::BREAK | scmd::MMODE => le(&[1]),
            _ => le(&[1]),
        }
    }

    fn n_command(&mut self, fno: u32, word: &dyn Fn(usize) -> u32) -> CallResult {
        self.last_error = 0;
        match fno {
            ncmd::READ => {
                use read_request::*;
                self.read(word(LBN), word(SECTORS), word(BUFFER), word(FRAGMENTS), word(READ_POS))
            }
            ncmd::SEEK => {
                let t = self.drive.seek(word(0)).as_secs_f64();
                self.busy_seconds += t;
                CallResult { delay: Self::seconds_to_cycles(t), ..CallResult::reply(le(&[1])) }
            }
            ncmd::STANDBY | ncmd::STOP | ncmd::PAUSE => CallResult::reply(le(&[1])),
            ncmd::DISK_READY => CallResult::reply(le(&[DISK_READY])),
            _ => CallResult::reply(le(&[0])),
        }
    }

    /// N-command 1: `sectors` 2048-byte sectors from `lsn` into EE `buf`.
    fn read(&mut self, lsn: u32, sectors: u32, buf: u32, fragments: u32, read_pos: u32) -> CallResult {
        // The length is the guest's: refuse what no EE buffer can hold before allocating for it (a guest asking
        // for u32::MAX sectors must get a drive error, not abort the simulator).
        let length = (sectors as usize).checked_mul(SECTOR_SIZE).filter(|&n| n > 0 && n <= EE_RAM_BYTES);
        let mut data = vec![0u8; length.unwrap_or(0)];
        let ok = length.is_some() && self.sectors.read_sectors(lsn, &mut data).is_ok();
        if !ok {
            self.last_error = ERROR_ILLEGAL_LSN; // (or length)
        }
        let mut writes = Vec::new();
        let done = if ok { data.len() } else { 0 };
        if ok {
            writes.push((buf & 0x1FFF_FFFF, data));
        }
        if fragments != 0 {
            writes.push((fragments & 0x1FFF_FFFF, vec![0u8; 16])); // b1len = b2len = 0
        }
        if read_pos != 0 {
            writes.push((read_pos & 0x1FFF_FFFF, le(&[done as i32])));
        }
        let seconds = if ok { self.drive.read_time(lsn, sectors).as_secs_f64() } else { 0.0 };
        self.bytes_read += done as u64;
        self.busy_seconds += seconds;
        let reply = match self.read_reply {
            ReadReply::Bytes => done as i32,
            ReadReply::Zero => 0,
        };
        CallResult { reply: le(&[reply]), delay: Self::seconds_to_cycles(seconds), ee_writes: writes }
    }

    /// sceCdSearchFile: the ROM's search ([`rom::search_file`]); replies 1 (found) or 0, and DMAs the
    /// `sceCdlFILE` (32 bytes; 36 with the `flag` word for the newer request layouts) to the EE
    /// address in the request either way, as CDVDFSV does.
    fn search(&mut self, args: &[u8]) -> CallResult {
        use search_request::*;
        let (name_at, dest_at, file_len) =
            if args.len() <= OLD_SIZE { (OLD_NAME, OLD_DEST, FILE_LEN) } else { (NAME, DEST, FILE_LEN + 4) };
        let name = args.get(name_at..(name_at + NAME_LEN).min(args.len())).unwrap_or(&[]);
        let dest = le_word(args, dest_at);
        let media = self.drive.media();
        let found = rom::search_file(&mut self.sectors, media, name);
        let mut file = args.get(..file_len).map_or_else(|| vec![0u8; file_len], <[u8]>::to_vec);
        file.resize(file_len, 0);
        if let Some(record) = &found {
            file[..FILE_LEN].copy_from_slice(record);
        }
        if file_len > FILE_LEN {
            file[FILE_LEN..].fill(0); // flag
        }
        let writes = if dest != 0 { vec![(dest & 0x1FFF_FFFF, file)] } else { Vec::new() };
        CallResult { ee_writes: writes, ..CallResult::reply(le(&[i32::from(found.is_some())])) }
    }
}

/// The ROM CDVDMAN's `sceCdSearchFile`, with its limits.
///
/// Source: ps2sdk `iop/cdvd/cdvdman/src/cdvdman.c` ("based on the module from SCE SDK 3.1.0":
/// `CdSearchFileInner`, `CD_newmedia`, `cdvdman_finddir`, `CD_cachefile`, `cdvdman_cmpname`, the tables
/// `g_cdvdman_dirtbl[128]`, `g_cdvdman_filetbl[64]`, `g_cdvdman_fs_rbuf[0x800]`, the component buffer
/// `name_buf[32]`), which agrees with the reverse-engineered module in `uyjulian/ps2iop` (`iop/cdvdman`:
/// `CdlMAXLEVEL` 8, `CdlMAXDIR` 128, `CdlMAXFILE` 64); the request's `name[256]` from ps2sdk
/// `iop/cdvd/cdvdfsv` (`SearchFilePkt_t`). Summarised in ps2-iop.md §6.4.
pub mod rom {
    use super::{ImageFile, Media, SECTOR_SIZE, SectorRead};

    /// Directory lookups, the root's included, stop at this many: `\` + at most 6 directories + the file.
    pub const MAX_LEVELS: usize = 8;
    /// Path-table records kept (and only those in the path table's first sector).
    pub const MAX_DIRS: usize = 128;
    /// Directory records kept (and only those in the directory's first sector), `.` and `..` included.
    pub const MAX_FILES: usize = 64;
    /// Each component is copied into a 32-byte buffer: at most 31 bytes.
    pub const MAX_COMPONENT: usize = 31;
    /// File names compare with `strncmp(…, 12)`: `NAME.EXT;1` exactly (case and `;1` included).
    pub const NAME_COMPARE: usize = 12;
    /// The request's `name[256]`: the path and its NUL.
    pub const MAX_PATH: usize = 255;
    /// PS2 DVDs: the path table is read from this fixed LSN (Sony's layout), not from the PVD.
    pub const DVD_PATH_TABLE_LSN: u32 = 257;
    /// The primary volume descriptor, and where its type-L path table LSN is.
    const PVD_LSN: u32 = 16;
    const PVD_TYPE_L_PATH_TABLE: usize = 140;

    struct Dir {
        extent: u32,
        parent: u32,
        name: Vec<u8>,
    }

    fn sector(image: &mut ImageFile, lsn: u32) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; SECTOR_SIZE];
        image.read_sectors(lsn, &mut buf).ok()?;
        Some(buf)
    }

    /// A C string's bytes (up to the first NUL).
    fn c_str(bytes: &[u8]) -> &[u8] {
        &bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())]
    }

    /// `CD_newmedia`: the directory table from the first sector of the path table.
    fn directories(image: &mut ImageFile, media: Media) -> Option<Vec<Dir>> {
        let pvd = sector(image, PVD_LSN)?;
        if &pvd[1..6] != b"CD001" {
            return None;
        }
        let lsn = match media {
            Media::Cd => u32::from_le_bytes(pvd[PVD_TYPE_L_PATH_TABLE..PVD_TYPE_L_PATH_TABLE + 4].try_into().unwrap()),
            Media::Dvd => DVD_PATH_TABLE_LSN,
        };
        let table = sector(image, lsn)?;
        let mut dirs = Vec::new();
        let mut at = 0;
        while dirs.len() < MAX_DIRS && at + 8 <= table.len() && table[at] != 0 {
            let len = table[at] as usize;
            let Some(name) = table.get(at + 8..at + 8 + len) else { break };
            dirs.push(Dir {
                extent: u32::from_le_bytes(table[at + 2..at + 6].try_into().unwrap()),
                parent: u32::from(u16::from_le_bytes([table[at + 6], table[at + 7]])),
                name: c_str(name).to_vec(),
            });
            at += 8 + len + (len & 1);
        }
        Some(dirs)
    }

    /// `cdvdman_finddir`: the 1-based number of `name` under directory `parent`.
    fn find_dir(dirs: &[Dir], parent: u32, name: &[u8]) -> Option<u32> {
        dirs.iter().position(|d| d.parent == parent && d.name == name).map(|i| i as u32 + 1)
    }

    /// Searches `path` (the request's `name[256]`, NUL-terminated) as the ROM does; the `sceCdlFILE` record
    /// when found. `None` wherever the ROM answers 0: no leading `\`, no NUL in the 256 bytes, a component over
    /// 31 bytes, 7 or more directories, a directory beyond the path table's first sector or 128 records, a
    /// file beyond its directory's first sector or 64 records, a name that differs in its first 12 bytes.
    pub fn search_file(image: &mut ImageFile, media: Media, request_name: &[u8]) -> Option<[u8; 32]> {
        let end = request_name.iter().position(|&b| b == 0)?;
        let path = &request_name[..end];
        if path.len() > MAX_PATH || path.first() != Some(&b'\\') {
            return None;
        }
        let dirs = directories(image, media)?;
        // "\\A\\B\\F;1" splits into "", "A", "B", "F;1": the empty first component is the root (its
        // path-table name is the single byte 0), looked up like any directory. The ROM counts these lookups and
        // gives up ("path level error") when they reach MAX_LEVELS.
        let components: Vec<&[u8]> = path.split(|&b| b == b'\\').collect();
        let (file, directories) = components.split_last()?;
        if directories.len() >= MAX_LEVELS || components.iter().any(|c| c.len() > MAX_COMPONENT) {
            return None;
        }
        let mut parent = 1;
        for (level, name) in directories.iter().enumerate() {
            if level > 0 && name.is_empty() {
                return None;
            }
            parent = find_dir(&dirs, parent, name)?;
        }
        if file.is_empty() {
            return None;
        }
        // `CD_cachefile`: the first sector of the directory, at most 64 records.
        let extent = dirs[parent as usize - 1].extent;
        let records = sector(image, extent)?;
        let mut at = 0;
        for index in 0..MAX_FILES {
            let Some(&len) = records.get(at) else { break };
            let len = len as usize;
            if len == 0 || at + 33 > records.len() {
                break;
            }
            let record = &records[at..(at + len).min(records.len())];
            let name: &[u8] = match index {
                0 => b".",
                1 => b"..",
                _ => c_str(record.get(33..33 + record[32] as usize).unwrap_or(&[])),
            };
            if name.is_empty() {
                break; // the table ends at an empty name
            }
            let compared = NAME_COMPARE.min(name.len().max(file.len()) + 1);
            let mut a = name.to_vec();
            let mut b = file.to_vec();
            a.resize(compared, 0);
            b.resize(compared, 0);
            if a == b {
                let mut out = [0u8; 32];
                out[0..4].copy_from_slice(&record[2..6]);
                out[4..8].copy_from_slice(&record[10..14]);
                let n = name.len().min(15);
                out[8..8 + n].copy_from_slice(&name[..n]);
                let year = 1900 + u16::from(record[18]);
                out[0x18..0x20].copy_from_slice(&[
                    0,
                    record[23],
                    record[22],
                    record[21],
                    record[20],
                    record[19],
                    year as u8,
                    (year >> 8) as u8,
                ]);
                return Some(out);
            }
            at += len;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> (tempfile::TempDir, Disc) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.iso");
        let payload: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        ps2_iso::DiscBuilder::new()
            .boot_elf("A.ELF", b"\x7fELF".to_vec())
            .file("DATA/F.BIN", payload)
            .write_to(&path)
            .unwrap();
        let disc = Disc::open(&path).unwrap();
        (dir, disc)
    }

    fn search_request(path: &str, dest: u32) -> Vec<u8> {
        let mut r = vec![0u8; 0x124];
        r[0x20..0x20 + path.len()].copy_from_slice(path.as_bytes());
        r[0x120..0x124].copy_from_slice(&dest.to_le_bytes());
        r
    }

    #[test]
    fn search_then_read_returns_the_file_bytes_after_drive_time() {
        let (_dir, mut disc) = image();
        assert_eq!(&disc.call(SID_SCMD, 3, &[]).reply[..4], &0x12i32.to_le_bytes());
        let found = disc.call(SID_SEARCH, 0, &search_request("\\DATA\\F.BIN;1", 0x0010_0000));
        assert_eq!(&found.reply[..4], &1i32.to_le_bytes());
        let file = &found.ee_writes[0].1;
        let lsn = u32::from_le_bytes(file[0..4].try_into().unwrap());
        assert_eq!(u32::from_le_bytes(file[4..8].try_into().unwrap()), 5000);
        assert_eq!(&file[8..15], b"F.BIN;1");
        let mut req = Vec::new();
        for w in [lsn, 3, 0x0020_0000, 0x0001_0000, 0x0030_0000, 0x0030_0100] {
            req.extend_from_slice(&w.to_le_bytes());
        }
        let read = disc.call(SID_NCMD, 1, &req);
        assert_eq!(&read.reply[..4], &(3 * 2048i32).to_le_bytes());
        assert!(read.delay > 0, "reads take drive time");
        let (dest, data) = &read.ee_writes[0];
        assert_eq!(*dest, 0x0020_0000);
        assert_eq!(&data[..4], &[0, 1, 2, 3]);
        assert_eq!(data[4999], (4999u32) as u8);
        assert_eq!(disc.bytes_read, 6144);
    }

    fn read_request(lsn: u32, sectors: u32) -> Vec<u8> {
        [lsn, sectors, 0x0020_0000, 0x0001_0000, 0x0030_0000, 0x0030_0100].iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    fn reply_word(result: &CallResult) -> u32 {
        u32::from_le_bytes(result.reply[..4].try_into().unwrap())
    }

    /// The acceptance rule `ps2-cdvd` had before it judged reads by `sceCdGetError`: a READ worked iff its
    /// reply word equals `sectors × 2048`; anything else became drive error 0x30 ("read error"), retried three
    /// times and then reported as `Error::Read`.
    fn old_client_accepts(reply: u32, sectors: u32) -> bool {
        reply == sectors * 2048
    }

    /// What ps2sdk's libcdvd does (`sceCdSync`, then `sceCdGetError() == 0`) and `ps2-cdvd` does now.
    fn get_error_accepts(disc: &mut Disc) -> bool {
        reply_word(&disc.call(SID_SCMD, scmd::GET_ERROR, &[])) == 0
    }

    #[test]
    fn read_reply_is_bytes_or_zero_and_the_data_arrives_either_way() {
        for (variant, expected) in [(ReadReply::Bytes, 3 * 2048), (ReadReply::Zero, 0)] {
            let (_dir, mut disc) = image();
            disc.set_read_reply(variant);
            let read = disc.call(SID_NCMD, ncmd::READ, &read_request(16, 3));
            assert_eq!(reply_word(&read), expected, "{variant:?}");
            let (dest, data) = &read.ee_writes[0];
            assert_eq!((*dest, &data[1..6]), (0x0020_0000, &b"CD001"[..]), "{variant:?}: the sectors were written");
            assert!(get_error_accepts(&mut disc), "{variant:?}: the drive reports no error");
            // A failed read says so through sceCdGetError whatever the reply.
            let failed = disc.call(SID_NCMD, ncmd::READ, &read_request(10_000_000, 1));
            assert_eq!(reply_word(&failed), 0);
            assert!(!get_error_accepts(&mut disc), "{variant:?}: GetError reports the failure");
        }
    }

    /// The planted bug: the old rule fails every successful read when the server replies 0 (as the issue's
    /// emulator does), while the drive says the read worked; with `bytes` both rules agree, which is why the
    /// simulator's default never showed it.
    #[test]
    fn the_old_reply_rule_fails_reads_that_worked_under_a_zero_reply() {
        let (_dir, mut disc) = image();
        let read = disc.call(SID_NCMD, ncmd::READ, &read_request(16, 3));
        assert!(old_client_accepts(reply_word(&read), 3) && get_error_accepts(&mut disc));
        disc.set_read_reply(ReadReply::Zero);
        let read = disc.call(SID_NCMD, ncmd::READ, &read_request(16, 3));
        assert!(!read.ee_writes.is_empty() && get_error_accepts(&mut disc), "the read worked");
        assert!(!old_client_accepts(reply_word(&read), 3), "the old client would have reported DriveError(0x30)");
    }

    fn search(disc: &mut Disc, path: &str) -> Option<(u32, u32)> {
        let found = disc.call(SID_SEARCH, 0, &search_request(path, 0x0010_0000));
        let file = &found.ee_writes[0].1;
        let word = |i: usize| u32::from_le_bytes(file[i..i + 4].try_into().unwrap());
        (reply_word(&found) == 1).then(|| (word(0), word(4)))
    }

    #[test]
    fn rom_search_wants_the_exact_name_with_its_version() {
        let (_dir, mut disc) = image();
        assert_eq!(search(&mut disc, "\\DATA\\F.BIN;1").map(|f| f.1), Some(5000));
        assert_eq!(search(&mut disc, "\\A.ELF;1").map(|f| f.1), Some(4));
        assert_eq!(search(&mut disc, "\\DATA\\F.BIN"), None, "strncmp(…, 12) sees the missing ;1");
        assert_eq!(search(&mut disc, "\\data\\F.BIN;1"), None, "directories compare with strcmp");
        assert_eq!(search(&mut disc, "\\DATA\\f.bin;1"), None, "file names are case-sensitive");
        assert_eq!(search(&mut disc, "DATA\\F.BIN;1"), None, "the path starts with a backslash");
        assert_eq!(search(&mut disc, "\\DATA\\"), None);
    }

    #[test]
    fn rom_search_reads_only_the_first_sector_of_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.iso");
        let mut builder = ps2_iso::DiscBuilder::new().boot_elf("A.ELF", b"\x7fELF".to_vec());
        for i in 0..100 {
            builder = builder.file(&format!("MANY/F{i:03}.TXT"), format!("{i:04}\n").into_bytes());
        }
        builder.write_to(&path).unwrap();
        let mut disc = Disc::open(&path).unwrap();
        // "." and ".." (34 bytes each) and 44-byte records for "Fnnn.TXT;1": 45 of them fit in 2048 bytes.
        assert!(search(&mut disc, "\\MANY\\F000.TXT;1").is_some());
        assert!(search(&mut disc, "\\MANY\\F044.TXT;1").is_some(), "the last record of the first sector");
        assert_eq!(search(&mut disc, "\\MANY\\F045.TXT;1"), None, "the first record of the second sector");
        assert_eq!(search(&mut disc, "\\MANY\\F099.TXT;1"), None);
    }

    fn build(files: &[(String, Vec<u8>)]) -> (tempfile::TempDir, std::path::PathBuf, Disc) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.iso");
        let mut builder = ps2_iso::DiscBuilder::new().boot_elf("A.ELF", b"\x7fELF".to_vec());
        for (name, bytes) in files {
            builder = builder.file(name, bytes.clone());
        }
        builder.write_to(&path).unwrap();
        let disc = Disc::open(&path).unwrap();
        (dir, path, disc)
    }

    #[test]
    fn rom_search_keeps_128_directories() {
        let files: Vec<_> = (0..130).map(|i| (format!("D{i:03}/F.BIN"), vec![i as u8; 3])).collect();
        let (_dir, _path, mut disc) = build(&files);
        // The path table lists the root, then the root's children in name order; record 128 (D126) is the last
        // one the ROM keeps (12-byte records: the first sector would hold 170).
        assert!(search(&mut disc, "\\D126\\F.BIN;1").is_some());
        assert_eq!(search(&mut disc, "\\D127\\F.BIN;1"), None, "the 129th path-table record");
        assert_eq!(search(&mut disc, "\\D129\\F.BIN;1"), None);
    }

    #[test]
    fn rom_search_stops_at_8_levels() {
        let files = vec![
            ("A/B/C/D/E/F/SIX.TXT".to_string(), b"6".to_vec()),
            ("A/B/C/D/E/F/G/SEVEN.TXT".to_string(), b"7".to_vec()),
        ];
        let (_dir, path, mut disc) = build(&files);
        // The root and six directories are seven lookups; an eighth is the ROM's "path level error".
        assert_eq!(search(&mut disc, "\\A\\B\\C\\D\\E\\F\\SIX.TXT;1").map(|f| f.1), Some(1));
        assert_eq!(search(&mut disc, "\\A\\B\\C\\D\\E\\F\\G\\SEVEN.TXT;1"), None);
        // A full walk finds it: the image is fine, the ROM refuses.
        let mut volume = ps2_cdvd::iso9660::Volume::open(ImageFile::open(&path).unwrap()).unwrap();
        assert!(volume.find("A/B/C/D/E/F/G/SEVEN.TXT").is_ok());
    }

    #[test]
    fn rom_search_reads_the_dvd_path_table_at_lsn_257() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.iso");
        ps2_iso::DiscBuilder::new()
            .boot_elf("A.ELF", b"\x7fELF".to_vec())
            .file("BIG.BIN", vec![0x55; 300 * 2048])
            .write_to(&path)
            .unwrap();
        let mut image = ImageFile::open(&path).unwrap();
        let mut request = vec![0u8; 256];
        request[..9].copy_from_slice(b"\\A.ELF;1\0");
        assert!(rom::search_file(&mut image, Media::Cd, &request).is_some());
        assert_eq!(rom::search_file(&mut image, Media::Dvd, &request), None, "LSN 257 holds file data here");
        request[..9].copy_from_slice(&[b'\\'; 9]);
        request[9..].fill(b'A');
        assert_eq!(rom::search_file(&mut image, Media::Cd, &request), None, "no NUL in name[256]");
    }

    #[test]
    fn missing_file_and_bad_lsn() {
        let (_dir, mut disc) = image();
        assert_eq!(&disc.call(SID_SEARCH, 0, &search_request("\\NOPE.BIN;1", 0)).reply[..4], &[0; 4]);
        let mut req = Vec::new();
        for w in [10_000_000u32, 1, 0x0020_0000, 0, 0, 0] {
            req.extend_from_slice(&w.to_le_bytes());
        }
        assert_eq!(&disc.call(SID_NCMD, 1, &req).reply[..4], &[0; 4], "nothing transferred");
        assert_eq!(&disc.call(SID_SCMD, 4, &[]).reply[..4], &0x20i32.to_le_bytes(), "GetError");
    }

    #[test]
    fn a_read_larger_than_ee_ram_is_a_drive_error_not_an_abort() {
        let (_dir, mut disc) = image();
        for sectors in [u32::MAX, (32 << 20) / 2048 + 1] {
            let mut req = Vec::new();
            for w in [16u32, sectors, 0x0020_0000, 0, 0, 0] {
                req.extend_from_slice(&w.to_le_bytes());
            }
            let result = disc.call(SID_NCMD, 1, &req);
            assert!(result.ee_writes.is_empty(), "{sectors} sectors: nothing written");
            assert_eq!(&disc.call(SID_SCMD, 4, &[]).reply[..4], &0x20i32.to_le_bytes(), "GetError");
        }
    }
}
