//! A `setsockopt`/`getsockopt` value as strace 6.1 shows it: `[1]` for an `int` option,
//! `{l_onoff=1, l_linger=5}`, `{pid=7, uid=0, gid=0}`, `[ECONNREFUSED]`, else the bytes.
//!
//! Which options are read as an `int` is strace's choice, measured on this project's machine
//! by calling `setsockopt(-1, SOL_SOCKET, N, buf, 8)` and `(..., 2)` for every option: the
//! ones below show `[1]` with 8 bytes and the address with 2; the others show the bytes (their
//! values are not `int`s: timeouts, names, cookies). The kernel reads an `int` for each of them
//! (net/core/sock.c `sk_setsockopt`: `if (optlen < sizeof(int)) return -EINVAL`).

use super::errno;

/// include/linux/socket.h, include/uapi/asm-generic/socket.h, include/uapi/linux/netlink.h.
const SOL_SOCKET: u32 = super::cmsg::SOL_SOCKET as u32;
const SOL_NETLINK: u32 = 270;
const SO_ERROR: u32 = 4;
const SO_LINGER: u32 = 13;
const SO_PEERCRED: u32 = 17;
const SO_ATTACH_FILTER: u32 = 26;
const SO_ATTACH_REUSEPORT_CBPF: u32 = 51;
const NETLINK_LIST_MEMBERSHIPS: u32 = 9;

/// The `SOL_SOCKET` options strace 6.1 shows as an `int` (`[1]`) when given at least 4 bytes.
const INT_OPTIONS: &[u32] = &[
    1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 19, 27, 29, 30, 32, 33, 34, 35, 36, 37, 40,
    41, 42, 43, 44, 45, 46, 49, 53, 56, 60, 63, 64, 65, 68, 69, 70, 73, 74, 75,
];

/// How an option's value is shown.
#[derive(Debug, PartialEq, Eq)]
pub enum Shown {
    /// `[N]`: the `int` at the address.
    Int(i32),
    /// A structure or a name, already written as strace writes it.
    Text(String),
    /// The bytes, as a string.
    Bytes,
    /// The address alone.
    Ptr,
}

fn int_at(d: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// Fields of `names`, 4-byte `int`s in order, as many as `len` bytes hold: strace's
/// `{pid=7, uid=0, gid=0}`, cut where the kernel's copy ended (`{pid=7}` for 4 bytes).
fn ints(d: &[u8], len: usize, names: &[(&str, bool)]) -> Option<String> {
    let mut s = String::from("{");
    for (i, (name, unsigned)) in names.iter().enumerate() {
        if (i + 1) * 4 > len {
            break;
        }
        let v = int_at(d, i * 4)?;
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(name);
        s.push('=');
        if *unsigned {
            s.push_str(&(v as u32).to_string());
        } else {
            s.push_str(&v.to_string());
        }
    }
    s.push('}');
    Some(s)
}

/// The value `d` (the copy, `len` the length the program gave to `setsockopt`, or the one
/// `getsockopt` wrote back) of option `name` at `level`; `get` for `getsockopt`'s (strace 6.1
/// `print_getsockopt`/`print_setsockopt`, src/net.c).
pub fn optval(level: u64, name: u64, d: &[u8], len: i64, get: bool) -> Shown {
    let (level, name) = (level as u32, name as u32);
    if len <= 0 {
        return Shown::Ptr;
    }
    let n = len as usize;
    let int = || int_at(d, 0).map_or(Shown::Ptr, Shown::Int);
    match (level, name, get) {
        // struct linger (include/linux/socket.h): two ints.
        (SOL_SOCKET, SO_LINGER, false) if n < 8 => Shown::Ptr,
        (SOL_SOCKET, SO_LINGER, _) => {
            ints(d, n, &[("l_onoff", false), ("l_linger", false)]).map_or(Shown::Ptr, Shown::Text)
        }
        // struct ucred (include/linux/socket.h): pid, uid, gid.
        (SOL_SOCKET, SO_PEERCRED, true) => {
            ints(d, n, &[("pid", false), ("uid", true), ("gid", true)])
                .map_or(Shown::Ptr, Shown::Text)
        }
        // A pending error: its name, 0 for none.
        (SOL_SOCKET, SO_ERROR, true) => match int_at(d, 0) {
            Some(0) => Shown::Int(0),
            Some(e) => Shown::Text(format!("[{}]", errno::name(e))),
            None => Shown::Ptr,
        },
        // A classic BPF program (`struct sock_fprog`): not decoded.
        (SOL_SOCKET, SO_ATTACH_FILTER | SO_ATTACH_REUSEPORT_CBPF, _) => Shown::Ptr,
        (SOL_SOCKET, _, false) if INT_OPTIONS.contains(&name) => {
            if n < 4 {
                Shown::Ptr
            } else {
                int()
            }
        }
        // The groups a netlink socket is a member of: an array of 32-bit masks.
        (SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, true) => {
            let words: Vec<String> = d[..n.min(d.len())]
                .chunks_exact(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]).to_string())
                .collect();
            Shown::Text(format!("[{}]", words.join(", ")))
        }
        (SOL_NETLINK, _, _) if n >= 4 => int(),
        (SOL_NETLINK, _, false) => Shown::Ptr,
        _ if n == 4 => int(),
        _ => Shown::Bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What strace 6.1 printed for the same calls (x86_64, glibc 2.36).
    #[test]
    fn options_as_strace_shows_them() {
        let one = 1i32.to_le_bytes();
        let two_ints = [1u8, 0, 0, 0, 2, 0, 0, 0];
        // setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, [1], 8) and 0x7ffd... with 1 byte.
        assert_eq!(optval(1, 9, &two_ints, 8, false), Shown::Int(1));
        assert_eq!(optval(1, 9, &one, 1, false), Shown::Ptr);
        // SO_RCVTIMEO_OLD with 16 bytes: the bytes; with 4 an int.
        assert_eq!(optval(1, 20, &[0; 16], 16, false), Shown::Bytes);
        assert_eq!(optval(1, 20, &one, 4, false), Shown::Int(1));
        assert_eq!(
            optval(1, 13, &[1, 0, 0, 0, 5, 0, 0, 0], 8, false),
            Shown::Text("{l_onoff=1, l_linger=5}".into())
        );
        let cred = [0x3d, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            optval(1, 17, &cred, 12, true),
            Shown::Text("{pid=18237, uid=0, gid=0}".into())
        );
        assert_eq!(
            optval(1, 17, &cred, 4, true),
            Shown::Text("{pid=18237}".into())
        );
        assert_eq!(optval(1, 4, &[0; 4], 4, true), Shown::Int(0));
        assert_eq!(
            optval(1, 4, &111i32.to_le_bytes(), 4, true),
            Shown::Text("[ECONNREFUSED]".into())
        );
        // TCP_NODELAY: an int with 4 bytes, the bytes with 2 or 8.
        assert_eq!(optval(6, 1, &[0; 4], 4, true), Shown::Int(0));
        assert_eq!(optval(6, 1, &[0; 2], 2, true), Shown::Bytes);
        assert_eq!(optval(6, 1, &two_ints, 8, false), Shown::Bytes);
        assert_eq!(optval(270, 1, &two_ints, 8, false), Shown::Int(1));
        assert_eq!(optval(270, 1, &one, 2, false), Shown::Ptr);
        assert_eq!(
            optval(270, 9, &two_ints, 8, true),
            Shown::Text("[1, 2]".into())
        );
        assert_eq!(optval(1, 2, &one, 0, false), Shown::Ptr);
    }
}
