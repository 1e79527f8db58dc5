//! The sticky-packet lesson: `tracer demo uds-seqpacket` runs the same client and server twice,
//! over `SOCK_STREAM` and over `SOCK_SEQPACKET`; the client writes "one", "two", "three" and
//! the server reads only once they are all queued. The lesson is in the return values of the
//! server's reads: 11 bytes at once over the stream, 3, 3 and 5 over the packet socket.
//!
//! Kernel facts (net/unix/af_unix.c, Linux 6.1 and 6.18): `unix_create` picks the operations by
//! type, `unix_stream_ops` or `unix_seqpacket_ops`; both connect with `unix_stream_connect`.
//! `write` on a socket goes `vfs_write` -> `sock_write_iter` -> `sock_sendmsg` and then, for a
//! stream, `unix_stream_sendmsg`, which queues the bytes as one or more `sk_buff`s on the peer;
//! for a packet socket `unix_seqpacket_sendmsg` -> `unix_dgram_sendmsg`, one `sk_buff` per
//! call, a record. `read` goes `sock_read_iter` -> `sock_recvmsg`: `unix_stream_recvmsg` ->
//! `unix_stream_read_generic` copies from one `sk_buff` after another until the buffer is full
//! or the queue is empty, while `unix_seqpacket_recvmsg` -> `unix_dgram_recvmsg` takes exactly
//! one `sk_buff` (a too-small buffer truncates it: `MSG_TRUNC`).

use serde_json::Value;

use super::values::{absent, call_line, get, source, text};
use super::{Ctx, Lesson, Run, Step};

/// The calls of one round of the experiment.
#[derive(Default)]
struct Round<'a> {
    socket: Option<&'a Value>,
    accept: Option<&'a Value>,
    client_socket: Option<&'a Value>,
    connect: Option<&'a Value>,
    writes: Vec<&'a Value>,
    reads: Vec<&'a Value>,
}

