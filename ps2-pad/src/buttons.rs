//! Buttons: the active-low 16-bit word of `padButtonStatus` turned into active-high flags, and edge detection.

use bitflags::bitflags;

bitflags! {
    /// Controller buttons, set = pressed. Bit values are those of libpad's `PAD_*` constants.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Buttons: u16 {
        /// SELECT.
        const SELECT = 0x0001;
        /// Left stick click (analog modes).
        const L3 = 0x0002;
        /// Right stick click (analog modes).
        const R3 = 0x0004;
        /// START.
        const START = 0x0008;
        /// D-pad up.
        const UP = 0x0010;
        /// D-pad right.
        const RIGHT = 0x0020;
        /// D-pad down.
        const DOWN = 0x0040;
        /// D-pad left.
        const LEFT = 0x0080;
        /// L2.
        const L2 = 0x0100;
        /// R2.
        const R2 = 0x0200;
        /// L1.
        const L1 = 0x0400;
        /// R1.
        const R1 = 0x0800;
        /// Triangle.
        const TRIANGLE = 0x1000;
        /// Circle.
        const CIRCLE = 0x2000;
        /// Cross.
        const CROSS = 0x4000;
        /// Square.
        const SQUARE = 0x8000;
    }
}

impl Buttons {
    /// Decodes the raw button word as the pad sends it: little-endian, a 0 bit means pressed.
    pub const fn from_active_low(raw: u16) -> Buttons {
        Buttons::from_bits_retain(!raw)
    }

    /// The raw active-low word for these buttons (what a pad would send).
    pub const fn to_active_low(self) -> u16 {
        !self.bits()
    }
}

/// The buttons of one frame compared with the previous frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ButtonEdges {
    /// Held down now.
    pub held: Buttons,
    /// Went down since the previous frame.
    pub pressed: Buttons,
    /// Came up since the previous frame.
    pub released: Buttons,
}

/// Remembers the previous frame's buttons to report presses and releases.
#[derive(Clone, Copy, Debug, Default)]
pub struct EdgeDetector {
    previous: Buttons,
}

impl EdgeDetector {
    /// A detector that considers every button up.
    pub const fn new() -> Self {
        EdgeDetector { previous: Buttons::empty() }
    }

    /// Feeds this frame's buttons.
    pub fn update(&mut self, now: Buttons) -> ButtonEdges {
        let edges = ButtonEdges { held: now, pressed: now & !self.previous, released: self.previous & !now };
        self.previous = now;
        edges
    }

    /// The buttons of the last update.
    pub const fn held(&self) -> Buttons {
        self.previous
    }

    /// Forgets the pressed buttons (when the pad is unplugged: every held button is reported released by
    /// the next [`EdgeDetector::update`] with no buttons).
    pub fn reset(&mut self) -> ButtonEdges {
        self.update(Buttons::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_low_decoding() {
        assert_eq!(Buttons::from_active_low(0xFFFF), Buttons::empty());
        assert_eq!(Buttons::from_active_low(0xFFFF ^ 0x4008), Buttons::CROSS | Buttons::START);
        assert_eq!((Buttons::UP | Buttons::SQUARE).to_active_low(), 0x7FEF);
    }

    #[test]
    fn edges_report_each_transition_once() {
        let mut d = EdgeDetector::new();
        let e = d.update(Buttons::CROSS);
        assert_eq!((e.pressed, e.released, e.held), (Buttons::CROSS, Buttons::empty(), Buttons::CROSS));
        let e = d.update(Buttons::CROSS | Buttons::UP);
        assert_eq!((e.pressed, e.released), (Buttons::UP, Buttons::empty()));
        let e = d.update(Buttons::UP);
        assert_eq!((e.pressed, e.released), (Buttons::empty(), Buttons::CROSS));
        let e = d.reset();
        assert_eq!(e.released, Buttons::UP);
        assert_eq!(d.update(Buttons::empty()), ButtonEdges::default());
    }
}
