//! Loading EE ELF executables and naming code addresses ("function+0xOFF").

use object::read::elf::{ElfFile32, FileHeader, ProgramHeader};
use object::{Endianness, Object, ObjectSymbol, SymbolKind};

use crate::memory::{Memory, Region, classify};

/// Why an ELF could not be loaded. Every variant names the header field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfError {
    /// The bytes are not a 32-bit little-endian ELF file (or its headers are truncated or
    /// inconsistent); the text says which part.
    NotElf(String),
    /// The ELF is not for MIPS.
    WrongMachine(u16),
    /// The ELF is not an executable (e.g. a relocatable object).
    NotExecutable,
    /// More `PT_LOAD` segments than any EE program has.
    TooManySegments {
        /// How many the program headers list.
        count: usize,
    },
    /// A segment's `p_filesz` is larger than its `p_memsz`.
    FileSizeExceedsMemSize {
        /// Index of the program header.
        index: usize,
        /// `p_filesz`.
        file_size: u32,
        /// `p_memsz`.
        mem_size: u32,
    },
    /// A segment's file contents (`p_offset` + `p_filesz`) run past the end of the file.
    SegmentDataOutsideFile {
        /// Index of the program header.
        index: usize,
        /// `p_offset`.
        offset: u32,
        /// `p_filesz`.
        file_size: u32,
        /// Length of the file.
        file_len: usize,
    },
    /// A loadable segment lies outside the memory a user program can use.
    SegmentOutsideMemory {
        /// Its virtual address (`p_vaddr`).
        vaddr: u32,
        /// Its size in memory (`p_memsz`).
        size: u32,
    },
    /// Two loadable segments would be loaded over each other.
    OverlappingSegments {
        /// Index and `p_vaddr` of the earlier program header.
        first: (usize, u32),
        /// Index and `p_vaddr` of the later one.
        second: (usize, u32),
    },
    /// `e_entry` is misaligned or not inside the file contents of any loaded segment.
    EntryOutsideSegments {
        /// `e_entry`.
        entry: u32,
    },
}

/// Most `PT_LOAD` segments a program may have (real EE programs have one to three); bounds the
/// work of validating a hostile file.
pub const MAX_LOAD_SEGMENTS: usize = 64;

/// Lowest physical RAM address a program may be loaded at: the first MiB belongs to the kernel.
pub const PROGRAM_RAM_START: usize = 0x0010_0000;

impl std::fmt::Display for ElfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElfError::NotElf(why) => write!(f, "not a 32-bit little-endian ELF file: {why}"),
            ElfError::WrongMachine(m) => write!(f, "ELF header e_machine {m} is not MIPS (8)"),
            ElfError::NotExecutable => write!(f, "ELF header e_type is not an executable (ET_EXEC)"),
            ElfError::TooManySegments { count } => write!(
                f,
                "program headers list {count} PT_LOAD segments; at most {MAX_LOAD_SEGMENTS} are accepted"
            ),
            ElfError::FileSizeExceedsMemSize { index, file_size, mem_size } => write!(
                f,
                "program header {index}: p_filesz {file_size:#x} is larger than p_memsz {mem_size:#x}"
            ),
            ElfError::SegmentDataOutsideFile { index, offset, file_size, file_len } => write!(
                f,
                "program header {index}: p_offset {offset:#x} + p_filesz {file_size:#x} runs past the end of \
                 the {file_len}-byte file (truncated?)"
            ),
            ElfError::SegmentOutsideMemory { vaddr, size } => write!(
                f,
                "segment at p_vaddr {vaddr:#010x} with p_memsz {size:#x} lies outside the memory a program \
                 may be loaded into (EE RAM from 1 MiB to 32 MiB, or the scratchpad)"
            ),
            ElfError::OverlappingSegments { first, second } => write!(
                f,
                "program headers {} (p_vaddr {:#010x}) and {} (p_vaddr {:#010x}) overlap in memory",
                first.0, first.1, second.0, second.1
            ),
            ElfError::EntryOutsideSegments { entry } => write!(
                f,
                "ELF header e_entry {entry:#010x} is misaligned or not inside the file contents of any \
                 PT_LOAD segment"
            ),
        }
    }
}

impl std::error::Error for ElfError {}

/// One loadable segment.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Virtual load address.
    pub vaddr: u32,
    /// Bytes from the file.
    pub data: Vec<u8>,
    /// Size in memory (the rest after `data` is zero-filled).
    pub mem_size: u32,
}

