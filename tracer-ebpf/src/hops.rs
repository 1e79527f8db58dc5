//! Hops: kernel functions on a syscall's path (`__sys_bind`, the socketcall dispatcher,
//! `unix_bind`, `do_msgsnd`, ...), observed for traced processes only.
//!
//! Each function gets the best mechanism this kernel allows, chosen by user space at start-up:
//! fentry/fexit (BPF trampolines, Linux 5.5+, needs BTF and a kernel that allows tracing
//! programs), else kprobe/kretprobe (needs `CONFIG_KPROBES`), else none. The programs are
//! generic: `bpf_get_func_ip` (Linux 5.15+) tells which function fired. A kprobe program attaches
//! to any number of functions; an fentry program is bound to one function when it is loaded, so
//! there are `HOP_SLOTS` identical fentry and fexit programs.

use core::ptr;

use aya_ebpf::{
    EbpfContext,
    helpers::{
        bpf_get_current_pid_tgid,
        generated::{
            bpf_get_attach_cookie, bpf_get_func_arg, bpf_get_func_ip, bpf_get_func_ret,
            bpf_probe_read_kernel, bpf_probe_read_user,
        },
    },
    macros::{fentry, fexit, kprobe, kretprobe, map, uprobe},
    maps::HashMap,
    programs::{FEntryContext, FExitContext, ProbeContext, RetProbeContext},
};
use tracer_common::{
    HOP_ENTRY, HOP_EXIT, HOPF_IA32_REGS, HOPF_X64_REGS, HopRecord, MECH_FENTRY, MECH_KPROBE,
    MECH_UPROBE, REC_HOP, RecordHeader,
};

use crate::{
    entry::{PtRegs, in_scope},
    maps::{EVENTS, config, lost},
    ring::{claimed, flush_held, header, wake_flags},
};

/// Function address -> `HOPF_*` flags, for the functions whose arguments need decoding.
#[map]
static HOP_FUNCS: HashMap<u64, u32> = HashMap::with_max_entries(256, 0);

#[repr(C)]
struct HopEvent {
    h: RecordHeader,
    b: HopRecord,
}

/// Emit one hop of a kernel function. `args` are its first six arguments as the mechanism sees
/// them.
#[inline(always)]
fn hop(ctx: *mut core::ffi::c_void, side: u8, mech: u8, args: [u64; 6], ret: i64) {
    // SAFETY: a helper valid in kprobe and tracing programs (Linux 5.15+).
    let func_ip = unsafe { bpf_get_func_ip(ctx) };
    emit_hop(func_ip, side, mech, args, ret);
}

#[inline(always)]
fn emit_hop(func_ip: u64, side: u8, mech: u8, mut args: [u64; 6], ret: i64) {
    let Some(cfg) = config() else { return };
    let pid_tgid = bpf_get_current_pid_tgid();
    if !in_scope(cfg, (pid_tgid >> 32) as u32) {
        return;
    }
    // SAFETY: the value is a plain u32, copied at once.
    let flags = unsafe { HOP_FUNCS.get(func_ip) }.copied().unwrap_or(0);
    if flags & (HOPF_IA32_REGS | HOPF_X64_REGS) != 0 {
        // A syscall wrapper: its one argument is the saved user registers.
        let mut regs = core::mem::MaybeUninit::<PtRegs>::uninit();
        // SAFETY: reads kernel memory into `regs`; never faults.
        let rc = unsafe {
            bpf_probe_read_kernel(
                regs.as_mut_ptr().cast(),
                size_of::<PtRegs>() as u32,
                args[0] as *const _,
            )
        };
        if rc == 0 {
            // SAFETY: fully written when rc == 0.
            let r = unsafe { regs.assume_init() };
            args = if flags & HOPF_IA32_REGS != 0 {
                [r.bx, r.cx, r.dx, r.si, r.di, r.bp].map(|v| v & 0xffff_ffff)
            } else {
                [r.di, r.si, r.dx, r.r10, r.r8, r.r9]
            };
        }
    }
    let ev = HopEvent {
        h: header(REC_HOP, 0, 0, size_of::<HopEvent>(), pid_tgid),
        b: HopRecord {
            func_ip,
            side,
            mech,
            _pad: [0; 6],
            args,
            ret,
        },
    };
    // After the entry of the call this function is part of.
    claimed(|| {
        flush_held();
        if EVENTS
            .output::<HopEvent>(ev, wake_flags(size_of::<HopEvent>()))
            .is_err()
        {
            lost();
        }
    });
}

#[kprobe]
pub fn hop_kprobe(ctx: ProbeContext) -> u32 {
    let a = |n| ctx.arg::<u64>(n).unwrap_or(0);
    hop(
        ctx.as_ptr(),
        HOP_ENTRY,
        MECH_KPROBE,
        [a(0), a(1), a(2), a(3), a(4), a(5)],
        0,
    );
    0
}

#[kretprobe]
pub fn hop_kretprobe(ctx: RetProbeContext) -> u32 {
    let ret: i64 = ctx.ret();
    hop(ctx.as_ptr(), HOP_EXIT, MECH_KPROBE, [0; 6], ret);
    0
}

