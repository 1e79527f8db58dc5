//! `tracer explain`: the real binary on the real kernel. Every kernel function it names as a
//! step must exist in this kernel's /proc/kallsyms: a teaching tool must not teach a function
//! that is not there.

mod common;

use std::collections::HashSet;
use std::os::unix::process::CommandExt as _;
use std::process::Command;

use common::TRACER;

fn explain(args: &[&str], as_nobody: bool) -> (i32, String, String) {
    let mut cmd = Command::new(TRACER);
    cmd.arg("explain").args(args);
    if as_nobody {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().expect("running tracer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn kernel_functions() -> HashSet<String> {
    std::fs::read_to_string("/proc/kallsyms")
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(String::from))
        .collect()
}

/// The numbered steps (`  3. x64_sys_call  [...]`) that are kernel functions: the line under a
/// step that is not (`switch (call)`, `copy_from_user`) says it is a step inside the one above,
/// and the C library's wrapper is not a kernel function.
fn function_steps(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .zip(lines.iter().skip(1))
        .filter_map(|(l, detail)| {
            let (n, rest) = l.trim_start().split_once(". ")?;
            n.parse::<u32>().ok()?;
            let name = rest.split("  [").next().unwrap_or(rest);
            let inside = detail.contains("a step inside the function above");
            (!inside && !name.ends_with("()")).then(|| name.to_string())
        })
        .collect()
}

#[test]
fn every_function_it_names_exists_in_this_kernel() {
    let funcs = kernel_functions();
    for call in [
        "bind", "socket", "connect", "pipe2", "msgsnd", "semop", "kill", "mmap",
    ] {
        let (code, out, err) = explain(&[call], false);
        assert_eq!(code, 0, "{err}");
        let steps = function_steps(&out);
        assert!(steps.len() >= 3, "{call}: {out}");
        for s in steps {
            assert!(
                funcs.contains(&s),
                "{call}: {s} is not a function of this kernel:\n{out}"
            );
        }
    }
}

#[test]
fn bind_shows_both_abis_and_the_socketcall_dispatch() {
    let (code, out, err) = explain(&["bind"], false);
    assert_eq!(code, 0, "{err}");
    for want in [
        "rax = 49 (bind), rdi = sockfd, rsi = addr, rdx = addrlen",
        "eax = 102 (socketcall), ebx = 2 (SYS_BIND)",
        "eax = 361 (bind)",
        "switch (call)  [case SYS_BIND]",
        "__sys_bind",
        "unix_bind  [sock->ops->bind]",
        "net/socket.c",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    // As root, observability was tried, not guessed: each probed step says the outcome.
    let sys_bind = out
        .lines()
        .skip_while(|l| !l.trim_start().ends_with(". __sys_bind"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        sys_bind.contains("observed here by") || sys_bind.contains("not observable here:"),
        "{sys_bind}"
    );
}

#[test]
fn without_root_it_still_explains_and_says_what_it_could_not_try() {
    common::require_root();
    let (code, out, err) = explain(&["bind", "--abi", "ia32"], true);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("socketcall"), "{out}");
    assert!(!out.contains("x86_64: the `syscall` instruction"), "{out}");
    assert!(out.contains("run as root to find out"), "{out}");
}

/// `--lang zh` (or a Chinese LANG) tells the same path in Chinese: a line for every English
/// line, the same numbered steps with the same function names, as root and without root.
#[test]
fn in_chinese_line_for_line() {
    common::require_root();
    for nobody in [false, true] {
        let (code, en, err) = explain(&["bind", "--lang", "en"], nobody);
        assert_eq!(code, 0, "{err}");
        let (code, zh, err) = explain(&["bind", "--lang", "zh"], nobody);
        assert_eq!(code, 0, "{err}");
        assert_eq!(en.lines().count(), zh.lines().count(), "{en}\n{zh}");
        for want in [
            "在本内核中的路径：x86_64，`syscall`，rax = 49",
            "rax = 49 (bind), rdi = sockfd, rsi = addr, rdx = addrlen",
            "asm_int80_emulation  [int $0x80 对应的 IDT 中断门入口]",
            "copy_from_user  [从 ecx 指向的数组复制 3 个参数字]",
            "之后同上",
        ] {
            assert!(zh.contains(want), "missing {want:?}:\n{zh}");
        }
        assert!(!zh.contains("The path through this kernel"), "{zh}");
        let steps = |t: &str| -> Vec<String> {
            t.lines()
                .filter_map(|l| {
                    let (n, rest) = l.trim_start().split_once(". ")?;
                    n.parse::<u32>().ok()?;
                    Some(format!("{n}. {}", rest.split("  [").next().unwrap_or(rest)))
                })
                .collect()
        };
        assert_eq!(steps(&en), steps(&zh));
        // As root the probes were tried: the outcome is said in Chinese.
        let said = if nobody { "以 root 运行" } else { "这里" };
        assert!(zh.contains(said), "{zh}");
    }
    let out = Command::new(TRACER)
        .args(["explain", "pipe2"])
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .expect("running tracer");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("在程序中"), "{text}");
}

#[test]
fn unknown_syscall_is_one_line_with_the_nearest() {
    let (code, out, err) = explain(&["bnid"], false);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("\"bnid\"") && err.contains("bind"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
