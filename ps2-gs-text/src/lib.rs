//! # ps2-gs-text — a text console on the PlayStation 2's Graphics Synthesizer
//!
//! - video mode set-up for NTSC and PAL interlaced (640×448 / 640×512) and 480p ([`VideoMode`],
//!   [`hw::setup_video`]);
//! - a [`Console`] whose every row is inside the title-safe area of the picture (unlike ps2sdk's debug
//!   screen, whose last 12 rows are never displayed), with colours, clear, cursor, line wrapping and scrolling;
//! - a built-in 8×8 font covering printable ASCII ([`font`]);
//! - [`core::fmt::Write`], the [`gs_print!`] / [`gs_println!`] macros on a global console, and an on-screen
//!   panic report ([`install_panic_hook`]);
//! - drawing by GIF DMA (channel 2) with plain untextured sprites: the packet building is pure Rust, tested on
//!   the host through the [`GifSink`] trait; only [`hw`] touches the hardware.
//!
//! ```no_run
//! #![no_std]
//! #![no_main]
//! use ps2_gs_text::{Color, VideoMode, gs_println};
//!
//! ps2_sys::entry!(main);
//!
//! fn main() {
//!     ps2_gs_text::init(VideoMode::NtscInterlaced);
//!     ps2_gs_text::install_panic_hook();
//!     gs_println!("Hello from the Emotion Engine");
//!     ps2_gs_text::with_console(|console| console.set_colors(Color::YELLOW, Color::DARK_BLUE));
//!     gs_println!("{} rows are visible", ps2_gs_text::with_console(|c| c.rows()).unwrap_or(0));
//! }
//! ```
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

pub mod color;
pub mod console;
pub mod font;
pub mod gif;
pub mod hw;
pub mod layout;
pub mod regs;
pub mod video;

use core::cell::RefCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use critical_section::Mutex;

pub use color::Color;
pub use console::{Cell, Console};
pub use gif::GifSink;
pub use hw::GifDma;
pub use layout::{ConsoleConfig, ConsoleError, Layout, Margins};
pub use video::VideoMode;

/// The console behind [`gs_print!`], kept in a static because it is about 50 KiB.
static CONSOLE: Mutex<RefCell<Console<GifDma>>> =
    Mutex::new(RefCell::new(Console::new(GifDma::new(), VideoMode::NtscInterlaced)));
/// Whether [`init`] has run: before that the macros print nothing (the GS is not set up).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Sets up `mode` and the global console with its default look ([`ConsoleConfig::for_mode`]), and clears the
/// screen. Call it once at start-up (again to change modes).
pub fn init(mode: VideoMode) {
    // The default configuration fits every mode (checked by the layout tests), so this cannot fail.
    let _ = init_with_config(mode, &ConsoleConfig::for_mode(mode));
}

/// Like [`init`] with an explicit configuration. The configuration is checked before the hardware is
/// touched: on error the display is left as it was.
pub fn init_with_config(mode: VideoMode, config: &ConsoleConfig) -> Result<(), ConsoleError> {
    Layout::compute(mode, config)?;
    hw::setup_video(mode, config.background);
    critical_section::with(|cs| {
        let mut console = CONSOLE.borrow(cs).borrow_mut();
        console.reconfigure(mode, config)?;
        console.clear();
        ACTIVE.store(true, Ordering::Release);
        Ok(())
    })
}

/// Whether [`init`] has set up the global console.
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Acquire)
}

/// Runs `f` on the global console. `None` before [`init`], or when called from inside another use of the
/// console (e.g. a panic raised while it was drawing).
pub fn with_console<R>(f: impl FnOnce(&mut Console<GifDma>) -> R) -> Option<R> {
    if !is_active() {
        return None;
    }
    critical_section::with(|cs| CONSOLE.borrow(cs).try_borrow_mut().ok().map(|mut console| f(&mut console)))
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    with_console(|console| {
        // Console::write_str never fails.
        let _ = console.write_fmt(args);
    });
}

/// Prints to the global GS console (see [`init`]); does nothing before it is set up.
#[macro_export]
macro_rules! gs_print {
    ($($arg:tt)*) => {
        $crate::_print(::core::format_args!($($arg)*))
    };
}

/// Prints a line to the global GS console (see [`init`]); does nothing before it is set up.
#[macro_export]
macro_rules! gs_println {
    () => {
        $crate::_print(::core::format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::_print(::core::format_args!("{}\n", ::core::format_args!($($arg)*)))
    };
}

/// Makes panics also appear on the screen: white on dark red, below the current text, once [`init`] has run.
/// (`ps2-sys`'s panic handler prints to the serial port first and exits afterwards.) A panic raised while the
/// console itself was drawing cannot be shown there and only reaches the serial port.
pub fn install_panic_hook() {
    ps2_sys::panic::set_hook(show_panic);
}

fn show_panic(info: &core::panic::PanicInfo<'_>) {
    with_console(|console| write_panic(console, info));
}

/// Writes a panic report the way the hook shows it (public for consoles other than the global one).
pub fn write_panic<S: GifSink>(console: &mut Console<S>, info: &core::panic::PanicInfo<'_>) {
    console.set_colors(Color::WHITE, Color::DARK_RED);
    if console.position().0 != 0 {
        console.print("\n");
    }
    let _ = match info.location() {
        Some(location) => write!(console, "panicked at {location}:\n{}\n", info.message()),
        None => write!(console, "panicked:\n{}\n", info.message()),
    };
}
