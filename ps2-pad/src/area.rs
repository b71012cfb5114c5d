//! The pad area: 256 bytes of EE memory the IOP pad server DMAs each pad's state into every frame, once per
//! VBlank. The layouts (a 128-byte per-pad struct for the new protocol, 64 bytes for the old, field offsets in
//! [`PadFrame::decode`]) are those of ps2sdk's libpad (`ee/rpc/pad/src/libpad.c`) and pad server
//! (`iop/input/padman`).
//!
//! The server alternates between two copies (at +0 and at +128 for the new protocol, +0 and +64 for the
//! old one) and bumps a frame counter each time; the reader takes the copy with the larger counter, never a
//! fixed half.

use crate::protocol::{InfoMode, Protocol};
use crate::status::{ButtonStatus, STATUS_LEN, StatusError};

/// The size of a pad area.
pub const AREA_LEN: usize = 256;

/// The pad's state as the server reports it (libpad `PAD_STATE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PadState {
    /// Nothing plugged in (0).
    Disconnected,
    /// Looking for a pad (1).
    FindPad,
    /// Pad found, identifying it (2). Button data is already valid.
    FindCtp1,
    /// Running a command such as a mode change (5).
    ExecCmd,
    /// Ready (6).
    Stable,
    /// Communication error (7).
    Error,
    /// A value libpad does not define.
    Other(u8),
}

impl PadState {
    /// From the state byte.
    pub const fn from_byte(value: u8) -> PadState {
        match value {
            0 => PadState::Disconnected,
            1 => PadState::FindPad,
            2 => PadState::FindCtp1,
            5 => PadState::ExecCmd,
            6 => PadState::Stable,
            7 => PadState::Error,
            other => PadState::Other(other),
        }
    }

    /// The byte value.
    pub const fn to_byte(self) -> u8 {
        match self {
            PadState::Disconnected => 0,
            PadState::FindPad => 1,
            PadState::FindCtp1 => 2,
            PadState::ExecCmd => 5,
            PadState::Stable => 6,
            PadState::Error => 7,
            PadState::Other(v) => v,
        }
    }

    /// Whether button data may be read in this state (libpad's samples read in STABLE and FINDCTP1).
    pub const fn is_readable(self) -> bool {
        matches!(self, PadState::Stable | PadState::FindCtp1)
    }
}

/// The state of the last request (mode change, pressure, actuators): libpad `PAD_RSTAT_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReqState {
    /// Done (0).
    Complete,
    /// Failed (1).
    Failed,
    /// Running (2).
    Busy,
    /// Another value.
    Other(u8),
}

impl ReqState {
    /// From the byte.
    pub const fn from_byte(value: u8) -> ReqState {
        match value {
            0 => ReqState::Complete,
            1 => ReqState::Failed,
            2 => ReqState::Busy,
            other => ReqState::Other(other),
        }
    }
}

/// Offsets of the fields in one per-pad struct.
mod offset {
    pub mod old {
        pub const FRAME: usize = 0x00;
        pub const STATE: usize = 0x04;
        pub const REQ_STATE: usize = 0x05;
        pub const DATA: usize = 0x08;
        pub const LENGTH: usize = 0x28;
        pub const MODEL: usize = 0x2E;
    }
    pub mod new {
        pub const DATA: usize = 0x00;
        pub const MODE_TABLE: usize = 0x50;
        pub const FRAME: usize = 0x58;
        pub const FIND_PAD_RETRIES: usize = 0x5C;
        pub const LENGTH: usize = 0x60;
        pub const MODE_CONFIG: usize = 0x64;
        pub const MODE_CUR_ID: usize = 0x65;
        pub const MODEL: usize = 0x66;
        pub const NR_OF_MODES: usize = 0x68;
        pub const MODE_CUR_OFFS: usize = 0x69;
        pub const STATE: usize = 0x70;
        pub const REQ_STATE: usize = 0x71;
        pub const CURRENT_TASK: usize = 0x72;
    }
}

/// `modeConfig` value meaning the mode table has been read.
const MODE_CONFIG_READY: u8 = 2;
/// `modeCurId` while the pad is in configuration mode.
const MODE_ID_CONFIG: u8 = 0xF3;

