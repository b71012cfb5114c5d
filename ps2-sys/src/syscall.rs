//! The EE kernel's syscalls as typed Rust functions.
//!
//! The raw table lives in [`raw`]: one assembly stub per syscall (`li $v1, N; syscall; jr $ra`), generated from
//! a single list, exactly as ps2sdk's `kernel.S` does. The functions in this module wrap them with typed
//! arguments and turn the kernel's negative return codes into [`KernelError`].
//!
//! Functions whose name starts with `i` are the interrupt-context variants (negative syscall numbers). They are
//! kept separate on purpose: call them — and only them — from interrupt and alarm handlers.
//!
//! Numbers and semantics: ps2sdk `ee/kernel/include/syscallnr.h` and `kernel.h` (see the project's reference
//! notes). The kernel behaviour described here is that of the retail BIOS.

use core::ffi::c_void;
use core::fmt;

/// A syscall failed: the kernel returned a negative value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelError {
    /// The syscall that failed, by its ps2sdk name.
    pub call: &'static str,
    /// The kernel's return value.
    pub code: i32,
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: the kernel returned {}", self.call, self.code)
    }
}

impl core::error::Error for KernelError {}

fn check(call: &'static str, ret: i32) -> Result<i32, KernelError> {
    if ret < 0 { Err(KernelError { call, code: ret }) } else { Ok(ret) }
}

