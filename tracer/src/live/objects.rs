//! The IPC objects the traced calls created or used: pipes, FIFOs, UNIX, netlink and other
//! sockets (by inode, as the kernel names them in `/proc/PID/fd`), SysV message queues,
//! semaphore sets and shared memory segments (by id). Which processes hold each, who is on the
//! other end, and what moved through it. Pure: the facts come from `resolve` (the capture side),
//! which reads them from the kernel.

use std::collections::HashMap;
use std::fmt;

use crate::trace::Call;

/// An object as the kernel identifies it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjKey {
    /// A socket, pipe or FIFO: its inode (`socket:[N]`, `pipe:[N]` in /proc/PID/fd).
    Inode(u64),
    Msq(i64),
    Sem(i64),
    Shm(i64),
}

impl fmt::Display for ObjKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjKey::Inode(i) => write!(f, "ino:{i}"),
            ObjKey::Msq(i) => write!(f, "msq:{i}"),
            ObjKey::Sem(i) => write!(f, "sem:{i}"),
            ObjKey::Shm(i) => write!(f, "shm:{i}"),
        }
    }
}

impl ObjKey {
    /// The inverse of `Display`.
    pub fn parse(s: &str) -> Option<ObjKey> {
        let (kind, n) = s.split_once(':')?;
        Some(match kind {
            "ino" => ObjKey::Inode(n.parse().ok()?),
            "msq" => ObjKey::Msq(n.parse().ok()?),
            "sem" => ObjKey::Sem(n.parse().ok()?),
            "shm" => ObjKey::Shm(n.parse().ok()?),
            _ => return None,
        })
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    UnixStream,
    UnixDgram,
    UnixSeqpacket,
    Unix,
    Netlink,
    Inet,
    Socket,
    Pipe,
    Fifo,
    MsgQueue,
    Semaphores,
    SharedMemory,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::UnixStream => "unix stream",
            Kind::UnixDgram => "unix dgram",
            Kind::UnixSeqpacket => "unix seqpacket",
            Kind::Unix => "unix socket",
            Kind::Netlink => "netlink",
            Kind::Inet => "inet socket",
            Kind::Socket => "socket",
            Kind::Pipe => "pipe",
            Kind::Fifo => "fifo",
            Kind::MsgQueue => "SysV msg queue",
            Kind::Semaphores => "SysV semaphores",
            Kind::SharedMemory => "SysV shm",
        }
    }

    /// A UNIX socket of type `ty`: `SOCK_STREAM` 1, `SOCK_DGRAM` 2, `SOCK_SEQPACKET` 5 on x86
    /// (include/linux/net.h), the numbers `socket()` takes and sock_diag reports
    /// (`unix_diag_msg.udiag_type`).
    pub fn unix_of_type(ty: u64) -> Kind {
        match ty {
            1 => Kind::UnixStream,
            2 => Kind::UnixDgram,
            5 => Kind::UnixSeqpacket,
            _ => Kind::Unix,
        }
    }

    fn is_generic(self) -> bool {
        matches!(self, Kind::Socket | Kind::Unix)
    }
}

/// What one call did to one object, as the capture side resolved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touch {
    pub key: ObjKey,
    pub kind: Kind,
    /// A path, `@abstract`, `socketpair`, a SysV key; empty when unknown.
    pub name: String,
}

/// A UNIX socket as `sock_diag` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixInfo {
    pub kind: Kind,
    pub name: String,
    /// The inode of the socket at the other end of the connection.
    pub peer: Option<u64>,
}

/// A process holding an object open now, and how (`r`, `w`, `rw`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub mode: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub key: ObjKey,
    pub kind: Kind,
    pub name: String,
    /// Processes seen using it in a traced call.
    pub users: Vec<u32>,
    /// Processes holding it open at the last look (/proc/PID/fd).
    pub holders: Vec<Holder>,
    /// The socket at the other end (sock_diag).
    pub peer: Option<u64>,
    pub calls: u64,
    pub bytes: u64,
    pub msgs: u64,
}

/// Objects remembered; beyond it the least used are forgotten.
const MAX_OBJECTS: usize = 5_000;