/// Function symbols sorted by address, for symbolizing addresses in errors.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    entries: Vec<(u32, u32, String)>,
}

impl Symbols {
    /// Builds the table from (address, size, demangled name) triples.
    pub fn new(mut entries: Vec<(u32, u32, String)>) -> Self {
        entries.sort_by_key(|e| e.0);
        Symbols { entries }
    }

    /// The function containing `addr` and the offset into it. Symbols without a size count as
    /// reaching the next symbol.
    pub fn lookup(&self, addr: u32) -> Option<(&str, u32)> {
        let i = self.entries.partition_point(|e| e.0 <= addr).checked_sub(1)?;
        let (start, size, name) = &self.entries[i];
        let end = if *size > 0 {
            start.saturating_add(*size)
        } else {
            self.entries.get(i + 1).map_or(u32::MAX, |e| e.0)
        };
        (addr < end).then(|| (name.as_str(), addr - start))
    }

    /// The start address of the function containing `addr`.
    pub fn lookup_start(&self, addr: u32) -> Option<u32> {
        self.lookup(addr).map(|(_, off)| addr - off)
    }

    /// `name+0xOFF (0xADDR)`, or just the address when no function contains it.
    pub fn describe(&self, addr: u32) -> String {
        match self.lookup(addr) {
            Some((name, off)) => format!("{name}+{off:#x} ({addr:#010x})"),
            None => format!("{addr:#010x}"),
        }
    }

    /// The address of a symbol by its (demangled) name.
    pub fn address_of(&self, name: &str) -> Option<u32> {
        self.entries.iter().find(|e| e.2 == name).map(|e| e.0)
    }
}

/// Which memory a segment lands in and where: physical start and end (exclusive) offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Ram(usize, usize),
    Scratchpad(usize, usize),
}

impl Placement {
    /// Where `size` bytes at virtual `vaddr` land, when the whole range lies in one view of program
    /// RAM (above the kernel's first MiB) or in the scratchpad.
    fn of(vaddr: u32, size: u32) -> Option<Placement> {
        let last = vaddr.checked_add(size.checked_sub(1)?)?;
        match (classify(vaddr), classify(last)) {
            (Region::Ram(start), Region::Ram(end))
                if start >= PROGRAM_RAM_START && end.checked_sub(start) == Some((size - 1) as usize) =>
            {
                Some(Placement::Ram(start, end + 1))
            }
            (Region::Scratchpad(start), Region::Scratchpad(end)) if end.checked_sub(start) == Some((size - 1) as usize) => {
                Some(Placement::Scratchpad(start, end + 1))
            }
            _ => None,
        }
    }

    fn overlaps(&self, other: &Placement) -> bool {
        match (self, other) {
            (Placement::Ram(a, b), Placement::Ram(c, d)) | (Placement::Scratchpad(a, b), Placement::Scratchpad(c, d)) => {
                a < d && c < b
            }
            _ => false,
        }
    }
}

/// A parsed executable.
#[derive(Debug, Clone)]
pub struct ElfImage {
    /// Entry point.
    pub entry: u32,
    /// PT_LOAD segments.
    pub segments: Vec<Segment>,
    /// Function symbols.
    pub symbols: Symbols,
    /// The address of [`STACK_GUARD_SYMBOL`], where the program publishes its stack guard.
    pub stack_guard_descriptor: Option<u32>,
}

/// The symbol of the descriptor through which a program publishes the guard region at the bottom
/// of its stack (`ps2_sys::stack_guard`): three little-endian words, `magic` ([`STACK_GUARD_MAGIC`]),
/// `start` and `end` (cached-view addresses), filled in at start-up.
pub const STACK_GUARD_SYMBOL: &str = "__ps2_stack_guard";
/// The first word of a filled-in stack guard descriptor ("STKG").
pub const STACK_GUARD_MAGIC: u32 = 0x4753_4B54;

