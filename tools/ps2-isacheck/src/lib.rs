//! # ps2-isacheck — the R5900 conformance gate
//!
//! The Emotion Engine's R5900 is not a standard MIPS: it lacks LL/SC, 64-bit multiply/divide, double-precision
//! and most FPU compares, and it has a short-loop erratum. An instruction it lacks is a crash or a silent wrong
//! answer on real hardware, and emulators often run it anyway. This crate checks an ELF before it ships:
//!
//! - every word of every executable section is decoded with [`r5900::decode`] (the same decoder the
//!   simulator executes with), and any word the R5900 does not have is reported with the function, offset,
//!   address, word and its standard-MIPS name;
//! - loops of at most 6 instructions whose only branch is one conditional branch at the end with a non-NOP
//!   delay slot are reported (the R5900 short-loop erratum: such a loop may run only once or twice);
//! - the ELF header must describe a little-endian 32-bit MIPS I/II/III (or R5900) executable: MIPS32/64
//!   objects would decode their SPECIAL3 instructions as the R5900's `sq`, so they are refused up front.
//!
//! The linker's padding between functions (the word `0x04170001`, never executed) is ignored outside
//! functions.

#![warn(missing_docs)]

use std::fmt;

use object::{Object, ObjectSection, ObjectSymbol, SectionFlags, SectionKind, SymbolKind};
use r5900::{decode, Illegal, Instr};

/// What rust-lld fills the gaps between functions with. It is never executed.
pub const LINKER_PADDING: u32 = 0x0417_0001;

/// The erratum concerns loops of at most this many instructions, delay slot included.
pub const SHORT_LOOP_MAX: u32 = 6;

/// A function symbol: where code is attributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Its (demangled) name.
    pub name: String,
    /// Its address.
    pub address: u32,
    /// Its size in bytes; 0 when the symbol has none (hand-written assembly), in which case it extends to the
    /// next function.
    pub size: u32,
}

/// What is wrong with a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// An instruction the R5900 does not have.
    Illegal(Illegal),
    /// A loop that trips the short-loop erratum; `length` counts its instructions, delay slot included.
    ShortLoop {
        /// The first instruction of the loop (the branch target).
        start: u32,
        /// Its length in instructions.
        length: u32,
    },
}

/// One problem found in the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The function containing the word (or `<no symbol>`).
    pub function: String,
    /// The word's offset from the start of the function.
    pub offset: u32,
    /// The word's address.
    pub address: u32,
    /// The word.
    pub word: u32,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{:#x} at {:#010x}: ", self.function, self.offset, self.address)?;
        match &self.problem {
            Problem::Illegal(illegal) => write!(f, "{illegal}"),
            Problem::ShortLoop { start, length } => write!(
                f,
                "{:#010x} ({}): short loop of {length} instructions from {start:#010x} with a non-NOP delay \
                 slot (R5900 short-loop erratum; put a NOP in the delay slot)",
                self.word,
                decode(self.word).map(|i| i.display_at(self.address).to_string()).unwrap_or_default()
            ),
        }
    }
}

/// The result of checking one ELF.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Executable words checked.
    pub words_checked: usize,
    /// Function symbols seen.
    pub functions: usize,
    /// Everything found, in address order.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Whether the ELF is clean.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Why an ELF could not be checked at all.
#[derive(Debug)]
pub enum CheckError {
    /// Not an ELF the `object` crate can parse.
    Parse(object::Error),
    /// An ELF, but not for the EE.
    WrongTarget(String),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Parse(e) => write!(f, "not a readable ELF file: {e}"),
            CheckError::WrongTarget(why) => write!(f, "not an Emotion Engine ELF: {why}"),
        }
    }
}

impl std::error::Error for CheckError {}

