//! tracer against strace on the same run: `tracer record -e all -- strace -f -o FILE -- PROG`.
//! tracer sees every call strace's tracee makes (strace is tracer's command, the program is its
//! child), so for each of the program's threads the two must list the same syscalls, in the
//! same order, with the same return values: one run, nothing left to timing. Real kernel, real
//! eBPF, real strace (installed by `cargo xtask test`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{TRACER, require_root, syscalls};
use serde_json::Value;

/// One call as both tools end it: its name and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    name: String,
    end: End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum End {
    /// A value (fds, counts, addresses, pids).
    Value(i64),
    /// `-1 ENOENT`: the error's name.
    Error(String),
    /// Never returned (`exit_group`): strace's `= ?`.
    NoReturn,
}

/// The kernel's restart codes (include/linux/errno.h), which strace prints by name after `?`.
const RESTART: &[(&str, i64)] = &[
    ("ERESTARTSYS", -512),
    ("ERESTARTNOINTR", -513),
    ("ERESTARTNOHAND", -514),
    ("ERESTART_RESTARTBLOCK", -516),
];

/// strace's return value: `5`, `0x7f00..`, `022` (umask), `-1 ENOENT (...)`, `? ERESTARTSYS
/// (...)`, `?`, `0x8002 (flags O_RDWR|O_LARGEFILE)`.
fn strace_end(ret: &str) -> End {
    let mut words = ret.split_whitespace();
    let first = words.next().unwrap_or("?");
    let second = words.next();
    match (first, second) {
        ("?", Some(name)) => match RESTART.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => End::Value(*v),
            None => End::Error(name.to_string()),
        },
        ("?", None) => End::NoReturn,
        ("-1", Some(e)) if e.starts_with('E') => End::Error(e.to_string()),
        (v, _) => End::Value(if let Some(h) = v.strip_prefix("0x") {
            u64::from_str_radix(h, 16).map_or(i64::MIN, |u| u as i64)
        } else if v.len() > 1 && v.starts_with('0') {
            i64::from_str_radix(v, 8).unwrap_or(i64::MIN)
        } else {
            v.parse().unwrap_or(i64::MIN)
        }),
    }
}

/// strace -f's output, per thread, in order of entry. A call split by another thread's line
/// (`<unfinished ...>` then `<... NAME resumed>`) is one call, at its entry's place.
fn parse_strace(text: &str) -> BTreeMap<u64, Vec<Line>> {
    let mut out: BTreeMap<u64, Vec<Line>> = BTreeMap::new();
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    for l in text.lines() {
        let Some((tid, rest)) = l.split_once(' ') else {
            continue;
        };
        let Ok(tid) = tid.parse::<u64>() else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with("---") || rest.starts_with("+++") {
            continue;
        }
        let calls = out.entry(tid).or_default();
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let name = resumed.split_whitespace().next().unwrap_or("?");
            let i = open
                .remove(&tid)
                .unwrap_or_else(|| panic!("{l}: resumes nothing"));
            assert_eq!(calls[i].name, name, "{l}");
            calls[i].end = ret_of(resumed);
            continue;
        }
        let name = rest.split('(').next().unwrap_or("?").to_string();
        if rest.ends_with("<unfinished ...>") {
            open.insert(tid, calls.len());
            calls.push(Line {
                name,
                end: End::NoReturn,
            });
        } else {
            calls.push(Line {
                name,
                end: ret_of(rest),
            });
        }
    }
    out
}

/// The value after a line's last ` = ` (strace pads before it to a column).
fn ret_of(line: &str) -> End {
    match line.rfind(" = ") {
        Some(at) => strace_end(&line[at + 3..]),
        None => End::NoReturn,
    }
}

/// tracer's JSON Lines, per thread: not strace's own (its pid, and the helpers it forks at
/// start to probe ptrace, which never exec and whose calls strace does not print).
fn parse_tracer(
    records: &[Value],
    strace_pid: u64,
    shown: &BTreeMap<u64, Vec<Line>>,
) -> BTreeMap<u64, Vec<Line>> {
    let all = syscalls(records);
    let helper = |tid: &Value| {
        !shown.contains_key(&tid.as_u64().unwrap_or(0))
            && all
                .iter()
                .filter(|c| c["tid"] == *tid)
                .all(|c| c["comm"] == "strace")
    };
    let mut calls: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|c| c["pid"] != strace_pid && !helper(&c["tid"]))
        .collect();
    calls.sort_by_key(|c| (c["tid"].as_u64(), c["ts_ns"].as_u64()));
    let mut out: BTreeMap<u64, Vec<Line>> = BTreeMap::new();
    for c in calls {
        let end = match (&c["ret"], &c["errno"]) {
            (Value::Null, _) => End::NoReturn,
            (r, Value::String(e)) if RESTART.iter().all(|(_, v)| r.as_i64() != Some(*v)) => {
                End::Error(e.clone())
            }
            (r, _) => End::Value(r.as_i64().expect("an integer return")),
        };
        out.entry(c["tid"].as_u64().unwrap())
            .or_default()
            .push(Line {
                name: c["syscall"].as_str().unwrap().to_string(),
                end,
            });
    }
    out
}

/// Runs `prog` under strace under tracer and compares the two, thread by thread.
fn compare(tag: &str, prog: &[&str]) {
    require_root();
    assert!(
        Path::new("/usr/bin/strace").exists(),
        "strace is not installed (cargo xtask test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let strace_out = dir.path().join("strace.txt");
    let trace = dir.path().join("trace.jsonl");
    let out = Command::new(TRACER)
        .args(["record", "-e", "all", "--format", "jsonl", "-o"])
        .arg(&trace)
        .args(["--", "strace", "-f", "-qq", "-o"])
        .arg(&strace_out)
        .arg("--")
        .args(prog)
        .current_dir(dir.path())
        .output()
        .expect("running tracer");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{tag}: tracer or the program failed: {stderr}"
    );
    let records: Vec<Value> = common::jsonl(&std::fs::read_to_string(&trace).unwrap());
    let summary = records.iter().find(|r| r["type"] == "summary").unwrap();
    assert_eq!(summary["lost"], 0, "{tag}: events were lost");
    assert_eq!(summary["decode_errors"], 0, "{tag}");
    let strace_pid = records
        .iter()
        .find(|r| r["type"] == "exec")
        .and_then(|r| r["pid"].as_u64())
        .expect("strace's exec");
    let st = parse_strace(&std::fs::read_to_string(&strace_out).unwrap());
    let mut tr = parse_tracer(&records, strace_pid, &st);
    assert!(!st.is_empty(), "{tag}: strace printed nothing");
    let mut compared = 0;
    for (tid, want) in &st {
        let got = tr.remove(tid).unwrap_or_default();
        // strace shows its tracee from the execve it started it with; before that, the child
        // was strace's (its kill(SIGSTOP) to wait for the attach).
        let got = if compared == 0 {
            let at = got
                .iter()
                .position(|l| l.name == want[0].name)
                .unwrap_or_else(|| panic!("{tag}: thread {tid} has no {}", want[0].name));
            got[at..].to_vec()
        } else {
            got
        };
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            assert_eq!(
                w,
                g,
                "{tag}: thread {tid}, call {i}: strace and tracer differ\nstrace: {:?}\ntracer: {:?}",
                &want[i.saturating_sub(3)..(i + 3).min(want.len())],
                &got[i.saturating_sub(3)..(i + 3).min(got.len())]
            );
        }
        assert_eq!(
            want.len(),
            got.len(),
            "{tag}: thread {tid}: strace shows {} calls, tracer {}",
            want.len(),
            got.len()
        );
        compared += want.len();
    }
    assert!(
        tr.is_empty(),
        "{tag}: tracer saw threads strace did not: {:?}",
        tr.keys()
    );
    eprintln!("{tag}: {compared} calls in {} threads alike", st.len());
}

#[test]
fn a_shell_pipeline() {
    compare("pipeline", &["/bin/sh", "-c", "cat /etc/hostname | wc -c"]);
}

/// One Python program per IPC habit of the issue: each prints nothing and exits 0.
const PY: &str = r#"
import os, sys, socket, select
mode = sys.argv[1]
if mode == "epoll":
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = "s.sock"
    srv.bind(path); srv.listen(1); srv.setblocking(False)
    pid = os.fork()
    if pid == 0:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path); c.sendall(b"ping"); c.recv(4); c.close(); os._exit(0)
    ep = select.epoll()
    ep.register(srv.fileno(), select.EPOLLIN)
    conn = None
    while True:
        for fd, ev in ep.poll(5):
            if fd == srv.fileno():
                conn, _ = srv.accept(); conn.setblocking(False)
                ep.register(conn.fileno(), select.EPOLLIN)
            else:
                data = conn.recv(16)
                if data:
                    conn.send(b"pong")
                else:
                    ep.unregister(fd); conn.close(); os.waitpid(pid, 0); sys.exit(0)
elif mode == "eagain":
    r, w = os.pipe()
    os.set_blocking(r, False)
    try:
        os.read(r, 1)
    except BlockingIOError:
        pass
    os.write(w, b"x"); os.read(r, 1)
elif mode == "eventfd":
    fd = os.eventfd(0, os.EFD_NONBLOCK)
    os.eventfd_write(fd, 3); os.eventfd_read(fd)
    try:
        os.eventfd_read(fd)
    except BlockingIOError:
        pass
elif mode == "fifo":
    os.mkfifo("f")
    pid = os.fork()
    if pid == 0:
        w = os.open("f", os.O_WRONLY); os.write(w, b"hello"); os._exit(0)
    r = os.open("f", os.O_RDONLY)
    while os.read(r, 16):
        pass
    os.waitpid(pid, 0)
"#;

fn python(mode: &str) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("ipc.py");
    std::fs::write(&script, PY).unwrap();
    compare(
        mode,
        &["/usr/bin/python3", "-I", script.to_str().unwrap(), mode],
    );
}

#[test]
fn a_python_epoll_server_and_client() {
    python("epoll");
}

#[test]
fn a_nonblocking_read_fails_with_eagain() {
    python("eagain");
}

#[test]
fn an_eventfd() {
    python("eventfd");
}

#[test]
fn a_fifo_opened_by_reader_and_writer() {
    python("fifo");
}

