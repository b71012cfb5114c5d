//! [`DiscBuilder`]: collects the disc's content, plans the layout and writes the image.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::encode::{self, DiscDate, FLAG_DIRECTORY, PathTableEntry, PrimaryDescriptor};
use crate::layout::{DiscLayout, FilePlacement};
use crate::names::{self, DiscPath, NameError};
use crate::{BuildError, SECTOR_SIZE};

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// Bytes held in memory.
    Bytes(Vec<u8>),
    /// A host file, read only while the image is written (large files are never held in memory).
    Path(PathBuf),
}

impl From<Vec<u8>> for FileSource {
    fn from(bytes: Vec<u8>) -> Self {
        FileSource::Bytes(bytes)
    }
}

impl From<&[u8]> for FileSource {
    fn from(bytes: &[u8]) -> Self {
        FileSource::Bytes(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for FileSource {
    fn from(bytes: &[u8; N]) -> Self {
        FileSource::Bytes(bytes.to_vec())
    }
}

impl From<PathBuf> for FileSource {
    fn from(path: PathBuf) -> Self {
        FileSource::Path(path)
    }
}

impl From<&Path> for FileSource {
    fn from(path: &Path) -> Self {
        FileSource::Path(path.to_path_buf())
    }
}

impl FileSource {
    /// The source's length in bytes.
    fn len(&self) -> Result<u64, BuildError> {
        match self {
            FileSource::Bytes(bytes) => Ok(bytes.len() as u64),
            FileSource::Path(path) => std::fs::metadata(path)
                .map(|metadata| metadata.len())
                .map_err(|source| BuildError::Source { path: path.clone(), source }),
        }
    }
}

/// The `VMODE` written into `SYSTEM.CNF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VideoMode {
    /// 60 Hz.
    #[default]
    Ntsc,
    /// 50 Hz.
    Pal,
}

/// Builds a bootable PS2 disc image.
///
/// ```no_run
/// use ps2_iso::DiscBuilder;
/// # fn main() -> Result<(), ps2_iso::BuildError> {
/// let layout = DiscBuilder::new()
///     .boot_elf("HELLO.ELF", std::fs::read("hello.elf").unwrap())
///     .file("MODEL/WEIGHTS.BIN", std::path::Path::new("weights.bin"))
///     .outer_edge(1 << 20)
///     .write_to("hello.iso")?;
/// println!("{layout}");
/// # Ok(()) }
/// ```
///
/// Nothing is checked until [`write_to`](Self::write_to) (or [`build`](Self::build)): the chained
/// calls only record what to add, and all errors come back from there.
#[derive(Debug, Clone, Default)]
pub struct DiscBuilder {
    boot: Option<(String, FileSource)>,
    files: Vec<(String, FileSource)>,
    trees: Vec<(PathBuf, String)>,
    video_mode: VideoMode,
    version: Option<String>,
    volume_id: Option<String>,
    outer_edge_threshold: Option<u64>,
    pad_to_sectors: Option<u32>,
    date: Option<DiscDate>,
}

/// One file once its name is checked and its size known.
struct PlannedFile {
    path: DiscPath,
    source: FileSource,
    size: u32,
    outer_edge: bool,
    lsn: u32,
}

/// One directory of the plan. Index 0 is the root.
struct PlannedDir {
    name: String,
    parent: usize,
    /// Child directories and files by on-disc identifier (`NAME` or `NAME.EXT;1`), sorted.
    children: BTreeMap<String, Child>,
    lsn: u32,
    size: u32,
}

#[derive(Clone, Copy)]
enum Child {
    Dir(usize),
    File(usize),
}

impl DiscBuilder {
    /// An empty disc.
    pub fn new() -> Self {
        Self::default()
    }

    /// The boot executable, written to the root as `name` (8.3, e.g. `HELLO.ELF`), and the
    /// `SYSTEM.CNF` that names it (`BOOT2 = cdrom0:\NAME.ELF;1`).
    pub fn boot_elf(mut self, name: &str, source: impl Into<FileSource>) -> Self {
        self.boot = Some((name.to_string(), source.into()));
        self
    }

    /// Adds a file at `disc_path` (e.g. `MODEL/WEIGHTS.BIN`); see [`crate::names`] for the rules.
    pub fn file(mut self, disc_path: &str, source: impl Into<FileSource>) -> Self {
        self.files.push((disc_path.to_string(), source.into()));
        self
    }

    /// Adds every file under the host directory `host_dir`, keeping its subdirectories, below
    /// `disc_prefix` (`""` for the disc root). This is how an example's `disc/` folder is copied.
    pub fn dir_tree(mut self, host_dir: impl Into<PathBuf>, disc_prefix: &str) -> Self {
        self.trees.push((host_dir.into(), disc_prefix.to_string()));
        self
    }

    /// `VMODE` in `SYSTEM.CNF` (default NTSC).
    pub fn video_mode(mut self, mode: VideoMode) -> Self {
        self.video_mode = mode;
        self
    }

    /// `VER` in `SYSTEM.CNF` (default `1.00`; digits and dots).
    pub fn version(mut self, version: &str) -> Self {
        self.version = Some(version.to_string());
        self
    }

    /// The volume identifier (d-characters, at most 32; default: the boot ELF's name without
    /// extension, or `PS2DISC`).
    pub fn volume_id(mut self, id: &str) -> Self {
        self.volume_id = Some(id.to_string());
        self
    }

    /// Places files of at least `threshold_bytes` after all other files, at the end of the
    /// image. A CAV drive (the PS2's) reads the outer edge of a disc up to ~2.4× faster than the
    /// inner edge, and the end of the image is its outermost part; combine with
    /// [`pad_to_sectors`](Self::pad_to_sectors) to push those files to the edge of a full disc.
    pub fn outer_edge(mut self, threshold_bytes: u64) -> Self {
        self.outer_edge_threshold = Some(threshold_bytes);
        self
    }

    /// Places the outer-edge files so that the last one ends at sector `sectors` (for example
    /// [`crate::drive::CD_74_MIN_SECTORS`]), leaving a zero gap before them. The gap is written as
    /// a hole: the image file is sparse on file systems that support it. No effect without
    /// [`outer_edge`](Self::outer_edge), or when the content does not fit below `sectors`.
    pub fn pad_to_sectors(mut self, sectors: u32) -> Self {
        self.pad_to_sectors = Some(sectors);
        self
    }

    /// The recording date of every file and directory (default [`DiscDate::DEFAULT`], so that
    /// images are reproducible).
    pub fn date(mut self, date: DiscDate) -> Self {
        self.date = Some(date);
        self
    }

    /// Writes the image to a new file at `path`.
    pub fn write_to(self, path: impl AsRef<Path>) -> Result<DiscLayout, BuildError> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|source| BuildError::Output { path: path.to_path_buf(), source })?;
        let mut output = BufWriter::new(file);
        let layout = self.write_into(&mut output).map_err(|error| error.with_output_path(path))?;
        output.flush().map_err(|source| BuildError::Output { path: path.to_path_buf(), source })?;
        Ok(layout)
    }

