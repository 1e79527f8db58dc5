//! The syscall table: one row per call is the whole description of it. It drives the in-kernel
//! filter (which numbers, which user memory to copy), the decoder (argument names and kinds,
//! the return value), the names shown, the ia32 dispatchers' cases, the journey (the table's
//! entry point and its source file, the kernel functions that do the work, the protocol
//! operation, the C library functions that issue it) and what the call does to the objects the
//! live view and the flows follow ([`Effect`], [`Moves`]). Nothing else matches calls by name.
//! Adding a syscall is adding a row (signatures.txt, or table.rs for one with captured
//! structures or kernel knowledge), and a decoder only when it needs a new argument kind.

mod generated;
pub mod kfunc;
pub mod qualify;
mod table;

/// What generated.rs is written against.
mod gen_prelude {
    pub use super::Arg::*;
    pub use super::ByDefault::{Always, Never, Scoped};
    pub use super::TimeShape::{ItSpec, ItVal, Rusage, Spec, Utimens, Val};
    pub use super::TimeShow::{Copied, Left, Remaining};
    pub use super::class::*;
    pub(crate) use super::table::{
        array, both, call, data_in, data_out, fdset, file_of_ret, iov, mem, memw, path, path_out,
        rem, returned, stack_at,
    };
    pub use super::{Effect, FutexArg, PrctlArg, Ret, Row, Sz, Time, Written};
    pub use crate::decode::consts::Consts;
}

use crate::decode::consts::Consts;
use tracer_common::{
    CaptureOp, LEN_ARG, LEN_ARG_DEREF, LEN_FIXED, LEN_INDEX, LEN_RET, MAX_OPS, OP_BYTES,
    OP_FD_FILE, OP_MSGHDR, OP_STR, OPF_FD_RET, OPF_IOV_ARRAY, OPF_NO_PAYLOAD, OPF_OK_ONLY,
    OPF_SNAP, SPEC_FILTER_ARG, SPEC_IPC, SPEC_KNOWN, SPEC_SOCKETCALL, SPEC_STACK_ARG0, SPEC_TRACED,
    SyscallSpec, TABLE_IA32, TABLE_IPC, TABLE_SOCKETCALL, TABLE_X86_64,
};

pub use generated::KERNEL as TABLES_KERNEL;
pub use table::ROWS;
pub(crate) use table::{MMSG_SHOWN, msg_namelen_in};

/// strace's trace classes (`-e trace=%file`, strace(1) "Filtering"), as bits of
/// [`Row::classes`], plus tracer's own `%io`.
pub mod class {
    pub const FILE: u32 = 1 << 0;
    pub const PROCESS: u32 = 1 << 1;
    pub const NETWORK: u32 = 1 << 2;
    pub const SIGNAL: u32 = 1 << 3;
    pub const IPC: u32 = 1 << 4;
    pub const DESC: u32 = 1 << 5;
    pub const MEMORY: u32 = 1 << 6;
    pub const CREDS: u32 = 1 << 7;
    pub const CLOCK: u32 = 1 << 8;
    pub const STAT: u32 = 1 << 9;
    pub const LSTAT: u32 = 1 << 10;
    pub const FSTAT: u32 = 1 << 11;
    /// strace's `%%stat`: every stat-like call.
    pub const STAT_LIKE: u32 = 1 << 12;
    pub const STATFS: u32 = 1 << 13;
    pub const FSTATFS: u32 = 1 << 14;
    /// strace's `%%statfs`.
    pub const STATFS_LIKE: u32 = 1 << 15;
    /// Calls that always succeed and take no arguments (getpid, gettid...).
    pub const PURE: u32 = 1 << 16;
    /// tracer's own: calls that move a descriptor's bytes (read, write, readv, splice, ...),
    /// and close.
    pub const IO: u32 = 1 << 17;

    /// `-e trace=%NAME`: every spelling strace accepts (`%net` is `%network`), and tracer's `%io`.
    pub const NAMES: &[(&str, u32)] = &[
        ("file", FILE),
        ("process", PROCESS),
        ("network", NETWORK),
        ("net", NETWORK),
        ("signal", SIGNAL),
        ("ipc", IPC),
        ("desc", DESC),
        ("memory", MEMORY),
        ("creds", CREDS),
        ("clock", CLOCK),
        ("stat", STAT),
        ("lstat", LSTAT),
        ("fstat", FSTAT),
        ("%stat", STAT_LIKE),
        ("statfs", STATFS),
        ("fstatfs", FSTATFS),
        ("%statfs", STATFS_LIKE),
        ("pure", PURE),
        ("io", IO),
    ];

    /// The classes of `bits`, as `%name`s (strace's own spelling: `%network`).
    pub fn names(bits: u32) -> Vec<&'static str> {
        let mut out: Vec<&str> = NAMES
            .iter()
            .filter(|(n, b)| bits & b != 0 && *n != "net")
            .map(|(n, _)| *n)
            .collect();
        out.dedup();
        out
    }
}

/// Whether a row is in the default selection (signatures.txt's SELECT column).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ByDefault {
    /// Traced by default: socket, IPC and signal calls, shared mappings.
    Always,
    /// Traced by default for a command or a pid: read, write, close and the calls that shape a
    /// descriptor's life (open, dup, fcntl, poll, epoll, clone, execve...).
    Scoped,
    /// Only when asked for (`-e NAME`, a class, `all`).
    Never,
}

/// The two x86 syscall ABIs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Abi {
    X86_64,
    Ia32,
}

impl Abi {
    pub fn name(self) -> &'static str {
        match self {
            Abi::X86_64 => "x86_64",
            Abi::Ia32 => "ia32",
        }
    }
    /// Size of a C `long` or pointer in this ABI.
    pub fn long(self) -> u16 {
        match self {
            Abi::X86_64 => 8,
            Abi::Ia32 => 4,
        }
    }
}

