//! The result of a build: where each file landed.

use std::fmt;

use crate::SECTOR_SIZE;
use crate::drive::Media;

/// Where one file was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlacement {
    /// The path as the ROM expects it, e.g. `\MODEL\WEIGHTS.BIN;1`.
    pub path: String,
    /// First sector.
    pub lsn: u32,
    /// Length in bytes.
    pub size: u32,
    /// Whether the file was moved to the outer edge (see `DiscBuilder::outer_edge`).
    pub outer_edge: bool,
}

/// The layout of a written image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscLayout {
    /// Every file, in sector order.
    pub files: Vec<FilePlacement>,
    /// Size of the image (and of the ISO9660 volume) in sectors.
    pub total_sectors: u32,
    /// Where the disc exceeds what the ROM's own `sceCdSearchFile` can search (large
    /// directories or path tables). Such files are still found by `ps2_cdvd::iso9660`.
    pub warnings: Vec<String>,
}

impl DiscLayout {
    /// Looks a file up by disc path, case-insensitively, with or without `;1` and the leading
    /// separator (`model/weights.bin` finds `\MODEL\WEIGHTS.BIN;1`).
    pub fn file(&self, path: &str) -> Option<&FilePlacement> {
        let wanted = normalise(path);
        self.files.iter().find(|placement| normalise(&placement.path) == wanted)
    }

    /// Size of the image in bytes.
    pub fn image_bytes(&self) -> u64 {
        u64::from(self.total_sectors) * SECTOR_SIZE as u64
    }

    /// The medium a disc of this size needs (CD up to 80 minutes, DVD beyond).
    pub fn media(&self) -> Media {
        Media::for_image_bytes(self.image_bytes())
    }
}

fn normalise(path: &str) -> String {
    let path = path.trim_start_matches(['\\', '/']).replace('/', "\\");
    path.strip_suffix(";1").unwrap_or(&path).to_ascii_uppercase()
}

impl fmt::Display for DiscLayout {
    /// A table: LSN, size, placement and path of every file, then the warnings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:>8}  {:>12}  {:<5}  path", "LSN", "bytes", "edge")?;
        for file in &self.files {
            let edge = if file.outer_edge { "outer" } else { "" };
            writeln!(f, "{:>8}  {:>12}  {:<5}  {}", file.lsn, file.size, edge, file.path)?;
        }
        writeln!(f, "{} sectors ({} bytes), {:?}", self.total_sectors, self.image_bytes(), self.media())?;
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}
