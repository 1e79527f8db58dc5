//! Joining enter and exit records into calls, by thread. A call stays pending until its exit
//! arrives, and is shown as pending once it has waited long enough.

use std::sync::Arc;

use crate::kernel::libc;
use tracer_common::{
    ABI_IA32, ENTRY_INT80, ENTRY_SYSCALL, ENTRY_SYSENTER, ForkRecord, RecordHeader, SyscallEnter,
    SyscallExit, TABLE_IPC, TABLE_SOCKETCALL,
};
use tracer_common::{CLONE_THREAD, FileId, HopRecord, MECH_UPROBE, SockAddrs};

use crate::decode::{self, CallView};
use crate::event::{Caps, Capture, Record, cstr};
use crate::syscalls::{self, Abi, Row};
use crate::usersym::{UserFrame, UserSyms};

/// One syscall, possibly still in progress.
#[derive(Clone, Debug)]
pub struct Call {
    pub pid: u32,
    pub tid: u32,
    /// The thread's name at entry (escaped), shared by the calls that had the same.
    pub comm: Arc<str>,
    pub abi: Abi,
    pub entry: u8,
    pub nr: u32,
    pub row: &'static Row,
    /// `TABLE_SOCKETCALL` or `TABLE_IPC` when dispatched through them.
    pub table: u8,
    /// socketcall's or ipc's `call` argument.
    #[allow(
        clippy::struct_field_names,
        reason = "the kernel's name for a dispatcher's argument"
    )]
    pub call: u32,
    pub flags: u8,
    pub raw_args: [u64; 6],
    pub args: [u64; 6],
    pub enter_ns: Option<u64>,
    pub exit_ns: Option<u64>,
    pub ret: Option<i64>,
    pub enter_caps: Caps,
    pub exit_caps: Caps,
    /// Already shown as pending.
    pub announced: bool,
    /// Kernel functions observed on this call's path, in the order they ran.
    pub hops: Vec<Hop>,
    /// The saved user instruction pointer at entry (0: not recorded, or no entry seen).
    pub user_ip: u64,
    /// Where `user_ip` lies: the function that made the call (`usersym`).
    pub user_at: Option<Arc<UserFrame>>,
    /// The call's `name(args)` and what the descriptor it returned is, as the live view shows
    /// them with `-y`/`-yy` (descriptors as the calls before left them): filled on the capture
    /// side, where the descriptor model follows the calls in order (`output::described_call`).
    pub described: Option<Box<(String, String)>>,
}

impl Hop {
    fn new(hdr: &RecordHeader, body: &HopRecord) -> Hop {
        Hop {
            ts_ns: hdr.ts_ns,
            func_ip: body.func_ip,
            side: body.side,
            mech: body.mech,
            args: body.args,
            ret: body.ret,
        }
    }
}

/// A probe on a kernel function (or, `MECH_UPROBE`, on the libc wrapper) fired for the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub ts_ns: u64,
    pub func_ip: u64,
    pub side: u8,
    pub mech: u8,
    pub args: [u64; 6],
    pub ret: i64,
}

impl Call {
    /// A call known only by its header, row and thread name: no arguments, times or result
    /// yet.
    fn bare(
        hdr: &RecordHeader,
        row: &'static Row,
        (nr, table, flags): (u32, u8, u8),
        comm: Arc<str>,
    ) -> Call {
        Call {
            pid: hdr.pid,
            tid: hdr.tid,
            flags,
            ..Call::with_comm(row, abi_of(hdr), hdr.entry, (nr, table, 0), comm)
        }
    }

    /// A call as it would be made, without a run: what `tracer explain` builds its journey
    /// from. `table` and `call` say whether it goes through socketcall or ipc.
    pub fn hypothetical(
        row: &'static Row,
        abi: Abi,
        entry: u8,
        nr: u32,
        table: u8,
        call: u32,
    ) -> Call {
        Call::with_comm(row, abi, entry, (nr, table, call), Arc::from(""))
    }

    fn with_comm(
        row: &'static Row,
        abi: Abi,
        entry: u8,
        (nr, table, call): (u32, u8, u32),
        comm: Arc<str>,
    ) -> Call {
        Call {
            pid: 0,
            tid: 0,
            comm,
            abi,
            entry,
            nr,
            row,
            table,
            call,
            flags: 0,
            raw_args: [0; 6],
            args: [0; 6],
            enter_ns: None,
            exit_ns: None,
            ret: None,
            enter_caps: Caps::new(),
            exit_caps: Caps::new(),
            announced: false,
            hops: Vec::new(),
            user_ip: 0,
            user_at: None,
            described: None,
        }
    }