/// How an argument is shown. The number in `SockAddr(n)` etc. is the index of the capture op
/// (in [`Row::ops`]) that copied its memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A C `int`: the kernel takes the register's low 32 bits, sign-extended (the
    /// `SYSCALL_DEFINE` wrappers cast each argument to its declared type,
    /// include/linux/syscalls.h `__SC_CAST`), so the upper half is never shown.
    Int,
    /// A C `long`: the whole register on x86_64, 32 bits on ia32.
    Long,
    /// A C `unsigned int` (uid_t, u32...): the register's low 32 bits.
    U32,
    /// A C `unsigned long` or `size_t`: the whole register.
    UInt,
    Hex,
    Fd,
    /// `AT_FDCWD` or an fd.
    DirFd,
    Pid,
    Signal,
    Domain,
    SockType,
    /// `accept4`'s flags: `SOCK_CLOEXEC`, `SOCK_NONBLOCK` (no socket type).
    SockFlags,
    Protocol,
    SockAddr(u8),
    /// A sockaddr written by the kernel (op `.0`, copied at exit as long as the length the
    /// kernel wrote back), in a buffer as long as the `socklen_t` op `.1` copied at entry:
    /// only the shorter of the two was written.
    SockAddrOut(u8, u8),
    /// A `socklen_t *` the kernel reads and writes: op `.1` copied it at entry, op `.0` is the
    /// exit copy whose length is what the kernel wrote back (`[110 => 16]`).
    SockLenPtr(u8, u8),
    Buf(u8),
    Path(u8),
    MsgHdr(u8),
    MsgFlags,
    ShutHow,
    SockLevel,
    SockOpt,
    OptVal(u8),
    IpcKey,
    /// A SysV call's flags: each call has its own (include/uapi/linux/ipc.h, msg.h, shm.h).
    IpcFlags(IpcFlagsOf),
    /// A `*ctl` command of the family's table.
    IpcCmd(Sysv),
    /// A `*ctl` call's buffer (op `.0` copies it at entry and at exit), shown as the command
    /// uses it (decode/sysv.rs `buf_use`): what `IPC_SET` reads, what `*_STAT` and `*_INFO`
    /// write.
    IpcBuf(u8, Sysv),
    /// ia32 `ipc(SEMCTL)`'s `ptr`: the address of `semctl`'s `union semun` (ipc/syscall.c
    /// `compat_ksys_ipc` reads it with `get_user`); op `.0` copies the union's 32 bits, op
    /// `.1` the buffer they point to, at entry and at exit (shown as [`Arg::IpcBuf`]).
    IpcSemun(u8, u8),
    /// An array of `struct sembuf`.
    SemOps(u8),
    /// `msgsnd`/`msgrcv`'s `struct msgbuf`: `mtype` then the text; the second op copies the text.
    MsgBuf(u8, u8),
    /// ia32 `ipc(MSGRCV)` version 0: `struct ipc_kludge { msgp; msgtyp }`.
    IpcKludge(u8),
    /// The kludge's `msgtyp`, from op `.0`'s copy of it (strace shows it as msgrcv's fourth
    /// argument).
    KludgeType(u8),
    Mode,
    MknodMode,
    /// `mknod`'s device number (the kernel's `new_encode_dev` form), shown only for a
    /// character or block device, as strace's `makedev(0x1, 0x3)`.
    MknodDev,
    AtFlags,
    FdPair(u8),
    OpenFlags,
    /// `pipe2`'s flags: `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT`, no access mode.
    PipeFlags,
    SigAction(u8),
    SigInfo(u8),
    MmapProt,
    MmapFlags,
    MemfdFlags,
    Ptr,
    /// A constant of a named family (`F_GETFL`, `EFD_CLOEXEC`, `CLOCK_MONOTONIC`).
    Const(Consts),
    /// Shown only when `args[arg] & mask != 0`: strace shows `open`'s mode only with
    /// `O_CREAT`/`O_TMPFILE`, `clone`'s `tls` only with `CLONE_SETTLS`.
    If {
        arg: u8,
        mask: u64,
        kind: &'static Arg,
    },
    /// Shown as `name=value`, as strace shows `clone`'s arguments.
    Labeled(&'static Arg),
    /// `fcntl`'s third argument, as its command (`args[1]`) reads it; not shown for commands
    /// that take none.
    FcntlValue,
    /// A `sigset_t` (`[USR1]`), copied by the op.
    SigSet(u8),
    /// `struct pollfd[]`: the entry copy (fds and events) and the exit copy (revents).
    PollFds(u8, u8),
    /// One `struct epoll_event` passed in (`epoll_ctl`).
    EpollEvent(u8),
    /// The `struct epoll_event[]` the kernel wrote (`epoll_wait`), as many as it returned.
    EpollEvents(u8),
    /// `wait4`'s status (`[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`).
    WaitStatus(u8),
    /// `struct rlimit64` (`{rlim_cur=1024, rlim_max=4096}`).
    Rlimit(u8),
    /// A `struct stat` the call wrote (`{st_mode=S_IFREG|0644, st_size=7, ...}`): x86_64's,
    /// or on ia32 `struct stat64` for the `*64` calls and `struct compat_stat` for the others.
    Stat(u8),
    /// A `struct statx` the call wrote.
    Statx(u8),
    /// `ioctl`'s third argument by command (`args[1]`): the `int` it points to, read at entry
    /// (`FIONBIO`) or at exit (`FIONREAD`), else the value in hex.
    IoctlValue(u8, u8),
    /// `execve`'s `argv`: the new program's arguments, which the exec record brings when the
    /// exec succeeded (`["cat", "/etc/hostname"]`); else the pointer.
    Argv,
    /// `execve`'s environment: the pointer, with the number of variables the new program got
    /// (`0x7ffd... /* 35 vars */`, `/* 1 var */`), counted in the kernel from the exec record.
    Envp,
    /// An iovec array (`readv`, `writev`, `preadv2`...) of `args[count]` entries, copied with
    /// their first bytes by an iovec op: `Iovec(op, count)`.
    Iovec(u8, u8),
    /// A time structure in user memory (`struct timespec`, `timeval`, `itimerspec`...).
    Time(u8, Time),
    /// An `fd_set` of `args[0]` descriptors (`select`, `pselect6`), copied at entry and at exit
    /// by the same op: the set passed in, and (in the return value) the ready ones.
    FdSet(u8),
    /// A file position split over this register and the next (`preadv`'s `pos_l`, `pos_h`):
    /// shown as one number, as strace shows it; on x86_64 the low register holds all of it
    /// (fs/read_write.c `pos_from_hilo`, whose high half is 0 there as glibc passes it).
    PosLoHi,
    /// A position whose high half is the register before (ia32 `_llseek`'s `offset_low`
    /// after `offset_high`: fs/read_write.c), shown as one number as strace shows it.
    PosHiLo,
    /// Not shown: the high half of a [`Arg::PosLoHi`] or [`Arg::PosHiLo`].
    Hidden,
    /// An offset in 4096-byte pages (ia32 `mmap2`'s: mm/mmap.c `sys_mmap_pgoff`), shown in
    /// bytes as strace shows it.
    Pages,
    /// A `siginfo_t` the kernel wrote (`rt_sigtimedwait`, `waitid`), shown when the call
    /// succeeded.
    SigInfoOut(u8),
    /// A `stack_t` (`sigaltstack`).
    Stack(u8),
    /// A `struct mq_attr` (`mq_getsetattr`, `mq_open`).
    MqAttr(u8),
    /// `clone3`'s `struct clone_args`.
    CloneArgs(u8),
    /// A `struct sigevent` (`mq_notify`).
    SigEvent(u8),
    /// A value the call wrote through a pointer, copied at a successful exit by the op.
    Written(u8, Written),
    /// A `futex` argument, shown as the operation (`args[1]`) uses it.
    Futex(FutexArg),
    /// The signal mask a `rt_sigreturn` or `sigreturn` restores, from the frame on the user
    /// stack (`args[0]` is the stack pointer, `SPEC_STACK_ARG0`): op `.0` copies it, or its
    /// low half when op `.1` differs and copies the high half (ia32 `sigreturn`).
    FrameMask(u8, u8),
    /// `sendmmsg`/`recvmmsg`'s `struct mmsghdr` array: ops `.0`, `.0 + 1` and `.0 + 2` copy
    /// its first three messages (recvmmsg's at exit, with their headers at entry for the
    /// `msg_namelen`s passed in); op `.1`, when it differs, the first three headers at
    /// sendmmsg's exit (the `msg_len`s the kernel wrote).
    MmsgHdr(u8, u8),
    /// A `prctl` argument, shown as the option (`args[0]`) uses it (decode/prctl.rs).
    Prctl(PrctlArg),
    /// ia32 `struct user_desc` (arch/x86/include/uapi/asm/ldt.h): copied at entry by op `.0`
    /// and at a successful exit by op `.1` (`set_thread_area` writes the entry number it chose
    /// back; `get_thread_area` fills it).
    UserDesc(u8, u8),
}

