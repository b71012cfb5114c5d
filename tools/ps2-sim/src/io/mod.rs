//! The EE's I/O registers: EE SIO (console), INTC, timers, the DMAC register file, the SIF
//! mailbox registers and the GS privileged registers (forwarded to a [`GsDevice`]).
//!
//! Registers the simulator has no model for, inside the two I/O pages, behave as plain storage
//! (a read returns the last value written, 0 at first). That keeps start-up code that pokes
//! VIF/IPU/etc. working; anything the project relies on has a real model here.

pub mod dmac;
pub mod gs;
pub mod timers;

use std::collections::HashMap;
use std::io::Write;

pub use dmac::Dmac;
pub use gs::GsDevice;
pub use timers::Timers;

/// INTC cause: GS (FINISH, SIGNAL, VSYNC... events that IMR leaves unmasked).
pub const INTC_GS: u32 = 0;
/// INTC cause: VBLANK start.
pub const INTC_VBLANK_START: u32 = 2;
/// INTC cause: VBLANK end.
pub const INTC_VBLANK_END: u32 = 3;

const SIO_TXFIFO: u32 = 0x1000_F180;
const SIO_ISR: u32 = 0x1000_F130;
const INTC_STAT: u32 = 0x1000_F000;
const INTC_MASK: u32 = 0x1000_F010;
const SIF_MSCOM: u32 = 0x1000_F200;
const SIF_SMCOM: u32 = 0x1000_F210;
const SIF_MSFLG: u32 = 0x1000_F220;
const SIF_SMFLG: u32 = 0x1000_F230;

/// Start of the exit marker line `[ps2-rs exit N]`, which a program may print just before
/// `Exit(N)` so that the runner can stop PCSX2 (which keeps running after `Exit`). The simulator
/// needs no marker and hides such lines.
pub const EXIT_MARKER_PREFIX: &str = "[ps2-rs exit ";

/// Where the bytes the guest writes to the EE SIO TX FIFO go.
///
/// Serial output ends lines with CR LF (for terminals on a real UART); the CR of a CR LF pair is
/// dropped so that the host sees ordinary text. A lone CR is kept.
pub struct Console {
    line: Vec<u8>,
    captured: Vec<u8>,
    everything: Vec<u8>,
    echo: bool,
    pending_cr: bool,
}

impl Console {
    /// A console that keeps every byte (see [`Console::captured`]) and, if `echo`, also writes
    /// each completed line to the host's stdout.
    pub fn new(echo: bool) -> Self {
        Console { line: Vec::new(), captured: Vec::new(), everything: Vec::new(), echo, pending_cr: false }
    }

    /// Appends one byte; a newline flushes the line to stdout.
    pub fn put(&mut self, byte: u8) {
        if std::mem::take(&mut self.pending_cr) && byte != b'\n' {
            self.push(b'\r');
        }
        if byte == b'\r' {
            self.pending_cr = true;
        } else {
            self.push(byte);
        }
    }

    fn push(&mut self, byte: u8) {
        self.line.push(byte);
        if byte == b'\n' || self.line.len() >= 1024 {
            self.flush();
        }
    }

    /// Appends a string (used by the kernel's `_print`/kputs HLE).
    pub fn put_str(&mut self, text: &str) {
        text.bytes().for_each(|b| self.put(b));
    }

    /// Writes out a partial line (called at exit).
    pub fn flush(&mut self) {
        if std::mem::take(&mut self.pending_cr) {
            self.line.push(b'\r');
        }
        self.everything.extend_from_slice(&self.line);
        if self.line.starts_with(EXIT_MARKER_PREFIX.as_bytes()) && self.line.ends_with(b"]\n") {
            self.line.clear();
            return;
        }
        self.captured.extend_from_slice(&self.line);
        if self.echo && !self.line.is_empty() {
            let mut out = std::io::stdout().lock();
            // stdout closed (e.g. a pipe to `head`) is not the guest's problem: ignore.
            let _ = out.write_all(&self.line);
            let _ = out.flush();
        }
        self.line.clear();
    }

    /// Everything the guest printed so far: complete lines (a partial last line after
    /// [`Console::flush`]), without the CR of CR LF and without exit-marker lines.
    pub fn captured(&self) -> &[u8] {
        &self.captured
    }

    /// Every line the guest printed, exit-marker lines included (what a real EE console log, such as
    /// PCSX2's, shows; ps2-run's PCSX2 stand-in test replays it).
    pub fn everything(&self) -> &[u8] {
        &self.everything
    }
}

