//! Which calls moved data from one process to another: the two ends of a pipe, a socketpair or
//! a connected UNIX stream socket, datagrams sent to a bound UNIX address, and messages through
//! a System V or POSIX message queue, as far as the trace tells them. Kept simple: each process's descriptors are followed from the call that
//! created them (`pipe2`, `socketpair`, `connect` and `accept` on a bound UNIX address, `bind`),
//! copied at `fork`, dropped at `close`, at `exec` when close-on-exec, and at exit. A read is
//! paired with the oldest unpaired write into the same end that started before the read
//! returned (a stream, and one address's datagram queue, deliver in order); a System V message
//! with the oldest unpaired one of the type it received, a POSIX one with the oldest of the
//! highest priority then queued.
//!
//! What it cannot see: descriptors passed over `SCM_RIGHTS`, `dup2`, or calls outside the
//! traced set (a whole-system trace without `close` may keep a closed descriptor's number).

use std::collections::{HashMap, VecDeque};

use tracer_common::CK_MSG_NAME;

use crate::decode::sockaddr::{self, SockAddr};
use crate::event::Capture;
use crate::syscalls::{Abi, Arg, Effect, Moves, Sysv};
use crate::trace::{Call, Proc};

/// `O_CLOEXEC` and `SOCK_CLOEXEC` (the same bit on x86).
const CLOEXEC: u64 = 0o2000000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Pipe,
    SocketPair,
    UnixStream,
    UnixDgram,
    MsgQueue,
    PosixMq,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pipe => "pipe",
            Kind::SocketPair => "socketpair",
            Kind::UnixStream => "unix connection",
            Kind::UnixDgram => "unix datagram",
            Kind::MsgQueue => "message queue",
            Kind::PosixMq => "posix message queue",
        }
    }
}

#[derive(Clone, Debug)]
enum Fd {
    /// End 0 or 1 of object `obj`.
    End { obj: usize, end: u8, cloexec: bool },
    /// A socket bound to a UNIX address, which `accept` may return connections from.
    Listener { key: Vec<u8>, cloexec: bool },
}

impl Fd {
    fn cloexec(&self) -> bool {
        match self {
            Fd::End { cloexec, .. } | Fd::Listener { cloexec, .. } => *cloexec,
        }
    }
}

/// Connections to one address, waiting for their other half.
#[derive(Default)]
struct Waiting {
    connects: VecDeque<usize>,
    accepts: VecDeque<usize>,
}

/// A call at one end of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub pid: u32,
    pub tid: u32,
    pub start: u64,
    pub stop: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    pub kind: Kind,
    pub from: Point,
    pub to: Point,
}

/// A call that put data into an object end (`send`) or took it out.
pub struct Transfer {
    pub obj: usize,
    /// The end the data comes out of.
    pub to_end: u8,
    pub send: bool,
    pub at: Point,
    /// A System V message's type; a POSIX message's priority (sends only).
    pub tag: Option<i64>,
}

#[derive(Default)]
pub struct Flows {
    /// Per process: its descriptors that are ends of known objects.
    fds: HashMap<u32, HashMap<i32, Fd>>,
    objs: Vec<Kind>,
    waiting: HashMap<Vec<u8>, Waiting>,
    /// Per bound UNIX address, message queue id or POSIX queue name: its queue.
    queues: HashMap<(Kind, Vec<u8>), usize>,
    transfers: Vec<Transfer>,
}

/// The UNIX address a bind, connect or sendto names, or the one in sendmsg's `msg_name`, as a
/// key (the path up to its NUL, or `@` and the abstract name).
fn unix_key(c: &Call) -> Option<Vec<u8>> {
    let addr = c.sockaddr_arg().or_else(|| {
        c.enter_caps
            .iter()
            .find(|k| k.hdr.kind == CK_MSG_NAME && k.ok() && k.hdr.want > 0)
            .map(|k| sockaddr::decode(&k.data, k.hdr.want))
    });
    match addr? {
        SockAddr::Unix { path, .. } => {
            let end = path.iter().position(|b| *b == 0).unwrap_or(path.len());
            Some(path[..end].to_vec())
        }
        SockAddr::Abstract(name) => Some([b"@".as_slice(), &name].concat()),
        _ => None,
    }
}

/// A System V message's type, from its copy in `caps`.
fn mtype(c: &Call, caps: &[Capture]) -> Option<i64> {
    let op = c.row.args.iter().find_map(|(_, a)| match a {
        Arg::MsgBuf(op, _) => Some(*op),
        _ => None,
    })?;
    let cap = caps.iter().find(|k| k.hdr.op == op && k.ok())?;
    Some(match c.abi {
        Abi::X86_64 => i64::from_le_bytes(cap.data.get(..8)?.try_into().ok()?),
        Abi::Ia32 => i64::from(i32::from_le_bytes(cap.data.get(..4)?.try_into().ok()?)),
    })
}

