//! Streaming weights: a residency planner and a [`WeightSource`] that keeps the tensors that fit
//! in a RAM budget and streams the others from a device, double-buffered.
//!
//! The device is abstracted as a [`TensorReader`] with a split `start_read` / `wait` interface, the
//! shape of the PS2's `sceCdRead` + `sceCdSync`: while the forward pass multiplies one matrix, the
//! next streamed matrix is already being read into the other buffer.

use alloc::alloc::{Layout, alloc_zeroed, dealloc};
use alloc::vec;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::error::{EngineError, FormatError};
use crate::format::{HEADER_LEN, ModelInfo, SECTOR_SIZE, TensorRole, round_up_to_sector};
use crate::weights::WeightSource;

/// Alignment of every streaming buffer: what EE DMA into main RAM requires.
pub const BUFFER_ALIGN: usize = 64;

/// A zero-initialised heap buffer aligned to [`BUFFER_ALIGN`] bytes.
pub struct AlignedBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer owns its allocation exclusively, like a Vec<u8>.
unsafe impl Send for AlignedBuffer {}

impl AlignedBuffer {
    /// Allocates `len` zero bytes (at least one byte is allocated); aborts if the allocator refuses
    /// (see [`AlignedBuffer::try_new`]).
    pub fn new(len: usize) -> Self {
        let layout = Layout::from_size_align(len.max(1), BUFFER_ALIGN).expect("buffer size overflows");
        Self::try_new(len).unwrap_or_else(|_| alloc::alloc::handle_alloc_error(layout))
    }

    /// Allocates `len` zero bytes, or returns [`EngineError::OutOfMemory`] (naming `len`) when the
    /// size is impossible or the allocator refuses.
    pub fn try_new(len: usize) -> Result<Self, EngineError> {
        let refused = EngineError::OutOfMemory { what: "a tensor buffer", needed: len as u64, available: None };
        let layout = Layout::from_size_align(len.max(1), BUFFER_ALIGN).map_err(|_| refused.clone())?;
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or(refused)?;
        Ok(Self { ptr, len })
    }
}

impl Drop for AlignedBuffer {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.len.max(1), BUFFER_ALIGN).expect("checked in new");
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr(), layout) }
    }
}

impl Deref for AlignedBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: ptr is valid for len initialised bytes for the buffer's lifetime.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for AlignedBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and we hold the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl core::fmt::Debug for AlignedBuffer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AlignedBuffer({} bytes)", self.len)
    }
}

/// A device that reads byte ranges of the model file, possibly asynchronously.
///
/// Contract: after `start_read(offset, buf)`, the caller calls `wait(buf)` with the same buffer
/// before touching it or starting another read. Offsets are sector aligned and `buf` is
/// [`BUFFER_ALIGN`]-aligned with a length that is a multiple of [`SECTOR_SIZE`] except at the end
/// of the file. A synchronous device may do all the work in `wait`; an EE CD/DVD device issues
/// `sceCdRead` in `start_read` and `sceCdSync` in `wait`.
pub trait TensorReader {
    /// Total length of the file in bytes.
    fn len(&self) -> u64;

    /// Whether the file is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts reading `buf.len()` bytes at `offset` into `buf`.
    fn start_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), EngineError>;

    /// Completes the read started last; `buf` is the same buffer.
    fn wait(&mut self, buf: &mut [u8]) -> Result<(), EngineError>;

    /// Reads synchronously.
    fn read_now(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), EngineError> {
        self.start_read(offset, buf)?;
        self.wait(buf)
    }
}

/// A reader over bytes in memory, for tests and for models linked into an executable.
#[derive(Debug)]
pub struct SliceReader<B: AsRef<[u8]>> {
    bytes: B,
    pending: Option<u64>,
    /// Number of reads started (for tests and statistics).
    pub reads: u64,
    /// Number of bytes read.
    pub bytes_read: u64,
}

