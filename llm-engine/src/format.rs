//! The `PLLM` model file (version 1): header, tensor directory and sector-aligned tensor data. This module
//! is its parser ([`ModelInfo::parse`]) and writer ([`plan_layout`], [`ModelInfo::encode_metadata`]); the
//! format is specified here.
//!
//! One file holds a Llama-style model's hyper-parameters, its weights and its tokenizer. It is laid out for
//! the PlayStation 2: every tensor starts on a 2048-byte CD/DVD sector, so a tensor is one contiguous run of
//! sectors that one `sceCdRead` can put straight into a 64-byte-aligned buffer. All integers and floats are
//! little-endian; floats are IEEE 754 binary32.
//!
//! | bytes | content |
//! |---|---|
//! | `0 .. 128` | header |
//! | `128 .. 128 + 48·tensor_count` | tensor directory |
//! | up to `data_offset` | zero padding (`data_offset` is a multiple of 2048) |
//! | `data_offset ..` | tensors, each at a sector-aligned offset, zero padding between them and after the last up to a whole sector |
//!
//! Writers put the tensors in the order the forward pass reads them (embedding; per layer attention norm, wq,
//! wk, wv, wo, ffn norm, w1, w3, w2; final norm; classifier; tokenizer), so a token's streamed reads move
//! forwards over the disc; readers use the directory and must not rely on the order.
//!
//! **Header** (128 bytes; see [`ModelConfig`] for what the numbers mean):
//!
//! | offset | type | field | rules |
//! |---|---|---|---|
//! | 0 | `[u8; 4]` | magic | `"PLLM"` ([`MAGIC`]) |
//! | 4 | u32 | version | 1 |
//! | 8 | u32 | dim | 1..2²⁰; `dim / n_heads` even |
//! | 12 | u32 | hidden_dim | 1..2²⁰ |
//! | 16 | u32 | n_layers | 1..2²⁰ |
//! | 20 | u32 | n_heads | divides `dim` |
//! | 24 | u32 | n_kv_heads | divides `n_heads` |
//! | 28 | u32 | vocab_size | |
//! | 32 | u32 | seq_len | |
//! | 36 | f32 | rope_theta | finite, > 0 |
//! | 40 | f32 | norm_eps | finite, ≥ 0 |
//! | 44 | u32 | flags | bit 0: the embedding is also the classifier ([`FLAG_SHARED_CLASSIFIER`]); other bits 0 |
//! | 48 | u32 | group_size | elements per scale of Q8/Q4; divides the columns of every Q8/Q4 tensor; even for Q4 |
//! | 52 | u32 | tensor_count | 1..=4096 |
//! | 56 | u32 | data_offset | multiple of 2048, ≥ end of the directory |
//! | 60 | u32 | directory_crc | CRC-32 of the directory bytes |
//! | 64 | `[u8; 60]` | reserved | zero |
//! | 124 | u32 | header_crc | CRC-32 of bytes 0..124 |
//!
//! CRC-32 is the IEEE/zlib one (reflected polynomial `0xEDB88320`, initial value and final xor `0xFFFFFFFF`).
//!
//! **Directory entry** (48 bytes, [`TensorEntry`]):
//!
//! | offset | type | field | rules |
//! |---|---|---|---|
//! | 0 | u8 | role | [`TensorRole`] code; each (role, layer) at most once, every required one present |
//! | 1 | u8 | quant | [`Quant`] code: 0 f32, 1 Q8, 2 Q4, 3 ternary, 4 raw (norms are f32, the tokenizer raw) |
//! | 2 | u16 | layer | `< n_layers` for per-layer roles, 0 otherwise |
//! | 4 | u32 | rows | the role's shape ([`ModelConfig::expected_shape`]) |
//! | 8 | u32 | cols | the role's shape; byte length for the tokenizer |
//! | 12 | u32 | row_stride | bytes per stored row, as computed from quant, cols and group_size |
//! | 16 | u64 | offset | multiple of 2048, ≥ data_offset |
//! | 24 | u64 | byte_len | `rows × row_stride`; `offset + byte_len ≤` file length |
//! | 32 | u32 | crc32 | CRC-32 of the tensor's bytes |
//! | 36 | `[u8; 12]` | reserved | zero |
//!
//! Matrices are `(out, in)`: output `r` is row `r` times the input vector; query and key rows use the Meta /
//! llama2.c layout, where RoPE rotates adjacent pairs `(2i, 2i+1)` of each head. Row layouts of the storage
//! formats are in [`crate::quant`]; the tokenizer blob is described at [`crate::Tokenizer::from_bytes`].
//!
//! Parsing never trusts the file: every field is bounds-checked and every failure is a typed
//! [`FormatError`] naming the field or the tensor. Sector 0 holds the header and, for up to 40 tensors, the
//! whole directory (`128 + 48·40 = 2048`); larger models read [`HeaderPrefix::metadata_len`] bytes.

