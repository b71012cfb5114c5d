//! The FILEIO RPC wire format: server id, function numbers, request layouts, the read block and the
//! `io_stat_t` / `io_dirent_t` records the IOP DMAs back.
//!
//! Everything here is plain data (no IOP access), so it is unit-tested on the host. The layouts are those of
//! the boot ROM's FILEIO (module "FILEIO_service" 1.1) as ps2sdk's EE client `ee/kernel/src/fileio.c`, its IOP
//! re-implementation `iop/fs/fileio/src/fileio.c` and `common/include/{fileio-common.h,io_common.h}` describe
//! them (summarised in the repository's `memory-card-fileio.md` §5): requests are C structs aligned to 16
//! bytes, so their sizes round up to 16 (an open request is 4 + 256 = 260 bytes of fields, 272 sent).

use bitflags::bitflags;

/// The FILEIO server's RPC id.
pub const SID: u32 = 0x8000_0001;

/// Function numbers (`FIO_F_*`).
pub mod fno {
    /// `open(flags, name)` → fd.
    pub const OPEN: u32 = 0;
    /// `close(fd)`.
    pub const CLOSE: u32 = 1;
    /// `read(fd, ptr, size, read block)` → bytes read.
    pub const READ: u32 = 2;
    /// `write(fd, ptr, size, mis, head)` → bytes written.
    pub const WRITE: u32 = 3;
    /// `lseek(fd, offset, whence)` → new position.
    pub const LSEEK: u32 = 4;
    /// `remove(name)`.
    pub const REMOVE: u32 = 6;
    /// `mkdir(name)`.
    pub const MKDIR: u32 = 7;
    /// `rmdir(name)`.
    pub const RMDIR: u32 = 8;
    /// `dopen(name)` → directory fd.
    pub const DOPEN: u32 = 9;
    /// `dclose(fd)`.
    pub const DCLOSE: u32 = 10;
    /// `dread(fd, dirent)` → 1 with an entry, 0 at the end (some devices: the name's length).
    pub const DREAD: u32 = 11;
    /// `getstat(stat, name)`.
    pub const GETSTAT: u32 = 12;
}

/// `FIO_PATH_MAX`: the request's name field, NUL included.
pub const PATH_FIELD: usize = 256;
/// The longest path a request carries (the field less its NUL).
pub const MAX_PATH_LEN: usize = PATH_FIELD - 1;
/// Bytes of an `io_stat_t` (the server DMAs 40; the SIF delivers whole quadwords: 48 land).
pub const STAT_LEN: usize = 40;
/// Bytes of an `io_dirent_t`: the stat, `name[256]`, a private pointer (304 land).
pub const DIRENT_LEN: usize = 300;
/// Bytes of the read block the server DMAs at the end of a read.
pub const READ_BLOCK_LEN: usize = 48;
/// The read and write protocols move the bytes outside 16-byte aligned quadwords separately.
pub const ALIGN: usize = 16;

bitflags! {
    /// `open` flags (the IOP's `FIO_O_*`; the memory card's MCMAN takes the same values).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct OpenFlags: u32 {
        /// `FIO_O_RDONLY`.
        const READ = 0x0001;
        /// `FIO_O_WRONLY`.
        const WRITE = 0x0002;
        /// `FIO_O_NBLOCK`.
        const NONBLOCK = 0x0010;
        /// `FIO_O_APPEND`: every write goes to the end.
        const APPEND = 0x0100;
        /// `FIO_O_CREAT`: create the file when it does not exist.
        const CREATE = 0x0200;
        /// `FIO_O_TRUNC`: empty an existing file.
        const TRUNCATE = 0x0400;
        /// `FIO_O_EXCL`: with `CREATE`, fail when the file exists.
        const EXCLUSIVE = 0x0800;
    }
}

