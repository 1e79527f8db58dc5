//! The pipe-atomic lesson: `tracer demo pipe-atomic`, two writers on one pipe. Records of
//! `PIPE_BUF` bytes arrive whole; a record larger than the pipe arrives in pieces, with the
//! other writer's bytes between them. The lesson reads both from the run: which writer's bytes
//! each `read` returned (the first captured byte: every page of the ring holds one writer's
//! bytes, as the demo's writes are whole pages), and the writers asleep in `write`, as the
//! kernel reported them in `/proc/PID/syscall`.
//!
//! Kernel facts: `PIPE_BUF` is 4096 (include/uapi/linux/limits.h, the same in 6.1, 6.18 and
//! 7.2); pipe(7) promises atomicity up to it. fs/pipe.c (`anon_pipe_write` in 6.18 and 7.2,
//! `pipe_write` in 6.1; the rename came with Oleg Nesterov's "pipe: don't update {a,c,m}time
//! for anonymous pipes", 2025, which also added `fifo_pipe_write`): the writer holds
//! `pipe->mutex` while it copies and lets go of it only to sleep for room, in
//! `wait_event_interruptible_exclusive(pipe->wr_wait, pipe_writable(pipe))`
//! (`prepare_to_wait_exclusive`: the sleeper joins the tail of `wr_wait`). A write of at most
//! a page is merged into the last buffer only if it fits whole (`offset + chars <= PAGE_SIZE`),
//! else it takes a new buffer: it never sleeps half done. The reader wakes writers when it
//! makes room in a full ring, with `wake_up_interruptible_sync_poll(&pipe->wr_wait, ...)`
//! (`__wake_up_sync_key`), one exclusive waiter: the head of the queue. `F_GETPIPE_SZ` is
//! `pipe_fcntl` (since Linux 2.6.35, pipe(7)). `/proc/PID/syscall` is `proc_pid_syscall`
//! (fs/proc/base.c), which asks `task_current_syscall` (lib/syscall.c) for a blocked task's
//! call number and argument registers.

use serde_json::Value;

use super::values::{call_line, get, micros, source, text};
use super::{Ctx, Lesson, Line, Step};
use crate::versions::{LINUX_6_1, LINUX_6_18, PIPE_RESIZE};

/// One round of the demo, as the run recorded it.
#[derive(Default)]
struct Round<'a> {
    pipe: Option<&'a Value>,
    size: Option<&'a Value>,
    /// The writers' writes on the pipe, per writer (A, B).
    writes: [Vec<&'a Value>; 2],
    /// The parent's look at each writer's `/proc/PID/syscall` that found it blocked.
    blocked: [Option<&'a Value>; 2],
    /// The parent's reads of the pipe, in order.
    reads: Vec<&'a Value>,
}

impl Round<'_> {
    /// The stream as runs of one writer's pages: (letter, pages). Reads of end of file (0)
    /// are left out.
    fn order(&self) -> Vec<(char, usize)> {
        let mut order: Vec<(char, usize)> = Vec::new();
        for r in &self.reads {
            let Some(letter) = r
                .pointer("/args/buf/data")
                .and_then(Value::as_str)
                .and_then(|d| d.chars().next())
            else {
                continue;
            };
            match order.last_mut() {
                Some((l, n)) if *l == letter => *n += 1,
                _ => order.push((letter, 1)),
            }
        }
        order
    }

    /// How many pieces a writer's bytes came in.
    fn pieces(&self, letter: char) -> usize {
        self.order().iter().filter(|(l, _)| *l == letter).count()
    }
}

fn ts(c: &Value) -> u64 {
    c["ts_ns"].as_u64().unwrap_or(0)
}

