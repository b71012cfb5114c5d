//! Mode changes (digital / analog, lock, pressure) as a sequence of pad-server commands, written as pure
//! logic: the sequencer says what to do next, the driver does it and reports back.
//!
//! The sequence is libpad's, as its samples use it:
//! 1. wait until the pad is stable;
//! 2. for analog: read the mode table (`padInfoMode(PAD_MODETABLE, -1)`, then each entry) and check that it
//!    lists the DualShock type (7);
//! 3. `padSetMainMode(mode, lock)`; a result of 1 means accepted: wait until the request completes and the
//!    pad is stable again;
//! 4. for pressure: `padInfoPressMode` (the button mask must be `0x3FFFF`), then `padEnterPressMode`
//!    (`setButtonInfo(0xFFF)`) and wait again.

use crate::area::PadState;
use crate::protocol::{Command, InfoMode, MainMode};
use crate::status::PadKind;

/// The mode a program wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeRequest {
    /// Digital or analog.
    pub mode: MainMode,
    /// Stop the player from switching with the ANALOG button.
    pub lock: bool,
    /// Also turn on button pressures (DualShock 2, analog mode only).
    pub pressure: bool,
}

impl ModeRequest {
    /// Analog, locked, no pressure: what most programs want.
    pub const ANALOG_LOCKED: ModeRequest = ModeRequest { mode: MainMode::Analog, lock: true, pressure: false };
    /// Analog, locked, with pressures.
    pub const ANALOG_PRESSURE: ModeRequest = ModeRequest { mode: MainMode::Analog, lock: true, pressure: true };
    /// Digital, unlocked.
    pub const DIGITAL: ModeRequest = ModeRequest { mode: MainMode::Digital, lock: false, pressure: false };
}

/// Why a mode change did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeError {
    /// The pad's mode table lacks the DualShock type (a digital-only pad).
    NoAnalogMode,
    /// The pad does not report pressures (not a DualShock 2).
    NoPressure,
    /// Pressure needs analog mode.
    PressureNeedsAnalog,
    /// The server refused the command (result 0) or the request ended FAILED.
    Refused(Command),
    /// The pad was unplugged during the change.
    Disconnected,
    /// The pad did not become stable within the frame limit.
    Timeout,
}

impl core::fmt::Display for ModeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ModeError::NoAnalogMode => f.write_str("the pad has no analog (DualShock) mode"),
            ModeError::NoPressure => f.write_str("the pad does not support pressure-sensitive buttons"),
            ModeError::PressureNeedsAnalog => f.write_str("pressure mode needs the analog mode"),
            ModeError::Refused(c) => write!(f, "the pad server refused {c:?}"),
            ModeError::Disconnected => f.write_str("the pad was unplugged during the mode change"),
            ModeError::Timeout => f.write_str("the pad did not settle after the mode change"),
        }
    }
}

impl core::error::Error for ModeError {}

/// What the driver should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeStep {
    /// Send this command and report its result with [`ModeSequencer::on_result`].
    Call(Command),
    /// Nothing this frame: poll again next frame.
    Wait,
    /// The pad is in the requested mode.
    Done,
    /// The change failed.
    Failed(ModeError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    WaitStable,
    TableLength,
    TableEntry { index: u8, count: u8 },
    SetMainMode,
    WaitMainMode,
    ButtonMask,
    EnterPressure,
    WaitPressure,
    Done,
    Failed(ModeError),
}

/// Frames to wait for the pad to settle at each waiting stage (about 5 s at 60 Hz).
pub const SETTLE_FRAMES: u32 = 300;

/// Drives one [`ModeRequest`] to completion.
#[derive(Clone, Copy, Debug)]
pub struct ModeSequencer {
    request: ModeRequest,
    stage: Stage,
    waited: u32,
    /// A request was just accepted: the state seen in the same frame predates it, so wait at least a frame.
    just_sent: bool,
}

impl ModeSequencer {
    /// Starts a change.
    pub const fn new(request: ModeRequest) -> Self {
        let stage = if request.pressure && matches!(request.mode, MainMode::Digital) {
            Stage::Failed(ModeError::PressureNeedsAnalog)
        } else {
            Stage::WaitStable
        };
        ModeSequencer { request, stage, waited: 0, just_sent: false }
    }

