//! Symbolic names for constants and flag sets (values from the x86 uapi headers shipped with
//! Linux 6.1/6.18: include/linux/socket.h, include/uapi/linux/net.h, ipc.h, mman-common.h).

/// Join the names of the set bits; leftovers in hex.
fn bits(value: u64, names: &[(u64, &str)]) -> String {
    let mut parts = Vec::new();
    let mut left = value;
    for (bit, name) in names {
        if *bit != 0 && left & bit == *bit {
            parts.push((*name).to_string());
            left &= !bit;
        }
    }
    if left != 0 || parts.is_empty() {
        parts.push(format!("{left:#x}"));
    }
    parts.join("|")
}

fn one(value: u64, names: &[(u64, &str)]) -> String {
    names
        .iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| value.to_string(), |(_, n)| (*n).to_string())
}

pub fn family(v: u64) -> String {
    one(
        v,
        &[
            (0, "AF_UNSPEC"),
            (1, "AF_UNIX"),
            (2, "AF_INET"),
            (10, "AF_INET6"),
            (16, "AF_NETLINK"),
            (17, "AF_PACKET"),
        ],
    )
}

/// `SOCK_*` with `SOCK_NONBLOCK`/`SOCK_CLOEXEC` (include/linux/net.h).
pub fn sock_type(v: u64) -> String {
    let base = one(
        v & 0xf,
        &[
            (1, "SOCK_STREAM"),
            (2, "SOCK_DGRAM"),
            (3, "SOCK_RAW"),
            (4, "SOCK_RDM"),
            (5, "SOCK_SEQPACKET"),
        ],
    );
    let rest = v & !0xf;
    if rest == 0 {
        base
    } else {
        format!(
            "{base}|{}",
            bits(
                rest,
                &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")]
            )
        )
    }
}

/// `accept4`'s flags: only the `SOCK_NONBLOCK`/`SOCK_CLOEXEC` bits.
pub fn sock_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(v, &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")])
    }
}

pub fn msg_flags(v: u64) -> String {
    if v == 0 {
        return "0".into();
    }
    bits(
        v,
        &[
            (0x1, "MSG_OOB"),
            (0x2, "MSG_PEEK"),
            (0x4, "MSG_DONTROUTE"),
            (0x8, "MSG_CTRUNC"),
            (0x20, "MSG_TRUNC"),
            (0x40, "MSG_DONTWAIT"),
            (0x80, "MSG_EOR"),
            (0x100, "MSG_WAITALL"),
            (0x4000, "MSG_NOSIGNAL"),
            (0x8000, "MSG_MORE"),
            (0x4000_0000, "MSG_CMSG_CLOEXEC"),
        ],
    )
}

