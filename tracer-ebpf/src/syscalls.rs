//! The raw tracepoint programs: `sys_enter` and `sys_exit`, which write a call's records
//! ([`on_syscall`]), and `sched_switch`, which sends on an entry held for a task that is
//! switched out.

use core::ptr;

use aya_ebpf::{
    helpers::{bpf_get_current_pid_tgid, generated},
    macros::raw_tracepoint,
    programs::RawTracePointContext,
};
use tracer_common::{
    BATCH_MASK, Config, REC_ENTER, REC_EXIT, RecordHeader, SYS_F_CAPTURE_FULL, SyscallEnter,
    SyscallExit, WHEN_ENTER, WHEN_EXIT,
};

use crate::{
    entry::{State, resolve, set6},
    maps::{COMMS, FAULTED, SEEN_FAULT, SPECS, STATE, config, held, seen, set_seen},
    ops::{capture_received, capture_sock, run_ops},
    ring::{Writer, append_at, appended, claim, claimed, flush_batch, flush_held, header, release},
};

/// The current thread's `comm` into `dst`, NUL-padded: the padding matters, because the `COMMS`
/// filter is keyed by all 16 bytes and the record is written to files. The helper
/// (kernel/bpf/helpers.c `bpf_get_current_comm`) pads in some kernels (`strscpy_pad`) and not in
/// others (`strscpy`), so the bytes are zeroed first, as two 8-byte stores: aya's wrapper zeroes
/// a stack copy with compiler_builtins' byte-loop `memset`, then the copy is copied again.
#[inline(always)]
fn current_comm(dst: &mut [u8; 16]) {
    let p = dst.as_mut_ptr().cast::<u64>();
    // SAFETY: `dst` is 16 bytes, 8-byte aligned where it is used (the scratch record and a
    // `[u64; 2]`); the helper writes at most 16 bytes into it.
    unsafe {
        core::ptr::write_volatile(p, 0);
        core::ptr::write_volatile(p.add(1), 0);
        generated::bpf_get_current_comm(dst.as_mut_ptr().cast(), 16);
    }
}

