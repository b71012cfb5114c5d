//! The generation loop (`llm_engine::generate`): prompt feeding, greedy choice, end tokens, the step cap and
//! the text, each checked against a plain loop written out here (forward, then the largest logit).

mod common;

use common::{build_model, tiny_config};
use llm_engine::generate::Generation;
use llm_engine::{InMemoryWeights, ModelConfig, PortableKernels, Quant, SamplerConfig, Tokenizer, Transformer, WeightSource};

fn tiny_model(seed: u64) -> (Transformer<InMemoryWeights<Vec<u8>>, PortableKernels>, Tokenizer, ModelConfig) {
    let config = tiny_config(false);
    let mut weights = InMemoryWeights::new(build_model(&config, Quant::F32, seed)).unwrap();
    let tokenizer = llm_engine::load_tokenizer(&mut weights).unwrap();
    let kernels = llm_engine::portable_kernels(&weights.info().config);
    (Transformer::new(weights, kernels).unwrap(), tokenizer, config)
}

fn greedy() -> SamplerConfig {
    SamplerConfig { temperature: 0.0, ..SamplerConfig::default() }
}

/// The index of the largest logit (the first of equals), as greedy decoding defines it.
fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best as u32
}

#[test]
fn feeds_the_prompt_then_chooses_the_largest_logit() {
    let (mut model, tokenizer, config) = tiny_model(7);
    let (mut reference, _, _) = tiny_model(7);
    let mut generation = Generation::new(&tokenizer, "hello", 20, greedy(), &config).unwrap();
    let prompt = generation.prompt_tokens().to_vec();
    assert_eq!(prompt[0], 1, "BOS first");
    assert!(prompt.len() >= 2);
    let mut token = prompt[0];
    let mut positions = 0;
    while let Some(step) = generation.step(&mut model).unwrap() {
        // The plain loop, on a second copy of the same model.
        let logits = reference.forward(token, step.pos).unwrap().to_vec();
        assert_eq!(step.pos, positions);
        assert_eq!(step.logits, &logits[..], "position {}: the logits before sampling", step.pos);
        if step.pos + 1 < prompt.len() {
            assert!(!step.sampled);
            assert_eq!(step.next, prompt[step.pos + 1], "position {}: the prompt's next token", step.pos);
        } else {
            assert!(step.sampled);
            assert_eq!(step.next, argmax(&logits), "position {}: greedy choice", step.pos);
        }
        assert_eq!(step.end, step.next == 1 || step.next == 2);
        token = step.next;
        positions += 1;
        if step.end {
            break;
        }
    }
    assert!(positions > prompt.len(), "generated past the prompt");
    assert!(generation.step(&mut model).unwrap().is_none() || positions == 20);
}

#[test]
fn steps_are_capped_by_the_sequence_length_and_the_request() {
    let (mut model, tokenizer, config) = tiny_model(3);
    let mut generation = Generation::new(&tokenizer, "ab", 1000, greedy(), &config).unwrap();
    assert_eq!(generation.steps(), config.seq_len as usize);
    let mut count = 0;
    while let Some(step) = generation.step(&mut model).unwrap() {
        count += 1;
        if step.end {
            break;
        }
    }
    assert!(count <= config.seq_len as usize);
    let (mut model, ..) = tiny_model(3);
    let mut short = Generation::new(&tokenizer, "ab", 2, greedy(), &config).unwrap();
    assert!(short.step(&mut model).unwrap().is_some());
    assert!(short.step(&mut model).unwrap().is_some());
    assert!(short.step(&mut model).unwrap().is_none(), "two positions asked for");
}

#[test]
fn the_text_is_the_decoded_tokens_and_nothing_follows_an_end_token() {
    for seed in 1..6 {
        let (mut model, tokenizer, config) = tiny_model(seed);
        let mut generation = Generation::new(&tokenizer, "he", 24, greedy(), &config).unwrap();
        let mut text = String::new();
        let mut chosen = vec![generation.prompt_tokens()[0]];
        let mut ended = false;
        while let Some(step) = generation.step(&mut model).unwrap() {
            assert!(!ended, "a step after the end token");
            if step.end {
                assert_eq!(step.text, "");
                ended = true;
            } else {
                chosen.push(step.next);
            }
            text.push_str(step.text);
        }
        text.push_str(generation.finish());
        // The tokenizer's own decoding of the chosen ids (after BOS) is the same text.
        assert_eq!(text, tokenizer.decode(&chosen), "seed {seed}");
    }
}

#[test]
fn bad_settings_are_refused_before_anything_runs() {
    let (_, tokenizer, config) = tiny_model(1);
    let bad = SamplerConfig { temperature: f32::NAN, ..SamplerConfig::default() };
    let err = Generation::new(&tokenizer, "a", 8, bad, &config).err().expect("NaN temperature refused");
    assert!(err.to_string().contains("temperature"), "{err}");
}
