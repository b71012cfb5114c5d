//! Program start-up: the crt0 sequence and the [`entry!`](crate::entry) macro.
//!
//! `__start` (the ELF entry point, written in assembly because it runs before there is a stack) does what
//! ps2sdk's crt0 does:
//!
//! 1. clears BSS (`_fbss`..`_end`) with 128-bit `sq` stores;
//! 2. calls `SetupThread(_gp, _stack, _stack_size, &ARGS, ExitThread)`, which makes the caller the main thread
//!    and returns its stack pointer, and loads `$sp` and `$gp`;
//! 3. jumps to Rust, which calls `SetupHeap(_end, _heap_size)`, installs the stack guard at the bottom of the
//!    main stack ([`crate::stack_guard`]), writes the data cache back with `FlushCache(0)`,
//!    enables interrupts, runs the user's `main` and passes its result to `Exit`.
//!
//! The symbols `_stack`, `_stack_size` and `_heap_size` come from the linker script (`ps2-ee.ld`) and can be
//! overridden there.

use crate::syscall;

/// The argument block the kernel fills in during `SetupThread` (`struct sargs` in ps2sdk, 0x144 bytes).
#[repr(C)]
pub struct StartArgs {
    argc: i32,
    argv: [*const u8; 16],
    payload: [u8; 256],
}

/// Filled by the kernel in `SetupThread`; read by [`args`]. Lives in BSS, so it is zero until then.
#[unsafe(no_mangle)]
static mut __ps2_args: StartArgs = StartArgs { argc: 0, argv: [core::ptr::null(); 16], payload: [0; 256] };

/// The program's arguments (the first is usually the ELF's path, e.g. `cdrom0:\HELLO.ELF;1`).
///
/// Each argument is returned without its terminating NUL. Invalid or absent argument blocks yield nothing.
/// Arguments the runner encoded (see [`decode_arg_in_place`]) are already decoded: `ps2-run` passes
/// `prompt=It is` as `%%prompt=It+is`, because PCSX2 cuts its `-gameargs` at every space, and this returns
/// `prompt=It is` again, in PCSX2 and in the simulator alike.
pub fn args() -> impl Iterator<Item = &'static [u8]> {
    // SAFETY: written once by the kernel before any Rust code runs, never written again.
    let block = unsafe { &*core::ptr::addr_of!(__ps2_args) };
    let argc = block.argc.clamp(0, 16) as usize;
    block.argv[..argc].iter().filter(|p| !p.is_null()).map(|&p| {
        // SAFETY: the kernel stores NUL-terminated strings inside the payload area.
        unsafe { core::ffi::CStr::from_ptr(p.cast()).to_bytes() }
    })
}

/// The prefix of an encoded argument.
pub const ENCODED_ARG_PREFIX: &[u8] = b"%%";

/// Decodes an argument the runner encoded, in place; returns its new length. An argument that does not start
/// with [`ENCODED_ARG_PREFIX`] (`%%`) is left as it is. After the prefix, `+` stands for a space and `%XX`
/// (two hex digits) for the byte `0xXX`; anything else is itself (a `%` without two hex digits too).
///
/// This is how `ps2-run` gets arguments with spaces through PCSX2, whose `-gameargs` has no quoting; an
/// argument that starts with `%%` itself is always encoded by the runner, so decoding is unambiguous.
pub fn decode_arg_in_place(arg: &mut [u8]) -> usize {
    if !arg.starts_with(ENCODED_ARG_PREFIX) {
        return arg.len();
    }
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    // The output never overtakes the input: it starts two bytes behind and grows at most one per byte read.
    let (mut read, mut write) = (ENCODED_ARG_PREFIX.len(), 0);
    while read < arg.len() {
        let byte = arg[read];
        read += 1;
        arg[write] = match byte {
            b'+' => b' ',
            b'%' => match (arg.get(read).copied().and_then(hex), arg.get(read + 1).copied().and_then(hex)) {
                (Some(high), Some(low)) => {
                    read += 2;
                    high << 4 | low
                }
                _ => b'%',
            },
            other => other,
        };
        write += 1;
    }
    write
}

