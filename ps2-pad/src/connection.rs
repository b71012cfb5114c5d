//! The pad's connection life cycle as pure logic: disconnected → finding → executing → stable, hot-plug and
//! errors, turned into events.

use crate::area::PadState;

/// Where a pad is in its life cycle, a summary of [`PadState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Connection {
    /// The port has not been opened, or nothing is plugged in.
    Disconnected,
    /// The server is looking for / identifying a pad.
    Finding,
    /// A command (mode change, pressure, ...) is running.
    Executing,
    /// Connected and readable.
    Stable,
    /// The server gave up talking to the pad.
    Error,
}

impl Connection {
    /// The summary of a (libpad-effective) state. FINDCTP1 counts as stable: the pad answers and its
    /// button data is valid, only its identification is still going on.
    pub const fn from_state(state: PadState) -> Connection {
        match state {
            PadState::Disconnected => Connection::Disconnected,
            PadState::FindPad => Connection::Finding,
            PadState::FindCtp1 | PadState::Stable => Connection::Stable,
            PadState::ExecCmd => Connection::Executing,
            PadState::Error | PadState::Other(_) => Connection::Error,
        }
    }

    /// Whether a pad is present (it may be busy with a command).
    pub const fn is_connected(self) -> bool {
        matches!(self, Connection::Stable | Connection::Executing)
    }
}

/// Something that happened to the pad between two frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectionEvent {
    /// A pad became present (first plug-in, or plugged back in).
    Connected,
    /// The pad went away (unplugged, or the server lost it).
    Disconnected,
}

/// Follows the state frame by frame and reports plug and unplug events.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionTracker {
    current: Connection,
}

impl Default for ConnectionTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl ConnectionTracker {
    /// Starts disconnected.
    pub const fn new() -> Self {
        ConnectionTracker { current: Connection::Disconnected }
    }

    /// The current summary.
    pub const fn connection(&self) -> Connection {
        self.current
    }

    /// Feeds this frame's effective state; returns the event it causes, if any. A pad counts as connected
    /// from its first stable (or executing) frame until a frame says disconnected, finding or error.
    pub fn update(&mut self, state: PadState) -> Option<ConnectionEvent> {
        let was = self.current.is_connected();
        self.current = Connection::from_state(state);
        match (was, self.current.is_connected()) {
            (false, true) => Some(ConnectionEvent::Connected),
            (true, false) => Some(ConnectionEvent::Disconnected),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plug_unplug_replug() {
        let mut t = ConnectionTracker::new();
        assert_eq!(t.update(PadState::Disconnected), None);
        assert_eq!(t.update(PadState::FindPad), None);
        assert_eq!(t.connection(), Connection::Finding);
        assert_eq!(t.update(PadState::FindCtp1), Some(ConnectionEvent::Connected));
        assert_eq!(t.update(PadState::Stable), None);
        assert_eq!(t.update(PadState::ExecCmd), None, "a mode change is not a disconnection");
        assert_eq!(t.update(PadState::Stable), None);
        assert_eq!(t.update(PadState::Disconnected), Some(ConnectionEvent::Disconnected));
        assert_eq!(t.update(PadState::FindPad), None);
        assert_eq!(t.update(PadState::Stable), Some(ConnectionEvent::Connected));
        assert_eq!(t.update(PadState::Error), Some(ConnectionEvent::Disconnected));
        assert_eq!(t.connection(), Connection::Error);
    }
}