    pub fn entry_name(&self) -> &'static str {
        match self.entry {
            ENTRY_SYSCALL => "syscall",
            ENTRY_INT80 => "int80",
            ENTRY_SYSENTER => "sysenter",
            _ => "unknown",
        }
    }

    pub fn dispatcher(&self) -> Option<(&'static str, u32, Option<&'static str>)> {
        match self.table {
            TABLE_SOCKETCALL => {
                Some(("socketcall", self.call, self.row.socketcall.map(|c| c.name)))
            }
            TABLE_IPC => Some(("ipc", self.call, self.row.ipc.map(|(c, _)| c.name))),
            _ => None,
        }
    }

    pub fn view(&self) -> CallView<'_> {
        self.view_on(None)
    }

    /// The call as the decoder sees it, on a netlink socket of protocol `netlink` (its data
    /// decoded as netlink messages) when that is `Some`.
    pub fn view_on(&self, netlink: Option<u16>) -> CallView<'_> {
        CallView {
            row: self.row,
            abi: self.abi,
            args: &self.args,
            ret: self.ret,
            enter_caps: &self.enter_caps,
            exit_caps: &self.exit_caps,
            netlink,
        }
    }

    pub fn args(&self) -> decode::Args<'_> {
        decode::args(&self.view())
    }

    /// [`Call::args`], on a netlink socket of protocol `netlink` when that is `Some`.
    pub fn args_on(&self, netlink: Option<u16>) -> decode::Args<'_> {
        decode::args(&self.view_on(netlink))
    }

    /// A successful return as strace shows it (`= 0x8001 (flags O_WRONLY|O_LARGEFILE)`).
    pub fn ret_text(&self, ret: i64) -> String {
        decode::ret_text(&self.view(), ret)
    }

    /// The socket address the call passes in (bind, connect, sendto), decoded.
    pub fn sockaddr_arg(&self) -> Option<decode::sockaddr::SockAddr> {
        self.row.args.iter().find_map(|(_, a)| match a {
            crate::syscalls::Arg::SockAddr(op) => self
                .enter_caps
                .iter()
                .find(|c| c.hdr.op == *op && c.ok())
                .map(|c| decode::sockaddr::decode(&c.data, c.hdr.want)),
            _ => None,
        })
    }

    /// The address the call wrote back (`SockAddrOut`: getsockname, accept...), as long as
    /// the kernel wrote it and the buffer held it.
    pub fn sockaddr_out(&self) -> Option<decode::sockaddr::SockAddr> {
        let (op, given) = self.row.args.iter().find_map(|(_, a)| match a {
            crate::syscalls::Arg::SockAddrOut(op, given) => Some((*op, *given)),
            _ => None,
        })?;
        let c = self
            .exit_caps
            .iter()
            .find(|c| c.hdr.op == op && c.ok() && c.hdr.want > 0)?;
        let room = self
            .enter_caps
            .iter()
            .find(|c| c.hdr.op == given && c.ok())
            .and_then(|c| Some(u32::from_le_bytes(c.data.get(..4)?.try_into().ok()?)))
            .unwrap_or(u32::MAX);
        Some(decode::sockaddr::decode(&c.data, c.hdr.want.min(room)))
    }

    pub fn dur_ns(&self) -> Option<u64> {
        Some(self.exit_ns?.saturating_sub(self.enter_ns?))
    }

    /// The two descriptors a `pipe2` or `socketpair` wrote, from the copy made at exit.
    pub fn fd_pair(&self) -> Option<[i64; 2]> {
        let op = self.row.args.iter().find_map(|(_, a)| match a {
            crate::syscalls::Arg::FdPair(op) => Some(*op),
            _ => None,
        })?;
        let cap = self.exit_caps.iter().find(|c| c.hdr.op == op && c.ok())?;
        let a = i32::from_le_bytes(cap.data.get(0..4)?.try_into().ok()?);
        let b = i32::from_le_bytes(cap.data.get(4..8)?.try_into().ok()?);
        Some([i64::from(a), i64::from(b)])
    }

    /// The files behind the descriptors this call created, as the kernel side read them when
    /// it returned (`CK_FILE` captures): `(fd, inode number, i_mode)`, the ones it found.
    pub fn created_files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.files(false)
    }

    /// The socket the call named, as the kernel side read it when the call returned
    /// (`OpKind::FdArg`: `bind`, `connect`...).
    pub fn named_file(&self) -> Option<FileId> {
        self.files(true).next()
    }

    /// What the kernel side read of the internet and netlink sockets the call made or named
    /// (`CK_SOCK`), as it returned.
    pub fn sock_addrs(&self) -> impl Iterator<Item = SockAddrs> + '_ {
        self.exit_caps
            .iter()
            .filter(|c| c.ok() && c.hdr.kind == tracer_common::CK_SOCK)
            .filter_map(|c| sock_addrs(&c.data))
    }

    /// The `CK_FILE` entries of the call's `FdArg` ops (`named`) or of its other ops.
    fn files(&self, named: bool) -> impl Iterator<Item = FileId> + '_ {
        let of_arg = |op: u8| {
            self.row
                .ops
                .get(usize::from(op))
                .is_some_and(|o| o.kind == crate::syscalls::OpKind::FdArg)
        };
        self.exit_caps
            .iter()
            .filter(move |c| {
                c.ok() && c.hdr.kind == tracer_common::CK_FILE && of_arg(c.hdr.op) == named
            })
            .flat_map(|c| {
                let size = if c.hdr.sub == tracer_common::FILE_ID_V2 {
                    size_of::<FileId>()
                } else {
                    tracer_common::FILE_ID_V1_SIZE
                };
                c.data.chunks_exact(size)
            })
            .filter_map(file_id)
            .filter(|id| id.fd >= 0 && id.ino != 0)
    }
}

