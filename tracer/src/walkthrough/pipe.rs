//! The pipe lesson: `tracer demo pipe`, a child writing to its parent through an anonymous pipe,
//! told from the calls of a run; the point is that `read` returns 0 (end of file) only once
//! every write end is closed, which is why the parent closes its own copy first.
//!
//! Kernel facts (fs/pipe.c): `pipe2` is `do_pipe2`, which makes the two files with
//! `create_pipe_files` (the pipe itself, a ring of `PIPE_DEF_BUFFERS` = 16 page buffers, comes
//! from `alloc_pipe_info`) and installs them with `fd_install`. `write` on the write end goes
//! `ksys_write` -> `vfs_write` -> `pipe_write` (Linux 6.1; `anon_pipe_write` since Linux 6.15,
//! 6.18 among them: Oleg Nesterov's "pipe: don't update {a,c,m}time for anonymous pipes" renamed
//! `pipe_read`/`pipe_write` for anonymous pipes, after 262b2fa99cbe "pipe: introduce struct
//! file_operations pipeanon_fops" gave them their own file operations), which copies the bytes from user memory into a ring page
//! (`copy_page_from_iter`) and wakes the reader; `read` goes `vfs_read` -> `pipe_read`
//! (`anon_pipe_read`), which copies them out (`copy_page_to_iter`) and, on an empty ring,
//! returns 0 when `pipe->writers` is 0 and otherwise sleeps in place,
//! `wait_event_interruptible_exclusive(pipe->rd_wait, pipe_readable(pipe))` (fs/pipe.c, Linux
//! 6.1 and 7.2; `pipe_wait_readable`, which fs/pipe.c calls the "stupid" wait model, serves
//! splice, not read).
//! The last `close` of either end ends in `pipe_release`.

use serde_json::Value;

use super::values::{call_line, get, micros, role, source, text};
use super::{Ctx, Lesson, Step};
use crate::versions::{LINUX_6_1, LINUX_6_18};

