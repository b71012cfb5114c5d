//! The EE serial port (UART) at 0x1000_F100. PCSX2 shows what is written to its TX FIFO as the EE console;
//! [`crate::debug`] uses it for `print!`.

use volatile_register::{RO, RW};

/// EE SIO registers.
#[repr(C)]
pub struct Sio {
    /// LCR: line control.
    pub lcr: RW<u32>,
    _pad0: [u32; 3],
    /// LSR: line status.
    pub lsr: RW<u32>,
    _pad1: [u32; 3],
    /// IER: interrupt enable.
    pub ier: RW<u32>,
    _pad2: [u32; 3],
    /// ISR: interrupt status; bits 12-15 hold the TX FIFO state (`0x8000` = full).
    pub isr: RW<u32>,
    _pad3: [u32; 3],
    /// FCR: FIFO control.
    pub fcr: RW<u32>,
    _pad4: [u32; 3],
    /// BGR: baud rate generator.
    pub bgr: RW<u32>,
    _pad5: [u32; 11],
    /// TXFIFO: one byte per write.
    pub txfifo: RW<u8>,
    _pad6: [u8; 63],
    /// RXFIFO.
    pub rxfifo: RO<u8>,
}

/// The SIO block.
pub fn sio() -> &'static Sio {
    // SAFETY: 0x1000_F100 is SIO_LCR.
    unsafe { super::block(0x1000_F100) }
}

/// Value of `ISR & 0xF000` while the transmit FIFO is full.
pub const ISR_TX_FULL: u32 = 0x8000;

#[cfg(test)]
mod tests {
    use super::super::assert_offset;
    use super::*;

    #[test]
    fn offsets() {
        assert_offset!(Sio, isr, 0x30);
        assert_offset!(Sio, bgr, 0x50);
        assert_offset!(Sio, txfifo, 0x80);
        assert_offset!(Sio, rxfifo, 0xC0);
    }
}
