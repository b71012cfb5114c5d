//! The GS model driven the way EE programs drive it: privileged register writes and GIF packets.

use ps2_gs::Gs;
use ps2_gs::regs::{gp, privileged};

/// A GIFtag.
fn giftag(nloop: u32, eop: bool, flg: u64, nreg: u64, regs: u64) -> u128 {
    let low = u64::from(nloop) | u64::from(eop) << 15 | flg << 58 | nreg << 60;
    u128::from(low) | u128::from(regs) << 64
}

/// A PACKED A+D packet writing `writes` in order.
fn a_d_packet(writes: &[(u8, u64)]) -> Vec<u128> {
    let mut packet = vec![giftag(writes.len() as u32, true, 0, 1, 0xE)];
    packet.extend(writes.iter().map(|&(register, value)| u128::from(value) | u128::from(register) << 64));
    packet
}

fn xyz(x: u32, y: u32, z: u32) -> u64 {
    // 12.4 fixed point, with the usual 2048.0 offset added by the caller's XYOFFSET.
    u64::from((x + 2048) << 4) | u64::from((y + 2048) << 4) << 16 | u64::from(z) << 32
}

fn rgba(r: u8, g: u8, b: u8, a: u8) -> u64 {
    u64::from(u32::from_le_bytes([r, g, b, a])) | u64::from(1.0f32.to_bits()) << 32
}

fn scissor(left: u64, right: u64, top: u64, bottom: u64) -> u64 {
    left | right << 16 | top << 32 | bottom << 48
}

/// ALPHA selectors: colours A, B, D are source / destination / zero; C is source alpha,
/// destination alpha or the fixed value (the same codes 0, 1, 2).
const SOURCE: u64 = 0;
const DESTINATION: u64 = 1;
const ZERO: u64 = 2;
const FIXED: u64 = 2;

/// ALPHA register: `((A - B) * C >> 7) + D`.
fn alpha(a: u64, b: u64, c: u64, d: u64, fixed: u64) -> u64 {
    a | b << 2 | c << 4 | d << 6 | fixed << 32
}

/// PRIM register values.
const SPRITE: u64 = 6;
const TRIANGLE: u64 = 3;
const TEXTURED: u64 = 1 << 4;
const BLENDED: u64 = 1 << 6;
const UV_COORDINATES: u64 = 1 << 8;
const GOURAUD: u64 = 1 << 3;

/// A GS set up like libgraph: 640x448 CT32 at block 0, NTSC interlaced FIELD, circuit 1, and a
/// drawing environment covering the buffer with offset 2048.0.
fn gs_640x448() -> Gs {
    let mut gs = Gs::new();
    gs.write_privileged(privileged::CSR, 1 << 9);
    gs.set_crt(true, 2, false);
    gs.write_privileged(privileged::PMODE, 0x8045); // EN1, CRTMD 1, AMOD, ALP 0x80
    gs.write_privileged(privileged::DISPFB1, 10 << 9);
    // DX 652, DY 50, MAGH 3, MAGV 0, DW 2559, DH 447.
    gs.write_privileged(privileged::DISPLAY1, 652 | 50 << 12 | 3 << 23 | 2559u64 << 32 | 447u64 << 44);
    gs.process_gif(&a_d_packet(&[
        (gp::FRAME_1, 10 << 16),
        (gp::XYOFFSET_1, (2048 << 4) | (2048u64 << 4) << 32),
        (gp::SCISSOR_1, scissor(0, 639, 0, 447)),
        (gp::TEST_1, 0),
        (gp::PRMODECONT, 1),
        (gp::COLCLAMP, 1),
    ]));
    gs
}

fn fill_rect(gs: &mut Gs, (x0, y0, x1, y1): (u32, u32, u32, u32), color: u64) {
    gs.process_gif(&a_d_packet(&[(gp::PRIM, SPRITE), (gp::RGBAQ, color), (gp::XYZ2, xyz(x0, y0, 0)), (gp::XYZ2, xyz(x1, y1, 0))]));
}

fn pixel(gs: &Gs, x: u32, y: u32) -> [u8; 4] {
    gs.display_rgba().expect("display enabled").pixel(x, y).expect("inside the frame")
}

