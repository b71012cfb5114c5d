use super::*;

/// 4 MiB of EE RAM is plenty for the tests.
struct Ram(Vec<u8>);

impl EeMemory for Ram {
    fn read_bytes(&mut self, addr: u32, out: &mut [u8]) -> bool {
        let a = addr as usize;
        match self.0.get(a..a + out.len()) {
            Some(src) => {
                out.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
    fn write_bytes(&mut self, addr: u32, data: &[u8]) -> bool {
        let a = addr as usize;
        match self.0.get_mut(a..a + data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                true
            }
            None => false,
        }
    }
}

const RECEIVE: u32 = 0x1000; // EE receive buffer
const PACKET: u32 = 0x2000; // where the EE builds packets
const SEND: u32 = 0x3000; // send data
const RECV: u32 = 0x4000; // reply data
const CLIENT: u32 = 0x5000;

struct Ee {
    ram: Ram,
    iop: Iop,
    now: u64,
}

impl Ee {
    fn new(disc: Option<Disc>) -> Ee {
        let mut ee = Ee { ram: Ram(vec![0; 4 << 20]), iop: Iop::new(disc), now: 0 };
        ee.iop.sif_set_dchain();
        ee
    }

    fn words(&mut self, addr: u32, words: &[u32]) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.ram.write_bytes(addr, &bytes);
    }

    fn read_word(&mut self, addr: u32) -> u32 {
        let mut b = [0u8; 4];
        self.ram.read_bytes(addr, &mut b);
        u32::from_le_bytes(b)
    }

    /// Sends a command packet (words after the 16-byte header), with optional extra data first.
    fn send(&mut self, cid: u32, opt: u32, body: &[u32], extra: Option<(u32, u32)>) {
        let size = 16 + 4 * body.len() as u32;
        let mut words = vec![size, 0, cid, opt];
        words.extend_from_slice(body);
        self.words(PACKET, &words);
        let mut transfers = Vec::new();
        if let Some((dest, len)) = extra {
            transfers.push((SEND, dest, len, 0));
        }
        transfers.push((PACKET, COMMAND_BUFFER, size, 0x44));
        self.iop.sif_set_dma(&mut self.ram, &transfers, self.now);
    }

    /// Waits (in simulated time) for the next packet; returns its words.
    fn receive(&mut self) -> Vec<u32> {
        let due = self.iop.next_due().expect("a reply is queued");
        self.now = self.now.max(due);
        assert!(self.iop.poll(&mut self.ram, self.now), "delivered");
        let words: Vec<u32> = (0..16).map(|i| self.read_word(RECEIVE + 4 * i)).collect();
        // Consume it and re-arm, as the EE's interrupt handler does.
        self.words(RECEIVE, &[0]);
        self.iop.sif_set_dchain();
        words
    }

    fn handshake(&mut self) {
        self.send(cid::INIT_CMD, 0, &[RECEIVE], None);
        self.send(cid::INIT_CMD, 1, &[], None);
        let sreg = self.receive();
        assert_eq!((sreg[2], sreg[4], sreg[5]), (cid::SET_SREG, 0, 1));
    }

    /// Binds; returns (server, buffer).
    fn bind(&mut self, sid: u32) -> (u32, u32) {
        self.send(cid::RPC_BIND, 0, &[0x5, PACKET, 7, CLIENT, sid], None);
        let end = self.receive();
        assert_eq!((end[2], end[7], end[8]), (cid::RPC_END, CLIENT, cid::RPC_BIND));
        (end[9], end[10])
    }

    /// Calls; returns the END packet's words. Send data must already be at SEND.
    fn call(&mut self, server: (u32, u32), fno: u32, send_len: u32, recv_len: u32) -> Vec<u32> {
        let extra = (send_len > 0).then_some((server.1, send_len));
        self.send(cid::RPC_CALL, 0, &[0x5, PACKET, 8, CLIENT, fno, send_len, RECV, recv_len, 1, server.0], extra);
        let end = self.receive();
        assert_eq!((end[2], end[8]), (cid::RPC_END, cid::RPC_CALL));
        end
    }
}

#[test]
fn registers_look_like_a_booted_iop() {
    let iop = Iop::new(None);
    assert_eq!(iop.get_reg(4) & (CMDINIT | BOOTEND), CMDINIT | BOOTEND);
    assert_eq!(iop.get_reg(2), COMMAND_BUFFER);
    assert_eq!(iop.get_reg(0x8000_0000), 0, "no earlier EE program: the full handshake runs");
}

#[test]
fn software_registers_and_flag_acknowledgement() {
    let mut iop = Iop::new(None);
    iop.set_reg(0x8000_0002, 1);
    assert_eq!(iop.get_reg(0x8000_0002), 1);
    iop.set_reg(4, BOOTEND);
    assert_eq!(iop.get_reg(4) & BOOTEND, 0, "writing SMFLG clears the bits");
}

#[test]
fn rpc_handshake_bind_and_call() {
    let mut ee = Ee::new(None);
    ee.handshake();
    let loadfile = ee.bind(0x8000_0006);
    assert_ne!(loadfile.0, 0, "LOADFILE is resident");
    ee.call(loadfile, 0xFF, 0, 16);
    assert_eq!(ee.read_word(RECV).to_le_bytes(), *b"3100");
}

#[test]
fn unknown_servers_bind_to_nothing() {
    let mut ee = Ee::new(None);
    ee.handshake();
    assert_eq!(ee.bind(0x8000_0BAD).0, 0);
}

fn load_module(ee: &mut Ee, server: (u32, u32), path: &str) -> i32 {
    let mut request = vec![0u8; 512];
    request[8..8 + path.len()].copy_from_slice(path.as_bytes());
    ee.ram.write_bytes(SEND, &request);
    ee.call(server, 0, 512, 16);
    ee.read_word(RECV) as i32
}

#[test]
fn rom_modules_load_and_unknown_ones_are_missing() {
    let mut ee = Ee::new(None);
    ee.handshake();
    let loadfile = ee.bind(0x8000_0006);
    assert!(load_module(&mut ee, loadfile, "rom0:SIO2MAN") > 0);
    assert!(load_module(&mut ee, loadfile, "rom0:PADMAN") > 0);
    assert_eq!(load_module(&mut ee, loadfile, "rom0:NOSUCHMOD"), -203);
    assert!(ee.iop.modules().iter().any(|m| m == "PADMAN"));
}

#[test]
fn replies_wait_for_the_ee_to_rearm_sif0() {
    let mut ee = Ee::new(None);
    ee.send(cid::INIT_CMD, 0, &[RECEIVE], None);
    ee.send(cid::INIT_CMD, 1, &[], None);
    ee.iop.sif_stop_dma();
    assert!(!ee.iop.poll(&mut ee.ram, 0), "not armed: held in the FIFO");
    ee.iop.sif_set_dchain();
    assert!(ee.iop.poll(&mut ee.ram, 0));
    assert!(!ee.iop.poll(&mut ee.ram, 0), "one packet per arming");
}

#[test]
fn reset_packet_reboots() {
    let mut ee = Ee::new(None);
    ee.handshake();
    let mut packet = vec![0x68u32, 0, cid::RESET, 0, 0, 0];
    packet.resize(0x68 / 4, 0);
    ee.words(PACKET, &packet);
    ee.iop.sif_set_dma(&mut ee.ram, &[(PACKET, 0, 0x68, 0x44)], 0);
    assert_eq!(ee.iop.reboots(), 1);
    assert!(ee.iop.get_reg(4) & BOOTEND != 0);
}

fn disc_with(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, Disc) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.iso");
    let mut builder = ps2_iso::DiscBuilder::new().boot_elf("MAIN.ELF", ps2_iso::FileSource::Bytes(vec![0x7F; 100]));
    for (name, data) in files {
        builder = builder.file(name, ps2_iso::FileSource::Bytes(data.clone()));
    }
    builder.write_to(&path).unwrap();
    let disc = Disc::open(&path).unwrap();
    (dir, disc)
}