macro_rules! syscall_table {
    ($( $(#[$doc:meta])* $num:literal => fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?; )*) => {
        /// The raw syscall stubs, one per kernel entry, with the kernel's own argument types.
        ///
        /// Prefer the typed wrappers in the parent module; these are exposed for completeness and for calls the
        /// wrappers do not cover.
        pub mod raw {
            #[allow(unused_imports)]
            use core::ffi::c_void;
            #[allow(unused_imports)]
            use super::{SemaParamsRaw, SifDmaTransfer, ThreadParamsRaw, ThreadStatusRaw};
            $(
                #[cfg(target_arch = "mips")]
                core::arch::global_asm!(concat!(
                    ".section .text.", stringify!($name), ", \"ax\", @progbits\n",
                    ".globl ", stringify!($name), "\n",
                    ".type ", stringify!($name), ", @function\n",
                    ".set push\n.set noreorder\n",
                    stringify!($name), ":\n",
                    "    addiu $3, $0, ", stringify!($num), "\n",
                    "    syscall\n",
                    "    jr $31\n",
                    "    nop\n",
                    ".set pop\n",
                ));
            )*
            #[cfg(target_arch = "mips")]
            unsafe extern "C" {
                $(
                    $(#[$doc])*
                    #[doc = concat!("\n\nSyscall number `", stringify!($num), "`.")]
                    pub fn $name($($arg: $ty),*) $(-> $ret)?;
                )*
            }
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nSyscall number `", stringify!($num), "`.")]
                ///
                /// # Safety
                /// This is the raw kernel entry: pointers must be valid as the kernel expects.
                #[cfg(not(target_arch = "mips"))]
                #[allow(unused_variables)]
                pub unsafe extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
                    crate::arch::host_only(stringify!($name))
                }
            )*
        }
    };
}

syscall_table! {
    /// Resets EE subsystems (bit 0 DMAC, 1 VU1, 2 VIF1, 3 GIF, 4 VU0, 5 VIF0, 6 IPU).
    0x01 => fn sys_reset_ee(init: u32);
    /// Sets the video mode: interlace, mode (2 NTSC, 3 PAL, 0x50 480p, ...), field/frame.
    0x02 => fn sys_set_gs_crt(interlace: i16, mode: i16, ffmd: i16);
    /// Ends the program.
    0x04 => fn sys_exit(code: i32);
    /// Registers an INTC handler; returns its id.
    0x10 => fn sys_add_intc_handler(cause: i32, handler: *const c_void, next: i32, arg: *mut c_void) -> i32;
    /// Removes an INTC handler.
    0x11 => fn sys_remove_intc_handler(cause: i32, id: i32) -> i32;
    /// Registers a DMAC handler; returns its id.
    0x12 => fn sys_add_dmac_handler(channel: i32, handler: *const c_void, next: i32, arg: *mut c_void) -> i32;
    /// Removes a DMAC handler.
    0x13 => fn sys_remove_dmac_handler(channel: i32, id: i32) -> i32;
    /// Unmasks an INTC cause.
    0x14 => fn sys_enable_intc(cause: i32) -> i32;
    /// Masks an INTC cause.
    0x15 => fn sys_disable_intc(cause: i32) -> i32;
    /// Unmasks a DMAC channel interrupt.
    0x16 => fn sys_enable_dmac(channel: i32) -> i32;
    /// Masks a DMAC channel interrupt.
    0x17 => fn sys_disable_dmac(channel: i32) -> i32;
    /// Starts a one-shot alarm in H-sync ticks.
    0x18 => fn sys_set_alarm(ticks: u16, handler: *const c_void, common: *mut c_void) -> i32;
    /// Cancels an alarm.
    0x19 => fn sys_release_alarm(id: i32) -> i32;
    /// Interrupt-context `EnableIntc`.
    -0x1A => fn sys_ienable_intc(cause: i32) -> i32;
    /// Interrupt-context `DisableIntc`.
    -0x1B => fn sys_idisable_intc(cause: i32) -> i32;
    /// Interrupt-context `EnableDmac`.
    -0x1C => fn sys_ienable_dmac(channel: i32) -> i32;
    /// Interrupt-context `DisableDmac`.
    -0x1D => fn sys_idisable_dmac(channel: i32) -> i32;
    /// Interrupt-context `SetAlarm`.
    -0x1E => fn sys_iset_alarm(ticks: u16, handler: *const c_void, common: *mut c_void) -> i32;
    /// Interrupt-context `ReleaseAlarm`.
    -0x1F => fn sys_irelease_alarm(id: i32) -> i32;
    /// Creates a thread (dormant); returns its id.
    0x20 => fn sys_create_thread(params: *mut ThreadParamsRaw) -> i32;
    /// Deletes a dormant thread.
    0x21 => fn sys_delete_thread(id: i32) -> i32;
    /// Starts a dormant thread with `arg` in `$a0`.
    0x22 => fn sys_start_thread(id: i32, arg: *mut c_void) -> i32;
    /// Ends the calling thread.
    0x23 => fn sys_exit_thread();
    /// Ends and deletes the calling thread.
    0x24 => fn sys_exit_delete_thread();
    /// Terminates another thread.
    0x25 => fn sys_terminate_thread(id: i32) -> i32;
    /// Interrupt-context `TerminateThread`.
    -0x26 => fn sys_iterminate_thread(id: i32) -> i32;
    /// Changes a thread's priority (`0` = the calling thread).
    0x29 => fn sys_change_thread_priority(id: i32, priority: i32) -> i32;
    /// Interrupt-context `ChangeThreadPriority`.
    -0x2A => fn sys_ichange_thread_priority(id: i32, priority: i32) -> i32;
    /// Moves the running thread of a priority to the end of its ready queue.
    0x2B => fn sys_rotate_thread_ready_queue(priority: i32) -> i32;
    /// Interrupt-context `RotateThreadReadyQueue`.
    -0x2C => fn sys_irotate_thread_ready_queue(priority: i32) -> i32;
    /// Releases a thread from a wait.
    0x2D => fn sys_release_wait_thread(id: i32) -> i32;
    /// Interrupt-context `ReleaseWaitThread`.
    -0x2E => fn sys_irelease_wait_thread(id: i32) -> i32;
    /// Returns the calling thread's id.
    0x2F => fn sys_get_thread_id() -> i32;
    /// Interrupt-context `GetThreadId`.
    -0x2F => fn sys_iget_thread_id() -> i32;
    /// Reads a thread's status.
    0x30 => fn sys_refer_thread_status(id: i32, status: *mut ThreadStatusRaw) -> i32;
    /// Interrupt-context `ReferThreadStatus`.
    -0x31 => fn sys_irefer_thread_status(id: i32, status: *mut ThreadStatusRaw) -> i32;
    /// Sleeps until woken up.
    0x32 => fn sys_sleep_thread() -> i32;
    /// Wakes a sleeping thread.
    0x33 => fn sys_wakeup_thread(id: i32) -> i32;
    /// Interrupt-context `WakeupThread`.
    -0x34 => fn sys_iwakeup_thread(id: i32) -> i32;
    /// Cancels pending wake-ups; returns how many there were.
    0x35 => fn sys_cancel_wakeup_thread(id: i32) -> i32;
    /// Interrupt-context `CancelWakeupThread`.
    -0x36 => fn sys_icancel_wakeup_thread(id: i32) -> i32;
    /// Suspends a thread.
    0x37 => fn sys_suspend_thread(id: i32) -> i32;
    /// Interrupt-context `SuspendThread`.
    -0x38 => fn sys_isuspend_thread(id: i32) -> i32;
    /// Resumes a suspended thread.
    0x39 => fn sys_resume_thread(id: i32) -> i32;
    /// Interrupt-context `ResumeThread`.
    -0x3A => fn sys_iresume_thread(id: i32) -> i32;
    /// Makes the caller the main thread; returns its stack pointer. Used by the crt0 only.
    0x3C => fn sys_setup_thread(gp: *mut c_void, stack: *mut c_void, stack_size: i32, args: *mut c_void, root: *const c_void) -> *mut c_void;
    /// Declares the heap: `size == -1` means up to the bottom of the main stack.
    0x3D => fn sys_setup_heap(start: *mut c_void, size: i32) -> *mut c_void;
    /// Returns the end of the heap declared with `SetupHeap`.
    0x3E => fn sys_end_of_heap() -> *mut c_void;
    /// Creates a semaphore; returns its id.
    0x40 => fn sys_create_sema(params: *mut SemaParamsRaw) -> i32;
    /// Deletes a semaphore.
    0x41 => fn sys_delete_sema(id: i32) -> i32;
    /// Signals a semaphore.
    0x42 => fn sys_signal_sema(id: i32) -> i32;
    /// Interrupt-context `SignalSema`.
    -0x43 => fn sys_isignal_sema(id: i32) -> i32;
    /// Waits on a semaphore.
    0x44 => fn sys_wait_sema(id: i32) -> i32;
    /// Takes a semaphore if its count is not zero.
    0x45 => fn sys_poll_sema(id: i32) -> i32;
    /// Interrupt-context `PollSema`.
    -0x46 => fn sys_ipoll_sema(id: i32) -> i32;
    /// Reads a semaphore's state.
    0x47 => fn sys_refer_sema_status(id: i32, status: *mut SemaParamsRaw) -> i32;
    /// Interrupt-context `ReferSemaStatus`.
    -0x48 => fn sys_irefer_sema_status(id: i32, status: *mut SemaParamsRaw) -> i32;
    /// Interrupt-context `DeleteSema`.
    -0x49 => fn sys_idelete_sema(id: i32) -> i32;
    /// Writes back and/or invalidates the caches (0 write back D, 1 invalidate D, 2 invalidate I, 3 both).
    0x64 => fn sys_flush_cache(op: i32);
    /// Interrupt-context `FlushCache`.
    -0x68 => fn sys_iflush_cache(op: i32);
    /// Stops SIF DMA.
    0x6B => fn sys_sif_stop_dma();
    /// Returns the GS IMR shadow (64-bit in `$v0`; use [`gs_get_imr`](super::gs_get_imr)).
    0x70 => fn sys_gs_get_imr() -> u32;
    /// Writes GS IMR (low word in `$a0`; the mask bits all live in the low word).
    0x71 => fn sys_gs_put_imr(imr: u32) -> u32;
    /// Registers a flag and a CSR copy that the kernel updates every VSYNC.
    0x73 => fn sys_set_vsync_flag(flag: *mut u32, csr: *mut u64);
    /// Replaces a syscall vector.
    0x74 => fn sys_set_syscall(number: i32, handler: *const c_void);
    /// Queries a SIF DMA transfer: negative when finished.
    0x76 => fn sys_sif_dma_stat(id: u32) -> i32;
    /// Interrupt-context `SifDmaStat`.
    -0x76 => fn sys_isif_dma_stat(id: u32) -> i32;
    /// Queues SIF DMA transfers (EE → IOP); returns a transfer id, 0 on failure.
    0x77 => fn sys_sif_set_dma(transfers: *const SifDmaTransfer, count: i32) -> u32;
    /// Interrupt-context `SifSetDma`.
    -0x77 => fn sys_isif_set_dma(transfers: *const SifDmaTransfer, count: i32) -> u32;
    /// Arms the SIF0 (IOP → EE) receive channel.
    0x78 => fn sys_sif_set_dchain();
    /// Interrupt-context `SifSetDChain`.
    -0x78 => fn sys_isif_set_dchain();
    /// Writes a SIF register (1 MSCOM, 2 SMCOM, 3 MSFLAG, 4 SMFLAG, 0x80000000+n software registers).
    0x79 => fn sys_sif_set_reg(reg: u32, value: i32) -> i32;
    /// Reads a SIF register.
    0x7A => fn sys_sif_get_reg(reg: u32) -> i32;
    /// Returns the machine type.
    0x7E => fn sys_machine_type() -> i32;
    /// Returns the size of main RAM in bytes.
    0x7F => fn sys_get_memory_size() -> i32;
}

// ---------------------------------------------------------------------------------------------------------
// Typed wrappers
// ---------------------------------------------------------------------------------------------------------

/// Ends the program with an exit code (`Exit`, syscall 4). Prefer [`crate::rt::exit`], which flushes first.
pub fn exit(code: i32) -> ! {
    // SAFETY: Exit takes a plain integer and does not return.
    unsafe { raw::sys_exit(code) };
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Declares the heap (`SetupHeap`). Called by the runtime at start-up.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // the pointer is handed on, never dereferenced
pub fn setup_heap(start: *mut u8, size: i32) {
    // SAFETY: the kernel only records the two values.
    unsafe { raw::sys_setup_heap(start.cast(), size) };
}

/// The end of the heap (`EndOfHeap`): the first byte the heap must not use (the bottom of the main stack).
pub fn end_of_heap() -> *mut u8 {
    // SAFETY: no arguments.
    unsafe { raw::sys_end_of_heap().cast() }
}

/// The size of main RAM (`GetMemorySize`): 32 MiB on retail consoles.
pub fn memory_size() -> usize {
    // SAFETY: no arguments.
    unsafe { raw::sys_get_memory_size() as usize }
}

/// What [`flush_cache`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum CacheOp {
    /// Write the whole data cache back to memory.
    WritebackData = 0,
    /// Invalidate the whole data cache (dirty lines are lost).
    InvalidateData = 1,
    /// Invalidate the instruction cache (after writing code).
    InvalidateInstruction = 2,
    /// Invalidate both caches.
    InvalidateBoth = 3,
}

/// Whole-cache maintenance (`FlushCache`). For address ranges see [`crate::cache`].
pub fn flush_cache(op: CacheOp) {
    // SAFETY: a cache operation; InvalidateData can lose dirty data, which is what the caller asked for.
    unsafe { raw::sys_flush_cache(op as i32) };
}

/// Interrupt-context [`flush_cache`].
pub fn iflush_cache(op: CacheOp) {
    // SAFETY: as above.
    unsafe { raw::sys_iflush_cache(op as i32) };
}

// --- threads -----------------------------------------------------------------------------------------

/// A thread priority: 0 is the highest, 127 the lowest. The main thread starts at 0 in the retail kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Priority(u8);

impl Priority {
    /// The highest priority.
    pub const HIGHEST: Priority = Priority(0);
    /// The lowest priority.
    pub const LOWEST: Priority = Priority(127);

    /// A priority from its number; `None` unless `0..=127`.
    pub const fn new(value: u8) -> Option<Priority> {
        if value <= 127 { Some(Priority(value)) } else { None }
    }

    /// The priority's number.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// A kernel thread id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ThreadId(pub i32);

impl ThreadId {
    /// "The calling thread" (`TH_SELF`), accepted by the calls that document it.
    pub const SELF: ThreadId = ThreadId(0);
}

/// `ee_thread_t` (0x24 bytes), as `CreateThread` reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(missing_docs)]
pub struct ThreadParamsRaw {
    pub status: i32,
    pub func: usize,
    pub stack: usize,
    pub stack_size: i32,
    pub gp_reg: usize,
    pub initial_priority: i32,
    pub current_priority: i32,
    pub attr: u32,
    pub option: u32,
}

/// `ee_thread_status_t` (0x30 bytes), as `ReferThreadStatus` writes it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(missing_docs)]
pub struct ThreadStatusRaw {
    pub status: i32,
    pub func: usize,
    pub stack: usize,
    pub stack_size: i32,
    pub gp_reg: usize,
    pub initial_priority: i32,
    pub current_priority: i32,
    pub attr: u32,
    pub option: u32,
    pub wait_type: i32,
    pub wait_id: i32,
    pub wakeup_count: i32,
}

/// The entry function of a thread: receives the argument given to [`start_thread`].
pub type ThreadEntry = extern "C" fn(arg: *mut c_void);

/// How to create a thread.
#[derive(Clone, Copy, Debug)]
pub struct ThreadParams {
    /// Where the thread starts.
    pub entry: ThreadEntry,
    /// The lowest address of its stack (16-byte aligned).
    pub stack: *mut u8,
    /// The stack's size in bytes.
    pub stack_size: usize,
    /// Its priority.
    pub priority: Priority,
}

/// The state of a thread, as [`refer_thread_status`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Running now.
    Running,
    /// Ready to run.
    Ready,
    /// Waiting (sleep or semaphore).
    Waiting,
    /// Suspended.
    Suspended,
    /// Waiting and suspended.
    WaitingSuspended,
    /// Created or ended, not started.
    Dormant,
    /// A value this crate does not know.
    Other(i32),
}

impl ThreadState {
    fn from_raw(v: i32) -> ThreadState {
        match v {
            0x01 => ThreadState::Running,
            0x02 => ThreadState::Ready,
            0x04 => ThreadState::Waiting,
            0x08 => ThreadState::Suspended,
            0x0C => ThreadState::WaitingSuspended,
            0x10 => ThreadState::Dormant,
            other => ThreadState::Other(other),
        }
    }
}

/// A thread's status.
#[derive(Clone, Copy, Debug)]
pub struct ThreadStatus {
    /// Its state.
    pub state: ThreadState,
    /// Its current priority.
    pub priority: i32,
    /// Pending wake-ups.
    pub wakeup_count: i32,
}

/// Creates a thread (dormant until [`start_thread`]). `$gp` is inherited from the caller.
pub fn create_thread(params: &ThreadParams) -> Result<ThreadId, KernelError> {
    let mut raw = ThreadParamsRaw {
        func: params.entry as usize,
        stack: params.stack as usize,
        stack_size: params.stack_size as i32,
        gp_reg: current_gp(),
        initial_priority: params.priority.get() as i32,
        ..ThreadParamsRaw::default()
    };
    // SAFETY: `raw` is a valid ee_thread_t; the kernel copies it.
    check("CreateThread", unsafe { raw::sys_create_thread(&mut raw) }).map(ThreadId)
}

/// Starts a dormant thread, passing `arg` to its entry function.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // the pointer is handed on, never dereferenced
pub fn start_thread(id: ThreadId, arg: *mut c_void) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("StartThread", unsafe { raw::sys_start_thread(id.0, arg) }).map(drop)
}

