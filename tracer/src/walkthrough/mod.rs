//! `tracer walkthrough LESSON`: a lesson told step by step with the values of a real run. The
//! lesson's demo runs under `tracer record` (this same binary, as a child process, writing JSON
//! Lines), and each step shows what that run captured: numbers, registers, the argument array
//! as the kernel read it, the path that was bound, the value returned. Every kernel function a
//! step names is marked observed (a probe fired for this very call), inferred (this kernel has
//! the function, but nothing observed it here) or absent (not in this kernel: inlined, or from
//! another version), so a lesson never teaches a function the running kernel does not have as
//! if it were there.
//!
//! Without root there is no run: the lesson is printed with the values marked absent, or with
//! the values of a saved recording of its demo (`--from`, [`from`]).

/// Lesson text in both languages: `t!(lang, "English {x}", "中文 {x}")`, each a format
/// string over the same variables.
macro_rules! t {
    ($lang:expr, $en:literal, $zh:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::walkthrough::Lang::En => format!($en $(, $arg)*),
            $crate::walkthrough::Lang::Zh => format!($zh $(, $arg)*),
        }
    };
}
// `tracer explain` speaks both languages the same way.
pub(crate) use t;

mod fifo;
mod fifo_nonblock;
mod from;
mod further;
mod markdown;
mod mmap;
mod msgqueue;
mod netlink;
mod nonblock;
mod pager;
mod pipe;
mod pipe_atomic;
mod semaphore;
mod shm;
mod signal;
mod sigpipe;
mod socketcall;
mod socketpair;
mod tcp_hello;
mod then_now;
mod uds;
mod uds_abstract;
mod uds_cred;
mod uds_perms;
mod uds_seqpacket;
mod values;

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::capture;
use crate::kernel::ksyms::Ksyms;

/// The language of the lesson text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// `zh` when `LC_ALL`, `LC_MESSAGES` or `LANG` (the first set) asks for Chinese.
    pub fn from_env() -> Lang {
        let v = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default();
        if v.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// `--print` output format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PrintFormat {
    Text,
    Markdown,
}

/// How a step knows what it shows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A probe fired for this very call in this run.
    Observed,
    /// This kernel has it; nothing observed it in this run.
    Inferred,
    /// Not a function of this kernel.
    Absent,
}

impl Mark {
    fn symbol(self) -> char {
        match self {
            Mark::Observed => '*',
            Mark::Inferred => '.',
            Mark::Absent => '-',
        }
    }
}

/// One line of a step: prose, or a kernel function with its mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    Func {
        name: String,
        mark: Mark,
        what: String,
    },
    /// An item of a numbered list (the changes to try): `  1. text` in the text handout, a
    /// list item in Markdown.
    Numbered {
        n: usize,
        text: String,
    },
}

