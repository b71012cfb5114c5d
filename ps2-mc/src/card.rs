//! The XMCSERV client: [`MemoryCard`].

use alloc::string::String;
use alloc::vec::Vec;

use ps2_iop::loadfile::LoadFile;
use ps2_iop::rpc::Client;
use ps2_sys::cache;

use crate::error::check;
use crate::protocol::{self, DirEntry, function, open};
use crate::Error;

/// The boot ROM modules of the memory card: `rom0:XSIO2MAN`, `rom0:XMCMAN`, `rom0:XMCSERV` (the new
/// protocol, which has Rename). Pads must then use `rom0:XPADMAN` too (`ps2_pad::PadModules::RomX`): the
/// two SIO2MAN families do not mix on one IOP.
pub const MODULES: [&str; 3] = ["rom0:XSIO2MAN", "rom0:XMCMAN", "rom0:XMCSERV"];

/// Loads [`MODULES`]. A module already resident loads again with start result 1, which is not an error.
pub fn load_modules(loader: &mut LoadFile) -> Result<(), Error> {
    for path in MODULES {
        loader.load_module(path, &[])?;
    }
    Ok(())
}

/// What kind of card is in a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardType {
    /// No card.
    None,
    /// A PlayStation card.
    Ps1,
    /// A PlayStation 2 card.
    Ps2,
    /// A PocketStation.
    PocketStation,
    /// Another code.
    Unknown(i32),
}

/// A slot's state ([`MemoryCard::info`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardInfo {
    /// The kind of card.
    pub card_type: CardType,
    /// Free clusters (1 KiB each).
    pub free_clusters: u32,
    /// Whether the card is formatted.
    pub formatted: bool,
    /// Whether this card is new since the last call (inserted, swapped or put back).
    pub new_card: bool,
}

/// Where a seek counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekFrom {
    /// From the start.
    Start(u32),
    /// From the current position.
    Current(i32),
    /// From the end.
    End(i32),
}

#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([u8; 64]);

/// A 64-byte aligned buffer of whole cache lines the IOP DMAs into or reads from.
struct DmaBuffer(Vec<Line>);

impl DmaBuffer {
    fn new(bytes: usize) -> DmaBuffer {
        DmaBuffer(alloc::vec![Line([0; 64]); bytes.div_ceil(64)])
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `Line` is 64 plain bytes; the vector's lines are contiguous.
        unsafe { core::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.len() * 64) }
    }

    fn address(&mut self) -> u32 {
        cache::physical_address(self.0.as_mut_ptr().cast::<u8>())
    }

    /// Before the IOP writes into it: no dirty line may later overwrite the DMA'd data.
    fn prepare_for_dma_in(&mut self) {
        let len = self.0.len() * 64;
        cache::writeback_invalidate_range(self.0.as_ptr().cast(), len);
    }

    /// Before the IOP reads it: the data must be in memory.
    fn prepare_for_dma_out(&mut self) {
        let len = self.0.len() * 64;
        cache::writeback_range(self.0.as_ptr().cast(), len);
    }

    /// After the IOP wrote it: drop stale lines a speculative access may have brought in.
    fn after_dma_in(&mut self) {
        let len = self.0.len() * 64;
        cache::invalidate_range(self.0.as_ptr().cast(), len);
    }
}

/// Bytes moved per Read/Write call (the server's own bounce buffer is 8 KiB).
pub const CHUNK: usize = 8192;
/// GetDir entries fetched per call.
const DIR_BATCH: usize = 16;

/// An open file on the card (close it with [`MemoryCard::close`]).
#[derive(Debug, PartialEq, Eq)]
pub struct File(i32);

/// The client of the IOP's XMCSERV (`0x80000400`), for one card slot (port 0 unless [`MemoryCard::set_port`]).
pub struct MemoryCard {
    client: Client,
    port: u32,
    end_block: DmaBuffer,
    data: DmaBuffer,
}