/// Ends the calling thread.
pub fn exit_thread() -> ! {
    // SAFETY: no arguments; does not return.
    unsafe { raw::sys_exit_thread() };
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Deletes a dormant thread.
pub fn delete_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("DeleteThread", unsafe { raw::sys_delete_thread(id.0) }).map(drop)
}

/// Terminates another thread (it becomes dormant).
pub fn terminate_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("TerminateThread", unsafe { raw::sys_terminate_thread(id.0) }).map(drop)
}

/// Changes a thread's priority ([`ThreadId::SELF`] for the caller).
pub fn change_thread_priority(id: ThreadId, priority: Priority) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("ChangeThreadPriority", unsafe { raw::sys_change_thread_priority(id.0, priority.get() as i32) })
        .map(drop)
}

/// Interrupt-context [`change_thread_priority`].
pub fn ichange_thread_priority(id: ThreadId, priority: Priority) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("iChangeThreadPriority", unsafe { raw::sys_ichange_thread_priority(id.0, priority.get() as i32) })
        .map(drop)
}

/// Lets the other ready threads of `priority` run (cooperative yield).
pub fn rotate_thread_ready_queue(priority: Priority) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    check("RotateThreadReadyQueue", unsafe { raw::sys_rotate_thread_ready_queue(priority.get() as i32) })
        .map(drop)
}

