//! `llm-bench`: tokens per second of the portable engine on a synthetic model (default: a
//! stories15M-shaped Q8 model, ~15M parameters), all in RAM and streamed from a file.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use llm_engine::sampler::argmax;
use llm_engine::{InMemoryWeights, ModelConfig, StreamingWeights, Transformer, WeightSource, portable_kernels};
use llm_tools::convert::{choose_group_size, parse_quant};
use llm_tools::file_reader::FileReader;
use llm_tools::{Result, synth};

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

fn main() -> Result<()> {
    let cli = Cli::parse();
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
    let quant = parse_quant(&cli.quant)?;
    let path = cli.model_path.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("llm-bench-{}.pllm", std::process::id())));
    synth::write_synthetic(&mut BufWriter::new(File::create(&path)?), &config, quant, 7, |_| {})?;
    let tokens = cli.tokens.min(cli.seq_len as usize);

    let weights = InMemoryWeights::new(std::fs::read(&path)?)?;
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
        let weights = StreamingWeights::new(FileReader::open(&path)?, cli.stream_budget_mib << 20)?;
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
    if cli.model_path.is_none() {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
