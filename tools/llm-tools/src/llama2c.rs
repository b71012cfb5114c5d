//! Readers for llama2.c checkpoints: v0 (legacy fp32, `run.c`), v1 (fp32 with the `ak42` header)
//! and v2 (Q8_0, `runq.c`).

use llm_engine::{ModelConfig, TensorRole};

use crate::convert::{SourceModel, SourceTensor};
use crate::{Result, error};

const MAGIC: u32 = 0x616b_3432;

/// Cursor over a little-endian byte slice with errors that say what was being read.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(len).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| error(format!("checkpoint truncated while reading {what} (needs {len} bytes at offset {})", self.at)))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn f32s(&mut self, count: usize, what: &str) -> Result<Vec<f32>> {
        let bytes = self.take(count * 4, what)?;
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// Q8_0: `count` int8 values then `count / group` f32 scales.
    fn q8(&mut self, count: usize, group: usize, what: &str) -> Result<Vec<f32>> {
        let codes = self.take(count, what)?;
        let scales = self.f32s(count / group, what)?;
        Ok(codes.iter().enumerate().map(|(i, &q)| q as i8 as f32 * scales[i / group]).collect())
    }
}

/// A checkpoint must end after its last tensor: extra bytes mean the header's shape is not the
/// file's (a wrong dim or layer count would otherwise read weights from the wrong places).
fn finish(c: &Cursor<'_>, model: SourceModel) -> Result<SourceModel> {
    let extra = c.bytes.len() - c.at;
    if extra != 0 {
        return Err(error(format!(
            "checkpoint has {extra} bytes after its last tensor (at offset {}): the header's shape does not match the file",
            c.at
        )));
    }
    Ok(model)
}

