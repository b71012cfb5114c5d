//! Reader for HuggingFace Llama checkpoints: `config.json` plus one or more `*.safetensors` files
//! (F32, F16 or BF16). Query/key rows are un-permuted from HF's rotate-half layout back to the
//! adjacent-pair layout the engine's RoPE uses (the inverse of HF's conversion script).

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
        Dtype::F32 => data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F16 => data.chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect(),
        Dtype::BF16 => data.chunks_exact(2).map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16)).collect(),
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
    let value = config.get(key).and_then(Value::as_u64).ok_or_else(|| error(format!("config.json: missing or bad {key:?}")))?;
    u32::try_from(value).map_err(|_| error(format!("config.json: {key} = {value} too large")))
}

/// Parses `config.json` into a model configuration.
pub fn parse_config(text: &str) -> Result<ModelConfig> {
    let json: Value = serde_json::from_str(text).map_err(|e| error(format!("config.json: {e}")))?;
    let n_heads = config_u32(&json, "num_attention_heads")?;
    let config = ModelConfig {
        dim: config_u32(&json, "hidden_size")?,
        hidden_dim: config_u32(&json, "intermediate_size")?,
        n_layers: config_u32(&json, "num_hidden_layers")?,
        n_heads,
        n_kv_heads: json.get("num_key_value_heads").and_then(Value::as_u64).map_or(n_heads, |v| v as u32),
        vocab_size: config_u32(&json, "vocab_size")?,
        seq_len: config_u32(&json, "max_position_embeddings")?,
        rope_theta: json.get("rope_theta").and_then(Value::as_f64).unwrap_or(10000.0) as f32,
        norm_eps: json.get("rms_norm_eps").and_then(Value::as_f64).unwrap_or(1e-5) as f32,
        shared_classifier: json.get("tie_word_embeddings").and_then(Value::as_bool).unwrap_or(false),
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
    let config_text = std::fs::read_to_string(dir.join("config.json")).map_err(|e| error(format!("{}: {e}", dir.join("config.json").display())))?;
    let mut config = parse_config(&config_text)?;
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "safetensors"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(error(format!("{}: no .safetensors files", dir.display())));
    }
    let (d, h, l, kv, v) = (config.dim as usize, config.hidden_dim as usize, config.n_layers as usize, config.kv_dim(), config.vocab_size as usize);
    let mut wanted: Vec<(String, TensorRole, u16, usize, usize)> = vec![
        ("model.embed_tokens.weight".into(), TensorRole::TokenEmbedding, 0, v, d),
        ("model.norm.weight".into(), TensorRole::FinalNorm, 0, 1, d),
        ("lm_head.weight".into(), TensorRole::Classifier, 0, v, d),
    ];
    for layer in 0..l {
        let p = format!("model.layers.{layer}.");
        let layer = layer as u16;
        wanted.extend([
            (p.clone() + "input_layernorm.weight", TensorRole::AttentionNorm, layer, 1, d),
            (p.clone() + "post_attention_layernorm.weight", TensorRole::FfnNorm, layer, 1, d),
            (p.clone() + "self_attn.q_proj.weight", TensorRole::Wq, layer, d, d),
            (p.clone() + "self_attn.k_proj.weight", TensorRole::Wk, layer, kv, d),
            (p.clone() + "self_attn.v_proj.weight", TensorRole::Wv, layer, kv, d),
            (p.clone() + "self_attn.o_proj.weight", TensorRole::Wo, layer, d, d),
            (p.clone() + "mlp.gate_proj.weight", TensorRole::W1, layer, h, d),
            (p.clone() + "mlp.down_proj.weight", TensorRole::W2, layer, d, h),
            (p + "mlp.up_proj.weight", TensorRole::W3, layer, h, d),
        ]);
    }
    let mut tensors = Vec::new();
    for file in &files {
        let buffer = std::fs::read(file)?;
        let st = SafeTensors::deserialize(&buffer).map_err(|e| error(format!("{}: {e}", file.display())))?;
        for (name, role, layer, rows, cols) in &wanted {
            let Ok(view) = st.tensor(name) else { continue };
            let count: usize = view.shape().iter().product();
            if count != rows * cols {
                return Err(error(format!("tensor {name}: shape {:?}, expected [{rows}, {cols}]", view.shape())));
            }
            let mut data = to_f32(name, view.dtype(), view.data())?;
            match role {
                TensorRole::Wq => data = unpermute_rotary(&data, *rows, *cols, config.n_heads as usize),
                TensorRole::Wk => data = unpermute_rotary(&data, *rows, *cols, config.n_kv_heads as usize),
                _ => {}
            }
            tensors.push(SourceTensor { role: *role, layer: *layer, rows: *rows, cols: *cols, data });
        }
    }
    let has_head = tensors.iter().any(|t| t.role == TensorRole::Classifier);
    if !has_head {
        // No lm_head: the embedding is the classifier whatever the config says.
        config.shared_classifier = true;
    } else if config.shared_classifier {
        tensors.retain(|t| t.role != TensorRole::Classifier);
    }
    for (name, role, layer, _, _) in &wanted {
        if *role != TensorRole::Classifier && !tensors.iter().any(|t| t.role == *role && t.layer == *layer) {
            return Err(error(format!("checkpoint lacks tensor {name}")));
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
