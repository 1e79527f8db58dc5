//! Structures the calls that shape a descriptor's life pass through user memory, shown as
//! strace 6.1 shows them. Layouts from the x86 uapi headers (Linux 6.18): `struct pollfd`
//! (include/uapi/asm-generic/poll.h), `struct epoll_event` (include/uapi/linux/eventpoll.h,
//! packed on x86: 12 bytes), `sigset_t` as the kernel takes it (64 bits), `struct rlimit64`
//! (include/uapi/linux/resource.h), and the wait status bits (include/uapi/linux/wait.h and
//! the W* macros of POSIX), the time structures (include/uapi/linux/time.h, time_types.h,
//! include/vdso/time32.h) and `fd_set` (include/uapi/linux/posix_types.h).

use super::consts::{Names, bits};
use super::flags::{self, S_IFBLK, S_IFCHR, S_IFMT};

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

/// A signal's name without `SIG`, as in strace's sets: `USR1`, `RTMIN`, `RT_1` (numbered from
/// the kernel's first real-time signal, 32, as strace 6.1 numbers them: glibc's `SIGRTMIN`, 34,
/// is `RT_2`).
fn short_signal(n: u32) -> String {
    let name = flags::signal(u64::from(n));
    name.strip_prefix("SIG")
        .map_or(name.clone(), str::to_string)
}

/// `[USR1 CHLD]`; a set holding most signals as its complement, `~[KILL STOP]`, as strace does.
pub fn sigset(d: &[u8]) -> Option<String> {
    let set = u64_at(d, 0)?;
    let (mark, shown) = if set.count_ones() > 32 {
        ("~", !set)
    } else {
        ("", set)
    };
    let names: Vec<String> = (1..=64u32)
        .filter(|n| shown & (1u64 << (n - 1)) != 0)
        .map(short_signal)
        .collect();
    Some(format!("{mark}[{}]", names.join(" ")))
}

const POLL: &[(u64, &str)] = &[
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (0x2000, "POLLRDHUP"),
];

/// `[{fd=3, events=POLLIN}]` at entry; at exit only the ready ones, with their `revents`.
pub fn pollfds(d: &[u8], revents: bool) -> String {
    pollfds_with(d, revents, &|_, _| {})
}