/// Interrupt-context [`rotate_thread_ready_queue`].
pub fn irotate_thread_ready_queue(priority: Priority) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    check("iRotateThreadReadyQueue", unsafe { raw::sys_irotate_thread_ready_queue(priority.get() as i32) })
        .map(drop)
}

/// Releases a thread from whatever it waits on.
pub fn release_wait_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("ReleaseWaitThread", unsafe { raw::sys_release_wait_thread(id.0) }).map(drop)
}

/// The calling thread's id.
pub fn thread_id() -> ThreadId {
    // SAFETY: no arguments.
    ThreadId(unsafe { raw::sys_get_thread_id() })
}

/// Interrupt-context [`thread_id`]: the id of the interrupted thread.
pub fn ithread_id() -> ThreadId {
    // SAFETY: no arguments.
    ThreadId(unsafe { raw::sys_iget_thread_id() })
}

/// Reads a thread's status.
pub fn refer_thread_status(id: ThreadId) -> Result<ThreadStatus, KernelError> {
    let mut raw = ThreadStatusRaw::default();
    // SAFETY: `raw` is a valid, writable ee_thread_status_t.
    check("ReferThreadStatus", unsafe { raw::sys_refer_thread_status(id.0, &mut raw) })?;
    Ok(ThreadStatus {
        state: ThreadState::from_raw(raw.status),
        priority: raw.current_priority,
        wakeup_count: raw.wakeup_count,
    })
}

