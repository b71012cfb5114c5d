//! The demo's settings: `LLM.CFG` on the disc (`key = value` lines, `#` comments), then the program's
//! arguments (`key=value`, e.g. from `cargo run --example llm -- steps=32`) on top.
//!
//! The parsing is `llm_engine::settings` (pure, so it is tested and fuzzed on the host): every value is
//! range-checked in 64 bits and a bad one is an error naming the line, never truncated to the EE's
//! 32-bit `usize` or clamped.

pub use llm_engine::settings::{KernelChoice, SettingError as ConfigError, Settings as Config};
