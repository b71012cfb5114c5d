//! High-level emulation (HLE) of the EE kernel: the syscalls `ps2-sys` and ps2sdk-style code
//! use, implemented in Rust instead of by running a BIOS.
//!
//! Semantics follow reference ps2-ee.md §2-§3 (which cites the ps2sdk sources and Play!'s HLE
//! kernel). Where the real kernel's behaviour is unknown the choice made here is documented
//! on the syscall. Errors the real kernel reports with a negative return value are returned as
//! `-1` in `$v0`; syscalls this module does not know stop the run with
//! [`KernelError::UnknownSyscall`] instead of pretending to succeed.
//!
//! Threads are switched by saving and restoring whole register files ([`GuestCpu::Context`]).
//! Interrupt handlers, DMAC handlers and alarm callbacks are guest functions: the kernel saves
//! the interrupted context, points the CPU at the handler with `$ra` set to a trampoline (a
//! `syscall` word in kernel RAM) and, when the handler returns through it, calls the next
//! handler or restores the interrupted context.

pub mod guest;
mod handlers;
mod names;
mod print;
mod sema;
mod threads;

#[cfg(test)]
mod tests;

pub use guest::{GuestCpu, reg};
pub use handlers::{CYCLES_PER_HSYNC, VBLANK_END_DELAY};
pub use names::syscall_name;

use crate::hardware::Hardware;
use crate::memory::RAM_SIZE;
use crate::sif::Iop;
use handlers::{Alarm, Handler, InterruptFrame};
use sema::Semaphore;
use threads::Thread;

/// The `syscall` instruction word.
const SYSCALL_WORD: u32 = 0x0000_000C;
/// Where a handler returns to (KSEG0 view of kernel RAM, which user programs do not touch).
pub const HANDLER_RETURN_ADDR: u32 = 0x8000_1000;
/// Where a thread's entry function returns to (acts as `ExitThread`).
pub const THREAD_EXIT_ADDR: u32 = 0x8000_1010;
/// Top of the stack interrupt handlers run on (inside the kernel's user-mode area below 1 MiB).
pub const INTERRUPT_STACK_TOP: u32 = 0x000F_F000;
/// Bytes the kernel reserves at the top of a thread stack for its saved context (as the EE
/// kernel's `STACKRES`); the initial `$sp` is this far below the top.
pub const STACK_RESERVE: u32 = 0x2A0;
/// The EE core clock in Hz.
pub const EE_CLOCK_HZ: u64 = 294_912_000;

/// Why the kernel stopped the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// A syscall number this HLE kernel does not implement.
    UnknownSyscall {
        /// The number from `$v1` (negative for interrupt-context variants).
        number: i32,
        /// Address of the `syscall` instruction.
        pc: u32,
    },
    /// A syscall argument pointed outside guest memory.
    BadPointer {
        /// The syscall.
        syscall: &'static str,
        /// The offending address.
        addr: u32,
        /// Address of the `syscall` instruction.
        pc: u32,
    },
    /// A syscall that would block was made from an interrupt handler.
    BlockingInHandler {
        /// The syscall.
        syscall: &'static str,
        /// Address of the `syscall` instruction.
        pc: u32,
    },
    /// No thread can run and nothing (interrupt, alarm) can ever wake one.
    Deadlock {
        /// A description of the blocked threads.
        detail: String,
    },
    /// Arguments for the guest's `main` do not fit the kernel's 256-byte argument area.
    ArgumentsTooLong,
    /// A feature the simulator does not provide yet (said plainly rather than faked).
    Unsupported {
        /// The syscall.
        syscall: &'static str,
        /// Address of the `syscall` instruction.
        pc: u32,
        /// What is missing.
        detail: &'static str,
    },
}

