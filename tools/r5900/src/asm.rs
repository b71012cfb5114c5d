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

/// VU0 field masks for the `dest` argument of the COP2 encoders (combine with `|`).
pub mod field {
    /// x
    pub const X: u32 = 8;
    /// y
    pub const Y: u32 = 4;
    /// z
    pub const Z: u32 = 2;
    /// w
    pub const W: u32 = 1;
    /// x, y, z and w
    pub const XYZW: u32 = 15;
}

/// `lqc2 $vf{ft}, imm(rs)`.
pub fn lqc2(ft: u32, imm: i32, rs: u32) -> u32 {
    i_type(0x36, ft, rs, imm)
}
/// `sqc2 $vf{ft}, imm(rs)`.
pub fn sqc2(ft: u32, imm: i32, rs: u32) -> u32 {
    i_type(0x3E, ft, rs, imm)
}
/// `qmfc2 rt, $vf{fd}` (the .NI form).
pub fn qmfc2(rt: u32, fd: u32) -> u32 {
    (0x12 << 26) | (0x01 << 21) | (rt << 16) | (fd << 11)
}
/// `qmtc2 rt, $vf{fd}` (the .NI form).
pub fn qmtc2(rt: u32, fd: u32) -> u32 {
    (0x12 << 26) | (0x05 << 21) | (rt << 16) | (fd << 11)
}
/// `ctc2 rt, $vi{id}` (control registers 16..31 included).
pub fn ctc2(rt: u32, id: u32) -> u32 {
    (0x12 << 26) | (0x06 << 21) | (rt << 16) | (id << 11)
}
/// A VU0 "special1" macro instruction: function `funct` (bits 5..0), fields `dest`, `fd = fs op ft`.
pub fn vu_special1(funct: u32, dest: u32, fd: u32, fs: u32, ft: u32) -> u32 {
    (0x12 << 26) | (1 << 25) | (dest << 21) | (ft << 16) | (fs << 11) | (fd << 6) | funct
}
/// A VU0 "special2" macro instruction: its 7-bit code (bits 10..6 and 1..0 of the word), `dest`,
/// `ft` and `fs` (`vitof0 ft, fs`; `vmadda ACC, fs, ft`).
pub fn vu_special2(code: u32, dest: u32, ft: u32, fs: u32) -> u32 {
    (0x12 << 26) | (1 << 25) | (dest << 21) | (ft << 16) | (fs << 11) | ((code >> 2) << 6) | 0x3C | (code & 3)
}
/// `vmadd{bc}.dest $vf{fd}, $vf{fs}, $vf{ft}{bc}` (bc: 0 = x … 3 = w): fd = ACC + fs·ft.bc.
pub fn vmaddbc(bc: u32, dest: u32, fd: u32, fs: u32, ft: u32) -> u32 {
    vu_special1(0x08 + bc, dest, fd, fs, ft)
}
/// `vmul.dest $vf{fd}, $vf{fs}, $vf{ft}`.
pub fn vmul(dest: u32, fd: u32, fs: u32, ft: u32) -> u32 {
    vu_special1(0x2A, dest, fd, fs, ft)
}
/// `vadd.dest $vf{fd}, $vf{fs}, $vf{ft}`.
pub fn vadd(dest: u32, fd: u32, fs: u32, ft: u32) -> u32 {
    vu_special1(0x28, dest, fd, fs, ft)
}
/// `vmula.dest $ACC, $vf{fs}, $vf{ft}`.
pub fn vmula(dest: u32, fs: u32, ft: u32) -> u32 {
    vu_special2(0x2A, dest, ft, fs)
}
/// `vmadda.dest $ACC, $vf{fs}, $vf{ft}`.
pub fn vmadda(dest: u32, fs: u32, ft: u32) -> u32 {
    vu_special2(0x29, dest, ft, fs)
}
/// `vmadda{bc}.dest $ACC, $vf{fs}, $vf{ft}{bc}`.
pub fn vmaddabc(bc: u32, dest: u32, fs: u32, ft: u32) -> u32 {
    vu_special2(0x08 + bc, dest, ft, fs)
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
        use field::*;
        assert_eq!(lqc2(1, 16, A0), 0xD881_0010); // lqc2 $vf1,16($a0)
        assert_eq!(sqc2(2, 0, A1), 0xF8A2_0000); // sqc2 $vf2,0($a1)
        assert_eq!(qmfc2(T0, 3), 0x4828_1800); // qmfc2 $t0,$vf3
        assert_eq!(qmtc2(T0, 3), 0x48A8_1800); // qmtc2 $t0,$vf3
        assert_eq!(vmadda(XYZW, 1, 2), 0x4BE2_0ABD); // vmadda.xyzw $ACC,$vf1,$vf2
        assert_eq!(vmula(XYZW, 1, 2), 0x4BE2_0ABE); // vmula.xyzw $ACC,$vf1,$vf2
        assert_eq!(vmaddabc(0, XYZW, 1, 2), 0x4BE2_08BC); // vmaddax.xyzw $ACC,$vf1,$vf2x
        assert_eq!(vmaddbc(3, XYZW, 3, 1, 2), 0x4BE2_08CB); // vmaddw.xyzw $vf3,$vf1,$vf2w
        assert_eq!(vmul(XYZW, 3, 1, 2), 0x4BE2_08EA); // vmul.xyzw $vf3,$vf1,$vf2
        assert_eq!(vadd(XYZW, 3, 1, 2), 0x4BE2_08E8); // vadd.xyzw $vf3,$vf1,$vf2
        assert_eq!(vu_special2(0x10, XYZW, 4, 5), 0x4BE4_293C); // vitof0.xyzw $vf4,$vf5
        assert_eq!(vu_special2(0x2F, 0, 0, 0), 0x4A00_02FF); // vnop
    }
}
