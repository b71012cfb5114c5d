//! The R5900, the MIPS core of the PlayStation 2 Emotion Engine: decoder, disassembler and
//! (in later modules) an interpreter.
//!
//! - [`decode`] turns an instruction word into an [`Instr`] or an [`Illegal`] that says which
//!   class of instruction the R5900 lacks (LL/SC, DMULT, double-precision FPU, ...). The ISA
//!   checker and the interpreter share it, so "legal" means the same thing in both.
//! - [`Instr`] implements `Display` as an objdump-like disassembly (`addiu\tsp,sp,-16`).

mod decode;
mod disasm;

pub use decode::{decode, Illegal, IllegalClass, Instr, Op};
pub use disasm::GPR_NAMES;

#[cfg(test)]
mod decode_tests;
