//! `prctl(2)` as strace 6.1 shows it (src/prctl.c, measured on the same calls): the option by
//! name and the arguments that option reads, each as it reads it. Options and their values:
//! include/uapi/linux/prctl.h; capabilities: include/uapi/linux/capability.h. The options strace
//! 6.1 names but this file does not decode show their four arguments in hex, as strace shows
//! the options it does not decode.

use super::consts::{Names, one_or};

/// How one of the four arguments after the option is shown.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An `unsigned long` in decimal.
    Dec,
    /// In hex (C's `%#lx`: `0` for zero).
    Hex,
    /// A signal, by name (`0` for none).
    Sig,
    /// An `int` the kernel wrote, as a signal (`[SIGTERM]`).
    SigOut,
    /// An `int` the kernel wrote (`[1]`).
    IntOut,
    /// An `int` the kernel wrote, named from a table (`[PR_TSC_ENABLE]`).
    NamedOut(Names, &'static str),
    /// A pointer the kernel wrote (`[0x7f...]`).
    PtrOut,
    /// A C string read at entry (`PR_SET_NAME`'s, `PR_SET_VMA`'s name).
    Str,
    /// The task's name the kernel wrote (16 bytes, NUL-terminated).
    StrOut,
    /// A capability by name (`CAP_SYS_ADMIN`).
    Cap,
    /// A value named from a table, strace's comment when unknown.
    Named(Names, &'static str),
    /// Bits named from a table.
    Bits(Names),
    /// `PR_SET_PTRACER`'s pid: `PR_SET_PTRACER_ANY` for -1.
    Ptracer,
}

/// How the return value is shown.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RetShape {
    Dec,
    /// In hex (strace's `RVAL_HEX` for the options it does not decode).
    Hex,
    /// A value with its name (`1 (SUID_DUMP_USER)`).
    Named(Names),
}

use Shape::{
    Bits, Cap, Dec, Hex, IntOut, Named, NamedOut, PtrOut, Ptracer, Sig, SigOut, Str, StrOut,
};

const DUMPABLE: Names = &[
    (0, "SUID_DUMP_DISABLE"),
    (1, "SUID_DUMP_USER"),
    (2, "SUID_DUMP_ROOT"),
];
const UNALIGN: Names = &[(1, "PR_UNALIGN_NOPRINT"), (2, "PR_UNALIGN_SIGBUS")];
const TSC: Names = &[(1, "PR_TSC_ENABLE"), (2, "PR_TSC_SIGSEGV")];
const FP_MODE: Names = &[(1, "PR_FP_MODE_FR"), (2, "PR_FP_MODE_FRE")];
const MCE_KILL: Names = &[
    (0, "PR_MCE_KILL_LATE"),
    (1, "PR_MCE_KILL_EARLY"),
    (2, "PR_MCE_KILL_DEFAULT"),
];
/// include/uapi/linux/securebits.h, in strace's order.
const SECUREBITS: Names = &[
    (1 << 0, "SECBIT_NOROOT"),
    (1 << 1, "SECBIT_NOROOT_LOCKED"),
    (1 << 2, "SECBIT_NO_SETUID_FIXUP"),
    (1 << 3, "SECBIT_NO_SETUID_FIXUP_LOCKED"),
    (1 << 4, "SECBIT_KEEP_CAPS"),
    (1 << 5, "SECBIT_KEEP_CAPS_LOCKED"),
    (1 << 6, "SECBIT_NO_CAP_AMBIENT_RAISE"),
    (1 << 7, "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED"),
];
const VMA_OPS: Names = &[(0, "PR_SET_VMA_ANON_NAME")];

