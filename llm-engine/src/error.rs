//! Error types. Every failure names what was wrong (a header field, a tensor) so that a corrupt
//! disc image or a bad conversion is diagnosable from the message alone.

use core::fmt;

/// A problem found while parsing or checking a model file.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// The data ended before the named structure was complete.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
    /// The first four bytes are not the format's magic (of the model file, or of the tokenizer blob).
    BadMagic {
        /// The bytes found.
        found: [u8; 4],
        /// The magic that was expected (`PLLM` or `TOKN`).
        expected: [u8; 4],
    },
    /// A header or directory field has an impossible value.
    BadField {
        /// Field name, e.g. `"n_kv_heads"` or `"tensor[3].rows"`.
        field: &'static str,
        /// The offending value (floats are given as their bit pattern converted losslessly when possible).
        value: u64,
    },
    /// A directory entry has a bad field; `tensor` names the tensor (e.g. `layers.2.wq`).
    BadTensorField {
        /// Tensor name.
        tensor: TensorName,
        /// Field name.
        field: &'static str,
        /// Offending value.
        value: u64,
    },
    /// The header checksum does not match.
    HeaderCrcMismatch {
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum computed over the bytes.
        computed: u32,
    },
    /// The tensor directory checksum does not match.
    DirectoryCrcMismatch {
        /// Checksum stored in the header.
        stored: u32,
        /// Checksum computed over the directory.
        computed: u32,
    },
    /// A tensor's data does not match its CRC-32.
    CrcMismatch {
        /// Tensor name.
        tensor: TensorName,
    },
    /// A tensor's data lies (partly) outside the file, or before the data area.
    TensorOutOfBounds {
        /// Tensor name.
        tensor: TensorName,
    },
    /// A tensor the model needs is not in the directory.
    MissingTensor {
        /// Tensor name.
        tensor: TensorName,
    },
    /// The same tensor appears twice in the directory.
    DuplicateTensor {
        /// Tensor name.
        tensor: TensorName,
    },
    /// A tensor holds a non-finite number (NaN or ±infinity) where a finite one is needed: a
    /// quantization scale, or an f32 weight.
    NonFinite {
        /// Tensor name.
        tensor: TensorName,
        /// `"scale"` or `"value"`.
        what: &'static str,
        /// Byte offset of the number within the tensor's data.
        at: u64,
    },
    /// The tokenizer blob is malformed.
    BadTokenizer {
        /// What is wrong.
        reason: &'static str,
        /// Piece index or byte offset where it was found.
        at: u64,
    },
}

/// A tensor's name: its role and, for per-layer tensors, its layer. Displays as `layers.3.wq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorName {
    /// Role code as stored (may be an unknown code in a corrupt file).
    pub role: u8,
    /// Layer index as stored.
    pub layer: u16,
}

impl fmt::Display for TensorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match crate::format::TensorRole::from_code(self.role) {
            Some(role) if role.is_per_layer() => write!(f, "layers.{}.{}", self.layer, role.name()),
            Some(role) => f.write_str(role.name()),
            None => write!(f, "unknown-role-{}.layer-{}", self.role, self.layer),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { what, needed, available } => {
                write!(f, "file truncated in {what}: needs {needed} bytes, has {available}")
            }
            Self::BadMagic { found, expected } => {
                write!(f, "bad magic ")?;
                write_magic(f, found)?;
                write!(f, ", expected ")?;
                write_magic(f, expected)?;
                if *expected == crate::format::MAGIC {
                    f.write_str(": not a PLLM model file")?;
                }
                Ok(())
            }
            Self::BadField { field, value } => write!(f, "bad header field {field} = {value}"),
            Self::BadTensorField { tensor, field, value } => {
                write!(f, "tensor {tensor}: bad field {field} = {value}")
            }
            Self::HeaderCrcMismatch { stored, computed } => {
                write!(f, "header CRC mismatch (stored {stored:08x}, computed {computed:08x})")
            }
            Self::DirectoryCrcMismatch { stored, computed } => {
                write!(f, "tensor directory CRC mismatch (stored {stored:08x}, computed {computed:08x})")
            }
            Self::CrcMismatch { tensor } => write!(f, "tensor {tensor}: data CRC mismatch"),
            Self::TensorOutOfBounds { tensor } => write!(f, "tensor {tensor}: data outside the file"),
            Self::MissingTensor { tensor } => write!(f, "tensor {tensor} missing from the directory"),
            Self::DuplicateTensor { tensor } => write!(f, "tensor {tensor} appears twice"),
            Self::NonFinite { tensor, what, at } => {
                write!(f, "tensor {tensor}: non-finite {what} (NaN or infinity) at byte {at} of its data")
            }
            Self::BadTokenizer { reason, at } => write!(f, "bad tokenizer blob: {reason} (at {at})"),
        }
    }
}

