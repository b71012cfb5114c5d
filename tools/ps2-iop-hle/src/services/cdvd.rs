//! CDVDFSV: the CD/DVD server (sids 0x80000592-0x8000059C), on the disc image and the drive model.
//!
//! Request and reply layouts follow ps2sdk's `libcdvd` (reference §5). Reads go straight into the EE buffer
//! the request names, after the time the drive model computes for them; the bytes transferred are also
//! written to the `curReadPos` word when the request gives its address.

use std::time::Duration;

use ps2_iso::drive::Media;

use super::{Reply, Service, ServiceContext, c_string, cycles, word};
use crate::Diagnostic;

/// Error codes of `sceCdGetError`.
mod error {
    pub const NONE: u32 = 0x00;
    pub const UNSUPPORTED: u32 = 0x10;
    pub const NO_DISC: u32 = 0x12;
    pub const ILLEGAL_LSN: u32 = 0x20;
    pub const READ_ERROR: u32 = 0x30;
}

const SID_INIT: u32 = 0x8000_0592;
const SID_SCMD: u32 = 0x8000_0593;
const SID_NCMD: u32 = 0x8000_0595;
const SID_SEARCH: u32 = 0x8000_0597;
const SID_READY: u32 = 0x8000_059A;
const SID_READY2: u32 = 0x8000_059C;

/// `sceCdDiskReady` results.
const COMPLETE: u32 = 2;
const NOT_READY: u32 = 6;

/// Time a drive command without data (stop, pause, standby) takes.
const COMMAND_TIME: Duration = Duration::from_millis(1);

#[derive(Default)]
pub struct Cdvd {
    last_error: u32,
}

impl Service for Cdvd {
    fn sids(&self) -> &[u32] {
        &[SID_INIT, SID_SCMD, SID_NCMD, SID_SEARCH, SID_READY, SID_READY2]
    }

    fn call(&mut self, fno: u32, send: &[u8], _recv_size: usize, context: &mut ServiceContext<'_>) -> Reply {
        let has_disc = context.disc.is_some();
        match context.sid {
            // sceCdInit: {result, cdvdfsv version, cdvdman version, debug mode}.
            SID_INIT => Reply::words(&[1, 0x0200, 0x0200, 0]),
            SID_READY | SID_READY2 => Reply::words(&[if has_disc { COMPLETE } else { NOT_READY }]),
            SID_SCMD => self.s_command(fno, context),
            SID_NCMD => self.n_command(fno, send, context),
            SID_SEARCH => self.search(send, context),
            _ => Reply::words(&[0]),
        }
    }
}

impl Cdvd {
    fn s_command(&mut self, fno: u32, context: &mut ServiceContext<'_>) -> Reply {
        match fno {
            // ReadClock: result, then sceCdCLOCK {stat, sec, min, hour, pad, day, month, year} in BCD: a fixed
            // date keeps runs deterministic.
            0x01 => Reply { data: vec![1, 0, 0, 0, 0, 0x00, 0x00, 0x12, 0, 0x01, 0x01, 0x26], extra: vec![], delay: 0 },
            // GetDiskType: PS2 CD 0x12, PS2 DVD 0x14, none 0.
            0x03 => Reply::words(&[match context.disc.as_deref() {
                None => 0x00,
                Some(d) if d.media() == Media::Dvd => 0x14,
                Some(_) => 0x12,
            }]),
            0x04 => Reply::words(&[self.last_error]),
            // TrayReq: {result, tray state (0 closed)}.
            0x05 => Reply::words(&[1, 0]),
            // Status: 0x0A paused (spinning, idle) or 0 stopped without a disc.
            0x0C => Reply::words(&[if context.disc.is_some() { 0x0A } else { 0x00 }]),
            // Break, Mmode, SpinCtrl: accepted.
            0x16 | 0x22 | 0x1D => Reply::words(&[1]),
            other => {
                context.diagnostics.push(Diagnostic(format!("CDVDFSV: S-command {other:#x} is not emulated")));
                self.last_error = error::UNSUPPORTED;
                Reply::words(&[0])
            }
        }
    }

    fn n_command(&mut self, fno: u32, send: &[u8], context: &mut ServiceContext<'_>) -> Reply {
        match fno {
            1 => self.read(send, context),
            5 => match context.disc.as_deref_mut() {
                Some(disc) => {
                    let time = disc.seek(word(send, 0));
                    self.last_error = error::NONE;
                    Reply { delay: cycles(time), ..Reply::words(&[1]) }
                }
                None => self.fail(error::NO_DISC),
            },
            6..=8 => {
                self.last_error = error::NONE;
                Reply { delay: cycles(COMMAND_TIME), ..Reply::words(&[1]) }
            }
            14 => Reply::words(&[if context.disc.is_some() { COMPLETE } else { NOT_READY }]),
            other => {
                context.diagnostics.push(Diagnostic(format!("CDVDFSV: N-command {other} is not emulated")));
                self.fail(error::UNSUPPORTED)
            }
        }
    }

    fn fail(&mut self, code: u32) -> Reply {
        self.last_error = code;
        Reply::words(&[0])
    }

    /// N-command 1: `{lbn, sectors, ee_buffer, mode, fragment_area, read_position}`.
    fn read(&mut self, send: &[u8], context: &mut ServiceContext<'_>) -> Reply {
        let (lsn, sectors, buffer, position) = (word(send, 0), word(send, 1), word(send, 2), word(send, 5));
        let Some(disc) = context.disc.as_deref_mut() else { return self.fail(error::NO_DISC) };
        if u64::from(lsn) + u64::from(sectors) > disc.sectors() {
            return self.fail(error::ILLEGAL_LSN);
        }
        match disc.read(lsn, sectors) {
            Ok((data, time)) => {
                self.last_error = error::NONE;
                let bytes = data.len() as u32;
                let mut extra = vec![(buffer, data)];
                if position != 0 {
                    let mut done = bytes.to_le_bytes().to_vec();
                    done.resize(16, 0);
                    extra.push((position, done));
                }
                Reply { data: bytes.to_le_bytes().to_vec(), extra, delay: cycles(time) }
            }
            Err(e) => {
                context.diagnostics.push(Diagnostic(format!("CDVDFSV: reading {sectors} sectors at {lsn}: {e}")));
                self.fail(error::READ_ERROR)
            }
        }
    }

    /// `sceCdSearchFile`: path at +0x20, EE address for the 32-byte `sceCdlFILE` result at +0x120.
    fn search(&mut self, send: &[u8], context: &mut ServiceContext<'_>) -> Reply {
        let path = c_string(send, 0x20, 256);
        let result_address = word(send, 0x120 / 4);
        let Some(disc) = context.disc.as_deref_mut() else { return self.fail(error::NO_DISC) };
        match disc.find(&path) {
            Some((lsn, size)) => {
                let mut file = Vec::with_capacity(32);
                file.extend_from_slice(&lsn.to_le_bytes());
                file.extend_from_slice(&size.to_le_bytes());
                let name = path.rsplit(['\\', '/']).next().unwrap_or("");
                let mut name_bytes = [0u8; 16];
                for (slot, b) in name_bytes.iter_mut().zip(name.bytes().take(15)) {
                    *slot = b;
                }
                file.extend_from_slice(&name_bytes);
                file.extend_from_slice(&[0u8; 8]);
                Reply { data: 1u32.to_le_bytes().to_vec(), extra: vec![(result_address, file)], delay: 0 }
            }
            None => Reply::words(&[0]),
        }
    }
}
