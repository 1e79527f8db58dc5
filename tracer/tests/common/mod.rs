//! Helpers for the integration tests: they run the real tracer binary as root, on the real
//! kernel, and parse what it recorded.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

pub const TRACER: &str = env!("CARGO_BIN_EXE_tracer");

/// The integration tests load eBPF programs: they need root (`cargo xtask test` runs them so).
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the integration tests load eBPF programs and need root: run `cargo xtask test`"
    );
}

/// A file of its own for each recording: tests run in parallel threads and often record the
/// same demo, so the tag alone would let one test read another's trace.
pub fn out_file(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tracer-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{tag}-{n}.jsonl"))
}

/// Run `tracer record --format jsonl [extra] -- CMD...`; return its output and the records.
pub fn record_cmd(tag: &str, extra: &[&str], cmd: &[&str]) -> (Output, Vec<Value>) {
    record_cmd_env(tag, extra, cmd, &[])
}

/// [`record_cmd`] with `env` added to the environment tracer (and so the command) runs in.
pub fn record_cmd_env(
    tag: &str,
    extra: &[&str],
    cmd: &[&str],
    env: &[(&str, &str)],
) -> (Output, Vec<Value>) {
    require_root();
    let out = out_file(tag);
    let output = Command::new(TRACER)
        .args(["record", "--format", "jsonl", "-o"])
        .arg(&out)
        .args(extra)
        .arg("--")
        .args(cmd)
        .envs(env.iter().copied())
        .output()
        .expect("running tracer");
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    (output, jsonl(&text))
}

/// The records of a JSON Lines trace, as a reader resolves them (docs/trace-format.md): each
/// call that refers to a `path` record gets that journey as its `kernel_path`, with the steps
/// its `observed` list names marked observed (the others appended); `path` records are dropped.
pub fn jsonl(text: &str) -> Vec<Value> {
    let mut paths = std::collections::HashMap::new();
    let mut out = Vec::new();
    for l in text.lines() {
        let mut r: Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"));
        if r["type"] == "path" {
            paths.insert(r["id"].as_u64().expect("a path's id"), r["steps"].take());
            continue;
        }
        if let Some(id) = r["path"].as_u64() {
            let mut steps = paths
                .get(&id)
                .cloned()
                .expect("the path record comes first");
            let list = steps.as_array_mut().expect("steps");
            for o in r["observed"].as_array().into_iter().flatten() {
                match list
                    .iter_mut()
                    .find(|s| s["func"] == o["func"] && s["observed"] == false)
                {
                    Some(s) => *s = o.clone(),
                    None => list.push(o.clone()),
                }
            }
            r["kernel_path"] = steps;
        }
        out.push(r);
    }
    out
}

/// Record one demo; asserts tracer and the demo succeeded and nothing was lost.
pub fn record_demo(name: &str, extra: &[&str]) -> Vec<Value> {
    record_demo_env(name, extra, &[])
}

/// [`record_demo`] with `env` added to the demo's environment; `name` may carry a tag after a
/// space (`"socketcall hand"`), for the recording's file name.
pub fn record_demo_env(name: &str, extra: &[&str], env: &[(&str, &str)]) -> Vec<Value> {
    let tag = name.replace(' ', "-");
    let demo = name.split(' ').next().unwrap_or(name);
    let (output, records) = record_cmd_env(&tag, extra, &[TRACER, "demo", demo], env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tracer failed: {stderr}");
    assert!(
        stderr.contains("the command exited with 0"),
        "the demo failed: {stderr}"
    );
    let summary = records
        .iter()
        .find(|r| r["type"] == "summary")
        .expect("a summary record");
    assert_eq!(summary["lost"], 0, "events were lost");
    assert_eq!(summary["decode_errors"], 0, "undecodable records");
    records
}

pub fn syscalls(records: &[Value]) -> Vec<&Value> {
    records.iter().filter(|r| r["type"] == "syscall").collect()
}

/// The calls named in `names`, per process, in order.
pub fn of<'a>(records: &'a [Value], names: &[&str]) -> Vec<&'a Value> {
    syscalls(records)
        .into_iter()
        .filter(|r| names.contains(&r["syscall"].as_str().unwrap_or("")))
        .collect()
}

pub fn names(calls: &[&Value]) -> Vec<String> {
    calls
        .iter()
        .map(|c| c["syscall"].as_str().unwrap_or("?").to_string())
        .collect()
}

pub fn pids(records: &[Value]) -> Vec<u64> {
    let mut p: Vec<u64> = syscalls(records)
        .iter()
        .filter_map(|r| r["pid"].as_u64())
        .collect();
    p.dedup();
    let mut seen = Vec::new();
    for x in p {
        if !seen.contains(&x) {
            seen.push(x);
        }
    }
    seen
}

pub fn by_pid<'a>(calls: &[&'a Value], pid: u64) -> Vec<&'a Value> {
    calls.iter().copied().filter(|c| c["pid"] == pid).collect()
}

/// The first call named `name`, or a panic listing what was there.
pub fn first<'a>(calls: &[&'a Value], name: &str) -> &'a Value {
    calls
        .iter()
        .copied()
        .find(|c| c["syscall"] == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(calls)))
}

/// Waits until a tracer writing JSON Lines to `path` has written its header: it writes it once
/// every probe is attached, so from then on it is recording. Fixed sleeps are not enough when
/// the tests run in parallel and attaching is slow: the kernel creates uprobes under one global
/// lock that every other tracer's teardown holds through RCU grace periods, so on a busy
/// machine attaching can take minutes. The limit only stops a test that would hang.
pub fn wait_until_recording(path: &std::path::Path, tracer: &mut std::process::Child) {
    for _ in 0..6000 {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains("\"header\"")) {
            return;
        }
        if let Ok(Some(st)) = tracer.try_wait() {
            panic!("tracer exited before recording: {st}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("tracer wrote no header to {} within 300 s", path.display());
}

/// A child process that is killed and reaped when the test is done with it, also when the test
/// fails first: a shell waiting for a go file must not outlive a failed test.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}
