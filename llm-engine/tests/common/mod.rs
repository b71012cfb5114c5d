//! Shared helpers for the engine's integration tests: small random models built in memory.
#![allow(dead_code)]

pub mod mutate;

use llm_engine::format::{TensorSpec, write_model};
use llm_engine::quant::quantize_matrix;
use llm_engine::tokenizer::{Piece, PieceKind, TokenizerOptions};
use llm_engine::{ModelConfig, Quant, TensorRole, Tokenizer, XorShiftRng};

/// A tiny GQA config.
pub fn tiny_config(shared: bool) -> ModelConfig {
    ModelConfig {
        dim: 32,
        hidden_dim: 48,
        n_layers: 2,
        n_heads: 4,
        n_kv_heads: 2,
        vocab_size: 300,
        seq_len: 24,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        shared_classifier: shared,
        group_size: 16,
    }
}

/// A byte-fallback vocabulary: specials, 256 bytes, a few merges.
pub fn byte_tokenizer(vocab: usize) -> Tokenizer {
    let mut pieces = vec![
        Piece { text: b"<unk>".to_vec(), score: 0.0, kind: PieceKind::Unknown },
        Piece { text: b"<s>".to_vec(), score: 0.0, kind: PieceKind::Control },
        Piece { text: b"</s>".to_vec(), score: 0.0, kind: PieceKind::Control },
    ];
    for b in 0..=255u8 {
        pieces.push(Piece { text: format!("<0x{b:02X}>").into_bytes(), score: 0.0, kind: PieceKind::Byte });
    }
    for (i, text) in [" ", "a", "b", "c", "h", "e", "l", "o", " h", "he", "ll", "llo", " hello", "ab", "abc"].iter().enumerate() {
        pieces.push(Piece { text: text.as_bytes().to_vec(), score: -(i as f32), kind: PieceKind::Normal });
    }
    pieces.truncate(vocab);
    Tokenizer::new(&pieces, TokenizerOptions { bos_id: Some(1), eos_id: Some(2), unk_id: Some(0), add_dummy_prefix: true, remove_extra_whitespaces: false }).unwrap()
}

/// Builds a model file with random weights in `quant` (norms f32), tensors in access order.
pub fn build_model(config: &ModelConfig, quant: Quant, seed: u64) -> Vec<u8> {
    let mut rng = XorShiftRng::new(seed);
    let mut random = |n: usize, amplitude: f32| -> Vec<f32> { (0..n).map(|_| (rng.next_f32() * 2.0 - 1.0) * amplitude).collect() };
    let mut tensors = Vec::new();
    let push = |role: TensorRole, layer: u16, tensors: &mut Vec<(TensorSpec, Vec<u8>)>, values: Vec<f32>| {
        let (rows, cols) = config.expected_shape(role).unwrap();
        let q = if role.is_norm() { Quant::F32 } else { quant };
        let data = quantize_matrix(q, &values, rows as usize, cols as usize, config.group_size as usize);
        tensors.push((TensorSpec { role, layer, quant: q, rows, cols }, data));
    };
    let size = |role: TensorRole| {
        let (r, c) = config.expected_shape(role).unwrap();
        (r * c) as usize
    };
    push(TensorRole::TokenEmbedding, 0, &mut tensors, random(size(TensorRole::TokenEmbedding), 1.0));
    for layer in 0..config.n_layers as u16 {
        for role in TensorRole::LAYER_ORDER {
            let (_, cols) = config.expected_shape(role).unwrap();
            let values = if role.is_norm() {
                random(size(role), 0.2).iter().map(|v| 1.0 + v).collect()
            } else {
                random(size(role), 1.0 / (cols as f32).sqrt())
            };
            push(role, layer, &mut tensors, values);
        }
    }
    push(TensorRole::FinalNorm, 0, &mut tensors, vec![1.0; config.dim as usize]);
    if !config.shared_classifier {
        push(TensorRole::Classifier, 0, &mut tensors, random(size(TensorRole::Classifier), 0.2));
    }
    let blob = byte_tokenizer(config.vocab_size as usize).to_bytes();
    tensors.push((TensorSpec { role: TensorRole::Tokenizer, layer: 0, quant: Quant::Raw, rows: 1, cols: blob.len() as u32 }, blob));
    write_model(config, &tensors).unwrap()
}