use alloc::vec;
use alloc::vec::Vec;

use crate::crc32::crc32;
use crate::error::{FormatError, TensorName};
use crate::quant::Quant;

/// File magic, the bytes `PLLM`.
pub const MAGIC: [u8; 4] = *b"PLLM";
/// The format version this code reads and writes.
pub const VERSION: u32 = 1;
/// CD/DVD sector size; every tensor starts on a sector boundary.
pub const SECTOR_SIZE: u64 = 2048;
/// Size of the fixed header in bytes.
pub const HEADER_LEN: usize = 128;
/// Size of one tensor directory entry in bytes.
pub const DIR_ENTRY_LEN: usize = 48;
/// Header flag: the classifier shares the token embedding matrix.
pub const FLAG_SHARED_CLASSIFIER: u32 = 1;
/// Upper bound on the tensor count, so a corrupt count cannot make us allocate gigabytes.
pub const MAX_TENSORS: u32 = 4096;

/// Rounds `value` up to a multiple of the sector size.
pub fn round_up_to_sector(value: u64) -> u64 {
    value.div_ceil(SECTOR_SIZE) * SECTOR_SIZE
}

/// What a tensor is for. The code is stored in the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TensorRole {
    /// Token embedding table, `vocab × dim`.
    TokenEmbedding = 0,
    /// RMSNorm weight before attention, `1 × dim`, per layer.
    AttentionNorm = 1,
    /// Query projection, `dim × dim`, per layer.
    Wq = 2,
    /// Key projection, `kv_dim × dim`, per layer.
    Wk = 3,
    /// Value projection, `kv_dim × dim`, per layer.
    Wv = 4,
    /// Attention output projection, `dim × dim`, per layer.
    Wo = 5,
    /// RMSNorm weight before the feed-forward block, `1 × dim`, per layer.
    FfnNorm = 6,
    /// Feed-forward gate projection, `hidden × dim`, per layer.
    W1 = 7,
    /// Feed-forward down projection, `dim × hidden`, per layer.
    W2 = 8,
    /// Feed-forward up projection, `hidden × dim`, per layer.
    W3 = 9,
    /// Final RMSNorm weight, `1 × dim`.
    FinalNorm = 10,
    /// Separate classifier, `vocab × dim` (absent when shared).
    Classifier = 11,
    /// The tokenizer blob (`rows = 1`, `cols = byte length`, quant `Raw`).
    Tokenizer = 12,
}

impl TensorRole {
    /// All roles in code order.
    pub const ALL: [TensorRole; 13] = [
        Self::TokenEmbedding,
        Self::AttentionNorm,
        Self::Wq,
        Self::Wk,
        Self::Wv,
        Self::Wo,
        Self::FfnNorm,
        Self::W1,
        Self::W2,
        Self::W3,
        Self::FinalNorm,
        Self::Classifier,
        Self::Tokenizer,
    ];

    /// Decodes a stored role code.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// Whether the role exists once per layer.
    pub fn is_per_layer(self) -> bool {
        matches!(
            self,
            Self::AttentionNorm | Self::Wq | Self::Wk | Self::Wv | Self::Wo | Self::FfnNorm | Self::W1 | Self::W2 | Self::W3
        )
    }

    /// Whether the tensor is an RMSNorm weight vector (always stored as f32).
    pub fn is_norm(self) -> bool {
        matches!(self, Self::AttentionNorm | Self::FfnNorm | Self::FinalNorm)
    }

    /// Whether the tensor is a weight matrix (may be quantized).
    pub fn is_matrix(self) -> bool {
        !self.is_norm() && self != Self::Tokenizer
    }

