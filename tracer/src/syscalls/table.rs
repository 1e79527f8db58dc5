//! The rows. Numbers: arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl (Linux 6.1 and
//! 6.18 agree on every number here); socketcall calls: include/uapi/linux/net.h; ipc calls and
//! their argument order: include/uapi/linux/ipc.h and ipc/syscall.c `compat_ksys_ipc`.
//! Argument names follow the man pages.

use std::sync::LazyLock;

use super::generated::GENERATED;
#[allow(clippy::enum_glob_use, reason = "the rows read like the man pages")]
#[allow(
    clippy::wildcard_imports,
    reason = "the rows name kernel functions as the kernel does"
)]
use super::kfunc::*;
#[allow(clippy::enum_glob_use, reason = "the rows read like the man pages")]
use super::{
    Arg, Arg::*, ByDefault, Case, Dispatcher, Effect, IpcFlagsOf, Len, Moves, Op, OpKind, Ret, Row,
    Sysv, Sz, Time, TimeShape, TimeShow, Written, class,
};

const SOCKADDR: Sz = Sz::N(tracer_common::MAX_SOCKADDR);
const PAYLOAD: Sz = Sz::N(tracer_common::MAX_SNAPLEN as u16);
const PATH: Sz = Sz::N(tracer_common::MAX_STR);
/// The largest structure each `*ctl` call reads or writes at its buffer, x86_64's then ia32's
/// compat one (decode/sysv.rs `ctl_buf`): `struct msqid64_ds` (arch/x86/include/uapi/asm/
/// msgbuf.h; compat: arch/x86/include/asm/compat.h), `struct semid64_ds` (sembuf.h) and
/// `struct shmid64_ds` (shmbuf.h); the `*info` structures are smaller. Sizes measured with
/// glibc 2.36's `sizeof` (`gcc`, `gcc -m32`), which uses these layouts.
const MSQID64_DS: u16 = 120;
const COMPAT_MSQID64_DS: u16 = 88;
const SEMID64_DS: u16 = 104;
const COMPAT_SEMID64_DS: u16 = 64;
const SHMID64_DS: u16 = 112;
const COMPAT_SHMID64_DS: u16 = 84;

