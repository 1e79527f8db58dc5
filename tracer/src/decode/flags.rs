//! Symbolic names for constants and flag sets (values from the x86 uapi headers shipped with
//! Linux 6.1/6.18: include/linux/socket.h, include/uapi/linux/net.h, ipc.h, mman-common.h).

use super::consts::{Names, bits, bits_or, one, one_or};

/// include/linux/socket.h (Linux 6.18): the address families strace 6.1 names (`AF_MCTP`,
/// 45, is its last; 46 is `AF_MAX`).
const FAMILIES: Names = &[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (3, "AF_AX25"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (6, "AF_NETROM"),
    (7, "AF_BRIDGE"),
    (8, "AF_ATMPVC"),
    (9, "AF_X25"),
    (10, "AF_INET6"),
    (11, "AF_ROSE"),
    (12, "AF_DECnet"),
    (13, "AF_NETBEUI"),
    (14, "AF_SECURITY"),
    (15, "AF_KEY"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (18, "AF_ASH"),
    (19, "AF_ECONET"),
    (20, "AF_ATMSVC"),
    (21, "AF_RDS"),
    (22, "AF_SNA"),
    (23, "AF_IRDA"),
    (24, "AF_PPPOX"),
    (25, "AF_WANPIPE"),
    (26, "AF_LLC"),
    (27, "AF_IB"),
    (28, "AF_MPLS"),
    (29, "AF_CAN"),
    (30, "AF_TIPC"),
    (31, "AF_BLUETOOTH"),
    (32, "AF_IUCV"),
    (33, "AF_RXRPC"),
    (34, "AF_ISDN"),
    (35, "AF_PHONET"),
    (36, "AF_IEEE802154"),
    (37, "AF_CAIF"),
    (38, "AF_ALG"),
    (39, "AF_NFC"),
    (40, "AF_VSOCK"),
    (41, "AF_KCM"),
    (42, "AF_QIPCRTR"),
    (43, "AF_SMC"),
    (44, "AF_XDP"),
    (45, "AF_MCTP"),
];

/// `AF_UNIX`; one nobody names as strace shows it, `0x2e /* AF_??? */`.
pub fn family(v: u64) -> String {
    one_or(v, FAMILIES, "AF_???")
}

/// include/linux/net.h `SOCK_CLOEXEC` (`O_CLOEXEC`) and `SOCK_NONBLOCK` (`O_NONBLOCK`), in
/// strace 6.1's order.
const SOCK_TYPE_FLAGS: Names = &[(0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK")];

/// include/linux/net.h `enum sock_type` (x86; `SOCK_PACKET` is the obsolete 10).
const SOCK_TYPES: Names = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (6, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
];

/// `SOCK_*` with `SOCK_NONBLOCK`/`SOCK_CLOEXEC` (include/linux/net.h): a type of 0 is `0`,
/// one without a name `0x7 /* SOCK_??? */`, as strace shows them.
pub fn sock_type(v: u64) -> String {
    let base = match v & 0xf {
        0 => "0".to_string(),
        t => one_or(t, SOCK_TYPES, "SOCK_???"),
    };
    let rest = v & !0xf;
    if rest == 0 {
        base
    } else {
        format!("{base}|{}", bits(rest, SOCK_TYPE_FLAGS))
    }
}

/// `accept4`'s flags: only the `SOCK_NONBLOCK`/`SOCK_CLOEXEC` bits.
pub fn sock_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(v, SOCK_TYPE_FLAGS)
    }
}

/// include/linux/socket.h: the `MSG_*` flags strace 6.1 names, with its names (0x10 is the
/// kernel's `MSG_PROBE`, glibc's `MSG_PROXY`; 0x20000 was `MSG_SENDPAGE_NOTLAST` until
/// Linux 6.5, 0x80000 `MSG_NO_SHARED_FRAGS` until 5.8).
const MSG_FLAGS: Names = &[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROBE"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x1_0000, "MSG_WAITFORONE"),
    (0x2_0000, "MSG_SENDPAGE_NOTLAST"),
    (0x4_0000, "MSG_BATCH"),
    (0x8_0000, "MSG_NO_SHARED_FRAGS"),
    (0x400_0000, "MSG_ZEROCOPY"),
    (0x2000_0000, "MSG_FASTOPEN"),
    (0x4000_0000, "MSG_CMSG_CLOEXEC"),
    (0x8000_0000, "MSG_CMSG_COMPAT"),
];

/// `MSG_DONTWAIT|MSG_NOSIGNAL`; bits nobody names as strace shows them.
pub fn msg_flags(v: u64) -> String {
    bits_or(v & 0xffff_ffff, MSG_FLAGS, "MSG_???")
}

pub fn shut_how(v: u64) -> String {
    one(v, &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")])
}

/// include/linux/socket.h `SOL_*` (0 is `SOL_IP`, as strace names the level; 6 `SOL_TCP`...),
/// the ones strace 6.1 names (its `socketlayers`: 40 is `AF_VSOCK`, as it names that level).
pub(crate) const LEVELS: Names = &[
    (0, "SOL_IP"),
    (1, "SOL_SOCKET"),
    (6, "SOL_TCP"),
    (17, "SOL_UDP"),
    (40, "AF_VSOCK"),
    (41, "SOL_IPV6"),
    (58, "SOL_ICMPV6"),
    (100, "SOL_CAN_BASE"),
    (101, "SOL_CAN_RAW"),
    (132, "SOL_SCTP"),
    (136, "SOL_UDPLITE"),
    (255, "SOL_RAW"),
    (256, "SOL_IPX"),
    (257, "SOL_AX25"),
    (258, "SOL_ATALK"),
    (259, "SOL_NETROM"),
    (260, "SOL_ROSE"),
    (261, "SOL_DECNET"),
    (262, "SOL_X25"),
    (263, "SOL_PACKET"),
    (264, "SOL_ATM"),
    (265, "SOL_AAL"),
    (266, "SOL_IRDA"),
    (267, "SOL_NETBEUI"),
    (268, "SOL_LLC"),
    (269, "SOL_DCCP"),
    (270, "SOL_NETLINK"),
    (271, "SOL_TIPC"),
    (272, "SOL_RXRPC"),
    (273, "SOL_PPPOL2TP"),
    (274, "SOL_BLUETOOTH"),
    (275, "SOL_PNPIPE"),
    (276, "SOL_RDS"),
    (277, "SOL_IUCV"),
    (278, "SOL_CAIF"),
    (279, "SOL_ALG"),
    (280, "SOL_NFC"),
    (281, "SOL_KCM"),
    (282, "SOL_TLS"),
    (283, "SOL_XDP"),
];

/// A `setsockopt`/`getsockopt` level: `SOL_SOCKET`; one nobody names as strace 6.1 shows it,
/// `0x11c /* SOL_?? */` (two question marks, as it prints them).
pub fn sock_level(v: u64) -> String {
    one_or(v & 0xffff_ffff, LEVELS, "SOL_??")
}

/// include/uapi/asm-generic/socket.h (x86 uses it): the `SO_*` options strace 6.1 names, with
/// its names (20 and 21 are `SO_RCVTIMEO_OLD`/`SO_SNDTIMEO_OLD` since Linux 5.1; 54 and 58 are
/// `SCM_*` types, never options).
const SO_OPTIONS: Names = &[
    (1, "SO_DEBUG"),
    (2, "SO_REUSEADDR"),
    (3, "SO_TYPE"),
    (4, "SO_ERROR"),
    (5, "SO_DONTROUTE"),
    (6, "SO_BROADCAST"),
    (7, "SO_SNDBUF"),
    (8, "SO_RCVBUF"),
    (9, "SO_KEEPALIVE"),
    (10, "SO_OOBINLINE"),
    (11, "SO_NO_CHECK"),
    (12, "SO_PRIORITY"),
    (13, "SO_LINGER"),
    (14, "SO_BSDCOMPAT"),
    (15, "SO_REUSEPORT"),
    (16, "SO_PASSCRED"),
    (17, "SO_PEERCRED"),
    (18, "SO_RCVLOWAT"),
    (19, "SO_SNDLOWAT"),
    (20, "SO_RCVTIMEO_OLD"),
    (21, "SO_SNDTIMEO_OLD"),
    (22, "SO_SECURITY_AUTHENTICATION"),
    (23, "SO_SECURITY_ENCRYPTION_TRANSPORT"),
    (24, "SO_SECURITY_ENCRYPTION_NETWORK"),
    (25, "SO_BINDTODEVICE"),
    (26, "SO_ATTACH_FILTER"),
    (27, "SO_DETACH_FILTER"),
    (28, "SO_PEERNAME"),
    (29, "SO_TIMESTAMP_OLD"),
    (30, "SO_ACCEPTCONN"),
    (31, "SO_PEERSEC"),
    (32, "SO_SNDBUFFORCE"),
    (33, "SO_RCVBUFFORCE"),
    (34, "SO_PASSSEC"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (36, "SO_MARK"),
    (37, "SO_TIMESTAMPING_OLD"),
    (38, "SO_PROTOCOL"),
    (39, "SO_DOMAIN"),
    (40, "SO_RXQ_OVFL"),
    (41, "SO_WIFI_STATUS"),
    (42, "SO_PEEK_OFF"),
    (43, "SO_NOFCS"),
    (44, "SO_LOCK_FILTER"),
    (45, "SO_SELECT_ERR_QUEUE"),
    (46, "SO_BUSY_POLL"),
    (47, "SO_MAX_PACING_RATE"),
    (48, "SO_BPF_EXTENSIONS"),
    (49, "SO_INCOMING_CPU"),
    (50, "SO_ATTACH_BPF"),
    (51, "SO_ATTACH_REUSEPORT_CBPF"),
    (52, "SO_ATTACH_REUSEPORT_EBPF"),
    (53, "SO_CNX_ADVICE"),
    (55, "SO_MEMINFO"),
    (56, "SO_INCOMING_NAPI_ID"),
    (57, "SO_COOKIE"),
    (59, "SO_PEERGROUPS"),
    (60, "SO_ZEROCOPY"),
    (61, "SO_TXTIME"),
    (62, "SO_BINDTOIFINDEX"),
    (63, "SO_TIMESTAMP_NEW"),
    (64, "SO_TIMESTAMPNS_NEW"),
    (65, "SO_TIMESTAMPING_NEW"),
    (66, "SO_RCVTIMEO_NEW"),
    (67, "SO_SNDTIMEO_NEW"),
    (68, "SO_DETACH_REUSEPORT_BPF"),
    (69, "SO_PREFER_BUSY_POLL"),
    (70, "SO_BUSY_POLL_BUDGET"),
    (71, "SO_NETNS_COOKIE"),
    (72, "SO_BUF_LOCK"),
    (73, "SO_RESERVE_MEM"),
    (74, "SO_TXREHASH"),
    (75, "SO_RCVMARK"),
];

/// include/uapi/linux/in.h: `SOL_IP`'s options (with [`MCAST_OPTIONS`], and netfilter's
/// `IPT_SO_SET_*`, include/uapi/linux/netfilter_ipv4/ip_tables.h), as strace 6.1 names them.
const IP_OPTIONS: Names = &[
    (1, "IP_TOS"),
    (2, "IP_TTL"),
    (3, "IP_HDRINCL"),
    (4, "IP_OPTIONS"),
    (5, "IP_ROUTER_ALERT"),
    (6, "IP_RECVOPTS"),
    (7, "IP_RETOPTS"),
    (8, "IP_PKTINFO"),
    (9, "IP_PKTOPTIONS"),
    (10, "IP_MTU_DISCOVER"),
    (11, "IP_RECVERR"),
    (12, "IP_RECVTTL"),
    (13, "IP_RECVTOS"),
    (14, "IP_MTU"),
    (15, "IP_FREEBIND"),
    (16, "IP_IPSEC_POLICY"),
    (17, "IP_XFRM_POLICY"),
    (18, "IP_PASSSEC"),
    (19, "IP_TRANSPARENT"),
    (20, "IP_ORIGDSTADDR"),
    (21, "IP_MINTTL"),
    (22, "IP_NODEFRAG"),
    (23, "IP_CHECKSUM"),
    (24, "IP_BIND_ADDRESS_NO_PORT"),
    (25, "IP_RECVFRAGSIZE"),
    (26, "IP_RECVERR_RFC4884"),
    (32, "IP_MULTICAST_IF"),
    (33, "IP_MULTICAST_TTL"),
    (34, "IP_MULTICAST_LOOP"),
    (35, "IP_ADD_MEMBERSHIP"),
    (36, "IP_DROP_MEMBERSHIP"),
    (37, "IP_UNBLOCK_SOURCE"),
    (38, "IP_BLOCK_SOURCE"),
    (39, "IP_ADD_SOURCE_MEMBERSHIP"),
    (40, "IP_DROP_SOURCE_MEMBERSHIP"),
    (41, "IP_MSFILTER"),
    (49, "IP_MULTICAST_ALL"),
    (50, "IP_UNICAST_IF"),
    (64, "IPT_SO_SET_REPLACE"),
    (65, "IPT_SO_SET_ADD_COUNTERS"),
];

/// include/uapi/linux/in.h `MCAST_*`: the protocol-independent multicast options, the same
/// numbers at `SOL_IP` and `SOL_IPV6`.
const MCAST_OPTIONS: Names = &[
    (42, "MCAST_JOIN_GROUP"),
    (43, "MCAST_BLOCK_SOURCE"),
    (44, "MCAST_UNBLOCK_SOURCE"),
    (45, "MCAST_LEAVE_GROUP"),
    (46, "MCAST_JOIN_SOURCE_GROUP"),
    (47, "MCAST_LEAVE_SOURCE_GROUP"),
    (48, "MCAST_MSFILTER"),
];

/// include/uapi/linux/tcp.h: `SOL_TCP`'s options strace 6.1 names.
const TCP_OPTIONS: Names = &[
    (1, "TCP_NODELAY"),
    (2, "TCP_MAXSEG"),
    (3, "TCP_CORK"),
    (4, "TCP_KEEPIDLE"),
    (5, "TCP_KEEPINTVL"),
    (6, "TCP_KEEPCNT"),
    (7, "TCP_SYNCNT"),
    (8, "TCP_LINGER2"),
    (9, "TCP_DEFER_ACCEPT"),
    (10, "TCP_WINDOW_CLAMP"),
    (11, "TCP_INFO"),
    (12, "TCP_QUICKACK"),
    (13, "TCP_CONGESTION"),
    (14, "TCP_MD5SIG"),
    (15, "TCP_COOKIE_TRANSACTIONS"),
    (16, "TCP_THIN_LINEAR_TIMEOUTS"),
    (17, "TCP_THIN_DUPACK"),
    (18, "TCP_USER_TIMEOUT"),
    (19, "TCP_REPAIR"),
    (20, "TCP_REPAIR_QUEUE"),
    (21, "TCP_QUEUE_SEQ"),
    (22, "TCP_REPAIR_OPTIONS"),
    (23, "TCP_FASTOPEN"),
    (24, "TCP_TIMESTAMP"),
    (25, "TCP_NOTSENT_LOWAT"),
    (26, "TCP_CC_INFO"),
    (27, "TCP_SAVE_SYN"),
    (28, "TCP_SAVED_SYN"),
    (29, "TCP_REPAIR_WINDOW"),
    (30, "TCP_FASTOPEN_CONNECT"),
    (31, "TCP_ULP"),
    (32, "TCP_MD5SIG_EXT"),
    (33, "TCP_FASTOPEN_KEY"),
    (34, "TCP_FASTOPEN_NO_COOKIE"),
    (35, "TCP_ZEROCOPY_RECEIVE"),
    (36, "TCP_INQ"),
    (37, "TCP_TX_DELAY"),
];

/// include/uapi/linux/udp.h.
const UDP_OPTIONS: Names = &[(1, "UDP_CORK")];

/// include/uapi/linux/in6.h (and ip6_tables.h's `IP6T_SO_SET_*`): `SOL_IPV6`'s options strace
/// 6.1 names.
const IPV6_OPTIONS: Names = &[
    (1, "IPV6_ADDRFORM"),
    (2, "IPV6_2292PKTINFO"),
    (3, "IPV6_2292HOPOPTS"),
    (4, "IPV6_2292DSTOPTS"),
    (5, "IPV6_2292RTHDR"),
    (6, "IPV6_2292PKTOPTIONS"),
    (7, "IPV6_CHECKSUM"),
    (8, "IPV6_2292HOPLIMIT"),
    (9, "IPV6_NEXTHOP"),
    (10, "IPV6_AUTHHDR"),
    (11, "IPV6_FLOWINFO"),
    (16, "IPV6_UNICAST_HOPS"),
    (17, "IPV6_MULTICAST_IF"),
    (18, "IPV6_MULTICAST_HOPS"),
    (19, "IPV6_MULTICAST_LOOP"),
    (20, "IPV6_ADD_MEMBERSHIP"),
    (21, "IPV6_DROP_MEMBERSHIP"),
    (22, "IPV6_ROUTER_ALERT"),
    (23, "IPV6_MTU_DISCOVER"),
    (24, "IPV6_MTU"),
    (25, "IPV6_RECVERR"),
    (26, "IPV6_V6ONLY"),
    (27, "IPV6_JOIN_ANYCAST"),
    (28, "IPV6_LEAVE_ANYCAST"),
    (29, "IPV6_MULTICAST_ALL"),
    (30, "IPV6_ROUTER_ALERT_ISOLATE"),
    (31, "IPV6_RECVERR_RFC4884"),
    (32, "IPV6_FLOWLABEL_MGR"),
    (33, "IPV6_FLOWINFO_SEND"),
    (34, "IPV6_IPSEC_POLICY"),
    (35, "IPV6_XFRM_POLICY"),
    (36, "IPV6_HDRINCL"),
    (49, "IPV6_RECVPKTINFO"),
    (50, "IPV6_PKTINFO"),
    (51, "IPV6_RECVHOPLIMIT"),
    (52, "IPV6_HOPLIMIT"),
    (53, "IPV6_RECVHOPOPTS"),
    (54, "IPV6_HOPOPTS"),
    (55, "IPV6_RTHDRDSTOPTS"),
    (56, "IPV6_RECVRTHDR"),
    (57, "IPV6_RTHDR"),
    (58, "IPV6_RECVDSTOPTS"),
    (59, "IPV6_DSTOPTS"),
    (60, "IPV6_RECVPATHMTU"),
    (61, "IPV6_PATHMTU"),
    (62, "IPV6_DONTFRAG"),
    (63, "IPV6_USE_MIN_MTU"),
    (64, "IP6T_SO_SET_REPLACE"),
    (65, "IP6T_SO_SET_ADD_COUNTERS"),
    (66, "IPV6_RECVTCLASS"),
    (67, "IPV6_TCLASS"),
    (70, "IPV6_AUTOFLOWLABEL"),
    (72, "IPV6_ADDR_PREFERENCES"),
    (73, "IPV6_MINHOPCOUNT"),
    (74, "IPV6_ORIGDSTADDR"),
    (75, "IPV6_TRANSPARENT"),
    (76, "IPV6_UNICAST_IF"),
    (77, "IPV6_RECVFRAGSIZE"),
    (78, "IPV6_FREEBIND"),
];

/// include/uapi/linux/netlink.h: `SOL_NETLINK`'s options.
const NETLINK_OPTIONS: Names = &[
    (1, "NETLINK_ADD_MEMBERSHIP"),
    (2, "NETLINK_DROP_MEMBERSHIP"),
    (3, "NETLINK_PKTINFO"),
    (4, "NETLINK_BROADCAST_ERROR"),
    (5, "NETLINK_NO_ENOBUFS"),
    (6, "NETLINK_RX_RING"),
    (7, "NETLINK_TX_RING"),
    (8, "NETLINK_LISTEN_ALL_NSID"),
    (9, "NETLINK_LIST_MEMBERSHIPS"),
    (10, "NETLINK_CAP_ACK"),
    (11, "NETLINK_EXT_ACK"),
    (12, "NETLINK_GET_STRICT_CHK"),
];

/// A socket option by its level: `SO_REUSEADDR`, `TCP_NODELAY`, `NETLINK_ADD_MEMBERSHIP`; one
/// the level's table lacks as strace shows it (`0x4c /* SO_??? */`); at a level without a
/// table here, the number.
pub fn sock_opt(level: u64, v: u64) -> String {
    let v = v & 0xffff_ffff;
    let (names, unknown) = match level & 0xffff_ffff {
        0 => (IP_OPTIONS, "IP_???"),
        1 => (SO_OPTIONS, "SO_???"),
        6 => (TCP_OPTIONS, "TCP_???"),
        17 => (UDP_OPTIONS, "UDP_???"),
        41 => (IPV6_OPTIONS, "IPV6_???"),
        270 => (NETLINK_OPTIONS, "NETLINK_???"),
        _ => return v.to_string(),
    };
    match MCAST_OPTIONS.iter().find(|(n, _)| *n == v) {
        Some((_, name)) if matches!(level & 0xffff_ffff, 0 | 41) => (*name).to_string(),
        _ => one_or(v, names, unknown),
    }
}

/// The `NETLINK_*` protocols (include/uapi/linux/netlink.h).
pub const NETLINK_PROTOCOLS: &[(u64, &str)] = &[
    (0, "NETLINK_ROUTE"),
    (1, "NETLINK_UNUSED"),
    (2, "NETLINK_USERSOCK"),
    (3, "NETLINK_FIREWALL"),
    (4, "NETLINK_SOCK_DIAG"),
    (5, "NETLINK_NFLOG"),
    (6, "NETLINK_XFRM"),
    (7, "NETLINK_SELINUX"),
    (8, "NETLINK_ISCSI"),
    (9, "NETLINK_AUDIT"),
    (10, "NETLINK_FIB_LOOKUP"),
    (11, "NETLINK_CONNECTOR"),
    (12, "NETLINK_NETFILTER"),
    (13, "NETLINK_IP6_FW"),
    (14, "NETLINK_DNRTMSG"),
    (15, "NETLINK_KOBJECT_UEVENT"),
    (16, "NETLINK_GENERIC"),
    (18, "NETLINK_SCSITRANSPORT"),
    (19, "NETLINK_ECRYPTFS"),
    (20, "NETLINK_RDMA"),
    (21, "NETLINK_CRYPTO"),
    (22, "NETLINK_SMC"),
];

/// `socket`'s protocol, named by its domain as strace names it: `NETLINK_*` for AF_NETLINK
/// (include/uapi/linux/netlink.h), `IPPROTO_*` for AF_INET and AF_INET6
/// (include/uapi/linux/in.h, in6.h: 0 is `IPPROTO_IP`), AF_PACKET's Ethernet type in network
/// order (`htons(ETH_P_ALL)`, include/uapi/linux/if_ether.h); a number otherwise (strace names
/// the protocols of a few more families: docs/trace-format.md).
pub fn protocol(domain: u64, v: u64) -> String {
    match domain {
        16 => one(v, NETLINK_PROTOCOLS),
        2 | 10 => one(
            v,
            &[
                (0, "IPPROTO_IP"),
                (1, "IPPROTO_ICMP"),
                (2, "IPPROTO_IGMP"),
                (6, "IPPROTO_TCP"),
                (17, "IPPROTO_UDP"),
                (41, "IPPROTO_IPV6"),
                (58, "IPPROTO_ICMPV6"),
                (132, "IPPROTO_SCTP"),
                (136, "IPPROTO_UDPLITE"),
                (255, "IPPROTO_RAW"),
                (262, "IPPROTO_MPTCP"),
            ],
        ),
        17 => {
            let ty = u64::from((v as u16).swap_bytes());
            let name = one_or(
                ty,
                &[
                    (0x3, "ETH_P_ALL"),
                    (0x800, "ETH_P_IP"),
                    (0x806, "ETH_P_ARP"),
                    (0x86dd, "ETH_P_IPV6"),
                ],
                "ETH_P_???",
            );
            format!("htons({name})")
        }
        _ => v.to_string(),
    }
}

pub fn ipc_key(v: u64) -> String {
    if v as i32 == 0 {
        "IPC_PRIVATE".into()
    } else {
        format!("{:#x}", v as u32)
    }
}

/// The file type bits of a mode, and the two `mknod` makes devices of
/// (include/uapi/linux/stat.h; tracer-common's, widened to a syscall argument's `u64`).
pub const S_IFMT: u64 = tracer_common::S_IFMT as u64;
pub const S_IFCHR: u64 = tracer_common::S_IFCHR as u64;
pub const S_IFBLK: u64 = tracer_common::S_IFBLK as u64;

/// `mknod`'s mode, as a file's ([`super::structs::stat_mode`]: `S_IFIFO|0644`, `0644`).
pub fn mknod_mode(v: u64) -> String {
    super::structs::stat_mode(v)
}

/// A device number as `mknod` takes it, `unsigned int` in the kernel's `new_encode_dev` form
/// (include/linux/kdev_t.h `new_decode_dev`: major in bits 8-19, minor in bits 0-7 and
/// 20-31), as strace's `print_dev_t` shows it: `makedev(0x1, 0x3)` (C's `%#x`: `0` for zero).
pub fn makedev(dev: u64) -> String {
    let dev = dev & 0xffff_ffff;
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    let x = |n: u64| {
        if n == 0 {
            "0".to_string()
        } else {
            format!("{n:#x}")
        }
    };
    format!("makedev({}, {})", x(major), x(minor))
}

pub fn pipe_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(
            v,
            // In strace 6.1's order (its `open_mode_flags`).
            &[
                (0o4000, "O_NONBLOCK"),
                (0o40000, "O_DIRECT"),
                (0o2000000, "O_CLOEXEC"),
            ],
        )
    }
}

/// `si_code` (include/uapi/asm-generic/siginfo.h).
pub fn si_code(v: i32) -> String {
    match v {
        0 => "SI_USER".into(),
        0x80 => "SI_KERNEL".into(),
        -1 => "SI_QUEUE".into(),
        -2 => "SI_TIMER".into(),
        -3 => "SI_MESGQ".into(),
        -4 => "SI_ASYNCIO".into(),
        -6 => "SI_TKILL".into(),
        v => v.to_string(),
    }
}

pub fn at_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(v, &[(0x200, "AT_REMOVEDIR")])
    }
}

