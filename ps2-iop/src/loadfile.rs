//! Loading IOP modules through the LOADFILE RPC server (sid `0x8000_0006`), resident in every IOP boot ROM.
//!
//! ```no_run
//! # fn main() -> Result<(), ps2_iop::Error> {
//! let mut loader = ps2_iop::loadfile::LoadFile::new()?;
//! loader.load_module("rom0:SIO2MAN", &[])?;
//! loader.load_module("rom0:PADMAN", &[])?;
//! # Ok(())
//! # }
//! ```

use crate::rpc::Client;
use crate::{Error, IopError};

/// The LOADFILE server id.
pub const SID: u32 = 0x8000_0006;
/// The IOP heap server id (FILEIO's second server).
pub const HEAP_SID: u32 = 0x8000_0003;

/// Longest path or argument block LOADFILE accepts.
pub const MAX_PATH: usize = 252;

mod function {
    pub const MOD_LOAD: u32 = 0;
    pub const MOD_BUF_LOAD: u32 = 6;
    pub const GET_VERSION: u32 = 0xFF;
    pub const HEAP_ALLOC: u32 = 1;
    pub const HEAP_FREE: u32 = 2;
}

/// A module loaded on the IOP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Module {
    /// The IOP's module id.
    pub id: i32,
    /// What the module's `_start` returned (0 resident, 1 not resident, 2 removable).
    pub start_result: i32,
}

/// Builds a 512-byte MOD_LOAD / MOD_BUF_LOAD request: `+0` a word (argument length or module address),
/// `+4` a word, `+8` the path, `+0x104` the NUL-separated arguments.
pub fn build_request(word0: u32, word1: u32, path: &str, args: &[&str]) -> Result<[u8; 512], Error> {
    let mut request = [0u8; 512];
    if path.len() >= MAX_PATH || path.contains('\0') {
        return Err(Error::TooLarge { what: "module path", size: path.len(), max: MAX_PATH - 1 });
    }
    request[8..8 + path.len()].copy_from_slice(path.as_bytes());
    let mut at = 0x104;
    for arg in args {
        if arg.contains('\0') {
            return Err(Error::InvalidArgument("module arguments must not contain NUL bytes"));
        }
        let end = at + arg.len() + 1;
        if end > 0x104 + MAX_PATH {
            return Err(Error::TooLarge { what: "module arguments", size: end - 0x104, max: MAX_PATH });
        }
        request[at..end - 1].copy_from_slice(arg.as_bytes());
        at = end;
    }
    let args_len = (at - 0x104) as u32;
    let word0 = if word0 == u32::MAX { args_len } else { word0 };
    let word1 = if word1 == u32::MAX { args_len } else { word1 };
    request[0..4].copy_from_slice(&word0.to_le_bytes());
    request[4..8].copy_from_slice(&word1.to_le_bytes());
    Ok(request)
}

/// Interprets a LOADFILE reply: `+0` module id or negative IOP error, `+4` start result.
pub fn parse_reply(reply: &[u8; 16]) -> Result<Module, Error> {
    let id = i32::from_le_bytes([reply[0], reply[1], reply[2], reply[3]]);
    let start_result = i32::from_le_bytes([reply[4], reply[5], reply[6], reply[7]]);
    if id < 0 { Err(Error::Iop(IopError(id))) } else { Ok(Module { id, start_result }) }
}

/// A LOADFILE client.
pub struct LoadFile {
    client: Client,
}

impl LoadFile {
    /// Binds to the LOADFILE server.
    pub fn new() -> Result<LoadFile, Error> {
        Ok(LoadFile { client: Client::bind(SID)? })
    }

    /// Loads and starts a module from an IOP path (`rom0:PADMAN`, `cdrom0:\MODULES\X.IRX;1`, `host0:x.irx`),
    /// passing `args` as its argv.
    pub fn load_module(&mut self, path: &str, args: &[&str]) -> Result<Module, Error> {
        let request = build_request(u32::MAX, 0, path, args)?;
        let mut reply = [0u8; 16];
        self.client.call(function::MOD_LOAD, &request, &mut reply)?;
        parse_reply(&reply)
    }

