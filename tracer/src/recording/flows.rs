//! Which calls moved data from one process to another: through a pipe or FIFO, between the
//! two ends of a connected UNIX socket (a socketpair, an accepted connection), as datagrams to
//! a bound UNIX address, and as messages through a System V or POSIX message queue.
//!
//! What each descriptor is comes from the one descriptor model (fds.rs), as the `-y` text and
//! the live view see it: it follows every call and process event in order (creation, `dup`,
//! `fork`, `exec`'s close-on-exec, `SCM_RIGHTS`, `close`). Data goes into an object and comes
//! out of one, named as the kernel names it: a pipe or FIFO by its inode (both ends share it); a
//! connection's data (stream, seqpacket) by the socket that sent it, which its peer reads (the
//! peer's inode the kernel side read with each socket, `unix_peer`: a connecting socket's is
//! known only once the connection is accepted, maybe after its first writes, while every read
//! comes after the peer's writes); a datagram by the socket it goes to (the peer of a connected
//! sender, or the socket bound to the address it was sent to); a queue's message by the queue
//! (its id, or the POSIX queue's inode). A read is paired with the
//! oldest unpaired write into the same object that started before the read returned (a stream,
//! and a datagram queue, deliver in order); a System V message with the oldest unpaired one of
//! the type it received, a POSIX one with the oldest of the highest priority then queued.
//!
//! What it cannot see: a connected socket's data in a recording without the peer's inode (made
//! before tracer read it, `FILE_ID_V2`); there, pipes still pair by the model's own object.

use std::collections::HashMap;
use std::fmt;

use tracer_common::{AF_UNIX, CK_MSG_NAME};

use crate::decode::sockaddr;
use crate::event::Capture;
use crate::fds::{Fds, Ipc, ObjId, unix_name};
use crate::recording::format::Start;
use crate::syscalls::{Abi, Arg, Effect, Moves, Sysv};
use crate::trace::{Call, Proc};

/// include/linux/net.h (`enum sock_type`).
const SOCK_STREAM: u16 = 1;
const SOCK_DGRAM: u16 = 2;
const SOCK_SEQPACKET: u16 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Pipe,
    Fifo,
    UnixStream,
    UnixSeqpacket,
    UnixDgram,
    MsgQueue,
    PosixMq,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pipe => "pipe",
            Kind::Fifo => "fifo",
            Kind::UnixStream => "unix stream",
            Kind::UnixSeqpacket => "unix seqpacket",
            Kind::UnixDgram => "unix datagram",
            Kind::MsgQueue => "message queue",
            Kind::PosixMq => "posix message queue",
        }
    }

    /// Its data is a byte stream (counted in bytes), else messages.
    pub fn stream(self) -> bool {
        matches!(self, Kind::Pipe | Kind::Fifo | Kind::UnixStream)
    }

    fn unix(ty: u16) -> Option<Kind> {
        match ty {
            SOCK_STREAM => Some(Kind::UnixStream),
            SOCK_SEQPACKET => Some(Kind::UnixSeqpacket),
            SOCK_DGRAM => Some(Kind::UnixDgram),
            _ => None,
        }
    }
}

/// What data comes out of, as the kernel identifies it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Sink {
    /// A pipe, a FIFO, a datagram socket's receive queue, a POSIX queue: by inode.
    Inode(u64),
    /// A connection's data sent by the socket of this inode, which its peer reads: a
    /// connecting socket's peer is known only once the connection is accepted, which may be
    /// after its first writes, while every read comes after the peer's writes.
    From(u64),
    /// The same, in a recording without inode numbers: by the descriptor model's object.
    Model(ObjId),
    /// A System V message queue, by id.
    Msq(i32),
    /// A UNIX address no traced socket was seen bound to.
    Address(Box<[u8]>),
}

impl fmt::Display for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sink::Inode(i) | Sink::From(i) => write!(f, "[{i}]"),
            Sink::Model(i) => write!(f, "#{i}"),
            Sink::Msq(i) => write!(f, "{i}"),
            // Chosen by the traced program: escaped.
            Sink::Address(a) => f.write_str(&crate::escape::name(a)),
        }
    }
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