    /// A layer's tensors in the order the forward pass uses them: the order converters write them in, so
    /// that a token's streamed reads move forward through the disc.
    pub const LAYER_ORDER: [TensorRole; 9] = [
        Self::AttentionNorm,
        Self::Wq,
        Self::Wk,
        Self::Wv,
        Self::Wo,
        Self::FfnNorm,
        Self::W1,
        Self::W3,
        Self::W2,
    ];

    /// Short name used in messages and the format document.
    pub fn name(self) -> &'static str {
        match self {
            Self::TokenEmbedding => "token_embedding",
            Self::AttentionNorm => "attention_norm",
            Self::Wq => "wq",
            Self::Wk => "wk",
            Self::Wv => "wv",
            Self::Wo => "wo",
            Self::FfnNorm => "ffn_norm",
            Self::W1 => "w1",
            Self::W2 => "w2",
            Self::W3 => "w3",
            Self::FinalNorm => "final_norm",
            Self::Classifier => "classifier",
            Self::Tokenizer => "tokenizer",
        }
    }
}

/// Every tensor of a model with `config`, in file order: the token embedding, each layer's tensors in
/// [`TensorRole::LAYER_ORDER`], the final norm, the classifier when it is not shared, the tokenizer.
pub fn file_order(config: &ModelConfig) -> Vec<(TensorRole, u16)> {
    let mut order = vec![(TensorRole::TokenEmbedding, 0)];
    for layer in 0..config.n_layers as u16 {
        order.extend(TensorRole::LAYER_ORDER.iter().map(|&role| (role, layer)));
    }
    order.push((TensorRole::FinalNorm, 0));
    if !config.shared_classifier {
        order.push((TensorRole::Classifier, 0));
    }
    order.push((TensorRole::Tokenizer, 0));
    order
}

/// Model hyper-parameters, as stored in the header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelConfig {
    /// Residual stream width.
    pub dim: u32,
    /// Feed-forward hidden width.
    pub hidden_dim: u32,
    /// Number of transformer layers.
    pub n_layers: u32,
    /// Number of query heads.
    pub n_heads: u32,
    /// Number of key/value heads (grouped-query attention when smaller than `n_heads`).
    pub n_kv_heads: u32,
    /// Vocabulary size (rows of the embedding and classifier).
    pub vocab_size: u32,
    /// Maximum sequence length (size of the KV cache).
    pub seq_len: u32,
    /// RoPE base frequency θ.
    pub rope_theta: f32,
    /// RMSNorm epsilon.
    pub norm_eps: f32,
    /// Whether the classifier is the token embedding matrix.
    pub shared_classifier: bool,
    /// Quantization group size (elements per scale) for Q8/Q4 tensors.
    pub group_size: u32,
}

impl ModelConfig {
    /// Width of one attention head.
    pub fn head_size(&self) -> usize {
        // 0 for a config without heads: `validate` rejects it, but this must not divide by zero first.
        self.dim.checked_div(self.n_heads).unwrap_or(0) as usize
    }

    /// Width of the key/value projections.
    pub fn kv_dim(&self) -> usize {
        self.head_size().saturating_mul(self.n_kv_heads as usize)
    }

    /// Bytes of the f32 KV cache (keys and values: `2 × n_layers × seq_len × kv_dim × 4`), computed
    /// in 64 bits; `None` if even that overflows.
    pub fn kv_cache_bytes(&self) -> Option<u64> {
        (self.n_layers as u64)
            .checked_mul(self.seq_len as u64)?
            .checked_mul(self.kv_dim() as u64)?
            .checked_mul(2 * 4)
    }

    /// Checks the shape invariants the forward pass relies on.
    pub fn validate(&self) -> Result<(), FormatError> {
        let bad = |field, value: u64| Err(FormatError::BadField { field, value });
        let limit = 1 << 20;
        for (field, value) in [
            ("dim", self.dim),
            ("hidden_dim", self.hidden_dim),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("n_kv_heads", self.n_kv_heads),
            ("vocab_size", self.vocab_size),
            ("seq_len", self.seq_len),
            ("group_size", self.group_size),
        ] {
            if value == 0 || value > limit {
                return bad(field, value as u64);
            }
        }
        if !self.dim.is_multiple_of(self.n_heads) || !(self.dim / self.n_heads).is_multiple_of(2) {
            return bad("n_heads", self.n_heads as u64);
        }
        if self.n_kv_heads > self.n_heads || !self.n_heads.is_multiple_of(self.n_kv_heads) {
            return bad("n_kv_heads", self.n_kv_heads as u64);
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0) {
            return bad("rope_theta", self.rope_theta.to_bits() as u64);
        }
        if !(self.norm_eps.is_finite() && self.norm_eps >= 0.0) {
            return bad("norm_eps", self.norm_eps.to_bits() as u64);
        }
        Ok(())
    }