/// The arguments of `futex` (kernel/futex/syscalls.c `do_futex`): which of them an operation
/// reads decides which strace 6.1 (src/futex.c) shows, and how.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FutexArg {
    /// The operation: `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`.
    Op,
    Val,
    /// `utime`: a timeout (a `struct timespec` copied at entry by op `.0`, 64-bit fields when
    /// `.1`: `futex_time64`), or `val2`, a count, for the requeue and wake-op operations.
    Timeout(u8, bool),
    Uaddr2,
    /// `val3`: a bitset, the wake operation's encoded op, or a value to compare.
    Val3,
}

/// The arguments of `prctl` (kernel/sys.c): the option, then four `unsigned long`s.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PrctlArg {
    Option,
    /// `arg2`: op `.0` copies a C string at entry (`PR_SET_NAME`), op `.1` 16 bytes at a
    /// successful exit (`PR_GET_NAME`, and the `int` or pointer of the `PR_GET_*` options).
    First(u8, u8),
    /// `arg3` or `arg4` (1-based after the option: 2 or 3).
    Plain(u8),
    /// `arg5`: op `.0` copies a C string at entry (`PR_SET_VMA`'s name).
    Last(u8),
}

/// What an [`Arg::Written`] holds, as strace shows it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// An `unsigned int` (`[7]`: `mq_timedreceive`'s priority).
    U32,
    /// A `loff_t` (`[5]`: `_llseek`'s result).
    Loff,
    /// As many group ids as the call returned (`[0, 27]`): 32-bit `gid_t`, or ia32's 16-bit
    /// `old_gid_t` of the old `getgroups` (kernel/uid16.c).
    Gids32,
    Gids16,
    /// `struct new_utsname`'s first two fields (`{sysname="Linux", nodename="vm", ...}`).
    Utsname,
    /// A path the call wrote as a C string (`getcwd`).
    Path,
    /// Random bytes, every one in hex as strace shows them (`"\xe8\x68"`: `getrandom`).
    Random,
}

/// Which time structure an [`Arg::Time`] is, and when it is shown. Its fields are the ABI's
/// `long` (`struct __kernel_old_timespec`, `old_timespec32`, `compat_timeval`), or 64 bits on
/// both ABIs for the `*_time64` calls (`struct __kernel_timespec`, include/uapi/linux/time_types.h).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Time {
    pub shape: TimeShape,
    /// 64-bit fields on ia32 too (`clock_gettime64`, `ppoll_time64`...).
    pub wide: bool,
    pub show: TimeShow,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeShape {
    /// `{tv_sec=1, tv_nsec=500}`
    Spec,
    /// `{tv_sec=1, tv_usec=500}`
    Val,
    /// `{it_interval={...}, it_value={...}}` of two timespecs.
    ItSpec,
    /// `struct itimerval`: `{it_interval={...}, it_value={...}}` of two timevals.
    ItVal,
    /// `struct rusage`'s first two fields, two timevals (`{ru_utime={...}, ru_stime={...},
    /// ...}`, as strace shows it without `-v`).
    Rusage,
    /// `utimensat`'s two timespecs, `UTIME_NOW`/`UTIME_OMIT` named.
    Utimens,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeShow {
    /// What the op copied (at entry, or at a successful exit for memory the kernel writes).
    Copied,
    /// `nanosleep`'s remaining time: written only when a signal interrupted the call (strace
    /// then shows it; else the pointer).
    Remaining,
    /// A timeout passed in and written back (`ppoll`, `pselect6`, `select`): the entry copy
    /// here, the exit copy after the return value as strace's `left {...}`.
    Left,
}

/// How the return value is shown.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ret {
    Int,
    Fd,
    Hex,
    /// `fcntl`'s: the flags of `F_GETFL` and `F_GETFD` named (`0x8001 (flags O_WRONLY|...)`).
    Fcntl,
    /// `poll`'s: the ready descriptors' `revents` after the count, from the `PollFds`
    /// argument's exit copy (`= 1 ([{fd=3, revents=POLLIN}])`).
    Poll,
    /// `select`'s: the ready descriptors of the `FdSet` arguments' exit copies, and the
    /// timeout left (`= 1 (in [3], left {tv_sec=0, tv_usec=999})`).
    Select,
    /// The count, then the time left of the call's `Left` time argument when it has one
    /// (`recvmmsg`: `= 3 (left {tv_sec=0, tv_nsec=997789})`).
    Left,
    /// A signal's number, named after it (`rt_sigtimedwait`: `= 10 (SIGUSR1)`).
    Sig,
    /// A new task's id in the parent, and 0 in the new task, which returns too (fork, vfork,
    /// clone, clone3: kernel/fork.c; the child starts in `ret_from_fork` with rax = 0).
    Child,
    /// A file mode, in octal as strace writes it (`umask`'s previous mask: `= 022`).
    Mode,
    /// `prctl`'s: as the option returns it (decode/prctl.rs: `1 (SUID_DUMP_USER)`, hex for
    /// the options strace does not decode).
    Prctl,
    /// `set_thread_area`'s: the entry number the kernel wrote back into the `struct
    /// user_desc` of the [`Arg::UserDesc`] (`= 0 (entry_number=12)`).
    Tls,
    /// None: a successful call never returns (`exit`, `exit_group`; strace shows `= ?`).
    NoReturn,
    /// An address the call returns through memory, copied at exit by op `.0`: ia32
    /// `ipc(SHMAT)` returns 0 and writes the attached address at its `third` argument
    /// (ipc/syscall.c `compat_ksys_ipc`: `put_user(raddr, ...third)`); shown as strace shows
    /// it, `= 0xf7f87000`.
    HexAt(u8),
}

/// A case of an ia32 dispatcher's `switch`: `socketcall`'s call number and name
/// (include/uapi/linux/net.h `SYS_BIND`), or `ipc`'s (include/uapi/linux/ipc.h `SEMOP`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub call: u8,
    pub name: &'static str,
}

/// The ia32 dispatchers, which take a call number and switch to the call's work.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dispatcher {
    /// net/compat.c `__do_compat_sys_socketcall` (the arguments an array in user memory).
    Socketcall,
    /// ipc/syscall.c `compat_ksys_ipc` (the arguments in registers, in an order per call).
    Ipc,
}

impl Dispatcher {
    /// The kernel function that switches on the call number.
    pub fn kfunc(self) -> &'static kfunc::KFunc {
        match self {
            Dispatcher::Socketcall => &kfunc::COMPAT_SYS_SOCKETCALL,
            Dispatcher::Ipc => &kfunc::COMPAT_KSYS_IPC,
        }
    }

    /// Its row (one of the first rows: the search is short).
    pub fn row(self) -> Option<&'static Row> {
        ROWS.iter().find(|r| r.dispatches == Some(self))
    }
}

/// Which SysV call's flags an [`Arg::IpcFlags`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IpcFlagsOf {
    /// `msgget`, `semget`: `IPC_CREAT|IPC_EXCL|IPC_NOWAIT` and the permissions.
    Get,
    /// `shmget`: `IPC_CREAT|IPC_EXCL|SHM_HUGETLB|SHM_NORESERVE`, the huge page size, the
    /// permissions.
    ShmGet,
    /// `msgsnd`, `msgrcv`: `MSG_NOERROR|MSG_EXCEPT|MSG_COPY|IPC_NOWAIT`.
    Msg,
    /// `shmat`: `SHM_RDONLY|SHM_RND|SHM_REMAP|SHM_EXEC`.
    Shmat,
}

