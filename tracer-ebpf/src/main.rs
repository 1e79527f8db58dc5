//! tracer's kernel side: one pair of programs on the `raw_syscalls` raw tracepoints serves every
//! traced syscall, driven by the `SPECS` table that user space fills.
//!
//! Why raw tracepoints: `sys_enter`/`sys_exit` (include/trace/events/syscalls.h, Linux 6.1 and
//! 6.18) pass `struct pt_regs *regs` and the syscall number or return value. The saved
//! registers tell what the plain tracepoint hides: the user `cs` (0x23 for 32-bit code, 0x33
//! for 64-bit, arch/x86/include/asm/segment.h) and the user `ip`, whose preceding two bytes are
//! the instruction that entered the kernel (`0f 05` syscall, `cd 80` int 0x80, `0f 34` sysenter).
//! A 64-bit process that executes `int 0x80` is dispatched through the ia32 table
//! (`do_int80_syscall_32`, arch/x86/entry/common.c), so the instruction, not `cs`, decides the
//! ABI. They also skip the per-event formatting of the perf tracepoint record.
//!
//! The vDSO fast path for 32-bit code (`__kernel_vsyscall`, arch/x86/entry/vdso/vdso32/system_call.S)
//! executes `sysenter` (Intel) or `syscall` (AMD) followed by `int $0x80`, and
//! `do_fast_syscall_32` moves the saved `ip` to the landing pad after that `int $0x80`: the four
//! bytes before `ip` are then `0f 34 cd 80` or `0f 05 cd 80`.
#![no_std]
#![no_main]

mod hops;

use core::{ffi::c_void, ptr};

use aya_ebpf::{
    EbpfContext,
    bindings::{BPF_RB_AVAIL_DATA, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP},
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid,
        generated::{
            self, bpf_ktime_get_boot_ns, bpf_probe_read_kernel, bpf_probe_read_user,
            bpf_probe_read_user_str,
        },
    },
    macros::{fentry, kprobe, map, raw_tracepoint, tracepoint},
    maps::{Array, HashMap, PerCpuArray, RingBuf},
    programs::{FEntryContext, ProbeContext, RawTracePointContext, TracePointContext},
};
use tracer_common::{
    ABI_IA32, ABI_X86_64, ARGC_KNOWN, CAP_FAULT, CAP_NULL, CAP_OK, CAPTURE_LIMIT, CAPTURE_MAX,
    CK_ARGV, CK_BYTES, CK_FILE, CK_IOV, CK_IOV_DATA, CK_MSG_CONTROL, CK_MSG_NAME, CK_MSGHDR,
    CK_SOCK, CK_STR, CaptureHeader, Config, ENTRY_INT80, ENTRY_SYSCALL, ENTRY_SYSENTER,
    ENTRY_UNKNOWN, ENVC_KNOWN, EXEC_ARGV_MAX, EXEC_FILENAME_MAX, EXIT_CODE_KNOWN, ExecArgv,
    ExecRecord, FILE_ID_V2, FileId, FileOffsets, ForkRecord, LEN_ARG, LEN_ARG_DEREF, LEN_INDEX,
    LEN_RET, MAX_CMSGS, MAX_CONTROL, MAX_ENVC, MAX_IOV, MAX_IOV_DATA, MAX_OPS, MAX_RECV_FDS,
    MAX_SOCKADDR, OP_BYTES, OP_FD_FILE, OP_INDEX_EXEC, OP_MSGHDR, OP_STR, OPF_ADDR_DEREF,
    OPF_FD_ARG, OPF_FD_RET, OPF_IOV_ARRAY, OPF_NO_PAYLOAD, OPF_OK_ONLY, OPF_RET_CAP, OPF_SNAP,
    REC_ENTER, REC_EXEC, REC_EXIT, REC_FORK, REC_TASK_EXIT, RecordHeader, SCOPE_TRACKED,
    SCRATCH_SIZE, SPEC_FILTER_ARG, SPEC_IPC, SPEC_KNOWN, SPEC_SOCKETCALL, SPEC_STACK_ARG0,
    SPEC_TRACED, STAT_LOST, STAT_LOST_ENTER, STATS, SYS_F_ARGS_FAULT, SYS_F_BAD_CALL,
    SYS_F_CAPTURE_FULL, Scratch, SockAddrs, SyscallEnter, SyscallExit, SyscallSpec, TABLE_IA32,
    TABLE_IPC, TABLE_SLOTS, TABLE_SOCKETCALL, TABLE_X86_64, TABLES, TRACK_AWAIT_EXEC, TRACK_ON,
    TaskExitRecord, WHEN_ENTER, WHEN_EXIT, X86_64_EXECVE, X86_64_EXECVEAT,
};

#[map]
pub(crate) static EVENTS: RingBuf = RingBuf::with_byte_size(8 << 20, 0);
#[map]
static CONFIG: Array<Config> = Array::with_max_entries(1, 0);
#[map]
static SPECS: Array<SyscallSpec> = Array::with_max_entries(TABLES * TABLE_SLOTS, 0);
/// tgids in scope when `Config::scope == SCOPE_TRACKED`.
#[map]
static TRACKED: HashMap<u32, u32> = HashMap::with_max_entries(16384, 0);
/// comms in scope when `Config::comm_filter != 0`.
#[map]
static COMMS: HashMap<[u8; 16], u32> = HashMap::with_max_entries(64, 0);
#[map]
static STATS_MAP: PerCpuArray<u64> = PerCpuArray::with_max_entries(STATS, 0);
/// `wake_flags`' state on this CPU: bytes written to the ring since it last asked how full it
/// is, and whether that look found the reader behind.
#[map]
static WRITTEN: PerCpuArray<u64> = PerCpuArray::with_max_entries(2, 0);
/// Threads whose last entry-side copy faulted: retried at exit.
#[map]
static FAULTED: HashMap<u32, u32> = HashMap::with_max_entries(16384, 0);
/// Flags that let the common case skip work, each set once and never cleared while tracer runs
/// (plain stores of 1 race with nothing): [`SEEN_INT80_64`] and [`SEEN_FAULT`].
#[map]
static SEEN: Array<u64> = Array::with_max_entries(2, 0);
/// A call entered the 32-bit way from 64-bit code (`int 0x80` with cs 0x33). Until one does,
/// an exit with cs 0x33 is a `syscall`'s, and its instruction is not read from user memory again.
const SEEN_INT80_64: u32 = 0;
/// An entry-side copy faulted (`FAULTED` has had an entry). Until one does, exits skip the lookup.
const SEEN_FAULT: u32 = 1;

#[inline(always)]
fn seen(i: u32) -> bool {
    SEEN.get(i).is_none_or(|v| *v != 0)
}

#[inline(always)]
fn set_seen(i: u32) {
    if let Some(p) = SEEN.get_ptr_mut(i) {
        // SAFETY: `p` points to a u64 map value; every writer stores the same value.
        unsafe { core::ptr::write_volatile(p, 1) };
    }
}

#[map]
static SCRATCH: PerCpuArray<Scratch> = PerCpuArray::with_max_entries(1, 0);

