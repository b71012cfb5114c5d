//! A HuggingFace model: `config.json` text, then (after the first NUL byte) one or two `.safetensors`
//! shards separated by the next NUL-NUL-NUL-NUL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_tools::hf;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        let _ = hf::parse_config(&String::from_utf8_lossy(data));
        return;
    };
    let config = String::from_utf8_lossy(&data[..split]);
    let rest = &data[split + 1..];
    let shards: Vec<(String, Vec<u8>)> = match rest.windows(4).position(|w| w == [0xAB, 0xCD, 0xEF, 0x01]) {
        Some(at) => vec![("a.safetensors".into(), rest[..at].to_vec()), ("b.safetensors".into(), rest[at + 4..].to_vec())],
        None => vec![("a.safetensors".into(), rest.to_vec())],
    };
    let _ = hf::read_model_parts(&config, &shards);
});