/// One `CK_SOCK` capture's data.
fn sock_addrs(b: &[u8]) -> Option<SockAddrs> {
    let b: &[u8; size_of::<SockAddrs>()] = b.get(..size_of::<SockAddrs>())?.try_into().ok()?;
    let u16_at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let arr = |at: usize| -> [u8; 16] { b[at..at + 16].try_into().unwrap_or_default() };
    let four = |at: usize| -> [u8; 4] { b[at..at + 4].try_into().unwrap_or_default() };
    Some(SockAddrs {
        fd: i32::from_le_bytes(four(0)),
        family: u16_at(4),
        state: b[6],
        _pad: 0,
        daddr: four(8),
        saddr: four(12),
        dport_be: u16_at(16),
        num: u16_at(18),
        portid: u32::from_le_bytes(four(20)),
        v6_daddr: arr(24),
        v6_saddr: arr(40),
    })
}

/// One `CK_FILE` entry, of either layout (the fields after `ino` are 0 in the older one).
fn file_id(b: &[u8]) -> Option<FileId> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?));
    Some(FileId {
        fd: u32_at(0)? as i32,
        mode: u32_at(4)?,
        ino: u64_at(8)?,
        peer: u64_at(16).unwrap_or(0),
        rdev: u32_at(24).unwrap_or(0),
        family: u16_at(28).unwrap_or(0),
        sock_type: u16_at(30).unwrap_or(0),
    })
}

/// A process event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proc {
    Fork {
        ts_ns: u64,
        pid: u32,
        tid: u32,
        comm: String,
        child: u32,
        thread: bool,
    },
    Exec {
        ts_ns: u64,
        pid: u32,
        tid: u32,
        comm: String,
        filename: String,
    },
    Exit {
        ts_ns: u64,
        pid: u32,
        tid: u32,
        comm: String,
        /// How it ended, as a wait status (`TaskExitRecord.exit_code`), when the kernel side
        /// could read it.
        status: Option<i32>,
    },
}

/// What the joiner produces.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "items are moved once, from the joiner to the writer"
)]
pub enum Item {
    /// Boxed: a call is moved from the joiner's table to the writer through several hands,
    /// and a `Call` is about 300 bytes.
    Call(Box<Call>),
    Proc(Proc),
}

/// A record that does not fit the table (an old or foreign eBPF object): skipped and counted.
#[derive(Default)]
pub struct Joiner {
    inflight: crate::fasthash::FastMap<u32, Box<Call>>,
    /// The libc wrapper each thread called last, waiting for its syscall.
    user_hops: crate::fasthash::FastMap<u32, Hop>,
    pub unknown_rows: u64,
    pub orphan_hops: u64,
    /// Names each call's saved user `ip`.
    pub user: UserSyms,
    /// Each thread name seen, escaped once (bounded by [`COMMS_MAX`]).
    comms: crate::fasthash::FastMap<[u8; 16], Arc<str>>,
    /// The name of a call whose entry was not seen: none.
    no_comm: Arc<str>,
}