/// [`pollfds`], each descriptor followed by what `describe` says of it (`-y`:
/// `{fd=3<pipe:[5]>, events=POLLIN}`).
pub fn pollfds_with(d: &[u8], revents: bool, describe: &dyn Fn(i32, &mut String)) -> String {
    let items: Vec<String> = d
        .chunks_exact(8)
        .filter_map(|c| {
            let fd = i32::from_le_bytes(c[0..4].try_into().ok()?);
            let ev = u16::from_le_bytes(c[4..6].try_into().ok()?);
            let rev = u16::from_le_bytes(c[6..8].try_into().ok()?);
            // A negative descriptor is ignored by the kernel (fs/select.c `do_pollfd`): strace
            // shows it alone, `{fd=-1}`.
            if fd < 0 {
                return (!revents).then(|| format!("{{fd={fd}}}"));
            }
            let mut what = String::new();
            describe(fd, &mut what);
            if revents {
                (rev != 0).then(|| format!("{{fd={fd}{what}, revents={}}}", bits(rev.into(), POLL)))
            } else {
                Some(format!(
                    "{{fd={fd}{what}, events={}}}",
                    bits(ev.into(), POLL)
                ))
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

const EPOLL: &[(u64, &str)] = &[
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
];

/// `{events=EPOLLIN|EPOLLET, data={u32=7, u64=7}}`.
pub fn epoll_event(d: &[u8]) -> Option<String> {
    let events = u32_at(d, 0)?;
    let data = u64_at(d, 4)?;
    Some(format!(
        "{{events={}, data={{u32={}, u64={data}}}}}",
        bits(events.into(), EPOLL),
        data as u32
    ))
}

/// `[{events=EPOLLIN, data={u32=7, u64=7}}, ...]`: the events the kernel wrote.
pub fn epoll_events(d: &[u8]) -> String {
    let items: Vec<String> = d.chunks_exact(12).filter_map(epoll_event).collect();
    format!("[{}]", items.join(", "))
}

/// `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
pub fn wait_status(d: &[u8]) -> Option<String> {
    let s = u32_at(d, 0)?;
    let sig = |n: u32| flags::signal(u64::from(n));
    // WIFEXITED: no terminating signal in the low 7 bits.
    let term = s & 0x7f;
    let inner = if term == 0 {
        format!("WIFEXITED(s) && WEXITSTATUS(s) == {}", (s >> 8) & 0xff)
    } else if s & 0xff == 0x7f {
        format!("WIFSTOPPED(s) && WSTOPSIG(s) == {}", sig((s >> 8) & 0xff))
    } else if s == 0xffff {
        "WIFCONTINUED(s)".into()
    } else {
        let core = if s & 0x80 != 0 {
            " && WCOREDUMP(s)"
        } else {
            ""
        };
        format!("WIFSIGNALED(s) && WTERMSIG(s) == {}{core}", sig(s & 0x7f))
    };
    Some(format!("[{{{inner}}}]"))
}

/// Where a `struct stat`'s fields are: x86_64's (arch/x86/include/uapi/asm/stat.h), ia32's
/// `struct stat64` (same file, `__i386__`, packed) and `struct compat_stat`
/// (arch/x86/include/asm/compat.h).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StatLayout {
    X86_64,
    Stat64,
    Compat,
}

/// A `struct stat` as strace shows it without `-v`: `{st_mode=S_IFREG|0644, st_size=7,
/// ...}`, a device's number instead of its size (`st_rdev=makedev(0x1, 0x3)`; strace 6.1
/// src/print_struct_stat.c).
pub fn stat(d: &[u8], layout: StatLayout) -> Option<String> {
    // (st_mode and its width, st_rdev and its width, st_size and its width)
    let ((mode_at, mode_w), (rdev_at, rdev_w), (size_at, size_w)) = match layout {
        StatLayout::X86_64 => ((24, 4), (40, 8), (48, 8)),
        StatLayout::Stat64 => ((16, 4), (32, 8), (44, 8)),
        StatLayout::Compat => ((8, 2), (16, 4), (20, 4)),
    };
    let field = |at: usize, w: usize| -> Option<u64> {
        let b = d.get(at..at + w)?;
        let mut v = [0u8; 8];
        v[..w].copy_from_slice(b);
        Some(u64::from_le_bytes(v))
    };
    let mode = field(mode_at, mode_w)?;
    let what = if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) {
        // The kernel's `new_encode_dev` form (fs/stat.c `cp_new_stat`).
        format!("st_rdev={}", super::flags::makedev(field(rdev_at, rdev_w)?))
    } else {
        let size = field(size_at, size_w)?;
        let size = if size_w == 8 {
            size as i64
        } else {
            i64::from(size as u32)
        };
        format!("st_size={size}")
    };
    Some(format!("{{st_mode={}, {what}, ...}}", stat_mode(mode)))
}

/// A `struct statx` as strace shows it without `-v`: `{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID,
/// stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=7, ...}` (include/uapi/linux/stat.h;
/// strace 6.1 src/statx.c).
pub fn statx(d: &[u8]) -> Option<String> {
    /// `STATX_ATTR_*` (include/uapi/linux/stat.h).
    const ATTRS: Names = &[
        (0x4, "STATX_ATTR_COMPRESSED"),
        (0x10, "STATX_ATTR_IMMUTABLE"),
        (0x20, "STATX_ATTR_APPEND"),
        (0x40, "STATX_ATTR_NODUMP"),
        (0x800, "STATX_ATTR_ENCRYPTED"),
        (0x1000, "STATX_ATTR_AUTOMOUNT"),
        (0x2000, "STATX_ATTR_MOUNT_ROOT"),
        (0x10_0000, "STATX_ATTR_VERITY"),
        (0x20_0000, "STATX_ATTR_DAX"),
    ];
    let mask = u32_at(d, 0)?;
    let attrs = u64_at(d, 8)?;
    let mode = u16::from_le_bytes(d.get(28..30)?.try_into().ok()?);
    Some(format!(
        "{{stx_mask={}, stx_attributes={}, stx_mode={}, stx_size={}, ...}}",
        super::consts::Consts::StatxMask.text(u64::from(mask)),
        super::consts::bits(attrs, ATTRS),
        stat_mode(u64::from(mode)),
        u64_at(d, 40)?
    ))
}

/// A file's mode as strace shows it (strace 6.1 src/printmode.c `print_symbolic_mode_t`): the
/// type, the set-id and sticky bits, the permissions in octal (`S_IFDIR|S_ISVTX|0777`,
/// `S_IFREG|0644`).
pub fn stat_mode(v: u64) -> String {
    const TYPES: Names = &[
        (0o140_000, "S_IFSOCK"),
        (0o120_000, "S_IFLNK"),
        (0o100_000, "S_IFREG"),
        (S_IFBLK, "S_IFBLK"),
        (0o040_000, "S_IFDIR"),
        (S_IFCHR, "S_IFCHR"),
        (0o010_000, "S_IFIFO"),
    ];
    // A type strace has no name for (0: `mknod`'s regular file) is left out, as it does.
    let mut out = String::new();
    if let Some((_, name)) = TYPES.iter().find(|(t, _)| *t == v & S_IFMT) {
        out.push_str(name);
        out.push('|');
    }
    for (bit, name) in [
        (0o4000, "S_ISUID"),
        (0o2000, "S_ISGID"),
        (0o1000, "S_ISVTX"),
    ] {
        if v & bit != 0 {
            out.push_str(name);
            out.push('|');
        }
    }
    out.push_str(&super::octal_mode(v & 0o777));
    out
}

/// `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`: two fields of `width` bytes (8, or 4 in
/// ia32's `struct compat_rlimit`), all ones being `infinity` (include/uapi/linux/resource.h
/// `RLIM_INFINITY`, `RLIM64_INFINITY`).
pub fn rlimit(d: &[u8], width: usize, infinity: &str) -> Option<String> {
    let all = if width == 8 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    let one = |v: u64| match v {
        v if v == all => infinity.to_string(),
        v if v > 0 && v % 1024 == 0 => format!("{}*1024", v / 1024),
        v => v.to_string(),
    };
    let field = |at: usize| {
        if width == 8 {
            u64_at(d, at)
        } else {
            u32_at(d, at).map(u64::from)
        }
    };
    Some(format!(
        "{{rlim_cur={}, rlim_max={}}}",
        one(field(0)?),
        one(field(width)?)
    ))
}

/// A signed field of `width` bytes (4 or 8) at `at`.
fn long_at(d: &[u8], at: usize, width: usize) -> Option<i64> {
    if width == 4 {
        Some(i64::from(u32_at(d, at)? as i32))
    } else {
        Some(u64_at(d, at)? as i64)
    }
}

/// `{tv_sec=1, tv_nsec=500}`: a `struct timespec` of `width`-byte fields (8: x86_64's and
/// `__kernel_timespec`; 4: ia32's `old_timespec32`, include/vdso/time32.h).
pub fn timespec(d: &[u8], width: usize) -> Option<String> {
    let (sec, nsec) = (long_at(d, 0, width)?, long_at(d, width, width)?);
    Some(format!("{{tv_sec={sec}, tv_nsec={nsec}}}"))
}

/// `{tv_sec=1, tv_usec=500}`: a `struct timeval` (`compat_timeval` on ia32).
pub fn timeval(d: &[u8], width: usize) -> Option<String> {
    let (sec, usec) = (long_at(d, 0, width)?, long_at(d, width, width)?);
    Some(format!("{{tv_sec={sec}, tv_usec={usec}}}"))
}

/// `{it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=3, tv_nsec=4}}`.
pub fn itimerspec(d: &[u8], width: usize) -> Option<String> {
    Some(format!(
        "{{it_interval={}, it_value={}}}",
        timespec(d, width)?,
        timespec(d.get(2 * width..)?, width)?
    ))
}

/// `{it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=20000}}`: a `struct
/// itimerval` (include/uapi/linux/time.h; `old_itimerval32` of `compat_timeval`s on ia32).
pub fn itimerval(d: &[u8], width: usize) -> Option<String> {
    Some(format!(
        "{{it_interval={}, it_value={}}}",
        timeval(d, width)?,
        timeval(d.get(2 * width..)?, width)?
    ))
}

/// `{ru_utime={tv_sec=0, tv_usec=0}, ru_stime={tv_sec=0, tv_usec=3534}, ...}`: a `struct
/// rusage`'s two times, the rest elided as strace elides it without `-v`
/// (include/uapi/linux/resource.h; `compat_rusage` on ia32).
pub fn rusage(d: &[u8], width: usize) -> Option<String> {
    Some(format!(
        "{{ru_utime={}, ru_stime={}, ...}}",
        timeval(d, width)?,
        timeval(d.get(2 * width..)?, width)?
    ))
}

/// `{entry_number=-1, base_addr=0xf7f99580, limit=0x0fffff, seg_32bit=1, contents=0,
/// read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1}`: a `struct user_desc`
/// (arch/x86/include/uapi/asm/ldt.h: three `unsigned int`s, then bit fields; `lm` only in
/// x86_64's), as strace 6.1 writes it (measured: `%#08x` addresses, the entry number signed).
pub fn user_desc(d: &[u8], x86_64: bool) -> Option<String> {
    let u = |at: usize| Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?));
    let bits = u(12)?;
    let bit = |shift: u32, width: u32| (bits >> shift) & ((1 << width) - 1);
    let mut s = format!(
        "{{entry_number={}, base_addr={:#08x}, limit={:#08x}, seg_32bit={}, contents={}, \
         read_exec_only={}, limit_in_pages={}, seg_not_present={}, useable={}",
        u(0)? as i32,
        u(4)?,
        u(8)?,
        bit(0, 1),
        bit(1, 2),
        bit(3, 1),
        bit(4, 1),
        bit(5, 1),
        bit(6, 1)
    );
    if x86_64 {
        s.push_str(&format!(", lm={}", bit(7, 1)));
    }
    s.push('}');
    Some(s)
}

