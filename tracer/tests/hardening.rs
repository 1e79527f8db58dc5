//! tracer as a hostile local user and an administrator meet it (issue 14): files it creates
//! as root in a shared directory, names a traced program chose, signals, the command's exit
//! status, a FIFO without a reader. As root, on the real kernel.

mod common;

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::TRACER;

/// A sticky, world-writable directory like /tmp, of this test's own, removed on drop.
fn sticky_dir() -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("tracer-sticky-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    d
}

/// Run `args` as user nobody (65534), as the hostile local user would.
fn as_nobody(args: &[&str]) {
    let st = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .args(args)
        .status()
        .expect("setpriv");
    assert!(st.success(), "{args:?} as nobody");
}

/// `sudo tracer record` by an administrator whose uid is 65534 to sudo: SUDO_UID/SUDO_GID.
fn record_as_admin(out: &Path, extra: &[&str], cmd: &[&str]) -> Output {
    Command::new(TRACER)
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .args(["record", "-e", "bind", "-o"])
        .arg(out)
        .args(extra)
        .arg("--")
        .args(cmd)
        .output()
        .expect("running tracer")
}

/// A root-owned file that must come out of every attempt unchanged.
fn victim(dir: &Path) -> PathBuf {
    let v = dir.join("victim");
    std::fs::write(&v, b"root's data\n").unwrap();
    std::fs::set_permissions(&v, std::fs::Permissions::from_mode(0o644)).unwrap();
    v
}

fn assert_untouched(v: &Path) {
    let m = std::fs::metadata(v).unwrap();
    assert_eq!(std::fs::read(v).unwrap(), b"root's data\n", "content");
    assert_eq!((m.uid(), m.gid()), (0, 0), "owner");
    assert_eq!(m.mode() & 0o7777, 0o644, "mode");
}

fn one_line_error(out: &Output, want: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(last.starts_with("tracer: ") && last.contains(want), "{err}");
    assert!(
        !err.contains("libc wrappers probed"),
        "the output is opened before anything is attached: {err}"
    );
}

