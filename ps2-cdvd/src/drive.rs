//! The CDVDFSV client: disc state, sector reads (synchronous and in flight), file search.
//!
//! ```no_run
//! # fn main() -> Result<(), ps2_cdvd::Error> {
//! let mut cd = ps2_cdvd::Cdvd::init()?;            // binds the IOP's CD/DVD servers, waits for the disc
//! let mut buffer = ps2_cdvd::SectorBuffer::new(16);
//! cd.read(16, &mut buffer)?;                        // the primary volume descriptor and 15 more sectors
//! let read = cd.start_read(1000, buffer).map_err(|(e, _)| e)?; // returns at once; the drive works meanwhile
//! let buffer = cd.finish_read(read).map_err(|(e, _)| e)?;
//! # Ok(())
//! # }
//! ```
//!
//! Reads go into [`SectorBuffer`]s: 64-byte aligned, whole sectors, so the IOP can DMA straight into them
//! without the unaligned-fragment path, and nothing else shares their cache lines. A read in flight owns its
//! buffer ([`ReadInFlight`]) until [`Cdvd::finish_read`] hands it back, so the program cannot look at data the
//! DMA is still writing. Drive errors are retried ([`READ_RETRIES`]) and then reported with the drive's code.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::mem::ManuallyDrop;
use core::time::Duration;

use ps2_iop::rpc::Client;

use crate::iso9660::SECTOR_SIZE;

/// Server ids of CDVDFSV.
mod sid {
    pub const INIT: u32 = 0x8000_0592;
    pub const S_COMMAND: u32 = 0x8000_0593;
    pub const N_COMMAND: u32 = 0x8000_0595;
    pub const SEARCH: u32 = 0x8000_0597;
    pub const DISC_READY: u32 = 0x8000_059A;
}

/// S-command numbers.
mod scmd {
    pub const DISC_TYPE: u32 = 0x03;
    pub const ERROR: u32 = 0x04;
    pub const STATUS: u32 = 0x0C;
    pub const BREAK: u32 = 0x16;
    pub const MEDIA_MODE: u32 = 0x22;
}

/// N-command numbers.
mod ncmd {
    pub const READ: u32 = 1;
    pub const SEEK: u32 = 5;
    pub const STANDBY: u32 = 6;
    pub const STOP: u32 = 7;
    pub const PAUSE: u32 = 8;
}

/// How many times a failed read is retried before it is reported.
pub const READ_RETRIES: u32 = 3;
/// How long [`Cdvd::init`] waits for a disc to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A drive error code (`sceCdGetError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriveError(pub u32);

impl DriveError {
    /// What the code means.
    pub fn description(self) -> &'static str {
        match self.0 {
            0x01 => "command aborted",
            0x10 | 0x14 => "command not supported",
            0x11 => "tray open",
            0x12 => "no disc",
            0x13 => "drive not ready",
            0x20 => "sector number out of range",
            0x21 => "illegal length",
            0x22 => "invalid parameter",
            0x30 => "read error",
            0x31 => "tray opened during the read",
            0x32 => "end of media",
            _ => "drive error",
        }
    }
}

impl fmt::Display for DriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {:#04x})", self.description(), self.0)
    }
}

impl core::error::Error for DriveError {}

/// What the drive is doing (`sceCdStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveStatus {
    /// The spindle is stopped (`SCECdStatStop`, 0x00).
    Stopped,
    /// The tray is open (`SCECdStatShellOpen`, 0x01).
    TrayOpen,
    /// The disc is spinning, nothing is being read (`SCECdStatSpin`, 0x02).
    Spinning,
    /// A read is in progress (`SCECdStatRead`, 0x06).
    Reading,
    /// Paused: spinning, the head kept in place (`SCECdStatPause`, 0x0A).
    Paused,
    /// The head is seeking (`SCECdStatSeek`, 0x12).
    Seeking,
    /// The drive is in an error state (`SCECdStatEmg`, 0x20).
    Error,
    /// Any other status byte, as the drive reported it.
    Other(u32),
}

impl DriveStatus {
    /// From the drive's status byte.
    pub fn from_code(code: u32) -> DriveStatus {
        match code {
            0x00 => DriveStatus::Stopped,
            0x01 => DriveStatus::TrayOpen,
            0x02 => DriveStatus::Spinning,
            0x06 => DriveStatus::Reading,
            0x0A => DriveStatus::Paused,
            0x12 => DriveStatus::Seeking,
            0x20 => DriveStatus::Error,
            other => DriveStatus::Other(other),
        }
    }
}

