//! Every built-in demo, recorded by the real tracer: each test checks, call by call and per
//! process, that the trace shows exactly what the lesson teaches, with the decoded values a
//! teacher would point at (addresses, payloads, descriptors, return values).
//!
//! Noise that is not part of any lesson is left out before comparing:
//! - the start-up of the Rust runtime and the dynamic loader in the demo's main process
//!   (reading libraries and `/proc/self/maps`, `rt_sigaction` for `SIGPIPE`, `SIGSEGV` and
//!   `SIGBUS`): everything up to the runtime's last start-up call, installing its `SIGBUS`
//!   handler;
//! - the runtime's last call, the `munmap` of the main thread's signal stack at exit;
//! - the demos' status lines, `write`s to fds 1 and 2.
//!
//! Calls that tracer does not record by default (`openat`, `mkdir`, `wait4`, `exit_group`, ...)
//! are not part of the sequences; `fork` shows as a `fork` record.

mod common;

use common::{TRACER, names, record_demo, record_demo_env};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

/// `x86_64` system call numbers of the calls the demos make (arch/x86/entry/syscalls/syscall_64.tbl).
fn x64_nr(name: &str) -> u64 {
    match name {
        "read" => 0,
        "write" => 1,
        "close" => 3,
        "mmap" => 9,
        "munmap" => 11,
        "rt_sigaction" => 13,
        "shmget" => 29,
        "shmat" => 30,
        "shmctl" => 31,
        "socket" => 41,
        "connect" => 42,
        "accept" => 43,
        "sendto" => 44,
        "recvfrom" => 45,
        "sendmsg" => 46,
        "recvmsg" => 47,
        "bind" => 49,
        "listen" => 50,
        "getsockname" => 51,
        "socketpair" => 53,
        "setsockopt" => 54,
        "getsockopt" => 55,
        "semget" => 64,
        "semctl" => 66,
        "shmdt" => 67,
        "msgget" => 68,
        "msgsnd" => 69,
        "msgrcv" => 70,
        "msgctl" => 71,
        "unlink" => 87,
        "kill" => 62,
        "rt_sigqueueinfo" => 129,
        "semtimedop" => 220,
        "mknodat" => 259,
        "pipe2" => 293,
        other => panic!("no x86_64 number known for {other}"),
    }
}

fn is_status_line(c: &Value) -> bool {
    c["syscall"] == "write" && (c["args"]["fd"] == 1 || c["args"]["fd"] == 2)
}

/// The syscall records of process `pid`, in order, without the demo's status lines.
/// The calls the lessons are about: the default selection's socket, IPC, signal and
/// shared-mapping calls, and read/write/close. The default for a command also has the calls
/// that shape a descriptor's life (openat, dup, fcntl, clone, execve, wait4, the runtime's
/// rt_sigprocmask and mprotect...): the demos' expected sequences leave those out.
const LESSON_CALLS: &[&str] = &[
    "socket",
    "bind",
    "connect",
    "listen",
    "accept",
    "getsockname",
    "getpeername",
    "socketpair",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "recvmsg",
    "accept4",
    "recvmmsg",
    "recvmmsg_time64",
    "sendmmsg",
    "socketcall",
    "ipc",
    "pipe",
    "pipe2",
    "mknod",
    "mknodat",
    "unlink",
    "unlinkat",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "semctl",
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "kill",
    "tkill",
    "tgkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "rt_sigaction",
    "mmap",
    "mmap2",
    "munmap",
    "memfd_create",
    "read",
    "write",
    "close",
];

fn own_calls(records: &[Value], pid: u64) -> Vec<&Value> {
    records
        .iter()
        .filter(|r| r["type"] == "syscall" && r["pid"] == pid && !is_status_line(r))
        .filter(|r| LESSON_CALLS.contains(&r["syscall"].as_str().unwrap_or_default()))
        .collect()
}

/// The demo's main process (the one tracer executed) and the calls its `main` made.
fn main_process(records: &[Value]) -> (u64, Vec<&Value>) {
    let exec = records
        .iter()
        .find(|r| r["type"] == "exec")
        .expect("an exec record");
    assert_eq!(exec["filename"], TRACER, "{exec}");
    let pid = exec["pid"].as_u64().expect("exec pid");
    let all = own_calls(records, pid);
    // The Rust runtime's last start-up call: installing its SIGBUS (stack overflow) handler.
    let start = all
        .iter()
        .position(|c| {
            c["syscall"] == "rt_sigaction"
                && c["args"]["signum"] == "SIGBUS"
                && c["args"]["act"].is_object()
        })
        .unwrap_or_else(|| {
            panic!(
                "no runtime start-up rt_sigaction(SIGBUS) in {:?}",
                names(&all)
            )
        });
    let mut calls = all[start + 1..].to_vec();
    // The runtime's teardown: it frees the main thread's signal stack.
    if calls.last().is_some_and(|c| c["syscall"] == "munmap") {
        calls.pop();
    }
    (pid, calls)
}

/// The processes `pid` forked, in order (each demo's child is a process, never a thread).
fn children(records: &[Value], pid: u64) -> Vec<u64> {
    records
        .iter()
        .filter(|r| r["type"] == "fork" && r["pid"] == pid)
        .map(|r| {
            assert_eq!(r["thread"], false, "{r}");
            r["child"].as_u64().expect("fork child")
        })
        .collect()
}

/// Checks that only these processes made system calls.
#[track_caller]
fn only_processes(records: &[Value], expected: &[u64]) {
    for r in records.iter().filter(|r| r["type"] == "syscall") {
        assert!(
            expected.contains(&r["pid"].as_u64().unwrap_or(0)),
            "a call from an unexpected process: {r}"
        );
    }
}

/// The main process and its forked children, checking that there are `n` children and no
/// other process.
fn processes(records: &[Value], n: usize) -> (u64, Vec<&Value>, Vec<u64>) {
    let (main, calls) = main_process(records);
    let kids = children(records, main);
    assert_eq!(kids.len(), n, "expected {n} fork(s) of the main process");
    let mut all = vec![main];
    all.extend(&kids);
    only_processes(records, &all);
    for &k in &kids {
        assert!(children(records, k).is_empty(), "child {k} forked again");
    }
    (main, calls, kids)
}

fn ts(r: &Value) -> u64 {
    r["ts_ns"]
        .as_u64()
        .unwrap_or_else(|| panic!("no ts_ns in {r}"))
}

/// When the call returned.
fn end_ts(c: &Value) -> u64 {
    ts(c)
        + c["dur_ns"]
            .as_u64()
            .unwrap_or_else(|| panic!("no dur_ns in {c}"))
}

fn exit_ts(records: &[Value], pid: u64) -> u64 {
    ts(records
        .iter()
        .find(|r| r["type"] == "exit" && r["pid"] == pid)
        .unwrap_or_else(|| panic!("no exit record for {pid}")))
}

fn fork_ts(records: &[Value], child: u64) -> u64 {
    ts(records
        .iter()
        .find(|r| r["type"] == "fork" && r["child"] == child)
        .unwrap_or_else(|| panic!("no fork record for {child}")))
}

fn ret(c: &Value) -> i64 {
    c["ret"].as_i64().unwrap_or_else(|| panic!("no ret in {c}"))
}

/// The return value of a call that returns a new descriptor.
#[track_caller]
fn new_fd(c: &Value) -> i64 {
    let fd = ret(c);
    assert!(fd >= 3, "expected a new descriptor: {c}");
    fd
}

#[track_caller]
fn seq(calls: &[&Value], expected: &[&str]) {
    assert_eq!(names(calls), expected, "calls: {calls:#?}");
}

/// Checks one native `x86_64` call: name, number, decoded arguments (exactly), return value.
#[track_caller]
fn call(c: &Value, name: &str, args: &Value, expected_ret: i64) {
    assert_eq!(c["syscall"], name, "{c}");
    assert_eq!(c["abi"], "x86_64", "{c}");
    assert_eq!(c["entry"], "syscall", "{c}");
    assert_eq!(c["nr"], x64_nr(name), "{c}");
    assert_eq!(&c["args"], args, "the arguments of {name}: {c}");
    assert_eq!(c["ret"], expected_ret, "the return value of {name}: {c}");
    assert!(expected_ret < 0 || c["errno"].is_null(), "{c}");
    assert!(c.get("socketcall").is_none(), "{c}");
    assert!(c.get("markers").is_none(), "{c}");
    assert!(c.get("unfinished").is_none(), "{c}");
    assert!(c.get("enter_missing").is_none(), "{c}");
}

