//! Regression tests for bad input that used to crash, panic or be accepted silently: each names the
//! class of `docs/errors.md` it covers.

mod common;

use common::{build_model, tiny_config};
use llm_engine::error::{FormatError, TensorName};
use llm_engine::format::{TensorEntry, plan_layout};
use llm_engine::settings::{KernelChoice, Settings};
use llm_engine::streaming::{SliceReader, plan_residency};
use llm_engine::{
    EngineError, InMemoryWeights, ModelConfig, ModelInfo, Quant, Sampler, SamplerConfig, StreamingWeights, TensorRole, Tokenizer,
    Transformer, WeightSource, portable_kernels,
};

/// A weight source that has a directory but no data: every tensor reads as zeros.
#[derive(Debug)]
struct Hollow {
    info: ModelInfo,
    zeros: Vec<u8>,
}

impl WeightSource for Hollow {
    fn info(&self) -> &ModelInfo {
        &self.info
    }
    fn tensor(&mut self, index: usize) -> Result<&[u8], EngineError> {
        Ok(&self.zeros[..self.info.tensors[index].byte_len as usize])
    }
    fn row(&mut self, index: usize, _row: usize) -> Result<&[u8], EngineError> {
        Ok(&self.zeros[..self.info.tensors[index].row_stride as usize])
    }
}

fn hollow(config: ModelConfig) -> Hollow {
    let mut specs = Vec::new();
    for (role, layer) in llm_engine_order(&config) {
        let (rows, cols) = config.expected_shape(role).unwrap();
        let quant = if role.is_norm() { Quant::F32 } else { Quant::Ternary };
        specs.push(llm_engine::format::TensorSpec { role, layer, quant, rows, cols });
    }
    let info = plan_layout(&config, &specs).unwrap();
    let largest_norm = info.tensors.iter().filter(|t: &&TensorEntry| t.role.is_norm()).map(|t| t.byte_len).max().unwrap();
    Hollow { info, zeros: vec![0; largest_norm as usize] }
}

fn llm_engine_order(config: &ModelConfig) -> Vec<(TensorRole, u16)> {
    let mut order = vec![(TensorRole::TokenEmbedding, 0), (TensorRole::FinalNorm, 0)];
    for layer in 0..config.n_layers as u16 {
        for role in [TensorRole::AttentionNorm, TensorRole::Wq, TensorRole::Wk, TensorRole::Wv, TensorRole::Wo, TensorRole::FfnNorm, TensorRole::W1, TensorRole::W2, TensorRole::W3] {
            order.push((role, layer));
        }
    }
    order
}

/// Class: a valid model whose KV cache is larger than RAM used to abort the process
/// (`memory allocation of 121869697024 bytes failed`).
#[test]
fn a_kv_cache_larger_than_memory_is_an_error_naming_its_size() {
    // 64 layers × 2²⁰ positions × 2¹⁶ kv_dim × 8 bytes = 2⁴⁵ bytes: no machine has that.
    let config = ModelConfig { dim: 1 << 16, hidden_dim: 2, n_layers: 64, n_heads: 1 << 10, n_kv_heads: 1 << 10, vocab_size: 2, seq_len: 1 << 20, rope_theta: 10000.0, norm_eps: 1e-5, shared_classifier: true, group_size: 2 };
    config.validate().unwrap();
    let source = hollow(config);
    let error = Transformer::new(source, portable_kernels(&config)).unwrap_err();
    let expected = 2 * 64 * (1u64 << 20) * (1 << 16) * 4;
    assert_eq!(config.kv_cache_bytes(), Some(expected));
    assert!(matches!(error, EngineError::OutOfMemory { needed, .. } if needed == expected), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("KV cache") && message.contains(&expected.to_string()), "{message}");
    // The 64-bit size the EE demo checks against its free RAM says the same before any allocation.
    assert!(llm_engine::transformer::runtime_bytes(&config) > expected);
}

/// Class: `head_size` divided by zero for a config with no heads, before `validate` could say so.
#[test]
fn a_config_without_heads_is_an_error_not_a_division_by_zero() {
    let config = ModelConfig { n_heads: 0, n_kv_heads: 0, ..tiny_config(true) };
    assert_eq!(config.head_size(), 0);
    assert_eq!(config.kv_dim(), 0);
    let _ = config.expected_shape(TensorRole::Wk);
    let error = config.validate().unwrap_err();
    assert!(error.to_string().contains("n_heads"), "{error}");
    assert!(plan_layout(&config, &[]).is_err());
}