/// A call that put data into an object (`send`) or took it out.
pub struct Transfer {
    /// The object, as [`Flows::label`] names it.
    pub obj: usize,
    pub kind: Kind,
    pub send: bool,
    pub at: Point,
    /// A System V message's type; a POSIX message's priority (sends only).
    pub tag: Option<i64>,
}

/// Objects (and bound addresses) remembered at most. Past it the table starts afresh, numbering
/// on: data in flight at that moment loses its arrow (its send and its receive are numbered as
/// different objects), and a recording of any length is exported in memory that does not grow
/// with it (a server's millionth connection is a millionth object).
pub const OBJECTS_MAX: usize = 1 << 16;

#[derive(Default)]
pub struct Flows {
    /// What every descriptor is.
    fds: Fds,
    /// The objects data went through, numbered as they were first seen (from `first`: at
    /// most [`OBJECTS_MAX`] are remembered).
    sinks: HashMap<Sink, usize>,
    objs: Vec<(Kind, Sink)>,
    first: usize,
    /// Bound UNIX addresses (`@` first for an abstract one): the socket bound there (at most
    /// [`OBJECTS_MAX`]).
    bound: HashMap<Box<[u8]>, Sink>,
    transfers: Vec<Transfer>,
}

/// The UNIX address a sendto names, or the one in sendmsg's `msg_name` (the path up to its NUL,
/// or `@` and the abstract name).
fn unix_dest(c: &Call) -> Option<Vec<u8>> {
    let addr = c.sockaddr_arg().or_else(|| {
        c.enter_caps
            .iter()
            .find(|k| k.hdr.kind == CK_MSG_NAME && k.ok() && k.hdr.want > 0)
            .map(|k| sockaddr::decode(&k.data, k.hdr.want))
    });
    unix_name(addr).filter(|n| !n.is_empty())
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

/// An object's sink: its inode, else the model's identity for it.
fn sink_of(id: ObjId, ino: u64) -> Sink {
    if ino != 0 {
        Sink::Inode(ino)
    } else {
        Sink::Model(id)
    }
}

impl Flows {
    /// What the traced command started with (descriptors it inherited: a shell's pipe).
    pub fn begin(&mut self, start: &Start) {
        self.fds.begin(start);
    }

    /// The object `obj` of a [`Transfer`] as the kernel names it: `pipe:[500]`, `unix stream
    /// from socket:[10]` (the socket that sent the data, to its peer), `unix datagram to
    /// socket:[11]` (the socket whose receive queue the datagrams go to), `message queue 7`.
    pub fn label(&self, obj: usize) -> Option<String> {
        let (kind, sink) = self.objs.get(obj.checked_sub(self.first)?)?;
        let name = kind.name();
        Some(match (kind, sink) {
            (Kind::Pipe | Kind::Fifo, Sink::Inode(_)) => format!("{name}:{sink}"),
            (Kind::UnixStream | Kind::UnixSeqpacket | Kind::UnixDgram, Sink::Inode(_)) => {
                format!("{name} to socket:{sink}")
            }
            (_, Sink::From(_)) => format!("{name} from socket:{sink}"),
            (Kind::UnixStream | Kind::UnixSeqpacket | Kind::UnixDgram, _) => {
                format!("{name} to {sink}")
            }
            _ => format!("{name} {sink}"),
        })
    }

    fn obj(&mut self, kind: Kind, sink: Sink) -> usize {
        if let Some(i) = self.sinks.get(&sink) {
            return *i;
        }
        if self.objs.len() >= OBJECTS_MAX {
            self.first += self.objs.len();
            self.objs.clear();
            self.sinks.clear();
        }
        self.objs.push((kind, sink.clone()));
        let i = self.first + self.objs.len() - 1;
        self.sinks.insert(sink, i);
        i
    }

    /// A call the export does not show (filtered out): the descriptors still follow it.
    pub fn observe(&mut self, c: &Call) {
        self.fds.apply(c);
    }

    pub fn call(&mut self, c: &Call) {
        self.fds.apply(c);
        let (Some(ret), Some(start), Some(stop)) = (c.ret, c.enter_ns, c.exit_ns) else {
            return;
        };
        let at = Point {
            pid: c.pid,
            tid: c.tid,
            start,
            stop,
        };
        if c.row.effect == Effect::Names && ret == 0 {
            self.bind(c);
        } else if let Some(m) = c.row.moves {
            self.moved(c, m, ret, at);
        }
    }

    /// A socket bound to a UNIX address: datagrams sent there come out of it.
    fn bind(&mut self, c: &Call) {
        if let Some((
            id,
            Ipc::Socket {
                ino,
                family,
                name: Some(name),
                ..
            },
        )) = self.fds.object(c.pid, c.args[0] as i32)
            && family == AF_UNIX
            && !name.is_empty()
        {
            let sink = sink_of(id, ino);
            if self.bound.len() >= OBJECTS_MAX {
                self.bound.clear();
            }
            self.bound.insert(name.into(), sink);
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
        let object = if sysv { None } else { self.fds.object(pid, fd) };
        let queue = sysv || matches!(object, Some((_, Ipc::Mqueue { .. })));
        // What succeeded: a call that moves `args[size]` returns 0; one that returns what it
        // moved returns a count, which may be 0 for a queue's empty message, while a stream's
        // 0 is its end and an empty datagram carries nothing to follow.
        let moved = match m.size_arg {
            Some(_) => ret == 0,
            None => ret > 0 || (ret == 0 && queue),
        };
        if !moved {
            return;
        }
        // Queue ids are the system's, not a process's.
        if sysv {
            let obj = self.obj(Kind::MsgQueue, Sink::Msq(fd));
            let caps = if m.send { &c.enter_caps } else { &c.exit_caps };
            self.push(obj, Kind::MsgQueue, m.send, at, mtype(c, caps));
            return;
        }
        let Some((id, ipc)) = object else { return };
        let (kind, sink) = match ipc {
            Ipc::Pipe { ino } => (Kind::Pipe, sink_of(id, ino)),
            Ipc::Fifo { ino, .. } => (Kind::Fifo, sink_of(id, ino)),
            Ipc::Mqueue { ino, .. } => (Kind::PosixMq, sink_of(id, ino)),
            Ipc::Socket {
                family: AF_UNIX,
                ty,
                ino,
                peer,
                ..
            } => {
                let Some(kind) = Kind::unix(ty) else { return };
                let connected = kind != Kind::UnixDgram;
                if connected {
                    // The data the sender's socket wrote, which its peer reads.
                    match (m.send, ino, peer) {
                        (true, 0, _) | (false, _, 0) => return,
                        (true, ino, _) => (kind, Sink::From(ino)),
                        (false, _, peer) => (kind, Sink::From(peer)),
                    }
                } else if !m.send {
                    (kind, sink_of(id, ino))
                } else if let Some(to) = unix_dest(c) {
                    // A datagram to an address: out of the socket bound there.
                    let sink = self
                        .bound
                        .get(to.as_slice())
                        .cloned()
                        .unwrap_or_else(|| Sink::Address(to.into()));
                    (kind, sink)
                } else if peer != 0 {
                    // Connected: out of the other end.
                    (kind, Sink::Inode(peer))
                } else {
                    return;
                }
            }
            Ipc::Socket { .. } => return,
        };
        let obj = self.obj(kind, sink);
        self.push(obj, kind, m.send, at, tag);
    }

    fn push(&mut self, obj: usize, kind: Kind, send: bool, at: Point, tag: Option<i64>) {
        self.transfers.push(Transfer {
            obj,
            kind,
            send,
            at,
            tag,
        });
    }

    pub fn proc(&mut self, p: &Proc) {
        match p {
            // A new process starts with a copy of its parent's descriptors; a thread shares them.
            Proc::Fork {
                pid, child, thread, ..
            } => self.fds.fork(*pid, *child, *thread),
            Proc::Exec { pid, .. } => self.fds.exec(*pid),
            Proc::Exit { pid, tid, .. } if pid == tid => self.fds.exit(*pid),
            Proc::Exit { .. } => {}
        }
    }

    /// The transfers found since the last drain, with their object's kind: for a writer that
    /// pairs them as it reads (`perfetto/pairing.rs`) instead of all at the end in `finish`.
    pub fn drain_transfers(&mut self) -> impl Iterator<Item = (Kind, Transfer)> + '_ {
        self.transfers.drain(..).map(|t| (t.kind, t))
    }

    /// Pair the reads with the writes, per end.
    pub fn finish(self) -> Vec<Flow> {
        type Side = Vec<(Point, Option<i64>)>;
        let mut by_end: HashMap<usize, (Kind, Side, Side)> = HashMap::new();
        for t in &self.transfers {
            let e = by_end
                .entry(t.obj)
                .or_insert_with(|| (t.kind, Vec::new(), Vec::new()));
            if t.send { &mut e.1 } else { &mut e.2 }.push((t.at, t.tag));
        }
        let mut flows = Vec::new();
        for (kind, mut sends, mut recvs) in by_end.into_values() {
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
    use crate::syscalls::{self, Abi, OpKind};
    use tracer_common::{
        CAP_OK, CK_BYTES, CK_FILE, CaptureHeader, ENTRY_SYSCALL, FILE_ID_V2, FileId, TABLE_X86_64,
    };

    /// `O_CLOEXEC` and `SOCK_CLOEXEC` (the same bit on x86, include/uapi/asm-generic/fcntl.h).
    const CLOEXEC: u64 = 0o2000000;

    fn cap(kind: u8, data: &[u8]) -> Capture {
        Capture {
            hdr: CaptureHeader {
                kind,
                status: CAP_OK,
                len: data.len() as u16,
                want: data.len() as u32,
                ..Default::default()
            },
            data: data.into(),
        }
    }

    /// A completed call of `pid` (its own only thread) at `t`..`t + 10`.
    fn call(pid: u32, t: u64, name: &str, args: [u64; 6], ret: i64, caps: Vec<Capture>) -> Call {
        let row = syscalls::find(name).unwrap();
        let mut c = Call::hypothetical(row, Abi::X86_64, ENTRY_SYSCALL, 0, TABLE_X86_64, 0);
        (c.pid, c.tid, c.args, c.ret) = (pid, pid, args, Some(ret));
        (c.enter_ns, c.exit_ns) = (Some(t), Some(t + 10));
        if matches!(name, "pipe2" | "socketpair") {
            c.exit_caps = caps.into();
        } else {
            c.enter_caps = caps.into();
        }
        c
    }

    /// `c` with the files the kernel side read as it returned (`CK_FILE`).
    fn with_files(mut c: Call, ids: &[FileId]) -> Call {
        let op = c
            .row
            .ops
            .iter()
            .position(|o| matches!(o.kind, OpKind::FdFile { .. } | OpKind::FdArg))
            .unwrap() as u8;
        let d = crate::live::testdata::file_ids_v2(ids);
        let mut k = cap(CK_FILE, &d);
        (k.hdr.op, k.hdr.sub) = (op, FILE_ID_V2);
        c.exit_caps.push(k);
        c
    }

    fn file(fd: i32, mode: u32, ino: u64) -> FileId {
        FileId {
            fd,
            mode,
            ino,
            ..FileId::default()
        }
    }

    fn sock(fd: i32, ino: u64, peer: u64, ty: u16) -> FileId {
        FileId {
            peer,
            family: AF_UNIX,
            sock_type: ty,
            ..file(fd, libc::S_IFSOCK, ino)
        }
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

    fn path(p: &str) -> Vec<Capture> {
        vec![cap(tracer_common::CK_STR, format!("{p}\0").as_bytes())]
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

    /// A pipe made by process 1, then shared with its child 2, as a recording with inode
    /// numbers (`ino`) or without them (0) has it.
    fn pipe_and_child(f: &mut Flows, flags: u64, ino: u64) {
        let mut pipe = call(1, 0, "pipe2", [0x10, flags, 0, 0, 0, 0], 0, fds(3, 4));
        if ino != 0 {
            let ids = [file(3, libc::S_IFIFO, ino), file(4, libc::S_IFIFO, ino)];
            pipe = with_files(pipe, &ids);
        }
        f.call(&pipe);
        f.proc(&fork(1, 2));
    }

    #[test]
    fn a_pipe_inherited_by_a_child() {
        for ino in [0, 500] {
            let mut f = Flows::default();
            pipe_and_child(&mut f, 0, ino);
            f.call(&call(2, 100, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
            f.call(&call(1, 95, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
            // After close, the number means nothing: a read on it is not paired.
            f.call(&call(1, 200, "close", [3, 0, 0, 0, 0, 0], 0, vec![]));
            f.call(&call(2, 300, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
            f.call(&call(1, 400, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
            let label = f.label(0);
            assert_eq!(pairs(f), [(Kind::Pipe, 2, 1)], "inode {ino}");
            if ino != 0 {
                assert_eq!(label.as_deref(), Some("pipe:[500]"));
            }
        }
    }

    /// Past [`OBJECTS_MAX`] objects the table starts afresh and numbers on: memory stays
    /// bounded, numbers are never given twice, and data through a new object still flows.
    #[test]
    fn objects_past_the_bound_are_numbered_on_in_a_fresh_table() {
        let mut f = Flows::default();
        let n = OBJECTS_MAX as u64 + 5;
        let numbers: Vec<usize> = (0..n)
            .map(|i| f.obj(Kind::Pipe, Sink::Inode(1_000_000 + i)))
            .collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1));
        assert_eq!(f.objs.len(), 5);
        assert_eq!(f.sinks.len(), 5);
        assert_eq!(f.label(0), None, "forgotten");
        let last = *numbers.last().unwrap();
        assert_eq!(
            f.label(last).as_deref(),
            Some(format!("pipe:[{}]", 1_000_000 + n - 1).as_str())
        );
        pipe_and_child(&mut f, 0, 500);
        f.call(&call(2, 100, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
        f.call(&call(1, 150, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
        assert_eq!(pairs(f), [(Kind::Pipe, 2, 1)]);
    }

    #[test]
    fn a_dup_of_an_end_is_that_end() {
        let mut f = Flows::default();
        pipe_and_child(&mut f, 0, 500);
        f.call(&call(2, 50, "dup2", [4, 1, 0, 0, 0, 0], 1, vec![]));
        f.call(&call(2, 100, "write", [1, 0, 2, 0, 0, 0], 2, vec![]));
        f.call(&call(1, 105, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
        assert_eq!(pairs(f), [(Kind::Pipe, 2, 1)]);
    }

    #[test]
    fn close_on_exec_ends_are_gone_after_exec() {
        let mut f = Flows::default();
        pipe_and_child(&mut f, CLOEXEC, 500);
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
    fn a_fifo_opened_by_two_processes_by_its_inode() {
        let mut f = Flows::default();
        for (pid, fd) in [(1, 3), (2, 5)] {
            let open = call(
                pid,
                0,
                "openat",
                [-100i64 as u64, 0, 1, 0, 0, 0],
                fd,
                path("/tmp/f"),
            );
            f.call(&with_files(open, &[file(fd as i32, libc::S_IFIFO, 40)]));
        }
        f.call(&call(1, 100, "write", [3, 0, 2, 0, 0, 0], 2, vec![]));
        f.call(&call(2, 105, "read", [5, 0, 64, 0, 0, 0], 2, vec![]));
        assert_eq!(pairs(f), [(Kind::Fifo, 1, 2)]);
    }

    #[test]
    fn a_stream_connection_both_ways_whichever_returns_first() {
        // The order the recording has them in: accept before connect, connect before accept,
        // and the client's write before the accept (its socket's peer then still unknown).
        for order in [
            "accept connect write",
            "connect accept write",
            "connect write accept",
        ] {
            let mut f = Flows::default();
            let stream = |fd, ino, peer| sock(fd, ino, peer, SOCK_STREAM);
            let socket = |pid, fd: i32, ino| {
                let c = call(pid, 0, "socket", [1, 1, 0, 0, 0, 0], fd.into(), vec![]);
                with_files(c, &[stream(fd, ino, 0)])
            };
            f.call(&socket(1, 3, 9));
            f.call(&call(1, 0, "bind", [3, 0, 9, 0, 0, 0], 0, unix("/tmp/s")));
            f.call(&socket(2, 5, 10));
            // The connecting socket's peer, read as connect returned: the accepted one (11),
            // or not yet (0) when connect returned first.
            let peer = if order.starts_with("accept") { 11 } else { 0 };
            let connect = call(2, 20, "connect", [5, 0, 9, 0, 0, 0], 0, unix("/tmp/s"));
            let connect = with_files(connect, &[stream(5, 10, peer)]);
            let accept = call(1, 10, "accept", [3, 0, 0, 0, 0, 0], 4, vec![]);
            let accept = with_files(accept, &[stream(4, 11, 10)]);
            let write = call(2, 100, "write", [5, 0, 2, 0, 0, 0], 2, vec![]);
            for step in order.split(' ') {
                f.call(match step {
                    "accept" => &accept,
                    "connect" => &connect,
                    _ => &write,
                });
            }
            f.call(&call(1, 105, "read", [4, 0, 64, 0, 0, 0], 2, vec![]));
            f.call(&call(1, 200, "sendto", [4, 0, 2, 0, 0, 0], 2, vec![]));
            f.call(&call(2, 205, "recvfrom", [5, 0, 64, 0, 0, 0], 2, vec![]));
            let labels: Vec<String> = (0..2).filter_map(|i| f.label(i)).collect();
            assert_eq!(
                labels,
                [
                    "unix stream from socket:[10]",
                    "unix stream from socket:[11]"
                ]
            );
            assert_eq!(
                pairs(f),
                [(Kind::UnixStream, 2, 1), (Kind::UnixStream, 1, 2)],
                "{order}"
            );
        }
    }

    #[test]
    fn a_socketpair_of_datagrams_ends_to_ends() {
        let mut f = Flows::default();
        let pair = call(1, 0, "socketpair", [1, 2, 0, 0x10, 0, 0], 0, fds(3, 4));
        let ids = [sock(3, 60, 61, SOCK_DGRAM), sock(4, 61, 60, SOCK_DGRAM)];
        f.call(&with_files(pair, &ids));
        f.proc(&fork(1, 2));
        f.call(&call(2, 100, "write", [4, 0, 2, 0, 0, 0], 2, vec![]));
        // A read on the same end does not take it.
        f.call(&call(2, 105, "read", [4, 0, 64, 0, 0, 0], 2, vec![]));
        f.call(&call(1, 110, "read", [3, 0, 64, 0, 0, 0], 2, vec![]));
        assert_eq!(pairs(f), [(Kind::UnixDgram, 2, 1)]);
    }

    #[test]
    fn datagrams_to_a_bound_address() {
        let mut f = Flows::default();
        let dgram = |pid, fd: i32, ino| {
            let c = call(pid, 0, "socket", [1, 2, 0, 0, 0, 0], fd.into(), vec![]);
            with_files(c, &[sock(fd, ino, 0, SOCK_DGRAM)])
        };
        f.call(&dgram(1, 3, 20));
        f.call(&call(1, 0, "bind", [3, 0, 9, 0, 0, 0], 0, unix("/tmp/d")));
        f.call(&dgram(2, 7, 21));
        let send_to = |t, to: &str| {
            let mut send = call(2, t, "sendto", [7, 0, 2, 0, 0, 0], 2, vec![]);
            send.enter_caps = smallvec::smallvec![cap(CK_BYTES, b"hi"), {
                let mut a = unix(to).remove(0);
                a.hdr.op = 1;
                a
            }];
            send
        };
        f.call(&send_to(100, "/tmp/d"));
        // To an address no traced socket is bound to: nothing takes it out.
        f.call(&send_to(101, "/tmp/elsewhere"));
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
            c.exit_caps = msg(mtype).into();
            f.call(&c);
        }
        let got: Vec<(u64, u64)> = f
            .finish()
            .iter()
            .map(|f| (f.from.start, f.to.start))
            .collect();
        assert_eq!(got, [(0, 60), (20, 40)]);

        let mut f = Flows::default();
        let open = call(1, 0, "mq_open", [0, CLOEXEC, 0o600, 0, 0, 0], 3, path("/q"));
        f.call(&with_files(open, &[file(3, libc::S_IFREG, 30)]));
        f.proc(&fork(1, 2));
        f.call(&call(1, 10, "mq_timedsend", [3, 0, 2, 1, 0, 0], 0, vec![]));
        f.call(&call(1, 20, "mq_timedsend", [3, 0, 2, 9, 0, 0], 0, vec![]));
        let receive = |t| call(2, t, "mq_timedreceive", [3, 0, 64, 0, 0, 0], 2, vec![]);
        f.call(&receive(30));
        f.call(&receive(50));
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
