//! The SIF command and RPC wire format as the IOP's `sifcmd`/`sifrpc` modules see it: command ids and
//! packet offsets.
//!
//! Written here from the references, **not** imported from the EE client crate (`ps2-iop`): the EE
//! side and this side are two independent readings of the same protocol, so an id or offset that is
//! wrong on one side makes the EE tests fail instead of agreeing with itself.
//!
//! Sources: ps2sdk `common/include/sifcmd-common.h` (`SIF_CMD_*` ids, `SifCmdHeader_t`),
//! `common/include/sifrpc-common.h` (`SifRpcBindPkt_t`, `SifRpcCallPkt_t`, `SifRpcRendPkt_t`,
//! `SifRpcOtherDataPkt_t`), `iop/system/sifcmd/src/sifrpc.c`; PS2TEK `SIF/RPC_Cmds`; the PS2 Linux
//! SIF driver (`frno7/linux`, `arch/mips/ps2/sif.c`); ps2-iop.md §0.1, §2.1, §3.1.

/// SIF system command ids (`SIF_CMD_ID_SYSTEM` = bit 31, then the handler index).
pub mod cid {
    /// `SIF_CMD_CHANGE_SADDR`: the EE's receive buffer moved.
    pub const CHANGE_SADDR: u32 = 0x8000_0000;
    /// `SIF_CMD_SET_SREG`: set a software register of the receiver.
    pub const SET_SREG: u32 = 0x8000_0001;
    /// `SIF_CMD_INIT_CMD`: opt 0 = SIFCMD init (EE buffer address), opt 1 = SIFRPC init.
    pub const INIT_CMD: u32 = 0x8000_0002;
    /// `SIF_CMD_RESET_CMD`: reboot the IOP.
    pub const RESET: u32 = 0x8000_0003;
    /// `SIF_CMD_RPC_END`: an RPC request is finished.
    pub const RPC_END: u32 = 0x8000_0008;
    /// `SIF_CMD_RPC_BIND`.
    pub const RPC_BIND: u32 = 0x8000_0009;
    /// `SIF_CMD_RPC_CALL`.
    pub const RPC_CALL: u32 = 0x8000_000A;
    /// `SIF_CMD_RPC_RDATA` (get other data).
    pub const RPC_RDATA: u32 = 0x8000_000C;
}

/// `SifCmdHeader_t` (16 bytes): `psize` in bits 0-7 of the first word, `dsize` above it.
pub mod header {
    /// `psize` | `dsize << 8`.
    pub const SIZE: usize = 0x00;
    /// Where the extra data went.
    pub const DEST: usize = 0x04;
    /// The command id.
    pub const CID: usize = 0x08;
    /// Command option (INIT_CMD: 0 = SIFCMD, 1 = SIFRPC).
    pub const OPT: usize = 0x0C;
    /// Header length.
    pub const LEN: usize = 0x10;
}

/// INIT_CMD (opt 0) and CHANGE_SADDR: `+10` the EE receive-buffer address.
pub const EE_BUFFER: usize = 0x10;

/// SET_SREG (`SifCmdSRegData_t`, 0x18 bytes): `+10` index, `+14` value.
pub mod set_sreg {
    /// Register index.
    pub const INDEX: usize = 0x10;
    /// Value.
    pub const VALUE: usize = 0x14;
    /// Packet length.
    pub const LEN: usize = 0x18;
}

/// The RESET packet (`SifCmdResetData_t`) is 0x68 bytes: `+10` arglen, `+14` mode, `+18` `arg[80]`.
pub const RESET_LEN: usize = 0x68;

/// `SifRpcPktHeader_t`: the part every RPC packet shares after the command header.
pub mod rpc {
    /// `rec_id`: packet-table index and flags of the EE's packet.
    pub const REC_ID: usize = 0x10;
    /// `pkt_addr`: EE address of the request packet.
    pub const PKT_ADDR: usize = 0x14;
    /// `rpc_id`: the request's serial number.
    pub const RPC_ID: usize = 0x18;
    /// `cd` (`client`): EE address of the client data (BIND, CALL, END) or of the receive data (RDATA).
    pub const CLIENT: usize = 0x1C;
    /// Every RPC packet travels with `psize` 64 (`RPC_PACKET_SIZE`), whatever its struct size.
    pub const PACKET_SIZE: usize = 0x40;
}

/// `SifRpcBindPkt_t` (0x24 bytes).
pub mod bind {
    /// The server id asked for.
    pub const SID: usize = 0x20;
}

/// `SifRpcCallPkt_t` (0x38 bytes).
pub mod call {
    /// `rpc_number`: the function number.
    pub const FNO: usize = 0x20;
    /// Bytes of send data DMA'd into the server's buffer before the packet.
    pub const SEND_SIZE: usize = 0x24;
    /// EE address of the receive buffer.
    pub const RECV_BUF: usize = 0x28;
    /// Bytes to return there.
    pub const RECV_SIZE: usize = 0x2C;
    /// 0 = no END wanted (NOWAIT without an end function).
    pub const RMODE: usize = 0x30;
    /// IOP address of the server data (from the BIND reply).
    pub const SD: usize = 0x34;
}

/// `SifRpcRendPkt_t` (0x30 bytes): the END reply.
pub mod end {
    /// The command being answered (BIND, CALL or RDATA).
    pub const CID: usize = 0x20;
    /// The server data (`sd`, 0 = no such server).
    pub const SD: usize = 0x24;
    /// The server's receive buffer (IOP address).
    pub const BUF: usize = 0x28;
    /// The server's cfunc buffer.
    pub const CBUF: usize = 0x2C;
    /// Struct length.
    pub const LEN: usize = 0x30;
}

/// `SifRpcOtherDataPkt_t` (0x2C bytes): RDATA.
pub mod rdata {
    /// IOP source address.
    pub const SRC: usize = 0x20;
    /// EE destination address.
    pub const DEST: usize = 0x24;
    /// Byte count.
    pub const SIZE: usize = 0x28;
}

/// The little-endian word at byte `offset` of a packet or request; 0 where the bytes end (a short
/// request reads as zeros, as the rest of the IOP's receive buffer would).
pub(crate) fn le_word(bytes: &[u8], offset: usize) -> u32 {
    bytes.get(offset..offset + 4).map_or(0, |w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}

/// Word `index` of an RPC request's arguments (see [`le_word`]).
pub(crate) fn arg_word(args: &[u8], index: usize) -> u32 {
    le_word(args, 4 * index)
}
