//! GS privileged registers (0x1200_0000..0x1200_1080). They are 64-bit and must be accessed with one 64-bit
//! load or store. Under the EE target's o32 ABI nothing obliges the compiler to keep a `u64` access whole (on a
//! `mips2` target it becomes two 32-bit ones, which the GS does not accept), so [`Reg64`] does it in assembly
//! (`ld`/`sd`).

use bitflags::bitflags;
use volatile_register::RW;

/// One 64-bit register padded to 16 bytes, as the GS lays them out.
#[repr(C)]
pub struct Reg64 {
    value: RW<u64>,
    _pad: u64,
}

impl Reg64 {
    /// Reads the register with one 64-bit load (`ld`).
    #[inline(always)]
    pub fn read(&self) -> u64 {
        #[cfg(target_arch = "mips")]
        {
            let (hi, lo): (u32, u32);
            // SAFETY: `self` is a live, 16-byte aligned GS register; ld/dsrl32/sll exist on the R5900 (MIPS III),
            // and the kernel saves full 64-bit registers on interrupts.
            unsafe {
                core::arch::asm!(
                    ".set push",
                    ".set mips3",
                    ".set noat",
                    "ld {lo}, 0({addr})",
                    "dsrl32 {hi}, {lo}, 0",
                    "sll {lo}, {lo}, 0",
                    ".set pop",
                    addr = in(reg) core::ptr::from_ref(self),
                    hi = out(reg) hi,
                    lo = out(reg) lo,
                    options(nostack, preserves_flags, readonly),
                );
            }
            ((hi as u64) << 32) | lo as u64
        }
        #[cfg(not(target_arch = "mips"))]
        self.value.read()
    }

    /// Writes the register with one 64-bit store (`sd`).
    ///
    /// # Safety
    /// As for any hardware register write: the value takes effect at once (a wrong one can hang the GS).
    #[inline(always)]
    pub unsafe fn write(&self, value: u64) {
        #[cfg(target_arch = "mips")]
        // SAFETY: `self` is a live, 16-byte aligned GS register; only the two named scratch registers change.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set mips3",
                ".set noat",
                "dsll32 {hi}, {hi}, 0",
                "dsll32 {lo}, {lo}, 0",
                "dsrl32 {lo}, {lo}, 0",
                "or {hi}, {hi}, {lo}",
                "sd {hi}, 0({addr})",
                ".set pop",
                hi = inout(reg) (value >> 32) as u32 => _,
                lo = inout(reg) value as u32 => _,
                addr = in(reg) core::ptr::from_ref(self),
                options(nostack, preserves_flags),
            );
        }
        #[cfg(not(target_arch = "mips"))]
        // SAFETY: forwarded contract.
        unsafe {
            self.value.write(value)
        };
    }
}

/// The display-side registers at 0x1200_0000.
#[repr(C)]
pub struct Display {
    /// PMODE: read-circuit enables and blending.
    pub pmode: Reg64,
    /// SMODE1: sync mode (set by `SetGsCrt`).
    pub smode1: Reg64,
    /// SMODE2: interlace and field/frame mode.
    pub smode2: Reg64,
    /// SRFSH: DRAM refresh.
    pub srfsh: Reg64,
    /// SYNCH1 (set by `SetGsCrt`).
    pub synch1: Reg64,
    /// SYNCH2 (set by `SetGsCrt`).
    pub synch2: Reg64,
    /// SYNCV (set by `SetGsCrt`).
    pub syncv: Reg64,
    /// DISPFB1: frame buffer of read circuit 1.
    pub dispfb1: Reg64,
    /// DISPLAY1: display area of read circuit 1.
    pub display1: Reg64,
    /// DISPFB2: frame buffer of read circuit 2.
    pub dispfb2: Reg64,
    /// DISPLAY2: display area of read circuit 2.
    pub display2: Reg64,
    /// EXTBUF (feedback write; unused).
    pub extbuf: Reg64,
    /// EXTDATA.
    pub extdata: Reg64,
    /// EXTWRITE.
    pub extwrite: Reg64,
    /// BGCOLOR: background colour.
    pub bgcolor: Reg64,
}

/// The control-side registers at 0x1200_1000.
#[repr(C)]
pub struct Control {
    /// CSR: status and control ([`Csr`]).
    pub csr: Reg64,
    /// IMR: interrupt mask (write through [`crate::syscall::gs_put_imr`], the kernel keeps a shadow).
    pub imr: Reg64,
    _pad: [u64; 4],
    /// BUSDIR: transfer direction for local → host reads.
    pub busdir: Reg64,
    _pad2: [u64; 6],
    /// SIGLBLID: SIGNAL and LABEL ids.
    pub siglblid: Reg64,
}

/// The display registers.
pub fn display() -> &'static Display {
    // SAFETY: 0x1200_0000 is PMODE.
    unsafe { super::block(0x1200_0000) }
}

/// The control registers.
pub fn control() -> &'static Control {
    // SAFETY: 0x1200_1000 is CSR.
    unsafe { super::block(0x1200_1000) }
}

bitflags! {
    /// CSR bits. The event bits are write-1-to-clear.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Csr: u64 {
        /// SIGNAL event.
        const SIGNAL = 1 << 0;
        /// FINISH event.
        const FINISH = 1 << 1;
        /// H-sync event.
        const HSINT = 1 << 2;
        /// V-sync event.
        const VSINT = 1 << 3;
        /// Rectangular-area write termination event.
        const EDWINT = 1 << 4;
        /// Flush the drawing pipeline.
        const FLUSH = 1 << 8;
        /// Reset the GS.
        const RESET = 1 << 9;
        /// Field being displayed (1 = odd).
        const FIELD = 1 << 13;
        /// Keep unnamed bits on read-modify-write.
        const _ = !0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::assert_offset;
    use super::*;

    #[test]
    fn offsets_match_gs_privileged_h() {
        assert_offset!(Display, smode2, 0x20);
        assert_offset!(Display, dispfb1, 0x70);
        assert_offset!(Display, display2, 0xA0);
        assert_offset!(Display, bgcolor, 0xE0);
        assert_offset!(Control, imr, 0x10);
        assert_offset!(Control, busdir, 0x40);
        assert_offset!(Control, siglblid, 0x80);
    }
}
