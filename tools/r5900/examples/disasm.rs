//! Disassembles a raw little-endian binary with the R5900 decoder.
//!
//! `cargo hrun -p r5900 --example disasm -- FILE [BASE_ADDRESS_HEX]` prints one line per word:
//! address, word, and the instruction or `illegal (<class>)`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: disasm FILE [BASE_ADDRESS_HEX]");
        return ExitCode::FAILURE;
    };
    let base = match args.get(1).map(|text| u32::from_str_radix(text.trim_start_matches("0x"), 16)) {
        None => 0,
        Some(Ok(base)) => base,
        Some(Err(error)) => {
            eprintln!("bad base address {:?}: {error}", args[1]);
            return ExitCode::FAILURE;
        }
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("cannot read {path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    for (index, &chunk) in bytes.as_chunks::<4>().0.iter().enumerate() {
        let word = u32::from_le_bytes(chunk);
        let pc = base.wrapping_add(4 * index as u32);
        match r5900::decode(word) {
            Ok(instr) => println!("{pc:8x}:\t{word:08x}\t{}", instr.display_at(pc)),
            Err(illegal) => println!("{pc:8x}:\t{word:08x}\tillegal ({:?}: {})", illegal.class, illegal.mnemonic),
        }
    }
    ExitCode::SUCCESS
}