/// `{sysname="Linux", nodename="vm", ...}`: `struct new_utsname`'s first two fields of 65
/// bytes each (include/uapi/linux/utsname.h), as strace shows it without `-v`.
pub fn utsname(d: &[u8]) -> Option<String> {
    const LEN: usize = 65;
    let field = |at: usize| -> Option<String> {
        let f = d.get(at..at + LEN)?;
        let end = f.iter().position(|&b| b == 0).unwrap_or(LEN);
        Some(format!("\"{}\"", super::quote(&f[..end])))
    };
    Some(format!(
        "{{sysname={}, nodename={}, ...}}",
        field(0)?,
        field(LEN)?
    ))
}

/// `utimensat`'s `tv_nsec` values that are not times (include/uapi/linux/stat.h).
const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

/// `[{tv_sec=1, tv_nsec=2} /* 1970-01-01T00:00:01.000000002+0000 */, UTIME_OMIT]`:
/// `utimensat`'s access and modification times, each with its date as strace writes it
/// (strace uses the local time zone; tracer writes UTC, docs/trace-format.md).
pub fn utimens(d: &[u8], width: usize) -> Option<String> {
    let one = |at: usize| -> Option<String> {
        let (sec, nsec) = (long_at(d, at, width)?, long_at(d, at + width, width)?);
        Some(match nsec {
            UTIME_NOW => "UTIME_NOW".into(),
            UTIME_OMIT => "UTIME_OMIT".into(),
            _ => format!(
                "{{tv_sec={sec}, tv_nsec={nsec}}} /* {}.{nsec:09}+0000 */",
                utc(sec)
            ),
        })
    };
    Some(format!("[{}, {}]", one(0)?, one(2 * width)?))
}

