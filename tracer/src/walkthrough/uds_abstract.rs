//! The abstract-name lesson: `tracer demo uds-abstract`, the stream server and client of
//! `uds-stream` with an address whose `sun_path` starts with a NUL byte. Such a name lives only
//! in the kernel: no file is created, no file permission applies, nothing is left to unlink.
//!
//! Kernel facts (net/unix/af_unix.c, Linux 6.1 and 6.18): `unix_bind` looks at
//! `sun_path[0]`: NUL means an abstract name, bound by `unix_bind_abstract` (inlined), which
//! only hashes the name's bytes (exactly `addrlen - 2` of them, the NUL included, no
//! terminator) into the kernel's table of UNIX sockets of this network namespace; a path goes
//! to `unix_bind_bsd` (inlined too), which creates an inode. `connect` (`unix_stream_connect`
//! -> `unix_find_other`) looks an abstract name up in that table, with no path walk and no
//! permission check. The name leaves the table when its socket is released
//! (`unix_release_sock`).

use serde_json::Value;

use super::values::{absent, call_line, get, source, text};
use super::{Ctx, Lesson, Step};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let first = |name: &str, pred: &dyn Fn(&Value) -> bool| -> Option<&Value> {
        run?.all(|c| c["syscall"] == name && pred(c))
            .first()
            .copied()
    };
    let bind = first("bind", &|_| true);
    let server = bind.map(|c| c["pid"].clone());
    let is_server = |c: &Value| Some(&c["pid"]) == server.as_ref();
    let socket = first("socket", &is_server);
    let listen = first("listen", &is_server);
    let getname = first("getsockname", &is_server);
    let accept = first("accept", &is_server);
    let connect = first("connect", &|c| !is_server(c));
    let c_socket = first("socket", &|c| !is_server(c));
    let listener = accept.map(|c| c["args"]["sockfd"].clone());
    let closes: Vec<&Value> = run
        .map(|r| {
            r.all(|c| {
                c["syscall"] == "close"
                    && is_server(c)
                    && c["ts_ns"].as_u64() > accept.and_then(|a| a["ts_ns"].as_u64())
            })
        })
        .unwrap_or_default();
    let listener_close = closes
        .iter()
        .find(|c| Some(&c["args"]["fd"]) == listener.as_ref())
        .copied();
    let unlinks = run.map(|r| r.all(|c| c["syscall"] == "unlink").len());

    let name = get(ctx, bind, "/args/addr/abstract");
    let len = get(ctx, bind, "/args/addrlen");
    let sum = bind
        .and_then(|c| c["args"]["addr"]["abstract"].as_str())
        .map_or_else(|| absent(lang), |n| format!("2 + 1 + {}", n.len()));
    let (lfd, afd) = (get(ctx, socket, "/ret"), get(ctx, accept, "/ret"));
    let (spid, cpid) = (get(ctx, bind, "/pid"), get(ctx, c_socket, "/pid"));
    let unlinks = unlinks.map_or_else(|| absent(lang), |n| n.to_string());
    // A handout printed without a run leaves blanks for the student's own run.
    let (this, this_zh) = if run.is_some() {
        ("this run", "本次运行")
    } else {
        ("your run", "你的运行")
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "bind to a name that starts with a NUL byte",
            "bind 到一个以 NUL 字节开头的名字"
        ),
        lines: vec![
            call_line(ctx, socket, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            call_line(ctx, bind, "bind", &format!("{lfd}, {{AF_UNIX, \"\\0{name}\"}}, {len}")),
            text(t!(
                lang,
                "  sun_path = \"\\0{name}\": the leading NUL makes it an abstract name. addrlen {len} = \
                 {sum}: the family, the NUL, the name's bytes; no terminating NUL, the length alone \
                 says where the name ends.",
                "  sun_path = \"\\0{name}\"：开头的 NUL 使它成为抽象名字。addrlen {len} = {sum}：\
                 地址族、NUL、名字的字节；没有结尾的 NUL，名字在哪里结束全凭长度。"
            )),
            ctx.path_func(
                bind,
                "unix_bind",
                t!(
                    lang,
                    "net/unix/af_unix.c: sun_path[0] == 0, so an abstract name",
                    "net/unix/af_unix.c：sun_path[0] == 0，所以是抽象名字"
                ),
            ),
            ctx.inlined(
                "unix_bind_abstract",
                t!(
                    lang,
                    "puts the name in the kernel's table of UNIX sockets",
                    "把名字放进内核的 UNIX 套接字表"
                ),
            ),
            ctx.inlined(
                "unix_bind_bsd",
                t!(
                    lang,
                    "the path case, not taken: it would create an inode",
                    "路径名的情形，这里没有走：它会创建 inode"
                ),
            ),
            call_line(ctx, listen, "listen", &format!("{lfd}, 5")),
        ],
    });

    steps.push(Step {
        title: t!(lang, "No file appears", "没有文件出现"),
        lines: vec![
            call_line(
                ctx,
                getname,
                "getsockname",
                &format!("{lfd}, {{AF_UNIX, \"\\0{}\"}}, {}", get(ctx, getname, "/args/addr/abstract"), get(ctx, getname, "/args/addrlen")),
            ),
            text(t!(
                lang,
                "  The kernel gives the name back; ss -xl and /proc/net/unix print it as @{name}.",
                "  内核把名字还给我们；ss -xl 和 /proc/net/unix 把它显示为 @{name}。"
            )),
            ctx.func(
                "unix_getname",
                t!(lang, "copies the bound address out", "把绑定的地址复制出来"),
            ),
            text(t!(
                lang,
                "  The demo then checks access(\"{name}\", F_OK): ENOENT, no such file. A path without the \
                 leading NUL would have created exactly that file.",
                "  演示程序接着检查 access(\"{name}\", F_OK)：ENOENT，没有这个文件。不带开头 NUL 的路径\
                 名正会创建这样一个文件。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "connect by name, no permission check", "凭名字 connect，没有权限检查"),
        lines: vec![
            call_line(
                ctx,
                connect,
                "connect",
                &format!("{}, {{AF_UNIX, \"\\0{name}\"}}, {len}", get(ctx, c_socket, "/ret")),
            ),
            call_line(ctx, accept, "accept", &format!("{lfd}, {{unnamed}}, 2")),
            ctx.func(
                "unix_stream_connect",
                t!(lang, "the same connect as for a path", "与路径名情形相同的 connect"),
            ),
            ctx.func(
                "unix_find_other",
                t!(
                    lang,
                    "an abstract name is looked up in the table: no path walk, no file permission to check",
                    "抽象名字直接在表中查找：不走路径解析，也没有文件权限可查"
                ),
            ),
            text(t!(
                lang,
                "  The client (pid {cpid}) reached the server (pid {spid}); accept gave {afd}. Any process \
                 in the same network namespace could have connected: a server that needs to know who \
                 its clients are asks with SO_PEERCRED.",
                "  客户端（pid {cpid}）连上了服务器（pid {spid}）；accept 给出 {afd}。同一网络命名空间里\
                 的任何进程都能连进来：需要知道客户是谁的服务器，可以用 SO_PEERCRED 查询。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "The name goes with the last socket",
            "名字随最后一个套接字一起消失"
        ),
        lines: vec![
            call_line(ctx, listener_close, "close", &lfd),
            ctx.func(
                "unix_release_sock",
                t!(
                    lang,
                    "removes the socket, and with it the name, from the table",
                    "把套接字连同它的名字从表中移除"
                ),
            ),
            text(t!(
                lang,
                "  unlink calls in {this}: {unlinks}. Nothing to clean up: no stale file after a crash, \
                 no EADDRINUSE on restart. This is the lesson. The price: Linux only, and no file \
                 permissions to restrict who connects.",
                "  {this_zh}中的 unlink 调用：{unlinks} 次。无需清理：崩溃后不会留下陈旧的文件，重启时\
                 也不会遇到 EADDRINUSE。这就是本课的重点。代价是：只有 Linux 支持，也没有文件权限\
                 可以用来限制谁能连接。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "Abstract UNIX socket names: no file, no permissions",
            "抽象 UNIX 套接字名：没有文件，没有权限"
        ),
        source: source(ctx, "uds-abstract", &["uds-abstract"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo uds-abstract` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"dur_ns":12979,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":22404,"ret":3,"syscall":"socket","ts_ns":3671869759554,"type":"syscall"}"#,
        r#"{"args":{"addr":{"abstract":"tracer-demo-22404","family":"AF_UNIX"},"addrlen":20,"sockfd":3},"dur_ns":3545,"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":22404,"ret":0,"syscall":"bind","ts_ns":3671869798872,"type":"syscall"}"#,
        r#"{"args":{"backlog":5,"sockfd":3},"dur_ns":2133,"kernel_path":[{"func":"__sys_listen","observed":false}],"pid":22404,"ret":0,"syscall":"listen","ts_ns":3671869815006,"type":"syscall"}"#,
        r#"{"args":{"addr":{"abstract":"tracer-demo-22404","family":"AF_UNIX"},"addrlen":20,"sockfd":3},"dur_ns":1973,"pid":22404,"ret":0,"syscall":"getsockname","ts_ns":3671869872391,"type":"syscall"}"#,
        r#"{"child":22407,"pid":22404,"thread":false,"ts_ns":3671870021973,"type":"fork"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"dur_ns":13470,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":22407,"ret":4,"syscall":"socket","ts_ns":3671870116828,"type":"syscall"}"#,
        r#"{"args":{"addr":{"abstract":"tracer-demo-22404","family":"AF_UNIX"},"addrlen":20,"sockfd":4},"dur_ns":23044,"kernel_path":[{"func":"__sys_connect","observed":false}],"pid":22407,"ret":0,"syscall":"connect","ts_ns":3671870145600,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":2,"sockfd":3},"dur_ns":120098,"kernel_path":[{"func":"__sys_accept4","observed":false}],"pid":22404,"ret":4,"syscall":"accept","ts_ns":3671870065567,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"dur_ns":16665,"pid":22407,"ret":5,"syscall":"write","ts_ns":3671870205419,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"dur_ns":26729,"pid":22404,"ret":5,"syscall":"read","ts_ns":3671870207127,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hi","len":2},"count":2,"fd":4},"dur_ns":10326,"pid":22404,"ret":2,"syscall":"write","ts_ns":3671870241247,"type":"syscall"}"#,
        r#"{"args":{"fd":4},"dur_ns":8643,"pid":22404,"ret":0,"syscall":"close","ts_ns":3671870255789,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":761,"pid":22404,"ret":0,"syscall":"close","ts_ns":3671870265453,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hi","len":2},"count":2,"fd":4},"dur_ns":113869,"pid":22407,"ret":2,"syscall":"read","ts_ns":3671870242584,"type":"syscall"}"#,
        r#"{"args":{"fd":4},"dur_ns":22974,"pid":22407,"ret":0,"syscall":"close","ts_ns":3671870417613,"type":"syscall"}"#,
        r#"{"pid":22407,"ts_ns":3671870470301,"type":"exit"}"#,
        r#"{"pid":22404,"ts_ns":3671870766556,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "unix_bind",
            "unix_getname",
            "unix_stream_connect",
            "unix_find_other",
            "unix_release_sock",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 22404  bind(3, {AF_UNIX, \"\\0tracer-demo-22404\"}, 20) = 0",
                "pid 22404  getsockname(3, {AF_UNIX, \"\\0tracer-demo-22404\"}, 20) = 0",
                "pid 22407  connect(4, {AF_UNIX, \"\\0tracer-demo-22404\"}, 20) = 0",
                "pid 22404  accept(3, {unnamed}, 2) = 4",
                "pid 22404  close(3) = 0",
                "20 = 2 + 1 + 17",
                "@tracer-demo-22404",
                "- unix_bind_abstract",
                "- unix_bind_bsd",
            ],
        );
        assert!(en.contains("unlink calls in this run: 0."), "{en}");
        assert!(zh.contains("unlink 调用：0 次"), "{zh}");
    }
}