/// The entry record of the call in progress on this CPU, held back so that the call's exit,
/// written right after it, leaves with it as one ring record: one reservation, commit and
/// fill check per call instead of two. A call enters and leaves on one CPU unless its task is
/// switched out in between, and `sched_switch` sends a held entry on as a record of its own
/// before that (a blocked call is still seen as it waits); so does every other record written
/// on this CPU, first, which keeps the order of a task's records as it was (an exec's, a
/// fork's or a kernel function's after the entry of the call they are in). A traced command's
/// last call is sent on as it exits (`sched_process_exit`); an entry held when tracer stops
/// reading belongs to a call in progress at that instant, as one written a moment later would.
#[repr(C)]
pub(crate) struct Held {
    /// Bytes of the held entry record; 0 for none.
    len: u64,
    tid: u64,
    /// Where the exit being written starts (see `on_syscall`).
    base: u64,
    /// The entry, then the exit after it: each at most SCRATCH_SIZE.
    buf: [u8; 2 * SCRATCH_SIZE],
}

#[map]
static HELD: PerCpuArray<Held> = PerCpuArray::with_max_entries(1, 0);

/// The largest entry an exit joins (8-aligned, all bits set below its top bit but the low
/// three: a mask the verifier bounds). Larger ones, rare, go on alone.
const JOIN_ENTRY_MAX: u64 = 0x1ff8;

#[inline(always)]
fn held() -> Option<&'static mut Held> {
    // SAFETY: the per-CPU value, used by one program at a time on this CPU: tracer's programs
    // run with preemption off and none calls anything that reaches another's attachment point
    // (as for SCRATCH and STATE).
    HELD.get_ptr_mut(0).map(|h| unsafe { &mut *h })
}

/// Send the entry held on this CPU, if any, as a record of its own.
#[inline(always)]
pub(crate) fn flush_held() {
    let Some(h) = held() else {
        return;
    };
    let len = h.len as usize;
    if len != 0 {
        h.len = 0;
        emit(h.buf.as_mut_ptr(), len, true);
    }
}

/// `struct pt_regs` of x86_64 (arch/x86/include/asm/ptrace.h): the order the entry code pushes.
#[repr(C)]
#[derive(Copy, Clone)]
pub(crate) struct PtRegs {
    r15: u64,
    r14: u64,
    r13: u64,
    r12: u64,
    bp: u64,
    bx: u64,
    r11: u64,
    r10: u64,
    r9: u64,
    r8: u64,
    ax: u64,
    cx: u64,
    dx: u64,
    si: u64,
    di: u64,
    orig_ax: u64,
    ip: u64,
    cs: u64,
    flags: u64,
    sp: u64,
    ss: u64,
}

/// `__USER32_CS` (arch/x86/include/asm/segment.h).
const USER32_CS: u64 = 0x23;

/// Per-CPU working state of one syscall event, kept in a map rather than on the 512-byte stack.
#[repr(C)]
struct State {
    regs: PtRegs,
    args: [u64; 6],
    inner: [u64; 6],
    spec_idx: u32,
    nr: u32,
    call: u32,
    abi: u8,
    entry: u8,
    table: u8,
    flags: u8,
    /// The capture writer's position. Kept in map memory on purpose: a value loaded from a map
    /// is an unknown scalar to the verifier, so the paths through the capture ops converge
    /// instead of multiplying with every possible length.
    cur: u64,
    full: u64,
    /// Payload bytes still to copy from a msghdr's iovecs (in map memory for the same reason).
    left: u64,
    /// An entry-side copy faulted.
    faulted: u64,
    /// Entry-side copies are being retried at exit.
    late: u64,
    /// `capture_received`'s walk: the offset of the next control message, how many
    /// descriptors were found, and those descriptors (in map memory so that the walk's paths
    /// converge, as `cur`'s do).
    ctl_at: u64,
    ctl_found: u64,
    /// A `recvmsg`'s control buffer, its length and its op, left by `capture_control` for
    /// `capture_received` (0: none).
    ctl_ptr: u64,
    ctl_len: u64,
    ctl_op: u64,
    ctl_fds: [u64; MAX_RECV_FDS],
    /// An internet or netlink socket `capture_files` found, for `capture_sock` (`sock_sk` 0:
    /// none), with its descriptor, family and op.
    sock_sk: u64,
    sock_fd: u64,
    sock_family: u64,
    sock_op: u64,
}

#[map]
static STATE: PerCpuArray<State> = PerCpuArray::with_max_entries(1, 0);

#[inline(always)]
pub(crate) fn config() -> Option<&'static Config> {
    CONFIG.get(0)
}

/// Is the current task in scope? Cheap checks only: this runs for every syscall on the machine.
#[inline(always)]
pub(crate) fn in_scope(cfg: &Config, tgid: u32) -> bool {
    if tgid == cfg.self_tgid {
        return false;
    }
    if cfg.scope == SCOPE_TRACKED {
        // SAFETY: the value is a plain u32, copied out at once.
        return unsafe { TRACKED.get(tgid) }.is_some_and(|v| *v == TRACK_ON);
    }
    true
}

/// The entry of the `execve` that starts the spawned command (its process still awaits its
/// exec): recorded so that the command's first line is its `execve` with its arguments, as
/// strace shows it. The exit is recorded because the exec has made the process tracked by
/// then; a failed exec leaves only this entry, and tracer reports the spawn's error.
#[inline(always)]
fn starts_command(cfg: &Config, tgid: u32, nr: u64) -> bool {
    cfg.scope == SCOPE_TRACKED
        && (nr == X86_64_EXECVE || nr == X86_64_EXECVEAT)
        // SAFETY: the value is a plain u32, copied out at once.
        && unsafe { TRACKED.get(tgid) }.is_some_and(|v| *v == TRACK_AWAIT_EXEC)
}

/// `a[i]` written as branches: the verifier cannot bound an index computed with `%`.
#[inline(always)]
fn pick(a: &[u64; 6], i: u8) -> u64 {
    match i {
        0 => a[0],
        1 => a[1],
        2 => a[2],
        3 => a[3],
        4 => a[4],
        _ => a[5],
    }
}

/// [`pick`] for `State::inner`, in map memory: the index is masked first, so that whatever the
/// compiler makes of the choice (it may compute one index and lose its bound on the way), the
/// verifier sees at most `inner + 7 * 8`, which `State` holds (`ctl_*` follow `inner`).
#[inline(always)]
fn pick_inner(st: &State, i: u8) -> u64 {
    let i = usize::from(i & 7);
    if i < 6 { st.inner[i] } else { st.inner[5] }
}

#[inline(always)]
fn slot(table: u8, nr: u32) -> u32 {
    u32::from(table) * TABLE_SLOTS + nr
}

#[inline(always)]
fn traced_at(idx: u32) -> bool {
    matches!(SPECS.get(idx), Some(s) if s.flags & SPEC_TRACED != 0)
}