fn with_tensor(file: &[u8], role: TensorRole, layer: u16, edit: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut info = ModelInfo::parse(file, file.len() as u64).unwrap();
    let index = info.find(role, layer).unwrap();
    let entry = info.tensors[index];
    let mut out = file.to_vec();
    let data = &mut out[entry.offset as usize..(entry.offset + entry.byte_len) as usize];
    edit(data);
    info.tensors[index].crc32 = llm_engine::crc32::crc32(data);
    let metadata = info.encode_metadata();
    out[..metadata.len()].copy_from_slice(&metadata);
    out
}

fn assert_non_finite(file: &[u8], tensor: &str, what: &str) {
    let check = |error: String| assert!(error.contains(tensor) && error.contains(&format!("non-finite {what}")), "{error}");
    check(InMemoryWeights::new(file).unwrap_err().to_string());
    // Resident (CRC checked at load) and streamed (checked on the first read).
    check(StreamingWeights::new(SliceReader::new(file), 1 << 30).unwrap_err().to_string());
    let mut streamed_checks = 0;
    for budget in [20 << 10, 24 << 10, 40 << 10, 64 << 10] {
        let result = StreamingWeights::new(SliceReader::new(file), budget)
            .and_then(|mut streamed| (0..streamed.info().tensors.len()).try_for_each(|i| streamed.tensor(i).map(|_| ())));
        match result {
            Err(EngineError::OutOfMemory { .. }) => continue, // budget too small for this model's buffers
            other => check(other.unwrap_err().to_string()),
        }
        streamed_checks += 1;
    }
    assert!(streamed_checks > 0);
}

/// Class: a NaN or infinite quantization scale (or f32 weight) was accepted once the CRCs matched.
#[test]
fn non_finite_scales_and_values_are_rejected_even_with_matching_crcs() {
    let file = build_model(&tiny_config(true), Quant::Q8, 5);
    for bits in [0x7FC0_0000u32, 0x7F80_0000, 0xFF80_0000] {
        // The first scale of row 1 of layers.0.wq (a Q8 row: 2 scales, then 32 codes).
        let stride = 2 * 4 + 32;
        let bad = with_tensor(&file, TensorRole::Wq, 0, |data| data[stride..stride + 4].copy_from_slice(&bits.to_le_bytes()));
        assert_non_finite(&bad, "layers.0.wq", "scale");
    }
    let bad = with_tensor(&file, TensorRole::FfnNorm, 1, |data| data[8..12].copy_from_slice(&f32::INFINITY.to_le_bytes()));
    assert!(InMemoryWeights::new(bad.as_slice()).unwrap_err().to_string().contains("layers.1.ffn_norm: non-finite value (NaN or infinity) at byte 8"));
    for quant in [Quant::Q4, Quant::Ternary, Quant::F32] {
        let file = build_model(&tiny_config(false), quant, 6);
        let bad = with_tensor(&file, TensorRole::Classifier, 0, |data| data[0..4].copy_from_slice(&f32::NAN.to_le_bytes()));
        let what = if quant == Quant::F32 { "value" } else { "scale" };
        assert_non_finite(&bad, "classifier", what);
    }
    // Finite extremes stay legal.
    let ok = with_tensor(&file, TensorRole::Wq, 0, |data| data[0..4].copy_from_slice(&f32::MAX.to_le_bytes()));
    InMemoryWeights::new(ok.as_slice()).unwrap();
}

/// Class: magic bytes were printed as bare numbers ("[50, 4b, 3, 4]").
#[test]
fn bad_magic_is_printed_in_hex_and_ascii() {
    let mut file = build_model(&tiny_config(true), Quant::Q8, 5);
    file[..4].copy_from_slice(b"PK\x03\x04");
    let message = InMemoryWeights::new(file.as_slice()).unwrap_err().to_string();
    assert!(message.contains("50 4B 03 04 (\"PK..\")") && message.contains("50 4C 4C 4D (\"PLLM\")"), "{message}");
    let mut blob = common::byte_tokenizer(300).to_bytes();
    blob[..4].copy_from_slice(&[0, 0xFF, b'O', b'K']);
    let message = Tokenizer::from_bytes(&blob).unwrap_err().to_string();
    assert!(message.contains("00 FF 4F 4B (\"..OK\")") && message.contains("(\"TOKN\")"), "{message}");
}

