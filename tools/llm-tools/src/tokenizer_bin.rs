//! Reader for llama2.c's `tokenizer.bin`: `u32 max_token_length`, then per token `f32 score`,
//! `i32 len`, `len` bytes. The file does not store its vocabulary size (the model does), nor
//! piece types, which are inferred: `<0xNN>` pieces are byte pieces, the BOS/EOS ids are control
//! pieces, and a piece `<unk>` is the unknown piece.

use llm_engine::Tokenizer;
use llm_engine::tokenizer::{Piece, PieceKind, TokenizerOptions};

use crate::{Result, error};

/// Parses `bytes` holding `vocab_size` tokens.
pub fn load(bytes: &[u8], vocab_size: usize, bos_id: Option<u32>, eos_id: Option<u32>) -> Result<Tokenizer> {
    let mut at = 4;
    let mut pieces = Vec::with_capacity(vocab_size);
    let mut unk_id = None;
    for id in 0..vocab_size {
        let header = bytes
            .get(at..at + 8)
            .ok_or_else(|| error(format!("tokenizer.bin truncated at token {id} (byte {at}); is the vocabulary size {vocab_size} right?")))?;
        let score = f32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
        let len = i32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
        if !(0..=1 << 16).contains(&len) {
            return Err(error(format!("tokenizer.bin: token {id} has bad length {len}")));
        }
        at += 8;
        let text = bytes
            .get(at..at + len as usize)
            .ok_or_else(|| error(format!("tokenizer.bin truncated in token {id}")))?
            .to_vec();
        at += len as usize;
        let id = id as u32;
        let kind = if Some(id) == bos_id || Some(id) == eos_id {
            PieceKind::Control
        } else if text == b"<unk>" {
            unk_id.get_or_insert(id);
            PieceKind::Unknown
        } else if text.len() == 6 && text.starts_with(b"<0x") && text.ends_with(b">") {
            PieceKind::Byte
        } else {
            PieceKind::Normal
        };
        pieces.push(Piece { text, score, kind });
    }
    let options = TokenizerOptions { bos_id, eos_id, unk_id, add_dummy_prefix: true, remove_extra_whitespaces: false };
    Ok(Tokenizer::new(&pieces, options)?)
}

/// Encodes pieces in the tokenizer.bin layout (tests and round trips).
pub fn encode(pieces: &[Piece]) -> Vec<u8> {
    let max = pieces.iter().map(|p| p.text.len()).max().unwrap_or(0) as u32;
    let mut out = max.to_le_bytes().to_vec();
    for piece in pieces {
        out.extend_from_slice(&piece.score.to_le_bytes());
        out.extend_from_slice(&(piece.text.len() as i32).to_le_bytes());
        out.extend_from_slice(&piece.text);
    }
    out
}
