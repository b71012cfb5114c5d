//! `pad`: controller input with `ps2-pad` — buttons as they are pressed and released, sticks, hot-plug.
//!
//! Loads the boot ROM's pad driver on the IOP (`rom0:SIO2MAN`, `rom0:PADMAN`: the old pad protocol, which
//! every console has; with the argument `x`, `rom0:XSIO2MAN` and `rom0:XPADMAN`: the new protocol), opens
//! port 0, then reads the pad once per frame and prints every change. Press START (or wait 10 seconds) to end.
//!
//! Frames are paced by `ps2_sys::time::FramePacer`: the loop blocks in the kernel until the next vertical blank
//! (when PADMAN has just refreshed the pad's data), so it reads the pad 59.94 times a second on NTSC without
//! spinning, and says when a frame ran late.
//!
//! In the simulator the pad is driven by a script: `PS2_SIM_ARGS="--pad-script examples/pad/demo.pad"
//! cargo run --example pad` (`-- x` for XPADMAN).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use core::time::Duration;

use ps2_alloc as _;
use ps2_iop::loadfile::LoadFile;
use ps2_pad::{Buttons, IopTransport, ModeRequest, ModeSequencer, ModeStep, PadModules, Pads};
use ps2_sys::clock::Instant;
use ps2_sys::println;
use ps2_sys::time::FramePacer;

ps2_sys::entry!(main);

/// How long the demo runs without START.
const RUN_TIME: Duration = Duration::from_secs(10);

fn main() -> Result<(), String> {
    let modules = if ps2_sys::rt::args().skip(1).any(|a| a == b"x") { PadModules::RomX } else { PadModules::Rom };
    let mut loader = LoadFile::new().map_err(|e| format!("cannot bind LOADFILE on the IOP: {e:?}"))?;
    modules.load(&mut loader).map_err(|e| format!("cannot load {:?}: {e:?}", modules.paths()))?;
    println!("pad: loaded {} and {}", modules.paths()[0], modules.paths()[1]);

    let mut pads = Pads::init(IopTransport::new().map_err(|e| format!("{e}"))?, 100).map_err(|e| format!("{e}"))?;
    pads.open(0, 0).map_err(|e| format!("cannot open port 0: {e:?}"))?;
    println!("pad: {:?} protocol, port 0 open; press START to end", pads.protocol());

    let start = Instant::now();
    let mut pacer = FramePacer::new(1);
    let mut last_sticks = None;
    // Ask for the analog (DualShock) mode, locked, so the sticks report; the sequencer runs one step a frame.
    let mut analog = Some(ModeSequencer::new(ModeRequest::ANALOG_LOCKED));
    while start.elapsed() < RUN_TIME {
        if let Some(sequencer) = analog.as_mut() {
            match pads.step_mode(0, 0, sequencer).map_err(|e| format!("mode change: {e:?}"))? {
                ModeStep::Done => {
                    println!("{:>6} ms  analog mode on", start.elapsed().as_millis());
                    analog = None;
                }
                ModeStep::Failed(e) => {
                    println!("{:>6} ms  staying digital: {e}", start.elapsed().as_millis());
                    analog = None;
                }
                ModeStep::Call(_) | ModeStep::Wait => {}
            }
        }
        let reading = pads.read(0, 0).map_err(|e| format!("pad read failed: {e:?}"))?;
        if let Some(event) = reading.event {
            println!("{:>6} ms  {event:?} ({:?})", start.elapsed().as_millis(), reading.connection);
        }
        if !reading.buttons.pressed.is_empty() {
            println!("{:>6} ms  pressed  {:?}", start.elapsed().as_millis(), reading.buttons.pressed);
        }
        if !reading.buttons.released.is_empty() {
            println!("{:>6} ms  released {:?}", start.elapsed().as_millis(), reading.buttons.released);
        }
        if let Some(status) = reading.status {
            let sticks = (status.left_stick, status.right_stick);
            if status.left_stick.is_some() && Some(sticks) != last_sticks {
                println!("{:>6} ms  sticks   left {:?} right {:?}", start.elapsed().as_millis(), sticks.0, sticks.1);
                last_sticks = Some(sticks);
            }
        }
        if reading.buttons.pressed.contains(Buttons::START) {
            println!("START pressed: done");
            return Ok(());
        }
        let frame = pacer.wait().map_err(|e| format!("cannot wait for the vertical blank: {e}"))?;
        if frame.missed > 0 {
            println!("{:>6} ms  {} frame(s) late", start.elapsed().as_millis(), frame.missed);
        }
    }
    println!("{} s without START: done", RUN_TIME.as_secs());
    Ok(())
}