#[derive(Clone, Debug, Default)]
pub struct Objects {
    by_key: crate::fasthash::FastMap<ObjKey, Object>,
    /// Keys in the order first seen.
    order: Vec<ObjKey>,
    /// Calls whose object could not be resolved (the fd was closed, or the process gone,
    /// before tracer looked).
    pub unresolved: u64,
}

/// Calls that move data, and whether each counts as a message.
fn moves(call: &Call) -> Option<(u64, bool)> {
    let ret = call.ret.filter(|r| *r >= 0)?;
    let m = call.row.moves?;
    let bytes = match m.size_arg {
        Some(i) => *call.args.get(usize::from(i))?,
        None => ret as u64,
    };
    Some((bytes, m.messages))
}

impl Objects {
    pub fn add(&mut self, call: &Call, t: &Touch) {
        if !self.by_key.contains_key(&t.key) {
            if self.order.len() >= MAX_OBJECTS {
                self.forget_least_used();
            }
            self.order.push(t.key);
        }
        let o = self.by_key.entry(t.key).or_insert_with(|| Object {
            key: t.key,
            kind: t.kind,
            name: String::new(),
            users: Vec::new(),
            holders: Vec::new(),
            peer: None,
            calls: 0,
            bytes: 0,
            msgs: 0,
        });
        if o.kind.is_generic() && !t.kind.is_generic() {
            o.kind = t.kind;
        }
        if o.name.is_empty() || o.name == "unnamed" {
            o.name.clone_from(&t.name);
        }
        if !o.users.contains(&call.pid) {
            o.users.push(call.pid);
        }
        o.calls += 1;
        if let Some((bytes, msg)) = moves(call) {
            o.bytes += bytes;
            o.msgs += u64::from(msg);
        }
    }

    /// A call already counted on `key` (seen pending) returned: add what it moved.
    pub fn moved(&mut self, call: &Call, key: ObjKey) {
        if let Some(o) = self.by_key.get_mut(&key)
            && let Some((bytes, msg)) = moves(call)
        {
            o.bytes += bytes;
            o.msgs += u64::from(msg);
        }
    }

    /// Forget a tenth of the objects, the least used (the oldest first among equals): a tenth
    /// at a time, so that a program going through sockets by the hundred thousand costs a scan
    /// per 500 new objects, not one per object.
    fn forget_least_used(&mut self) {
        let n = (self.order.len() / 10).max(1);
        let mut calls: Vec<u64> = self.by_key.values().map(|o| o.calls).collect();
        if calls.is_empty() {
            return;
        }
        let at = n.min(calls.len()) - 1;
        let cut = *calls.select_nth_unstable(at).1;
        let by_key = &mut self.by_key;
        let mut left = n;
        self.order.retain(|k| {
            if left > 0 && by_key.get(k).is_some_and(|o| o.calls <= cut) {
                by_key.remove(k);
                left -= 1;
                return false;
            }
            true
        });
    }

    /// What sock_diag says about the UNIX sockets among the objects.
    pub fn unix_info(&mut self, info: &HashMap<u64, UnixInfo>) {
        for o in self.by_key.values_mut() {
            if let ObjKey::Inode(ino) = o.key
                && let Some(u) = info.get(&ino)
            {
                o.kind = u.kind;
                if !u.name.is_empty() {
                    o.name.clone_from(&u.name);
                } else if o.name.is_empty() {
                    o.name = "unnamed".into();
                }
                o.peer = u.peer;
            }
        }
    }

    /// Who holds each object now. An object nobody holds any more keeps its last holders, so
    /// that a finished trace still says who was at each end.
    pub fn holders(&mut self, held: &HashMap<ObjKey, Vec<Holder>>) {
        for o in self.by_key.values_mut() {
            if let Some(h) = held.get(&o.key) {
                o.holders.clone_from(h);
            }
        }
    }

    /// Every object's key.
    pub fn keys(&self) -> Vec<ObjKey> {
        self.order.clone()
    }

    /// The inodes of the objects, for the capture side to look up.
    pub fn inodes(&self) -> Vec<u64> {
        self.order
            .iter()
            .filter_map(|k| match k {
                ObjKey::Inode(i) => Some(*i),
                _ => None,
            })
            .collect()
    }

