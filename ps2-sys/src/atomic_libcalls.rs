//! The `__atomic_*` load and store functions LLVM calls on the R5900.
//!
//! LLVM's R5900 subtarget has no LL/SC, so it lowers every atomic operation — plain loads and stores
//! included — to the libatomic calls below. The EE is a single in-order core and an aligned load or store of
//! 1, 2, 4 or 8 bytes is one instruction, which no interrupt can split, so each call is that one access.
//! `sync` orders it against the memory system for the orderings that ask for more than `Relaxed`
//! (the memory-order argument follows the C ABI: 0 relaxed … 5 seq_cst), matching what LLVM would emit
//! inline on a MIPS core with atomics.
//!
//! Read-modify-write operations are not provided: the target declares `atomic-cas: false`, so Rust never
//! asks for them; `portable-atomic` builds them from [`critical_section`](crate::interrupts).

/// `__ATOMIC_RELAXED` in the C memory-order numbering.
const RELAXED: i32 = 0;

#[inline(always)]
fn fence_unless_relaxed(order: i32) {
    if order != RELAXED {
        // SAFETY: `sync` only waits for earlier memory accesses to complete.
        unsafe { core::arch::asm!("sync", options(nostack, preserves_flags)) };
    }
}

macro_rules! load_store {
    ($load:ident, $store:ident, $ty:ty) => {
        /// Atomic load (see the module docs).
        ///
        /// # Safety
        /// `ptr` is valid for reads and aligned to its size.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $load(ptr: *const $ty, order: i32) -> $ty {
            fence_unless_relaxed(order);
            // SAFETY: the caller's contract; one aligned access is indivisible on the EE.
            let value = unsafe { core::ptr::read_volatile(ptr) };
            fence_unless_relaxed(order);
            value
        }

        /// Atomic store (see the module docs).
        ///
        /// # Safety
        /// `ptr` is valid for writes and aligned to its size.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $store(ptr: *mut $ty, value: $ty, order: i32) {
            fence_unless_relaxed(order);
            // SAFETY: as above.
            unsafe { core::ptr::write_volatile(ptr, value) };
            fence_unless_relaxed(order);
        }
    };
}

load_store!(__atomic_load_1, __atomic_store_1, u8);
load_store!(__atomic_load_2, __atomic_store_2, u16);
load_store!(__atomic_load_4, __atomic_store_4, u32);
