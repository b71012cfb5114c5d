//! Speed against llama2.c: the same model run by llama2.c's `run` (f32) or `runq` (Q8_0) and by
//! the engine's portable kernels, single-threaded, alternately, several rounds.
//!
//! Both sides do what `run.c`'s generation loop does: start from BOS at position 0, take the
//! greedy (argmax) token, stop at BOS or after `seq_len` positions, and time from the end of the
//! first forward pass (`tok/s = (positions − 1) / elapsed`). llama2.c reports its figure on stderr
//! (`achieved tok/s: X`); the engine runs in this process. Each model is given to llama2.c in its
//! own format (v0 for `run`, v2 Q8_0 for `runq`, written by [`crate::llama2c`]) and to the engine
//! converted from that same file, so both compute with the same weights (Q8: the same codes and
//! scales).

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use llm_engine::sampler::argmax;
use llm_engine::{InMemoryWeights, Quant, Tokenizer, Transformer, WeightSource, portable_kernels};

use crate::convert::{SourceModel, convert};
use crate::{Result, error, llama2c};

/// BOS: llama2.c starts from it and stops when it is generated.
const BOS: u32 = 1;

/// One model to run on both sides.
pub struct Case {
    /// Name in the report, e.g. `demo f32`.
    pub name: String,
    /// The llama2.c program (`run` or `runq`).
    pub program: PathBuf,
    /// The llama2.c checkpoint it reads.
    pub checkpoint: PathBuf,
    /// The llama2.c `tokenizer.bin` (it needs one, even without a prompt).
    pub tokenizer: PathBuf,
    /// The same model as a `PLLM` file in memory.
    pub engine_model: Vec<u8>,
}

/// Builds a case: converts `checkpoint` (a llama2.c file) to the engine's format in `quant` with
/// `group_size`, reading it back with [`llama2c::read_checkpoint`] as llama2.c would.
pub fn case(name: &str, program: &Path, checkpoint: &Path, tokenizer_path: &Path, tokenizer: &Tokenizer, quant: Quant, group_size: u32) -> Result<Case> {
    let bytes = crate::read_file(checkpoint)?;
    let mut model: SourceModel = llama2c::read_checkpoint(&bytes).map_err(|e| error(format!("{}: {e}", checkpoint.display())))?;
    model.config.group_size = group_size;
    let mut out = Cursor::new(Vec::new());
    convert(&mut out, &model, tokenizer, quant, |_| {})?;
    Ok(Case {
        name: name.to_string(),
        program: program.to_path_buf(),
        checkpoint: checkpoint.to_path_buf(),
        tokenizer: tokenizer_path.to_path_buf(),
        engine_model: out.into_inner(),
    })
}

/// Tokens per second of one run and how many positions it ran.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Speed {
    /// `(positions − 1) / seconds after the first forward pass`.
    pub tokens_per_second: f64,
    /// Positions run (the first included).
    pub positions: usize,
}

/// Runs the engine's portable kernels on `model` as llama2.c's generation loop does (see the
/// module documentation).
pub fn engine_speed(model: &[u8]) -> Result<Speed> {
    let weights = InMemoryWeights::new(model)?;
    let config = weights.info().config;
    let mut transformer = Transformer::new(weights, portable_kernels(&config))?;
    let (mut token, mut pos, mut start) = (BOS, 0, None);
    while pos < config.seq_len as usize {
        let next = argmax(transformer.forward(token, pos)?);
        pos += 1;
        if next == BOS {
            break;
        }
        token = next;
        start.get_or_insert_with(Instant::now);
    }
    let seconds = start.map_or(0.0, |s: Instant| s.elapsed().as_secs_f64());
    if pos < 2 || seconds <= 0.0 {
        return Err(error(format!("the engine ran {pos} positions: too few to time (the model generated BOS at once)")));
    }
    Ok(Speed { tokens_per_second: (pos - 1) as f64 / seconds, positions: pos })
}