impl Line {
    /// The line as plain text (the pager and the text handout).
    pub fn plain(&self) -> String {
        match self {
            Line::Text(t) => t.clone(),
            Line::Func { name, mark, what } => format!("  {} {name}  {what}", mark.symbol()),
            Line::Numbered { n, text } => format!("  {n}. {text}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    pub lines: Vec<Line>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    pub title: String,
    /// Where the values came from (or that there are none).
    pub source: String,
    pub steps: Vec<Step>,
}

/// One lesson: its name, the demos it runs (`tracer demo NAME`, one recording each, in order),
/// a line about it, and the function that tells it from the run.
pub struct LessonDef {
    pub name: &'static str,
    pub demos: &'static [&'static str],
    pub summary: &'static str,
    /// The same line in Chinese (`--list --lang zh`).
    pub summary_zh: &'static str,
    pub build: fn(&Ctx) -> Lesson,
}

/// The lessons there are, in teaching order: sockets, pipes, System V IPC, then the rest.
pub const LESSONS: &[LessonDef] = &[
    LessonDef {
        name: "socketcall",
        demos: &["socketcall"],
        summary: "bind() on x86_64 and through the 32-bit socketcall dispatcher, step by step",
        summary_zh: "bind() 如何进入内核：x86_64 上的 syscall，以及 32 位的 socketcall 分派器，逐步讲解",
        build: socketcall::lesson,
    },
    LessonDef {
        name: "uds",
        demos: &["uds-stream", "uds-dgram", "uds-msg"],
        summary: "UNIX sockets: a stream server and client, sendto/recvfrom datagrams, sendmsg/recvmsg iovecs",
        summary_zh: "UNIX 域套接字：流式服务器与客户端，sendto/recvfrom 数据报，sendmsg/recvmsg 的 iovec",
        build: uds::lesson,
    },
    LessonDef {
        name: "uds-abstract",
        demos: &["uds-abstract"],
        summary: "an abstract UNIX socket name: a leading NUL, no file, no permissions, no unlink",
        summary_zh: "抽象 UNIX 域套接字名：以 NUL 开头，没有文件，没有权限，不用 unlink",
        build: uds_abstract::lesson,
    },
    LessonDef {
        name: "uds-seqpacket",
        demos: &["uds-seqpacket"],
        summary: "the sticky-packet experiment: three writes merge over STREAM, stay three over SEQPACKET",
        summary_zh: "粘包实验：三次写入在 STREAM 上粘在一起，在 SEQPACKET 上仍是三个包",
        build: uds_seqpacket::lesson,
    },
    LessonDef {
        name: "socketpair",
        demos: &["socketpair"],
        summary: "socketpair + fork: one connected pair, both directions on each end",
        summary_zh: "socketpair + fork：一对已连接的套接字，每一端都能双向收发",
        build: socketpair::lesson,
    },
    LessonDef {
        name: "uds-perms",
        demos: &["uds-perms"],
        summary: "the mode of a UNIX socket file: fchmod before bind, or umask around it",
        summary_zh: "UNIX 域套接字文件的权限：bind 之前 fchmod，或在 bind 前后设置 umask",
        build: uds_perms::lesson,
    },
    LessonDef {
        name: "uds-cred",
        demos: &["uds-cred"],
        summary: "who is the peer: SO_PEERCRED, stat of the client's socket file, SCM_CREDENTIALS checked by the kernel",
        summary_zh: "对端是谁：SO_PEERCRED、stat 客户端的套接字文件、由内核核对的 SCM_CREDENTIALS",
        build: uds_cred::lesson,
    },
    LessonDef {
        name: "pipe",
        demos: &["pipe"],
        summary: "pipe + fork: one-way bytes, and why end of file needs every write end closed",
        summary_zh: "pipe + fork：单向的字节流，以及为什么所有写端都关闭后读端才会读到文件结束",
        build: pipe::lesson,
    },
    LessonDef {
        name: "pipe-atomic",
        demos: &["pipe-atomic"],
        summary: "two writers on one pipe: records of PIPE_BUF bytes arrive whole, larger ones in pieces",
        summary_zh: "一根管道上的两个写者：PIPE_BUF 字节的记录完整到达，更大的记录分段到达",
        build: pipe_atomic::lesson,
    },
    LessonDef {
        name: "nonblock",
        demos: &["nonblock"],
        summary: "O_NONBLOCK on a pipe, MSG_DONTWAIT on a socket: EAGAIN and short writes instead of waiting",
        summary_zh: "管道上的 O_NONBLOCK、套接字上的 MSG_DONTWAIT：以 EAGAIN 和被截短的写入代替等待",
        build: nonblock::lesson,
    },
    LessonDef {
        name: "sigpipe",
        demos: &["sigpipe"],
        summary: "writing to a pipe with no reader: EPIPE when SIGPIPE is ignored, death by SIGPIPE by default",
        summary_zh: "写一根没有读者的管道：忽略 SIGPIPE 时得到 EPIPE，默认情况下被 SIGPIPE 杀死",
        build: sigpipe::lesson,
    },
    LessonDef {
        name: "fifo",
        demos: &["fifo"],
        summary: "a named pipe made with mknod: found by path, data in memory, the name stays",
        summary_zh: "用 mknod 创建的命名管道：按路径找到，数据在内存里，名字一直留着",
        build: fifo::lesson,
    },
    LessonDef {
        name: "fifo-nonblock",
        demos: &["fifo-nonblock"],
        summary: "opening a FIFO with O_NONBLOCK: a reader opens at once, a writer with no reader gets ENXIO",
        summary_zh: "以 O_NONBLOCK 打开 FIFO：读者立即打开，没有读者时写者得到 ENXIO",
        build: fifo_nonblock::lesson,
    },
    LessonDef {
        name: "msgqueue",
        demos: &["msgqueue"],
        summary: "System V message queue: receive by type; the queue lives until IPC_RMID",
        summary_zh: "System V 消息队列：按类型接收；队列一直存在，直到 IPC_RMID",
        build: msgqueue::lesson,
    },
    LessonDef {
        name: "semaphore",
        demos: &["semaphore"],
        summary: "System V semaphore as a lock: P and V, and SEM_UNDO giving the lock back at exit",
        summary_zh: "把 System V 信号量当锁用：P 和 V，以及进程退出时由 SEM_UNDO 归还锁",
        build: semaphore::lesson,
    },
    LessonDef {
        name: "shm",
        demos: &["shm"],
        summary: "System V shared memory: the data never passes through a system call",
        summary_zh: "System V 共享内存：数据从不经过系统调用",
        build: shm::lesson,
    },
    LessonDef {
        name: "signal",
        demos: &["signal"],
        summary: "sigqueue carries a value to an SA_SIGINFO handler; kill(0) and kill(-1) reach many processes",
        summary_zh: "sigqueue 把一个值带给 SA_SIGINFO 信号处理函数；kill(0) 与 kill(-1) 一次发给多个进程",
        build: signal::lesson,
    },
    LessonDef {
        name: "netlink",
        demos: &["netlink"],
        summary: "user space asking the kernel through AF_NETLINK: an RTM_GETLINK dump",
        summary_zh: "用户空间通过 AF_NETLINK 向内核查询：一次 RTM_GETLINK 转储",
        build: netlink::lesson,
    },
    LessonDef {
        name: "mmap",
        demos: &["mmap"],
        summary: "a file mapped MAP_SHARED by parent and child: one page-cache page, no read or write",
        summary_zh: "父子进程以 MAP_SHARED 映射同一个文件：同一个页缓存页，不用 read 也不用 write",
        build: mmap::lesson,
    },
    LessonDef {
        name: "tcp-hello",
        demos: &["tcp-hello"],
        summary: "the uds-stream calls over AF_INET: ports instead of paths, a handshake under connect",
        summary_zh: "把 uds-stream 的那组调用换到 AF_INET 上：用端口代替路径，connect 之下是三次握手",
        build: tcp_hello::lesson,
    },
];

/// The snap length a lesson's run records with: 256 bytes of each payload are enough for the
/// demos' own report lines (uds-perms prints the mode the socket file got), which lessons quote.
pub const SNAPLEN: u32 = 256;

/// What a run of the lesson's demo recorded.
pub struct Run {
    pub records: Vec<Value>,
}

impl Run {
    /// The first `syscall` record matching `pred`.
    pub fn find(&self, pred: impl Fn(&Value) -> bool) -> Option<&Value> {
        self.records
            .iter()
            .find(|r| r["type"] == "syscall" && pred(r))
    }

    /// Every `syscall` record matching `pred`, in the order the calls entered the kernel (the
    /// recording writes them as they return).
    pub fn all(&self, pred: impl Fn(&Value) -> bool) -> Vec<&Value> {
        let mut v: Vec<&Value> = self
            .records
            .iter()
            .filter(|r| r["type"] == "syscall" && pred(r))
            .collect();
        v.sort_by_key(|r| r["ts_ns"].as_u64().unwrap_or(u64::MAX));
        v
    }

    /// The records of one demo of a lesson that runs several (each record carries `"demo"`).
    pub fn demo(&self, name: &str) -> Run {
        Run {
            records: self
                .records
                .iter()
                .filter(|r| r["demo"] == name)
                .cloned()
                .collect(),
        }
    }

    /// The processes `pid` forked, in order (threads left out).
    pub fn children(&self, pid: i64) -> Vec<i64> {
        self.records
            .iter()
            .filter(|r| r["type"] == "fork" && r["pid"] == pid && r["thread"] != true)
            .filter_map(|r| r["child"].as_i64())
            .collect()
    }
}

/// The things a lesson needs from outside: the kernel's symbols, the run (if any), the
/// language.
pub struct Ctx<'a> {
    pub ksyms: &'a Ksyms,
    pub run: Option<&'a Run>,
    pub lang: Lang,
    pub kernel: &'a str,
}

impl Ctx<'_> {
    /// A kernel function named by a step that is not on a recorded path: inferred when this
    /// kernel has it.
    pub fn func(&self, name: &str, what: String) -> Line {
        let mark = if self.ksyms.is_empty() || self.ksyms.has(name) {
            Mark::Inferred
        } else {
            Mark::Absent
        };
        Line::Func {
            name: name.to_string(),
            mark,
            what,
        }
    }