/// ELF `e_flags` architecture field values (`EF_MIPS_ARCH`, bits 28-31).
const EF_MIPS_ARCH_MASK: u32 = 0xF000_0000;
const EF_MIPS_ARCH_NAMES: [&str; 11] =
    ["mips1", "mips2", "mips3", "mips4", "mips5", "mips32", "mips64", "mips32r2", "mips64r2", "mips32r6", "mips64r6"];

/// Checks an ELF (executable or relocatable object) for the EE.
pub fn check_elf(data: &[u8]) -> Result<Report, CheckError> {
    let file = object::File::parse(data).map_err(CheckError::Parse)?;
    check_header(&file)?;

    let mut functions: Vec<Function> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.is_definition())
        .filter_map(|s| {
            let name = s.name().ok()?;
            Some(Function { name: demangle(name), address: s.address() as u32, size: s.size() as u32 })
        })
        .collect();
    functions.sort_by_key(|f| (f.address, std::cmp::Reverse(f.size)));
    functions.dedup_by_key(|f| f.address);

    let mut report = Report { functions: functions.len(), ..Report::default() };
    for section in file.sections() {
        let executable = matches!(section.flags(), SectionFlags::Elf { sh_flags } if sh_flags & 0x4 != 0)
            || section.kind() == SectionKind::Text;
        if !executable {
            continue;
        }
        let bytes = section.data().map_err(CheckError::Parse)?;
        let words: Vec<u32> = bytes.as_chunks::<4>().0.iter().map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        // In a relocatable object every section starts at 0: attribute by the section's own symbols only.
        let section_functions: Vec<Function> = if file.kind() == object::ObjectKind::Relocatable {
            file.symbols()
                .filter(|s| s.kind() == SymbolKind::Text && s.section_index() == Some(section.index()))
                .filter_map(|s| {
                    Some(Function { name: demangle(s.name().ok()?), address: s.address() as u32, size: s.size() as u32 })
                })
                .collect()
        } else {
            functions.clone()
        };
        let mut part = check_words(section.address() as u32, &words, &section_functions);
        report.words_checked += part.words_checked;
        report.violations.append(&mut part.violations);
    }
    report.violations.sort_by_key(|v| v.address);
    Ok(report)
}

fn check_header(file: &object::File<'_>) -> Result<(), CheckError> {
    if file.architecture() != object::Architecture::Mips {
        return Err(CheckError::WrongTarget(format!("architecture is {:?}, not 32-bit MIPS", file.architecture())));
    }
    if !file.is_little_endian() {
        return Err(CheckError::WrongTarget("big-endian; the EE is little-endian".into()));
    }
    if let object::FileFlags::Elf { e_flags, .. } = file.flags() {
        let arch = ((e_flags & EF_MIPS_ARCH_MASK) >> 28) as usize;
        // mips1..mips3 are subsets the R5900 implements (minus what the word check catches).
        if arch > 2 {
            let name = EF_MIPS_ARCH_NAMES.get(arch).copied().unwrap_or("an unknown MIPS ISA");
            return Err(CheckError::WrongTarget(format!(
                "e_flags {e_flags:#010x} say {name}; the R5900 implements MIPS III (plus its own extensions)"
            )));
        }
    }
    Ok(())
}

fn demangle(name: &str) -> String {
    // Legacy and v0 Rust symbols both contain the path; a light demangle keeps the report readable without
    // another dependency: strip the `_ZN..E` wrapper and the trailing hash.
    if let Some(inner) = name.strip_prefix("_ZN").and_then(|s| s.strip_suffix('E')) {
        let mut parts = Vec::new();
        let mut rest = inner;
        while let Some(len_end) = rest.find(|c: char| !c.is_ascii_digit()) {
            let Ok(len) = rest[..len_end].parse::<usize>() else { break };
            let Some(part) = rest.get(len_end..len_end + len) else { break };
            parts.push(part);
            rest = &rest[len_end + len..];
        }
        if parts.last().is_some_and(|p| p.starts_with('h') && p.len() == 17) {
            parts.pop();
        }
        if !parts.is_empty() {
            return parts.join("::").replace("$LT$", "<").replace("$GT$", ">").replace("$u20$", " ").replace("..", "::");
        }
    }
    name.to_string()
}