/// INTC: pending causes and the mask.
#[derive(Default, Debug, Clone)]
pub struct Intc {
    /// I_STAT: pending causes (write 1 to clear).
    pub stat: u32,
    /// I_MASK: enabled causes (write 1 to toggle).
    pub mask: u32,
}

impl Intc {
    /// Causes that are both pending and enabled.
    pub fn active(&self) -> u32 {
        self.stat & self.mask
    }
}

/// The SIF mailbox registers as seen from the EE.
#[derive(Default, Debug, Clone)]
pub struct SifRegs {
    /// MSCOM: EE receive-buffer address.
    pub mscom: u32,
    /// SMCOM: IOP command-buffer address.
    pub smcom: u32,
    /// MSFLG: main→sub flags.
    pub msflg: u32,
    /// SMFLG: sub→main flags.
    pub smflg: u32,
}

/// All EE I/O devices.
pub struct Io {
    /// EE SIO console.
    pub console: Console,
    /// Interrupt controller.
    pub intc: Intc,
    /// Timers T0-T3.
    pub timers: Timers,
    /// DMA controller registers.
    pub dmac: Dmac,
    /// SIF registers.
    pub sif: SifRegs,
    /// The Graphics Synthesizer.
    pub gs: Box<dyn GsDevice>,
    /// Storage for registers without a model.
    other: HashMap<u32, u64>,
}

/// An I/O access the simulator refuses (outside every register block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoUnmapped;

impl Io {
    /// Devices in their reset state; the console echoes to stdout when `echo_console`.
    pub fn new(echo_console: bool) -> Self {
        Io {
            console: Console::new(echo_console),
            intc: Intc::default(),
            timers: Timers::default(),
            dmac: Dmac::default(),
            // SMFLG reports CMDINIT|BOOTEND like an IOP that has finished booting (ps2-iop.md §8.2).
            sif: SifRegs { smflg: 0x6_0000, ..SifRegs::default() },
            gs: Box::new(ps2_gs::Gs::new()),
            other: HashMap::new(),
        }
    }

    // Match arms go from specific registers to whole blocks, so ranges overlap on purpose.
    #[allow(clippy::match_overlapping_arm)]
    /// Reads a register of `size` bytes (1, 2, 4 or 8) at physical `addr`; `cycles` is the
    /// current simulated time (timers count from it).
    pub fn read(&mut self, addr: u32, size: u32, cycles: u64) -> Result<u64, IoUnmapped> {
        if addr >= 0x1200_0000 {
            return Ok(self.gs.read_privileged(addr - 0x1200_0000));
        }
        let value = match addr & !3 {
            SIO_ISR => 0, // TX always ready
            INTC_STAT => self.intc.stat as u64,
            INTC_MASK => self.intc.mask as u64,
            SIF_MSCOM => self.sif.mscom as u64,
            SIF_SMCOM => self.sif.smcom as u64,
            SIF_MSFLG => self.sif.msflg as u64,
            SIF_SMFLG => self.sif.smflg as u64,
            0x1000_0000..0x1000_2000 => self.timers.read(addr & !3, cycles) as u64,
            0x1000_8000..0x1000_F000 | 0x1000_F520 => self.dmac.read(addr & !3) as u64,
            0x1000_0000..0x1001_0000 => *self.other.get(&(addr & !7)).unwrap_or(&0),
            _ => return Err(IoUnmapped),
        };
        let shift = (addr & 3) * 8;
        Ok(if size >= 4 { value } else { (value >> shift) & ((1u64 << (size * 8)) - 1) })
    }

    #[allow(clippy::match_overlapping_arm)]
    /// Writes a register; returns the DMA channel to start when the write set CHCR.STR.
    pub fn write(
        &mut self,
        addr: u32,
        size: u32,
        value: u64,
        cycles: u64,
    ) -> Result<Option<usize>, IoUnmapped> {
        if addr >= 0x1200_0000 {
            self.write_gs(addr - 0x1200_0000, size, value);
            return Ok(None);
        }
        let v32 = value as u32;
        match addr & !3 {
            SIO_TXFIFO => {
                // 32-bit writes carry 4 bytes (PCSX2 does the same); 8-bit is the usual case.
                for i in 0..size.min(4) {
                    self.console.put((value >> (8 * i)) as u8);
                }
            }
            INTC_STAT => self.intc.stat &= !v32,
            INTC_MASK => self.intc.mask ^= v32,
            SIF_MSCOM => self.sif.mscom = v32,
            SIF_MSFLG => self.sif.msflg |= v32,
            SIF_SMFLG => self.sif.smflg &= !v32,
            SIF_SMCOM => {} // written by the IOP only
            0x1000_0000..0x1000_2000 => self.timers.write(addr & !3, v32, cycles),
            0x1000_8000..0x1000_F000 | 0x1000_F590 => return Ok(self.dmac.write(addr & !3, v32)),
            0x1000_0000..0x1001_0000 => {
                self.other.insert(addr & !7, value);
            }
            _ => return Err(IoUnmapped),
        }
        Ok(None)
    }
}

