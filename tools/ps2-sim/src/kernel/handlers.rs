//! Interrupt sources in simulated time (VBLANK, alarms), INTC/DMAC handler chains, and running
//! guest handlers.
//!
//! VBLANK start fires at 59.94 Hz of *simulated* time (every 294,912,000 × 1001 / 60,000 =
//! 4,920,115.2 cycles, 262.5 NTSC lines), VBLANK end [`VBLANK_END_DELAY`] cycles later (22 of the
//! 262.5 lines). Both set their INTC cause in I_STAT; the kernel calls the registered handlers
//! when the cause is unmasked and the running code has interrupts enabled (Status IE and EIE),
//! then acknowledges the cause. Handlers run one after another on the interrupt stack; nothing
//! interrupts them (events raised meanwhile wait until the chain has returned).
//!
//! Alarms count H-blanks as the kernel's timer 3 does: an alarm of `n` ticks fires at the start
//! of the `n`-th line after it was set ([`crate::io::timers::hblank_cycle`]), so after between
//! `n - 1` and `n` lines.

use std::collections::VecDeque;

use super::{
    EE_CLOCK_HZ, GuestCpu, HANDLER_RETURN_ADDR, INTERRUPT_STACK_TOP, Kernel, KernelAction, reg,
};
use super::guest;
use crate::hardware::Hardware;
use crate::io::timers::{INTC_TIMER0, hblank_cycle, hblank_index};
use crate::io::{INTC_VBLANK_END, INTC_VBLANK_START};

/// EE cycles per NTSC horizontal line (the unit of `SetAlarm`), rounded down from 18,743.296:
/// lines start at the exact cycles of [`hblank_cycle`].
pub const CYCLES_PER_HSYNC: u64 = 18_743;
/// Cycles from VBLANK start to VBLANK end.
pub const VBLANK_END_DELAY: u64 = 412_352;
/// Handlers per kind (MAX_HANDLERS).
const MAX_HANDLERS: usize = 128;
/// Alarms (MAX_ALARMS).
const MAX_ALARMS: usize = 64;

/// A registered INTC or DMAC handler.
#[derive(Debug, Clone)]
pub(super) struct Handler {
    pub id: i32,
    pub cause: u32,
    pub func: u32,
    pub arg: u32,
    pub gp: u32,
    pub enabled: bool,
}

/// A pending `SetAlarm`.
#[derive(Debug, Clone)]
pub(super) struct Alarm {
    pub id: i32,
    pub due: u64,
    pub func: u32,
    pub common: u32,
    pub gp: u32,
}

/// One guest function to call in interrupt context.
#[derive(Debug, Clone)]
pub(super) struct HandlerCall {
    func: u32,
    gp: u32,
    args: [u32; 3],
    /// Calls of one cause's chain share a group; a negative return skips the rest of it.
    group: u32,
}

/// The state of an interrupt being serviced.
pub(super) struct InterruptFrame<Ctx> {
    /// The interrupted thread's registers (`None` if the kernel was idle).
    saved: Option<Ctx>,
    queue: VecDeque<HandlerCall>,
    current_group: u32,
}

/// Cycle at which VBLANK number `n` (1-based) starts.
fn vblank_start(n: u64) -> u64 {
    (n as u128 * EE_CLOCK_HZ as u128 * 1001 / 60_000) as u64
}

impl<Ctx: Clone> Kernel<Ctx> {
    /// `AddIntcHandler(cause, func, next[, arg])` / `AddDmacHandler`: `next` 0 puts the handler
    /// first in its cause's chain, -1 last, another id before that handler. Returns the id.
    pub(super) fn add_handler<C: GuestCpu<Context = Ctx>>(
        &mut self,
        dmac: bool,
        cause: u32,
        func: u32,
        next: i32,
        cpu: &C,
    ) -> i32 {
        let limit = if dmac { 16 } else { 15 };
        let list = if dmac { &mut self.dmac_handlers } else { &mut self.intc_handlers };
        if cause >= limit || list.len() >= MAX_HANDLERS {
            return -1;
        }
        let id = self.next_handler_id;
        self.next_handler_id += 1;
        let handler = Handler {
            id,
            cause,
            func,
            arg: cpu.gpr(reg::A3) as u32,
            gp: cpu.gpr(reg::GP) as u32,
            enabled: true,
        };
        let position = match next {
            0 => list.iter().position(|h| h.cause == cause),
            -1 => None,
            other => list.iter().position(|h| h.id == other && h.cause == cause),
        };
        match position {
            Some(i) => list.insert(i, handler),
            None => list.push(handler),
        }
        id
    }

    /// `RemoveIntcHandler(cause, id)` / `RemoveDmacHandler`.
    pub(super) fn remove_handler(&mut self, dmac: bool, cause: u32, id: i32) -> i32 {
        let list = if dmac { &mut self.dmac_handlers } else { &mut self.intc_handlers };
        let before = list.len();
        list.retain(|h| !(h.id == id && h.cause == cause));
        if list.len() < before { 0 } else { -1 }
    }

