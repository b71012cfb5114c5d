//! Tiny building blocks for tests and benchmarks: encoders for the handful of MIPS instructions
//! they need, and a writer for minimal EE executables (one PT_LOAD segment plus a symbol table,
//! so errors can be symbolized).
//!
//! This is deliberately not an assembler: programs are short lists of encoded words. The instruction
//! encodings are `r5900::asm`'s; these wrappers only give the immediates their field types (`i16`
//! offsets, `u16` logical immediates).

use r5900::asm;

/// Register numbers.
pub use r5900::asm::reg as r;
pub use r5900::asm::{addu, jr, sll, xor, EI, NOP, SYSCALL};

/// `lui rt, imm`.
pub fn lui(rt: u32, imm: u16) -> u32 {
    asm::lui(rt, imm.into())
}
/// `ori rt, rs, imm`.
pub fn ori(rt: u32, rs: u32, imm: u16) -> u32 {
    asm::ori(rt, rs, imm.into())
}
/// `addiu rt, rs, imm`.
pub fn addiu(rt: u32, rs: u32, imm: i16) -> u32 {
    asm::addiu(rt, rs, imm.into())
}
/// `lw rt, off(base)`.
pub fn lw(rt: u32, off: i16, base: u32) -> u32 {
    asm::lw(rt, off.into(), base)
}
/// `sw rt, off(base)`.
pub fn sw(rt: u32, off: i16, base: u32) -> u32 {
    asm::sw(rt, off.into(), base)
}
/// `sb rt, off(base)`.
pub fn sb(rt: u32, off: i16, base: u32) -> u32 {
    asm::sb(rt, off.into(), base)
}
/// `bne rs, rt, words` (offset in instructions from the delay slot).
pub fn bne(rs: u32, rt: u32, words: i16) -> u32 {
    asm::bne(rs, rt, words.into())
}
/// `beq rs, rt, words`.
pub fn beq(rs: u32, rt: u32, words: i16) -> u32 {
    asm::beq(rs, rt, words.into())
}

/// Loads a 32-bit constant into `rt` (two words).
pub fn li32(rt: u32, value: u32) -> [u32; 2] {
    [lui(rt, (value >> 16) as u16), ori(rt, rt, value as u16)]
}

/// `li $v1, n; syscall` (two words).
pub fn sys(n: i16) -> [u32; 2] {
    [addiu(r::V1, r::ZERO, n), SYSCALL]
}

/// Writes an ET_EXEC MIPS ELF: `code` is loaded at `base` and entered at `base`; each
/// `(name, word_index, word_count)` becomes an STT_FUNC symbol.
pub fn build_exe(base: u32, code: &[u32], functions: &[(&str, usize, usize)]) -> Vec<u8> {
    let code_bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let code_off = 0x60u32;
    let mut strtab = vec![0u8];
    let mut symtab = vec![0u8; 16];
    for (name, start, len) in functions {
        let name_off = strtab.len() as u32;
        strtab.extend_from_slice(name.as_bytes());
        strtab.push(0);
        symtab.extend_from_slice(&name_off.to_le_bytes());
        symtab.extend_from_slice(&(base + 4 * *start as u32).to_le_bytes());
        symtab.extend_from_slice(&(4 * *len as u32).to_le_bytes());
        symtab.extend_from_slice(&[0x12, 0]); // GLOBAL FUNC
        symtab.extend_from_slice(&1u16.to_le_bytes()); // .text
    }
    let shstrtab = b"\0.text\0.symtab\0.strtab\0.shstrtab\0".to_vec();
    let align4 = |v: usize| (v + 3) & !3;
    let symtab_off = align4(code_off as usize + code_bytes.len());
    let strtab_off = symtab_off + symtab.len();
    let shstrtab_off = strtab_off + strtab.len();
    let sh_off = align4(shstrtab_off + shstrtab.len());

    let mut out = Vec::new();
    out.extend_from_slice(&[0x7F, b'E', b'L', b'F', 1, 1, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    let u16le = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let u32le = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    u16le(&mut out, 2); // ET_EXEC
    u16le(&mut out, 8); // EM_MIPS
    u32le(&mut out, 1);
    u32le(&mut out, base); // entry
    u32le(&mut out, 0x34); // phoff
    u32le(&mut out, sh_off as u32);
    u32le(&mut out, 0); // flags
    for v in [52u16, 32, 1, 40, 5, 4] {
        u16le(&mut out, v);
    }
    // Program header: PT_LOAD, R+X.
    for v in [1, code_off, base, base, code_bytes.len() as u32, code_bytes.len() as u32, 5, 4] {
        u32le(&mut out, v);
    }
    out.resize(code_off as usize, 0);
    out.extend_from_slice(&code_bytes);
    out.resize(symtab_off, 0);
    out.extend_from_slice(&symtab);
    out.extend_from_slice(&strtab);
    out.extend_from_slice(&shstrtab);
    out.resize(sh_off, 0);
    let section = |out: &mut Vec<u8>, f: [u32; 10]| f.iter().for_each(|v| u32le(out, *v));
    section(&mut out, [0; 10]);
    section(&mut out, [1, 1, 6, base, code_off, code_bytes.len() as u32, 0, 0, 4, 0]);
    section(&mut out, [7, 2, 0, 0, symtab_off as u32, symtab.len() as u32, 3, 1, 4, 16]);
    section(&mut out, [15, 3, 0, 0, strtab_off as u32, strtab.len() as u32, 0, 0, 1, 0]);
    section(&mut out, [23, 3, 0, 0, shstrtab_off as u32, shstrtab.len() as u32, 0, 0, 1, 0]);
    out
}
