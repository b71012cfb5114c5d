//! # ps2-alloc — the heap of a PS2 program
//!
//! A [`GlobalAlloc`] over the RAM between the end of the program image (`_end`) and the bottom of the main
//! thread's stack (the kernel's `EndOfHeap()`), so `alloc` collections work on the Emotion Engine. The example,
//! an EE program, is not compiled as a host doctest (the global allocator, `stats()` and the `ps2-sys`
//! dependency exist only on the EE):
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! extern crate alloc;
//! use ps2_alloc as _; // links the global allocator
//!
//! ps2_sys::entry!(main);
//! fn main() {
//!     let v: alloc::vec::Vec<u32> = (1..=100).collect();
//!     ps2_sys::println!("sum {} , heap {:?}", v.iter().sum::<u32>(), ps2_alloc::stats());
//! }
//! ```
//!
//! - The allocator is [`linked_list_allocator`]'s first-fit free list (a small, well-kept `no_std` allocator
//!   that returns freed blocks to the list and merges neighbours), guarded by a [`critical_section`] because the
//!   R5900 has no compare-and-swap for a lock.
//! - `stats()` ([`Ps2Heap::stats`] of the global heap) reports used, free and peak bytes.
//! - When an allocation fails, the request (size, alignment) and the heap's state are printed on the serial
//!   port before the allocation error handler runs, so an out-of-memory report says what was asked for.
//! - The heap is set up on the first allocation; nothing needs calling at start-up.

#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::RefCell;
use core::ptr::{self, NonNull};

use critical_section::Mutex;
use linked_list_allocator::Heap;

/// Heap usage, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Total heap size.
    pub size: usize,
    /// Bytes in live allocations (including alignment padding).
    pub used: usize,
    /// Bytes available (possibly fragmented).
    pub free: usize,
    /// The most bytes ever in use at once.
    pub peak: usize,
}

struct State {
    heap: Heap,
    initialized: bool,
    peak: usize,
}

/// A heap allocator over one memory region. [`Ps2Heap::new`] covers the EE's free RAM; [`Ps2Heap::with_region`]
/// any region (used by the tests on the host).
pub struct Ps2Heap {
    state: Mutex<RefCell<State>>,
    region: fn() -> (*mut u8, usize),
}

// SAFETY: all access to the state goes through the critical section.
unsafe impl Sync for Ps2Heap {}

impl Ps2Heap {
    /// The heap over the free RAM of the EE: `_end` .. `EndOfHeap()`.
    pub const fn new() -> Ps2Heap {
        Ps2Heap::with_region(ee_free_ram)
    }

    /// A heap over the region `region()` returns (called once, on the first allocation).
    pub const fn with_region(region: fn() -> (*mut u8, usize)) -> Ps2Heap {
        Ps2Heap {
            state: Mutex::new(RefCell::new(State { heap: Heap::empty(), initialized: false, peak: 0 })),
            region,
        }
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        critical_section::with(|cs| {
            let mut state = self.state.borrow_ref_mut(cs);
            if !state.initialized {
                let (start, size) = (self.region)();
                // SAFETY: the region function hands over memory nothing else uses, exactly once.
                unsafe { state.heap.init(start, size) };
                state.initialized = true;
            }
            f(&mut state)
        })
    }

    /// Current usage.
    pub fn stats(&self) -> Stats {
        self.with_state(|s| Stats { size: s.heap.size(), used: s.heap.used(), free: s.heap.free(), peak: s.peak })
    }
}

impl Default for Ps2Heap {
    fn default() -> Self {
        Ps2Heap::new()
    }
}

// SAFETY: allocation and deallocation are delegated to `Heap` under a critical section.
unsafe impl GlobalAlloc for Ps2Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let result = self.with_state(|s| {
            let result = s.heap.allocate_first_fit(layout);
            if result.is_ok() {
                s.peak = s.peak.max(s.heap.used());
            }
            result.map_err(|()| (s.heap.used(), s.heap.free(), s.heap.size()))
        });
        match result {
            Ok(block) => block.as_ptr(),
            Err((used, free, size)) => {
                report_out_of_memory(layout, used, free, size);
                ptr::null_mut()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(block) = NonNull::new(ptr) {
            // SAFETY: `ptr` came from `alloc` with this layout (GlobalAlloc contract).
            self.with_state(|s| unsafe { s.heap.deallocate(block, layout) });
        }
    }
}

fn report_out_of_memory(layout: Layout, used: usize, free: usize, size: usize) {
    #[cfg(target_arch = "mips")]
    ps2_sys::println!(
        "out of memory: requested {} bytes (align {}); heap has {} of {} bytes free ({} in use, possibly fragmented)",
        layout.size(),
        layout.align(),
        free,
        size,
        used
    );
    #[cfg(not(target_arch = "mips"))]
    let _ = (layout, used, free, size);
}

/// `_end` rounded up to 16 bytes, to the kernel's end of heap.
fn ee_free_ram() -> (*mut u8, usize) {
    #[cfg(target_arch = "mips")]
    {
        unsafe extern "C" {
            static _end: u8;
        }
        // A linker symbol: only its address is used.
        let start = (ptr::addr_of!(_end) as usize + 15) & !15;
        let end = ps2_sys::syscall::end_of_heap() as usize;
        (start as *mut u8, end.saturating_sub(start))
    }
    #[cfg(not(target_arch = "mips"))]
    panic!("the EE heap region only exists on the PS2")
}

#[cfg(all(target_arch = "mips", feature = "global-allocator"))]
#[global_allocator]
static HEAP: Ps2Heap = Ps2Heap::new();

/// Usage of the global heap.
#[cfg(all(target_arch = "mips", feature = "global-allocator"))]
pub fn stats() -> Stats {
    HEAP.stats()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGION: usize = 64 * 1024;

    fn test_region() -> (*mut u8, usize) {
        let memory = Box::leak(vec![0u128; REGION / 16].into_boxed_slice());
        (memory.as_mut_ptr().cast(), REGION)
    }

    #[test]
    fn allocates_frees_and_tracks_peak() {
        let heap = Ps2Heap::with_region(test_region);
        let layout = Layout::from_size_align(1000, 16).unwrap();
        // SAFETY: freed below with the same layout.
        let a = unsafe { heap.alloc(layout) };
        let b = unsafe { heap.alloc(layout) };
        assert!(!a.is_null() && !b.is_null());
        assert_eq!(a as usize % 16, 0);
        let during = heap.stats();
        assert!(during.used >= 2000);
        assert_eq!(during.size, REGION);
        assert_eq!(during.used + during.free, REGION);
        unsafe {
            heap.dealloc(a, layout);
            heap.dealloc(b, layout);
        }
        let after = heap.stats();
        assert_eq!(after.used, 0);
        assert_eq!(after.peak, during.used);
    }

    #[test]
    fn exhaustion_returns_null_and_the_heap_recovers() {
        let heap = Ps2Heap::with_region(test_region);
        let too_big = Layout::from_size_align(REGION + 1, 8).unwrap();
        assert!(unsafe { heap.alloc(too_big) }.is_null());
        let small = Layout::from_size_align(64, 8).unwrap();
        let p = unsafe { heap.alloc(small) };
        assert!(!p.is_null());
        unsafe { heap.dealloc(p, small) };
    }
}