const fn op(kind: OpKind, exit: bool, arg: u8, len: Len, max: Sz) -> Op {
    Op {
        kind,
        exit,
        arg,
        len,
        max,
        offset: Sz::N(0),
        snap: false,
        ok_only: exit,
        both: false,
        deref: false,
    }
}
/// `n` bytes at `offset` above the stack pointer of a [`Arg::FrameMask`] call (its `args[0]`,
/// `SPEC_STACK_ARG0`): the signal mask in the frame a handler returns through.
/// x86_64: arch/x86/kernel/signal_64.c `SYSCALL_DEFINE0(rt_sigreturn)` takes the frame at
/// `regs->sp - sizeof(long)` (the handler's `ret` popped `pretcode`); the mask is
/// `frame->uc.uc_sigmask`, 296 bytes into `struct ucontext` (uc_flags, uc_link, a 24-byte
/// stack_t, a 256-byte struct sigcontext), so at sp + 296.
/// ia32: arch/x86/kernel/signal_32.c `COMPAT_SYSCALL_DEFINE0(rt_sigreturn)`, the frame at
/// `regs->sp - 4`: pretcode, sig, pinfo, puc, a 128-byte compat_siginfo, then
/// `struct ucontext_ia32` whose uc_sigmask is 108 bytes in (after an 88-byte sigcontext_32):
/// sp + 248. `COMPAT_SYSCALL_DEFINE0(sigreturn)`, the frame at `regs->sp - 8`: pretcode, sig,
/// `struct sigcontext_32` (oldmask 80 bytes in: sp + 80), a 624-byte `struct _fpstate_32`,
/// then `extramask[1]` (sp + 712): the mask's low and high halves.
pub(crate) const fn stack_at(offset: Sz, n: u16) -> Op {
    Op {
        offset,
        ..op(OpKind::Bytes, false, 0, Len::Fixed(Sz::N(n)), Sz::N(n))
    }
}
/// A sockaddr passed in, with its length in `args[len]`.
const fn addr_in(arg: u8, len: u8) -> Op {
    op(OpKind::Bytes, false, arg, Len::Arg(len, 1), SOCKADDR)
}
/// A sockaddr the kernel writes back, its length in `*args[len]`.
const fn addr_out(arg: u8, len: u8) -> Op {
    op(OpKind::Bytes, true, arg, Len::Deref(len), SOCKADDR)
}
pub(crate) const fn data_in(arg: u8, len: u8) -> Op {
    Op {
        snap: true,
        ..op(OpKind::Bytes, false, arg, Len::Arg(len, 1), PAYLOAD)
    }
}
/// What a `recv`/`recvfrom` wrote into the buffer at `args[arg]`, of `args[len]` bytes.
const fn received(arg: u8, len: u8) -> Op {
    Op {
        snap: true,
        ..op(OpKind::Bytes, true, arg, Len::RetUpTo(len), PAYLOAD)
    }
}
/// A C string the call wrote at `args[arg]`, as long as it returned (`getcwd`), not cut at
/// `-s` (strace 6.1 src/getcwd.c prints it as a path).
pub(crate) const fn path_out(arg: u8) -> Op {
    op(OpKind::Bytes, true, arg, Len::Ret, PAYLOAD)
}
pub(crate) const fn data_out(arg: u8) -> Op {
    Op {
        snap: true,
        ..op(OpKind::Bytes, true, arg, Len::Ret, PAYLOAD)
    }
}
/// `n` bytes at `args[arg]`, copied at entry (`exit` false) or at a successful exit.
pub(crate) const fn mem(arg: u8, exit: bool, n: u16) -> Op {
    op(OpKind::Bytes, exit, arg, Len::Fixed(Sz::N(n)), Sz::N(n))
}
/// `args[count] * size` bytes at `args[arg]` (at most `max`), at entry or a successful exit.
pub(crate) const fn array(arg: u8, exit: bool, count: u8, size: u8, max: u16) -> Op {
    op(OpKind::Bytes, exit, arg, Len::Arg(count, size), Sz::N(max))
}
/// As many `size`-byte structures at `args[arg]` as the call returned (at most `max` bytes).
pub(crate) const fn returned(arg: u8, size: u8, max: u16) -> Op {
    op(OpKind::Bytes, true, arg, Len::RetTimes(size), Sz::N(max))
}
/// A structure of `x64` bytes on x86_64 and `ia32` on ia32 (a `struct timespec` of `long`s).
pub(crate) const fn memw(arg: u8, exit: bool, x64: u16, ia32: u16) -> Op {
    op(
        OpKind::Bytes,
        exit,
        arg,
        Len::Fixed(Sz::Abi(x64, ia32)),
        Sz::Abi(x64, ia32),
    )
}
/// As [`memw`], at entry and again at exit (a timeout the kernel writes back).
pub(crate) const fn both(arg: u8, x64: u16, ia32: u16) -> Op {
    Op {
        both: true,
        ok_only: false,
        ..memw(arg, true, x64, ia32)
    }
}
/// As [`memw`] at exit, whether or not the call succeeded (`nanosleep`'s remaining time is
/// written when a signal interrupted it, which is a failure).
pub(crate) const fn rem(arg: u8, x64: u16, ia32: u16) -> Op {
    Op {
        ok_only: false,
        ..memw(arg, true, x64, ia32)
    }
}
/// An `fd_set` of `args[0]` descriptors, at entry and at exit. One byte per descriptor is
/// copied where one bit would do (an op multiplies, it cannot divide), up to the 128 bytes of
/// glibc's `fd_set` (FD_SETSIZE 1024): a set the program allocated smaller, at the very end of
/// its mapping, would fault and be shown as its pointer.
pub(crate) const fn fdset(arg: u8) -> Op {
    Op {
        both: true,
        ok_only: false,
        ..op(OpKind::Bytes, true, arg, Len::Arg(0, 1), Sz::N(128))
    }
}
/// An iovec array at `args[arg]` of `args[count]` entries with its first bytes: at entry
/// (`writev`) or at a successful exit (`readv`: as many bytes as the call returned).
pub(crate) const fn iov(arg: u8, exit: bool, count: u8) -> Op {
    op(OpKind::Iov, exit, arg, Len::Arg(count, 1), Sz::N(0))
}
pub(crate) const fn path(arg: u8) -> Op {
    op(OpKind::Str, false, arg, Len::Fixed(PATH), PATH)
}
const fn fixed_in(arg: u8, size: Sz) -> Op {
    op(OpKind::Bytes, false, arg, Len::Fixed(size), size)
}
const fn fixed_out(arg: u8, size: Sz) -> Op {
    op(OpKind::Bytes, true, arg, Len::Fixed(size), size)
}
const fn msghdr(arg: u8, exit: bool, payload: bool) -> Op {
    op(
        OpKind::MsgHdr { payload },
        exit,
        arg,
        Len::Fixed(Sz::N(0)),
        Sz::N(0),
    )
}
/// Message `index` of a `struct mmsghdr` array at `args[arg]` of `args[2]` messages (sendmmsg,
/// recvmmsg: include/linux/socket.h `struct mmsghdr`, 64 bytes; include/net/compat.h
/// `compat_mmsghdr`, 32): its header, `msg_len`, name, control messages, iovecs and bytes.
/// A message the call fills (`exit`: recvmmsg) is copied at exit and its header at entry too
/// (the `msg_namelen` passed in; the eBPF side copies nothing else of it at entry).
const fn mmsg(arg: u8, exit: bool, index: u8) -> Op {
    Op {
        offset: Sz::Abi(64 * index as u16, 32 * index as u16),
        both: exit,
        // Its entry side runs before any return value (the eBPF side skips past the messages
        // a failed call filled: none).
        ok_only: false,
        ..op(
            OpKind::MsgHdr { payload: true },
            exit,
            arg,
            Len::Index(2, index),
            Sz::N(0),
        )
    }
}
/// The first [`MMSG_SHOWN`] `struct mmsghdr`s at a successful sendmmsg's exit: the `msg_len`s
/// the kernel wrote.
const fn mmsg_lens(arg: u8) -> Op {
    fixed_out(arg, Sz::Abi(64 * MMSG_SHOWN as u16, 32 * MMSG_SHOWN as u16))
}
/// How many messages of a `sendmmsg`/`recvmmsg` are copied and shown (an op each).
pub(crate) const MMSG_SHOWN: u8 = 3;
/// A `struct msghdr`'s `msg_namelen` as the program passed it in (at entry; the header op
/// copies it at exit, after the kernel wrote back the address's length): strace shows both
/// (`msg_namelen=110 => 15`), and the kernel wrote only the shorter (net/socket.c
/// `move_addr_to_user`). At 8 in `struct user_msghdr`, 4 in `struct compat_msghdr`; an
/// `mmsghdr` starts with its `msghdr`.
pub(crate) const fn msg_namelen_in(arg: u8) -> Op {
    Op {
        offset: Sz::Abi(8, 4),
        ..fixed_in(arg, Sz::N(4))
    }
}
/// The file behind the descriptor the call returned, read in the kernel at exit.
pub(crate) const fn file_of_ret() -> Op {
    op(
        OpKind::FdFile { ret: true },
        true,
        0,
        Len::Fixed(Sz::N(0)),
        Sz::N(0),
    )
}
/// The socket `args[arg]` names, read in the kernel at exit (whatever the call returned: a
/// non-blocking `connect` that returns `EINPROGRESS` has its local address already).
const fn file_of_arg(arg: u8) -> Op {
    Op {
        ok_only: false,
        ..op(OpKind::FdArg, true, arg, Len::Fixed(Sz::N(0)), Sz::N(0))
    }
}
/// The files behind the two descriptors written at `args[arg]`, read in the kernel at exit.
const fn files_at(arg: u8) -> Op {
    op(
        OpKind::FdFile { ret: false },
        true,
        arg,
        Len::Fixed(Sz::N(0)),
        Sz::N(0),
    )
}
/// `struct msgbuf`'s text, after its `long mtype`.
const fn msgtext(arg: u8, len: Len) -> Op {
    Op {
        offset: Sz::Long,
        snap: true,
        ..op(OpKind::Bytes, matches!(len, Len::Ret), arg, len, PAYLOAD)
    }
}

