//! Netlink messages as strace 6.1 shows the data a netlink socket sends and receives
//! (`sendto`, `sendmsg`'s iovecs, `recvfrom`, `recvmsg`'s...): each `struct nlmsghdr`, then what
//! follows it for the socket's protocol: `NETLINK_ROUTE`'s `ifinfomsg`, `ifaddrmsg` and
//! `rtmsg`, `NETLINK_SOCK_DIAG`'s `unix_diag_req` and `unix_diag_msg`, an `NLMSG_ERROR`'s
//! `nlmsgerr` with the request it answers, an `NLMSG_DONE`'s count (strace src/netlink.c
//! `decode_netlink`, rtnl_link.c, rtnl_addr.c, rtnl_route.c, netlink_sock_diag.c).
//!
//! What is not decoded is shown as strace shows a payload it has no decoder for, its bytes in
//! hex (`"\x07\x00\x03\x00lo"` being `"\x07\x00\x03\x00\x6c\x6f"`): the attributes after a
//! fixed header (strace decodes many `IFLA_*`, `IFA_*`, `RTA_*`...), the other route and
//! sock_diag message families, the other protocols' messages. tracer copies a payload up to
//! the snap length (`-s`); where the copy ends inside a message, `...` follows what was read
//! (strace reads the whole buffer). Both differences are listed in docs/trace-format.md.

use std::fmt::Write as _;

use tracer_common::AF_UNIX;

use super::consts::{Names, bits, bits_of, one_or};
use super::flags;

/// `sizeof(struct nlmsghdr)`, `NLMSG_HDRLEN` (include/uapi/linux/netlink.h).
const HDRLEN: usize = 16;
/// include/uapi/linux/netlink.h.
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_MIN_TYPE: u16 = 16;
const NLM_F_CAPPED: u16 = 0x100;
const NETLINK_ROUTE: u16 = 0;
const NETLINK_SOCK_DIAG: u16 = 4;
/// include/uapi/linux/netlink.h: `NLM_F_REQUEST`.
const NLM_F_REQUEST: u16 = 1;

/// The control messages every protocol has (include/uapi/linux/netlink.h).
const NLMSG_TYPES: Names = &[
    (1, "NLMSG_NOOP"),
    (2, "NLMSG_ERROR"),
    (3, "NLMSG_DONE"),
    (4, "NLMSG_OVERRUN"),
];

/// `RTM_*` (include/uapi/linux/rtnetlink.h).
const RTM_TYPES: Names = &[
    (16, "RTM_NEWLINK"),
    (17, "RTM_DELLINK"),
    (18, "RTM_GETLINK"),
    (19, "RTM_SETLINK"),
    (20, "RTM_NEWADDR"),
    (21, "RTM_DELADDR"),
    (22, "RTM_GETADDR"),
    (24, "RTM_NEWROUTE"),
    (25, "RTM_DELROUTE"),
    (26, "RTM_GETROUTE"),
    (28, "RTM_NEWNEIGH"),
    (29, "RTM_DELNEIGH"),
    (30, "RTM_GETNEIGH"),
    (32, "RTM_NEWRULE"),
    (33, "RTM_DELRULE"),
    (34, "RTM_GETRULE"),
    (36, "RTM_NEWQDISC"),
    (37, "RTM_DELQDISC"),
    (38, "RTM_GETQDISC"),
    (40, "RTM_NEWTCLASS"),
    (41, "RTM_DELTCLASS"),
    (42, "RTM_GETTCLASS"),
    (44, "RTM_NEWTFILTER"),
    (45, "RTM_DELTFILTER"),
    (46, "RTM_GETTFILTER"),
    (48, "RTM_NEWACTION"),
    (49, "RTM_DELACTION"),
    (50, "RTM_GETACTION"),
    (52, "RTM_NEWPREFIX"),
    (58, "RTM_GETMULTICAST"),
    (62, "RTM_GETANYCAST"),
    (64, "RTM_NEWNEIGHTBL"),
    (66, "RTM_GETNEIGHTBL"),
    (67, "RTM_SETNEIGHTBL"),
    (68, "RTM_NEWNDUSEROPT"),
    (72, "RTM_NEWADDRLABEL"),
    (73, "RTM_DELADDRLABEL"),
    (74, "RTM_GETADDRLABEL"),
    (78, "RTM_GETDCB"),
    (79, "RTM_SETDCB"),
    (80, "RTM_NEWNETCONF"),
    (81, "RTM_DELNETCONF"),
    (82, "RTM_GETNETCONF"),
    (84, "RTM_NEWMDB"),
    (85, "RTM_DELMDB"),
    (86, "RTM_GETMDB"),
    (88, "RTM_NEWNSID"),
    (89, "RTM_DELNSID"),
    (90, "RTM_GETNSID"),
    (92, "RTM_NEWSTATS"),
    (94, "RTM_GETSTATS"),
    (95, "RTM_SETSTATS"),
    (96, "RTM_NEWCACHEREPORT"),
    (100, "RTM_NEWCHAIN"),
    (101, "RTM_DELCHAIN"),
    (102, "RTM_GETCHAIN"),
    (104, "RTM_NEWNEXTHOP"),
    (105, "RTM_DELNEXTHOP"),
    (106, "RTM_GETNEXTHOP"),
    (108, "RTM_NEWLINKPROP"),
    (109, "RTM_DELLINKPROP"),
    (110, "RTM_GETLINKPROP"),
    (112, "RTM_NEWVLAN"),
    (113, "RTM_DELVLAN"),
    (114, "RTM_GETVLAN"),
    (116, "RTM_NEWNEXTHOPBUCKET"),
    (117, "RTM_DELNEXTHOPBUCKET"),
    (118, "RTM_GETNEXTHOPBUCKET"),
    (120, "RTM_NEWTUNNEL"),
    (121, "RTM_DELTUNNEL"),
    (122, "RTM_GETTUNNEL"),
];