impl std::fmt::Display for KernelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KernelError::UnknownSyscall { number, pc } => match syscall_name(*number) {
                Some(name) => write!(
                    f,
                    "syscall {number:#x} ({name}) at {pc:#010x} is not implemented by the HLE kernel"
                ),
                None => write!(f, "unknown syscall {number:#x} ({number}) at {pc:#010x}"),
            },
            KernelError::BadPointer { syscall, addr, pc } => {
                write!(f, "{syscall} at {pc:#010x} was given an unmapped pointer {addr:#010x}")
            }
            KernelError::BlockingInHandler { syscall, pc } => {
                write!(f, "{syscall} at {pc:#010x} would block inside an interrupt handler")
            }
            KernelError::Deadlock { detail } => write!(f, "deadlock: no thread can run ({detail})"),
            KernelError::ArgumentsTooLong => {
                write!(f, "program arguments exceed the kernel's 256-byte argument area")
            }
            KernelError::Unsupported { syscall, pc, detail } => {
                write!(f, "{syscall} at {pc:#010x} is not supported by the simulator: {detail}")
            }
        }
    }
}

impl std::error::Error for KernelError {}

/// Returns `value` to the guest in `$v0` and lets the calling thread go on (how most syscalls end).
fn ret<C: GuestCpu>(cpu: &mut C, value: i64) -> Result<KernelAction, KernelError> {
    cpu.set_gpr(reg::V0, value as u64);
    Ok(KernelAction::Continue)
}

/// What the machine should do after the kernel handled a syscall or event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelAction {
    /// Keep running the CPU.
    Continue,
    /// No thread is runnable: advance simulated time to [`Kernel::next_event`].
    Idle,
    /// The program called `Exit(code)`.
    Exit(i32),
}

/// The HLE kernel state.
pub struct Kernel<Ctx: Clone> {
    threads: Vec<Option<Thread<Ctx>>>,
    /// Ready/running threads in queue order (scheduling picks the first of the best priority).
    ready: Vec<u32>,
    current: Option<u32>,
    semaphores: Vec<Option<Semaphore>>,
    intc_handlers: Vec<Handler>,
    dmac_handlers: Vec<Handler>,
    next_handler_id: i32,
    alarms: Vec<Alarm>,
    next_alarm_id: i32,
    frame: Option<InterruptFrame<Ctx>>,
    reschedule_pending: bool,
    heap_end: u32,
    stack_base: u32,
    gs_imr: u64,
    vsync_flag: Option<(u32, u32)>,
    vblank_index: u64,
    vblank_end_at: Option<u64>,
    /// The next EE timer compare/overflow event, as of the last [`Kernel::service_events`].
    timer_event_at: Option<u64>,
    sif_software_regs: [u32; 32],
    program_args: Vec<String>,
    /// Syscalls handled so far (statistics for the summary).
    pub syscall_count: u64,
    /// The HLE IOP behind the SIF syscalls.
    pub iop: Iop,
    /// Print every syscall (name, arguments, result) on stderr.
    pub trace: bool,
}

impl<Ctx: Clone> Kernel<Ctx> {
    /// A kernel whose main thread (id 1, priority 0) is the one the ELF's entry point runs in.
    /// `args` become the `argc`/`argv` SetupThread hands to crt0 (`args[0]` is the program's
    /// name).
    pub fn new(args: Vec<String>) -> Self {
        let mut kernel = Kernel {
            threads: Vec::new(),
            ready: Vec::new(),
            current: None,
            semaphores: Vec::new(),
            intc_handlers: Vec::new(),
            dmac_handlers: Vec::new(),
            next_handler_id: 1,
            alarms: Vec::new(),
            next_alarm_id: 0,
            frame: None,
            reschedule_pending: false,
            heap_end: 0,
            stack_base: 0,
            gs_imr: 0xFF00,
            vsync_flag: None,
            vblank_index: 0,
            vblank_end_at: None,
            timer_event_at: None,
            sif_software_regs: [0; 32],
            program_args: args,
            syscall_count: 0,
            iop: Iop::default(),
            trace: false,
        };
        kernel.create_main_thread();
        kernel
    }

