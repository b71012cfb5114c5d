//! # ps2-pad — PlayStation 2 controllers
//!
//! The EE side of libpad, in Rust: it talks to the IOP pad server (rom0:PADMAN with the **old** protocol,
//! or XPADMAN / ps2sdk's padman.irx with the **new** one: [`Protocol`]) over SIF RPC, and reads the pad
//! areas the server refreshes every frame.
//!
//! - [`Buttons`] (`bitflags`, pressed = set) with edge detection ([`EdgeDetector`]: pressed / released this
//!   frame); sticks ([`Stick`], 0-255 centred at 128, and [`stick::axis`] for signed values with a dead zone);
//!   button pressures ([`Pressures`]);
//! - the byte layouts: `padButtonStatus` ([`ButtonStatus::parse`]) and both protocols' pad areas
//!   ([`PadFrame::newest`]);
//! - the pad life cycle (disconnected → finding → executing → stable, hot-plug, error) as pure logic
//!   ([`ConnectionTracker`]);
//! - mode changes (digital / analog, lock, pressure) as command sequences ([`ModeSequencer`]);
//! - a driver, [`Pads`], over a small [`PadTransport`] trait (bind, call, the pad areas' memory), which
//!   `IopTransport` implements on the EE (over `ps2-iop`'s SIF RPC) and the tests implement with a simulated
//!   pad server; [`PadMemory`]
//!   provides the aligned, cache-maintained pad areas for an EE transport.
//!
//! ```no_run
//! use ps2_pad::{Buttons, ModeRequest, ModeSequencer, ModeStep, Pads};
//! # fn wait_vsync() {}
//! # fn run<T: ps2_pad::PadTransport>(transport: T) -> Result<(), ps2_pad::PadError<T::Error>> {
//!
//! let mut pads = Pads::init(transport, 100)?;           // binds PADMAN/XPADMAN, INIT on the new protocol
//! pads.open(0, 0)?;
//! let mut analog = ModeSequencer::new(ModeRequest::ANALOG_LOCKED);
//! loop {
//!     wait_vsync();
//!     if let ModeStep::Failed(e) = pads.step_mode(0, 0, &mut analog)? { /* digital-only pad: fine */ }
//!     let reading = pads.read(0, 0)?;
//!     if reading.buttons.pressed.contains(Buttons::CROSS) { /* jump */ }
//!     if let Some(stick) = reading.status.and_then(|s| s.left_stick) {
//!         let (x, y) = stick.signed(16);
//!     }
//! }
//! # }
//! ```
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

pub mod area;
pub mod buttons;
pub mod connection;
pub mod driver;
#[cfg(target_arch = "mips")]
mod iop;
pub mod memory;
pub mod mode;
pub mod protocol;
pub mod status;
pub mod stick;

pub use area::{AREA_LEN, PadFrame, PadState, ReqState};
pub use buttons::{ButtonEdges, Buttons, EdgeDetector};
pub use connection::{Connection, ConnectionEvent, ConnectionTracker};
pub use driver::{PORTS, PadError, PadReading, PadTransport, Pads, SLOTS};
#[cfg(target_arch = "mips")]
pub use iop::{BIND_RETRY, IopTransport, PadModules, TransportInUse};
pub use memory::PadMemory;
pub use mode::{ModeError, ModeRequest, ModeSequencer, ModeStep};
pub use protocol::{Command, InfoMode, MainMode, Protocol};
pub use status::{ButtonStatus, ModeId, PadKind, Pressures, StatusError};
pub use stick::Stick;
