//! CDVDFSV, the IOP's CD/DVD RPC servers (reference ps2-iop.md §5), over the booted disc image.
//!
//! Reads take simulated time from `ps2_iso::drive::DriveModel` (24× CD / 4× DVD CAV, seeks):
//! the reply to an N-command read is held back until the drive would have finished, so
//! streaming code sees realistic latency. Sector data is written straight into the EE buffer
//! (whole transfer, any alignment), so the "unaligned remainder" area receives empty fragment
//! lengths and the EE's fix-up copies nothing; `curReadPos` receives the byte count.

use std::path::Path;

use ps2_cdvd::iso9660::{SECTOR_SIZE, SectorRead, Volume};
use ps2_iso::ImageFile;
use ps2_iso::drive::{DriveModel, Media};

use super::servers::CallResult;
use crate::kernel::EE_CLOCK_HZ;

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

/// `SCECdComplete`: the drive is ready.
const DISK_READY: i32 = 2;
/// Version reported for CDVDFSV and CDVDMAN (≥ 0x105: 64-byte fragment protocol).
const MODULE_VERSION: i32 = 0x0108;

/// The disc in the drive.
pub struct Disc {
    sectors: ImageFile,
    volume: Volume<ImageFile>,
    drive: DriveModel,
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
        let open = || ImageFile::open(path).map_err(|e| format!("{}: {e}", path.display()));
        let sectors = open()?;
        let bytes = sectors.sectors() * SECTOR_SIZE as u64;
        let volume = Volume::open(open()?).map_err(|e| format!("{}: {e:?}", path.display()))?;
        Ok(Disc { sectors, volume, drive: DriveModel::for_image_bytes(bytes), bytes_read: 0, busy_seconds: 0.0, last_error: 0 })
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
        let word = |i: usize| args.get(4 * i..4 * i + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()));
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
            0x01 => {
                let mut r = le(&[1]);
                r[4..12].copy_from_slice(&[0, 0, 0, 0, 0, 0x01, 0x01, 0x00]);
                r
            }
            0x03 => le(&[self.disk_type()]),
            0x04 => le(&[self.last_error]),
            0x05 => le(&[1, 0]),        // TrayReq: done, tray not changed
            0x0C => le(&[0x0A]),        // Status: paused (spinning, idle)
            0x16 => le(&[1]),           // Break
            0x22 => le(&[1]),           // Mmode
            _ => le(&[1]),
        }
    }

    fn n_command(&mut self, fno: u32, word: &dyn Fn(usize) -> u32) -> CallResult {
        self.last_error = 0;
        match fno {
            1 => self.read(word(0), word(1), word(2), word(4), word(5)),
            5 => {
                let t = self.drive.seek(word(0)).as_secs_f64();
                self.busy_seconds += t;
                CallResult { delay: Self::seconds_to_cycles(t), ..CallResult::reply(le(&[1])) }
            }
            6..=8 => CallResult::reply(le(&[1])), // standby / stop / pause
            14 => CallResult::reply(le(&[DISK_READY])),
            _ => CallResult::reply(le(&[0])),
        }
    }

    /// N-command 1: `sectors` 2048-byte sectors from `lsn` into EE `buf`.
    fn read(&mut self, lsn: u32, sectors: u32, buf: u32, fragments: u32, read_pos: u32) -> CallResult {
        let mut data = vec![0u8; sectors as usize * SECTOR_SIZE];
        let ok = sectors > 0 && self.sectors.read_sectors(lsn, &mut data).is_ok();
        if !ok {
            self.last_error = 0x20; // illegal LSN (or length)
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
        CallResult { reply: le(&[done as i32]), delay: Self::seconds_to_cycles(seconds), ee_writes: writes }
    }

    /// sceCdSearchFile: writes the 32-byte `sceCdlFILE` to the EE address at +0x120.
    fn search(&mut self, args: &[u8]) -> CallResult {
        let path_bytes = args.get(0x20..0x120).unwrap_or(&[]);
        let end = path_bytes.iter().position(|&b| b == 0).unwrap_or(path_bytes.len());
        let path = String::from_utf8_lossy(&path_bytes[..end]).into_owned();
        let dest = args.get(0x120..0x124).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()));
        match self.volume.find(&path) {
            Ok(entry) if !entry.is_dir => {
                let mut file = vec![0u8; 32];
                file[0..4].copy_from_slice(&entry.lsn.to_le_bytes());
                file[4..8].copy_from_slice(&entry.size.to_le_bytes());
                let name = entry.name.identifier();
                let n = name.len().min(15);
                file[8..8 + n].copy_from_slice(&name[..n]);
                let [year, month, day, hour, minute, second, _] = entry.recorded;
                let full_year = 1900 + year as u16;
                file[0x18..0x20].copy_from_slice(&[
                    0,
                    second,
                    minute,
                    hour,
                    day,
                    month,
                    full_year as u8,
                    (full_year >> 8) as u8,
                ]);
                let writes = if dest != 0 { vec![(dest & 0x1FFF_FFFF, file)] } else { Vec::new() };
                CallResult { ee_writes: writes, ..CallResult::reply(le(&[1])) }
            }
            _ => CallResult::reply(le(&[0])),
        }
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
}
