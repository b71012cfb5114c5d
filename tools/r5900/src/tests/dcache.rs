//! The data cache holding data: write-back, write-allocate, LRF replacement, `CACHE` operations,
//! and the segments that bypass it. Memory behind the cache is what a DMA would see.

use super::asm::*;
use crate::dcache::{op, taglo, LineState};
use crate::{cop0, Bus, Cpu, Fault, FaultKind, Stop};

/// 128 KiB of "physical" RAM at 0x0010_0000 seen through the user (cached), uncached
/// (`0x2000_0000`), uncached-accelerated (`0x3000_0000`) and KSEG0 views, plus a scratchpad.
pub(super) struct MirrorBus {
    ram: Vec<u8>,
    spr: Vec<u8>,
    line_reads: u32,
    line_writes: u32,
}

const PHYS: u32 = 0x0010_0000;

impl MirrorBus {
    pub(super) fn new() -> Self {
        MirrorBus { ram: vec![0; 0x2_0000], spr: vec![0; 0x4000], line_reads: 0, line_writes: 0 }
    }
    pub(super) fn at(&mut self, addr: u32, n: usize) -> Result<&mut [u8], Fault> {
        if addr >> 28 == 7 {
            let o = (addr & 0x3FFF) as usize;
            return self.spr.get_mut(o..o + n).ok_or(Fault::new(addr, FaultKind::Unmapped));
        }
        let phys = match addr >> 28 {
            0x0 | 0x2 | 0x3 => addr & 0x0FFF_FFFF,
            0x8 => addr & 0x1FFF_FFFF,
            _ => return Err(Fault::new(addr, FaultKind::Unmapped)),
        };
        let o = phys.wrapping_sub(PHYS) as usize;
        self.ram.get_mut(o..o + n).ok_or(Fault::new(addr, FaultKind::Unmapped))
    }
    /// Memory as a DMA sees it.
    pub(super) fn word(&mut self, addr: u32) -> u32 {
        u32::from_le_bytes(self.at(addr, 4).unwrap().try_into().unwrap())
    }
    /// A DMA write into memory.
    fn dma_write(&mut self, addr: u32, value: u32) {
        self.at(addr, 4).unwrap().copy_from_slice(&value.to_le_bytes());
    }
}

macro_rules! rw {
    ($load:ident, $store:ident, $ty:ty, $n:literal) => {
        fn $load(&mut self, addr: u32) -> Result<$ty, Fault> {
            Ok(<$ty>::from_le_bytes(self.at(addr, $n)?.try_into().unwrap()))
        }
        fn $store(&mut self, addr: u32, value: $ty) -> Result<(), Fault> {
            self.at(addr, $n)?.copy_from_slice(&value.to_le_bytes());
            Ok(())
        }
    };
}

impl Bus for MirrorBus {
    rw!(load16, store16, u16, 2);
    rw!(load32, store32, u32, 4);
    rw!(load64, store64, u64, 8);
    rw!(load128, store128, u128, 16);
    fn load8(&mut self, addr: u32) -> Result<u8, Fault> {
        Ok(self.at(addr, 1)?[0])
    }
    fn store8(&mut self, addr: u32, value: u8) -> Result<(), Fault> {
        self.at(addr, 1)?[0] = value;
        Ok(())
    }
    fn fetch(&mut self, addr: u32) -> Result<u32, Fault> {
        self.load32(addr)
    }
    fn read_line(&mut self, addr: u32) -> Result<[u8; 64], Fault> {
        self.line_reads += 1;
        Ok(self.at(addr, 64)?.try_into().unwrap())
    }
    fn write_line(&mut self, addr: u32, line: &[u8; 64]) -> Result<(), Fault> {
        self.line_writes += 1;
        self.at(addr, 64)?.copy_from_slice(line);
        Ok(())
    }
}

const LW: u32 = 0x23;
const SW: u32 = 0x2B;
const CACHE: u32 = 0x2F;

