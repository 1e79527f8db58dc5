//! The UNIX domain socket lesson, from three demos: `uds-stream` (a server and a client over
//! `SOCK_STREAM`), `uds-dgram` (`sendto`/`recvfrom` between two bound datagram sockets) and
//! `uds-msg` (one `sendmsg` gathering two buffers, one `recvmsg` scattering them). The points:
//! a stream server holds two kinds of descriptor and its name is a file; a datagram carries its
//! address with every message; `struct msghdr` is the general form of both.
//!
//! Kernel facts (net/socket.c and net/unix/af_unix.c, Linux 6.1 and 6.18): `socket` is
//! `__sys_socket`, which creates the socket through `sock_create` -> `__sock_create`
//! (`sock_alloc`, then the family's `create`, `unix_create`, which picks `unix_stream_ops` for
//! `SOCK_STREAM`) and then gives it a descriptor with the static `sock_map_fd`
//! (`get_unused_fd_flags`, `sock_alloc_file`, `fd_install`; inlined into `__sys_socket` on
//! this project's 6.18 kernel, which has no symbol for it). `bind` is
//! `__sys_bind` -> `unix_bind`, which for a path creates the socket file (the helper,
//! `unix_bind_bsd`, is inlined); `listen` is `__sys_listen` -> `unix_listen`; `connect` is
//! `__sys_connect` -> `unix_stream_connect`, which makes the server's end of the connection
//! and queues it on the listener; `accept` is `__sys_accept4` -> `do_accept` -> `unix_accept`,
//! which takes it off that queue under a new descriptor. `sendto`/`recvfrom` are
//! `__sys_sendto`/`__sys_recvfrom` -> `unix_dgram_sendmsg`/`unix_dgram_recvmsg`, the first
//! finding the receiver by its address (`unix_find_other`). `sendmsg` is `__sys_sendmsg` ->
//! `___sys_sendmsg`, which copies the `msghdr` in (`copy_msghdr_from_user`) and its iovec
//! array (`import_iovec`); `recvmsg` is `__sys_recvmsg` -> `___sys_recvmsg`.

use serde_json::Value;

use super::values::{call_line, get, rw_line, source, text};
use super::{Ctx, Lesson, Run, Step};