    /// A static function the compiler may inline (`unix_bind_bsd`, `find_msg`): named to show
    /// where the work happens. When this kernel has no symbol for it, the line says it was
    /// inlined into its caller rather than that the kernel lacks the code.
    pub fn inlined(&self, name: &str, what: String) -> Line {
        match self.func(name, what) {
            Line::Func {
                name,
                mark: Mark::Absent,
                what,
            } => Line::Func {
                name,
                mark: Mark::Absent,
                what: match self.lang {
                    Lang::En => format!("{what} (inlined into its caller in this kernel)"),
                    Lang::Zh => format!("{what}（在本内核中被内联进调用者）"),
                },
            },
            line => line,
        }
    }

    /// A function on a recorded call's `kernel_path`: observed when a probe saw it.
    pub fn path_func(&self, call: Option<&Value>, name: &str, what: String) -> Line {
        let step = call.and_then(|c| {
            c["kernel_path"]
                .as_array()?
                .iter()
                .find(|s| s["func"] == name)
        });
        match step {
            Some(s) if s["observed"] == true => Line::Func {
                name: name.to_string(),
                mark: Mark::Observed,
                what,
            },
            _ => self.func(name, what),
        }
    }
}

pub struct Args {
    pub lesson: Option<String>,
    pub list: bool,
    pub print: bool,
    pub format: PrintFormat,
    pub lang: Option<Lang>,
    /// Native recordings of the lesson's demos to take the values from, instead of a run.
    pub from: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    if args.list || args.lesson.is_none() {
        for l in LESSONS {
            let summary = match lang {
                Lang::En => l.summary,
                Lang::Zh => l.summary_zh,
            };
            crate::outln!("{:16} {summary}", l.name)?;
        }
        return Ok(());
    }
    let name = args.lesson.as_deref().unwrap_or_default();
    let Some(def) = LESSONS.iter().find(|l| l.name == name) else {
        let names: Vec<&str> = LESSONS.iter().map(|l| l.name).collect();
        bail!(
            "no lesson {name:?}: the lessons are {} (`tracer walkthrough --list`)",
            names.join(", ")
        );
    };
    // Before the demos are recorded: the pager needs a terminal.
    let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if !args.print && !terminal {
        bail!(
            "the walkthrough steps through the lesson in a terminal: run it in one, or give --print for the whole lesson as text"
        );
    }
    let running = nix::sys::utsname::uname()?
        .release()
        .to_string_lossy()
        .into_owned();
    // A saved recording needs no privileges: nothing is loaded into the kernel.
    let recorded = if args.from.is_empty() {
        None
    } else {
        Some(from::load(def, &args.from)?)
    };
    let live = if recorded.is_none() && capture::check_privileges().is_ok() {
        Some(record_demos(def.demos)?)
    } else {
        None
    };
    let run = recorded.as_ref().map(|r| &r.run).or(live.as_ref());
    // Kernel names are checked against this machine's symbols (names only: no root needed).
    let ksyms = Ksyms::load();
    let ctx = Ctx {
        ksyms: &ksyms,
        run,
        lang,
        kernel: recorded.as_ref().map_or(&running, |r| &r.kernel),
    };
    let mut lesson = (def.build)(&ctx);
    lesson.steps.extend(then_now::step(&ctx, def.name));
    lesson
        .steps
        .extend(further::try_next(&ctx, def.name, def.demos));
    if let Some(r) = &recorded {
        lesson.source = from::source(r, def.demos, &running, lang);
        let absent = values::absent(lang);
        let lacking = lesson.steps.iter().flat_map(|s| &s.lines).any(|l| match l {
            Line::Text(t) | Line::Func { what: t, .. } | Line::Numbered { text: t, .. } => {
                t.contains(&absent)
            }
        });
        if lacking && let Some(w) = from::short_snaplen_warning(r, def.demos) {
            eprintln!("tracer: {w}");
        }
    }
    if run.is_none() {
        values::blanks_for_handout(&mut lesson, lang);
    }
    if let Some(why) = run
        .as_ref()
        .and_then(|r| why_all_inferred(&lesson, r, lang))
    {
        lesson.source.push('\n');
        lesson.source.push_str(&why);
    }
    if args.print {
        crate::out!("{}", render(&lesson, args.format, lang))?;
        Ok(())
    } else {
        pager::show(&lesson, lang)
    }
}

