//! Reader for HuggingFace Llama checkpoints: `config.json` plus one or more `*.safetensors` files
//! (F32, F16 or BF16). Query/key rows are un-permuted from HF's rotate-half layout back to the
//! adjacent-pair layout the engine's RoPE uses (the inverse of HF's conversion script).

use std::collections::HashMap;
use std::path::Path;

use llm_engine::{ModelConfig, TensorRole};
use safetensors::{Dtype, SafeTensors};
use serde_json::Value;

use crate::convert::{SourceModel, SourceTensor};
use crate::{Result, error};

fn f16_to_f32(bits: u16) -> f32 {
    let sign = ((bits >> 15) as u32) << 31;
    let exponent = ((bits >> 10) & 0x1F) as u32;
    let mantissa = (bits & 0x3FF) as u32;
    let value = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal half: renormalise.
            let shift = m.leading_zeros() - 21;
            sign | ((127 - 15 - shift + 1) << 23) | (((m << shift) & 0x3FF) << 13)
        }
        (0x1F, m) => sign | 0x7F80_0000 | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(value)
}

/// Decodes a safetensors tensor to f32.
fn to_f32(name: &str, dtype: Dtype, data: &[u8]) -> Result<Vec<f32>> {
    Ok(match dtype {
        Dtype::F32 => data.as_chunks::<4>().0.iter().map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F16 => data.as_chunks::<2>().0.iter().map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect(),
        Dtype::BF16 => data.as_chunks::<2>().0.iter().map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16)).collect(),
        other => return Err(error(format!("tensor {name}: unsupported dtype {other:?}"))),
    })
}

/// Undoes HF's q/k permutation: HF row `h·hs + half·hs/2 + i` is Meta row `h·hs + 2i + half`.
pub fn unpermute_rotary(data: &[f32], rows: usize, cols: usize, heads: usize) -> Vec<f32> {
    let head_size = rows / heads;
    let mut out = vec![0.0; data.len()];
    for head in 0..heads {
        for half in 0..2 {
            for i in 0..head_size / 2 {
                let hf_row = head * head_size + half * head_size / 2 + i;
                let meta_row = head * head_size + 2 * i + half;
                out[meta_row * cols..(meta_row + 1) * cols].copy_from_slice(&data[hf_row * cols..(hf_row + 1) * cols]);
            }
        }
    }
    out
}

fn config_u32(config: &Value, key: &str) -> Result<u32> {
    let value = config.get(key).ok_or_else(|| error(format!("config.json: missing {key:?}")))?;
    let number = value.as_u64().ok_or_else(|| error(format!("config.json: {key} = {value} is not a whole number >= 0")))?;
    u32::try_from(number).map_err(|_| error(format!("config.json: {key} = {number} is out of range (more than 32 bits)")))
}

/// An optional key: absent or `null` gives `None`; present with the wrong type is an error (not the default).
fn optional<'a, T>(config: &'a Value, key: &str, kind: &str, read: impl Fn(&'a Value) -> Option<T>) -> Result<Option<T>> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).ok_or_else(|| error(format!("config.json: {key} = {value} is not {kind}"))),
    }
}

fn config_f32(config: &Value, key: &str, default: f32) -> Result<f32> {
    let Some(value) = optional(config, key, "a number", Value::as_f64)? else { return Ok(default) };
    let single = value as f32;
    if !single.is_finite() {
        return Err(error(format!("config.json: {key} = {value} is not a finite 32-bit float")));
    }
    Ok(single)
}