/// The two rounds of a run: each starts at the parent's `pipe2`.
fn rounds<'a>(ctx: &Ctx<'a>) -> [Round<'a>; 2] {
    let mut out = [Round::default(), Round::default()];
    let Some(run) = ctx.run else { return out };
    let pipes = run.all(|c| c["syscall"] == "pipe2");
    let Some(parent) = pipes.first().map(|c| c["pid"].clone()) else {
        return out;
    };
    let kids = parent.as_i64().map(|p| run.children(p)).unwrap_or_default();
    for (i, round) in out.iter_mut().enumerate() {
        let Some(pipe) = pipes.get(i).copied() else {
            continue;
        };
        let (start, end) = (ts(pipe), pipes.get(i + 1).map_or(u64::MAX, |c| ts(c)));
        let (rfd, wfd) = (
            pipe.pointer("/args/pipefd/0").cloned(),
            pipe.pointer("/args/pipefd/1").cloned(),
        );
        let within = |c: &Value| ts(c) > start && ts(c) < end;
        round.pipe = Some(pipe);
        round.size = run.find(|c| {
            c["syscall"] == "fcntl"
                && c["pid"] == parent
                && within(c)
                && c["args"]["cmd"] == "F_GETPIPE_SZ"
        });
        round.reads = run.all(|c| {
            c["syscall"] == "read"
                && c["pid"] == parent
                && Some(&c["args"]["fd"]) == rfd.as_ref()
                && within(c)
        });
        for (w, kid) in kids.iter().skip(2 * i).take(2).enumerate() {
            round.writes[w] = run.all(|c| {
                c["syscall"] == "write"
                    && c["pid"] == *kid
                    && Some(&c["args"]["fd"]) == wfd.as_ref()
            });
            // The parent's last open of /proc/KID/syscall, and the read of it that followed.
            let proc_file = format!("/proc/{kid}/syscall");
            let open = run
                .all(|c| {
                    c["syscall"] == "openat"
                        && c["pid"] == parent
                        && c["args"]["filename"] == proc_file.as_str()
                })
                .last()
                .copied();
            round.blocked[w] = open.and_then(|o| {
                run.find(|c| {
                    c["syscall"] == "read"
                        && c["pid"] == parent
                        && c["args"]["fd"] == o["ret"]
                        && ts(c) > ts(o)
                })
            });
        }
    }
    out
}

/// `write(4, "AAAA"..., 4096) = 4096`: a record's first bytes, not all of them.
fn record_line(ctx: &Ctx, call: Option<&Value>, name: &str) -> Line {
    let data = call
        .and_then(|c| c.pointer("/args/buf/data")?.as_str())
        .map(|d| format!("\"{}\"...", d.chars().take(4).collect::<String>()));
    let count = get(ctx, call, "/args/count");
    call_line(
        ctx,
        call,
        name,
        &format!(
            "{}, {}, {count}",
            get(ctx, call, "/args/fd"),
            data.unwrap_or_else(|| super::values::absent(ctx.lang))
        ),
    )
}

