//! Bad input: one clear line and a non-zero exit, never a panic.

mod common;

use std::process::Command;

use common::TRACER;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(TRACER)
        .args(args)
        .output()
        .expect("running tracer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
