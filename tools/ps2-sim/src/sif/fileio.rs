//! FILEIO, the boot ROM's file server (RPC `0x80000001`): `host:` over a host folder, `cdrom0:` over the disc.
//!
//! The wire format and the server's behaviour follow ps2sdk's re-implementation of the ROM module
//! (`iop/fs/fileio/src/fileio.c`, "FILEIO_service" 1.1) and the EE client `ee/kernel/src/fileio.c`, as
//! summarised in the repository's `memory-card-fileio.md` §5; they are written here from those sources, not
//! taken from the EE crate (`ps2-fileio`), so that the two sides can disagree.
//!
//! - **read** moves the bytes before the buffer's first and after its last 16-byte boundary in a 48-byte block
//!   DMA'd last (`{size1, size2, dest1, dest2, buf1[16], buf2[16]}`), the whole quadwords between them straight
//!   into EE memory in bounce-buffer pieces; a short or failed read shows only as a smaller count (the ROM has no
//!   error path there), with the ROM's quirk that the block still names the planned tail after a short head or
//!   middle.
//! - **write** takes the request's inline head bytes (`mis`), then pulls the rest from EE memory (memory, not
//!   the CPU's data cache: the program must have written it back), in bounce-buffer pieces.
//! - **getstat**/**dread** DMA a 40-byte `io_stat_t` / 300-byte `io_dirent_t`, in whole quadwords (48 / 304 bytes).
//! - **remove falls through into mkdir**, as in the ROM's FILEIO 1.1 (`sbv_patch_fileio` fixes it on a console):
//!   after removing `X` a directory `X` is created and the reply is mkdir's.
//!
//! Devices: `host:` (any unit number) maps to the `--host-dir` folder. A path is taken relative to it, `/` or
//! `\` separated; a path that is absolute or would leave the folder (`..` above it, a symbolic link to outside)
//! is refused with `-EACCES` (13), as PCSX2 denies `host:` paths outside its root. Modes follow PCSX2's `host:`
//! (`IopBios.cpp` `ioman_stat`): file `0x10`, directory `0x20`, with read/write/execute `4`/`2`/`1`; times are UTC
//! as `sceMcStDateTime` with the full year. `cdrom0:` reads the booted disc image (read-only: writes store
//! nothing, mkdir/remove answer `-EIO`), walking its directories fully; modes and results are CDVDMAN's
//! (`cdvdman_fillstat`: file `0x2124`, directory `0x116D`; getstat replies 1, dread the name's length), names as
//! recorded (`NAME.EXT;1`); a name without its `;1` is found too, as CDVDMAN appends it. `mc0:`/`mc1:` answer
//! `-ENODEV` (no memory card device here), like any other device.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use ps2_cdvd::iso9660::{DirEntry, Volume};
use ps2_iso::ImageFile;

use super::servers::CallResult;
use super::SifFault;
use super::protocol::arg_word;

/// FILEIO function numbers (`FIO_F_*`, ps2sdk `fileio-common.h`).
mod fno {
    pub const OPEN: u32 = 0;
    pub const CLOSE: u32 = 1;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 3;
    pub const LSEEK: u32 = 4;
    pub const REMOVE: u32 = 6;
    pub const MKDIR: u32 = 7;
    pub const RMDIR: u32 = 8;
    pub const DOPEN: u32 = 9;
    pub const DCLOSE: u32 = 10;
    pub const DREAD: u32 = 11;
    pub const GETSTAT: u32 = 12;
}

/// IOP errno values (ps2sdk `common/include/errno.h`); replies carry them negated.
pub mod errno {
    /// No such file or directory.
    pub const ENOENT: i32 = 2;
    /// I/O error.
    pub const EIO: i32 = 5;
    /// Bad file descriptor.
    pub const EBADF: i32 = 9;
    /// Permission denied (also: a `host:` path outside the host folder).
    pub const EACCES: i32 = 13;
    /// File exists.
    pub const EEXIST: i32 = 17;
    /// No such device.
    pub const ENODEV: i32 = 19;
    /// Not a directory.
    pub const ENOTDIR: i32 = 20;
    /// Is a directory.
    pub const EISDIR: i32 = 21;
    /// Invalid argument.
    pub const EINVAL: i32 = 22;
    /// Too many open files.
    pub const EMFILE: i32 = 24;
    /// No space left.
    pub const ENOSPC: i32 = 28;
    /// Read-only file system.
    pub const EROFS: i32 = 30;
    /// Directory not empty.
    pub const ENOTEMPTY: i32 = 90;
}

/// `FIO_O_*` open flags.
mod open_flag {
    pub const READ: u32 = 0x0001;
    pub const WRITE: u32 = 0x0002;
    pub const APPEND: u32 = 0x0100;
    pub const CREATE: u32 = 0x0200;
    pub const TRUNCATE: u32 = 0x0400;
    pub const EXCLUSIVE: u32 = 0x0800;
}