/// Like [`call`] for a call that failed with `errno`.
#[track_caller]
fn call_err(c: &Value, name: &str, args: &Value, errno: &str, code: i64) {
    call(c, name, args, -code);
    assert_eq!(c["errno"], errno, "{c}");
}

/// A captured buffer that holds all of `s` (ASCII without escapes).
fn data(s: &str) -> Value {
    json!({"data": s, "len": s.len()})
}

fn unix_path(path: &str) -> Value {
    json!({"family": "AF_UNIX", "path": path})
}

/// `addrlen` for a path name the way unix(7) says: family + path + NUL.
fn path_len(path: &str) -> usize {
    2 + path.len() + 1
}

/// The bytes of a captured buffer's `data` (tracer escapes `\n \t \r \\ \"` and `\xNN`).
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                Some(b'n') => out.push(b'\n'),
                Some(b't') => out.push(b'\t'),
                Some(b'r') => out.push(b'\r'),
                Some(b'\\') => out.push(b'\\'),
                Some(b'"') => out.push(b'"'),
                Some(b'x') => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).expect("hex digits");
                    out.push(u8::from_str_radix(hex, 16).expect("hex byte"));
                    i += 2;
                }
                other => panic!("bad escape {other:?} in {s:?}"),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn hex(s: &Value) -> u64 {
    let t = s.as_str().unwrap_or_else(|| panic!("not a string: {s}"));
    u64::from_str_radix(t.trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("not hex: {t}"))
}

/// The same, shown as tracer shows a pointer.
fn ptr(addr: i64) -> Value {
    json!(format!("{addr:#x}"))
}

/// A stream-socket exchange, shared by uds-stream, uds-abstract and tcp-hello: the server's
/// accepted connection reads "hello" and answers "hi", the client the reverse.
#[track_caller]
fn hello_hi(server: &[&Value], conn: i64, client: &[&Value], fd: i64) {
    call(
        server[0],
        "read",
        &json!({"fd": conn, "buf": data("hello"), "count": 5}),
        5,
    );
    call(
        server[1],
        "write",
        &json!({"fd": conn, "buf": data("hi"), "count": 2}),
        2,
    );
    call(
        client[0],
        "write",
        &json!({"fd": fd, "buf": data("hello"), "count": 5}),
        5,
    );
    call(
        client[1],
        "read",
        &json!({"fd": fd, "buf": data("hi"), "count": 2}),
        2,
    );
}

// ---------------------------------------------------------------------------------------------
// The demos.
// ---------------------------------------------------------------------------------------------

#[test]
fn uds_stream() {
    let recs = record_demo("uds-stream", &[]);
    let (main, server, kids) = processes(&recs, 1);
    let client = own_calls(&recs, kids[0]);
    let path = format!("/tmp/tracer-demo-uds-stream-{main}/stream.sock");
    let len = path_len(&path);

    seq(
        &server,
        &[
            "socket", "bind", "listen", "accept", "read", "write", "close", "close", "unlink",
        ],
    );
    let l = new_fd(server[0]);
    call(
        server[0],
        "socket",
        &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
        l,
    );
    call(
        server[1],
        "bind",
        &json!({"sockfd": l, "addr": unix_path(&path), "addrlen": len}),
        0,
    );
    call(server[2], "listen", &json!({"sockfd": l, "backlog": 5}), 0);
    let conn = new_fd(server[3]);
    assert_ne!(conn, l, "accept returns a new descriptor");
    // The client never bound a name: its address is just the family.
    call(
        server[3],
        "accept",
        &json!({"sockfd": l, "addr": {"family": "AF_UNIX", "unnamed": true}, "addrlen": 2}),
        conn,
    );
    call(server[6], "close", &json!({"fd": conn}), 0);
    call(server[7], "close", &json!({"fd": l}), 0);
    call(server[8], "unlink", &json!({"pathname": path}), 0);
    // The listener exists before the client starts.
    assert!(ts(server[2]) < fork_ts(&recs, kids[0]));

    seq(&client, &["socket", "connect", "write", "read", "close"]);
    let fd = new_fd(client[0]);
    call(
        client[0],
        "socket",
        &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
        fd,
    );
    call(
        client[1],
        "connect",
        &json!({"sockfd": fd, "addr": unix_path(&path), "addrlen": len}),
        0,
    );
    assert_eq!(
        client[1]["args"]["addr"], server[1]["args"]["addr"],
        "connect to the bound path"
    );
    hello_hi(&server[4..6], conn, &client[2..4], fd);
    call(client[4], "close", &json!({"fd": fd}), 0);
    // The server removes the socket file after reaping the client.
    assert!(ts(server[8]) > exit_ts(&recs, kids[0]));
}

#[test]
fn uds_dgram() {
    let recs = record_demo("uds-dgram", &[]);
    let (main, server, kids) = processes(&recs, 1);
    let client = own_calls(&recs, kids[0]);
    let dir = format!("/tmp/tracer-demo-uds-dgram-{main}");
    let (spath, cpath) = (format!("{dir}/server.sock"), format!("{dir}/client.sock"));
    let (slen, clen) = (path_len(&spath), path_len(&cpath));
    let dgram = json!({"domain": "AF_UNIX", "type": "SOCK_DGRAM", "protocol": 0});

    seq(
        &server,
        &["socket", "bind", "recvfrom", "sendto", "close", "unlink"],
    );
    let s = new_fd(server[0]);
    call(server[0], "socket", &dgram, s);
    call(
        server[1],
        "bind",
        &json!({"sockfd": s, "addr": unix_path(&spath), "addrlen": slen}),
        0,
    );
    // recvfrom tells the server who sent "ping": the client's bound path.
    call(
        server[2],
        "recvfrom",
        &json!({"sockfd": s, "buf": data("ping"), "len": 64, "flags": "0",
                "src_addr": unix_path(&cpath), "addrlen": clen}),
        4,
    );
    // ... and the reply goes to exactly that address.
    call(
        server[3],
        "sendto",
        &json!({"sockfd": s, "buf": data("pong"), "len": 4, "flags": "0",
                "dest_addr": unix_path(&cpath), "addrlen": clen}),
        4,
    );
    call(server[4], "close", &json!({"fd": s}), 0);
    call(server[5], "unlink", &json!({"pathname": spath}), 0);

    seq(
        &client,
        &["socket", "bind", "sendto", "recvfrom", "close", "unlink"],
    );
    let c = new_fd(client[0]);
    call(client[0], "socket", &dgram, c);
    call(
        client[1],
        "bind",
        &json!({"sockfd": c, "addr": unix_path(&cpath), "addrlen": clen}),
        0,
    );
    call(
        client[2],
        "sendto",
        &json!({"sockfd": c, "buf": data("ping"), "len": 4, "flags": "0",
                "dest_addr": unix_path(&spath), "addrlen": slen}),
        4,
    );
    call(
        client[3],
        "recvfrom",
        &json!({"sockfd": c, "buf": data("pong"), "len": 64, "flags": "0",
                "src_addr": unix_path(&spath), "addrlen": slen}),
        4,
    );
    call(client[4], "close", &json!({"fd": c}), 0);
    call(client[5], "unlink", &json!({"pathname": cpath}), 0);
    assert!(
        recs.iter().all(|r| r["syscall"] != "listen"
            && r["syscall"] != "accept"
            && r["syscall"] != "connect"),
        "datagram sockets need no listen/accept/connect"
    );
}

