//! Host tests of the console's GIF output, read back through a minimal sprite rasteriser and a "screen OCR"
//! that matches every cell's pixels against the font.

use std::fmt::Write;

mod common;

use ps2_gs_text::font::GLYPH_SIZE;
use ps2_gs_text::gif::reg;
use ps2_gs_text::{Color, Console, ConsoleConfig, GifSink, Margins, VideoMode};

/// Decodes the console's packets (one PACKED A+D GIFtag each) and fills sprites into a 32-bit frame buffer,
/// checking the packet structure as it goes.
struct Screen {
    width: usize,
    height: usize,
    pixels: Vec<Color>,
    color: Color,
    vertex: Option<(u16, u16)>,
    packets: usize,
    sprites: usize,
    qwords: usize,
}

impl Screen {
    fn new(mode: VideoMode) -> Self {
        let (width, height) = (mode.width() as usize, mode.height() as usize);
        Screen { width, height, pixels: vec![Color::rgb(1, 2, 3); width * height], color: Color::BLACK, vertex: None, packets: 0, sprites: 0, qwords: 0 }
    }

    fn at(&self, x: usize, y: usize) -> Color {
        self.pixels[y * self.width + x]
    }
}

impl GifSink for Screen {
    fn send(&mut self, packet: &[u128]) {
        assert_eq!(packet.as_ptr() as usize % 16, 0, "DMA alignment");
        let tag = packet[0];
        let nloop = (tag & 0x7FFF) as usize;
        assert_eq!(nloop, packet.len() - 1, "NLOOP covers the packet");
        assert_eq!((tag >> 15) & 1, 1, "EOP");
        assert_eq!((tag >> 58) & 3, 0, "PACKED");
        assert_eq!((tag >> 60) & 0xF, 1, "one register per loop");
        assert_eq!((tag >> 64) & 0xF, 0xE, "A+D");
        assert_eq!(packet[1] >> 64, reg::PRIM as u128, "every packet sets its primitive first");
        self.packets += 1;
        self.qwords += packet.len();
        for &q in &packet[1..] {
            let (value, register) = (q as u64, (q >> 64) as u8);
            match register {
                reg::PRIM => assert_eq!(value, 6, "untextured sprite"),
                reg::RGBAQ => {
                    assert_eq!(value >> 24 & 0xFF, 0x80);
                    self.color = Color::rgb(value as u8, (value >> 8) as u8, (value >> 16) as u8);
                }
                reg::XYZ2 => {
                    let (x, y) = (value as u16, (value >> 16) as u16);
                    assert!(x % 16 == 0 && y % 16 == 0, "whole pixels");
                    let (x, y) = (x / 16 - 2048, y / 16 - 2048);
                    match self.vertex.take() {
                        None => self.vertex = Some((x, y)),
                        Some((x0, y0)) => {
                            self.sprites += 1;
                            assert!(x0 < x && y0 < y, "sprites go top-left to bottom-right");
                            assert!(x as usize <= self.width && y as usize <= self.height, "inside the frame");
                            for py in y0..y {
                                for px in x0..x {
                                    self.pixels[py as usize * self.width + px as usize] = self.color;
                                }
                            }
                        }
                    }
                }
                other => panic!("unexpected register {other:#x}"),
            }
        }
        assert!(self.vertex.is_none(), "a packet ends on a whole sprite");
    }
}

/// Reads the console's text back from the rasterised pixels.
fn read_screen(console: &Console<Screen>) -> Vec<String> {
    common::read_screen(
        console.layout(),
        |x, y| console.sink().at(x, y),
        |column, row| {
            let cell = console.cell(column, row).unwrap();
            (cell.foreground, cell.background)
        },
    )
}

fn console(mode: VideoMode) -> Console<Screen> {
    let mut console = Console::new(Screen::new(mode), mode);
    console.set_cursor_visible(false);
    console.clear();
    console
}

#[test]
fn clear_paints_the_whole_frame_including_margins() {
    let c = console(VideoMode::NtscInterlaced);
    let s = c.sink();
    assert!(s.pixels.iter().all(|&p| p == Color::DARK_BLUE));
    assert_eq!(read_screen(&c), vec![String::new(); 25]);
}

#[test]
fn text_is_drawn_glyph_for_glyph_in_its_colours() {
    let mut c = console(VideoMode::NtscInterlaced);
    c.print("Hello, PS2!\n");
    c.set_colors(Color::YELLOW, Color::BLACK);
    write!(c, "{} + {} = {}", 40, 2, 40 + 2).unwrap();
    let text = read_screen(&c);
    assert_eq!(text[0], "Hello, PS2!");
    assert_eq!(text[1], "40 + 2 = 42");
    // Exact pixel check of one glyph: 'H' at (0, 0), cell origin (32, 24), 8×16 cells.
    let layout = *c.layout();
    assert_eq!(layout.cell_origin(0, 0), (32, 24));
    let s = c.sink();
    assert_eq!(s.at(32 + 1, 24), Color::LIGHT_GREY, "H's left stem, row 0");
    assert_eq!(s.at(32 + 2, 24), Color::DARK_BLUE, "H is open at the top");
    assert_eq!(s.at(32 + 2, 24 + 3 * 2), Color::LIGHT_GREY, "H's bar on glyph row 3");
    let (x, y) = layout.cell_origin(0, 1);
    assert_eq!(s.at(x as usize, y as usize), Color::BLACK, "the second line's background");
    assert_eq!(c.cell(3, 1).unwrap().foreground, Color::YELLOW);
}

