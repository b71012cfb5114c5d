//! The IOP's controller servers, driven by a pad script: `rom0:PADMAN` (the **old** protocol) or
//! `rom0:XPADMAN` (the **new** one), whichever the program loaded (see [`super::servers`]).
//!
//! * `rom0:PADMAN` registers the old sids (`0x8000_010F`/`…11F`) and understands only the old
//!   command codes (`0x8000_0100…`); it has no INIT and no getModVersion. Its per-pad struct is
//!   64 bytes, written alternately at +0 and +0x40 of the EE pad area.
//! * `rom0:XPADMAN` registers the new sids (`0x8000_0100`/`…101`) and the old ones, understands the
//!   new codes (`0x01…0x12`) and maps old ones to them as `(code & 0xFF) + 1`. Its per-pad struct
//!   is 128 bytes, written alternately at +0 and +0x80.
//! * A code the module does not know is answered with the request unchanged (result word 0), as
//!   ps2sdk's `RpcServer` does; the extended servers answer every call that way.
//!
//! Pads are DualShock 2 controllers whose buttons and sticks follow the script. At every VBLANK
//! each open pad's state block is written into the half of its EE pad area chosen by frame parity,
//! with an increasing frame counter, as PADMAN's per-frame DMA does.
//!
//! The constants below are this side's own reading of the references (ps2sdk
//! `iop/input/padman/src/rpcserver.c` for the sids, command codes and result words,
//! `padMiscFuncs.c`/`freepad.c` for the answers, `ee/rpc/pad/src/libpad.c` for the struct layouts;
//! ps2-iop.md §7), not the EE client's (`ps2-pad`): a wrong value on either side fails the tests.
//!
//! ## Pad script format
//!
//! One event per line, `#` starts a comment:
//!
//! ```text
//! # vblank  port  buttons                 sticks (0..255, 128 = centre)
//! 0         0     -
//! 60        0     CROSS
//! 90        0     CROSS+UP                lx=255 ly=128
//! 120       0     -                       lx=128
//! 300       1     unplugged
//! ```
//!
//! From VBLANK number `vblank` on, the pad in `port` (0 or 1, slot 0) holds those buttons
//! (`-` = none; names: SELECT L3 R3 START UP RIGHT DOWN LEFT L2 R2 L1 R1 TRIANGLE CIRCLE CROSS
//! SQUARE) and stick values (`lx ly rx ry`; unspecified sticks keep their value), or is
//! `unplugged` / `plugged`. Without a script both pads are plugged in and idle.

use super::protocol::arg_word;
use super::servers::{CallResult, PadModule};

/// New-protocol main server (`PAD_BIND_RPC_ID1`).
pub const SID_NEW: u32 = 0x8000_0100;
/// New-protocol extended server (`PAD_BIND_RPC_ID2`).
pub const SID_NEW_EXT: u32 = 0x8000_0101;
/// Old-protocol main server (`PAD_BIND_OLD_RPC_ID1`).
pub const SID_OLD: u32 = 0x8000_010F;
/// Old-protocol extended server (`PAD_BIND_OLD_RPC_ID2`).
pub const SID_OLD_EXT: u32 = 0x8000_011F;

/// New-protocol command codes (`enum PAD_RPCCMD` when built as XPADMAN).
pub mod cmd {
    /// padPortOpen.
    pub const OPEN: u32 = 0x01;
    /// padInfoAct.
    pub const INFO_ACT: u32 = 0x03;
    /// padInfoComb.
    pub const INFO_COMB: u32 = 0x04;
    /// padInfoMode.
    pub const INFO_MODE: u32 = 0x05;
    /// padSetMainMode.
    pub const SET_MAIN_MODE: u32 = 0x06;
    /// padSetActDirect.
    pub const SET_ACT_DIRECT: u32 = 0x07;
    /// padSetActAlign.
    pub const SET_ACT_ALIGN: u32 = 0x08;
    /// padGetButtonMask.
    pub const GET_BUTTON_MASK: u32 = 0x09;
    /// padSetButtonInfo.
    pub const SET_BUTTON_INFO: u32 = 0x0A;
    /// padSetVrefParam.
    pub const SET_VREF_PARAM: u32 = 0x0B;
    /// padGetPortMax.
    pub const GET_PORT_MAX: u32 = 0x0C;
    /// padGetSlotMax.
    pub const GET_SLOT_MAX: u32 = 0x0D;
    /// padPortClose.
    pub const CLOSE: u32 = 0x0E;
    /// padEnd.
    pub const END: u32 = 0x0F;
    /// padInit (new protocol only).
    pub const INIT: u32 = 0x10;
    /// padGetModVersion (new protocol only).
    pub const GET_MOD_VERSION: u32 = 0x12;
}