fn ts(c: Option<&Value>) -> u64 {
    c.and_then(|c| c["ts_ns"].as_u64()).unwrap_or(0)
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let pipe = ctx.run.and_then(|r| r.find(|c| c["syscall"] == "pipe2"));
    let parent = pipe.and_then(|c| c["pid"].as_i64());
    let child = ctx
        .run
        .zip(parent)
        .and_then(|(r, p)| r.children(p).first().copied());
    let (rfd, wfd) = (
        pipe.and_then(|c| c.pointer("/args/pipefd/0")?.as_i64()),
        pipe.and_then(|c| c.pointer("/args/pipefd/1")?.as_i64()),
    );
    let start = ts(pipe);
    // The calls after pipe2 by `pid` on `fd`.
    let calls = |pid: Option<i64>, name: &str, fd: Option<i64>| -> Vec<&Value> {
        match (ctx.run, pid, fd) {
            (Some(r), Some(pid), Some(fd)) => r.all(|c| {
                c["pid"] == pid
                    && c["syscall"] == name
                    && c["args"]["fd"] == fd
                    && c["ts_ns"].as_u64() > Some(start)
            }),
            _ => Vec::new(),
        }
    };
    let child_close_r = calls(child, "close", rfd).first().copied();
    let child_write = calls(child, "write", wfd).first().copied();
    let child_close_w = calls(child, "close", wfd).first().copied();
    let parent_close_w = calls(parent, "close", wfd).first().copied();
    let reads = calls(parent, "read", rfd);
    let parent_close_r = calls(parent, "close", rfd).last().copied();
    let first_read = reads.first().copied();
    let eof = reads.iter().find(|c| c["ret"] == 0).copied();

    let (r, w) = (
        get(ctx, pipe, "/args/pipefd/0"),
        get(ctx, pipe, "/args/pipefd/1"),
    );
    let ppid = get(ctx, pipe, "/pid");
    let cpid = child.map_or_else(|| get(ctx, None, ""), |c| c.to_string());
    let who = |c: Option<&Value>| role(ctx, parent, c.and_then(|c| c["pid"].as_i64()));
    let data = get(ctx, child_write, "/args/buf");
    let wlen = get(ctx, child_write, "/ret");
    let rlen = get(ctx, first_read, "/ret");
    let waited = micros(ctx, first_read);

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "pipe(): one pipe, two descriptors",
            "pipe()：一根管道，两个描述符"
        ),
        lines: vec![
            text(t!(
                lang,
                "In C: int fds[2]; pipe(fds); glibc makes it the newer call pipe2(fds, 0), number 293 on x86_64.",
                "C 语言里写作 int fds[2]; pipe(fds);，glibc 把它变成较新的调用 pipe2(fds, 0)，在 x86_64 上调用号为 293。"
            )),
            call_line(ctx, pipe, "pipe2", &format!("[{r}, {w}], 0")),
            text(t!(
                lang,
                "  fds[0] = {r} is the read end, fds[1] = {w} the write end: the lowest free descriptor numbers.",
                "  fds[0] = {r} 是读端，fds[1] = {w} 是写端：都是当时最小的空闲描述符号。"
            )),
            ctx.path_func(
                pipe,
                "do_pipe2",
                t!(lang, "fs/pipe.c: the body of pipe and pipe2", "fs/pipe.c：pipe 与 pipe2 的主体"),
            ),
            ctx.func(
                "create_pipe_files",
                t!(
                    lang,
                    "two struct file on one pipe inode: one opened O_RDONLY, one O_WRONLY",
                    "在同一个管道 inode 上建两个 struct file：一个以 O_RDONLY 打开，一个以 O_WRONLY 打开"
                ),
            ),
            ctx.func(
                "alloc_pipe_info",
                t!(
                    lang,
                    "the pipe itself: a ring of 16 page-sized buffers (64 KiB), readers = writers = 1",
                    "管道本身：由 16 个页大小的缓冲区组成的环（64 KiB），readers = writers = 1"
                ),
            ),
            ctx.func(
                "fd_install",
                t!(
                    lang,
                    "puts each file into the process's descriptor table",
                    "把每个文件放进进程的描述符表"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "fork(): both processes hold both ends",
            "fork()：两个进程都持有两端"
        ),
        lines: vec![
            text(t!(
                lang,
                "  pid {ppid} (the parent) forked pid {cpid} (the child).",
                "  pid {ppid}（父进程）fork 出了 pid {cpid}（子进程）。"
            )),
            text(t!(
                lang,
                "The child's descriptor table is a copy: its {r} and {w} point at the same two files. \
                 The pipe now has two readers and two writers.",
                "子进程的描述符表是一份副本：它的 {r} 和 {w} 指向同样的两个文件。\
                 现在这根管道有两个读者、两个写者。"
            )),
            text(t!(
                lang,
                "A pipe has no name: only processes that inherit its descriptors can use it (a FIFO gives it a path).",
                "管道没有名字：只有继承了它的描述符的进程才能使用它（FIFO 则给它一个路径名）。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "Each process closes the end it does not use",
            "各自关闭不用的一端"
        ),
        lines: vec![
            call_line(ctx, child_close_r, "close", &r),
            text(t!(
                lang,
                "    {}: the writer gives up its read end",
                "    {}：写者放弃它的读端",
                who(child_close_r)
            )),
            call_line(ctx, parent_close_w, "close", &w),
            text(t!(
                lang,
                "    {}: the reader gives up its write end. This is the call the lesson is about: \
                 without it the parent itself would still count as a writer.",
                "    {}：读者放弃它的写端。这正是本课的关键调用：\
                 没有它，父进程自己仍然算一个写者。",
                who(parent_close_w)
            )),
            text(t!(
                lang,
                "  Now the pipe has one reader (the parent's {r}) and one writer (the child's {w}).",
                "  现在管道只剩一个读者（父进程的 {r}）和一个写者（子进程的 {w}）。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "The child writes: user memory into the kernel",
            "子进程写入：从用户内存复制进内核"
        ),
        lines: vec![
            call_line(ctx, child_write, "write", &format!("{w}, {data}, {wlen}")),
            ctx.func(
                "ksys_write",
                t!(
                    lang,
                    "fd {w} to its struct file",
                    "由 fd {w} 找到 struct file"
                ),
            ),
            ctx.func(
                "vfs_write",
                t!(
                    lang,
                    "calls the file's write_iter: for a pipe, fs/pipe.c",
                    "调用文件的 write_iter：管道的在 fs/pipe.c"
                ),
            ),
            ctx.func(
                "pipe_write",
                t!(
                    lang,
                    "fs/pipe.c, Linux {LINUX_6_1}",
                    "fs/pipe.c，Linux {LINUX_6_1}"
                ),
            ),
            ctx.func(
                "anon_pipe_write",
                t!(
                    lang,
                    "its name for anonymous pipes in later kernels ({LINUX_6_18})",
                    "后来的内核（{LINUX_6_18}）中匿名管道用的名字"
                ),
            ),
            ctx.func(
                "copy_page_from_iter",
                t!(
                    lang,
                    "copy 1: the {wlen} bytes go from the child's memory into a page of the ring",
                    "第 1 次复制：{wlen} 字节从子进程的内存进入环中的一页"
                ),
            ),
            text(t!(
                lang,
                "  then the reader is woken; the child closes {w} and exits: no writer is left.",
                "  然后唤醒读者；子进程关闭 {w} 并退出：写者一个都不剩了。"
            )),
            call_line(ctx, child_close_w, "close", &w),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "The parent reads: the kernel into user memory",
            "父进程读取：从内核复制到用户内存"
        ),
        lines: vec![
            call_line(
                ctx,
                first_read,
                "read",
                &format!("{r}, {}, 64", get(ctx, first_read, "/args/buf")),
            ),
            text(t!(
                lang,
                "    {} asked for up to 64 bytes and got the {rlen} that were there; the call took {waited}, \
                 waiting for the child if the ring was still empty.",
                "    {}最多要 64 字节，拿到了管道里现有的 {rlen} 字节；这次调用用了 {waited}，\
                 如果环还是空的，就要等子进程写入。",
                who(first_read)
            )),
            ctx.func(
                "vfs_read",
                t!(
                    lang,
                    "calls the file's read_iter",
                    "调用文件的 read_iter"
                ),
            ),
            ctx.func(
                "pipe_read",
                t!(lang, "fs/pipe.c, Linux {LINUX_6_1}", "fs/pipe.c，Linux {LINUX_6_1}"),
            ),
            ctx.func(
                "anon_pipe_read",
                t!(
                    lang,
                    "its name for anonymous pipes in later kernels ({LINUX_6_18})",
                    "后来的内核（{LINUX_6_18}）中匿名管道用的名字"
                ),
            ),
            ctx.func(
                "copy_page_to_iter",
                t!(
                    lang,
                    "copy 2: from the ring page into the parent's buffer",
                    "第 2 次复制：从环中的页到父进程的缓冲区"
                ),
            ),
            text(t!(
                lang,
                "  Every byte through a pipe is copied twice, in and out (compare the shm lesson).",
                "  经过管道的每个字节都要复制两次，进一次、出一次（可与 shm 一课对照）。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "End of file: read returns 0",
            "文件结束：read 返回 0"
        ),
        lines: vec![
            call_line(
                ctx,
                eof,
                "read",
                &format!("{r}, {}, 64", get(ctx, eof, "/args/buf")),
            ),
            text(t!(
                lang,
                "  The ring is empty and pipe->writers is 0, so the pipe's read function returns 0 instead \
                 of sleeping: end of file. With writers > 0 it would sleep right there, in \
                 wait_event_interruptible_exclusive(pipe->rd_wait, pipe_readable(pipe)), until a write or \
                 the last close of a write end wakes it (fs/pipe.c; the function named pipe_wait_readable \
                 is the older \"stupid\" wait model that splice uses, not read).",
                "  环是空的，且 pipe->writers 为 0，于是管道的读函数返回 0 而不是睡眠：文件结束。\
                 如果 writers > 0，它就在原地睡眠：wait_event_interruptible_exclusive(pipe->rd_wait, \
                 pipe_readable(pipe))，直到有人写入或最后一个写端关闭把它唤醒（fs/pipe.c；名为 \
                 pipe_wait_readable 的函数是 splice 使用的旧式“笨”等待模型，read 不用它）。"
            )),
            text(t!(
                lang,
                "  Had the parent skipped close({w}), it would still be a writer itself, and this read \
                 would wait forever.",
                "  如果父进程没有调用 close({w})，它自己仍是一个写者，这次 read 就会永远等下去。"
            )),
            call_line(ctx, parent_close_r, "close", &r),
            ctx.func(
                "pipe_release",
                t!(
                    lang,
                    "the last close of an end: the pipe and its pages are freed when both ends are gone",
                    "某一端的最后一次 close：两端都关闭后，管道和它的页被释放"
                ),
            ),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "A pipe from child to parent, and end of file",
            "从子进程到父进程的管道，以及文件结束"
        ),
        source: source(ctx, "pipe", &["pipe"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo pipe` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"type":"syscall","syscall":"close","pid":17649,"ts_ns":1969376388972,"args":{"fd":3},"ret":0,"errno":null}"#,
        r#"{"type":"syscall","syscall":"pipe2","pid":17649,"ts_ns":1969376613134,"args":{"flags":"0","pipefd":[3,4]},"ret":0,"errno":null,"kernel_path":[{"func":"__x64_sys_pipe2","observed":false},{"func":"do_pipe2","observed":false}]}"#,
        r#"{"type":"fork","pid":17649,"tid":17649,"child":17651,"thread":false,"ts_ns":1969376738399}"#,
        r#"{"type":"syscall","syscall":"close","pid":17649,"ts_ns":1969376753011,"args":{"fd":4},"ret":0,"errno":null}"#,
        r#"{"type":"syscall","syscall":"close","pid":17651,"ts_ns":1969376795093,"args":{"fd":3},"ret":0,"errno":null}"#,
        r#"{"type":"syscall","syscall":"write","pid":17651,"ts_ns":1969376801513,"args":{"buf":{"data":"hello through a pipe","len":20},"count":20,"fd":4},"ret":20,"errno":null,"dur_ns":8663}"#,
        r#"{"type":"syscall","syscall":"close","pid":17651,"ts_ns":1969376838167,"args":{"fd":4},"ret":0,"errno":null}"#,
        r#"{"type":"syscall","syscall":"read","pid":17649,"ts_ns":1969376755445,"args":{"buf":{"data":"hello through a pipe","len":20},"count":64,"fd":3},"ret":20,"errno":null,"dur_ns":341175}"#,
        r#"{"type":"syscall","syscall":"read","pid":17649,"ts_ns":1969377175597,"args":{"buf":{"data":"","len":0},"count":64,"fd":3},"ret":0,"errno":null,"dur_ns":8473}"#,
        r#"{"type":"syscall","syscall":"close","pid":17649,"ts_ns":1969377231941,"args":{"fd":3},"ret":0,"errno":null}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "do_pipe2",
            "create_pipe_files",
            "alloc_pipe_info",
            "fd_install",
            "ksys_write",
            "vfs_write",
            "anon_pipe_write",
            "copy_page_from_iter",
            "vfs_read",
            "anon_pipe_read",
            "copy_page_to_iter",
            "pipe_release",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 17649  pipe2([3, 4], 0) = 0",
                "pid 17651  close(3) = 0",
                "pid 17649  close(4) = 0",
                "pid 17651  write(4, \"hello through a pipe\", 20) = 20",
                "pid 17649  read(3, \"hello through a pipe\", 64) = 20",
                "pid 17649  read(3, \"\", 64) = 0",
                "341.1 us",
                ". anon_pipe_write",
                "- pipe_write",
                ". do_pipe2",
            ],
        );
        assert!(en.contains("fds[0] = 3 is the read end"), "{en}");
        assert!(zh.contains("fds[0] = 3 是读端"), "{zh}");
        assert!(
            en.contains("pid 17649 (the parent) forked pid 17651"),
            "{en}"
        );
        assert!(
            zh.contains("pid 17649（父进程）fork 出了 pid 17651"),
            "{zh}"
        );
        assert!(en.contains("the child: the writer gives up"), "{en}");
        assert!(zh.contains("父进程：读者放弃它的写端"), "{zh}");
    }
}