/// Tell the ABI and the entry instruction from the saved user registers.
#[inline(always)]
fn entry_of(regs: &PtRegs) -> (u8, u8) {
    let mut code = [0u8; 4];
    // SAFETY: bpf_probe_read_user writes at most 4 bytes into `code` and never faults.
    let ok = unsafe {
        bpf_probe_read_user(
            code.as_mut_ptr().cast(),
            4,
            regs.ip.wrapping_sub(4) as *const c_void,
        )
    } == 0;
    if !ok {
        // The instruction may start a page whose predecessor is unmapped: read just its bytes.
        // SAFETY: as above, 2 bytes.
        let ok2 = unsafe {
            bpf_probe_read_user(
                code.as_mut_ptr().add(2).cast(),
                2,
                regs.ip.wrapping_sub(2) as *const c_void,
            )
        } == 0;
        if !ok2 {
            let abi = if regs.cs == USER32_CS {
                ABI_IA32
            } else {
                ABI_X86_64
            };
            return (abi, ENTRY_UNKNOWN);
        }
    }
    let entry = match (code[2], code[3]) {
        (0x0f, 0x05) => ENTRY_SYSCALL,
        (0x0f, 0x34) => ENTRY_SYSENTER,
        (0xcd, 0x80) => match (code[0], code[1]) {
            (0x0f, 0x34) if regs.cs == USER32_CS => ENTRY_SYSENTER,
            (0x0f, 0x05) if regs.cs == USER32_CS => ENTRY_SYSCALL,
            _ => ENTRY_INT80,
        },
        _ => ENTRY_UNKNOWN,
    };
    let abi = if regs.cs == USER32_CS || entry == ENTRY_INT80 || entry == ENTRY_SYSENTER {
        ABI_IA32
    } else {
        ABI_X86_64
    };
    (abi, entry)
}

/// Read the saved registers of syscall `nr` and find its spec; `None` when it is not traced.
#[inline(always)]
fn resolve(
    cfg: &Config,
    tgid: u32,
    regs_ptr: *const PtRegs,
    nr: Option<u64>,
) -> Option<&'static mut State> {
    let nr_given = nr.is_some();
    // At exit `orig_ax` still holds the number (the argument registers are preserved too).
    let nr = match nr {
        Some(nr) => nr,
        // SAFETY: reads one saved register; never faults.
        None => unsafe { bpf_probe_read_kernel_u64(ptr::addr_of!((*regs_ptr).orig_ax)) }?,
    };
    if nr >= u64::from(TABLE_SLOTS) {
        return None;
    }
    let nr = nr as u32;
    // A cheap pre-filter before copying registers and reading user memory: most syscalls are
    // traced in neither table.
    let x64 = traced_at(slot(TABLE_X86_64, nr));
    let ia32 = traced_at(slot(TABLE_IA32, nr));
    if !x64 && !ia32 {
        return None;
    }
    if !(in_scope(cfg, tgid) || (nr_given && starts_command(cfg, tgid, u64::from(nr)))) {
        return None;
    }
    let st_ptr = STATE.get_ptr_mut(0)?;
    // SAFETY: the per-CPU slot is only used by this program invocation (no preemption of BPF
    // programs on the same CPU by another raw_syscalls program: they run with migration and
    // preemption disabled).
    let st = unsafe { &mut *st_ptr };
    // SAFETY: reads the kernel's saved user registers into the slot; never faults.
    let rc = unsafe {
        bpf_probe_read_kernel(
            ptr::from_mut(&mut st.regs).cast(),
            size_of::<PtRegs>() as u32,
            regs_ptr.cast(),
        )
    };
    if rc != 0 {
        return None;
    }
    let enter = nr_given;
    let r = &st.regs;
    let by_syscall = r.cs != USER32_CS
        && if enter {
            // `syscall` saves the return address in rcx and the flags in r11, and
            // entry_SYSCALL_64 (arch/x86/entry/entry_64.S, Linux 6.1 and 6.18) pushes them as
            // pt_regs->ip and ->flags and again, unchanged, as ->cx and ->r11. `int 0x80` from
            // 64-bit code leaves rcx and r11 as the program set them (rcx is an argument), so
            // both equalities hold there only for a program that arranges them on purpose: it
            // would be shown as entering with `syscall` in the ia32 table's place. Reading the
            // instruction bytes instead costs a user-memory copy (~95 ns of a ~630 ns run).
            r.cx == r.ip && r.r11 == r.flags
        } else {
            // No traced call has entered with int 0x80 from 64-bit code: the call being left
            // entered with `syscall`.
            !seen(SEEN_INT80_64)
        };
    let (abi, entry) = if by_syscall {
        (ABI_X86_64, ENTRY_SYSCALL)
    } else {
        entry_of(&st.regs)
    };
    if enter && abi == ABI_IA32 && st.regs.cs != USER32_CS {
        set_seen(SEEN_INT80_64);
    }
    st.abi = abi;
    st.entry = entry;
    st.nr = nr;
    st.call = 0;
    st.flags = 0;
    if abi == ABI_X86_64 {
        if !x64 {
            return None;
        }
        let r = &st.regs;
        st.args = [r.di, r.si, r.dx, r.r10, r.r8, r.r9];
        st.table = TABLE_X86_64;
    } else {
        if !ia32 {
            return None;
        }
        // ia32 arguments: ebx, ecx, edx, esi, edi, ebp, zero-extended
        // (arch/x86/include/asm/syscall_wrapper.h, SC_IA32_REGS_TO_ARGS).
        let r = &st.regs;
        st.args = [
            r.bx & 0xffff_ffff,
            r.cx & 0xffff_ffff,
            r.dx & 0xffff_ffff,
            r.si & 0xffff_ffff,
            r.di & 0xffff_ffff,
            r.bp & 0xffff_ffff,
        ];
        st.table = TABLE_IA32;
    }
    st.inner = st.args;
    st.spec_idx = slot(st.table, nr);
    let spec = SPECS.get(st.spec_idx)?;
    if spec.flags & SPEC_SOCKETCALL != 0 {
        dispatch_socketcall(st);
    } else if spec.flags & SPEC_IPC != 0 {
        dispatch_ipc(st);
    }
    let spec = SPECS.get(st.spec_idx)?;
    if spec.flags & SPEC_TRACED == 0 {
        return None;
    }
    if spec.flags & SPEC_STACK_ARG0 != 0 {
        let sp = if abi == ABI_IA32 {
            st.regs.sp & 0xffff_ffff
        } else {
            st.regs.sp
        };
        st.args[0] = sp;
        st.inner[0] = sp;
    }
    if spec.flags & SPEC_FILTER_ARG != 0 && pick(&st.inner, spec.filter_arg) & spec.filter_mask == 0
    {
        return None;
    }
    Some(st)
}

/// socketcall(call, args): net/compat.c `__compat_sys_socketcall` (Linux 6.1, 6.18) reads
/// `nas[call]` bytes of `u32` arguments from `args` with `copy_from_user`, then switches on
/// `call`. A call outside 1..=20 returns -EINVAL there; here it keeps the socketcall row.
#[inline(always)]
fn dispatch_socketcall(st: &mut State) {
    let call = st.args[0] as u32;
    st.call = call;
    let idx = slot(TABLE_SOCKETCALL, call % TABLE_SLOTS);
    let Some(sub) = SPECS
        .get(idx)
        .filter(|s| s.flags & SPEC_KNOWN != 0 && call < TABLE_SLOTS)
    else {
        st.flags |= SYS_F_BAD_CALL;
        return;
    };
    st.table = TABLE_SOCKETCALL;
    st.spec_idx = idx;
    if sub.flags & SPEC_TRACED == 0 {
        // A real call that is not selected: `resolve` drops it.
        return;
    }
    let n = (sub.nargs as u32).min(6);
    set6(&mut st.inner, &[0; 6]);
    // Three u64 rather than six u32: a zeroed u32 array is a call to a byte-loop memset.
    let mut words = [0u64; 3];
    // SAFETY: reads `n * 4 <= 24` bytes into `words`; never faults.
    let rc = unsafe {
        bpf_probe_read_user(
            words.as_mut_ptr().cast(),
            n * 4,
            st.args[1] as *const c_void,
        )
    };
    if rc != 0 {
        st.flags |= SYS_F_ARGS_FAULT;
        return;
    }
    let w = [
        words[0] & 0xffff_ffff,
        words[0] >> 32,
        words[1] & 0xffff_ffff,
        words[1] >> 32,
        words[2] & 0xffff_ffff,
        words[2] >> 32,
    ];
    set6(&mut st.inner, &w);
}

