//! `llm-bench`: tokens per second of the portable engine on a synthetic model (default: a
//! stories15M-shaped Q8 model, ~15M parameters), all in RAM and streamed from a file; with
//! `--compare DIR`, against llama2.c's `run`/`runq` on the demo model and a synthetic one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use llm_engine::sampler::argmax;
use llm_engine::{EngineError, InMemoryWeights, ModelConfig, Quant, TensorRole, StreamingWeights, Transformer, WeightSource, portable_kernels};
use llm_engine::streaming::plan_residency;
use llm_tools::compare::{Case, case, compare, format_comparison};
use llm_tools::convert::{choose_group_size, parse_quant};
use llm_tools::file_reader::FileReader;
use llm_tools::{Result, error, llama2c, synth, tokenizer_bin};

/// The trained demo model of this repository (llama2.c v0 f32 checkpoint and tokenizer.bin).
const DEMO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../model/release");

#[derive(Parser)]
#[command(about = "Benchmark the LLM engine on a synthetic model")]
struct Cli {
    #[arg(long, default_value_t = 288)]
    dim: u32,
    #[arg(long, default_value_t = 768)]
    hidden_dim: u32,
    #[arg(long, default_value_t = 6)]
    layers: u32,
    #[arg(long, default_value_t = 6)]
    heads: u32,
    #[arg(long, default_value_t = 32000)]
    vocab: u32,
    #[arg(long, default_value_t = 256)]
    seq_len: u32,
    #[arg(long, default_value = "q8")]
    quant: String,
    #[arg(long, default_value_t = 32)]
    group_size: u32,
    /// Tokens to generate per run.
    #[arg(long, default_value_t = 128)]
    tokens: usize,
    /// Also run streamed from the file with this RAM budget (MiB); 0 skips it. Default: half the
    /// model's weights, or the least streaming needs if that is more.
    #[arg(long)]
    stream_budget_mib: Option<u64>,
    /// Where to write the synthetic model (default: the system temp dir).
    #[arg(long)]
    model_path: Option<PathBuf>,
    /// Compare with llama2.c instead: DIR holds `run` and `runq` built from llama2.c's `run.c` and
    /// `runq.c` (`gcc -O3 -march=native -o run run.c -lm`; see `bench/compare-llama2c.sh`). Runs
    /// the demo model (f32 and Q8_0) and a synthetic model of the shape above (f32 and Q8_0).
    #[arg(long, value_name = "DIR")]
    compare: Option<PathBuf>,
    /// Rounds of the comparison (medians are reported).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Directory of the demo model for --compare (austen-v0-f32.bin, tokenizer.bin).
    #[arg(long, default_value = DEMO_DIR)]
    demo_dir: PathBuf,
    /// Group size of the llama2.c Q8_0 exports for --compare (halved until it divides dim, as
    /// llama2.c's export.py does).
    #[arg(long, default_value_t = 64)]
    compare_group_size: u32,
}

fn run_tokens<S: WeightSource>(model: &mut Transformer<S, llm_engine::PortableKernels>, tokens: usize) -> Result<f64> {
    let mut token = 1;
    let start = Instant::now();
    for pos in 0..tokens {
        token = argmax(model.forward(token, pos)?);
    }
    Ok(tokens as f64 / start.elapsed().as_secs_f64())
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("llm-bench: {e}");
        std::process::exit(1);
    }
}

fn synthetic_config(cli: &Cli) -> ModelConfig {
    ModelConfig {
        dim: cli.dim,
        hidden_dim: cli.hidden_dim,
        n_layers: cli.layers,
        n_heads: cli.heads,
        n_kv_heads: cli.heads,
        vocab_size: cli.vocab,
        seq_len: cli.seq_len,
        rope_theta: 10000.0,
        norm_eps: 1e-5,
        shared_classifier: true,
        group_size: choose_group_size(cli.group_size, cli.dim, cli.hidden_dim),
    }
}

const MIB: u64 = 1 << 20;

