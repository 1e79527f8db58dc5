//! Records and the ring buffer: the capture [`Writer`] that appends to the record being built,
//! the entry held on each CPU until its exit joins it, the record header, and the writes to the
//! ring with their wake-up policy.

use core::ffi::c_void;

use aya_ebpf::{
    bindings::{BPF_RB_AVAIL_DATA, BPF_RB_CONS_POS, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP},
    helpers::generated::{bpf_ktime_get_boot_ns, bpf_probe_read_user, bpf_probe_read_user_str},
};
use aya_ebpf::{macros::perf_event, programs::PerfEventContext};
use tracer_common::{
    BATCH_BUF, BATCH_LIMIT, BATCH_MASK, CAP_FAULT, CAP_NULL, CAP_OK, CAPTURE_LIMIT, CAPTURE_MAX,
    CK_FILE, CK_SOCK, CaptureHeader, FILE_ID_V2, FileId, FileOffsets, RecordHeader, SCRATCH_SIZE,
    STAT_LOST, STAT_LOST_ENTER, SockAddrs,
};

use crate::{
    entry::State,
    maps::{EVENTS, WOKEN, WRITTEN, config, count, count_n, held, lost},
    ops::read_at,
};

/// Each CPU's batch: the records its calls wrote since it last sent them to the ring, sent
/// as one ring record (one reservation, commit and fill check) once it holds more than
/// `Config::batch_bytes` after a call's exit. A call enters and leaves on one CPU unless its
/// task is switched out in between; `sched_switch` sends the batch on before the switch (so a
/// blocked call is seen waiting, and a task's records stay in order wherever it runs next),
/// and so does each process event and kernel function's record, first: they are sent at once,
/// after the calls before them (an exec's, a fork's or a kernel function's after the entry of
/// the call they are in, a fork's before its child's first call). A task that wakes another
/// sends its CPU's batch first (`sched_waking`: a message's sender before its receiver). A
/// quiet CPU's batch is sent by the flush timer ([`flush_timer`]); a traced command's last
/// calls go on as it exits (`sched_process_exit`).
///
/// With `batch_bytes` 0 the batch holds one call at most: its entry, sent with its exit.
#[repr(C)]
pub(crate) struct Held {
    /// Bytes of whole records in the batch; 0 for none.
    pub(crate) len: u64,
    /// The thread whose call's entry is the batch's last record, and that record's bytes (0:
    /// none). Its exit, on this CPU with nothing else resolved in between, reuses the call's
    /// `STATE`; cleared by a task switch and by process events.
    pub(crate) open_tid: u64,
    pub(crate) open_len: u64,
    /// Where the record being written starts ([`append_at`]).
    pub(crate) base: u64,
    /// Records in the batch, and calls' entries among them: what a failed send loses.
    pub(crate) records: u64,
    pub(crate) entries: u64,
    /// Non-zero while a program works on the batch: the flush timer, which interrupts
    /// programs, then leaves it alone.
    pub(crate) busy: u64,
    pub(crate) buf: [u8; BATCH_BUF],
}

/// Send this CPU's batch, if it holds anything, as one ring record, and forget the open entry
/// (its task is being switched out, or a record that is not a call's comes next).
#[inline(always)]
pub(crate) fn flush_held() {
    let Some(h) = held() else {
        return;
    };
    h.open_len = 0;
    flush_batch(h);
}

/// Send the batch as one ring record, counting its records as lost if the ring has no room.
#[inline(always)]
pub(crate) fn flush_batch(h: &mut Held) {
    let len = h.len as usize;
    if len == 0 {
        return;
    }
    let (records, entries) = (h.records, h.entries);
    h.len = 0;
    h.records = 0;
    h.entries = 0;
    let flags = wake_flags(len);
    let len = checked_len(len, BATCH_BUF);
    // SAFETY: `len` is at most BATCH_BUF, the buffer's size.
    let data = unsafe { core::slice::from_raw_parts(h.buf.as_ptr(), len) };
    if EVENTS.output::<[u8]>(data, flags).is_err() {
        count_n(STAT_LOST, records);
        count_n(STAT_LOST_ENTER, entries);
    }
}

