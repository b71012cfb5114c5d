//! The IOP side of the SIF, emulated at a high level (reference ps2-iop.md §1-§4, §8).
//!
//! There is no IOP processor here. SIF DMA from the EE (`SifSetDma`) is performed at once:
//! data for an IOP address is copied into IOP RAM; a packet for the IOP's command buffer
//! ([`IOP_COMMAND_BUFFER`], published in SMCOM) is parsed as a SIF command and answered the way
//! the IOP's `sifcmd`/`sifrpc` modules answer. RPC servers are Rust code ([`servers`]).
//!
//! Replies travel like on hardware: each packet is copied into the EE receive buffer announced
//! by INIT_CMD/CHANGE_SADDR and DMA channel 5 (SIF0) completes, which raises the EE's DMAC
//! interrupt; the next packet waits until the EE re-arms the channel with `SifSetDChain`.
//! RPC results are written straight into the caller's receive buffer before the END packet,
//! as the IOP's DMA would.
//!
//! The IOP boots with a retail BIOS's module set: FILEIO, LOADFILE and CDVDFSV answer binds, other
//! servers only once the program has loaded their module ([`servers`] has the table and its
//! sources). A bind of a server that is not registered is answered, as on a console, with a null
//! `sd`: the client keeps it unbound and retries. The wire format ([`protocol`]) is this side's own
//! reading of the references, independent of the EE client crates.

pub mod cdvd;
pub mod mcserv;
pub mod fileio;
pub mod pad;
pub mod protocol;
pub mod servers;

use std::collections::VecDeque;

use crate::hardware::Hardware;
use crate::io::dmac::{CH_SIF0, CHCR_STR};

/// IOP address of the IOP's SIF command receive buffer (what SMCOM reports).
pub const IOP_COMMAND_BUFFER: u32 = 0x0001_F000;
/// SMFLG bits: SIF initialised, command layer initialised, boot finished.
pub const SMFLG_BOOTED: u32 = 0x1_0000 | 0x2_0000 | 0x4_0000;
/// Simulated time an IOP reboot takes before SMFLG reports BOOTEND again (≈ 3.4 ms; a real
/// reboot takes far longer, but nothing a program does depends on the exact figure).
pub const REBOOT_CYCLES: u64 = 1_000_000;

pub use protocol::cid;
use protocol::{call as call_pkt, end as end_pkt, header, le_word, rdata, rpc};

/// Why a SIF transfer failed (reported by the kernel as a bad pointer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SifFault {
    /// The address that could not be read or written.
    pub addr: u32,
}

/// The emulated IOP.
#[derive(Debug, Default)]
pub struct Iop {
    /// EE physical address of the EE's SIF command receive buffer (0 until announced).
    ee_buffer: u32,
    /// Packets waiting to be delivered to the EE.
    outbox: VecDeque<Vec<u8>>,
    /// A packet sits in the EE buffer and the channel has not been re-armed yet.
    awaiting_rearm: bool,
    next_transfer_id: u32,
    reboot_done_at: Option<u64>,
    /// Server state (modules loaded, IOP heap).
    pub servers: servers::Servers,
    /// Reboots seen.
    pub reboots: u32,
    /// PADMAN and its pad script.
    pub padman: pad::Padman,
    /// The disc in the drive (CDVDFSV's data source).
    pub disc: Option<cdvd::Disc>,
    /// MCSERV and the memory card in port 0.
    pub mcserv: mcserv::McServ,
    /// FILEIO's devices and open files.
    pub fileio: fileio::Fileio,
    /// Replies held back until simulated time `due` (disc reads).
    delayed: Vec<Delayed>,
    /// When the drive finishes the commands already accepted.
    drive_busy_until: u64,
}

/// A server reply that arrives later.
#[derive(Debug)]
struct Delayed {
    due: u64,
    result: servers::CallResult,
    request: Vec<u8>,
}

/// Builds a packet: a 16-byte header (psize = `len`, no extra data) then `words` from +0x10.
fn packet(cid: u32, len: usize, words: &[u32]) -> Vec<u8> {
    let mut p = vec![0u8; len];
    put(&mut p, header::SIZE, len as u32 & 0xFF);
    put(&mut p, header::CID, cid);
    for (i, w) in words.iter().enumerate() {
        put(&mut p, header::LEN + 4 * i, *w);
    }
    p
}

