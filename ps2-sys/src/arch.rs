//! The few R5900 instructions Rust cannot express, wrapped as functions.
//!
//! Instructions that LLVM's assembler encodes the MIPS32r2 way (`ei`, `di`) or does not know (`sync.p`) are
//! emitted as raw words, because the R5900 encodes them differently: `EI` is `0x42000038` and `DI` is
//! `0x42000039` (COP0 CO functions), while MIPS32r2's `ei`/`di` (`0x41606020`) would trap on the EE.
//!
//! On other architectures every function panics: they exist only so the crate builds and documents on the host.

#[cfg(target_arch = "mips")]
use core::arch::asm;

/// Bit 16 of COP0 Status: EIE, the master interrupt enable that `ei`/`di` toggle.
pub const STATUS_EIE: u32 = 1 << 16;

/// Reads COP0 Status (register 12).
#[inline(always)]
pub fn status() -> u32 {
    #[cfg(target_arch = "mips")]
    {
        let v: u32;
        // SAFETY: reading Status has no side effects; user threads have CU0 set, so mfc0 is allowed.
        unsafe { asm!(".set push", ".set noat", "mfc0 {0}, $12", ".word 0x0000040F", ".set pop", out(reg) v, options(nomem, nostack, preserves_flags)) };
        v
    }
    #[cfg(not(target_arch = "mips"))]
    host_only("arch::status")
}

/// Reads COP0 Count (register 9), which advances once per CPU cycle and wraps every ~14.56 s.
#[inline(always)]
pub fn count() -> u32 {
    #[cfg(target_arch = "mips")]
    {
        let v: u32;
        // SAFETY: reading Count has no side effects.
        unsafe { asm!(".set push", ".set noat", "mfc0 {0}, $9", ".set pop", out(reg) v, options(nomem, nostack, preserves_flags)) };
        v
    }
    #[cfg(not(target_arch = "mips"))]
    host_only("arch::count")
}

/// Executes `EI`: sets Status.EIE.
///
/// # Safety
/// Interrupt handlers may run from the next instruction on; the caller must not be inside a critical section
/// that relies on them being off.
#[inline(always)]
pub unsafe fn ei() {
    #[cfg(target_arch = "mips")]
    // SAFETY: the caller upholds the contract above. The memory clobber keeps accesses on the right side.
    unsafe {
        asm!(".word 0x42000038", ".word 0x0000040F", options(nostack))
    };
    #[cfg(not(target_arch = "mips"))]
    host_only("arch::ei")
}

/// Executes `DI` until Status.EIE reads back 0.
///
/// The loop is the ps2sdk `DIntr` workaround: an interrupt that arrives while `DI` executes can leave EIE set.
///
/// # Safety
/// Always safe to execute, but marked unsafe because re-enabling is the caller's job: pair it with [`ei`].
#[inline(always)]
pub unsafe fn di() {
    #[cfg(target_arch = "mips")]
    loop {
        // SAFETY: DI only clears EIE.
        unsafe { asm!(".word 0x42000039", ".word 0x0000040F", options(nostack)) };
        if status() & STATUS_EIE == 0 {
            break;
        }
    }
    #[cfg(not(target_arch = "mips"))]
    host_only("arch::di")
}

/// `sync.l`: waits until all earlier loads and stores have completed (needed before handing memory to DMA).
#[inline(always)]
pub fn sync() {
    #[cfg(target_arch = "mips")]
    // SAFETY: a barrier with no other effect.
    unsafe {
        asm!("sync", options(nostack, preserves_flags))
    };
}

/// `sync.p`: waits until earlier instructions have left the pipeline (after writing COP0 registers).
#[inline(always)]
pub fn sync_p() {
    #[cfg(target_arch = "mips")]
    // SAFETY: a barrier with no other effect.
    unsafe {
        asm!(".word 0x0000040F", options(nostack, preserves_flags))
    };
}

#[cfg(not(target_arch = "mips"))]
#[cold]
#[track_caller]
pub(crate) fn host_only(what: &str) -> ! {
    panic!("{what} touches EE hardware and only exists on the PS2 Emotion Engine")
}
