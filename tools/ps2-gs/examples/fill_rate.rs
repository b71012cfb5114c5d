//! Measures the model's speed on the work a text console produces: full-screen clears (sprites),
//! small untextured sprites, 8x8 glyph uploads (IMAGE transfers) and textured 4-bit glyph sprites.
//!
//! `cargo hrun --release -p ps2-gs --example fill_rate`

use std::time::Instant;

use ps2_gs::Gs;
use ps2_gs::regs::gp;

fn a_d(writes: &[(u8, u64)]) -> Vec<u128> {
    let tag = u128::from(writes.len() as u64 | 1 << 15 | 1u64 << 60) | 0xE << 64;
    std::iter::once(tag).chain(writes.iter().map(|&(register, value)| u128::from(value) | u128::from(register) << 64)).collect()
}

fn xy(x: u64, y: u64) -> u64 {
    ((x + 2048) << 4) | ((y + 2048) << 4) << 16
}

fn main() {
    let mut gs = Gs::new();
    gs.process_gif(&a_d(&[
        (gp::FRAME_1, 10 << 16),
        (gp::XYOFFSET_1, (2048 << 4) | (2048u64 << 4) << 32),
        (gp::SCISSOR_1, 639 << 16 | 447u64 << 48),
        (gp::PRMODECONT, 1),
    ]));
    let clear = a_d(&[(gp::PRIM, 6), (gp::RGBAQ, 0x8000_0000), (gp::XYZ2, xy(0, 0)), (gp::XYZ2, xy(640, 448))]);
    let start = Instant::now();
    let clears = 50;
    for _ in 0..clears {
        gs.process_gif(&clear);
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("sprite fill: {:.1} Mpixel/s", f64::from(clears * 640 * 448) / seconds / 1e6);

    // ps2-gs-text's pattern: one PRIM, then RGBAQ + two XYZ2 per small sprite, in one packet.
    // Packets of one screen row (80 cells) each: NLOOP is 15 bits, so packets stay small.
    let cells = 100_000u32;
    let packets: Vec<Vec<u128>> = (0..cells / 80)
        .map(|row| {
            let mut writes = vec![(gp::PRIM, 6)];
            for column in 0..80u64 {
                let (x, y) = (column * 8, u64::from(row % 56) * 8);
                writes.extend([(gp::RGBAQ, column << 3), (gp::XYZ2, xy(x, y)), (gp::XYZ2, xy(x + 8, y + 8))]);
            }
            a_d(&writes)
        })
        .collect();
    let start = Instant::now();
    for packet in &packets {
        gs.process_gif(packet);
    }
    assert!(gs.gif_idle());
    let seconds = start.elapsed().as_secs_f64();
    println!("8x8 untextured sprites: {:.0} k sprites/s", f64::from(cells) / seconds / 1e3);

    let glyphs = 20_000u32;
    let pixels = vec![0xFFFF_FFFFu128; 16];
    let start = Instant::now();
    for index in 0..glyphs {
        let (x, y) = (u64::from(index % 80) * 8, u64::from(index / 80 % 56) * 8);
        gs.process_gif(&a_d(&[
            (gp::BITBLTBUF, 10u64 << 48),
            (gp::TRXPOS, x << 32 | y << 48),
            (gp::TRXREG, 8 | 8 << 32),
            (gp::TRXDIR, 0),
        ]));
        gs.process_gif(&[u128::from(16u64 | 1 << 15 | 2 << 58)]);
        gs.process_gif(&pixels);
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("8x8 glyph uploads: {:.0} k glyphs/s", f64::from(glyphs) / seconds / 1e3);

    let tex0 = 0x3100 | 2 << 14 | 0x14 << 20 | 3 << 26 | 3 << 30 | 1 << 34 | 1 << 35 | 0x3000u64 << 37;
    let start = Instant::now();
    for index in 0..glyphs {
        let (x, y) = (u64::from(index % 80) * 8, u64::from(index / 80 % 56) * 8);
        gs.process_gif(&a_d(&[
            (gp::TEX0_1, tex0),
            (gp::PRIM, 6 | 1 << 4 | 1 << 8),
            (gp::UV, 0),
            (gp::XYZ2, xy(x, y)),
            (gp::UV, (8 << 4) | (8 << 4) << 16),
            (gp::XYZ2, xy(x + 8, y + 8)),
        ]));
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("textured 8x8 glyph sprites: {:.0} k glyphs/s", f64::from(glyphs) / seconds / 1e3);
}
