//! The pad driver: libpad's EE side over a [`PadTransport`] (the SIF RPC client and the pad areas' memory).
//!
//! All protocol logic lives here and in the pure modules; the transport only moves bytes, so the driver is
//! tested on the host against a simulated pad server; on the EE, `IopTransport` (this crate, over
//! `ps2-iop`'s SIF RPC client) is the transport.

use crate::area::{AREA_LEN, PadFrame, PadState, initial_area};
use crate::buttons::{ButtonEdges, EdgeDetector};
use crate::connection::{Connection, ConnectionEvent, ConnectionTracker};
use crate::mode::{ModeSequencer, ModeStep};
use crate::protocol::{Command, MESSAGE_LEN, Protocol, Unsupported};
use crate::status::ButtonStatus;

/// Ports on a console.
pub const PORTS: u8 = 2;
/// Slots per port (a multitap has 4).
pub const SLOTS: u8 = 4;

/// What the driver needs from the system: binding the pad server and calling it, and the EE memory the
/// server writes into. Implemented by `IopTransport` (this crate, on the EE, over `ps2-iop`'s SIF RPC
/// client), and by a simulated server in tests.
pub trait PadTransport {
    /// The transport's error (an RPC failure); [`PadError`] prints it with its `Display`.
    type Error: core::fmt::Debug + core::fmt::Display;

    /// Tries once to bind the RPC server `sid`: `Ok(false)` when it is not registered (yet).
    fn bind(&mut self, sid: u32) -> Result<bool, Self::Error>;

    /// Waits a little before [`Pads::init`] tries the servers again (libpad waits between binds too): a pad
    /// module registers its servers from a thread of its own, shortly after its load has returned. The
    /// default does not wait; the EE transport waits a millisecond.
    fn wait_before_retry(&mut self) {}

    /// Calls the bound main server: RPC function [`crate::protocol::RPC_FUNCTION`], 128 bytes out, 128 back.
    fn call(&mut self, request: &[u8; MESSAGE_LEN], reply: &mut [u8; MESSAGE_LEN]) -> Result<(), Self::Error>;

    /// The EE address of the 256-byte pad area for `port`/`slot`, aligned to
    /// [`Protocol::area_alignment`] (64 bytes works for both protocols).
    fn area_address(&mut self, port: u8, slot: u8) -> u32;

    /// Fills the pad area before the port is opened (from the CPU side; written back to memory).
    fn write_area(&mut self, port: u8, slot: u8, area: &[u8; AREA_LEN]);

    /// Reads the pad area as the server last wrote it (the cache lines invalidated first).
    fn read_area(&mut self, port: u8, slot: u8, area: &mut [u8; AREA_LEN]);

    /// New protocol: the EE address of the 256-byte, 64-aligned buffer INIT asks for.
    fn open_slot_buffer_address(&mut self) -> u32;
}

/// A driver error.
#[derive(Debug, PartialEq, Eq)]
pub enum PadError<E> {
    /// The transport failed.
    Transport(E),
    /// Neither pad server answered a bind (load `rom0:PADMAN` or `padman.irx` first).
    NoServer {
        /// Bind attempts made for each protocol.
        attempts: u32,
    },
    /// A port or slot number outside 0..2 / 0..4.
    BadPort {
        /// The port.
        port: u8,
        /// The slot.
        slot: u8,
    },
    /// The port/slot is not open.
    NotOpen {
        /// The port.
        port: u8,
        /// The slot.
        slot: u8,
    },
    /// The server refused a command (result 0).
    Refused(Command),
    /// The command does not exist in the protocol the server speaks.
    Unsupported(Unsupported),
}

impl<E: core::fmt::Display> core::fmt::Display for PadError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PadError::Transport(e) => write!(f, "pad server RPC failed: {e}"),
            PadError::NoServer { attempts } => write!(
                f,
                "no pad server answered after {attempts} binds per protocol (is rom0:PADMAN or padman.irx loaded?)"
            ),
            PadError::BadPort { port, slot } => write!(f, "port {port} slot {slot} does not exist (ports 0-1, slots 0-3)"),
            PadError::NotOpen { port, slot } => write!(f, "port {port} slot {slot} is not open"),
            PadError::Refused(c) => write!(f, "the pad server refused {c:?}"),
            PadError::Unsupported(u) => write!(f, "{u}"),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for PadError<E> {}

