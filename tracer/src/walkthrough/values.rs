//! Values of a run as a lesson quotes them, and the lines every lesson shares: where the values
//! came from, a recorded call as a line of the trace.

use serde_json::Value;

use super::{Ctx, Lang, Line, Run};

pub fn text(s: String) -> Line {
    Line::Text(s)
}

/// What stands for a value the run lacks (and, until [`blanks_for_handout`], a value when there
/// was no run).
pub fn absent(lang: Lang) -> String {
    match lang {
        Lang::En => "(not captured)".into(),
        Lang::Zh => "（未捕获）".into(),
    }
}

/// What stands for a value in a handout printed without a run: a blank the student fills in
/// from their own run.
pub const BLANK: &str = "____";

/// A lesson printed without a run is a handout: each value is a [`BLANK`], not a placeholder
/// saying it was not captured (the lesson's text is built by the same code with and without a
/// run; here, once, the placeholders become blanks).
pub fn blanks_for_handout(lesson: &mut super::Lesson, lang: Lang) {
    let absent = absent(lang);
    for line in lesson.steps.iter_mut().flat_map(|s| &mut s.lines) {
        let (Line::Text(t) | Line::Func { what: t, .. } | Line::Numbered { text: t, .. }) = line;
        if t.contains(&absent) {
            *t = t.replace(&absent, BLANK);
        }
    }
}

/// A field of a recorded call, by JSON pointer (`"/args/fd"`, `"/ret"`), as a lesson shows it:
/// numbers and strings as they are, a payload `{"data", "len"}` as its quoted text.
pub fn get(ctx: &Ctx, call: Option<&Value>, pointer: &str) -> String {
    call.and_then(|c| c.pointer(pointer))
        .and_then(show)
        .unwrap_or_else(|| absent(ctx.lang))
}

fn show(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(m) if m.contains_key("data") => {
            let data = m["data"].as_str()?;
            let more = if m.get("truncated") == Some(&Value::Bool(true)) {
                "..."
            } else {
                ""
            };
            Some(format!("\"{data}\"{more}"))
        }
        Value::Array(a) => {
            let items: Option<Vec<String>> = a.iter().map(show).collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        _ => None,
    }
}

/// The calls named `name` that process `pid` made on descriptor `fd` after the call `start`
/// (which made the descriptor: an earlier process's use of the same number is not mixed in), in
/// the order they entered the kernel.
pub fn on_fd<'a>(
    run: Option<&'a Run>,
    start: Option<&Value>,
    pid: Option<&Value>,
    name: &str,
    fd: Option<&Value>,
) -> Vec<&'a Value> {
    let (Some(run), Some(start), Some(pid), Some(fd)) = (run, start, pid, fd) else {
        return Vec::new();
    };
    let from = start["ts_ns"].as_u64();
    run.all(|c| {
        c["syscall"] == name
            && &c["pid"] == pid
            && &c["args"]["fd"] == fd
            && c["ts_ns"].as_u64() > from
    })
}

/// The word after `key` in `text`, up to a space, `)` or the end.
pub fn after<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let rest = &text[text.find(key)? + key.len()..];
    rest.split([' ', ')', '\n', '\\'])
        .next()
        .filter(|w| !w.is_empty())
}

/// The demo's report line (a `write` to fd 1) that contains `needle`.
pub fn report<'a>(run: Option<&'a Run>, needle: &str) -> Option<&'a str> {
    run?.all(|c| c["syscall"] == "write" && c["args"]["fd"] == 1)
        .into_iter()
        .filter_map(|c| c["args"]["buf"]["data"].as_str())
        .find(|d| d.contains(needle))
}

/// How long a call took, in microseconds.
pub fn micros(ctx: &Ctx, call: Option<&Value>) -> String {
    call.and_then(|c| c["dur_ns"].as_u64()).map_or_else(
        || absent(ctx.lang),
        |n| format!("{}.{} us", n / 1000, n % 1000 / 100),
    )
}

/// One recorded call as the trace shows it: `pid 1234  read(3, ...) = 20`, with the arguments
/// given (already formatted), or the call alone when there was no run. A return value above 4
/// GiB can only be an address (`shmat`, `mmap`) and is shown in hex.
pub fn call_line(ctx: &Ctx, call: Option<&Value>, name: &str, args: &str) -> Line {
    let pid = get(ctx, call, "/pid");
    let ret = match call.and_then(|c| c["ret"].as_u64()) {
        Some(a) if a > u64::from(u32::MAX) => format!("{a:#x}"),
        _ => get(ctx, call, "/ret"),
    };
    let errno = call
        .and_then(|c| c["errno"].as_str())
        .map(|e| format!(" {e}"))
        .unwrap_or_default();
    text(format!("  pid {pid:<6} {name}({args}) = {ret}{errno}"))
}

/// A `read`/`write`-style call on `fd` as the trace shows it: `read(3, "...", 64) = 20`.
pub fn rw_line(ctx: &Ctx, call: Option<&Value>, name: &str, fd: &str) -> Line {
    call_line(
        ctx,
        call,
        name,
        &format!(
            "{fd}, {}, {}",
            get(ctx, call, "/args/buf"),
            get(ctx, call, "/args/count")
        ),
    )
}

