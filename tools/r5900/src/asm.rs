//! Encoders for the handful of MIPS/R5900 instructions that tests and benchmarks assemble by hand
//! (this crate's tests, the simulator's test kit). Not an assembler: a program is a list of words.
//!
//! Field order follows the instruction's assembly syntax (`addiu rt, rs, imm` → `addiu(rt, rs, imm)`);
//! immediates are truncated to their 16-bit field.

/// Register numbers by their ABI names.
#[allow(missing_docs)]
pub mod reg {
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
pub use reg::*;

/// `nop` (`sll $0, $0, 0`).
pub const NOP: u32 = 0;
/// `syscall`.
pub const SYSCALL: u32 = 0x0000_000C;
/// `ei` (enable interrupts, COP0).
pub const EI: u32 = 0x4200_0038;

/// An R-type (SPECIAL) instruction.
pub fn r_type(funct: u32, rd: u32, rs: u32, rt: u32, sa: u32) -> u32 {
    (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | funct
}
/// An I-type instruction: `opcode rt, rs, imm`.
pub fn i_type(opcode: u32, rt: u32, rs: u32, imm: i32) -> u32 {
    (opcode << 26) | (rs << 21) | (rt << 16) | (imm as u32 & 0xFFFF)
}
/// A SPECIAL2/MMI instruction: `funct` with an MMI sub-function in the sa field.
pub fn mmi(funct: u32, sub: u32, rd: u32, rs: u32, rt: u32) -> u32 {
    (0x1C << 26) | r_type(funct, rd, rs, rt, sub)
}
/// A COP1 format-S operation.
pub fn fpu_s(funct: u32, fd: u32, fs: u32, ft: u32) -> u32 {
    (0x11 << 26) | (0x10 << 21) | (ft << 16) | (fs << 11) | (fd << 6) | funct
}

/// `addiu rt, rs, imm`.
pub fn addiu(rt: u32, rs: u32, imm: i32) -> u32 {
    i_type(0x09, rt, rs, imm)
}
/// `daddiu rt, rs, imm`.
pub fn daddiu(rt: u32, rs: u32, imm: i32) -> u32 {
    i_type(0x19, rt, rs, imm)
}
/// `lui rt, imm`.
pub fn lui(rt: u32, imm: u32) -> u32 {
    i_type(0x0F, rt, 0, imm as i32)
}
/// `ori rt, rs, imm`.
pub fn ori(rt: u32, rs: u32, imm: u32) -> u32 {
    i_type(0x0D, rt, rs, imm as i32)
}
/// Loads a 32-bit constant with `lui`/`ori`.
pub fn li(rt: u32, value: u32) -> [u32; 2] {
    [lui(rt, value >> 16), ori(rt, rt, value & 0xFFFF)]
}
/// `addu rd, rs, rt`.
pub fn addu(rd: u32, rs: u32, rt: u32) -> u32 {
    r_type(0x21, rd, rs, rt, 0)
}
/// `xor rd, rs, rt`.
pub fn xor(rd: u32, rs: u32, rt: u32) -> u32 {
    r_type(0x26, rd, rs, rt, 0)
}
/// `sll rd, rt, sa`.
pub fn sll(rd: u32, rt: u32, sa: u32) -> u32 {
    r_type(0x00, rd, 0, rt, sa)
}
/// `jr rs`.
pub fn jr(rs: u32) -> u32 {
    r_type(0x08, 0, rs, 0, 0)
}
/// `beq rs, rt, offset` (offset in instructions from the delay slot).
pub fn beq(rs: u32, rt: u32, offset: i32) -> u32 {
    i_type(0x04, rt, rs, offset)
}
/// `bne rs, rt, offset` (offset in instructions from the delay slot).
pub fn bne(rs: u32, rt: u32, offset: i32) -> u32 {
    i_type(0x05, rt, rs, offset)
}
/// A load or store with this opcode: `op rt, offset(base)`.
pub fn load(opcode: u32, rt: u32, offset: i32, base: u32) -> u32 {
    i_type(opcode, rt, base, offset)
}
/// `lw rt, offset(base)`.
pub fn lw(rt: u32, offset: i32, base: u32) -> u32 {
    load(0x23, rt, offset, base)
}
/// `sw rt, offset(base)`.
pub fn sw(rt: u32, offset: i32, base: u32) -> u32 {
    load(0x2B, rt, offset, base)
}
/// `sb rt, offset(base)`.
pub fn sb(rt: u32, offset: i32, base: u32) -> u32 {
    load(0x28, rt, offset, base)
}
/// `mtc1 rt, fs`.
pub fn mtc1(rt: u32, fs: u32) -> u32 {
    (0x11 << 26) | (0x04 << 21) | (rt << 16) | (fs << 11)
}
/// `mfc1 rt, fs`.
pub fn mfc1(rt: u32, fs: u32) -> u32 {
    (0x11 << 26) | (rt << 16) | (fs << 11)
}
/// `mtc0 rt, rd`.
pub fn mtc0(rt: u32, rd: u32) -> u32 {
    (0x10 << 26) | (0x04 << 21) | (rt << 16) | (rd << 11)
}
/// `mfc0 rt, rd`.
pub fn mfc0(rt: u32, rd: u32) -> u32 {
    (0x10 << 26) | (rt << 16) | (rd << 11)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words checked against GNU as (`mipsel-linux-gnu-as -march=r5900`) output for the same lines.
    #[test]
    fn encodings_match_the_assembler() {
        assert_eq!(addiu(T0, SP, -16), 0x27A8_FFF0); // addiu $t0, $sp, -16
        assert_eq!(lui(A0, 0x1234), 0x3C04_1234); // lui $a0, 0x1234
        assert_eq!(lw(V0, 8, A1), 0x8CA2_0008); // lw $v0, 8($a1)
        assert_eq!(sw(RA, 4, SP), 0xAFBF_0004); // sw $ra, 4($sp)
        assert_eq!(addu(V0, A0, A1), 0x0085_1021); // addu $v0, $a0, $a1
        assert_eq!(jr(RA), 0x03E0_0008); // jr $ra
        assert_eq!(bne(T0, ZERO, -2), 0x1500_FFFE); // bne $t0, $zero, .-4
    }
}
