//! Register numbers and bit-field helpers (`ps2-ee.md` §5.1, §5.3).

/// Extracts `len` bits of `value` starting at bit `low`.
pub(crate) fn field(value: u64, low: u32, len: u32) -> u64 {
    (value >> low) & ((1u64 << len) - 1)
}

/// Offsets of the privileged registers from `0x1200_0000`.
pub mod privileged {
    /// PCRTC mode.
    pub const PMODE: u32 = 0x0000;
    /// Sync mode 1.
    pub const SMODE1: u32 = 0x0010;
    /// Sync mode 2 (INT, FFMD, DPMS).
    pub const SMODE2: u32 = 0x0020;
    /// Display buffer of circuit 1.
    pub const DISPFB1: u32 = 0x0070;
    /// Display area of circuit 1.
    pub const DISPLAY1: u32 = 0x0080;
    /// Display buffer of circuit 2.
    pub const DISPFB2: u32 = 0x0090;
    /// Display area of circuit 2.
    pub const DISPLAY2: u32 = 0x00A0;
    /// Background colour.
    pub const BGCOLOR: u32 = 0x00E0;
    /// Control/status.
    pub const CSR: u32 = 0x1000;
    /// Interrupt mask.
    pub const IMR: u32 = 0x1010;
    /// Host interface direction.
    pub const BUSDIR: u32 = 0x1040;
    /// SIGNAL/LABEL ids.
    pub const SIGLBLID: u32 = 0x1080;
}

/// General-purpose register numbers (the address byte of an A+D write).
pub mod gp {
    #![allow(missing_docs)]
    pub const PRIM: u8 = 0x00;
    pub const RGBAQ: u8 = 0x01;
    pub const ST: u8 = 0x02;
    pub const UV: u8 = 0x03;
    pub const XYZF2: u8 = 0x04;
    pub const XYZ2: u8 = 0x05;
    pub const TEX0_1: u8 = 0x06;
    pub const TEX0_2: u8 = 0x07;
    pub const CLAMP_1: u8 = 0x08;
    pub const CLAMP_2: u8 = 0x09;
    pub const FOG: u8 = 0x0A;
    pub const XYZF3: u8 = 0x0C;
    pub const XYZ3: u8 = 0x0D;
    pub const TEX1_1: u8 = 0x14;
    pub const TEX1_2: u8 = 0x15;
    pub const TEX2_1: u8 = 0x16;
    pub const TEX2_2: u8 = 0x17;
    pub const XYOFFSET_1: u8 = 0x18;
    pub const XYOFFSET_2: u8 = 0x19;
    pub const PRMODECONT: u8 = 0x1A;
    pub const PRMODE: u8 = 0x1B;
    pub const TEXCLUT: u8 = 0x1C;
    pub const SCANMSK: u8 = 0x22;
    pub const TEXA: u8 = 0x3B;
    pub const FOGCOL: u8 = 0x3D;
    pub const TEXFLUSH: u8 = 0x3F;
    pub const SCISSOR_1: u8 = 0x40;
    pub const SCISSOR_2: u8 = 0x41;
    pub const ALPHA_1: u8 = 0x42;
    pub const ALPHA_2: u8 = 0x43;
    pub const DIMX: u8 = 0x44;
    pub const DTHE: u8 = 0x45;
    pub const COLCLAMP: u8 = 0x46;
    pub const TEST_1: u8 = 0x47;
    pub const TEST_2: u8 = 0x48;
    pub const PABE: u8 = 0x49;
    pub const FBA_1: u8 = 0x4A;
    pub const FBA_2: u8 = 0x4B;
    pub const FRAME_1: u8 = 0x4C;
    pub const FRAME_2: u8 = 0x4D;
    pub const ZBUF_1: u8 = 0x4E;
    pub const ZBUF_2: u8 = 0x4F;
    pub const BITBLTBUF: u8 = 0x50;
    pub const TRXPOS: u8 = 0x51;
    pub const TRXREG: u8 = 0x52;
    pub const TRXDIR: u8 = 0x53;
    pub const HWREG: u8 = 0x54;
    pub const SIGNAL: u8 = 0x60;
    pub const FINISH: u8 = 0x61;
    pub const LABEL: u8 = 0x62;
    pub const NOP: u8 = 0x7F;
}

/// CSR bits.
pub(crate) mod csr {
    pub const SIGNAL: u64 = 1 << 0;
    pub const FINISH: u64 = 1 << 1;
    pub const HSINT: u64 = 1 << 2;
    pub const VSINT: u64 = 1 << 3;
    pub const EDWINT: u64 = 1 << 4;
    /// The write-1-to-clear event bits.
    pub const EVENTS: u64 = SIGNAL | FINISH | HSINT | VSINT | EDWINT;
    pub const RESET: u64 = 1 << 9;
    pub const FIELD: u64 = 1 << 13;
    /// FIFO status "empty" (bits 14-15 = 01): the model processes packets synchronously.
    pub const FIFO_EMPTY: u64 = 1 << 14;
    /// REV 0x1B, ID 0x55 in CSR bits 16-31. Placeholder values (not verified against hardware);
    /// software should not depend on them.
    pub const REVISION_AND_ID: u64 = (0x1B << 16) | (0x55 << 24);
}
