//! Token sampling: greedy, temperature, top-k, top-p and repetition penalty, with a seedable
//! xorshift64* generator (llama2.c's). Per token the work is O(vocab) plus a sort of the few
//! surviving candidates; the whole vocabulary is never sorted. Buffers are allocated once.

use alloc::vec::Vec;

use crate::error::EngineError;

/// xorshift64* generator, bit-compatible with llama2.c's `random_u32` / `random_f32`.
#[derive(Clone, Debug)]
pub struct XorShiftRng {
    state: u64,
}

impl XorShiftRng {
    /// Seeds the generator (a zero seed is replaced, as xorshift must not start at zero).
    pub fn new(seed: u64) -> Self {
        Self { state: if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed } }
    }

    /// Next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// Uniform float in [0, 1) with 24 random bits.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / 16_777_216.0
    }
}

/// Sampling settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplerConfig {
    /// Softmax temperature; `0` means greedy (argmax).
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens; `0` disables.
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches `top_p`; `1` (or ≤ 0) disables.
    pub top_p: f32,
    /// Divides positive (multiplies negative) logits of recently seen tokens; `1` disables.
    pub repetition_penalty: f32,
    /// RNG seed.
    pub seed: u64,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self { temperature: 1.0, top_k: 0, top_p: 0.9, repetition_penalty: 1.0, seed: 42 }
    }
}

impl SamplerConfig {
    /// Checks the ranges: `temperature` finite and ≥ 0, `top_p` in `[0, 1]`, `repetition_penalty`
    /// finite and > 0. A NaN or negative value would otherwise sample silently wrong (a NaN
    /// temperature makes every probability NaN).
    pub fn validate(&self) -> Result<(), EngineError> {
        let bad = |setting, value, rule| Err(EngineError::BadSetting { setting, value, rule });
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return bad("temperature", self.temperature, "must be a finite number >= 0 (0 = greedy)");
        }
        if !(self.top_p.is_finite() && (0.0..=1.0).contains(&self.top_p)) {
            return bad("top_p", self.top_p, "must be a number from 0 to 1 (0 or 1 = off)");
        }
        if !(self.repetition_penalty.is_finite() && self.repetition_penalty > 0.0) {
            return bad("repetition_penalty", self.repetition_penalty, "must be a finite number > 0 (1 = off)");
        }
        Ok(())
    }
}

/// A sampler with its RNG and candidate buffer.
#[derive(Clone, Debug)]
pub struct Sampler {
    config: SamplerConfig,
    rng: XorShiftRng,
    candidates: Vec<(f32, u32)>,
}

fn by_value_descending(a: &(f32, u32), b: &(f32, u32)) -> core::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

impl Sampler {
    /// A sampler for a vocabulary of `vocab_size` tokens. The settings are not checked: for
    /// settings a user gave, use [`Sampler::try_new`].
    pub fn new(config: SamplerConfig, vocab_size: usize) -> Self {
        Self { config, rng: XorShiftRng::new(config.seed), candidates: Vec::with_capacity(vocab_size) }
    }

    /// A sampler for settings a user gave: [`SamplerConfig::validate`] first.
    pub fn try_new(config: SamplerConfig, vocab_size: usize) -> Result<Self, EngineError> {
        config.validate()?;
        Ok(Self::new(config, vocab_size))
    }

    /// The settings.
    pub fn config(&self) -> &SamplerConfig {
        &self.config
    }

