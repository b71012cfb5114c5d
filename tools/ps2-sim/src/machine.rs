//! [`Machine`]: CPU + hardware + kernel, the run loop, and how a run ends.

use std::path::Path;
use std::time::Instant;

use r5900::{Cpu, Stop};
use serde::Serialize;

use crate::boot::{self, BootError};
use crate::cpu_glue::{THREAD_STATUS, ThreadContext};
use crate::elf::{ElfError, ElfImage, STACK_GUARD_MAGIC, Symbols};
use crate::memory::StackGuard;
use crate::hardware::Hardware;
use crate::kernel::{EE_CLOCK_HZ, Kernel, KernelAction, KernelError};

/// Exit code when the simulator stops the program for doing something the machine rejects
/// (illegal instruction, bad memory access, unknown syscall, `break`, deadlock).
pub const EXIT_MACHINE_FAULT: i32 = 125;
/// Exit code when the cycle limit ends the run.
pub const EXIT_CYCLE_LIMIT: i32 = 124;
/// Exit code when the program overflows its stack into the guard region it published.
pub const EXIT_STACK_OVERFLOW: i32 = 123;
/// Exit code for unusable input (unreadable file, not an ELF, not a PS2 disc, bad options).
pub const EXIT_BAD_INPUT: i32 = 2;

/// Default cycle limit: 60 s of simulated time.
pub const DEFAULT_MAX_CYCLES: u64 = 60 * EE_CLOCK_HZ;

/// Instructions per `Cpu::run` call: bounds how stale the timers' view of time can get and how
/// late a pending interrupt is noticed after `ei`.
const CHUNK: u64 = 10_000;

/// Instructions between profile samples (prime, so that loops do not alias with it).
const PROFILE_INTERVAL: u64 = 997;

/// How a machine is set up.
#[derive(Debug, Clone)]
pub struct MachineConfig {
    /// The run ends with [`SimError::CycleLimit`] at this many simulated cycles.
    pub max_cycles: u64,
    /// Echo the guest's console (EE SIO, `_print`) to stdout.
    pub echo_console: bool,
    /// Arguments after the program name, handed to `main` through SetupThread.
    pub args: Vec<String>,
    /// What the controllers do (PADMAN); `None`: both plugged in, nothing pressed.
    pub pad_script: Option<crate::sif::pad::PadScript>,
    /// Functions (by demangled symbol name) whose calls are counted into
    /// [`Summary::calls`], e.g. soft-float helpers like `__addsf3`.
    pub count_calls: Vec<String>,
    /// Print every syscall on stderr.
    pub trace_syscalls: bool,
    /// Sample where the time goes (a statistical profile by function; see [`Summary::profile`]).
    pub profile: bool,
    /// What CDVDFSV's READ replies (bytes transferred, or 0).
    pub cdvdfsv_read_reply: crate::sif::cdvd::ReadReply,
    /// The folder FILEIO's `host:` maps to; `None`: the folder of the booted ELF or disc image.
    pub host_dir: Option<std::path::PathBuf>,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            max_cycles: DEFAULT_MAX_CYCLES,
            echo_console: true,
            args: Vec::new(),
            pad_script: None,
            count_calls: Vec::new(),
            profile: false,
            trace_syscalls: false,
            cdvdfsv_read_reply: crate::sif::cdvd::ReadReply::Bytes,
            host_dir: None,
        }
    }
}

