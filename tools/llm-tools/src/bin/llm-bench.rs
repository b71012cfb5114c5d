//! `llm-bench`: tokens per second of the portable engine on a synthetic model (default: a
//! stories15M-shaped Q8 model, ~15M parameters), all in RAM and streamed from a file.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use llm_engine::sampler::argmax;
use llm_engine::{InMemoryWeights, ModelConfig, StreamingWeights, Transformer, WeightSource, portable_kernels};
use llm_tools::convert::{choose_group_size, parse_quant};
use llm_tools::file_reader::FileReader;
use llm_tools::{Result, error, synth};

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
    /// Also run streamed from the file with this RAM budget (MiB); 0 skips it.
    #[arg(long, default_value_t = 8)]
    stream_budget_mib: u64,
    /// Where to write the synthetic model (default: the system temp dir).
    #[arg(long)]
    model_path: Option<PathBuf>,
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

fn run(cli: Cli) -> Result<()> {
    let config = ModelConfig {
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
    };
    // Before anything derives a shape from it (head_size divides by n_heads).
    config.validate().map_err(|e| error(format!("model shape: {e}")))?;
    let quant = parse_quant(&cli.quant)?;
    let stream_budget = cli
        .stream_budget_mib
        .checked_mul(1 << 20)
        .ok_or_else(|| error(format!("--stream-budget-mib {}: more than 2^64 bytes", cli.stream_budget_mib)))?;
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

    if cli.stream_budget_mib > 0 {
        let weights = StreamingWeights::new(FileReader::open(&path)?, stream_budget)?;
        let plan = weights.plan().clone();
        let mut model = Transformer::new(weights, portable_kernels(&config))?;
        let streamed = run_tokens(&mut model, tokens)?;
        println!(
            "streamed: {streamed:.1} tok/s with a {} MiB budget ({:.1} MiB resident, {:.1} MiB read per token)",
            cli.stream_budget_mib,
            plan.resident_bytes as f64 / (1 << 20) as f64,
            plan.streamed_bytes_per_token as f64 / (1 << 20) as f64
        );
    }
    drop(temporary);
    Ok(())
}