    /// Writes the kernel's trampolines into kernel RAM and boots the HLE IOP; call once after
    /// loading the program.
    pub fn install(&mut self, hw: &mut Hardware) {
        self.iop = Iop::new(hw);
        for addr in [HANDLER_RETURN_ADDR, THREAD_EXIT_ADDR] {
            hw.mem.write_u32(addr, SYSCALL_WORD).expect("kernel RAM is mapped");
        }
    }

    /// The id of the running thread, `None` while idle.
    pub fn current_thread(&self) -> Option<u32> {
        self.current
    }

    /// Whether a guest interrupt handler is running.
    pub fn in_handler(&self) -> bool {
        self.frame.is_some()
    }

    /// Handles the `syscall` the CPU just stopped at (its pc is already past it).
    pub fn syscall<C: GuestCpu<Context = Ctx>>(
        &mut self,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let pc = cpu.pc().wrapping_sub(4);
        self.syscall_count += 1;
        if pc == HANDLER_RETURN_ADDR && self.frame.is_some() {
            return Ok(self.handler_returned(cpu, hw));
        }
        if pc == THREAD_EXIT_ADDR {
            return self.exit_thread(cpu, false, pc);
        }
        let number = cpu.gpr(reg::V1) as i32;
        if !self.trace {
            return self.dispatch(number, pc, cpu, hw);
        }
        let args: Vec<u32> = (reg::A0..=reg::A3).map(|r| cpu.gpr(r) as u32).collect();
        let (thread, cycles) = (self.current, cpu.cycles());
        let result = self.dispatch(number, pc, cpu, hw);
        let name = syscall_name(number).map_or_else(|| format!("syscall {number:#x}"), str::to_string);
        let describe = |t: Option<u32>| t.map_or_else(|| "idle".to_string(), |id| format!("thread {id}"));
        let outcome = match &result {
            // After a switch $v0 belongs to another thread: report the switch instead.
            Ok(_) if self.current != thread => format!("-> switched to {}", describe(self.current)),
            Ok(_) => format!("-> {:#x}", cpu.gpr(reg::V0) as i32),
            Err(e) => format!("-> error: {e}"),
        };
        eprintln!(
            "[{cycles:>12}] {}{} {name}({:#x}, {:#x}, {:#x}, {:#x}) {outcome}",
            describe(thread),
            if self.frame.is_some() { " (handler)" } else { "" },
            args[0],
            args[1],
            args[2],
            args[3]
        );
        result
    }