/// Records each demo in turn; every record is tagged with `"demo": NAME`.
fn record_demos(names: &[&str]) -> Result<Run> {
    let mut records = Vec::new();
    for name in names {
        let mut run = record_demo(name)?;
        for r in &mut run.records {
            if let Value::Object(m) = r {
                m.insert("demo".into(), Value::from(*name));
            }
        }
        records.append(&mut run.records);
    }
    Ok(Run { records })
}

/// Runs `tracer record --format jsonl -- tracer demo NAME` and reads what it wrote.
fn record_demo(name: &str) -> Result<Run> {
    let me = std::env::current_exe().context("finding tracer's own executable")?;
    // Unpredictable name, mode 0700, removed when dropped (the `tempfile` crate).
    let dir = tempfile::Builder::new()
        .prefix("tracer-walkthrough-")
        .tempdir()
        .context("creating a temporary directory for the lesson's run")?;
    // Under sudo, `tracer record` opens its output as the invoking user: the directory is
    // theirs (changed on the descriptor of the directory tracer just made).
    if let Some(u) = crate::invoker::Invoker::from_env() {
        std::fs::File::open(dir.path())
            .and_then(|d| std::os::unix::fs::fchown(&d, Some(u.uid), Some(u.gid)))
            .with_context(|| format!("giving {} to uid {}", dir.path().display(), u.uid))?;
    }
    let out = dir.path().join("run.jsonl");
    let demo_out = dir.path().join("demo.txt");
    let status = Command::new(&me)
        .args([
            "record",
            "--format",
            "jsonl",
            "-s",
            &SNAPLEN.to_string(),
            "-o",
        ])
        .arg(&out)
        .arg("--")
        .arg(&me)
        .args(["demo", name])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&demo_out)?)
        .stderr(Stdio::piped())
        .output()
        .context("running the lesson's demo under tracer record")?;
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    drop(dir);
    if !status.status.success() {
        bail!(
            "recording the {name} demo failed: {}",
            String::from_utf8_lossy(&status.stderr).trim()
        );
    }
    let records = text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<Vec<Value>, _>>()
        .context("reading the recording of the demo")?;
    Ok(Run {
        records: crate::jsonl::inline_paths(records),
    })
}

