//! Writing a trace as JSON Lines (schema: docs/trace-format.md) or strace-like text.

use std::io::{self, Write};

use serde_json::{Map, Value, json};
use tracer_common::{SYS_F_ARGS_FAULT, SYS_F_BAD_CALL, SYS_F_CAPTURE_FULL};

use std::sync::Arc;

use crate::decode::Decoded;
use crate::decode::errno;
use crate::fastfmt;
use crate::fds::{AT_FDCWD, Detail, Fds, describes_after, returns_fd, writes_pair};
use crate::jsonl::{CallRecord, PathRecord};
use crate::kernel::ksyms::Ksyms;
use crate::kernel::path::{self, Step, Templates};
use crate::recording::format::CommandExit;
use crate::syscalls::{Arg, Ret};
use crate::trace::{Call, Proc};

pub const FORMAT_VERSION: u32 = 2;

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Text,
}

/// How text output is shaped beyond the calls themselves.
#[derive(Copy, Clone, Debug, Default)]
pub struct TextOpts {
    /// Each call's path through the kernel beneath it (`-k`).
    pub kernel_path: bool,
    /// What each descriptor is (`-y`, `-yy`).
    pub detail: Detail,
}

/// Facts about the recording, written first.
pub struct Header {
    /// The tracer version that recorded (for an export: the recording's, not this one's).
    pub tracer: String,
    /// The recorded machine's architecture (`std::env::consts::ARCH` there).
    pub arch: String,
    pub kernel: String,
    /// Per kernel function on the call paths: "fentry", "kprobe" or "none".
    pub hops: Vec<(&'static str, &'static str)>,
    pub boot_to_wall_ns: i128,
    pub scope: String,
    pub snaplen: u32,
}

/// Summary, written last.
pub struct Summary {
    pub calls: u64,
    pub lost: u64,
    pub decode_errors: u64,
}

pub struct Writer {
    out: Box<dyn Write>,
    format: Format,
    boot_to_wall_ns: i128,
    /// The running kernel's symbols: each call's journey is built from them.
    ksyms: Arc<Ksyms>,
    /// Text format: print each call's kernel path beneath it (`-k`).
    kernel_path_text: bool,
    /// Text format: processes whose exit status an exit line gave (the command's is then not
    /// repeated).
    status_shown: std::collections::HashMap<u32, CommandExit>,
    /// Losses reported but not yet written, oldest first (see [`Writer::lost`]).
    held_lost: std::collections::VecDeque<(u64, u64)>,
    /// What each descriptor is, as the calls written so far left it.
    fds: Box<Fds>,
    /// Text format: how much to say after each descriptor (`-y`, `-yy`).
    detail: Detail,
    /// JSON Lines: the journey templates written so far, by id.
    templates: Templates,
    /// The fields from `pid` to `syscall` of recent JSON Lines records, by thread and call.
    heads: crate::jsonl::Heads,
    /// A record being written (reused: no allocation per call once it has grown).
    buf: Vec<u8>,
    /// A record's `fds` entries being gathered.
    fds_buf: Vec<u8>,
    /// A text line being written (reused).
    text: String,
}

fn markers(flags: u8) -> Vec<&'static str> {
    let mut m = Vec::new();
    if flags & SYS_F_BAD_CALL != 0 {
        m.push("bad_call");
    }
    if flags & SYS_F_ARGS_FAULT != 0 {
        m.push("args_fault");
    }
    if flags & SYS_F_CAPTURE_FULL != 0 {
        m.push("capture_full");
    }
    m
}

/// `exit_code` or `signal` (by name) of a process's end, into a JSON Lines record.
fn end_fields(v: &mut Value, end: &CommandExit) {
    if let Some(code) = end.code {
        v["exit_code"] = json!(code);
    }
    if let Some(s) = end.signal {
        v["signal"] = json!(
            nix::sys::signal::Signal::try_from(s)
                .map_or_else(|_| s.to_string(), |s| s.as_str().to_string())
        );
    }
}

