//! `netlink`: asking the kernel for its network interfaces over a `NETLINK_ROUTE` socket,
//! the way `ip link` does.
//!
//! 1. `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)`;
//! 2. `bind(fd, {AF_NETLINK, nl_pid = 0, nl_groups = 0}, 12)`: `nl_pid = 0` lets the kernel
//!    assign the port id (normally our pid); no multicast groups;
//! 3. `sendto(fd, request, 32, 0, {AF_NETLINK, nl_pid = 0}, 12)`: the destination port 0 is
//!    the kernel. The request is a `struct nlmsghdr` (`nlmsg_type = RTM_GETLINK`,
//!    `nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP`, a sequence number) followed by a
//!    `struct ifinfomsg` (`ifi_family = AF_UNSPEC`: all interfaces);
//! 4. `recvfrom(fd, buf, 32768, 0, &from, &len)` in a loop: each datagram holds several
//!    netlink messages, one `RTM_NEWLINK` per interface (header, `ifinfomsg`, then
//!    attributes as type-length-value `struct rtattr`s, one of them `IFLA_IFNAME`), until a
//!    message of type `NLMSG_DONE` ends the dump (`NLMSG_ERROR` would report a failure);
//! 5. `close`.
//! 6. Multicast: a second `NETLINK_ROUTE` socket, `bind(fd, {AF_NETLINK, nl_pid = 0,
//!    nl_groups = RTMGRP_LINK}, 12)` subscribes it to the link notifications (group
//!    `RTNLGRP_LINK`, bit 0 of the mask); `getsockname` shows the port id and groups,
//!    `getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, ...)` the groups as the kernel
//!    holds them; one `recvfrom(..., MSG_DONTWAIT, ...)` then normally fails with `EAGAIN`:
//!    nothing is sent unless a link changes, and the demo changes nothing (a notification that
//!    happens to arrive is printed); `close`.
//!
//! The lesson: netlink is a socket-based, message-oriented interface between user space and
//! the kernel; messages are headers plus aligned TLV attributes that the program parses
//! itself.

use std::mem;

use anyhow::{Context as _, Result, bail};

use super::util::{Fd, check};

/// The `RTM_GETLINK` dump request: a netlink header followed by an `ifinfomsg`.
#[repr(C)]
struct GetLinkRequest {
    hdr: libc::nlmsghdr,
    ifm: libc::ifinfomsg,
}

const SEQ: u32 = 1;
const NLMSG_HDRLEN: usize = mem::size_of::<libc::nlmsghdr>();
const IFINFOMSG_LEN: usize = mem::size_of::<libc::ifinfomsg>();
const RTA_HDRLEN: usize = mem::size_of::<libc::rtattr>();

/// `NLMSG_ALIGN`/`RTA_ALIGN`: round up to a multiple of 4.
const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn getlink_request(seq: u32) -> GetLinkRequest {
    // SAFETY: both structs are plain old data (they have private padding fields, hence no
    // struct literal); all-zero bytes are a valid value.
    let mut req: GetLinkRequest = unsafe { mem::zeroed() };
    req.hdr.nlmsg_len = mem::size_of::<GetLinkRequest>() as u32;
    req.hdr.nlmsg_type = libc::RTM_GETLINK;
    req.hdr.nlmsg_flags = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;
    req.hdr.nlmsg_seq = seq;
    req.hdr.nlmsg_pid = 0;
    req.ifm.ifi_family = libc::AF_UNSPEC as u8;
    req
}

/// One parsed netlink message.
#[derive(Debug, PartialEq, Eq)]
enum Message {
    /// `NLMSG_DONE`: end of a multi-part dump.
    Done,
    /// `NLMSG_ERROR` with this (negative errno, or 0 for an acknowledgement) code.
    Error(i32),
    /// `RTM_NEWLINK`: one interface.
    Link { index: i32, name: Option<String> },
    /// Any other message type.
    Other(u16),
}

/// A parsed message and the header fields the caller checks.
#[derive(Debug, PartialEq, Eq)]
struct Parsed {
    seq: u32,
    message: Message,
}