/// When a run observed none of the kernel functions a lesson names: one line saying why, and
/// what `tracer doctor` would have to show for steps to be marked `*`. The reason comes from the
/// recording's header (`mechanisms.kernel_functions`: the probe each function got, or "none").
fn why_all_inferred(lesson: &Lesson, run: &Run, lang: Lang) -> Option<String> {
    let funcs = lesson
        .steps
        .iter()
        .flat_map(|s| &s.lines)
        .filter_map(|l| match l {
            // A kernel function, not where a call was made in the program (`bind+0x1b in
            // libc.so.6`, a bare address), which a lesson also marks observed.
            Line::Func { mark, name, .. }
                if !name.starts_with("0x")
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                Some(*mark)
            }
            Line::Func { .. } | Line::Text(_) | Line::Numbered { .. } => None,
        });
    let (mut named, mut observed) = (0, 0);
    for m in funcs {
        named += 1;
        observed += usize::from(m == Mark::Observed);
    }
    if named == 0 || observed > 0 {
        return None;
    }
    let mechs = run
        .records
        .iter()
        .find_map(|r| r["mechanisms"]["kernel_functions"].as_object());
    let probed = mechs.map_or(0, |m| m.values().filter(|v| *v != "none").count());
    Some(if probed == 0 {
        use crate::versions::LINUX_6_1;
        t!(
            lang,
            "Every kernel step is . (inferred): the kernel this run was on let tracer attach neither \
             fentry nor kprobes (`tracer doctor`: \"fentry no\", \"kprobe no\"), so a run sees each call enter \
             and leave, not the functions in between. Steps are marked * on a kernel where \
             `tracer doctor` shows \"fentry yes\" or \"kprobe yes\" (CONFIG_KPROBES=y), Debian 12's \
             {LINUX_6_1} among them.",
            "所有内核步骤都是 .（推断）：本次运行所在的内核既不允许 tracer 挂 fentry 也不允许挂 kprobe\
             （`tracer doctor`：\"fentry no\"、\"kprobe no\"），所以运行时只看到每个调用的进入和返回，\
             看不到中间的函数。在 `tracer doctor` 显示 \"fentry yes\" 或 \"kprobe yes\"\
             （CONFIG_KPROBES=y）的内核上（例如 Debian 12 的 {LINUX_6_1}），这些步骤会标成 *。"
        )
    } else {
        t!(
            lang,
            "Every kernel step is . (inferred): tracer probed {probed} kernel functions in this run \
             (`tracer doctor` lists them), and none of them is on this lesson's steps.",
            "所有内核步骤都是 .（推断）：本次运行中 tracer 探测了 {probed} 个内核函数\
             （`tracer doctor` 列出了它们），但没有一个在本课的步骤上。"
        )
    })
}

fn legend(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "* observed by tracer   . inferred (this kernel has it)   - no symbol in this kernel (inlined, or another version: the line says which)"
        }
        Lang::Zh => {
            "* 由 tracer 观测到   . 推断（本内核中存在）   - 本内核中无此符号（被内联，或属于其他版本：该行会说明）"
        }
    }
}

/// One step as plain text lines (the pager and `--print` share it).
pub fn step_lines(step: &Step) -> Vec<String> {
    step.lines.iter().map(Line::plain).collect()
}