impl MemoryCard {
    /// Binds XMCSERV (waiting for it to register after [`load_modules`]) and checks its version with Init.
    pub fn init() -> Result<MemoryCard, Error> {
        let mut client = Client::bind(protocol::SID)?;
        let mut reply = [0u8; 12];
        client.call(function::INIT, &protocol::desc(-1, 0, 0, 0, 0, 0, 0, &[]), &mut reply)?;
        let word = |i: usize| i32::from_le_bytes(reply[4 * i..4 * i + 4].try_into().unwrap());
        let (result, mcserv, mcman) = (word(0), word(1), word(2));
        if result != 0 {
            return Err(Error::OldServer { found: result });
        }
        if mcserv < protocol::MIN_VERSIONS.0 || mcman < protocol::MIN_VERSIONS.1 {
            return Err(Error::OldServer { found: mcserv.min(mcman) });
        }
        log::debug!("XMCSERV {mcserv:#x}, XMCMAN {mcman:#x}");
        Ok(MemoryCard { client, port: 0, end_block: DmaBuffer::new(192), data: DmaBuffer::new(CHUNK) })
    }

    /// Uses the card in `port` (0 or 1) from now on.
    pub fn set_port(&mut self, port: u32) {
        self.port = port;
    }

    fn call(&mut self, fno: u32, request: &[u8]) -> Result<i32, Error> {
        let mut reply = [0u8; 4];
        self.client.call(fno, request, &mut reply)?;
        Ok(i32::from_le_bytes(reply))
    }

    fn name_call(&mut self, fno: u32, flags: u32, maxent: u32, ptr: u32, path: &str) -> Result<i32, Error> {
        let request = protocol::name(self.port, flags, maxent, ptr, path)?;
        self.call(fno, &request)
    }

    fn end_word(&mut self, offset: usize) -> u32 {
        let b = self.end_block.bytes();
        u32::from_le_bytes(b[offset..offset + 4].try_into().unwrap())
    }

    /// The slot's state (GetInfo). The first call after a card was inserted reports `new_card`; an
    /// unformatted card is not an error here.
    pub fn info(&mut self) -> Result<CardInfo, Error> {
        self.end_block.prepare_for_dma_in();
        let param = self.end_block.address();
        let result = self.call(function::GET_INFO, &protocol::desc(0, self.port, 1, 1, 1, 0, param, &[]))?;
        self.end_block.after_dma_in();
        let card_type = match self.end_word(0) as i32 {
            0 => CardType::None,
            1 => CardType::Ps1,
            2 => CardType::Ps2,
            3 => CardType::PocketStation,
            other => CardType::Unknown(other),
        };
        match result {
            -2..=0 => Ok(CardInfo {
                card_type,
                free_clusters: self.end_word(4),
                formatted: self.end_word(0x90) == 1,
                new_card: result != 0,
            }),
            other => Err(Error::from_code(other).unwrap_or(Error::Other(other))),
        }
    }

    /// Opens a file for reading.
    pub fn open(&mut self, path: &str) -> Result<File, Error> {
        let fd = check(self.name_call(function::OPEN, open::READ, 0, 0, path)?)?;
        Ok(File(fd as i32))
    }

    /// Creates a file (an existing one is emptied) open for writing.
    pub fn create(&mut self, path: &str) -> Result<File, Error> {
        let fd = check(self.name_call(function::OPEN, open::CREATE | open::WRITE, 0, 0, path)?)?;
        Ok(File(fd as i32))
    }

    /// Closes a file (a file written is then marked closed properly).
    pub fn close(&mut self, file: File) -> Result<(), Error> {
        check(self.call(function::CLOSE, &protocol::desc(file.0, 0, 0, 0, 0, 0, 0, &[]))?).map(drop)
    }

    /// Moves the file position; returns the new one.
    pub fn seek(&mut self, file: &File, from: SeekFrom) -> Result<u32, Error> {
        let (offset, origin) = match from {
            SeekFrom::Start(n) => (n as i32, 0),
            SeekFrom::Current(n) => (n, 1),
            SeekFrom::End(n) => (n, 2),
        };
        check(self.call(function::SEEK, &protocol::desc(file.0, 0, 0, offset, origin, 0, 0, &[]))?)
    }

