//! Bounded waiting: nothing in this crate spins forever on an IOP that does not answer.

use core::time::Duration;

use ps2_sys::clock::Instant;

use crate::Error;

/// How long the IOP gets to answer a handshake or a bind.
pub const DEFAULT: Duration = Duration::from_secs(5);

/// Spins until `done()` is true, or fails with [`Error::Timeout`] after [`DEFAULT`].
pub fn wait_until(waiting_for: &'static str, mut done: impl FnMut() -> bool) -> Result<(), Error> {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > DEFAULT {
            return Err(Error::Timeout { waiting_for });
        }
    }
    Ok(())
}
