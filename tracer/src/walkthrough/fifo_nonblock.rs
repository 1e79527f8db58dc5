//! The fifo-nonblock lesson: `tracer demo fifo-nonblock`, one process opening a FIFO with
//! `O_NONBLOCK`. The read end opens without a writer; the write end without a reader fails with
//! `ENXIO`; and a read tells "no writer" (0, end of file) from "no data yet" (`EAGAIN`).
//!
//! Kernel facts (fs/pipe.c `fifo_open`, the same in 6.1, 6.18 and 7.2): `FMODE_READ` with
//! `O_NONBLOCK` skips `wait_for_partner` ("POSIX.1 says that O_NONBLOCK means return with the
//! FIFO opened, even when there is no process writing the FIFO"); `FMODE_WRITE` returns
//! `-ENXIO` when `(filp->f_flags & O_NONBLOCK) && !pipe->readers` ("... return -1 with
//! errno=ENXIO when there is no process reading the FIFO"). The read: `anon_pipe_read` on an
//! empty ring returns 0 when `pipe->writers` is 0, else `-EAGAIN` for `O_NONBLOCK`
//! (`fifo_pipe_read` wraps it on 6.18; 6.1 has `pipe_read` for both).

use serde_json::Value;

use super::values::{call_line, get, rw_line, source, text};
use super::{Ctx, Lesson, Step};
use crate::versions::{LINUX_6_1, LINUX_6_18};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let mknod = run.and_then(|r| r.find(|c| c["syscall"] == "mknodat"));
    let path = mknod.map(|c| c["args"]["pathname"].clone());
    let opens: Vec<&Value> = run
        .map(|r| {
            r.all(|c| c["syscall"] == "openat" && Some(&c["args"]["filename"]) == path.as_ref())
        })
        .unwrap_or_default();
    let (refused, reader, writer) = (
        opens.first().copied(),
        opens.get(1).copied(),
        opens.get(2).copied(),
    );
    let rfd = reader.map(|c| c["ret"].clone());
    let wfd = writer.map(|c| c["ret"].clone());
    let start = mknod.and_then(|c| c["ts_ns"].as_u64());
    let on = |name: &str, fd: Option<&Value>| -> Vec<&Value> {
        match (run, fd) {
            (Some(r), Some(fd)) => r.all(|c| {
                c["syscall"] == name && &c["args"]["fd"] == fd && c["ts_ns"].as_u64() > start
            }),
            _ => Vec::new(),
        }
    };
    let reads = on("read", rfd.as_ref());
    let (eof, again, data) = (
        reads.first().copied(),
        reads.get(1).copied(),
        reads.get(2).copied(),
    );
    let write = on("write", wfd.as_ref()).first().copied();
    let unlink = run.and_then(|r| r.find(|c| c["syscall"] == "unlink"));

    let p = get(ctx, mknod, "/args/pathname");
    let (r, w) = (get(ctx, reader, "/ret"), get(ctx, writer, "/ret"));
    let open_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "openat",
            &format!("AT_FDCWD, {p}, {}", get(ctx, c, "/args/flags")),
        )
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "A writer with no reader: ENXIO",
            "没有读者时的写者：ENXIO"
        ),
        lines: vec![
            call_line(
                ctx,
                mknod,
                "mknodat",
                &format!("AT_FDCWD, {p}, {}, 0", get(ctx, mknod, "/args/mode")),
            ),
            open_line(refused),
            text(t!(
                lang,
                "  A blocking open for writing would sleep until a reader came (the fifo lesson). With \
                 O_NONBLOCK it cannot wait, and POSIX says: fail with ENXIO (6), \"no such device or \
                 address\": there is nobody at the other end to write to.",
                "  以阻塞方式打开写端会一直睡到有读者到来（见 fifo 一课）。有了 O_NONBLOCK 就不能等，\
                 POSIX 规定：以 ENXIO（6，“没有这样的设备或地址”）失败：另一端没有人可以写给它。"
            )),
            ctx.func(
                "fifo_open",
                t!(
                    lang,
                    "fs/pipe.c: FMODE_WRITE, O_NONBLOCK and pipe->readers == 0: -ENXIO",
                    "fs/pipe.c：FMODE_WRITE、O_NONBLOCK 且 pipe->readers == 0：返回 -ENXIO"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "A reader with no writer opens at once",
            "没有写者时读者立即打开"
        ),
        lines: vec![
            open_line(reader),
            text(t!(
                lang,
                "  The read end opens without waiting: a reader may come first and wait for data later. \
                 Its first read:",
                "  读端不用等待就打开了：读者可以先来，以后再等数据。它的第一次 read："
            )),
            rw_line(ctx, eof, "read", &r),
            text(t!(
                lang,
                "  0, end of file: the ring is empty and no process has the FIFO open for writing. Not EAGAIN: \
                 with no writer at all there is nothing to wait for.",
                "  0，文件结束：环是空的，也没有任何进程以写方式打开这个 FIFO。不是 EAGAIN：\
                 连写者都没有，也就没有什么可等的。"
            )),
            ctx.func(
                "wait_for_partner",
                t!(
                    lang,
                    "where a blocking open would sleep; O_NONBLOCK skips it",
                    "阻塞的 open 会在这里睡眠；O_NONBLOCK 跳过了它"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "With a reader, the writer opens; the reader gets EAGAIN",
            "有了读者，写者就能打开；读者得到 EAGAIN"
        ),
        lines: vec![
            open_line(writer),
            text(t!(
                lang,
                "  The same open as in step 1, now with a reader ({r}): it succeeds.",
                "  与第 1 步相同的 open，现在有了读者（{r}）：它成功了。"
            )),
            rw_line(ctx, again, "read", &r),
            text(t!(
                lang,
                "  Now a writer exists ({w}) but has written nothing: a blocking read would sleep, this one \
                 fails with EAGAIN. 0 means \"no writer\", EAGAIN \"no data yet\".",
                "  现在有了写者（{w}），但它什么也没写：阻塞的 read 会睡眠，这一次以 EAGAIN 失败。\
                 0 表示“没有写者”，EAGAIN 表示“暂时没有数据”。"
            )),
            rw_line(ctx, write, "write", &w),
            rw_line(ctx, data, "read", &r),
            call_line(ctx, unlink, "unlink", &p),
            ctx.func(
                "fifo_pipe_read",
                t!(
                    lang,
                    "the FIFO's read on {LINUX_6_18} (pipe_read on {LINUX_6_1}): empty ring, writers: -EAGAIN; no writers: 0",
                    "{LINUX_6_18} 上 FIFO 的 read（{LINUX_6_1} 上为 pipe_read）：环为空且有写者：-EAGAIN；没有写者：0"
                ),
            ),
            ctx.func(
                "pipe_read",
                t!(lang, "fs/pipe.c, Linux {LINUX_6_1}", "fs/pipe.c，Linux {LINUX_6_1}"),
            ),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "Opening a FIFO without waiting: O_NONBLOCK and ENXIO",
            "不等待地打开 FIFO：O_NONBLOCK 与 ENXIO"
        ),
        source: source(ctx, "fifo-nonblock", &["fifo-nonblock"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo fifo-nonblock` on 6.18), from the mknod on.
    const RUN: &[&str] = &[
        r#"{"type":"syscall","syscall":"mknodat","pid":1526,"ts_ns":50193615490587,"args":{"dev":"0","dirfd":"AT_FDCWD","mode":"S_IFIFO|0600","pathname":"/tmp/tracer-demo-fifo-nonblock-1526/fifo"},"ret":0,"errno":null,"dur_ns":36808}"#,
        r#"{"type":"syscall","syscall":"openat","pid":1526,"ts_ns":50193615640847,"args":{"dfd":"AT_FDCWD","filename":"/tmp/tracer-demo-fifo-nonblock-1526/fifo","flags":"O_WRONLY|O_NONBLOCK"},"ret":-6,"errno":"ENXIO","dur_ns":13835}"#,
        r#"{"type":"syscall","syscall":"openat","pid":1526,"ts_ns":50193615676253,"args":{"dfd":"AT_FDCWD","filename":"/tmp/tracer-demo-fifo-nonblock-1526/fifo","flags":"O_RDONLY|O_NONBLOCK"},"ret":3,"errno":null,"dur_ns":6882}"#,
        r#"{"type":"syscall","syscall":"read","pid":1526,"ts_ns":50193615698805,"args":{"buf":{"data":"","len":0},"count":64,"fd":3},"ret":0,"errno":null,"dur_ns":801}"#,
        r#"{"type":"syscall","syscall":"openat","pid":1526,"ts_ns":50193615713292,"args":{"dfd":"AT_FDCWD","filename":"/tmp/tracer-demo-fifo-nonblock-1526/fifo","flags":"O_WRONLY|O_NONBLOCK"},"ret":4,"errno":null,"dur_ns":4388}"#,
        r#"{"type":"syscall","syscall":"read","pid":1526,"ts_ns":50193615731105,"args":{"buf":"0x7fff3d5e3130","count":64,"fd":3},"ret":-11,"errno":"EAGAIN","dur_ns":671}"#,
        r#"{"type":"syscall","syscall":"write","pid":1526,"ts_ns":50193615773895,"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"ret":5,"errno":null,"dur_ns":4087}"#,
        r#"{"type":"syscall","syscall":"read","pid":1526,"ts_ns":50193615779174,"args":{"buf":{"data":"hello","len":5},"count":64,"fd":3},"ret":5,"errno":null,"dur_ns":1574}"#,
        r#"{"type":"syscall","syscall":"close","pid":1526,"ts_ns":50193615806626,"args":{"fd":4},"ret":0,"errno":null,"dur_ns":3296}"#,
        r#"{"type":"syscall","syscall":"close","pid":1526,"ts_ns":50193615810994,"args":{"fd":3},"ret":0,"errno":null,"dur_ns":3757}"#,
        r#"{"type":"syscall","syscall":"unlink","pid":1526,"ts_ns":50193615817736,"args":{"pathname":"/tmp/tracer-demo-fifo-nonblock-1526/fifo"},"ret":0,"errno":null,"dur_ns":26079}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&["fifo_open", "wait_for_partner", "fifo_pipe_read"]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 1526   openat(AT_FDCWD, /tmp/tracer-demo-fifo-nonblock-1526/fifo, O_WRONLY|O_NONBLOCK) = -6 ENXIO",
                "pid 1526   openat(AT_FDCWD, /tmp/tracer-demo-fifo-nonblock-1526/fifo, O_RDONLY|O_NONBLOCK) = 3",
                "pid 1526   read(3, \"\", 64) = 0",
                "pid 1526   openat(AT_FDCWD, /tmp/tracer-demo-fifo-nonblock-1526/fifo, O_WRONLY|O_NONBLOCK) = 4",
                "pid 1526   read(3, 0x7fff3d5e3130, 64) = -11 EAGAIN",
                "pid 1526   write(4, \"hello\", 5) = 5",
                "pid 1526   read(3, \"hello\", 64) = 5",
                ". fifo_open",
                "- pipe_read",
            ],
        );
        assert!(en.contains("now with a reader (3): it succeeds"), "{en}");
        assert!(zh.contains("现在有了写者（4）"), "{zh}");
    }
}
