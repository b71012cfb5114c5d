//! `console`: the text console's features on one screen: colours, wrapping, tabs, the cursor, scrolling and
//! (with the argument `panic`) the on-screen panic report.
//!
//! Run it on the EE with `cargo run -p ps2-gs-text --example console` (add `PS2_SIM_ARGS="--screenshot
//! console.png"` to keep the screen from the simulator). On the host it only prints how to run it.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    use ps2_gs_text::{Color, VideoMode, gs_print, gs_println, with_console};

    ps2_sys::entry!(main);

    fn main() -> i32 {
        ps2_gs_text::init(VideoMode::NtscInterlaced);
        ps2_gs_text::install_panic_hook();
        let (columns, rows) = with_console(|c| (c.columns(), c.rows())).unwrap_or((0, 0));
        gs_println!("ps2-gs-text console: {columns} columns x {rows} rows, all inside the title-safe area");
        gs_println!();

        let palette = [
            ("red", Color::RED),
            ("green", Color::GREEN),
            ("blue", Color::BLUE),
            ("yellow", Color::YELLOW),
            ("cyan", Color::CYAN),
            ("magenta", Color::MAGENTA),
        ];
        for (name, color) in palette {
            with_console(|c| c.set_colors(color, Color::BLACK));
            gs_print!(" {name} ");
            with_console(|c| c.set_colors(Color::LIGHT_GREY, Color::DARK_BLUE));
            gs_print!(" ");
        }
        gs_println!("\n");

        gs_println!("Tabs:\tone\ttwo\tthree");
        gs_println!("The whole font: {}", FONT_LINE);
        gs_println!("Outside ASCII is a box: \u{e9}\u{20ac}");
        gs_print!("A long line wraps at the last column without losing characters: ");
        for i in 0..3 {
            gs_print!("{i}123456789");
        }
        gs_println!("\n");

        // A few more lines than fit: the screen scrolls, the oldest lines leave at the top and the newest
        // stays on the last visible row.
        for i in 0..rows / 2 + 2 {
            gs_println!("scrolling line {i}");
        }
        gs_print!("The cursor bar waits here >");

        if ps2_sys::rt::args().any(|a| a == b"panic") {
            panic!("this panic is shown on screen");
        }
        0
    }

    const FONT_LINE: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("console: an EE program; run it with `cargo run -p ps2-gs-text --example console`");
}
