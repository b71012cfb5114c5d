//! The Llama forward pass: RMSNorm, RoPE, grouped-query attention with a KV cache, SwiGLU and a
//! tied or separate classifier, over weights from any [`WeightSource`] and math from any
//! [`Kernels`]. All buffers are allocated once in [`Transformer::new`]; `forward` does not allocate.

use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::F32Buffer;
use crate::error::EngineError;
use crate::format::{ModelConfig, ModelInfo, TensorRole};
use crate::kernels::Kernels;
use crate::quant::{MatrixRef, f32_at};
use crate::weights::WeightSource;

/// The directory indices of the tensors the forward pass reads with [`WeightSource::tensor`], in
/// the order it reads them each token. Streaming sources prefetch in this order.
pub fn access_order(info: &ModelInfo) -> Vec<usize> {
    let mut order = Vec::new();
    for layer in 0..info.config.n_layers as u16 {
        // Norms are read once, into the model's state, by `Transformer::new`.
        for role in TensorRole::LAYER_ORDER.into_iter().filter(|role| !role.is_norm()) {
            order.extend(info.find(role, layer));
        }
    }
    order.extend(info.find(classifier_role(&info.config), 0));
    order
}

fn classifier_role(config: &ModelConfig) -> TensorRole {
    if config.shared_classifier { TensorRole::TokenEmbedding } else { TensorRole::Classifier }
}

#[derive(Clone, Copy, Debug)]
struct LayerTensors {
    wq: usize,
    wk: usize,
    wv: usize,
    wo: usize,
    w1: usize,
    w2: usize,
    w3: usize,
}

/// Activations, KV cache and the norm weights (always resident).
#[derive(Debug)]
struct RunState {
    x: F32Buffer,
    xb: F32Buffer,
    xb2: F32Buffer,
    hb: F32Buffer,
    hb2: F32Buffer,
    q: F32Buffer,
    att: F32Buffer,
    logits: F32Buffer,
    key_cache: F32Buffer,
    value_cache: F32Buffer,
    rope_cos: Vec<f32>,
    rope_sin: Vec<f32>,
    inverse_frequencies: Vec<f32>,
    attention_norms: F32Buffer,
    ffn_norms: F32Buffer,
    final_norm: F32Buffer,
}

/// A Llama model ready to run.
#[derive(Debug)]
pub struct Transformer<S: WeightSource, K: Kernels> {
    config: ModelConfig,
    source: S,
    kernels: K,
    state: RunState,
    layers: Vec<LayerTensors>,
    shapes: Vec<MatrixShape>,
    embedding: usize,
    classifier: usize,
}

fn read_norm<S: WeightSource>(source: &mut S, role: TensorRole, layer: u16, out: &mut [f32]) -> Result<(), EngineError> {
    let index = source.info().find(role, layer).ok_or(EngineError::Unsupported { reason: "norm tensor missing" })?;
    let bytes = source.tensor(index)?;
    for (i, value) in out.iter_mut().enumerate() {
        *value = f32_at(bytes, 4 * i);
    }
    Ok(())
}