/// `lseek`'s origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    /// From the start (`SEEK_SET`, 0).
    Start = 0,
    /// From the current position (`SEEK_CUR`, 1).
    Current = 1,
    /// From the end (`SEEK_END`, 2).
    End = 2,
}

/// Why a path cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Longer than [`MAX_PATH_LEN`] bytes.
    TooLong(usize),
    /// Contains a NUL byte (the IOP would cut it there).
    Nul(usize),
}

impl core::fmt::Display for PathError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PathError::TooLong(len) => write!(f, "path of {len} bytes is longer than the {MAX_PATH_LEN} bytes FILEIO accepts"),
            PathError::Nul(at) => write!(f, "path contains a NUL byte at byte {at}"),
        }
    }
}

impl core::error::Error for PathError {}

/// The NUL-terminated `name[256]` field for `path`.
pub fn path_field(path: &str) -> Result<[u8; PATH_FIELD], PathError> {
    let bytes = path.as_bytes();
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(PathError::Nul(at));
    }
    if bytes.len() > MAX_PATH_LEN {
        return Err(PathError::TooLong(bytes.len()));
    }
    let mut field = [0u8; PATH_FIELD];
    field[..bytes.len()].copy_from_slice(bytes);
    Ok(field)
}

fn put(buf: &mut [u8], offset: usize, value: u32) {
    buf[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

fn get(buf: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes([buf[offset], buf[offset + 1], buf[offset + 2], buf[offset + 3]])
}

/// `open`: `+0 flags`, `+4 name[256]` (272 bytes sent).
pub fn open_request(flags: OpenFlags, path: &str) -> Result<[u8; 272], PathError> {
    let mut request = [0u8; 272];
    put(&mut request, 0, flags.bits());
    request[4..4 + PATH_FIELD].copy_from_slice(&path_field(path)?);
    Ok(request)
}

/// `remove`, `mkdir`, `rmdir`, `dopen`: the path alone (256 bytes).
pub fn path_request(path: &str) -> Result<[u8; PATH_FIELD], PathError> {
    path_field(path)
}

/// `close`, `dclose`: `+0 fd` (4 bytes).
pub fn fd_request(fd: i32) -> [u8; 4] {
    fd.to_le_bytes()
}

/// `read`: `+0 fd`, `+4 EE buffer`, `+8 size`, `+C EE address of the read block` (16 bytes).
pub fn read_request(fd: i32, buffer: u32, size: u32, block: u32) -> [u8; 16] {
    let mut request = [0u8; 16];
    put(&mut request, 0, fd as u32);
    put(&mut request, 4, buffer);
    put(&mut request, 8, size);
    put(&mut request, 12, block);
    request
}

/// How many leading bytes of a write travel inside the request (`mis`): those before the buffer's first
/// 16-byte boundary, at most `size`. The server pulls the rest from `buffer + mis` by DMA, which needs a
/// quadword-aligned source.
pub fn write_head_len(buffer: u32, size: usize) -> usize {
    let misaligned = buffer as usize % ALIGN;
    if misaligned == 0 { 0 } else { (ALIGN - misaligned).min(size) }
}

/// `write`: `+0 fd`, `+4 EE buffer`, `+8 size`, `+C mis`, `+10 head[16]` (32 bytes); `head` is the first
/// [`write_head_len`] bytes of the data.
pub fn write_request(fd: i32, buffer: u32, size: u32, head: &[u8]) -> [u8; 32] {
    let mut request = [0u8; 32];
    put(&mut request, 0, fd as u32);
    put(&mut request, 4, buffer);
    put(&mut request, 8, size);
    put(&mut request, 12, head.len() as u32);
    request[16..16 + head.len()].copy_from_slice(head);
    request
}

/// `lseek`: `+0 fd`, `+4 offset`, `+8 whence` (16 bytes sent).
pub fn lseek_request(fd: i32, offset: i32, whence: Whence) -> [u8; 16] {
    let mut request = [0u8; 16];
    put(&mut request, 0, fd as u32);
    put(&mut request, 4, offset as u32);
    put(&mut request, 8, whence as u32);
    request
}

/// `dread`: `+0 fd`, `+4 EE address of an io_dirent_t` (16 bytes sent).
pub fn dread_request(fd: i32, dirent: u32) -> [u8; 16] {
    let mut request = [0u8; 16];
    put(&mut request, 0, fd as u32);
    put(&mut request, 4, dirent);
    request
}

/// `getstat`: `+0 EE address of an io_stat_t`, `+4 name[256]` (272 bytes sent).
pub fn getstat_request(stat: u32, path: &str) -> Result<[u8; 272], PathError> {
    let mut request = [0u8; 272];
    put(&mut request, 0, stat);
    request[4..4 + PATH_FIELD].copy_from_slice(&path_field(path)?);
    Ok(request)
}

/// The signed result word of a reply.
pub fn result(reply: &[u8]) -> i32 {
    get(reply, 0) as i32
}

/// How the server splits a read of `size` bytes into `buffer` (ps2sdk `fileio_rpc_read`): at least 16 bytes
/// are read as a head up to the first 16-byte boundary, a middle of whole quadwords DMA'd straight into the
/// buffer, and a tail after the last boundary; the head and tail travel in the read block. Fewer than 16 bytes
/// all travel in the block's first half.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadSplit {
    /// Bytes before the middle (into the block's `buf1`).
    pub head: usize,
    /// Bytes DMA'd straight to `buffer + head` (a multiple of 16).
    pub middle: usize,
    /// Bytes after the middle (into `buf2`).
    pub tail: usize,
}

impl ReadSplit {
    /// The split for a read of `size` bytes to EE address `buffer`.
    pub fn new(buffer: u32, size: usize) -> ReadSplit {
        if size < ALIGN {
            return ReadSplit { head: size, middle: 0, tail: 0 };
        }
        let start = buffer as usize;
        let end = start + size;
        let head = (ALIGN - start % ALIGN) % ALIGN;
        let middle = (end & !(ALIGN - 1)) - (start + head);
        ReadSplit { head, middle, tail: end % ALIGN }
    }
}

/// The block a read ends with (`struct _fio_read_data`): the head and tail bytes and where they go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadBlock {
    /// Bytes of `buf1` to copy to `dest1`.
    pub size1: u32,
    /// Bytes of `buf2` to copy to `dest2`.
    pub size2: u32,
    /// EE address of the head.
    pub dest1: u32,
    /// EE address of the tail.
    pub dest2: u32,
    /// The head bytes.
    pub buf1: [u8; 16],
    /// The tail bytes.
    pub buf2: [u8; 16],
}

