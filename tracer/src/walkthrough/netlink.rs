//! The netlink lesson: `tracer demo netlink` asks the kernel for its network interfaces the way
//! `ip link` does, over an `AF_NETLINK` socket: one request datagram to port 0 (the kernel),
//! then datagrams of `RTM_NEWLINK` messages until `NLMSG_DONE`. The headers shown are decoded
//! from the payloads the run captured.
//!
//! Kernel facts (net/netlink/af_netlink.c and net/core/rtnetlink.c, Linux 6.1 and 6.18):
//! `socket(AF_NETLINK, ...)` is `netlink_create`; `bind` with `nl_pid = 0` is `netlink_bind`,
//! which gives the socket a port id (`netlink_insert`; the process id when free). `sendto` to
//! port 0 goes `netlink_sendmsg` -> `netlink_unicast` to the kernel's `NETLINK_ROUTE` socket,
//! whose input is `rtnetlink_rcv` -> `netlink_rcv_skb` -> `rtnetlink_rcv_msg`; a request with
//! `NLM_F_DUMP` starts a dump (`__netlink_dump_start`), and each `recvfrom`
//! (`netlink_recvmsg`) lets `netlink_dump` run `rtnl_dump_ifinfo` again to fill the next
//! datagram, until it appends `NLMSG_DONE`.
//!
//! Multicast (same files, 6.1 and 6.18): `netlink_bind` with `nl_groups` set checks
//! `netlink_allowed(sock, NL_CFG_F_NONROOT_RECV)` (`NETLINK_ROUTE` sets that flag, so any user
//! may listen), calls the family's `bind` hook for each group (`rtnetlink_bind`: only the
//! multicast-routing groups need `CAP_NET_ADMIN`) and records the groups
//! (`netlink_update_subscriptions`). `netlink_getsockopt`, `NETLINK_LIST_MEMBERSHIPS`, copies
//! the group mask. A link change calls `rtmsg_ifinfo`, which builds an `RTM_NEWLINK` or
//! `RTM_DELLINK` message with port id 0 and sequence 0 and sends it with `rtnl_notify` ->
//! `netlink_broadcast` to every member of `RTNLGRP_LINK`.

use serde_json::Value;

use super::values::{absent, call_line, get, source, text};
use super::{Ctx, Lesson, Step};

/// The bytes of a captured payload: tracer escapes them as C does (`\xNN`, `\n`, `\"`, ...).
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let (byte, used) = match b[i + 1] {
            b'x' => (
                s.get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .unwrap_or(b'x'),
                4,
            ),
            b'n' => (b'\n', 2),
            b'r' => (b'\r', 2),
            b't' => (b'\t', 2),
            b'0' => (0, 2),
            c => (c, 2),
        };
        out.push(byte);
        i += used;
    }
    out
}

/// `struct nlmsghdr` at the start of `b`: length, type, flags, sequence, port id.
fn header(b: &[u8]) -> Option<(u32, u16, u16, u32, u32)> {
    let u32_at = |o: usize| Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?));
    let u16_at = |o: usize| Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?));
    Some((u32_at(0)?, u16_at(4)?, u16_at(6)?, u32_at(8)?, u32_at(12)?))
}

fn type_name(t: u16) -> String {
    match t {
        2 => "NLMSG_ERROR".into(),
        3 => "NLMSG_DONE".into(),
        16 => "RTM_NEWLINK".into(),
        18 => "RTM_GETLINK".into(),
        n => n.to_string(),
    }
}

fn flag_names(f: u16) -> String {
    let mut v = Vec::new();
    for (bit, name) in [
        (1, "NLM_F_REQUEST"),
        (2, "NLM_F_MULTI"),
        (0x300, "NLM_F_DUMP"),
    ] {
        if f & bit == bit {
            v.push(name);
        }
    }
    if v.is_empty() {
        format!("{f:#x}")
    } else {
        format!("{} ({f:#x})", v.join("|"))
    }
}

