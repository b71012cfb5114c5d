//! The RPC protocol between libpad (EE) and the IOP pad server, as ps2sdk implements its two ends
//! (`ee/rpc/pad/src/libpad.c` and `iop/input/padman/src/rpcserver.c`).
//!
//! Two servers exist: rom0:PADMAN speaks the **old** protocol (SDK 1.3.4: sids `0x8000010F`/`0x8000011F`,
//! command codes `0x80000100 + n`, 64-byte per-pad structs), XPADMAN and ps2sdk's `padman.irx` (freepad) the
//! **new** one (sids `0x80000100`/`0x80000101`, small command codes, 128-byte structs, an INIT call). Every call
//! is RPC function 1 with a 128-byte buffer each way: word 0 the command, word 1 the port, word 2 the slot, then
//! the command's arguments; the result sits in a command-specific word of the reply.

/// Size of a request and of a reply.
pub const MESSAGE_LEN: usize = 128;
/// The RPC function number of every pad call.
pub const RPC_FUNCTION: u32 = 1;

/// Which pad server protocol is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// rom0:PADMAN (SDK 1.3.4).
    Old,
    /// XPADMAN / ps2sdk padman.irx (SDK ≥ 1.4).
    New,
}

impl Protocol {
    /// The main server's sid.
    pub const fn main_sid(self) -> u32 {
        match self {
            Protocol::Old => 0x8000_010F,
            Protocol::New => 0x8000_0100,
        }
    }

    /// The extended server's sid (bound by libpad; no command uses it).
    pub const fn ext_sid(self) -> u32 {
        match self {
            Protocol::Old => 0x8000_011F,
            Protocol::New => 0x8000_0101,
        }
    }

    /// The alignment the pad area must have in EE memory.
    pub const fn area_alignment(self) -> usize {
        match self {
            Protocol::Old => 16,
            Protocol::New => 64,
        }
    }

    /// The size of one of the two per-pad structs the server writes into the pad area.
    pub const fn frame_len(self) -> usize {
        match self {
            Protocol::Old => 64,
            Protocol::New => 128,
        }
    }

    /// The order libpad tries the servers in: new first.
    pub const PREFERENCE: [Protocol; 2] = [Protocol::New, Protocol::Old];
}

/// `padInfoMode`'s question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfoMode {
    /// `PAD_MODECURID` (1): the current mode's kind.
    CurrentId,
    /// `PAD_MODECUREXID` (2): the current mode-table entry.
    CurrentExId,
    /// `PAD_MODECUROFFS` (3): the current mode-table index.
    CurrentOffset,
    /// `PAD_MODETABLE` (4) with index -1: the number of modes.
    TableLength,
    /// `PAD_MODETABLE` (4) with an index: one mode-table entry (a [`crate::PadKind`] value).
    TableEntry(u8),
}

impl InfoMode {
    const fn words(self) -> (u32, u32) {
        match self {
            InfoMode::CurrentId => (1, 0),
            InfoMode::CurrentExId => (2, 0),
            InfoMode::CurrentOffset => (3, 0),
            InfoMode::TableLength => (4, u32::MAX),
            InfoMode::TableEntry(i) => (4, i as u32),
        }
    }
}

/// `padSetMainMode`'s mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MainMode {
    /// Digital (`PAD_MMODE_DIGITAL` 0).
    Digital,
    /// Analog / DualShock (`PAD_MMODE_DUALSHOCK` 1).
    Analog,
}

/// One pad-server command with its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// New protocol only: start the server, which then writes the open-slot table at `buffer` each frame.
    Init {
        /// EE address of a 256-byte, 64-aligned buffer.
        buffer: u32,
    },
    /// Open a port/slot; the server writes its state into the pad area at `area` every frame.
    Open {
        /// EE address of the 256-byte pad area.
        area: u32,
    },
    /// Close a port/slot.
    Close,
    /// Stop the server.
    End,
    /// Ask about modes.
    InfoMode(InfoMode),
    /// Select digital or analog, and whether the ANALOG button may change it.
    SetMainMode {
        /// The mode.
        mode: MainMode,
        /// Lock it (`PAD_MMODE_LOCK` 3 / `UNLOCK` 2).
        lock: bool,
    },
    /// Which buttons report pressure (`0x3FFFF` on a DualShock 2).
    GetButtonMask,
    /// Enable pressure reporting for the buttons in `mask` (`0xFFF` = all, 0 = none).
    SetButtonInfo {
        /// Button mask.
        mask: u32,
    },
    /// Actuator (vibration motor) information.
    InfoAct {
        /// Actuator index, or -1 for the count.
        actuator: i32,
        /// Which property.
        which: u32,
    },
    /// Map actuator data bytes to motors (once, after entering analog mode).
    SetActAlign([u8; 6]),
    /// Set motor values.
    SetActDirect([u8; 6]),
    /// Number of ports.
    GetPortMax,
    /// Number of slots of a port (4 with a multitap).
    GetSlotMax,
    /// New protocol only: the server's version.
    GetModVersion,
}

