//! The SIF RPC client: bind to a server on the IOP by its id, then call its functions.
//!
//! ```no_run
//! # fn main() -> Result<(), ps2_iop::Error> {
//! let mut loadfile = ps2_iop::rpc::Client::bind(0x8000_0006)?; // retries until the server exists
//! let mut reply = [0u8; 16];
//! loadfile.call(0xFF, &[], &mut reply)?;                         // GET_VERSION
//! # Ok(())
//! # }
//! ```
//!
//! How it works (ps2sdk's `sifrpc.c` protocol): a request is a 64-byte packet taken from a table of 32, sent
//! as a SIF command; send data goes first, by DMA, into the server's receive buffer on the IOP. The IOP
//! answers with an END command after DMAing the reply into our receive buffer. The END handler (interrupt
//! context) updates the client's data, runs an optional end callback and signals the client's semaphore.
//!
//! Data buffers are handled for the caller: send data is copied into a 64-byte aligned buffer and written back
//! from the cache; the reply lands in a 64-byte aligned, whole-line buffer that nothing else shares, is
//! invalidated in the cache, then copied out. That costs a copy of small buffers, and removes every cache
//! and alignment rule from the API.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;

use critical_section::Mutex;
use ps2_sys::clock::Instant;
use ps2_sys::syscall::{self, SemaId, SifReg};

use crate::cmd::{self, Extra};
use crate::packet::{self, cid, BindPacket, CallPacket, ClientData, CmdHeader, EndPacket, RpcPacketHeader};
use crate::{timeout, Error};

/// Requests that can be in flight at once (the packet table's size).
pub const MAX_IN_FLIGHT: usize = 32;

/// How long [`Client::bind`] keeps retrying while the server is not registered yet.
pub const BIND_TIMEOUT: Duration = Duration::from_secs(5);

#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct PacketSlot([u8; 64]);

static mut PACKETS: [PacketSlot; MAX_IN_FLIGHT] = [PacketSlot([0; 64]); MAX_IN_FLIGHT];

struct Table {
    in_use: u32,
    next_rpc_id: u32,
}

static TABLE: Mutex<RefCell<Table>> = Mutex::new(RefCell::new(Table { in_use: 0, next_rpc_id: 1 }));
static INITIALIZED: AtomicBool = AtomicBool::new(false);

fn slot_address(index: usize) -> *mut u8 {
    // SAFETY: only the address is taken.
    unsafe { ptr::addr_of_mut!(PACKETS[index]).cast() }
}

/// Takes a free packet; returns its index and a fresh rpc_id.
fn allocate_packet() -> Result<(usize, u32), Error> {
    critical_section::with(|cs| {
        let mut table = TABLE.borrow_ref_mut(cs);
        let index = (!table.in_use).trailing_zeros() as usize;
        if index >= MAX_IN_FLIGHT {
            return Err(Error::PacketTableFull);
        }
        table.in_use |= 1 << index;
        let rpc_id = table.next_rpc_id;
        table.next_rpc_id = table.next_rpc_id.wrapping_add(1).max(1);
        Ok((index, rpc_id))
    })
}

fn free_packet(address: u32) {
    let base = slot_address(0) as u32;
    if address < base {
        return;
    }
    let index = ((address - base) / 64) as usize;
    if index < MAX_IN_FLIGHT {
        critical_section::with(|cs| TABLE.borrow_ref_mut(cs).in_use &= !(1 << index));
    }
}

/// Initialises SIF RPC (and SIF commands): ps2sdk's `SifInitRpc(0)` handshake. Idempotent.
pub fn init() -> Result<(), Error> {
    cmd::init()?;
    if INITIALIZED.load(Ordering::Acquire) {
        return Ok(());
    }
    cmd::set_handler((cid::RPC_END & 0x7FFF_FFFF) as usize, on_end, 0)?;
    if syscall::sif_get_reg(SifReg::Software(2)) == 0 {
        let mut packet = cmd::AlignedPacket::default();
        packet.store(&CmdHeader { opt: 1, ..CmdHeader::default() });
        cmd::send(cid::INIT_CMD, packet.bytes(16), None)?;
        timeout::wait_until("the IOP's SIF RPC layer (SET_SREG 0)", || cmd::software_register(0) != 0)?;
        syscall::sif_set_reg(SifReg::Software(2), 1);
    }
    INITIALIZED.store(true, Ordering::Release);
    Ok(())
}

