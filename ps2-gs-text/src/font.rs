//! The built-in 8×8 bitmap font: every printable ASCII character (0x20-0x7E) plus a replacement box.
//!
//! The glyphs were drawn for this crate as the ASCII art below (5 columns × 8 rows, `#` = ink); they sit in
//! columns 1-5 of the 8-pixel cell, which leaves a 3-pixel gap between characters and keeps text readable
//! when an interlaced TV blurs neighbouring pixels. Row 7 is used only by descenders and `_`. The art is
//! turned into one byte per row at compile time (bit 7 = leftmost pixel, the usual 1-bpp layout).

/// Width and height of a glyph cell in pixels.
pub const GLYPH_SIZE: u16 = 8;

/// The glyph drawn for characters the font lacks (anything outside printable ASCII).
pub const REPLACEMENT: u8 = 0x7F;

/// A glyph: 8 rows, bit 7 = leftmost pixel.
pub type Glyph = [u8; 8];

/// Art for 0x20..=0x7F, in order (0x7F is the replacement box).
const ART: [[&str; 8]; 96] = [
    [".....", ".....", ".....", ".....", ".....", ".....", ".....", "....."], // space
    ["..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#..", "....."], // !
    [".#.#.", ".#.#.", ".....", ".....", ".....", ".....", ".....", "....."], // "
    [".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#.", "....."], // #
    ["..#..", ".####", "#.#..", ".###.", "..#.#", "####.", "..#..", "....."], // $
    ["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##", "....."], // %
    [".##..", "#..#.", "#.#..", ".#...", "#.#.#", "#..#.", ".##.#", "....."], // &
    ["..#..", "..#..", ".....", ".....", ".....", ".....", ".....", "....."], // '
    ["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#.", "....."], // (
    [".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#...", "....."], // )
    [".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", ".....", "....."], // *
    [".....", "..#..", "..#..", "#####", "..#..", "..#..", ".....", "....."], // +
    [".....", ".....", ".....", ".....", ".....", "..#..", "..#..", ".#..."], // ,
    [".....", ".....", ".....", "#####", ".....", ".....", ".....", "....."], // -
    [".....", ".....", ".....", ".....", ".....", ".##..", ".##..", "....."], // .
    [".....", "....#", "...#.", "..#..", ".#...", "#....", ".....", "....."], // /
    [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.", "....."], // 0
    ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.", "....."], // 1
    [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####", "....."], // 2
    ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###.", "....."], // 3
    ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.", "....."], // 4
    ["#####", "#....", "####.", "....#", "....#", "#...#", ".###.", "....."], // 5
    ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###.", "....."], // 6
    ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...", "....."], // 7
    [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.", "....."], // 8
    [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##..", "....."], // 9
    [".....", ".##..", ".##..", ".....", ".##..", ".##..", ".....", "....."], // :
    [".....", ".##..", ".##..", ".....", ".##..", ".##..", "..#..", ".#..."], // ;
    ["...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#.", "....."], // <
    [".....", ".....", "#####", ".....", "#####", ".....", ".....", "....."], // =
    [".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#...", "....."], // >
    [".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#..", "....."], // ?
    [".###.", "#...#", "....#", ".##.#", "#.#.#", "#.#.#", ".###.", "....."], // @
    [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#", "....."], // A
    ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####.", "....."], // B
    [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###.", "....."], // C
    ["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###..", "....."], // D
    ["#####", "#....", "#....", "####.", "#....", "#....", "#####", "....."], // E
    ["#####", "#....", "#....", "####.", "#....", "#....", "#....", "....."], // F
    [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####", "....."], // G
    ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#", "....."], // H
    [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.", "....."], // I
    ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##..", "....."], // J
    ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#", "....."], // K
    ["#....", "#....", "#....", "#....", "#....", "#....", "#####", "....."], // L
    ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#", "....."], // M
    ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "....."], // N
    [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.", "....."], // O
    ["####.", "#...#", "#...#", "####.", "#....", "#....", "#....", "....."], // P
    [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#", "....."], // Q
    ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#", "....."], // R
    [".####", "#....", "#....", ".###.", "....#", "....#", "####.", "....."], // S
    ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "....."], // T
    ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.", "....."], // U
    ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#..", "....."], // V
    ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#.", "....."], // W
    ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#", "....."], // X
    ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#..", "....."], // Y
    ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####", "....."], // Z
    [".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###.", "....."], // [
    [".....", "#....", ".#...", "..#..", "...#.", "....#", ".....", "....."], // backslash
    [".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###.", "....."], // ]
    ["..#..", ".#.#.", "#...#", ".....", ".....", ".....", ".....", "....."], // ^
    [".....", ".....", ".....", ".....", ".....", ".....", ".....", "#####"], // _
    [".#...", "..#..", ".....", ".....", ".....", ".....", ".....", "....."], // `
    [".....", ".....", ".###.", "....#", ".####", "#...#", ".####", "....."], // a
    ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####.", "....."], // b
    [".....", ".....", ".###.", "#....", "#....", "#...#", ".###.", "....."], // c
    ["....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####", "....."], // d
    [".....", ".....", ".###.", "#...#", "#####", "#....", ".###.", "....."], // e
    ["..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#...", "....."], // f
    [".....", ".....", ".####", "#...#", "#...#", ".####", "....#", ".###."], // g
    ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#", "....."], // h
    ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###.", "....."], // i
    ["...#.", ".....", "..##.", "...#.", "...#.", "...#.", "#..#.", ".##.."], // j
    ["#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "....."], // k
    [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.", "....."], // l
    [".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#", "....."], // m
    [".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#", "....."], // n
    [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###.", "....."], // o
    [".....", ".....", "####.", "#...#", "#...#", "####.", "#....", "#...."], // p
    [".....", ".....", ".####", "#...#", "#...#", ".####", "....#", "....#"], // q
    [".....", ".....", "#.##.", "##..#", "#....", "#....", "#....", "....."], // r
    [".....", ".....", ".####", "#....", ".###.", "....#", "####.", "....."], // s
    [".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##.", "....."], // t
    [".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#", "....."], // u
    [".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#..", "....."], // v
    [".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#.", "....."], // w
    [".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "....."], // x
    [".....", ".....", "#...#", "#...#", "#...#", ".####", "....#", ".###."], // y
    [".....", ".....", "#####", "...#.", "..#..", ".#...", "#####", "....."], // z
    ["...##", "..#..", "..#..", ".#...", "..#..", "..#..", "...##", "....."], // {
    ["..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "....."], // |
    ["##...", "..#..", "..#..", "...#.", "..#..", "..#..", "##...", "....."], // }
    [".....", ".....", ".#...", "#.#.#", "...#.", ".....", ".....", "....."], // ~
    ["#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####", "....."], // replacement box
];

/// Converts one art row (`#` = ink, 5 columns) into a byte with the glyph in bits 6..2 (cell columns 1-5).
const fn row_bits(row: &str) -> u8 {
    let bytes = row.as_bytes();
    assert!(bytes.len() == 5, "font art rows are 5 characters wide");
    let mut bits = 0u8;
    let mut i = 0;
    while i < 5 {
        match bytes[i] {
            b'#' => bits |= 0x40 >> i,
            b'.' => {}
            _ => panic!("font art uses only '#' and '.'"),
        }
        i += 1;
    }
    bits
}

const fn build() -> [Glyph; 96] {
    let mut font = [[0u8; 8]; 96];
    let mut g = 0;
    while g < 96 {
        let mut r = 0;
        while r < 8 {
            font[g][r] = row_bits(ART[g][r]);
            r += 1;
        }
        g += 1;
    }
    font
}

/// The glyphs for 0x20..=0x7F.
static FONT: [Glyph; 96] = FONT_TABLE;

/// The glyph index (a byte in 0x20..=0x7F) the console stores for `ch`: itself when printable ASCII, else
/// [`REPLACEMENT`].
pub const fn glyph_code(ch: char) -> u8 {
    if ch >= ' ' && ch <= '~' { ch as u8 } else { REPLACEMENT }
}

/// The glyph of a code from [`glyph_code`] (other values give the replacement box).
pub fn glyph(code: u8) -> &'static Glyph {
    let index = if (0x20..=0x7F).contains(&code) { code - 0x20 } else { REPLACEMENT - 0x20 };
    &FONT[index as usize]
}

/// A rectangle of ink inside a glyph cell, in glyph pixels: columns `x0..x1`, rows `y0..y1` (exclusive ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Rect {
    /// First column.
    pub x0: u8,
    /// One past the last column.
    pub x1: u8,
    /// First row.
    pub y0: u8,
    /// One past the last row.
    pub y1: u8,
}

/// The most rectangles a glyph can need (4 runs in each of 8 rows).
pub const MAX_RECTS: usize = 32;

/// A glyph decomposed into rectangles, each drawn as one GS sprite.
#[derive(Clone, Copy, Debug)]
pub struct GlyphRects {
    rects: [Rect; MAX_RECTS],
    len: usize,
}

impl GlyphRects {
    /// The rectangles.
    pub fn as_slice(&self) -> &[Rect] {
        &self.rects[..self.len]
    }
}

/// Splits a glyph into horizontal runs of ink and merges runs that repeat on the next row into one taller
/// rectangle (a vertical stem becomes one sprite instead of seven). The built-in font's rectangles are
/// computed once at compile time ([`glyph_rects`]); this is for other glyphs.
pub const fn rects(glyph: &Glyph) -> GlyphRects {
    let mut out = GlyphRects { rects: [Rect { x0: 0, x1: 0, y0: 0, y1: 0 }; MAX_RECTS], len: 0 };
    let mut y = 0;
    while y < 8 {
        let bits = glyph[y];
        let mut x = 0u8;
        while x < 8 {
            if bits & (0x80 >> x) == 0 {
                x += 1;
                continue;
            }
            let start = x;
            while x < 8 && bits & (0x80 >> x) != 0 {
                x += 1;
            }
            // Extend a rectangle that ends on the row above with exactly this run, else start one.
            let mut i = 0;
            let mut extended = false;
            while i < out.len {
                let r = &mut out.rects[i];
                if r.x0 == start && r.x1 == x && r.y1 == y as u8 {
                    r.y1 = y as u8 + 1;
                    extended = true;
                    break;
                }
                i += 1;
            }
            if !extended {
                out.rects[out.len] = Rect { x0: start, x1: x, y0: y as u8, y1: y as u8 + 1 };
                out.len += 1;
            }
        }
        y += 1;
    }
    out
}

const fn build_rects() -> [GlyphRects; 96] {
    let mut all = [GlyphRects { rects: [Rect { x0: 0, x1: 0, y0: 0, y1: 0 }; MAX_RECTS], len: 0 }; 96];
    let mut g = 0;
    while g < 96 {
        all[g] = rects(&FONT_TABLE[g]);
        g += 1;
    }
    all
}

/// The glyphs as a constant, for the compile-time rectangle table.
const FONT_TABLE: [Glyph; 96] = build();
/// Every built-in glyph's rectangles, computed at compile time so drawing a character does no bit scanning.
static RECTS: [GlyphRects; 96] = build_rects();

/// The rectangles of a built-in glyph (codes as for [`glyph`]).
pub fn glyph_rects(code: u8) -> &'static GlyphRects {
    let index = if (0x20..=0x7F).contains(&code) { code - 0x20 } else { REPLACEMENT - 0x20 };
    &RECTS[index as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_ascii_character_has_its_own_glyph() {
        let mut seen = std::collections::HashMap::new();
        for ch in ' '..='~' {
            let g = *glyph(glyph_code(ch));
            if ch != ' ' {
                assert!(g.iter().any(|&row| row != 0), "{ch:?} is blank");
            }
            if let Some(other) = seen.insert(g, ch) {
                panic!("{ch:?} and {other:?} share a glyph");
            }
            // Columns 0, 6 and 7 stay empty: they are the gap between characters.
            assert!(g.iter().all(|&row| row & 0x83 == 0), "{ch:?} leaves its 5-column box");
        }
        assert_eq!(glyph(glyph_code(' ')), &[0; 8]);
    }

    #[test]
    fn non_ascii_becomes_the_replacement_box() {
        assert_eq!(glyph_code('é'), REPLACEMENT);
        assert_eq!(glyph_code('\n'), REPLACEMENT);
        assert_eq!(glyph(0), glyph(REPLACEMENT));
        assert_eq!(glyph(REPLACEMENT)[0], 0b0111_1100);
    }

    #[test]
    fn rects_cover_exactly_the_ink() {
        for code in 0x20..=0x7F {
            let g = glyph(code);
            let mut painted = [0u8; 8];
            for r in rects(g).as_slice() {
                for y in r.y0..r.y1 {
                    for x in r.x0..r.x1 {
                        assert_eq!(painted[y as usize] & (0x80 >> x), 0, "overlap in {code:#x}");
                        painted[y as usize] |= 0x80 >> x;
                    }
                }
            }
            assert_eq!(&painted, g, "glyph {code:#x}");
            assert_eq!(glyph_rects(code).as_slice(), rects(g).as_slice(), "compile-time table for {code:#x}");
        }
    }

    #[test]
    fn vertical_stems_merge() {
        // '|' is one 7-row stem: a single sprite rather than seven.
        let l = rects(glyph(b'|'));
        assert_eq!(l.as_slice(), &[Rect { x0: 3, x1: 4, y0: 0, y1: 7 }]);
    }
}