/// IOMAN's file table: 16 descriptors (ps2sdk `ioman.c`).
pub const MAX_FILES: usize = 16;
/// The server's bounce buffer for reads and writes (16 KiB when the IOP heap has room).
const XFER_SIZE: usize = 0x4000;
/// The request's `name[256]`.
const PATH_FIELD: usize = 256;
/// Quadword: the SIF's transfer unit, and the protocol's alignment.
const QUAD: usize = 16;

/// An open descriptor.
enum Handle {
    HostFile(fs::File),
    HostDir { entries: Vec<(String, [u8; 40])>, next: usize },
    // Boxed: a DirEntry is far larger than the other variants (clippy::large_enum_variant).
    DiscFile { entry: Box<DirEntry>, position: u64 },
    DiscDir { entries: Vec<DirEntry>, next: usize },
}

/// The FILEIO server's state.
#[derive(Default)]
pub struct Fileio {
    /// The folder `host:` maps to (canonical), if any.
    host_root: Option<PathBuf>,
    /// The disc image `cdrom0:` reads.
    disc: Option<PathBuf>,
    files: Vec<Option<Handle>>,
}

impl std::fmt::Debug for Fileio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fileio").field("host_root", &self.host_root).field("disc", &self.disc).finish_non_exhaustive()
    }
}

fn le(value: i32) -> Vec<u8> {
    let mut out = value.to_le_bytes().to_vec();
    out.resize(QUAD, 0);
    out
}

fn c_string(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(PATH_FIELD)];
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `(device, unit-less device name, rest)` of `dev0:rest`.
fn split_device(path: &str) -> Option<(&str, &str)> {
    let (device, rest) = path.split_once(':')?;
    Some((device.trim_end_matches(|c: char| c.is_ascii_digit()), rest))
}

/// The errno for a host I/O error.
fn host_errno(error: &std::io::Error) -> i32 {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => errno::ENOENT,
        ErrorKind::PermissionDenied => errno::EACCES,
        ErrorKind::AlreadyExists => errno::EEXIST,
        ErrorKind::IsADirectory => errno::EISDIR,
        ErrorKind::NotADirectory => errno::ENOTDIR,
        ErrorKind::DirectoryNotEmpty => errno::ENOTEMPTY,
        ErrorKind::StorageFull => errno::ENOSPC,
        ErrorKind::ReadOnlyFilesystem => errno::EROFS,
        ErrorKind::InvalidInput => errno::EINVAL,
        _ => errno::EIO,
    }
}

/// An `sceMcStDateTime` (8 bytes) from a host time, in UTC.
fn date_time(time: std::io::Result<std::time::SystemTime>) -> [u8; 8] {
    let Ok(since) = time.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).map_err(std::io::Error::other)) else {
        return [0; 8];
    };
    let seconds = since.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    let [lo, hi] = year.to_le_bytes();
    [0, (rest % 60) as u8, (rest / 60 % 60) as u8, (rest / 3600) as u8, day, month, lo, hi]
}

/// The 40-byte `io_stat_t` of a host file.
fn host_stat(meta: &fs::Metadata) -> [u8; 40] {
    use std::os::unix::fs::PermissionsExt;
    let mut stat = [0u8; 40];
    let kind = if meta.is_dir() { 0x20 } else if meta.is_file() { 0x10 } else { 0x08 };
    let owner = (meta.permissions().mode() >> 6) & 7;
    stat[0..4].copy_from_slice(&(kind | owner).to_le_bytes());
    stat[8..12].copy_from_slice(&(meta.len() as u32).to_le_bytes());
    stat[0x0C..0x14].copy_from_slice(&date_time(meta.created().or_else(|_| meta.modified())));
    stat[0x14..0x1C].copy_from_slice(&date_time(meta.accessed()));
    stat[0x1C..0x24].copy_from_slice(&date_time(meta.modified()));
    stat[0x24..0x28].copy_from_slice(&((meta.len() >> 32) as u32).to_le_bytes());
    stat
}

/// The 40-byte `io_stat_t` CDVDMAN fills for a disc entry.
fn disc_stat(entry: &DirEntry) -> [u8; 40] {
    let mut stat = [0u8; 40];
    let mode: u32 = if entry.is_dir { 0x116D } else { 0x2124 };
    stat[0..4].copy_from_slice(&mode.to_le_bytes());
    stat[8..12].copy_from_slice(&entry.size.to_le_bytes());
    let r = entry.recorded;
    let year = 1900 + u16::from(r[0]);
    let [lo, hi] = year.to_le_bytes();
    let date = [0, r[5], r[4], r[3], r[2], r[1], lo, hi];
    for at in [0x0C, 0x14, 0x1C] {
        stat[at..at + 8].copy_from_slice(&date);
    }
    stat
}

