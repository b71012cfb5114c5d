//! `llm`: a small Llama model telling a story on the PlayStation 2 Emotion Engine.
//!
//! `cargo run --release --example llm` builds this program, packs a disc with `examples/llm/disc/` (the model
//! file `MODEL/AUSTEN.PLM` and the settings `LLM.CFG`, see `make_disc.sh`) and boots it in the simulator or
//! PCSX2. Top to bottom it shows the SDK's pieces working together:
//!
//! 1. **Console**: `ps2-gs-text` draws text on the GS; everything is also printed to the EE serial log.
//! 2. **Disc and settings**: `ps2-cdvd` opens the ISO9660 volume and lists the models in `MODEL\` (`models.rs`:
//!    name, size and the header's shape and storage format); `LLM.CFG` comes from the runner's host folder
//!    (`host:`, through `ps2-fileio`) when it holds one, else from the disc, and its `model` is loaded first.
//! 3. **Memory plan**: `ps2-alloc` says how much RAM is free; the KV cache, activations and scratch are
//!    reserved first, and the engine's residency planner keeps as many weight matrices in RAM as the rest
//!    allows. A model that fits is read from the disc once; one that does not streams every token.
//! 4. **Streaming**: [`disc_reader::CdvdTensorReader`] reads tensors as whole sector runs straight into the
//!    engine's 64-byte aligned buffers; the engine issues the next matrix's read before it multiplies the
//!    current one, so the drive works while the EE computes.
//! 5. **Generation**: `llm-engine`'s transformer with the R5900 kernels (`llm-kernels-r5900`, MMI for Q8) or
//!    the portable ones, then a status line with tokens, tok/s and time to first token on the COP0 clock,
//!    disc bytes read, and resident vs streamed megabytes.
//! 6. **Models**: LEFT/RIGHT in the pad menu pick another model; the next story frees the loaded one and loads
//!    that one the same way.
//! 7. **Saves**: SELECT after a story saves it on the memory card (`saves.rs`, `ps2-mc`): a save folder with
//!    `STORY.TXT`, an icon and `icon.sys`; TRIANGLE lists the saved stories.
//!
//! Settings (`LLM.CFG` or `key=value` arguments): see [`llm_engine::settings`].
#![no_std]
#![no_main]

extern crate alloc;

mod config;
mod controls;
mod disc_reader;
mod menu;
mod models;
mod saves;
mod story;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use embedded_io::Read;
use llm_engine::streaming::read_model_info;
use llm_engine::{
    EngineError, Kernels, ModelConfig, ModelInfo, StreamingWeights, Transformer, load_tokenizer, portable_kernels,
};
use llm_kernels_r5900::{Q8Scaling, R5900Kernels};
use ps2_alloc as _; // the global allocator
use ps2_cdvd::{Disc, DiscError};
use ps2_gs_text::VideoMode;

use ps2_pad::Buttons;

use crate::config::{Config, ConfigError, KernelChoice};
use crate::controls::Controls;
use crate::disc_reader::CdvdTensorReader;
use crate::menu::{Choice, Menu};
use crate::models::Model;
use crate::saves::{Saves, Story};

ps2_sys::entry!(main);

/// Prints to the EE serial log and the GS console at once.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = alloc::format!($($arg)*);
        ps2_sys::println!("{line}");
        $crate::story::gs_println_wrapped(&line);
    }};
}

/// Settings file in the disc's root directory (optional).
const CONFIG_FILE: &str = "LLM.CFG";
/// The settings file in the runner's host folder (`host:`), read before the disc's: the simulator's `--host-dir`
/// (`PS2_HOST_DIR` for `ps2-run`; by default the program's own folder), PCSX2's host root when its host file
/// system is on.
const HOST_CONFIG_FILE: &str = "host:LLM.CFG";

/// Heap kept free beyond the computed needs: allocator fragmentation, strings, the sampler's sort.
const SAFETY_MARGIN: u64 = 256 * 1024;

fn main() -> i32 {
    ps2_gs_text::init(VideoMode::NtscInterlaced);
    ps2_gs_text::install_panic_hook();
    say!("ps2-rs: a Llama on the Emotion Engine");
    match run() {
        Ok(()) => 0,
        Err(error) => {
            say!("error: {error}");
            1
        }
    }
}

/// Everything that can stop the demo, with what the user needs to know.
#[derive(Debug)]
enum DemoError {
    /// The disc or a file on it.
    Disc(DiscError),
    /// `LLM.CFG` or an argument.
    Config(ConfigError),
    /// The model file or its inference.
    Engine(EngineError),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Disc(e) => write!(f, "disc: {e}"),
            DemoError::Config(e) => write!(f, "settings: {e}"),
            DemoError::Engine(e) => write!(f, "model: {e}"),
        }
    }
}

