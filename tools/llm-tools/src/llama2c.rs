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
        Ok(bytes.as_chunks::<4>().0.iter().map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
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

/// The tensors of a llama2.c checkpoint in the order `run.c` (v0) lays them out after the header.
fn v0_order(config: &ModelConfig) -> Vec<(TensorRole, u16)> {
    let layers = config.n_layers as u16;
    let mut order = vec![(TensorRole::TokenEmbedding, 0)];
    for role in [TensorRole::AttentionNorm, TensorRole::Wq, TensorRole::Wk, TensorRole::Wv, TensorRole::Wo, TensorRole::FfnNorm, TensorRole::W1, TensorRole::W2, TensorRole::W3] {
        order.extend((0..layers).map(|layer| (role, layer)));
    }
    order.push((TensorRole::FinalNorm, 0));
    order
}

fn tensor(model: &SourceModel, role: TensorRole, layer: u16) -> Result<&SourceTensor> {
    let tensor = model.get(role, layer).ok_or_else(|| error(format!("model lacks tensor {} of layer {layer}", role.name())))?;
    let (rows, cols) = model.config.expected_shape(role).ok_or_else(|| error(format!("tensor {} has no shape", role.name())))?;
    if tensor.data.len() != rows as usize * cols as usize {
        return Err(error(format!("tensor {} of layer {layer}: {} values, expected {rows}×{cols}", role.name(), tensor.data.len())));
    }
    Ok(tensor)
}

fn shape_header(config: &ModelConfig) -> Vec<u8> {
    // A negative vocab_size is llama2.c's mark of a separate classifier (v0).
    let vocab = if config.shared_classifier { config.vocab_size as i32 } else { -(config.vocab_size as i32) };
    [config.dim as i32, config.hidden_dim as i32, config.n_layers as i32, config.n_heads as i32, config.n_kv_heads as i32, vocab, config.seq_len as i32]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
}

/// Encodes `model` as a llama2.c v0 checkpoint (the legacy fp32 file `run.c` reads): seven i32
/// shape fields, then every tensor as f32 in `run.c`'s order, the RoPE tables
/// (`freq_cis_real`/`imag`, `seq_len × head_size/2` each, ignored by current readers) and, when the
/// classifier is not shared (negative `vocab_size`), the classifier. Used to run the same model in
/// llama2.c for comparisons.
pub fn write_v0(model: &SourceModel) -> Result<Vec<u8>> {
    let config = &model.config;
    config.validate().map_err(|e| error(format!("model config: {e}")))?;
    let mut out = shape_header(config);
    for (role, layer) in v0_order(config) {
        put_f32s(&mut out, &tensor(model, role, layer)?.data);
    }
    let head_size = config.head_size();
    let angle = |pos: usize, i: usize| pos as f32 * (1.0 / config.rope_theta.powf((2 * i) as f32 / head_size as f32));
    for table in [f32::cos, f32::sin] {
        for pos in 0..config.seq_len as usize {
            let row: Vec<f32> = (0..head_size / 2).map(|i| table(angle(pos, i))).collect();
            put_f32s(&mut out, &row);
        }
    }
    if !config.shared_classifier {
        put_f32s(&mut out, &tensor(model, TensorRole::Classifier, 0)?.data);
    }
    Ok(out)
}

/// llama2.c's Q8_0 quantization of one tensor (`export.py` `quantize_q80`): per group of `group`
/// consecutive values, `scale = max|w| / 127` and `q = round(w / scale)` with ties to even (as
/// `torch.round`), all in f32. Returns the codes then the scales, as v2 stores them.
fn quantize_q80(values: &[f32], group: usize) -> (Vec<i8>, Vec<f32>) {
    let mut codes = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / group);
    for chunk in values.chunks(group) {
        let scale = chunk.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0;
        scales.push(scale);
        codes.extend(chunk.iter().map(|&v| if scale == 0.0 { 0 } else { (v / scale).round_ties_even() as i8 }));
    }
    (codes, scales)
}

/// Encodes `model` as a llama2.c v2 checkpoint (Q8_0, the file `runq.c` reads, as `export.py
/// --version 2` writes it): a 256-byte header (`ak42` magic, version 2, seven i32 shape fields, a
/// shared-classifier byte, the i32 group size), the norms in f32, then each weight matrix
/// quantized by `quantize_q80` (its codes, then its scales). `group_size` is halved until it
/// divides `dim`, as `export.py` does; the one used is returned with the bytes.
pub fn write_v2(model: &SourceModel, group_size: usize) -> Result<(Vec<u8>, usize)> {
    let config = &model.config;
    config.validate().map_err(|e| error(format!("model config: {e}")))?;
    let mut group = group_size.max(1);
    while !(config.dim as usize).is_multiple_of(group) {
        group /= 2;
    }
    if !(config.hidden_dim as usize).is_multiple_of(group) {
        return Err(error(format!("llama2.c Q8_0: group size {group} divides dim {} but not hidden_dim {}", config.dim, config.hidden_dim)));
    }
    let mut out = MAGIC.to_le_bytes().to_vec();
    out.extend_from_slice(&2i32.to_le_bytes());
    let mut shape = shape_header(config);
    shape[20..24].copy_from_slice(&(config.vocab_size as i32).to_le_bytes());
    out.extend_from_slice(&shape);
    out.push(config.shared_classifier as u8);
    out.extend_from_slice(&(group as i32).to_le_bytes());
    out.resize(256, 0);
    let layers = config.n_layers as u16;
    for role in [TensorRole::AttentionNorm, TensorRole::FfnNorm] {
        for layer in 0..layers {
            put_f32s(&mut out, &tensor(model, role, layer)?.data);
        }
    }
    put_f32s(&mut out, &tensor(model, TensorRole::FinalNorm, 0)?.data);
    let mut matrices = vec![(TensorRole::TokenEmbedding, 0)];
    for role in [TensorRole::Wq, TensorRole::Wk, TensorRole::Wv, TensorRole::Wo, TensorRole::W1, TensorRole::W2, TensorRole::W3] {
        matrices.extend((0..layers).map(|layer| (role, layer)));
    }
    if !config.shared_classifier {
        matrices.push((TensorRole::Classifier, 0));
    }
    for (role, layer) in matrices {
        let (codes, scales) = quantize_q80(&tensor(model, role, layer)?.data, group);
        out.extend(codes.iter().map(|&q| q as u8));
        put_f32s(&mut out, &scales);
    }
    Ok((out, group))
}