/// Old-protocol command codes (`enum PAD_RPCCMD` as rom0:PADMAN): `0x8000_0100` open, then
/// `0x8000_0102` infoAct … `0x8000_010E` end in the new codes' order (no INIT, no getModVersion).
pub mod old_cmd {
    /// padPortOpen.
    pub const OPEN: u32 = 0x8000_0100;
    /// padInfoAct.
    pub const INFO_ACT: u32 = 0x8000_0102;
    /// padInfoComb.
    pub const INFO_COMB: u32 = 0x8000_0103;
    /// padInfoMode.
    pub const INFO_MODE: u32 = 0x8000_0104;
    /// padSetMainMode.
    pub const SET_MAIN_MODE: u32 = 0x8000_0105;
    /// padSetActDirect.
    pub const SET_ACT_DIRECT: u32 = 0x8000_0106;
    /// padSetActAlign.
    pub const SET_ACT_ALIGN: u32 = 0x8000_0107;
    /// padGetButtonMask.
    pub const GET_BUTTON_MASK: u32 = 0x8000_0108;
    /// padSetButtonInfo.
    pub const SET_BUTTON_INFO: u32 = 0x8000_0109;
    /// padSetVrefParam.
    pub const SET_VREF_PARAM: u32 = 0x8000_010A;
    /// padGetPortMax.
    pub const GET_PORT_MAX: u32 = 0x8000_010B;
    /// padGetSlotMax.
    pub const GET_SLOT_MAX: u32 = 0x8000_010C;
    /// padPortClose.
    pub const CLOSE: u32 = 0x8000_010D;
    /// padEnd.
    pub const END: u32 = 0x8000_010E;
}

/// Words of the 128-byte request/reply (`u32 data[32]` in `RpcServer`).
pub mod word {
    /// The command code.
    pub const COMMAND: usize = 0;
    /// The port.
    pub const PORT: usize = 1;
    /// The slot.
    pub const SLOT: usize = 2;
    /// First argument; the result of open, getButtonMask, get{Port,Slot}Max, close, end, init, getModVersion.
    pub const ARG3: usize = 3;
    /// Second argument (open: EE pad area; init: EE open-slot buffer); setButtonInfo's result.
    pub const ARG4: usize = 4;
    /// The result of infoAct/Comb/Mode, setMainMode, setActDirect/Align; open: the IOP pad buffer.
    pub const RESULT5: usize = 5;
    /// setVrefParam's result.
    pub const RESULT7: usize = 7;
}

/// Field offsets of the new protocol's 128-byte per-pad struct (libpad `struct pad_data_new`).
mod new_struct {
    pub const DATA: usize = 0x00;
    pub const MODE_TABLE: usize = 0x50;
    pub const FRAME: usize = 0x58;
    pub const LENGTH: usize = 0x60;
    pub const MODE_CONFIG: usize = 0x64;
    pub const MODE_CUR_ID: usize = 0x65;
    pub const MODEL: usize = 0x66;
    pub const BUTTON_DATA_READY: usize = 0x67;
    pub const NR_OF_MODES: usize = 0x68;
    pub const MODE_CUR_OFFS: usize = 0x69;
    pub const NR_OF_ACTUATORS: usize = 0x6A;
    pub const MODE: usize = 0x6D;
    pub const LOCK: usize = 0x6E;
    pub const STATE: usize = 0x70;
    pub const REQ_STATE: usize = 0x71;
    pub const CURRENT_TASK: usize = 0x72;
    pub const LEN: usize = 0x80;
}

/// Field offsets of the old protocol's 64-byte per-pad struct (libpad `struct pad_data_old`).
mod old_struct {
    pub const FRAME: usize = 0x00;
    pub const STATE: usize = 0x04;
    pub const REQ_STATE: usize = 0x05;
    pub const OK: usize = 0x06;
    pub const DATA: usize = 0x08;
    pub const LENGTH: usize = 0x28;
    pub const MODEL: usize = 0x2E;
    pub const LEN: usize = 0x40;
}

