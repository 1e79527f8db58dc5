//! What each descriptor of each traced process is, at each moment of the trace: strace's `-y`
//! (`read(3</etc/hostname>, ...)`) and `-yy` (`write(4<UNIX-STREAM:[10527->10528]>, ...)`),
//! and the `fds` of a JSON Lines record.
//!
//! The model learns only from the recorded events, so a replay or an export of a recording
//! says what the recording machine's kernel said, never what this machine's /proc says:
//! - the kernel side reads the file behind every descriptor a call returns (`OP_FD_FILE`, a
//!   [`FileId`]): its inode, type, device number, and for a socket its family, type and (UNIX)
//!   the peer's inode;
//! - the row's [`Effect`] says the rest: the path an `open` named (made absolute against the
//!   `dirfd` or the working directory, which `chdir` and `fchdir` change), what `dup` copies,
//!   an anonymous inode's name, the address `bind` gave a socket, what `close`, `unlink` and
//!   `mq_unlink` end;
//! - the descriptors the traced command began with, and its working directory, are read once
//!   from /proc when tracer starts it ([`Fds::begin`]), never per call: reading
//!   `/proc/PID/fd/N` holds a reference on the file for the length of the read (fs/proc/fd.c
//!   `proc_fd_link`), which can delay the program's own last `close`.
//!
//! Where tracer and strace differ (strace reads /proc and `sock_diag` when it prints), the
//! difference is written down in docs/trace-format.md ("Descriptors").

use crate::fasthash::{FastMap, FastSet};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

#[cfg(test)]
use serde_json::Value;
use tracer_common::{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, FileId, SockAddrs};

use crate::decode::consts::Consts;
use crate::decode::sockaddr::SockAddr;
use crate::recording::format::Start;
use crate::syscalls::{Arg, Effect, Ret};
use crate::trace::Call;

/// How much to say about a descriptor in text: strace's `-y` and `-yy`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    #[default]
    Off,
    /// `-y`: paths, and the type and inode of what has no path.
    Paths,
    /// `-yy`: also sockets' protocols, peers and names, devices' numbers, pidfds' processes.
    Full,
}

impl Detail {
    /// From the number of `-y` flags given.
    pub fn from_count(n: u8) -> Detail {
        match n {
            0 => Detail::Off,
            1 => Detail::Paths,
            _ => Detail::Full,
        }
    }
}

/// `AT_FDCWD` (include/uapi/linux/fcntl.h).
pub const AT_FDCWD: i32 = -100;
/// fcntl's duplicating commands (include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h).
const F_DUPFD: u64 = 0;
const F_DUPFD_CLOEXEC: u64 = 1030;
const F_SETFD: u64 = 2;
/// close_range's flag that marks instead of closing (include/uapi/linux/close_range.h).
const CLOSE_RANGE_CLOEXEC: u64 = 1 << 2;
/// include/linux/net.h (`enum sock_type`).
const SOCK_STREAM: u16 = 1;
const SOCK_DGRAM: u16 = 2;
const SOCK_RAW: u16 = 3;
/// `EBADF` (include/uapi/asm-generic/errno-base.h): a `close` that closed nothing.
const EBADF: i64 = 9;

/// What kind of object a descriptor refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// A regular file or a directory (`dir`), by path.
    File { dir: bool },
    /// A named FIFO, by path.
    Fifo,
    /// A device, by path and number.
    Device { block: bool },
    /// An anonymous pipe (`pipe:[ino]`).
    Pipe,
    Socket {
        family: u16,
        ty: u16,
        /// `socket`'s protocol, as the call that made it passed it (`None` when not seen).
        proto: Option<u16>,
    },
    /// `anon_inode:NAME`.
    Anon(&'static str),
    /// A pidfd of this process.
    Pidfd(u32),
    /// `/memfd:NAME`.
    Memfd,
    /// A POSIX message queue, `/NAME`.
    Mqueue,
    /// What `/proc/PID/fd/N` said when tracing began (a descriptor made before).
    Link,
    /// A descriptor whose call tracer saw but could not tell the object of.
    Unknown,
}

#[derive(Clone, Debug)]
struct Obj {
    kind: Kind,
    ino: u64,
    /// A file's absolute path (or the path as given, when the directory it is relative to is
    /// unknown); a memfd's or queue's name; a UNIX socket's bound name (`@` first for an
    /// abstract one); `/proc`'s text for a [`Kind::Link`]. Raw bytes: escaped when shown.
    name: Option<Box<[u8]>>,
    /// A UNIX socket's peer's inode number.
    peer: u64,
    /// An internet or netlink socket's addresses, as the kernel side last read them.
    net: Option<SockAddrs>,
    rdev: u32,
    deleted: bool,
    /// Descriptors (in any process) that refer to it.
    refs: u32,
}

impl Obj {
    fn new(kind: Kind, ino: u64) -> Obj {
        Obj {
            kind,
            ino,
            name: None,
            peer: 0,
            net: None,
            rdev: 0,
            deleted: false,
            refs: 0,
        }
    }

    /// The object the kernel side read, when nothing else says more.
    fn from_file(f: &FileId) -> Obj {
        let kind = match f.mode & libc::S_IFMT {
            libc::S_IFSOCK => Kind::Socket {
                family: f.family,
                ty: f.sock_type,
                proto: None,
            },
            libc::S_IFIFO => Kind::Pipe,
            libc::S_IFCHR => Kind::Device { block: false },
            libc::S_IFBLK => Kind::Device { block: true },
            libc::S_IFDIR => Kind::File { dir: true },
            libc::S_IFREG => Kind::File { dir: false },
            _ => Kind::Unknown,
        };
        Obj {
            peer: f.peer,
            rdev: f.rdev,
            ..Obj::new(kind, f.ino)
        }
    }
}

pub type ObjId = u64;

/// An IPC object as [`Fds::ipc`] and [`Fds::object`] tell it. `ino` is 0 where the recording
/// does not say (made before tracer read the file behind each new descriptor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipc<'a> {
    /// A socket: its family, type, its peer's inode (a connected UNIX socket, 0 when unknown)
    /// and, for a UNIX socket, its bound name (`@` first for an abstract one).
    Socket {
        ino: u64,
        family: u16,
        ty: u16,
        peer: u64,
        name: Option<&'a [u8]>,
    },
    Pipe {
        ino: u64,
    },
    /// A named FIFO, by its path.
    Fifo {
        ino: u64,
        name: Option<&'a [u8]>,
    },
    /// A POSIX message queue, by its name (`/q`).
    Mqueue {
        ino: u64,
        name: Option<&'a [u8]>,
    },
}

/// Every traced process's descriptor table and working directory.
#[derive(Default)]
/// Its maps are looked up several times a call: tracer's fast hash (`fasthash`), keyed by
/// process, descriptor, inode and tracer's own object ids.
pub struct Fds {
    objs: FastMap<ObjId, Obj>,
    next: ObjId,
    /// By process (thread group): descriptor -> object.
    tables: FastMap<u32, FastMap<i32, ObjId>>,
    cwd: FastMap<u32, Box<[u8]>>,
    /// Sockets by inode, to give a socket the peer an `accept` revealed.
    sockets: FastMap<u64, ObjId>,
    /// Descriptors marked close-on-exec, by (process, descriptor): an `execve` closes them.
    cloexec: FastSet<(u32, i32)>,
    /// The recording machine's top-level symbolic links to directories, by name without the
    /// `/` (`lib`), each with the components of what it resolves to (`usr`, `lib`).
    links: Vec<TopLink>,
    /// Counts the changes to what descriptors are: a [`JsonSlot`] made at another count is
    /// stale. Calls that only use descriptors (`read`, `write`) leave it.
    changes: u64,
    /// Recent `fds` entries ([`Fds::json_into`]), direct-mapped by process and descriptor.
    json: Vec<JsonSlot>,
}

/// One cached JSON Lines `fds` entry: descriptor `fd` of `pid` as it was at `changes`.
#[derive(Default)]
struct JsonSlot {
    pid: u32,
    fd: i32,
    changes: u64,
    filled: bool,
    bytes: Vec<u8>,
}

/// How many `fds` entries [`Fds::json_into`] keeps.
const JSON_SLOTS: usize = 64;

/// A top-level symbolic link's name (`lib`) and the components it resolves to (`usr`, `lib`).
type TopLink = (Box<[u8]>, Vec<Box<[u8]>>);

impl Fds {
    /// The traced command `pid` as tracer started it: its working directory and the
    /// descriptors it inherited, each as `/proc/PID/fd/N` reads (`/dev/pts/0`, `pipe:[N]`).
    pub fn begin(&mut self, start: &Start) {
        self.changes += 1;
        let pid = start.pid;
        self.cwd.insert(pid, start.cwd.as_slice().into());
        self.links = start
            .links
            .iter()
            .filter_map(|(name, to)| {
                let name = name.strip_prefix(b"/")?;
                let parts = to
                    .split(|b| *b == b'/')
                    .filter(|p| !p.is_empty())
                    .map(Box::from)
                    .collect();
                (!name.is_empty() && !name.contains(&b'/')).then(|| (name.into(), parts))
            })
            .collect();
        for (fd, link) in &start.fds {
            let dev = start.devices.iter().find(|d| d.0 == *fd);
            let kind = dev.map_or(Kind::Link, |d| Kind::Device { block: d.2 });
            let obj = Obj {
                name: Some(link.as_slice().into()),
                rdev: dev.map_or(0, |d| d.1),
                ..Obj::new(kind, 0)
            };
            self.install(pid, *fd, obj);
        }
    }

    /// A new process: a copy of its parent's table and working directory; a new thread
    /// shares its process's.
    pub fn fork(&mut self, parent: u32, child: u32, thread: bool) {
        self.changes += 1;
        if thread || parent == child {
            return;
        }
        if let Some(t) = self.tables.get(&parent).cloned() {
            for id in t.values() {
                if let Some(o) = self.objs.get_mut(id) {
                    o.refs += 1;
                }
            }
            let marked: Vec<i32> = t
                .keys()
                .copied()
                .filter(|fd| self.cloexec.contains(&(parent, *fd)))
                .collect();
            self.cloexec
                .extend(marked.into_iter().map(|fd| (child, fd)));
            self.tables.insert(child, t);
        }
        if let Some(c) = self.cwd.get(&parent).cloned() {
            self.cwd.insert(child, c);
        }
    }