/// Sleeps until another thread or a handler calls [`wakeup_thread`] (returns at once if a wake-up is pending).
pub fn sleep_thread() -> Result<(), KernelError> {
    // SAFETY: no arguments.
    check("SleepThread", unsafe { raw::sys_sleep_thread() }).map(drop)
}

/// Wakes a sleeping thread, or records a wake-up for its next sleep.
pub fn wakeup_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("WakeupThread", unsafe { raw::sys_wakeup_thread(id.0) }).map(drop)
}

/// Interrupt-context [`wakeup_thread`]. The retail kernel cannot wake the interrupted thread itself this way.
pub fn iwakeup_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("iWakeupThread", unsafe { raw::sys_iwakeup_thread(id.0) }).map(drop)
}

/// Cancels pending wake-ups; returns how many there were.
pub fn cancel_wakeup_thread(id: ThreadId) -> Result<u32, KernelError> {
    // SAFETY: the kernel checks the id.
    check("CancelWakeupThread", unsafe { raw::sys_cancel_wakeup_thread(id.0) }).map(|n| n as u32)
}

/// Suspends a thread.
pub fn suspend_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("SuspendThread", unsafe { raw::sys_suspend_thread(id.0) }).map(drop)
}

/// Resumes a suspended thread.
pub fn resume_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("ResumeThread", unsafe { raw::sys_resume_thread(id.0) }).map(drop)
}

/// Interrupt-context [`resume_thread`].
pub fn iresume_thread(id: ThreadId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("iResumeThread", unsafe { raw::sys_iresume_thread(id.0) }).map(drop)
}

#[cfg(target_arch = "mips")]
fn current_gp() -> usize {
    let gp: usize;
    // SAFETY: reads a register.
    unsafe { core::arch::asm!(".set push", ".set noat", "move {0}, $28", ".set pop", out(reg) gp, options(nomem, nostack, preserves_flags)) };
    gp
}

#[cfg(not(target_arch = "mips"))]
fn current_gp() -> usize {
    0
}

// --- semaphores ----------------------------------------------------------------------------------------

/// A kernel semaphore id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SemaId(pub i32);

/// `ee_sema_t` (0x18 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(missing_docs)]
pub struct SemaParamsRaw {
    pub count: i32,
    pub max_count: i32,
    pub init_count: i32,
    pub wait_threads: i32,
    pub attr: u32,
    pub option: u32,
}

/// A semaphore's state, as [`refer_sema_status`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemaStatus {
    /// Its count.
    pub count: i32,
    /// Its maximum count.
    pub max_count: i32,
    /// How many threads wait on it.
    pub waiting_threads: i32,
}

/// Creates a semaphore with an initial and a maximum count.
pub fn create_sema(initial: i32, max: i32) -> Result<SemaId, KernelError> {
    let mut raw = SemaParamsRaw { init_count: initial, max_count: max, ..SemaParamsRaw::default() };
    // SAFETY: `raw` is a valid ee_sema_t.
    check("CreateSema", unsafe { raw::sys_create_sema(&mut raw) }).map(SemaId)
}

/// Deletes a semaphore (waiting threads are released with an error).
pub fn delete_sema(id: SemaId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("DeleteSema", unsafe { raw::sys_delete_sema(id.0) }).map(drop)
}

/// Signals a semaphore.
pub fn signal_sema(id: SemaId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("SignalSema", unsafe { raw::sys_signal_sema(id.0) }).map(drop)
}

/// Interrupt-context [`signal_sema`].
pub fn isignal_sema(id: SemaId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("iSignalSema", unsafe { raw::sys_isignal_sema(id.0) }).map(drop)
}

/// Waits on a semaphore.
pub fn wait_sema(id: SemaId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("WaitSema", unsafe { raw::sys_wait_sema(id.0) }).map(drop)
}

/// Takes a semaphore if it can without waiting; `Ok(false)` when its count is zero.
pub fn poll_sema(id: SemaId) -> Result<bool, KernelError> {
    // SAFETY: the kernel checks the id.
    let ret = unsafe { raw::sys_poll_sema(id.0) };
    Ok(ret >= 0)
}

/// Interrupt-context [`poll_sema`].
pub fn ipoll_sema(id: SemaId) -> Result<bool, KernelError> {
    // SAFETY: the kernel checks the id.
    let ret = unsafe { raw::sys_ipoll_sema(id.0) };
    Ok(ret >= 0)
}

