//! # ps2-fileio — files on the PlayStation 2 through the boot ROM's FILEIO server
//!
//! The IOP's FILEIO module (resident after every boot, RPC server `0x80000001`) opens files on every device
//! the IOP's IOMAN knows: `host:` (the development machine: PCSX2's host file system, this project's simulator
//! with `--host-dir`), `mc0:`/`mc1:` (memory cards, once `rom0:MCMAN` is loaded), `cdrom0:` (the disc). This
//! crate is its EE client, speaking the protocol of ps2sdk's `fileio.c`:
//!
//! - [`File`]: open/read/write/seek/close, implementing `embedded-io`'s [`Read`](embedded_io::Read),
//!   [`Write`](embedded_io::Write) and [`Seek`](embedded_io::Seek);
//! - [`Fileio`]: path operations — [`Fileio::metadata`] (getstat), [`Fileio::read_dir`] (dopen/dread/dclose),
//!   [`Fileio::mkdir`], [`Fileio::remove`], [`Fileio::rmdir`], [`Fileio::rename`];
//! - [`Error`] with the IOP's codes by name ([`Errno::ENOENT`], [`Errno::EACCES`], ...), the operation and the
//!   path; [`protocol`]: the wire format, host-tested.
//!
//! ```no_run
//! use embedded_io::{Read, Write};
//! # use ps2_sys::println;
//! # fn main() -> Result<(), ps2_fileio::Error> {
//! let mut fs = ps2_fileio::Fileio::new()?;
//! let mut file = fs.create("host:hello.txt")?;
//! file.write_all(b"Hello from the EE\n")?;
//! file.close()?;
//! for entry in fs.read_dir("host:")? {
//!     let entry = entry?;
//!     println!("{} ({} bytes)", entry.name, entry.metadata.size);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## What the ROM's FILEIO does and how this crate copes
//!
//! - **Buffers**: reads and writes go straight between the caller's buffer and the IOP, any alignment. The
//!   server DMAs whole 16-byte quadwords of a read into the buffer and sends the bytes before the first and
//!   after the last quadword boundary in a separate block; the client copies those, and keeps the data cache
//!   coherent without touching memory next to the buffer (lines the buffer shares with other data are
//!   refreshed through the uncached alias instead of being invalidated). Writes carry their unaligned first
//!   bytes inside the request; the rest is written back from the data cache before the IOP pulls it.
//! - **Errors in reads and writes**: FILEIO turns a failed read or write into a short count (it has no error
//!   path for them). A read returns what it got (0 looks like the end of the file); a write that stores
//!   nothing is [`Error::ShortWrite`].
//! - **No rename**: FILEIO has no rename call (ps2sdk's `fileXio` adds one, but needs modules that are not in
//!   ROM). [`Fileio::rename`] copies the file to its new name and removes the old one: files only, not atomic.
//! - **`remove` bug**: the ROM's FILEIO 1.1 falls through from remove into mkdir, so removing `X` leaves a
//!   directory `X` and the reply is mkdir's (ps2sdk's `sbv_patch_fileio` patches the module). [`Fileio::remove`]
//!   checks the path before and after and removes such a directory, so it behaves the same on a patched and an
//!   unpatched IOP.
//! - **Paths**: at most 255 bytes, no NUL (the request's `name[256]`); offsets fit in 32 bits (`lseek` takes an
//!   `int`).
//!
//! Needs a global allocator (`ps2-alloc`): every [`File`] and [`Fileio`] owns an RPC binding and a 64-byte
//! aligned buffer for what the IOP DMAs back.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod error;
pub mod protocol;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ps2_iop::rpc::Client;
use ps2_sys::cache;

pub use error::{Errno, Error};
pub use protocol::{OpenFlags, Timestamp, Whence};
use protocol::{fno, PathError, ReadBlock, ReadSplit, Stat};

/// Bytes [`Fileio::rename`] and [`Fileio::read`] move per request.
pub const COPY_CHUNK: usize = 16 * 1024;

/// What a path names, as its device reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// Something else (a link, or mode bits this crate does not know).
    Other,
}

