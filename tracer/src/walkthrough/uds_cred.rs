//! The credentials lesson: `tracer demo uds-cred` asks who is on the other end of a UNIX socket
//! three ways: `SO_PEERCRED` on an accepted connection, `stat` of the socket file the client
//! bound (the classic texts' way), and `SCM_CREDENTIALS` sent by a process that dropped to
//! `nobody`, once with its own credentials and once claiming the parent's pid and uid 0.
//!
//! Kernel facts (Linux 6.1 and 6.18):
//! - net/unix/af_unix.c `unix_stream_connect` records the pid and credentials of the process
//!   calling `connect` in the server's new socket (`sk_peer_pid`, `sk_peer_cred`), and the
//!   listener's (recorded at `listen`) in the client's socket; nothing updates them later.
//! - net/core/sock.c `sk_getsockopt`, `case SO_PEERCRED`: `cred_to_ucred(sk->sk_peer_pid,
//!   sk->sk_peer_cred, &peercred)` and copies at most `sizeof(struct ucred)` (12) bytes out.
//! - net/core/sock.c `sk_setsockopt`, `case SO_PASSCRED`: turns on credential passing for the
//!   socket.
//! - net/core/scm.c `__scm_send`, `case SCM_CREDENTIALS`: the length must be
//!   `CMSG_LEN(sizeof(struct ucred))`, then `scm_check_creds` (static `__inline__`, no symbol
//!   in either kernel): the pid must be the sender's own (`task_tgid_vnr(current)`) unless it
//!   has `CAP_SYS_ADMIN`, the uid its real, effective or saved uid unless `CAP_SETUID`, the gid
//!   likewise unless `CAP_SETGID`; otherwise `-EPERM`.
//! - The receiver gets them back through `put_cmsg(msg, SOL_SOCKET, SCM_CREDENTIALS, ...)` when
//!   its socket has `SO_PASSCRED` (6.1: `scm_recv` in include/net/scm.h; 6.18: `scm_recv_unix`
//!   in net/core/scm.c); `unix_dgram_sendmsg` attaches the sender's own credentials
//!   (`maybe_add_creds`) when it sent none and either end has `SO_PASSCRED`.

use serde_json::Value;

