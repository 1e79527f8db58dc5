//! Socket addresses as copied from user memory, with whatever length the caller claimed.
//! Layouts: include/uapi/linux/un.h (`sockaddr_un`: family, then `sun_path[108]`),
//! include/uapi/linux/in.h, in6.h, netlink.h. An AF_UNIX address whose `sun_path` starts with a
//! NUL is an abstract name (net/unix/af_unix.c `unix_validate_addr`/`unix_bind_abstract`), its
//! length given by `addrlen`, not by a terminating NUL.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Value, json};
use tracer_common::{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX};

use super::{escape, quote};

const SUN_PATH: usize = 108;

/// A decoded address, or what could be told about a malformed one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Unix {
        path: Vec<u8>,
        nul_terminated: bool,
    },
    Abstract(Vec<u8>),
    Unnamed,
    Inet {
        addr: Ipv4Addr,
        port: u16,
    },
    Inet6 {
        addr: Ipv6Addr,
        port: u16,
        /// `sin6_flowinfo`, in host order.
        flowinfo: u32,
        /// `sin6_scope_id`: absent from the 24-byte RFC 2133 form.
        scope_id: Option<u32>,
    },
    Netlink {
        pid: u32,
        groups: u32,
    },
    Other {
        family: u16,
        raw: Vec<u8>,
    },
    /// Shorter than its family field.
    Short(Vec<u8>),
}

/// Decode `data`, the first bytes of an address whose caller-claimed length is `len`.
pub fn decode(data: &[u8], len: u32) -> SockAddr {
    if data.len() < 2 {
        return SockAddr::Short(data.to_vec());
    }
    let family = u16::from_ne_bytes([data[0], data[1]]);
    let rest = &data[2..];
    match family {
        AF_UNIX => {
            let path = &rest[..rest.len().min(SUN_PATH)];
            if path.is_empty() {
                SockAddr::Unnamed
            } else if path[0] == 0 {
                SockAddr::Abstract(path[1..].to_vec())
            } else {
                let end = path.iter().position(|b| *b == 0);
                SockAddr::Unix {
                    path: path[..end.unwrap_or(path.len())].to_vec(),
                    nul_terminated: end.is_some() || (len as usize) < data.len(),
                }
            }
        }
        AF_INET if rest.len() >= 6 => SockAddr::Inet {
            port: u16::from_be_bytes([rest[0], rest[1]]),
            addr: Ipv4Addr::new(rest[2], rest[3], rest[4], rest[5]),
        },
        AF_INET6 if rest.len() >= 22 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&rest[6..22]);
            // include/uapi/linux/in6.h `struct sockaddr_in6`: port, flowinfo (network
            // order), address, scope id (host order).
            SockAddr::Inet6 {
                port: u16::from_be_bytes([rest[0], rest[1]]),
                flowinfo: u32::from_be_bytes([rest[2], rest[3], rest[4], rest[5]]),
                addr: Ipv6Addr::from(a),
                scope_id: rest
                    .get(22..26)
                    .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]])),
            }
        }
        AF_NETLINK if rest.len() >= 10 => SockAddr::Netlink {
            pid: u32::from_ne_bytes([rest[2], rest[3], rest[4], rest[5]]),
            groups: u32::from_ne_bytes([rest[6], rest[7], rest[8], rest[9]]),
        },
        _ => SockAddr::Other {
            family,
            raw: rest.to_vec(),
        },
    }
}

impl SockAddr {
    pub fn to_json(&self) -> Value {
        match self {
            SockAddr::Unix {
                path,
                nul_terminated,
            } => {
                let mut v = json!({"family": "AF_UNIX", "path": escape(path)});
                if !nul_terminated {
                    v["unterminated"] = json!(true);
                }
                v
            }
            SockAddr::Abstract(name) => json!({"family": "AF_UNIX", "abstract": escape(name)}),
            SockAddr::Unnamed => json!({"family": "AF_UNIX", "unnamed": true}),
            SockAddr::Inet { addr, port } => {
                json!({"family": "AF_INET", "addr": addr.to_string(), "port": port})
            }
            SockAddr::Inet6 {
                addr,
                port,
                flowinfo,
                scope_id,
            } => {
                json!({"family": "AF_INET6", "addr": addr.to_string(), "port": port,
                       "flowinfo": flowinfo, "scope_id": scope_id})
            }
            SockAddr::Netlink { pid, groups } => {
                json!({"family": "AF_NETLINK", "pid": pid, "groups": groups})
            }
            SockAddr::Other { family, raw } => {
                json!({"family": super::flags::family(u64::from(*family)), "raw": super::hex(raw)})
            }
            SockAddr::Short(raw) => json!({"short": true, "raw": super::hex(raw)}),
        }
    }