/// A C program making the calls that shape a descriptor's life, with the arguments strace
/// names (flags, commands, clocks, whence...).
const DESCRIPTORS_C: &str = r#"#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
int main(void) {
    int fd = open("x", O_CREAT|O_WRONLY|O_TRUNC, 0644);
    unlink("f"); unlink("c"); unlink("b"); unlink("r");
    mknodat(AT_FDCWD, "f", S_IFIFO|0600, 0); mknod("r", S_IFREG|0600, 7);
    mknodat(AT_FDCWD, "c", S_IFCHR|0600, makedev(1, 3)); mknod("b", S_IFBLK|0600, makedev(259, 0x12345));
    unlink("f"); unlink("c"); unlink("b"); unlink("r");
    int fd2 = openat(AT_FDCWD, "x", O_RDONLY|O_NONBLOCK);
    dup(fd); dup2(fd, 10); dup3(fd, 11, O_CLOEXEC);
    fcntl(fd, F_GETFL); fcntl(fd, F_SETFL, O_NONBLOCK|O_APPEND); fcntl(fd, F_GETFD); fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_DUPFD_CLOEXEC, 20); fcntl(fd, F_DUPFD, 30);
    int p[2]; pipe2(p, O_NONBLOCK); fcntl(p[0], F_SETPIPE_SZ, 65536); fcntl(p[0], F_GETPIPE_SZ);
    int n; ioctl(p[0], FIONREAD, &n); int one = 1; ioctl(p[0], FIONBIO, &one);
    int efd = eventfd(3, EFD_CLOEXEC|EFD_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN|EPOLLET, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    struct epoll_event out[4]; epoll_wait(ep, out, 4, 0); epoll_pwait(ep, out, 4, 0, NULL);
    epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC|TFD_NONBLOCK);
    struct itimerspec its = {{0,0},{1,500}}; timerfd_settime(tfd, 0, &its, NULL);
    sigset_t ss; sigemptyset(&ss); sigaddset(&ss, SIGUSR1);
    sigprocmask(SIG_BLOCK, &ss, NULL); int sfd = signalfd(-1, &ss, SFD_CLOEXEC);
    sigprocmask(SIG_SETMASK, NULL, &ss);
    int in = inotify_init1(IN_NONBLOCK);
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {efd, POLLIN|POLLOUT, 0}}; poll(pf, 2, 0);
    write(p[1], "hi", 2); poll(pf, 2, 0);
    access("x", R_OK|W_OK); faccessat(AT_FDCWD, "x", F_OK, AT_EACCESS);
    lseek(fd, 0, SEEK_END);
    void *m = mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    mprotect(m, 4096, PROT_READ); madvise(m, 4096, MADV_DONTNEED); msync(m, 4096, MS_SYNC);
    m = mremap(m, 4096, 8192, MREMAP_MAYMOVE);
    struct rlimit rl; prlimit(0, RLIMIT_NOFILE, NULL, &rl);
    syscall(SYS_close_range, 40, ~0U, 0);
    int st; pid_t c = fork(); if (c == 0) _exit(3); wait4(c, &st, 0, NULL); waitpid(-1, &st, WNOHANG);
    int fd3 = creat("y", 0600); unlink("y");
    splice(p[0], NULL, fd, NULL, 2, SPLICE_F_NONBLOCK);
    kill(getpid(), 0);
    return 0;
}
"#;

/// The calls whose every argument and return tracer decodes as strace does (the structures in
/// user memory behind timerfd_settime are not in this list yet: issue 16).
const DECODED_AS_STRACE: &[&str] = &[
    "openat",
    "mknodat",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "pipe2",
    "eventfd2",
    "epoll_create1",
    "timerfd_create",
    "inotify_init1",
    "access",
    "faccessat2",
    "lseek",
    "mmap",
    "mprotect",
    "madvise",
    "msync",
    "mremap",
    "close_range",
    "creat",
    "unlink",
    "splice",
    "getpid",
    "kill",
    "write",
    "exit_group",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "rt_sigprocmask",
    "signalfd4",
    "poll",
    "prlimit64",
    "wait4",
];

/// `name(args) = ret` per thread, of the calls in `names`, from strace's lines (a call split
/// by another thread's line joined again) and from tracer's text lines (the call starts at
/// column 40: time, pid, comm).
fn texts(text: &str, names: &[&str], strace: bool) -> BTreeMap<u64, Vec<String>> {
    let mut out: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut started: BTreeMap<String, String> = BTreeMap::new();
    let mut joined = Vec::new();
    for l in text.lines() {
        if !strace {
            joined.push(l.to_string());
            continue;
        }
        let Some((tid, rest)) = l.split_once(' ') else {
            continue;
        };
        if let Some(head) = rest.strip_suffix("<unfinished ...>") {
            let head = head.trim_end();
            let sep = if head.ends_with(',') { " " } else { "" };
            started.insert(tid.to_string(), format!("{head}{sep}"));
        } else if let Some((_, tail)) = rest.split_once(" resumed>") {
            let head = started.remove(tid).unwrap_or_default();
            joined.push(format!("{tid} {head}{tail}"));
        } else {
            joined.push(l.to_string());
        }
    }
    for l in &joined {
        let (tid, call) = if strace {
            let Some((tid, rest)) = l.split_once(' ') else {
                continue;
            };
            (tid.trim(), rest.trim_start().to_string())
        } else {
            if l.len() < 40 || l.starts_with('#') {
                continue;
            }
            // Drop the duration.
            let call = l[40..].rsplit_once(" <").map_or(&l[40..], |(c, _)| c);
            // An ia32 call's ABI and entry (`[ia32 syscall] `), which strace does not print.
            let call = match call.strip_prefix("[ia32 ") {
                Some(rest) => rest.split_once("] ").map_or(rest, |(_, c)| c),
                None => call,
            };
            (l[16..23].trim(), call.to_string())
        };
        let Ok(tid) = tid.parse::<u64>() else {
            continue;
        };
        let name = call.split('(').next().unwrap_or_default();
        if !names.contains(&name) {
            continue;
        }
        // strace pads before ` = ` to a column.
        let call = match call.rfind(") ") {
            Some(at) => format!("{}) {}", &call[..at], call[at + 2..].trim_start()),
            None => call,
        };
        out.entry(tid).or_default().push(call);
    }
    out
}

/// Builds `source` with gcc (and its `flags`), records `strace -f` running it under tracer, and asserts that
/// every call named in `names` reads the same in both, thread by thread, after `same` (which
/// removes a deliberate difference, docs/trace-format.md) on both. Returns how many calls were
/// compared.
fn decoded_alike(
    source: &str,
    flags: &[&str],
    names: &[&str],
    same: &dyn Fn(&str) -> String,
) -> usize {
    compared(source, flags, names, same, &[], false)
}

/// [`decoded_alike`], with `both` given to tracer and to strace (`-yy`); with `native`, tracer
/// records natively and `tracer export --format text` (given `both` too) writes the text.
fn compared(
    source: &str,
    flags: &[&str],
    names: &[&str],
    same: &dyn Fn(&str) -> String,
    both: &[&str],
    native: bool,
) -> usize {
    compared_with(source, flags, names, same, (both, &[]), native)
}

/// [`compared`], with `record` given to `tracer record` and strace but not to `tracer export`
/// (the snap length, `-s`).
fn compared_with(
    source: &str,
    flags: &[&str],
    names: &[&str],
    same: &dyn Fn(&str) -> String,
    (both, record): (&[&str], &[&str]),
    native: bool,
) -> usize {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.c"), source).unwrap();
    let cc = Command::new("gcc")
        .args(flags)
        .args(["-O0", "-o", "d", "d.c"])
        .current_dir(dir.path())
        .status()
        .expect("gcc");
    assert!(cc.success());
    let (st, tr) = (dir.path().join("strace.txt"), dir.path().join("trace.txt"));
    let rec = dir.path().join("trace.tracer");
    let out = Command::new(TRACER)
        .args(["record", "-e", "all", "--format"])
        .arg(if native { "native" } else { "text" })
        .arg("-o")
        .arg(if native { &rec } else { &tr })
        .args(if native { &[][..] } else { both })
        .args(record)
        .args(["--", "strace", "-f", "-qq", "-o"])
        .arg(&st)
        .args(both)
        .args(record)
        .args(["--", "./d"])
        .current_dir(dir.path())
        .output()
        .expect("running tracer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if native {
        let out = Command::new(TRACER)
            .args(["export", "--format", "text", "-o"])
            .arg(&tr)
            .args(both)
            .arg(&rec)
            .output()
            .expect("running tracer export");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let want = texts(&std::fs::read_to_string(&st).unwrap(), names, true);
    let got = texts(&std::fs::read_to_string(&tr).unwrap(), names, false);
    let mut n = 0;
    for (tid, w) in &want {
        let g = got.get(tid).cloned().unwrap_or_default();
        // Before its exec the program's process was strace's child: compare from the exec on.
        let g = &g[g.len().saturating_sub(w.len())..];
        assert_eq!(w.len(), g.len(), "thread {tid}");
        for (a, b) in w.iter().zip(g) {
            assert_eq!(same(a), same(b), "thread {tid}: strace and tracer differ");
            n += 1;
        }
    }
    for name in names {
        assert!(
            want.values()
                .flatten()
                .any(|c| c.starts_with(&format!("{name}("))),
            "the program makes no {name}"
        );
    }
    eprintln!(
        "{n} calls decoded alike: {:?}",
        want.values()
            .flatten()
            .filter_map(|c| c.split('(').next())
            .collect::<std::collections::BTreeSet<_>>()
    );
    n
}

#[test]
fn descriptor_calls_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(DESCRIPTORS_C, &[], DECODED_AS_STRACE, &str::to_string);
    assert!(n > 30, "only {n} calls compared");
}

/// Addresses the kernel writes back into buffers longer and shorter than the address
/// (`[110 => 19]`, `[5 => 19]`): only what the kernel wrote is decoded.
const ADDRESSES_C: &str = r#"#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>
#include <string.h>
#include <stddef.h>
int main(void) {
    unlink("l.sock"); unlink("d.sock"); unlink("e.sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX}; strcpy(a.sun_path, "l.sock");
    bind(l, (struct sockaddr *)&a, sizeof a); listen(l, 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0); connect(c, (struct sockaddr *)&a, sizeof a);
    struct sockaddr_un b; memset(&b, 0x41, sizeof b); socklen_t bl = sizeof b;
    int s = accept(l, (struct sockaddr *)&b, &bl);
    bl = sizeof b; getsockname(s, (struct sockaddr *)&b, &bl);
    bl = 5; getsockname(s, (struct sockaddr *)&b, &bl);
    bl = sizeof b; getpeername(c, (struct sockaddr *)&b, &bl);
    struct sockaddr_in in; socklen_t il = sizeof in; getsockname(c, (struct sockaddr *)&in, &il);
    int d = socket(AF_UNIX, SOCK_DGRAM, 0); struct sockaddr_un da = {.sun_family = AF_UNIX}; strcpy(da.sun_path, "d.sock");
    bind(d, (struct sockaddr *)&da, sizeof da);
    int e = socket(AF_UNIX, SOCK_DGRAM, 0); struct sockaddr_un ea = {.sun_family = AF_UNIX}; strcpy(ea.sun_path, "e.sock");
    bind(e, (struct sockaddr *)&ea, offsetof(struct sockaddr_un, sun_path) + strlen(ea.sun_path) + 1);
    sendto(e, "x", 1, 0, (struct sockaddr *)&da, sizeof da);
    char buf[8]; bl = 6; recvfrom(d, buf, 8, 0, (struct sockaddr *)&b, &bl);
    int v; socklen_t vl = sizeof v; getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl);
    vl = 8; getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl);
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0); connect(c2, (struct sockaddr *)&a, sizeof a);
    accept4(l, NULL, NULL, SOCK_CLOEXEC);
    /* recvmsg's msg_name: longer and shorter than the address, none sent (an unbound
       sender), none asked for. */
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct iovec io = {buf, 8}; struct msghdr m = {&b, sizeof b, &io, 1, 0, 0, 0};
    sendto(e, "x", 1, 0, (struct sockaddr *)&da, sizeof da); recvmsg(d, &m, 0);
    sendto(u, "y", 1, 0, (struct sockaddr *)&da, sizeof da); m.msg_namelen = sizeof b; recvmsg(d, &m, 0);
    sendto(e, "z", 1, 0, (struct sockaddr *)&da, sizeof da); m.msg_namelen = 4; recvmsg(d, &m, 0);
    sendto(e, "w", 1, 0, (struct sockaddr *)&da, sizeof da); m.msg_name = 0; m.msg_namelen = 5; recvmsg(d, &m, 0);
    sendto(u, "v", 1, 0, (struct sockaddr *)&da, sizeof da); bl = sizeof b; recvfrom(d, buf, 8, 0, (struct sockaddr *)&b, &bl);
    /* Flags in strace's order. */
    int pf[2]; pipe2(pf, O_NONBLOCK | O_CLOEXEC);
    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC | 0x1);
    return 0;
}
"#;