/// Runs `program` (ending in [`END`]) on `bus` with `$t0 = DATA`; returns the CPU.
fn run_on(bus: &mut MirrorBus, cpu: Option<Cpu>, program: &[u32]) -> Cpu {
    let mut words = program.to_vec();
    words.push(END);
    for (i, w) in words.iter().enumerate() {
        bus.at(CODE + 4 * i as u32, 4).unwrap().copy_from_slice(&w.to_le_bytes());
    }
    let mut cpu = cpu.unwrap_or_else(|| Cpu::new(CODE));
    cpu.jump_to(CODE);
    cpu.gpr[T0 as usize] = DATA as u128;
    match cpu.run(bus, 10_000) {
        Stop::Break { code: 0x3FF, .. } => cpu,
        other => panic!("stopped with {other}"),
    }
}

fn store_value(value: u32, offset: i32) -> Vec<u32> {
    let [hi, lo] = li(T1, value);
    vec![hi, lo, load(SW, T1, offset, T0)]
}

#[test]
fn stores_stay_in_the_cache_until_written_back() {
    let mut bus = MirrorBus::new();
    bus.dma_write(DATA, 0x1111);
    let mut program = store_value(0xAAAA, 0);
    program.push(load(LW, V0, 0, T0));
    let cpu = run_on(&mut bus, None, &program);
    assert_eq!(cpu.reg(V0 as usize), 0xAAAA, "the CPU sees its own store");
    assert_eq!(bus.word(DATA), 0x1111, "memory (what DMA reads) does not");
    assert_eq!(cpu.dcache.line_state(DATA), Some(LineState { physical: DATA, dirty: true }));
    assert_eq!(bus.line_reads, 1, "write-allocate: the store miss read the line first");
    // DHWOIN: written back, still valid, clean.
    let cpu = run_on(&mut bus, Some(cpu), &[load(CACHE, op::DHWOIN, 0, T0)]);
    assert_eq!(bus.word(DATA), 0xAAAA);
    assert_eq!(cpu.dcache.line_state(DATA), Some(LineState { physical: DATA, dirty: false }));
}

#[test]
fn eviction_writes_back_the_least_recently_filled_way() {
    let mut bus = MirrorBus::new();
    // DATA, DATA+4 KiB and DATA+8 KiB share a set (index bits 11..6).
    let mut program = store_value(0xBEEF, 0);
    program.push(load(LW, V0, 0x1000, T0)); // fills the second way
    program.push(load(LW, V0, 0x1000, T0)); // a hit does not change the LRF order
    program.push(load(LW, V1, 0x2000, T0)); // evicts the first-filled line: DATA
    // The simple cycle model (the calibrated one is tested in `tests::timing`).
    let mut simple = Cpu::new(CODE);
    simple.set_timing(crate::TimingModel::Simple);
    let cpu = run_on(&mut bus, Some(simple), &program);
    assert_eq!(bus.word(DATA), 0xBEEF, "the dirty line was written back on eviction");
    assert_eq!(cpu.dcache.line_state(DATA), None);
    assert!(cpu.dcache.line_state(DATA + 0x1000).is_some());
    assert_eq!((cpu.dcache.misses, bus.line_writes), (3, 1));
    // Simple model: one cycle per instruction, three misses, one of them with a dirty victim.
    let issue = program.len() as u64 + 1;
    assert_eq!(cpu.cycles, issue + 3 * crate::timing::DCACHE_MISS + crate::timing::DCACHE_WRITEBACK);
}

#[test]
fn hit_invalidate_discards_dirty_data() {
    let mut bus = MirrorBus::new();
    bus.dma_write(DATA, 7);
    let mut program = store_value(9, 0);
    program.push(load(CACHE, op::DHIN, 0, T0));
    program.push(load(LW, V0, 0, T0));
    let cpu = run_on(&mut bus, None, &program);
    assert_eq!(cpu.reg(V0 as usize), 7, "the store is lost; memory's value is read again");
    assert_eq!(bus.word(DATA), 7);
}

#[test]
fn a_stale_line_stays_stale_until_invalidated() {
    let mut bus = MirrorBus::new();
    bus.dma_write(DATA, 1);
    let cpu = run_on(&mut bus, None, &[load(LW, V0, 0, T0)]);
    bus.dma_write(DATA, 2); // DMA into memory behind the cache
    let cpu = run_on(&mut bus, Some(cpu), &[load(LW, V0, 0, T0)]);
    assert_eq!(cpu.reg(V0 as usize), 1, "still the cached copy");
    let cpu = run_on(&mut bus, Some(cpu), &[load(CACHE, op::DHIN, 0, T0), load(LW, V0, 0, T0)]);
    assert_eq!(cpu.reg(V0 as usize), 2);
}

