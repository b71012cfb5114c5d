//! The simulator's ELF loader (`ps2-sim program.elf`, and the ELF a disc's `SYSTEM.CNF` boots): parse the
//! headers, check every segment, load it into a fresh EE memory, symbolize a few addresses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ps2_sim::elf::ElfImage;
use ps2_sim::memory::Memory;

fuzz_target!(|data: &[u8]| {
    let Ok(image) = ElfImage::parse(data) else { return };
    assert!(!image.segments.is_empty(), "an accepted ELF has a segment holding its entry point");
    let mut memory = Memory::new();
    image.load_into(&mut memory).expect("a parsed ELF's segments fit the memory it was checked against");
    for seg in &image.segments {
        let _ = image.symbols.describe(seg.vaddr);
    }
    let _ = image.symbols.describe(image.entry);
});
