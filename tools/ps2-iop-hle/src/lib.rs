//! # ps2-iop-hle — the PS2's I/O processor, emulated at the SIF level
//!
//! The simulator has no IOP and no BIOS. This crate stands in for both on the far side of the SIF, the way
//! the Play! emulator's HLE does (see the project's IOP reference, §8): the EE program runs its real SIF DMA,
//! SIF command and RPC code (`ps2-iop`, `ps2-cdvd`, ...) and this crate answers as the IOP modules would.
//!
//! - SIF registers (`SifGetReg`/`SifSetReg`): SMFLG reports SIFINIT|CMDINIT|BOOTEND, the software registers
//!   are kept, the IOP command buffer address is published in SMCOM.
//! - SIF DMA (`SifSetDma`): copies EE memory into a 2 MiB model of IOP RAM; a packet that lands in the
//!   command buffer is a SIF command and is handled at once.
//! - SIF commands: INIT (opt 0: the EE's receive buffer; opt 1: answered with SET_SREG{0, 1}),
//!   CHANGE_SADDR, RPC BIND / CALL / RDATA, and the IOP reset packet.
//! - Replies (RPC END and friends) are queued with the simulated time at which they are due (a CD read takes
//!   as long as the drive model says), and delivered one at a time into the EE receive buffer when the EE has
//!   re-armed SIF0 (`SifSetDChain`), exactly the hardware's flow control. The machine raises the DMAC
//!   channel 5 interrupt for each delivery.
//! - Servers: LOADFILE (`rom0:` modules by name), the IOP heap, CDVDFSV (init, disk ready, S-commands, reads
//!   timed by `ps2_iso::drive`, file search with `ps2_cdvd::iso9660`).
//!
//! What is not modelled: IOP code itself (an IRX from the disc or an EE buffer is refused with
//! `KE_ILLEGAL_OBJECT`, never silently accepted), IOP-initiated RPC to EE servers, SIF2.

mod disc;
mod services;

use std::collections::VecDeque;

pub use disc::{Disc, DiscStats};
use services::{Reply, Service, ServiceContext};

/// The EE's memory, as the IOP's DMA sees it (physical addresses; the machine resolves aliases).
pub trait EeMemory {
    /// Reads bytes; `false` if any of them is not RAM.
    fn read_bytes(&mut self, addr: u32, out: &mut [u8]) -> bool;
    /// Writes bytes; `false` if any of them is not RAM.
    fn write_bytes(&mut self, addr: u32, data: &[u8]) -> bool;
}

/// IOP RAM size.
pub const IOP_RAM_SIZE: usize = 2 * 1024 * 1024;
/// Where the IOP's SIF command buffer lives in IOP RAM (published in SMCOM).
pub const COMMAND_BUFFER: u32 = 0x0001_0000;
/// First address handed out by the IOP heap server.
const HEAP_START: u32 = 0x0010_0000;
/// Each RPC server's receive buffer (its `buf`) in IOP RAM: `SERVER_BUFFERS + index * SERVER_BUFFER_SIZE`.
const SERVER_BUFFERS: u32 = 0x0002_0000;
const SERVER_BUFFER_SIZE: u32 = 0x1000;

/// SIF command ids.
mod cid {
    pub const CHANGE_SADDR: u32 = 0x8000_0000;
    pub const SET_SREG: u32 = 0x8000_0001;
    pub const INIT_CMD: u32 = 0x8000_0002;
    pub const RESET: u32 = 0x8000_0003;
    pub const RPC_END: u32 = 0x8000_0008;
    pub const RPC_BIND: u32 = 0x8000_0009;
    pub const RPC_CALL: u32 = 0x8000_000A;
    pub const RPC_RDATA: u32 = 0x8000_000C;
}

/// SMFLG bits.
const SIFINIT: u32 = 0x1_0000;
const CMDINIT: u32 = 0x2_0000;
const BOOTEND: u32 = 0x4_0000;

/// A packet (plus data DMA'd before it) waiting to be delivered to the EE.
#[derive(Debug)]
struct Delivery {
    due: u64,
    extra: Vec<(u32, Vec<u8>)>,
    packet: Vec<u8>,
}

/// Something the EE did that the IOP could not make sense of, for the simulator's diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic(pub String);