/// The whole lesson, for a handout.
pub fn render(lesson: &Lesson, format: PrintFormat, lang: Lang) -> String {
    let mut o = String::new();
    let n = lesson.steps.len();
    match format {
        PrintFormat::Text => {
            let _ = writeln!(o, "{}\n{}\n{}\n", lesson.title, lesson.source, legend(lang));
            for (i, s) in lesson.steps.iter().enumerate() {
                let _ = writeln!(o, "[{}/{n}] {}", i + 1, s.title);
                for l in step_lines(s) {
                    let _ = writeln!(o, "{l}");
                }
                let _ = writeln!(o);
            }
        }
        PrintFormat::Markdown => {
            let _ = writeln!(o, "# {}\n", markdown::text(&lesson.title));
            // The source, and a line on why every step is inferred when that is so.
            for l in lesson.source.lines() {
                let _ = writeln!(o, "{}\n", markdown::text(l));
            }
            let _ = writeln!(o, "`{}`\n", legend(lang));
            for (i, s) in lesson.steps.iter().enumerate() {
                let _ = writeln!(o, "## {}/{n}. {}\n", i + 1, markdown::text(&s.title));
                markdown::step(&mut o, &s.lines);
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    //! Every kernel function a lesson names, against the symbols of the two kernels the project
    //! teaches on: Linux 6.1 (Debian 12's 6.1.0-56-cloud-amd64, /proc/kallsyms in the VM) and
    //! 6.18 (this project's development machine). A name must exist in one of them, or be a
    //! function the compiler inlines in both; a name only one of them has must say which
    //! version in its line.

    use super::*;

    /// The lessons' functions that Linux 6.1 has (its int $0x80 entry from the stable backports
    /// of be5341eb0d43 and 7390db8aea0d: `asm_int80_emulation`, `int80_emulation`,
    /// `do_int80_emulation`; the VM's kallsyms check confirms them).
    pub(crate) const KERNEL_6_1: &str = "
    __wake_up_sync_key pipe_fcntl prepare_to_wait_exclusive task_current_syscall
    __x64_sys_fcntl __sys_recvfrom sock_alloc_send_pskb send_sig do_group_exit
    asm_int80_emulation do_int80_emulation do_fast_syscall_32 do_SYSENTER_32
    entry_SYSCALL_compat entry_SYSENTER_compat
    ___sys_sendmsg __do_semtimedop __ia32_compat_sys_socketcall __send_signal_locked
    __sock_create __sys_accept4 __sys_bind __sys_connect __sys_sendto __sys_socket
    __sys_socketpair __vm_munmap __x64_sys_bind __x64_sys_rt_sigreturn alloc_pipe_info
    arch_do_signal_or_restart complete_signal copy_msghdr_from_user copy_page_from_iter
    copy_page_to_iter create_pipe_files dequeue_signal do_fault do_mknodat do_mmap do_msgrcv
    do_msgsnd do_pipe2 do_rt_sigqueueinfo do_send_sig_info do_shm_rmid do_shmat do_sigaction
    do_syscall_64 do_wp_page entry_SYSCALL_64 exit_sem fd_install fifo_open filemap_fault
    freeary freeque get_signal handle_mm_fault ia32_sys_call import_iovec inet_bind inet_create
    inet_csk_accept inet_csk_get_port inet_listen init_special_inode int80_emulation ipc_addid
    ipcget ksys_mmap_pgoff ksys_msgget ksys_semget ksys_shmdt ksys_shmget ksys_write load_msg
    mmap_region move_addr_to_kernel msgctl_down netlink_bind netlink_create netlink_dump
    netlink_recvmsg netlink_sendmsg netlink_unicast newary newque newseg perform_atomic_semop
    pipe_read pipe_release pipe_wait_readable pipe_write restore_sigcontext rtnetlink_rcv_msg
    rtnl_dump_ifinfo security_socket_bind semctl_down semctl_setval shm_destroy shm_mmap
    shmctl_down shmem_fault shmem_kernel_file_setup sk_setsockopt sock_alloc_file
    sock_write_iter store_msg tcp_close tcp_recvmsg tcp_sendmsg tcp_v4_connect tcp_v4_rcv
    unix_accept unix_bind unix_create unix_dgram_recvmsg unix_dgram_sendmsg unix_find_other
    unix_getname unix_listen unix_release_sock unix_seqpacket_recvmsg unix_seqpacket_sendmsg
    unix_socketpair unix_stream_connect unix_stream_read_generic unix_stream_recvmsg
    unix_stream_sendmsg update_queue vfs_mknod vfs_read vfs_write wait_for_partner x64_sys_call
    sk_getsockopt __scm_send put_cmsg kill_something_info __kill_pgrp_info group_send_sig_info
    rtnetlink_bind rtmsg_ifinfo netlink_broadcast
";

    /// The lessons' functions that Linux 6.18 has.
    pub(crate) const KERNEL_6_18: &str = "
    __wake_up_sync_key pipe_fcntl prepare_to_wait_exclusive task_current_syscall
    __x64_sys_fcntl __sys_recvfrom sock_alloc_send_pskb send_sig do_group_exit
    asm_int80_emulation do_int80_emulation do_fast_syscall_32 do_SYSENTER_32
    entry_SYSCALL_compat entry_SYSENTER_compat
    ___sys_sendmsg __do_semtimedop __ia32_compat_sys_socketcall __send_signal_locked
    __sock_create __sys_accept4 __sys_bind __sys_bind_socket __sys_connect __sys_sendto
    __sys_socket __sys_socketpair __vm_munmap __x64_sys_bind __x64_sys_rt_sigreturn
    alloc_pipe_info anon_pipe_read anon_pipe_write arch_do_signal_or_restart complete_signal
    copy_msghdr_from_user copy_page_from_iter copy_page_to_iter create_pipe_files
    dequeue_signal do_fault do_mknodat do_mmap do_msgrcv do_msgsnd do_pipe2 do_rt_sigqueueinfo
    do_send_sig_info do_shm_rmid do_shmat do_sigaction do_syscall_64 do_wp_page
    entry_SYSCALL_64 exit_sem fd_install fifo_open fifo_pipe_read fifo_pipe_write filemap_fault
    freeary freeque get_signal handle_mm_fault ia32_sys_call import_iovec inet_bind inet_create
    inet_csk_accept inet_csk_get_port inet_listen init_special_inode int80_emulation ipc_addid
    ipcget ksys_mmap_pgoff ksys_msgget ksys_semget ksys_shmdt ksys_shmget ksys_write load_msg
    mmap_region move_addr_to_kernel msgctl_down netlink_bind netlink_create netlink_dump
    netlink_recvmsg netlink_sendmsg netlink_unicast newary newque newseg perform_atomic_semop
    pipe_release pipe_wait_readable restore_sigcontext rtnetlink_rcv_msg rtnl_dump_ifinfo
    security_socket_bind semctl_down semctl_setval shm_destroy shm_mmap shmctl_down shmem_fault
    shmem_kernel_file_setup sk_setsockopt sock_alloc_file sock_write_iter store_msg tcp_close
    tcp_recvmsg tcp_sendmsg tcp_v4_connect tcp_v4_rcv unix_accept unix_bind unix_create
    unix_dgram_recvmsg unix_dgram_sendmsg unix_find_other unix_getname unix_listen
    unix_release_sock unix_seqpacket_recvmsg unix_seqpacket_sendmsg unix_socketpair
    unix_stream_connect unix_stream_read_generic unix_stream_recvmsg unix_stream_sendmsg
    update_queue vfs_mknod vfs_read vfs_write wait_for_partner x64_setup_rt_frame x64_sys_call
    sk_getsockopt __scm_send put_cmsg kill_something_info __kill_pgrp_info group_send_sig_info
    rtnetlink_bind rtmsg_ifinfo netlink_broadcast
";

    /// Static functions that both kernels inline: named to show where the work happens, and
    /// marked absent.
    /// `__setup_rt_frame` is 6.1's static name for 6.18's `x64_setup_rt_frame`, named only
    /// when the running kernel lacks the newer one.
    pub(crate) const INLINED: &[&str] = &[
        "__setup_rt_frame",
        "do_cow_fault",
        "do_shared_fault",
        "find_msg",
        "scm_check_creds",
        "sock_map_fd",
        "unix_bind_abstract",
        "unix_bind_bsd",
    ];

    #[test]
    fn every_named_function_exists_in_61_or_618_or_says_which() {
        let has = |list: &str, f: &str| list.split_whitespace().any(|n| n == f);
        let ksyms = Ksyms::default();
        for def in LESSONS {
            for lang in [Lang::En, Lang::Zh] {
                let ctx = Ctx {
                    ksyms: &ksyms,
                    run: None,
                    lang,
                    kernel: "6.18.0",
                };
                let lesson = (def.build)(&ctx);
                for line in lesson.steps.iter().flat_map(|s| &s.lines) {
                    let Line::Func { name, what, .. } = line else {
                        continue;
                    };
                    let (old, new) = (has(KERNEL_6_1, name), has(KERNEL_6_18, name));
                    assert!(
                        old || new || INLINED.contains(&name.as_str()),
                        "{}: {name} is in neither 6.1 nor 6.18",
                        def.name
                    );
                    if old != new {
                        assert!(
                            what.contains("6.1"),
                            "{}: {name} exists only in {}, and its line does not say: {what}",
                            def.name,
                            if old { "6.1" } else { "6.18" }
                        );
                    }
                }
            }
        }
    }

    /// Issue 18: every version a lesson prints (in the handout, as printed without a run, on a
    /// kernel with no symbols read, with 6.1's and with 6.18's, in both languages) is one of
    /// the facts in crate::versions, each with its citation; and both languages of every step
    /// print the same versions.
    #[test]
    fn every_printed_version_has_a_citation_and_both_languages_print_it() {
        const RUNNING: &str = "9.8.7-test";
        let kallsyms = |names: &str| {
            let lines: Vec<String> = names
                .split_whitespace()
                .map(|n| format!("ffffffff81000000 T {n}"))
                .collect();
            Ksyms::parse(&lines.join("\n"))
        };
        let kernels = [
            Ksyms::default(),
            kallsyms(KERNEL_6_1),
            kallsyms(KERNEL_6_18),
        ];
        let mut claims = 0;
        for def in LESSONS {
            for ksyms in &kernels {
                let lesson = |lang| {
                    let ctx = Ctx {
                        ksyms,
                        run: None,
                        lang,
                        kernel: RUNNING,
                    };
                    let mut lesson = (def.build)(&ctx);
                    lesson.steps.extend(then_now::step(&ctx, def.name));
                    lesson
                        .steps
                        .extend(further::try_next(&ctx, def.name, def.demos));
                    values::blanks_for_handout(&mut lesson, lang);
                    lesson
                };
                let (en, zh) = (lesson(Lang::En), lesson(Lang::Zh));
                for (lang, l) in [(Lang::En, &en), (Lang::Zh, &zh)] {
                    let text = render(l, PrintFormat::Text, lang);
                    let wrong = crate::versions::uncited(&text, RUNNING);
                    assert!(
                        wrong.is_empty(),
                        "{} ({lang:?}): versions with no fact in versions.rs: {wrong:#?}",
                        def.name
                    );
                    claims += crate::versions::claims(&text).len();
                }
                assert_eq!(en.steps.len(), zh.steps.len(), "{}", def.name);
                for (e, z) in en.steps.iter().zip(&zh.steps) {
                    let text = |s: &Step| step_lines(s).join("\n");
                    let (e, z) = (text(e), text(z));
                    assert_eq!(
                        crate::versions::printed(&e),
                        crate::versions::printed(&z),
                        "{}: the languages print different versions:\n{e}\n{z}",
                        def.name
                    );
                }
            }
        }
        assert!(claims > 20, "{claims}");
    }

    #[test]
    fn a_run_that_observed_nothing_says_why() {
        let lesson = Lesson {
            title: String::new(),
            source: String::new(),
            steps: vec![Step {
                title: String::new(),
                lines: vec![Line::Func {
                    name: "__sys_bind".into(),
                    mark: Mark::Inferred,
                    what: String::new(),
                }],
            }],
        };
        let header = |mech: &str| Run {
            records: vec![serde_json::json!({
                "format": "tracer-jsonl",
                "mechanisms": {"kernel_functions": {"__sys_bind": mech, "unix_bind": "none"}}
            })],
        };
        let none = why_all_inferred(&lesson, &header("none"), Lang::En).unwrap();
        assert!(none.contains("neither fentry nor kprobes"), "{none}");
        assert!(none.contains("\"kprobe yes\""), "{none}");
        let zh = why_all_inferred(&lesson, &header("none"), Lang::Zh).unwrap();
        assert!(zh.contains("既不允许"), "{zh}");
        let some = why_all_inferred(&lesson, &header("kprobe"), Lang::En).unwrap();
        assert!(some.contains("probed 1 kernel functions"), "{some}");
        // Where a call was made in the program is observed, but is no kernel step.
        let mut user = lesson.clone();
        for name in ["__kernel_vsyscall+0x9 in [vdso]", "0xf7f845e9"] {
            user.steps[0].lines.push(Line::Func {
                name: name.into(),
                mark: Mark::Observed,
                what: String::new(),
            });
        }
        assert!(why_all_inferred(&user, &header("none"), Lang::En).is_some());
        let mut seen = lesson.clone();
        seen.steps[0].lines[0] = Line::Func {
            name: "__sys_bind".into(),
            mark: Mark::Observed,
            what: String::new(),
        };
        assert_eq!(why_all_inferred(&seen, &header("kprobe"), Lang::En), None);
    }

    /// `--list --lang zh`: every lesson's line exists in Chinese, with no English prose left.
    #[test]
    fn every_summary_is_in_both_languages() {
        for l in LESSONS {
            assert!(
                l.summary_zh
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: {}",
                l.name,
                l.summary_zh
            );
            assert_eq!(
                crate::explain::english_prose(l.summary_zh),
                None,
                "{}: {}",
                l.name,
                l.summary_zh
            );
            assert!(
                crate::explain::english_prose(l.summary).is_some(),
                "{}",
                l.name
            );
        }
    }

    #[test]
    fn lessons_have_unique_names_and_known_demos() {
        let demos: Vec<&str> = crate::demo::list().iter().map(|d| d.name).collect();
        let mut names: Vec<&str> = LESSONS.iter().map(|l| l.name).collect();
        for l in LESSONS {
            assert!(!l.demos.is_empty(), "{}", l.name);
            for d in l.demos {
                assert!(demos.contains(d), "{}: no demo {d}", l.name);
            }
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LESSONS.len());
    }
}
