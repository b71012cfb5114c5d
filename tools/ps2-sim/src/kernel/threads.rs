//! Threads and the priority scheduler.
//!
//! Scheduling rule (as the EE kernel's): the runnable thread with the numerically lowest
//! priority runs; among equals, the one that has been in the ready queue longest. A preempted
//! thread keeps its place; a thread that becomes ready, or changes priority, goes to the back.

use super::{ret, 
    GuestCpu, Kernel, KernelAction, KernelError, STACK_RESERVE, THREAD_EXIT_ADDR, reg,
};
use super::guest;
use crate::hardware::Hardware;
use crate::memory::RAM_SIZE;

/// Highest thread id + 1 (MAX_THREADS).
const MAX_THREADS: usize = 256;
/// Number of priorities (0 is the highest).
const MAX_PRIORITY: i32 = 128;
/// Id of the thread the program starts in.
pub(super) const MAIN_THREAD: u32 = 1;

/// Why a thread waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WaitKind {
    /// SleepThread.
    Sleep,
    /// WaitSema on this semaphore.
    Sema(i32),
}

/// A thread's scheduling state (suspension is tracked separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Dormant,
    Ready,
    Run,
    Wait(WaitKind),
}

/// One thread.
pub(super) struct Thread<Ctx> {
    pub state: State,
    pub suspended: bool,
    pub func: u32,
    pub stack: u32,
    pub stack_size: u32,
    pub gp: u32,
    pub initial_priority: i32,
    pub priority: i32,
    pub attr: u32,
    pub option: u32,
    pub wakeups: u32,
    /// The saved register file while the thread is not running.
    pub context: Option<Ctx>,
    /// `$v0` to deliver when the thread next runs (result of the call it blocked in).
    pub pending_v0: Option<i64>,
}

impl<Ctx> Thread<Ctx> {
    /// Status code of `ee_thread_status_t` (RUN 1, READY 2, WAIT 4, SUSPEND 8, WAITSUSPEND 0xC,
    /// DORMANT 0x10).
    fn status_code(&self) -> u32 {
        let base = match self.state {
            State::Run => 1,
            State::Ready => 2,
            State::Wait(_) => 4,
            State::Dormant => return 0x10,
        };
        if self.suspended {
            if base == 4 { 0xC } else { 8 }
        } else {
            base
        }
    }
}

impl<Ctx: Clone> Kernel<Ctx> {
    pub(super) fn create_main_thread(&mut self) {
        self.threads = (0..MAX_THREADS).map(|_| None).collect();
        self.threads[MAIN_THREAD as usize] = Some(Thread {
            state: State::Run,
            suspended: false,
            func: 0,
            stack: 0,
            stack_size: 0,
            gp: 0,
            initial_priority: 0,
            priority: 0,
            attr: 0,
            option: 0,
            wakeups: 0,
            context: None,
            pending_v0: None,
        });
        self.ready = vec![MAIN_THREAD];
        self.current = Some(MAIN_THREAD);
    }

    pub(super) fn thread(&self, id: u32) -> Option<&Thread<Ctx>> {
        self.threads.get(id as usize)?.as_ref()
    }

    pub(super) fn thread_mut(&mut self, id: u32) -> Option<&mut Thread<Ctx>> {
        self.threads.get_mut(id as usize)?.as_mut()
    }

    /// Resolves `TH_SELF` (0) to the running (or interrupted) thread.
    fn resolve(&self, id: u32) -> u32 {
        if id == 0 { self.current.unwrap_or(0) } else { id }
    }

    /// The thread that should run now.
    fn pick(&self) -> Option<u32> {
        let mut best: Option<(i32, u32)> = None;
        for &id in &self.ready {
            let t = self.thread(id).expect("ready threads exist");
            if t.suspended {
                continue;
            }
            if best.is_none_or(|(p, _)| t.priority < p) {
                best = Some((t.priority, id));
            }
        }
        best.map(|(_, id)| id)
    }

    /// Switches to the thread that should run. Inside a handler the switch waits until the
    /// handler chain returns.
    pub(super) fn reschedule<C: GuestCpu<Context = Ctx>>(&mut self, cpu: &mut C) -> KernelAction {
        if self.frame.is_some() {
            self.reschedule_pending = true;
            return KernelAction::Continue;
        }
        let best = self.pick();
        if best == self.current {
            return if best.is_some() { KernelAction::Continue } else { KernelAction::Idle };
        }
        if let Some(cur) = self.current {
            let context = cpu.save_context();
            if let Some(t) = self.thread_mut(cur) {
                t.context = Some(context);
                if t.state == State::Run {
                    t.state = State::Ready;
                }
            }
        }
        match best {
            Some(id) => {
                let t = self.thread_mut(id).expect("picked thread exists");
                t.state = State::Run;
                let context = t.context.take().expect("a ready thread has a saved context");
                let pending = t.pending_v0.take();
                cpu.restore_context(&context);
                if let Some(v) = pending {
                    cpu.set_gpr(reg::V0, v as u64);
                }
                self.current = Some(id);
                KernelAction::Continue
            }
            None => {
                self.current = None;
                KernelAction::Idle
            }
        }
    }

