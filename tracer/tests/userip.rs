//! The journey's first step, the function that made the call, observed from the saved user
//! instruction pointer (no uprobe): a C library wrapper, a program's own `syscall`, a static
//! program's copy of the C library, and, for 32-bit glibc, the vDSO's `__kernel_vsyscall`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use common::{TRACER, of, record_cmd};

/// `tests/c/userip_prog.c`, built with `gcc` (`extra`: `-static`).
fn build(extra: &[&str]) -> PathBuf {
    build_src("userip_prog.c", extra)
}

/// `tests/c/SRC`, built with `gcc`.
fn build_src(src: &str, extra: &[&str]) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = std::env::temp_dir().join(format!("tracer-userip-{}-{n}", std::process::id()));
    let src = format!("{}/tests/c/{src}", env!("CARGO_MANIFEST_DIR"));
    let st = Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&out)
        .args(extra)
        .arg(src)
        .status()
        .expect("gcc");
    assert!(st.success(), "gcc failed");
    out
}

fn user_step(call: &Value) -> &Value {
    &call["kernel_path"][0]
}

fn func(step: &Value) -> &str {
    step["func"].as_str().unwrap_or("")
}

/// `name+0x.. in file`.
fn is_at(step: &Value, name: &str, file: &str) -> bool {
    let f = func(step);
    let Some(rest) = f.strip_prefix(&format!("{name}+0x")) else {
        return false;
    };
    let Some((off, in_file)) = rest.split_once(" in ") else {
        return false;
    };
    u64::from_str_radix(off, 16).is_ok() && in_file == file
}

fn binds(recs: &[Value]) -> Vec<&Value> {
    of(recs, &["bind"])
        .into_iter()
        .filter(|c| c["ret"] == 0)
        .collect()
}

fn check_observed(step: &Value) {
    assert_eq!(step["observed"], true, "{step}");
    assert_eq!(step["mech"], "user ip", "{step}");
    assert!(
        step["note"]
            .as_str()
            .unwrap_or("")
            .contains("saved user instruction pointer"),
        "{step}"
    );
}

