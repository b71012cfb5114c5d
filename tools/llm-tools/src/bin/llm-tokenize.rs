//! `llm-tokenize`: encode text lines with a tokenizer (`tokenizer.model`, `tokenizer.bin` or the
//! tokenizer inside a `PLLM` model) and print the ids, one line of ids per input line.
//! Useful to compare with SentencePiece's own encoder.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Parser;
use llm_engine::{InMemoryWeights, load_tokenizer};
use llm_tools::{Result, error, sentencepiece, tokenizer_bin};

#[derive(Parser)]
#[command(about = "Encode lines of standard input with a tokenizer and print the ids")]
struct Cli {
    /// `tokenizer.model`, `tokenizer.bin` (needs --vocab-size) or a `.pllm` model.
    tokenizer: PathBuf,
    /// Vocabulary size, for a `tokenizer.bin`.
    #[arg(long)]
    vocab_size: Option<usize>,
    /// Prepend BOS.
    #[arg(long)]
    bos: bool,
}

fn run(cli: Cli) -> Result<()> {
    let bytes = std::fs::read(&cli.tokenizer).map_err(|e| error(format!("{}: {e}", cli.tokenizer.display())))?;
    let tokenizer = match cli.tokenizer.extension().and_then(|e| e.to_str()) {
        Some("model") => sentencepiece::load(&bytes)?,
        Some("bin") => {
            let vocab = cli.vocab_size.ok_or_else(|| error("a tokenizer.bin needs --vocab-size"))?;
            tokenizer_bin::load(&bytes, vocab, Some(1), Some(2))?
        }
        _ => load_tokenizer(&mut InMemoryWeights::new(bytes)?)?,
    };
    let mut ids = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        ids.clear();
        tokenizer.encode(&line, cli.bos, false, &mut ids);
        let text: Vec<String> = ids.iter().map(u32::to_string).collect();
        println!("{}", text.join(" "));
    }
    Ok(())
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("llm-tokenize: {e}");
        std::process::exit(1);
    }
}
