//! Corrupt and truncated model files give typed errors naming the bad field or tensor, never panics.

mod common;

use common::{build_model, tiny_config};
use llm_engine::error::FormatError;
use llm_engine::format::HEADER_LEN;
use llm_engine::streaming::SliceReader;
use llm_engine::{
    EngineError, InMemoryWeights, ModelInfo, Quant, StreamingWeights, TensorRole, Transformer, XorShiftRng, load_tokenizer,
    portable_kernels,
};

fn small_file() -> Vec<u8> {
    build_model(&tiny_config(true), Quant::Q8, 21)
}

/// Rewrites header + directory from a modified `ModelInfo` (valid checksums, bad content).
fn with_metadata(file: &[u8], edit: impl FnOnce(&mut ModelInfo)) -> Vec<u8> {
    let mut info = ModelInfo::parse(file, file.len() as u64).unwrap();
    edit(&mut info);
    let metadata = info.encode_metadata();
    let mut out = file.to_vec();
    out[..metadata.len()].copy_from_slice(&metadata);
    out
}

#[test]
fn a_valid_file_loads_and_runs() {
    let mut weights = InMemoryWeights::new(small_file()).unwrap();
    let tokenizer = load_tokenizer(&mut weights).unwrap();
    assert_eq!(tokenizer.vocab_size(), 3 + 256 + 15);
    let mut model = Transformer::new(weights, portable_kernels(&tiny_config(true))).unwrap();
    let logits = model.forward(1, 0).unwrap();
    assert_eq!(logits.len(), 300);
    assert!(logits.iter().all(|v| v.is_finite()));
    assert!(matches!(model.forward(300, 1), Err(EngineError::OutOfRange { what: "token", .. })));
    assert!(matches!(model.forward(1, 24), Err(EngineError::OutOfRange { what: "position", .. })));
}

#[test]
fn bad_header_fields_are_named() {
    let file = small_file();
    type Edit = fn(&mut ModelInfo);
    let cases: [(&str, Edit); 4] = [
        ("n_kv_heads", |i| i.config.n_kv_heads = 3),
        ("n_heads", |i| i.config.n_heads = 5),
        ("rope_theta", |i| i.config.rope_theta = f32::NAN),
        ("dim", |i| i.config.dim = 0),
    ];
    for (field, edit) in cases {
        let error = InMemoryWeights::new(with_metadata(&file, edit)).unwrap_err();
        assert_eq!(error, FormatError::BadField { field, value: match &error {
            FormatError::BadField { value, .. } => *value,
            _ => panic!("{field}: expected BadField, got {error}"),
        } });
    }
}

#[test]
fn bad_tensor_entries_name_the_tensor() {
    let file = small_file();
    let wk = |info: &ModelInfo| info.find(TensorRole::Wk, 1).unwrap();
    let error = InMemoryWeights::new(with_metadata(&file, |i| {
        let k = wk(i);
        i.tensors[k].rows += 1;
    }))
    .unwrap_err();
    assert!(error.to_string().contains("layers.1.wk") && error.to_string().contains("rows"), "{error}");

    let error = InMemoryWeights::new(with_metadata(&file, |i| {
        let k = wk(i);
        i.tensors[k].offset = i.file_len + 2048 * 4;
    }))
    .unwrap_err();
    assert!(matches!(error, FormatError::TensorOutOfBounds { .. }) && error.to_string().contains("layers.1.wk"), "{error}");

    let error = InMemoryWeights::new(with_metadata(&file, |i| {
        let k = wk(i);
        i.tensors[k].crc32 ^= 1;
    }))
    .unwrap_err();
    assert!(matches!(error, FormatError::CrcMismatch { .. }) && error.to_string().contains("layers.1.wk"), "{error}");

    let error = InMemoryWeights::new(with_metadata(&file, |i| {
        let k = wk(i);
        i.tensors[k].layer = 0;
    }))
    .unwrap_err();
    assert!(matches!(error, FormatError::DuplicateTensor { .. }), "{error}");

    let error = InMemoryWeights::new(with_metadata(&file, |i| {
        let norm = i.find(TensorRole::FinalNorm, 0).unwrap();
        i.tensors[norm].quant = Quant::Q8;
    }))
    .unwrap_err();
    assert!(error.to_string().contains("final_norm") && error.to_string().contains("quant"), "{error}");
}

#[test]
fn truncation_anywhere_is_an_error() {
    let file = small_file();
    let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
    // Bytes after the last tensor are sector padding; every shorter file must be rejected.
    let data_end = info.tensors.iter().map(|t| t.offset + t.byte_len).max().unwrap() as usize;
    for len in (0..data_end).step_by(97).chain([0, 3, HEADER_LEN - 1, HEADER_LEN, data_end - 1]) {
        let cut = &file[..len];
        assert!(InMemoryWeights::new(cut).is_err(), "length {len} accepted");
        assert!(StreamingWeights::new(SliceReader::new(cut), 1 << 30).is_err(), "length {len} accepted by streaming");
    }
    let error = InMemoryWeights::new(&file[..100]).unwrap_err();
    assert!(matches!(error, FormatError::Truncated { what: "header", .. }), "{error}");
}

/// Random byte flips; checksums are recomputed half of the time so the field checks are reached.
#[test]
fn fuzzed_files_never_panic() {
    let file = small_file();
    let mut rng = XorShiftRng::new(77);
    let metadata_len = ModelInfo::parse(&file, file.len() as u64).unwrap().data_offset as usize;
    let mut accepted = 0;
    for round in 0..1500 {
        let mut bytes = file.clone();
        let flips = 1 + rng.next_u32() % 4;
        for _ in 0..flips {
            let at = if round % 3 == 0 { rng.next_u32() as usize % bytes.len() } else { rng.next_u32() as usize % (HEADER_LEN + 48 * 25) };
            bytes[at] ^= 1 << (rng.next_u32() % 8);
        }
        if round % 2 == 0 {
            refresh_checksums(&mut bytes, metadata_len);
        }
        if let Ok(mut weights) = InMemoryWeights::new(bytes.as_slice()) {
            accepted += 1;
            let config = weights.info_config();
            let _ = load_tokenizer(&mut weights);
            if let Ok(mut model) = Transformer::new(weights, portable_kernels(&config)) {
                for pos in 0..3 {
                    let _ = model.forward(pos as u32, pos);
                }
            }
        }
        let _ = StreamingWeights::new(SliceReader::new(bytes.as_slice()), 1 << 14);
    }
    assert!(accepted < 1500, "corruption must be detected at least sometimes");
}

trait ConfigOf {
    fn info_config(&self) -> llm_engine::ModelConfig;
}
impl<B: AsRef<[u8]>> ConfigOf for InMemoryWeights<B> {
    fn info_config(&self) -> llm_engine::ModelConfig {
        use llm_engine::WeightSource;
        self.info().config
    }
}

fn refresh_checksums(bytes: &mut [u8], metadata_len: usize) {
    use llm_engine::crc32::crc32;
    let count = u32::from_le_bytes(bytes[52..56].try_into().unwrap()) as usize;
    let end = (HEADER_LEN + count.min(64) * 48).min(metadata_len);
    let dir_crc = crc32(&bytes[HEADER_LEN..end]);
    bytes[60..64].copy_from_slice(&dir_crc.to_le_bytes());
    let header_crc = crc32(&bytes[..124]);
    bytes[124..128].copy_from_slice(&header_crc.to_le_bytes());
}