    /// Every process that used an object.
    pub fn users(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.by_key.values().flat_map(|o| o.users.clone()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn get(&self, key: &ObjKey) -> Option<&Object> {
        self.by_key.get(key)
    }

    /// In the order first seen.
    pub fn list(&self) -> Vec<&Object> {
        self.order
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .collect()
    }

    /// The processes at the other end of a connected socket: those holding its peer. (The two
    /// ends of a pipe share one inode: its holders, with their modes, say who is at which end.)
    pub fn peer_holders(&self, o: &Object) -> Vec<u32> {
        match o.peer {
            Some(p) => self
                .by_key
                .get(&ObjKey::Inode(p))
                .map(|po| po.holders.iter().map(|h| h.pid).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testdata::call;

    fn touch(key: ObjKey, kind: Kind, name: &str) -> Touch {
        Touch {
            key,
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn counts_users_bytes_and_messages() {
        let mut o = Objects::default();
        let sock = touch(ObjKey::Inode(7), Kind::Socket, "");
        o.add(&call(10, "socket", 3), &sock);
        o.add(&call(10, "write", 5), &sock);
        o.add(&call(11, "recvfrom", 4), &sock);
        o.add(&call(11, "recvfrom", -11), &sock);
        let x = o.get(&ObjKey::Inode(7)).unwrap();
        assert_eq!((x.calls, x.bytes, x.msgs), (4, 9, 1));
        assert_eq!(x.users, [10, 11]);
        let mut info = HashMap::new();
        info.insert(
            7,
            UnixInfo {
                kind: Kind::UnixStream,
                name: "/tmp/s.sock".into(),
                peer: Some(8),
            },
        );
        o.unix_info(&info);
        let x = o.get(&ObjKey::Inode(7)).unwrap();
        assert_eq!(
            (x.kind, x.name.as_str(), x.peer),
            (Kind::UnixStream, "/tmp/s.sock", Some(8))
        );
        // The peer's holders are the processes at the other end.
        o.add(
            &call(12, "read", 1),
            &touch(ObjKey::Inode(8), Kind::Socket, ""),
        );
        let mut held = HashMap::new();
        held.insert(
            ObjKey::Inode(8),
            vec![Holder {
                pid: 12,
                mode: "rw",
            }],
        );
        o.holders(&held);
        let x = o.get(&ObjKey::Inode(7)).unwrap().clone();
        assert_eq!(o.peer_holders(&x), [12]);
        assert_eq!(o.users(), [10, 11, 12]);
        o.holders(&HashMap::new());
        assert_eq!(o.peer_holders(&x), [12], "the last holders are kept");
        assert_eq!(o.inodes(), [7, 8]);
    }

    #[test]
    fn many_objects_forget_the_least_used() {
        let mut o = Objects::default();
        let busy = touch(ObjKey::Inode(1), Kind::Socket, "busy");
        for _ in 0..5 {
            o.add(&call(10, "write", 1), &busy);
        }
        for ino in 2..(3 * MAX_OBJECTS as u64) {
            o.add(
                &call(10, "socket", 3),
                &touch(ObjKey::Inode(ino), Kind::Socket, ""),
            );
        }
        assert!(o.len() <= MAX_OBJECTS, "{}", o.len());
        assert!(o.len() > MAX_OBJECTS * 8 / 10, "{}", o.len());
        assert!(o.get(&ObjKey::Inode(1)).is_some(), "the busiest is kept");
        let newest = ObjKey::Inode(3 * MAX_OBJECTS as u64 - 1);
        assert!(o.get(&newest).is_some(), "the newest is kept");
        assert_eq!(o.keys().len(), o.len(), "order and map agree");
    }

    #[test]
    fn keys_round_trip() {
        for k in [
            ObjKey::Inode(12),
            ObjKey::Msq(0),
            ObjKey::Sem(3),
            ObjKey::Shm(98_311),
        ] {
            assert_eq!(ObjKey::parse(&k.to_string()), Some(k));
        }
        assert_eq!(ObjKey::parse("ino:x"), None);
        assert_eq!(ObjKey::parse("pipe"), None);
    }
}
