//! The signal lesson: `tracer demo signal`, a child sending its parent `SIGUSR1` with
//! `sigqueue`, which carries a value (42) that an `SA_SIGINFO` handler receives in its
//! `siginfo_t`.
//!
//! Kernel facts (kernel/signal.c, Linux 6.1 and 6.18): `rt_sigaction` stores the action with
//! `do_sigaction`. `rt_sigqueueinfo` is `do_rt_sigqueueinfo`, which refuses a caller-made
//! `si_code` >= 0 for another process (only the kernel may claim to be the kernel, `EPERM`),
//! then `kill_pid_info` -> `group_send_sig_info` -> `do_send_sig_info` ->
//! `send_signal_locked` -> `__send_signal_locked`: a `struct sigqueue` holding a copy of the
//! `siginfo` goes on the process's shared pending list (a standard signal already pending is
//! not queued twice; real-time ones are), and `complete_signal` wakes a thread that does not
//! block it. On its way back to user space that thread runs `arch_do_signal_or_restart`:
//! `get_signal` -> `dequeue_signal` takes the `siginfo`, and the x86 code builds the signal
//! frame on the user stack (`x64_setup_rt_frame` in arch/x86/kernel/signal_64.c since Linux
//! 6.2; on 6.1 the same function was `__setup_rt_frame` in arch/x86/kernel/signal.c). The handler returns into the `SA_RESTORER` trampoline,
//! which calls `rt_sigreturn` (`restore_sigcontext`).
//!
//! The demo then sends `SIGUSR2` with `kill(0, ...)` and `kill(-1, ...)`. kernel/signal.c
//! `kill_something_info` (6.1 and 6.18): pid 0 is `__kill_pgrp_info(sig, info,
//! task_pgrp(current))`, which calls `group_send_sig_info` for every process of the caller's
//! group; pid -1 loops `for_each_process` and signals every task with `task_pid_vnr(p) > 1`
//! that is not in the caller's thread group, skipping `-EPERM` (`task_pid_vnr` is 0 for a task
//! outside the caller's PID namespace, which is how the demo keeps `kill(-1)` inside one).

use serde_json::Value;

