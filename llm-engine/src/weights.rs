//! Where weights come from: the [`WeightSource`] trait and its all-in-RAM implementation.

use crate::error::{EngineError, FormatError};
use crate::format::ModelInfo;

/// Supplies tensor bytes to the forward pass, by directory index.
///
/// The forward pass asks for tensors in a fixed order every token (see
/// [`crate::transformer::access_order`]); a streaming source uses that order to prefetch.
pub trait WeightSource {
    /// The model's header and directory.
    fn info(&self) -> &ModelInfo;

    /// All bytes of tensor `index` (`byte_len` of them). May block while the tensor is read.
    fn tensor(&mut self, index: usize) -> Result<&[u8], EngineError>;

    /// The bytes of one stored row of tensor `index` (`row_stride` of them), e.g. an embedding row.
    fn row(&mut self, index: usize, row: usize) -> Result<&[u8], EngineError>;
}

/// A whole model file held in memory (a `Vec<u8>`, a `&'static [u8]` linked into the ELF, ...).
/// All tensor CRCs (and that scales and f32 values are finite) are checked once at construction.
#[derive(Debug)]
pub struct InMemoryWeights<B: AsRef<[u8]>> {
    bytes: B,
    info: ModelInfo,
}

impl<B: AsRef<[u8]>> InMemoryWeights<B> {
    /// Parses and verifies the file.
    pub fn new(bytes: B) -> Result<Self, FormatError> {
        let data = bytes.as_ref();
        let info = ModelInfo::parse(data, data.len() as u64)?;
        for (index, entry) in info.tensors.iter().enumerate() {
            let start = entry.offset as usize;
            info.verify_tensor(index, &data[start..start + entry.byte_len as usize])?;
        }
        Ok(Self { bytes, info })
    }

    fn check_index(&self, index: usize) -> Result<(), EngineError> {
        if index >= self.info.tensors.len() {
            return Err(EngineError::OutOfRange { what: "tensor index", value: index as u64, limit: self.info.tensors.len() as u64 });
        }
        Ok(())
    }
}

impl<B: AsRef<[u8]>> WeightSource for InMemoryWeights<B> {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn tensor(&mut self, index: usize) -> Result<&[u8], EngineError> {
        self.check_index(index)?;
        let entry = &self.info.tensors[index];
        let start = entry.offset as usize;
        Ok(&self.bytes.as_ref()[start..start + entry.byte_len as usize])
    }

    fn row(&mut self, index: usize, row: usize) -> Result<&[u8], EngineError> {
        self.check_index(index)?;
        let entry = &self.info.tensors[index];
        if row >= entry.rows as usize {
            return Err(EngineError::OutOfRange { what: "row", value: row as u64, limit: entry.rows as u64 });
        }
        let start = entry.offset as usize + row * entry.row_stride as usize;
        Ok(&self.bytes.as_ref()[start..start + entry.row_stride as usize])
    }
}
