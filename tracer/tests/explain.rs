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

/// The kernel functions a page names, each with whether it must be in this kernel: the numbered
/// steps (`  3. x64_sys_call  [...]`) must, unless the line under one says it is not in this
/// kernel; a body it says is inlined (`its body __do_sys_bind is inlined into it here`) must
/// not. A step the line under it calls a step inside the function above (`switch (call)`,
/// `copy_from_user`) is not a function, and the C library's wrapper (`bind()`) is not the
/// kernel's. In English or Chinese. ("older kernels:" notes name other kernels' functions.)
fn named_functions(text: &str) -> Vec<(bool, String)> {
    const INSIDE: [&str; 2] = ["a step inside the function above", "上面那个函数内部的一步"];
    const ABSENT: [&str; 2] = ["not in this kernel", "不在本内核中"];
    const INLINED: [(&str, &str); 2] = [
        ("its body ", " is inlined into it here"),
        ("它的函数体 ", " 在本内核中被内联进来"),
    ];
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let detail = lines.get(i + 1).copied().unwrap_or_default();
        if let Some((n, rest)) = l.trim_start().split_once(". ")
            && n.parse::<u32>().is_ok()
        {
            let name = rest.split("  [").next().unwrap_or(rest);
            if !INSIDE.iter().any(|s| detail.contains(s)) && !name.ends_with("()") {
                let present = !ABSENT.iter().any(|s| detail.contains(s));
                out.push((present, name.to_string()));
            }
        }
        for (before, after) in INLINED {
            if let Some((_, rest)) = l.split_once(before)
                && let Some((name, _)) = rest.split_once(after)
            {
                out.push((false, name.to_string()));
            }
        }
    }
    out
}

/// Every page `tracer explain` has (every syscall it knows; a socket call's once per address
/// family; both ABIs; the ia32 fast entry of Intel and of AMD CPUs; in English and Chinese),
/// as root: each kernel function it names as there is in this kernel's /proc/kallsyms, each
/// it says is inlined or not here is not. (`cargo xtask vm` does the same on Debian 12's 6.1.)
#[test]
fn every_function_every_page_names_is_right_for_this_kernel() {
    common::require_root();
    let funcs = kernel_functions();
    let (code, list, err) = explain(&["--list"], false);
    assert_eq!(code, 0, "{err}");
    let known: Vec<&str> = list.lines().collect();
    assert!(known.len() > 300 && known.contains(&"semtimedop"), "{list}");
    let mut wrong = Vec::new();
    for cpu in ["intel", "amd"] {
        for lang in ["en", "zh"] {
            let (code, out, err) = explain(&["--all", "--cpu", cpu, "--lang", lang], false);
            assert_eq!(code, 0, "{err}");
            let pages: Vec<&str> = out.split("\n=== ").collect();
            let names: HashSet<&str> = pages
                .iter()
                .filter_map(|p| p.trim_start_matches("=== ").split_whitespace().next())
                .collect();
            assert_eq!(names.len(), known.len(), "{cpu} {lang}: a page per syscall");
            let (mut present, mut absent) = (0, 0);
            for page in pages {
                let title = page.lines().next().unwrap_or_default();
                let named = named_functions(page);
                assert!(named.len() >= 3, "{title}: {page}");
                for (want, f) in named {
                    if want {
                        present += 1;
                    } else {
                        absent += 1;
                    }
                    if funcs.contains(&f) != want {
                        let what = if want { "MISSING" } else { "PRESENT" };
                        wrong.push(format!("{cpu} {lang} {title}: {what} {f}"));
                    }
                }
            }
            assert!(
                present > 2000 && absent > 100,
                "{cpu} {lang}: {present} {absent}"
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "named wrongly for this kernel (MISSING: named as here but not here; PRESENT: said \
         to be inlined or not here but here):\n{}",
        wrong.join("\n")
    );
}

/// The pages name the entry this CPU's vDSO uses, unless `--cpu` asks for another's.
#[test]
fn cpu_picks_the_ia32_fast_entry() {
    for (cpu, entry) in [
        ("intel", "entry_SYSENTER_compat"),
        ("amd", "entry_SYSCALL_compat"),
    ] {
        let (code, out, err) = explain(&["bind", "--abi", "ia32", "--cpu", cpu], false);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!(". {entry}  [")), "{cpu}:\n{out}");
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