/// What went wrong with the drive or a request to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Talking to the IOP failed.
    Iop(ps2_iop::Error),
    /// No disc is in the drive, or it never became ready.
    NoDisc,
    /// A command was given while this `Cdvd`'s read is still in flight: finish the read first (one read at a
    /// time per drive, as CDVDFSV serves them).
    ReadInFlight,
    /// A read was to be finished, but none was started (or it was already finished).
    NoReadInFlight,
    /// A read destination is not aligned as the IOP's DMA needs.
    Misaligned {
        /// The destination's address.
        address: usize,
        /// The alignment needed, in bytes.
        alignment: usize,
    },
    /// A path for the ROM's file search is longer than it accepts.
    PathTooLong {
        /// The path's length in bytes.
        len: usize,
        /// The longest accepted, in bytes.
        max: usize,
    },
    /// A read failed after [`READ_RETRIES`] retries.
    Read {
        /// First sector of the read.
        lsn: u32,
        /// Sectors asked for.
        sectors: u32,
        /// The drive's error.
        error: DriveError,
    },
    /// The drive refused a command.
    Drive(DriveError),
    /// A buffer was too small for the request.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

impl From<ps2_iop::Error> for Error {
    fn from(e: ps2_iop::Error) -> Error {
        Error::Iop(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Iop(e) => write!(f, "IOP: {e}"),
            Error::NoDisc => write!(f, "no disc in the drive"),
            Error::ReadInFlight => write!(f, "a read is in flight: finish it before the next command"),
            Error::NoReadInFlight => write!(f, "no read is in flight to finish"),
            Error::Misaligned { address, alignment } => {
                write!(f, "read destination {address:#010x} is not {alignment}-byte aligned")
            }
            Error::PathTooLong { len, max } => write!(f, "disc path of {len} bytes is longer than the {max} bytes allowed"),
            Error::Read { lsn, sectors, error } => {
                write!(f, "reading {sectors} sector(s) at LSN {lsn} failed after {READ_RETRIES} retries: {error}")
            }
            Error::Drive(e) => write!(f, "the drive refused the command: {e}"),
            Error::BufferTooSmall { needed, available } => {
                write!(f, "buffer of {available} bytes is too small for {needed} bytes")
            }
        }
    }
}

impl core::error::Error for Error {}

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind;
        match self {
            Error::NoDisc => ErrorKind::NotConnected,
            Error::ReadInFlight | Error::NoReadInFlight | Error::Misaligned { .. } | Error::PathTooLong { .. } => {
                ErrorKind::InvalidInput
            }
            Error::BufferTooSmall { .. } => ErrorKind::InvalidInput,
            Error::Iop(_) | Error::Read { .. } | Error::Drive(_) => ErrorKind::Other,
        }
    }
}

/// What is in the drive (`sceCdGetDiskType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscType {
    /// No disc.
    None,
    /// Still detecting.
    Detecting,
    /// A PlayStation 2 CD.
    Ps2Cd,
    /// A PlayStation 2 DVD.
    Ps2Dvd,
    /// A PlayStation CD.
    Ps1Cd,
    /// Something else (audio CD, DVD video, unknown: the raw code).
    Other(u32),
}

impl DiscType {
    /// From the drive's code.
    pub fn from_code(code: u32) -> DiscType {
        match code {
            0x00 => DiscType::None,
            0x01..=0x04 => DiscType::Detecting,
            0x12 | 0x13 => DiscType::Ps2Cd,
            0x14 => DiscType::Ps2Dvd,
            0x10 | 0x11 => DiscType::Ps1Cd,
            other => DiscType::Other(other),
        }
    }

    /// Whether this is DVD media (2048-byte sectors, 4× spindle limit).
    pub fn is_dvd(self) -> bool {
        self == DiscType::Ps2Dvd
    }
}

#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([u8; 64]);

/// A 64-byte aligned buffer of whole sectors, ready for the IOP's DMA.
pub struct SectorBuffer {
    lines: Vec<Line>,
}