/// One decoded per-pad struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PadFrame {
    /// The protocol whose layout was decoded.
    pub protocol: Protocol,
    /// The server's frame counter.
    pub frame: u32,
    /// The raw state.
    pub state: PadState,
    /// The last request's state.
    pub req_state: ReqState,
    /// The button packet.
    pub data: [u8; STATUS_LEN],
    /// How many bytes of `data` are valid (0 = none this frame).
    pub length: usize,
    /// The pad model (1 DualShock, 3 DualShock 2), as far as the server knows.
    pub model: u8,
    /// New protocol: the number of entries in `mode_table`.
    pub mode_count: u8,
    /// New protocol: the modes the pad supports ([`crate::PadKind`] values).
    pub mode_table: [u16; 4],
    /// New protocol: the index of the current mode in `mode_table`.
    pub mode_offset: u8,
    /// New protocol: the current mode id (`0xF3` while configuring).
    pub mode_id: u8,
    /// New protocol: 2 once the mode table is known.
    pub mode_config: u8,
    /// New protocol: retries left while looking for a pad.
    pub find_pad_retries: u32,
    /// New protocol: the server task running for this pad (1 = the normal read loop).
    pub current_task: u8,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl PadFrame {
    /// Decodes one per-pad struct (`bytes` at least [`Protocol::frame_len`] long).
    ///
    /// # Panics
    /// If `bytes` is shorter than the struct.
    pub fn decode(protocol: Protocol, bytes: &[u8]) -> PadFrame {
        assert!(bytes.len() >= protocol.frame_len(), "a pad struct is {} bytes", protocol.frame_len());
        let mut data = [0u8; STATUS_LEN];
        match protocol {
            Protocol::Old => {
                use offset::old::*;
                data.copy_from_slice(&bytes[DATA..DATA + STATUS_LEN]);
                PadFrame {
                    protocol,
                    frame: u32_at(bytes, FRAME),
                    state: PadState::from_byte(bytes[STATE]),
                    req_state: ReqState::from_byte(bytes[REQ_STATE]),
                    data,
                    length: (u32_at(bytes, LENGTH) as usize).min(STATUS_LEN),
                    model: bytes[MODEL],
                    mode_count: 0,
                    mode_table: [0; 4],
                    mode_offset: 0,
                    mode_id: data[1],
                    mode_config: 0,
                    find_pad_retries: 0,
                    current_task: 0,
                }
            }
            Protocol::New => {
                use offset::new::*;
                data.copy_from_slice(&bytes[DATA..DATA + STATUS_LEN]);
                let mut mode_table = [0u16; 4];
                for (i, entry) in mode_table.iter_mut().enumerate() {
                    *entry = u16::from_le_bytes([bytes[MODE_TABLE + 2 * i], bytes[MODE_TABLE + 2 * i + 1]]);
                }
                PadFrame {
                    protocol,
                    frame: u32_at(bytes, FRAME),
                    state: PadState::from_byte(bytes[STATE]),
                    req_state: ReqState::from_byte(bytes[REQ_STATE]),
                    data,
                    length: (u32_at(bytes, LENGTH) as usize).min(STATUS_LEN),
                    model: bytes[MODEL],
                    mode_count: bytes[NR_OF_MODES],
                    mode_table,
                    mode_offset: bytes[MODE_CUR_OFFS],
                    mode_id: bytes[MODE_CUR_ID],
                    mode_config: bytes[MODE_CONFIG],
                    find_pad_retries: u32_at(bytes, FIND_PAD_RETRIES),
                    current_task: bytes[CURRENT_TASK],
                }
            }
        }
    }

    /// The newest of the two structs in a pad area (the one with the larger frame counter).
    pub fn newest(protocol: Protocol, area: &[u8; AREA_LEN]) -> PadFrame {
        let len = protocol.frame_len();
        let first = PadFrame::decode(protocol, &area[..len]);
        let second = PadFrame::decode(protocol, &area[len..2 * len]);
        // Counters start at 0 and only grow; wrapping after 2^32 frames (2.3 years) is not a concern.
        if second.frame > first.frame { second } else { first }
    }

    /// The state libpad's `padGetState` reports: an error while retries remain counts as still looking
    /// (new protocol), and a stable pad with a request running counts as executing.
    pub fn effective_state(&self) -> PadState {
        match (self.protocol, self.state) {
            (Protocol::New, PadState::Error) if self.find_pad_retries != 0 => PadState::FindPad,
            (_, PadState::Stable) if self.req_state == ReqState::Busy => PadState::ExecCmd,
            (_, state) => state,
        }
    }

    /// The button packet, if this frame carries one.
    pub fn status(&self) -> Result<ButtonStatus, StatusError> {
        ButtonStatus::parse(&self.data[..self.length])
    }

    /// New protocol: answers `padInfoMode` from the area as libpad does (no RPC). `None` when the server
    /// is busy and the question must be asked again next frame, or for the old protocol (which asks the
    /// server with [`crate::Command::InfoMode`]).
    pub fn info_mode(&self, question: InfoMode) -> Option<u32> {
        if self.protocol != Protocol::New || self.current_task != 1 || self.req_state == ReqState::Busy {
            return None;
        }
        let table_ready = self.mode_config >= MODE_CONFIG_READY;
        Some(match question {
            InfoMode::CurrentId if self.mode_id == MODE_ID_CONFIG => 0,
            InfoMode::CurrentId => (self.mode_id >> 4) as u32,
            _ if !table_ready => 0,
            InfoMode::CurrentExId => self.mode_table.get(self.mode_offset as usize).map_or(0, |&m| m as u32),
            InfoMode::CurrentOffset => self.mode_offset as u32,
            InfoMode::TableLength => self.mode_count as u32,
            InfoMode::TableEntry(i) if i < self.mode_count && (i as usize) < 4 => self.mode_table[i as usize] as u32,
            InfoMode::TableEntry(_) => 0,
        })
    }
}