fn u16_at(buf: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([buf[at], buf[at + 1]])
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// Splits one received datagram into netlink messages (the `NLMSG_OK`/`NLMSG_NEXT` walk).
fn parse_messages(buf: &[u8]) -> Result<Vec<Parsed>> {
    let mut out = Vec::new();
    let mut at = 0;
    while buf.len() - at >= NLMSG_HDRLEN {
        let len = u32_at(buf, at) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() - at {
            bail!("netlink message at offset {at} has bad length {len}");
        }
        let ty = u16_at(buf, at + 4);
        let seq = u32_at(buf, at + 8);
        let payload = &buf[at + NLMSG_HDRLEN..at + len];
        let message = match ty {
            t if t == libc::NLMSG_DONE as u16 => Message::Done,
            t if t == libc::NLMSG_ERROR as u16 => {
                if payload.len() < 4 {
                    bail!("truncated NLMSG_ERROR");
                }
                Message::Error(u32_at(payload, 0) as i32)
            }
            libc::RTM_NEWLINK => parse_link(payload)?,
            t => Message::Other(t),
        };
        out.push(Parsed { seq, message });
        at += align4(len).min(buf.len() - at);
    }
    Ok(out)
}

/// Parses the payload of an `RTM_NEWLINK`: an `ifinfomsg`, then `rtattr`s.
fn parse_link(payload: &[u8]) -> Result<Message> {
    if payload.len() < IFINFOMSG_LEN {
        bail!("truncated RTM_NEWLINK ({} bytes)", payload.len());
    }
    let index = u32_at(payload, 4) as i32; // ifi_index
    let mut name = None;
    let mut at = align4(IFINFOMSG_LEN);
    while payload.len().saturating_sub(at) >= RTA_HDRLEN {
        let len = u16_at(payload, at) as usize;
        let ty = u16_at(payload, at + 2);
        if len < RTA_HDRLEN || len > payload.len() - at {
            bail!("attribute at offset {at} of interface {index} has bad length {len}");
        }
        if ty == libc::IFLA_IFNAME {
            let value = &payload[at + RTA_HDRLEN..at + len];
            let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
            name = Some(String::from_utf8_lossy(&value[..end]).into_owned());
        }
        at += align4(len);
    }
    Ok(Message::Link { index, name })
}

fn sockaddr_nl_kernel() -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain old data (with a private padding field, hence no struct
    // literal); all-zero bytes are a valid value: nl_pid 0 and nl_groups 0.
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr
}

pub fn run() -> Result<()> {
    // SAFETY: socket takes no pointers; the descriptor is owned by the Fd.
    let fd = Fd::new("socket", unsafe {
        libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)
    })?;
    let addr_len = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;

    let local = sockaddr_nl_kernel(); // nl_pid 0 here means "kernel, assign my port id"
    // SAFETY: `local` is a valid sockaddr_nl of `addr_len` bytes for the call.
    check("bind", unsafe {
        libc::bind(fd.raw(), std::ptr::from_ref(&local).cast(), addr_len)
    })?;

    let kernel = sockaddr_nl_kernel();
    let req = getlink_request(SEQ);
    // SAFETY: `req` and `kernel` are valid for the sizes passed for the duration of the call.
    let n = unsafe {
        libc::sendto(
            fd.raw(),
            std::ptr::from_ref(&req).cast(),
            mem::size_of::<GetLinkRequest>(),
            0,
            std::ptr::from_ref(&kernel).cast(),
            addr_len,
        )
    };
    check("sendto", n)?;
    println!("sent RTM_GETLINK dump request ({n} bytes) to the kernel");

    let mut buf = vec![0u8; 32768];
    let mut datagrams = 0;
    'dump: loop {
        // SAFETY: sockaddr_nl is plain old data; all-zero bytes are a valid value.
        let mut from: libc::sockaddr_nl = unsafe { mem::zeroed() };
        let mut from_len = addr_len;
        // SAFETY: `buf` is writable for its length, `from` for `from_len` bytes, and
        // `from_len` is a valid socklen_t; all outlive the call.
        let n = unsafe {
            libc::recvfrom(
                fd.raw(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                std::ptr::from_mut(&mut from).cast(),
                &raw mut from_len,
            )
        };
        let n = check("recvfrom", n)? as usize;
        datagrams += 1;
        if from.nl_pid != 0 {
            bail!("reply from port {} instead of the kernel", from.nl_pid);
        }
        let messages = parse_messages(&buf[..n]).context("parsing the kernel's reply")?;
        for Parsed { seq, message } in messages {
            if seq != SEQ {
                continue;
            }
            match message {
                Message::Done => break 'dump,
                Message::Error(code) => {
                    bail!(
                        "kernel reported an error: {}",
                        std::io::Error::from_raw_os_error(-code)
                    )
                }
                Message::Link { index, name } => println!(
                    "interface {index}: {}",
                    name.as_deref().unwrap_or("(no IFLA_IFNAME)")
                ),
                Message::Other(_) => {}
            }
        }
    }
    println!("NLMSG_DONE after {datagrams} recvfrom call(s)");
    fd.close()?;
    subscribe()
}

