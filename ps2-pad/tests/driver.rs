//! The driver against a simulated IOP pad server speaking either protocol, with the pad-area layouts written
//! here as literal byte offsets from ps2sdk's libpad and padman sources (`ee/rpc/pad/src/libpad.c`,
//! `iop/input/padman`), independently of the crate's decoder.

use std::collections::HashMap;

use ps2_pad::protocol::MESSAGE_LEN;
use ps2_pad::{
    AREA_LEN, Buttons, Command, ConnectionEvent, ModeError, ModeRequest, ModeSequencer, ModeStep,
    PadError, PadKind, PadState, PadTransport, Pads, Protocol, Stick,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Model {
    Digital,
    DualShock2,
}

struct SimPad {
    model: Model,
    plugged: bool,
    /// Frames since plug-in (drives FINDPAD → FINDCTP1 → STABLE).
    age: u32,
    mode_id: u8,
    pressure: bool,
    /// Frames left of a running request.
    busy: u32,
    buttons: Buttons,
    left: Stick,
    right: Stick,
    frame: u32,
}

/// A pad server: the IOP side of SIF RPC plus the EE memory holding the pad areas.
struct SimServer {
    serves: Protocol,
    /// Binds answered "not registered" before the server appears.
    starting_binds: u32,
    bound: Option<u32>,
    initialised: bool,
    refuse_open: bool,
    /// Waits between bind rounds.
    waits: u32,
    memory: HashMap<(u8, u8), [u8; AREA_LEN]>,
    pads: HashMap<(u8, u8), SimPad>,
    log: Vec<u32>,
}

impl SimServer {
    fn new(serves: Protocol) -> Self {
        SimServer {
            serves,
            starting_binds: 0,
            bound: None,
            initialised: false,
            refuse_open: false,
            waits: 0,
            memory: HashMap::new(),
            pads: HashMap::new(),
            log: Vec::new(),
        }
    }

    fn plug(&mut self, port: u8, slot: u8, model: Model) {
        // Every pad starts in digital mode; DualShocks switch to analog on request.
        let mode_id = 0x41;
        self.pads.insert(
            (port, slot),
            SimPad {
                model,
                plugged: true,
                age: 0,
                mode_id,
                pressure: false,
                busy: 0,
                buttons: Buttons::empty(),
                left: Stick::CENTRED,
                right: Stick::CENTRED,
                frame: 0,
            },
        );
    }

    fn pad(&mut self, port: u8, slot: u8) -> &mut SimPad {
        self.pads.get_mut(&(port, slot)).unwrap()
    }

    /// One vertical blank: the server writes every open pad's struct into the half its frame parity picks.
    fn vblank(&mut self) {
        let protocol = self.serves;
        for (&key, pad) in self.pads.iter_mut() {
            let Some(area) = self.memory.get_mut(&key) else { continue };
            pad.frame += 1;
            if pad.plugged {
                pad.age += 1;
            }
            let state: u8 = match (pad.plugged, pad.age) {
                (false, _) => 0,
                (true, 0..=1) => 1,
                (true, 2) => 2,
                // Stable; a running request shows as reqState BUSY.
                _ => 6,
            };
            let req_state: u8 = if pad.busy > 0 { 2 } else { 0 };
            if pad.busy > 0 {
                pad.busy -= 1;
            }
            let mut data = [0xFFu8; 32];
            let length = if state == 2 || state == 6 {
                data[0] = 0;
                data[1] = pad.mode_id;
                data[2..4].copy_from_slice(&pad.buttons.to_active_low().to_le_bytes());
                data[4..8].copy_from_slice(&[pad.right.x, pad.right.y, pad.left.x, pad.left.y]);
                data[8..20].fill(0);
                if pad.buttons.contains(Buttons::CROSS) {
                    data[14] = 0xFF;
                }
                32u32
            } else {
                0
            };
            let half = (pad.frame % 2) as usize;
            match protocol {
                Protocol::New => {
                    let s = &mut area[half * 128..half * 128 + 128];
                    s[0x00..0x20].copy_from_slice(&data);
                    let table: &[u16] = if pad.model == Model::DualShock2 { &[4, 7] } else { &[4] };
                    for (i, m) in table.iter().enumerate() {
                        s[0x50 + 2 * i..0x52 + 2 * i].copy_from_slice(&m.to_le_bytes());
                    }
                    s[0x58..0x5C].copy_from_slice(&pad.frame.to_le_bytes());
                    s[0x5C..0x60].copy_from_slice(&0u32.to_le_bytes());
                    s[0x60..0x64].copy_from_slice(&length.to_le_bytes());
                    s[0x64] = if state == 6 { 2 } else { 1 };
                    s[0x65] = pad.mode_id;
                    s[0x66] = 3;
                    s[0x68] = table.len() as u8;
                    s[0x69] = if pad.mode_id >> 4 == 7 { 1 } else { 0 };
                    s[0x70] = state;
                    s[0x71] = req_state;
                    s[0x72] = 1;
                }
                Protocol::Old => {
                    let s = &mut area[half * 64..half * 64 + 64];
                    s[0x00..0x04].copy_from_slice(&pad.frame.to_le_bytes());
                    s[0x04] = state;
                    s[0x05] = req_state;
                    s[0x08..0x28].copy_from_slice(&data);
                    s[0x28..0x2C].copy_from_slice(&length.to_le_bytes());
                }
            }
        }
    }

    /// Normalises a command word to the new protocol's code (freepad's `(cmd & 0xFF) + 1` for old codes).
    fn code(&self, word: u32) -> u32 {
        match self.serves {
            Protocol::New => word,
            Protocol::Old => {
                assert_eq!(word & 0xFFFF_FF00, 0x8000_0100, "old protocol command codes");
                (word & 0xFF) + 1
            }
        }
    }
}

fn word(bytes: &[u8; MESSAGE_LEN], i: usize) -> u32 {
    u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap())
}

