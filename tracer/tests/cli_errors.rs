//! Bad input: one clear line and a non-zero exit, never a panic.

mod common;

use std::process::Command;

use common::TRACER;

fn run(args: &[&str]) -> (i32, String) {
    run_to(args, std::process::Stdio::piped())
}

#[test]
fn unknown_syscall_names_the_nearest() {
    let (code, err) = run(&["record", "-e", "bnd", "--", "/bin/true"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown syscall or group \"bnd\"") && err.contains("bind"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, err) = run(&["record", "-e", "%ipcc", "--", "/bin/true"]);
    assert_eq!(code, 1);
    assert!(err.contains("%ipc"), "{err}");
}

#[test]
fn strace_timestamp_flags() {
    // -tt and -T are what the text shows anyway; -r is not, and says so in one line.
    let (code, err) = run(&["record", "-r", "--", "/bin/true"]);
    assert_eq!(code, 1);
    assert!(err.contains("-r") && err.contains("-tt"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, err) = run(&["record", "-e", "bnd", "-tt", "-T", "-f", "--", "/bin/true"]);
    assert_eq!(code, 1);
    assert!(err.contains("\"bnd\""), "-tt and -T are accepted: {err}");
}

#[test]
fn missing_pid_and_bad_command() {
    let (code, err) = run(&["record", "-p", "999999999"]);
    assert_eq!(code, 1);
    assert!(err.contains("no process with pid 999999999"), "{err}");
    let (code, err) = run(&["record", "--", "/nonexistent/prog"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot execute \"/nonexistent/prog\""),
        "{err}"
    );
    let (code, err) = run(&["record", "-s", "100000", "--", "/bin/true"]);
    assert_eq!(code, 1);
    assert!(err.contains("too large"), "{err}");
}

#[test]
fn without_privileges_exit_2() {
    common::require_root();
    // Drop to nobody in the child: tracer must say what is missing and exit 2.
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            TRACER,
            "record",
            "--",
            "/bin/true",
        ])
        .output()
        .expect("setpriv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs root") && err.contains("CAP_BPF"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_closed_pipe_ends_tracer_quietly() {
    // Standard output is a pipe whose reading end is already closed (as after `| head` has
    // exited): the first write fails.
    let (r, w) = nix::unistd::pipe().unwrap();
    drop(r);
    let out = Command::new(TRACER)
        .args(["explain", "bind"])
        .stdout(std::process::Stdio::from(w))
        .output()
        .expect("running tracer");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.trim().is_empty(), "{err}");
}

/// Run tracer with standard output on `stdout`; its exit code and standard error.
fn run_to(args: &[&str], stdout: std::process::Stdio) -> (i32, String) {
    let out = Command::new(TRACER)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .output()
        .expect("running tracer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A full disk on standard output is an ordinary error: one line, exit 1, no panic.
#[test]
fn a_full_disk_on_stdout_is_one_line() {
    for args in [
        &["explain", "bind"][..],
        &["demo", "--list"],
        &["walkthrough", "--list"],
        &["walkthrough", "pipe", "--print"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let (code, err) = run_to(args, full.into());
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let last = err.trim().lines().last().unwrap_or_default();
        assert!(
            last.starts_with("tracer: writing standard output: No space left on device"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn durations_that_are_not_a_time_are_refused() {
    for d in ["inf", "1e400", "nan", "-1"] {
        let arg = format!("--duration={d}");
        let (code, err) = run(&["record", &arg, "--", "/bin/true"]);
        assert_eq!(code, 2, "{d}: {err}");
        assert!(err.contains("give a number of seconds"), "{d}: {err}");
        assert!(!err.contains("panicked"), "{d}: {err}");
    }
}

#[test]
fn a_lesson_without_a_terminal_says_to_print_it() {
    let (code, err) = run_to(&["walkthrough", "pipe"], std::process::Stdio::null());
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("--print"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn export_refuses_to_write_over_its_recording() {
    common::require_root();
    let d = tempfile::tempdir().unwrap();
    let rec = d.path().join("r.tracer");
    let st = Command::new(TRACER)
        .args(["record", "-e", "bind", "-o"])
        .arg(&rec)
        .args(["--", "/bin/true"])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let before = std::fs::read(&rec).unwrap();
    // The same file, and the same file by another name (a hard link).
    let other = d.path().join("same.tracer");
    std::fs::hard_link(&rec, &other).unwrap();
    for out in [&rec, &other] {
        let o = Command::new(TRACER)
            .arg("export")
            .arg(&rec)
            .arg("-o")
            .arg(out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("is the recording itself"), "{err}");
    }
    assert_eq!(
        std::fs::read(&rec).unwrap(),
        before,
        "the recording changed"
    );
}