/// `PAD_STATE_DISCONN` / `PAD_STATE_STABLE`.
const STATE_DISCONNECTED: u8 = 0;
const STATE_STABLE: u8 = 6;
/// `modeConfig` once the mode table has been read (`MODE_CONFIG_READY`).
const MODE_CONFIG_READY: u8 = 2;
/// A DualShock 2's mode table: digital (4), DualShock (7).
const DS2_MODES: [u16; 2] = [4, 7];
/// Model byte of a DualShock 2.
const MODEL_DUALSHOCK2: u8 = 3;
/// `padGetModVersion` of XPADMAN: `IRX_ID("padman", 3, 6)` (ps2sdk freepad.c, after the boot ROM's XPADMAN).
pub const XPADMAN_VERSION: u32 = 0x0306;
/// `padGetButtonMask` of a DualShock 2: every button pressure-sensitive.
const BUTTON_MASK_DS2: u32 = 0x3FFFF;

const BUTTON_NAMES: [&str; 16] = [
    "SELECT", "L3", "R3", "START", "UP", "RIGHT", "DOWN", "LEFT", "L2", "R2", "L1", "R1",
    "TRIANGLE", "CIRCLE", "CROSS", "SQUARE",
];

/// A pad's inputs at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PadInput {
    /// Pressed buttons (bit set = pressed; bit values as in libpad).
    pub buttons: u16,
    /// Sticks: lx, ly, rx, ry.
    pub sticks: [u8; 4],
    /// Whether a controller is plugged in.
    pub connected: bool,
}

impl Default for PadInput {
    fn default() -> Self {
        PadInput { buttons: 0, sticks: [128; 4], connected: true }
    }
}

/// A parsed pad script: for each port, its inputs after each of its events, sorted by VBLANK (so
/// that [`PadScript::input_at`] is a binary search, however long the script).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PadScript {
    states: [Vec<(u64, PadInput)>; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Hold { buttons: u16, sticks: [Option<u8>; 4] },
    Connected(bool),
}

impl PadScript {
    /// Parses the script format described in the module docs.
    pub fn parse(text: &str) -> Result<PadScript, String> {
        let mut events = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |what: String| format!("pad script line {}: {what}: {:?}", n + 1, quoted_start(raw));
            let mut fields = line.split_whitespace();
            let vblank: u64 = fields.next().unwrap_or("").parse().map_err(|_| err("bad VBLANK number".into()))?;
            let port: usize = match fields.next().map(str::parse) {
                Some(Ok(p @ 0..=1)) => p,
                _ => return Err(err("port must be 0 or 1".into())),
            };
            let what = fields.next().ok_or_else(|| err("missing buttons".into()))?;
            let event = match what.to_ascii_lowercase().as_str() {
                "unplugged" => Event::Connected(false),
                "plugged" => Event::Connected(true),
                _ => {
                    let mut buttons = 0u16;
                    if what != "-" {
                        for name in what.split('+') {
                            let bit = BUTTON_NAMES
                                .iter()
                                .position(|b| b.eq_ignore_ascii_case(name))
                                .ok_or_else(|| err(format!("unknown button {name:?}")))?;
                            buttons |= 1 << bit;
                        }
                    }
                    let mut sticks = [None; 4];
                    for f in fields.by_ref() {
                        let (key, value) = f.split_once('=').ok_or_else(|| err(format!("expected stick=value, got {f:?}")))?;
                        let index = ["lx", "ly", "rx", "ry"]
                            .iter()
                            .position(|k| k.eq_ignore_ascii_case(key))
                            .ok_or_else(|| err(format!("unknown stick {key:?}")))?;
                        sticks[index] = Some(value.parse().map_err(|_| err(format!("stick value {value:?} is not 0-255")))?);
                    }
                    Event::Hold { buttons, sticks }
                }
            };
            if fields.next().is_some() {
                return Err(err("unexpected text after the event".into()));
            }
            events.push((vblank, port, event));
        }
        // Stable: events of the same VBLANK apply in file order.
        events.sort_by_key(|e| e.0);
        let mut script = PadScript::default();
        let mut inputs = [PadInput::default(); 2];
        for (vblank, port, event) in events {
            let input = &mut inputs[port];
            match event {
                Event::Connected(c) => input.connected = c,
                Event::Hold { buttons, sticks } => {
                    input.buttons = buttons;
                    for (s, v) in input.sticks.iter_mut().zip(sticks) {
                        if let Some(v) = v {
                            *s = v;
                        }
                    }
                }
            }
            script.states[port].push((vblank, *input));
        }
        Ok(script)
    }

    /// The inputs of `port` at VBLANK `vblank` (a port without events: plugged in, idle).
    pub fn input_at(&self, port: usize, vblank: u64) -> PadInput {
        let Some(states) = self.states.get(port) else { return PadInput::default() };
        match states.partition_point(|&(at, _)| at <= vblank) {
            0 => PadInput::default(),
            after => states[after - 1].1,
        }
    }
}

