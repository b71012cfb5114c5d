//! The interrupt controller (0x1000_F000). The kernel owns the mask: use
//! [`crate::syscall::enable_intc`] / [`crate::syscall::disable_intc`] rather than writing I_MASK.

use volatile_register::RW;

/// INTC registers.
#[repr(C)]
pub struct Intc {
    /// I_STAT: pending causes, one bit per [`crate::syscall::IntcCause`]; write 1 to clear.
    pub stat: RW<u32>,
    _pad: [u32; 3],
    /// I_MASK: enabled causes; writing 1 toggles a bit.
    pub mask: RW<u32>,
}

/// The INTC block.
pub fn intc() -> &'static Intc {
    // SAFETY: 0x1000_F000 is I_STAT.
    unsafe { super::block(0x1000_F000) }
}

#[cfg(test)]
mod tests {
    use super::super::assert_offset;
    use super::*;

    #[test]
    fn offsets() {
        assert_offset!(Intc, mask, 0x10);
    }
}