/// `*dst = *src` as six 8-byte stores. A plain array assignment may become a call to
/// compiler_builtins' `memmove`, which on BPF is a byte-at-a-time loop: 48 bytes cost ~400
/// instructions, and two such copies were a large share of `sys_enter`'s run time.
#[inline(always)]
#[allow(
    clippy::needless_range_loop,
    reason = "one index for both arrays, each store at a fixed offset"
)]
fn set6(dst: &mut [u64; 6], src: &[u64; 6]) {
    for i in 0..6 {
        // SAFETY: `i < 6`: in bounds of both arrays. Volatile, so LLVM keeps the word stores
        // instead of turning the loop back into a memmove call.
        unsafe { core::ptr::write_volatile(dst.as_mut_ptr().add(i), src[i]) };
    }
}

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

/// ipc(call, first, second, third, ptr, fifth): ipc/syscall.c `compat_ksys_ipc` (Linux 6.1,
/// 6.18). The spec's `ipc_args` say which outer argument becomes each inner argument.
#[inline(always)]
fn dispatch_ipc(st: &mut State) {
    let call = (st.args[0] & 0xffff) as u32;
    st.call = st.args[0] as u32;
    let idx = slot(TABLE_IPC, call % TABLE_SLOTS);
    let Some(sub) = SPECS.get(idx).filter(|s| s.flags & SPEC_KNOWN != 0) else {
        st.flags |= SYS_F_BAD_CALL;
        return;
    };
    st.table = TABLE_IPC;
    st.spec_idx = idx;
    if sub.flags & SPEC_TRACED == 0 {
        return;
    }
    let map = sub.ipc_args;
    let args = st.args;
    for (inner, m) in st.inner.iter_mut().zip(map) {
        *inner = if m < 6 { pick(&args, m) } else { 0 };
    }
}

/// Appends captures to the scratch buffer; its position lives in the per-CPU `State`.
struct Writer {
    buf: *mut u8,
    st: *mut State,
}

