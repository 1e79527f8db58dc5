//! Types shared by the eBPF programs (`tracer-ebpf`) and user space (`tracer`).
//!
//! Everything here is `#[repr(C)]`, `Copy`, with explicit integer widths and explicit padding,
//! so that the bytes the kernel side writes are the bytes user space reads.
//!
//! The wire format of the ring buffer: every record starts with a [`RecordHeader`]. A
//! [`SyscallEnter`] or [`SyscallExit`] body follows for syscall records, then zero or more
//! captures, each a [`CaptureHeader`] followed by `len` bytes padded to 8.
#![no_std]

/// Size of each per-ABI syscall table slice in the `SPECS` map: syscall numbers at or above this
/// are not traced (the highest `x86_64` and ia32 numbers in Linux 6.18 are below 470).
pub const TABLE_SLOTS: u32 = 512;
/// Slices of the `SPECS` map: index = `table * TABLE_SLOTS + number`.
pub const TABLE_X86_64: u8 = 0;
pub const TABLE_IA32: u8 = 1;
/// ia32 `socketcall(call, args)`: indexed by `call` (`SYS_SOCKET` = 1 .. `SYS_SENDMMSG` = 20).
pub const TABLE_SOCKETCALL: u8 = 2;
/// ia32 `ipc(call, ...)`: indexed by the low 16 bits of `call` (`SEMOP` = 1 .. `SHMCTL` = 24).
pub const TABLE_IPC: u8 = 3;
pub const TABLES: u32 = 4;

/// The two syscall tables of an `x86_64` kernel with `CONFIG_IA32_EMULATION`.
pub const ABI_X86_64: u8 = 1;
pub const ABI_IA32: u8 = 2;

/// The instruction that entered the kernel, told from the two bytes before the saved user `ip`.
pub const ENTRY_UNKNOWN: u8 = 0;
pub const ENTRY_SYSCALL: u8 = 1;
pub const ENTRY_INT80: u8 = 2;
pub const ENTRY_SYSENTER: u8 = 3;

/// Record kinds.
pub const REC_ENTER: u16 = 1;
pub const REC_EXIT: u16 = 2;
pub const REC_FORK: u16 = 3;
pub const REC_EXEC: u16 = 4;
pub const REC_TASK_EXIT: u16 = 5;
/// A kernel function on a syscall's path was entered or returned (a "hop").
pub const REC_HOP: u16 = 6;

/// `SyscallSpec::flags`.
pub const SPEC_TRACED: u16 = 1;
/// The call is ia32 `socketcall`: the real call is `args[0]`, its arguments an array of
/// `u32` at `args[1]` (net/compat.c `COMPAT_SYSCALL_DEFINE2(socketcall, ...)`).
pub const SPEC_SOCKETCALL: u16 = 2;
/// The call is ia32 `ipc`: the real call is the low 16 bits of `args[0]` (ipc/syscall.c).
pub const SPEC_IPC: u16 = 4;
/// Trace only when `args[filter_arg] & filter_mask != 0` (e.g. mmap with `MAP_SHARED`).
pub const SPEC_FILTER_ARG: u16 = 8;
/// A socketcall/ipc call number the kernel knows, traced or not: a number without this flag
/// is a bad call (the kernel returns -EINVAL), shown as such.
pub const SPEC_KNOWN: u16 = 16;
/// The call takes no arguments but reads a frame on the user stack (`rt_sigreturn`, ia32
/// `sigreturn`: arch/x86/kernel/signal_64.c, arch/x86/kernel/signal_32.c): `args[0]` is the
/// stack pointer at entry, so that capture ops read the frame at offsets from it.
pub const SPEC_STACK_ARG0: u16 = 32;

