//! The libc wrapper hop for a process that uses its own copy of the C library (as a container
//! or a bundled application does): with `--wrapper-probes`, tracer finds the copy in the
//! process's maps and probes it.

mod common;

use std::process::{Command, Stdio};

use common::{TRACER, first, of};
use serde_json::Value;

#[test]
fn a_private_c_library_found_in_the_maps_is_probed() {
    common::require_root();
    let dir = std::env::temp_dir().join(format!("tracer-libc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let system = std::path::Path::new("/lib/x86_64-linux-gnu/libc.so.6");
    if !system.exists() {
        eprintln!("skipped: no {}", system.display());
        return;
    }
    // A copy is another inode: the probes on the system's libc do not fire in it.
    std::fs::copy(system, dir.join("libc.so.6")).unwrap();
    let go = dir.join("go");
    let mut sh = common::Reaped(Command::new("/bin/sh")
        .env("LD_LIBRARY_PATH", &dir)
        .args([
            "-c",
            &format!(
                "while [ ! -e {} ]; do sleep 0.05; done; exec {TRACER} demo uds-stream >/dev/null",
                go.display()
            ),
        ])
        .spawn()
        .unwrap());
    let out = common::out_file("libc-maps");
    let mut rec = Command::new(TRACER)
        .args([
            "record",
            "--format",
            "jsonl",
            "-e",
            "bind",
            "--wrapper-probes",
            "--duration",
            "60",
        ])
        .arg("-p")
        .arg(sh.id().to_string())
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_until_recording(&out, &mut rec);
    std::fs::write(&go, b"").unwrap();
    let _ = sh.wait();
    let rec = rec.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&rec.stderr);
    assert!(rec.status.success(), "{stderr}");
    let copy = dir.join("libc.so.6").display().to_string();
    assert!(
        stderr.contains(&copy),
        "the copy is not among the probed libraries: {stderr}"
    );
    let recs: Vec<Value> = common::jsonl(&std::fs::read_to_string(&out).unwrap());
    let bind = first(&of(&recs, &["bind"]), "bind");
    let user = &bind["kernel_path"][0];
    assert_eq!(user["func"], "bind()", "{bind}");
    assert_eq!(user["observed"], true, "{bind}");
    assert!(
        user["note"].as_str().unwrap_or("").contains(&copy),
        "{user}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
