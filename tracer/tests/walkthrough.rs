//! `tracer walkthrough`: the lessons run their demos under capture on the real kernel
//! and print the values of that run; every kernel function one names as present is in this
//! kernel's /proc/kallsyms, and every one it marks absent is not.

mod common;

use std::collections::HashSet;
use std::os::unix::process::CommandExt as _;
use std::process::Command;

use common::TRACER;

fn walkthrough(args: &[&str], as_nobody: bool) -> (i32, String, String) {
    let mut cmd = Command::new(TRACER);
    cmd.arg("walkthrough").args(args).env("LANG", "C.UTF-8");
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

/// The kernel functions a printed lesson names: `  * name  ...`, `  . name  ...`, `  - name`
/// (not where a call was made in a program: `  * bind+0x1b in libc.so.6`, or a bare
/// `  * 0xf7f7c5e9` when the process was gone before tracer read its mappings).
fn named_functions(text: &str) -> Vec<(char, String)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("  ")?;
            let mut chars = rest.chars();
            let mark = chars.next()?;
            let name = chars.as_str().strip_prefix(' ')?.split("  ").next()?;
            (matches!(mark, '*' | '.' | '-')
                && !name.is_empty()
                && !name.starts_with("0x")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then(|| (mark, name.to_string()))
        })
        .collect()
}

