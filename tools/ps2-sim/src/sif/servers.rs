//! HLE RPC servers of the IOP: LOADFILE (module loading) and the IOP heap service.
//!
//! Module "loading" records the module and succeeds for the IOP ROM's resident modules
//! (`rom0:…`) and for buffers holding an ELF/IRX image; no IOP code runs. Other paths fail with
//! the IOP's "file not found" code (-203), as a missing module does on the console.
//! CDVDFSV's servers live in [`super::cdvd`], PADMAN's in [`super::pad`].

use super::{cdvd, pad};

/// A server the HLE IOP registers at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerInfo {
    /// RPC server id.
    pub sid: u32,
    /// IOP address of its server data (what BIND returns as `sd`; never 0).
    pub sd: u32,
    /// IOP address of its receive buffer (where CALL send-data is DMA'd).
    pub buffer: u32,
    /// Size of that buffer.
    pub buffer_size: usize,
}

/// LOADFILE's server id.
pub const LOADFILE_SID: u32 = 0x8000_0006;
/// The IOP heap service's server id (FILEIO module).
pub const HEAP_SID: u32 = 0x8000_0003;

const fn server(sid: u32, index: u32) -> ServerInfo {
    let buffer = 0x0002_0000 + 0x1000 * index;
    ServerInfo { sid, sd: buffer + 0x800, buffer, buffer_size: 0x800 }
}

const SERVERS: [ServerInfo; 12] = [
    server(LOADFILE_SID, 0),
    server(HEAP_SID, 1),
    server(cdvd::SID_INIT, 2),
    server(cdvd::SID_SCMD, 3),
    server(cdvd::SID_NCMD, 4),
    server(cdvd::SID_SEARCH, 5),
    server(cdvd::SID_DISK_READY, 6),
    server(cdvd::SID_DISK_READY2, 7),
    server(pad::SID_NEW, 8),
    server(pad::SID_NEW_EXT, 9),
    server(pad::SID_OLD, 10),
    server(pad::SID_OLD_EXT, 11),
];

/// Whether `sid` is one of PADMAN's servers.
pub fn is_pad(sid: u32) -> bool {
    matches!(sid, pad::SID_NEW | pad::SID_NEW_EXT | pad::SID_OLD | pad::SID_OLD_EXT)
}

/// What a server call produces.
#[derive(Debug, Clone, Default)]
pub struct CallResult {
    /// Bytes for the caller's receive buffer.
    pub reply: Vec<u8>,
    /// Simulated cycles before the reply (and `ee_writes`) arrive; 0 = at once.
    pub delay: u64,
    /// Other data the IOP DMAs to the EE (physical address, bytes), before the reply.
    pub ee_writes: Vec<(u32, Vec<u8>)>,
}

impl CallResult {
    /// An immediate reply and nothing else.
    pub fn reply(reply: Vec<u8>) -> Self {
        CallResult { reply, ..CallResult::default() }
    }
}

/// Whether `sid` is one of CDVDFSV's servers.
pub fn is_cdvd(sid: u32) -> bool {
    matches!(
        sid,
        cdvd::SID_INIT
            | cdvd::SID_SCMD
            | cdvd::SID_NCMD
            | cdvd::SID_SEARCH
            | cdvd::SID_DISK_READY
            | cdvd::SID_DISK_READY2
    )
}

/// CDVDFSV's answers when the drive is empty: disc type 0, "not ready", nothing found or read.
pub fn no_disc(sid: u32, fno: u32) -> CallResult {
    let value = match (sid, fno) {
        (cdvd::SID_INIT, _) => 1,
        (cdvd::SID_DISK_READY | cdvd::SID_DISK_READY2, _) | (cdvd::SID_NCMD, 14) => 6,
        (cdvd::SID_SCMD, 4) => 0x12, // GetError: no disc
        _ => 0,
    };
    CallResult::reply(words(&[value]))
}

/// IOP error: file not found (KE_NOFILE).
pub const KE_NOFILE: i32 = -203;
/// IOP error: not a loadable object (KE_ILLEGAL_OBJECT).
pub const KE_ILLEGAL_OBJECT: i32 = -201;
/// IOP error: unknown function.
pub const KE_ERROR: i32 = -1;

/// Modules resident in the IOP boot ROM that programs load by `rom0:` name.
const ROM_MODULES: &[&str] = &[
    "SIO2MAN", "PADMAN", "XSIO2MAN", "XPADMAN", "MCMAN", "MCSERV", "XMCMAN", "XMCSERV",
    "MTAPMAN", "XMTAPMAN", "CDVDMAN", "CDVDFSV", "LIBSD", "SIFCMD", "SIFMAN", "FILEIO",
    "IOMAN", "LOADFILE", "MODLOAD", "EESYNC", "SECRMAN", "ADDDRV",
];

/// Start and end of the IOP heap handed out by the heap service.
const HEAP: (u32, u32) = (0x0010_0000, 0x001F_0000);

/// The server with this id.
pub fn lookup(sid: u32) -> Option<&'static ServerInfo> {
    SERVERS.iter().find(|s| s.sid == sid)
}

/// The server whose `sd` a CALL names.
pub fn by_sd(sd: u32) -> Option<&'static ServerInfo> {
    SERVERS.iter().find(|s| s.sd == sd && sd != 0)
}