impl SectorBuffer {
    /// A zeroed buffer of `sectors` sectors.
    pub fn new(sectors: usize) -> SectorBuffer {
        SectorBuffer { lines: alloc::vec![Line([0; 64]); sectors * SECTOR_SIZE / 64] }
    }

    /// Its capacity in sectors.
    pub fn sectors(&self) -> usize {
        self.lines.len() * 64 / SECTOR_SIZE
    }

    /// Its bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `lines` is a contiguous array of 64-byte blocks.
        unsafe { core::slice::from_raw_parts(self.lines.as_ptr().cast(), self.lines.len() * 64) }
    }

    /// Its bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above.
        unsafe { core::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast(), self.lines.len() * 64) }
    }
}

/// A read the drive is working on. It owns the destination buffer; [`Cdvd::finish_read`] gives it back.
/// Dropping it without finishing leaks the buffer (the DMA may still write it) rather than freeing it.
pub struct ReadInFlight {
    buffer: Option<SectorBuffer>,
    lsn: u32,
    sectors: u32,
}

impl Drop for ReadInFlight {
    fn drop(&mut self) {
        if let Some(buffer) = self.buffer.take() {
            core::mem::forget(buffer);
        }
    }
}

/// The IOP writes a read's unaligned fragments and progress (`curReadPos`) here; unused (reads go to 64-byte
/// aligned memory) but it must be valid, 64-byte aligned memory for as long as a read is in flight.
#[repr(C, align(64))]
struct ReadScratch([u8; 256]);

/// A connection to the IOP's CD/DVD servers.
pub struct Cdvd {
    s_commands: Client,
    n_commands: Client,
    search: Option<Client>,
    ready: Client,
    disc_type: DiscType,
    read_in_flight: bool,
    /// The read into caller-owned memory in flight ([`Cdvd::start_read_into`]), if any.
    read_into: Option<ReadTarget>,
    /// `sceCdRMode` packed: trycount, spindle control, data pattern.
    read_mode: u32,
    /// This connection's [`ReadScratch`]; leaked rather than freed if the `Cdvd` is dropped during a read.
    scratch: ManuallyDrop<Box<ReadScratch>>,
}

impl Drop for Cdvd {
    fn drop(&mut self) {
        if !self.read_in_flight {
            // SAFETY: dropped once, here; no read can write the scratch any more.
            unsafe { ManuallyDrop::drop(&mut self.scratch) };
        }
    }
}

/// Where a read into caller-owned memory goes, kept to finish (and retry) it.
#[derive(Clone, Copy)]
struct ReadTarget {
    lsn: u32,
    sectors: u32,
    /// The destination's address (an address, not a pointer, so that `Cdvd` stays `Send`).
    address: usize,
}

impl Cdvd {
    /// Binds the CD/DVD servers, initialises the drive (`sceCdInit`), and waits until a disc is ready; sets the
    /// media mode from the disc type. Fails with [`Error::NoDisc`] when no disc becomes ready in
    /// [`READY_TIMEOUT`].
    pub fn init() -> Result<Cdvd, Error> {
        let mut init = Client::bind(sid::INIT)?;
        let mut reply = [0u8; 16];
        init.call(0, &0u32.to_le_bytes(), &mut reply)?;
        let mut cdvd = Cdvd {
            s_commands: Client::bind(sid::S_COMMAND)?,
            n_commands: Client::bind(sid::N_COMMAND)?,
            search: None,
            ready: Client::bind(sid::DISC_READY)?,
            disc_type: DiscType::None,
            read_in_flight: false,
            read_into: None,
            // trycount 0 (the drive's default), SCECdSpinNom, 2048-byte sectors.
            read_mode: 1 << 8,
            scratch: ManuallyDrop::new(Box::new(ReadScratch([0; 256]))),
        };
        let start = ps2_sys::clock::Instant::now();
        while !cdvd.is_ready()? {
            // A drive that is spinning a disc up reports "detecting"; "no disc" means there is nothing to wait for.
            if cdvd.query_disc_type()? == DiscType::None {
                return Err(Error::NoDisc);
            }
            if start.elapsed() > READY_TIMEOUT {
                return Err(Error::NoDisc);
            }
            ps2_sys::clock::spin_for(Duration::from_millis(10));
        }
        cdvd.disc_type = cdvd.query_disc_type()?;
        if cdvd.disc_type == DiscType::None {
            return Err(Error::NoDisc);
        }
        let media = if cdvd.disc_type.is_dvd() { 2u32 } else { 1 };
        cdvd.s_command(scmd::MEDIA_MODE, &media.to_le_bytes())?;
        Ok(cdvd)
    }

