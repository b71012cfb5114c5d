//! The IOP's module set and RPC server registry, and the HLE servers LOADFILE and the IOP heap.
//!
//! The IOP boots the way a retail BIOS boots it: the modules of the boot ROM's `IOPBTCONF` are
//! resident and their RPC servers registered; nothing else is. A module's servers appear only when
//! the program loads it through LOADFILE, a little after the load returns (a module's `_start`
//! starts the thread that registers them), and an IOP reboot goes back to the boot set.
//!
//! | When | Modules | RPC servers (sid) |
//! |---|---|---|
//! | boot (`IOPBTCONF`) | SYSMEM LOADCORE EXCEPMAN INTRMANP INTRMANI SSBUSC DMACMAN TIMEMANP TIMEMANI SYSCLIB HEAPLIB EECONF THREADMAN VBLANK IOMAN MODLOAD ROMDRV STDIO SIFMAN IGREETING SIFCMD REBOOT LOADFILE CDVDMAN CDVDFSV SIFINIT FILEIO SECRMAN EESYNC | FILEIO `0x80000001` (file I/O), `0x80000003` (IOP heap); LOADFILE `0x80000006`; CDVDFSV `0x80000592` `…593` `…595` `…597` `…59A` `…59C` |
//! | `rom0:SIO2MAN` / `rom0:XSIO2MAN` | SIO2 driver (library only) | none |
//! | `rom0:PADMAN` (needs a SIO2MAN) | pad driver, old protocol | `0x8000010F`, `0x8000011F` |
//! | `rom0:XPADMAN` (needs XSIO2MAN) | pad driver, new protocol (also answers the old sids) | `0x80000100`, `0x80000101`, `0x8000010F`, `0x8000011F` |
//! | `rom0:MCMAN` (needs SIO2MAN) + `rom0:MCSERV`, or `rom0:XMCMAN` (needs XSIO2MAN) + `rom0:XMCSERV` | memory card server ([`mcserv`]; both numberings) | `0x80000400` |
//! | other `rom0:` modules (`LIBSD`, …) | recorded only, no HLE | none |
//!
//! Sources: the boot list is the `IOPBTCONF` of an SCPH-50000 ROM (ps2-iop.md §4.2, which says that
//! after a reset SIO2MAN, PADMAN/XPADMAN, MCMAN/MCSERV and LIBSD are not resident); the boot servers
//! and their modules are PS2TEK `SIF/RPC_System_services` and ps2-iop.md §0.2 (ps2sdk
//! `iop/fs/fileio`, `iop/system/loadfile`, `iop/cdvd/cdvdfsv/src/cdvdfsv.c`); the pad servers are
//! ps2sdk `iop/input/padman/src/rpcserver.c` (`PAD_BIND_RPC_ID1/2` registered only when built as
//! XPADMAN, `PAD_BIND_OLD_RPC_ID1/2` always); XPADMAN's dependency on XSIO2MAN is ps2sdk
//! `padMiscFuncs.c` (`sio2_mtap_get_slot_max` from `xsio2man.h`) and ps2-iop.md §4.2.
//!
//! A module whose library is already resident (the same module, or the other one of an X/non-X
//! pair) loads but does not stay: its `_start` returns `MODULE_NO_RESIDENT_END` (1) when
//! `RegisterLibraryEntries` fails (ps2sdk `padman/src/freepad.c`). A pad module loaded without its
//! SIO2MAN fails to link (`KE_LINKERR`, -200). Paths that are not a known `rom0:` module fail with
//! `KE_NOFILE` (-203); buffers holding an ELF/IRX are recorded as loaded (no IOP code runs).

use super::{cdvd, mcserv, pad};

/// A server the HLE IOP can register, at fixed IOP addresses.
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

/// FILEIO's file-I/O server id.
pub const FILEIO_SID: u32 = 0x8000_0001;
/// The IOP heap service's server id (FILEIO module).
pub const HEAP_SID: u32 = 0x8000_0003;
/// LOADFILE's server id.
pub const LOADFILE_SID: u32 = 0x8000_0006;

const fn server(sid: u32, index: u32) -> ServerInfo {
    let buffer = 0x0002_0000 + 0x1000 * index;
    ServerInfo { sid, sd: buffer + 0x800, buffer, buffer_size: 0x800 }
}

