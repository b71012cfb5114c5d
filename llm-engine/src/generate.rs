//! The generation loop: the prompt fed through the model one position at a time, then tokens sampled. Every
//! front end (the EE demo, `llm-generate`) runs this one loop, so the same model, prompt and settings choose
//! the same tokens wherever they run; a front end only decides what to do with each [`Step`] (print it,
//! trace it, time it, stop early).
//!
//! ```
//! use llm_engine::generate::Generation;
//! use llm_engine::{InMemoryWeights, SamplerConfig, Transformer, WeightSource};
//!
//! fn story(model_file: Vec<u8>, prompt: &str) -> Result<String, llm_engine::EngineError> {
//!     let mut weights = InMemoryWeights::new(model_file)?;
//!     let tokenizer = llm_engine::load_tokenizer(&mut weights)?;
//!     let kernels = llm_engine::portable_kernels(&weights.info().config);
//!     let mut model = Transformer::new(weights, kernels)?;
//!     let config = *model.config();
//!     let mut generation = Generation::new(&tokenizer, prompt, 64, SamplerConfig::default(), &config)?;
//!     let mut text = String::new();
//!     while let Some(step) = generation.step(&mut model)? {
//!         text.push_str(step.text);
//!     }
//!     text.push_str(generation.finish());
//!     Ok(text)
//! }
//! ```

use alloc::vec;
use alloc::vec::Vec;

use crate::format::ModelConfig;
use crate::kernels::Kernels;
use crate::sampler::{Sampler, SamplerConfig};
use crate::tokenizer::{TextDecoder, Tokenizer};
use crate::transformer::Transformer;
use crate::weights::WeightSource;
use crate::EngineError;

/// How many recent tokens the repetition penalty looks at.
pub const PENALTY_WINDOW: usize = 64;

/// One position of a [`Generation`].
#[derive(Debug)]
pub struct Step<'g> {
    /// The position just run through the model.
    pub pos: usize,
    /// The token chosen after `pos`: the prompt's next token while the prompt lasts, then a sampled one.
    pub next: u32,
    /// Whether `next` was sampled (false while the prompt is being fed).
    pub sampled: bool,
    /// Whether `next` ends the text (the end token, or a new beginning-of-text token): `text` is then empty
    /// and this is the last step.
    pub end: bool,
    /// The model's logits at `pos`, before the sampler saw them.
    pub logits: &'g [f32],
    /// The text `next` completes (empty while a multi-byte character is still incomplete, and at the end).
    pub text: &'g str,
}

/// The state of one generated text: the prompt's tokens, the sampler, the recent tokens the repetition
/// penalty looks at, and the text decoder.
pub struct Generation<'t> {
    tokenizer: &'t Tokenizer,
    prompt: Vec<u32>,
    steps: usize,
    sampler: Sampler,
    history: Vec<u32>,
    logits: Vec<f32>,
    /// The sampler's working copy (it rescales and masks the logits it is given).
    scratch: Vec<f32>,
    decoder: TextDecoder,
    token: u32,
    pos: usize,
    ended: bool,
}

impl<'t> Generation<'t> {
    /// Encodes `prompt` (with the beginning-of-text token) and prepares `steps` positions in total, the
    /// prompt's included, capped by the model's sequence length.
    ///
    /// Fails when the settings are out of range or the tokenizer has no beginning-of-text token while the
    /// prompt is empty (there would be nothing to start from).
    pub fn new(
        tokenizer: &'t Tokenizer,
        prompt: &str,
        steps: usize,
        sampler: SamplerConfig,
        model: &ModelConfig,
    ) -> Result<Self, EngineError> {
        let mut ids = Vec::new();
        tokenizer.encode(prompt, true, false, &mut ids);
        let Some(&first) = ids.first() else {
            return Err(EngineError::Unsupported { reason: "the tokenizer has no BOS token: the prompt must not be empty" });
        };
        let vocab = model.vocab_size as usize;
        let steps = steps.min(model.seq_len as usize);
        Ok(Generation {
            tokenizer,
            sampler: Sampler::try_new(sampler, vocab)?,
            history: Vec::with_capacity(steps),
            logits: vec![0.0; vocab],
            scratch: vec![0.0; vocab],
            decoder: TextDecoder::new(),
            token: first,
            prompt: ids,
            steps,
            pos: 0,
            ended: false,
        })
    }

    /// The prompt's tokens, the beginning-of-text token first.
    pub fn prompt_tokens(&self) -> &[u32] {
        &self.prompt
    }

    /// The positions this generation runs at most (the prompt's included).
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Runs the next position through `model` and chooses the token after it; `None` once the text has
    /// ended or every position has run.
    pub fn step<S: WeightSource, K: Kernels>(&mut self, model: &mut Transformer<S, K>) -> Result<Option<Step<'_>>, EngineError> {
        if self.ended || self.pos >= self.steps {
            return Ok(None);
        }
        let pos = self.pos;
        self.logits.copy_from_slice(model.forward(self.token, pos)?);
        self.history.push(self.token);
        let sampled = pos + 1 >= self.prompt.len();
        let next = if sampled && crate::sampler::is_plain_argmax(self.sampler.config()) {
            // The sampler would not change the logits: no copy of them (32 000 floats for a Llama vocabulary).
            crate::sampler::argmax(&self.logits)
        } else if sampled {
            self.scratch.copy_from_slice(&self.logits);
            let recent = &self.history[self.history.len().saturating_sub(PENALTY_WINDOW)..];
            self.sampler.sample(&mut self.scratch, recent)
        } else {
            self.prompt[pos + 1]
        };
        let options = self.tokenizer.options();
        let end = Some(next) == options.eos_id || Some(next) == options.bos_id;
        let text = if end {
            self.ended = true;
            ""
        } else {
            self.decoder.push(self.tokenizer.decode_piece(Some(self.token), next))
        };
        self.token = next;
        self.pos += 1;
        Ok(Some(Step { pos, next, sampled, end, logits: &self.logits, text }))
    }

    /// The text still held back at the end (an incomplete character, as U+FFFD); call once after the last
    /// step.
    pub fn finish(&mut self) -> &str {
        self.decoder.finish()
    }
}