    /// Process `pid` has run a new program: its close-on-exec descriptors are closed
    /// (fs/exec.c `do_close_on_exec`).
    pub fn exec(&mut self, pid: u32) {
        self.changes += 1;
        let marked: Vec<i32> = self
            .tables
            .get(&pid)
            .map(|t| {
                t.keys()
                    .copied()
                    .filter(|fd| self.cloexec.contains(&(pid, *fd)))
                    .collect()
            })
            .unwrap_or_default();
        for fd in marked {
            self.close(pid, fd);
        }
    }

    /// Process `pid` has ended: its descriptors are closed.
    pub fn exit(&mut self, pid: u32) {
        self.changes += 1;
        if let Some(t) = self.tables.remove(&pid) {
            for (fd, id) in t {
                self.cloexec.remove(&(pid, fd));
                self.unref(id);
            }
        }
        self.cwd.remove(&pid);
    }

    fn install(&mut self, pid: u32, fd: i32, obj: Obj) -> ObjId {
        let id = self.next;
        self.next += 1;
        if matches!(obj.kind, Kind::Socket { .. }) && obj.ino != 0 {
            self.sockets.insert(obj.ino, id);
        }
        self.objs.insert(id, obj);
        self.point(pid, fd, id);
        id
    }

    /// Descriptor `fd` of `pid` now refers to object `id`.
    fn point(&mut self, pid: u32, fd: i32, id: ObjId) {
        self.cloexec.remove(&(pid, fd));
        if let Some(o) = self.objs.get_mut(&id) {
            o.refs += 1;
        }
        if let Some(old) = self.tables.entry(pid).or_default().insert(fd, id) {
            self.unref(old);
        }
    }

    fn close(&mut self, pid: u32, fd: i32) {
        self.cloexec.remove(&(pid, fd));
        if let Some(id) = self.tables.get_mut(&pid).and_then(|t| t.remove(&fd)) {
            self.unref(id);
        }
    }

    fn unref(&mut self, id: ObjId) {
        let Some(o) = self.objs.get_mut(&id) else {
            return;
        };
        o.refs = o.refs.saturating_sub(1);
        if o.refs == 0 {
            let ino = o.ino;
            self.objs.remove(&id);
            if self.sockets.get(&ino) == Some(&id) {
                self.sockets.remove(&ino);
            }
        }
    }

    fn get(&self, pid: u32, fd: i32) -> Option<&Obj> {
        self.objs.get(self.tables.get(&pid)?.get(&fd)?)
    }