/// Class: a RAM budget too small for the streaming buffers gave a message without sizes.
#[test]
fn a_budget_too_small_to_stream_names_both_sizes() {
    let file = build_model(&tiny_config(true), Quant::Q8, 5);
    let info = ModelInfo::parse(&file, file.len() as u64).unwrap();
    let error = plan_residency(&info, 3000).unwrap_err();
    let EngineError::OutOfMemory { needed, available: Some(3000), .. } = error else { panic!("{error:?}") };
    assert!(needed > 3000);
    let message = error.to_string();
    assert!(message.contains(&needed.to_string()) && message.contains("3000"), "{message}");
}

/// Class: NaN or negative temperature, top-p and repetition penalty were accepted.
#[test]
fn sampler_settings_out_of_range_are_errors() {
    let good = SamplerConfig::default();
    Sampler::try_new(good, 10).unwrap();
    Sampler::try_new(SamplerConfig { temperature: 0.0, top_p: 0.0, ..good }, 10).unwrap();
    Sampler::try_new(SamplerConfig { top_p: 1.0, repetition_penalty: 1.3, ..good }, 10).unwrap();
    for (config, setting) in [
        (SamplerConfig { temperature: f32::NAN, ..good }, "temperature"),
        (SamplerConfig { temperature: -0.5, ..good }, "temperature"),
        (SamplerConfig { temperature: f32::INFINITY, ..good }, "temperature"),
        (SamplerConfig { top_p: f32::NAN, ..good }, "top_p"),
        (SamplerConfig { top_p: -0.1, ..good }, "top_p"),
        (SamplerConfig { top_p: 1.5, ..good }, "top_p"),
        (SamplerConfig { repetition_penalty: f32::NAN, ..good }, "repetition_penalty"),
        (SamplerConfig { repetition_penalty: -1.0, ..good }, "repetition_penalty"),
        (SamplerConfig { repetition_penalty: 0.0, ..good }, "repetition_penalty"),
    ] {
        let error = Sampler::try_new(config, 10).unwrap_err();
        assert!(matches!(error, EngineError::BadSetting { setting: s, .. } if s == setting), "{error:?}");
        assert!(error.to_string().contains(setting));
    }
}

/// Class: `LLM.CFG` values were truncated to 32 bits on the EE (`steps`), overflowed when multiplied
/// (`budget_kib × 1024`), clamped (`temperature`, `stories`) or read as "false" (`interactive`).
#[test]
fn settings_out_of_range_are_errors_naming_the_line() {
    let mut settings = Settings::default();
    settings
        .apply_file("# comment\nsteps = 100\ntemperature = 0.7\ntop_p=1\nbudget_kib = 1500\nkernels = portable\ninteractive = no\nstories = 3\nseed = 18446744073709551615\n")
        .unwrap();
    assert_eq!((settings.steps, settings.temperature, settings.top_p, settings.budget_bytes()), (100, 0.7, 1.0, Some(1500 * 1024)));
    assert_eq!((settings.kernels, settings.interactive, settings.stories, settings.seed), (KernelChoice::Portable, false, 3, u64::MAX));
    for (line, reason) in [
        ("steps = 4294967360", "steps"),   // 2³² + 64: was 64 on the EE
        ("steps = 0", "steps"),
        ("steps = -1", "steps"),
        ("budget_kib = 18014398509481985", "budget_kib"), // × 1024 overflows 64 bits
        ("temperature = nan", "temperature"),
        ("temperature = -1", "temperature"),
        ("temperature = inf", "temperature"),
        ("top_p = 1.5", "top_p"),
        ("top_p = NaN", "top_p"),
        ("stories = 4294967296", "stories"),
        ("interactive = maybe", "interactive"),
        ("seed = 18446744073709551616", "seed"),
        ("kernels = fast", "kernels"),
        ("model =", "model"),
        ("steps", "key=value"),
        ("colour = red", "unknown key"),
    ] {
        let before = settings.clone();
        let error = settings.apply_file(&format!("# settings\n\n{line}\n")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("line 3") && message.contains(reason), "{line}: {message}");
        assert_eq!(settings, before, "{line}: a bad line must not change anything");
    }
}

#[test]
fn error_names_are_stable() {
    // The tensor names in messages are the ones docs/errors.md and model-format.md use.
    assert_eq!(TensorName { role: TensorRole::Wq as u8, layer: 3 }.to_string(), "layers.3.wq");
    let error = FormatError::NonFinite { tensor: TensorName { role: 11, layer: 0 }, what: "scale", at: 4 };
    assert_eq!(error.to_string(), "tensor classifier: non-finite scale (NaN or infinity) at byte 4 of its data");
}
