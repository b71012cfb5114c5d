//! The two trained Austen models through the converter and the engine, against the JAX reference that
//! model/build.sh wrote when it trained them: "quick" (model/release, model/reference) and "rich"
//! (model/release-rich, model/reference-rich). Greedy decoding must reproduce the reference's argmax
//! ids (f32 exactly; Q8 may flip only a near-tie), and the validation loss the engine computes on
//! held-out text must agree with the training framework's (`val_snippet.json`, f32 and Q8).
//!
//! Both models are shipped in the repository, so a missing file is a failure, not a skip. The Q8
//! conversion uses groups of 32, as the demo's disc (examples/llm/make_disc.sh).

use std::io::Cursor;
use std::path::PathBuf;

use llm_engine::sampler::argmax;
use llm_engine::{InMemoryWeights, Quant, Transformer, WeightSource, portable_kernels};
use llm_tools::convert::convert;
use llm_tools::{llama2c, sentencepiece};
use serde_json::Value;

/// `model/` of the repository, or `$LLM_TOOLS_MODEL_DIR` (same layout) to check another export.
fn model_dir() -> PathBuf {
    std::env::var_os("LLM_TOOLS_MODEL_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../model"), PathBuf::from)
}

/// One trained model: where its checkpoint and reference fixtures are.
struct Model {
    release: &'static str,
    reference: &'static str,
    checkpoint: &'static str,
}

const QUICK: Model = Model { release: "release", reference: "reference", checkpoint: "austen-v0-f32.bin" };
const RICH: Model = Model { release: "release-rich", reference: "reference-rich", checkpoint: "austen-rich-v0-f32.bin" };

/// The Q8 group size the disc uses.
const GROUP: u32 = 32;

impl Model {
    fn read(&self, dir: &str, name: &str) -> Vec<u8> {
        let path = model_dir().join(dir).join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{} (made by model/build.sh): {e}", path.display()))
    }

    fn reference(&self, name: &str) -> Value {
        serde_json::from_slice(&self.read(self.reference, name)).unwrap()
    }

    /// The checkpoint as a conversion source (Q8 group as on the disc) and its tokenizer.
    fn source(&self) -> (llm_tools::convert::SourceModel, llm_engine::Tokenizer) {
        let mut source = llama2c::read_checkpoint(&self.read(self.release, self.checkpoint)).unwrap();
        source.config.group_size = llm_tools::convert::choose_group_size(GROUP, source.config.dim, source.config.hidden_dim);
        let tokenizer = sentencepiece::load(&self.read(self.release, "tokenizer.model")).unwrap();
        (source, tokenizer)
    }
}

fn ids(value: &Value, key: &str) -> Vec<u32> {
    value[key].as_array().unwrap_or_else(|| panic!("greedy.json lacks {key}")).iter().map(|v| v.as_u64().unwrap() as u32).collect()
}

/// Greedy ids after the prompt.
fn greedy(file: Vec<u8>, prompt: &[u32], count: usize) -> Vec<u32> {
    let weights = InMemoryWeights::new(file).unwrap();
    let kernels = portable_kernels(&weights.info().config);
    let mut model = Transformer::new(weights, kernels).unwrap();
    let mut out = Vec::new();
    let mut token = prompt[0];
    for pos in 0..prompt.len() + count - 1 {
        let next = argmax(model.forward(token, pos).unwrap());
        token = if pos + 1 < prompt.len() { prompt[pos + 1] } else { next };
        if pos + 1 >= prompt.len() {
            out.push(next);
        }
    }
    out
}

fn greedy_decoding_matches_the_reference(model: &Model) {
    let reference = model.reference("greedy.json");
    let prompt = ids(&reference, "prompt_ids");
    let expected = ids(&reference, "expected_ids");
    let margins: Vec<f64> = reference["top1_top2_logit_margin"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let (source, tokenizer) = model.source();
    let mut encoded = Vec::new();
    tokenizer.encode(reference["prompt"].as_str().unwrap(), true, false, &mut encoded);
    assert_eq!(encoded, prompt, "prompt encoding differs from SentencePiece");
    for quant in [Quant::F32, Quant::Q8] {
        let mut file = Cursor::new(Vec::new());
        convert(&mut file, &source, &tokenizer, quant, |_| {}).unwrap();
        let got = greedy(file.into_inner(), &prompt, expected.len());
        match quant {
            Quant::F32 => assert_eq!(got, expected, "{}: f32 greedy ids", model.release),
            _ => {
                // Quantization may flip a near-tie; everything before the first flip must agree,
                // and the flip must be at a step where the reference's top-2 margin is small.
                if let Some(first) = got.iter().zip(&expected).position(|(a, b)| a != b) {
                    assert!(margins[first] < 0.5, "{}: q8 diverged at step {first} with margin {}", model.release, margins[first]);
                }
            }
        }
    }
}

#[test]
fn quick_model_matches_the_reference_greedy_decoding() {
    greedy_decoding_matches_the_reference(&QUICK);
}

#[test]
fn rich_model_matches_the_reference_greedy_decoding() {
    greedy_decoding_matches_the_reference(&RICH);
}

/// Mean cross-entropy (nats) of `ids[i+1]` given `ids[..=i]`, teacher-forced through the engine.
fn mean_cross_entropy(file: Vec<u8>, ids: &[u32]) -> f64 {
    let weights = InMemoryWeights::new(file).unwrap();
    let kernels = portable_kernels(&weights.info().config);
    let mut model = Transformer::new(weights, kernels).unwrap();
    let mut total = 0.0f64;
    for pos in 0..ids.len() - 1 {
        let logits = model.forward(ids[pos], pos).unwrap();
        let max = logits.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) as f64;
        let log_sum = logits.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln() + max;
        total += log_sum - logits[ids[pos + 1] as usize] as f64;
    }
    total / (ids.len() - 1) as f64
}

fn validation_loss_matches_the_training_framework(model: &Model) {
    let reference = model.reference("val_snippet.json");
    let expected = reference["mean_ce_nats"].as_f64().unwrap();
    let snippets: Vec<Vec<u32>> = reference["snippets"].as_array().unwrap().iter().map(|s| ids(s, "ids")).collect();
    let (source, tokenizer) = model.source();
    for (quant, tolerance) in [(Quant::F32, reference["suggested_tolerance_nats"]["f32"].as_f64().unwrap()), (Quant::Q8, reference["suggested_tolerance_nats"]["q8"].as_f64().unwrap())] {
        let mut file = Cursor::new(Vec::new());
        convert(&mut file, &source, &tokenizer, quant, |_| {}).unwrap();
        let file = file.into_inner();
        let mean = snippets.iter().map(|ids| mean_cross_entropy(file.clone(), ids)).sum::<f64>() / snippets.len() as f64;
        eprintln!("{} {quant:?}: engine {mean:.5} nats vs reference {expected:.5}", model.release);
        assert!((mean - expected).abs() <= tolerance, "{} {quant:?} validation loss {mean} vs {expected} (tolerance {tolerance})", model.release);
    }
}

#[test]
fn quick_model_validation_loss_matches_the_training_framework() {
    validation_loss_matches_the_training_framework(&QUICK);
}

#[test]
fn rich_model_validation_loss_matches_the_training_framework() {
    validation_loss_matches_the_training_framework(&RICH);
}