use super::values::{absent, after, call_line, get, report, source, text};
use super::{Ctx, Lesson, Step};
use crate::versions::{LINUX_6_1, SETUP_RT_FRAME};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let actions: Vec<&Value> = run
        .map(|r| r.all(|c| c["syscall"] == "rt_sigaction" && c["args"]["signum"] == "SIGUSR1"))
        .unwrap_or_default();
    let install = actions
        .iter()
        .find(|c| {
            c["args"]["act"]["flags"]
                .as_str()
                .is_some_and(|f| f.contains("SA_SIGINFO"))
        })
        .copied();
    let restore = actions
        .iter()
        .find(|c| c["ts_ns"].as_u64() > install.and_then(|i| i["ts_ns"].as_u64()))
        .copied();
    let queue = run.and_then(|r| r.find(|c| c["syscall"] == "rt_sigqueueinfo"));

    let parent = get(ctx, install, "/pid");
    let child = get(ctx, queue, "/pid");
    let handler = get(ctx, install, "/args/act/handler");
    let flags = get(ctx, install, "/args/act/flags");
    let tgid = get(ctx, queue, "/args/tgid");
    let value = get(ctx, queue, "/args/info/si_value");
    let code = get(ctx, queue, "/args/info/si_code");
    let signo = get(ctx, queue, "/args/info/si_signo");
    let old = get(ctx, restore, "/args/act/handler");
    let between = match (
        queue.and_then(|c| c["ts_ns"].as_u64()),
        restore.and_then(|c| c["ts_ns"].as_u64()),
    ) {
        (Some(q), Some(r)) if r > q => t!(
            lang,
            "  In this run {} us passed from the child's rt_sigqueueinfo to the parent's next recorded \
             call: the delivery, the handler and sigsuspend's return happened in between.",
            "  本次运行中，从子进程的 rt_sigqueueinfo 到父进程下一个被记录的调用之间过了 {} 微秒：\
             递送、处理函数、sigsuspend 的返回都发生在这段时间里。",
            (r - q) / 1000
        ),
        _ if ctx.run.is_none() => t!(
            lang,
            "  With a recorded run, this line says how long the delivery took.",
            "  有了录制的运行，这一行会说明递送花了多久。"
        ),
        _ => t!(
            lang,
            "  This run did not record both calls around the delivery.",
            "  本次运行没有同时记录到递送前后的两个调用。"
        ),
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "Block the signal before anyone can send it", "在有人发送之前先阻塞信号"),
        lines: vec![
            text(t!(
                lang,
                "  sigprocmask(SIG_BLOCK, {{SIGUSR1}}, &old): from now on a SIGUSR1 that arrives stays \
                 pending instead of being delivered, so it cannot come before the parent is ready to \
                 wait for it.",
                "  sigprocmask(SIG_BLOCK, {{SIGUSR1}}, &old)：从此刻起到达的 SIGUSR1 只会挂起而不被递送，\
                 所以它不可能在父进程准备好等待之前就来。"
            )),
            text(t!(
                lang,
                "  (this lesson does not show rt_sigprocmask and rt_sigsuspend: `tracer record -e \
                 rt_sigprocmask,rt_sigsuspend -- tracer demo signal` shows their values, and the demo's \
                 source, tracer/src/demo/signal.rs, has them.)",
                "  （本课不展示 rt_sigprocmask 和 rt_sigsuspend：`tracer record -e \
                 rt_sigprocmask,rt_sigsuspend -- tracer demo signal` 可以看到它们的数值，演示程序的源码 \
                 tracer/src/demo/signal.rs 里也有。）"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "sigaction with SA_SIGINFO", "带 SA_SIGINFO 的 sigaction"),
        lines: vec![
            call_line(
                ctx,
                install,
                "rt_sigaction",
                &format!("SIGUSR1, {{{handler}, {flags}}}, &old, 8"),
            ),
            text(t!(
                lang,
                "  SA_SIGINFO: the handler at {handler} is called as handler(int sig, siginfo_t *info, \
                 void *ucontext), and info will carry who sent the signal, how, and a value.",
                "  SA_SIGINFO：位于 {handler} 的处理函数将以 handler(int sig, siginfo_t *info, void *ucontext) \
                 的形式被调用，info 里会有发送者、发送方式和一个值。"
            )),
            text(t!(
                lang,
                "  SA_RESTORER was added by glibc: the address of its __restore_rt, where the handler \
                 returns to, which calls rt_sigreturn.",
                "  SA_RESTORER 是 glibc 加上的：它给出 __restore_rt 的地址，处理函数返回到那里，\
                 再由它调用 rt_sigreturn。"
            )),
            ctx.func(
                "do_sigaction",
                t!(
                    lang,
                    "kernel/signal.c: stores the action in the process's sighand table, shared by its threads",
                    "kernel/signal.c：把动作存进进程的 sighand 表，由它的所有线程共享"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "sigqueue: a signal with a value", "sigqueue：带值的信号"),
        lines: vec![
            text(t!(
                lang,
                "  The child (pid {child}) calls sigqueue(getppid(), SIGUSR1, (union sigval){{ .sival_int = 42 }}); \
                 glibc fills in a siginfo_t itself and makes the system call:",
                "  子进程（pid {child}）调用 sigqueue(getppid(), SIGUSR1, (union sigval){{ .sival_int = 42 }})；\
                 glibc 自己填好一个 siginfo_t，然后发出系统调用："
            )),
            call_line(
                ctx,
                queue,
                "rt_sigqueueinfo",
                &format!("{tgid}, SIGUSR1, {{si_signo {signo}, si_code {code}, si_value {value}}}"),
            ),
            text(t!(
                lang,
                "  tgid {tgid} is the parent; si_code {code} says \"sent by sigqueue\"; si_value {value} is \
                 the payload: one int (or one pointer, meaningless in another process).",
                "  tgid {tgid} 就是父进程；si_code {code} 表示“由 sigqueue 发送”；si_value {value} 就是\
                 携带的数据：一个 int（或一个指针，对另一个进程来说没有意义）。"
            )),
            ctx.path_func(
                queue,
                "do_rt_sigqueueinfo",
                t!(
                    lang,
                    "refuses an si_code >= 0 from user space for another process: only the kernel may send those (EPERM)",
                    "拒绝用户空间为其他进程伪造 si_code >= 0 的信号：只有内核才能发这种（EPERM）"
                ),
            ),
            ctx.path_func(
                queue,
                "do_send_sig_info",
                t!(lang, "takes the target's signal lock", "获取目标进程的信号锁"),
            ),
            ctx.func(
                "__send_signal_locked",
                t!(
                    lang,
                    "copies the siginfo into a struct sigqueue on the process's pending list",
                    "把 siginfo 复制进一个 struct sigqueue，挂到进程的挂起链表上"
                ),
            ),
            ctx.func(
                "complete_signal",
                t!(
                    lang,
                    "wakes a thread that does not block SIGUSR1: the parent if it already sleeps in sigsuspend; else the signal waits, pending",
                    "唤醒一个没有阻塞 SIGUSR1 的线程：父进程若已在 sigsuspend 中睡眠就唤醒它；否则信号挂起等待"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "sigsuspend: unblock and wait in one step", "sigsuspend：解除阻塞与等待一步完成"),
        lines: vec![
            text(t!(
                lang,
                "  The parent (pid {parent}) calls sigsuspend(old mask): the kernel installs the mask that \
                 lets SIGUSR1 through and puts the process to sleep in the same call, so no signal can \
                 slip in between. Unblocking first and then calling pause() could lose it.",
                "  父进程（pid {parent}）调用 sigsuspend(旧掩码)：内核在同一次调用里换上允许 SIGUSR1 \
                 的掩码并让进程睡眠，信号无从在两步之间溜走。先解除阻塞再调用 pause() 就可能把它丢掉。"
            )),
            ctx.func(
                "arch_do_signal_or_restart",
                t!(
                    lang,
                    "on the way back to user space: a signal is pending",
                    "返回用户空间的路上：有挂起的信号"
                ),
            ),
            ctx.func(
                "get_signal",
                t!(lang, "picks the signal to deliver", "选出要递送的信号"),
            ),
            ctx.func(
                "dequeue_signal",
                t!(
                    lang,
                    "takes the struct sigqueue off the list: the siginfo with si_value {value}",
                    "把 struct sigqueue 从链表上取下：其中的 siginfo 带着 si_value {value}"
                ),
            ),
            // Linux 6.2 ("x86/signal: Add ABI prefixes to frame setup functions" and "x86/signal/64:
            // Move 64-bit signal code to its own file", Brian Gerst) renamed 6.1's static
            // __setup_rt_frame (arch/x86/kernel/signal.c) to x64_setup_rt_frame in signal_64.c.
            if ctx.ksyms.is_empty() || ctx.ksyms.has("x64_setup_rt_frame") {
                ctx.func(
                    "x64_setup_rt_frame",
                    t!(
                        lang,
                        "arch/x86/kernel/signal_64.c (Linux {SETUP_RT_FRAME}+; on {LINUX_6_1} it was __setup_rt_frame in \
                         signal.c): copies siginfo and the saved registers onto the user stack and \
                         points rip at {handler}",
                        "arch/x86/kernel/signal_64.c（Linux {SETUP_RT_FRAME}+；在 {LINUX_6_1} 中是 signal.c 里的 \
                         __setup_rt_frame）：把 siginfo 和保存的寄存器复制到用户栈上，并让 rip 指向 {handler}"
                    ),
                )
            } else {
                ctx.inlined(
                    "__setup_rt_frame",
                    t!(
                        lang,
                        "arch/x86/kernel/signal.c (Linux {LINUX_6_1}; x64_setup_rt_frame in signal_64.c since \
                         {SETUP_RT_FRAME}): copies siginfo and the saved registers onto the user stack and points \
                         rip at {handler}",
                        "arch/x86/kernel/signal.c（Linux {LINUX_6_1}；自 {SETUP_RT_FRAME} 起是 signal_64.c 里的 \
                         x64_setup_rt_frame）：把 siginfo 和保存的寄存器复制到用户栈上，并让 rip 指向 {handler}"
                    ),
                )
            },
        ],
    });

    steps.push(Step {
        title: t!(lang, "The handler reads the value", "处理函数读到那个值"),
        lines: vec![
            text(t!(
                lang,
                "  handler(SIGUSR1, info, uc) runs in the parent: info->si_value.sival_int = {value}, \
                 info->si_code = {code}, info->si_pid = {child}. This is the lesson: the value crossed from \
                 one process to the other inside the signal.",
                "  handler(SIGUSR1, info, uc) 在父进程中运行：info->si_value.sival_int = {value}，\
                 info->si_code = {code}，info->si_pid = {child}。这就是本课的重点：这个值随着信号\
                 从一个进程到了另一个进程。"
            )),
            text(t!(
                lang,
                "  The demo's handler only stores these into atomics: printing or allocating in a handler \
                 is not async-signal-safe.",
                "  演示程序的处理函数只是把它们存进原子变量：在处理函数里打印或分配内存都不是异步信号安全的。"
            )),
            ctx.func(
                "__x64_sys_rt_sigreturn",
                t!(
                    lang,
                    "the handler returns into __restore_rt, which makes this call",
                    "处理函数返回到 __restore_rt，由它发出这个调用"
                ),
            ),
            ctx.func(
                "restore_sigcontext",
                t!(
                    lang,
                    "puts back the registers saved in the frame; sigsuspend then returns -1 with EINTR",
                    "恢复帧中保存的寄存器；然后 sigsuspend 返回 -1，errno 为 EINTR"
                ),
            ),
            text(between),
        ],
    });

    steps.push(Step {
        title: t!(lang, "Putting things back", "恢复原状"),
        lines: vec![
            call_line(ctx, restore, "rt_sigaction", &format!("SIGUSR1, {{{old}}}, NULL, 8")),
            text(t!(
                lang,
                "  The old action ({old}) is restored, then the old mask. kill() would have sent the \
                 same signal with no value (si_code SI_USER): the value is what sigqueue adds.",
                "  恢复原来的动作（{old}），然后恢复原来的掩码。用 kill() 发送同一个信号则不带值\
                 （si_code 为 SI_USER）：这个值正是 sigqueue 多出来的东西。"
            )),
            text(t!(
                lang,
                "  SIGUSR1 is a standard signal: a second one sent while the first is pending is dropped, \
                 and only the first is delivered, with its value. Real-time signals (SIGRTMIN..SIGRTMAX) queue every instance \
                 with its own value.",
                "  SIGUSR1 是标准信号：第一个还挂起时再发来的第二个会被丢弃，只有第一个连同它的值被递送。实时信号\
                 （SIGRTMIN..SIGRTMAX）则把每一个连同各自的值都排进队列。"
            )),
        ],
    });

    // kill(0) and kill(-1): the calls, and who got SIGUSR2 (rt_sigtimedwait took it).
    let kill_to =
        |pid: i64| run.and_then(|r| r.find(|c| c["syscall"] == "kill" && c["args"]["pid"] == pid));
    let (kill0, kill1) = (kill_to(0), kill_to(-1));
    let leader = get(ctx, kill0, "/pid");
    let member = report(run, "group member (pid ")
        .and_then(|r| after(r, "group member (pid "))
        .map_or_else(|| absent(lang), String::from);
    // The namespace's init forked the target, then the killer.
    let killer = kill1.and_then(|c| c["pid"].as_i64());
    let init = run.and_then(|r| {
        r.records
            .iter()
            .find(|f| f["type"] == "fork" && f["child"].as_i64() == killer)
            .and_then(|f| f["pid"].as_i64())
    });
    let target = run
        .zip(init)
        .and_then(|(r, i)| r.children(i).into_iter().find(|c| Some(*c) != killer))
        .map_or_else(|| absent(lang), |p| p.to_string());
    let init = init.map_or_else(|| absent(lang), |p| p.to_string());
    let killer = get(ctx, kill1, "/pid");

    steps.push(Step {
        title: t!(
            lang,
            "kill(0) and kill(-1): one call, many processes",
            "kill(0) 与 kill(-1)：一个调用，多个进程"
        ),
        lines: vec![
            call_line(ctx, kill0, "kill", "0, SIGUSR2"),
            text(t!(
                lang,
                "  pid {leader} first made a process group of its own (setpgid(0, 0), not recorded by \
                 default) and forked pid {member} into it. pid 0 means the caller's process group: both \
                 got SIGUSR2 (each took it with sigwaitinfo), and nothing outside the group did.",
                "  pid {leader} 先用 setpgid(0, 0)（默认不记录）建立自己的进程组，再把 pid {member} \
                 fork 进这个组。pid 0 表示调用者所在的进程组：两者都收到了 SIGUSR2（各自用 sigwaitinfo \
                 取走），组外的进程一个也没有收到。"
            )),
            ctx.path_func(
                kill0,
                "kill_something_info",
                t!(
                    lang,
                    "kernel/signal.c: pid 0 -> the caller's group; pid -1 -> a loop over every process",
                    "kernel/signal.c：pid 0 -> 调用者所在的组；pid -1 -> 遍历每个进程的循环"
                ),
            ),
            ctx.func(
                "__kill_pgrp_info",
                t!(
                    lang,
                    "kernel/signal.c: signals every process of the group (pid -N: group N)",
                    "kernel/signal.c：给组内每个进程发信号（pid -N：进程组 N）"
                ),
            ),
            call_line(ctx, kill1, "kill", "-1, SIGUSR2"),
            text(t!(
                lang,
                "  pid -1 means every process the caller may signal, except pid 1 and the caller. As \
                 root that is the whole machine, so the demo made a new PID namespace first \
                 (unshare(CLONE_NEWPID), root only): the loop skips every process outside it, whose \
                 pid in the namespace is 0. Inside, pid {init} is the namespace's pid 1 and pid {killer} \
                 called kill: only pid {target} got the signal.",
                "  pid -1 表示调用者有权发信号的每个进程，1 号进程和调用者自己除外。以 root 身份这就是\
                 整台机器，所以演示程序先建立一个新的 PID 命名空间（unshare(CLONE_NEWPID)，只有 root \
                 能做）：循环跳过命名空间外的每个进程，它们在命名空间里的 pid 是 0。在命名空间里，\
                 pid {init} 是该命名空间的 1 号进程，pid {killer} 调用了 kill：只有 pid {target} 收到了信号。"
            )),
            ctx.func(
                "group_send_sig_info",
                t!(
                    lang,
                    "kernel/signal.c: checks the permission for each process; for pid -1 an EPERM is skipped, not returned",
                    "kernel/signal.c：对每个进程检查权限；对 pid -1，EPERM 被跳过而不是返回"
                ),
            ),
            text(t!(
                lang,
                "  The trace shows the pids the first namespace sees; inside, the demo printed 1, 2 and 3.",
                "  跟踪中显示的是初始命名空间看到的 pid；在命名空间里，演示程序打印的是 1、2 和 3。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "sigqueue: a signal that carries a value",
            "sigqueue：携带数值的信号"
        ),
        source: source(ctx, "signal", &["signal"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo signal` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"act":{"flags":"SA_SIGINFO|SA_RESTORER","handler":"0x5640547ab830"},"oldact":"0x7fffaf1b72b0","signum":"SIGUSR1","sigsetsize":8},"dur_ns":1612,"kernel_path":[{"func":"__x64_sys_rt_sigaction","observed":false}],"pid":18441,"ret":0,"syscall":"rt_sigaction","tid":18441,"ts_ns":2040711094200,"type":"syscall"}"#,
        r#"{"child":18443,"pid":18441,"thread":false,"tid":18441,"ts_ns":2040711253937,"type":"fork"}"#,
        r#"{"args":{"info":{"si_code":"SI_QUEUE","si_ptr":"0x2a","si_signo":"SIGUSR1","si_value":42},"sig":"SIGUSR1","tgid":18441},"dur_ns":10155,"kernel_path":[{"func":"__x64_sys_rt_sigqueueinfo","observed":false},{"func":"do_rt_sigqueueinfo","observed":false},{"func":"do_send_sig_info","observed":false}],"pid":18443,"ret":0,"syscall":"rt_sigqueueinfo","tid":18443,"ts_ns":2040711319844,"type":"syscall"}"#,
        r#"{"pid":18443,"tid":18443,"ts_ns":2040711385271,"type":"exit"}"#,
        r#"{"args":{"act":{"flags":"SA_RESTORER","handler":"SIG_DFL"},"oldact":"NULL","signum":"SIGUSR1","sigsetsize":8},"dur_ns":14011,"kernel_path":[{"func":"__x64_sys_rt_sigaction","observed":false}],"pid":18441,"ret":0,"syscall":"rt_sigaction","tid":18441,"ts_ns":2040711718685,"type":"syscall"}"#,
        r#"{"pid":18441,"tid":18441,"ts_ns":2040711950158,"type":"exit"}"#,
        // kill(0) and kill(-1), from a later recording of the demo (its main process 24311).
        r#"{"child":24313,"pid":24311,"thread":false,"tid":24311,"ts_ns":53372502494718,"type":"fork"}"#,
        r#"{"child":24314,"pid":24313,"thread":false,"tid":24313,"ts_ns":53372502630453,"type":"fork"}"#,
        r#"{"args":{"pid":0,"sig":"SIGUSR2"},"dur_ns":4819,"pid":24313,"ret":0,"syscall":"kill","tid":24313,"ts_ns":53372502656572,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"group member (pid 24314): SIGUSR2 from pid 24313\\n","len":49},"count":49,"fd":1},"dur_ns":15706,"pid":24314,"ret":49,"syscall":"write","tid":24314,"ts_ns":53372620201112,"type":"syscall"}"#,
        r#"{"child":24315,"pid":24311,"thread":false,"tid":24311,"ts_ns":53372620499272,"type":"fork"}"#,
        r#"{"child":24316,"pid":24315,"thread":false,"tid":24315,"ts_ns":53372704345505,"type":"fork"}"#,
        r#"{"child":24317,"pid":24316,"thread":false,"tid":24316,"ts_ns":53372820316922,"type":"fork"}"#,
        r#"{"child":24318,"pid":24316,"thread":false,"tid":24316,"ts_ns":53372820404562,"type":"fork"}"#,
        r#"{"args":{"pid":-1,"sig":"SIGUSR2"},"dur_ns":20947,"pid":24318,"ret":0,"syscall":"kill","tid":24318,"ts_ns":53372820445636,"type":"syscall"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "do_sigaction",
            "do_rt_sigqueueinfo",
            "do_send_sig_info",
            "__send_signal_locked",
            "complete_signal",
            "arch_do_signal_or_restart",
            "get_signal",
            "dequeue_signal",
            "__x64_sys_rt_sigreturn",
            "restore_sigcontext",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 18441  rt_sigaction(SIGUSR1, {0x5640547ab830, SA_SIGINFO|SA_RESTORER}, &old, 8) = 0",
                "pid 18443  rt_sigqueueinfo(18441, SIGUSR1, {si_signo SIGUSR1, si_code SI_QUEUE, si_value 42}) = 0",
                "pid 18441  rt_sigaction(SIGUSR1, {SIG_DFL}, NULL, 8) = 0",
                "info->si_value.sival_int = 42",
                "info->si_pid = 18443",
                "- __setup_rt_frame",
                "pid 24313  kill(0, SIGUSR2) = 0",
                "pid 24318  kill(-1, SIGUSR2) = 0",
                ". do_rt_sigqueueinfo",
                "398",
            ],
        );
        assert!(en.contains("tgid 18441 is the parent"), "{en}");
        assert!(
            en.contains("pid 24313 first made a process group of its own")
                && en.contains("forked pid 24314 into it"),
            "{en}"
        );
        assert!(
            en.contains("pid 24316 is the namespace's pid 1 and pid 24318 called kill: only pid 24317 got the signal"),
            "{en}"
        );
        assert!(zh.contains("只有 pid 24317 收到了信号"), "{zh}");
        assert!(zh.contains("tgid 18441 就是父进程"), "{zh}");
    }
}