#[test]
fn addresses_written_back_are_decoded_as_strace_decodes_them() {
    let names = [
        "socket",
        "bind",
        "listen",
        "connect",
        "accept",
        "accept4",
        "getsockname",
        "getpeername",
        "sendto",
        "recvfrom",
        "recvmsg",
        "pipe2",
    ];
    let n = decoded_alike(ADDRESSES_C, &[], &names, &str::to_string);
    assert!(n >= 30, "only {n} calls compared");
}

/// System V IPC calls with each family's commands and each call's flags (the structures of
/// IPC_STAT and IPC_INFO are not decoded yet: issue 16).
const SYSV_C: &str = r#"#define _GNU_SOURCE
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <stddef.h>
union semun { int val; struct semid_ds *buf; unsigned short *array; };
int main(void) {
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    msgget(0x1234, 0);
    struct msqid_ds mds;
    msgctl(0, MSG_STAT, &mds); msgctl(-1, MSG_STAT_ANY, 0); msgctl(-1, 99, 0);
    struct { long t; char x[8]; } m = {1, "hi"};
    msgsnd(q, &m, 2, IPC_NOWAIT);
    msgrcv(q, &m, 8, 0, IPC_NOWAIT | MSG_NOERROR);
    msgrcv(q, &m, 8, 1, IPC_NOWAIT | MSG_EXCEPT);
    msgrcv(-1, &m, 8, 0, IPC_NOWAIT | MSG_NOERROR | MSG_EXCEPT | MSG_COPY | 0x100000);
    msgctl(q, IPC_RMID, NULL);
    int s = semget(IPC_PRIVATE, 2, IPC_CREAT | IPC_EXCL | 0600);
    union semun u; unsigned short arr[2] = {1, 2};
    u.array = arr; semctl(s, 0, SETALL, u);
    semctl(s, 0, GETVAL); semctl(s, 0, GETPID); semctl(s, 0, GETALL, u);
    semctl(s, 0, GETNCNT); semctl(s, 0, GETZCNT);
    struct semid_ds sds; u.buf = &sds; semctl(0, 0, SEM_STAT, u); semctl(-1, 0, SEM_STAT_ANY, u);
    struct sembuf op = {0, -1, IPC_NOWAIT | SEM_UNDO}; semop(s, &op, 1);
    semctl(s, 0, IPC_RMID);
    int h = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    shmget(IPC_PRIVATE, 4096, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | SHM_NORESERVE | (21 << 26) | 0640);
    void *p = shmat(h, NULL, SHM_RDONLY);
    shmdt(p);
    shmat(-1, (void *)0x1000, SHM_RDONLY | SHM_RND | SHM_REMAP | SHM_EXEC);
    struct shmid_ds shds; shmctl(0, SHM_STAT, &shds); shmctl(-1, SHM_STAT_ANY, 0);
    shmctl(h, SHM_LOCK, NULL); shmctl(h, SHM_UNLOCK, NULL); shmctl(-1, 99, 0);
    shmctl(h, IPC_RMID, NULL);
    return 0;
}
"#;

#[test]
fn sysv_commands_and_flags_are_decoded_as_strace_decodes_them() {
    let names = [
        "msgget",
        "msgctl",
        "msgsnd",
        "msgrcv",
        "semget",
        "semctl",
        "semtimedop",
        "shmget",
        "shmat",
        "shmdt",
        "shmctl",
    ];
    // strace shows msgrcv's text as long as the buffer (`msgsz`), tracer as long as the
    // message the call returned.
    let text = |c: &str| match (c.starts_with("msgrcv("), c.split_once("mtext=")) {
        (true, Some((head, tail))) => {
            format!("{head}{}", tail.split_once('}').map_or("", |(_, t)| t))
        }
        _ => c.to_string(),
    };
    let n = decoded_alike(SYSV_C, &[], &names, &text);
    assert!(n >= 30, "only {n} calls compared");
    // The same through ia32's ipc() (shmat's address returned through memory).
    let n = decoded_alike(SYSV_C, &["-m32"], &names, &text);
    assert!(n >= 30, "ia32: only {n} calls compared");
}

/// The structures of the SysV `*ctl` calls: each `*_STAT` and `*_INFO` the kernel writes, each
/// `IPC_SET` it reads (a queue's `msg_qbytes` too), a key, a mode with `SHM_DEST` and
/// `SHM_LOCKED`, an owner of -1, a failed call's pointer.
const SYSV_STRUCTS_C: &str = r"#define _GNU_SOURCE
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };
int main(void) {
    int q = msgget(0x7fffffff, IPC_CREAT | 0640);
    struct msqid_ds mq; msgctl(q, IPC_STAT, &mq); msgctl(q, MSG_STAT, &mq);
    msgctl(0x7fffffff, MSG_STAT_ANY, &mq);
    struct msginfo mi; msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
    msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
    mq.msg_qbytes = 1000; msgctl(q, IPC_SET, &mq);
    msgctl(q, IPC_RMID, 0);
    int s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    union semun a;
    struct seminfo si; a.__buf = &si; semctl(0, 0, IPC_INFO, a); semctl(0, 0, SEM_INFO, a);
    struct semid_ds sd; a.buf = &sd; semctl(s, 0, IPC_STAT, a); semctl(s, 0, IPC_SET, a);
    semctl(0x7fffffff, 0, SEM_STAT, a);
    a.val = 7; semctl(s, 1, SETVAL, a);
    semctl(s, 0, IPC_RMID);
    int h = shmget(0x1234abcd, 4096, IPC_CREAT | 0640);
    void *p = shmat(h, 0, 0);
    struct shmid_ds ds; shmctl(h, IPC_STAT, &ds);
    struct shminfo shi; shmctl(0, IPC_INFO, (struct shmid_ds *)&shi);
    struct shm_info sh2; shmctl(0, SHM_INFO, (struct shmid_ds *)&sh2);
    shmctl(h, SHM_LOCK, 0); shmctl(h, IPC_RMID, 0); shmctl(h, IPC_STAT, &ds);
    ds.shm_perm.uid = -1; shmctl(h, IPC_SET, &ds);
    shmdt(p);
    shmctl(h, IPC_STAT, &ds);
    return 0;
}
";

/// The SysV `*ctl` structures, from an x86_64 program and from the same one built for i386
/// (glibc 2.36 there calls `ipc()` with `IPC_64`; its `ipc(SEMCTL)` passes the address of the
/// `union semun`, which holds the buffer's).
#[test]
fn sysv_structures_are_decoded_as_strace_decodes_them() {
    let names = ["msgctl", "semctl", "shmctl"];
    for flags in [&[][..], &["-m32"][..]] {
        let n = decoded_alike(SYSV_STRUCTS_C, flags, &names, &str::to_string);
        assert!(n >= 22, "{flags:?}: only {n} calls compared");
    }
}

/// Errors with the C library's descriptions, and the restart codes a signal turns into a
/// restart or `EINTR`: `pause` (`ERESTARTNOHAND`), `clock_nanosleep`
/// (`ERESTART_RESTARTBLOCK`), a `read` of an empty pipe (`ERESTARTSYS`), each interrupted by a
/// timer's signal with a handler.
const ERRORS_C: &str = r"#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <time.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>
static void h(int s) { (void)s; }
static void soon(void) {
    struct itimerval t; memset(&t, 0, sizeof t); t.it_value.tv_usec = 50000;
    setitimer(ITIMER_REAL, &t, 0);
}
int main(void) {
    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = h; sigaction(SIGALRM, &sa, 0);
    int p[2]; pipe2(p, O_NONBLOCK); char c;
    read(p[0], &c, 1);
    close(99); close(-1);
    soon(); pause();
    soon(); struct timespec t = {5, 0}; nanosleep(&t, 0);
    fcntl(p[0], F_SETFL, 0);
    soon(); read(p[0], &c, 1);
    return 0;
}
";

#[test]
fn errors_and_restarts_read_as_strace_writes_them() {
    let names = ["read", "close", "pause", "clock_nanosleep"];
    let n = decoded_alike(ERRORS_C, &[], &names, &str::to_string);
    assert!(n >= 6, "only {n} calls compared");
}

/// Every address family, socket type, `MSG_*` bit, socket level and `SOL_SOCKET`, `SOL_IP`,
/// `SOL_TCP`, `SOL_IPV6` and `SOL_NETLINK` option number, named and not, through calls that
/// fail (a descriptor of -1) or make a socket.
const SOCKET_NAMES_C: &str = r"#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    /* Not the families whose protocol strace names by a table of the family's
       (docs/trace-format.md): AX25, IRDA, CAN, BLUETOOTH, RXRPC, ISDN, PHONET, CAIF, NFC,
       KCM, SMC. */
    int odd[] = {3, 23, 29, 31, 33, 34, 35, 37, 39, 41, 43};
    for (int i = 0; i < 48; i++) {
        int skip = 0;
        for (int j = 0; j < 11; j++) skip |= odd[j] == i;
        if (!skip) close(syscall(SYS_socket, i, 1, 0));
    }
    close(syscall(SYS_socket, 17, 3, 0x300)); close(syscall(SYS_socket, 17, 3, 0x1234));
    for (int i = 0; i < 12; i++) close(syscall(SYS_socket, 1, i, 0));
    for (int i = 0; i < 32; i++) syscall(SYS_sendto, -1, 0, 0, 1u << i, 0, 0);
    syscall(SYS_sendto, -1, 0, 0, 0x100041, 0, 0);
    int levels[] = {0, 1, 6, 17, 41, 270};
    for (int l = 0; l < 6; l++)
        for (int i = 0; i < 90; i++) syscall(SYS_setsockopt, -1, levels[l], i, 0, 0);
    /* The levels strace has no table of options for, and unknown ones. */
    for (int l = 2; l < 40; l++) if (l != 6 && l != 17) syscall(SYS_setsockopt, -1, l, 1, 0, 0);
    int plain[] = {58, 136, 258, 259, 260, 261, 262, 264, 265, 267, 284, 285, 999};
    for (int l = 0; l < 13; l++) syscall(SYS_setsockopt, -1, plain[l], 1, 0, 0);
    return 0;
}
";

#[test]
fn socket_constants_are_named_as_strace_names_them() {
    let n = decoded_alike(
        SOCKET_NAMES_C,
        &[],
        &["socket", "sendto", "setsockopt"],
        &str::to_string,
    );
    assert!(n >= 650, "only {n} calls compared");
}

