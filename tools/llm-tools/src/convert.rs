//! Converting a model held as f32 tensors into a `PLLM` file, with a quantization error report.

use std::io::{Seek, SeekFrom, Write};

use llm_engine::crc32::Crc32;
use llm_engine::format::{ModelConfig, TensorSpec, plan_layout};
use llm_engine::quant::{QuantError, measure_error, quantize_matrix};
use llm_engine::{Quant, TensorRole, Tokenizer};

use crate::{Result, error};

/// One tensor of a source checkpoint, in f32, row-major `(rows, cols)`, Meta/llama2.c layout.
#[derive(Clone, Debug)]
pub struct SourceTensor {
    /// Role.
    pub role: TensorRole,
    /// Layer (0 for global tensors).
    pub layer: u16,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Values.
    pub data: Vec<f32>,
}

/// A checkpoint read into memory.
#[derive(Clone, Debug)]
pub struct SourceModel {
    /// Hyper-parameters (`group_size` is chosen at conversion).
    pub config: ModelConfig,
    /// Tensors in any order.
    pub tensors: Vec<SourceTensor>,
}

impl SourceModel {
    /// Finds a tensor.
    pub fn get(&self, role: TensorRole, layer: u16) -> Option<&SourceTensor> {
        self.tensors.iter().find(|t| t.role == role && t.layer == layer)
    }
}

/// The largest group size ≤ `requested` that divides both `dim` and `hidden_dim` (llama2.c's
/// "backoff": halve until it divides), at least 2 for Q4's nibble pairs when possible.
pub fn choose_group_size(requested: u32, dim: u32, hidden_dim: u32) -> u32 {
    let mut group = requested.max(1);
    while group > 1 && (!dim.is_multiple_of(group) || !hidden_dim.is_multiple_of(group)) {
        group /= 2;
    }
    group
}

/// Per-tensor quantization report line.
#[derive(Clone, Debug)]
pub struct TensorReport {
    /// Display name, e.g. `layers.0.wq`.
    pub name: String,
    /// Storage format used.
    pub quant: Quant,
    /// Shape.
    pub rows: usize,
    /// Shape.
    pub cols: usize,
    /// Error measurement.
    pub error: QuantError,
}

/// Tensor order in the file: the engine's ([`llm_engine::format::file_order`]), the forward pass's access
/// order, so a token's streamed reads move forward through the disc.
pub use llm_engine::format::file_order;

/// Storage format for a role under a `--quant` choice: norms stay f32.
pub fn quant_for(role: TensorRole, quant: Quant) -> Quant {
    if role.is_norm() {
        Quant::F32
    } else if role == TensorRole::Tokenizer {
        Quant::Raw
    } else {
        quant
    }
}