/// Where the next record goes in the batch: at its end, after sending the batch first if it is
/// past [`BATCH_LIMIT`]. Left in `Held::base` too, for the ops' global functions (`writer`).
#[inline(always)]
pub(crate) fn append_at(h: &mut Held) -> usize {
    if h.len as usize > BATCH_LIMIT {
        flush_batch(h);
    }
    // Through map memory: one unknown, bounded value for the verifier rather than a path per
    // length (as `State::cur`).
    // SAFETY: fields of the per-CPU value.
    unsafe {
        core::ptr::write_volatile(&raw mut h.base, h.len);
        (core::ptr::read_volatile(&raw const h.base) as usize) & BATCH_MASK
    }
}

/// A record of `len` bytes was written where [`append_at`] said: it joins the batch.
#[inline(always)]
pub(crate) fn appended(h: &mut Held, len: usize, entry: bool) {
    // SAFETY: a field of the per-CPU value.
    let base = unsafe { core::ptr::read_volatile(&raw const h.base) } as usize & BATCH_MASK;
    h.len = (base + len) as u64;
    h.records += 1;
    h.entries += u64::from(entry);
}

/// The flush timer: a `cpu-clock` perf event on each CPU (`capture::FLUSH_EVERY`) sends a
/// batch its CPU has held since, unless a program is working on it (the timer interrupts
/// programs: it comes from an hrtimer; see `Held::busy`). A call's records then wait at most
/// one period in a CPU whose task neither blocks nor exits.
#[perf_event]
pub fn flush_timer(_ctx: PerfEventContext) -> u32 {
    if let Some(h) = held()
        // SAFETY: a field of the per-CPU value.
        && unsafe { core::ptr::read_volatile(&raw const h.busy) } == 0
    {
        flush_batch(h);
    }
    0
}

/// Mark this CPU's batch, its counts and its wake-up state in use, so that the flush timer
/// leaves them alone until [`release`]. Every program that writes records does so between the
/// two. (They do not nest: a program runs inside another on the same CPU only by interrupting
/// it, as the timer does; raw tracepoints, tracepoints and probes of kernel functions that
/// run from process context do not.)
#[inline(always)]
pub(crate) fn claim(h: &mut Held) {
    // SAFETY: a field of the per-CPU value. Volatile: the store is made before the work.
    unsafe { core::ptr::write_volatile(&raw mut h.busy, 1) };
}

#[inline(always)]
pub(crate) fn release(h: &mut Held) {
    // SAFETY: a field of the per-CPU value. Volatile: the store is made after the work.
    unsafe { core::ptr::write_volatile(&raw mut h.busy, 0) };
}

/// Run `f` between [`claim`] and [`release`] (nothing to claim without the map: `f` runs).
#[inline(always)]
pub(crate) fn claimed<T>(f: impl FnOnce() -> T) -> T {
    let Some(h) = held() else {
        return f();
    };
    claim(h);
    let r = f();
    release(h);
    r
}

/// Appends captures to the scratch buffer; its position lives in the per-CPU `State`.
pub(crate) struct Writer {
    pub(crate) buf: *mut u8,
    pub(crate) st: *mut State,
}