/// A call's return value as an address (`mmap`, `shmat`).
pub fn ret_addr(ctx: &Ctx, call: Option<&Value>) -> String {
    call.and_then(|c| c["ret"].as_u64())
        .map_or_else(|| absent(ctx.lang), |a| format!("{a:#x}"))
}

/// Where the values came from: the demos run for this lesson on this kernel, or no run.
pub fn source(ctx: &Ctx, lesson: &str, demos: &[&str]) -> String {
    let kernel = ctx.kernel;
    let runs = demos
        .iter()
        .map(|d| format!("`tracer demo {d}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match (ctx.run, ctx.lang) {
        (Some(_), Lang::En) => {
            format!("Values captured by tracer from runs of {runs} on Linux {kernel}.")
        }
        (Some(_), Lang::Zh) => {
            format!("数值由 tracer 从 Linux {kernel} 上 {runs} 的运行中捕获。")
        }
        (None, Lang::En) => no_run_en(lesson),
        (None, Lang::Zh) => no_run_zh(lesson),
    }
}

/// The source line of a lesson printed without a run.
pub fn no_run_en(lesson: &str) -> String {
    format!(
        "Printed without a run: each {BLANK} is a value a run of the demo fills in (as root: \
         sudo tracer walkthrough {lesson}; or from a recording of it: --from FILE)."
    )
}

pub fn no_run_zh(lesson: &str) -> String {
    format!(
        "未运行时打印：每个 {BLANK} 处是演示程序运行后填入的数值（以 root 运行：sudo tracer \
         walkthrough {lesson}；或取自它的录制文件：--from 文件）。"
    )
}

/// "the parent" / "the child" for a pid of the run, by the fork records.
pub fn role(ctx: &Ctx, parent: Option<i64>, pid: Option<i64>) -> String {
    let lang = ctx.lang;
    match (parent, pid) {
        (Some(p), Some(q)) if p == q => t!(lang, "the parent", "父进程"),
        (Some(_), Some(_)) => t!(lang, "the child", "子进程"),
        _ => absent(lang),
    }
}

#[cfg(test)]
pub mod testing {
    //! What every lesson's unit tests share: a fixture run from JSON lines, a symbol list from
    //! names, and the checks that hold for every lesson in both languages.

    use std::fmt::Write as _;

    use super::super::{Ctx, Lang, Lesson, PrintFormat, Run, render};
    use crate::kernel::ksyms::Ksyms;

    pub fn run(lines: &[&str]) -> Run {
        Run {
            records: lines
                .iter()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        }
    }

    pub fn ksyms(names: &[&str]) -> Ksyms {
        let mut text = String::new();
        for (i, n) in (0u64..).zip(names) {
            let _ = writeln!(text, "{:x} T {n}", 0xffff_ffff_8100_0000_u64 + i * 0x100);
        }
        Ksyms::parse(&text)
    }

    /// Renders the lesson in both languages with the run and asserts: the same steps and the
    /// same number of lines in both, every `wants` string in both, no value left uncaptured,
    /// the Chinese text really Chinese; then without a run: the values are marked absent.
    /// Returns the two texts.
    pub fn check(
        build: fn(&Ctx) -> Lesson,
        run: &Run,
        ksyms: &Ksyms,
        wants: &[&str],
    ) -> (String, String) {
        let lesson = |lang, run| {
            build(&Ctx {
                ksyms,
                run,
                lang,
                kernel: "6.18.0",
            })
        };
        let (en, zh) = (lesson(Lang::En, Some(run)), lesson(Lang::Zh, Some(run)));
        assert_eq!(en.steps.len(), zh.steps.len());
        for (a, b) in en.steps.iter().zip(&zh.steps) {
            assert_eq!(a.lines.len(), b.lines.len(), "{} / {}", a.title, b.title);
            assert_ne!(a.title, b.title);
            assert!(b.title.chars().any(|c| c > '\u{2e80}'), "{}", b.title);
        }
        let ten = render(&en, PrintFormat::Text, Lang::En);
        let tzh = render(&zh, PrintFormat::Text, Lang::Zh);
        for (t, lang) in [(&ten, "en"), (&tzh, "zh")] {
            for want in wants {
                assert!(t.contains(want), "{lang}: missing {want:?} in:\n{t}");
            }
            assert!(
                !t.contains("(not captured)") && !t.contains("未捕获"),
                "{lang}:\n{t}"
            );
        }
        // Without a run, a handout: blanks (in Markdown, escaped underscores) for the values.
        let mut bare = lesson(Lang::En, None);
        super::blanks_for_handout(&mut bare, Lang::En);
        let bare = render(&bare, PrintFormat::Markdown, Lang::En);
        assert!(
            bare.contains(r"Printed without a run: each \_\_\_\_ is a value"),
            "{bare}"
        );
        assert!(bare.contains(r"\_\_\_\_"), "{bare}");
        assert!(!bare.contains("(not captured)"), "{bare}");
        (ten, tzh)
    }
}
