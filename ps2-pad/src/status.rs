//! `padButtonStatus`: the 32-byte packet a pad reports each frame (ps2sdk `ee/rpc/pad/include/libpad.h`):
//! byte 0 `ok` (0 = valid), byte 1 the mode id, bytes 2-3 the buttons (little-endian, active low), bytes 4-7 the
//! right and left sticks (x then y, 0x00 = left/up, 0xFF = right/down), bytes 8-19 the twelve pressures
//! (DualShock 2 pressure mode, mode id 0x79, only).

use crate::buttons::Buttons;
use crate::stick::Stick;

/// The size of the button packet in the pad area.
pub const STATUS_LEN: usize = 32;

/// The controller kind, the high nibble of the mode id (libpad `PAD_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PadKind {
    /// NeGcon (2).
    NeGcon,
    /// Konami light gun (3).
    KonamiGun,
    /// Digital pad (4).
    Digital,
    /// Analog joystick (5).
    Joystick,
    /// Namco light gun (6).
    NamcoGun,
    /// DualShock / DualShock 2 in analog mode (7).
    DualShock,
    /// JogCon (0xE).
    JogCon,
    /// Configuration mode (`0xF3`: the pad is answering a mode change).
    Config,
    /// Another value.
    Other(u8),
}

impl PadKind {
    /// From a mode-table entry or the high nibble of a mode id.
    pub const fn from_type(value: u8) -> PadKind {
        match value {
            2 => PadKind::NeGcon,
            3 => PadKind::KonamiGun,
            4 => PadKind::Digital,
            5 => PadKind::Joystick,
            6 => PadKind::NamcoGun,
            7 => PadKind::DualShock,
            0xE => PadKind::JogCon,
            0xF => PadKind::Config,
            other => PadKind::Other(other),
        }
    }
}

/// The mode id byte: kind in the high nibble, number of 16-bit data words in the low one
/// (`0x41` digital, `0x73` analog, `0x79` analog with pressure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModeId(pub u8);

impl ModeId {
    /// The controller kind.
    pub const fn kind(self) -> PadKind {
        PadKind::from_type(self.0 >> 4)
    }

    /// The number of 16-bit words of data after the header.
    pub const fn words(self) -> u8 {
        self.0 & 0xF
    }

    /// Whether the packet carries stick values (analog / DualShock modes).
    pub const fn has_sticks(self) -> bool {
        matches!(self.kind(), PadKind::DualShock | PadKind::Joystick) && self.words() >= 3
    }

    /// Whether the packet carries button pressures (DualShock 2 in pressure mode, `0x79`).
    pub const fn has_pressure(self) -> bool {
        matches!(self.kind(), PadKind::DualShock) && self.words() >= 9
    }
}

/// How hard each pressure-sensitive button is pressed, 0 (up) to 255 (fully down).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub struct Pressures {
    pub right: u8,
    pub left: u8,
    pub up: u8,
    pub down: u8,
    pub triangle: u8,
    pub circle: u8,
    pub cross: u8,
    pub square: u8,
    pub l1: u8,
    pub r1: u8,
    pub l2: u8,
    pub r2: u8,
}

/// A decoded button packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ButtonStatus {
    /// The pad's mode when it sent the packet.
    pub mode: ModeId,
    /// Pressed buttons.
    pub buttons: Buttons,
    /// Left stick (analog modes only).
    pub left_stick: Option<Stick>,
    /// Right stick (analog modes only).
    pub right_stick: Option<Stick>,
    /// Button pressures (pressure mode only).
    pub pressures: Option<Pressures>,
}

/// Why a button packet was not decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusError {
    /// The packet is shorter than the header (`length` from the pad area; 0 means "no data this frame").
    TooShort(usize),
    /// The `ok` byte is not 0: the pad sent no valid data (0xFF is the pre-filled value).
    NotValid(u8),
}

impl core::fmt::Display for StatusError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StatusError::TooShort(n) => write!(f, "pad data is {n} bytes, shorter than its 4-byte header"),
            StatusError::NotValid(ok) => write!(f, "pad data marked invalid (ok byte {ok:#04x})"),
        }
    }
}

impl core::error::Error for StatusError {}

impl ButtonStatus {
    /// Decodes `data` (the first `length` bytes of the pad area's `data[32]`). Sticks and pressures are
    /// reported only when the mode carries them and the packet is long enough.
    pub fn parse(data: &[u8]) -> Result<ButtonStatus, StatusError> {
        if data.len() < 4 {
            return Err(StatusError::TooShort(data.len()));
        }
        if data[0] != 0 {
            return Err(StatusError::NotValid(data[0]));
        }
        let mode = ModeId(data[1]);
        let buttons = Buttons::from_active_low(u16::from_le_bytes([data[2], data[3]]));
        let sticks = mode.has_sticks() && data.len() >= 8;
        let pressures = mode.has_pressure() && data.len() >= 20;
        Ok(ButtonStatus {
            mode,
            buttons,
            right_stick: sticks.then(|| Stick { x: data[4], y: data[5] }),
            left_stick: sticks.then(|| Stick { x: data[6], y: data[7] }),
            pressures: pressures.then(|| Pressures {
                right: data[8],
                left: data[9],
                up: data[10],
                down: data[11],
                triangle: data[12],
                circle: data[13],
                cross: data[14],
                square: data[15],
                l1: data[16],
                r1: data[17],
                l2: data[18],
                r2: data[19],
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digital_packet() {
        let s = ButtonStatus::parse(&[0, 0x41, 0xFF ^ 0x08, 0xFF ^ 0x40]).unwrap();
        assert_eq!(s.mode.kind(), PadKind::Digital);
        assert_eq!(s.buttons, Buttons::START | Buttons::CROSS);
        assert_eq!((s.left_stick, s.right_stick, s.pressures), (None, None, None));
    }

    #[test]
    fn analog_and_pressure_packets() {
        let mut data = [0u8; 32];
        data[1] = 0x73;
        data[2] = 0xFF;
        data[3] = 0xFF;
        data[4..8].copy_from_slice(&[10, 20, 30, 40]);
        let s = ButtonStatus::parse(&data).unwrap();
        assert_eq!(s.right_stick, Some(Stick { x: 10, y: 20 }));
        assert_eq!(s.left_stick, Some(Stick { x: 30, y: 40 }));
        assert_eq!(s.pressures, None, "0x73 has no pressures");
        data[1] = 0x79;
        for (i, b) in data[8..20].iter_mut().enumerate() {
            *b = i as u8 * 10;
        }
        let p = ButtonStatus::parse(&data).unwrap().pressures.unwrap();
        assert_eq!((p.right, p.cross, p.r2), (0, 60, 110));
        assert!(!ModeId(0xF3).has_sticks());
        assert_eq!(ModeId(0xF3).kind(), PadKind::Config);
    }

    #[test]
    fn invalid_packets_are_errors() {
        assert_eq!(ButtonStatus::parse(&[]), Err(StatusError::TooShort(0)));
        assert_eq!(ButtonStatus::parse(&[0xFF; 32]), Err(StatusError::NotValid(0xFF)));
        // An analog mode id with a truncated packet: buttons but no sticks.
        assert_eq!(ButtonStatus::parse(&[0, 0x73, 0xFF, 0xFF, 1]).unwrap().left_stick, None);
    }
}