/// Decodes the encoded arguments of the block the kernel filled in, before `main` runs. Only strings inside
/// the block's own payload are rewritten (each keeps its place; the decoded text is shorter).
#[cfg_attr(not(target_arch = "mips"), allow(dead_code))]
fn decode_args() {
    // SAFETY: runs once before `main`, single-threaded; nothing borrows the block yet.
    let block = unsafe { &mut *core::ptr::addr_of_mut!(__ps2_args) };
    let argc = block.argc.clamp(0, 16) as usize;
    let payload = block.payload.as_mut_ptr_range();
    for &pointer in &block.argv[..argc] {
        let start = pointer as usize;
        if start < payload.start as usize || start >= payload.end as usize {
            continue;
        }
        let offset = start - payload.start as usize;
        let room = &mut block.payload[offset..];
        let Some(len) = room.iter().position(|&b| b == 0) else { continue };
        let decoded = decode_arg_in_place(&mut room[..len]);
        room[decoded] = 0;
    }
}

/// What `main` may return, converted to the exit code passed to the kernel's `Exit`.
///
/// Mirrors `std::process::Termination`: `()` is success (0), an `i32` is used as is, and `Result::Err`
/// prints the error and exits with 1.
pub trait Termination {
    /// Converts the value into an exit code.
    fn report(self) -> i32;
}

impl Termination for () {
    fn report(self) -> i32 {
        0
    }
}

impl Termination for i32 {
    fn report(self) -> i32 {
        self
    }
}

impl<T: Termination, E: core::fmt::Debug> Termination for Result<T, E> {
    fn report(self) -> i32 {
        match self {
            Ok(value) => value.report(),
            Err(error) => {
                crate::println!("Error: {error:?}");
                1
            }
        }
    }
}

/// Declares the program's `main` function.
///
/// A whole program, not compiled as a host doctest (a `no_std` binary needs the panic handler, which this crate
/// provides only on the EE):
///
/// ```ignore
/// #![no_std]
/// #![no_main]
/// ps2_sys::entry!(main);
///
/// fn main() -> Result<(), &'static str> {
///     ps2_sys::println!("hi");
///     Ok(())
/// }
/// ```
///
/// The function takes no arguments (see [`args`](crate::rt::args)) and returns any
/// [`Termination`](crate::rt::Termination) type.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[doc(hidden)]
        #[unsafe(export_name = "__ps2_main")]
        pub extern "C" fn __ps2_main() -> i32 {
            let main: fn() -> _ = $main;
            $crate::rt::Termination::report(main())
        }
    };
}

/// Flushes pending output and ends the program with `code`: the kernel's `Exit` syscall.
///
/// On a console this returns to the system menu; the simulator ends the run with this exit code. The line
/// `[ps2-rs exit N]` is printed on the serial port first: PCSX2 keeps running after `Exit`, so the runner
/// watches the EE console for that marker to end its run with the same code (the simulator hides it).
///
/// The stack guard is checked first ([`crate::stack_guard::check`]): a stack that overflowed is reported and
/// the program exits with [`crate::stack_guard::OVERFLOW_EXIT_CODE`] instead.
pub fn exit(code: i32) -> ! {
    let code = match crate::stack_guard::check() {
        Ok(()) => code,
        Err(overflow) => {
            crate::println!("{overflow}");
            crate::stack_guard::OVERFLOW_EXIT_CODE
        }
    };
    crate::println!("[ps2-rs exit {code}]");
    crate::cache::flush_all();
    syscall::exit(code)
}

#[cfg(target_arch = "mips")]
unsafe extern "C" {
    static _end: u8;
    static _heap_size: u8;
    static _stack: u8;
    static _stack_size: u8;
    fn __ps2_main() -> i32;
}

