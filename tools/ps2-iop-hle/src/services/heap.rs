//! The IOP heap server (FILEIO's sid 0x80000003): `SifAllocIopHeap` / `SifFreeIopHeap`.

use super::{Reply, Service, ServiceContext, word};
use crate::IOP_RAM_SIZE;

pub struct Heap;

impl Service for Heap {
    fn sids(&self) -> &[u32] {
        &[0x8000_0003]
    }

    fn call(&mut self, fno: u32, send: &[u8], _recv_size: usize, context: &mut ServiceContext<'_>) -> Reply {
        match fno {
            // Allocate: a bump allocator is enough for the few blocks programs take (module images).
            1 => {
                let size = word(send, 0).next_multiple_of(64);
                let start = *context.heap_top;
                if start as usize + size as usize > IOP_RAM_SIZE {
                    return Reply::words(&[0]);
                }
                *context.heap_top += size;
                Reply::words(&[start])
            }
            // Free: accepted; the space is not reused.
            2 => Reply::words(&[0]),
            _ => Reply::words(&[0]),
        }
    }
}
