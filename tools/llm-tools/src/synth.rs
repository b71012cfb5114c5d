//! Synthetic models: any shape, seeded random weights, written tensor by tensor so the file may
//! be larger than RAM. Used for streaming and speed tests; the text they generate is noise.

use std::io::{Seek, Write};

use llm_engine::tokenizer::{Piece, PieceKind, TokenizerOptions};
use llm_engine::{ModelConfig, Quant, TensorRole, Tokenizer, XorShiftRng};

use crate::convert::{SourceModel, SourceTensor, TensorReport, file_order, write_model};
use crate::{Result, error};

/// A tokenizer for a synthetic model: `<unk>`, `<s>`, `</s>`, 256 byte pieces, then random
/// lowercase pieces up to `vocab_size` (scores decreasing with id).
pub fn synthetic_tokenizer(vocab_size: usize, seed: u64) -> Result<Tokenizer> {
    let options = TokenizerOptions { bos_id: Some(1), eos_id: Some(2), unk_id: Some(0), add_dummy_prefix: true, remove_extra_whitespaces: false };
    Ok(Tokenizer::new(&synthetic_pieces(vocab_size, seed), options)?)
}

/// The pieces of [`synthetic_tokenizer`] (e.g. to write them as a llama2.c `tokenizer.bin`).
pub fn synthetic_pieces(vocab_size: usize, seed: u64) -> Vec<Piece> {
    let mut rng = XorShiftRng::new(seed ^ 0x70CE);
    let mut pieces = vec![
        Piece { text: b"<unk>".to_vec(), score: 0.0, kind: PieceKind::Unknown },
        Piece { text: b"<s>".to_vec(), score: 0.0, kind: PieceKind::Control },
        Piece { text: b"</s>".to_vec(), score: 0.0, kind: PieceKind::Control },
    ];
    for byte in 0..=255u8 {
        pieces.push(Piece { text: format!("<0x{byte:02X}>").into_bytes(), score: 0.0, kind: PieceKind::Byte });
    }
    let mut id = pieces.len();
    while pieces.len() < vocab_size {
        let len = 1 + rng.next_u32() as usize % 6;
        let mut text: Vec<u8> = (0..len).map(|_| b'a' + (rng.next_u32() % 26) as u8).collect();
        if rng.next_u32().is_multiple_of(3) {
            text.insert(0, b' ');
        }
        pieces.push(Piece { text, score: -(id as f32), kind: PieceKind::Normal });
        id += 1;
    }
    pieces.truncate(vocab_size.max(1));
    pieces
}

/// Random weights for `config`, as [`write_synthetic`] draws them: matrices uniform in ±1/√cols
/// (the embedding in ±1), norms 1.
fn synthetic_values(config: &ModelConfig, role: TensorRole, rng: &mut XorShiftRng) -> Vec<f32> {
    let (rows, cols) = config.expected_shape(role).expect("weights have shapes");
    let count = rows as usize * cols as usize;
    if role.is_norm() {
        return vec![1.0; count];
    }
    let amplitude = if role == TensorRole::TokenEmbedding { 1.0 } else { 1.0 / (cols as f32).sqrt() };
    (0..count).map(|_| (rng.next_f32() * 2.0 - 1.0) * amplitude).collect()
}

/// A synthetic model held in memory as f32 tensors (e.g. to write it as a llama2.c checkpoint
/// with [`crate::llama2c::write_v0`]); same distribution as [`write_synthetic`].
pub fn source_model(config: &ModelConfig, seed: u64) -> Result<SourceModel> {
    config.validate().map_err(|e| error(format!("model config: {e}")))?;
    let mut rng = XorShiftRng::new(seed);
    let tensors = file_order(config)
        .into_iter()
        .filter(|&(role, _)| role != TensorRole::Tokenizer)
        .map(|(role, layer)| {
            let (rows, cols) = config.expected_shape(role).expect("weights have shapes");
            SourceTensor { role, layer, rows: rows as usize, cols: cols as usize, data: synthetic_values(config, role, &mut rng) }
        })
        .collect();
    Ok(SourceModel { config: *config, tensors })
}

/// Writes a synthetic model. Matrices are uniform in ±1/√cols (keeps activations O(1)); norms are 1.
pub fn write_synthetic<W: Write + Seek>(out: &mut W, config: &ModelConfig, quant: Quant, seed: u64, on_tensor: impl FnMut(&str)) -> Result<Vec<TensorReport>> {
    let tokenizer = synthetic_tokenizer((config.vocab_size as usize).clamp(3, 4096), seed)?;
    let mut rng = XorShiftRng::new(seed);
    write_model(
        out,
        config,
        quant,
        &tokenizer.to_bytes(),
        |role, _layer| Ok(synthetic_values(config, role, &mut rng)),
        on_tensor,
    )
}
