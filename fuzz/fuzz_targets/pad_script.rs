//! The simulator's `--pad-script FILE` (read as UTF-8 by the CLI; lossy here so every input reaches the
//! parser), then the inputs of both ports at a few VBLANKs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ps2_sim::sif::pad::PadScript;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match PadScript::parse(&text) {
        Ok(script) => {
            for vblank in [0, 1, 60, u64::MAX] {
                for port in 0..2 {
                    let _ = script.input_at(port, vblank);
                }
            }
        }
        Err(message) => assert!(message.starts_with("pad script line "), "{message}"),
    }
});