impl Writer {
    #[inline(always)]
    pub(crate) fn cur(&self) -> usize {
        // SAFETY: `st` points to the per-CPU State map value.
        unsafe { core::ptr::read_volatile(&raw const (*self.st).cur) as usize }
    }
    #[inline(always)]
    pub(crate) fn set_cur(&mut self, v: usize) {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(&raw mut (*self.st).cur, v as u64) };
    }
    #[inline(always)]
    pub(crate) fn full(&self) -> bool {
        // SAFETY: as above.
        unsafe { core::ptr::read_volatile(&raw const (*self.st).full) != 0 }
    }

    /// Copy `want` bytes (capped at `cap`) from user `addr` as one capture.
    #[inline(always)]
    pub(crate) fn capture(
        &mut self,
        (op, kind, sub): (u8, u8, u8),
        addr: u64,
        want: u64,
        cap: usize,
        is_str: bool,
    ) {
        let cur = self.cur();
        if cur >= CAPTURE_LIMIT {
            // SAFETY: as in `cur`.
            unsafe { core::ptr::write_volatile(&raw mut (*self.st).full, 1) };
            return;
        }
        // `cur` is always a multiple of 8, so the header is aligned.
        let off = cur & (CAPTURE_LIMIT - 8);
        let mut n = (want as usize).min(cap).min(CAPTURE_MAX);
        n &= CAPTURE_MAX;
        let mut status = CAP_OK;
        // SAFETY: `off < CAPTURE_LIMIT`, so the header and `n <= CAPTURE_MAX` bytes after it end
        // inside the SCRATCH_SIZE buffer.
        let data = unsafe { self.buf.add(off + size_of::<CaptureHeader>()) };
        if addr == 0 {
            status = CAP_NULL;
            n = 0;
        } else if n > 0 {
            let rc = if is_str {
                // SAFETY: writes at most `n` bytes at `data`, in bounds as above; never faults.
                let got = unsafe {
                    bpf_probe_read_user_str(data.cast(), helper_size(n), addr as *const c_void)
                };
                if got > 0 {
                    // The copied length includes the NUL.
                    n = (got as usize).min(n);
                    0
                } else {
                    -1
                }
            } else {
                // SAFETY: as above.
                unsafe { bpf_probe_read_user(data.cast(), helper_size(n), addr as *const c_void) }
            };
            if rc != 0 {
                status = CAP_FAULT;
                n = 0;
            }
        }
        // SAFETY: `off` is 8-aligned and the header fits inside the buffer.
        let h = unsafe { &mut *self.buf.add(off).cast::<CaptureHeader>() };
        h.op = op;
        h.kind = kind;
        h.status = status;
        h.sub = sub;
        h.len = n as u16;
        // SAFETY: as in `cur`.
        unsafe {
            h.late = core::ptr::read_volatile(&raw const (*self.st).late) as u16;
            if status == CAP_FAULT {
                core::ptr::write_volatile(&raw mut (*self.st).faulted, 1);
            }
        }
        h.want = want.min(u64::from(u32::MAX)) as u32;
        h._pad2 = 0;
        h.addr = addr;
        self.set_cur(off + size_of::<CaptureHeader>() + ((n + 7) & !7));
    }
}

impl Writer {
    /// One `CK_FILE` capture of the two ids (a second one with `fd == -1` is dropped).
    #[inline(always)]
    pub(crate) fn put_files(&mut self, op: u8, ids: &[FileId; 2]) {
        let cur = self.cur();
        if cur >= CAPTURE_LIMIT {
            // SAFETY: as in `cur`.
            unsafe { core::ptr::write_volatile(&raw mut (*self.st).full, 1) };
            return;
        }
        let off = cur & (CAPTURE_LIMIT - 8);
        let n = if ids[1].fd < 0 { 1 } else { 2 } * size_of::<FileId>();
        // SAFETY: `off < CAPTURE_LIMIT`: the header and 32 bytes after it end inside the
        // SCRATCH_SIZE buffer (CAPTURE_MAX > 32); both are 8-aligned.
        unsafe {
            let data = self
                .buf
                .add(off + size_of::<CaptureHeader>())
                .cast::<FileId>();
            *data = ids[0];
            *data.add(1) = ids[1];
            let h = &mut *self.buf.add(off).cast::<CaptureHeader>();
            h.op = op;
            h.kind = CK_FILE;
            h.status = CAP_OK;
            h.sub = FILE_ID_V2;
            h.len = n as u16;
            h.late = 0;
            h.want = n as u32;
            h._pad2 = 0;
            h.addr = 0;
        }
        self.set_cur(off + size_of::<CaptureHeader>() + n);
    }

