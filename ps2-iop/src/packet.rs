//! Byte layouts of the SIF command and RPC packets, shared with the IOP.
//!
//! All fields are 32-bit little-endian; addresses are 32-bit EE or IOP addresses (`u32`, not pointers, so the
//! layouts are the same on the host, where they are tested). Offsets follow ps2sdk's `sifcmd-common.h` /
//! `sifrpc-common.h`; the tests pin every one of them.

/// SIF system command ids (bit 31 set = system command; the low bits index the handler table).
pub mod cid {
    /// Change the EE receive-buffer address the IOP sends to.
    pub const CHANGE_SADDR: u32 = 0x8000_0000;
    /// Set one of the 32 software registers of the receiver.
    pub const SET_SREG: u32 = 0x8000_0001;
    /// Initialise SIF commands (`opt` 0) or SIF RPC (`opt` 1).
    pub const INIT_CMD: u32 = 0x8000_0002;
    /// Reboot the IOP (sent as a raw DMA, not through the command layer).
    pub const RESET: u32 = 0x8000_0003;
    /// An RPC reply.
    pub const RPC_END: u32 = 0x8000_0008;
    /// An RPC bind request.
    pub const RPC_BIND: u32 = 0x8000_0009;
    /// An RPC call.
    pub const RPC_CALL: u32 = 0x8000_000A;
    /// An RPC "get other data" request.
    pub const RPC_RDATA: u32 = 0x8000_000C;
}

/// The largest command packet, header included.
pub const MAX_PACKET_SIZE: usize = 112;
/// RPC packets are always sent with this `psize`, whatever their struct size.
pub const RPC_PACKET_SIZE: u32 = 64;

/// SIF DMA attribute: interrupt the receiver when done.
pub const DMA_INT_O: i32 = 0x04;
/// SIF DMA attribute: end of the receive chain.
pub const DMA_ERT: i32 = 0x40;

/// Flags in SMFLG / MSFLG.
pub mod flag {
    /// SIF DMA initialised.
    pub const SIFINIT: u32 = 0x1_0000;
    /// SIF commands initialised.
    pub const CMDINIT: u32 = 0x2_0000;
    /// The IOP finished booting.
    pub const BOOTEND: u32 = 0x4_0000;
}

/// The 16-byte header of every SIF command (`SifCmdHeader_t`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CmdHeader {
    /// Bits 0-7: packet size including this header; bits 8-31: size of the extra data sent before it.
    pub size: u32,
    /// Where the extra data went (receiver address), 0 if none.
    pub dest: u32,
    /// Command id.
    pub cid: u32,
    /// Command-specific option.
    pub opt: u32,
}

impl CmdHeader {
    /// A header for a packet of `packet_size` bytes with `extra_size` bytes of extra data sent to `dest`.
    pub const fn new(cid: u32, packet_size: u32, extra_size: u32, dest: u32) -> CmdHeader {
        CmdHeader { size: (packet_size & 0xFF) | (extra_size << 8), dest, cid, opt: 0 }
    }

    /// The packet size (`psize`).
    pub const fn packet_size(&self) -> u32 {
        self.size & 0xFF
    }

    /// The extra data size (`dsize`).
    pub const fn extra_size(&self) -> u32 {
        self.size >> 8
    }
}

/// INIT_CMD / CHANGE_SADDR: the EE's receive-buffer address (20 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AddressPacket {
    /// Header.
    pub header: CmdHeader,
    /// EE receive-buffer address.
    pub buffer: u32,
}

/// SET_SREG: software register `index` = `value` (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SetSregPacket {
    /// Header.
    pub header: CmdHeader,
    /// Register index (0..32).
    pub index: u32,
    /// New value.
    pub value: u32,
}

/// The part every RPC packet shares after the command header.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct RpcPacketHeader {
    /// Header.
    pub header: CmdHeader,
    /// `(table index << 16) | flags`; bit 0 = allocated.
    pub rec_id: u32,
    /// The packet's own EE address.
    pub pkt_addr: u32,
    /// Request counter, never 0.
    pub rpc_id: u32,
}