/// The SysV IPC object kinds (ipc/msg.c, ipc/sem.c, ipc/shm.c).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sysv {
    MsgQueue,
    Semaphores,
    SharedMemory,
}

/// What a call does to the IPC objects tracer follows (the live view's objects, a recording's
/// flows). The descriptor in a first `Fd` argument is always what the call works on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing beyond using the descriptor of its first argument, if any.
    None,
    /// Returns a new socket, of the kind its domain and type (`args[0]`, `args[1]`) say.
    NewSocket,
    /// Returns a connection accepted on the listening socket `args[0]`; `args[3]`'s flags,
    /// when `flags` is set, may hold `SOCK_CLOEXEC` (accept4).
    Accepts {
        flags: bool,
    },
    /// Writes two new descriptors of one new object (its `FdPair` argument): a pipe's two ends
    /// (`flags`: whether `args[1]` holds `O_CLOEXEC`, pipe2), or a connected socket pair of the
    /// domain and type `args[0]`, `args[1]` say.
    NewPipe {
        flags: bool,
    },
    NewSocketPair,
    /// Names the socket `args[0]` by the address it passes (bind).
    Names,
    /// Connects the socket `args[0]` to the address it passes.
    Connects,
    /// Writes back the address of the socket `args[0]` (getsockname): the name the kernel
    /// gave a UNIX socket it bound itself (autobind, net/unix/af_unix.c `unix_autobind`, at
    /// a `connect` or `sendto` of an unbound socket) becomes known.
    TellsName,
    /// Closes the descriptor `args[0]`.
    Closes,
    /// Creates (or finds, by key) a SysV object and returns its id (msgget, semget, shmget).
    SysvGet(Sysv),
    /// Works on the SysV object whose id is `args[0]`.
    SysvUses(Sysv),
    /// Opens a POSIX message queue by the name of its `Path` argument and returns its
    /// descriptor (`args[1]`'s flags may hold `O_CLOEXEC`).
    OpensMq,
    /// Removes a POSIX message queue's name (its `Path` argument): open descriptors stay, their
    /// queue then shown `(deleted)`.
    UnlinksMq,
    /// Returns a descriptor of the file at its `Path` argument, relative to its `DirFd`
    /// argument if it has one, else to the working directory (open, openat, creat, openat2).
    Opens,
    /// Returns a copy of descriptor `args[0]` (dup, dup2, dup3; fcntl with `F_DUPFD` or
    /// `F_DUPFD_CLOEXEC`).
    Dups,
    /// Returns a new anonymous inode's descriptor, shown `anon_inode:NAME` (the name the
    /// kernel passes to `anon_inode_getfile`, fs/anon_inodes.c: `[eventfd]`, `inotify`...).
    NewAnon(&'static str),
    /// Returns a pidfd of the process `args[0]` (pidfd_open).
    NewPidfd,
    /// Returns a memfd named by its `Path` argument (memfd_create): `/memfd:NAME (deleted)`.
    NewMemfd,
    /// Changes the working directory to its `Path` argument or to descriptor `args[0]`.
    ChangesDir,
    /// Removes the name at its `Path` argument (unlink, unlinkat).
    Unlinks,
    /// Closes the descriptors `args[0]` to `args[1]` (close_range; only without
    /// `CLOSE_RANGE_CLOEXEC`, which marks them instead).
    ClosesRange,
}

/// Which way a call moves data through its object, and how much.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Moves {
    /// Into the object (write, send, msgsnd), else out of it (read, recv, msgrcv).
    pub send: bool,
    /// In messages (datagrams, SysV and POSIX queue messages), else a byte stream.
    pub messages: bool,
    /// The bytes moved: `None` the return value; `Some(i)` the size in `args[i]` (msgsnd,
    /// mq_timedsend return 0).
    pub size_arg: Option<u8>,
    /// `args[i]` is the message's tag (mq_timedsend's priority).
    pub tag_arg: Option<u8>,
}

/// A length in the capture ops, which may depend on the ABI.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sz {
    N(u16),
    /// `sizeof(long)`.
    Long,
    /// (x86_64, ia32).
    Abi(u16, u16),
}

