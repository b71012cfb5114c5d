//! Reads, writes and formats PlayStation 2 memory card images in the raw format PCSX2 uses: an
//! 8 MiB card stored as 16384 pages of 512 data bytes plus 16 spare bytes (12 of them ECC), 8,650,752
//! bytes in all (`Mcd001.ps2`).
//!
//! The file system is the one the console's MCMAN module implements (Ross Ridge, "PlayStation 2
//! Memory Card File System"; mymcplus; ps2sdk `mcman`): a superblock in page 0, an indirect FAT
//! cluster listing the FAT clusters, one 32-bit FAT entry per allocatable cluster (bit 31 =
//! allocated, low bits = next cluster), clusters of two pages, directories made of 512-byte entries
//! (two per cluster) beginning with "." and "..", and a 3-byte ECC over every 128-byte chunk.
//!
//! ```
//! use ps2_mcfs::Card;
//!
//! let mut card = Card::formatted();
//! card.mkdir("/BESAVE-00001")?;
//! card.write_file("/BESAVE-00001/DATA.BIN", b"level 3")?;
//! assert_eq!(card.read_file("/BESAVE-00001/DATA.BIN")?, b"level 3");
//! let names: Vec<String> = card.read_dir("/")?.into_iter().map(|e| e.name).collect();
//! assert_eq!(names, [".", "..", "BESAVE-00001"]);
//! // card.save("Mcd001.ps2")? writes the image PCSX2 opens.
//! # Ok::<(), ps2_mcfs::Error>(())
//! ```
//!
//! What is written follows the standard 8 MB layout (Ridge's table; mymcplus `format`): indirect
//! FAT in cluster 8, FAT in clusters 9-40, allocatable area from cluster 41 (root directory first),
//! 8135 allocatable clusters, backup blocks 1023 and 1022 left erased. Reads check the ECC of every
//! page that is not erased (spare byte 15 = `0xFF` marks an erased page, as MCMAN treats it) and
//! correct single-bit errors.

#![warn(missing_docs)]

pub mod ecc;
mod entry;
mod error;

use std::collections::BTreeSet;
use std::path::Path;

pub use entry::{DirEntry, ENTRY_SIZE, MAX_NAME, NO_CLUSTER, Timestamp, invalid_name_reason, mode};
pub use error::{Error, Result};

/// Data bytes of a page.
pub const PAGE_SIZE: usize = 512;
/// Spare bytes after each page (12 ECC bytes, then 4 zero bytes).
pub const SPARE_SIZE: usize = 16;
/// A page as stored in the image.
pub const RAW_PAGE_SIZE: usize = PAGE_SIZE + SPARE_SIZE;
/// Pages of an 8 MB card.
pub const PAGES: usize = 16384;
/// Pages per cluster.
pub const PAGES_PER_CLUSTER: usize = 2;
/// Bytes of a cluster, the allocation unit.
pub const CLUSTER_SIZE: usize = PAGE_SIZE * PAGES_PER_CLUSTER;
/// Pages per erase block.
pub const PAGES_PER_BLOCK: usize = 16;
/// Clusters of an 8 MB card.
pub const CLUSTERS: u32 = (PAGES / PAGES_PER_CLUSTER) as u32;
/// Size of an image file.
pub const IMAGE_SIZE: usize = PAGES * RAW_PAGE_SIZE;
/// The superblock's first 28 bytes.
pub const MAGIC: &[u8; 28] = b"Sony PS2 Memory Card Format ";
/// The file system version this crate writes.
pub const VERSION: &[u8; 7] = b"1.2.0.0";
/// The card flags byte written by [`Card::format`]: `0x2B` (ECC in use, bad-block list present), the
/// flags byte the card's GetSpecs reply carries and MCMAN stores.
pub const CARD_FLAGS: u8 = 0x2B;
/// FAT entry bit: the cluster is allocated.
pub const FAT_ALLOCATED: u32 = 0x8000_0000;
/// FAT entry: allocated, end of chain.
pub const FAT_END: u32 = 0xFFFF_FFFF;
/// FAT entry of a free cluster as format writes it.
pub const FAT_FREE: u32 = 0x7FFF_FFFF;