impl Kind {
    /// Reads a device's mode bits. Devices use two conventions: `cdrom` (CDVDMAN) fills IOMANX's
    /// `FIO_S_IFDIR` `0x1000` / `FIO_S_IFREG` `0x2000` in the `0xF000` field; `host` (PCSX2), `mc` (MCMAN) and the
    /// simulator use IOMAN's `FIO_SO_IFDIR` `0x20` / `FIO_SO_IFREG` `0x10` (ps2sdk `io_common.h`, `iox_stat.h`,
    /// `cdvdman.c` `cdvdman_fillstat`, `mcman` `mcman_getstat2`; PCSX2 `IopBios.cpp`). The low bits of the
    /// first convention are permissions that overlap the second, hence the device decides.
    pub fn from_mode(device: &str, mode: u32) -> Kind {
        if device == "cdrom" {
            match mode & 0xF000 {
                0x1000 => Kind::Directory,
                0x2000 => Kind::File,
                _ => Kind::Other,
            }
        } else if mode & 0x20 != 0 {
            Kind::Directory
        } else if mode & 0x10 != 0 {
            Kind::File
        } else {
            Kind::Other
        }
    }
}

/// The device name of a path: `"host"` for `host:x`, `"mc"` for `mc0:/x`, `"cdrom"` for `cdrom0:\X;1` (unit
/// digits dropped); empty when there is no `device:` prefix.
pub fn device_of(path: &str) -> &str {
    match path.find(':') {
        Some(colon) => path[..colon].trim_end_matches(|c: char| c.is_ascii_digit()),
        None => "",
    }
}

/// What [`Fileio::metadata`] and directory listings report about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// File, directory or other ([`Kind::from_mode`]).
    pub kind: Kind,
    /// Size in bytes.
    pub size: u64,
    /// The device's raw mode bits.
    pub mode: u32,
    /// The device's attribute word.
    pub attr: u32,
    /// Creation time.
    pub created: Timestamp,
    /// Last modification time.
    pub modified: Timestamp,
}

impl Metadata {
    fn from_stat(device: &str, stat: &Stat) -> Metadata {
        Metadata {
            kind: Kind::from_mode(device, stat.mode),
            size: stat.size,
            mode: stat.mode,
            attr: stat.attr,
            created: stat.created,
            modified: stat.modified,
        }
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Directory
    }

    /// Whether it is a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == Kind::File
    }
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The name as the device reports it (the disc's names keep their `;1`; devices may list `.` and `..`).
    pub name: String,
    /// Its metadata.
    pub metadata: Metadata,
}

/// Space for what the IOP DMAs back: the 48-byte read block, a 40-byte stat or a 300-byte dirent (the SIF
/// delivers whole quadwords: 304 bytes). Whole cache lines, so invalidating them touches nothing else.
#[repr(C, align(64))]
struct Scratch([u8; 320]);

/// One RPC binding to FILEIO and its DMA scratch space.
struct Connection {
    client: Client,
    scratch: Box<Scratch>,
}

fn io_error(op: &'static str, path: &str, result: i32) -> Error {
    Error::Io { op, path: path.to_string(), errno: Errno::from_code(result.saturating_neg()) }
}

fn checked_path(path: &str) -> Result<(), Error> {
    protocol::path_field(path).map(drop).map_err(|e| path_error(path, e))
}

fn path_error(path: &str, error: PathError) -> Error {
    let reason = match error {
        PathError::TooLong(_) => "longer than 255 bytes (FILEIO's name[256])",
        PathError::Nul(_) => "contains a NUL byte",
    };
    Error::InvalidPath { path: path.to_string(), reason }
}

impl Connection {
    fn bind() -> Result<Connection, Error> {
        Ok(Connection { client: Client::bind(protocol::SID)?, scratch: Box::new(Scratch([0; 320])) })
    }

    fn call(&mut self, function: u32, send: &[u8]) -> Result<i32, Error> {
        let mut reply = [0u8; 4];
        self.client.call(function, send, &mut reply)?;
        Ok(protocol::result(&reply))
    }

    /// The scratch's physical address, its lines written back and dropped so that the DMA owns them.
    fn scratch_for_dma(&mut self) -> u32 {
        let ptr = self.scratch.0.as_ptr();
        cache::writeback_invalidate_range(ptr, self.scratch.0.len());
        cache::physical_address(ptr)
    }