impl<B: AsRef<[u8]>> SliceReader<B> {
    /// Wraps `bytes`.
    pub fn new(bytes: B) -> Self {
        Self { bytes, pending: None, reads: 0, bytes_read: 0 }
    }
}

impl<B: AsRef<[u8]>> TensorReader for SliceReader<B> {
    fn len(&self) -> u64 {
        self.bytes.as_ref().len() as u64
    }

    fn start_read(&mut self, offset: u64, _buf: &mut [u8]) -> Result<(), EngineError> {
        self.pending = Some(offset);
        Ok(())
    }

    fn wait(&mut self, buf: &mut [u8]) -> Result<(), EngineError> {
        let offset = self.pending.take().ok_or(EngineError::Unsupported { reason: "wait without start_read" })?;
        let data = self.bytes.as_ref();
        let end = offset.checked_add(buf.len() as u64).filter(|&end| end <= data.len() as u64);
        let end = end.ok_or(EngineError::Io { offset, code: -1 })? as usize;
        buf.copy_from_slice(&data[offset as usize..end]);
        self.reads += 1;
        self.bytes_read += buf.len() as u64;
        Ok(())
    }
}

/// Reads a model's header and directory through a reader.
pub fn read_model_info<R: TensorReader>(reader: &mut R) -> Result<ModelInfo, EngineError> {
    let file_len = reader.len();
    let first = (SECTOR_SIZE.min(file_len)) as usize;
    let mut head = AlignedBuffer::new(first);
    reader.read_now(0, &mut head)?;
    if head.len() < HEADER_LEN {
        return Err(FormatError::Truncated { what: "header", needed: HEADER_LEN as u64, available: head.len() as u64 }.into());
    }
    let prefix = ModelInfo::parse_prefix(&head)?;
    let needed = prefix.metadata_len() as u64;
    if needed > file_len {
        return Err(FormatError::Truncated { what: "tensor directory", needed, available: file_len }.into());
    }
    if needed as usize <= head.len() {
        return Ok(ModelInfo::parse(&head, file_len)?);
    }
    let mut metadata = AlignedBuffer::new(round_up_to_sector(needed).min(file_len) as usize);
    reader.read_now(0, &mut metadata)?;
    Ok(ModelInfo::parse(&metadata, file_len)?)
}

/// Which tensors stay in RAM, and what streaming the rest costs.
#[derive(Clone, Debug, PartialEq)]
pub struct ResidencyPlan {
    /// Per directory index: kept in RAM.
    pub resident: Vec<bool>,
    /// Bytes of the resident tensors (whole sectors).
    pub resident_bytes: u64,
    /// Bytes of the two streaming buffers plus the row buffer.
    pub buffer_bytes: u64,
    /// Bytes read from the device per generated token.
    pub streamed_bytes_per_token: u64,
}

/// How many full passes over a tensor one token makes (the planner keeps the most reused first).
fn uses_per_token(info: &ModelInfo, role: TensorRole) -> u32 {
    match role {
        // A shared embedding is the classifier: a full pass per token, plus a row lookup.
        TensorRole::TokenEmbedding if info.config.shared_classifier => 2,
        // An unshared embedding only ever needs one row per token: cheap to stream.
        TensorRole::TokenEmbedding => 0,
        TensorRole::Tokenizer => 0,
        role if role.is_norm() => 0,
        _ => 1,
    }
}

fn stream_buffer_len(byte_len: u64) -> u64 {
    round_up_to_sector(byte_len)
}

