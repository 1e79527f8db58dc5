//! The sigpipe lesson: `tracer demo sigpipe`, a write to a pipe whose read end is closed. The
//! write fails with `EPIPE` and the kernel sends the writer `SIGPIPE`: a writer that ignores
//! `SIGPIPE` sees the error; a writer that leaves it at its default is killed, as the run's exit
//! record and the parent's `wait4` show.
//!
//! Kernel facts: fs/pipe.c (`anon_pipe_write` in 6.18 and 7.2, `pipe_write` in 6.1): `if
//! (!pipe->readers) { send_sig(SIGPIPE, current, 0); ret = -EPIPE; }` (7.2 skips the signal
//! for `IOCB_NOSIGNAL`). kernel/signal.c: `send_sig` -> `send_sig_info` -> `do_send_sig_info`;
//! `prepare_signal` drops a signal whose handler is `SIG_IGN` (`sig_ignored`), so an ignoring
//! writer gets only the error; otherwise the signal is pending when the call returns, and
//! `get_signal` (from `arch_do_signal_or_restart`) finds its default action, terminate
//! (signal(7): SIGPIPE "Term"), and calls `do_group_exit`. The write's `-EPIPE` is recorded as
//! it leaves the system call, before the signal is taken, so the trace shows it although the
//! process never sees it. The same holds for a stream socket whose peer is gone
//! (`sk->sk_shutdown & SEND_SHUTDOWN`), unless the call passes `MSG_NOSIGNAL` (send(2)).

use serde_json::Value;