#[test]
fn uds_msg() {
    let recs = record_demo("uds-msg", &[]);
    let (main, receiver, kids) = processes(&recs, 1);
    let sender = own_calls(&recs, kids[0]);
    let path = format!("/tmp/tracer-demo-uds-msg-{main}/msg.sock");
    let len = path_len(&path);
    let dgram = json!({"domain": "AF_UNIX", "type": "SOCK_DGRAM", "protocol": 0});

    seq(&receiver, &["socket", "bind", "recvmsg", "close", "unlink"]);
    let r = new_fd(receiver[0]);
    call(receiver[0], "socket", &dgram, r);
    call(
        receiver[1],
        "bind",
        &json!({"sockfd": r, "addr": unix_path(&path), "addrlen": len}),
        0,
    );
    // One 11-byte datagram scattered over two buffers of 6 and 16 bytes.
    // The sender never bound an address: the kernel wrote back none (a length of 0, from
    // the buffer's 110), and the name is the buffer's address, as strace shows it.
    let name = receiver[2]["args"]["msg"]["name"].clone();
    assert!(name.as_str().is_some_and(|n| n.starts_with("0x")), "{name}");
    call(
        receiver[2],
        "recvmsg",
        &json!({"sockfd": r, "flags": "0", "msg": {
            "name": name,
            "namelen": 0,
            "namelen_in": 110,
            "iov": [{"data": "hello ", "len": 6}, {"data": "world", "len": 16}],
            "iovlen": 2, "controllen": 0, "flags": "0"}}),
        11,
    );
    call(receiver[3], "close", &json!({"fd": r}), 0);
    call(receiver[4], "unlink", &json!({"pathname": path}), 0);

    seq(&sender, &["socket", "sendmsg", "close"]);
    let s = new_fd(sender[0]);
    call(sender[0], "socket", &dgram, s);
    // Two buffers gathered into one datagram, sent to the receiver's path.
    call(
        sender[1],
        "sendmsg",
        &json!({"sockfd": s, "flags": "0", "msg": {
            "name": unix_path(&path),
            "namelen": len,
            "iov": [{"data": "hello ", "len": 6}, {"data": "world", "len": 5}],
            "iovlen": 2, "controllen": 0, "flags": "0"}}),
        11,
    );
    call(sender[2], "close", &json!({"fd": s}), 0);
}

#[test]
fn uds_abstract() {
    let recs = record_demo("uds-abstract", &[]);
    let (main, server, kids) = processes(&recs, 1);
    let client = own_calls(&recs, kids[0]);
    let name = format!("tracer-demo-{main}");
    // family + the leading NUL + the name, no terminator.
    let len = 2 + 1 + name.len();
    let addr = json!({"family": "AF_UNIX", "abstract": name});

    seq(
        &server,
        &[
            "socket",
            "bind",
            "listen",
            "getsockname",
            "accept",
            "read",
            "write",
            "close",
            "close",
        ],
    );
    let l = new_fd(server[0]);
    call(
        server[0],
        "socket",
        &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
        l,
    );
    call(
        server[1],
        "bind",
        &json!({"sockfd": l, "addr": addr, "addrlen": len}),
        0,
    );
    call(server[2], "listen", &json!({"sockfd": l, "backlog": 5}), 0);
    call(
        server[3],
        "getsockname",
        &json!({"sockfd": l, "addr": addr, "addrlen": len}),
        0,
    );
    let conn = new_fd(server[4]);
    call(
        server[4],
        "accept",
        &json!({"sockfd": l, "addr": {"family": "AF_UNIX", "unnamed": true}, "addrlen": 2}),
        conn,
    );
    call(server[7], "close", &json!({"fd": conn}), 0);
    call(server[8], "close", &json!({"fd": l}), 0);

    seq(&client, &["socket", "connect", "write", "read", "close"]);
    let fd = new_fd(client[0]);
    call(
        client[0],
        "socket",
        &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
        fd,
    );
    call(
        client[1],
        "connect",
        &json!({"sockfd": fd, "addr": addr, "addrlen": len}),
        0,
    );
    hello_hi(&server[5..7], conn, &client[2..4], fd);
    call(client[4], "close", &json!({"fd": fd}), 0);
    // No file, so nothing to unlink.
    assert!(
        recs.iter().all(|r| r["syscall"] != "unlink"),
        "an abstract name has no file"
    );
}

#[test]
fn uds_seqpacket() {
    let recs = record_demo("uds-seqpacket", &[]);
    let (main, server, kids) = processes(&recs, 2);
    let dir = format!("/tmp/tracer-demo-uds-seqpacket-{main}");
    let rounds = [
        ("SOCK_STREAM", "stream.sock", &["onetwothree"][..]),
        (
            "SOCK_SEQPACKET",
            "seqpacket.sock",
            &["one", "two", "three"][..],
        ),
    ];
    let mut expected = Vec::new();
    for (_, _, reads) in rounds {
        expected.extend(["socket", "bind", "listen", "accept"]);
        expected.extend(std::iter::repeat_n("read", reads.len() + 1));
        expected.extend(["close", "close", "unlink"]);
    }
    seq(&server, &expected);

    let mut at = 0;
    for ((ty, file, reads), &kid) in rounds.iter().zip(&kids) {
        let path = format!("{dir}/{file}");
        let len = path_len(&path);
        let sock = json!({"domain": "AF_UNIX", "type": ty, "protocol": 0});
        let s = &server[at..at + 4 + reads.len() + 1 + 3];
        at += s.len();

        let l = new_fd(s[0]);
        call(s[0], "socket", &sock, l);
        call(
            s[1],
            "bind",
            &json!({"sockfd": l, "addr": unix_path(&path), "addrlen": len}),
            0,
        );
        call(s[2], "listen", &json!({"sockfd": l, "backlog": 5}), 0);
        let conn = new_fd(s[3]);
        call(
            s[3],
            "accept",
            &json!({"sockfd": l, "addr": {"family": "AF_UNIX", "unnamed": true}, "addrlen": 2}),
            conn,
        );
        // STREAM: one read of all 11 bytes; SEQPACKET: 3, 3 and 5; then end of file.
        for (k, msg) in reads.iter().enumerate() {
            call(
                s[4 + k],
                "read",
                &json!({"fd": conn, "buf": data(msg), "count": 64}),
                msg.len() as i64,
            );
        }
        let n = 4 + reads.len();
        call(
            s[n],
            "read",
            &json!({"fd": conn, "buf": data(""), "count": 64}),
            0,
        );
        // The server read nothing before the client had written everything and exited.
        assert!(
            ts(s[4]) > exit_ts(&recs, kid),
            "{ty}: read before the client exited"
        );
        call(s[n + 1], "close", &json!({"fd": conn}), 0);
        call(s[n + 2], "close", &json!({"fd": l}), 0);
        call(s[n + 3], "unlink", &json!({"pathname": path}), 0);

        let client = own_calls(&recs, kid);
        seq(
            &client,
            &["socket", "connect", "write", "write", "write", "close"],
        );
        let fd = new_fd(client[0]);
        call(client[0], "socket", &sock, fd);
        call(
            client[1],
            "connect",
            &json!({"sockfd": fd, "addr": unix_path(&path), "addrlen": len}),
            0,
        );
        for (k, msg) in ["one", "two", "three"].iter().enumerate() {
            call(
                client[2 + k],
                "write",
                &json!({"fd": fd, "buf": data(msg), "count": msg.len()}),
                msg.len() as i64,
            );
        }
        call(client[5], "close", &json!({"fd": fd}), 0);
    }
}

#[test]
fn uds_perms() {
    let recs = record_demo("uds-perms", &[]);
    let (main, calls, _) = processes(&recs, 0);
    let dir = format!("/tmp/tracer-demo-uds-perms-{main}");
    // fchmod, umask and stat are not socket/IPC calls: only the socket's life shows.
    seq(
        &calls,
        &[
            "socket", "bind", "listen", "close", "unlink", "socket", "bind", "listen", "close",
            "unlink",
        ],
    );
    for (k, file) in ["fchmod.sock", "umask.sock"].iter().enumerate() {
        let c = &calls[k * 5..k * 5 + 5];
        let path = format!("{dir}/{file}");
        let fd = new_fd(c[0]);
        call(
            c[0],
            "socket",
            &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
            fd,
        );
        call(
            c[1],
            "bind",
            &json!({"sockfd": fd, "addr": unix_path(&path), "addrlen": path_len(&path)}),
            0,
        );
        call(c[2], "listen", &json!({"sockfd": fd, "backlog": 5}), 0);
        call(c[3], "close", &json!({"fd": fd}), 0);
        call(c[4], "unlink", &json!({"pathname": path}), 0);
    }
}

