//! A tiny assembler for tests: encoders for the instructions the tests use, and a harness
//! that runs a program in a [`TestBus`] until its final `break`.

#![allow(dead_code)]

use crate::{Cpu, Stop, TestBus};

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
pub const S0: u32 = 16;
pub const SP: u32 = 29;
pub const RA: u32 = 31;

/// Where test programs are loaded.
pub const CODE: u32 = 0x0010_0000;
/// A data area in the same RAM.
pub const DATA: u32 = 0x0010_8000;

pub fn r_type(funct: u32, rd: u32, rs: u32, rt: u32, sa: u32) -> u32 {
    (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | funct
}
pub fn i_type(opcode: u32, rt: u32, rs: u32, imm: i32) -> u32 {
    (opcode << 26) | (rs << 21) | (rt << 16) | (imm as u32 & 0xFFFF)
}
/// SPECIAL2/MMI encoding: `funct` with an MMI sub-function in the sa field.
pub fn mmi(funct: u32, sub: u32, rd: u32, rs: u32, rt: u32) -> u32 {
    (0x1C << 26) | r_type(funct, rd, rs, rt, sub)
}
/// COP1 format-S operation.
pub fn fpu_s(funct: u32, fd: u32, fs: u32, ft: u32) -> u32 {
    (0x11 << 26) | (0x10 << 21) | (ft << 16) | (fs << 11) | (fd << 6) | funct
}

pub fn addiu(rt: u32, rs: u32, imm: i32) -> u32 {
    i_type(0x09, rt, rs, imm)
}
pub fn daddiu(rt: u32, rs: u32, imm: i32) -> u32 {
    i_type(0x19, rt, rs, imm)
}
pub fn lui(rt: u32, imm: u32) -> u32 {
    i_type(0x0F, rt, 0, imm as i32)
}
pub fn ori(rt: u32, rs: u32, imm: u32) -> u32 {
    i_type(0x0D, rt, rs, imm as i32)
}
/// Loads a 32-bit constant (sign-extended) with lui/ori.
pub fn li(rt: u32, value: u32) -> [u32; 2] {
    [lui(rt, value >> 16), ori(rt, rt, value & 0xFFFF)]
}
pub fn beq(rs: u32, rt: u32, offset: i32) -> u32 {
    i_type(0x04, rt, rs, offset)
}
pub fn bne(rs: u32, rt: u32, offset: i32) -> u32 {
    i_type(0x05, rt, rs, offset)
}
pub fn load(opcode: u32, rt: u32, offset: i32, base: u32) -> u32 {
    i_type(opcode, rt, base, offset)
}
pub fn mtc1(rt: u32, fs: u32) -> u32 {
    (0x11 << 26) | (0x04 << 21) | (rt << 16) | (fs << 11)
}
pub fn mfc1(rt: u32, fs: u32) -> u32 {
    (0x11 << 26) | (rt << 16) | (fs << 11)
}
pub fn mtc0(rt: u32, rd: u32) -> u32 {
    (0x10 << 26) | (0x04 << 21) | (rt << 16) | (rd << 11)
}
pub fn mfc0(rt: u32, rd: u32) -> u32 {
    (0x10 << 26) | (rt << 16) | (rd << 11)
}
pub const NOP: u32 = 0;
pub const SYSCALL: u32 = 0x0000_000C;
/// `break 0x3FF`, the end-of-program marker of [`run`].
pub const END: u32 = 0x0000_FFCD;

/// A CPU and bus with `program` at [`CODE`].
pub fn machine(program: &[u32]) -> (Cpu, TestBus) {
    let mut bus = TestBus::new(CODE, 0x1_0000);
    bus.write_words(CODE, program);
    (Cpu::new(CODE), bus)
}

/// Runs `program` (which must end with [`END`]) and returns the CPU.
pub fn run(program: &[u32]) -> Cpu {
    run_with(program, |_, _| {}).0
}

/// Runs `program` after `setup` prepared the CPU and bus; returns both.
pub fn run_with(program: &[u32], setup: impl FnOnce(&mut Cpu, &mut TestBus)) -> (Cpu, TestBus) {
    let (mut cpu, mut bus) = machine(program);
    setup(&mut cpu, &mut bus);
    match cpu.run(&mut bus, 100_000) {
        Stop::Break { code: 0x3FF, .. } => {
            // Stores sit in the data cache; tests look at memory after a write-back of everything.
            cpu.dcache.write_back_all(&mut bus).expect("lines were filled from this bus");
            (cpu, bus)
        }
        other => panic!("program stopped with {other}"),
    }
}
