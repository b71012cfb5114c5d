//! Kernel HLE tests driven by direct syscalls on a mock CPU (no instructions executed): each
//! test plays the part of guest code making the calls in a scenario and checks what the kernel
//! does to the register file.

use super::*;

/// A register file with nothing else: enough for the kernel.
#[derive(Clone, Debug, Default)]
struct MockCpu {
    gprs: [u64; 32],
    pc: u32,
    cycles: u64,
    interrupts: bool,
}

impl GuestCpu for MockCpu {
    type Context = ([u64; 32], u32, bool);
    fn gpr(&self, i: usize) -> u64 {
        self.gprs[i]
    }
    fn set_gpr(&mut self, i: usize, v: u64) {
        if i != 0 {
            self.gprs[i] = v;
        }
    }
    fn pc(&self) -> u32 {
        self.pc
    }
    fn set_pc(&mut self, pc: u32) {
        self.pc = pc;
    }
    fn cycles(&self) -> u64 {
        self.cycles
    }
    fn interrupts_enabled(&self) -> bool {
        self.interrupts
    }
    fn save_context(&self) -> Self::Context {
        (self.gprs, self.pc, self.interrupts)
    }
    fn restore_context(&mut self, c: &Self::Context) {
        (self.gprs, self.pc, self.interrupts) = *c;
    }
    fn clear_context(&mut self) {
        self.gprs = [0; 32];
        self.interrupts = true;
    }
}

struct Rig {
    k: Kernel<<MockCpu as GuestCpu>::Context>,
    cpu: MockCpu,
    hw: Hardware,
}

const CALLER_PC: u32 = 0x0010_0100;

impl Rig {
    fn new() -> Self {
        let mut hw = Hardware::new(false);
        let mut k = Kernel::new(vec!["cdrom0:\\TEST.ELF;1".into(), "-x".into()]);
        k.install(&mut hw);
        let cpu = MockCpu { pc: CALLER_PC, interrupts: true, ..MockCpu::default() };
        Rig { k, cpu, hw }
    }

    /// Makes syscall `n` with arguments from the current pc.
    fn sys(&mut self, n: i32, args: &[u32]) -> Result<KernelAction, KernelError> {
        self.cpu.set_gpr(reg::V1, n as i64 as u64);
        for (i, a) in args.iter().enumerate() {
            self.cpu.set_gpr(reg::A0 + i, *a as i32 as i64 as u64);
        }
        self.cpu.pc += 4;
        self.k.syscall(&mut self.cpu, &mut self.hw)
    }

    fn v0(&self) -> i32 {
        self.cpu.gpr(reg::V0) as i32
    }

    /// Writes an `ee_thread_t` at `addr` and creates the thread.
    fn create_thread(&mut self, addr: u32, func: u32, priority: u32) -> u32 {
        let fields = [0, func, 0x0050_0000 + addr, 0x1000, 0x0012_0000, priority, 0, 0, 0];
        for (i, v) in fields.iter().enumerate() {
            self.hw.mem.write_u32(addr + 4 * i as u32, *v).unwrap();
        }
        self.sys(0x20, &[addr]).unwrap();
        let id = self.v0();
        assert!(id > 1, "CreateThread failed: {id}");
        id as u32
    }

    /// Simulates the running handler returning `value` through `$ra`.
    fn handler_returns(&mut self, value: i32) -> KernelAction {
        assert_eq!(self.cpu.gpr(reg::RA) as u32, HANDLER_RETURN_ADDR);
        self.cpu.set_gpr(reg::V0, value as i64 as u64);
        self.cpu.pc = HANDLER_RETURN_ADDR + 4;
        self.k.syscall(&mut self.cpu, &mut self.hw).unwrap()
    }
}