    /// Picks the next token. `logits` is modified (penalty, temperature). `recent` holds the
    /// tokens the repetition penalty applies to (each distinct token is penalised once).
    pub fn sample(&mut self, logits: &mut [f32], recent: &[u32]) -> u32 {
        let penalty = self.config.repetition_penalty;
        if penalty > 0.0 && penalty != 1.0 {
            for (i, &token) in recent.iter().enumerate() {
                if recent[..i].contains(&token) {
                    continue;
                }
                if let Some(logit) = logits.get_mut(token as usize) {
                    *logit = if *logit > 0.0 { *logit / penalty } else { *logit * penalty };
                }
            }
        }
        if self.config.temperature <= 0.0 || logits.len() <= 1 {
            return argmax(logits);
        }
        let inverse_temperature = 1.0 / self.config.temperature;
        self.candidates.clear();
        self.candidates.extend(logits.iter().enumerate().map(|(i, &l)| (l * inverse_temperature, i as u32)));
        let top_k = self.config.top_k;
        if top_k > 0 && top_k < self.candidates.len() {
            self.candidates.select_nth_unstable_by(top_k - 1, by_value_descending);
            self.candidates.truncate(top_k);
        }
        // Softmax over the candidates.
        let max = self.candidates.iter().fold(f32::NEG_INFINITY, |m, c| m.max(c.0));
        let mut sum = 0.0;
        for candidate in &mut self.candidates {
            candidate.0 = libm::expf(candidate.0 - max);
            sum += candidate.0;
        }
        for candidate in &mut self.candidates {
            candidate.0 /= sum;
        }
        let top_p = self.config.top_p;
        if top_p > 0.0 && top_p < 1.0 {
            self.truncate_to_top_p(top_p);
        }
        let mass: f32 = self.candidates.iter().map(|c| c.0).sum();
        let coin = self.rng.next_f32() * mass;
        let mut cumulative = 0.0;
        for &(probability, token) in &self.candidates {
            cumulative += probability;
            if coin < cumulative {
                return token;
            }
        }
        self.candidates.last().map_or(0, |c| c.1)
    }

    /// Keeps the most likely candidates until their mass reaches `top_p`. Selects the top `m`
    /// (O(n) quickselect) and sorts only those, growing `m` geometrically if their mass is short.
    fn truncate_to_top_p(&mut self, top_p: f32) {
        let n = self.candidates.len();
        let mut m = n.min(32);
        loop {
            if m < n {
                self.candidates.select_nth_unstable_by(m - 1, by_value_descending);
            }
            self.candidates[..m].sort_unstable_by(by_value_descending);
            let mut cumulative = 0.0;
            for i in 0..m {
                cumulative += self.candidates[i].0;
                if cumulative >= top_p {
                    self.candidates.truncate(i + 1);
                    return;
                }
            }
            if m == n {
                return;
            }
            m = n.min(m * 4);
        }
    }
}

/// Index of the largest value (first on ties; NaNs are never chosen over a number, and a NaN
/// first value is never replaced, as with `v > best` comparisons).
///
/// The comparison is done on the bit patterns (an order-preserving map to integers, with -0
/// equal to +0), which gives the same answer as float compares and costs no soft-float call on
/// targets without an FPU in compiled code (the PS2's EE: 32 000 logits per token).
pub fn argmax(values: &[f32]) -> u32 {
    let Some(&first) = values.first() else { return 0 };
    let (mut best, mut best_key) = (0, order_key(first.to_bits()));
    if first.is_nan() {
        return 0;
    }
    for (i, &v) in values.iter().enumerate().skip(1) {
        let bits = v.to_bits();
        let key = order_key(bits);
        // A NaN's magnitude bits exceed infinity's (0x7F80_0000); it never wins.
        if key > best_key && bits & 0x7FFF_FFFF <= 0x7F80_0000 {
            (best, best_key) = (i, key);
        }
    }
    best as u32
}

/// Maps float bits to integers in the floats' order: negatives reversed below positives, both zeros to
/// the same key.
fn order_key(bits: u32) -> u32 {
    if bits & 0x7FFF_FFFF == 0 {
        0x8000_0000
    } else if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// Whether [`Sampler::sample`] would pick [`argmax`] of the logits without changing them (greedy, no
/// repetition penalty), so a caller can skip copying them.
pub fn is_plain_argmax(config: &SamplerConfig) -> bool {
    config.temperature <= 0.0 && !(config.repetition_penalty > 0.0 && config.repetition_penalty != 1.0)
}