/// The lowest address of the main thread's stack: `EndOfHeap()` when the heap reaches the stack (`_heap_size`
/// -1, the default), `_stack` when the linker script places the stack, otherwise the top the kernel chose
/// (`_stack` -1: RAM size minus 4 KiB, page aligned, with the context reserve below it) minus `_stack_size`.
#[cfg(target_arch = "mips")]
fn main_stack_bottom(heap_size: i32) -> usize {
    let (stack, stack_size) = (core::ptr::addr_of!(_stack) as usize, core::ptr::addr_of!(_stack_size) as usize);
    if heap_size == -1 {
        syscall::end_of_heap() as usize
    } else if stack != usize::MAX {
        stack
    } else {
        let sp: usize;
        // SAFETY: reads a register.
        unsafe { core::arch::asm!("move {0}, $sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
        ((sp + 4095) & !4095) - stack_size
    }
}

/// Called by `__start` once the stack is set up.
#[cfg(target_arch = "mips")]
#[unsafe(no_mangle)]
extern "C" fn __ps2_rust_start() -> ! {
    // Linker-script symbols: only their addresses are used.
    let (heap_start, heap_size) = (core::ptr::addr_of!(_end) as *mut u8, core::ptr::addr_of!(_heap_size) as i32);
    syscall::setup_heap(heap_start, heap_size);
    crate::stack_guard::install(main_stack_bottom(heap_size), core::ptr::addr_of!(_stack_size) as usize);
    decode_args();
    crate::cache::flush_all();
    // SAFETY: start-up is complete; ps2sdk enables interrupts at this point as well.
    unsafe { crate::arch::ei() };
    // SAFETY: provided by the `entry!` macro; a missing `entry!` is a link error naming `__ps2_main`.
    let code = unsafe { __ps2_main() };
    exit(code)
}

#[cfg(target_arch = "mips")]
core::arch::global_asm!(
    r#"
    .section .text.__start, "ax", @progbits
    .globl __start
    .type __start, @function
    .set push
    .set noreorder
    .set noat
__start:
    # 1. Clear BSS 16 bytes at a time (both bounds are 128-byte aligned by the linker script).
    lui     $2, %hi(_fbss)
    addiu   $2, $2, %lo(_fbss)
    lui     $3, %hi(_end)
    addiu   $3, $3, %lo(_end)
    beq     $2, $3, 2f
    nop
1:  .word   0x7c400000              # sq $0, 0($2)  (128-bit store; not known to every assembler)
    addiu   $2, $2, 16
    sltu    $1, $2, $3
    bne     $1, $0, 1b
    nop                             # the R5900 short-loop erratum needs a NOP in this delay slot
2:
    # 2. SetupThread(gp, stack, stack_size, &args, root): returns the main thread's stack pointer.
    lui     $28, %hi(_gp)
    addiu   $28, $28, %lo(_gp)
    move    $4, $28
    lui     $5, %hi(_stack)
    addiu   $5, $5, %lo(_stack)
    lui     $6, %hi(_stack_size)
    addiu   $6, $6, %lo(_stack_size)
    lui     $7, %hi(__ps2_args)
    addiu   $7, $7, %lo(__ps2_args)
    lui     $8, %hi(__ps2_exit_thread)
    addiu   $8, $8, %lo(__ps2_exit_thread)
    addiu   $3, $0, 0x3c
    syscall
    nop
    move    $29, $2
    # 3. Into Rust; never returns.
    jal     __ps2_rust_start
    nop
3:  b       3b
    nop

    # The main thread's root function: where a thread that returns goes (ExitThread, syscall 0x23).
    .globl __ps2_exit_thread
    .type __ps2_exit_thread, @function
__ps2_exit_thread:
    addiu   $3, $0, 0x23
    syscall
    nop
    .set pop
"#
);

#[cfg(test)]
mod tests {
    use super::decode_arg_in_place;

    fn decode(text: &str) -> String {
        let mut bytes = text.as_bytes().to_vec();
        let len = decode_arg_in_place(&mut bytes);
        String::from_utf8(bytes[..len].to_vec()).unwrap()
    }

    #[test]
    fn encoded_arguments_decode_and_plain_ones_stay() {
        // The runner's encodings (tools/ps2-run/src/backend.rs `encode_arg`).
        assert_eq!(decode("%%prompt=It+is+a+truth"), "prompt=It is a truth");
        assert_eq!(decode("%%a%2Bb+100%25"), "a+b 100%");
        assert_eq!(decode("%%"), "");
        assert_eq!(decode("%%%25%25x"), "%%x");
        assert_eq!(decode("%%tab%09here+%C3%A9"), "tab\there é");
        assert_eq!(decode("steps=24"), "steps=24", "not encoded");
        assert_eq!(decode("a+b%20c"), "a+b%20c", "only after the prefix");
        assert_eq!(decode("%%50%+%zz%4"), "50% %zz%4", "a % without two hex digits is itself");
    }
}