impl ReadBlock {
    /// Decodes the 48-byte block.
    pub fn parse(bytes: &[u8; READ_BLOCK_LEN]) -> ReadBlock {
        let mut buf1 = [0u8; 16];
        let mut buf2 = [0u8; 16];
        buf1.copy_from_slice(&bytes[16..32]);
        buf2.copy_from_slice(&bytes[32..48]);
        ReadBlock { size1: get(bytes, 0), size2: get(bytes, 4), dest1: get(bytes, 8), dest2: get(bytes, 12), buf1, buf2 }
    }
}

/// A date and time as devices record it (`sceMcStDateTime`: `+1` second, `+2` minute, `+3` hour, `+4` day,
/// `+5` month, `+6` year as u16). What the fields mean depends on the device: memory cards keep Japan time,
/// the disc its recording date, PCSX2's `host:` stores years since 1900 in the low byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp {
    /// 0-59.
    pub second: u8,
    /// 0-59.
    pub minute: u8,
    /// 0-23.
    pub hour: u8,
    /// 1-31.
    pub day: u8,
    /// 1-12.
    pub month: u8,
    /// The year.
    pub year: u16,
}

impl Timestamp {
    /// Decodes the 8 bytes.
    pub fn parse(bytes: &[u8]) -> Timestamp {
        Timestamp {
            second: bytes[1],
            minute: bytes[2],
            hour: bytes[3],
            day: bytes[4],
            month: bytes[5],
            year: u16::from_le_bytes([bytes[6], bytes[7]]),
        }
    }
}