pub fn dirfd(v: u64) -> String {
    if v as u32 == (-100i32) as u32 {
        "AT_FDCWD".into()
    } else {
        (v as i32).to_string()
    }
}

pub fn mmap_prot(v: u64) -> String {
    if v == 0 {
        "PROT_NONE".into()
    } else {
        bits(v, &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")])
    }
}

/// mmap's flags as strace 6.1 writes them (its xlat/mmap_flags.in order, measured): the type,
/// the named bits, unknown bits in hex, then the huge page size (`21<<MAP_HUGE_SHIFT`).
/// Values: include/uapi/asm-generic/mman-common.h, include/uapi/linux/mman.h,
/// arch/x86/include/uapi/asm/mman.h (MAP_32BIT), include/uapi/asm-generic/hugetlb_encode.h.
pub fn mmap_flags(v: u64) -> String {
    const MAP_HUGE_SHIFT: u64 = 26;
    const MAP_HUGE_MASK: u64 = 0x3f;
    let v = v & 0xffff_ffff;
    let mut out = one(
        v & 3,
        &[
            (1, "MAP_SHARED"),
            (2, "MAP_PRIVATE"),
            (3, "MAP_SHARED_VALIDATE"),
        ],
    );
    let rest = v & !3 & !(MAP_HUGE_MASK << MAP_HUGE_SHIFT);
    if rest != 0 {
        out.push('|');
        out.push_str(&bits(
            rest,
            &[
                (0x10, "MAP_FIXED"),
                (0x20, "MAP_ANONYMOUS"),
                (0x40, "MAP_32BIT"),
                (0x4000, "MAP_NORESERVE"),
                (0x8000, "MAP_POPULATE"),
                (0x10000, "MAP_NONBLOCK"),
                (0x100, "MAP_GROWSDOWN"),
                (0x800, "MAP_DENYWRITE"),
                (0x1000, "MAP_EXECUTABLE"),
                (0x2000, "MAP_LOCKED"),
                (0x20000, "MAP_STACK"),
                (0x40000, "MAP_HUGETLB"),
                (0x80000, "MAP_SYNC"),
                (0x100000, "MAP_FIXED_NOREPLACE"),
            ],
        ));
    }
    let huge = (v >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    if huge != 0 {
        out.push_str(&format!("|{huge}<<MAP_HUGE_SHIFT"));
    }
    out
}

pub fn memfd_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(
            v,
            &[
                (1, "MFD_CLOEXEC"),
                (2, "MFD_ALLOW_SEALING"),
                (4, "MFD_HUGETLB"),
            ],
        )
    }
}