fn i32_at(bytes: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Reads the seven llama2.c shape integers; returns the config and whether the classifier is shared.
fn parse_shape(bytes: &[u8], at: usize) -> Result<(ModelConfig, bool)> {
    if bytes.len() < at + 28 {
        return Err(error("checkpoint truncated in the header"));
    }
    let field = |i: usize| i32_at(bytes, at + 4 * i);
    let names = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"];
    let mut values = [0u32; 7];
    for i in 0..7 {
        let raw = if i == 5 { field(i).unsigned_abs() as i64 } else { field(i) as i64 };
        if raw <= 0 || raw > 1 << 20 {
            return Err(error(format!("bad llama2.c header field {} = {}", names[i], field(i))));
        }
        values[i] = raw as u32;
    }
    let shared = field(5) > 0;
    let config = ModelConfig {
        dim: values[0],
        hidden_dim: values[1],
        n_layers: values[2],
        n_heads: values[3],
        n_kv_heads: values[4],
        vocab_size: values[5],
        seq_len: values[6],
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        shared_classifier: shared,
        group_size: 1,
    };
    config.validate().map_err(|e| error(format!("llama2.c header: {e}")))?;
    Ok((config, shared))
}

fn per_layer(tensors: &mut Vec<SourceTensor>, role: TensorRole, layers: usize, rows: usize, cols: usize, mut read: impl FnMut(usize) -> Result<Vec<f32>>) -> Result<()> {
    for layer in 0..layers {
        tensors.push(SourceTensor { role, layer: layer as u16, rows, cols, data: read(rows * cols)? });
    }
    Ok(())
}

/// Reads a llama2.c checkpoint of any supported version.
pub fn read_checkpoint(bytes: &[u8]) -> Result<SourceModel> {
    if bytes.len() >= 8 && i32_at(bytes, 0) as u32 == MAGIC {
        return match i32_at(bytes, 4) {
            1 => read_v1(bytes),
            2 => read_v2(bytes),
            v => Err(error(format!("unsupported llama2.c checkpoint version {v} (expected 0, 1 or 2)"))),
        };
    }
    read_v0(bytes)
}

fn dims(config: &ModelConfig) -> (usize, usize, usize, usize, usize) {
    (config.dim as usize, config.hidden_dim as usize, config.n_layers as usize, config.kv_dim(), config.vocab_size as usize)
}

fn read_v0(bytes: &[u8]) -> Result<SourceModel> {
    let (config, shared) = parse_shape(bytes, 0)?;
    let (d, h, l, kv, v) = dims(&config);
    let mut c = Cursor { bytes, at: 28 };
    let mut t = Vec::new();
    t.push(SourceTensor { role: TensorRole::TokenEmbedding, layer: 0, rows: v, cols: d, data: c.f32s(v * d, "token_embedding")? });
    per_layer(&mut t, TensorRole::AttentionNorm, l, 1, d, |n| c.f32s(n, "rms_att"))?;
    per_layer(&mut t, TensorRole::Wq, l, d, d, |n| c.f32s(n, "wq"))?;
    per_layer(&mut t, TensorRole::Wk, l, kv, d, |n| c.f32s(n, "wk"))?;
    per_layer(&mut t, TensorRole::Wv, l, kv, d, |n| c.f32s(n, "wv"))?;
    per_layer(&mut t, TensorRole::Wo, l, d, d, |n| c.f32s(n, "wo"))?;
    per_layer(&mut t, TensorRole::FfnNorm, l, 1, d, |n| c.f32s(n, "rms_ffn"))?;
    per_layer(&mut t, TensorRole::W1, l, h, d, |n| c.f32s(n, "w1"))?;
    per_layer(&mut t, TensorRole::W2, l, d, h, |n| c.f32s(n, "w2"))?;
    per_layer(&mut t, TensorRole::W3, l, h, d, |n| c.f32s(n, "w3"))?;
    t.push(SourceTensor { role: TensorRole::FinalNorm, layer: 0, rows: 1, cols: d, data: c.f32s(d, "rms_final")? });
    // freq_cis_real and freq_cis_imag: recomputed by the engine.
    c.take(config.seq_len as usize * config.head_size() * 4, "freq_cis")?;
    if !shared {
        t.push(SourceTensor { role: TensorRole::Classifier, layer: 0, rows: v, cols: d, data: c.f32s(v * d, "wcls")? });
    }
    finish(&c, SourceModel { config, tensors: t })
}

fn read_v1(bytes: &[u8]) -> Result<SourceModel> {
    let (mut config, _) = parse_shape(bytes, 8)?;
    let shared = *bytes.get(36).ok_or_else(|| error("checkpoint truncated in the header"))? != 0;
    config.shared_classifier = shared;
    let (d, h, l, kv, v) = dims(&config);
    let mut c = Cursor { bytes, at: 256 };
    let mut t = Vec::new();
    per_layer(&mut t, TensorRole::AttentionNorm, l, 1, d, |n| c.f32s(n, "attention_norm"))?;
    per_layer(&mut t, TensorRole::FfnNorm, l, 1, d, |n| c.f32s(n, "ffn_norm"))?;
    t.push(SourceTensor { role: TensorRole::FinalNorm, layer: 0, rows: 1, cols: d, data: c.f32s(d, "norm")? });
    t.push(SourceTensor { role: TensorRole::TokenEmbedding, layer: 0, rows: v, cols: d, data: c.f32s(v * d, "tok_embeddings")? });
    per_layer(&mut t, TensorRole::Wq, l, d, d, |n| c.f32s(n, "wq"))?;
    per_layer(&mut t, TensorRole::Wk, l, kv, d, |n| c.f32s(n, "wk"))?;
    per_layer(&mut t, TensorRole::Wv, l, kv, d, |n| c.f32s(n, "wv"))?;
    per_layer(&mut t, TensorRole::Wo, l, d, d, |n| c.f32s(n, "wo"))?;
    per_layer(&mut t, TensorRole::W1, l, h, d, |n| c.f32s(n, "w1"))?;
    per_layer(&mut t, TensorRole::W2, l, d, h, |n| c.f32s(n, "w2"))?;
    per_layer(&mut t, TensorRole::W3, l, h, d, |n| c.f32s(n, "w3"))?;
    if !shared {
        t.push(SourceTensor { role: TensorRole::Classifier, layer: 0, rows: v, cols: d, data: c.f32s(v * d, "output")? });
    }
    finish(&c, SourceModel { config, tensors: t })
}

fn read_v2(bytes: &[u8]) -> Result<SourceModel> {
    let (mut config, _) = parse_shape(bytes, 8)?;
    if bytes.len() < 256 {
        return Err(error("checkpoint truncated in the 256-byte header"));
    }
    let shared = bytes[36] != 0;
    // group_size sits unaligned at byte 37 in runq's export.
    let group = i32_at(bytes, 37);
    let (d, h, l, kv, v) = dims(&config);
    if group <= 0 || d % group as usize != 0 || h % group as usize != 0 {
        return Err(error(format!("bad llama2.c Q8_0 group_size {group} for dim {d} / hidden {h}")));
    }
    let g = group as usize;
    config.shared_classifier = shared;
    let mut c = Cursor { bytes, at: 256 };
    let mut t = Vec::new();
    per_layer(&mut t, TensorRole::AttentionNorm, l, 1, d, |n| c.f32s(n, "attention_norm"))?;
    per_layer(&mut t, TensorRole::FfnNorm, l, 1, d, |n| c.f32s(n, "ffn_norm"))?;
    t.push(SourceTensor { role: TensorRole::FinalNorm, layer: 0, rows: 1, cols: d, data: c.f32s(d, "norm")? });
    t.push(SourceTensor { role: TensorRole::TokenEmbedding, layer: 0, rows: v, cols: d, data: c.q8(v * d, g, "tok_embeddings")? });
    per_layer(&mut t, TensorRole::Wq, l, d, d, |n| c.q8(n, g, "wq"))?;
    per_layer(&mut t, TensorRole::Wk, l, kv, d, |n| c.q8(n, g, "wk"))?;
    per_layer(&mut t, TensorRole::Wv, l, kv, d, |n| c.q8(n, g, "wv"))?;
    per_layer(&mut t, TensorRole::Wo, l, d, d, |n| c.q8(n, g, "wo"))?;
    per_layer(&mut t, TensorRole::W1, l, h, d, |n| c.q8(n, g, "w1"))?;
    per_layer(&mut t, TensorRole::W2, l, d, h, |n| c.q8(n, g, "w2"))?;
    per_layer(&mut t, TensorRole::W3, l, h, d, |n| c.q8(n, g, "w3"))?;
    if !shared {
        t.push(SourceTensor { role: TensorRole::Classifier, layer: 0, rows: v, cols: d, data: c.q8(v * d, g, "output")? });
    }
    finish(&c, SourceModel { config, tensors: t })
}
