//! The nonblock lesson: `tracer demo nonblock`. A call that would sleep fails with `EAGAIN`
//! instead: on a pipe whose open files carry `O_NONBLOCK`, and on a socket for the one call
//! that passes `MSG_DONTWAIT`; a write that does not fit is cut short first.
//!
//! Kernel facts: `F_SETFL` is `setfl` (fs/fcntl.c, static, under `do_fcntl`), which changes
//! `file->f_flags`: the flag belongs to the open file, shared by `dup` and `fork`, not to the
//! pipe. fs/pipe.c (`anon_pipe_read`/`anon_pipe_write` in 6.18 and 7.2, `pipe_read`/
//! `pipe_write` in 6.1): where the function would sleep, `filp->f_flags & O_NONBLOCK` makes it
//! return `-EAGAIN`, or what it wrote so far. pipe(7): with `O_NONBLOCK`, a write of at most
//! `PIPE_BUF` bytes is written whole or fails with `EAGAIN`; a larger one may be partial.
//! net/unix/af_unix.c: `unix_stream_read_generic` takes `timeo = sock_rcvtimeo(sk, flags &
//! MSG_DONTWAIT)`, 0 for `MSG_DONTWAIT`, and an empty queue with no timeout is `-EAGAIN`;
//! `unix_stream_sendmsg` allocates with `sock_alloc_send_pskb(..., msg->msg_flags &
//! MSG_DONTWAIT, ...)` (net/core/sock.c), which fails with `-EAGAIN` instead of waiting in
//! `sock_wait_for_wmem` when the send buffer is full. `EAGAIN` is 11 and `EWOULDBLOCK` the same
//! number on Linux (include/uapi/asm-generic/errno.h: `#define EWOULDBLOCK EAGAIN`).

use serde_json::Value;