/// Most thread names kept: past it the table starts again (a program renaming its threads
/// endlessly cannot grow it).
const COMMS_MAX: usize = 4096;

fn abi_of(h: &RecordHeader) -> Abi {
    if h.abi == ABI_IA32 {
        Abi::Ia32
    } else {
        Abi::X86_64
    }
}

impl Joiner {
    /// A joiner that names each call's saved user `ip` with `user`.
    pub fn with_user(user: UserSyms) -> Joiner {
        Joiner {
            user,
            ..Joiner::default()
        }
    }

    /// `comm` as a name, escaped once per distinct name and shared after.
    fn comm(&mut self, comm: &[u8; 16]) -> Arc<str> {
        if let Some(c) = self.comms.get(comm) {
            return Arc::clone(c);
        }
        if self.comms.len() >= COMMS_MAX {
            self.comms.clear();
        }
        let c: Arc<str> = Arc::from(cstr(comm));
        self.comms.insert(*comm, Arc::clone(&c));
        c
    }

    /// Feed one record; complete calls and process events come out through `out`.
    pub fn push(&mut self, rec: Record, out: &mut impl FnMut(Item)) {
        match rec {
            Record::Enter { hdr, body, caps } => {
                let Some(call) = self.enter(&hdr, &body, caps) else {
                    return;
                };
                // An earlier call on this thread that never returned (its exit was lost, or it
                // was execve-like): show it as unfinished.
                if let Some(old) = self.inflight.insert(hdr.tid, call) {
                    out(Item::Call(old));
                }
            }
            Record::Exit { hdr, body, caps } => {
                let call = match self.inflight.remove(&hdr.tid) {
                    Some(c)
                        if (c.nr == body.nr && c.abi == abi_of(&hdr))
                            || exec_changed_abi(&c, &hdr, &body) =>
                    {
                        Some(c)
                    }
                    Some(c) => {
                        out(Item::Call(c));
                        self.exit_only(&hdr, &body)
                    }
                    None => self.exit_only(&hdr, &body),
                };
                if let Some(mut c) = call {
                    c.exit_ns = Some(hdr.ts_ns);
                    c.ret = Some(ia32_ret(c.abi, body.ret));
                    // After what the exec record gave an execve (its new program's argv).
                    c.exit_caps.extend(caps);
                    c.flags |= body.flags;
                    out(Item::Call(c));
                }
            }
            Record::Hop { hdr, body } if body.mech == MECH_UPROBE => {
                // A libc wrapper was called: its syscall comes next on this thread.
                self.user_hops.insert(hdr.tid, Hop::new(&hdr, &body));
            }
            Record::Hop { hdr, body } => match self.inflight.get_mut(&hdr.tid) {
                Some(c) => c.hops.push(Hop::new(&hdr, &body)),
                // A probed function that ran outside a traced call (e.g. signal delivery
                // from an untraced context).
                None => self.orphan_hops += 1,
            },
            Record::Fork { hdr, body } => {
                let p = fork(&hdr, &body);
                if let Proc::Fork {
                    pid,
                    child,
                    thread: false,
                    ..
                } = p
                {
                    self.user.fork(pid, child);
                }
                out(Item::Proc(p));
            }
            Record::Exec {
                hdr,
                body,
                filename,
                argv,
            } => {
                if let Some(argv) = argv {
                    self.give_argv(&hdr, argv);
                }
                // A new program, new mappings.
                self.user.forget(hdr.pid);
                out(Item::Proc(Proc::Exec {
                    ts_ns: hdr.ts_ns,
                    pid: hdr.pid,
                    tid: hdr.tid,
                    comm: cstr(&body.comm),
                    // The program chose it (execve's path): escaped, as a comm is.
                    filename: crate::escape::name(&filename),
                }));
            }
            Record::TaskExit { hdr, body } => {
                // A thread that exits inside a call (exit, or killed while blocked) never
                // returns from it.
                if let Some(c) = self.inflight.remove(&hdr.tid) {
                    out(Item::Call(c));
                }
                if hdr.pid == hdr.tid {
                    self.user.forget(hdr.pid);
                }
                out(Item::Proc(Proc::Exit {
                    ts_ns: hdr.ts_ns,
                    pid: hdr.pid,
                    tid: hdr.tid,
                    comm: cstr(&body.comm),
                    status: (body.flags & tracer_common::EXIT_CODE_KNOWN != 0)
                        .then_some(body.exit_code),
                }));
            }
        }
    }