/// uds-cred: SO_PEERCRED names the client, the sender's own SCM_CREDENTIALS go through (as uid
/// and gid 65534) and its claim of the parent's pid and uid 0 is refused with EPERM.
#[test]
fn uds_cred() {
    let recs = record_demo("uds-cred", &[]);
    let (main, calls, kids) = processes(&recs, 2);
    let (client, sender) = (own_calls(&recs, kids[0]), own_calls(&recs, kids[1]));
    let dir = format!("/tmp/tracer-demo-uds-cred-{main}");
    let (server_path, client_path) = (format!("{dir}/server.sock"), format!("{dir}/client.sock"));
    // stat, setgroups, setgid and setuid are not socket/IPC calls.
    seq(
        &calls,
        &[
            "socket",
            "bind",
            "listen",
            "accept",
            "getsockopt",
            "write",
            "close",
            "close",
            "unlink",
            "unlink",
            "socketpair",
            "setsockopt",
            "recvmsg",
            "close",
            "close",
        ],
    );
    let l = new_fd(calls[0]);
    let conn = new_fd(calls[3]);
    call(
        calls[3],
        "accept",
        &json!({"sockfd": l, "addr": unix_path(&client_path), "addrlen": path_len(&client_path)}),
        conn,
    );
    call(
        calls[4],
        "getsockopt",
        &json!({"sockfd": conn, "level": "SOL_SOCKET", "optname": "SO_PEERCRED",
                "optval": format!("{{pid={}, uid=0, gid=0}}", kids[0]), "optlen": 12}),
        0,
    );
    call(calls[8], "unlink", &json!({"pathname": client_path}), 0);
    call(calls[9], "unlink", &json!({"pathname": server_path}), 0);
    seq(&client, &["socket", "bind", "connect", "read", "close"]);

    let sv = &calls[10]["args"]["sv"];
    call(
        calls[11],
        "setsockopt",
        &json!({"sockfd": sv[0], "level": "SOL_SOCKET", "optname": "SO_PASSCRED",
                "optval": [1], "optlen": 4}),
        0,
    );
    seq(&sender, &["sendmsg", "sendmsg"]);
    let creds = |c: &Value| c["args"]["msg"]["control"]["cmsgs"][0].clone();
    let ucred = |pid: u64, id: u64| {
        json!({"len": 28, "level": "SOL_SOCKET", "type": "SCM_CREDENTIALS",
               "data": {"pid": pid, "uid": id, "gid": id}})
    };
    assert_eq!(creds(sender[0]), ucred(kids[1], 65534), "{}", sender[0]);
    assert_eq!(sender[0]["ret"], 4, "{}", sender[0]);
    assert_eq!(creds(sender[1]), ucred(main, 0), "{}", sender[1]);
    assert_eq!(sender[1]["errno"], "EPERM", "{}", sender[1]);
    assert_eq!(creds(calls[12]), ucred(kids[1], 65534), "{}", calls[12]);
    assert_eq!(
        calls[12]["args"]["msg"]["iov"][0]["data"], "mine",
        "{}",
        calls[12]
    );
}

#[test]
fn socketpair() {
    let recs = record_demo("socketpair", &[]);
    let (_, parent, kids) = processes(&recs, 1);
    let child = own_calls(&recs, kids[0]);

    seq(&parent, &["socketpair", "close", "read", "write", "close"]);
    let sv = parent[0]["args"]["sv"].clone();
    let (a, b) = (
        sv[0].as_i64().expect("sv[0]"),
        sv[1].as_i64().expect("sv[1]"),
    );
    assert!(a >= 3 && b >= 3 && a != b, "two new descriptors: {sv}");
    call(
        parent[0],
        "socketpair",
        &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0, "sv": [a, b]}),
        0,
    );
    // The parent uses sv[0] and closes sv[1]; the child the reverse.
    call(parent[1], "close", &json!({"fd": b}), 0);
    call(
        parent[2],
        "read",
        &json!({"fd": a, "buf": data("ping"), "count": 4}),
        4,
    );
    call(
        parent[3],
        "write",
        &json!({"fd": a, "buf": data("pong"), "count": 4}),
        4,
    );
    call(parent[4], "close", &json!({"fd": a}), 0);

    seq(&child, &["close", "write", "read", "close"]);
    call(child[0], "close", &json!({"fd": a}), 0);
    call(
        child[1],
        "write",
        &json!({"fd": b, "buf": data("ping"), "count": 4}),
        4,
    );
    call(
        child[2],
        "read",
        &json!({"fd": b, "buf": data("pong"), "count": 4}),
        4,
    );
    call(child[3], "close", &json!({"fd": b}), 0);
    assert!(
        ts(parent[0]) < fork_ts(&recs, kids[0]),
        "the pair exists before the fork"
    );
}

#[test]
fn pipe() {
    let recs = record_demo("pipe", &[]);
    let (_, parent, kids) = processes(&recs, 1);
    let child = own_calls(&recs, kids[0]);
    let msg = "hello through a pipe";

    // glibc's pipe() is pipe2(fds, 0).
    seq(&parent, &["pipe2", "close", "read", "read", "close"]);
    let fds = parent[0]["args"]["pipefd"].clone();
    let (r, w) = (
        fds[0].as_i64().expect("fds[0]"),
        fds[1].as_i64().expect("fds[1]"),
    );
    assert!(r >= 3 && w >= 3 && r != w, "two new descriptors: {fds}");
    call(
        parent[0],
        "pipe2",
        &json!({"pipefd": [r, w], "flags": "0"}),
        0,
    );
    // The parent closes its write end first, or it would never see end of file.
    call(parent[1], "close", &json!({"fd": w}), 0);
    call(
        parent[2],
        "read",
        &json!({"fd": r, "buf": data(msg), "count": 64}),
        20,
    );
    call(
        parent[3],
        "read",
        &json!({"fd": r, "buf": data(""), "count": 64}),
        0,
    );
    call(parent[4], "close", &json!({"fd": r}), 0);

    seq(&child, &["close", "write", "close"]);
    call(child[0], "close", &json!({"fd": r}), 0);
    call(
        child[1],
        "write",
        &json!({"fd": w, "buf": data(msg), "count": 20}),
        20,
    );
    call(child[2], "close", &json!({"fd": w}), 0);
    // End of file only once every write end is closed.
    assert!(end_ts(parent[3]) > ts(child[2]));
    assert!(end_ts(parent[3]) > ts(parent[1]));
}

#[test]
fn fifo() {
    let recs = record_demo("fifo", &[]);
    let (main, reader, kids) = processes(&recs, 1);
    let writer = own_calls(&recs, kids[0]);
    let path = format!("/tmp/tracer-demo-fifo-{main}/fifo");
    let msg = "hello through a FIFO";

    // mkfifo is mknodat(AT_FDCWD, path, S_IFIFO|0600, 0), shown as strace shows it: the device
    // number only for a device; the opens are not recorded.
    seq(&reader, &["mknodat", "read", "read", "close", "unlink"]);
    call(
        reader[0],
        "mknodat",
        &json!({"dirfd": "AT_FDCWD", "pathname": path, "mode": "S_IFIFO|0600"}),
        0,
    );
    assert!(
        ts(reader[0]) < fork_ts(&recs, kids[0]),
        "the FIFO exists before the fork"
    );
    let fd = reader[1]["args"]["fd"].as_i64().expect("read fd");
    assert!(fd >= 3, "{}", reader[1]);
    call(
        reader[1],
        "read",
        &json!({"fd": fd, "buf": data(msg), "count": 64}),
        20,
    );
    call(
        reader[2],
        "read",
        &json!({"fd": fd, "buf": data(""), "count": 64}),
        0,
    );
    call(reader[3], "close", &json!({"fd": fd}), 0);
    call(reader[4], "unlink", &json!({"pathname": path}), 0);

    seq(&writer, &["write", "close"]);
    let wfd = writer[0]["args"]["fd"].as_i64().expect("write fd");
    assert!(wfd >= 3, "{}", writer[0]);
    call(
        writer[0],
        "write",
        &json!({"fd": wfd, "buf": data(msg), "count": 20}),
        20,
    );
    call(writer[1], "close", &json!({"fd": wfd}), 0);
    assert!(
        end_ts(reader[2]) > ts(writer[1]),
        "end of file after the writer closed"
    );
}