pub fn shut_how(v: u64) -> String {
    one(v, &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")])
}

pub fn sock_level(v: u64) -> String {
    one(
        v,
        &[
            (1, "SOL_SOCKET"),
            (0, "IPPROTO_IP"),
            (6, "IPPROTO_TCP"),
            (17, "IPPROTO_UDP"),
            (41, "IPPROTO_IPV6"),
            (270, "SOL_NETLINK"),
        ],
    )
}

pub fn sock_opt(level: u64, v: u64) -> String {
    if level != 1 {
        return v.to_string();
    }
    one(
        v,
        &[
            (2, "SO_REUSEADDR"),
            (3, "SO_TYPE"),
            (4, "SO_ERROR"),
            (6, "SO_BROADCAST"),
            (7, "SO_SNDBUF"),
            (8, "SO_RCVBUF"),
            (9, "SO_KEEPALIVE"),
            (13, "SO_LINGER"),
            (15, "SO_REUSEPORT"),
            (16, "SO_PASSCRED"),
            (17, "SO_PEERCRED"),
            (20, "SO_RCVTIMEO"),
            (21, "SO_SNDTIMEO"),
        ],
    )
}

/// `socket`'s protocol, named by its domain as strace names it: `NETLINK_*` for AF_NETLINK
/// (include/uapi/linux/netlink.h), `IPPROTO_*` for AF_INET and AF_INET6
/// (include/uapi/linux/in.h, in6.h: 0 is `IPPROTO_IP`); a number otherwise.
pub fn protocol(domain: u64, v: u64) -> String {
    match domain {
        16 => one(
            v,
            &[
                (0, "NETLINK_ROUTE"),
                (1, "NETLINK_UNUSED"),
                (2, "NETLINK_USERSOCK"),
                (3, "NETLINK_FIREWALL"),
                (4, "NETLINK_SOCK_DIAG"),
                (5, "NETLINK_NFLOG"),
                (6, "NETLINK_XFRM"),
                (7, "NETLINK_SELINUX"),
                (8, "NETLINK_ISCSI"),
                (9, "NETLINK_AUDIT"),
                (10, "NETLINK_FIB_LOOKUP"),
                (11, "NETLINK_CONNECTOR"),
                (12, "NETLINK_NETFILTER"),
                (13, "NETLINK_IP6_FW"),
                (14, "NETLINK_DNRTMSG"),
                (15, "NETLINK_KOBJECT_UEVENT"),
                (16, "NETLINK_GENERIC"),
                (18, "NETLINK_SCSITRANSPORT"),
                (19, "NETLINK_ECRYPTFS"),
                (20, "NETLINK_RDMA"),
                (21, "NETLINK_CRYPTO"),
                (22, "NETLINK_SMC"),
            ],
        ),
        2 | 10 => one(
            v,
            &[
                (0, "IPPROTO_IP"),
                (1, "IPPROTO_ICMP"),
                (2, "IPPROTO_IGMP"),
                (6, "IPPROTO_TCP"),
                (17, "IPPROTO_UDP"),
                (41, "IPPROTO_IPV6"),
                (58, "IPPROTO_ICMPV6"),
                (132, "IPPROTO_SCTP"),
                (136, "IPPROTO_UDPLITE"),
                (255, "IPPROTO_RAW"),
                (262, "IPPROTO_MPTCP"),
            ],
        ),
        _ => v.to_string(),
    }
}

pub fn ipc_key(v: u64) -> String {
    if v as i32 == 0 {
        "IPC_PRIVATE".into()
    } else {
        format!("{:#x}", v as u32)
    }
}

/// The file type bits of a mode, and the two `mknod` makes devices of
/// (include/uapi/linux/stat.h).
pub const S_IFMT: u64 = 0o170000;
pub const S_IFCHR: u64 = 0o20000;
pub const S_IFBLK: u64 = 0o60000;

pub fn mknod_mode(v: u64) -> String {
    let kind = one(
        v & S_IFMT,
        &[
            (0o140000, "S_IFSOCK"),
            (0o100000, "S_IFREG"),
            (S_IFBLK, "S_IFBLK"),
            (S_IFCHR, "S_IFCHR"),
            (0o10000, "S_IFIFO"),
        ],
    );
    format!("{kind}|{:#o}", v & 0o7777)
}

/// A device number as `mknod` takes it, `unsigned int` in the kernel's `new_encode_dev` form
/// (include/linux/kdev_t.h `new_decode_dev`: major in bits 8-19, minor in bits 0-7 and
/// 20-31), as strace's `print_dev_t` shows it: `makedev(0x1, 0x3)` (C's `%#x`: `0` for zero).
pub fn makedev(dev: u64) -> String {
    let dev = dev & 0xffff_ffff;
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    let x = |n: u64| {
        if n == 0 {
            "0".to_string()
        } else {
            format!("{n:#x}")
        }
    };
    format!("makedev({}, {})", x(major), x(minor))
}

pub fn pipe_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(
            v,
            &[
                (0o2000000, "O_CLOEXEC"),
                (0o4000, "O_NONBLOCK"),
                (0o40000, "O_DIRECT"),
            ],
        )
    }
}