/// Reads a semaphore's state.
pub fn refer_sema_status(id: SemaId) -> Result<SemaStatus, KernelError> {
    let mut raw = SemaParamsRaw::default();
    // SAFETY: `raw` is valid and writable.
    check("ReferSemaStatus", unsafe { raw::sys_refer_sema_status(id.0, &mut raw) })?;
    Ok(SemaStatus { count: raw.count, max_count: raw.max_count, waiting_threads: raw.wait_threads })
}

/// Interrupt-context [`refer_sema_status`].
pub fn irefer_sema_status(id: SemaId) -> Result<SemaStatus, KernelError> {
    let mut raw = SemaParamsRaw::default();
    // SAFETY: `raw` is valid and writable.
    check("iReferSemaStatus", unsafe { raw::sys_irefer_sema_status(id.0, &mut raw) })?;
    Ok(SemaStatus { count: raw.count, max_count: raw.max_count, waiting_threads: raw.wait_threads })
}

// --- interrupts ---------------------------------------------------------------------------------------

/// An INTC interrupt cause (the `INTC_*` numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum IntcCause {
    Gs = 0,
    Sbus = 1,
    VblankStart = 2,
    VblankEnd = 3,
    Vif0 = 4,
    Vif1 = 5,
    Vu0 = 6,
    Vu1 = 7,
    Ipu = 8,
    Timer0 = 9,
    Timer1 = 10,
    /// Taken by ps2sdk's timer library when linked; free here.
    Timer2 = 11,
    /// Reserved by the kernel for alarms.
    Timer3 = 12,
    Sfifo = 13,
    Vu0Watchdog = 14,
}

/// A DMAC channel number (0-9), as used by the DMAC handler calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum DmaChannelId {
    Vif0 = 0,
    Vif1 = 1,
    Gif = 2,
    FromIpu = 3,
    ToIpu = 4,
    Sif0 = 5,
    Sif1 = 6,
    Sif2 = 7,
    FromSpr = 8,
    ToSpr = 9,
}

/// An interrupt handler: receives the cause (or channel) and the argument given at registration.
///
/// Return 0 or more to let the next handler of the chain run, a negative value to stop the chain. Handlers run
/// in interrupt context: only `i*` syscalls may be used there.
pub type InterruptHandler = extern "C" fn(cause: i32, arg: *mut c_void, addr: *mut c_void) -> i32;

/// Where a new handler goes in the chain of its cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainPosition {
    /// Before every existing handler.
    First,
    /// After every existing handler.
    Last,
}

impl ChainPosition {
    fn raw(self) -> i32 {
        match self {
            ChainPosition::First => 0,
            ChainPosition::Last => -1,
        }
    }
}

/// A registered handler's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerId(pub i32);

/// Registers an INTC handler (`AddIntcHandler2`). Enable the cause with [`enable_intc`] afterwards.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // the pointer is handed on, never dereferenced
pub fn add_intc_handler(
    cause: IntcCause,
    handler: InterruptHandler,
    position: ChainPosition,
    arg: *mut c_void,
) -> Result<HandlerId, KernelError> {
    // SAFETY: `handler` has the AddIntcHandler2 signature.
    check("AddIntcHandler2", unsafe {
        raw::sys_add_intc_handler(cause as i32, handler as *const c_void, position.raw(), arg)
    })
    .map(HandlerId)
}

/// Removes an INTC handler.
pub fn remove_intc_handler(cause: IntcCause, id: HandlerId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the ids.
    check("RemoveIntcHandler", unsafe { raw::sys_remove_intc_handler(cause as i32, id.0) }).map(drop)
}

/// Registers a DMAC handler (`AddDmacHandler2`). Enable the channel with [`enable_dmac`] afterwards.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // the pointer is handed on, never dereferenced
pub fn add_dmac_handler(
    channel: DmaChannelId,
    handler: InterruptHandler,
    position: ChainPosition,
    arg: *mut c_void,
) -> Result<HandlerId, KernelError> {
    // SAFETY: `handler` has the AddDmacHandler2 signature.
    check("AddDmacHandler2", unsafe {
        raw::sys_add_dmac_handler(channel as i32, handler as *const c_void, position.raw(), arg)
    })
    .map(HandlerId)
}

/// Removes a DMAC handler.
pub fn remove_dmac_handler(channel: DmaChannelId, id: HandlerId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the ids.
    check("RemoveDmacHandler", unsafe { raw::sys_remove_dmac_handler(channel as i32, id.0) }).map(drop)
}

/// Runs a mask-changing syscall with interrupts off, as libkernel's `EnableIntc` wrappers do.
fn with_interrupts_off(f: impl FnOnce() -> i32) -> i32 {
    crate::interrupts::free(|| {
        let ret = f();
        crate::arch::sync();
        ret
    })
}

/// Unmasks an INTC cause.
pub fn enable_intc(cause: IntcCause) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    check("EnableIntc", with_interrupts_off(|| unsafe { raw::sys_enable_intc(cause as i32) })).map(drop)
}

/// Masks an INTC cause.
pub fn disable_intc(cause: IntcCause) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    check("DisableIntc", with_interrupts_off(|| unsafe { raw::sys_disable_intc(cause as i32) })).map(drop)
}

/// Interrupt-context [`enable_intc`].
pub fn ienable_intc(cause: IntcCause) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    let ret = unsafe { raw::sys_ienable_intc(cause as i32) };
    crate::arch::sync();
    check("iEnableIntc", ret).map(drop)
}