/// Socket options' values: `int` options with 4, 8 and 1 bytes, a NULL one, `SO_LINGER`,
/// `SO_PEERCRED` whole and cut to 4 bytes, `SO_ERROR`, a length changed by the kernel
/// (`[8 => 4]`), options strace shows as bytes (a timeout, a device name, `TCP_INFO` cut at
/// `-s`), failed calls.
const SOCKOPT_C: &str = r#"#define _GNU_SOURCE
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
#include <string.h>
#include <poll.h>
int main(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0), v = 0; socklen_t l = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l); l = 4;
  getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l); l = 4;
  struct sockaddr_in a = {AF_INET, htons(1), {htonl(0x7f000001)}}; connect(s, (void*)&a, sizeof a);
  getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l); l = 4;
  getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l); l = 4;
  getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &l); l = 4;
  getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l); l = 4;
  long long big = 0; socklen_t bl = 8; getsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, &bl);
  char c = 1; setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &c, 1);
  int one = 1; setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, 4);
  setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, 8);
  setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, 0, 4);
  int u[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, u);
  struct ucred cr; socklen_t cl = sizeof cr; getsockopt(u[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl);
  cl = 4; getsockopt(u[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl);
  struct linger lg = {1, 5}; setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg); cl = sizeof lg; getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &cl);
  getsockopt(u[0], SOL_SOCKET, SO_PEERNAME, &cr, &cl);
  
  int s2 = socket(AF_INET, SOCK_STREAM, 0);
  char b2[256]; l = sizeof b2; getsockopt(s2, SOL_TCP, TCP_INFO, b2, &l);
  l = 2; getsockopt(s2, SOL_TCP, TCP_NODELAY, b2, &l);
  int one2[2] = {1, 2}; setsockopt(s2, SOL_TCP, TCP_NODELAY, one2, 8);
  setsockopt(s2, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3);
  l = 16; getsockopt(s2, SOL_TCP, TCP_CONGESTION, b2, &l);
  setsockopt(s2, SOL_IP, IP_TOS, one2, 2);
  l = 4; getsockopt(-1, SOL_SOCKET, SO_TYPE, b2, &l);
  getsockopt(s2, SOL_SOCKET, SO_TYPE, b2, 0);
  /* A refused connection's pending error. */
  int s3 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); connect(s3, (void*)&a, sizeof a);
  struct pollfd p = {s3, POLLOUT, 0}; poll(&p, 1, 1000);
  l = 4; getsockopt(s3, SOL_SOCKET, SO_ERROR, &v, &l);
  return 0;
}
"#;

#[test]
fn socket_options_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(
        SOCKOPT_C,
        &[],
        &["getsockopt", "setsockopt"],
        &str::to_string,
    );
    assert!(n >= 22, "only {n} calls compared");
}

/// Signals by number around the real-time ones (31..36, 63, 64), alone and in sets, and
/// `rt_sigaction`'s old and new actions with every flag, a mask and the restorer.
const SIGNALS_C: &str = r"#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <string.h>
static void h(int s, siginfo_t *i, void *c) { (void)s; (void)i; (void)c; }
int main(void){
  unsigned long m;
  int sigs[] = {31, 32, 33, 34, 35, 36, 63, 64};
  for (int i = 0; i < 8; i++) { m = 1UL << (sigs[i]-1); syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, 0, 8); syscall(SYS_kill, 99999999, sigs[i]); }
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK | SA_NODEFER | SA_RESETHAND | SA_NOCLDSTOP | SA_NOCLDWAIT;
  sigaddset(&sa.sa_mask, SIGUSR1); sigaddset(&sa.sa_mask, 36);
  struct sigaction old; sigaction(SIGUSR2, &sa, &old); sigaction(SIGUSR2, 0, &old);
  sa.sa_flags = 0; sa.sa_handler = SIG_IGN; sigaction(SIGTERM, &sa, 0);
  return 0;
}
";

/// A queued real-time signal's `siginfo_t` as sent and as received, and a `kill`'s.
const QUEUED_C: &str = r"#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <time.h>
int main(void) {
    sigset_t s; sigemptyset(&s); sigaddset(&s, SIGRTMIN + 2); sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, 0);
    union sigval v = {.sival_int = 77}; sigqueue(getpid(), SIGRTMIN + 2, v);
    siginfo_t i; sigwaitinfo(&s, &i);
    kill(getpid(), SIGUSR1);
    struct timespec t = {1, 0}; sigtimedwait(&s, &i, &t);
    return 0;
}
";

#[test]
fn signals_and_actions_are_decoded_as_strace_decodes_them() {
    let names = ["rt_sigprocmask", "kill", "rt_sigaction"];
    for flags in [&[][..], &["-m32"][..]] {
        let n = decoded_alike(SIGNALS_C, flags, &names, &str::to_string);
        assert!(n >= 19, "{flags:?}: only {n} calls compared");
        let queued = ["rt_sigqueueinfo", "rt_sigtimedwait", "kill"];
        let n = decoded_alike(QUEUED_C, flags, &queued, &str::to_string);
        assert!(n >= 4, "{flags:?}: only {n} queued calls compared");
    }
}

/// An IPv6 and a netlink address in and out, `fcntl`'s results as strace names them
/// (`F_GETFL` of a read-only descriptor, 0; `F_GET_SEALS`).
const ADDRESSES6_C: &str = r#"#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
int main(void) {
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a; memset(&a, 0, sizeof a); a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback; a.sin6_flowinfo = htonl(5);
    bind(s, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a; getsockname(s, (struct sockaddr *)&a, &l);
    int n = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl nl; memset(&nl, 0, sizeof nl); nl.nl_family = AF_NETLINK; nl.nl_groups = 0x11;
    bind(n, (struct sockaddr *)&nl, sizeof nl);
    l = sizeof nl; getsockname(n, (struct sockaddr *)&nl, &l);
    int r = open("/dev/null", O_RDONLY); fcntl(r, F_GETFL); fcntl(r, F_GETFD);
    int m = memfd_create("m", MFD_ALLOW_SEALING); fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
    fcntl(m, F_GET_SEALS);
    return 0;
}
"#;

#[test]
fn inet6_netlink_and_fcntl_results_are_decoded_as_strace_decodes_them() {
    let names = ["bind", "getsockname", "fcntl"];
    let n = decoded_alike(ADDRESSES6_C, &[], &names, &str::to_string);
    assert!(n >= 8, "only {n} calls compared");
}

/// `pwrite64` and `pread64` with their bytes and position (over two registers on ia32); the
/// dynamic loader's own `pread64`s come first.
const PREAD_C: &str = r#"#define _GNU_SOURCE
#include <unistd.h>
#include <fcntl.h>
int main(void) {
    int f = open("p.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    pwrite(f, "hello world", 11, 3);
    char b[64]; pread(f, b, 64, 0); pread(f, b, 4, 100); pread(-1, b, 4, 1);
    return 0;
}
"#;

#[test]
fn positioned_reads_and_writes_are_decoded_as_strace_decodes_them() {
    for flags in [&[][..], &["-m32"][..]] {
        let n = decoded_alike(PREAD_C, flags, &["pread64", "pwrite64"], &str::to_string);
        assert!(n >= 4, "{flags:?}: only {n} calls compared");
    }
}

/// `poll` and `ppoll` over a pipe's two ends and an ignored `-1`, and `select` (glibc's
/// `pselect6`) over them and descriptor 0: with `-yy` each descriptor passed in says what it is.
const POLL_C: &str = r#"#define _GNU_SOURCE
#include <sys/select.h>
#include <poll.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
int main(void){ int p[2]; pipe(p); write(p[1], "x", 1);
  struct pollfd f[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}}; poll(f, 3, 100);
  struct timespec t = {0, 1000}; ppoll(f, 3, &t, 0);
  fd_set r, w; FD_ZERO(&r); FD_ZERO(&w); FD_SET(p[0], &r); FD_SET(p[1], &w); FD_SET(0, &r);
  struct timeval tv = {0, 1000}; select(p[1] + 1, &r, &w, 0, &tv); return 0; }
"#;

#[test]
fn poll_arrays_are_decoded_as_strace_decodes_them() {
    for both in [&[][..], &["-yy"][..]] {
        let n = compared(
            POLL_C,
            &[],
            &["poll", "ppoll"],
            &str::to_string,
            both,
            false,
        );
        assert!(n >= 2, "{both:?}: only {n} calls compared");
    }
}

/// A C program passing the structures of issue 15's typed decoders with known values: iovecs
/// (their bytes passed in, or as many as the call returned), time structures in and out,
/// fd_sets in and ready, timeouts written back. It makes the calls itself where glibc would
/// take another (nanosleep, select) or none (clock_gettime's vDSO). Payloads hold no NUL:
/// tracer escapes it as `\x00` where strace writes `\0` (docs/trace-format.md).
const STRUCTURES_C: &str = r#"#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sem.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <mqueue.h>
#ifdef SYS__newselect
#define SELECT SYS__newselect
#else
#define SELECT SYS_select
#endif
int main(void) {
    int p[2]; pipe(p);
    struct iovec w[3] = {{"hello ", 6}, {"world", 5}, {"!", 1}};
    writev(p[1], w, 3);
    char a[4], b[16], c[8];
    struct iovec r[3] = {{a, 4}, {b, 16}, {c, 8}};
    readv(p[0], r, 3);
    int fd = open("f", O_CREAT|O_RDWR|O_TRUNC, 0600);
    pwritev(fd, w, 2, 0);
    preadv(fd, r, 3, 1);
    pwritev2(fd, w, 1, 11, 0);
    preadv2(fd, r, 2, 0, 0);
    struct timespec ts = {0, 1000}, rem;
    syscall(SYS_nanosleep, &ts, &rem);
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    struct timespec now;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &now);
    struct timeval tv;
    syscall(SYS_gettimeofday, &tv, NULL);
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{1, 2}, {3, 4}}, old;
    timerfd_settime(tfd, 0, &its, &old);
    timerfd_settime(tfd, 0, &its, NULL);
    timerfd_gettime(tfd, &old);
    timer_t t; timer_create(CLOCK_MONOTONIC, NULL, &t);
    timer_settime(t, 0, &its, &old); timer_gettime(t, &old);
    write(p[1], "x", 1);
    fd_set rs, ws; FD_ZERO(&rs); FD_ZERO(&ws);
    FD_SET(p[0], &rs); FD_SET(p[1], &rs); FD_SET(p[1], &ws);
    struct timeval to = {1, 0};
    syscall(SELECT, p[1] + 1, &rs, &ws, NULL, &to);
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    struct timespec t2 = {1, 5};
    syscall(SYS_pselect6, p[1] + 1, &rs, NULL, NULL, &t2, NULL);
    read(p[0], a, 1);
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    struct timeval zero = {0, 0};
    syscall(SELECT, p[1] + 1, &rs, NULL, NULL, &zero);
    write(p[1], "y", 1);
    struct pollfd pf = {p[0], POLLIN, 0};
    ppoll(&pf, 1, &t2, NULL);
    int ep = epoll_create1(0); struct epoll_event ev[2]; struct timespec z = {0, 0};
    syscall(SYS_epoll_pwait2, ep, ev, 2, &z, NULL, 8);
    struct timespec tt[2] = {{1, 2}, {3, UTIME_OMIT}};
    utimensat(AT_FDCWD, "f", tt, 0);
    int sem = semget(IPC_PRIVATE, 1, 0600);
    struct sembuf op = {0, 1, 0};
    semtimedop(sem, &op, 1, &ts);
    semctl(sem, 0, IPC_RMID);
    struct mq_attr at = {.mq_maxmsg = 4, .mq_msgsize = 16};
    mqd_t q = mq_open("/tracer-structures", O_CREAT|O_RDWR, 0600, &at);
    struct timespec abs = {2000000000, 5};
    mq_timedsend(q, "m", 1, 0, &abs);
    struct mq_attr oat; mq_getattr(q, &oat);
    mq_unlink("/tracer-structures");
    stack_t ost; sigaltstack(NULL, &ost);
    sigset_t ss; sigemptyset(&ss); sigaddset(&ss, SIGUSR1); sigprocmask(SIG_BLOCK, &ss, NULL);
    kill(getpid(), SIGUSR1);
    siginfo_t si; sigtimedwait(&ss, &si, &ts);
    return 0;
}
"#;

