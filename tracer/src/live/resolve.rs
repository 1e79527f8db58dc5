//! Which kernel object a call used, read from the kernel rather than guessed from names: the
//! inode behind the call's file descriptor, the SysV id a call names or returns, the UNIX
//! sockets' names and peers from `sock_diag` (`sockdiag.rs`), and which traced processes hold
//! each object open now. This runs on the capture side, so the app stays pure.
//!
//! What each descriptor is comes from the one descriptor model (fds.rs), the same that `-y`,
//! the text and JSON Lines writers and the exports' flows ask: the descriptors that calls
//! create come with their files, read in the kernel as the call returned (`OP_FD_FILE`), and
//! the model follows them through `dup`, `fork`, `SCM_RIGHTS`, `exec` and `close`. Only a
//! descriptor the model does not know (made before tracing began, in a whole-system trace) is
//! looked up in `/proc/PID/fd/N`, and only when that surely says what it was during the call;
//! what it says is taught to the model. A process that has already closed it, or exited,
//! leaves the call unresolved (and counted as such), never attributed by guess. A replay's
//! resolver ([`Resolver::for_recording`]) never reads /proc, which would describe the
//! replaying machine, not the recorded one.

use std::collections::HashMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use tracer_common::{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, FileId};

use super::objects::{Holder, Kind, ObjKey, Touch};
use crate::decode::sockaddr::SockAddr;
use crate::fds::{Detail, Fds, Ipc};
use crate::recording::format::Start;
use crate::syscalls::{Effect, Sysv};
use crate::trace::Call;

/// The objects calls used, from the one descriptor model (fds.rs) that `-y`, replays and the
/// exports' flows also ask, and from /proc where the model does not know a descriptor.
#[derive(Default)]
pub struct Resolver {
    /// Calls on a descriptor that was gone when tracer looked.
    pub unresolved: u64,
    /// Descriptors that a `close()` already read, later in the same drain of the ring, closes:
    /// by (pid, fd), how many such closes are still ahead (see [`Resolver::look_ahead`]).
    closes_ahead: crate::fasthash::FastMap<(u32, i64), u32>,
    /// Replaying a recording: everything comes from the events, nothing from /proc.
    offline: bool,
    /// What every descriptor is: it takes in every call in order ([`Resolver::take`]); the
    /// list's `-y`/`-yy` text comes from it too.
    fds: Fds,
    detail: Detail,
    /// What /proc said of a descriptor the call just made and the kernel side did not read,
    /// taught to the model once the call itself has been applied.
    learned: Vec<(u32, FileId, Option<Vec<u8>>)>,
}

/// The kind of socket `socket(domain, type, ..)` or `socketpair(domain, type, ..)` made: the
/// type without its flags (`SOCK_TYPE_MASK` is 0xf, include/linux/net.h, Linux 6.1 and 6.18).
fn socket_kind(domain: u64, ty: u64) -> Kind {
    match u16::try_from(domain) {
        Ok(AF_UNIX) => Kind::unix_of_type(ty & 0xf),
        Ok(AF_NETLINK) => Kind::Netlink,
        Ok(AF_INET | AF_INET6) => Kind::Inet,
        _ => Kind::Socket,
    }
}

/// The SysV object a call names (its first argument) or creates (its result).
fn sysv(call: &Call) -> Option<Touch> {
    let ret = call.ret.filter(|r| *r >= 0);
    let first = call.args[0] as i32 as i64;
    let (id, sysv, created) = match call.row.effect {
        Effect::SysvGet(k) => (ret?, k, true),
        Effect::SysvUses(k) => (first, k, false),
        _ => return None,
    };
    let (key, kind) = match sysv {
        Sysv::MsgQueue => (ObjKey::Msq(id), Kind::MsgQueue),
        Sysv::Semaphores => (ObjKey::Sem(id), Kind::Semaphores),
        Sysv::SharedMemory => (ObjKey::Shm(id), Kind::SharedMemory),
    };
    let name = if created {
        match call.args[0] {
            0 => "IPC_PRIVATE".to_string(),
            k => format!("key {k:#x}"),
        }
    } else {
        String::new()
    };
    Some(Touch { key, kind, name })
}

/// The file behind descriptor `fd` as the kernel side read it when the call returned
/// (`OP_FD_FILE`).
pub(super) fn file_cap(call: &Call, fd: i64) -> Option<FileId> {
    call.created_files().find(|f| i64::from(f.fd) == fd)
}