impl Writer {
    #[inline(always)]
    fn cur(&self) -> usize {
        // SAFETY: `st` points to the per-CPU State map value.
        unsafe { core::ptr::read_volatile(&raw const (*self.st).cur) as usize }
    }
    #[inline(always)]
    fn set_cur(&mut self, v: usize) {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(&raw mut (*self.st).cur, v as u64) };
    }
    #[inline(always)]
    fn full(&self) -> bool {
        // SAFETY: as above.
        unsafe { core::ptr::read_volatile(&raw const (*self.st).full) != 0 }
    }

    /// Copy `want` bytes (capped at `cap`) from user `addr` as one capture.
    #[inline(always)]
    fn capture(
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
    fn put_files(&mut self, op: u8, ids: &[FileId; 2]) {
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
    fn put_sock(&mut self, op: u8, o: &FileOffsets, fd: i32, sk: u64, family: u64) {
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
fn helper_size(n: usize) -> u32 {
    let mut v = 0usize;
    // SAFETY: a local variable, written then read.
    unsafe {
        core::ptr::write_volatile(&raw mut v, n);
        (core::ptr::read_volatile(&raw const v) & CAPTURE_MAX) as u32
    }
}

/// # Safety
/// `src` may be any kernel address: the helper never faults.
#[inline(always)]
unsafe fn bpf_probe_read_kernel_u64(src: *const u64) -> Option<u64> {
    let mut v = 0u64;
    // SAFETY: writes 8 bytes into `v`.
    let rc = unsafe { bpf_probe_read_kernel(ptr::from_mut(&mut v).cast(), 8, src.cast()) };
    (rc == 0).then_some(v)
}

#[inline(always)]
fn read_user_word(addr: u64, size: u32) -> Option<u64> {
    let mut v = 0u64;
    // SAFETY: writes at most 8 bytes into `v` (size is 4 or 8); never faults.
    let rc = unsafe {
        bpf_probe_read_user(
            ptr::from_mut(&mut v).cast(),
            size & 0xc,
            addr as *const c_void,
        )
    };
    (rc == 0).then_some(v)
}

/// Run the capture ops of the spec that belong to this side of the call, one global function
/// call each ([`tracer_run_op`]).
/// An op with nothing to do (no op in that slot, most calls' case) costs no call.
#[inline(always)]
fn run_ops(spec_idx: u32, when: u8, retry_enter: bool, ret: i64, snaplen: usize) {
    let Some(spec) = SPECS.get(spec_idx) else {
        return;
    };
    for i in 0..MAX_OPS {
        match spec.ops[i].kind {
            0 => {}
            // Exit only: the files behind what the call returned.
            OP_FD_FILE if when & WHEN_EXIT != 0 => {
                tracer_capture_files(i as u32, ret);
            }
            OP_FD_FILE => {}
            _ => {
                let (when, retry) = (u32::from(when), u32::from(retry_enter));
                tracer_run_op(i as u32, when, retry, ret, snaplen as u32);
            }
        }
    }
}

/// The capture writer of the call in progress on this CPU, where `on_syscall` left it (the
/// per-CPU `STATE` and the held buffer at `Held::base`), for the global functions below.
#[inline(always)]
fn writer() -> Option<(Writer, &'static State)> {
    let st = STATE.get_ptr_mut(0)?;
    let h = held()?;
    // SAFETY: a field of the per-CPU value, written by `on_syscall` before the ops run.
    let base =
        (unsafe { core::ptr::read_volatile(&raw const h.base) } as usize) & JOIN_ENTRY_MAX as usize;
    // SAFETY: `base <= JOIN_ENTRY_MAX < SCRATCH_SIZE`, as in `on_syscall`.
    let buf = unsafe { h.buf.as_mut_ptr().add(base) };
    // SAFETY: the per-CPU value; see `resolve`.
    Some((Writer { buf, st }, unsafe { &*st }))
}

/// Capture op `i` of the call in progress on this CPU (not `OP_FD_FILE`), for side `when`
/// (`retry` 1: entry-side ops are copied again at exit).
///
/// A global function (the linker exports it: xtask's `--export`): the verifier checks it once
/// per program, its arguments unknown, instead of once per op and per path of its caller
/// through the loop (kernel/bpf/verifier.c, `check_func_call`: a global function is verified
/// on its own, `btf_check_subprog_call` checks its arguments' types at each call). Its frame
/// and its callers' count against the 512 bytes a call chain may use (Linux 6.1 checks
/// `combined stack size`; 6.18 gives raw tracepoints a private stack): the files of
/// `OP_FD_FILE`, whose reads go through a subprogram of their own (`file_id`'s closure), are
/// in [`tracer_capture_files`], whose chain is `sys_exit` 224 + 224 + 64 bytes: exactly 512.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn tracer_run_op(i: u32, when: u32, retry: u32, ret: i64, snaplen: u32) -> u32 {
    let Some((mut w, st)) = writer() else {
        return 0;
    };
    run_op(
        &mut w,
        st,
        i as usize & (MAX_OPS - 1),
        when as u8,
        retry != 0,
        ret,
        snaplen as usize,
    );
    0
}

/// `OP_FD_FILE` op `i` at the call's exit, which returned `ret`: see [`tracer_run_op`].
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn tracer_capture_files(i: u32, ret: i64) -> u32 {
    let Some((mut w, st)) = writer() else {
        return 0;
    };
    let Some(spec) = SPECS.get(st.spec_idx) else {
        return 0;
    };
    let i = i as usize & (MAX_OPS - 1);
    let op = &spec.ops[i];
    // SAFETY: `w.st` points to the per-CPU State map value.
    unsafe { core::ptr::write_volatile(&raw mut (*w.st).late, 0) };
    if op.flags & OPF_OK_ONLY != 0 && ret < 0 {
        return 0;
    }
    let (addr, _) = op_addr(st, op);
    capture_files(&mut w, i as u8, op.flags, addr, ret);
    0
}

/// The user address op `op` reads (its argument, maybe dereferenced, plus its offset; 0 for
/// NULL), and its length argument's value.
#[inline(always)]
fn op_addr(st: &State, op: &tracer_common::CaptureOp) -> (u64, u64) {
    let mut arg = pick_inner(st, op.arg);
    if op.flags & OPF_ADDR_DEREF != 0 && arg != 0 {
        arg = read_user_word(arg, 4).unwrap_or(0);
    }
    let addr = if arg == 0 {
        0
    } else {
        arg.wrapping_add(u64::from(op.offset))
    };
    (addr, pick_inner(st, op.len_arg))
}

const _: () = assert!(MAX_OPS.is_power_of_two());

#[inline(always)]
fn run_op(
    w: &mut Writer,
    st: &State,
    i: usize,
    when: u8,
    retry_enter: bool,
    ret: i64,
    snaplen: usize,
) {
    let Some(spec) = SPECS.get(st.spec_idx) else {
        return;
    };
    let op = &spec.ops[i];
    // `when` is a set: an op of both sides (`select`'s fd_sets) runs at entry and at exit.
    let here = op.when & when != 0;
    if op.kind == 0 || !(here || (retry_enter && op.when == WHEN_ENTER)) {
        return;
    }
    // SAFETY: `w.st` points to the per-CPU State map value.
    unsafe { core::ptr::write_volatile(&raw mut (*w.st).late, u64::from(!here)) };
    if op.flags & OPF_OK_ONLY != 0 && ret < 0 {
        return;
    }
    let (addr, len_arg) = op_addr(st, op);
    let mut cap = op.max as usize;
    if op.flags & OPF_SNAP != 0 {
        cap = cap.min(snaplen);
    }
    let want = match op.len_from {
        LEN_ARG => len_arg.wrapping_mul(u64::from(op.scale.max(1))),
        LEN_ARG_DEREF => read_user_word(len_arg, 4).unwrap_or(0) & 0xffff_ffff,
        LEN_RET if op.flags & OPF_RET_CAP != 0 => (ret.max(0) as u64).min(len_arg),
        LEN_RET => (ret.max(0) as u64).wrapping_mul(u64::from(op.scale.max(1))),
        _ => u64::from(op.max),
    };
    match op.kind {
        OP_BYTES => w.capture((i as u8, CK_BYTES, 0), addr, want, cap, false),
        OP_STR => w.capture((i as u8, CK_STR, 0), addr, want, cap, true),
        OP_MSGHDR => capture_msghdr(
            w,
            st,
            (i as u8, op.flags, when),
            (addr, len_arg),
            (op.len_from, op.when, op.scale),
            ret,
            snaplen,
        ),
        // `OP_FD_FILE`: tracer_capture_files.
        _ => {}
    }
}

/// The files behind the descriptors a call created (`OP_FD_FILE`): the return value, or the two
/// `int`s a `pipe2`/`socketpair` wrote at `addr`.
#[inline(always)]
fn capture_files(w: &mut Writer, op: u8, flags: u8, addr: u64, ret: i64) {
    let Some(cfg) = config() else {
        return;
    };
    let off = &cfg.files;
    if off.task_files == 0 {
        return;
    }
    let fds = if flags & OPF_FD_RET != 0 {
        [ret as i32, -1]
    } else if flags & OPF_FD_ARG != 0 {
        // `addr` is the argument's value here: the op's offset is 0.
        [addr as i32, -1]
    } else {
        let Some(v) = read_user_word(addr, 8) else {
            return;
        };
        [v as u32 as i32, (v >> 32) as u32 as i32]
    };
    let (first, sk) = file_id(off, fds[0]);
    let ids = [first, file_id(off, fds[1]).0];
    w.put_files(op, &ids);
    // A pair (`pipe2`, `socketpair`) is never an internet or netlink socket.
    let family = u64::from(first.family);
    if sk != 0 && (family == AF_INET || family == AF_INET6 || family == AF_NETLINK) {
        // SAFETY: `w.st` points to the per-CPU State map value.
        unsafe {
            (*w.st).sock_sk = sk;
            (*w.st).sock_fd = u64::from(first.fd as u32);
            (*w.st).sock_family = family;
            (*w.st).sock_op = u64::from(op);
        }
    }
}

/// The addresses of the socket `capture_files` found (`CK_SOCK`). Once, after the ops: inside
/// their loop it would be verified once per op.
#[inline(always)]
fn capture_sock(w: &mut Writer) {
    // SAFETY: `w.st` points to the per-CPU State map value.
    let (sk, fd, family, op) = unsafe {
        let st = w.st;
        (
            (*st).sock_sk,
            (*st).sock_fd,
            (*st).sock_family,
            (*st).sock_op,
        )
    };
    if sk == 0 {
        return;
    }
    if let Some(cfg) = config() {
        w.put_sock(op as u8, &cfg.files, fd as i32, sk, family);
    }
}

/// `current->files->fdt->fd[fd]->f_inode`: the inode number and mode of descriptor `fd`
/// (include/linux/fdtable.h `files_lookup_fd_raw`, without the RCU read lock a BPF program
/// cannot take: every read is a fault-safe `bpf_probe_read_kernel`, and the descriptor was
/// made by this very call, on this task, which has not returned to user space yet).
/// With the file, for a socket, its `struct sock` (0 otherwise).
#[inline(always)]
fn file_id(off: &FileOffsets, fd: i32) -> (FileId, u64) {
    let none = FileId {
        fd: -1,
        ..FileId::default()
    };
    if fd < 0 {
        return (none, 0);
    }
    let read = read_at;
    // SAFETY: returns the current task's address, read only through the helper above.
    let task = unsafe { generated::bpf_get_current_task() };
    let found = (|| {
        let files = read(task, off.task_files)?;
        let fdt = read(files, off.files_fdt)?;
        let max = read(fdt, off.fdt_max_fds)? & 0xffff_ffff;
        if u64::from(fd as u32) >= max {
            return None;
        }
        let arr = read(fdt, off.fdt_fd)?;
        let file = read(arr + u64::from(fd as u32) * 8, 0)?;
        let inode = read(file, off.file_inode)?;
        let ino = read(inode, off.inode_ino)?;
        let mode = (read(inode, off.inode_mode)? & 0xffff) as u32;
        let mut id = FileId {
            fd,
            mode,
            ino,
            ..FileId::default()
        };
        let mut sk = 0;
        match mode & S_IFMT {
            S_IFSOCK if off.file_private != 0 => {
                sk = socket_of(off, read(file, off.file_private)?, &mut id);
            }
            S_IFCHR | S_IFBLK if off.inode_rdev != 0 => {
                id.rdev = read(inode, off.inode_rdev).unwrap_or(0) as u32;
            }
            _ => {}
        }
        Some((id, sk))
    })();
    found.unwrap_or((FileId { fd, ..none }, 0))
}

/// The 8 bytes at `base + at` in kernel memory; `None` for a NULL `base` or a failed read.
#[inline(always)]
fn read_at(base: u64, at: u16) -> Option<u64> {
    if base == 0 {
        return None;
    }
    // SAFETY: any address: the helper never faults.
    unsafe { bpf_probe_read_kernel_u64((base + u64::from(at)) as *const u64) }
}

/// `S_IFMT` and the file types of include/uapi/linux/stat.h.
const S_IFMT: u32 = 0o170_000;
const S_IFSOCK: u32 = 0o140_000;
const S_IFCHR: u32 = 0o020_000;
const S_IFBLK: u32 = 0o060_000;
/// include/linux/socket.h.
const AF_UNIX: u64 = 1;
const AF_INET: u64 = 2;
const AF_INET6: u64 = 10;
const AF_NETLINK: u64 = 16;

/// A socket file's family and type, and for a UNIX socket its peer's inode number:
/// `sock->type`, `sock->sk->sk_family`, and `unix_peer(sk)->sk_socket`'s inode, which
/// `SOCK_INODE` finds after the `struct socket` in its `socket_alloc` (include/net/sock.h;
/// `unix_peer` is `unix_sk(sk)->peer`, net/unix/af_unix.c). A peer that has no socket yet (a
/// connection not yet accepted, `sk_socket` NULL) leaves `peer` 0, as `sock_i_ino` reports it
/// to `unix_diag`. Returns the `struct sock` (0 when it could not be read).
#[inline(always)]
fn socket_of(off: &FileOffsets, sock: u64, id: &mut FileId) -> u64 {
    let read = read_at;
    let Some(ty) = read(sock, off.socket_type) else {
        return 0;
    };
    id.sock_type = ty as u16;
    let Some(sk) = read(sock, off.socket_sk) else {
        return 0;
    };
    let family = read(sk, off.sk_family).unwrap_or(0) & 0xffff;
    id.family = family as u16;
    if family == AF_UNIX
        && let Some(peer_sk) = read(sk, off.unix_peer)
        && let Some(peer_sock) = read(peer_sk, off.sk_socket)
        && let Some(ino) = read(peer_sock, off.socket_inode + off.inode_ino)
    {
        id.peer = ino;
    }
    sk
}

/// `struct user_msghdr` (include/linux/socket.h) or `struct compat_msghdr`
/// (include/net/compat.h): name, iovec array, and the first bytes of the first iovecs.
/// With `OPF_IOV_ARRAY` the argument is the iovec array itself and `count` its length
/// (`readv`, `writev`, `preadv2`...): the same copies without a header.
#[inline(always)]
fn capture_msghdr(
    w: &mut Writer,
    st: &State,
    (op, flags, when): (u8, u8, u8),
    (addr, count): (u64, u64),
    (len_from, sides, index): (u8, u8, u8),
    ret: i64,
    snaplen: usize,
) {
    let compat = st.abi == ABI_IA32;
    let word = if compat { 4u32 } else { 8u32 };
    // Message `index` of a `struct mmsghdr` array of `count` (at exit, of those the call
    // returned): nothing past its end.
    let mmsg = len_from == LEN_INDEX;
    if mmsg {
        // ia32's count is a 32-bit register.
        let mut n = count & 0xffff_ffff;
        if when == WHEN_EXIT {
            n = n.min(ret.max(0) as u64);
        }
        if u64::from(index) >= n {
            return;
        }
    }
    // The bytes a message moved: at exit, `msg_len` of a `struct mmsghdr` (include/linux/
    // socket.h; `compat_mmsghdr`, include/net/compat.h), else the return value.
    let mut moved = ret.max(0) as u64;
    let (iov, iovlen) = if flags & OPF_IOV_ARRAY != 0 {
        (addr, count)
    } else {
        // `struct msghdr` (`compat_msghdr` on ia32), or `struct mmsghdr`: the header, then
        // `msg_len` (and padding to 64 bytes on x86_64).
        let size = match (compat, mmsg) {
            (true, false) => 28u64,
            (true, true) => 32,
            (false, false) => 56,
            (false, true) => 64,
        };
        w.capture((op, CK_MSGHDR, 0), addr, size, size as usize, false);
        // A message the call fills (recvmmsg): at entry its header only, for the
        // `msg_namelen` passed in.
        if mmsg && sides == WHEN_ENTER | WHEN_EXIT && when == WHEN_ENTER {
            return;
        }
        if mmsg && when == WHEN_EXIT {
            let msg_len_off = if compat { 28 } else { 56 };
            moved = read_user_word(addr + msg_len_off, 4).unwrap_or(0) & 0xffff_ffff;
        }
        if addr == 0 {
            return;
        }
        let (namelen_off, iov_off, iovlen_off) = if compat { (4, 8, 12) } else { (8, 16, 24) };
        let Some(name) = read_user_word(addr, word) else {
            return;
        };
        // A failed call's header is copied for its `msg_namelen`; the kernel wrote nothing else.
        if when == WHEN_EXIT && ret < 0 {
            return;
        }
        capture_control(w, op, addr, compat, when);
        let namelen = read_user_word(addr + namelen_off, 4).unwrap_or(0) & 0xffff_ffff;
        let Some(iov) = read_user_word(addr + iov_off, word) else {
            return;
        };
        let iovlen = read_user_word(addr + iovlen_off, word).unwrap_or(0);
        if name != 0 {
            w.capture(
                (op, CK_MSG_NAME, 0),
                name,
                namelen,
                MAX_SOCKADDR as usize,
                false,
            );
        }
        (iov, iovlen)
    };
    // ia32's count is a 32-bit register.
    let iovlen = if compat { iovlen & 0xffff_ffff } else { iovlen };
    let entry = u64::from(word) * 2;
    let n = iovlen.min(MAX_IOV as u64);
    w.capture((op, CK_IOV, 0), iov, n * entry, MAX_IOV * 16, false);
    if flags & OPF_NO_PAYLOAD != 0 || iov == 0 {
        return;
    }
    // Bytes left to show: the snap length, and on exit no more than the call moved.
    let mut left = snaplen as u64;
    if when == WHEN_EXIT {
        left = left.min(moved);
    }
    let left_ptr = {
        // SAFETY: `w.st` points to the per-CPU State map value.
        unsafe { &raw mut (*w.st).left }
    };
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile(left_ptr, left) };
    for k in 0..MAX_IOV_DATA {
        // SAFETY: as above.
        let left = unsafe { core::ptr::read_volatile(left_ptr) };
        if (k as u64) >= n || left == 0 {
            break;
        }
        let e = iov + k as u64 * entry;
        let Some(base) = read_user_word(e, word) else {
            break;
        };
        let len = read_user_word(e + u64::from(word), word).unwrap_or(0);
        let take = len.min(left);
        w.capture((op, CK_IOV_DATA, k as u8), base, take, snaplen, false);
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(left_ptr, left - take) };
    }
}