/// Why a command cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// The command.
    pub command: Command,
    /// The protocol that lacks it.
    pub protocol: Protocol,
}

impl core::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?} does not exist in the {:?} pad protocol", self.command, self.protocol)
    }
}

impl core::error::Error for Unsupported {}

impl Command {
    /// The new-protocol code; the old one is `0x8000_0100 + code - 1`.
    const fn new_code(&self) -> u32 {
        match self {
            Command::Open { .. } => 0x01,
            Command::InfoAct { .. } => 0x03,
            Command::InfoMode(_) => 0x05,
            Command::SetMainMode { .. } => 0x06,
            Command::SetActDirect(_) => 0x07,
            Command::SetActAlign(_) => 0x08,
            Command::GetButtonMask => 0x09,
            Command::SetButtonInfo { .. } => 0x0A,
            Command::GetPortMax => 0x0C,
            Command::GetSlotMax => 0x0D,
            Command::Close => 0x0E,
            Command::End => 0x0F,
            Command::Init { .. } => 0x10,
            Command::GetModVersion => 0x12,
        }
    }

    /// The command word for `protocol`.
    pub fn code(&self, protocol: Protocol) -> Result<u32, Unsupported> {
        match (protocol, self) {
            (Protocol::New, _) => Ok(self.new_code()),
            (Protocol::Old, Command::Init { .. } | Command::GetModVersion) => {
                Err(Unsupported { command: *self, protocol })
            }
            (Protocol::Old, _) => Ok(0x8000_0100 + self.new_code() - 1),
        }
    }

    /// The reply word that holds the result.
    pub const fn result_word(&self) -> usize {
        match self {
            Command::Init { .. }
            | Command::Open { .. }
            | Command::Close
            | Command::End
            | Command::GetButtonMask
            | Command::GetPortMax
            | Command::GetSlotMax
            | Command::GetModVersion => 3,
            Command::SetButtonInfo { .. } => 4,
            Command::InfoMode(_)
            | Command::SetMainMode { .. }
            | Command::InfoAct { .. }
            | Command::SetActAlign(_)
            | Command::SetActDirect(_) => 5,
        }
    }

    /// Builds the 128-byte request for `port`/`slot`.
    pub fn encode(&self, protocol: Protocol, port: u8, slot: u8) -> Result<[u8; MESSAGE_LEN], Unsupported> {
        let mut words = [0u32; MESSAGE_LEN / 4];
        words[0] = self.code(protocol)?;
        words[1] = port as u32;
        words[2] = slot as u32;
        match *self {
            Command::Init { buffer } => words[4] = buffer,
            Command::Open { area } => words[4] = area,
            // libpad closes with mode 1.
            Command::Close => words[4] = 1,
            Command::InfoMode(question) => (words[3], words[4]) = question.words(),
            Command::SetMainMode { mode, lock } => {
                words[3] = matches!(mode, MainMode::Analog) as u32;
                words[4] = if lock { 3 } else { 2 };
            }
            Command::SetButtonInfo { mask } => words[3] = mask,
            Command::InfoAct { actuator, which } => (words[3], words[4]) = (actuator as u32, which),
            Command::SetActAlign(_) | Command::SetActDirect(_) => {}
            Command::End | Command::GetButtonMask | Command::GetPortMax | Command::GetSlotMax | Command::GetModVersion => {}
        }
        let mut bytes = [0u8; MESSAGE_LEN];
        for (chunk, word) in bytes.as_chunks_mut::<4>().0.iter_mut().zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        if let Command::SetActAlign(data) | Command::SetActDirect(data) = self {
            bytes[12..18].copy_from_slice(data);
        }
        Ok(bytes)
    }