/// Every server the HLE knows, registered or not.
const SERVERS: [ServerInfo; 14] = [
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
    server(FILEIO_SID, 12),
    server(mcserv::SID, 13),
];

/// The servers registered when the IOP has booted (see the module docs).
pub const BOOT_SERVERS: [u32; 9] = [
    FILEIO_SID,
    HEAP_SID,
    LOADFILE_SID,
    cdvd::SID_INIT,
    cdvd::SID_SCMD,
    cdvd::SID_NCMD,
    cdvd::SID_SEARCH,
    cdvd::SID_DISK_READY,
    cdvd::SID_DISK_READY2,
];

/// The modules of the boot ROM's `IOPBTCONF` (SCPH-50000; ps2-iop.md §4.2), resident after every boot.
pub const BOOT_MODULES: [&str; 29] = [
    "SYSMEM", "LOADCORE", "EXCEPMAN", "INTRMANP", "INTRMANI", "SSBUSC", "DMACMAN", "TIMEMANP", "TIMEMANI",
    "SYSCLIB", "HEAPLIB", "EECONF", "THREADMAN", "VBLANK", "IOMAN", "MODLOAD", "ROMDRV", "STDIO", "SIFMAN",
    "IGREETING", "SIFCMD", "REBOOT", "LOADFILE", "CDVDMAN", "CDVDFSV", "SIFINIT", "FILEIO", "SECRMAN",
    "EESYNC",
];

/// Simulated time between a module's load reply and its RPC servers answering binds (0.5 ms). The
/// module's `_start` only starts its RPC threads; they register once they run, after the loading
/// thread. The real delay is not pinned down by the references; clients must retry binds either way.
pub const SERVER_START_CYCLES: u64 = 147_456;

/// Which pad module is resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadModule {
    /// `rom0:PADMAN`: the old protocol only.
    Padman,
    /// `rom0:XPADMAN`: the new protocol, and old command codes on the old sids.
    Xpadman,
}

/// A `rom0:` module a program can load.
struct RomModule {
    name: &'static str,
    /// Modules sharing a library name cannot both be resident.
    library: &'static str,
    /// One of these must be resident first (empty: no requirement).
    needs_one_of: &'static [&'static str],
    /// RPC servers its `_start` registers.
    servers: &'static [u32],
}

const fn rom(name: &'static str, library: &'static str) -> RomModule {
    RomModule { name, library, needs_one_of: &[], servers: &[] }
}

/// Modules resident in the IOP boot ROM that programs load by `rom0:` name.
const ROM_MODULES: &[RomModule] = &[
    rom("SIO2MAN", "sio2man"),
    rom("XSIO2MAN", "sio2man"),
    RomModule {
        name: "PADMAN",
        library: "padman",
        needs_one_of: &["SIO2MAN", "XSIO2MAN"],
        servers: &[pad::SID_OLD, pad::SID_OLD_EXT],
    },
    RomModule {
        name: "XPADMAN",
        library: "padman",
        needs_one_of: &["XSIO2MAN"],
        servers: &[pad::SID_NEW, pad::SID_NEW_EXT, pad::SID_OLD, pad::SID_OLD_EXT],
    },
    RomModule { name: "MCMAN", library: "mcman", needs_one_of: &["SIO2MAN"], servers: &[] },
    RomModule { name: "XMCMAN", library: "mcman", needs_one_of: &["XSIO2MAN"], servers: &[] },
    RomModule { name: "MCSERV", library: "mcserv", needs_one_of: &["MCMAN"], servers: &[mcserv::SID] },
    RomModule { name: "XMCSERV", library: "mcserv", needs_one_of: &["XMCMAN"], servers: &[mcserv::SID] },
    rom("MTAPMAN", "mtapman"),
    rom("XMTAPMAN", "mtapman"),
    rom("LIBSD", "libsd"),
    rom("ADDDRV", "adddrv"),
    // Boot modules: loading one again does not make it resident twice.
    rom("CDVDMAN", "cdvdman"),
    rom("CDVDFSV", "cdvdfsv"),
    rom("SIFCMD", "sifcmd"),
    rom("SIFMAN", "sifman"),
    rom("FILEIO", "fileio"),
    rom("IOMAN", "ioman"),
    rom("LOADFILE", "loadfile"),
    rom("MODLOAD", "modload"),
    rom("EESYNC", "eesync"),
    rom("SECRMAN", "secrman"),
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
/// IOP error: a library the module imports is not resident (KE_LINKERR).
pub const KE_LINKERR: i32 = -200;
/// A module's `_start` result: it did not stay resident (MODULE_NO_RESIDENT_END).
pub const MODULE_NO_RESIDENT_END: i32 = 1;
/// What FILEIO answers every request with here: `-ENODEV` (no such device), as no device is modelled.
pub const FILEIO_NO_DEVICE: i32 = -19;
/// IOP error: not a loadable object (KE_ILLEGAL_OBJECT).
pub const KE_ILLEGAL_OBJECT: i32 = -201;
/// IOP error: unknown function.
pub const KE_ERROR: i32 = -1;

/// Start and end of the IOP heap handed out by the heap service.
const HEAP: (u32, u32) = (0x0010_0000, 0x001F_0000);

/// The server with this id (registered or not: see [`Servers::registered`]).
pub fn lookup(sid: u32) -> Option<&'static ServerInfo> {
    SERVERS.iter().find(|s| s.sid == sid)
}

