//! `tracer record` writing native recordings on the real kernel, and `tracer export` reading
//! them back: the same events as a direct JSON Lines recording, a file that survives its
//! recorder being killed, private to the invoking user.

mod common;

use std::process::{Command, Stdio};

use common::{Reaped, TRACER, of, syscalls};
use serde_json::Value;

fn export(file: &std::path::Path, format: &str) -> (bool, String, String) {
    let out = Command::new(TRACER)
        .arg("export")
        .arg(file)
        .args(["--format", format])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn parse(jsonl: &str) -> Vec<Value> {
    common::jsonl(jsonl)
}

/// A shell that waits for a go file, then runs `demo`; its pid is what the recorders attach to.
fn waiting_shell(go: &std::path::Path, demo: &str) -> Reaped {
    Reaped(
        Command::new("/bin/sh")
            .args([
                "-c",
                &format!(
                    "while [ ! -e {} ]; do sleep 0.05; done; {TRACER} demo {demo} >/dev/null",
                    go.display()
                ),
            ])
            .spawn()
            .unwrap(),
    )
}

fn recorder(pid: u32, format: &str, out: &std::path::Path) -> Reaped {
    Reaped(
        Command::new(TRACER)
            .args([
                "record",
                "-e",
                "%net",
                // The C library's wrappers probed: an observed uprobe step must survive the
                // native file too.
                "--wrapper-probes",
                "--duration",
                "60",
                "--format",
                format,
            ])
            .arg("-p")
            .arg(pid.to_string())
            .arg("-o")
            .arg(out)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// The parts of a call that do not depend on how it was recorded.
fn key(c: &Value) -> String {
    format!(
        "{} {} {} {} {} {}",
        c["tid"], c["syscall"], c["abi"], c["nr"], c["args"], c["ret"]
    )
}

#[test]
fn a_native_recording_exports_to_what_a_direct_jsonl_recording_holds() {
    common::require_root();
    let go = common::out_file("native-go");
    let mut sh = waiting_shell(&go, "uds-stream");
    let native = common::out_file("native").with_extension("tracer");
    let jsonl = common::out_file("native-direct");
    // Two recorders on the same process see the same events.
    let mut a = recorder(sh.id(), "native", &native);
    let mut b = recorder(sh.id(), "jsonl", &jsonl);
    common::wait_until_recording(&jsonl, &mut b);
    // The native file's header frame is written once its recorder is attached.
    for _ in 0..6000 {
        if std::fs::metadata(&native).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::fs::write(&go, b"").unwrap();
    let _ = sh.wait();
    for r in [&mut a, &mut b] {
        let st = r.wait().unwrap();
        assert!(st.success());
    }
    let mode = std::fs::metadata(&native).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
    let (ok, exported, err) = export(&native, "jsonl");
    assert!(ok, "{err}");
    assert!(
        err.is_empty(),
        "a clean recording exports without warnings: {err}"
    );
    let exported = parse(&exported);
    let direct = parse(&std::fs::read_to_string(&jsonl).unwrap());
    let a: Vec<String> = syscalls(&exported).into_iter().map(key).collect();
    let b: Vec<String> = syscalls(&direct).into_iter().map(key).collect();
    assert!(a.len() >= 6, "{a:?}");
    assert_eq!(a, b);
    let bind = &of(&exported, &["bind"])[0];
    assert!(
        bind["args"]["addr"]["path"]
            .as_str()
            .unwrap()
            .contains("tracer-demo-uds-stream-"),
        "{bind}"
    );
    assert_eq!(bind["kernel_path"][0]["func"], "bind()", "{bind}");

    let (ok, text, err) = export(&native, "text");
    assert!(ok, "{err}");
    assert!(text.contains(" bind(3, {sa_family=AF_UNIX"), "{text}");
}

#[test]
fn a_recorder_killed_with_sigkill_leaves_a_file_that_exports() {
    common::require_root();
    let out = common::out_file("killed").with_extension("tracer");
    // A command that keeps making calls until it is stopped.
    let mut rec = Reaped(
        Command::new(TRACER)
            .args(["record", "-e", "%io", "-o"])
            .arg(&out)
            .args(["--", "/bin/sh", "-c", "while :; do echo x; done >/dev/null"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Wait until some records are in the file, then kill tracer without warning. The header
    // alone (every row's name and the kernel symbols a journey may name) is about 66 KiB since
    // every syscall became a row: wait for 1 MiB, well past it.
    for _ in 0..6000 {
        if std::fs::metadata(&out).is_ok_and(|m| m.len() > 1 << 20) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    rec.kill().unwrap();
    let _ = rec.wait();
    // The command it spawned is not stopped by tracer's death: stop it here.
    let _ = Command::new("pkill")
        .args(["-f", "while :; do echo x; done"])
        .status();
    let (ok, exported, err) = export(&out, "jsonl");
    assert!(ok, "a cut-short recording still exports: {err}");
    assert!(err.contains("warning"), "the cut is reported: {err}");
    let recs = parse(&exported);
    assert!(
        syscalls(&recs).iter().any(|c| c["syscall"] == "write"),
        "the writes before the kill are there"
    );
}

#[test]
fn native_is_the_default_for_a_file_and_refused_on_a_terminal_only() {
    common::require_root();
    let out = common::out_file("default").with_extension("tracer");
    let st = Command::new(TRACER)
        .args(["record", "-e", "bind", "-o"])
        .arg(&out)
        .args(["--", TRACER, "demo", "uds-dgram"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"TRACER"), "not a native recording");
    let (ok, jsonl, err) = export(&out, "jsonl");
    assert!(ok, "{err}");
    assert_eq!(of(&parse(&jsonl), &["bind"]).len(), 2, "{jsonl}");
}

/// `record --format perfetto` writes Perfetto's protobuf trace when the recording ends (the
/// format itself is read back with Perfetto's schema in export.rs).
#[test]
fn record_writes_a_perfetto_trace_when_it_ends() {
    common::require_root();
    let out = common::out_file("perfetto").with_extension("pftrace");
    let st = Command::new(TRACER)
        .args(["record", "--format", "perfetto", "-e", "%net", "-o"])
        .arg(&out)
        .args(["--", TRACER, "demo", "socketpair"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&out).unwrap();
    // A `Trace`: packets as field 1, length-delimited; the call's name interned in one.
    assert_eq!(bytes.first(), Some(&0x0a));
    assert!(
        bytes.windows(10).any(|w| w == b"socketpair"),
        "no socketpair in the trace"
    );
    let mode = std::fs::metadata(&out).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
}
