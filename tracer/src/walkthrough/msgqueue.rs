//! The message queue lesson: `tracer demo msgqueue`, a System V queue that keeps message
//! boundaries and lets the receiver choose by type; the queue belongs to the kernel, not to the
//! process, and lives until `msgctl(IPC_RMID)`.
//!
//! Kernel facts (ipc/msg.c, Linux 6.1 and 6.18): `msgget` is `ksys_msgget`, which through
//! `ipcget` (ipc/util.c) finds the key or, with `IPC_CREAT`, makes a queue in `newque` and
//! gives it an id with `ipc_addid`. `msgsnd` is `do_msgsnd`: `load_msg` (ipc/msgutil.c) copies
//! the text into a `struct msg_msg` in kernel memory, appended to the queue's `q_messages`
//! list. `msgrcv` is `do_msgrcv`: `find_msg` (static, inlined) walks the list for the first
//! message that `msgtyp` selects, and `store_msg` copies it out. `IPC_RMID` goes through
//! `msgctl_down` to `freeque`, which wakes any waiter with `EIDRM` and frees what is left.

use serde_json::Value;

use super::values::{absent, call_line, get, source, text};
use super::{Ctx, Lesson, Step};

/// `ftok`'s parts of a key: project id, the file's device and inode (glibc: `(id & 0xff) << 24
/// | (st_dev & 0xff) << 16 | (st_ino & 0xffff)`).
fn key_parts(key: &str) -> Option<(u64, u64, u64)> {
    let k = u64::from_str_radix(key.strip_prefix("0x")?, 16).ok()?;
    Some((k >> 24 & 0xff, k >> 16 & 0xff, k & 0xffff))
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let find = |name: &str| -> Vec<&Value> {
        run.map(|r| r.all(|c| c["syscall"] == name))
            .unwrap_or_default()
    };
    let msgget = find("msgget").first().copied();
    let sends = find("msgsnd");
    let recvs = find("msgrcv");
    let rmid = find("msgctl")
        .into_iter()
        .find(|c| c["args"]["cmd"] == "IPC_RMID");
    let pid = msgget.and_then(|c| c["pid"].as_i64());
    let exit = run.zip(pid).and_then(|(r, pid)| {
        r.records.iter().find(|e| {
            e["type"] == "exit" && e["pid"] == pid && e["tid"].as_i64().is_none_or(|t| t == pid)
        })
    });

    let id = get(ctx, msgget, "/ret");
    let key = get(ctx, msgget, "/args/key");
    let flags = get(ctx, msgget, "/args/msgflg");
    let (proj, dev, ino) = key_parts(&key).map_or_else(
        || (absent(lang), absent(lang), absent(lang)),
        |(p, d, i)| {
            let proj = u8::try_from(p)
                .ok()
                .filter(u8::is_ascii_graphic)
                .map_or_else(
                    || format!("{p:#x}"),
                    |c| format!("'{}' = {p:#x}", c as char),
                );
            (proj, format!("{d:#04x}"), format!("{i:#06x}"))
        },
    );
    let send = |i: usize| sends.get(i).copied();
    let recv = |i: usize| recvs.get(i).copied();
    let send_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "msgsnd",
            &format!(
                "{id}, {{mtype {}, {}}}, {}, 0",
                get(ctx, c, "/args/msgp/mtype"),
                get(ctx, c, "/args/msgp/mtext"),
                get(ctx, c, "/args/msgsz")
            ),
        )
    };
    let recv_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "msgrcv",
            &format!(
                "{id}, {{mtype {}, {}}}, {}, {}, 0",
                get(ctx, c, "/args/msgp/mtype"),
                get(ctx, c, "/args/msgp/mtext"),
                get(ctx, c, "/args/msgsz"),
                get(ctx, c, "/args/msgtyp")
            ),
        )
    };
    let (r1_typ, r1_got, r1_text, r1_n) = (
        get(ctx, recv(0), "/args/msgtyp"),
        get(ctx, recv(0), "/args/msgp/mtype"),
        get(ctx, recv(0), "/args/msgp/mtext"),
        get(ctx, recv(0), "/ret"),
    );
    let (r2_got, r2_text) = (
        get(ctx, recv(1), "/args/msgp/mtype"),
        get(ctx, recv(1), "/args/msgp/mtext"),
    );
    let exited = match (
        exit.and_then(|e| e["ts_ns"].as_u64()),
        rmid.and_then(|c| c["ts_ns"].as_u64()),
    ) {
        (Some(e), Some(r)) if e > r => t!(
            lang,
            "  In this run the process exited {} us after IPC_RMID: the queue was gone first.",
            "  本次运行中进程在 IPC_RMID 之后 {} 微秒退出：队列先于进程消失。",
            (e - r) / 1000
        ),
        // A handout without a run says what a run would show, not what it lacked.
        _ if ctx.run.is_none() => t!(
            lang,
            "  With a recorded run, this line says how long after IPC_RMID the process exited.",
            "  有了录制的运行，这一行会说明进程在 IPC_RMID 之后多久退出。"
        ),
        _ => t!(
            lang,
            "  The process's exit was not recorded in this run.",
            "  本次运行没有记录到进程退出。"
        ),
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "ftok: a key both sides can compute", "ftok：双方都能算出的键"),
        lines: vec![
            text(t!(
                lang,
                "key = ftok(path, 'T') is a C library function, not a system call: it stats the file \
                 and packs three numbers into 32 bits, so unrelated processes that know the path and \
                 the letter get the same key.",
                "key = ftok(path, 'T') 是 C 库函数，不是系统调用：它对文件做 stat，把三个数装进 32 位，\
                 于是知道路径和字母的无关进程能得到同一个键。"
            )),
            // A handout printed without a run leaves blanks for the student's own run.
            text(if ctx.run.is_some() {
                t!(
                    lang,
                    "  this run: key {key} = project {proj} << 24 | device {dev} << 16 | inode {ino}",
                    "  本次运行：key {key} = 项目号 {proj} << 24 | 设备号 {dev} << 16 | inode {ino}"
                )
            } else {
                t!(
                    lang,
                    "  your run: key {key} = project {proj} << 24 | device {dev} << 16 | inode {ino}",
                    "  你的运行：key {key} = 项目号 {proj} << 24 | 设备号 {dev} << 16 | inode {ino}"
                )
            }),
            text(t!(
                lang,
                "  (only the low 16 bits of the inode: two files can collide; IPC_PRIVATE avoids keys altogether)",
                "  （只取 inode 的低 16 位：两个文件可能撞上同一个键；IPC_PRIVATE 则完全不用键）"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "msgget: the kernel makes the queue", "msgget：内核创建队列"),
        lines: vec![
            call_line(ctx, msgget, "msgget", &format!("{key}, {flags}")),
            text(t!(
                lang,
                "  The queue's id is {id}. It is not a file descriptor: it is in no process's descriptor \
                 table but in the kernel's table of the IPC namespace, where any process with the right \
                 permissions can name it.",
                "  队列的 id 是 {id}。它不是文件描述符：它不在任何进程的描述符表里，而在内核中 IPC \
                 命名空间的表里，任何有权限的进程都能用它。"
            )),
            ctx.path_func(
                msgget,
                "ksys_msgget",
                t!(lang, "ipc/msg.c: msgget's body", "ipc/msg.c：msgget 的主体"),
            ),
            ctx.func(
                "ipcget",
                t!(
                    lang,
                    "ipc/util.c: look the key up; IPC_CREAT|IPC_EXCL: fail with EEXIST if it exists",
                    "ipc/util.c：查找这个键；IPC_CREAT|IPC_EXCL：已存在则以 EEXIST 失败"
                ),
            ),
            ctx.func(
                "newque",
                t!(
                    lang,
                    "allocates struct msg_queue: an empty list, a 16384-byte limit (msgmnb)",
                    "分配 struct msg_queue：一个空链表，容量上限 16384 字节（msgmnb）"
                ),
            ),
            ctx.func(
                "ipc_addid",
                t!(lang, "gives it the id {id}", "给它分配 id {id}"),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "msgsnd: two messages of two types", "msgsnd：两种类型的两条消息"),
        lines: vec![
            send_line(send(0)),
            send_line(send(1)),
            text(t!(
                lang,
                "  The buffer is struct {{ long mtype; char mtext[]; }}: msgsz counts only the text \
                 ({} and {} bytes here), never the 8-byte mtype.",
                "  缓冲区是 struct {{ long mtype; char mtext[]; }}：msgsz 只计正文（这里是 {} 和 {} 字节），\
                 不含 8 字节的 mtype。",
                get(ctx, send(0), "/args/msgsz"),
                get(ctx, send(1), "/args/msgsz")
            )),
            ctx.path_func(
                send(0),
                "do_msgsnd",
                t!(lang, "ipc/msg.c: msgsnd's body", "ipc/msg.c：msgsnd 的主体"),
            ),
            ctx.func(
                "load_msg",
                t!(
                    lang,
                    "ipc/msgutil.c: copies mtext from user memory into a struct msg_msg",
                    "ipc/msgutil.c：把 mtext 从用户内存复制进一个 struct msg_msg"
                ),
            ),
            text(t!(
                lang,
                "  Each message is appended to the queue's list with its type: the queue now holds \
                 [mtype 1, mtype 2], oldest first, each a separate message.",
                "  每条消息连同它的类型追加到队列的链表尾部：现在队列里是 [mtype 1, mtype 2]，\
                 最早的在前，每条都是独立的消息。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "msgrcv by type: the second message first", "按类型 msgrcv：第二条消息先出来"),
        lines: vec![
            recv_line(recv(0)),
            text(t!(
                lang,
                "  msgtyp = {r1_typ} asks for the first message of type {r1_typ}: out comes mtype {r1_got}, \
                 {r1_text} ({r1_n} bytes), although it was sent last. This is what the lesson is about: \
                 the receiver chooses, the queue is not strictly first in, first out.",
                "  msgtyp = {r1_typ} 要的是第一条类型为 {r1_typ} 的消息：取出的是 mtype {r1_got}，\
                 {r1_text}（{r1_n} 字节），尽管它是最后发送的。这正是本课的重点：由接收者挑选，\
                 队列并不严格先进先出。"
            )),
            ctx.path_func(
                recv(0),
                "do_msgrcv",
                t!(lang, "ipc/msg.c: msgrcv's body", "ipc/msg.c：msgrcv 的主体"),
            ),
            ctx.inlined(
                "find_msg",
                t!(
                    lang,
                    "walks the list for the first message msgtyp selects (a static function)",
                    "遍历链表，找第一条被 msgtyp 选中的消息（static 函数）"
                ),
            ),
            ctx.func(
                "store_msg",
                t!(
                    lang,
                    "copies the text out to the caller's buffer; the message leaves the queue",
                    "把正文复制到调用者的缓冲区；这条消息离开队列"
                ),
            ),
            text(t!(
                lang,
                "  With no matching message the call sleeps (unless IPC_NOWAIT: ENOMSG).",
                "  没有匹配的消息时调用会睡眠（带 IPC_NOWAIT 则返回 ENOMSG）。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "msgtyp = 0: the oldest message", "msgtyp = 0：最早的消息"),
        lines: vec![
            recv_line(recv(1)),
            text(t!(
                lang,
                "  msgtyp 0 takes whatever is first in the list: mtype {r2_got}, {r2_text}.",
                "  msgtyp 为 0 时取链表里的第一条：mtype {r2_got}，{r2_text}。"
            )),
            text(t!(
                lang,
                "  msgtyp > 0: the first of that type (with MSG_EXCEPT: the first of any other type);",
                "  msgtyp > 0：该类型的第一条（带 MSG_EXCEPT：第一条其他类型的）；"
            )),
            text(t!(
                lang,
                "  msgtyp = 0: the first of all;   msgtyp < 0: the lowest type not above |msgtyp|.",
                "  msgtyp = 0：所有消息中的第一条；   msgtyp < 0：类型不超过 |msgtyp| 的最小类型。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "IPC_RMID: only this removes the queue",
            "IPC_RMID：只有它能删除队列"
        ),
        lines: vec![
            call_line(ctx, rmid, "msgctl", &format!("{id}, IPC_RMID, NULL")),
            ctx.func(
                "msgctl_down",
                t!(
                    lang,
                    "ipc/msg.c: the commands that need ownership (IPC_SET, IPC_RMID)",
                    "ipc/msg.c：需要属主权限的命令（IPC_SET、IPC_RMID）"
                ),
            ),
            ctx.func(
                "freeque",
                t!(
                    lang,
                    "wakes any waiting sender or receiver with EIDRM, frees the messages left",
                    "以 EIDRM 唤醒还在等待的发送者和接收者，释放剩下的消息"
                ),
            ),
            text(t!(
                lang,
                "  Exiting does not remove a queue: it is not a descriptor, nothing closes it. Without \
                 this call queue {id} and any unread messages would stay in the kernel after the \
                 process is gone (ipcs -q lists them, ipcrm -q {id} removes them), for another process \
                 to read later.",
                "  进程退出不会删除队列：它不是描述符，没有什么会关闭它。没有这次调用，队列 {id} \
                 和其中未读的消息会在进程结束后仍留在内核里（ipcs -q 可以列出，ipcrm -q {id} \
                 可以删除），供其他进程以后读取。"
            )),
            text(exited),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "A System V message queue: receive by type",
            "System V 消息队列：按类型接收"
        ),
        source: source(ctx, "msgqueue", &["msgqueue"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo msgqueue` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"key":"0x5400c05d","msgflg":"IPC_CREAT|IPC_EXCL|0600"},"dur_ns":11757,"errno":null,"kernel_path":[{"func":"__x64_sys_msgget","observed":false},{"func":"ksys_msgget","observed":false}],"pid":18296,"ret":9,"syscall":"msgget","ts_ns":2021949394327,"type":"syscall"}"#,
        r#"{"args":{"msgflg":"0","msgp":{"mtext":{"data":"first","len":5},"mtype":1},"msgsz":5,"msqid":9},"dur_ns":12508,"errno":null,"kernel_path":[{"func":"__x64_sys_msgsnd","observed":false},{"func":"do_msgsnd","observed":true}],"pid":18296,"ret":0,"syscall":"msgsnd","ts_ns":2021949488707,"type":"syscall"}"#,
        r#"{"args":{"msgflg":"0","msgp":{"mtext":{"data":"second","len":6},"mtype":2},"msgsz":6,"msqid":9},"dur_ns":8673,"errno":null,"kernel_path":[{"func":"__x64_sys_msgsnd","observed":false},{"func":"do_msgsnd","observed":false}],"pid":18296,"ret":0,"syscall":"msgsnd","ts_ns":2021949587173,"type":"syscall"}"#,
        r#"{"args":{"msgflg":"0","msgp":{"mtext":{"data":"second","len":6},"mtype":2},"msgsz":64,"msgtyp":2,"msqid":9},"dur_ns":8994,"errno":null,"kernel_path":[{"func":"__x64_sys_msgrcv","observed":false},{"func":"do_msgrcv","observed":false}],"pid":18296,"ret":6,"syscall":"msgrcv","ts_ns":2021949670596,"type":"syscall"}"#,
        r#"{"args":{"msgflg":"0","msgp":{"mtext":{"data":"first","len":5},"mtype":1},"msgsz":64,"msgtyp":0,"msqid":9},"dur_ns":8182,"errno":null,"kernel_path":[{"func":"__x64_sys_msgrcv","observed":false},{"func":"do_msgrcv","observed":false}],"pid":18296,"ret":5,"syscall":"msgrcv","ts_ns":2021949755512,"type":"syscall"}"#,
        r#"{"args":{"buf":"NULL","cmd":"IPC_RMID","msqid":9},"dur_ns":2914,"errno":null,"kernel_path":[{"func":"__x64_sys_msgctl","observed":false}],"pid":18296,"ret":0,"syscall":"msgctl","ts_ns":2021949835671,"type":"syscall"}"#,
        r#"{"pid":18296,"tid":18296,"ts_ns":2021950331135,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "ksys_msgget",
            "ipcget",
            "newque",
            "ipc_addid",
            "do_msgsnd",
            "load_msg",
            "do_msgrcv",
            "store_msg",
            "msgctl_down",
            "freeque",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 18296  msgget(0x5400c05d, IPC_CREAT|IPC_EXCL|0600) = 9",
                "msgsnd(9, {mtype 1, \"first\"}, 5, 0) = 0",
                "msgsnd(9, {mtype 2, \"second\"}, 6, 0) = 0",
                "msgrcv(9, {mtype 2, \"second\"}, 64, 2, 0) = 6",
                "msgrcv(9, {mtype 1, \"first\"}, 64, 0, 0) = 5",
                "msgctl(9, IPC_RMID, NULL) = 0",
                "0x5400c05d = ",
                "'T' = 0x54 << 24 | ",
                "0x00 << 16 | ",
                "0xc05d",
                "* do_msgsnd",
                "- find_msg",
                "ipcrm -q 9",
            ],
        );
        assert!(
            en.contains("out comes mtype 2, \"second\" (6 bytes)"),
            "{en}"
        );
        assert!(
            zh.contains("取出的是 mtype 2，\"second\"（6 字节）"),
            "{zh}"
        );
        assert!(en.contains("The queue's id is 9."), "{en}");
        assert!(en.contains("exited 495 us after IPC_RMID"), "{en}");
        assert!(zh.contains("之后 495 微秒退出"), "{zh}");
        assert!(zh.contains("队列的 id 是 9。"), "{zh}");
    }

    #[test]
    fn keys_split_as_ftok_packs_them() {
        assert_eq!(key_parts("0x5400c05d"), Some((0x54, 0, 0xc05d)));
        assert_eq!(key_parts("IPC_PRIVATE"), None);
    }
}
