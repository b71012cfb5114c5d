//! Tiny building blocks for tests and benchmarks: encoders for the handful of MIPS instructions
//! they need, and a writer for minimal EE executables (one PT_LOAD segment plus a symbol table,
//! so errors can be symbolized).
//!
//! This is deliberately not an assembler: programs are short lists of encoded words.

/// Register numbers.
pub mod r {
    #![allow(missing_docs)]
    pub const ZERO: u32 = 0;
    pub const V0: u32 = 2;
    pub const V1: u32 = 3;
    pub const A0: u32 = 4;
    pub const A1: u32 = 5;
    pub const A2: u32 = 6;
    pub const A3: u32 = 7;
    pub const T0: u32 = 8;
    pub const T1: u32 = 9;
    pub const T2: u32 = 10;
    pub const T3: u32 = 11;
    pub const T4: u32 = 12;
    pub const T5: u32 = 13;
    pub const T6: u32 = 14;
    pub const S0: u32 = 16;
    pub const SP: u32 = 29;
    pub const RA: u32 = 31;
}

fn i_type(op: u32, rs: u32, rt: u32, imm: i32) -> u32 {
    (op << 26) | (rs << 21) | (rt << 16) | (imm as u32 & 0xFFFF)
}

fn r_type(rs: u32, rt: u32, rd: u32, sa: u32, funct: u32) -> u32 {
    (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | funct
}

/// `lui rt, imm`.
pub fn lui(rt: u32, imm: u16) -> u32 {
    i_type(0x0F, 0, rt, imm as i32)
}
/// `ori rt, rs, imm`.
pub fn ori(rt: u32, rs: u32, imm: u16) -> u32 {
    i_type(0x0D, rs, rt, imm as i32)
}
/// `addiu rt, rs, imm`.
pub fn addiu(rt: u32, rs: u32, imm: i16) -> u32 {
    i_type(0x09, rs, rt, imm as i32)
}
/// `lw rt, off(base)`.
pub fn lw(rt: u32, off: i16, base: u32) -> u32 {
    i_type(0x23, base, rt, off as i32)
}
/// `sw rt, off(base)`.
pub fn sw(rt: u32, off: i16, base: u32) -> u32 {
    i_type(0x2B, base, rt, off as i32)
}
/// `sb rt, off(base)`.
pub fn sb(rt: u32, off: i16, base: u32) -> u32 {
    i_type(0x28, base, rt, off as i32)
}
/// `addu rd, rs, rt`.
pub fn addu(rd: u32, rs: u32, rt: u32) -> u32 {
    r_type(rs, rt, rd, 0, 0x21)
}
/// `xor rd, rs, rt`.
pub fn xor(rd: u32, rs: u32, rt: u32) -> u32 {
    r_type(rs, rt, rd, 0, 0x26)
}
/// `sll rd, rt, sa`.
pub fn sll(rd: u32, rt: u32, sa: u32) -> u32 {
    r_type(0, rt, rd, sa, 0x00)
}
/// `jr rs`.
pub fn jr(rs: u32) -> u32 {
    r_type(rs, 0, 0, 0, 0x08)
}
/// `bne rs, rt, words` (offset in instructions from the delay slot).
pub fn bne(rs: u32, rt: u32, words: i16) -> u32 {
    i_type(0x05, rs, rt, words as i32)
}
/// `beq rs, rt, words`.
pub fn beq(rs: u32, rt: u32, words: i16) -> u32 {
    i_type(0x04, rs, rt, words as i32)
}
/// `syscall`.
pub const SYSCALL: u32 = 0x0000_000C;
/// `nop`.
pub const NOP: u32 = 0;
/// `ei` (COP0 CO, funct 0x38).
pub const EI: u32 = 0x4200_0038;

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