/// `Ax16 Bx1 Ax1 ...`, the first `max` runs (pages per run).
fn order_text(ctx: &Ctx, order: &[(char, usize)], max: usize) -> String {
    if order.is_empty() {
        return super::values::absent(ctx.lang);
    }
    let mut s = order
        .iter()
        .take(max)
        .map(|(l, n)| format!("{l}x{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    if order.len() > max {
        s.push_str(" ...");
    }
    s
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let [small, large] = rounds(ctx);
    let absent = super::values::absent(lang);
    let parent = get(ctx, small.pipe, "/pid");
    let (r, w) = (
        get(ctx, small.pipe, "/args/pipefd/0"),
        get(ctx, small.pipe, "/args/pipefd/1"),
    );
    let capacity = get(ctx, small.size, "/ret");
    let pages = small
        .size
        .and_then(|c| c["ret"].as_u64())
        .map_or_else(|| absent.clone(), |b| (b / 4096).to_string());
    let w_hex = small
        .pipe
        .and_then(|c| c.pointer("/args/pipefd/1")?.as_u64())
        .map_or_else(|| absent.clone(), |fd| format!("{fd:#x}"));
    let pid_of = |c: Option<&Value>| get(ctx, c, "/pid");
    let (a, b) = (
        pid_of(small.writes[0].first().copied()),
        pid_of(small.writes[1].first().copied()),
    );
    let n_small = if ctx.run.is_some() {
        small.writes[0].len().to_string()
    } else {
        absent.clone()
    };
    // The write of A that slept: the longest one.
    let slept = small.writes[0]
        .iter()
        .max_by_key(|c| c["dur_ns"].as_u64().unwrap_or(0))
        .copied();
    let seen = |c: Option<&Value>| {
        get(ctx, c, "/args/buf/data")
            .trim_end_matches("\\n")
            .to_string()
    };
    let small_order = small.order();
    let small_reads = small.reads.iter().filter(|c| c["ret"] != 0).count();
    let whole = small
        .reads
        .iter()
        .all(|c| c["ret"] == 0 || c["ret"].as_u64() == Some(4096));
    let small_verdict = match (ctx.run, whole && small_reads > 0) {
        (None, _) => t!(
            lang,
            "  With a run, this line says whether every read held one writer's record.",
            "  有了运行记录，这一行会说明每次 read 是否都只含一个写者的记录。"
        ),
        (Some(_), true) => t!(
            lang,
            "  Each of the {small_reads} reads returned 4096 bytes, one writer's; the demo checked every \
             byte of them (it fails on a cut record): every record arrived whole.",
            "  {small_reads} 次 read 每次都返回 4096 字节，都来自同一个写者；演示程序检查了其中的每个字节\
             （记录被切开就会失败）：每条记录都完整到达。"
        ),
        (Some(_), false) => t!(
            lang,
            "  Not every read returned one whole record in this run: look at the reads above.",
            "  本次运行中并非每次 read 都返回一条完整记录：请看上面的 read。"
        ),
    };

    let (la, lb) = (
        large.writes[0].first().copied(),
        large.writes[1].first().copied(),
    );
    let large_order = large.order();
    let (pa, pb) = (large.pieces('A'), large.pieces('B'));
    // The first read that returned B's bytes, and whether A's write was still in the kernel.
    let first_b = large.reads.iter().position(|c| {
        c.pointer("/args/buf/data")
            .and_then(Value::as_str)
            .is_some_and(|d| d.starts_with('B'))
    });
    let a_end = la.and_then(|c| Some(ts(c) + c["dur_ns"].as_u64()?));
    let large_verdict = match (ctx.run, first_b, a_end) {
        (None, _, _) => t!(
            lang,
            "  With a run, this line says in how many pieces each record arrived.",
            "  有了运行记录，这一行会说明每条记录分成了几段到达。"
        ),
        (Some(_), Some(nth), Some(end))
            if large.reads.get(nth).is_some_and(|c| ts(c) < end) && pa > 1 =>
        {
            t!(
                lang,
                "  A's record arrived in {pa} pieces, B's in {pb}. Read number {} already returned B's bytes \
                 while A's write was still in the kernel: the records are interleaved.",
                "  A 的记录分 {pa} 段到达，B 的分 {pb} 段。第 {} 次 read 就已返回了 B 的字节，\
                 而 A 的 write 那时还在内核里：两条记录交错在一起。",
                nth + 1
            )
        }
        (Some(_), _, _) => t!(
            lang,
            "  A's record arrived in {pa} piece(s), B's in {pb}: not interleaved this time. Larger writes \
             may be cut, not must: run the lesson again.",
            "  A 的记录分 {pa} 段到达，B 的分 {pb} 段：这一次没有交错。更大的写入可能被切开，\
             而不是一定被切开：再运行一次本课。"
        ),
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "PIPE_BUF, and how much a pipe holds", "PIPE_BUF，以及管道能装多少"),
        lines: vec![
            call_line(ctx, small.pipe, "pipe2", &format!("[{r}, {w}], 0")),
            call_line(ctx, small.size, "fcntl", &format!("{w}, F_GETPIPE_SZ")),
            text(t!(
                lang,
                "  This pipe holds {capacity} bytes: a ring of {pages} pages. PIPE_BUF is 4096 \
                 (include/uapi/linux/limits.h): pipe(7) promises that a write of at most PIPE_BUF \
                 bytes goes into the pipe as one contiguous piece, even when other processes write \
                 to the same pipe; a larger write may be interleaved with theirs.",
                "  这根管道能装 {capacity} 字节：{pages} 个页组成的环。PIPE_BUF 是 4096\
                 （include/uapi/linux/limits.h）：pipe(7) 保证不超过 PIPE_BUF 字节的 write \
                 作为连续的一段进入管道，即使别的进程也在写同一根管道；更大的写入则可能与它们的交错。"
            )),
            ctx.func(
                "pipe_fcntl",
                t!(
                    lang,
                    "fs/pipe.c: F_GETPIPE_SZ and F_SETPIPE_SZ (since Linux {PIPE_RESIZE})",
                    "fs/pipe.c：F_GETPIPE_SZ 与 F_SETPIPE_SZ（从 Linux {PIPE_RESIZE} 起）"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "Two writers, both asleep in write",
            "两个写者，都在 write 里睡眠"
        ),
        lines: vec![
            text(t!(
                lang,
                "  pid {parent} forks writer A (pid {a}) and writer B (pid {b}). Each writes {n_small} \
                 records of 4096 bytes, one write each: A's bytes are all A, B's all B. The ring fills \
                 after {pages} records, and the next write sleeps:",
                "  pid {parent} fork 出写者 A（pid {a}）和写者 B（pid {b}）。每个写者写 {n_small} 条 \
                 4096 字节的记录，每条一次 write：A 的字节全是 A，B 的全是 B。环在 {pages} 条记录后就满了，\
                 下一次 write 便睡眠："
            )),
            record_line(ctx, slept, "write"),
            text(t!(
                lang,
                "    A's longest write took {}: it waited for room.",
                "    A 最长的一次 write 用了 {}：它在等空间。",
                micros(ctx, slept)
            )),
            text(t!(
                lang,
                "  The parent does not guess when that happens: it reads /proc/PID/syscall, where the \
                 kernel shows the call a sleeping process is in (number, then argument registers):",
                "  父进程并不去猜这件事何时发生：它读取 /proc/PID/syscall，内核在那里给出睡眠中的进程\
                 所在的系统调用（调用号，然后是各参数寄存器）："
            )),
            text(t!(lang, "    A: {}", "    A：{}", seen(small.blocked[0]))),
            text(t!(lang, "    B: {}", "    B：{}", seen(small.blocked[1]))),
            text(t!(
                lang,
                "  1 is write, {w_hex} the descriptor, 0x1000 the count (4096). A system call runs in the \
                 calling process's context, on its kernel stack, and may sleep there: both writers are \
                 now in the middle of write, each holding a record the pipe has no room for.",
                "  1 是 write，{w_hex} 是描述符，0x1000 是字节数（4096）。系统调用运行在调用进程的上下文里、\
                 用它的内核栈，并且可以在那里睡眠：两个写者此刻都停在 write 中间，各自拿着一条管道放不下的记录。"
            )),
            ctx.func(
                "anon_pipe_write",
                t!(
                    lang,
                    "fs/pipe.c, {LINUX_6_18} (pipe_write on {LINUX_6_1}): copies under pipe->mutex, lets go of it only to sleep",
                    "fs/pipe.c，{LINUX_6_18}（{LINUX_6_1} 上为 pipe_write）：持有 pipe->mutex 复制，只在睡眠时才放开"
                ),
            ),
            ctx.func(
                "pipe_write",
                t!(lang, "the same function in Linux {LINUX_6_1}", "Linux {LINUX_6_1} 中的同一个函数"),
            ),
            ctx.func(
                "prepare_to_wait_exclusive",
                t!(
                    lang,
                    "wait_event_interruptible_exclusive(pipe->wr_wait, ...): the sleeper joins the tail of the writers' queue",
                    "wait_event_interruptible_exclusive(pipe->wr_wait, ...)：睡眠者排到写者队列的末尾"
                ),
            ),
            ctx.func(
                "task_current_syscall",
                t!(
                    lang,
                    "lib/syscall.c: what /proc/PID/syscall shows of a blocked task",
                    "lib/syscall.c：/proc/PID/syscall 所显示的阻塞任务的信息"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "Records of PIPE_BUF bytes arrive whole",
            "PIPE_BUF 字节的记录完整到达"
        ),
        lines: vec![
            text(t!(
                lang,
                "  The parent closes its write end {w} and reads 4096 bytes at a time until end of file:",
                "  父进程关闭自己的写端 {w}，每次读 4096 字节，直到文件结束："
            )),
            record_line(ctx, small.reads.first().copied(), "read"),
            text(t!(
                lang,
                "    the pages in the order read, by writer: {}",
                "    按读出顺序排列的页，按写者标记：{}",
                order_text(ctx, &small_order, 12)
            )),
            text(small_verdict),
            text(t!(
                lang,
                "  A write of at most a page goes into one buffer of the ring, copied while the writer holds \
                 pipe->mutex; it never sleeps half done. The writers may take turns between records, \
                 never inside one.",
                "  不超过一页的写入进入环中的一个缓冲区，写者在持有 pipe->mutex 时完成复制；\
                 它不会写到一半就睡眠。写者可以在记录之间轮流，但绝不会在一条记录内部轮流。"
            )),
            ctx.func(
                "copy_page_from_iter",
                t!(
                    lang,
                    "the record's bytes into one page of the ring",
                    "记录的字节进入环中的一页"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "A record larger than the pipe arrives in pieces",
            "比管道还大的记录分段到达"
        ),
        lines: vec![
            text(t!(
                lang,
                "  Second round, on a new pipe: each writer writes one record of {} bytes, four times what the \
                 pipe holds, with one write:",
                "  第二轮，用一根新管道：每个写者用一次 write 写一条 {} 字节的记录，是管道容量的四倍：",
                get(ctx, la, "/args/count")
            )),
            record_line(ctx, la, "write"),
            text(t!(
                lang,
                "    A's write took {}",
                "    A 的 write 用了 {}",
                micros(ctx, la)
            )),
            record_line(ctx, lb, "write"),
            text(t!(
                lang,
                "    the pages in the order read, by writer: {}",
                "    按读出顺序排列的页，按写者标记：{}",
                order_text(ctx, &large_order, 12)
            )),
            text(large_verdict),
            text(t!(
                lang,
                "  A fills the ring and sleeps; so does B, behind it. Each read that makes room in a full \
                 ring wakes one writer, the head of the queue; a writer that fills the ring again goes \
                 back to sleep at the tail. So the writers take turns inside their records.",
                "  A 填满环后睡眠；B 也睡眠，排在它后面。每次在满的环里腾出空间的 read 唤醒一个写者，\
                 即队首的那个；再次填满环的写者回到队尾去睡。于是写者在各自的记录内部轮流写入。"
            )),
            ctx.func(
                "__wake_up_sync_key",
                t!(
                    lang,
                    "the reader's wake_up_interruptible_sync_poll(&pipe->wr_wait, ...): one exclusive waiter",
                    "读者的 wake_up_interruptible_sync_poll(&pipe->wr_wait, ...)：只唤醒一个独占等待者"
                ),
            ),
            ctx.func(
                "anon_pipe_read",
                t!(
                    lang,
                    "fs/pipe.c, {LINUX_6_18} (pipe_read on {LINUX_6_1}): wakes a writer only when the ring was full",
                    "fs/pipe.c，{LINUX_6_18}（{LINUX_6_1} 上为 pipe_read）：只在环原本是满的时才唤醒写者"
                ),
            ),
            text(t!(
                lang,
                "  For a program: several writers on one pipe (a log, make's job server) keep each record \
                 to PIPE_BUF bytes, or take a lock, or give each writer its own pipe.",
                "  对程序而言：多个写者共用一根管道（日志、make 的 job server）时，每条记录不超过 \
                 PIPE_BUF 字节，或者加锁，或者给每个写者一根自己的管道。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "Two writers on one pipe: what PIPE_BUF promises",
            "一根管道上的两个写者：PIPE_BUF 保证什么"
        ),
        source: source(ctx, "pipe-atomic", &["pipe-atomic"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo pipe-atomic` on 6.18): the two rounds' pipes, the
    /// writers' first and longest writes, the parent's looks at /proc/PID/syscall, and a few of
    /// its reads (payloads cut to 8 bytes).
    const RUN: &[&str] = &[
        r#"{"type":"syscall","syscall":"pipe2","pid":18095,"ts_ns":47455985789367,"args":{"flags":"0","pipefd":[3,4]},"ret":0,"errno":null,"dur_ns":12573}"#,
        r#"{"type":"syscall","syscall":"fcntl","pid":18095,"ts_ns":47455985803784,"args":{"cmd":"F_GETPIPE_SZ","fd":4},"ret":65536,"errno":null,"dur_ns":1242}"#,
        r#"{"type":"fork","pid":18095,"child":18096,"thread":false,"ts_ns":47455985968801}"#,
        r#"{"type":"syscall","syscall":"write","pid":18096,"ts_ns":47455988141933,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":4},"ret":4096,"errno":null,"dur_ns":3386}"#,
        r#"{"type":"syscall","syscall":"write","pid":18096,"ts_ns":47455988194221,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":4},"ret":4096,"errno":null,"dur_ns":1768537}"#,
        r#"{"type":"syscall","syscall":"openat","pid":18095,"ts_ns":47455988241008,"args":{"dfd":"AT_FDCWD","filename":"/proc/18096/syscall","flags":"O_RDONLY"},"ret":5,"errno":null,"dur_ns":29886}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455988272557,"args":{"buf":{"data":"1 0x4 0x5588bfc4dab0 0x1000 0x7f81602a90c8 0x0 0x7f81600598c0 0x7ffd4d4d6688 0x7f8160154350\\n","len":92},"count":160,"fd":5},"ret":92,"errno":null,"dur_ns":15799}"#,
        r#"{"type":"fork","pid":18095,"child":18097,"thread":false,"ts_ns":47455988519127}"#,
        r#"{"type":"syscall","syscall":"write","pid":18097,"ts_ns":47455988663115,"args":{"buf":{"data":"BBBBBBBB","len":4096,"truncated":true},"count":4096,"fd":4},"ret":4096,"errno":null,"dur_ns":1453310}"#,
        r#"{"type":"syscall","syscall":"openat","pid":18095,"ts_ns":47455989699187,"args":{"dfd":"AT_FDCWD","filename":"/proc/18097/syscall","flags":"O_RDONLY"},"ret":5,"errno":null,"dur_ns":9006}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455989709516,"args":{"buf":{"data":"1 0x4 0x5588bfc4dab0 0x1000 0x7f81602a90c8 0x0 0x7f81600598c0 0x7ffd4d4d6688 0x7f8160154350\\n","len":92},"count":160,"fd":5},"ret":92,"errno":null,"dur_ns":7354}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455989783935,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":6151}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455989802429,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":1693}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455990213496,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":3586}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455990232501,"args":{"buf":{"data":"BBBBBBBB","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":3577}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455990623771,"args":{"buf":{"data":"","len":0},"count":4096,"fd":3},"ret":0,"errno":null,"dur_ns":821}"#,
        r#"{"type":"syscall","syscall":"pipe2","pid":18095,"ts_ns":47455990722044,"args":{"flags":"0","pipefd":[3,4]},"ret":0,"errno":null,"dur_ns":11621}"#,
        r#"{"type":"syscall","syscall":"fcntl","pid":18095,"ts_ns":47455990735308,"args":{"cmd":"F_GETPIPE_SZ","fd":4},"ret":65536,"errno":null,"dur_ns":1333}"#,
        r#"{"type":"fork","pid":18095,"child":18098,"thread":false,"ts_ns":47455991092645}"#,
        r#"{"type":"syscall","syscall":"write","pid":18098,"ts_ns":47455992140213,"args":{"buf":{"data":"AAAAAAAA","len":262144,"truncated":true},"count":262144,"fd":4},"ret":262144,"errno":null,"dur_ns":3384996}"#,
        r#"{"type":"syscall","syscall":"openat","pid":18095,"ts_ns":47455992279067,"args":{"dfd":"AT_FDCWD","filename":"/proc/18098/syscall","flags":"O_RDONLY"},"ret":5,"errno":null,"dur_ns":10770}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455992291510,"args":{"buf":{"data":"1 0x4 0x7f8160018010 0x40000 0x7f81602a90c8 0x0 0x7f81600598c0 0x7ffd4d4d6688 0x7f8160154350\\n","len":93},"count":160,"fd":5},"ret":93,"errno":null,"dur_ns":9337}"#,
        r#"{"type":"fork","pid":18095,"child":18099,"thread":false,"ts_ns":47455992698158}"#,
        r#"{"type":"syscall","syscall":"write","pid":18099,"ts_ns":47455992849310,"args":{"buf":{"data":"BBBBBBBB","len":262144,"truncated":true},"count":262144,"fd":4},"ret":262144,"errno":null,"dur_ns":3399559}"#,
        r#"{"type":"syscall","syscall":"openat","pid":18095,"ts_ns":47455993869272,"args":{"dfd":"AT_FDCWD","filename":"/proc/18099/syscall","flags":"O_RDONLY"},"ret":5,"errno":null,"dur_ns":9678}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455993880242,"args":{"buf":{"data":"1 0x4 0x5588bfc5f240 0x40000 0x7f81602a90c8 0x0 0x7f81600598c0 0x7ffd4d4d6688 0x7f8160154350\\n","len":93},"count":160,"fd":5},"ret":93,"errno":null,"dur_ns":7875}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455993936507,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":10670}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455994330442,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":2024}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455994340871,"args":{"buf":{"data":"BBBBBBBB","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":1763}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455994353074,"args":{"buf":{"data":"AAAAAAAA","len":4096,"truncated":true},"count":4096,"fd":3},"ret":4096,"errno":null,"dur_ns":1894}"#,
        r#"{"type":"syscall","syscall":"read","pid":18095,"ts_ns":47455996396083,"args":{"buf":{"data":"","len":0},"count":4096,"fd":3},"ret":0,"errno":null,"dur_ns":741}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "pipe_fcntl",
            "anon_pipe_write",
            "anon_pipe_read",
            "prepare_to_wait_exclusive",
            "task_current_syscall",
            "copy_page_from_iter",
            "__wake_up_sync_key",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 18095  pipe2([3, 4], 0) = 0",
                "pid 18095  fcntl(4, F_GETPIPE_SZ) = 65536",
                "pid 18096  write(4, \"AAAA\"..., 4096) = 4096",
                "1768.5 us",
                "1 0x4 0x5588bfc4dab0 0x1000 0x7f81602a90c8",
                "pid 18095  read(3, \"AAAA\"..., 4096) = 4096",
                "Ax3 Bx1",
                "pid 18098  write(4, \"AAAA\"..., 262144) = 262144",
                "pid 18099  write(4, \"BBBB\"..., 262144) = 262144",
                "Ax2 Bx1 Ax1",
                ". anon_pipe_write",
                "- pipe_write",
            ],
        );
        assert!(
            en.contains("pid 18095 forks writer A (pid 18096) and writer B (pid 18097)"),
            "{en}"
        );
        assert!(en.contains("1 is write, 0x4 the descriptor"), "{en}");
        assert!(
            en.contains("Each of the 4 reads returned 4096 bytes"),
            "{en}"
        );
        assert!(
            en.contains(
                "A's record arrived in 2 pieces, B's in 1. Read number 3 already returned B's bytes"
            ),
            "{en}"
        );
        assert!(
            zh.contains("A 的记录分 2 段到达，B 的分 1 段。第 3 次 read"),
            "{zh}"
        );
    }

    /// A run where the large records did not interleave says so, and does not claim they did.
    #[test]
    fn a_run_without_interleaving_says_so() {
        let run: Vec<String> = RUN
            .iter()
            .map(|l| l.replace("\"data\":\"BBBBBBBB\"", "\"data\":\"AAAAAAAA\""))
            .collect();
        let lines: Vec<&str> = run.iter().map(String::as_str).collect();
        let run = testing::run(&lines);
        let ksyms = crate::kernel::ksyms::Ksyms::default();
        let lesson = lesson(&Ctx {
            ksyms: &ksyms,
            run: Some(&run),
            lang: crate::walkthrough::Lang::En,
            kernel: "6.18.0",
        });
        let text = crate::walkthrough::render(
            &lesson,
            crate::walkthrough::PrintFormat::Text,
            crate::walkthrough::Lang::En,
        );
        assert!(text.contains("not interleaved this time"), "{text}");
        assert!(!text.contains("the records are interleaved"), "{text}");
    }
}
