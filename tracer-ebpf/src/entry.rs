//! A syscall as it enters or leaves: scope, the saved user registers, the ABI and the entry
//! instruction they tell, the spec that traces the call (ia32 `socketcall` and `ipc` dispatched
//! to the call they make), and the per-CPU [`State`] the capture ops work from.

use core::{ffi::c_void, ptr};

use aya_ebpf::helpers::generated::{bpf_probe_read_kernel, bpf_probe_read_user};
use tracer_common::{
    ABI_IA32, ABI_X86_64, Config, ENTRY_INT80, ENTRY_SYSCALL, ENTRY_SYSENTER, ENTRY_UNKNOWN,
    MAX_RECV_FDS, SCOPE_TRACKED, SPEC_FILTER_ARG, SPEC_IPC, SPEC_KNOWN, SPEC_SOCKETCALL,
    SPEC_STACK_ARG0, SPEC_TRACED, SYS_F_ARGS_FAULT, SYS_F_BAD_CALL, TABLE_IA32, TABLE_IPC,
    TABLE_SLOTS, TABLE_SOCKETCALL, TABLE_X86_64, TRACK_AWAIT_EXEC, TRACK_ON, X86_64_EXECVE,
    X86_64_EXECVEAT,
};

use crate::{
    maps::{SEEN_INT80_64, SPECS, STATE, seen, set_seen, tracked},
    ops::bpf_probe_read_kernel_u64,
};

/// `struct pt_regs` of x86_64 (arch/x86/include/asm/ptrace.h): the order the entry code pushes.
#[repr(C)]
#[derive(Copy, Clone)]
pub(crate) struct PtRegs {
    pub(crate) r15: u64,
    pub(crate) r14: u64,
    pub(crate) r13: u64,
    pub(crate) r12: u64,
    pub(crate) bp: u64,
    pub(crate) bx: u64,
    pub(crate) r11: u64,
    pub(crate) r10: u64,
    pub(crate) r9: u64,
    pub(crate) r8: u64,
    pub(crate) ax: u64,
    pub(crate) cx: u64,
    pub(crate) dx: u64,
    pub(crate) si: u64,
    pub(crate) di: u64,
    pub(crate) orig_ax: u64,
    pub(crate) ip: u64,
    pub(crate) cs: u64,
    pub(crate) flags: u64,
    pub(crate) sp: u64,
    pub(crate) ss: u64,
}

/// `__USER32_CS` (arch/x86/include/asm/segment.h).
const USER32_CS: u64 = 0x23;

/// Per-CPU working state of one syscall event, kept in a map rather than on the 512-byte stack.
#[repr(C)]
pub(crate) struct State {
    pub(crate) regs: PtRegs,
    pub(crate) args: [u64; 6],
    pub(crate) inner: [u64; 6],
    pub(crate) spec_idx: u32,
    pub(crate) nr: u32,
    pub(crate) call: u32,
    pub(crate) abi: u8,
    pub(crate) entry: u8,
    pub(crate) table: u8,
    pub(crate) flags: u8,
    /// The capture writer's position. Kept in map memory on purpose: a value loaded from a map
    /// is an unknown scalar to the verifier, so the paths through the capture ops converge
    /// instead of multiplying with every possible length.
    pub(crate) cur: u64,
    pub(crate) full: u64,
    /// Payload bytes still to copy from a msghdr's iovecs (in map memory for the same reason).
    pub(crate) left: u64,
    /// An entry-side copy faulted.
    pub(crate) faulted: u64,
    /// Entry-side copies are being retried at exit.
    pub(crate) late: u64,
    /// `capture_received`'s walk: the offset of the next control message, how many
    /// descriptors were found, and those descriptors (in map memory so that the walk's paths
    /// converge, as `cur`'s do).
    pub(crate) ctl_at: u64,
    pub(crate) ctl_found: u64,
    /// A `recvmsg`'s control buffer, its length and its op, left by `capture_control` for
    /// `capture_received` (0: none).
    pub(crate) ctl_ptr: u64,
    pub(crate) ctl_len: u64,
    pub(crate) ctl_op: u64,
    pub(crate) ctl_fds: [u64; MAX_RECV_FDS],
    /// An internet or netlink socket `capture_files` found, for `capture_sock` (`sock_sk` 0:
    /// none), with its descriptor, family and op.
    pub(crate) sock_sk: u64,
    pub(crate) sock_fd: u64,
    pub(crate) sock_family: u64,
    pub(crate) sock_op: u64,
    /// The side being written: its thread (`bpf_get_current_pid_tgid`) and, at exit, the
    /// return value. In map memory rather than kept on the stack across the ops' calls: Linux
    /// 6.1 allows 512 bytes for `sys_exit`'s frame and the two global functions' under it.
    pub(crate) pid_tgid: u64,
    pub(crate) ret: i64,
}

/// Is the current task in scope? Cheap checks only: this runs for every syscall on the machine.
#[inline(always)]
pub(crate) fn in_scope(cfg: &Config, tgid: u32) -> bool {
    if tgid == cfg.self_tgid {
        return false;
    }
    if cfg.scope == SCOPE_TRACKED {
        return tracked(tgid) == TRACK_ON;
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
        && tracked(tgid) == TRACK_AWAIT_EXEC
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
pub(crate) fn pick_inner(st: &State, i: u8) -> u64 {
    let i = usize::from(i & 7);
    if i < 6 { st.inner[i] } else { st.inner[5] }
}

#[inline(always)]
pub(crate) fn slot(table: u8, nr: u32) -> u32 {
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
pub(crate) fn resolve(
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
pub(crate) fn set6(dst: &mut [u64; 6], src: &[u64; 6]) {
    for i in 0..6 {
        // SAFETY: `i < 6`: in bounds of both arrays. Volatile, so LLVM keeps the word stores
        // instead of turning the loop back into a memmove call.
        unsafe { core::ptr::write_volatile(dst.as_mut_ptr().add(i), src[i]) };
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
