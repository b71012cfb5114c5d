//! Interpreter throughput on a loop-heavy integer program assembled from words.
//!
//! Run with `cargo hrun --release -p r5900 --example bench`. Prints simulated instructions per
//! second (host time) and the cycle estimate for the program, under each cycle model.

use r5900::{Cpu, Stop, TestBus, TimingModel};
use std::time::Instant;

const CODE: u32 = 0x0010_0000;
const DATA: u32 = 0x0011_0000;
/// Words summed per inner loop (4 KiB: fits the modelled 8 KiB D-cache).
const ARRAY_WORDS: i32 = 1024;

fn r_type(funct: u32, rd: u32, rs: u32, rt: u32, sa: u32) -> u32 {
    (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | funct
}
fn i_type(opcode: u32, rt: u32, rs: u32, imm: i32) -> u32 {
    (opcode << 26) | (rs << 21) | (rt << 16) | (imm as u32 & 0xFFFF)
}

/// A checksum over an array, repeated `outer` times: loads, ALU, shifts, taken branches.
fn program(outer: u32) -> Vec<u32> {
    let (v0, v1, a0, a1, t0, t1, t2) = (2, 3, 4, 5, 8, 9, 10);
    vec![
        i_type(0x0F, t0, 0, (DATA >> 16) as i32),   // lui t0, DATA
        i_type(0x0F, t1, 0, (outer >> 16) as i32),  // lui t1, outer_hi
        i_type(0x0D, t1, t1, (outer & 0xFFFF) as i32), // ori t1, t1, outer_lo
        // outer:
        r_type(0x25, a0, t0, 0, 0),                 // or a0, t0, zero
        i_type(0x09, a1, 0, ARRAY_WORDS),           // addiu a1, zero, N
        // inner:
        i_type(0x23, v0, a0, 0),                    // lw v0, 0(a0)
        i_type(0x09, a1, a1, -1),                   // addiu a1, a1, -1
        r_type(0x21, v1, v1, v0, 0),                // addu v1, v1, v0
        r_type(0x00, t2, 0, v1, 3),                 // sll t2, v1, 3
        r_type(0x26, v1, v1, t2, 0),                // xor v1, v1, t2
        i_type(0x05, 0, a1, -6),                    // bne a1, zero, inner
        i_type(0x09, a0, a0, 4),                    // addiu a0, a0, 4 (delay slot)
        i_type(0x09, t1, t1, -1),                   // addiu t1, t1, -1
        i_type(0x05, 0, t1, -11),                   // bne t1, zero, outer
        0,                                          // nop
        0x0000_000D,                                // break
    ]
}

fn main() {
    for model in [TimingModel::Simple, TimingModel::Calibrated] {
        run(model);
    }
}

fn run(model: TimingModel) {
    let outer = 20_000;
    let mut bus = TestBus::new(CODE, 0x2_0000);
    bus.write_words(CODE, &program(outer));
    let data: Vec<u32> = (0..ARRAY_WORDS as u32).map(|k| k.wrapping_mul(0x9E37_79B9)).collect();
    bus.write_words(DATA, &data);

    let mut cpu = Cpu::new(CODE);
    cpu.set_timing(model);
    let start = Instant::now();
    let stop = cpu.run(&mut bus, u64::MAX);
    let elapsed = start.elapsed().as_secs_f64();
    if !matches!(stop, Stop::Break { .. }) {
        eprintln!("benchmark program stopped unexpectedly: {stop}");
        std::process::exit(1);
    }
    let mips = cpu.instret as f64 / elapsed / 1e6;
    println!("timing model: {model}");
    println!("instructions: {}", cpu.instret);
    println!("host time:    {elapsed:.3} s");
    println!("throughput:   {mips:.1} M instructions/s");
    println!(
        "estimate:     {} cycles (CPI {:.2}), D-cache {} hits / {} misses",
        cpu.cycles,
        cpu.cycles as f64 / cpu.instret as f64,
        cpu.dcache.hits,
        cpu.dcache.misses
    );
    println!("checksum:     {:#018x}", cpu.reg(3));
}