impl Sz {
    fn get(self, abi: Abi) -> u16 {
        match self {
            Sz::N(n) => n,
            Sz::Long => abi.long(),
            Sz::Abi(a, b) => match abi {
                Abi::X86_64 => a,
                Abi::Ia32 => b,
            },
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Len {
    Fixed(Sz),
    /// `args[i] * scale`, capped.
    Arg(u8, u8),
    /// `*(socklen_t *)args[i]`.
    Deref(u8),
    Ret,
    /// The return value, but no more than `args[i]` (a buffer's size: `OPF_RET_CAP`).
    RetUpTo(u8),
    /// The return value times this (a count of structures the kernel wrote).
    RetTimes(u8),
    /// Element `.1` of an array of `args[.0]` elements (`LEN_INDEX`: a `struct mmsghdr`).
    Index(u8, u8),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OpKind {
    Bytes,
    Str,
    MsgHdr {
        payload: bool,
    },
    /// The inode and mode of the descriptor(s) the call created (`OP_FD_FILE`): the return
    /// value (`ret`), or the two `int`s at the argument.
    FdFile {
        ret: bool,
    },
    /// The socket the call named, read again as it returns (`OP_FD_FILE` with `OPF_FD_ARG`):
    /// the peer a `connect` gave it, and an internet or netlink socket's addresses.
    FdArg,
    /// An iovec array at the argument, its count in `Len::Arg(count, _)`: the iovecs and their
    /// first bytes, as `MsgHdr` copies a message's (`OP_MSGHDR` with `OPF_IOV_ARRAY`).
    Iov,
}

/// One piece of user memory to copy: from `args[arg] + offset`, on entry or exit.
#[allow(
    clippy::struct_excessive_bools,
    reason = "each is one of the kernel side's op flags (tracer-common `OPF_*`, `WHEN_*`)"
)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    pub exit: bool,
    pub arg: u8,
    pub len: Len,
    pub max: Sz,
    pub offset: Sz,
    /// Payload: capped at `-s`.
    pub snap: bool,
    /// Exit only when the call succeeded.
    pub ok_only: bool,
    /// With `exit`: copied at entry too (the kernel reads the memory, then writes it back).
    pub both: bool,
    /// The address is the 32-bit word at the argument (`OPF_ADDR_DEREF`).
    pub deref: bool,
}

impl Op {
    fn encode(&self, abi: Abi) -> CaptureOp {
        let (len_from, len_arg, scale) = match self.len {
            Len::Fixed(_) => (LEN_FIXED, 0, 1),
            Len::Arg(i, s) => (LEN_ARG, i, s),
            Len::Deref(i) => (LEN_ARG_DEREF, i, 1),
            Len::Ret => (LEN_RET, 0, 1),
            Len::RetUpTo(i) => (LEN_RET, i, 1),
            Len::RetTimes(s) => (LEN_RET, 0, s),
            Len::Index(count, index) => (LEN_INDEX, count, index),
        };
        let max = match self.len {
            Len::Fixed(sz) => sz.get(abi),
            _ => self.max.get(abi),
        };
        let mut flags = 0;
        if self.snap {
            flags |= OPF_SNAP;
        }
        if self.ok_only {
            flags |= OPF_OK_ONLY;
        }
        if self.deref {
            flags |= tracer_common::OPF_ADDR_DEREF;
        }
        if matches!(self.len, Len::RetUpTo(_)) {
            flags |= tracer_common::OPF_RET_CAP;
        }
        let kind = match self.kind {
            OpKind::Bytes => OP_BYTES,
            OpKind::Str => OP_STR,
            OpKind::MsgHdr { payload } => {
                if !payload {
                    flags |= OPF_NO_PAYLOAD;
                }
                OP_MSGHDR
            }
            OpKind::FdFile { ret } => {
                if ret {
                    flags |= OPF_FD_RET;
                }
                OP_FD_FILE
            }
            OpKind::FdArg => {
                flags |= tracer_common::OPF_FD_ARG;
                OP_FD_FILE
            }
            OpKind::Iov => {
                flags |= OPF_IOV_ARRAY;
                OP_MSGHDR
            }
        };
        CaptureOp {
            kind,
            when: match (self.exit, self.both) {
                (true, true) => tracer_common::WHEN_ENTER | tracer_common::WHEN_EXIT,
                (true, false) => tracer_common::WHEN_EXIT,
                (false, _) => tracer_common::WHEN_ENTER,
            },
            arg: self.arg,
            len_from,
            len_arg,
            scale,
            flags,
            _pad: 0,
            offset: self.offset.get(abi),
            max,
            _pad2: 0,
        }
    }
}

/// One traced call.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: &'static str,
    /// strace's trace classes and tracer's own (bits of [`class`]).
    pub classes: u32,
    pub by_default: ByDefault,
    pub x64: Option<u16>,
    pub ia32: Option<u16>,
    /// The kernel functions the tables name for the x86_64 and ia32 numbers (`sys_newstat`,
    /// `sys_ia32_pread64`); none for a number the kernel never implemented.
    pub entry: [Option<&'static str>; 2],
    /// The files that define those functions (`SYSCALL_DEFINEn`), in the tables' kernel.
    pub source: [Option<&'static str>; 2],
    /// Its case of ia32's `socketcall`.
    pub socketcall: Option<Case>,
    /// Its case of ia32's `ipc` and, per inner argument, the `ipc()` argument it comes from
    /// (ipc/syscall.c `compat_ksys_ipc`).
    pub ipc: Option<(Case, [u8; 6])>,
    /// This call is a dispatcher (`socketcall`, `ipc`).
    pub dispatches: Option<Dispatcher>,
    /// The kernel functions that do its work, in call order, after the table's entry point.
    pub work: &'static [&'static kfunc::KFunc],
    /// The `struct proto_ops` member it reaches (`sock->ops->bind`): see [`kfunc::PROTO_OPS`].
    pub sock_op: Option<&'static str>,
    /// The C library functions that issue it (glibc 2.36 on x86_64 and i386: `pipe()` issues
    /// `pipe2`, `semop()` issues `semtimedop`, `mkfifo()` issues `mknodat`).
    pub libc: &'static [&'static str],
    /// C library functions that lead to it in other C libraries or versions (`pipe()` to
    /// `pipe`): probed too, but not named as what glibc issues.
    pub libc_also: &'static [&'static str],
    /// C library functions that issue it but are not probed: they are what a probed wrapper
    /// calls (glibc's `semop()` jumps to `semtimedop()`), and a second uprobe would take the
    /// wrapper hop from the function the program called. Named by `tracer explain`.
    pub libc_unprobed: &'static [&'static str],
    /// When the C library issues it although its functions named above issue another call
    /// (32-bit glibc's `semtimedop()` issues `semtimedop_time64` for a timeout past 2038),
    /// `[English, Chinese]`, for `tracer explain`; the row's comment cites the code.
    pub libc_when: Option<[&'static str; 2]>,
    pub effect: Effect,
    pub moves: Option<Moves>,
    /// What an argument's special values mean (`kill`'s pid 0 and -1), `[English, Chinese]`,
    /// for `tracer explain`; the row's comment cites the kernel code each rests on.
    pub meaning: &'static [[&'static str; 2]],
    pub args: &'static [(&'static str, Arg)],
    pub ops: &'static [Op],
    pub ret: Ret,
    /// Traced only when `args[i] & mask != 0`.
    pub filter: Option<(u8, u64)>,
}

impl Row {
    /// Whether the call returns in a new task too (0 there): see [`Ret::Child`].
    pub fn returns_twice(&self) -> bool {
        self.ret == Ret::Child
    }

    /// Whether a successful call never returns: see [`Ret::NoReturn`].
    pub fn never_returns(&self) -> bool {
        self.ret == Ret::NoReturn
    }

    /// Whether it runs a new program (execve, execveat: the rows that take an `argv`).
    pub fn execs(&self) -> bool {
        self.args.iter().any(|(_, a)| *a == Arg::Argv)
    }

    /// The descriptor of its first argument, when it takes one there.
    pub fn first_fd(&self) -> bool {
        matches!(self.args.first(), Some((_, Arg::Fd)))
    }

    /// The kernel-side spec of this row for one table.
    pub fn spec(&self, index: usize, table: u8, filtered: bool) -> SyscallSpec {
        let abi = if table == TABLE_X86_64 {
            Abi::X86_64
        } else {
            Abi::Ia32
        };
        let mut spec = SyscallSpec {
            row: index as u16,
            flags: SPEC_TRACED,
            nargs: self.args.len() as u8,
            ..SyscallSpec::default()
        };
        for (slot, op) in spec.ops.iter_mut().zip(self.ops.iter().take(MAX_OPS)) {
            *slot = op.encode(abi);
        }
        if self
            .args
            .iter()
            .any(|(_, a)| matches!(a, Arg::FrameMask(..)))
        {
            spec.flags |= SPEC_STACK_ARG0;
        }
        if let Some((arg, mask)) = self.filter.filter(|_| filtered) {
            spec.flags |= SPEC_FILTER_ARG;
            spec.filter_arg = arg;
            spec.filter_mask = mask;
        }
        if table == TABLE_IPC
            && let Some((_, map)) = self.ipc
        {
            spec.ipc_args[..6].copy_from_slice(&map);
            spec.ipc_args[6..].fill(0xff);
        }
        match self.dispatches {
            Some(Dispatcher::Socketcall) => spec.flags |= SPEC_SOCKETCALL,
            Some(Dispatcher::Ipc) => spec.flags |= SPEC_IPC,
            None => {}
        }
        spec
    }
}

/// Find a row by its index (as carried in events).
pub fn row(index: u16) -> Option<&'static Row> {
    ROWS.get(index as usize)
}

/// The index of a row of [`ROWS`] (which a call's `row` always is), from its address: no
/// search, for counters kept per row. `None` for a row that is not one of them.
pub fn index_of(row: &'static Row) -> Option<usize> {
    let base = ROWS.as_ptr() as usize;
    let i = (std::ptr::from_ref(row) as usize).wrapping_sub(base) / size_of::<Row>();
    ROWS.get(i).filter(|r| std::ptr::eq(*r, row)).map(|_| i)
}

/// `-e` could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectError {
    #[error("unknown syscall or group {name:?}{}", hint(.nearest))]
    Unknown { name: String, nearest: Vec<String> },
    #[error("-e selects nothing")]
    Empty,
    #[error("-e {qualifier}={value}: expected one of {expected}")]
    BadValue {
        qualifier: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("-e {qualifier}= is not supported by tracer: {instead}")]
    NotSupported {
        qualifier: String,
        instead: &'static str,
    },
    #[error(
        "-e {0}=: unknown qualifier (tracer takes trace= and status=, as strace does; a bare list is trace=)"
    )]
    UnknownQualifier(String),
}