macro_rules! row {
    ($name:literal, x64: $x:expr, ia32: $i:expr, sc: $sc:expr, ipc: $ipc:expr,
     args: [$($an:literal: $ak:expr),* $(,)?], ops: [$($op:expr),* $(,)?], ret: $ret:ident
     $(($retarg:expr))? $(, $field:ident: $value:expr)* $(,)?) => {
        Row {
            name: $name,
            x64: $x,
            ia32: $i,
            socketcall: socketcall($sc),
            ipc: ipc($ipc),
            args: &[$(($an, $ak)),*],
            ops: &[$($op),*],
            ret: Ret::$ret$(($retarg))?,
            $($field: $value,)*
            // Classes, default selection and entry points: from the generated row of the same
            // name (signatures.txt), in `ROWS`.
            ..BLANK
        }
    };
}

/// A row with nothing but its name: what the rows' declarations start from.
const BLANK: Row = Row {
    name: "",
    classes: 0,
    by_default: ByDefault::Always,
    x64: None,
    ia32: None,
    entry: [None, None],
    source: [None, None],
    socketcall: None,
    ipc: None,
    dispatches: None,
    work: &[],
    sock_op: None,
    libc: &[],
    libc_also: &[],
    libc_unprobed: &[],
    libc_when: None,
    effect: Effect::None,
    moves: None,
    meaning: &[],
    args: &[],
    ops: &[],
    ret: Ret::Int,
    filter: None,
};

const fn socketcall(case: Option<(u8, &'static str)>) -> Option<Case> {
    match case {
        Some((call, name)) => Some(Case { call, name }),
        None => None,
    }
}

const fn ipc(case: Option<(u8, &'static str, [u8; 6])>) -> Option<(Case, [u8; 6])> {
    match case {
        Some((call, name, from)) => Some((Case { call, name }, from)),
        None => None,
    }
}

/// Data moved into the object (`send`) or out of it, as bytes or messages, the amount the
/// return value.
const fn moves(send: bool, messages: bool) -> Moves {
    Moves {
        send,
        messages,
        size_arg: None,
        tag_arg: None,
    }
}

/// A message put in a queue.
const MESSAGE_IN: Moves = Moves {
    send: true,
    messages: true,
    size_arg: None,
    tag_arg: None,
};
/// `mq_timedsend` returns 0: its size is `msg_len`, its tag the priority.
const MQ_SEND: Moves = Moves {
    size_arg: Some(2),
    tag_arg: Some(3),
    ..MESSAGE_IN
};

/// `O_CREAT` (include/uapi/asm-generic/fcntl.h).
const O_CREAT: u64 = 0o100;
/// `sizeof(struct sembuf)` (include/uapi/linux/sem.h).
const SEMBUF: u8 = 6;
/// A `struct timespec` passed in: of `long`s (`old_timespec32` on ia32), or of 64-bit fields
/// on both ABIs (`__kernel_timespec`, the `*_time64` calls).
const TIMESPEC: Time = Time {
    shape: TimeShape::Spec,
    wide: false,
    show: TimeShow::Copied,
};
const TIMESPEC64: Time = Time {
    wide: true,
    ..TIMESPEC
};
/// A timeout passed in and written back (recvmmsg: the time left follows the return value).
const TIMESPEC_LEFT: Time = Time {
    show: TimeShow::Left,
    ..TIMESPEC
};
const TIMESPEC64_LEFT: Time = Time {
    show: TimeShow::Left,
    ..TIMESPEC64
};
/// The bit that `MAP_SHARED` (1) and `MAP_SHARED_VALIDATE` (3) share and `MAP_PRIVATE` (2)
/// lacks (include/uapi/linux/mman.h).
const MAP_SHARED_BITS: u64 = 0x1;

/// Every row: the hand-written ones first (their indices were those of tracer's first
/// recordings), then every generated row that no hand-written row stands for.
pub static ROWS: LazyLock<Vec<Row>> = LazyLock::new(|| {
    let mut rows: Vec<Row> = HAND.iter().map(with_generated).collect();
    rows.extend(
        GENERATED
            .iter()
            .filter(|g| !HAND.iter().any(|h| stands_for(h, g)))
            .cloned(),
    );
    rows.extend(LATE.iter().map(with_generated));
    rows
});

/// Hand-written rows added after recordings began to be made: after every other row, so that
/// a recording older than the table of row names it now carries (recording/remap.rs) still
/// finds each row at its index.
static LATE: &[Row] = &[
    // ipc(MSGRCV) version 0 passes msgp and msgtyp in a `struct compat_ipc_kludge` at `ptr`
    // (ipc/syscall.c `compat_ksys_ipc`): the message is read through the kludge's `msgp`
    // (`OPF_ADDR_DEREF`), and shown with `msgtyp` in its place, as strace shows it:
    // `msgrcv(id, {mtype=1, mtext="hi"}, 8, 0, IPC_NOWAIT)`. It takes the ipc case over from
    // the `IpcKludge` row above, which recordings made before it still name.
    row!("msgrcv", x64: None, ia32: None, sc: None, ipc: Some((12, "MSGRCV", [1, 4, 2, 0xff, 3, 0xff])),
        args: ["msqid": Int, "msgp": MsgBuf(1, 2), "msgsz": UInt, "msgtyp": KludgeType(0),
               "msgflg": IpcFlags(IpcFlagsOf::Msg)],
        ops: [fixed_in(1, Sz::N(8)), Op { deref: true, ..fixed_out(1, Sz::Long) },
              Op { deref: true, ..msgtext(1, Len::Ret) }], ret: Int,
        work: &[&DO_MSGRCV], libc: &["msgrcv"], effect: Effect::SysvUses(Sysv::MsgQueue), moves: Some(moves(false, true))),
    // ipc(SHMAT) returns the attached address through its `third` argument (ipc/syscall.c
    // `compat_ksys_ipc`), copied at exit and shown as the return value.
    row!("shmat", x64: None, ia32: None, sc: None, ipc: Some((21, "SHMAT", [1, 4, 2, 3, 0xff, 0xff])),
        args: ["shmid": Int, "shmaddr": Ptr, "shmflg": IpcFlags(IpcFlagsOf::Shmat), "raddr": Hidden],
        ops: [fixed_out(3, Sz::N(4))], ret: HexAt(0),
        work: &[&DO_SHMAT], libc: &["shmat"], effect: Effect::SysvUses(Sysv::SharedMemory)),
    // ipc(SEMCTL) passes the union's address instead (ipc/syscall.c `compat_ksys_ipc`), shown
    // as strace shows it: the structure the union points to for a command that uses one, else
    // the union's value in brackets (`[0x7]`, `[NULL]`).
    row!("semctl", x64: None, ia32: None, sc: None, ipc: Some((3, "SEMCTL", [1, 2, 3, 4, 0xff, 0xff])),
        args: ["semid": Int, "semnum": Int, "cmd": IpcCmd(Sysv::Semaphores), "arg": IpcSemun(0, 1)],
        ops: [fixed_in(3, Sz::N(4)), Op { deref: true, ..both(3, SEMID64_DS, COMPAT_SEMID64_DS) }], ret: Int,
        libc: &["semctl"], effect: Effect::SysvUses(Sysv::Semaphores)),
];

/// Whether hand-written `h` replaces generated `g`: the same name, and every number `g` has.
fn stands_for(h: &Row, g: &Row) -> bool {
    h.name == g.name
        && (g.x64.is_none() || h.x64 == g.x64)
        && (g.ia32.is_none() || h.ia32 == g.ia32)
}

/// A hand-written row with the classes, default selection and entry points of the generated
/// row it stands for. Rows the tables do not have (socketcall's `send`/`recv`, `ipc`'s
/// `msgrcv` with its kludge) are in strace's class of their dispatcher.
fn with_generated(h: &Row) -> Row {
    let mut r = h.clone();
    let same = |g: &&Row| {
        g.name == h.name
            && ((h.x64.is_some() && g.x64 == h.x64) || (h.ia32.is_some() && g.ia32 == h.ia32))
    };
    let g = GENERATED
        .iter()
        .find(same)
        .or_else(|| GENERATED.iter().find(|g| g.name == h.name));
    match g {
        Some(g) => {
            r.classes = g.classes;
            r.by_default = g.by_default;
            r.entry = g.entry;
            r.source = g.source;
        }
        None if h.socketcall.is_some() => r.classes = class::NETWORK,
        None => r.classes = class::IPC,
    }
    r
}

/// A generated row (generated.rs is a list of these).
#[allow(
    clippy::too_many_arguments,
    reason = "one per column of the generated table"
)]
pub(crate) const fn call(
    name: &'static str,
    x64: Option<u16>,
    ia32: Option<u16>,
    entry: [Option<&'static str>; 2],
    source: [Option<&'static str>; 2],
    classes: u32,
    by_default: ByDefault,
    ret: Ret,
    args: &'static [(&'static str, Arg)],
    ops: &'static [Op],
    effect: Effect,
) -> Row {
    Row {
        name,
        classes,
        by_default,
        x64,
        ia32,
        entry,
        source,
        effect,
        args,
        ops,
        ret,
        ..BLANK
    }
}