/// What `/proc/PID/fd/FD` is: `Err` when it is gone, `Ok(None)` when it is no IPC object.
fn lookup(pid: u32, fd: i64) -> Result<Option<Found>, ()> {
    let path = format!("/proc/{pid}/fd/{fd}");
    let link = fs::read_link(&path).map_err(|_| ())?;
    Ok(classify(&path, link.as_os_str().as_bytes()))
}

/// An object /proc told of: its key and kind, a FIFO's path.
type Found = (ObjKey, Kind, Option<Vec<u8>>);

fn classify(path: &str, link: &[u8]) -> Option<Found> {
    let inode = |prefix: &[u8]| -> Option<u64> {
        let n = link.strip_prefix(prefix)?.strip_suffix(b"]")?;
        std::str::from_utf8(n).ok()?.parse().ok()
    };
    if let Some(ino) = inode(b"socket:[") {
        return Some((ObjKey::Inode(ino), Kind::Socket, None));
    }
    if let Some(ino) = inode(b"pipe:[") {
        return Some((ObjKey::Inode(ino), Kind::Pipe, None));
    }
    let meta = fs::metadata(path).ok()?;
    meta.file_type()
        .is_fifo()
        .then(|| (ObjKey::Inode(meta.ino()), Kind::Fifo, Some(link.to_vec())))
}

/// What the Objects pane shows of an object found: its name, else `name` (`socketpair`).
fn touch_of((key, kind, found): Found, name: &str) -> Touch {
    Touch {
        key,
        kind,
        name: found.map_or_else(|| name.to_string(), |n| shown(&n)),
    }
}

/// A name as the Objects pane shows it: escaped (the traced program chose it), `@` first for
/// an abstract socket's.
fn shown(n: &[u8]) -> String {
    match n.strip_prefix(b"@") {
        Some(abs) => format!("@{}", crate::escape::name(abs)),
        None => crate::escape::name(n),
    }
}

impl Resolver {
    /// A resolver for a replay: from the recorded events only (see the module's notes).
    pub fn for_recording() -> Resolver {
        Resolver {
            offline: true,
            ..Resolver::default()
        }
    }

    /// Describe descriptors at `detail` (`-y`, `-yy`; off by default).
    pub fn set_detail(&mut self, detail: Detail) {
        self.detail = detail;
    }

    /// What the traced command started with (its working directory, its descriptors).
    pub fn begin(&mut self, start: &Start) {
        self.fds.begin(start);
    }

    /// Take in a call as tracer reads it: the object it used or created ([`Resolver::touch`]),
    /// then the model follows the call (a pending call only described), and the call's text
    /// with its descriptors described (`Call::described`) when `-y` asked for it.
    pub fn take(&mut self, call: &mut Call, pending: bool) -> Option<Touch> {
        let touched = self.touch(call);
        if self.detail == Detail::Off {
            if !pending {
                self.fds.apply(call);
            }
        } else {
            let text = crate::output::described_call(&mut self.fds, self.detail, call, pending);
            call.described = Some(Box::new(text));
        }
        for (pid, f, path) in std::mem::take(&mut self.learned) {
            self.fds.learn(pid, &f, path.as_deref());
        }
        touched
    }

