//! Analog sticks: raw 0-255 axes centred near 128, and signed values with a dead zone.

/// One analog stick as the pad reports it: 0 = left/up, 255 = right/down, about 128 at rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stick {
    /// Horizontal axis.
    pub x: u8,
    /// Vertical axis.
    pub y: u8,
}

impl Stick {
    /// A stick at rest.
    pub const CENTRED: Stick = Stick { x: 128, y: 128 };

    /// Both axes as signed values in -127..=127 (right and down positive) with `dead_zone` applied to each
    /// axis (see [`axis`]).
    pub const fn signed(self, dead_zone: u8) -> (i8, i8) {
        (axis(self.x, dead_zone), axis(self.y, dead_zone))
    }
}

/// A raw axis as a signed value: offsets from 128 within `dead_zone` become 0 (sticks rarely rest exactly at
/// 128), and the rest is rescaled so that the full deflection still reaches ±127.
pub const fn axis(raw: u8, dead_zone: u8) -> i8 {
    // -128..=127, clamped to a symmetric range.
    let offset = raw as i16 - 128;
    let offset = if offset < -127 { -127 } else { offset };
    let magnitude = offset.abs();
    let dead = if dead_zone > 126 { 126 } else { dead_zone as i16 };
    if magnitude <= dead {
        return 0;
    }
    let scaled = (magnitude - dead) * 127 / (127 - dead);
    (if offset < 0 { -scaled } else { scaled }) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_is_symmetric_with_a_dead_zone() {
        assert_eq!(axis(128, 0), 0);
        assert_eq!(axis(255, 0), 127);
        assert_eq!(axis(0, 0), -127);
        assert_eq!(axis(1, 0), -127);
        for dz in [0u8, 10, 30, 200] {
            assert_eq!(axis(255, dz), 127, "full right with dead zone {dz}");
            assert_eq!(axis(0, dz), -127);
            for raw in 0..=255u8 {
                let v = axis(raw, dz);
                assert_eq!(v, -axis((256 - raw as u16).min(255) as u8, dz), "symmetry at {raw}");
            }
        }
        assert_eq!(axis(138, 10), 0);
        assert_eq!(axis(139, 10), 1);
        assert_eq!(Stick { x: 255, y: 120 }.signed(10), (127, 0));
        assert_eq!(Stick::CENTRED.signed(0), (0, 0));
    }
}
