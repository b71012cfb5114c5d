//! The EE transport: [`PadTransport`] over `ps2-iop`'s SIF RPC client, with the pad areas in one static
//! [`PadMemory`] (the pad server keeps writing them every frame while ports are open, so they must never move
//! or be freed): one [`IopTransport`] exists at a time, and dropping it frees the memory for the next.
//!
//! No pad server exists until the program loads a pad module: `rom0:SIO2MAN` + `rom0:PADMAN` (every
//! console; the old protocol) or `rom0:XSIO2MAN` + `rom0:XPADMAN` (every ROM but the earliest; the new one).
//! [`PadModules`] names the pairs and loads one.
//!
//! This module is built only for the EE (`target_arch = "mips"`), so the example is not compiled as a host
//! doctest:
//!
//! ```ignore
//! let mut loader = ps2_iop::loadfile::LoadFile::new()?;
//! ps2_pad::PadModules::Rom.load(&mut loader)?;          // rom0:SIO2MAN, rom0:PADMAN
//! let mut pads = ps2_pad::Pads::init(ps2_pad::IopTransport::new()?, 100)?;   // about 0.1 s at most
//! pads.open(0, 0)?;
//! ```

use core::cell::{RefCell, UnsafeCell};
use core::time::Duration;

use critical_section::Mutex;

use ps2_iop::loadfile::{LoadFile, Module};
use ps2_iop::rpc::Client;

use crate::area::AREA_LEN;
use crate::driver::PadTransport;
use crate::memory::PadMemory;
use crate::protocol::{MESSAGE_LEN, RPC_FUNCTION};

/// How long [`IopTransport`] waits between bind rounds of [`crate::Pads::init`].
pub const BIND_RETRY: Duration = Duration::from_millis(1);

/// The boot ROM's pad driver pairs (each pad module imports its SIO2MAN; the two families do not mix on one
/// IOP: reboot it before switching).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadModules {
    /// `rom0:SIO2MAN` + `rom0:PADMAN`: the old protocol, in every console's ROM.
    Rom,
    /// `rom0:XSIO2MAN` + `rom0:XPADMAN`: the new protocol (absent from the earliest ROMs).
    RomX,
}

impl PadModules {
    /// The module paths, SIO2MAN first.
    pub const fn paths(self) -> [&'static str; 2] {
        match self {
            PadModules::Rom => ["rom0:SIO2MAN", "rom0:PADMAN"],
            PadModules::RomX => ["rom0:XSIO2MAN", "rom0:XPADMAN"],
        }
    }

    /// Loads both modules; returns the pad module. A module that was already resident loads again with
    /// start result 1 (not resident), which is not an error.
    pub fn load(self, loader: &mut LoadFile) -> Result<Module, ps2_iop::Error> {
        let [sio2man, padman] = self.paths();
        loader.load_module(sio2man, &[])?;
        loader.load_module(padman, &[])
    }
}

/// The pad areas every [`IopTransport`] uses in turn. Static, not allocated per transport: the server may
/// still be writing the areas of ports left open when a transport was dropped, so they are never freed.
struct StaticPadMemory(UnsafeCell<PadMemory>);

// SAFETY: only the one `IopTransport` holding `IN_USE` touches the memory.
unsafe impl Sync for StaticPadMemory {}

static MEMORY: StaticPadMemory = StaticPadMemory(UnsafeCell::new(PadMemory::new()));
/// Whether an `IopTransport` holds [`MEMORY`] (no compare-and-swap on the R5900: a critical section instead).
static IN_USE: Mutex<RefCell<bool>> = Mutex::new(RefCell::new(false));

/// [`IopTransport::new`] while another `IopTransport` is alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportInUse;

impl core::fmt::Display for TransportInUse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an IopTransport already exists (its pad areas are static: one transport at a time)")
    }
}

impl core::error::Error for TransportInUse {}

/// [`PadTransport`] over SIF RPC.
pub struct IopTransport {
    client: Option<Client>,
    memory: &'static mut PadMemory,
}

impl IopTransport {
    /// A transport over the static pad areas (2.25 KiB, allocated once for the program). One exists at a time:
    /// while another is alive this returns [`TransportInUse`]; [`crate::Pads::end`] hands the transport back,
    /// and dropping it lets a new one be made.
    pub fn new() -> Result<IopTransport, TransportInUse> {
        let taken = critical_section::with(|cs| IN_USE.borrow(cs).replace(true));
        if taken {
            return Err(TransportInUse);
        }
        // SAFETY: `IN_USE` was false, so no other reference to MEMORY exists until this transport drops.
        let memory = unsafe { &mut *MEMORY.0.get() };
        Ok(IopTransport { client: None, memory })
    }
}

impl Drop for IopTransport {
    fn drop(&mut self) {
        critical_section::with(|cs| *IN_USE.borrow(cs).borrow_mut() = false);
    }
}

impl PadTransport for IopTransport {
    type Error = ps2_iop::Error;

    fn bind(&mut self, sid: u32) -> Result<bool, ps2_iop::Error> {
        // One attempt: `Pads::init` does the retrying (it alternates between the two protocols' servers).
        match Client::bind_with_timeout(sid, Duration::ZERO) {
            Ok(client) => {
                // The first server bound is the main one, which every call goes to; libpad also binds the
                // extended server, which no command uses: it is only checked for.
                if self.client.is_none() {
                    self.client = Some(client);
                }
                Ok(true)
            }
            Err(ps2_iop::Error::ServerNotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn wait_before_retry(&mut self) {
        ps2_sys::clock::spin_for(BIND_RETRY);
    }

    fn call(&mut self, request: &[u8; MESSAGE_LEN], reply: &mut [u8; MESSAGE_LEN]) -> Result<(), ps2_iop::Error> {
        let client = self.client.as_mut().ok_or(ps2_iop::Error::InvalidArgument("pad server not bound"))?;
        client.call(RPC_FUNCTION, request, reply)
    }

    fn area_address(&mut self, port: u8, slot: u8) -> u32 {
        self.memory.area_address(port, slot)
    }

    fn write_area(&mut self, port: u8, slot: u8, area: &[u8; AREA_LEN]) {
        self.memory.write_area(port, slot, area);
    }

    fn read_area(&mut self, port: u8, slot: u8, area: &mut [u8; AREA_LEN]) {
        self.memory.read_area(port, slot, area);
    }

    fn open_slot_buffer_address(&mut self) -> u32 {
        self.memory.open_slot_buffer_address()
    }
}