    /// `EnableIntcHandler`/`DisableIntcHandler` and the DMAC forms: `(cause, id)`.
    pub(super) fn enable_handler(&mut self, dmac: bool, cause: u32, id: i32, on: bool) -> i64 {
        let list = if dmac { &mut self.dmac_handlers } else { &mut self.intc_handlers };
        match list.iter_mut().find(|h| h.id == id && h.cause == cause) {
            Some(h) => {
                h.enabled = on;
                0
            }
            None => -1,
        }
    }

    /// `SetAlarm(hsync_ticks, func, common)` → alarm id; `func(id, time, common)` runs in
    /// interrupt context after that many H-sync periods.
    pub(super) fn set_alarm<C: GuestCpu<Context = Ctx>>(
        &mut self,
        ticks: u16,
        func: u32,
        common: u32,
        cpu: &C,
    ) -> i32 {
        if self.alarms.len() >= MAX_ALARMS {
            return -1;
        }
        let id = self.next_alarm_id;
        self.next_alarm_id = (self.next_alarm_id + 1) & 0x7FFF_FFFF;
        self.alarms.push(Alarm {
            id,
            due: hblank_cycle(hblank_index(cpu.cycles()) + ticks as u64),
            func,
            common,
            gp: cpu.gpr(reg::GP) as u32,
        });
        id
    }

    /// `ReleaseAlarm(id)`.
    pub(super) fn release_alarm(&mut self, id: i32) -> i32 {
        let before = self.alarms.len();
        self.alarms.retain(|a| a.id != id);
        if self.alarms.len() < before { 0 } else { -1 }
    }

    /// Cycle of the next timed event (VBLANK start/end, alarm).
    pub fn next_event(&self) -> u64 {
        let mut next = vblank_start(self.vblank_index + 1);
        for at in [self.vblank_end_at, self.timer_event_at].into_iter().flatten() {
            next = next.min(at);
        }
        for a in &self.alarms {
            next = next.min(a.due);
        }
        if let Some(t) = self.iop.next_event() {
            next = next.min(t);
        }
        next
    }

    /// Whether anything could still wake an idle program: an alarm, or an enabled handler for
    /// a periodic interrupt (VBLANK, a counting timer that interrupts) whose cause is unmasked.
    pub fn can_wake(&self, hw: &Hardware) -> bool {
        let timers_interrupt = hw.io.timers.next_event().is_some();
        !self.alarms.is_empty()
            || self.iop.next_event().is_some()
            || self.intc_handlers.iter().any(|h| {
                let periodic = h.cause == INTC_VBLANK_START
                    || h.cause == INTC_VBLANK_END
                    || ((INTC_TIMER0..INTC_TIMER0 + 4).contains(&h.cause) && timers_interrupt);
                h.enabled && periodic && hw.io.intc.mask & (1 << h.cause) != 0
            })
    }

    /// Whether an interrupt is waiting that would run a handler (or be acknowledged) as soon
    /// as the program enables interrupts. A finished DMA channel without a handler does not
    /// count: its CIS bit stays set for the program to poll.
    pub fn interrupt_waiting(&self, hw: &Hardware) -> bool {
        let dmac = hw.io.dmac.pending_interrupts();
        hw.io.intc.active() != 0
            || self.dmac_handlers.iter().any(|h| h.enabled && dmac & (1 << h.cause) != 0)
    }

    /// A description of the threads, for deadlock and limit errors.
    pub fn thread_report(&self) -> String {
        self.describe_threads()
    }

