//! The demos of what a pipe promises and refuses, recorded by the real tracer on the real
//! kernel: each test checks the values the lesson quotes (what a write or read returned, the
//! errno a refused call got, what the kernel said of a sleeping process) from the trace.

mod common;

use common::{TRACER, record_demo};
use serde_json::Value;

/// The demo's main process (the one tracer executed).
fn main_pid(records: &[Value]) -> u64 {
    let exec = records
        .iter()
        .find(|r| r["type"] == "exec")
        .expect("an exec record");
    assert_eq!(exec["filename"], TRACER, "{exec}");
    exec["pid"].as_u64().expect("exec pid")
}

/// The processes `pid` forked, in order.
fn children(records: &[Value], pid: u64) -> Vec<u64> {
    records
        .iter()
        .filter(|r| r["type"] == "fork" && r["pid"] == pid)
        .filter_map(|r| r["child"].as_u64())
        .collect()
}

/// The calls of process `pid` that `pred` accepts, in the order they entered the kernel.
fn calls(records: &[Value], pid: u64, pred: impl Fn(&Value) -> bool) -> Vec<&Value> {
    let mut v: Vec<&Value> = records
        .iter()
        .filter(|r| r["type"] == "syscall" && r["pid"] == pid && pred(r))
        .collect();
    v.sort_by_key(|r| ts(r));
    v
}

fn ts(r: &Value) -> u64 {
    r["ts_ns"]
        .as_u64()
        .unwrap_or_else(|| panic!("no ts_ns in {r}"))
}

fn end_ts(c: &Value) -> u64 {
    ts(c)
        + c["dur_ns"]
            .as_u64()
            .unwrap_or_else(|| panic!("no dur_ns in {c}"))
}

fn data(c: &Value) -> &str {
    c["args"]["buf"]["data"]
        .as_str()
        .unwrap_or_else(|| panic!("no payload in {c}"))
}

/// The first captured byte of a read or write, which the demo makes one writer's letter.
fn letter(c: &Value) -> char {
    let d = data(c);
    let first = d
        .chars()
        .next()
        .unwrap_or_else(|| panic!("empty payload: {c}"));
    assert!(
        d.chars().all(|ch| ch == first),
        "not one writer's bytes: {c}"
    );
    first
}

/// What the parent read from `/proc/KID/syscall` the last time it looked.
fn proc_syscall(records: &[Value], parent: u64, kid: u64) -> &str {
    let file = format!("/proc/{kid}/syscall");
    let open = *calls(records, parent, |c| {
        c["syscall"] == "openat" && c["args"]["filename"] == file.as_str()
    })
    .last()
    .unwrap_or_else(|| panic!("the parent never opened {file}"));
    let read = calls(records, parent, |c| {
        c["syscall"] == "read" && c["args"]["fd"] == open["ret"] && ts(c) > ts(open)
    });
    data(read.first().unwrap_or_else(|| panic!("no read of {file}")))
}