/// `CaptureOp::kind`.
pub const OP_NONE: u8 = 0;
/// Copy bytes from the pointer.
pub const OP_BYTES: u8 = 1;
/// Copy a NUL-terminated string.
pub const OP_STR: u8 = 2;
/// A `struct msghdr` (or `compat_msghdr` for ia32): the header, the name, the control messages,
/// the iovec array and the first bytes of the first iovecs; at exit also the files behind the
/// descriptors the call received (`CK_FILE`).
pub const OP_MSGHDR: u8 = 3;

/// The file behind a descriptor the call created, read from the task's file table at exit
/// (`CK_FILE`, one [`FileId`] per descriptor): which object the program got, taken in the
/// kernel, because looking in `/proc/PID/fd` afterwards holds a reference on the file and can
/// delay the program's own `close()`.
pub const OP_FD_FILE: u8 = 4;

/// `CaptureOp::when`: a set of sides. An op with both (`select`'s fd_sets, `ppoll`'s timeout)
/// copies the memory at entry and again at exit, where the kernel has written it.
pub const WHEN_ENTER: u8 = 1;
pub const WHEN_EXIT: u8 = 2;

/// `CaptureOp::len_from`.
pub const LEN_FIXED: u8 = 0;
/// `args[len_arg] * scale`.
pub const LEN_ARG: u8 = 1;
/// `*(u32 *)args[len_arg]` read from user memory (a `socklen_t *`).
pub const LEN_ARG_DEREF: u8 = 2;
/// The return value times `scale` (exit only; nothing when it is negative): `epoll_wait`'s
/// events are 12 bytes each.
pub const LEN_RET: u8 = 3;
/// The op is element `scale` of an array of `args[len_arg]` elements (at exit, no more than
/// the call returned): skipped past the array's end. An `OP_MSGHDR` op so marked reads a
/// `struct mmsghdr` (`sendmmsg`, `recvmmsg`: the header with its `msg_len`, which at exit
/// bounds the bytes shown).
pub const LEN_INDEX: u8 = 4;

/// `CaptureOp::flags`.
/// Cap the length at the payload snap length (`-s`).
pub const OPF_SNAP: u8 = 1;
/// Exit captures: only when the call succeeded.
pub const OPF_OK_ONLY: u8 = 2;
/// `OP_MSGHDR`: copy the header, name and iovec array, but no iovec bytes.
pub const OPF_NO_PAYLOAD: u8 = 4;
/// `OP_FD_FILE`: the descriptor is the return value; without this flag or [`OPF_FD_ARG`], the
/// two `int`s at `args[arg]` (`pipe2`, `socketpair`).
pub const OPF_FD_RET: u8 = 8;
/// `OP_MSGHDR`: `args[arg]` is the iovec array itself, `args[len_arg]` its count (`readv`,
/// `writev`, `preadv2`...): the iovecs and their first bytes, without a header.
pub const OPF_IOV_ARRAY: u8 = 16;
/// The address is the 32-bit word at `args[arg]` in user memory rather than `args[arg]`
/// itself: ia32 `ipc(SEMCTL)` passes the address of the `union semun` that holds the
/// buffer's address (ipc/syscall.c `compat_ksys_ipc`).
pub const OPF_ADDR_DEREF: u8 = 32;
/// `OP_FD_FILE`: the descriptor is the value of `args[arg]` (`bind`, `connect`: the socket the
/// call named, read again as the call returns, when it may have an address or a peer).
pub const OPF_FD_ARG: u8 = 64;
/// `LEN_RET`: no more than `args[len_arg]` either. A `recv(fd, buf, len, MSG_TRUNC)` on a
/// datagram socket returns the datagram's length, however short the buffer (net/socket.c,
/// `__sys_recvfrom`; unix(7), udp(7)): only `len` bytes were written.
pub const OPF_RET_CAP: u8 = 128;

