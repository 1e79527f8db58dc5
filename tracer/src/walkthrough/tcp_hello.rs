//! The TCP lesson: `tracer demo tcp-hello`, the server and client of `uds-stream` over TCP on
//! 127.0.0.1. The calls are the same ones, in the same order; what changes is the address (a
//! 16-byte `sockaddr_in` with a port instead of a path), and what the kernel does under each
//! call.
//!
//! Kernel facts (net/ipv4/, Linux 6.1 and 6.18): `socket(AF_INET, SOCK_STREAM, 0)` is
//! `__sock_create` -> `inet_create`, which picks `inet_stream_ops` and TCP. `setsockopt` at
//! `SOL_SOCKET` is `sk_setsockopt`. `bind` is `inet_bind` -> `__inet_bind`; port 0 asks
//! `inet_csk_get_port` for a free ephemeral port. `listen` is `inet_listen`. `connect` is
//! `inet_stream_connect` -> `tcp_v4_connect`, which picks the client's own port
//! (`inet_hash_connect`) and sends the SYN (`tcp_connect`); on loopback the answer comes back
//! through `tcp_v4_rcv` at once. `accept` is `inet_accept` -> `inet_csk_accept`, which with
//! an empty queue sleeps in the calling process (`inet_csk_wait_for_connect`: `prepare_to_wait_exclusive`
//! on the socket's wait queue, `schedule_timeout`) until a connection is queued. Data goes
//! through `tcp_sendmsg` and `tcp_recvmsg`; `close` ends in `tcp_close`, which sends the FIN.

use serde_json::Value;

use super::values::{absent, after, call_line, get, micros, report, source, text};
use super::{Ctx, Lesson, Step};

