//! What the console's browser shows for a save: `icon.sys` (964 bytes: title, colours, lights, icon file
//! names) and a 3-D icon file. Layouts from memory-card-fileio.md §4 (mymcplus `ps2iconsys.py`,
//! `ps2icon.py`; ps2sdk `libmc.h` `mcIcon`; nPort's format notes).

use alloc::vec::Vec;

use crate::Error;

/// Size of `icon.sys`.
pub const ICON_SYS_LEN: usize = 964;
/// Bytes of the Shift-JIS title field (including the NUL).
pub const TITLE_FIELD: usize = 68;

/// The full-width Shift-JIS code of a printable ASCII character, as ps2sdk's `strcpy_sjis` converts
/// titles (digits `0x824F`+, capitals `0x8260`+, small letters `0x8281`+, JIS X 0208 row 1 punctuation).
pub fn full_width_sjis(c: char) -> Option<u16> {
    Some(match c {
        ' ' => 0x8140,
        '0'..='9' => 0x824F + (c as u16 - '0' as u16),
        'A'..='Z' => 0x8260 + (c as u16 - 'A' as u16),
        'a'..='z' => 0x8281 + (c as u16 - 'a' as u16),
        ',' => 0x8143,
        '.' => 0x8144,
        ':' => 0x8146,
        ';' => 0x8147,
        '?' => 0x8148,
        '!' => 0x8149,
        '_' => 0x8151,
        '/' => 0x815E,
        '\'' => 0x8166,
        '"' => 0x8168,
        '(' => 0x8169,
        ')' => 0x816A,
        '+' => 0x817B,
        '-' => 0x817C,
        '=' => 0x8181,
        '$' => 0x8190,
        '%' => 0x8193,
        '#' => 0x8194,
        '&' => 0x8195,
        '*' => 0x8196,
        '@' => 0x8197,
        _ => return None,
    })
}

/// The `icon.sys` of a save.
#[derive(Clone, Debug)]
pub struct IconSys<'a> {
    /// First title line (ASCII; stored as full-width Shift-JIS).
    pub line1: &'a str,
    /// Second title line.
    pub line2: &'a str,
    /// Icon file name (in the save folder) for the normal, copy and delete views.
    pub icon_file: &'a str,
    /// Background opacity (0 = transparent ... `0x80` opaque; sources also show 0-255).
    pub background_alpha: u32,
    /// Background colours, RGB per corner: upper left, upper right, lower left, lower right.
    pub background: [[u32; 3]; 4],
}