    /// Builds the image in memory (for tests and small discs).
    pub fn build(self) -> Result<(Vec<u8>, DiscLayout), BuildError> {
        let mut image = io::Cursor::new(Vec::new());
        let layout = self.write_into(&mut image)?;
        Ok((image.into_inner(), layout))
    }

    /// Writes the image to any seekable output, starting at its current position 0.
    pub fn write_into<W: Write + Seek>(self, output: &mut W) -> Result<DiscLayout, BuildError> {
        let date = self.date.unwrap_or(DiscDate::DEFAULT);
        let volume_id = self.resolved_volume_id()?;
        let mut plan = Plan::new(self.collect_files()?)?;
        plan.assign_sectors(self.pad_to_sectors)?;
        plan.write(output, &volume_id, &date)?;
        Ok(plan.layout())
    }

    fn resolved_volume_id(&self) -> Result<String, BuildError> {
        if let Some(id) = &self.volume_id {
            return Ok(names::volume_id(id)?);
        }
        let from_elf = self.boot.as_ref().and_then(|(name, _)| names::volume_id(name.split('.').next()?).ok());
        Ok(from_elf.unwrap_or_else(|| "PS2DISC".to_string()))
    }

    /// Every file of the disc with its checked path and size, `SYSTEM.CNF` included.
    fn collect_files(&self) -> Result<Vec<PlannedFile>, BuildError> {
        let mut sources: Vec<(String, FileSource)> = Vec::new();
        if let Some((name, source)) = &self.boot {
            let boot_path = names::parse_file_path(name)?;
            if !boot_path.directories.is_empty() {
                return Err(NameError { path: name.clone(), reason: "the boot ELF must be in the root".into() }.into());
            }
            sources.push((boot_path.file_name.clone(), source.clone()));
            sources.push(("SYSTEM.CNF".into(), FileSource::Bytes(self.system_cnf(&boot_path.file_name)?)));
        }
        for (host_dir, prefix) in &self.trees {
            walk_tree(host_dir, prefix, &mut sources)?;
        }
        sources.extend(self.files.iter().cloned());

        let threshold = self.outer_edge_threshold;
        sources
            .into_iter()
            .map(|(disc_path, source)| {
                let path = names::parse_file_path(&disc_path)?;
                let length = source.len()?;
                let size = u32::try_from(length)
                    .map_err(|_| BuildError::FileTooLarge { path: path.rom_path(), size: length })?;
                let outer_edge = threshold.is_some_and(|threshold| u64::from(size) >= threshold);
                Ok(PlannedFile { path, source, size, outer_edge, lsn: 0 })
            })
            .collect()
    }

