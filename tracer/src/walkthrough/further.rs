//! How every lesson ends: "Try next", two or three changes to the demo a student can make and
//! what they will see, and the manual pages and kernel functions the lesson rests on, linked
//! for the kernel the values came from.
//!
//! Kernel links go to elixir.bootlin.com's identifier search for the running (or recorded)
//! kernel's major.minor version, not to a line: line numbers move between versions and were
//! not checked for every version a lesson may run on, while the identifier page lists where the
//! function is defined and used in that version. Every function linked is one a lesson names,
//! checked in the unit tests against the 6.18 symbol list (or the list of functions both
//! kernels inline) of `walkthrough::tests`.
//!
//! The outcomes the changes promise come from the kernel sources (Linux 7.2 tree, the same code
//! in 6.1 and 6.18 where named): socketcall's range check and `copy_from_user` (net/compat.c,
//! `-EINVAL`, `-EFAULT`); a path bind over an existing file (`unix_bind_bsd`: `-EEXIST` becomes
//! `-EADDRINUSE`); an abstract name nobody bound (`unix_find_abstract`: `-ECONNREFUSED`);
//! `rtnl_getlink` without an index or name (`-EINVAL`); and from the manual pages linked.

use super::values::text;
use super::{Ctx, Lang, Line, Step};

/// What a lesson ends with.
pub struct Further {
    pub lesson: &'static str,
    /// Changes to the demo, each `[English, Chinese]`.
    pub tries: &'static [[&'static str; 2]],
    /// Manual pages, `name.section`.
    pub man: &'static [&'static str],
    /// Kernel functions the lesson names, to read in the source.
    pub funcs: &'static [&'static str],
}