    /// The IPC object descriptor `fd` of `pid` refers to, when this model knows it by its
    /// inode: what the live view's Objects pane asks (live/resolve.rs) before it would read
    /// `/proc/PID/fd`.
    pub fn ipc(&self, pid: u32, fd: i32) -> Option<Ipc<'_>> {
        self.object(pid, fd)
            .map(|(_, ipc)| ipc)
            .filter(|ipc| match ipc {
                Ipc::Socket { ino, .. }
                | Ipc::Pipe { ino }
                | Ipc::Fifo { ino, .. }
                | Ipc::Mqueue { ino, .. } => *ino != 0,
            })
    }

    /// The IPC object descriptor `fd` of `pid` refers to, with the model's own identity for
    /// it: one object for both ends of a pipe, and for every descriptor that shares one open
    /// file (`dup`, `fork`, `SCM_RIGHTS`), stable for its life. What the data flows of an
    /// export follow (recording/flows.rs), falling back on that identity where the recording
    /// has no inode numbers.
    pub fn object(&self, pid: u32, fd: i32) -> Option<(ObjId, Ipc<'_>)> {
        let id = self.id_of(pid, fd)?;
        let o = self.objs.get(&id)?;
        let name = o.name.as_deref();
        let ino = o.ino;
        let ipc = match o.kind {
            Kind::Socket { family, ty, .. } => Ipc::Socket {
                ino,
                family,
                ty,
                peer: o.peer,
                name,
            },
            Kind::Pipe => Ipc::Pipe { ino },
            Kind::Fifo => Ipc::Fifo { ino, name },
            Kind::Mqueue => Ipc::Mqueue { ino, name },
            _ => return None,
        };
        Some((id, ipc))
    }

    /// Whether the model knows what descriptor `fd` of `pid` is (an IPC object or not).
    pub fn has(&self, pid: u32, fd: i32) -> bool {
        self.id_of(pid, fd).is_some()
    }

    /// What the live view read of a descriptor the model did not know, one made before tracing
    /// began (a whole-system trace): the inode and file type behind `/proc/PID/fd/N`
    /// (`socket:[N]`, `pipe:[N]`), with a FIFO's path. Never in a replay: a recording's
    /// descriptors come from its events alone.
    pub fn learn(&mut self, pid: u32, f: &FileId, path: Option<&[u8]>) {
        self.changes += 1;
        let mut obj = Obj::from_file(f);
        // The call that made it may have said more: a socket's family and type.
        if let (Kind::Socket { .. }, Some(o)) = (&obj.kind, self.get(pid, f.fd))
            && matches!(o.kind, Kind::Socket { family, .. } if family != 0)
        {
            obj.kind = o.kind.clone();
        }
        if let Some(p) = path {
            if obj.kind == Kind::Pipe {
                obj.kind = Kind::Fifo;
            }
            obj.name = Some(p.into());
        }
        self.install(pid, f.fd, obj);
    }

    fn id_of(&self, pid: u32, fd: i32) -> Option<ObjId> {
        self.tables.get(&pid)?.get(&fd).copied()
    }

    /// `path` made absolute against descriptor `dirfd` (a directory) or the working
    /// directory, `.` and `..` folded as the kernel walks them (without following symbolic
    /// links: see docs/trace-format.md). `None` when the directory is not known.
    fn absolute(&self, pid: u32, dirfd: Option<i32>, path: &[u8]) -> Option<Vec<u8>> {
        let base: &[u8] = if path.first() == Some(&b'/') {
            b"/"
        } else {
            match dirfd.filter(|d| *d != AT_FDCWD) {
                Some(fd) => match self.get(pid, fd)? {
                    Obj {
                        kind: Kind::File { .. } | Kind::Link,
                        name: Some(n),
                        ..
                    } if n.first() == Some(&b'/') => n,
                    _ => return None,
                },
                None => self.cwd.get(&pid)?,
            }
        };
        let mut parts: Vec<&[u8]> = Vec::new();
        for part in base.split(|b| *b == b'/').chain(path.split(|b| *b == b'/')) {
            match part {
                b"" | b"." => {}
                b".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
            // A top-level symbolic link is followed where the kernel follows it, before a
            // later `..` (`/lib/../etc` is `/usr/etc` when `/lib` is `usr/lib`).
            if let [first] = parts.as_slice()
                && let Some((_, to)) = self.links.iter().find(|(n, _)| **n == **first)
            {
                parts = to.iter().map(|p| &**p).collect();
            }
        }
        let mut out = Vec::with_capacity(path.len() + base.len() + 1);
        for p in &parts {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        Some(out)
    }

    /// What the completed call `call` did to the descriptors of its process.
    pub fn apply(&mut self, call: &Call) {
        // Every change below is made by a call that `shapes` descriptors, except descriptors
        // received (counted in `apply_effect`) and sockets learned (in `learn_sockets`).
        if shapes(call.row) {
            self.changes += 1;
        }
        self.apply_effect(call);
        self.learn_sockets(call);
        let Some(ret) = call.ret.filter(|r| *r >= 0) else {
            return;
        };
        let pid = call.pid;
        // fcntl(fd, F_SETFD, flags): FD_CLOEXEC is bit 0 (include/uapi/asm-generic/fcntl.h).
        if call.row.effect == Effect::Dups && call.row.ret == Ret::Fcntl && call.args[1] == F_SETFD
        {
            let fd = call.args[0] as i32;
            if call.args[2] & 1 != 0 {
                self.cloexec.insert((pid, fd));
            } else {
                self.cloexec.remove(&(pid, fd));
            }
            return;
        }
        if !cloexec(call) {
            return;
        }
        let made: Vec<i32> = match call.row.effect {
            Effect::NewPipe { .. } | Effect::NewSocketPair => call
                .fd_pair()
                .map(|p| p.map(|fd| fd as i32).to_vec())
                .unwrap_or_default(),
            _ if matches!(call.row.ret, Ret::Fd | Ret::Fcntl) => vec![ret as i32],
            _ => Vec::new(),
        };
        for fd in made {
            if self.id_of(pid, fd).is_some() {
                self.cloexec.insert((pid, fd));
            }
        }
    }

    /// What the kernel side read of the sockets the call made or named, as it returned: an
    /// internet or netlink socket's addresses (`CK_SOCK`: after `bind`, `connect`, `listen`,
    /// a first `sendto`, `accept`), and the peer a `connect` gave a UNIX datagram socket.
    fn learn_sockets(&mut self, call: &Call) {
        let pid = call.pid;
        let mut changed = false;
        if let Some(f) = call.named_file()
            && f.peer != 0
            && let Some(o) = self.socket_mut(pid, f.fd)
            && (o.ino == f.ino || o.ino == 0)
            && o.peer != f.peer
        {
            o.peer = f.peer;
            changed = true;
        }
        for a in call.sock_addrs() {
            if let Some(o) = self.socket_mut(pid, a.fd)
                && o.net != Some(a)
            {
                o.net = Some(a);
                changed = true;
            }
        }
        if changed {
            self.changes += 1;
        }
    }

    fn socket_mut(&mut self, pid: u32, fd: i32) -> Option<&mut Obj> {
        let id = self.id_of(pid, fd)?;
        self.objs
            .get_mut(&id)
            .filter(|o| matches!(o.kind, Kind::Socket { .. }))
    }

    fn apply_effect(&mut self, call: &Call) {
        let Some(ret) = call.ret else {
            return;
        };
        let pid = call.pid;
        let ok = ret >= 0;
        let row = call.row;
        let fd0 = call.args[0] as i32;
        match row.effect {
            Effect::Closes => {
                if ret != -EBADF {
                    self.close(pid, fd0);
                }
                return;
            }
            Effect::ClosesRange if ok && call.args[2] & CLOSE_RANGE_CLOEXEC == 0 => {
                let (lo, hi) = (call.args[0] as u32, call.args[1] as u32);
                let fds: Vec<i32> = self
                    .tables
                    .get(&pid)
                    .map(|t| {
                        t.keys()
                            .copied()
                            .filter(|fd| (lo..=hi).contains(&(*fd as u32)))
                            .collect()
                    })
                    .unwrap_or_default();
                for fd in fds {
                    self.close(pid, fd);
                }
                return;
            }
            _ if !ok => return,
            // A name only the kernel knew (autobind): learned as the program asks for it.
            Effect::TellsName => {
                let name = unix_name(call.sockaddr_out());
                if let (Some(name), Some(id)) =
                    (name.filter(|n| !n.is_empty()), self.id_of(pid, fd0))
                    && let Some(o) = self.objs.get_mut(&id)
                    && o.name.as_deref().is_none_or(<[u8]>::is_empty)
                {
                    o.name = Some(name.into());
                }
                return;
            }
            Effect::Names => {
                let name = unix_name(call.sockaddr_arg());
                // `bind` with only the family autobinds (net/unix/af_unix.c
                // `unix_autobind`): the kernel's name is learned from getsockname.
                let name = name.filter(|n| !n.is_empty());
                if let (Some(name), Some(id)) = (name, self.id_of(pid, fd0))
                    && let Some(o) = self.objs.get_mut(&id)
                {
                    o.name = Some(name.into());
                }
                return;
            }
            Effect::ChangesDir => {
                let dir = match path_arg(call) {
                    Some(p) => self.absolute(pid, None, p),
                    None => self.get(pid, fd0).and_then(|o| match o.kind {
                        Kind::File { .. } | Kind::Link => o.name.as_deref().map(<[u8]>::to_vec),
                        _ => None,
                    }),
                };
                match dir {
                    Some(d) => self.cwd.insert(pid, d.into()),
                    None => self.cwd.remove(&pid),
                };
                return;
            }
            Effect::Unlinks | Effect::UnlinksMq => {
                let Some(p) = path_arg(call) else { return };
                let (name, mq) = if row.effect == Effect::UnlinksMq {
                    (Some(mq_name(p)), true)
                } else {
                    (self.absolute(pid, dirfd_arg(call), p), false)
                };
                let Some(name) = name else { return };
                for o in self.objs.values_mut() {
                    let fits = if mq {
                        o.kind == Kind::Mqueue
                    } else {
                        matches!(o.kind, Kind::File { .. } | Kind::Fifo | Kind::Device { .. })
                    };
                    if fits && o.name.as_deref() == Some(name.as_slice()) {
                        o.deleted = true;
                    }
                }
                return;
            }
            _ => {}
        }
        // A call that only uses descriptors (`read`, `write`) and received none: nothing below
        // applies to it (every arm needs an effect, a descriptor returned or one received).
        if !shapes(row) && received_fds(call).is_empty() {
            return;
        }
        let files: Vec<FileId> = call.created_files().collect();
        let file = |fd: i32| files.iter().find(|f| f.fd == fd);
        let received = received_fds(call);
        if !received.is_empty() {
            self.changes += 1;
            self.receive(call, &received, &files);
            return;
        }
        match row.effect {
            _ if writes_pair(call) => {
                let Some([a, b]) = call.fd_pair() else {
                    return;
                };
                let pipe = matches!(row.effect, Effect::NewPipe { .. });
                let [fa, fb] = [a as i32, b as i32];
                let obj_of = |fd: i32| match file(fd) {
                    // A recording's older file layout (`FILE_ID_V1`) has no family: the call's.
                    Some(f) if !pipe && f.family == 0 => Obj {
                        kind: socket_kind_of(call),
                        ..Obj::from_file(f)
                    },
                    Some(f) => Obj::from_file(f),
                    None if pipe => Obj::new(Kind::Pipe, 0),
                    None => Obj::new(socket_kind_of(call), 0),
                };
                if pipe {
                    // Both ends are one pipe: one object.
                    let id = self.install(pid, fa, obj_of(fa));
                    self.point(pid, fb, id);
                } else {
                    let (mut oa, mut ob) = (obj_of(fa), obj_of(fb));
                    if oa.peer == 0 {
                        oa.peer = ob.ino;
                    }
                    if ob.peer == 0 {
                        ob.peer = oa.ino;
                    }
                    self.install(pid, fa, oa);
                    self.install(pid, fb, ob);
                }
                return;
            }
            _ => {}
        }
        if !matches!(row.ret, Ret::Fd | Ret::Fcntl) {
            return;
        }
        let fd = ret as i32;
        let made = file(fd);
        match row.effect {
            Effect::Dups => {
                if !returns_fd(call) {
                    return;
                }
                match self.id_of(pid, fd0) {
                    Some(id) if fd != fd0 => self.point(pid, fd, id),
                    Some(_) => {}
                    None => {
                        let obj = made.map_or(Obj::new(Kind::Unknown, 0), Obj::from_file);
                        self.install(pid, fd, obj);
                    }
                }
            }
            Effect::Accepts { .. } => {
                let listener = self.get(pid, fd0).cloned();
                let mut obj = made.map_or(Obj::new(Kind::Unknown, 0), Obj::from_file);
                if let Some(l) = listener {
                    match (&mut obj.kind, &l.kind) {
                        (Kind::Unknown, k) => obj.kind = k.clone(),
                        // Read without its family (`FILE_ID_V1`): the listener's.
                        (Kind::Socket { family: 0, .. }, k @ Kind::Socket { .. }) => {
                            obj.kind = k.clone();
                        }
                        (Kind::Socket { proto, .. }, Kind::Socket { proto: p, .. }) => *proto = *p,
                        _ => {}
                    }
                    // The accepted socket has the listener's address (net/unix/af_unix.c
                    // `unix_stream_connect`: `newsk`'s `addr` is `otheru->addr`).
                    obj.name.clone_from(&l.name);
                }
                let (ino, peer) = (obj.ino, obj.peer);
                self.install(pid, fd, obj);
                // The connecting end now has a peer with a file.
                if peer != 0
                    && let Some(o) = self.sockets.get(&peer).and_then(|id| self.objs.get_mut(id))
                    && o.peer == 0
                {
                    o.peer = ino;
                }
            }
            Effect::Opens | Effect::OpensMq | Effect::NewMemfd => {
                let mut obj = made.map_or(Obj::new(Kind::Unknown, 0), Obj::from_file);
                let p = path_arg(call).unwrap_or_default();
                match row.effect {
                    Effect::Opens => {
                        obj.kind = match obj.kind {
                            Kind::Pipe => Kind::Fifo,
                            Kind::Unknown => Kind::File { dir: false },
                            k => k,
                        };
                        obj.name = Some(
                            self.absolute(pid, dirfd_arg(call), p)
                                .unwrap_or_else(|| p.to_vec())
                                .into(),
                        );
                    }
                    Effect::OpensMq => {
                        obj.kind = Kind::Mqueue;
                        obj.name = Some(mq_name(p).into());
                    }
                    _ => {
                        obj.kind = Kind::Memfd;
                        obj.name = Some(p.into());
                        obj.deleted = true;
                    }
                }
                self.install(pid, fd, obj);
            }
            Effect::NewAnon(name) => {
                let ino = made.map_or(0, |f| f.ino);
                self.install(pid, fd, Obj::new(Kind::Anon(name), ino));
            }
            Effect::NewPidfd => {
                let ino = made.map_or(0, |f| f.ino);
                self.install(pid, fd, Obj::new(Kind::Pidfd(call.args[0] as u32), ino));
            }
            Effect::NewSocket => {
                let mut obj = made.map_or(Obj::new(socket_kind_of(call), 0), Obj::from_file);
                match &mut obj.kind {
                    Kind::Socket { family, proto, .. } if *family != 0 => {
                        *proto = Some(call.args[2] as u16);
                    }
                    k => *k = socket_kind_of(call),
                }
                self.install(pid, fd, obj);
            }
            _ if row.ret == Ret::Fd => {
                // A descriptor from a call the model has no rule for: what the kernel read,
                // else unknown (never the object that number referred to before).
                let obj = made.map_or(Obj::new(Kind::Unknown, 0), Obj::from_file);
                self.install(pid, fd, obj);
            }
            _ => {}
        }
    }

    /// The descriptors a `recvmsg` received (`SCM_RIGHTS`, `SCM_PIDFD`), which the kernel
    /// installed in the caller's table. Each refers to the file the sender passed: when the
    /// kernel side read it (`CK_FILE`, the first `MAX_RECV_FDS`) and the model already knows an
    /// object with that inode (the sender's descriptor, its path), the new descriptor refers to
    /// that very object, as it does in the kernel (one `struct file`, net/core/scm.c
    /// `scm_detach_fds`); else to what the kernel side read; else its number alone.
    fn receive(&mut self, call: &Call, received: &[(i32, i32)], files: &[FileId]) {
        use crate::decode::cmsg::SCM_PIDFD;
        // include/linux/socket.h: the received descriptors are made close-on-exec.
        const MSG_CMSG_CLOEXEC: u64 = 0x4000_0000;
        let pid = call.pid;
        for &(ty, fd) in received {
            if fd < 0 {
                continue;
            }
            let f = files.iter().find(|f| f.fd == fd);
            let known = f.and_then(|f| self.known(f));
            if let Some(id) = known {
                self.point(pid, fd, id);
            } else {
                let obj = match f {
                    Some(f) if ty == SCM_PIDFD => Obj::new(Kind::Anon("[pidfd]"), f.ino),
                    None if ty == SCM_PIDFD => Obj::new(Kind::Anon("[pidfd]"), 0),
                    Some(f) => Obj::from_file(f),
                    None => Obj::new(Kind::Unknown, 0),
                };
                self.install(pid, fd, obj);
            }
            if call.args[2] & MSG_CMSG_CLOEXEC != 0 {
                self.cloexec.insert((pid, fd));
            }
        }
    }

    /// An object the model knows with the inode and file type the kernel side read. Anonymous
    /// inodes are left out: every `anon_inode:` file shares one inode (fs/anon_inodes.c).
    fn known(&self, f: &FileId) -> Option<ObjId> {
        if f.ino == 0 {
            return None;
        }
        let kind = Obj::from_file(f).kind;
        if matches!(kind, Kind::Socket { .. }) {
            return self.sockets.get(&f.ino).copied();
        }
        self.objs
            .iter()
            .find(|(_, o)| {
                o.ino == f.ino
                    && matches!(
                        (&o.kind, &kind),
                        (
                            Kind::File { .. } | Kind::Memfd | Kind::Mqueue,
                            Kind::File { .. }
                        ) | (Kind::Pipe | Kind::Fifo, Kind::Pipe)
                            | (Kind::Device { .. }, Kind::Device { .. })
                    )
            })
            .map(|(id, _)| *id)
    }

    /// The protocol of descriptor `fd` of `pid` when it is a netlink socket whose `socket`
    /// call the model saw (`NETLINK_ROUTE`...): its data are netlink messages.
    pub fn netlink(&self, pid: u32, fd: i32) -> Option<u16> {
        match self.get(pid, fd)?.kind {
            Kind::Socket {
                family: AF_NETLINK,
                proto,
                ..
            } => proto,
            _ => None,
        }
    }

    /// `AT_FDCWD`'s annotation: the working directory, when known.
    pub fn cwd_text(&self, pid: u32, out: &mut String) -> bool {
        let Some(c) = self.cwd.get(&pid) else {
            return false;
        };
        out.push('<');
        push_escaped(out, c);
        out.push('>');
        true
    }

    /// Append what descriptor `fd` of `pid` is, as strace shows it after the number
    /// (`</etc/hostname>`, `<UNIX-STREAM:[10527->10528]>`); false (nothing appended) when it
    /// is not known or `detail` is off.
    pub fn describe(&self, pid: u32, fd: i32, detail: Detail, out: &mut String) -> bool {
        if detail == Detail::Off {
            return false;
        }
        let Some(o) = self.get(pid, fd) else {
            return false;
        };
        let full = detail == Detail::Full;
        out.push('<');
        match &o.kind {
            Kind::File { .. } | Kind::Fifo | Kind::Link | Kind::Mqueue => {
                if let Some(n) = &o.name {
                    push_escaped(out, n);
                }
            }
            Kind::Device { block } => {
                if let Some(n) = &o.name {
                    push_escaped(out, n);
                }
                if full {
                    // The kernel's dev_t: major << 20 | minor (include/linux/kdev_t.h).
                    let kind = if *block { "block" } else { "char" };
                    let _ = write!(out, "<{kind} {}:{}>", o.rdev >> 20, o.rdev & 0xf_ffff);
                }
            }
            Kind::Memfd => {
                out.push_str("/memfd:");
                if let Some(n) = &o.name {
                    push_escaped(out, n);
                }
            }
            Kind::Pipe => {
                let _ = write!(out, "pipe:[{}]", o.ino);
            }
            Kind::Socket { family, ty, proto } => {
                let name = if full {
                    protocol(*family, *ty, *proto)
                } else {
                    None
                };
                match name {
                    None => {
                        let _ = write!(out, "socket:[{}]", o.ino);
                    }
                    Some(p) => {
                        out.push_str(p);
                        out.push_str(":[");
                        // strace reads no raw socket's addresses (its inet_diag requests ask
                        // for TCP, UDP, UDPLITE, DCCP and SCTP): `RAW:[ino]`.
                        let raw_inet = *ty == SOCK_RAW && *family != AF_NETLINK;
                        if !raw_inet && net_text(o, *family, *proto, out) {
                            out.push_str("]>");
                            return true;
                        }
                        let _ = write!(out, "{}", o.ino);
                        if o.peer != 0 {
                            let _ = write!(out, "->{}", o.peer);
                        }
                        if *family == AF_UNIX
                            && let Some(n) = &o.name
                        {
                            // strace: `,"/path"` or `,@"abstract"`.
                            if let Some(abs) = n.strip_prefix(b"@") {
                                out.push_str(",@\"");
                                push_escaped(out, abs);
                            } else {
                                out.push_str(",\"");
                                push_escaped(out, n);
                            }
                            out.push('"');
                        }
                        out.push(']');
                    }
                }
            }
            Kind::Anon(name) => {
                out.push_str("anon_inode:");
                out.push_str(name);
            }
            Kind::Pidfd(p) if full => {
                let _ = write!(out, "pid:{p}");
            }
            Kind::Pidfd(_) => out.push_str("anon_inode:[pidfd]"),
            Kind::Unknown => {
                out.pop();
                return false;
            }
        }
        out.push('>');
        if o.deleted {
            out.push_str("(deleted)");
        }
        true
    }

    /// The JSON Lines `fds` entry of descriptor `fd` of `pid`, appended to `out` (after a
    /// comma when `out` holds an entry already): `{"fd":4,"kind":"unix-stream","ino":10527,
    /// "peer":10528}`, `{"fd":3,"kind":"file","path":"/etc/hostname"}`. Nothing for a
    /// descriptor the model does not know.
    pub fn json_into(&mut self, pid: u32, fd: i32, out: &mut Vec<u8>) {
        if self.json.is_empty() {
            self.json.resize_with(JSON_SLOTS, JsonSlot::default);
        }
        let h = pid.wrapping_mul(0x9e37_79b9) ^ (fd as u32).wrapping_mul(0x85eb_ca6b);
        let i = (h >> 26) as usize % JSON_SLOTS;
        let mut slot = std::mem::take(&mut self.json[i]);
        if !(slot.filled && slot.changes == self.changes && slot.pid == pid && slot.fd == fd) {
            slot.bytes.clear();
            self.entry_json(pid, fd, &mut slot.bytes);
            (slot.pid, slot.fd, slot.changes, slot.filled) = (pid, fd, self.changes, true);
        }
        if !slot.bytes.is_empty() {
            if !out.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(&slot.bytes);
        }
        self.json[i] = slot;
    }

    /// [`Fds::json_into`]'s entry, made afresh.
    fn entry_json(&self, pid: u32, fd: i32, out: &mut Vec<u8>) {
        let Some(o) = self.get(pid, fd) else {
            return;
        };
        let kind = match &o.kind {
            Kind::File { dir: true } => "dir",
            Kind::File { dir: false } => "file",
            Kind::Fifo => "fifo",
            Kind::Device { block: true } => "block-device",
            Kind::Device { block: false } => "char-device",
            Kind::Pipe => "pipe",
            Kind::Socket { family, ty, .. } => socket_json_kind(*family, *ty),
            Kind::Anon(n) => n.trim_matches(['[', ']']),
            Kind::Pidfd(_) => "pidfd",
            Kind::Memfd => "memfd",
            Kind::Mqueue => "mqueue",
            Kind::Link => "inherited",
            Kind::Unknown => return,
        };
        fd_json(out, fd, kind, o);
    }

    /// [`Fds::json_into`] of one descriptor, as a value.
    #[cfg(test)]
    pub fn json(&mut self, pid: u32, fd: i32) -> Option<Value> {
        let mut out = Vec::new();
        self.json_into(pid, fd, &mut out);
        (!out.is_empty()).then(|| serde_json::from_slice(&out).expect("valid JSON"))
    }
}

/// One entry of a record's `fds`, appended to `out`.
fn fd_json(out: &mut Vec<u8>, fd: i32, kind: &str, o: &Obj) {
    use crate::jsonl::{Obj as J, escaped_into, str_into};
    use std::io::Write as _;
    // The two fields every entry has, as literal pieces.
    out.extend_from_slice(b"{\"fd\":");
    out.extend_from_slice(itoa::Buffer::new().format(fd).as_bytes());
    out.extend_from_slice(b",\"kind\":");
    str_into(out, kind);
    let mut m = J::continuing(out);
    if o.ino != 0 {
        m.u64("ino", o.ino);
    }
    if o.peer != 0 {
        m.u64("peer", o.peer);
    }
    if let Some(n) = &o.name {
        let key = match o.kind {
            Kind::Socket { .. } => "name",
            Kind::Link => "link",
            _ => "path",
        };
        escaped_into(m.key(key), n);
    }
    if let Kind::Pidfd(p) = o.kind {
        m.u64("pid", u64::from(p));
    }
    if let (Kind::Socket { family, proto, .. }, Some(a)) = (&o.kind, &o.net) {
        match *family {
            AF_NETLINK if a.portid != 0 => {
                if let Some(p) = netlink_protocol(*proto) {
                    m.str("protocol", p);
                }
                m.u64("port_id", u64::from(a.portid));
            }
            AF_INET | AF_INET6 if a.num != 0 => {
                let (local, remote) = inet_ends(*family, a);
                let _ = write!(m.key("local"), "\"{local}\"");
                if let Some(r) = remote {
                    let _ = write!(m.key("remote"), "\"{r}\"");
                }
            }
            _ => {}
        }
    }
    if let Kind::Device { .. } = o.kind {
        let _ = write!(m.key("rdev"), "\"{}:{}\"", o.rdev >> 20, o.rdev & 0xf_ffff);
    }
    if o.deleted {
        m.raw("deleted", b"true");
    }
    m.end();
}

/// What process `pid` has open now, and its working directory, from /proc, to
/// [`Fds::begin`] a command tracer starts: tracer's own, read just before it starts the
/// command, which inherits them (record.rs); once per command, never per call. A descriptor
/// marked close-on-exec (`flags` in `/proc/PID/fdinfo/N` with `O_CLOEXEC`) is left out: the
/// command does not keep it past its `execve`.
pub fn snapshot(pid: u32) -> Start {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut start = Start {
        pid,
        cwd: std::fs::read_link(format!("/proc/{pid}/cwd"))
            .map(|p| p.as_os_str().as_bytes().to_vec())
            .unwrap_or_default(),
        links: root_links(),
        ..Start::default()
    };
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return start;
    };
    for e in dir.flatten() {
        let Some(fd) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let cloexec = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
            .ok()
            .and_then(|info| {
                let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
                u32::from_str_radix(flags.trim(), 8).ok()
            })
            .is_some_and(|f| f & libc::O_CLOEXEC as u32 != 0);
        let Ok(link) = std::fs::read_link(e.path()) else {
            continue;
        };
        if cloexec {
            continue;
        }
        // The device behind a terminal or /dev/null (the link's target, stat'ed).
        if let Ok(m) = std::fs::metadata(e.path())
            && (m.file_type().is_char_device() || m.file_type().is_block_device())
        {
            start
                .devices
                .push((fd, kernel_dev(m.rdev()), m.file_type().is_block_device()));
        }
        start.fds.push((fd, link.as_os_str().as_bytes().to_vec()));
    }
    start.fds.sort();
    start
}

