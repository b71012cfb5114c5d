//! [`TensorReader`] over a file: the host's stand-in for the PS2 disc drive.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use llm_engine::{EngineError, TensorReader};

/// Reads a model file synchronously (the whole read happens in `wait`).
#[derive(Debug)]
pub struct FileReader {
    file: File,
    len: u64,
    pending: Option<u64>,
    /// Bytes read so far.
    pub bytes_read: u64,
}

impl FileReader {
    /// Opens `path`.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Self { file, len, pending: None, bytes_read: 0 })
    }
}

impl TensorReader for FileReader {
    fn len(&self) -> u64 {
        self.len
    }

    fn start_read(&mut self, offset: u64, _buf: &mut [u8]) -> Result<(), EngineError> {
        self.pending = Some(offset);
        Ok(())
    }

    fn wait(&mut self, buf: &mut [u8]) -> Result<(), EngineError> {
        let offset = self.pending.take().ok_or(EngineError::Unsupported { reason: "wait without start_read" })?;
        let io_error = |e: std::io::Error| EngineError::Io { offset, code: e.raw_os_error().unwrap_or(-1) };
        self.file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        self.file.read_exact(buf).map_err(io_error)?;
        self.bytes_read += buf.len() as u64;
        Ok(())
    }
}