fn hint(nearest: &[String]) -> String {
    if nearest.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", nearest.join(", "))
    }
}

/// Which rows are traced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub rows: Vec<bool>,
    /// The rows' in-kernel argument filters apply (only `mmap` of shared mappings): so in the
    /// default selection, not when a call was asked for by name, class or `all`.
    pub filtered: bool,
}

impl Selection {
    /// Exactly these rows, unfiltered.
    pub fn of(rows: Vec<bool>) -> Selection {
        Selection {
            rows,
            filtered: false,
        }
    }

    /// The default: the socket, IPC and signal calls; for a command or a pid also read, write,
    /// close and the calls that shape a descriptor's life.
    pub fn default_for(scoped: bool) -> Selection {
        Selection {
            rows: ROWS
                .iter()
                .map(|r| match r.by_default {
                    ByDefault::Always => true,
                    ByDefault::Scoped => scoped,
                    ByDefault::Never => false,
                })
                .collect(),
            filtered: true,
        }
    }

    /// Parse `-e` lists: names and `%classes`, comma separated; `all` for every row.
    pub fn parse(specs: &[String]) -> Result<Selection, SelectError> {
        let mut sel = vec![false; ROWS.len()];
        for s in specs {
            for (a, b) in sel.iter_mut().zip(select_rows(s)?) {
                *a |= b;
            }
        }
        if !sel.iter().any(|s| *s) {
            return Err(SelectError::Empty);
        }
        Ok(Selection::of(sel))
    }

    pub fn contains(&self, index: usize) -> bool {
        self.rows.get(index).copied().unwrap_or(false)
    }

    /// The kernel-side table: `(map index, spec)` for every selected row and ABI.
    pub fn specs(&self) -> Vec<(u32, SyscallSpec)> {
        let mut out = Vec::new();
        let slot = |table: u8, nr: u32| u32::from(table) * tracer_common::TABLE_SLOTS + nr;
        let socketcall_traced = ROWS
            .iter()
            .enumerate()
            .any(|(i, r)| self.contains(i) && r.socketcall.is_some());
        let ipc_traced = ROWS
            .iter()
            .enumerate()
            .any(|(i, r)| self.contains(i) && r.ipc.is_some());
        for (i, r) in ROWS.iter().enumerate() {
            let selected = self.contains(i);
            let dispatcher = match r.dispatches {
                Some(Dispatcher::Socketcall) => socketcall_traced,
                Some(Dispatcher::Ipc) => ipc_traced,
                None => false,
            };
            if selected || dispatcher {
                if let Some(nr) = r.x64 {
                    out.push((
                        slot(TABLE_X86_64, nr.into()),
                        r.spec(i, TABLE_X86_64, self.filtered),
                    ));
                }
                if let Some(nr) = r.ia32 {
                    out.push((
                        slot(TABLE_IA32, nr.into()),
                        r.spec(i, TABLE_IA32, self.filtered),
                    ));
                }
            }
            // Every call the dispatchers know, traced or not, so that an unselected call is
            // skipped rather than shown as a bad call number.
            let known = |mut spec: SyscallSpec| {
                if !selected {
                    spec.flags = 0;
                }
                spec.flags |= SPEC_KNOWN;
                spec
            };
            if let Some(case) = r.socketcall {
                out.push((
                    slot(TABLE_SOCKETCALL, case.call.into()),
                    known(r.spec(i, TABLE_SOCKETCALL, self.filtered)),
                ));
            }
            // A row of `LATE` (table.rs) may take an ipc case over from an older row that
            // recordings still name: the last row of a case is the kernel's.
            let superseded = |case: Case| {
                ROWS[i + 1..]
                    .iter()
                    .any(|l| l.ipc.is_some_and(|(c, _)| c.call == case.call))
            };
            if let Some((case, _)) = r.ipc.filter(|(c, _)| !superseded(*c)) {
                out.push((
                    slot(TABLE_IPC, case.call.into()),
                    known(r.spec(i, TABLE_IPC, self.filtered)),
                ));
            }
        }
        out
    }
}

/// The row of the syscall `name`; an unknown name is an error naming the nearest ones.
pub fn find(name: &str) -> Result<&'static Row, SelectError> {
    ROWS.iter()
        .find(|r| r.name == name || r.name.strip_suffix("_time64") == Some(name))
        .ok_or_else(|| unknown(name))
}

/// One `-e` list: names and `%classes`, comma separated; `all` for every row, `none` for none.
/// The rows it names (not yet checked for being empty).
pub(crate) fn select_rows(list: &str) -> Result<Vec<bool>, SelectError> {
    let mut sel = vec![false; ROWS.len()];
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if item == "all" {
            sel.fill(true);
            continue;
        }
        if item == "none" {
            continue;
        }
        if let Some(g) = item.strip_prefix('%') {
            let Some((_, bits)) = class::NAMES.iter().find(|(n, _)| *n == g) else {
                return Err(unknown(item));
            };
            for (i, r) in ROWS.iter().enumerate() {
                if r.classes & bits != 0 {
                    sel[i] = true;
                }
            }
            continue;
        }
        let mut found = false;
        for (i, r) in ROWS.iter().enumerate() {
            // `mq_timedsend` also selects ia32's `mq_timedsend_time64`.
            if r.name == item || r.name.strip_suffix("_time64") == Some(item) {
                sel[i] = true;
                found = true;
            }
        }
        if !found {
            return Err(unknown(item));
        }
    }
    Ok(sel)
}

fn unknown(item: &str) -> SelectError {
    let bare = item.trim_start_matches('%');
    let mut names: Vec<(f64, String)> = ROWS
        .iter()
        .map(|r| r.name.to_string())
        .chain(class::NAMES.iter().map(|(n, _)| format!("%{n}")))
        .map(|n| (strsim::jaro_winkler(bare, n.trim_start_matches('%')), n))
        .filter(|(score, _)| *score > 0.75)
        .collect();
    names.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    names.dedup_by(|a, b| a.1 == b.1);
    SelectError::Unknown {
        name: item.to_string(),
        nearest: names.into_iter().take(3).map(|(_, n)| n).collect(),
    }
}

/// The name of `socketcall`'s case `call` (`SYS_BIND`), from the row that is that case.
pub fn socketcall_name(call: u32) -> Option<&'static str> {
    ROWS.iter()
        .find_map(|r| r.socketcall.filter(|c| u32::from(c.call) == call))
        .map(|c| c.name)
}