    /// Reads the result word of a reply.
    pub fn decode_result(&self, reply: &[u8; MESSAGE_LEN]) -> u32 {
        let at = self.result_word() * 4;
        u32::from_le_bytes([reply[at], reply[at + 1], reply[at + 2], reply[at + 3]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(bytes: &[u8; MESSAGE_LEN], index: usize) -> u32 {
        u32::from_le_bytes(bytes[index * 4..index * 4 + 4].try_into().unwrap())
    }

    #[test]
    fn command_codes_of_both_protocols() {
        let open = Command::Open { area: 0 };
        assert_eq!(open.code(Protocol::New), Ok(0x01));
        assert_eq!(open.code(Protocol::Old), Ok(0x8000_0100));
        assert_eq!(Command::SetMainMode { mode: MainMode::Analog, lock: true }.code(Protocol::Old), Ok(0x8000_0105));
        assert_eq!(Command::Close.code(Protocol::Old), Ok(0x8000_010D));
        assert_eq!(Command::End.code(Protocol::Old), Ok(0x8000_010E));
        assert_eq!(Command::GetButtonMask.code(Protocol::New), Ok(0x09));
        // freepad maps old codes to new ones as (cmd & 0xFF) + 1.
        for c in [open, Command::Close, Command::GetSlotMax, Command::InfoMode(InfoMode::TableLength)] {
            assert_eq!((c.code(Protocol::Old).unwrap() & 0xFF) + 1, c.code(Protocol::New).unwrap());
        }
        let init = Command::Init { buffer: 0 };
        assert_eq!(init.encode(Protocol::Old, 0, 0), Err(Unsupported { command: init, protocol: Protocol::Old }));
    }

    #[test]
    fn argument_words() {
        let b = Command::Open { area: 0x0012_3440 }.encode(Protocol::New, 1, 2).unwrap();
        assert_eq!((word(&b, 0), word(&b, 1), word(&b, 2), word(&b, 4)), (1, 1, 2, 0x0012_3440));
        let b = Command::SetMainMode { mode: MainMode::Analog, lock: true }.encode(Protocol::Old, 0, 0).unwrap();
        assert_eq!((word(&b, 3), word(&b, 4)), (1, 3));
        let b = Command::SetMainMode { mode: MainMode::Digital, lock: false }.encode(Protocol::New, 0, 0).unwrap();
        assert_eq!((word(&b, 3), word(&b, 4)), (0, 2));
        let b = Command::InfoMode(InfoMode::TableLength).encode(Protocol::New, 0, 0).unwrap();
        assert_eq!((word(&b, 3), word(&b, 4)), (4, 0xFFFF_FFFF));
        let b = Command::SetButtonInfo { mask: 0xFFF }.encode(Protocol::New, 0, 0).unwrap();
        assert_eq!(word(&b, 3), 0xFFF);
        let b = Command::SetActAlign([0, 1, 0xFF, 0xFF, 0xFF, 0xFF]).encode(Protocol::New, 0, 0).unwrap();
        assert_eq!(&b[12..18], &[0, 1, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(word(&Command::Close.encode(Protocol::New, 0, 0).unwrap(), 4), 1);
    }

    #[test]
    fn result_words() {
        let mut reply = [0u8; MESSAGE_LEN];
        reply[12..16].copy_from_slice(&7u32.to_le_bytes());
        reply[16..20].copy_from_slice(&8u32.to_le_bytes());
        reply[20..24].copy_from_slice(&9u32.to_le_bytes());
        assert_eq!(Command::Open { area: 0 }.decode_result(&reply), 7);
        assert_eq!(Command::SetButtonInfo { mask: 0 }.decode_result(&reply), 8);
        assert_eq!(Command::SetMainMode { mode: MainMode::Digital, lock: false }.decode_result(&reply), 9);
    }

    #[test]
    fn server_ids() {
        assert_eq!(Protocol::PREFERENCE[0].main_sid(), 0x8000_0100);
        assert_eq!(Protocol::Old.main_sid(), 0x8000_010F);
        assert_eq!(Protocol::Old.ext_sid(), 0x8000_011F);
        assert_eq!(Protocol::New.area_alignment(), 64);
    }
}