pub const FURTHER: &[Further] = &[
    Further {
        lesson: "socketcall",
        tries: &[
            [
                "Give the int $0x80 SYS_BIND an unmapped argument pointer (ecx = 0x10): copy_from_user fails and socketcall returns -EFAULT (-14) before any socket code runs.",
                "给 int $0x80 的 SYS_BIND 一个未映射的参数指针（ecx = 0x10）：copy_from_user 失败，socketcall 在任何套接字代码运行之前就返回 -EFAULT（-14）。",
            ],
            [
                "Use call number 21 (ebx = 21, one past SYS_SENDMMSG = 20): the range check returns -EINVAL (-22).",
                "用调用号 21（ebx = 21，比 SYS_SENDMMSG = 20 多一）：范围检查返回 -EINVAL（-22）。",
            ],
            [
                "Bind the x86_64 socket to the ia32 socket's path: the file exists, so bind fails with EADDRINUSE (98).",
                "把 x86_64 的套接字绑定到 ia32 套接字的路径上：文件已经存在，bind 以 EADDRINUSE（98）失败。",
            ],
        ],
        man: &["socketcall.2", "bind.2", "syscall.2", "vdso.7"],
        funcs: &[
            "do_syscall_64",
            "do_int80_emulation",
            "do_fast_syscall_32",
            "__sys_bind",
            "unix_bind",
        ],
    },
    Further {
        lesson: "uds",
        tries: &[
            [
                "In uds-stream, bind a second socket to the same path before the unlink: it fails with EADDRINUSE (98); closing a socket does not remove its file.",
                "在 uds-stream 中，在 unlink 之前把第二个套接字绑定到同一路径：它以 EADDRINUSE（98）失败；关闭套接字并不会删除它的文件。",
            ],
            [
                "In uds-dgram, drop the client's bind: the server's recvfrom then reports an unnamed sender (fromlen 2, only the family), with no address to reply to.",
                "在 uds-dgram 中去掉客户端的 bind：服务器的 recvfrom 报告一个未命名的发送者（fromlen 为 2，只有地址族），没有可以回复的地址。",
            ],
            [
                "In uds-msg, make the receive buffers 4 and 16 bytes: the kernel fills them in order, \"hell\" and then \"o world\".",
                "在 uds-msg 中把两个接收缓冲区改成 4 和 16 字节：内核按顺序填充，先是 \"hell\"，然后是 \"o world\"。",
            ],
        ],
        man: &["unix.7", "bind.2", "accept.2", "recvmsg.2"],
        funcs: &[
            "unix_bind",
            "unix_stream_connect",
            "unix_accept",
            "unix_dgram_sendmsg",
        ],
    },
    Further {
        lesson: "uds-abstract",
        tries: &[
            [
                "Bind a second socket to the same abstract name: it fails with EADDRINUSE (98), though there is no file.",
                "把第二个套接字绑定到同一个抽象名字：它以 EADDRINUSE（98）失败，尽管并没有文件。",
            ],
            [
                "Drop the leading NUL byte: the same bytes become a path, bind creates the file tracer-demo-<pid> in the current directory, and the demo's check that no file appeared fails.",
                "去掉开头的 NUL 字节：同样的字节变成路径名，bind 在当前目录创建文件 tracer-demo-<pid>，演示程序“没有出现文件”的检查就会失败。",
            ],
            [
                "Give the server's bind one byte more of addrlen than the client's connect: the names differ by that byte, and connect fails with ECONNREFUSED (111).",
                "让服务器 bind 的 addrlen 比客户端 connect 的多一个字节：两个名字相差这个字节，connect 以 ECONNREFUSED（111）失败。",
            ],
        ],
        man: &["unix.7", "bind.2", "connect.2"],
        funcs: &["unix_bind", "unix_bind_abstract", "unix_find_other"],
    },
    Further {
        lesson: "uds-seqpacket",
        tries: &[
            [
                "Make the server read before the client has finished (move the waitpid after the reads): over SOCK_STREAM the first read may return fewer bytes; how writes merge depends on timing.",
                "让服务器在客户端写完之前就读（把 waitpid 移到读之后）：在 SOCK_STREAM 上第一次 read 可能返回更少的字节；几次写如何合并取决于时机。",
            ],
            [
                "Read with a 2-byte buffer: over SOCK_SEQPACKET each read returns 2 bytes and the rest of that message is discarded; over SOCK_STREAM nothing is lost.",
                "用 2 字节的缓冲区读：在 SOCK_SEQPACKET 上每次 read 返回 2 字节，该消息其余部分被丢弃；在 SOCK_STREAM 上什么都不会丢。",
            ],
        ],
        man: &["unix.7", "socket.2", "recv.2"],
        funcs: &[
            "unix_create",
            "unix_seqpacket_recvmsg",
            "unix_stream_recvmsg",
        ],
    },
    Further {
        lesson: "socketpair",
        tries: &[
            [
                "Drop the parent's close(sv[1]): the exchange still works, but after the child exits a read on sv[0] would wait instead of seeing end of file: the parent still holds the other end.",
                "去掉父进程的 close(sv[1])：交换照常进行，但子进程退出后，对 sv[0] 的 read 会一直等待而不是看到文件结束：父进程自己还持有另一端。",
            ],
            [
                "Make the pair SOCK_DGRAM: each write is one message, and a read with a smaller buffer discards the rest of it.",
                "把这对套接字改成 SOCK_DGRAM：每次 write 是一条消息，用更小的缓冲区 read 会丢弃它的其余部分。",
            ],
        ],
        man: &["socketpair.2", "unix.7"],
        funcs: &["__sys_socketpair", "unix_socketpair"],
    },
    Further {
        lesson: "uds-perms",
        tries: &[
            [
                "Use umask(0) around bind instead of umask(0077): the file gets mode 0777 (srwxrwxrwx), and every user may connect.",
                "在 bind 前后用 umask(0) 代替 umask(0077)：文件得到 0777（srwxrwxrwx），所有用户都能连接。",
            ],
            [
                "Connect to the 0600 socket as another user (runuser -u nobody): connect fails with EACCES (13), for want of write permission on the file.",
                "以另一个用户（runuser -u nobody）连接权限为 0600 的套接字：因为对文件没有写权限，connect 以 EACCES（13）失败。",
            ],
        ],
        man: &["unix.7", "umask.2", "fchmod.2"],
        funcs: &["unix_bind", "unix_find_other"],
    },
    Further {
        lesson: "uds-cred",
        tries: &[
            [
                "Send the claim of the parent's pid and uid 0 from the parent, which is root: the kernel accepts it (CAP_SYS_ADMIN may claim any pid, CAP_SETUID any uid), and the receiver cannot tell.",
                "由身为 root 的父进程发送“父进程 pid、uid 0”这一声称：内核接受它（CAP_SYS_ADMIN 可以声称任何 pid，CAP_SETUID 可以声称任何 uid），接收者无从分辨。",
            ],
            [
                "Drop the control message from the sender's first sendmsg: the receiver still gets SCM_CREDENTIALS, the sender's own, which the kernel attaches because the receiving socket has SO_PASSCRED.",
                "去掉发送者第一次 sendmsg 中的控制消息：接收者仍然收到 SCM_CREDENTIALS，是发送者自己的，因为接收方套接字设置了 SO_PASSCRED，内核会自动附上。",
            ],
            [
                "Make the client call setuid(65534) after connect and before reading \"ok\": the server's SO_PEERCRED still says uid 0, the credentials of the moment of connect.",
                "让客户端在 connect 之后、读 \"ok\" 之前调用 setuid(65534)：服务器的 SO_PEERCRED 仍然显示 uid 0，即 connect 那一刻的凭据。",
            ],
        ],
        man: &[
            "unix.7",
            "socket.7",
            "getsockopt.2",
            "cmsg.3",
            "credentials.7",
        ],
        funcs: &[
            "sk_getsockopt",
            "unix_stream_connect",
            "__scm_send",
            "scm_check_creds",
        ],
    },
    Further {
        lesson: "pipe",
        tries: &[
            [
                "Drop the parent's close(4) (write_end.close() in the demo): the parent reads the 20 bytes, then its next read blocks forever, as the parent itself still holds a write end (Ctrl-C ends it).",
                "去掉父进程的 close(4)（演示中的 write_end.close()）：父进程读到 20 字节后，下一次 read 永远阻塞，因为父进程自己还持有一个写端（按 Ctrl-C 结束）。",
            ],
            [
                "Close the parent's read end before the child writes: the child's write fails with EPIPE (32). The demo, a Rust program, ignores SIGPIPE; a C program with the default action would be killed by SIGPIPE first.",
                "在子进程写之前关闭父进程的读端：子进程的 write 以 EPIPE（32）失败。演示程序是 Rust 程序，忽略了 SIGPIPE；使用默认动作的 C 程序会先被 SIGPIPE 杀死。",
            ],
            [
                "Make the child write 100000 bytes in one call while the parent sleeps before reading: the write blocks once the 64 KiB ring is full and finishes as the parent drains it.",
                "让子进程一次写 100000 字节，而父进程在读之前先睡一会儿：环（64 KiB）写满后 write 阻塞，随着父进程读出再继续完成。",
            ],
        ],
        man: &["pipe.2", "pipe.7"],
        funcs: &[
            "do_pipe2",
            "anon_pipe_read",
            "anon_pipe_write",
            "pipe_release",
        ],
    },
    Further {
        lesson: "pipe-atomic",
        tries: &[
            [
                "Give writer B a record of 4096 bytes in the large round: B's record arrives whole, a single page between two pieces of A's.",
                "在大记录那一轮给写者 B 一条 4096 字节的记录：B 的记录完整到达，是夹在 A 的两段之间的一页。",
            ],
            [
                "Read with a 65536-byte buffer: one read now returns pages of both writers; reads, like the pipe, know nothing of the writers' records.",
                "用 65536 字节的缓冲区读：一次 read 会返回两个写者的页；read 和管道一样，对写者的记录一无所知。",
            ],
            [
                "Shrink the pipe to one page with fcntl(fds[1], F_SETPIPE_SZ, 4096) before the large round: the writers take turns page by page, so each record arrives in about as many pieces as it has pages.",
                "在大记录那一轮之前用 fcntl(fds[1], F_SETPIPE_SZ, 4096) 把管道缩到一页：写者逐页轮流，于是每条记录分成的段数大约等于它的页数。",
            ],
        ],
        man: &["pipe.7", "write.2", "fcntl.2", "proc.5"],
        funcs: &[
            "anon_pipe_write",
            "anon_pipe_read",
            "prepare_to_wait_exclusive",
            "pipe_fcntl",
        ],
    },
    Further {
        lesson: "nonblock",
        tries: &[
            [
                "Drop the F_SETFL on the read end: the first read blocks forever, as this process itself holds the write end and will never write (Ctrl-C ends it).",
                "去掉读端上的 F_SETFL：第一次 read 永远阻塞，因为写端就在本进程手里，而它永远不会写（按 Ctrl-C 结束）。",
            ],
            [
                "Read 4096 bytes instead of 64 before closing, then write 4096 bytes: a page of the ring is free again, and the write goes through whole.",
                "在关闭之前读 4096 字节而不是 64 字节，然后写 4096 字节：环中又空出了一页，这次写入完整成功。",
            ],
            [
                "Offer send 100 bytes instead of 1 MiB: it all fits, and the 1-byte send succeeds too: EAGAIN comes only when the buffer is full.",
                "让 send 只发 100 字节而不是 1 MiB：全部放得下，随后 1 字节的 send 也成功：只有缓冲区满了才会出现 EAGAIN。",
            ],
        ],
        man: &["fcntl.2", "pipe.7", "recv.2", "send.2", "socket.7"],
        funcs: &[
            "anon_pipe_read",
            "anon_pipe_write",
            "unix_stream_read_generic",
            "sock_alloc_send_pskb",
        ],
    },
    Further {
        lesson: "sigpipe",
        tries: &[
            [
                "Give child 2 a handler for SIGPIPE instead of SIG_DFL: the handler runs, write returns -1 with EPIPE, and the child lives on.",
                "给子进程 2 安装一个 SIGPIPE 处理函数而不是 SIG_DFL：处理函数运行，write 返回 -1 并置 EPIPE，子进程继续活着。",
            ],
            [
                "Keep the read end open (drop close(fds[0])): the pipe has a reader, and both writes return 5.",
                "保持读端打开（去掉 close(fds[0])）：管道有了读者，两次 write 都返回 5。",
            ],
            [
                "Use a socketpair and close one end: send on the other fails with EPIPE and SIGPIPE kills at SIG_DFL, unless send passes MSG_NOSIGNAL.",
                "改用 socketpair 并关闭一端：在另一端上 send 以 EPIPE 失败，默认动作下被 SIGPIPE 杀死，除非 send 带上 MSG_NOSIGNAL。",
            ],
        ],
        man: &["pipe.7", "signal.7", "write.2", "send.2"],
        funcs: &["anon_pipe_write", "send_sig", "get_signal", "do_group_exit"],
    },
    Further {
        lesson: "fifo",
        tries: &[
            [
                "Open the FIFO with O_RDONLY | O_NONBLOCK before any writer: open succeeds at once; O_WRONLY | O_NONBLOCK with no reader fails with ENXIO (6).",
                "在没有写者时以 O_RDONLY | O_NONBLOCK 打开 FIFO：open 立即成功；没有读者时以 O_WRONLY | O_NONBLOCK 打开则以 ENXIO（6）失败。",
            ],
            [
                "Skip the final unlink: the FIFO stays in the directory (ls -l shows type p), empty: its bytes lived only in the pipe's memory.",
                "跳过最后的 unlink：FIFO 留在目录里（ls -l 显示类型 p），而且是空的：数据只存在于管道的内存中。",
            ],
        ],
        man: &["mkfifo.3", "mknod.2", "fifo.7", "open.2"],
        funcs: &["vfs_mknod", "fifo_open", "wait_for_partner"],
    },
    Further {
        lesson: "fifo-nonblock",
        tries: &[
            [
                "Open the FIFO O_RDWR | O_NONBLOCK first: Linux opens it at once (fifo(7)), and the process is its own reader and writer.",
                "先以 O_RDWR | O_NONBLOCK 打开 FIFO：Linux 立即打开它（见 fifo(7)），进程自己既是读者又是写者。",
            ],
            [
                "Drop O_NONBLOCK from the reader's open: with no writer it blocks in open (wait_for_partner) forever.",
                "去掉读者 open 中的 O_NONBLOCK：没有写者时它会永远阻塞在 open 中（wait_for_partner）。",
            ],
        ],
        man: &["fifo.7", "open.2", "pipe.7"],
        funcs: &["fifo_open", "wait_for_partner", "fifo_pipe_read"],
    },
    Further {
        lesson: "msgqueue",
        tries: &[
            [
                "Receive with msgtyp = -2: the first message of the lowest type up to 2 comes out: \"first\" (type 1).",
                "用 msgtyp = -2 接收：取出类型不大于 2 中最小类型的第一条消息：\"first\"（类型 1）。",
            ],
            [
                "Receive with msgtyp = 3: no message has type 3, so msgrcv blocks; with IPC_NOWAIT it fails with ENOMSG (42).",
                "用 msgtyp = 3 接收：没有类型为 3 的消息，msgrcv 阻塞；加上 IPC_NOWAIT 则以 ENOMSG（42）失败。",
            ],
            [
                "Skip msgctl(IPC_RMID): the queue outlives the demo; ipcs -q lists it and ipcrm -q ID removes it.",
                "跳过 msgctl(IPC_RMID)：队列比演示程序活得更久；ipcs -q 列出它，ipcrm -q ID 删除它。",
            ],
        ],
        man: &["msgget.2", "msgop.2", "msgctl.2", "ftok.3", "sysvipc.7"],
        funcs: &["ksys_msgget", "do_msgsnd", "do_msgrcv", "freeque"],
    },
    Further {
        lesson: "semaphore",
        tries: &[
            [
                "Drop SEM_UNDO and the child's V: the child exits holding the lock, and the parent's P blocks forever.",
                "去掉 SEM_UNDO 和子进程的 V：子进程持锁退出，父进程的 P 永远阻塞。",
            ],
            [
                "Keep SEM_UNDO and drop only the child's V: at the child's exit the kernel undoes its -1 (exit_sem), and the parent's P goes through.",
                "保留 SEM_UNDO，只去掉子进程的 V：子进程退出时内核撤销它的 -1（exit_sem），父进程的 P 得以通过。",
            ],
        ],
        man: &["semget.2", "semop.2", "semctl.2", "sysvipc.7"],
        funcs: &[
            "ksys_semget",
            "__do_semtimedop",
            "perform_atomic_semop",
            "exit_sem",
        ],
    },
    Further {
        lesson: "shm",
        tries: &[
            [
                "Drop the parent's waitpid before its shmat: the parent may read the segment before the child wrote, and find an empty string: shared memory brings no synchronisation of its own.",
                "去掉父进程在 shmat 之前的 waitpid：父进程可能在子进程写入之前就读，读到空字符串：共享内存本身不带同步。",
            ],
            [
                "Skip shmctl(IPC_RMID): the segment outlives the demo; ipcs -m lists it with nattch 0.",
                "跳过 shmctl(IPC_RMID)：段比演示程序活得更久；ipcs -m 列出它，nattch 为 0。",
            ],
        ],
        man: &["shmget.2", "shmop.2", "shmctl.2", "sysvipc.7"],
        funcs: &["ksys_shmget", "do_shmat", "shmem_fault", "shm_destroy"],
    },
    Further {
        lesson: "signal",
        tries: &[
            [
                "Drop the first sigprocmask (the block): a signal that arrives before sigsuspend runs the handler early, and sigsuspend then waits for a signal that never comes.",
                "去掉第一个 sigprocmask（阻塞）：在 sigsuspend 之前到达的信号会提前运行处理函数，之后 sigsuspend 就会等待一个永远不会来的信号。",
            ],
            [
                "Send with kill(getppid(), SIGUSR1) instead of sigqueue: the handler sees si_code SI_USER and no value.",
                "用 kill(getppid(), SIGUSR1) 代替 sigqueue 发送：处理函数看到的 si_code 是 SI_USER，没有携带值。",
            ],
        ],
        man: &["sigqueue.3", "sigaction.2", "sigsuspend.2", "signal.7"],
        funcs: &["do_rt_sigqueueinfo", "complete_signal", "get_signal"],
    },
    Further {
        lesson: "netlink",
        tries: &[
            [
                "Drop MSG_DONTWAIT from the group socket's recvfrom and run sudo ip link add dummy0 type dummy in another terminal: an RTM_NEWLINK for dummy0 arrives unrequested (ip link del dummy0 removes it again, with an RTM_DELLINK).",
                "去掉组套接字 recvfrom 中的 MSG_DONTWAIT，在另一个终端运行 sudo ip link add dummy0 type dummy：一条关于 dummy0 的 RTM_NEWLINK 不请自来（ip link del dummy0 再把它删掉，随之而来的是 RTM_DELLINK）。",
            ],
            [
                "Drop NLM_F_DUMP from the request: without an interface index or name the kernel answers with an NLMSG_ERROR carrying -EINVAL (-22).",
                "从请求中去掉 NLM_F_DUMP：没有接口索引或名字，内核回复一条携带 -EINVAL（-22）的 NLMSG_ERROR。",
            ],
            [
                "Open and bind a second netlink socket with nl_pid = 0: getsockname shows a port id that is not the pid: a port id names a socket, not a process.",
                "再打开并绑定一个 nl_pid = 0 的 netlink 套接字：getsockname 显示的端口号不是 pid：端口号标识的是套接字，而不是进程。",
            ],
        ],
        man: &["netlink.7", "rtnetlink.7", "netlink.3"],
        funcs: &[
            "netlink_bind",
            "rtnetlink_rcv_msg",
            "rtnl_dump_ifinfo",
            "netlink_dump",
        ],
    },
    Further {
        lesson: "mmap",
        tries: &[
            [
                "Map with MAP_PRIVATE in the child: its store goes to a private copy of the page, and the parent reads zeros.",
                "在子进程中用 MAP_PRIVATE 映射：它的写入落在该页的私有副本上，父进程读到的是零。",
            ],
            [
                "Drop the ftruncate: the new file is empty, and the child's first store past its end raises SIGBUS.",
                "去掉 ftruncate：新文件是空的，子进程第一次写到文件末尾之外时收到 SIGBUS。",
            ],
        ],
        man: &["mmap.2", "munmap.2", "ftruncate.2"],
        funcs: &["do_mmap", "handle_mm_fault", "do_fault", "filemap_fault"],
    },
    Further {
        lesson: "tcp-hello",
        tries: &[
            [
                "Drop the server's listen: the client's connect fails with ECONNREFUSED (111): the kernel answers its SYN with a RST.",
                "去掉服务器的 listen：客户端的 connect 以 ECONNREFUSED（111）失败：内核用 RST 回应它的 SYN。",
            ],
            [
                "While the server listens, bind a second socket to its port: it fails with EADDRINUSE (98), SO_REUSEADDR or not.",
                "在服务器监听期间，把第二个套接字绑定到同一端口：无论是否设置 SO_REUSEADDR，都以 EADDRINUSE（98）失败。",
            ],
            [
                "Make the client's pause 5 seconds and watch with sudo tracer live -- tracer demo tcp-hello: the server's accept shows <pending> until the client connects.",
                "把客户端的停顿改成 5 秒，并用 sudo tracer live -- tracer demo tcp-hello 观看：服务器的 accept 一直显示 <pending>，直到客户端连接。",
            ],
        ],
        man: &["tcp.7", "ip.7", "socket.2", "connect.2"],
        funcs: &[
            "inet_bind",
            "inet_csk_get_port",
            "tcp_v4_connect",
            "inet_csk_accept",
        ],
    },
];