/// The name a call's path argument held (a POSIX queue's `/name`).
fn path_arg(c: &Call) -> Option<Vec<u8>> {
    let op = c.row.args.iter().find_map(|(_, a)| match a {
        Arg::Path(op) => Some(*op),
        _ => None,
    })?;
    let cap = c.enter_caps.iter().find(|k| k.hdr.op == op && k.ok())?;
    let end = cap
        .data
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(cap.data.len());
    Some(cap.data[..end].to_vec())
}

impl Flows {
    fn new_obj(&mut self, kind: Kind) -> usize {
        self.objs.push(kind);
        self.objs.len() - 1
    }

    fn set(&mut self, pid: u32, fd: i32, v: Fd) {
        self.fds.entry(pid).or_default().insert(fd, v);
    }

    fn unset(&mut self, pid: u32, fd: i32) {
        if let Some(t) = self.fds.get_mut(&pid) {
            t.remove(&fd);
        }
    }

    fn get(&self, pid: u32, fd: i32) -> Option<&Fd> {
        self.fds.get(&pid)?.get(&fd)
    }

    pub fn call(&mut self, c: &Call) {
        let (Some(ret), Some(start), Some(stop)) = (c.ret, c.enter_ns, c.exit_ns) else {
            return;
        };
        let (pid, fd) = (c.pid, c.args[0] as i32);
        let at = Point {
            pid,
            tid: c.tid,
            start,
            stop,
        };
        match c.row.effect {
            Effect::NewPipe { .. } | Effect::NewSocketPair if ret == 0 => {
                let Some([a, b]) = c.fd_pair() else { return };
                let (a, b) = (a as i32, b as i32);
                let (kind, flags) = match c.row.effect {
                    Effect::NewSocketPair => (Kind::SocketPair, c.args[1]),
                    Effect::NewPipe { flags: true } => (Kind::Pipe, c.args[1]),
                    _ => (Kind::Pipe, 0),
                };
                let cloexec = flags & CLOEXEC != 0;
                let obj = self.new_obj(kind);
                for (fd, end) in [(a, 0), (b, 1)] {
                    self.set(pid, fd, Fd::End { obj, end, cloexec });
                }
            }
            // A new socket reuses a number whose object is gone.
            Effect::NewSocket if ret >= 0 => self.unset(pid, ret as i32),
            Effect::Names if ret == 0 => {
                if let Some(key) = unix_key(c) {
                    let cloexec = false;
                    self.set(pid, fd, Fd::Listener { key, cloexec });
                }
            }
            Effect::Connects if ret == 0 => {
                if let Some(key) = unix_key(c) {
                    let obj = self.pair(key, false);
                    let (end, cloexec) = (0, false);
                    self.set(pid, fd, Fd::End { obj, end, cloexec });
                }
            }
            Effect::Accepts { flags } if ret >= 0 => {
                let listener = match self.get(pid, fd) {
                    Some(Fd::Listener { key, .. }) => Some(key.clone()),
                    _ => None,
                };
                match listener {
                    Some(key) => {
                        let obj = self.pair(key, true);
                        let cloexec = flags && c.args[3] & CLOEXEC != 0;
                        let end = 1;
                        self.set(pid, ret as i32, Fd::End { obj, end, cloexec });
                    }
                    None => self.unset(pid, ret as i32),
                }
            }
            Effect::Closes if ret == 0 => self.unset(pid, fd),
            Effect::OpensMq if ret >= 0 => {
                if let Some(name) = path_arg(c) {
                    let obj = self.queue(Kind::PosixMq, name);
                    let cloexec = c.args[1] & CLOEXEC != 0;
                    let end = 0;
                    self.set(pid, ret as i32, Fd::End { obj, end, cloexec });
                }
            }
            _ => {
                if let Some(m) = c.row.moves {
                    self.moved(c, m, ret, at);
                }
            }
        }
    }