    /// One `CK_SOCK` capture: the addresses of socket `sk` (descriptor `fd`, of `family`), as
    /// the call returns. Nothing when the kernel's BTF did not give their offsets.
    #[inline(always)]
    pub(crate) fn put_sock(&mut self, op: u8, o: &FileOffsets, fd: i32, sk: u64, family: u64) {
        if o.sk_num == 0 {
            return;
        }
        let cur = self.cur();
        if cur >= CAPTURE_LIMIT {
            // SAFETY: as in `cur`.
            unsafe { core::ptr::write_volatile(&raw mut (*self.st).full, 1) };
            return;
        }
        let off = cur & (CAPTURE_LIMIT - 8);
        let n = size_of::<SockAddrs>();
        let read = |at: u16| read_at(sk, at).unwrap_or(0);
        // SAFETY: `off < CAPTURE_LIMIT`: the header and the 56 bytes after it end inside the
        // SCRATCH_SIZE buffer (CAPTURE_MAX > 56); both are 8-aligned, and every field below is
        // aligned for its type. Written in place: a `SockAddrs` on the stack would not fit the
        // 512-byte BPF stack next to the rest of `sys_exit`. Every field is read whatever the
        // family, without a branch for the verifier to walk twice: `struct sock_common` is
        // part of every socket, and user space keeps what the family gives meaning to. A read
        // that fails leaves 0.
        unsafe {
            let a = self
                .buf
                .add(off + size_of::<CaptureHeader>())
                .cast::<SockAddrs>();
            (*a).fd = fd;
            (*a).family = family as u16;
            (*a).state = read(o.sk_state) as u8;
            (*a)._pad = 0;
            *(&raw mut (*a).daddr).cast::<u32>() = read(o.sk_daddr) as u32;
            *(&raw mut (*a).saddr).cast::<u32>() = read(o.sk_rcv_saddr) as u32;
            (*a).dport_be = read(o.sk_dport) as u16;
            (*a).num = read(o.sk_num) as u16;
            (*a).portid = read(o.nl_portid) as u32;
            let da = (&raw mut (*a).v6_daddr).cast::<u64>();
            let sa = (&raw mut (*a).v6_saddr).cast::<u64>();
            *da = read(o.sk_v6_daddr);
            *da.add(1) = read(o.sk_v6_daddr + 8);
            *sa = read(o.sk_v6_rcv_saddr);
            *sa.add(1) = read(o.sk_v6_rcv_saddr + 8);
            let h = &mut *self.buf.add(off).cast::<CaptureHeader>();
            h.op = op;
            h.kind = CK_SOCK;
            h.status = CAP_OK;
            h.sub = 0;
            h.len = n as u16;
            h.late = 0;
            h.want = n as u32;
            h._pad2 = 0;
            h.addr = 0;
        }
        self.set_cur(off + size_of::<CaptureHeader>() + n);
    }
}

/// `n` (at most `CAPTURE_MAX`) as a helper's size argument, bounded where the verifier sees it.
///
/// LLVM may spill `n` to the stack before the `min` that bounds it and reload the spilled copy
/// for the call. Verifiers from 6.8 on carry the bound learned on the register over to its
/// spilled copy (they link the two by id); older ones (Debian 12's 6.1, Ubuntu 22.04's 5.15)
/// do not, and reject the program with "R2 unbounded memory access". The volatile round trip
/// makes the mask the last thing done to the value before the call.
#[inline(always)]
pub(crate) fn helper_size(n: usize) -> u32 {
    let mut v = 0usize;
    // SAFETY: a local variable, written then read.
    unsafe {
        core::ptr::write_volatile(&raw mut v, n);
        (core::ptr::read_volatile(&raw const v) & CAPTURE_MAX) as u32
    }
}

