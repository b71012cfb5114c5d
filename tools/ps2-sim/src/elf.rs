//! Loading EE ELF executables and naming code addresses ("function+0xOFF").

use object::read::elf::{ElfFile32, FileHeader, ProgramHeader};
use object::{Endianness, Object, ObjectSymbol, SymbolKind};

use crate::memory::Memory;

/// Why an ELF could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfError {
    /// The bytes are not a 32-bit little-endian ELF file.
    NotElf(String),
    /// The ELF is not for MIPS.
    WrongMachine(u16),
    /// The ELF is not an executable (e.g. a relocatable object).
    NotExecutable,
    /// A loadable segment lies outside the memory a user program can use.
    SegmentOutsideMemory {
        /// Its virtual address.
        vaddr: u32,
        /// Its size in memory.
        size: u32,
    },
}

impl std::fmt::Display for ElfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElfError::NotElf(why) => write!(f, "not a 32-bit little-endian ELF file: {why}"),
            ElfError::WrongMachine(m) => write!(f, "ELF machine {m} is not MIPS (8)"),
            ElfError::NotExecutable => write!(f, "ELF file is not an executable (ET_EXEC)"),
            ElfError::SegmentOutsideMemory { vaddr, size } => write!(
                f,
                "segment at {vaddr:#010x} ({size} bytes) lies outside EE RAM/scratchpad"
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

/// A parsed executable.
#[derive(Debug, Clone)]
pub struct ElfImage {
    /// Entry point.
    pub entry: u32,
    /// PT_LOAD segments.
    pub segments: Vec<Segment>,
    /// Function symbols.
    pub symbols: Symbols,
}

impl ElfImage {
    /// Parses an EE executable.
    pub fn parse(bytes: &[u8]) -> Result<ElfImage, ElfError> {
        let file = ElfFile32::<Endianness>::parse(bytes).map_err(|e| ElfError::NotElf(e.to_string()))?;
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
        let mut segments = Vec::new();
        for ph in file.elf_program_headers() {
            if ph.p_type(endian) != object::elf::PT_LOAD || ph.p_memsz(endian) == 0 {
                continue;
            }
            let data = ph
                .data(endian, bytes)
                .map_err(|_| ElfError::NotElf("segment data out of bounds".into()))?;
            segments.push(Segment {
                vaddr: ph.p_vaddr(endian),
                data: data.to_vec(),
                mem_size: ph.p_memsz(endian),
            });
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
        Ok(ElfImage {
            entry: header.e_entry(endian),
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
