//! Double-buffered streaming of a disc extent: while the caller works on one chunk, the drive reads the next
//! into the other buffer. This is how large data (model weights) should be read: the drive never waits for
//! the CPU and the CPU waits for the drive only when the drive is the slower of the two.

use crate::drive::{Cdvd, Error, ReadInFlight, SectorBuffer};
use crate::iso9660::SECTOR_SIZE;

/// A stream over `size` bytes starting at a sector.
pub struct Stream<'c> {
    cdvd: &'c mut Cdvd,
    /// Next sector to request.
    next_lsn: u32,
    /// Bytes not yet requested.
    unrequested: u64,
    /// Bytes of the read in flight.
    in_flight_bytes: usize,
    in_flight: Option<ReadInFlight>,
    /// The chunk last handed to the caller.
    current: Option<SectorBuffer>,
    current_bytes: usize,
    spare: Option<SectorBuffer>,
    chunk_sectors: usize,
}

impl<'c> Stream<'c> {
    /// Starts streaming `size` bytes from `lsn` in chunks of `chunk_sectors` (two buffers of that size are
    /// allocated). The first read is issued at once.
    pub fn new(cdvd: &'c mut Cdvd, lsn: u32, size: u64, chunk_sectors: usize) -> Result<Stream<'c>, Error> {
        let chunk_sectors = chunk_sectors.max(1);
        let mut stream = Stream {
            cdvd,
            next_lsn: lsn,
            unrequested: size,
            in_flight_bytes: 0,
            in_flight: None,
            current: None,
            current_bytes: 0,
            spare: Some(SectorBuffer::new(chunk_sectors)),
            chunk_sectors,
        };
        let first = SectorBuffer::new(chunk_sectors);
        stream.request(first)?;
        Ok(stream)
    }

    /// Issues the next read into `buffer`, if anything is left.
    fn request(&mut self, buffer: SectorBuffer) -> Result<(), Error> {
        if self.unrequested == 0 {
            self.spare = Some(buffer);
            return Ok(());
        }
        let bytes = self.unrequested.min((self.chunk_sectors * SECTOR_SIZE) as u64) as usize;
        let sectors = bytes.div_ceil(SECTOR_SIZE) as u32;
        let read = match self.cdvd.start_read_sectors(self.next_lsn, sectors, buffer) {
            Ok(read) => read,
            Err((error, buffer)) => {
                self.spare = Some(buffer);
                return Err(error);
            }
        };
        self.in_flight = Some(read);
        self.in_flight_bytes = bytes;
        self.next_lsn += sectors;
        self.unrequested -= bytes as u64;
        Ok(())
    }

    /// Whether the read in flight has completed (the next [`Stream::next_chunk`] will not wait).
    pub fn next_ready(&self) -> bool {
        self.in_flight.is_none() || self.cdvd.read_done()
    }

    /// The next chunk, waiting for it if the drive is still reading it; `None` at the end. A drive error is
    /// retried with a synchronous read before it is returned.
    pub fn next_chunk(&mut self) -> Option<Result<&[u8], Error>> {
        let read = self.in_flight.take()?;
        // The chunk the caller had is done with: it becomes the buffer for the read after this one.
        if let Some(previous) = self.current.take() {
            self.spare = Some(previous);
        }
        let lsn_of_chunk = self.next_lsn - self.in_flight_bytes.div_ceil(SECTOR_SIZE) as u32;
        let bytes = self.in_flight_bytes;
        let buffer = match self.cdvd.finish_read(read) {
            Ok(buffer) => buffer,
            Err((Error::Read { error, .. }, mut buffer)) => {
                log::warn!("CDVD stream: chunk at LSN {lsn_of_chunk} failed ({error}); reading it again without read-ahead");
                if let Err(e) = self.cdvd.read_sectors(lsn_of_chunk, bytes.div_ceil(SECTOR_SIZE) as u32, &mut buffer) {
                    self.unrequested = 0;
                    return Some(Err(e));
                }
                buffer
            }
            Err((e, _)) => {
                self.unrequested = 0;
                return Some(Err(e));
            }
        };
        if let Some(spare) = self.spare.take()
            && let Err(e) = self.request(spare)
        {
            self.unrequested = 0;
            return Some(Err(e));
        }
        self.current = Some(buffer);
        self.current_bytes = bytes;
        Some(Ok(&self.current.as_ref().expect("just stored").as_slice()[..bytes]))
    }
}

impl Drop for Stream<'_> {
    fn drop(&mut self) {
        // Never leave a read in flight: its buffer would be written after we forget about it.
        if let Some(read) = self.in_flight.take() {
            let _ = self.cdvd.finish_read(read);
        }
    }
}