    /// Loads and starts a module image held in EE memory: copies it into an IOP heap block, loads it from
    /// there, frees the block.
    pub fn load_module_buffer(&mut self, image: &[u8], args: &[&str]) -> Result<Module, Error> {
        let mut heap = Client::bind(HEAP_SID)?;
        let size = image.len().next_multiple_of(16);
        let mut reply = [0u8; 4];
        heap.call(function::HEAP_ALLOC, &(size as u32).to_le_bytes(), &mut reply)?;
        let iop_address = u32::from_le_bytes(reply);
        if iop_address == 0 {
            return Err(Error::Iop(IopError(-400)));
        }
        let result = self.copy_and_load(image, iop_address, args);
        heap.call(function::HEAP_FREE, &iop_address.to_le_bytes(), &mut reply)?;
        result
    }

    fn copy_and_load(&mut self, image: &[u8], iop_address: u32, args: &[&str]) -> Result<Module, Error> {
        // SIF DMA needs a 16-byte aligned source: stage unaligned images.
        extern crate alloc;
        let staged: alloc::vec::Vec<u128>;
        let source = if (image.as_ptr() as usize).is_multiple_of(16) {
            image.as_ptr()
        } else {
            let mut words = alloc::vec![0u128; image.len().div_ceil(16)];
            // SAFETY: `words` holds at least image.len() bytes.
            unsafe { core::ptr::copy_nonoverlapping(image.as_ptr(), words.as_mut_ptr().cast::<u8>(), image.len()) };
            staged = words;
            staged.as_ptr().cast()
        };
        let id = crate::sifdma::send(&[crate::sifdma::Transfer {
            src: source,
            dest: iop_address,
            size: image.len().next_multiple_of(16),
            attr: 0,
        }])?;
        crate::sifdma::wait(id);
        let request = build_request(iop_address, u32::MAX, "", args)?;
        let mut reply = [0u8; 16];
        self.client.call(function::MOD_BUF_LOAD, &request, &mut reply)?;
        parse_reply(&reply)
    }

    /// The LOADFILE version word (`GET_VERSION`), e.g. ASCII "3100".
    pub fn version(&mut self) -> Result<u32, Error> {
        let mut reply = [0u8; 16];
        self.client.call(function::GET_VERSION, &[], &mut reply)?;
        Ok(u32::from_le_bytes([reply[0], reply[1], reply[2], reply[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_layout() {
        let r = build_request(u32::MAX, 0, "rom0:PADMAN", &["-v", "x"]).unwrap();
        assert_eq!(&r[8..19], b"rom0:PADMAN");
        assert_eq!(r[19], 0);
        assert_eq!(&r[0x104..0x109], b"-v\0x\0");
        assert_eq!(u32::from_le_bytes(r[0..4].try_into().unwrap()), 5, "argument length includes the NULs");
        let buf = build_request(0x1234, u32::MAX, "", &["a"]).unwrap();
        assert_eq!(u32::from_le_bytes(buf[0..4].try_into().unwrap()), 0x1234);
        assert_eq!(u32::from_le_bytes(buf[4..8].try_into().unwrap()), 2);
    }

    #[test]
    fn bad_requests_are_rejected() {
        assert!(matches!(build_request(0, 0, &"a".repeat(300), &[]), Err(Error::TooLarge { .. })));
        assert!(matches!(build_request(0, 0, "x", &["a\0b"]), Err(Error::InvalidArgument(_))));
        let many = ["0123456789"; 30];
        assert!(matches!(build_request(0, 0, "x", &many), Err(Error::TooLarge { what: "module arguments", .. })));
    }

    #[test]
    fn replies_map_iop_errors() {
        let mut reply = [0u8; 16];
        reply[0..4].copy_from_slice(&(-203i32).to_le_bytes());
        let err = parse_reply(&reply).unwrap_err();
        assert_eq!(err, Error::Iop(IopError(-203)));
        assert!(err.to_string().contains("KE_NOFILE"));
        reply[0..4].copy_from_slice(&7i32.to_le_bytes());
        reply[4..8].copy_from_slice(&1i32.to_le_bytes());
        assert_eq!(parse_reply(&reply).unwrap(), Module { id: 7, start_result: 1 });
    }
}