/// The calls of STRUCTURES_C whose every argument and return tracer decodes as strace does.
const STRUCTURES_AS_STRACE: &[&str] = &[
    "writev",
    "readv",
    "pwritev",
    "preadv",
    "pwritev2",
    "preadv2",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "timerfd_settime",
    "timerfd_gettime",
    "timer_settime",
    "timer_gettime",
    "select",
    "pselect6",
    "ppoll",
    "epoll_pwait2",
    "utimensat",
    "semtimedop",
    "mq_timedsend",
    "mq_open",
    "mq_getsetattr",
    "sigaltstack",
    "rt_sigtimedwait",
];

#[test]
fn structures_in_user_memory_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(STRUCTURES_C, &[], STRUCTURES_AS_STRACE, &str::to_string);
    assert!(n >= STRUCTURES_AS_STRACE.len(), "only {n} calls compared");
}

/// The same program as a 32-bit one (Debian 12's i386 glibc): ia32's iovecs of 32-bit words,
/// positions over two registers, the `*_time32` calls' 4-byte fields and the `*_time64` ones'
/// 8-byte fields, `_newselect`, `semtimedop` through `ipc`.
#[test]
fn ia32_structures_are_decoded_as_strace_decodes_them() {
    // Debian 12's 32-bit glibc reads timers with the `*_time64` calls (and sets a timerfd's
    // with the 32-bit one); the program's `SYS__newselect` is ia32's `_newselect`.
    let names: Vec<&str> = STRUCTURES_AS_STRACE
        .iter()
        .map(|n| match *n {
            "select" => "_newselect",
            "timerfd_gettime" => "timerfd_gettime64",
            "timer_settime" => "timer_settime64",
            "timer_gettime" => "timer_gettime64",
            n => n,
        })
        .collect();
    let n = decoded_alike(STRUCTURES_C, &["-m32"], &names, &str::to_string);
    assert!(n >= names.len(), "only {n} calls compared");
}

/// A thread made by glibc's pthread_create (clone3, with the id it wrote back), a POSIX
/// queue's notifications (struct sigevent), a child waited for with waitid (its siginfo_t),
/// bytes given to a pipe by vmsplice (an iovec).
const CLONE3_C: &str = r#"#define _GNU_SOURCE
#include <pthread.h>
#include <mqueue.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/wait.h>
static void *f(void *a) { return a; }
int main(void) {
    pthread_t t; pthread_create(&t, NULL, f, NULL); pthread_join(t, NULL);
    mqd_t q = mq_open("/c3q", O_CREAT | O_RDWR, 0600, NULL);
    struct sigevent ev; memset(&ev, 0, sizeof ev); ev.sigev_notify = SIGEV_SIGNAL; ev.sigev_signo = SIGUSR1; ev.sigev_value.sival_int = 7;
    mq_notify(q, &ev); mq_notify(q, NULL);
    ev.sigev_notify = SIGEV_NONE; mq_notify(q, &ev); mq_notify(q, NULL);
    mq_unlink("/c3q");
    pid_t c = fork(); if (c == 0) _exit(3);
    siginfo_t si; waitid(P_PID, c, &si, WEXITED);
    int p[2]; pipe(p); struct iovec iov = {"hi", 2}; vmsplice(p[1], &iov, 1, 0);
    return 0;
}
"#;

#[test]
fn clone3_sigevent_waitid_and_vmsplice_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(
        CLONE3_C,
        &["-pthread"],
        &["clone3", "mq_notify", "waitid", "vmsplice"],
        &str::to_string,
    );
    assert!(n >= 7, "only {n} calls compared");
}

/// execve as strace shows it: path, argv, the environment's pointer and size (`0x7ffd...
/// /* 20 vars */`) and return.
fn execve_argv_part(call: &str) -> String {
    call.to_string()
}

#[test]
fn execve_argv_is_shown_as_strace_shows_it() {
    require_root();
    assert!(
        Path::new("/usr/bin/strace").exists(),
        "strace is not installed (cargo xtask test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (st, tr) = (dir.path().join("strace.txt"), dir.path().join("trace.txt"));
    let out = Command::new(TRACER)
        .args(["record", "-e", "execve", "--format", "text", "-o"])
        .arg(&tr)
        // strace cuts each string at -s (32 by default); tracer shows them whole, up to its
        // bound.
        .args([
            "--",
            "strace",
            "-f",
            "-qq",
            "-s",
            "1024",
            "-e",
            "trace=execve",
            "-o",
        ])
        .arg(&st)
        .args([
            "--",
            "sh",
            "-c",
            "/nonexistent-x 2>/dev/null; cat /etc/hostname | wc -c",
        ])
        .output()
        .expect("running tracer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = texts(&std::fs::read_to_string(&st).unwrap(), &["execve"], true);
    let got = texts(&std::fs::read_to_string(&tr).unwrap(), &["execve"], false);
    let mut n = 0;
    for (tid, w) in &want {
        let g = got.get(tid).cloned().unwrap_or_default();
        let g = &g[g.len().saturating_sub(w.len())..];
        assert_eq!(w.len(), g.len(), "thread {tid}: {w:?} {g:?}");
        for (a, b) in w.iter().zip(g) {
            if !a.ends_with(" = 0") {
                // A failed exec: strace reads the caller's array, tracer the new program's
                // arguments, which a failed exec has not; tracer shows the pointer.
                assert!(b.contains(", 0x") && !b.contains(", ["), "{b}");
                continue;
            }
            assert_eq!(
                execve_argv_part(a),
                execve_argv_part(b),
                "thread {tid}: strace and tracer differ\n{a}\n{b}"
            );
            n += 1;
        }
    }
    // sh, cat, wc.
    assert!(n >= 3, "only {n} execve compared: {want:?}");
}

/// A program that makes one descriptor of every kind tracer's descriptor model knows (files
/// by absolute and relative paths and through a dirfd, a device, a pipe, socket pairs, a
/// listening, a connecting and an accepted UNIX socket, an abstract name, eventfd, epoll,
/// signalfd, timerfd, inotify, memfd, a POSIX queue, a pidfd, dup/dup2/F_DUPFD_CLOEXEC copies,
/// netlink, TCP and UDP sockets, a FIFO), each used after it is made.
const FDS_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <mqueue.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
int main(void) {
    char b[8];
    mkdir("sub", 0700);
    int f = open("/etc/hostname", O_RDONLY); read(f, b, 1);
    int r = open("sub/../d.c", O_RDONLY); read(r, b, 1);
    int d = openat(AT_FDCWD, "sub", O_RDONLY | O_DIRECTORY);
    int r2 = openat(d, "../d.c", O_RDONLY); read(r2, b, 1);
    int nul = open("/dev/null", O_WRONLY); write(nul, "x", 1);
    int p[2]; pipe(p); write(p[1], "x", 1); read(p[0], b, 1);
    int sp[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sp); write(sp[0], "x", 1); read(sp[1], b, 1);
    int dg[2]; socketpair(AF_UNIX, SOCK_SEQPACKET, 0, dg); write(dg[0], "x", 1);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "s.sock");
    bind(l, (void *)&a, sizeof a); listen(l, 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0); connect(c, (void *)&a, sizeof a); write(c, "x", 1);
    int s = accept(l, 0, 0); read(s, b, 1); write(c, "y", 1);
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un aa = {.sun_family = AF_UNIX};
    memcpy(aa.sun_path, "\0tracer-yy", 10);
    bind(ab, (void *)&aa, 2 + 10); getsockname(ab, 0, 0);
    int e = eventfd(0, 0); write(e, "\1\0\0\0\0\0\0\0", 8);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
    sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR1);
    int sf = signalfd(-1, &m, 0); close(sf);
    int tf = timerfd_create(CLOCK_MONOTONIC, 0); close(tf);
    int in = inotify_init1(0); close(in);
    int mf = memfd_create("yymem", 0); write(mf, "x", 1);
    mqd_t q = mq_open("/tracer-yy", O_CREAT | O_RDWR, 0600, 0); mq_unlink("/tracer-yy"); close(q);
    int pf = syscall(SYS_pidfd_open, getpid(), 0); close(pf);
    int du = dup(s); int du2 = dup2(s, 20); int du3 = fcntl(s, F_DUPFD_CLOEXEC, 30);
    close(du); close(du2); close(du3);
    int nl = socket(AF_NETLINK, SOCK_RAW, 0); close(nl);
    int t = socket(AF_INET, SOCK_STREAM, 0); close(t);
    int u = socket(AF_INET6, SOCK_DGRAM, 0); close(u);
    mkfifo("fifo", 0600); int ff = open("fifo", O_RDWR); write(ff, "x", 1); close(ff);
    unlink("fifo");
    fchdir(d); int r3 = open("../d.c", O_RDONLY); close(r3);
    chdir("/"); int r4 = openat(AT_FDCWD, "etc/hostname", O_RDONLY); close(r4);
    read(0, b, 1);
    write(1, "x\n", 2);
    return 0;
}
"#;

/// `-yy` as strace 6.1 prints it: every descriptor a call names or returns says what it is,
/// from tracer's descriptor model (fds.rs), call by call the same as strace's reading of /proc
/// and sock_diag. Deliberate differences (docs/trace-format.md, "Descriptors"): a path is the
/// one the program named, made absolute, where strace shows the kernel's after symbolic links
/// (the C library's `/lib/...` is `/usr/lib/...` on merged-/usr systems).
#[test]
fn every_descriptor_says_what_it_is() {
    let names = [
        "openat",
        "read",
        "write",
        "close",
        "pipe2",
        "socketpair",
        "socket",
        "bind",
        "listen",
        "connect",
        "accept",
        "getsockname",
        "eventfd2",
        "epoll_create1",
        "epoll_ctl",
        "signalfd4",
        "timerfd_create",
        "inotify_init1",
        "memfd_create",
        "mq_open",
        "mq_unlink",
        "pidfd_open",
        "dup",
        "dup2",
        "fcntl",
        "fchdir",
        "chdir",
    ];
    let same = |c: &str| c.replace("</usr/lib/", "</lib/");
    let n = compared(FDS_PROGRAM, &[], &names, &same, &["-yy"], false);
    assert!(n >= 70, "only {n} calls compared");
    // The same from a native recording through `tracer export`: what the command started with (its
    // working directory, its standard output) comes in the recording's start frame.
    let n = compared(FDS_PROGRAM, &[], &names, &same, &["-yy"], true);
    assert!(n >= 70, "only {n} calls compared");
    let n = compared(FDS_PROGRAM, &[], &names, &same, &["-y"], true);
    assert!(n >= 70, "only {n} calls compared");
}