/// `RTMGRP_LINK` (include/uapi/linux/rtnetlink.h): the `nl_groups` bit of group `RTNLGRP_LINK`.
const RTMGRP_LINK: u32 = 1;
/// include/uapi/linux/netlink.h.
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_LIST_MEMBERSHIPS: libc::c_int = 9;

/// A socket in the link notification group: bound, asked for its groups, read once without
/// waiting. Nothing here changes the machine's network configuration.
fn subscribe() -> Result<()> {
    // SAFETY: socket takes no pointers; the descriptor is owned by the Fd.
    let fd = Fd::new("socket", unsafe {
        libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)
    })?;
    let addr_len = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
    let mut local = sockaddr_nl_kernel();
    local.nl_groups = RTMGRP_LINK;
    // SAFETY: `local` is a valid sockaddr_nl of `addr_len` bytes for the call.
    check("bind", unsafe {
        libc::bind(fd.raw(), std::ptr::from_ref(&local).cast(), addr_len)
    })?;
    let mut bound = sockaddr_nl_kernel();
    let mut len = addr_len;
    // SAFETY: `bound` is writable for `len` bytes and `len` is a valid socklen_t.
    check("getsockname", unsafe {
        libc::getsockname(
            fd.raw(),
            std::ptr::from_mut(&mut bound).cast(),
            &raw mut len,
        )
    })?;
    let mut groups = [0u32; 1];
    let mut glen = mem::size_of_val(&groups) as libc::socklen_t;
    // SAFETY: `groups` is writable for `glen` bytes and `glen` is a valid socklen_t.
    check("getsockopt", unsafe {
        libc::getsockopt(
            fd.raw(),
            SOL_NETLINK,
            NETLINK_LIST_MEMBERSHIPS,
            groups.as_mut_ptr().cast(),
            &raw mut glen,
        )
    })?;
    println!(
        "subscribed: port id {}, nl_groups {:#x}, memberships [{:#x}]",
        bound.nl_pid, bound.nl_groups, groups[0]
    );
    let mut buf = vec![0u8; 8192];
    // SAFETY: `buf` is writable for its length; no address is asked for.
    let n = unsafe {
        libc::recvfrom(
            fd.raw(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if n == -1 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EAGAIN) {
            bail!("recvfrom: {e}");
        }
        println!("no link notification yet: recvfrom(MSG_DONTWAIT) = EAGAIN");
    } else {
        let ty = buf
            .get(4..6)
            .map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]));
        println!("a link notification arrived meanwhile: message type {ty}, {n} bytes");
    }
    fd.close()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_u16(v: &mut Vec<u8>, x: u16) {
        v.extend_from_slice(&x.to_ne_bytes());
    }

    fn push_u32(v: &mut Vec<u8>, x: u32) {
        v.extend_from_slice(&x.to_ne_bytes());
    }

    /// A netlink message of type `ty` with `payload`, padded to 4 bytes.
    fn message(ty: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        push_u32(&mut v, (NLMSG_HDRLEN + payload.len()) as u32);
        push_u16(&mut v, ty);
        push_u16(&mut v, libc::NLM_F_MULTI as u16);
        push_u32(&mut v, seq);
        push_u32(&mut v, 4242);
        v.extend_from_slice(payload);
        v.resize(align4(v.len()), 0);
        v
    }

    fn attr(ty: u16, value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        push_u16(&mut v, (RTA_HDRLEN + value.len()) as u16);
        push_u16(&mut v, ty);
        v.extend_from_slice(value);
        v.resize(align4(v.len()), 0);
        v
    }

    fn link_payload(index: i32, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut v = vec![0u8, 0]; // ifi_family, pad
        push_u16(&mut v, 772); // ifi_type ARPHRD_LOOPBACK
        push_u32(&mut v, index as u32);
        push_u32(&mut v, 0x49); // ifi_flags
        push_u32(&mut v, 0); // ifi_change
        for a in attrs {
            v.extend_from_slice(a);
        }
        v
    }

    #[test]
    fn request_layout() {
        let req = getlink_request(7);
        assert_eq!(mem::size_of::<GetLinkRequest>(), 32);
        assert_eq!(req.hdr.nlmsg_len, 32);
        assert_eq!(req.hdr.nlmsg_type, 18);
        assert_eq!(req.hdr.nlmsg_flags, 0x301);
        assert_eq!(req.hdr.nlmsg_seq, 7);
        assert_eq!(req.ifm.ifi_family, 0);
    }

    #[test]
    fn parses_links_and_done() {
        let mut buf = message(
            libc::RTM_NEWLINK,
            SEQ,
            &link_payload(
                1,
                &[
                    attr(libc::IFLA_MTU, &65536u32.to_ne_bytes()),
                    attr(libc::IFLA_IFNAME, b"lo\0"),
                ],
            ),
        );
        buf.extend(message(
            libc::RTM_NEWLINK,
            SEQ,
            &link_payload(2, &[attr(libc::IFLA_IFNAME, b"eth0\0")]),
        ));
        buf.extend(message(libc::RTM_NEWLINK, SEQ, &link_payload(3, &[])));
        buf.extend(message(libc::NLMSG_DONE as u16, SEQ, &0u32.to_ne_bytes()));
        let parsed = parse_messages(&buf).expect("well-formed");
        let got: Vec<Message> = parsed.into_iter().map(|p| p.message).collect();
        assert_eq!(
            got,
            vec![
                Message::Link {
                    index: 1,
                    name: Some("lo".into())
                },
                Message::Link {
                    index: 2,
                    name: Some("eth0".into())
                },
                Message::Link {
                    index: 3,
                    name: None
                },
                Message::Done,
            ]
        );
    }

    #[test]
    fn parses_error_and_other() {
        let mut buf = message(libc::NLMSG_ERROR as u16, 9, &(-22i32).to_ne_bytes());
        buf.extend(message(0x55, 9, &[]));
        let parsed = parse_messages(&buf).expect("well-formed");
        assert_eq!(
            parsed,
            vec![
                Parsed {
                    seq: 9,
                    message: Message::Error(-22)
                },
                Parsed {
                    seq: 9,
                    message: Message::Other(0x55)
                },
            ]
        );
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut buf = message(libc::RTM_NEWLINK, SEQ, &link_payload(1, &[]));
        buf[0] = 200; // longer than the buffer
        assert!(parse_messages(&buf).is_err());

        let mut buf = message(libc::RTM_NEWLINK, SEQ, &[0u8; 8]);
        assert!(parse_messages(&buf).is_err(), "truncated ifinfomsg");
        buf.clear();
        assert_eq!(parse_messages(&buf).expect("empty is fine"), vec![]);

        let mut bad_attr = attr(libc::IFLA_IFNAME, b"lo\0");
        bad_attr[0] = 60;
        let buf = message(libc::RTM_NEWLINK, SEQ, &link_payload(1, &[bad_attr]));
        assert!(
            parse_messages(&buf).is_err(),
            "attribute longer than the message"
        );
    }
}
