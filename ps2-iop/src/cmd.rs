//! The SIF command layer: small packets between the EE and the IOP, each dispatched to a handler.
//!
//! Packets from the IOP arrive by DMA (SIF0, channel 5) in a 128-byte receive buffer; the channel interrupt
//! copies the packet out, re-arms the channel (the IOP's next packet waits in the SIF FIFO until then) and calls
//! the handler registered for the command id — in interrupt context. Packets to the IOP go through the
//! kernel's SIF DMA queue, optionally preceded by "extra" data copied to an IOP address.
//!
//! [`init`] performs ps2sdk's `SifInitCmd` handshake; every other module of this crate calls it as needed.

use core::cell::RefCell;
use core::ffi::c_void;
use core::ptr;

use critical_section::Mutex;
use ps2_sys::hw::dmac;
use ps2_sys::syscall::{self, ChainPosition, DmaChannelId, HandlerId, SifDmaId, SifReg};

use crate::packet::{self, cid, flag, AddressPacket, CmdHeader, SetSregPacket};
use crate::sifdma::{self, Transfer};
use crate::{timeout, Error};

/// A command handler: receives the packet (header included) and the argument given at registration. Runs in
/// interrupt context: it must be short and may only use `i*` syscalls.
pub type Handler = fn(packet: &[u8], arg: usize);

/// Extra data sent before a command packet: copied from `src` on the EE to `dest` on the IOP.
#[derive(Clone, Copy, Debug)]
pub struct Extra {
    /// EE source (16-byte aligned).
    pub src: *const u8,
    /// IOP destination.
    pub dest: u32,
    /// Bytes.
    pub size: usize,
}

/// Number of system command handlers and software registers.
pub const SYSTEM_SLOTS: usize = 32;

/// The EE receive buffer the IOP DMAs packets into (64-byte aligned so no other data shares its cache lines).
#[repr(C, align(64))]
struct ReceiveBuffer([u32; 32]);

static mut RECEIVE_BUFFER: ReceiveBuffer = ReceiveBuffer([0; 32]);

struct State {
    initialized: bool,
    /// The IOP's command buffer address.
    iop_buffer: u32,
    handlers: [Option<(Handler, usize)>; SYSTEM_SLOTS],
    software_registers: [u32; SYSTEM_SLOTS],
    dmac_handler: Option<HandlerId>,
}

static STATE: Mutex<RefCell<State>> = Mutex::new(RefCell::new(State {
    initialized: false,
    iop_buffer: 0,
    handlers: [None; SYSTEM_SLOTS],
    software_registers: [0; SYSTEM_SLOTS],
    dmac_handler: None,
}));

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    critical_section::with(|cs| f(&mut STATE.borrow_ref_mut(cs)))
}

fn receive_buffer_address() -> *mut u32 {
    ptr::addr_of_mut!(RECEIVE_BUFFER).cast()
}

/// Whether [`init`] has run (and no IOP reset has happened since).
pub fn is_initialized() -> bool {
    with_state(|s| s.initialized)
}

/// The IOP command buffer address packets are sent to.
pub fn iop_buffer() -> u32 {
    with_state(|s| s.iop_buffer)
}

/// A software register set by the IOP with SET_SREG (register 0 signals that SIF RPC is initialised).
pub fn software_register(index: usize) -> u32 {
    with_state(|s| s.software_registers.get(index).copied().unwrap_or(0))
}

/// Registers the handler for system command `index` (`cid & 0x7FFF_FFFF`); replaces any earlier one.
pub fn set_handler(index: usize, handler: Handler, arg: usize) -> Result<(), Error> {
    if index >= SYSTEM_SLOTS {
        return Err(Error::InvalidArgument("system command index must be below 32"));
    }
    with_state(|s| s.handlers[index] = Some((handler, arg)));
    Ok(())
}