/// A `stat` device number (glibc's encoding, `gnu_dev_major`/`gnu_dev_minor`) as the kernel's
/// `dev_t`: major << 20 | minor (include/linux/kdev_t.h `MKDEV`).
fn kernel_dev(rdev: u64) -> u32 {
    let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
    let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
    ((major as u32) << 20) | (minor as u32 & 0xf_ffff)
}

/// Whether the call's result is a descriptor: a new one, or fcntl's `F_DUPFD` copy.
/// Whether calls of `row` change what descriptors are: they make, copy, close or name one, or
/// move the working directory (the calls a trace of other calls still needs for `-y`).
pub fn shapes(row: &crate::syscalls::Row) -> bool {
    row.effect != Effect::None || matches!(row.ret, Ret::Fd | Ret::Fcntl)
}

pub fn returns_fd(call: &Call) -> bool {
    match call.row.ret {
        Ret::Fd => true,
        Ret::Fcntl => {
            call.row.effect == Effect::Dups && matches!(call.args[1], F_DUPFD | F_DUPFD_CLOEXEC)
        }
        _ => false,
    }
}

/// The descriptors a successful `recvmsg` received in its control messages (`SCM_RIGHTS`,
/// `SCM_PIDFD`), each with its message's type: new in the caller's table when the call
/// returns.
pub fn received_fds(call: &Call) -> Vec<(i32, i32)> {
    let at_exit = call.row.args.iter().any(|(_, a)| match a {
        Arg::MsgHdr(op) => call.row.ops.get(usize::from(*op)).is_some_and(|o| o.exit),
        _ => false,
    });
    if !at_exit || call.ret.is_none_or(|r| r < 0) {
        return Vec::new();
    }
    crate::decode::passed_fds(&call.view())
}