    /// The disc type found by [`Cdvd::init`].
    pub fn disc_type(&self) -> DiscType {
        self.disc_type
    }

    /// Whether the drive is ready for commands (`sceCdDiskReady(1)`).
    pub fn is_ready(&mut self) -> Result<bool, Error> {
        let mut reply = [0u8; 4];
        self.ready.call(0, &1u32.to_le_bytes(), &mut reply)?;
        Ok(u32::from_le_bytes(reply) == 2)
    }

    /// Asks the drive what is in it.
    pub fn query_disc_type(&mut self) -> Result<DiscType, Error> {
        Ok(DiscType::from_code(self.s_command(scmd::DISC_TYPE, &[])?))
    }

    /// The drive's last error, `None` when there was none.
    pub fn last_error(&mut self) -> Result<Option<DriveError>, Error> {
        let code = self.s_command(scmd::ERROR, &[])?;
        Ok((code != 0).then_some(DriveError(code)))
    }

    /// What the drive is doing (`sceCdStatus`).
    pub fn status(&mut self) -> Result<DriveStatus, Error> {
        self.s_command(scmd::STATUS, &[]).map(DriveStatus::from_code)
    }

    /// Aborts the current N-command (`sceCdBreak`).
    pub fn abort(&mut self) -> Result<(), Error> {
        self.s_command(scmd::BREAK, &[]).map(drop)
    }

    fn s_command(&mut self, command: u32, send: &[u8]) -> Result<u32, Error> {
        let mut reply = [0u8; 4];
        self.s_commands.call(command, send, &mut reply)?;
        Ok(u32::from_le_bytes(reply))
    }

    fn n_command(&mut self, command: u32, send: &[u8]) -> Result<(), Error> {
        if self.read_in_flight {
            return Err(Error::ReadInFlight);
        }
        let mut reply = [0u8; 4];
        self.n_commands.call(command, send, &mut reply)?;
        match self.last_error()? {
            None => Ok(()),
            Some(e) => Err(Error::Drive(e)),
        }
    }

    /// Moves the head to `lsn`.
    pub fn seek(&mut self, lsn: u32) -> Result<(), Error> {
        self.n_command(ncmd::SEEK, &lsn.to_le_bytes())
    }

    /// Stops the spindle.
    pub fn stop(&mut self) -> Result<(), Error> {
        self.n_command(ncmd::STOP, &[])
    }

    /// Spins the disc up and keeps it ready (`sceCdStandby`).
    pub fn standby(&mut self) -> Result<(), Error> {
        self.n_command(ncmd::STANDBY, &[])
    }

    /// Pauses the drive (spinning, not reading).
    pub fn pause(&mut self) -> Result<(), Error> {
        self.n_command(ncmd::PAUSE, &[])
    }

    /// Starts reading `sectors` sectors from `lsn` into `buffer` and returns at once.
    pub fn start_read_sectors(
        &mut self,
        lsn: u32,
        sectors: u32,
        buffer: SectorBuffer,
    ) -> Result<ReadInFlight, (Error, SectorBuffer)> {
        if self.read_in_flight {
            return Err((Error::ReadInFlight, buffer));
        }
        if sectors as usize > buffer.sectors() {
            let error =
                Error::BufferTooSmall { needed: sectors as usize * SECTOR_SIZE, available: buffer.sectors() * SECTOR_SIZE };
            return Err((error, buffer));
        }
        match self.issue_read(lsn, sectors, buffer.as_slice().as_ptr()) {
            Ok(()) => Ok(ReadInFlight { buffer: Some(buffer), lsn, sectors }),
            // Nothing was sent: the buffer is the caller's again.
            Err(error) => Err((error, buffer)),
        }
    }