    /// The scratch as the DMA left it.
    fn scratch_after_dma(&mut self) -> [u8; 320] {
        let ptr = self.scratch.0.as_ptr();
        cache::invalidate_range(ptr, self.scratch.0.len());
        // SAFETY: a valid, aligned array; volatile so the compiler does not reuse bytes read before the DMA.
        unsafe { core::ptr::read_volatile(ptr.cast::<[u8; 320]>()) }
    }

    fn path_call(&mut self, function: u32, op: &'static str, path: &str) -> Result<i32, Error> {
        let request = protocol::path_request(path).map_err(|e| path_error(path, e))?;
        let result = self.call(function, &request)?;
        if result < 0 { Err(io_error(op, path, result)) } else { Ok(result) }
    }

    fn open(&mut self, path: &str, flags: OpenFlags) -> Result<i32, Error> {
        let request = protocol::open_request(flags, path).map_err(|e| path_error(path, e))?;
        let fd = self.call(fno::OPEN, &request)?;
        if fd < 0 { Err(io_error("open", path, fd)) } else { Ok(fd) }
    }

    fn getstat(&mut self, path: &str) -> Result<Metadata, Error> {
        checked_path(path)?;
        let address = self.scratch_for_dma();
        let request = protocol::getstat_request(address, path).map_err(|e| path_error(path, e))?;
        let result = self.call(fno::GETSTAT, &request)?;
        if result < 0 {
            return Err(io_error("getstat", path, result));
        }
        let bytes = self.scratch_after_dma();
        Ok(Metadata::from_stat(device_of(path), &Stat::parse(&bytes)))
    }

    /// `read` into `buf` at any alignment; returns the bytes read (0 at the end of the file, or on an error the
    /// server did not report).
    fn read(&mut self, fd: i32, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let size = buf.len().min(i32::MAX as usize);
        let buf = &mut buf[..size];
        let ptr = buf.as_mut_ptr();
        refuse_scratchpad(ptr)?;
        let address = cache::physical_address(ptr);
        // No dirty line may later be written back over the DMA'd bytes, and no stale line be read.
        cache::writeback_invalidate_range(ptr, size);
        let block = self.scratch_for_dma();
        let request = protocol::read_request(fd, address, size as u32, block);
        let result = self.call(fno::READ, &request);
        // Whatever the reply, the DMA may have written the middle: make the cache agree before anything else.
        let split = ReadSplit::new(address, size);
        refresh_after_dma(buf, split.head, split.middle);
        let count = result?;
        if count < 0 {
            return Err(Error::Io { op: "read", path: String::new(), errno: Errno::from_code(-count) });
        }
        let bytes = self.scratch_after_dma();
        let mut raw = [0u8; protocol::READ_BLOCK_LEN];
        raw.copy_from_slice(&bytes[..protocol::READ_BLOCK_LEN]);
        let block = ReadBlock::parse(&raw);
        // Head and tail: copy only what lands inside the buffer (the server's addresses are the ones sent).
        for (dest, len, bytes) in [(block.dest1, block.size1, &block.buf1), (block.dest2, block.size2, &block.buf2)] {
            let len = (len as usize).min(16);
            if len == 0 || dest < address {
                continue;
            }
            let at = (dest - address) as usize;
            if at + len <= size {
                buf[at..at + len].copy_from_slice(&bytes[..len]);
            }
        }
        Ok((count as usize).min(size))
    }

    /// `write` of `data` at any alignment; returns the bytes stored.
    fn write(&mut self, fd: i32, data: &[u8]) -> Result<usize, Error> {
        if data.is_empty() {
            return Ok(0);
        }
        let size = data.len().min(i32::MAX as usize);
        let data = &data[..size];
        refuse_scratchpad(data.as_ptr())?;
        let address = cache::physical_address(data.as_ptr());
        let head = protocol::write_head_len(address, size);
        // The IOP pulls the rest from memory by DMA.
        cache::writeback_range(data.as_ptr(), size);
        let request = protocol::write_request(fd, address, size as u32, &data[..head]);
        let count = self.call(fno::WRITE, &request)?;
        if count < 0 {
            return Err(Error::Io { op: "write", path: String::new(), errno: Errno::from_code(-count) });
        }
        Ok((count as usize).min(size))
    }

