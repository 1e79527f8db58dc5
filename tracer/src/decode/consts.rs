//! Names of the constants that the calls shaping a descriptor's life take, printed as strace
//! prints them (checked against strace 6.1 on this project's machines). Values from the x86
//! uapi headers of Linux 6.18 (the same in 6.1 except where noted): include/uapi/asm-generic/
//! fcntl.h, include/uapi/linux/fcntl.h, eventfd.h, eventpoll.h, timerfd.h, signalfd.h,
//! inotify.h, sched.h (clone), wait.h, resource.h, close_range.h, splice.h (include/linux),
//! time.h (clocks), include/uapi/asm-generic/mman-common.h, ioctls.h, and
//! include/uapi/linux/fs.h (SEEK_*).

/// A family of named constants, one per argument kind (`Arg::Const`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Consts {
    /// `access`/`faccessat` mode: `F_OK` or `R_OK|W_OK|X_OK`.
    AccessMode,
    /// `AT_*` flags of the stat/link/chown family.
    AtFlags,
    /// `faccessat2`'s: `AT_EACCESS` (0x200, which is `AT_REMOVEDIR` for unlinkat).
    AccessAtFlags,
    /// `lseek`'s whence.
    Whence,
    Madvise,
    MsyncFlags,
    MremapFlags,
    Rlimit,
    CloseRangeFlags,
    WaitOptions,
    /// `waitid`'s `which`: `P_ALL`, `P_PID`, `P_PGID`, `P_PIDFD` (include/uapi/linux/wait.h).
    IdType,
    SpliceFlags,
    EventfdFlags,
    EpollFlags,
    TimerfdFlags,
    TimerfdSetFlags,
    SignalfdFlags,
    InotifyFlags,
    /// `dup3`'s: `O_CLOEXEC` only.
    Dup3Flags,
    ClockId,
    EpollOp,
    SigHow,
    IoctlCmd,
    FcntlCmd,
    CloneFlags,
    /// `arch_prctl`'s code (arch/x86/include/uapi/asm/prctl.h).
    ArchPrctl,
    /// `statx`'s flags: the sync type (`AT_STATX_SYNC_AS_STAT` for 0), then the `AT_*` flags
    /// (include/uapi/linux/fcntl.h).
    StatxFlags,
    /// `statx`'s mask: `STATX_*` (include/uapi/linux/stat.h).
    StatxMask,
    /// `getpriority`/`setpriority`'s `which`: `PRIO_*` (include/uapi/linux/resource.h).
    PrioWhich,
    /// `getitimer`/`setitimer`'s `which`: `ITIMER_*` (include/uapi/linux/time.h).
    ItimerWhich,
    /// `getrusage`'s `who`: `RUSAGE_*` (include/uapi/linux/resource.h).
    RusageWho,
    /// `getrandom`'s flags: `GRND_*` (include/uapi/linux/random.h).
    GrndFlags,
}

pub type Names = &'static [(u64, &'static str)];

/// Join the names of the set bits in list order (strace's order); what is left in hex; `0` for
/// none.
pub fn bits(value: u64, names: Names) -> String {
    bits_of(value, names.iter().map(|(b, n)| (*b, *n)))
}

/// [`bits`] over names from anywhere (two tables chained, names made at run time).
pub fn bits_of<'a>(value: u64, names: impl IntoIterator<Item = (u64, &'a str)>) -> String {
    if value == 0 {
        return "0".into();
    }
    let mut out = String::new();
    let mut left = value;
    for (bit, name) in names {
        if bit != 0 && left & bit == bit {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(name);
            left &= !bit;
        }
    }
    if left != 0 {
        if !out.is_empty() {
            out.push('|');
        }
        out.push_str(&format!("{left:#x}"));
    }
    out
}

/// The name of a value, or the value as strace prints one its table lacks:
/// `0x63 /* AF_??? */` (`0` for zero), `unknown` being the family's pattern.
pub fn one_or(value: u64, names: Names, unknown: &str) -> String {
    match names.iter().find(|(v, _)| *v == value) {
        Some((_, n)) => (*n).to_string(),
        None if value == 0 => format!("0 /* {unknown} */"),
        None => format!("{value:#x} /* {unknown} */"),
    }
}