/// Mutable state behind the servers.
#[derive(Debug, Default)]
pub struct Servers {
    /// Names of the modules loaded, in order; a module's id is its index + 1.
    pub modules: Vec<String>,
    heap_next: u32,
}

fn words(values: &[i32]) -> Vec<u8> {
    let mut out: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    out.resize(16, 0);
    out
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl Servers {
    /// Runs function `fno` of server `sid` with the request bytes; returns the reply bytes.
    pub fn call(&mut self, sid: u32, fno: u32, args: &[u8], iop_ram: &mut [u8]) -> CallResult {
        CallResult::reply(self.call_bytes(sid, fno, args, iop_ram))
    }

    fn call_bytes(&mut self, sid: u32, fno: u32, args: &[u8], iop_ram: &mut [u8]) -> Vec<u8> {
        let arg_word = |i: usize| args.get(4 * i..4 * i + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()));
        match (sid, fno) {
            (LOADFILE_SID, 0) => {
                let path = c_string(args.get(8..8 + 252).unwrap_or(&[]));
                words(&self.load_rom_module(&path))
            }
            (LOADFILE_SID, 6) => {
                let at = (arg_word(0) & 0x001F_FFFF) as usize;
                let is_elf = iop_ram.get(at..at + 4) == Some(b"\x7fELF");
                if is_elf {
                    self.modules.push(format!("buffer@{at:#x}"));
                    words(&[self.modules.len() as i32, 0])
                } else {
                    words(&[KE_ILLEGAL_OBJECT, 0])
                }
            }
            // GET_VERSION: four ASCII digits, as the ROM's LOADFILE of a 2000-era console.
            (LOADFILE_SID, 0xFF) => b"2000".iter().copied().chain([0; 12]).collect(),
            (HEAP_SID, 1) => {
                let size = arg_word(0).next_multiple_of(256);
                let start = self.heap_next.max(HEAP.0);
                let address = match start.checked_add(size) {
                    Some(end) if end <= HEAP.1 => {
                        self.heap_next = end;
                        start
                    }
                    _ => 0,
                };
                words(&[address as i32])
            }
            (HEAP_SID, 2) => words(&[0]),
            _ => words(&[KE_ERROR]),
        }
    }

    /// `[id, start result]` for a `rom0:` module, or `[KE_NOFILE, 0]`.
    fn load_rom_module(&mut self, path: &str) -> [i32; 2] {
        let name = path.strip_prefix("rom0:").map(|n| n.trim_end_matches(";1").to_ascii_uppercase());
        match name {
            Some(n) if ROM_MODULES.contains(&n.as_str()) => {
                self.modules.push(n);
                [self.modules.len() as i32, 0]
            }
            _ => [KE_NOFILE, 0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_request(path: &str) -> Vec<u8> {
        let mut r = vec![0u8; 512];
        r[8..8 + path.len()].copy_from_slice(path.as_bytes());
        r
    }

    impl Servers {
        fn callr(&mut self, sid: u32, fno: u32, args: &[u8], ram: &mut [u8]) -> Vec<u8> {
            self.call(sid, fno, args, ram).reply
        }
    }

    fn first_word(reply: &[u8]) -> i32 {
        i32::from_le_bytes(reply[0..4].try_into().unwrap())
    }

    #[test]
    fn rom_modules_get_distinct_ids_and_missing_ones_fail() {
        let mut s = Servers::default();
        let mut ram = vec![0u8; 0x20_0000];
        let a = first_word(&s.callr(LOADFILE_SID, 0, &load_request("rom0:SIO2MAN"), &mut ram));
        let b = first_word(&s.callr(LOADFILE_SID, 0, &load_request("rom0:PADMAN"), &mut ram));
        assert!(a > 0 && b > 0 && a != b);
        let c = first_word(&s.callr(LOADFILE_SID, 0, &load_request("rom0:NOSUCH"), &mut ram));
        assert_eq!(c, KE_NOFILE);
        assert_eq!(&s.callr(LOADFILE_SID, 0xFF, &[], &mut ram)[..4], b"2000");
    }

    #[test]
    fn buffer_load_needs_an_elf_and_heap_hands_out_blocks() {
        let mut s = Servers::default();
        let mut ram = vec![0u8; 0x20_0000];
        let block = first_word(&s.callr(HEAP_SID, 1, &100u32.to_le_bytes(), &mut ram)) as u32;
        assert_eq!(block, HEAP.0);
        let next = first_word(&s.callr(HEAP_SID, 1, &100u32.to_le_bytes(), &mut ram)) as u32;
        assert_eq!(next, HEAP.0 + 256);
        let args = block.to_le_bytes();
        assert_eq!(first_word(&s.callr(LOADFILE_SID, 6, &args, &mut ram)), KE_ILLEGAL_OBJECT);
        ram[block as usize..block as usize + 4].copy_from_slice(b"\x7fELF");
        assert!(first_word(&s.callr(LOADFILE_SID, 6, &args, &mut ram)) > 0);
        assert_eq!(first_word(&s.callr(HEAP_SID, 1, &0x0100_0000u32.to_le_bytes(), &mut ram)), 0);
    }
}
