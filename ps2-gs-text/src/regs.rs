//! Encoders for the GS register values this crate writes. The field layouts are those of Sony's GS User's
//! Manual as ps2sdk encodes them: `common/include/gs_privileged.h` for PMODE, SMODE2, DISPFB and DISPLAY,
//! `common/include/gs_gp.h` for FRAME, ZBUF, XYOFFSET, SCISSOR, TEST and XYZ2 (the shifts and masks below are
//! the bit positions). The unit tests check them against the values ps2sdk's debug screen (`init_scr`) writes.
//!
//! They are plain `const fn`s so the values are checked by unit tests on the host and computed at compile time
//! where the arguments are constants.

/// Pixel storage format codes (PSM).
pub mod psm {
    /// 32-bit RGBA colour.
    pub const CT32: u8 = 0x00;
}

/// The XYOFFSET every drawing uses: 2048.0 in 12.4 fixed point, which centres the window in the GS's
/// 4096×4096 coordinate space so that pixel (0, 0) is vertex (2048.0, 2048.0).
pub const DRAW_OFFSET: u16 = 2048 * 16;

/// PRIM value for an untextured, flat, unblended sprite (a screen-aligned rectangle).
pub const PRIM_SPRITE: u64 = 6;

/// FRAME_1/2: frame buffer at `fbp` (units of 2048 words = 8 KiB), `width` pixels wide (a multiple of 64),
/// format `psm`, all bits writable.
pub const fn frame(fbp: u16, width: u16, psm: u8) -> u64 {
    (fbp as u64 & 0x1FF) | ((width as u64 / 64) & 0x3F) << 16 | (psm as u64 & 0x3F) << 24
}

/// ZBUF_1/2 with Z writes masked off: the console never uses depth, but the GS still wants a valid ZBUF.
pub const fn zbuf_masked(zbp: u16) -> u64 {
    (zbp as u64 & 0x1FF) | 1 << 32
}

/// XYOFFSET_1/2 in 12.4 fixed point.
pub const fn xyoffset(x: u16, y: u16) -> u64 {
    x as u64 | (y as u64) << 32
}

/// SCISSOR_1/2 for the inclusive window `x0..=x1`, `y0..=y1`.
pub const fn scissor(x0: u16, x1: u16, y0: u16, y1: u16) -> u64 {
    (x0 as u64 & 0x7FF) | (x1 as u64 & 0x7FF) << 16 | (y0 as u64 & 0x7FF) << 32 | (y1 as u64 & 0x7FF) << 48
}

/// TEST_1/2 that passes every pixel: no alpha test, Z test on with "always" (the GS manual forbids ZTE = 0).
pub const TEST_ALWAYS: u64 = 1 << 16 | 1 << 17;

/// XYZ2 for window pixel corner (`x`, `y`) with [`DRAW_OFFSET`] applied; Z = 0.
pub const fn xyz2(x: u16, y: u16) -> u64 {
    let gx = (x as u64 * 16 + DRAW_OFFSET as u64) & 0xFFFF;
    let gy = (y as u64 * 16 + DRAW_OFFSET as u64) & 0xFFFF;
    gx | gy << 16
}

/// PMODE with read circuit 1 only, CRTMD = 1, alpha from ALP = 0xFF (circuit 1 fully opaque over BGCOLOR).
pub const PMODE_CIRCUIT1: u64 = 1 | 1 << 2 | 1 << 5 | 0xFF << 8;

/// SMODE2: `interlace` (INT), `frame_mode` (FFMD: 1 = each field reads every line), DPMS 0 (display on).
pub const fn smode2(interlace: bool, frame_mode: bool) -> u64 {
    interlace as u64 | (frame_mode as u64) << 1
}

/// DISPFB1/2: display the buffer at `fbp` (8 KiB units), `width` pixels wide, format `psm`, from (0, 0).
pub const fn dispfb(fbp: u16, width: u16, psm: u8) -> u64 {
    (fbp as u64 & 0x1FF) | ((width as u64 / 64) & 0x3F) << 9 | (psm as u64 & 0x1F) << 15
}

/// DISPLAY1/2 from its fields: position `dx` (VCK units) and `dy` (raster lines), magnifications
/// (`magh` = ×(n+1) horizontally, `magv` vertically), and the area's size minus one (`dw` in VCKs, `dh` lines).
pub const fn display(dx: u16, dy: u16, magh: u8, magv: u8, dw: u16, dh: u16) -> u64 {
    (dx as u64 & 0xFFF)
        | (dy as u64 & 0x7FF) << 12
        | (magh as u64 & 0xF) << 23
        | (magv as u64 & 0x3) << 27
        | (dw as u64 & 0xFFF) << 32
        | (dh as u64 & 0x7FF) << 44
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_debug_library_and_libgraph() {
        // scr_printf's setup packet: FRAME_1 = 0x000A0000 (FBP 0, 640 px, CT32).
        assert_eq!(frame(0, 640, psm::CT32), 0x000A_0000);
        // scr_printf's DISPFB2 = 0x1400.
        assert_eq!(dispfb(0, 640, psm::CT32), 0x1400);
        // scr_printf's DISPLAY2 = 0x001BF9FF0983227C (DX 636, DY 50, MAGH 3, MAGV 1, DW 2559, DH 447).
        assert_eq!(display(636, 50, 3, 1, 2559, 447), 0x001B_F9FF_0983_227C);
        // TEST_1 "ZTE, ALWAYS" = 0x30000.
        assert_eq!(TEST_ALWAYS, 0x30000);
        assert_eq!(xyoffset(DRAW_OFFSET, DRAW_OFFSET), 0x0000_8000_0000_8000);
        assert_eq!(scissor(0, 639, 0, 223), 0x00DF_0000_027F_0000);
        assert_eq!(PMODE_CIRCUIT1, 0xFF25);
        assert_eq!(smode2(true, false), 1);
    }

    #[test]
    fn xyz2_applies_the_offset_in_12_4() {
        assert_eq!(xyz2(0, 0), 0x8000_8000);
        assert_eq!(xyz2(1, 2), (0x8000 + 32) << 16 | (0x8000 + 16));
        assert_eq!(zbuf_masked(140), 140 | 1 << 32);
    }
}
