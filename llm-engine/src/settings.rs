//! Generation settings as `key = value` text: the PS2 demo's `LLM.CFG` (lines, `#` comments) and its
//! `key=value` program arguments. Pure parsing, so that it is tested and fuzzed on the host.
//!
//! Every value is range-checked here, in 64 bits, before it reaches a 32-bit `usize` on the EE: a
//! setting that is out of range is an error naming the setting, never truncated or clamped.
//!
//! | key | default | rule |
//! |---|---|---|
//! | `model` | `MODEL\AUSTEN.PLM` | file on the disc, loaded first (the demo's menu can pick another) |
//! | `prompt`, `prompt2..4` | four Austen openings | any text |
//! | `steps` | 64 | 1..=2²⁰ positions, prompt included |
//! | `temperature` | 0 | finite, ≥ 0 (0 = greedy) |
//! | `top_p` | 0.9 | 0..=1 |
//! | `seed` | 42 | 0..2⁶⁴ |
//! | `kernels` | `r5900-fpu` | `portable`, `r5900`, `r5900-fpu`, `r5900-fpu-spr` |
//! | `budget_kib` | all free RAM | 0..=2⁴⁴ KiB (the product in bytes must fit 64 bits) |
//! | `interactive` | 1 | `1`/`yes`/`true` or `0`/`no`/`false` |
//! | `stories` | 0 | 0..2³² |

use alloc::string::{String, ToString};
use core::fmt;

use crate::sampler::SamplerConfig;

/// Most positions a run can ask for: the format's limit on `seq_len`.
pub const MAX_STEPS: u64 = 1 << 20;
/// Largest `budget_kib`: more than any machine, and `budget_kib × 1024` fits in 64 bits.
pub const MAX_BUDGET_KIB: u64 = 1 << 44;

/// Which kernels run the matrix products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelChoice {
    /// `llm_engine::PortableKernels`: plain Rust, soft-float on the EE.
    Portable,
    /// `llm_kernels_r5900::R5900Kernels`, bit-identical Q8 (MMI sums, portable scaling).
    R5900Exact,
    /// `R5900Kernels` with `Q8Scaling::Fpu`: the scales on the FPU (truncating, not bit-identical).
    R5900Fpu,
    /// `R5900Fpu` with the Q8 rows streamed through the scratchpad by DMA (`with_spr_streaming`): the same
    /// results as `R5900Fpu`.
    R5900FpuSpr,
}

/// Everything the demo can be told.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Model file on the disc, loaded first; the demo's pad menu can pick another one, and falls back to the
    /// first model in `MODEL\` when this one is missing.
    pub model: String,
    /// The prompt presets (the first one runs without a pad).
    pub prompts: [String; 4],
    /// Positions to run in total, prompt included (like `llm-generate -n`); 1..=[`MAX_STEPS`].
    pub steps: u32,
    /// Sampling temperature; `0` is greedy.
    pub temperature: f32,
    /// Top-p (nucleus) cut-off.
    pub top_p: f32,
    /// Sampler seed.
    pub seed: u64,
    /// Kernels to use.
    pub kernels: KernelChoice,
    /// Cap on the weight budget in KiB (to force streaming of a model that would fit); `None`: all free RAM.
    pub budget_kib: Option<u64>,
    /// Whether to offer the pad menu (presets, X to generate); without it the first prompt runs once.
    pub interactive: bool,
    /// End the program after this many stories (`0`: only when the pad is left idle).
    pub stories: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: "MODEL\\AUSTEN.PLM".to_string(),
            prompts: [
                "It is a truth universally acknowledged".to_string(),
                "Elizabeth walked into the garden".to_string(),
                "Mr. Darcy said".to_string(),
                "The ball at Netherfield".to_string(),
            ],
            steps: 64,
            temperature: 0.0,
            top_p: 0.9,
            seed: 42,
            kernels: KernelChoice::R5900Fpu,
            budget_kib: None,
            interactive: true,
            stories: 0,
        }
    }
}