/// `msg_control` (`CK_MSG_CONTROL`): at entry the `msg_controllen` bytes passed in, at exit the
/// ones the kernel wrote (it writes the length it filled back into `msg_controllen`, net/socket.c
/// `____sys_recvmsg`, and `__sys_recvmsg`'s compat twin), then the files behind the descriptors
/// received there.
#[inline(always)]
fn capture_control(w: &mut Writer, op: u8, hdr: u64, compat: bool, when: u8) {
    // `msg_control` and `msg_controllen` in `struct user_msghdr` (include/linux/socket.h) and
    // `struct compat_msghdr` (include/net/compat.h).
    let (word, ctl_off, len_off) = if compat { (4, 16, 20) } else { (8, 32, 40) };
    let len = read_user_word(hdr + len_off, word).unwrap_or(0);
    if len == 0 {
        return;
    }
    let ctl = read_user_word(hdr + ctl_off, word).unwrap_or(0);
    w.capture(
        (op, CK_MSG_CONTROL, 0),
        ctl,
        len,
        MAX_CONTROL as usize,
        false,
    );
    if when == WHEN_EXIT && ctl != 0 {
        // SAFETY: `w.st` points to the per-CPU State map value.
        unsafe {
            (*w.st).ctl_ptr = ctl;
            (*w.st).ctl_len = len.min(u64::from(MAX_CONTROL));
            (*w.st).ctl_op = u64::from(op);
        }
    }
}