#[test]
fn setup_thread_returns_stack_below_ram_top_and_writes_args() {
    let mut r = Rig::new();
    r.sys(0x3C, &[0x0012_0000, u32::MAX, 0x2_0000, 0x0020_0000, 0]).unwrap();
    assert_eq!(r.v0() as u32, 0x0200_0000 - 4096 - STACK_RESERVE);
    assert_eq!(r.hw.mem.read_u32(0x0020_0000), Some(2));
    let argv1 = r.hw.mem.read_u32(0x0020_0008).unwrap();
    assert_eq!(r.hw.mem.read_c_string(argv1, 16).unwrap(), "-x");
    // Heap up to the stack base, as `SetupHeap(end, -1)` asks.
    r.sys(0x3D, &[0x0030_0000, u32::MAX]).unwrap();
    r.sys(0x3E, &[]).unwrap();
    assert_eq!(r.v0() as u32, 0x0200_0000 - 4096 - 0x2_0000);
}

#[test]
fn higher_priority_thread_preempts_and_returning_ends_it() {
    let mut r = Rig::new();
    r.sys(0x29, &[0, 10]).unwrap(); // main → priority 10
    let t = r.create_thread(0x0010_8000, 0x0011_0000, 5);
    r.cpu.set_gpr(16, 0xAAAA); // a callee-saved value main must get back
    r.sys(0x22, &[t, 0x77]).unwrap();
    assert_eq!(r.cpu.pc, 0x0011_0000, "the new thread runs at once");
    assert_eq!(r.cpu.gpr(reg::A0), 0x77);
    assert_eq!(r.cpu.gpr(reg::RA) as u32, THREAD_EXIT_ADDR);
    assert_eq!(r.cpu.gpr(16), 0, "a fresh thread starts with cleared registers");
    r.sys(0x2F, &[]).unwrap();
    assert_eq!(r.v0() as u32, t);
    // Returning from the thread function lands on the exit trampoline.
    r.cpu.pc = THREAD_EXIT_ADDR + 4;
    let action = r.k.syscall(&mut r.cpu, &mut r.hw).unwrap();
    assert_eq!(action, KernelAction::Continue);
    assert_eq!(r.cpu.gpr(16), 0xAAAA);
    assert_eq!(r.v0() as u32, t, "main sees StartThread's result");
    assert_eq!(r.k.current_thread(), Some(1));
}

#[test]
fn lower_priority_thread_waits_until_main_blocks() {
    let mut r = Rig::new();
    let t = r.create_thread(0x0010_8000, 0x0011_0000, 20);
    r.sys(0x22, &[t, 0]).unwrap();
    assert_eq!(r.k.current_thread(), Some(1), "main (priority 0) keeps running");
    let resume_pc = r.cpu.pc;
    assert_eq!(r.sys(0x32, &[]).unwrap(), KernelAction::Continue); // SleepThread
    assert_eq!(r.k.current_thread(), Some(t));
    assert_eq!(r.cpu.pc, 0x0011_0000);
    r.sys(0x33, &[1]).unwrap(); // WakeupThread(main) → main preempts
    assert_eq!(r.k.current_thread(), Some(1));
    assert_eq!(r.cpu.pc, resume_pc + 4);
}

#[test]
fn wakeup_before_sleep_is_counted() {
    let mut r = Rig::new();
    r.sys(0x33, &[1]).unwrap();
    assert_eq!(r.sys(0x32, &[]).unwrap(), KernelAction::Continue);
    assert_eq!(r.k.current_thread(), Some(1));
    // No more wakeups: sleeping now leaves nothing to run.
    assert_eq!(r.sys(0x32, &[]).unwrap(), KernelAction::Idle);
    assert!(!r.k.can_wake(&r.hw));
    assert!(r.k.thread_report().contains("thread 1 sleeping"));
}

