//! Bounded mutation tests: thousands of deterministic mutations of valid inputs per parser (model
//! file, tokenizer blob, settings), in seconds. Every case must return (no panic, no abort, within
//! a time bound), and every error must say what is wrong. `fuzz/` runs the same parsers open-ended.

mod common;

use std::time::Duration;

use common::mutate::{Rng, run_mutations};
use common::{build_model, byte_tokenizer, tiny_config};
use llm_engine::crc32::crc32;
use llm_engine::format::{DIR_ENTRY_LEN, HEADER_LEN};
use llm_engine::settings::Settings;
use llm_engine::streaming::SliceReader;
use llm_engine::{
    EngineError, InMemoryWeights, Quant, Sampler, StreamingWeights, TextDecoder, Tokenizer, Transformer, WeightSource, load_tokenizer,
    portable_kernels,
};

const PER_CASE: Duration = Duration::from_secs(2);

/// Words every model-file error message contains one of: the field, tensor or structure at fault.
fn names_model_problem(message: &str) -> bool {
    !message.is_empty()
        && ["header", "tensor", "magic", "truncated", "tokenizer", "memory for", "out of range", "directory"]
            .iter()
            .any(|word| message.contains(word))
}

/// Recomputes the checksums a mutation broke, so that most cases reach the checks behind them:
/// sometimes only header and directory CRCs, sometimes every tensor's CRC too.
#[allow(clippy::ptr_arg)] // the shape `run_mutations` takes
fn refresh_checksums(rng: &mut Rng, bytes: &mut Vec<u8>) {
    if bytes.len() < HEADER_LEN || rng.below(4) == 0 {
        return;
    }
    let count = u32::from_le_bytes(bytes[52..56].try_into().unwrap()) as usize;
    let dir_end = HEADER_LEN + count.min(4096) * DIR_ENTRY_LEN;
    if dir_end > bytes.len() {
        return;
    }
    if rng.below(2) == 0 {
        for i in 0..count {
            let entry = HEADER_LEN + i * DIR_ENTRY_LEN;
            let offset = u64::from_le_bytes(bytes[entry + 16..entry + 24].try_into().unwrap());
            let len = u64::from_le_bytes(bytes[entry + 24..entry + 32].try_into().unwrap());
            if let Some(end) = offset.checked_add(len).filter(|&end| end <= bytes.len() as u64) {
                let crc = crc32(&bytes[offset as usize..end as usize]);
                bytes[entry + 32..entry + 36].copy_from_slice(&crc.to_le_bytes());
            }
        }
    }
    let dir_crc = crc32(&bytes[HEADER_LEN..dir_end]);
    bytes[60..64].copy_from_slice(&dir_crc.to_le_bytes());
    let header_crc = crc32(&bytes[..124]);
    bytes[124..128].copy_from_slice(&header_crc.to_le_bytes());
}

/// Everything a user's model file goes through: parse, CRC and value checks, tokenizer, model
/// buffers, a few forward passes and samples; then the same file streamed with a small budget.
fn load_and_run(bytes: &[u8]) -> Result<(), EngineError> {
    let streamed = (|| {
        let mut weights = StreamingWeights::new(SliceReader::new(bytes), 40 << 10)?;
        let tokenizer = load_tokenizer(&mut weights)?;
        let config = weights.info().config;
        let mut model = Transformer::new(weights, portable_kernels(&config))?;
        let mut ids = Vec::new();
        tokenizer.encode("hello", true, false, &mut ids);
        for (pos, &id) in ids.iter().take(2).enumerate() {
            model.forward(id, pos)?;
        }
        Ok::<(), EngineError>(())
    })();
    let mut weights = InMemoryWeights::new(bytes)?;
    let tokenizer = load_tokenizer(&mut weights)?;
    let config = weights.info().config;
    let mut model = Transformer::new(weights, portable_kernels(&config))?;
    let mut sampler = Sampler::try_new(Default::default(), config.vocab_size as usize)?;
    let mut ids = Vec::new();
    tokenizer.encode("a hello", true, false, &mut ids);
    let mut decoder = TextDecoder::new();
    for (pos, &id) in ids.iter().take(3).enumerate() {
        let mut logits = model.forward(id, pos)?.to_vec();
        let next = sampler.sample(&mut logits, &ids);
        let _ = decoder.push(tokenizer.decode_piece(Some(id), next));
    }
    // An in-RAM and a streamed load of the same bytes agree on whether the file is good.
    streamed
}

#[test]
fn mutated_model_files() {
    for (config, quant, seed) in [(tiny_config(true), Quant::Q8, 1), (tiny_config(false), Quant::Q4, 2), (tiny_config(true), Quant::Ternary, 3)] {
        let valid = build_model(&config, quant, seed);
        load_and_run(&valid).unwrap();
        let directory_end = HEADER_LEN + 48 * 22;
        let accepted = run_mutations("model file", &valid, 0..directory_end, 1500, seed, PER_CASE, refresh_checksums, load_and_run, names_model_problem);
        assert!(accepted < 1500);
    }
}

#[test]
fn mutated_tokenizer_blobs() {
    let valid = byte_tokenizer(300).to_bytes();
    run_mutations(
        "tokenizer blob",
        &valid,
        0..64,
        4000,
        11,
        PER_CASE,
        |_, _| {},
        |bytes| {
            let tokenizer = Tokenizer::from_bytes(bytes)?;
            let mut ids = Vec::new();
            tokenizer.encode(" hello world \u{e9}\u{1F600}", true, true, &mut ids);
            let mut decoder = TextDecoder::new();
            for pair in ids.windows(2) {
                let _ = decoder.push(tokenizer.decode_piece(Some(pair[0]), pair[1]));
            }
            let _ = decoder.finish();
            Ok::<(), llm_engine::FormatError>(())
        },
        |message| ["tokenizer", "magic"].iter().any(|w| message.contains(w)),
    );
}

#[test]
fn mutated_settings_files() {
    let valid = b"# settings\nmodel = MODEL\\AUSTEN.PLM\nprompt = It is a truth\nsteps = 64\ntemperature = 0.5\ntop_p = 0.9\nseed = 42\nkernels = r5900-fpu\nbudget_kib = 1500\ninteractive = 1\nstories = 2\n";
    run_mutations(
        "LLM.CFG",
        valid,
        0..valid.len(),
        4000,
        12,
        PER_CASE,
        |_, _| {},
        |bytes| {
            let mut settings = Settings::default();
            // The demo reads the file as lossy UTF-8.
            settings.apply_file(&String::from_utf8_lossy(bytes))?;
            settings.sampler(settings.temperature).validate().expect("parsed settings are valid sampler settings");
            assert!((1..=1 << 20).contains(&settings.steps));
            let _ = settings.budget_bytes();
            Ok::<(), llm_engine::settings::SettingError>(())
        },
        |message| message.starts_with("line ") && message.contains("bad setting"),
    );
}