/// Writes a little-endian word at `offset`.
fn put(packet: &mut [u8], offset: usize, value: u32) {
    packet[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

impl Iop {
    /// A freshly booted IOP; sets SMCOM/SMFLG in `hw` accordingly.
    pub fn new(hw: &mut Hardware) -> Self {
        hw.io.sif.smcom = IOP_COMMAND_BUFFER;
        hw.io.sif.smflg |= SMFLG_BOOTED;
        Iop::default()
    }

    /// Cycle of the next thing the IOP will do by itself (reboot done, delayed reply).
    pub fn next_event(&self) -> Option<u64> {
        let replies = self.delayed.iter().map(|d| d.due).min();
        match (self.reboot_done_at, replies) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Completes a reboot and delivers delayed replies whose time has come.
    pub fn service(&mut self, now: u64, hw: &mut Hardware) -> Result<(), SifFault> {
        if self.reboot_done_at.is_some_and(|t| now >= t) {
            self.reboot_done_at = None;
            hw.io.sif.smflg |= SMFLG_BOOTED;
        }
        while let Some(i) = self.delayed.iter().position(|d| d.due <= now) {
            let d = self.delayed.remove(i);
            self.finish_call(&d.request, d.result, hw)?;
        }
        Ok(())
    }

    /// The IOP's per-VBLANK work: PADMAN's pad-state DMA to the EE.
    pub fn vblank(&mut self, vblank: u64, hw: &mut Hardware) -> Result<(), SifFault> {
        for (addr, data) in self.padman.vblank(vblank) {
            ee_write(hw, addr, &data)?;
        }
        Ok(())
    }

    /// `SifSetDma(list, count)`: performs the EE→IOP transfers described at `list`; returns
    /// the transfer id (never 0).
    pub fn set_dma(&mut self, list: u32, count: u32, now: u64, hw: &mut Hardware) -> Result<u32, SifFault> {
        let mut transfers = Vec::new();
        for i in 0..count.min(32) {
            let at = list.wrapping_add(16 * i);
            let read = |off: u32| hw.mem.read_u32(at + off).ok_or(SifFault { addr: at });
            transfers.push((read(0)?, read(4)?, read(8)?));
        }
        self.set_dma_transfers(&transfers, now, hw)
    }

    /// `SifSetDma` with its transfer list already read (`(src, dest, size)` each; the kernel
    /// reads the list through the CPU's data cache, the data itself goes by DMA from memory).
    pub fn set_dma_transfers(&mut self, transfers: &[(u32, u32, u32)], now: u64, hw: &mut Hardware) -> Result<u32, SifFault> {
        for &(src, dest, size) in transfers {
            let len = (size as usize).next_multiple_of(16);
            let data = ee_read(hw, src, len)?;
            if dest & 0x00FF_FFFF == IOP_COMMAND_BUFFER {
                self.command(&data[..(size as usize).min(len)], now, hw)?;
            } else {
                let off = (dest & 0x001F_FFFF) as usize;
                let target = hw.mem.iop_ram.get_mut(off..off + len).ok_or(SifFault { addr: dest })?;
                target.copy_from_slice(&data);
            }
        }
        self.next_transfer_id = self.next_transfer_id.wrapping_add(1).max(1);
        Ok(self.next_transfer_id)
    }

    /// `SifSetDChain`: re-arms SIF0 and delivers the next queued packet, if any.
    pub fn set_dchain(&mut self, hw: &mut Hardware) -> Result<(), SifFault> {
        hw.io.dmac.channels[CH_SIF0].chcr = 0x184;
        self.awaiting_rearm = false;
        self.pump(hw)
    }

    /// `SifStopDma`: SIF0 off.
    pub fn stop_dma(&mut self, hw: &mut Hardware) {
        hw.io.dmac.channels[CH_SIF0].chcr = 0;
        hw.io.dmac.channels[CH_SIF0].qwc = 0;
    }

    /// Packets the EE has not received yet (for tests and diagnostics).
    pub fn queued_packets(&self) -> usize {
        self.outbox.len()
    }

    fn send(&mut self, packet: Vec<u8>, hw: &mut Hardware) -> Result<(), SifFault> {
        self.outbox.push_back(packet);
        self.pump(hw)
    }

    /// Delivers one packet when the EE can take it.
    fn pump(&mut self, hw: &mut Hardware) -> Result<(), SifFault> {
        let armed = hw.io.dmac.channels[CH_SIF0].chcr & CHCR_STR != 0;
        if self.awaiting_rearm || self.ee_buffer == 0 || !armed {
            return Ok(());
        }
        let Some(mut p) = self.outbox.pop_front() else { return Ok(()) };
        p.resize(p.len().next_multiple_of(16), 0);
        ee_write(hw, self.ee_buffer, &p)?;
        hw.io.dmac.complete(CH_SIF0);
        self.awaiting_rearm = true;
        Ok(())
    }

    /// Handles one command packet from the EE.
    fn command(&mut self, p: &[u8], now: u64, hw: &mut Hardware) -> Result<(), SifFault> {
        match le_word(p, header::CID) {
            cid::INIT_CMD if le_word(p, header::OPT) == 0 => {
                self.ee_buffer = le_word(p, protocol::EE_BUFFER) & 0x1FFF_FFFF;
                self.pump(hw)
            }
            // INIT_CMD with opt 1: the RPC layer; the IOP answers SET_SREG {0, 1}.
            cid::INIT_CMD => {
                let mut sreg = packet(cid::SET_SREG, protocol::set_sreg::LEN, &[]);
                put(&mut sreg, protocol::set_sreg::INDEX, 0);
                put(&mut sreg, protocol::set_sreg::VALUE, 1);
                self.send(sreg, hw)
            }
            cid::CHANGE_SADDR => {
                self.ee_buffer = le_word(p, protocol::EE_BUFFER) & 0x1FFF_FFFF;
                self.pump(hw)
            }
            cid::RESET => {
                self.reboots += 1;
                self.ee_buffer = 0;
                self.outbox.clear();
                self.awaiting_rearm = false;
                self.servers = servers::Servers::default();
                self.padman.reset();
                self.mcserv.reset();
                self.fileio.reset();
                self.delayed.clear();
                self.reboot_done_at = Some(now + REBOOT_CYCLES);
                Ok(())
            }
            cid::RPC_BIND => {
                // A server that is not registered (yet) is answered with sd = 0, as sifrpc does.
                let sid = le_word(p, protocol::bind::SID);
                let (sd, buf) = self.servers.registered(sid, now).map_or((0, 0), |s| (s.sd, s.buffer));
                let end = self.end_packet(p, cid::RPC_BIND, sd, buf);
                self.send(end, hw)
            }
            cid::RPC_CALL => self.call(p, now, hw),
            cid::RPC_RDATA => {
                let (src, dest) = (le_word(p, rdata::SRC), le_word(p, rdata::DEST));
                let size = le_word(p, rdata::SIZE) as usize;
                let off = (src & 0x001F_FFFF) as usize;
                let len = size.next_multiple_of(16);
                let data = hw.mem.iop_ram.get(off..off + len).ok_or(SifFault { addr: src })?.to_vec();
                ee_write(hw, dest & 0x1FFF_FFFF, &data)?;
                // For RDATA the END's client field is the receive-data struct, as the request's.
                let end = self.end_packet(p, cid::RPC_RDATA, 0, 0);
                self.send(end, hw)
            }
            // SET_SREG from the EE and user commands have no IOP-side effect here.
            _ => Ok(()),
        }
    }

    /// An RPC END answering request `p`: its rec_id, pkt_addr, rpc_id and client, the command answered,
    /// and the server's data and buffer.
    fn end_packet(&self, p: &[u8], answered: u32, sd: u32, buf: u32) -> Vec<u8> {
        let mut end = packet(cid::RPC_END, rpc::PACKET_SIZE, &[]);
        for field in [rpc::REC_ID, rpc::PKT_ADDR, rpc::RPC_ID, rpc::CLIENT] {
            put(&mut end, field, le_word(p, field));
        }
        put(&mut end, end_pkt::CID, answered);
        put(&mut end, end_pkt::SD, sd);
        put(&mut end, end_pkt::BUF, buf);
        put(&mut end, end_pkt::CBUF, buf);
        end
    }

    fn call(&mut self, p: &[u8], now: u64, hw: &mut Hardware) -> Result<(), SifFault> {
        let (fno, send_size, sd) = (le_word(p, call_pkt::FNO), le_word(p, call_pkt::SEND_SIZE) as usize, le_word(p, call_pkt::SD));
        // A CALL names the server by the sd its BIND returned; one that is not registered (a stale
        // binding after a reboot, a null sd) would make the IOP's sifrpc dereference garbage: the run
        // stops here with that address instead.
        let server = self.servers.registered_by_sd(sd, now).ok_or(SifFault { addr: sd })?;
        let off = (server.buffer & 0x001F_FFFF) as usize;
        let args = hw.mem.iop_ram.get(off..off + send_size.min(server.buffer_size)).unwrap_or(&[]).to_vec();
        let result = if servers::is_cdvd(server.sid) {
            match &mut self.disc {
                Some(disc) => disc.call(server.sid, fno, &args),
                None => servers::no_disc(server.sid, fno),
            }
        } else if server.sid == servers::FILEIO_SID {
            let ee = |addr: u32, len: usize| ee_read(hw, addr, len);
            self.fileio.call(fno, &args, &ee)?
        } else if server.sid == mcserv::SID {
            let ee = |addr: u32, len: usize| ee_read(hw, addr, len);
            self.mcserv.call(fno, &args, &ee)?
        } else if servers::is_pad(server.sid) {
            match self.servers.pad_module() {
                Some(module) => self.padman.call(module, server.sid, &args),
                None => return Err(SifFault { addr: sd }),
            }
        } else {
            self.servers.call(server.sid, fno, &args, &mut hw.mem.iop_ram, now)
        };
        if result.delay == 0 {
            return self.finish_call(p, result, hw);
        }
        // The drive works through commands one after another.
        let due = now.max(self.drive_busy_until) + result.delay;
        self.drive_busy_until = due;
        self.delayed.push(Delayed { due, result, request: p.to_vec() });
        Ok(())
    }

    /// Delivers a call's data, reply and END.
    fn finish_call(&mut self, p: &[u8], result: servers::CallResult, hw: &mut Hardware) -> Result<(), SifFault> {
        let (recv_buf, recv_size) = (le_word(p, call_pkt::RECV_BUF), le_word(p, call_pkt::RECV_SIZE));
        let (rmode, sd) = (le_word(p, call_pkt::RMODE), le_word(p, call_pkt::SD));
        for (addr, data) in &result.ee_writes {
            ee_write(hw, *addr, data)?;
        }
        if recv_size > 0 && recv_buf != 0 {
            let mut reply = result.reply;
            reply.resize((recv_size as usize).next_multiple_of(16), 0);
            ee_write(hw, recv_buf & 0x1FFF_FFFF, &reply)?;
        }
        if rmode != 0 {
            let buffer = servers::by_sd(sd).map_or(0, |s| s.buffer);
            let end = self.end_packet(p, cid::RPC_CALL, sd, buffer);
            self.send(end, hw)
        } else {
            // No END: the IOP overwrites the request packet with an END image whose rec_id
            // and rpc_id are 0, which is how the client sees the call finish.
            ee_write(hw, le_word(p, rpc::PKT_ADDR) & 0x1FFF_FFFF, &packet(cid::RPC_END, rpc::PACKET_SIZE, &[]))
        }
    }
}

/// Reads EE memory for a DMA through the address the program gave (any mapped view; a null or
/// kernel-area pointer faults as it would for the program itself).
fn ee_read(hw: &Hardware, addr: u32, len: usize) -> Result<Vec<u8>, SifFault> {
    hw.mem.slice(addr, len).map(<[u8]>::to_vec).ok_or(SifFault { addr })
}

/// Writes EE memory at a physical address.
fn ee_write(hw: &mut Hardware, phys: u32, data: &[u8]) -> Result<(), SifFault> {
    hw.mem.dma_slice_mut(phys, data.len()).ok_or(SifFault { addr: phys })?.copy_from_slice(data);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Protocol-level tests: packets built the way ps2sdk's `sifcmd.c`/`sifrpc.c` build them,
    //! handed to the IOP as `SifSetDma` would.

    use super::*;

    const LIST: u32 = 0x0010_0000;
    const PKT: u32 = 0x0010_0100;
    const EXTRA: u32 = 0x0010_0200;
    const EE_BUF: u32 = 0x0010_0400;
    const RECV: u32 = 0x0010_0800;

    fn setup() -> (Iop, Hardware) {
        let mut hw = Hardware::new(false);
        let iop = Iop::new(&mut hw);
        (iop, hw)
    }

    /// Sends a command packet (and optional extra data first) through `set_dma` at cycle 0.
    fn send(iop: &mut Iop, hw: &mut Hardware, p: &[u8], extra: Option<(&[u8], u32)>) {
        send_at(iop, hw, p, extra, 0);
    }

    /// Sends a command packet (and optional extra data first) through `set_dma` at cycle `now`.
    fn send_at(iop: &mut Iop, hw: &mut Hardware, p: &[u8], extra: Option<(&[u8], u32)>, now: u64) {
        let mut n = 0;
        let mut descriptor = |hw: &mut Hardware, src: u32, dest: u32, size: usize| {
            let at = LIST + 16 * n;
            for (i, v) in [src, dest, size as u32, 0x44].iter().enumerate() {
                hw.mem.write_u32(at + 4 * i as u32, *v).unwrap();
            }
            n += 1;
        };
        if let Some((data, dest)) = extra {
            hw.mem.slice_mut(EXTRA, data.len()).unwrap().copy_from_slice(data);
            descriptor(hw, EXTRA, dest, data.len());
        }
        hw.mem.slice_mut(PKT, p.len()).unwrap().copy_from_slice(p);
        descriptor(hw, PKT, IOP_COMMAND_BUFFER, p.len());
        iop.set_dma(LIST, n, now, hw).unwrap();
    }

    fn ee_word(hw: &Hardware, addr: u32) -> u32 {
        hw.mem.read_u32(addr).unwrap()
    }

    /// Takes the delivered packet like the EE's SIF0 handler: checks CIS, re-arms.
    fn receive(iop: &mut Iop, hw: &mut Hardware) -> Vec<u32> {
        assert_ne!(hw.io.dmac.stat & (1 << CH_SIF0), 0, "SIF0 completion raised");
        hw.io.dmac.stat &= !(1 << CH_SIF0);
        let words = (0..16).map(|i| ee_word(hw, EE_BUF + 4 * i)).collect();
        iop.set_dchain(hw).unwrap();
        words
    }

    fn init(iop: &mut Iop, hw: &mut Hardware) {
        iop.set_dchain(hw).unwrap();
        send(iop, hw, &packet(cid::INIT_CMD, 0x14, &[EE_BUF]), None);
    }

    fn rpc(cid_: u32, words: &[u32]) -> Vec<u8> {
        // rec_id, pkt_addr, rpc_id, then the request's own fields.
        let mut all = vec![0x5, PKT, 7];
        all.extend_from_slice(words);
        packet(cid_, 0x40, &all)
    }

    #[test]
    fn boot_state_and_rpc_init_answers_set_sreg() {
        let (mut iop, mut hw) = setup();
        assert_eq!(hw.io.sif.smcom, IOP_COMMAND_BUFFER);
        assert_eq!(hw.io.sif.smflg & SMFLG_BOOTED, SMFLG_BOOTED);
        init(&mut iop, &mut hw);
        let mut p = packet(cid::INIT_CMD, 0x10, &[]);
        p[12] = 1; // opt = 1: SIFRPC init
        send(&mut iop, &mut hw, &p, None);
        let got = receive(&mut iop, &mut hw);
        assert_eq!((got[2], got[4], got[5]), (cid::SET_SREG, 0, 1));
    }

    #[test]
    fn bind_then_call_loadfile_version() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        send(&mut iop, &mut hw, &rpc(cid::RPC_BIND, &[0x0010_0C00, servers::LOADFILE_SID]), None);
        let end = receive(&mut iop, &mut hw);
        assert_eq!(end[2], cid::RPC_END);
        assert_eq!((end[4], end[5], end[6], end[7], end[8]), (0x5, PKT, 7, 0x0010_0C00, cid::RPC_BIND));
        let (sd, buf) = (end[9], end[10]);
        assert!(sd != 0 && buf != 0);
        // CALL fno 0xFF (GET_VERSION), no send data, 16-byte reply into RECV, rmode 1.
        let call = rpc(cid::RPC_CALL, &[0x0010_0C00, 0xFF, 0, RECV, 16, 1, sd]);
        send(&mut iop, &mut hw, &call, None);
        assert_eq!(&hw.mem.slice(RECV, 4).unwrap(), b"2000");
        let end = receive(&mut iop, &mut hw);
        assert_eq!(end[8], cid::RPC_CALL);
    }

    /// LOADFILE MOD_LOAD of `path` at cycle `now`, the request DMA'd into LOADFILE's buffer; returns the reply's id.
    fn load(iop: &mut Iop, hw: &mut Hardware, path: &str, now: u64) -> i32 {
        let loadfile = servers::lookup(servers::LOADFILE_SID).unwrap();
        let mut request = vec![0u8; 512];
        request[8..8 + path.len()].copy_from_slice(path.as_bytes());
        let call = rpc(cid::RPC_CALL, &[0x0010_0C00, 0, 512, RECV, 16, 1, loadfile.sd]);
        send_at(iop, hw, &call, Some((&request, loadfile.buffer)), now);
        receive(iop, hw);
        ee_word(hw, RECV) as i32
    }

    /// BINDs `sid` at cycle `now`; returns the END's sd.
    fn bind(iop: &mut Iop, hw: &mut Hardware, sid: u32, now: u64) -> u32 {
        send_at(iop, hw, &rpc(cid::RPC_BIND, &[0x0010_0C00, sid]), None, now);
        receive(iop, hw)[9]
    }

    #[test]
    fn call_send_data_reaches_the_server_buffer() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        assert!(load(&mut iop, &mut hw, "rom0:SIO2MAN", 0) > 0, "module id");
        assert_eq!(iop.servers.modules, ["SIO2MAN"]);
    }

    #[test]
    fn pad_servers_answer_binds_only_after_their_module_is_loaded() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        let sids = [0x8000_0100, 0x8000_0101, 0x8000_010F, 0x8000_011F];
        for sid in sids {
            assert_eq!(bind(&mut iop, &mut hw, sid, 0), 0, "{sid:#x} is not registered at boot");
        }
        assert_eq!(load(&mut iop, &mut hw, "rom0:PADMAN", 0), servers::KE_LINKERR, "PADMAN needs SIO2MAN");
        load(&mut iop, &mut hw, "rom0:SIO2MAN", 0);
        assert!(load(&mut iop, &mut hw, "rom0:PADMAN", 100) > 0);
        assert_eq!(bind(&mut iop, &mut hw, 0x8000_010F, 100), 0, "PADMAN's RPC thread has not run yet");
        let up = 100 + servers::SERVER_START_CYCLES;
        assert_ne!(bind(&mut iop, &mut hw, 0x8000_010F, up), 0, "old protocol");
        assert_ne!(bind(&mut iop, &mut hw, 0x8000_011F, up), 0);
        assert_eq!(bind(&mut iop, &mut hw, 0x8000_0100, up), 0, "rom0:PADMAN has no new-protocol server");
        assert_eq!(bind(&mut iop, &mut hw, 0x8000_0101, up), 0);
        // A reboot unloads it.
        hw.io.sif.smflg &= !0x4_0000;
        send(&mut iop, &mut hw, &packet(cid::RESET, 0x68, &[0, 0]), None);
        iop.service(up + REBOOT_CYCLES, &mut hw).unwrap();
        init(&mut iop, &mut hw);
        let later = up + REBOOT_CYCLES;
        assert_eq!(bind(&mut iop, &mut hw, 0x8000_010F, later), 0, "gone after a reboot");
        assert_ne!(bind(&mut iop, &mut hw, servers::LOADFILE_SID, later), 0, "boot servers are back");
        // XSIO2MAN + XPADMAN: the new protocol (and the old sids).
        load(&mut iop, &mut hw, "rom0:XSIO2MAN", later);
        assert!(load(&mut iop, &mut hw, "rom0:XPADMAN", later) > 0);
        for sid in sids {
            assert_ne!(bind(&mut iop, &mut hw, sid, later + servers::SERVER_START_CYCLES), 0, "{sid:#x} with XPADMAN");
        }
    }

    #[test]
    fn boot_servers_bind_at_once() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        for sid in [0x8000_0001, 0x8000_0003, 0x8000_0006, 0x8000_0592, 0x8000_0593, 0x8000_0595, 0x8000_0597, 0x8000_059A, 0x8000_059C] {
            assert_ne!(bind(&mut iop, &mut hw, sid, 0), 0, "{sid:#x}");
        }
        assert_eq!(bind(&mut iop, &mut hw, 0x8000_0400, u64::MAX), 0, "MCSERV is not resident at boot");
    }

    #[test]
    fn a_call_to_an_unregistered_server_stops_the_run() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        let padman = servers::lookup(pad::SID_OLD).unwrap();
        let call = rpc(cid::RPC_CALL, &[0x0010_0C00, 1, 128, RECV, 128, 1, padman.sd]);
        hw.mem.slice_mut(PKT, call.len()).unwrap().copy_from_slice(&call);
        for (i, v) in [PKT, IOP_COMMAND_BUFFER, call.len() as u32, 0x44].iter().enumerate() {
            hw.mem.write_u32(LIST + 4 * i as u32, *v).unwrap();
        }
        assert_eq!(iop.set_dma(LIST, 1, 0, &mut hw), Err(SifFault { addr: padman.sd }));
        let call = rpc(cid::RPC_CALL, &[0x0010_0C00, 1, 0, RECV, 16, 1, 0]);
        hw.mem.slice_mut(PKT, call.len()).unwrap().copy_from_slice(&call);
        assert_eq!(iop.set_dma(LIST, 1, 0, &mut hw), Err(SifFault { addr: 0 }), "a null sd");
    }

    #[test]
    fn replies_wait_for_the_channel_to_be_rearmed() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        let bind = rpc(cid::RPC_BIND, &[0x0010_0C00, servers::LOADFILE_SID]);
        send(&mut iop, &mut hw, &bind, None);
        send(&mut iop, &mut hw, &bind, None);
        assert_eq!(iop.queued_packets(), 1, "second END held back");
        receive(&mut iop, &mut hw);
        assert_eq!(iop.queued_packets(), 0);
        receive(&mut iop, &mut hw);
    }

    #[test]
    fn unknown_server_binds_with_null_sd() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        send(&mut iop, &mut hw, &rpc(cid::RPC_BIND, &[0x0010_0C00, 0x8000_0BAD]), None);
        assert_eq!(receive(&mut iop, &mut hw)[9], 0);
    }

    #[test]
    fn nowait_call_overwrites_the_request_packet() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        let sd = servers::lookup(servers::LOADFILE_SID).unwrap().sd;
        send(&mut iop, &mut hw, &rpc(cid::RPC_CALL, &[0x0010_0C00, 0xFF, 0, RECV, 16, 0, sd]), None);
        assert_eq!(ee_word(&hw, PKT + 0x10), 0, "rec_id cleared: request finished");
        assert_eq!(iop.queued_packets(), 0);
        assert_eq!(hw.io.dmac.stat & (1 << CH_SIF0), 0, "no END was sent");
    }

    #[test]
    fn reset_forgets_the_ee_and_reboots_after_a_delay() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        hw.io.sif.smflg &= !0x4_0000; // the EE clears BOOTEND before resetting
        send(&mut iop, &mut hw, &packet(cid::RESET, 0x68, &[0, 0]), None);
        assert_eq!(iop.next_event(), Some(REBOOT_CYCLES));
        iop.service(REBOOT_CYCLES - 1, &mut hw).unwrap();
        assert_eq!(hw.io.sif.smflg & 0x4_0000, 0);
        iop.service(REBOOT_CYCLES, &mut hw).unwrap();
        assert_eq!(hw.io.sif.smflg & SMFLG_BOOTED, SMFLG_BOOTED);
        // The EE buffer is forgotten until the next INIT_CMD.
        send(&mut iop, &mut hw, &rpc(cid::RPC_BIND, &[0, servers::LOADFILE_SID]), None);
        assert_eq!(iop.queued_packets(), 1);
    }

    #[test]
    fn rdata_copies_iop_memory_to_the_ee() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        hw.mem.iop_ram[0x3000..0x3004].copy_from_slice(b"iop!");
        send(&mut iop, &mut hw, &rpc(cid::RPC_RDATA, &[0x0010_0C00, 0x3000, RECV, 4]), None);
        assert_eq!(hw.mem.slice(RECV, 4).unwrap(), b"iop!");
        assert_eq!(receive(&mut iop, &mut hw)[8], cid::RPC_RDATA);
    }

    #[test]
    fn cdvd_read_reply_waits_for_the_drive() {
        let (mut iop, mut hw) = setup();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.iso");
        ps2_iso::DiscBuilder::new().boot_elf("A.ELF", vec![0x5Au8; 8192]).write_to(&path).unwrap();
        iop.disc = Some(cdvd::Disc::open(&path).unwrap());
        init(&mut iop, &mut hw);
        let ncmd = servers::lookup(cdvd::SID_NCMD).unwrap();
        let mut request = Vec::new();
        // Sector 16 is the primary volume descriptor: "\x01CD001".
        for w in [16u32, 1, 0x0011_0000, 0, 0, 0] {
            request.extend_from_slice(&w.to_le_bytes());
        }
        let call = rpc(cid::RPC_CALL, &[0x0010_0C00, 1, 24, RECV, 16, 1, ncmd.sd]);
        send(&mut iop, &mut hw, &call, Some((&request, ncmd.buffer)));
        let due = iop.next_event().expect("the read completes later");
        assert!(due > 0);
        assert_eq!(hw.io.dmac.stat & (1 << CH_SIF0), 0, "no END yet");
        iop.service(due, &mut hw).unwrap();
        assert_eq!(hw.mem.slice(0x0011_0000, 6).unwrap(), b"\x01CD001");
        assert_eq!(ee_word(&hw, RECV), 2048);
        assert_eq!(receive(&mut iop, &mut hw)[8], cid::RPC_CALL);
        assert_eq!(iop.disc.as_ref().unwrap().bytes_read, 2048);
    }

    #[test]
    fn padman_open_over_rpc_then_vblank_updates_the_pad_area() {
        let (mut iop, mut hw) = setup();
        iop.padman = pad::Padman::new(pad::PadScript::parse("0 0 START").unwrap());
        init(&mut iop, &mut hw);
        load(&mut iop, &mut hw, "rom0:SIO2MAN", 0);
        load(&mut iop, &mut hw, "rom0:PADMAN", 0);
        let now = servers::SERVER_START_CYCLES;
        let sd = bind(&mut iop, &mut hw, 0x8000_010F, now);
        let buffer = servers::by_sd(sd).unwrap().buffer;
        let mut open = vec![0u8; 128];
        // Old-protocol open (0x80000100), port 0, slot 0, pad area at 0x0011_0000.
        open[0..4].copy_from_slice(&0x8000_0100u32.to_le_bytes());
        open[16..20].copy_from_slice(&0x0011_0000u32.to_le_bytes());
        send_at(&mut iop, &mut hw, &rpc(cid::RPC_CALL, &[0x0010_0C00, 1, 128, RECV, 128, 1, sd]), Some((&open, buffer)), now);
        assert_eq!(ee_word(&hw, RECV + 12), 1, "open succeeded");
        iop.vblank(1, &mut hw).unwrap();
        iop.vblank(2, &mut hw).unwrap();
        let block = hw.mem.slice(0x0011_0000, 64).unwrap();
        assert_eq!(block[4], 6, "STABLE (old 64-byte struct)");
        assert_eq!(u16::from_le_bytes([block[10], block[11]]), !0x0008, "START pressed");
    }

    #[test]
    fn empty_drive_reports_no_disc() {
        let (mut iop, mut hw) = setup();
        init(&mut iop, &mut hw);
        let scmd = servers::lookup(cdvd::SID_SCMD).unwrap();
        send(&mut iop, &mut hw, &rpc(cid::RPC_CALL, &[0x0010_0C00, 3, 0, RECV, 16, 1, scmd.sd]), None);
        assert_eq!(ee_word(&hw, RECV), 0, "disc type: none");
    }

    #[test]
    fn dma_from_unmapped_memory_is_a_fault() {
        let (mut iop, mut hw) = setup();
        for (i, v) in [0x10u32, 0x1000, 16, 0].iter().enumerate() {
            hw.mem.write_u32(LIST + 4 * i as u32, *v).unwrap();
        }
        assert_eq!(iop.set_dma(LIST, 1, 0, &mut hw), Err(SifFault { addr: 0x10 }));
    }
}
