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
    /// Opens `path`; errors name it, and a directory is refused as one.
    pub fn open(path: &Path) -> crate::Result<Self> {
        let context = |e: std::io::Error| crate::error(format!("{}: {e}", path.display()));
        let file = File::open(path).map_err(context)?;
        let metadata = file.metadata().map_err(context)?;
        if metadata.is_dir() {
            return Err(crate::error(format!("{}: is a directory, not a model file", path.display())));
        }
        Ok(Self { file, len: metadata.len(), pending: None, bytes_read: 0 })
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