/// RPC_BIND (0x24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BindPacket {
    /// Common part.
    pub rpc: RpcPacketHeader,
    /// EE address of the client data.
    pub client: u32,
    /// Server id.
    pub sid: u32,
}

/// RPC_CALL (0x38 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CallPacket {
    /// Common part.
    pub rpc: RpcPacketHeader,
    /// EE address of the client data.
    pub client: u32,
    /// Function number.
    pub rpc_number: u32,
    /// Bytes of send data (already DMA'd to the server's buffer).
    pub send_size: u32,
    /// EE address the reply data goes to.
    pub recv_buf: u32,
    /// Bytes of reply data.
    pub recv_size: u32,
    /// 1: answer with RPC_END; 0: no END command (the reply frees the packet directly).
    pub rmode: u32,
    /// IOP address of the server.
    pub server: u32,
}

/// RPC_END (0x30 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct EndPacket {
    /// Common part.
    pub rpc: RpcPacketHeader,
    /// EE address of the client data.
    pub client: u32,
    /// The command this answers (BIND, CALL or RDATA).
    pub answered_cid: u32,
    /// IOP address of the server (BIND: 0 when no such server is registered yet).
    pub server: u32,
    /// IOP address of the server's receive buffer (BIND).
    pub buffer: u32,
    /// IOP address of the server's cfunc buffer (BIND).
    pub cbuffer: u32,
}

/// RPC_RDATA (0x2C bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct RdataPacket {
    /// Common part.
    pub rpc: RpcPacketHeader,
    /// EE address of the receive-data record.
    pub client: u32,
    /// IOP source.
    pub src: u32,
    /// EE destination.
    pub dest: u32,
    /// Bytes.
    pub size: u32,
}

/// IOP reset packet (0x68 bytes), DMA'd straight to the IOP's command buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ResetPacket {
    /// Header (cid RESET, psize 0x68).
    pub header: CmdHeader,
    /// Length of `arg` in bytes, without a NUL.
    pub arg_len: u32,
    /// Reset mode (0 normal).
    pub mode: u32,
    /// The reboot argument, e.g. `rom0:UDNL ...`; at most 79 bytes.
    pub arg: [u8; 80],
}

impl ResetPacket {
    /// The longest reset argument.
    pub const MAX_ARG: usize = 79;

    /// A reset packet; `None` if `arg` is longer than [`ResetPacket::MAX_ARG`].
    pub fn new(arg: &str, mode: u32) -> Option<ResetPacket> {
        if arg.len() > Self::MAX_ARG {
            return None;
        }
        let mut bytes = [0u8; 80];
        bytes[..arg.len()].copy_from_slice(arg.as_bytes());
        Some(ResetPacket {
            header: CmdHeader::new(cid::RESET, core::mem::size_of::<ResetPacket>() as u32, 0, 0),
            arg_len: arg.len() as u32,
            mode,
            arg: bytes,
        })
    }
}

/// The EE-resident state of an RPC client (`SifRpcClientData_t`, 0x28 bytes). The IOP learns its address and
/// the END handler updates it from interrupt context.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientData {
    /// EE address of the packet in flight, 0 when idle.
    pub pkt_addr: u32,
    /// rpc_id of that packet.
    pub rpc_id: u32,
    /// Semaphore signalled on completion, -1 for none.
    pub sema_id: i32,
    /// Mode of the request in flight.
    pub mode: u32,
    /// The command in flight.
    pub command: u32,
    /// IOP address of the server's receive buffer: send data goes here.
    pub buffer: u32,
    /// The server's cfunc buffer.
    pub cbuffer: u32,
    /// End callback (EE address), 0 for none.
    pub end_function: u32,
    /// Its argument.
    pub end_param: u32,
    /// IOP address of the server: 0 = not bound.
    pub server: u32,
}

/// Views a `#[repr(C)]` packet of u32 fields as bytes (for copying into DMA buffers).
pub fn as_bytes<T: Copy>(value: &T) -> &[u8] {
    // SAFETY: every packet type is repr(C) with only u32/i32/u8 fields and no padding (checked by the tests).
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), core::mem::size_of::<T>()) }
}

