//! The UNIX sockets of this network namespace as the kernel's `sock_diag` netlink interface
//! lists them (net/unix/diag.c, Linux 3.3+): type, bound name and, for a connected socket, the
//! inode of its peer (`UNIX_DIAG_PEER`). That is how the objects pane names the other end of a
//! connection from kernel data rather than from addresses.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::objects::{Kind, UnixInfo};

// include/uapi/linux/netlink.h, sock_diag.h, unix_diag.h.
const NETLINK_SOCK_DIAG: i32 = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const UDIAG_SHOW_NAME: u32 = 1;
const UDIAG_SHOW_PEER: u32 = 4;
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;

/// Every UNIX socket in this network namespace: its type, name and peer, by inode.
pub fn unix_sockets() -> io::Result<HashMap<u64, UnixInfo>> {
    // SAFETY: socket(2) with constant arguments; the result is checked before use.
    let raw = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            NETLINK_SOCK_DIAG,
        )
    };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a descriptor socket(2) just returned, owned by nobody else.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut req = Vec::with_capacity(40);
    req.extend_from_slice(&40u32.to_ne_bytes());
    req.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    req.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req.extend_from_slice(&1u32.to_ne_bytes()); // seq
    req.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel
    // struct unix_diag_req: family, protocol, pad, states (all), ino (any), show, cookie.
    req.extend_from_slice(&[libc::AF_UNIX as u8, 0, 0, 0]);
    req.extend_from_slice(&u32::MAX.to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes());
    req.extend_from_slice(&(UDIAG_SHOW_NAME | UDIAG_SHOW_PEER).to_ne_bytes());
    req.extend_from_slice(&[0u8; 8]);
    // SAFETY: `req` is a live buffer of `req.len()` bytes; the socket is open.
    let sent = unsafe { libc::send(sock.as_raw_fd(), req.as_ptr().cast(), req.len(), 0) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = HashMap::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        // SAFETY: `buf` is a live, writable buffer of `buf.len()` bytes; the socket is open.
        let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        let Ok(n) = usize::try_from(n) else {
            return Err(io::Error::last_os_error());
        };
        if n == 0 || parse_dump(&buf[..n], &mut out)? {
            return Ok(out);
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parse one datagram of netlink messages; true at the end of the dump.
fn parse_dump(mut b: &[u8], out: &mut HashMap<u64, UnixInfo>) -> io::Result<bool> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed sock_diag reply");
    while b.len() >= 16 {
        let len = u32_at(b, 0).ok_or_else(bad)? as usize;
        let kind = u16_at(b, 4).ok_or_else(bad)?;
        if len < 16 || len > b.len() {
            return Err(bad());
        }
        match kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let errno = u32_at(b, 16).map_or(0, |e| -(e as i32));
                return Err(io::Error::from_raw_os_error(errno));
            }
            _ => {
                if let Some((ino, info)) = unix_msg(&b[16..len]) {
                    out.insert(ino, info);
                }
            }
        }
        b = &b[(len + 3) & !3..];
        if b.len() < 16 {
            break;
        }
    }
    Ok(false)
}

/// `struct unix_diag_msg { family, type, state, pad, ino, cookie[2] }` and its attributes.
fn unix_msg(m: &[u8]) -> Option<(u64, UnixInfo)> {
    let kind = Kind::unix_of_type(u64::from(*m.get(1)?));
    let ino = u64::from(u32_at(m, 4)?);
    let mut info = UnixInfo {
        kind,
        name: String::new(),
        peer: None,
    };
    let mut at = 16;
    while at + 4 <= m.len() {
        let len = usize::from(u16_at(m, at)?);
        let ty = u16_at(m, at + 2)?;
        if len < 4 || at + len > m.len() {
            break;
        }
        let data = &m[at + 4..at + len];
        match ty {
            UNIX_DIAG_NAME => {
                info.name = match data.split_first() {
                    // An abstract name starts with a NUL byte; shown as `@name`.
                    Some((0, rest)) => format!("@{}", crate::escape::name(rest)),
                    _ => crate::event::cstr(data),
                };
            }
            UNIX_DIAG_PEER => info.peer = u32_at(data, 0).map(u64::from).filter(|p| *p != 0),
            _ => {}
        }
        at += (len + 3) & !3;
    }
    Some((ino, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(ty: u16, data: &[u8]) -> Vec<u8> {
        let mut v = ((4 + data.len()) as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(data);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    }

    #[test]
    fn parses_a_dump_and_its_end() {
        let mut msg = vec![1u8, 1, 1, 0];
        msg.extend_from_slice(&77u32.to_ne_bytes());
        msg.extend_from_slice(&[0; 8]);
        msg.extend(attr(UNIX_DIAG_NAME, b"\0demo"));
        msg.extend(attr(UNIX_DIAG_PEER, &78u32.to_ne_bytes()));
        let mut dgram = ((16 + msg.len()) as u32).to_ne_bytes().to_vec();
        dgram.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        dgram.extend_from_slice(&[0; 10]);
        dgram.extend(msg);
        let mut done = 16u32.to_ne_bytes().to_vec();
        done.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        done.extend_from_slice(&[0; 10]);
        let mut out = HashMap::new();
        assert!(!parse_dump(&dgram, &mut out).unwrap());
        assert_eq!(
            out.get(&77),
            Some(&UnixInfo {
                kind: Kind::UnixStream,
                name: "@demo".into(),
                peer: Some(78)
            })
        );
        assert!(parse_dump(&done, &mut out).unwrap());
        assert!(
            parse_dump(&[1, 2, 3], &mut out).is_ok(),
            "short input is no panic"
        );
        let mut bad = dgram.clone();
        bad[0] = 0xff;
        assert!(parse_dump(&bad, &mut out).is_err());
    }
}