/// The pad area libpad writes before `padPortOpen`: in both halves, data filled with 0xFF, frame 0,
/// length 0, state EXECCMD and request BUSY, so nothing reads as a valid pad until the server has written.
pub fn initial_area(protocol: Protocol) -> [u8; AREA_LEN] {
    let mut area = [0u8; AREA_LEN];
    let len = protocol.frame_len();
    for half in area.chunks_exact_mut(len).take(2) {
        let (data, state, req) = match protocol {
            Protocol::Old => (offset::old::DATA, offset::old::STATE, offset::old::REQ_STATE),
            Protocol::New => (offset::new::DATA, offset::new::STATE, offset::new::REQ_STATE),
        };
        half[data..data + STATUS_LEN].fill(0xFF);
        half[state] = PadState::ExecCmd.to_byte();
        half[req] = 2;
    }
    area
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_half_wins_whatever_its_position() {
        let mut area = initial_area(Protocol::New);
        area[0x58] = 7; // frame of the first half
        area[0x70] = 6;
        area[0x80 + 0x58] = 8;
        area[0x80 + 0x70] = 1;
        assert_eq!(PadFrame::newest(Protocol::New, &area).state, PadState::FindPad);
        area[0x58] = 9;
        assert_eq!(PadFrame::newest(Protocol::New, &area).state, PadState::Stable);
        let mut old = initial_area(Protocol::Old);
        old[0x40] = 3; // frame of the second old half
        old[0x44] = 6;
        old[0x48] = 0;
        old[0x49] = 0x41;
        old[0x68] = 4; // length
        let f = PadFrame::newest(Protocol::Old, &old);
        assert_eq!((f.frame, f.state, f.length), (3, PadState::Stable, 4));
        assert_eq!(f.status().unwrap().mode.0, 0x41);
    }

    #[test]
    fn initial_area_is_not_a_valid_pad() {
        for p in [Protocol::Old, Protocol::New] {
            let f = PadFrame::newest(p, &initial_area(p));
            assert_eq!(f.state, PadState::ExecCmd);
            assert_eq!(f.req_state, ReqState::Busy);
            assert_eq!(f.length, 0);
            assert!(f.status().is_err());
            assert!(!f.effective_state().is_readable());
        }
    }

    #[test]
    fn effective_state_follows_libpad() {
        let mut area = initial_area(Protocol::New);
        area[0x70] = 7; // ERROR
        area[0x5C] = 1; // retries left
        assert_eq!(PadFrame::newest(Protocol::New, &area).effective_state(), PadState::FindPad);
        area[0x5C] = 0;
        assert_eq!(PadFrame::newest(Protocol::New, &area).effective_state(), PadState::Error);
        area[0x70] = 6;
        area[0x71] = 2;
        assert_eq!(PadFrame::newest(Protocol::New, &area).effective_state(), PadState::ExecCmd);
        area[0x71] = 0;
        assert_eq!(PadFrame::newest(Protocol::New, &area).effective_state(), PadState::Stable);
    }

    #[test]
    fn info_mode_from_the_area() {
        let mut area = [0u8; AREA_LEN];
        area[0x50..0x54].copy_from_slice(&[4, 0, 7, 0]);
        area[0x64] = 2; // modeConfig ready
        area[0x65] = 0x73;
        area[0x68] = 2;
        area[0x69] = 1;
        area[0x72] = 1; // currentTask
        let f = PadFrame::newest(Protocol::New, &area);
        assert_eq!(f.info_mode(InfoMode::TableLength), Some(2));
        assert_eq!(f.info_mode(InfoMode::TableEntry(1)), Some(7));
        assert_eq!(f.info_mode(InfoMode::TableEntry(2)), Some(0));
        assert_eq!(f.info_mode(InfoMode::CurrentId), Some(7));
        assert_eq!(f.info_mode(InfoMode::CurrentExId), Some(7));
        area[0x71] = 2;
        assert_eq!(PadFrame::newest(Protocol::New, &area).info_mode(InfoMode::TableLength), None, "busy");
        area[0x71] = 0;
        area[0x64] = 1;
        assert_eq!(PadFrame::newest(Protocol::New, &area).info_mode(InfoMode::TableLength), Some(0), "table unknown");
        assert_eq!(PadFrame::newest(Protocol::Old, &area).info_mode(InfoMode::TableLength), None);
    }
}