/// Uploads `pixels` (one u32 per pixel) as a CT32 image at (x, y) in a buffer of `width_64`.
fn upload_ct32(gs: &mut Gs, base_block: u64, width_64: u64, (x, y, w, h): (u32, u32, u32, u32), pixels: &[u32]) {
    upload(gs, base_block, width_64, 0x00, (x, y, w, h), &pixels.iter().flat_map(|p| p.to_le_bytes()).collect::<Vec<_>>());
}

fn upload(gs: &mut Gs, base_block: u64, width_64: u64, psm: u64, (x, y, w, h): (u32, u32, u32, u32), bytes: &[u8]) {
    gs.process_gif(&a_d_packet(&[
        (gp::BITBLTBUF, base_block << 32 | width_64 << 48 | psm << 56),
        (gp::TRXPOS, u64::from(x) << 32 | u64::from(y) << 48),
        (gp::TRXREG, u64::from(w) | u64::from(h) << 32),
        (gp::TRXDIR, 0),
    ]));
    let mut data = bytes.to_vec();
    data.resize(bytes.len().div_ceil(16) * 16, 0);
    let qwords: Vec<u128> = data.chunks(16).map(|chunk| u128::from_le_bytes(chunk.try_into().unwrap())).collect();
    // The IMAGE tag and its data arrive in separate transfers, as ps2sdk sends them.
    gs.process_gif(&[giftag(qwords.len() as u32, true, 2, 0, 0)]);
    gs.process_gif(&qwords);
}

#[test]
fn debug_screen_setup_shows_a_640x224_buffer_and_uploaded_glyphs() {
    // ps2sdk init_scr: PMODE 0xFF62, DISPFB2 0x1400, DISPLAY2 0x001BF9FF0983227C.
    let mut gs = Gs::new();
    gs.set_crt(true, 2, false);
    gs.write_privileged(privileged::PMODE, 0xFF62);
    gs.write_privileged(privileged::DISPFB2, 0x1400);
    gs.write_privileged(0x1200_00A0, 0x001B_F9FF_0983_227C);
    // Clear to blue with the offsets the debug library uses (1728.0, 1936.0).
    gs.process_gif(&a_d_packet(&[
        (gp::FRAME_1, 0x000A_0000),
        (gp::XYOFFSET_1, (1728 << 4) | (1936u64 << 4) << 32),
        (gp::SCISSOR_1, scissor(0, 639, 0, 223)),
        (gp::PRMODECONT, 1),
        (gp::PRIM, SPRITE),
        (gp::RGBAQ, rgba(0, 0, 0xFF, 0x80)),
        (gp::XYZ2, (1728 << 4) | (1936u64 << 4) << 16),
        (gp::XYZ2, (2368 << 4) | (2160u64 << 4) << 16),
    ]));
    // One 8x8 glyph: a white diagonal on black at (100, 50).
    let glyph: Vec<u32> = (0..64).map(|i| if i % 8 == i / 8 { 0x00FF_FFFF } else { 0 }).collect();
    upload_ct32(&mut gs, 0, 10, (100, 50, 8, 8), &glyph);

    let frame = gs.display_rgba().unwrap();
    assert_eq!((frame.width, frame.height), (640, 224));
    assert_eq!(frame.pixel(0, 0), Some([0, 0, 255, 255]));
    assert_eq!(frame.pixel(639, 223), Some([0, 0, 255, 255]));
    assert_eq!(frame.pixel(103, 53), Some([255, 255, 255, 255]));
    assert_eq!(frame.pixel(104, 53), Some([0, 0, 0, 255]));
    assert_eq!(gs.stats().pixels_uploaded, 64);
    assert!(gs.gif_idle());

    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("screen.png");
    gs.save_png(&path).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut decoded = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut decoded).unwrap();
    assert_eq!((info.width, info.height), (640, 224));
    assert_eq!(&decoded[..info.buffer_size()], frame.rgba.as_slice());
}