/// Initialises SIF commands: installs the SIF0 interrupt handler and performs the handshake with the IOP.
pub fn init() -> Result<(), Error> {
    if is_initialized() {
        return Ok(());
    }
    ps2_sys::cache::flush_all();
    // Clear a stale channel-5 completion, and make sure the channel is armed.
    // SAFETY: writing 1 to a CIS bit only clears that channel's status.
    unsafe { dmac::control().stat.write(1 << dmac::ChannelId::Sif0.number()) };
    if dmac::channel(dmac::ChannelId::Sif0).chcr.read() & dmac::Chcr::START.bits() == 0 {
        syscall::sif_set_dchain();
    }
    let id = syscall::add_dmac_handler(DmaChannelId::Sif0, on_sif0_interrupt, ChainPosition::First, ptr::null_mut())?;
    syscall::enable_dmac(DmaChannelId::Sif0)?;
    with_state(|s| {
        s.dmac_handler = Some(id);
        s.handlers[(cid::CHANGE_SADDR & 0x7FFF_FFFF) as usize] = Some((on_change_saddr, 0));
        s.handlers[(cid::SET_SREG & 0x7FFF_FFFF) as usize] = Some((on_set_sreg, 0));
    });

    let receive = ps2_sys::cache::physical_address(receive_buffer_address());
    let known_iop_buffer = syscall::sif_get_reg(SifReg::Software(0));
    let mut packet = AlignedPacket::default();
    if known_iop_buffer != 0 {
        // The IOP already talks to an earlier program: only tell it where our buffer is.
        with_state(|s| s.iop_buffer = known_iop_buffer);
        packet.store(&AddressPacket { header: CmdHeader::default(), buffer: receive });
        send(cid::CHANGE_SADDR, packet.bytes(core::mem::size_of::<AddressPacket>()), None)?;
    } else {
        timeout::wait_until("the IOP's SIF command layer (SMFLG CMDINIT)", || {
            syscall::sif_get_reg(SifReg::SubFlag) & flag::CMDINIT != 0
        })?;
        let iop_buffer = syscall::sif_get_reg(SifReg::SubCommand);
        syscall::sif_set_reg(SifReg::Software(0), iop_buffer);
        syscall::sif_set_reg(SifReg::Software(1), ptr::addr_of!(STATE) as u32);
        with_state(|s| s.iop_buffer = iop_buffer);
        packet.store(&AddressPacket { header: CmdHeader::default(), buffer: receive });
        send(cid::INIT_CMD, packet.bytes(core::mem::size_of::<AddressPacket>()), None)?;
    }
    with_state(|s| s.initialized = true);
    Ok(())
}

/// Shuts the command layer down (before an IOP reset): removes the interrupt handler.
pub fn exit() {
    let handler = with_state(|s| {
        s.initialized = false;
        s.software_registers = [0; SYSTEM_SLOTS];
        s.dmac_handler.take()
    });
    if let Some(id) = handler {
        let _ = syscall::remove_dmac_handler(DmaChannelId::Sif0, id);
    }
}

/// A 16-byte aligned buffer for building a command packet.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
pub struct AlignedPacket(pub [u8; packet::MAX_PACKET_SIZE + 16]);

impl Default for AlignedPacket {
    fn default() -> Self {
        AlignedPacket([0; packet::MAX_PACKET_SIZE + 16])
    }
}

impl AlignedPacket {
    /// Copies a packet struct into the buffer.
    pub fn store<T: Copy>(&mut self, value: &T) {
        let bytes = packet::as_bytes(value);
        self.0[..bytes.len()].copy_from_slice(bytes);
    }

    /// The first `len` bytes.
    pub fn bytes(&mut self, len: usize) -> &mut [u8] {
        &mut self.0[..len]
    }
}

/// Sends command `cid` to the IOP. `packet` holds the whole packet (its header is filled in here), is 16-byte
/// aligned and 16..=112 bytes long. The kernel copies packets of this size when queueing them, so the buffer
/// can be reused once this returns. Thread context.
pub fn send(cid: u32, packet: &mut [u8], extra: Option<Extra>) -> Result<SifDmaId, Error> {
    send_with(cid, packet, extra, false)
}