#[test]
fn the_socketcall_lesson_shows_the_values_of_a_real_run() {
    common::require_root();
    let (code, out, err) = walkthrough(&["socketcall", "--print"], false);
    assert_eq!(code, 0, "{err}");
    for want in [
        "[1/12] The C call",
        "rax = 49 (bind)   rdi = 3",
        "eax = 102 (socketcall)   ebx = 2 (SYS_BIND)   ecx = 0x",
        "case SYS_BIND:",
        "socketcall-ia32.sock",
        "socketcall-x64.sock",
        "socketcall-vdso.sock",
        // Both 32-bit ways: the C library's, through the vDSO, and the classic int $0x80.
        "call *%gs:0x10",
        "int $0x80: the IDT entry of vector 0x80",
        "[10/12] The way back",
        // The box on older texts, then Try next, linked for this kernel's version.
        "[11/12] The source material's kernel vs this kernel",
        "Older texts: int $0x80 -> system_call",
        "[12/12] Try next",
        "https://man7.org/linux/man-pages/man2/socketcall.2.html",
        "https://elixir.bootlin.com/linux/v",
        "bind returned 0 in",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    // The array as read: [fd, the address of the sockaddr_un, its length].
    let array = out
        .lines()
        .find(|l| l.contains("copy_from_user(a, 0x"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        array.contains("-> [3, 0x") || array.contains("->  a = [3, 0x"),
        "{array}"
    );
    assert!(!out.contains("(not captured)"), "{out}");
    // Where the i386 C library is installed, the vDSO bind was glibc's own, and the kernel
    // saved eip in the vDSO's __kernel_vsyscall: named when tracer read the program's mappings
    // before it exited (it naps 100 ms for that; a machine busy enough can still miss it).
    if std::path::Path::new("/lib/ld-linux.so.2").exists() {
        for want in [
            "tracer/src/demo/glibc32.rs",
            "Through the vDSO, this run traced glibc's own bind in /",
            "the loader's (opening /",
        ] {
            assert!(out.contains(want), "missing {want:?}:\n{out}");
        }
        assert!(!out.contains("vsyscall32.rs"), "{out}");
        let frame = out
            .lines()
            .find(|l| l.contains("  vDSO: the saved user instruction pointer"))
            .unwrap_or_else(|| panic!("no user frame for the vDSO bind:\n{out}"));
        if frame.contains(", unnamed: the process was gone") {
            assert!(frame.starts_with("  * 0x"), "{frame}");
        } else {
            assert!(
                frame.starts_with("  * __kernel_vsyscall+0x")
                    && frame.contains(
                        " in [vdso]  vDSO: the saved user instruction pointer, \
                                        where the kernel returns to"
                    ),
                "{frame}"
            );
            assert!(
                out.contains("The caller one frame up, glibc's bind in /"),
                "{out}"
            );
        }
    }
    // The classic way's bind was the demo's own int $0x80, in tracer's code (the demo process
    // lives on, so its mappings are read): a Rust function, named demangled as perf names it.
    let frame = out
        .lines()
        .find(|l| l.contains("  int $0x80: the saved user instruction pointer"))
        .unwrap_or_else(|| panic!("no user frame for the int $0x80 bind:\n{out}"));
    assert!(
        frame.starts_with("  * tracer::demo::socketcall::ia32::")
            && frame.contains(" in tracer  int $0x80: ")
            && !frame.contains("_ZN"),
        "{frame}"
    );
    // The vDSO entry this CPU uses, as the run recorded it.
    let amd = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap()
        .contains("AuthenticAMD");
    let (instr, entry) = if amd {
        ("syscall", "entry_SYSCALL_compat")
    } else {
        ("sysenter", "entry_SYSENTER_compat")
    };
    assert!(
        out.contains(&format!("This run entered with: {instr}.")),
        "{out}"
    );
    assert!(out.contains(&format!(" {entry}  vDSO: ")), "{out}");
    assert!(
        out.contains(". do_fast_syscall_32  vDSO: ") || out.contains("* do_fast_syscall_32"),
        "{out}"
    );
    // A run that observed no kernel function says why, in one line (this kernel: no kprobes,
    // fentry refused). Where the calls were made in the programs is observed all the same.
    if !named_functions(&out).iter().any(|(m, _)| *m == '*') {
        assert!(out.contains("Every kernel step is . (inferred): "), "{out}");
    }

    let kallsyms: HashSet<String> = std::fs::read_to_string("/proc/kallsyms")
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(String::from))
        .collect();
    let named = named_functions(&out);
    assert!(named.len() >= 10, "{named:?}");
    for (mark, f) in named {
        if mark == '-' {
            assert!(!kallsyms.contains(&f), "{f} is marked absent but exists");
        } else {
            assert!(
                kallsyms.contains(&f),
                "{f} is not a function of this kernel"
            );
        }
    }
}

#[test]
fn in_chinese_and_as_markdown() {
    common::require_root();
    let (code, out, err) = walkthrough(
        &[
            "socketcall",
            "--print",
            "--lang",
            "zh",
            "--format",
            "markdown",
        ],
        false,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("# bind() 如何进入内核"), "{out}");
    assert!(out.contains("## 6/12. 把参数复制进内核"), "{out}");
    assert!(out.contains("## 12/12. 接下来试试"), "{out}");
    // Try next: an ordered list, not escaped prose.
    assert!(out.contains("  \n\n1. 给 int $0x80 的 SYS_BIND"), "{out}");
    assert!(out.contains("\n2. 用调用号 21"), "{out}");
    assert!(out.contains("<https://elixir.bootlin.com/linux/v"), "{out}");
    assert!(out.contains("ebx = 2 (SYS_BIND)"), "{out}");
}

#[test]
fn without_root_the_static_lesson_has_blanks_for_the_values() {
    common::require_root();
    let (code, out, err) = walkthrough(&["socketcall", "--print"], true);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Printed without a run: each ____ is a value a run of the demo fills in"),
        "{out}"
    );
    assert!(out.contains("ebx = ____ (SYS_BIND)"), "{out}");
    // Without a run it cannot say which 32-bit program binds: it names both.
    assert!(
        out.contains("tracer/src/demo/glibc32.rs") && out.contains("tracer/src/demo/vsyscall32.rs"),
        "{out}"
    );
}