/// One frame of a pad, as [`Pads::read`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PadReading {
    /// The effective state (libpad's `padGetState`).
    pub state: PadState,
    /// The connection summary.
    pub connection: Connection,
    /// Plug/unplug since the last read.
    pub event: Option<ConnectionEvent>,
    /// This frame's packet, when the pad is readable and sent one.
    pub status: Option<ButtonStatus>,
    /// Buttons held, pressed and released since the last read (all released on unplug).
    pub buttons: ButtonEdges,
}

#[derive(Clone, Copy, Debug)]
struct SlotState {
    open: bool,
    tracker: ConnectionTracker,
    edges: EdgeDetector,
    /// The frame counter when a mode-changing request was accepted: until a newer frame arrives the pad
    /// counts as busy (libpad marks the request BUSY locally for the same reason).
    pending_since: Option<u32>,
}

impl SlotState {
    const CLOSED: SlotState =
        SlotState { open: false, tracker: ConnectionTracker::new(), edges: EdgeDetector::new(), pending_since: None };
}

/// The pads of a console, through the pad server found by [`Pads::init`].
pub struct Pads<T: PadTransport> {
    transport: T,
    protocol: Protocol,
    slots: [[SlotState; SLOTS as usize]; PORTS as usize],
}

impl<T: PadTransport> Pads<T> {
    /// Finds the pad server like libpad's `padInit`: tries the new protocol's sid, then the old one's, up to
    /// `attempts` rounds with [`PadTransport::wait_before_retry`] between them (the server may still be
    /// starting), binds the matching extended server, and for the new protocol sends INIT.
    ///
    /// The protocol is the loaded module's: `rom0:PADMAN` registers only the old servers, `rom0:XPADMAN` and
    /// ps2sdk's `padman.irx` the new ones too (and the new protocol is preferred). Without a pad module
    /// nothing answers, and after `attempts` rounds the result is [`PadError::NoServer`] (libpad's
    /// `padInit` would loop for ever).
    pub fn init(mut transport: T, attempts: u32) -> Result<Self, PadError<T::Error>> {
        let mut found = None;
        'search: for round in 0..attempts.max(1) {
            if round > 0 {
                if round == 1 {
                    log::debug!("no pad server registered yet; retrying binds ({attempts} rounds at most)");
                }
                transport.wait_before_retry();
            }
            for protocol in Protocol::PREFERENCE {
                if transport.bind(protocol.main_sid()).map_err(PadError::Transport)? {
                    found = Some(protocol);
                    break 'search;
                }
            }
        }
        let Some(protocol) = found else {
            log::warn!("no pad server answered {} bind rounds", attempts.max(1));
            return Err(PadError::NoServer { attempts: attempts.max(1) });
        };
        log::info!("pad server found: {protocol:?} protocol (sid {:#x})", protocol.main_sid());
        // libpad binds the extended server too; no command uses it, so its absence is not an error.
        if !transport.bind(protocol.ext_sid()).map_err(PadError::Transport)? {
            log::debug!("the pad module registers no extended server (sid {:#x}); no command needs it", protocol.ext_sid());
        }
        let mut pads = Pads { transport, protocol, slots: [[SlotState::CLOSED; SLOTS as usize]; PORTS as usize] };
        if protocol == Protocol::New {
            let buffer = pads.transport.open_slot_buffer_address();
            pads.expect_nonzero(0, 0, Command::Init { buffer })?;
        }
        Ok(pads)
    }

    /// The protocol the server speaks.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Sends one command and returns its result word.
    pub fn command(&mut self, port: u8, slot: u8, command: Command) -> Result<u32, PadError<T::Error>> {
        let request = command.encode(self.protocol, port, slot).map_err(PadError::Unsupported)?;
        let mut reply = [0u8; MESSAGE_LEN];
        self.transport.call(&request, &mut reply).map_err(PadError::Transport)?;
        Ok(command.decode_result(&reply))
    }

    fn expect_nonzero(&mut self, port: u8, slot: u8, command: Command) -> Result<u32, PadError<T::Error>> {
        match self.command(port, slot, command)? {
            0 => Err(PadError::Refused(command)),
            result => Ok(result),
        }
    }

    fn slot_mut(&mut self, port: u8, slot: u8) -> Result<&mut SlotState, PadError<T::Error>> {
        self.slots
            .get_mut(port as usize)
            .and_then(|p| p.get_mut(slot as usize))
            .ok_or(PadError::BadPort { port, slot })
    }

    /// Opens a port/slot (`padPortOpen`): pre-fills its pad area and hands its address to the server.
    pub fn open(&mut self, port: u8, slot: u8) -> Result<(), PadError<T::Error>> {
        self.slot_mut(port, slot)?;
        self.transport.write_area(port, slot, &initial_area(self.protocol));
        let area = self.transport.area_address(port, slot);
        self.expect_nonzero(port, slot, Command::Open { area })?;
        *self.slot_mut(port, slot)? = SlotState { open: true, ..SlotState::CLOSED };
        Ok(())
    }

    /// Closes a port/slot (`padPortClose`).
    pub fn close(&mut self, port: u8, slot: u8) -> Result<(), PadError<T::Error>> {
        if !self.slot_mut(port, slot)?.open {
            return Err(PadError::NotOpen { port, slot });
        }
        self.expect_nonzero(port, slot, Command::Close)?;
        *self.slot_mut(port, slot)? = SlotState::CLOSED;
        Ok(())
    }

    /// The newest frame of an open pad's area.
    pub fn frame(&mut self, port: u8, slot: u8) -> Result<PadFrame, PadError<T::Error>> {
        if !self.slot_mut(port, slot)?.open {
            return Err(PadError::NotOpen { port, slot });
        }
        let mut area = [0u8; AREA_LEN];
        self.transport.read_area(port, slot, &mut area);
        Ok(PadFrame::newest(self.protocol, &area))
    }

    /// The effective state, counting a just-accepted request as busy until the server's next frame.
    fn state_of(slot: &mut SlotState, frame: &PadFrame) -> PadState {
        if frame.frame == 0 && frame.length == 0 && frame.state == PadState::ExecCmd {
            // Still the pre-filled area: the server has not written yet.
            return PadState::FindPad;
        }
        match slot.pending_since {
            Some(since) if frame.frame <= since => PadState::ExecCmd,
            _ => {
                slot.pending_since = None;
                frame.effective_state()
            }
        }
    }

    /// Reads a pad once per frame: state, plug events, this frame's packet and button edges.
    pub fn read(&mut self, port: u8, slot: u8) -> Result<PadReading, PadError<T::Error>> {
        let frame = self.frame(port, slot)?;
        let s = self.slot_mut(port, slot)?;
        let state = Self::state_of(s, &frame);
        let event = s.tracker.update(state);
        let status = if state.is_readable() { frame.status().ok() } else { None };
        let buttons = match (s.tracker.connection().is_connected(), status) {
            (true, Some(status)) => s.edges.update(status.buttons),
            // Unplugged: report every held button released, once.
            (false, _) => s.edges.reset(),
            // Connected but no packet this frame (e.g. mid mode change): keep the last buttons.
            (true, None) => s.edges.update(s.edges.held()),
        };
        Ok(PadReading { state, connection: s.tracker.connection(), event, status, buttons })
    }

    /// Runs one frame of a mode change: polls the sequencer with the pad's state and sends at most the
    /// commands it asks for this frame. Call it once per frame until it returns [`ModeStep::Done`] or
    /// [`ModeStep::Failed`].
    pub fn step_mode(&mut self, port: u8, slot: u8, sequencer: &mut ModeSequencer) -> Result<ModeStep, PadError<T::Error>> {
        let frame = self.frame(port, slot)?;
        let state = Self::state_of(self.slot_mut(port, slot)?, &frame);
        loop {
            match sequencer.poll(state) {
                ModeStep::Call(command) => {
                    // The new protocol answers mode questions from the pad area, like libpad.
                    let local = match command {
                        Command::InfoMode(q) if self.protocol == Protocol::New => frame.info_mode(q),
                        _ => None,
                    };
                    let result = match local {
                        Some(result) => result,
                        None if matches!(command, Command::InfoMode(_)) && self.protocol == Protocol::New => {
                            // The area cannot answer yet (server busy): ask again next frame.
                            return Ok(ModeStep::Wait);
                        }
                        None => self.command(port, slot, command)?,
                    };
                    if result == 1 && matches!(command, Command::SetMainMode { .. } | Command::SetButtonInfo { .. }) {
                        self.slot_mut(port, slot)?.pending_since = Some(frame.frame);
                    }
                    sequencer.on_result(result);
                }
                step => return Ok(step),
            }
        }
    }

    /// Stops the server (`padEnd`). rom0:PADMAN cannot be started again afterwards.
    pub fn end(mut self) -> Result<T, PadError<T::Error>> {
        self.expect_nonzero(0, 0, Command::End)?;
        Ok(self.transport)
    }
}