/// Superblock field offsets (Ridge; mymcplus `pack_superblock`; ps2sdk `MCDevInfo`).
pub mod superblock {
    /// `char[28]` magic.
    pub const MAGIC: usize = 0x000;
    /// `char[12]` version.
    pub const VERSION: usize = 0x01C;
    /// `u16` bytes per page.
    pub const PAGE_LEN: usize = 0x028;
    /// `u16` pages per cluster.
    pub const PAGES_PER_CLUSTER: usize = 0x02A;
    /// `u16` pages per erase block.
    pub const PAGES_PER_BLOCK: usize = 0x02C;
    /// `u16` unused, `0xFF00`.
    pub const UNUSED: usize = 0x02E;
    /// `u32` clusters on the card.
    pub const CLUSTERS_PER_CARD: usize = 0x030;
    /// `u32` absolute cluster of allocatable cluster 0.
    pub const ALLOC_OFFSET: usize = 0x034;
    /// `u32` allocatable clusters.
    pub const ALLOC_END: usize = 0x038;
    /// `u32` first cluster of the root directory (relative; 0).
    pub const ROOTDIR_CLUSTER: usize = 0x03C;
    /// `u32` erase block holding the backup copy.
    pub const BACKUP_BLOCK1: usize = 0x040;
    /// `u32` erase block recording a pending backup (kept erased).
    pub const BACKUP_BLOCK2: usize = 0x044;
    /// `u32[32]` absolute clusters of the indirect FAT.
    pub const IFC_LIST: usize = 0x050;
    /// `i32[32]` bad erase blocks (-1 = none).
    pub const BAD_BLOCK_LIST: usize = 0x0D0;
    /// `u8` card type (2 = PS2).
    pub const CARD_TYPE: usize = 0x150;
    /// `u8` card flags.
    pub const CARD_FLAGS: usize = 0x151;
}

/// Values of the standard 8 MB format (Ridge's layout table; mymcplus `format`).
pub mod layout {
    /// Absolute cluster of the (only) indirect FAT cluster.
    pub const IFC_CLUSTER: u32 = 8;
    /// Absolute cluster of the first FAT cluster.
    pub const FAT_FIRST_CLUSTER: u32 = 9;
    /// FAT clusters (8192 entries / 256 per cluster).
    pub const FAT_CLUSTERS: u32 = 32;
    /// Absolute cluster of allocatable cluster 0 (the root directory).
    pub const ALLOC_OFFSET: u32 = 41;
    /// Backup block 1 (the last erase block).
    pub const BACKUP_BLOCK1: u32 = 1023;
    /// Backup block 2 (the one before).
    pub const BACKUP_BLOCK2: u32 = 1022;
    /// Allocatable clusters: everything below backup block 2 after the system area.
    pub const ALLOC_END: u32 = BACKUP_BLOCK2 * 8 - ALLOC_OFFSET;
}

/// Where a directory entry lives: entry `index` of the directory whose first cluster is `dir_cluster`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryLoc {
    /// First cluster (relative) of the containing directory.
    pub dir_cluster: u32,
    /// Index of the entry in that directory.
    pub index: u32,
}

/// A looked-up path: its entry and where that entry is stored (`None` for the root).
#[derive(Debug, Clone)]
pub struct Found {
    /// The entry (for the root, its "." entry).
    pub entry: DirEntry,
    /// Where it is stored; `None` for the root directory.
    pub loc: Option<EntryLoc>,
}

#[derive(Debug, Clone)]
struct Geometry {
    alloc_offset: u32,
    alloc_end: u32,
    rootdir_cluster: u32,
    ifc_list: Vec<u32>,
}

/// A memory card image held in memory.
#[derive(Clone)]
pub struct Card {
    raw: Vec<u8>,
    geometry: Option<Geometry>,
    dirty: BTreeSet<u32>,
    max_used: Option<u32>,
    clock: Timestamp,
}

impl core::fmt::Debug for Card {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Card").field("formatted", &self.geometry.is_some()).field("dirty_pages", &self.dirty.len()).finish()
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}

/// Splits a path into its components, resolving "." and ".." lexically ("/" and "" are the root).
pub fn components(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out
}

impl Card {
    /// A new, unformatted card: every page erased (all `0xFF`), as PCSX2 creates a card file.
    pub fn unformatted() -> Card {
        Card { raw: vec![0xFF; IMAGE_SIZE], geometry: None, dirty: BTreeSet::new(), max_used: None, clock: Timestamp::MCMAN_FALLBACK }
    }

    /// A new card, formatted.
    pub fn formatted() -> Card {
        let mut card = Card::unformatted();
        card.format();
        card
    }

    /// Takes an image's bytes. An image without a valid superblock is accepted as unformatted.
    pub fn from_bytes(raw: Vec<u8>) -> Result<Card> {
        if raw.len() != IMAGE_SIZE {
            return Err(Error::BadImageSize { len: raw.len(), expected: IMAGE_SIZE });
        }
        let mut card = Card { raw, geometry: None, dirty: BTreeSet::new(), max_used: None, clock: Timestamp::MCMAN_FALLBACK };
        card.geometry = card.read_geometry()?;
        Ok(card)
    }

    /// Reads an image file.
    pub fn open(path: impl AsRef<Path>) -> Result<Card> {
        let path = path.as_ref();
        let raw = std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
        Card::from_bytes(raw)
    }

