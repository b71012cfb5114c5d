//! Booting from a disc image: read `SYSTEM.CNF`, find the `BOOT2` executable, load it.

use std::path::Path;

use ps2_cdvd::iso9660::{Error as IsoError, Volume};
use ps2_iso::ImageFile;

/// Why a disc image could not be booted.
#[derive(Debug)]
pub enum BootError {
    /// The image file could not be opened.
    Io(std::io::Error),
    /// The image is not a readable ISO9660 volume, or a file on it is missing.
    Iso(String),
    /// `SYSTEM.CNF` has no `BOOT2 = cdrom0:\NAME.ELF;1` line.
    NoBoot2Line,
}

impl std::fmt::Display for BootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BootError::Io(e) => write!(f, "cannot open the disc image: {e}"),
            BootError::Iso(e) => write!(f, "cannot boot the disc image: {e}"),
            BootError::NoBoot2Line => {
                write!(f, "SYSTEM.CNF has no `BOOT2 = cdrom0:\\NAME.ELF;1` line (not a PS2 disc)")
            }
        }
    }
}

impl std::error::Error for BootError {}

fn iso_error<E: std::fmt::Debug>(what: &str, e: IsoError<E>) -> BootError {
    BootError::Iso(format!("{what}: {e:?}"))
}

/// The `BOOT2` path from the text of a `SYSTEM.CNF` (e.g. `cdrom0:\HELLO.ELF;1`).
pub fn boot2_path(system_cnf: &str) -> Option<String> {
    system_cnf.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("BOOT2")).then(|| value.trim().to_string())
    })
}

/// The boot path named by `SYSTEM.CNF` and the bytes of that executable.
pub fn read_boot_elf(image: &Path) -> Result<(String, Vec<u8>), BootError> {
    let file = ImageFile::open(image).map_err(BootError::Io)?;
    let mut volume = Volume::open(file).map_err(|e| iso_error("reading the volume", e))?;
    let cnf = volume.find("\\SYSTEM.CNF;1").map_err(|e| iso_error("looking for SYSTEM.CNF", e))?;
    let mut text = vec![0u8; cnf.size.min(64 * 1024) as usize];
    let n = volume.read_at(&cnf, 0, &mut text).map_err(|e| iso_error("reading SYSTEM.CNF", e))?;
    let boot = boot2_path(&String::from_utf8_lossy(&text[..n])).ok_or(BootError::NoBoot2Line)?;
    let entry = volume.find(&boot).map_err(|e| iso_error(&format!("looking for {boot}"), e))?;
    let mut elf = vec![0u8; entry.size as usize];
    let n = volume.read_at(&entry, 0, &mut elf).map_err(|e| iso_error(&format!("reading {boot}"), e))?;
    elf.truncate(n);
    Ok((boot, elf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot2_line_is_found_with_any_spacing_and_case() {
        let cnf = "boot2=cdrom0:\\A.ELF;1\r\nVER = 1.00\r\n";
        assert_eq!(boot2_path(cnf).as_deref(), Some("cdrom0:\\A.ELF;1"));
        assert_eq!(boot2_path("BOOT = cdrom:\\PS1.EXE;1"), None);
    }
}