#[test]
fn semaphore_blocks_and_signal_hands_over() {
    let mut r = Rig::new();
    let sema = 0x0010_9000;
    for (i, v) in [0u32, 1, 0, 0, 0, 0].iter().enumerate() {
        r.hw.mem.write_u32(sema + 4 * i as u32, *v).unwrap();
    }
    r.sys(0x40, &[sema]).unwrap();
    let sid = r.v0() as u32;
    assert!(sid > 0);
    r.sys(0x45, &[sid]).unwrap(); // PollSema on 0 → fails
    assert_eq!(r.v0(), -1);
    r.sys(0x29, &[0, 10]).unwrap();
    let t = r.create_thread(0x0010_8000, 0x0011_0000, 20);
    r.sys(0x22, &[t, 0]).unwrap();
    r.sys(0x44, &[sid]).unwrap(); // WaitSema blocks main
    assert_eq!(r.k.current_thread(), Some(t));
    r.sys(0x47, &[sid, 0x0010_A000]).unwrap();
    assert_eq!(r.hw.mem.read_u32(0x0010_A00C), Some(1), "one waiter");
    r.sys(0x42, &[sid]).unwrap(); // SignalSema wakes main, which preempts
    assert_eq!(r.k.current_thread(), Some(1));
    assert_eq!(r.v0() as u32, sid, "WaitSema returns the id");
    r.sys(0x42, &[sid]).unwrap();
    r.sys(0x42, &[sid]).unwrap(); // over max_count 1
    assert_eq!(r.v0(), -1);
    r.sys(0x45, &[sid]).unwrap();
    assert_eq!(r.v0() as u32, sid);
}

#[test]
fn deleting_a_semaphore_releases_waiters_with_an_error() {
    let mut r = Rig::new();
    let sema = 0x0010_9000;
    r.hw.mem.write_u32(sema + 4, 1).unwrap();
    r.sys(0x40, &[sema]).unwrap();
    let sid = r.v0() as u32;
    r.sys(0x29, &[0, 10]).unwrap();
    let t = r.create_thread(0x0010_8000, 0x0011_0000, 20);
    r.sys(0x22, &[t, 0]).unwrap();
    r.sys(0x44, &[sid]).unwrap();
    assert_eq!(r.k.current_thread(), Some(t));
    r.sys(0x41, &[sid]).unwrap();
    assert_eq!(r.k.current_thread(), Some(1));
    assert_eq!(r.v0(), -1);
}

#[test]
fn rotate_ready_queue_round_robins_equal_priorities() {
    let mut r = Rig::new();
    r.sys(0x29, &[0, 30]).unwrap();
    let a = r.create_thread(0x0010_8000, 0x0011_0000, 30);
    let b = r.create_thread(0x0010_8100, 0x0011_1000, 30);
    r.sys(0x22, &[a, 0]).unwrap();
    r.sys(0x22, &[b, 0]).unwrap();
    assert_eq!(r.k.current_thread(), Some(1));
    r.sys(0x2B, &[30]).unwrap();
    assert_eq!(r.k.current_thread(), Some(a));
    r.sys(0x2B, &[30]).unwrap();
    assert_eq!(r.k.current_thread(), Some(b));
    r.sys(0x2B, &[30]).unwrap();
    assert_eq!(r.k.current_thread(), Some(1));
}

#[test]
fn suspended_thread_is_not_scheduled_until_resumed() {
    let mut r = Rig::new();
    r.sys(0x29, &[0, 10]).unwrap();
    let t = r.create_thread(0x0010_8000, 0x0011_0000, 20);
    r.sys(0x22, &[t, 0]).unwrap();
    r.sys(0x37, &[t]).unwrap();
    r.sys(0x30, &[t, 0x0010_A000]).unwrap();
    assert_eq!(r.v0(), 8, "READY + SUSPEND reads as SUSPEND");
    assert_eq!(r.sys(0x32, &[]).unwrap(), KernelAction::Idle);
    // Resume from a VBLANK handler.
    r.sys(0x10, &[2, 0x0011_8000, 0]).unwrap();
    r.sys(0x14, &[2]).unwrap();
    r.cpu.cycles = 5_000_000;
    assert_eq!(r.k.service_events(&mut r.cpu, &mut r.hw), KernelAction::Continue);
    assert_eq!(r.cpu.pc, 0x0011_8000);
    r.sys(-0x3A, &[t]).unwrap(); // iResumeThread
    assert_eq!(r.handler_returns(0), KernelAction::Continue);
    assert_eq!(r.k.current_thread(), Some(t));
}