    /// Sends the READ N-command for `sectors` sectors from `lsn` to `target` (64-byte aligned, whole sectors).
    fn issue_read(&mut self, lsn: u32, sectors: u32, target: *const u8) -> Result<(), Error> {
        // The DMA writes RAM: no dirty line may later be written back over it, and no stale line read.
        ps2_sys::cache::writeback_invalidate_range(target, sectors as usize * SECTOR_SIZE);
        let scratch = self.scratch.0.as_ptr();
        let request = read_request(
            lsn,
            sectors,
            ps2_sys::cache::physical_address(target),
            self.read_mode,
            ps2_sys::cache::physical_address(scratch),
            ps2_sys::cache::physical_address(scratch.wrapping_add(192)),
        );
        self.n_commands.start_call(ncmd::READ, &request, 4)?;
        self.read_in_flight = true;
        Ok(())
    }

    /// Waits for the read [`Cdvd::issue_read`] sent, then asks the drive how it went.
    ///
    /// Completion is judged the way ps2sdk's `libcdvd` does it (`ee/rpc/cdvd/src/ncmd.c`: `sceCdRead` sends the
    /// request with `SIF_RPC_M_NOWAIT` and no receive buffer at all; the program waits with `sceCdSync` and then
    /// reads `sceCdGetError`): the RPC's end says the command finished, the drive's error code says whether it
    /// worked. CDVDFSV's reply word is not looked at: ROM and later modules, and emulators' HLE servers, fill it
    /// differently (bytes transferred, or 0), and a client that demanded `sectors × 2048` there failed every read
    /// on a machine whose server replies 0.
    fn complete_read(&mut self, lsn: u32, sectors: u32, target: *const u8) -> Result<(), Error> {
        let result = self.n_commands.finish_call().map(|reply| u32::from_le_bytes([reply[0], reply[1], reply[2], reply[3]]));
        self.read_in_flight = false;
        let reply = result?;
        ps2_sys::cache::invalidate_range(target, sectors as usize * SECTOR_SIZE);
        if reply as usize != sectors as usize * SECTOR_SIZE {
            log::debug!("CDVDFSV READ of {sectors} sector(s) at LSN {lsn} replied {reply}; judged by sceCdGetError");
        }
        read_outcome(self.last_error()?).map_err(|error| Error::Read { lsn, sectors, error })
    }

    /// Starts reading `sectors` sectors from `lsn` straight into memory the caller owns, and returns at once;
    /// [`Cdvd::finish_read_into`] waits for it. For buffers that another crate allocates (e.g. a weight
    /// streamer's own 64-byte aligned buffers), where a [`SectorBuffer`] would cost a copy.
    ///
    /// Fails without reading when another read is in flight or `dest` is not 64-byte aligned.
    ///
    /// # Safety
    ///
    /// `dest` must be valid for writes of `sectors * 2048` bytes, and that memory must not be read, written or
    /// freed until [`Cdvd::finish_read_into`] has returned: the IOP's DMA writes it meanwhile, and a retry
    /// inside `finish_read_into` writes it again. Dropping the `Cdvd` first does not end the DMA.
    pub unsafe fn start_read_into(&mut self, lsn: u32, sectors: u32, dest: *mut u8) -> Result<(), Error> {
        if self.read_in_flight {
            return Err(Error::ReadInFlight);
        }
        if !(dest as usize).is_multiple_of(64) {
            return Err(Error::Misaligned { address: dest as usize, alignment: 64 });
        }
        self.issue_read(lsn, sectors, dest)?;
        self.read_into = Some(ReadTarget { lsn, sectors, address: dest as usize });
        Ok(())
    }

    /// Whether a read into caller memory is in flight (started and not yet finished).
    pub fn read_into_pending(&self) -> bool {
        self.read_into.is_some()
    }

    /// Waits for the read [`Cdvd::start_read_into`] started; a drive error re-reads the same sectors up to
    /// [`READ_RETRIES`] times before it is reported. Afterwards the destination holds the sectors and belongs
    /// to the caller again. Fails at once when no such read is in flight.
    pub fn finish_read_into(&mut self) -> Result<(), Error> {
        let target = self.read_into.take().ok_or(Error::NoReadInFlight)?;
        let dest = target.address as *const u8;
        let mut result = self.complete_read(target.lsn, target.sectors, dest);
        for attempt in 1..=READ_RETRIES {
            let Err(Error::Read { error, .. }) = result else { break };
            log_retry(target.lsn, target.sectors, error, attempt);
            self.issue_read(target.lsn, target.sectors, dest)?;
            result = self.complete_read(target.lsn, target.sectors, dest);
        }
        result
    }