/// Whether the call's arguments are best described as the call left the descriptors: it made
/// a pair (`pipe`, `socketpair`), received descriptors (`recvmsg`'s `SCM_RIGHTS`), or told a
/// socket's name (getsockname: strace's `-yy` shows the name the kernel holds then).
pub fn describes_after(call: &Call) -> bool {
    writes_pair(call) || call.row.effect == Effect::TellsName || !received_fds(call).is_empty()
}

/// Whether the call writes a new pair of descriptors (pipe, socketpair): its result is that
/// pair, shown as the call made it.
pub fn writes_pair(call: &Call) -> bool {
    matches!(
        call.row.effect,
        Effect::NewPipe { .. } | Effect::NewSocketPair
    )
}

/// Whether the call marks the descriptors it makes close-on-exec: `O_CLOEXEC` in its flags
/// (`SOCK_CLOEXEC`, `EFD_CLOEXEC`, `EPOLL_CLOEXEC`, `SFD_CLOEXEC`, `TFD_CLOEXEC`, `IN_CLOEXEC`
/// are all `O_CLOEXEC`, 0o2000000: include/uapi/asm-generic/fcntl.h, include/linux/net.h,
/// eventfd.h, uapi/linux/eventpoll.h, signalfd.h, timerfd.h, inotify.h), `MFD_CLOEXEC` (1,
/// include/uapi/linux/memfd.h), `F_DUPFD_CLOEXEC`; `pidfd_open` always sets it
/// (kernel/pid.c `pidfd_create`).
fn cloexec(call: &Call) -> bool {
    const O_CLOEXEC: u64 = 0o2_000_000;
    if call.row.effect == Effect::NewPidfd {
        return true;
    }
    if call.row.effect == Effect::Dups && call.row.ret == Ret::Fcntl {
        return call.args[1] == F_DUPFD_CLOEXEC;
    }
    call.row.args.iter().enumerate().any(|(i, (_, a))| {
        let v = call.args[i];
        match a {
            Arg::OpenFlags
            | Arg::SockType
            | Arg::SockFlags
            | Arg::PipeFlags
            | Arg::Const(
                Consts::EventfdFlags
                | Consts::EpollFlags
                | Consts::SignalfdFlags
                | Consts::TimerfdFlags
                | Consts::InotifyFlags
                | Consts::Dup3Flags,
            ) => v & O_CLOEXEC != 0,
            Arg::MemfdFlags => v & 1 != 0,
            _ => false,
        }
    })
}

/// The symbolic links to directories in `/` and where they resolve to (`/lib` ->
/// `/usr/lib`), once per command: the entries of one directory.
fn root_links() -> Vec<(Vec<u8>, Vec<u8>)> {
    use std::os::unix::ffi::OsStrExt;
    let Ok(dir) = std::fs::read_dir("/") else {
        return Vec::new();
    };
    dir.flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
        .filter_map(|e| {
            let to = std::fs::canonicalize(e.path()).ok()?;
            to.is_dir().then(|| {
                (
                    e.path().as_os_str().as_bytes().to_vec(),
                    to.as_os_str().as_bytes().to_vec(),
                )
            })
        })
        .collect()
}

/// The socket kind `socket(domain, type, ..)` or `socketpair` asks for (the type without its
/// `SOCK_NONBLOCK`/`SOCK_CLOEXEC` bits: `SOCK_TYPE_MASK` 0xf, include/linux/net.h).
fn socket_kind_of(call: &Call) -> Kind {
    Kind::Socket {
        family: call.args[0] as u16,
        ty: (call.args[1] & 0xf) as u16,
        proto: Some(call.args[2] as u16),
    }
}

/// strace's protocol names with `-yy` (strace 6.1, src/socketutils.c: `UNIX-STREAM` for a
/// stream socket, `UNIX` for the others; `TCP`, `UDP`, `TCPv6`, `UDPv6`, `RAW`, `RAWv6`,
/// `NETLINK`; measured); `None` where it shows `socket:[ino]` (`IPPROTO_UDPLITE`, `AF_PACKET`).
/// An internet socket's protocol is its type's default, 0 or that protocol's number
/// (include/uapi/linux/in.h).
fn protocol(family: u16, ty: u16, proto: Option<u16>) -> Option<&'static str> {
    const IPPROTO_TCP: u16 = 6;
    const IPPROTO_UDP: u16 = 17;
    let default = |want: u16| proto.is_none_or(|p| p == 0 || p == want);
    Some(match (family, ty) {
        (AF_UNIX, SOCK_STREAM) => "UNIX-STREAM",
        (AF_UNIX, _) => "UNIX",
        (AF_INET, SOCK_STREAM) if default(IPPROTO_TCP) => "TCP",
        (AF_INET, SOCK_DGRAM) if default(IPPROTO_UDP) => "UDP",
        (AF_INET6, SOCK_STREAM) if default(IPPROTO_TCP) => "TCPv6",
        (AF_INET6, SOCK_DGRAM) if default(IPPROTO_UDP) => "UDPv6",
        (AF_INET, SOCK_RAW) => "RAW",
        (AF_INET6, SOCK_RAW) => "RAWv6",
        (AF_NETLINK, _) => "NETLINK",
        _ => return None,
    })
}

fn socket_json_kind(family: u16, ty: u16) -> &'static str {
    match (family, ty) {
        (AF_UNIX, SOCK_STREAM) => "unix-stream",
        (AF_UNIX, SOCK_DGRAM) => "unix-dgram",
        (AF_UNIX, 5) => "unix-seqpacket",
        (AF_UNIX, _) => "unix",
        (AF_INET, SOCK_STREAM) => "tcp",
        (AF_INET, SOCK_DGRAM) => "udp",
        (AF_INET6, SOCK_STREAM) => "tcp6",
        (AF_INET6, SOCK_DGRAM) => "udp6",
        (AF_NETLINK, _) => "netlink",
        _ => "socket",
    }
}

/// An internet socket's local address and port, and its peer's when it has one, as strace
/// writes them (`127.0.0.1:5000`, `[::1]:5000`; src/socketutils.c `inet_parse_response`: a
/// peer when its port or its address is not 0).
fn inet_ends(family: u16, a: &SockAddrs) -> (SocketAddr, Option<SocketAddr>) {
    let (local, remote): (IpAddr, IpAddr) = if family == AF_INET6 {
        (a.v6_saddr.into(), a.v6_daddr.into())
    } else {
        (a.saddr.into(), a.daddr.into())
    };
    let dport = u16::from_be(a.dport_be);
    let peer = dport != 0 || !remote.is_unspecified();
    (
        SocketAddr::new(local, a.num),
        peer.then(|| SocketAddr::new(remote, dport)),
    )
}

/// A netlink protocol's name without its `NETLINK_` (strace's `-yy`: `NETLINK:[ROUTE:1234]`).
fn netlink_protocol(proto: Option<u16>) -> Option<&'static str> {
    let proto = u64::from(proto?);
    crate::decode::flags::NETLINK_PROTOCOLS
        .iter()
        .find(|(v, _)| *v == proto)
        .and_then(|(_, n)| n.strip_prefix("NETLINK_"))
}