    fn dispatch<C: GuestCpu<Context = Ctx>>(
        &mut self,
        number: i32,
        pc: u32,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let a0 = cpu.gpr(reg::A0) as u32;
        let a1 = cpu.gpr(reg::A1) as u32;
        let a2 = cpu.gpr(reg::A2) as u32;
        match number {
            0x01 => {
                // ResetEE: only the DMAC part has state here.
                if a0 & 1 != 0 {
                    hw.io.dmac = Default::default();
                }
                ret(cpu, 0)
            }
            0x02 => {
                hw.io.gs.set_crt(a0 as u16 != 0, a1 as u16, a2 as u16 != 0);
                ret(cpu, 0)
            }
            0x04 => Ok(KernelAction::Exit(a0 as i32)),
            0x10 => ret(cpu, self.add_handler(false, a0, a1, a2 as i32, cpu) as i64),
            0x11 => ret(cpu, self.remove_handler(false, a0, a1 as i32) as i64),
            0x12 => ret(cpu, self.add_handler(true, a0, a1, a2 as i32, cpu) as i64),
            0x13 => ret(cpu, self.remove_handler(true, a0, a1 as i32) as i64),
            0x14 | -0x1A => ret(cpu, set_bit_reporting(&mut hw.io.intc.mask, a0, true)),
            0x15 | -0x1B => ret(cpu, set_bit_reporting(&mut hw.io.intc.mask, a0, false)),
            0x16 | -0x1C => ret(cpu, set_dmac_mask(hw, a0, true)),
            0x17 | -0x1D => ret(cpu, set_dmac_mask(hw, a0, false)),
            0x18 | -0x1E => ret(cpu, self.set_alarm(a0 as u16, a1, a2, cpu) as i64),
            0x19 | -0x1F => ret(cpu, self.release_alarm(a0 as i32) as i64),
            0x20 => self.create_thread(a0, pc, cpu, hw),
            0x21 => ret(cpu, self.delete_thread(a0)),
            0x22 => self.start_thread(a0, a1, cpu),
            0x23 => self.exit_thread(cpu, false, pc),
            0x24 => self.exit_thread(cpu, true, pc),
            0x25 | -0x26 => self.terminate_thread(a0, cpu),
            0x29 | -0x2A => self.change_priority(a0, a1 as i32, cpu),
            0x2B | -0x2C => self.rotate_ready_queue(a0 as i32, cpu),
            0x2D | -0x2E => self.release_wait(a0, cpu),
            0x2F | -0x2F => {
                let id = self.current.unwrap_or(0);
                ret(cpu, id as i64)
            }
            0x30 | -0x31 => self.refer_thread_status(a0, a1, pc, cpu, hw),
            0x32 => self.sleep_thread(pc, cpu),
            0x33 | -0x34 => self.wakeup_thread(a0, cpu),
            0x35 | -0x36 => self.cancel_wakeup(a0, cpu),
            0x37 | -0x38 => self.suspend_thread(a0, cpu),
            0x39 | -0x3A => self.resume_thread(a0, cpu),
            0x3C => self.setup_thread(cpu, hw),
            0x3D => {
                // SetupHeap(start, size): size -1 means "up to the stack".
                self.heap_end = if a1 as i32 == -1 { self.stack_base } else { a0.wrapping_add(a1) };
                ret(cpu, self.heap_end as i64)
            }
            0x3E => ret(cpu, self.heap_end as i64),
            0x40 => self.create_sema(a0, pc, cpu, hw),
            0x41 | -0x49 => self.delete_sema(a0 as i32, cpu),
            0x42 | -0x43 => self.signal_sema(a0 as i32, cpu),
            0x44 => self.wait_sema(a0 as i32, pc, cpu),
            0x45 | -0x46 => self.poll_sema(a0 as i32, cpu),
            0x47 | -0x48 => self.refer_sema(a0 as i32, a1, pc, cpu, hw),
            0x5C | -0x5C => ret(cpu, self.enable_handler(false, a0, a1 as i32, true)),
            0x5D | -0x5D => ret(cpu, self.enable_handler(false, a0, a1 as i32, false)),
            0x5E | -0x5E => ret(cpu, self.enable_handler(true, a0, a1 as i32, true)),
            0x5F | -0x5F => ret(cpu, self.enable_handler(true, a0, a1 as i32, false)),
            0x64 | -0x68 => {
                // FlushCache(op) (ps2-ee.md §7): 0 writes the data cache back (lines stay
                // valid), 1 invalidates it (dirty data is lost), 2 invalidates the instruction
                // cache (decoded instructions here), 3 invalidates both.
                match a0 {
                    0 => cpu.write_back_data_cache(&mut hw.mem),
                    1 => cpu.invalidate_data_cache(),
                    2 => cpu.invalidate_instruction_cache(),
                    3 => {
                        cpu.invalidate_data_cache();
                        cpu.invalidate_instruction_cache();
                    }
                    _ => {}
                }
                ret(cpu, 0)
            }
            0x70 | -0x70 => ret(cpu, self.gs_imr as i64),
            0x71 | -0x71 => {
                self.gs_imr = cpu.gpr(reg::A0);
                hw.io.gs.write_privileged(0x1010, self.gs_imr);
                ret(cpu, 0)
            }
            0x73 => {
                self.vsync_flag = Some((a0, a1));
                ret(cpu, 0)
            }
            0x75 => {
                let text = print::format(cpu, &hw.mem);
                hw.io.console.put_str(&text);
                ret(cpu, 0)
            }
            0x6B => {
                self.iop.stop_dma(hw);
                ret(cpu, 0)
            }
            // Transfers complete when they are queued, so every id reads "done".
            0x76 | -0x76 => ret(cpu, -1),
            0x77 | -0x77 => {
                let now = cpu.cycles();
                // The kernel reads the transfer list with the CPU (through the data cache).
                let mut transfers = Vec::new();
                for i in 0..a1.min(32) {
                    let at = a0.wrapping_add(16 * i);
                    let read = |off: u32| {
                        guest::read_u32(&*cpu, &hw.mem, at.wrapping_add(off))
                            .ok_or(KernelError::BadPointer { syscall: "SifSetDma", addr: at, pc })
                    };
                    transfers.push((read(0)?, read(4)?, read(8)?));
                }
                let id = self.iop.set_dma_transfers(&transfers, now, hw).map_err(|f| KernelError::BadPointer {
                    syscall: "SifSetDma",
                    addr: f.addr,
                    pc,
                })?;
                ret(cpu, id as i64)
            }
            0x78 | -0x78 => {
                self.iop.set_dchain(hw).map_err(|f| KernelError::BadPointer {
                    syscall: "SifSetDChain",
                    addr: f.addr,
                    pc,
                })?;
                ret(cpu, 0)
            }
            0x79 => ret(cpu, self.sif_set_reg(a0, a1, hw) as i64),
            0x7A => ret(cpu, self.sif_get_reg(a0, hw) as i32 as i64),
            0x7C => {
                // Deci2Call: only kputs (0x10) is meaningful without a debugger attached.
                if a0 == 0x10 {
                    let ptr = guest::read_u32(&*cpu, &hw.mem, a1).ok_or(KernelError::BadPointer {
                        syscall: "Deci2Call(kputs)",
                        addr: a1,
                        pc,
                    })?;
                    let text = guest::read_c_string(&*cpu, &hw.mem, ptr, 4096).unwrap_or_default();
                    hw.io.console.put_str(&text);
                    ret(cpu, 0)
                } else {
                    ret(cpu, -1)
                }
            }
            // MachineType: 0, a retail console.
            0x7E => ret(cpu, 0),
            0x7F => ret(cpu, RAM_SIZE as i64),
            0x74 => Err(KernelError::Unsupported {
                syscall: "SetSyscall",
                pc,
                detail: "the HLE kernel has no syscall table to patch",
            }),
            _ => Err(KernelError::UnknownSyscall { number, pc }),
        }
    }