#[test]
fn msgqueue() {
    let recs = record_demo("msgqueue", &[]);
    let (main, calls, _) = processes(&recs, 0);
    let key_path = format!("/tmp/tracer-demo-msgqueue-{main}/ftok-key");

    // close of the key file (its open is not recorded), then the queue's life.
    seq(
        &calls,
        &[
            "close", "msgget", "msgsnd", "msgsnd", "msgrcv", "msgrcv", "msgctl", "unlink",
        ],
    );
    let key_fd = calls[0]["args"]["fd"].as_i64().expect("fd");
    assert!(key_fd >= 3);
    call(calls[0], "close", &json!({"fd": key_fd}), 0);
    // ftok(path, 'T'): the project id is the key's top byte.
    let key = calls[1]["args"]["key"].clone();
    assert_eq!(hex(&key) >> 24, u64::from(b'T'), "ftok key {key}");
    let q = ret(calls[1]);
    assert!(q >= 0, "{}", calls[1]);
    call(
        calls[1],
        "msgget",
        &json!({"key": key, "msgflg": "IPC_CREAT|IPC_EXCL|0600"}),
        q,
    );
    let msg = |mtype: i64, text: &str| json!({"mtype": mtype, "mtext": data(text)});
    call(
        calls[2],
        "msgsnd",
        &json!({"msqid": q, "msgp": msg(1, "first"), "msgsz": 5, "msgflg": "0"}),
        0,
    );
    call(
        calls[3],
        "msgsnd",
        &json!({"msqid": q, "msgp": msg(2, "second"), "msgsz": 6, "msgflg": "0"}),
        0,
    );
    // msgtyp 2: the first message of type 2, although it was sent last.
    call(
        calls[4],
        "msgrcv",
        &json!({"msqid": q, "msgp": msg(2, "second"), "msgsz": 64, "msgtyp": 2, "msgflg": "0"}),
        6,
    );
    // msgtyp 0: the oldest message left.
    call(
        calls[5],
        "msgrcv",
        &json!({"msqid": q, "msgp": msg(1, "first"), "msgsz": 64, "msgtyp": 0, "msgflg": "0"}),
        5,
    );
    call(
        calls[6],
        "msgctl",
        &json!({"msqid": q, "cmd": "IPC_RMID", "buf": "NULL"}),
        0,
    );
    call(calls[7], "unlink", &json!({"pathname": key_path}), 0);
}

#[test]
fn semaphore() {
    let recs = record_demo("semaphore", &[]);
    let (_, parent, kids) = processes(&recs, 1);
    let child = own_calls(&recs, kids[0]);

    // semop is semtimedop(..., NULL).
    seq(
        &parent,
        &["semget", "semctl", "semtimedop", "semtimedop", "semctl"],
    );
    let id = ret(parent[0]);
    assert!(id >= 0, "{}", parent[0]);
    call(
        parent[0],
        "semget",
        &json!({"key": "IPC_PRIVATE", "nsems": 1, "semflg": "IPC_CREAT|0600"}),
        id,
    );
    // SETVAL reads the int member of union semun: 1, "unlocked" (the rest of the 8-byte union is
    // not initialised by the demo, so only the low 32 bits are meaningful).
    let arg = parent[1]["args"]["arg"].clone();
    assert_eq!(hex(&arg) & 0xffff_ffff, 1, "semun.val for SETVAL: {arg}");
    call(
        parent[1],
        "semctl",
        &json!({"semid": id, "semnum": 0, "cmd": "SETVAL", "arg": arg}),
        0,
    );
    assert!(ts(parent[1]) < fork_ts(&recs, kids[0]));
    let op = |sem_op: i64| {
        json!({"semid": id, "sops": [{"sem_num": 0, "sem_op": sem_op, "sem_flg": "SEM_UNDO"}],
               "nsops": 1, "timeout": null})
    };
    call(parent[2], "semtimedop", &op(-1), 0);
    call(parent[3], "semtimedop", &op(1), 0);
    call(
        parent[4],
        "semctl",
        &json!({"semid": id, "semnum": 0, "cmd": "IPC_RMID", "arg": "NULL"}),
        0,
    );

    seq(&child, &["semtimedop", "semtimedop"]);
    call(child[0], "semtimedop", &op(-1), 0);
    call(child[1], "semtimedop", &op(1), 0);
    // The parent takes the lock only after waiting for the child.
    assert!(ts(parent[2]) > exit_ts(&recs, kids[0]));
}

#[test]
fn shm() {
    let recs = record_demo("shm", &[]);
    let (_, parent, kids) = processes(&recs, 1);
    let child = own_calls(&recs, kids[0]);

    seq(&parent, &["shmget", "shmat", "shmdt", "shmctl"]);
    let id = ret(parent[0]);
    assert!(id >= 0, "{}", parent[0]);
    call(
        parent[0],
        "shmget",
        &json!({"key": "IPC_PRIVATE", "size": 4096, "shmflg": "IPC_CREAT|0600"}),
        id,
    );
    let attach = json!({"shmid": id, "shmaddr": "NULL", "shmflg": "0"});
    let addr = ret(parent[1]);
    assert!(
        addr > 0 && addr % 4096 == 0,
        "an attach address: {}",
        parent[1]
    );
    call(parent[1], "shmat", &attach, addr);
    call(parent[2], "shmdt", &json!({"shmaddr": ptr(addr)}), 0);
    call(
        parent[3],
        "shmctl",
        &json!({"shmid": id, "cmd": "IPC_RMID", "buf": "NULL"}),
        0,
    );
    // The parent attaches only after the writer is gone.
    assert!(ts(parent[1]) > exit_ts(&recs, kids[0]));

    seq(&child, &["shmat", "shmdt"]);
    let caddr = ret(child[0]);
    assert!(
        caddr > 0 && caddr % 4096 == 0,
        "an attach address: {}",
        child[0]
    );
    call(child[0], "shmat", &attach, caddr);
    call(child[1], "shmdt", &json!({"shmaddr": ptr(caddr)}), 0);
}

#[test]
fn signal() {
    let recs = record_demo("signal", &[]);
    let (main, parent) = main_process(&recs);
    // The sigqueue child, the kill(0) group leader, the maker of the kill(-1) namespace.
    let kids = children(&recs, main);
    assert_eq!(kids.len(), 3, "{kids:?}");
    let child = own_calls(&recs, kids[0]);
    assert!(children(&recs, kids[0]).is_empty());

    // rt_sigprocmask and rt_sigsuspend are not recorded; the handler's install and restore are.
    seq(&parent, &["rt_sigaction", "rt_sigaction"]);
    let install = &parent[0]["args"];
    let handler = &install["act"]["handler"];
    assert!(
        hex(handler) > 1,
        "a function, not SIG_DFL/SIG_IGN: {handler}"
    );
    let restorer = &install["act"]["restorer"];
    assert!(hex(restorer) > 0, "glibc's __restore_rt: {restorer}");
    let flags = install["act"]["flags"].as_str().expect("flags");
    assert!(flags.split('|').any(|f| f == "SA_SIGINFO"), "{flags}");
    // The old action the kernel wrote back: the default one, nothing blocked.
    call(
        parent[0],
        "rt_sigaction",
        &json!({"signum": "SIGUSR1",
                "act": {"handler": handler, "mask": "[]", "flags": "SA_RESTORER|SA_SIGINFO",
                        "restorer": restorer},
                "oldact": {"handler": "SIG_DFL", "mask": "[]", "flags": "0", "restorer": null},
                "sigsetsize": 8}),
        0,
    );
    assert!(
        ts(parent[0]) < fork_ts(&recs, kids[0]),
        "the handler is installed before the fork"
    );
    // Restoring the saved (default) action, after the signal arrived.
    call(
        parent[1],
        "rt_sigaction",
        &json!({"signum": "SIGUSR1",
                "act": {"handler": "SIG_DFL", "mask": "[]", "flags": "SA_RESTORER",
                        "restorer": install["act"]["restorer"]},
                "oldact": null, "sigsetsize": 8}),
        0,
    );

    // sigqueue(getppid(), SIGUSR1, {.sival_int = 42}).
    seq(&child, &["rt_sigqueueinfo"]);
    let info = &child[0]["args"]["info"];
    assert_eq!(info["si_signo"], "SIGUSR1", "{info}");
    assert_eq!(info["si_value"], 42, "{info}");
    assert_eq!(info["si_code"], "SI_QUEUE", "{info}");
    call(
        child[0],
        "rt_sigqueueinfo",
        &json!({"tgid": main, "sig": "SIGUSR1",
                "info": {"si_signo": "SIGUSR1", "si_code": "SI_QUEUE", "si_value": 42,
                         "si_ptr": info["si_ptr"]}}),
        0,
    );
    assert!(
        ts(parent[1]) > ts(child[0]),
        "the action is restored after the signal was sent"
    );
    // kill(0): the group leader signals its own group, itself and the member it forked.
    let member = children(&recs, kids[1]);
    assert_eq!(member.len(), 1, "{member:?}");
    let leader = own_calls(&recs, kids[1]);
    let kill0 = leader
        .iter()
        .find(|c| c["syscall"] == "kill")
        .unwrap_or_else(|| panic!("no kill in {:?}", names(&leader)));
    call(kill0, "kill", &json!({"pid": 0, "sig": "SIGUSR2"}), 0);

    // kill(-1), inside a new PID namespace: maker -> init -> target, killer.
    let init = children(&recs, kids[2]);
    assert_eq!(init.len(), 1, "{init:?}");
    let inside = children(&recs, init[0]);
    assert_eq!(inside.len(), 2, "target and killer: {inside:?}");
    let killer = own_calls(&recs, inside[1]);
    seq(&killer, &["kill"]);
    call(killer[0], "kill", &json!({"pid": -1, "sig": "SIGUSR2"}), 0);
    let mut all = vec![main, kids[0], kids[1], member[0], kids[2], init[0]];
    all.extend(&inside);
    only_processes(&recs, &all);
}

