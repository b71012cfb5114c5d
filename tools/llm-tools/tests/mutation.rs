//! Bounded mutation tests of the converter's inputs (llama2.c checkpoints, config.json, safetensors,
//! tokenizer.bin, tokenizer.model): thousands of deterministic mutations of the fixtures, in seconds.
//! Every case returns (no panic, no abort, within a time bound) and every error says what is wrong.
//! `fuzz/` runs the same parsers open-ended.

#[path = "../../../llm-engine/tests/common/mutate.rs"]
mod mutate;

use std::path::PathBuf;
use std::time::Duration;

use llm_engine::Quant;
use llm_tools::{convert, hf, llama2c, sentencepiece, synth, tokenizer_bin};
use mutate::run_mutations;

const PER_CASE: Duration = Duration::from_secs(3);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

fn nothing(_: &mut mutate::Rng, _: &mut Vec<u8>) {}

#[test]
fn mutated_llama2c_checkpoints() {
    for (name, seed) in [("tiny_shared.bin", 21), ("tiny_unshared.bin", 22)] {
        let valid = fixture(name);
        run_mutations(
            name,
            &valid,
            0..28,
            1500,
            seed,
            PER_CASE,
            nothing,
            |bytes| {
                let mut model = llama2c::read_checkpoint(bytes)?;
                model.config.group_size = convert::choose_group_size(32, model.config.dim, model.config.hidden_dim);
                let tokenizer = synth::synthetic_tokenizer((model.config.vocab_size as usize).min(300), 1)?;
                convert::convert(&mut std::io::Cursor::new(Vec::new()), &model, &tokenizer, Quant::Q8, |_| {})?;
                Ok::<(), llm_tools::Error>(())
            },
            |message| ["checkpoint", "llama2.c", "tensor", "tokenizer", "model config"].iter().any(|w| message.contains(w)),
        );
    }
}

#[test]
fn mutated_config_json() {
    let valid = fixture("tiny_hf/config.json");
    let shards = vec![("model.safetensors".to_string(), fixture("tiny_hf/model.safetensors"))];
    run_mutations(
        "config.json",
        &valid,
        0..valid.len(),
        3000,
        23,
        PER_CASE,
        nothing,
        |bytes| hf::read_model_parts(&String::from_utf8_lossy(bytes), &shards).map(|_| ()),
        |message| message.starts_with("config.json") || message.contains("tensor") || message.contains("model.safetensors"),
    );
}

#[test]
fn mutated_safetensors() {
    let config = String::from_utf8(fixture("tiny_hf/config.json")).unwrap();
    let valid = fixture("tiny_hf/model.safetensors");
    let header_len = 8 + u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize;
    run_mutations(
        "safetensors",
        &valid,
        0..header_len,
        3000,
        24,
        PER_CASE,
        nothing,
        |bytes| hf::read_model_parts(&config, &[("model.safetensors".to_string(), bytes.to_vec())]).map(|_| ()),
        |message| message.contains("model.safetensors") || message.contains("tensor"),
    );
}

#[test]
fn mutated_tokenizer_files() {
    let bin = fixture("tiny_tokenizer.bin");
    run_mutations(
        "tokenizer.bin",
        &bin,
        0..64,
        3000,
        25,
        PER_CASE,
        nothing,
        |bytes| tokenizer_bin::load(bytes, 64, Some(1), Some(2)).map(|_| ()),
        |message| message.contains("tokenizer"),
    );
    let model = fixture("austen_tokenizer.model");
    run_mutations(
        "tokenizer.model",
        &model,
        0..256,
        1500,
        26,
        PER_CASE,
        nothing,
        |bytes| sentencepiece::load(bytes).map(|_| ()),
        |message| message.contains("tokenizer"),
    );
}
