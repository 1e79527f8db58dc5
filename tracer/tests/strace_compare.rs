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
    let records: Vec<Value> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
