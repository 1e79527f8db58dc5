//! A box at the end of every lesson: "the source material's kernel vs this kernel". Classic
//! texts on Linux IPC and system calls were written for 2.6-era kernels (and some 5.0-era
//! articles still teach `int $0x80` -> `system_call` -> `sys_call_table`); each entry says what
//! such a text says and what Linux 6.1 and 6.18 do instead. Every version claim carries its
//! source in a comment: a commit, or the manual page that states it. The functions named are
//! marked against the running kernel's symbols like every lesson line, so an older name shows
//! as `-` where this kernel no longer has it. The texts name their versions as `{key}` of a
//! fact in crate::versions, filled in when the box is printed.

use super::values::text;
use super::{Ctx, Lang, Line, Step};

/// One "then" and one "now", each `[English, Chinese]`, and the functions they name: older
/// names, current ones, current ones that are inlined.
pub struct Contrast {
    pub then: [&'static str; 2],
    pub now: [&'static str; 2],
    pub old: &'static [&'static str],
    pub new: &'static [&'static str],
    /// Current static functions the compiler inlines (no symbol of their own).
    pub inlined: &'static [&'static str],
}

pub struct LessonBox {
    pub lesson: &'static str,
    pub contrasts: &'static [Contrast],
}

/// The 2.6-era i386 entry: `int $0x80` -> `system_call` (arch/i386/kernel/entry.S) ->
/// `call *sys_call_table(,%eax,4)`. x86_64 in 6.1 and 6.18 has no `system_call` (both
/// kallsyms; the mark checks the running kernel): `syscall` enters `entry_SYSCALL_64`.
/// Linux 6.7: int $0x80 on a 64-bit kernel enters `asm_int80_emulation` -> `int80_emulation`
/// -> `do_int80_emulation` (commit be5341eb0d43, backported to 6.1 and 6.6 stable). Linux 6.9:
/// the table is a `switch` in `x64_sys_call`/`ia32_sys_call`, no indirect call (commit
/// 1e3ad78334a6, "x86/syscall: Don't force use of indirect calls for system calls",
/// backported to the stable kernels; 6.1's kallsyms has both functions).
const ENTRY: Contrast = Contrast {
    then: [
        "int $0x80 -> system_call -> call *sys_call_table(,%eax,4): the entry of a 32-bit kernel, and an indirect call through the table.",
        "int $0x80 -> system_call -> call *sys_call_table(,%eax,4)：32 位内核的入口，经由系统调用表的间接调用。",
    ],
    now: [
        "x86_64 has no system_call: the syscall instruction enters entry_SYSCALL_64; int $0x80 enters asm_int80_emulation since Linux {INT80_IDTENTRY} (commit be5341eb0d43, also in {LINUX_6_1} stable), and since Linux {SYSCALL_SWITCH} the table is a switch statement, x64_sys_call and ia32_sys_call, with no indirect call (commit 1e3ad78334a6, also in {LINUX_6_1} stable).",
        "x86_64 上没有 system_call：syscall 指令进入 entry_SYSCALL_64；从 Linux {INT80_IDTENTRY} 起 int $0x80 从 asm_int80_emulation 进入（commit be5341eb0d43，{LINUX_6_1} 稳定版也有），从 Linux {SYSCALL_SWITCH} 起系统调用表变成 switch 语句 x64_sys_call 与 ia32_sys_call，没有间接调用（commit 1e3ad78334a6，{LINUX_6_1} 稳定版也有）。",
    ],
    old: &["system_call"],
    new: &[
        "entry_SYSCALL_64",
        "asm_int80_emulation",
        "x64_sys_call",
        "ia32_sys_call",
    ],
    inlined: &[],
};