/// include/uapi/linux/sock_diag.h.
const SOCK_DIAG_TYPES: Names = &[(20, "SOCK_DIAG_BY_FAMILY"), (21, "SOCK_DESTROY")];

/// `nlmsg_flags` every message has, then those of a request that gets, makes, deletes, and of
/// an acknowledgement (include/uapi/linux/netlink.h; strace's xlat order: `NLM_F_DUMP`, both
/// `ROOT` and `MATCH`, before either).
const FLAGS: Names = &[
    (0x01, "NLM_F_REQUEST"),
    (0x02, "NLM_F_MULTI"),
    (0x04, "NLM_F_ACK"),
    (0x08, "NLM_F_ECHO"),
    (0x10, "NLM_F_DUMP_INTR"),
    (0x20, "NLM_F_DUMP_FILTERED"),
];
const GET_FLAGS: Names = &[
    (0x300, "NLM_F_DUMP"),
    (0x100, "NLM_F_ROOT"),
    (0x200, "NLM_F_MATCH"),
    (0x400, "NLM_F_ATOMIC"),
];
const NEW_FLAGS: Names = &[
    (0x100, "NLM_F_REPLACE"),
    (0x200, "NLM_F_EXCL"),
    (0x400, "NLM_F_CREATE"),
    (0x800, "NLM_F_APPEND"),
];
const DELETE_FLAGS: Names = &[(0x100, "NLM_F_NONREC"), (0x200, "NLM_F_BULK")];
const ACK_FLAGS: Names = &[(0x100, "NLM_F_CAPPED"), (0x200, "NLM_F_ACK_TLVS")];

/// `ARPHRD_*` (include/uapi/linux/if_arp.h).
const ARPHRD: Names = &[
    (0, "ARPHRD_NETROM"),
    (1, "ARPHRD_ETHER"),
    (2, "ARPHRD_EETHER"),
    (3, "ARPHRD_AX25"),
    (4, "ARPHRD_PRONET"),
    (5, "ARPHRD_CHAOS"),
    (6, "ARPHRD_IEEE802"),
    (7, "ARPHRD_ARCNET"),
    (8, "ARPHRD_APPLETLK"),
    (15, "ARPHRD_DLCI"),
    (19, "ARPHRD_ATM"),
    (23, "ARPHRD_METRICOM"),
    (24, "ARPHRD_IEEE1394"),
    (27, "ARPHRD_EUI64"),
    (32, "ARPHRD_INFINIBAND"),
    (256, "ARPHRD_SLIP"),
    (257, "ARPHRD_CSLIP"),
    (258, "ARPHRD_SLIP6"),
    (259, "ARPHRD_CSLIP6"),
    (260, "ARPHRD_RSRVD"),
    (264, "ARPHRD_ADAPT"),
    (270, "ARPHRD_ROSE"),
    (271, "ARPHRD_X25"),
    (272, "ARPHRD_HWX25"),
    (280, "ARPHRD_CAN"),
    (290, "ARPHRD_MCTP"),
    (512, "ARPHRD_PPP"),
    (513, "ARPHRD_CISCO"),
    (516, "ARPHRD_LAPB"),
    (517, "ARPHRD_DDCMP"),
    (518, "ARPHRD_RAWHDLC"),
    (519, "ARPHRD_RAWIP"),
    (768, "ARPHRD_TUNNEL"),
    (769, "ARPHRD_TUNNEL6"),
    (770, "ARPHRD_FRAD"),
    (771, "ARPHRD_SKIP"),
    (772, "ARPHRD_LOOPBACK"),
    (773, "ARPHRD_LOCALTLK"),
    (774, "ARPHRD_FDDI"),
    (775, "ARPHRD_BIF"),
    (776, "ARPHRD_SIT"),
    (777, "ARPHRD_IPDDP"),
    (778, "ARPHRD_IPGRE"),
    (779, "ARPHRD_PIMREG"),
    (780, "ARPHRD_HIPPI"),
    (781, "ARPHRD_ASH"),
    (782, "ARPHRD_ECONET"),
    (783, "ARPHRD_IRDA"),
    (784, "ARPHRD_FCPP"),
    (785, "ARPHRD_FCAL"),
    (786, "ARPHRD_FCPL"),
    (787, "ARPHRD_FCFABRIC"),
    (800, "ARPHRD_IEEE802_TR"),
    (801, "ARPHRD_IEEE80211"),
    (802, "ARPHRD_IEEE80211_PRISM"),
    (803, "ARPHRD_IEEE80211_RADIOTAP"),
    (804, "ARPHRD_IEEE802154"),
    (805, "ARPHRD_IEEE802154_MONITOR"),
    (820, "ARPHRD_PHONET"),
    (821, "ARPHRD_PHONET_PIPE"),
    (822, "ARPHRD_CAIF"),
    (823, "ARPHRD_IP6GRE"),
    (824, "ARPHRD_NETLINK"),
    (825, "ARPHRD_6LOWPAN"),
    (826, "ARPHRD_VSOCKMON"),
    (0xfffe, "ARPHRD_NONE"),
    (0xffff, "ARPHRD_VOID"),
];

