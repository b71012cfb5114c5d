//! The text console: a grid of cells mirrored on the GS by sprites sent as GIF packets.
//!
//! # Drawing strategy
//! Each cell is drawn as one background sprite plus one untextured sprite per rectangle of ink in its glyph
//! ([`crate::font::glyph_rects`], computed at compile time, merges horizontal runs that repeat on the next row, so a typical letter is 4-8
//! sprites). The alternative, uploading the font once as a texture and drawing one textured sprite per
//! character, sends fewer bytes per character, but needs a texture upload, TEX0/TEX1/CLAMP/ALPHA set-up and
//! a CLUT or an alpha-tested 32-bit texture, and it only works with a GS model that samples textures. Text
//! output is not the bottleneck of a console program, so the crate takes the approach that needs only
//! PRIM/RGBAQ/XYZ2 and is trivially checkable pixel by pixel.
//!
//! The console keeps every cell (character and colours) in memory. Scrolling shifts that copy and redraws the
//! screen: one full-screen sprite, then only the cells that differ from the cleared background.

use core::fmt;

use crate::color::Color;
use crate::font::{self, GLYPH_SIZE};
use crate::gif::{AdPacket, GifSink, reg};
use crate::layout::{ConsoleConfig, ConsoleError, Layout, MAX_COLUMNS, MAX_ROWS};
use crate::regs;
use crate::video::VideoMode;

/// The cells a console can hold.
const MAX_CELLS: usize = MAX_COLUMNS as usize * MAX_ROWS as usize;
/// Quadwords in the packet buffer (16 KiB): about 20 cells of dense text per DMA transfer.
const PACKET_QWORDS: usize = 1024;
/// The most writes one cell needs: background (RGBAQ + 2 XYZ2), foreground colour, 2 XYZ2 per rectangle, and a
/// PRIM if the cell starts a packet.
const CELL_WRITES: usize = 3 + 1 + 2 * font::MAX_RECTS + 1;
/// Tab stops every this many columns.
const TAB_WIDTH: u16 = 8;

/// One character cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The glyph code: printable ASCII, or [`font::REPLACEMENT`] for characters the font lacks.
    pub code: u8,
    /// Text colour.
    pub foreground: Color,
    /// Background colour.
    pub background: Color,
}

impl Cell {
    /// The character shown (`'\u{FFFD}'` for the replacement box).
    pub fn char(&self) -> char {
        if self.code == font::REPLACEMENT { '\u{FFFD}' } else { self.code as char }
    }

    const fn blank(foreground: Color, background: Color) -> Cell {
        Cell { code: b' ', foreground, background }
    }
}

/// A text console drawing into the frame buffer of a [`VideoMode`] through a [`GifSink`].
///
/// It is about 50 KiB (the cell grid and a packet buffer): keep it in a `static` (as [`crate::init`] does)
/// or on the heap rather than on a small thread stack.
pub struct Console<S: GifSink> {
    sink: S,
    mode: VideoMode,
    layout: Layout,
    cells: [Cell; MAX_CELLS],
    column: u16,
    row: u16,
    foreground: Color,
    background: Color,
    /// The colour the whole screen was last cleared to: blank cells of this colour need no drawing.
    screen_background: Color,
    cursor_visible: bool,
    /// Where the cursor bar is currently drawn, if anywhere.
    cursor_drawn_at: Option<(u16, u16)>,
    packet: AdPacket<PACKET_QWORDS>,
    /// The RGBAQ last written to the current packet, to skip repeats.
    packet_color: Option<Color>,
}

impl<S: GifSink> Console<S> {
    /// A console for `mode` with the default configuration ([`ConsoleConfig::for_mode`]). Nothing is drawn
    /// until [`Console::clear`] or the first output; the video mode itself is set by [`crate::hw::setup_video`] (or [`crate::init`]).
    pub const fn new(sink: S, mode: VideoMode) -> Self {
        let config = ConsoleConfig::for_mode(mode);
        let layout = match Layout::compute(mode, &config) {
            Ok(layout) => layout,
            Err(_) => panic!("the default configuration fits every mode"),
        };
        Console {
            sink,
            mode,
            layout,
            cells: [Cell::blank(config.foreground, config.background); MAX_CELLS],
            column: 0,
            row: 0,
            foreground: config.foreground,
            background: config.background,
            screen_background: config.background,
            cursor_visible: true,
            cursor_drawn_at: None,
            packet: AdPacket::new(),
            packet_color: None,
        }
    }

    /// A console with an explicit configuration.
    pub fn with_config(sink: S, mode: VideoMode, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let mut console = Console::new(sink, mode);
        console.reconfigure(mode, config)?;
        Ok(console)
    }