/// A setting that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    /// The offending line or argument.
    pub text: String,
    /// Line number in the file (1-based), `None` for a program argument.
    pub line: Option<usize>,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long lines are cut so that a binary file given as LLM.CFG still gives a readable message.
        let mut text: String = self.text.chars().take(80).collect();
        if text.len() < self.text.len() {
            text.push_str("...");
        }
        match self.line {
            Some(line) => write!(f, "line {line}: bad setting {text:?}: {}", self.reason),
            None => write!(f, "bad setting {text:?}: {}", self.reason),
        }
    }
}

impl core::error::Error for SettingError {}

impl Settings {
    /// Applies every `key = value` line of a settings file; stops at the first bad line.
    pub fn apply_file(&mut self, text: &str) -> Result<(), SettingError> {
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            self.apply(line).map_err(|e| SettingError { line: Some(number + 1), ..e })?;
        }
        Ok(())
    }

    /// Applies one `key=value` setting. On error the settings are unchanged.
    pub fn apply(&mut self, setting: &str) -> Result<(), SettingError> {
        let error = |reason| SettingError { text: setting.to_string(), line: None, reason };
        let (key, value) = setting.split_once('=').ok_or(error("expected key=value"))?;
        let value = value.trim();
        let integer = |max: u64, reason| value.parse::<u64>().ok().filter(|&v| v <= max).ok_or(error(reason));
        let number = |reason| value.parse::<f32>().map_err(|_| error(reason));
        match key.trim() {
            "model" if value.is_empty() => return Err(error("model must name a file")),
            "model" => self.model = value.to_string(),
            "prompt" => self.prompts[0] = value.to_string(),
            "prompt2" => self.prompts[1] = value.to_string(),
            "prompt3" => self.prompts[2] = value.to_string(),
            "prompt4" => self.prompts[3] = value.to_string(),
            "steps" => {
                let steps = integer(MAX_STEPS, "steps must be a whole number from 1 to 1048576")?;
                if steps == 0 {
                    return Err(error("steps must be a whole number from 1 to 1048576"));
                }
                self.steps = steps as u32;
            }
            "temperature" => {
                let temperature = number("temperature must be a number")?;
                SamplerConfig { temperature, ..SamplerConfig::default() }
                    .validate()
                    .map_err(|_| error("temperature must be a finite number >= 0 (0 = greedy)"))?;
                self.temperature = temperature;
            }
            "top_p" => {
                let top_p = number("top_p must be a number")?;
                SamplerConfig { top_p, ..SamplerConfig::default() }
                    .validate()
                    .map_err(|_| error("top_p must be a number from 0 to 1"))?;
                self.top_p = top_p;
            }
            "seed" => self.seed = integer(u64::MAX, "seed must be a whole number below 2^64")?,
            "budget_kib" => self.budget_kib = Some(integer(MAX_BUDGET_KIB, "budget_kib must be a whole number of KiB up to 2^44")?),
            "interactive" => {
                self.interactive = match value {
                    "1" | "yes" | "true" => true,
                    "0" | "no" | "false" => false,
                    _ => return Err(error("interactive must be 1/yes/true or 0/no/false")),
                }
            }
            "stories" => self.stories = integer(u32::MAX as u64, "stories must be a whole number below 2^32")? as u32,
            "kernels" => {
                self.kernels = match value {
                    "portable" => KernelChoice::Portable,
                    "r5900" => KernelChoice::R5900Exact,
                    "r5900-fpu" => KernelChoice::R5900Fpu,
                    "r5900-fpu-spr" => KernelChoice::R5900FpuSpr,
                    _ => return Err(error("kernels must be portable, r5900, r5900-fpu or r5900-fpu-spr")),
                }
            }
            _ => return Err(error("unknown key")),
        }
        Ok(())
    }

    /// The weight budget cap in bytes (`budget_kib × 1024`, saturating).
    pub fn budget_bytes(&self) -> Option<u64> {
        self.budget_kib.map(|kib| kib.saturating_mul(1024))
    }

    /// The sampler settings, with `temperature` (the menu changes it).
    pub fn sampler(&self, temperature: f32) -> SamplerConfig {
        SamplerConfig { temperature, top_k: 0, top_p: self.top_p, repetition_penalty: 1.0, seed: self.seed }
    }
}