/// The start of a script line for an error message: a line of megabytes is not quoted whole.
fn quoted_start(line: &str) -> String {
    const MAX_CHARS: usize = 80;
    match line.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}...", &line[..end]),
        None => line.to_string(),
    }
}

/// An open pad.
#[derive(Debug, Clone)]
struct OpenPad {
    port: usize,
    area: u32,
    old_protocol: bool,
    analog: bool,
    lock: u8,
    pressure: bool,
    frame: u32,
}

/// PADMAN's state.
#[derive(Debug, Default)]
pub struct Padman {
    script: PadScript,
    pads: Vec<OpenPad>,
    open_slots_area: Option<u32>,
    slots_frame: u32,
}

impl Padman {
    /// A PADMAN whose pads follow `script`.
    pub fn new(script: PadScript) -> Self {
        Padman { script, ..Padman::default() }
    }

    /// Forgets open pads (an IOP reboot unloads PADMAN); the script stays.
    pub fn reset(&mut self) {
        *self = Padman::new(std::mem::take(&mut self.script));
    }

    /// Handles a call to a pad server of `module`: the 128-byte request comes back with its result
    /// word set (or unchanged, for a code the module does not know).
    pub fn call(&mut self, module: PadModule, sid: u32, args: &[u8]) -> CallResult {
        let mut reply = args.to_vec();
        reply.resize(128, 0);
        if sid == SID_NEW_EXT || sid == SID_OLD_EXT {
            // "Extend Service: This service is not supported."
            return CallResult::reply(reply);
        }
        let raw = arg_word(args, word::COMMAND);
        // The new-protocol code of the request, if this module understands it.
        let command = match module {
            PadModule::Padman => match raw {
                old_cmd::OPEN..=old_cmd::END if raw != old_cmd::OPEN + 1 => Some((raw & 0xFF) + 1),
                _ => None,
            },
            PadModule::Xpadman if raw & 0x100 != 0 && raw & 0x8000_0000 != 0 => Some((raw & 0xFF) + 1),
            PadModule::Xpadman => Some(raw),
        };
        let (port, slot) = (arg_word(args, word::PORT) as usize, arg_word(args, word::SLOT));
        let (arg3, arg4) = (arg_word(args, word::ARG3), arg_word(args, word::ARG4));
        let mut set = |index: usize, value: u32| reply[4 * index..4 * index + 4].copy_from_slice(&value.to_le_bytes());
        let pad = self.pads.iter_mut().find(|p| p.port == port && slot == 0);
        let new_only = module == PadModule::Xpadman;
        match command {
            Some(cmd::OPEN) => {
                if port < 2 && slot == 0 {
                    self.pads.retain(|p| p.port != port);
                    let old_protocol = module == PadModule::Padman;
                    self.pads.push(OpenPad { port, area: arg4, old_protocol, analog: false, lock: 0, pressure: false, frame: 0 });
                    set(word::ARG3, 1);
                    set(word::RESULT5, 0x0003_0000 + 0x100 * port as u32);
                } else {
                    set(word::ARG3, 0);
                }
            }
            Some(cmd::INFO_ACT) => set(word::RESULT5, if arg3 == u32::MAX { 2 } else { 0 }),
            Some(cmd::INFO_COMB) => set(word::RESULT5, 0),
            Some(cmd::INFO_MODE) => set(word::RESULT5, pad.map_or(0, |p| info_mode(p, arg3, arg4))),
            Some(cmd::SET_MAIN_MODE) => {
                let accepted = arg3 < DS2_MODES.len() as u32;
                match pad {
                    Some(p) if accepted => {
                        p.analog = arg3 == 1;
                        p.lock = arg4 as u8;
                        set(word::RESULT5, 1);
                    }
                    _ => set(word::RESULT5, 0),
                }
            }
            Some(cmd::SET_ACT_DIRECT | cmd::SET_ACT_ALIGN) => set(word::RESULT5, pad.is_some() as u32),
            Some(cmd::GET_BUTTON_MASK) => set(word::ARG3, if pad.is_some() { BUTTON_MASK_DS2 } else { 0 }),
            Some(cmd::SET_BUTTON_INFO) => match pad {
                Some(p) => {
                    p.pressure = arg3 != 0;
                    set(word::ARG4, 1);
                }
                None => set(word::ARG4, 0),
            },
            Some(cmd::SET_VREF_PARAM) => set(word::RESULT7, pad.is_some() as u32),
            Some(cmd::GET_PORT_MAX) => set(word::ARG3, 2),
            // No multitap: one slot per port.
            Some(cmd::GET_SLOT_MAX) => set(word::ARG3, 1),
            Some(cmd::CLOSE) => {
                let open = pad.is_some();
                self.pads.retain(|p| !(p.port == port && slot == 0));
                set(word::ARG3, open as u32);
            }
            Some(cmd::END) => {
                self.pads.clear();
                self.open_slots_area = None;
                set(word::ARG3, 1);
            }
            Some(cmd::INIT) if new_only => {
                self.open_slots_area = Some(arg4);
                set(word::ARG3, 1);
            }
            Some(cmd::GET_MOD_VERSION) if new_only => set(word::ARG3, XPADMAN_VERSION),
            // "invalid function code": the buffer goes back as it came.
            _ => {}
        }
        CallResult::reply(reply)
    }