/// arch/x86/include/uapi/asm/signal.h: the kernel returns from a handler through
/// `sa_restorer`.
pub const SA_RESTORER: u64 = 0x0400_0000;

pub fn sa_flags(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        bits(
            v,
            // include/uapi/asm-generic/signal-defs.h and arch/x86/include/uapi/asm/signal.h
            // (`SA_RESTORER`), in strace 6.1's order.
            &[
                (SA_RESTORER, "SA_RESTORER"),
                (0x0800_0000, "SA_ONSTACK"),
                (0x1000_0000, "SA_RESTART"),
                (0x4000_0000, "SA_NODEFER"),
                (0x8000_0000, "SA_RESETHAND"),
                (4, "SA_SIGINFO"),
                (1, "SA_NOCLDSTOP"),
                (2, "SA_NOCLDWAIT"),
                (0x400, "SA_UNSUPPORTED"),
                (0x800, "SA_EXPOSE_TAGBITS"),
            ],
        )
    }
}

/// `SIGUSR1`, `SIGRT_3`, or the number.
pub fn signal(v: u64) -> String {
    let n = v as i32;
    if n == 0 {
        return "0".into();
    }
    if let Ok(s) = nix::sys::signal::Signal::try_from(n) {
        return s.as_str().to_string();
    }
    // include/uapi/asm-generic/signal.h `SIGRTMIN` is 32 (glibc keeps 32 and 33 for itself
    // and calls 34 its SIGRTMIN): strace 6.1's `SIGRTMIN`, `SIGRT_1`...`SIGRT_32`.
    if n == 32 {
        "SIGRTMIN".to_string()
    } else if (33..=64).contains(&n) {
        format!("SIGRT_{}", n - 32)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_are_split_as_the_kernel_encodes_them() {
        // glibc's makedev(1, 3) and makedev(259, 0x12345), as mknod passes them.
        assert_eq!(makedev(0x103), "makedev(0x1, 0x3)");
        assert_eq!(makedev(0x1231_0345), "makedev(0x103, 0x12345)");
        assert_eq!(makedev(0), "makedev(0, 0)");
    }

    #[test]
    fn names() {
        assert_eq!(sock_type(1 | 0o2000000), "SOCK_STREAM|SOCK_CLOEXEC");
        assert_eq!(mknod_mode(0o10000 | 0o644), "S_IFIFO|0644");
        assert_eq!(signal(10), "SIGUSR1");
        assert_eq!(signal(35), "SIGRT_3");
        assert_eq!(signal(32), "SIGRTMIN");
        assert_eq!(mmap_flags(1), "MAP_SHARED");
        // strace 6.1 on the same calls (measured).
        assert_eq!(
            mmap_flags(0x2 | 0x20 | 0x20000 | 0x100 | 0x4000 | 0x8000 | 0x2000),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_POPULATE|MAP_GROWSDOWN|MAP_LOCKED|MAP_STACK"
        );
        assert_eq!(
            mmap_flags(0x22 | 0x40000 | (21 << 26)),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT"
        );
        assert_eq!(
            mmap_flags(0x3 | 0x80000 | 0x100000 | 0x200000),
            "MAP_SHARED_VALIDATE|MAP_SYNC|MAP_FIXED_NOREPLACE|0x200000"
        );
        assert_eq!(pipe_flags(0), "0");
        assert_eq!(pipe_flags(0o2000000), "O_CLOEXEC");
        assert_eq!(si_code(-1), "SI_QUEUE");
        assert_eq!(dirfd((-100i64) as u64), "AT_FDCWD");
        // The kernel takes `unsigned int flags`: a register's upper half is not a flag.
        assert_eq!(msg_flags(0x40 | 0x1_0000_0000), "MSG_DONTWAIT");
    }

    /// What strace 6.1 printed for the same values (socket, sendto and setsockopt of every
    /// family, flag bit and option number, measured on this project's machine).
    #[test]
    fn socket_names_as_strace_prints_them() {
        assert_eq!(family(12), "AF_DECnet");
        assert_eq!(family(45), "AF_MCTP");
        assert_eq!(family(46), "0x2e /* AF_??? */");
        assert_eq!(sock_type(0), "0");
        assert_eq!(sock_type(6), "SOCK_DCCP");
        assert_eq!(sock_type(7), "0x7 /* SOCK_??? */");
        assert_eq!(msg_flags(0x10), "MSG_PROBE");
        assert_eq!(msg_flags(0x1_0000), "MSG_WAITFORONE");
        assert_eq!(msg_flags(0x10_0000), "0x100000 /* MSG_??? */");
        assert_eq!(msg_flags(0x1 | 0x10_0000), "MSG_OOB|0x100000");
        assert_eq!(msg_flags(0x8000_0000), "MSG_CMSG_COMPAT");
        assert_eq!(sock_level(0), "SOL_IP");
        assert_eq!(sock_level(283), "SOL_XDP");
        assert_eq!(sock_level(284), "0x11c /* SOL_?? */");
        assert_eq!(sock_opt(1, 0), "0 /* SO_??? */");
        assert_eq!(sock_opt(1, 20), "SO_RCVTIMEO_OLD");
        assert_eq!(sock_opt(1, 54), "0x36 /* SO_??? */");
        assert_eq!(sock_opt(1, 75), "SO_RCVMARK");
        assert_eq!(sock_opt(6, 1), "TCP_NODELAY");
        assert_eq!(sock_opt(0, 0x1b), "0x1b /* IP_??? */");
        assert_eq!(sock_opt(270, 1), "NETLINK_ADD_MEMBERSHIP");
        assert_eq!(sock_opt(58, 1), "1");
        assert_eq!(sock_opt(41, 42), "MCAST_JOIN_GROUP");
        assert_eq!(sock_opt(0, 48), "MCAST_MSFILTER");
        assert_eq!(sock_opt(6, 42), "0x2a /* TCP_??? */");
    }
}