#[inline(always)]
fn comm_ok(cfg: &Config, comm: &[u8; 16]) -> bool {
    // SAFETY: the value is only tested for presence.
    cfg.comm_filter == 0 || unsafe { COMMS.get(comm) }.is_some()
}

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn sys_enter(ctx: RawTracePointContext) -> i32 {
    on_syscall(&ctx, WHEN_ENTER);
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn sys_exit(ctx: RawTracePointContext) -> i32 {
    on_syscall(&ctx, WHEN_EXIT);
    0
}

/// A task leaves the CPU (kernel/sched/core.c `__schedule`, Linux 6.1 and 6.18: the tracepoint
/// fires before the switch, the leaving task still current): the CPU's batch goes on now, so
/// that a blocked call is seen waiting, and the task's next records, on whichever CPU, come
/// after it.
#[raw_tracepoint(tracepoint = "sched_switch")]
pub fn sched_switch(_ctx: RawTracePointContext) -> i32 {
    claimed(flush_held);
    0
}

/// A task wakes another (kernel/sched/core.c `try_to_wake_up`, Linux 6.1 and 6.18: the
/// tracepoint fires on the waker's CPU, before the woken task can run): the CPU's batch goes on
/// now, so that what the waker did before (the `write` that filled a pipe, the `kill`) reaches
/// the ring before anything the woken task does next on another CPU. Without it, the reader of
/// a message could be seen receiving it before its sender's calls arrive (up to the flush
/// timer's period later). Attached only while batching. A wake-up from an interrupt that finds
/// a program working on the batch leaves it alone (`Held::busy`), as the timer does.
#[raw_tracepoint(tracepoint = "sched_waking")]
pub fn sched_waking(_ctx: RawTracePointContext) -> i32 {
    if let Some(h) = held()
        && h.len != 0
        // SAFETY: a field of the per-CPU value.
        && unsafe { core::ptr::read_volatile(&raw const h.busy) } == 0
    {
        claim(h);
        flush_batch(h);
        release(h);
    }
    0
}

/// One side of a syscall: find its spec, copy the user memory of this side, add the record to
/// the CPU's batch. `when` is a constant at each call site, so each program gets its own
/// specialised copy.
#[inline(always)]
fn on_syscall(ctx: &RawTracePointContext, when: u8) -> Option<()> {
    let cfg = config()?;
    let pid_tgid = bpf_get_current_pid_tgid();
    let enter = when == WHEN_ENTER;
    // sys_enter's second argument is the number; sys_exit's is the return value.
    let (nr, ret) = if enter {
        (Some(ctx.arg::<u64>(1)), -1)
    } else {
        (None, ctx.arg::<i64>(1))
    };
    let tid = pid_tgid as u32;
    let h = held()?;
    // The exit of the call whose entry is the batch's last record. Its task has not been
    // switched out since (the switch would have closed it), so no other syscall has been
    // resolved on this CPU in between, and STATE still holds the call as its entry resolved
    // it: nothing to read or look up again. Its exit is recorded whatever its thread's name
    // is now: a call let through at entry is kept whole.
    let joined = !enter && h.open_len != 0 && h.open_tid == u64::from(tid);
    let st = if joined {
        let st = STATE.get_ptr_mut(0)?;
        // SAFETY: the per-CPU value; see `resolve`.
        unsafe { &mut *st }
    } else {
        resolve(cfg, (pid_tgid >> 32) as u32, ctx.arg(0), nr)?
    };
    h.open_len = 0;
    st.pid_tgid = pid_tgid;
    st.ret = ret;
    claim(h);
    let r = write_side(st, when, joined);
    release(held()?);
    r
}

/// The record of one side of a traced call (`STATE`), added to the CPU's batch. What is needed
/// after the ops' calls is read again from map memory rather than kept on the stack (see
/// `State::pid_tgid`).
#[inline(always)]
fn write_side(st: &mut State, when: u8, joined: bool) -> Option<()> {
    let enter = when == WHEN_ENTER;
    let cfg = config()?;
    let h = held()?;
    // At the end of the batch (see `append_at`); the ops' global functions find it there.
    let base = append_at(h);
    // SAFETY: `base <= BATCH_MASK`: this side's record has SCRATCH_SIZE bytes after it.
    let buf = unsafe { h.buf.as_mut_ptr().add(base) };
    let body_off = size_of::<RecordHeader>();
    if enter {
        // The entry record carries the thread's name: the helper writes it straight into the
        // record (no stack copy, no zeroing loop first: it zeroes the rest itself).
        // SAFETY: the scratch buffer holds the header and a SyscallEnter at `body_off`.
        let comm = unsafe { &mut (*buf.add(body_off).cast::<SyscallEnter>()).comm };
        current_comm(comm);
        if !comm_ok(cfg, comm) {
            return None;
        }
    } else if cfg.comm_filter != 0 && !joined {
        // Where the exit's body goes, written over at the end (off the 512-byte stack).
        // SAFETY: the record has SCRATCH_SIZE bytes; its first 16 after the header are 8-aligned.
        let comm = unsafe { &mut *buf.add(body_off).cast::<[u8; 16]>() };
        current_comm(comm);
        if !comm_ok(cfg, comm) {
            return None;
        }
    }
    let body_len = if enter {
        size_of::<SyscallEnter>()
    } else {
        size_of::<SyscallExit>()
    };
    // Word stores that LLVM cannot merge: `faulted` and `late` side by side were one 16-byte
    // `memset` call, a byte loop on BPF (about 70 instructions on every traced call).
    // SAFETY: fields of the per-CPU value.
    unsafe {
        core::ptr::write_volatile(&raw mut st.full, 0);
        core::ptr::write_volatile(&raw mut st.faulted, 0);
    }
    let tid = st.pid_tgid as u32;
    // Entry-side copies that faulted are made again now: the call has faulted the pages in.
    // SAFETY: the value is a plain u32, only tested for presence.
    let retry = !enter && seen(SEEN_FAULT) && unsafe { FAULTED.get(tid) }.is_some();
    if retry {
        let _ = FAULTED.remove(tid);
    }
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile(&raw mut st.late, u64::from(retry)) };
    let mut w = Writer {
        buf,
        st: ptr::from_mut(st),
    };
    w.set_cur(body_off + body_len);
    st.ctl_ptr = 0;
    st.sock_sk = 0;
    run_ops(st.spec_idx, when, retry, st.ret, cfg.snaplen as usize);
    if !enter {
        // Once, after the ops: inside their loop the walk would be verified once per op.
        let mut w = writer_again(st)?;
        capture_received(&mut w);
        capture_sock(&mut w);
    }
    if enter && st.faulted != 0 {
        set_seen(SEEN_FAULT);
        let _ = FAULTED.insert(st.pid_tgid as u32, 1, 0);
    }
    let w = writer_again(st)?;
    let buf = w.buf;
    let row = SPECS.get(st.spec_idx).map_or(0, |s| s.row);
    let flags = st.flags | if w.full() { SYS_F_CAPTURE_FULL } else { 0 };
    // SAFETY: the scratch buffer is 8-byte aligned and starts with the header and the body;
    // they are written field by field to keep them off the BPF stack.
    unsafe {
        if enter {
            let body = &mut *buf.add(body_off).cast::<SyscallEnter>();
            body.nr = st.nr;
            body.row = row;
            body.table = st.table;
            body.flags = flags;
            body.call = st.call;
            body._pad = 0;
            body.ip = st.regs.ip;
            set6(&mut body.args, &st.args);
            set6(&mut body.inner, &st.inner);
        } else {
            let body = &mut *buf.add(body_off).cast::<SyscallExit>();
            body.nr = st.nr;
            body.row = row;
            body.table = st.table;
            body.flags = flags;
            body.ret = st.ret;
        }
        let kind = if enter { REC_ENTER } else { REC_EXIT };
        *buf.cast::<RecordHeader>() = header(kind, st.abi, st.entry, w.cur(), st.pid_tgid);
    }
    let len = w.cur();
    let h = held()?;
    appended(h, len, enter);
    if enter {
        h.open_tid = u64::from(st.pid_tgid as u32);
        h.open_len = len as u64;
    } else if h.len > u64::from(cfg.batch_bytes) {
        flush_batch(h);
    }
    Some(())
}

/// The writer of the record being written, from map memory (`Held::base`, `STATE`).
#[inline(always)]
fn writer_again(st: &mut State) -> Option<Writer> {
    let h = held()?;
    // SAFETY: a field of the per-CPU value, set by `append_at`.
    let base = (unsafe { core::ptr::read_volatile(&raw const h.base) } as usize) & BATCH_MASK;
    Some(Writer {
        // SAFETY: `base <= BATCH_MASK`: in bounds, as in `write_side`.
        buf: unsafe { h.buf.as_mut_ptr().add(base) },
        st: ptr::from_mut(st),
    })
}
