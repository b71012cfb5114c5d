//! Checkpoint and tokenizer readers, and the command-line tools end to end.

use std::path::PathBuf;
use std::process::Command;

use llm_engine::tokenizer::{Piece, PieceKind, TokenizerOptions};
use llm_engine::TensorRole;
use llm_tools::{llama2c, sentencepiece};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("{}-{name}", std::process::id()))
}

#[test]
fn sentencepiece_model_is_parsed() {
    let pieces = vec![
        Piece { text: b"<unk>".to_vec(), score: 0.0, kind: PieceKind::Unknown },
        Piece { text: b"<s>".to_vec(), score: 0.0, kind: PieceKind::Control },
        Piece { text: b"</s>".to_vec(), score: 0.0, kind: PieceKind::Control },
        Piece { text: b"<0x41>".to_vec(), score: 0.0, kind: PieceKind::Byte },
        Piece { text: b" ".to_vec(), score: -1.0, kind: PieceKind::Normal },
        Piece { text: b"h".to_vec(), score: -2.0, kind: PieceKind::Normal },
        Piece { text: b"i".to_vec(), score: -3.0, kind: PieceKind::Normal },
        Piece { text: b" hi".to_vec(), score: -4.0, kind: PieceKind::Normal },
        Piece { text: b" h".to_vec(), score: -5.0, kind: PieceKind::Normal },
    ];
    let options = TokenizerOptions { bos_id: Some(1), eos_id: Some(2), unk_id: Some(0), add_dummy_prefix: true, remove_extra_whitespaces: true };
    let bytes = sentencepiece::encode_model(&pieces, &options, 2);
    assert!(bytes.windows(3).any(|w| w == "\u{2581}".as_bytes()), "spaces are written as U+2581");
    let model = sentencepiece::parse_model(&bytes).unwrap();
    assert_eq!(model.pieces, pieces);
    assert_eq!(model.options, options);
    assert_eq!(model.model_type, 2);
    let tokenizer = sentencepiece::load(&bytes).unwrap();
    let mut ids = Vec::new();
    tokenizer.encode("hi A", true, false, &mut ids);
    assert_eq!(ids, [1, 7, 4, 3]);
    // SentencePiece's default normalizer drops leading/trailing spaces and collapses runs.
    ids.clear();
    tokenizer.encode("  hi   A ", true, false, &mut ids);
    assert_eq!(ids, [1, 7, 4, 3]);

    // Disabled BOS (-1) and no dummy prefix.
    let options = TokenizerOptions { bos_id: None, add_dummy_prefix: false, remove_extra_whitespaces: false, ..options };
    let model = sentencepiece::parse_model(&sentencepiece::encode_model(&pieces, &options, 2)).unwrap();
    assert_eq!(model.options, options);
    // Truncation anywhere is an error, not a panic.
    for len in 0..bytes.len() - 1 {
        let _ = sentencepiece::parse_model(&bytes[..len]);
    }
    assert!(sentencepiece::parse_model(&bytes[..bytes.len() - 3]).is_err());
}