/// Writes four magic bytes as hex and as ASCII (non-printable bytes as `.`): `50 4B 03 04 ("PK..")`.
fn write_magic(f: &mut fmt::Formatter<'_>, bytes: &[u8; 4]) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        write!(f, "{}{b:02X}", if i == 0 { "" } else { " " })?;
    }
    f.write_str(" (\"")?;
    for &b in bytes {
        let c = if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' };
        write!(f, "{c}")?;
    }
    f.write_str("\")")
}

/// ` (N MiB)` after a byte count of a mebibyte or more.
fn write_mib(f: &mut fmt::Formatter<'_>, bytes: u64) -> fmt::Result {
    if bytes >= 1 << 20 { write!(f, " ({} MiB)", bytes >> 20) } else { Ok(()) }
}

/// Any error of the engine: a format problem, an I/O failure of a reader, or a misuse.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineError {
    /// The model file is malformed.
    Format(FormatError),
    /// A `TensorReader` failed; the code is the device's own.
    Io {
        /// Byte offset of the failed read.
        offset: u64,
        /// Device-specific error code.
        code: i32,
    },
    /// A position or token outside the model's range was given.
    OutOfRange {
        /// What was out of range.
        what: &'static str,
        /// The value.
        value: u64,
        /// The exclusive limit.
        limit: u64,
    },
    /// The requested configuration is not supported.
    Unsupported {
        /// Explanation.
        reason: &'static str,
    },
    /// Memory the model needs is more than there is (or than the address space can hold): the KV
    /// cache of a long `seq_len`, or streaming buffers larger than the RAM budget.
    OutOfMemory {
        /// What needed the memory, e.g. `"the KV cache (2 × n_layers × seq_len × kv_dim f32)"`.
        what: &'static str,
        /// Bytes needed (`u64::MAX` when the size itself overflows).
        needed: u64,
        /// Bytes available, when known (a RAM budget; `None` when the allocator refused).
        available: Option<u64>,
    },
    /// A setting (sampler parameter, `LLM.CFG` value) is outside its valid range.
    BadSetting {
        /// The setting's name, e.g. `"temperature"`.
        setting: &'static str,
        /// The value given.
        value: f32,
        /// The rule it breaks, e.g. `"must be a finite number >= 0"`.
        rule: &'static str,
    },
}

impl From<FormatError> for EngineError {
    fn from(error: FormatError) -> Self {
        Self::Format(error)
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(error) => write!(f, "{error}"),
            Self::Io { offset, code } => write!(f, "read error {code} at byte offset {offset}"),
            Self::OutOfRange { what, value, limit } => {
                write!(f, "{what} {value} out of range (must be < {limit})")
            }
            Self::Unsupported { reason } => write!(f, "unsupported: {reason}"),
            Self::OutOfMemory { what, needed, available } => {
                write!(f, "not enough memory for {what}: ")?;
                if *needed == u64::MAX {
                    write!(f, "its size overflows 64 bits")?;
                } else {
                    write!(f, "needs {needed} bytes")?;
                    write_mib(f, *needed)?;
                }
                match available {
                    Some(available) => {
                        write!(f, ", only {available} bytes")?;
                        write_mib(f, *available)?;
                        f.write_str(" available")
                    }
                    None => write!(f, ", the allocator refused"),
                }
            }
            Self::BadSetting { setting, value, rule } => write!(f, "bad setting {setting} = {value}: {rule}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FormatError {}
#[cfg(feature = "std")]
impl std::error::Error for EngineError {}