/// One piece of user memory to copy for a syscall.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CaptureOp {
    pub kind: u8,
    pub when: u8,
    /// Which argument holds the pointer.
    pub arg: u8,
    pub len_from: u8,
    pub len_arg: u8,
    pub scale: u8,
    pub flags: u8,
    pub _pad: u8,
    /// Added to the pointer (e.g. `msgsnd`'s text after its `mtype`).
    pub offset: u16,
    /// The fixed length, or the cap.
    pub max: u16,
    pub _pad2: u32,
}

pub const MAX_OPS: usize = 4;

/// What to do for one (table, number): filled from user space, read by the eBPF programs.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SyscallSpec {
    /// Index of the row in user space's syscall table.
    pub row: u16,
    pub flags: u16,
    pub filter_arg: u8,
    /// For `TABLE_SOCKETCALL` slots: how many `u32` arguments the call reads (`nas[]` in
    /// net/compat.c). For `TABLE_IPC` slots: unused.
    pub nargs: u8,
    pub _pad: u16,
    pub filter_mask: u64,
    /// For `TABLE_IPC` slots: per inner argument, the `ipc()` argument it comes from (0..=5),
    /// or 0xff for none (ipc/syscall.c `compat_ksys_ipc`).
    pub ipc_args: [u8; 8],
    pub ops: [CaptureOp; MAX_OPS],
}

/// `Config::scope`.
pub const SCOPE_ALL: u32 = 0;
/// Only processes whose tgid is in the `TRACKED` map (and their new children).
pub const SCOPE_TRACKED: u32 = 1;

/// Global settings, slot 0 of the `CONFIG` array map.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub scope: u32,
    /// tracer's own tgid: never traced.
    pub self_tgid: u32,
    /// Payload snap length (`-s`).
    pub snaplen: u32,
    /// Non-zero: only tasks whose comm is in the `COMMS` map.
    pub comm_filter: u32,
    /// Field offsets of tracepoint records, read from tracefs `format` files at start-up.
    pub newtask_pid_off: u16,
    pub newtask_flags_off: u16,
    pub exec_filename_off: u16,
    /// How often a CPU asks the ring how full it is (`wakeup_bytes`): after each this many KiB
    /// of records it wrote (0: at every record).
    pub wake_check_kib: u16,
    /// Where a descriptor's file is, for `OP_FD_FILE`: field offsets read from the kernel's
    /// BTF at start-up (all zero when it has none: the op then copies nothing).
    pub files: FileOffsets,
    /// The thread that spawns the traced command: its new processes enter `TRACKED` as
    /// `TRACK_AWAIT_EXEC` and are traced from the `execve` that starts the new program (its
    /// entry, as strace shows it) on.
    pub spawn_tid: u32,
    /// Records are written without waking the reader until this many bytes wait in the ring
    /// buffer (0: the kernel's default, a wake-up whenever the reader has caught up). The reader
    /// also drains the ring on a timer, so nothing waits longer than that period.
    pub wakeup_bytes: u32,
    /// Non-zero (the default): past `wakeup_bytes`, at most one forced wake-up for each
    /// `wakeup_bytes` the reader drains, so that a reader behind never slows the writers (the
    /// ring fills and records are lost, and counted, instead). Zero (`--backpressure`): every
    /// record written while the reader is behind wakes it, which slows the writers to about the
    /// reader's pace.
    pub wake_bounded: u32,
    /// A CPU's calls are sent to the ring together once its batch holds more than this many
    /// bytes (at most [`BATCH_LIMIT`]), when its task is switched out, when a process event or
    /// a kernel function's record is written, and on the flush timer. 0: each call goes on as
    /// it returns, its entry and exit as one ring record (without the timer, or by choice).
    pub batch_bytes: u32,
}