/// `IFF_*` (include/uapi/linux/if.h).
const IFF: Names = &[
    (0x1, "IFF_UP"),
    (0x2, "IFF_BROADCAST"),
    (0x4, "IFF_DEBUG"),
    (0x8, "IFF_LOOPBACK"),
    (0x10, "IFF_POINTOPOINT"),
    (0x20, "IFF_NOTRAILERS"),
    (0x40, "IFF_RUNNING"),
    (0x80, "IFF_NOARP"),
    (0x100, "IFF_PROMISC"),
    (0x200, "IFF_ALLMULTI"),
    (0x400, "IFF_MASTER"),
    (0x800, "IFF_SLAVE"),
    (0x1000, "IFF_MULTICAST"),
    (0x2000, "IFF_PORTSEL"),
    (0x4000, "IFF_AUTOMEDIA"),
    (0x8000, "IFF_DYNAMIC"),
    (0x10000, "IFF_LOWER_UP"),
    (0x20000, "IFF_DORMANT"),
    (0x40000, "IFF_ECHO"),
];

/// `IFA_F_*` that fit `ifaddrmsg.ifa_flags`, a byte (include/uapi/linux/if_addr.h).
const IFA_F: Names = &[
    (0x01, "IFA_F_SECONDARY"),
    (0x02, "IFA_F_NODAD"),
    (0x04, "IFA_F_OPTIMISTIC"),
    (0x08, "IFA_F_DADFAILED"),
    (0x10, "IFA_F_HOMEADDRESS"),
    (0x20, "IFA_F_DEPRECATED"),
    (0x40, "IFA_F_TENTATIVE"),
    (0x80, "IFA_F_PERMANENT"),
];

/// `enum rt_scope_t` (include/uapi/linux/rtnetlink.h).
const RT_SCOPE: Names = &[
    (0, "RT_SCOPE_UNIVERSE"),
    (200, "RT_SCOPE_SITE"),
    (253, "RT_SCOPE_LINK"),
    (254, "RT_SCOPE_HOST"),
    (255, "RT_SCOPE_NOWHERE"),
];

/// `enum rt_class_t` (include/uapi/linux/rtnetlink.h).
const RT_TABLE: Names = &[
    (0, "RT_TABLE_UNSPEC"),
    (252, "RT_TABLE_COMPAT"),
    (253, "RT_TABLE_DEFAULT"),
    (254, "RT_TABLE_MAIN"),
    (255, "RT_TABLE_LOCAL"),
];