    fn lseek(&mut self, fd: i32, offset: i32, whence: Whence) -> Result<i32, Error> {
        let result = self.call(fno::LSEEK, &protocol::lseek_request(fd, offset, whence))?;
        if result < 0 {
            return Err(Error::Io { op: "lseek", path: String::new(), errno: Errno::from_code(-result) });
        }
        Ok(result)
    }
}

/// The IOP's DMA reaches main RAM only: a buffer in the scratchpad (`0x7000_0000`) cannot be read or written.
fn refuse_scratchpad(ptr: *const u8) -> Result<(), Error> {
    if ptr as usize & 0xF000_0000 == 0x7000_0000 {
        return Err(Error::Unsupported("a buffer in the scratchpad (the IOP's DMA reaches main RAM only)"));
    }
    Ok(())
}

/// Makes the data cache agree with memory after the IOP DMA'd `middle` bytes at `buf[head..]`.
///
/// Lines wholly inside `buf` are invalidated (the buffer is ours and was written back before the call).
/// A line at either end of `buf` also holds someone else's bytes, which code running during the call (this
/// function's own stack frame, say) may have brought back into the cache or dirtied: invalidating it could lose
/// their writes. Those lines keep their cached copy, and the middle's bytes in them are fetched from memory
/// through the uncached alias and stored through the cache, which then holds both.
fn refresh_after_dma(buf: &mut [u8], head: usize, middle: usize) {
    if middle == 0 {
        return;
    }
    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let inner_start = start.next_multiple_of(cache::LINE_SIZE);
    let inner_end = end & !(cache::LINE_SIZE - 1);
    if inner_end > inner_start {
        cache::invalidate_range(inner_start as *const u8, inner_end - inner_start);
    }
    let (dma_start, dma_end) = (start + head, start + head + middle);
    let edges = if inner_end > inner_start { [(start, inner_start), (inner_end, end)] } else { [(start, end), (end, end)] };
    for (from, to) in edges {
        let (from, to) = (from.max(dma_start), to.min(dma_end));
        for address in from..to {
            let at = address - start;
            // SAFETY: `address` is inside `buf`; its uncached alias is the same main-RAM byte.
            buf[at] = unsafe { core::ptr::read_volatile(cache::uncached(address as *mut u8)) };
        }
    }
}

/// An open file. Reading, writing and seeking go through `embedded-io`'s traits; dropping it closes it
/// (use [`File::close`] to see a close error). Each file owns its own RPC binding, so any number can be open
/// (the IOP's limit is 16 for IOMAN, 3 per memory card for MCMAN).
pub struct File {
    conn: Connection,
    fd: i32,
    path: String,
}

impl File {
    /// Opens `path` with `flags` (e.g. `OpenFlags::READ`, or `WRITE | CREATE | TRUNCATE`).
    pub fn open(path: &str, flags: OpenFlags) -> Result<File, Error> {
        checked_path(path)?;
        let mut conn = Connection::bind()?;
        let fd = conn.open(path, flags)?;
        Ok(File { conn, fd, path: path.to_string() })
    }

    /// Opens `path` for reading.
    pub fn open_read(path: &str) -> Result<File, Error> {
        File::open(path, OpenFlags::READ)
    }

    /// Creates `path` (or empties it) for writing.
    pub fn create(path: &str) -> Result<File, Error> {
        File::open(path, OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE)
    }

    /// The path it was opened with.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The IOP's file descriptor.
    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// Its length (seeks to the end and back).
    pub fn len(&mut self) -> Result<u64, Error> {
        let here = self.seek_to(0, Whence::Current)?;
        let end = self.seek_to(0, Whence::End)?;
        self.seek_to(here as i32, Whence::Start)?;
        Ok(end)
    }

    /// Whether it is empty.
    pub fn is_empty(&mut self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }

    /// Closes it, reporting the IOP's answer.
    pub fn close(mut self) -> Result<(), Error> {
        let fd = core::mem::replace(&mut self.fd, -1);
        let result = self.conn.call(fno::CLOSE, &protocol::fd_request(fd))?;
        if result < 0 { Err(io_error("close", &self.path, result)) } else { Ok(()) }
    }

    fn seek_to(&mut self, offset: i32, whence: Whence) -> Result<u64, Error> {
        let path = &self.path;
        self.conn.lseek(self.fd, offset, whence).map(|p| p as u64).map_err(|e| with_path(e, path))
    }
}

