//! Control messages (`msg_control` of `sendmsg`/`recvmsg`): the descriptors passed over a UNIX
//! socket (`SCM_RIGHTS`), the sender's credentials (`SCM_CREDENTIALS`) and pidfd (`SCM_PIDFD`),
//! shown as strace 6.1 shows them (its src/msghdr.c `decode_msg_control`):
//! `[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}]`.
//!
//! A `struct cmsghdr` (include/linux/socket.h) is `{size_t cmsg_len; int cmsg_level; int
//! cmsg_type;}`, 16 bytes on x86_64; ia32's `struct compat_cmsghdr` (include/net/compat.h) has
//! a 32-bit `cmsg_len`, 12 bytes. Each message starts at its predecessor's `cmsg_len` rounded
//! up to the ABI's `long` (`CMSG_ALIGN`, `CMSG_COMPAT_ALIGN`).

use serde_json::{Value, json};

use super::{escape, le, quote};
use crate::syscalls::Abi;

/// include/linux/socket.h.
pub const SOL_SOCKET: i32 = 1;
pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;
pub const SCM_SECURITY: i32 = 3;
pub const SCM_PIDFD: i32 = 4;
/// include/linux/socket.h `SOL_IP` (= `IPPROTO_IP`).
const SOL_IP: i32 = 0;

