//! Colours as the GS stores them in a 32-bit frame buffer (PSMCT32).

/// An opaque 24-bit colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Color {
    /// Red, 0-255.
    pub r: u8,
    /// Green, 0-255.
    pub g: u8,
    /// Blue, 0-255.
    pub b: u8,
}

impl Color {
    /// Black.
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    /// White.
    pub const WHITE: Color = Color::rgb(255, 255, 255);
    /// Light grey, the default text colour (pure white blooms on CRTs).
    pub const LIGHT_GREY: Color = Color::rgb(200, 200, 200);
    /// Dark grey.
    pub const DARK_GREY: Color = Color::rgb(80, 80, 80);
    /// Red.
    pub const RED: Color = Color::rgb(220, 40, 40);
    /// Dark red, the panic background.
    pub const DARK_RED: Color = Color::rgb(120, 0, 0);
    /// Green.
    pub const GREEN: Color = Color::rgb(40, 200, 40);
    /// Blue.
    pub const BLUE: Color = Color::rgb(50, 90, 230);
    /// Dark blue.
    pub const DARK_BLUE: Color = Color::rgb(0, 0, 100);
    /// Yellow.
    pub const YELLOW: Color = Color::rgb(230, 210, 40);
    /// Cyan.
    pub const CYAN: Color = Color::rgb(40, 200, 210);
    /// Magenta.
    pub const MAGENTA: Color = Color::rgb(210, 50, 200);

    /// A colour from its components.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b }
    }

    /// The value of the GS RGBAQ register for this colour: alpha 0x80 (1.0) and Q = 1.0.
    pub const fn rgbaq(self) -> u64 {
        const Q_ONE: u64 = 0x3F80_0000; // 1.0f32: Q only matters for textures, but 0 would be a bad default.
        self.r as u64 | (self.g as u64) << 8 | (self.b as u64) << 16 | 0x80 << 24 | Q_ONE << 32
    }

    /// The BGCOLOR privileged register value (the colour outside the displayed frame buffer).
    pub const fn bgcolor(self) -> u64 {
        self.r as u64 | (self.g as u64) << 8 | (self.b as u64) << 16
    }

    /// The PSMCT32 pixel (`0xAABBGGRR`, alpha 0x80) the GS writes for this colour.
    pub const fn pixel(self) -> u32 {
        self.r as u32 | (self.g as u32) << 8 | (self.b as u32) << 16 | 0x80 << 24
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgbaq_packs_components_alpha_and_q() {
        assert_eq!(Color::rgb(0x12, 0x34, 0x56).rgbaq(), 0x3F80_0000_8056_3412);
        assert_eq!(Color::rgb(1, 2, 3).bgcolor(), 0x03_02_01);
        assert_eq!(Color::rgb(1, 2, 3).pixel(), 0x8003_0201);
    }
}
