//! Process events: forks (`task:task_newtask`), execs with the file name and the arguments
//! (`sched:sched_process_exec`) and task exits (`sched:sched_process_exit`), which also keep
//! the set of tracked processes.

use core::{ffi::c_void, ptr};

use aya_ebpf::{
    EbpfContext,
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid,
        generated::{self, bpf_probe_read_kernel, bpf_probe_read_user},
    },
    macros::tracepoint,
    programs::TracePointContext,
};
use tracer_common::{
    ARGC_KNOWN, CAP_FAULT, CAP_NULL, CAP_OK, CK_ARGV, CK_STR, CLONE_THREAD, CaptureHeader,
    ENVC_KNOWN, EXEC_ARGV_MAX, EXEC_FILENAME_MAX, EXIT_CODE_KNOWN, ExecArgv, ExecRecord,
    FileOffsets, ForkRecord, MAX_ENVC, OP_INDEX_EXEC, REC_EXEC, REC_FORK, REC_TASK_EXIT,
    RecordHeader, SCOPE_TRACKED, TRACK_AWAIT_EXEC, TRACK_ON, TaskExitRecord,
};

use crate::{
    entry::in_scope,
    maps::{EVENTS, FAULTED, config, lost, scratch, track, tracked, untrack},
    ops::read_user_word,
    ring::{claimed, emit, flush_held, header, helper_size, wake_flags},
};

#[repr(C)]
struct ForkEvent {
    h: RecordHeader,
    b: ForkRecord,
}

#[repr(C)]
struct TaskExitEvent {
    h: RecordHeader,
    b: TaskExitRecord,
}

/// task:task_newtask runs in the parent from `copy_process` (kernel/fork.c) before the child can
/// run, so a new process is in scope before its first instruction.
#[tracepoint(category = "task", name = "task_newtask")]
pub fn task_newtask(ctx: TracePointContext) -> i32 {
    claimed(|| on_newtask(&ctx));
    0
}

#[inline(always)]
fn on_newtask(ctx: &TracePointContext) -> Option<()> {
    let cfg = config()?;
    let pid_tgid = bpf_get_current_pid_tgid();
    let tgid = (pid_tgid >> 32) as u32;
    // SAFETY: offsets come from the tracepoint's format file; reads are bounds-checked.
    let child: i32 = unsafe { ctx.read_at(cfg.newtask_pid_off as usize) }.ok()?;
    // SAFETY: as above.
    let flags: u64 = unsafe { ctx.read_at(cfg.newtask_flags_off as usize) }.ok()?;
    if cfg.spawn_tid != 0 && pid_tgid as u32 == cfg.spawn_tid && flags & CLONE_THREAD == 0 {
        track(child as u32, TRACK_AWAIT_EXEC);
        return None;
    }
    if !in_scope(cfg, tgid) {
        return None;
    }
    if cfg.scope == SCOPE_TRACKED && flags & CLONE_THREAD == 0 {
        track(child as u32, TRACK_ON);
    }
    let rec = ForkEvent {
        h: header(REC_FORK, 0, 0, size_of::<ForkEvent>(), pid_tgid),
        b: ForkRecord {
            child_tid: child as u32,
            _pad: 0,
            clone_flags: flags,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        },
    };
    flush_held();
    if EVENTS
        .output::<ForkEvent>(rec, wake_flags(size_of::<ForkEvent>()))
        .is_err()
    {
        lost();
    }
    Some(())
}

#[tracepoint(category = "sched", name = "sched_process_exec")]
pub fn sched_process_exec(ctx: TracePointContext) -> i32 {
    claimed(|| on_exec(&ctx));
    0
}