/// What a bound internet or netlink socket is, as strace's `-yy` shows it between the
/// brackets (`127.0.0.1:5000->127.0.0.1:41234`, `[::1]:5000`, `ROUTE:1234`); false (nothing
/// written) when it is not bound yet or the kernel side did not read it: strace then finds no
/// `sock_diag` entry and shows the inode.
fn net_text(o: &Obj, family: u16, proto: Option<u16>, out: &mut String) -> bool {
    let Some(a) = &o.net else { return false };
    match family {
        AF_INET | AF_INET6 if a.num != 0 => {
            let (local, remote) = inet_ends(family, a);
            let _ = write!(out, "{local}");
            if let Some(r) = remote {
                let _ = write!(out, "->{r}");
            }
            true
        }
        AF_NETLINK if a.portid != 0 => match netlink_protocol(proto) {
            Some(p) => {
                let _ = write!(out, "{p}:{}", a.portid);
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// A UNIX socket's name as this model keeps it: the path up to its NUL, or `@` and the
/// abstract name (empty for a bind with only the family: an autobind).
pub fn unix_name(addr: Option<SockAddr>) -> Option<Vec<u8>> {
    match addr? {
        SockAddr::Unix { path, .. } => {
            Some(path.split(|b| *b == 0).next().unwrap_or_default().to_vec())
        }
        SockAddr::Abstract(name) => Some([b"@".as_slice(), &name].concat()),
        _ => None,
    }
}

/// A queue's name as `/proc/PID/fd` shows it: `/NAME` (the mqueue file system's root).
fn mq_name(p: &[u8]) -> Vec<u8> {
    let p = p.strip_prefix(b"/").unwrap_or(p);
    [b"/".as_slice(), p].concat()
}

/// Bytes as strace prints a descriptor's path between `<` and `>`: escaped as any string a
/// program chose, and `<`, `>` too (strace's `print_quoted_string_ex` with `"<>"`).
fn push_escaped(out: &mut String, b: &[u8]) {
    crate::decode::quote_into(b, b"<>", out);
}

/// The call's path argument as copied at entry, up to its NUL.
fn path_arg(call: &Call) -> Option<&[u8]> {
    call.row.args.iter().find_map(|(_, a)| match a {
        // At entry, or at exit when the entry's copy faulted (a string not yet paged in).
        Arg::Path(op) => call
            .enter_caps
            .iter()
            .chain(&call.exit_caps)
            .find(|c| c.hdr.op == *op && c.ok())
            .map(|c| c.data.split(|b| *b == 0).next().unwrap_or_default()),
        _ => None,
    })
}

/// The call's `dirfd` argument, if it has one.
fn dirfd_arg(call: &Call) -> Option<i32> {
    let i = call
        .row
        .args
        .iter()
        .position(|(_, a)| matches!(a, Arg::DirFd))?;
    Some(call.args[i] as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Capture;
    use crate::live::testdata;
    use tracer_common::{CAP_OK, CK_BYTES, CK_FILE, CK_STR, CaptureHeader, FILE_ID_V2};

    const PID: u32 = 40;

    fn call(name: &str, args: &[u64], ret: i64) -> Call {
        let mut c = testdata::call(PID, name, ret);
        c.args = [0; 6];
        c.args[..args.len()].copy_from_slice(args);
        c.raw_args = c.args;
        c
    }

    fn cap(op: u8, kind: u8, sub: u8, data: Vec<u8>) -> Capture {
        Capture {
            hdr: CaptureHeader {
                op,
                kind,
                sub,
                status: CAP_OK,
                len: data.len() as u16,
                ..Default::default()
            },
            data: data.into(),
        }
    }

    /// `c` with its path argument (capture op `op`) copied at entry.
    fn with_path(mut c: Call, op: u8, path: &[u8]) -> Call {
        let mut d = path.to_vec();
        d.push(0);
        c.enter_caps.push(cap(op, CK_STR, 0, d));
        c
    }

    /// `c` with the files the kernel side read at exit.
    fn with_ids(mut c: Call, ids: &[FileId]) -> Call {
        let d = crate::live::testdata::file_ids_v2(ids);
        let op = c.row.ops.len() as u8 - 1;
        c.exit_caps.push(cap(op, CK_FILE, FILE_ID_V2, d));
        c
    }

    fn sock(fd: i32, ino: u64, peer: u64, ty: u16) -> FileId {
        FileId {
            fd,
            mode: libc::S_IFSOCK,
            ino,
            peer,
            rdev: 0,
            family: AF_UNIX,
            sock_type: ty,
        }
    }

    fn text(f: &Fds, fd: i32, d: Detail) -> String {
        let mut s = String::new();
        f.describe(PID, fd, d, &mut s);
        s
    }

    fn open(f: &mut Fds, name: &str, dirfd: Option<i64>, path: &str, fd: i64, mode: u32) {
        let c = match dirfd {
            Some(d) => with_path(call(name, &[d as u64, 0x1000], fd), 0, path.as_bytes()),
            None => with_path(call(name, &[0x1000], fd), 0, path.as_bytes()),
        };
        let id = FileId {
            fd: fd as i32,
            mode,
            ino: 77,
            rdev: (1 << 20) | 3,
            ..FileId::default()
        };
        f.apply(&with_ids(c, &[id]));
    }

    #[test]
    fn paths_are_made_absolute_against_the_working_directory_and_dirfd() {
        let mut f = Fds::default();
        f.begin(&Start {
            pid: PID,
            cwd: b"/home/u".to_vec(),
            fds: vec![(1, b"/dev/pts/0".to_vec()), (2, b"pipe:[9]".to_vec())],
            devices: vec![(1, (136 << 20) | 2, false)],
            ..Start::default()
        });
        assert_eq!(text(&f, 1, Detail::Full), "</dev/pts/0<char 136:2>>");
        assert_eq!(text(&f, 2, Detail::Full), "<pipe:[9]>");
        // /dev/null as stat gives it: 1:3.
        assert_eq!(kernel_dev(0x103), (1 << 20) | 3);
        assert_eq!(kernel_dev(0x8802), (136 << 20) | 2);
        let mut cwd = String::new();
        f.cwd_text(PID, &mut cwd);
        assert_eq!(cwd, "</home/u>");
        assert_eq!(text(&f, 1, Detail::Paths), "</dev/pts/0>");
        open(
            &mut f,
            "openat",
            Some(-100),
            "a/../b/./c.txt",
            3,
            libc::S_IFREG,
        );
        assert_eq!(text(&f, 3, Detail::Paths), "</home/u/b/c.txt>");
        f.apply(&with_path(call("chdir", &[0x1000], 0), 0, b"/tmp"));
        open(&mut f, "open", None, "x", 4, libc::S_IFREG);
        assert_eq!(text(&f, 4, Detail::Paths), "</tmp/x>");
        open(&mut f, "openat", Some(-100), "/etc", 5, libc::S_IFDIR);
        open(&mut f, "openat", Some(5), "hostname", 6, libc::S_IFREG);
        assert_eq!(text(&f, 6, Detail::Paths), "</etc/hostname>");
        f.apply(&call("fchdir", &[5], 0));
        cwd.clear();
        f.cwd_text(PID, &mut cwd);
        assert_eq!(cwd, "</etc>");
        // A device's number only with -yy; an unknown descriptor says nothing.
        open(&mut f, "openat", Some(-100), "/dev/null", 7, libc::S_IFCHR);
        assert_eq!(text(&f, 7, Detail::Paths), "</dev/null>");
        assert_eq!(text(&f, 7, Detail::Full), "</dev/null<char 1:3>>");
        assert_eq!(text(&f, 9, Detail::Full), "");
        assert_eq!(text(&f, 6, Detail::Off), "");
        // What a program chose is escaped, `<` and `>` too.
        open(
            &mut f,
            "openat",
            Some(-100),
            "/t/a>\x1b[2J",
            8,
            libc::S_IFREG,
        );
        assert_eq!(text(&f, 8, Detail::Paths), "</t/a\\76\\33[2J>");
        open(
            &mut f,
            "openat",
            Some(-100),
            "/t/\u{e9}<1",
            8,
            libc::S_IFREG,
        );
        assert_eq!(text(&f, 8, Detail::Paths), "</t/\\303\\251\\0741>");
    }

    #[test]
    fn socket_pairs_and_accepted_connections_name_their_peers() {
        let mut f = Fds::default();
        let mut pair = call("socketpair", &[1, 1, 0, 0x1000], 0);
        pair.exit_caps.push(cap(
            0,
            CK_BYTES,
            0,
            [3i32.to_le_bytes(), 4i32.to_le_bytes()].concat(),
        ));
        f.apply(&with_ids(
            pair,
            &[sock(3, 100, 101, 1), sock(4, 101, 100, 1)],
        ));
        assert_eq!(text(&f, 3, Detail::Full), "<UNIX-STREAM:[100->101]>");
        assert_eq!(text(&f, 4, Detail::Paths), "<socket:[101]>");

        let listen = with_ids(call("socket", &[1, 1, 0], 5), &[sock(5, 200, 0, 1)]);
        f.apply(&listen);
        let mut bind = testdata::bind(PID);
        bind.args[0] = 5;
        f.apply(&bind);
        assert_eq!(
            text(&f, 5, Detail::Full),
            "<UNIX-STREAM:[200,\"/tmp/s.sock\"]>"
        );
        let client = with_ids(call("socket", &[1, 1, 0], 6), &[sock(6, 300, 0, 1)]);
        f.apply(&client);
        assert_eq!(text(&f, 6, Detail::Full), "<UNIX-STREAM:[300]>");
        let accept = with_ids(call("accept", &[5, 0, 0], 7), &[sock(7, 201, 300, 1)]);
        f.apply(&accept);
        assert_eq!(
            text(&f, 7, Detail::Full),
            "<UNIX-STREAM:[201->300,\"/tmp/s.sock\"]>"
        );
        // The connecting end learns its peer when the server accepts.
        assert_eq!(text(&f, 6, Detail::Full), "<UNIX-STREAM:[300->201]>");
        let v = f.json(PID, 7).unwrap();
        assert_eq!(v["kind"], "unix-stream");
        assert_eq!(
            (v["ino"].as_u64(), v["peer"].as_u64()),
            (Some(201), Some(300))
        );
        assert_eq!(v["name"], "/tmp/s.sock");
    }

    /// The `fds` entries are cached between calls that change nothing: each change shows in
    /// the next entry asked for.
    #[test]
    fn json_entries_follow_every_change() {
        let mut f = Fds::default();
        let listen = with_ids(call("socket", &[1, 1, 0], 5), &[sock(5, 200, 0, 1)]);
        f.apply(&listen);
        assert!(f.json(PID, 5).unwrap().get("name").is_none());
        let mut bind = testdata::bind(PID);
        bind.args[0] = 5;
        f.apply(&bind);
        assert_eq!(f.json(PID, 5).unwrap()["name"], "/tmp/s.sock");
        let client = with_ids(call("socket", &[1, 1, 0], 6), &[sock(6, 300, 0, 1)]);
        f.apply(&client);
        assert!(f.json(PID, 6).unwrap().get("peer").is_none());
        // A call that only uses the descriptor: the entry stays.
        f.apply(&call("write", &[6, 0, 1], 1));
        assert!(f.json(PID, 6).unwrap().get("peer").is_none());
        f.apply(&with_ids(
            call("accept", &[5, 0, 0], 7),
            &[sock(7, 201, 300, 1)],
        ));
        assert_eq!(f.json(PID, 6).unwrap()["peer"], 201);
        // A peer the kernel side read as the call returned (`learn_sockets`).
        f.apply(&with_ids(
            call("connect", &[6, 0, 0], 0),
            &[sock(6, 300, 202, 1)],
        ));
        assert_eq!(f.json(PID, 6).unwrap()["peer"], 202);
        // The same number, another object.
        f.apply(&call("close", &[6], 0));
        assert!(f.json(PID, 6).is_none());
        open(&mut f, "openat", Some(-100), "/etc/hostname", 6, 0);
        assert_eq!(f.json(PID, 6).unwrap()["path"], "/etc/hostname");
        // Another process with the same descriptor number.
        f.fork(PID, PID + 1, false);
        f.apply(&call("close", &[6], 0));
        assert!(f.json(PID, 6).is_none());
        assert_eq!(f.json(PID + 1, 6).unwrap()["path"], "/etc/hostname");
        f.exit(PID + 1);
        assert!(f.json(PID + 1, 6).is_none());
    }

    #[test]
    fn dup_close_fork_and_exit_follow_the_table() {
        let mut f = Fds::default();
        let mut p = call("pipe2", &[0x1000, 0], 0);
        p.exit_caps.push(cap(
            0,
            CK_BYTES,
            0,
            [3i32.to_le_bytes(), 4i32.to_le_bytes()].concat(),
        ));
        let id = |fd| FileId {
            fd,
            mode: libc::S_IFIFO,
            ino: 55,
            ..FileId::default()
        };
        f.apply(&with_ids(p, &[id(3), id(4)]));
        assert_eq!(text(&f, 3, Detail::Paths), "<pipe:[55]>");
        assert_eq!(text(&f, 4, Detail::Paths), "<pipe:[55]>");
        f.apply(&call("eventfd2", &[0, 0], 9));
        assert_eq!(text(&f, 9, Detail::Paths), "<anon_inode:[eventfd]>");
        // dup2 onto an open descriptor replaces it.
        f.apply(&call("dup2", &[3, 9], 9));
        assert_eq!(text(&f, 9, Detail::Paths), "<pipe:[55]>");
        f.apply(&call("fcntl", &[3, F_DUPFD_CLOEXEC, 20], 20));
        assert_eq!(text(&f, 20, Detail::Paths), "<pipe:[55]>");
        f.apply(&call("fcntl", &[3, 1, 0], 1)); // F_GETFD: no copy.
        assert_eq!(text(&f, 1, Detail::Paths), "");
        f.apply(&call("close", &[3], 0));
        assert_eq!(text(&f, 3, Detail::Paths), "");
        assert_eq!(text(&f, 9, Detail::Paths), "<pipe:[55]>");
        f.apply(&call("close", &[9], -EBADF));
        f.fork(PID, PID + 1, false);
        f.apply(&call("close", &[9], 0));
        assert_eq!(text(&f, 9, Detail::Paths), "");
        let mut child = String::new();
        f.describe(PID + 1, 9, Detail::Paths, &mut child);
        assert_eq!(child, "<pipe:[55]>");
        f.apply(&call("close_range", &[0, 100, 0], 0));
        assert_eq!(text(&f, 20, Detail::Paths), "");
        f.exit(PID + 1);
        assert!(f.objs.is_empty(), "every object is released: {:?}", f.objs);
    }

    #[test]
    fn an_exec_closes_the_close_on_exec_descriptors() {
        let mut f = Fds::default();
        open(&mut f, "openat", Some(-100), "/a", 3, libc::S_IFREG);
        let mut c = call("openat", &[-100i64 as u64, 0x1000, 0o2_000_000], 4);
        c = with_path(c, 0, b"/b");
        f.apply(&c);
        f.apply(&call("eventfd2", &[0, 0o2_000_000], 5));
        f.apply(&call("fcntl", &[3, F_DUPFD_CLOEXEC, 10], 10));
        f.apply(&call("fcntl", &[4, F_SETFD, 0], 0)); // FD_CLOEXEC off again.
        f.apply(&call("dup3", &[3, 11, 0o2_000_000], 11));
        f.fork(PID, PID + 1, false);
        f.exec(PID);
        let open: Vec<i32> = [3, 4, 5, 10, 11]
            .into_iter()
            .filter(|fd| !text(&f, *fd, Detail::Paths).is_empty())
            .collect();
        assert_eq!(open, [3, 4]);
        // The child's copies keep their marks.
        f.exec(PID + 1);
        let mut s = String::new();
        assert!(!f.describe(PID + 1, 5, Detail::Paths, &mut s));
        assert!(f.describe(PID + 1, 4, Detail::Paths, &mut s));
    }

    #[test]
    fn memfds_and_unlinked_queues_are_deleted() {
        let mut f = Fds::default();
        let m = with_path(call("memfd_create", &[0x1000, 0], 3), 0, b"buf");
        f.apply(&m);
        assert_eq!(text(&f, 3, Detail::Paths), "</memfd:buf>(deleted)");
        let q = with_path(call("mq_open", &[0x1000, 2], 4), 0, b"/q");
        f.apply(&q);
        assert_eq!(text(&f, 4, Detail::Paths), "</q>");
        f.apply(&with_path(call("mq_unlink", &[0x1000], 0), 0, b"q"));
        assert_eq!(text(&f, 4, Detail::Paths), "</q>(deleted)");
        assert_eq!(f.json(PID, 4).unwrap()["deleted"], true);
    }

    #[test]
    fn the_older_file_layout_still_reads() {
        let c = testdata::with_files(call("socket", &[1, 2, 0], 3), &[(3, 42, libc::S_IFSOCK)]);
        let ids: Vec<FileId> = c.created_files().collect();
        assert_eq!((ids[0].fd, ids[0].ino, ids[0].peer), (3, 42, 0));
        let mut f = Fds::default();
        f.apply(&c);
        // The socket call's own arguments say what the older capture did not.
        assert_eq!(text(&f, 3, Detail::Full), "<UNIX:[42]>");
    }

    /// A `recvmsg` that received `fds` through SCM_RIGHTS (and a pidfd through SCM_PIDFD):
    /// its header, its control messages and the files the kernel side read for them.
    fn recvmsg(fds: &[i32], pidfd: Option<i32>, flags: u64, ids: &[FileId]) -> Call {
        use tracer_common::{CK_MSG_CONTROL, CK_MSGHDR};
        let mut ctl = Vec::new();
        // struct cmsghdr (include/linux/socket.h): SOL_SOCKET 1, SCM_RIGHTS 1, SCM_PIDFD 4.
        let mut push = |ty: i32, v: &[i32]| {
            let len = 16 + 4 * v.len();
            ctl.extend_from_slice(&(len as u64).to_le_bytes());
            ctl.extend_from_slice(&1i32.to_le_bytes());
            ctl.extend_from_slice(&ty.to_le_bytes());
            for fd in v {
                ctl.extend_from_slice(&fd.to_le_bytes());
            }
            while ctl.len() % 8 != 0 {
                ctl.push(0);
            }
        };
        push(1, fds);
        if let Some(p) = pidfd {
            push(4, &[p]);
        }
        // struct user_msghdr: msg_control at 32, msg_controllen at 40.
        let mut hdr = vec![0u8; 56];
        hdr[32..40].copy_from_slice(&0x5000u64.to_le_bytes());
        hdr[40..48].copy_from_slice(&(ctl.len() as u64).to_le_bytes());
        let mut c = call("recvmsg", &[4, 0x4000, flags], 1);
        c.exit_caps.push(cap(0, CK_MSGHDR, 0, hdr));
        c.exit_caps.push(cap(0, CK_MSG_CONTROL, 0, ctl));
        with_ids(c, ids)
    }

    #[test]
    fn descriptors_received_refer_to_what_the_sender_passed() {
        let mut f = Fds::default();
        f.begin(&Start {
            pid: PID,
            cwd: b"/tmp".to_vec(),
            fds: Vec::new(),
            ..Start::default()
        });
        // The sender (here the same process) opened /tmp/x: inode 77.
        open(&mut f, "open", None, "x", 3, libc::S_IFREG);
        let file = FileId {
            fd: 5,
            mode: libc::S_IFREG,
            ino: 77,
            ..FileId::default()
        };
        let pipe = FileId {
            fd: 6,
            mode: libc::S_IFIFO,
            ino: 90,
            ..FileId::default()
        };
        let c = recvmsg(&[5, 6, 7], None, 0x4000_0000, &[file, pipe]);
        assert_eq!(received_fds(&c), vec![(1, 5), (1, 6), (1, 7)]);
        assert!(describes_after(&c));
        f.apply(&c);
        // One object, as in the kernel: the sender's file, with its path.
        assert_eq!(text(&f, 5, Detail::Paths), "</tmp/x>");
        assert_eq!(f.id_of(PID, 5), f.id_of(PID, 3));
        // What the kernel side read, when the model knew nothing of it.
        assert_eq!(text(&f, 6, Detail::Paths), "<pipe:[90]>");
        // Past the files the kernel side reads: a descriptor by number only.
        assert_eq!(text(&f, 7, Detail::Full), "");
        assert!(f.get(PID, 7).is_some());
        // MSG_CMSG_CLOEXEC (include/linux/socket.h 0x40000000): closed by an exec.
        f.exec(PID);
        assert!(f.get(PID, 5).is_none());
        assert_eq!(text(&f, 3, Detail::Paths), "</tmp/x>");
        // A pidfd the kernel made for the sender.
        let c = recvmsg(&[], Some(8), 0, &[]);
        assert_eq!(received_fds(&c), vec![(4, 8)]);
        f.apply(&c);
        assert_eq!(text(&f, 8, Detail::Full), "<anon_inode:[pidfd]>");
        // A failed recvmsg received nothing.
        let mut c = recvmsg(&[9], None, 0, &[]);
        c.ret = Some(-11);
        assert!(received_fds(&c).is_empty());
        f.apply(&c);
        assert!(f.get(PID, 9).is_none());
    }

    /// `c` with what the kernel side read of socket `a.fd`'s addresses at exit.
    fn with_sock(mut c: Call, a: &SockAddrs) -> Call {
        let mut d = Vec::new();
        d.extend_from_slice(&a.fd.to_le_bytes());
        d.extend_from_slice(&a.family.to_le_bytes());
        d.extend_from_slice(&[a.state, 0]);
        d.extend_from_slice(&a.daddr);
        d.extend_from_slice(&a.saddr);
        d.extend_from_slice(&a.dport_be.to_le_bytes());
        d.extend_from_slice(&a.num.to_le_bytes());
        d.extend_from_slice(&a.portid.to_le_bytes());
        d.extend_from_slice(&a.v6_daddr);
        d.extend_from_slice(&a.v6_saddr);
        assert_eq!(d.len(), size_of::<SockAddrs>());
        let op = c.row.ops.len() as u8 - 1;
        c.exit_caps.push(cap(op, tracer_common::CK_SOCK, 0, d));
        c
    }

    fn inet_sock(fd: i32, family: u16, ino: u64, ty: u16) -> FileId {
        FileId {
            family,
            ..sock(fd, ino, 0, ty)
        }
    }

    /// `local` and `remote` as `sock_common` keeps them: ports in host and network order.
    fn v4(fd: i32, local: ([u8; 4], u16), remote: ([u8; 4], u16)) -> SockAddrs {
        SockAddrs {
            fd,
            family: AF_INET,
            saddr: local.0,
            num: local.1,
            daddr: remote.0,
            dport_be: remote.1.to_be(),
            ..SockAddrs::default()
        }
    }

    #[test]
    #[allow(
        clippy::many_single_char_names,
        reason = "one socket each, as in the C it mirrors"
    )]
    fn internet_and_netlink_sockets_say_what_the_kernel_bound_and_connected_them_to() {
        let mut f = Fds::default();
        let lo = [127, 0, 0, 1];
        // socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3: not bound yet, as strace shows it
        // when sock_diag has no entry.
        let s = inet_sock(3, AF_INET, 500, SOCK_STREAM);
        let none = v4(3, ([0; 4], 0), ([0; 4], 0));
        f.apply(&with_sock(
            with_ids(call("socket", &[2, 1, 0], 3), &[s]),
            &none,
        ));
        assert_eq!(text(&f, 3, Detail::Full), "<TCP:[500]>");
        // bind(3, 127.0.0.1:0): the kernel picked port 5000; listen keeps it.
        let bound = v4(3, (lo, 5000), ([0; 4], 0));
        f.apply(&with_sock(
            with_ids(call("bind", &[3, 0x1000, 16], 0), &[s]),
            &bound,
        ));
        assert_eq!(text(&f, 3, Detail::Full), "<TCP:[127.0.0.1:5000]>");
        assert_eq!(text(&f, 3, Detail::Paths), "<socket:[500]>");
        // accept(3) = 4: the listener's address, the client's as the peer.
        let a = inet_sock(4, AF_INET, 501, SOCK_STREAM);
        let conn = v4(4, (lo, 5000), (lo, 41234));
        f.apply(&with_sock(
            with_ids(call("accept", &[3, 0, 0], 4), &[a]),
            &conn,
        ));
        assert_eq!(
            text(&f, 4, Detail::Full),
            "<TCP:[127.0.0.1:5000->127.0.0.1:41234]>"
        );
        let j = f.json(PID, 4).expect("known");
        assert_eq!(j["kind"], "tcp");
        assert_eq!(j["local"], "127.0.0.1:5000");
        assert_eq!(j["remote"], "127.0.0.1:41234");
        assert!(f.json(PID, 3).expect("known").get("remote").is_none());
        // A UDP socket connected: a peer address and port.
        let u = inet_sock(5, AF_INET6, 502, SOCK_DGRAM);
        let mut six = SockAddrs {
            fd: 5,
            family: AF_INET6,
            num: 33000,
            dport_be: 53u16.to_be(),
            ..SockAddrs::default()
        };
        six.v6_saddr[15] = 1;
        six.v6_daddr[15] = 1;
        f.apply(&with_ids(call("socket", &[10, 2, 0], 5), &[u]));
        assert_eq!(text(&f, 5, Detail::Full), "<UDPv6:[502]>");
        f.apply(&with_sock(
            with_ids(call("connect", &[5, 0x1000, 28], 0), &[u]),
            &six,
        ));
        assert_eq!(text(&f, 5, Detail::Full), "<UDPv6:[[::1]:33000->[::1]:53]>");
        // A netlink socket is named by its protocol and port id once bound.
        let n = FileId {
            family: AF_NETLINK,
            ..sock(6, 503, 0, 3)
        };
        let port = SockAddrs {
            fd: 6,
            family: AF_NETLINK,
            portid: 4242,
            ..SockAddrs::default()
        };
        f.apply(&with_ids(call("socket", &[16, 3, 4], 6), &[n]));
        assert_eq!(text(&f, 6, Detail::Full), "<NETLINK:[503]>");
        f.apply(&with_sock(
            with_ids(call("bind", &[6, 0x1000, 12], 0), &[n]),
            &port,
        ));
        assert_eq!(text(&f, 6, Detail::Full), "<NETLINK:[SOCK_DIAG:4242]>");
        let j = f.json(PID, 6).expect("known");
        assert_eq!(
            (&j["protocol"], &j["port_id"]),
            (&"SOCK_DIAG".into(), &4242.into())
        );
        // A socket the model does not know is left alone.
        f.apply(&with_sock(
            with_ids(call("bind", &[9, 0x1000, 12], -22), &[n]),
            &port,
        ));
        assert!(f.get(PID, 9).is_none());
        // A raw socket: named, its addresses never shown (strace 6.1, measured:
        // `3<RAW:[387537]>`, its `sk_num` being the protocol); UDP-Lite not named.
        let r = inet_sock(7, AF_INET, 504, SOCK_RAW);
        let raw = SockAddrs {
            fd: 7,
            family: AF_INET,
            num: 1,
            ..SockAddrs::default()
        };
        f.apply(&with_sock(
            with_ids(call("socket", &[2, 3, 1], 7), &[r]),
            &raw,
        ));
        assert_eq!(text(&f, 7, Detail::Full), "<RAW:[504]>");
        let l = inet_sock(8, AF_INET, 505, SOCK_DGRAM);
        f.apply(&with_ids(call("socket", &[2, 2, 136], 8), &[l]));
        assert_eq!(text(&f, 8, Detail::Full), "<socket:[505]>");
    }

    #[test]
    fn a_datagram_socket_has_the_peer_connect_gave_it() {
        let mut f = Fds::default();
        let d = sock(3, 600, 0, SOCK_DGRAM);
        f.apply(&with_ids(call("socket", &[1, 2, 0], 3), &[d]));
        assert_eq!(text(&f, 3, Detail::Full), "<UNIX:[600]>");
        // connect(3, "/tmp/srv") = 0: the kernel side read the peer as the call returned.
        f.apply(&with_ids(
            call("connect", &[3, 0x1000, 12], 0),
            &[sock(3, 600, 601, 2)],
        ));
        assert_eq!(text(&f, 3, Detail::Full), "<UNIX:[600->601]>");
        // A reading that names another inode than the model's is not this socket's.
        f.apply(&with_ids(
            call("connect", &[3, 0x1000, 12], 0),
            &[sock(3, 999, 700, 2)],
        ));
        assert_eq!(text(&f, 3, Detail::Full), "<UNIX:[600->601]>");
        // Not "files" a call made: JSON Lines' `files` stays for the descriptors a call made.
        let c = with_ids(
            call("connect", &[3, 0x1000, 12], 0),
            &[sock(3, 600, 601, 2)],
        );
        assert_eq!(c.created_files().count(), 0);
        assert_eq!(c.named_file().map(|f| f.peer), Some(601));
    }

    #[test]
    fn a_path_through_a_top_level_link_is_the_one_the_kernel_resolves() {
        let mut f = Fds::default();
        f.begin(&Start {
            pid: PID,
            cwd: b"/home/u".to_vec(),
            links: vec![(b"/lib".to_vec(), b"/usr/lib".to_vec())],
            ..Start::default()
        });
        let path = |f: &Fds, p: &str| f.absolute(PID, None, p.as_bytes()).map(String::from_utf8);
        assert_eq!(
            path(&f, "/lib/x86_64/libc.so.6"),
            Some(Ok("/usr/lib/x86_64/libc.so.6".into()))
        );
        assert_eq!(path(&f, "/lib"), Some(Ok("/usr/lib".into())));
        // The link is followed before a later `..`, as the kernel walks the path.
        assert_eq!(path(&f, "/lib/../etc/x"), Some(Ok("/usr/etc/x".into())));
        assert_eq!(path(&f, "/./lib/a"), Some(Ok("/usr/lib/a".into())));
        assert_eq!(path(&f, "/library/x"), Some(Ok("/library/x".into())));
        assert_eq!(path(&f, "/usr/lib/a"), Some(Ok("/usr/lib/a".into())));
        // Not a top-level name: left as it is.
        assert_eq!(path(&f, "/home/lib/a"), Some(Ok("/home/lib/a".into())));
        open(&mut f, "open", None, "/lib/libc.so.6", 3, libc::S_IFREG);
        assert_eq!(text(&f, 3, Detail::Paths), "</usr/lib/libc.so.6>");
    }
}