    pub(super) fn make_ready(&mut self, id: u32) {
        if let Some(t) = self.thread_mut(id) {
            t.state = State::Ready;
        }
        self.ready.retain(|&x| x != id);
        self.ready.push(id);
    }

    /// Blocks the running thread; `$v0` of its call will be `result` when it resumes.
    pub(super) fn block_current<C: GuestCpu<Context = Ctx>>(
        &mut self,
        kind: WaitKind,
        result: i64,
        cpu: &mut C,
    ) -> KernelAction {
        let cur = self.current.expect("blocking calls come from a thread");
        let t = self.thread_mut(cur).expect("current thread exists");
        t.state = State::Wait(kind);
        t.pending_v0 = Some(result);
        self.ready.retain(|&x| x != cur);
        let context = cpu.save_context();
        self.thread_mut(cur).expect("current thread exists").context = Some(context);
        self.current = None;
        self.reschedule(cpu)
    }

    /// Ends a wait; the thread's blocked call returns `result`.
    pub(super) fn release(&mut self, id: u32, result: i64) {
        if let Some(t) = self.thread_mut(id) {
            t.pending_v0 = Some(result);
        }
        self.make_ready(id);
    }

    /// `SetupThread(gp, stack, stack_size, args, root)`: records the main thread's stack,
    /// writes `argc`/`argv` into `*args`, returns the initial `$sp`. A stack of -1 means "at the
    /// top of RAM minus 4 KiB" (ps2-ee.md §2.4, from Play!'s HLE).
    pub(super) fn setup_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let pc = cpu.pc().wrapping_sub(4);
        let gp = cpu.gpr(reg::A0) as u32;
        let stack = cpu.gpr(reg::A1) as u32;
        let stack_size = cpu.gpr(reg::A2) as u32;
        let args = cpu.gpr(reg::A3) as u32;
        let top = if stack == u32::MAX {
            RAM_SIZE as u32 - 4096
        } else {
            stack.wrapping_add(stack_size)
        };
        self.stack_base = top.wrapping_sub(stack_size);
        if args != 0 {
            self.write_args(args, pc, cpu, hw)?;
        }
        let cur = self.current.unwrap_or(MAIN_THREAD);
        if let Some(t) = self.thread_mut(cur) {
            t.gp = gp;
            t.stack = top.wrapping_sub(stack_size);
            t.stack_size = stack_size;
        }
        cpu.set_gpr(reg::V0, (top - STACK_RESERVE) as i32 as i64 as u64);
        Ok(KernelAction::Continue)
    }

    /// Writes `struct sargs { argc; argv[16]; payload[256] }` at `addr`.
    fn write_args<C: GuestCpu<Context = Ctx>>(
        &self,
        addr: u32,
        pc: u32,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<(), KernelError> {
        let bad = KernelError::BadPointer { syscall: "SetupThread", addr, pc };
        if self.program_args.len() > 16 {
            return Err(KernelError::ArgumentsTooLong);
        }
        let mut payload = Vec::new();
        let mut pointers = Vec::new();
        for arg in &self.program_args {
            pointers.push(addr + 0x44 + payload.len() as u32);
            payload.extend_from_slice(arg.as_bytes());
            payload.push(0);
        }
        if payload.len() > 256 {
            return Err(KernelError::ArgumentsTooLong);
        }
        guest::write_u32(cpu, &mut hw.mem, addr, pointers.len() as u32).ok_or(bad.clone())?;
        for i in 0..16 {
            let p = pointers.get(i).copied().unwrap_or(0);
            guest::write_u32(cpu, &mut hw.mem, addr + 4 + 4 * i as u32, p).ok_or(bad.clone())?;
        }
        cpu.write_memory(&mut hw.mem, addr + 0x44, &payload).ok_or(bad)?;
        Ok(())
    }

    /// `CreateThread(ee_thread_t *)` → thread id, or -1 (bad priority, no free id).
    pub(super) fn create_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        param: u32,
        pc: u32,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let read = |off: u32| {
            guest::read_u32(&*cpu, &hw.mem, param.wrapping_add(off)).ok_or(KernelError::BadPointer {
                syscall: "CreateThread",
                addr: param,
                pc,
            })
        };
        let (func, stack, stack_size, gp) = (read(4)?, read(8)?, read(0xC)?, read(0x10)?);
        let priority = read(0x14)? as i32;
        let (attr, option) = (read(0x1C)?, read(0x20)?);
        let free = (2..MAX_THREADS).find(|&i| self.threads[i].is_none());
        let result = match free {
            Some(id) if (0..MAX_PRIORITY).contains(&priority) && stack_size > 0 => {
                self.threads[id] = Some(Thread {
                    state: State::Dormant,
                    suspended: false,
                    func,
                    stack,
                    stack_size,
                    gp,
                    initial_priority: priority,
                    priority,
                    attr,
                    option,
                    wakeups: 0,
                    context: None,
                    pending_v0: None,
                });
                id as i64
            }
            _ => -1,
        };
        ret(cpu, result)
    }

    /// `DeleteThread(tid)`: only a dormant thread other than the caller.
    pub(super) fn delete_thread(&mut self, id: u32) -> i64 {
        match self.thread(id) {
            Some(t) if t.state == State::Dormant && Some(id) != self.current => {
                self.threads[id as usize] = None;
                id as i64
            }
            _ => -1,
        }
    }

    /// `StartThread(tid, arg)`: builds the thread's first register file and makes it ready.
    pub(super) fn start_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        arg: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let Some(t) = self.thread(id).filter(|t| t.state == State::Dormant) else {
            return ret(cpu, -1);
        };
        let (func, top, gp) = (t.func, t.stack.wrapping_add(t.stack_size), t.gp);
        cpu.set_gpr(reg::V0, id as u64);
        let caller = cpu.save_context();
        cpu.clear_context();
        cpu.set_pc(func);
        cpu.set_gpr(reg::SP, (top.wrapping_sub(STACK_RESERVE) & !0xF) as i32 as i64 as u64);
        cpu.set_gpr(reg::GP, gp as i32 as i64 as u64);
        cpu.set_gpr(reg::A0, arg as i32 as i64 as u64);
        cpu.set_gpr(reg::RA, THREAD_EXIT_ADDR as i32 as i64 as u64);
        let fresh = cpu.save_context();
        cpu.restore_context(&caller);
        let t = self.thread_mut(id).expect("checked above");
        t.context = Some(fresh);
        t.priority = t.initial_priority;
        t.wakeups = 0;
        self.make_ready(id);
        Ok(self.reschedule(cpu))
    }

    /// `ExitThread()` / `ExitDeleteThread()`, also reached when a thread function returns.
    pub(super) fn exit_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        cpu: &mut C,
        delete: bool,
        pc: u32,
    ) -> Result<KernelAction, KernelError> {
        if self.frame.is_some() {
            return Err(KernelError::BlockingInHandler { syscall: "ExitThread", pc });
        }
        let Some(cur) = self.current else { return Ok(KernelAction::Idle) };
        self.ready.retain(|&x| x != cur);
        if delete {
            self.threads[cur as usize] = None;
        } else if let Some(t) = self.thread_mut(cur) {
            t.state = State::Dormant;
            t.context = None;
        }
        self.current = None;
        Ok(self.reschedule(cpu))
    }

    /// Removes a thread from whatever semaphore queue it waits in.
    fn unlink_waiter(&mut self, id: u32) {
        if let Some(State::Wait(WaitKind::Sema(sid))) = self.thread(id).map(|t| t.state)
            && let Some(Some(s)) = self.semaphores.get_mut(sid as usize)
        {
            s.waiters.retain(|&w| w != id);
        }
    }

    /// `TerminateThread(tid)`: stops another thread (it becomes dormant).
    pub(super) fn terminate_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let ok = self.thread(id).is_some_and(|t| t.state != State::Dormant)
            && Some(id) != self.current;
        if !ok {
            return ret(cpu, -1);
        }
        self.unlink_waiter(id);
        self.ready.retain(|&x| x != id);
        let t = self.thread_mut(id).expect("checked");
        t.state = State::Dormant;
        t.suspended = false;
        t.context = None;
        ret(cpu, id as i64)
    }

    /// `ChangeThreadPriority(tid, prio)` → the old priority.
    pub(super) fn change_priority<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        priority: i32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let id = self.resolve(id);
        let valid = (0..MAX_PRIORITY).contains(&priority);
        let Some(t) = self.thread_mut(id).filter(|t| valid && t.state != State::Dormant) else {
            return ret(cpu, -1);
        };
        let old = t.priority;
        t.priority = priority;
        if self.ready.contains(&id) {
            self.ready.retain(|&x| x != id);
            self.ready.push(id);
        }
        cpu.set_gpr(reg::V0, old as i64 as u64);
        Ok(self.reschedule(cpu))
    }

    /// `RotateThreadReadyQueue(prio)`: the first ready thread of that priority goes to the back.
    pub(super) fn rotate_ready_queue<C: GuestCpu<Context = Ctx>>(
        &mut self,
        priority: i32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let first = self.ready.iter().copied().find(|&id| {
            self.thread(id).is_some_and(|t| t.priority == priority && !t.suspended)
        });
        if let Some(id) = first {
            self.ready.retain(|&x| x != id);
            self.ready.push(id);
        }
        cpu.set_gpr(reg::V0, priority as i64 as u64);
        Ok(self.reschedule(cpu))
    }

    /// `ReleaseWaitThread(tid)`: ends a wait; the waiting call returns -1.
    pub(super) fn release_wait<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        if !matches!(self.thread(id).map(|t| t.state), Some(State::Wait(_))) {
            return ret(cpu, -1);
        }
        self.unlink_waiter(id);
        self.release(id, -1);
        cpu.set_gpr(reg::V0, id as u64);
        Ok(self.reschedule(cpu))
    }

    /// `ReferThreadStatus(tid, ee_thread_status_t *)` → the status code.
    pub(super) fn refer_thread_status<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        out: u32,
        pc: u32,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let id = self.resolve(id);
        let Some(t) = self.thread(id) else {
            return ret(cpu, -1);
        };
        let status = t.status_code();
        if out != 0 {
            let (wait_type, wait_id) = match t.state {
                State::Wait(WaitKind::Sleep) => (1, 0),
                State::Wait(WaitKind::Sema(s)) => (2, s as u32),
                _ => (0, 0),
            };
            let fields = [
                status,
                t.func,
                t.stack,
                t.stack_size,
                t.gp,
                t.initial_priority as u32,
                t.priority as u32,
                t.attr,
                t.option,
                wait_type,
                wait_id,
                t.wakeups,
            ];
            for (i, v) in fields.iter().enumerate() {
                guest::write_u32(cpu, &mut hw.mem, out.wrapping_add(4 * i as u32), *v).ok_or(
                    KernelError::BadPointer { syscall: "ReferThreadStatus", addr: out, pc },
                )?;
            }
        }
        ret(cpu, status as i64)
    }

    /// `SleepThread()`: consumes a pending wakeup or waits for one.
    pub(super) fn sleep_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        pc: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        if self.frame.is_some() {
            return Err(KernelError::BlockingInHandler { syscall: "SleepThread", pc });
        }
        let cur = self.current.expect("a thread is running");
        let t = self.thread_mut(cur).expect("current thread exists");
        if t.wakeups > 0 {
            t.wakeups -= 1;
            return ret(cpu, cur as i64);
        }
        Ok(self.block_current(WaitKind::Sleep, cur as i64, cpu))
    }

    /// `WakeupThread(tid)` / `iWakeupThread`: wakes a sleeping thread or counts a wakeup.
    pub(super) fn wakeup_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let Some(t) = self.thread_mut(id).filter(|t| t.state != State::Dormant) else {
            return ret(cpu, -1);
        };
        cpu.set_gpr(reg::V0, id as u64);
        if t.state == State::Wait(WaitKind::Sleep) {
            self.make_ready(id);
            Ok(self.reschedule(cpu))
        } else {
            t.wakeups += 1;
            Ok(KernelAction::Continue)
        }
    }

    /// `CancelWakeupThread(tid)` → the number of wakeups dropped.
    pub(super) fn cancel_wakeup<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let id = self.resolve(id);
        let result = match self.thread_mut(id) {
            Some(t) => std::mem::take(&mut t.wakeups) as i64,
            None => -1,
        };
        ret(cpu, result)
    }

    /// `SuspendThread(tid)`: another thread stops being scheduled until resumed.
    pub(super) fn suspend_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let is_self = Some(id) == self.current || id == 0;
        let Some(t) = self.thread_mut(id).filter(|t| t.state != State::Dormant && !is_self)
        else {
            return ret(cpu, -1);
        };
        t.suspended = true;
        ret(cpu, id as i64)
    }

    /// `ResumeThread(tid)`.
    pub(super) fn resume_thread<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let Some(t) = self.thread_mut(id).filter(|t| t.suspended) else {
            return ret(cpu, -1);
        };
        t.suspended = false;
        cpu.set_gpr(reg::V0, id as u64);
        Ok(self.reschedule(cpu))
    }

    /// One line per thread that is not dormant, for deadlock reports.
    pub(super) fn describe_threads(&self) -> String {
        let mut parts = Vec::new();
        for (id, t) in self.threads.iter().enumerate() {
            if let Some(t) = t.as_ref().filter(|t| t.state != State::Dormant) {
                let what = match t.state {
                    State::Wait(WaitKind::Sleep) => "sleeping".to_string(),
                    State::Wait(WaitKind::Sema(s)) => format!("waiting on semaphore {s}"),
                    State::Ready | State::Run if t.suspended => "suspended".to_string(),
                    _ => "ready".to_string(),
                };
                parts.push(format!("thread {id} {what}"));
            }
        }
        if parts.is_empty() { "every thread has exited".to_string() } else { parts.join(", ") }
    }
}
