//! Errors: MCMAN's result codes, named, and the SIF transport's.

use core::fmt;

/// What went wrong with a memory card operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// No card in the slot, or it was pulled out (MCMAN results -10 and below).
    NoCard,
    /// The card was swapped since the last [`crate::MemoryCard::info`] (-1): call it again.
    CardChanged,
    /// The card is not formatted (-2).
    Unformatted,
    /// Not enough free space (-3).
    Full,
    /// No such file or directory, or a name the card cannot store (-4).
    NotFound,
    /// Denied: a directory where a file was expected, a file already open for writing, a bad handle (-5).
    Denied,
    /// The directory to delete is not empty (-6).
    NotEmpty,
    /// MCMAN has no file handle left (-7).
    TooManyOpenFiles,
    /// Another MCMAN result.
    Other(i32),
    /// The RPC to the IOP failed.
    Rpc(ps2_iop::Error),
    /// The server answering `0x80000400` is not XMCSERV (or is older than 2.5): load `rom0:XMCSERV`.
    OldServer {
        /// Init's result (or the server version found).
        found: i32,
    },
    /// A path or name this crate refuses (too long, NUL byte, ...).
    InvalidPath(&'static str),
    /// An `icon.sys` title that Shift-JIS full-width conversion cannot represent or that is too long.
    InvalidTitle(&'static str),
}

impl Error {
    /// The error for an MCMAN result, or `None` for a success (≥ 0).
    pub fn from_code(code: i32) -> Option<Error> {
        Some(match code {
            0.. => return None,
            -1 => Error::CardChanged,
            -2 => Error::Unformatted,
            -3 => Error::Full,
            -4 => Error::NotFound,
            -5 => Error::Denied,
            -6 => Error::NotEmpty,
            -7 => Error::TooManyOpenFiles,
            ..=-9 => Error::NoCard,
            other => Error::Other(other),
        })
    }
}

/// Turns an MCMAN result into `Ok(value)` or the error.
pub fn check(code: i32) -> Result<u32, Error> {
    match Error::from_code(code) {
        None => Ok(code as u32),
        Some(e) => Err(e),
    }
}

impl From<ps2_iop::Error> for Error {
    fn from(e: ps2_iop::Error) -> Error {
        Error::Rpc(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoCard => f.write_str("no memory card in the slot (absent or pulled out)"),
            Error::CardChanged => f.write_str("the memory card was changed; check it again"),
            Error::Unformatted => f.write_str("the memory card is not formatted"),
            Error::Full => f.write_str("the memory card is full"),
            Error::NotFound => f.write_str("no such file or directory on the memory card"),
            Error::Denied => f.write_str("access denied (directory, file busy or bad handle)"),
            Error::NotEmpty => f.write_str("the directory is not empty"),
            Error::TooManyOpenFiles => f.write_str("too many files open on the memory card"),
            Error::Other(code) => write!(f, "memory card error {code}"),
            Error::Rpc(e) => write!(f, "memory card RPC: {e}"),
            Error::OldServer { found } => {
                write!(f, "the memory card server is not XMCSERV 2.5+ (init gave {found}); load rom0:XMCSERV")
            }
            Error::InvalidPath(why) => write!(f, "invalid memory card path: {why}"),
            Error::InvalidTitle(why) => write!(f, "invalid save title: {why}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Rpc(e) => Some(e),
            _ => None,
        }
    }
}