/// Why a run did not end with the program calling `Exit`.
#[derive(Debug)]
pub enum SimError {
    /// The input could not be loaded.
    Elf(ElfError),
    /// The disc image could not be booted.
    Boot(BootError),
    /// A simulator option was unusable (e.g. a pad script with an error).
    BadOption(String),
    /// An instruction the R5900 does not have.
    Illegal {
        /// Where, symbolized.
        at: String,
        /// The word and what it is.
        detail: String,
    },
    /// A legal EE instruction this interpreter does not implement (COP2/VU0 macro, TLB).
    Unimplemented {
        /// Where, symbolized.
        at: String,
        /// The instruction.
        detail: String,
    },
    /// A load, store or fetch of unmapped memory, or a misaligned access.
    MemoryFault {
        /// Where, symbolized.
        at: String,
        /// The access.
        detail: String,
    },
    /// Integer overflow trap or trap instruction.
    Exception {
        /// Where, symbolized.
        at: String,
        /// Which.
        detail: String,
    },
    /// A `break` instruction (Rust's `abort`/trap lowers to it).
    Break {
        /// Where, symbolized.
        at: String,
        /// The break code.
        code: u32,
    },
    /// The kernel stopped the run (unknown syscall, deadlock, ...).
    Kernel {
        /// Where, symbolized (the syscall's caller).
        at: String,
        /// The kernel's error.
        error: KernelError,
    },
    /// A cached load or store inside the guard region below the stack (see
    /// [`crate::memory::StackGuard`]): the stack ran past its limit.
    StackOverflow {
        /// `"store to"` or `"load from"`.
        access: &'static str,
        /// The address accessed.
        addr: u32,
        /// The lowest address the stack may use (the guard's end).
        limit: u32,
        /// Where, symbolized.
        at: String,
    },
    /// A DMA transfer the machine could not perform.
    Dma(String),
    /// The cycle limit was reached.
    CycleLimit {
        /// The limit.
        cycles: u64,
        /// Where the program was.
        at: String,
        /// Thread states at that moment.
        threads: String,
    },
}

impl SimError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            SimError::Elf(_) | SimError::Boot(_) | SimError::BadOption(_) => EXIT_BAD_INPUT,
            SimError::CycleLimit { .. } => EXIT_CYCLE_LIMIT,
            SimError::StackOverflow { .. } => EXIT_STACK_OVERFLOW,
            _ => EXIT_MACHINE_FAULT,
        }
    }
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Elf(e) => write!(f, "cannot load the program: {e}"),
            SimError::Boot(e) => write!(f, "{e}"),
            SimError::BadOption(e) => write!(f, "{e}"),
            SimError::Illegal { at, detail } => {
                write!(f, "illegal instruction (not an R5900 instruction) at {at}: {detail}")
            }
            SimError::Unimplemented { at, detail } => {
                write!(f, "instruction not implemented by the simulator at {at}: {detail}")
            }
            SimError::MemoryFault { at, detail } => write!(f, "memory fault at {at}: {detail}"),
            SimError::Exception { at, detail } => write!(f, "{detail} exception at {at}"),
            SimError::Break { at, code } => {
                write!(f, "break {code:#x} at {at} (the program aborted or hit a trap)")
            }
            SimError::Kernel { at, error } => write!(f, "kernel: {error} [in {at}]"),
            SimError::StackOverflow { access, addr, limit, at } => write!(
                f,
                "guest stack overflow: {access} {addr:#010x} below the stack limit {limit:#010x} (pc {at}); \
                 the stack needs more room (a larger `_stack_size`) or less recursion/smaller locals"
            ),
            SimError::Dma(e) => write!(f, "DMA: {e}"),
            SimError::CycleLimit { cycles, at, threads } => write!(
                f,
                "cycle limit of {cycles} cycles ({:.2} s simulated) reached at {at}; {threads}; \
                 raise it with --max-cycles",
                *cycles as f64 / EE_CLOCK_HZ as f64
            ),
        }
    }
}

impl std::error::Error for SimError {}

/// Statistics of a run, printed at exit and written as JSON by `--json`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    /// How the run ended ("exit(0)" or the error message).
    pub outcome: String,
    /// The process exit code.
    pub exit_code: i32,
    /// Instructions executed.
    pub instructions: u64,
    /// Estimated EE cycles.
    pub cycles: u64,
    /// `cycles` at 294.912 MHz.
    pub simulated_seconds: f64,
    /// Wall-clock time of the host run.
    pub host_seconds: f64,
    /// Simulated instructions per host second.
    pub instructions_per_second: f64,
    /// Bytes read from the disc image by the guest.
    pub disc_bytes_read: u64,
    /// Simulated time the drive spent on those reads.
    pub disc_seconds: f64,
    /// Syscalls handled.
    pub syscalls: u64,
    /// Data-cache model hits.
    pub dcache_hits: u64,
    /// Data-cache model misses.
    pub dcache_misses: u64,
    /// Calls of the functions asked for with `count_calls` (name → calls; absent names are
    /// not in the program).
    pub calls: std::collections::BTreeMap<String, u64>,
    /// With profiling on: functions by estimated cycles spent in them, largest first (sampled
    /// every 997 instructions; each sample is charged the cycles since the previous one).
    pub profile: Vec<ProfileEntry>,
}