    pub fn to_text(&self) -> String {
        match self {
            SockAddr::Unix { path, .. } => {
                format!("{{sa_family=AF_UNIX, sun_path=\"{}\"}}", quote(path))
            }
            SockAddr::Abstract(name) => {
                format!("{{sa_family=AF_UNIX, sun_path=@\"{}\"}}", quote(name))
            }
            SockAddr::Unnamed => "{sa_family=AF_UNIX}".into(),
            SockAddr::Inet { addr, port } => {
                format!(
                    "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"{addr}\")}}"
                )
            }
            // As strace 6.1 writes them.
            SockAddr::Inet6 {
                addr,
                port,
                flowinfo,
                scope_id,
            } => {
                let scope = scope_id.map_or(String::new(), |s| format!(", sin6_scope_id={s}"));
                format!(
                    "{{sa_family=AF_INET6, sin6_port=htons({port}), sin6_flowinfo=htonl({flowinfo}), \
                     inet_pton(AF_INET6, \"{addr}\", &sin6_addr){scope}}}"
                )
            }
            // strace's `%#08x`: `00000000` for none, `0x000011` for groups 0x11.
            SockAddr::Netlink { pid, groups } => {
                let g = if *groups == 0 {
                    "00000000".to_string()
                } else {
                    format!("{groups:#08x}")
                };
                format!("{{sa_family=AF_NETLINK, nl_pid={pid}, nl_groups={g}}}")
            }
            // strace 6.1 src/sockaddr.c `print_sockaddr_data_raw`: the bytes after the family
            // as a quoted string (`sa_data="\317"`).
            SockAddr::Other { family, raw } => format!(
                "{{sa_family={}, sa_data=\"{}\"}}",
                super::flags::family(u64::from(*family)),
                super::quote(raw)
            ),
            SockAddr::Short(raw) => format!("{{short: {}}}", super::hex(raw)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(path: &[u8]) -> Vec<u8> {
        let mut v = AF_UNIX.to_ne_bytes().to_vec();
        v.extend_from_slice(path);
        v
    }

    #[test]
    fn unix_path() {
        let a = un(b"/tmp/s.sock\0");
        assert_eq!(
            decode(&a, 110),
            SockAddr::Unix {
                path: b"/tmp/s.sock".to_vec(),
                nul_terminated: true
            }
        );
        assert_eq!(decode(&a, 110).to_json()["path"], "/tmp/s.sock");
    }

    #[test]
    fn abstract_and_unnamed() {
        assert_eq!(
            decode(&un(b"\0name"), 7),
            SockAddr::Abstract(b"name".to_vec())
        );
        assert_eq!(decode(&un(b""), 2), SockAddr::Unnamed);
        assert_eq!(decode(&un(b"\0name"), 7).to_json()["abstract"], "name");
    }

    #[test]
    fn hostile_lengths() {
        // addrlen 0 and 1: nothing or half a family was copied.
        assert_eq!(decode(&[], 0), SockAddr::Short(vec![]));
        assert_eq!(decode(&[1], 1), SockAddr::Short(vec![1]));
        // A sun_path that fills all 108 bytes without a NUL.
        let a = un(&[b'a'; 108]);
        let SockAddr::Unix {
            path,
            nul_terminated,
        } = decode(&a, 110)
        else {
            panic!()
        };
        assert_eq!(path.len(), 108);
        assert!(!nul_terminated);
        // A length beyond sockaddr_un: the copy was capped at 128; the path stops at 108.
        let mut b = un(&[b'b'; 120]);
        b.truncate(128);
        let SockAddr::Unix { path, .. } = decode(&b, 200) else {
            panic!()
        };
        assert_eq!(path.len(), 108);
    }

    #[test]
    fn inet_and_netlink() {
        let mut a = AF_INET.to_ne_bytes().to_vec();
        a.extend_from_slice(&8080u16.to_be_bytes());
        a.extend_from_slice(&[127, 0, 0, 1]);
        a.extend_from_slice(&[0; 8]);
        assert_eq!(
            decode(&a, 16).to_json(),
            json!({"family": "AF_INET", "addr": "127.0.0.1", "port": 8080})
        );
        let mut n = AF_NETLINK.to_ne_bytes().to_vec();
        n.extend_from_slice(&[0, 0]);
        n.extend_from_slice(&0u32.to_ne_bytes());
        n.extend_from_slice(&5u32.to_ne_bytes());
        assert_eq!(decode(&n, 12), SockAddr::Netlink { pid: 0, groups: 5 });
        // An AF_INET address cut short is shown raw, not misread, as strace 6.1 shows it
        // (measured: `connect(3, {sa_family=AF_INET, sa_data="\317"}, 3)`).
        assert!(matches!(decode(&a[..5], 5), SockAddr::Other { .. }));
        let short = [2u8, 0, 0o317];
        assert_eq!(
            decode(&short, 3).to_text(),
            "{sa_family=AF_INET, sa_data=\"\\317\"}"
        );
    }
}