    /// The text of `SYSTEM.CNF` (CR LF line ends, as on official discs).
    fn system_cnf(&self, boot_name: &str) -> Result<Vec<u8>, BuildError> {
        let version = self.version.as_deref().unwrap_or("1.00");
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(BuildError::InvalidVersion(version.to_string()));
        }
        let mode = match self.video_mode {
            VideoMode::Ntsc => "NTSC",
            VideoMode::Pal => "PAL",
        };
        Ok(format!("BOOT2 = cdrom0:\\{boot_name};1\r\nVER = {version}\r\nVMODE = {mode}\r\n").into_bytes())
    }
}

/// Adds the files below `host_dir` (sorted, so images are reproducible).
fn walk_tree(host_dir: &Path, prefix: &str, sources: &mut Vec<(String, FileSource)>) -> Result<(), BuildError> {
    let read_error = |source| BuildError::Source { path: host_dir.to_path_buf(), source };
    let mut entries = std::fs::read_dir(host_dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|name| name.to_str()).ok_or_else(|| NameError {
            path: entry.display().to_string(),
            reason: "the host file name is not valid UTF-8".into(),
        })?;
        let disc_path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        if entry.is_dir() {
            walk_tree(&entry, &disc_path, sources)?;
        } else {
            sources.push((disc_path, FileSource::Path(entry)));
        }
    }
    Ok(())
}

/// The directory tree and file list, then their sector numbers.
struct Plan {
    files: Vec<PlannedFile>,
    /// Directories in path-table order (breadth first, by name); index 0 is the root.
    dirs: Vec<PlannedDir>,
    path_table_size: u32,
    path_table_sectors: u32,
    total_sectors: u32,
}

/// The first sector after the system area, the primary descriptor and the terminator.
const FIRST_FREE_LSN: u32 = 18;

impl Plan {
    fn new(files: Vec<PlannedFile>) -> Result<Self, BuildError> {
        let mut dirs = vec![PlannedDir { name: String::new(), parent: 0, children: BTreeMap::new(), lsn: 0, size: 0 }];
        let mut dir_index: HashMap<Vec<String>, usize> = HashMap::from([(Vec::new(), 0)]);
        for (file_index, file) in files.iter().enumerate() {
            let mut parent = 0;
            for depth in 0..file.path.directories.len() {
                let prefix = file.path.directories[..=depth].to_vec();
                parent = match dir_index.get(&prefix) {
                    Some(&index) => index,
                    None => {
                        let name = prefix[depth].clone();
                        let index = dirs.len();
                        insert_child(&mut dirs[parent], &name, Child::Dir(index), &file.path)?;
                        dirs.push(PlannedDir { name, parent, children: BTreeMap::new(), lsn: 0, size: 0 });
                        dir_index.insert(prefix, index);
                        index
                    }
                };
            }
            let identifier = format!("{};1", file.path.file_name);
            insert_child(&mut dirs[parent], &identifier, Child::File(file_index), &file.path)?;
        }
        if dirs.len() > usize::from(u16::MAX) {
            return Err(BuildError::TooManyDirectories(dirs.len()));
        }
        let mut plan = Plan { files, dirs, path_table_size: 0, path_table_sectors: 0, total_sectors: 0 };
        plan.sort_breadth_first();
        Ok(plan)
    }

    /// Renumbers the directories breadth first, children by name: the order path tables need.
    fn sort_breadth_first(&mut self) {
        let mut order = vec![0];
        let mut next = 0;
        while next < order.len() {
            let children = self.dirs[order[next]].children.values().filter_map(|child| match child {
                Child::Dir(index) => Some(*index),
                Child::File(_) => None,
            });
            order.extend(children.collect::<Vec<_>>());
            next += 1;
        }
        let mut new_index = vec![0; order.len()];
        for (position, &old) in order.iter().enumerate() {
            new_index[old] = position;
        }
        let mut old_dirs: Vec<Option<PlannedDir>> = std::mem::take(&mut self.dirs).into_iter().map(Some).collect();
        for &old in &order {
            let mut dir = old_dirs[old].take().expect("each directory appears once in the walk");
            dir.parent = new_index[dir.parent];
            for child in dir.children.values_mut() {
                if let Child::Dir(index) = child {
                    *index = new_index[*index];
                }
            }
            self.dirs.push(dir);
        }
    }