/// `-EADDRINUSE` and friends: the kernel returns -1..-4095 for errors (include/linux/err.h).
pub fn errno_of(ret: i64) -> Option<i32> {
    (-4095..0).contains(&ret).then(|| (-ret) as i32)
}

impl Writer {
    pub fn new(
        out: Box<dyn Write>,
        format: Format,
        boot_to_wall_ns: i128,
        ksyms: Arc<Ksyms>,
        kernel_path_text: bool,
    ) -> Writer {
        Writer {
            out,
            format,
            boot_to_wall_ns,
            ksyms,
            kernel_path_text,
            status_shown: std::collections::HashMap::new(),
            held_lost: std::collections::VecDeque::new(),
            fds: Box::default(),
            detail: Detail::Off,
            templates: Templates::default(),
            heads: crate::jsonl::Heads::default(),
            buf: Vec::new(),
            fds_buf: Vec::new(),
            text: String::new(),
        }
    }

    /// Text format: say what each descriptor is (`-y`, `-yy`).
    pub fn set_detail(&mut self, detail: Detail) {
        self.detail = detail;
    }

    /// The descriptors model: the traced command's start (see [`Fds::begin`]).
    pub fn fds_mut(&mut self) -> &mut Fds {
        &mut self.fds
    }

    fn line(&mut self, v: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, v)?;
        self.out.write_all(b"\n")
    }

    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        match self.format {
            Format::Jsonl => self.line(&json!({
                "type": "header",
                "format": "tracer-jsonl",
                "version": FORMAT_VERSION,
                "tracer": h.tracer,
                "kernel": h.kernel,
                "arch": h.arch,
                "clock": "boottime",
                "boot_to_wall_ns": h.boot_to_wall_ns.to_string(),
                "scope": h.scope,
                "snaplen": h.snaplen,
                "mechanisms": {
                    "syscalls": "raw_tracepoint",
                    "kernel_functions": h.hops.iter().map(|(f, m)| ((*f).to_string(), json!(m))).collect::<Map<String, Value>>(),
                },
            })),
            Format::Text => writeln!(
                self.out,
                "# tracer {} on Linux {}, tracing {}",
                h.tracer,
                h.kernel,
                h.scope
            ),
        }
    }

    fn wall(&self, ts_ns: u64) -> String {
        let mut s = String::with_capacity(15);
        self.wall_into(ts_ns, &mut s);
        s
    }

    /// `HH:MM:SS.uuuuuu` of boot-time `ts_ns`, in UTC, appended to `s`.
    fn wall_into(&self, ts_ns: u64, s: &mut String) {
        // In i64 (to the year 2262): i128 division is a library call, once per line.
        let wall = i64::try_from(i128::from(ts_ns) + self.boot_to_wall_ns).unwrap_or(0);
        let secs = wall.div_euclid(1_000_000_000);
        let us = wall.rem_euclid(1_000_000_000) as u64 / 1000;
        let day = secs.rem_euclid(86_400) as u64;
        fastfmt::u64_zeros(s, day / 3600, 2);
        s.push(':');
        fastfmt::u64_zeros(s, day / 60 % 60, 2);
        s.push(':');
        fastfmt::u64_zeros(s, day % 60, 2);
        s.push('.');
        fastfmt::u64_zeros(s, us, 6);
    }

    fn journey(&self, call: &Call) -> Vec<Step> {
        let family = call.sockaddr_arg();
        path::build(&self.ksyms, call, family.as_ref())
    }

    /// A call as its JSON Lines `syscall` record, journey included (the live view's model
    /// tests compare calls so).
    #[cfg(test)]
    pub fn call_value(&self, call: &Call) -> Value {
        self.call_json(call, "syscall")
    }

    /// A call's JSON Lines record, with its journey written out (`kernel_path`) as an
    /// [`crate::jsonl::inline_paths`] reader sees it.
    #[cfg(test)]
    fn call_json(&self, call: &Call, kind: &'static str) -> Value {
        let (args, markers) = (Self::args_of(call), markers(call.flags));
        let mut b = Vec::new();
        Self::record_of(&self.ksyms, call, kind, &args, &markers).write_into(&mut b);
        let mut v: Value = serde_json::from_slice(&b).expect("a record is JSON");
        if call.enter_ns.is_some() {
            v["kernel_path"] = serde_json::to_value(self.journey(call)).expect("steps serialize");
        }
        v
    }

    /// The decoded arguments a record shows: none when the entry was not seen or
    /// socketcall's array could not be read.
    fn args_of(call: &Call) -> crate::decode::Args<'_> {
        if call.enter_ns.is_some() && call.flags & SYS_F_ARGS_FAULT == 0 {
            call.args()
        } else {
            crate::decode::Args::new()
        }
    }

    /// A call's record without its journey.
    fn record_of<'a>(
        ksyms: &'a Ksyms,
        call: &'a Call,
        kind: &'static str,
        args: &'a [crate::decode::Decoded],
        markers: &'a [&'static str],
    ) -> CallRecord<'a> {
        CallRecord {
            kind,
            call,
            args,
            path: None,
            observed: &[],
            error_from: call
                .ret
                .filter(|r| errno_of(*r).is_some())
                .and_then(|err| path::error_from(ksyms, &call.hops, err)),
            errno: call.ret.and_then(errno_of).map(errno::name),
            markers,
        }
    }

    /// A call's line. Unless it is only `pending`, the descriptor model takes the call in:
    /// the arguments are described as the calls before left them, the result as this one did
    /// (a pipe's or socket pair's descriptors, the call's result, as it made them).
    fn call_text(&mut self, call: &Call, pending: bool, s: &mut String) {
        use std::fmt::Write as _;
        let pair = describes_after(call);
        if pair && !pending {
            self.fds.apply(call);
        }
        let ts = call.enter_ns.or(call.exit_ns).unwrap_or(0);
        self.wall_into(ts, s);
        // The thread's id, as `strace -f` prints it: a process's threads are told apart.
        s.push(' ');
        fastfmt::u64_right(s, u64::from(call.tid), 7);
        s.push(' ');
        fastfmt::str_left(s, &call.comm, 15);
        s.push(' ');
        if call.abi.name() != "x86_64" || call.entry_name() != "syscall" {
            let _ = write!(s, "[{} {}", call.abi.name(), call.entry_name());
            if let Some((disp, num, name)) = call.dispatcher() {
                let _ = match name {
                    Some(name) => write!(s, " {disp}({name})"),
                    None => write!(s, " {disp}({num})"),
                };
            }
            s.push_str("] ");
        }
        s.push_str(call.row.name);
        s.push('(');
        if call.flags & SYS_F_ARGS_FAULT != 0 {
            let _ = write!(s, "<argument array at {:#x} unreadable>", call.raw_args[1]);
        } else if call.enter_ns.is_some() {
            let netlink = netlink_of(&self.fds, call);
            for (k, a) in call.args_on(netlink).iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                annotated((&self.fds, self.detail), call, a, netlink, s);
            }
        } else {
            s.push_str("<...>");
        }
        if pending {
            s.push_str(" <pending...>");
            return;
        }
        if !pair {
            self.fds.apply(call);
        }
        s.push(')');
        match call.ret {
            Some(ret) => {
                if let Some(e) = errno_of(ret) {
                    errno::write_failure(s, e);
                } else {
                    s.push_str(" = ");
                    match call.row.ret {
                        Ret::Int | Ret::Fd | Ret::Child | Ret::NoReturn => {
                            fastfmt::i64_into(s, ret);
                        }
                        _ => s.push_str(&call.ret_text(ret)),
                    }
                    if returns_fd(call) {
                        self.fds.describe(call.pid, ret as i32, self.detail, s);
                    }
                }
                if let Some(d) = call.dur_ns() {
                    s.push_str(" <");
                    fastfmt::u64_into(s, d / 1_000_000_000);
                    s.push('.');
                    fastfmt::u64_zeros(s, d / 1000 % 1_000_000, 6);
                    s.push('>');
                }
            }
            // strace: `exit_group(0) = ?`; a call cut off by the end of the trace is unfinished.
            None if call.row.never_returns() => s.push_str(" = ?"),
            None => s.push_str(" = ? <unfinished>"),
        }
        let mk = markers(call.flags);
        if !mk.is_empty() {
            let _ = write!(s, " [{}]", mk.join(", "));
        }
    }

    /// The `fds` of a JSON Lines record, into `fds_buf` (entries separated by commas): what
    /// each descriptor the call names or returns is (the arguments as the calls before left
    /// them, the result as this one did). `apply` runs between the two.
    fn fds_json(&mut self, call: &Call) {
        let out = &mut self.fds_buf;
        out.clear();
        let pid = call.pid;
        if !writes_pair(call) {
            for (i, (_, a)) in call.row.args.iter().enumerate() {
                let fd = call.args[i] as i32;
                if matches!(a, Arg::Fd | Arg::DirFd) && fd >= 0 {
                    self.fds.json_into(pid, fd, out);
                }
            }
        }
        self.fds.apply(call);
        if let Some(ret) = call.ret.filter(|r| *r >= 0 && returns_fd(call)) {
            self.fds.json_into(pid, ret as i32, out);
        }
        if writes_pair(call)
            && let Some(pair) = call.fd_pair()
        {
            for fd in pair {
                self.fds.json_into(pid, fd as i32, out);
            }
        }
    }

    /// A call's JSON Lines record into `buf`, after the `path` record of its journey's
    /// template when that is new; `fds_buf` holds its `fds` entries.
    fn call_record(&mut self, call: &Call, kind: &'static str) {
        self.buf.clear();
        let (path, observed) = if call.enter_ns.is_some() {
            let family = call.sockaddr_arg();
            let (id, steps, new) = self.templates.of(&self.ksyms, call, family.as_ref());
            if new {
                let _ = serde_json::to_writer(&mut self.buf, &PathRecord { id, steps });
                self.buf.push(b'\n');
            }
            (Some(id), path::observed(&self.ksyms, &call.hops))
        } else {
            (None, Vec::new())
        };
        let (args, markers) = (Self::args_of(call), markers(call.flags));
        let rec = CallRecord {
            path,
            observed: &observed,
            ..Self::record_of(&self.ksyms, call, kind, &args, &markers)
        };
        rec.write_with(&mut self.buf, Some(&mut self.heads));
        if !self.fds_buf.is_empty() {
            // The record's `fds` last: its closing brace gives way to them.
            self.buf.pop();
            self.buf.extend_from_slice(b",\"fds\":[");
            self.buf.extend_from_slice(&self.fds_buf);
            self.buf.extend_from_slice(b"]}");
        }
        self.buf.push(b'\n');
    }

    /// A call not shown (outside `export -e`): only what it did to descriptors is kept.
    pub fn observe(&mut self, call: &Call) {
        self.fds.apply(call);
    }

    pub fn call(&mut self, call: &Call) -> io::Result<()> {
        self.release_lost(call.enter_ns.or(call.exit_ns))?;
        match self.format {
            Format::Jsonl => {
                self.fds_json(call);
                self.call_record(call, "syscall");
                self.out.write_all(&self.buf)
            }
            Format::Text => {
                let mut s = std::mem::take(&mut self.text);
                s.clear();
                self.call_text(call, false, &mut s);
                s.push('\n');
                let written = self.out.write_all(s.as_bytes());
                self.text = s;
                written?;
                if self.kernel_path_text && call.enter_ns.is_some() {
                    for step in self.journey(call) {
                        writeln!(self.out, "{:>40}{}", "", step.to_text())?;
                    }
                }
                Ok(())
            }
        }
    }

    /// A call that has been waiting: shown before it returns.
    pub fn pending(&mut self, call: &Call) -> io::Result<()> {
        self.release_lost(call.enter_ns.or(call.exit_ns))?;
        match self.format {
            Format::Jsonl => {
                self.fds_buf.clear();
                self.call_record(call, "pending");
                self.out.write_all(&self.buf)
            }
            Format::Text => {
                let mut s = String::new();
                self.call_text(call, true, &mut s);
                writeln!(self.out, "{s}")
            }
        }
    }

    pub fn proc(&mut self, p: &Proc) -> io::Result<()> {
        let (Proc::Fork { ts_ns, .. } | Proc::Exec { ts_ns, .. } | Proc::Exit { ts_ns, .. }) = p;
        self.release_lost(Some(*ts_ns))?;
        match p {
            Proc::Fork {
                pid, child, thread, ..
            } => self.fds.fork(*pid, *child, *thread),
            Proc::Exit { pid, tid, .. } if pid == tid => self.fds.exit(*pid),
            Proc::Exec { pid, .. } => self.fds.exec(*pid),
            Proc::Exit { .. } => {}
        }
        match (self.format, p) {
            (Format::Jsonl, Proc::Fork { ts_ns, pid, tid, comm, child, thread }) => {
                self.line(&json!({"type": "fork", "ts_ns": ts_ns, "pid": pid, "tid": tid, "comm": comm, "child": child, "thread": thread}))
            }
            (Format::Jsonl, Proc::Exec { ts_ns, pid, tid, comm, filename }) => {
                self.line(&json!({"type": "exec", "ts_ns": ts_ns, "pid": pid, "tid": tid, "comm": comm, "filename": filename}))
            }
            (Format::Jsonl, Proc::Exit { ts_ns, pid, tid, comm, status }) => {
                let mut v = json!({"type": "exit", "ts_ns": ts_ns, "pid": pid, "tid": tid, "comm": comm});
                if let Some(st) = status {
                    let end = CommandExit::from_wait_status(*pid, *st);
                    end_fields(&mut v, &end);
                    if st & 0x80 != 0 && end.signal.is_some() {
                        v["core_dumped"] = json!(true);
                    }
                }
                self.line(&v)
            }
            (Format::Text, Proc::Fork { ts_ns, pid, comm, child, thread, .. }) => {
                let what = if *thread { "thread" } else { "process" };
                let w = self.wall(*ts_ns);
                writeln!(self.out, "{w} {pid:>7} {comm:<15} +++ new {what} {child} +++")
            }
            (Format::Text, Proc::Exec { ts_ns, pid, comm, filename, .. }) => {
                let w = self.wall(*ts_ns);
                writeln!(self.out, "{w} {pid:>7} {comm:<15} +++ exec \"{filename}\" +++")
            }
            (Format::Text, Proc::Exit { ts_ns, pid, tid, comm, status: Some(st) }) if pid == tid => {
                // strace: `+++ exited with 7 +++`, `+++ killed by SIGKILL (core dumped) +++`.
                let w = self.wall(*ts_ns);
                let end = CommandExit::from_wait_status(*pid, *st);
                let core = if st & 0x80 != 0 && end.signal.is_some() { " (core dumped)" } else { "" };
                self.status_shown.insert(*pid, end);
                writeln!(self.out, "{w} {pid:>7} {comm:<15} +++ {}{core} +++", end.text())
            }
            (Format::Text, Proc::Exit { ts_ns, pid, tid, comm, .. }) => {
                let w = self.wall(*ts_ns);
                writeln!(self.out, "{w} {pid:>7} {comm:<15} +++ exited (tid {tid}) +++")
            }
        }
    }

    /// How the traced command ended (strace's `+++ exited with 7 +++`).
    pub fn command_exit(&mut self, ts_ns: u64, c: &CommandExit) -> io::Result<()> {
        self.release_lost(Some(ts_ns))?;
        match self.format {
            Format::Jsonl => {
                let mut v = json!({"type": "command_exit", "ts_ns": ts_ns, "pid": c.pid});
                end_fields(&mut v, c);
                self.line(&v)
            }
            // The kernel's exit record already said it, as strace says it once. (A leader that
            // ended before its other threads, by pthread_exit or a thread's execve, showed its
            // own status: the process's then follows.)
            Format::Text if self.status_shown.get(&c.pid) == Some(c) => Ok(()),
            Format::Text => {
                let w = self.wall(ts_ns);
                writeln!(self.out, "{w} {:>7} {:<15} +++ {} +++", c.pid, "", c.text())
            }
        }
    }

    /// `count` more events were lost in the kernel (the ring buffer was full).
    #[allow(
        clippy::unnecessary_wraps,
        reason = "a write for its callers, like every other record; that it is held is this writer's concern"
    )]
    pub fn lost(&mut self, ts_ns: u64, count: u64) -> io::Result<()> {
        // Held until the first call or process event from `ts_ns` on: the count is read when
        // the reader gets to it, and the records still queued before it then (the reader lags
        // by up to a ring's worth) happened before it. Written at once, it would precede
        // calls it came after; held, it sits between the calls around it, in time order.
        self.held_lost.push_back((ts_ns, count));
        Ok(())
    }

    /// Write the held losses that happened by `ts_ns` (all of them for `None`: the end).
    fn release_lost(&mut self, ts_ns: Option<u64>) -> io::Result<()> {
        while let Some(&(at, count)) = self.held_lost.front()
            && ts_ns.is_none_or(|t| at <= t)
        {
            self.held_lost.pop_front();
            self.write_lost(at, count)?;
        }
        Ok(())
    }

    fn write_lost(&mut self, ts_ns: u64, count: u64) -> io::Result<()> {
        match self.format {
            Format::Jsonl => self.line(&json!({"type": "lost", "ts_ns": ts_ns, "count": count})),
            Format::Text => {
                let w = self.wall(ts_ns);
                writeln!(
                    self.out,
                    "{w} !!! {count} events lost (ring buffer full) !!!"
                )
            }
        }
    }

    pub fn summary(&mut self, s: &Summary) -> io::Result<()> {
        self.release_lost(None)?;
        match self.format {
            Format::Jsonl => self.line(&json!({"type": "summary", "calls": s.calls, "lost": s.lost, "decode_errors": s.decode_errors})),
            Format::Text => writeln!(self.out, "# {} calls, {} events lost, {} undecodable records", s.calls, s.lost, s.decode_errors),
        }
    }

    /// Bytes written as they are, after everything written so far (strace's summary table
    /// after the trace), then flushed.
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.release_lost(None)?;
        self.out.write_all(bytes)?;
        self.out.flush()
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The protocol of the netlink socket a socket call sends on or receives from (its first
/// argument), as the descriptor model knows it: strace decodes the data of `sendto`,
/// `sendmsg`, `recvfrom`, `recvmsg`... on a netlink socket as messages (not of `write` and
/// `read`).
fn netlink_of(fds: &Fds, call: &Call) -> Option<u16> {
    let first_fd = matches!(call.row.args.first(), Some((_, Arg::Fd)));
    if call.row.classes & crate::syscalls::class::NETWORK == 0 || !first_fd {
        return None;
    }
    fds.netlink(call.pid, call.args[0] as i32)
}

/// A decoded argument's text, into `s`, with what its descriptors are, as the calls
/// before this one left them (`-y`): a descriptor `3</etc/hostname>`, `AT_FDCWD</tmp>`, a
/// pair `[3<pipe:[5]>, 4<pipe:[5]>]` (written by the call: shown as it left them).
fn annotated(
    (fds, detail): (&Fds, Detail),
    call: &Call,
    arg: &Decoded<'_>,
    netlink: Option<u16>,
    out: &mut String,
) {
    let at = (detail != Detail::Off)
        .then(|| call.row.args.iter().position(|(n, _)| *n == arg.name))
        .flatten();
    let Some(at) = at else {
        arg.text_into(out);
        return;
    };
    let (pid, raw) = (call.pid, call.args[at] as i32);
    let describe = |fd: i32, o: &mut String| {
        fds.describe(pid, fd, detail, o);
    };
    // The copy an op made at entry: what the program passed in.
    let passed = |op: u8| call.enter_caps.iter().find(|c| c.hdr.op == op && c.ok());
    match call.row.args[at].1 {
        Arg::DirFd if raw == AT_FDCWD => {
            arg.text_into(out);
            fds.cwd_text(pid, out);
        }
        Arg::Fd | Arg::DirFd => {
            arg.text_into(out);
            describe(raw, out);
        }
        // The descriptors its control messages pass (`SCM_RIGHTS`): decoded again, each
        // described. Only calls that pass some pay for it.
        Arg::MsgHdr(op) if !crate::decode::passed_fds(&call.view()).is_empty() => {
            out.push_str(
                &crate::decode::msghdr_with(&call.view_on(netlink), op, call.args[at], &describe).1,
            );
        }
        // Each descriptor of the array passed in, described as strace's `-y` does (not
        // those of the ready ones in the result).
        Arg::PollFds(op, _) => match passed(op) {
            Some(c) => out.push_str(&crate::decode::structs::pollfds_with(
                &c.data, false, &describe,
            )),
            None => arg.text_into(out),
        },
        // The sets passed in, each descriptor described (not the ready ones after `=`).
        Arg::FdSet(op) => match passed(op) {
            Some(c) => {
                let n = i64::from(call.args[0] as i32);
                out.push_str(&crate::decode::structs::fd_set_with(&c.data, n, &describe));
            }
            None => arg.text_into(out),
        },
        Arg::FdPair(_) => match call.fd_pair() {
            Some([x, y]) => {
                use std::fmt::Write as _;
                out.push('[');
                for (j, fd) in [x, y].into_iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{fd}");
                    describe(fd as i32, out);
                }
                out.push(']');
            }
            None => arg.text_into(out),
        },
        _ => arg.text_into(out),
    }
}