    fn sif_set_reg(&mut self, reg: u32, value: u32, hw: &mut Hardware) -> u32 {
        let sif = &mut hw.io.sif;
        match reg {
            1 => sif.mscom = value,
            2 => sif.smcom = value,
            3 => sif.msflg |= value,
            4 => sif.smflg &= !value,
            r if r & 0x8000_0000 != 0 && (r & 0x7FFF_FFFF) < 32 => {
                self.sif_software_regs[(r & 31) as usize] = value
            }
            _ => {}
        }
        0
    }

    fn sif_get_reg(&self, reg: u32, hw: &Hardware) -> u32 {
        let sif = &hw.io.sif;
        match reg {
            1 => sif.mscom,
            2 => sif.smcom,
            3 => sif.msflg,
            4 => sif.smflg,
            r if r & 0x8000_0000 != 0 && (r & 0x7FFF_FFFF) < 32 => {
                self.sif_software_regs[(r & 31) as usize]
            }
            _ => 0,
        }
    }
}

/// Sets or clears bit `n` of `mask`; returns 1 if it changed, 0 if not, -1 for a bad `n`.
fn set_bit_reporting(mask: &mut u32, n: u32, on: bool) -> i64 {
    if n >= 32 {
        return -1;
    }
    let before = *mask;
    if on {
        *mask |= 1 << n;
    } else {
        *mask &= !(1 << n);
    }
    (before != *mask) as i64
}

fn set_dmac_mask(hw: &mut Hardware, channel: u32, on: bool) -> i64 {
    if channel >= 16 {
        return -1;
    }
    let stat = &mut hw.io.dmac.stat;
    let bit = 1 << (16 + channel);
    let before = *stat;
    if on {
        *stat |= bit;
    } else {
        *stat &= !bit;
    }
    (before != *stat) as i64
}
