//! Rebooting the IOP (`SifIopReset`) and waiting for it (`SifIopSync`).
//!
//! A reset throws away every module the IOP loaded and every RPC binding; afterwards call
//! [`crate::rpc::init`] (done by the next [`crate::rpc::Client::bind`]) and load modules again.

use core::sync::atomic::{AtomicU32, Ordering};

use ps2_sys::syscall::{self, SifReg};

use crate::cmd;
use crate::packet::{self, flag, ResetPacket};
use crate::sifdma::{self, Transfer};
use crate::{rpc, timeout, Error};

static REBOOTS: AtomicU32 = AtomicU32::new(0);

/// How many times this program has reset the IOP (lets libraries notice that their bindings are stale).
pub fn reboot_count() -> u32 {
    REBOOTS.load(Ordering::Relaxed)
}

#[repr(C, align(64))]
struct AlignedReset(ResetPacket);

/// Reboots the IOP with `arg` (`""`: the boot ROM's default module set; `"rom0:UDNL <image>"`: modules from an
/// IOPRP image). Returns once the reset packet is sent; then wait with [`sync`].
pub fn reset(arg: &str) -> Result<(), Error> {
    let packet = ResetPacket::new(arg, 0).ok_or(Error::TooLarge {
        what: "IOP reset argument",
        size: arg.len(),
        max: ResetPacket::MAX_ARG,
    })?;
    // The reset packet goes to the IOP's command buffer, whose address the SIF command handshake learns
    // (ps2sdk programs call `SifInitRpc(0)` before `SifIopReset`): without it the packet would land at IOP
    // address 0 and the IOP would never reboot.
    cmd::init()?;
    REBOOTS.store(REBOOTS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    syscall::sif_stop_dma();
    cmd::exit();
    rpc::reset_state();

    let aligned = AlignedReset(packet);
    syscall::sif_set_reg(SifReg::SubFlag, flag::BOOTEND); // writing a flag clears it
    let dest = syscall::sif_get_reg(SifReg::Software(0));
    if dest == 0 {
        return Err(Error::InvalidArgument("the IOP's command buffer address is unknown (SIF not initialised)"));
    }
    let transfer = Transfer {
        src: (&aligned.0 as *const ResetPacket).cast(),
        dest,
        size: core::mem::size_of::<ResetPacket>(),
        attr: packet::DMA_ERT | packet::DMA_INT_O,
    };
    let id = sifdma::send(&[transfer])?;
    sifdma::wait(id);
    // The next SIF command initialisation must do the full handshake with the rebooted IOP.
    syscall::sif_set_reg(SifReg::SubFlag, flag::SIFINIT);
    syscall::sif_set_reg(SifReg::SubFlag, flag::CMDINIT);
    syscall::sif_set_reg(SifReg::Software(2), 0);
    syscall::sif_set_reg(SifReg::Software(0), 0);
    Ok(())
}

/// Whether the IOP finished booting (SMFLG BOOTEND).
pub fn is_ready() -> bool {
    syscall::sif_get_reg(SifReg::SubFlag) & flag::BOOTEND != 0
}

/// Waits until the IOP has finished booting, for at most [`timeout::DEFAULT`].
pub fn sync() -> Result<(), Error> {
    timeout::wait_until("the IOP to finish rebooting (SMFLG BOOTEND)", is_ready)
}

/// Resets the IOP and waits for it: `reset(arg)` then `sync()`.
pub fn reboot(arg: &str) -> Result<(), Error> {
    reset(arg)?;
    sync()
}