    /// The `(rows, cols)` shape a tensor of `role` must have.
    pub fn expected_shape(&self, role: TensorRole) -> Option<(u32, u32)> {
        let kv_dim = self.kv_dim() as u32;
        Some(match role {
            TensorRole::TokenEmbedding | TensorRole::Classifier => (self.vocab_size, self.dim),
            TensorRole::AttentionNorm | TensorRole::FfnNorm | TensorRole::FinalNorm => (1, self.dim),
            TensorRole::Wq | TensorRole::Wo => (self.dim, self.dim),
            TensorRole::Wk | TensorRole::Wv => (kv_dim, self.dim),
            TensorRole::W1 | TensorRole::W3 => (self.hidden_dim, self.dim),
            TensorRole::W2 => (self.dim, self.hidden_dim),
            TensorRole::Tokenizer => return None,
        })
    }
}

/// One tensor directory entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorEntry {
    /// What the tensor is.
    pub role: TensorRole,
    /// Layer index (0 for global tensors).
    pub layer: u16,
    /// Storage format.
    pub quant: Quant,
    /// Rows (output features).
    pub rows: u32,
    /// Columns (input features); byte length for the tokenizer blob.
    pub cols: u32,
    /// Bytes per stored row (scales included, padded to 4).
    pub row_stride: u32,
    /// Byte offset in the file (multiple of [`SECTOR_SIZE`]).
    pub offset: u64,
    /// Byte length of the data (`rows × row_stride`).
    pub byte_len: u64,
    /// CRC-32 of the data.
    pub crc32: u32,
}

impl TensorEntry {
    /// The tensor's name for messages.
    pub fn name(&self) -> TensorName {
        TensorName { role: self.role as u8, layer: self.layer }
    }
}

/// A parsed header plus directory: everything about a model except its tensor bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    /// Hyper-parameters.
    pub config: ModelConfig,
    /// Tensor directory, in file order.
    pub tensors: Vec<TensorEntry>,
    /// Byte offset of the first tensor (end of header + directory, sector aligned).
    pub data_offset: u64,
    /// Length of the whole file.
    pub file_len: u64,
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    (read_u32(bytes, at) as u64) | ((read_u32(bytes, at + 4) as u64) << 32)
}

/// Fixed header fields that locate the directory, read before the rest.
#[derive(Clone, Copy, Debug)]
pub struct HeaderPrefix {
    /// Number of directory entries.
    pub tensor_count: u32,
    /// Byte offset of the tensor data area.
    pub data_offset: u64,
}

impl HeaderPrefix {
    /// Bytes that must be read from the start of the file to parse header and directory.
    pub fn metadata_len(&self) -> usize {
        HEADER_LEN + self.tensor_count as usize * DIR_ENTRY_LEN
    }
}

impl ModelInfo {
    /// Parses the fixed header (first [`HEADER_LEN`] bytes) far enough to know how much more to read.
    pub fn parse_prefix(bytes: &[u8]) -> Result<HeaderPrefix, FormatError> {
        if bytes.len() < HEADER_LEN {
            return Err(FormatError::Truncated { what: "header", needed: HEADER_LEN as u64, available: bytes.len() as u64 });
        }
        let found = [bytes[0], bytes[1], bytes[2], bytes[3]];
        if found != MAGIC {
            return Err(FormatError::BadMagic { found, expected: MAGIC });
        }
        let stored = read_u32(bytes, 124);
        let computed = crc32(&bytes[..124]);
        if stored != computed {
            return Err(FormatError::HeaderCrcMismatch { stored, computed });
        }
        let version = read_u32(bytes, 4);
        if version != VERSION {
            return Err(FormatError::BadField { field: "version", value: version as u64 });
        }
        let tensor_count = read_u32(bytes, 52);
        if tensor_count == 0 || tensor_count > MAX_TENSORS {
            return Err(FormatError::BadField { field: "tensor_count", value: tensor_count as u64 });
        }
        let data_offset = read_u32(bytes, 56) as u64;
        let metadata_end = (HEADER_LEN + tensor_count as usize * DIR_ENTRY_LEN) as u64;
        if !data_offset.is_multiple_of(SECTOR_SIZE) || data_offset < metadata_end {
            return Err(FormatError::BadField { field: "data_offset", value: data_offset });
        }
        Ok(HeaderPrefix { tensor_count, data_offset })
    }