#[test]
fn vblank_handler_runs_with_saved_context_and_respects_interrupt_enable() {
    let mut r = Rig::new();
    r.sys(0x10, &[2, 0x0011_8000, 0, 0x55]).unwrap(); // arg in $a3
    let id = r.v0();
    assert!(id > 0);
    r.cpu.cycles = 4_000_000;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(!r.k.in_handler(), "no VBLANK yet at 4 M cycles");
    r.cpu.cycles = 5_000_000;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(!r.k.in_handler(), "INTC cause 2 is still masked");
    assert_ne!(r.hw.io.intc.stat & 4, 0, "but it is pending");
    r.sys(0x14, &[2]).unwrap(); // _EnableIntc(2)
    r.cpu.interrupts = false;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(!r.k.in_handler(), "EIE clear: the interrupt waits");
    r.cpu.interrupts = true;
    r.cpu.set_gpr(9, 0x1234);
    let interrupted_pc = r.cpu.pc;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(r.k.in_handler());
    assert_eq!((r.cpu.pc, r.cpu.gpr(reg::A0), r.cpu.gpr(reg::A1)), (0x0011_8000, 2, 0x55));
    assert_eq!(r.hw.io.intc.stat & 4, 0, "the kernel acknowledged the cause");
    r.handler_returns(0);
    assert!(!r.k.in_handler());
    assert_eq!((r.cpu.pc, r.cpu.gpr(9)), (interrupted_pc, 0x1234));
}

#[test]
fn handler_chain_order_and_negative_return_stops_it() {
    let mut r = Rig::new();
    r.sys(0x10, &[2, 0x0011_0000, u32::MAX]).unwrap(); // tail
    let first = r.v0();
    r.sys(0x10, &[2, 0x0011_1000, 0]).unwrap(); // head
    r.sys(0x10, &[2, 0x0011_2000, first as u32]).unwrap(); // before `first`
    r.sys(0x14, &[2]).unwrap();
    r.cpu.cycles = 5_000_000;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!(r.cpu.pc, 0x0011_1000);
    r.handler_returns(0);
    assert_eq!(r.cpu.pc, 0x0011_2000);
    r.handler_returns(-1);
    assert!(!r.k.in_handler(), "negative return skipped the last handler");
}

#[test]
fn alarm_fires_after_its_hsync_ticks_and_wakes_an_idle_program() {
    let mut r = Rig::new();
    r.sys(0x18, &[10, 0x0011_4000, 0x99]).unwrap();
    let alarm = r.v0();
    assert!(alarm >= 0);
    assert_eq!(r.sys(0x32, &[]).unwrap(), KernelAction::Idle);
    assert!(r.k.can_wake(&r.hw));
    assert_eq!(r.k.next_event(), crate::io::timers::hblank_cycle(10));
    r.cpu.cycles = r.k.next_event();
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!((r.cpu.pc, r.cpu.gpr(reg::A0) as i32, r.cpu.gpr(reg::A2)), (0x0011_4000, alarm, 0x99));
    r.sys(-0x34, &[1]).unwrap(); // iWakeupThread(main)
    assert_eq!(r.handler_returns(0), KernelAction::Continue);
    assert_eq!(r.k.current_thread(), Some(1));
}

#[test]
fn dmac_handler_runs_when_channel_completes_and_is_unmasked() {
    let mut r = Rig::new();
    r.sys(0x12, &[2, 0x0011_6000, 0]).unwrap();
    r.sys(0x16, &[2]).unwrap(); // _EnableDmac(2)
    r.hw.io.dmac.complete(2);
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!((r.cpu.pc, r.cpu.gpr(reg::A0)), (0x0011_6000, 2));
    r.handler_returns(0);
    assert_eq!(r.hw.io.dmac.stat & 4, 0);
}

