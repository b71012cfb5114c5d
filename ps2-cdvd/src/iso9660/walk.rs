//! Walking the whole directory tree in bounded time and without a heap.

use super::record::Record;
use super::{DEFAULT_WALK_ENTRIES, DirEntry, Error, MAX_DIRECTORY_LEVELS, SectorRead, Volume, corrupt};

/// An entry found by [`Walk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkEntry {
    /// The file or directory.
    pub entry: DirEntry,
    /// How deep it lies: 1 for the root's entries, 2 for theirs, and so on.
    pub depth: usize,
}

/// A directory being listed: its extent and the offset of its next record.
#[derive(Debug, Clone, Copy)]
struct Level {
    lsn: u32,
    size: u32,
    offset: u32,
}

/// Depth-first iterator over the whole tree, from [`Volume::walk`]: a directory's entries follow
/// it directly. Stops after the first error.
///
/// A corrupt disc cannot make it run forever or without bound. Before it enters a directory it
/// checks, in this order:
/// * that the directory is not the one listing it or any of that one's ancestors
///   ([`Error::DirectoryCycle`]);
/// * that it lies no deeper than [`MAX_DIRECTORY_LEVELS`] ([`Error::TooDeep`]);
/// * that its extent lies in the volume and within [`MAX_DIRECTORY_BYTES`](super::MAX_DIRECTORY_BYTES)
///   ([`Error::Corrupt`], [`Error::TooLarge`]);
/// * that its first two records are `.` pointing at itself and `..` pointing at the directory
///   that lists it, as ECMA-119 §6.8.2.2 requires ([`Error::Corrupt`]): a directory reached from
///   two different parents is caught here;
/// * that all directories entered so far hold no more sectors than the volume ([`Error::Corrupt`]):
///   in a real tree their extents are distinct.
///
/// It also yields at most [`DEFAULT_WALK_ENTRIES`] entries ([`Self::max_entries`]), which bounds a
/// directory listed again and again by the same parent.
pub struct Walk<'volume, R: SectorRead> {
    volume: &'volume mut Volume<R>,
    /// The directories being listed, the root first; `depth` of them are in use.
    levels: [Level; MAX_DIRECTORY_LEVELS],
    depth: usize,
    entries: u32,
    max_entries: u32,
    directory_sectors: u64,
    finished: bool,
}

impl<'volume, R: SectorRead> Walk<'volume, R> {
    pub(super) fn new(volume: &'volume mut Volume<R>) -> Result<Self, Error<R::Error>> {
        let root = volume.root();
        let mut walk = Walk {
            volume,
            levels: [Level { lsn: 0, size: 0, offset: 0 }; MAX_DIRECTORY_LEVELS],
            depth: 0,
            entries: 0,
            max_entries: DEFAULT_WALK_ENTRIES,
            directory_sectors: 0,
            finished: false,
        };
        // The root's `..` points at the root itself.
        walk.enter(&root, root.lsn)?;
        Ok(walk)
    }

    /// Sets how many entries the walk yields before it stops with [`Error::TooLarge`].
    pub fn max_entries(mut self, limit: u32) -> Self {
        self.max_entries = limit;
        self
    }

    /// Checks `dir` (listed by the directory at `parent_lsn`) and pushes it on the stack.
    fn enter(&mut self, dir: &DirEntry, parent_lsn: u32) -> Result<(), Error<R::Error>> {
        if self.levels[..self.depth].iter().any(|level| level.lsn == dir.lsn) {
            return Err(Error::DirectoryCycle { lsn: parent_lsn, target: dir.lsn });
        }
        if self.depth == MAX_DIRECTORY_LEVELS {
            return Err(Error::TooDeep { lsn: dir.lsn, limit: MAX_DIRECTORY_LEVELS });
        }
        self.volume.check_directory(dir)?;
        self.directory_sectors += u64::from(dir.sectors());
        if self.directory_sectors > u64::from(self.volume.volume_sectors()) {
            return Err(corrupt("the directories hold more sectors than the volume: directories overlap", dir.lsn));
        }
        let mut offset = 0;
        match self.volume.next_record(dir.lsn, dir.size, &mut offset)? {
            Some(Record::SelfOrParent(this)) if this.name.identifier() == [0] && this.lsn == dir.lsn => {}
            _ => return Err(corrupt("the directory's first record is not `.` pointing at the directory", dir.lsn)),
        }
        match self.volume.next_record(dir.lsn, dir.size, &mut offset)? {
            Some(Record::SelfOrParent(parent)) if parent.name.identifier() == [1] && parent.lsn == parent_lsn => {}
            _ => {
                return Err(corrupt(
                    "the directory's second record is not `..` pointing at the directory that lists it",
                    dir.lsn,
                ));
            }
        }
        self.levels[self.depth] = Level { lsn: dir.lsn, size: dir.size, offset };
        self.depth += 1;
        Ok(())
    }

    fn next_entry(&mut self) -> Result<Option<WalkEntry>, Error<R::Error>> {
        while let Some(top) = self.depth.checked_sub(1) {
            let Level { lsn, size, mut offset } = self.levels[top];
            let record = self.volume.next_record(lsn, size, &mut offset)?;
            self.levels[top].offset = offset;
            let entry = match record {
                None => {
                    self.depth -= 1;
                    continue;
                }
                // Only the first two records may be `.` and `..`; later copies are skipped like
                // `read_dir` skips them.
                Some(Record::SelfOrParent(_)) => continue,
                Some(Record::Entry(entry)) => entry,
            };
            if self.entries >= self.max_entries {
                return Err(Error::TooLarge {
                    what: "entries in the directory tree",
                    value: u64::from(self.entries) + 1,
                    limit: u64::from(self.max_entries),
                    lsn,
                });
            }
            self.entries += 1;
            if entry.is_dir {
                self.enter(&entry, lsn)?;
            }
            return Ok(Some(WalkEntry { entry, depth: top + 1 }));
        }
        Ok(None)
    }
}

impl<R: SectorRead> Iterator for Walk<'_, R> {
    type Item = Result<WalkEntry, Error<R::Error>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = self.next_entry().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.finished = true;
        }
        result
    }
}
