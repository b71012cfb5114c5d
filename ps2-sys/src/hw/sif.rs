//! SIF (SBUS) registers at 0x1000_F200, the mailbox between the EE and the IOP.
//!
//! The kernel uses them for SIF DMA; programs normally go through [`crate::syscall::sif_set_reg`] /
//! [`crate::syscall::sif_get_reg`], which also reach the kernel's software registers.

use volatile_register::RW;

/// SIF registers.
#[repr(C)]
pub struct Sif {
    /// MSCOM: main (EE) → sub (IOP) communication word.
    pub mscom: RW<u32>,
    _pad0: [u32; 3],
    /// SMCOM: sub → main communication word.
    pub smcom: RW<u32>,
    _pad1: [u32; 3],
    /// MSFLG: main → sub flags.
    pub msflg: RW<u32>,
    _pad2: [u32; 3],
    /// SMFLG: sub → main flags.
    pub smflg: RW<u32>,
    _pad3: [u32; 3],
    /// CTRL: SBUS control.
    pub ctrl: RW<u32>,
}

/// The SIF block.
pub fn sif() -> &'static Sif {
    // SAFETY: 0x1000_F200 is MSCOM.
    unsafe { super::block(0x1000_F200) }
}

#[cfg(test)]
mod tests {
    use super::super::assert_offset;
    use super::*;

    #[test]
    fn offsets() {
        assert_offset!(Sif, smcom, 0x10);
        assert_offset!(Sif, smflg, 0x30);
        assert_offset!(Sif, ctrl, 0x40);
    }
}
