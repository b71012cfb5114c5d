//! The smallest ps2-rs program: prints a greeting, uses the heap, exits 0.
//!
//! `cargo run --example hello` builds it for the Emotion Engine and runs it in the simulator (or PCSX2).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use ps2_alloc as _; // the global allocator

ps2_sys::entry!(main);

fn main() -> i32 {
    ps2_sys::println!("Hello from the PlayStation 2 Emotion Engine!");

    let numbers: Vec<u32> = (1..=1000).collect();
    let sum: u32 = numbers.iter().sum();
    ps2_sys::println!("sum of 1..=1000 computed in a heap Vec: {sum}");

    let heap = ps2_alloc::stats();
    ps2_sys::println!("heap: {} KiB total, {} bytes used, peak {} bytes", heap.size / 1024, heap.used, heap.peak);
    if sum == 500_500 { 0 } else { 1 }
}
