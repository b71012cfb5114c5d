//! Where the text grid goes on the screen: every row inside the area a TV actually shows.
//!
//! ps2sdk's debug screen keeps a fixed 80×40 grid on a 224-line buffer, so rows 28-39 are drawn below the
//! scissor and never appear (ps2sdk `ee/debug/src/scr_printf.c`: `init_scr` displays a 640×224 buffer at double
//! height, so only 224 / 8 = 28 rows show). Here the grid is computed from the frame buffer size minus
//! overscan margins, so the last row is as visible as the first.

use crate::color::Color;
use crate::font::GLYPH_SIZE;
use crate::video::VideoMode;

/// The widest grid a console holds (640 pixels / 8).
pub const MAX_COLUMNS: u16 = 80;
/// The tallest grid a console holds (512 lines / 8).
pub const MAX_ROWS: u16 = 64;

/// Space left blank on each side of the screen, in frame-buffer pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Margins {
    /// Left margin.
    pub left: u16,
    /// Right margin.
    pub right: u16,
    /// Top margin.
    pub top: u16,
    /// Bottom margin.
    pub bottom: u16,
}

impl Margins {
    /// No margins (for 480p on a monitor, or a capture that shows the whole frame).
    pub const NONE: Margins = Margins { left: 0, right: 0, top: 0, bottom: 0 };

    /// The title-safe area of a TV picture: 5% of the width and height on each side (32 px and 22-26 lines
    /// at 640×448/512), which every CRT shows even with a generous overscan.
    pub const fn title_safe(mode: VideoMode) -> Margins {
        let h = mode.width() / 20;
        let v = mode.height() / 20;
        Margins { left: h, right: h, top: v, bottom: v }
    }
}

/// How the console looks: margins, glyph scale and default colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// Blank border around the grid.
    pub margins: Margins,
    /// Horizontal glyph magnification (1-4).
    pub scale_x: u8,
    /// Vertical glyph magnification (1-4). 2 suits interlaced modes: a 1-pixel line of an 8-line glyph
    /// is shown by only one field and flickers at 30 Hz.
    pub scale_y: u8,
    /// Text colour.
    pub foreground: Color,
    /// Background colour.
    pub background: Color,
}

impl ConsoleConfig {
    /// The default for a mode: title-safe margins, 8×16 cells (8×8 glyphs doubled vertically), light grey on
    /// dark blue.
    pub const fn for_mode(mode: VideoMode) -> ConsoleConfig {
        ConsoleConfig {
            margins: Margins::title_safe(mode),
            scale_x: 1,
            scale_y: 2,
            foreground: Color::LIGHT_GREY,
            background: Color::DARK_BLUE,
        }
    }
}

/// Why a configuration or position was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleError {
    /// A scale outside 1-4.
    BadScale {
        /// The horizontal scale asked for.
        scale_x: u8,
        /// The vertical scale asked for.
        scale_y: u8,
    },
    /// The margins leave no room for a single cell.
    NoRoom {
        /// Pixels left horizontally.
        width: u16,
        /// Pixels left vertically.
        height: u16,
    },
    /// A cursor position outside the grid.
    OutOfGrid {
        /// The column asked for.
        column: u16,
        /// The row asked for.
        row: u16,
        /// The grid's columns.
        columns: u16,
        /// The grid's rows.
        rows: u16,
    },
}

impl core::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            ConsoleError::BadScale { scale_x, scale_y } => {
                write!(f, "glyph scale {scale_x}×{scale_y} is not supported (each must be 1 to 4)")
            }
            ConsoleError::NoRoom { width, height } => {
                write!(f, "the margins leave {width}×{height} pixels, less than one character cell")
            }
            ConsoleError::OutOfGrid { column, row, columns, rows } => {
                write!(f, "position ({column}, {row}) is outside the {columns}×{rows} grid")
            }
        }
    }
}

impl core::error::Error for ConsoleError {}

/// The text grid's placement in frame-buffer pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Left edge of column 0.
    pub left: u16,
    /// Top edge of row 0.
    pub top: u16,
    /// Number of columns.
    pub columns: u16,
    /// Number of rows.
    pub rows: u16,
    /// Horizontal glyph scale.
    pub scale_x: u8,
    /// Vertical glyph scale.
    pub scale_y: u8,
}