/// Checks a run of instruction words loaded at `base`, attributing them to `functions` (any order).
pub fn check_words(base: u32, words: &[u32], functions: &[Function]) -> Report {
    let mut functions: Vec<&Function> = functions.iter().collect();
    functions.sort_by_key(|f| f.address);
    let end = base.wrapping_add(4 * words.len() as u32);
    let mut report = Report { functions: functions.len(), ..Report::default() };

    let owner = |address: u32| -> Option<(&Function, u32)> {
        let index = functions.partition_point(|f| f.address <= address).checked_sub(1)?;
        let function = functions[index];
        let limit = if function.size > 0 {
            function.address + function.size
        } else {
            functions.get(index + 1).map_or(end, |next| next.address)
        };
        (address < limit).then_some((function, address - function.address))
    };

    for (i, &word) in words.iter().enumerate() {
        let address = base + 4 * i as u32;
        let place = owner(address);
        // Padding outside any function, or at the tail of an unsized one, is never executed.
        if word == LINKER_PADDING && (place.is_none() || place.is_some_and(|(f, _)| f.size == 0)) {
            continue;
        }
        report.words_checked += 1;
        let (function, offset) = place.map_or(("<no symbol>".to_string(), address - base), |(f, o)| (f.name.clone(), o));
        match decode(word) {
            Err(illegal) => report.violations.push(Violation {
                function,
                offset,
                address,
                word,
                problem: Problem::Illegal(illegal),
            }),
            Ok(instr) => {
                if let Some(start) = short_loop_start(words, i, base, instr) {
                    let delay_slot = words[i + 1];
                    report.violations.push(Violation {
                        function,
                        offset: offset + 4,
                        address: address + 4,
                        word: delay_slot,
                        problem: Problem::ShortLoop { start, length: (address - start) / 4 + 2 },
                    });
                }
            }
        }
    }
    report
}

/// Branch or jump instructions (anything that changes control flow), by mnemonic.
fn is_control_transfer(instr: Instr) -> bool {
    let m = instr.op.mnemonic();
    (m.starts_with('b') && m != "break") || m.starts_with('j') || m == "eret" || m == "syscall"
}

/// Conditional branches: a branch whose outcome depends on a register or flag.
fn is_conditional_branch(instr: Instr) -> bool {
    let m = instr.op.mnemonic();
    if !m.starts_with('b') || m == "break" {
        return false;
    }
    // `beq $0,$0` (b) and `bgez $0` / `bgezal $0` (b / bal) always branch.
    let always = match m {
        "beq" | "beql" => instr.rs() == 0 && instr.rt() == 0,
        "bgez" | "bgezl" | "bgezal" | "bgezall" => instr.rs() == 0,
        _ => false,
    };
    !always
}

/// If the word at `index` is the backward conditional branch closing a loop that trips the erratum, returns
/// the loop's first address.
fn short_loop_start(words: &[u32], index: usize, base: u32, instr: Instr) -> Option<u32> {
    if !is_conditional_branch(instr) {
        return None;
    }
    let address = base + 4 * index as u32;
    let target = instr.branch_target(address);
    if target > address || target < base {
        return None;
    }
    let body = ((address - target) / 4) as usize; // instructions before the branch
    let length = body as u32 + 2; // + the branch + its delay slot
    if length > SHORT_LOOP_MAX {
        return None;
    }
    let delay_slot = *words.get(index + 1)?;
    if delay_slot == 0 {
        return None;
    }
    let first = index - body;
    let other_transfer = words[first..index]
        .iter()
        .chain(std::iter::once(&delay_slot))
        .any(|&w| decode(w).is_ok_and(is_control_transfer));
    (!other_transfer).then_some(target)
}

#[cfg(test)]
mod tests;