/// Build the program with `flags`, record it live (`-e bind`): its file name, tracer's
/// standard error and its two successful binds, each with an observed user step.
fn record_prog(tag: &str, flags: &[&str]) -> (String, String, Vec<Value>) {
    let prog = build(flags);
    let name = prog.file_name().unwrap().to_str().unwrap().to_string();
    let (out, recs) = record_cmd(tag, &["-e", "bind"], &[prog.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let b: Vec<Value> = binds(&recs).into_iter().cloned().collect();
    assert_eq!(b.len(), 2, "{recs:?}");
    for c in &b {
        check_observed(user_step(c));
    }
    (name, stderr, b)
}

#[test]
fn a_dynamic_programs_binds_are_the_c_librarys_and_its_own() {
    let (name, stderr, b) = record_prog("userip-dyn", &[]);
    let (libc, raw) = (user_step(&b[0]), user_step(&b[1]));
    // glibc exports `bind` (objdump -T libc.so.6); its wrapper made the first call.
    assert!(is_at(libc, "bind", "libc.so.6"), "{libc}");
    // The second was this program's own `syscall` instruction, in raw_bind.
    assert!(is_at(raw, "raw_bind", &name), "{raw}");
    assert!(
        !stderr.is_empty() && !stderr.contains("wrappers)"),
        "no uprobe attached by default: {stderr}"
    );
}

#[test]
fn a_static_programs_bind_is_its_own_copy_of_the_c_library() {
    let (name, _, b) = record_prog("userip-static", &["-static"]);
    // Static glibc's bind (or its alias __bind, the same address) inside the program's file.
    assert!(is_at(user_step(&b[0]), "bind", &name), "{}", b[0]);
    assert!(is_at(user_step(&b[1]), "raw_bind", &name), "{}", b[1]);
}

/// A native recording carries the names: its export shows the same steps without the
/// process, and without root.
#[test]
fn a_recording_carries_where_the_calls_were_made() {
    common::require_root();
    let prog = build(&[]);
    let name = prog.file_name().unwrap().to_str().unwrap().to_string();
    let recs = record_and_export("userip-native", &["-e", "bind"], &prog);
    let b = binds(&recs);
    assert_eq!(b.len(), 2);
    assert!(is_at(user_step(b[0]), "bind", "libc.so.6"), "{}", b[0]);
    assert!(is_at(user_step(b[1]), "raw_bind", &name), "{}", b[1]);
}

/// A 32-bit program: glibc's bind is `socketcall` through the vDSO's `__kernel_vsyscall`; the
/// program's own `int $0x80` is in its own function.
#[test]
fn an_ia32_bind_through_the_vdso_is_kernel_vsyscall() {
    let (name, _, b) = record_prog("userip-ia32", &["-m32", "-static"]);
    assert!(b.iter().all(|c| c["abi"] == "ia32"), "{b:?}");
    assert_ne!(b[0]["entry"], "int80", "{}", b[0]);
    let (vdso, raw) = (user_step(&b[0]), user_step(&b[1]));
    assert!(is_at(vdso, "__kernel_vsyscall", "[vdso]"), "{vdso}");
    assert!(
        vdso["note"].as_str().unwrap_or("").contains("in the vDSO"),
        "{vdso}"
    );
    assert_eq!(b[1]["entry"], "int80", "{}", b[1]);
    assert!(is_at(raw, "raw_bind", &name), "{raw}");
}

/// tracer is a Rust program: the socketcall demo's own `int $0x80` bind (`tracer demo
/// socketcall`, entering from tracer's code) is named as perf names Rust functions, demangled
/// and without the hash (`tracer::demo::socketcall::ia32::run+0x.. in tracer`), not as the
/// symbol table has it (`_ZN6tracer4demo10socketcall4ia323run17h...E`); live, and through a
/// native recording's export.
#[test]
fn a_rust_programs_frame_is_demangled() {
    common::require_root();
    let check = |recs: &[Value]| {
        let b = of(recs, &["bind"]);
        let int80 = b
            .iter()
            .find(|c| c["abi"] == "ia32" && c["entry"] == "int80" && c["ret"] == 0)
            .unwrap_or_else(|| panic!("no int $0x80 bind: {b:?}"));
        let step = user_step(int80);
        check_observed(step);
        let f = func(step);
        assert!(
            f.starts_with("tracer::demo::socketcall::ia32::") && f.ends_with(" in tracer"),
            "{int80}"
        );
        let name = f.split_once('+').map_or(f, |(n, _)| n);
        assert!(
            !name.contains("_ZN") && !name.contains("::h") && !name.contains('$'),
            "{int80}"
        );
    };
    let (out, recs) = record_cmd(
        "userip-rust",
        &["-e", "bind"],
        &[TRACER, "demo", "socketcall"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check(&recs);
    let native = record_and_export_cmd(
        "userip-rust-native",
        &["-e", "bind"],
        &[TRACER, "demo", "socketcall"],
    );
    check(&native);
}

/// A child forked without an exec connects through the C library and is gone before tracer
/// names the address (`tests/c/userip_fork.c`): its mappings are its parent's, and the file is
/// read through the parent, live and in a native recording alike. Before, the failed read
/// through the gone child was kept as the file's symbols: `0x10a7c0 in libc.so.6`, as the
/// uds-stream demo's children showed it.
#[test]
fn a_gone_forked_childs_call_is_named_in_the_c_library() {
    common::require_root();
    let prog = build_src("userip_fork.c", &[]);
    let check = |recs: &[Value]| {
        let c = of(recs, &["connect"]);
        assert_eq!(c.len(), 1, "{recs:?}");
        assert!(is_at(user_step(c[0]), "connect", "libc.so.6"), "{}", c[0]);
    };
    let (out, recs) = record_cmd("userip-fork", &[], &[prog.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check(&recs);
    check(&record_and_export("userip-fork-native", &[], &prog));
}

/// `prog` recorded natively (`tracer record OPTS -o FILE -- prog`), then exported to JSON Lines:
/// the records.
fn record_and_export(name: &str, opts: &[&str], prog: &std::path::Path) -> Vec<Value> {
    record_and_export_cmd(name, opts, &[prog.to_str().unwrap()])
}

/// [`record_and_export`] of the command `cmd`.
fn record_and_export_cmd(name: &str, opts: &[&str], cmd: &[&str]) -> Vec<Value> {
    let file = common::out_file(name).with_extension("tracer");
    let st = Command::new(TRACER)
        .arg("record")
        .args(opts)
        .arg("-o")
        .arg(&file)
        .arg("--")
        .args(cmd)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let out = Command::new(TRACER)
        .arg("export")
        .arg(&file)
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::jsonl(&String::from_utf8_lossy(&out.stdout))
}
