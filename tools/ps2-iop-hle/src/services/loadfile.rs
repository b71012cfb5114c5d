//! LOADFILE (sid 0x80000006): module loading by name. The HLE knows the boot ROM's modules; loading one
//! starts its servers (if the HLE has them). IOP code from anywhere else cannot run here and is refused.

use super::{Reply, Service, ServiceContext, c_string, word};
use crate::Diagnostic;

pub struct LoadFile;

/// `rom0:` modules a program may load, and whether the HLE provides their servers.
const ROM_MODULES: &[&str] = &[
    "SIO2MAN", "PADMAN", "XSIO2MAN", "XPADMAN", "MCMAN", "MCSERV", "XMCMAN", "XMCSERV", "LIBSD", "MTAPMAN",
    "XMTAPMAN", "CDVDMAN", "CDVDFSV", "FILEIO",
];

const KE_ILLEGAL_OBJECT: i32 = -201;
const KE_NOFILE: i32 = -203;

impl LoadFile {
    fn load(&self, path: &str, context: &mut ServiceContext<'_>) -> Reply {
        let upper = path.to_ascii_uppercase();
        if let Some(name) = upper.strip_prefix("ROM0:") {
            let name = name.split([' ', ';']).next().unwrap_or("");
            if !ROM_MODULES.contains(&name) {
                return Reply::words(&[KE_NOFILE as u32, 0]);
            }
            context.modules.push(name.to_string());
            return Reply::words(&[context.modules.len() as u32, 0]);
        }
        let exists = upper
            .strip_prefix("CDROM0:")
            .map(|disc_path| context.disc.as_deref_mut().and_then(|d| d.find(disc_path)).is_some())
            .unwrap_or(false);
        if !exists {
            return Reply::words(&[KE_NOFILE as u32, 0]);
        }
        context.diagnostics.push(Diagnostic(format!(
            "LOADFILE: {path} is an IOP module; the simulator's HLE IOP cannot run IOP code (refused with KE_ILLEGAL_OBJECT)"
        )));
        Reply::words(&[KE_ILLEGAL_OBJECT as u32, 0])
    }
}

impl Service for LoadFile {
    fn sids(&self) -> &[u32] {
        &[0x8000_0006]
    }

    fn call(&mut self, fno: u32, send: &[u8], _recv_size: usize, context: &mut ServiceContext<'_>) -> Reply {
        match fno {
            0 => self.load(&c_string(send, 8, 252), context),
            6 => {
                context.diagnostics.push(Diagnostic(
                    "LOADFILE: loading a module from an EE buffer; the HLE IOP cannot run IOP code (KE_ILLEGAL_OBJECT)".into(),
                ));
                Reply::words(&[KE_ILLEGAL_OBJECT as u32, 0])
            }
            9 => {
                let name = c_string(send, 8, 252).to_ascii_uppercase();
                let id = context.modules.iter().position(|m| *m == name).map_or(KE_NOFILE as u32, |i| i as u32 + 1);
                Reply::words(&[id])
            }
            // GET_VERSION: ASCII "3100".
            0xFF => Reply::words(&[u32::from_le_bytes(*b"3100")]),
            other => {
                context.diagnostics.push(Diagnostic(format!("LOADFILE: function {other} is not emulated")));
                Reply::words(&[KE_ILLEGAL_OBJECT as u32, 0, word(send, 0)])
            }
        }
    }
}