use super::values::{call_line, get, source, text};
use super::{Ctx, Lesson, Step};
use crate::versions::{LINUX_6_1, LINUX_6_18};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let pipe = run.and_then(|r| r.find(|c| c["syscall"] == "pipe2"));
    let pid = pipe.map(|c| c["pid"].clone());
    let mine = |name: &'static str| -> Vec<&Value> {
        run.map(|r| {
            r.all(|c| {
                c["syscall"] == name
                    && Some(&c["pid"]) == pid.as_ref()
                    && c["ts_ns"].as_u64() >= pipe.and_then(|p| p["ts_ns"].as_u64())
                    && c["args"]["fd"] != 1
            })
        })
        .unwrap_or_default()
    };
    let fcntls = mine("fcntl");
    let (getfl_r, setfl_r, getfl_w, setfl_w) = (
        fcntls.first().copied(),
        fcntls.get(1).copied(),
        fcntls.get(2).copied(),
        fcntls.get(3).copied(),
    );
    let reads = mine("read");
    let writes = mine("write");
    let (empty_read, last_read) = (reads.first().copied(), reads.get(1).copied());
    let (big_write, full_write) = (writes.first().copied(), writes.get(1).copied());
    let pair = run.and_then(|r| r.find(|c| c["syscall"] == "socketpair"));
    let recvs = mine("recvfrom");
    let sends = mine("sendto");
    let (empty_recv, last_recv) = (recvs.first().copied(), recvs.get(1).copied());
    let (big_send, full_send) = (sends.first().copied(), sends.get(1).copied());

    let (r, w) = (
        get(ctx, pipe, "/args/pipefd/0"),
        get(ctx, pipe, "/args/pipefd/1"),
    );
    let (s0, s1) = (get(ctx, pair, "/args/sv/0"), get(ctx, pair, "/args/sv/1"));
    let short = |c: Option<&Value>, ptr: &str| {
        c.and_then(|c| c.pointer(ptr)).map_or_else(
            || get(ctx, None, ""),
            |b| match b.pointer("/data").and_then(Value::as_str) {
                Some(d) if d.chars().count() > 4 => {
                    format!("\"{}\"...", d.chars().take(4).collect::<String>())
                }
                Some(d) => format!("\"{d}\""),
                None => b.as_str().map_or_else(|| b.to_string(), String::from),
            },
        )
    };
    let rw = |c: Option<&Value>, name: &str, fd: &str| {
        call_line(
            ctx,
            c,
            name,
            &format!(
                "{fd}, {}, {}",
                short(c, "/args/buf"),
                get(ctx, c, "/args/count")
            ),
        )
    };
    let net = |c: Option<&Value>, name: &str, fd: &str| {
        call_line(
            ctx,
            c,
            name,
            &format!(
                "{fd}, {}, {}, {}",
                short(c, "/args/buf"),
                get(ctx, c, "/args/len"),
                get(ctx, c, "/args/flags")
            ),
        )
    };
    let offered = get(ctx, big_write, "/args/count");
    let wrote = get(ctx, big_write, "/ret");
    let sent = get(ctx, big_send, "/ret");
    let send_offered = get(ctx, big_send, "/args/len");

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "O_NONBLOCK: a flag of the open file",
            "O_NONBLOCK：打开文件上的标志"
        ),
        lines: vec![
            call_line(ctx, pipe, "pipe2", &format!("[{r}, {w}], 0")),
            call_line(ctx, getfl_r, "fcntl", &format!("{r}, F_GETFL")),
            call_line(
                ctx,
                setfl_r,
                "fcntl",
                &format!("{r}, F_SETFL, {}", get(ctx, setfl_r, "/args/arg")),
            ),
            call_line(ctx, getfl_w, "fcntl", &format!("{w}, F_GETFL")),
            call_line(
                ctx,
                setfl_w,
                "fcntl",
                &format!("{w}, F_SETFL, {}", get(ctx, setfl_w, "/args/arg")),
            ),
            text(t!(
                lang,
                "  F_GETFL reads the open file's flags (O_RDONLY is 0, O_WRONLY 1), F_SETFL writes them back \
                 with O_NONBLOCK added. The flag lives in the struct file, so every descriptor that shares \
                 it (after dup or fork) is non-blocking too. pipe2(fds, O_NONBLOCK) does the same in one call.",
                "  F_GETFL 读取打开文件的标志（O_RDONLY 为 0，O_WRONLY 为 1），F_SETFL 把加上 O_NONBLOCK \
                 的标志写回去。这个标志存放在 struct file 里，所以共享它的每个描述符（dup 或 fork 之后）\
                 也都是非阻塞的。pipe2(fds, O_NONBLOCK) 一次调用就能做到同样的事。"
            )),
            ctx.func(
                "__x64_sys_fcntl",
                t!(
                    lang,
                    "fs/fcntl.c: do_fcntl, then setfl changes file->f_flags",
                    "fs/fcntl.c：do_fcntl，再由 setfl 修改 file->f_flags"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "A read that would wait fails with EAGAIN",
            "本该等待的 read 以 EAGAIN 失败"
        ),
        lines: vec![
            call_line(
                ctx,
                empty_read,
                "read",
                &format!("{r}, {}, {}", get(ctx, empty_read, "/args/buf"), get(ctx, empty_read, "/args/count")),
            ),
            text(t!(
                lang,
                "  The ring is empty and a writer is still there (this process, on {w}): a blocking read would \
                 sleep until data came, here forever. With O_NONBLOCK the pipe's read returns -EAGAIN \
                 (11, also called EWOULDBLOCK) at the point where it would sleep. 0 still means end of file.",
                "  环是空的，而写者仍在（就是本进程，在 {w} 上）：阻塞的 read 会一直睡到有数据为止，\
                 在这里就是永远。有了 O_NONBLOCK，管道的读函数在本该睡眠的地方返回 -EAGAIN\
                 （11，也叫 EWOULDBLOCK）。返回 0 仍然表示文件结束。"
            )),
            ctx.func(
                "anon_pipe_read",
                t!(
                    lang,
                    "fs/pipe.c, {LINUX_6_18} (pipe_read on {LINUX_6_1}): O_NONBLOCK -> -EAGAIN instead of wait_event",
                    "fs/pipe.c，{LINUX_6_18}（{LINUX_6_1} 上为 pipe_read）：O_NONBLOCK -> 返回 -EAGAIN 而不是 wait_event"
                ),
            ),
            ctx.func(
                "pipe_read",
                t!(lang, "the same function in Linux {LINUX_6_1}", "Linux {LINUX_6_1} 中的同一个函数"),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "A write that does not fit: cut short, then EAGAIN",
            "放不下的 write：先被截短，然后 EAGAIN"
        ),
        lines: vec![
            rw(big_write, "write", &w),
            text(t!(
                lang,
                "    {offered} bytes offered, {wrote} taken: as much as the ring holds. A blocking write would \
                 sleep for room; a non-blocking one returns what it wrote (pipe(7): above PIPE_BUF a \
                 partial write may occur). The program must write the rest later.",
                "    提供了 {offered} 字节，写入了 {wrote} 字节：正好是环的容量。阻塞的 write 会睡眠等待空间；\
                 非阻塞的则返回已写入的字节数（pipe(7)：超过 PIPE_BUF 时可能只写入一部分）。\
                 剩下的要由程序以后再写。"
            )),
            rw(full_write, "write", &w),
            text(t!(
                lang,
                "    The ring is full: nothing fits, so -EAGAIN. A write of at most PIPE_BUF bytes is written \
                 whole or not at all.",
                "    环满了：一个字节也放不下，于是返回 -EAGAIN。不超过 PIPE_BUF 字节的写入要么完整写入，要么完全不写。"
            )),
            rw(last_read, "read", &r),
            ctx.func(
                "anon_pipe_write",
                t!(
                    lang,
                    "fs/pipe.c, {LINUX_6_18} (pipe_write on {LINUX_6_1}): on a full ring, O_NONBLOCK returns what was written, or -EAGAIN",
                    "fs/pipe.c，{LINUX_6_18}（{LINUX_6_1} 上为 pipe_write）：环满时，O_NONBLOCK 返回已写入的字节数或 -EAGAIN"
                ),
            ),
            ctx.func(
                "pipe_write",
                t!(lang, "the same function in Linux {LINUX_6_1}", "Linux {LINUX_6_1} 中的同一个函数"),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "A socket: MSG_DONTWAIT for one call",
            "套接字：只对一次调用生效的 MSG_DONTWAIT"
        ),
        lines: vec![
            call_line(ctx, pair, "socketpair", &format!("AF_UNIX, SOCK_STREAM, 0, [{s0}, {s1}]")),
            text(t!(
                lang,
                "  These sockets block; recv and send (recvfrom and sendto in the trace) ask for one call not to wait:",
                "  这对套接字是阻塞的；recv 和 send（跟踪中为 recvfrom 和 sendto）要求只有这一次调用不等待："
            )),
            net(empty_recv, "recvfrom", &s0),
            net(big_send, "sendto", &s1),
            text(t!(
                lang,
                "    {send_offered} bytes offered, {sent} taken: what the socket's send buffer (SO_SNDBUF, counted \
                 with the kernel's own overhead per buffer) allowed.",
                "    提供了 {send_offered} 字节，接收了 {sent} 字节：这是套接字发送缓冲区（SO_SNDBUF，\
                 连同内核为每个缓冲区计入的开销）所允许的量。"
            )),
            net(full_send, "sendto", &s1),
            net(last_recv, "recvfrom", &s0),
            ctx.func(
                "__sys_recvfrom",
                t!(lang, "net/socket.c: recv and recvfrom", "net/socket.c：recv 与 recvfrom"),
            ),
            ctx.func(
                "unix_stream_read_generic",
                t!(
                    lang,
                    "timeo = sock_rcvtimeo(sk, MSG_DONTWAIT) is 0: an empty queue returns -EAGAIN",
                    "timeo = sock_rcvtimeo(sk, MSG_DONTWAIT) 为 0：队列为空时返回 -EAGAIN"
                ),
            ),
            ctx.func(
                "sock_alloc_send_pskb",
                t!(
                    lang,
                    "net/core/sock.c: with the send buffer full, -EAGAIN instead of sock_wait_for_wmem",
                    "net/core/sock.c：发送缓冲区满时返回 -EAGAIN，而不是进入 sock_wait_for_wmem 等待"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "What a program does with EAGAIN", "程序如何对待 EAGAIN"),
        lines: vec![text(t!(
            lang,
            "  EAGAIN is not a failure of the pipe or the socket: it says \"not now\". A non-blocking \
             program waits for readiness with poll or epoll (POLLIN, POLLOUT) and then retries, writing the \
             rest of a short write. That is how one thread serves many descriptors without sleeping in \
             any one of them.",
            "  EAGAIN 并不表示管道或套接字出了错：它的意思是“现在不行”。非阻塞程序用 poll 或 epoll\
             （POLLIN、POLLOUT）等待就绪，然后重试，把被截短的写入剩下的部分写完。一个线程就是这样\
             服务许多描述符、而不在其中任何一个上睡眠的。"
        ))],
    });

    Lesson {
        title: t!(
            lang,
            "Not waiting: O_NONBLOCK, MSG_DONTWAIT and EAGAIN",
            "不等待：O_NONBLOCK、MSG_DONTWAIT 与 EAGAIN"
        ),
        source: source(ctx, "nonblock", &["nonblock"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo nonblock` on 6.18), from the pipe on; payloads cut
    /// to 8 bytes.
    const RUN: &[&str] = &[
        r#"{"type":"syscall","syscall":"pipe2","pid":25386,"ts_ns":48474218097147,"args":{"flags":"0","pipefd":[3,4]},"ret":0,"errno":null,"dur_ns":9809}"#,
        r#"{"type":"syscall","syscall":"fcntl","pid":25386,"ts_ns":48474218108088,"args":{"cmd":"F_GETFL","fd":3},"ret":0,"errno":null,"dur_ns":751}"#,
        r#"{"type":"syscall","syscall":"fcntl","pid":25386,"ts_ns":48474218109380,"args":{"arg":"O_RDONLY|O_NONBLOCK","cmd":"F_SETFL","fd":3},"ret":0,"errno":null,"dur_ns":361}"#,
        r#"{"type":"syscall","syscall":"fcntl","pid":25386,"ts_ns":48474218110342,"args":{"cmd":"F_GETFL","fd":4},"ret":1,"errno":null,"dur_ns":310}"#,
        r#"{"type":"syscall","syscall":"fcntl","pid":25386,"ts_ns":48474218111264,"args":{"arg":"O_WRONLY|O_NONBLOCK","cmd":"F_SETFL","fd":4},"ret":0,"errno":null,"dur_ns":320}"#,
        r#"{"type":"syscall","syscall":"read","pid":25386,"ts_ns":48474218144275,"args":{"buf":"0x7ffefd23c860","count":64,"fd":3},"ret":-11,"errno":"EAGAIN","dur_ns":1092}"#,
        r#"{"type":"syscall","syscall":"write","pid":25386,"ts_ns":48474218235435,"args":{"buf":{"data":"xxxxxxxx","len":100000,"truncated":true},"count":100000,"fd":4},"ret":65536,"errno":null,"dur_ns":16451}"#,
        r#"{"type":"syscall","syscall":"write","pid":25386,"ts_ns":48474218266794,"args":{"buf":{"data":"x","len":1},"count":1,"fd":4},"ret":-11,"errno":"EAGAIN","dur_ns":541}"#,
        r#"{"type":"syscall","syscall":"read","pid":25386,"ts_ns":48474218271372,"args":{"buf":{"data":"xxxxxxxx","len":64,"truncated":true},"count":64,"fd":3},"ret":64,"errno":null,"dur_ns":942}"#,
        r#"{"type":"syscall","syscall":"socketpair","pid":25386,"ts_ns":48474218302189,"args":{"domain":"AF_UNIX","protocol":0,"sv":[3,4],"type":"SOCK_STREAM"},"ret":0,"errno":null,"dur_ns":18295}"#,
        r#"{"type":"syscall","syscall":"recvfrom","pid":25386,"ts_ns":48474218335662,"args":{"addrlen":"NULL","buf":"0x7ffefd23c860","flags":"MSG_DONTWAIT","len":64,"sockfd":3,"src_addr":null},"ret":-11,"errno":"EAGAIN","dur_ns":2474}"#,
        r#"{"type":"syscall","syscall":"sendto","pid":25386,"ts_ns":48474219009999,"args":{"addrlen":0,"buf":{"data":"yyyyyyyy","len":1048576,"truncated":true},"dest_addr":null,"flags":"MSG_DONTWAIT","len":1048576,"sockfd":4},"ret":219264,"errno":null,"dur_ns":41327}"#,
        r#"{"type":"syscall","syscall":"sendto","pid":25386,"ts_ns":48474219070152,"args":{"addrlen":0,"buf":{"data":"y","len":1},"dest_addr":null,"flags":"MSG_DONTWAIT","len":1,"sockfd":4},"ret":-11,"errno":"EAGAIN","dur_ns":821}"#,
        r#"{"type":"syscall","syscall":"recvfrom","pid":25386,"ts_ns":48474219075401,"args":{"addrlen":"NULL","buf":{"data":"yyyyyyyy","len":64,"truncated":true},"flags":"MSG_DONTWAIT","len":64,"sockfd":3,"src_addr":null},"ret":64,"errno":null,"dur_ns":5110}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "__x64_sys_fcntl",
            "anon_pipe_read",
            "anon_pipe_write",
            "__sys_recvfrom",
            "unix_stream_read_generic",
            "sock_alloc_send_pskb",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 25386  fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK) = 0",
                "pid 25386  fcntl(4, F_GETFL) = 1",
                "pid 25386  read(3, 0x7ffefd23c860, 64) = -11 EAGAIN",
                "pid 25386  write(4, \"xxxx\"..., 100000) = 65536",
                "pid 25386  write(4, \"x\", 1) = -11 EAGAIN",
                "pid 25386  recvfrom(3, 0x7ffefd23c860, 64, MSG_DONTWAIT) = -11 EAGAIN",
                "pid 25386  sendto(4, \"yyyy\"..., 1048576, MSG_DONTWAIT) = 219264",
                "pid 25386  sendto(4, \"y\", 1, MSG_DONTWAIT) = -11 EAGAIN",
                "pid 25386  recvfrom(3, \"yyyy\"..., 64, MSG_DONTWAIT) = 64",
                ". anon_pipe_read",
                "- pipe_read",
            ],
        );
        assert!(en.contains("100000 bytes offered, 65536 taken"), "{en}");
        assert!(zh.contains("提供了 100000 字节，写入了 65536 字节"), "{zh}");
        assert!(en.contains("1048576 bytes offered, 219264 taken"), "{en}");
    }
}