    /// The request being carried out.
    pub const fn request(&self) -> ModeRequest {
        self.request
    }

    /// Called once per frame with the pad's effective state ([`crate::PadFrame::effective_state`]; a request
    /// the driver has just sent counts as [`PadState::ExecCmd`] until the server has answered in the area).
    pub fn poll(&mut self, state: PadState) -> ModeStep {
        if matches!(state, PadState::Disconnected | PadState::FindPad | PadState::Error)
            && !matches!(self.stage, Stage::Done | Stage::Failed(_) | Stage::WaitStable)
        {
            self.stage = Stage::Failed(ModeError::Disconnected);
        }
        let just_sent = core::mem::take(&mut self.just_sent);
        let ready = state == PadState::Stable && !just_sent;
        match self.stage {
            Stage::WaitStable | Stage::WaitMainMode | Stage::WaitPressure if !ready => {
                self.waited += 1;
                if self.waited > SETTLE_FRAMES {
                    self.stage = Stage::Failed(ModeError::Timeout);
                    return ModeStep::Failed(ModeError::Timeout);
                }
                ModeStep::Wait
            }
            Stage::WaitStable => {
                self.waited = 0;
                self.stage = match self.request.mode {
                    MainMode::Analog => Stage::TableLength,
                    MainMode::Digital => Stage::SetMainMode,
                };
                self.poll(state)
            }
            Stage::WaitMainMode => {
                self.waited = 0;
                self.stage = if self.request.pressure { Stage::ButtonMask } else { Stage::Done };
                self.poll(state)
            }
            Stage::WaitPressure => {
                self.stage = Stage::Done;
                ModeStep::Done
            }
            Stage::TableLength => ModeStep::Call(Command::InfoMode(InfoMode::TableLength)),
            Stage::TableEntry { index, .. } => ModeStep::Call(Command::InfoMode(InfoMode::TableEntry(index))),
            Stage::SetMainMode => {
                ModeStep::Call(Command::SetMainMode { mode: self.request.mode, lock: self.request.lock })
            }
            Stage::ButtonMask => ModeStep::Call(Command::GetButtonMask),
            Stage::EnterPressure => ModeStep::Call(Command::SetButtonInfo { mask: 0xFFF }),
            Stage::Done => ModeStep::Done,
            Stage::Failed(e) => ModeStep::Failed(e),
        }
    }

    /// Reports the result of the command [`ModeSequencer::poll`] asked for.
    pub fn on_result(&mut self, result: u32) {
        self.stage = match self.stage {
            Stage::TableLength if result == 0 => Stage::Failed(ModeError::NoAnalogMode),
            Stage::TableLength => Stage::TableEntry { index: 0, count: result.min(u8::MAX as u32) as u8 },
            Stage::TableEntry { .. } if result == PadKind::DUALSHOCK_TYPE as u32 => Stage::SetMainMode,
            Stage::TableEntry { index, count } if index + 1 < count => Stage::TableEntry { index: index + 1, count },
            Stage::TableEntry { .. } => Stage::Failed(ModeError::NoAnalogMode),
            Stage::SetMainMode if result == 1 => Stage::WaitMainMode,
            Stage::SetMainMode => Stage::Failed(ModeError::Refused(Command::SetMainMode {
                mode: self.request.mode,
                lock: self.request.lock,
            })),
            Stage::ButtonMask if result == 0x3FFFF => Stage::EnterPressure,
            Stage::ButtonMask => Stage::Failed(ModeError::NoPressure),
            Stage::EnterPressure if result == 1 => Stage::WaitPressure,
            Stage::EnterPressure => Stage::Failed(ModeError::Refused(Command::SetButtonInfo { mask: 0xFFF })),
            other => other,
        };
        if matches!(self.stage, Stage::WaitMainMode | Stage::WaitPressure) {
            self.waited = 0;
            self.just_sent = true;
        }
    }
}