impl<S: WeightSource, K: Kernels> Transformer<S, K> {
    /// Builds the model: copies the norm weights out of `source` and allocates every buffer.
    pub fn new(mut source: S, kernels: K) -> Result<Self, EngineError> {
        let info = source.info().clone();
        let config = info.config;
        let dim = config.dim as usize;
        let hidden = config.hidden_dim as usize;
        let layers_n = config.n_layers as usize;
        let kv_dim = config.kv_dim();
        let seq_len = config.seq_len as usize;
        let head_size = config.head_size();
        // A valid header can ask for a KV cache larger than the machine (or the address space): size
        // it in 64 bits, allocate it first and fallibly, and say how large it is when it does not fit.
        let kv_bytes = config.kv_cache_bytes().unwrap_or(u64::MAX);
        let kv_error = EngineError::OutOfMemory { what: KV_CACHE, needed: kv_bytes, available: None };
        let cache_len = layers_n
            .checked_mul(seq_len)
            .and_then(|n| n.checked_mul(kv_dim))
            .filter(|&n| n <= isize::MAX as usize / 8)
            .ok_or(kv_error.clone())?;
        let key_cache = F32Buffer::zeroed(cache_len, KV_CACHE).map_err(|_| kv_error.clone())?;
        let value_cache = F32Buffer::zeroed(cache_len, KV_CACHE).map_err(|_| kv_error)?;
        let missing = EngineError::Unsupported { reason: "tensor missing from directory" };
        let find = |role, layer| info.find(role, layer).ok_or(missing.clone());
        let mut layers = Vec::with_capacity(layers_n);
        for layer in 0..layers_n as u16 {
            layers.push(LayerTensors {
                wq: find(TensorRole::Wq, layer)?,
                wk: find(TensorRole::Wk, layer)?,
                wv: find(TensorRole::Wv, layer)?,
                wo: find(TensorRole::Wo, layer)?,
                w1: find(TensorRole::W1, layer)?,
                w2: find(TensorRole::W2, layer)?,
                w3: find(TensorRole::W3, layer)?,
            });
        }
        let embedding = find(TensorRole::TokenEmbedding, 0)?;
        let classifier = find(classifier_role(&config), 0)?;
        let inverse_frequencies = (0..head_size / 2)
            .map(|i| 1.0 / libm::powf(config.rope_theta, (2 * i) as f32 / head_size as f32))
            .collect();
        const ACTIVATIONS: &str = "the activations";
        let norms_len = layers_n.checked_mul(dim).ok_or(EngineError::OutOfMemory { what: "the norm weights", needed: u64::MAX, available: None })?;
        let mut state = RunState {
            x: F32Buffer::zeroed(dim, ACTIVATIONS)?,
            xb: F32Buffer::zeroed(dim, ACTIVATIONS)?,
            xb2: F32Buffer::zeroed(dim, ACTIVATIONS)?,
            hb: F32Buffer::zeroed(hidden, ACTIVATIONS)?,
            hb2: F32Buffer::zeroed(hidden, ACTIVATIONS)?,
            q: F32Buffer::zeroed(dim, ACTIVATIONS)?,
            att: F32Buffer::zeroed(seq_len, "the attention scores")?,
            logits: F32Buffer::zeroed(config.vocab_size as usize, "the logits")?,
            key_cache,
            value_cache,
            rope_cos: vec![0.0; head_size / 2],
            rope_sin: vec![0.0; head_size / 2],
            inverse_frequencies,
            attention_norms: F32Buffer::zeroed(norms_len, "the norm weights")?,
            ffn_norms: F32Buffer::zeroed(norms_len, "the norm weights")?,
            final_norm: F32Buffer::zeroed(dim, "the norm weights")?,
        };
        for layer in 0..layers_n {
            let span = layer * dim..(layer + 1) * dim;
            read_norm(&mut source, TensorRole::AttentionNorm, layer as u16, &mut state.attention_norms[span.clone()])?;
            read_norm(&mut source, TensorRole::FfnNorm, layer as u16, &mut state.ffn_norms[span])?;
        }
        read_norm(&mut source, TensorRole::FinalNorm, 0, &mut state.final_norm)?;
        let shapes = info
            .tensors
            .iter()
            .map(|t| MatrixShape {
                quant: t.quant,
                rows: t.rows as usize,
                cols: t.cols as usize,
                group_size: config.group_size as usize,
                row_stride: t.row_stride as usize,
            })
            .collect();
        Ok(Self { config, source, kernels, state, layers, shapes, embedding, classifier })
    }