impl From<DiscError> for DemoError {
    fn from(e: DiscError) -> Self {
        DemoError::Disc(e)
    }
}

impl From<ConfigError> for DemoError {
    fn from(e: ConfigError) -> Self {
        DemoError::Config(e)
    }
}

impl From<EngineError> for DemoError {
    fn from(e: EngineError) -> Self {
        DemoError::Engine(e)
    }
}

fn run() -> Result<(), DemoError> {
    // The disc: CDVDFSV on the IOP, then the ISO9660 volume.
    let mut disc = Disc::open()?;
    let config = load_config(&mut disc)?;

    // The pad: the ROM's pad driver on the IOP (the X modules, which the memory card needs too); then the card.
    // Without a pad the first prompt is told once; without a card the stories are not saved.
    let mut interactive = None;
    if config.interactive {
        match Controls::open() {
            Ok(controls) => {
                let saves = Saves::open(controls.modules());
                if let Err(reason) = &saves {
                    say!("memory card: {reason}: stories cannot be saved");
                }
                interactive = Some(Interactive { controls, saves });
            }
            Err(reason) => say!("no pad ({reason}): telling the first story once"),
        }
    }
    let catalog = models::catalog(&mut disc, &config.model)?;
    let mut session = Session {
        menu: Menu::new(&config, &catalog.models, catalog.default),
        told: 0,
        last_story: None,
        start_story: false,
        loaded: None,
    };
    // The loaded model's index; a model chosen in the menu replaces it (and is loaded the same way).
    let mut current = catalog.default;
    loop {
        match load_and_tell(&mut disc, &catalog.models[current], current, &config, &mut session, interactive.as_mut()) {
            Ok(None) => return Ok(()),
            Ok(Some(next)) => current = next,
            // A chosen model that cannot be loaded: back to the one before it.
            Err(e) => {
                let Some(back) = session.loaded.filter(|&loaded| loaded != current) else { return Err(e) };
                say!("model {} cannot be used ({e}): back to {}", catalog.models[current].path, catalog.models[back].path);
                session.menu.model = back;
                session.start_story = false;
                current = back;
            }
        }
    }
}

/// What lasts across models: the menu's choices, the stories told, and whether the model just loaded tells a story
/// at once (the reader pressed X with another model selected).
struct Session<'c> {
    menu: Menu<'c>,
    told: u32,
    last_story: Option<Story>,
    start_story: bool,
    /// The last model that loaded, to go back to when a chosen one fails.
    loaded: Option<usize>,
}

/// Loads `model` (number `index` in the menu) within the RAM left, then tells stories with it; returns the next
/// model's index when the menu picks another one, `None` when the demo ends.
fn load_and_tell(
    disc: &mut Disc,
    model: &Model,
    index: usize,
    config: &Config,
    session: &mut Session<'_>,
    interactive: Option<&mut Interactive>,
) -> Result<Option<usize>, DemoError> {
    let model_file = model.entry;
    say!("model {} on disc: {} KiB at sector {}", model.path, model_file.size / 1024, model_file.lsn);

    // The model's header and directory, to size what must stay free before weights get any RAM.
    let mut reader = CdvdTensorReader::new(disc.cdvd(), model_file.lsn, model_file.size as u64);
    let info = read_model_info(&mut reader)?;
    let free = ps2_alloc::stats().free as u64;
    let reserve = runtime_reserve(&info);
    if reserve > free {
        // Say so here: with no budget left the residency planner could only report its buffers.
        return Err(EngineError::OutOfMemory {
            what: "the KV cache, activations and logits (before any weights)",
            needed: reserve,
            available: Some(free),
        }
        .into());
    }
    let mut budget = free - reserve;
    if let Some(cap) = config.budget_bytes() {
        budget = budget.min(cap);
    }
    let c = &info.config;
    say!(
        "dim {} hidden {} layers {} heads {}/{} vocab {} seq {}; {:.1} MB of weights",
        c.dim,
        c.hidden_dim,
        c.n_layers,
        c.n_heads,
        c.n_kv_heads,
        c.vocab_size,
        c.seq_len,
        megabytes(info.weight_bytes())
    );
    say!("RAM: {} KiB free, {} KiB reserved for the KV cache and activations, budget {} KiB", free / 1024, reserve / 1024, budget / 1024);

    // Residency: resident tensors are read (and CRC-checked) now, the rest stream during generation.
    let load_start = ps2_sys::clock::Instant::now();
    let mut weights = StreamingWeights::new(reader, budget)?;
    let plan = weights.plan().clone();
    let tokenizer = load_tokenizer(&mut weights)?;
    let load_cycles = ps2_sys::clock::Instant::now().cycles_since(load_start);
    say!(
        "loaded in {:.2} s: {:.2} MB resident, {:.2} MB streamed per token ({} KiB of buffers)",
        ps2_sys::clock::cycles_to_duration(load_cycles).as_secs_f32(),
        megabytes(plan.resident_bytes),
        megabytes(plan.streamed_bytes_per_token),
        plan.buffer_bytes / 1024
    );

    // The kernels: one line picks them; the rest of the program does not care.
    let max_cols = c.dim.max(c.hidden_dim) as usize;
    match config.kernels {
        KernelChoice::Portable => tell(weights, portable_kernels(c), &tokenizer, config, load_cycles, index, session, interactive),
        KernelChoice::R5900Exact => tell(weights, R5900Kernels::new(max_cols), &tokenizer, config, load_cycles, index, session, interactive),
        KernelChoice::R5900Fpu | KernelChoice::R5900FpuSpr => {
            let spr = config.kernels == KernelChoice::R5900FpuSpr;
            let kernels = R5900Kernels::new(max_cols).with_q8_scaling(Q8Scaling::Fpu).with_spr_streaming(spr);
            tell(weights, kernels, &tokenizer, config, load_cycles, index, session, interactive)
        }
    }
}