/// `SOL_SOCKET` types: include/linux/socket.h (`SCM_*`) and include/uapi/asm-generic/socket.h
/// (`SO_TIMESTAMP*`, `SO_WIFI_STATUS`, `SO_TXTIME`, `SCM_TIMESTAMPING_*`), as strace's
/// `scmvals` names them. `SCM_PIDFD` (Linux 6.5) is newer than strace 6.1, which prints it as
/// `0x4 /* SCM_??? */`.
const SCM_TYPES: &[(i32, &str)] = &[
    (1, "SCM_RIGHTS"),
    (2, "SCM_CREDENTIALS"),
    (3, "SCM_SECURITY"),
    (4, "SCM_PIDFD"),
    (29, "SO_TIMESTAMP_OLD"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (37, "SO_TIMESTAMPING_OLD"),
    (41, "SO_WIFI_STATUS"),
    (54, "SCM_TIMESTAMPING_OPT_STATS"),
    (58, "SCM_TIMESTAMPING_PKTINFO"),
    (61, "SO_TXTIME"),
    (63, "SO_TIMESTAMP_NEW"),
    (64, "SO_TIMESTAMPNS_NEW"),
    (65, "SO_TIMESTAMPING_NEW"),
];

/// `SOL_IP` types (include/uapi/linux/in.h), as strace's `ip_cmsg_types` names them.
const IP_TYPES: &[(i32, &str)] = &[
    (1, "IP_TOS"),
    (2, "IP_TTL"),
    (3, "SCM_SECURITY"),
    (6, "IP_RECVOPTS"),
    (7, "IP_RETOPTS"),
    (8, "IP_PKTINFO"),
    (11, "IP_RECVERR"),
    (20, "IP_ORIGDSTADDR"),
    (23, "IP_CHECKSUM"),
    (52, "IP_PROTOCOL"),
];

fn name(table: &[(i32, &'static str)], v: i32) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}

/// Hex as C's `%#x` writes it: `0x63`, and `0` for zero.
fn hex(v: u32) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// A constant by name, else as strace prints a value its table lacks: `0x63 /* SCM_??? */`.
fn xval(table: &[(i32, &'static str)], v: i32, unknown: &str) -> String {
    name(table, v).map_or_else(
        || format!("{} /* {unknown} */", hex(v as u32)),
        str::to_string,
    )
}

/// One control message: its header's fields and the data bytes inside the buffer.
pub struct Cmsg<'a> {
    pub len: u64,
    pub level: i32,
    pub ty: i32,
    pub data: &'a [u8],
}

/// The size of a `cmsghdr` on the ABI, which is also its alignment's `long`.
fn header_size(abi: Abi) -> (usize, usize) {
    match abi {
        Abi::X86_64 => (16, 8),
        Abi::Ia32 => (12, 4),
    }
}

/// The messages in `buf` as strace walks them, and how many bytes were left after the last
/// one that did not make a whole header (strace's `buf_len` at the end).
pub fn walk(abi: Abi, buf: &[u8]) -> (Vec<Cmsg<'_>>, usize) {
    let (size, word) = header_size(abi);
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut left = buf.len();
    while left >= size {
        let len = le(buf, at, word).unwrap_or(0);
        let level = le(buf, at + word, 4).unwrap_or(0) as u32 as i32;
        let ty = le(buf, at + word + 4, 4).unwrap_or(0) as u32 as i32;
        let here = (len.min(left as u64)) as usize;
        let data = buf.get(at + size..at + here.max(size)).unwrap_or_default();
        out.push(Cmsg {
            len,
            level,
            ty,
            data,
        });
        if here < size {
            left -= size;
            break;
        }
        let next = len.saturating_add(word as u64 - 1) & !(word as u64 - 1);
        if next >= left as u64 {
            left = 0;
            break;
        }
        at += next as usize;
        left -= next as usize;
    }
    (out, left)
}

/// The `int`s of an `SCM_RIGHTS` or `SCM_PIDFD` message's data.
fn ints(data: &[u8]) -> impl Iterator<Item = i32> + '_ {
    data.chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// The descriptors that `SCM_RIGHTS` and `SCM_PIDFD` messages in `buf` carry, in order: those
/// a `sendmsg` passes, or those a `recvmsg` received (the kernel installed them in the caller).
pub fn passed_fds(abi: Abi, buf: &[u8]) -> Vec<(i32, i32)> {
    walk(abi, buf)
        .0
        .iter()
        .filter(|c| c.level == SOL_SOCKET && matches!(c.ty, SCM_RIGHTS | SCM_PIDFD))
        .flat_map(|c| ints(c.data).map(move |fd| (c.ty, fd)))
        .collect()
}

/// `msg_control` as strace shows it (`buf` the bytes copied, `controllen` the length the
/// header gave, `addr` the pointer), each passed descriptor followed by what `describe` says
/// of it (strace's `-y`: `cmsg_data=[5</tmp/x>]`). `None` when `controllen` is 0: strace then
/// leaves the field out.
pub fn cmsgs(
    abi: Abi,
    buf: &[u8],
    controllen: u64,
    addr: u64,
    describe: &dyn Fn(i32, &mut String),
) -> (Value, String) {
    let (msgs, left) = walk(abi, buf);
    let mut j = Vec::with_capacity(msgs.len());
    let mut t = String::from("[");
    for (i, c) in msgs.iter().enumerate() {
        if i > 0 {
            t.push_str(", ");
        }
        let (cj, ct) = one(c, describe);
        j.push(cj);
        t.push_str(&ct);
    }
    let mut v = json!({"cmsgs": j});
    if left > 0 {
        // Bytes after the last whole message: strace's `...` with where they start.
        let at = addr.wrapping_add((buf.len() - left) as u64);
        t.push_str(&format!(", ... /* {at:#x} */"));
        v["rest"] = json!(escape(&buf[buf.len() - left..]));
    } else if (buf.len() as u64) < controllen {
        t.push_str(", ...");
        v["truncated"] = json!(true);
    }
    t.push(']');
    (v, t)
}

/// One message: `{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}`.
/// strace's `print_cmsg_type_data`: data is shown only for the types it has a printer for, and
/// only when at least the printer's minimum is there.
fn one(c: &Cmsg<'_>, describe: &dyn Fn(i32, &mut String)) -> (Value, String) {
    // strace's `socketlayers`, shared with setsockopt's level (decode/flags.rs).
    let level = super::consts::one_or(u64::from(c.level as u32), super::flags::LEVELS, "SOL_???");
    let (ty, data) = match c.level {
        SOL_SOCKET => (
            xval(SCM_TYPES, c.ty, "SCM_???"),
            socket_data(c.ty, c.data, describe),
        ),
        SOL_IP => (xval(IP_TYPES, c.ty, "IP_???"), ip_data(c.ty, c.data)),
        _ => (hex(c.ty as u32), None),
    };
    let mut j = json!({"len": c.len, "level": level, "type": ty});
    let mut t = format!("{{cmsg_len={}, cmsg_level={level}, cmsg_type={ty}", c.len);
    match data {
        Some((dj, dt)) => {
            j["data"] = dj;
            t.push_str(", cmsg_data=");
            t.push_str(&dt);
        }
        None if !c.data.is_empty() => j["bytes"] = json!(escape(c.data)),
        None => {}
    }
    t.push('}');
    (j, t)
}

/// `SOL_SOCKET` data: the descriptors of `SCM_RIGHTS` (and of `SCM_PIDFD`, which strace 6.1
/// does not decode), `struct ucred` of `SCM_CREDENTIALS` (include/linux/socket.h: `pid`,
/// `uid`, `gid`, 32 bits each), `SCM_SECURITY`'s context string.
fn socket_data(
    ty: i32,
    data: &[u8],
    describe: &dyn Fn(i32, &mut String),
) -> Option<(Value, String)> {
    match ty {
        SCM_RIGHTS | SCM_PIDFD if data.len() >= 4 => {
            let fds: Vec<i32> = ints(data).collect();
            let mut t = String::from("[");
            for (i, fd) in fds.iter().enumerate() {
                if i > 0 {
                    t.push_str(", ");
                }
                t.push_str(&fd.to_string());
                describe(*fd, &mut t);
            }
            t.push(']');
            Some((json!(fds), t))
        }
        SCM_CREDENTIALS if data.len() >= 12 => {
            let pid = le(data, 0, 4)? as u32 as i32;
            let uid = le(data, 4, 4)? as u32;
            let gid = le(data, 8, 4)? as u32;
            Some((
                json!({"pid": pid, "uid": uid, "gid": gid}),
                format!("{{pid={pid}, uid={uid}, gid={gid}}}"),
            ))
        }
        SCM_SECURITY if !data.is_empty() => {
            Some((json!(escape(data)), format!("\"{}\"", quote(data))))
        }
        _ => None,
    }
}

/// `SOL_IP` data that strace shows as numbers: `IP_TTL` and `IP_CHECKSUM` as `unsigned int`s,
/// `IP_TOS` and the IP options as hex bytes.
fn ip_data(ty: i32, data: &[u8]) -> Option<(Value, String)> {
    const IP_TOS: i32 = 1;
    const IP_TTL: i32 = 2;
    const IP_RECVOPTS: i32 = 6;
    const IP_RETOPTS: i32 = 7;
    const IP_CHECKSUM: i32 = 23;
    match ty {
        IP_TTL | IP_CHECKSUM if data.len() >= 4 => {
            let v: Vec<u32> = ints(data).map(|i| i as u32).collect();
            let t: Vec<String> = v.iter().map(u32::to_string).collect();
            Some((json!(v), format!("[{}]", t.join(", "))))
        }
        IP_TOS | IP_RECVOPTS | IP_RETOPTS if !data.is_empty() => {
            let t: Vec<String> = data.iter().map(|b| hex(u32::from(*b))).collect();
            Some((json!(data), format!("[{}]", t.join(", "))))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `struct cmsghdr` (x86_64: `size_t` length) or `struct compat_cmsghdr` (ia32: `u32`),
    /// its data, and the padding up to the ABI's `long` (`CMSG_SPACE`).
    fn msg(abi: Abi, len: u64, level: i32, ty: i32, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        match abi {
            Abi::X86_64 => b.extend_from_slice(&len.to_le_bytes()),
            Abi::Ia32 => b.extend_from_slice(&(len as u32).to_le_bytes()),
        }
        b.extend_from_slice(&level.to_le_bytes());
        b.extend_from_slice(&ty.to_le_bytes());
        b.extend_from_slice(data);
        let word = header_size(abi).1;
        while b.len() % word != 0 {
            b.push(0);
        }
        b
    }

    fn fds(v: &[i32]) -> Vec<u8> {
        v.iter().flat_map(|fd| fd.to_le_bytes()).collect()
    }

    /// `struct ucred` (include/linux/socket.h): pid, uid, gid.
    fn ucred(pid: i32, uid: u32, gid: u32) -> Vec<u8> {
        [pid.to_le_bytes(), uid.to_le_bytes(), gid.to_le_bytes()].concat()
    }

    fn text(abi: Abi, buf: &[u8], controllen: u64) -> String {
        cmsgs(abi, buf, controllen, 0x1000, &|_, _| {}).1
    }

    #[test]
    fn kernel_constants() {
        // include/linux/socket.h: SOL_SOCKET 1, SCM_RIGHTS 0x01, SCM_CREDENTIALS 0x02,
        // SCM_SECURITY 0x03, SCM_PIDFD 0x04; SOL_IP 0.
        assert_eq!(
            (
                SOL_SOCKET,
                SCM_RIGHTS,
                SCM_CREDENTIALS,
                SCM_SECURITY,
                SCM_PIDFD
            ),
            (1, 1, 2, 3, 4)
        );
        assert_eq!(SOL_IP, 0);
        // CMSG_LEN(sizeof(int)): 16 + 4 on x86_64, 12 + 4 on ia32.
        assert_eq!(header_size(Abi::X86_64), (16, 8));
        assert_eq!(header_size(Abi::Ia32), (12, 4));
    }

    #[test]
    fn scm_rights_with_and_without_descriptions() {
        let b = msg(Abi::X86_64, 20, 1, 1, &fds(&[5]));
        assert_eq!(b.len(), 24);
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}]"
        );
        let (j, t) = cmsgs(Abi::X86_64, &b, 24, 0x1000, &|fd, out| {
            out.push_str(&format!("</tmp/x{fd}>"));
        });
        assert_eq!(
            t,
            "[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5</tmp/x5>]}]"
        );
        assert_eq!(j["cmsgs"][0]["data"], json!([5]));
        assert_eq!(passed_fds(Abi::X86_64, &b), vec![(SCM_RIGHTS, 5)]);
    }

    #[test]
    fn credentials_then_rights_on_both_abis() {
        // x86_64: CMSG_SPACE(12) = 32, so the second message starts at 32.
        let mut b = msg(Abi::X86_64, 28, 1, 2, &ucred(7, 1000, 100));
        assert_eq!(b.len(), 32);
        b.extend(msg(Abi::X86_64, 24, 1, 1, &fds(&[3, 4])));
        assert_eq!(
            text(Abi::X86_64, &b, b.len() as u64),
            "[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, \
             cmsg_data={pid=7, uid=1000, gid=100}}, {cmsg_len=24, cmsg_level=SOL_SOCKET, \
             cmsg_type=SCM_RIGHTS, cmsg_data=[3, 4]}]"
        );
        // ia32: a 12-byte header aligned to 4, CMSG_COMPAT_SPACE(12) = 24.
        let mut b = msg(Abi::Ia32, 24, 1, 2, &ucred(7, 0, 0));
        assert_eq!(b.len(), 24);
        b.extend(msg(Abi::Ia32, 16, 1, 1, &fds(&[6])));
        assert_eq!(
            text(Abi::Ia32, &b, 40),
            "[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, \
             cmsg_data={pid=7, uid=0, gid=0}}, {cmsg_len=16, cmsg_level=SOL_SOCKET, \
             cmsg_type=SCM_RIGHTS, cmsg_data=[6]}]"
        );
        assert_eq!(passed_fds(Abi::Ia32, &b), vec![(SCM_RIGHTS, 6)]);
    }

    #[test]
    fn pidfd_unknown_types_and_levels() {
        let b = msg(Abi::X86_64, 20, 1, 4, &fds(&[8]));
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_PIDFD, cmsg_data=[8]}]"
        );
        assert_eq!(passed_fds(Abi::X86_64, &b), vec![(SCM_PIDFD, 8)]);
        // strace: an unknown SOL_SOCKET type in hex with its comment, no data.
        let b = msg(Abi::X86_64, 24, 1, 99, b"abcdefgh");
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=0x63 /* SCM_??? */}]"
        );
        // SOL_IP's IP_TOS (include/uapi/linux/in.h: 1) as hex bytes, as strace shows it.
        let b = msg(Abi::X86_64, 19, 0, 1, &[0x61, 0, 0x10]);
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=19, cmsg_level=SOL_IP, cmsg_type=IP_TOS, cmsg_data=[0x61, 0, 0x10]}]"
        );
        // Another known level (SOL_TCP 6) and an unknown one: the type in hex alone.
        let b = msg(Abi::X86_64, 24, 6, 1, b"abcdefgh");
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=24, cmsg_level=SOL_TCP, cmsg_type=0x1}]"
        );
        let b = msg(Abi::Ia32, 12, 999, 0, &[]);
        assert_eq!(
            text(Abi::Ia32, &b, 12),
            "[{cmsg_len=12, cmsg_level=0x3e7 /* SOL_??? */, cmsg_type=0}]"
        );
        assert!(passed_fds(Abi::Ia32, &b).is_empty());
    }

    #[test]
    fn lengths_past_and_short_of_the_buffer() {
        // A cmsg_len past the buffer: the data the buffer holds (strace's `len = buf_len`).
        let b = msg(Abi::X86_64, 200, 1, 1, b"abcdefgh");
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=200, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, \
             cmsg_data=[1684234849, 1751606885]}]"
        );
        // Bytes after the last message too few for a header: `...` and where they start.
        let mut b = msg(Abi::X86_64, 20, 1, 1, &fds(&[5]));
        b.extend_from_slice(&[0; 8]);
        assert_eq!(
            text(Abi::X86_64, &b, 32),
            "[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}, \
             ... /* 0x1018 */]"
        );
        // A header whose cmsg_len is shorter than a header: shown, and the walk stops.
        let b = msg(Abi::X86_64, 4, 1, 1, &fds(&[5, 6]));
        assert_eq!(
            text(Abi::X86_64, &b, 24),
            "[{cmsg_len=4, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS}, ... /* 0x1010 */]"
        );
        // Fewer bytes copied than msg_controllen (MAX_CONTROL): `...`.
        let b = msg(Abi::X86_64, 20, 1, 1, &fds(&[5]));
        let (j, t) = cmsgs(Abi::X86_64, &b, 4096, 0x1000, &|_, _| {});
        assert!(t.ends_with("cmsg_data=[5]}, ...]"), "{t}");
        assert_eq!(j["truncated"], json!(true));
    }
}