/// The flags for a ring buffer write: no wake-up until `Config::wakeup_bytes` wait in the ring.
///
/// A wake-up per record (the ring's default) costs an `irq_work` and a context switch per
/// event (kernel/bpf/ringbuf.c `bpf_ringbuf_commit`, Linux 6.1 and 6.18): measured here, it
/// was most of the in-kernel cost of a traced call. The reader drains the ring on a timer as
/// well, so a record never waits longer than its period.
///
/// While the reader keeps up, the ring's fill is read only after each `Config::wake_check_kib`
/// KiB this CPU wrote: the query is a helper call, a few percent of a traced call's cost when
/// made for every record. Once a look finds the threshold reached, every record looks, until
/// one finds the ring drained below it again. What a record that finds the threshold reached
/// does is the policy (docs/performance.md, "When the reader falls behind"):
/// - backpressure (the default): it wakes the reader. The wake-ups slow the writers to about
///   the reader's pace while it is behind, and nothing is lost unless the ring still fills;
///   with one wake-up per interval only, the bench's 10-second recording of the dense loop
///   and its live view lost events where they had lost none.
/// - bounded (`Config::wake_bounded`, `--no-backpressure`): it wakes the reader only if the
///   reader has consumed at least `wakeup_bytes` since the last forced wake-up (the consumer
///   position then, [`WOKEN`]). A woken reader drains the ring to empty before it sleeps, so
///   by the time it can sleep it has consumed that much and the next record wakes it; a
///   reader already draining is not woken again. The writers run at their own pace, and if
///   the reader still falls behind the ring fills and records are lost and counted.
#[inline(always)]
pub(crate) fn wake_flags(len: usize) -> u64 {
    let Some(cfg) = config() else {
        return 0;
    };
    let threshold = u64::from(cfg.wakeup_bytes);
    if threshold == 0 {
        return 0;
    }
    let (Some(written), Some(behind)) = (WRITTEN.get_ptr_mut(0), WRITTEN.get_ptr_mut(1)) else {
        return 0;
    };
    // SAFETY: per-CPU slots: no other program writes them concurrently on this CPU.
    unsafe {
        if *behind == 0 {
            let n = *written + len as u64;
            if n < u64::from(cfg.wake_check_kib) << 10 {
                *written = n;
                return u64::from(BPF_RB_NO_WAKEUP);
            }
            *written = 0;
        }
        if EVENTS.query(u64::from(BPF_RB_AVAIL_DATA)) < threshold {
            *behind = 0;
            return u64::from(BPF_RB_NO_WAKEUP);
        }
        *behind = 1;
    }
    if cfg.wake_bounded == 0 {
        return u64::from(BPF_RB_FORCE_WAKEUP);
    }
    let Some(woken) = WOKEN.get_ptr_mut(0) else {
        return 0;
    };
    let consumed = EVENTS.query(u64::from(BPF_RB_CONS_POS));
    // SAFETY: an array slot; CPUs race on it benignly (at worst two wake-ups where one was due).
    unsafe {
        if *woken != 0 && consumed.wrapping_sub(*woken) < threshold {
            return u64::from(BPF_RB_NO_WAKEUP);
        }
        // Never 0 once set: 0 means "no wake-up forced yet".
        *woken = consumed | 1;
    }
    u64::from(BPF_RB_FORCE_WAKEUP)
}

/// Copy the first `len` bytes of `buf` (the scratch or the held buffer) to the ring buffer,
/// counting a failure (and, for a call's entry, counting it apart too).
#[inline(always)]
pub(crate) fn emit(buf: *mut u8, len: usize, enter: bool) {
    let flags = wake_flags(len);
    let len = checked_len(len, SCRATCH_SIZE);
    // SAFETY: `buf` is a per-CPU buffer of at least SCRATCH_SIZE bytes and `len` is at most that.
    let data = unsafe { core::slice::from_raw_parts(buf, len) };
    if EVENTS.output::<[u8]>(data, flags).is_err() {
        lost();
        if enter {
            count(STAT_LOST_ENTER);
        }
    }
}

/// `len`, at most `max`, bounded on the very value a helper then takes. The verifier of Linux
/// 6.1 does not carry a bound to a copy spilled to the stack before the check (6.18 does), and
/// LLVM may check one copy and pass the other: read back through a volatile load, the value is
/// opaque to LLVM, which must check that one, right before the call.
#[inline(always)]
fn checked_len(len: usize, max: usize) -> usize {
    // SAFETY: reads a local.
    unsafe { core::ptr::read_volatile(&len) }.min(max)
}

#[inline(always)]
pub(crate) fn header(kind: u16, abi: u8, entry: u8, size: usize, pid_tgid: u64) -> RecordHeader {
    RecordHeader {
        kind,
        abi,
        entry,
        size: size as u32,
        // SAFETY: a helper without arguments.
        ts_ns: unsafe { bpf_ktime_get_boot_ns() },
        pid: (pid_tgid >> 32) as u32,
        tid: pid_tgid as u32,
    }
}