use super::values::{call_line, get, source, text};
use super::{Ctx, Lesson, Step};
use crate::versions::{LINUX_6_1, LINUX_6_18};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let pipe = run.and_then(|r| r.find(|c| c["syscall"] == "pipe2"));
    let parent = pipe.map(|c| c["pid"].clone());
    let kids: Vec<i64> = run
        .zip(parent.as_ref().and_then(Value::as_i64))
        .map(|(r, p)| r.children(p))
        .unwrap_or_default();
    let (rfd, wfd) = (
        pipe.and_then(|c| c.pointer("/args/pipefd/0")).cloned(),
        pipe.and_then(|c| c.pointer("/args/pipefd/1")).cloned(),
    );
    let after = pipe.and_then(|c| c["ts_ns"].as_u64());
    let close_r = run.and_then(|r| {
        r.find(|c| {
            c["syscall"] == "close"
                && Some(&c["pid"]) == parent.as_ref()
                && Some(&c["args"]["fd"]) == rfd.as_ref()
                && c["ts_ns"].as_u64() > after
        })
    });
    let of_kid = |i: usize, name: &str| {
        let kid = kids.get(i).copied()?;
        run?.find(|c| c["syscall"] == name && c["pid"] == kid)
    };
    let (act_1, act_2) = (of_kid(0, "rt_sigaction"), of_kid(1, "rt_sigaction"));
    let write_of = |i: usize| {
        let kid = kids.get(i).copied()?;
        run?.find(|c| {
            c["syscall"] == "write" && c["pid"] == kid && Some(&c["args"]["fd"]) == wfd.as_ref()
        })
    };
    let (write_1, write_2) = (write_of(0), write_of(1));
    let reaped = |i: usize| {
        let kid = kids.get(i).copied()?;
        run?.find(|c| c["syscall"] == "wait4" && c["args"]["upid"] == kid)
    };
    let (wait_1, wait_2) = (reaped(0), reaped(1));
    let death = kids.get(1).and_then(|kid| {
        run?.records
            .iter()
            .find(|r| r["type"] == "exit" && r["pid"] == *kid)
    });

    let (r, w) = (
        get(ctx, pipe, "/args/pipefd/0"),
        get(ctx, pipe, "/args/pipefd/1"),
    );
    let pid = get(ctx, pipe, "/pid");
    let action = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "rt_sigaction",
            &format!(
                "{}, {{{}}}, NULL, 8",
                get(ctx, c, "/args/signum"),
                get(ctx, c, "/args/act/handler")
            ),
        )
    };
    let write = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "write",
            &format!(
                "{w}, {}, {}",
                get(ctx, c, "/args/buf"),
                get(ctx, c, "/args/count")
            ),
        )
    };
    let reap = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "wait4",
            &format!(
                "{}, {}, 0, NULL",
                get(ctx, c, "/args/upid"),
                get(ctx, c, "/args/stat_addr")
            ),
        )
    };
    let signal = get(ctx, death, "/signal");
    let dead = get(ctx, death, "/pid");

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "A pipe with no reader", "没有读者的管道"),
        lines: vec![
            call_line(ctx, pipe, "pipe2", &format!("[{r}, {w}], 0")),
            call_line(ctx, close_r, "close", &r),
            text(t!(
                lang,
                "  pid {pid} closes the only read end before anyone writes: pipe->readers is 0. The write \
                 end still works as a descriptor; what is missing is someone to read.",
                "  pid {pid} 在任何人写之前就关闭了唯一的读端：pipe->readers 为 0。写端作为描述符仍然可用；\
                 缺的是读的人。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "SIGPIPE ignored: the write fails with EPIPE",
            "忽略 SIGPIPE：write 以 EPIPE 失败"
        ),
        lines: vec![
            action(act_1),
            write(write_1),
            reap(wait_1),
            text(t!(
                lang,
                "  The first child ignores SIGPIPE (signal(SIGPIPE, SIG_IGN) in C). Its write finds no reader: \
                 the kernel sends SIGPIPE and returns -EPIPE (32). The ignored signal is dropped as it is \
                 sent, so the child sees only the error, reports it and exits 0.",
                "  第一个子进程忽略 SIGPIPE（C 语言中的 signal(SIGPIPE, SIG_IGN)）。它的 write 发现没有读者：\
                 内核发送 SIGPIPE 并返回 -EPIPE（32）。被忽略的信号在发送时就被丢弃，所以子进程只看到这个错误，\
                 报告之后以 0 退出。"
            )),
            ctx.func(
                "anon_pipe_write",
                t!(
                    lang,
                    "fs/pipe.c, {LINUX_6_18} (pipe_write on {LINUX_6_1}): no readers: send_sig(SIGPIPE, current, 0), -EPIPE",
                    "fs/pipe.c，{LINUX_6_18}（{LINUX_6_1} 上为 pipe_write）：没有读者：send_sig(SIGPIPE, current, 0)，返回 -EPIPE"
                ),
            ),
            ctx.func(
                "pipe_write",
                t!(lang, "the same function in Linux {LINUX_6_1}", "Linux {LINUX_6_1} 中的同一个函数"),
            ),
            ctx.func(
                "send_sig",
                t!(
                    lang,
                    "kernel/signal.c: the kernel sending a signal to the writer itself",
                    "kernel/signal.c：内核向写者自己发送信号"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "SIGPIPE at its default: the writer dies",
            "SIGPIPE 取默认动作：写者死亡"
        ),
        lines: vec![
            action(act_2),
            write(write_2),
            text(t!(
                lang,
                "  The same write, the same -EPIPE, recorded as the call returns; but now SIGPIPE is pending, \
                 and on the way back to user space the kernel takes it: the default action of SIGPIPE is to \
                 terminate (signal(7)). The child never sees the return value.",
                "  同样的 write，同样的 -EPIPE，在调用返回时被记录下来；但这次 SIGPIPE 处于待决状态，\
                 内核在返回用户空间的路上处理它：SIGPIPE 的默认动作是终止进程（signal(7)）。\
                 子进程永远看不到这个返回值。"
            )),
            text(t!(
                lang,
                "  pid {dead} ended, killed by {signal}:",
                "  pid {dead} 结束了，被 {signal} 杀死："
            )),
            reap(wait_2),
            ctx.func(
                "get_signal",
                t!(
                    lang,
                    "kernel/signal.c: takes the pending SIGPIPE, whose action is the default",
                    "kernel/signal.c：取出待决的 SIGPIPE，其动作为默认动作"
                ),
            ),
            ctx.func(
                "do_group_exit",
                t!(
                    lang,
                    "kernel/exit.c: ends the process, with SIGPIPE as the cause its parent's wait reports",
                    "kernel/exit.c：结束进程，父进程的 wait 报告的原因就是 SIGPIPE"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "Why a signal, and who ignores it", "为什么是信号，谁又忽略它"),
        lines: vec![text(t!(
            lang,
            "  In a shell pipeline such as `yes | head -1`, the writer never checks write's return value: \
             when head exits, SIGPIPE is what stops yes. Programs that do check errors, servers above all, \
             ignore SIGPIPE and handle EPIPE (the Rust runtime ignores it at start-up, Python too); on a \
             socket, send(fd, buf, len, MSG_NOSIGNAL) asks for the error without the signal, for that one call.",
            "  在 `yes | head -1` 这样的 shell 管道中，写者从不检查 write 的返回值：head 退出后，\
             是 SIGPIPE 让 yes 停下来。会检查错误的程序，尤其是服务器，会忽略 SIGPIPE 并处理 EPIPE\
             （Rust 运行时在启动时就忽略它，Python 也是）；在套接字上，send(fd, buf, len, MSG_NOSIGNAL) \
             只为这一次调用要错误而不要信号。"
        ))],
    });

    Lesson {
        title: t!(
            lang,
            "Writing to a pipe nobody reads: EPIPE and SIGPIPE",
            "写一根没人读的管道：EPIPE 与 SIGPIPE"
        ),
        source: source(ctx, "sigpipe", &["sigpipe"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo sigpipe` on 6.18), from the pipe on.
    const RUN: &[&str] = &[
        r#"{"type":"syscall","syscall":"pipe2","pid":30009,"ts_ns":49475578308736,"args":{"flags":"0","pipefd":[3,4]},"ret":0,"errno":null,"dur_ns":11712}"#,
        r#"{"type":"syscall","syscall":"close","pid":30009,"ts_ns":49475578321971,"args":{"fd":3},"ret":0,"errno":null,"dur_ns":2925}"#,
        r#"{"type":"fork","pid":30009,"child":30010,"thread":false,"ts_ns":49475578487630}"#,
        r#"{"type":"syscall","syscall":"rt_sigaction","pid":30010,"ts_ns":49475580146643,"args":{"act":{"flags":"SA_RESTORER","handler":"SIG_IGN"},"oldact":"NULL","signum":"SIGPIPE","sigsetsize":8},"ret":0,"errno":null,"dur_ns":1132}"#,
        r#"{"type":"syscall","syscall":"write","pid":30010,"ts_ns":49475580152874,"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"ret":-32,"errno":"EPIPE","dur_ns":5451}"#,
        r#"{"type":"exit","pid":30010,"ts_ns":49475580313594,"exit_code":0}"#,
        r#"{"type":"syscall","syscall":"wait4","pid":30009,"ts_ns":49475580516572,"args":{"options":"0","ru":"NULL","stat_addr":"[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]","upid":30010},"ret":30010,"errno":null,"dur_ns":11151}"#,
        r#"{"type":"fork","pid":30009,"child":30011,"thread":false,"ts_ns":49475580617982}"#,
        r#"{"type":"syscall","syscall":"rt_sigaction","pid":30011,"ts_ns":49475584183870,"args":{"act":{"flags":"SA_RESTORER","handler":"SIG_DFL"},"oldact":"NULL","signum":"SIGPIPE","sigsetsize":8},"ret":0,"errno":null,"dur_ns":1994}"#,
        r#"{"type":"syscall","syscall":"write","pid":30011,"ts_ns":49475584194029,"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"ret":-32,"errno":"EPIPE","dur_ns":9358}"#,
        r#"{"type":"exit","pid":30011,"ts_ns":49475584222112,"signal":"SIGPIPE"}"#,
        r#"{"type":"syscall","syscall":"wait4","pid":30009,"ts_ns":49475580634082,"args":{"options":"0","ru":"NULL","stat_addr":"[{WIFSIGNALED(s) && WTERMSIG(s) == SIGPIPE}]","upid":30011},"ret":30011,"errno":null,"dur_ns":3820443}"#,
        r#"{"type":"syscall","syscall":"close","pid":30009,"ts_ns":49475584482727,"args":{"fd":4},"ret":0,"errno":null,"dur_ns":16321}"#,
        r#"{"type":"exit","pid":30009,"ts_ns":49475584579378,"exit_code":0}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&["anon_pipe_write", "send_sig", "get_signal", "do_group_exit"]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 30009  pipe2([3, 4], 0) = 0",
                "pid 30009  close(3) = 0",
                "pid 30010  rt_sigaction(SIGPIPE, {SIG_IGN}, NULL, 8) = 0",
                "pid 30010  write(4, \"hello\", 5) = -32 EPIPE",
                "pid 30009  wait4(30010, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 30010",
                "pid 30011  rt_sigaction(SIGPIPE, {SIG_DFL}, NULL, 8) = 0",
                "pid 30011  write(4, \"hello\", 5) = -32 EPIPE",
                "pid 30009  wait4(30011, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGPIPE}], 0, NULL) = 30011",
                ". anon_pipe_write",
                "- pipe_write",
                ". do_group_exit",
            ],
        );
        assert!(en.contains("pid 30011 ended, killed by SIGPIPE"), "{en}");
        assert!(zh.contains("pid 30011 结束了，被 SIGPIPE 杀死"), "{zh}");
    }
}