/// The emulated IOP.
pub struct Iop {
    ram: Vec<u8>,
    mscom: u32,
    msflg: u32,
    smflg: u32,
    software_registers: [u32; 32],
    /// The EE receive buffer from INIT_CMD / CHANGE_SADDR (0 until the EE's `SifInitCmd`).
    ee_receive: u32,
    /// Whether the EE armed SIF0 for the next packet.
    sif0_armed: bool,
    deliveries: VecDeque<Delivery>,
    services: Vec<Box<dyn Service>>,
    modules: Vec<String>,
    heap_top: u32,
    next_dma_id: u32,
    disc: Option<Disc>,
    diagnostics: Vec<Diagnostic>,
    reboots: u32,
}

impl Iop {
    /// A freshly booted IOP with the boot ROM's resident servers, and `disc` in the drive (if any).
    pub fn new(disc: Option<Disc>) -> Iop {
        let mut iop = Iop {
            ram: vec![0; IOP_RAM_SIZE],
            mscom: 0,
            msflg: 0,
            smflg: SIFINIT | CMDINIT | BOOTEND,
            software_registers: [0; 32],
            ee_receive: 0,
            sif0_armed: false,
            deliveries: VecDeque::new(),
            services: Vec::new(),
            modules: Vec::new(),
            heap_top: HEAP_START,
            next_dma_id: 1,
            disc,
            diagnostics: Vec::new(),
            reboots: 0,
        };
        iop.boot();
        iop
    }

    fn boot(&mut self) {
        self.services = services::resident();
        self.modules = services::RESIDENT_MODULES.iter().map(|m| m.to_string()).collect();
        self.heap_top = HEAP_START;
        self.ee_receive = 0;
        self.deliveries.clear();
        self.smflg = SIFINIT | CMDINIT | BOOTEND;
    }

    /// The disc in the drive.
    pub fn disc(&self) -> Option<&Disc> {
        self.disc.as_ref()
    }

    /// Problems seen so far (unknown commands, bad addresses); the simulator prints them.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// How many times the EE rebooted the IOP.
    pub fn reboots(&self) -> u32 {
        self.reboots
    }

    /// Names of the modules loaded (resident ones first).
    pub fn modules(&self) -> &[String] {
        &self.modules
    }

    // --- syscalls --------------------------------------------------------------------------------------

