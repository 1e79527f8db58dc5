//! Built-in demo programs: each does what the source material teaches for one IPC mechanism,
//! so that tests and lessons trace a known, deterministic sequence of calls.
//!
//! Every demo is a small, self-contained, unprivileged program written the way the C program
//! in a textbook would be: it calls the libc functions directly (`socket`, `bind`, `accept`,
//! `msgsnd`, ...), one call per step of the lesson, and prints a few lines about what happens.
//! Two-process demos use `fork()`; the child always ends with `_exit` and the parent always
//! reaps it with `waitpid`. Synchronisation never relies on sleeping: it comes from the
//! blocking calls themselves or from `waitpid`. Files live in
//! `/tmp/tracer-demo-<name>-<pid>/` and System V objects are removed with `IPC_RMID`, also
//! when a demo fails.
//!
//! Demos that need files start with `getpid()` + `mkdir(dir, 0700)` and end with
//! `rmdir(dir)`; each demo `unlink`s its own files before that. In a trace, glibc's wrappers
//! show up under the kernel's names: `fork` is `clone(..., SIGCHLD)` (followed by
//! `set_robust_list` in the child), `waitpid` is `wait4`, `_exit` is `exit_group`, `open` is
//! `openat`, `stat` is `newfstatat`, `mknod` is `mknodat`, `pipe` is `pipe2(fds, 0)`, `semop`
//! is `semtimedop(..., NULL)`, `sigaction`/`sigprocmask`/`sigsuspend` are the `rt_` calls.
//! The human-readable lines are `write(1, ...)` calls.
//!
//! Run one with `tracer demo NAME`; `tracer demo` lists them.

mod fifo;
mod fifo_nonblock;
mod glibc32;
mod hostile;
mod mmap;
mod msgqueue;
mod netlink;
mod nonblock;
mod pipe;
mod pipe_atomic;
mod semaphore;
mod shm;
mod signal;
mod sigpipe;
mod socketcall;
mod socketpair;
mod tcp_hello;
mod uds_abstract;
mod uds_cred;
mod uds_dgram;
mod uds_msg;
mod uds_perms;
mod uds_seqpacket;
mod uds_stream;
mod util;
mod vsyscall32;
pub mod workload;

/// One demo: its name on the command line and a one-line summary.
pub struct DemoInfo {
    pub name: &'static str,
    pub summary: &'static str,
}

static DEMOS: [DemoInfo; 22] = [
    DemoInfo {
        name: "uds-stream",
        summary: "UNIX stream socket: socket/bind/listen/accept server and connect client",
    },
    DemoInfo {
        name: "uds-dgram",
        summary: "UNIX datagram sockets bound to two paths: sendto/recvfrom ping-pong",
    },
    DemoInfo {
        name: "uds-msg",
        summary: "sendmsg/recvmsg with two iovecs (gather on send, scatter on receive)",
    },
    DemoInfo {
        name: "uds-abstract",
        summary: "UNIX stream socket bound to an abstract name (no file is created)",
    },
    DemoInfo {
        name: "uds-seqpacket",
        summary: "three writes: merged by SOCK_STREAM, kept apart by SOCK_SEQPACKET",
    },
    DemoInfo {
        name: "uds-perms",
        summary: "setting a UNIX socket file's mode: fchmod before bind, and umask",
    },
    DemoInfo {
        name: "uds-cred",
        summary: "who is the peer: SO_PEERCRED, stat of the client's socket file, SCM_CREDENTIALS",
    },
    DemoInfo {
        name: "socketpair",
        summary: "socketpair(AF_UNIX, SOCK_STREAM) shared by parent and child",
    },
    DemoInfo {
        name: "pipe",
        summary: "pipe + fork: the child writes, the parent reads until EOF",
    },
    DemoInfo {
        name: "pipe-atomic",
        summary: "two writers on one pipe: PIPE_BUF-sized records arrive whole, larger ones in pieces",
    },
    DemoInfo {
        name: "nonblock",
        summary: "O_NONBLOCK on a pipe and MSG_DONTWAIT on a socket: EAGAIN instead of waiting",
    },
    DemoInfo {
        name: "sigpipe",
        summary: "writing to a pipe with no reader: EPIPE with SIGPIPE ignored, death by SIGPIPE by default",
    },
    DemoInfo {
        name: "fifo",
        summary: "named pipe made with mknod(S_IFIFO): writer child, reader parent",
    },
    DemoInfo {
        name: "fifo-nonblock",
        summary: "opening a FIFO with O_NONBLOCK: the reader opens at once, a writer without a reader gets ENXIO",
    },
    DemoInfo {
        name: "msgqueue",
        summary: "System V message queue: ftok, msgget, msgsnd, msgrcv by type, IPC_RMID",
    },
    DemoInfo {
        name: "semaphore",
        summary: "System V semaphore as a mutex: semget, SETVAL, semop P/V with SEM_UNDO",
    },
    DemoInfo {
        name: "shm",
        summary: "System V shared memory: shmget, shmat, shmdt, IPC_RMID",
    },
    DemoInfo {
        name: "signal",
        summary: "sigaction(SA_SIGINFO) + sigqueue: a signal carrying the value 42; kill(0) and kill(-1)",
    },
    DemoInfo {
        name: "netlink",
        summary: "NETLINK_ROUTE RTM_GETLINK dump: list network interfaces",
    },
    DemoInfo {
        name: "mmap",
        summary: "file-backed MAP_SHARED mapping shared by parent and child",
    },
    DemoInfo {
        name: "tcp-hello",
        summary: "TCP on 127.0.0.1: SO_REUSEADDR, ephemeral port via getsockname, hello/hi",
    },
    DemoInfo {
        name: "socketcall",
        summary: "bind via the 32-bit int 0x80 socketcall path, the 64-bit syscalls, and 32-bit glibc's own bind through the vDSO (a program repeating it without the i386 C library)",
    },
];