    /// The records of one directory: `.`, `..`, then its children sorted by identifier.
    fn directory_records(&self, index: usize, date: &DiscDate) -> Vec<Vec<u8>> {
        let dir = &self.dirs[index];
        let parent = &self.dirs[dir.parent];
        let mut records = vec![
            encode::directory_record(dir.lsn, dir.size, FLAG_DIRECTORY, &[0], date),
            encode::directory_record(parent.lsn, parent.size, FLAG_DIRECTORY, &[1], date),
        ];
        for (identifier, child) in &dir.children {
            let record = match *child {
                Child::Dir(child) => {
                    let child = &self.dirs[child];
                    encode::directory_record(child.lsn, child.size, FLAG_DIRECTORY, identifier.as_bytes(), date)
                }
                Child::File(file) => {
                    let file = &self.files[file];
                    encode::directory_record(file.lsn, file.size, 0, identifier.as_bytes(), date)
                }
            };
            records.push(record);
        }
        records
    }

    fn path_table(&self, big_endian: bool) -> Vec<u8> {
        let entries: Vec<PathTableEntry<'_>> = self
            .dirs
            .iter()
            .enumerate()
            .map(|(index, dir)| PathTableEntry {
                identifier: if index == 0 { &[0] } else { dir.name.as_bytes() },
                lsn: dir.lsn,
                parent: dir.parent as u16 + 1,
            })
            .collect();
        encode::path_table(&entries, big_endian)
    }

    /// Gives every structure and file its LSN: path tables, directories, files, outer-edge files.
    fn assign_sectors(&mut self, pad_to_sectors: Option<u32>) -> Result<(), BuildError> {
        let date = DiscDate::DEFAULT; // dates do not change sizes
        self.path_table_size = self.path_table(false).len() as u32;
        self.path_table_sectors = self.path_table_size.div_ceil(SECTOR_SIZE as u32).max(1);
        let mut next = u64::from(FIRST_FREE_LSN + 2 * self.path_table_sectors);
        for index in 0..self.dirs.len() {
            // Record lengths depend on names only, so the size is known before any LSN.
            let size = encode::pack_records(&self.directory_records(index, &date)).len() as u32;
            self.dirs[index].size = size;
            self.dirs[index].lsn = sector_number(next)?;
            next += u64::from(size) / SECTOR_SIZE as u64;
        }
        for outer in [false, true] {
            if outer && let Some(end) = pad_to_sectors {
                let outer_sectors: u64 = self.files_in_order(true).map(|file| sectors_of(file.size)).sum();
                if outer_sectors > 0 {
                    next = next.max(u64::from(end).saturating_sub(outer_sectors));
                }
            }
            for file_index in self.file_order(outer) {
                let file = &mut self.files[file_index];
                file.lsn = sector_number(next)?;
                next += sectors_of(file.size);
            }
        }
        self.total_sectors = sector_number(next)?;
        Ok(())
    }

    /// Indices of the files in write order: directory order, then name, within one group.
    fn file_order(&self, outer_edge: bool) -> Vec<usize> {
        let mut order = Vec::new();
        for dir in &self.dirs {
            for child in dir.children.values() {
                if let Child::File(index) = *child
                    && self.files[index].outer_edge == outer_edge
                {
                    order.push(index);
                }
            }
        }
        order
    }

    fn files_in_order(&self, outer_edge: bool) -> impl Iterator<Item = &PlannedFile> {
        self.file_order(outer_edge).into_iter().map(|index| &self.files[index])
    }

