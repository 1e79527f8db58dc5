//! Structures the calls that shape a descriptor's life pass through user memory, shown as
//! strace 6.1 shows them. Layouts from the x86 uapi headers (Linux 6.18): `struct pollfd`
//! (include/uapi/asm-generic/poll.h), `struct epoll_event` (include/uapi/linux/eventpoll.h,
//! packed on x86: 12 bytes), `sigset_t` as the kernel takes it (64 bits), `struct rlimit64`
//! (include/uapi/linux/resource.h), and the wait status bits (include/uapi/linux/wait.h and
//! the W* macros of POSIX).

use super::consts::bits;
use super::flags;

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

/// A signal's name without `SIG`, as in strace's sets: `USR1`, `RTMIN`, `RT_1`.
fn short_signal(n: u32) -> String {
    match n {
        34 => "RTMIN".into(),
        35..=64 => format!("RT_{}", n - 34),
        _ => {
            let name = flags::signal(u64::from(n));
            name.strip_prefix("SIG")
                .map_or(name.clone(), str::to_string)
        }
    }
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
    let items: Vec<String> = d
        .chunks_exact(8)
        .filter_map(|c| {
            let fd = i32::from_le_bytes(c[0..4].try_into().ok()?);
            let ev = u16::from_le_bytes(c[4..6].try_into().ok()?);
            let rev = u16::from_le_bytes(c[6..8].try_into().ok()?);
            if revents {
                (rev != 0).then(|| format!("{{fd={fd}, revents={}}}", bits(rev.into(), POLL)))
            } else {
                Some(format!("{{fd={fd}, events={}}}", bits(ev.into(), POLL)))
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

/// `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
pub fn rlimit(d: &[u8]) -> Option<String> {
    let one = |v: u64| match v {
        u64::MAX => "RLIM64_INFINITY".to_string(),
        v if v > 0 && v % 1024 == 0 => format!("{}*1024", v / 1024),
        v => v.to_string(),
    };
    Some(format!(
        "{{rlim_cur={}, rlim_max={}}}",
        one(u64_at(d, 0)?),
        one(u64_at(d, 8)?)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            rlimit(&r).unwrap(),
            "{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}"
        );
    }
}
