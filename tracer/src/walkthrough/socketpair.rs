//! The socketpair lesson: `tracer demo socketpair`, two connected UNIX stream sockets shared
//! by a parent and its child across `fork`; "ping" goes one way and "pong" the other way
//! through the same pair, where a pipe would need two.
//!
//! Kernel facts (net/socket.c and net/unix/af_unix.c, Linux 6.1 and 6.18): `socketpair` is
//! `__sys_socketpair`, which creates two sockets (`__sock_create` twice), lets the family
//! connect them (`unix_socketpair`: each becomes the other's peer), and gives each a file
//! (`sock_alloc_file`) and a descriptor. No name, no `bind`, `listen`, `accept` or `connect`.
//! Data then flows as on any connected stream socket (`unix_stream_sendmsg`,
//! `unix_stream_recvmsg`), in both directions on each descriptor.

use serde_json::Value;

use super::values::{call_line, get, micros, on_fd, rw_line, source, text};
use super::{Ctx, Lesson, Step};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let pair = run.and_then(|r| r.find(|c| c["syscall"] == "socketpair"));
    let parent = pair.map(|c| c["pid"].clone());
    let child = run
        .zip(pair.and_then(|c| c["pid"].as_i64()))
        .and_then(|(r, p)| r.children(p).first().copied())
        .map(Value::from);
    let (s0, s1) = (
        pair.and_then(|c| c.pointer("/args/sv/0")).cloned(),
        pair.and_then(|c| c.pointer("/args/sv/1")).cloned(),
    );
    let one = |pid: &Option<Value>, name: &str, fd: &Option<Value>, last: bool| {
        let v = on_fd(run, pair, pid.as_ref(), name, fd.as_ref());
        if last {
            v.last().copied()
        } else {
            v.first().copied()
        }
    };
    let p_close = one(&parent, "close", &s1, false);
    let c_close = one(&child, "close", &s0, false);
    let ping = one(&child, "write", &s1, false);
    let ping_in = one(&parent, "read", &s0, false);
    let pong = one(&parent, "write", &s0, false);
    let pong_in = one(&child, "read", &s1, false);
    let p_end = one(&parent, "close", &s0, true);
    let c_end = one(&child, "close", &s1, true);

    let (a, b) = (get(ctx, pair, "/args/sv/0"), get(ctx, pair, "/args/sv/1"));
    let (ppid, cpid) = (get(ctx, pair, "/pid"), get(ctx, ping, "/pid"));
    let rw = |c: Option<&Value>, name: &str, fd: &str| rw_line(ctx, c, name, fd);
    let waited = micros(ctx, ping_in);

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "socketpair: two sockets, already connected",
            "socketpair：两个已经连好的套接字"
        ),
        lines: vec![
            call_line(ctx, pair, "socketpair", &format!("AF_UNIX, SOCK_STREAM, 0, [{a}, {b}]")),
            text(t!(
                lang,
                "  sv[0] = {a} and sv[1] = {b} are two ends of one connection: what is written to one \
                 is read from the other, in either direction. No name, so nothing to bind, listen, \
                 accept or connect.",
                "  sv[0] = {a} 和 sv[1] = {b} 是同一条连接的两端：写进一端的数据从另一端读出，\
                 两个方向都可以。没有名字，所以无需 bind、listen、accept 或 connect。"
            )),
            ctx.path_func(
                pair,
                "__sys_socketpair",
                t!(lang, "net/socket.c: makes both sockets", "net/socket.c：创建两个套接字"),
            ),
            ctx.func(
                "unix_socketpair",
                t!(
                    lang,
                    "net/unix/af_unix.c: makes each socket the other's peer",
                    "net/unix/af_unix.c：让两个套接字互为对端"
                ),
            ),
            ctx.func(
                "sock_alloc_file",
                t!(
                    lang,
                    "a struct file for each socket, then a descriptor",
                    "为每个套接字建一个 struct file，再分配描述符"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "fork, and each side keeps one end",
            "fork 之后各自保留一端"
        ),
        lines: vec![
            text(t!(
                lang,
                "  pid {ppid} (the parent) forks pid {cpid} (the child); both now hold {a} and {b}.",
                "  pid {ppid}（父进程）fork 出 pid {cpid}（子进程）；两者现在都持有 {a} 和 {b}。"
            )),
            call_line(ctx, p_close, "close", &b),
            call_line(ctx, c_close, "close", &a),
            text(t!(
                lang,
                "  The parent keeps {a}, the child keeps {b}. As with a pipe, closing the unused copies \
                 is what lets each side see end of file when the other one closes.",
                "  父进程保留 {a}，子进程保留 {b}。和管道一样，关掉用不着的副本，\
                 对方关闭时这一方才能看到文件结束。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "ping one way, pong the other", "ping 过去，pong 回来"),
        lines: vec![
            rw(ping, "write", &b),
            rw(ping_in, "read", &a),
            text(t!(
                lang,
                "    the parent's read waited {waited} for the child's ping",
                "    父进程的 read 等了 {waited}，等子进程的 ping"
            )),
            rw(pong, "write", &a),
            rw(pong_in, "read", &b),
            ctx.func(
                "unix_stream_sendmsg",
                t!(
                    lang,
                    "queues the bytes on the peer socket",
                    "把字节排进对端套接字的队列"
                ),
            ),
            ctx.func(
                "unix_stream_recvmsg",
                t!(lang, "takes them off", "把它们取走"),
            ),
            text(t!(
                lang,
                "  This is the lesson: each descriptor both writes and reads. A pipe is one-way: the \
                 same exchange would take two pipes and four descriptors.",
                "  这就是本课的重点：每个描述符既能写也能读。管道是单向的：同样的来回要用两根管道、四个描述符。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "Closing", "关闭"),
        lines: vec![
            call_line(ctx, c_end, "close", &b),
            call_line(ctx, p_end, "close", &a),
            ctx.func(
                "unix_release_sock",
                t!(
                    lang,
                    "the peer is told: its next read returns 0, its next write fails with EPIPE",
                    "对端会得到通知：它的下一次 read 返回 0，下一次 write 以 EPIPE 失败"
                ),
            ),
            text(t!(
                lang,
                "  A socket pair is the usual channel between a parent and a child, or two threads, that \
                 need to talk both ways without touching the file system; it can also carry file \
                 descriptors (SCM_RIGHTS), which a pipe cannot.",
                "  套接字对是父子进程（或两个线程）之间双向通信、又不必碰文件系统时的常用通道；\
                 它还能传递文件描述符（SCM_RIGHTS），这是管道做不到的。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "socketpair: a two-way channel between parent and child",
            "socketpair：父子进程之间的双向通道"
        ),
        source: source(ctx, "socketpair", &["socketpair"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo socketpair` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"sv":[3,4],"type":"SOCK_STREAM"},"dur_ns":20761,"kernel_path":[{"func":"__sys_socketpair","observed":false},{"func":"__sock_create","observed":false}],"pid":20656,"ret":0,"syscall":"socketpair","ts_ns":3639908136715,"type":"syscall"}"#,
        r#"{"child":20658,"pid":20656,"thread":false,"ts_ns":3639908326316,"type":"fork"}"#,
        r#"{"args":{"fd":4},"dur_ns":1573,"pid":20656,"ret":0,"syscall":"close","ts_ns":3639908345084,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":35563,"pid":20658,"ret":0,"syscall":"close","ts_ns":3639912106231,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"ping","len":4},"count":4,"fd":4},"dur_ns":29704,"pid":20658,"ret":4,"syscall":"write","ts_ns":3639912150387,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"ping","len":4},"count":4,"fd":3},"dur_ns":4022640,"pid":20656,"ret":4,"syscall":"read","ts_ns":3639908366075,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"pong","len":4},"count":4,"fd":3},"dur_ns":9343,"pid":20656,"ret":4,"syscall":"write","ts_ns":3639912474953,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":17716,"pid":20656,"ret":0,"syscall":"close","ts_ns":3639912491287,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"pong","len":4},"count":4,"fd":4},"dur_ns":265929,"pid":20658,"ret":4,"syscall":"read","ts_ns":3639912262803,"type":"syscall"}"#,
        r#"{"args":{"fd":4},"dur_ns":10295,"pid":20658,"ret":0,"syscall":"close","ts_ns":3639912541862,"type":"syscall"}"#,
        r#"{"pid":20658,"ts_ns":3639912582802,"type":"exit"}"#,
        r#"{"pid":20656,"ts_ns":3639913063054,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "__sys_socketpair",
            "unix_socketpair",
            "sock_alloc_file",
            "unix_stream_sendmsg",
            "unix_stream_recvmsg",
            "unix_release_sock",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 20656  socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0",
                "pid 20656  close(4) = 0",
                "pid 20658  close(3) = 0",
                "pid 20658  write(4, \"ping\", 4) = 4",
                "pid 20656  read(3, \"ping\", 4) = 4",
                "pid 20656  write(3, \"pong\", 4) = 4",
                "pid 20658  read(4, \"pong\", 4) = 4",
                "pid 20658  close(4) = 0",
                "4022.6 us",
            ],
        );
        assert!(
            en.contains("pid 20656 (the parent) forks pid 20658"),
            "{en}"
        );
        assert!(zh.contains("父进程保留 3，子进程保留 4"), "{zh}");
    }
}