    /// Starts reading as many sectors as `buffer` holds. On error the buffer comes back with it.
    pub fn start_read(&mut self, lsn: u32, buffer: SectorBuffer) -> Result<ReadInFlight, (Error, SectorBuffer)> {
        let sectors = buffer.sectors() as u32;
        self.start_read_sectors(lsn, sectors, buffer)
    }

    /// Whether a read in flight has finished (`sceCdSync(1)`).
    pub fn read_done(&self) -> bool {
        !self.n_commands.is_busy()
    }

    /// Waits for a read and returns its buffer, or the drive's error.
    pub fn finish_read(&mut self, mut read: ReadInFlight) -> Result<SectorBuffer, (Error, SectorBuffer)> {
        let buffer = read.buffer.take().expect("a read in flight owns its buffer");
        match self.complete_read(read.lsn, read.sectors, buffer.as_slice().as_ptr()) {
            Ok(()) => Ok(buffer),
            Err(e) => Err((e, buffer)),
        }
    }

    /// Reads sectors into `buffer` (as many as it holds) and waits, retrying failed reads.
    pub fn read(&mut self, lsn: u32, buffer: &mut SectorBuffer) -> Result<(), Error> {
        let sectors = buffer.sectors() as u32;
        self.read_sectors(lsn, sectors, buffer)
    }

    /// Reads `sectors` sectors into the start of `buffer` and waits, retrying failed reads.
    pub fn read_sectors(&mut self, lsn: u32, sectors: u32, buffer: &mut SectorBuffer) -> Result<(), Error> {
        let mut owned = core::mem::replace(buffer, SectorBuffer { lines: Vec::new() });
        let mut last = Error::NoDisc;
        for attempt in 0..=READ_RETRIES {
            if let Error::Read { error, .. } = last {
                log_retry(lsn, sectors, error, attempt);
            }
            let read = match self.start_read_sectors(lsn, sectors, owned) {
                Ok(read) => read,
                Err((error, back)) => {
                    *buffer = back;
                    return Err(error);
                }
            };
            match self.finish_read(read) {
                Ok(done) => {
                    *buffer = done;
                    return Ok(());
                }
                Err((e @ Error::Read { .. }, back)) => {
                    last = e;
                    owned = back;
                }
                Err((e, back)) => {
                    *buffer = back;
                    return Err(e);
                }
            }
        }
        *buffer = owned;
        Err(last)
    }

    /// Finds a file with the drive's own search (`sceCdSearchFile`): `(lsn, size)`. Prefer
    /// [`crate::Disc`], which walks directories fully; this one has the ROM's limits.
    pub fn search_file(&mut self, path: &str) -> Result<Option<(u32, u32)>, Error> {
        if path.len() >= 256 {
            return Err(Error::PathTooLong { len: path.len(), max: 255 });
        }
        if self.search.is_none() {
            self.search = Some(Client::bind(sid::SEARCH)?);
        }
        #[repr(C, align(64))]
        struct Request([u8; 0x140]);
        let mut request = Request([0; 0x140]);
        request.0[0x20..0x20 + path.len()].copy_from_slice(path.as_bytes());
        let result_address = ps2_sys::cache::physical_address(request.0.as_ptr());
        request.0[0x120..0x124].copy_from_slice(&result_address.to_le_bytes());
        ps2_sys::cache::writeback_invalidate_range(request.0.as_ptr(), request.0.len());
        let mut reply = [0u8; 4];
        self.search.as_mut().expect("bound above").call(0, &request.0[..0x124], &mut reply)?;
        if u32::from_le_bytes(reply) == 0 {
            return Ok(None);
        }
        ps2_sys::cache::invalidate_range(request.0.as_ptr(), 64);
        // SAFETY: the IOP DMA'd the sceCdlFILE record into the first bytes of the request; read them fresh.
        let file: [u8; 8] = unsafe { core::ptr::read_volatile(request.0.as_ptr().cast()) };
        Ok(Some((u32::from_le_bytes(file[0..4].try_into().unwrap()), u32::from_le_bytes(file[4..8].try_into().unwrap()))))
    }
}

