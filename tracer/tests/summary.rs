//! `tracer record -c` against `strace -c` on the same program (tests/c/summary_prog.c, whose
//! calls are the same on every run): the same tables, syscall for syscall, in the same order
//! under `-S calls` (ties in the syscalls' numbers' order), with the same calls and errors and
//! the same header, dashes and column widths; only the times differ (tracer's are measured in
//! the kernel, strace's through ptrace). A 64-bit and a 32-bit build (strace's second table,
//! "32 bit mode"). Real kernel, real eBPF, real strace and gcc (installed by `cargo xtask
//! test`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TRACER, require_root};

fn build(dir: &Path, m32: bool) -> PathBuf {
    let out = dir.join(if m32 { "prog32" } else { "prog64" });
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/c/summary_prog.c");
    let st = Command::new("gcc")
        .args(if m32 {
            &["-m32", "-O1"][..]
        } else {
            &["-O1"][..]
        })
        .arg("-o")
        .arg(&out)
        .arg(src)
        .status()
        .expect("gcc: install gcc and gcc-multilib (cargo xtask test does)");
    assert!(st.success(), "gcc failed (-m32 needs gcc-multilib)");
    out
}

/// One table: its header and dashed lines as printed, and per syscall (calls, errors).
#[derive(Debug, PartialEq, Eq)]
struct Table {
    heading: Option<String>,
    header: String,
    dashes: String,
    rows: Vec<(String, u64, u64)>,
    total: (u64, u64),
}

/// strace's tables: `% time` header, dashes, rows, dashes, `total`; the 32-bit one headed.
fn parse(text: &str) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut lines = text.lines().peekable();
    let mut heading = None;
    while let Some(l) = lines.next() {
        if l.starts_with("System call usage summary for") {
            heading = Some(l.to_string());
            continue;
        }
        if !l.starts_with("% time") {
            continue;
        }
        let header = l.to_string();
        let dashes = lines.next().expect("dashes").to_string();
        let mut rows = Vec::new();
        let counts = |l: &str| -> (String, u64, u64) {
            let w: Vec<&str> = l.split_whitespace().collect();
            // % time, seconds, usecs/call, calls, [errors,] syscall
            let (calls, errors) = match w.len() {
                5 => (w[3], "0"),
                6 => (w[3], w[4]),
                _ => panic!("not a row: {l:?}"),
            };
            (
                w[w.len() - 1].to_string(),
                calls.parse().unwrap(),
                errors.parse().unwrap(),
            )
        };
        for l in lines.by_ref() {
            if l == dashes {
                break;
            }
            rows.push(counts(l));
        }
        let (name, calls, errors) = counts(lines.next().expect("the total line"));
        assert_eq!(name, "total");
        tables.push(Table {
            heading: heading.take(),
            header,
            dashes,
            rows,
            total: (calls, errors),
        });
    }
    tables
}

fn compare(m32: bool) {
    require_root();
    assert!(
        Path::new("/usr/bin/strace").exists(),
        "strace is not installed (cargo xtask test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let prog = build(dir.path(), m32);
    let ours = dir.path().join("tracer.txt");
    let theirs = dir.path().join("strace.txt");
    // cargo test's LD_LIBRARY_PATH would have the loader try a dozen directories first.
    let out = Command::new(TRACER)
        .env_remove("LD_LIBRARY_PATH")
        .args(["record", "-c", "-S", "calls", "-e", "all", "-o"])
        .arg(&ours)
        .arg("--")
        .arg(&prog)
        .output()
        .expect("running tracer");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tracer or the program failed: {stderr}"
    );
    assert!(stderr.contains(", 0 events lost"), "{stderr}");
    // What the table leaves out is said: the parent's and the child's exit_group.
    assert!(
        stderr.contains("as strace counts none: exit_group 2)"),
        "{stderr}"
    );
    let st = Command::new("strace")
        .env_remove("LD_LIBRARY_PATH")
        .args(["-c", "-w", "-f", "-S", "calls", "-o"])
        .arg(&theirs)
        .arg("--")
        .arg(&prog)
        .status()
        .unwrap();
    assert!(st.success());
    let ours = std::fs::read_to_string(&ours).unwrap();
    let theirs = std::fs::read_to_string(&theirs).unwrap();
    println!("tracer record -c:\n{ours}\nstrace -c -w -f:\n{theirs}");
    let (o, t) = (parse(&ours), parse(&theirs));
    assert_eq!(o.len(), if m32 { 2 } else { 1 }, "{ours}");
    // The same tables, row for row; the header and dashes byte for byte (the widths depend
    // on the names and counts alone while the times stay short).
    assert_eq!(o, t, "tracer:\n{ours}\nstrace:\n{theirs}");
    let names: Vec<&str> = o
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| r.0.as_str())
        .collect();
    for want in [
        "execve", "openat", "access", "clone", "wait4", "read", "write", "getppid",
    ] {
        assert!(names.contains(&want), "{want} missing: {ours}");
    }
    // A 32-bit program's execve is the 64-bit caller's (it enters as x86_64).
    assert!(o[0].rows.iter().any(|r| r.0 == "execve"), "{ours}");
}