    /// Reads up to `buf.len()` bytes; returns how many (0 at the end of the file).
    pub fn read(&mut self, file: &File, buf: &mut [u8]) -> Result<usize, Error> {
        let mut done = 0;
        while done < buf.len() {
            let want = (buf.len() - done).min(CHUNK);
            // Into the aligned buffer: no head bytes; the tail (< 64 bytes) comes in the end block.
            self.data.prepare_for_dma_in();
            self.end_block.prepare_for_dma_in();
            let (data, param) = (self.data.address(), self.end_block.address());
            let n = check(self.call(function::READ, &protocol::desc(file.0, 0, want as u32, 0, 0, data, param, &[]))?)? as usize;
            self.data.after_dma_in();
            self.end_block.after_dma_in();
            let n = n.min(want);
            let (head, tail) = (self.end_word(0) as usize, self.end_word(4) as usize);
            let (head, tail) = (head.min(64).min(n), tail.min(64).min(n - head.min(n)));
            let middle = n - head - tail;
            let out = &mut buf[done..done + n];
            let block: [u8; 192] = self.end_block.bytes()[..192].try_into().unwrap();
            out[..head].copy_from_slice(&block[0x10..0x10 + head]);
            out[head..head + middle].copy_from_slice(&self.data.bytes()[head..head + middle]);
            out[head + middle..].copy_from_slice(&block[0x50..0x50 + tail]);
            done += n;
            if n < want {
                break;
            }
        }
        Ok(done)
    }

    /// Writes all of `data` at the file position.
    pub fn write(&mut self, file: &File, data: &[u8]) -> Result<(), Error> {
        for chunk in data.chunks(CHUNK) {
            let n = if chunk.len() < 17 {
                // Small writes travel inside the request, as libmc sends them.
                check(self.call(function::WRITE, &protocol::desc(file.0, 0, 0, 0, chunk.len() as u32, 0, 0, chunk))?)?
            } else {
                self.data.bytes()[..chunk.len()].copy_from_slice(chunk);
                self.data.prepare_for_dma_out();
                let address = self.data.address();
                check(self.call(function::WRITE, &protocol::desc(file.0, 0, chunk.len() as u32, 0, 0, address, 0, &[]))?)?
            };
            if n as usize != chunk.len() {
                return Err(Error::Full);
            }
        }
        Ok(())
    }

    /// Creates a directory.
    pub fn mkdir(&mut self, path: &str) -> Result<(), Error> {
        check(self.name_call(function::OPEN, open::MKDIR, 0, 0, path)?).map(drop)
    }

    /// Deletes a file or an empty directory.
    pub fn remove(&mut self, path: &str) -> Result<(), Error> {
        check(self.name_call(function::DELETE, 0, 0, 0, path)?).map(drop)
    }

    /// Renames `path` to `new_name` in the same directory (SetFileInfo with flag `0x10`); an existing
    /// `new_name` is an error.
    pub fn rename(&mut self, path: &str, new_name: &str) -> Result<(), Error> {
        let table = protocol::rename_table(new_name)?;
        self.data.bytes()[..64].copy_from_slice(&table);
        self.data.prepare_for_dma_out();
        let address = self.data.address();
        check(self.name_call(function::SET_FILE_INFO, protocol::SET_INFO_RENAME, 0, address, path)?).map(drop)
    }

    /// The entries matching `pattern` (`*` and `?` in the last component, e.g. `/SAVE/*`), "." and ".."
    /// included as the card lists them.
    pub fn list(&mut self, pattern: &str) -> Result<Vec<DirEntry>, Error> {
        let mut out = Vec::new();
        let mut flags = 0;
        loop {
            self.data.prepare_for_dma_in();
            let table = self.data.address();
            let n = check(self.name_call(function::GET_DIR, flags, DIR_BATCH as u32, table, pattern)?)? as usize;
            self.data.after_dma_in();
            for k in 0..n.min(DIR_BATCH) {
                out.push(DirEntry::decode(self.data.bytes()[64 * k..64 * k + 64].try_into().unwrap()));
            }
            if n < DIR_BATCH {
                return Ok(out);
            }
            flags = 1;
        }
    }