pub const CAPS: Names = &[
    (0, "CAP_CHOWN"),
    (1, "CAP_DAC_OVERRIDE"),
    (2, "CAP_DAC_READ_SEARCH"),
    (3, "CAP_FOWNER"),
    (4, "CAP_FSETID"),
    (5, "CAP_KILL"),
    (6, "CAP_SETGID"),
    (7, "CAP_SETUID"),
    (8, "CAP_SETPCAP"),
    (9, "CAP_LINUX_IMMUTABLE"),
    (10, "CAP_NET_BIND_SERVICE"),
    (11, "CAP_NET_BROADCAST"),
    (12, "CAP_NET_ADMIN"),
    (13, "CAP_NET_RAW"),
    (14, "CAP_IPC_LOCK"),
    (15, "CAP_IPC_OWNER"),
    (16, "CAP_SYS_MODULE"),
    (17, "CAP_SYS_RAWIO"),
    (18, "CAP_SYS_CHROOT"),
    (19, "CAP_SYS_PTRACE"),
    (20, "CAP_SYS_PACCT"),
    (21, "CAP_SYS_ADMIN"),
    (22, "CAP_SYS_BOOT"),
    (23, "CAP_SYS_NICE"),
    (24, "CAP_SYS_RESOURCE"),
    (25, "CAP_SYS_TIME"),
    (26, "CAP_SYS_TTY_CONFIG"),
    (27, "CAP_MKNOD"),
    (28, "CAP_LEASE"),
    (29, "CAP_AUDIT_WRITE"),
    (30, "CAP_AUDIT_CONTROL"),
    (31, "CAP_SETFCAP"),
    (32, "CAP_MAC_OVERRIDE"),
    (33, "CAP_MAC_ADMIN"),
    (34, "CAP_SYSLOG"),
    (35, "CAP_WAKE_ALARM"),
    (36, "CAP_BLOCK_SUSPEND"),
    (37, "CAP_AUDIT_READ"),
    (38, "CAP_PERFMON"),
    (39, "CAP_BPF"),
    (40, "CAP_CHECKPOINT_RESTORE"),
];

/// An option: its value, its name, the arguments it reads (`None`: the four in hex, strace's
/// way with the options it does not decode) and its return.
struct Opt {
    value: u64,
    name: &'static str,
    args: Option<&'static [Shape]>,
    ret: RetShape,
}

const fn o(value: u64, name: &'static str, args: &'static [Shape]) -> Opt {
    Opt {
        value,
        name,
        args: Some(args),
        ret: RetShape::Dec,
    }
}

/// Named, not decoded: four arguments and the return in hex.
const fn n(value: u64, name: &'static str) -> Opt {
    Opt {
        value,
        name,
        args: None,
        ret: RetShape::Hex,
    }
}

const FOUR: &[Shape] = &[Dec, Dec, Dec, Dec];

const OPTIONS: &[Opt] = &[
    o(1, "PR_SET_PDEATHSIG", &[Sig]),
    o(2, "PR_GET_PDEATHSIG", &[SigOut]),
    Opt {
        ret: RetShape::Named(DUMPABLE),
        ..o(3, "PR_GET_DUMPABLE", &[])
    },
    o(4, "PR_SET_DUMPABLE", &[Named(DUMPABLE, "SUID_DUMP_???")]),
    o(5, "PR_GET_UNALIGN", &[IntOut]),
    o(6, "PR_SET_UNALIGN", &[Bits(UNALIGN)]),
    o(7, "PR_GET_KEEPCAPS", &[]),
    o(8, "PR_SET_KEEPCAPS", &[Dec]),
    o(9, "PR_GET_FPEMU", &[IntOut]),
    o(10, "PR_SET_FPEMU", &[Dec]),
    o(11, "PR_GET_FPEXC", &[IntOut]),
    n(12, "PR_SET_FPEXC"),
    o(13, "PR_GET_TIMING", &[]),
    o(14, "PR_SET_TIMING", &[Dec]),
    o(15, "PR_SET_NAME", &[Str]),
    o(16, "PR_GET_NAME", &[StrOut]),
    o(19, "PR_GET_ENDIAN", &[IntOut]),
    o(20, "PR_SET_ENDIAN", &[Dec]),
    o(21, "PR_GET_SECCOMP", &[]),
    n(22, "PR_SET_SECCOMP"),
    o(23, "PR_CAPBSET_READ", &[Cap]),
    o(24, "PR_CAPBSET_DROP", &[Cap]),
    o(25, "PR_GET_TSC", &[NamedOut(TSC, "PR_TSC_???")]),
    o(26, "PR_SET_TSC", &[Named(TSC, "PR_TSC_???")]),
    o(27, "PR_GET_SECUREBITS", &[]),
    o(28, "PR_SET_SECUREBITS", &[Bits(SECUREBITS)]),
    o(29, "PR_SET_TIMERSLACK", &[Dec]),
    o(30, "PR_GET_TIMERSLACK", &[]),
    o(31, "PR_TASK_PERF_EVENTS_DISABLE", &[]),
    o(32, "PR_TASK_PERF_EVENTS_ENABLE", &[]),
    n(33, "PR_MCE_KILL"),
    Opt {
        ret: RetShape::Named(MCE_KILL),
        ..o(34, "PR_MCE_KILL_GET", FOUR)
    },
    n(35, "PR_SET_MM"),
    o(36, "PR_SET_CHILD_SUBREAPER", &[Dec]),
    o(37, "PR_GET_CHILD_SUBREAPER", &[IntOut]),
    o(38, "PR_SET_NO_NEW_PRIVS", FOUR),
    o(39, "PR_GET_NO_NEW_PRIVS", FOUR),
    o(40, "PR_GET_TID_ADDRESS", &[PtrOut]),
    o(41, "PR_SET_THP_DISABLE", FOUR),
    o(42, "PR_GET_THP_DISABLE", FOUR),
    o(43, "PR_MPX_ENABLE_MANAGEMENT", FOUR),
    o(44, "PR_MPX_DISABLE_MANAGEMENT", FOUR),
    o(45, "PR_SET_FP_MODE", &[Bits(FP_MODE)]),
    o(46, "PR_GET_FP_MODE", &[]),
    n(47, "PR_CAP_AMBIENT"),
    o(50, "PR_SVE_SET_VL", &[Hex]),
    o(51, "PR_SVE_GET_VL", &[]),
    n(52, "PR_GET_SPECULATION_CTRL"),
    n(53, "PR_SET_SPECULATION_CTRL"),
    n(54, "PR_PAC_RESET_KEYS"),
    n(55, "PR_SET_TAGGED_ADDR_CTRL"),
    n(56, "PR_GET_TAGGED_ADDR_CTRL"),
    o(57, "PR_SET_IO_FLUSHER", FOUR),
    o(58, "PR_GET_IO_FLUSHER", FOUR),
    n(59, "PR_SET_SYSCALL_USER_DISPATCH"),
    n(60, "PR_PAC_SET_ENABLED_KEYS"),
    n(61, "PR_PAC_GET_ENABLED_KEYS"),
    n(62, "PR_SCHED_CORE"),
    o(0x5961_6d61, "PR_SET_PTRACER", &[Ptracer]),
    o(
        0x5356_4d41,
        "PR_SET_VMA",
        &[Named(VMA_OPS, "PR_SET_VMA_???"), Hex, Dec, Str],
    ),
];