/// Past this many bytes, a CPU's batch goes to the ring before another record is added to it:
/// the records after it start at most here, a bound the verifier checks (`BATCH_MASK`).
pub const BATCH_LIMIT: usize = 0x3000;
/// The mask that bounds where a record starts in the batch buffer (all bits below the power of
/// two above [`BATCH_LIMIT`], but the low three: records are 8-aligned).
pub const BATCH_MASK: usize = 0x3ff8;
/// A CPU's batch buffer: a record of at most [`SCRATCH_SIZE`] bytes starting anywhere up to
/// [`BATCH_MASK`].
pub const BATCH_BUF: usize = BATCH_MASK + 8 + SCRATCH_SIZE;
const _: () = assert!(BATCH_LIMIT <= BATCH_MASK && (BATCH_MASK + 8).is_power_of_two());

/// Byte offsets of the fields on the way from a task to a descriptor's inode
/// (`task_struct.files` -> `files_struct.fdt` -> `fdtable.{max_fds, fd}` -> `file.f_inode` ->
/// `inode.{i_ino, i_mode}`; include/linux/sched.h, fdtable.h, fs.h).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct FileOffsets {
    pub task_files: u16,
    pub files_fdt: u16,
    pub fdt_max_fds: u16,
    pub fdt_fd: u16,
    pub file_inode: u16,
    pub inode_ino: u16,
    pub inode_mode: u16,
    /// `task_struct.exit_code` (include/linux/sched.h), for `TaskExitRecord`; 0 when unknown.
    pub task_exit_code: u16,
    /// `task_struct.mm` and `mm_struct.{arg_start, arg_end, start_stack}`
    /// (include/linux/mm_types.h), for the exec record's [`CK_ARGV`] capture: where the new
    /// program's argument strings, and its `argc`, lie in its memory. All 0 when unknown (no
    /// argv is then captured).
    pub task_mm: u16,
    pub mm_arg_start: u16,
    pub mm_arg_end: u16,
    pub mm_start_stack: u16,
    /// What a socket descriptor is, for [`FileId`]'s socket fields: `file.private_data` (the
    /// `struct socket *`, net/socket.c `sock_alloc_file`), `socket.{type, sk}`
    /// (include/linux/net.h), `sock.__sk_common` + `sock_common.skc_family` and
    /// `sock.sk_socket` (include/net/sock.h), `unix_sock.peer` (include/net/af_unix.h) and
    /// `socket_alloc.vfs_inode` (include/net/sock.h: the socket's inode sits after it). All 0
    /// when unknown (no socket fields are then read).
    pub file_private: u16,
    pub socket_type: u16,
    pub socket_sk: u16,
    pub sk_family: u16,
    pub sk_socket: u16,
    pub unix_peer: u16,
    pub socket_inode: u16,
    /// `inode.i_rdev` (include/linux/fs.h): a device's number; 0 when unknown.
    pub inode_rdev: u16,
    /// Where an `AF_INET`/`AF_INET6` socket's addresses are, for [`SockAddrs`]: `struct sock`'s
    /// `__sk_common` plus `sock_common.{skc_daddr, skc_rcv_saddr, skc_dport, skc_num,
    /// skc_state, skc_v6_daddr, skc_v6_rcv_saddr}` (include/net/sock.h), and a netlink socket's
    /// `netlink_sock.portid` (net/netlink/af_netlink.h). All 0 when unknown (no `CK_SOCK` is
    /// then written).
    pub sk_daddr: u16,
    pub sk_rcv_saddr: u16,
    pub sk_dport: u16,
    pub sk_num: u16,
    pub sk_state: u16,
    pub sk_v6_daddr: u16,
    pub sk_v6_rcv_saddr: u16,
    pub nl_portid: u16,
}

/// A `CK_FILE` capture's data: one of these per descriptor.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct FileId {
    pub fd: i32,
    /// `inode.i_mode` (the `S_IFMT` bits say socket, FIFO/pipe, ...).
    pub mode: u32,
    pub ino: u64,
    /// A UNIX socket's peer, by its inode number: 0 when it has none, or when the peer has no
    /// file yet (a stream connection the server has not accepted).
    pub peer: u64,
    /// A device's `i_rdev` (the kernel's `dev_t`: major << 20 | minor, include/linux/kdev_t.h).
    pub rdev: u32,
    /// A socket's `sk_family` (`AF_UNIX`...) and `socket.type` (`SOCK_STREAM`...); 0 otherwise.
    pub family: u16,
    pub sock_type: u16,
}