/// Forgets the RPC state (after an IOP reset every binding is stale).
pub(crate) fn reset_state() {
    INITIALIZED.store(false, Ordering::Release);
    critical_section::with(|cs| TABLE.borrow_ref_mut(cs).in_use = 0);
}

/// A 64-byte aligned byte buffer made of whole cache lines.
struct LineBuffer {
    lines: Vec<Line>,
}

#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([u8; 64]);

impl LineBuffer {
    const fn new() -> LineBuffer {
        LineBuffer { lines: Vec::new() }
    }

    fn ensure(&mut self, len: usize) {
        let lines = len.div_ceil(64);
        if self.lines.len() < lines {
            self.lines.resize(lines, Line([0; 64]));
        }
    }

    fn as_ptr(&self) -> *const u8 {
        self.lines.as_ptr().cast()
    }

    fn bytes(&self, len: usize) -> &[u8] {
        // SAFETY: `ensure(len)` was called, so the lines cover `len` bytes.
        unsafe { core::slice::from_raw_parts(self.as_ptr(), len) }
    }

    fn bytes_mut(&mut self, len: usize) -> &mut [u8] {
        // SAFETY: as above.
        unsafe { core::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast(), len) }
    }
}

/// The client's EE-resident data: the IOP and the END handler know its address, so it lives in a `Box` and
/// is only touched with volatile accesses while a request is in flight.
#[repr(C, align(64))]
struct ClientCell(ClientData);

/// A client bound to one RPC server on the IOP.
pub struct Client {
    data: Box<ClientCell>,
    sid: u32,
    sema: SemaId,
    send_buffer: LineBuffer,
    recv_buffer: LineBuffer,
    recv_len: usize,
    /// A call was started and its END not yet consumed.
    call_pending: bool,
}

impl Client {
    /// Binds to server `sid`, retrying until the IOP has registered it (modules register their servers when
    /// they start, which may be after the EE asks), for at most [`BIND_TIMEOUT`].
    pub fn bind(sid: u32) -> Result<Client, Error> {
        Client::bind_with_timeout(sid, BIND_TIMEOUT)
    }

    /// [`Client::bind`] with another limit on how long to wait for the server to appear.
    pub fn bind_with_timeout(sid: u32, timeout: Duration) -> Result<Client, Error> {
        init()?;
        let sema = syscall::create_sema(0, 1)?;
        let mut client = Client {
            data: Box::new(ClientCell(ClientData { sema_id: sema.0, ..ClientData::default() })),
            sid,
            sema,
            send_buffer: LineBuffer::new(),
            recv_buffer: LineBuffer::new(),
            recv_len: 0,
            call_pending: false,
        };
        let start = Instant::now();
        let mut attempts = 0u32;
        loop {
            client.bind_once()?;
            attempts += 1;
            if client.read_data().server != 0 {
                if attempts > 1 {
                    log::debug!("RPC server {sid:#010x} bound after {attempts} attempts");
                }
                return Ok(client);
            }
            if start.elapsed() > timeout {
                if !timeout.is_zero() {
                    log::warn!("RPC server {sid:#010x} not registered after {attempts} binds in {timeout:?}");
                }
                return Err(Error::ServerNotFound { sid });
            }
            if attempts == 1 {
                log::debug!("RPC server {sid:#010x} not registered yet; retrying every millisecond");
            }
            ps2_sys::clock::spin_for(Duration::from_millis(1));
        }
    }