// `capture_received` fills one `CK_FILE` capture of two ids and masks its index.
const _: () = assert!(MAX_RECV_FDS == 2);

/// The files behind the descriptors a `recvmsg` received (`SCM_RIGHTS` and `SCM_PIDFD` among
/// its first [`MAX_CMSGS`] control messages, the first [`MAX_RECV_FDS`] of them), read from
/// the task's file table as the call returns, as for a descriptor a call returns: which object
/// the program got, without a look in `/proc`. A `cmsghdr` is `{size_t cmsg_len; int
/// cmsg_level; int cmsg_type;}` then the data, each aligned to the ABI's `long`
/// (include/linux/socket.h `CMSG_ALIGN`, include/net/compat.h `CMSG_COMPAT_ALIGN`).
#[inline(always)]
fn capture_received(w: &mut Writer) {
    let st = w.st;
    // SAFETY: `st` points to the per-CPU State map value.
    let (ctl, len, op, compat) = unsafe {
        (
            (*st).ctl_ptr,
            (*st).ctl_len,
            (*st).ctl_op as u8,
            (*st).abi == ABI_IA32,
        )
    };
    if ctl == 0 {
        return;
    }
    let Some(cfg) = config() else {
        return;
    };
    let off = &cfg.files;
    if off.task_files == 0 {
        return;
    }
    // SAFETY (every access to `st` below): it points to the per-CPU State map value; the
    // volatile accesses keep the walk's values in map memory (see `State::ctl_at`).
    let (at_p, found_p) = unsafe { (&raw mut (*st).ctl_at, &raw mut (*st).ctl_found) };
    let fds_p = unsafe { &raw mut (*st).ctl_fds };
    unsafe {
        core::ptr::write_volatile(at_p, 0);
        core::ptr::write_volatile(found_p, 0);
    }
    let (word, hdr) = if compat { (4u32, 12u64) } else { (8u32, 16u64) };
    let align = u64::from(word) - 1;
    for _ in 0..MAX_CMSGS {
        let at = unsafe { core::ptr::read_volatile(at_p) } & 0xffff;
        if at + hdr > len {
            break;
        }
        let Some(clen) = read_user_word(ctl + at, word) else {
            break;
        };
        let Some(lt) = read_user_word(ctl + at + u64::from(word), 8) else {
            break;
        };
        if clen < hdr {
            break;
        }
        // SOL_SOCKET = 1; SCM_RIGHTS = 1, SCM_PIDFD = 4 (include/linux/socket.h).
        let (level, ty) = (lt & 0xffff_ffff, lt >> 32);
        if level == 1 && (ty == 1 || ty == 4) {
            let count = (clen.min(len - at) - hdr) / 4;
            for j in 0..MAX_RECV_FDS as u64 {
                let n = unsafe { core::ptr::read_volatile(found_p) };
                if j >= count || n >= MAX_RECV_FDS as u64 {
                    break;
                }
                let Some(fd) = read_user_word(ctl + at + hdr + j * 4, 4) else {
                    break;
                };
                // A constant slot per branch, not `n` as an index: the compiler drops a mask
                // it can prove redundant, and Linux 6.1's verifier loses `n`'s bound once it
                // is spilled ("math between map_value pointer and register with unbounded
                // min value"), which refused the whole program there.
                // SAFETY: `fds_p` is `st.ctl_fds` (above); slot 0 or 1 of its MAX_RECV_FDS = 2.
                let slot = if n == 0 {
                    unsafe { (*fds_p).as_mut_ptr() }
                } else {
                    unsafe { (*fds_p).as_mut_ptr().add(1) }
                };
                unsafe {
                    core::ptr::write_volatile(slot, fd);
                    core::ptr::write_volatile(found_p, n + 1);
                }
            }
        }
        unsafe { core::ptr::write_volatile(at_p, at + ((clen + align) & !align)) };
    }
    let n = unsafe { core::ptr::read_volatile(found_p) };
    if n == 0 {
        return;
    }
    let fd = |k: usize| {
        if (k as u64) < n {
            // SAFETY: `fds_p` is `st.ctl_fds` (above); `k < n <= MAX_RECV_FDS`, its length.
            unsafe { core::ptr::read_volatile((*fds_p).as_ptr().add(k)) as u32 as i32 }
        } else {
            -1
        }
    };
    w.put_files(op, &[file_id(off, fd(0)).0, file_id(off, fd(1)).0]);
}

#[inline(always)]
fn scratch() -> Option<*mut u8> {
    SCRATCH.get_ptr_mut(0).map(|s| s.cast::<u8>())
}

#[inline(always)]
pub(crate) fn lost() {
    count(STAT_LOST);
}

#[inline(always)]
fn count(stat: u32) {
    if let Some(p) = STATS_MAP.get_ptr_mut(stat) {
        // SAFETY: a per-CPU slot: no other program writes it concurrently on this CPU.
        unsafe { *p += 1 };
    }
}

/// The flags for a ring buffer write: no wake-up until `Config::wakeup_bytes` wait in the ring.
///
/// A wake-up per record (the default while the reader keeps up) costs an `irq_work` and a
/// context switch per event (kernel/bpf/ringbuf.c `bpf_ringbuf_commit`, Linux 6.1 and 6.18):
/// measured here, it was most of the in-kernel cost of a traced call. The reader drains the ring
/// on a timer as well, so a record never waits longer than its period.
///
/// While the reader keeps up, the ring's fill is read only after each `Config::wake_check_kib`
/// KiB this CPU wrote: the query is a helper call, a few percent of a traced call's cost when
/// made for every record. Once a look finds the threshold reached, every record looks (and
/// wakes the reader) until one finds the ring drained below it again, as before the looks were
/// spaced: the wake-ups then slow the writers while the reader is behind. With one wake-up per
/// interval only, the bench's 10-second recording of the dense loop and its live view run lost
/// events where they had lost none.
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
        if EVENTS.query(u64::from(BPF_RB_AVAIL_DATA)) >= threshold {
            *behind = 1;
            u64::from(BPF_RB_FORCE_WAKEUP)
        } else {
            *behind = 0;
            u64::from(BPF_RB_NO_WAKEUP)
        }
    }
}