fn find(option: u64) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| o.value == option & 0xffff_ffff)
}

/// The option's name (`0x3e8 /* PR_??? */` when unknown).
pub fn option_name(option: u64) -> String {
    match find(option) {
        Some(o) => o.name.into(),
        None => one_or(option & 0xffff_ffff, &[], "PR_???"),
    }
}

/// How argument `i` (1 to 4, after the option) is shown; `None` when the option does not
/// read it.
pub fn shape(option: u64, i: usize) -> Option<Shape> {
    match find(option).and_then(|o| o.args) {
        Some(args) => args.get(i.checked_sub(1)?).copied(),
        None => Some(Hex),
    }
}

/// The return value of a successful call.
pub fn ret(option: u64, ret: i64) -> String {
    let shape = find(option).map_or(RetShape::Hex, |o| o.ret);
    match shape {
        RetShape::Dec => ret.to_string(),
        RetShape::Hex => super::consts::hex0(ret as u64),
        RetShape::Named(names) => match names.iter().find(|(v, _)| *v == ret as u64) {
            Some((_, name)) => format!("{ret} ({name})"),
            None => ret.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::consts::bits;
    use super::*;

    #[test]
    fn options_and_their_arguments_as_strace_shows_them() {
        assert_eq!(option_name(15), "PR_SET_NAME");
        assert_eq!(option_name(1000), "0x3e8 /* PR_??? */");
        assert_eq!(shape(15, 1), Some(Str));
        assert_eq!(shape(15, 2), None);
        assert_eq!(shape(1000, 4), Some(Hex));
        assert_eq!(shape(38, 4), Some(Dec));
        assert_eq!(ret(3, 1), "1 (SUID_DUMP_USER)");
        assert_eq!(ret(34, 2), "2 (PR_MCE_KILL_DEFAULT)");
        assert_eq!(ret(30, 50000), "50000");
        assert_eq!(ret(52, 2), "0x2");
        assert_eq!(
            one_or(7, DUMPABLE, "SUID_DUMP_???"),
            "0x7 /* SUID_DUMP_??? */"
        );
        assert_eq!(
            bits(0x2f, SECUREBITS),
            "SECBIT_NOROOT|SECBIT_NOROOT_LOCKED|SECBIT_NO_SETUID_FIXUP|\
             SECBIT_NO_SETUID_FIXUP_LOCKED|SECBIT_KEEP_CAPS_LOCKED"
        );
        assert_eq!(one_or(99, CAPS, "CAP_???"), "0x63 /* CAP_??? */");
    }
}
