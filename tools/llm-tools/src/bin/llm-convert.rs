//! `llm-convert`: llama2.c / HuggingFace checkpoints, or synthetic weights, to a `PLLM` model file.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use llm_engine::{ModelConfig, Tokenizer};
use llm_tools::convert::{SourceModel, choose_group_size, convert, format_report, parse_quant, TensorReport};
use llm_tools::output::write_atomically;
use llm_tools::{Result, error, hf, llama2c, sentencepiece, synth, tokenizer_bin};

#[derive(Parser)]
#[command(about = "Convert Llama checkpoints to the llm-engine PLLM format")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Output {
    /// Output model file.
    #[arg(short, long)]
    output: PathBuf,
    /// Weight quantization: f32, q8, q4 or ternary (norms always stay f32).
    #[arg(long, default_value = "q8")]
    quant: String,
    /// Elements per scale for q8/q4 (reduced by halving until it divides dim and hidden_dim).
    #[arg(long, default_value_t = 64)]
    group_size: u32,
    /// Do not print the per-tensor quantization error table.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct TokenizerArgs {
    /// Tokenizer: SentencePiece `tokenizer.model` or llama2.c `tokenizer.bin`.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// BOS id for a tokenizer.bin (it does not record it).
    #[arg(long, default_value_t = 1)]
    bos_id: u32,
    /// EOS id for a tokenizer.bin.
    #[arg(long, default_value_t = 2)]
    eos_id: u32,
}

#[derive(Subcommand)]
enum Command {
    /// A llama2.c checkpoint (v0 fp32, v1 fp32, v2 Q8_0).
    Llama2c {
        /// Checkpoint file.
        checkpoint: PathBuf,
        #[command(flatten)]
        tokenizer: TokenizerArgs,
        #[command(flatten)]
        output: Output,
    },
    /// A HuggingFace Llama directory (config.json + *.safetensors [+ tokenizer.model]).
    Hf {
        /// Model directory.
        dir: PathBuf,
        #[command(flatten)]
        tokenizer: TokenizerArgs,
        #[command(flatten)]
        output: Output,
    },
    /// A synthetic model with seeded random weights (default shape: stories15M).
    Synth {
        #[arg(long, default_value_t = 288)]
        dim: u32,
        #[arg(long, default_value_t = 768)]
        hidden_dim: u32,
        #[arg(long, default_value_t = 6)]
        layers: u32,
        #[arg(long, default_value_t = 6)]
        heads: u32,
        #[arg(long, default_value_t = 6)]
        kv_heads: u32,
        #[arg(long, default_value_t = 32000)]
        vocab: u32,
        #[arg(long, default_value_t = 256)]
        seq_len: u32,
        /// Use a separate classifier matrix instead of the embedding.
        #[arg(long)]
        unshared_classifier: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        output: Output,
    },
}

fn load_tokenizer(args: &TokenizerArgs, default_dir: Option<&Path>, vocab_size: usize) -> Result<Tokenizer> {
    let path = match (&args.tokenizer, default_dir) {
        (Some(path), _) => path.clone(),
        (None, Some(dir)) if dir.join("tokenizer.model").exists() => dir.join("tokenizer.model"),
        (None, Some(dir)) if dir.join("tokenizer.bin").exists() => dir.join("tokenizer.bin"),
        _ => return Err(error("no tokenizer: pass --tokenizer tokenizer.model|tokenizer.bin")),
    };
    let bytes = llm_tools::read_file(&path)?;
    if path.extension().is_some_and(|e| e == "model") {
        sentencepiece::load(&bytes)
    } else {
        tokenizer_bin::load(&bytes, vocab_size, Some(args.bos_id), Some(args.eos_id))
    }
}

fn progress(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("valid template"));
    bar
}

fn finish(output: &Output, report: &[TensorReport], config: &ModelConfig) {
    if !output.quiet {
        print!("{}", format_report(report));
    }
    let size = std::fs::metadata(&output.output).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} bytes): dim {} hidden {} layers {} heads {}/{} vocab {} seq {} group {}",
        output.output.display(),
        size,
        config.dim,
        config.hidden_dim,
        config.n_layers,
        config.n_heads,
        config.n_kv_heads,
        config.vocab_size,
        config.seq_len,
        config.group_size
    );
}

fn write_converted(mut model: SourceModel, tokenizer: &Tokenizer, output: &Output) -> Result<()> {
    let quant = parse_quant(&output.quant)?;
    model.config.group_size = choose_group_size(output.group_size, model.config.dim, model.config.hidden_dim);
    let bar = progress(model.tensors.len() + 1);
    let report = write_atomically(&output.output, |file| {
        convert(file, &model, tokenizer, quant, |name| {
            bar.set_message(name.to_string());
            bar.inc(1);
        })
    })?;
    bar.finish_and_clear();
    finish(output, &report, &model.config);
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Llama2c { checkpoint, tokenizer, output } => {
            let bytes = llm_tools::read_file(&checkpoint)?;
            let model = llama2c::read_checkpoint(&bytes).map_err(|e| error(format!("{}: {e}", checkpoint.display())))?;
            let tokenizer = load_tokenizer(&tokenizer, checkpoint.parent(), model.config.vocab_size as usize)?;
            write_converted(model, &tokenizer, &output)
        }
        Command::Hf { dir, tokenizer, output } => {
            let model = hf::read_model_dir(&dir)?;
            let tokenizer = load_tokenizer(&tokenizer, Some(&dir), model.config.vocab_size as usize)?;
            write_converted(model, &tokenizer, &output)
        }
        Command::Synth { dim, hidden_dim, layers, heads, kv_heads, vocab, seq_len, unshared_classifier, seed, output } => {
            let quant = parse_quant(&output.quant)?;
            let config = ModelConfig {
                dim,
                hidden_dim,
                n_layers: layers,
                n_heads: heads,
                n_kv_heads: kv_heads,
                vocab_size: vocab,
                seq_len,
                rope_theta: 10000.0,
                norm_eps: 1e-5,
                shared_classifier: !unshared_classifier,
                group_size: choose_group_size(output.group_size, dim, hidden_dim),
            };
            config.validate().map_err(|e| error(format!("synthetic model: {e}")))?;
            let bar = progress(layers as usize * 9 + 4);
            let report = write_atomically(&output.output, |file| {
                synth::write_synthetic(file, &config, quant, seed, |name| {
                    bar.set_message(name.to_string());
                    bar.inc(1);
                })
            })?;
            bar.finish_and_clear();
            finish(&output, &report, &config);
            Ok(())
        }
    }
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("llm-convert: {e}");
        std::process::exit(1);
    }
}