/// One line of the profile.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProfileEntry {
    /// Function name (or the address when no symbol covers it).
    pub function: String,
    /// Estimated cycles attributed to it.
    pub cycles: u64,
    /// Share of all sampled cycles, 0-1.
    pub share: f64,
}

impl Summary {
    /// The one-paragraph human form printed on stderr.
    pub fn to_text(&self) -> String {
        format!(
            "ps2-sim: {}\n  {} instructions, {} est. cycles = {:.6} s at 294.912 MHz\n  host {:.3} s, {:.1} M instr/s; disc {} bytes read, {:.3} s drive time; {} syscalls{}",
            self.outcome,
            self.instructions,
            self.cycles,
            self.simulated_seconds,
            self.host_seconds,
            self.instructions_per_second / 1e6,
            self.disc_bytes_read,
            self.disc_seconds,
            self.syscalls,
            self.calls.iter().map(|(name, n)| format!("\n  {n} calls to {name}")).collect::<String>()
        ) + &self.profile_text()
    }
}

impl Summary {
    /// The 20 largest profile entries as text lines (empty without profiling).
    fn profile_text(&self) -> String {
        let mut text = String::new();
        if !self.profile.is_empty() {
            text.push_str("\n  profile (share of cycles, by function):");
        }
        for e in self.profile.iter().take(20) {
            text.push_str(&format!("\n  {:6.2}%  {:>12}  {}", e.share * 100.0, e.cycles, e.function));
        }
        text
    }
}

/// The result of [`Machine::run`].
#[derive(Debug)]
pub struct RunOutcome {
    /// `Ok(code)` when the program called `Exit(code)`.
    pub result: Result<i32, SimError>,
    /// Statistics.
    pub summary: Summary,
}

/// Maps an exit code to a process status byte: 0 stays 0, 1-255 are kept, anything else
/// (negative, or ≥ 256, which a shell would wrap to 0) becomes 1 so a failure never reads as
/// success.
pub fn process_status(code: i32) -> u8 {
    match code {
        0..=255 => code as u8,
        _ => 1,
    }
}

impl RunOutcome {
    /// The process exit code: the program's, or the error's.
    pub fn exit_code(&self) -> i32 {
        match &self.result {
            Ok(code) => *code,
            Err(e) => e.exit_code(),
        }
    }
}

/// A simulated PS2 with a program loaded.
pub struct Machine {
    /// The EE core.
    pub cpu: Cpu,
    /// Memory and devices.
    pub hw: Hardware,
    /// The HLE kernel.
    pub kernel: Kernel<ThreadContext>,
    /// Symbols of the loaded program.
    pub symbols: Symbols,
    /// Where the program publishes its stack guard, until the guard is armed (or refused).
    stack_guard_descriptor: Option<u32>,
    config: MachineConfig,
    /// Watched functions: name and counter index in the CPU.
    watched: Vec<(String, usize)>,
    /// Profile samples: cycles charged per function start address (or raw pc).
    samples: std::collections::HashMap<u32, u64>,
}

impl Machine {
    /// Loads an ELF; `program_name` becomes `argv[0]` (e.g. `cdrom0:\HELLO.ELF;1`).
    pub fn from_elf_bytes(
        bytes: &[u8],
        program_name: &str,
        config: MachineConfig,
    ) -> Result<Machine, SimError> {
        let image = ElfImage::parse(bytes).map_err(SimError::Elf)?;
        let mut hw = Hardware::new(config.echo_console);
        image.load_into(&mut hw.mem).map_err(SimError::Elf)?;
        let mut args = vec![program_name.to_string()];
        args.extend(config.args.iter().cloned());
        let mut kernel = Kernel::new(args);
        kernel.install(&mut hw);
        kernel.trace = config.trace_syscalls;
        kernel.iop.padman = crate::sif::pad::Padman::new(config.pad_script.clone().unwrap_or_default());
        let mut cpu = Cpu::new(image.entry);
        // The main thread starts with IE set and EIE clear: crt0 enables interrupts with `ei`
        // once it is ready for them.
        cpu.cop0[r5900::cop0::STATUS] = THREAD_STATUS & !r5900::cop0::STATUS_EIE;
        let watched = config
            .count_calls
            .iter()
            .filter_map(|name| {
                let addr = image.symbols.address_of(name)?;
                Some((name.clone(), cpu.watch_calls_to(addr)))
            })
            .collect();
        Ok(Machine {
            cpu,
            hw,
            kernel,
            symbols: image.symbols,
            stack_guard_descriptor: image.stack_guard_descriptor,
            config,
            watched,
            samples: std::collections::HashMap::new(),
        })
    }