/// C's `%#x`: `0` for zero, else `0x` and the hex digits.
pub fn hex0(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// [`bits`], with strace's comment when no bit has a name: `0x100000 /* MSG_??? */`.
pub fn bits_or(value: u64, names: Names, unknown: &str) -> String {
    let s = bits(value, names);
    if value != 0 && s.starts_with("0x") {
        format!("{s} /* {unknown} */")
    } else {
        s
    }
}

/// The name of a value, or the value in decimal.
pub fn one(value: u64, names: Names) -> String {
    names
        .iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| value.to_string(), |(_, n)| (*n).to_string())
}

const O_CLOEXEC: u64 = 0o2000000;
const O_NONBLOCK: u64 = 0o4000;
const O_DIRECTORY: u64 = 0o200000;
const O_DSYNC: u64 = 0o10000;
const O_SYNC_BIT: u64 = 0o4000000;
const O_TMPFILE_BIT: u64 = 0o20000000;

/// `O_*` after the access mode, in strace's order (include/uapi/asm-generic/fcntl.h).
const OPEN_BITS: Names = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (O_NONBLOCK, "O_NONBLOCK"),
    (O_SYNC_BIT | O_DSYNC, "O_SYNC"),
    (O_DSYNC, "O_DSYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (O_CLOEXEC, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    (O_TMPFILE_BIT | O_DIRECTORY, "O_TMPFILE"),
    (O_DIRECTORY, "O_DIRECTORY"),
    // strace 6.1 names O_ASYNC by its BSD name, last (measured:
    // `O_CLOEXEC|O_DIRECTORY|FASYNC`, `O_SYNC|O_PATH|O_DIRECTORY`).
    (0o20000, "FASYNC"),
];

/// `open`'s flags: the access mode, then the rest (`O_WRONLY|O_CREAT|O_TRUNC`).
pub fn open_flags(v: u64) -> String {
    let v = v & 0xffff_ffff;
    let acc = match v & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let rest = v & !3;
    if rest == 0 {
        acc.into()
    } else {
        format!("{acc}|{}", bits(rest, OPEN_BITS))
    }
}

