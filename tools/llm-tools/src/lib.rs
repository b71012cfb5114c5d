//! Host tools for `llm-engine`: readers for llama2.c and HuggingFace checkpoints and for
//! SentencePiece / llama2.c tokenizers, the converter to the engine's `PLLM` format, synthetic
//! model generation, and a file-backed [`llm_engine::TensorReader`].
//!
//! Binaries: `llm-convert`, `llm-generate`, `llm-bench`.

pub mod compare;
pub mod convert;
pub mod file_reader;
pub mod hf;
pub mod llama2c;
pub mod output;
pub mod sentencepiece;
pub mod synth;
pub mod tokenizer_bin;

/// Error type of the tools: a message for the user.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Builds an [`Error`] from a message.
pub fn error(message: impl Into<String>) -> Error {
    message.into().into()
}

/// Reads a whole input file; errors name the path, and a directory is said to be one (reading it
/// would fail with a bare "Is a directory", or worse, on some systems, yield bytes).
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    let metadata = std::fs::metadata(path).map_err(|e| error(format!("{}: {e}", path.display())))?;
    if metadata.is_dir() {
        return Err(error(format!("{}: is a directory, not a file", path.display())));
    }
    std::fs::read(path).map_err(|e| error(format!("{}: {e}", path.display())))
}
