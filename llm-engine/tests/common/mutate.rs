//! Deterministic mutations of valid inputs for the bounded mutation tests (here and in `llm-tools`):
//! bit flips, interesting bytes, field overwrites, truncations, extensions, copied chunks.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// xorshift64*, so the tests need nothing from the crate under test.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// 32-bit values that sit on the edges of the checks: zero, one, limits, 2²⁰ ± 1, NaN, infinities.
pub const INTERESTING_U32: [u32; 14] = [
    0,
    1,
    2,
    3,
    0xFFFF_FFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    1 << 20,
    (1 << 20) + 1,
    4096,
    2048,
    0x7FC0_0000, // NaN
    0x7F80_0000, // +inf
    0xFF80_0000, // -inf
];

/// Applies one to four random mutations to a copy of `valid`. `hot` is a byte range that gets half
/// of the in-place mutations (the header of a format, where the interesting fields are).
pub fn mutate(rng: &mut Rng, valid: &[u8], hot: std::ops::Range<usize>) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    let count = 1 + rng.below(4);
    for _ in 0..count {
        let len = bytes.len();
        let pick = |rng: &mut Rng, len: usize| {
            if rng.below(2) == 0 && hot.end.min(len) > hot.start { hot.start + rng.below(hot.end.min(len) - hot.start) } else { rng.below(len) }
        };
        match rng.below(8) {
            0 | 1 if len > 0 => {
                let at = pick(rng, len);
                bytes[at] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let at = pick(rng, len);
                bytes[at] = [0, 0xFF, 0x7F, 0x80, b'0', b'9', b'-', b'.', b'"', b'{', b'=', b'\n'][rng.below(12)];
            }
            3 if len >= 4 => {
                // Overwrite an aligned 32-bit field with a value on the edge of its checks.
                let at = pick(rng, len - 3) & !3;
                let value = INTERESTING_U32[rng.below(INTERESTING_U32.len())];
                bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
            4 => {
                let keep = rng.below(len + 1);
                bytes.truncate(keep);
            }
            5 => {
                let extra = 1 + rng.below(64);
                for _ in 0..extra {
                    bytes.push(rng.next() as u8);
                }
            }
            6 if len > 8 => {
                // Copy a chunk over another place (duplicates fields and entries).
                let size = 1 + rng.below(48.min(len / 2));
                let from = rng.below(len - size);
                let to = pick(rng, len - size).min(len - size);
                let chunk = bytes[from..from + size].to_vec();
                bytes[to..to + size].copy_from_slice(&chunk);
            }
            _ if len > 0 => {
                // Delete a few bytes in the middle (shifts every later field).
                let at = rng.below(len);
                let n = (1 + rng.below(8)).min(len - at);
                bytes.drain(at..at + n);
            }
            _ => bytes.push(rng.next() as u8),
        }
    }
    bytes
}

/// Runs `case` on `cases` mutations of `valid` and checks the bounds every case must keep: each one
/// returns within `per_case`, and every error message names what is wrong (`names_it`). Returns how
/// many cases were accepted.
#[allow(clippy::too_many_arguments)]
pub fn run_mutations<E: std::fmt::Display>(
    name: &str,
    valid: &[u8],
    hot: std::ops::Range<usize>,
    cases: usize,
    seed: u64,
    per_case: Duration,
    mut prepare: impl FnMut(&mut Rng, &mut Vec<u8>),
    mut case: impl FnMut(&[u8]) -> Result<(), E>,
    names_it: impl Fn(&str) -> bool,
) -> usize {
    let mut rng = Rng::new(seed);
    let mut accepted = 0;
    let mut slowest = Duration::ZERO;
    for round in 0..cases {
        let mut bytes = mutate(&mut rng, valid, hot.clone());
        prepare(&mut rng, &mut bytes);
        let start = Instant::now();
        let result = case(&bytes);
        let took = start.elapsed();
        slowest = slowest.max(took);
        assert!(took <= per_case, "{name}: case {round} took {took:?} (seed {seed})");
        match result {
            Ok(()) => accepted += 1,
            Err(error) => {
                let message = error.to_string();
                assert!(names_it(&message), "{name}: case {round}: the message does not say what is wrong: {message:?}");
            }
        }
    }
    eprintln!("{name}: {cases} cases, {accepted} accepted, slowest {slowest:?}");
    accepted
}