/// Copy the first `len` bytes of `buf` (the scratch or the held buffer) to the ring buffer,
/// counting a failure (and, for a call's entry, counting it apart too).
#[inline(always)]
fn emit(buf: *mut u8, len: usize, enter: bool) {
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

/// Send a call's held entry (`entry` bytes, maybe 0) with its exit after it (`exit` bytes) from
/// the held buffer, as one ring record.
#[inline(always)]
fn emit_joined(h: &mut Held, entry: usize, exit: usize) {
    let len = entry + exit;
    let flags = wake_flags(len);
    let len = checked_len(len, 2 * SCRATCH_SIZE);
    // SAFETY: `len` is at most 2 * SCRATCH_SIZE, the buffer's size.
    let data = unsafe { core::slice::from_raw_parts(h.buf.as_ptr(), len) };
    if EVENTS.output::<[u8]>(data, flags).is_err() {
        lost();
        if entry != 0 {
            lost();
            count(STAT_LOST_ENTER);
        }
    }
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
/// fires before the switch, the leaving task still current): an entry held for it goes on now,
/// so that a blocked call is seen waiting, and its exit, on whichever CPU, comes after it.
#[raw_tracepoint(tracepoint = "sched_switch")]
pub fn sched_switch(_ctx: RawTracePointContext) -> i32 {
    flush_held();
    0
}

/// One side of a syscall: find its spec, copy the user memory of this side, emit the record.
/// `when` is a constant at each call site, so each program gets its own specialised copy.
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
    // The exit of the call whose entry this CPU holds. Its task has not been switched out since
    // (the switch would have sent the entry on), so no other syscall has been resolved on this
    // CPU in between, and STATE still holds the call as its entry resolved it: nothing to
    // read or look up again. Its exit is recorded whatever its thread's name is now: a call
    // let through at entry is kept whole.
    let joined = !enter && h.len != 0 && h.len <= JOIN_ENTRY_MAX && h.tid == u64::from(tid);
    let st = if joined {
        let st = STATE.get_ptr_mut(0)?;
        // SAFETY: the per-CPU value; see `resolve`.
        unsafe { &mut *st }
    } else {
        resolve(cfg, (pid_tgid >> 32) as u32, ctx.arg(0), nr)?
    };
    // Where this side's record goes in the held buffer: an entry at the start (an entry still
    // held, whose exit tracer did not record, goes on alone first); an exit right after its
    // own call's held entry, or at the start when there is none.
    let base = if enter {
        flush_held();
        // Where the ops' global functions find this side's record (`writer`).
        // SAFETY: a field of the per-CPU value.
        unsafe { core::ptr::write_volatile(&raw mut h.base, 0) };
        0
    } else {
        let b = if joined {
            // Claimed now: a record written meanwhile on this CPU cannot send it again.
            let b = h.len;
            h.len = 0;
            b
        } else {
            flush_held();
            0
        };
        // Through map memory, as `State::cur`: one unknown, bounded value for the verifier
        // rather than two paths through everything below.
        // SAFETY: a field of the per-CPU value.
        unsafe { core::ptr::write_volatile(&raw mut h.base, b) };
        // SAFETY: as above.
        (unsafe { core::ptr::read_volatile(&raw const h.base) } as usize) & JOIN_ENTRY_MAX as usize
    };
    // SAFETY: `base <= JOIN_ENTRY_MAX < SCRATCH_SIZE`: this side's record has SCRATCH_SIZE bytes
    // after it.
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
        let mut words = [0u64; 2];
        // SAFETY: 16 bytes of plain data, 8-byte aligned.
        let comm = unsafe { &mut *words.as_mut_ptr().cast::<[u8; 16]>() };
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
    st.full = 0;
    st.faulted = 0;
    // Entry-side copies that faulted are made again now: the call has faulted the pages in.
    // SAFETY: the value is a plain u32, only tested for presence.
    let retry = !enter && seen(SEEN_FAULT) && unsafe { FAULTED.get(tid) }.is_some();
    if retry {
        let _ = FAULTED.remove(tid);
    }
    st.late = u64::from(retry);
    let mut w = Writer {
        buf,
        st: ptr::from_mut(st),
    };
    w.set_cur(body_off + body_len);
    st.ctl_ptr = 0;
    st.sock_sk = 0;
    run_ops(st.spec_idx, when, retry, ret, cfg.snaplen as usize);
    if !enter {
        // Once, after the ops: inside their loop the walk would be verified once per op.
        capture_received(&mut w);
        capture_sock(&mut w);
    }
    if enter && st.faulted != 0 {
        set_seen(SEEN_FAULT);
        let _ = FAULTED.insert(tid, 1, 0);
    }
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
            body.ret = ret;
        }
        let kind = if enter { REC_ENTER } else { REC_EXIT };
        *buf.cast::<RecordHeader>() = header(kind, st.abi, st.entry, w.cur(), pid_tgid);
    }
    let h = held()?;
    if enter {
        h.tid = u64::from(tid);
        h.len = w.cur() as u64;
    } else {
        emit_joined(h, base, w.cur());
    }
    Some(())
}

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

/// `CLONE_THREAD` (include/uapi/linux/sched.h).
const CLONE_THREAD: u64 = 0x0001_0000;

/// task:task_newtask runs in the parent from `copy_process` (kernel/fork.c) before the child can
/// run, so a new process is in scope before its first instruction.
#[tracepoint(category = "task", name = "task_newtask")]
pub fn task_newtask(ctx: TracePointContext) -> i32 {
    on_newtask(&ctx);
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
        let _ = TRACKED.insert(child as u32, TRACK_AWAIT_EXEC, 0);
        return None;
    }
    if !in_scope(cfg, tgid) {
        return None;
    }
    if cfg.scope == SCOPE_TRACKED && flags & CLONE_THREAD == 0 {
        let _ = TRACKED.insert(child as u32, TRACK_ON, 0);
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
    on_exec(&ctx);
    0
}

#[inline(always)]
fn on_exec(ctx: &TracePointContext) -> Option<()> {
    let cfg = config()?;
    let pid_tgid = bpf_get_current_pid_tgid();
    let tgid = (pid_tgid >> 32) as u32;
    // SAFETY: the value is a plain u32, copied out at once.
    if unsafe { TRACKED.get(tgid) }.is_some_and(|v| *v == TRACK_AWAIT_EXEC) {
        // The spawned command starts: trace it from here on.
        let _ = TRACKED.insert(tgid, TRACK_ON, 0);
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
    on_task_exit();
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
        let _ = TRACKED.remove(tgid);
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

/// `tracer doctor` loads and attaches these two to find out, by trying, whether this kernel
/// allows kprobes and fentry programs. They do nothing.
#[kprobe]
pub fn doctor_kprobe(_ctx: ProbeContext) -> u32 {
    0
}

#[fentry(function = "__sys_bind")]
pub fn doctor_fentry(_ctx: FEntryContext) -> i32 {
    0
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 4] = *b"GPL\0";