impl<'a> Round<'a> {
    /// The round whose server socket has type `ty`: the calls between that socket and the next
    /// one the server makes.
    fn of(run: Option<&'a Run>, ty: &str) -> Round<'a> {
        let Some(run) = run else {
            return Round::default();
        };
        let Some(socket) = run
            .all(|c| c["syscall"] == "socket" && c["args"]["type"] == ty)
            .first()
            .copied()
        else {
            return Round::default();
        };
        let server = socket["pid"].clone();
        let start = socket["ts_ns"].as_u64().unwrap_or(0);
        let end = run
            .all(|c| {
                c["syscall"] == "socket" && c["pid"] == server && c["ts_ns"].as_u64() > Some(start)
            })
            .first()
            .and_then(|c| c["ts_ns"].as_u64())
            .unwrap_or(u64::MAX);
        let within = |c: &Value| c["ts_ns"].as_u64().is_some_and(|t| t > start && t < end);
        let accept = run
            .all(|c| c["syscall"] == "accept" && c["pid"] == server && within(c))
            .first()
            .copied();
        let client_socket = run
            .all(|c| {
                c["syscall"] == "socket"
                    && c["args"]["type"] == ty
                    && c["pid"] != server
                    && within(c)
            })
            .first()
            .copied();
        let client = client_socket.map(|c| c["pid"].clone());
        let cfd = client_socket.map(|c| c["ret"].clone());
        let connect = run
            .all(|c| c["syscall"] == "connect" && Some(&c["pid"]) == client.as_ref() && within(c))
            .first()
            .copied();
        let writes = run.all(|c| {
            c["syscall"] == "write"
                && Some(&c["pid"]) == client.as_ref()
                && Some(&c["args"]["fd"]) == cfd.as_ref()
                && within(c)
        });
        let sfd = accept.map(|c| c["ret"].clone());
        let reads = run.all(|c| {
            c["syscall"] == "read"
                && c["pid"] == server
                && Some(&c["args"]["fd"]) == sfd.as_ref()
                && within(c)
        });
        Round {
            socket: Some(socket),
            accept,
            client_socket,
            connect,
            writes,
            reads,
        }
    }

    /// The byte counts the reads returned before end of file: `[11]`, `[3, 3, 5]`.
    fn sizes(&self, ctx: &Ctx) -> String {
        if self.reads.is_empty() {
            return absent(ctx.lang);
        }
        let n: Vec<String> = self
            .reads
            .iter()
            .filter(|c| c["ret"] != 0)
            .map(|c| c["ret"].to_string())
            .collect();
        format!("[{}]", n.join(", "))
    }

    fn write_lines(&self, ctx: &Ctx) -> Vec<super::Line> {
        let fd = get(ctx, self.client_socket, "/ret");
        if self.writes.is_empty() {
            return vec![call_line(ctx, None, "write", &format!("{fd}, ..."))];
        }
        self.writes
            .iter()
            .map(|c| {
                call_line(
                    ctx,
                    Some(c),
                    "write",
                    &format!(
                        "{fd}, {}, {}",
                        get(ctx, Some(c), "/args/buf"),
                        get(ctx, Some(c), "/args/count")
                    ),
                )
            })
            .collect()
    }

    fn read_lines(&self, ctx: &Ctx) -> Vec<super::Line> {
        let fd = get(ctx, self.accept, "/ret");
        if self.reads.is_empty() {
            return vec![call_line(ctx, None, "read", &format!("{fd}, ..., 64"))];
        }
        self.reads
            .iter()
            .map(|c| {
                call_line(
                    ctx,
                    Some(c),
                    "read",
                    &format!("{fd}, {}, 64", get(ctx, Some(c), "/args/buf")),
                )
            })
            .collect()
    }
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let stream = Round::of(ctx.run, "SOCK_STREAM");
    let packet = Round::of(ctx.run, "SOCK_SEQPACKET");
    let (s_sizes, p_sizes) = (stream.sizes(ctx), packet.sizes(ctx));
    let server = get(ctx, stream.socket, "/pid");
    let (c1, c2) = (
        get(ctx, stream.client_socket, "/pid"),
        get(ctx, packet.client_socket, "/pid"),
    );
    let s_first = get(ctx, stream.reads.first().copied(), "/args/buf");

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "One experiment, two socket types", "一个实验，两种套接字类型"),
        lines: vec![
            text(t!(
                lang,
                "The demo runs the same server and client twice; only the second argument of socket() changes:",
                "演示程序把同一对服务器和客户端运行两次；只有 socket() 的第二个参数不同："
            )),
            call_line(ctx, stream.socket, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            call_line(ctx, packet.socket, "socket", "AF_UNIX, SOCK_SEQPACKET, 0"),
            ctx.path_func(
                stream.socket,
                "__sys_socket",
                t!(lang, "net/socket.c: makes the socket and its fd", "net/socket.c：创建套接字和它的 fd"),
            ),
            ctx.path_func(
                stream.socket,
                "__sock_create",
                t!(lang, "finds the family's create function: AF_UNIX", "找到地址族的创建函数：AF_UNIX"),
            ),
            ctx.func(
                "unix_create",
                t!(
                    lang,
                    "net/unix/af_unix.c: picks sock->ops by type, unix_stream_ops or unix_seqpacket_ops",
                    "net/unix/af_unix.c：按类型选择 sock->ops，unix_stream_ops 或 unix_seqpacket_ops"
                ),
            ),
            text(t!(
                lang,
                "  Both are connection-oriented and reliable; the difference is what a read returns.",
                "  两者都面向连接、都可靠；区别在于一次读返回什么。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The connections are made the same way", "两次连接的建立方式完全相同"),
        lines: vec![
            text(t!(
                lang,
                "  server pid {server}: socket, bind, listen, fork, accept; client pids {c1} and {c2}: socket, connect.",
                "  服务器 pid {server}：socket、bind、listen、fork、accept；客户端 pid {c1} 和 {c2}：socket、connect。"
            )),
            call_line(ctx, stream.connect, "connect", &format!("{}, {}", get(ctx, stream.client_socket, "/ret"), get(ctx, stream.connect, "/args/addr/path"))),
            call_line(ctx, stream.accept, "accept", &format!("{}, {{unnamed}}", get(ctx, stream.accept, "/args/sockfd"))),
            call_line(ctx, packet.connect, "connect", &format!("{}, {}", get(ctx, packet.client_socket, "/ret"), get(ctx, packet.connect, "/args/addr/path"))),
            call_line(ctx, packet.accept, "accept", &format!("{}, {{unnamed}}", get(ctx, packet.accept, "/args/sockfd"))),
            ctx.func(
                "unix_stream_connect",
                t!(
                    lang,
                    "the connect of both types: a new socket for the server's side is queued for accept",
                    "两种类型共用的 connect：为服务器一侧新建一个套接字，排队等待 accept"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "Three writes, three messages", "三次写，三条消息"),
        lines: {
            let mut l = vec![text(t!(
                lang,
                "  The client writes three times over SOCK_STREAM (pid {c1}):",
                "  客户端在 SOCK_STREAM 上写了三次（pid {c1}）："
            ))];
            l.extend(stream.write_lines(ctx));
            l.push(text(t!(
                lang,
                "  and the same three over SOCK_SEQPACKET (pid {c2}):",
                "  在 SOCK_SEQPACKET 上也写了同样的三次（pid {c2}）："
            )));
            l.extend(packet.write_lines(ctx));
            l.push(ctx.func(
                "sock_write_iter",
                t!(
                    lang,
                    "write() on a socket: a sendmsg with no address",
                    "对套接字 write()：相当于不带地址的 sendmsg"
                ),
            ));
            l.push(ctx.func(
                "unix_stream_sendmsg",
                t!(
                    lang,
                    "SOCK_STREAM: the bytes are appended to the peer's receive queue",
                    "SOCK_STREAM：字节追加到对端的接收队列"
                ),
            ));
            l.push(ctx.func(
                "unix_seqpacket_sendmsg",
                t!(
                    lang,
                    "SOCK_SEQPACKET: handed to unix_dgram_sendmsg, one record per call",
                    "SOCK_SEQPACKET：交给 unix_dgram_sendmsg，每次调用一条记录"
                ),
            ));
            l.push(text(t!(
                lang,
                "  The server waits for the client to exit before reading: all three are queued when it reads.",
                "  服务器等客户端退出后才开始读：读的时候三条都已在队列里。"
            )));
            l
        },
    });

    steps.push(Step {
        title: t!(lang, "SOCK_STREAM: the writes merge", "SOCK_STREAM：三次写粘在一起"),
        lines: {
            let mut l = stream.read_lines(ctx);
            l.push(text(t!(
                lang,
                "  The first read returned all of it at once, {s_first}: a byte stream has no message \
                 boundaries. This is the sticky packet: the reader cannot tell where \"one\" ended.",
                "  第一次读就一下子返回了全部内容 {s_first}：字节流没有消息边界。这就是“粘包”：\
                 读者分不清 \"one\" 在哪里结束。"
            )));
            l.push(ctx.func(
                "unix_stream_recvmsg",
                t!(lang, "SOCK_STREAM's recvmsg", "SOCK_STREAM 的 recvmsg"),
            ));
            l.push(ctx.func(
                "unix_stream_read_generic",
                t!(
                    lang,
                    "copies from one queued buffer after another until the 64 bytes are full or the queue is empty",
                    "一个接一个地从排队的缓冲区复制，直到 64 字节装满或队列为空"
                ),
            ));
            l
        },
    });

    steps.push(Step {
        title: t!(lang, "SOCK_SEQPACKET: the messages stay apart", "SOCK_SEQPACKET：消息保持分开"),
        lines: {
            let mut l = packet.read_lines(ctx);
            l.push(text(t!(
                lang,
                "  One read, one message, exactly as written, then 0 at end of file.",
                "  一次读一条消息，与写入时完全一致，最后在文件结束时返回 0。"
            )));
            l.push(ctx.func(
                "unix_seqpacket_recvmsg",
                t!(lang, "SOCK_SEQPACKET's recvmsg", "SOCK_SEQPACKET 的 recvmsg"),
            ));
            l.push(ctx.func(
                "unix_dgram_recvmsg",
                t!(
                    lang,
                    "takes exactly one record off the queue; a buffer too small would cut it (MSG_TRUNC)",
                    "从队列中恰好取下一条记录；缓冲区太小会把它截断（MSG_TRUNC）"
                ),
            ));
            l
        },
    });

    steps.push(Step {
        title: t!(lang, "What the return values show", "返回值说明了什么"),
        lines: vec![
            text(t!(
                lang,
                "  bytes per read before end of file:   SOCK_STREAM {s_sizes}   SOCK_SEQPACKET {p_sizes}",
                "  文件结束前每次读到的字节数：   SOCK_STREAM {s_sizes}   SOCK_SEQPACKET {p_sizes}"
            )),
            text(t!(
                lang,
                "  Over a stream (SOCK_STREAM, and TCP) the protocol must frame its own messages: a length \
                 prefix or a delimiter. A packet socket (SOCK_SEQPACKET, or SOCK_DGRAM without the \
                 connection) hands each message back as it was sent.",
                "  在字节流上（SOCK_STREAM，还有 TCP），协议必须自己给消息分帧：加长度前缀或分隔符。\
                 分组套接字（SOCK_SEQPACKET，或不需要连接的 SOCK_DGRAM）按发送时的样子交回每条消息。"
            )),
            text(t!(
                lang,
                "  The merge depends on timing: a reader that is faster than the writer may see the \
                 pieces apart, which is why the bug hides in tests and appears under load.",
                "  粘不粘取决于时机：读得比写得快的读者可能看到分开的片段，所以这种错误在测试中藏着，\
                 在负载下才出现。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "Sticky packets: SOCK_STREAM against SOCK_SEQPACKET",
            "粘包：SOCK_STREAM 与 SOCK_SEQPACKET 对比"
        ),
        source: source(ctx, "uds-seqpacket", &["uds-seqpacket"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo uds-seqpacket` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"kernel_path":[{"func":"__x64_sys_socket","observed":false},{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":18410,"ret":3,"syscall":"socket","ts_ns":2033135158772,"type":"syscall"}"#,
        r#"{"child":18412,"pid":18410,"thread":false,"ts_ns":2033135464104,"type":"fork"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"kernel_path":[{"func":"__x64_sys_socket","observed":false},{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":18412,"ret":4,"syscall":"socket","ts_ns":2033136148889,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-seqpacket-18410/stream.sock"},"addrlen":51,"sockfd":4},"pid":18412,"ret":0,"syscall":"connect","ts_ns":2033136215067,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":2,"sockfd":3},"pid":18410,"ret":4,"syscall":"accept","ts_ns":2033135531053,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"one","len":3},"count":3,"fd":4},"pid":18412,"ret":3,"syscall":"write","ts_ns":2033136269898,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"two","len":3},"count":3,"fd":4},"pid":18412,"ret":3,"syscall":"write","ts_ns":2033136285381,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"three","len":5},"count":5,"fd":4},"pid":18412,"ret":5,"syscall":"write","ts_ns":2033136289417,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"onetwothree","len":11},"count":64,"fd":4},"pid":18410,"ret":11,"syscall":"read","ts_ns":2033136488962,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"","len":0},"count":64,"fd":4},"pid":18410,"ret":0,"syscall":"read","ts_ns":2033136516703,"type":"syscall"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_SEQPACKET"},"kernel_path":[{"func":"__x64_sys_socket","observed":false},{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":18410,"ret":3,"syscall":"socket","ts_ns":2033136590653,"type":"syscall"}"#,
        r#"{"child":18413,"pid":18410,"thread":false,"ts_ns":2033136725843,"type":"fork"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_SEQPACKET"},"kernel_path":[{"func":"__x64_sys_socket","observed":false},{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":18413,"ret":4,"syscall":"socket","ts_ns":2033140194052,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-seqpacket-18410/seqpacket.sock"},"addrlen":54,"sockfd":4},"pid":18413,"ret":0,"syscall":"connect","ts_ns":2033140260611,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":2,"sockfd":3},"pid":18410,"ret":4,"syscall":"accept","ts_ns":2033136752593,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"one","len":3},"count":3,"fd":4},"pid":18413,"ret":3,"syscall":"write","ts_ns":2033140309343,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"two","len":3},"count":3,"fd":4},"pid":18413,"ret":3,"syscall":"write","ts_ns":2033140326308,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"three","len":5},"count":5,"fd":4},"pid":18413,"ret":5,"syscall":"write","ts_ns":2033140330334,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"one","len":3},"count":64,"fd":4},"pid":18410,"ret":3,"syscall":"read","ts_ns":2033140591781,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"two","len":3},"count":64,"fd":4},"pid":18410,"ret":3,"syscall":"read","ts_ns":2033140620243,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"three","len":5},"count":64,"fd":4},"pid":18410,"ret":5,"syscall":"read","ts_ns":2033140627123,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"","len":0},"count":64,"fd":4},"pid":18410,"ret":0,"syscall":"read","ts_ns":2033140632672,"type":"syscall"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "__sys_socket",
            "__sock_create",
            "unix_create",
            "unix_stream_connect",
            "sock_write_iter",
            "unix_stream_sendmsg",
            "unix_seqpacket_sendmsg",
            "unix_stream_recvmsg",
            "unix_stream_read_generic",
            "unix_seqpacket_recvmsg",
            "unix_dgram_recvmsg",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 18410  socket(AF_UNIX, SOCK_STREAM, 0) = 3",
                "pid 18410  socket(AF_UNIX, SOCK_SEQPACKET, 0) = 3",
                "pid 18412  write(4, \"one\", 3) = 3",
                "pid 18413  write(4, \"three\", 5) = 5",
                "pid 18410  read(4, \"onetwothree\", 64) = 11",
                "pid 18410  read(4, \"two\", 64) = 3",
                "pid 18410  read(4, \"\", 64) = 0",
                "SOCK_STREAM [11]   SOCK_SEQPACKET [3, 3, 5]",
                "seqpacket.sock",
            ],
        );
        // The stream round's reads are not mixed into the packet round's, though both use fd 4.
        let stream_reads = en.matches("read(4, \"onetwothree\"").count();
        assert_eq!(stream_reads, 1, "{en}");
        assert!(zh.contains("18412 和 18413"), "{zh}");
    }
}
