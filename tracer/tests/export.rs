//! `tracer export` on the committed recordings (tracer/fuzz/corpus/reader), without root: each
//! format, and every kind of damage with its message, its byte offset and its exit code; and on
//! demos recorded natively on this kernel (as root), to Perfetto's protobuf format (read back
//! with Perfetto's published schema, `perfetto_check.py`) and to Chrome's JSON, with their flows.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

use common::TRACER;
use serde_json::Value;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/reader")
        .join(name)
}

/// Exit code, standard output, standard error.
fn export(file: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(TRACER)
        .arg("export")
        .arg(file)
        .args(args)
        .output()
        .expect("running tracer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn jsonl(text: &str) -> Vec<Value> {
    common::jsonl(text)
}

#[test]
fn each_format() {
    let (code, out, err) = export(&corpus("pipe.tracer"), &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    let lines = jsonl(&out);
    assert_eq!(lines[0]["type"], "header");
    assert_eq!(lines[0]["kernel"], "6.1.0-test");
    let calls: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "syscall")
        .map(|l| l["syscall"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(calls, ["pipe2", "write", "read"]);
    assert_eq!(lines.last().unwrap()["type"], "summary");

    let (code, out, _) = export(&corpus("pipe.tracer"), &["--format", "text", "-k"]);
    assert_eq!(code, 0);
    assert!(out.contains("pipe2([3, 4], 0) = 0"), "{out}");
    assert!(out.contains("* do_pipe2(flags=0) = 0"), "{out}");

    let out = Command::new(TRACER)
        .arg("export")
        .arg(corpus("pipe.tracer"))
        .args(["--format", "perfetto"])
        .output()
        .expect("running tracer");
    assert!(out.status.success());
    // A `Trace`: its packets, each field 1, length-delimited (tag byte 0x0a).
    assert_eq!(out.stdout.first(), Some(&0x0a), "{:?}", &out.stdout);
    assert!(out.stdout.windows(5).any(|w| w == b"pipe2"));

    let (code, out, _) = export(&corpus("pipe.tracer"), &["--format", "chrome-json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    let events = v["traceEvents"].as_array().unwrap();
    let has = |ph: &str, name: &str| events.iter().any(|e| e["ph"] == ph && e["name"] == name);
    assert!(has("X", "pipe2") && has("X", "do_pipe2") && has("s", "pipe") && has("f", "pipe"));
}

#[test]
fn a_32_bit_recording_keeps_its_journey() {
    let (code, out, _) = export(&corpus("socketcall.tracer"), &[]);
    assert_eq!(code, 0);
    let lines = jsonl(&out);
    let bind = lines.iter().find(|l| l["syscall"] == "bind").unwrap();
    assert_eq!(bind["socketcall"]["name"], "SYS_BIND");
    let observed: Vec<&str> = bind["kernel_path"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["observed"] == true)
        .filter_map(|s| s["func"].as_str())
        .collect();
    assert_eq!(
        observed,
        ["__ia32_compat_sys_socketcall", "__sys_bind", "unix_bind"]
    );
}

#[test]
fn damage_is_named_with_its_byte_offset() {
    // Cut inside the last frame: everything before it, a warning, success.
    let (code, out, err) = export(&corpus("truncated.tracer"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning") && err.contains("the file ends inside a frame"),
        "{err}"
    );
    assert!(jsonl(&out).iter().any(|l| l["syscall"] == "read"));

    // A flipped byte in the middle: everything before it, then the error.
    let (code, out, err) = export(&corpus("flipped.tracer"), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("flipped.tracer: byte "), "{err}");
    assert!(err.contains("checksum does not match"), "{err}");
    assert!(err.contains("everything before it was exported"), "{err}");
    assert_eq!(jsonl(&out)[0]["type"], "header");

    let (code, _, err) = export(&corpus("newer-version.tracer"), &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "byte 7: written by a newer tracer: format version 3, this tracer reads up to 2"
        ),
        "{err}"
    );

    // No end frame: a warning only.
    let (code, _, err) = export(&corpus("header-only.tracer"), &[]);
    assert_eq!(code, 0);
    assert!(err.contains("no end frame"), "{err}");

    let dir = std::env::temp_dir();
    let (code, _, err) = export(&dir, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("is a directory"), "{err}");
    let (code, _, err) = export(&PathBuf::from(TRACER), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("byte 0: not a tracer recording"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn an_output_file_is_private() {
    let out = std::env::temp_dir().join(format!("tracer-export-{}.json", std::process::id()));
    let (code, stdout, err) = export(
        &corpus("pipe.tracer"),
        &["--format", "chrome-json", "-o", out.to_str().unwrap()],
    );
    assert_eq!((code, stdout.as_str(), err.as_str()), (0, "", ""));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    assert_eq!(mode, 0o600);
    assert!(serde_json::from_str::<Value>(&text).is_ok());
}

/// `tracer record -o F.tracer -- tracer demo DEMO`: the demo recorded natively on this kernel.
fn record_demo(demo: &str) -> PathBuf {
    common::require_root();
    let file = common::out_file(demo).with_extension("tracer");
    let st = Command::new(TRACER)
        .arg("record")
        .arg("-o")
        .arg(&file)
        .args(["--", TRACER, "demo", demo])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("running tracer record");
    assert!(st.success(), "tracer record: {st}");
    file
}

/// A demo recorded natively, exported to Chrome's JSON: a track per process, a slice per call,
/// and the data's arrow from the process that wrote it to the one that read it.
fn chrome_json_of_demo(demo: &str) -> Vec<Value> {
    let file = record_demo(demo);
    let (code, out, err) = export(&file, &["--format", "chrome-json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    v["traceEvents"].as_array().unwrap().clone()
}

fn flows(events: &[Value], name: &str) -> Vec<(u64, u64)> {
    let ends = |ph: &str| -> Vec<(u64, u64)> {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["name"] == name)
            .map(|e| (e["id"].as_u64().unwrap(), e["pid"].as_u64().unwrap()))
            .collect()
    };
    let (starts, finishes) = (ends("s"), ends("f"));
    starts
        .iter()
        .filter_map(|(id, from)| {
            let (_, to) = finishes.iter().find(|(i, _)| i == id)?;
            Some((*from, *to))
        })
        .collect()
}

#[test]
fn a_real_pipe_and_a_real_connection_in_chrome_json() {
    let ev = chrome_json_of_demo("pipe");
    let pids: Vec<u64> = ev
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "process_name")
        .map(|e| e["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(pids.len(), 2, "the parent and its child: {pids:?}");
    for name in ["pipe2", "write", "read", "close"] {
        let slices: Vec<&Value> = ev
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] == "syscall" && e["name"] == name)
            .collect();
        assert!(!slices.is_empty(), "no {name} slice");
        // Where each call entered the kernel from, as in Perfetto's format: named where
        // tracer read the process's mappings in time, else the bare saved address (a
        // short-lived process may be gone first; see uds_stream_in_perfettos_own_format). The
        // demo's own pipe2 and write go through glibc; a read or close may be the loader's
        // (`0x20b74 in ld-linux-x86-64.so.2`).
        let bare = |f: &str| {
            f.starts_with("0x") && f.len() > 2 && f[2..].bytes().all(|b| b.is_ascii_hexdigit())
        };
        let glibcs = matches!(name, "pipe2" | "write");
        for s in slices {
            assert!(
                s["args"]["entered_from"].as_str().is_some_and(|f| bare(f)
                    || if glibcs {
                        f.ends_with(" in libc.so.6")
                    } else {
                        f.contains(" in ")
                    }),
                "{s}"
            );
        }
    }
    let f = flows(&ev, "pipe");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_ne!(f[0].0, f[0].1, "from the child to the parent");

    let ev = chrome_json_of_demo("uds-stream");
    let f = flows(&ev, "unix stream");
    assert!(!f.is_empty() && f.iter().all(|(a, b)| a != b), "{f:?}");
}

/// The Python that reads Perfetto's format with Perfetto's own schema: a virtual environment
/// with the `perfetto` package, made by `cargo xtask test`.
fn perfetto_python() -> PathBuf {
    let python =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/perfetto-venv/bin/python3");
    assert!(
        python.exists(),
        "{} is missing: `cargo xtask test` makes it (python3 -m venv, then pip install perfetto)",
        python.display()
    );
    python
}

/// uds-stream recorded on this kernel and exported to Perfetto's protobuf format, read back with
/// Perfetto's published schema (`perfetto_check.py`, which checks the sequence, interning,
/// tracks, nesting and flow ids): the server's and the client's tracks, their calls with
/// arguments, and the arrow from the client's write to the server's read.
#[test]
fn uds_stream_in_perfettos_own_format() {
    let file = record_demo("uds-stream");
    let trace = file.with_extension("pftrace");
    let (code, out, err) = export(
        &file,
        &["--format", "perfetto", "-o", trace.to_str().unwrap()],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let check = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/perfetto_check.py");
    let run = Command::new(perfetto_python())
        .arg(&check)
        .arg(&trace)
        .output()
        .expect("running perfetto_check.py");
    assert!(
        run.status.success(),
        "perfetto_check.py: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: Value = serde_json::from_slice(&run.stdout).expect("the check's JSON");
    let slices = v["slices"].as_array().unwrap();
    let comm = |s: &Value| s["thread"]["comm"].as_str().unwrap_or("").to_string();
    let pid = |s: &Value| s["thread"]["pid"].as_u64().unwrap_or(0);

    // Two processes of the demo, each with its thread track, named by comm.
    let demo: Vec<&Value> = slices.iter().filter(|s| s["name"] == "connect").collect();
    assert_eq!(demo.len(), 1, "one connect: {demo:?}");
    let client = pid(demo[0]);
    let accept = slices
        .iter()
        .find(|s| s["name"] == "accept" || s["name"] == "accept4")
        .expect("the server's accept");
    let server = pid(accept);
    assert_ne!(client, server);
    let threads = v["threads"].as_array().unwrap();
    for p in [client, server] {
        assert!(
            threads
                .iter()
                .any(|t| t["pid"] == p && t["tid"] == p && t["name"] != ""),
            "no thread track for {p}: {threads:?}"
        );
    }

    // Calls as slices with their arguments, result and errno-free success.
    let connect = demo[0];
    assert_eq!(connect["args"]["ret"], 0, "{connect}");
    assert!(
        connect["args"]["addr.path"]
            .as_str()
            .is_some_and(|p| p.ends_with("stream.sock")),
        "{connect}"
    );
    assert_eq!(connect["cat"], "syscall");
    assert!(connect["dur"].as_u64().is_some());
    // Where it entered the kernel: the saved user instruction pointer (an interned string
    // value), in the C library, or the bare address when the demo's processes were gone before
    // tracer read their mappings (usersym/mod.rs says when; how it is named is
    // tests/userip.rs's).
    assert!(
        connect["args"]["entered_from"]
            .as_str()
            .is_some_and(|f| f.ends_with(" in libc.so.6")
                || (f.starts_with("0x") && f[2..].bytes().all(|b| b.is_ascii_hexdigit()))),
        "{connect}"
    );

    // Interning: names defined once, used many times.
    assert!(
        v["interned_uses"].as_u64().unwrap() > v["event_names_interned"].as_u64().unwrap(),
        "{}",
        v["interned_uses"]
    );

    // The client's "hello" flows from its send to the server's receive, and the server's "hi"
    // back.
    let sends = ["write", "send", "sendto", "sendmsg"];
    let recvs = ["read", "recv", "recvfrom", "recvmsg"];
    let flows: Vec<(&Value, &Value)> = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let at = |k: &str| &slices[f[k].as_u64().unwrap() as usize];
            (at("from"), at("to"))
        })
        .collect();
    let hello = flows
        .iter()
        .find(|(a, b)| pid(a) == client && pid(b) == server)
        .unwrap_or_else(|| panic!("no flow from the client to the server: {flows:?}"));
    assert!(
        sends.contains(&hello.0["name"].as_str().unwrap()),
        "{}",
        hello.0
    );
    assert!(
        recvs.contains(&hello.1["name"].as_str().unwrap()),
        "{}",
        hello.1
    );
    assert!(
        hello.0["args"].to_string().contains("hello")
            && hello.1["args"].to_string().contains("hello"),
        "{hello:?}"
    );
    assert!(
        flows
            .iter()
            .any(|(a, b)| pid(a) == server && pid(b) == client),
        "no flow back: {flows:?}"
    );
    assert_ne!(comm(hello.0), "");
    // What is in flight on the connection: a counter per direction that reads 0 at the end.
    let counters = v["counters"].as_object().unwrap();
    assert!(
        counters
            .iter()
            .any(|(n, vals)| n.starts_with("unix stream from socket:[")
                && vals.as_array().unwrap().last().unwrap()[1] == 0),
        "{counters:?}"
    );
}