use super::values::{absent, after, call_line, get, report, source, text};
use super::{Ctx, Lesson, Step};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let first = |pred: &dyn Fn(&Value) -> bool| -> Option<&Value> {
        run?.all(|c| pred(c)).first().copied()
    };
    let named = |name: &'static str| move |c: &Value| c["syscall"] == name;
    let bind_to = |file: &'static str| {
        move |c: &Value| {
            c["syscall"] == "bind"
                && c["args"]["addr"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(file))
        }
    };
    let s_bind = first(&bind_to("/server.sock"));
    let c_bind = first(&bind_to("/client.sock"));
    let server = s_bind.map(|c| c["pid"].clone());
    let client = c_bind.map(|c| c["pid"].clone());
    let by = |who: Option<&Value>, name: &'static str| {
        first(&move |c: &Value| c["syscall"] == name && Some(&c["pid"]) == who)
    };
    let s_socket = by(server.as_ref(), "socket");
    let listen = by(server.as_ref(), "listen");
    let accept = by(server.as_ref(), "accept");
    let getsockopt = first(&named("getsockopt"));
    let c_socket = by(client.as_ref(), "socket");
    let connect = by(client.as_ref(), "connect");
    let c_unlink = first(&|c: &Value| {
        c["syscall"] == "unlink"
            && c["args"]["pathname"]
                .as_str()
                .is_some_and(|p| p.ends_with("/client.sock"))
    });
    let socketpair = first(&named("socketpair"));
    let passcred =
        first(&|c: &Value| c["syscall"] == "setsockopt" && c["args"]["optname"] == "SO_PASSCRED");
    let sends: Vec<&Value> = run
        .map(|r| r.all(|c| c["syscall"] == "sendmsg"))
        .unwrap_or_default();
    let (mine, claim) = (sends.first().copied(), sends.get(1).copied());
    let recvmsg = first(&named("recvmsg"));

    let (spid, cpid) = (get(ctx, s_bind, "/pid"), get(ctx, c_bind, "/pid"));
    let (lfd, cfd, afd) = (
        get(ctx, s_socket, "/ret"),
        get(ctx, c_socket, "/ret"),
        get(ctx, accept, "/ret"),
    );
    let (spath, cpath) = (
        get(ctx, s_bind, "/args/addr/path"),
        get(ctx, c_bind, "/args/addr/path"),
    );
    let peercred = get(ctx, getsockopt, "/args/optval");
    let stat_line = report(run, "server: stat(");
    let word = |key: &str| {
        stat_line
            .and_then(|r| after(r, key))
            .map_or_else(|| absent(lang), String::from)
    };
    let (st_uid, st_gid, st_mode) = (word("): uid "), word(" gid "), word(" mode "));
    let dropped = report(run, "sender: now uid ")
        .and_then(|r| after(r, "now uid "))
        .map_or_else(|| absent(lang), |w| w.trim_end_matches(',').to_string());
    let (sv0, sv1) = (
        get(ctx, socketpair, "/args/sv/0"),
        get(ctx, socketpair, "/args/sv/1"),
    );
    let sender = get(ctx, mine, "/pid");
    // `{pid=7, uid=0, gid=0}` from a decoded SCM_CREDENTIALS control message.
    let creds = |c: Option<&Value>| {
        let f = |k: &str| get(ctx, c, &format!("/args/msg/control/cmsgs/0/data/{k}"));
        format!("{{pid={}, uid={}, gid={}}}", f("pid"), f("uid"), f("gid"))
    };
    let msg_line = |c: Option<&Value>, name: &str| {
        call_line(
            ctx,
            c,
            name,
            &format!(
                "{}, {{\"{}\", SCM_CREDENTIALS {}}}, 0",
                get(ctx, c, "/args/sockfd"),
                get(ctx, c, "/args/msg/iov/0/data"),
                creds(c)
            ),
        )
    };
    let (mine_creds, claim_creds, got_creds) = (creds(mine), creds(claim), creds(recvmsg));

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "Who is on the other end? connect records it",
            "对端是谁？connect 时就记下了"
        ),
        lines: vec![
            call_line(ctx, s_socket, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            call_line(ctx, s_bind, "bind", &format!("{lfd}, {spath}")),
            call_line(ctx, listen, "listen", &format!("{lfd}, 5")),
            call_line(ctx, c_bind, "bind", &format!("{cfd}, {cpath}")),
            call_line(ctx, connect, "connect", &format!("{cfd}, {spath}")),
            ctx.path_func(
                connect,
                "unix_stream_connect",
                t!(
                    lang,
                    "net/unix/af_unix.c: stores the pid, uid and gid of the process calling connect (pid {cpid}) in the server's new socket",
                    "net/unix/af_unix.c：把调用 connect 的进程（pid {cpid}）的 pid、uid 和 gid 存进服务器一端的新套接字"
                ),
            ),
            text(t!(
                lang,
                "  A server that serves several users must know which one is asking. On a UNIX socket \
                 the kernel knows: it saw the client call connect, and it keeps what it saw. The \
                 client (pid {cpid}) also bound its socket to a file, for the older way in step 3.",
                "  为多个用户服务的服务器必须知道是谁在请求。在 UNIX 套接字上内核知道答案：它看着客户端\
                 调用 connect，并记下了所看到的。客户端（pid {cpid}）还把自己的套接字绑定到一个文件上，\
                 用于第 3 步中的旧办法。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "SO_PEERCRED: ask the kernel",
            "SO_PEERCRED：向内核询问"
        ),
        lines: vec![
            call_line(ctx, accept, "accept", &format!("{lfd}, {cpath}")),
            call_line(
                ctx,
                getsockopt,
                "getsockopt",
                &format!(
                    "{afd}, SOL_SOCKET, SO_PEERCRED, {peercred}, [{}]",
                    get(ctx, getsockopt, "/args/optlen")
                ),
            ),
            ctx.func(
                "sk_getsockopt",
                t!(
                    lang,
                    "net/core/sock.c: case SO_PEERCRED copies the recorded pid, uid and gid out as a struct ucred (12 bytes)",
                    "net/core/sock.c：case SO_PEERCRED 把记下的 pid、uid 和 gid 作为 struct ucred（12 字节）复制出去"
                ),
            ),
            text(t!(
                lang,
                "  {peercred}: the pid is the client's, {cpid}, and uid 0 because the demo runs as root. \
                 The client did not send these and cannot forge them. They are what it was at connect: \
                 a client that calls setuid afterwards, or hands its descriptor to another process, \
                 still shows as it was then.",
                "  {peercred}：pid 就是客户端的 {cpid}，uid 为 0 是因为演示程序以 root 运行。\
                 这些不是客户端发来的，它也无法伪造。它们是 connect 那一刻的身份：之后才调用 setuid \
                 的客户端，或把描述符交给别的进程的客户端，显示的仍是当时的身份。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "The older way: stat the client's socket file",
            "旧办法：stat 客户端的套接字文件"
        ),
        lines: vec![
            text(t!(
                lang,
                "  accept returned the path the client bound, {cpath}. The demo's stat of it found \
                 uid {st_uid}, gid {st_gid}, mode {st_mode} (stat is newfstatat, not recorded by default).",
                "  accept 返回了客户端绑定的路径 {cpath}。演示程序对它 stat 得到 uid {st_uid}、\
                 gid {st_gid}、权限 {st_mode}（stat 即 newfstatat，默认不记录）。"
            )),
            text(t!(
                lang,
                "  This is how the classic texts identify a client (Stevens, APUE, serv_accept): the \
                 client binds to a name and makes it rwx------, the server takes st_uid as the client's \
                 user, and refuses a file that is not a socket, is open to others, or is older than 30 \
                 seconds. It would refuse this one, mode {st_mode}.",
                "  经典教材就是这样识别客户端的（Stevens，APUE，serv_accept）：客户端绑定一个名字并\
                 把它设为 rwx------，服务器把 st_uid 当作客户端的用户，不是套接字、对他人开放、或超过 \
                 30 秒的文件一律拒绝。它会拒绝这个权限为 {st_mode} 的文件。"
            )),
            text(t!(
                lang,
                "  A file only says who created it, and it outlives the client: the server must remove it.",
                "  文件只能说明是谁创建了它，而且它比客户端活得久：服务器必须把它删掉。"
            )),
            call_line(ctx, c_unlink, "unlink", &cpath),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "SCM_CREDENTIALS: the sender says who it is, the kernel checks",
            "SCM_CREDENTIALS：发送者自报身份，内核核对"
        ),
        lines: vec![
            call_line(
                ctx,
                socketpair,
                "socketpair",
                &format!("AF_UNIX, SOCK_DGRAM, 0, [{sv0}, {sv1}]"),
            ),
            call_line(
                ctx,
                passcred,
                "setsockopt",
                &format!("{sv0}, SOL_SOCKET, SO_PASSCRED, [1], 4"),
            ),
            ctx.func(
                "sk_setsockopt",
                t!(
                    lang,
                    "net/core/sock.c: the receiving socket asks for credentials with every message",
                    "net/core/sock.c：接收方套接字要求每条消息都附带凭据"
                ),
            ),
            text(t!(
                lang,
                "  The sender (pid {sender}) first dropped to uid {dropped} (setgroups, setgid, setuid: \
                 not recorded by default): root may claim any pid and uid.",
                "  发送者（pid {sender}）先降为 uid {dropped}（setgroups、setgid、setuid：默认不记录）：\
                 root 可以声称任何 pid 和 uid。"
            )),
            msg_line(mine, "sendmsg"),
            ctx.func(
                "__scm_send",
                t!(
                    lang,
                    "net/core/scm.c: reads the control messages; for SCM_CREDENTIALS checks the claim",
                    "net/core/scm.c：读取控制消息；对 SCM_CREDENTIALS 核对所声称的身份"
                ),
            ),
            ctx.inlined(
                "scm_check_creds",
                t!(
                    lang,
                    "another pid needs CAP_SYS_ADMIN, another uid or gid CAP_SETUID or CAP_SETGID",
                    "声称别的 pid 需要 CAP_SYS_ADMIN，别的 uid 或 gid 需要 CAP_SETUID 或 CAP_SETGID"
                ),
            ),
            msg_line(claim, "sendmsg"),
            text(t!(
                lang,
                "  {mine_creds} is the sender itself, so it went through. {claim_creds} is the parent's pid \
                 and root's uid: the kernel refused it, and the message was not sent.",
                "  {mine_creds} 就是发送者自己，所以通过了。{claim_creds} 是父进程的 pid 和 root 的 uid：\
                 内核拒绝了它，这条消息没有发出。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "The receiver reads the credentials",
            "接收者读到凭据"
        ),
        lines: vec![
            msg_line(recvmsg, "recvmsg"),
            ctx.path_func(
                recvmsg,
                "unix_dgram_recvmsg",
                t!(lang, "net/unix/af_unix.c", "net/unix/af_unix.c"),
            ),
            ctx.func(
                "put_cmsg",
                t!(
                    lang,
                    "net/core/scm.c: writes the credentials into msg_control, as SO_PASSCRED asked",
                    "net/core/scm.c：按 SO_PASSCRED 的要求把凭据写进 msg_control"
                ),
            ),
            text(t!(
                lang,
                "  The parent (pid {spid}) received {got_creds}: only the message the kernel let through, \
                 with credentials the kernel checked. A receiver can trust them as far as it trusts \
                 the kernel's rule: root could have claimed anything.",
                "  父进程（pid {spid}）收到了 {got_creds}：只有内核放行的那条消息，带着内核核对过的凭据。\
                 接收者对它们的信任，以内核的规则为限：root 本可以声称任何身份。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "Who is the peer? SO_PEERCRED, the socket file, SCM_CREDENTIALS",
            "对端是谁？SO_PEERCRED、套接字文件与 SCM_CREDENTIALS"
        ),
        source: source(ctx, "uds-cred", &["uds-cred"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer record --format jsonl -s 256 -- tracer demo uds-cred`
    /// as root on 6.18), trimmed to the calls and report lines the lesson reads.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"dur_ns":12140,"pid":18327,"ret":3,"syscall":"socket","ts_ns":52624376410305,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-cred-18327/server.sock"},"addrlen":46,"sockfd":3},"dur_ns":24927,"pid":18327,"ret":0,"syscall":"bind","ts_ns":52624376424916,"type":"syscall"}"#,
        r#"{"args":{"backlog":5,"sockfd":3},"dur_ns":2055,"pid":18327,"ret":0,"syscall":"listen","ts_ns":52624376450730,"type":"syscall"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"dur_ns":3936,"pid":18328,"ret":4,"syscall":"socket","ts_ns":52624376664392,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-cred-18327/client.sock"},"addrlen":46,"sockfd":4},"dur_ns":20892,"pid":18328,"ret":0,"syscall":"bind","ts_ns":52624376669348,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-cred-18327/server.sock"},"addrlen":46,"sockfd":4},"dur_ns":9716,"pid":18328,"ret":0,"syscall":"connect","ts_ns":52624376691911,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-cred-18327/client.sock"},"addrlen":46,"sockfd":3},"dur_ns":99230,"pid":18327,"ret":4,"syscall":"accept","ts_ns":52624376609595,"type":"syscall"}"#,
        r#"{"args":{"level":"SOL_SOCKET","optlen":12,"optname":"SO_PEERCRED","optval":"{pid=18328, uid=0, gid=0}","sockfd":4},"dur_ns":3033,"pid":18327,"ret":0,"syscall":"getsockopt","ts_ns":52624376738663,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"server: stat(/tmp/tracer-demo-uds-cred-18327/client.sock): uid 0 gid 0 mode 0755\\n","len":81},"count":81,"fd":1},"dur_ns":230,"pid":18327,"ret":81,"syscall":"write","ts_ns":52624376750897,"type":"syscall"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-cred-18327/client.sock"},"dur_ns":18262,"pid":18327,"ret":0,"syscall":"unlink","ts_ns":52624377062131,"type":"syscall"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-cred-18327/server.sock"},"dur_ns":5265,"pid":18327,"ret":0,"syscall":"unlink","ts_ns":52624377081649,"type":"syscall"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"sv":[3,4],"type":"SOCK_DGRAM"},"dur_ns":7414,"pid":18327,"ret":0,"syscall":"socketpair","ts_ns":52624377091452,"type":"syscall"}"#,
        r#"{"args":{"level":"SOL_SOCKET","optlen":4,"optname":"SO_PASSCRED","optval":[1],"sockfd":3},"dur_ns":2440,"pid":18327,"ret":0,"syscall":"setsockopt","ts_ns":52624377099942,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"sender: now uid 65534, gid 65534\\n","len":33},"count":33,"fd":1},"dur_ns":1726,"pid":18329,"ret":33,"syscall":"write","ts_ns":52624380176249,"type":"syscall"}"#,
        r#"{"args":{"flags":"0","msg":{"control":{"cmsgs":[{"data":{"gid":65534,"pid":18329,"uid":65534},"len":28,"level":"SOL_SOCKET","type":"SCM_CREDENTIALS"}]},"controllen":32,"flags":"0","iov":[{"data":"mine","len":4}],"iovlen":1,"name":null,"namelen":0},"sockfd":4},"dur_ns":26144,"pid":18329,"ret":4,"syscall":"sendmsg","ts_ns":52624380183893,"type":"syscall"}"#,
        r#"{"args":{"flags":"0","msg":{"control":{"cmsgs":[{"data":{"gid":0,"pid":18327,"uid":0},"len":28,"level":"SOL_SOCKET","type":"SCM_CREDENTIALS"}]},"controllen":32,"flags":"0","iov":[{"data":"root","len":4}],"iovlen":1,"name":null,"namelen":0},"sockfd":4},"dur_ns":551,"errno":"EPERM","pid":18329,"ret":-1,"syscall":"sendmsg","ts_ns":52624380217169,"type":"syscall"}"#,
        r#"{"args":{"flags":"0","msg":{"control":{"cmsgs":[{"data":{"gid":65534,"pid":18329,"uid":65534},"len":28,"level":"SOL_SOCKET","type":"SCM_CREDENTIALS"}]},"controllen":32,"flags":"0","iov":[{"data":"mine","len":16}],"iovlen":1,"name":null,"namelen":0},"sockfd":3},"dur_ns":3069874,"pid":18327,"ret":4,"syscall":"recvmsg","ts_ns":52624377181101,"type":"syscall"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "unix_stream_connect",
            "sk_getsockopt",
            "sk_setsockopt",
            "__scm_send",
            "unix_dgram_recvmsg",
            "put_cmsg",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 18328  connect(4, /tmp/tracer-demo-uds-cred-18327/server.sock) = 0",
                "pid 18327  getsockopt(4, SOL_SOCKET, SO_PEERCRED, {pid=18328, uid=0, gid=0}, [12]) = 0",
                "pid 18327  unlink(/tmp/tracer-demo-uds-cred-18327/client.sock) = 0",
                "pid 18327  setsockopt(3, SOL_SOCKET, SO_PASSCRED, [1], 4) = 0",
                "pid 18329  sendmsg(4, {\"mine\", SCM_CREDENTIALS {pid=18329, uid=65534, gid=65534}}, 0) = 4",
                "pid 18329  sendmsg(4, {\"root\", SCM_CREDENTIALS {pid=18327, uid=0, gid=0}}, 0) = -1 EPERM",
                "pid 18327  recvmsg(3, {\"mine\", SCM_CREDENTIALS {pid=18329, uid=65534, gid=65534}}, 0) = 4",
                ". sk_getsockopt",
                ". __scm_send",
                "- scm_check_creds",
                "0755",
                "65534",
            ],
        );
        assert!(en.contains("found uid 0, gid 0, mode 0755"), "{en}");
        assert!(en.contains("dropped to uid 65534 "), "{en}");
        assert!(zh.contains("得到 uid 0、gid 0、权限 0755"), "{zh}");
        assert!(zh.contains("先降为 uid 65534（"), "{zh}");
    }
}
