//! The engine's [`TensorReader`] on the CD/DVD drive: the model file is read as whole sector runs straight
//! into the engine's 64-byte aligned buffers, one read in flight while the EE computes.

use llm_engine::{EngineError, TensorReader};
use ps2_cdvd::{Cdvd, SectorBuffer};
use ps2_sys::clock::Instant;

/// Sector size of PS2 discs (mode 1 / DVD), the unit of every read.
const SECTOR: u64 = 2048;

/// Error code for reads the drive never saw (bad offsets or lengths from the caller).
const CODE_BAD_REQUEST: i32 = -1;

/// A read started by [`TensorReader::start_read`], finished by [`TensorReader::wait`].
#[derive(Clone, Copy, Debug)]
struct Pending {
    offset: u64,
    /// Whole sectors read straight into the caller's buffer.
    direct_sectors: u32,
    /// Bytes of a last, partial sector (the file's end), read through the bounce buffer in `wait`.
    tail: usize,
}

/// Statistics of the reads, for the status line and the benchmark.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadStats {
    /// Reads started.
    pub reads: u64,
    /// Bytes delivered to the engine.
    pub bytes: u64,
    /// EE cycles spent waiting for the drive in [`TensorReader::wait`] (the part of the disc time the
    /// computation did not hide).
    pub wait_cycles: u64,
}

/// The model file on the disc, as a [`TensorReader`].
pub struct CdvdTensorReader<'d> {
    cdvd: &'d mut Cdvd,
    /// First sector of the file.
    lsn: u32,
    /// File length in bytes.
    len: u64,
    pending: Option<Pending>,
    /// One sector, for a file whose length is not a whole number of sectors.
    bounce: SectorBuffer,
    stats: ReadStats,
}

impl<'d> CdvdTensorReader<'d> {
    /// The file of `len` bytes starting at sector `lsn`.
    pub fn new(cdvd: &'d mut Cdvd, lsn: u32, len: u64) -> Self {
        Self { cdvd, lsn, len, pending: None, bounce: SectorBuffer::new(1), stats: ReadStats::default() }
    }

    /// What has been read so far.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    fn io_error(offset: u64, error: ps2_cdvd::Error) -> EngineError {
        // The engine's error carries a device code: the drive's, or -2 for IOP/RPC failures.
        let code = match error {
            ps2_cdvd::Error::Read { error, .. } | ps2_cdvd::Error::Drive(error) => error.0 as i32,
            _ => -2,
        };
        ps2_sys::println!("disc read at byte {offset} failed: {error}");
        EngineError::Io { offset, code }
    }

    fn sector_of(&self, offset: u64) -> u32 {
        self.lsn + (offset / SECTOR) as u32
    }
}

impl TensorReader for CdvdTensorReader<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn start_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), EngineError> {
        let bad = EngineError::Io { offset, code: CODE_BAD_REQUEST };
        let end = offset.checked_add(buf.len() as u64).ok_or(bad.clone())?;
        if self.pending.is_some() || !offset.is_multiple_of(SECTOR) || end > self.len {
            return Err(bad);
        }
        let direct_sectors = (buf.len() as u64 / SECTOR) as u32;
        let tail = buf.len() % SECTOR as usize;
        // Only the file's last sector may be partial: anything else would be a broken caller.
        if tail != 0 && end != self.len {
            return Err(bad);
        }
        if direct_sectors > 0 {
            // SAFETY: `buf` is valid for `direct_sectors` whole sectors, and the engine's contract (wait with
            // the same buffer before touching it) keeps it untouched until `wait` calls `finish_read_into`;
            // `Drop` waits for a read still in flight before the buffer can be freed.
            unsafe { self.cdvd.start_read_into(self.sector_of(offset), direct_sectors, buf.as_mut_ptr()) }
                .map_err(|e| Self::io_error(offset, e))?;
        }
        self.pending = Some(Pending { offset, direct_sectors, tail });
        self.stats.reads += 1;
        Ok(())
    }

    fn wait(&mut self, buf: &mut [u8]) -> Result<(), EngineError> {
        let pending = self.pending.take().ok_or(EngineError::Unsupported { reason: "wait without start_read" })?;
        let started = Instant::now();
        if pending.direct_sectors > 0 {
            self.cdvd.finish_read_into().map_err(|e| Self::io_error(pending.offset, e))?;
        }
        if pending.tail > 0 {
            let tail_offset = pending.offset + pending.direct_sectors as u64 * SECTOR;
            self.cdvd.read_sectors(self.sector_of(tail_offset), 1, &mut self.bounce).map_err(|e| Self::io_error(tail_offset, e))?;
            let at = pending.direct_sectors as usize * SECTOR as usize;
            buf[at..at + pending.tail].copy_from_slice(&self.bounce.as_slice()[..pending.tail]);
        }
        self.stats.wait_cycles += Instant::now().cycles_since(started);
        self.stats.bytes += pending.direct_sectors as u64 * SECTOR + pending.tail as u64;
        Ok(())
    }
}

impl Drop for CdvdTensorReader<'_> {
    fn drop(&mut self) {
        // A read in flight still writes into the engine's buffer: let it land before that buffer is freed.
        if self.cdvd.read_into_pending() {
            let _ = self.cdvd.finish_read_into();
        }
    }
}
