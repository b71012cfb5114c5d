//! PADMAN, the IOP's controller server (reference ps2-iop.md §7), driven by a pad script.
//!
//! Both protocols are answered: the new one (XPADMAN/freepad, sids `0x8000_0100`/`…101`, command
//! codes `0x01…0x12`) and the old rom0 one (`0x8000_010F`/`…11F`, codes `0x8000_0100…`, mapped
//! to the new ones as freepad does). Pads are DualShock 2 controllers whose buttons and sticks
//! follow the script. At every VBLANK each open pad's state block is written into the half of
//! its EE pad area chosen by frame parity (128-byte blocks; 64-byte blocks for the old
//! protocol), with an increasing frame counter, as PADMAN's per-frame DMA does.
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

use super::servers::CallResult;

/// New-protocol main server.
pub const SID_NEW: u32 = 0x8000_0100;
/// New-protocol extended server.
pub const SID_NEW_EXT: u32 = 0x8000_0101;
/// Old-protocol main server.
pub const SID_OLD: u32 = 0x8000_010F;
/// Old-protocol extended server.
pub const SID_OLD_EXT: u32 = 0x8000_011F;

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

/// A parsed pad script: events sorted by VBLANK.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PadScript {
    events: Vec<(u64, usize, Event)>,
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
            let err = |what: String| format!("pad script line {}: {what}: {raw:?}", n + 1);
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
        events.sort_by_key(|e| e.0);
        Ok(PadScript { events })
    }

    /// The inputs of `port` at VBLANK `vblank`.
    pub fn input_at(&self, port: usize, vblank: u64) -> PadInput {
        let mut input = PadInput::default();
        for &(_, _, event) in self.events.iter().filter(|e| e.1 == port && e.0 <= vblank) {
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
        }
        input
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

fn word(args: &[u8], i: usize) -> u32 {
    args.get(4 * i..4 * i + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()))
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

    /// Handles fno 1 of a pad server: the 128-byte request comes back with its result word set.
    pub fn call(&mut self, sid: u32, args: &[u8]) -> CallResult {
        let mut reply = args.to_vec();
        reply.resize(128, 0);
        if sid == SID_NEW_EXT || sid == SID_OLD_EXT {
            return CallResult::reply(reply);
        }
        let old = sid == SID_OLD;
        let raw = word(args, 0);
        let command = if raw & 0x8000_0000 != 0 { (raw & 0xFF) + 1 } else { raw };
        let (port, area) = (word(args, 1) as usize, word(args, 4));
        let mut set = |index: usize, value: u32| reply[4 * index..4 * index + 4].copy_from_slice(&value.to_le_bytes());
        let pad = self.pads.iter_mut().find(|p| p.port == port);
        match command {
            0x01 => {
                self.pads.retain(|p| p.port != port);
                self.pads.push(OpenPad { port, area, old_protocol: old, analog: false, lock: 0, pressure: false, frame: 0 });
                set(3, 1);
                set(5, 0x0003_0000 + 0x100 * port as u32);
            }
            0x03 => set(5, 2),                   // infoAct: two actuators
            0x04 | 0x05 => set(5, 0),            // infoComb / infoMode (new protocol reads the area)
            0x06 => {
                if let Some(p) = pad {
                    p.analog = word(args, 3) == 1;
                    p.lock = word(args, 4) as u8;
                }
                set(5, 1);
            }
            0x07 | 0x08 => set(5, 1),            // actuators: accepted, no motors here
            0x09 => set(3, 0x3FFFF),             // getButtonMask: pressure-sensitive pad
            0x0A => {
                if let Some(p) = pad {
                    p.pressure = word(args, 3) != 0;
                }
                set(4, 1);
            }
            0x0B => set(7, 1),
            0x0C => set(3, 2),                   // ports
            0x0D => set(3, 1),                   // slots per port (no multitap)
            0x0E => {
                self.pads.retain(|p| p.port != port);
                set(3, 1);
            }
            0x0F => {
                self.pads.clear();
                set(3, 1);
            }
            0x10 => {
                self.open_slots_area = Some(area);
                set(3, 1);
            }
            0x12 => set(3, 0x400),
            _ => set(3, 0),
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
            let (block, size) = if pad.old_protocol { (old_block(pad, &input), 64) } else { (new_block(pad, &input), 128) };
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
    d[1] = if pad.pressure { 0x79 } else if pad.analog { 0x73 } else { 0x41 };
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

fn new_block(pad: &OpenPad, input: &PadInput) -> Vec<u8> {
    let mut b = vec![0u8; 128];
    if input.connected {
        b[0..32].copy_from_slice(&button_data(pad, input));
    } else {
        b[0..32].fill(0xFF);
    }
    b[0x50..0x54].copy_from_slice(&[4, 0, 7, 0]); // modeTable: digital, DualShock
    b[0x58..0x5C].copy_from_slice(&pad.frame.to_le_bytes());
    b[0x60] = if input.connected { 32 } else { 0 };
    b[0x64] = 2; // modeConfig: ready
    b[0x65] = if input.connected { button_data(pad, input)[1] } else { 0 };
    b[0x66] = 3; // DualShock 2
    b[0x67] = input.connected as u8;
    b[0x68] = 2; // nrOfModes
    b[0x69] = pad.analog as u8;
    b[0x6A] = 2;
    b[0x6D] = pad.analog as u8;
    b[0x6E] = pad.lock;
    b[0x70] = if input.connected { 6 } else { 0 }; // STABLE / DISCONN
    b[0x71] = 0; // reqState COMPLETE
    b[0x72] = 1; // currentTask
    b
}

fn old_block(pad: &OpenPad, input: &PadInput) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[0..4].copy_from_slice(&pad.frame.to_le_bytes());
    b[4] = if input.connected { 6 } else { 0 };
    b[5] = 0;
    b[6] = 1;
    if input.connected {
        b[8..40].copy_from_slice(&button_data(pad, input));
        b[0x28] = 32;
    } else {
        b[8..40].fill(0xFF);
    }
    b[0x2E] = 3;
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
        word(&r.reply, i)
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

    #[test]
    fn open_then_vblank_writes_alternating_halves_with_the_script_state() {
        let mut p = Padman::new(PadScript::parse("1 0 CROSS\n").unwrap());
        let open = p.call(SID_NEW, &request(&[0x01, 0, 0, 0, 0x0010_0000]));
        assert_eq!(reply_word(&open, 3), 1);
        assert_eq!(reply_word(&p.call(SID_NEW, &request(&[0x12])), 3), 0x400);
        let first = p.vblank(0);
        assert_eq!(first[0].0, 0x0010_0080, "frame 1 goes to the odd half");
        let second = p.vblank(1);
        let (addr, block) = &second[0];
        assert_eq!(*addr, 0x0010_0000);
        assert_eq!(u32::from_le_bytes(block[0x58..0x5C].try_into().unwrap()), 2);
        assert_eq!(block[0x70], 6, "STABLE");
        assert_eq!(u16::from_le_bytes([block[2], block[3]]), !0x4000, "CROSS pressed, active low");
        // Analog mode changes the mode byte.
        p.call(SID_NEW, &request(&[0x06, 0, 0, 1, 3]));
        assert_eq!(p.vblank(2)[0].1[1], 0x73);
    }

    #[test]
    fn old_protocol_codes_map_to_the_new_ones() {
        let mut p = Padman::new(PadScript::default());
        let open = p.call(SID_OLD, &request(&[0x8000_0100, 1, 0, 0, 0x0010_0000]));
        assert_eq!(reply_word(&open, 3), 1);
        let w = p.vblank(0);
        assert_eq!((w[0].0, w[0].1.len()), (0x0010_0040, 64));
        assert_eq!(reply_word(&p.call(SID_OLD, &request(&[0x8000_010B])), 3), 2, "getPortMax");
    }
}
