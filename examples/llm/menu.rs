//! The pad menu: D-pad up/down picks one of the prompt presets, D-pad left/right picks one of the models on the
//! disc (loaded when the next story starts), L1/R1 lower/raise the temperature, X tells the story, SELECT saves the story just told on the memory card, TRIANGLE lists the saved ones, START ends the
//! program. Left alone it starts the selected story by itself (so a headless run still shows one), and after a
//! story it ends the program when nobody touches the pad.

use core::time::Duration;

use ps2_pad::Buttons;
use ps2_sys::clock::{self, Instant};
use ps2_sys::time::FramePacer;

use crate::config::Config;
use crate::controls::Controls;
use crate::models::Model;
use crate::say;

/// One NTSC frame: how often the pad is looked at when the vertical blank cannot be waited for.
const FRAME: Duration = Duration::from_micros(16_683);
/// Without input, the first story starts after this long.
const AUTO_START: Duration = Duration::from_secs(5);
/// Without input after a story, the program ends after this long.
const IDLE_EXIT: Duration = Duration::from_secs(10);
/// Temperature change per L1/R1 press.
const TEMPERATURE_STEP: f32 = 0.1;
/// Highest temperature offered.
const TEMPERATURE_MAX: f32 = 2.0;

/// What the reader chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Tell the selected story.
    Generate,
    /// Save the story just told on the memory card.
    Save,
    /// List the stories saved on the memory card.
    ListSaves,
    /// End the program.
    Quit,
}

/// The presets, the models, the selections and the temperature.
pub struct Menu<'c> {
    config: &'c Config,
    models: &'c [Model],
    selected: usize,
    /// Index in the models of the one the next story is told with.
    pub model: usize,
    /// Sampling temperature for the next story (0 = greedy).
    pub temperature: f32,
}

impl<'c> Menu<'c> {
    /// The first preset, model `model` of `models` (the default one) and the configured temperature.
    pub fn new(config: &'c Config, models: &'c [Model], model: usize) -> Self {
        Self { config, models, selected: 0, model, temperature: config.temperature }
    }

    /// The models on the disc.
    pub fn models(&self) -> &'c [Model] {
        self.models
    }

    /// The model the next story is told with.
    pub fn model(&self) -> &Model {
        &self.models[self.model]
    }

    /// The selected prompt.
    pub fn prompt(&self) -> &str {
        &self.config.prompts[self.selected]
    }

    fn show(&self) {
        say!("model [{}/{}] {}", self.model + 1, self.models.len(), self.model().describe());
        say!("[{}/{}] {}  (temperature {:.1})", self.selected + 1, self.config.prompts.len(), self.prompt(), self.temperature);
    }

    /// Shows the menu and follows the pad until the reader asks for a story or the end.
    pub fn choose(&mut self, controls: &mut Controls, after_story: bool) -> Choice {
        say!("");
        say!("UP/DOWN prompt, LEFT/RIGHT model, L1/R1 temperature, X tell, O stop, SELECT save story, TRIANGLE saved stories, START quit");
        self.show();
        let mut idle_since = Instant::now();
        // The pad is read once per frame; between frames the EE sleeps in the kernel until the vertical blank.
        let mut pacer = FramePacer::new(1);
        let mut pacing = true;
        loop {
            let pressed = controls.pressed();
            if !pressed.is_empty() {
                idle_since = Instant::now();
            }
            let count = self.config.prompts.len();
            if pressed.contains(Buttons::CROSS) {
                return Choice::Generate;
            }
            if pressed.contains(Buttons::START) {
                return Choice::Quit;
            }
            if pressed.contains(Buttons::SELECT) {
                return Choice::Save;
            }
            if pressed.contains(Buttons::TRIANGLE) {
                return Choice::ListSaves;
            }
            let before = (self.selected, self.model, self.temperature);
            let models = self.models.len();
            if pressed.contains(Buttons::RIGHT) {
                self.model = (self.model + 1) % models;
            }
            if pressed.contains(Buttons::LEFT) {
                self.model = (self.model + models - 1) % models;
            }
            if pressed.contains(Buttons::DOWN) {
                self.selected = (self.selected + 1) % count;
            }
            if pressed.contains(Buttons::UP) {
                self.selected = (self.selected + count - 1) % count;
            }
            if pressed.contains(Buttons::R1) {
                self.temperature = (self.temperature + TEMPERATURE_STEP).min(TEMPERATURE_MAX);
            }
            if pressed.contains(Buttons::L1) {
                self.temperature = (self.temperature - TEMPERATURE_STEP).max(0.0);
            }
            if (self.selected, self.model, self.temperature) != before {
                self.show();
            }
            let idle = idle_since.elapsed();
            if !after_story && idle >= AUTO_START {
                return Choice::Generate;
            }
            if after_story && idle >= IDLE_EXIT {
                say!("no input for {} s: goodbye", IDLE_EXIT.as_secs());
                return Choice::Quit;
            }
            if pacing && let Err(e) = pacer.wait() {
                ps2_sys::println!("menu: {e}; pacing frames by the clock instead");
                pacing = false;
            }
            if !pacing {
                clock::spin_for(FRAME);
            }
        }
    }
}
