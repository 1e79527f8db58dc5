//! `tracer record` itself: scopes, filters, pending calls, formats. Real kernel, real eBPF.

mod common;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TRACER, by_pid, first, of, record_cmd, record_demo, syscalls};
use serde_json::Value;

#[test]
fn header_first_summary_last_and_exec_seen() {
    let recs = record_demo("pipe", &[]);
    assert_eq!(recs[0]["type"], "header");
    assert_eq!(recs[0]["version"], 2);
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
    let recs = record_demo("uds-stream", &["-e", "%net", "--comm", "no-such-comm"]);
    assert!(syscalls(&recs).is_empty());
    let recs = record_demo("uds-stream", &["-e", "%net", "--comm", "tracer"]);
    assert!(!syscalls(&recs).is_empty());
}

#[test]
fn text_format_is_strace_like() {
    let out = std::env::temp_dir().join(format!("tracer-text-{}.txt", std::process::id()));
    let st = Command::new(TRACER)
        .args(["record", "--format", "text", "-e", "%net", "-o"])
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
    // A shell that waits for a go file, then runs a demo: tracer attaches to the shell by pid.
    let go = common::out_file("pid-go");
    let mut child = common::Reaped(
        Command::new("/bin/sh")
            .args([
                "-c",
                &format!(
                    "while [ ! -e {} ]; do sleep 0.05; done; {TRACER} demo socketpair >/dev/null",
                    go.display()
                ),
            ])
            .spawn()
            .unwrap(),
    );
    let pid = child.id().to_string();
    let out = common::out_file("pid");
    let mut rec = Command::new(TRACER)
        .args([
            "record",
            "--format",
            "jsonl",
            "-e",
            "%net",
            "-p",
            &pid,
            "--duration",
            "60",
            "-o",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_until_recording(&out, &mut rec);
    std::fs::write(&go, b"").unwrap();
    let rec = rec.wait_with_output().unwrap();
    let _ = child.wait();
    assert!(
        rec.status.success(),
        "{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let recs: Vec<Value> = common::jsonl(&std::fs::read_to_string(&out).unwrap());
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
    let out = common::out_file("whole-system");
    let mut rec = Command::new(TRACER)
        .args([
            "record",
            "--format",
            "jsonl",
            "-e",
            "bind",
            "--duration",
            "60",
            "-o",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_until_recording(&out, &mut rec);
    let demo = Command::new(TRACER)
        .args(["demo", "uds-dgram"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(demo.status.success());
    // The demo's calls are in the ring buffer now; SIGINT makes tracer drain it and stop.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(rec.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let st = rec.wait().unwrap();
    assert!(st.success());
    let recs: Vec<Value> = common::jsonl(&std::fs::read_to_string(&out).unwrap());
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

#[test]
fn lost_events_are_counted_and_reported() {
    // A one-page ring buffer cannot hold a burst of a few thousand writes.
    let (out, recs) = record_cmd(
        "lost",
        &["--ring-pages", "1"],
        &[
            "/bin/sh",
            "-c",
            "for i in $(seq 3000); do echo x; done >/dev/null",
        ],
    );
    assert!(out.status.success());
    let summary = recs.iter().find(|r| r["type"] == "summary").unwrap();
    let lost = summary["lost"].as_u64().unwrap();
    assert!(lost > 0, "{summary}");
    let reported: u64 = recs
        .iter()
        .filter(|r| r["type"] == "lost")
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(reported, lost, "every lost event appears in a lost record");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{lost} events lost")), "{stderr}");
}

/// By default (no `--backpressure`) a reader behind is not woken at every event, and a ring
/// too small for the burst drops events; every call the loop made is either recorded or
/// counted as a lost entry, and every loss is placed in the trace.
#[test]
fn without_backpressure_every_call_is_recorded_or_counted_lost() {
    let (out, recs) = record_cmd(
        "nobp",
        &["--ring-pages", "4", "-e", "write,read"],
        &[TRACER, "workload", "dense", "-n", "20000"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let made: u64 = stderr
        .split_once(" calls=")
        .and_then(|(_, r)| r.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no workload line: {stderr}"));
    assert_eq!(made, 40_000);
    let recorded = recs
        .iter()
        // A call whose entry was lost is counted among the lost entries.
        .filter(|r| r["type"] == "syscall" && r["comm"] == "tbench" && r["enter_missing"] != true)
        .filter(|r| r["syscall"] == "write" || r["syscall"] == "read")
        .count() as u64;
    let entries: u64 = stderr
        .split_once("events lost (")
        .and_then(|(_, r)| r.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    assert!(entries > 0, "a 4-page ring held the whole burst: {stderr}");
    // The loop's calls, and the workload's own reads and writes before and after its loop
    // (as the bench finds: tens).
    assert!(
        (made..made + 100).contains(&(recorded + entries)),
        "recorded {recorded} + lost entries {entries}, made {made}: {stderr}"
    );
    let lost: u64 = recs
        .iter()
        .filter(|r| r["type"] == "lost")
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    let summary = recs.iter().find(|r| r["type"] == "summary").unwrap();
    assert_eq!(summary["lost"].as_u64(), Some(lost), "every loss is placed");
}

#[test]
fn under_sudo_the_command_runs_as_the_invoking_user_who_owns_the_output() {
    common::require_root();
    let out = std::env::temp_dir().join(format!("tracer-sudo-{}.jsonl", std::process::id()));
    let rec = Command::new(TRACER)
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .args(["record", "--format", "jsonl", "-o"])
        .arg(&out)
        .args(["--", "/usr/bin/id", "-u"])
        .output()
        .unwrap();
    assert!(
        rec.status.success(),
        "{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&rec.stdout).trim(), "65534");
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), 65534);
}

#[test]
fn sigint_stops_a_whole_system_recording_cleanly() {
    common::require_root();
    let out = std::env::temp_dir().join(format!("tracer-int-{}.jsonl", std::process::id()));
    let child = Command::new(TRACER)
        .args(["record", "--format", "jsonl", "-o"])
        .arg(&out)
        .spawn()
        .unwrap();
    // Once the header is written, tracer is recording.
    for _ in 0..200 {
        if std::fs::read_to_string(&out).is_ok_and(|t| t.contains("\"header\"")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let st = child.wait_with_output().unwrap();
    assert!(st.status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "summary");
}

#[test]
fn doctor_tries_each_probe_kind() {
    common::require_root();
    let out = Command::new(TRACER).arg("doctor").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // What tracer record needs must load here; kprobe/fentry are reported either way.
    for line in ["tracepoint             yes", "raw tracepoint         yes"] {
        assert!(text.contains(line), "{text}");
    }
    for kind in ["kprobe", "fentry"] {
        let l = text
            .lines()
            .find(|l| l.starts_with(kind))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            l.contains("yes (loaded and attached)") || l.contains("no ("),
            "{l}"
        );
    }
    // Where start-up goes: each of record's programs with its load time and the instructions
    // the verifier walked (this kernel reports them: Linux 5.16+).
    let startup: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("start-up of `tracer record`"))
        .take_while(|l| !l.is_empty())
        .collect();
    for prog in ["sys_enter", "sys_exit", "sched_switch", "task_newtask"] {
        let l = startup
            .iter()
            .find(|l| l.trim_start().starts_with(&format!("{prog} ")))
            .unwrap_or_else(|| panic!("{prog} missing: {text}"));
        let n: u64 = l
            .split("ms")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no instruction count: {l}"));
        assert!(n > 0, "{l}");
    }
}

/// The journey is true to the running kernel: every function it names exists here, and a step
/// is marked observed only when a probe mechanism is in use for it.
#[test]
fn kernel_paths_name_only_functions_of_this_kernel() {
    let recs = record_demo("socketcall", &["-e", "%net"]);
    let header = &recs[0];
    let mechs = header["mechanisms"]["kernel_functions"]
        .as_object()
        .expect("mechanisms in the header");
    assert!(mechs.contains_key("__sys_bind"), "{header}");
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap();
    let funcs: std::collections::HashSet<&str> = kallsyms
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    // x86_64's, ia32's through `int $0x80`, and ia32's through the vDSO as 32-bit glibc enters.
    let binds = of(&recs, &["bind"]);
    assert_eq!(binds.len(), 3);
    assert_eq!(binds.iter().filter(|b| b["abi"] == "ia32").count(), 2);
    for b in &binds {
        let path = b["kernel_path"].as_array().expect("kernel_path");
        assert!(path.len() >= 4, "{b}");
        // The first step is in user space (the function that made the call).
        for step in &path[1..] {
            if let Some(f) = step["func"].as_str() {
                assert!(funcs.contains(f), "{f} is not a function of this kernel");
                let observed = step["observed"].as_bool().unwrap();
                let mech = mechs.get(f).and_then(Value::as_str).unwrap_or("none");
                assert!(!observed || mech != "none", "{f} observed without a probe");
            }
        }
        let names: Vec<&str> = path.iter().filter_map(|s| s["func"].as_str()).collect();
        assert!(
            names.contains(&"__sys_bind") && names.contains(&"unix_bind"),
            "{names:?}"
        );
    }
    // The ia32 bind went through the socketcall dispatcher.
    let ia32 = binds.iter().find(|b| b["abi"] == "ia32").unwrap();
    let steps: Vec<String> = ia32["kernel_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["func"]
                .as_str()
                .or(s["step"].as_str())
                .unwrap()
                .to_string()
        })
        .collect();
    let sc = steps
        .iter()
        .position(|s| s == "__ia32_compat_sys_socketcall")
        .expect("the dispatcher");
    let sw = steps
        .iter()
        .position(|s| s == "switch (call)")
        .expect("the switch");
    let sb = steps.iter().position(|s| s == "__sys_bind").unwrap();
    assert!(sc < sw && sw < sb, "{steps:?}");
}

/// By default the step that made the call is observed from the saved user instruction
/// pointer, with no uprobe: named when tracer read the process's maps in time (tests/userip.rs
/// checks the names), the bare address otherwise, never a wrapper invented for a raw
/// `int 0x80`.
#[test]
fn the_user_step_is_observed_from_the_saved_ip_by_default() {
    let recs = record_demo("socketcall", &["-e", "bind"]);
    let binds = of(&recs, &["bind"]);
    assert!(!binds.is_empty());
    for b in binds {
        let user = &b["kernel_path"][0];
        assert_eq!(user["observed"], true, "{b}");
        assert_eq!(user["mech"], "user ip", "{b}");
        let shown = user["func"].as_str().or(user["step"].as_str()).unwrap();
        assert!(shown.contains(" in ") || shown.starts_with("0x"), "{user}");
        assert!(!shown.contains("()"), "no wrapper probed: {user}");
    }
}

/// With `--wrapper-probes`, a dynamically linked program's call shows its libc wrapper as the
/// uprobe saw it, with where it was called from.
#[test]
fn the_libc_wrapper_hop_is_observed_by_a_uprobe_on_request() {
    let recs = record_demo("uds-stream", &["-e", "bind", "--wrapper-probes"]);
    let bind = first(&of(&recs, &["bind"]), "bind");
    let user = &bind["kernel_path"][0];
    assert_eq!(user["func"], "bind()", "{bind}");
    assert_eq!(user["observed"], true);
    assert_eq!(user["mech"], "uprobe");
    assert!(user["note"].as_str().unwrap().contains("libc"), "{user}");
}

#[test]
fn under_sudo_a_device_output_is_left_as_it_is() {
    common::require_root();
    let before = std::fs::metadata("/dev/null").unwrap();
    let rec = Command::new(TRACER)
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .args([
            "record",
            "--format",
            "native",
            "-e",
            "bind",
            "-o",
            "/dev/null",
        ])
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    assert!(
        rec.status.success(),
        "{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let after = std::fs::metadata("/dev/null").unwrap();
    assert_eq!(after.uid(), before.uid(), "/dev/null changed owner");
    assert_eq!(
        after.permissions().mode(),
        before.permissions().mode(),
        "/dev/null changed mode"
    );
}

#[test]
fn an_existing_output_file_is_made_private() {
    common::require_root();
    let out = common::out_file("existing");
    std::fs::write(&out, b"old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let st = Command::new(TRACER)
        .args(["record", "--format", "jsonl", "-e", "bind", "-o"])
        .arg(&out)
        .args(["--", "/bin/true"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// strace's spellings of -e: `trace=SET`, `!SET`, `status=failed`; -f is accepted.
#[test]
fn strace_spellings_of_e() {
    common::require_root();
    let (out, recs) = common::record_cmd(
        "status-failed",
        &["-f", "-e", "trace=socket,bind", "-e", "status=failed"],
        &[TRACER, "demo", "hostile"],
    );
    assert!(out.status.success(), "{out:?}");
    let calls = common::syscalls(&recs);
    assert!(calls.len() >= 3, "{recs:?}");
    for c in &calls {
        assert!(c["errno"].is_string(), "a call that did not fail: {c}");
        // A socketcall with a call number no socket call has is the dispatcher's own.
        assert!(
            ["bind", "socket", "socketcall"].contains(&c["syscall"].as_str().unwrap_or("")),
            "{c}"
        );
    }
    let (out, recs) = common::record_cmd(
        "not-write",
        &["-e", "!write"],
        &["sh", "-c", "echo hi; echo there >&2"],
    );
    assert!(out.status.success(), "{out:?}");
    let calls = common::syscalls(&recs);
    assert!(!calls.is_empty());
    assert!(calls.iter().all(|c| c["syscall"] != "write"), "{calls:?}");
}

/// `-e read` with `-yy`: the descriptor `read` uses still says what it is. tracer traces the
/// calls that make and close descriptors too, and shows only the chosen ones (the summary
/// table counts only those).
#[test]
fn a_chosen_call_still_knows_its_descriptors() {
    common::require_root();
    let out = Command::new(TRACER)
        .args(["record", "-yy", "-e", "read", "--", "cat", "/etc/hostname"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let reads: Vec<&str> = text.lines().filter(|l| l.contains(" read(")).collect();
    assert!(
        reads.iter().any(|l| l.contains("read(3</etc/hostname>, ")),
        "{text}"
    );
    assert!(
        !text.contains("openat(") && !text.contains("close("),
        "only the chosen calls are shown: {text}"
    );
    let (_, recs) = record_cmd("chosen", &["-e", "read"], &["cat", "/etc/hostname"]);
    let reads = of(&recs, &["read"]);
    assert!(
        reads.iter().any(|r| r["fds"][0]["path"] == "/etc/hostname"),
        "{reads:?}"
    );
    assert!(of(&recs, &["openat", "close"]).is_empty());
    let out = Command::new(TRACER)
        .args([
            "record",
            "-c",
            "-yy",
            "-e",
            "read",
            "--",
            "cat",
            "/etc/hostname",
        ])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stderr);
    assert!(
        table.contains(" read\n") && !table.contains("openat"),
        "{table}"
    );
}