#[test]
fn record_c_counts_as_strace_c() {
    compare(false);
}

#[test]
fn record_c_counts_as_strace_c_for_a_32_bit_program() {
    compare(true);
}

/// `-C`: the trace, then the table, in the same file; `-e status=failed` chooses what the
/// trace shows, not what the table counts (strace -C -e status=failed counts every call too).
#[test]
fn record_cap_c_writes_the_trace_then_the_table() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let prog = build(dir.path(), false);
    let file = dir.path().join("trace.txt");
    let out = Command::new(TRACER)
        .env_remove("LD_LIBRARY_PATH")
        .args(["record", "-C", "-e", "all", "-e", "status=failed", "-o"])
        .arg(&file)
        .arg("--")
        .arg(&prog)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    let (trace, table) = text.split_once("% time").expect("a table after the trace");
    let calls: Vec<&str> = trace.lines().filter(|l| l.contains(") = ")).collect();
    assert_eq!(calls.len(), 8, "5 openat, 3 access: {trace}");
    assert!(calls.iter().all(|l| l.contains(" = -1 ENOENT")), "{trace}");
    let t = parse(&format!("% time{table}"));
    assert_eq!(t.len(), 1, "{table}");
    let total_calls: u64 = t[0].rows.iter().map(|r| r.1).sum();
    assert_eq!(t[0].total, (total_calls, 8), "{table}");
    assert!(
        t[0].rows
            .iter()
            .any(|r| r.0 == "getppid" && r.1 == 1 && r.2 == 0),
        "a call that succeeded is counted: {table}"
    );
}

/// strace's rules for its summary options, and `-c`'s old meaning pointed to `--comm`: each
/// a one-line refusal before anything is loaded (no root needed).
#[test]
fn summary_options_refused_as_strace_refuses_them() {
    let run = |args: &[&str]| {
        let out = Command::new(TRACER).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = run(&["record", "-w", "--", "/bin/true"]);
    assert!(
        e.contains("-w/--summary-wall-clock must be given with -c"),
        "{e}"
    );
    let e = run(&["record", "-c", "-C", "--", "/bin/true"]);
    assert!(e.contains("cannot be used with"), "{e}");
    let e = run(&["record", "-c", "-S", "max-time", "--", "/bin/true"]);
    assert!(e.contains("no shortest or longest column"), "{e}");
    let e = run(&["record", "-c", "--format", "jsonl", "--", "/bin/true"]);
    assert!(e.contains("--format jsonl does not apply"), "{e}");
    let e = run(&[
        "record",
        "-C",
        "--format",
        "perfetto",
        "-o",
        "/dev/null",
        "--",
        "/bin/true",
    ]);
    assert!(e.contains("give --format text or jsonl"), "{e}");
    let e = run(&["live", "-c", "nginx"]);
    assert!(
        e.contains("the command-name filter is --comm: --comm nginx"),
        "{e}"
    );
}