/// Puts the file's path into an error from a file operation.
fn with_path(error: Error, file: &str) -> Error {
    match error {
        Error::Io { op, errno, .. } => Error::Io { op, path: file.to_string(), errno },
        other => other,
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if self.fd >= 0 {
            let _ = self.conn.call(fno::CLOSE, &protocol::fd_request(self.fd));
        }
    }
}

impl embedded_io::ErrorType for File {
    type Error = Error;
}

impl embedded_io::Read for File {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let path = &self.path;
        self.conn.read(self.fd, buf).map_err(|e| with_path(e, path))
    }
}

impl embedded_io::Write for File {
    fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        let written = self.conn.write(self.fd, data).map_err(|e| with_path(e, &self.path))?;
        if written == 0 && !data.is_empty() {
            return Err(Error::ShortWrite { path: self.path.clone(), written: 0, requested: data.len() });
        }
        Ok(written)
    }

    fn flush(&mut self) -> Result<(), Error> {
        // Every write is finished on the IOP when its reply arrives.
        Ok(())
    }
}

impl embedded_io::Seek for File {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> Result<u64, Error> {
        let too_far = Error::Unsupported("seek offsets beyond ±2 GiB (FILEIO's lseek takes an int)");
        let (offset, whence) = match pos {
            embedded_io::SeekFrom::Start(n) => (i32::try_from(n).map_err(|_| too_far)?, Whence::Start),
            embedded_io::SeekFrom::Current(n) => (i32::try_from(n).map_err(|_| too_far)?, Whence::Current),
            embedded_io::SeekFrom::End(n) => (i32::try_from(n).map_err(|_| too_far)?, Whence::End),
        };
        self.seek_to(offset, whence)
    }
}

/// A connection to FILEIO for path operations; [`File`]s carry their own.
pub struct Fileio {
    conn: Connection,
}

impl Fileio {
    /// Binds the FILEIO server (resident from boot: this waits only while the IOP boots).
    pub fn new() -> Result<Fileio, Error> {
        Ok(Fileio { conn: Connection::bind()? })
    }

    /// Opens a file ([`File::open`]).
    pub fn open(&mut self, path: &str, flags: OpenFlags) -> Result<File, Error> {
        File::open(path, flags)
    }

    /// Creates or empties a file for writing ([`File::create`]).
    pub fn create(&mut self, path: &str) -> Result<File, Error> {
        File::create(path)
    }

    /// What `path` is (`getstat`).
    pub fn metadata(&mut self, path: &str) -> Result<Metadata, Error> {
        self.conn.getstat(path)
    }