/// `1970-01-01T00:00:01`: seconds since the epoch as a UTC date and time (the proleptic
/// Gregorian calendar, Howard Hinnant's `civil_from_days`).
fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The descriptors below `n` in an `fd_set` (`[3 4]`): bit `fd % 8` of byte `fd / 8`, on
/// both ABIs (an array of little-endian `long`s, include/uapi/linux/posix_types.h).
pub fn fd_set(d: &[u8], n: i64) -> String {
    fd_set_with(d, n, &|_, _| {})
}

/// [`fd_set`], each descriptor followed by what `describe` says of it (`-y`: `[3<pipe:[5]>]`).
pub fn fd_set_with(d: &[u8], n: i64, describe: &dyn Fn(i32, &mut String)) -> String {
    let mut s = String::from("[");
    for (i, fd) in fd_set_members(d, n).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&fd.to_string());
        describe(fd as i32, &mut s);
    }
    s.push(']');
    s
}

/// The descriptors in an `fd_set`, below `n` and within the bytes copied.
pub fn fd_set_members(d: &[u8], n: i64) -> impl Iterator<Item = usize> + '_ {
    let n = usize::try_from(n.max(0)).unwrap_or(0).min(d.len() * 8);
    (0..n).filter(move |fd| d[fd / 8] & (1 << (fd % 8)) != 0)
}

/// `SIGCHLD`'s codes (include/uapi/asm-generic/siginfo.h).
const CLD: [&str; 6] = [
    "CLD_EXITED",
    "CLD_KILLED",
    "CLD_DUMPED",
    "CLD_TRAPPED",
    "CLD_STOPPED",
    "CLD_CONTINUED",
];

/// A `clock_t` of `width` bytes as strace's `print_clock_t` shows it (src/util.c, strace 6.1):
/// unsigned, and when not 0 the seconds in a comment, in ticks of `USER_HZ`, 100 on x86
/// (arch/x86/include/asm/param.h): `2 /* 0.02 s */`.
fn clock_t(v: i64, width: usize) -> String {
    const USER_HZ: u64 = 100;
    let v = if width == 4 {
        u64::from(v as u32)
    } else {
        v as u64
    };
    if v == 0 {
        return "0".into();
    }
    format!("{v} /* {}.{:02} s */", v / USER_HZ, v % USER_HZ)
}

/// A `siginfo_t` the kernel wrote (`rt_sigtimedwait`, `waitid`), as strace's `printsiginfo`
/// shows the kinds these calls return: `{si_signo=SIGUSR1, si_code=SI_USER, si_pid=7,
/// si_uid=0}`; a child's `{..., si_status=3, si_utime=0, si_stime=0}`; `{}` when nothing was
/// filled in (`waitid` with `WNOHANG` and no child ready). Its union starts after three `int`s,
/// aligned to the ABI's `long` (include/uapi/asm-generic/siginfo.h): 16 on x86_64, 12 on ia32;
/// `si_utime`/`si_stime` are `long`s after `si_status`. Other codes show signo and code only.
pub fn siginfo(d: &[u8], long: usize) -> Option<String> {
    let signo = u32_at(d, 0)?;
    if signo == 0 {
        return Some("{}".into());
    }
    let code = u32_at(d, 8)? as i32;
    let u = if long == 8 { 16 } else { 12 };
    let sig = flags::signal(u64::from(signo));
    let head = |code: &str| format!("{{si_signo={sig}, si_code={code}");
    let (pid, uid) = (u32_at(d, u)? as i32, u32_at(d, u + 4)?);
    // SIGCHLD (include/uapi/asm-generic/signal.h): 17.
    if signo == 17 && (1..=6).contains(&code) {
        let status = u32_at(d, u + 8)? as i32;
        let clock_at = (u + 12).next_multiple_of(long);
        let (utime, stime) = (
            clock_t(long_at(d, clock_at, long)?, long),
            clock_t(long_at(d, clock_at + long, long)?, long),
        );
        let status = if code == 1 {
            status.to_string()
        } else {
            flags::signal(u64::from(status as u32))
        };
        return Some(format!(
            "{}, si_pid={pid}, si_uid={uid}, si_status={status}, si_utime={utime}, si_stime={stime}}}",
            head(CLD[(code - 1) as usize])
        ));
    }
    match code {
        // SI_USER, SI_TKILL: the sender.
        0 | -6 => Some(format!(
            "{}, si_pid={pid}, si_uid={uid}}}",
            head(&flags::si_code(code))
        )),
        // SI_QUEUE, SI_MESGQ (include/uapi/asm-generic/siginfo.h): the sender and the value
        // it sent, `union sigval` after them (its `int`, then all of it as a pointer).
        -1 | -3 => {
            let at = (u + 8).next_multiple_of(long);
            let int = u32_at(d, at)? as i32;
            let ptr = long_at(d, at, long)?;
            Some(format!(
                "{}, si_pid={pid}, si_uid={uid}, si_int={int}, si_ptr={ptr:#x}}}",
                head(&flags::si_code(code))
            ))
        }
        _ => Some(format!("{}}}", head(&flags::si_code(code)))),
    }
}

