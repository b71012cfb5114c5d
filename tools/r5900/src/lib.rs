//! The R5900, the MIPS core of the PlayStation 2 Emotion Engine: decoder, disassembler and a
//! cycle-estimating interpreter.
//!
//! - [`decode`] turns an instruction word into an [`Instr`] or an [`Illegal`] that says which
//!   class of instruction the R5900 lacks (LL/SC, DMULT, double-precision FPU, ...). The ISA
//!   checker and the interpreter share it, so "legal" means the same thing in both.
//! - [`Instr`] implements `Display` as an objdump-like disassembly (`addiu\tsp,sp,-16`).
//! - [`Cpu::run`] interprets code against any [`Bus`] until a [`Stop`] (syscall, fault,
//!   illegal instruction, budget) that the machine around it handles.
//!
//! ```
//! use r5900::{Cpu, Stop, TestBus};
//! let mut bus = TestBus::new(0x10_0000, 0x1000);
//! bus.write_words(0x10_0000, &[
//!     0x2402_0007, // addiu v0,zero,7
//!     0x0000_000C, // syscall
//! ]);
//! let mut cpu = Cpu::new(0x10_0000);
//! assert_eq!(cpu.run(&mut bus, 100), Stop::Syscall { pc: 0x10_0004 });
//! assert_eq!(cpu.reg(2), 7);
//! assert_eq!(cpu.instret, 2);
//! ```

#![warn(missing_docs)]

mod access;
pub mod asm;
mod bus;
mod cpu;
pub mod dcache;
mod decode;
mod disasm;
mod exec;
pub mod fpu;
mod mmi;
pub mod timing;
pub mod vu0;

pub use bus::{Bus, Fault, FaultKind, TestBus};
pub use cpu::{cop0, fcr31, Context, Cpu, Exception, Stop};
pub use dcache::DataCache;
pub use decode::{decode, Illegal, IllegalClass, Instr, Op};
pub use disasm::GPR_NAMES;
pub use timing::{TimingModel, TimingStats};

#[cfg(test)]
mod decode_tests;
#[cfg(test)]
mod tests;