#[test]
fn blocking_in_a_handler_is_an_error() {
    let mut r = Rig::new();
    r.sys(0x10, &[2, 0x0011_8000, 0]).unwrap();
    r.sys(0x14, &[2]).unwrap();
    r.cpu.cycles = 5_000_000;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(matches!(r.sys(0x32, &[]), Err(KernelError::BlockingInHandler { .. })));
}

#[test]
fn unknown_syscall_stops_with_its_number_and_address() {
    let mut r = Rig::new();
    let err = r.sys(0x6E, &[]).unwrap_err();
    assert_eq!(err, KernelError::UnknownSyscall { number: 0x6E, pc: CALLER_PC });
    let known = r.sys(0x06, &[]).unwrap_err().to_string();
    assert!(known.contains("LoadExecPS2") && known.contains("not implemented"), "{known}");
}

#[test]
fn exit_reports_the_code_and_misc_calls_work() {
    let mut r = Rig::new();
    r.sys(0x7F, &[]).unwrap();
    assert_eq!(r.v0(), 0x0200_0000);
    r.sys(0x7E, &[]).unwrap();
    assert_eq!(r.v0(), 0, "retail machine type");
    assert!(matches!(r.sys(0x74, &[]), Err(KernelError::Unsupported { .. })));
    r.sys(0x71, &[0x7700]).unwrap();
    r.sys(0x70, &[]).unwrap();
    assert_eq!(r.v0(), 0x7700);
    r.sys(0x02, &[1, 2, 0]).unwrap(); // SetGsCrt
    r.hw.mem.slice_mut(0x0010_9000, 6).unwrap().copy_from_slice(b"v=%d\n\0");
    r.sys(0x75, &[0x0010_9000, 42]).unwrap();
    assert_eq!(r.hw.io.console.captured(), b"v=42\n");
    assert_eq!(r.sys(0x04, &[3]).unwrap(), KernelAction::Exit(3));
}

#[test]
fn create_thread_rejects_bad_priority_and_bad_pointer() {
    let mut r = Rig::new();
    r.hw.mem.write_u32(0x0010_8014, 200).unwrap();
    r.hw.mem.write_u32(0x0010_800C, 0x1000).unwrap();
    r.sys(0x20, &[0x0010_8000]).unwrap();
    assert_eq!(r.v0(), -1);
    assert!(matches!(r.sys(0x20, &[0x10]), Err(KernelError::BadPointer { .. })));
}

#[test]
fn exiting_the_last_thread_leaves_nothing_to_run() {
    let mut r = Rig::new();
    assert_eq!(r.sys(0x23, &[]).unwrap(), KernelAction::Idle);
    assert!(r.k.thread_report().contains("every thread has exited"));
}

#[test]
fn alarm_fires_on_the_hblank_its_ticks_count_to() {
    use crate::io::timers::hblank_cycle;
    let mut r = Rig::new();
    // Set mid-line: three ticks end at the start of line 103, less than three whole lines later.
    r.cpu.cycles = hblank_cycle(100) + 5_000;
    r.sys(0x18, &[3, 0x0011_4000, 0x77]).unwrap();
    assert_eq!(r.k.next_event(), hblank_cycle(103));
    r.cpu.cycles = hblank_cycle(103) - 1;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(!r.k.in_handler(), "one cycle early");
    r.cpu.cycles = hblank_cycle(103);
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(r.k.in_handler());
    // The callback gets (id, the line count as timer 3 holds it, common).
    assert_eq!((r.cpu.pc, r.cpu.gpr(reg::A1), r.cpu.gpr(reg::A2)), (0x0011_4000, 103, 0x77));
}