/// A call's `name(args)` as the text format writes it, with what its descriptors are at
/// `detail` (`-y`, `-yy`), and what the descriptor it returned is (`</etc/hostname>`, empty
/// when it returned none); `fds` takes the call in, as the text writer's does (the live view's
/// list shows these).
pub fn described_call(
    fds: &mut Fds,
    detail: Detail,
    call: &Call,
    pending: bool,
) -> (String, String) {
    use std::fmt::Write as _;
    let pair = describes_after(call);
    if pair && !pending {
        fds.apply(call);
    }
    let mut s = String::with_capacity(64);
    s.push_str(call.row.name);
    s.push('(');
    if call.flags & SYS_F_ARGS_FAULT != 0 {
        let _ = write!(s, "<argument array at {:#x} unreadable>", call.raw_args[1]);
    } else if call.enter_ns.is_some() {
        let netlink = netlink_of(fds, call);
        for (k, a) in call.args_on(netlink).iter().enumerate() {
            if k > 0 {
                s.push_str(", ");
            }
            annotated((fds, detail), call, a, netlink, &mut s);
        }
    } else {
        s.push_str("<...>");
    }
    s.push(')');
    if pending {
        return (s, String::new());
    }
    if !pair {
        fds.apply(call);
    }
    let mut ret = String::new();
    if let Some(r) = call.ret.filter(|r| errno_of(*r).is_none())
        && returns_fd(call)
    {
        fds.describe(call.pid, r as i32, detail, &mut ret);
    }
    (s, ret)
}