/// The streaming budget: the one asked for (checked against what streaming needs, so that the
/// error names the flag and the least that works) or, by default, half the weights, at least that
/// least. `None`: skip the streamed run.
fn stream_budget(requested_mib: Option<u64>, info: &llm_engine::ModelInfo) -> Result<Option<u64>> {
    if requested_mib == Some(0) {
        return Ok(None);
    }
    let wanted = match requested_mib {
        Some(mib) => mib.checked_mul(MIB).ok_or_else(|| error(format!("--stream-budget-mib {mib}: more than 2^64 bytes")))?,
        None => info.weight_bytes() / 2,
    };
    match plan_residency(info, wanted) {
        Ok(_) => Ok(Some(wanted)),
        Err(EngineError::OutOfMemory { needed, .. }) if needed != u64::MAX => match requested_mib {
            Some(mib) => Err(error(format!(
                "--stream-budget-mib {mib}: streaming this model needs at least {} MiB (two buffers of its largest streamed matrix and a row buffer)",
                needed.div_ceil(MIB)
            ))),
            None => Ok(Some(needed.div_ceil(MIB) * MIB)),
        },
        Err(e) => Err(e.into()),
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = synthetic_config(&cli);
    // Before anything derives a shape from it (head_size divides by n_heads).
    config.validate().map_err(|e| error(format!("model shape: {e}")))?;
    if let Some(dir) = &cli.compare {
        return compare_with_llama2c(&cli, &config, dir);
    }
    let quant = parse_quant(&cli.quant)?;
    // Without --model-path the model goes to a temporary file that is deleted however the run ends;
    // with it, the file is written atomically (a failed run leaves what was there).
    let temporary = match &cli.model_path {
        Some(_) => None,
        None => Some(tempfile::Builder::new().prefix("llm-bench-").suffix(".pllm").tempfile().map_err(|e| error(format!("temporary model file: {e}")))?),
    };
    let path = match (&cli.model_path, &temporary) {
        (Some(path), _) => path.clone(),
        (None, Some(file)) => file.path().to_path_buf(),
        (None, None) => unreachable!("one of them is set"),
    };
    llm_tools::output::write_atomically(&path, |file| synth::write_synthetic(file, &config, quant, 7, |_| {}))?;
    let tokens = cli.tokens.min(cli.seq_len as usize);

    let weights = InMemoryWeights::new(llm_tools::read_file(&path)?)?;
    let params = weights.info().parameter_count();
    let bytes = weights.info().weight_bytes();
    let stream_budget = stream_budget(cli.stream_budget_mib, weights.info())?;
    let kernels = portable_kernels(&config);
    let mut model = Transformer::new(weights, kernels)?;
    let in_ram = run_tokens(&mut model, tokens)?;
    println!(
        "model: {:.1}M params, {} {} (group {}), {:.1} MiB of weights",
        params as f64 / 1e6,
        cli.quant,
        if config.shared_classifier { "shared classifier" } else { "" },
        config.group_size,
        bytes as f64 / (1 << 20) as f64
    );
    println!("in RAM:   {in_ram:.1} tok/s over {tokens} tokens");

    if let Some(stream_budget) = stream_budget {
        let weights = StreamingWeights::new(FileReader::open(&path)?, stream_budget)?;
        let plan = weights.plan().clone();
        let mut model = Transformer::new(weights, portable_kernels(&config))?;
        let streamed = run_tokens(&mut model, tokens)?;
        println!(
            "streamed: {streamed:.1} tok/s with a {:.1} MiB budget ({:.1} MiB resident, {:.1} MiB read per token)",
            stream_budget as f64 / MIB as f64,
            plan.resident_bytes as f64 / (1 << 20) as f64,
            plan.streamed_bytes_per_token as f64 / (1 << 20) as f64
        );
    }
    drop(temporary);
    Ok(())
}

/// `--compare DIR`: the demo model and a synthetic one, f32 (`run`) and Q8_0 (`runq`).
fn compare_with_llama2c(cli: &Cli, synthetic: &ModelConfig, dir: &Path) -> Result<()> {
    let run = dir.join("run");
    let runq = dir.join("runq");
    for program in [&run, &runq] {
        if !program.is_file() {
            return Err(error(format!(
                "{}: not found; --compare needs llama2.c's run and runq built in that directory (gcc -O3 -march=native -o run run.c -lm; the same for runq.c)",
                program.display()
            )));
        }
    }
    let work = tempfile::Builder::new().prefix("llm-compare-").tempdir().map_err(|e| error(format!("temporary directory: {e}")))?;
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        let path = work.path().join(name);
        std::fs::write(&path, bytes).map_err(|e| error(format!("{}: {e}", path.display())))?;
        Ok(path)
    };
    let mut cases: Vec<Case> = Vec::new();

    // The demo model: llama2.c's own v0 file as trained and exported, and its Q8_0 export.
    let demo_checkpoint = cli.demo_dir.join("austen-v0-f32.bin");
    let demo_tokenizer = cli.demo_dir.join("tokenizer.bin");
    let demo = llama2c::read_checkpoint(&llm_tools::read_file(&demo_checkpoint)?).map_err(|e| error(format!("{}: {e}", demo_checkpoint.display())))?;
    let tokenizer = tokenizer_bin::load(&llm_tools::read_file(&demo_tokenizer)?, demo.config.vocab_size as usize, Some(1), Some(2))?;
    cases.push(case("demo f32", &run, &demo_checkpoint, &demo_tokenizer, &tokenizer, Quant::F32, 1)?);
    let (v2, group) = llama2c::write_v2(&demo, cli.compare_group_size as usize)?;
    let demo_q8 = write("demo-q8.bin", &v2)?;
    cases.push(case("demo q8", &runq, &demo_q8, &demo_tokenizer, &tokenizer, Quant::Q8, group as u32)?);

    // The synthetic model (stories15M's shape by default) and a tokenizer.bin covering its vocabulary.
    // Its classifier is separate: with random weights a shared one scores each token's own
    // embedding highest, so greedy decoding from BOS would generate BOS and stop at once.
    let synthetic = &ModelConfig { shared_classifier: false, ..*synthetic };
    let model = synth::source_model(synthetic, 7)?;
    let pieces = synth::synthetic_pieces(synthetic.vocab_size as usize, 7);
    let tokenizer = synth::synthetic_tokenizer(synthetic.vocab_size as usize, 7)?;
    let synth_tokenizer = write("synth-tokenizer.bin", &tokenizer_bin::encode(&pieces))?;
    // Named by its shape's size without the classifier (stories15M's shape: "15M").
    let label = format!("{:.0}M", model.tensors.iter().filter(|t| t.role != TensorRole::Classifier).map(|t| t.data.len()).sum::<usize>() as f64 / 1e6);
    let v0 = write("synth-f32.bin", &llama2c::write_v0(&model)?)?;
    cases.push(case(&format!("{label} f32"), &run, &v0, &synth_tokenizer, &tokenizer, Quant::F32, 1)?);
    let (v2, group) = llama2c::write_v2(&model, cli.compare_group_size as usize)?;
    let v2 = write("synth-q8.bin", &v2)?;
    cases.push(case(&format!("{label} q8"), &runq, &v2, &synth_tokenizer, &tokenizer, Quant::Q8, group as u32)?);
    drop(model);

    println!("llama2.c: {} and {}; engine: portable kernels; single thread, greedy from BOS, {} rounds", run.display(), runq.display(), cli.rounds);
    println!(
        "models: demo = {} ({} positions); {label} = synthetic dim {} hidden {} layers {} heads {} vocab {} seq_len {}, separate classifier; q8 = llama2.c Q8_0 export",
        demo_checkpoint.display(),
        demo.config.seq_len,
        synthetic.dim,
        synthetic.hidden_dim,
        synthetic.n_layers,
        synthetic.n_heads,
        synthetic.vocab_size,
        synthetic.seq_len
    );
    let results = compare(&cases, cli.rounds.max(1), |line| eprintln!("{line}"))?;
    print!("{}", format_comparison(&results));
    Ok(())
}
