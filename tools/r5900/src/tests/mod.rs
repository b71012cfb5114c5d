//! Instruction-level tests: tiny programs assembled from words and run in a [`crate::TestBus`].

mod asm;
mod dcache;
mod fpu;
mod integer;
mod mmi;
mod system;
mod timing;
mod vu0;
