//! One story: the prompt fed through the model, then tokens sampled and shown as they come, with the
//! timing the status line reports.
//!
//! The loop is the engine's (`llm_engine::generate`), the one `llm-generate` runs on the host too, so the
//! end-to-end test can demand the same text from both.

use alloc::string::String;
use alloc::vec::Vec;

use llm_engine::{EngineError, Generation, Kernels, SamplerConfig, Tokenizer, Transformer, WeightSource};
use ps2_sys::clock::{Instant, cycles_to_duration};

/// Marks the start of the story in the serial log (the end-to-end test cuts the text out between markers).
pub const STORY_START: &str = "[story]";
/// Marks the end of the story in the serial log.
pub const STORY_END: &str = "[end of story]";
/// Starts the serial line (not shown on screen) after a story: `prompt=N` and the token chosen after each
/// position, as `llm-generate --trace` writes them.
pub const TOKENS_LINE: &str = "[llm-tokens]";

/// What a story cost, and its text.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The text as printed between the markers: the prompt, then what was generated.
    pub text: String,
    /// Tokens of the prompt (BOS included).
    pub prompt_tokens: usize,
    /// Forward passes run.
    pub positions: usize,
    /// Tokens sampled after the prompt.
    pub generated: usize,
    /// EE cycles spent in forward passes (disc waits included).
    pub forward_cycles: u64,
    /// EE cycles from the start to the first sampled token.
    pub first_token_cycles: u64,
    /// EE cycles from the first sampled token to the last.
    pub after_first_cycles: u64,
    /// Bytes the planner keeps in RAM and streams per token.
    pub resident_bytes: u64,
    /// Bytes read from the disc per token.
    pub streamed_bytes_per_token: u64,
    /// Whether the reader stopped the story before its end.
    pub stopped: bool,
}

impl Report {
    /// Generated tokens per second after the first one (the prompt is not counted, as in `llm-generate`).
    pub fn tokens_per_second(&self) -> f32 {
        let seconds = cycles_to_duration(self.after_first_cycles).as_secs_f32();
        if self.generated > 1 && seconds > 0.0 { (self.generated - 1) as f32 / seconds } else { 0.0 }
    }

    /// The status line: tokens, tok/s, time to first token, disc bytes read, resident vs streamed MB.
    pub fn status_line(&self, disc_bytes: u64) -> String {
        alloc::format!(
            "{} tokens ({} prompt + {} new) | {:.2} tok/s | first token {:.2} s | disc {:.2} MB read | {:.2} MB resident, {:.2} MB streamed/token",
            self.positions,
            self.prompt_tokens,
            self.generated,
            self.tokens_per_second(),
            cycles_to_duration(self.first_token_cycles).as_secs_f32(),
            disc_bytes as f32 / 1e6,
            self.resident_bytes as f32 / 1e6,
            self.streamed_bytes_per_token as f32 / 1e6,
        )
    }
}

/// Runs `prompt` and `steps` positions in total (prompt included), printing the text to the serial log and the GS
/// console as it is produced.
///
/// `stop` is asked after every token; when it says `true` the story ends there (the O button).
pub fn generate<S, K>(
    model: &mut Transformer<S, K>,
    tokenizer: &Tokenizer,
    prompt: &str,
    steps: usize,
    sampler_config: SamplerConfig,
    stop: &mut dyn FnMut() -> bool,
) -> Result<Report, EngineError>
where
    S: WeightSource + HasPlan,
    K: Kernels,
{
    let config = *model.config();
    let mut generation = Generation::new(tokenizer, prompt, steps, sampler_config, &config)?;
    let prompt_len = generation.prompt_tokens().len();
    let (resident_bytes, streamed_bytes_per_token) = model.source().plan_bytes();
    let mut report = Report { prompt_tokens: prompt_len, resident_bytes, streamed_bytes_per_token, ..Report::default() };
    let mut wrap = WordWrap::default();
    let start = Instant::now();
    let mut first_token_at = None;
    // The token chosen after each position (prompt tokens, then sampled ones; an end token included), for the
    // end-to-end test's comparison with the host engine.
    let mut chosen: Vec<u32> = Vec::with_capacity(generation.steps());

    ps2_sys::println!("{STORY_START}");
    ps2_gs_text::gs_println!();
    loop {
        let before = Instant::now();
        let Some(step) = generation.step(model)? else { break };
        report.forward_cycles += Instant::now().cycles_since(before);
        report.positions += 1;
        report.generated += step.sampled as usize;
        chosen.push(step.next);
        if step.end {
            break;
        }
        ps2_sys::print!("{}", step.text);
        report.text.push_str(step.text);
        wrap.push(step.text);
        if step.sampled && first_token_at.is_none() {
            let now = Instant::now();
            report.first_token_cycles = now.cycles_since(start);
            first_token_at = Some(now);
        }
        if stop() {
            report.stopped = true;
            break;
        }
    }
    let rest = generation.finish();
    ps2_sys::print!("{rest}");
    report.text.push_str(rest);
    wrap.push(rest);
    wrap.finish();
    ps2_sys::println!();
    ps2_sys::println!("{STORY_END}");
    ps2_sys::print!("{TOKENS_LINE} prompt={prompt_len}");
    for id in &chosen {
        ps2_sys::print!(" {id}");
    }
    ps2_sys::println!();
    if let Some(first) = first_token_at {
        report.after_first_cycles = Instant::now().cycles_since(first);
    }
    Ok(report)
}

/// Weight sources that can say how their bytes are split between RAM and the disc.
pub trait HasPlan {
    /// `(resident bytes, bytes streamed per token)`.
    fn plan_bytes(&self) -> (u64, u64);
}

impl<R: llm_engine::TensorReader> HasPlan for llm_engine::StreamingWeights<R> {
    fn plan_bytes(&self) -> (u64, u64) {
        (self.plan().resident_bytes, self.plan().streamed_bytes_per_token)
    }
}

/// Prints a line on the GS console with word wrap.
pub fn gs_println_wrapped(text: &str) {
    let mut wrap = WordWrap::default();
    wrap.push(text);
    wrap.finish();
}

/// Word wrap for the GS console: a word that would cross the right edge starts a new line instead (the
/// console itself would cut it). Text is held back only until its word is complete.
#[derive(Default)]
struct WordWrap {
    /// The word being assembled (no spaces or new lines).
    word: String,
}

impl WordWrap {
    fn push(&mut self, text: &str) {
        for ch in text.chars() {
            if ch == ' ' || ch == '\n' {
                self.flush_word();
                let mut buffer = [0u8; 4];
                ps2_gs_text::gs_print!("{}", ch.encode_utf8(&mut buffer));
            } else {
                self.word.push(ch);
            }
        }
    }

    fn flush_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let length = self.word.chars().count() as u16;
        let needs_break = ps2_gs_text::with_console(|console| {
            let (column, _) = console.position();
            column > 0 && column + length > console.columns()
        });
        if needs_break == Some(true) {
            ps2_gs_text::gs_println!();
        }
        ps2_gs_text::gs_print!("{}", self.word);
        self.word.clear();
    }

    fn finish(&mut self) {
        self.flush_word();
        ps2_gs_text::gs_println!();
    }
}