/// Parses `config.json` into a model configuration.
pub fn parse_config(text: &str) -> Result<ModelConfig> {
    let json: Value = serde_json::from_str(text).map_err(|e| error(format!("config.json: {e}")))?;
    if !json.is_object() {
        return Err(error("config.json: not a JSON object"));
    }
    let n_heads = config_u32(&json, "num_attention_heads")?;
    let n_kv_heads = match optional(&json, "num_key_value_heads", "a whole number", Value::as_u64)? {
        None => n_heads,
        Some(_) => config_u32(&json, "num_key_value_heads")?,
    };
    let config = ModelConfig {
        dim: config_u32(&json, "hidden_size")?,
        hidden_dim: config_u32(&json, "intermediate_size")?,
        n_layers: config_u32(&json, "num_hidden_layers")?,
        n_heads,
        n_kv_heads,
        vocab_size: config_u32(&json, "vocab_size")?,
        seq_len: config_u32(&json, "max_position_embeddings")?,
        rope_theta: config_f32(&json, "rope_theta", 10000.0)?,
        norm_eps: config_f32(&json, "rms_norm_eps", 1e-5)?,
        shared_classifier: optional(&json, "tie_word_embeddings", "true or false", Value::as_bool)?.unwrap_or(false),
        group_size: 1,
    };
    if let Some(scaling) = json.get("rope_scaling").filter(|v| !v.is_null()) {
        return Err(error(format!("config.json: rope_scaling {scaling} is not supported")));
    }
    config.validate().map_err(|e| error(format!("config.json: {e}")))?;
    Ok(config)
}

/// Reads a HuggingFace model directory.
pub fn read_model_dir(dir: &Path) -> Result<SourceModel> {
    let config_path = dir.join("config.json");
    let config_text = String::from_utf8(crate::read_file(&config_path)?)
        .map_err(|e| error(format!("{}: not UTF-8 text ({e})", config_path.display())))?;
    let entries = std::fs::read_dir(dir).map_err(|e| error(format!("{}: {e}", dir.display())))?;
    let mut files: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "safetensors"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(error(format!("{}: no .safetensors files", dir.display())));
    }
    let mut shards = Vec::new();
    for file in &files {
        shards.push((file.display().to_string(), crate::read_file(file)?));
    }
    read_model_parts(&config_text, &shards)
}