#[test]
fn uploads_read_back_through_the_display_window() {
    let mut gs = gs_640x448();
    let image: Vec<u32> = (0..16 * 4).map(|i| 0xFF00_0000 | (i * 0x0001_0203)).collect();
    upload_ct32(&mut gs, 0, 10, (600, 400, 16, 4), &image);
    // Move the display window onto the image: DBX 600, DBY 400.
    gs.write_privileged(privileged::DISPFB1, 10 << 9 | 600u64 << 32 | 400u64 << 43);
    let frame = gs.display_rgba().unwrap();
    for (index, &expected) in image.iter().enumerate() {
        let [r, g, b, _] = expected.to_le_bytes();
        assert_eq!(frame.pixel(index as u32 % 16, index as u32 / 16).unwrap(), [r, g, b, 255], "pixel {index}");
    }
}

#[test]
fn sprites_cover_exactly_their_area_within_the_scissor() {
    let mut gs = gs_640x448();
    fill_rect(&mut gs, (10, 20, 30, 40), rgba(255, 0, 0, 0x80));
    assert_eq!(pixel(&gs, 10, 20), [255, 0, 0, 255]);
    assert_eq!(pixel(&gs, 29, 39), [255, 0, 0, 255]);
    assert_eq!(pixel(&gs, 30, 39), [0, 0, 0, 255]);
    assert_eq!(pixel(&gs, 29, 40), [0, 0, 0, 255]);
    assert_eq!(pixel(&gs, 9, 20), [0, 0, 0, 255]);

    gs.process_gif(&a_d_packet(&[(gp::SCISSOR_1, scissor(100, 109, 0, 9))]));
    fill_rect(&mut gs, (50, 0, 200, 100), rgba(0, 255, 0, 0x80));
    assert_eq!(pixel(&gs, 100, 0), [0, 255, 0, 255]);
    assert_eq!(pixel(&gs, 109, 9), [0, 255, 0, 255]);
    assert_eq!(pixel(&gs, 110, 5), [0, 0, 0, 255]);
    assert_eq!(pixel(&gs, 105, 10), [0, 0, 0, 255]);
    assert_eq!(pixel(&gs, 99, 5), [0, 0, 0, 255]);
}

#[test]
fn triangles_sharing_an_edge_draw_each_pixel_once() {
    let mut gs = gs_640x448();
    // Additive blending (Cs - 0) * FIX(0x80) + Cd: a pixel drawn twice would read 2x.
    let additive = alpha(SOURCE, ZERO, FIXED, DESTINATION, 0x80);
    let color = rgba(40, 40, 40, 0x80);
    gs.process_gif(&a_d_packet(&[
        (gp::ALPHA_1, additive),
        (gp::PRIM, TRIANGLE | BLENDED),
        (gp::RGBAQ, color),
        (gp::XYZ2, xyz(10, 10, 0)),
        (gp::XYZ2, xyz(50, 10, 0)),
        (gp::XYZ2, xyz(50, 50, 0)),
        (gp::XYZ2, xyz(10, 10, 0)),
        (gp::XYZ2, xyz(50, 50, 0)),
        (gp::XYZ2, xyz(10, 50, 0)),
    ]));
    let frame = gs.display_rgba().unwrap();
    for y in 0..60 {
        for x in 0..60 {
            let inside = (10..50).contains(&x) && (10..50).contains(&y);
            let expected = if inside { [40, 40, 40, 255] } else { [0, 0, 0, 255] };
            assert_eq!(frame.pixel(x, y).unwrap(), expected, "({x}, {y})");
        }
    }
}

#[test]
fn gouraud_triangles_interpolate_colour() {
    let mut gs = gs_640x448();
    gs.process_gif(&a_d_packet(&[
        (gp::PRIM, TRIANGLE | GOURAUD),
        (gp::RGBAQ, rgba(255, 0, 0, 0x80)),
        (gp::XYZ2, xyz(0, 0, 0)),
        (gp::RGBAQ, rgba(0, 255, 0, 0x80)),
        (gp::XYZ2, xyz(200, 0, 0)),
        (gp::RGBAQ, rgba(0, 0, 255, 0x80)),
        (gp::XYZ2, xyz(0, 200, 0)),
    ]));
    assert_eq!(pixel(&gs, 0, 0), [255, 0, 0, 255]);
    let [r, g, b, _] = pixel(&gs, 100, 0);
    assert!((r as i32 - 128).abs() <= 2 && (g as i32 - 128).abs() <= 2 && b == 0, "{r} {g} {b}");
    assert_eq!(pixel(&gs, 150, 150), [0, 0, 0, 255], "outside the triangle");
}