/// socketcall(2), NOTES: "starting in Linux 4.3, direct system calls are provided on x86-32
/// for the sockets API" (bind is 361 in arch/x86/entry/syscalls/syscall_32.tbl).
const SOCKETCALL: Contrast = Contrast {
    then: [
        "On i386 every socket call goes through socketcall(2): there is no bind system call.",
        "在 i386 上所有套接字调用都经过 socketcall(2)：没有 bind 系统调用。",
    ],
    now: [
        "Since Linux {DIRECT_SOCKETCALLS} ia32 has direct socket calls too (bind is 361; socketcall(2)); Debian 12's 32-bit glibc still uses socketcall, so both paths stay in use.",
        "从 Linux {DIRECT_SOCKETCALLS} 起 ia32 也有直接的套接字调用（bind 为 361；见 socketcall(2)）；Debian 12 的 32 位 glibc 仍然使用 socketcall，所以两条路径都还在用。",
    ],
    old: &[],
    new: &["__ia32_compat_sys_socketcall"],
    inlined: &[],
};

/// net/unix/af_unix.c in 6.1 and 6.18: `unix_bind` dispatches to `unix_bind_bsd` (a path:
/// makes the inode with `vfs_mknod`) or `unix_bind_abstract`; 2.6-era texts show one
/// `unix_bind` that calls the mknod code itself. Commit dc2e77979412 (Linux 6.11) split
/// `__sys_bind_socket` out of `__sys_bind`.
const UNIX_BIND: Contrast = Contrast {
    then: [
        "sys_bind -> unix_bind, which looks up the path and makes the socket file itself.",
        "sys_bind -> unix_bind，由它自己查找路径并创建套接字文件。",
    ],
    now: [
        "__sys_bind (with __sys_bind_socket since Linux {BIND_SOCKET}, commit dc2e77979412) -> unix_bind, which hands a path to unix_bind_bsd and an abstract name to unix_bind_abstract.",
        "__sys_bind（从 Linux {BIND_SOCKET} 起还有 __sys_bind_socket，commit dc2e77979412）-> unix_bind，由它把路径交给 unix_bind_bsd、把抽象名字交给 unix_bind_abstract。",
    ],
    old: &[],
    new: &["__sys_bind", "unix_bind"],
    inlined: &["unix_bind_bsd", "unix_bind_abstract"],
};

/// System V's `O_NDELAY` made a read with no data return 0, which cannot be told from end of
/// file; POSIX's `O_NONBLOCK` fails with `EAGAIN` instead (Stevens and Rago, Advanced
/// Programming in the UNIX Environment, section 14.2 "Nonblocking I/O"; read(2): EAGAIN). Linux: include/uapi/asm-generic/fcntl.h `#define O_NDELAY
/// O_NONBLOCK`, and fs/fcntl.c's `setfl` turns `O_NDELAY` into `O_NONBLOCK` where they differ.
const NDELAY: Contrast = Contrast {
    then: [
        "With O_NDELAY, a read of an empty pipe returns 0, the same as end of file (System V).",
        "使用 O_NDELAY 时，读空管道返回 0，与文件结束无法区分（System V）。",
    ],
    now: [
        "On Linux O_NDELAY is O_NONBLOCK (include/uapi/asm-generic/fcntl.h): the read fails with EAGAIN, and 0 means only end of file.",
        "在 Linux 上 O_NDELAY 就是 O_NONBLOCK（include/uapi/asm-generic/fcntl.h）：read 以 EAGAIN 失败，0 只表示文件结束。",
    ],
    old: &[],
    new: &["__x64_sys_fcntl"],
    inlined: &[],
};

/// unix(7): "SOCK_SEQPACKET ... (since Linux 2.6.4)".
const SEQPACKET: Contrast = Contrast {
    then: [
        "UNIX sockets come in two types, SOCK_STREAM and SOCK_DGRAM.",
        "UNIX 套接字有两种类型：SOCK_STREAM 和 SOCK_DGRAM。",
    ],
    now: [
        "A third, SOCK_SEQPACKET, has existed since Linux {SEQPACKET} (unix(7)): connected like a stream, with message boundaries like datagrams.",
        "从 Linux {SEQPACKET} 起还有第三种 SOCK_SEQPACKET（见 unix(7)）：像流一样面向连接，又像数据报一样保留消息边界。",
    ],
    old: &[],
    new: &["unix_seqpacket_sendmsg", "unix_seqpacket_recvmsg"],
    inlined: &[],
};