/// The first message header of a call's payload at `pointer`, as a line of text.
fn describe(ctx: &Ctx, call: Option<&Value>, pointer: &str) -> String {
    let h = call
        .and_then(|c| c.pointer(pointer)?.as_str())
        .map(unescape)
        .and_then(|b| header(&b));
    h.map_or_else(
        || absent(ctx.lang),
        |(len, ty, flags, seq, pid)| {
            format!(
                "{{nlmsg_len {len}, nlmsg_type {}, nlmsg_flags {}, nlmsg_seq {seq}, nlmsg_pid {pid}}}",
                type_name(ty),
                flag_names(flags)
            )
        },
    )
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let socket = run
        .and_then(|r| r.find(|c| c["syscall"] == "socket" && c["args"]["domain"] == "AF_NETLINK"));
    let bind = run.and_then(|r| r.find(|c| c["syscall"] == "bind"));
    let send = run.and_then(|r| r.find(|c| c["syscall"] == "sendto"));
    // The second socket, bound to a multicast group, and what the demo did with it.
    let second = run.and_then(|r| {
        r.all(|c| c["syscall"] == "socket" && c["args"]["domain"] == "AF_NETLINK")
            .get(1)
            .copied()
    });
    let after_second =
        |c: &Value| second.is_some_and(|s| c["ts_ns"].as_u64() > s["ts_ns"].as_u64());
    let m_bind = run.and_then(|r| r.find(|c| c["syscall"] == "bind" && after_second(c)));
    let m_name = run.and_then(|r| r.find(|c| c["syscall"] == "getsockname" && after_second(c)));
    let m_list = run.and_then(|r| r.find(|c| c["syscall"] == "getsockopt" && after_second(c)));
    let m_recv = run.and_then(|r| r.find(|c| c["syscall"] == "recvfrom" && after_second(c)));
    let recvs: Vec<&Value> = run
        .map(|r| r.all(|c| c["syscall"] == "recvfrom" && !after_second(c)))
        .unwrap_or_default();
    let first = recvs.first().copied();
    let last = recvs.last().copied();
    let names: Vec<String> = run
        .map(|r| {
            r.all(|c| c["syscall"] == "write" && c["args"]["fd"] == 1)
                .iter()
                .filter_map(|c| {
                    c["args"]["buf"]["data"]
                        .as_str()?
                        .strip_prefix("interface ")
                })
                .map(|s| s.trim_end_matches("\\n").to_string())
                .collect()
        })
        .unwrap_or_default();
    let names = if names.is_empty() {
        absent(lang)
    } else {
        names.join(", ")
    };
    let sizes = if recvs.is_empty() {
        absent(lang)
    } else {
        recvs
            .iter()
            .map(|c| c["ret"].to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let n = if run.is_some() {
        recvs.len().to_string()
    } else {
        absent(lang)
    };

    let fd = get(ctx, socket, "/ret");
    let pid = get(ctx, socket, "/pid");
    let request = describe(ctx, send, "/args/buf/data");
    let reply = describe(ctx, first, "/args/buf/data");
    let done = describe(ctx, last, "/args/buf/data");
    let recv_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "recvfrom",
            &format!(
                "{fd}, buf, {}, 0, {{AF_NETLINK, pid {}}}",
                get(ctx, c, "/args/len"),
                get(ctx, c, "/args/src_addr/pid")
            ),
        )
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "A socket whose peer is the kernel", "对端是内核的套接字"),
        lines: vec![
            call_line(ctx, socket, "socket", "AF_NETLINK, SOCK_RAW, NETLINK_ROUTE"),
            call_line(
                ctx,
                bind,
                "bind",
                &format!(
                    "{fd}, {{AF_NETLINK, pid {}, groups {}}}, {}",
                    get(ctx, bind, "/args/addr/pid"),
                    get(ctx, bind, "/args/addr/groups"),
                    get(ctx, bind, "/args/addrlen")
                ),
            ),
            text(t!(
                lang,
                "  NETLINK_ROUTE is the kernel's routing and link service (what ip uses). An address is a \
                 port id, not a path or an IP: pid 0 in bind means \"kernel, choose one\", and it usually \
                 chooses the process id, {pid}.",
                "  NETLINK_ROUTE 是内核的路由与链路服务（ip 命令用的就是它）。地址是一个端口号，\
                 不是路径也不是 IP：bind 里 pid 为 0 表示“内核，请替我选一个”，内核通常选进程号 {pid}。"
            )),
            ctx.func(
                "netlink_create",
                t!(lang, "net/netlink/af_netlink.c: AF_NETLINK's create", "net/netlink/af_netlink.c：AF_NETLINK 的 create"),
            ),
            ctx.path_func(
                bind,
                "netlink_bind",
                t!(lang, "assigns the port id", "分配端口号"),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The request: a header and a question", "请求：一个头加一个问题"),
        lines: vec![
            call_line(
                ctx,
                send,
                "sendto",
                &format!("{fd}, request, {}, 0, {{AF_NETLINK, pid 0}}", get(ctx, send, "/args/len")),
            ),
            text(format!("  struct nlmsghdr {request}")),
            text(t!(
                lang,
                "  Destination port 0 is the kernel. RTM_GETLINK asks for links (interfaces); NLM_F_DUMP \
                 for all of them; the struct ifinfomsg after the header (ifi_family AF_UNSPEC) says which \
                 kind. The sequence number lets the program match the answers to the question.",
                "  目的端口 0 就是内核。RTM_GETLINK 询问链路（网络接口）；NLM_F_DUMP 表示要全部；\
                 头后面的 struct ifinfomsg（ifi_family 为 AF_UNSPEC）说明要哪一类。序号让程序把回答与问题对应起来。"
            )),
            ctx.func(
                "netlink_sendmsg",
                t!(lang, "AF_NETLINK's sendmsg", "AF_NETLINK 的 sendmsg"),
            ),
            ctx.func(
                "netlink_unicast",
                t!(lang, "delivers the datagram to the kernel's NETLINK_ROUTE socket", "把数据报递送给内核的 NETLINK_ROUTE 套接字"),
            ),
            ctx.func(
                "rtnetlink_rcv_msg",
                t!(
                    lang,
                    "net/core/rtnetlink.c: RTM_GETLINK with NLM_F_DUMP starts a dump",
                    "net/core/rtnetlink.c：带 NLM_F_DUMP 的 RTM_GETLINK 启动一次转储"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The answers: datagrams of messages", "回答：装着消息的数据报"),
        lines: vec![
            recv_line(first),
            text(format!("  struct nlmsghdr {reply}")),
            text(t!(
                lang,
                "  {n} recvfrom calls returned {sizes} bytes: each datagram packs several messages, one \
                 RTM_NEWLINK per interface, marked NLM_F_MULTI, with the request's sequence number and \
                 our port id.",
                "  {n} 次 recvfrom 分别返回 {sizes} 字节：每个数据报里装着多条消息，每个接口一条 \
                 RTM_NEWLINK，带 NLM_F_MULTI 标志，并带着请求的序号和我们的端口号。"
            )),
            text(t!(
                lang,
                "  After the header and a struct ifinfomsg come attributes, type-length-value struct \
                 rtattr aligned to 4 bytes; IFLA_IFNAME holds the name. The interfaces the demo parsed \
                 out: {names}.",
                "  头和 struct ifinfomsg 之后是属性，即按 4 字节对齐的类型-长度-值结构 struct rtattr；\
                 IFLA_IFNAME 里是名字。演示程序解析出的接口：{names}。"
            )),
            ctx.func(
                "netlink_recvmsg",
                t!(
                    lang,
                    "copies one datagram out, then lets the dump fill the next",
                    "复制出一个数据报，然后让转储填充下一个"
                ),
            ),
            ctx.func(
                "netlink_dump",
                t!(lang, "runs the dump callback for the next batch", "为下一批调用转储回调"),
            ),
            ctx.func(
                "rtnl_dump_ifinfo",
                t!(
                    lang,
                    "writes one RTM_NEWLINK per interface until the datagram is full",
                    "每个接口写一条 RTM_NEWLINK，直到数据报装满"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "NLMSG_DONE ends the dump", "NLMSG_DONE 结束转储"),
        lines: vec![
            recv_line(last),
            text(format!("  struct nlmsghdr {done}")),
            text(t!(
                lang,
                "  A bare header saying the dump is over (an error would come as NLMSG_ERROR with an \
                 errno). This is the lesson: user space and the kernel talk through a socket in \
                 messages the program builds and parses itself; the same sendto and recvfrom carry every \
                 kind of question.",
                "  一个单独的头，表示转储结束（出错时则是带 errno 的 NLMSG_ERROR）。这就是本课的重点：\
                 用户空间和内核通过套接字对话，消息由程序自己构造、自己解析；无论问什么，用的都是同样的 sendto 和 recvfrom。"
            )),
        ],
    });

    let mfd = get(ctx, second, "/ret");
    let groups = get(ctx, m_bind, "/args/addr/groups");
    let port = get(ctx, m_name, "/args/addr/pid");
    steps.push(Step {
        title: t!(
            lang,
            "Multicast groups: listening for what changes",
            "多播组：收听发生的变化"
        ),
        lines: vec![
            call_line(ctx, second, "socket", "AF_NETLINK, SOCK_RAW, NETLINK_ROUTE"),
            call_line(
                ctx,
                m_bind,
                "bind",
                &format!("{mfd}, {{AF_NETLINK, pid 0, groups {groups}}}, 12"),
            ),
            ctx.path_func(
                m_bind,
                "netlink_bind",
                t!(
                    lang,
                    "nl_groups is a bit mask of groups 1 to 32: {groups} is RTMGRP_LINK, the group RTNLGRP_LINK; NETLINK_ROUTE lets any user listen",
                    "nl_groups 是第 1 到 32 组的位掩码：{groups} 就是 RTMGRP_LINK，即 RTNLGRP_LINK 组；NETLINK_ROUTE 允许任何用户收听"
                ),
            ),
            ctx.func(
                "rtnetlink_bind",
                t!(
                    lang,
                    "net/core/rtnetlink.c: only the multicast-routing groups need CAP_NET_ADMIN",
                    "net/core/rtnetlink.c：只有多播路由组需要 CAP_NET_ADMIN"
                ),
            ),
            call_line(
                ctx,
                m_name,
                "getsockname",
                &format!("{mfd}, {{AF_NETLINK, pid {port}, groups {}}}", get(ctx, m_name, "/args/addr/groups")),
            ),
            call_line(
                ctx,
                m_list,
                "getsockopt",
                &format!(
                    "{mfd}, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, {}, [{}]",
                    get(ctx, m_list, "/args/optval"),
                    get(ctx, m_list, "/args/optlen")
                ),
            ),
            call_line(ctx, m_recv, "recvfrom", &format!("{mfd}, buf, 8192, MSG_DONTWAIT, NULL, NULL")),
            text(t!(
                lang,
                "  Nothing had arrived: the kernel sends to a group only when something happens, and the \
                 demo changes nothing. When a link changes (an interface added or removed, brought up \
                 or down: what ip link set does), every member of the group receives an RTM_NEWLINK or \
                 RTM_DELLINK message it never asked for, with nlmsg_pid 0 (from the kernel) and \
                 nlmsg_seq 0. ip monitor link is such a listener.",
                "  什么也没有到达：内核只在发生变化时才向组里发送，而演示程序什么也没改。当链路变化时\
                 （添加或删除接口、启用或停用接口：也就是 ip link set 做的事），组里的每个成员都会收到一条\
                 它从未请求过的 RTM_NEWLINK 或 RTM_DELLINK 消息，nlmsg_pid 为 0（来自内核），nlmsg_seq 为 0。\
                 ip monitor link 就是这样的收听者。"
            )),
            ctx.func(
                "rtmsg_ifinfo",
                t!(
                    lang,
                    "net/core/rtnetlink.c: builds the message about the changed interface",
                    "net/core/rtnetlink.c：为变化的接口构造消息"
                ),
            ),
            ctx.func(
                "netlink_broadcast",
                t!(
                    lang,
                    "net/netlink/af_netlink.c: a copy to every socket in the group (rtnl_notify calls it)",
                    "net/netlink/af_netlink.c：给组里的每个套接字一份副本（由 rtnl_notify 调用）"
                ),
            ),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "Netlink: asking the kernel through a socket",
            "Netlink：通过套接字向内核提问"
        ),
        source: source(ctx, "netlink", &["netlink"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo netlink` with `-s 256` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"domain":"AF_NETLINK","protocol":"NETLINK_ROUTE","type":"SOCK_RAW"},"dur_ns":32849,"kernel_path":[{"func":"__sys_socket","observed":false},{"func":"__sock_create","observed":false}],"pid":796,"ret":3,"syscall":"socket","ts_ns":5122495857477,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_NETLINK","groups":0,"pid":0},"addrlen":12,"sockfd":3},"dur_ns":6259,"kernel_path":[{"func":"__sys_bind","observed":false},{"func":"__sys_bind_socket","observed":false},{"func":"netlink_bind","observed":false}],"pid":796,"ret":0,"syscall":"bind","ts_ns":5122495937436,"type":"syscall"}"#,
        r#"{"args":{"addrlen":12,"buf":{"data":" \\x00\\x00\\x00\\x12\\x00\\x01\\x03\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00","len":32},"dest_addr":{"family":"AF_NETLINK","groups":0,"pid":0},"flags":"0","len":32,"sockfd":3},"dur_ns":95882,"kernel_path":[{"func":"__sys_sendto","observed":false}],"pid":796,"ret":32,"syscall":"sendto","ts_ns":5122495979628,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"sent RTM_GETLINK dump request (32 bytes) to the kernel\\n","len":55},"count":55,"fd":1},"dur_ns":11477,"pid":796,"ret":55,"syscall":"write","ts_ns":5122496110582,"type":"syscall"}"#,
        r#"{"args":{"addrlen":12,"buf":{"data":"\\xbc\\x05\\x00\\x00\\x10\\x00\\x02\\x00\\x01\\x00\\x00\\x00\\x1c\\x03\\x00\\x00\\x00\\x00\\x04\\x03\\x01\\x00\\x00\\x00I\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x07\\x00\\x03\\x00lo\\x00\\x00\\x08\\x00\\r\\x00\\xe8\\x03\\x00\\x00\\x05\\x00\\x10\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x11\\x00\\x00\\x00\\x00\\x00\\x05\\x00C\\x00\\x01\\x00\\x00\\x00\\x08\\x00\\x04\\x00\\x00\\x00\\x01\\x00\\x08\\x002\\x00\\x00\\x00\\x00\\x00\\x08\\x003\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1b\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1e\\x00\\x00\\x00\\x00\\x00\\x08\\x00=\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1f\\x00\\x01\\x00\\x00\\x00\\x08\\x00(\\x00\\xff\\xff\\x00\\x00\\x08\\x00)\\x00\\x00\\x00\\x01\\x00\\x08\\x00:\\x00\\x00\\x00\\x01\\x00\\x08\\x00?\\x00\\x00\\x00\\x01\\x00\\x08\\x00@\\x00\\x00\\x00\\x01\\x00\\x08\\x00;\\x00\\xf8\\xff\\x07\\x00\\x08\\x00<\\x00\\xff\\xff\\x00\\x00\\x08\\x00B\\x00\\x00\\x00\\x00\\x00\\x08\\x00 \\x00\\x01\\x00\\x00\\x00\\x05\\x00!\\x00\\x01\\x00\\x00\\x00\\x08\\x00#\\x00\\x00\\x00\\x00\\x00\\x08\\x00/\\x00\\x00\\x00\\x00\\x00\\x08\\x000\\x00\\x00\\x00\\x00\\x00\\x06\\x00D\\x00\\x00\\x00\\x00\\x00\\x06\\x00E\\x00\\x00\\x00\\x00\\x00\\x05\\x00'\\x00\\x00\\x00\\x00\\x00","len":2952,"truncated":true},"flags":"0","len":32768,"sockfd":3,"src_addr":{"family":"AF_NETLINK","groups":0,"pid":0}},"dur_ns":45988,"kernel_path":[{"func":"__sys_recvfrom","observed":false}],"pid":796,"ret":2952,"syscall":"recvfrom","ts_ns":5122496201237,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"interface 1: lo\\n","len":16},"count":16,"fd":1},"dur_ns":2533,"pid":796,"ret":16,"syscall":"write","ts_ns":5122496270750,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"interface 2: ifb0\\n","len":18},"count":18,"fd":1},"dur_ns":1713,"pid":796,"ret":18,"syscall":"write","ts_ns":5122496276097,"type":"syscall"}"#,
        r#"{"args":{"addrlen":12,"buf":{"data":"\\xcc\\x05\\x00\\x00\\x10\\x00\\x02\\x00\\x01\\x00\\x00\\x00\\x1c\\x03\\x00\\x00\\x00\\x00\\x01\\x00\\x03\\x00\\x00\\x00\\x82\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\t\\x00\\x03\\x00ifb1\\x00\\x00\\x00\\x00\\x08\\x00\\r\\x00 \\x00\\x00\\x00\\x05\\x00\\x10\\x00\\x02\\x00\\x00\\x00\\x05\\x00\\x11\\x00\\x00\\x00\\x00\\x00\\x05\\x00C\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x04\\x00\\xdc\\x05\\x00\\x00\\x08\\x002\\x00\\x00\\x00\\x00\\x00\\x08\\x003\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1b\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1e\\x00\\x00\\x00\\x00\\x00\\x08\\x00=\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1f\\x00\\x01\\x00\\x00\\x00\\x08\\x00(\\x00\\xff\\xff\\x00\\x00\\x08\\x00)\\x00\\x00\\x00\\x01\\x00\\x08\\x00:\\x00\\x00\\x00\\x01\\x00\\x08\\x00?\\x00\\x00\\x00\\x01\\x00\\x08\\x00@\\x00\\x00\\x00\\x01\\x00\\x08\\x00;\\x00\\xf8\\xff\\x07\\x00\\x08\\x00<\\x00\\xff\\xff\\x00\\x00\\x08\\x00B\\x00\\x00\\x00\\x00\\x00\\x08\\x00 \\x00\\x01\\x00\\x00\\x00\\x05\\x00!\\x00\\x01\\x00\\x00\\x00\\x08\\x00#\\x00\\x00\\x00\\x00\\x00\\x08\\x00/\\x00\\x00\\x00\\x00\\x00\\x08\\x000\\x00\\x00\\x00\\x00\\x00\\x06\\x00D\\x00\\x00\\x00\\x00\\x00\\x06\\x00E\\x00\\x00\\x00\\x00\\x00\\x05\\x00'\\x00","len":2996,"truncated":true},"flags":"0","len":32768,"sockfd":3,"src_addr":{"family":"AF_NETLINK","groups":0,"pid":0}},"dur_ns":7471,"kernel_path":[{"func":"__sys_recvfrom","observed":false}],"pid":796,"ret":2996,"syscall":"recvfrom","ts_ns":5122496297890,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"interface 3: ifb1\\n","len":18},"count":18,"fd":1},"dur_ns":1653,"pid":796,"ret":18,"syscall":"write","ts_ns":5122496308385,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"interface 4: eth0\\n","len":18},"count":18,"fd":1},"dur_ns":1592,"pid":796,"ret":18,"syscall":"write","ts_ns":5122496312291,"type":"syscall"}"#,
        r#"{"args":{"addrlen":12,"buf":{"data":"\\x14\\x00\\x00\\x00\\x03\\x00\\x02\\x00\\x01\\x00\\x00\\x00\\x1c\\x03\\x00\\x00\\x00\\x00\\x00\\x00","len":20},"flags":"0","len":32768,"sockfd":3,"src_addr":{"family":"AF_NETLINK","groups":0,"pid":0}},"dur_ns":3635,"kernel_path":[{"func":"__sys_recvfrom","observed":false}],"pid":796,"ret":20,"syscall":"recvfrom","ts_ns":5122496330859,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"NLMSG_DONE after 3 recvfrom call(s)\\n","len":36},"count":36,"fd":1},"dur_ns":1653,"pid":796,"ret":36,"syscall":"write","ts_ns":5122496337278,"type":"syscall"}"#,
        // The multicast socket, from a later recording of the demo (its pid 5782).
        r#"{"args":{"domain":"AF_NETLINK","protocol":"NETLINK_ROUTE","type":"SOCK_RAW"},"dur_ns":1877,"pid":5782,"ret":3,"syscall":"socket","ts_ns":55449063447275,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_NETLINK","groups":1,"pid":0},"addrlen":12,"sockfd":3},"dur_ns":1900,"pid":5782,"ret":0,"syscall":"bind","ts_ns":55449063449578,"type":"syscall"}"#,
        r#"{"args":{"addr":{"family":"AF_NETLINK","groups":1,"pid":5782},"addrlen":12,"sockfd":3},"dur_ns":696,"pid":5782,"ret":0,"syscall":"getsockname","ts_ns":55449063452006,"type":"syscall"}"#,
        r#"{"args":{"level":"SOL_NETLINK","optlen":8,"optname":"NETLINK_LIST_MEMBERSHIPS","optval":"[1]","sockfd":3},"dur_ns":1196,"pid":5782,"ret":0,"syscall":"getsockopt","ts_ns":55449063453152,"type":"syscall"}"#,
        r#"{"args":{"addrlen":"NULL","buf":"0x55585c819020","flags":"MSG_DONTWAIT","len":8192,"sockfd":3,"src_addr":null},"dur_ns":456,"errno":"EAGAIN","pid":5782,"ret":-11,"syscall":"recvfrom","ts_ns":55449063456974,"type":"syscall"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "rtnetlink_bind",
            "rtmsg_ifinfo",
            "netlink_broadcast",
            "netlink_create",
            "netlink_bind",
            "netlink_sendmsg",
            "netlink_unicast",
            "rtnetlink_rcv_msg",
            "netlink_recvmsg",
            "netlink_dump",
            "rtnl_dump_ifinfo",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 796    socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 3",
                "pid 796    bind(3, {AF_NETLINK, pid 0, groups 0}, 12) = 0",
                "pid 796    sendto(3, request, 32, 0, {AF_NETLINK, pid 0}) = 32",
                "{nlmsg_len 32, nlmsg_type RTM_GETLINK, nlmsg_flags NLM_F_REQUEST|NLM_F_DUMP (0x301), nlmsg_seq 1, nlmsg_pid 0}",
                "{nlmsg_len 1468, nlmsg_type RTM_NEWLINK, nlmsg_flags NLM_F_MULTI (0x2), nlmsg_seq 1, nlmsg_pid 796}",
                "{nlmsg_len 20, nlmsg_type NLMSG_DONE, nlmsg_flags NLM_F_MULTI (0x2), nlmsg_seq 1, nlmsg_pid 796}",
                "2952, 2996, 20",
                "1: lo, 2: ifb0, 3: ifb1, 4: eth0",
                "pid 5782   bind(3, {AF_NETLINK, pid 0, groups 1}, 12) = 0",
                "pid 5782   getsockname(3, {AF_NETLINK, pid 5782, groups 1}) = 0",
                "pid 5782   getsockopt(3, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, [1], [8]) = 0",
                "pid 5782   recvfrom(3, buf, 8192, MSG_DONTWAIT, NULL, NULL) = -11 EAGAIN",
                ". rtnetlink_bind",
                ". netlink_broadcast",
            ],
        );
        assert!(
            en.contains("1 is RTMGRP_LINK, the group RTNLGRP_LINK"),
            "{en}"
        );
        assert!(
            zh.contains("1 就是 RTMGRP_LINK，即 RTNLGRP_LINK 组"),
            "{zh}"
        );
        assert!(en.contains("3 recvfrom calls returned"), "{en}");
        assert!(zh.contains("3 次 recvfrom 分别返回"), "{zh}");
    }

    #[test]
    fn payloads_unescape_to_their_bytes() {
        assert_eq!(unescape(r#" \x00\x12\n\\\"a"#), b" \x00\x12\n\\\"a");
        assert_eq!(
            header(&unescape(
                r" \x00\x00\x00\x12\x00\x01\x03\x01\x00\x00\x00\x00\x00\x00\x00"
            )),
            Some((32, 18, 0x301, 1, 0))
        );
        assert_eq!(header(b"short"), None);
    }
}