/// Plans residency for a RAM budget (bytes for weights and streaming buffers together).
///
/// Streaming needs two buffers as large as the largest streamed matrix, so the planner tries
/// each possible "largest streamed size" `S`: every matrix larger than `S` must then be resident,
/// the two buffers take `2·S`, and the remaining room is filled greedily with tensors ranked by
/// passes per token (most reused first), then by size (largest first, fewest bytes left to
/// stream). The plan that streams the fewest bytes per token wins. Norms and the tokenizer are
/// copied out once at load and need no residency; an unshared embedding is read one row per token.
pub fn plan_residency(info: &ModelInfo, budget: u64) -> Result<ResidencyPlan, EngineError> {
    let count = info.tensors.len();
    let streamable: Vec<usize> = (0..count).filter(|&i| info.tensors[i].role.is_matrix()).collect();
    let row_buffer = info
        .tensors
        .iter()
        .filter(|t| t.role == TensorRole::TokenEmbedding)
        .map(|t| round_up_to_sector(t.row_stride as u64) + SECTOR_SIZE)
        .max()
        .unwrap_or(0);
    // Resident tensors are read (and kept) as whole sectors.
    let cost = |i: usize| round_up_to_sector(info.tensors[i].byte_len);
    let total: u64 = streamable.iter().map(|&i| cost(i)).sum();
    if total <= budget {
        let mut resident = vec![false; count];
        for &i in &streamable {
            resident[i] = true;
        }
        return Ok(ResidencyPlan { resident, resident_bytes: total, buffer_bytes: 0, streamed_bytes_per_token: 0 });
    }
    let uses = |i: usize| uses_per_token(info, info.tensors[i].role);
    let mut ranked = streamable.clone();
    ranked.sort_by(|&a, &b| uses(b).cmp(&uses(a)).then(cost(b).cmp(&cost(a))));
    let streamed_cost = |resident: &[bool]| -> u64 {
        streamable
            .iter()
            .filter(|&&i| !resident[i])
            .map(|&i| if uses(i) == 0 { info.tensors[i].row_stride as u64 } else { cost(i) })
            .sum()
    };
    let largest_streamed = |resident: &[bool]| {
        streamable
            .iter()
            .filter(|&&i| !resident[i] && uses(i) > 0)
            .map(|&i| stream_buffer_len(info.tensors[i].byte_len))
            .max()
            .unwrap_or(0)
    };
    let mut thresholds: Vec<u64> = streamable.iter().filter(|&&i| uses(i) > 0).map(|&i| stream_buffer_len(info.tensors[i].byte_len)).collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let mut best: Option<ResidencyPlan> = None;
    // The least any plan needs: for the error message when none fits.
    let mut least_needed = u64::MAX;
    for &largest in thresholds.iter().rev() {
        let reserve = 2 * largest + row_buffer;
        if reserve > budget {
            least_needed = least_needed.min(reserve);
            continue;
        }
        let mut resident = vec![false; count];
        let mut used = 0u64;
        for &i in &streamable {
            if uses(i) > 0 && stream_buffer_len(info.tensors[i].byte_len) > largest {
                resident[i] = true;
                used += cost(i);
            }
        }
        if used + reserve > budget {
            least_needed = least_needed.min(used + reserve);
            continue;
        }
        for &i in &ranked {
            let size = cost(i);
            if !resident[i] && used + size + reserve <= budget {
                resident[i] = true;
                used += size;
            }
        }
        let plan = ResidencyPlan {
            buffer_bytes: 2 * largest_streamed(&resident) + row_buffer,
            streamed_bytes_per_token: streamed_cost(&resident),
            resident,
            resident_bytes: used,
        };
        if best.as_ref().is_none_or(|b| plan.streamed_bytes_per_token < b.streamed_bytes_per_token) {
            best = Some(plan);
        }
    }
    best.ok_or(EngineError::OutOfMemory {
        what: "the weights: two streaming buffers of the largest streamed matrix, a row buffer and the matrices too large to stream",
        needed: least_needed,
        available: Some(budget),
    })
}

#[derive(Debug)]
struct StreamSlot {
    buffer: AlignedBuffer,
    tensor: Option<usize>,
    pending: bool,
}

/// A [`WeightSource`] that keeps some tensors in RAM and streams the others, prefetching the next
/// streamed tensor (in the forward pass's access order) into the second buffer before returning
/// the current one.
#[derive(Debug)]
pub struct StreamingWeights<R: TensorReader> {
    reader: R,
    info: ModelInfo,
    plan: ResidencyPlan,
    resident: Vec<Option<AlignedBuffer>>,
    slots: [StreamSlot; 2],
    row_buffer: AlignedBuffer,
    /// Streamed tensors in access order (cyclic: the last is followed by the first of the next token).
    stream_order: Vec<usize>,
    crc_checked: Vec<bool>,
}