/// Says that a failed read is being tried again (the drive's error is only reported once the retries are spent).
fn log_retry(lsn: u32, sectors: u32, error: DriveError, attempt: u32) {
    log::warn!("CDVD: reading {sectors} sector(s) at LSN {lsn} failed ({error}); retry {attempt} of {READ_RETRIES}");
}

/// Whether a finished READ worked: only the drive's error code (`sceCdGetError` after `sceCdSync`) decides.
pub fn read_outcome(drive_error: Option<DriveError>) -> Result<(), DriveError> {
    match drive_error {
        None => Ok(()),
        Some(error) => Err(error),
    }
}

/// The 24-byte N-command READ request: `{lbn, sectors, buffer, mode, fragment area, read position}`.
pub fn read_request(lsn: u32, sectors: u32, buffer: u32, mode: u32, fragments: u32, position: u32) -> [u8; 24] {
    let mut request = [0u8; 24];
    for (slot, word) in request.as_chunks_mut::<4>().0.iter_mut().zip([lsn, sectors, buffer, mode, fragments, position]) {
        slot.copy_from_slice(&word.to_le_bytes());
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_request_layout() {
        let r = read_request(16, 3, 0x0012_3440, 0x100, 0x200, 0x2C0);
        assert_eq!(&r[0..4], &16u32.to_le_bytes());
        assert_eq!(&r[8..12], &0x0012_3440u32.to_le_bytes());
        assert_eq!(&r[12..16], &0x100u32.to_le_bytes());
        assert_eq!(&r[20..24], &0x2C0u32.to_le_bytes());
    }

    #[test]
    fn disc_types() {
        assert_eq!(DiscType::from_code(0x12), DiscType::Ps2Cd);
        assert!(DiscType::from_code(0x14).is_dvd());
        assert_eq!(DiscType::from_code(0), DiscType::None);
        assert_eq!(DiscType::from_code(0xFE), DiscType::Other(0xFE));
    }

    #[test]
    fn buffers_are_aligned_whole_sectors() {
        let b = SectorBuffer::new(3);
        assert_eq!(b.sectors(), 3);
        assert_eq!(b.as_slice().len(), 3 * 2048);
        assert_eq!(b.as_slice().as_ptr() as usize % 64, 0);
    }

    #[test]
    fn reads_are_judged_by_the_drive_error_alone() {
        assert_eq!(read_outcome(None), Ok(()));
        assert_eq!(read_outcome(Some(DriveError(0x20))), Err(DriveError(0x20)));
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = Error::Read { lsn: 1234, sectors: 8, error: DriveError(0x30) };
        assert_eq!(e.to_string(), "reading 8 sector(s) at LSN 1234 failed after 3 retries: read error (code 0x30)");
        let e = Error::Misaligned { address: 0x0012_3410, alignment: 64 };
        assert_eq!(e.to_string(), "read destination 0x00123410 is not 64-byte aligned");
    }

    #[test]
    fn state_misuse_is_invalid_input_not_an_iop_failure() {
        use embedded_io::{Error as _, ErrorKind};
        assert_eq!(Error::ReadInFlight.kind(), ErrorKind::InvalidInput);
        assert_eq!(Error::NoReadInFlight.kind(), ErrorKind::InvalidInput);
        assert_eq!(Error::Misaligned { address: 4, alignment: 64 }.kind(), ErrorKind::InvalidInput);
        assert_eq!(Error::NoDisc.kind(), ErrorKind::NotConnected);
        assert_eq!(Error::Read { lsn: 0, sectors: 1, error: DriveError(0x30) }.kind(), ErrorKind::Other);
    }

    #[test]
    fn drive_status_names_the_documented_codes() {
        assert_eq!(DriveStatus::from_code(0x00), DriveStatus::Stopped);
        assert_eq!(DriveStatus::from_code(0x01), DriveStatus::TrayOpen);
        assert_eq!(DriveStatus::from_code(0x02), DriveStatus::Spinning);
        assert_eq!(DriveStatus::from_code(0x06), DriveStatus::Reading);
        assert_eq!(DriveStatus::from_code(0x0A), DriveStatus::Paused);
        assert_eq!(DriveStatus::from_code(0x12), DriveStatus::Seeking);
        assert_eq!(DriveStatus::from_code(0x20), DriveStatus::Error);
        assert_eq!(DriveStatus::from_code(0x07), DriveStatus::Other(0x07));
    }
}
