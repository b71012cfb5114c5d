//! A guard at the bottom of the main thread's stack, so that a stack overflow is named instead of
//! silently running down through the heap, data and code.
//!
//! At start-up the runtime reserves the lowest [`GUARD_SIZE`] bytes of the main stack (the kernel puts the
//! stack right above the heap: `EndOfHeap()` is its bottom) and:
//!
//! - fills them with the [`CANARY`] word, through the uncached view, and checks them (with the stack pointer)
//!   at the program's end ([`crate::rt::exit`], which the panic handler also calls): a damaged canary or a
//!   stack pointer inside the guard prints `stack overflow: ...` and exits with [`OVERFLOW_EXIT_CODE`]. This
//!   works on a real console and in PCSX2. It names an overflow after the fact (the memory below is already
//!   damaged), and a frame larger than the guard can jump over it.
//! - publishes the guard in the descriptor `__ps2_stack_guard` (three words: [`MAGIC`], start, end; a symbol
//!   in the ELF). `ps2-sim` reads it after the start-up `FlushCache` and from then on stops the run at the
//!   first cached load or store inside the guard: `guest stack overflow: store to 0x... below the stack
//!   limit 0x... (pc function+0x...)`, exit code 123. The runtime itself touches the guard only through the
//!   uncached view, which the simulator does not watch.
//!
//! No hardware breakpoint is used: the R5900's data-address breakpoint (COP0 register 24: BPC, DAB, DABM)
//! raises a level-2 debug exception whose handler belongs to the kernel, and PCSX2 does not model those
//! registers (its `MTC0` to register 24 only logs "Breakpoint debug Registers"; `pcsx2/COP0.cpp`).

use core::fmt;
use core::ops::Range;

/// Bytes reserved at the bottom of the main stack (64-byte cache lines, so the simulator can watch them
/// line by line). A frame larger than this can step over the guard.
pub const GUARD_SIZE: usize = 4096;
/// The first word of a published descriptor ("STKG"), as `ps2-sim` expects it.
pub const MAGIC: u32 = 0x4753_4B54;
/// The word the guard is filled with.
pub const CANARY: u32 = 0x57AC_6A5D;
/// The exit code of a program whose stack overflowed (found at exit or in a panic).
pub const OVERFLOW_EXIT_CODE: i32 = 102;

/// The published guard: `magic`, `start`, `end` (cached-view addresses). Zero (BSS) until start-up
/// fills it in.
#[repr(C)]
struct Descriptor {
    magic: u32,
    start: u32,
    end: u32,
}

#[unsafe(no_mangle)]
#[used]
static mut __ps2_stack_guard: Descriptor = Descriptor { magic: 0, start: 0, end: 0 };

/// The guard region, once start-up installed it.
pub fn range() -> Option<Range<usize>> {
    // SAFETY: written once during start-up, before `main`; read-only afterwards.
    let descriptor = unsafe { &*core::ptr::addr_of!(__ps2_stack_guard) };
    (descriptor.magic == MAGIC).then_some(descriptor.start as usize..descriptor.end as usize)
}

/// Why [`check`] failed: the stack ran past its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The lowest address the stack may use (the guard's end).
    pub limit: usize,
    /// The stack pointer at the check.
    pub stack_pointer: usize,
    /// The lowest guard word that no longer holds the canary: how deep the stack went.
    pub deepest_damage: Option<usize>,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stack overflow: the main thread's stack ran below its limit {:#010x}", self.limit)?;
        if let Some(at) = self.deepest_damage {
            write!(f, " (the guard below it is overwritten down to {at:#010x})")?;
        }
        if self.stack_pointer < self.limit && self.stack_pointer != 0 {
            write!(f, " (the stack pointer is {:#010x})", self.stack_pointer)?;
        }
        write!(f, "; give it more room with a larger `_stack_size` or use less of it")
    }
}

/// The current stack pointer (0 off the EE).
#[inline(always)]
fn stack_pointer() -> usize {
    #[cfg(target_arch = "mips")]
    {
        let sp: usize;
        // SAFETY: reads a register.
        unsafe { core::arch::asm!("move {0}, $sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
        sp
    }
    #[cfg(not(target_arch = "mips"))]
    0
}

/// The guard words through the uncached view (`None` when no guard is installed).
fn uncached_words(guard: &Range<usize>) -> impl Iterator<Item = (usize, *mut u32)> {
    guard.clone().step_by(4).map(|addr| (addr, crate::cache::uncached(addr as *mut u32)))
}

/// Installs the guard at the bottom of a stack whose lowest address is `stack_bottom`: fills it with the
/// canary and publishes it. Does nothing when the stack is smaller than twice the guard.
#[cfg_attr(not(target_arch = "mips"), allow(dead_code))]
pub(crate) fn install(stack_bottom: usize, stack_size: usize) {
    if stack_size < 2 * GUARD_SIZE {
        return;
    }
    let start = (stack_bottom + 63) & !63;
    let guard = start..start + GUARD_SIZE;
    // No cached copy may later overwrite the canary written around the cache.
    crate::cache::writeback_invalidate_range(start as *const u8, GUARD_SIZE);
    for (_, word) in uncached_words(&guard) {
        // SAFETY: the bottom of the main stack, unused this early (the stack grows down from the top).
        unsafe { word.write_volatile(CANARY) };
    }
    // SAFETY: start-up, single-threaded, before `main`.
    unsafe {
        let descriptor = &mut *core::ptr::addr_of_mut!(__ps2_stack_guard);
        descriptor.start = guard.start as u32;
        descriptor.end = guard.end as u32;
        descriptor.magic = MAGIC;
    }
}

/// Checks the guard: the stack pointer must lie above it and every guard word must still hold the canary.
/// `Ok` when no guard is installed.
pub fn check() -> Result<(), Overflow> {
    let Some(guard) = range() else { return Ok(()) };
    let stack_pointer = stack_pointer();
    // A write through the cache may not have reached memory yet; the uncached reads below need it there.
    crate::cache::writeback_range(guard.start as *const u8, guard.len());
    // SAFETY: the guard lies in RAM the runtime reserved; uncached reads of it have no side effects.
    let deepest_damage = uncached_words(&guard).find(|&(_, word)| unsafe { word.read_volatile() } != CANARY).map(|(a, _)| a);
    // Only a stack pointer inside the guard counts: other threads' stacks may lie anywhere, in the heap too.
    let sp_inside = guard.contains(&stack_pointer);
    if deepest_damage.is_none() && !sp_inside {
        return Ok(());
    }
    Err(Overflow { limit: guard.end, stack_pointer, deepest_damage })
}