#[test]
fn writing_back_after_a_dma_overwrites_its_data() {
    let mut bus = MirrorBus::new();
    let cpu = run_on(&mut bus, None, &store_value(0xC0DE, 4));
    bus.dma_write(DATA, 0xD0D0); // same line, another word
    run_on(&mut bus, Some(cpu), &[load(CACHE, op::DHWBIN, 0, T0)]);
    assert_eq!(bus.word(DATA + 4), 0xC0DE);
    assert_eq!(bus.word(DATA), 0, "the whole line went back: the DMA's word is gone");
}

#[test]
fn uncached_views_bypass_the_cache_and_the_scratchpad_is_not_cached() {
    let mut bus = MirrorBus::new();
    bus.dma_write(DATA, 5);
    let mut program = store_value(6, 0);
    program.extend(li(T2, 0x2000_0000 | DATA));
    program.push(load(LW, V0, 0, T2)); // uncached read: memory
    program.extend(li(T1, 8));
    program.push(load(SW, T1, 4, T2)); // uncached store: memory at once
    program.extend(li(T3, 0x3000_0000 | DATA));
    program.push(load(SW, T1, 8, T3)); // uncached-accelerated store: memory at once
    program.push(load(LW, V1, 4, T0)); // the cached line was filled before: stale
    let cpu = run_on(&mut bus, None, &program);
    assert_eq!(cpu.reg(V0 as usize), 5);
    assert_eq!((bus.word(DATA + 4), bus.word(DATA + 8)), (8, 8));
    assert_eq!(cpu.reg(V1 as usize), 0, "the cached copy predates the uncached store");
    assert_eq!(cpu.dcache.valid_lines(), 1);
    // The scratchpad.
    let mut program = li(T2, 0x7000_0100).to_vec();
    program.push(load(SW, T2, 0, T2));
    program.push(load(LW, V0, 0, T2));
    let cpu = run_on(&mut bus, None, &program);
    assert_eq!(cpu.reg(V0 as usize), 0x7000_0100);
    assert_eq!(cpu.dcache.valid_lines(), 0);
}

#[test]
fn index_operations_read_tags_and_write_back_or_discard_by_set_and_way() {
    let mut bus = MirrorBus::new();
    let set_addr = |way: u32| 0x8000_0000 | (DATA & 0xFC0) | way; // index form: bits 11..6, way in bit 0
    let mut program = store_value(0x1234, 0); // way 0 of DATA's set, dirty
    program.push(load(LW, V0, 0x1000, T0)); // way 1, clean
    program.extend(li(T2, set_addr(0)));
    program.extend(li(T3, set_addr(1)));
    program.push(load(CACHE, op::DXLTG, 0, T2));
    program.push(mfc0(S0, cop0::TAG_LO as u32));
    program.push(load(CACHE, op::DXLTG, 0, T3));
    program.push(mfc0(A0, cop0::TAG_LO as u32));
    program.push(load(CACHE, op::DXLDT, 0, T2)); // first word of way 0's data
    program.push(mfc0(A1, cop0::TAG_LO as u32));
    let cpu = run_on(&mut bus, None, &program);
    let tag = |phys: u32| phys & 0xFFFF_F000;
    assert_eq!(cpu.reg(S0 as usize) as u32, tag(DATA) | taglo::VALID | taglo::DIRTY | taglo::LRF);
    assert_eq!(cpu.reg(A0 as usize) as u32, tag(DATA + 0x1000) | taglo::VALID | taglo::LRF);
    assert_eq!(cpu.reg(A1 as usize) as u32, 0x1234);
    // DXIN on way 1 discards it; DXWBIN on way 0 writes DATA back and invalidates it.
    let cpu = run_on(&mut bus, Some(cpu), &[load(CACHE, op::DXIN, 0, T3), load(CACHE, op::DXWBIN, 0, T2)]);
    assert_eq!(cpu.dcache.valid_lines(), 0);
    assert_eq!(bus.word(DATA), 0x1234);
    // DXSTG/DXSDT build a line by hand; DXWBIN writes it to the tagged address.
    let store_tag = tag(DATA) | taglo::VALID | taglo::DIRTY;
    let mut program = li(T1, store_tag).to_vec();
    program.push(mtc0(T1, cop0::TAG_LO as u32));
    program.push(load(CACHE, op::DXSTG, 0, T2));
    program.extend(li(T1, 0x5555));
    program.push(mtc0(T1, cop0::TAG_LO as u32));
    program.push(load(CACHE, op::DXSDT, 8, T2));
    program.push(load(LW, V0, 8, T0));
    program.push(load(CACHE, op::DXWBIN, 0, T2));
    let cpu = run_on(&mut bus, Some(cpu), &program);
    assert_eq!(cpu.reg(V0 as usize), 0x5555, "a hit on the hand-made line");
    assert_eq!(bus.word(DATA + 8), 0x5555);
}

