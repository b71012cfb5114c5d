//! Data-cache maintenance and address aliases for DMA.
//!
//! The EE data cache is 8 KiB, 2-way, with 64-byte lines, and write-back. DMA does not see it:
//!
//! - before a DMA **reads** memory (EE → device), write the range back with [`writeback_range`];
//! - after a DMA **writes** memory (device → EE), drop stale lines with [`invalidate_range`] before reading
//!   through a cached address.
//!
//! Ranges are rounded out to whole 64-byte lines. [`invalidate_range`] therefore also discards dirty data that
//! shares a line with the buffer: DMA destination buffers should be 64-byte aligned and sized in whole lines
//! (or use [`writeback_invalidate_range`], which keeps neighbours' data at the cost of a write-back).
//!
//! The per-line `cache` operations cost one instruction per 64 bytes; for ranges larger than the whole cache
//! (8 KiB) the whole-cache [`crate::syscall::flush_cache`] is used instead.

/// The data cache line size in bytes.
pub const LINE_SIZE: usize = 64;
/// The data cache size in bytes.
pub const DATA_CACHE_SIZE: usize = 8 * 1024;

/// Cache operation codes of the R5900 (`cache op, 0(reg)`).
mod op {
    /// Hit write-back invalidate (DHWBIN).
    pub const HIT_WRITEBACK_INVALIDATE: u32 = 0x18;
    /// Hit invalidate (DHIN).
    pub const HIT_INVALIDATE: u32 = 0x1A;
    /// Hit write-back without invalidate (DHWOIN).
    pub const HIT_WRITEBACK: u32 = 0x1C;
}

#[inline(always)]
fn for_each_line(start: *const u8, len: usize, f: impl Fn(usize)) {
    if len == 0 {
        return;
    }
    let first = start as usize & !(LINE_SIZE - 1);
    let last = (start as usize + len - 1) & !(LINE_SIZE - 1);
    let mut line = first;
    while line <= last {
        f(line);
        line += LINE_SIZE;
    }
}

#[inline(always)]
fn cache_line_op<const OP: u32>(line: usize) {
    #[cfg(target_arch = "mips")]
    // SAFETY: hit-type cache operations act only on lines that hold this address.
    unsafe {
        core::arch::asm!(".set push", ".set mips3", ".set noat", "cache {op}, 0({addr})", ".set pop", op = const OP, addr = in(reg) line, options(nostack))
    };
    #[cfg(not(target_arch = "mips"))]
    let _ = line;
}

/// Writes the cache lines covering `ptr..ptr+len` back to memory (they stay valid in the cache).
pub fn writeback_range(ptr: *const u8, len: usize) {
    if len >= DATA_CACHE_SIZE {
        crate::syscall::flush_cache(crate::syscall::CacheOp::WritebackData);
        return;
    }
    crate::arch::sync();
    for_each_line(ptr, len, cache_line_op::<{ op::HIT_WRITEBACK }>);
    crate::arch::sync();
}

/// Writes back and invalidates the lines covering the range: safe for unaligned buffers.
pub fn writeback_invalidate_range(ptr: *const u8, len: usize) {
    crate::arch::sync();
    for_each_line(ptr, len, cache_line_op::<{ op::HIT_WRITEBACK_INVALIDATE }>);
    crate::arch::sync();
}

/// Invalidates the lines covering the range without writing them back. See the module docs about alignment.
pub fn invalidate_range(ptr: *const u8, len: usize) {
    crate::arch::sync();
    for_each_line(ptr, len, cache_line_op::<{ op::HIT_INVALIDATE }>);
    crate::arch::sync();
}

/// Writes the whole data cache back (`FlushCache(0)`).
pub fn flush_all() {
    crate::syscall::flush_cache(crate::syscall::CacheOp::WritebackData);
}

/// The uncached alias of a main-RAM address (`| 0x2000_0000`): reads and writes bypass the cache.
pub fn uncached<T>(ptr: *mut T) -> *mut T {
    (ptr as usize | 0x2000_0000) as *mut T
}

/// The uncached-accelerated alias (`| 0x3000_0000`): uncached, with a write-combining buffer. Valid only for
/// RAM from 1 MiB up, which covers everything a program owns.
pub fn uncached_accelerated<T>(ptr: *mut T) -> *mut T {
    (ptr as usize | 0x3000_0000) as *mut T
}

/// The physical address the DMAC wants for a pointer: RAM aliases are folded back onto physical RAM, and the
/// scratchpad (0x7000_0000) becomes its offset with the SPR bit 31 set.
pub fn physical_address<T>(ptr: *const T) -> u32 {
    let addr = ptr as usize as u32;
    if addr & 0xF000_0000 == 0x7000_0000 {
        0x8000_0000 | (addr & 0x3FFF)
    } else {
        addr & 0x0FFF_FFFF
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::cell::RefCell;
    use std::vec::Vec;

    fn lines(start: usize, len: usize) -> Vec<usize> {
        let seen = RefCell::new(Vec::new());
        for_each_line(start as *const u8, len, |l| seen.borrow_mut().push(l));
        seen.into_inner()
    }

    #[test]
    fn ranges_round_out_to_whole_lines() {
        assert_eq!(lines(0x100040, 64), [0x100040]);
        assert_eq!(lines(0x100041, 64), [0x100040, 0x100080]);
        assert_eq!(lines(0x10007F, 2), [0x100040, 0x100080]);
        assert!(lines(0x100000, 0).is_empty());
    }

    #[test]
    fn aliases_and_physical_addresses() {
        let p = 0x0012_3450 as *mut u8;
        assert_eq!(uncached(p) as usize, 0x2012_3450);
        assert_eq!(uncached_accelerated(p) as usize, 0x3012_3450);
        assert_eq!(physical_address(uncached(p)), 0x0012_3450);
        assert_eq!(physical_address(uncached_accelerated(p)), 0x0012_3450);
        assert_eq!(physical_address(0x7000_0100 as *const u8), 0x8000_0100);
    }
}
