//! The engine's forward pass against the independent NumPy reference (fixtures written by
//! `fixtures/make_reference.py`): llama2.c v0 and HuggingFace inputs, f32 and quantized.

use std::io::Cursor;
use std::path::PathBuf;

use llm_engine::{InMemoryWeights, Quant, Transformer, WeightSource, load_tokenizer, portable_kernels};
use llm_tools::convert::{SourceModel, convert};
use llm_tools::{hf, llama2c, tokenizer_bin};

const TOKENS: [u32; 12] = [1, 5, 17, 33, 2, 60, 9, 9, 41, 12, 3, 27];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn reference_logits(name: &str) -> Vec<f32> {
    std::fs::read(fixture(name)).unwrap().as_chunks::<4>().0.iter().map(|&c| f32::from_le_bytes(c)).collect()
}

fn convert_to_bytes(mut model: SourceModel, quant: Quant, group_size: u32) -> Vec<u8> {
    model.config.group_size = group_size;
    let tokenizer = tokenizer_bin::load(&std::fs::read(fixture("tiny_tokenizer.bin")).unwrap(), 64, Some(1), Some(2)).unwrap();
    let mut out = Cursor::new(Vec::new());
    convert(&mut out, &model, &tokenizer, quant, |_| {}).unwrap();
    out.into_inner()
}

/// Runs the model over TOKENS; returns the largest |ours − reference| and the largest |reference|.
fn compare(file: Vec<u8>, reference: &[f32]) -> (f32, f32) {
    let weights = InMemoryWeights::new(file).unwrap();
    let kernels = portable_kernels(&weights.info().config);
    let mut model = Transformer::new(weights, kernels).unwrap();
    let vocab = model.config().vocab_size as usize;
    let (mut max_diff, mut max_ref) = (0.0f32, 0.0f32);
    for (pos, &token) in TOKENS.iter().enumerate() {
        let logits = model.forward(token, pos).unwrap();
        for (ours, theirs) in logits.iter().zip(&reference[pos * vocab..(pos + 1) * vocab]) {
            max_diff = max_diff.max((ours - theirs).abs());
            max_ref = max_ref.max(theirs.abs());
        }
    }
    eprintln!("max |logit difference| {max_diff:.3e}, max |reference logit| {max_ref:.3}");
    (max_diff, max_ref)
}

fn read_v0(name: &str) -> SourceModel {
    llama2c::read_checkpoint(&std::fs::read(fixture(name)).unwrap()).unwrap()
}

#[test]
fn f32_logits_match_the_reference() {
    for name in ["shared", "unshared"] {
        let model = read_v0(&format!("tiny_{name}.bin"));
        assert_eq!(model.config.shared_classifier, name == "shared");
        let (diff, scale) = compare(convert_to_bytes(model, Quant::F32, 32), &reference_logits(&format!("tiny_{name}.logits")));
        assert!(scale > 1.0, "reference logits should not be trivially small");
        assert!(diff < 1e-4, "{name}: max logit difference {diff}");
    }
}

#[test]
fn q8_logits_match_within_quantization_error() {
    for name in ["shared", "unshared"] {
        let model = read_v0(&format!("tiny_{name}.bin"));
        let (diff, scale) = compare(convert_to_bytes(model, Quant::Q8, 16), &reference_logits(&format!("tiny_{name}.logits")));
        // Q8 weights and activations each carry ≤ 1/254 relative rounding per group.
        assert!(diff < 0.03 * scale, "{name}: max logit difference {diff} (scale {scale})");
        assert!(diff > 1e-6, "quantization should change the logits a little");
    }
}

#[test]
fn q4_and_ternary_run_and_stay_in_the_ballpark() {
    let reference = reference_logits("tiny_shared.logits");
    let (q4, scale) = compare(convert_to_bytes(read_v0("tiny_shared.bin"), Quant::Q4, 16), &reference);
    assert!(q4 < 0.5 * scale, "q4: {q4} vs scale {scale}");
    let (ternary, _) = compare(convert_to_bytes(read_v0("tiny_shared.bin"), Quant::Ternary, 16), &reference);
    assert!(ternary.is_finite());
}