    /// Loads an ELF file from the host.
    pub fn from_elf_file(path: &Path, config: MachineConfig) -> Result<Machine, SimError> {
        let bytes = std::fs::read(path).map_err(|e| {
            SimError::Elf(ElfError::NotElf(format!("cannot read {}: {e}", path.display())))
        })?;
        let name = format!("host:{}", path.file_name().unwrap_or_default().to_string_lossy());
        let mut machine = Machine::from_elf_bytes(&bytes, &name, config)?;
        machine.set_host_dir(path)?;
        Ok(machine)
    }

    /// Maps FILEIO's `host:` to `--host-dir`, or else to the folder of `input`.
    fn set_host_dir(&mut self, input: &Path) -> Result<(), SimError> {
        let folder = input.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
        let dir = self.config.host_dir.as_deref().or(folder);
        self.kernel.iop.fileio.set_host_dir(dir).map_err(SimError::BadOption)
    }

    /// Boots a disc image the way the console does: `SYSTEM.CNF`'s `BOOT2` executable.
    pub fn from_iso(path: &Path, config: MachineConfig) -> Result<Machine, SimError> {
        let (boot_path, elf) = boot::read_boot_elf(path).map_err(SimError::Boot)?;
        let read_reply = config.cdvdfsv_read_reply;
        let mut machine = Machine::from_elf_bytes(&elf, &boot_path, config)?;
        let mut disc = crate::sif::cdvd::Disc::open(path).map_err(|e| SimError::Boot(BootError::Iso(e)))?;
        disc.set_read_reply(read_reply);
        machine.kernel.iop.disc = Some(disc);
        machine.kernel.iop.fileio.set_disc(Some(path.to_path_buf()));
        machine.set_host_dir(path)?;
        Ok(machine)
    }