    /// Parses and checks header and directory. `bytes` must hold at least the metadata
    /// (see [`HeaderPrefix::metadata_len`]); `file_len` is the whole file's length, used for bounds checks.
    pub fn parse(bytes: &[u8], file_len: u64) -> Result<Self, FormatError> {
        let prefix = Self::parse_prefix(bytes)?;
        let metadata_len = prefix.metadata_len();
        if bytes.len() < metadata_len {
            return Err(FormatError::Truncated {
                what: "tensor directory",
                needed: metadata_len as u64,
                available: bytes.len() as u64,
            });
        }
        let flags = read_u32(bytes, 44);
        if flags & !FLAG_SHARED_CLASSIFIER != 0 {
            return Err(FormatError::BadField { field: "flags", value: flags as u64 });
        }
        let config = ModelConfig {
            dim: read_u32(bytes, 8),
            hidden_dim: read_u32(bytes, 12),
            n_layers: read_u32(bytes, 16),
            n_heads: read_u32(bytes, 20),
            n_kv_heads: read_u32(bytes, 24),
            vocab_size: read_u32(bytes, 28),
            seq_len: read_u32(bytes, 32),
            rope_theta: f32::from_bits(read_u32(bytes, 36)),
            norm_eps: f32::from_bits(read_u32(bytes, 40)),
            shared_classifier: flags & FLAG_SHARED_CLASSIFIER != 0,
            group_size: read_u32(bytes, 48),
        };
        config.validate()?;
        let directory = &bytes[HEADER_LEN..metadata_len];
        let stored = read_u32(bytes, 60);
        let computed = crc32(directory);
        if stored != computed {
            return Err(FormatError::DirectoryCrcMismatch { stored, computed });
        }
        if file_len < prefix.data_offset {
            return Err(FormatError::Truncated { what: "data area", needed: prefix.data_offset, available: file_len });
        }
        let mut tensors = Vec::with_capacity(prefix.tensor_count as usize);
        for raw in directory.as_chunks::<DIR_ENTRY_LEN>().0 {
            let entry = parse_entry(raw, &config, prefix.data_offset, file_len)?;
            if tensors.iter().any(|t: &TensorEntry| t.role == entry.role && t.layer == entry.layer) {
                return Err(FormatError::DuplicateTensor { tensor: entry.name() });
            }
            tensors.push(entry);
        }
        let info = Self { config, tensors, data_offset: prefix.data_offset, file_len };
        info.check_complete()?;
        Ok(info)
    }

    fn check_complete(&self) -> Result<(), FormatError> {
        let missing = |role: TensorRole, layer: u16| FormatError::MissingTensor { tensor: TensorName { role: role as u8, layer } };
        for role in TensorRole::ALL {
            if role == TensorRole::Tokenizer || (role == TensorRole::Classifier && self.config.shared_classifier) {
                continue;
            }
            let layers = if role.is_per_layer() { self.config.n_layers } else { 1 };
            for layer in 0..layers {
                let layer = layer as u16;
                if self.find(role, layer).is_none() {
                    return Err(missing(role, layer));
                }
            }
        }
        if self.config.shared_classifier
            && let Some(index) = self.find(TensorRole::Classifier, 0) {
                return Err(FormatError::DuplicateTensor { tensor: self.tensors[index].name() });
            }
        Ok(())
    }

    /// Checks tensor `index`'s data (its `byte_len` bytes): the CRC-32, then that every f32 value
    /// and every quantization scale is finite.
    pub fn verify_tensor(&self, index: usize, data: &[u8]) -> Result<(), FormatError> {
        let entry = &self.tensors[index];
        let data = &data[..(entry.byte_len as usize).min(data.len())];
        if crc32(data) != entry.crc32 {
            return Err(FormatError::CrcMismatch { tensor: entry.name() });
        }
        let (cols, group, stride) = (entry.cols as usize, self.config.group_size as usize, entry.row_stride as usize);
        if let Some(at) = crate::quant::first_non_finite(entry.quant, cols, group, stride, data) {
            let what = if entry.quant == Quant::F32 { "value" } else { "scale" };
            return Err(FormatError::NonFinite { tensor: entry.name(), what, at: at as u64 });
        }
        Ok(())
    }

