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
    unsafe { gs::control().csr.value.write(Csr::RESET.bits()) };
    syscall::gs_put_imr(IMR_ALL_MASKED);
    let crt = mode.crt();
    let interlace = if crt.interlace { syscall::Interlace::Interlaced } else { syscall::Interlace::Progressive };
    let video = match mode {
        VideoMode::NtscInterlaced => syscall::VideoMode::Ntsc,
        VideoMode::PalInterlaced => syscall::VideoMode::Pal,
        VideoMode::Progressive480p => syscall::VideoMode::Dtv480p,
    };
    // ps2-sys names SMODE2.FFMD = 0 (a full-height buffer read every other line) `FieldMode::Frame`;
    // ps2sdk calls the same value GRAPH_MODE_FIELD. We pass the value our mode table wants.
    let ffmd = if crt.frame_mode { syscall::FieldMode::Field } else { syscall::FieldMode::Frame };
    debug_assert_eq!(ffmd as u16, crt.frame_mode as u16);
    syscall::set_gs_crt(interlace, video, ffmd);
    let regs = mode.display_registers(background);
    // SAFETY: values computed for this mode; the registers only control what is displayed.
    unsafe {
        display.pmode.value.write(regs.pmode);
        display.smode2.value.write(regs.smode2);
        display.dispfb1.value.write(regs.dispfb1);
        display.display1.value.write(regs.display1);
        display.bgcolor.value.write(regs.bgcolor);
    }
    let mut packet = AdPacket::<16>::new();
    // 11 writes always fit in 15.
    let _ = mode.drawing_environment(&mut packet);
    send(packet.finish());
}