    /// Changes the mode and configuration. The grid is emptied and the cursor goes home; call
    /// [`Console::clear`] to paint the new screen. On error nothing changes.
    pub fn reconfigure(&mut self, mode: VideoMode, config: &ConsoleConfig) -> Result<(), ConsoleError> {
        self.layout = Layout::compute(mode, config)?;
        self.mode = mode;
        self.foreground = config.foreground;
        self.background = config.background;
        self.screen_background = config.background;
        self.cells.fill(Cell::blank(config.foreground, config.background));
        self.column = 0;
        self.row = 0;
        self.cursor_drawn_at = None;
        Ok(())
    }

    /// The grid's placement and size.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The video mode the console draws for.
    pub fn mode(&self) -> VideoMode {
        self.mode
    }

    /// Number of columns.
    pub fn columns(&self) -> u16 {
        self.layout.columns
    }

    /// Number of rows.
    pub fn rows(&self) -> u16 {
        self.layout.rows
    }

    /// The cursor's (column, row). The column equals [`Console::columns`] right after a full line, until the
    /// next character wraps.
    pub fn position(&self) -> (u16, u16) {
        (self.column, self.row)
    }

    /// Moves the cursor.
    pub fn set_position(&mut self, column: u16, row: u16) -> Result<(), ConsoleError> {
        let (columns, rows) = (self.layout.columns, self.layout.rows);
        if column >= columns || row >= rows {
            return Err(ConsoleError::OutOfGrid { column, row, columns, rows });
        }
        self.hide_cursor();
        self.column = column;
        self.row = row;
        self.show_cursor();
        self.flush();
        Ok(())
    }

    /// The current (foreground, background) colours.
    pub fn colors(&self) -> (Color, Color) {
        (self.foreground, self.background)
    }

    /// Sets the colours of text written from now on.
    pub fn set_colors(&mut self, foreground: Color, background: Color) {
        self.foreground = foreground;
        self.background = background;
    }

    /// Shows or hides the cursor (a bar under the cell where the next character goes).
    pub fn set_cursor_visible(&mut self, visible: bool) {
        self.hide_cursor();
        self.cursor_visible = visible;
        self.show_cursor();
        self.flush();
    }

    /// Whether the cursor is shown.
    pub fn cursor_visible(&self) -> bool {
        self.cursor_visible
    }

    /// The cell at (column, row), if inside the grid.
    pub fn cell(&self, column: u16, row: u16) -> Option<Cell> {
        (column < self.layout.columns && row < self.layout.rows).then(|| self.cells[self.index(column, row)])
    }

    /// The cells of one row.
    pub fn row_cells(&self, row: u16) -> Option<&[Cell]> {
        let columns = self.layout.columns as usize;
        (row < self.layout.rows).then(|| &self.cells[row as usize * columns..][..columns])
    }

    /// The sink packets go to.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The sink, mutably (e.g. to look at a software GS in tests).
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Clears the whole screen (margins included) to the current background colour and homes the cursor.
    pub fn clear(&mut self) {
        self.cells.fill(Cell::blank(self.foreground, self.background));
        self.column = 0;
        self.row = 0;
        self.screen_background = self.background;
        self.cursor_drawn_at = None;
        self.fill_screen(self.background);
        self.show_cursor();
        self.flush();
    }

    /// Redraws every cell from the console's copy (after something else drew over the frame buffer).
    pub fn redraw(&mut self) {
        self.cursor_drawn_at = None;
        self.redraw_all();
        self.show_cursor();
        self.flush();
    }

    /// Writes text and sends it to the GS.
    ///
    /// `'\n'` starts a new line, `'\r'` returns to column 0, `'\t'` moves to the next multiple of 8 columns,
    /// `'\u{8}'` (backspace) moves one column left; other control characters are ignored. A line longer than
    /// the grid wraps at the last column; a new line below the last row scrolls the screen up. Characters
    /// outside printable ASCII are shown as a box.
    pub fn print(&mut self, text: &str) {
        self.hide_cursor();
        for ch in text.chars() {
            self.put(ch);
        }
        self.show_cursor();
        self.flush();
    }

    fn put(&mut self, ch: char) {
        match ch {
            '\n' => self.new_line(),
            '\r' => self.column = 0,
            '\t' => {
                let stop = (self.column / TAB_WIDTH + 1) * TAB_WIDTH;
                let stop = stop.min(self.layout.columns);
                while self.column < stop {
                    self.put_glyph(b' ');
                }
            }
            // After a full line the cursor waits past the last column; backspace returns onto that character.
            '\u{8}' => {
                self.column =
                    if self.column >= self.layout.columns { self.layout.columns - 1 } else { self.column.saturating_sub(1) }
            }
            c if c.is_control() => {}
            c => self.put_glyph(font::glyph_code(c)),
        }
    }

