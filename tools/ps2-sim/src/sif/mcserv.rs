//! MCSERV (`rom0:MCSERV` / `rom0:XMCSERV`, sid `0x80000400`) over a memory card image in PCSX2's
//! raw `.ps2` format, kept with the `ps2-mcfs` crate: a save made here opens in PCSX2 and the other way
//! round. Port 0 holds the card; port 1 is empty.
//!
//! Both numberings are answered, as ps2sdk's `mcserv` does: the new one (XMCSERV: Init `0xFE`, GetInfo
//! `0x01` with the 192-byte end block and the formatted flag, Read with 64-byte head/tail, Rename through
//! SetFileInfo flag `0x10`) and the old one (MCSERV: `0x70`-`0x80`, 64-byte end block, 16-byte head/tail).
//! Request layouts: `mcDescParam_t` (48 bytes) and `mcNameParam_t` (0x414 bytes); results are MCMAN's
//! codes (0 ok, -1 changed card, -2 unformatted, -3 full, -4 no entry, -5 denied / bad fd, -6 not
//! empty, -7 no handle left, -10 no card). Sources: memory-card-fileio.md §1 (ps2sdk
//! `ee/rpc/memorycard/src/libmc.c`, `common/include/libmc-common.h`, `iop/memorycard/mcserv/src/mcserv.c`,
//! `mcman`); this is the simulator's own reading, independent of the EE client crate.
//!
//! Test behaviours (command-line options): no card (`--memcard0 none`), a card with only N free
//! clusters (`--memcard0-free-clusters N`), and a card pulled out during the write call after N
//! successful ones (`--memcard0-pull-after-writes N`): that call writes half of its bytes and fails
//! with -10, every call then fails with -10 until GetInfo has reported the slot empty once; the next
//! GetInfo finds the card back in (result -1, "new card").

use std::fs::File;
use std::path::{Path, PathBuf};

use ps2_mcfs::{Card, EntryLoc, Error as FsError, Timestamp};

use super::SifFault;
use super::servers::CallResult;
use super::protocol::le_word;

/// MCSERV's (and XMCSERV's) RPC server id.
pub const SID: u32 = 0x8000_0400;

/// MCMAN results.
pub mod result {
    /// A new formatted card (GetInfo), or the card changed.
    pub const CHANGED: i32 = -1;
    /// Not formatted.
    pub const NO_FORMAT: i32 = -2;
    /// No free space.
    pub const FULL: i32 = -3;
    /// No such entry (or a bad name).
    pub const NO_ENTRY: i32 = -4;
    /// Denied (bad fd, wrong kind of entry, already open for writing).
    pub const DENIED: i32 = -5;
    /// Directory not empty.
    pub const NOT_EMPTY: i32 = -6;
    /// No file handle left.
    pub const NO_HANDLE: i32 = -7;
    /// Damaged data (uncorrectable ECC, broken FAT).
    pub const FAIL: i32 = -8;
    /// No card detected.
    pub const NO_CARD: i32 = -10;
}

/// Open files MCMAN allows at once (ps2sdk `MAX_FDHANDLES`).
pub const MAX_FILES: usize = 3;

/// What the slot holds, from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardConfig {
    /// The image file (created, formatted, when missing); `None`: no card in the slot.
    pub path: Option<PathBuf>,
    /// Only this many clusters can be allocated (a nearly full card).
    pub free_clusters: Option<u32>,
    /// The card is pulled during the write call after this many successful ones.
    pub pull_after_writes: Option<u32>,
}

#[derive(Debug)]
struct OpenFile {
    loc: EntryLoc,
    position: u32,
    writable: bool,
    written: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// The card is in; `reported` once GetInfo has told the program about it.
    In { reported: bool },
    /// Pulled out; `reported` once GetInfo has said so.
    Pulled { reported: bool },
}

/// The MCSERV server and the card in port 0.
#[derive(Debug)]
pub struct McServ {
    card: Option<Card>,
    file: Option<(File, PathBuf)>,
    slot: Slot,
    files: [Option<OpenFile>; MAX_FILES],
    cwd: String,
    writes_left: Option<u32>,
    getdir_pending: Vec<ps2_mcfs::DirEntry>,
    last_reply: i32,
}

impl Default for McServ {
    /// An empty slot.
    fn default() -> Self {
        McServ {
            card: None,
            file: None,
            slot: Slot::In { reported: false },
            files: Default::default(),
            cwd: "/".into(),
            writes_left: None,
            getdir_pending: Vec::new(),
            last_reply: 0,
        }
    }
}

fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn code(e: &FsError) -> i32 {
    match e {
        FsError::NotFormatted => result::NO_FORMAT,
        FsError::Full { .. } => result::FULL,
        FsError::NotFound { .. } | FsError::NotADirectory { .. } | FsError::InvalidName { .. } | FsError::AlreadyExists { .. } => result::NO_ENTRY,
        FsError::IsADirectory { .. } => result::DENIED,
        FsError::DirectoryNotEmpty { .. } => result::NOT_EMPTY,
        _ => result::FAIL,
    }
}

/// Whether `name` matches `pattern` (`*` any run, `?` one byte).
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => matches(&pattern[1..], name) || (!name.is_empty() && matches(pattern, &name[1..])),
        (Some(b'?'), Some(_)) => matches(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => matches(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// The 64-byte `sceMcTblGetDir` of an entry.
fn table_entry(e: &ps2_mcfs::DirEntry) -> Vec<u8> {
    let mut t = vec![0u8; 64];
    t[0..8].copy_from_slice(&e.created.to_bytes());
    t[8..16].copy_from_slice(&e.modified.to_bytes());
    let size = if e.is_dir() { 0 } else { e.length };
    t[0x10..0x14].copy_from_slice(&size.to_le_bytes());
    t[0x14..0x16].copy_from_slice(&e.mode.to_le_bytes());
    t[0x18..0x1C].copy_from_slice(&e.attr.to_le_bytes());
    let n = e.name.len().min(31);
    t[0x20..0x20 + n].copy_from_slice(&e.name.as_bytes()[..n]);
    t
}

fn now_japan() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Timestamp::from_unix_japan(secs)
}

impl McServ {
    /// The slot as `config` describes it: opens the image, or creates it formatted when it does not exist.
    pub fn new(config: &CardConfig) -> Result<McServ, String> {
        let mut server = McServ { writes_left: config.pull_after_writes, ..McServ::default() };
        let Some(path) = &config.path else { return Ok(server) };
        let mut card = if path.exists() {
            Card::open(path).map_err(|e| format!("memory card image: {e}"))?
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let mut card = Card::formatted();
            card.save(path).map_err(|e| format!("cannot create the memory card image: {e}"))?;
            card
        };
        card.set_clock(now_japan());
        if config.free_clusters.is_some() && card.is_formatted() {
            card.set_free_limit(config.free_clusters).map_err(|e| format!("memory card image: {e}"))?;
        }
        let file = File::options().read(true).write(true).open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        server.card = Some(card);
        server.file = Some((file, path.clone()));
        Ok(server)
    }

    /// The card in the slot (for inspection).
    pub fn card(&self) -> Option<&Card> {
        self.card.as_ref()
    }

    /// An IOP reboot: open files and the current directory are forgotten; the card stays.
    pub fn reset(&mut self) {
        self.files = Default::default();
        self.cwd = "/".into();
        self.getdir_pending.clear();
        if let Slot::In { .. } = self.slot {
            self.slot = Slot::In { reported: false };
        }
    }

    fn present(&self) -> bool {
        self.card.is_some() && matches!(self.slot, Slot::In { .. })
    }

    fn flush(&mut self) {
        if let (Some(card), Some((file, path))) = (&mut self.card, &mut self.file)
            && let Err(e) = card.flush_to(file, &path.display().to_string())
        {
            eprintln!("ps2-sim: warning: memory card image not updated: {e}");
        }
    }

    fn path(&self, name: &str) -> String {
        if name.starts_with('/') { name.to_string() } else { format!("{}/{name}", self.cwd.trim_end_matches('/')) }
    }

    /// Runs function `fno` with request `args`; `ee` reads EE memory (the data a Write pulls, a
    /// SetFileInfo table).
    pub fn call(&mut self, fno: u32, args: &[u8], ee: &dyn Fn(u32, usize) -> Result<Vec<u8>, SifFault>) -> Result<CallResult, SifFault> {
        let mut writes = Vec::new();
        let value = match fno {
            0xFE => {
                let mut reply = Vec::new();
                for w in [0i32, 0x208, 0x20B] {
                    reply.extend_from_slice(&w.to_le_bytes());
                }
                reply.resize(16, 0);
                return Ok(CallResult::reply(reply));
            }
            0x70 => 0,
            0x01 | 0x78 => self.get_info(args, fno == 0x01, &mut writes),
            _ if !self.present() => match fno {
                0x02..=0x06 | 0x0A | 0x0C..=0x12 | 0x71..=0x77 | 0x79..=0x7C | 0x80 => result::NO_CARD,
                _ => self.last_reply,
            },
            0x02 | 0x71 => self.open(args),
            0x03 | 0x72 | 0x0A | 0x7A => self.close(le_word(args, 0), fno == 0x03 || fno == 0x72),
            0x04 | 0x75 => self.seek(args),
            0x05 | 0x73 => self.read(args, if fno == 0x05 { 64 } else { 16 }, &mut writes),
            0x06 | 0x74 => self.write(args, ee)?,
            0x0C | 0x7B => self.chdir(args, &mut writes),
            0x0D | 0x76 => self.get_dir(args, &mut writes),
            0x0E | 0x7C => self.set_info(args, ee)?,
            0x0F | 0x79 => self.delete(args),
            0x10 | 0x77 => {
                self.files = Default::default();
                let card = self.card.as_mut().expect("present");
                card.format();
                card.set_clock(now_japan());
                0
            }
            0x11 | 0x80 => {
                self.files = Default::default();
                *self.card.as_mut().expect("present") = Card::unformatted();
                0
            }
            _ => self.last_reply,
        };
        if matches!(fno, 0x02..=0x06 | 0x0A..=0x11 | 0x71..=0x80) {
            self.flush();
        }
        self.last_reply = value;
        let mut reply = value.to_le_bytes().to_vec();
        reply.resize(16, 0);
        Ok(CallResult { reply, delay: 0, ee_writes: writes })
    }

    fn get_info(&mut self, args: &[u8], new: bool, writes: &mut Vec<(u32, Vec<u8>)>) -> i32 {
        let (port, param) = (le_word(args, 4), le_word(args, 0x1C));
        let (value, kind, free, formatted): (i32, i32, i32, i32) = match (&mut self.slot, &self.card) {
            (_, None) => (result::NO_CARD, 0, 0, 0),
            _ if port != 0 => (result::NO_CARD, 0, 0, 0),
            (Slot::Pulled { reported }, Some(_)) if !*reported => {
                *reported = true;
                (result::NO_CARD, 0, 0, 0)
            }
            (slot, Some(card)) => {
                let first = !matches!(slot, Slot::In { reported: true });
                *slot = Slot::In { reported: true };
                let formatted = card.is_formatted();
                let free = if formatted { card.free_clusters().unwrap_or(0) } else { 0 };
                let value = match (formatted, first) {
                    (false, _) => result::NO_FORMAT,
                    (true, true) => result::CHANGED,
                    (true, false) => 0,
                };
                (value, 2, free as i32, formatted as i32)
            }
        };
        if param != 0 {
            let mut block = vec![0u8; if new { 192 } else { 64 }];
            block[0..4].copy_from_slice(&kind.to_le_bytes());
            block[4..8].copy_from_slice(&free.to_le_bytes());
            if new {
                block[0x90..0x94].copy_from_slice(&formatted.to_le_bytes());
            }
            writes.push((param & 0x1FFF_FFFF, block));
        }
        value
    }

    fn name_arg(&self, args: &[u8]) -> (u32, u32, String) {
        (le_word(args, 0), le_word(args, 8), self.path(&c_string(args.get(0x14..0x414).unwrap_or(&[]))))
    }

    fn open(&mut self, args: &[u8]) -> i32 {
        let (port, flags, path) = self.name_arg(args);
        if port != 0 {
            return result::NO_CARD;
        }
        let card = self.card.as_mut().expect("present");
        if flags & 0x40 != 0 {
            return card.mkdir(&path).map_or_else(|e| code(&e), |_| 0);
        }
        let Some(slot) = self.files.iter().position(Option::is_none) else { return result::NO_HANDLE };
        let found = match card.lookup(&path) {
            Ok(found) => Some(found),
            Err(FsError::NotFound { .. }) => None,
            Err(e) => return code(&e),
        };
        let loc = match found {
            Some(f) if f.entry.is_dir() => return result::DENIED,
            Some(f) => {
                let loc = f.loc.expect("a file has a location");
                if flags & 0x200 != 0
                    && let Err(e) = card.truncate(loc)
                {
                    return code(&e);
                }
                loc
            }
            None if flags & 0x200 != 0 => match card.create_file(&path) {
                Ok(loc) => loc,
                Err(e) => return code(&e),
            },
            None => return result::NO_ENTRY,
        };
        let writable = flags & 0x202 != 0;
        if writable && self.files.iter().flatten().any(|f| f.loc == loc && f.writable) {
            return result::DENIED;
        }
        self.files[slot] = Some(OpenFile { loc, position: 0, writable, written: false });
        slot as i32
    }

    fn file(&mut self, fd: u32) -> Option<&mut OpenFile> {
        self.files.get_mut(fd as usize).and_then(Option::as_mut)
    }

    fn close(&mut self, fd: u32, close: bool) -> i32 {
        let Some(f) = self.file(fd) else { return if close { result::DENIED } else { 0 } };
        let (loc, written) = (f.loc, f.written);
        if written {
            let _ = self.card.as_mut().expect("present").mark_closed(loc);
        }
        if close {
            self.files[fd as usize] = None;
        }
        0
    }

    fn seek(&mut self, args: &[u8]) -> i32 {
        let (fd, offset, origin) = (le_word(args, 0), le_word(args, 0x10) as i32, le_word(args, 0x14));
        let Some(f) = self.files.get(fd as usize).and_then(Option::as_ref) else { return result::DENIED };
        let loc = f.loc;
        let base = match origin {
            0 => 0,
            2 => self.card.as_ref().expect("present").entry(loc).map_or(0, |e| e.length as i64),
            _ => f.position as i64,
        };
        let position = (base + offset as i64).clamp(0, i32::MAX as i64) as u32;
        self.file(fd).expect("open").position = position;
        position as i32
    }

    fn read(&mut self, args: &[u8], granule: usize, writes: &mut Vec<(u32, Vec<u8>)>) -> i32 {
        let (fd, size, buffer, param) = (le_word(args, 0), le_word(args, 0xC) as usize, le_word(args, 0x18), le_word(args, 0x1C));
        let Some(f) = self.files.get(fd as usize).and_then(Option::as_ref) else { return result::DENIED };
        let (loc, position) = (f.loc, f.position);
        let mut data = vec![0u8; size];
        let n = match self.card.as_ref().expect("present").read_at(loc, position, &mut data) {
            Ok(n) => n,
            Err(e) => return code(&e),
        };
        data.truncate(n);
        self.file(fd).expect("open").position += n as u32;
        // Head and tail that are not whole aligned granules travel in the end block; the middle by DMA.
        let head = if n <= granule { n } else { ((granule - buffer as usize % granule) % granule).min(n) };
        let tail = if n <= granule { 0 } else { (n - head) % granule };
        let middle = n - head - tail;
        if middle > 0 {
            writes.push(((buffer + head as u32) & 0x1FFF_FFFF, data[head..head + middle].to_vec()));
        }
        if param != 0 {
            let mut block = vec![0u8; if granule == 64 { 192 } else { 64 }];
            let (src1, src2) = (0x10, 0x10 + granule);
            block[0..4].copy_from_slice(&(head as u32).to_le_bytes());
            block[4..8].copy_from_slice(&(tail as u32).to_le_bytes());
            block[8..12].copy_from_slice(&buffer.to_le_bytes());
            block[12..16].copy_from_slice(&(buffer + (head + middle) as u32).to_le_bytes());
            block[src1..src1 + head].copy_from_slice(&data[..head]);
            block[src2..src2 + tail].copy_from_slice(&data[head + middle..]);
            writes.push((param & 0x1FFF_FFFF, block));
        }
        n as i32
    }

    fn write(&mut self, args: &[u8], ee: &dyn Fn(u32, usize) -> Result<Vec<u8>, SifFault>) -> Result<i32, SifFault> {
        let (fd, size, head, buffer) = (le_word(args, 0), le_word(args, 0xC) as usize, (le_word(args, 0x14) as usize).min(16), le_word(args, 0x18));
        let Some(f) = self.files.get(fd as usize).and_then(Option::as_ref) else { return Ok(result::DENIED) };
        if !f.writable {
            return Ok(result::DENIED);
        }
        let (loc, position) = (f.loc, f.position);
        let mut data = args.get(0x20..0x20 + head).unwrap_or(&[]).to_vec();
        if size > 0 {
            data.extend(ee(buffer, size)?);
        }
        let pull = self.writes_left == Some(0);
        if pull {
            data.truncate(data.len() / 2);
        }
        let card = self.card.as_mut().expect("present");
        let result = card.write_at(loc, position, &data);
        if pull {
            self.writes_left = None;
            self.slot = Slot::Pulled { reported: false };
            self.files = Default::default();
            return Ok(result::NO_CARD);
        }
        if let Some(left) = &mut self.writes_left {
            *left -= 1;
        }
        Ok(match result {
            Ok(n) => {
                let f = self.file(fd).expect("open");
                f.position += n as u32;
                f.written = true;
                n as i32
            }
            Err(e) => code(&e),
        })
    }

    fn chdir(&mut self, args: &[u8], writes: &mut Vec<(u32, Vec<u8>)>) -> i32 {
        let (_, _, path) = self.name_arg(args);
        let ptr = le_word(args, 0x10);
        if !c_string(args.get(0x14..0x414).unwrap_or(&[])).is_empty() {
            match self.card.as_ref().expect("present").lookup(&path) {
                Ok(f) if f.entry.is_dir() => self.cwd = format!("/{}", ps2_mcfs::components(&path).join("/")),
                Ok(_) => return result::NO_ENTRY,
                Err(e) => return code(&e),
            }
        }
        if ptr != 0 {
            let mut out = self.cwd.as_bytes().to_vec();
            out.resize(1024, 0);
            writes.push((ptr & 0x1FFF_FFFF, out));
        }
        0
    }

    fn get_dir(&mut self, args: &[u8], writes: &mut Vec<(u32, Vec<u8>)>) -> i32 {
        let (_, flags, path) = self.name_arg(args);
        let (maxent, table) = (le_word(args, 0xC) as usize, le_word(args, 0x10));
        if flags == 0 {
            let (dir, pattern) = match path.rfind('/') {
                Some(i) => (&path[..i], &path[i + 1..]),
                None => ("/", path.as_str()),
            };
            let dir = if dir.is_empty() { "/" } else { dir };
            let pattern = if pattern.is_empty() { "*" } else { pattern };
            match self.card.as_ref().expect("present").read_dir(dir) {
                Ok(entries) => self.getdir_pending = entries.into_iter().filter(|e| matches(pattern.as_bytes(), e.name.as_bytes())).collect(),
                Err(e) => return code(&e),
            }
        }
        let take = maxent.min(self.getdir_pending.len());
        for (k, e) in self.getdir_pending.drain(..take).enumerate() {
            writes.push(((table + 64 * k as u32) & 0x1FFF_FFFF, table_entry(&e)));
        }
        take as i32
    }

    fn set_info(&mut self, args: &[u8], ee: &dyn Fn(u32, usize) -> Result<Vec<u8>, SifFault>) -> Result<i32, SifFault> {
        let (_, flags, path) = self.name_arg(args);
        let table = ee(le_word(args, 0x10), 64)?;
        let card = self.card.as_mut().expect("present");
        let found = match card.lookup(&path) {
            Ok(found) => found,
            Err(e) => return Ok(code(&e)),
        };
        let Some(loc) = found.loc else { return Ok(result::NO_ENTRY) };
        let mut e = found.entry;
        if flags & 0x01 != 0 {
            e.created = Timestamp::from_bytes(table[0..8].try_into().unwrap());
        }
        if flags & 0x02 != 0 {
            e.modified = Timestamp::from_bytes(table[8..16].try_into().unwrap());
        }
        if flags & 0x04 != 0 {
            let mode = u16::from_le_bytes([table[0x14], table[0x15]]);
            e.mode = (e.mode & !0x180F) | (mode & 0x180F);
        }
        if flags & 0x08 != 0 {
            e.attr = le_word(&table, 0x18);
        }
        if let Err(err) = card.set_entry(loc, &e) {
            return Ok(code(&err));
        }
        if flags & 0x10 != 0
            && let Err(err) = card.rename(&path, &c_string(&table[0x20..0x40]))
        {
            return Ok(code(&err));
        }
        Ok(0)
    }

    fn delete(&mut self, args: &[u8]) -> i32 {
        let (_, _, path) = self.name_arg(args);
        let card = self.card.as_mut().expect("present");
        if let Ok(f) = card.lookup(&path)
            && self.files.iter().flatten().any(|o| Some(o.loc) == f.loc)
        {
            return result::DENIED;
        }
        card.remove(&path).map_or_else(|e| code(&e), |_| 0)
    }
}

/// Where a run's card image lives by default: `Mcd001.ps2` (PCSX2's name for slot 1) in the folder of
/// the booted ELF or disc image.
pub fn default_image_path(input: &Path) -> PathBuf {
    input.parent().unwrap_or(Path::new(".")).join("Mcd001.ps2")
}

#[cfg(test)]
#[path = "mcserv/tests.rs"]
mod tests;