impl Fileio {
    /// Maps `host:` to `dir` (which must exist); `None` leaves `host:` without a device (`-ENODEV`).
    pub fn set_host_dir(&mut self, dir: Option<&Path>) -> Result<(), String> {
        self.host_root = match dir {
            Some(dir) => Some(fs::canonicalize(dir).map_err(|e| format!("--host-dir {}: {e}", dir.display()))?),
            None => None,
        };
        Ok(())
    }

    /// The folder `host:` maps to.
    pub fn host_dir(&self) -> Option<&Path> {
        self.host_root.as_deref()
    }

    /// Serves `cdrom0:` from this disc image.
    pub fn set_disc(&mut self, image: Option<PathBuf>) {
        self.disc = image;
    }

    /// An IOP reboot: every descriptor is gone.
    pub fn reset(&mut self) {
        self.files.clear();
    }

    /// Handles FILEIO function `fno` with the request `args`; `ee` reads EE memory (for write's data).
    pub fn call(&mut self, fno: u32, args: &[u8], ee: &dyn Fn(u32, usize) -> Result<Vec<u8>, SifFault>) -> Result<CallResult, SifFault> {
        let path_at = |offset: usize| c_string(args.get(offset..).unwrap_or(&[]));
        Ok(match fno {
            fno::OPEN => CallResult::reply(le(self.open(&path_at(4), arg_word(args, 0)))),
            fno::CLOSE | fno::DCLOSE => CallResult::reply(le(self.close(arg_word(args, 0) as i32))),
            fno::READ => self.read(arg_word(args, 0) as i32, arg_word(args, 1), arg_word(args, 2) as i32, arg_word(args, 3)),
            fno::WRITE => CallResult::reply(le(self.write(args, ee)?)),
            fno::LSEEK => CallResult::reply(le(self.lseek(arg_word(args, 0) as i32, arg_word(args, 1) as i32, arg_word(args, 2)))),
            // The ROM module's missing `break`: mkdir runs on the same path and its result is the reply.
            fno::REMOVE => {
                let path = path_at(0);
                let _ = self.remove(&path);
                CallResult::reply(le(self.mkdir(&path)))
            }
            fno::MKDIR => CallResult::reply(le(self.mkdir(&path_at(0)))),
            fno::RMDIR => CallResult::reply(le(self.rmdir(&path_at(0)))),
            fno::DOPEN => CallResult::reply(le(self.dopen(&path_at(0)))),
            fno::DREAD => self.dread(arg_word(args, 0) as i32, arg_word(args, 1)),
            fno::GETSTAT => self.getstat(&path_at(4), arg_word(args, 0)),
            _ => CallResult::reply(le(-errno::EIO)),
        })
    }

    /// The host path for `rest` (what follows `host:`), or the errno refusing it.
    fn host_path(&self, rest: &str) -> Result<PathBuf, i32> {
        let root = self.host_root.as_ref().ok_or(-errno::ENODEV)?;
        let normalized = rest.replace('\\', "/");
        let relative = Path::new(&normalized);
        let mut path = root.clone();
        let mut depth = 0usize;
        for component in relative.components() {
            match component {
                Component::Normal(name) => {
                    path.push(name);
                    depth += 1;
                }
                Component::CurDir => {}
                Component::ParentDir if depth > 0 => {
                    path.pop();
                    depth -= 1;
                }
                // `..` above the folder, `/absolute`, a prefix: outside.
                _ => return Err(-errno::EACCES),
            }
        }
        // A symbolic link anywhere on the way may lead out: check where the deepest existing part really is.
        let mut existing = path.as_path();
        loop {
            if existing.symlink_metadata().is_ok() {
                let real = fs::canonicalize(existing).map_err(|e| -host_errno(&e))?;
                if !real.starts_with(root) {
                    return Err(-errno::EACCES);
                }
                break;
            }
            existing = existing.parent().ok_or(-errno::EACCES)?;
        }
        Ok(path)
    }

    fn disc_volume(&self) -> Result<Volume<ImageFile>, i32> {
        let image = self.disc.as_ref().ok_or(-errno::ENODEV)?;
        let file = ImageFile::open(image).map_err(|_| -errno::EIO)?;
        Volume::open(file).map_err(|_| -errno::EIO)
    }

    /// A disc entry by CDVDMAN's rules: `\`-separated, found with or without the `;1` version.
    fn disc_entry(&self, rest: &str) -> Result<(Volume<ImageFile>, DirEntry), i32> {
        let mut volume = self.disc_volume()?;
        let entry = volume.find(rest).map_err(|_| -errno::ENOENT)?;
        Ok((volume, entry))
    }