/// [`send`] from an interrupt handler.
pub fn isend(cid: u32, packet: &mut [u8], extra: Option<Extra>) -> Result<SifDmaId, Error> {
    send_with(cid, packet, extra, true)
}

fn send_with(cid: u32, packet: &mut [u8], extra: Option<Extra>, interrupt_context: bool) -> Result<SifDmaId, Error> {
    if !(16..=packet::MAX_PACKET_SIZE).contains(&packet.len()) {
        return Err(Error::TooLarge { what: "SIF command packet", size: packet.len(), max: packet::MAX_PACKET_SIZE });
    }
    let iop_buffer = with_state(|s| s.iop_buffer);
    if iop_buffer == 0 {
        return Err(Error::InvalidArgument("SIF commands are not initialised (call ps2_iop::cmd::init)"));
    }
    let (extra_size, extra_dest) = extra.map_or((0, 0), |e| (e.size as u32, e.dest));
    let mut header: CmdHeader = packet::read(packet).unwrap_or_default();
    let opt = header.opt;
    header = CmdHeader::new(cid, packet.len() as u32, extra_size, extra_dest);
    header.opt = opt;
    packet[..16].copy_from_slice(packet::as_bytes(&header));

    let mut transfers = [Transfer { src: ptr::null(), dest: 0, size: 0, attr: 0 }; 2];
    let mut count = 0;
    if let Some(extra) = extra.filter(|e| e.size > 0) {
        // The extra data goes first so that it is in place when the receiver's interrupt fires.
        transfers[count] = Transfer { src: extra.src, dest: extra.dest, size: extra.size, attr: 0 };
        count += 1;
    }
    transfers[count] =
        Transfer { src: packet.as_ptr(), dest: iop_buffer, size: packet.len(), attr: packet::DMA_ERT | packet::DMA_INT_O };
    count += 1;
    if interrupt_context { sifdma::isend(&transfers[..count]) } else { sifdma::send(&transfers[..count]) }
}

/// The SIF0 (IOP → EE) DMA interrupt: one packet has arrived in the receive buffer.
extern "C" fn on_sif0_interrupt(_channel: i32, _arg: *mut c_void, _addr: *mut c_void) -> i32 {
    // The DMA wrote RAM behind the cache's back: read through the uncached alias.
    let buffer = ps2_sys::cache::uncached(receive_buffer_address());
    // SAFETY: the receive buffer is ours; the IOP does not write it again until the channel is re-armed below.
    let size_word = unsafe { ptr::read_volatile(buffer) };
    let size = (size_word & 0xFF) as usize;
    if size == 0 {
        return 0;
    }
    let mut local = [0u32; 32];
    let words = size.div_ceil(4).min(local.len());
    for (i, word) in local.iter_mut().enumerate().take(words) {
        // SAFETY: within the 128-byte buffer.
        *word = unsafe { ptr::read_volatile(buffer.add(i)) };
    }
    // SAFETY: as above; marks the buffer consumed.
    unsafe { ptr::write_volatile(buffer, 0) };
    syscall::isif_set_dchain();

    // SAFETY: reinterpreting initialised u32s as bytes.
    let bytes = unsafe { core::slice::from_raw_parts(local.as_ptr().cast::<u8>(), size.min(128)) };
    let cid = local[2];
    if cid & 0x8000_0000 != 0 {
        let index = (cid & 0x7FFF_FFFF) as usize;
        // Copy the handler out first: it may itself use the state (e.g. to send a reply).
        if let Some((handler, arg)) = with_state(|s| s.handlers.get(index).copied().flatten()) {
            handler(bytes, arg);
        }
    }
    0
}

fn on_change_saddr(packet: &[u8], _arg: usize) {
    if let Some(p) = packet::read::<AddressPacket>(packet) {
        with_state(|s| s.iop_buffer = p.buffer);
    }
}

fn on_set_sreg(packet: &[u8], _arg: usize) {
    if let Some(p) = packet::read::<SetSregPacket>(packet) {
        with_state(|s| {
            if let Some(slot) = s.software_registers.get_mut(p.index as usize) {
                *slot = p.value;
            }
        });
    }
}