/// pipe(7): "Before Linux 2.6.11, the capacity of a pipe was the same as the system page
/// size ... Since Linux 2.6.11, the pipe capacity is 16 pages ... Since Linux 2.6.35 ...
/// F_GETPIPE_SZ and F_SETPIPE_SZ"; PIPE_BUF is 4096 on Linux (pipe(7)).
const PIPE_SIZE: Contrast = Contrast {
    then: [
        "A pipe is one page of memory, 4096 bytes.",
        "一根管道就是一页内存，4096 字节。",
    ],
    now: [
        "Since Linux {PIPE_RING} a pipe is a ring of 16 pages (64 KiB), resizable with fcntl F_SETPIPE_SZ since {PIPE_RESIZE} (pipe(7)); 4096 is still PIPE_BUF, the size up to which a write is atomic.",
        "从 Linux {PIPE_RING} 起管道是 16 页组成的环（64 KiB），从 {PIPE_RESIZE} 起可以用 fcntl F_SETPIPE_SZ 改变大小（见 pipe(7)）；4096 仍是 PIPE_BUF，即写入保证原子性的上限。",
    ],
    old: &[],
    new: &["alloc_pipe_info"],
    inlined: &[],
};

/// fs/pipe.c, Linux 6.1 and 7.2: the reader of an empty pipe waits with
/// `wait_event_interruptible_exclusive(pipe->rd_wait, pipe_readable(pipe))`; there is no
/// `pipe_wait` (the 7.2 tree has only `pipe_wait_readable`/`pipe_wait_writable`, for splice).
const PIPE_WAIT: Contrast = Contrast {
    then: [
        "The reader of an empty pipe sleeps in pipe_wait().",
        "空管道的读者在 pipe_wait() 中睡眠。",
    ],
    now: [
        "In {LINUX_6_1} and {LINUX_6_18} it sleeps in wait_event_interruptible_exclusive(pipe->rd_wait, ...) inside the pipe's read function (fs/pipe.c).",
        "在 {LINUX_6_1} 和 {LINUX_6_18} 中，它在管道读函数里的 wait_event_interruptible_exclusive(pipe->rd_wait, ...) 中睡眠（fs/pipe.c）。",
    ],
    old: &["pipe_wait"],
    new: &[],
    inlined: &[],
};

/// fifo(7): "Under Linux, opening a FIFO for read and write will succeed both in blocking and
/// nonblocking mode. POSIX leaves this behavior undefined."; mknod(2), EPERM: only file types
/// other than regular files, FIFOs and sockets need privilege.
const FIFO: Contrast = Contrast {
    then: [
        "mknod needs root; and what opening a FIFO for both reading and writing does is left open (POSIX).",
        "mknod 需要 root；以读写方式同时打开 FIFO 的行为没有规定（POSIX）。",
    ],
    now: [
        "Only device files need privilege: anyone may mknod a FIFO (mknod(2)); Linux lets O_RDWR open a FIFO without waiting, blocking or not (fifo(7)).",
        "只有设备文件需要特权：任何人都可以用 mknod 创建 FIFO（见 mknod(2)）；Linux 允许以 O_RDWR 打开 FIFO 而不等待，无论是否阻塞模式（见 fifo(7)）。",
    ],
    old: &[],
    new: &["vfs_mknod", "fifo_open"],
    inlined: &[],
};