#[test]
fn alpha_blending_mixes_with_the_frame_buffer() {
    let mut gs = gs_640x448();
    fill_rect(&mut gs, (0, 0, 10, 10), rgba(200, 100, 0, 0x80));
    // (Cs - Cd) * As + Cd with As = 0x40 (one half).
    gs.process_gif(&a_d_packet(&[(gp::ALPHA_1, alpha(SOURCE, DESTINATION, SOURCE, DESTINATION, 0))]));
    gs.process_gif(&a_d_packet(&[
        (gp::PRIM, SPRITE | BLENDED),
        (gp::RGBAQ, rgba(0, 0, 200, 0x40)),
        (gp::XYZ2, xyz(0, 0, 0)),
        (gp::XYZ2, xyz(10, 10, 0)),
    ]));
    assert_eq!(pixel(&gs, 5, 5), [100, 50, 100, 255]);
}

#[test]
fn textured_sprites_use_a_4_bit_font_through_a_clut_with_alpha_test() {
    let mut gs = gs_640x448();
    fill_rect(&mut gs, (0, 0, 64, 64), rgba(0, 0, 90, 0x80));
    // CLUT at block 0x3000: 16 CT32 entries as an 8x2 image; entry 0 transparent.
    let mut clut = vec![0u32; 16];
    clut[1] = 0x80FF_FFFF; // white
    clut[2] = 0x8000_FF00; // green
    upload_ct32(&mut gs, 0x3000, 1, (0, 0, 8, 2), &clut);
    // An 8x8 4-bit texture at block 0x3100: left half index 1, right half index 0, last row 2.
    let mut nibbles = Vec::new();
    for y in 0..8 {
        for x in 0..8 {
            nibbles.push(if y == 7 { 2 } else if x < 4 { 1 } else { 0 });
        }
    }
    let bytes: Vec<u8> = nibbles.chunks(2).map(|pair| pair[0] | pair[1] << 4).collect();
    upload(&mut gs, 0x3100, 2, 0x14, (0, 0, 8, 8), &bytes);

    // TEX0: TBP 0x3100, TBW 2, PSM T4, TW=TH=3 (8x8), TCC, DECAL, CBP 0x3000, CPSM CT32.
    let tex0 = 0x3100 | 2 << 14 | 0x14 << 20 | 3 << 26 | 3 << 30 | 1 << 34 | 1 << 35 | 0x3000u64 << 37;
    // Alpha test: pass when alpha != 0, failing pixels are not written (AFAIL KEEP).
    let test = 1 | 7 << 1;
    let uv = |u: u64, v: u64| (u << 4) | (v << 4) << 16;
    gs.process_gif(&a_d_packet(&[
        (gp::TEX0_1, tex0),
        (gp::TEST_1, test),
        (gp::PRIM, SPRITE | TEXTURED | UV_COORDINATES),
        (gp::RGBAQ, rgba(0x80, 0x80, 0x80, 0x80)),
        (gp::UV, uv(0, 0)),
        (gp::XYZ2, xyz(16, 16, 0)),
        (gp::UV, uv(8, 8)),
        (gp::XYZ2, xyz(24, 24, 0)),
    ]));
    assert_eq!(pixel(&gs, 16, 16), [255, 255, 255, 255], "index 1");
    assert_eq!(pixel(&gs, 19, 22), [255, 255, 255, 255], "index 1");
    assert_eq!(pixel(&gs, 20, 16), [0, 0, 90, 255], "index 0 is transparent");
    assert_eq!(pixel(&gs, 23, 23), [0, 255, 0, 255], "index 2");
    assert_eq!(pixel(&gs, 24, 24), [0, 0, 90, 255], "outside the sprite");
}

