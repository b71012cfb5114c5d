//! Reads the text on a screenshot of the `ps2-gs-text` console ("screen OCR"), so tests can assert what a
//! person would see: every cell of the console's grid is matched against the built-in font. A cell's
//! background is its most common colour and any other colour is ink, so any colour scheme reads.

use std::path::Path;

use anyhow::{Context, Result, bail};
use ps2_gs_text::{ConsoleConfig, Layout, VideoMode, font};

/// The console rows visible in a PNG screenshot, trailing spaces trimmed; cells that are not a glyph read `?`.
pub fn read_text(path: &Path) -> Result<Vec<String>> {
    let decoder = png::Decoder::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?);
    let mut reader = decoder.read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels)?;
    let channels = info.color_type.samples();
    let (width, height) = (info.width as usize, info.height as usize);
    let mode = [VideoMode::NtscInterlaced, VideoMode::PalInterlaced, VideoMode::Progressive480p]
        .into_iter()
        .find(|m| m.width() as usize == width && m.height() as usize == height)
        .with_context(|| format!("a {width}x{height} screenshot is no console video mode"))?;
    let Ok(layout) = Layout::compute(mode, &ConsoleConfig::for_mode(mode)) else { bail!("no console layout for {mode:?}") };
    let pixel = |x: usize, y: usize| -> [u8; 3] {
        let at = (y * width + x) * channels;
        [pixels[at], pixels[at + 1], pixels[at + 2]]
    };
    Ok((0..layout.rows).map(|row| read_row(&layout, row, &pixel)).collect())
}

fn read_row(layout: &Layout, row: u16, pixel: &impl Fn(usize, usize) -> [u8; 3]) -> String {
    let (sx, sy) = (layout.scale_x as usize, layout.scale_y as usize);
    let text: String = (0..layout.columns)
        .map(|column| {
            let (x0, y0) = layout.cell_origin(column, row);
            let samples: Vec<[u8; 3]> =
                (0..64).map(|i| pixel(x0 as usize + (i % 8) * sx, y0 as usize + (i / 8) * sy)).collect();
            let background = *samples
                .iter()
                .max_by_key(|c| samples.iter().filter(|d| d == c).count())
                .expect("64 samples");
            let mut bits = [0u8; 8];
            for (i, c) in samples.iter().enumerate() {
                if *c != background {
                    bits[i / 8] |= 0x80 >> (i % 8);
                }
            }
            (0x20..=0x7Eu8).find(|&code| font::glyph(code) == &bits).map_or('?', char::from)
        })
        .collect();
    text.trim_end().to_string()
}

/// Fails unless some row of the screenshot contains each of `expected`.
pub fn expect_text(path: &Path, expected: &[&str]) -> Result<()> {
    let rows = read_text(path)?;
    for wanted in expected {
        if !rows.iter().any(|row| row.contains(wanted)) {
            bail!("the screenshot {} does not show {wanted:?}; it shows:\n{}", path.display(), rows.join("\n"));
        }
    }
    eprintln!("    screenshot {} shows {expected:?}", path.display());
    Ok(())
}
