//! A real 32-bit program (built with `gcc -m32`, from Debian's gcc-multilib, which
//! `cargo xtask test` installs): glibc's i386 socket calls go through `socketcall` and its SysV
//! IPC calls through `ipc`, entering through the vDSO (`sysenter` on Intel, `syscall` on AMD).

mod common;

use std::process::Command;

use common::{first, of, record_cmd};

fn build() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = std::env::temp_dir().join(format!("tracer-ia32-{}-{n}", std::process::id()));
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/c/ia32_calls.c");
    let st = Command::new("gcc")
        .args(["-m32", "-static", "-O1", "-o"])
        .arg(&out)
        .arg(src)
        .status()
        .expect("gcc: install gcc-multilib (cargo xtask test does)");
    assert!(
        st.success(),
        "gcc -m32 failed: is gcc-multilib installed? (cargo xtask test installs it)"
    );
    out
}

#[test]
fn socketcall_and_ipc_from_a_32_bit_program() {
    common::require_root();
    let prog = build();
    let sock = std::env::temp_dir().join(format!("tracer-ia32-{}.sock", std::process::id()));
    let (out, recs) = record_cmd(
        "ia32",
        &["-e", "%net,%ipc"],
        &[prog.to_str().unwrap(), sock.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = of(
        &recs,
        &["socket", "bind", "msgget", "msgsnd", "msgrcv", "msgctl"],
    );
    let names: Vec<&str> = calls
        .iter()
        .map(|c| c["syscall"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["socket", "bind", "msgget", "msgsnd", "msgrcv", "msgctl"]
    );
    for c in &calls {
        assert_eq!(c["abi"], "ia32", "{c}");
        // The vDSO's fast path: sysenter (Intel) or syscall (AMD); never reported as int 0x80.
        assert!(c["entry"] == "sysenter" || c["entry"] == "syscall", "{c}");
    }
    let bind = first(&calls, "bind");
    assert_eq!(bind["nr"], 102);
    assert_eq!(bind["socketcall"]["name"], "SYS_BIND");
    assert_eq!(bind["args"]["addr"]["path"], sock.to_str().unwrap());
    assert_eq!(bind["ret"], 0);
    let snd = first(&calls, "msgsnd");
    assert_eq!(snd["nr"], 117);
    assert_eq!(snd["ipc"]["name"], "MSGSND");
    assert_eq!(snd["args"]["msgp"]["mtype"], 7);
    assert_eq!(snd["args"]["msgp"]["mtext"]["data"], "ia32 hello");
    let rcv = first(&calls, "msgrcv");
    assert_eq!(rcv["ipc"]["name"], "MSGRCV");
    // Read through the kludge's msgp: the message, and its msgtyp as an argument.
    assert_eq!(rcv["args"]["msgtyp"], 7);
    assert_eq!(rcv["args"]["msgp"]["mtype"], 7);
    assert_eq!(rcv["args"]["msgp"]["mtext"]["data"], "ia32 hello");
    assert_eq!(rcv["ret"], 10);
    let q = first(&calls, "msgget")["ret"].clone();
    assert_eq!(snd["args"]["msqid"], q);
    assert_eq!(first(&calls, "msgctl")["args"]["cmd"], "IPC_64|IPC_RMID");
}

#[test]
fn selecting_one_call_skips_the_other_calls_of_the_dispatchers() {
    common::require_root();
    let prog = build();
    let sock = std::env::temp_dir().join(format!("tracer-ia32-one-{}.sock", std::process::id()));
    let (out, recs) = record_cmd(
        "ia32-one",
        &["-e", "bind"],
        &[prog.to_str().unwrap(), sock.to_str().unwrap()],
    );
    assert!(out.status.success());
    let names: Vec<&str> = common::syscalls(&recs)
        .iter()
        .map(|c| c["syscall"].as_str().unwrap())
        .collect();
    // socket, msgget etc. go through the same socketcall/ipc entries but are not selected.
    assert_eq!(names, ["bind"]);
}