/// `S_IFMT` and the file types of include/uapi/linux/stat.h, in [`FileId::mode`].
pub const S_IFMT: u32 = 0o170_000;
pub const S_IFSOCK: u32 = 0o140_000;
pub const S_IFCHR: u32 = 0o020_000;
pub const S_IFBLK: u32 = 0o060_000;
/// Address families (include/linux/socket.h), as [`FileId::family`], [`SockAddrs::family`] and a
/// `sockaddr`'s `sa_family` hold them.
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
pub const AF_NETLINK: u16 = 16;

/// A `CK_SOCK` capture's data: a socket's addresses, as `sock_diag` would report them
/// (net/ipv4/inet_diag.c `inet_diag_msg_common_fill`, net/netlink/diag.c `sk_diag_fill`).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SockAddrs {
    pub fd: i32,
    /// `sk_family`: `AF_INET`, `AF_INET6` or `AF_NETLINK`.
    pub family: u16,
    /// `skc_state` (include/net/tcp_states.h: `TCP_ESTABLISHED` 1, `TCP_CLOSE` 7,
    /// `TCP_LISTEN` 10).
    pub state: u8,
    pub _pad: u8,
    /// IPv4 `skc_daddr` (the peer) and `skc_rcv_saddr` (the local address), network order.
    pub daddr: [u8; 4],
    pub saddr: [u8; 4],
    /// `skc_dport` as the kernel keeps it (network order) and `skc_num` (the local port, host
    /// order).
    pub dport_be: u16,
    pub num: u16,
    /// A netlink socket's port id (0: not bound yet).
    pub portid: u32,
    /// IPv6 `skc_v6_daddr` and `skc_v6_rcv_saddr` (an `AF_INET6` socket only).
    pub v6_daddr: [u8; 16],
    pub v6_saddr: [u8; 16],
}

/// `CaptureHeader::sub` of a `CK_FILE` capture whose entries are whole [`FileId`]s. Recordings
/// made before the socket fields were added have `sub` 0 and 16-byte entries (`fd`, `mode`,
/// `ino`).
pub const FILE_ID_V2: u8 = 1;
/// The size of a `CK_FILE` entry with `sub` 0.
pub const FILE_ID_V1_SIZE: usize = 16;

/// `TRACKED` values.
pub const TRACK_ON: u32 = 1;
pub const TRACK_AWAIT_EXEC: u32 = 2;

/// x86_64 `execve` and `execveat` (arch/x86/entry/syscalls/syscall_64.tbl): the calls of a
/// `TRACK_AWAIT_EXEC` process whose entries are recorded. tracer, a 64-bit program, spawns
/// the command, so its first exec is an x86_64 call.
pub const X86_64_EXECVE: u64 = 59;
pub const X86_64_EXECVEAT: u64 = 322;

/// Start of every ring buffer record.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordHeader {
    pub kind: u16,
    pub abi: u8,
    pub entry: u8,
    /// Total bytes of the record, this header included.
    pub size: u32,
    /// `bpf_ktime_get_boot_ns()`: `CLOCK_BOOTTIME`.
    pub ts_ns: u64,
    pub pid: u32,
    pub tid: u32,
}

/// `SyscallEnter::flags` and `SyscallExit::flags`.
/// socketcall/ipc with a call number outside the table.
pub const SYS_F_BAD_CALL: u8 = 1;
/// The socketcall argument array could not be read.
pub const SYS_F_ARGS_FAULT: u8 = 2;
/// The scratch space filled up: later captures were dropped.
pub const SYS_F_CAPTURE_FULL: u8 = 4;

