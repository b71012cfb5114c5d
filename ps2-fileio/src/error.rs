//! Errors: the IOP's error codes by name, and what went wrong where.

extern crate alloc;

use alloc::string::String;
use core::fmt;

/// An IOP file-system error code (`errno`; the IOP returns it negated). Values from ps2sdk
/// `common/include/errno.h`, which IOMAN, MCMAN and CDVDMAN return.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    /// 1: operation not permitted.
    EPERM,
    /// 2: no such file or directory.
    ENOENT,
    /// 5: input/output error.
    EIO,
    /// 6: no such device or address.
    ENXIO,
    /// 9: bad file descriptor.
    EBADF,
    /// 12: out of memory.
    ENOMEM,
    /// 13: permission denied.
    EACCES,
    /// 16: device busy.
    EBUSY,
    /// 17: file exists.
    EEXIST,
    /// 19: no such device (an unknown `device:` prefix, or a device not loaded).
    ENODEV,
    /// 20: not a directory.
    ENOTDIR,
    /// 21: is a directory.
    EISDIR,
    /// 22: invalid argument.
    EINVAL,
    /// 24: too many open files.
    EMFILE,
    /// 28: no space left on the device.
    ENOSPC,
    /// 30: read-only file system.
    EROFS,
    /// 47: unformatted medium (memory cards).
    EFORMAT,
    /// 90: directory not empty.
    ENOTEMPTY,
    /// Any other code (positive, as in `errno.h`).
    Other(i32),
}

impl Errno {
    /// The error for a negative result `-code` of the IOP (`code` is the positive errno value).
    pub fn from_code(code: i32) -> Errno {
        match code {
            1 => Errno::EPERM,
            2 => Errno::ENOENT,
            5 => Errno::EIO,
            6 => Errno::ENXIO,
            9 => Errno::EBADF,
            12 => Errno::ENOMEM,
            13 => Errno::EACCES,
            16 => Errno::EBUSY,
            17 => Errno::EEXIST,
            19 => Errno::ENODEV,
            20 => Errno::ENOTDIR,
            21 => Errno::EISDIR,
            22 => Errno::EINVAL,
            24 => Errno::EMFILE,
            28 => Errno::ENOSPC,
            30 => Errno::EROFS,
            47 => Errno::EFORMAT,
            90 => Errno::ENOTEMPTY,
            other => Errno::Other(other),
        }
    }

    /// The positive errno value.
    pub fn code(self) -> i32 {
        match self {
            Errno::EPERM => 1,
            Errno::ENOENT => 2,
            Errno::EIO => 5,
            Errno::ENXIO => 6,
            Errno::EBADF => 9,
            Errno::ENOMEM => 12,
            Errno::EACCES => 13,
            Errno::EBUSY => 16,
            Errno::EEXIST => 17,
            Errno::ENODEV => 19,
            Errno::ENOTDIR => 20,
            Errno::EISDIR => 21,
            Errno::EINVAL => 22,
            Errno::EMFILE => 24,
            Errno::ENOSPC => 28,
            Errno::EROFS => 30,
            Errno::EFORMAT => 47,
            Errno::ENOTEMPTY => 90,
            Errno::Other(code) => code,
        }
    }

