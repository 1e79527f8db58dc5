//! The kernel functions a call's journey names: what each syscall row's `work` lists (the
//! functions that do the call's work, in call order), the dispatchers' own functions, and the
//! protocol operations (`struct proto_ops` members) a socket call lands in by address family.
//! tracer probes each of them when the kernel allows (kernel/hops.rs) and otherwise shows them
//! as inferred steps, checked against `/proc/kallsyms`.
//!
//! Functions and argument positions are from Linux 6.1 and 6.18 (net/socket.c, net/compat.c,
//! net/unix/af_unix.c, net/ipv4/af_inet.c, net/ipv6/af_inet6.c, net/netlink/af_netlink.c,
//! fs/pipe.c, fs/namei.c, ipc/msg.c, ipc/sem.c, ipc/shm.c, ipc/syscall.c, kernel/signal.c).
//! A function missing from this kernel's `/proc/kallsyms` was inlined or renamed in this build:
//! it is skipped and reported. Return types (`int` or `long`) are from the same sources.

use tracer_common::HOPF_IA32_REGS;

/// One kernel function: its name, and the arguments worth showing (position, name).
#[derive(Debug, PartialEq, Eq)]
pub struct KFunc {
    pub name: &'static str,
    /// The source file that defines it.
    pub file: &'static str,
    pub args: &'static [(usize, &'static str)],
    /// `HOPF_*`: how the eBPF side reads its arguments.
    pub flags: u32,
    /// The function returns `long`; the others return `int`, whose value an exit probe reads
    /// from the whole of rax with the upper half undefined (zero in practice: -EINVAL shows
    /// as 4294967274), so it is cut to 32 bits and sign-extended.
    pub long_ret: bool,
}

/// A function returning `int`.
const fn f(
    name: &'static str,
    file: &'static str,
    args: &'static [(usize, &'static str)],
) -> KFunc {
    KFunc {
        name,
        file,
        args,
        flags: 0,
        long_ret: false,
    }
}

/// A function returning `long`.
const fn fl(
    name: &'static str,
    file: &'static str,
    args: &'static [(usize, &'static str)],
) -> KFunc {
    KFunc {
        long_ret: true,
        ..f(name, file, args)
    }
}

// net/socket.c: the __sys_* functions both the syscall wrappers and socketcall call.
pub static SYS_SOCKET: KFunc = f(
    "__sys_socket",
    "net/socket.c",
    &[(0, "family"), (1, "type"), (2, "protocol")],
);
pub static SOCK_CREATE: KFunc = f(
    "__sock_create",
    "net/socket.c",
    &[(1, "family"), (2, "type"), (3, "protocol"), (5, "kern")],
);
pub static SYS_SOCKETPAIR: KFunc = f(
    "__sys_socketpair",
    "net/socket.c",
    &[(0, "family"), (1, "type"), (2, "protocol")],
);
pub static SYS_BIND: KFunc = f("__sys_bind", "net/socket.c", &[(0, "fd"), (2, "addrlen")]);
/// Linux 6.11 split the socket-level half out of `__sys_bind` for io_uring's IORING_OP_BIND
/// (commit dc2e77979412).
pub static SYS_BIND_SOCKET: KFunc = f("__sys_bind_socket", "net/socket.c", &[(2, "addrlen")]);
pub static SYS_CONNECT: KFunc = f(
    "__sys_connect",
    "net/socket.c",
    &[(0, "fd"), (2, "addrlen")],
);
pub static SYS_LISTEN: KFunc = f("__sys_listen", "net/socket.c", &[(0, "fd"), (1, "backlog")]);
pub static SYS_ACCEPT4: KFunc = f("__sys_accept4", "net/socket.c", &[(0, "fd"), (3, "flags")]);
pub static SYS_SENDTO: KFunc = f(
    "__sys_sendto",
    "net/socket.c",
    &[(0, "fd"), (2, "len"), (3, "flags")],
);
pub static SYS_RECVFROM: KFunc = f(
    "__sys_recvfrom",
    "net/socket.c",
    &[(0, "fd"), (2, "size"), (3, "flags")],
);
pub static SYS_SENDMSG: KFunc = fl("__sys_sendmsg", "net/socket.c", &[(0, "fd"), (2, "flags")]);
pub static SYS_RECVMSG: KFunc = fl("__sys_recvmsg", "net/socket.c", &[(0, "fd"), (2, "flags")]);
pub static SYS_SHUTDOWN: KFunc = f("__sys_shutdown", "net/socket.c", &[(0, "fd"), (1, "how")]);

// fs/pipe.c, fs/namei.c.
pub static DO_PIPE2: KFunc = f("do_pipe2", "fs/pipe.c", &[(1, "flags")]);
pub static DO_MKNODAT: KFunc = f("do_mknodat", "fs/namei.c", &[(0, "dfd"), (2, "mode")]);