    fn put_glyph(&mut self, code: u8) {
        if self.column >= self.layout.columns {
            self.new_line();
        }
        let index = self.index(self.column, self.row);
        self.cells[index] = Cell { code, foreground: self.foreground, background: self.background };
        self.draw_cell(self.column, self.row);
        self.column += 1;
    }

    fn new_line(&mut self) {
        self.column = 0;
        if self.row + 1 < self.layout.rows {
            self.row += 1;
        } else {
            self.scroll_up();
        }
    }

    fn scroll_up(&mut self) {
        let columns = self.layout.columns as usize;
        let used = columns * self.layout.rows as usize;
        self.cells.copy_within(columns..used, 0);
        self.cells[used - columns..used].fill(Cell::blank(self.foreground, self.background));
        self.redraw_all();
    }

    fn index(&self, column: u16, row: u16) -> usize {
        row as usize * self.layout.columns as usize + column as usize
    }

    // --- drawing ------------------------------------------------------------------------------------------

    fn redraw_all(&mut self) {
        self.fill_screen(self.screen_background);
        for row in 0..self.layout.rows {
            for column in 0..self.layout.columns {
                let cell = self.cells[self.index(column, row)];
                if cell.code != b' ' || cell.background != self.screen_background {
                    self.draw_cell(column, row);
                }
            }
        }
    }

    fn fill_screen(&mut self, color: Color) {
        self.reserve(4);
        self.sprite(color, 0, 0, self.mode.width(), self.mode.height());
    }

    fn draw_cell(&mut self, column: u16, row: u16) {
        let cell = self.cells[self.index(column, row)];
        let (x, y) = self.layout.cell_origin(column, row);
        let (sx, sy) = (self.layout.scale_x as u16, self.layout.scale_y as u16);
        self.reserve(CELL_WRITES);
        self.sprite(cell.background, x, y, x + GLYPH_SIZE * sx, y + GLYPH_SIZE * sy);
        for r in font::glyph_rects(cell.code).as_slice() {
            let (x0, x1) = (x + r.x0 as u16 * sx, x + r.x1 as u16 * sx);
            let (y0, y1) = (y + r.y0 as u16 * sy, y + r.y1 as u16 * sy);
            self.sprite(cell.foreground, x0, y0, x1, y1);
        }
    }

    fn show_cursor(&mut self) {
        if !self.cursor_visible {
            return;
        }
        let column = self.column.min(self.layout.columns - 1);
        let (x, y) = self.layout.cell_origin(column, self.row);
        let bottom = y + self.layout.cell_height();
        self.reserve(4);
        self.sprite(self.foreground, x, bottom - self.layout.scale_y as u16, x + self.layout.cell_width(), bottom);
        self.cursor_drawn_at = Some((column, self.row));
    }

    fn hide_cursor(&mut self) {
        if let Some((column, row)) = self.cursor_drawn_at.take() {
            self.draw_cell(column, row);
        }
    }

    /// Makes room for `writes` register writes, sending the packet if needed, and starts a fresh packet with
    /// the sprite PRIM.
    fn reserve(&mut self, writes: usize) {
        if self.packet.remaining() < writes {
            self.flush();
        }
        if self.packet.is_empty() {
            // The packet was sized for CELL_WRITES; a push into an empty packet cannot fail.
            let _ = self.packet.push(reg::PRIM, regs::PRIM_SPRITE);
        }
    }

    /// One sprite covering pixels x0..x1 × y0..y1 (the caller has reserved room).
    fn sprite(&mut self, color: Color, x0: u16, y0: u16, x1: u16, y1: u16) {
        if self.packet_color != Some(color) {
            let _ = self.packet.push(reg::RGBAQ, color.rgbaq());
            self.packet_color = Some(color);
        }
        let _ = self.packet.push(reg::XYZ2, regs::xyz2(x0, y0));
        let _ = self.packet.push(reg::XYZ2, regs::xyz2(x1, y1));
    }

    /// Sends what has been drawn so far.
    pub fn flush(&mut self) {
        if !self.packet.is_empty() {
            self.sink.send(self.packet.finish());
            self.packet.clear();
        }
        self.packet_color = None;
    }
}

impl<S: GifSink> fmt::Write for Console<S> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.print(s);
        Ok(())
    }
}

const _: () = assert!(CELL_WRITES < AdPacket::<PACKET_QWORDS>::CAPACITY);
