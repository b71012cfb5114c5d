//! Sampler statistics and the RNG's compatibility with llama2.c.

use llm_engine::sampler::argmax;
use llm_engine::{Sampler, SamplerConfig, XorShiftRng};

fn frequencies(config: SamplerConfig, logits: &[f32], draws: usize) -> Vec<f64> {
    let mut sampler = Sampler::new(config, logits.len());
    let mut counts = vec![0usize; logits.len()];
    let mut scratch = logits.to_vec();
    for _ in 0..draws {
        scratch.copy_from_slice(logits);
        counts[sampler.sample(&mut scratch, &[]) as usize] += 1;
    }
    counts.iter().map(|&c| c as f64 / draws as f64).collect()
}

fn softmax(logits: &[f32]) -> Vec<f64> {
    let max = logits.iter().fold(f32::MIN, |m, &v| m.max(v)) as f64;
    let exps: Vec<f64> = logits.iter().map(|&v| (v as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

const LOGITS: [f32; 6] = [1.0, 2.5, 0.3, 2.0, -1.0, 0.9];

fn config(temperature: f32, top_k: usize, top_p: f32) -> SamplerConfig {
    SamplerConfig { temperature, top_k, top_p, repetition_penalty: 1.0, seed: 1234 }
}

#[test]
fn rng_matches_llama2c_xorshift() {
    let mut rng = XorShiftRng::new(42);
    assert_eq!([rng.next_u32(), rng.next_u32(), rng.next_u32()], [1456360119, 3359763283, 3393612768]);
    let mut rng = XorShiftRng::new(7);
    for _ in 0..1000 {
        let v = rng.next_f32();
        assert!((0.0..1.0).contains(&v));
    }
}

#[test]
fn greedy_picks_the_argmax() {
    let mut sampler = Sampler::new(config(0.0, 0, 1.0), 6);
    assert_eq!(sampler.sample(&mut LOGITS.clone(), &[]), 1);
    assert_eq!(argmax(&LOGITS), 1);
}

#[test]
fn temperature_one_follows_the_softmax() {
    let got = frequencies(config(1.0, 0, 1.0), &LOGITS, 40_000);
    for (g, w) in got.iter().zip(softmax(&LOGITS)) {
        assert!((g - w).abs() < 0.01, "{got:?}");
    }
}

#[test]
fn temperature_sharpens_and_flattens() {
    let sharp = frequencies(config(0.5, 0, 1.0), &LOGITS, 20_000);
    let flat = frequencies(config(2.0, 0, 1.0), &LOGITS, 20_000);
    let base = softmax(&LOGITS);
    assert!(sharp[1] > base[1] + 0.05 && flat[1] < base[1] - 0.05, "{sharp:?} {flat:?}");
    let scaled: Vec<f32> = LOGITS.iter().map(|v| v / 2.0).collect();
    for (g, w) in flat.iter().zip(softmax(&scaled)) {
        assert!((g - w).abs() < 0.015);
    }
}

#[test]
fn top_k_keeps_only_the_k_best_in_proportion() {
    let got = frequencies(config(1.0, 2, 1.0), &LOGITS, 20_000);
    assert!(got.iter().enumerate().all(|(i, &f)| f == 0.0 || i == 1 || i == 3), "{got:?}");
    let ratio = got[1] / got[3];
    assert!((ratio - (0.5f64).exp()).abs() < 0.1, "ratio {ratio}");
}

#[test]
fn top_p_keeps_the_smallest_covering_set() {
    // Probabilities 0.5, 0.3, 0.15, 0.05: top-p 0.7 keeps the first two.
    let logits: Vec<f32> = [0.5f32, 0.3, 0.15, 0.05].iter().map(|p| p.ln()).collect();
    let got = frequencies(config(1.0, 0, 0.7), &logits, 20_000);
    assert_eq!(got[2] + got[3], 0.0, "{got:?}");
    assert!((got[0] - 0.625).abs() < 0.015, "{got:?}");
    // Large vocabulary: the geometric search must still find the right cut.
    let big: Vec<f32> = (0..5000).map(|i| -(i as f32) * 0.001).collect();
    let mut sampler = Sampler::new(config(1.0, 0, 0.5), big.len());
    for _ in 0..200 {
        let token = sampler.sample(&mut big.clone(), &[]);
        assert!(token < 2600, "token {token} outside the top-p set");
    }
}

#[test]
fn repetition_penalty_discourages_recent_tokens() {
    let mut sampler = Sampler::new(SamplerConfig { repetition_penalty: 1.2, ..config(0.0, 0, 1.0) }, 3);
    let mut logits = [2.0, 1.9, -1.0];
    assert_eq!(sampler.sample(&mut logits, &[0, 0, 0]), 1, "penalised once per distinct token");
    assert!((logits[0] - 2.0 / 1.2).abs() < 1e-6);
    let mut negative = [-1.0, -1.1, -5.0];
    let mut sampler = Sampler::new(SamplerConfig { repetition_penalty: 1.2, ..config(0.0, 0, 1.0) }, 3);
    assert_eq!(sampler.sample(&mut negative, &[0]), 1, "negative logits are multiplied");
}

#[test]
fn same_seed_same_sequence() {
    let run = || {
        let mut sampler = Sampler::new(config(0.9, 4, 0.95), 6);
        (0..50).map(|_| sampler.sample(&mut LOGITS.clone(), &[])).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

/// The integer-keyed argmax agrees with the float comparison `v > best` (first index on ties) on random
/// values, both zeros, infinities, subnormals and NaNs anywhere.
#[test]
fn argmax_matches_float_comparison() {
    fn by_float(values: &[f32]) -> u32 {
        let mut best = 0;
        for (i, &v) in values.iter().enumerate() {
            if v > values[best] {
                best = i;
            }
        }
        best as u32
    }
    let specials = [0.0, -0.0, 1.0, -1.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN, 1e-45, -1e-45, f32::MAX, f32::MIN];
    let mut state = 0x1234_5678u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    for case in 0..20_000 {
        let len = 1 + (next() % 9) as usize;
        let values: Vec<f32> = (0..len)
            .map(|_| match next() % 4 {
                0 => specials[(next() % specials.len() as u32) as usize],
                1 => f32::from_bits(next()),
                _ => ((next() % 7) as f32 - 3.0) * 0.5,
            })
            .collect();
        assert_eq!(argmax(&values), by_float(&values), "case {case}: {values:?}");
    }
    assert_eq!(argmax(&[]), 0);
}
