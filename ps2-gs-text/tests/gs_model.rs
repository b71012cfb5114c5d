//! The console's output through the project's software GS (the `ps2-gs` crate): display registers, drawing
//! environment and text packets as the EE would send them, read back from the displayed frame.
//!
//! Set `GS_TEXT_SCREENSHOT=path.png` to keep a screenshot.

mod common;

use ps2_gs::Gs;
use ps2_gs::regs::privileged;
use ps2_gs_text::gif::AdPacket;
use ps2_gs_text::{Color, Console, GifSink, VideoMode};

struct Model(Gs);

impl GifSink for Model {
    fn send(&mut self, packet: &[u128]) {
        self.0.process_gif(packet);
    }
}

/// What `hw::setup_video` does on the EE, against the model.
fn setup(mode: VideoMode) -> Model {
    let mut gs = Gs::new();
    let crt = mode.crt();
    gs.set_crt(crt.interlace, crt.mode, crt.frame_mode);
    let regs = mode.display_registers(Color::BLACK);
    gs.write_privileged(privileged::PMODE, regs.pmode);
    gs.write_privileged(privileged::SMODE2, regs.smode2);
    gs.write_privileged(privileged::DISPFB1, regs.dispfb1);
    gs.write_privileged(privileged::DISPLAY1, regs.display1);
    gs.write_privileged(privileged::BGCOLOR, regs.bgcolor);
    let mut packet = AdPacket::<16>::new();
    mode.drawing_environment(&mut packet).unwrap();
    gs.process_gif(packet.finish());
    Model(gs)
}

#[test]
fn text_in_every_mode_is_readable_from_the_displayed_frame() {
    for mode in [VideoMode::NtscInterlaced, VideoMode::PalInterlaced, VideoMode::Progressive480p] {
        let mut console = Console::new(setup(mode), mode);
        console.clear();
        let rows = console.rows() as usize;
        for i in 0..rows + 3 {
            console.print(&format!("row {i}: the quick brown fox\n"));
        }
        console.set_colors(Color::YELLOW, Color::DARK_RED);
        console.print("THE END ~!@#$%^&*()_+{}|:\"<>?");
        console.set_cursor_visible(false);

        let frame = console.sink().0.display_rgba().expect("a circuit is displayed");
        assert_eq!((frame.width, frame.height), (mode.width() as u32, mode.height() as u32), "{mode:?}");
        if let (Some(path), VideoMode::NtscInterlaced) = (std::env::var_os("GS_TEXT_SCREENSHOT"), mode) {
            frame.save_png(path).unwrap();
        }
        let text = common::read_screen(
            console.layout(),
            |x, y| {
                let [r, g, b, _] = frame.pixel(x as u32, y as u32).unwrap();
                Color::rgb(r, g, b)
            },
            |column, row| {
                let cell = console.cell(column, row).unwrap();
                (cell.foreground, cell.background)
            },
        );
        assert_eq!(text[0], "row 4: the quick brown fox", "{mode:?}");
        assert_eq!(text[rows - 2], format!("row {}: the quick brown fox", rows + 2), "{mode:?}");
        assert_eq!(text[rows - 1], "THE END ~!@#$%^&*()_+{}|:\"<>?", "{mode:?}");
        assert!(console.sink().0.unsupported().is_empty(), "{:?}", console.sink().0.unsupported());
    }
}
