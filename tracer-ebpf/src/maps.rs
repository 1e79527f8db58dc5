//! The maps, and the small accessors of those that have one: the configuration and the syscall
//! table that user space fills, the processes and command names in scope, the statistics, the
//! per-CPU working state and buffers, and the flags that let the common case skip work.

use aya_ebpf::{
    macros::map,
    maps::{Array, HashMap, PerCpuArray, RingBuf},
};
use tracer_common::{Config, STAT_LOST, STATS, Scratch, SyscallSpec, TABLE_SLOTS, TABLES};

use crate::{entry::State, ring::Held};

#[map]
pub(crate) static EVENTS: RingBuf = RingBuf::with_byte_size(8 << 20, 0);
#[map]
static CONFIG: Array<Config> = Array::with_max_entries(1, 0);
#[map]
pub(crate) static SPECS: Array<SyscallSpec> = Array::with_max_entries(TABLES * TABLE_SLOTS, 0);
/// tgids in scope when `Config::scope == SCOPE_TRACKED`.
#[map]
pub(crate) static TRACKED: HashMap<u32, u32> = HashMap::with_max_entries(16384, 0);
/// comms in scope when `Config::comm_filter != 0`.
#[map]
pub(crate) static COMMS: HashMap<[u8; 16], u32> = HashMap::with_max_entries(64, 0);
#[map]
static STATS_MAP: PerCpuArray<u64> = PerCpuArray::with_max_entries(STATS, 0);
/// `wake_flags`' state on this CPU: bytes written to the ring since it last asked how full it
/// is, and whether that look found the reader behind.
#[map]
pub(crate) static WRITTEN: PerCpuArray<u64> = PerCpuArray::with_max_entries(2, 0);
/// The ring's consumer position when a writer last forced a wake-up (`ring::wake_flags`):
/// shared by the CPUs, so that the reader is woken at most once per ring's threshold it drains.
#[map]
pub(crate) static WOKEN: Array<u64> = Array::with_max_entries(1, 0);
/// Threads whose last entry-side copy faulted: retried at exit.
#[map]
pub(crate) static FAULTED: HashMap<u32, u32> = HashMap::with_max_entries(16384, 0);
/// Flags that let the common case skip work, each set once and never cleared while tracer runs
/// (plain stores of 1 race with nothing): [`SEEN_INT80_64`] and [`SEEN_FAULT`].
#[map]
static SEEN: Array<u64> = Array::with_max_entries(2, 0);
/// A call entered the 32-bit way from 64-bit code (`int 0x80` with cs 0x33). Until one does,
/// an exit with cs 0x33 is a `syscall`'s, and its instruction is not read from user memory again.
pub(crate) const SEEN_INT80_64: u32 = 0;
/// An entry-side copy faulted (`FAULTED` has had an entry). Until one does, exits skip the lookup.
pub(crate) const SEEN_FAULT: u32 = 1;

#[inline(always)]
pub(crate) fn seen(i: u32) -> bool {
    SEEN.get(i).is_none_or(|v| *v != 0)
}

#[inline(always)]
pub(crate) fn set_seen(i: u32) {
    if let Some(p) = SEEN.get_ptr_mut(i) {
        // SAFETY: `p` points to a u64 map value; every writer stores the same value.
        unsafe { core::ptr::write_volatile(p, 1) };
    }
}

#[map]
static SCRATCH: PerCpuArray<Scratch> = PerCpuArray::with_max_entries(1, 0);

/// Each CPU's [`Held`] entry.
#[map]
static HELD: PerCpuArray<Held> = PerCpuArray::with_max_entries(1, 0);

#[inline(always)]
pub(crate) fn held() -> Option<&'static mut Held> {
    // SAFETY: the per-CPU value, used by one program at a time on this CPU: tracer's programs
    // run with preemption off and none calls anything that reaches another's attachment point
    // (as for SCRATCH and STATE).
    HELD.get_ptr_mut(0).map(|h| unsafe { &mut *h })
}

#[map]
pub(crate) static STATE: PerCpuArray<State> = PerCpuArray::with_max_entries(1, 0);

#[inline(always)]
pub(crate) fn config() -> Option<&'static Config> {
    CONFIG.get(0)
}

#[inline(always)]
pub(crate) fn scratch() -> Option<*mut u8> {
    SCRATCH.get_ptr_mut(0).map(|s| s.cast::<u8>())
}

#[inline(always)]
pub(crate) fn lost() {
    count(STAT_LOST);
}

#[inline(always)]
pub(crate) fn count(stat: u32) {
    if let Some(p) = STATS_MAP.get_ptr_mut(stat) {
        // SAFETY: a per-CPU slot: no other program writes it concurrently on this CPU.
        unsafe { *p += 1 };
    }
}
