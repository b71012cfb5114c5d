//! Errors of card image operations.

/// What went wrong with a card image or a file system operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The image is not 8,650,752 bytes (16384 pages of 512 + 16 bytes).
    #[error("a memory card image must be {expected} bytes (16384 pages of 528 bytes), this one is {len}")]
    BadImageSize {
        /// The size found.
        len: usize,
        /// The size required.
        expected: usize,
    },
    /// The card has no file system (no "Sony PS2 Memory Card Format " superblock, or version 1.0).
    #[error("the card is not formatted")]
    NotFormatted,
    /// The superblock names a geometry this crate does not handle.
    #[error("unsupported superblock: {0}")]
    BadSuperblock(String),
    /// A page's data does not match its ECC and cannot be corrected.
    #[error("uncorrectable ECC error in page {page}")]
    Ecc {
        /// The page number (0-16383).
        page: u32,
    },
    /// A FAT chain or directory points outside the card or loops.
    #[error("corrupt file system: {0}")]
    Corrupt(String),
    /// No entry of that name.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path looked up.
        path: String,
    },
    /// An entry of that name exists already.
    #[error("{path}: already exists")]
    AlreadyExists {
        /// The path.
        path: String,
    },
    /// A path component that must be a directory is a file.
    #[error("{path}: not a directory")]
    NotADirectory {
        /// The path.
        path: String,
    },
    /// A file operation named a directory.
    #[error("{path}: is a directory")]
    IsADirectory {
        /// The path.
        path: String,
    },
    /// A directory to delete still has entries.
    #[error("{path}: directory not empty")]
    DirectoryNotEmpty {
        /// The path.
        path: String,
    },
    /// No free cluster is left (or fewer than the operation needs).
    #[error("the card is full: {needed} clusters needed, {free} free")]
    Full {
        /// Clusters the operation needed.
        needed: u32,
        /// Clusters free.
        free: u32,
    },
    /// A name the card cannot store.
    #[error("invalid name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Reading or writing the image file failed.
    #[error("{path}: {source}")]
    Io {
        /// The image file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result of card operations.
pub type Result<T, E = Error> = core::result::Result<T, E>;
