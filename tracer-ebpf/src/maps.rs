//! The maps, and the small accessors of those that have one: the configuration and the syscall
//! table that user space fills, the processes and command names in scope, the statistics, the
//! per-CPU working state and buffers, and the flags that let the common case skip work.

use aya_ebpf::{
    helpers::generated,
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
/// tgids in scope when `Config::scope == SCOPE_TRACKED`. Read through [`tracked`] and written
/// through [`track`] and [`untrack`], which keep [`TRACK_GEN`] and the per-CPU cache right.
#[map]
static TRACKED: HashMap<u32, u32> = HashMap::with_max_entries(16384, 0);
/// A token that changes with every change the kernel side makes to `TRACKED`, stored after
/// the change: a [`TRACK_CACHE`] entry made under another token is not used. BPF has no
/// atomic add in Rust on this target (no compare-and-swap: `core` offers no `fetch_add`), so
/// each change stores a token never stored before, this CPU's count of changes and its number,
/// rather than incrementing a shared count: of two CPUs changing `TRACKED` at once, the later
/// store wins, and either token is new. (User space fills `TRACKED` before any program is
/// attached, so before any entry is cached.)
#[map]
static TRACK_GEN: Array<u64> = Array::with_max_entries(1, 0);
/// This CPU's count of its changes to `TRACKED`, for [`TRACK_GEN`]'s tokens.
#[map]
static TRACK_CHANGES: PerCpuArray<u64> = PerCpuArray::with_max_entries(1, 0);
/// Each CPU's last `TRACKED` answer: the token ([`TRACK_GEN`]) it was read under, then the
/// tgid (high half) and its value (low half; 0: not tracked). A hash lookup costs about 16 ns
/// of a traced call on this kernel (perf: `lookup_nulls_elem_raw`, `htab_map_hash`), and a CPU
/// mostly sees the same process call after call; the cache costs two array loads.
#[map]
static TRACK_CACHE: PerCpuArray<[u64; 2]> = PerCpuArray::with_max_entries(1, 0);

/// The `TRACKED` value of `tgid` (`TRACK_ON`, `TRACK_AWAIT_EXEC`), 0 when it has none.
///
/// The token is read before the lookup and a writer stores a new one after its change, so an
/// answer cached while a change was under way carries a token from before that store and is
/// not used again.
#[inline(always)]
pub(crate) fn tracked(tgid: u32) -> u32 {
    let (Some(gen_ptr), Some(c)) = (TRACK_GEN.get_ptr(0), TRACK_CACHE.get_ptr_mut(0)) else {
        return 0;
    };
    // SAFETY: map values: an array slot that writers store whole (read here as one aligned
    // load), and this CPU's slot, which no other program uses meanwhile (see `held`).
    unsafe {
        let token = core::ptr::read_volatile(gen_ptr);
        let key = u64::from(tgid) << 32;
        let c = &mut *c;
        if c[0] == token && c[1] & !0xffff_ffff == key {
            return c[1] as u32;
        }
        let v = TRACKED.get(tgid).map_or(0, |v| *v);
        c[0] = token;
        c[1] = key | u64::from(v);
        v
    }
}

#[inline(always)]
fn track_changed() {
    let (Some(g), Some(n)) = (TRACK_GEN.get_ptr_mut(0), TRACK_CHANGES.get_ptr_mut(0)) else {
        return;
    };
    // SAFETY: this CPU's slot (see `held`), and an aligned u64 in map memory stored whole.
    unsafe {
        *n += 1;
        let cpu = u64::from(generated::bpf_get_smp_processor_id()) & 0xffff;
        core::ptr::write_volatile(g, (*n << 16) | cpu);
    }
}

/// `TRACKED[tgid] = v`.
#[inline(always)]
pub(crate) fn track(tgid: u32, v: u32) {
    let _ = TRACKED.insert(tgid, v, 0);
    track_changed();
}

/// Remove `tgid` from `TRACKED`; a new token only if it was there.
#[inline(always)]
pub(crate) fn untrack(tgid: u32) {
    if TRACKED.remove(tgid).is_ok() {
        track_changed();
    }
}

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
    count_n(stat, 1);
}

#[inline(always)]
pub(crate) fn count_n(stat: u32, n: u64) {
    if let Some(p) = STATS_MAP.get_ptr_mut(stat) {
        // SAFETY: a per-CPU slot: no other program writes it concurrently on this CPU (the
        // flush timer, which interrupts programs, counts only while none works on the batch).
        unsafe { *p += n };
    }
}