    fn allocate(&mut self, handle: Handle) -> i32 {
        if let Some(i) = self.files.iter().position(Option::is_none) {
            self.files[i] = Some(handle);
            return i as i32;
        }
        if self.files.len() < MAX_FILES {
            self.files.push(Some(handle));
            return self.files.len() as i32 - 1;
        }
        -errno::EMFILE
    }

    fn handle(&mut self, fd: i32) -> Option<&mut Handle> {
        usize::try_from(fd).ok().and_then(|i| self.files.get_mut(i)).and_then(Option::as_mut)
    }

    fn open(&mut self, path: &str, flags: u32) -> i32 {
        if self.files.iter().flatten().count() >= MAX_FILES {
            return -errno::EMFILE;
        }
        let handle = match split_device(path) {
            Some(("host", rest)) => self.open_host(rest, flags),
            Some(("cdrom", rest)) => {
                self.disc_entry(rest).and_then(|(_, entry)| if entry.is_dir { Err(-errno::ENOENT) } else { Ok(entry) }).map(|entry| Handle::DiscFile { entry: Box::new(entry), position: 0 })
            }
            _ => Err(-errno::ENODEV),
        };
        match handle {
            Ok(handle) => self.allocate(handle),
            Err(e) => e,
        }
    }

    fn open_host(&self, rest: &str, flags: u32) -> Result<Handle, i32> {
        let path = self.host_path(rest)?;
        if path.is_dir() {
            return Err(-errno::EISDIR);
        }
        let write = flags & open_flag::WRITE != 0;
        let mut options = fs::OpenOptions::new();
        options.read(flags & open_flag::READ != 0 || !write).write(write);
        if flags & open_flag::APPEND != 0 {
            options.append(true);
        }
        if flags & open_flag::CREATE != 0 {
            if flags & open_flag::EXCLUSIVE != 0 {
                options.create_new(true);
            } else {
                options.create(true);
            }
        }
        if flags & open_flag::TRUNCATE != 0 && write {
            options.truncate(true);
        }
        options.open(&path).map(Handle::HostFile).map_err(|e| -host_errno(&e))
    }

    fn close(&mut self, fd: i32) -> i32 {
        match usize::try_from(fd).ok().and_then(|i| self.files.get_mut(i)) {
            Some(slot @ Some(_)) => {
                *slot = None;
                0
            }
            _ => -errno::EBADF,
        }
    }

    /// Reads up to `buf.len()` bytes from `fd`: the count, or the negative errno.
    fn read_handle(&mut self, fd: i32, buf: &mut [u8]) -> i32 {
        let disc = self.disc.clone();
        match self.handle(fd) {
            Some(Handle::HostFile(file)) => {
                let mut done = 0;
                while done < buf.len() {
                    match file.read(&mut buf[done..]) {
                        Ok(0) => break,
                        Ok(n) => done += n,
                        Err(e) => return if done > 0 { done as i32 } else { -host_errno(&e) },
                    }
                }
                done as i32
            }
            Some(Handle::DiscFile { entry, position }) => {
                let Some(image) = disc else { return -errno::ENODEV };
                let read = ImageFile::open(&image)
                    .ok()
                    .and_then(|f| Volume::open(f).ok())
                    .and_then(|mut v| v.read_at(entry, *position, buf).ok());
                match read {
                    Some(n) => {
                        *position += n as u64;
                        n as i32
                    }
                    None => -errno::EIO,
                }
            }
            Some(_) => -errno::EBADF,
            None => -errno::EBADF,
        }
    }