/// Writes a model file. `produce(role, layer)` returns the f32 values of a weight tensor; the
/// tokenizer blob is given separately. Tensors are produced, quantized and written one at a
/// time, so memory holds one tensor (for models larger than RAM). `on_tensor` is called after
/// each tensor (for progress bars). Returns the quantization report.
pub fn write_model<W: Write + Seek>(
    out: &mut W,
    config: &ModelConfig,
    quant: Quant,
    tokenizer_blob: &[u8],
    mut produce: impl FnMut(TensorRole, u16) -> Result<Vec<f32>>,
    mut on_tensor: impl FnMut(&str),
) -> Result<Vec<TensorReport>> {
    // Before anything derives shapes from the config (head_size divides by n_heads).
    config.validate().map_err(|e| error(format!("model config: {e}")))?;
    if quant == Quant::Q4 && !config.group_size.is_multiple_of(2) {
        return Err(error(format!(
            "q4 needs an even group size, but dim {} and hidden_dim {} only allow group size {}",
            config.dim, config.hidden_dim, config.group_size
        )));
    }
    let order = file_order(config);
    let specs: Vec<TensorSpec> = order
        .iter()
        .map(|&(role, layer)| {
            let (rows, cols) = config.expected_shape(role).unwrap_or((1, tokenizer_blob.len() as u32));
            TensorSpec { role, layer, quant: quant_for(role, quant), rows, cols }
        })
        .collect();
    let mut info = plan_layout(config, &specs).map_err(|e| error(format!("cannot lay out the model: {e}")))?;
    out.seek(SeekFrom::Start(0))?;
    out.write_all(&vec![0u8; info.data_offset as usize])?;
    let mut position = info.data_offset;
    let mut report = Vec::new();
    let group = config.group_size as usize;
    for entry in info.tensors.iter_mut() {
        let name = entry.name().to_string();
        let bytes = if entry.role == TensorRole::Tokenizer {
            tokenizer_blob.to_vec()
        } else {
            let values = produce(entry.role, entry.layer)?;
            let (rows, cols) = (entry.rows as usize, entry.cols as usize);
            if values.len() != rows * cols {
                return Err(error(format!("tensor {name}: {} values, expected {rows}×{cols}", values.len())));
            }
            if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
                return Err(error(format!("tensor {name}: non-finite value at element {bad}")));
            }
            report.push(TensorReport { name: name.clone(), quant: entry.quant, rows, cols, error: measure_error(entry.quant, &values, rows, cols, group) });
            quantize_matrix(entry.quant, &values, rows, cols, group)
        };
        if bytes.len() as u64 != entry.byte_len {
            return Err(error(format!("tensor {name}: encoded to {} bytes, expected {}", bytes.len(), entry.byte_len)));
        }
        out.write_all(&vec![0u8; (entry.offset - position) as usize])?;
        out.write_all(&bytes)?;
        position = entry.offset + entry.byte_len;
        let mut crc = Crc32::new();
        crc.update(&bytes);
        entry.crc32 = crc.finish();
        on_tensor(&name);
    }
    out.write_all(&vec![0u8; (info.file_len - position) as usize])?;
    out.seek(SeekFrom::Start(0))?;
    out.write_all(&info.encode_metadata())?;
    out.flush()?;
    Ok(report)
}

/// Converts an in-memory checkpoint.
pub fn convert<W: Write + Seek>(
    out: &mut W,
    model: &SourceModel,
    tokenizer: &Tokenizer,
    quant: Quant,
    on_tensor: impl FnMut(&str),
) -> Result<Vec<TensorReport>> {
    if tokenizer.vocab_size() > model.config.vocab_size as usize {
        return Err(error(format!(
            "tokenizer has {} pieces but the model's vocabulary is {}",
            tokenizer.vocab_size(),
            model.config.vocab_size
        )));
    }
    write_model(
        out,
        &model.config,
        quant,
        &tokenizer.to_bytes(),
        |role, layer| {
            let tensor = model
                .get(role, layer)
                .ok_or_else(|| error(format!("checkpoint lacks tensor {} of layer {layer}", role.name())))?;
            Ok(tensor.data.clone())
        },
        on_tensor,
    )
}

/// Formats the report as a table.
pub fn format_report(report: &[TensorReport]) -> String {
    let mut text = format!("{:<24} {:>7} {:>13} {:>12} {:>12}\n", "tensor", "quant", "shape", "max rel err", "rms rel err");
    for line in report {
        text += &format!(
            "{:<24} {:>7} {:>13} {:>12.3e} {:>12.3e}\n",
            line.name,
            line.quant.name(),
            format!("{}x{}", line.rows, line.cols),
            line.error.max_relative,
            line.error.rms_relative
        );
    }
    text
}

/// Parses a `--quant` value.
pub fn parse_quant(name: &str) -> Result<Quant> {
    Ok(match name {
        "f32" => Quant::F32,
        "q8" => Quant::Q8,
        "q4" => Quant::Q4,
        "ternary" => Quant::Ternary,
        other => return Err(error(format!("unknown quantization {other:?} (expected f32, q8, q4 or ternary)"))),
    })
}
