//! Writing output files without losing data: the bytes go to a temporary file in the destination's
//! directory, which replaces the destination only when everything was written. A failed conversion
//! leaves the file the user had (perhaps a good model) as it was, and no partial file behind.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{Result, error};

/// A file being written to `path`: [`AtomicFile::commit`] renames it into place; dropping it
/// without committing deletes it.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Creates the temporary file next to `path` (same directory, so the rename is atomic).
    pub fn create(path: &Path) -> Result<Self> {
        if path.is_dir() {
            return Err(error(format!("{}: is a directory, not an output file", path.display())));
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".llm-tmp-");
        // A temporary file is private (0600); the output gets what `File::create` would give it (0666
        // less the umask), or the permissions of the file it replaces.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o666);
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        let file = builder
            .tempfile_in(&dir)
            .map_err(|e| error(format!("{}: cannot create a temporary file there: {e}", dir.display())))?;
        Ok(Self { path: path.to_path_buf(), writer: BufWriter::new(file) })
    }

    /// Flushes, syncs and renames the file to its destination.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let file = self.writer.into_inner().map_err(|e| error(format!("{}: {}", path.display(), e.error())))?;
        file.as_file().sync_all().map_err(|e| error(format!("{}: {e}", path.display())))?;
        file.persist(&path).map_err(|e| error(format!("{}: {}", path.display(), e.error)))?;
        Ok(())
    }
}

impl AtomicFile {
    /// An I/O error (a full disc, say) with the destination's path in its message.
    fn named(&self, error: std::io::Error) -> std::io::Error {
        std::io::Error::new(error.kind(), format!("{}: {error}", self.path.display()))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf).map_err(|e| self.named(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush().map_err(|e| self.named(e))
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.writer.seek(pos).map_err(|e| self.named(e))
    }
}

/// Writes a whole file with `produce`, atomically: on error the destination is untouched.
pub fn write_atomically<T>(path: &Path, produce: impl FnOnce(&mut AtomicFile) -> Result<T>) -> Result<T> {
    let mut file = AtomicFile::create(path)?;
    let value = produce(&mut file)?;
    file.commit()?;
    Ok(value)
}