    /// The per-VBLANK DMA of every open pad's state (and the open-slots block): returns the
    /// EE writes (physical address, bytes).
    pub fn vblank(&mut self, vblank: u64) -> Vec<(u32, Vec<u8>)> {
        let mut writes = Vec::new();
        for pad in &mut self.pads {
            pad.frame += 1;
            let input = self.script.input_at(pad.port, vblank);
            let (block, size) = if pad.old_protocol {
                (old_block(pad, &input), old_struct::LEN as u32)
            } else {
                (new_block(pad, &input), new_struct::LEN as u32)
            };
            let half = if pad.frame.is_multiple_of(2) { 0 } else { size };
            writes.push(((pad.area & 0x1FFF_FFFF) + half, block));
        }
        if let Some(area) = self.open_slots_area {
            self.slots_frame += 1;
            let mut block = vec![0u8; 128];
            block[0..4].copy_from_slice(&self.slots_frame.to_le_bytes());
            let open: u32 = self.pads.iter().map(|p| 1 << p.port).sum();
            block[4..8].copy_from_slice(&open.to_le_bytes());
            writes.push(((area & 0x1FFF_FFFF) + if self.slots_frame.is_multiple_of(2) { 0 } else { 128 }, block));
        }
        writes
    }
}

/// The 32-byte `padButtonStatus`.
fn button_data(pad: &OpenPad, input: &PadInput) -> [u8; 32] {
    let mut d = [0u8; 32];
    d[1] = mode_id(pad);
    d[2..4].copy_from_slice(&(!input.buttons).to_le_bytes()); // active low
    let [lx, ly, rx, ry] = input.sticks;
    d[4..8].copy_from_slice(&[rx, ry, lx, ly]);
    if pad.pressure {
        // Pressures: right, left, up, down, triangle, circle, cross, square, L1, R1, L2, R2.
        let order = [5, 7, 4, 6, 12, 13, 14, 15, 10, 11, 8, 9];
        for (i, bit) in order.iter().enumerate() {
            d[8 + i] = if input.buttons & (1 << bit) != 0 { 0xFF } else { 0 };
        }
    }
    d
}

/// `padInfoMode(port, slot, term, offs)` for a DualShock 2 (ps2sdk padMiscFuncs.c): 1 the current
/// mode's type, 2 the current mode-table entry, 3 its index, 4 the table (`offs` -1: its length).
fn info_mode(pad: &OpenPad, term: u32, offs: u32) -> u32 {
    let current = pad.analog as usize;
    match term {
        1 => (mode_id(pad) >> 4) as u32,
        2 => DS2_MODES[current] as u32,
        3 => current as u32,
        4 if offs == u32::MAX => DS2_MODES.len() as u32,
        4 => DS2_MODES.get(offs as usize).map_or(0, |&m| m as u32),
        _ => u32::MAX,
    }
}

/// The mode id in the button packet: 0x41 digital, 0x73 analog, 0x79 analog with pressures.
fn mode_id(pad: &OpenPad) -> u8 {
    if pad.pressure && pad.analog {
        0x79
    } else if pad.analog {
        0x73
    } else {
        0x41
    }
}