#[inline(always)]
fn on_exec(ctx: &TracePointContext) -> Option<()> {
    let cfg = config()?;
    let pid_tgid = bpf_get_current_pid_tgid();
    let tgid = (pid_tgid >> 32) as u32;
    if tracked(tgid) == TRACK_AWAIT_EXEC {
        // The spawned command starts: trace it from here on.
        track(tgid, TRACK_ON);
    }
    if !in_scope(cfg, tgid) {
        return None;
    }
    // `__data_loc char[] filename`: low 16 bits offset, high 16 bits length.
    // SAFETY: offset from the format file; bounds-checked read.
    let loc: u32 = unsafe { ctx.read_at(cfg.exec_filename_off as usize) }.ok()?;
    let buf = scratch()?;
    let body_off = size_of::<RecordHeader>();
    let cur = body_off + size_of::<ExecRecord>();
    let name = ctx.as_ptr() as u64 + u64::from(loc & 0xffff);
    let mut n = ((loc >> 16) as usize).min(EXEC_FILENAME_MAX);
    n &= 0x1ff;
    // SAFETY: writes at most 511 bytes after the record header, inside the scratch buffer.
    let data = unsafe { buf.add(cur + size_of::<CaptureHeader>()) };
    // SAFETY: reads the tracepoint record (kernel memory); never faults.
    let rc = unsafe { bpf_probe_read_kernel(data.cast(), n as u32, name as *const c_void) };
    let cap = CaptureHeader {
        kind: CK_STR,
        status: if rc == 0 { CAP_OK } else { CAP_FAULT },
        len: if rc == 0 { n as u16 } else { 0 },
        ..CaptureHeader::default()
    };
    let end = cur + size_of::<CaptureHeader>() + ((cap.len as usize + 7) & !7);
    let end = capture_argv(&cfg.files, buf, end);
    let hdr = header(REC_EXEC, 0, 0, end, pid_tgid);
    let body = ExecRecord {
        comm: bpf_get_current_comm().unwrap_or([0; 16]),
    };
    // SAFETY: inside the scratch buffer.
    unsafe {
        ptr::write_unaligned(buf.cast::<RecordHeader>(), hdr);
        ptr::write_unaligned(buf.add(body_off).cast::<ExecRecord>(), body);
        ptr::write_unaligned(buf.add(cur).cast::<CaptureHeader>(), cap);
    }
    flush_held();
    emit(buf, end, false);
    Some(())
}

/// The new program's arguments as a `CK_ARGV` capture at `at` (8-aligned, after the file
/// name): `current->mm->arg_start .. arg_end`, which `create_elf_tables` (fs/binfmt_elf.c)
/// set before `trace_sched_process_exec`, and `argc` from the top of the new stack
/// (`mm->start_stack`). The strings are pages the kernel itself wrote during the exec, so the
/// non-faulting read finds them. Returns the record's new end (`at` when the kernel's BTF gave
/// no offsets: nothing is captured).
///
/// The record's length is computed without a branch: the verifier walks the rest of the
/// program once per distinct length it could have (a failed read, a length over the bound),
/// and with branches here this program's verified instructions went from 2,345 to 8,229
/// (6,145 without; 719 instructions after loading, 559 before; Linux 6.18). A failed read leaves zeros (the helpers clear what they could
/// not read) and marks the capture `CAP_FAULT`; no mm, `CAP_NULL`.
#[inline(always)]
fn capture_argv(off: &FileOffsets, buf: *mut u8, at: usize) -> usize {
    if off.task_mm == 0 {
        return at;
    }
    let read = |base: u64, at: u16| -> u64 {
        let mut v = 0u64;
        // SAFETY: writes 8 bytes into `v`; any address: the helper never faults, and clears
        // `v` when it cannot read.
        unsafe {
            bpf_probe_read_kernel(
                ptr::from_mut(&mut v).cast(),
                8,
                (base + u64::from(at)) as *const c_void,
            )
        };
        v
    };
    // SAFETY: returns the current task's address, read only through the helper above.
    let task = unsafe { generated::bpf_get_current_task() };
    let mm = read(task, off.task_mm);
    let start = read(mm, off.mm_arg_start);
    let end = read(mm, off.mm_arg_end);
    let stack = read(mm, off.mm_start_stack);
    // The file name's capture ends below 1 KiB: the mask says so to the verifier.
    let at = at & 0x3f8;
    let want = end.wrapping_sub(start) & 0xffff_ffff;
    // min(want, EXEC_ARGV_MAX), branch-free: `over` is 1 when want > the bound.
    let over = (EXEC_ARGV_MAX as u64).wrapping_sub(want) >> 63;
    let n = (want - over * (want - EXEC_ARGV_MAX as u64)) as usize & 0x3ff;
    // SAFETY: `at < 1 KiB`; the header, the 8-byte `ExecArgv` and at most 1023 bytes after it
    // end inside the SCRATCH_SIZE buffer.
    let data = unsafe { buf.add(at + size_of::<CaptureHeader>()) };
    let mut argc = 0u32;
    // SAFETY: writes 4 bytes into `argc`; never faults.
    let argc_rc =
        unsafe { bpf_probe_read_user(ptr::from_mut(&mut argc).cast(), 4, stack as *const c_void) };
    // SAFETY: writes at most 1023 bytes after the `ExecArgv`, in bounds as above.
    let rc = unsafe {
        bpf_probe_read_user(
            data.add(size_of::<ExecArgv>()).cast(),
            helper_size(n),
            start as *const c_void,
        )
    };
    let len = size_of::<ExecArgv>() + n;
    // The environment's size, as strace shows it (`/* 35 vars */`): the pointers after argv's
    // NULL up to the next NULL (fs/binfmt_elf.c `create_elf_tables`: argc, argv[], NULL,
    // envp[], NULL, auxv). A 32-bit program's words are 4 bytes: its argv[0], the string at
    // `arg_start`, is then not the 8-byte word after argc.
    // Each count the loop can stop at is verified with the rest of the program after it:
    // `MAX_ENVC` bounds that cost (about 240 instructions a step).
    let mut envc = 0u32;
    let mut envc_known = false;
    if argc_rc == 0 {
        let w: u64 = if read_user_word(stack + 8, 8) == Some(start) {
            8
        } else {
            4
        };
        let envp = stack + w * (u64::from(argc) + 2);
        for i in 0..u64::from(MAX_ENVC) {
            match read_user_word(envp + i * w, w as u32) {
                Some(0) => {
                    envc_known = true;
                    break;
                }
                Some(_) => envc += 1,
                None => break,
            }
        }
    }
    let cap = CaptureHeader {
        op: OP_INDEX_EXEC,
        kind: CK_ARGV,
        status: if start == 0 {
            CAP_NULL
        } else if rc == 0 {
            CAP_OK
        } else {
            CAP_FAULT
        },
        len: len as u16,
        want: want as u32,
        addr: start,
        ..CaptureHeader::default()
    };
    let head = ExecArgv {
        argc,
        flags: if argc_rc == 0 { ARGC_KNOWN } else { 0 }
            | if envc_known {
                ENVC_KNOWN | (envc << 16)
            } else {
                0
            },
    };
    // SAFETY: inside the scratch buffer, as above.
    unsafe {
        ptr::write_unaligned(buf.add(at).cast::<CaptureHeader>(), cap);
        ptr::write_unaligned(data.cast::<ExecArgv>(), head);
    }
    at + size_of::<CaptureHeader>() + ((len + 7) & !7)
}

