//! EE tests of data-cache maintenance around DMA: the simulator's data cache holds data and its DMA
//! reads and writes memory behind it, as on the console, so a transfer without the maintenance
//! [`ps2_sys::cache`] provides moves the wrong data. The "planted bug" tests leave the maintenance out
//! and assert that the wrong data *is* seen; their twins add it and get the right data.
//!
//! The transfers are the scratchpad channels (toSPR: memory → scratchpad, fromSPR: scratchpad →
//! memory), which need nothing but the DMAC. Run with `cargo test -p ps2-sys --test ee_cache_dma`.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    use core::ptr::{addr_of_mut, read_volatile, write_volatile};
    use core::sync::atomic::{Ordering, compiler_fence};

    use ps2_alloc as _;
    use ps2_sys::cache;
    use ps2_sys::hw::dmac::{self, ChannelId, Chcr};

    ps2_sys::test_main!(
        send_without_writeback_sends_stale_data,
        send_with_writeback_sends_the_new_data,
        send_after_flush_cache_sends_the_new_data,
        send_through_the_uncached_alias_needs_no_maintenance,
        receive_without_invalidate_reads_stale_data,
        receive_with_invalidate_reads_the_new_data,
        writing_back_a_dirty_line_after_a_receive_overwrites_it,
    );

    const LEN: usize = 256;
    const QWC: u32 = (LEN / 16) as u32;
    const SPR: usize = 0x7000_0000;

    #[repr(C, align(64))]
    struct Lines([u8; LEN]);

    static mut BUFFER: Lines = Lines([0; LEN]);

    fn buffer() -> *mut u8 {
        // SAFETY: only a raw pointer is taken; tests run one at a time on one thread.
        unsafe { addr_of_mut!(BUFFER.0).cast::<u8>() }
    }

    fn old(i: usize) -> u8 {
        i as u8
    }

    fn new(i: usize) -> u8 {
        !(i as u8) ^ 0x5A
    }

    fn fill(ptr: *mut u8, value: fn(usize) -> u8) {
        for i in 0..LEN {
            // SAFETY: `ptr` covers LEN bytes (the buffer, an alias of it, or the scratchpad).
            unsafe { write_volatile(ptr.add(i), value(i)) };
        }
        compiler_fence(Ordering::SeqCst);
    }

    fn holds(ptr: *const u8, value: fn(usize) -> u8) -> bool {
        compiler_fence(Ordering::SeqCst);
        // SAFETY: as in `fill`.
        (0..LEN).all(|i| unsafe { read_volatile(ptr.add(i)) } == value(i))
    }

    /// Runs a normal-mode scratchpad transfer of the buffer and waits for it.
    fn transfer(id: ChannelId) {
        compiler_fence(Ordering::SeqCst);
        let ch = dmac::channel(id);
        // SAFETY: DMAC registers of an idle channel; the buffer and the scratchpad area are ours.
        unsafe {
            ch.madr.write(cache::physical_address(buffer()));
            ch.sadr.write(0);
            ch.qwc.write(QWC);
            let dir = if id == ChannelId::ToSpr { Chcr::FROM_MEMORY } else { Chcr::empty() };
            ch.chcr.write((dir | Chcr::START).bits());
        }
        while Chcr::from_bits_retain(ch.chcr.read()).contains(Chcr::START) {}
        compiler_fence(Ordering::SeqCst);
    }

    /// The buffer holds `old` in memory and in clean cached lines.
    fn start_with_old_data() {
        fill(buffer(), old);
        cache::writeback_range(buffer(), LEN);
        assert!(holds(cache::uncached(buffer()), old));
    }

    fn send_without_writeback_sends_stale_data() {
        start_with_old_data();
        fill(buffer(), new); // dirty lines, not written back: the planted bug
        transfer(ChannelId::ToSpr);
        assert!(holds(SPR as *const u8, old), "DMA read memory, which still holds the old data");
        assert!(holds(buffer(), new), "the CPU sees its own stores");
    }

    fn send_with_writeback_sends_the_new_data() {
        start_with_old_data();
        fill(buffer(), new);
        cache::writeback_range(buffer(), LEN);
        transfer(ChannelId::ToSpr);
        assert!(holds(SPR as *const u8, new));
    }

    fn send_after_flush_cache_sends_the_new_data() {
        start_with_old_data();
        fill(buffer(), new);
        cache::flush_all();
        transfer(ChannelId::ToSpr);
        assert!(holds(SPR as *const u8, new));
    }

    fn send_through_the_uncached_alias_needs_no_maintenance() {
        start_with_old_data();
        cache::invalidate_range(buffer(), LEN);
        fill(cache::uncached(buffer()), new);
        transfer(ChannelId::ToSpr);
        assert!(holds(SPR as *const u8, new));
    }

    fn receive_without_invalidate_reads_stale_data() {
        start_with_old_data();
        assert!(holds(buffer(), old)); // the lines are valid in the cache
        fill(SPR as *mut u8, new);
        transfer(ChannelId::FromSpr);
        assert!(holds(buffer(), old), "stale lines: no invalidate, the planted bug");
        assert!(holds(cache::uncached(buffer()), new), "memory has the DMA's data");
    }

    fn receive_with_invalidate_reads_the_new_data() {
        start_with_old_data();
        assert!(holds(buffer(), old));
        fill(SPR as *mut u8, new);
        transfer(ChannelId::FromSpr);
        cache::invalidate_range(buffer(), LEN);
        assert!(holds(buffer(), new));
    }

    fn writing_back_a_dirty_line_after_a_receive_overwrites_it() {
        start_with_old_data();
        fill(buffer(), old); // dirty again: the SDK would write back + invalidate before the DMA
        fill(SPR as *mut u8, new);
        transfer(ChannelId::FromSpr);
        assert!(holds(cache::uncached(buffer()), new));
        cache::writeback_range(buffer(), LEN);
        assert!(holds(cache::uncached(buffer()), old), "the write-back replaced the DMA's data");
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_cache_dma: EE-only tests, run with `cargo test -p ps2-sys --test ee_cache_dma` (EE target)");
}