/// pipe-atomic: records of PIPE_BUF bytes arrive whole; a record four times the pipe's size,
/// written while the other writer sleeps in write too, arrives cut into pieces.
#[test]
fn pipe_atomic() {
    let recs = record_demo("pipe-atomic", &["-s", "256"]);
    let main = main_pid(&recs);
    let kids = children(&recs, main);
    assert_eq!(kids.len(), 4, "two writers per round: {kids:?}");
    let pipes = calls(&recs, main, |c| c["syscall"] == "pipe2");
    assert_eq!(pipes.len(), 2, "one pipe per round");
    let sizes = calls(&recs, main, |c| {
        c["syscall"] == "fcntl" && c["args"]["cmd"] == "F_GETPIPE_SZ"
    });
    assert_eq!(sizes.len(), 2);
    let capacity = sizes[0]["ret"].as_u64().expect("a size");
    assert_eq!(capacity % 4096, 0, "a whole number of pages: {}", sizes[0]);

    for (round, pipe) in pipes.iter().enumerate() {
        let (r, w) = (&pipe["args"]["pipefd"][0], &pipe["args"]["pipefd"][1]);
        let w_hex = format!("{:#x}", w.as_u64().expect("write end"));
        let (start, end) = (ts(pipe), pipes.get(round + 1).map_or(u64::MAX, |p| ts(p)));
        let (writer_a, writer_b) = (kids[2 * round], kids[2 * round + 1]);
        let record = if round == 0 { 4096 } else { 4 * capacity };
        let per_writer = if round == 0 { capacity / 4096 + 4 } else { 1 };
        for (kid, want) in [(writer_a, 'A'), (writer_b, 'B')] {
            let writes = calls(&recs, kid, |c| {
                c["syscall"] == "write" && &c["args"]["fd"] == w
            });
            assert_eq!(writes.len() as u64, per_writer, "writer {want}: {writes:?}");
            for wr in &writes {
                assert_eq!(wr["args"]["count"], record, "{wr}");
                assert_eq!(wr["ret"], record, "a whole record written: {wr}");
                assert_eq!(letter(wr), want, "{wr}");
            }
            // The kernel's word that the writer sleeps in write(w, ..., record).
            let seen = proc_syscall(&recs, main, kid);
            assert!(
                seen.starts_with(&format!("1 {w_hex} ")),
                "writer {want} not blocked in write on {w_hex}: {seen}"
            );
            let count: Vec<&str> = seen.split(' ').collect();
            assert_eq!(count[3], format!("{record:#x}"), "{seen}");
        }
        let reads = calls(&recs, main, |c| {
            c["syscall"] == "read" && &c["args"]["fd"] == r && ts(c) > start && ts(c) < end
        });
        let (eof, pages) = reads.split_last().expect("reads");
        assert_eq!(eof["ret"], 0, "end of file last: {eof}");
        let mut order = String::new();
        for p in pages {
            assert_eq!(p["ret"], 4096, "one page per read: {p}");
            order.push(letter(p));
        }
        let pages_each = per_writer * record / 4096;
        assert_eq!(order.matches('A').count() as u64, pages_each, "{order}");
        assert_eq!(order.matches('B').count() as u64, pages_each, "{order}");
        // The parent read only once both writers were asleep in write.
        let last_look = calls(&recs, main, |c| {
            c["syscall"] == "openat"
                && c["args"]["filename"]
                    .as_str()
                    .is_some_and(|f| f.starts_with("/proc/"))
                && ts(c) > start
                && ts(c) < end
        });
        assert!(ts(last_look.last().unwrap()) < ts(pages[0]));
        if round == 1 {
            // A's record was cut: B's bytes came between two pieces of it, and the first of
            // them was read before A's write returned.
            let a_pieces = order.split('B').filter(|s| !s.is_empty()).count();
            assert!(a_pieces > 1, "not interleaved: {order}");
            let first_b = pages[order.find('B').unwrap()];
            let a_write = calls(&recs, writer_a, |c| {
                c["syscall"] == "write" && &c["args"]["fd"] == w
            })[0];
            assert!(end_ts(first_b) < end_ts(a_write), "{first_b} {a_write}");
        }
    }
}

/// The calls of the demo's main process from its first `pipe2` on, without its status lines.
fn from_pipe(records: &[Value], pid: u64) -> Vec<&Value> {
    let all = calls(records, pid, |c| {
        !(c["syscall"] == "write" && (c["args"]["fd"] == 1 || c["args"]["fd"] == 2))
    });
    let start = all
        .iter()
        .position(|c| c["syscall"] == "pipe2")
        .expect("a pipe2");
    all[start..].to_vec()
}

#[track_caller]
fn failed(c: &Value, name: &str, errno: &str, code: i64) {
    assert_eq!(c["syscall"], name, "{c}");
    assert_eq!(c["ret"], -code, "{c}");
    assert_eq!(c["errno"], errno, "{c}");
}