/// Internet and netlink sockets, and a connected UNIX datagram socket: `-yy` names each as
/// strace's sock_diag reading does, from what the kernel side read of the socket as `socket`,
/// `bind`, `listen`, `connect`, `accept` and `sendto` returned.
const NET_PROGRAM: &str = r#"
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
int main(void) {
    char b[8];
    /* TCP over IPv4: a listener on a port the kernel picks, a client, the accepted end */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s, (void *)&a, sizeof a);
    listen(s, 5);
    socklen_t l = sizeof a;
    getsockname(s, (void *)&a, &l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (void *)&a, sizeof a);
    int x = accept(s, NULL, NULL);
    write(c, "hi", 2);
    read(x, b, sizeof b);
    close(x); close(c); close(s);
    /* UDP: bound by its first sendto */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(u, "x", 1, 0, (void *)&a, sizeof a);
    write(u, "", 0);
    close(u);
    /* TCP over IPv6 */
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bind(s6, (void *)&a6, sizeof a6);
    listen(s6, 5);
    l = sizeof a6;
    getsockname(s6, (void *)&a6, &l);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    connect(c6, (void *)&a6, sizeof a6);
    int x6 = accept(s6, NULL, NULL);
    write(c6, "hi", 2);
    read(x6, b, sizeof b);
    close(x6); close(c6); close(s6);
    /* netlink: a port id once bound */
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    int n = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    write(n, "", 0);
    bind(n, (void *)&nl, sizeof nl);
    write(n, "", 0);
    close(n);
    int g = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    bind(g, (void *)&nl, sizeof nl);
    write(g, "", 0);
    close(g);
    /* a UNIX datagram socket connected to a bound one */
    struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "dgram.sock"};
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(d, (void *)&un, sizeof un);
    int e = socket(AF_UNIX, SOCK_DGRAM, 0);
    connect(e, (void *)&un, sizeof un);
    write(e, "d", 1);
    read(d, b, sizeof b);
    close(e); close(d);
    unlink("dgram.sock");
    return 0;
}
"#;

#[test]
fn internet_and_netlink_sockets_say_what_they_are_bound_and_connected_to() {
    let names = [
        "socket",
        "bind",
        "listen",
        "getsockname",
        "connect",
        "accept",
        "write",
        "read",
        "sendto",
        "close",
    ];
    let same = |c: &str| c.replace("</usr/lib/", "</lib/");
    for (native, detail) in [(false, "-yy"), (true, "-yy"), (true, "-y")] {
        let n = compared(NET_PROGRAM, &[], &names, &same, &[detail], native);
        assert!(n >= 40, "only {n} calls compared");
    }
}

/// Netlink requests and answers: route dumps asked by `sendto`, `send` and `sendmsg` (their
/// answers read with `read`, which strace does not decode as netlink, since their attributes
/// are in hex here: docs/trace-format.md), an acknowledgement, an error echoing its request,
/// short and multiple messages, a `unix_diag` dump request. Each socket is bound first: strace
/// learns a socket's protocol from `sock_diag`, which knows a netlink socket only once bound.
const NETLINK_PROGRAM: &str = r"
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
static char buf[65536];
/* Reads (with read(), which strace does not decode as netlink) until NLMSG_DONE or an error. */
static void drain(int fd) {
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) return;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return;
    }
}
int main(void) {
    struct sockaddr_nl k = {.nl_family = AF_NETLINK};
    int r = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    bind(r, (void *)&k, sizeof k);
    struct { struct nlmsghdr h; struct ifinfomsg i; } link = {
        .h = {sizeof link, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0}};
    sendto(r, &link, sizeof link, 0, (void *)&k, sizeof k);
    drain(r);
    struct { struct nlmsghdr h; struct ifaddrmsg a; } addr = {
        .h = {sizeof addr, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 2, 0}, .a = {.ifa_family = AF_INET}};
    send(r, &addr, sizeof addr, 0);
    drain(r);
    struct { struct nlmsghdr h; struct rtmsg m; } route = {
        .h = {sizeof route, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 3, 0},
        .m = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_LINK, .rtm_type = RTN_UNICAST}};
    struct iovec iov = {&route, sizeof route};
    struct msghdr m = {&k, sizeof k, &iov, 1, NULL, 0, 0};
    sendmsg(r, &m, 0);
    drain(r);
    /* one link by index, acknowledged: the link (read), then the capped acknowledgement */
    link.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK; link.h.nlmsg_seq = 4; link.i.ifi_index = 1;
    send(r, &link, sizeof link, 0);
    read(r, buf, sizeof buf);
    recvfrom(r, buf, sizeof buf, 0, NULL, NULL);
    /* a link that exists, created exclusively: EEXIST with the request echoed */
    link.h.nlmsg_type = RTM_NEWLINK; link.h.nlmsg_seq = 5;
    link.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
    link.i.ifi_flags = 1; link.i.ifi_change = 0xffffffff;
    send(r, &link, sizeof link, 0);
    recvfrom(r, buf, sizeof buf, 0, NULL, NULL);
    /* a request shorter than its header says, two headers alone with a tail, too short */
    link.h.nlmsg_type = RTM_DELADDR; link.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_NONREC;
    send(r, &link, 20, 0);
    char two[40]; memset(two, 0, sizeof two);
    struct nlmsghdr h = {16, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 6, 0};
    memcpy(two, &h, 16); memcpy(two + 16, &h, 16);
    send(r, two, 36, MSG_DONTWAIT);
    send(r, two, 10, MSG_DONTWAIT);
    close(r);
    int d = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    bind(d, (void *)&k, sizeof k);
    struct { struct nlmsghdr h; struct unix_diag_req u; } ud = {
        .h = {sizeof ud, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 7, 0},
        .u = {.sdiag_family = AF_UNIX, .udiag_states = 1 << 1 | 1 << 10, .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER, .udiag_cookie = {~0U, ~0U}}};
    sendto(d, &ud, sizeof ud, 0, (void *)&k, sizeof k);
    drain(d);
    close(d);
    return 0;
}
";

#[test]
fn netlink_messages_are_decoded_as_strace_decodes_them() {
    let names = ["socket", "bind", "sendto", "sendmsg", "recvfrom"];
    // strace names an interface by the tracing machine's table (`if_nametoindex("lo")`);
    // tracer shows the index the message holds (docs/trace-format.md). Loopback is 1.
    let same = |c: &str| c.replace("if_nametoindex(\"lo\")", "1");
    for native in [false, true] {
        let snap: &[&str] = &["-s", "1024"];
        let n = compared_with(NETLINK_PROGRAM, &[], &names, &same, (&[], snap), native);
        assert!(n >= 14, "only {n} calls compared");
    }
}

/// `struct stat` and `struct statx` as the kernel wrote them: x86_64's `stat` family, and on
/// ia32 `statx` (what 32-bit glibc calls), `struct stat64` and the old `struct compat_stat`
/// (raw `syscall`s); a file, a device, a sticky directory, a failed call.
const STAT_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
int main(void) {
    struct stat s; struct statx x; char raw[256];
    stat("/etc/hostname", &s);
    lstat("/dev/null", &s);
    fstatat(AT_FDCWD, "/tmp", &s, AT_SYMLINK_NOFOLLOW);
    stat("/nonexistent", &s);
    statx(AT_FDCWD, "/etc/hostname", AT_STATX_SYNC_AS_STAT, STATX_ALL, &x);
    statx(AT_FDCWD, "/dev/null", AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_SIZE, &x);
    int fd = open("/etc/hostname", O_RDONLY);
    fstat(fd, &s);
#ifdef __i386__
    /* the calls 32-bit glibc no longer makes: struct stat64 and struct compat_stat */
    syscall(SYS_stat64, "/etc/hostname", raw);
    syscall(SYS_lstat64, "/dev/null", raw);
    syscall(SYS_fstat64, fd, raw);
    syscall(SYS_fstatat64, AT_FDCWD, "/tmp", raw, AT_SYMLINK_NOFOLLOW);
#endif
    /* the old calls on both ABIs (glibc calls newfstatat and statx) */
    syscall(SYS_stat, "/etc/hostname", raw);
    syscall(SYS_lstat, "/dev/null", raw);
    syscall(SYS_fstat, fd, raw);
    return 0;
}
"#;

#[test]
fn stat_structures_are_decoded_as_strace_decodes_them() {
    let old = ["stat", "fstat", "lstat", "statx"];
    let same = |c: &str| c.to_string();
    let x64: Vec<&str> = old.iter().copied().chain(["newfstatat"]).collect();
    let n = decoded_alike(STAT_PROGRAM, &[], &x64, &same);
    assert!(n >= 10, "only {n} calls compared");
    let ia32 = ["stat64", "lstat64", "fstat64", "fstatat64"];
    let ia32: Vec<&str> = old.iter().copied().chain(ia32).collect();
    let n = decoded_alike(STAT_PROGRAM, &["-m32"], &ia32, &same);
    assert!(n >= 14, "only {n} calls compared");
}

/// Modes (`mknod`'s type and permissions, `umask`'s mask and result, `chmod`'s set-id bits),
/// `MFD_*`, `O_ACCMODE` and `AT_*` flags, on both ABIs.
const MODES_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/mman.h>
#include <sys/syscall.h>
int main(void) {
  mknod("/tmp/mkfifo.x", S_IFIFO|0644, 0);
  unlink("/tmp/mkfifo.x");
  mknodat(AT_FDCWD, "/tmp/mkchr.x", S_IFCHR|0600, makedev(1,3));
  unlink("/tmp/mkchr.x");
  mkfifo("/tmp/mkfifo2.x", 0);
  unlink("/tmp/mkfifo2.x");
  mknod("/tmp/mkreg.x", 0644, 0);
  unlink("/tmp/mkreg.x");
  int fd = memfd_create("m", MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_HUGETLB);
  fd = memfd_create("m2", 0);
  fd = open("/tmp", O_RDONLY|O_DIRECTORY|O_CLOEXEC|O_PATH);
  fd = open("/etc/hostname", O_ACCMODE);
  faccessat(AT_FDCWD, "/etc", R_OK|X_OK, AT_EACCESS|AT_SYMLINK_NOFOLLOW);
  linkat(AT_FDCWD, "/nonexist", AT_FDCWD, "/tmp/x", AT_SYMLINK_FOLLOW|AT_EMPTY_PATH);
  umask(022);
  chmod("/nonexistent", 04755);
  mkdir("/nonexistent/x", 01777);
  /* strace's order of the open flags */
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/x", O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_DSYNC|O_ASYNC|O_DIRECT|O_LARGEFILE|O_DIRECTORY|O_NOFOLLOW|O_NOATIME|O_CLOEXEC, 0600);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/x", O_RDWR|O_SYNC|O_PATH|O_DIRECTORY);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/x", O_RDWR|O_TMPFILE, 0600);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/x", O_RDONLY|O_DIRECTORY|O_CLOEXEC|O_PATH|O_NOFOLLOW);
  return 0;
}
"#;