/// Reads a packet of type `T` from the start of `bytes` (unaligned, little-endian like both CPUs).
pub fn read<T: Copy + Default>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < core::mem::size_of::<T>() {
        return None;
    }
    let mut value = T::default();
    // SAFETY: T is a plain repr(C) packet (any bit pattern is valid) and the length was checked.
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), (&mut value as *mut T).cast::<u8>(), core::mem::size_of::<T>())
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use core::mem::{offset_of, size_of};

    use super::*;

    #[test]
    fn sizes_match_ps2sdk() {
        assert_eq!(size_of::<CmdHeader>(), 0x10);
        assert_eq!(size_of::<AddressPacket>(), 0x14);
        assert_eq!(size_of::<SetSregPacket>(), 0x18);
        assert_eq!(size_of::<BindPacket>(), 0x24);
        assert_eq!(size_of::<CallPacket>(), 0x38);
        assert_eq!(size_of::<EndPacket>(), 0x30);
        assert_eq!(size_of::<RdataPacket>(), 0x2C);
        assert_eq!(size_of::<ResetPacket>(), 0x68);
        assert_eq!(size_of::<ClientData>(), 0x28);
    }

    #[test]
    fn offsets_match_ps2sdk() {
        assert_eq!(offset_of!(RpcPacketHeader, rec_id), 0x10);
        assert_eq!(offset_of!(RpcPacketHeader, pkt_addr), 0x14);
        assert_eq!(offset_of!(RpcPacketHeader, rpc_id), 0x18);
        assert_eq!(offset_of!(BindPacket, client), 0x1C);
        assert_eq!(offset_of!(BindPacket, sid), 0x20);
        assert_eq!(offset_of!(CallPacket, rpc_number), 0x20);
        assert_eq!(offset_of!(CallPacket, send_size), 0x24);
        assert_eq!(offset_of!(CallPacket, recv_buf), 0x28);
        assert_eq!(offset_of!(CallPacket, recv_size), 0x2C);
        assert_eq!(offset_of!(CallPacket, rmode), 0x30);
        assert_eq!(offset_of!(CallPacket, server), 0x34);
        assert_eq!(offset_of!(EndPacket, answered_cid), 0x20);
        assert_eq!(offset_of!(EndPacket, server), 0x24);
        assert_eq!(offset_of!(EndPacket, buffer), 0x28);
        assert_eq!(offset_of!(EndPacket, cbuffer), 0x2C);
        assert_eq!(offset_of!(ResetPacket, arg_len), 0x10);
        assert_eq!(offset_of!(ResetPacket, mode), 0x14);
        assert_eq!(offset_of!(ResetPacket, arg), 0x18);
        assert_eq!(offset_of!(ClientData, buffer), 0x14);
        assert_eq!(offset_of!(ClientData, end_function), 0x1C);
        assert_eq!(offset_of!(ClientData, server), 0x24);
    }

    #[test]
    fn header_packs_sizes() {
        let h = CmdHeader::new(cid::RPC_CALL, 64, 0x400, 0xDEAD_BEF0);
        assert_eq!(h.size, 0x0004_0040);
        assert_eq!(h.packet_size(), 64);
        assert_eq!(h.extra_size(), 0x400);
    }

    #[test]
    fn reset_packet_limits_its_argument() {
        let p = ResetPacket::new("rom0:UDNL rom0:EELOADCNF", 0).unwrap();
        assert_eq!(p.arg_len, 24);
        assert_eq!(&p.arg[..24], b"rom0:UDNL rom0:EELOADCNF");
        assert_eq!(p.header.packet_size(), 0x68);
        assert!(ResetPacket::new(&"x".repeat(80), 0).is_none());
    }

    #[test]
    fn packets_round_trip_through_bytes() {
        let end = EndPacket { client: 0x12_3450, answered_cid: cid::RPC_BIND, server: 7, ..Default::default() };
        let bytes = as_bytes(&end);
        assert_eq!(&bytes[0x20..0x24], &cid::RPC_BIND.to_le_bytes());
        let back: EndPacket = read(bytes).unwrap();
        assert_eq!(back.client, 0x12_3450);
        assert!(read::<EndPacket>(&bytes[..10]).is_none());
    }
}
