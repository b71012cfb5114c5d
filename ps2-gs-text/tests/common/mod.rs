//! Shared by the host tests: reading the console's text back from pixels ("screen OCR").

use ps2_gs_text::font;
use ps2_gs_text::{Color, Layout};

/// Reads every cell of `layout` from a pixel source: each glyph pixel must be the cell's foreground or its
/// background colour, all screen pixels of a (scaled) glyph pixel must agree, and the bit pattern must be a
/// glyph of the font. Returns the rows with trailing spaces trimmed.
pub fn read_screen(layout: &Layout, pixel: impl Fn(usize, usize) -> Color, colors: impl Fn(u16, u16) -> (Color, Color)) -> Vec<String> {
    let (sx, sy) = (layout.scale_x as usize, layout.scale_y as usize);
    (0..layout.rows)
        .map(|row| {
            let text: String = (0..layout.columns)
                .map(|column| {
                    let (x0, y0) = layout.cell_origin(column, row);
                    let (x0, y0) = (x0 as usize, y0 as usize);
                    let (foreground, background) = colors(column, row);
                    let mut bits = [0u8; 8];
                    for (gy, row_bits) in bits.iter_mut().enumerate() {
                        for gx in 0..8 {
                            let c = pixel(x0 + gx * sx, y0 + gy * sy);
                            for dy in 0..sy {
                                for dx in 0..sx {
                                    assert_eq!(pixel(x0 + gx * sx + dx, y0 + gy * sy + dy), c, "scaled pixel");
                                }
                            }
                            if c == foreground && c != background {
                                *row_bits |= 0x80 >> gx;
                            } else {
                                assert_eq!(c, background, "cell ({column}, {row}) has a stray colour");
                            }
                        }
                    }
                    (0x20..=0x7Fu8)
                        .find(|&code| font::glyph(code) == &bits)
                        .map(|code| if code == font::REPLACEMENT { '\u{FFFD}' } else { code as char })
                        .unwrap_or_else(|| panic!("cell ({column}, {row}) shows no glyph: {bits:02x?}"))
                })
                .collect();
            text.trim_end().to_string()
        })
        .collect()
}