/// ipc(2), NOTES: "On some architectures—for example x86-64 and ARM—there is no ipc() system
/// call"; arch/x86/entry/syscalls/syscall_32.tbl (Linux 7.2): `393 i386 semget`, `395 shmget`,
/// `399 msgget` next to `117 ipc`.
const IPC: Contrast = Contrast {
    then: [
        "Every System V IPC call goes through one system call, ipc(2), which switches on a call number, like socketcall.",
        "所有 System V IPC 调用都经过同一个系统调用 ipc(2)，它按调用号分派，就像 socketcall。",
    ],
    now: [
        "x86_64 has no ipc(): msgget, semget, shmget and the rest are system calls of their own (ipc(2)); ia32 keeps ipc (117) and has the direct calls too (semget 393, shmget 395, msgget 399 in the ia32 table).",
        "x86_64 没有 ipc()：msgget、semget、shmget 等都是独立的系统调用（见 ipc(2)）；ia32 保留了 ipc（117），同时也有直接调用（在 ia32 表中 semget 为 393，shmget 为 395，msgget 为 399）。",
    ],
    old: &[],
    new: &["ksys_msgget", "ksys_semget", "ksys_shmget"],
    inlined: &[],
};

/// semop(2): glibc's semop() and the kernel's semop both end in the semtimedop code;
/// ipc/sem.c (6.1, 6.18): `__do_semtimedop`.
const SEMOP: Contrast = Contrast {
    then: [
        "semop() is the system call sys_semop.",
        "semop() 就是系统调用 sys_semop。",
    ],
    now: [
        "glibc's semop(id, sops, n) is semtimedop(id, sops, n, NULL), and in the kernel both reach __do_semtimedop.",
        "glibc 的 semop(id, sops, n) 就是 semtimedop(id, sops, n, NULL)，在内核中两者都进入 __do_semtimedop。",
    ],
    old: &[],
    new: &["__do_semtimedop"],
    inlined: &[],
};

/// shmget(2): "Since Linux 3.16, the default value for this limit is ... From Linux 2.2 up
/// to Linux 3.15, the default value of this limit was 0x2000000 (32 MiB)" (SHMMAX).
const SHMMAX: Contrast = Contrast {
    then: [
        "A shared memory segment is at most SHMMAX = 32 MiB unless the administrator raises it.",
        "共享内存段最大为 SHMMAX = 32 MiB，除非管理员调高它。",
    ],
    now: [
        "Since Linux {SHMMAX} the defaults of SHMMAX and SHMALL are so large that they are no limit in practice (shmget(2)).",
        "从 Linux {SHMMAX} 起 SHMMAX 和 SHMALL 的默认值大到实际上不再构成限制（见 shmget(2)）。",
    ],
    old: &[],
    new: &["newseg"],
    inlined: &[],
};

/// signal(2): "By default, in glibc 2 and later, the signal() wrapper function does not invoke
/// the kernel system call. Instead, it calls sigaction(2) using flags that supply BSD
/// semantics." x86 in 6.1 and 6.18: `arch_do_signal_or_restart` (both kallsyms);
/// `x64_setup_rt_frame` from Linux 6.2 (signal.rs cites the commits).
const SIGNAL: Contrast = Contrast {
    then: [
        "signal() resets the handler to SIG_DFL when it runs, and x86's do_signal() sets up the frame for the handler.",
        "signal() 在处理函数运行时把它重置为 SIG_DFL，x86 的 do_signal() 为处理函数建立栈帧。",
    ],
    now: [
        "glibc's signal() is sigaction with BSD semantics: the handler stays (signal(2)); x86 delivers in arch_do_signal_or_restart.",
        "glibc 的 signal() 是带 BSD 语义的 sigaction：处理函数保持不变（见 signal(2)）；x86 在 arch_do_signal_or_restart 中递送信号。",
    ],
    old: &["do_signal"],
    new: &["arch_do_signal_or_restart", "get_signal"],
    inlined: &[],
};