impl<'a> IconSys<'a> {
    /// A title on two lines and the icon file's name, on a dark blue background with ps2sdk's sample lights.
    pub fn new(line1: &'a str, line2: &'a str, icon_file: &'a str) -> IconSys<'a> {
        IconSys {
            line1,
            line2,
            icon_file,
            background_alpha: 0x60,
            background: [[0, 0, 0x40], [0, 0, 0x40], [0, 0, 0x80], [0, 0, 0x80]],
        }
    }

    /// The 964 bytes (layout in the module docs). The second line starts at the byte offset stored at
    /// `+006` (mymcplus slices the title at that byte offset; other notes call it the line-2 offset too).
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut b = alloc::vec![0u8; ICON_SYS_LEN];
        b[0..4].copy_from_slice(b"PS2D");
        let mut title = Vec::new();
        for c in self.line1.chars() {
            title.extend_from_slice(&full_width_sjis(c).ok_or(Error::InvalidTitle("a character without a full-width form"))?.to_be_bytes());
        }
        let second_line = title.len();
        for c in self.line2.chars() {
            title.extend_from_slice(&full_width_sjis(c).ok_or(Error::InvalidTitle("a character without a full-width form"))?.to_be_bytes());
        }
        if title.len() >= TITLE_FIELD {
            return Err(Error::InvalidTitle("longer than 33 characters in all"));
        }
        if self.icon_file.is_empty() || self.icon_file.len() >= 64 {
            return Err(Error::InvalidTitle("the icon file name must be 1-63 bytes"));
        }
        b[6..8].copy_from_slice(&(second_line as u16).to_le_bytes());
        b[0x0C..0x10].copy_from_slice(&self.background_alpha.to_le_bytes());
        for (corner, rgb) in self.background.iter().enumerate() {
            for (k, v) in rgb.iter().enumerate() {
                let at = 0x10 + 16 * corner + 4 * k;
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        // Three lights: directions (x, y, z, w) then colours (r, g, b, a), and the ambient colour (f32).
        let floats: [(usize, [f32; 4]); 7] = [
            (0x50, [0.5, 0.5, 0.5, 0.0]),
            (0x60, [0.0, -0.4, -0.1, 0.0]),
            (0x70, [-0.5, -0.5, 0.5, 0.0]),
            (0x80, [0.5, 0.5, 0.5, 0.0]),
            (0x90, [0.3, 0.3, 0.3, 0.0]),
            (0xA0, [0.3, 0.3, 0.3, 0.0]),
            (0xB0, [0.5, 0.5, 0.5, 0.0]),
        ];
        for (at, v) in floats {
            for (k, f) in v.iter().enumerate() {
                b[at + 4 * k..at + 4 * k + 4].copy_from_slice(&f.to_bits().to_le_bytes());
            }
        }
        b[0xC0..0xC0 + title.len()].copy_from_slice(&title);
        for at in [0x104, 0x144, 0x184] {
            b[at..at + self.icon_file.len()].copy_from_slice(self.icon_file.as_bytes());
        }
        Ok(b)
    }
}

/// A simple icon file: a flat square (two triangles, one animation shape) facing the viewer, with an
/// uncompressed 128×128 texture (type 7) of one colour and a lighter border. `rgb` is 5 bits per channel.
/// Size: 20-byte header + 6 × 24-byte vertices + 20-byte animation header + 16-byte frame + 32768-byte
/// texture = 32,968 bytes.
pub fn square_icon(rgb: [u8; 3]) -> Vec<u8> {
    let mut b = Vec::with_capacity(32_968);
    let word = |b: &mut Vec<u8>, w: u32| b.extend_from_slice(&w.to_le_bytes());
    // Header: magic 0x00010000, 1 shape, texture type 7 (uncompressed), 1.0f, 6 vertices.
    for w in [0x0001_0000, 1, 7, 1.0f32.to_bits(), 6] {
        word(&mut b, w);
    }
    // Corners in icon space (4096 = 1.0; y grows downwards in the browser's view): two triangles.
    let corners: [(i16, i16, i16, i16); 6] =
        [(-4096, -4096, 0, 0), (4096, -4096, 4096, 0), (-4096, 4096, 0, 4096), (4096, -4096, 4096, 0), (4096, 4096, 4096, 4096), (-4096, 4096, 0, 4096)];
    for (x, y, u, v) in corners {
        for s in [x, y, 0, 0, 0, 0, -4096, 0, u, v] {
            b.extend_from_slice(&s.to_le_bytes());
        }
        b.extend_from_slice(&[0x80, 0x80, 0x80, 0x80]);
    }
    // Animation header: tag 1, frame length 1, speed 1.0, play offset 0, 1 frame; the frame: shape 0, one key.
    for w in [1, 1, 1.0f32.to_bits(), 0, 1, 0, 1, 1.0f32.to_bits(), 1.0f32.to_bits()] {
        word(&mut b, w);
    }
    let pixel = |r: u8, g: u8, bl: u8| (u16::from(r & 31) | u16::from(g & 31) << 5 | u16::from(bl & 31) << 10 | 0x8000).to_le_bytes();
    let fill = pixel(rgb[0], rgb[1], rgb[2]);
    let border = pixel(31, 31, 31);
    for y in 0..128 {
        for x in 0..128 {
            let edge = x < 8 || y < 8 || x >= 120 || y >= 120;
            b.extend_from_slice(if edge { &border } else { &fill });
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icon_sys_fields_are_at_the_published_offsets() {
        let b = IconSys::new("Story 1", "LLM", "icon.ico").to_bytes().unwrap();
        assert_eq!(b.len(), 964);
        assert_eq!(&b[0..4], b"PS2D");
        // "Story 1" is 7 characters = 14 bytes of full-width Shift-JIS: line 2 starts at byte 14.
        assert_eq!(u16::from_le_bytes([b[6], b[7]]), 14);
        assert_eq!(u32::from_le_bytes(b[0x0C..0x10].try_into().unwrap()), 0x60);
        // S = 0x8272 (0x8260 + 18), t = 0x8294 (0x8281 + 19), space = 0x8140, 1 = 0x8250.
        assert_eq!(&b[0xC0..0xC4], &[0x82, 0x72, 0x82, 0x94]);
        assert_eq!(&b[0xC0 + 10..0xC0 + 14], &[0x81, 0x40, 0x82, 0x50]);
        assert_eq!(&b[0xC0 + 14..0xC0 + 20], &[0x82, 0x6B, 0x82, 0x6B, 0x82, 0x6C], "LLM");
        assert_eq!(b[0xC0 + 20], 0, "NUL-terminated");
        for at in [0x104, 0x144, 0x184] {
            assert_eq!(&b[at..at + 9], b"icon.ico\0");
        }
        assert!(b[0x1C4..].iter().all(|&x| x == 0));
        assert!(IconSys::new("é", "", "i").to_bytes().is_err());
        assert!(IconSys::new(&"A".repeat(34), "", "i").to_bytes().is_err());
    }

    #[test]
    fn square_icon_has_the_icon_file_layout() {
        let b = square_icon([0, 10, 31]);
        assert_eq!(b.len(), 20 + 6 * 24 + 20 + 16 + 128 * 128 * 2);
        assert_eq!(&b[0..4], &0x0001_0000u32.to_le_bytes());
        assert_eq!(u32::from_le_bytes(b[8..12].try_into().unwrap()), 7, "uncompressed texture");
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), 6, "vertices");
        let anim = 20 + 6 * 24;
        assert_eq!(u32::from_le_bytes(b[anim..anim + 4].try_into().unwrap()), 1, "animation tag");
        let texture = anim + 36;
        // Pixel (64, 64): R=0, G=10, B=31, alpha bit: 10 << 5 | 31 << 10 | 0x8000 = 0xFD40.
        let at = texture + 2 * (64 * 128 + 64);
        assert_eq!(u16::from_le_bytes([b[at], b[at + 1]]), 0xFD40);
    }
}