/// `{ss_sp=0x7f.., ss_flags=SS_ONSTACK, ss_size=8192}`: a `stack_t` (include/uapi/asm-generic/
/// signal.h: `void *ss_sp; int ss_flags; size_t ss_size`, 24 bytes on x86_64, 12 on ia32).
/// A pointer as strace prints a structure's: `NULL` or hex.
fn addr(p: u64) -> String {
    if p == 0 {
        "NULL".into()
    } else {
        format!("{p:#x}")
    }
}

/// `struct clone_args` (include/uapi/linux/sched.h; 64-bit fields in both ABIs), as strace
/// shows it: the pointers the flags make the kernel use, and, when the call returned a child's
/// id in the parent, what `CLONE_PARENT_SETTID` made the kernel write at `parent_tid`: that id
/// (kernel/fork.c `kernel_clone`: `put_user(nr, args->parent_tid)`, then `return nr`).
pub fn clone_args(d: &[u8], ret: Option<i64>) -> Option<String> {
    use super::consts::CLONE;
    // include/uapi/linux/sched.h.
    const PIDFD: u64 = 0x1000;
    const CHILD_TIDS: u64 = 0x0100_0000 | 0x0020_0000;
    const PARENT_SETTID: u64 = 0x0010_0000;
    const SETTLS: u64 = 0x0008_0000;
    const INTO_CGROUP: u64 = 0x2_0000_0000;
    let f = |i: usize| u64_at(d, i * 8);
    let flags = f(0)?;
    let mut s = format!("{{flags={}", bits(flags, CLONE));
    if flags & PIDFD != 0 {
        s.push_str(&format!(", pidfd={}", addr(f(1)?)));
    }
    if flags & CHILD_TIDS != 0 {
        s.push_str(&format!(", child_tid={}", addr(f(2)?)));
    }
    if flags & PARENT_SETTID != 0 {
        s.push_str(&format!(", parent_tid={}", addr(f(3)?)));
    }
    s.push_str(&format!(", exit_signal={}", flags::signal(f(4)?)));
    // strace's PRINT_FIELD_X: `0`, else hex.
    let size = match f(6)? {
        0 => "0".to_string(),
        n => format!("{n:#x}"),
    };
    s.push_str(&format!(", stack={}, stack_size={size}", addr(f(5)?)));
    if flags & SETTLS != 0 {
        s.push_str(&format!(", tls={}", addr(f(7)?)));
    }
    if let (Some(set_tid), Some(n)) = (f(8), f(9))
        && (set_tid != 0 || n != 0)
    {
        s.push_str(&format!(", set_tid={}, set_tid_size={n}", addr(set_tid)));
    }
    if let Some(cg) = f(10)
        && (cg != 0 || flags & INTO_CGROUP != 0)
    {
        s.push_str(&format!(", cgroup={cg}"));
    }
    s.push('}');
    if flags & PARENT_SETTID != 0
        && flags & PIDFD == 0
        && let Some(child) = ret.filter(|r| *r > 0)
    {
        s.push_str(&format!(" => {{parent_tid=[{child}]}}"));
    }
    Some(s)
}

/// `struct sigevent` (include/uapi/asm-generic/siginfo.h): `sigev_value` (a pointer-sized
/// union), `sigev_signo`, `sigev_notify`, then the thread id or function and attributes.
pub fn sigevent(d: &[u8], long: usize) -> Option<String> {
    // include/uapi/asm-generic/siginfo.h.
    const SIGNAL: u32 = 0;
    const NONE: u32 = 1;
    const THREAD: u32 = 2;
    const THREAD_ID: u32 = 4;
    let word = |at: usize| {
        if long == 8 {
            u64_at(d, at)
        } else {
            u32_at(d, at).map(u64::from)
        }
    };
    let value = word(0)?;
    let signo = u32_at(d, long)?;
    let notify = u32_at(d, long + 4)?;
    let named = notify == SIGNAL || notify == THREAD_ID;
    let mut s = format!(
        "{{sigev_value={{sival_int={}, sival_ptr={}}}, sigev_signo={}, sigev_notify=",
        value as u32 as i32,
        addr(value),
        if named {
            flags::signal(signo.into())
        } else {
            signo.to_string()
        }
    );
    let at = long + 8;
    match notify {
        SIGNAL => s.push_str("SIGEV_SIGNAL"),
        NONE => s.push_str("SIGEV_NONE"),
        THREAD => s.push_str(&format!(
            "SIGEV_THREAD, sigev_notify_function={}, sigev_notify_attributes={}",
            addr(word(at)?),
            addr(word(at + long)?)
        )),
        THREAD_ID => s.push_str(&format!(
            "SIGEV_THREAD_ID, sigev_notify_thread_id={}",
            u32_at(d, at)? as i32
        )),
        n => s.push_str(&format!("{n:#x} /* SIGEV_??? */")),
    }
    s.push('}');
    Some(s)
}