    fn write<W: Write + Seek>(&self, output: &mut W, volume_id: &str, date: &DiscDate) -> Result<(), BuildError> {
        let descriptor = PrimaryDescriptor {
            volume_id,
            volume_sectors: self.total_sectors,
            path_table_size: self.path_table_size,
            l_path_table_lsn: FIRST_FREE_LSN,
            m_path_table_lsn: FIRST_FREE_LSN + self.path_table_sectors,
            root_lsn: self.dirs[0].lsn,
            root_size: self.dirs[0].size,
            date: *date,
        };
        let write_error = BuildError::output;
        output.seek(SeekFrom::Start(0)).map_err(write_error)?;
        output.write_all(&[0; 16 * SECTOR_SIZE]).map_err(write_error)?;
        output.write_all(&descriptor.encode()).map_err(write_error)?;
        output.write_all(&encode::terminator()).map_err(write_error)?;
        for big_endian in [false, true] {
            write_padded(output, &self.path_table(big_endian))?;
        }
        for index in 0..self.dirs.len() {
            output.write_all(&encode::pack_records(&self.directory_records(index, date))).map_err(write_error)?;
        }
        for outer in [false, true] {
            for file in self.files_in_order(outer) {
                if file.size == 0 {
                    continue;
                }
                output.seek(SeekFrom::Start(u64::from(file.lsn) * SECTOR_SIZE as u64)).map_err(write_error)?;
                write_file(output, file)?;
            }
        }
        // Zero-length files at the end take no sectors, but the image must still span the volume.
        let image_end = u64::from(self.total_sectors) * SECTOR_SIZE as u64;
        if output.seek(SeekFrom::End(0)).map_err(write_error)? < image_end {
            output.seek(SeekFrom::Start(image_end - 1)).map_err(write_error)?;
            output.write_all(&[0]).map_err(write_error)?;
        }
        Ok(())
    }

    fn layout(&self) -> DiscLayout {
        let mut files: Vec<FilePlacement> = self
            .files
            .iter()
            .map(|file| FilePlacement {
                path: file.path.rom_path(),
                lsn: file.lsn,
                size: file.size,
                outer_edge: file.outer_edge,
            })
            .collect();
        files.sort_by_key(|placement| placement.lsn);
        let mut warnings = Vec::new();
        if self.path_table_size as usize > SECTOR_SIZE {
            warnings.push(format!(
                "the path table takes {} bytes; the ROM's sceCdSearchFile reads only its first 2048, so it will \
                 not find directories listed after that (ps2-cdvd's reader will)",
                self.path_table_size
            ));
        }
        for dir in &self.dirs {
            let entries = dir.children.len() + 2;
            if dir.size as usize > SECTOR_SIZE || entries > 64 {
                let name = if dir.name.is_empty() { "\\" } else { &dir.name };
                warnings.push(format!(
                    "directory {name} has {entries} entries in {} sectors; the ROM's sceCdSearchFile reads only the \
                     first sector and at most 64 entries (ps2-cdvd's reader walks it fully)",
                    dir.size as usize / SECTOR_SIZE
                ));
            }
        }
        DiscLayout { files, total_sectors: self.total_sectors, warnings }
    }
}

/// Adds a child to a directory, refusing duplicate names (case-insensitively, which the
/// upper-casing already ensures) and a file and a directory of the same name.
fn insert_child(dir: &mut PlannedDir, identifier: &str, child: Child, path: &DiscPath) -> Result<(), BuildError> {
    let base = identifier.trim_end_matches(";1");
    let clash = dir.children.keys().any(|existing| existing.trim_end_matches(";1") == base);
    if clash {
        return Err(BuildError::Duplicate(path.rom_path()));
    }
    dir.children.insert(identifier.to_string(), child);
    Ok(())
}

fn sectors_of(size: u32) -> u64 {
    u64::from(size).div_ceil(SECTOR_SIZE as u64)
}

fn sector_number(sector: u64) -> Result<u32, BuildError> {
    u32::try_from(sector).map_err(|_| BuildError::ImageTooLarge)
}

/// Writes `bytes` and zero padding up to the next sector boundary (at least one sector).
fn write_padded<W: Write>(output: &mut W, bytes: &[u8]) -> Result<(), BuildError> {
    let padded = bytes.len().div_ceil(SECTOR_SIZE).max(1) * SECTOR_SIZE;
    output.write_all(bytes).map_err(BuildError::output)?;
    output.write_all(&vec![0; padded - bytes.len()]).map_err(BuildError::output)
}

/// Writes one file's data, padded to whole sectors.
fn write_file<W: Write>(output: &mut W, file: &PlannedFile) -> Result<(), BuildError> {
    match &file.source {
        FileSource::Bytes(bytes) => write_padded(output, bytes),
        FileSource::Path(path) => {
            let source_error = |source| BuildError::Source { path: path.clone(), source };
            let input = File::open(path).map_err(source_error)?;
            let copied = io::copy(&mut io::Read::take(input, u64::from(file.size)), output).map_err(source_error)?;
            if copied != u64::from(file.size) {
                return Err(BuildError::SourceChanged(path.clone()));
            }
            let tail = (SECTOR_SIZE - file.size as usize % SECTOR_SIZE) % SECTOR_SIZE;
            output.write_all(&vec![0; tail]).map_err(BuildError::output)
        }
    }
}