/// netlink(7): "nl_pid identifies a netlink socket, not a process. If a process owns several
/// netlink sockets, then nl_pid can be equal to the process ID only for at most one socket."
const NETLINK: Contrast = Contrast {
    then: [
        "nl_pid is the process id of the program.",
        "nl_pid 就是程序的进程号。",
    ],
    now: [
        "nl_pid is a port id naming a socket: the kernel gives a process's first netlink socket its pid, and other sockets other numbers (netlink(7)).",
        "nl_pid 是标识套接字的端口号：内核把进程的第一个 netlink 套接字的端口号设为它的 pid，其他套接字则是别的数字（见 netlink(7)）。",
    ],
    old: &[],
    new: &["netlink_bind"],
    inlined: &[],
};

/// remap_file_pages(2): "this system call was marked as deprecated starting with Linux 3.16.
/// In Linux 4.0, the implementation was replaced by a slower in-kernel emulation."; mm/memory.c
/// (6.1, 7.2): a file fault is `do_fault` -> `do_read_fault`/`do_cow_fault`/`do_shared_fault`.
const MMAP: Contrast = Contrast {
    then: [
        "A file page fault goes do_linear_fault (or do_nonlinear_fault, for remap_file_pages).",
        "文件页的缺页经过 do_linear_fault（对 remap_file_pages 则是 do_nonlinear_fault）。",
    ],
    now: [
        "Nonlinear mappings are gone: since Linux {REMAP_FILE_PAGES} remap_file_pages is emulated (remap_file_pages(2)), and a file fault goes handle_mm_fault -> do_fault.",
        "非线性映射已经不存在：从 Linux {REMAP_FILE_PAGES} 起 remap_file_pages 改为模拟实现（见 remap_file_pages(2)），文件页缺页经过 handle_mm_fault -> do_fault。",
    ],
    old: &["do_linear_fault"],
    new: &["handle_mm_fault", "do_fault"],
    inlined: &[],
};

/// The TCP path in 6.1 and 6.18: `__sys_bind` -> `inet_bind` -> `inet_csk_get_port` (net/ipv4/);
/// `__sys_bind_socket` since Linux 6.11 (commit dc2e77979412).
const TCP_BIND: Contrast = Contrast {
    then: [
        "sys_socketcall(SYS_BIND) -> sys_bind -> inet_bind.",
        "sys_socketcall(SYS_BIND) -> sys_bind -> inet_bind。",
    ],
    now: [
        "x86_64 calls bind directly: __x64_sys_bind -> __sys_bind -> __sys_bind_socket (Linux {BIND_SOCKET}, commit dc2e77979412) -> inet_bind -> inet_csk_get_port, which picks port 0's ephemeral port.",
        "x86_64 直接调用 bind：__x64_sys_bind -> __sys_bind -> __sys_bind_socket（Linux {BIND_SOCKET}，commit dc2e77979412）-> inet_bind -> inet_csk_get_port，由它为端口 0 挑选临时端口。",
    ],
    old: &[],
    new: &["__sys_bind", "inet_bind", "inet_csk_get_port"],
    inlined: &[],
};

/// Stevens and Rago, Advanced Programming in the UNIX Environment, chapter 17 (Advanced IPC),
/// `serv_accept`: the server `stat`s the path the client bound, refuses it unless it is a
/// socket with mode `rwx------` (`S_IRWXU` only) and not older than `STALE` (30) seconds, and
/// takes `st_uid` as the client's uid. unix(7): `SO_PEERCRED` and `SO_PASSCRED`;
/// "SCM_CREDENTIALS and the abstract namespace were introduced with Linux 2.2". The functions:
/// net/core/sock.c `sk_getsockopt`, net/core/scm.c `__scm_send` and the inlined
/// `scm_check_creds` (6.1 and 6.18).
const PEER_CRED: Contrast = Contrast {
    then: [
        "To learn who a client is, the server stats the socket file the client bound: st_uid is its user, if the file is a socket, rwx------ and less than 30 seconds old (APUE's serv_accept).",
        "要知道客户端是谁，服务器对客户端绑定的套接字文件做 stat：如果文件是套接字、权限为 rwx------ 且不超过 30 秒，st_uid 就是它的用户（APUE 的 serv_accept）。",
    ],
    now: [
        "The kernel tells it, with no file: SO_PEERCRED gives the pid, uid and gid recorded at connect, and SCM_CREDENTIALS (since Linux {SCM_CREDENTIALS}, unix(7)) carries credentials the kernel checked when they were sent.",
        "内核直接告诉它，不需要文件：SO_PEERCRED 给出 connect 时记下的 pid、uid 和 gid，SCM_CREDENTIALS（从 Linux {SCM_CREDENTIALS} 起，见 unix(7)）携带发送时经内核核对的凭据。",
    ],
    old: &[],
    new: &["sk_getsockopt", "__scm_send"],
    inlined: &["scm_check_creds"],
};