    /// The new program's arguments, read in the kernel once the exec succeeded, go to the
    /// `execve`/`execveat` that made it: the record comes between that call's entry and its
    /// exit, on the same thread, or, when a thread other than the leader exec'd (the exec
    /// record then carries the leader's id, fs/exec.c `de_thread`), on another thread of the
    /// same process. Shown with the call's arguments ([`decode`]'s `Arg::Argv`).
    fn give_argv(&mut self, hdr: &RecordHeader, argv: Capture) {
        let is_exec = |c: &Call| c.row.execs();
        let tid = if self.inflight.get(&hdr.tid).is_some_and(|c| is_exec(c)) {
            Some(hdr.tid)
        } else {
            self.inflight
                .iter()
                .find(|(_, c)| c.pid == hdr.pid && is_exec(c))
                .map(|(t, _)| *t)
        };
        if let Some(c) = tid.and_then(|t| self.inflight.get_mut(&t)) {
            c.exit_caps.push(argv);
        }
    }

    /// The row a record names, counting records whose row is outside the table.
    fn row(&mut self, index: u16) -> Option<&'static Row> {
        let row = syscalls::row(index);
        if row.is_none() {
            self.unknown_rows += 1;
        }
        row
    }

    fn enter(&mut self, hdr: &RecordHeader, body: &SyscallEnter, caps: Caps) -> Option<Box<Call>> {
        let row = self.row(body.row)?;
        // Empty unless the wrappers are probed (`--wrapper-probes`): no hash per call then.
        let user_hop = (!self.user_hops.is_empty())
            .then(|| self.user_hops.remove(&hdr.tid))
            .flatten()
            .filter(|h| {
                libc::from_cookie(h.func_ip).is_some_and(|(f, _)| libc::leads_to(f, row.name))
            });
        let comm = self.comm(&body.comm);
        Some(Box::new(Call {
            hops: user_hop.into_iter().collect(),
            call: body.call,
            raw_args: body.args,
            args: body.inner,
            enter_ns: Some(hdr.ts_ns),
            enter_caps: caps,
            user_ip: body.ip,
            user_at: self.user.lookup(hdr.pid, body.ip, hdr.ts_ns),
            described: None,
            ..Call::bare(hdr, row, (body.nr, body.table, body.flags), comm)
        }))
    }

    /// An exit whose enter was not seen (tracing started during the call, or it was lost).
    /// A new process's or thread's return from the fork-like call that made it is no call of
    /// its own (strace shows none): its parent's call and the fork record tell it.
    fn exit_only(&mut self, hdr: &RecordHeader, body: &SyscallExit) -> Option<Box<Call>> {
        let row = self.row(body.row)?;
        if body.ret == 0 && row.returns_twice() {
            return None;
        }
        let comm = Arc::clone(&self.no_comm);
        Some(Box::new(Call::bare(
            hdr,
            row,
            (body.nr, body.table, body.flags),
            comm,
        )))
    }

    /// Calls that have waited since before `older_than` and were not yet shown as pending.
    #[allow(
        clippy::vec_box,
        reason = "each call goes on in its box, as the joiner's items do"
    )]
    pub fn newly_pending(&mut self, older_than: u64) -> Vec<Box<Call>> {
        let mut out: Vec<Box<Call>> = self
            .inflight
            .values_mut()
            .filter(|c| !c.announced && c.enter_ns.is_some_and(|t| t < older_than))
            .map(|c| {
                c.announced = true;
                c.clone()
            })
            .collect();
        out.sort_by_key(|c| c.enter_ns);
        out
    }

    /// Everything still in flight, at the end of a trace.
    #[allow(
        clippy::vec_box,
        reason = "each call goes on in its box, as the joiner's items do"
    )]
    pub fn drain(&mut self) -> Vec<Box<Call>> {
        let mut out: Vec<Box<Call>> = self.inflight.drain().map(|(_, c)| c).collect();
        out.sort_by_key(|c| c.enter_ns);
        out
    }
}