#[test]
fn list_and_unknown_lessons() {
    let (code, out, _) = walkthrough(&["--list"], false);
    assert_eq!(code, 0);
    assert!(out.contains("socketcall"), "{out}");
    let (code, out, err) = walkthrough(&["sockcall"], false);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains("no lesson \"sockcall\"") && err.contains("socketcall"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `--list --lang zh` lists the same lessons, each with its line in Chinese.
#[test]
fn the_list_in_chinese() {
    let (code, en, _) = walkthrough(&["--list", "--lang", "en"], false);
    assert_eq!(code, 0);
    let (code, zh, err) = walkthrough(&["--list", "--lang", "zh"], false);
    assert_eq!(code, 0, "{err}");
    let split = |l: &str| {
        let (name, summary) = l.split_once(' ').unwrap_or((l, ""));
        (name.to_string(), summary.trim().to_string())
    };
    let (en, zh): (Vec<_>, Vec<_>) = (
        en.lines().map(split).collect(),
        zh.lines().map(split).collect(),
    );
    assert!(en.len() > 1, "{en:?}");
    assert_eq!(
        en.iter().map(|l| &l.0).collect::<Vec<_>>(),
        zh.iter().map(|l| &l.0).collect::<Vec<_>>()
    );
    for ((name, e), (_, z)) in en.iter().zip(&zh) {
        assert_ne!(e, z, "{name}");
        assert!(
            z.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{name}: {z}"
        );
    }
    assert!(zh.iter().any(|l| l.1.contains("共享内存")), "{zh:?}");
}

/// The lessons `--list` names.
fn lessons() -> Vec<String> {
    let (code, out, _) = walkthrough(&["--list"], false);
    assert_eq!(code, 0);
    out.lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// Every lesson, run as root with `--print`: it records its demos, reaches its last step, has a
/// value for everything it quotes, and names only functions this kernel has (or marks them
/// absent when it has not). The lessons run in parallel: each takes a few seconds. (Both
/// languages of every lesson are compared line by line in the unit tests.)
#[test]
fn every_lesson_runs_to_its_last_step_and_names_real_functions() {
    common::require_root();
    let kallsyms: HashSet<String> = std::fs::read_to_string("/proc/kallsyms")
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(String::from))
        .collect();
    let names = lessons();
    assert!(
        names.len() > 1 && names.iter().any(|n| n == "pipe"),
        "{names:?}"
    );
    let runs: Vec<_> = names
        .into_iter()
        .map(|name| {
            std::thread::spawn(move || {
                let out = walkthrough(&[&name, "--print"], false);
                (name, out)
            })
        })
        .collect();
    for run in runs {
        let (name, (code, out, err)) = run.join().unwrap();
        assert_eq!(code, 0, "{name}: {err}");
        let steps = out
            .lines()
            .filter(|l| l.starts_with('[') && l.contains("] "))
            .count();
        assert!(steps >= 4, "{name}: {steps} steps:\n{out}");
        assert!(
            out.contains(&format!("[{steps}/{steps}] ")),
            "{name}: no last step:\n{out}"
        );
        assert!(!out.contains("(not captured)"), "{name}:\n{out}");
        assert!(out.contains("Values captured by tracer"), "{name}:\n{out}");
        let named = named_functions(&out);
        assert!(!named.is_empty(), "{name} names no kernel function");
        for (mark, f) in named {
            if mark == '-' {
                assert!(
                    !kallsyms.contains(&f),
                    "{name}: {f} is marked absent but exists"
                );
            } else {
                assert!(
                    kallsyms.contains(&f),
                    "{name}: {f} is not a function of this kernel"
                );
            }
        }
    }
}

/// Without root (and without a recording) every lesson still prints, whole, as a handout: a
/// blank for each value, and no sentence that only makes sense after a run ("this run", "(not
/// captured)"), in either language or format.
#[test]
fn without_root_every_lesson_prints_its_static_version() {
    const LIVE_ONLY: [&str; 5] = [
        "this run",
        "(not captured)",
        "本次运行",
        "未捕获",
        "这次运行",
    ];
    common::require_root();
    for name in lessons() {
        for lang in ["en", "zh"] {
            for format in ["text", "markdown"] {
                let args = [&name, "--print", "--lang", lang, "--format", format];
                let (code, out, err) = walkthrough(&args, true);
                assert_eq!(code, 0, "{name} {lang}: {err}");
                // A blank: in Markdown, underscores escaped so as not to be emphasis.
                let blank = if format == "text" {
                    "____"
                } else {
                    r"\_\_\_\_"
                };
                assert!(out.contains(blank), "{name} {lang} {format}:\n{out}");
                assert!(out.contains("root"), "{name} {lang} {format}:\n{out}");
                for live in LIVE_ONLY {
                    let found = out.lines().find(|l| l.to_lowercase().contains(live));
                    assert!(found.is_none(), "{name} {lang} {format}: {found:?}");
                }
            }
        }
    }
}

#[test]
fn under_sudo_a_lesson_still_has_the_values_of_its_run() {
    common::require_root();
    let out = Command::new(TRACER)
        .args(["walkthrough", "pipe", "--print"])
        .env("LANG", "C.UTF-8")
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .output()
        .expect("running tracer");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(text.contains("pipe2(["), "no values of a run:\n{text}");
}

/// Classroom use: an instructor records a lesson's demo once, as root, and anyone prints the
/// handout from the recording without root (here: as `nobody`, so nothing can be loaded into
/// the kernel). The handout carries that recording's values (its descriptor, its bound paths,
/// which hold the demo's pid, the stack address of its sockaddr_un: a new run would have other
/// ones) and no placeholder; a recording of another demo is refused in one line.
#[test]
fn a_handout_printed_by_nobody_from_a_recording_has_its_values() {
    common::require_root();
    let dir = tempfile::tempdir().unwrap();
    // The values to look for, from the recording's own export.
    let (rec, records) = recorded_for_nobody(dir.path(), "socketcall");
    let binds = common::of(&records, &["bind"]);
    let x64 = binds
        .iter()
        .find(|c| c["abi"] == "x86_64")
        .unwrap_or_else(|| panic!("no x86_64 bind in {records:?}"));
    let int80 = binds
        .iter()
        .find(|c| c["abi"] == "ia32" && c["entry"] == "int80")
        .unwrap_or_else(|| panic!("no int $0x80 bind in {records:?}"));
    let fd = x64["args"]["sockfd"].as_i64().unwrap();
    let path = x64["args"]["addr"]["path"].as_str().unwrap();
    // The address of the sockaddr_un on the demo's stack: another run would have another.
    let addr = x64["raw_args"][1].as_u64().unwrap();
    let ia32_path = int80["args"]["addr"]["path"].as_str().unwrap();

    let (rdi, rsi) = (format!("rdi = {fd}"), format!("rsi = {addr:#x}"));
    let wants = [rdi.as_str(), path, ia32_path, rsi.as_str()];
    for (lang, out) in handouts_from("socketcall", &rec, &wants) {
        assert!(
            !out.contains("No run") && !out.contains("未运行"),
            "{lang}:\n{out}"
        );
        // The recording says which program made the bind through the vDSO: glibc's own
        // where the i386 C library is installed.
        if std::path::Path::new("/lib/ld-linux.so.2").exists() {
            let want = if lang == "en" {
                "this run traced glibc's own bind in /"
            } else {
                "本次运行跟踪的是 /"
            };
            assert!(out.contains(want), "{lang}: missing {want:?}:\n{out}");
        }
    }

    // The markdown handout too.
    let (code, out, err) = walkthrough(
        &[
            "socketcall",
            "--print",
            "--format",
            "markdown",
            "--from",
            rec.to_str().unwrap(),
        ],
        true,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(path), "{out}");

    // A recording of another lesson's demo: one line, exit status 1, nothing printed.
    let (code, out, err) = walkthrough(&["pipe", "--print", "--from", rec.to_str().unwrap()], true);
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("is a recording of `tracer demo socketcall`, not of the pipe lesson's"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// The lessons on what pipes and FIFOs promise and refuse, printed by `nobody` from native
/// recordings of their demos, in both languages: every value is the recording's (its pid), none
/// is missing.
#[test]
fn the_pipe_lessons_print_from_recordings_without_root() {
    common::require_root();
    let dir = tempfile::tempdir().unwrap();
    for demo in ["pipe-atomic", "nonblock", "sigpipe", "fifo-nonblock"] {
        let (rec, _) = recorded_for_nobody(dir.path(), demo);
        handouts_from(demo, &rec, &["pid "]);
    }
}

/// The credentials lesson printed by `nobody` from a native recording of `tracer demo uds-cred`,
/// in both languages: the peer's credentials are the recording's (its SO_PEERCRED, the pid the
/// refused SCM_CREDENTIALS claimed), and the refusal is there.
#[test]
fn the_credentials_lesson_prints_from_a_recording_without_root() {
    common::require_root();
    let dir = tempfile::tempdir().unwrap();
    let (rec, records) = recorded_for_nobody(dir.path(), "uds-cred");
    let peercred = common::of(&records, &["getsockopt"])[0]["args"]["optval"]
        .as_str()
        .unwrap()
        .to_string();
    let sends = common::of(&records, &["sendmsg"]);
    let claim = &sends[1]["args"]["msg"]["control"]["cmsgs"][0]["data"];
    assert_eq!(sends[1]["errno"], "EPERM", "{}", sends[1]);
    let refused = format!(
        "SCM_CREDENTIALS {{pid={}, uid=0, gid=0}}}}, 0) = -1 EPERM",
        claim["pid"]
    );
    handouts_from(
        "uds-cred",
        &rec,
        &[peercred.as_str(), refused.as_str(), "uid 65534"],
    );
}

/// `lesson` printed by `nobody` from the recording `rec`, in both languages: each exits 0,
/// holds every one of `wants` and the recording's path, and no "(not captured)" placeholder.
/// The outputs, by language.
fn handouts_from(
    lesson: &str,
    rec: &std::path::Path,
    wants: &[&str],
) -> Vec<(&'static str, String)> {
    let rec_arg = rec.to_str().unwrap();
    ["en", "zh"]
        .into_iter()
        .map(|lang| {
            let (code, out, err) = walkthrough(
                &[lesson, "--print", "--lang", lang, "--from", rec_arg],
                true,
            );
            assert_eq!(code, 0, "{lesson} {lang}: {err}");
            for want in wants.iter().chain([&rec_arg]) {
                assert!(
                    out.contains(want),
                    "{lesson} {lang}: missing {want:?}:\n{out}"
                );
            }
            assert!(
                !out.contains("(not captured)") && !out.contains("未捕获"),
                "{lesson} {lang}:\n{out}"
            );
            (lang, out)
        })
        .collect()
}

/// `tracer demo DEMO` recorded natively (`-s 256`) into `dir`, the directory and the file made
/// readable for `nobody` to print from (`tracer record` makes its output readable by its owner
/// only): the file and the records of its JSON Lines export.
fn recorded_for_nobody(
    dir: &std::path::Path,
    demo: &str,
) -> (std::path::PathBuf, Vec<serde_json::Value>) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let rec = dir.join(format!("{demo}.tracer"));
    let out = Command::new(TRACER)
        .args(["record", "-s", "256", "-o"])
        .arg(&rec)
        .args(["--", TRACER, "demo", demo])
        .output()
        .expect("running tracer record");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::set_permissions(&rec, std::fs::Permissions::from_mode(0o644)).unwrap();
    let export = Command::new(TRACER)
        .arg("export")
        .arg(&rec)
        .output()
        .expect("running tracer export");
    assert!(export.status.success());
    let records = common::jsonl(&String::from_utf8_lossy(&export.stdout));
    (rec, records)
}