fn set_word(bytes: &mut [u8; MESSAGE_LEN], i: usize, value: u32) {
    bytes[i * 4..i * 4 + 4].copy_from_slice(&value.to_le_bytes());
}

impl PadTransport for SimServer {
    type Error = &'static str;

    fn bind(&mut self, sid: u32) -> Result<bool, &'static str> {
        if self.starting_binds > 0 {
            self.starting_binds -= 1;
            return Ok(false);
        }
        let known = [self.serves.main_sid(), self.serves.ext_sid()];
        if known.contains(&sid) {
            if sid == self.serves.main_sid() {
                self.bound = Some(sid);
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn wait_before_retry(&mut self) {
        self.waits += 1;
    }

    fn call(&mut self, request: &[u8; MESSAGE_LEN], reply: &mut [u8; MESSAGE_LEN]) -> Result<(), &'static str> {
        self.bound.ok_or("call before bind")?;
        let code = self.code(word(request, 0));
        self.log.push(code);
        let (port, slot) = (word(request, 1) as u8, word(request, 2) as u8);
        *reply = *request;
        let result_at_3 = |reply: &mut [u8; MESSAGE_LEN], v| set_word(reply, 3, v);
        match code {
            0x10 => {
                assert_eq!(word(request, 4) % 64, 0, "INIT buffer alignment");
                self.initialised = true;
                result_at_3(reply, 1);
            }
            0x01 => {
                if self.serves == Protocol::New {
                    assert!(self.initialised, "new protocol needs INIT before open");
                }
                let area = word(request, 4);
                assert_eq!(area as usize % self.serves.area_alignment(), 0);
                let prefilled = self.memory.get(&(port, slot)).expect("area written before open");
                assert!(prefilled[..32].iter().all(|&b| b == 0xFF) || self.serves == Protocol::Old);
                result_at_3(reply, if self.refuse_open { 0 } else { 1 });
            }
            0x0E | 0x0F => result_at_3(reply, 1),
            0x05 => {
                // Old protocol only: the new one answers from the area.
                assert_eq!(self.serves, Protocol::Old, "new-protocol mode info must come from the pad area");
                let pad = self.pad(port, slot);
                let table: &[u32] = if pad.model == Model::DualShock2 { &[4, 7] } else { &[4] };
                let result = match (word(request, 3), word(request, 4)) {
                    (4, u32::MAX) => table.len() as u32,
                    (4, i) => table.get(i as usize).copied().unwrap_or(0),
                    (1, _) => (pad.mode_id >> 4) as u32,
                    _ => 0,
                };
                set_word(reply, 5, result);
            }
            0x06 => {
                let pad = self.pad(port, slot);
                let analog = word(request, 3) == 1;
                let ok = !analog || pad.model == Model::DualShock2;
                if ok {
                    pad.mode_id = if analog { 0x73 } else { 0x41 };
                    pad.busy = 3;
                }
                set_word(reply, 5, ok as u32);
            }
            0x09 => {
                let pad = self.pad(port, slot);
                result_at_3(reply, if pad.model == Model::DualShock2 { 0x3FFFF } else { 0 });
            }
            0x0A => {
                let pad = self.pad(port, slot);
                pad.pressure = word(request, 3) == 0xFFF;
                pad.mode_id = if pad.pressure { 0x79 } else { 0x73 };
                pad.busy = 2;
                set_word(reply, 4, 1);
            }
            other => return Err(if other > 0x12 { "unknown command" } else { "unexpected command" }),
        }
        Ok(())
    }

    fn area_address(&mut self, port: u8, slot: u8) -> u32 {
        0x0010_0000 + (port as u32 * 4 + slot as u32) * 256
    }

    fn write_area(&mut self, port: u8, slot: u8, area: &[u8; AREA_LEN]) {
        self.memory.insert((port, slot), *area);
    }

    fn read_area(&mut self, port: u8, slot: u8, area: &mut [u8; AREA_LEN]) {
        *area = self.memory[&(port, slot)];
    }

    fn open_slot_buffer_address(&mut self) -> u32 {
        0x000F_FF00
    }
}

/// Runs vblanks and reads until the pad reports connected.
fn settle(pads: &mut Pads<SimServer>) -> Vec<Option<ConnectionEvent>> {
    (0..4)
        .map(|_| {
            pads.transport_mut().vblank();
            pads.read(0, 0).unwrap().event
        })
        .collect()
}

fn mode_change(pads: &mut Pads<SimServer>, request: ModeRequest) -> ModeStep {
    let mut seq = ModeSequencer::new(request);
    for _ in 0..50 {
        match pads.step_mode(0, 0, &mut seq).unwrap() {
            ModeStep::Wait => pads.transport_mut().vblank(),
            done => return done,
        }
    }
    panic!("mode change did not finish");
}

#[test]
fn new_protocol_digital_pad_buttons_and_edges() {
    let mut server = SimServer::new(Protocol::New);
    server.plug(0, 0, Model::Digital);
    let mut pads = Pads::init(server, 1).unwrap();
    assert_eq!(pads.protocol(), Protocol::New);
    pads.open(0, 0).unwrap();
    // Before the server writes anything the pre-filled area reads as "still looking".
    assert_eq!(pads.read(0, 0).unwrap().state, PadState::FindPad);
    let events = settle(&mut pads);
    assert_eq!(events.iter().flatten().collect::<Vec<_>>(), [&ConnectionEvent::Connected]);
    pads.transport_mut().pad(0, 0).buttons = Buttons::CROSS | Buttons::UP;
    pads.transport_mut().vblank();
    let r = pads.read(0, 0).unwrap();
    assert_eq!(r.state, PadState::Stable);
    let status = r.status.unwrap();
    assert_eq!(status.mode.kind(), PadKind::Digital);
    assert_eq!((status.left_stick, status.pressures), (None, None));
    assert_eq!(r.buttons.pressed, Buttons::CROSS | Buttons::UP);
    pads.transport_mut().pad(0, 0).buttons = Buttons::UP;
    pads.transport_mut().vblank();
    let r = pads.read(0, 0).unwrap();
    assert_eq!((r.buttons.pressed, r.buttons.released, r.buttons.held), (Buttons::empty(), Buttons::CROSS, Buttons::UP));
    assert_eq!(pads.transport().log, [0x10, 0x01], "INIT then OPEN");
}

#[test]
fn old_protocol_analog_and_pressure_through_rpc() {
    let mut server = SimServer::new(Protocol::Old);
    server.plug(0, 0, Model::DualShock2);
    let mut pads = Pads::init(server, 1).unwrap();
    assert_eq!(pads.protocol(), Protocol::Old);
    pads.open(0, 0).unwrap();
    settle(&mut pads);
    assert_eq!(mode_change(&mut pads, ModeRequest::ANALOG_PRESSURE), ModeStep::Done);
    // OPEN, mode table length + 2 entries, SETMAINMODE, GETBUTTONMASK, SETBUTTONINFO (no INIT: rom0).
    assert_eq!(pads.transport().log, [0x01, 0x05, 0x05, 0x05, 0x06, 0x09, 0x0A]);
    let pad = pads.transport_mut().pad(0, 0);
    pad.left = Stick { x: 255, y: 0 };
    pad.buttons = Buttons::CROSS;
    pads.transport_mut().vblank();
    let status = pads.read(0, 0).unwrap().status.unwrap();
    assert_eq!(status.mode.0, 0x79);
    assert_eq!(status.left_stick.unwrap().signed(10), (127, -127));
    assert_eq!(status.right_stick, Some(Stick::CENTRED));
    assert_eq!(status.pressures.unwrap().cross, 0xFF);
}

#[test]
fn new_protocol_reads_the_mode_table_from_the_area() {
    let mut server = SimServer::new(Protocol::New);
    server.plug(0, 0, Model::DualShock2);
    let mut pads = Pads::init(server, 1).unwrap();
    pads.open(0, 0).unwrap();
    settle(&mut pads);
    assert_eq!(mode_change(&mut pads, ModeRequest::ANALOG_LOCKED), ModeStep::Done);
    assert_eq!(pads.transport().log, [0x10, 0x01, 0x06], "no INFO_MODE RPC on the new protocol");
    pads.transport_mut().vblank();
    let r = pads.read(0, 0).unwrap();
    assert_eq!(r.status.unwrap().mode.kind(), PadKind::DualShock);
    assert_eq!(r.status.unwrap().pressures, None);
}

#[test]
fn digital_pad_refuses_analog() {
    for protocol in [Protocol::Old, Protocol::New] {
        let mut server = SimServer::new(protocol);
        server.plug(0, 0, Model::Digital);
        let mut pads = Pads::init(server, 1).unwrap();
        pads.open(0, 0).unwrap();
        settle(&mut pads);
        assert_eq!(mode_change(&mut pads, ModeRequest::ANALOG_LOCKED), ModeStep::Failed(ModeError::NoAnalogMode));
        assert_eq!(mode_change(&mut pads, ModeRequest::DIGITAL), ModeStep::Done, "{protocol:?}");
    }
}

#[test]
fn hot_plug_releases_buttons_and_reconnects() {
    let mut server = SimServer::new(Protocol::New);
    server.plug(0, 0, Model::DualShock2);
    let mut pads = Pads::init(server, 1).unwrap();
    pads.open(0, 0).unwrap();
    settle(&mut pads);
    pads.transport_mut().pad(0, 0).buttons = Buttons::START;
    pads.transport_mut().vblank();
    assert_eq!(pads.read(0, 0).unwrap().buttons.pressed, Buttons::START);
    let pad = pads.transport_mut().pad(0, 0);
    pad.plugged = false;
    pad.age = 0;
    pads.transport_mut().vblank();
    let r = pads.read(0, 0).unwrap();
    assert_eq!(r.event, Some(ConnectionEvent::Disconnected));
    assert_eq!((r.status, r.buttons.released), (None, Buttons::START));
    pads.transport_mut().vblank();
    let r = pads.read(0, 0).unwrap();
    assert_eq!((r.event, r.buttons.released), (None, Buttons::empty()), "released is reported once");
    pads.transport_mut().pad(0, 0).plugged = true;
    let events = settle(&mut pads);
    assert!(events.contains(&Some(ConnectionEvent::Connected)));
}

#[test]
fn unplug_during_a_mode_change_is_an_error() {
    let mut server = SimServer::new(Protocol::Old);
    server.plug(0, 0, Model::DualShock2);
    let mut pads = Pads::init(server, 1).unwrap();
    pads.open(0, 0).unwrap();
    settle(&mut pads);
    let mut seq = ModeSequencer::new(ModeRequest::ANALOG_LOCKED);
    assert_eq!(pads.step_mode(0, 0, &mut seq).unwrap(), ModeStep::Wait, "request sent, waiting");
    pads.transport_mut().pad(0, 0).plugged = false;
    pads.transport_mut().vblank();
    assert_eq!(pads.step_mode(0, 0, &mut seq).unwrap(), ModeStep::Failed(ModeError::Disconnected));
}

#[test]
fn server_discovery_and_errors() {
    // The server registers only after a few binds: init keeps trying, waiting between rounds (new then
    // old sid each round: the sixth bind, in the third round, finds it).
    let mut late = SimServer::new(Protocol::Old);
    late.starting_binds = 5;
    let pads = Pads::init(late, 10).unwrap();
    assert_eq!(pads.protocol(), Protocol::Old);
    assert_eq!(pads.transport().waits, 2);
    let mut never = SimServer::new(Protocol::New);
    never.starting_binds = 1000;
    let err = Pads::init(never, 3).err().unwrap();
    assert_eq!(err, PadError::NoServer { attempts: 3 });
    assert!(err.to_string().contains("PADMAN"));

    let mut server = SimServer::new(Protocol::New);
    server.plug(0, 0, Model::Digital);
    let mut pads = Pads::init(server, 1).unwrap();
    assert_eq!(pads.open(2, 0), Err(PadError::BadPort { port: 2, slot: 0 }));
    assert_eq!(pads.read(0, 1).err(), Some(PadError::NotOpen { port: 0, slot: 1 }));
    assert_eq!(pads.close(0, 0), Err(PadError::NotOpen { port: 0, slot: 0 }));
    pads.transport_mut().refuse_open = true;
    assert_eq!(pads.open(0, 0), Err(PadError::Refused(Command::Open { area: 0x0010_0000 })));
    pads.transport_mut().refuse_open = false;
    pads.open(0, 0).unwrap();
    pads.close(0, 0).unwrap();
    // INIT does not exist on rom0:PADMAN.
    let mut old = Pads::init(SimServer::new(Protocol::Old), 1).unwrap();
    assert!(matches!(old.command(0, 0, Command::GetModVersion), Err(PadError::Unsupported(_))));
    // The server's own error comes back as a transport error.
    assert_eq!(old.command(0, 0, Command::GetPortMax), Err(PadError::Transport("unexpected command")));
    assert_eq!(old.end().unwrap().log.last(), Some(&0x0F));
}