    /// A call that moved data (`moves`) and returned `ret`.
    fn moved(&mut self, c: &Call, m: Moves, ret: i64, at: Point) {
        let (pid, fd) = (c.pid, c.args[0] as i32);
        let tag = m
            .tag_arg
            .and_then(|i| c.args.get(usize::from(i)))
            .map(|v| *v as i64);
        let sysv = c.row.effect == Effect::SysvUses(Sysv::MsgQueue);
        let posix = match self.get(pid, fd) {
            Some(Fd::End { obj, .. }) => self.objs.get(*obj) == Some(&Kind::PosixMq),
            _ => false,
        };
        // What succeeded: a call that moves `args[size]` returns 0; one that returns what it
        // moved returns a count, which may be 0 for a queue's empty message, while a stream's
        // 0 is its end and an empty datagram carries nothing to follow.
        let moved = match m.size_arg {
            Some(_) => ret == 0,
            None => ret > 0 || (ret == 0 && (sysv || posix)),
        };
        if !moved {
            return;
        }
        // Queue ids are the system's, not a process's: no descriptors to follow.
        if sysv {
            let obj = self.queue(Kind::MsgQueue, fd.to_le_bytes().to_vec());
            let caps = if m.send { &c.enter_caps } else { &c.exit_caps };
            self.push(obj, 0, m.send, at, mtype(c, caps));
            return;
        }
        // A datagram to a bound address: into that address's queue.
        if m.send
            && let Some(key) = unix_key(c)
        {
            let obj = self.dgram_queue(key);
            self.push(obj, 0, true, at, tag);
            return;
        }
        let (obj, to_end) = match self.get(pid, fd).cloned() {
            // A pipe's data comes out of its read end, a socket's out of the other one, a
            // queue's out of the queue.
            Some(Fd::End { obj, end, .. }) if m.send => match self.objs.get(obj) {
                Some(Kind::Pipe | Kind::PosixMq) => (obj, 0),
                _ => (obj, 1 - end),
            },
            Some(Fd::End { obj, end, .. }) => (obj, end),
            // A bound socket that is read, not accepted from: a datagram socket.
            Some(Fd::Listener { key, .. }) if !m.send => (self.dgram_queue(key), 0),
            _ => return,
        };
        self.push(obj, to_end, m.send, at, tag);
    }

    fn queue(&mut self, kind: Kind, key: Vec<u8>) -> usize {
        if let Some(obj) = self.queues.get(&(kind, key.clone())) {
            return *obj;
        }
        let obj = self.new_obj(kind);
        self.queues.insert((kind, key), obj);
        obj
    }

    fn dgram_queue(&mut self, key: Vec<u8>) -> usize {
        self.queue(Kind::UnixDgram, key)
    }

    fn push(&mut self, obj: usize, to_end: u8, send: bool, at: Point, tag: Option<i64>) {
        self.transfers.push(Transfer {
            obj,
            to_end,
            send,
            at,
            tag,
        });
    }

    /// The object for a connection to `key`: the oldest one waiting for this side, or a new
    /// one that waits for the other side (connect and accept return in either order).
    fn pair(&mut self, key: Vec<u8>, accepting: bool) -> usize {
        let w = self.waiting.entry(key.clone()).or_default();
        let other = if accepting {
            w.connects.pop_front()
        } else {
            w.accepts.pop_front()
        };
        if let Some(obj) = other {
            return obj;
        }
        let obj = self.new_obj(Kind::UnixStream);
        let w = self.waiting.entry(key).or_default();
        if accepting {
            w.accepts.push_back(obj);
        } else {
            w.connects.push_back(obj);
        }
        obj
    }

    pub fn proc(&mut self, p: &Proc) {
        match p {
            // A new process starts with a copy of its parent's descriptors; a thread shares them.
            Proc::Fork {
                pid,
                child,
                thread: false,
                ..
            } => {
                if let Some(t) = self.fds.get(pid).cloned() {
                    self.fds.insert(*child, t);
                }
            }
            Proc::Exec { pid, .. } => {
                if let Some(t) = self.fds.get_mut(pid) {
                    t.retain(|_, fd| !fd.cloexec());
                }
            }
            Proc::Exit { pid, tid, .. } if pid == tid => {
                self.fds.remove(pid);
            }
            _ => {}
        }
    }

