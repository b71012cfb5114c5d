//! Counting semaphores. Waiters are woken in FIFO order (the `attr` priority-order flag is
//! recorded but not used).

use std::collections::VecDeque;

use super::threads::WaitKind;
use super::{ret, GuestCpu, Kernel, KernelAction, KernelError, reg};
use super::guest;
use crate::hardware::Hardware;

/// MAX_SEMAPHORES.
const MAX_SEMAPHORES: usize = 256;

/// One semaphore.
pub(super) struct Semaphore {
    pub count: i32,
    pub max_count: i32,
    pub init_count: i32,
    pub attr: u32,
    pub option: u32,
    pub waiters: VecDeque<u32>,
}

impl<Ctx: Clone> Kernel<Ctx> {
    fn sema_mut(&mut self, id: i32) -> Option<&mut Semaphore> {
        self.semaphores.get_mut(usize::try_from(id).ok()?)?.as_mut()
    }

    /// `CreateSema(ee_sema_t *)` → semaphore id, or -1.
    pub(super) fn create_sema<C: GuestCpu<Context = Ctx>>(
        &mut self,
        param: u32,
        pc: u32,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let read = |off: u32| {
            guest::read_u32(&*cpu, &hw.mem, param.wrapping_add(off)).ok_or(KernelError::BadPointer {
                syscall: "CreateSema",
                addr: param,
                pc,
            })
        };
        let (max_count, init_count) = (read(4)? as i32, read(8)? as i32);
        let (attr, option) = (read(0x10)?, read(0x14)?);
        if self.semaphores.is_empty() {
            // Id 0 is never handed out, so a zeroed id variable is never a valid semaphore.
            self.semaphores.push(None);
        }
        let slot = (1..MAX_SEMAPHORES).find(|&i| self.semaphores.get(i).is_none_or(|s| s.is_none()));
        let valid = max_count > 0 && (0..=max_count).contains(&init_count);
        let result = match slot {
            Some(id) if valid => {
                if id >= self.semaphores.len() {
                    self.semaphores.resize_with(id + 1, || None);
                }
                self.semaphores[id] = Some(Semaphore {
                    count: init_count,
                    max_count,
                    init_count,
                    attr,
                    option,
                    waiters: VecDeque::new(),
                });
                id as i64
            }
            _ => -1,
        };
        ret(cpu, result)
    }

    /// `DeleteSema(sid)`: waiting threads are released with -1.
    pub(super) fn delete_sema<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: i32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let Some(sema) = self.sema_mut(id).map(|s| std::mem::take(&mut s.waiters)) else {
            return ret(cpu, -1);
        };
        self.semaphores[id as usize] = None;
        for waiter in sema {
            self.release(waiter, -1);
        }
        cpu.set_gpr(reg::V0, id as u64);
        Ok(self.reschedule(cpu))
    }

    /// `SignalSema(sid)` / `iSignalSema`: wakes the first waiter, or counts up to the maximum
    /// (-1 when the count is already at its maximum).
    pub(super) fn signal_sema<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: i32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let Some(s) = self.sema_mut(id) else {
            return ret(cpu, -1);
        };
        if let Some(waiter) = s.waiters.pop_front() {
            self.release(waiter, id as i64);
            cpu.set_gpr(reg::V0, id as u64);
            return Ok(self.reschedule(cpu));
        }
        let result = if s.count < s.max_count {
            s.count += 1;
            id as i64
        } else {
            -1
        };
        ret(cpu, result)
    }

    /// `WaitSema(sid)`: takes one count or blocks until signalled; returns the id.
    pub(super) fn wait_sema<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: i32,
        pc: u32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let in_handler = self.frame.is_some();
        let current = self.current;
        let Some(s) = self.sema_mut(id) else {
            return ret(cpu, -1);
        };
        if s.count > 0 {
            s.count -= 1;
            return ret(cpu, id as i64);
        }
        if in_handler {
            return Err(KernelError::BlockingInHandler { syscall: "WaitSema", pc });
        }
        s.waiters.push_back(current.expect("a thread is running"));
        Ok(self.block_current(WaitKind::Sema(id), id as i64, cpu))
    }

    /// `PollSema(sid)`: takes one count if available; -1 otherwise.
    pub(super) fn poll_sema<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: i32,
        cpu: &mut C,
    ) -> Result<KernelAction, KernelError> {
        let result = match self.sema_mut(id) {
            Some(s) if s.count > 0 => {
                s.count -= 1;
                id as i64
            }
            _ => -1,
        };
        ret(cpu, result)
    }

    /// `ReferSemaStatus(sid, ee_sema_t *)`.
    pub(super) fn refer_sema<C: GuestCpu<Context = Ctx>>(
        &mut self,
        id: i32,
        out: u32,
        pc: u32,
        cpu: &mut C,
        hw: &mut Hardware,
    ) -> Result<KernelAction, KernelError> {
        let Some(s) = self.sema_mut(id) else {
            return ret(cpu, -1);
        };
        let fields = [
            s.count as u32,
            s.max_count as u32,
            s.init_count as u32,
            s.waiters.len() as u32,
            s.attr,
            s.option,
        ];
        for (i, v) in fields.iter().enumerate() {
            guest::write_u32(cpu, &mut hw.mem, out.wrapping_add(4 * i as u32), *v).ok_or(
                KernelError::BadPointer { syscall: "ReferSemaStatus", addr: out, pc },
            )?;
        }
        ret(cpu, id as i64)
    }
}