    /// `fileio_rpc_read`: see the module docs.
    fn read(&mut self, fd: i32, ptr: u32, size: i32, block_addr: u32) -> CallResult {
        let ptr = ptr & 0x1FFF_FFFF;
        let size = size.max(0) as usize;
        let (mut head, mut middle, mut tail, dest1, dest2) = if size >= QUAD {
            let start = ptr as usize;
            let end = start + size;
            let head = (QUAD - start % QUAD) % QUAD;
            (head, (end & !(QUAD - 1)) - (start + head), end % QUAD, ptr, (end & !(QUAD - 1)) as u32)
        } else {
            (size, 0, 0, ptr, 0)
        };
        let mut buf1 = [0u8; QUAD];
        let mut buf2 = [0u8; QUAD];
        let mut total = 0usize;
        let mut writes = Vec::new();
        'read: {
            if head > 0 {
                let got = self.read_handle(fd, &mut buf1[..head]);
                if got != head as i32 {
                    // Short head: the block keeps the planned tail size (the ROM's behaviour).
                    head = got.max(0) as usize;
                    total = head;
                    break 'read;
                }
                total += head;
            }
            let mut dest = ptr as usize + head;
            let mut bounce = vec![0u8; XFER_SIZE];
            while middle > 0 {
                let want = middle.min(XFER_SIZE);
                let got = self.read_handle(fd, &mut bounce[..want]);
                if got != want as i32 {
                    if got > 0 {
                        // The SIF moves whole quadwords: the rest of the last one is the bounce buffer's.
                        let n = got as usize;
                        writes.push((dest as u32, bounce[..n.next_multiple_of(QUAD)].to_vec()));
                        total += n;
                    }
                    break 'read;
                }
                writes.push((dest as u32, bounce[..want].to_vec()));
                dest += want;
                total += want;
                middle -= want;
            }
            if tail > 0 {
                let got = self.read_handle(fd, &mut buf2[..tail]);
                if got != tail as i32 {
                    tail = got.max(0) as usize;
                }
                total += tail;
            }
        }
        let mut block = Vec::with_capacity(48);
        for value in [head as u32, tail as u32, dest1, dest2] {
            block.extend_from_slice(&value.to_le_bytes());
        }
        block.extend_from_slice(&buf1);
        block.extend_from_slice(&buf2);
        writes.push((block_addr & 0x1FFF_FFFF, block));
        CallResult { ee_writes: writes, ..CallResult::reply(le(total as i32)) }
    }

    /// `fileio_rpc_write`: the inline head, then the rest pulled from EE memory.
    fn write(&mut self, args: &[u8], ee: &dyn Fn(u32, usize) -> Result<Vec<u8>, SifFault>) -> Result<i32, SifFault> {
        let (fd, ptr, size) = (arg_word(args, 0) as i32, arg_word(args, 1), arg_word(args, 2) as usize);
        let mis = (arg_word(args, 3) as usize).min(QUAD).min(size);
        let mut total = 0usize;
        if mis > 0 {
            let head = args.get(16..16 + mis).unwrap_or(&[]).to_vec();
            let got = self.write_handle(fd, &head);
            if got != mis as i32 {
                return Ok(total as i32 + got.max(0));
            }
            total += mis;
        }
        let mut at = ptr.wrapping_add(mis as u32);
        let mut left = size - mis;
        while left > 0 {
            let chunk = left.min(XFER_SIZE);
            let data = ee(at & 0x1FFF_FFFF, chunk)?;
            let got = self.write_handle(fd, &data);
            if got != chunk as i32 {
                return Ok(total as i32 + got.max(0));
            }
            total += chunk;
            left -= chunk;
            at = at.wrapping_add(chunk as u32);
        }
        Ok(total as i32)
    }

    fn write_handle(&mut self, fd: i32, data: &[u8]) -> i32 {
        match self.handle(fd) {
            Some(Handle::HostFile(file)) => match file.write_all(data) {
                Ok(()) => data.len() as i32,
                Err(e) => -host_errno(&e),
            },
            Some(Handle::DiscFile { .. }) => -errno::EIO,
            _ => -errno::EBADF,
        }
    }

    fn lseek(&mut self, fd: i32, offset: i32, whence: u32) -> i32 {
        match self.handle(fd) {
            Some(Handle::HostFile(file)) => {
                let to = match whence {
                    0 if offset >= 0 => SeekFrom::Start(offset as u64),
                    0 => return -errno::EINVAL,
                    1 => SeekFrom::Current(i64::from(offset)),
                    2 => SeekFrom::End(i64::from(offset)),
                    _ => return -errno::EINVAL,
                };
                match file.seek(to) {
                    Ok(p) => i32::try_from(p).unwrap_or(-errno::EINVAL),
                    Err(e) => -host_errno(&e),
                }
            }
            Some(Handle::DiscFile { entry, position }) => {
                let base = match whence {
                    0 => 0,
                    1 => *position as i64,
                    2 => i64::from(entry.size),
                    _ => return -errno::EINVAL,
                };
                let to = base + i64::from(offset);
                if to < 0 {
                    return -errno::EINVAL;
                }
                *position = to as u64;
                to as i32
            }
            _ => -errno::EBADF,
        }
    }

    fn remove(&mut self, path: &str) -> i32 {
        match split_device(path) {
            Some(("host", rest)) => match self.host_path(rest) {
                Ok(p) if p.is_dir() => -errno::EISDIR,
                Ok(p) => fs::remove_file(p).map_or_else(|e| -host_errno(&e), |()| 0),
                Err(e) => e,
            },
            Some(("cdrom", _)) => -errno::EIO,
            _ => -errno::ENODEV,
        }
    }

    fn mkdir(&mut self, path: &str) -> i32 {
        match split_device(path) {
            Some(("host", rest)) => match self.host_path(rest) {
                Ok(p) => fs::create_dir(p).map_or_else(|e| -host_errno(&e), |()| 0),
                Err(e) => e,
            },
            Some(("cdrom", _)) => -errno::EIO,
            _ => -errno::ENODEV,
        }
    }

    fn rmdir(&mut self, path: &str) -> i32 {
        match split_device(path) {
            Some(("host", rest)) => match self.host_path(rest) {
                Ok(p) if p == *self.host_root.as_ref().expect("host_path needs a root") => -errno::EACCES,
                Ok(p) => fs::remove_dir(p).map_or_else(|e| -host_errno(&e), |()| 0),
                Err(e) => e,
            },
            Some(("cdrom", _)) => -errno::EIO,
            _ => -errno::ENODEV,
        }
    }

    fn dopen(&mut self, path: &str) -> i32 {
        let handle = match split_device(path) {
            Some(("host", rest)) => self.host_path(rest).and_then(|dir| {
                let mut entries = Vec::new();
                for entry in fs::read_dir(&dir).map_err(|e| -host_errno(&e))? {
                    let entry = entry.map_err(|e| -host_errno(&e))?;
                    let meta = entry.metadata().map_err(|e| -host_errno(&e))?;
                    entries.push((entry.file_name().to_string_lossy().into_owned(), host_stat(&meta)));
                }
                entries.sort();
                Ok(Handle::HostDir { entries, next: 0 })
            }),
            Some(("cdrom", rest)) => self.disc_entry(rest).and_then(|(mut volume, dir)| {
                if !dir.is_dir {
                    return Err(-errno::ENOENT);
                }
                let entries = volume.read_dir(&dir).map_err(|_| -errno::EIO)?.collect::<Result<Vec<_>, _>>().map_err(|_| -errno::EIO)?;
                Ok(Handle::DiscDir { entries, next: 0 })
            }),
            _ => Err(-errno::ENODEV),
        };
        match handle {
            Ok(handle) => self.allocate(handle),
            Err(e) => e,
        }
    }

    /// `fileio_rpc_dread`: the entry (300 bytes, 304 land) DMA'd whenever the result is not an error.
    fn dread(&mut self, fd: i32, dest: u32) -> CallResult {
        let mut dirent = vec![0u8; 304];
        let result = match self.handle(fd) {
            Some(Handle::HostDir { entries, next }) => match entries.get(*next) {
                Some((name, stat)) => {
                    *next += 1;
                    dirent[..40].copy_from_slice(stat);
                    let n = name.len().min(PATH_FIELD - 1);
                    dirent[0x28..0x28 + n].copy_from_slice(&name.as_bytes()[..n]);
                    1
                }
                None => 0,
            },
            Some(Handle::DiscDir { entries, next }) => match entries.get(*next) {
                Some(entry) => {
                    *next += 1;
                    dirent[..40].copy_from_slice(&disc_stat(entry));
                    let name = entry.name.identifier();
                    let n = name.len().min(PATH_FIELD - 1);
                    dirent[0x28..0x28 + n].copy_from_slice(&name[..n]);
                    n as i32
                }
                None => 0,
            },
            _ => -errno::EBADF,
        };
        let writes = if result >= 0 { vec![(dest & 0x1FFF_FFFF, dirent)] } else { Vec::new() };
        CallResult { ee_writes: writes, ..CallResult::reply(le(result)) }
    }

    /// `fileio_rpc_getstat`: the stat (40 bytes, 48 land) DMA'd on success.
    fn getstat(&mut self, path: &str, dest: u32) -> CallResult {
        let stat = match split_device(path) {
            Some(("host", rest)) => self
                .host_path(rest)
                .and_then(|p| fs::metadata(p).map_err(|e| -host_errno(&e)))
                .map(|meta| (0, host_stat(&meta))),
            Some(("cdrom", rest)) => self.disc_entry(rest).map(|(_, entry)| (1, disc_stat(&entry))),
            _ => Err(-errno::ENODEV),
        };
        match stat {
            Ok((result, stat)) => {
                let mut bytes = stat.to_vec();
                bytes.resize(48, 0);
                CallResult { ee_writes: vec![(dest & 0x1FFF_FFFF, bytes)], ..CallResult::reply(le(result)) }
            }
            Err(e) => CallResult::reply(le(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Requests built from ps2sdk's EE client layouts (`_fio_open_arg` etc.), answered by the server.

    use super::*;

    fn server(dir: &Path) -> Fileio {
        let mut f = Fileio::default();
        f.set_host_dir(Some(dir)).unwrap();
        f
    }

    fn no_ee(addr: u32, _: usize) -> Result<Vec<u8>, SifFault> {
        Err(SifFault { addr })
    }

    fn reply(result: &CallResult) -> i32 {
        i32::from_le_bytes(result.reply[..4].try_into().unwrap())
    }

    fn path_req(path: &str, prefix: &[u8]) -> Vec<u8> {
        let mut r = prefix.to_vec();
        let mut field = [0u8; 256];
        field[..path.len()].copy_from_slice(path.as_bytes());
        r.extend_from_slice(&field);
        r.resize(r.len().next_multiple_of(16), 0);
        r
    }

    fn call(f: &mut Fileio, fno: u32, args: &[u8]) -> CallResult {
        f.call(fno, args, &no_ee).unwrap()
    }

    fn words(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn escapes_are_refused_with_eacces() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("link")).unwrap();
        fs::create_dir(root.path().join("sub")).unwrap();
        let mut f = server(root.path());
        for path in ["host:../x", "host:/etc/passwd", "host:sub/../../x", "host:link/x", "host:link", "host0:..\\x"] {
            assert_eq!(reply(&call(&mut f, fno::OPEN, &path_req(path, &words(&[0x602])))), -errno::EACCES, "{path}");
            assert_eq!(reply(&call(&mut f, fno::MKDIR, &path_req(path, &[]))), -errno::EACCES, "{path}");
        }
        assert!(fs::read_dir(outside.path()).unwrap().next().is_none(), "nothing was created outside");
        // Inside, `..` that stays inside is fine.
        assert!(reply(&call(&mut f, fno::OPEN, &path_req("host:sub/../ok.txt", &words(&[0x602])))) >= 0);
        assert!(root.path().join("ok.txt").exists());
    }

    #[test]
    fn read_splits_unaligned_buffers_like_the_rom_server() {
        let root = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..100u8).collect();
        fs::write(root.path().join("d.bin"), &data).unwrap();
        let mut f = server(root.path());
        let fd = reply(&call(&mut f, fno::OPEN, &path_req("host:d.bin", &words(&[1]))));
        assert_eq!(fd, 0);
        // 50 bytes to 0x100003: head 13 (to 0x100010), middle 32, tail 5 (from 0x100030).
        let r = call(&mut f, fno::READ, &words(&[0, 0x0010_0003, 50, 0x0020_0000]));
        assert_eq!(reply(&r), 50);
        assert_eq!(r.ee_writes[0], (0x0010_0010, data[13..45].to_vec()));
        let (at, block) = &r.ee_writes[1];
        assert_eq!(*at, 0x0020_0000);
        assert_eq!(&block[0..16], &words(&[13, 5, 0x0010_0003, 0x0010_0030])[..]);
        assert_eq!(&block[16..29], &data[..13]);
        assert_eq!(&block[32..37], &data[45..50]);
        // At the end of the file: 50 bytes left, 64 asked at an aligned address: the middle comes up short.
        let r = call(&mut f, fno::READ, &words(&[0, 0x0010_0000, 64, 0x0020_0000]));
        assert_eq!(reply(&r), 50);
        assert_eq!(r.ee_writes[0].1.len(), 64, "the SIF writes whole quadwords");
        assert_eq!(&r.ee_writes[0].1[..50], &data[50..]);
        // Under 16 bytes: all in buf1.
        call(&mut f, fno::LSEEK, &words(&[0, 0, 0]));
        let r = call(&mut f, fno::READ, &words(&[0, 0x0010_0007, 3, 0x0020_0000]));
        assert_eq!(r.ee_writes.len(), 1);
        assert_eq!(&r.ee_writes[0].1[0..16], &words(&[3, 0, 0x0010_0007, 0])[..]);
        assert_eq!(reply(&call(&mut f, fno::READ, &words(&[7, 0, 16, 0x0020_0000]))), 0, "a bad fd reads nothing");
    }

    #[test]
    fn write_takes_the_inline_head_then_pulls_the_rest() {
        let root = tempfile::tempdir().unwrap();
        let mut f = server(root.path());
        let fd = reply(&call(&mut f, fno::OPEN, &path_req("host:w.bin", &words(&[0x602]))));
        let mut request = words(&[fd as u32, 0x0010_0003, 40, 13]);
        request.extend_from_slice(b"0123456789abc\0\0\0");
        let ee = |addr: u32, len: usize| {
            assert_eq!((addr, len), (0x0010_0010, 27), "the rest, from the first quadword boundary");
            Ok(vec![b'z'; len])
        };
        let r = f.call(fno::WRITE, &request, &ee).unwrap();
        assert_eq!(reply(&r), 40);
        call(&mut f, fno::CLOSE, &words(&[fd as u32]));
        let mut expected = b"0123456789abc".to_vec();
        expected.extend_from_slice(&[b'z'; 27]);
        assert_eq!(fs::read(root.path().join("w.bin")).unwrap(), expected);
        assert_eq!(reply(&call(&mut f, fno::CLOSE, &words(&[fd as u32]))), -errno::EBADF);
    }

    #[test]
    fn remove_falls_through_into_mkdir_like_the_rom_module() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("x"), b"1").unwrap();
        let mut f = server(root.path());
        assert_eq!(reply(&call(&mut f, fno::REMOVE, &path_req("host:x", &[]))), 0);
        assert!(root.path().join("x").is_dir(), "a directory takes the file's place");
        assert_eq!(reply(&call(&mut f, fno::RMDIR, &path_req("host:x", &[]))), 0);
        assert_eq!(reply(&call(&mut f, fno::RMDIR, &path_req("host:x", &[]))), -errno::ENOENT);
    }

    #[test]
    fn getstat_and_dread_dma_their_records() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("b.txt"), b"hello").unwrap();
        fs::create_dir(root.path().join("a")).unwrap();
        let mut f = server(root.path());
        let r = call(&mut f, fno::GETSTAT, &path_req("host:b.txt", &words(&[0x0030_0000])));
        assert_eq!(reply(&r), 0);
        let (at, stat) = &r.ee_writes[0];
        assert_eq!((*at, stat.len()), (0x0030_0000, 48));
        assert_eq!(stat[0] & 0x30, 0x10, "a file");
        assert_eq!(&stat[8..12], &5u32.to_le_bytes());
        assert_eq!(reply(&call(&mut f, fno::GETSTAT, &path_req("host:nope", &words(&[0x0030_0000])))), -errno::ENOENT);
        let fd = reply(&call(&mut f, fno::DOPEN, &path_req("host:", &[])));
        assert!(fd >= 0);
        let first = call(&mut f, fno::DREAD, &words(&[fd as u32, 0x0030_0000]));
        assert_eq!((reply(&first), first.ee_writes[0].1.len()), (1, 304));
        assert_eq!(first.ee_writes[0].1[0] & 0x30, 0x20, "`a` is a directory, listed first");
        assert_eq!(&first.ee_writes[0].1[0x28..0x2A], b"a\0");
        assert_eq!(reply(&call(&mut f, fno::DREAD, &words(&[fd as u32, 0x0030_0000]))), 1);
        assert_eq!(reply(&call(&mut f, fno::DREAD, &words(&[fd as u32, 0x0030_0000]))), 0, "the end");
        assert_eq!(reply(&call(&mut f, fno::DCLOSE, &words(&[fd as u32]))), 0);
    }

    #[test]
    fn a_missing_host_dir_is_a_clear_error() {
        let mut f = Fileio::default();
        let error = f.set_host_dir(Some(Path::new("/nonexistent/ps2-host"))).unwrap_err();
        assert!(error.starts_with("--host-dir /nonexistent/ps2-host: "), "{error}");
        assert_eq!(f.host_dir(), None);
    }

    #[test]
    fn devices_without_a_backing_answer_enodev() {
        let mut f = Fileio::default();
        for path in ["host:a", "mc0:/a", "cdrom0:\\A.TXT;1", "nodev:a", "plain"] {
            assert_eq!(reply(&call(&mut f, fno::OPEN, &path_req(path, &words(&[1])))), -errno::ENODEV, "{path}");
        }
    }

    #[test]
    fn cdrom0_reads_the_disc() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("d.iso");
        let payload: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        ps2_iso::DiscBuilder::new().boot_elf("A.ELF", b"\x7fELF".to_vec()).file("DATA/F.BIN", payload.clone()).write_to(&image).unwrap();
        let mut f = Fileio::default();
        f.set_disc(Some(image));
        let fd = reply(&call(&mut f, fno::OPEN, &path_req("cdrom0:\\DATA\\F.BIN;1", &words(&[1]))));
        assert!(fd >= 0);
        assert_eq!(reply(&call(&mut f, fno::LSEEK, &words(&[fd as u32, 0, 2]))), 3000);
        call(&mut f, fno::LSEEK, &words(&[fd as u32, 1000, 0]));
        let r = call(&mut f, fno::READ, &words(&[fd as u32, 0x0010_0000, 32, 0x0020_0000]));
        assert_eq!((reply(&r), &r.ee_writes[0].1[..]), (32, &payload[1000..1032]));
        let r = call(&mut f, fno::GETSTAT, &path_req("cdrom0:\\DATA\\F.BIN", &words(&[0x0030_0000])));
        assert_eq!(reply(&r), 1);
        assert_eq!(&r.ee_writes[0].1[0..4], &0x2124u32.to_le_bytes());
        let d = reply(&call(&mut f, fno::DOPEN, &path_req("cdrom0:\\DATA", &[])));
        let e = call(&mut f, fno::DREAD, &words(&[d as u32, 0x0030_0000]));
        assert_eq!(reply(&e), 7, "CDVDMAN's dread answers the name's length");
        assert_eq!(&e.ee_writes[0].1[0x28..0x30], b"F.BIN;1\0");
        assert_eq!(reply(&call(&mut f, fno::OPEN, &path_req("cdrom0:\\NONE;1", &words(&[0x602])))), -errno::ENOENT);
    }
}