/// The name of `ipc`'s case `call` (`SEMOP`; the version in the upper half ignored), from the
/// row that is that case.
pub fn ipc_name(call: u32) -> Option<&'static str> {
    ROWS.iter()
        .find_map(|r| r.ipc.filter(|(c, _)| u32::from(c.call) == call & 0xffff))
        .map(|(c, _)| c.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_a_number_and_consistent_ops() {
        for r in ROWS.iter() {
            assert!(
                r.x64.is_some() || r.ia32.is_some() || r.socketcall.is_some() || r.ipc.is_some(),
                "{}",
                r.name
            );
            assert!(r.ops.len() <= MAX_OPS, "{}", r.name);
            for (_, a) in r.args {
                let op = match a {
                    Arg::SockAddr(i)
                    | Arg::Buf(i)
                    | Arg::Path(i)
                    | Arg::MsgHdr(i)
                    | Arg::OptVal(i)
                    | Arg::SemOps(i)
                    | Arg::IpcKludge(i)
                    | Arg::KludgeType(i)
                    | Arg::IpcBuf(i, _)
                    | Arg::FdPair(i)
                    | Arg::SigAction(i)
                    | Arg::SigInfo(i)
                    | Arg::SigSet(i)
                    | Arg::EpollEvent(i)
                    | Arg::EpollEvents(i)
                    | Arg::WaitStatus(i)
                    | Arg::Rlimit(i)
                    | Arg::Stat(i)
                    | Arg::Statx(i)
                    | Arg::FdSet(i)
                    | Arg::SigInfoOut(i)
                    | Arg::Stack(i)
                    | Arg::MqAttr(i)
                    | Arg::CloneArgs(i)
                    | Arg::SigEvent(i)
                    | Arg::Written(i, _)
                    | Arg::Futex(FutexArg::Timeout(i, _))
                    | Arg::Prctl(PrctlArg::First(i, _) | PrctlArg::Last(i))
                    | Arg::Time(i, _) => Some(*i),
                    Arg::Iovec(i, n) => {
                        assert!(r.args.len() > usize::from(*n), "{}", r.name);
                        Some(*i)
                    }
                    Arg::MsgBuf(i, j)
                    | Arg::IpcSemun(i, j)
                    | Arg::PollFds(i, j)
                    | Arg::IoctlValue(i, j)
                    | Arg::UserDesc(i, j)
                    | Arg::FrameMask(i, j)
                    | Arg::MmsgHdr(i, j)
                    | Arg::SockAddrOut(i, j)
                    | Arg::SockLenPtr(i, j) => {
                        assert!((*j as usize) < r.ops.len(), "{}", r.name);
                        Some(*i)
                    }
                    _ => None,
                };
                if let Some(i) = op {
                    assert!((i as usize) < r.ops.len(), "{} refers to op {i}", r.name);
                }
            }
        }
    }

    #[test]
    fn generated_rows_are_from_the_committed_signatures() {
        // FNV-1a, as `cargo xtask gen-syscalls` computes it.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in include_str!("signatures.txt").bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(
            h,
            generated::SIGNATURES_DIGEST,
            "signatures.txt changed: run `cargo xtask gen-syscalls --kernel DIR`"
        );
    }

    #[test]
    fn hand_written_rows_have_the_tables_numbers() {
        // Every hand-written row stands for generated rows of its name, with their numbers:
        // a wrong number in table.rs would leave the generated row in, and its slot twice.
        for g in generated::GENERATED {
            let rows: Vec<&Row> = ROWS.iter().filter(|r| r.name == g.name).collect();
            for (nr, abi) in [(g.x64, 0), (g.ia32, 1)] {
                let Some(nr) = nr else { continue };
                let n = rows
                    .iter()
                    .filter(|r| [r.x64, r.ia32][abi] == Some(nr))
                    .count();
                assert_eq!(
                    n,
                    1,
                    "{} ({}) should be in exactly one row",
                    g.name,
                    ["x86_64", "ia32"][abi]
                );
            }
        }
        // And no row has a number the tables do not give that name.
        for r in ROWS.iter() {
            for (nr, abi) in [(r.x64, 0), (r.ia32, 1)] {
                let Some(nr) = nr else { continue };
                assert!(
                    generated::GENERATED
                        .iter()
                        .any(|g| g.name == r.name && [g.x64, g.ia32][abi] == Some(nr)),
                    "{} has number {nr}, which the tables give another name",
                    r.name
                );
            }
        }
    }

    #[test]
    fn every_table_call_is_selectable_and_classified_like_strace() {
        let all = Selection::parse(&["all".into()]).unwrap();
        assert!(ROWS.len() > 470, "{}", ROWS.len());
        assert!(all.rows.iter().all(|s| *s));
        let names = |spec: &str| {
            let s = Selection::parse(&[spec.into()]).unwrap();
            ROWS.iter()
                .enumerate()
                .filter(|(i, _)| s.contains(*i))
                .map(|(_, r)| r.name)
                .collect::<Vec<_>>()
        };
        for n in [
            "openat",
            "newfstatat",
            "pread64",
            "prlimit64",
            "epoll_pwait2",
            "_llseek",
        ] {
            let got = names(n);
            assert!(
                !got.is_empty() && got.iter().all(|g| *g == n),
                "{n}: {got:?}"
            );
        }
        assert!(names("%file").contains(&"openat"));
        assert!(names("%desc").contains(&"openat"));
        assert!(names("%desc").contains(&"read"));
        assert!(!names("%file").contains(&"read"));
        assert!(names("%net").contains(&"sendto"));
        assert!(names("%network").contains(&"send"));
        assert!(names("%ipc").contains(&"msgrcv"));
        assert!(!names("%ipc").contains(&"pipe2"));
        assert!(names("%process").contains(&"execve"));
        assert!(names("%io").contains(&"splice"));
    }

    #[test]
    fn default_selection() {
        let at = |scoped: bool, name: &str| {
            let s = Selection::default_for(scoped);
            ROWS.iter()
                .enumerate()
                .filter(|(_, r)| r.name == name)
                .all(|(i, _)| s.contains(i))
        };
        assert!(at(false, "bind") && at(false, "msgsnd") && at(false, "kill"));
        assert!(!at(false, "openat") && at(true, "openat"));
        assert!(!at(false, "read") && at(true, "read"));
        assert!(at(true, "execve") && at(true, "epoll_wait") && at(true, "fcntl"));
        assert!(!at(true, "getpid") && !at(true, "newfstatat"));
        // The mmap filter (shared mappings only) is the default's, not `-e mmap`'s.
        assert!(Selection::default_for(true).filtered);
        assert!(!Selection::parse(&["mmap".into()]).unwrap().filtered);
    }

    /// The row is the whole description of a call: what it does to objects, the kernel
    /// functions and C library functions it names, its dispatcher cases. Each row must carry
    /// what its kind needs for the live view, the flows, the journeys and the decoder to work
    /// from it alone.
    #[test]
    fn every_row_has_what_its_kind_needs() {
        let mut effects = std::collections::HashSet::new();
        for r in ROWS.iter() {
            let n = r.name;
            let arg = |i: usize| r.args.get(i).map(|(_, a)| *a);
            let has = |f: &dyn Fn(&Arg) -> bool| r.args.iter().any(|(_, a)| f(a));
            let pair = has(&|a| matches!(a, Arg::FdPair(_)));
            let addr = has(&|a| matches!(a, Arg::SockAddr(_)));
            let path = has(&|a| matches!(a, Arg::Path(_)));
            let socket_args = arg(0) == Some(Arg::Domain) && arg(1) == Some(Arg::SockType);
            effects.insert(std::mem::discriminant(&r.effect));
            let ok = match r.effect {
                Effect::None => true,
                Effect::NewSocket => r.ret == Ret::Fd && socket_args,
                Effect::Accepts { flags } => {
                    r.ret == Ret::Fd && r.first_fd() && flags == (arg(3) == Some(Arg::SockFlags))
                }
                Effect::NewPipe { flags } => pair && flags == (arg(1) == Some(Arg::PipeFlags)),
                Effect::NewSocketPair => pair && socket_args,
                Effect::Names | Effect::Connects => r.first_fd() && addr,
                Effect::TellsName => r.first_fd() && has(&|a| matches!(a, Arg::SockAddrOut(..))),
                Effect::Closes => r.first_fd(),
                Effect::SysvGet(_) => arg(0) == Some(Arg::IpcKey),
                Effect::SysvUses(_) => arg(0) == Some(Arg::Int),
                Effect::OpensMq | Effect::Opens | Effect::NewMemfd => r.ret == Ret::Fd && path,
                Effect::UnlinksMq | Effect::Unlinks => path,
                Effect::Dups => r.first_fd() && matches!(r.ret, Ret::Fd | Ret::Fcntl),
                Effect::NewAnon(name) => r.ret == Ret::Fd && !name.is_empty(),
                Effect::NewPidfd => r.ret == Ret::Fd && arg(0) == Some(Arg::Pid),
                Effect::ChangesDir => path || r.first_fd(),
                Effect::ClosesRange => r.args.len() >= 2,
            };
            assert!(ok, "{n}: {:?} does not fit its arguments", r.effect);
            if let Some(m) = r.moves {
                let queue = r.effect == Effect::SysvUses(Sysv::MsgQueue);
                assert!(r.first_fd() || queue, "{n} moves data through no object");
                let data = has(&|a| {
                    matches!(
                        a,
                        Arg::Buf(_) | Arg::MsgHdr(_) | Arg::MsgBuf(..) | Arg::IpcKludge(_)
                    )
                });
                assert!(data, "{n} moves data but shows none");
                for i in [m.size_arg, m.tag_arg].into_iter().flatten() {
                    assert!(usize::from(i) < r.args.len(), "{n}: no argument {i}");
                }
            }
            let made = matches!(
                r.effect,
                Effect::NewSocket
                    | Effect::Accepts { .. }
                    | Effect::NewPipe { .. }
                    | Effect::NewSocketPair
                    | Effect::Names
                    | Effect::Connects
                    | Effect::SysvGet(_)
            );
            if made || (r.moves.is_some() && (r.socketcall.is_some() || r.ipc.is_some())) {
                assert!(
                    !r.work.is_empty(),
                    "{n}: no kernel functions for its journey"
                );
            }
            for f in r.work {
                assert!(!f.file.is_empty(), "{}", f.name);
                assert!(f.args.iter().all(|(i, _)| *i < 6), "{}", f.name);
            }
            if let Some(op) = r.sock_op {
                let known = kfunc::PROTO_OPS.iter().any(|(m, _, _)| *m == op);
                assert!(known, "{n}: sock->ops->{op} is in no PROTO_OPS entry");
            }
            if let Some(c) = r.socketcall {
                assert_eq!(c.name, format!("SYS_{}", n.to_uppercase()), "{n}");
            }
            if let Some((c, from)) = r.ipc {
                assert_eq!(c.name, n.to_uppercase(), "{n}");
                for (i, f) in from.iter().enumerate() {
                    // An argument shown from memory takes no register (`KludgeType`).
                    let memory = matches!(r.args.get(i), Some((_, Arg::KludgeType(_))));
                    assert_eq!(
                        *f < 6 || memory,
                        i < r.args.len(),
                        "{n}: inner argument {i}"
                    );
                }
            }
            if r.dispatches.is_some() {
                assert!(r.ia32.is_some() && r.x64.is_none(), "{n}");
            }
            if matches!(r.ret, Ret::Child | Ret::NoReturn) {
                assert!(r.classes & class::PROCESS != 0, "{n}");
            }
            assert!(r.libc.iter().all(|f| !f.is_empty()), "{n}");
        }
        // Every kind of effect is some row's, and every dispatcher has its row.
        assert_eq!(effects.len(), 21);
        for d in [Dispatcher::Socketcall, Dispatcher::Ipc] {
            assert!(d.row().is_some(), "{d:?}");
        }
        for n in ["fork", "vfork", "clone", "clone3"] {
            assert!(ROWS.iter().filter(|r| r.name == n).all(Row::returns_twice));
        }
        assert!(find("exit_group").unwrap().never_returns());
        assert!(find("execve").unwrap().execs() && !find("openat").unwrap().execs());
    }

    #[test]
    fn numbers_are_unique_per_table() {
        let specs = Selection::parse(&["all".into()]).unwrap().specs();
        let mut seen = std::collections::HashSet::new();
        for (idx, _) in &specs {
            assert!(seen.insert(*idx), "slot {idx} twice");
        }
    }

    #[test]
    fn socketcall_nargs_match_the_kernel() {
        // nas[] in net/compat.c (Linux 6.18), in call order 1..=20.
        let nas = [3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4];
        for r in ROWS.iter() {
            if let Some(case) = r.socketcall {
                assert_eq!(r.args.len(), nas[case.call as usize - 1], "{}", r.name);
            }
        }
    }

    #[test]
    fn known_numbers() {
        let find = |n: &str| ROWS.iter().find(|r| r.name == n).unwrap();
        assert_eq!(find("bind").x64, Some(49));
        assert_eq!(find("bind").ia32, Some(361));
        assert_eq!(
            find("bind").socketcall,
            Some(Case {
                call: 2,
                name: "SYS_BIND"
            })
        );
        assert_eq!(find("socketcall").ia32, Some(102));
        assert_eq!(find("msgsnd").x64, Some(69));
        assert_eq!(find("ipc").ia32, Some(117));
    }

    #[test]
    fn selection_parses_names_and_groups() {
        let s = Selection::parse(&["bind,%ipc".into()]).unwrap();
        let idx = |n: &str| ROWS.iter().position(|r| r.name == n).unwrap();
        assert!(s.contains(idx("bind")));
        assert!(s.contains(idx("msgsnd")));
        assert!(!s.contains(idx("connect")));
        // bind through socketcall needs the socketcall dispatcher slot.
        assert!(
            s.specs()
                .iter()
                .any(|(i, _)| *i == u32::from(TABLE_IA32) * 512 + 102)
        );
    }

    #[test]
    fn unselected_dispatcher_calls_are_known_but_not_traced() {
        let s = Selection::parse(&["bind".into()]).unwrap();
        let specs = s.specs();
        let at = |table: u8, n: u32| {
            specs
                .iter()
                .find(|(i, _)| *i == u32::from(table) * 512 + n)
                .map(|(_, s)| s.flags)
        };
        assert_eq!(at(TABLE_SOCKETCALL, 2), Some(SPEC_TRACED | SPEC_KNOWN));
        assert_eq!(
            at(TABLE_SOCKETCALL, 3),
            Some(SPEC_KNOWN),
            "connect: known, not traced"
        );
        assert_eq!(
            at(TABLE_SOCKETCALL, 99),
            None,
            "a bad call number has no slot"
        );
        assert_eq!(at(TABLE_X86_64, 42), None, "x86_64 connect is not traced");
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let e = Selection::parse(&["bnd".into()]).unwrap_err();
        assert!(e.to_string().contains("bind"), "{e}");
        let e = Selection::parse(&["%nett".into()]).unwrap_err();
        assert!(e.to_string().contains("%net"), "{e}");
        assert_eq!(
            Selection::parse(&[",".into()]).unwrap_err(),
            SelectError::Empty
        );
    }

    #[test]
    fn io_only_when_scoped() {
        let idx = ROWS.iter().position(|r| r.name == "read").unwrap();
        assert!(!Selection::default_for(false).contains(idx));
        assert!(Selection::default_for(true).contains(idx));
    }
}