#[test]
fn depth_test_rejects_farther_pixels() {
    let mut gs = gs_640x448();
    // Z buffer at block 0x118000/256 (FBP 140 in pages), Z32; test GEQUAL then GREATER.
    gs.process_gif(&a_d_packet(&[(gp::ZBUF_1, 140), (gp::TEST_1, 1 << 16 | 1 << 17)]));
    let draw = |gs: &mut Gs, z: u32, color: u64| {
        gs.process_gif(&a_d_packet(&[(gp::PRIM, SPRITE), (gp::RGBAQ, color), (gp::XYZ2, xyz(0, 0, z)), (gp::XYZ2, xyz(4, 4, z))]));
    };
    draw(&mut gs, 100, rgba(255, 0, 0, 0x80)); // ALWAYS: writes Z 100
    gs.process_gif(&a_d_packet(&[(gp::TEST_1, 1 << 16 | 3 << 17)])); // GREATER
    draw(&mut gs, 50, rgba(0, 255, 0, 0x80));
    assert_eq!(pixel(&gs, 1, 1), [255, 0, 0, 255], "z 50 is behind 100");
    draw(&mut gs, 100, rgba(0, 255, 0, 0x80));
    assert_eq!(pixel(&gs, 1, 1), [255, 0, 0, 255], "equal z fails GREATER");
    draw(&mut gs, 150, rgba(0, 0, 255, 0x80));
    assert_eq!(pixel(&gs, 1, 1), [0, 0, 255, 255]);
}

#[test]
fn sixteen_bit_frame_buffers_and_local_copies() {
    let mut gs = gs_640x448();
    gs.process_gif(&a_d_packet(&[(gp::FRAME_1, 10 << 16 | 0x02 << 24)]));
    gs.write_privileged(privileged::DISPFB1, 10 << 9 | 0x02 << 15);
    fill_rect(&mut gs, (0, 0, 8, 8), rgba(0xF8, 0x80, 0x08, 0x80));
    assert_eq!(pixel(&gs, 7, 7), [0xF8, 0x80, 0x08, 255]);
    // Copy the square to (100, 100) with a local->local transfer.
    gs.process_gif(&a_d_packet(&[
        (gp::BITBLTBUF, 10 << 16 | 0x02 << 24 | 10u64 << 48 | 0x02u64 << 56),
        (gp::TRXPOS, 100u64 << 32 | 100u64 << 48),
        (gp::TRXREG, 8 | 8u64 << 32),
        (gp::TRXDIR, 2),
    ]));
    assert_eq!(pixel(&gs, 107, 107), [0xF8, 0x80, 0x08, 255]);
    assert_eq!(pixel(&gs, 108, 108), [0, 0, 0, 255]);
}

#[test]
fn csr_events_interrupts_and_reset() {
    let mut gs = Gs::new();
    let csr = |gs: &Gs| gs.read_privileged(privileged::CSR);
    gs.process_gif(&a_d_packet(&[(gp::FINISH, 0)]));
    assert_eq!(csr(&gs) & 2, 2);
    assert!(!gs.interrupt_pending(), "all masked after power-on");
    gs.write_privileged(privileged::IMR, 0x7F00 & !(1 << 9)); // unmask FINISH
    assert!(gs.interrupt_pending());
    gs.write_privileged(privileged::CSR, 2);
    assert_eq!(csr(&gs) & 2, 0);
    assert!(!gs.interrupt_pending());

    gs.set_crt(true, 2, false);
    gs.write_privileged(privileged::IMR, 0x7F00 & !(1 << 11)); // unmask VSINT
    let field_before = csr(&gs) & (1 << 13);
    assert!(gs.vsync());
    assert_ne!(csr(&gs) & (1 << 13), field_before, "FIELD flips when interlaced");
    assert_eq!(csr(&gs) & 8, 8);

    gs.process_gif(&a_d_packet(&[(gp::SIGNAL, 0xFFFF_FFFF_0000_1234)]));
    assert_eq!(gs.read_privileged(privileged::SIGLBLID) & 0xFFFF_FFFF, 0x1234);
    assert_eq!(csr(&gs) & 1, 1);

    gs.process_gif(&a_d_packet(&[(gp::FRAME_1, 123)]));
    gs.write_privileged(privileged::CSR, 1 << 9);
    assert_eq!(gs.register(gp::FRAME_1), 0, "reset clears drawing registers");
    assert_eq!(csr(&gs) & 0x1F, 0);
}

