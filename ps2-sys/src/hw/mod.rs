//! Typed memory-mapped registers of the EE.
//!
//! Each block is a `#[repr(C)]` struct of [`volatile_register`] cells laid out at the hardware offsets, with a
//! function returning a `&'static` reference to it. Field offsets are checked by unit tests against the
//! ps2sdk `ee_regs.h` addresses. Bit fields are [`bitflags`] types next to the registers that use them.
//!
//! Reading is safe; writing is `unsafe`, because a wrong value can start a DMA over arbitrary memory or hang the
//! GS. Several registers are owned by the kernel (INTC mask, timer 3, SIF DMA): use the syscalls for those.
//!
//! The accessor functions must only be called on the EE: on the host they panic.

pub mod dmac;
pub mod gs;
pub mod intc;
pub mod sif;
pub mod sio;
pub mod timer;

/// Turns a hardware address into a `&'static` register block.
///
/// # Safety
/// `addr` must be the address of a register block whose layout is `T`.
#[inline(always)]
pub(crate) unsafe fn block<T>(addr: usize) -> &'static T {
    #[cfg(not(target_arch = "mips"))]
    {
        let _ = addr;
        crate::arch::host_only("hardware registers");
    }
    #[allow(unreachable_code)]
    // SAFETY: the caller guarantees `addr` is a live register block of type T.
    unsafe {
        &*(addr as *const T)
    }
}

/// Checks a field's offset inside a register block (used by the layout tests of each module).
#[cfg(test)]
macro_rules! assert_offset {
    ($ty:ty, $field:ident, $offset:expr) => {
        assert_eq!(core::mem::offset_of!($ty, $field), $offset, concat!(stringify!($ty), ".", stringify!($field)));
    };
}
#[cfg(test)]
pub(crate) use assert_offset;