pub const BOXES: &[LessonBox] = &[
    LessonBox {
        lesson: "socketcall",
        contrasts: &[ENTRY, SOCKETCALL],
    },
    LessonBox {
        lesson: "uds",
        contrasts: &[UNIX_BIND],
    },
    LessonBox {
        lesson: "uds-abstract",
        contrasts: &[UNIX_BIND],
    },
    LessonBox {
        lesson: "uds-seqpacket",
        contrasts: &[SEQPACKET],
    },
    LessonBox {
        lesson: "socketpair",
        contrasts: &[SEQPACKET],
    },
    LessonBox {
        lesson: "uds-perms",
        contrasts: &[UNIX_BIND],
    },
    LessonBox {
        lesson: "uds-cred",
        contrasts: &[PEER_CRED, UNIX_BIND],
    },
    LessonBox {
        lesson: "pipe",
        contrasts: &[PIPE_SIZE, PIPE_WAIT],
    },
    LessonBox {
        lesson: "pipe-atomic",
        contrasts: &[PIPE_SIZE, PIPE_WAIT],
    },
    LessonBox {
        lesson: "nonblock",
        contrasts: &[NDELAY, PIPE_WAIT],
    },
    LessonBox {
        lesson: "sigpipe",
        contrasts: &[SIGNAL],
    },
    LessonBox {
        lesson: "fifo",
        contrasts: &[FIFO, PIPE_WAIT],
    },
    LessonBox {
        lesson: "fifo-nonblock",
        contrasts: &[FIFO, NDELAY],
    },
    LessonBox {
        lesson: "msgqueue",
        contrasts: &[IPC],
    },
    LessonBox {
        lesson: "semaphore",
        contrasts: &[IPC, SEMOP],
    },
    LessonBox {
        lesson: "shm",
        contrasts: &[IPC, SHMMAX],
    },
    LessonBox {
        lesson: "signal",
        contrasts: &[SIGNAL],
    },
    LessonBox {
        lesson: "netlink",
        contrasts: &[NETLINK],
    },
    LessonBox {
        lesson: "mmap",
        contrasts: &[MMAP],
    },
    LessonBox {
        lesson: "tcp-hello",
        contrasts: &[TCP_BIND, ENTRY],
    },
];