/// An ia32 call's return value as the program sees it in `eax`. The kernel's is a `long`,
/// sign-extended, except where the return value is a register the call restored:
/// `sigreturn`/`rt_sigreturn` put back the interrupted call's 32-bit `eax`
/// (arch/x86/kernel/signal_32.c `ia32_restore_sigcontext`), so an `-EINTR` comes back as
/// 0xfffffffc. An error code in the low 32 bits is read as one; a 32-bit address is never
/// in that range (the kernel's `IS_ERR_VALUE`).
fn ia32_ret(abi: Abi, ret: i64) -> i64 {
    let low = ret as u32 as i32;
    if abi == Abi::Ia32 && ret as u64 >> 32 == 0 && (-4095..0).contains(&low) {
        i64::from(low)
    } else {
        ret
    }
}

/// An exec that succeeded into a program of the other ABI (a 64-bit shell running a 32-bit
/// program): the call entered in one ABI and returns in the other, with the new program's
/// registers and so the other ABI's number for it (a 64-bit execve, 59, returns as the ia32
/// execve, 11). It is the same call, of the ABI it entered in (strace counts it so).
fn exec_changed_abi(c: &Call, hdr: &RecordHeader, body: &SyscallExit) -> bool {
    c.abi != abi_of(hdr)
        && body.ret == 0
        && syscalls::row(body.row).is_some_and(|r| std::ptr::eq(r, c.row))
}