/// The pad, and the memory card (or why there is none).
struct Interactive {
    controls: Controls,
    saves: Result<Saves, String>,
}

/// Builds the transformer, then tells stories: the first prompt once, or as the pad menu asks (and saves them on
/// the memory card). Returns the index of the model to load next when the reader asks for a story with another
/// model than this one (number `index`), `None` when the demo ends.
#[allow(clippy::too_many_arguments)]
fn tell<K: Kernels>(
    weights: StreamingWeights<CdvdTensorReader<'_>>,
    kernels: K,
    tokenizer: &llm_engine::Tokenizer,
    config: &Config,
    load_cycles: u64,
    index: usize,
    session: &mut Session<'_>,
    interactive: Option<&mut Interactive>,
) -> Result<Option<usize>, DemoError> {
    say!("kernels: {:?}", config.kernels);
    let mut model = Transformer::new(weights, kernels)?;
    session.loaded = Some(index);
    let Some(Interactive { controls, saves }) = interactive else {
        return one_story(&mut model, tokenizer, config, &session.menu, load_cycles, &mut || false).map(|_| None);
    };
    if let Ok(saves) = saves
        && session.told == 0
    {
        saves.show();
    }
    loop {
        let choice = if core::mem::take(&mut session.start_story) {
            Choice::Generate
        } else {
            session.menu.choose(controls, session.told > 0)
        };
        match choice {
            Choice::Generate if session.menu.model != index => {
                // The chosen model replaces this one: returning frees its weights, then it is loaded.
                say!("loading {} (freeing {})", session.menu.model().path, session.menu.models()[index].path);
                session.start_story = true;
                return Ok(Some(session.menu.model));
            }
            Choice::Generate => {
                let story = one_story(&mut model, tokenizer, config, &session.menu, load_cycles, &mut || {
                    controls.pressed().contains(Buttons::CIRCLE)
                })?;
                session.last_story = Some(story);
                session.told += 1;
                if config.stories != 0 && session.told >= config.stories {
                    return Ok(None);
                }
            }
            Choice::Save => match (&session.last_story, &mut *saves) {
                (None, _) => say!("no story to save yet: X tells one, then SELECT saves it"),
                (Some(_), Err(reason)) => say!("story not saved: {reason}"),
                (Some(story), Ok(saves)) => match saves.save(story) {
                    Ok(folder) => say!("story saved on the memory card: {folder}"),
                    Err(e) => say!("story not saved: {e}"),
                },
            },
            Choice::ListSaves => match saves {
                Ok(saves) => saves.show(),
                Err(reason) => say!("memory card: {reason}"),
            },
            Choice::Quit => return Ok(None),
        }
    }
}

/// Tells the menu's selected story and prints the status line (and the benchmark's line on serial); returns the
/// story, for saving.
fn one_story<S: llm_engine::WeightSource + story::HasPlan + ReaderStats, K: Kernels>(
    model: &mut Transformer<S, K>,
    tokenizer: &llm_engine::Tokenizer,
    config: &Config,
    menu: &Menu,
    load_cycles: u64,
    stop: &mut dyn FnMut() -> bool,
) -> Result<Story, DemoError> {
    let prompt = menu.prompt();
    say!("prompt: {prompt} (temperature {:.1})", menu.temperature);
    let sampler = config.sampler(menu.temperature);
    let loaded = model.source().read_stats();
    // A new story starts at position 0: the KV cache is simply overwritten.
    let report = story::generate(model, tokenizer, prompt, config.steps as usize, sampler, stop)?;
    let reader = model.source().read_stats();
    if report.stopped {
        say!("(stopped)");
    }
    say!("{}", report.status_line(reader.bytes));
    // One machine-readable line for the benchmark script.
    ps2_sys::println!(
        "[llm-bench] kernels={:?} positions={} generated={} prompt={} load_cycles={} forward_cycles={} first_token_cycles={} \
         resident_bytes={} streamed_bytes_per_token={} disc_bytes={} disc_wait_cycles={} reads={} \
         generation_disc_bytes={} generation_wait_cycles={}",
        config.kernels,
        report.positions,
        report.generated,
        report.prompt_tokens,
        load_cycles,
        report.forward_cycles,
        report.first_token_cycles,
        report.resident_bytes,
        report.streamed_bytes_per_token,
        reader.bytes,
        reader.wait_cycles,
        reader.reads,
        reader.bytes - loaded.bytes,
        reader.wait_cycles - loaded.wait_cycles
    );
    Ok(Story {
        prompt: String::from(prompt),
        temperature: menu.temperature,
        positions: report.positions,
        kernels: alloc::format!("{:?}", config.kernels),
        text: report.text,
    })
}