/// The figure of llama2.c's `achieved tok/s: X` line in `stderr`.
pub fn parse_llama2c_speed(stderr: &str) -> Option<f64> {
    stderr.lines().find_map(|line| line.strip_prefix("achieved tok/s:")).and_then(|v| v.trim().parse().ok())
}

/// Runs llama2.c greedily over the whole sequence (`-t 0 -n 0`, no prompt) and returns its
/// reported speed.
pub fn llama2c_speed(case: &Case) -> Result<f64> {
    let output = Command::new(&case.program)
        .arg(&case.checkpoint)
        .args(["-t", "0", "-n", "0", "-z"])
        .arg(&case.tokenizer)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("OMP_NUM_THREADS", "1")
        .output()
        .map_err(|e| error(format!("{}: {e}", case.program.display())))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(error(format!("{} {} failed ({}): {}", case.program.display(), case.checkpoint.display(), output.status, stderr.trim())));
    }
    parse_llama2c_speed(&stderr).ok_or_else(|| {
        error(format!("{} printed no \"achieved tok/s\" line (it stops at once when the first token is BOS): {}", case.program.display(), stderr.trim()))
    })
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Result of one case over all rounds.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Case name.
    pub name: String,
    /// llama2.c's speed per round.
    pub llama2c: Vec<f64>,
    /// The engine's speed per round.
    pub engine: Vec<f64>,
    /// Positions the engine ran (llama2.c runs the same when its greedy tokens are ours).
    pub positions: usize,
}

impl Comparison {
    /// `median(engine) / median(llama2c)`: above 1 the engine is faster.
    pub fn ratio(&self) -> f64 {
        median(&self.engine) / median(&self.llama2c)
    }
}

/// Runs every case `rounds` times, llama2.c and the engine alternately (who goes first swaps
/// each round, so neither always runs on a warmer or cooler machine). `progress` is told each
/// measurement.
pub fn compare(cases: &[Case], rounds: usize, mut progress: impl FnMut(&str)) -> Result<Vec<Comparison>> {
    let mut results: Vec<Comparison> =
        cases.iter().map(|c| Comparison { name: c.name.clone(), llama2c: Vec::new(), engine: Vec::new(), positions: 0 }).collect();
    for round in 0..rounds {
        for (case, result) in cases.iter().zip(results.iter_mut()) {
            let mut measure_engine = || -> Result<()> {
                let speed = engine_speed(&case.engine_model)?;
                result.positions = speed.positions;
                result.engine.push(speed.tokens_per_second);
                Ok(())
            };
            if round % 2 == 0 {
                result.llama2c.push(llama2c_speed(case)?);
                measure_engine()?;
            } else {
                measure_engine()?;
                result.llama2c.push(llama2c_speed(case)?);
            }
            progress(&format!(
                "round {}/{rounds} {}: llama2.c {:.1} tok/s, engine {:.1} tok/s",
                round + 1,
                case.name,
                result.llama2c.last().copied().unwrap_or(f64::NAN),
                result.engine.last().copied().unwrap_or(f64::NAN)
            ));
        }
    }
    Ok(results)
}

/// The report table: medians, ratio, and the spread of the per-round ratios.
pub fn format_comparison(results: &[Comparison]) -> String {
    let mut text = format!("{:<10} {:>16} {:>16} {:>8} {:>17} {:>10}\n", "case", "llama2.c tok/s", "engine tok/s", "ratio", "round ratios", "positions");
    for r in results {
        let ratios: Vec<f64> = r.engine.iter().zip(&r.llama2c).map(|(e, l)| e / l).collect();
        let (low, high) = ratios.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        text += &format!(
            "{:<10} {:>16.1} {:>16.1} {:>7.2}x {:>17} {:>10}\n",
            r.name,
            median(&r.llama2c),
            median(&r.engine),
            r.ratio(),
            format!("{low:.2}..{high:.2}"),
            r.positions
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama2c_speed_line_is_found_among_others() {
        assert_eq!(parse_llama2c_speed("something\nachieved tok/s: 279.735683\n"), Some(279.735683));
        assert_eq!(parse_llama2c_speed("achieved tok/s: fast"), None);
        assert_eq!(parse_llama2c_speed(""), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
