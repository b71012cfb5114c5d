//! `llm-generate`: run a `PLLM` model from a prompt, printing tokens as they come, then tok/s.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use llm_engine::{
    Generation, InMemoryWeights, Kernels, SamplerConfig, StreamingWeights, Tokenizer, Transformer, WeightSource, load_tokenizer,
    portable_kernels,
};
use llm_tools::file_reader::FileReader;
use llm_tools::{Result, error};

#[derive(Parser)]
#[command(about = "Generate text with a PLLM model")]
struct Cli {
    /// Model file.
    model: PathBuf,
    /// Prompt text.
    #[arg(short, long, default_value = "")]
    prompt: String,
    /// Tokens to run in total (prompt included); capped by the model's sequence length.
    #[arg(short = 'n', long, default_value_t = 256)]
    steps: usize,
    /// Temperature (0 = greedy).
    #[arg(short, long, default_value_t = 0.8)]
    temperature: f32,
    /// Top-k (0 = off).
    #[arg(long, default_value_t = 0)]
    top_k: usize,
    /// Top-p (1 = off).
    #[arg(long, default_value_t = 0.9)]
    top_p: f32,
    /// Repetition penalty (1 = off) over the last 64 tokens.
    #[arg(long, default_value_t = 1.0)]
    repetition_penalty: f32,
    /// RNG seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Stream weights from the file with this RAM budget (KiB) instead of loading it whole.
    #[arg(long)]
    ram_budget_kib: Option<u64>,
    /// Write one line per position to this file: `pos next top1 top2 margin` (the token chosen after `pos`, the
    /// two highest logits' ids and their difference), for comparing another engine's greedy run with this one.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// The ids of the two highest logits and their difference.
fn top2(logits: &[f32]) -> (usize, usize, f32) {
    let (mut first, mut second) = (0, usize::MAX);
    for (i, &v) in logits.iter().enumerate().skip(1) {
        if v > logits[first] {
            second = first;
            first = i;
        } else if second == usize::MAX || v > logits[second] {
            second = i;
        }
    }
    let second = if second == usize::MAX { first } else { second };
    (first, second, logits[first] - logits[second])
}

fn generate<S: WeightSource, K: Kernels>(mut model: Transformer<S, K>, tokenizer: &Tokenizer, cli: &Cli) -> Result<()> {
    let config = *model.config();
    let mut generation = Generation::new(tokenizer, &cli.prompt, cli.steps, sampler_config(cli), &config)
        .map_err(|e| error(format!("--prompt: {e}")))?;
    let mut stdout = std::io::stdout();
    let mut started = None;
    let mut generated_after_first = 0usize;
    let mut trace = match &cli.trace {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| error(format!("{}: {e}", path.display())))?,
        )),
        None => None,
    };
    while let Some(step) = generation.step(&mut model)? {
        if let Some(trace) = &mut trace {
            let (top1, top2, margin) = top2(step.logits);
            writeln!(trace, "{} {} {top1} {top2} {margin}", step.pos, step.next)?;
        }
        if step.end {
            break;
        }
        write!(stdout, "{}", step.text)?;
        stdout.flush()?;
        // Time from the end of the first forward pass, as llama2.c does.
        match started {
            None => started = Some(Instant::now()),
            Some(_) => generated_after_first += 1,
        }
    }
    write!(stdout, "{}", generation.finish())?;
    println!();
    if let Some(mut trace) = trace {
        trace.flush()?;
    }
    if let Some(start) = started {
        let seconds = start.elapsed().as_secs_f64();
        if generated_after_first > 0 {
            eprintln!("achieved tok/s: {:.2} ({} tokens in {:.2} s)", generated_after_first as f64 / seconds, generated_after_first, seconds);
        }
    }
    Ok(())
}

fn sampler_config(cli: &Cli) -> SamplerConfig {
    SamplerConfig { temperature: cli.temperature, top_k: cli.top_k, top_p: cli.top_p, repetition_penalty: cli.repetition_penalty, seed: cli.seed }
}

fn run(cli: Cli) -> Result<()> {
    // Settings first: a bad one is reported before a large model is read.
    sampler_config(&cli).validate().map_err(|e| error(format!("--{}", e.to_string().trim_start_matches("bad setting ").replace('_', "-"))))?;
    let path = cli.model.display().to_string();
    let in_file = |e: llm_engine::EngineError| error(format!("{path}: {e}"));
    match cli.ram_budget_kib {
        None => {
            let bytes = llm_tools::read_file(&cli.model)?;
            let mut weights = InMemoryWeights::new(bytes).map_err(|e| in_file(e.into()))?;
            let tokenizer = load_tokenizer(&mut weights).map_err(in_file)?;
            let kernels = portable_kernels(&weights.info().config);
            let model = Transformer::new(weights, kernels).map_err(in_file)?;
            generate(model, &tokenizer, &cli)
        }
        Some(kib) => {
            let budget = kib.checked_mul(1024).ok_or_else(|| error(format!("--ram-budget-kib {kib}: more than 2^64 bytes")))?;
            let reader = FileReader::open(&cli.model)?;
            let mut weights = StreamingWeights::new(reader, budget).map_err(in_file)?;
            let plan = weights.plan().clone();
            eprintln!(
                "streaming: {} bytes resident, {} bytes of buffers, {} bytes read per token",
                plan.resident_bytes, plan.buffer_bytes, plan.streamed_bytes_per_token
            );
            let tokenizer = load_tokenizer(&mut weights).map_err(in_file)?;
            let kernels = portable_kernels(&weights.info().config);
            let model = Transformer::new(weights, kernels).map_err(in_file)?;
            generate(model, &tokenizer, &cli)
        }
    }
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("llm-generate: {e}");
        std::process::exit(1);
    }
}