    /// Formats the card (everything on it is lost).
    pub fn format(&mut self) -> Result<(), Error> {
        check(self.call(function::FORMAT, &protocol::desc(0, self.port, 0, 0, 0, 0, 0, &[]))?).map(drop)
    }

    /// Reads a whole file.
    pub fn read_file(&mut self, path: &str) -> Result<Vec<u8>, Error> {
        let file = self.open(path)?;
        let size = self.seek(&file, SeekFrom::End(0)).and_then(|size| self.seek(&file, SeekFrom::Start(0)).map(|_| size));
        let result = size.and_then(|size| {
            let mut out = alloc::vec![0u8; size as usize];
            let n = self.read(&file, &mut out)?;
            out.truncate(n);
            Ok(out)
        });
        let closed = self.close(file);
        let out = result?;
        closed?;
        Ok(out)
    }

    /// Creates or replaces a file with `data` directly (no protection against a pulled card: see
    /// [`MemoryCard::write_file_safely`]).
    pub fn write_file(&mut self, path: &str, data: &[u8]) -> Result<(), Error> {
        let file = self.create(path)?;
        let written = self.write(&file, data);
        let closed = self.close(file);
        written?;
        closed
    }

    /// Replaces `dir/name` so that a pulled card or a crash leaves either the old or the new file, never
    /// a mix: the data goes to `dir/name.tmp` first, which is closed (MCMAN marks it closed properly),
    /// then the old file is deleted and the new one renamed into place. [`MemoryCard::read_file_safely`]
    /// finishes an interrupted replacement. A write that fails while the card is in (a full card) deletes
    /// `dir/name.tmp` again: closed, it would look complete to the reader.
    pub fn write_file_safely(&mut self, dir: &str, name: &str, data: &[u8]) -> Result<(), Error> {
        let (path, temp) = paths(dir, name)?;
        match self.remove(&temp) {
            Ok(()) | Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
        if let Err(e) = self.write_file(&temp, data) {
            // Best effort: with the card pulled out this fails too, and the unclosed file is dropped on read.
            let _ = self.remove(&temp);
            return Err(e);
        }
        match self.remove(&path) {
            Ok(()) | Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
        self.rename(&temp, name)
    }

    /// Reads `dir/name` written by [`MemoryCard::write_file_safely`]. If the card was pulled between
    /// deleting the old file and renaming the new one, the complete `name.tmp` is renamed into place
    /// first; a `name.tmp` that was not closed properly (pulled mid-write) is deleted.
    pub fn read_file_safely(&mut self, dir: &str, name: &str) -> Result<Vec<u8>, Error> {
        let (path, temp) = paths(dir, name)?;
        let temp_name = String::from(&temp[temp.rfind('/').map_or(0, |i| i + 1)..]);
        let entries = self.list(&temp)?;
        if let Some(e) = entries.iter().find(|e| e.name == temp_name.as_str()) {
            let complete = e.closed_properly();
            match self.list(&path)?.iter().any(|e| e.name == name) {
                false if complete => self.rename(&temp, name)?,
                _ => self.remove(&temp)?,
            }
        }
        self.read_file(&path)
    }
}

/// `dir/name` and `dir/name.tmp`.
fn paths(dir: &str, name: &str) -> Result<(String, String), Error> {
    if name.is_empty() || name.len() + 4 > protocol::MAX_NAME || name.contains('/') {
        return Err(Error::InvalidPath("a safely written name is 1-27 bytes without '/'"));
    }
    let mut path = String::from(dir.trim_end_matches('/'));
    path.push('/');
    path.push_str(name);
    let mut temp = path.clone();
    temp.push_str(".tmp");
    Ok((path, temp))
}

impl core::fmt::Debug for MemoryCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryCard").field("port", &self.port).finish()
    }
}

