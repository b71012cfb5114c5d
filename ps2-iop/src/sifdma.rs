//! SIF DMA: copying memory from the EE to the IOP.
//!
//! The kernel queues EE → IOP transfers on DMA channel 6 (`SifSetDma`). [`send`] handles what the kernel
//! leaves to the caller: alignment checks, writing the source back from the data cache (the DMA reads RAM,
//! not the cache), and retrying while the kernel's queue is full.

use ps2_sys::syscall::{self, SifDmaId, SifDmaTransfer};

use crate::Error;

/// One EE → IOP copy.
#[derive(Clone, Copy, Debug)]
pub struct Transfer {
    /// EE source, 16-byte aligned.
    pub src: *const u8,
    /// IOP destination address, 4-byte aligned.
    pub dest: u32,
    /// Bytes; the IOP receives whole 16-byte quadwords (`size` rounded up).
    pub size: usize,
    /// Attribute bits (`packet::DMA_ERT`, `packet::DMA_INT_O`, ...).
    pub attr: i32,
}

/// How many times a full queue is retried before [`Error::DmaQueueFull`].
const QUEUE_RETRIES: u32 = 100_000;

/// Checks that a transfer satisfies the SIF's rules.
pub fn validate(transfer: &Transfer) -> Result<(), Error> {
    if !(transfer.src as usize).is_multiple_of(16) {
        return Err(Error::InvalidArgument("SIF DMA source must be 16-byte aligned"));
    }
    if !transfer.dest.is_multiple_of(4) {
        return Err(Error::InvalidArgument("SIF DMA destination must be 4-byte aligned"));
    }
    Ok(())
}

fn to_raw(t: &Transfer) -> SifDmaTransfer {
    SifDmaTransfer { src: t.src.cast(), dest: t.dest as usize as *mut _, size: t.size as i32, attr: t.attr }
}

/// Queues transfers (at most 8 at once), writing their sources back from the cache first. Thread context only.
pub fn send(transfers: &[Transfer]) -> Result<SifDmaId, Error> {
    send_with(transfers, false)
}

/// [`send`] from an interrupt handler.
pub fn isend(transfers: &[Transfer]) -> Result<SifDmaId, Error> {
    send_with(transfers, true)
}

fn send_with(transfers: &[Transfer], interrupt_context: bool) -> Result<SifDmaId, Error> {
    if transfers.len() > 8 {
        return Err(Error::TooLarge { what: "SIF DMA batch", size: transfers.len(), max: 8 });
    }
    let mut raw = [SifDmaTransfer { src: core::ptr::null(), dest: core::ptr::null_mut(), size: 0, attr: 0 }; 8];
    for (slot, t) in raw.iter_mut().zip(transfers) {
        validate(t)?;
        ps2_sys::cache::writeback_range(t.src, t.size);
        *slot = to_raw(t);
    }
    let raw = &raw[..transfers.len()];
    for retry in 0..QUEUE_RETRIES {
        let queued = if interrupt_context { syscall::isif_set_dma(raw) } else { syscall::sif_set_dma(raw) };
        if let Ok(id) = queued {
            // No records from interrupt handlers: a logger may block or allocate.
            if retry > 0 && !interrupt_context {
                log::debug!("SIF DMA queue was full; queued after {retry} retries");
            }
            return Ok(id);
        }
    }
    if !interrupt_context {
        log::warn!("SIF DMA queue still full after {QUEUE_RETRIES} retries");
    }
    Err(Error::DmaQueueFull)
}

/// Whether a transfer is still in flight.
pub fn is_pending(id: SifDmaId) -> bool {
    syscall::sif_dma_pending(id)
}

/// Waits for a transfer to finish.
pub fn wait(id: SifDmaId) {
    while syscall::sif_dma_pending(id) {}
}