/// A libc wrapper was called (a uprobe at its first instruction, where the stack pointer points
/// at the return address). 64-bit code passes arguments in rdi, rsi, rdx, rcx, r8, r9; 32-bit
/// code (`cs` 0x23) on the stack above the return address.
#[uprobe]
pub fn hop_uprobe(ctx: ProbeContext) -> u32 {
    // SAFETY: a helper valid in uprobe programs (Linux 5.15+); the cookie user space attached.
    let cookie = unsafe { bpf_get_attach_cookie(ctx.as_ptr()) };
    // SAFETY: a uprobe's context is the user registers.
    let r = unsafe { &*ctx.regs };
    let (caller, args) = if r.cs == 0x23 {
        let mut w = [0u32; 7];
        // SAFETY: reads 28 bytes of the user stack into `w`; never faults.
        let rc = unsafe { bpf_probe_read_user(w.as_mut_ptr().cast(), 28, r.rsp as *const _) };
        if rc != 0 {
            w = [0; 7];
        }
        (
            u64::from(w[0]),
            [w[1], w[2], w[3], w[4], w[5], w[6]].map(u64::from),
        )
    } else {
        let mut ra = 0u64;
        // SAFETY: reads the 8-byte return address; never faults.
        unsafe { bpf_probe_read_user(ptr::from_mut(&mut ra).cast(), 8, r.rsp as *const _) };
        (ra, [r.rdi, r.rsi, r.rdx, r.rcx, r.r8, r.r9])
    };
    emit_hop(cookie, HOP_ENTRY, MECH_UPROBE, args, caller as i64);
    0
}

#[inline(always)]
fn fentry_hop(ctx: &FEntryContext) {
    // Not `ctx.arg(n)`: a direct read of an argument the function does not have (the fourth of
    // `__sys_bind`'s three) is rejected when the program is loaded (btf_ctx_access,
    // kernel/bpf/btf.c), which made every fentry hop fail on 6.1. bpf_get_func_arg (Linux
    // 5.17+, kernel/trace/bpf_trace.c) checks the index at run time and fails softly.
    let a = |n: u32| {
        let mut v: u64 = 0;
        // SAFETY: writes one u64 into `v`; fails with -EINVAL past the function's arguments.
        unsafe { bpf_get_func_arg(ctx.as_ptr(), n, &raw mut v) };
        v
    };
    hop(
        ctx.as_ptr(),
        HOP_ENTRY,
        MECH_FENTRY,
        [a(0), a(1), a(2), a(3), a(4), a(5)],
        0,
    );
}

#[inline(always)]
fn fexit_hop(ctx: &FExitContext) {
    let mut ret: u64 = 0;
    // SAFETY: writes the traced function's return value into `ret` (Linux 5.17+).
    unsafe { bpf_get_func_ret(ctx.as_ptr(), &raw mut ret) };
    hop(ctx.as_ptr(), HOP_EXIT, MECH_FENTRY, [0; 6], ret as i64);
}

/// `HOP_SLOTS` fentry and fexit programs: `hop_fentry_N` / `hop_fexit_N`. No function is named
/// in their sections: user space binds each slot to its function when loading it.
macro_rules! slots {
    ($($entry:ident $exit:ident),* $(,)?) => {
        $(
            #[fentry]
            pub fn $entry(ctx: FEntryContext) -> i32 {
                fentry_hop(&ctx);
                0
            }
            #[fexit]
            pub fn $exit(ctx: FExitContext) -> i32 {
                fexit_hop(&ctx);
                0
            }
        )*
    };
}

slots!(
    hop_fentry_0 hop_fexit_0,
    hop_fentry_1 hop_fexit_1,
    hop_fentry_2 hop_fexit_2,
    hop_fentry_3 hop_fexit_3,
    hop_fentry_4 hop_fexit_4,
    hop_fentry_5 hop_fexit_5,
    hop_fentry_6 hop_fexit_6,
    hop_fentry_7 hop_fexit_7,
    hop_fentry_8 hop_fexit_8,
    hop_fentry_9 hop_fexit_9,
    hop_fentry_10 hop_fexit_10,
    hop_fentry_11 hop_fexit_11,
    hop_fentry_12 hop_fexit_12,
    hop_fentry_13 hop_fexit_13,
    hop_fentry_14 hop_fexit_14,
    hop_fentry_15 hop_fexit_15,
    hop_fentry_16 hop_fexit_16,
    hop_fentry_17 hop_fexit_17,
    hop_fentry_18 hop_fexit_18,
    hop_fentry_19 hop_fexit_19,
    hop_fentry_20 hop_fexit_20,
    hop_fentry_21 hop_fexit_21,
    hop_fentry_22 hop_fexit_22,
    hop_fentry_23 hop_fexit_23,
    hop_fentry_24 hop_fexit_24,
    hop_fentry_25 hop_fexit_25,
    hop_fentry_26 hop_fexit_26,
    hop_fentry_27 hop_fexit_27,
    hop_fentry_28 hop_fexit_28,
    hop_fentry_29 hop_fexit_29,
    hop_fentry_30 hop_fexit_30,
    hop_fentry_31 hop_fexit_31,
    hop_fentry_32 hop_fexit_32,
    hop_fentry_33 hop_fexit_33,
    hop_fentry_34 hop_fexit_34,
    hop_fentry_35 hop_fexit_35,
    hop_fentry_36 hop_fexit_36,
    hop_fentry_37 hop_fexit_37,
    hop_fentry_38 hop_fexit_38,
    hop_fentry_39 hop_fexit_39,
    hop_fentry_40 hop_fexit_40,
    hop_fentry_41 hop_fexit_41,
    hop_fentry_42 hop_fexit_42,
    hop_fentry_43 hop_fexit_43,
    hop_fentry_44 hop_fexit_44,
    hop_fentry_45 hop_fexit_45,
    hop_fentry_46 hop_fexit_46,
    hop_fentry_47 hop_fexit_47,
);