    /// The C name and what it means.
    pub fn description(self) -> &'static str {
        match self {
            Errno::EPERM => "EPERM: operation not permitted",
            Errno::ENOENT => "ENOENT: no such file or directory",
            Errno::EIO => "EIO: input/output error",
            Errno::ENXIO => "ENXIO: no such device or address",
            Errno::EBADF => "EBADF: bad file descriptor",
            Errno::ENOMEM => "ENOMEM: the IOP is out of memory",
            Errno::EACCES => "EACCES: permission denied",
            Errno::EBUSY => "EBUSY: device busy",
            Errno::EEXIST => "EEXIST: file exists",
            Errno::ENODEV => "ENODEV: no such device",
            Errno::ENOTDIR => "ENOTDIR: not a directory",
            Errno::EISDIR => "EISDIR: is a directory",
            Errno::EINVAL => "EINVAL: invalid argument",
            Errno::EMFILE => "EMFILE: too many open files",
            Errno::ENOSPC => "ENOSPC: no space left on the device",
            Errno::EROFS => "EROFS: read-only file system",
            Errno::EFORMAT => "EFORMAT: the medium is not formatted",
            Errno::ENOTEMPTY => "ENOTEMPTY: directory not empty",
            Errno::Other(_) => "IOP error",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (-{})", self.description(), self.code())
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The IOP answered an operation with an error code.
    Io {
        /// The operation (`"open"`, `"read"`, `"getstat"`, ...).
        op: &'static str,
        /// The path it was about (the file's path for file operations).
        path: String,
        /// The IOP's code.
        errno: Errno,
    },
    /// Talking to the IOP failed (SIF RPC).
    Iop(ps2_iop::Error),
    /// A path is longer than the protocol's 255 bytes, or holds a NUL byte.
    InvalidPath {
        /// The path.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A write stored fewer bytes than asked (FILEIO reports no error code for writes: a full device or a
    /// failed write both show as a short count).
    ShortWrite {
        /// The file's path.
        path: String,
        /// Bytes stored.
        written: usize,
        /// Bytes asked for.
        requested: usize,
    },
    /// The operation cannot be done through FILEIO (e.g. a seek beyond 2 GiB, renaming a directory).
    Unsupported(&'static str),
}

impl Error {
    /// The IOP's code, when the IOP reported one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Io { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

impl From<ps2_iop::Error> for Error {
    fn from(e: ps2_iop::Error) -> Error {
        Error::Iop(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { op, path, errno } => write!(f, "{op} {path:?}: {errno}"),
            Error::Iop(e) => write!(f, "FILEIO RPC: {e}"),
            Error::InvalidPath { path, reason } => write!(f, "invalid path {path:?}: {reason}"),
            Error::ShortWrite { path, written, requested } => {
                write!(f, "write to {path:?} stored {written} of {requested} bytes (device full or write error)")
            }
            Error::Unsupported(what) => write!(f, "not supported by FILEIO: {what}"),
        }
    }
}

impl core::error::Error for Error {}

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind;
        match self {
            Error::Io { errno: Errno::ENOENT | Errno::ENODEV | Errno::ENXIO, .. } => ErrorKind::NotFound,
            Error::Io { errno: Errno::EACCES | Errno::EPERM | Errno::EROFS, .. } => ErrorKind::PermissionDenied,
            Error::Io { errno: Errno::EEXIST, .. } => ErrorKind::AlreadyExists,
            Error::Io { errno: Errno::EINVAL | Errno::EBADF, .. } => ErrorKind::InvalidInput,
            Error::Io { errno: Errno::ENOMEM, .. } => ErrorKind::OutOfMemory,
            Error::InvalidPath { .. } => ErrorKind::InvalidInput,
            Error::ShortWrite { .. } => ErrorKind::WriteZero,
            Error::Unsupported(_) => ErrorKind::Unsupported,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn codes_round_trip_and_are_named() {
        for code in [1, 2, 5, 6, 9, 12, 13, 16, 17, 19, 20, 21, 22, 24, 28, 30, 47, 90, 77] {
            assert_eq!(Errno::from_code(code).code(), code);
        }
        assert_eq!(Errno::from_code(2), Errno::ENOENT);
        assert_eq!(Errno::from_code(13), Errno::EACCES);
        assert_eq!(Errno::from_code(17), Errno::EEXIST);
        assert_eq!(Errno::from_code(77), Errno::Other(77));
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = Error::Io { op: "open", path: "host:missing.txt".into(), errno: Errno::ENOENT };
        assert_eq!(e.to_string(), "open \"host:missing.txt\": ENOENT: no such file or directory (-2)");
        assert_eq!(embedded_io::Error::kind(&e), embedded_io::ErrorKind::NotFound);
        assert_eq!(e.errno(), Some(Errno::ENOENT));
    }
}