    /// Index of the tensor with this role and layer.
    pub fn find(&self, role: TensorRole, layer: u16) -> Option<usize> {
        self.tensors.iter().position(|t| t.role == role && t.layer == layer)
    }

    /// Total bytes of all tensors except the tokenizer.
    pub fn weight_bytes(&self) -> u64 {
        self.tensors.iter().filter(|t| t.role != TensorRole::Tokenizer).map(|t| t.byte_len).sum()
    }

    /// Number of model parameters (elements of all weight tensors).
    pub fn parameter_count(&self) -> u64 {
        self.tensors
            .iter()
            .filter(|t| t.role != TensorRole::Tokenizer)
            .map(|t| t.rows as u64 * t.cols as u64)
            .sum()
    }
}

fn parse_entry(raw: &[u8], config: &ModelConfig, data_offset: u64, file_len: u64) -> Result<TensorEntry, FormatError> {
    let role_code = raw[0];
    let layer = u16::from_le_bytes([raw[2], raw[3]]);
    let tensor = TensorName { role: role_code, layer };
    let bad = |field, value: u64| FormatError::BadTensorField { tensor, field, value };
    let role = TensorRole::from_code(role_code).ok_or(bad("role", role_code as u64))?;
    if (role.is_per_layer() && layer as u32 >= config.n_layers) || (!role.is_per_layer() && layer != 0) {
        return Err(bad("layer", layer as u64));
    }
    let quant = Quant::from_code(raw[1]).ok_or(bad("quant", raw[1] as u64))?;
    let rows = read_u32(raw, 4);
    let cols = read_u32(raw, 8);
    let row_stride = read_u32(raw, 12);
    let offset = read_u64(raw, 16);
    let byte_len = read_u64(raw, 24);
    let crc = read_u32(raw, 32);
    if raw[36..].iter().any(|&b| b != 0) {
        return Err(bad("reserved", 0));
    }
    match role.is_matrix() {
        _ if role == TensorRole::Tokenizer => {
            if quant != Quant::Raw {
                return Err(bad("quant", quant as u64));
            }
            if rows != 1 {
                return Err(bad("rows", rows as u64));
            }
        }
        true => {
            if quant == Quant::Raw {
                return Err(bad("quant", quant as u64));
            }
        }
        false => {
            if quant != Quant::F32 {
                return Err(bad("quant", quant as u64));
            }
        }
    }
    if let Some((want_rows, want_cols)) = config.expected_shape(role) {
        if rows != want_rows {
            return Err(bad("rows", rows as u64));
        }
        if cols != want_cols {
            return Err(bad("cols", cols as u64));
        }
    }
    let expected_stride = quant.row_stride(cols, config.group_size).ok_or(bad("cols", cols as u64))?;
    if row_stride != expected_stride {
        return Err(bad("row_stride", row_stride as u64));
    }
    if byte_len != rows as u64 * row_stride as u64 {
        return Err(bad("byte_len", byte_len));
    }
    if !offset.is_multiple_of(SECTOR_SIZE) {
        return Err(bad("offset", offset));
    }
    let end = offset.checked_add(byte_len);
    if offset < data_offset || end.is_none_or(|end| end > file_len) {
        return Err(FormatError::TensorOutOfBounds { tensor });
    }
    Ok(TensorEntry { role, layer, quant, rows, cols, row_stride, offset, byte_len, crc32: crc })
}

/// What a writer needs to know about one tensor before its data exists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorSpec {
    /// Role.
    pub role: TensorRole,
    /// Layer (0 for global tensors).
    pub layer: u16,
    /// Storage format.
    pub quant: Quant,
    /// Rows.
    pub rows: u32,
    /// Columns (byte length for the tokenizer).
    pub cols: u32,
}