    /// Raises the events that are due at the CPU's current cycle and, if interrupts may be
    /// taken, starts the handler chain for everything pending.
    pub fn service_events<C: GuestCpu<Context = Ctx>>(
        &mut self,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> KernelAction {
        let now = cpu.cycles();
        // A delayed reply to an unmapped buffer is the program's bug; it is dropped here (the
        // program then waits for it and the cycle limit or deadlock check reports that).
        let _ = self.iop.service(now, hw);
        while now >= vblank_start(self.vblank_index + 1) {
            self.vblank_index += 1;
            hw.io.intc.stat |= 1 << INTC_VBLANK_START;
            hw.io.with_gs_events(|gs| gs.vblank());
            // A pad area at a bad address only loses pad input (as a stray DMA would).
            let _ = self.iop.vblank(self.vblank_index, hw);
            self.vblank_end_at = Some(vblank_start(self.vblank_index) + VBLANK_END_DELAY);
            if let Some((flag, csr)) = self.vsync_flag.take() {
                let csr_value = hw.io.gs.read_privileged(0x1000);
                // A bad pointer here is the program's bug but not worth stopping for: skip.
                let _ = guest::write_u32(cpu, &mut hw.mem, flag, 1);
                let _ = guest::write_u32(cpu, &mut hw.mem, csr, csr_value as u32);
                let _ = guest::write_u32(cpu, &mut hw.mem, csr.wrapping_add(4), (csr_value >> 32) as u32);
            }
        }
        if self.vblank_end_at.is_some_and(|end| now >= end) {
            self.vblank_end_at = None;
            hw.io.intc.stat |= 1 << INTC_VBLANK_END;
        }
        hw.io.intc.stat |= hw.io.timers.service(now);
        self.timer_event_at = hw.io.timers.next_event();
        let idle = self.current.is_none();
        if self.frame.is_some() || !(idle || cpu.interrupts_enabled()) {
            return if idle { KernelAction::Idle } else { KernelAction::Continue };
        }
        let queue = self.collect_calls(now, cpu.pc(), hw);
        if queue.is_empty() {
            return if idle { KernelAction::Idle } else { KernelAction::Continue };
        }
        let saved = if idle { None } else { Some(cpu.save_context()) };
        self.frame = Some(InterruptFrame { saved, queue, current_group: 0 });
        self.call_next(cpu);
        KernelAction::Continue
    }

    /// Everything to run now: handlers of active INTC causes, of finished DMAC channels, and due
    /// alarms. Acknowledges the causes it collects.
    fn collect_calls(&mut self, now: u64, epc: u32, hw: &mut Hardware) -> VecDeque<HandlerCall> {
        let mut queue = VecDeque::new();
        let mut group = 0;
        let active = hw.io.intc.active();
        for cause in 0..15 {
            if active & (1 << cause) == 0 {
                continue;
            }
            hw.io.intc.stat &= !(1 << cause);
            group += 1;
            for h in self.intc_handlers.iter().filter(|h| h.cause == cause && h.enabled) {
                queue.push_back(HandlerCall {
                    func: h.func,
                    gp: h.gp,
                    args: [cause, h.arg, epc],
                    group,
                });
            }
        }
        let dmac = hw.io.dmac.pending_interrupts();
        for ch in 0..10 {
            if dmac & (1 << ch) == 0 {
                continue;
            }
            let handlers: Vec<_> =
                self.dmac_handlers.iter().filter(|h| h.cause == ch && h.enabled).collect();
            if handlers.is_empty() {
                continue; // leave CIS set for a program that polls D_STAT
            }
            hw.io.dmac.stat &= !(1 << ch);
            group += 1;
            for h in handlers {
                queue.push_back(HandlerCall {
                    func: h.func,
                    gp: h.gp,
                    args: [ch, h.arg, epc],
                    group,
                });
            }
        }
        let (due, later): (Vec<Alarm>, Vec<Alarm>) =
            std::mem::take(&mut self.alarms).into_iter().partition(|a| a.due <= now);
        self.alarms = later;
        for a in due {
            group += 1;
            // The kernel hands the callback timer 3's count: the line number, 16 bits.
            let time = (hblank_index(now) & 0xFFFF) as u32;
            queue.push_back(HandlerCall {
                func: a.func,
                gp: a.gp,
                args: [a.id as u32, time, a.common],
                group,
            });
        }
        queue
    }

    /// Points the CPU at the next queued handler.
    fn call_next<C: GuestCpu<Context = Ctx>>(&mut self, cpu: &mut C) {
        let frame = self.frame.as_mut().expect("called inside a frame");
        let call = frame.queue.pop_front().expect("queue is not empty");
        frame.current_group = call.group;
        cpu.clear_context();
        let sx = |v: u32| v as i32 as i64 as u64;
        cpu.set_pc(call.func);
        cpu.set_gpr(reg::A0, sx(call.args[0]));
        cpu.set_gpr(reg::A1, sx(call.args[1]));
        cpu.set_gpr(reg::A2, sx(call.args[2]));
        cpu.set_gpr(reg::GP, sx(call.gp));
        cpu.set_gpr(reg::SP, sx(INTERRUPT_STACK_TOP));
        cpu.set_gpr(reg::RA, sx(HANDLER_RETURN_ADDR));
    }

    /// A handler returned through the trampoline: run the next one or resume.
    pub(super) fn handler_returned<C: GuestCpu<Context = Ctx>>(
        &mut self,
        cpu: &mut C,
        _hw: &mut Hardware,
    ) -> KernelAction {
        let result = cpu.gpr(reg::V0) as i32;
        let frame = self.frame.as_mut().expect("checked by the caller");
        if result < 0 {
            let group = frame.current_group;
            frame.queue.retain(|c| c.group != group);
        }
        if !frame.queue.is_empty() {
            self.call_next(cpu);
            return KernelAction::Continue;
        }
        let frame = self.frame.take().expect("checked above");
        match frame.saved {
            Some(context) => cpu.restore_context(&context),
            None => self.reschedule_pending = true,
        }
        if std::mem::take(&mut self.reschedule_pending) {
            self.reschedule(cpu)
        } else {
            KernelAction::Continue
        }
    }
}
