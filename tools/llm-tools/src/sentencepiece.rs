//! Reader for SentencePiece `tokenizer.model` files (a `ModelProto` protobuf), with a minimal
//! protobuf decoder: only the fields the tokenizer needs are read, everything else is skipped.
//!
//! Fields used (from sentencepiece_model.proto): `ModelProto.pieces = 1` (`piece = 1`,
//! `score = 2`, `type = 3`), `ModelProto.trainer_spec = 2` (`model_type = 3`, `unk_id = 40`,
//! `bos_id = 41`, `eos_id = 42`), `ModelProto.normalizer_spec = 3` (`add_dummy_prefix = 3`).

use llm_engine::tokenizer::{Piece, PieceKind, TokenizerOptions};
use llm_engine::Tokenizer;

use crate::{Result, error};

/// A decoded protobuf field value.
enum Value<'a> {
    Varint(u64),
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// Iterates over `(field number, value)` of one protobuf message.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at).ok_or_else(|| error(format!("tokenizer.model: truncated varint at byte {}", self.at)))?;
            self.at += 1;
            value |= ((byte & 0x7F) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(error(format!("tokenizer.model: varint too long at byte {}", self.at)))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(len).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| error(format!("tokenizer.model: field of {len} bytes at {} runs past the end", self.at)))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>> {
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed64
            }
            2 => {
                let len = self.varint()? as usize;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                Value::Fixed32(u32::from_le_bytes(b.try_into().expect("4 bytes")))
            }
            wire => return Err(error(format!("tokenizer.model: unsupported wire type {wire} at byte {}", self.at))),
        };
        Ok(Some((key >> 3, value)))
    }
}

/// What a `tokenizer.model` holds, before building the engine's tokenizer.
#[derive(Clone, Debug)]
pub struct SentencePieceModel {
    /// Pieces (`▁` already turned into spaces).
    pub pieces: Vec<Piece>,
    /// Special ids and options.
    pub options: TokenizerOptions,
    /// `TrainerSpec.model_type` (1 unigram, 2 BPE, ...).
    pub model_type: u64,
}

fn parse_piece(bytes: &[u8]) -> Result<Piece> {
    let mut fields = Fields::new(bytes);
    let mut piece = Piece { text: Vec::new(), score: 0.0, kind: PieceKind::Normal };
    while let Some((number, value)) = fields.next_field()? {
        match (number, value) {
            (1, Value::Bytes(text)) => piece.text = text.to_vec(),
            (2, Value::Fixed32(bits)) => piece.score = f32::from_bits(bits),
            (3, Value::Varint(kind)) => {
                piece.kind = PieceKind::from_code(kind as u8).ok_or_else(|| error(format!("tokenizer.model: unknown piece type {kind}")))?
            }
            _ => {}
        }
    }
    // SentencePiece writes spaces as U+2581; the engine works on plain spaces.
    let text = String::from_utf8_lossy(&piece.text).replace('\u{2581}', " ");
    piece.text = text.into_bytes();
    Ok(piece)
}

fn special(value: u64) -> Option<u32> {
    // Negative ids (-1 = disabled) arrive as huge varints.
    (value as i64 >= 0 && value < u32::MAX as u64).then_some(value as u32)
}

/// Parses a `tokenizer.model`.
pub fn parse_model(bytes: &[u8]) -> Result<SentencePieceModel> {
    let mut fields = Fields::new(bytes);
    let mut pieces = Vec::new();
    // Defaults of sentencepiece_model.proto.
    let mut options = TokenizerOptions { bos_id: Some(1), eos_id: Some(2), unk_id: Some(0), add_dummy_prefix: true, remove_extra_whitespaces: true };
    let mut model_type = 1;
    while let Some((number, value)) = fields.next_field()? {
        match (number, value) {
            (1, Value::Bytes(piece)) => pieces.push(parse_piece(piece)?),
            (2, Value::Bytes(trainer)) => {
                let mut trainer = Fields::new(trainer);
                while let Some((number, value)) = trainer.next_field()? {
                    match (number, value) {
                        (3, Value::Varint(v)) => model_type = v,
                        (40, Value::Varint(v)) => options.unk_id = special(v),
                        (41, Value::Varint(v)) => options.bos_id = special(v),
                        (42, Value::Varint(v)) => options.eos_id = special(v),
                        _ => {}
                    }
                }
            }
            (3, Value::Bytes(normalizer)) => {
                let mut normalizer = Fields::new(normalizer);
                while let Some((number, value)) = normalizer.next_field()? {
                    match (number, value) {
                        (3, Value::Varint(v)) => options.add_dummy_prefix = v != 0,
                        (4, Value::Varint(v)) => options.remove_extra_whitespaces = v != 0,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if pieces.is_empty() {
        return Err(error("tokenizer.model: no pieces"));
    }
    for id in [&mut options.bos_id, &mut options.eos_id, &mut options.unk_id] {
        if id.is_some_and(|v| v as usize >= pieces.len()) {
            *id = None;
        }
    }
    Ok(SentencePieceModel { pieces, options, model_type })
}

/// Parses a `tokenizer.model` into the engine's tokenizer.
pub fn load(bytes: &[u8]) -> Result<Tokenizer> {
    let model = parse_model(bytes)?;
    if model.model_type != 2 {
        eprintln!("warning: tokenizer.model is not a BPE model (model_type {}); encoding uses BPE merges by score", model.model_type);
    }
    Ok(Tokenizer::new(&model.pieces, model.options)?)
}

/// Encodes a `ModelProto` (used by tests to build fixtures; writes only the fields read above).
pub fn encode_model(pieces: &[Piece], options: &TokenizerOptions, model_type: u64) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }
    fn bytes_field(out: &mut Vec<u8>, number: u64, data: &[u8]) {
        varint(out, number << 3 | 2);
        varint(out, data.len() as u64);
        out.extend_from_slice(data);
    }
    fn varint_field(out: &mut Vec<u8>, number: u64, value: u64) {
        varint(out, number << 3);
        varint(out, value);
    }
    let mut out = Vec::new();
    for piece in pieces {
        let mut message = Vec::new();
        let text = String::from_utf8_lossy(&piece.text).replace(' ', "\u{2581}");
        bytes_field(&mut message, 1, text.as_bytes());
        varint(&mut message, 2 << 3 | 5);
        message.extend_from_slice(&piece.score.to_le_bytes());
        varint_field(&mut message, 3, piece.kind as u64);
        bytes_field(&mut out, 1, &message);
    }
    let id = |v: Option<u32>| v.map_or(u64::MAX, |v| v as u64);
    let mut trainer = Vec::new();
    varint_field(&mut trainer, 3, model_type);
    varint_field(&mut trainer, 40, id(options.unk_id));
    varint_field(&mut trainer, 41, id(options.bos_id));
    varint_field(&mut trainer, 42, id(options.eos_id));
    bytes_field(&mut out, 2, &trainer);
    let mut normalizer = Vec::new();
    varint_field(&mut normalizer, 3, options.add_dummy_prefix as u64);
    varint_field(&mut normalizer, 4, options.remove_extra_whitespaces as u64);
    bytes_field(&mut out, 3, &normalizer);
    out
}