/// The box of `lesson` as a step.
pub fn step(ctx: &Ctx, lesson: &str) -> Option<Step> {
    let b = BOXES.iter().find(|b| b.lesson == lesson)?;
    let lang = ctx.lang;
    let pick = |s: &[&'static str; 2]| match lang {
        Lang::En => s[0],
        Lang::Zh => s[1],
    };
    let mut lines: Vec<Line> = Vec::new();
    for c in b.contrasts {
        lines.push(text(t!(
            lang,
            "Older texts: {}",
            "旧资料：{}",
            crate::versions::fill(pick(&c.then))
        )));
        for f in c.old {
            lines.push(ctx.func(f, t!(lang, "the name older texts use", "旧资料使用的名字")));
        }
        lines.push(text(t!(
            lang,
            "  Now: {}",
            "  现在：{}",
            crate::versions::fill(pick(&c.now))
        )));
        for f in c.new {
            lines.push(ctx.func(f, t!(lang, "named above", "即上文所述")));
        }
        for f in c.inlined {
            lines.push(ctx.inlined(f, t!(lang, "named above", "即上文所述")));
        }
    }
    Some(Step {
        title: t!(
            lang,
            "The source material's kernel vs this kernel",
            "旧资料中的内核与本内核"
        ),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ksyms::Ksyms;
    use crate::walkthrough::LESSONS;
    use crate::walkthrough::tests::{INLINED, KERNEL_6_1, KERNEL_6_18};

    /// The names older texts use, which neither 6.1 nor 6.18 has.
    const OLDER: &[&str] = &["system_call", "pipe_wait", "do_signal", "do_linear_fault"];

    /// Every lesson has a box, in both languages with the same lines; every current name is a
    /// function of 6.1 and 6.18 (or inlined in both), every older name one of neither; every
    /// version the box states is a fact of crate::versions (a `{key}` it fills), the same ones in
    /// both languages.
    #[test]
    fn every_lesson_has_a_true_box_in_both_languages() {
        let has = |list: &str, f: &str| list.split_whitespace().any(|n| n == f);
        let ksyms = Ksyms::default();
        for def in LESSONS {
            let b = BOXES
                .iter()
                .find(|b| b.lesson == def.name)
                .unwrap_or_else(|| panic!("{}: no box", def.name));
            for c in b.contrasts {
                for f in c.new {
                    assert!(has(KERNEL_6_1, f) && has(KERNEL_6_18, f), "{f}");
                }
                for f in c.inlined {
                    assert!(INLINED.contains(f), "{f}");
                }
                for f in c.old {
                    assert!(OLDER.contains(f), "{f}");
                    assert!(!has(KERNEL_6_1, f) && !has(KERNEL_6_18, f), "{f}");
                }
                for [en, zh] in [c.then, c.now] {
                    assert!(zh.chars().any(|ch| ch > '\u{2e80}'), "{zh}");
                    assert!(
                        !zh.contains(concat!("投", "递")) && !zh.contains(concat!("返回", "之路")),
                        "{zh}"
                    );
                    let (en, zh) = (crate::versions::fill(en), crate::versions::fill(zh));
                    assert!(
                        !en.contains("Linux {") && !zh.contains("Linux {"),
                        "{en}\n{zh}"
                    );
                    assert_eq!(
                        crate::versions::printed(&en),
                        crate::versions::printed(&zh),
                        "{en}\n{zh}"
                    );
                }
            }
            let step = |lang| {
                step(
                    &Ctx {
                        ksyms: &ksyms,
                        run: None,
                        lang,
                        kernel: "6.18.0",
                    },
                    def.name,
                )
                .unwrap()
            };
            let (en, zh) = (step(Lang::En), step(Lang::Zh));
            assert_eq!(en.lines.len(), zh.lines.len(), "{}", def.name);
        }
    }

    /// An older name is marked absent on a kernel without it, a current one inferred.
    #[test]
    fn older_names_are_marked_against_this_kernel() {
        let ksyms = crate::walkthrough::values::testing::ksyms(&[
            "entry_SYSCALL_64",
            "asm_int80_emulation",
            "x64_sys_call",
            "ia32_sys_call",
            "__ia32_compat_sys_socketcall",
        ]);
        let s = step(
            &Ctx {
                ksyms: &ksyms,
                run: None,
                lang: Lang::En,
                kernel: "6.18.0",
            },
            "socketcall",
        )
        .unwrap();
        let lines = super::super::step_lines(&s).join("\n");
        assert!(
            lines.contains("  - system_call  the name older texts use"),
            "{lines}"
        );
        assert!(lines.contains("  . x64_sys_call  named above"), "{lines}");
    }
}