impl Io {
    /// Runs `f` on the GS and raises INTC cause 0 (GS) when it makes an unmasked GS event
    /// pending that was not pending before (the GS interrupt line is edge-triggered to INTC).
    pub fn with_gs_events(&mut self, f: impl FnOnce(&mut dyn GsDevice)) {
        let before = self.gs.interrupt_pending();
        f(self.gs.as_mut());
        if !before && self.gs.interrupt_pending() {
            self.intc.stat |= 1 << INTC_GS;
        }
    }

    /// GS privileged registers are 64-bit; code built for a 32-bit ABI writes them as two
    /// 32-bit halves, which are merged here. CSR is special: its event bits are
    /// write-1-to-clear, so a half is passed on alone (the upper half holds no writable bits).
    fn write_gs(&mut self, offset: u32, size: u32, value: u64) {
        const CSR: u32 = 0x1000;
        let reg = offset & !7;
        if size >= 8 {
            self.gs.write_privileged(reg, value);
        } else if reg == CSR {
            if offset & 4 == 0 {
                self.gs.write_privileged(reg, value & 0xFFFF_FFFF);
            }
        } else {
            let current = self.gs.read_privileged(reg);
            let shift = (offset & 7) * 8;
            let mask = ((1u64 << (size * 8)) - 1) << shift;
            self.gs.write_privileged(reg, (current & !mask) | ((value << shift) & mask));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs_registers_written_in_32_bit_halves_are_merged() {
        let mut io = Io::new(false);
        io.write(0x1200_0090, 4, 0x0000_1400, 0).unwrap();
        io.write(0x1200_0094, 4, 0x0000_0001, 0).unwrap();
        assert_eq!(io.read(0x1200_0090, 8, 0).unwrap(), 0x0000_0001_0000_1400);
        io.write(0x1200_0090, 4, 0x0000_1500, 0).unwrap();
        assert_eq!(io.read(0x1200_0090, 8, 0).unwrap(), 0x0000_0001_0000_1500);
    }

    #[test]
    fn sio_collects_bytes_and_reports_ready() {
        let mut io = Io::new(false);
        for b in b"hi\n" {
            io.write(SIO_TXFIFO, 1, *b as u64, 0).unwrap();
        }
        assert_eq!(io.console.captured(), b"hi\n");
        assert_eq!(io.read(SIO_ISR, 4, 0).unwrap() & 0xF000, 0);
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays() {
        let mut c = Console::new(false);
        for b in b"a\r\nb\rc\r" {
            c.put(*b);
        }
        c.flush();
        assert_eq!(c.captured(), b"a\nb\rc\r");
    }

    #[test]
    fn exit_marker_lines_are_hidden() {
        let mut c = Console::new(false);
        c.put_str("x\n[ps2-rs exit 0]\r\ny [ps2-rs exit 1]\n");
        c.flush();
        assert_eq!(c.captured(), b"x\ny [ps2-rs exit 1]\n");
        assert_eq!(c.everything(), b"x\n[ps2-rs exit 0]\ny [ps2-rs exit 1]\n", "a real console log keeps them");
    }

    #[test]
    fn intc_stat_clears_and_mask_toggles() {
        let mut io = Io::new(false);
        io.intc.stat = 0b1100;
        io.write(INTC_STAT, 4, 0b0100, 0).unwrap();
        assert_eq!(io.intc.stat, 0b1000);
        io.write(INTC_MASK, 4, 0b0100, 0).unwrap();
        io.write(INTC_MASK, 4, 0b0110, 0).unwrap();
        assert_eq!(io.intc.mask, 0b0010);
    }

    #[test]
    fn unknown_registers_are_storage_and_outside_pages_fault() {
        let mut io = Io::new(false);
        io.write(0x1000_3800, 4, 0x1234, 0).unwrap();
        assert_eq!(io.read(0x1000_3800, 4, 0).unwrap(), 0x1234);
        assert_eq!(io.read(0x1001_0000, 4, 0), Err(IoUnmapped));
    }
}