    /// Note the closes in `batch`, everything one drain of the ring buffer read, before its
    /// calls are resolved one by one. A descriptor created and closed within one drain is gone
    /// by the time tracer reads the creating call: looking it up in /proc would find whatever
    /// reused its number (a wrong object), and, worse, the lookup itself changes the program.
    /// Reading `/proc/PID/fd/N` holds a reference on the file for the length of the read
    /// (fs/proc/fd.c `proc_fd_link`, `fget_task` .. `fput`, Linux 6.1 and 6.18), so a close
    /// that lands in that window does not release the socket: a program that closes and at
    /// once re-binds the same name gets `EADDRINUSE` (measured: the bench's socketcall32 loop
    /// under `tracer live`). Such descriptors are left unresolved, and counted as such.
    pub fn look_ahead<'a>(&mut self, batch: impl IntoIterator<Item = &'a Call>) {
        self.closes_ahead.clear();
        for c in batch {
            if c.row.effect == Effect::Closes && c.enter_ns.is_some() && c.ret.is_some() {
                *self
                    .closes_ahead
                    .entry((c.pid, c.args[0] as i32 as i64))
                    .or_default() += 1;
            }
        }
    }

    /// The object `call` used or created, when it can be told for sure.
    ///
    /// A descriptor the call made comes with its file, read in the kernel as it returned. An
    /// older one is what the descriptor model followed it to be (from the call that made it,
    /// through `dup`, `fork`, `SCM_RIGHTS`...). `/proc/PID/fd/N` is read only where neither
    /// knows, and only when it says what N was during the call: while the call is still blocked
    /// on it (a pending call), or for the descriptor a call just created, when it is of the kind
    /// the call creates. Otherwise the call is counted as unresolved.
    fn touch(&mut self, call: &Call) -> Option<Touch> {
        // Entered before tracing started: its arguments are unknown.
        call.enter_ns?;
        if let Some(t) = sysv(call) {
            return Some(t);
        }
        let ok_fd = call.ret.filter(|r| *r >= 0);
        match call.row.effect {
            Effect::NewSocket | Effect::Accepts { .. } => {
                let fd = ok_fd?;
                let t = self.created(call, fd, &[Kind::Socket], "")?;
                let kind = if call.row.effect == Effect::NewSocket {
                    socket_kind(call.args[0], call.args[1])
                } else {
                    // An accepted connection is of its listening socket's kind.
                    match self.modelled(call.pid, call.args[0] as i32 as i64) {
                        Some((_, k, _)) if k != Kind::Socket => k,
                        _ => t.kind,
                    }
                };
                Some(Touch { kind, ..t })
            }
            Effect::NewPipe { .. } | Effect::NewSocketPair => {
                ok_fd?;
                let [a, b] = call.fd_pair()?;
                if call.row.effect == Effect::NewSocketPair {
                    let kind = socket_kind(call.args[0], call.args[1]);
                    // Both ends, each looked up where the kernel side did not read it.
                    let first = self.created(call, a, &[Kind::Socket], "socketpair");
                    let second = self.created(call, b, &[Kind::Socket], "socketpair");
                    return first.or(second).map(|t| Touch { kind, ..t });
                }
                let first = self.created(call, a, &[Kind::Pipe], "");
                let second = self.created(call, b, &[Kind::Pipe], "");
                first.or(second)
            }
            _ => {
                if !call.row.first_fd() {
                    return None;
                }
                let fd = call.args[0] as i32 as i64;
                if call.row.effect == Effect::Closes
                    && let Some(n) = self.closes_ahead.get_mut(&(call.pid, fd))
                {
                    *n = n.saturating_sub(1);
                }
                let found = match self.modelled(call.pid, fd) {
                    Some(f) => Some(touch_of(f, "")),
                    // Known, and no IPC object (a file, a terminal).
                    None if self.fds.has(call.pid, fd as i32) => None,
                    // Closed: nothing left to look at, and nothing was missed.
                    None if call.row.effect == Effect::Closes => None,
                    // Blocked in the call: the descriptor is held, and cannot change.
                    None if call.ret.is_none() => self.look(call.pid, fd, None, ""),
                    None => {
                        self.unresolved += 1;
                        None
                    }
                };
                if call.row.effect == Effect::Names && call.ret == Some(0) {
                    return found.map(|t| named_by_bind(call, t));
                }
                found
            }
        }
    }

    /// What the descriptor model knows of descriptor `fd` of `pid`, as the Objects pane names
    /// objects.
    fn modelled(&self, pid: u32, fd: i64) -> Option<Found> {
        let name = |n: Option<&[u8]>| n.map(<[u8]>::to_vec);
        Some(match self.fds.ipc(pid, i32::try_from(fd).ok()?)? {
            Ipc::Socket {
                ino,
                family,
                ty,
                name: n,
                ..
            } => (
                ObjKey::Inode(ino),
                socket_kind(u64::from(family), u64::from(ty)),
                name(n),
            ),
            Ipc::Pipe { ino } => (ObjKey::Inode(ino), Kind::Pipe, None),
            Ipc::Fifo { ino, name: n } => (ObjKey::Inode(ino), Kind::Fifo, name(n)),
            // The Objects pane lists no POSIX queues yet.
            Ipc::Mqueue { .. } => return None,
        })
    }

    /// A descriptor a call just created: from the file the kernel side read as the call
    /// returned, else looked up now, and kept only if it is of a kind that call creates (else
    /// it was closed and reused before tracer looked).
    fn created(&mut self, call: &Call, fd: i64, kinds: &[Kind], name: &str) -> Option<Touch> {
        let pid = call.pid;
        if let Some(f) = file_cap(call, fd) {
            let kind = match f.mode & libc::S_IFMT {
                libc::S_IFSOCK if f.family != 0 => {
                    socket_kind(u64::from(f.family), u64::from(f.sock_type))
                }
                libc::S_IFSOCK => Kind::Socket,
                libc::S_IFIFO if kinds.contains(&Kind::Pipe) => Kind::Pipe,
                libc::S_IFIFO => Kind::Fifo,
                _ => return None,
            };
            return Some(touch_of((ObjKey::Inode(f.ino), kind, None), name));
        }
        if self.closes_ahead.get(&(pid, fd)).is_some_and(|n| *n > 0) {
            // Already closed by a call tracer has read: see `look_ahead`.
            self.unresolved += 1;
            return None;
        }
        self.look(pid, fd, Some(kinds), name)
    }

    /// `/proc/PID/fd/FD` now, when it is of one of `kinds` (any, `None`): what it found is
    /// taught to the model ([`Resolver::learned`]).
    fn look(&mut self, pid: u32, fd: i64, kinds: Option<&[Kind]>, name: &str) -> Option<Touch> {
        if self.offline {
            // The recording does not say what this descriptor is.
            self.unresolved += 1;
            return None;
        }
        let found = match lookup(pid, fd) {
            Ok(Some(f)) if kinds.is_none_or(|k| k.contains(&f.1)) => f,
            Ok(None) if kinds.is_none() => return None,
            _ => {
                self.unresolved += 1;
                return None;
            }
        };
        if let (ObjKey::Inode(ino), Ok(fd)) = (found.0, i32::try_from(fd)) {
            let mode = match found.1 {
                Kind::Socket => libc::S_IFSOCK,
                _ => libc::S_IFIFO,
            };
            let f = FileId {
                fd,
                mode,
                ino,
                ..FileId::default()
            };
            self.learned.push((pid, f, found.2.clone()));
        }
        Some(touch_of(found, name))
    }

    /// A new task: a process with a copy of its parent's descriptors, or a thread sharing
    /// them.
    pub fn task(&mut self, parent: u32, child: u32, thread: bool) {
        self.fds.fork(parent, child, thread);
    }

    /// A process ran a new program: its close-on-exec descriptors are gone.
    pub fn exec(&mut self, pid: u32) {
        self.fds.exec(pid);
    }

    /// A process exited: its descriptors are gone.
    pub fn exited(&mut self, pid: u32) {
        self.fds.exit(pid);
    }
}