#[test]
fn a_symlink_planted_in_a_shared_directory_is_refused() {
    common::require_root();
    let d = sticky_dir();
    let v = victim(d.path());
    let link = d.path().join("trace.txt");
    as_nobody(&["ln", "-s", v.to_str().unwrap(), link.to_str().unwrap()]);
    for format in ["text", "jsonl", "native", "perfetto"] {
        let out = record_as_admin(&link, &["--format", format], &["/bin/true"]);
        one_line_error(&out, "is a symbolic link");
        assert_untouched(&v);
    }
    // export -o and the live view's --command-output take the same way.
    let out = Command::new(TRACER)
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .args(["live", "-e", "bind", "--command-output"])
        .arg(&link)
        .args(["--", "/bin/true"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Refused before the UI would need a terminal.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_untouched(&v);
    let rec = d.path().join("rec.tracer");
    let out = record_as_admin(&rec, &[], &["/bin/true"]);
    assert!(out.status.success(), "{out:?}");
    let out = Command::new(TRACER)
        .args(["export"])
        .arg(&rec)
        .arg("-o")
        .arg(&link)
        .output()
        .unwrap();
    one_line_error(&out, "is a symbolic link");
    assert_untouched(&v);
}

#[test]
fn a_hard_link_or_another_users_file_is_refused() {
    common::require_root();
    let d = sticky_dir();
    let v = victim(d.path());
    // protected_hardlinks stops nobody from linking a root file on most machines: made here
    // as root, as it would be where it is off. Root's own run refuses it for its links; under
    // sudo the invoking user cannot open root's file at all.
    let hard = d.path().join("hard.txt");
    std::fs::hard_link(&v, &hard).unwrap();
    let out = Command::new(TRACER)
        .args(["record", "-e", "bind", "--format", "text", "-o"])
        .arg(&hard)
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    one_line_error(&out, "hard links");
    assert_untouched(&v);
    let out = record_as_admin(&hard, &["--format", "text"], &["/bin/true"]);
    one_line_error(&out, "Permission denied");
    assert_untouched(&v);
    // nobody's own file: tracer would give nobody root's trace by writing into it.
    let theirs = d.path().join("theirs.txt");
    as_nobody(&["touch", theirs.to_str().unwrap()]);
    let out = Command::new(TRACER)
        .args(["record", "-e", "bind", "--format", "text", "-o"])
        .arg(&theirs)
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    one_line_error(&out, "belongs to another user (uid 65534)");
    assert_eq!(std::fs::metadata(&theirs).unwrap().len(), 0);
    // nobody's FIFO, with nobody reading at the other end: the same.
    let fifo = d.path().join("fifo.txt");
    as_nobody(&["mkfifo", "-m", "0666", fifo.to_str().unwrap()]);
    let mut reader = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = Command::new(TRACER)
        .args(["record", "-e", "bind", "--format", "text", "-o"])
        .arg(&fifo)
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    one_line_error(&out, "belongs to another user (uid 65534)");
    let _ = reader.kill();
    let got = reader.wait_with_output().unwrap();
    assert!(got.stdout.is_empty(), "nobody read the trace");
}

/// Under sudo, -o is opened as the invoking user: where they cannot create a file, tracer
/// does not either (with root's rights it could create one anywhere and give it to them).
#[test]
fn under_sudo_an_output_is_made_with_the_users_rights() {
    common::require_root();
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out_path = d.path().join("root-only.txt");
    let out = record_as_admin(&out_path, &["--format", "text"], &["/bin/true"]);
    one_line_error(&out, "Permission denied");
    assert!(!out_path.exists());
}

#[test]
fn a_new_output_is_private_and_the_invoking_users() {
    common::require_root();
    let d = sticky_dir();
    let out_path = d.path().join("new.tracer");
    let out = record_as_admin(&out_path, &[], &["/bin/true"]);
    assert!(out.status.success(), "{out:?}");
    let m = std::fs::metadata(&out_path).unwrap();
    assert_eq!((m.uid(), m.gid()), (65534, 65534));
    assert_eq!(m.mode() & 0o777, 0o600);
}

fn jsonl(path: &Path) -> Vec<Value> {
    common::jsonl(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn tracer_exits_with_the_commands_status_and_the_trace_says_it() {
    common::require_root();
    let (out, recs) = common::record_cmd("exit7", &["-e", "bind"], &["sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let ended = recs
        .iter()
        .find(|r| r["type"] == "command_exit")
        .expect("a command_exit record");
    assert_eq!(ended["exit_code"], 7);
    // Each process's own exit record says how it ended, read in the kernel (task_struct's
    // exit_code), as strace's `+++ exited with 5 +++` does for every process.
    let (_, recs) = common::record_cmd(
        "exits",
        &["-e", "bind"],
        &["sh", "-c", "sh -c 'exit 5'; sh -c 'kill -TERM $$'; exit 7"],
    );
    let ends: Vec<(Value, Value)> = recs
        .iter()
        .filter(|r| r["type"] == "exit" && r["pid"] == r["tid"])
        .map(|r| (r["exit_code"].clone(), r["signal"].clone()))
        .collect();
    assert_eq!(
        ends,
        [
            (Value::from(5), Value::Null),
            (Value::Null, Value::from("SIGTERM")),
            (Value::from(7), Value::Null)
        ],
        "{recs:?}"
    );
    let (out, recs) = common::record_cmd("killed", &["-e", "bind"], &["sh", "-c", "kill -KILL $$"]);
    assert_eq!(out.status.code(), Some(128 + 9), "{out:?}");
    let ended = recs.iter().find(|r| r["type"] == "command_exit").unwrap();
    assert_eq!(ended["signal"], "SIGKILL");
    // A native recording keeps it, and its export says it as strace does.
    let d = tempfile::tempdir().unwrap();
    let rec = d.path().join("r.tracer");
    let st = Command::new(TRACER)
        .args(["record", "-e", "bind", "-o"])
        .arg(&rec)
        .args(["--", "sh", "-c", "exit 3"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(3));
    let text = Command::new(TRACER)
        .args(["export", "--format", "text"])
        .arg(&rec)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("+++ exited with 3 +++"), "{text}");
}

/// Start `tracer record` of `cmd` into a JSON Lines file; returns it once it is recording.
fn start(tag: &str, extra: &[&str], cmd: &[&str]) -> (std::process::Child, PathBuf) {
    let out = common::out_file(tag);
    let child = Command::new(TRACER)
        .args(["record", "--format", "jsonl", "-o"])
        .arg(&out)
        .args(extra)
        .arg("--")
        .args(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !std::fs::read_to_string(&out).is_ok_and(|t| t.contains("\"header\"")) {
        assert!(t.elapsed() < Duration::from_mins(1), "tracer never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, out)
}

fn signal(child: &std::process::Child, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
}

#[test]
fn sighup_ends_a_recording_cleanly_and_the_command_with_it() {
    common::require_root();
    let (child, out) = start("hup", &["-e", "bind"], &["sleep", "600"]);
    // Give sleep time to exec and block.
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, nix::sys::signal::Signal::SIGHUP);
    let res = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(128 + 1), "{err}");
    assert!(err.contains("SIGHUP received: passed SIGHUP"), "{err}");
    let recs = jsonl(&out);
    assert_eq!(
        recs.last().unwrap()["type"],
        "summary",
        "the trace is whole"
    );
    let ended = recs.iter().find(|r| r["type"] == "command_exit").unwrap();
    assert_eq!(ended["signal"], "SIGHUP");
}

#[test]
fn a_command_that_ignores_the_stop_is_killed_after_the_grace() {
    common::require_root();
    let t = Instant::now();
    let out = common::out_file("grace");
    let res = Command::new(TRACER)
        .args([
            "record",
            "-e",
            "bind",
            "--format",
            "jsonl",
            "--duration",
            "0.5",
            "-o",
        ])
        .arg(&out)
        .args([
            "--",
            "sh",
            "-c",
            "trap '' TERM; while :; do sleep 0.2; done",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(128 + 9), "{err}");
    assert!(
        err.contains("--duration reached: passed SIGTERM") && err.contains("with SIGKILL"),
        "{err}"
    );
    // Not a timing test: only that tracer did not wait for the endless loop.
    assert!(t.elapsed() < Duration::from_mins(2));
    let recs = jsonl(&out);
    assert_eq!(recs.last().unwrap()["type"], "summary");
}

#[test]
fn a_fifo_without_a_reader_is_waited_for_killably_before_anything_is_attached() {
    common::require_root();
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut child = Command::new(TRACER)
        .args(["record", "-e", "bind", "--format", "text", "-o"])
        .arg(&fifo)
        .args(["--", "/bin/true"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("waiting for a reader") {
        let n = stderr.read(&mut buf).unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    signal(&child, nix::sys::signal::Signal::SIGTERM);
    stderr.read_to_end(&mut seen).unwrap();
    let st = child.wait().unwrap();
    let err = String::from_utf8_lossy(&seen);
    assert_eq!(st.code(), Some(1), "{err}");
    assert!(err.contains("no reader came before SIGTERM"), "{err}");
    assert!(!err.contains("libc wrappers probed"), "{err}");
}

/// A program whose name (its comm, and the file it execs) writes a terminal title and clears
/// the screen: every text output shows it escaped.
#[test]
fn a_hostile_program_name_reaches_no_output_raw() {
    common::require_root();
    let d = tempfile::tempdir().unwrap();
    let evil = d.path().join("\x1b]0;owned\x07\x1b[2J");
    std::fs::copy("/bin/true", &evil).unwrap();
    let out = Command::new(TRACER)
        .args(["record", "-e", "all", "--format", "text", "--"])
        .arg(&evil)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
    assert!(text.contains("\\33]0;owned\\7\\33[2J"), "{text}");
}

/// Removes the test's user and group (`under_sudo_the_command_gets_the_users_groups_and_home`).
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg("tracer-test-user").status();
        let _ = Command::new("groupdel").arg("tracer-test-grp").status();
    }
}

#[test]
fn under_sudo_the_command_gets_the_users_groups_and_home() {
    common::require_root();
    // A user of the test's own with a supplementary group, removed again when the test ends.
    let _cleanup = Cleanup;
    let _ = Command::new("groupadd")
        .args(["-f", "tracer-test-grp"])
        .status();
    if Command::new("id")
        .arg("tracer-test-user")
        .output()
        .unwrap()
        .status
        .code()
        != Some(0)
    {
        let st = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent/tracer-test",
                "-G",
                "tracer-test-grp",
                "tracer-test-user",
            ])
            .status()
            .unwrap();
        assert!(st.success(), "useradd");
    }
    let id = |flag: &str| {
        let o = Command::new("id")
            .args([flag, "tracer-test-user"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let grp = Command::new("getent")
        .args(["group", "tracer-test-grp"])
        .output()
        .unwrap();
    let grp_gid = String::from_utf8_lossy(&grp.stdout)
        .split(':')
        .nth(2)
        .unwrap()
        .to_string();
    let out = Command::new(TRACER)
        .env("SUDO_UID", id("-u"))
        .env("SUDO_GID", id("-g"))
        .env("HOME", "/root")
        .args(["record", "-e", "bind", "-o", "/dev/null", "--"])
        .args(["sh", "-c", "id -G; echo $HOME"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let groups: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert!(
        groups.contains(&grp_gid.as_str()),
        "{groups:?} lacks {grp_gid}"
    );
    assert_eq!(lines.next(), Some("/nonexistent/tracer-test"));
}

/// A signal while the programs load ends tracer before the command is started.
#[test]
fn a_signal_during_loading_starts_nothing() {
    common::require_root();
    let d = tempfile::tempdir().unwrap();
    let marker = d.path().join("started");
    let child = Command::new(TRACER)
        .args(["record", "-e", "bind", "-o", "/dev/null", "--", "touch"])
        .arg(&marker)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Loading and verifying the programs takes far longer than this.
    std::thread::sleep(Duration::from_millis(50));
    signal(&child, nix::sys::signal::Signal::SIGINT);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("stopped by SIGINT"), "{err}");
    assert!(!marker.exists(), "the command ran: {err}");
}

/// An output that fails (a full disk) ends tracer with one line naming it, and the command
/// with it: tracer does not wait for it.
#[test]
fn a_failed_output_ends_the_command_too() {
    common::require_root();
    let out = Command::new(TRACER)
        .args(["record", "-e", "all", "--format", "text", "-o", "/dev/full"])
        .args([
            "--",
            "sh",
            "-c",
            "while :; do echo x >/dev/null; sleep 0.01; done",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("killed the command"), "{err}");
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("tracer: writing /dev/full") && last.contains("No space left"),
        "{err}"
    );
}