/// The server whose `sd` a CALL names (registered or not).
pub fn by_sd(sd: u32) -> Option<&'static ServerInfo> {
    SERVERS.iter().find(|s| s.sd == sd && sd != 0)
}

/// The IOP's modules and registered servers, and the heap service's state.
#[derive(Debug)]
pub struct Servers {
    /// Names of the modules the program loaded, in order (resident or not); the first one's id
    /// follows the boot modules'.
    pub modules: Vec<String>,
    /// Modules loaded by the program that stayed resident.
    resident: Vec<&'static RomModule>,
    /// Registered servers and the cycle from which they answer binds.
    registered: Vec<(u32, u64)>,
    heap_next: u32,
}

impl Default for Servers {
    /// A freshly booted IOP: the boot modules and their servers.
    fn default() -> Self {
        Servers {
            modules: Vec::new(),
            resident: Vec::new(),
            registered: BOOT_SERVERS.iter().map(|&sid| (sid, 0)).collect(),
            heap_next: 0,
        }
    }
}

impl std::fmt::Debug for RomModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
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
    /// The registered server with this id, if it answers binds at cycle `now`.
    pub fn registered(&self, sid: u32, now: u64) -> Option<&'static ServerInfo> {
        self.registered.iter().any(|&(s, from)| s == sid && from <= now).then(|| lookup(sid)).flatten()
    }

    /// The registered server whose `sd` a CALL names.
    pub fn registered_by_sd(&self, sd: u32, now: u64) -> Option<&'static ServerInfo> {
        by_sd(sd).filter(|s| self.registered(s.sid, now).is_some())
    }

    /// The resident pad module, if any.
    pub fn pad_module(&self) -> Option<PadModule> {
        self.resident.iter().find_map(|m| match m.name {
            "PADMAN" => Some(PadModule::Padman),
            "XPADMAN" => Some(PadModule::Xpadman),
            _ => None,
        })
    }

    /// Whether a module of this name is resident (boot or loaded).
    pub fn is_resident(&self, name: &str) -> bool {
        BOOT_MODULES.contains(&name) || self.resident.iter().any(|m| m.name == name)
    }

    /// Runs function `fno` of server `sid` with the request bytes at cycle `now`; returns the reply.
    pub fn call(&mut self, sid: u32, fno: u32, args: &[u8], iop_ram: &mut [u8], now: u64) -> CallResult {
        CallResult::reply(self.call_bytes(sid, fno, args, iop_ram, now))
    }

    fn call_bytes(&mut self, sid: u32, fno: u32, args: &[u8], iop_ram: &mut [u8], now: u64) -> Vec<u8> {
        let arg_word = |i: usize| super::protocol::arg_word(args, i);
        match (sid, fno) {
            (LOADFILE_SID, 0) => {
                let path = c_string(args.get(8..8 + 252).unwrap_or(&[]));
                words(&self.load_rom_module(&path, now))
            }
            (LOADFILE_SID, 6) => {
                let at = (arg_word(0) & 0x001F_FFFF) as usize;
                let is_elf = iop_ram.get(at..at + 4) == Some(b"\x7fELF");
                if is_elf {
                    self.modules.push(format!("buffer@{at:#x}"));
                    words(&[self.next_id(), 0])
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
            // No FILEIO device (host:, mc0:, cdrom0: through fio) is modelled.
            (FILEIO_SID, _) => words(&[FILEIO_NO_DEVICE]),
            _ => words(&[KE_ERROR]),
        }
    }

    /// The id of the module just pushed onto `modules` (boot modules have the ids below).
    fn next_id(&self) -> i32 {
        (BOOT_MODULES.len() + self.modules.len()) as i32
    }

    /// `[id, start result]` for a `rom0:` module, or `[error, 0]`; a module that stays resident
    /// registers its servers, which answer from `now + SERVER_START_CYCLES`.
    fn load_rom_module(&mut self, path: &str, now: u64) -> [i32; 2] {
        let name = path.strip_prefix("rom0:").map(|n| n.trim_end_matches(";1").to_ascii_uppercase());
        let Some(module) = name.and_then(|n| ROM_MODULES.iter().find(|m| m.name == n)) else {
            return [KE_NOFILE, 0];
        };
        if !module.needs_one_of.is_empty() && !module.needs_one_of.iter().any(|n| self.is_resident(n)) {
            return [KE_LINKERR, 0];
        }
        self.modules.push(module.name.to_string());
        let id = self.next_id();
        let library_taken = BOOT_MODULES.contains(&module.name)
            || self.resident.iter().any(|m| m.library == module.library);
        if library_taken {
            return [id, MODULE_NO_RESIDENT_END];
        }
        self.resident.push(module);
        for &sid in module.servers {
            if !self.registered.iter().any(|&(s, _)| s == sid) {
                self.registered.push((sid, now + SERVER_START_CYCLES));
            }
        }
        [id, 0]
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
            self.call(sid, fno, args, ram, 0).reply
        }

        /// LOADFILE MOD_LOAD at cycle `now`: `(id or error, start result)`.
        fn load(&mut self, path: &str, now: u64) -> (i32, i32) {
            let reply = self.call(LOADFILE_SID, 0, &load_request(path), &mut [], now).reply;
            (first_word(&reply), i32::from_le_bytes(reply[4..8].try_into().unwrap()))
        }
    }

    fn first_word(reply: &[u8]) -> i32 {
        i32::from_le_bytes(reply[0..4].try_into().unwrap())
    }

    const PAD_SIDS: [u32; 4] = [pad::SID_NEW, pad::SID_NEW_EXT, pad::SID_OLD, pad::SID_OLD_EXT];

    #[test]
    fn boot_registers_fileio_loadfile_and_cdvdfsv_only() {
        let s = Servers::default();
        for sid in [0x8000_0001, 0x8000_0003, 0x8000_0006, 0x8000_0592, 0x8000_0593, 0x8000_0595, 0x8000_0597, 0x8000_059A] {
            assert!(s.registered(sid, 0).is_some(), "{sid:#x} is a boot server");
        }
        for sid in PAD_SIDS {
            assert!(s.registered(sid, u64::MAX).is_none(), "{sid:#x} needs a pad module");
        }
        assert!(s.registered(0x8000_0400, u64::MAX).is_none(), "MCSERV is not resident at boot");
        assert!(s.is_resident("CDVDFSV") && s.is_resident("EESYNC") && !s.is_resident("PADMAN"));
        assert_eq!(s.pad_module(), None);
    }

    #[test]
    fn rom_padman_registers_the_old_protocol_servers_after_it_starts() {
        let mut s = Servers::default();
        assert_eq!(s.load("rom0:PADMAN", 0).0, KE_LINKERR, "PADMAN imports SIO2MAN");
        let (sio2man, start) = s.load("rom0:SIO2MAN", 0);
        assert!(sio2man > BOOT_MODULES.len() as i32 && start == 0);
        let (padman, start) = s.load("rom0:PADMAN", 1000);
        assert!(padman > sio2man && start == 0);
        assert_eq!(s.pad_module(), Some(PadModule::Padman));
        let up = 1000 + SERVER_START_CYCLES;
        assert!(s.registered(pad::SID_OLD, up - 1).is_none(), "not before its thread runs");
        assert!(s.registered(pad::SID_OLD, up).is_some() && s.registered(pad::SID_OLD_EXT, up).is_some());
        assert!(s.registered(pad::SID_NEW, u64::MAX).is_none(), "rom0:PADMAN has no new-protocol server");
        assert!(s.registered(pad::SID_NEW_EXT, u64::MAX).is_none());
        let sd = lookup(pad::SID_OLD).unwrap().sd;
        assert_eq!(s.registered_by_sd(sd, up).map(|i| i.sid), Some(pad::SID_OLD));
        // A second PADMAN finds its library taken: it loads but does not stay. XSIO2MAN does not stay
        // either (SIO2MAN's library), so XPADMAN cannot link: switching families needs a reboot.
        assert_eq!(s.load("rom0:PADMAN", up).1, MODULE_NO_RESIDENT_END);
        assert_eq!(s.load("rom0:XSIO2MAN", up).1, MODULE_NO_RESIDENT_END);
        assert_eq!(s.load("rom0:XPADMAN", up).0, KE_LINKERR);
        assert!(s.registered(pad::SID_NEW, u64::MAX).is_none());
        assert_eq!(s.pad_module(), Some(PadModule::Padman));
        assert_eq!(s.modules, ["SIO2MAN", "PADMAN", "PADMAN", "XSIO2MAN"]);
    }

    #[test]
    fn xpadman_registers_both_protocols_and_needs_xsio2man() {
        let mut s = Servers::default();
        s.load("rom0:SIO2MAN", 0);
        assert_eq!(s.load("rom0:XPADMAN", 0).0, KE_LINKERR, "XPADMAN imports XSIO2MAN");
        let mut s = Servers::default();
        s.load("rom0:XSIO2MAN", 0);
        assert_eq!(s.load("rom0:XPADMAN", 0).1, 0);
        assert_eq!(s.pad_module(), Some(PadModule::Xpadman));
        for sid in PAD_SIDS {
            assert!(s.registered(sid, SERVER_START_CYCLES).is_some(), "{sid:#x}");
        }
    }

    #[test]
    fn mcserv_registers_after_its_mcman_and_sio2man() {
        let mut s = Servers::default();
        assert_eq!(s.load("rom0:XMCMAN", 0).0, KE_LINKERR, "XMCMAN imports XSIO2MAN");
        s.load("rom0:XSIO2MAN", 0);
        assert_eq!(s.load("rom0:MCSERV", 0).0, KE_LINKERR, "MCSERV imports MCMAN");
        assert_eq!(s.load("rom0:XMCMAN", 0).1, 0);
        assert_eq!(s.load("rom0:XMCSERV", 0).1, 0);
        assert!(s.registered(mcserv::SID, SERVER_START_CYCLES).is_some());
        assert_eq!(s.load("rom0:MCSERV", 0).0, KE_LINKERR, "the other family needs MCMAN");
    }

    #[test]
    fn boot_modules_do_not_load_twice_and_missing_ones_fail() {
        let mut s = Servers::default();
        let mut ram = vec![0u8; 0x20_0000];
        let (id, start) = s.load("rom0:CDVDFSV", 0);
        assert!(id > 0 && start == MODULE_NO_RESIDENT_END, "already resident");
        let a = s.load("rom0:SIO2MAN", 0).0;
        let b = s.load("rom0:padman;1", 0).0;
        assert!(a > 0 && b > 0 && a != b);
        assert_eq!(s.load("rom0:NOSUCH", 0).0, KE_NOFILE);
        assert_eq!(s.load("cdrom0:\\PADMAN.IRX;1", 0).0, KE_NOFILE);
        assert_eq!(&s.callr(LOADFILE_SID, 0xFF, &[], &mut ram)[..4], b"2000");
        assert_eq!(first_word(&s.callr(FILEIO_SID, 0, &[], &mut ram)), FILEIO_NO_DEVICE);
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