pub fn stack(d: &[u8], long: usize) -> Option<String> {
    let sp = if long == 8 {
        u64_at(d, 0)?
    } else {
        u64::from(u32_at(d, 0)?)
    };
    let fl = u32_at(d, long)?;
    let size = if long == 8 {
        u64_at(d, 16)?
    } else {
        u64::from(u32_at(d, 8)?)
    };
    let sp = if sp == 0 {
        "NULL".to_string()
    } else {
        format!("{sp:#x}")
    };
    // SS_ONSTACK, SS_DISABLE (include/uapi/linux/signal.h), SS_AUTODISARM (1 << 31).
    let fl = if fl == 0 {
        "0".to_string()
    } else {
        bits(
            fl.into(),
            &[
                (1, "SS_ONSTACK"),
                (2, "SS_DISABLE"),
                (1 << 31, "SS_AUTODISARM"),
            ],
        )
    };
    Some(format!("{{ss_sp={sp}, ss_flags={fl}, ss_size={size}}}"))
}

/// `{mq_flags=0, mq_maxmsg=10, mq_msgsize=8192, mq_curmsgs=0}`: a `struct mq_attr` of the
/// ABI's `long`s (include/uapi/linux/mqueue.h; `compat_mq_attr` on ia32), `O_NONBLOCK` named.
pub fn mq_attr(d: &[u8], long: usize) -> Option<String> {
    let f = |i: usize| long_at(d, i * long, long);
    let flags = match f(0)? {
        0 => "0".to_string(),
        // O_NONBLOCK (include/uapi/asm-generic/fcntl.h).
        0o4000 => "O_NONBLOCK".to_string(),
        v => format!("{v:#o}"),
    };
    Some(format!(
        "{{mq_flags={flags}, mq_maxmsg={}, mq_msgsize={}, mq_curmsgs={}}}",
        f(1)?,
        f(2)?,
        f(3)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What strace 6.1 printed for glibc 2.36's pthread_create (x86_64) and mq_notify.
    #[test]
    fn clone_args_and_sigevent_as_strace_shows_them() {
        let words: [u64; 11] = [
            0x3d0f00,
            0,
            0x7f68_d1ed_d990,
            0x7f68_d1ed_d990,
            0,
            0x7f68_d16d_d000,
            0x7fff80,
            0x7f68_d1ed_d6c0,
            0,
            0,
            0,
        ];
        let d: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(
            clone_args(&d, Some(31508)).unwrap(),
            "{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|\
             CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f68d1edd990, \
             parent_tid=0x7f68d1edd990, exit_signal=0, stack=0x7f68d16dd000, \
             stack_size=0x7fff80, tls=0x7f68d1edd6c0} => {parent_tid=[31508]}"
        );
        // A fork-like clone3: SIGCHLD, no stack; a failed one writes nothing back.
        let mut fork = [0u64; 11];
        fork[4] = 17;
        let d: Vec<u8> = fork.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(
            clone_args(&d, Some(-11)).unwrap(),
            "{flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0}"
        );
        assert_eq!(clone_args(&d[..40], None), None);

        let mut ev = Vec::new();
        ev.extend(7u64.to_le_bytes());
        ev.extend(10u32.to_le_bytes());
        ev.extend(0u32.to_le_bytes());
        ev.extend([0; 16]);
        assert_eq!(
            sigevent(&ev, 8).unwrap(),
            "{sigev_value={sival_int=7, sival_ptr=0x7}, sigev_signo=SIGUSR1, \
             sigev_notify=SIGEV_SIGNAL}"
        );
        ev[12] = 1;
        assert_eq!(
            sigevent(&ev, 8).unwrap(),
            "{sigev_value={sival_int=7, sival_ptr=0x7}, sigev_signo=10, sigev_notify=SIGEV_NONE}"
        );
        // ia32: a 4-byte value.
        let mut ev32 = Vec::new();
        ev32.extend(7u32.to_le_bytes());
        ev32.extend(10u32.to_le_bytes());
        ev32.extend(4u32.to_le_bytes());
        ev32.extend(1234u32.to_le_bytes());
        assert_eq!(
            sigevent(&ev32, 4).unwrap(),
            "{sigev_value={sival_int=7, sival_ptr=0x7}, sigev_signo=SIGUSR1, \
             sigev_notify=SIGEV_THREAD_ID, sigev_notify_thread_id=1234}"
        );
    }

    #[test]
    fn as_strace_shows_them() {
        assert_eq!(sigset(&(1u64 << 9).to_le_bytes()).unwrap(), "[USR1]");
        assert_eq!(sigset(&0u64.to_le_bytes()).unwrap(), "[]");
        assert_eq!(
            sigset(&(!((1u64 << 8) | (1 << 18))).to_le_bytes()).unwrap(),
            "~[KILL STOP]"
        );
        let mut p = Vec::new();
        for (fd, ev, rev) in [(6i32, 1u16, 0u16), (8, 5, 5)] {
            p.extend(fd.to_le_bytes());
            p.extend(ev.to_le_bytes());
            p.extend(rev.to_le_bytes());
        }
        assert_eq!(
            pollfds(&p, false),
            "[{fd=6, events=POLLIN}, {fd=8, events=POLLIN|POLLOUT}]"
        );
        assert_eq!(pollfds(&p, true), "[{fd=8, revents=POLLIN|POLLOUT}]");
        let mut e = (0x8000_0001u32).to_le_bytes().to_vec();
        e.extend(7u64.to_le_bytes());
        assert_eq!(
            epoll_event(&e).unwrap(),
            "{events=EPOLLIN|EPOLLET, data={u32=7, u64=7}}"
        );
        assert_eq!(epoll_events(&[]), "[]");
        assert_eq!(
            wait_status(&(3u32 << 8).to_le_bytes()).unwrap(),
            "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]"
        );
        assert_eq!(
            wait_status(&9u32.to_le_bytes()).unwrap(),
            "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]"
        );
        let mut r = (8192u64 * 1024).to_le_bytes().to_vec();
        r.extend(u64::MAX.to_le_bytes());
        assert_eq!(
            rlimit(&r, 8, "RLIM64_INFINITY").unwrap(),
            "{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}"
        );
        // ia32's struct compat_rlimit: two u32s.
        let mut c = (8192u32 * 1024).to_le_bytes().to_vec();
        c.extend(u32::MAX.to_le_bytes());
        assert_eq!(
            rlimit(&c, 4, "RLIM_INFINITY").unwrap(),
            "{rlim_cur=8192*1024, rlim_max=RLIM_INFINITY}"
        );
        assert_eq!(rlimit(&c[..6], 4, "RLIM_INFINITY"), None);
    }

    fn words(v: &[i64], width: usize) -> Vec<u8> {
        v.iter()
            .flat_map(|x| x.to_le_bytes()[..width].to_vec())
            .collect()
    }

    #[test]
    fn times_as_strace_shows_them() {
        assert_eq!(
            timespec(&words(&[1, 500], 8), 8).unwrap(),
            "{tv_sec=1, tv_nsec=500}"
        );
        // ia32's 32-bit fields, signed.
        assert_eq!(
            timespec(&words(&[-1, 999_999_999], 4), 4).unwrap(),
            "{tv_sec=-1, tv_nsec=999999999}"
        );
        assert_eq!(timespec(&words(&[1], 8), 8), None);
        assert_eq!(
            timeval(&words(&[1, 0], 4), 4).unwrap(),
            "{tv_sec=1, tv_usec=0}"
        );
        assert_eq!(
            itimerspec(&words(&[1, 2, 3, 4], 8), 8).unwrap(),
            "{it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=3, tv_nsec=4}}"
        );
        assert_eq!(
            itimerspec(&words(&[0, 0, 3, 4], 4), 4).unwrap(),
            "{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=3, tv_nsec=4}}"
        );
        assert_eq!(
            utimens(&words(&[1, 2, 3, UTIME_OMIT], 8), 8).unwrap(),
            "[{tv_sec=1, tv_nsec=2} /* 1970-01-01T00:00:01.000000002+0000 */, UTIME_OMIT]"
        );
        assert_eq!(
            utimens(&words(&[0, UTIME_NOW, 1_796_309_337, 5], 4), 4).unwrap(),
            "[UTIME_NOW, {tv_sec=1796309337, tv_nsec=5} /* 2026-12-03T14:48:57.000000005+0000 */]"
        );
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(utc(-1), "1969-12-31T23:59:59");
    }

    #[test]
    fn siginfo_stack_and_mq_attr_as_strace_shows_them() {
        // x86_64: SIGUSR1 from kill(2).
        let mut d = vec![0u8; 48];
        d[0..4].copy_from_slice(&10u32.to_le_bytes());
        d[16..20].copy_from_slice(&15630u32.to_le_bytes());
        assert_eq!(
            siginfo(&d, 8).unwrap(),
            "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=15630, si_uid=0}"
        );
        // A child that exited with 3.
        let mut d = vec![0u8; 48];
        d[0..4].copy_from_slice(&17u32.to_le_bytes());
        d[8..12].copy_from_slice(&1u32.to_le_bytes());
        d[16..20].copy_from_slice(&15631u32.to_le_bytes());
        d[24..28].copy_from_slice(&3u32.to_le_bytes());
        d[40..48].copy_from_slice(&2u64.to_le_bytes());
        assert_eq!(
            siginfo(&d, 8).unwrap(),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=15631, si_uid=0, si_status=3, \
             si_utime=0, si_stime=2 /* 0.02 s */}"
        );
        // ia32: the union at 12, a child killed by SIGKILL.
        let mut d = vec![0u8; 32];
        d[0..4].copy_from_slice(&17u32.to_le_bytes());
        d[8..12].copy_from_slice(&2u32.to_le_bytes());
        d[12..16].copy_from_slice(&9u32.to_le_bytes());
        d[20..24].copy_from_slice(&9u32.to_le_bytes());
        assert_eq!(
            siginfo(&d, 4).unwrap(),
            "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=9, si_uid=0, si_status=SIGKILL, \
             si_utime=0, si_stime=0}"
        );
        assert_eq!(siginfo(&[0u8; 48], 8).unwrap(), "{}");
        assert_eq!(siginfo(&[1u8; 4], 8), None);
        let mut st = vec![0u8; 24];
        st[8..12].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(
            stack(&st, 8).unwrap(),
            "{ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}"
        );
        let st: Vec<u8> = [0x1000u32, 1, 8192]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        assert_eq!(
            stack(&st, 4).unwrap(),
            "{ss_sp=0x1000, ss_flags=SS_ONSTACK, ss_size=8192}"
        );
        let a: Vec<u8> = [0i64, 4, 16, 0]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        assert_eq!(
            mq_attr(&a, 8).unwrap(),
            "{mq_flags=0, mq_maxmsg=4, mq_msgsize=16, mq_curmsgs=0}"
        );
        let a: Vec<u8> = [0o4000i32, 10, 8192, 1]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        assert_eq!(
            mq_attr(&a, 4).unwrap(),
            "{mq_flags=O_NONBLOCK, mq_maxmsg=10, mq_msgsize=8192, mq_curmsgs=1}"
        );
    }

    #[test]
    fn fd_sets_as_strace_shows_them() {
        let mut d = [0u8; 128];
        d[0] = 0b0001_1000;
        d[1] = 0b0000_0001;
        assert_eq!(fd_set(&d, 9), "[3 4 8]");
        // Only the descriptors below n.
        assert_eq!(fd_set(&d, 5), "[3 4]");
        assert_eq!(fd_set(&d, 0), "[]");
        assert_eq!(fd_set(&d, -1), "[]");
        // n beyond the bytes copied: what was copied.
        assert_eq!(fd_set(&d[..1], 1 << 20), "[3 4]");
    }

    #[test]
    fn thread_areas_timers_and_names_read_as_strace_writes_them() {
        // strace 6.1 on the same structures (measured with a -m32 program).
        let mut d = Vec::new();
        for v in [u32::MAX, 0xf7f9_9580, 0xfffff, 0b101_0001] {
            d.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(
            user_desc(&d, false).as_deref(),
            Some(
                "{entry_number=-1, base_addr=0xf7f99580, limit=0x0fffff, seg_32bit=1, \
                 contents=0, read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1}"
            )
        );
        d[12] = 0b0101_0101;
        assert!(user_desc(&d, true).unwrap().ends_with(
            "contents=2, read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1, lm=0}"
        ));
        assert_eq!(user_desc(&d[..12], false), None);
        let t: Vec<u8> = [0u32, 0, 5, 20000]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            itimerval(&t, 4).as_deref(),
            Some("{it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=5, tv_usec=20000}}")
        );
        assert_eq!(
            rusage(&t, 4).as_deref(),
            Some("{ru_utime={tv_sec=0, tv_usec=0}, ru_stime={tv_sec=5, tv_usec=20000}, ...}")
        );
        let mut u = vec![0u8; 130];
        u[..5].copy_from_slice(b"Linux");
        u[65..67].copy_from_slice(b"vm");
        assert_eq!(
            utsname(&u).as_deref(),
            Some("{sysname=\"Linux\", nodename=\"vm\", ...}")
        );
        assert_eq!(super::super::octal_mode(0), "000");
        assert_eq!(super::super::octal_mode(0o22), "022");
        assert_eq!(super::super::octal_mode(0o1777), "01777");
    }

    #[test]
    fn stat_modes_and_layouts_read_as_strace_writes_them() {
        assert_eq!(stat_mode(0o100_644), "S_IFREG|0644");
        assert_eq!(stat_mode(0o041_777), "S_IFDIR|S_ISVTX|0777");
        assert_eq!(stat_mode(0o104_755), "S_IFREG|S_ISUID|0755");
        assert_eq!(stat_mode(0o010_000), "S_IFIFO|000");
        assert_eq!(stat_mode(0o120_007), "S_IFLNK|007");
        // mknod's regular file: no type, as strace shows it.
        assert_eq!(stat_mode(0o644), "0644");
        // x86_64: st_mode at 24, st_rdev at 40, st_size at 48.
        let mut d = vec![0u8; 64];
        d[24..28].copy_from_slice(&0o100_600u32.to_le_bytes());
        d[48..56].copy_from_slice(&7i64.to_le_bytes());
        assert_eq!(
            stat(&d, StatLayout::X86_64).as_deref(),
            Some("{st_mode=S_IFREG|0600, st_size=7, ...}")
        );
        d[24..28].copy_from_slice(&0o020_666u32.to_le_bytes());
        d[40..48].copy_from_slice(&0x103u64.to_le_bytes());
        assert_eq!(
            stat(&d, StatLayout::X86_64).as_deref(),
            Some("{st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}")
        );
        // ia32's struct compat_stat: a 16-bit mode at 8, a 32-bit size at 20.
        let mut c = vec![0u8; 24];
        c[8..10].copy_from_slice(&0o040_755u16.to_le_bytes());
        c[20..24].copy_from_slice(&4096u32.to_le_bytes());
        assert_eq!(
            stat(&c, StatLayout::Compat).as_deref(),
            Some("{st_mode=S_IFDIR|0755, st_size=4096, ...}")
        );
        // Cut short: not shown.
        assert_eq!(stat(&c[..10], StatLayout::Stat64), None);
        let mut x = vec![0u8; 48];
        x[0..4].copy_from_slice(&0x17ffu32.to_le_bytes());
        x[28..30].copy_from_slice(&0o100_644u16.to_le_bytes());
        x[40..48].copy_from_slice(&3u64.to_le_bytes());
        assert_eq!(
            statx(&x).as_deref(),
            Some(
                "{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, \
                 stx_mode=S_IFREG|0644, stx_size=3, ...}"
            )
        );
    }
}