/// nonblock: with O_NONBLOCK (set by F_SETFL) a read of the empty pipe and a write to the full
/// one fail with EAGAIN, and a write larger than the room is cut short; MSG_DONTWAIT does the
/// same for one call on a blocking socket.
#[test]
fn nonblock() {
    let recs = record_demo("nonblock", &[]);
    let main = main_pid(&recs);
    assert!(children(&recs, main).is_empty());
    let c = from_pipe(&recs, main);
    let names: Vec<&str> = c.iter().map(|c| c["syscall"].as_str().unwrap()).collect();
    assert_eq!(
        names[..16],
        [
            "pipe2",
            "fcntl",
            "fcntl",
            "fcntl",
            "fcntl",
            "read",
            "write",
            "write",
            "read",
            "close",
            "close",
            "socketpair",
            "recvfrom",
            "sendto",
            "sendto",
            "recvfrom"
        ],
        "{names:?}"
    );
    let (r, w) = (&c[0]["args"]["pipefd"][0], &c[0]["args"]["pipefd"][1]);
    assert_eq!(c[2]["args"]["cmd"], "F_SETFL", "{}", c[2]);
    assert_eq!(c[2]["args"]["arg"], "O_RDONLY|O_NONBLOCK", "{}", c[2]);
    assert_eq!(&c[2]["args"]["fd"], r);
    assert_eq!(c[4]["args"]["arg"], "O_WRONLY|O_NONBLOCK", "{}", c[4]);
    assert_eq!(&c[4]["args"]["fd"], w);
    // The empty pipe: EAGAIN (include/uapi/asm-generic/errno-base.h: 11).
    failed(c[5], "read", "EAGAIN", 11);
    // 100000 bytes offered: as many as the ring holds, whole pages.
    assert_eq!(c[6]["args"]["count"], 100_000, "{}", c[6]);
    let taken = c[6]["ret"].as_i64().unwrap();
    assert!(
        taken > 0 && taken < 100_000 && taken % 4096 == 0,
        "{}",
        c[6]
    );
    failed(c[7], "write", "EAGAIN", 11);
    assert_eq!(c[8]["ret"], 64, "{}", c[8]);
    // The socket: MSG_DONTWAIT on each call.
    for call in &c[12..16] {
        assert_eq!(call["args"]["flags"], "MSG_DONTWAIT", "{call}");
    }
    failed(c[12], "recvfrom", "EAGAIN", 11);
    assert_eq!(c[13]["args"]["len"], 1 << 20, "{}", c[13]);
    let sent = c[13]["ret"].as_i64().unwrap();
    assert!(sent > 0 && sent < 1 << 20, "a partial send: {}", c[13]);
    failed(c[14], "sendto", "EAGAIN", 11);
    assert_eq!(c[15]["ret"], 64, "{}", c[15]);
}