/// `127.0.0.1:35439` from a recorded `sockaddr_in`.
fn inet(ctx: &Ctx, c: Option<&Value>, pointer: &str) -> String {
    format!(
        "{}:{}",
        get(ctx, c, &format!("{pointer}/addr")),
        get(ctx, c, &format!("{pointer}/port"))
    )
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let bind = run.and_then(|r| r.find(|c| c["syscall"] == "bind"));
    let server = bind.map(|c| c["pid"].clone());
    let is_server = |c: &Value| Some(&c["pid"]) == server.as_ref();
    let first = |name: &str, server_side: bool| -> Option<&Value> {
        run?.all(|c| c["syscall"] == name && is_server(c) == server_side)
            .first()
            .copied()
    };
    let socket = first("socket", true);
    let setsockopt = first("setsockopt", true);
    let getsockname = first("getsockname", true);
    let listen = first("listen", true);
    let accept = first("accept", true);
    let c_socket = first("socket", false);
    let connect = first("connect", false);
    let (afd, cfd) = (
        accept.map(|c| c["ret"].clone()),
        c_socket.map(|c| c["ret"].clone()),
    );
    let on = |name: &str, server_side: bool, fd: Option<&Value>| -> Option<&Value> {
        run?.all(|c| {
            c["syscall"] == name && is_server(c) == server_side && Some(&c["args"]["fd"]) == fd
        })
        .first()
        .copied()
    };
    let c_write = on("write", false, cfd.as_ref());
    let s_read = on("read", true, afd.as_ref());
    let s_write = on("write", true, afd.as_ref());
    let c_read = on("read", false, cfd.as_ref());
    let c_close = on("close", false, cfd.as_ref());
    let s_close = on("close", true, afd.as_ref());

    let lfd = get(ctx, socket, "/ret");
    let (spid, cpid) = (get(ctx, socket, "/pid"), get(ctx, c_socket, "/pid"));
    let local = inet(ctx, getsockname, "/args/addr");
    let port = get(ctx, getsockname, "/args/addr/port");
    let peer = inet(ctx, accept, "/args/addr");
    let (a, c) = (get(ctx, accept, "/ret"), get(ctx, c_socket, "/ret"));
    let handshake = micros(ctx, connect);
    let rw = |call: Option<&Value>, name: &str, fd: &str| {
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
    };

    // The client's look at /proc/<server>/syscall while the server slept in accept.
    let seen = report(run, "blocked in accept");
    let nr = seen.and_then(|r| after(r, "says "));
    let seen_fd = seen
        .zip(nr)
        .and_then(|(r, n)| after(r, &format!("says {n} ")))
        .map_or_else(|| absent(lang), String::from);
    let nr = nr.map_or_else(|| absent(lang), String::from);
    let waited = accept
        .and_then(|c| c["dur_ns"].as_u64())
        .map_or_else(|| absent(lang), |n| format!("{} ms", n / 1_000_000));

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "The same socket call, another family", "同一个 socket 调用，换一个地址族"),
        lines: vec![
            call_line(ctx, socket, "socket", "AF_INET, SOCK_STREAM, 0"),
            ctx.path_func(
                socket,
                "__sock_create",
                t!(
                    lang,
                    "net/socket.c: the family picks the implementation",
                    "net/socket.c：由地址族选择具体实现"
                ),
            ),
            ctx.func(
                "inet_create",
                t!(
                    lang,
                    "net/ipv4/af_inet.c: SOCK_STREAM in AF_INET means TCP (inet_stream_ops)",
                    "net/ipv4/af_inet.c：AF_INET 中的 SOCK_STREAM 就是 TCP（inet_stream_ops）"
                ),
            ),
            call_line(
                ctx,
                setsockopt,
                "setsockopt",
                &format!("{lfd}, SOL_SOCKET, SO_REUSEADDR, [1], 4"),
            ),
            ctx.func(
                "sk_setsockopt",
                t!(lang, "net/core/sock.c: the SOL_SOCKET options", "net/core/sock.c：SOL_SOCKET 级别的选项"),
            ),
            text(t!(
                lang,
                "  SO_REUSEADDR lets a restarted server bind its port while old connections are still in \
                 TIME_WAIT (see the last step). A UNIX socket has no such state: its problem was the \
                 leftover file instead.",
                "  SO_REUSEADDR 让重启的服务器在旧连接仍处于 TIME_WAIT 时也能绑定它的端口（见最后一步）。\
                 UNIX 套接字没有这种状态：它的麻烦是遗留的文件。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "bind to port 0: the kernel chooses", "bind 到 0 号端口：由内核选择"),
        lines: vec![
            call_line(
                ctx,
                bind,
                "bind",
                &format!("{lfd}, {}, {}", inet(ctx, bind, "/args/addr"), get(ctx, bind, "/args/addrlen")),
            ),
            text(t!(
                lang,
                "  struct sockaddr_in is 16 bytes: family, port and address in network byte order, padding. \
                 Port 0 means \"any free port\".",
                "  struct sockaddr_in 共 16 字节：地址族、网络字节序的端口和地址，以及填充。端口 0 表示“任意空闲端口”。"
            )),
            ctx.path_func(
                bind,
                "inet_bind",
                t!(lang, "net/ipv4/af_inet.c: AF_INET's bind", "net/ipv4/af_inet.c：AF_INET 的 bind"),
            ),
            ctx.func(
                "inet_csk_get_port",
                t!(
                    lang,
                    "finds a free port in the ephemeral range (net.ipv4.ip_local_port_range)",
                    "在临时端口范围（net.ipv4.ip_local_port_range）里找一个空闲端口"
                ),
            ),
            call_line(ctx, getsockname, "getsockname", &format!("{lfd}, {local}")),
            text(t!(
                lang,
                "  The server learns its port, {port}, and tells the client (here: the child inherits it). \
                 No file appeared anywhere: a port is not a file, and file permissions do not apply; \
                 anyone on this machine may connect to 127.0.0.1:{port}.",
                "  服务器得知自己的端口是 {port}，并告诉客户端（这里是子进程继承下来）。\
                 任何地方都没有出现文件：端口不是文件，文件权限也不适用；本机上的任何人都能连接 127.0.0.1:{port}。"
            )),
            call_line(ctx, listen, "listen", &format!("{lfd}, 5")),
            ctx.func("inet_listen", t!(lang, "the socket starts accepting SYNs", "套接字开始接受 SYN")),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "accept sleeps: a system call runs in its process and may wait",
            "accept 睡眠：系统调用在发起它的进程中运行，并且可能等待"
        ),
        lines: vec![
            call_line(ctx, accept, "accept", &format!("{lfd}, {peer}, 16")),
            text(t!(
                lang,
                "  A system call runs in the process that made it, in that process's context: the kernel \
                 works for pid {spid}, with its memory and its descriptors, and may put it to sleep. \
                 accept found no connection queued, so pid {spid} slept inside it for {waited}.",
                "  系统调用在发起它的进程中、以该进程的上下文运行：内核为 pid {spid} 工作，使用它的内存\
                 和描述符，也可以让它睡眠。accept 发现队列里没有连接，于是 pid {spid} 在其中睡了 {waited}。"
            )),
            ctx.path_func(
                accept,
                "inet_csk_accept",
                t!(
                    lang,
                    "net/ipv4/inet_connection_sock.c: with an empty queue, waits on the socket until a connection arrives",
                    "net/ipv4/inet_connection_sock.c：队列为空时在套接字上等待，直到有连接到来"
                ),
            ),
            ctx.func(
                "prepare_to_wait_exclusive",
                t!(
                    lang,
                    "kernel/sched/wait.c: puts the process on the socket's wait queue; it sleeps until the client's connection is queued and wakes it",
                    "kernel/sched/wait.c：把进程挂到套接字的等待队列上；它一直睡到客户端的连接进入队列并把它唤醒"
                ),
            ),
            text(t!(
                lang,
                "  Meanwhile the client (pid {cpid}) read /proc/{spid}/syscall, which names the call a \
                 sleeping process is in and its arguments: {nr} (accept) on descriptor {seen_fd}. It then \
                 waited 300 ms and connected.",
                "  在此期间客户端（pid {cpid}）读了 /proc/{spid}/syscall，它给出睡眠中的进程所在的调用及其\
                 参数：{nr}（accept），描述符 {seen_fd}。然后客户端又等了 300 毫秒才连接。"
            )),
            text(t!(
                lang,
                "  In tracer live a call that has been in the kernel for 200 ms shows up before it returns: \
                 its result reads <pending>, in yellow, and the detail pane says \"still waiting in the \
                 kernel\". When accept returns, the row gets its result and duration. tracer record writes \
                 a call when it returns, with the time it entered.",
                "  在 tracer live 中，一个在内核里待了 200 毫秒的调用会在返回之前就出现：它的结果一栏\
                 显示黄色的 <pending>，详情面板显示 \"still waiting in the kernel\"。accept 返回后，这一行\
                 补上结果和耗时。tracer record 则在调用返回时才写下它，带着它进入内核的时间。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "connect: the three-way handshake", "connect：三次握手"),
        lines: vec![
            call_line(ctx, connect, "connect", &format!("{c}, {}", inet(ctx, connect, "/args/addr"))),
            ctx.func(
                "tcp_v4_connect",
                t!(
                    lang,
                    "picks the client's own ephemeral port and sends SYN",
                    "为客户端选一个临时端口，然后发送 SYN"
                ),
            ),
            ctx.func(
                "tcp_v4_rcv",
                t!(
                    lang,
                    "on loopback the SYN, SYN-ACK and ACK are received by the same kernel at once",
                    "在回环接口上，SYN、SYN-ACK 和 ACK 立即被同一个内核收下"
                ),
            ),
            text(t!(
                lang,
                "  connect took {handshake}: the handshake, all in this kernel. For a UNIX socket, \
                 connect only linked two sockets in memory.",
                "  connect 用了 {handshake}：整个握手都在本内核里完成。对 UNIX 套接字来说，\
                 connect 只是在内存里把两个套接字连起来。"
            )),
            call_line(ctx, accept, "accept", &format!("{lfd}, {peer}, 16")),
            ctx.func(
                "inet_csk_accept",
                t!(lang, "takes the established connection off the queue", "从队列中取出已建立的连接"),
            ),
            text(t!(
                lang,
                "  The server (pid {spid}) sees its client (pid {cpid}) as {peer}: a TCP peer always has an \
                 address and port, chosen at connect. The UNIX client in the uds lesson was unnamed.",
                "  服务器（pid {spid}）看到它的客户端（pid {cpid}）是 {peer}：TCP 的对端总有地址和端口，\
                 在 connect 时选定。uds 一课中的 UNIX 客户端则是未命名的。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "hello and hi, through the TCP stack", "hello 与 hi，经过 TCP 协议栈"),
        lines: vec![
            rw(c_write, "write", &c),
            rw(s_read, "read", &a),
            rw(s_write, "write", &a),
            rw(c_read, "read", &c),
            ctx.func(
                "tcp_sendmsg",
                t!(
                    lang,
                    "the bytes become a TCP segment with sequence numbers, sent through the loopback device",
                    "字节变成带序号的 TCP 报文段，经回环设备发送"
                ),
            ),
            ctx.func(
                "tcp_recvmsg",
                t!(lang, "copies the received bytes out", "把收到的字节复制出去"),
            ),
            text(t!(
                lang,
                "  The same read and write as over the UNIX socket. Like SOCK_STREAM there, TCP is a byte \
                 stream: writes may merge (see the uds-seqpacket lesson).",
                "  与 UNIX 套接字上一样的 read 和 write。和那里的 SOCK_STREAM 一样，TCP 是字节流：\
                 多次写可能粘在一起（见 uds-seqpacket 一课）。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "close, and nothing to remove", "close，且无需删除任何东西"),
        lines: vec![
            call_line(ctx, s_close, "close", &a),
            call_line(ctx, c_close, "close", &c),
            ctx.func(
                "tcp_close",
                t!(
                    lang,
                    "sends FIN; the side that closes first keeps the connection in TIME_WAIT for a minute",
                    "发送 FIN；先关闭的一方会让连接在 TIME_WAIT 状态保留约一分钟"
                ),
            ),
            text(t!(
                lang,
                "  No unlink: the port is free again once nothing uses it. This is the lesson: socket, \
                 bind, listen, accept, connect, read, write and close are the same calls for every \
                 address family; only the address structure and what lies under the calls change.",
                "  不需要 unlink：没人使用时端口自然就空出来了。这就是本课的重点：socket、bind、listen、\
                 accept、connect、read、write、close 对每种地址族都是同样的调用；变的只是地址结构，\
                 以及调用底下发生的事。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "TCP hello: the same calls over AF_INET",
            "TCP hello：在 AF_INET 上的同一组调用"
        ),
        source: source(ctx, "tcp-hello", &["tcp-hello"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo tcp-hello` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_INET","protocol":0,"type":"SOCK_STREAM"},"dur_ns":21191,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":24273,"ret":3,"syscall":"socket","ts_ns":4783565512117,"type":"syscall"}"#,
        r#"{"args":{"level":"SOL_SOCKET","optlen":4,"optname":"SO_REUSEADDR","optval":{"data":"\\x01\\x00\\x00\\x00","len":4},"sockfd":3},"dur_ns":5718,"pid":24273,"ret":0,"syscall":"setsockopt","ts_ns":4783565566688,"type":"syscall"}"#,
        r#"{"args":{"addr":{"addr":"127.0.0.1","family":"AF_INET","port":0},"addrlen":16,"sockfd":3},"dur_ns":290210,"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"inet_bind","observed":false}],"pid":24273,"ret":0,"syscall":"bind","ts_ns":4783565600478,"type":"syscall"}"#,
        r#"{"args":{"addr":{"addr":"127.0.0.1","family":"AF_INET","port":35439},"addrlen":16,"sockfd":3},"dur_ns":8752,"pid":24273,"ret":0,"syscall":"getsockname","ts_ns":4783565940983,"type":"syscall"}"#,
        r#"{"args":{"backlog":5,"sockfd":3},"dur_ns":24787,"kernel_path":[{"func":"__sys_listen","observed":false}],"pid":24273,"ret":0,"syscall":"listen","ts_ns":4783565984607,"type":"syscall"}"#,
        r#"{"child":24275,"pid":24273,"thread":false,"ts_ns":4783566207517,"type":"fork"}"#,
        // The client's report of the server blocked in accept, as the demo now writes it (this
        // recording predates the line; the pid and descriptor are this run's).
        r#"{"args":{"buf":{"data":"client: the server is blocked in accept: /proc/24273/syscall says 43 0x3 0x7ffcee8067c0 0x7ffcee806760 0x7f06ff8fcb90 0x0 0x5568bc760800 0x7ffcee806758 0x7f06ffa096f0\\n","len":160},"count":160,"fd":1},"dur_ns":9000,"pid":24275,"ret":160,"syscall":"write","ts_ns":4783566250000,"type":"syscall"}"#,
        r#"{"args":{"domain":"AF_INET","protocol":0,"type":"SOCK_STREAM"},"dur_ns":57706,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":24275,"ret":4,"syscall":"socket","ts_ns":4783567209091,"type":"syscall"}"#,
        r#"{"args":{"addr":{"addr":"127.0.0.1","family":"AF_INET","port":35439},"addrlen":16,"sockfd":4},"dur_ns":461634,"kernel_path":[{"func":"__sys_connect","observed":false}],"pid":24275,"ret":0,"syscall":"connect","ts_ns":4783567329830,"type":"syscall"}"#,
        r#"{"args":{"addr":{"addr":"127.0.0.1","family":"AF_INET","port":58218},"addrlen":16,"sockfd":3},"dur_ns":1517418,"kernel_path":[{"func":"__sys_accept4","observed":false}],"pid":24273,"ret":4,"syscall":"accept","ts_ns":4783566288608,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"dur_ns":50875,"pid":24275,"ret":5,"syscall":"write","ts_ns":4783567914136,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"dur_ns":121149,"pid":24273,"ret":5,"syscall":"read","ts_ns":4783567858714,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hi","len":2},"count":2,"fd":4},"dur_ns":53389,"pid":24275,"ret":2,"syscall":"read","ts_ns":4783568048475,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"hi","len":2},"count":2,"fd":4},"dur_ns":115261,"pid":24273,"ret":2,"syscall":"write","ts_ns":4783567992031,"type":"syscall"}"#,
        r#"{"args":{"fd":4},"dur_ns":25668,"pid":24275,"ret":0,"syscall":"close","ts_ns":4783568114022,"type":"syscall"}"#,
        r#"{"args":{"fd":4},"dur_ns":80390,"pid":24273,"ret":0,"syscall":"close","ts_ns":4783568276963,"type":"syscall"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "__sock_create",
            "inet_create",
            "sk_setsockopt",
            "inet_bind",
            "inet_csk_get_port",
            "inet_listen",
            "tcp_v4_connect",
            "tcp_v4_rcv",
            "inet_csk_accept",
            "tcp_sendmsg",
            "tcp_recvmsg",
            "tcp_close",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 24273  socket(AF_INET, SOCK_STREAM, 0) = 3",
                "pid 24273  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
                "pid 24273  bind(3, 127.0.0.1:0, 16) = 0",
                "pid 24273  getsockname(3, 127.0.0.1:35439) = 0",
                "pid 24275  connect(4, 127.0.0.1:35439) = 0",
                "pid 24273  accept(3, 127.0.0.1:58218, 16) = 4",
                "pid 24275  write(4, \"hello\", 5) = 5",
                "pid 24273  write(4, \"hi\", 2) = 2",
                "461.6 us",
                "0x3",
                "1 ms",
            ],
        );
        assert!(
            en.contains("sees its client (pid 24275) as 127.0.0.1:58218"),
            "{en}"
        );
        assert!(
            zh.contains("看到它的客户端（pid 24275）是 127.0.0.1:58218"),
            "{zh}"
        );
        assert!(
            en.contains("so pid 24273 slept inside it for 1 ms")
                && en.contains("43 (accept) on descriptor 0x3")
                && en.contains("<pending>"),
            "{en}"
        );
        assert!(
            zh.contains("pid 24273 在其中睡了 1 ms") && zh.contains("43（accept），描述符 0x3"),
            "{zh}"
        );
    }
}