impl<R: TensorReader> StreamingWeights<R> {
    /// Reads the directory, plans residency for `budget` bytes, and loads the resident tensors
    /// (checking their CRCs). Streamed tensors are checked the first time they are read.
    pub fn new(mut reader: R, budget: u64) -> Result<Self, EngineError> {
        let info = read_model_info(&mut reader)?;
        let plan = plan_residency(&info, budget)?;
        let mut resident = Vec::with_capacity(info.tensors.len());
        for (i, entry) in info.tensors.iter().enumerate() {
            if plan.resident[i] {
                // Devices read whole sectors: read the tensor's sectors, use its bytes.
                let mut buffer = AlignedBuffer::try_new(Self::read_len(&info, i) as usize)?;
                reader.read_now(entry.offset, &mut buffer)?;
                info.verify_tensor(i, &buffer[..entry.byte_len as usize])?;
                resident.push(Some(buffer));
            } else {
                resident.push(None);
            }
        }
        let stream_order: Vec<usize> = crate::transformer::access_order(&info)
            .into_iter()
            .filter(|&i| !plan.resident[i])
            .collect();
        let slot_len = stream_order
            .iter()
            .map(|&i| Self::read_len(&info, i))
            .max()
            .unwrap_or(0) as usize;
        let row_len = info
            .tensors
            .iter()
            .filter(|t| t.role == TensorRole::TokenEmbedding)
            .map(|t| (round_up_to_sector(t.row_stride as u64) + SECTOR_SIZE) as usize)
            .max()
            .unwrap_or(0);
        let crc_checked = plan.resident.clone();
        Ok(Self {
            reader,
            slots: [
                StreamSlot { buffer: AlignedBuffer::try_new(slot_len)?, tensor: None, pending: false },
                StreamSlot { buffer: AlignedBuffer::try_new(slot_len)?, tensor: None, pending: false },
            ],
            row_buffer: AlignedBuffer::try_new(row_len)?,
            info,
            plan,
            resident,
            stream_order,
            crc_checked,
        })
    }

    /// The residency plan in force.
    pub fn plan(&self) -> &ResidencyPlan {
        &self.plan
    }

    /// The underlying reader (e.g. for its statistics).
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// Bytes to read for a tensor: whole sectors, except at the end of the file.
    fn read_len(info: &ModelInfo, index: usize) -> u64 {
        let entry = &info.tensors[index];
        round_up_to_sector(entry.byte_len).min(info.file_len - entry.offset)
    }