    /// Whether `path` exists (any error other than "no such file" is reported).
    pub fn exists(&mut self, path: &str) -> Result<bool, Error> {
        match self.metadata(path) {
            Ok(_) => Ok(true),
            Err(Error::Io { errno: Errno::ENOENT, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reads a whole file.
    pub fn read(&mut self, path: &str) -> Result<Vec<u8>, Error> {
        use embedded_io::Read;
        let mut file = File::open_read(path)?;
        let mut data = Vec::new();
        let mut chunk = alloc::vec![0u8; COPY_CHUNK];
        loop {
            let n = file.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            data.extend_from_slice(&chunk[..n]);
        }
        file.close()?;
        Ok(data)
    }

    /// Creates (or empties) `path` and writes `data` to it.
    pub fn write(&mut self, path: &str, data: &[u8]) -> Result<(), Error> {
        use embedded_io::Write;
        let mut file = File::create(path)?;
        file.write_all(data)?;
        file.close()
    }

    /// Creates a directory.
    pub fn mkdir(&mut self, path: &str) -> Result<(), Error> {
        self.conn.path_call(fno::MKDIR, "mkdir", path).map(drop)
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, path: &str) -> Result<(), Error> {
        self.conn.path_call(fno::RMDIR, "rmdir", path).map(drop)
    }

    /// Removes a file. Works around the ROM FILEIO's remove-then-mkdir bug (see the crate docs): the path must
    /// be a file beforehand, and a directory it turned into afterwards is removed again.
    pub fn remove(&mut self, path: &str) -> Result<(), Error> {
        if self.metadata(path)?.is_dir() {
            return Err(Error::Io { op: "remove", path: path.to_string(), errno: Errno::EISDIR });
        }
        let request = protocol::path_request(path).map_err(|e| path_error(path, e))?;
        let result = self.conn.call(fno::REMOVE, &request)?;
        match self.metadata(path) {
            Err(Error::Io { errno: Errno::ENOENT, .. }) => Ok(()),
            Ok(after) if after.is_dir() => {
                log::debug!("remove {path:?}: FILEIO's remove also ran mkdir (unpatched ROM module); removing the directory");
                self.rmdir(path)
            }
            Ok(_) => Err(io_error("remove", path, if result < 0 { result } else { -Errno::EIO.code() })),
            Err(e) => Err(e),
        }
    }

    /// Renames a file by copying it to `to` and removing `from` (FILEIO has no rename): files only, `to` is
    /// replaced, and an interruption can leave both.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), Error> {
        use embedded_io::{Read, Write};
        checked_path(to)?;
        if self.metadata(from)?.is_dir() {
            return Err(Error::Unsupported("renaming a directory (FILEIO has no rename; files are copied)"));
        }
        let mut source = File::open_read(from)?;
        let mut target = File::create(to)?;
        let mut chunk = alloc::vec![0u8; COPY_CHUNK];
        loop {
            let n = source.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            target.write_all(&chunk[..n])?;
        }
        target.close()?;
        source.close()?;
        self.remove(from)
    }

    /// Lists a directory (`dopen`, then `dread` per entry, `dclose` when the listing is dropped).
    pub fn read_dir(&mut self, path: &str) -> Result<ReadDir<'_>, Error> {
        let fd = self.conn.path_call(fno::DOPEN, "dopen", path)?;
        Ok(ReadDir { conn: &mut self.conn, fd, path: path.to_string(), done: false })
    }
}

/// A directory listing in progress ([`Fileio::read_dir`]): an iterator of entries.
pub struct ReadDir<'a> {
    conn: &'a mut Connection,
    fd: i32,
    path: String,
    done: bool,
}

impl ReadDir<'_> {
    fn next_entry(&mut self) -> Result<Option<DirEntry>, Error> {
        let address = self.conn.scratch_for_dma();
        let result = self.conn.call(fno::DREAD, &protocol::dread_request(self.fd, address))?;
        if result < 0 {
            return Err(io_error("dread", &self.path, result));
        }
        if result == 0 {
            return Ok(None);
        }
        let bytes = self.conn.scratch_after_dma();
        let (stat, name) = protocol::parse_dirent(&bytes);
        let metadata = Metadata::from_stat(device_of(&self.path), &stat);
        Ok(Some(DirEntry { name: String::from_utf8_lossy(name).into_owned(), metadata }))
    }
}

impl Iterator for ReadDir<'_> {
    type Item = Result<DirEntry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_entry();
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next.transpose()
    }
}

impl Drop for ReadDir<'_> {
    fn drop(&mut self) {
        let _ = self.conn.call(fno::DCLOSE, &protocol::fd_request(self.fd));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_without_their_unit() {
        assert_eq!(device_of("host:a.txt"), "host");
        assert_eq!(device_of("host0:a.txt"), "host");
        assert_eq!(device_of("mc1:/SAVE/x"), "mc");
        assert_eq!(device_of("cdrom0:\\A.TXT;1"), "cdrom");
        assert_eq!(device_of("nothing"), "");
    }

    #[test]
    fn modes_are_read_per_device() {
        // cdvdman_fillstat: a file 0x2124 (IFREG | r--r--r--), a directory 0x116D (IFDIR | r-xr-xr-x).
        assert_eq!(Kind::from_mode("cdrom", 0x2124), Kind::File, "0x20 is a permission bit here");
        assert_eq!(Kind::from_mode("cdrom", 0x116D), Kind::Directory);
        // PCSX2's host: and MCMAN's SCE_STM bits: file 0x10, directory 0x20.
        assert_eq!(Kind::from_mode("host", 0x17), Kind::File);
        assert_eq!(Kind::from_mode("host", 0x27), Kind::Directory);
        assert_eq!(Kind::from_mode("mc", 0x8427), Kind::Directory, "memory card directory with its exists bit");
        assert_eq!(Kind::from_mode("mc", 0x8417), Kind::File);
        assert_eq!(Kind::from_mode("host", 0x08), Kind::Other);
    }
}