#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SyscallEnter {
    pub nr: u32,
    pub row: u16,
    pub table: u8,
    pub flags: u8,
    /// socketcall/ipc call number.
    pub call: u32,
    pub _pad: u32,
    /// The registers that carried the arguments.
    pub args: [u64; 6],
    /// The arguments of the call itself: equal to `args`, except for socketcall (read from the
    /// user array) and ipc (rearranged).
    pub inner: [u64; 6],
    pub comm: [u8; 16],
    /// The saved user instruction pointer (`pt_regs->ip`): the instruction after the one that
    /// entered the kernel, so inside the function that made the call (the C library's
    /// wrapper, the program's own code, or the vDSO's `__kernel_vsyscall`). Last, so that an
    /// enter body of native format version 1 (without it) is this one cut short.
    pub ip: u64,
}

#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SyscallExit {
    pub nr: u32,
    pub row: u16,
    pub table: u8,
    pub flags: u8,
    pub ret: i64,
}

/// `CaptureHeader::status`.
pub const CAP_OK: u8 = 0;
/// The pointer was NULL.
pub const CAP_NULL: u8 = 1;
/// Reading user memory faulted.
pub const CAP_FAULT: u8 = 2;

/// `CaptureHeader::kind`.
pub const CK_BYTES: u8 = 1;
pub const CK_STR: u8 = 2;
pub const CK_MSGHDR: u8 = 3;
pub const CK_MSG_NAME: u8 = 4;
pub const CK_IOV: u8 = 5;
/// Bytes of iovec number `sub`.
pub const CK_IOV_DATA: u8 = 6;
/// [`FileId`]s (`OP_FD_FILE`).
pub const CK_FILE: u8 = 7;
/// The exec record's second capture: the new program's arguments, read from its memory when
/// the exec has succeeded (`mm->arg_start .. mm->arg_end`, the NUL-terminated strings
/// `create_elf_tables` laid out, fs/binfmt_elf.c). `addr` is `arg_start`, `want` the length of
/// all the strings; the data is an [`ExecArgv`] then the first strings, at most
/// [`EXEC_ARGV_MAX`] bytes of them.
pub const CK_ARGV: u8 = 8;
/// The control messages of a `struct msghdr` (`msg_control`, at most [`MAX_CONTROL`] bytes):
/// `sendmsg`'s as passed in, at entry; `recvmsg`'s as the kernel wrote them, at a successful
/// exit, `want` being the `msg_controllen` the kernel wrote back (net/socket.c
/// `____sys_recvmsg`: the bytes its `put_cmsg` calls filled).
pub const CK_MSG_CONTROL: u8 = 9;
/// One [`SockAddrs`]: what an `AF_INET`, `AF_INET6` or `AF_NETLINK` socket of an `OP_FD_FILE`
/// op is bound and connected to as the call returns (after that op's `CK_FILE`).
pub const CK_SOCK: u8 = 10;
/// `CaptureHeader::op` of the exec record's captures: no syscall row's op.
pub const OP_INDEX_EXEC: u8 = 0xff;

#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CaptureHeader {
    /// Index of the op in the spec.
    pub op: u8,
    pub kind: u8,
    pub status: u8,
    pub sub: u8,
    /// Bytes that follow (before padding to 8).
    pub len: u16,
    /// Non-zero: an entry-side copy made when the call returned, because it faulted at entry
    /// (a page the kernel faulted in during the call, e.g. a literal in a freshly forked child).
    pub late: u16,
    /// The length the call asked for, before capping (saturated to `u32::MAX`).
    pub want: u32,
    pub _pad2: u32,
    /// The user address read.
    pub addr: u64,
}

/// A new task (`task:task_newtask`, run in the parent).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ForkRecord {
    pub child_tid: u32,
    pub _pad: u32,
    pub clone_flags: u64,
    pub comm: [u8; 16],
}