/// Interrupt-context [`disable_intc`].
pub fn idisable_intc(cause: IntcCause) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    let ret = unsafe { raw::sys_idisable_intc(cause as i32) };
    crate::arch::sync();
    check("iDisableIntc", ret).map(drop)
}

/// Unmasks a DMAC channel's interrupt.
pub fn enable_dmac(channel: DmaChannelId) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    check("EnableDmac", with_interrupts_off(|| unsafe { raw::sys_enable_dmac(channel as i32) })).map(drop)
}

/// Masks a DMAC channel's interrupt.
pub fn disable_dmac(channel: DmaChannelId) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    check("DisableDmac", with_interrupts_off(|| unsafe { raw::sys_disable_dmac(channel as i32) })).map(drop)
}

/// Interrupt-context [`enable_dmac`].
pub fn ienable_dmac(channel: DmaChannelId) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    let ret = unsafe { raw::sys_ienable_dmac(channel as i32) };
    crate::arch::sync();
    check("iEnableDmac", ret).map(drop)
}

/// Interrupt-context [`disable_dmac`].
pub fn idisable_dmac(channel: DmaChannelId) -> Result<(), KernelError> {
    // SAFETY: plain integer argument.
    let ret = unsafe { raw::sys_idisable_dmac(channel as i32) };
    crate::arch::sync();
    check("iDisableDmac", ret).map(drop)
}

// --- alarms -------------------------------------------------------------------------------------------

/// An alarm callback: receives the alarm id, the H-sync time and the `common` pointer. Interrupt context.
pub type AlarmHandler = extern "C" fn(id: i32, time: u16, common: *mut c_void);

/// A pending alarm's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmId(pub i32);

/// Calls `handler` once, on the `hsync_ticks`-th H-blank from now (the kernel counts lines with timer 3):
/// after between `hsync_ticks - 1` and `hsync_ticks` lines of 63.56 µs (NTSC) or 64 µs (PAL). [`crate::time::sleep`]
/// converts durations.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // the pointer is handed on, never dereferenced
pub fn set_alarm(hsync_ticks: u16, handler: AlarmHandler, common: *mut c_void) -> Result<AlarmId, KernelError> {
    // SAFETY: `handler` has the alarm signature.
    check(
        "SetAlarm",
        with_interrupts_off(|| unsafe { raw::sys_set_alarm(hsync_ticks, handler as *const c_void, common) }),
    )
    .map(AlarmId)
}

/// Interrupt-context [`set_alarm`].
#[allow(clippy::not_unsafe_ptr_arg_deref)] // the pointer is handed on, never dereferenced
pub fn iset_alarm(hsync_ticks: u16, handler: AlarmHandler, common: *mut c_void) -> Result<AlarmId, KernelError> {
    // SAFETY: `handler` has the alarm signature.
    check("iSetAlarm", unsafe { raw::sys_iset_alarm(hsync_ticks, handler as *const c_void, common) }).map(AlarmId)
}

/// Cancels a pending alarm.
pub fn release_alarm(id: AlarmId) -> Result<(), KernelError> {
    // SAFETY: the kernel checks the id.
    check("ReleaseAlarm", with_interrupts_off(|| unsafe { raw::sys_release_alarm(id.0) })).map(drop)
}

// --- GS -----------------------------------------------------------------------------------------------

/// Interlaced or progressive scan, for [`set_gs_crt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interlace {
    /// Progressive (non-interlaced) output.
    Progressive = 0,
    /// Interlaced output.
    Interlaced = 1,
}

/// A video mode number for [`set_gs_crt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoMode {
    /// NTSC, 60 Hz (mode 2).
    Ntsc = 2,
    /// PAL, 50 Hz (mode 3).
    Pal = 3,
    /// 480p (mode 0x50).
    Dtv480p = 0x50,
}

/// SMODE2.FFMD for interlaced modes: which lines each field reads (ps2sdk's `GRAPH_MODE_FIELD`/`FRAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldMode {
    /// FFMD 0, "field" mode: each field reads every other line of a full-height frame buffer.
    Field = 0,
    /// FFMD 1, "frame" mode: each field reads every line of a half-height buffer.
    Frame = 1,
}

/// Sets the video mode (`SetGsCrt`). Resets the GS sync registers: call it before programming the display.
/// Also tells [`crate::time`] the mode's line rate, the unit of kernel alarms.
pub fn set_gs_crt(interlace: Interlace, mode: VideoMode, field: FieldMode) {
    // SAFETY: plain integer arguments.
    unsafe { raw::sys_set_gs_crt(interlace as i16, mode as i16, field as i16) };
    crate::time::set_video_mode(mode);
}

/// The kernel's shadow of the write-only GS IMR register.
pub fn gs_get_imr() -> u32 {
    // SAFETY: no arguments.
    unsafe { raw::sys_gs_get_imr() }
}

/// Writes GS IMR (the interrupt mask: SIGMSK bit 8, FINISHMSK 9, HSMSK 10, VSMSK 11, EDWMSK 12); returns the old value.
pub fn gs_put_imr(imr: u32) -> u32 {
    // SAFETY: plain integer argument.
    unsafe { raw::sys_gs_put_imr(imr) }
}

// --- SIF ----------------------------------------------------------------------------------------------