    /// `SifGetReg` (syscall 0x7A).
    pub fn get_reg(&self, reg: u32) -> u32 {
        match reg {
            1 => self.mscom,
            2 => COMMAND_BUFFER,
            3 => self.msflg,
            4 => self.smflg,
            r if r & 0x8000_0000 != 0 => self.software_registers.get((r & 0x1F) as usize).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// `SifSetReg` (syscall 0x79). Writing SMFLG clears the written bits (that is how the EE acknowledges);
    /// writing MSFLG sets them.
    pub fn set_reg(&mut self, reg: u32, value: u32) -> u32 {
        match reg {
            1 => self.mscom = value,
            3 => self.msflg |= value,
            4 => self.smflg &= !value,
            r if r & 0x8000_0000 != 0 => {
                if let Some(slot) = self.software_registers.get_mut((r & 0x1F) as usize) {
                    *slot = value;
                }
            }
            _ => {}
        }
        // The IOP sees the acknowledgements at once and raises its flags again (it is always ready).
        if self.smflg & BOOTEND == 0 && reg == 4 && value & SIFINIT != 0 {
            self.smflg |= SIFINIT | CMDINIT | BOOTEND;
        }
        0
    }

    /// `SifSetDma` (syscall 0x77): each transfer is `(ee_src, iop_dest, size, attr)`. Copies at once and
    /// returns a transfer id (never 0).
    pub fn sif_set_dma(&mut self, memory: &mut impl EeMemory, transfers: &[(u32, u32, u32, u32)], now: u64) -> u32 {
        for &(src, dest, size, _attr) in transfers {
            let size = (size as usize).next_multiple_of(16);
            let mut data = vec![0u8; size];
            if !memory.read_bytes(src & 0x1FFF_FFFF, &mut data) {
                self.diagnostics.push(Diagnostic(format!("SifSetDma from unmapped EE address {src:#010x}")));
                continue;
            }
            let dest = dest & 0x001F_FFFF;
            if dest == 0 && data.len() >= 16 && u32::from_le_bytes(data[8..12].try_into().unwrap()) == cid::RESET {
                self.reset();
                continue;
            }
            let end = (dest as usize + size).min(IOP_RAM_SIZE);
            let len = end.saturating_sub(dest as usize);
            self.ram[dest as usize..end].copy_from_slice(&data[..len]);
            if dest == COMMAND_BUFFER {
                self.handle_command(&data, now);
            }
        }
        let id = self.next_dma_id;
        self.next_dma_id = self.next_dma_id.wrapping_add(1).max(1);
        id
    }

    /// `SifDmaStat` (syscall 0x76): transfers complete as they are queued, so always "done" (-1).
    pub fn sif_dma_stat(&self, _id: u32) -> i32 {
        -1
    }

    /// `SifSetDChain` (syscall 0x78): the EE is ready for the next packet.
    pub fn sif_set_dchain(&mut self) {
        self.sif0_armed = true;
    }

    /// `SifStopDma` (syscall 0x6B).
    pub fn sif_stop_dma(&mut self) {
        self.sif0_armed = false;
    }

    /// The simulated time of the next delivery, if one is queued (lets an idle machine skip ahead).
    pub fn next_due(&self) -> Option<u64> {
        self.deliveries.front().map(|d| d.due)
    }

    /// Delivers the next due packet into the EE's receive buffer when SIF0 is armed. Returns `true` when a
    /// packet was delivered: the machine then completes DMA channel 5 (its interrupt).
    pub fn poll(&mut self, memory: &mut impl EeMemory, now: u64) -> bool {
        if !self.sif0_armed || self.ee_receive == 0 {
            return false;
        }
        let Some(front) = self.deliveries.front() else { return false };
        if front.due > now {
            return false;
        }
        let delivery = self.deliveries.pop_front().expect("checked above");
        for (dest, data) in &delivery.extra {
            if !memory.write_bytes(dest & 0x1FFF_FFFF, data) {
                self.diagnostics.push(Diagnostic(format!("IOP reply data to unmapped EE address {dest:#010x}")));
            }
        }
        let mut packet = delivery.packet;
        packet.resize(packet.len().next_multiple_of(16), 0);
        memory.write_bytes(self.ee_receive & 0x1FFF_FFFF, &packet);
        self.sif0_armed = false;
        true
    }

    // --- commands --------------------------------------------------------------------------------------

    fn word(packet: &[u8], offset: usize) -> u32 {
        packet.get(offset..offset + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()))
    }

    fn queue(&mut self, due: u64, extra: Vec<(u32, Vec<u8>)>, packet: Vec<u8>) {
        // Replies leave in order: a fast reply never overtakes a slower one queued earlier.
        let due = self.deliveries.back().map_or(due, |last| due.max(last.due));
        self.deliveries.push_back(Delivery { due, extra, packet });
    }

    fn handle_command(&mut self, packet: &[u8], now: u64) {
        let size = Self::word(packet, 0) & 0xFF;
        let command = Self::word(packet, 8);
        let opt = Self::word(packet, 12);
        if size < 16 {
            self.diagnostics.push(Diagnostic(format!("SIF command {command:#010x} with size {size}")));
            return;
        }
        match command {
            cid::INIT_CMD if opt == 0 => self.ee_receive = Self::word(packet, 16),
            cid::INIT_CMD => {
                let mut reply = header(24, cid::SET_SREG);
                reply.extend_from_slice(&0u32.to_le_bytes());
                reply.extend_from_slice(&1u32.to_le_bytes());
                self.queue(now, Vec::new(), reply);
            }
            cid::CHANGE_SADDR => self.ee_receive = Self::word(packet, 16),
            cid::RESET => self.reset(),
            cid::RPC_BIND => self.bind(packet, now),
            cid::RPC_CALL => self.call(packet, now),
            cid::RPC_RDATA => self.rdata(packet, now),
            other => self.diagnostics.push(Diagnostic(format!("unknown SIF command {other:#010x}"))),
        }
    }

    fn reset(&mut self) {
        self.reboots += 1;
        self.boot();
        self.software_registers = [0; 32];
    }

    /// The END reply for request `packet` (its rec_id/pkt_addr/rpc_id and client echoed back).
    fn end_packet(packet: &[u8], answered: u32, server: u32, buffer: u32, cbuffer: u32) -> Vec<u8> {
        let mut reply = header(0x30, cid::RPC_END);
        for offset in [0x10, 0x14, 0x18, 0x1C] {
            reply.extend_from_slice(&Self::word(packet, offset).to_le_bytes());
        }
        for value in [answered, server, buffer, cbuffer] {
            reply.extend_from_slice(&value.to_le_bytes());
        }
        reply
    }

    fn bind(&mut self, packet: &[u8], now: u64) {
        let sid = Self::word(packet, 0x20);
        let reply = match self.services.iter().position(|s| s.sids().contains(&sid)) {
            Some(index) => {
                let buffer = SERVER_BUFFERS + index as u32 * SERVER_BUFFER_SIZE;
                Self::end_packet(packet, cid::RPC_BIND, server_handle(sid), buffer, 0)
            }
            // Not registered (yet): the client retries the bind.
            None => Self::end_packet(packet, cid::RPC_BIND, 0, 0, 0),
        };
        self.queue(now, Vec::new(), reply);
    }

    fn call(&mut self, packet: &[u8], now: u64) {
        let fno = Self::word(packet, 0x20);
        let send_size = Self::word(packet, 0x24) as usize;
        let recv_buf = Self::word(packet, 0x28);
        let recv_size = Self::word(packet, 0x2C) as usize;
        let server = Self::word(packet, 0x34);
        let Some(index) = self.services.iter().position(|s| s.sids().iter().any(|&sid| server_handle(sid) == server))
        else {
            self.diagnostics.push(Diagnostic(format!("RPC call to unknown server handle {server:#010x}")));
            let reply = Self::end_packet(packet, cid::RPC_CALL, 0, 0, 0);
            self.queue(now, Vec::new(), reply);
            return;
        };
        let sid = *self.services[index].sids().iter().find(|&&sid| server_handle(sid) == server).expect("matched above");
        let buffer = (SERVER_BUFFERS + index as u32 * SERVER_BUFFER_SIZE) as usize;
        let send = self.ram[buffer..buffer + send_size.min(SERVER_BUFFER_SIZE as usize)].to_vec();
        let mut service = std::mem::replace(&mut self.services[index], services::placeholder());
        let mut context = ServiceContext {
            sid,
            disc: self.disc.as_mut(),
            modules: &mut self.modules,
            heap_top: &mut self.heap_top,
            new_services: Vec::new(),
            diagnostics: &mut self.diagnostics,
        };
        let Reply { mut data, extra, delay } = service.call(fno, &send, recv_size, &mut context);
        let new_services = std::mem::take(&mut context.new_services);
        self.services[index] = service;
        for new in new_services {
            if !self.services.iter().any(|s| s.sids() == new.sids()) {
                self.services.push(new);
            }
        }
        let mut all_extra = extra;
        if recv_size > 0 {
            // The SIF moves whole quadwords: the EE receives recv_size rounded up to 16 bytes.
            data.resize(recv_size.next_multiple_of(16), 0);
            all_extra.push((recv_buf, data));
        }
        let reply = Self::end_packet(packet, cid::RPC_CALL, 0, 0, 0);
        self.queue(now + delay, all_extra, reply);
    }

    fn rdata(&mut self, packet: &[u8], now: u64) {
        let src = (Self::word(packet, 0x20) & 0x1F_FFFF) as usize;
        let dest = Self::word(packet, 0x24);
        let size = Self::word(packet, 0x28) as usize;
        let end = (src + size).min(IOP_RAM_SIZE);
        let data = self.ram[src..end].to_vec();
        let reply = Self::end_packet(packet, cid::RPC_RDATA, 0, 0, 0);
        self.queue(now, vec![(dest, data)], reply);
    }
}

/// The IOP address a server is known by (its `sd`): never 0, distinct per sid.
fn server_handle(sid: u32) -> u32 {
    (sid ^ 0xACAC_ACAC).max(1)
}

fn header(size: u32, cid: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(size as usize);
    h.extend_from_slice(&size.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&cid.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h
}

#[cfg(test)]
mod tests;