#[tracepoint(category = "sched", name = "sched_process_exit")]
pub fn sched_process_exit(_ctx: TracePointContext) -> i32 {
    claimed(on_task_exit);
    0
}

#[inline(always)]
fn on_task_exit() -> Option<()> {
    let cfg = config()?;
    let pid_tgid = bpf_get_current_pid_tgid();
    let tgid = (pid_tgid >> 32) as u32;
    if !in_scope(cfg, tgid) {
        return None;
    }
    let tid = pid_tgid as u32;
    let _ = FAULTED.remove(tid);
    if cfg.scope == SCOPE_TRACKED && tid == tgid {
        // The process is gone; its pid may be reused by an unrelated process.
        untrack(tgid);
    }
    let (exit_code, flags) = exit_code(&cfg.files).map_or((0, 0), |c| (c, EXIT_CODE_KNOWN));
    let rec = TaskExitEvent {
        h: header(REC_TASK_EXIT, 0, 0, size_of::<TaskExitEvent>(), pid_tgid),
        b: TaskExitRecord {
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
            exit_code,
            flags,
        },
    };
    flush_held();
    if EVENTS
        .output::<TaskExitEvent>(rec, wake_flags(size_of::<TaskExitEvent>()))
        .is_err()
    {
        lost();
    }
    Some(())
}

/// `current->exit_code`, which `do_exit` sets before `trace_sched_process_exit` (kernel/exit.c,
/// Linux 6.1 and 6.18): how the task ended, as a wait status.
#[inline(always)]
fn exit_code(off: &FileOffsets) -> Option<i32> {
    if off.task_exit_code == 0 {
        return None;
    }
    // SAFETY: returns the current task's address, read only through the helper below.
    let task = unsafe { generated::bpf_get_current_task() };
    let mut v = 0i32;
    // SAFETY: writes 4 bytes into `v`; the helper never faults, whatever the address.
    let rc = unsafe {
        bpf_probe_read_kernel(
            ptr::from_mut(&mut v).cast(),
            4,
            (task + u64::from(off.task_exit_code)) as *const c_void,
        )
    };
    (rc == 0).then_some(v)
}
