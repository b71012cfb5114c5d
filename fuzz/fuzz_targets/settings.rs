//! The llm demo's `LLM.CFG` (read as lossy UTF-8, as the demo does) and `key=value` arguments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_engine::settings::{MAX_STEPS, Settings};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut settings = Settings::default();
    if settings.apply_file(&text).is_ok() {
        settings.sampler(settings.temperature).validate().expect("accepted settings are valid sampler settings");
        assert!(settings.steps >= 1 && settings.steps as u64 <= MAX_STEPS);
        let _ = settings.budget_bytes();
    }
    let _ = Settings::default().apply(&text);
});