#[test]
fn whole_cache_write_back_and_invalidate() {
    let mut bus = MirrorBus::new();
    let mut program = store_value(1, 0);
    program.extend(store_value(2, 0x40));
    let mut cpu = run_on(&mut bus, None, &program);
    cpu.dcache.write_back_all(&mut bus).unwrap();
    assert_eq!((bus.word(DATA), bus.word(DATA + 0x40)), (1, 2));
    assert_eq!(cpu.dcache.valid_lines(), 2, "FlushCache(0) keeps the lines, clean");
    let cpu = run_on(&mut bus, Some(cpu), &store_value(3, 0));
    let mut cpu = cpu;
    cpu.dcache.invalidate_all();
    assert_eq!(cpu.dcache.valid_lines(), 0);
    assert_eq!(bus.word(DATA), 1, "FlushCache(1) drops dirty data");
}

#[test]
fn a_fill_from_unmapped_memory_faults_at_the_access() {
    let mut bus = MirrorBus::new();
    let mut program = li(T2, 0x0000_0040).to_vec();
    program.push(load(LW, V0, 4, T2));
    let mut words = program.clone();
    words.push(END);
    for (i, w) in words.iter().enumerate() {
        bus.at(CODE + 4 * i as u32, 4).unwrap().copy_from_slice(&w.to_le_bytes());
    }
    let mut cpu = Cpu::new(CODE);
    match cpu.run(&mut bus, 100) {
        Stop::Fault { fault, .. } => assert_eq!(fault, Fault::new(0x44, FaultKind::Unmapped)),
        other => panic!("{other}"),
    }
    assert_eq!(cpu.dcache.valid_lines(), 0);
}

#[test]
fn the_ucab_serves_stale_data_until_a_store_or_sync() {
    let mut bus = MirrorBus::new();
    bus.dma_write(DATA + 0x10, 1);
    let mut program = li(T2, 0x3000_0000 | DATA).to_vec();
    program.push(load(LW, V0, 0x10, T2)); // refills the 128-byte buffer
    let cpu = run_on(&mut bus, None, &program);
    assert_eq!(cpu.reg(V0 as usize), 1);
    assert!(cpu.ucab.is_valid());
    bus.dma_write(DATA + 0x14, 2); // DMA into the buffered 128 bytes
    let mut cpu = cpu;
    cpu.gpr[T2 as usize] = (0x3000_0000 | DATA) as u128;
    let program = [load(LW, V0, 0x14, T2), 0x0000_000F /* sync */, load(LW, V1, 0x14, T2)];
    let cpu = run_on(&mut bus, Some(cpu), &program);
    assert_eq!(cpu.reg(V0 as usize), 0, "the UCAB still holds the old bytes");
    assert_eq!(cpu.reg(V1 as usize), 2, "SYNC invalidated it");
    // Any store invalidates it as well (here: a cached store elsewhere).
    let cpu = run_on(&mut bus, Some(cpu), &[load(LW, V0, 0x14, T2)]);
    bus.dma_write(DATA + 0x14, 3);
    let mut program = store_value(9, 0x400);
    program.push(load(LW, V0, 0x14, T2));
    let cpu = run_on(&mut bus, Some(cpu), &program);
    assert_eq!(cpu.reg(V0 as usize), 3);
}