static HAND: &[Row] = &[
    // Sockets (net/socket.c).
    row!("socket", x64: Some(41), ia32: Some(359), sc: Some((1, "SYS_SOCKET")), ipc: None,
        args: ["domain": Domain, "type": SockType, "protocol": Protocol], ops: [file_of_ret()], ret: Fd,
        work: &[&SYS_SOCKET, &SOCK_CREATE], libc: &["socket"], effect: Effect::NewSocket),
    row!("bind", x64: Some(49), ia32: Some(361), sc: Some((2, "SYS_BIND")), ipc: None,
        args: ["sockfd": Fd, "addr": SockAddr(0), "addrlen": UInt], ops: [addr_in(1, 2), file_of_arg(0)], ret: Int,
        work: &[&SYS_BIND, &SYS_BIND_SOCKET], sock_op: Some("bind"), libc: &["bind"], effect: Effect::Names),
    row!("connect", x64: Some(42), ia32: Some(362), sc: Some((3, "SYS_CONNECT")), ipc: None,
        args: ["sockfd": Fd, "addr": SockAddr(0), "addrlen": UInt], ops: [addr_in(1, 2), file_of_arg(0)], ret: Int,
        work: &[&SYS_CONNECT], sock_op: Some("connect"), libc: &["connect"], effect: Effect::Connects),
    row!("listen", x64: Some(50), ia32: Some(363), sc: Some((4, "SYS_LISTEN")), ipc: None,
        args: ["sockfd": Fd, "backlog": Int], ops: [file_of_arg(0)], ret: Int,
        work: &[&SYS_LISTEN], libc: &["listen"]),
    row!("accept", x64: Some(43), ia32: None, sc: Some((5, "SYS_ACCEPT")), ipc: None,
        args: ["sockfd": Fd, "addr": SockAddrOut(0, 2), "addrlen": SockLenPtr(0, 2)],
        ops: [addr_out(1, 2), file_of_ret(), mem(2, false, 4)], ret: Fd,
        work: &[&SYS_ACCEPT4], libc: &["accept"], effect: Effect::Accepts { flags: false }),
    row!("getsockname", x64: Some(51), ia32: Some(367), sc: Some((6, "SYS_GETSOCKNAME")), ipc: None,
        args: ["sockfd": Fd, "addr": SockAddrOut(0, 1), "addrlen": SockLenPtr(0, 1)],
        ops: [addr_out(1, 2), mem(2, false, 4)], ret: Int,
        libc: &["getsockname"], effect: Effect::TellsName),
    row!("getpeername", x64: Some(52), ia32: Some(368), sc: Some((7, "SYS_GETPEERNAME")), ipc: None,
        args: ["sockfd": Fd, "addr": SockAddrOut(0, 1), "addrlen": SockLenPtr(0, 1)],
        ops: [addr_out(1, 2), mem(2, false, 4)], ret: Int,
        libc: &["getpeername"]),
    // strace 6.1 src/net.c `SYS_FUNC(socketpair)` prints the protocol as a number.
    row!("socketpair", x64: Some(53), ia32: Some(360), sc: Some((8, "SYS_SOCKETPAIR")), ipc: None,
        args: ["domain": Domain, "type": SockType, "protocol": Int, "sv": FdPair(0)],
        ops: [fixed_out(3, Sz::N(8)), files_at(3)], ret: Int,
        work: &[&SYS_SOCKETPAIR, &SOCK_CREATE], libc: &["socketpair"], effect: Effect::NewSocketPair),
    row!("send", x64: None, ia32: None, sc: Some((9, "SYS_SEND")), ipc: None,
        args: ["sockfd": Fd, "buf": Buf(0), "len": UInt, "flags": MsgFlags], ops: [data_in(1, 2)], ret: Int,
        work: &[&SYS_SENDTO], sock_op: Some("sendmsg"), libc_also: &["send"], moves: Some(moves(true, true)), source: [None, Some("net/socket.c")]),
    row!("recv", x64: None, ia32: None, sc: Some((10, "SYS_RECV")), ipc: None,
        args: ["sockfd": Fd, "buf": Buf(0), "len": UInt, "flags": MsgFlags], ops: [received(1, 2)], ret: Int,
        work: &[&SYS_RECVFROM], libc_also: &["recv"], moves: Some(moves(false, true)), source: [None, Some("net/socket.c")]),
    row!("sendto", x64: Some(44), ia32: Some(369), sc: Some((11, "SYS_SENDTO")), ipc: None,
        args: ["sockfd": Fd, "buf": Buf(0), "len": UInt, "flags": MsgFlags, "dest_addr": SockAddr(1), "addrlen": UInt],
        ops: [data_in(1, 2), addr_in(4, 5), file_of_arg(0)], ret: Int,
        work: &[&SYS_SENDTO], sock_op: Some("sendmsg"), libc: &["send", "sendto"], moves: Some(moves(true, true))),
    row!("recvfrom", x64: Some(45), ia32: Some(371), sc: Some((12, "SYS_RECVFROM")), ipc: None,
        args: ["sockfd": Fd, "buf": Buf(0), "len": UInt, "flags": MsgFlags, "src_addr": SockAddrOut(1, 2), "addrlen": SockLenPtr(1, 2)],
        ops: [received(1, 2), addr_out(4, 5), mem(5, false, 4)], ret: Int,
        work: &[&SYS_RECVFROM], libc: &["recv", "recvfrom"], moves: Some(moves(false, true))),
    row!("shutdown", x64: Some(48), ia32: Some(373), sc: Some((13, "SYS_SHUTDOWN")), ipc: None,
        args: ["sockfd": Fd, "how": ShutHow], ops: [], ret: Int,
        work: &[&SYS_SHUTDOWN], libc: &["shutdown"]),
    row!("setsockopt", x64: Some(54), ia32: Some(366), sc: Some((14, "SYS_SETSOCKOPT")), ipc: None,
        args: ["sockfd": Fd, "level": SockLevel, "optname": SockOpt, "optval": OptVal(0), "optlen": UInt],
        // Capped at `-s` as a payload is: strace shows an option's bytes as a string.
        ops: [Op { snap: true, ..op(OpKind::Bytes, false, 3, Len::Arg(4, 1), Sz::N(64)) }], ret: Int,
        libc: &["setsockopt"]),
    row!("getsockopt", x64: Some(55), ia32: Some(365), sc: Some((15, "SYS_GETSOCKOPT")), ipc: None,
        args: ["sockfd": Fd, "level": SockLevel, "optname": SockOpt, "optval": OptVal(0), "optlen": SockLenPtr(0, 1)],
        ops: [Op { snap: true, ..op(OpKind::Bytes, true, 3, Len::Deref(4), Sz::N(64)) }, mem(4, false, 4)], ret: Int,
        libc: &["getsockopt"]),
    row!("sendmsg", x64: Some(46), ia32: Some(370), sc: Some((16, "SYS_SENDMSG")), ipc: None,
        args: ["sockfd": Fd, "msg": MsgHdr(0), "flags": MsgFlags], ops: [msghdr(1, false, true)], ret: Int,
        work: &[&SYS_SENDMSG], sock_op: Some("sendmsg"), libc: &["sendmsg"], moves: Some(moves(true, true))),
    row!("recvmsg", x64: Some(47), ia32: Some(372), sc: Some((17, "SYS_RECVMSG")), ipc: None,
        args: ["sockfd": Fd, "msg": MsgHdr(0), "flags": MsgFlags],
        // Copied at a failed exit too, for the `msg_namelen` strace shows then.
        ops: [Op { ok_only: false, ..msghdr(1, true, true) }, msg_namelen_in(1)], ret: Int,
        work: &[&SYS_RECVMSG], libc: &["recvmsg"], moves: Some(moves(false, true))),
    row!("accept4", x64: Some(288), ia32: Some(364), sc: Some((18, "SYS_ACCEPT4")), ipc: None,
        args: ["sockfd": Fd, "addr": SockAddrOut(0, 2), "addrlen": SockLenPtr(0, 2), "flags": SockFlags],
        ops: [addr_out(1, 2), file_of_ret(), mem(2, false, 4)], ret: Fd,
        work: &[&SYS_ACCEPT4], libc: &["accept4"], libc_also: &["accept"], effect: Effect::Accepts { flags: true }),
    row!("recvmmsg", x64: Some(299), ia32: Some(337), sc: Some((19, "SYS_RECVMMSG")), ipc: None,
        args: ["sockfd": Fd, "msgvec": MmsgHdr(0, 0), "vlen": UInt, "flags": MsgFlags, "timeout": Time(3, TIMESPEC_LEFT)],
        ops: [mmsg(1, true, 0), mmsg(1, true, 1), mmsg(1, true, 2), both(4, 16, 8)], ret: Left),
    row!("recvmmsg_time64", x64: None, ia32: Some(417), sc: None, ipc: None,
        args: ["sockfd": Fd, "msgvec": MmsgHdr(0, 0), "vlen": UInt, "flags": MsgFlags, "timeout": Time(3, TIMESPEC64_LEFT)],
        ops: [mmsg(1, true, 0), mmsg(1, true, 1), mmsg(1, true, 2), both(4, 16, 16)], ret: Left),
    row!("sendmmsg", x64: Some(307), ia32: Some(345), sc: Some((20, "SYS_SENDMMSG")), ipc: None,
        args: ["sockfd": Fd, "msgvec": MmsgHdr(0, 3), "vlen": UInt, "flags": MsgFlags],
        ops: [mmsg(1, false, 0), mmsg(1, false, 1), mmsg(1, false, 2), mmsg_lens(1)], ret: Int),
    // The ia32 dispatchers: rows of their own so that a bad call number is still shown.
    row!("socketcall", x64: None, ia32: Some(102), sc: None, ipc: None,
        args: ["call": Int, "args": Ptr], ops: [], ret: Int,
        dispatches: Some(Dispatcher::Socketcall)),
    row!("ipc", x64: None, ia32: Some(117), sc: None, ipc: None,
        // ipc/syscall.c: SYSCALL_DEFINE6(ipc, unsigned int call, int first, unsigned long second,
        // unsigned long third, void __user *ptr, long fifth).
        args: ["call": UInt, "first": Int, "second": UInt, "third": UInt, "ptr": Ptr, "fifth": Long], ops: [], ret: Int,
        dispatches: Some(Dispatcher::Ipc)),
    // Pipes, FIFOs and socket files.
    row!("pipe", x64: Some(22), ia32: Some(42), sc: None, ipc: None,
        args: ["pipefd": FdPair(0)], ops: [fixed_out(0, Sz::N(8)), files_at(0)], ret: Int,
        work: &[&DO_PIPE2], libc_also: &["pipe"], effect: Effect::NewPipe { flags: false }),
    row!("pipe2", x64: Some(293), ia32: Some(331), sc: None, ipc: None,
        args: ["pipefd": FdPair(0), "flags": PipeFlags], ops: [fixed_out(0, Sz::N(8)), files_at(0)], ret: Int,
        work: &[&DO_PIPE2], libc: &["pipe", "pipe2"], effect: Effect::NewPipe { flags: true }),
    row!("mknod", x64: Some(133), ia32: Some(14), sc: None, ipc: None,
        args: ["pathname": Path(0), "mode": MknodMode, "dev": MknodDev], ops: [path(0)], ret: Int,
        work: &[&DO_MKNODAT], libc_also: &["mkfifo", "mknod"]),
    row!("mknodat", x64: Some(259), ia32: Some(297), sc: None, ipc: None,
        args: ["dirfd": DirFd, "pathname": Path(0), "mode": MknodMode, "dev": MknodDev], ops: [path(1)], ret: Int,
        work: &[&DO_MKNODAT], libc: &["mkfifo", "mknod"]),
    row!("unlink", x64: Some(87), ia32: Some(10), sc: None, ipc: None,
        args: ["pathname": Path(0)], ops: [path(0)], ret: Int,
        libc: &["unlink"], effect: Effect::Unlinks),
    row!("unlinkat", x64: Some(263), ia32: Some(301), sc: None, ipc: None,
        args: ["dirfd": DirFd, "pathname": Path(0), "flags": AtFlags], ops: [path(1)], ret: Int,
        effect: Effect::Unlinks),
    // SysV message queues, semaphores, shared memory (ipc/msg.c, ipc/sem.c, ipc/shm.c).
    row!("msgget", x64: Some(68), ia32: Some(399), sc: None, ipc: Some((13, "MSGGET", [1, 2, 0xff, 0xff, 0xff, 0xff])),
        args: ["key": IpcKey, "msgflg": IpcFlags(IpcFlagsOf::Get)], ops: [], ret: Int,
        work: &[&KSYS_MSGGET], libc: &["msgget"], effect: Effect::SysvGet(Sysv::MsgQueue)),
    row!("msgsnd", x64: Some(69), ia32: Some(400), sc: None, ipc: Some((11, "MSGSND", [1, 4, 2, 3, 0xff, 0xff])),
        args: ["msqid": Int, "msgp": MsgBuf(0, 1), "msgsz": UInt, "msgflg": IpcFlags(IpcFlagsOf::Msg)],
        ops: [fixed_in(1, Sz::Long), msgtext(1, Len::Arg(2, 1))], ret: Int,
        work: &[&DO_MSGSND], libc: &["msgsnd"], effect: Effect::SysvUses(Sysv::MsgQueue), moves: Some(Moves { size_arg: Some(2), ..MESSAGE_IN })),
    row!("msgrcv", x64: Some(70), ia32: Some(401), sc: None, ipc: None,
        args: ["msqid": Int, "msgp": MsgBuf(0, 1), "msgsz": UInt, "msgtyp": Long, "msgflg": IpcFlags(IpcFlagsOf::Msg)],
        ops: [fixed_out(1, Sz::Long), msgtext(1, Len::Ret)], ret: Int,
        work: &[&DO_MSGRCV], libc: &["msgrcv"], effect: Effect::SysvUses(Sysv::MsgQueue), moves: Some(moves(false, true))),
    // ipc(MSGRCV) version 0 passes msgp and msgtyp in a `struct ipc_kludge` at `ptr`.
    // msgtyp is inside the kludge.
    row!("msgrcv", x64: None, ia32: None, sc: None, ipc: Some((12, "MSGRCV", [1, 4, 2, 3, 0xff, 0xff])),
        args: ["msqid": Int, "kludge": IpcKludge(0), "msgsz": UInt, "msgflg": IpcFlags(IpcFlagsOf::Msg)],
        ops: [fixed_in(1, Sz::N(8))], ret: Int,
        work: &[&DO_MSGRCV], libc: &["msgrcv"], effect: Effect::SysvUses(Sysv::MsgQueue), moves: Some(moves(false, true))),
    row!("msgctl", x64: Some(71), ia32: Some(402), sc: None, ipc: Some((14, "MSGCTL", [1, 2, 4, 0xff, 0xff, 0xff])),
        args: ["msqid": Int, "cmd": IpcCmd(Sysv::MsgQueue), "buf": IpcBuf(0, Sysv::MsgQueue)],
        ops: [both(2, MSQID64_DS, COMPAT_MSQID64_DS)], ret: Int,
        libc: &["msgctl"], effect: Effect::SysvUses(Sysv::MsgQueue)),
    row!("semget", x64: Some(64), ia32: Some(393), sc: None, ipc: Some((2, "SEMGET", [1, 2, 3, 0xff, 0xff, 0xff])),
        args: ["key": IpcKey, "nsems": Int, "semflg": IpcFlags(IpcFlagsOf::Get)], ops: [], ret: Int,
        work: &[&KSYS_SEMGET], libc: &["semget"], effect: Effect::SysvGet(Sysv::Semaphores)),
    row!("semop", x64: Some(65), ia32: None, sc: None, ipc: Some((1, "SEMOP", [1, 4, 2, 0xff, 0xff, 0xff])),
        args: ["semid": Int, "sops": SemOps(0), "nsops": UInt], ops: [op(OpKind::Bytes, false, 1, Len::Arg(2, SEMBUF), Sz::N(96))], ret: Int,
        work: &[&DO_SEMTIMEDOP], libc_also: &["semop"], effect: Effect::SysvUses(Sysv::Semaphores)),
    // ipc(SEMTIMEDOP) takes an `old_timespec32` (ipc/syscall.c `compat_ksys_ipc`). glibc 2.36
    // (objdump -d of Debian 12's libc.so.6 and /lib32/libc.so.6): semtimedop() issues it, rax
    // 220 (i386: `ipc` call 4, through a helper that loads its six arguments), and
    // semop() is semtimedop(id, sops, n, NULL): a `jmp` to it on x86_64, a `call` on i386.
    row!("semtimedop", x64: Some(220), ia32: None, sc: None, ipc: Some((4, "SEMTIMEDOP", [1, 4, 2, 5, 0xff, 0xff])),
        args: ["semid": Int, "sops": SemOps(0), "nsops": UInt, "timeout": Time(1, TIMESPEC)],
        ops: [op(OpKind::Bytes, false, 1, Len::Arg(2, SEMBUF), Sz::N(96)), memw(3, false, 16, 8)], ret: Int,
        work: &[&DO_SEMTIMEDOP], libc: &["semop"], libc_unprobed: &["semtimedop"], effect: Effect::SysvUses(Sysv::Semaphores)),
    // glibc 2.36 (objdump -d of Debian 12's /lib32/libc.so.6, `__semtimedop64`, glibc 2.34+;
    // sysdeps/unix/sysv/linux/semtimedop.c): a program built with 64-bit time_t
    // (`_TIME_BITS=64`) whose timeout's seconds do not fit in 32 bits gets `eax = 420` through
    // `__kernel_vsyscall` (EOVERFLOW if the kernel lacks it); every other semop()/semtimedop()
    // goes to `ipc` call 4 (SEMTIMEDOP). `libc_when` names its glibc version as a `{key}` of
    // crate::versions (explain fills it in).
    row!("semtimedop_time64", x64: None, ia32: Some(420), sc: None, ipc: None,
        args: ["semid": Int, "sops": SemOps(0), "nsops": UInt, "timeout": Time(1, TIMESPEC64)],
        ops: [op(OpKind::Bytes, false, 1, Len::Arg(2, SEMBUF), Sz::N(96)), memw(3, false, 16, 16)], ret: Int,
        work: &[&DO_SEMTIMEDOP], libc: &["semop"],
        libc_when: Some([
            "32-bit glibc ({GLIBC_TIME64} and later) issues it from semtimedop() only for a program built with 64-bit time_t (_TIME_BITS=64) whose timeout's seconds do not fit in 32 bits; a program may also issue it through syscall(2)",
            "32 位 glibc（{GLIBC_TIME64} 及以后）只在程序以 64 位 time_t 编译（_TIME_BITS=64）且超时的秒数超出 32 位时，才从 semtimedop() 发出它；程序也可以通过 syscall(2) 发出它",
        ]),
        effect: Effect::SysvUses(Sysv::Semaphores)),
    // `semctl`'s fourth argument is a `union semun` passed by value: the buffer's address for
    // the commands that take one, the value for SETVAL.
    row!("semctl", x64: Some(66), ia32: Some(394), sc: None, ipc: None,
        args: ["semid": Int, "semnum": Int, "cmd": IpcCmd(Sysv::Semaphores), "arg": IpcBuf(0, Sysv::Semaphores)],
        ops: [both(3, SEMID64_DS, COMPAT_SEMID64_DS)], ret: Int,
        libc: &["semctl"], effect: Effect::SysvUses(Sysv::Semaphores)),
    row!("shmget", x64: Some(29), ia32: Some(395), sc: None, ipc: Some((23, "SHMGET", [1, 2, 3, 0xff, 0xff, 0xff])),
        args: ["key": IpcKey, "size": UInt, "shmflg": IpcFlags(IpcFlagsOf::ShmGet)], ops: [], ret: Int,
        work: &[&KSYS_SHMGET], libc: &["shmget"], effect: Effect::SysvGet(Sysv::SharedMemory)),
    row!("shmat", x64: Some(30), ia32: Some(397), sc: None, ipc: None,
        args: ["shmid": Int, "shmaddr": Ptr, "shmflg": IpcFlags(IpcFlagsOf::Shmat)], ops: [], ret: Hex,
        work: &[&DO_SHMAT], libc: &["shmat"], effect: Effect::SysvUses(Sysv::SharedMemory)),
    row!("shmdt", x64: Some(67), ia32: Some(398), sc: None, ipc: Some((22, "SHMDT", [4, 0xff, 0xff, 0xff, 0xff, 0xff])),
        args: ["shmaddr": Ptr], ops: [], ret: Int,
        work: &[&KSYS_SHMDT], libc: &["shmdt"]),
    row!("shmctl", x64: Some(31), ia32: Some(396), sc: None, ipc: Some((24, "SHMCTL", [1, 2, 4, 0xff, 0xff, 0xff])),
        args: ["shmid": Int, "cmd": IpcCmd(Sysv::SharedMemory), "buf": IpcBuf(0, Sysv::SharedMemory)],
        ops: [both(2, SHMID64_DS, COMPAT_SHMID64_DS)], ret: Int,
        libc: &["shmctl"], effect: Effect::SysvUses(Sysv::SharedMemory)),
    // POSIX message queues (ipc/mqueue.c).
    // The mode and the attributes are read only with O_CREAT (ipc/mqueue.c `do_mq_open`), and
    // shown only then, as strace shows them.
    row!("mq_open", x64: Some(240), ia32: Some(277), sc: None, ipc: None,
        args: ["name": Path(0), "oflag": OpenFlags,
            "mode": If { arg: 1, mask: O_CREAT, kind: &Mode },
            "attr": If { arg: 1, mask: O_CREAT, kind: &MqAttr(1) }],
        ops: [path(0), memw(3, false, 32, 16), file_of_ret()], ret: Fd,
        libc: &["mq_open"], effect: Effect::OpensMq),
    row!("mq_unlink", x64: Some(241), ia32: Some(278), sc: None, ipc: None,
        args: ["name": Path(0)], ops: [path(0)], ret: Int,
        libc: &["mq_unlink"], effect: Effect::UnlinksMq),
    row!("mq_timedsend", x64: Some(242), ia32: Some(279), sc: None, ipc: None,
        args: ["mqdes": Fd, "msg_ptr": Buf(0), "msg_len": UInt, "msg_prio": UInt, "abs_timeout": Time(1, TIMESPEC)],
        ops: [data_in(1, 2), memw(4, false, 16, 8)], ret: Int,
        libc: &["mq_send"], moves: Some(MQ_SEND)),
    row!("mq_timedsend_time64", x64: None, ia32: Some(418), sc: None, ipc: None,
        args: ["mqdes": Fd, "msg_ptr": Buf(0), "msg_len": UInt, "msg_prio": UInt, "abs_timeout": Time(1, TIMESPEC64)],
        ops: [data_in(1, 2), memw(4, false, 16, 16)], ret: Int,
        libc: &["mq_send"], moves: Some(MQ_SEND)),
    row!("mq_timedreceive", x64: Some(243), ia32: Some(280), sc: None, ipc: None,
        args: ["mqdes": Fd, "msg_ptr": Buf(0), "msg_len": UInt, "msg_prio": Written(2, Written::U32), "abs_timeout": Time(1, TIMESPEC)],
        ops: [data_out(1), memw(4, false, 16, 8), mem(3, true, 4)], ret: Int,
        libc: &["mq_receive"], moves: Some(moves(false, true))),
    row!("mq_timedreceive_time64", x64: None, ia32: Some(419), sc: None, ipc: None,
        args: ["mqdes": Fd, "msg_ptr": Buf(0), "msg_len": UInt, "msg_prio": Written(2, Written::U32), "abs_timeout": Time(1, TIMESPEC64)],
        ops: [data_out(1), memw(4, false, 16, 16), mem(3, true, 4)], ret: Int,
        libc: &["mq_receive"], moves: Some(moves(false, true))),
    // Signals (kernel/signal.c).
    // kernel/signal.c `kill_something_info` (Linux 6.1 and 6.18): pid > 0 goes to
    // `kill_proc_info`; pid 0 to `__kill_pgrp_info(sig, info, task_pgrp(current))`, pid < -1 to
    // `__kill_pgrp_info(..., find_vpid(-pid))`; pid -1 loops `for_each_process` over every task
    // with `task_pid_vnr(p) > 1` outside the caller's thread group (0 for a task outside the
    // caller's PID namespace), calls `group_send_sig_info` on each, ignores `-EPERM`, and
    // returns `-ESRCH` only when it found no such process.
    row!("kill", x64: Some(62), ia32: Some(37), sc: None, ipc: None,
    args: ["pid": Pid, "sig": Signal], ops: [], ret: Int,
    work: &[&KILL_SOMETHING_INFO], libc: &["kill"],
    meaning: &[
        [
            "pid > 0: that process; pid 0: every process in the caller's process group (`__kill_pgrp_info` with the caller's group); pid < -1: every process in group -pid",
            "pid > 0：该进程；pid 0：调用者所在进程组中的每个进程（以调用者的组调用 `__kill_pgrp_info`）；pid < -1：进程组 -pid 中的每个进程",
        ],
        [
            "pid -1: every process the caller may signal except pid 1 and the caller itself (`kill_something_info` loops over all processes; in a PID namespace, over that namespace's); EPERM from one of them is not an error, ESRCH only when there was none",
            "pid -1：除 1 号进程和调用者自己以外、调用者有权发信号的每个进程（`kill_something_info` 遍历所有进程；在 PID 命名空间中只遍历该命名空间的进程）；其中某个进程的 EPERM 不算错误，只有一个进程都没有时才返回 ESRCH",
        ],
    ]),
    row!("tkill", x64: Some(200), ia32: Some(238), sc: None, ipc: None,
        args: ["tid": Pid, "sig": Signal], ops: [], ret: Int),
    row!("tgkill", x64: Some(234), ia32: Some(270), sc: None, ipc: None,
        args: ["tgid": Pid, "tid": Pid, "sig": Signal], ops: [], ret: Int),
    // `siginfo_t` is 128 bytes; its `si_value` lies within the first 32.
    row!("rt_sigqueueinfo", x64: Some(129), ia32: Some(178), sc: None, ipc: None,
        args: ["tgid": Pid, "sig": Signal, "info": SigInfo(0)], ops: [fixed_in(2, Sz::N(32))], ret: Int,
        work: &[&DO_RT_SIGQUEUEINFO, &DO_SEND_SIG_INFO], libc: &["sigqueue"]),
    row!("rt_tgsigqueueinfo", x64: Some(297), ia32: Some(335), sc: None, ipc: None,
        args: ["tgid": Pid, "tid": Pid, "sig": Signal, "info": SigInfo(0)], ops: [fixed_in(3, Sz::N(32))], ret: Int),
    // The kernel's `struct sigaction`: handler, flags, restorer, mask (x86_64 32 bytes; ia32 20).
    row!("rt_sigaction", x64: Some(13), ia32: Some(174), sc: None, ipc: None,
        args: ["signum": Signal, "act": SigAction(0), "oldact": SigAction(1), "sigsetsize": UInt],
        ops: [fixed_in(1, Sz::Abi(32, 20)), fixed_out(2, Sz::Abi(32, 20))], ret: Int,
        libc: &["sigaction"]),
    // Shared memory mappings (mm/mmap.c, mm/memfd.c).
    row!("mmap", x64: Some(9), ia32: None, sc: None, ipc: None,
        args: ["addr": Ptr, "length": UInt, "prot": MmapProt, "flags": MmapFlags, "fd": Fd, "offset": Hex],
        ops: [], ret: Hex, filter: Some((3, MAP_SHARED_BITS))),
    row!("mmap2", x64: None, ia32: Some(192), sc: None, ipc: None,
        args: ["addr": Ptr, "length": UInt, "prot": MmapProt, "flags": MmapFlags, "fd": Fd, "pgoffset": Pages],
        ops: [], ret: Hex, filter: Some((3, MAP_SHARED_BITS))),
    row!("munmap", x64: Some(11), ia32: Some(91), sc: None, ipc: None,
        args: ["addr": Ptr, "length": UInt], ops: [], ret: Int),
    row!("memfd_create", x64: Some(319), ia32: Some(356), sc: None, ipc: None,
        args: ["name": Path(0), "flags": MemfdFlags], ops: [path(0), file_of_ret()], ret: Fd,
        libc: &["memfd_create"], effect: Effect::NewMemfd),
    // Any fd, for a traced command or pid.
    row!("read", x64: Some(0), ia32: Some(3), sc: None, ipc: None,
        args: ["fd": Fd, "buf": Buf(0), "count": UInt], ops: [data_out(1)], ret: Int,
        moves: Some(moves(false, false))),
    row!("write", x64: Some(1), ia32: Some(4), sc: None, ipc: None,
        args: ["fd": Fd, "buf": Buf(0), "count": UInt], ops: [data_in(1, 2)], ret: Int,
        moves: Some(moves(true, false))),
    row!("close", x64: Some(3), ia32: Some(6), sc: None, ipc: None,
        args: ["fd": Fd], ops: [], ret: Int,
        effect: Effect::Closes),
];
