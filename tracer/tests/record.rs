//! `tracer record` itself: scopes, filters, pending calls, formats. Real kernel, real eBPF.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TRACER, by_pid, first, of, record_cmd, record_demo, syscalls};
use serde_json::Value;

#[test]
fn header_first_summary_last_and_exec_seen() {
    let recs = record_demo("pipe", &[]);
    assert_eq!(recs[0]["type"], "header");
    assert_eq!(recs[0]["version"], 1);
    assert_eq!(recs.last().unwrap()["type"], "summary");
    let exec = recs
        .iter()
        .find(|r| r["type"] == "exec")
        .expect("exec record");
    assert!(exec["filename"].as_str().unwrap().ends_with("tracer"));
    // Every recorded call belongs to the command or its child.
    let forks: Vec<u64> = recs
        .iter()
        .filter(|r| r["type"] == "fork")
        .filter_map(|r| r["child"].as_u64())
        .collect();
    for c in syscalls(&recs) {
        let pid = c["pid"].as_u64().unwrap();
        assert!(
            pid == exec["pid"].as_u64().unwrap() || forks.contains(&pid),
            "foreign call {c}"
        );
    }
}

#[test]
fn a_blocked_call_is_shown_pending_before_it_returns() {
    // `cat` blocks in read on an empty pipe for a second.
    let (out, recs) = record_cmd(
        "pending",
        &["-e", "read"],
        &["/bin/sh", "-c", "sleep 1 | cat"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pending: Vec<&Value> = recs
        .iter()
        .filter(|r| r["type"] == "pending" && r["syscall"] == "read")
        .collect();
    assert!(!pending.is_empty(), "no pending read in {recs:?}");
    let p = pending[0];
    let done = syscalls(&recs)
        .into_iter()
        .find(|c| c["tid"] == p["tid"] && c["ts_ns"] == p["ts_ns"])
        .expect("the pending read completes later");
    assert!(done["dur_ns"].as_u64().unwrap() > 200_000_000, "{done}");
    let pi = recs.iter().position(|r| std::ptr::eq(r, p)).unwrap();
    let di = recs.iter().position(|r| std::ptr::eq(r, done)).unwrap();
    assert!(pi < di, "pending is written before the call returns");
}

#[test]
fn syscall_filter_and_comm_filter() {
    let recs = record_demo("uds-stream", &["-e", "bind,connect"]);
    let names: Vec<&str> = syscalls(&recs)
        .iter()
        .map(|c| c["syscall"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bind", "connect"]);
    let recs = record_demo("uds-stream", &["-e", "%net", "-c", "no-such-comm"]);
    assert!(syscalls(&recs).is_empty());
    let recs = record_demo("uds-stream", &["-e", "%net", "-c", "tracer"]);
    assert!(!syscalls(&recs).is_empty());
}

#[test]
fn text_format_is_strace_like() {
    let out = std::env::temp_dir().join(format!("tracer-text-{}.txt", std::process::id()));
    let st = Command::new(TRACER)
        .args(["record", "-e", "%net", "-o"])
        .arg(&out)
        .args(["--", TRACER, "demo", "uds-stream"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let bind = text
        .lines()
        .find(|l| l.contains(" bind("))
        .expect("a bind line");
    assert!(
        bind.contains("bind(3, {sa_family=AF_UNIX, sun_path=\"/tmp/tracer-demo-uds-stream-"),
        "{bind}"
    );
    assert!(bind.contains(") = 0 <"), "{bind}");
    let mode = std::fs::metadata(&out).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
}

#[test]
fn attach_to_a_running_pid_and_follow_its_children() {
    common::require_root();
    // A shell that waits, then runs a demo: tracer attaches to the shell by pid.
    let mut child = Command::new("/bin/sh")
        .args([
            "-c",
            &format!("sleep 1.5; {TRACER} demo socketpair >/dev/null"),
        ])
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let out = std::env::temp_dir().join(format!("tracer-pid-{}.jsonl", std::process::id()));
    let rec = Command::new(TRACER)
        .args([
            "record",
            "--format",
            "jsonl",
            "-e",
            "%net",
            "-p",
            &pid,
            "--duration",
            "20",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let _ = child.wait();
    assert!(
        rec.status.success(),
        "{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let recs: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sp = first(&of(&recs, &["socketpair"]), "socketpair");
    assert_eq!(sp["args"]["domain"], "AF_UNIX");
    assert!(sp["args"]["sv"].is_array());
    // tracer stopped by itself when the shell exited (long before --duration).
    assert!(
        recs.iter()
            .any(|r| r["type"] == "exit" && r["pid"].as_u64() == pid.parse().ok())
    );
}

#[test]
fn whole_system_scope_sees_other_processes() {
    common::require_root();
    let out = std::env::temp_dir().join(format!("tracer-sys-{}.jsonl", std::process::id()));
    let mut rec = Command::new(TRACER)
        .args([
            "record",
            "--format",
            "jsonl",
            "-e",
            "bind",
            "--duration",
            "4",
            "-o",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let demo = Command::new(TRACER)
        .args(["demo", "uds-dgram"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(demo.status.success());
    let st = rec.wait().unwrap();
    assert!(st.success());
    let recs: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let binds = of(&recs, &["bind"]);
    let paths: Vec<&str> = binds
        .iter()
        .filter_map(|b| b["args"]["addr"]["path"].as_str())
        .collect();
    assert!(
        paths.iter().any(|p| p.contains("tracer-demo-uds-dgram-")),
        "{paths:?}"
    );
    let _ = by_pid(&binds, 0);
}