/// `CLONE_THREAD` (include/uapi/linux/sched.h): in [`ForkRecord::clone_flags`], the new task is
/// a thread of its parent's process.
pub const CLONE_THREAD: u64 = 0x0001_0000;

/// `HopRecord::side`.
pub const HOP_ENTRY: u8 = 1;
pub const HOP_EXIT: u8 = 2;
/// `HopRecord::mech`: how the hop was observed.
pub const MECH_FENTRY: u8 = 1;
pub const MECH_KPROBE: u8 = 2;
/// A uprobe on a libc wrapper: `func_ip` is then the attach cookie (user space's index of the
/// probed function), `args` its first arguments and `ret` the address it was called from.
pub const MECH_UPROBE: u8 = 3;

/// `HOP_FUNCS` values: how to read a function's arguments.
/// The first argument is a `struct pt_regs *` of an ia32 syscall (a `__ia32_*sys_*` wrapper):
/// report `bx, cx, dx, si, di, bp` from it.
pub const HOPF_IA32_REGS: u32 = 1;
/// As above for an x86_64 wrapper (`__x64_sys_*`): `di, si, dx, r10, r8, r9`.
pub const HOPF_X64_REGS: u32 = 2;
/// Number of fentry (and of fexit) program slots: each is bound to one function at load time.
pub const HOP_SLOTS: usize = 48;

/// A kernel function on the path of a traced call, observed by a probe (fentry/fexit or
/// kprobe/kretprobe). User space names the function from `func_ip` (`/proc/kallsyms`).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct HopRecord {
    /// `bpf_get_func_ip()`: the probed function's address.
    pub func_ip: u64,
    pub side: u8,
    pub mech: u8,
    pub _pad: [u8; 6],
    pub args: [u64; 6],
    /// The return value (exit side).
    pub ret: i64,
}

pub const EXEC_FILENAME_MAX: usize = 256;
/// The most bytes of the new program's argument strings an exec record holds.
pub const EXEC_ARGV_MAX: usize = 512;

/// `sched:sched_process_exec`, followed by a capture holding the file name and, when the
/// kernel's BTF gave the offsets, a [`CK_ARGV`] capture of the new program's arguments.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecRecord {
    pub comm: [u8; 16],
}

/// The start of a [`CK_ARGV`] capture's data, before the strings.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecArgv {
    /// The new program's `argc`, as the kernel put it at the top of its stack
    /// (`*(u32 *)mm->start_stack`, the low half of a 64-bit program's `long`). Valid with
    /// `ARGC_KNOWN`.
    pub argc: u32,
    pub flags: u32,
}

/// `ExecArgv.flags`: `argc` was read.
pub const ARGC_KNOWN: u32 = 1;
/// `ExecArgv.flags`: the environment's size was counted, and is in the upper 16 bits
/// (`flags >> 16`, at most [`MAX_ENVC`]): the pointers between argv's NULL and the next NULL
/// at the top of the new program's stack (fs/binfmt_elf.c `create_elf_tables`).
pub const ENVC_KNOWN: u32 = 2;
/// The most environment pointers counted; a longer environment is left uncounted (the
/// pointer is shown alone). The exec program's verifier cost grows with it: 6k instructions
/// without the count, 123k with 512 (measured with `tracer doctor` on 6.18).
pub const MAX_ENVC: u32 = 128;

/// `sched:sched_process_exit`, one per task.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskExitRecord {
    pub comm: [u8; 16],
    /// `task_struct.exit_code` as `do_exit` set it just before the tracepoint (kernel/exit.c):
    /// a wait status, `(status & 0xff) << 8` for `exit_group(status)`, the signal's number
    /// (`| 0x80` with a core dump) for a death by signal. Valid with `EXIT_CODE_KNOWN`.
    pub exit_code: i32,
    pub flags: u32,
}