#[test]
fn netlink() {
    let recs = record_demo("netlink", &[]);
    let (_, all, _) = processes(&recs, 0);
    // The dump, then the socket subscribed to the link notifications.
    let second = all
        .iter()
        .rposition(|c| c["syscall"] == "socket")
        .expect("a second socket");
    let (calls, group) = (all[..second].to_vec(), &all[second..]);
    seq(
        group,
        &[
            "socket",
            "bind",
            "getsockname",
            "getsockopt",
            "recvfrom",
            "close",
        ],
    );
    let gfd = new_fd(group[0]);
    call(
        group[1],
        "bind",
        &json!({"sockfd": gfd, "addr": {"family": "AF_NETLINK", "pid": 0, "groups": 1},
                "addrlen": 12}),
        0,
    );
    assert_eq!(group[2]["args"]["addr"]["groups"], 1, "{}", group[2]);
    // Only the 4 bytes given were written back, though the kernel says 8 are needed.
    call(
        group[3],
        "getsockopt",
        &json!({"sockfd": gfd, "level": "SOL_NETLINK", "optname": "NETLINK_LIST_MEMBERSHIPS",
                "optval": "[1]", "optlen": 8}),
        0,
    );
    // Nothing changed on the machine (a link change during the demo would be a message).
    if group[4]["ret"].as_i64().is_some_and(|r| r < 0) {
        assert_eq!(group[4]["errno"], "EAGAIN", "{}", group[4]);
    }
    let names = names(&calls);
    let n = names.len();
    assert!(n >= 5, "{names:?}");
    assert_eq!(names[..3], ["socket", "bind", "sendto"], "{names:?}");
    assert!(names[3..n - 1].iter().all(|c| c == "recvfrom"), "{names:?}");
    assert_eq!(names[n - 1], "close", "{names:?}");

    let fd = new_fd(calls[0]);
    call(
        calls[0],
        "socket",
        &json!({"domain": "AF_NETLINK", "type": "SOCK_RAW", "protocol": "NETLINK_ROUTE"}),
        fd,
    );
    // nl_pid 0 in bind: the kernel assigns the port id.
    let kernel = json!({"family": "AF_NETLINK", "pid": 0, "groups": 0});
    call(
        calls[1],
        "bind",
        &json!({"sockfd": fd, "addr": kernel, "addrlen": 12}),
        0,
    );

    // The RTM_GETLINK dump request, to port 0: the kernel.
    let buf = &calls[2]["args"]["buf"];
    let mut req = Vec::new();
    req.extend(32u32.to_ne_bytes()); // nlmsg_len
    req.extend(18u16.to_ne_bytes()); // nlmsg_type RTM_GETLINK
    req.extend(0x301u16.to_ne_bytes()); // NLM_F_REQUEST | NLM_F_DUMP
    req.extend(1u32.to_ne_bytes()); // nlmsg_seq
    req.extend(0u32.to_ne_bytes()); // nlmsg_pid
    req.extend([0u8; 16]); // struct ifinfomsg, ifi_family AF_UNSPEC
    assert_eq!(
        unescape(buf["data"].as_str().expect("request data")),
        req,
        "{buf}"
    );
    call(
        calls[2],
        "sendto",
        &json!({"sockfd": fd, "buf": {"data": buf["data"], "len": 32}, "len": 32, "flags": "0",
                "dest_addr": kernel, "addrlen": 12}),
        32,
    );

    // The replies come from the kernel (port 0).
    for (k, c) in calls[3..n - 1].iter().enumerate() {
        let got = ret(c);
        assert!(got > 0, "{c}");
        let buf = &c["args"]["buf"];
        let bytes = unescape(buf["data"].as_str().expect("reply data"));
        assert_eq!(bytes.len() as i64, got.min(32), "{c}");
        let mut want_buf = json!({"data": buf["data"], "len": got});
        if got > 32 {
            want_buf["truncated"] = json!(true);
        }
        call(
            c,
            "recvfrom",
            &json!({"sockfd": fd, "buf": want_buf, "len": 32768, "flags": "0",
                    "src_addr": kernel, "addrlen": 12}),
            got,
        );
        let ty = u16::from_ne_bytes([bytes[4], bytes[5]]);
        let seqno = u32::from_ne_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        assert_eq!(seqno, 1, "a reply to our request: {c}");
        if k == 0 {
            assert_eq!(ty, 16, "the first reply is an RTM_NEWLINK: {c}");
            let flags = u16::from_ne_bytes([bytes[6], bytes[7]]);
            assert_ne!(flags & 0x2, 0, "NLM_F_MULTI: {c}");
        }
        if got == 20 {
            assert_eq!(ty, 3, "a 20-byte datagram is NLMSG_DONE: {c}");
        }
    }
    call(calls[n - 1], "close", &json!({"fd": fd}), 0);
}

#[test]
fn mmap() {
    let recs = record_demo("mmap", &[]);
    let (main, parent, kids) = processes(&recs, 1);
    let child = own_calls(&recs, kids[0]);
    let path = format!("/tmp/tracer-demo-mmap-{main}/shared.dat");

    // open and ftruncate are not recorded; MAP_PRIVATE mappings (libraries) are not either.
    seq(&parent, &["mmap", "munmap", "close", "unlink"]);
    let fd = parent[0]["args"]["fd"].as_i64().expect("fd");
    assert!(fd >= 3, "{}", parent[0]);
    let map = json!({"addr": "NULL", "length": 4096, "prot": "PROT_READ|PROT_WRITE",
                     "flags": "MAP_SHARED", "fd": fd, "offset": "0"});
    let addr = ret(parent[0]);
    assert!(addr > 0 && addr % 4096 == 0, "{}", parent[0]);
    call(parent[0], "mmap", &map, addr);
    call(
        parent[1],
        "munmap",
        &json!({"addr": ptr(addr), "length": 4096}),
        0,
    );
    call(parent[2], "close", &json!({"fd": fd}), 0);
    call(parent[3], "unlink", &json!({"pathname": path}), 0);
    // The parent reads (and unmaps) only after the child has written and exited.
    assert!(ts(parent[1]) > exit_ts(&recs, kids[0]));

    // The child maps the same file, inherited descriptor and all.
    seq(&child, &["mmap", "munmap"]);
    let caddr = ret(child[0]);
    assert!(caddr > 0 && caddr % 4096 == 0, "{}", child[0]);
    call(child[0], "mmap", &map, caddr);
    call(
        child[1],
        "munmap",
        &json!({"addr": ptr(caddr), "length": 4096}),
        0,
    );
}