/// The first call of `run` named `name` matching `pred`, in entry order.
fn first<'a>(run: Option<&'a Run>, name: &str, pred: impl Fn(&Value) -> bool) -> Option<&'a Value> {
    run?.all(|c| c["syscall"] == name && pred(c))
        .first()
        .copied()
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let (stream, dgram, msg) = match ctx.run {
        Some(r) => (
            Some(r.demo("uds-stream")),
            Some(r.demo("uds-dgram")),
            Some(r.demo("uds-msg")),
        ),
        None => (None, None, None),
    };
    let (stream, dgram, msg) = (stream.as_ref(), dgram.as_ref(), msg.as_ref());

    // uds-stream: the server is the process that bound the name.
    let bind = first(stream, "bind", |_| true);
    let server = bind.map(|c| c["pid"].clone());
    let is_server = |c: &Value| Some(&c["pid"]) == server.as_ref();
    let s_socket = first(stream, "socket", is_server);
    let listen = first(stream, "listen", is_server);
    let accept = first(stream, "accept", is_server);
    let c_socket = first(stream, "socket", |c| !is_server(c));
    let connect = first(stream, "connect", |c| !is_server(c));
    let conn = accept.map(|c| c["ret"].clone());
    let cfd = c_socket.map(|c| c["ret"].clone());
    let on = |c: &Value, fd: Option<&Value>| Some(&c["args"]["fd"]) == fd;
    let s_read = first(stream, "read", |c| is_server(c) && on(c, conn.as_ref()));
    let s_write = first(stream, "write", |c| is_server(c) && on(c, conn.as_ref()));
    let c_write = first(stream, "write", |c| !is_server(c) && on(c, cfd.as_ref()));
    let c_read = first(stream, "read", |c| !is_server(c) && on(c, cfd.as_ref()));
    let unlink = first(stream, "unlink", is_server);
    // The server's closes after accept: the connection's descriptor, then the listener's.
    let after_accept =
        |c: &Value| is_server(c) && c["ts_ns"].as_u64() > accept.and_then(|a| a["ts_ns"].as_u64());
    let close_of = |fd: Option<&Value>| {
        first(stream, "close", |c| {
            after_accept(c) && Some(&c["args"]["fd"]) == fd
        })
    };
    let conn_close = close_of(conn.as_ref());
    let listener_close = close_of(s_socket.map(|c| &c["ret"]));

    let sock_path = get(ctx, bind, "/args/addr/path");
    let (lfd, cfd_s, afd) = (
        get(ctx, s_socket, "/ret"),
        get(ctx, c_socket, "/ret"),
        get(ctx, accept, "/ret"),
    );
    let (spid, cpid) = (get(ctx, bind, "/pid"), get(ctx, c_socket, "/pid"));
    let peer_len = get(ctx, accept, "/args/addrlen");
    let backlog = get(ctx, listen, "/args/backlog");
    let rw = |c: Option<&Value>, name: &str, fd: &str| rw_line(ctx, c, name, fd);

    // uds-dgram: the server bound first; the client bound its own name.
    let d_sbind = first(dgram, "bind", |_| true);
    let d_server = d_sbind.map(|c| c["pid"].clone());
    let d_is_server = |c: &Value| Some(&c["pid"]) == d_server.as_ref();
    let d_cbind = first(dgram, "bind", |c| !d_is_server(c));
    let ping = first(dgram, "sendto", |c| !d_is_server(c));
    let ping_in = first(dgram, "recvfrom", d_is_server);
    let pong = first(dgram, "sendto", d_is_server);
    let pong_in = first(dgram, "recvfrom", |c| !d_is_server(c));
    let send_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "sendto",
            &format!(
                "{}, {}, {}, 0, {}",
                get(ctx, c, "/args/sockfd"),
                get(ctx, c, "/args/buf"),
                get(ctx, c, "/args/len"),
                get(ctx, c, "/args/dest_addr/path")
            ),
        )
    };
    let recv_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "recvfrom",
            &format!(
                "{}, {}, {}, 0, {}",
                get(ctx, c, "/args/sockfd"),
                get(ctx, c, "/args/buf"),
                get(ctx, c, "/args/len"),
                get(ctx, c, "/args/src_addr/path")
            ),
        )
    };
    let client_name = get(ctx, d_cbind, "/args/addr/path");

    // uds-msg.
    let sendmsg = first(msg, "sendmsg", |_| true);
    let recvmsg = first(msg, "recvmsg", |_| true);
    let iov = |c: Option<&Value>, i: usize| {
        format!(
            "{{{}, {}}}",
            get(ctx, c, &format!("/args/msg/iov/{i}")),
            get(ctx, c, &format!("/args/msg/iov/{i}/len"))
        )
    };
    let (s_iov0, s_iov1, r_iov0, r_iov1) = (
        iov(sendmsg, 0),
        iov(sendmsg, 1),
        iov(recvmsg, 0),
        iov(recvmsg, 1),
    );
    let sent = get(ctx, sendmsg, "/ret");
    // The kernel wrote back a name length of 0: no address (the name is then the buffer's
    // address, or null in recordings older than that).
    let from = match recvmsg.map(|c| (&c["args"]["msg"]["name"], &c["args"]["msg"]["namelen"])) {
        Some((Value::Null, _)) => t!(
            lang,
            "unnamed (the sender never bound)",
            "未命名（发送者从未 bind）"
        ),
        Some((_, n)) if n.as_i64() == Some(0) => t!(
            lang,
            "unnamed (the sender never bound)",
            "未命名（发送者从未 bind）"
        ),
        _ => get(ctx, recvmsg, "/args/msg/name/path"),
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "Stream server: socket and bind make a file",
            "流式服务器：socket 与 bind 创建出一个文件"
        ),
        lines: vec![
            call_line(ctx, s_socket, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            ctx.path_func(
                s_socket,
                "__sock_create",
                t!(
                    lang,
                    "net/socket.c: allocates the struct socket and calls the family's create",
                    "net/socket.c：分配 struct socket，并调用地址族的 create"
                ),
            ),
            ctx.func(
                "unix_create",
                t!(
                    lang,
                    "net/unix/af_unix.c: AF_UNIX's create; SOCK_STREAM gets unix_stream_ops",
                    "net/unix/af_unix.c：AF_UNIX 的 create；SOCK_STREAM 得到 unix_stream_ops"
                ),
            ),
            ctx.inlined(
                "sock_map_fd",
                t!(
                    lang,
                    "net/socket.c: a file for the socket (sock_alloc_file) and the lowest free descriptor, {lfd}",
                    "net/socket.c：为套接字建立文件（sock_alloc_file），并分配最小的空闲描述符 {lfd}"
                ),
            ),
            call_line(
                ctx,
                bind,
                "bind",
                &format!("{lfd}, {sock_path}, {}", get(ctx, bind, "/args/addrlen")),
            ),
            text(t!(
                lang,
                "  The server (pid {spid}) names its socket {sock_path}: bind creates a socket file \
                 (type s in ls -l) there. Clients find the server by this path, and the file's \
                 permissions decide who may connect.",
                "  服务器（pid {spid}）把它的套接字命名为 {sock_path}：bind 在那里创建一个套接字文件\
                 （ls -l 中类型为 s）。客户端凭这个路径找到服务器，文件的权限决定谁可以连接。"
            )),
            ctx.path_func(
                bind,
                "__sys_bind",
                t!(lang, "net/socket.c", "net/socket.c"),
            ),
            ctx.path_func(
                bind,
                "unix_bind",
                t!(
                    lang,
                    "net/unix/af_unix.c: creates the inode (S_IFSOCK) and links it at the path",
                    "net/unix/af_unix.c：创建 inode（S_IFSOCK）并把它链接到该路径"
                ),
            ),
            call_line(ctx, listen, "listen", &format!("{lfd}, {backlog}")),
            ctx.func(
                "unix_listen",
                t!(
                    lang,
                    "marks the socket listening, with room for {backlog} connections not yet accepted",
                    "把套接字标记为监听状态，最多容纳 {backlog} 个尚未 accept 的连接"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "connect and accept: a new descriptor per connection",
            "connect 与 accept：每个连接一个新描述符"
        ),
        lines: vec![
            call_line(ctx, c_socket, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            call_line(ctx, connect, "connect", &format!("{cfd_s}, {sock_path}")),
            ctx.path_func(
                connect,
                "__sys_connect",
                t!(lang, "net/socket.c", "net/socket.c"),
            ),
            ctx.func(
                "unix_stream_connect",
                t!(
                    lang,
                    "looks the path up, makes the server's end of the connection, queues it on the listener",
                    "查找该路径，创建连接在服务器一端的套接字，并把它排进监听套接字的队列"
                ),
            ),
            call_line(ctx, accept, "accept", &format!("{lfd}, {{unnamed}}, {peer_len}")),
            ctx.path_func(
                accept,
                "__sys_accept4",
                t!(lang, "net/socket.c", "net/socket.c"),
            ),
            ctx.func(
                "unix_accept",
                t!(
                    lang,
                    "takes the queued connection; it gets a new file and descriptor",
                    "取出排队的连接；它得到一个新的文件和描述符"
                ),
            ),
            text(t!(
                lang,
                "  accept returned {afd}: the server now has two descriptors, {lfd} still listening for \
                 more clients and {afd} for this one. The client (pid {cpid}) never bound, so its \
                 address came back unnamed: addrlen {peer_len}, only the family.",
                "  accept 返回了 {afd}：服务器现在有两个描述符，{lfd} 继续监听更多客户端，{afd} 专门\
                 服务这一个。客户端（pid {cpid}）从未 bind，所以它的地址返回时是未命名的：addrlen 为 \
                 {peer_len}，只有地址族。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "hello and hi over the connection", "在连接上收发 hello 与 hi"),
        lines: vec![
            rw(c_write, "write", &cfd_s),
            rw(s_read, "read", &afd),
            rw(s_write, "write", &afd),
            rw(c_read, "read", &cfd_s),
            ctx.func(
                "unix_stream_sendmsg",
                t!(
                    lang,
                    "write() on a stream socket: the bytes go straight onto the peer's receive queue",
                    "对流式套接字 write()：字节直接进入对端的接收队列"
                ),
            ),
            ctx.func(
                "unix_stream_recvmsg",
                t!(lang, "read() takes them off", "read() 把它们取走"),
            ),
            text(t!(
                lang,
                "  Plain read and write work on a connected socket: it is a file descriptor like any other.",
                "  已连接的套接字可以直接用 read 和 write：它和其他文件描述符一样。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "close does not remove the name",
            "close 不会删除名字"
        ),
        lines: vec![
            call_line(ctx, conn_close, "close", &afd),
            call_line(ctx, listener_close, "close", &lfd),
            call_line(ctx, unlink, "unlink", &sock_path),
            text(t!(
                lang,
                "  After close the socket file is still there; the server removes it itself. A server \
                 that forgets finds its next bind failing with EADDRINUSE.",
                "  close 之后套接字文件仍然存在；服务器得自己删除它。忘了删的服务器，下次 bind 时会以 \
                 EADDRINUSE 失败。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "Datagrams: every message carries an address",
            "数据报：每条消息都带着地址"
        ),
        lines: vec![
            call_line(
                ctx,
                d_cbind,
                "bind",
                &format!("{}, {client_name}", get(ctx, d_cbind, "/args/sockfd")),
            ),
            send_line(ping),
            recv_line(ping_in),
            send_line(pong),
            recv_line(pong_in),
            text(t!(
                lang,
                "  No listen, accept or connect: sendto names the destination each time, and recvfrom \
                 tells the receiver who sent it ({client_name}), which is where the reply goes. The \
                 client bound a name of its own for that reason: unnamed, it could not be answered.",
                "  没有 listen、accept 和 connect：sendto 每次都指明目的地，recvfrom 告诉接收者是谁发的\
                 （{client_name}），回复就发往那里。客户端正是为此才 bind 了自己的名字：没有名字就没法回复它。"
            )),
            ctx.path_func(
                ping,
                "__sys_sendto",
                t!(lang, "net/socket.c", "net/socket.c"),
            ),
            ctx.func(
                "unix_dgram_sendmsg",
                t!(
                    lang,
                    "finds the receiver by its address and queues the datagram whole",
                    "按地址找到接收者，把数据报整个排进队列"
                ),
            ),
            ctx.func(
                "unix_dgram_recvmsg",
                t!(
                    lang,
                    "one datagram per call, with the sender's address",
                    "每次调用取一个数据报，附带发送者的地址"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "sendmsg and recvmsg: gather and scatter",
            "sendmsg 与 recvmsg：聚集与分散"
        ),
        lines: vec![
            call_line(
                ctx,
                sendmsg,
                "sendmsg",
                &format!(
                    "{}, {{name {}, iov [{s_iov0}, {s_iov1}]}}, 0",
                    get(ctx, sendmsg, "/args/sockfd"),
                    get(ctx, sendmsg, "/args/msg/name/path")
                ),
            ),
            text(t!(
                lang,
                "  Two buffers in, one datagram of {sent} bytes out: the kernel gathers them.",
                "  两个缓冲区进去，出来的是一个 {sent} 字节的数据报：内核把它们聚集在一起。"
            )),
            call_line(
                ctx,
                recvmsg,
                "recvmsg",
                &format!(
                    "{}, {{iov [{r_iov0}, {r_iov1}]}}, 0",
                    get(ctx, recvmsg, "/args/sockfd")
                ),
            ),
            text(t!(
                lang,
                "  The receiver offered buffers of 6 and 16 bytes: the first is filled, the rest lands in \
                 the second (the lengths shown are the buffers', the text what landed). The sender: {from}.",
                "  接收者提供了 6 字节和 16 字节两个缓冲区：第一个被填满，其余落进第二个（显示的长度是\
                 缓冲区的，文本是实际落入的）。发送者：{from}。"
            )),
            ctx.path_func(
                sendmsg,
                "___sys_sendmsg",
                t!(lang, "net/socket.c", "net/socket.c"),
            ),
            ctx.func(
                "copy_msghdr_from_user",
                t!(
                    lang,
                    "copies struct msghdr in: msg_name, msg_iov, msg_iovlen, msg_control, msg_flags",
                    "把 struct msghdr 复制进内核：msg_name、msg_iov、msg_iovlen、msg_control、msg_flags"
                ),
            ),
            ctx.func(
                "import_iovec",
                t!(
                    lang,
                    "copies the iovec array in and checks each buffer",
                    "把 iovec 数组复制进内核并检查每个缓冲区"
                ),
            ),
            text(t!(
                lang,
                "  send, sendto and write are special cases of sendmsg: one buffer, with or without an \
                 address; msg_control carries what no other call can, such as file descriptors (SCM_RIGHTS).",
                "  send、sendto 和 write 都是 sendmsg 的特例：一个缓冲区，带或不带地址；msg_control \
                 能携带其他调用无法传递的东西，比如文件描述符（SCM_RIGHTS）。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "UNIX domain sockets: streams, datagrams and msghdr",
            "UNIX 域套接字：流、数据报与 msghdr"
        ),
        source: source(ctx, "uds", &["uds-stream", "uds-dgram", "uds-msg"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From real recordings (`tracer demo uds-stream`, `uds-dgram`, `uds-msg` on 6.18), trimmed,
    /// each record tagged with its demo as `record_demos` does.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":17695,"ret":3,"syscall":"socket","ts_ns":1975520839392,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-stream-17695/stream.sock"},"addrlen":48,"sockfd":3},"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":17695,"ret":0,"syscall":"bind","ts_ns":1975520880503,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"backlog":5,"sockfd":3},"kernel_path":[{"func":"__sys_listen","observed":false}],"pid":17695,"ret":0,"syscall":"listen","ts_ns":1975520956245,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"child":17697,"pid":17695,"thread":false,"ts_ns":1975521102883,"type":"fork","demo":"uds-stream"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":17697,"ret":4,"syscall":"socket","ts_ns":1975521270140,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-stream-17695/stream.sock"},"addrlen":48,"sockfd":4},"kernel_path":[{"func":"__sys_connect","observed":false}],"pid":17697,"ret":0,"syscall":"connect","ts_ns":1975521323519,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":2,"sockfd":3},"kernel_path":[{"func":"__sys_accept4","observed":false}],"pid":17695,"ret":4,"syscall":"accept","ts_ns":1975521149602,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"pid":17697,"ret":5,"syscall":"write","ts_ns":1975521489966,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"buf":{"data":"hello","len":5},"count":5,"fd":4},"pid":17695,"ret":5,"syscall":"read","ts_ns":1975521420794,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"buf":{"data":"hi","len":2},"count":2,"fd":4},"pid":17695,"ret":2,"syscall":"write","ts_ns":1975521517236,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"buf":{"data":"hi","len":2},"count":2,"fd":4},"pid":17697,"ret":2,"syscall":"read","ts_ns":1975521588943,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-stream-17695/stream.sock"},"pid":17695,"ret":0,"syscall":"unlink","ts_ns":1975521802800,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"fd":4},"pid":17695,"ret":0,"syscall":"close","ts_ns":1975521524187,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"fd":3},"pid":17695,"ret":0,"syscall":"close","ts_ns":1975521534212,"type":"syscall","demo":"uds-stream"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_DGRAM"},"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":17995,"ret":3,"syscall":"socket","ts_ns":1992673448236,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-dgram-17995/server.sock"},"addrlen":47,"sockfd":3},"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":17995,"ret":0,"syscall":"bind","ts_ns":1992673482857,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"child":17997,"pid":17995,"thread":false,"ts_ns":1992673697866,"type":"fork","demo":"uds-dgram"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_DGRAM"},"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":17997,"ret":4,"syscall":"socket","ts_ns":1992674092461,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-dgram-17995/client.sock"},"addrlen":47,"sockfd":4},"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":17997,"ret":0,"syscall":"bind","ts_ns":1992674124568,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"addrlen":47,"buf":{"data":"ping","len":4},"dest_addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-dgram-17995/server.sock"},"flags":"0","len":4,"sockfd":4},"kernel_path":[{"func":"__sys_sendto","observed":false}],"pid":17997,"ret":4,"syscall":"sendto","ts_ns":1992674196465,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"addrlen":47,"buf":{"data":"ping","len":4},"flags":"0","len":64,"sockfd":3,"src_addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-dgram-17995/client.sock"}},"kernel_path":[{"func":"__sys_recvfrom","observed":false}],"pid":17995,"ret":4,"syscall":"recvfrom","ts_ns":1992674453626,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"addrlen":47,"buf":{"data":"pong","len":4},"dest_addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-dgram-17995/client.sock"},"flags":"0","len":4,"sockfd":3},"kernel_path":[{"func":"__sys_sendto","observed":false}],"pid":17995,"ret":4,"syscall":"sendto","ts_ns":1992674607654,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"addrlen":47,"buf":{"data":"pong","len":4},"flags":"0","len":64,"sockfd":4,"src_addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-dgram-17995/server.sock"}},"kernel_path":[{"func":"__sys_recvfrom","observed":false}],"pid":17997,"ret":4,"syscall":"recvfrom","ts_ns":1992674298957,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-dgram-17995/client.sock"},"pid":17997,"ret":0,"syscall":"unlink","ts_ns":1992674842782,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-dgram-17995/server.sock"},"pid":17995,"ret":0,"syscall":"unlink","ts_ns":1992675284817,"type":"syscall","demo":"uds-dgram"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_DGRAM"},"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":18206,"ret":3,"syscall":"socket","ts_ns":2014509883501,"type":"syscall","demo":"uds-msg"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-msg-18206/msg.sock"},"addrlen":42,"sockfd":3},"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":18206,"ret":0,"syscall":"bind","ts_ns":2014509912113,"type":"syscall","demo":"uds-msg"}"#,
        r#"{"child":18208,"pid":18206,"thread":false,"ts_ns":2014510063508,"type":"fork","demo":"uds-msg"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_DGRAM"},"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":18208,"ret":4,"syscall":"socket","ts_ns":2014510367839,"type":"syscall","demo":"uds-msg"}"#,
        r#"{"args":{"flags":"0","msg":{"controllen":0,"flags":"0","iov":[{"data":"hello ","len":6},{"data":"world","len":5}],"iovlen":2,"name":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-msg-18206/msg.sock"}},"sockfd":4},"kernel_path":[{"func":"__sys_sendmsg","observed":false}],"pid":18208,"ret":11,"syscall":"sendmsg","ts_ns":2014510398694,"type":"syscall","demo":"uds-msg"}"#,
        r#"{"args":{"flags":"0","msg":{"controllen":0,"flags":"0","iov":[{"data":"hello ","len":6},{"data":"world","len":16}],"iovlen":2,"name":null},"sockfd":3},"kernel_path":[{"func":"__sys_recvmsg","observed":false}],"pid":18206,"ret":11,"syscall":"recvmsg","ts_ns":2014510669015,"type":"syscall","demo":"uds-msg"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-msg-18206/msg.sock"},"pid":18206,"ret":0,"syscall":"unlink","ts_ns":2014510872266,"type":"syscall","demo":"uds-msg"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "__sock_create",
            "unix_create",
            "__sys_bind",
            "unix_bind",
            "unix_listen",
            "__sys_connect",
            "unix_stream_connect",
            "__sys_accept4",
            "unix_accept",
            "unix_stream_sendmsg",
            "unix_stream_recvmsg",
            "__sys_sendto",
            "unix_dgram_sendmsg",
            "unix_dgram_recvmsg",
            "___sys_sendmsg",
            "copy_msghdr_from_user",
            "import_iovec",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 17695  bind(3, /tmp/tracer-demo-uds-stream-17695/stream.sock, 48) = 0",
                "pid 17695  listen(3, 5) = 0",
                ". __sock_create",
                ". unix_create",
                "- sock_map_fd",
                "pid 17697  connect(4, /tmp/tracer-demo-uds-stream-17695/stream.sock) = 0",
                "pid 17695  accept(3, {unnamed}, 2) = 4",
                "pid 17697  write(4, \"hello\", 5) = 5",
                "pid 17695  read(4, \"hello\", 5) = 5",
                "pid 17695  write(4, \"hi\", 2) = 2",
                "pid 17695  unlink(/tmp/tracer-demo-uds-stream-17695/stream.sock) = 0",
                "pid 17997  sendto(4, \"ping\", 4, 0, /tmp/tracer-demo-uds-dgram-17995/server.sock) = 4",
                "pid 17995  recvfrom(3, \"ping\", 64, 0, /tmp/tracer-demo-uds-dgram-17995/client.sock) = 4",
                "pid 18208  sendmsg(4, {name /tmp/tracer-demo-uds-msg-18206/msg.sock, iov [{\"hello \", 6}, {\"world\", 5}]}, 0) = 11",
                "pid 18206  recvmsg(3, {iov [{\"hello \", 6}, {\"world\", 16}]}, 0) = 11",
            ],
        );
        assert!(
            en.contains("the lowest free descriptor, 3 (inlined into its caller in this kernel)"),
            "{en}"
        );
        assert!(
            zh.contains("分配最小的空闲描述符 3（在本内核中被内联进调用者）"),
            "{zh}"
        );
        assert!(
            en.contains("accept returned 4: the server now has two descriptors, 3"),
            "{en}"
        );
        assert!(
            zh.contains("accept 返回了 4：服务器现在有两个描述符，3"),
            "{zh}"
        );
        assert!(en.contains("The sender: unnamed"), "{en}");
        assert!(
            en.contains("pid 17695  close(4) = 0\n  pid 17695  close(3) = 0"),
            "{en}"
        );
        assert!(zh.contains("发送者：未命名"), "{zh}");
    }
}