fn new_block(pad: &OpenPad, input: &PadInput) -> Vec<u8> {
    use new_struct::*;
    let mut b = vec![0u8; LEN];
    if input.connected {
        b[DATA..DATA + 32].copy_from_slice(&button_data(pad, input));
    } else {
        b[DATA..DATA + 32].fill(0xFF);
    }
    for (i, mode) in DS2_MODES.iter().enumerate() {
        b[MODE_TABLE + 2 * i..MODE_TABLE + 2 * i + 2].copy_from_slice(&mode.to_le_bytes());
    }
    b[FRAME..FRAME + 4].copy_from_slice(&pad.frame.to_le_bytes());
    b[LENGTH] = if input.connected { 32 } else { 0 };
    b[MODE_CONFIG] = MODE_CONFIG_READY;
    b[MODE_CUR_ID] = if input.connected { mode_id(pad) } else { 0 };
    b[MODEL] = MODEL_DUALSHOCK2;
    b[BUTTON_DATA_READY] = input.connected as u8;
    b[NR_OF_MODES] = DS2_MODES.len() as u8;
    b[MODE_CUR_OFFS] = pad.analog as u8;
    b[NR_OF_ACTUATORS] = 2;
    b[MODE] = pad.analog as u8;
    b[LOCK] = pad.lock;
    b[STATE] = if input.connected { STATE_STABLE } else { STATE_DISCONNECTED };
    b[REQ_STATE] = 0; // PAD_RSTAT_COMPLETE
    b[CURRENT_TASK] = 1; // TASK_UPDATE_PAD
    b
}