#[test]
fn tcp_hello() {
    let recs = record_demo("tcp-hello", &[]);
    let (_, server, kids) = processes(&recs, 1);
    // The client's looks at /proc/<server>/syscall (open, read, close until the server sleeps
    // in accept) are not on its socket: left out.
    let mut client = own_calls(&recs, kids[0]);
    let sock = client.first().map(|c| c["ret"].clone());
    client.retain(|c| {
        !(matches!(c["syscall"].as_str(), Some("read" | "close"))
            && Some(&c["args"]["fd"]) != sock.as_ref())
    });
    let inet = |port: u64| json!({"family": "AF_INET", "addr": "127.0.0.1", "port": port});
    let tcp = json!({"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "IPPROTO_IP"});

    seq(
        &server,
        &[
            "socket",
            "setsockopt",
            "bind",
            "getsockname",
            "listen",
            "accept",
            "read",
            "write",
            "close",
            "close",
        ],
    );
    let l = new_fd(server[0]);
    call(server[0], "socket", &tcp, l);
    call(
        server[1],
        "setsockopt",
        &json!({"sockfd": l, "level": "SOL_SOCKET", "optname": "SO_REUSEADDR",
                "optval": [1], "optlen": 4}),
        0,
    );
    // Port 0: the kernel picks one, and getsockname tells which.
    call(
        server[2],
        "bind",
        &json!({"sockfd": l, "addr": inet(0), "addrlen": 16}),
        0,
    );
    let port = server[3]["args"]["addr"]["port"]
        .as_u64()
        .expect("bound port");
    assert!(port > 0, "{}", server[3]);
    call(
        server[3],
        "getsockname",
        &json!({"sockfd": l, "addr": inet(port), "addrlen": 16}),
        0,
    );
    call(server[4], "listen", &json!({"sockfd": l, "backlog": 5}), 0);
    let conn = new_fd(server[5]);
    let peer = server[5]["args"]["addr"]["port"]
        .as_u64()
        .expect("peer port");
    assert!(
        peer > 0 && peer != port,
        "the client's own ephemeral port: {}",
        server[5]
    );
    call(
        server[5],
        "accept",
        &json!({"sockfd": l, "addr": inet(peer), "addrlen": 16}),
        conn,
    );
    call(server[8], "close", &json!({"fd": conn}), 0);
    call(server[9], "close", &json!({"fd": l}), 0);
    // The server slept in accept: the client connected 300 ms after it saw it blocked.
    let waited = server[5]["dur_ns"].as_u64().expect("accept's duration");
    assert!(waited >= 300_000_000, "accept waited {waited} ns");

    seq(&client, &["socket", "connect", "write", "read", "close"]);
    let fd = new_fd(client[0]);
    call(client[0], "socket", &tcp, fd);
    call(
        client[1],
        "connect",
        &json!({"sockfd": fd, "addr": inet(port), "addrlen": 16}),
        0,
    );
    hello_hi(&server[6..8], conn, &client[2..4], fd);
    call(client[4], "close", &json!({"fd": fd}), 0);
}

/// The i386 C library's loader, which the socketcall demo looks for (demo/glibc32.rs).
const I386_LOADER: &str = "/lib/ld-linux.so.2";

/// Where the i386 C library is installed (as it is where `cargo xtask test` ran: gcc-multilib
/// pulls in libc6-i386), the demo's 32-bit bind is glibc's own.
#[test]
fn socketcall() {
    let recs = record_demo("socketcall", &[]);
    let glibc = std::path::Path::new(I386_LOADER).exists();
    socketcall_checks(&recs, glibc);
}

/// Asked to (or where the i386 C library is missing), the demo runs the program that repeats
/// glibc's instructions.
#[test]
fn socketcall_without_the_c_library() {
    let recs = record_demo_env(
        "socketcall hand",
        &[],
        &[("TRACER_SOCKETCALL_HAND_ASSEMBLED", "1")],
    );
    socketcall_checks(&recs, false);
}

/// The socketcall demo's recording: its three binds; the one through the vDSO made by glibc's
/// own bind (`glibc`) or by the program repeating its instructions.
fn socketcall_checks(recs: &[Value], glibc: bool) {
    let (main, calls, kids) = processes(recs, 1);
    let dir = format!("/tmp/tracer-demo-socketcall-{main}");
    let (ia32_path, x64_path) = (
        format!("{dir}/socketcall-ia32.sock"),
        format!("{dir}/socketcall-x64.sock"),
    );
    seq(
        &calls,
        &[
            "socket", "bind", "close", "munmap", "unlink", "socket", "bind", "close", "unlink",
            "write", "close", "unlink", "unlink",
        ],
    );

    // ia32: int 0x80, eax = 102 = socketcall, with call SYS_SOCKET then SYS_BIND.
    for c in &calls[..3] {
        assert_eq!(c["abi"], "ia32", "{c}");
        assert_eq!(c["entry"], "int80", "{c}");
        assert!(c.get("markers").is_none(), "{c}");
        assert!(c["errno"].is_null(), "{c}");
    }
    let socket = calls[0];
    let fd = new_fd(socket);
    assert_eq!(socket["nr"], 102, "{socket}");
    assert_eq!(socket["syscall"], "socket", "{socket}");
    assert_eq!(socket["socketcall"]["name"], "SYS_SOCKET", "{socket}");
    assert_eq!(socket["socketcall"]["call"], 1, "{socket}");
    assert_eq!(
        socket["socketcall"]["array"],
        json!([1, 1, 0]),
        "[AF_UNIX, SOCK_STREAM, 0]: {socket}"
    );
    assert_eq!(
        socket["args"],
        json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
        "{socket}"
    );
    // The argument array lives in a page below 4 GiB.
    let args_ptr = hex(&socket["socketcall"]["args_ptr"]);
    assert!(
        args_ptr > 0 && args_ptr < 1 << 32 && args_ptr.is_multiple_of(4096),
        "{socket}"
    );

    let bind = calls[1];
    let len = path_len(&ia32_path);
    assert_eq!(bind["nr"], 102, "{bind}");
    assert_eq!(bind["syscall"], "bind", "{bind}");
    assert_eq!(bind["socketcall"]["name"], "SYS_BIND", "{bind}");
    assert_eq!(bind["socketcall"]["call"], 2, "{bind}");
    assert_eq!(
        bind["socketcall"]["args_ptr"], socket["socketcall"]["args_ptr"],
        "{bind}"
    );
    // [fd, the 32-bit address of the sockaddr_un after the 12-byte array, addrlen].
    assert_eq!(
        bind["socketcall"]["array"],
        json!([fd, args_ptr + 12, len]),
        "{bind}"
    );
    assert_eq!(
        bind["args"],
        json!({"sockfd": fd, "addr": unix_path(&ia32_path), "addrlen": len}),
        "{bind}"
    );
    assert_eq!(bind["ret"], 0, "{bind}");

    // ia32 close is its own system call (6), not a socketcall.
    let close = calls[2];
    assert_eq!(close["nr"], 6, "{close}");
    assert_eq!(close["syscall"], "close", "{close}");
    assert!(close.get("socketcall").is_none(), "{close}");
    assert_eq!(close["args"], json!({"fd": fd}), "{close}");
    assert_eq!(close["ret"], 0, "{close}");

    call(
        calls[3],
        "munmap",
        &json!({"addr": ptr(args_ptr as i64), "length": 4096}),
        0,
    );
    call(calls[4], "unlink", &json!({"pathname": ia32_path}), 0);

    // x86_64: the dedicated system calls 41 and 49.
    let fd64 = new_fd(calls[5]);
    call(
        calls[5],
        "socket",
        &json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0}),
        fd64,
    );
    assert_eq!(calls[5]["nr"], 41);
    call(
        calls[6],
        "bind",
        &json!({"sockfd": fd64, "addr": unix_path(&x64_path), "addrlen": path_len(&x64_path)}),
        0,
    );
    assert_eq!(calls[6]["nr"], 49);
    call(calls[7], "close", &json!({"fd": fd64}), 0);
    call(calls[8], "unlink", &json!({"pathname": x64_path}), 0);

    // The way 32-bit glibc enters: the demo writes a 32-bit program and runs it: glibc32.rs,
    // calling glibc's own socket and bind, or vsyscall32.rs, repeating glibc's instructions.
    // Either calls the vDSO's __kernel_vsyscall, which enters with sysenter (Intel) or syscall
    // (AMD), never int 0x80.
    let name = if glibc { "bind32-glibc" } else { "bind32-vdso" };
    let (prog, vdso_path) = (
        format!("{dir}/{name}"),
        format!("{dir}/socketcall-vdso.sock"),
    );
    assert_eq!(calls[9]["args"]["fd"], calls[10]["args"]["fd"]);
    call(calls[11], "unlink", &json!({"pathname": prog}), 0);
    call(calls[12], "unlink", &json!({"pathname": vdso_path}), 0);
    let exec = recs
        .iter()
        .find(|r| r["type"] == "exec" && r["pid"] == kids[0])
        .expect("the child's exec");
    assert_eq!(exec["filename"], prog, "{exec}");
    let exit = recs
        .iter()
        .find(|r| r["type"] == "exit" && r["pid"] == kids[0])
        .expect("the child's exit");
    assert_eq!(exit["exit_code"], 0, "bind's errno: {exit}");
    let child: Vec<&Value> = recs
        .iter()
        .filter(|r| r["type"] == "syscall" && r["pid"] == kids[0] && r["abi"] == "ia32")
        .collect();
    let sockets: Vec<&Value> = child.iter().copied().filter(|c| c["nr"] == 102).collect();
    assert_eq!(names(&sockets), ["socket", "bind"], "{child:#?}");
    let amd = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap()
        .contains("AuthenticAMD");
    for c in &sockets {
        assert_eq!(c["entry"], if amd { "syscall" } else { "sysenter" }, "{c}");
    }
    let bind = sockets[1];
    assert_eq!(bind["socketcall"]["name"], "SYS_BIND", "{bind}");
    let len = path_len(&vdso_path);
    assert_eq!(
        bind["args"],
        json!({"sockfd": new_fd(sockets[0]), "addr": unix_path(&vdso_path), "addrlen": len}),
        "{bind}"
    );
    assert_eq!(bind["ret"], 0, "{bind}");
    // The address is in the program's data page, one page above its 0x8048000 base.
    let addr = bind["socketcall"]["array"][1].as_u64().expect("a[1]");
    assert!((0x0804_9000..0x0804_a000).contains(&addr), "{bind}");
    let args_ptr = hex(&bind["socketcall"]["args_ptr"]);
    if glibc {
        // The loader's own calls came first, through int 0x80: among them it opened the C
        // library.
        let first_vdso = child
            .iter()
            .position(|c| c["entry"] != "int80")
            .expect("a call through the vDSO");
        assert!(first_vdso > 0, "{child:#?}");
        assert!(
            child[..first_vdso].iter().any(|c| c["syscall"] == "openat"
                && c["args"]["filename"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("/libc.so.6"))
                && c["ret"].as_i64().is_some_and(|r| r >= 0)),
            "{child:#?}"
        );
        // glibc's bind copies its arguments to its own stack (lea 0x4(%esp),%ecx), far above
        // the program.
        assert!(args_ptr > 0x1000_0000, "on the stack: {bind}");
        // socket, bind, close and exit_group: glibc's, through the vDSO.
        let rest: Vec<&Value> = child[first_vdso..].to_vec();
        assert!(rest.iter().all(|c| c["entry"] != "int80"), "{rest:#?}");
        assert_eq!(rest.last().unwrap()["syscall"], "exit_group", "{rest:#?}");
    } else {
        // The program's own argument array, in its data page; and nothing before its calls:
        // no loader.
        assert!((0x0804_9000..0x0804_a000).contains(&args_ptr), "{bind}");
        assert_eq!(
            names(&child),
            ["socket", "bind", "exit_group"],
            "{child:#?}"
        );
    }
    // The kernel saved eip in the vDSO's __kernel_vsyscall. Either program naps 100 ms so that
    // tracer finds it alive to name that; a machine busy enough for tracer to drain no records
    // in that time leaves the bare address, said so (seen once with every lesson run at once).
    let user = &bind["kernel_path"][0];
    assert_eq!(user["mech"], "user ip", "{bind}");
    assert_eq!(user["observed"], true, "{bind}");
    match user["func"].as_str() {
        Some(f) => assert!(
            f.starts_with("__kernel_vsyscall+0x") && f.ends_with(" in [vdso]"),
            "{bind}"
        ),
        None => assert!(
            user["step"].as_str().is_some_and(|a| a.starts_with("0xf"))
                && user["note"]
                    .as_str()
                    .is_some_and(|n| n.contains("gone before")),
            "{bind}"
        ),
    }
}