    fn bind_once(&mut self) -> Result<(), Error> {
        let (index, rpc_id) = allocate_packet()?;
        let address = slot_address(index);
        self.write_data(|d| {
            d.server = 0;
            d.command = cid::RPC_BIND;
            d.pkt_addr = address as u32;
            d.rpc_id = rpc_id;
        });
        let bind = BindPacket {
            rpc: RpcPacketHeader { header: CmdHeader::default(), rec_id: ((index as u32) << 16) | 0x5, pkt_addr: address as u32, rpc_id },
            client: self.data_address(),
            sid: self.sid,
        };
        let result = self.send_packet(index, packet::as_bytes(&bind), cid::RPC_BIND, None);
        if let Err(e) = result {
            free_packet(address as u32);
            self.write_data(|d| d.pkt_addr = 0);
            return Err(e);
        }
        self.wait_for_end()
    }

    /// The server id this client is bound to.
    pub fn sid(&self) -> u32 {
        self.sid
    }

    /// Calls function `fno` with `send` as its argument data and waits for the reply, which is copied into
    /// `recv` (the server writes at most `recv.len()` bytes, rounded up to 16 inside the crate's buffer).
    pub fn call(&mut self, fno: u32, send: &[u8], recv: &mut [u8]) -> Result<(), Error> {
        let pending = self.call_async(fno, send, recv.len())?;
        let reply = pending.wait()?;
        recv.copy_from_slice(&reply[..recv.len()]);
        Ok(())
    }

    /// Starts a call and returns at once; the reply is read from the returned [`PendingCall`].
    pub fn call_async(&mut self, fno: u32, send: &[u8], recv_len: usize) -> Result<PendingCall<'_>, Error> {
        self.start_call(fno, send, recv_len)?;
        Ok(PendingCall { client: self })
    }

    /// Starts a call without borrowing the client until it ends (for owners that keep the request in their own
    /// state, like a disc reader with a read in flight): poll [`Client::is_busy`], then [`Client::finish_call`].
    pub fn start_call(&mut self, fno: u32, send: &[u8], recv_len: usize) -> Result<(), Error> {
        if self.call_pending {
            // One request at a time per client: finish the previous one first.
            self.finish_call()?;
        }
        self.send_buffer.ensure(send.len().max(1));
        self.send_buffer.bytes_mut(send.len()).copy_from_slice(send);
        // Whole 16-byte quadwords arrive, so reserve them; whole lines keep neighbours out of the cache lines.
        self.recv_buffer.ensure(recv_len.next_multiple_of(16).max(16));
        self.recv_len = recv_len;
        let recv_capacity = self.recv_buffer.lines.len() * 64;
        ps2_sys::cache::writeback_invalidate_range(self.recv_buffer.as_ptr(), recv_capacity);

        let (index, rpc_id) = allocate_packet()?;
        let address = slot_address(index) as u32;
        let server = self.read_data().server;
        let buffer = self.read_data().buffer;
        self.write_data(|d| {
            d.command = cid::RPC_CALL;
            d.pkt_addr = address;
            d.rpc_id = rpc_id;
        });
        let call = CallPacket {
            rpc: RpcPacketHeader { header: CmdHeader::default(), rec_id: ((index as u32) << 16) | 0x5, pkt_addr: address, rpc_id },
            client: self.data_address(),
            rpc_number: fno,
            send_size: send.len() as u32,
            recv_buf: ps2_sys::cache::physical_address(self.recv_buffer.as_ptr()),
            recv_size: recv_len as u32,
            rmode: 1,
            server,
        };
        let extra = (!send.is_empty()).then_some(Extra { src: self.send_buffer.as_ptr(), dest: buffer, size: send.len() });
        if let Err(e) = self.send_packet(index, packet::as_bytes(&call), cid::RPC_CALL, extra) {
            free_packet(address);
            self.write_data(|d| d.pkt_addr = 0);
            return Err(e);
        }
        self.call_pending = true;
        Ok(())
    }

    /// Waits for the call started with [`Client::start_call`] and returns its reply.
    pub fn finish_call(&mut self) -> Result<&[u8], Error> {
        if !self.call_pending {
            return Err(Error::InvalidArgument("no RPC call is in flight on this client"));
        }
        self.call_pending = false;
        self.wait_for_end()?;
        let len = self.recv_len;
        // The reply arrived by DMA: drop any stale cached copy of the buffer before reading it.
        ps2_sys::cache::invalidate_range(self.recv_buffer.as_ptr(), self.recv_buffer.lines.len() * 64);
        Ok(self.recv_buffer.bytes(len))
    }

    /// Whether a request is in flight (`SifCheckStatRpc`).
    pub fn is_busy(&self) -> bool {
        self.read_data().pkt_addr != 0
    }

    fn send_packet(&mut self, index: usize, bytes: &[u8], cid: u32, extra: Option<Extra>) -> Result<(), Error> {
        // SAFETY: the slot was allocated to this request; nothing else writes it until it is freed.
        let slot = unsafe { &mut *ptr::addr_of_mut!(PACKETS[index]) };
        slot.0 = [0; 64];
        slot.0[..bytes.len()].copy_from_slice(bytes);
        cmd::send(cid, &mut slot.0[..packet::RPC_PACKET_SIZE as usize], extra).map(drop)
    }

    fn wait_for_end(&mut self) -> Result<(), Error> {
        // The END handler signals the semaphore once per request.
        syscall::wait_sema(self.sema)?;
        Ok(())
    }

    fn data_address(&self) -> u32 {
        &self.data.0 as *const ClientData as u32
    }

    fn read_data(&self) -> ClientData {
        // SAFETY: the interrupt handler writes this struct; a volatile read sees its latest values.
        unsafe { ptr::read_volatile(&self.data.0) }
    }

    fn write_data(&mut self, f: impl FnOnce(&mut ClientData)) {
        critical_section::with(|_| {
            let mut data = self.read_data();
            f(&mut data);
            // SAFETY: interrupts are off, so the END handler cannot interleave.
            unsafe { ptr::write_volatile(&mut self.data.0, data) };
        });
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // The IOP still holds our addresses while a request is in flight: let it finish first.
        if self.call_pending {
            let _ = self.finish_call();
        }
        let _ = syscall::delete_sema(self.sema);
    }
}