    fn finish_pending(&mut self) -> Result<(), EngineError> {
        for slot in &mut self.slots {
            if slot.pending {
                slot.pending = false;
                if let Err(error) = self.reader.wait(&mut slot.buffer) {
                    slot.tensor = None;
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    fn start_into(&mut self, slot: usize, index: usize) -> Result<(), EngineError> {
        let len = Self::read_len(&self.info, index) as usize;
        let offset = self.info.tensors[index].offset;
        let target = &mut self.slots[slot];
        target.tensor = Some(index);
        target.pending = true;
        if let Err(error) = self.reader.start_read(offset, &mut target.buffer[..len]) {
            target.pending = false;
            target.tensor = None;
            return Err(error);
        }
        Ok(())
    }

    fn wait_slot(&mut self, slot: usize) -> Result<(), EngineError> {
        let index = self.slots[slot].tensor.unwrap_or(0);
        let len = Self::read_len(&self.info, index) as usize;
        let target = &mut self.slots[slot];
        if target.pending {
            target.pending = false;
            if let Err(error) = self.reader.wait(&mut target.buffer[..len]) {
                target.tensor = None;
                return Err(error);
            }
        }
        Ok(())
    }

    fn check_index(&self, index: usize) -> Result<(), EngineError> {
        if index >= self.info.tensors.len() {
            return Err(EngineError::OutOfRange { what: "tensor index", value: index as u64, limit: self.info.tensors.len() as u64 });
        }
        Ok(())
    }

    /// Reads a tensor that is neither resident nor planned for streaming (norms, tokenizer).
    fn read_once(&mut self, index: usize) -> Result<usize, EngineError> {
        self.finish_pending()?;
        let len = Self::read_len(&self.info, index) as usize;
        if self.slots[0].buffer.len() < len {
            // Norms and the tokenizer may exceed the matrix buffers of a tiny model.
            self.slots[0].buffer = AlignedBuffer::try_new(len)?;
        }
        self.start_into(0, index)?;
        self.wait_slot(0)?;
        Ok(0)
    }
}

impl<R: TensorReader> WeightSource for StreamingWeights<R> {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn tensor(&mut self, index: usize) -> Result<&[u8], EngineError> {
        self.check_index(index)?;
        let byte_len = self.info.tensors[index].byte_len as usize;
        if self.resident[index].is_some() {
            return Ok(&self.resident[index].as_ref().expect("checked")[..byte_len]);
        }
        let position = self.stream_order.iter().position(|&i| i == index);
        let slot = match self.slots.iter().position(|s| s.tensor == Some(index)) {
            Some(slot) => {
                self.wait_slot(slot)?;
                slot
            }
            None if position.is_some() => {
                self.finish_pending()?;
                let slot = if self.slots[0].buffer.len() as u64 >= Self::read_len(&self.info, index) { 0 } else { 1 };
                self.start_into(slot, index)?;
                self.wait_slot(slot)?;
                slot
            }
            None => self.read_once(index)?,
        };
        if !self.crc_checked[index] {
            if let Err(error) = self.info.verify_tensor(index, &self.slots[slot].buffer[..byte_len]) {
                self.slots[slot].tensor = None;
                return Err(error.into());
            }
            self.crc_checked[index] = true;
        }
        // Issue the next streamed tensor's read before the caller starts computing with this one.
        if let Some(position) = position {
            let next = self.stream_order[(position + 1) % self.stream_order.len()];
            let other = 1 - slot;
            if next != index && self.slots[other].tensor != Some(next) {
                self.wait_slot(other)?;
                self.start_into(other, next)?;
            }
        }
        Ok(&self.slots[slot].buffer[..byte_len])
    }

    fn row(&mut self, index: usize, row: usize) -> Result<&[u8], EngineError> {
        self.check_index(index)?;
        let entry = self.info.tensors[index];
        if row >= entry.rows as usize {
            return Err(EngineError::OutOfRange { what: "row", value: row as u64, limit: entry.rows as u64 });
        }
        let stride = entry.row_stride as usize;
        if self.resident[index].is_some() {
            let buffer = self.resident[index].as_ref().expect("checked");
            return Ok(&buffer[row * stride..(row + 1) * stride]);
        }
        if let Some(slot) = self.slots.iter().position(|s| s.tensor == Some(index) && !s.pending)
            && self.crc_checked[index] {
                return Ok(&self.slots[slot].buffer[row * stride..(row + 1) * stride]);
            }
        // Read the whole sectors that cover the row (devices read sectors), into the row buffer.
        // A pending prefetch must complete first: the device has one channel.
        self.finish_pending()?;
        let start = entry.offset + (row * stride) as u64;
        let first_sector = start / SECTOR_SIZE * SECTOR_SIZE;
        let end = round_up_to_sector(start + stride as u64).min(self.info.file_len);
        let len = (end - first_sector) as usize;
        if self.row_buffer.len() < len {
            self.row_buffer = AlignedBuffer::try_new(len)?;
        }
        self.reader.read_now(first_sector, &mut self.row_buffer[..len])?;
        let skip = (start - first_sector) as usize;
        Ok(&self.row_buffer[skip..skip + stride])
    }
}