/// A socket that bind() named successfully is known by that name from then on: the
/// address is the one the program passed and the kernel accepted.
fn named_by_bind(call: &Call, mut t: Touch) -> Touch {
    if !t.name.is_empty() {
        return t;
    }
    t.name = match call.sockaddr_arg() {
        Some(SockAddr::Unix { path, .. }) => crate::event::cstr(&path),
        Some(SockAddr::Abstract(name)) => format!("@{}", crate::escape::name(&name)),
        Some(SockAddr::Inet { addr, port }) => format!("{addr}:{port}"),
        Some(SockAddr::Inet6 { addr, port, .. }) => format!("[{addr}]:{port}"),
        Some(SockAddr::Netlink { pid, groups }) => {
            format!("netlink pid {pid} groups {groups:#x}")
        }
        _ => return t,
    };
    t
}

/// `r`, `w` or `rw`, from the `flags:` line of /proc/PID/fdinfo/FD (octal open flags).
fn mode(pid: u32, fd: &str) -> &'static str {
    let flags = fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        });
    match flags.map(|f| f & 0o3) {
        Some(0) => "r",
        Some(1) => "w",
        Some(_) => "rw",
        None => "?",
    }
}

/// Which of `pids` hold which of `inodes` open now, and how.
pub fn holders(pids: &[u32], inodes: &[u64]) -> HashMap<ObjKey, Vec<Holder>> {
    let mut out: HashMap<ObjKey, Vec<Holder>> = HashMap::new();
    for pid in pids {
        let Ok(dir) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for e in dir.flatten() {
            let Ok(link) = fs::read_link(e.path()) else {
                continue;
            };
            let link = link.to_string_lossy();
            let ino = link
                .strip_prefix("socket:[")
                .or_else(|| link.strip_prefix("pipe:["))
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
                .or_else(|| {
                    link.starts_with('/')
                        .then(|| fs::metadata(e.path()).ok())
                        .flatten()
                        .filter(|m| m.file_type().is_fifo())
                        .map(|m| m.ino())
                });
            let Some(ino) = ino.filter(|i| inodes.contains(i)) else {
                continue;
            };
            let fd = e.file_name().to_string_lossy().into_owned();
            let holders = out.entry(ObjKey::Inode(ino)).or_default();
            if !holders.iter().any(|h| h.pid == *pid) {
                holders.push(Holder {
                    pid: *pid,
                    mode: mode(*pid, &fd),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::os::fd::{AsRawFd, FromRawFd};

    use super::*;

    /// A descriptor the Resolver never saw made (a `dup` of a socket) resolves through the
    /// descriptor model (fds.rs), in a replay too, where nothing is read from /proc.
    #[test]
    fn descriptors_the_model_followed_resolve_without_proc() {
        use crate::live::testdata::{call, with_files};
        let mut res = Resolver::for_recording();
        let feed = |res: &mut Resolver, mut c: Call| res.take(&mut c, false);
        let mut sock = with_files(call(7, "socket", 3), &[(3, 900, libc::S_IFSOCK | 0o777)]);
        sock.args[..3].copy_from_slice(&[1, 1, 0]);
        let made = feed(&mut res, sock).expect("the socket it made");
        assert_eq!(made.kind, Kind::UnixStream);
        let mut dup = call(7, "dup", 5);
        dup.args[0] = 3;
        feed(&mut res, dup);
        let mut w = call(7, "write", 4);
        w.args[0] = 5;
        let t = feed(&mut res, w).expect("the socket through its copy");
        assert_eq!((t.key, t.kind), (ObjKey::Inode(900), Kind::UnixStream));
        assert_eq!(res.unresolved, 0);
        // Closed: the model forgets the copy too.
        let mut close = call(7, "close", 0);
        close.args[0] = 5;
        feed(&mut res, close);
        let mut w = call(7, "write", 4);
        w.args[0] = 5;
        assert_eq!(feed(&mut res, w), None);
        assert_eq!(res.unresolved, 1);
    }

    /// `call` taken in as it was read (`Resolver::take`), done.
    fn take(res: &mut Resolver, call: &Call) -> Option<Touch> {
        res.take(&mut call.clone(), false)
    }

    #[test]
    fn only_sure_lookups_resolve() {
        use crate::live::testdata::call;
        let me = std::process::id();
        let (r, w) = nix::unistd::pipe().unwrap();
        let (rfd, wfd) = (i64::from(r.as_raw_fd()), i64::from(w.as_raw_fd()));
        let mut res = Resolver::default();
        let on = |pid: u32, name: &str, fd: i64, ret: Option<i64>| {
            let mut c = call(pid, name, 0);
            c.ret = ret;
            c.args[0] = fd as u64;
            c
        };
        // A completed read on a descriptor tracer never saw created: not attributed.
        assert_eq!(take(&mut res, &on(me, "read", rfd, Some(5))), None);
        assert_eq!(res.unresolved, 1);
        // Blocked in read: the descriptor is held, so looking now is sure; the model learns it.
        let t = res
            .take(&mut on(me, "read", rfd, None), true)
            .expect("a pending read's pipe");
        assert_eq!(t.kind, Kind::Pipe);
        assert_eq!(
            take(&mut res, &on(me, "read", rfd, Some(5))),
            Some(t.clone()),
            "now known"
        );
        // A socket() whose fd is, by now, a pipe was closed and reused: not attributed.
        assert_eq!(take(&mut res, &on(me, "socket", 0, Some(wfd))), None);
        assert_eq!(res.unresolved, 2);
        // A child has its parent's descriptors; close forgets them.
        res.task(me, 1, false);
        assert_eq!(
            take(&mut res, &on(1, "read", rfd, Some(5))),
            Some(t.clone())
        );
        assert_eq!(take(&mut res, &on(me, "close", rfd, Some(0))), Some(t));
        assert_eq!(take(&mut res, &on(me, "read", rfd, Some(5))), None);
        // A SysV id comes from the call itself.
        let q = take(&mut res, &on(me, "msgsnd", 7, Some(0))).expect("a queue");
        assert_eq!((q.key, q.kind), (ObjKey::Msq(7), Kind::MsgQueue));
    }

    #[test]
    fn a_descriptor_closed_later_in_the_drain_is_not_looked_up() {
        use crate::live::testdata::call;
        let me = std::process::id();
        // A socket that is open now: a lookup of its number would find it.
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = i64::from(a.as_raw_fd());
        let on = |name: &str, arg0: i64, ret: i64| {
            let mut c = call(me, name, 0);
            c.ret = Some(ret);
            c.args[0] = arg0 as u64;
            c
        };
        let socket = on("socket", i64::from(libc::AF_UNIX), fd);
        let close = on("close", fd, 0);
        // socket(), then its close() in the same drain: the number now names another object.
        let mut res = Resolver::default();
        res.look_ahead([&socket, &close]);
        assert_eq!(take(&mut res, &socket), None);
        assert_eq!(res.unresolved, 1);
        assert_eq!(take(&mut res, &close), None);
        // The close has been passed: the next socket() with that number is looked up.
        let t = take(&mut res, &socket).expect("an open socket");
        assert_eq!((t.kind, res.unresolved), (Kind::Unix, 1));
        // Two creations and two closes of one number in one drain: both creations skipped.
        let mut res = Resolver::default();
        res.look_ahead([&socket, &close, &socket, &close]);
        assert_eq!(take(&mut res, &socket), None);
        take(&mut res, &close);
        assert_eq!(take(&mut res, &socket), None);
        take(&mut res, &close);
        assert_eq!(res.unresolved, 2);
        // Without a close ahead, the socket is looked up as before.
        let mut res = Resolver::default();
        res.look_ahead([&socket]);
        assert!(take(&mut res, &socket).is_some());
    }

    #[test]
    fn a_recording_resolves_from_its_events_alone() {
        use crate::live::testdata::{call, with_files};
        const SOCK: u32 = libc::S_IFSOCK | 0o777;
        const FIFO: u32 = libc::S_IFIFO | 0o600;
        let me = std::process::id();
        // A real pipe of this process: a live resolver would find it in /proc.
        let (rd, _wr) = nix::unistd::pipe().unwrap();
        // Above the numbers the made-up calls below use (tests run in parallel: any may be open).
        let high = nix::fcntl::fcntl(&rd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(500)).unwrap();
        // SAFETY: a new descriptor, owned here alone.
        let high = unsafe { std::os::fd::OwnedFd::from_raw_fd(high) };
        let rfd = i64::from(high.as_raw_fd());
        let mut res = Resolver::for_recording();
        let on = |name: &str, args: [u64; 3], ret: i64| {
            let mut c = call(me, name, ret);
            c.args[..3].copy_from_slice(&args);
            c
        };
        // socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) = 7, its file read at exit.
        let seqpacket = 5 | libc::SOCK_CLOEXEC as u64;
        let sock = with_files(
            on("socket", [u64::from(AF_UNIX), seqpacket, 0], 7),
            &[(7, 100, SOCK)],
        );
        let made = take(&mut res, &sock).expect("the socket, from its file");
        assert_eq!(
            (made.key, made.kind),
            (ObjKey::Inode(100), Kind::UnixSeqpacket)
        );
        // Later calls on it come from the table; a connection accepted on it is of its kind.
        assert_eq!(
            take(&mut res, &on("listen", [7, 5, 0], 0)),
            Some(made.clone())
        );
        let acc = with_files(on("accept", [7, 0, 0], 8), &[(8, 101, SOCK)]);
        let conn = take(&mut res, &acc).expect("the connection");
        assert_eq!(
            (conn.key, conn.kind),
            (ObjKey::Inode(101), Kind::UnixSeqpacket)
        );
        // The two descriptors a socketpair or pipe2 wrote, copied at exit.
        let pair = |mut c: Call, a: i32, b: i32| {
            c.exit_caps.push(crate::event::Capture {
                hdr: tracer_common::CaptureHeader {
                    kind: tracer_common::CK_BYTES,
                    status: tracer_common::CAP_OK,
                    len: 8,
                    ..Default::default()
                },
                data: [a.to_le_bytes(), b.to_le_bytes()].concat().into(),
            });
            c
        };
        // socketpair(AF_UNIX, SOCK_DGRAM, 0, [9, 10]): both ends, of its kind.
        let sp = pair(on("socketpair", [u64::from(AF_UNIX), 2, 0], 0), 9, 10);
        let sp = with_files(sp, &[(9, 102, SOCK), (10, 103, SOCK)]);
        let pipe_of = |a, b| pair(on("pipe2", [0, 0, 0], 0), a, b);
        assert_eq!(take(&mut res, &sp).map(|t| t.kind), Some(Kind::UnixDgram));
        let end = res
            .touch(&on("sendto", [10, 0, 0], 1))
            .expect("the second end");
        assert_eq!((end.key, end.kind), (ObjKey::Inode(103), Kind::UnixDgram));
        // A child has its parent's descriptors.
        res.task(me, me + 1, false);
        let mut child_send = on("sendto", [9, 0, 0], 1);
        child_send.pid = me + 1;
        assert_eq!(
            take(&mut res, &child_send).map(|t| t.key),
            Some(ObjKey::Inode(102))
        );
        // pipe2([11, 12], 0): one pipe, both ends.
        let pp = with_files(pipe_of(11, 12), &[(11, 104, FIFO), (12, 104, FIFO)]);
        let pipe = take(&mut res, &pp).expect("the pipe");
        assert_eq!((pipe.key, pipe.kind), (ObjKey::Inode(104), Kind::Pipe));
        let wend = res
            .touch(&on("write", [12, 0, 0], 1))
            .expect("its write end");
        assert_eq!(wend.key, pipe.key);
        // A descriptor the recording never saw made is not looked up here, even where this
        // machine has one of that number (a pending read, which live looks up): unresolved.
        assert_eq!(take(&mut res, &on("read", [rfd as u64, 0, 0], 5)), None);
        let mut pending = on("read", [rfd as u64, 0, 0], 0);
        pending.ret = None;
        assert_eq!(take(&mut res, &pending), None);
        assert_eq!(res.unresolved, 2);
        // Closed: forgotten.
        assert_eq!(take(&mut res, &on("close", [7, 0, 0], 0)), Some(made));
        assert_eq!(take(&mut res, &on("listen", [7, 5, 0], 0)), None);
    }

    #[test]
    fn a_bound_socket_is_named_by_its_address() {
        let me = std::process::id();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = i64::from(a.as_raw_fd());
        let mut res = Resolver::default();
        let mut socket = crate::live::testdata::call(me, "socket", fd);
        socket.args[0] = u64::from(AF_UNIX);
        let made = take(&mut res, &socket).expect("the new socket");
        assert_eq!((made.kind, made.name.as_str()), (Kind::Unix, ""));
        let mut bind = crate::live::testdata::bind(me);
        bind.args[0] = fd as u64;
        let named = take(&mut res, &bind).expect("the bound socket");
        assert_eq!((named.key, named.name.as_str()), (made.key, "/tmp/s.sock"));
        // accept() on it makes a socket of the same family.
        let (c, _d) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut accept = crate::live::testdata::call(me, "accept", i64::from(c.as_raw_fd()));
        accept.args[0] = fd as u64;
        let conn = take(&mut res, &accept).expect("the accepted socket");
        assert_eq!(conn.kind, Kind::Unix);
        assert_ne!(conn.key, made.key);
    }

    #[test]
    fn resolves_a_real_pipe_and_socketpair_and_the_holders() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let me = std::process::id();
        let (key, kind, _) = lookup(me, i64::from(r.as_raw_fd()))
            .ok()
            .flatten()
            .expect("the pipe");
        assert_eq!(kind, Kind::Pipe);
        let ObjKey::Inode(ino) = key else {
            panic!("{key:?}")
        };
        let held = holders(&[me], &[ino]);
        assert_eq!(held[&key].len(), 1, "one entry per process");
        assert_eq!(held[&key][0].pid, me);
        drop(w);
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let (ka, ..) = lookup(me, i64::from(a.as_raw_fd())).unwrap().unwrap();
        let (kb, ..) = lookup(me, i64::from(b.as_raw_fd())).unwrap().unwrap();
        assert_eq!(lookup(me, 999_999), Err(()), "a closed descriptor is gone");
        assert_eq!(
            lookup(me, 0).map(|_| ()),
            Ok(()),
            "stdin is something, maybe no IPC"
        );
        let (ObjKey::Inode(ia), ObjKey::Inode(ib)) = (ka, kb) else {
            panic!()
        };
        // sock_diag needs no privilege for UNIX sockets in our own namespace.
        let socks = super::super::sockdiag::unix_sockets().expect("sock_diag");
        assert_eq!(socks.get(&ia).and_then(|i| i.peer), Some(ib));
        assert_eq!(socks.get(&ia).map(|i| i.kind), Some(Kind::UnixStream));
    }
}
