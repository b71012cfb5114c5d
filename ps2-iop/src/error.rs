//! Errors of the IOP interface.

use core::fmt;

use ps2_sys::syscall::KernelError;

/// An IOP kernel error code (negative `KE_*` values returned by IOP modules, e.g. when loading a module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IopError(pub i32);

impl IopError {
    /// The `KE_*` name and meaning of the code, when known.
    pub fn description(self) -> &'static str {
        match self.0 {
            -200 => "KE_LINKERR: the module's imports could not be linked",
            -201 => "KE_ILLEGAL_OBJECT: not a loadable IOP module",
            -202 => "KE_UNKNOWN_MODULE: no such module",
            -203 => "KE_NOFILE: file not found",
            -204 => "KE_FILEERR: file read error",
            -205 => "KE_MEMINUSE: memory in use",
            -400 => "KE_NO_MEMORY: the IOP is out of memory",
            _ => "IOP error",
        }
    }
}

impl fmt::Display for IopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.0)
    }
}

impl core::error::Error for IopError {}

/// What went wrong talking to the IOP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// An EE kernel call failed.
    Kernel(KernelError),
    /// The kernel's SIF DMA queue stayed full.
    DmaQueueFull,
    /// All 32 RPC packets are in flight.
    PacketTableFull,
    /// The IOP did not answer in time.
    Timeout {
        /// What was being waited for.
        waiting_for: &'static str,
    },
    /// No RPC server with this id registered on the IOP before the bind gave up.
    ServerNotFound {
        /// The server id.
        sid: u32,
    },
    /// A buffer is larger than the protocol allows.
    TooLarge {
        /// Which buffer.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The IOP side reported an error.
    Iop(IopError),
    /// An argument is not valid (e.g. a path with a NUL byte).
    InvalidArgument(&'static str),
}

impl From<KernelError> for Error {
    fn from(e: KernelError) -> Error {
        Error::Kernel(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel(e) => write!(f, "{e}"),
            Error::DmaQueueFull => write!(f, "the SIF DMA queue is full"),
            Error::PacketTableFull => write!(f, "too many RPC requests in flight (32)"),
            Error::Timeout { waiting_for } => write!(f, "the IOP did not answer in time ({waiting_for})"),
            Error::ServerNotFound { sid } => write!(f, "no RPC server {sid:#010x} is registered on the IOP"),
            Error::TooLarge { what, size, max } => write!(f, "{what} is {size} bytes, the limit is {max}"),
            Error::Iop(e) => write!(f, "{e}"),
            Error::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
        }
    }
}

impl core::error::Error for Error {}
