//! The llama2.c writers (`llm-bench --compare` gives llama2.c's `run`/`runq` the same models as the
//! engine): what they write reads back through the llama2.c reader as the same model.

use std::path::PathBuf;

use llm_engine::TensorRole;
use llm_tools::llama2c::{read_checkpoint, write_v0, write_v2};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

#[test]
fn v0_round_trips_exactly_and_keeps_the_file_layout() {
    for name in ["tiny_shared.bin", "tiny_unshared.bin"] {
        let original = fixture(name);
        let model = read_checkpoint(&original).unwrap();
        let written = write_v0(&model).unwrap();
        // Same size as the NumPy-written fixture (header, tensors, RoPE tables, classifier).
        assert_eq!(written.len(), original.len(), "{name}");
        // Everything but the RoPE tables (recomputed, in f32) is byte-identical.
        let config = model.config;
        let before_rope = written.len() - 4 * config.seq_len as usize * config.head_size()
            - if config.shared_classifier { 0 } else { 4 * (config.vocab_size * config.dim) as usize };
        assert_eq!(written[..before_rope], original[..before_rope], "{name}");
        let again = read_checkpoint(&written).unwrap();
        assert_eq!(again.config, model.config);
        for t in &model.tensors {
            assert_eq!(again.get(t.role, t.layer).unwrap().data, t.data, "{name} {:?} {}", t.role, t.layer);
        }
    }
}

#[test]
fn v2_reads_back_within_half_a_step_with_the_backed_off_group() {
    let model = read_checkpoint(&fixture("tiny_unshared.bin")).unwrap();
    let (bytes, group) = write_v2(&model, 64).unwrap();
    assert!((model.config.dim as usize).is_multiple_of(group) && group <= 64);
    let again = read_checkpoint(&bytes).unwrap();
    assert!(!again.config.shared_classifier);
    for t in &model.tensors {
        let back = &again.get(t.role, t.layer).unwrap().data;
        if t.role.is_norm() {
            assert_eq!(back, &t.data, "norms stay f32");
            continue;
        }
        for (g, (a, b)) in t.data.chunks(group).zip(back.chunks(group)).enumerate() {
            let step = a.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0;
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() <= 0.5001 * step, "{:?} {} group {g}: {x} vs {y}", t.role, t.layer);
            }
        }
    }
    assert!(again.get(TensorRole::Classifier, 0).is_some());
}
