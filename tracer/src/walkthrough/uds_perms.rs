//! The socket file permissions lesson: `tracer demo uds-perms` binds two UNIX sockets, one after
//! `fchmod(fd, 0600)` and one inside `umask(0077)`, and reports the mode each socket file got.
//! Connecting to a path-bound socket needs write permission on its file, so this mode is how a
//! server chooses its clients.
//!
//! Kernel facts (net/unix/af_unix.c, Linux 6.1 and 6.18): for a path, `unix_bind` calls
//! `unix_bind_bsd` (inlined), which creates the file with `vfs_mknod` and the mode
//! `S_IFSOCK | (SOCK_INODE(sock)->i_mode & ~current_umask())`: the socket's own inode (in
//! sockfs, 0777 when made) masked by the umask. `fchmod` on the socket's descriptor changes
//! that inode's mode, which is why it works before `bind` (a Linux behaviour; other systems
//! ignore `fchmod` on a socket). `unix_stream_connect` checks `MAY_WRITE` on the file when it
//! looks the path up.

use serde_json::Value;

use super::values::{absent, after, call_line, get, report, source, text};
use super::{Ctx, Lesson, Step};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let bind_to = |file: &str| -> Option<&Value> {
        run?.all(|c| {
            c["syscall"] == "bind"
                && c["args"]["addr"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(file))
        })
        .first()
        .copied()
    };
    let socket_before = |bind: Option<&Value>| -> Option<&Value> {
        let t = bind?["ts_ns"].as_u64();
        run?.all(|c| c["syscall"] == "socket" && c["ts_ns"].as_u64() < t)
            .last()
            .copied()
    };
    let unlink_of = |bind: Option<&Value>| -> Option<&Value> {
        let path = bind?["args"]["addr"]["path"].clone();
        run?.find(|c| c["syscall"] == "unlink" && c["args"]["pathname"] == path)
    };
    let (b1, b2) = (bind_to("/fchmod.sock"), bind_to("/umask.sock"));
    let (s1, s2) = (socket_before(b1), socket_before(b2));
    let (u1, u2) = (unlink_of(b1), unlink_of(b2));
    let r1 = report(run, "fchmod(fd, 0600) before bind");
    let r2 = report(run, "umask(0077) around bind");
    let word = |r: Option<&str>, key: &str| {
        r.and_then(|r| after(r, key))
            .map_or_else(|| absent(lang), String::from)
    };
    let (m1, m2, old) = (
        word(r1, "has mode "),
        word(r2, "has mode "),
        word(r2, "(old umask "),
    );
    let (p1, p2) = (
        get(ctx, b1, "/args/addr/path"),
        get(ctx, b2, "/args/addr/path"),
    );
    let (fd1, fd2) = (get(ctx, s1, "/ret"), get(ctx, s2, "/ret"));
    let pid = get(ctx, b1, "/pid");
    let bind_line = |c: Option<&Value>, fd: &str, p: &str| {
        call_line(
            ctx,
            c,
            "bind",
            &format!("{fd}, {p}, {}", get(ctx, c, "/args/addrlen")),
        )
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(
            lang,
            "Who may connect: the socket file's mode",
            "谁能连接：由套接字文件的权限决定"
        ),
        lines: vec![
            text(t!(
                lang,
                "  connect() to a socket bound to a path needs write permission on that file, so a \
                 server keeps strangers out by the file's mode. bind creates the file with the mode of \
                 the socket's own inode, 0777 for a new socket, minus the umask: with the usual umask \
                 {old}, every user could connect.",
                "  connect() 到绑定在路径上的套接字，需要对那个文件有写权限，所以服务器靠文件的权限\
                 把陌生人挡在外面。bind 创建文件时用的是套接字自身 inode 的权限（新套接字为 0777）\
                 减去 umask：在通常的 umask {old} 下，所有用户都能连接。"
            )),
            ctx.path_func(
                b1,
                "unix_bind",
                t!(lang, "net/unix/af_unix.c", "net/unix/af_unix.c"),
            ),
            ctx.inlined(
                "unix_bind_bsd",
                t!(
                    lang,
                    "mode = S_IFSOCK | (socket inode's mode & ~umask)",
                    "mode = S_IFSOCK | (套接字 inode 的权限 & ~umask)"
                ),
            ),
            ctx.func(
                "vfs_mknod",
                t!(
                    lang,
                    "creates the socket file with that mode",
                    "以这个权限创建套接字文件"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "fchmod before bind", "在 bind 之前 fchmod"),
        lines: vec![
            call_line(ctx, s1, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            text(t!(
                lang,
                "  fchmod({fd1}, 0600): changes the socket's own inode, 0777 -> 0600 (this lesson does \
                 not show fchmod's own line)",
                "  fchmod({fd1}, 0600)：修改套接字自身的 inode，0777 -> 0600（本课不展示 fchmod 自己的记录）"
            )),
            bind_line(b1, &fd1, &p1),
            text(t!(
                lang,
                "  The file got mode {m1}, as the demo's stat reports: 0600 & ~{old}. This is \
                 the lesson: the mode is fixed at the moment bind creates the file, from the socket's \
                 inode. On Linux only: elsewhere fchmod on a socket is ignored.",
                "  文件得到的权限是 {m1}，这是演示程序用 stat 报告的：0600 & ~{old}。这就是\
                 本课的重点：权限在 bind 创建文件的那一刻、依据套接字的 inode 确定。只有 Linux 这样：\
                 在别的系统上，对套接字 fchmod 会被忽略。"
            )),
            call_line(ctx, u1, "unlink", &p1),
        ],
    });

    steps.push(Step {
        title: t!(lang, "umask around bind: the portable way", "在 bind 前后设置 umask：可移植的做法"),
        lines: vec![
            call_line(ctx, s2, "socket", "AF_UNIX, SOCK_STREAM, 0"),
            text(t!(
                lang,
                "  umask(0077) returned the old mask, {old} (umask is not traced either)",
                "  umask(0077) 返回旧的掩码 {old}（umask 同样不被跟踪）"
            )),
            bind_line(b2, &fd2, &p2),
            text(t!(
                lang,
                "  umask({old}) restores it. The file got mode {m2}: 0777 & ~0077. umask is per process: \
                 in a threaded server another thread creating files meanwhile gets the strict mask too.",
                "  umask({old}) 把它恢复。文件得到的权限是 {m2}：0777 & ~0077。umask 是进程级的：\
                 在多线程服务器里，其他线程此时创建的文件也会被套上这个严格的掩码。"
            )),
            call_line(ctx, u2, "unlink", &p2),
        ],
    });

    steps.push(Step {
        title: t!(lang, "Not chmod after bind", "不要在 bind 之后 chmod"),
        lines: vec![
            text(t!(
                lang,
                "  chmod(path, 0600) after bind also ends at 0600, but between the two calls the file \
                 exists with the default mode and a client may already connect. Another way: bind in a \
                 directory only the server's user can enter (mode 0700).",
                "  在 bind 之后 chmod(path, 0600) 最终也是 0600，但在两次调用之间，文件以默认权限存在，\
                 客户端可能已经连了进来。另一种办法：在只有服务器用户能进入的目录（权限 0700）里 bind。"
            )),
            text(t!(
                lang,
                "  Pid {pid} made both sockets, with modes {m1} and {m2}.",
                "  pid {pid} 创建了两个套接字，权限分别是 {m1} 和 {m2}。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "The mode of a UNIX socket file: fchmod before bind, or umask",
            "UNIX 套接字文件的权限：bind 前 fchmod，或设置 umask"
        ),
        source: source(ctx, "uds-perms", &["uds-perms"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo uds-perms` with `-s 256` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"dur_ns":20160,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":24011,"ret":3,"syscall":"socket","ts_ns":4708034459002,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-perms-24011/fchmod.sock"},"addrlen":47,"sockfd":3},"dur_ns":30916,"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":24011,"ret":0,"syscall":"bind","ts_ns":4708034543507,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"fchmod(fd, 0600) before bind: /tmp/tracer-demo-uds-perms-24011/fchmod.sock has mode 0600 (fchmod took effect)\\n","len":110},"count":110,"fd":1},"dur_ns":10325,"pid":24011,"ret":110,"syscall":"write","ts_ns":4708034637076,"type":"syscall"}"#,
        r#"{"args":{"backlog":5,"sockfd":3},"dur_ns":9865,"kernel_path":[{"func":"__sys_listen","observed":false}],"pid":24011,"ret":0,"syscall":"listen","ts_ns":4708034699638,"type":"syscall"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-perms-24011/fchmod.sock"},"dur_ns":30075,"pid":24011,"ret":0,"syscall":"unlink","ts_ns":4708034805565,"type":"syscall"}"#,
        r#"{"args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"dur_ns":12939,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":24011,"ret":3,"syscall":"socket","ts_ns":4708034888468,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-perms-24011/umask.sock"},"addrlen":46,"sockfd":3},"dur_ns":26079,"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"unix_bind","observed":false}],"pid":24011,"ret":0,"syscall":"bind","ts_ns":4708034949258,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"umask(0077) around bind (old umask 0022): /tmp/tracer-demo-uds-perms-24011/umask.sock has mode 0700\\n","len":100},"count":100,"fd":1},"dur_ns":9224,"pid":24011,"ret":100,"syscall":"write","ts_ns":4708035007685,"type":"syscall"}"#,
        r#"{"args":{"backlog":5,"sockfd":3},"dur_ns":8472,"kernel_path":[{"func":"__sys_listen","observed":false}],"pid":24011,"ret":0,"syscall":"listen","ts_ns":4708035060273,"type":"syscall"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-uds-perms-24011/umask.sock"},"dur_ns":22664,"pid":24011,"ret":0,"syscall":"unlink","ts_ns":4708035149645,"type":"syscall"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&["unix_bind", "vfs_mknod"]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 24011  bind(3, /tmp/tracer-demo-uds-perms-24011/fchmod.sock, 47) = 0",
                "pid 24011  bind(3, /tmp/tracer-demo-uds-perms-24011/umask.sock, 46) = 0",
                "pid 24011  unlink(/tmp/tracer-demo-uds-perms-24011/umask.sock) = 0",
                "fchmod(3, 0600)",
                "0600 & ~0022",
                "umask(0022)",
                "- unix_bind_bsd",
            ],
        );
        assert!(en.contains("The file got mode 0600"), "{en}");
        assert!(en.contains("The file got mode 0700: 0777 & ~0077"), "{en}");
        assert!(zh.contains("文件得到的权限是 0600"), "{zh}");
        assert!(zh.contains("权限分别是 0600 和 0700"), "{zh}");
    }

    #[test]
    fn words_are_read_from_the_report_lines() {
        let line = "umask(0077) around bind (old umask 0022): /tmp/x.sock has mode 0700\\n";
        assert_eq!(after(line, "has mode "), Some("0700"));
        assert_eq!(after(line, "(old umask "), Some("0022"));
        assert_eq!(after(line, "nothing"), None);
    }
}