/// An `io_stat_t`: `+00 mode`, `+04 attr`, `+08 size`, `+0C ctime`, `+14 atime`, `+1C mtime`, `+24 hisize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The device's mode bits (see [`crate::Metadata::kind`] for how they are read).
    pub mode: u32,
    /// Device-specific attributes.
    pub attr: u32,
    /// Size in bytes (`hisize << 32 | size`).
    pub size: u64,
    /// Creation time.
    pub created: Timestamp,
    /// Last access.
    pub accessed: Timestamp,
    /// Last modification.
    pub modified: Timestamp,
}

impl Stat {
    /// Decodes the first [`STAT_LEN`] bytes.
    pub fn parse(bytes: &[u8]) -> Stat {
        Stat {
            mode: get(bytes, 0),
            attr: get(bytes, 4),
            size: u64::from(get(bytes, 0x24)) << 32 | u64::from(get(bytes, 8)),
            created: Timestamp::parse(&bytes[0x0C..0x14]),
            accessed: Timestamp::parse(&bytes[0x14..0x1C]),
            modified: Timestamp::parse(&bytes[0x1C..0x24]),
        }
    }
}

/// The name of an `io_dirent_t` (`+028 name[256]`, NUL-terminated), and its stat.
pub fn parse_dirent(bytes: &[u8]) -> (Stat, &[u8]) {
    let name = &bytes[0x28..0x28 + PATH_FIELD];
    let len = name.iter().position(|&b| b == 0).unwrap_or(PATH_FIELD);
    (Stat::parse(bytes), &name[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected bytes are written out from the layouts in ps2sdk's `fileio.c` structs
    // (`_fio_open_arg`, `_fio_read_arg`, `_fio_write_arg`, `_fio_lseek_arg`, `_fio_getstat_arg`).

    #[test]
    fn open_request_is_flags_then_the_name() {
        let r = open_request(OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE, "host:a.txt").unwrap();
        assert_eq!(r.len(), 272);
        assert_eq!(&r[0..4], &[0x02, 0x06, 0, 0], "O_WRONLY | O_CREAT | O_TRUNC = 0x602");
        assert_eq!(&r[4..14], b"host:a.txt");
        assert!(r[14..].iter().all(|&b| b == 0), "NUL-terminated, zero-filled");
    }

    #[test]
    fn paths_are_limited_to_255_bytes_without_nul() {
        let long = "h".repeat(255);
        assert!(path_field(&long).is_ok());
        assert_eq!(path_field(&"h".repeat(256)), Err(PathError::TooLong(256)));
        assert_eq!(path_field("host:a\0b"), Err(PathError::Nul(6)));
        assert_eq!(PathError::TooLong(256).to_string(), "path of 256 bytes is longer than the 255 bytes FILEIO accepts");
        assert_eq!(PathError::Nul(6).to_string(), "path contains a NUL byte at byte 6");
        assert_eq!(path_field(&long).unwrap()[255], 0, "the last byte stays the NUL");
    }

    #[test]
    fn read_request_layout() {
        let r = read_request(3, 0x0012_3455, 1000, 0x0004_0040);
        assert_eq!(r, [3, 0, 0, 0, 0x55, 0x34, 0x12, 0, 0xE8, 0x03, 0, 0, 0x40, 0, 0x04, 0]);
    }

    #[test]
    fn write_carries_the_bytes_before_the_first_quadword_boundary() {
        assert_eq!(write_head_len(0x1000, 100), 0, "aligned: nothing inline");
        assert_eq!(write_head_len(0x1003, 100), 13);
        assert_eq!(write_head_len(0x100F, 100), 1);
        assert_eq!(write_head_len(0x1003, 5), 5, "never more than the data");
        let r = write_request(7, 0x2003, 100, b"0123456789abc");
        assert_eq!(&r[0..16], &[7, 0, 0, 0, 0x03, 0x20, 0, 0, 100, 0, 0, 0, 13, 0, 0, 0]);
        assert_eq!(&r[16..29], b"0123456789abc");
        assert_eq!(&r[29..32], &[0, 0, 0]);
    }

    #[test]
    fn lseek_and_dread_and_getstat_layouts() {
        assert_eq!(lseek_request(2, -5, Whence::End), [2, 0, 0, 0, 0xFB, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(dread_request(4, 0x0010_0000), [4, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let g = getstat_request(0x0010_0040, "cdrom0:\\A;1").unwrap();
        assert_eq!(&g[0..4], &[0x40, 0, 0x10, 0]);
        assert_eq!(&g[4..15], b"cdrom0:\\A;1");
        assert_eq!(fd_request(-1), [0xFF; 4]);
    }

    #[test]
    fn read_split_matches_the_servers_arithmetic() {
        // Aligned start and end: all middle.
        assert_eq!(ReadSplit::new(0x1000, 64), ReadSplit { head: 0, middle: 64, tail: 0 });
        // 0x1003..0x1003+100 = 0x1067: head to 0x1010 (13), middle to 0x1060 (80), tail 7.
        assert_eq!(ReadSplit::new(0x1003, 100), ReadSplit { head: 13, middle: 80, tail: 7 });
        // Under 16 bytes: everything in buf1, even when it crosses a boundary.
        assert_eq!(ReadSplit::new(0x100E, 15), ReadSplit { head: 15, middle: 0, tail: 0 });
        // 16 bytes across a boundary: head and tail, no middle.
        assert_eq!(ReadSplit::new(0x100E, 16), ReadSplit { head: 2, middle: 0, tail: 14 });
        for (addr, size) in [(0x1001u32, 17usize), (0x1000, 16), (0x1008, 1000), (0x100F, 33)] {
            let s = ReadSplit::new(addr, size);
            assert_eq!(s.head + s.middle + s.tail, size, "{addr:#x}+{size}");
            assert_eq!((addr as usize + s.head) % 16, 0);
            assert_eq!(s.middle % 16, 0);
        }
    }

    #[test]
    fn read_block_and_stat_decode() {
        let mut block = [0u8; READ_BLOCK_LEN];
        block[0] = 3;
        block[4] = 5;
        block[8..12].copy_from_slice(&0x0010_0003u32.to_le_bytes());
        block[12..16].copy_from_slice(&0x0010_0060u32.to_le_bytes());
        block[16..19].copy_from_slice(b"abc");
        block[32..37].copy_from_slice(b"vwxyz");
        let b = ReadBlock::parse(&block);
        assert_eq!((b.size1, b.size2, b.dest1, b.dest2), (3, 5, 0x0010_0003, 0x0010_0060));
        assert_eq!((&b.buf1[..3], &b.buf2[..5]), (&b"abc"[..], &b"vwxyz"[..]));

        let mut dirent = [0u8; DIRENT_LEN];
        dirent[0] = 0x10; // FIO_SO_IFREG
        dirent[8..12].copy_from_slice(&1234u32.to_le_bytes());
        dirent[0x24] = 1; // hisize
        dirent[0x1C..0x24].copy_from_slice(&[0, 30, 20, 10, 4, 12, 0xEA, 0x07]);
        dirent[0x28..0x2D].copy_from_slice(b"A.TXT");
        let (stat, name) = parse_dirent(&dirent);
        assert_eq!(name, b"A.TXT");
        assert_eq!(stat.mode, 0x10);
        assert_eq!(stat.size, (1 << 32) + 1234);
        assert_eq!(stat.modified, Timestamp { second: 30, minute: 20, hour: 10, day: 4, month: 12, year: 2026 });
    }
}