impl PadKind {
    /// The mode-table value of a DualShock (analog) mode.
    pub const DUALSHOCK_TYPE: u8 = 7;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a sequencer against scripted answers; returns the commands sent and the outcome.
    fn run(request: ModeRequest, states: &[PadState], answer: impl Fn(&Command) -> u32) -> (Vec<Command>, ModeStep) {
        let mut seq = ModeSequencer::new(request);
        let mut sent = Vec::new();
        for frame in 0..1000 {
            let state = *states.get(frame).unwrap_or(states.last().unwrap());
            loop {
                match seq.poll(state) {
                    ModeStep::Call(c) => {
                        sent.push(c);
                        seq.on_result(answer(&c));
                    }
                    ModeStep::Wait => break,
                    done => return (sent, done),
                }
            }
        }
        panic!("never finished");
    }

    fn dualshock2(c: &Command) -> u32 {
        match c {
            Command::InfoMode(InfoMode::TableLength) => 2,
            Command::InfoMode(InfoMode::TableEntry(i)) => [4, 7][*i as usize],
            Command::GetButtonMask => 0x3FFFF,
            _ => 1,
        }
    }

    #[test]
    fn analog_with_pressure_on_a_dualshock_2() {
        use PadState::*;
        let (sent, outcome) =
            run(ModeRequest::ANALOG_PRESSURE, &[FindPad, FindCtp1, Stable, ExecCmd, ExecCmd, Stable, ExecCmd, Stable], dualshock2);
        assert_eq!(outcome, ModeStep::Done);
        assert_eq!(
            sent,
            [
                Command::InfoMode(InfoMode::TableLength),
                Command::InfoMode(InfoMode::TableEntry(0)),
                Command::InfoMode(InfoMode::TableEntry(1)),
                Command::SetMainMode { mode: MainMode::Analog, lock: true },
                Command::GetButtonMask,
                Command::SetButtonInfo { mask: 0xFFF },
            ]
        );
    }

    #[test]
    fn digital_needs_no_table() {
        let (sent, outcome) = run(ModeRequest::DIGITAL, &[PadState::Stable], |_| 1);
        assert_eq!(outcome, ModeStep::Done);
        assert_eq!(sent, [Command::SetMainMode { mode: MainMode::Digital, lock: false }]);
    }

    #[test]
    fn failures() {
        let digital_pad = |c: &Command| match c {
            Command::InfoMode(InfoMode::TableLength) => 1,
            Command::InfoMode(_) => 4,
            _ => 1,
        };
        assert_eq!(run(ModeRequest::ANALOG_LOCKED, &[PadState::Stable], digital_pad).1, ModeStep::Failed(ModeError::NoAnalogMode));
        let no_table = |_: &Command| 0;
        assert_eq!(run(ModeRequest::ANALOG_LOCKED, &[PadState::Stable], no_table).1, ModeStep::Failed(ModeError::NoAnalogMode));
        let dualshock1 = |c: &Command| if *c == Command::GetButtonMask { 0xFFFF } else { dualshock2(c) };
        assert_eq!(run(ModeRequest::ANALOG_PRESSURE, &[PadState::Stable], dualshock1).1, ModeStep::Failed(ModeError::NoPressure));
        let refuses = |c: &Command| if matches!(c, Command::SetMainMode { .. }) { 0 } else { dualshock2(c) };
        assert!(matches!(run(ModeRequest::ANALOG_LOCKED, &[PadState::Stable], refuses).1, ModeStep::Failed(ModeError::Refused(_))));
        let unplugged = [PadState::Stable, PadState::ExecCmd, PadState::Disconnected];
        assert_eq!(run(ModeRequest::ANALOG_LOCKED, &unplugged, dualshock2).1, ModeStep::Failed(ModeError::Disconnected));
        assert_eq!(run(ModeRequest::ANALOG_LOCKED, &[PadState::FindPad], dualshock2).1, ModeStep::Failed(ModeError::Timeout));
        let bad = ModeRequest { mode: MainMode::Digital, lock: false, pressure: true };
        assert_eq!(run(bad, &[PadState::Stable], dualshock2).1, ModeStep::Failed(ModeError::PressureNeedsAnalog));
    }
}