/// Lays out a file: assigns sector-aligned offsets to `specs` in the given order.
/// The CRCs are zero until filled in by the writer with [`ModelInfo::encode_metadata`]'s caller.
pub fn plan_layout(config: &ModelConfig, specs: &[TensorSpec]) -> Result<ModelInfo, FormatError> {
    config.validate()?;
    if specs.is_empty() || specs.len() > MAX_TENSORS as usize {
        return Err(FormatError::BadField { field: "tensor_count", value: specs.len() as u64 });
    }
    let metadata_len = (HEADER_LEN + specs.len() * DIR_ENTRY_LEN) as u64;
    let data_offset = round_up_to_sector(metadata_len);
    let mut offset = data_offset;
    let mut tensors = Vec::with_capacity(specs.len());
    for spec in specs {
        let tensor = TensorName { role: spec.role as u8, layer: spec.layer };
        let row_stride = spec
            .quant
            .row_stride(spec.cols, config.group_size)
            .ok_or(FormatError::BadTensorField { tensor, field: "cols", value: spec.cols as u64 })?;
        let byte_len = spec.rows as u64 * row_stride as u64;
        tensors.push(TensorEntry {
            role: spec.role,
            layer: spec.layer,
            quant: spec.quant,
            rows: spec.rows,
            cols: spec.cols,
            row_stride,
            offset,
            byte_len,
            crc32: 0,
        });
        offset = round_up_to_sector(offset + byte_len);
    }
    if data_offset > u32::MAX as u64 {
        return Err(FormatError::BadField { field: "data_offset", value: data_offset });
    }
    Ok(ModelInfo { config: *config, tensors, data_offset, file_len: offset })
}

impl ModelInfo {
    /// Encodes header + directory (`data_offset` bytes, zero padded), with checksums.
    pub fn encode_metadata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data_offset as usize);
        let c = &self.config;
        out.extend_from_slice(&MAGIC);
        let flags = if c.shared_classifier { FLAG_SHARED_CLASSIFIER } else { 0 };
        for value in [
            VERSION,
            c.dim,
            c.hidden_dim,
            c.n_layers,
            c.n_heads,
            c.n_kv_heads,
            c.vocab_size,
            c.seq_len,
            c.rope_theta.to_bits(),
            c.norm_eps.to_bits(),
            flags,
            c.group_size,
            self.tensors.len() as u32,
            self.data_offset as u32,
        ] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        let mut directory = Vec::with_capacity(self.tensors.len() * DIR_ENTRY_LEN);
        for t in &self.tensors {
            directory.push(t.role as u8);
            directory.push(t.quant as u8);
            directory.extend_from_slice(&t.layer.to_le_bytes());
            directory.extend_from_slice(&t.rows.to_le_bytes());
            directory.extend_from_slice(&t.cols.to_le_bytes());
            directory.extend_from_slice(&t.row_stride.to_le_bytes());
            directory.extend_from_slice(&t.offset.to_le_bytes());
            directory.extend_from_slice(&t.byte_len.to_le_bytes());
            directory.extend_from_slice(&t.crc32.to_le_bytes());
            directory.resize(directory.len() + (DIR_ENTRY_LEN - 36), 0);
        }
        out.extend_from_slice(&crc32(&directory).to_le_bytes());
        out.resize(124, 0);
        let header_crc = crc32(&out);
        out.extend_from_slice(&header_crc.to_le_bytes());
        out.extend_from_slice(&directory);
        out.resize(self.data_offset as usize, 0);
        out
    }
}

/// Builds a whole model file in memory from tensors already encoded in their storage format.
/// `tensors` pairs each spec with its bytes. Intended for tests and small models; the converter
/// streams large models with [`plan_layout`] + [`ModelInfo::encode_metadata`].
pub fn write_model(config: &ModelConfig, tensors: &[(TensorSpec, Vec<u8>)]) -> Result<Vec<u8>, FormatError> {
    let specs: Vec<TensorSpec> = tensors.iter().map(|(spec, _)| *spec).collect();
    let mut info = plan_layout(config, &specs)?;
    for (entry, (_, data)) in info.tensors.iter_mut().zip(tensors) {
        if data.len() as u64 != entry.byte_len {
            return Err(FormatError::BadTensorField { tensor: entry.name(), field: "byte_len", value: data.len() as u64 });
        }
        entry.crc32 = crc32(data);
    }
    let mut out = info.encode_metadata();
    out.resize(info.file_len as usize, 0);
    for (entry, (_, data)) in info.tensors.iter().zip(tensors) {
        let start = entry.offset as usize;
        out[start..start + data.len()].copy_from_slice(data);
    }
    Ok(out)
}