#[test]
fn modes_and_flags_are_decoded_as_strace_decodes_them() {
    let names = [
        "openat",
        "mknodat",
        "memfd_create",
        "faccessat2",
        "linkat",
        "umask",
        "chmod",
        "mkdir",
    ];
    let n = decoded_alike(MODES_PROGRAM, &[], &names, &|c| c.to_string());
    assert!(n >= 15, "only {n} calls compared");
}

/// `recv` and `recvfrom` with `MSG_TRUNC` return a datagram's whole length however short the
/// buffer: only what the buffer holds is shown (and copied), as strace shows it.
const TRUNC_PROGRAM: &str = r#"
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
  int sp[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
  char b[64];
  write(sp[0], "0123456789abcdef", 16);
  recv(sp[1], b, 10, MSG_TRUNC);
  write(sp[0], "re", 2);
  recvfrom(sp[1], b, 1, MSG_TRUNC, NULL, NULL);
  write(sp[0], "xyz", 3);
  recv(sp[1], b, 2, 0);
  return 0;
}
"#;

#[test]
fn truncated_datagrams_show_what_the_buffer_holds() {
    let names = ["recv", "recvfrom"];
    let same = |c: &str| c.to_string();
    let n = decoded_alike(TRUNC_PROGRAM, &[], &["recvfrom"], &same);
    assert!(n >= 3, "only {n} calls compared");
    let n = decoded_alike(TRUNC_PROGRAM, &["-m32"], &names, &same);
    assert!(n >= 3, "only {n} calls compared");
}

/// Resource limits: `prlimit64`'s `struct rlimit64`, x86_64's `getrlimit`/`setrlimit` and
/// ia32's `ugetrlimit` with `struct compat_rlimit` (32-bit fields).
const RLIMIT_PROGRAM: &str = r"
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  struct rlimit r; getrlimit(RLIMIT_NOFILE, &r); setrlimit(RLIMIT_NOFILE, &r);
  getrlimit(RLIMIT_STACK, &r); getrlimit(RLIMIT_CORE, &r);
  struct rlimit64 r6; prlimit64(0, RLIMIT_AS, 0, &r6); syscall(SYS_getrlimit, RLIMIT_NOFILE, &r);
  return 0;
}
";

#[test]
fn resource_limits_are_decoded_as_strace_decodes_them() {
    let same = |c: &str| c.to_string();
    let n = decoded_alike(RLIMIT_PROGRAM, &[], &["prlimit64", "getrlimit"], &same);
    assert!(n >= 6, "only {n} calls compared");
    let ia32 = ["prlimit64", "getrlimit", "ugetrlimit"];
    let n = decoded_alike(RLIMIT_PROGRAM, &["-m32"], &ia32, &same);
    assert!(n >= 6, "only {n} calls compared");
}

/// Descriptors and credentials passed between two processes over a UNIX datagram socket pair
/// (SCM_RIGHTS, SCM_CREDENTIALS, SCM_PIDFD): two descriptors, credentials with a socket in one
/// message, three descriptors cut to two by the receiver's buffer (MSG_CTRUNC), an unknown
/// SOL_SOCKET type, other levels, a `cmsg_len` past the buffer, a buffer shorter than a
/// header; the receiver reads and closes what it received.
const SCM_C: &str = r#"#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
static int rights(int s, const int *fds, int n) {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    memset(buf, 0, sizeof buf);
    struct iovec io = {"r", 1};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(s, &m, 0);
}
static void child(int s) {
    int f = open("/etc/hostname", O_RDONLY);
    int p[2]; pipe(p); write(p[1], "p", 1);
    int two[2] = {f, p[0]};
    rights(s, two, 2);
    /* credentials, then rights, in one message */
    char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
    memset(buf, 0, sizeof buf);
    struct iovec io = {"c", 1};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET; h->cmsg_type = SCM_CREDENTIALS; h->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred u = {getpid(), getuid(), getgid()}; memcpy(CMSG_DATA(h), &u, sizeof u);
    h = CMSG_NXTHDR(&m, h);
    h->cmsg_level = SOL_SOCKET; h->cmsg_type = SCM_RIGHTS; h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &s, sizeof(int));
    sendmsg(s, &m, 0);
    /* three descriptors, which the receiver's buffer cuts to two (MSG_CTRUNC) */
    int three[3] = {f, p[0], p[1]};
    rights(s, three, 3);
    /* an unknown SOL_SOCKET type (EINVAL), other levels (ignored by AF_UNIX), a cmsg_len past
       the buffer (EINVAL), a buffer shorter than a header (no message) */
    char ub[CMSG_SPACE(8)]; memset(ub, 0, sizeof ub);
    struct msghdr m2 = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ub, .msg_controllen = sizeof ub};
    h = CMSG_FIRSTHDR(&m2); h->cmsg_level = SOL_SOCKET; h->cmsg_type = 99; h->cmsg_len = CMSG_LEN(8);
    memcpy(CMSG_DATA(h), "abcdefgh", 8);
    sendmsg(s, &m2, 0);
    h->cmsg_level = 0; h->cmsg_type = 1;
    sendmsg(s, &m2, 0);
    h->cmsg_level = 6; h->cmsg_type = 1;
    sendmsg(s, &m2, 0);
    h->cmsg_level = SOL_SOCKET; h->cmsg_type = SCM_RIGHTS; h->cmsg_len = 200;
    sendmsg(s, &m2, 0);
    m2.msg_controllen = 8;
    if (sendmsg(s, &m2, 0) < 0) {
        /* ia32 refuses it (EINVAL): one more message keeps the receiver's count */
        m2.msg_controllen = 0;
        sendmsg(s, &m2, 0);
    }
    /* after the receiver asked for SO_PASSPIDFD */
    char go; read(s, &go, 1);
    m2.msg_control = 0; m2.msg_controllen = 0;
    sendmsg(s, &m2, 0);
}
int main(void) {
    int sp[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
    int one = 1;
    setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    pid_t c = fork();
    if (c == 0) { close(sp[1]); child(sp[0]); _exit(0); }
    close(sp[0]);
    int s = sp[1];
    char d[4]; char cb[256];
    struct iovec io = {d, sizeof d};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb};
    recvmsg(s, &m, 0);
    int r[2]; memcpy(r, CMSG_DATA(CMSG_NXTHDR(&m, CMSG_FIRSTHDR(&m))), sizeof r);
    read(r[0], d, 1); read(r[1], d, 1); close(r[0]);
    m.msg_controllen = sizeof cb;
    recvmsg(s, &m, 0);
    m.msg_controllen = CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int));
    recvmsg(s, &m, MSG_CMSG_CLOEXEC);
    for (int i = 0; i < 3; i++) { m.msg_controllen = sizeof cb; recvmsg(s, &m, 0); }
    setsockopt(s, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof one);
    write(s, "g", 1);
    m.msg_controllen = sizeof cb;
    recvmsg(s, &m, 0);
    m.msg_control = 0; m.msg_controllen = 0;
    recvmsg(s, &m, MSG_DONTWAIT);
    wait(0);
    return 0;
}
"#;

/// strace 6.1 does not know `SCM_PIDFD` (Linux 6.5): it prints `cmsg_type=0x4 /* SCM_??? */`
/// without data, where tracer names the type and shows the descriptor (docs/trace-format.md).
fn pidfd_as_strace_6_1(call: &str) -> String {
    let from = "cmsg_type=SCM_PIDFD, cmsg_data=[";
    // Paths through merged-/usr symlinks (docs/trace-format.md, "Descriptors").
    let mut out = call.replace("</usr/lib", "</lib");
    while let Some(at) = out.find(from) {
        // The array ends where the message does (`-yy` puts brackets inside it).
        let end = out[at..].find("]}").map_or(out.len(), |e| at + e + 1);
        out.replace_range(at..end, "cmsg_type=0x4 /* SCM_??? */");
    }
    out
}

const SCM_CALLS: &[&str] = &["sendmsg", "recvmsg", "read", "close"];

/// sendmsg's and recvmsg's control messages as strace shows them, on x86_64 and on ia32 (its
/// 12-byte `cmsghdr` aligned to 4, through socketcall), and with `-yy` what each descriptor
/// passed is: the sender's as it names them, the receiver's new ones as the kernel installed
/// them (and the later calls on them).
#[test]
fn control_messages_are_decoded_as_strace_decodes_them() {
    for flags in [&[][..], &["-m32"][..]] {
        for both in [&[][..], &["-yy"][..]] {
            let n = compared(SCM_C, flags, SCM_CALLS, &pidfd_as_strace_6_1, both, false);
            assert!(n >= 20, "{flags:?} {both:?}: only {n} calls compared");
        }
    }
    // From a native recording through `tracer export`.
    let n = compared(SCM_C, &[], SCM_CALLS, &pidfd_as_strace_6_1, &["-yy"], true);
    assert!(n >= 20, "only {n} calls compared");
}

/// What programs call on their way (timers, resource usage, the host's name, the working
/// directory, links, groups, pending signals, priorities, random bytes, 64-bit seeks, mmap's
/// stack flag, POSIX queue priorities) and ia32's thread area, on both ABIs.
const MISC_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#ifdef __i386__
#include <asm/ldt.h>
#endif
int main(void) {
  struct itimerval it = {{0, 0}, {5, 20000}}, old;
  setitimer(ITIMER_REAL, &it, &old);
  getitimer(ITIMER_REAL, &old);
  memset(&it, 0, sizeof it);
  setitimer(ITIMER_REAL, &it, NULL);
  syscall(SYS_getitimer, 7, &old);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  getrusage(RUSAGE_CHILDREN, &ru);
  getrusage(RUSAGE_THREAD, &ru);
  pid_t p = fork();
  if (p == 0) _exit(3);
  int st;
  wait4(p, &st, 0, &ru);
  struct utsname u;
  uname(&u);
  char buf[256];
  getcwd(buf, sizeof buf);
  syscall(SYS_getcwd, buf, 1);
  symlink("some-target", "l");
  readlink("l", buf, 64);
  readlink("l", buf, 3);
  readlinkat(AT_FDCWD, "l", buf, 64);
  gid_t g[8];
  getgroups(8, g);
  getgroups(0, NULL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  signal(SIGUSR1, SIG_IGN);
  sigprocmask(SIG_BLOCK, &s, NULL);
  raise(SIGUSR1);
  sigpending(&s);
  getpriority(PRIO_PROCESS, 0);
  setpriority(PRIO_PROCESS, 0, 1);
  syscall(SYS_getpriority, 7, 0);
  char r[8];
  getrandom(r, 4, GRND_NONBLOCK);
  getrandom(r, 8, 0);
  int fd = open("/etc/hostname", O_RDONLY);
  lseek(fd, 1, SEEK_SET);
  lseek64(fd, 0x100000001LL, SEEK_SET);
  mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0);
  int sv[2];
  socketpair(AF_INET, SOCK_STREAM, 0, sv);
  timerfd_create(12345, 0);
  struct mq_attr a = {0, 4, 64, 0};
  mqd_t q = mq_open("/strace-compare-misc", O_CREAT|O_RDWR, 0600, &a);
  mq_send(q, "hi", 2, 7);
  unsigned prio;
  mq_receive(q, buf, 64, &prio);
  mq_send(q, "hi", 2, 0);
  mq_receive(q, buf, 64, NULL);
  mq_unlink("/strace-compare-misc");
#ifdef __i386__
  struct user_desc d;
  memset(&d, 0, sizeof d);
  d.entry_number = -1;
  d.base_addr = 0x1000;
  d.limit = 0xfffff;
  d.seg_32bit = 1;
  d.limit_in_pages = 1;
  d.useable = 1;
  syscall(SYS_set_thread_area, &d);
  d.contents = 2;
  syscall(SYS_set_thread_area, &d);
  syscall(SYS_get_thread_area, &d);
#endif
  return 0;
}
"#;