fn fork(hdr: &RecordHeader, body: &ForkRecord) -> Proc {
    Proc::Fork {
        ts_ns: hdr.ts_ns,
        pid: hdr.pid,
        tid: hdr.tid,
        comm: cstr(&body.comm),
        child: body.child_tid,
        thread: body.clone_flags & CLONE_THREAD != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ia32_error_restored_by_sigreturn_is_an_error() {
        assert_eq!(ia32_ret(Abi::Ia32, 0xffff_fffc), -4);
        assert_eq!(ia32_ret(Abi::Ia32, -4), -4);
        // A 32-bit address stays one; an x86_64 value is taken as it is.
        assert_eq!(ia32_ret(Abi::Ia32, 0xf7f8_7000), 0xf7f8_7000);
        assert_eq!(ia32_ret(Abi::X86_64, 0xffff_fffc), 0xffff_fffc);
    }
    use tracer_common::{ABI_X86_64, REC_EXIT};

    fn enter(tid: u32, nr: u32, row: u16, ts: u64) -> Record {
        Record::Enter {
            hdr: RecordHeader {
                kind: 1,
                abi: ABI_X86_64,
                entry: ENTRY_SYSCALL,
                size: 0,
                ts_ns: ts,
                pid: tid,
                tid,
            },
            body: SyscallEnter {
                nr,
                row,
                ..Default::default()
            },
            caps: crate::event::Caps::new(),
        }
    }
    fn exit(tid: u32, nr: u32, row: u16, ts: u64, ret: i64) -> Record {
        Record::Exit {
            hdr: RecordHeader {
                kind: REC_EXIT,
                abi: ABI_X86_64,
                entry: ENTRY_SYSCALL,
                size: 0,
                ts_ns: ts,
                pid: tid,
                tid,
            },
            body: SyscallExit {
                nr,
                row,
                ret,
                ..Default::default()
            },
            caps: crate::event::Caps::new(),
        }
    }

    #[test]
    fn joins_by_thread_and_reports_pending() {
        let mut j = Joiner::default();
        let mut got = Vec::new();
        j.push(enter(10, 43, 4, 100), &mut |i| got.push(i));
        j.push(enter(11, 49, 1, 150), &mut |i| got.push(i));
        assert!(got.is_empty());
        let pending = j.newly_pending(120);
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].tid, 10);
        assert!(
            j.newly_pending(1000).iter().all(|c| c.tid == 11),
            "each call announced once"
        );
        j.push(exit(11, 49, 1, 160, 0), &mut |i| got.push(i));
        j.push(exit(10, 43, 4, 900, 5), &mut |i| got.push(i));
        let calls: Vec<(u32, Option<u64>)> = got
            .iter()
            .map(|i| match i {
                Item::Call(c) => (c.tid, c.dur_ns()),
                Item::Proc(_) => panic!(),
            })
            .collect();
        assert_eq!(calls, vec![(11, Some(10)), (10, Some(800))]);
        assert!(j.drain().is_empty());
    }

    /// A 64-bit execve of a 32-bit program returns with the 32-bit registers: one call still.
    #[test]
    fn an_exec_into_the_other_abi_is_one_call() {
        let row = syscalls::index_of(syscalls::find("execve").unwrap()).unwrap() as u16;
        let mut j = Joiner::default();
        let mut got = Vec::new();
        j.push(enter(9, 59, row, 100), &mut |i| got.push(i));
        let mut ret = exit(9, 11, row, 150, 0);
        if let Record::Exit { hdr, .. } = &mut ret {
            hdr.abi = tracer_common::ABI_IA32;
        }
        j.push(ret, &mut |i| got.push(i));
        assert_eq!(got.len(), 1, "{got:?}");
        let Item::Call(c) = &got[0] else { panic!() };
        assert_eq!((c.abi, c.ret, c.dur_ns()), (Abi::X86_64, Some(0), Some(50)));
        assert!(j.drain().is_empty());
    }

    fn exec(pid: u32, tid: u32, ts: u64, argv: &[u8]) -> Record {
        let mut data = 2u32.to_le_bytes().to_vec();
        data.extend(tracer_common::ARGC_KNOWN.to_le_bytes());
        data.extend_from_slice(argv);
        Record::Exec {
            hdr: RecordHeader {
                kind: tracer_common::REC_EXEC,
                ts_ns: ts,
                pid,
                tid,
                ..RecordHeader::default()
            },
            body: tracer_common::ExecRecord::default(),
            filename: b"/usr/bin/cat".to_vec(),
            argv: Some(Capture {
                hdr: tracer_common::CaptureHeader {
                    op: tracer_common::OP_INDEX_EXEC,
                    kind: tracer_common::CK_ARGV,
                    len: data.len() as u16,
                    want: argv.len() as u32,
                    ..Default::default()
                },
                data: data.into(),
            }),
        }
    }

    /// The exec record's argv goes to the execve in flight on that thread (or, when a thread
    /// other than the leader exec'd, on another thread of the process), and is shown with it;
    /// a failed execve keeps its pointer.
    #[test]
    fn an_exec_gives_its_argv_to_the_execve() {
        let row = (0..)
            .map_while(syscalls::row)
            .position(|r| r.name == "execve")
            .unwrap() as u16;
        let argv_text = |c: &Call| c.args()[1].text().clone();
        let mut j = Joiner::default();
        let mut got = Vec::new();
        j.push(enter(7, 59, row, 10), &mut |i| got.push(i));
        let argv = b"cat\0/etc/hostname\0";
        j.push(exec(7, 7, 20, argv), &mut |i| got.push(i));
        j.push(exit(7, 59, row, 30, 0), &mut |i| got.push(i));
        // A failed one: no exec record.
        j.push(enter(8, 59, row, 40), &mut |i| got.push(i));
        j.push(exit(8, 59, row, 50, -2), &mut |i| got.push(i));
        // Thread 10 of process 9 exec'd: the record names the leader.
        let mut e = enter(10, 59, row, 60);
        if let Record::Enter { hdr, .. } = &mut e {
            hdr.pid = 9;
        }
        j.push(e, &mut |i| got.push(i));
        j.push(exec(9, 9, 70, b"wc\0-c\0"), &mut |i| got.push(i));
        let calls: Vec<Box<Call>> = got
            .into_iter()
            .filter_map(|i| match i {
                Item::Call(c) => Some(c),
                Item::Proc(_) => None,
            })
            .collect();
        assert_eq!(argv_text(&calls[0]), r#"["cat", "/etc/hostname"]"#);
        assert_eq!(argv_text(&calls[1]), "NULL");
        let rest = j.drain();
        assert_eq!(argv_text(&rest[0]), r#"["wc", "-c"]"#);
    }

    #[test]
    fn exit_without_enter_and_enter_without_exit() {
        let mut j = Joiner::default();
        let mut got = Vec::new();
        j.push(exit(7, 49, 1, 10, 0), &mut |i| got.push(i));
        j.push(enter(7, 49, 1, 20), &mut |i| got.push(i));
        j.push(enter(7, 42, 2, 30), &mut |i| got.push(i));
        assert_eq!(got.len(), 2, "the exit-only call and the unfinished one");
        assert_eq!(j.drain().len(), 1);
        // A row index outside the table is counted, not trusted.
        j.push(enter(8, 1, u16::MAX, 40), &mut |i| got.push(i));
        assert_eq!(j.unknown_rows, 1);
    }
}