/// A call in flight.
pub struct PendingCall<'a> {
    client: &'a mut Client,
}

impl<'a> PendingCall<'a> {
    /// Whether the reply has arrived.
    pub fn is_done(&self) -> bool {
        !self.client.is_busy()
    }

    /// Waits for the reply and returns it.
    pub fn wait(self) -> Result<&'a [u8], Error> {
        let client: &'a mut Client = self.client;
        client.finish_call()
    }
}

/// The RPC_END handler (interrupt context): records BIND results, runs end callbacks, wakes the waiter.
fn on_end(bytes: &[u8], _arg: usize) {
    let Some(end) = packet::read::<EndPacket>(bytes) else { return };
    if end.client == 0 {
        return;
    }
    let data = end.client as usize as *mut ClientData;
    // SAFETY: `client` is the address of a live `ClientCell` we sent; interrupts are off in the handler.
    let mut client = unsafe { ptr::read_volatile(data) };
    if end.answered_cid == cid::RPC_BIND {
        client.server = end.server;
        client.buffer = end.buffer;
        client.cbuffer = end.cbuffer;
    }
    if end.answered_cid == cid::RPC_CALL && client.end_function != 0 {
        // SAFETY: end_function was stored from a `fn(u32)` by the client owner.
        let callback: fn(u32) = unsafe { core::mem::transmute(client.end_function as usize) };
        callback(client.end_param);
    }
    free_packet(client.pkt_addr);
    client.pkt_addr = 0;
    // SAFETY: as above.
    unsafe { ptr::write_volatile(data, client) };
    if client.sema_id >= 0 {
        let _ = syscall::isignal_sema(SemaId(client.sema_id));
    }
}
