//! # ps2-iop — talking to the PlayStation 2's I/O processor from the Emotion Engine
//!
//! The IOP runs the drivers (CD/DVD, controllers, memory cards); the EE reaches them over the SIF:
//!
//! - [`sifdma`]: EE → IOP memory copies, with alignment and cache handling done for you;
//! - [`cmd`]: SIF commands — the handshake, the receive buffer and interrupt-context handlers;
//! - [`rpc`]: the RPC client — bind to a server by id (retrying until it exists), call it synchronously or
//!   asynchronously;
//! - [`reset`]: rebooting the IOP and waiting for it;
//! - [`loadfile`]: loading IOP modules from `rom0:`, the disc, or an EE buffer, with the IOP's error codes.
//!
//! ```no_run
//! # fn main() -> Result<(), ps2_iop::Error> {
//! ps2_iop::reset::reboot("")?;                       // a clean IOP with the boot ROM's modules
//! let mut loader = ps2_iop::loadfile::LoadFile::new()?;
//! loader.load_module("rom0:SIO2MAN", &[])?;
//! loader.load_module("rom0:PADMAN", &[])?;
//! # Ok(())
//! # }
//! ```
//!
//! Protocols and layouts follow ps2sdk's `sifcmd`/`sifrpc`/`loadfile` (the [`packet`] module pins every
//! offset in tests). Needs a global allocator (RPC clients box their IOP-visible state); `ps2-alloc` provides
//! one.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

pub mod cmd;
mod error;
pub mod loadfile;
pub mod packet;
pub mod reset;
pub mod rpc;
pub mod sifdma;
pub mod timeout;

pub use error::{Error, IopError};