#[test]
fn cd_search_and_timed_read() {
    let content: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (_dir, disc) = disc_with(&[("DATA/BLOB.BIN", content.clone())]);
    let mut ee = Ee::new(Some(disc));
    ee.handshake();

    let search = ee.bind(0x8000_0597);
    let mut request = vec![0u8; 0x124];
    let path = b"\\DATA\\BLOB.BIN;1";
    request[0x20..0x20 + path.len()].copy_from_slice(path);
    request[0x120..0x124].copy_from_slice(&0x6000u32.to_le_bytes());
    ee.ram.write_bytes(SEND, &request);
    ee.call(search, 0, 0x124, 4);
    assert_eq!(ee.read_word(RECV), 1, "found");
    let (lsn, size) = (ee.read_word(0x6000), ee.read_word(0x6004));
    assert_eq!(size, 10_000);

    let ncmd = ee.bind(0x8000_0595);
    let sectors = size.div_ceil(2048);
    ee.words(SEND, &[lsn, sectors, 0x10_0000, 0x0001_0000, 0, 0x7000]);
    let before = ee.now;
    ee.call(ncmd, 1, 24, 4);
    let elapsed = ee.now - before;
    let mut read = vec![0u8; 10_000];
    ee.ram.read_bytes(0x10_0000, &mut read);
    assert_eq!(read, content, "sectors byte-for-byte");
    assert_eq!(ee.read_word(0x7000), sectors * 2048, "read position");
    // 5 sectors at the inner edge of a 24x CD (~1.4 MB/s) plus a seek: milliseconds, not zero.
    assert!(elapsed > 294_912, "read took {elapsed} cycles");
    let stats = ee.iop.disc().unwrap().stats();
    assert_eq!((stats.sectors, stats.reads), (u64::from(sectors), 1));
}

#[test]
fn cd_errors_are_reported_through_get_error() {
    let (_dir, disc) = disc_with(&[]);
    let mut ee = Ee::new(Some(disc));
    ee.handshake();
    let ncmd = ee.bind(0x8000_0595);
    ee.words(SEND, &[1_000_000, 1, 0x10_0000, 0, 0, 0]);
    ee.call(ncmd, 1, 24, 4);
    assert_eq!(ee.read_word(RECV), 0, "nothing read");
    let scmd = ee.bind(0x8000_0593);
    ee.call(scmd, 4, 0, 4);
    assert_eq!(ee.read_word(RECV), 0x20, "illegal LSN");
    ee.call(scmd, 3, 0, 4);
    assert_eq!(ee.read_word(RECV), 0x12, "PS2 CD");
}

#[test]
fn no_disc_means_not_ready() {
    let mut ee = Ee::new(None);
    ee.handshake();
    let ready = ee.bind(0x8000_059A);
    ee.call(ready, 0, 4, 4);
    assert_eq!(ee.read_word(RECV), 6);
}
