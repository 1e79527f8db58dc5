//! Which calls moved data from one process to another: the two ends of a pipe, a socketpair or
//! a connected UNIX stream socket, as far as the trace tells them. Kept simple: each process's
//! descriptors are followed from the call that created them (`pipe2`, `socketpair`, `connect`
//! and `accept` on a bound UNIX address), copied at `fork`, dropped at `close`, at `exec` when
//! close-on-exec, and at exit. A read is paired with the oldest unpaired write into the same
//! end that started before the read returned (a stream delivers in order).
//!
//! What it cannot see: descriptors passed over `SCM_RIGHTS`, `dup2`, or calls outside the
//! traced set (a whole-system trace without `close` may keep a closed descriptor's number).

use std::collections::{HashMap, VecDeque};

use crate::decode::sockaddr::SockAddr;
use crate::syscalls::Arg;
use crate::trace::{Call, Proc};

/// `O_CLOEXEC` and `SOCK_CLOEXEC` (the same bit on x86).
const CLOEXEC: u64 = 0o2000000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pipe,
    SocketPair,
    UnixStream,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pipe => "pipe",
            Kind::SocketPair => "socketpair",
            Kind::UnixStream => "unix stream",
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

struct Transfer {
    obj: usize,
    /// The end the data comes out of.
    to_end: u8,
    send: bool,
    at: Point,
}

#[derive(Default)]
pub struct Flows {
    /// Per process: its descriptors that are ends of known objects.
    fds: HashMap<u32, HashMap<i32, Fd>>,
    objs: Vec<Kind>,
    waiting: HashMap<Vec<u8>, Waiting>,
    transfers: Vec<Transfer>,
}

/// The UNIX address a bind or connect names, as a key (the path up to its NUL, or `@` and the
/// abstract name).
fn unix_key(c: &Call) -> Option<Vec<u8>> {
    match c.sockaddr_arg()? {
        SockAddr::Unix { path, .. } => {
            let end = path.iter().position(|b| *b == 0).unwrap_or(path.len());
            Some(path[..end].to_vec())
        }
        SockAddr::Abstract(name) => Some([b"@".as_slice(), &name].concat()),
        _ => None,
    }
}

/// The two descriptors `pipe2` or `socketpair` returned.
fn fd_pair(c: &Call) -> Option<(i32, i32)> {
    let op = c.row.args.iter().find_map(|(_, a)| match a {
        Arg::FdPair(op) => Some(*op),
        _ => None,
    })?;
    let cap = c.exit_caps.iter().find(|k| k.hdr.op == op && k.ok())?;
    let a = i32::from_le_bytes(cap.data.get(0..4)?.try_into().ok()?);
    let b = i32::from_le_bytes(cap.data.get(4..8)?.try_into().ok()?);
    Some((a, b))
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
        match c.row.name {
            "pipe" | "pipe2" | "socketpair" if ret == 0 => {
                let Some((a, b)) = fd_pair(c) else { return };
                let (kind, flags) = match c.row.name {
                    "socketpair" => (Kind::SocketPair, c.args[1]),
                    "pipe2" => (Kind::Pipe, c.args[1]),
                    _ => (Kind::Pipe, 0),
                };
                let cloexec = flags & CLOEXEC != 0;
                let obj = self.new_obj(kind);
                self.set(
                    pid,
                    a,
                    Fd::End {
                        obj,
                        end: 0,
                        cloexec,
                    },
                );
                self.set(
                    pid,
                    b,
                    Fd::End {
                        obj,
                        end: 1,
                        cloexec,
                    },
                );
            }
            // A new socket reuses a number whose object is gone.
            "socket" if ret >= 0 => self.unset(pid, ret as i32),
            "bind" if ret == 0 => {
                if let Some(key) = unix_key(c) {
                    self.set(
                        pid,
                        fd,
                        Fd::Listener {
                            key,
                            cloexec: false,
                        },
                    );
                }
            }
            "connect" if ret == 0 => {
                if let Some(key) = unix_key(c) {
                    let obj = self.pair(key, false);
                    self.set(
                        pid,
                        fd,
                        Fd::End {
                            obj,
                            end: 0,
                            cloexec: false,
                        },
                    );
                }
            }
            "accept" | "accept4" if ret >= 0 => {
                let listener = match self.get(pid, fd) {
                    Some(Fd::Listener { key, .. }) => Some(key.clone()),
                    _ => None,
                };
                match listener {
                    Some(key) => {
                        let obj = self.pair(key, true);
                        let cloexec = c.row.name == "accept4" && c.args[3] & CLOEXEC != 0;
                        self.set(
                            pid,
                            ret as i32,
                            Fd::End {
                                obj,
                                end: 1,
                                cloexec,
                            },
                        );
                    }
                    None => self.unset(pid, ret as i32),
                }
            }
            "close" if ret == 0 => self.unset(pid, fd),
            "write" | "send" | "sendto" | "sendmsg" if ret > 0 => {
                if let Some(Fd::End { obj, end, .. }) = self.get(pid, fd).cloned() {
                    // A pipe's data comes out of its read end, a socket's out of the other one.
                    let to_end = match self.objs.get(obj) {
                        Some(Kind::Pipe) => 0,
                        _ => 1 - end,
                    };
                    self.transfers.push(Transfer {
                        obj,
                        to_end,
                        send: true,
                        at,
                    });
                }
            }
            "read" | "recv" | "recvfrom" | "recvmsg" if ret > 0 => {
                if let Some(Fd::End { obj, end, .. }) = self.get(pid, fd).cloned() {
                    self.transfers.push(Transfer {
                        obj,
                        to_end: end,
                        send: false,
                        at,
                    });
                }
            }
            _ => {}
        }
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

    /// Pair the reads with the writes, per end.
    pub fn finish(self) -> Vec<Flow> {
        let mut by_end: HashMap<(usize, u8), (Vec<Point>, Vec<Point>)> = HashMap::new();
        for t in &self.transfers {
            let e = by_end.entry((t.obj, t.to_end)).or_default();
            if t.send { &mut e.0 } else { &mut e.1 }.push(t.at);
        }
        let mut flows = Vec::new();
        for ((obj, _), (mut sends, mut recvs)) in by_end {
            let kind = self.objs.get(obj).copied().unwrap_or(Kind::Pipe);
            sends.sort_by_key(|p| p.start);
            recvs.sort_by_key(|p| p.stop);
            let mut next = sends.iter().peekable();
            for r in recvs {
                if let Some(s) = next.next_if(|s| s.start <= r.stop) {
                    flows.push(Flow {
                        kind,
                        from: *s,
                        to: r,
                    });
                }
            }
        }
        flows.sort_by_key(|f| (f.from.start, f.to.stop));
        flows
    }
}