impl Layout {
    /// Fits the largest grid into the screen of `mode` inside the configured margins, centred in that area.
    pub const fn compute(mode: VideoMode, config: &ConsoleConfig) -> Result<Layout, ConsoleError> {
        let (scale_x, scale_y) = (config.scale_x, config.scale_y);
        if scale_x < 1 || scale_x > 4 || scale_y < 1 || scale_y > 4 {
            return Err(ConsoleError::BadScale { scale_x, scale_y });
        }
        let m = config.margins;
        let width = mode.width().saturating_sub(m.left).saturating_sub(m.right);
        let height = mode.height().saturating_sub(m.top).saturating_sub(m.bottom);
        let (cell_w, cell_h) = (GLYPH_SIZE * scale_x as u16, GLYPH_SIZE * scale_y as u16);
        let columns = min(width / cell_w, MAX_COLUMNS);
        let rows = min(height / cell_h, MAX_ROWS);
        if columns == 0 || rows == 0 {
            return Err(ConsoleError::NoRoom { width, height });
        }
        Ok(Layout {
            left: m.left + (width - columns * cell_w) / 2,
            top: m.top + (height - rows * cell_h) / 2,
            columns,
            rows,
            scale_x,
            scale_y,
        })
    }

    /// A cell's width in pixels.
    pub const fn cell_width(&self) -> u16 {
        GLYPH_SIZE * self.scale_x as u16
    }

    /// A cell's height in pixels.
    pub const fn cell_height(&self) -> u16 {
        GLYPH_SIZE * self.scale_y as u16
    }

    /// The top-left pixel of a cell.
    pub const fn cell_origin(&self, column: u16, row: u16) -> (u16, u16) {
        (self.left + column * self.cell_width(), self.top + row * self.cell_height())
    }
}

const fn min(a: u16, b: u16) -> u16 {
    if a < b { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ntsc_grid_fits_the_title_safe_area() {
        let layout = Layout::compute(VideoMode::NtscInterlaced, &ConsoleConfig::for_mode(VideoMode::NtscInterlaced))
            .unwrap();
        assert_eq!((layout.columns, layout.rows), (72, 25));
        // Every row lies inside the 448-line frame, below the top margin and above the bottom one.
        let (_, last_top) = layout.cell_origin(0, layout.rows - 1);
        assert!(layout.top >= 22 && last_top + layout.cell_height() <= 448 - 22);
        assert_eq!(layout.left, 32);
    }

    #[test]
    fn every_mode_and_scale_keeps_rows_on_screen() {
        for mode in [VideoMode::NtscInterlaced, VideoMode::PalInterlaced, VideoMode::Progressive480p] {
            for (sx, sy) in [(1, 1), (1, 2), (2, 2), (4, 4)] {
                let config = ConsoleConfig { scale_x: sx, scale_y: sy, ..ConsoleConfig::for_mode(mode) };
                let l = Layout::compute(mode, &config).unwrap();
                let (right, bottom) = l.cell_origin(l.columns, l.rows);
                assert!(right <= mode.width() - config.margins.right, "{mode:?} {sx}x{sy}");
                assert!(bottom <= mode.height() - config.margins.bottom, "{mode:?} {sx}x{sy}");
            }
        }
        let full = ConsoleConfig { margins: Margins::NONE, scale_y: 1, ..ConsoleConfig::for_mode(VideoMode::PalInterlaced) };
        let l = Layout::compute(VideoMode::PalInterlaced, &full).unwrap();
        assert_eq!((l.columns, l.rows), (MAX_COLUMNS, MAX_ROWS));
    }

    #[test]
    fn bad_configurations_are_refused() {
        let mode = VideoMode::NtscInterlaced;
        let zero = ConsoleConfig { scale_x: 0, ..ConsoleConfig::for_mode(mode) };
        assert_eq!(Layout::compute(mode, &zero), Err(ConsoleError::BadScale { scale_x: 0, scale_y: 2 }));
        let wide = ConsoleConfig { margins: Margins { left: 400, right: 236, top: 0, bottom: 0 }, ..ConsoleConfig::for_mode(mode) };
        assert_eq!(Layout::compute(mode, &wide), Err(ConsoleError::NoRoom { width: 4, height: 448 }));
        assert!(Layout::compute(mode, &wide).unwrap_err().to_string().contains("4×448"));
    }
}