    /// Boots `path`: a disc image when it ends in `.iso`, otherwise an ELF.
    pub fn from_path(path: &Path, config: MachineConfig) -> Result<Machine, SimError> {
        let is_iso = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("iso"));
        if is_iso { Machine::from_iso(path, config) } else { Machine::from_elf_file(path, config) }
    }

    /// Everything the program printed.
    pub fn console_output(&self) -> &[u8] {
        self.hw.io.console.captured()
    }

    /// `name+0xOFF (0xADDR)` for a code address of the loaded program.
    pub fn symbolize(&self, addr: u32) -> String {
        self.symbols.describe(addr)
    }

    /// Runs until the program exits or something stops it.
    pub fn run(&mut self) -> RunOutcome {
        let start = Instant::now();
        let result = self.run_loop();
        self.hw.io.console.flush();
        let host_seconds = start.elapsed().as_secs_f64();
        let exit_code = match &result {
            Ok(code) => *code,
            Err(e) => e.exit_code(),
        };
        let summary = Summary {
            outcome: match &result {
                Ok(code) => format!("exit({code})"),
                Err(e) => e.to_string(),
            },
            exit_code,
            instructions: self.cpu.instret,
            cycles: self.cpu.cycles,
            simulated_seconds: self.cpu.cycles as f64 / EE_CLOCK_HZ as f64,
            host_seconds,
            instructions_per_second: self.cpu.instret as f64 / host_seconds.max(1e-9),
            disc_bytes_read: self.kernel.iop.disc.as_ref().map_or(0, |d| d.bytes_read),
            disc_seconds: self.kernel.iop.disc.as_ref().map_or(0.0, |d| d.busy_seconds),
            syscalls: self.kernel.syscall_count,
            dcache_hits: self.cpu.dcache.hits,
            dcache_misses: self.cpu.dcache.misses,
            calls: self
                .watched
                .iter()
                .map(|(name, index)| (name.clone(), self.cpu.call_counts()[*index]))
                .collect(),
            profile: self.profile_entries(),
        };
        RunOutcome { result, summary }
    }

    fn run_loop(&mut self) -> Result<i32, SimError> {
        let max = self.config.max_cycles;
        loop {
            if self.cpu.cycles >= max {
                return Err(SimError::CycleLimit {
                    cycles: max,
                    at: self.symbolize(self.cpu.pc),
                    threads: self.kernel.thread_report(),
                });
            }
            if self.kernel.current_thread().is_none() && !self.kernel.in_handler() {
                self.idle()?;
                continue;
            }
            let pending = self.kernel.interrupt_waiting(&self.hw);
            // A scratchpad transfer's end is an event too when its interrupt is unmasked (else
            // the CPU's own accesses and this loop complete it, without shortening the slice).
            let until = self.kernel.next_event().min(self.hw.next_dma_interrupt().unwrap_or(u64::MAX)).min(max);
            let slice = if self.config.profile { PROFILE_INTERVAL } else { CHUNK };
            let mut budget = until.saturating_sub(self.cpu.cycles).clamp(1, slice);
            if pending {
                // Interrupts are pending but the program has them disabled: look again soon.
                budget = budget.min(100);
            }
            self.hw.now = self.cpu.cycles;
            let slice_start = self.cpu.cycles;
            let stop = self.cpu.run(&mut self.hw, budget);
            if self.config.profile {
                let key = self.symbols.lookup_start(self.cpu.pc).unwrap_or(self.cpu.pc);
                *self.samples.entry(key).or_default() += self.cpu.cycles - slice_start;
            }
            if let Some(e) = self.hw.dma_error.take() {
                return Err(SimError::Dma(format!("{e} (started near {})", self.symbolize(self.cpu.pc))));
            }
            match stop {
                Stop::BudgetExhausted => {}
                Stop::Syscall { pc } => {
                    match self.kernel.syscall(&mut self.cpu, &mut self.hw) {
                        Ok(KernelAction::Exit(code)) => return Ok(code),
                        Ok(_) => {}
                        Err(error) => return Err(SimError::Kernel { at: self.symbolize(pc), error }),
                    }
                    self.arm_stack_guard();
                }
                Stop::Break { pc, code } => return Err(SimError::Break { at: self.symbolize(pc), code }),
                Stop::Exception { pc, exception } => {
                    return Err(SimError::Exception {
                        at: self.symbolize(pc),
                        detail: format!("{exception:?}"),
                    });
                }
                Stop::Fault { pc, fault } => {
                    if let Some(overflow) = self.stack_overflow(pc, fault) {
                        return Err(overflow);
                    }
                    let word = r5900::Bus::fetch(&mut self.hw, pc).ok();
                    let instr = word
                        .and_then(|w| r5900::decode(w).ok())
                        .map(|i| format!(" by `{}`", i.display_at(pc)))
                        .unwrap_or_default();
                    return Err(SimError::MemoryFault {
                        at: self.symbolize(pc),
                        detail: format!("{fault}{instr}"),
                    });
                }
                Stop::Illegal { pc, illegal } => {
                    return Err(SimError::Illegal {
                        at: self.symbolize(pc),
                        detail: illegal.to_string(),
                    });
                }
                Stop::Unimplemented { pc, instr } => {
                    return Err(SimError::Unimplemented {
                        at: self.symbolize(pc),
                        detail: format!("{} ({:#010x})", instr.display_at(pc), instr.word),
                    });
                }
            }
            self.hw.now = self.cpu.cycles;
            self.hw.advance(self.cpu.cycles);
            self.kernel.service_events(&mut self.cpu, &mut self.hw);
        }
    }

    /// Arms the stack guard once the program has published it: called after each syscall (the
    /// runtime publishes the guard before its start-up `FlushCache`) until the descriptor holds
    /// [`STACK_GUARD_MAGIC`]. A descriptor with unusable bounds is reported once and not watched.
    fn arm_stack_guard(&mut self) {
        let Some(descriptor) = self.stack_guard_descriptor else { return };
        let words = [0, 4, 8].map(|offset| self.read_coherent_u32(descriptor.wrapping_add(offset)));
        if words[0] != Some(STACK_GUARD_MAGIC) {
            return;
        }
        self.stack_guard_descriptor = None;
        let [_, Some(start), Some(end)] = words else { return };
        let (first, last) = (r5900::dcache::physical(start.wrapping_add(63) & !63), r5900::dcache::physical(end & !63));
        let in_ram = |a: u32| (crate::elf::PROGRAM_RAM_START as u32..=crate::memory::RAM_SIZE as u32).contains(&a);
        if !(first < last && in_ram(first) && in_ram(last)) {
            eprintln!("ps2-sim: warning: the program's stack guard {start:#010x}..{end:#010x} is unusable; not watched");
            return;
        }
        // No guard line may stay in the data cache: a hit would never reach the bus.
        let mut tag = 0;
        for line in (first..last).step_by(64) {
            let _ = self.cpu.dcache.cache_op(&mut self.hw, r5900::dcache::op::DHWBIN, line, &mut tag);
        }
        self.hw.mem.stack_guard = Some(StackGuard { start: first, end: last });
    }

    /// A word of guest memory as the CPU sees it (its data cache first).
    fn read_coherent_u32(&self, addr: u32) -> Option<u32> {
        if let Some(line) = self.cpu.dcache.peek_line(addr) {
            let at = addr as usize & 63 & !3;
            return Some(u32::from_le_bytes(line[at..at + 4].try_into().expect("a word")));
        }
        self.hw.mem.read_u32(addr)
    }

    /// The stack overflow a fault at `pc` is, when it is a refused access to the armed guard.
    fn stack_overflow(&mut self, pc: u32, fault: r5900::Fault) -> Option<SimError> {
        let guard = self.hw.mem.stack_guard?;
        if fault.kind != r5900::FaultKind::Denied || !guard.holds_line(r5900::dcache::physical(fault.addr)) {
            return None;
        }
        // Stores have these primary opcodes: sq, sb..swr (0x28-0x2E), swc1, sqc2, sd.
        let word = r5900::Bus::fetch(&mut self.hw, pc).unwrap_or(0);
        let is_store = matches!(word >> 26, 0x1F | 0x28..=0x2E | 0x39 | 0x3E | 0x3F);
        Some(SimError::StackOverflow {
            access: if is_store { "store to" } else { "load from" },
            addr: fault.addr,
            limit: guard.end,
            at: self.symbolize(pc),
        })
    }

    /// The profile samples as a sorted table.
    fn profile_entries(&self) -> Vec<ProfileEntry> {
        let total: u64 = self.samples.values().sum();
        let mut entries: Vec<ProfileEntry> = self
            .samples
            .iter()
            .map(|(&addr, &cycles)| ProfileEntry {
                function: self.symbols.lookup(addr).map_or(format!("{addr:#010x}"), |(n, _)| n.to_string()),
                cycles,
                share: cycles as f64 / total.max(1) as f64,
            })
            .collect();
        entries.sort_by(|a, b| b.cycles.cmp(&a.cycles).then_with(|| a.function.cmp(&b.function)));
        entries
    }

    /// No thread can run: jump simulated time to the next event, or report a deadlock.
    fn idle(&mut self) -> Result<(), SimError> {
        // Something may be pending already (a SIF reply's DMA interrupt, say).
        self.hw.now = self.cpu.cycles;
        self.hw.advance(self.cpu.cycles);
        self.kernel.service_events(&mut self.cpu, &mut self.hw);
        if self.kernel.in_handler() || self.kernel.current_thread().is_some() {
            return Ok(());
        }
        let dma_end = self.hw.next_dma_end();
        if !self.kernel.can_wake(&self.hw) && dma_end.is_none() {
            return Err(SimError::Kernel {
                at: self.symbolize(self.cpu.pc),
                error: KernelError::Deadlock { detail: self.kernel.thread_report() },
            });
        }
        let next = self.kernel.next_event().min(dma_end.unwrap_or(u64::MAX)).min(self.config.max_cycles);
        self.cpu.cycles = self.cpu.cycles.max(next);
        self.hw.now = self.cpu.cycles;
        self.hw.advance(self.cpu.cycles);
        self.kernel.service_events(&mut self.cpu, &mut self.hw);
        Ok(())
    }
}