fn old_block(pad: &OpenPad, input: &PadInput) -> Vec<u8> {
    use old_struct::*;
    let mut b = vec![0u8; LEN];
    b[FRAME..FRAME + 4].copy_from_slice(&pad.frame.to_le_bytes());
    b[STATE] = if input.connected { STATE_STABLE } else { STATE_DISCONNECTED };
    b[REQ_STATE] = 0;
    b[OK] = 1;
    if input.connected {
        b[DATA..DATA + 32].copy_from_slice(&button_data(pad, input));
        b[LENGTH] = 32;
    } else {
        b[DATA..DATA + 32].fill(0xFF);
    }
    b[MODEL] = MODEL_DUALSHOCK2;
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(words: &[u32]) -> Vec<u8> {
        let mut r: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        r.resize(128, 0);
        r
    }

    fn reply_word(r: &CallResult, i: usize) -> u32 {
        arg_word(&r.reply, i)
    }

    #[test]
    fn script_parses_and_holds_state_until_the_next_event() {
        let s = PadScript::parse("# test\n0 0 -\n60 0 CROSS+up lx=255\n90 0 - ly=0\n100 1 unplugged\n").unwrap();
        assert_eq!(s.input_at(0, 59).buttons, 0);
        let at60 = s.input_at(0, 60);
        assert_eq!((at60.buttons, at60.sticks), (0x4010, [255, 128, 128, 128]));
        assert_eq!(s.input_at(0, 95).sticks, [255, 0, 128, 128], "sticks persist");
        assert!(s.input_at(1, 99).connected && !s.input_at(1, 100).connected);
        assert!(PadScript::parse("x 0 -").unwrap_err().contains("line 1"));
        assert!(PadScript::parse("0 2 -").is_err());
        assert!(PadScript::parse("0 0 JUMP").unwrap_err().contains("JUMP"));
        assert!(PadScript::parse("0 0 - lx=300").is_err());
    }

    // The requests below spell the codes and offsets as numbers, from ps2sdk's libpad.c and
    // padman/src/rpcserver.c, so that a wrong constant above fails here.

    #[test]
    fn xpadman_open_then_vblank_writes_alternating_halves_with_the_script_state() {
        let mut p = Padman::new(PadScript::parse("1 0 CROSS\n").unwrap());
        let x = PadModule::Xpadman;
        assert_eq!(reply_word(&p.call(x, 0x8000_0100, &request(&[0x10, 0, 0, 0, 0x0010_1000])), 3), 1, "INIT");
        let open = p.call(x, 0x8000_0100, &request(&[0x01, 0, 0, 0, 0x0010_0000]));
        assert_eq!(reply_word(&open, 3), 1);
        assert_eq!(reply_word(&p.call(x, 0x8000_0100, &request(&[0x12])), 3), 0x306, "getModVersion");
        let first = p.vblank(0);
        assert_eq!(first[0].0, 0x0010_0080, "frame 1 goes to the odd half");
        assert_eq!(first[1].0, 0x0010_1080, "the open-slot table too");
        let second = p.vblank(1);
        let (addr, block) = &second[0];
        assert_eq!(*addr, 0x0010_0000);
        assert_eq!(block.len(), 128);
        assert_eq!(u32::from_le_bytes(block[0x58..0x5C].try_into().unwrap()), 2, "frame");
        assert_eq!((block[0x70], block[0x71], block[0x72]), (6, 0, 1), "STABLE, COMPLETE, TASK_UPDATE_PAD");
        assert_eq!(u16::from_le_bytes([block[2], block[3]]), !0x4000, "CROSS pressed, active low");
        assert_eq!((block[0x60], block[0x64], block[0x66], block[0x68]), (32, 2, 3, 2), "length, modeConfig, model, modes");
        assert_eq!(&block[0x50..0x54], &[4, 0, 7, 0], "mode table: digital, DualShock");
        // Analog mode changes the mode byte; an old code on the old sid is mapped ((code & 0xFF) + 1).
        assert_eq!(reply_word(&p.call(x, 0x8000_0100, &request(&[0x06, 0, 0, 1, 3])), 5), 1);
        assert_eq!(p.vblank(2)[0].1[1], 0x73);
        assert_eq!(reply_word(&p.call(x, 0x8000_010F, &request(&[0x8000_0105, 0, 0, 0, 2])), 5), 1);
        assert_eq!(p.vblank(3)[0].1[1], 0x41);
        // The extended server does nothing.
        assert_eq!(p.call(x, 0x8000_0101, &request(&[0x0C])).reply, request(&[0x0C]));
    }

    #[test]
    fn rom_padman_speaks_only_the_old_protocol() {
        let mut p = Padman::new(PadScript::default());
        let old = PadModule::Padman;
        let open = p.call(old, 0x8000_010F, &request(&[0x8000_0100, 1, 0, 0, 0x0010_0000]));
        assert_eq!(reply_word(&open, 3), 1);
        let w = p.vblank(0);
        assert_eq!((w[0].0, w[0].1.len()), (0x0010_0040, 64), "64-byte struct, frame 1 in the second half");
        let block = &w[0].1;
        assert_eq!((block[0], block[4], block[5], block[0x28], block[0x2E]), (1, 6, 0, 32, 3), "frame, state, reqState, length, model");
        assert_eq!(block[8 + 1], 0x41, "digital");
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_010B])), 3), 2, "getPortMax");
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_010C, 1])), 3), 1, "getSlotMax");
        // padInfoMode answers over RPC: two modes, digital (4) and DualShock (7).
        let info = |p: &mut Padman, term: u32, offs: u32| reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_0104, 1, 0, term, offs])), 5);
        assert_eq!(info(&mut p, 4, u32::MAX), 2);
        assert_eq!((info(&mut p, 4, 0), info(&mut p, 4, 1), info(&mut p, 4, 2)), (4, 7, 0));
        assert_eq!(info(&mut p, 1, 0), 4, "current type: digital");
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_0105, 1, 0, 1, 3])), 5), 1, "setMainMode");
        assert_eq!((info(&mut p, 1, 0), info(&mut p, 3, 0)), (7, 1));
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_0108, 1])), 3), 0x3FFFF, "getButtonMask");
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_0109, 1, 0, 0xFFF])), 4), 1, "setButtonInfo");
        assert_eq!(p.vblank(1)[0].1[8 + 1], 0x79, "pressure mode");
        // No INIT, no getModVersion, no new codes: the request comes back unchanged.
        for unknown in [request(&[0x10, 0, 0, 0, 0x0010_1000]), request(&[0x12]), request(&[0x0C]), request(&[0x8000_0101])] {
            assert_eq!(p.call(old, 0x8000_010F, &unknown).reply, unknown);
        }
        assert_eq!(p.vblank(2).len(), 1, "INIT did not start an open-slot table");
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_010D, 1, 0, 0, 1])), 3), 1, "close");
        assert_eq!(reply_word(&p.call(old, 0x8000_010F, &request(&[0x8000_010D, 1, 0, 0, 1])), 3), 0, "not open");
        assert!(p.vblank(3).is_empty());
    }
}