/// sigpipe: with no reader, write fails with EPIPE; a writer ignoring SIGPIPE lives and exits
/// 0, a writer at the default is killed by SIGPIPE, which its exit record and the parent's
/// wait4 report.
#[test]
fn sigpipe() {
    let recs = record_demo("sigpipe", &[]);
    let main = main_pid(&recs);
    let kids = children(&recs, main);
    assert_eq!(kids.len(), 2, "{kids:?}");
    let c = from_pipe(&recs, main);
    let (r, w) = (&c[0]["args"]["pipefd"][0], &c[0]["args"]["pipefd"][1]);
    assert_eq!(c[1]["syscall"], "close", "{}", c[1]);
    assert_eq!(
        &c[1]["args"]["fd"], r,
        "the read end closed first: {}",
        c[1]
    );
    for (kid, handler) in kids.iter().zip(["SIG_IGN", "SIG_DFL"]) {
        let own = calls(&recs, *kid, |c| {
            c["syscall"] == "rt_sigaction" || (c["syscall"] == "write" && &c["args"]["fd"] == w)
        });
        assert_eq!(own.len(), 2, "{own:?}");
        assert_eq!(own[0]["args"]["signum"], "SIGPIPE", "{}", own[0]);
        assert_eq!(own[0]["args"]["act"]["handler"], handler, "{}", own[0]);
        failed(own[1], "write", "EPIPE", 32);
        assert_eq!(own[1]["args"]["buf"]["data"], "hello", "{}", own[1]);
        assert!(ts(own[1]) > ts(c[1]), "written after the close");
        let exit = recs
            .iter()
            .find(|r| r["type"] == "exit" && r["pid"] == *kid)
            .unwrap_or_else(|| panic!("no exit of {kid}"));
        let reaped = calls(&recs, main, |c| {
            c["syscall"] == "wait4" && c["args"]["upid"] == *kid
        });
        assert_eq!(reaped.len(), 1, "{reaped:?}");
        if handler == "SIG_IGN" {
            assert_eq!(exit["exit_code"], 0, "{exit}");
            assert_eq!(
                reaped[0]["args"]["stat_addr"],
                "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"
            );
        } else {
            assert_eq!(exit["signal"], "SIGPIPE", "{exit}");
            assert_eq!(
                reaped[0]["args"]["stat_addr"],
                "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGPIPE}]"
            );
            // Killed right after the write: the child made no call after it.
            let after = calls(&recs, *kid, |c| ts(c) > ts(own[1]));
            assert!(after.is_empty(), "{after:?}");
        }
    }
}

/// fifo-nonblock: a non-blocking open for writing with no reader fails with ENXIO; for reading
/// it succeeds at once; a read then returns 0 with no writer and EAGAIN with one.
#[test]
fn fifo_nonblock() {
    let recs = record_demo("fifo-nonblock", &[]);
    let main = main_pid(&recs);
    let path = format!("/tmp/tracer-demo-fifo-nonblock-{main}/fifo");
    let c: Vec<&Value> = calls(&recs, main, |c| {
        matches!(
            c["syscall"].as_str(),
            Some("mknodat" | "openat" | "read" | "write" | "close" | "unlink")
        ) && !(c["syscall"] == "write" && (c["args"]["fd"] == 1 || c["args"]["fd"] == 2))
    });
    let start = c
        .iter()
        .position(|c| c["syscall"] == "mknodat")
        .expect("a mknodat");
    let c = &c[start..];
    let names: Vec<&str> = c.iter().map(|c| c["syscall"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "mknodat", "openat", "openat", "read", "openat", "read", "write", "read", "close",
            "close", "unlink"
        ],
        "{names:?}"
    );
    assert_eq!(c[0]["args"]["pathname"], path.as_str(), "{}", c[0]);
    for (open, flags) in [
        (c[1], "O_WRONLY|O_NONBLOCK"),
        (c[2], "O_RDONLY|O_NONBLOCK"),
        (c[4], "O_WRONLY|O_NONBLOCK"),
    ] {
        assert_eq!(open["args"]["filename"], path.as_str(), "{open}");
        assert_eq!(open["args"]["flags"], flags, "{open}");
    }
    // include/uapi/asm-generic/errno-base.h: ENXIO 6.
    failed(c[1], "openat", "ENXIO", 6);
    let r = c[2]["ret"].as_i64().expect("the read end");
    let w = c[4]["ret"].as_i64().expect("the write end");
    assert!(r >= 3 && w >= 3 && r != w, "{} {}", c[2], c[4]);
    assert_eq!(c[3]["args"]["fd"], r);
    assert_eq!(c[3]["ret"], 0, "end of file with no writer: {}", c[3]);
    assert_eq!(c[5]["args"]["fd"], r);
    failed(c[5], "read", "EAGAIN", 11);
    assert_eq!(c[6]["args"]["fd"], w);
    assert_eq!(c[6]["ret"], 5, "{}", c[6]);
    assert_eq!(c[7]["args"]["buf"]["data"], "hello", "{}", c[7]);
}