/// Writes a llama2.c v2 (Q8_0) checkpoint of `model` the way runq's export does.
fn encode_v2(model: &llm_tools::convert::SourceModel, group: usize) -> Vec<u8> {
    let c = &model.config;
    let mut out = Vec::new();
    out.extend_from_slice(&0x616b_3432u32.to_le_bytes());
    out.extend_from_slice(&2i32.to_le_bytes());
    for v in [c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len] {
        out.extend_from_slice(&(v as i32).to_le_bytes());
    }
    out.push(c.shared_classifier as u8);
    out.extend_from_slice(&(group as i32).to_le_bytes());
    out.resize(256, 0);
    let layers = c.n_layers as u16;
    let get = |role, layer| &model.get(role, layer).unwrap().data;
    for role in [TensorRole::AttentionNorm, TensorRole::FfnNorm] {
        for l in 0..layers {
            get(role, l).iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
    }
    get(TensorRole::FinalNorm, 0).iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    let q8 = |data: &Vec<f32>, out: &mut Vec<u8>| {
        let mut scales = Vec::new();
        for g in data.chunks(group) {
            let scale = g.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0;
            scales.push(scale);
            out.extend(g.iter().map(|v| (v / scale).round() as i8 as u8));
        }
        scales.iter().for_each(|s| out.extend_from_slice(&s.to_le_bytes()));
    };
    q8(get(TensorRole::TokenEmbedding, 0), &mut out);
    for role in [TensorRole::Wq, TensorRole::Wk, TensorRole::Wv, TensorRole::Wo, TensorRole::W1, TensorRole::W2, TensorRole::W3] {
        for l in 0..layers {
            q8(get(role, l), &mut out);
        }
    }
    out
}

#[test]
fn llama2c_q8_checkpoint_reads_back_within_a_step() {
    let v0 = llama2c::read_checkpoint(&std::fs::read(fixture("tiny_shared.bin")).unwrap()).unwrap();
    let v2 = llama2c::read_checkpoint(&encode_v2(&v0, 16)).unwrap();
    assert_eq!(v2.config, v0.config);
    for tensor in &v0.tensors {
        let other = v2.get(tensor.role, tensor.layer).unwrap();
        let max = tensor.data.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        for (a, b) in tensor.data.iter().zip(&other.data) {
            assert!((a - b).abs() <= max / 127.0, "{:?} {}: {a} vs {b}", tensor.role, tensor.layer);
        }
    }
    let mut bad = encode_v2(&v0, 16);
    bad[37..41].copy_from_slice(&7i32.to_le_bytes());
    let error = llama2c::read_checkpoint(&bad).unwrap_err().to_string();
    assert!(error.contains("group_size 7"), "{error}");
}

fn run(bin: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(bin).args(args).output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn convert_and_generate_from_the_command_line() {
    let convert = env!("CARGO_BIN_EXE_llm-convert");
    let generate = env!("CARGO_BIN_EXE_llm-generate");
    let model = temp("tiny.pllm");
    let model_arg = model.to_str().unwrap();
    let checkpoint = fixture("tiny_shared.bin");
    let tokenizer = fixture("tiny_tokenizer.bin");
    let (ok, stdout, stderr) = run(
        convert,
        &["llama2c", checkpoint.to_str().unwrap(), "--tokenizer", tokenizer.to_str().unwrap(), "-o", model_arg, "--quant", "q8", "--group-size", "64"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("layers.1.w2") && stdout.contains("rms rel err") && stdout.contains("group 32"), "{stdout}");

    let (ok, in_ram, stderr) = run(generate, &[model_arg, "-p", "the cat", "-n", "12", "-t", "0"]);
    assert!(ok, "{stderr}");
    assert!(in_ram.starts_with("the cat"), "{in_ram}");
    let (ok, streamed, stderr) = run(generate, &[model_arg, "-p", "the cat", "-n", "12", "-t", "0", "--ram-budget-kib", "12"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("streaming"), "{stderr}");
    assert_eq!(streamed, in_ram, "streamed generation must match");

    let (ok, _, stderr) = run(convert, &["llama2c", checkpoint.to_str().unwrap(), "-o", model_arg, "--tokenizer", "/nonexistent/tok.bin"]);
    assert!(!ok && stderr.contains("/nonexistent/tok.bin"), "{stderr}");
    std::fs::remove_file(&model).ok();
}

#[test]
fn synthetic_models_convert_and_run() {
    let convert = env!("CARGO_BIN_EXE_llm-convert");
    let generate = env!("CARGO_BIN_EXE_llm-generate");
    let model = temp("synth.pllm");
    let model_arg = model.to_str().unwrap();
    for quant in ["q4", "ternary"] {
        let (ok, stdout, stderr) = run(
            convert,
            &["synth", "--dim", "64", "--hidden-dim", "96", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--vocab", "600", "--seq-len", "32", "--quant", quant, "--group-size", "32", "-o", model_arg, "--quiet"],
        );
        assert!(ok, "{stderr}");
        assert!(stdout.contains("wrote"), "{stdout}");
        let (ok, _, stderr) = run(generate, &[model_arg, "-p", "abc", "-n", "20", "--ram-budget-kib", "40", "--top-k", "5"]);
        assert!(ok, "{quant}: {stderr}");
    }
    std::fs::remove_file(&model).ok();
}

/// Our encoder against SentencePiece's own on a real BPE model (ids from make_sentencepiece_ids.py).
#[test]
fn encoding_matches_sentencepiece_on_a_real_model() {
    let tokenizer = sentencepiece::load(&std::fs::read(fixture("austen_tokenizer.model")).unwrap()).unwrap();
    let lines = std::fs::read_to_string(fixture("sentencepiece_lines.txt")).unwrap();
    let expected = std::fs::read_to_string(fixture("sentencepiece_ids.txt")).unwrap();
    let mut count = 0;
    for (line, want) in lines.lines().zip(expected.lines()) {
        let mut ids = Vec::new();
        tokenizer.encode(line, false, false, &mut ids);
        let got: Vec<String> = ids.iter().map(u32::to_string).collect();
        assert_eq!(got.join(" "), want, "line {line:?}");
        count += ids.len();
        if !line.trim().is_empty() && !line.contains("  ") {
            assert_eq!(tokenizer.decode(&ids), line);
        }
    }
    assert!(count > 500, "fixture should exercise many merges");
}

/// Writes a llama2.c v1 (fp32, `ak42` header) checkpoint of `model`, in export.py's order.
fn encode_v1(model: &llm_tools::convert::SourceModel) -> Vec<u8> {
    let c = &model.config;
    let mut out = Vec::new();
    out.extend_from_slice(&0x616b_3432u32.to_le_bytes());
    out.extend_from_slice(&1i32.to_le_bytes());
    for v in [c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len] {
        out.extend_from_slice(&(v as i32).to_le_bytes());
    }
    out.push(c.shared_classifier as u8);
    out.resize(256, 0);
    let mut put = |role, layers: u16| {
        for l in 0..layers {
            model.get(role, l).unwrap().data.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
    };
    let layers = c.n_layers as u16;
    put(TensorRole::AttentionNorm, layers);
    put(TensorRole::FfnNorm, layers);
    put(TensorRole::FinalNorm, 1);
    put(TensorRole::TokenEmbedding, 1);
    for role in [TensorRole::Wq, TensorRole::Wk, TensorRole::Wv, TensorRole::Wo, TensorRole::W1, TensorRole::W2, TensorRole::W3] {
        put(role, layers);
    }
    if !c.shared_classifier {
        put(TensorRole::Classifier, 1);
    }
    out
}

#[test]
fn llama2c_v1_checkpoint_reads_back_exactly() {
    for name in ["tiny_shared.bin", "tiny_unshared.bin"] {
        let v0 = llama2c::read_checkpoint(&std::fs::read(fixture(name)).unwrap()).unwrap();
        let bytes = encode_v1(&v0);
        let v1 = llama2c::read_checkpoint(&bytes).unwrap();
        assert_eq!(v1.config, v0.config);
        for tensor in &v0.tensors {
            assert_eq!(v1.get(tensor.role, tensor.layer).unwrap().data, tensor.data, "{name} {:?}", tensor.role);
        }
        let error = llama2c::read_checkpoint(&bytes[..bytes.len() - 4]).unwrap_err().to_string();
        assert!(error.contains("truncated"), "{error}");
    }
}