impl ElfImage {
    /// Parses an EE executable.
    pub fn parse(bytes: &[u8]) -> Result<ElfImage, ElfError> {
        let file = ElfFile32::<Endianness>::parse(bytes).map_err(|e| ElfError::NotElf(format!("ELF headers: {e}")))?;
        let header = file.elf_header();
        let endian = file.endian();
        if !file.is_little_endian() {
            return Err(ElfError::NotElf("big-endian".into()));
        }
        let machine = header.e_machine(endian);
        if machine != object::elf::EM_MIPS {
            return Err(ElfError::WrongMachine(machine));
        }
        if header.e_type(endian) != object::elf::ET_EXEC {
            return Err(ElfError::NotExecutable);
        }
        let mut segments: Vec<Segment> = Vec::new();
        // Physical ranges already claimed, with the program header index that claimed them.
        let mut claimed: Vec<(Placement, usize, u32)> = Vec::new();
        let count = file.elf_program_headers().iter().filter(|ph| ph.p_type(endian) == object::elf::PT_LOAD).count();
        if count > MAX_LOAD_SEGMENTS {
            return Err(ElfError::TooManySegments { count });
        }
        for (index, ph) in file.elf_program_headers().iter().enumerate() {
            if ph.p_type(endian) != object::elf::PT_LOAD || ph.p_memsz(endian) == 0 {
                continue;
            }
            let (vaddr, mem_size) = (ph.p_vaddr(endian), ph.p_memsz(endian));
            let (offset, file_size) = (ph.p_offset(endian), ph.p_filesz(endian));
            if file_size > mem_size {
                return Err(ElfError::FileSizeExceedsMemSize { index, file_size, mem_size });
            }
            // Where it goes is checked before anything is copied: a hostile p_memsz or p_filesz
            // never turns into an allocation.
            let placement = Placement::of(vaddr, mem_size).ok_or(ElfError::SegmentOutsideMemory { vaddr, size: mem_size })?;
            if let Some(&(_, first, first_vaddr)) = claimed.iter().find(|(other, ..)| other.overlaps(&placement)) {
                return Err(ElfError::OverlappingSegments { first: (first, first_vaddr), second: (index, vaddr) });
            }
            claimed.push((placement, index, vaddr));
            let data = (offset as usize)
                .checked_add(file_size as usize)
                .and_then(|end| bytes.get(offset as usize..end))
                .ok_or(ElfError::SegmentDataOutsideFile { index, offset, file_size, file_len: bytes.len() })?;
            segments.push(Segment { vaddr, data: data.to_vec(), mem_size });
        }
        let entry = header.e_entry(endian);
        let entry_in_code = entry % 4 == 0
            && segments.iter().any(|seg| entry.wrapping_sub(seg.vaddr) < seg.data.len() as u32);
        if !entry_in_code {
            return Err(ElfError::EntryOutsideSegments { entry });
        }
        let entries = file
            .symbols()
            .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0)
            .filter_map(|s| {
                let name = s.name().ok()?;
                let demangled = format!("{:#}", rustc_demangle::demangle(name));
                Some((s.address() as u32, s.size() as u32, demangled))
            })
            .collect();
        let stack_guard_descriptor =
            file.symbols().find(|s| s.name() == Ok(STACK_GUARD_SYMBOL)).map(|s| s.address() as u32);
        Ok(ElfImage {
            entry,
            stack_guard_descriptor,
            segments,
            symbols: Symbols::new(entries),
        })
    }

    /// Copies the segments into memory, zero-filling each segment's tail (`.bss`).
    pub fn load_into(&self, mem: &mut Memory) -> Result<(), ElfError> {
        for seg in &self.segments {
            let outside = ElfError::SegmentOutsideMemory { vaddr: seg.vaddr, size: seg.mem_size };
            if (seg.data.len() as u64) > seg.mem_size as u64 {
                return Err(outside);
            }
            let dest = mem.slice_mut(seg.vaddr, seg.mem_size as usize).ok_or(outside)?;
            dest[..seg.data.len()].copy_from_slice(&seg.data);
            dest[seg.data.len()..].fill(0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_lookup_with_and_without_sizes() {
        let s = Symbols::new(vec![
            (0x100, 0x10, "a".into()),
            (0x200, 0, "b".into()),
            (0x300, 4, "c".into()),
        ]);
        assert_eq!(s.lookup(0x104), Some(("a", 4)));
        assert_eq!(s.lookup(0x110), None, "past a sized symbol");
        assert_eq!(s.lookup(0x2FC), Some(("b", 0xFC)), "unsized reaches the next one");
        assert_eq!(s.lookup(0xFF), None);
        assert_eq!(s.describe(0x302), "c+0x2 (0x00000302)");
        assert_eq!(s.address_of("b"), Some(0x200));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(matches!(ElfImage::parse(b"not an elf"), Err(ElfError::NotElf(_))));
    }
}