#[test]
fn hostile() {
    let recs = record_demo("hostile", &[]);
    let (main, calls, _) = processes(&recs, 0);
    seq(
        &calls,
        &[
            "socket",
            "bind",
            "bind",
            "bind",
            "bind",
            "unlink",
            "close",
            "munmap",
            "socket",
            "connect",
            "sendto",
            "close",
            "socketcall",
            "bind",
        ],
    );
    let fd = new_fd(calls[0]);
    let stream = json!({"domain": "AF_UNIX", "type": "SOCK_STREAM", "protocol": 0});
    call(calls[0], "socket", &stream, fd);

    // addrlen 0 and 1: nothing, or half a family, could be read; EINVAL.
    call_err(
        calls[1],
        "bind",
        &json!({"sockfd": fd, "addr": {"short": true, "raw": ""}, "addrlen": 0}),
        "EINVAL",
        22,
    );
    call_err(
        calls[2],
        "bind",
        &json!({"sockfd": fd, "addr": {"short": true, "raw": "01"}, "addrlen": 1}),
        "EINVAL",
        22,
    );
    // addrlen 200 > sizeof(struct sockaddr_storage): EINVAL; the claim is shown.
    call_err(
        calls[3],
        "bind",
        &json!({"sockfd": fd, "addr": {"family": "AF_UNIX", "path": "/nowher", "claimed_len": 200},
                "addrlen": 200}),
        "EINVAL",
        22,
    );
    // sun_path filled to all 108 bytes, no NUL: accepted, and shown as unterminated.
    let dir = format!("/tmp/tracer-demo-hostile-{main}/");
    let long = format!("{dir}{}", "a".repeat(108 - dir.len()));
    assert_eq!(long.len(), 108);
    call(
        calls[4],
        "bind",
        &json!({"sockfd": fd, "addr": {"family": "AF_UNIX", "path": long, "unterminated": true},
                "addrlen": 110}),
        0,
    );
    call(calls[5], "unlink", &json!({"pathname": long}), 0);
    call(calls[6], "close", &json!({"fd": fd}), 0);

    // The page every bad pointer below points into (its mmap was private: not recorded).
    let bad = calls[7]["args"]["addr"].clone();
    assert!(
        hex(&bad) > 0 && hex(&bad).is_multiple_of(4096),
        "{}",
        calls[7]
    );
    call(calls[7], "munmap", &json!({"addr": bad, "length": 4096}), 0);
    let fd = new_fd(calls[8]);
    call(calls[8], "socket", &stream, fd);
    call_err(
        calls[9],
        "connect",
        &json!({"sockfd": fd, "addr": {"fault": bad}, "addrlen": 16}),
        "EFAULT",
        14,
    );
    // An unconnected stream socket without a destination fails before the kernel reads the
    // buffer: ENOTCONN, and the buffer is shown as unreadable.
    call_err(
        calls[10],
        "sendto",
        &json!({"sockfd": fd, "buf": {"fault": bad}, "len": 64, "flags": "0",
                "dest_addr": null, "addrlen": 0}),
        "ENOTCONN",
        107,
    );
    call(calls[11], "close", &json!({"fd": fd}), 0);

    // ia32 socketcall(99, NULL): no such call; shown as socketcall itself, marked bad_call.
    let sc = calls[12];
    assert_eq!(sc["abi"], "ia32", "{sc}");
    assert_eq!(sc["entry"], "int80", "{sc}");
    assert_eq!(sc["nr"], 102, "{sc}");
    assert_eq!(sc["syscall"], "socketcall", "{sc}");
    assert_eq!(sc["socketcall"], json!({"call": 99, "name": null}), "{sc}");
    assert_eq!(sc["args"], json!({"call": 99, "args": "NULL"}), "{sc}");
    assert!(
        sc["markers"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("bad_call"))),
        "{sc}"
    );
    assert_eq!(sc["ret"], -22, "{sc}");
    assert_eq!(sc["errno"], "EINVAL", "{sc}");

    // ia32 socketcall(SYS_BIND, unmapped array): the arguments could not be read.
    let b = calls[13];
    assert_eq!(b["abi"], "ia32", "{b}");
    assert_eq!(b["entry"], "int80", "{b}");
    assert_eq!(b["nr"], 102, "{b}");
    assert_eq!(b["syscall"], "bind", "{b}");
    assert_eq!(b["socketcall"]["call"], 2, "{b}");
    assert_eq!(b["socketcall"]["name"], "SYS_BIND", "{b}");
    assert!(
        b["markers"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("args_fault"))),
        "{b}"
    );
    // The pointer as the 32-bit entry saw it: the low 32 bits of the unmapped page.
    assert_eq!(
        b["args"],
        json!({"args_unreadable": format!("{:#x}", hex(&bad) & 0xffff_ffff)}),
        "{b}"
    );
    assert_eq!(b["ret"], -14, "{b}");
    assert_eq!(b["errno"], "EFAULT", "{b}");
}