/// Weight sources that read from the disc and count it.
trait ReaderStats {
    /// The reader's statistics so far.
    fn read_stats(&self) -> disc_reader::ReadStats;
}

impl ReaderStats for StreamingWeights<CdvdTensorReader<'_>> {
    fn read_stats(&self) -> disc_reader::ReadStats {
        self.reader().stats()
    }
}

/// Reads `LLM.CFG` from `host:` when the runner gives a host folder holding one, else from the disc if it has
/// one, and says which; then applies the program's `key=value` arguments.
fn load_config(disc: &mut Disc) -> Result<Config, DemoError> {
    let mut config = Config::default();
    if let Some(text) = read_host_config() {
        say!("settings: {CONFIG_FILE} from host: (the runner's host folder)");
        config.apply_file(&text)?;
    } else {
        match disc.open_file(CONFIG_FILE) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                let mut chunk = [0u8; 512];
                loop {
                    let n = file.read(&mut chunk)?;
                    if n == 0 {
                        break;
                    }
                    bytes.extend_from_slice(&chunk[..n]);
                }
                say!("settings: {CONFIG_FILE} from the disc");
                config.apply_file(&String::from_utf8_lossy(&bytes))?;
            }
            Err(ps2_cdvd::iso9660::Error::NotFound { .. }) => {
                say!("settings: no {CONFIG_FILE} on host: or the disc: default settings")
            }
            Err(e) => return Err(e.into()),
        }
    }
    // The first argument is the program's own path.
    for argument in ps2_sys::rt::args().skip(1) {
        let text = String::from_utf8_lossy(argument);
        if text.contains('=') {
            config.apply(&text)?;
        }
    }
    Ok(config)
}

/// `host:LLM.CFG` through the ROM's FILEIO, or `None` when there is none: no `host:` device (a console booted
/// from a disc), no such file in the host folder, or one that cannot be read (said on screen; the disc's is used).
fn read_host_config() -> Option<String> {
    use ps2_fileio::{Errno, Error};
    let read = ps2_fileio::Fileio::new().and_then(|mut fs| fs.read(HOST_CONFIG_FILE));
    match read {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(Error::Io { errno: Errno::ENOENT | Errno::ENODEV | Errno::ENXIO, .. }) => None,
        Err(e) => {
            say!("settings: {HOST_CONFIG_FILE} cannot be read ({e}): trying the disc");
            None
        }
    }
}

/// Heap the forward pass needs besides the weights: what `Transformer::new` allocates (the KV cache,
/// activations, logits, norms; sized by the engine in 64 bits), the logits' copy and the sampler's
/// candidates, kernel scratch, the tokenizer's tables, and a margin. Saturating: a header asking for
/// more than 2^64 bytes is simply more than the free RAM.
fn runtime_reserve(info: &ModelInfo) -> u64 {
    let c: &ModelConfig = &info.config;
    let vocab = c.vocab_size as u64;
    let logits_copy_and_candidates = 4 * vocab + 8 * vocab;
    let kernel_scratch = 16 * c.dim.max(c.hidden_dim) as u64;
    // The tokenizer keeps its pieces and a lookup table: about three times its stored size.
    let tokenizer = info
        .tensors
        .iter()
        .filter(|t| t.role == llm_engine::TensorRole::Tokenizer)
        .fold(0u64, |sum, t| sum.saturating_add(t.byte_len.saturating_mul(3)));
    llm_engine::transformer::runtime_bytes(c)
        .saturating_add(logits_copy_and_candidates)
        .saturating_add(kernel_scratch)
        .saturating_add(tokenizer)
        .saturating_add(SAFETY_MARGIN)
}

/// Bytes as (decimal) megabytes.
fn megabytes(bytes: u64) -> f32 {
    bytes as f32 / 1_000_000.0
}
