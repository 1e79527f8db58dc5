//! Writing a trace as JSON Lines (schema: docs/trace-format.md) or strace-like text.

use std::io::{self, Write};

use serde_json::{Map, Value, json};
use tracer_common::{SYS_F_ARGS_FAULT, SYS_F_BAD_CALL, SYS_F_CAPTURE_FULL};

use std::sync::Arc;

use crate::decode::flags;
use crate::fds::{AT_FDCWD, Detail, Fds, describes_after, returns_fd, writes_pair};
use crate::kernel::ksyms::Ksyms;
use crate::kernel::path::{self, Step};
use crate::recording::format::CommandExit;
use crate::syscalls::Arg;
use crate::trace::{Call, Proc};

pub const FORMAT_VERSION: u32 = 1;

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
        let wall = i128::from(ts_ns) + self.boot_to_wall_ns;
        let secs = wall.div_euclid(1_000_000_000);
        let us = wall.rem_euclid(1_000_000_000) / 1000;
        let day = secs.rem_euclid(86_400);
        format!(
            "{:02}:{:02}:{:02}.{us:06}",
            day / 3600,
            day / 60 % 60,
            day % 60
        )
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

    fn call_json(&self, call: &Call, kind: &str) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(kind));
        m.insert("ts_ns".into(), json!(call.enter_ns.or(call.exit_ns)));
        m.insert("pid".into(), json!(call.pid));
        m.insert("tid".into(), json!(call.tid));
        m.insert("comm".into(), json!(call.comm));
        m.insert("abi".into(), json!(call.abi.name()));
        m.insert("entry".into(), json!(call.entry_name()));
        m.insert("nr".into(), json!(call.nr));
        let bad = call.flags & SYS_F_BAD_CALL != 0;
        m.insert("syscall".into(), json!(call.row.name));
        if let Some((disp, num, name)) = call.dispatcher() {
            let mut d = json!({"call": num, "name": name});
            if disp == "socketcall" && call.flags & SYS_F_ARGS_FAULT == 0 {
                // The argument array as the kernel's copy_from_user read it.
                d["args_ptr"] = json!(format!("{:#x}", call.raw_args[1]));
                d["array"] = json!(&call.args[..call.row.args.len().min(6)]);
            }
            m.insert(disp.into(), d);
        } else if bad {
            m.insert(
                call.row.name.into(),
                json!({"call": call.raw_args[0] as u32, "name": null}),
            );
        }
        let mut args = Map::new();
        if call.flags & SYS_F_ARGS_FAULT != 0 {
            // socketcall's argument array could not be read: there are no arguments to show.
            args.insert(
                "args_unreadable".into(),
                json!(format!("{:#x}", call.raw_args[1])),
            );
        } else if call.enter_ns.is_some() {
            for a in call.args() {
                args.insert(a.name.into(), a.json);
            }
        }
        m.insert("args".into(), Value::Object(args));
        if call.enter_ns.is_some() {
            m.insert("raw_args".into(), json!(call.raw_args));
        }
        if let Some(ret) = call.ret {
            m.insert("ret".into(), json!(ret));
            m.insert(
                "errno".into(),
                errno_of(ret).map_or(Value::Null, |e| json!(flags::errno(e))),
            );
        }
        if let Some(d) = call.dur_ns() {
            m.insert("dur_ns".into(), json!(d));
        }
        let files: Vec<Value> = call
            .created_files()
            .map(|f| {
                let kind = match f.mode & libc::S_IFMT {
                    libc::S_IFSOCK => "socket",
                    libc::S_IFIFO => "fifo",
                    _ => "other",
                };
                json!({"fd": f.fd, "ino": f.ino, "type": kind})
            })
            .collect();
        if !files.is_empty() {
            m.insert("files".into(), Value::Array(files));
        }
        if call.enter_ns.is_some() {
            let steps: Vec<Value> = self.journey(call).iter().map(Step::to_json).collect();
            m.insert("kernel_path".into(), Value::Array(steps));
        }
        if let Some(err) = call.ret.filter(|r| errno_of(*r).is_some())
            && let Some(f) = path::error_from(&self.ksyms, &call.hops, err)
        {
            m.insert("error_from".into(), json!(f));
        }
        if call.ret.is_none() && kind == "syscall" {
            m.insert("unfinished".into(), json!(true));
        }
        if call.enter_ns.is_none() {
            m.insert("enter_missing".into(), json!(true));
        }
        let mk = markers(call.flags);
        if !mk.is_empty() {
            m.insert("markers".into(), json!(mk));
        }
        Value::Object(m)
    }

    /// A call's line. Unless it is only `pending`, the descriptor model takes the call in:
    /// the arguments are described as the calls before left them, the result as this one did
    /// (a pipe's or socket pair's descriptors, the call's result, as it made them).
    fn call_text(&mut self, call: &Call, pending: bool) -> String {
        let pair = describes_after(call);
        if pair && !pending {
            self.fds.apply(call);
        }
        let ts = call.enter_ns.or(call.exit_ns).unwrap_or(0);
        let mut s = format!("{} {:>7} {:<15} ", self.wall(ts), call.pid, call.comm);
        if call.abi.name() != "x86_64" || call.entry_name() != "syscall" {
            s.push_str(&format!("[{} {}", call.abi.name(), call.entry_name()));
            if let Some((disp, num, name)) = call.dispatcher() {
                s.push_str(&format!(
                    " {disp}({})",
                    name.map_or_else(|| num.to_string(), str::to_string)
                ));
            }
            s.push_str("] ");
        }
        let args: Vec<String> = if call.flags & SYS_F_ARGS_FAULT != 0 {
            vec![format!(
                "<argument array at {:#x} unreadable>",
                call.raw_args[1]
            )]
        } else if call.enter_ns.is_some() {
            call.args()
                .into_iter()
                .map(|a| self.annotated(call, a.name, a.text))
                .collect()
        } else {
            vec!["<...>".into()]
        };
        s.push_str(&format!("{}({}", call.row.name, args.join(", ")));
        if pending {
            s.push_str(" <pending...>");
            return s;
        }
        if !pair {
            self.fds.apply(call);
        }
        s.push(')');
        match call.ret {
            Some(ret) => {
                if let Some(e) = errno_of(ret) {
                    s.push_str(&format!(
                        " = -1 {} ({})",
                        flags::errno(e),
                        nix::errno::Errno::from_raw(e).desc()
                    ));
                } else {
                    s.push_str(" = ");
                    s.push_str(&call.ret_text(ret));
                    if returns_fd(call) {
                        self.fds.describe(call.pid, ret as i32, self.detail, &mut s);
                    }
                }
                if let Some(d) = call.dur_ns() {
                    s.push_str(&format!(
                        " <{}.{:06}>",
                        d / 1_000_000_000,
                        d / 1000 % 1_000_000
                    ));
                }
            }
            // strace: `exit_group(0) = ?`; a call cut off by the end of the trace is unfinished.
            None if call.row.never_returns() => s.push_str(" = ?"),
            None => s.push_str(" = ? <unfinished>"),
        }
        let mk = markers(call.flags);
        if !mk.is_empty() {
            s.push_str(&format!(" [{}]", mk.join(", ")));
        }
        s
    }

    /// A decoded argument's text with what its descriptors are, as the calls before this
    /// one left them (`-y`): a descriptor `3</etc/hostname>`, `AT_FDCWD</tmp>`, a pair
    /// `[3<pipe:[5]>, 4<pipe:[5]>]` (written by the call: shown as it left them).
    fn annotated(&self, call: &Call, name: &str, text: String) -> String {
        if self.detail == Detail::Off {
            return text;
        }
        let Some(i) = call.row.args.iter().position(|(n, _)| *n == name) else {
            return text;
        };
        let (pid, raw) = (call.pid, call.args[i] as i32);
        let mut s = text;
        match call.row.args[i].1 {
            Arg::DirFd if raw == AT_FDCWD => {
                self.fds.cwd_text(pid, &mut s);
            }
            Arg::Fd | Arg::DirFd => {
                self.fds.describe(pid, raw, self.detail, &mut s);
            }
            // The descriptors its control messages pass (`SCM_RIGHTS`): decoded again, each
            // described. Only calls that pass some pay for it.
            Arg::MsgHdr(op) if !crate::decode::passed_fds(&call.view()).is_empty() => {
                let describe = |fd: i32, out: &mut String| {
                    self.fds.describe(pid, fd, self.detail, out);
                };
                s = crate::decode::msghdr_with(&call.view(), op, call.args[i], &describe).1;
            }
            Arg::FdPair(_) => {
                if let Some([a, b]) = call.fd_pair() {
                    s.clear();
                    s.push('[');
                    for (j, fd) in [a, b].into_iter().enumerate() {
                        if j > 0 {
                            s.push_str(", ");
                        }
                        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{fd}"));
                        self.fds.describe(pid, fd as i32, self.detail, &mut s);
                    }
                    s.push(']');
                }
            }
            _ => {}
        }
        s
    }

    /// The `fds` of a JSON Lines record: what each descriptor the call names or returns is
    /// (the arguments as the calls before left them, the result as this one did). `apply`
    /// runs between the two.
    fn fds_json(&mut self, call: &Call) -> Vec<Value> {
        let mut out = Vec::new();
        let pid = call.pid;
        if !writes_pair(call) {
            for (i, (_, a)) in call.row.args.iter().enumerate() {
                let fd = call.args[i] as i32;
                if matches!(a, Arg::Fd | Arg::DirFd) && fd >= 0 {
                    out.extend(self.fds.json(pid, fd));
                }
            }
        }
        self.fds.apply(call);
        if let Some(ret) = call.ret.filter(|r| *r >= 0 && returns_fd(call)) {
            out.extend(self.fds.json(pid, ret as i32));
        }
        if writes_pair(call)
            && let Some(pair) = call.fd_pair()
        {
            for fd in pair {
                out.extend(self.fds.json(pid, fd as i32));
            }
        }
        out
    }

    /// A call not shown (outside `export -e`): only what it did to descriptors is kept.
    pub fn observe(&mut self, call: &Call) {
        self.fds.apply(call);
    }

    pub fn call(&mut self, call: &Call) -> io::Result<()> {
        self.release_lost(call.enter_ns.or(call.exit_ns))?;
        match self.format {
            Format::Jsonl => {
                let mut v = self.call_json(call, "syscall");
                let fds = self.fds_json(call);
                if !fds.is_empty() {
                    v["fds"] = Value::Array(fds);
                }
                self.line(&v)
            }
            Format::Text => {
                let s = self.call_text(call, false);
                writeln!(self.out, "{s}")?;
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
                let v = self.call_json(call, "pending");
                self.line(&v)
            }
            Format::Text => {
                let s = self.call_text(call, true);
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