/// `RTPROT_*` (include/uapi/linux/rtnetlink.h).
const RTPROT: Names = &[
    (0, "RTPROT_UNSPEC"),
    (1, "RTPROT_REDIRECT"),
    (2, "RTPROT_KERNEL"),
    (3, "RTPROT_BOOT"),
    (4, "RTPROT_STATIC"),
    (8, "RTPROT_GATED"),
    (9, "RTPROT_RA"),
    (10, "RTPROT_MRT"),
    (11, "RTPROT_ZEBRA"),
    (12, "RTPROT_BIRD"),
    (13, "RTPROT_DNROUTED"),
    (14, "RTPROT_XORP"),
    (15, "RTPROT_NTK"),
    (16, "RTPROT_DHCP"),
    (17, "RTPROT_MROUTED"),
    (18, "RTPROT_KEEPALIVED"),
    (42, "RTPROT_BABEL"),
    (99, "RTPROT_OPENR"),
    (186, "RTPROT_BGP"),
    (187, "RTPROT_ISIS"),
    (188, "RTPROT_OSPF"),
    (189, "RTPROT_RIP"),
    (192, "RTPROT_EIGRP"),
];

/// `RTN_*` (include/uapi/linux/rtnetlink.h).
const RTN: Names = &[
    (0, "RTN_UNSPEC"),
    (1, "RTN_UNICAST"),
    (2, "RTN_LOCAL"),
    (3, "RTN_BROADCAST"),
    (4, "RTN_ANYCAST"),
    (5, "RTN_MULTICAST"),
    (6, "RTN_BLACKHOLE"),
    (7, "RTN_UNREACHABLE"),
    (8, "RTN_PROHIBIT"),
    (9, "RTN_THROW"),
    (10, "RTN_NAT"),
    (11, "RTN_XRESOLVE"),
];

/// `RTM_F_*` (include/uapi/linux/rtnetlink.h).
const RTM_F: Names = &[
    (0x100, "RTM_F_NOTIFY"),
    (0x200, "RTM_F_CLONED"),
    (0x400, "RTM_F_EQUALIZE"),
    (0x800, "RTM_F_PREFIX"),
    (0x1000, "RTM_F_LOOKUP_TABLE"),
    (0x2000, "RTM_F_FIB_MATCH"),
    (0x4000, "RTM_F_OFFLOAD"),
    (0x8000, "RTM_F_TRAP"),
    (0x2000_0000, "RTM_F_OFFLOAD_FAILED"),
];

/// TCP states (include/net/tcp_states.h), which `unix_diag` uses for UNIX sockets too.
const TCP_STATES: Names = &[
    (1, "TCP_ESTABLISHED"),
    (2, "TCP_SYN_SENT"),
    (3, "TCP_SYN_RECV"),
    (4, "TCP_FIN_WAIT1"),
    (5, "TCP_FIN_WAIT2"),
    (6, "TCP_TIME_WAIT"),
    (7, "TCP_CLOSE"),
    (8, "TCP_CLOSE_WAIT"),
    (9, "TCP_LAST_ACK"),
    (10, "TCP_LISTEN"),
    (11, "TCP_CLOSING"),
    (12, "TCP_NEW_SYN_RECV"),
];

/// `UDIAG_SHOW_*` (include/uapi/linux/unix_diag.h).
const UDIAG_SHOW: Names = &[
    (0x01, "UDIAG_SHOW_NAME"),
    (0x02, "UDIAG_SHOW_VFS"),
    (0x04, "UDIAG_SHOW_PEER"),
    (0x08, "UDIAG_SHOW_ICONS"),
    (0x10, "UDIAG_SHOW_RQLEN"),
    (0x20, "UDIAG_SHOW_MEMINFO"),
    (0x40, "UDIAG_SHOW_UID"),
];

/// The bytes at hand for a piece of a message: `len` the message says (or what is left of the
/// call's data), of which the copy holds the first `data.len()`.
#[derive(Copy, Clone)]
struct Piece<'a> {
    data: &'a [u8],
    len: usize,
}