    /// Writes the whole image to a file and forgets the dirty pages.
    pub fn save(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.raw).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
        self.dirty.clear();
        Ok(())
    }

    /// Writes only the pages changed since the last save/flush into an image file of the right
    /// size (each at `page × 528`), then forgets them.
    pub fn flush_to(&mut self, file: &mut (impl std::io::Write + std::io::Seek), path_for_errors: &str) -> Result<()> {
        let io = |source| Error::Io { path: path_for_errors.to_string(), source };
        for &page in &self.dirty {
            let at = page as usize * RAW_PAGE_SIZE;
            file.seek(std::io::SeekFrom::Start(at as u64)).map_err(io)?;
            file.write_all(&self.raw[at..at + RAW_PAGE_SIZE]).map_err(io)?;
        }
        file.flush().map_err(io)?;
        self.dirty.clear();
        Ok(())
    }

    /// The raw image (pages with their spare bytes).
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Mutable access to the raw image (for damaging it in tests; ECC is not updated).
    pub fn raw_mut(&mut self) -> &mut [u8] {
        &mut self.raw
    }

    /// Whether the card has a file system.
    pub fn is_formatted(&self) -> bool {
        self.geometry.is_some()
    }

    /// Sets the time stamp given to entries created or modified from now on.
    pub fn set_clock(&mut self, now: Timestamp) {
        self.clock = now;
    }

    /// Limits the free space: from now on at most `free` more clusters can be allocated (`None`: no
    /// limit). For simulating a nearly full card without filling it.
    pub fn set_free_limit(&mut self, free: Option<u32>) -> Result<()> {
        self.max_used = match free {
            Some(n) => Some(self.used_clusters()? + n),
            None => None,
        };
        Ok(())
    }

    fn geometry(&self) -> Result<&Geometry> {
        self.geometry.as_ref().ok_or(Error::NotFormatted)
    }

    // ---- pages and ECC ----

    /// Reads page `page`'s data, checking its ECC unless the page is erased (spare byte 15 =
    /// `0xFF`); a single flipped bit per 128-byte chunk is corrected in the returned copy.
    pub fn read_page(&self, page: u32) -> Result<[u8; PAGE_SIZE]> {
        let at = page as usize * RAW_PAGE_SIZE;
        let raw = self.raw.get(at..at + RAW_PAGE_SIZE).ok_or_else(|| Error::Corrupt(format!("page {page} is beyond the card")))?;
        let mut data: [u8; PAGE_SIZE] = raw[..PAGE_SIZE].try_into().unwrap();
        let spare = &raw[PAGE_SIZE..];
        if spare[15] == 0xFF {
            return Ok(data);
        }
        for (i, chunk) in data.as_chunks_mut::<{ ecc::CHUNK }>().0.iter_mut().enumerate() {
            let stored = [spare[3 * i], spare[3 * i + 1], spare[3 * i + 2]];
            if ecc::check_and_correct(chunk, stored) == ecc::Check::Uncorrectable {
                return Err(Error::Ecc { page });
            }
        }
        Ok(data)
    }

    /// Programs page `page` with `data` and its ECC (spare = 12 ECC bytes, 4 zero bytes).
    pub fn write_page(&mut self, page: u32, data: &[u8; PAGE_SIZE]) {
        let at = page as usize * RAW_PAGE_SIZE;
        self.raw[at..at + PAGE_SIZE].copy_from_slice(data);
        let spare = &mut self.raw[at + PAGE_SIZE..at + RAW_PAGE_SIZE];
        spare[..12].copy_from_slice(&ecc::page_ecc(data));
        spare[12..].fill(0);
        self.dirty.insert(page);
    }

    fn read_cluster_abs(&self, abs: u32) -> Result<[u8; CLUSTER_SIZE]> {
        let mut out = [0u8; CLUSTER_SIZE];
        for p in 0..PAGES_PER_CLUSTER {
            out[p * PAGE_SIZE..(p + 1) * PAGE_SIZE].copy_from_slice(&self.read_page(abs * 2 + p as u32)?);
        }
        Ok(out)
    }

    fn write_cluster_abs(&mut self, abs: u32, data: &[u8; CLUSTER_SIZE]) {
        for p in 0..PAGES_PER_CLUSTER {
            self.write_page(abs * 2 + p as u32, data[p * PAGE_SIZE..(p + 1) * PAGE_SIZE].try_into().unwrap());
        }
    }

    fn abs(&self, rel: u32) -> Result<u32> {
        let g = self.geometry()?;
        if rel >= g.alloc_end {
            return Err(Error::Corrupt(format!("cluster {rel} is beyond the allocatable area ({})", g.alloc_end)));
        }
        Ok(g.alloc_offset + rel)
    }

    /// Reads allocatable cluster `rel`.
    pub fn read_cluster(&self, rel: u32) -> Result<[u8; CLUSTER_SIZE]> {
        self.read_cluster_abs(self.abs(rel)?)
    }

    fn write_cluster(&mut self, rel: u32, data: &[u8; CLUSTER_SIZE]) -> Result<()> {
        let abs = self.abs(rel)?;
        self.write_cluster_abs(abs, data);
        Ok(())
    }

    // ---- superblock and format ----

    fn read_geometry(&self) -> Result<Option<Geometry>> {
        let sb = self.read_page(0)?;
        if &sb[..28] != MAGIC || sb[superblock::VERSION..].starts_with(b"1.0") {
            return Ok(None);
        }
        let check = |what: &str, got: u32, want: u32| {
            if got == want { Ok(()) } else { Err(Error::BadSuperblock(format!("{what} is {got}, this crate handles {want}"))) }
        };
        check("page_len", le16(&sb, superblock::PAGE_LEN).into(), PAGE_SIZE as u32)?;
        check("pages_per_cluster", le16(&sb, superblock::PAGES_PER_CLUSTER).into(), PAGES_PER_CLUSTER as u32)?;
        check("clusters_per_card", le32(&sb, superblock::CLUSTERS_PER_CARD), CLUSTERS)?;
        let alloc_offset = le32(&sb, superblock::ALLOC_OFFSET);
        let alloc_end = le32(&sb, superblock::ALLOC_END);
        if alloc_offset.checked_add(alloc_end).is_none_or(|end| end > CLUSTERS) {
            return Err(Error::BadSuperblock(format!("allocatable area {alloc_offset}+{alloc_end} exceeds {CLUSTERS} clusters")));
        }
        let fat_clusters = alloc_end.div_ceil(256);
        let ifc_count = fat_clusters.div_ceil(256) as usize;
        let ifc_list: Vec<u32> = (0..ifc_count).map(|i| le32(&sb, superblock::IFC_LIST + 4 * i)).collect();
        if let Some(bad) = ifc_list.iter().find(|&&c| c >= CLUSTERS) {
            return Err(Error::BadSuperblock(format!("indirect FAT cluster {bad} is beyond the card")));
        }
        Ok(Some(Geometry { alloc_offset, alloc_end, rootdir_cluster: le32(&sb, superblock::ROOTDIR_CLUSTER), ifc_list }))
    }

    /// Formats the card (standard 8 MB layout): erases every page, writes the superblock, the
    /// indirect FAT, the FAT (root cluster allocated, the rest free) and the root directory.
    pub fn format(&mut self) {
        self.raw.fill(0xFF);
        self.dirty.extend(0..PAGES as u32);
        let mut sb = [0xFFu8; PAGE_SIZE];
        sb[..0x154].fill(0);
        sb[..28].copy_from_slice(MAGIC);
        sb[superblock::VERSION..superblock::VERSION + 7].copy_from_slice(VERSION);
        let put16 = |sb: &mut [u8; PAGE_SIZE], at: usize, v: u16| sb[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 = |sb: &mut [u8; PAGE_SIZE], at: usize, v: u32| sb[at..at + 4].copy_from_slice(&v.to_le_bytes());
        put16(&mut sb, superblock::PAGE_LEN, PAGE_SIZE as u16);
        put16(&mut sb, superblock::PAGES_PER_CLUSTER, PAGES_PER_CLUSTER as u16);
        put16(&mut sb, superblock::PAGES_PER_BLOCK, PAGES_PER_BLOCK as u16);
        put16(&mut sb, superblock::UNUSED, 0xFF00);
        put32(&mut sb, superblock::CLUSTERS_PER_CARD, CLUSTERS);
        put32(&mut sb, superblock::ALLOC_OFFSET, layout::ALLOC_OFFSET);
        put32(&mut sb, superblock::ALLOC_END, layout::ALLOC_END);
        put32(&mut sb, superblock::ROOTDIR_CLUSTER, 0);
        put32(&mut sb, superblock::BACKUP_BLOCK1, layout::BACKUP_BLOCK1);
        put32(&mut sb, superblock::BACKUP_BLOCK2, layout::BACKUP_BLOCK2);
        put32(&mut sb, superblock::IFC_LIST, layout::IFC_CLUSTER);
        for i in 0..32 {
            put32(&mut sb, superblock::BAD_BLOCK_LIST + 4 * i, 0xFFFF_FFFF);
        }
        sb[superblock::CARD_TYPE] = 2;
        sb[superblock::CARD_FLAGS] = CARD_FLAGS;
        self.write_page(0, &sb);

        let mut ifc = [0xFFu8; CLUSTER_SIZE];
        for i in 0..layout::FAT_CLUSTERS {
            ifc[4 * i as usize..4 * i as usize + 4].copy_from_slice(&(layout::FAT_FIRST_CLUSTER + i).to_le_bytes());
        }
        self.write_cluster_abs(layout::IFC_CLUSTER, &ifc);
        for f in 0..layout::FAT_CLUSTERS {
            let mut fat = [0u8; CLUSTER_SIZE];
            for i in 0..256u32 {
                let rel = f * 256 + i;
                let value = if rel == 0 || rel >= layout::ALLOC_END { FAT_END } else { FAT_FREE };
                fat[4 * i as usize..4 * i as usize + 4].copy_from_slice(&value.to_le_bytes());
            }
            self.write_cluster_abs(layout::FAT_FIRST_CLUSTER + f, &fat);
        }
        let now = self.clock;
        let dir = |name: &str, mode: u16, length: u32| DirEntry {
            name: name.into(),
            mode,
            length,
            created: now,
            modified: now,
            cluster: 0,
            dir_entry: 0,
            attr: 0,
        };
        let mut root = [0u8; CLUSTER_SIZE];
        root[..ENTRY_SIZE].copy_from_slice(&dir(".", mode::NEW_DIRECTORY, 2).encode());
        root[ENTRY_SIZE..].copy_from_slice(&dir("..", mode::ROOT_PARENT, 0).encode());
        self.write_cluster_abs(layout::ALLOC_OFFSET, &root);
        self.geometry = self.read_geometry().expect("a fresh format reads back");
    }

    // ---- FAT ----

    /// The FAT entry of allocatable cluster `rel`.
    pub fn fat_entry(&self, rel: u32) -> Result<u32> {
        let (page, word) = self.fat_position(rel)?;
        let data = self.read_page(page)?;
        Ok(le32(&data, word * 4))
    }

    fn set_fat_entry(&mut self, rel: u32, value: u32) -> Result<()> {
        let (page, word) = self.fat_position(rel)?;
        let mut data = self.read_page(page)?;
        data[word * 4..word * 4 + 4].copy_from_slice(&value.to_le_bytes());
        self.write_page(page, &data);
        Ok(())
    }

    /// The page holding FAT entry `rel` and the word index in it (Ridge's lookup: entry `rel % 256`
    /// of the FAT cluster named by word `(rel / 256) % 256` of indirect cluster `ifc_list[rel / 65536]`).
    fn fat_position(&self, rel: u32) -> Result<(u32, usize)> {
        let g = self.geometry()?;
        if rel >= g.alloc_end {
            return Err(Error::Corrupt(format!("cluster {rel} is beyond the allocatable area ({})", g.alloc_end)));
        }
        let (fat_off, ind) = (rel % 256, rel / 256);
        let (ifc, ind_off) = (ind / 256, ind % 256);
        let ifc_cluster = *g.ifc_list.get(ifc as usize).ok_or_else(|| Error::Corrupt(format!("no indirect FAT cluster for entry {rel}")))?;
        let ind_page = self.read_page(ifc_cluster * 2 + ind_off / 128)?;
        let fat_cluster = le32(&ind_page, (ind_off % 128) as usize * 4);
        if fat_cluster >= CLUSTERS {
            return Err(Error::Corrupt(format!("FAT cluster {fat_cluster} for entry {rel} is beyond the card")));
        }
        Ok((fat_cluster * 2 + fat_off / 128, (fat_off % 128) as usize))
    }

    /// Every FAT entry of the allocatable area.
    pub fn fat(&self) -> Result<Vec<u32>> {
        let end = self.geometry()?.alloc_end;
        let mut out = Vec::with_capacity(end as usize);
        let mut rel = 0;
        while rel < end {
            let (page, _) = self.fat_position(rel)?;
            let data = self.read_page(page)?;
            let take = (128 - rel % 128).min(end - rel);
            for w in 0..take {
                out.push(le32(&data, ((rel + w) % 128) as usize * 4));
            }
            rel += take;
        }
        Ok(out)
    }

    fn used_clusters(&self) -> Result<u32> {
        Ok(self.fat()?.iter().filter(|&&e| e & FAT_ALLOCATED != 0).count() as u32)
    }

    /// Free clusters (1 KiB each) in the allocatable area, within the limit set by
    /// [`Card::set_free_limit`].
    pub fn free_clusters(&self) -> Result<u32> {
        let fat = self.fat()?;
        let used = fat.iter().filter(|&&e| e & FAT_ALLOCATED != 0).count() as u32;
        let free = fat.len() as u32 - used;
        Ok(match self.max_used {
            Some(max) => free.min(max.saturating_sub(used)),
            None => free,
        })
    }

    /// The clusters of the chain starting at `first` (empty for [`NO_CLUSTER`]).
    pub fn chain(&self, first: u32) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        if first == NO_CLUSTER {
            return Ok(out);
        }
        let limit = self.geometry()?.alloc_end as usize;
        let mut c = first;
        loop {
            out.push(c);
            let e = self.fat_entry(c)?;
            if e & FAT_ALLOCATED == 0 {
                return Err(Error::Corrupt(format!("cluster {c} of the chain from {first} is not allocated")));
            }
            if e == FAT_END {
                return Ok(out);
            }
            if out.len() >= limit {
                return Err(Error::Corrupt(format!("the chain from cluster {first} loops")));
            }
            c = e & !FAT_ALLOCATED;
        }
    }

    /// Allocates `n` free clusters linked into a chain (the last marked end of chain).
    fn allocate(&mut self, n: u32) -> Result<Vec<u32>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let free = self.free_clusters()?;
        if free < n {
            return Err(Error::Full { needed: n, free });
        }
        let fat = self.fat()?;
        let found: Vec<u32> = (0..fat.len() as u32).filter(|&i| fat[i as usize] & FAT_ALLOCATED == 0).take(n as usize).collect();
        for (i, &c) in found.iter().enumerate() {
            let value = found.get(i + 1).map_or(FAT_END, |&next| next | FAT_ALLOCATED);
            self.set_fat_entry(c, value)?;
        }
        Ok(found)
    }

    /// Frees a chain the way MCMAN deletes: bit 31 of every entry is cleared, links kept.
    fn free_chain(&mut self, first: u32) -> Result<()> {
        for c in self.chain(first)? {
            let e = self.fat_entry(c)?;
            self.set_fat_entry(c, e & !FAT_ALLOCATED)?;
        }
        Ok(())
    }

    // ---- directory entries ----

    /// Reads the entry at `loc` (entry `i` of a directory is page `i % 2` of its cluster `i / 2`).
    pub fn entry(&self, loc: EntryLoc) -> Result<DirEntry> {
        let page = self.entry_page(loc)?;
        Ok(DirEntry::decode(&self.read_page(page)?))
    }

    fn entry_page(&self, loc: EntryLoc) -> Result<u32> {
        let chain = self.chain(loc.dir_cluster)?;
        let c = *chain.get(loc.index as usize / 2).ok_or_else(|| Error::Corrupt(format!("directory at cluster {} has no entry {}", loc.dir_cluster, loc.index)))?;
        Ok(self.abs(c)? * 2 + loc.index % 2)
    }

    /// Overwrites the entry at `loc`.
    pub fn set_entry(&mut self, loc: EntryLoc, entry: &DirEntry) -> Result<()> {
        let page = self.entry_page(loc)?;
        self.write_page(page, &entry.encode());
        Ok(())
    }

    fn root_loc(&self) -> Result<EntryLoc> {
        Ok(EntryLoc { dir_cluster: self.geometry()?.rootdir_cluster, index: 0 })
    }

    /// The number of entries of a directory (including "." and "..") and where that count is kept.
    fn dir_count(&self, dir: &Found) -> Result<(u32, EntryLoc)> {
        let loc = match dir.loc {
            Some(loc) => loc,
            None => self.root_loc()?,
        };
        Ok((self.entry(loc)?.length, loc))
    }

    /// Looks up `path` (absolute; "." and ".." resolved lexically).
    pub fn lookup(&self, path: &str) -> Result<Found> {
        let root = self.entry(self.root_loc()?)?;
        let mut found = Found { entry: root, loc: None };
        let parts = components(path);
        for (depth, name) in parts.iter().enumerate() {
            if !found.entry.is_dir() {
                return Err(Error::NotADirectory { path: format!("/{}", parts[..depth].join("/")) });
            }
            let (count, _) = self.dir_count(&found)?;
            let dir_cluster = found.entry.cluster;
            let mut next = None;
            for index in 2..count {
                let loc = EntryLoc { dir_cluster, index };
                let e = self.entry(loc)?;
                if e.exists() && e.name == *name {
                    next = Some(Found { entry: e, loc: Some(loc) });
                    break;
                }
            }
            found = next.ok_or_else(|| Error::NotFound { path: format!("/{}", parts[..=depth].join("/")) })?;
        }
        if parts.is_empty() {
            // The root's "." records the root's own first cluster in `cluster` only by convention (0).
            found.entry.cluster = self.geometry()?.rootdir_cluster;
        }
        Ok(found)
    }

    /// The live entries of directory `path`, "." and ".." first, with their locations.
    pub fn read_dir_locs(&self, path: &str) -> Result<Vec<(EntryLoc, DirEntry)>> {
        let dir = self.lookup(path)?;
        if !dir.entry.is_dir() {
            return Err(Error::NotADirectory { path: path.to_string() });
        }
        let (count, _) = self.dir_count(&dir)?;
        let mut out = Vec::new();
        for index in 0..count {
            let loc = EntryLoc { dir_cluster: dir.entry.cluster, index };
            let e = self.entry(loc)?;
            if e.exists() {
                out.push((loc, e));
            }
        }
        Ok(out)
    }

    /// The live entries of directory `path`, "." and ".." first.
    pub fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        Ok(self.read_dir_locs(path)?.into_iter().map(|(_, e)| e).collect())
    }

    /// Splits `path` into its parent directory (looked up) and a valid new name that does not exist yet.
    fn parent_and_new_name<'p>(&self, path: &'p str) -> Result<(Found, &'p str)> {
        let parts = components(path);
        let Some((&name, parent)) = parts.split_last() else {
            return Err(Error::AlreadyExists { path: "/".into() });
        };
        if let Some(reason) = invalid_name_reason(name) {
            return Err(Error::InvalidName { name: name.into(), reason });
        }
        let parent_path = format!("/{}", parent.join("/"));
        let dir = self.lookup(&parent_path)?;
        if !dir.entry.is_dir() {
            return Err(Error::NotADirectory { path: parent_path });
        }
        match self.lookup(path) {
            Ok(_) => Err(Error::AlreadyExists { path: format!("/{}", parts.join("/")) }),
            Err(Error::NotFound { .. }) => Ok((dir, name)),
            Err(e) => Err(e),
        }
    }

    /// Adds `entry` to directory `dir`: into a deleted slot if there is one, else at the end (a new
    /// cluster every second entry). Returns its location.
    fn add_entry(&mut self, dir: &Found, entry: &DirEntry) -> Result<EntryLoc> {
        let (count, count_loc) = self.dir_count(dir)?;
        let dir_cluster = dir.entry.cluster;
        for index in 2..count {
            let loc = EntryLoc { dir_cluster, index };
            if !self.entry(loc)?.exists() {
                self.set_entry(loc, entry)?;
                return Ok(loc);
            }
        }
        let loc = EntryLoc { dir_cluster, index: count };
        if count % 2 == 0 {
            let new = self.allocate(1)?[0];
            let last = *self.chain(dir_cluster)?.last().expect("a directory has a cluster");
            self.set_fat_entry(last, new | FAT_ALLOCATED)?;
            let mut cluster = [0u8; CLUSTER_SIZE];
            cluster[..ENTRY_SIZE].copy_from_slice(&entry.encode());
            self.write_cluster(new, &cluster)?;
        } else {
            self.set_entry(loc, entry)?;
        }
        let mut holder = self.entry(count_loc)?;
        holder.length = count + 1;
        holder.modified = self.clock;
        self.set_entry(count_loc, &holder)?;
        Ok(loc)
    }

    /// Creates an empty file (mode `0x8417`, as MCMAN creates one; the "closed properly" bit `0x0080`
    /// comes with [`Card::mark_closed`]) and returns its location.
    pub fn create_file(&mut self, path: &str) -> Result<EntryLoc> {
        let (dir, name) = self.parent_and_new_name(path)?;
        let now = self.clock;
        let entry = DirEntry {
            name: name.into(),
            mode: mode::NEW_FILE,
            length: 0,
            created: now,
            modified: now,
            cluster: NO_CLUSTER,
            dir_entry: 0,
            attr: 0,
        };
        self.add_entry(&dir, &entry)
    }

    /// Creates a directory with its "." and ".." entries.
    pub fn mkdir(&mut self, path: &str) -> Result<EntryLoc> {
        let (parent, name) = self.parent_and_new_name(path)?;
        let cluster = self.allocate(1)?[0];
        let now = self.clock;
        let entry = DirEntry {
            name: name.into(),
            mode: mode::NEW_DIRECTORY,
            length: 2,
            created: now,
            modified: now,
            cluster,
            dir_entry: 0,
            attr: 0,
        };
        let loc = match self.add_entry(&parent, &entry) {
            Ok(loc) => loc,
            Err(e) => {
                self.free_chain(cluster)?;
                return Err(e);
            }
        };
        let parent_dot = self.entry(EntryLoc { dir_cluster: parent.entry.cluster, index: 0 })?;
        let dot = DirEntry { name: ".".into(), length: 0, cluster: parent.entry.cluster, dir_entry: loc.index, ..entry.clone() };
        let dotdot = DirEntry { name: "..".into(), length: 0, cluster: parent_dot.cluster, dir_entry: parent_dot.dir_entry, ..entry };
        let mut data = [0u8; CLUSTER_SIZE];
        data[..ENTRY_SIZE].copy_from_slice(&dot.encode());
        data[ENTRY_SIZE..].copy_from_slice(&dotdot.encode());
        self.write_cluster(cluster, &data)?;
        Ok(loc)
    }

    /// Reads up to `buf.len()` bytes of the file at `loc` from `offset`; returns the count (0 at the end).
    pub fn read_at(&self, loc: EntryLoc, offset: u32, buf: &mut [u8]) -> Result<usize> {
        let e = self.entry(loc)?;
        if offset >= e.length {
            return Ok(0);
        }
        let n = buf.len().min((e.length - offset) as usize);
        let chain = self.chain(e.cluster)?;
        let mut done = 0;
        while done < n {
            let pos = offset as usize + done;
            let c = *chain.get(pos / CLUSTER_SIZE).ok_or_else(|| Error::Corrupt(format!("{}: chain shorter than its length", e.name)))?;
            let data = self.read_cluster(c)?;
            let from = pos % CLUSTER_SIZE;
            let take = (CLUSTER_SIZE - from).min(n - done);
            buf[done..done + take].copy_from_slice(&data[from..from + take]);
            done += take;
        }
        Ok(n)
    }

    /// Writes `data` into the file at `loc` at `offset` (a gap past the end reads as zeros), growing
    /// it as needed. Either every cluster needed is allocated or nothing is written ([`Error::Full`]).
    pub fn write_at(&mut self, loc: EntryLoc, offset: u32, data: &[u8]) -> Result<usize> {
        let mut e = self.entry(loc)?;
        if e.is_dir() {
            return Err(Error::IsADirectory { path: e.name });
        }
        let end = offset as usize + data.len();
        if end > u32::MAX as usize {
            return Err(Error::Full { needed: u32::MAX, free: self.free_clusters()? });
        }
        let mut chain = self.chain(e.cluster)?;
        let have = chain.len();
        let need = end.div_ceil(CLUSTER_SIZE);
        if need > have {
            let new = self.allocate((need - have) as u32)?;
            match chain.last() {
                Some(&last) => self.set_fat_entry(last, new[0] | FAT_ALLOCATED)?,
                None => e.cluster = new[0],
            }
            chain.extend(new);
        }
        let length = e.length as usize;
        let start = (offset as usize).min(length);
        let mut pos = start - start % CLUSTER_SIZE;
        while pos < end {
            let k = pos / CLUSTER_SIZE;
            let mut cluster = if k < have { self.read_cluster(chain[k])? } else { [0u8; CLUSTER_SIZE] };
            for (i, byte) in cluster.iter_mut().enumerate() {
                let at = pos + i;
                if at >= length && at < offset as usize {
                    *byte = 0;
                } else if at >= offset as usize && at < end {
                    *byte = data[at - offset as usize];
                }
            }
            self.write_cluster(chain[k], &cluster)?;
            pos += CLUSTER_SIZE;
        }
        e.length = e.length.max(end as u32);
        e.modified = self.clock;
        e.mode &= !mode::CLOSED;
        self.set_entry(loc, &e)?;
        Ok(data.len())
    }

    /// Marks the file at `loc` closed properly (mode bit `0x0080`), as MCMAN does on close after a write.
    pub fn mark_closed(&mut self, loc: EntryLoc) -> Result<()> {
        let mut e = self.entry(loc)?;
        if e.mode & mode::CLOSED == 0 && !e.is_dir() {
            e.mode |= mode::CLOSED;
            self.set_entry(loc, &e)?;
        }
        Ok(())
    }

    /// Empties the file at `loc` (its clusters freed).
    pub fn truncate(&mut self, loc: EntryLoc) -> Result<()> {
        let mut e = self.entry(loc)?;
        if e.is_dir() {
            return Err(Error::IsADirectory { path: e.name });
        }
        self.free_chain(e.cluster)?;
        e.cluster = NO_CLUSTER;
        e.length = 0;
        e.modified = self.clock;
        self.set_entry(loc, &e)
    }

    /// Reads a whole file.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let found = self.lookup(path)?;
        let loc = match (found.loc, found.entry.is_dir()) {
            (Some(loc), false) => loc,
            _ => return Err(Error::IsADirectory { path: path.to_string() }),
        };
        let mut out = vec![0u8; found.entry.length as usize];
        let n = self.read_at(loc, 0, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    /// Creates or replaces a file with `data`. On [`Error::Full`] an existing file is left as it was.
    pub fn write_file(&mut self, path: &str, data: &[u8]) -> Result<()> {
        let loc = match self.lookup(path) {
            Ok(found) => {
                let loc = found.loc.filter(|_| !found.entry.is_dir()).ok_or_else(|| Error::IsADirectory { path: path.to_string() })?;
                let reusable = self.chain(found.entry.cluster)?.len() as u32;
                let free = self.free_clusters()?;
                let needed = data.len().div_ceil(CLUSTER_SIZE) as u32;
                if needed > free + reusable {
                    return Err(Error::Full { needed, free: free + reusable });
                }
                self.truncate(loc)?;
                loc
            }
            Err(Error::NotFound { .. }) => self.create_file(path)?,
            Err(e) => return Err(e),
        };
        self.write_at(loc, 0, data)?;
        self.mark_closed(loc)
    }

    /// Deletes a file or an empty directory (its entry marked deleted, its clusters freed).
    pub fn remove(&mut self, path: &str) -> Result<()> {
        let found = self.lookup(path)?;
        let Some(loc) = found.loc else {
            return Err(Error::DirectoryNotEmpty { path: "/".into() });
        };
        let mut e = found.entry;
        if e.is_dir() && self.read_dir(path)?.len() > 2 {
            return Err(Error::DirectoryNotEmpty { path: path.to_string() });
        }
        self.free_chain(e.cluster)?;
        e.mode &= !mode::EXISTS;
        self.set_entry(loc, &e)
    }

    /// Renames the entry at `path` within its directory.
    pub fn rename(&mut self, path: &str, new_name: &str) -> Result<()> {
        let found = self.lookup(path)?;
        let loc = found.loc.ok_or_else(|| Error::InvalidName { name: "/".into(), reason: "the root cannot be renamed" })?;
        if let Some(reason) = invalid_name_reason(new_name) {
            return Err(Error::InvalidName { name: new_name.into(), reason });
        }
        let mut parts = components(path);
        parts.pop();
        parts.push(new_name);
        let new_path = format!("/{}", parts.join("/"));
        self.parent_and_new_name(&new_path)?;
        let mut e = found.entry;
        e.name = new_name.into();
        self.set_entry(loc, &e)
    }
}

#[cfg(test)]
mod tests;