#[test]
fn huggingface_checkpoint_matches_the_reference() {
    let model = hf::read_model_dir(&fixture("tiny_hf")).unwrap();
    assert!(model.config.shared_classifier);
    let (diff, _) = compare(convert_to_bytes(model, Quant::F32, 32), &reference_logits("tiny_shared.logits"));
    assert!(diff < 1e-4, "max logit difference {diff}");
}

#[test]
fn converted_file_carries_the_tokenizer() {
    let file = convert_to_bytes(read_v0("tiny_shared.bin"), Quant::Q8, 16);
    let mut weights = InMemoryWeights::new(file).unwrap();
    let tokenizer = load_tokenizer(&mut weights).unwrap();
    let mut ids = Vec::new();
    tokenizer.encode("the cat", true, false, &mut ids);
    assert_eq!(ids[0], 1);
    assert_eq!(tokenizer.decode(&ids), "the cat");
    // " the" is a single merged piece in the fixture vocabulary.
    assert_eq!(tokenizer.piece(ids[1]), b" the");
}

#[test]
fn truncated_checkpoints_are_reported() {
    let bytes = std::fs::read(fixture("tiny_shared.bin")).unwrap();
    let error = llama2c::read_checkpoint(&bytes[..bytes.len() - 100]).unwrap_err().to_string();
    assert!(error.contains("truncated") && error.contains("freq_cis"), "{error}");
    let error = llama2c::read_checkpoint(&bytes[..10]).unwrap_err().to_string();
    assert!(error.contains("header"), "{error}");
}

/// The HF fixture re-saved as BF16 and split over two shards (as large HF models are).
#[test]
fn sharded_bf16_huggingface_checkpoint_converts() {
    use safetensors::tensor::TensorView;
    use safetensors::{Dtype, SafeTensors};
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hf-bf16-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("tiny_hf/config.json"), dir.join("config.json")).unwrap();
    let original = std::fs::read(fixture("tiny_hf/model.safetensors")).unwrap();
    let tensors = SafeTensors::deserialize(&original).unwrap();
    let mut names: Vec<String> = tensors.names().into_iter().cloned().collect();
    names.sort();
    let converted: Vec<(String, Vec<usize>, Vec<u8>)> = names
        .iter()
        .map(|name| {
            let view = tensors.tensor(name).unwrap();
            let bf16: Vec<u8> = view
                .data()
                .as_chunks::<4>()
                .0
                .iter()
                .flat_map(|&c| ((u32::from_le_bytes(c) >> 16) as u16).to_le_bytes())
                .collect();
            (name.clone(), view.shape().to_vec(), bf16)
        })
        .collect();
    for (shard, part) in converted.chunks(converted.len() / 2 + 1).enumerate() {
        let views: Vec<(String, TensorView)> =
            part.iter().map(|(n, shape, data)| (n.clone(), TensorView::new(Dtype::BF16, shape.clone(), data).unwrap())).collect();
        let bytes = safetensors::serialize(views, &None).unwrap();
        std::fs::write(dir.join(format!("model-0000{}-of-00002.safetensors", shard + 1)), bytes).unwrap();
    }
    let model = hf::read_model_dir(&dir).unwrap();
    let (diff, scale) = compare(convert_to_bytes(model, Quant::F32, 32), &reference_logits("tiny_shared.logits"));
    // BF16 keeps 8 bits of mantissa: about 0.4 % per weight.
    assert!(diff < 0.03 * scale, "max logit difference {diff}");
    assert!(diff > 1e-5, "BF16 rounding should show");
    std::fs::remove_dir_all(&dir).ok();
}
