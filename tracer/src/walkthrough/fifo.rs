//! The FIFO lesson: `tracer demo fifo`, a pipe with a name. `mknod` puts the FIFO in the file
//! system; a writer child and a reader parent open it by path, and the bytes go through the
//! kernel exactly as through an anonymous pipe, never touching the disk.
//!
//! Kernel facts (Linux 6.1 and 6.18): `mknodat` is `do_mknodat` (fs/namei.c) -> `vfs_mknod`;
//! the file system's `mknod` calls `init_special_inode`, which for `S_IFIFO` gives the inode
//! the FIFO file operations of fs/pipe.c. `open` of a FIFO runs `fifo_open`, which attaches
//! the inode's pipe (allocated by the first opener) and, for a blocking open, waits in
//! `wait_for_partner` until the other end is open too. `read` and `write` are the pipe's:
//! `pipe_read`/`pipe_write` on 6.1, `fifo_pipe_read`/`fifo_pipe_write` on 6.18 (wrappers that
//! also update the file times).

use serde_json::Value;

use super::values::{call_line, get, micros, on_fd, source, text};
use super::{Ctx, Lesson, Step};
use crate::versions::{LINUX_6_1, LINUX_6_18};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let mknod = run.and_then(|r| r.find(|c| c["syscall"] == "mknodat" || c["syscall"] == "mknod"));
    let parent = mknod.map(|c| c["pid"].clone());
    let child = run
        .zip(mknod.and_then(|c| c["pid"].as_i64()))
        .and_then(|(r, p)| r.children(p).first().copied())
        .map(Value::from);
    // The demo's fds are the ones its first read and write used (the opens are not traced).
    let write = run.and_then(|r| {
        r.all(|c| {
            c["syscall"] == "write" && Some(&c["pid"]) == child.as_ref() && c["args"]["fd"] != 1
        })
        .first()
        .copied()
    });
    let wfd = write.map(|c| c["args"]["fd"].clone());
    let reads = run
        .map(|r| {
            r.all(|c| {
                c["syscall"] == "read"
                    && Some(&c["pid"]) == parent.as_ref()
                    && c["ts_ns"].as_u64() > mknod.and_then(|m| m["ts_ns"].as_u64())
            })
        })
        .unwrap_or_default();
    let first_read = reads.first().copied();
    let rfd = first_read.map(|c| c["args"]["fd"].clone());
    let eof = reads.iter().find(|c| c["ret"] == 0).copied();
    let w_close = on_fd(run, mknod, child.as_ref(), "close", wfd.as_ref())
        .first()
        .copied();
    let r_close = on_fd(run, mknod, parent.as_ref(), "close", rfd.as_ref())
        .last()
        .copied();
    let unlink = run
        .and_then(|r| r.find(|c| c["syscall"] == "unlink" && Some(&c["pid"]) == parent.as_ref()));

    let path = get(ctx, mknod, "/args/pathname");
    let mode = get(ctx, mknod, "/args/mode");
    let (ppid, cpid) = (get(ctx, mknod, "/pid"), get(ctx, write, "/pid"));
    let (w, r) = (
        get(ctx, write, "/args/fd"),
        get(ctx, first_read, "/args/fd"),
    );
    let waited = micros(ctx, first_read);

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "mknod: a pipe gets a name", "mknod：给管道一个名字"),
        lines: vec![
            call_line(
                ctx,
                mknod,
                "mknodat",
                &format!("AT_FDCWD, {path}, {mode}, 0"),
            ),
            text(t!(
                lang,
                "  mkfifo(path, 0600) is this call: a new inode of type S_IFIFO (p in ls -l) at {path}. \
                 Any process that can open the path can use the pipe: the processes need not be related, \
                 unlike with pipe().",
                "  mkfifo(path, 0600) 就是这个调用：在 {path} 处新建一个 S_IFIFO 类型（ls -l 中为 p）\
                 的 inode。任何能打开这个路径的进程都能使用这根管道：与 pipe() 不同，进程之间不必有亲缘关系。"
            )),
            ctx.path_func(
                mknod,
                "do_mknodat",
                t!(lang, "fs/namei.c", "fs/namei.c"),
            ),
            ctx.func(
                "vfs_mknod",
                t!(
                    lang,
                    "asks the file system that holds the directory to make the inode",
                    "请该目录所在的文件系统创建 inode"
                ),
            ),
            ctx.func(
                "init_special_inode",
                t!(
                    lang,
                    "S_IFIFO: the inode's file operations become the pipe's (fs/pipe.c)",
                    "S_IFIFO：inode 的文件操作换成管道的（fs/pipe.c）"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "open: the two ends meet", "open：两端相会"),
        lines: vec![
            text(t!(
                lang,
                "  pid {ppid} (the parent) forks pid {cpid} (the child). The child opens {path} O_WRONLY, \
                 the parent O_RDONLY: the child got descriptor {w}, the parent {r}.",
                "  pid {ppid}（父进程）fork 出 pid {cpid}（子进程）。子进程以 O_WRONLY 打开 {path}，\
                 父进程以 O_RDONLY 打开：子进程得到描述符 {w}，父进程得到 {r}。"
            )),
            text(t!(
                lang,
                "  (this lesson does not show the openat calls themselves: it reads each descriptor \
                 where it is used)",
                "  （本课不展示 openat 调用本身：每个描述符都在使用它的地方读出）"
            )),
            ctx.func(
                "fifo_open",
                t!(
                    lang,
                    "fs/pipe.c: attaches the inode's pipe, made by the first opener",
                    "fs/pipe.c：挂上该 inode 的管道，管道由第一个打开者创建"
                ),
            ),
            ctx.func(
                "wait_for_partner",
                t!(
                    lang,
                    "a blocking open of one end sleeps until the other end is opened: the only \
                     synchronisation the demo needs",
                    "以阻塞方式打开一端时会睡眠，直到另一端也被打开：这是演示程序唯一需要的同步"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The bytes go through the kernel, not the disk", "字节经过内核，而不是磁盘"),
        lines: vec![
            call_line(
                ctx,
                write,
                "write",
                &format!("{w}, {}, {}", get(ctx, write, "/args/buf"), get(ctx, write, "/args/count")),
            ),
            call_line(ctx, w_close, "close", &w),
            call_line(
                ctx,
                first_read,
                "read",
                &format!("{r}, {}, 64", get(ctx, first_read, "/args/buf")),
            ),
            text(t!(
                lang,
                "    the parent's read took {waited}",
                "    父进程的 read 用了 {waited}"
            )),
            ctx.func("pipe_write", t!(lang, "fs/pipe.c, Linux {LINUX_6_1}", "fs/pipe.c，Linux {LINUX_6_1}")),
            ctx.func(
                "fifo_pipe_write",
                t!(lang, "the FIFO's write on {LINUX_6_18}", "{LINUX_6_18} 上 FIFO 的 write"),
            ),
            ctx.func("pipe_read", t!(lang, "fs/pipe.c, Linux {LINUX_6_1}", "fs/pipe.c，Linux {LINUX_6_1}")),
            ctx.func(
                "fifo_pipe_read",
                t!(lang, "the FIFO's read on {LINUX_6_18}", "{LINUX_6_18} 上 FIFO 的 read"),
            ),
            text(t!(
                lang,
                "  The same ring of page buffers as an anonymous pipe, in memory: the file in the directory \
                 is only a name, its size stays 0.",
                "  和匿名管道一样，是内存中同样的页缓冲环：目录里的那个文件只是一个名字，\
                 大小始终为 0。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "End of file, and the name stays", "文件结束，而名字还在"),
        lines: vec![
            call_line(ctx, eof, "read", &format!("{r}, {}, 64", get(ctx, eof, "/args/buf"))),
            text(t!(
                lang,
                "  The writer closed its end, so read returns 0, as with a pipe.",
                "  写者关闭了它的一端，于是 read 返回 0，和管道一样。"
            )),
            call_line(ctx, r_close, "close", &r),
            call_line(ctx, unlink, "unlink", &path),
            text(t!(
                lang,
                "  Closing both ends frees the pipe but not the name: the FIFO stays in the directory, \
                 ready for the next pair of processes, until it is unlinked. This is the lesson: a FIFO \
                 is a pipe that unrelated processes find by path.",
                "  两端都关闭会释放管道，但不会删除名字：FIFO 留在目录里，等着下一对进程使用，\
                 直到被 unlink。这就是本课的重点：FIFO 是无亲缘关系的进程凭路径找到的管道。"
            )),
        ],
    });

    Lesson {
        title: t!(lang, "A FIFO: a pipe with a name", "FIFO：有名字的管道"),
        source: source(ctx, "fifo", &["fifo"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo fifo` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"dev":"0x0","dirfd":"AT_FDCWD","mode":"S_IFIFO|0600","pathname":"/tmp/tracer-demo-fifo-21306/fifo"},"dur_ns":41342,"kernel_path":[{"func":"do_mknodat","observed":false}],"pid":21306,"ret":0,"syscall":"mknodat","ts_ns":3655083478886,"type":"syscall"}"#,
        r#"{"child":21308,"pid":21306,"thread":false,"ts_ns":3655083724060,"type":"fork"}"#,
        r#"{"args":{"buf":{"data":"hello through a FIFO","len":20},"count":20,"fd":3},"dur_ns":4978,"pid":21308,"ret":20,"syscall":"write","ts_ns":3655083889164,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":3014,"pid":21308,"ret":0,"syscall":"close","ts_ns":3655083912960,"type":"syscall"}"#,
        r#"{"pid":21308,"ts_ns":3655083931317,"type":"exit"}"#,
        r#"{"args":{"buf":{"data":"hello through a FIFO","len":20},"count":64,"fd":3},"dur_ns":250181,"pid":21306,"ret":20,"syscall":"read","ts_ns":3655083858048,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"","len":0},"count":64,"fd":3},"dur_ns":20751,"pid":21306,"ret":0,"syscall":"read","ts_ns":3655084163711,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":5018,"pid":21306,"ret":0,"syscall":"close","ts_ns":3655084190230,"type":"syscall"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-fifo-21306/fifo"},"dur_ns":41161,"pid":21306,"ret":0,"syscall":"unlink","ts_ns":3655084247085,"type":"syscall"}"#,
        r#"{"pid":21306,"ts_ns":3655084543193,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "do_mknodat",
            "vfs_mknod",
            "init_special_inode",
            "fifo_open",
            "wait_for_partner",
            "fifo_pipe_write",
            "fifo_pipe_read",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 21306  mknodat(AT_FDCWD, /tmp/tracer-demo-fifo-21306/fifo, S_IFIFO|0600, 0) = 0",
                "pid 21308  write(3, \"hello through a FIFO\", 20) = 20",
                "pid 21308  close(3) = 0",
                "pid 21306  read(3, \"hello through a FIFO\", 64) = 20",
                "pid 21306  read(3, \"\", 64) = 0",
                "pid 21306  unlink(/tmp/tracer-demo-fifo-21306/fifo) = 0",
                "250.1 us",
                "- pipe_write",
                ". fifo_pipe_read",
            ],
        );
        assert!(
            en.contains("pid 21306 (the parent) forks pid 21308"),
            "{en}"
        );
        assert!(
            zh.contains("pid 21306（父进程）fork 出 pid 21308（子进程）"),
            "{zh}"
        );
    }
}