/// `si_code` (include/uapi/asm-generic/siginfo.h).
pub fn si_code(v: i32) -> String {
    match v {
        0 => "SI_USER".into(),
        0x80 => "SI_KERNEL".into(),
        -1 => "SI_QUEUE".into(),
        -2 => "SI_TIMER".into(),
        -3 => "SI_MESGQ".into(),
        -4 => "SI_ASYNCIO".into(),
        -6 => "SI_TKILL".into(),
        v => v.to_string(),
    }
}

pub fn at_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(v, &[(0x200, "AT_REMOVEDIR")])
    }
}

pub fn dirfd(v: u64) -> String {
    if v as u32 == (-100i32) as u32 {
        "AT_FDCWD".into()
    } else {
        (v as i32).to_string()
    }
}

pub fn mmap_prot(v: u64) -> String {
    if v == 0 {
        "PROT_NONE".into()
    } else {
        bits(v, &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")])
    }
}

pub fn mmap_flags(v: u64) -> String {
    let kind = one(
        v & 3,
        &[
            (1, "MAP_SHARED"),
            (2, "MAP_PRIVATE"),
            (3, "MAP_SHARED_VALIDATE"),
        ],
    );
    let rest = v & !3;
    if rest == 0 {
        return kind;
    }
    format!(
        "{kind}|{}",
        bits(
            rest,
            &[
                (0x10, "MAP_FIXED"),
                (0x20, "MAP_ANONYMOUS"),
                (0x40, "MAP_32BIT"),
                (0x100, "MAP_GROWSDOWN"),
                (0x800, "MAP_DENYWRITE"),
                (0x2000, "MAP_LOCKED"),
                (0x4000, "MAP_NORESERVE"),
                (0x8000, "MAP_POPULATE"),
                (0x10000, "MAP_NONBLOCK"),
                (0x100000, "MAP_FIXED_NOREPLACE")
            ]
        )
    )
}

pub fn memfd_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(
            v,
            &[
                (1, "MFD_CLOEXEC"),
                (2, "MFD_ALLOW_SEALING"),
                (4, "MFD_HUGETLB"),
            ],
        )
    }
}

pub fn sa_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(
            v,
            &[
                (4, "SA_SIGINFO"),
                (0x0400_0000, "SA_RESTORER"),
                (0x1000_0000, "SA_RESTART"),
                (0x4000_0000, "SA_NODEFER"),
                (0x8000_0000, "SA_RESETHAND"),
                (0x0800_0000, "SA_ONSTACK"),
                (1, "SA_NOCLDSTOP"),
            ],
        )
    }
}

/// `SIGUSR1`, `SIGRTMIN+3`, or the number.
pub fn signal(v: u64) -> String {
    let n = v as i32;
    if n == 0 {
        return "0".into();
    }
    if let Ok(s) = nix::sys::signal::Signal::try_from(n) {
        return s.as_str().to_string();
    }
    if (32..=64).contains(&n) {
        format!("SIGRTMIN+{}", n - 32)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_are_split_as_the_kernel_encodes_them() {
        // glibc's makedev(1, 3) and makedev(259, 0x12345), as mknod passes them.
        assert_eq!(makedev(0x103), "makedev(0x1, 0x3)");
        assert_eq!(makedev(0x1231_0345), "makedev(0x103, 0x12345)");
        assert_eq!(makedev(0), "makedev(0, 0)");
    }

    #[test]
    fn names() {
        assert_eq!(sock_type(1 | 0o2000000), "SOCK_STREAM|SOCK_CLOEXEC");
        assert_eq!(mknod_mode(0o10000 | 0o644), "S_IFIFO|0o644");
        assert_eq!(signal(10), "SIGUSR1");
        assert_eq!(signal(35), "SIGRTMIN+3");
        assert_eq!(mmap_flags(1), "MAP_SHARED");
        assert_eq!(pipe_flags(0), "0");
        assert_eq!(pipe_flags(0o2000000), "O_CLOEXEC");
        assert_eq!(si_code(-1), "SI_QUEUE");
        assert_eq!(dirfd((-100i64) as u64), "AT_FDCWD");
        assert_eq!(msg_flags(0x40 | 0x1_0000_0000), "MSG_DONTWAIT|0x100000000");
    }
}