/// Reads a HuggingFace model from the text of its `config.json` and its `.safetensors` shards
/// (`(name for messages, bytes)`). Every tensor must have exactly its role's shape (`[rows, cols]`,
/// norms `[cols]`), appear once, and hold finite numbers.
pub fn read_model_parts(config_text: &str, shards: &[(String, Vec<u8>)]) -> Result<SourceModel> {
    let mut config = parse_config(config_text)?;
    let (d, h, l, kv, v) = (config.dim as usize, config.hidden_dim as usize, config.n_layers as usize, config.kv_dim(), config.vocab_size as usize);
    // The tensor a name stands for, with its shape. Names are parsed (not listed per layer), so a
    // config.json with 2^20 layers costs nothing until tensors for them exist.
    let lookup = |name: &str| -> Option<(TensorRole, u16, usize, usize)> {
        Some(match name {
            "model.embed_tokens.weight" => (TensorRole::TokenEmbedding, 0, v, d),
            "model.norm.weight" => (TensorRole::FinalNorm, 0, 1, d),
            "lm_head.weight" => (TensorRole::Classifier, 0, v, d),
            _ => {
                let rest = name.strip_prefix("model.layers.")?;
                let (layer, suffix) = rest.split_once('.')?;
                let layer = layer.parse::<usize>().ok().filter(|&n| n < l && layer == n.to_string())?;
                let (role, rows, cols) = match suffix {
                    "input_layernorm.weight" => (TensorRole::AttentionNorm, 1, d),
                    "post_attention_layernorm.weight" => (TensorRole::FfnNorm, 1, d),
                    "self_attn.q_proj.weight" => (TensorRole::Wq, d, d),
                    "self_attn.k_proj.weight" => (TensorRole::Wk, kv, d),
                    "self_attn.v_proj.weight" => (TensorRole::Wv, kv, d),
                    "self_attn.o_proj.weight" => (TensorRole::Wo, d, d),
                    "mlp.gate_proj.weight" => (TensorRole::W1, h, d),
                    "mlp.down_proj.weight" => (TensorRole::W2, d, h),
                    "mlp.up_proj.weight" => (TensorRole::W3, h, d),
                    _ => return None,
                };
                (role, layer as u16, rows, cols)
            }
        })
    };
    let mut tensors: Vec<SourceTensor> = Vec::new();
    let mut found: HashMap<(TensorRole, u16), usize> = HashMap::new();
    for (shard, (file, buffer)) in shards.iter().enumerate() {
        let st = SafeTensors::deserialize(buffer).map_err(|e| error(format!("{file}: {e}")))?;
        let mut names: Vec<&String> = st.names();
        names.sort();
        for name in names {
            let Some((role, layer, rows, cols)) = lookup(name) else { continue };
            if let Some(first) = found.insert((role, layer), shard) {
                let other = if first == shard { "twice".to_string() } else { format!("also in {}", shards[first].0) };
                return Err(error(format!("{file}: tensor {name} is {other}")));
            }
            let view = st.tensor(name).map_err(|e| error(format!("{file}: tensor {name}: {e}")))?;
            // The exact shape, not only the element count: a transposed matrix has the same count.
            let expected: Vec<usize> = if role.is_norm() { vec![cols] } else { vec![rows, cols] };
            if view.shape() != expected.as_slice() {
                return Err(error(format!("{file}: tensor {name} has shape {:?}, expected {expected:?}", view.shape())));
            }
            let mut data = to_f32(name, view.dtype(), view.data())?;
            if let Some(bad) = data.iter().position(|x| !x.is_finite()) {
                return Err(error(format!("{file}: tensor {name} has a non-finite value at element {bad}")));
            }
            match role {
                TensorRole::Wq => data = unpermute_rotary(&data, rows, cols, config.n_heads as usize),
                TensorRole::Wk => data = unpermute_rotary(&data, rows, cols, config.n_kv_heads as usize),
                _ => {}
            }
            tensors.push(SourceTensor { role, layer, rows, cols, data });
        }
    }
    let has_head = found.contains_key(&(TensorRole::Classifier, 0));
    if !has_head {
        // No lm_head: the embedding is the classifier whatever the config says.
        config.shared_classifier = true;
    } else if config.shared_classifier {
        tensors.retain(|t| t.role != TensorRole::Classifier);
    }
    let missing = |role: TensorRole, layer: usize, name: &str| -> Result<()> {
        if found.contains_key(&(role, layer as u16)) { Ok(()) } else { Err(error(format!("checkpoint lacks tensor {name}"))) }
    };
    missing(TensorRole::TokenEmbedding, 0, "model.embed_tokens.weight")?;
    missing(TensorRole::FinalNorm, 0, "model.norm.weight")?;
    // Stops at the first missing layer: at most as many steps as there are tensors.
    for layer in 0..l {
        for (role, suffix) in [
            (TensorRole::AttentionNorm, "input_layernorm"),
            (TensorRole::FfnNorm, "post_attention_layernorm"),
            (TensorRole::Wq, "self_attn.q_proj"),
            (TensorRole::Wk, "self_attn.k_proj"),
            (TensorRole::Wv, "self_attn.v_proj"),
            (TensorRole::Wo, "self_attn.o_proj"),
            (TensorRole::W1, "mlp.gate_proj"),
            (TensorRole::W2, "mlp.down_proj"),
            (TensorRole::W3, "mlp.up_proj"),
        ] {
            missing(role, layer, &format!("model.layers.{layer}.{suffix}.weight"))?;
        }
    }
    Ok(SourceModel { config, tensors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_decode() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
    }

    #[test]
    fn unpermute_interleaves_the_two_halves() {
        // One head of size 4, one column: HF rows [a0 a1 b0 b1] -> Meta rows [a0 b0 a1 b1].
        let hf = [0.0, 1.0, 10.0, 11.0];
        assert_eq!(unpermute_rotary(&hf, 4, 1, 1), vec![0.0, 10.0, 1.0, 11.0]);
    }

    #[test]
    fn config_errors_name_the_key() {
        let err = parse_config(r#"{"hidden_size": 8}"#).unwrap_err().to_string();
        assert!(err.contains("num_attention_heads"), "{err}");
    }
}