/// `fcntl` commands (include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h); 12-14 are
/// ia32's `fcntl64` lock commands.
const FCNTL_CMDS: Names = &[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (12, "F_GETLK64"),
    (13, "F_SETLK64"),
    (14, "F_SETLKW64"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (1029, "F_CANCELLK"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
];

/// How `fcntl`'s third argument is shown, by command: not at all for the commands that take
/// none (strace shows `fcntl(3, F_GETFL)`).
pub fn fcntl_arg(cmd: u64, arg: u64) -> Option<String> {
    Some(match cmd as u32 {
        1 | 3 | 9 | 11 | 1025 | 1028 | 1032 | 1034 => return None,
        0 | 1030 | 1027 | 8 | 1031 => (arg as i32).to_string(),
        2 => bits(arg, &[(1, "FD_CLOEXEC")]),
        4 => open_flags(arg),
        10 => super::flags::signal(arg),
        1033 => bits(
            arg,
            &[
                (1, "F_SEAL_SEAL"),
                (2, "F_SEAL_SHRINK"),
                (4, "F_SEAL_GROW"),
                (8, "F_SEAL_WRITE"),
                (16, "F_SEAL_FUTURE_WRITE"),
                (32, "F_SEAL_EXEC"),
            ],
        ),
        1024 => one(arg, &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")]),
        _ if arg == 0 => "NULL".into(),
        _ => format!("{arg:#x}"),
    })
}

/// What `fcntl` returned, as strace shows it: flags for `F_GETFL`/`F_GETFD` (`0x8001 (flags
/// O_WRONLY|O_LARGEFILE)`), a plain number otherwise.
pub fn fcntl_ret(cmd: u64, ret: i64) -> Option<String> {
    match cmd as u32 {
        // F_GETFL: the access mode is a value, named even when 0 (strace: `0 (flags O_RDONLY)`).
        3 if ret == 0 => Some("0 (flags O_RDONLY)".into()),
        3 => Some(format!("{ret:#x} (flags {})", open_flags(ret as u64))),
        1 if ret != 0 => Some(format!(
            "{ret:#x} (flags {})",
            bits(ret as u64, &[(1, "FD_CLOEXEC")])
        )),
        // F_GET_SEALS (include/uapi/linux/fcntl.h: F_LINUX_SPECIFIC_BASE + 10, F_SEAL_*).
        1034 if ret != 0 => Some(format!(
            "{ret:#x} (seals {})",
            bits(
                ret as u64,
                &[
                    (0x1, "F_SEAL_SEAL"),
                    (0x2, "F_SEAL_SHRINK"),
                    (0x4, "F_SEAL_GROW"),
                    (0x8, "F_SEAL_WRITE"),
                    (0x10, "F_SEAL_FUTURE_WRITE"),
                    (0x20, "F_SEAL_EXEC"),
                ]
            )
        )),
        _ => None,
    }
}

/// Whether `ioctl` command `cmd` takes a pointer to an `int` that it reads (`Some(false)`) or
/// writes (`Some(true)`) (include/uapi/asm-generic/ioctls.h; drivers/tty/tty_io.c, fs/ioctl.c,
/// net/socket.c).
pub fn ioctl_int(cmd: u64) -> Option<bool> {
    match cmd as u32 {
        // FIONBIO, FIOASYNC
        0x5421 | 0x5452 => Some(false),
        // FIONREAD (SIOCINQ), TIOCOUTQ (SIOCOUTQ), TIOCGPGRP
        0x541b | 0x5411 | 0x540f => Some(true),
        _ => None,
    }
}

/// The `CLONE_*` bits (include/uapi/linux/sched.h), in strace's order.
pub const CLONE: Names = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x400000, "CLONE_DETACHED"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
    // clone3's only (Linux 5.5, 5.7).
    (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"),
    (0x2_0000_0000, "CLONE_INTO_CGROUP"),
];

/// `clone`'s flags: the `CLONE_*` bits, then the exit signal of the low byte.
pub fn clone_flags(v: u64) -> String {
    let sig = v & 0xff;
    let rest = v & !0xff & 0xffff_ffff;
    match (rest, sig) {
        (0, 0) => "0".into(),
        (0, s) => super::flags::signal(s),
        (r, 0) => bits(r, CLONE),
        (r, s) => format!("{}|{}", bits(r, CLONE), super::flags::signal(s)),
    }
}

impl Consts {
    pub fn text(self, v: u64) -> String {
        match self {
            Consts::AccessMode => {
                if v == 0 {
                    "F_OK".into()
                } else {
                    bits(v, &[(4, "R_OK"), (2, "W_OK"), (1, "X_OK")])
                }
            }
            Consts::AtFlags => bits(v, AT_FLAGS),
            // strace 6.1 src/statx.c: the sync type by name, then what else is set.
            Consts::StatxFlags => {
                const SYNC_TYPE: u64 = 0x6000;
                let sync = one_or(
                    v & SYNC_TYPE,
                    &[
                        (0, "AT_STATX_SYNC_AS_STAT"),
                        (0x2000, "AT_STATX_FORCE_SYNC"),
                        (0x4000, "AT_STATX_DONT_SYNC"),
                    ],
                    "AT_STATX_???",
                );
                match v & !SYNC_TYPE & 0xffff_ffff {
                    0 => sync,
                    rest => format!("{sync}|{}", bits(rest, AT_FLAGS)),
                }
            }
            Consts::StatxMask => bits(v & 0xffff_ffff, STATX_MASK),
            // strace 6.1's order (measured: `AT_SYMLINK_NOFOLLOW|AT_EACCESS`).
            Consts::AccessAtFlags => bits(
                v,
                &[
                    (0x100, "AT_SYMLINK_NOFOLLOW"),
                    (0x200, "AT_EACCESS"),
                    (0x1000, "AT_EMPTY_PATH"),
                ],
            ),
            Consts::Whence => one(
                v,
                &[
                    (0, "SEEK_SET"),
                    (1, "SEEK_CUR"),
                    (2, "SEEK_END"),
                    (3, "SEEK_DATA"),
                    (4, "SEEK_HOLE"),
                ],
            ),
            Consts::Madvise => one(v, MADVISE),
            Consts::MsyncFlags => bits(v, &[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")]),
            Consts::MremapFlags => bits(
                v,
                &[
                    (1, "MREMAP_MAYMOVE"),
                    (2, "MREMAP_FIXED"),
                    (4, "MREMAP_DONTUNMAP"),
                ],
            ),
            Consts::Rlimit => one(v, RLIMITS),
            Consts::CloseRangeFlags => {
                bits(v, &[(2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC")])
            }
            Consts::IdType => one(
                v & 0xffff_ffff,
                &[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")],
            ),
            Consts::WaitOptions => bits(
                v,
                &[
                    (1, "WNOHANG"),
                    (2, "WSTOPPED"),
                    (4, "WEXITED"),
                    (8, "WCONTINUED"),
                    (0x100_0000, "WNOWAIT"),
                    (0x2000_0000, "__WNOTHREAD"),
                    (0x4000_0000, "__WALL"),
                    (0x8000_0000, "__WCLONE"),
                ],
            ),
            Consts::SpliceFlags => bits(
                v,
                &[
                    (1, "SPLICE_F_MOVE"),
                    (2, "SPLICE_F_NONBLOCK"),
                    (4, "SPLICE_F_MORE"),
                    (8, "SPLICE_F_GIFT"),
                ],
            ),
            Consts::EventfdFlags => bits(
                v,
                &[
                    (1, "EFD_SEMAPHORE"),
                    (O_CLOEXEC, "EFD_CLOEXEC"),
                    (O_NONBLOCK, "EFD_NONBLOCK"),
                ],
            ),
            Consts::EpollFlags => bits(v, &[(O_CLOEXEC, "EPOLL_CLOEXEC")]),
            Consts::TimerfdFlags => bits(
                v,
                &[(O_CLOEXEC, "TFD_CLOEXEC"), (O_NONBLOCK, "TFD_NONBLOCK")],
            ),
            Consts::TimerfdSetFlags => bits(
                v,
                &[(1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")],
            ),
            Consts::SignalfdFlags => bits(
                v,
                &[(O_CLOEXEC, "SFD_CLOEXEC"), (O_NONBLOCK, "SFD_NONBLOCK")],
            ),
            Consts::InotifyFlags => {
                bits(v, &[(O_NONBLOCK, "IN_NONBLOCK"), (O_CLOEXEC, "IN_CLOEXEC")])
            }
            Consts::Dup3Flags => bits(v, &[(O_CLOEXEC, "O_CLOEXEC")]),
            Consts::ClockId => one_or(v & 0xffff_ffff, CLOCKS, "CLOCK_???"),
            Consts::PrioWhich => one_or(
                v & 0xffff_ffff,
                &[(0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER")],
                "PRIO_???",
            ),
            Consts::ItimerWhich => one_or(
                v & 0xffff_ffff,
                &[
                    (0, "ITIMER_REAL"),
                    (1, "ITIMER_VIRTUAL"),
                    (2, "ITIMER_PROF"),
                ],
                "ITIMER_???",
            ),
            Consts::RusageWho => one_or(
                v & 0xffff_ffff,
                &[
                    (0, "RUSAGE_SELF"),
                    (0xffff_ffff, "RUSAGE_CHILDREN"),
                    (1, "RUSAGE_THREAD"),
                ],
                "RUSAGE_???",
            ),
            Consts::GrndFlags => bits(
                v & 0xffff_ffff,
                &[
                    (1, "GRND_NONBLOCK"),
                    (2, "GRND_RANDOM"),
                    (4, "GRND_INSECURE"),
                ],
            ),
            Consts::EpollOp => one(
                v,
                &[
                    (1, "EPOLL_CTL_ADD"),
                    (2, "EPOLL_CTL_DEL"),
                    (3, "EPOLL_CTL_MOD"),
                ],
            ),
            Consts::SigHow => one(
                v,
                &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")],
            ),
            Consts::IoctlCmd => match IOCTLS.iter().find(|(c, _)| *c == v & 0xffff_ffff) {
                Some((_, n)) => (*n).to_string(),
                None => format!("{:#x}", v & 0xffff_ffff),
            },
            Consts::FcntlCmd => one(v & 0xffff_ffff, FCNTL_CMDS),
            Consts::CloneFlags => clone_flags(v),
            Consts::ArchPrctl => one_or(
                v & 0xffff_ffff,
                &[
                    (0x1001, "ARCH_SET_GS"),
                    (0x1002, "ARCH_SET_FS"),
                    (0x1003, "ARCH_GET_FS"),
                    (0x1004, "ARCH_GET_GS"),
                    (0x1011, "ARCH_GET_CPUID"),
                    (0x1012, "ARCH_SET_CPUID"),
                    (0x1021, "ARCH_GET_XCOMP_SUPP"),
                    (0x1022, "ARCH_GET_XCOMP_PERM"),
                    (0x1023, "ARCH_REQ_XCOMP_PERM"),
                    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
                    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
                    (0x2001, "ARCH_MAP_VDSO_X32"),
                    (0x2002, "ARCH_MAP_VDSO_32"),
                    (0x2003, "ARCH_MAP_VDSO_64"),
                ],
                "ARCH_???",
            ),
        }
    }
}

const AT_FLAGS: Names = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
    (0x8000, "AT_RECURSIVE"),
];

/// `STATX_*` in strace 6.1's order (src/xlat/statx_masks.in: the sets first).
pub(super) const STATX_MASK: Names = &[
    (0xfff, "STATX_ALL"),
    (0x7ff, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
];

const MADVISE: Names = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
    (102, "MADV_GUARD_INSTALL"),
    (103, "MADV_GUARD_REMOVE"),
];

const RLIMITS: Names = &[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
];

const CLOCKS: Names = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (11, "CLOCK_TAI"),
];

/// The ioctls of terminals, pipes and sockets a program meets first
/// (include/uapi/asm-generic/ioctls.h; SIOCINQ is FIONREAD and SIOCOUTQ is TIOCOUTQ,
/// include/uapi/linux/sockios.h, and strace names them so).
const IOCTLS: Names = &[
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
    (0x540f, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x541b, "FIONREAD"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_strace_prints_them() {
        assert_eq!(open_flags(0o1101), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(open_flags(0o4000), "O_RDONLY|O_NONBLOCK");
        assert_eq!(open_flags(0x8001), "O_WRONLY|O_LARGEFILE");
        assert_eq!(open_flags(0o20200002), "O_RDWR|O_TMPFILE");
        assert_eq!(open_flags(0o4010000), "O_RDONLY|O_SYNC");
        assert_eq!(fcntl_arg(3, 0), None);
        assert_eq!(
            fcntl_arg(4, 0o6000).as_deref(),
            Some("O_RDONLY|O_APPEND|O_NONBLOCK")
        );
        assert_eq!(fcntl_arg(2, 1).as_deref(), Some("FD_CLOEXEC"));
        assert_eq!(
            fcntl_ret(3, 0x8001).as_deref(),
            Some("0x8001 (flags O_WRONLY|O_LARGEFILE)")
        );
        assert_eq!(fcntl_ret(1, 0), None);
        assert_eq!(
            clone_flags(0x1200011),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
        );
        assert_eq!(Consts::AccessMode.text(6), "R_OK|W_OK");
        assert_eq!(Consts::AccessMode.text(0), "F_OK");
        assert_eq!(
            Consts::EventfdFlags.text(0o2004000),
            "EFD_CLOEXEC|EFD_NONBLOCK"
        );
        assert_eq!(
            Consts::TimerfdFlags.text(0o2004000),
            "TFD_CLOEXEC|TFD_NONBLOCK"
        );
        assert_eq!(Consts::ClockId.text(1), "CLOCK_MONOTONIC");
        assert_eq!(Consts::EpollOp.text(1), "EPOLL_CTL_ADD");
        assert_eq!(Consts::SigHow.text(2), "SIG_SETMASK");
        assert_eq!(Consts::IoctlCmd.text(0x541b), "FIONREAD");
        assert_eq!(Consts::IoctlCmd.text(0x1234), "0x1234");
        assert_eq!(Consts::WaitOptions.text(1), "WNOHANG");
        assert_eq!(Consts::Rlimit.text(7), "RLIMIT_NOFILE");
        assert_eq!(Consts::Madvise.text(4), "MADV_DONTNEED");
        assert_eq!(Consts::CloseRangeFlags.text(0), "0");
        assert_eq!(Consts::AccessAtFlags.text(0x200), "AT_EACCESS");
        assert_eq!(Consts::AtFlags.text(0x1000), "AT_EMPTY_PATH");
        assert_eq!(Consts::Dup3Flags.text(0o2000000), "O_CLOEXEC");
        assert_eq!(Consts::Whence.text(2), "SEEK_END");
        assert_eq!(ioctl_int(0x541b), Some(true));
        assert_eq!(ioctl_int(0x5421), Some(false));
        assert_eq!(ioctl_int(0x5401), None);
    }
}