/// `TaskExitRecord.flags`: `exit_code` was read (the kernel's BTF gave its offset).
pub const EXIT_CODE_KNOWN: u32 = 1;
/// A `TaskExitRecord` written before `exit_code` existed: the comm alone.
pub const TASK_EXIT_RECORD_V1: usize = 16;

/// Scratch space per CPU where a record is built before it is copied to the ring buffer.
/// Captures start below `CAPTURE_LIMIT` and copy at most `CAPTURE_MAX` bytes each, so every
/// write provably stays inside the buffer.
pub const CAPTURE_LIMIT: usize = 4096;
pub const CAPTURE_MAX: usize = 4095;
pub const SCRATCH_SIZE: usize = CAPTURE_LIMIT + size_of::<CaptureHeader>() + CAPTURE_MAX + 1;
/// The largest `-s`.
pub const MAX_SNAPLEN: u32 = 1024;
/// Longest path or name copied.
pub const MAX_STR: u16 = 256;
/// Longest socket address copied (`sizeof(struct sockaddr_storage)`).
pub const MAX_SOCKADDR: u16 = 128;
/// iovecs whose descriptors are copied, and whose first bytes are copied.
pub const MAX_IOV: usize = 8;
pub const MAX_IOV_DATA: usize = 4;
/// Longest control buffer copied: `SCM_RIGHTS` at its most (`SCM_MAX_FD` = 253 descriptors,
/// include/net/scm.h: `CMSG_SPACE(253 * 4)` = 1032 bytes on x86_64), `SCM_CREDENTIALS` (32)
/// and `SCM_PIDFD` (24), the messages a UNIX socket's `recvmsg` can return together
/// (net/core/scm.c `scm_recv_unix`).
pub const MAX_CONTROL: u16 = 1088;
/// Descriptors a `recvmsg` received (`SCM_RIGHTS`, `SCM_PIDFD`) whose files are read in the
/// kernel at exit, as a `CK_FILE` capture; later ones are known by number only.
pub const MAX_RECV_FDS: usize = 2;
/// Control messages walked to find them.
pub const MAX_CMSGS: usize = 3;

#[repr(C)]
#[derive(Copy, Clone)]
pub struct Scratch {
    pub buf: [u8; SCRATCH_SIZE],
}

/// Indices of the per-CPU `STATS` array.
pub const STAT_LOST: u32 = 0;
/// Of the lost records, those that were a call's entry: calls seen = entry records received +
/// these (a call whose entry was lost may still show its exit).
pub const STAT_LOST_ENTER: u32 = 1;
pub const STATS: u32 = 2;

#[cfg(feature = "user")]
mod pod {
    // SAFETY: all of these are `#[repr(C)]` structs of integers with no implicit padding (every
    // gap is an explicit `_pad` field), so any byte pattern is a valid value.
    unsafe impl aya::Pod for super::SyscallSpec {}
    // SAFETY: as above.
    unsafe impl aya::Pod for super::Config {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_have_no_hidden_padding() {
        assert_eq!(size_of::<CaptureOp>(), 16);
        assert_eq!(size_of::<SyscallSpec>(), 24 + 16 * MAX_OPS);
        assert_eq!(size_of::<RecordHeader>(), 24);
        assert_eq!(size_of::<SyscallEnter>(), 16 + 48 + 48 + 16 + 8);
        assert_eq!(size_of::<SyscallExit>(), 16);
        assert_eq!(size_of::<CaptureHeader>(), 24);
        assert_eq!(size_of::<Config>(), 40 + 56);
        assert_eq!(size_of::<FileOffsets>(), 56);
        assert_eq!(size_of::<SockAddrs>(), 56);
        assert_eq!(size_of::<ExecArgv>(), 8);
        assert_eq!(size_of::<FileId>(), 32);
        assert_eq!(size_of::<ForkRecord>(), 32);
        assert_eq!(size_of::<HopRecord>(), 72);
        assert_eq!(size_of::<TaskExitRecord>(), 24);
    }
}