#[test]
fn vblank_handler_signalling_a_semaphore_wakes_the_waiter_after_the_chain_without_reentry() {
    let mut r = Rig::new();
    let sema = 0x0010_9000;
    r.hw.mem.write_u32(sema + 4, 1).unwrap(); // max_count 1, init 0
    r.sys(0x40, &[sema]).unwrap();
    let sid = r.v0() as u32;
    r.sys(0x10, &[2, 0x0011_8000, u32::MAX, sid]).unwrap(); // AddIntcHandler2(VBLANK_START, .., arg = sid)
    r.sys(0x14, &[2]).unwrap();
    assert_eq!(r.sys(0x44, &[sid]).unwrap(), KernelAction::Idle, "WaitSema blocks the only thread");
    assert!(r.k.can_wake(&r.hw), "an enabled VBLANK handler can wake it");
    let field = r.k.next_event();
    assert_eq!(field, 4_920_115, "first VBLANK start: 294,912,000 × 1001 / 60,000 cycles");
    r.cpu.cycles = field;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!((r.cpu.pc, r.cpu.gpr(reg::A1) as u32), (0x0011_8000, sid), "handler gets its argument");
    r.sys(-0x43, &[sid]).unwrap(); // iSignalSema
    assert_eq!(r.k.current_thread(), None, "the waiter runs only once the handler has returned");
    // The next field comes while the handler still runs: it is not taken inside the handler.
    let handler_pc = r.cpu.pc;
    r.cpu.cycles = 2 * field + 1;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!(r.cpu.pc, handler_pc, "no nested handler");
    assert_eq!(r.handler_returns(0), KernelAction::Continue);
    // The pending second VBLANK runs the handler again before the thread resumes.
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!(r.cpu.pc, 0x0011_8000, "the blank raised during the handler is served after it");
    r.handler_returns(0);
    assert_eq!(r.k.current_thread(), Some(1));
    assert_eq!(r.v0() as u32, sid, "WaitSema returned");
}

#[test]
fn waiting_with_vblank_masked_is_a_deadlock_not_a_hang() {
    let mut r = Rig::new();
    let sema = 0x0010_9000;
    r.hw.mem.write_u32(sema + 4, 1).unwrap();
    r.sys(0x40, &[sema]).unwrap();
    let sid = r.v0() as u32;
    r.sys(0x10, &[2, 0x0011_8000, u32::MAX, sid]).unwrap(); // handler, but the cause stays masked
    assert_eq!(r.sys(0x44, &[sid]).unwrap(), KernelAction::Idle);
    assert!(!r.k.can_wake(&r.hw));
    assert!(r.k.thread_report().contains("thread 1"), "{}", r.k.thread_report());
}

#[test]
fn timer_compare_interrupt_runs_its_handler_and_counts_as_a_wake_source() {
    let mut r = Rig::new();
    r.sys(0x10, &[10, 0x0011_8000, 0, 0x33]).unwrap(); // AddIntcHandler2(TIMER1, .., arg 0x33)
    r.sys(0x14, &[10]).unwrap();
    // T1: BUSCLK/16 (32 cycles a tick), COMP 1000, ZRET, CMPE: every 32,000 cycles.
    r.hw.io.timers.write(0x1000_0820, 1000, 0);
    r.hw.io.timers.write(0x1000_0810, 1 | 0x40 | 0x80 | 0x100, 0);
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!(r.sys(0x32, &[]).unwrap(), KernelAction::Idle);
    assert!(r.k.can_wake(&r.hw), "a counting timer with an enabled handler can wake the program");
    assert_eq!(r.k.next_event(), 32_000);
    r.cpu.cycles = 32_000;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert_eq!((r.cpu.pc, r.cpu.gpr(reg::A0), r.cpu.gpr(reg::A1)), (0x0011_8000, 10, 0x33));
    r.handler_returns(0);
    // Counting stopped: nothing can wake the sleeping thread any more.
    r.hw.io.timers.write(0x1000_0810, 0, 40_000);
    r.cpu.cycles = 40_000;
    r.k.service_events(&mut r.cpu, &mut r.hw);
    assert!(!r.k.can_wake(&r.hw));
}