// ipc/msg.c, ipc/sem.c, ipc/shm.c.
pub static KSYS_MSGGET: KFunc = fl("ksys_msgget", "ipc/msg.c", &[(0, "key"), (1, "msgflg")]);
pub static DO_MSGSND: KFunc = fl(
    "do_msgsnd",
    "ipc/msg.c",
    &[(0, "msqid"), (1, "mtype"), (3, "msgsz"), (4, "msgflg")],
);
pub static DO_MSGRCV: KFunc = fl(
    "do_msgrcv",
    "ipc/msg.c",
    &[(0, "msqid"), (2, "bufsz"), (3, "msgtyp"), (4, "msgflg")],
);
pub static KSYS_SEMGET: KFunc = fl(
    "ksys_semget",
    "ipc/sem.c",
    &[(0, "key"), (1, "nsems"), (2, "semflg")],
);
pub static DO_SEMTIMEDOP: KFunc = fl(
    "__do_semtimedop",
    "ipc/sem.c",
    &[(0, "semid"), (2, "nsops")],
);
pub static KSYS_SHMGET: KFunc = fl(
    "ksys_shmget",
    "ipc/shm.c",
    &[(0, "key"), (1, "size"), (2, "shmflg")],
);
pub static DO_SHMAT: KFunc = fl("do_shmat", "ipc/shm.c", &[(0, "shmid"), (2, "shmflg")]);
pub static KSYS_SHMDT: KFunc = fl("ksys_shmdt", "ipc/shm.c", &[]);

// kernel/signal.c: kill(2) and rt_sigqueueinfo(2) to the signal being queued.
pub static KILL_SOMETHING_INFO: KFunc = f(
    "kill_something_info",
    "kernel/signal.c",
    &[(0, "sig"), (2, "pid")],
);
pub static DO_RT_SIGQUEUEINFO: KFunc = f(
    "do_rt_sigqueueinfo",
    "kernel/signal.c",
    &[(0, "pid"), (1, "sig")],
);
pub static DO_SEND_SIG_INFO: KFunc = f("do_send_sig_info", "kernel/signal.c", &[(0, "sig")]);

/// net/compat.c: `COMPAT_SYSCALL_DEFINE2(socketcall, int, call, u32 __user *, args)`. Its
/// wrapper takes the saved registers: call is ebx, args is ecx.
pub static COMPAT_SYS_SOCKETCALL: KFunc = KFunc {
    name: "__ia32_compat_sys_socketcall",
    file: "net/compat.c (COMPAT_SYSCALL_DEFINE2(socketcall))",
    args: &[(0, "call"), (1, "args")],
    flags: HOPF_IA32_REGS,
    long_ret: true,
};
/// ipc/syscall.c: `compat_ksys_ipc(call, first, second, third, ptr, fifth)`.
pub static COMPAT_KSYS_IPC: KFunc = f(
    "compat_ksys_ipc",
    "ipc/syscall.c",
    &[(0, "call"), (1, "first"), (2, "second")],
);

/// An address family's protocol operations, as the socket the call works on has them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    Unix,
    Inet,
    Inet6,
    Netlink,
}

/// The `struct proto_ops` members tracer names, per family: `unix_stream_ops` and
/// `unix_dgram_ops` (net/unix/af_unix.c), `inet_stream_ops`/`inet_dgram_ops`
/// (net/ipv4/af_inet.c), `inet6_*_ops` (net/ipv6/af_inet6.c), `netlink_ops`
/// (net/netlink/af_netlink.c). A row's `sock_op` names the member its call reaches
/// (`sock->ops->bind`); which function that is depends on the family of the socket, which the
/// address the call passes tells. Only `bind` is the same function for every socket type of a
/// family, so only its operation is inferred; the others appear when a probe observes them.
pub static PROTO_OPS: &[(&str, Family, KFunc)] = &[
    (
        "bind",
        Family::Unix,
        f("unix_bind", "net/unix/af_unix.c", &[(2, "addr_len")]),
    ),
    (
        "bind",
        Family::Inet,
        f("inet_bind", "net/ipv4/af_inet.c", &[(2, "addr_len")]),
    ),
    (
        "bind",
        Family::Inet6,
        f("inet6_bind", "net/ipv6/af_inet6.c", &[(2, "addr_len")]),
    ),
    (
        "bind",
        Family::Netlink,
        f(
            "netlink_bind",
            "net/netlink/af_netlink.c",
            &[(2, "addr_len")],
        ),
    ),
    (
        "connect",
        Family::Unix,
        f(
            "unix_stream_connect",
            "net/unix/af_unix.c",
            &[(2, "addr_len"), (3, "flags")],
        ),
    ),
    (
        "connect",
        Family::Unix,
        f(
            "unix_dgram_connect",
            "net/unix/af_unix.c",
            &[(2, "alen"), (3, "flags")],
        ),
    ),
    (
        "sendmsg",
        Family::Unix,
        f("unix_stream_sendmsg", "net/unix/af_unix.c", &[(2, "len")]),
    ),
    (
        "sendmsg",
        Family::Unix,
        f("unix_dgram_sendmsg", "net/unix/af_unix.c", &[(2, "len")]),
    ),
    (
        "sendmsg",
        Family::Netlink,
        f("netlink_sendmsg", "net/netlink/af_netlink.c", &[(2, "len")]),
    ),
];

/// The protocol operation `member` of `family`, when it is one function for every socket type
/// of the family.
pub fn proto_op(member: &str, family: Family) -> Option<&'static KFunc> {
    let mut found = PROTO_OPS
        .iter()
        .filter(|(m, fam, _)| *m == member && *fam == family);
    let (_, _, first) = found.next()?;
    found.next().is_none().then_some(first)
}