#[test]
fn every_printable_ascii_character_round_trips() {
    let mut c = console(VideoMode::PalInterlaced);
    let all: String = (' '..='~').collect();
    c.print(&all);
    c.print("\né");
    let text = read_screen(&c);
    let columns = c.columns() as usize;
    let joined: String = text[..all.len().div_ceil(columns)].concat();
    assert_eq!(joined, all);
    assert_eq!(text[all.len().div_ceil(columns)], "\u{FFFD}");
}

#[test]
fn long_lines_wrap_and_full_lines_do_not_leave_blank_rows() {
    let mut c = console(VideoMode::NtscInterlaced);
    let columns = c.columns() as usize;
    let line = "x".repeat(columns);
    c.print(&line);
    assert_eq!(c.position(), (columns as u16, 0), "waits at the end of the full line");
    c.print("\nnext");
    c.print(&"y".repeat(columns + 3));
    let text = read_screen(&c);
    assert_eq!(text[0], line);
    assert_eq!(text[1], format!("next{}", "y".repeat(columns - 4)));
    assert_eq!(text[2], "yyyyyyy");
}

#[test]
fn scrolling_keeps_the_newest_line_on_the_last_visible_row() {
    for mode in [VideoMode::NtscInterlaced, VideoMode::PalInterlaced, VideoMode::Progressive480p] {
        let mut c = console(mode);
        let rows = c.rows() as usize;
        for i in 0..rows + 5 {
            c.print(&format!("line {i}\n"));
        }
        c.print("last");
        let text = read_screen(&c);
        assert_eq!(text[0], "line 6", "{mode:?}");
        assert_eq!(text[rows - 2], format!("line {}", rows + 4));
        assert_eq!(text[rows - 1], "last");
        // The last row lies inside the title-safe area of the picture.
        let layout = *c.layout();
        let (_, top) = layout.cell_origin(0, layout.rows - 1);
        assert!(top + layout.cell_height() <= mode.height() - mode.height() / 20, "{mode:?}");
    }
}

#[test]
fn control_characters() {
    let mut c = console(VideoMode::NtscInterlaced);
    c.print("ab\tc\n1234\rX\n\u{1b}esc\u{7}\nabc\u{8}\u{8}Z");
    let text = read_screen(&c);
    assert_eq!(text[0], "ab      c");
    assert_eq!(text[1], "X234");
    assert_eq!(text[2], "esc");
    assert_eq!(text[3], "aZc");
}

#[test]
fn cursor_bar_follows_the_output() {
    let mut c = console(VideoMode::NtscInterlaced);
    c.set_cursor_visible(true);
    c.print("ab");
    let layout = *c.layout();
    let bar_y = |row: u16| (layout.cell_origin(0, row).1 + layout.cell_height() - 1) as usize;
    let (x2, _) = layout.cell_origin(2, 0);
    assert_eq!(c.sink().at(x2 as usize + 7, bar_y(0)), Color::LIGHT_GREY, "bar under column 2");
    c.set_position(0, 3).unwrap();
    assert_eq!(c.sink().at(x2 as usize + 7, bar_y(0)), Color::DARK_BLUE, "old bar erased");
    assert_eq!(c.sink().at(layout.left as usize, bar_y(3)), Color::LIGHT_GREY);
    c.set_cursor_visible(false);
    assert_eq!(c.sink().at(layout.left as usize, bar_y(3)), Color::DARK_BLUE);
    assert_eq!(read_screen(&c)[0], "ab");
    assert!(c.set_position(c.columns(), 0).is_err());
}

#[test]
fn custom_configuration_and_redraw() {
    let mode = VideoMode::Progressive480p;
    let config = ConsoleConfig { margins: Margins::NONE, scale_x: 2, scale_y: 2, foreground: Color::GREEN, background: Color::BLACK };
    let mut c = Console::with_config(Screen::new(mode), mode, &config).unwrap();
    assert_eq!((c.columns(), c.rows()), (40, 30));
    c.set_cursor_visible(false);
    c.clear();
    c.print("big");
    c.sink_mut().pixels.fill(Color::WHITE);
    c.redraw();
    assert_eq!(read_screen(&c)[0], "big");
    assert!(c.sink().packets >= 1);
    assert!(Console::with_config(Screen::new(mode), mode, &ConsoleConfig { scale_y: 9, ..config }).is_err());
}

#[test]
fn a_screenful_of_text_costs_few_packets() {
    let mut c = console(VideoMode::NtscInterlaced);
    let columns = c.columns() as usize;
    let before = c.sink().packets;
    c.print(&"The quick brown fox jumps over the lazy dog. ".repeat(columns * c.rows() as usize / 45));
    let packets = c.sink().packets - before;
    let sprites = c.sink().sprites;
    let qwords = c.sink().qwords;
    eprintln!("full screen of text: {packets} packets, {sprites} sprites, {qwords} quadwords ({} KiB)", qwords * 16 / 1024);
    assert!(packets <= 120, "{packets} packets");
    // Background + a handful of sprites per character.
    assert!(sprites < columns * c.rows() as usize * 8, "{sprites} sprites");
    assert_eq!(GLYPH_SIZE, 8);
}