/// All demos, in teaching order.
pub fn list() -> &'static [DemoInfo] {
    &DEMOS
}

/// The function that runs the demo called `name`.
fn runner(name: &str) -> Option<fn() -> anyhow::Result<()>> {
    Some(match name {
        "uds-stream" => uds_stream::run,
        "uds-dgram" => uds_dgram::run,
        "uds-msg" => uds_msg::run,
        "uds-abstract" => uds_abstract::run,
        "uds-seqpacket" => uds_seqpacket::run,
        "uds-perms" => uds_perms::run,
        "uds-cred" => uds_cred::run,
        "socketpair" => socketpair::run,
        "pipe" => pipe::run,
        "pipe-atomic" => pipe_atomic::run,
        "nonblock" => nonblock::run,
        "sigpipe" => sigpipe::run,
        "fifo" => fifo::run,
        "fifo-nonblock" => fifo_nonblock::run,
        "msgqueue" => msgqueue::run,
        "semaphore" => semaphore::run,
        "shm" => shm::run,
        "signal" => signal::run,
        "netlink" => netlink::run,
        "mmap" => mmap::run,
        "tcp-hello" => tcp_hello::run,
        "socketcall" => socketcall::run,
        // Not a lesson: calls with lying lengths and faulting pointers, for the tests.
        "hostile" => hostile::run,
        _ => return None,
    })
}

/// Runs the demo called `name`.
pub fn run(name: &str) -> anyhow::Result<()> {
    let Some(run) = runner(name) else {
        let names: Vec<&str> = DEMOS.iter().map(|d| d.name).collect();
        anyhow::bail!(
            "unknown demo {name:?}; valid demos are: {}",
            names.join(", ")
        );
    };
    run().map_err(|e| e.context(format!("demo {name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_demo_runs_and_names_are_unique() {
        let infos = list();
        for info in infos {
            assert!(runner(info.name).is_some(), "{} has no runner", info.name);
            assert!(!info.summary.is_empty());
        }
        let mut names: Vec<&str> = infos.iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), infos.len());
        assert_eq!(infos[0].name, "uds-stream");
        assert_eq!(infos[infos.len() - 1].name, "socketcall");
    }

    #[test]
    fn unknown_demo_names_the_valid_ones() {
        let err = run("no-such-demo").expect_err("unknown demo must fail");
        let msg = err.to_string();
        assert!(msg.contains("no-such-demo"), "{msg}");
        assert!(
            msg.contains("uds-stream") && msg.contains("socketcall"),
            "{msg}"
        );
    }
}
