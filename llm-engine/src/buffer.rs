//! Zeroed, 16-byte-aligned f32 buffers for the activations and the KV cache.
//!
//! `Vec<f32>` only guarantees 4-byte alignment. Vector units load 16-byte quads from aligned addresses
//! (the PS2's VU0 `lqc2` faults on anything else), so kernels can use them on these buffers directly:
//! every buffer starts on a 16-byte boundary, and so does every row whose offset is a multiple of 4 floats.

use alloc::alloc::{alloc_zeroed, dealloc};
use core::alloc::Layout;
use core::fmt;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::error::EngineError;

/// The alignment of every [`F32Buffer`], in bytes.
pub const BUFFER_ALIGN: usize = 16;

/// A fixed-length run of f32s, zeroed when allocated, starting on a [`BUFFER_ALIGN`] boundary.
pub struct F32Buffer {
    ptr: NonNull<f32>,
    len: usize,
}

// SAFETY: the buffer owns its allocation exclusively, like a `Vec<f32>`.
unsafe impl Send for F32Buffer {}
// SAFETY: shared access only reads, like `&[f32]`.
unsafe impl Sync for F32Buffer {}

impl F32Buffer {
    /// `len` zeroed f32s, or [`EngineError::OutOfMemory`] naming `what` if the allocator refuses.
    /// Zeroed allocation (not a write of every element): a large KV cache costs no time until used.
    pub fn zeroed(len: usize, what: &'static str) -> Result<Self, EngineError> {
        let refused = EngineError::OutOfMemory { what, needed: (len as u64).saturating_mul(4), available: None };
        if len == 0 {
            // An aligned, never dereferenced address: even an empty buffer keeps the promise.
            let aligned = NonNull::new(core::ptr::without_provenance_mut(BUFFER_ALIGN)).expect("non-zero");
            return Ok(Self { ptr: aligned, len: 0 });
        }
        let layout = Self::layout(len).ok_or(refused.clone())?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) }.cast::<f32>();
        NonNull::new(ptr).map(|ptr| Self { ptr, len }).ok_or(refused)
    }

    fn layout(len: usize) -> Option<Layout> {
        Layout::from_size_align(len.checked_mul(4)?, BUFFER_ALIGN).ok()
    }
}

impl Drop for F32Buffer {
    fn drop(&mut self) {
        if self.len > 0 {
            let layout = Self::layout(self.len).expect("the layout was valid when allocated");
            // SAFETY: allocated in `zeroed` with this layout and not freed since.
            unsafe { dealloc(self.ptr.as_ptr().cast(), layout) }
        }
    }
}

impl Deref for F32Buffer {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        // SAFETY: `ptr` holds `len` initialised f32s (zeroed bits are 0.0), or is dangling with len 0.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for F32Buffer {
    fn deref_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `deref`, and `&mut self` gives exclusive access.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl fmt::Debug for F32Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("F32Buffer").field("len", &self.len).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_zeroed_aligned_and_writable() {
        for len in [0, 1, 3, 4, 17, 1000] {
            let mut buffer = F32Buffer::zeroed(len, "test").unwrap();
            assert_eq!(buffer.len(), len);
            assert!(buffer.iter().all(|&v| v == 0.0));
            assert_eq!(buffer.as_ptr() as usize % BUFFER_ALIGN, 0, "len {len}");
            buffer.iter_mut().enumerate().for_each(|(i, v)| *v = i as f32);
            assert_eq!(buffer.iter().sum::<f32>(), (0..len).map(|i| i as f32).sum::<f32>());
        }
    }

    #[test]
    fn an_impossible_size_is_an_error() {
        assert!(matches!(F32Buffer::zeroed(usize::MAX / 2, "huge"), Err(EngineError::OutOfMemory { what: "huge", .. })));
    }
}
