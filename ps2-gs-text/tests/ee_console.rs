//! EE integration tests of the console: run on the Emotion Engine (simulator or PCSX2) through the runner with
//! `cargo test -p ps2-gs-text --test ee_console`. They set the video mode, draw by GIF DMA and check the
//! console's state; `PS2_SIM_ARGS="--screenshot console.png"` keeps the final screen. On the host this file
//! builds to an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    use ps2_gs_text::{Color, VideoMode, gs_print, gs_println, with_console};

    ps2_sys::test_main!(
        nothing_prints_before_init,
        init_sets_up_ntsc_with_every_row_on_screen,
        macros_draw_text,
        scrolling_keeps_the_last_line_visible,
    );

    fn row_text(row: u16) -> [u8; 80] {
        let mut text = [b' '; 80];
        with_console(|c| {
            for (slot, cell) in text.iter_mut().zip(c.row_cells(row).unwrap()) {
                *slot = cell.code;
            }
        })
        .expect("console active");
        text
    }

    fn starts_with(row: u16, expected: &str) -> bool {
        row_text(row).starts_with(expected.as_bytes())
    }

    fn nothing_prints_before_init() {
        assert!(!ps2_gs_text::is_active());
        gs_println!("dropped");
        assert!(with_console(|_| ()).is_none());
    }

    fn init_sets_up_ntsc_with_every_row_on_screen() {
        ps2_gs_text::init(VideoMode::NtscInterlaced);
        ps2_gs_text::install_panic_hook();
        assert!(ps2_gs_text::is_active());
        let (columns, rows, bottom) = with_console(|c| {
            let l = *c.layout();
            (l.columns, l.rows, l.cell_origin(0, l.rows).1)
        })
        .unwrap();
        assert_eq!((columns, rows), (72, 25));
        assert!(bottom <= 448 - 22);
    }

    fn macros_draw_text() {
        gs_println!("ps2-gs-text on the EE: {} x {}", 640, 448);
        with_console(|c| c.set_colors(Color::YELLOW, Color::DARK_BLUE));
        gs_print!("yellow");
        assert!(starts_with(0, "ps2-gs-text on the EE: 640 x 448"));
        assert!(starts_with(1, "yellow"));
        assert_eq!(with_console(|c| c.position()), Some((6, 1)));
    }

    fn scrolling_keeps_the_last_line_visible() {
        with_console(|c| c.set_colors(Color::LIGHT_GREY, Color::DARK_BLUE));
        gs_println!();
        for i in 0..30 {
            gs_println!("line {i:2} of the scrolling test");
        }
        gs_print!("every row is visible");
        assert!(starts_with(23, "line 29 of the scrolling test"));
        assert!(starts_with(24, "every row is visible"));
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_console: EE-only tests, run with `cargo test -p ps2-gs-text --test ee_console` (EE target)");
}