/// `v6.18` for `6.18.44-fc-v1147`; elixir's `latest` when the release does not parse.
pub fn elixir_version(kernel: &str) -> String {
    let mut parts = kernel.split(['.', '-']);
    match (parts.next(), parts.next()) {
        (Some(a), Some(b))
            if !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && b.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("v{a}.{b}")
        }
        _ => "latest".into(),
    }
}

/// man7.org's page for `name.section`.
fn man_link(page: &str) -> String {
    let (name, section) = page.rsplit_once('.').unwrap_or((page, "1"));
    format!("https://man7.org/linux/man-pages/man{section}/{name}.{section}.html")
}

/// The "Try next" step of `lesson` (none for a lesson without one).
pub fn try_next(ctx: &Ctx, lesson: &str, demos: &[&str]) -> Option<Step> {
    let f = FURTHER.iter().find(|f| f.lesson == lesson)?;
    let lang = ctx.lang;
    let files = demos
        .iter()
        .map(|d| format!("tracer/src/demo/{}.rs", d.replace('-', "_")))
        .collect::<Vec<_>>()
        .join(", ");
    let mut lines = vec![text(t!(
        lang,
        "Change the demo ({files}), build, and run the lesson again:",
        "修改演示程序（{files}），重新构建，再运行一次本课："
    ))];
    for (i, [en, zh]) in f.tries.iter().enumerate() {
        let s = match lang {
            Lang::En => en,
            Lang::Zh => zh,
        };
        lines.push(Line::Numbered {
            n: i + 1,
            text: (*s).to_string(),
        });
    }
    lines.push(text(t!(lang, "The manual pages:", "手册页：")));
    for m in f.man {
        let (name, section) = m.rsplit_once('.').unwrap_or((m, "1"));
        lines.push(text(format!("  {name}({section})  {}", man_link(m))));
    }
    let v = elixir_version(ctx.kernel);
    let version = v.trim_start_matches('v');
    lines.push(text(t!(
        lang,
        "The kernel source, Linux {version} (elixir's identifier search: where each function is defined and called in that version):",
        "内核源码，Linux {version}（elixir 的标识符搜索：每个函数在该版本中的定义和调用位置）："
    )));
    for func in f.funcs {
        lines.push(text(format!(
            "  {func}  https://elixir.bootlin.com/linux/{v}/A/ident/{func}"
        )));
    }
    Some(Step {
        title: t!(lang, "Try next", "接下来试试"),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ksyms::Ksyms;
    use crate::walkthrough::LESSONS;
    use crate::walkthrough::tests::{INLINED, KERNEL_6_18};

    #[test]
    fn versions_for_elixir() {
        assert_eq!(elixir_version("6.18.44-fc-v1147"), "v6.18");
        assert_eq!(elixir_version("6.1.0-56-cloud-amd64"), "v6.1");
        assert_eq!(elixir_version("7.2"), "v7.2");
        assert_eq!(elixir_version(""), "latest");
        assert_eq!(elixir_version("weird"), "latest");
    }

    /// Every lesson has two or three changes to try, in both languages, man pages and kernel
    /// functions that this project's 6.18 has (or that both kernels inline), linked for the
    /// version the lesson ran on.
    #[test]
    fn every_lesson_ends_with_things_to_try_in_both_languages() {
        let ksyms = Ksyms::default();
        let names: Vec<&str> = FURTHER.iter().map(|f| f.lesson).collect();
        for def in LESSONS {
            assert!(names.contains(&def.name), "{}: no Try next", def.name);
            let f = FURTHER.iter().find(|f| f.lesson == def.name).unwrap();
            assert!((2..=3).contains(&f.tries.len()), "{}", def.name);
            for [en, zh] in f.tries {
                assert!(zh.chars().any(|c| c > '\u{2e80}'), "{zh}");
                assert!(!en.chars().any(|c| c > '\u{2e80}'), "{en}");
                assert!(
                    !zh.contains(concat!("投", "递")) && !zh.contains(concat!("返回", "之路")),
                    "{zh}"
                );
            }
            assert!(!f.man.is_empty() && !f.funcs.is_empty(), "{}", def.name);
            for func in f.funcs {
                assert!(
                    KERNEL_6_18.split_whitespace().any(|n| n == *func) || INLINED.contains(func),
                    "{}: {func} is not a lesson function of 6.18",
                    def.name
                );
            }
            let step = |lang| {
                try_next(
                    &Ctx {
                        ksyms: &ksyms,
                        run: None,
                        lang,
                        kernel: "6.18.44-fc-v1147",
                    },
                    def.name,
                    def.demos,
                )
                .unwrap()
            };
            let (en, zh) = (step(Lang::En), step(Lang::Zh));
            assert_eq!(en.lines.len(), zh.lines.len(), "{}", def.name);
            let all = super::super::step_lines(&en).join("\n");
            assert!(
                all.contains(&format!(
                    "https://elixir.bootlin.com/linux/v6.18/A/ident/{}",
                    f.funcs[0]
                )),
                "{all}"
            );
            assert!(
                all.contains("https://man7.org/linux/man-pages/man"),
                "{all}"
            );
        }
    }
}