    /// The transfers found since the last drain, with their object's kind: for a writer that
    /// pairs them as it reads (`perfetto/pairing.rs`) instead of all at the end in `finish`.
    pub fn drain_transfers(&mut self) -> impl Iterator<Item = (Kind, Transfer)> + '_ {
        let objs = &self.objs;
        self.transfers
            .drain(..)
            .map(|t| (objs.get(t.obj).copied().unwrap_or(Kind::Pipe), t))
    }

    /// Pair the reads with the writes, per end.
    pub fn finish(self) -> Vec<Flow> {
        type Side = Vec<(Point, Option<i64>)>;
        let mut by_end: HashMap<(usize, u8), (Side, Side)> = HashMap::new();
        for t in &self.transfers {
            let e = by_end.entry((t.obj, t.to_end)).or_default();
            if t.send { &mut e.0 } else { &mut e.1 }.push((t.at, t.tag));
        }
        let mut flows = Vec::new();
        for ((obj, _), (mut sends, mut recvs)) in by_end {
            let kind = self.objs.get(obj).copied().unwrap_or(Kind::Pipe);
            sends.sort_by_key(|(p, _)| p.start);
            recvs.sort_by_key(|(p, _)| p.stop);
            let mut used = vec![false; sends.len()];
            let mut first_free = 0;
            for (r, rtag) in recvs {
                let queued = |i: &usize| !used[*i] && sends[*i].0.start <= r.stop;
                let pick = match kind {
                    // The oldest message of the type received.
                    Kind::MsgQueue => (first_free..sends.len())
                        .filter(queued)
                        .find(|i| rtag.is_none() || sends[*i].1 == rtag),
                    // The oldest of the highest priority queued.
                    Kind::PosixMq => (first_free..sends.len())
                        .filter(queued)
                        .min_by_key(|i| (std::cmp::Reverse(sends[*i].1), *i)),
                    // In order.
                    _ => Some(first_free).filter(|i| *i < sends.len() && queued(i)),
                };
                if let Some(i) = pick {
                    used[i] = true;
                    flows.push(Flow {
                        kind,
                        from: sends[i].0,
                        to: r,
                    });
                }
                while first_free < used.len() && used[first_free] {
                    first_free += 1;
                }
            }
        }
        flows.sort_by_key(|f| (f.from.start, f.to.stop));
        flows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Capture;
    use crate::syscalls::{self, Abi};
    use tracer_common::{CAP_OK, CK_BYTES, CaptureHeader, ENTRY_SYSCALL, TABLE_X86_64};

    fn cap(kind: u8, data: &[u8]) -> Capture {
        Capture {
            hdr: CaptureHeader {
                kind,
                status: CAP_OK,
                len: data.len() as u16,
                want: data.len() as u32,
                ..Default::default()
            },
            data: data.to_vec(),
        }
    }

    /// A completed call of `pid` (its own only thread) at `t`..`t + 10`.
    fn call(pid: u32, t: u64, name: &str, args: [u64; 6], ret: i64, caps: Vec<Capture>) -> Call {
        let row = syscalls::find(name).unwrap();
        let mut c = Call::hypothetical(row, Abi::X86_64, ENTRY_SYSCALL, 0, TABLE_X86_64, 0);
        (c.pid, c.tid, c.args, c.ret) = (pid, pid, args, Some(ret));
        (c.enter_ns, c.exit_ns) = (Some(t), Some(t + 10));
        if matches!(name, "pipe2" | "socketpair") {
            c.exit_caps = caps;
        } else {
            c.enter_caps = caps;
        }
        c
    }

    fn fds(a: i32, b: i32) -> Vec<Capture> {
        vec![cap(CK_BYTES, &[a.to_le_bytes(), b.to_le_bytes()].concat())]
    }

    fn unix(path: &str) -> Vec<Capture> {
        let mut a = vec![1u8, 0];
        a.extend_from_slice(path.as_bytes());
        a.push(0);
        vec![cap(CK_BYTES, &a)]
    }

    fn fork(pid: u32, child: u32) -> Proc {
        Proc::Fork {
            ts_ns: 0,
            pid,
            tid: pid,
            comm: String::new(),
            child,
            thread: false,
        }
    }

    fn pairs(f: Flows) -> Vec<(Kind, u32, u32)> {
        f.finish()
            .iter()
            .map(|f| (f.kind, f.from.pid, f.to.pid))
            .collect()
    }

    #[test]
    fn a_pipe_inherited_by_a_child() {
        let mut f = Flows::default();
        f.call(&call(1, 0, "pipe2", [0x10, 0, 0, 0, 0, 0], 0, fds(3, 4)));
        f.proc(&fork(1, 2));
        f.call(&call(2, 100, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
        f.call(&call(1, 95, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
        // After close, the number means nothing: a read on it is not paired.
        f.call(&call(1, 200, "close", [3, 0, 0, 0, 0, 0], 0, vec![]));
        f.call(&call(2, 300, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
        f.call(&call(1, 400, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
        assert_eq!(pairs(f), [(Kind::Pipe, 2, 1)]);
    }

    #[test]
    fn close_on_exec_ends_are_gone_after_exec() {
        let mut f = Flows::default();
        f.call(&call(
            1,
            0,
            "pipe2",
            [0x10, CLOEXEC, 0, 0, 0, 0],
            0,
            fds(3, 4),
        ));
        f.proc(&fork(1, 2));
        f.proc(&Proc::Exec {
            ts_ns: 50,
            pid: 2,
            tid: 2,
            comm: String::new(),
            filename: "/bin/x".into(),
        });
        f.call(&call(2, 100, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
        f.call(&call(1, 200, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
        assert!(pairs(f).is_empty());
    }

    #[test]
    fn a_stream_connection_both_ways_whichever_returns_first() {
        for accept_first in [false, true] {
            let mut f = Flows::default();
            f.call(&call(1, 0, "bind", [3, 0, 9, 0, 0, 0], 0, unix("/tmp/s")));
            let connect = call(2, 20, "connect", [5, 0, 9, 0, 0, 0], 0, unix("/tmp/s"));
            let accept = call(1, 10, "accept", [3, 0, 0, 0, 0, 0], 4, vec![]);
            if accept_first {
                f.call(&accept);
                f.call(&connect);
            } else {
                f.call(&connect);
                f.call(&accept);
            }
            f.call(&call(2, 100, "write", [5, 0, 2, 0, 0, 0], 2, vec![]));
            f.call(&call(1, 105, "read", [4, 0, 64, 0, 0, 0], 2, vec![]));
            f.call(&call(1, 200, "sendto", [4, 0, 2, 0, 0, 0], 2, vec![]));
            f.call(&call(2, 205, "recvfrom", [5, 0, 64, 0, 0, 0], 2, vec![]));
            assert_eq!(
                pairs(f),
                [(Kind::UnixStream, 2, 1), (Kind::UnixStream, 1, 2)],
                "accept first: {accept_first}"
            );
        }
    }

    #[test]
    fn datagrams_to_a_bound_address() {
        let mut f = Flows::default();
        f.call(&call(1, 0, "bind", [3, 0, 9, 0, 0, 0], 0, unix("/tmp/d")));
        let mut send = call(2, 100, "sendto", [7, 0, 2, 0, 0, 0], 2, vec![]);
        send.enter_caps = vec![cap(CK_BYTES, b"hi"), {
            let mut a = unix("/tmp/d").remove(0);
            a.hdr.op = 1;
            a
        }];
        f.call(&send);
        f.call(&call(1, 105, "recvfrom", [3, 0, 64, 0, 0, 0], 2, vec![]));
        assert_eq!(pairs(f), [(Kind::UnixDgram, 2, 1)]);
    }

    #[test]
    fn message_queues_by_type_and_by_priority() {
        let mut f = Flows::default();
        let msg = |mtype: i64| vec![cap(CK_BYTES, &mtype.to_le_bytes())];
        f.call(&call(1, 0, "msgsnd", [7, 0, 5, 0, 0, 0], 0, msg(1)));
        f.call(&call(1, 20, "msgsnd", [7, 0, 6, 0, 0, 0], 0, msg(2)));
        for (t, mtype) in [(40, 2), (60, 1)] {
            // Type 2 first, then the oldest.
            let mut c = call(2, t, "msgrcv", [7, 0, 64, 0, 0, 0], 5, vec![]);
            c.exit_caps = msg(mtype);
            f.call(&c);
        }
        let got: Vec<(u64, u64)> = f
            .finish()
            .iter()
            .map(|f| (f.from.start, f.to.start))
            .collect();
        assert_eq!(got, [(0, 60), (20, 40)]);

        let mut f = Flows::default();
        let mut open = call(1, 0, "mq_open", [0, CLOEXEC, 0o600, 0, 0, 0], 3, vec![]);
        open.enter_caps = vec![cap(CK_BYTES, b"/q\0")];
        f.call(&open);
        f.proc(&fork(1, 2));
        f.call(&call(1, 10, "mq_timedsend", [3, 0, 2, 1, 0, 0], 0, vec![]));
        f.call(&call(1, 20, "mq_timedsend", [3, 0, 2, 9, 0, 0], 0, vec![]));
        f.call(&call(
            2,
            30,
            "mq_timedreceive",
            [3, 0, 64, 0, 0, 0],
            2,
            vec![],
        ));
        f.call(&call(
            2,
            50,
            "mq_timedreceive",
            [3, 0, 64, 0, 0, 0],
            2,
            vec![],
        ));
        let got: Vec<(Kind, u64, u64)> = f
            .finish()
            .iter()
            .map(|f| (f.kind, f.from.start, f.to.start))
            .collect();
        assert_eq!(
            got,
            [(Kind::PosixMq, 10, 50), (Kind::PosixMq, 20, 30)],
            "priority 9 first"
        );
    }
}
