//! A portable Llama inference engine for the PlayStation 2 Emotion Engine and the host.
//!
//! `no_std` + `alloc`. The pieces:
//! - [`format`]: the `PLLM` model file (header, tensor directory, sector-aligned tensors);
//! - [`quant`]: f32 / Q8 / Q4 / ternary storage and (de)quantization;
//! - [`weights`] and [`streaming`]: where tensor bytes come from — all in RAM, or a RAM budget
//!   with the rest streamed, double-buffered, through a [`streaming::TensorReader`];
//! - [`kernels`]: the math, behind the [`kernels::Kernels`] trait;
//! - [`transformer`]: the forward pass;
//! - [`tokenizer`] and [`sampler`];
//! - [`generate`]: the generation loop every front end runs.
//!
//! ```
//! use llm_engine::{InMemoryWeights, Sampler, SamplerConfig, Transformer, WeightSource};
//!
//! fn first_token(model_file: Vec<u8>, prompt: &str) -> Result<u32, llm_engine::EngineError> {
//!     let mut weights = InMemoryWeights::new(model_file)?;
//!     let tokenizer = llm_engine::load_tokenizer(&mut weights)?;
//!     let kernels = llm_engine::portable_kernels(&weights.info().config);
//!     let mut model = Transformer::new(weights, kernels)?;
//!     let mut ids = Vec::new();
//!     tokenizer.encode(prompt, true, false, &mut ids);
//!     let mut logits = Vec::new();
//!     for (pos, &id) in ids.iter().enumerate() {
//!         logits = model.forward(id, pos)?.to_vec();
//!     }
//!     let mut sampler = Sampler::new(SamplerConfig::default(), logits.len());
//!     Ok(sampler.sample(&mut logits, &ids))
//! }
//! ```
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod buffer;
pub mod crc32;
pub mod error;
pub mod format;
pub mod generate;
pub mod kernels;
pub mod quant;
pub mod sampler;
pub mod settings;
pub mod streaming;
pub mod tokenizer;
pub mod transformer;
pub mod weights;

pub use error::{EngineError, FormatError};
pub use format::{ModelConfig, ModelInfo, TensorRole};
pub use generate::{Generation, Step};
pub use kernels::{Kernels, PortableKernels};
pub use quant::Quant;
pub use sampler::{Sampler, SamplerConfig, XorShiftRng};
pub use streaming::{StreamingWeights, TensorReader};
pub use tokenizer::{TextDecoder, Tokenizer};
pub use transformer::Transformer;
pub use weights::{InMemoryWeights, WeightSource};

/// Loads the tokenizer stored in the model file.
pub fn load_tokenizer<S: WeightSource>(source: &mut S) -> Result<Tokenizer, EngineError> {
    let index = source
        .info()
        .find(TensorRole::Tokenizer, 0)
        .ok_or(FormatError::MissingTensor { tensor: error::TensorName { role: TensorRole::Tokenizer as u8, layer: 0 } })?;
    let vocab_size = source.info().config.vocab_size as usize;
    let tokenizer = Tokenizer::from_bytes(source.tensor(index)?)?;
    if tokenizer.vocab_size() > vocab_size {
        return Err(FormatError::BadTokenizer { reason: "more pieces than the model's vocabulary", at: tokenizer.vocab_size() as u64 }.into());
    }
    Ok(tokenizer)
}

/// Portable kernels with scratch sized for `config`.
pub fn portable_kernels(config: &ModelConfig) -> PortableKernels {
    PortableKernels::new(config.dim.max(config.hidden_dim) as usize)
}
