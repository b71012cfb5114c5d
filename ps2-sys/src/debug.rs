//! Debug output on the EE serial port: [`print!`](crate::print), [`println!`](crate::println) and a
//! [`log`] backend.
//!
//! Bytes go to the EE SIO transmit FIFO (0x1000_F180). PCSX2 shows them as the EE console (enable
//! `EnableEEConsole`), ps2-rs's simulator prints them to stdout, and on a console with a serial cable they come
//! out of the UART. Writing waits while the FIFO is full, so nothing is lost and nothing is buffered in RAM.

use core::fmt::{self, Write};

use crate::hw::sio;

/// A [`core::fmt::Write`] sink that writes to the EE serial port.
#[derive(Clone, Copy, Debug, Default)]
pub struct SerialWriter;

impl SerialWriter {
    /// Writes one byte, waiting while the transmit FIFO is full.
    pub fn write_byte(&mut self, byte: u8) {
        let port = sio::sio();
        while port.isr.read() & 0xF000 == sio::ISR_TX_FULL {}
        // SAFETY: writing a byte to the TX FIFO only transmits it.
        unsafe { port.txfifo.write(byte) };
    }
}

impl Write for SerialWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' {
                // Terminals on the other end of the UART expect CR LF; PCSX2 and the simulator ignore CR.
                self.write_byte(b'\r');
            }
            self.write_byte(byte);
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    // Writing to the serial port cannot fail.
    let _ = SerialWriter.write_fmt(args);
}

/// Prints to the EE serial port, like `std::print!`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::debug::_print(format_args!($($arg)*)) };
}

/// Prints a line to the EE serial port, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => { $crate::debug::_print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::debug::_print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// A [`log::Log`] that prints `[LEVEL target] message` to the serial port.
struct SerialLogger;

impl log::Log for SerialLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            _print(format_args!("[{:<5} {}] {}\n", record.level(), record.target(), record.args()));
        }
    }

    fn flush(&self) {}
}

static LOGGER: SerialLogger = SerialLogger;

/// Installs the serial logger for the [`log`] macros, showing records up to `level`.
///
/// Calling it again only changes the level.
pub fn init_logger(level: log::LevelFilter) {
    crate::interrupts::free(|| {
        // SAFETY: interrupts are off, and the EE has a single core, so nothing else runs `set_logger_racy`
        // concurrently (the racy variant exists because this target has no compare-and-swap).
        let _ = unsafe { log::set_logger_racy(&LOGGER) };
        // SAFETY: as above.
        unsafe { log::set_max_level_racy(level) };
    });
}
