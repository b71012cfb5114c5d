//! The EE-only part: programming the display registers and sending packets down GIF DMA (channel 2).
//!
//! Everything here touches hardware through `ps2-sys`; on any other target it compiles but panics when
//! called (like `ps2-sys`'s own accessors).

use ps2_sys::hw::dmac::{self, ChannelId, Chcr};
use ps2_sys::hw::gs::{self, Csr};
use ps2_sys::syscall;

use crate::color::Color;
use crate::gif::{AdPacket, GifSink};
use crate::video::VideoMode;

/// QWC is 16 bits: one normal-mode transfer moves at most this many quadwords.
const MAX_QWC: usize = 0xFFFF;
/// Polls of CHCR.STR before a stuck transfer is reported (several seconds at EE speed; a 16 KiB packet takes
/// microseconds).
const DMA_SPIN_LIMIT: u32 = 200_000_000;
/// D_CTRL bit 0: the DMAC is enabled.
const D_CTRL_DMAE: u32 = 1;
/// GS IMR with every GS interrupt masked (the console never waits on one).
const IMR_ALL_MASKED: u32 = 0xFF00;

/// Sends GIF packets by normal-mode DMA on channel 2 (PATH3), one transfer at a time.
#[derive(Debug, Default)]
pub struct GifDma {
    _private: (),
}

impl GifDma {
    /// The GIF channel. Only one should exist: two would interleave their transfers' set-up.
    pub const fn new() -> Self {
        GifDma { _private: () }
    }
}

impl GifSink for GifDma {
    fn send(&mut self, packet: &[u128]) {
        send(packet);
    }
}

/// Sends one GIF packet and waits for the DMA to finish: writes the packet back from the data cache, then for
/// each run of up to 65535 quadwords clears the channel's D_STAT bit, sets QWC and MADR (physical) and starts
/// with CHCR = DIR | STR (`0x101`).
///
/// # Panics
/// If `packet` is not 16-byte aligned (DMA cannot address it), or if the channel stays busy for seconds
/// (nothing drains the GIF).
pub fn send(packet: &[u128]) {
    if packet.is_empty() {
        return;
    }
    assert!((packet.as_ptr() as usize).is_multiple_of(16), "GIF DMA needs a 16-byte aligned packet");
    ps2_sys::cache::writeback_range(packet.as_ptr().cast(), core::mem::size_of_val(packet));
    let channel = dmac::channel(ChannelId::Gif);
    wait_idle();
    for chunk in packet.chunks(MAX_QWC) {
        // SAFETY: the channel is idle, and the chunk is live, aligned, written back RAM that stays borrowed
        // until `wait_idle` returns, so the DMAC reads exactly this data.
        unsafe {
            dmac::control().stat.write(1 << ChannelId::Gif.number());
            channel.qwc.write(chunk.len() as u32);
            channel.madr.write(ps2_sys::cache::physical_address(chunk.as_ptr()));
            channel.chcr.write((Chcr::FROM_MEMORY | Chcr::START).bits());
        }
        wait_idle();
    }
}

fn wait_idle() {
    let channel = dmac::channel(ChannelId::Gif);
    let mut spins = 0u32;
    while Chcr::from_bits_retain(channel.chcr.read()).contains(Chcr::START) {
        spins += 1;
        assert!(spins < DMA_SPIN_LIMIT, "GIF DMA (channel 2) never finished: is the GS reset or PATH3 masked?");
        core::hint::spin_loop();
    }
}

/// Sets the video mode: resets the GS, masks its interrupts, calls `SetGsCrt`, writes PMODE, SMODE2, DISPFB1,
/// DISPLAY1 and BGCOLOR, then sends the drawing environment ([`VideoMode::drawing_environment`]).
pub fn setup_video(mode: VideoMode, background: Color) {
    let display = gs::display();
    // A transfer still running into the GS would be cut by the reset below.
    wait_idle();
    let dmac = dmac::control();
    if dmac.ctrl.read() & D_CTRL_DMAE == 0 {
        // SAFETY: setting DMAE only enables the DMAC; the kernel normally has done it already.
        unsafe { dmac.ctrl.write(dmac.ctrl.read() | D_CTRL_DMAE) };
    }
    // SAFETY: resetting the GS stops any drawing; nothing else in the program is drawing while it sets a mode.
    unsafe { write_privileged(&gs::control().csr, Csr::RESET.bits()) };
    syscall::gs_put_imr(IMR_ALL_MASKED);
    let crt = mode.crt();
    let interlace = if crt.interlace { syscall::Interlace::Interlaced } else { syscall::Interlace::Progressive };
    let video = match mode {
        VideoMode::NtscInterlaced => syscall::VideoMode::Ntsc,
        VideoMode::PalInterlaced => syscall::VideoMode::Pal,
        VideoMode::Progressive480p => syscall::VideoMode::Dtv480p,
    };
    let ffmd = if crt.frame_mode { syscall::FieldMode::Frame } else { syscall::FieldMode::Field };
    debug_assert_eq!(ffmd as u16, crt.frame_mode as u16);
    syscall::set_gs_crt(interlace, video, ffmd);
    let regs = mode.display_registers(background);
    // SAFETY: values computed for this mode; the registers only control what is displayed.
    unsafe {
        write_privileged(&display.pmode, regs.pmode);
        write_privileged(&display.smode2, regs.smode2);
        write_privileged(&display.dispfb1, regs.dispfb1);
        write_privileged(&display.display1, regs.display1);
        write_privileged(&display.bgcolor, regs.bgcolor);
    }
    let mut packet = AdPacket::<16>::new();
    // 11 writes always fit in 15.
    let _ = mode.drawing_environment(&mut packet);
    send(packet.finish());
}

/// Writes a 64-bit GS privileged register with one 64-bit store, as the GS expects.
///
/// The EE target is built as 32-bit MIPS II, where a `u64` volatile write becomes two 32-bit `sw`s (half a
/// register at a time). The R5900 itself has 64-bit registers: the value is assembled in one of them and
/// stored with `sd` (MIPS III instructions the R5900 implements; the kernel saves full registers on
/// interrupts, so the upper half survives between the instructions).
///
/// # Safety
/// As for any GS register write: the value takes effect on the display at once.
#[inline(always)]
unsafe fn write_privileged(register: &gs::Reg64, value: u64) {
    // SAFETY: forwarded contract; `Reg64::write` stores the 64 bits with one `sd`.
    unsafe { register.write(value) }
}
