//! The IOP's RPC servers.

mod cdvd;
mod heap;
mod loadfile;

use crate::{Diagnostic, Disc};

/// Modules resident after the boot ROM's default IOP reset (reference §4.2), whose servers answer at once.
pub const RESIDENT_MODULES: &[&str] = &[
    "SYSMEM", "LOADCORE", "EXCEPMAN", "INTRMANP", "INTRMANI", "SSBUSC", "DMACMAN", "TIMEMANP", "TIMEMANI",
    "SYSCLIB", "HEAPLIB", "EECONF", "THREADMAN", "VBLANK", "IOMAN", "MODLOAD", "ROMDRV", "STDIO", "SIFMAN",
    "IGREETING", "SIFCMD", "REBOOT", "LOADFILE", "CDVDMAN", "CDVDFSV", "SIFINIT", "FILEIO", "SECRMAN", "EESYNC",
];

/// What a server answers to a call.
pub struct Reply {
    /// The reply data, copied to the client's receive buffer.
    pub data: Vec<u8>,
    /// Other EE memory the server writes before replying (e.g. sectors read into the caller's buffer).
    pub extra: Vec<(u32, Vec<u8>)>,
    /// Simulated EE cycles until the reply arrives.
    pub delay: u64,
}

impl Reply {
    /// An immediate reply made of little-endian words.
    pub fn words(words: &[u32]) -> Reply {
        Reply { data: words.iter().flat_map(|w| w.to_le_bytes()).collect(), extra: Vec::new(), delay: 0 }
    }
}

/// What a server may touch while answering.
pub struct ServiceContext<'a> {
    /// The server id that was called.
    pub sid: u32,
    /// The disc, if any.
    pub disc: Option<&'a mut Disc>,
    /// Loaded modules.
    pub modules: &'a mut Vec<String>,
    /// IOP heap allocation pointer.
    pub heap_top: &'a mut u32,
    /// Servers that start because of this call (a module load).
    pub new_services: Vec<Box<dyn Service>>,
    /// Problems to report.
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

/// An RPC server.
pub trait Service {
    /// The server ids it registers.
    fn sids(&self) -> &[u32];
    /// Handles function `fno` with the send data; `recv_size` is the client's reply buffer size.
    fn call(&mut self, fno: u32, send: &[u8], recv_size: usize, context: &mut ServiceContext<'_>) -> Reply;
}

/// The servers of the resident modules.
pub fn resident() -> Vec<Box<dyn Service>> {
    vec![Box::new(loadfile::LoadFile), Box::new(heap::Heap), Box::new(cdvd::Cdvd::default())]
}

/// Stands in for a server while it is being called (it is taken out of the table for the call).
pub fn placeholder() -> Box<dyn Service> {
    Box::new(Placeholder)
}

struct Placeholder;

impl Service for Placeholder {
    fn sids(&self) -> &[u32] {
        &[]
    }
    fn call(&mut self, _: u32, _: &[u8], _: usize, _: &mut ServiceContext<'_>) -> Reply {
        Reply::words(&[])
    }
}

/// A little-endian word of the send data (0 past its end).
pub fn word(data: &[u8], index: usize) -> u32 {
    data.get(index * 4..index * 4 + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()))
}

/// A NUL-terminated string at `offset` of the send data.
pub fn c_string(data: &[u8], offset: usize, max: usize) -> String {
    let bytes = data.get(offset..).unwrap_or(&[]);
    let bytes = &bytes[..bytes.len().min(max)];
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// EE cycles for a duration (294.912 MHz).
pub fn cycles(duration: std::time::Duration) -> u64 {
    (duration.as_secs_f64() * 294_912_000.0).round() as u64
}