#[test]
fn everyday_calls_are_decoded_as_strace_decodes_them() {
    let both = [
        "setitimer",
        "getitimer",
        "getrusage",
        "wait4",
        "uname",
        "getcwd",
        "readlink",
        "readlinkat",
        "rt_sigpending",
        "getpriority",
        "setpriority",
        "getrandom",
        "socketpair",
        "timerfd_create",
    ];
    let x64 = ["getgroups", "lseek", "mmap", "mq_timedreceive"];
    let ia32 = [
        "getgroups32",
        "_llseek",
        "mmap2",
        "mq_timedreceive",
        "set_thread_area",
        "get_thread_area",
    ];
    let names: Vec<&str> = both.iter().chain(&x64).copied().collect();
    let n = decoded_alike(MISC_PROGRAM, &["-lrt"], &names, &|c| c.to_string());
    assert!(n >= 30, "only {n} calls compared");
    let names: Vec<&str> = both.iter().chain(&ia32).copied().collect();
    let n = decoded_alike(MISC_PROGRAM, &["-m32", "-lrt"], &names, &|c| c.to_string());
    assert!(n >= 30, "only {n} calls compared");
}

/// `futex`: each operation with the arguments it reads, as a thread's join makes them and as
/// raw calls make the rest.
const FUTEX_PROGRAM: &str = r"
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static void *run(void *a) { usleep(20000); return a; }
int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, run, NULL);
  pthread_join(t, NULL);
  static uint32_t f, g;
  struct timespec ts = {0, 1000};
  syscall(SYS_futex, &f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_WAIT, 0, &ts, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
  syscall(SYS_futex, &f, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x5);
  syscall(SYS_futex, &f, FUTEX_REQUEUE_PRIVATE, 1, 2, &g, 0);
  syscall(SYS_futex, &f, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &g, 0);
  syscall(SYS_futex, &f, FUTEX_WAKE_OP_PRIVATE, 1, 1, &g, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_GT, 0));
  syscall(SYS_futex, &f, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 1, &ts, &g, 0);
  syscall(SYS_futex, &f, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 1, &g, 0);
  syscall(SYS_futex, &f, FUTEX_FD, 0, NULL, NULL, 0);
  syscall(SYS_futex, &f, 99, 1, NULL, NULL, 0);
  syscall(SYS_futex, &f, FUTEX_WAIT_BITSET, 0, &ts, NULL, 0xff);
#ifdef __i386__
  int64_t ts64[2] = {0, 2000};
  syscall(SYS_futex_time64, &f, FUTEX_WAIT_PRIVATE, 0, ts64, NULL, 0);
#endif
  return 0;
}
";

#[test]
fn futex_operations_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(FUTEX_PROGRAM, &["-pthread"], &["futex"], &|c| c.to_string());
    assert!(n >= 17, "only {n} calls compared");
    let names = ["futex", "futex_time64"];
    let n = decoded_alike(FUTEX_PROGRAM, &["-m32", "-pthread"], &names, &|c| {
        c.to_string()
    });
    assert!(n >= 17, "only {n} calls compared");
}

/// `prctl`: the options a program meets (its name, the parent-death signal, no-new-privs,
/// capabilities...) with the arguments each reads, and an unknown one.
const PRCTL_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <linux/prctl.h>
#include <signal.h>
#include <sys/prctl.h>
int main(void) {
  char name[16];
  int v;
  void *p;
  prctl(PR_SET_NAME, "cmp-renamed");
  prctl(PR_GET_NAME, name);
  prctl(PR_GET_NAME, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  prctl(PR_GET_PDEATHSIG, &v);
  prctl(PR_SET_PDEATHSIG, 0);
  prctl(PR_GET_PDEATHSIG, &v);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  prctl(PR_SET_DUMPABLE, 1);
  prctl(PR_GET_DUMPABLE);
  prctl(PR_SET_DUMPABLE, 7);
  prctl(PR_CAPBSET_READ, 21);
  prctl(PR_CAPBSET_READ, 99);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_GET_CHILD_SUBREAPER, &v);
  prctl(PR_SET_KEEPCAPS, 1);
  prctl(PR_GET_KEEPCAPS);
  prctl(PR_GET_SECCOMP);
  prctl(PR_SET_TIMERSLACK, 50000);
  prctl(PR_GET_TIMERSLACK);
  prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x1000, 4096, "x");
  prctl(1000, 1, 2, 3, 4);
  prctl(PR_GET_TID_ADDRESS, &p);
  prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
  prctl(PR_MCE_KILL_GET, 0, 0, 0, 0);
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
  prctl(PR_SET_PTRACER, 1234);
  prctl(PR_GET_TSC, &v);
  prctl(PR_SET_TSC, PR_TSC_ENABLE);
  prctl(PR_SET_SECUREBITS, 0);
  prctl(PR_GET_SECUREBITS);
  prctl(PR_SET_UNALIGN, 1);
  prctl(PR_GET_ENDIAN, &v);
  prctl(PR_TASK_PERF_EVENTS_DISABLE);
  prctl(PR_SET_FP_MODE, 1);
  return 0;
}
"#;

#[test]
fn prctl_options_are_decoded_as_strace_decodes_them() {
    for flags in [&[][..], &["-m32"]] {
        let n = decoded_alike(PRCTL_PROGRAM, flags, &["prctl"], &|c| c.to_string());
        assert!(n >= 37, "only {n} calls compared");
    }
}

/// The signal mask `rt_sigreturn` and ia32's `sigreturn` restore, read from the frame on the
/// stack.
const SIGRETURN_PROGRAM: &str = r"
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
static void on(int s) { (void)s; }
static void info(int s, siginfo_t *i, void *c) { (void)s; (void)i; (void)c; }
int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = info;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGHUP, &sa, NULL);
  raise(SIGHUP);
  signal(SIGUSR1, on);
  raise(SIGUSR1);
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR2);
  sigaddset(&m, SIGRTMIN + 3);
  sigprocmask(SIG_BLOCK, &m, NULL);
  raise(SIGUSR1);
#ifdef __i386__
  /* ia32's old sigaction, no SA_SIGINFO: the kernel builds a sigframe, and the handler
     returns through __kernel_sigreturn (the vDSO's), which calls sigreturn. */
  struct { void *h; unsigned long mask; unsigned long flags; void *restorer; } old = {
    (void *)on, 0, 0, 0 };
  syscall(SYS_sigaction, SIGUSR1, &old, NULL);
  raise(SIGUSR1);
#endif
  return 0;
}
";

#[test]
fn sigreturn_masks_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(SIGRETURN_PROGRAM, &[], &["rt_sigreturn"], &|c| {
        c.to_string()
    });
    assert!(n >= 3, "only {n} calls compared");
    // 32-bit glibc's signal() installs its handlers without SA_SIGINFO: they return through
    // sigreturn; the SA_SIGINFO one through rt_sigreturn.
    let names = ["rt_sigreturn", "sigreturn"];
    let n = decoded_alike(SIGRETURN_PROGRAM, &["-m32"], &names, &|c| c.to_string());
    assert!(n >= 4, "only {n} calls compared");
}

/// `sendmmsg` and `recvmmsg`: every message (up to three, then `...`), each with its `msg_len`,
/// the bytes it moved, the `msg_namelen` passed in and written back, and recvmmsg's timeout
/// and the time left.
const MMSG_PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void){
  int sv[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct mmsghdr m[5]; struct iovec io[5]; char *txt[5]={"first","second","third","fourth","fifth"};
  memset(m,0,sizeof m);
  for(int i=0;i<5;i++){ io[i].iov_base=txt[i]; io[i].iov_len=strlen(txt[i]); m[i].msg_hdr.msg_iov=&io[i]; m[i].msg_hdr.msg_iovlen=1; }
  sendmmsg(sv[0], m, 5, 0);
  char b[5][16]; struct iovec ri[5]; struct mmsghdr r[5]; memset(r,0,sizeof r);
  for(int i=0;i<5;i++){ ri[i].iov_base=b[i]; ri[i].iov_len=16; r[i].msg_hdr.msg_iov=&ri[i]; r[i].msg_hdr.msg_iovlen=1; }
  recvmmsg(sv[1], r, 2, 0, NULL);
  struct timespec t={0,1000000};
  recvmmsg(sv[1], r, 5, MSG_DONTWAIT, &t);
  recvmmsg(sv[1], r, 5, MSG_DONTWAIT, &t);
  sendmmsg(sv[0], m, 2, 0);
  struct sockaddr_un a[2]; 
  for(int i=0;i<2;i++){ r[i].msg_hdr.msg_name=&a[i]; r[i].msg_hdr.msg_namelen=sizeof a[i]; }
  recvmmsg(sv[1], r, 2, 0, NULL);
  sendmmsg(sv[0], m, 0, 0);
  return 0;
}
"#;

/// strace's `[{m1}, {m2}, {m3}, {m4}, ...]` as tracer bounds it: `[{m1}, {m2}, {m3}, ...]`
/// (docs/trace-format.md).
fn three_messages(call: &str) -> String {
    let starts: Vec<usize> = call.match_indices("{msg_hdr=").map(|(i, _)| i).collect();
    match (starts.get(3), call.rfind("}], ")) {
        (Some(&fourth), Some(end)) if end > fourth => {
            format!("{}...{}", &call[..fourth], &call[end + 1..])
        }
        _ => call.to_string(),
    }
}

#[test]
fn mmsg_messages_are_decoded_as_strace_decodes_them() {
    let n = decoded_alike(
        MMSG_PROGRAM,
        &[],
        &["sendmmsg", "recvmmsg"],
        &three_messages,
    );
    assert!(n >= 7, "only {n} calls compared");
    let names = ["sendmmsg", "recvmmsg_time64"];
    let n = decoded_alike(MMSG_PROGRAM, &["-m32"], &names, &three_messages);
    assert!(n >= 7, "only {n} calls compared");
}

/// A UNIX socket the kernel named itself (autobind: `bind` with only the family): `-yy`
/// learns the name as the program asks for it, as strace's shows it then.
const AUTOBIND_PROGRAM: &str = r"
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(void) {
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un z;
  memset(&z, 0, sizeof z);
  z.sun_family = AF_UNIX;
  bind(s, (struct sockaddr *)&z, sizeof(sa_family_t));
  struct sockaddr_un f;
  socklen_t l = sizeof f;
  getsockname(s, (struct sockaddr *)&f, &l);
  close(s);
  return 0;
}
";

#[test]
fn an_autobound_socket_is_named_as_strace_names_it() {
    for flags in [&[][..], &["-m32"]] {
        let names = ["socket", "bind", "getsockname", "close"];
        let n = compared(
            AUTOBIND_PROGRAM,
            flags,
            &names,
            &|c| c.to_string(),
            &["-yy"],
            false,
        );
        assert!(n >= 4, "only {n} calls compared");
    }
}