/// One SIF DMA transfer (`SifDmaTransfer_t`): EE → IOP copy of `size` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SifDmaTransfer {
    /// EE source address (16-byte aligned; written back from the data cache by the caller).
    pub src: *const c_void,
    /// IOP destination address.
    pub dest: *mut c_void,
    /// Size in bytes (rounded up to 16 by the hardware).
    pub size: i32,
    /// Attribute bits (`SIF_DMA_INT_I` 0x2, `SIF_DMA_INT_O` 0x4, `SIF_DMA_ERT` 0x40).
    pub attr: i32,
}

/// A queued SIF DMA transfer's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SifDmaId(pub u32);

/// Queues SIF DMA transfers (`SifSetDma`). Fails when the kernel's queue is full.
pub fn sif_set_dma(transfers: &[SifDmaTransfer]) -> Result<SifDmaId, KernelError> {
    // SAFETY: the slice is valid; the kernel copies the descriptors.
    let id = unsafe { raw::sys_sif_set_dma(transfers.as_ptr(), transfers.len() as i32) };
    if id == 0 { Err(KernelError { call: "SifSetDma", code: 0 }) } else { Ok(SifDmaId(id)) }
}

/// Interrupt-context [`sif_set_dma`].
pub fn isif_set_dma(transfers: &[SifDmaTransfer]) -> Result<SifDmaId, KernelError> {
    // SAFETY: as above.
    let id = unsafe { raw::sys_isif_set_dma(transfers.as_ptr(), transfers.len() as i32) };
    if id == 0 { Err(KernelError { call: "iSifSetDma", code: 0 }) } else { Ok(SifDmaId(id)) }
}

/// Whether a SIF DMA transfer is still in flight (`SifDmaStat` >= 0).
pub fn sif_dma_pending(id: SifDmaId) -> bool {
    // SAFETY: plain integer argument.
    unsafe { raw::sys_sif_dma_stat(id.0) >= 0 }
}

/// Interrupt-context [`sif_dma_pending`].
pub fn isif_dma_pending(id: SifDmaId) -> bool {
    // SAFETY: plain integer argument.
    unsafe { raw::sys_isif_dma_stat(id.0) >= 0 }
}

/// Arms the SIF0 receive channel (`SifSetDChain`).
pub fn sif_set_dchain() {
    // SAFETY: no arguments.
    unsafe { raw::sys_sif_set_dchain() };
}

/// Interrupt-context [`sif_set_dchain`].
pub fn isif_set_dchain() {
    // SAFETY: no arguments.
    unsafe { raw::sys_isif_set_dchain() };
}

/// A SIF register, for [`sif_set_reg`] / [`sif_get_reg`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SifReg {
    /// Main → sub communication (EE → IOP).
    MainCommand,
    /// Sub → main communication (IOP → EE).
    SubCommand,
    /// Main → sub flags.
    MainFlag,
    /// Sub → main flags.
    SubFlag,
    /// A software register (`0x80000000 + n`) kept by the kernel, e.g. the SIF command buffer addresses.
    Software(u8),
}

impl SifReg {
    fn raw(self) -> u32 {
        match self {
            SifReg::MainCommand => 1,
            SifReg::SubCommand => 2,
            SifReg::MainFlag => 3,
            SifReg::SubFlag => 4,
            SifReg::Software(n) => 0x8000_0000 | n as u32,
        }
    }
}

/// Writes a SIF register (`SifSetReg`); returns the kernel's result.
pub fn sif_set_reg(reg: SifReg, value: u32) -> i32 {
    // SAFETY: plain integer arguments.
    unsafe { raw::sys_sif_set_reg(reg.raw(), value as i32) }
}

/// Reads a SIF register (`SifGetReg`).
pub fn sif_get_reg(reg: SifReg) -> u32 {
    // SAFETY: plain integer argument.
    unsafe { raw::sys_sif_get_reg(reg.raw()) as u32 }
}

/// Stops SIF DMA (`SifStopDma`).
pub fn sif_stop_dma() {
    // SAFETY: no arguments.
    unsafe { raw::sys_sif_stop_dma() };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_layouts_match_the_kernel() {
        assert_eq!(core::mem::size_of::<SemaParamsRaw>(), 0x18);
        // The kernel structs hold 32-bit pointers; on a 64-bit host only the field order can be checked.
        if core::mem::size_of::<usize>() == 4 {
            assert_eq!(core::mem::size_of::<ThreadParamsRaw>(), 0x24);
            assert_eq!(core::mem::size_of::<ThreadStatusRaw>(), 0x30);
            assert_eq!(core::mem::size_of::<SifDmaTransfer>(), 16);
        }
    }

    #[test]
    fn priorities_are_bounded() {
        assert_eq!(Priority::new(127), Some(Priority::LOWEST));
        assert_eq!(Priority::new(128), None);
        assert!(Priority::HIGHEST < Priority::LOWEST);
    }

    #[test]
    fn negative_returns_become_errors_naming_the_call() {
        let err = check("CreateSema", -1).unwrap_err();
        assert_eq!(err, KernelError { call: "CreateSema", code: -1 });
        assert_eq!(err.to_string(), "CreateSema failed: the kernel returned -1");
        assert_eq!(check("CreateSema", 3), Ok(3));
    }

    #[test]
    fn sif_register_numbers() {
        assert_eq!(SifReg::MainCommand.raw(), 1);
        assert_eq!(SifReg::SubFlag.raw(), 4);
        assert_eq!(SifReg::Software(2).raw(), 0x8000_0002);
    }
}
