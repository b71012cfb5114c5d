//! Regression tests for bad input to the tools: each used to crash, panic, lose data, be accepted
//! silently or be reported misleadingly (the classes of `docs/errors.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use llm_tools::{hf, llama2c};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bad-input-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(bin: &str, args: &[&str], tmpdir: Option<&Path>) -> Output {
    let mut command = Command::new(bin);
    command.args(args);
    if let Some(dir) = tmpdir {
        command.env("TMPDIR", dir);
    }
    command.output().unwrap()
}

/// Exit status 1 (an error, not a panic's 101 or an abort's signal) and stderr containing `needle`.
fn assert_fails_with(output: &Output, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "status {:?}, stderr: {stderr}", output.status);
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

const CONVERT: &str = env!("CARGO_BIN_EXE_llm-convert");
const GENERATE: &str = env!("CARGO_BIN_EXE_llm-generate");
const BENCH: &str = env!("CARGO_BIN_EXE_llm-bench");

/// A small synthetic model file made with the converter.
fn small_model(dir: &Path) -> PathBuf {
    let path = dir.join("small.pllm");
    let out = run(CONVERT, &["synth", "--dim", "16", "--hidden-dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "2", "--vocab", "300", "--seq-len", "16", "--quiet", "-o", path.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

/// Class (panic): `llm-bench --heads 0` divided by zero in `head_size`.
#[test]
fn bench_with_zero_heads_is_an_error() {
    let dir = scratch("bench-heads");
    assert_fails_with(&run(BENCH, &["--heads", "0"], Some(&dir)), "n_heads");
}

/// Class (data loss): `llm-bench` left its temporary model behind when it failed.
#[test]
fn bench_leaves_no_temporary_file_on_error() {
    let dir = scratch("bench-tmp");
    // Q4 needs an even group size; group 1 fails after the model file was started.
    let out = run(BENCH, &["--quant", "q4", "--group-size", "1", "--dim", "16", "--hidden-dim", "16", "--layers", "1", "--heads", "2", "--vocab", "300"], Some(&dir));
    assert_fails_with(&out, "q4 needs an even group size");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Class (data loss): a failing `llm-convert` truncated the output file it was told to write.
#[test]
fn a_failed_conversion_keeps_the_existing_output() {
    let dir = scratch("convert-keep");
    let output = dir.join("model.pllm");
    std::fs::write(&output, b"the user's good model").unwrap();
    let out = run(CONVERT, &["synth", "--quant", "q4", "--group-size", "1", "--dim", "16", "--hidden-dim", "16", "--layers", "1", "--heads", "2", "--kv-heads", "2", "--vocab", "300", "-o", output.to_str().unwrap()], None);
    assert_fails_with(&out, "q4 needs an even group size");
    assert_eq!(std::fs::read(&output).unwrap(), b"the user's good model");
    let bad_checkpoint = dir.join("bad.bin");
    std::fs::write(&bad_checkpoint, &std::fs::read(fixture("tiny_shared.bin")).unwrap()[..1000]).unwrap();
    let tokenizer = fixture("tiny_tokenizer.bin");
    let out = run(CONVERT, &["llama2c", bad_checkpoint.to_str().unwrap(), "--tokenizer", tokenizer.to_str().unwrap(), "-o", output.to_str().unwrap()], None);
    assert_fails_with(&out, "bad.bin: checkpoint truncated");
    assert_eq!(std::fs::read(&output).unwrap(), b"the user's good model");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 2, "temporary files left: {names:?}");
    // A successful conversion replaces it.
    let out = run(CONVERT, &["llama2c", fixture("tiny_shared.bin").to_str().unwrap(), "--tokenizer", tokenizer.to_str().unwrap(), "--quiet", "-o", output.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(&std::fs::read(&output).unwrap()[..4], b"PLLM");
    // With the permissions a plain `File::create` gives, not the temporary file's private ones.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.join("plain");
        std::fs::write(&plain, b"x").unwrap();
        assert_eq!(mode(&output), mode(&plain));
        assert_eq!(mode(&small_model(&dir)), mode(&plain));
    }
}

/// Class (misleading message): a directory given as the model was reported as "bad magic".
#[test]
fn a_directory_as_model_is_called_a_directory() {
    let dir = scratch("generate-dir");
    assert_fails_with(&run(GENERATE, &[dir.to_str().unwrap(), "-p", "x"], None), "is a directory");
    assert_fails_with(&run(GENERATE, &[dir.to_str().unwrap(), "-p", "x", "--ram-budget-kib", "64"], None), "is a directory");
}

/// Class (misleading message): I/O errors without the path.
#[test]
fn io_errors_name_the_path() {
    let dir = scratch("io-path");
    let missing = dir.join("nope.pllm");
    assert_fails_with(&run(GENERATE, &[missing.to_str().unwrap()], None), "nope.pllm");
    assert_fails_with(&run(GENERATE, &[missing.to_str().unwrap(), "--ram-budget-kib", "64"], None), "nope.pllm");
    // A shard that cannot be read (here: a directory named like one).
    let hf_dir = scratch("io-path-hf");
    std::fs::copy(fixture("tiny_hf/config.json"), hf_dir.join("config.json")).unwrap();
    std::fs::create_dir(hf_dir.join("model.safetensors")).unwrap();
    let error = hf::read_model_dir(&hf_dir).unwrap_err().to_string();
    assert!(error.contains("model.safetensors"), "{error}");
    // The output directory does not exist.
    let out = run(CONVERT, &["synth", "--dim", "16", "--hidden-dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "2", "--vocab", "300", "-o", dir.join("no/such/dir/m.pllm").to_str().unwrap()], None);
    assert_fails_with(&out, "no/such/dir");
}

/// Class (silently wrong): NaN or negative temperature / top-p / penalty were accepted; a KiB budget
/// overflowed when multiplied.
#[test]
fn generate_rejects_out_of_range_settings() {
    let dir = scratch("generate-settings");
    let model = small_model(&dir);
    let model = model.to_str().unwrap();
    for (flag, value, name) in [
        ("-t", "nan", "--temperature"),
        ("-t", "-1", "--temperature"),
        ("--top-p", "-0.5", "--top-p"),
        ("--top-p", "NaN", "--top-p"),
        ("--top-p", "2", "--top-p"),
        ("--repetition-penalty", "nan", "--repetition-penalty"),
        ("--repetition-penalty", "-1", "--repetition-penalty"),
    ] {
        assert_fails_with(&run(GENERATE, &[model, "-p", "a", "-n", "4", &format!("{flag}={value}")], None), name);
    }
    assert_fails_with(&run(GENERATE, &[model, "-p", "a", "-n", "4", "--ram-budget-kib", "18014398509481985"], None), "--ram-budget-kib");
    let out = run(GENERATE, &[model, "-p", "a", "-n", "4", "-t", "0"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(GENERATE, &[model, "-p", "a", "-n", "4", "--ram-budget-kib", "1"], None);
    let stderr = assert_fails_with(&out, "bytes");
    assert!(stderr.contains("small.pllm") && stderr.contains("only 1024 bytes"), "{stderr}");
}

fn hf_fixture() -> (String, Vec<(String, Vec<u8>)>) {
    let config = std::fs::read_to_string(fixture("tiny_hf/config.json")).unwrap();
    let shard = std::fs::read(fixture("tiny_hf/model.safetensors")).unwrap();
    (config, vec![("model.safetensors".into(), shard)])
}

/// Re-saves the fixture with one tensor's shape (and data) replaced.
fn with_tensor(shards: &[(String, Vec<u8>)], name: &str, shape: Vec<usize>, data: Option<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    use safetensors::SafeTensors;
    use safetensors::tensor::TensorView;
    let st = SafeTensors::deserialize(&shards[0].1).unwrap();
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>, safetensors::Dtype)> = st
        .tensors()
        .into_iter()
        .map(|(n, v)| (n.clone(), v.shape().to_vec(), v.data().to_vec(), v.dtype()))
        .collect();
    for t in owned.iter_mut().filter(|t| t.0 == name) {
        t.1 = shape.clone();
        if let Some(data) = &data {
            t.2 = data.clone();
        }
    }
    let views: Vec<(String, TensorView)> = owned.iter().map(|(n, s, d, t)| (n.clone(), TensorView::new(*t, s.clone(), d).unwrap())).collect();
    vec![("model.safetensors".into(), safetensors::serialize(views, &None).unwrap())]
}

/// Class (silently wrong): safetensors tensors with the right element count but a wrong shape.
#[test]
fn safetensors_shapes_must_match_exactly() {
    let (config, shards) = hf_fixture();
    hf::read_model_parts(&config, &shards).unwrap();
    for (name, shape) in [
        ("model.layers.0.self_attn.q_proj.weight", vec![16, 64]), // 32×32 elements
        ("model.layers.1.mlp.down_proj.weight", vec![64, 32]),   // transposed 32×64
        ("model.layers.0.input_layernorm.weight", vec![2, 16]),  // 32 elements
        ("model.embed_tokens.weight", vec![64 * 32]),
    ] {
        let error = hf::read_model_parts(&config, &with_tensor(&shards, name, shape.clone(), None)).unwrap_err().to_string();
        assert!(error.contains(name) && error.contains(&format!("{shape:?}")), "{error}");
    }
    // Non-finite values are named too (they would otherwise surface later without a file name).
    let mut nan = vec![0u8; 32 * 4];
    nan[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
    let error = hf::read_model_parts(&config, &with_tensor(&shards, "model.norm.weight", vec![32], Some(nan))).unwrap_err().to_string();
    assert!(error.contains("model.norm.weight") && error.contains("element 2"), "{error}");
    // The same tensor in two shards.
    let twice = vec![shards[0].clone(), ("second.safetensors".into(), shards[0].1.clone())];
    let error = hf::read_model_parts(&config, &twice).unwrap_err().to_string();
    assert!(error.contains("also in model.safetensors"), "{error}");
}

/// Class (silently wrong): config.json integers beyond 32 bits were truncated and accepted; values
/// of the wrong type fell back to defaults.
#[test]
fn config_json_values_out_of_range_are_errors() {
    let (config, _) = hf_fixture();
    for (key, value, needle) in [
        ("num_key_value_heads", "4294967298", "num_key_value_heads = 4294967298 is out of range"), // was 2
        ("hidden_size", "4294967328", "hidden_size = 4294967328 is out of range"),
        ("num_attention_heads", "-4", "num_attention_heads = -4 is not a whole number"),
        ("rope_theta", "\"ten thousand\"", "rope_theta"),
        ("rope_theta", "1e40", "is not a finite 32-bit float"),
        ("rms_norm_eps", "-1.0", "norm_eps"),
        ("tie_word_embeddings", "\"yes\"", "tie_word_embeddings"),
        ("num_key_value_heads", "2.5", "num_key_value_heads"),
    ] {
        let start = config.find(&format!("\"{key}\"")).unwrap();
        let end = start + config[start..].find(['\n', ',']).unwrap();
        let edited = format!("{}\"{key}\": {value}{}", &config[..start], &config[end..]);
        let error = hf::parse_config(&edited).unwrap_err().to_string();
        assert!(error.contains(needle), "{key}={value}: {error}");
    }
    assert!(hf::parse_config("[1, 2]").unwrap_err().to_string().contains("not a JSON object"));
}

/// Class (silently wrong): a llama2.c checkpoint with bytes after its last tensor (a header that
/// does not describe the file) was accepted.
#[test]
fn llama2c_trailing_bytes_are_an_error() {
    let mut bytes = std::fs::read(fixture("tiny_shared.bin")).unwrap();
    llama2c::read_checkpoint(&bytes).unwrap();
    bytes.extend_from_slice(&[0; 4]);
    let error = llama2c::read_checkpoint(&bytes).unwrap_err().to_string();
    assert!(error.contains("4 bytes after its last tensor"), "{error}");
}

/// The settings file shipped on the demo's disc parses with the checked parser.
#[test]
fn shipped_llm_cfg_parses() {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/llm/disc/LLM.CFG")).unwrap();
    let mut settings = llm_engine::settings::Settings::default();
    settings.apply_file(&text).unwrap();
    assert_eq!((settings.steps, settings.temperature, settings.seed), (64, 0.0, 42));
}