/// xorshift64*, so a failure reproduces.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn arbitrary_gif_data_never_panics() {
    let mut state = 0x1234_5678_9ABC_DEF1;
    let mut gs = gs_640x448();
    // A small scissor keeps random primitives cheap; transfers are kept small below.
    gs.process_gif(&a_d_packet(&[(gp::SCISSOR_1, scissor(0, 63, 0, 63))]));
    let steering = [gp::PRIM, gp::XYZ2, gp::XYZF3, gp::TEX0_1, gp::TRXDIR, gp::TRXREG, gp::BITBLTBUF, gp::FRAME_1, gp::TEST_1];
    for round in 0..300 {
        let mut packet = Vec::new();
        for _ in 0..16 {
            let random = u128::from(next(&mut state)) | u128::from(next(&mut state)) << 64;
            let qword = match next(&mut state) % 3 {
                // Anything, with a small NLOOP in case it is read as a GIFtag.
                0 => (random & !0x7FFF) | u128::from(next(&mut state) % 4),
                // An A+D write of a register that steers drawing and transfers.
                _ => {
                    let register = steering[(next(&mut state) % steering.len() as u64) as usize];
                    let mut data = random as u64;
                    if register == gp::TRXREG {
                        data &= 0x3F_0000_003F;
                    }
                    u128::from(data) | u128::from(register) << 64
                }
            };
            packet.push(qword);
        }
        gs.process_gif(&packet);
        // Random DISPFB/DISPLAY values must not break the read-out (up to 2048x2048: sampled).
        gs.write_privileged(privileged::DISPLAY1, next(&mut state));
        gs.write_privileged(privileged::DISPFB1, next(&mut state));
        if round % 20 == 0 {
            let _ = gs.display_rgba();
        }
    }
}

#[test]
fn frame_mask_and_forced_alpha_bit() {
    let mut gs = gs_640x448();
    fill_rect(&mut gs, (0, 0, 4, 4), rgba(0x11, 0x22, 0x33, 0x00));
    // FBMSK keeps green; FBA sets the alpha MSB of everything written.
    gs.process_gif(&a_d_packet(&[(gp::FRAME_1, 10 << 16 | 0x0000_FF00u64 << 32), (gp::FBA_1, 1)]));
    fill_rect(&mut gs, (0, 0, 4, 4), rgba(0xAA, 0xBB, 0xCC, 0x10));
    let stored = gs.vram().bytes()[..4].to_vec();
    assert_eq!(stored, [0xAA, 0x22, 0xCC, 0x90]);
}

#[test]
fn ct32_textures_modulate_with_stq_coordinates() {
    let mut gs = gs_640x448();
    // An 8x8 CT32 texture at block 0x2000: texel (x, y) = (x*32, y*32, 255).
    let texels: Vec<u32> = (0..64).map(|i| u32::from_le_bytes([(i % 8 * 32) as u8, (i / 8 * 32) as u8, 255, 0x80])).collect();
    upload_ct32(&mut gs, 0x2000, 1, (0, 0, 8, 8), &texels);
    // TEX0: TBP 0x2000, TBW 1, CT32, 8x8, TCC, MODULATE; STQ with Q = 1.
    let tex0 = 0x2000 | 1 << 14 | 3 << 26 | 3 << 30 | 1 << 34;
    let st = |s: f32, t: f32| u64::from(s.to_bits()) | u64::from(t.to_bits()) << 32;
    gs.process_gif(&a_d_packet(&[
        (gp::TEX0_1, tex0),
        (gp::PRIM, SPRITE | TEXTURED),
        (gp::RGBAQ, rgba(0x80, 0x40, 0x80, 0x80)), // green at half intensity
        (gp::ST, st(0.0, 0.0)),
        (gp::XYZ2, xyz(100, 100, 0)),
        (gp::ST, st(1.0, 1.0)),
        (gp::XYZ2, xyz(108, 108, 0)),
    ]));
    assert_eq!(pixel(&gs, 100, 100), [0, 0, 255, 255]);
    assert_eq!(pixel(&gs, 107, 107), [224, 112, 255, 255], "texel (7, 7) with green halved");
    assert_eq!(pixel(&gs, 103, 105), [96, 80, 255, 255]);
}
