//! The demo's settings: `LLM.CFG` on the disc (`key = value` lines, `#` comments), then the program's
//! arguments (`key=value`, e.g. from `cargo run --example llm -- steps=32`) on top.

use alloc::string::{String, ToString};
use core::fmt;

/// Which kernels run the matrix products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelChoice {
    /// `llm_engine::PortableKernels`: plain Rust, soft-float on the EE.
    Portable,
    /// `llm_kernels_r5900::R5900Kernels`, bit-identical Q8 (MMI sums, portable scaling).
    R5900Exact,
    /// `R5900Kernels` with `Q8Scaling::Fpu`: the scales on the FPU (truncating, not bit-identical).
    R5900Fpu,
}

/// Everything the demo can be told.
#[derive(Clone, Debug)]
pub struct Config {
    /// Model file on the disc.
    pub model: String,
    /// The prompt presets (the first one runs without a pad).
    pub prompts: [String; 4],
    /// Positions to run in total, prompt included (like `llm-generate -n`).
    pub steps: usize,
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

impl Default for Config {
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
pub struct ConfigError {
    /// The offending line or argument.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad setting {:?}: {}", self.text, self.reason)
    }
}

impl Config {
    /// Applies every `key = value` line of a config file.
    pub fn apply_file(&mut self, text: &str) -> Result<(), ConfigError> {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            self.apply(line)?;
        }
        Ok(())
    }

    /// Applies one `key=value` setting.
    pub fn apply(&mut self, setting: &str) -> Result<(), ConfigError> {
        let error = |reason| ConfigError { text: setting.to_string(), reason };
        let (key, value) = setting.split_once('=').ok_or(error("expected key=value"))?;
        let value = value.trim();
        let number = |reason| value.parse::<f32>().map_err(|_| error(reason));
        let integer = |reason| value.parse::<u64>().map_err(|_| error(reason));
        match key.trim() {
            "model" => self.model = value.to_string(),
            "prompt" => self.prompts[0] = value.to_string(),
            "prompt2" => self.prompts[1] = value.to_string(),
            "prompt3" => self.prompts[2] = value.to_string(),
            "prompt4" => self.prompts[3] = value.to_string(),
            "steps" => self.steps = integer("steps must be a whole number")?.max(1) as usize,
            "temperature" => self.temperature = number("temperature must be a number")?.max(0.0),
            "top_p" => self.top_p = number("top_p must be a number")?,
            "seed" => self.seed = integer("seed must be a whole number")?,
            "budget_kib" => self.budget_kib = Some(integer("budget_kib must be a whole number")?),
            "interactive" => self.interactive = matches!(value, "1" | "yes" | "true"),
            "stories" => self.stories = integer("stories must be a whole number")?.min(u32::MAX as u64) as u32,
            "kernels" => {
                self.kernels = match value {
                    "portable" => KernelChoice::Portable,
                    "r5900" => KernelChoice::R5900Exact,
                    "r5900-fpu" => KernelChoice::R5900Fpu,
                    _ => return Err(error("kernels must be portable, r5900 or r5900-fpu")),
                }
            }
            _ => return Err(error("unknown key")),
        }
        Ok(())
    }
}