    /// The model's hyper-parameters.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The weight source (e.g. to read the tokenizer blob or streaming statistics).
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Mutable access to the weight source.
    pub fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    /// Runs one token at position `pos` and returns the logits over the vocabulary.
    /// Positions must be fed in order 0, 1, 2, ... (the KV cache holds positions `< pos`).
    pub fn forward(&mut self, token: u32, pos: usize) -> Result<&[f32], EngineError> {
        let config = self.config;
        if token >= config.vocab_size {
            return Err(EngineError::OutOfRange { what: "token", value: token as u64, limit: config.vocab_size as u64 });
        }
        if pos >= config.seq_len as usize {
            return Err(EngineError::OutOfRange { what: "position", value: pos as u64, limit: config.seq_len as u64 });
        }
        let dim = config.dim as usize;
        let kv_dim = config.kv_dim();
        let head_size = config.head_size();
        let n_heads = config.n_heads as usize;
        let kv_group = (config.n_heads / config.n_kv_heads) as usize;
        let seq_len = config.seq_len as usize;
        let eps = config.norm_eps;

        // Embedding lookup: one stored row, decoded.
        {
            let embedding = self.embedding;
            let row = self.source.row(embedding, token as usize)?;
            let table = view(&self.shapes[embedding], row);
            self.kernels.dequantize_row(&mut self.state.x, &table, row);
        }

        // RoPE rotation for this position, shared by all heads.
        for ((c, s), &freq) in self.state.rope_cos.iter_mut().zip(self.state.rope_sin.iter_mut()).zip(&self.state.inverse_frequencies) {
            let angle = pos as f32 * freq;
            *c = libm::cosf(angle);
            *s = libm::sinf(angle);
        }

        let scale = 1.0 / libm::sqrtf(head_size as f32);
        for layer in 0..self.layers.len() {
            let tensors = self.layers[layer];
            let st = &mut self.state;
            self.kernels.rmsnorm(&mut st.xb, &st.x, &st.attention_norms[layer * dim..(layer + 1) * dim], eps);

            let cache_at = (layer * seq_len + pos) * kv_dim;
            {
                let data = self.source.tensor(tensors.wq)?;
                let w = view(&self.shapes[tensors.wq], data);
                self.kernels.matvec(&mut st.q, &w, &st.xb);
            }
            {
                let data = self.source.tensor(tensors.wk)?;
                let w = view(&self.shapes[tensors.wk], data);
                self.kernels.matvec(&mut st.key_cache[cache_at..cache_at + kv_dim], &w, &st.xb);
            }
            {
                let data = self.source.tensor(tensors.wv)?;
                let w = view(&self.shapes[tensors.wv], data);
                self.kernels.matvec(&mut st.value_cache[cache_at..cache_at + kv_dim], &w, &st.xb);
            }

            // RoPE on adjacent pairs (llama2.c / Meta layout).
            self.kernels.rope(&mut st.q, &st.rope_cos, &st.rope_sin, head_size);
            self.kernels.rope(&mut st.key_cache[cache_at..cache_at + kv_dim], &st.rope_cos, &st.rope_sin, head_size);

            // Grouped-query attention over positions 0..=pos.
            let layer_cache = layer * seq_len * kv_dim;
            for head in 0..n_heads {
                let q = &st.q[head * head_size..(head + 1) * head_size];
                let kv_offset = (head / kv_group) * head_size;
                let att = &mut st.att[..=pos];
                let keys = &st.key_cache[layer_cache + kv_offset..layer_cache + pos * kv_dim + kv_offset + head_size];
                self.kernels.attention_scores(att, q, keys, kv_dim, scale);
                self.kernels.softmax(att);
                let out = &mut st.xb[head * head_size..(head + 1) * head_size];
                out.fill(0.0);
                for (t, &weight) in att.iter().enumerate() {
                    let v = &st.value_cache[layer_cache + t * kv_dim + kv_offset..][..head_size];
                    self.kernels.axpy(out, weight, v);
                }
            }
            {
                let data = self.source.tensor(tensors.wo)?;
                let w = view(&self.shapes[tensors.wo], data);
                self.kernels.matvec(&mut st.xb2, &w, &st.xb);
            }
            // The residual: x += 1·xb2, through the kernels (1·d is exact, so this is `x += d`).
            self.kernels.axpy(&mut st.x, 1.0, &st.xb2);

            // SwiGLU feed-forward.
            self.kernels.rmsnorm(&mut st.xb, &st.x, &st.ffn_norms[layer * dim..(layer + 1) * dim], eps);
            {
                let data = self.source.tensor(tensors.w1)?;
                let w = view(&self.shapes[tensors.w1], data);
                self.kernels.matvec(&mut st.hb, &w, &st.xb);
            }
            {
                let data = self.source.tensor(tensors.w3)?;
                let w = view(&self.shapes[tensors.w3], data);
                self.kernels.matvec(&mut st.hb2, &w, &st.xb);
            }
            self.kernels.silu_mul(&mut st.hb, &st.hb2);
            {
                let data = self.source.tensor(tensors.w2)?;
                let w = view(&self.shapes[tensors.w2], data);
                self.kernels.matvec(&mut st.xb, &w, &st.hb);
            }
            self.kernels.axpy(&mut st.x, 1.0, &st.xb);
        }

        let st = &mut self.state;
        self.kernels.rmsnorm(&mut st.xb, &st.x, &st.final_norm, eps);
        let data = self.source.tensor(self.classifier)?;
        let w = view(&self.shapes[self.classifier], data);
        self.kernels.matvec(&mut st.logits, &w, &st.xb);
        Ok(&self.state.logits)
    }
}

/// Bytes [`Transformer::new`] allocates besides the weights: the KV cache, activations, logits and
/// norm weights, computed in 64 bits (saturating), so that a caller can check a model against the
/// free RAM before loading anything (the EE demo does, to say "the KV cache needs N bytes").
pub fn runtime_bytes(config: &ModelConfig) -> u64 {
    let (dim, hidden, layers) = (config.dim as u64, config.hidden_dim as u64, config.n_layers as u64);
    let f32s = 4 * dim + 2 * hidden + config.seq_len as u64 + config.vocab_size as u64 + (2 * layers + 1) * dim + config.head_size() as u64 * 3 / 2;
    config.kv_cache_bytes().unwrap_or(u64::MAX).saturating_add(f32s.saturating_mul(4))
}

const KV_CACHE: &str = "the KV cache (2 x n_layers x seq_len x kv_dim f32)";

/// Shape and storage format of one tensor, copied from the directory so that views can be built
/// while the weight source is mutably borrowed.
#[derive(Clone, Copy, Debug)]
struct MatrixShape {
    quant: crate::quant::Quant,
    rows: usize,
    cols: usize,
    group_size: usize,
    row_stride: usize,
}

fn view<'a>(shape: &MatrixShape, data: &'a [u8]) -> MatrixRef<'a> {
    MatrixRef {
        quant: shape.quant,
        rows: shape.rows,
        cols: shape.cols,
        group_size: shape.group_size,
        row_stride: shape.row_stride,
        data,
    }
}