impl<'a> Piece<'a> {
    /// From `at`, `len` bytes (of what is left).
    fn sub(self, at: usize, len: usize) -> Piece<'a> {
        Piece {
            data: self.data.get(at..).unwrap_or_default(),
            len: len.min(self.len.saturating_sub(at)),
        }
    }

    /// The whole piece, when the copy holds it.
    fn whole(self) -> Option<&'a [u8]> {
        self.data.get(..self.len)
    }

    fn u8_at(self, at: usize) -> u8 {
        self.data.get(at).copied().unwrap_or(0)
    }

    fn u16_at(self, at: usize) -> u16 {
        self.data
            .get(at..at + 2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(self, at: usize) -> u32 {
        self.data
            .get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// The data of a call on a netlink socket of protocol `proto` (`NETLINK_ROUTE`...), as strace
/// shows it: `data` the copy, `len` the length the call passed or returned.
pub fn messages(data: &[u8], len: u64, proto: u16, out: &mut String) {
    let all = Piece {
        data,
        len: usize::try_from(len).unwrap_or(usize::MAX),
    };
    let mut at = 0;
    let mut array = false;
    loop {
        let p = all.sub(at, usize::MAX);
        if p.len < HDRLEN {
            hex(p, out);
            break;
        }
        if p.data.len() < HDRLEN {
            // The copy ends before this header.
            out.push_str("...");
            break;
        }
        let mlen = p.u32_at(0) as usize;
        let aligned = (mlen + 3) & !3;
        let next = (mlen >= HDRLEN && p.len > aligned).then_some(at + aligned);
        if !array && next.is_some() {
            out.push('[');
            array = true;
        }
        message(p, proto, out);
        match next {
            Some(n) => {
                out.push_str(", ");
                at = n;
            }
            None => break,
        }
    }
    if array {
        out.push(']');
    }
}

/// One message (its header at the start of `p`): `{header}`, or `[{header}, payload]`.
fn message(p: Piece<'_>, proto: u16, out: &mut String) {
    let mlen = (p.u32_at(0) as usize).min(p.len);
    let ty = p.u16_at(4);
    let fl = p.u16_at(6);
    if mlen > HDRLEN {
        out.push('[');
    }
    let _ = write!(
        out,
        "{{nlmsg_len={}, nlmsg_type={}, nlmsg_flags={}, nlmsg_seq={}, nlmsg_pid={}}}",
        p.u32_at(0),
        msg_type(ty, proto),
        msg_flags(fl, ty, proto),
        p.u32_at(8),
        p.u32_at(12) as i32
    );
    if mlen > HDRLEN {
        out.push_str(", ");
        payload(p.sub(HDRLEN, mlen - HDRLEN), ty, fl, proto, out);
        out.push(']');
    }
}

/// strace's `decode_nlmsg_type`: control messages by their common names, the others by the
/// protocol's (`0x14 /* NLMSG_??? */` for a protocol without a table here).
fn msg_type(ty: u16, proto: u16) -> String {
    let t = u64::from(ty);
    if ty < NLMSG_MIN_TYPE {
        return one_or(t, NLMSG_TYPES, "NLMSG_???");
    }
    match proto {
        NETLINK_ROUTE => one_or(t, RTM_TYPES, "RTM_???"),
        NETLINK_SOCK_DIAG => one_or(t, SOCK_DIAG_TYPES, "SOCK_DIAG_???"),
        _ => one_or(t, &[], "NLMSG_???"),
    }
}

/// strace's `decode_nlmsg_flags`: the common flags, then those of the message's kind (a
/// route message's by its type's last two bits: new, delete, get).
fn msg_flags(fl: u16, ty: u16, proto: u16) -> String {
    /// include/uapi/linux/rtnetlink.h: deleting an action takes the `NLM_F_ROOT` flags.
    const RTM_DELACTION: u16 = 49;
    let kind: Names = if ty < NLMSG_MIN_TYPE {
        if ty == NLMSG_ERROR { ACK_FLAGS } else { &[] }
    } else {
        match proto {
            NETLINK_SOCK_DIAG => GET_FLAGS,
            NETLINK_ROUTE if ty == RTM_DELACTION => GET_FLAGS,
            NETLINK_ROUTE => match ty & 3 {
                0 => NEW_FLAGS,
                1 => DELETE_FLAGS,
                2 => GET_FLAGS,
                _ => &[],
            },
            _ => &[],
        }
    };
    // strace's `printflags_ex` over two tables: each's names in order, what is left in hex.
    bits_of(u64::from(fl), FLAGS.iter().chain(kind).copied())
}

/// What follows a header of type `ty`.
fn payload(p: Piece<'_>, ty: u16, fl: u16, proto: u16, out: &mut String) {
    if ty == NLMSG_ERROR {
        nlmsgerr(p, fl & NLM_F_CAPPED != 0, proto, out);
        return;
    }
    if ty >= NLMSG_MIN_TYPE {
        let done = match proto {
            NETLINK_ROUTE => route(p, ty, out),
            NETLINK_SOCK_DIAG => sock_diag(p, fl, out),
            _ => false,
        };
        if done {
            return;
        }
    }
    if ty == NLMSG_DONE && p.len == 4 && p.data.len() >= 4 {
        let _ = write!(out, "{}", p.u32_at(0) as i32);
        return;
    }
    hex(p, out);
}

/// `struct nlmsgerr`: the error, then the header of the request it answers (its payload too
/// unless the kernel capped it, `NLM_F_CAPPED`), then any extended-ack attributes in hex.
fn nlmsgerr(p: Piece<'_>, capped: bool, proto: u16, out: &mut String) {
    if p.len < 4 || p.data.len() < 4 {
        hex(p, out);
        return;
    }
    let e = p.u32_at(0) as i32;
    out.push_str("{error=");
    // strace's `print_err`: a negative code by its name, `-ENODEV`; else the number.
    let name = super::errno::name(e.wrapping_neg());
    if e < 0 && name != format!("E{}", e.wrapping_neg()) {
        out.push('-');
        out.push_str(&name);
    } else {
        let _ = write!(out, "{e}");
    }
    let rest = p.sub(4, usize::MAX);
    if rest.len > 0 {
        out.push_str(", msg=");
        if rest.len < HDRLEN {
            hex(rest, out);
        } else if rest.data.len() < HDRLEN {
            out.push_str("...");
        } else {
            let own = if capped {
                HDRLEN
            } else {
                rest.u32_at(0) as usize
            };
            let own = own.min(rest.len);
            message(rest.sub(0, own), proto, out);
            if rest.len > own {
                out.push_str(", ");
                hex(rest.sub(own, usize::MAX), out);
            }
        }
    }
    out.push('}');
}

/// A `NETLINK_ROUTE` message's fixed header (`ifinfomsg`, `ifaddrmsg`, `rtmsg`), then its
/// attributes in hex; false for the other families of messages (left to [`hex`]).
fn route(p: Piece<'_>, ty: u16, out: &mut String) -> bool {
    if p.data.is_empty() {
        return false;
    }
    let family = flags::family(u64::from(p.u8_at(0)));
    let size = match ty {
        16..=19 => {
            let _ = write!(out, "{{ifi_family={family}");
            16
        }
        20..=23 => {
            let _ = write!(out, "{{ifa_family={family}");
            8
        }
        24..=27 => {
            let _ = write!(out, "{{rtm_family={family}");
            12
        }
        _ => return false,
    };
    if p.len < size || p.data.len() < size {
        out.push_str(", ...}");
        return true;
    }
    let _ = match ty {
        16..=19 => write!(
            out,
            ", ifi_type={}, ifi_index={}, ifi_flags={}, ifi_change={}}}",
            one_or(u64::from(p.u16_at(2)), ARPHRD, "ARPHRD_???"),
            p.u32_at(4) as i32,
            bits(u64::from(p.u32_at(8)), IFF),
            c_hex(p.u32_at(12))
        ),
        20..=23 => write!(
            out,
            ", ifa_prefixlen={}, ifa_flags={}, ifa_scope={}, ifa_index={}}}",
            p.u8_at(1),
            bits(u64::from(p.u8_at(2)), IFA_F),
            one_or(u64::from(p.u8_at(3)), RT_SCOPE, "RT_SCOPE_???"),
            p.u32_at(4)
        ),
        _ => write!(
            out,
            ", rtm_dst_len={}, rtm_src_len={}, rtm_tos={}, rtm_table={}, rtm_protocol={}, \
             rtm_scope={}, rtm_type={}, rtm_flags={}}}",
            p.u8_at(1),
            p.u8_at(2),
            c_hex(u32::from(p.u8_at(3))),
            one_or(u64::from(p.u8_at(4)), RT_TABLE, "RT_TABLE_???"),
            one_or(u64::from(p.u8_at(5)), RTPROT, "RTPROT_???"),
            one_or(u64::from(p.u8_at(6)), RT_SCOPE, "RT_SCOPE_???"),
            one_or(u64::from(p.u8_at(7)), RTN, "RTN_???"),
            bits(u64::from(p.u32_at(8)), RTM_F)
        ),
    };
    attributes(p, size, out);
    true
}

/// C's `%#x`, which writes 0 as `0`: `ifi_change`, and `rtm_tos` (strace names its `IPTOS_*`
/// bits, rarely set).
fn c_hex(v: u32) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// What follows a fixed header of `size` bytes (its attributes, `NLMSG_ALIGN`ed): in hex.
fn attributes(p: Piece<'_>, size: usize, out: &mut String) {
    let at = (size + 3) & !3;
    if p.len > at {
        out.push_str(", ");
        hex(p.sub(at, usize::MAX), out);
    }
}

/// A `NETLINK_SOCK_DIAG` request or answer about UNIX sockets (`unix_diag_req`,
/// `unix_diag_msg`, include/uapi/linux/unix_diag.h); false for other families.
fn sock_diag(p: Piece<'_>, fl: u16, out: &mut String) -> bool {
    // `sdiag_family`/`udiag_family` are a `__u8`.
    if p.data.is_empty() || u16::from(p.u8_at(0)) != AF_UNIX {
        return false;
    }
    let request = fl & NLM_F_REQUEST != 0;
    let size = if request {
        out.push_str("{sdiag_family=AF_UNIX");
        24
    } else {
        out.push_str("{udiag_family=AF_UNIX");
        16
    };
    if p.len < size || p.data.len() < size {
        out.push_str(", ...}");
        return true;
    }
    let _ = if request {
        write!(
            out,
            ", sdiag_protocol={}, udiag_states={}, udiag_ino={}, udiag_show={}, \
             udiag_cookie=[{}, {}]}}",
            p.u8_at(1),
            states(p.u32_at(4)),
            p.u32_at(8),
            bits(u64::from(p.u32_at(12)), UDIAG_SHOW),
            p.u32_at(16),
            p.u32_at(20)
        )
    } else {
        write!(
            out,
            ", udiag_type={}, udiag_state={}, udiag_ino={}, udiag_cookie=[{}, {}]}}",
            flags::sock_type(u64::from(p.u8_at(1))),
            one_or(u64::from(p.u8_at(2)), TCP_STATES, "TCP_???"),
            p.u32_at(4),
            p.u32_at(8),
            p.u32_at(12)
        )
    };
    attributes(p, size, out);
    true
}

/// A set of states, one bit each: `1<<TCP_ESTABLISHED|1<<TCP_LISTEN`, what is left in hex.
fn states(v: u32) -> String {
    let names: Vec<(u64, String)> = TCP_STATES
        .iter()
        .map(|(s, n)| (1u64 << s, format!("1<<{n}")))
        .collect();
    bits_of(u64::from(v), names.iter().map(|(b, n)| (*b, n.as_str())))
}

/// Bytes as strace shows a payload it does not decode: every byte `\xNN`, `...` after when
/// the copy holds less than the message has.
fn hex(p: Piece<'_>, out: &mut String) {
    let shown = p.whole().unwrap_or(p.data);
    out.push('"');
    for b in shown {
        let _ = write!(out, "\\x{b:02x}");
    }
    out.push('"');
    if shown.len() < p.len {
        out.push_str("...");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(data: &[u8], len: usize, proto: u16) -> String {
        let mut s = String::new();
        messages(data, len as u64, proto, &mut s);
        s
    }

    fn hdr(len: u32, ty: u16, flags: u16, seq: u32, pid: u32) -> Vec<u8> {
        let mut v = len.to_le_bytes().to_vec();
        v.extend_from_slice(&ty.to_le_bytes());
        v.extend_from_slice(&flags.to_le_bytes());
        v.extend_from_slice(&seq.to_le_bytes());
        v.extend_from_slice(&pid.to_le_bytes());
        v
    }

    /// The `RTM_GETLINK` dump request of tracer's netlink demo, strace 6.1's text of it.
    #[test]
    fn a_route_request_reads_as_strace_writes_it() {
        let mut m = hdr(32, 18, 0x301, 1, 0);
        m.extend_from_slice(&[0; 16]);
        assert_eq!(
            text(&m, 32, NETLINK_ROUTE),
            "[{nlmsg_len=32, nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, \
             nlmsg_seq=1, nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, \
             ifi_index=0, ifi_flags=0, ifi_change=0}]"
        );
        // The same request passed with 20 bytes: the ifinfomsg is short.
        assert!(text(&m, 20, NETLINK_ROUTE).ends_with("{ifi_family=AF_UNSPEC, ...}]"));
        // A new link with create flags, an unknown type with the common flags only.
        let mut n = hdr(32, 16, 0x605, 7, 0);
        n.extend_from_slice(&[
            0, 0, 4, 3, 1, 0, 0, 0, 0x41, 0, 1, 0, 0xff, 0xff, 0xff, 0xff,
        ]);
        assert_eq!(
            text(&n, 32, NETLINK_ROUTE),
            "[{nlmsg_len=32, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|\
             NLM_F_EXCL|NLM_F_CREATE, nlmsg_seq=7, nlmsg_pid=0}, {ifi_family=AF_UNSPEC, \
             ifi_type=ARPHRD_LOOPBACK, ifi_index=1, ifi_flags=IFF_UP|IFF_RUNNING|IFF_LOWER_UP, \
             ifi_change=0xffffffff}]"
        );
        let u = hdr(16, 0x14, 0x301, 5, 0);
        assert_eq!(
            text(&u, 16, 7),
            "{nlmsg_len=16, nlmsg_type=0x14 /* NLMSG_??? */, nlmsg_flags=NLM_F_REQUEST|0x300, \
             nlmsg_seq=5, nlmsg_pid=0}"
        );
    }

    #[test]
    fn answers_done_and_errors_read_as_strace_writes_them() {
        // An address, then NLMSG_DONE, in one datagram.
        let mut a = hdr(32, 20, 2, 2, 4242);
        a.extend_from_slice(&[2, 8, 0x80, 254, 1, 0, 0, 0]);
        a.extend_from_slice(&[8, 0, 1, 0, 127, 0, 0, 1]);
        a.extend(hdr(20, 3, 2, 2, 4242));
        a.extend_from_slice(&0i32.to_le_bytes());
        assert_eq!(
            text(&a, a.len(), NETLINK_ROUTE),
            "[[{nlmsg_len=32, nlmsg_type=RTM_NEWADDR, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=2, \
             nlmsg_pid=4242}, {ifa_family=AF_INET, ifa_prefixlen=8, ifa_flags=IFA_F_PERMANENT, \
             ifa_scope=RT_SCOPE_HOST, ifa_index=1}, \"\\x08\\x00\\x01\\x00\\x7f\\x00\\x00\\x01\"], \
             [{nlmsg_len=20, nlmsg_type=NLMSG_DONE, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=2, \
             nlmsg_pid=4242}, 0]]"
        );
        // Cut by the snap length after the first header's payload began.
        assert!(
            text(&a[..20], a.len(), NETLINK_ROUTE).ends_with("{ifa_family=AF_INET, ...}], ...]")
        );
        // An error with the request it answers, and a capped acknowledgement.
        let mut req = hdr(32, 16, 0x605, 7, 0);
        req.extend_from_slice(&[0; 16]);
        let mut e = hdr(52, 2, 0, 7, 4242);
        e.extend_from_slice(&(-17i32).to_le_bytes());
        e.extend_from_slice(&req);
        assert!(text(&e, 52, NETLINK_ROUTE).starts_with(
            "[{nlmsg_len=52, nlmsg_type=NLMSG_ERROR, nlmsg_flags=0, nlmsg_seq=7, nlmsg_pid=4242}, \
             {error=-EEXIST, msg=[{nlmsg_len=32, nlmsg_type=RTM_NEWLINK, "
        ));
        let mut ack = hdr(36, 2, 0x100, 7, 4242);
        ack.extend_from_slice(&0i32.to_le_bytes());
        ack.extend_from_slice(&req[..16]);
        assert_eq!(
            text(&ack, 36, NETLINK_ROUTE),
            "[{nlmsg_len=36, nlmsg_type=NLMSG_ERROR, nlmsg_flags=NLM_F_CAPPED, nlmsg_seq=7, \
             nlmsg_pid=4242}, {error=0, msg={nlmsg_len=32, nlmsg_type=RTM_NEWLINK, \
             nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE, nlmsg_seq=7, \
             nlmsg_pid=0}}]"
        );
        // Fewer bytes than a header: in hex, as strace shows them.
        assert_eq!(
            text(&[0x11, 0, 0, 0], 4, NETLINK_ROUTE),
            "\"\\x11\\x00\\x00\\x00\""
        );
    }

    #[test]
    fn unix_diag_requests_and_answers_read_as_strace_writes_them() {
        let mut q = hdr(40, 20, 0x301, 5, 0);
        q.extend_from_slice(&[1, 0, 0, 0]);
        q.extend_from_slice(&(1u32 << 1 | 1 << 10 | 1 << 20).to_le_bytes());
        q.extend_from_slice(&12345u32.to_le_bytes());
        q.extend_from_slice(&5u32.to_le_bytes());
        q.extend_from_slice(&[0xff; 8]);
        assert_eq!(
            text(&q, 40, NETLINK_SOCK_DIAG),
            "[{nlmsg_len=40, nlmsg_type=SOCK_DIAG_BY_FAMILY, nlmsg_flags=NLM_F_REQUEST|\
             NLM_F_DUMP, nlmsg_seq=5, nlmsg_pid=0}, {sdiag_family=AF_UNIX, sdiag_protocol=0, \
             udiag_states=1<<TCP_ESTABLISHED|1<<TCP_LISTEN|0x100000, udiag_ino=12345, \
             udiag_show=UDIAG_SHOW_NAME|UDIAG_SHOW_PEER, udiag_cookie=[4294967295, \
             4294967295]}]"
        );
        let mut a = hdr(32, 20, 2, 5, 77);
        a.extend_from_slice(&[1, 1, 1, 0]);
        a.extend_from_slice(&38734u32.to_le_bytes());
        a.extend_from_slice(&4211u32.to_le_bytes());
        a.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            text(&a, 32, NETLINK_SOCK_DIAG),
            "[{nlmsg_len=32, nlmsg_type=SOCK_DIAG_BY_FAMILY, nlmsg_flags=NLM_F_MULTI, \
             nlmsg_seq=5, nlmsg_pid=77}, {udiag_family=AF_UNIX, udiag_type=SOCK_STREAM, \
             udiag_state=TCP_ESTABLISHED, udiag_ino=38734, udiag_cookie=[4211, 0]}]"
        );
    }
}
