//! `tracer record`: capture until the command exits, a signal, or `--duration`; write every
//! call as it completes, pending calls once they have waited, process events and lost counts.

use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nix::time::{ClockId, clock_gettime};
use tokio::signal::unix::{SignalKind, signal};

use crate::capture::{self, Capture, Options};
use crate::cli::{RecordArgs, RecordFormat, Scope};
use crate::escape;
use crate::event;
use crate::export::{ExportFormat, Shown};
use crate::invoker::Invoker;
use crate::outfile;
use crate::output::{Format, Header, Summary, TextOpts, Writer};
use crate::recording::format::CommandExit;
use crate::recording::header;
use crate::recording::replay::Replay;
use crate::recording::writer::Recorder;
use crate::summary::{self, SortBy, Wanted};
use crate::syscalls::Selection;
use crate::syscalls::qualify;
use crate::trace::{Call, Item, Joiner, Proc};

/// A call is shown as pending once it has waited this long.
const PENDING_AFTER_NS: u64 = 200_000_000;
const TICK: Duration = Duration::from_millis(100);

pub fn now_ns(clock: ClockId) -> i128 {
    clock_gettime(clock).map_or(0, |t| {
        i128::from(t.tv_sec()) * 1_000_000_000 + i128::from(t.tv_nsec())
    })
}

/// Everything that can be checked without privileges, before loading anything.
pub fn options(scope: &Scope, ring_mib: u32, ring_pages: Option<u32>) -> Result<Options> {
    let scoped = !scope.pids.is_empty() || !scope.command.is_empty();
    if scope.relative {
        bail!(
            "-r (strace's relative timestamps) is not supported: tracer's text shows each call's \
             time of day in microseconds (as strace's -tt) and its duration (as -T)"
        );
    }
    let q = qualify::parse(&scope.syscalls)?;
    let selection = q
        .selection
        .unwrap_or_else(|| Selection::default_for(scoped));
    if scope.snaplen > tracer_common::MAX_SNAPLEN {
        bail!(
            "-s {} is too large: at most {} bytes of each payload are captured",
            scope.snaplen,
            tracer_common::MAX_SNAPLEN
        );
    }
    if !ring_mib.is_power_of_two() || ring_mib > 1024 {
        bail!("--ring-mib {ring_mib}: must be a power of two between 1 and 1024");
    }
    if ring_pages.is_some_and(|p| !p.is_power_of_two() || p > 1 << 18) {
        bail!("--ring-pages: must be a power of two");
    }
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .unwrap_or(4096) as u32;
    let ring_bytes = ring_pages.map_or(ring_mib << 20, |p| p * page);
    if !scope.pids.is_empty() && !scope.command.is_empty() {
        bail!("give either -p PID or a command, not both");
    }
    for pid in &scope.pids {
        capture::check_pid(*pid)?;
    }
    if let Some(cmd) = scope.command.first() {
        check_executable(cmd)?;
    }
    Ok(Options {
        pids: scoped.then(|| scope.pids.clone()),
        selection,
        comms: scope.comms.clone(),
        snaplen: scope.snaplen,
        ring_bytes,
        wrappers: scope.wrapper_probes,
        no_backpressure: !scope.backpressure,
        batch_kib: scope.batch_kib,
        status: q.status,
    })
}

fn check_executable(cmd: &str) -> Result<()> {
    let candidates: Vec<std::path::PathBuf> = if cmd.contains('/') {
        vec![cmd.into()]
    } else {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join(cmd)).collect())
            .unwrap_or_default()
    };
    let found = candidates.iter().any(|p| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    });
    if !found {
        bail!(
            "cannot execute {cmd:?}: no such executable file{}",
            if cmd.contains('/') { "" } else { " in PATH" }
        );
    }
    Ok(())
}

/// Standard output for `-`, else the file, opened as [`outfile::open`] allows.
fn open_output(file: Option<std::fs::File>) -> Box<dyn Write> {
    match file {
        Some(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
        // On a terminal, each line appears as it happens, in order with the command's output.
        None if io::IsTerminal::is_terminal(&io::stdout()) => {
            Box::new(io::LineWriter::new(io::stdout()))
        }
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
    }
}

/// Open `-o PATH` before anything is attached ([`outfile::open`]): a FIFO without a reader is
/// waited for here, saying so, and a signal still ends tracer. `None` for standard output.
async fn open_path(path: &Path, signals: &mut Signals) -> Result<Option<std::fs::File>> {
    if path == Path::new("-") {
        return Ok(None);
    }
    // The wait blocks (a FIFO's reader may take a while): on a thread of its own, so that a
    // signal still ends it here. Its thread is left to the runtime's shutdown.
    let owned = path.to_path_buf();
    let opening = tokio::task::spawn_blocking(move || {
        outfile::open_waiting(&owned, Invoker::from_env().as_ref())
    });
    tokio::select! {
        f = opening => Ok(Some(f??)),
        s = signals.recv() => bail!("{}: no reader came before {}", escape::path(path), s.as_str()),
    }
}

/// SIGINT, SIGTERM and SIGHUP: each ends tracer cleanly (the trace finished, the command
/// ended, the terminal restored), from the moment they are set up.
pub struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> io::Result<Signals> {
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// One that arrived before now (while the thread was busy loading), if any.
    pub async fn early(&mut self) -> Option<nix::sys::signal::Signal> {
        tokio::time::timeout(Duration::from_millis(5), self.recv())
            .await
            .ok()
    }

    /// The next of them to arrive.
    pub async fn recv(&mut self) -> nix::sys::signal::Signal {
        use nix::sys::signal::Signal;
        tokio::select! {
            _ = self.int.recv() => Signal::SIGINT,
            _ = self.term.recv() => Signal::SIGTERM,
            _ = self.hup.recv() => Signal::SIGHUP,
        }
    }
}

/// The file the command names: itself when it has a slash, else the first executable of that
/// name in `PATH` (as execvp and strace search). tracer execs this path once, so that the
/// command's first traced call is the one `execve` that starts it, not the failed tries of a
/// search done in the child.
fn resolve(prog: &str) -> Result<std::path::PathBuf> {
    if prog.contains('/') {
        return Ok(prog.into());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(prog))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .with_context(|| format!("cannot execute {}: not found in PATH", escape::str(prog)))
}

/// Whether tracer runs in its terminal's foreground process group (Ctrl-C reaches it and its
/// command alike).
fn in_foreground() -> bool {
    nix::unistd::tcgetpgrp(io::stdin()).is_ok_and(|fg| fg == nix::unistd::getpgrp())
}

/// How long a command gets to exit after tracer passed it the signal that stopped tracing.
pub const GRACE: Duration = Duration::from_secs(2);

/// The traced command, while tracer waits for it: what tracer stops it with, and when.
pub struct Child {
    pub pid: u32,
    /// It leads a process group of its own (tracer is not in the terminal's foreground, so
    /// nothing else sends the group its signals): stopping and killing it reach its
    /// descendants too.
    group: bool,
    /// Tracer asked it to stop (and when the grace ends); then killed it.
    stopping: Option<tokio::time::Instant>,
    killed: bool,
}

impl Child {
    pub fn new(pid: u32, group: bool) -> Child {
        Child {
            pid,
            group,
            stopping: None,
            killed: false,
        }
    }

    /// The command, or its whole process group when it has one of its own.
    fn target(&self) -> nix::unistd::Pid {
        let pid = self.pid as i32;
        nix::unistd::Pid::from_raw(if self.group { -pid } else { pid })
    }

    /// Tracing stops (`why`): pass `sig` on to the command, as strace does, and say what
    /// tracer waits for. A second stop, or the end of the grace, kills it. A SIGINT is not
    /// passed on when tracer and the command share the terminal's foreground group: the
    /// terminal sent it to both already, and a second one tells many programs to hurry.
    pub fn stop(&mut self, sig: nix::sys::signal::Signal, why: &str) -> String {
        use nix::sys::signal::Signal;
        if self.stopping.is_some() {
            return self.kill(why);
        }
        self.stopping = Some(tokio::time::Instant::now() + GRACE);
        let passed = if matches!(sig, Signal::SIGINT | Signal::SIGQUIT) && !self.group {
            format!(
                "the terminal gave the command (pid {}) {} too",
                self.pid,
                sig.as_str()
            )
        } else {
            let _ = nix::sys::signal::kill(self.target(), sig);
            format!("passed {} to the command (pid {})", sig.as_str(), self.pid)
        };
        format!(
            "tracer: {why}: {passed}; waiting {} s for it to exit (a second signal ends it now)",
            GRACE.as_secs()
        )
    }

    /// The grace is over, or the user insisted: SIGKILL.
    pub fn kill(&mut self, why: &str) -> String {
        self.killed = true;
        let _ = nix::sys::signal::kill(self.target(), nix::sys::signal::Signal::SIGKILL);
        format!(
            "tracer: {why}: killed the command (pid {}{}) with SIGKILL",
            self.pid,
            if self.group {
                " and its process group"
            } else {
                ""
            }
        )
    }

    /// When the grace ends (none before a stop, or after the kill).
    pub fn grace_ends(&self) -> Option<tokio::time::Instant> {
        self.stopping.filter(|_| !self.killed)
    }
}

/// `tracer record`; returns the exit status for tracer: the command's, as a shell reports it
/// (128 + N for a death by signal N), or 0.
pub fn run(args: &RecordArgs) -> Result<i32> {
    let opts = options(&args.scope, args.ring_mib, args.ring_pages)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let command = rt.block_on(record(args, &opts));
    // A command killed on an error path is not waited for past this.
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(command?.map_or(0, |c| c.shell_status()))
}

struct Counts {
    /// `-p` pids still alive: recording stops when the last one exits.
    watched: Vec<u32>,
    calls: u64,
    /// Calls counted for the summary table.
    counted: u64,
    /// Raw records written to a native recording.
    records: u64,
    lost_seen: u64,
}

fn write_item(sink: &mut CallSink, item: &Item, counts: &mut Counts) -> io::Result<()> {
    match item {
        Item::Call(c) => {
            let selected = sink.shown.as_ref().is_none_or(|s| s.selects(c));
            // Every selected call, as strace -c counts every call whatever `-e status=` shows.
            if selected && let Some(t) = &mut sink.table {
                t.table.add(c);
                counts.counted += 1;
            }
            match &mut sink.w {
                Some(w) if sink.shown.as_ref().is_none_or(|s| s.shows(c)) => {
                    counts.calls += 1;
                    w.call(c)
                }
                // Not shown: what it did to descriptors is still known (`-y`, `fds`).
                Some(w) => {
                    w.observe(c);
                    Ok(())
                }
                None => Ok(()),
            }
        }
        Item::Proc(p) => {
            if let Proc::Exit { pid, tid, .. } = p
                && pid == tid
            {
                counts.watched.retain(|w| w != pid);
            }
            sink.w.as_mut().map_or(Ok(()), |w| w.proc(p))
        }
    }
}

/// The capture side `record` and `live` share: the loaded programs, the joiner that turns
/// records into calls, and the clock offset for wall times.
pub struct Source {
    pub cap: Capture,
    pub joiner: Joiner,
    /// Records the decoder refused (a foreign or damaged eBPF object).
    pub decode_errors: u64,
    /// Ring samples read, and the records in them: a CPU sends its calls' records in batches
    /// (tracer-ebpf `Held`), with `--batch-kib 0` a call's entry and exit together.
    pub samples: u64,
    pub records: u64,
    /// `CLOCK_REALTIME - CLOCK_BOOTTIME`: event times are boot times.
    pub boot_to_wall: i128,
    items: Vec<Item>,
}

/// Resolves when the traced command exits.
pub type Exited = tokio::sync::oneshot::Receiver<io::Result<std::process::ExitStatus>>;

impl Source {
    /// Load and attach everything; from now on calls are captured.
    pub fn start(opts: &Options) -> Result<Source> {
        let cap = Capture::start(opts)?;
        Ok(Source {
            cap,
            joiner: Joiner::with_user(crate::usersym::UserSyms::Live(Box::default())),
            decode_errors: 0,
            samples: 0,
            records: 0,
            boot_to_wall: now_ns(ClockId::CLOCK_REALTIME) - now_ns(ClockId::CLOCK_BOOTTIME),
            items: Vec::new(),
        })
    }

    /// What was attached, one line each, for a person.
    pub fn messages(&self) -> Vec<String> {
        let libcs: Vec<String> = self
            .cap
            .libcs
            .iter()
            .map(|(p, n)| format!("{} ({n} wrappers)", escape::path(p)))
            .collect();
        vec![
            crate::kernel::hops::summary(&self.cap.hops),
            format!(
                "libc wrappers probed in {}",
                if !self.cap.wrappers {
                    "no C library (the wrapper step is observed from the saved user instruction pointer; --wrapper-probes adds uprobes)".to_string()
                } else if libcs.is_empty() {
                    "no C library (uprobes unavailable)".to_string()
                } else {
                    format!(
                        "{} (--wrapper-probes: each probed call costs a breakpoint trap)",
                        libcs.join(", ")
                    )
                }
            ),
        ]
    }

    /// Run `command` (as the user who ran sudo, with their groups and home) and trace it with
    /// all its descendants; returns its exit and its pid. With `output`, its stdin is /dev/null
    /// and its stdout and stderr go to that file, so that it cannot write over a terminal UI.
    pub fn spawn(
        &mut self,
        command: &[String],
        output: Option<std::fs::File>,
    ) -> Result<(Exited, Option<Child>)> {
        let (exit_tx, exit_rx) = tokio::sync::oneshot::channel();
        let Some((prog, rest)) = command.split_first() else {
            return Ok((exit_rx, None));
        };
        let mut cmd = Command::new(resolve(prog)?);
        cmd.arg0(prog).args(rest);
        if let Some(user) = Invoker::from_env() {
            user.apply(&mut cmd);
        }
        // In the terminal's foreground group the command stays in tracer's, to read the
        // terminal and get its Ctrl-C; elsewhere (a pipeline, a script, a service, or behind
        // the live view, which owns the terminal) it leads a group of its own, so that
        // stopping it stops what it started.
        let group = output.is_some() || !in_foreground();
        if let Some(f) = output {
            cmd.stdin(std::process::Stdio::null())
                .stdout(f.try_clone()?)
                .stderr(f);
        }
        if group {
            cmd.process_group(0);
        }
        self.cap
            .track_children_of(nix::unistd::gettid().as_raw() as u32)?;
        let spawned = cmd.spawn();
        self.cap.stop_tracking_children()?;
        let mut child = spawned.with_context(|| format!("cannot execute {}", escape::str(prog)))?;
        let pid = child.id();
        tokio::task::spawn_blocking(move || {
            let _ = exit_tx.send(child.wait());
        });
        Ok((exit_rx, Some(Child::new(pid, group))))
    }

    /// Read the records now in the ring buffer; calls and process events go to `out`.
    /// At most a ring's worth: all it held when the read began. Under a producer faster than
    /// the reader the ring never empties, and a read that waited for it to would hold the
    /// capture loop's tick (lost counts, pending calls, flushes) until the producer paused: a
    /// long run's losses were all reported at its end.
    pub fn read(&mut self, out: &mut impl FnMut(Item) -> io::Result<()>) -> io::Result<()> {
        let mut left = u64::from(self.cap.ring_bytes);
        let ring = self.cap.ring.get_mut();
        while left > 0
            && let Some(sample) = ring.next()
        {
            left = left.saturating_sub(sample.len() as u64);
            self.samples += 1;
            for rec in event::records(&sample) {
                self.records += 1;
                join(
                    &mut self.joiner,
                    &mut self.decode_errors,
                    &mut self.items,
                    rec,
                );
            }
            drop(sample);
            for item in self.items.drain(..) {
                out(item)?;
            }
        }
        Ok(())
    }

    /// One record as the kernel wrote it, taken as `read` takes each: decoded and joined; the
    /// calls and process events it completes go to `out`. For a reader that also keeps the raw
    /// records (the live view's model test tees them into a recording).
    #[cfg(test)]
    pub fn push_raw(
        &mut self,
        raw: &[u8],
        out: &mut impl FnMut(Item) -> io::Result<()>,
    ) -> io::Result<()> {
        join(
            &mut self.joiner,
            &mut self.decode_errors,
            &mut self.items,
            raw,
        );
        for item in self.items.drain(..) {
            out(item)?;
        }
        Ok(())
    }

    /// Hand the records now in the ring buffer to `out` as the kernel wrote them, undecoded (a
    /// sample that joins a call's entry and exit as two records); at most a ring's worth, as
    /// [`Source::read`].
    pub fn read_raw(&mut self, out: &mut impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let mut left = u64::from(self.cap.ring_bytes);
        let ring = self.cap.ring.get_mut();
        while left > 0
            && let Some(sample) = ring.next()
        {
            left = left.saturating_sub(sample.len() as u64);
            self.samples += 1;
            for rec in event::records(&sample) {
                self.records += 1;
                out(rec)?;
            }
        }
        Ok(())
    }

    /// Calls that have now waited long enough to be shown as pending.
    #[allow(
        clippy::vec_box,
        reason = "each call goes on in its box, as the joiner's items do"
    )]
    pub fn newly_pending(&mut self) -> Vec<Box<Call>> {
        let now = now_ns(ClockId::CLOCK_BOOTTIME) as u64;
        self.joiner
            .newly_pending(now.saturating_sub(PENDING_AFTER_NS))
    }
}

/// Decode one raw record and give it to the joiner; what it completes goes to `items`.
fn join(joiner: &mut Joiner, decode_errors: &mut u64, items: &mut Vec<Item>, raw: &[u8]) {
    match event::decode(raw) {
        Ok(r) => joiner.push(r, &mut |i| items.push(i)),
        Err(e) => {
            *decode_errors += 1;
            log::warn!("undecodable record: {e}");
        }
    }
}

/// Where `record` puts what it captures: formatted calls (text, JSON Lines), or the raw
/// records themselves (a native recording, formatted later by `tracer export`: nothing is
/// decoded into calls or formatted on the capture path).
#[allow(
    clippy::large_enum_variant,
    reason = "one per run, never moved per event: boxing would only add an indirection"
)]
enum Sink {
    Calls(CallSink),
    /// With `Some`, the native recording is a temporary file, exported to Perfetto's format at
    /// the end, by the same replay as `tracer export`.
    Native(
        Recorder<Box<dyn Write>>,
        Option<PerfettoOut>,
        Box<crate::usersym::Interner>,
    ),
}

/// Calls joined and formatted as they come: the trace, strace's summary table, or both.
struct CallSink {
    /// The trace; `None` with `-c` (the table alone).
    w: Option<Writer>,
    /// The calls the trace shows (`-e`, `-e status=`); `None`: all it gets. The others were
    /// traced only for what they do to descriptors.
    shown: Option<Shown>,
    /// `-c`/`-C`.
    table: Option<TableSink>,
}

/// strace's summary table, counted as calls come and written at the end.
struct TableSink {
    table: summary::Table,
    sort: SortBy,
    /// `None`: after the trace, in the trace's file.
    out: Option<Box<dyn Write>>,
}

/// Where `record --format perfetto` puts its recording until the end (a temporary file,
/// removed when dropped), and the JSON after it (`None`: standard output).
struct PerfettoOut {
    tmp: tempfile::NamedTempFile,
    out: Option<std::fs::File>,
}

impl Sink {
    /// The traced command has just been started with `start`: what it has open, and where.
    fn begin(&mut self, start: &crate::recording::format::Start) -> io::Result<()> {
        match self {
            Sink::Calls(CallSink { w: Some(w), .. }) => w.fds_mut().begin(start),
            Sink::Calls(_) => {}
            Sink::Native(r, _, _) => r.write_start(start)?,
        }
        Ok(())
    }

    /// Take everything now in the ring buffer.
    fn read(&mut self, src: &mut Source, counts: &mut Counts) -> io::Result<()> {
        match self {
            Sink::Calls(c) => src.read(&mut |i| write_item(c, &i, counts)),
            Sink::Native(r, _, names) => src.read_raw(&mut |raw| {
                counts.records += 1;
                if let Some(frame) = names.before(raw) {
                    r.write_user_frame(&frame)?;
                }
                if event::kind(raw) == Some(tracer_common::REC_ENTER) {
                    counts.calls += 1;
                }
                if let Some(pid) = event::exited_process(raw) {
                    counts.watched.retain(|w| *w != pid);
                }
                r.write_record(raw)
            }),
        }
    }

    /// The periodic work: pending calls, newly lost events, a flush.
    fn tick(&mut self, src: &mut Source, counts: &mut Counts) -> io::Result<()> {
        let now = now_ns(ClockId::CLOCK_BOOTTIME) as u64;
        let lost = src.cap.lost();
        let new_lost = lost.saturating_sub(counts.lost_seen);
        counts.lost_seen = lost;
        match self {
            Sink::Calls(CallSink { w: None, .. }) => Ok(()),
            Sink::Calls(CallSink {
                w: Some(w), shown, ..
            }) => {
                // With `-e status=`, a call is shown once it has ended as asked.
                for c in src.newly_pending() {
                    if shown
                        .as_ref()
                        .is_none_or(|s| s.selects(&c) && !s.filters_status())
                    {
                        w.pending(&c)?;
                    }
                }
                if new_lost > 0 {
                    w.lost(now, new_lost)?;
                }
                w.flush()
            }
            Sink::Native(r, _, _) => {
                if new_lost > 0 {
                    r.write_lost(now, new_lost)?;
                }
                r.flush()
            }
        }
    }

    /// Drain, write how the command ended and the summary, flush; returns the line for the
    /// person who ran it.
    fn finish(
        self,
        src: &mut Source,
        counts: &mut Counts,
        command: Option<CommandExit>,
    ) -> io::Result<String> {
        let mut msg = self.finish_inner(src, counts, command)?;
        let entries = src.cap.lost_entries();
        if counts.lost_seen > 0 {
            // Exact accounting: the calls that started = the entries recorded + these.
            msg.push_str(&format!(" ({entries} of them calls' entries)"));
        }
        Ok(msg)
    }

    fn finish_inner(
        mut self,
        src: &mut Source,
        counts: &mut Counts,
        command: Option<CommandExit>,
    ) -> io::Result<String> {
        self.read(src, counts)?;
        self.tick(src, counts)?;
        let lost = counts.lost_seen;
        let now = now_ns(ClockId::CLOCK_BOOTTIME) as u64;
        match self {
            Sink::Calls(mut c) => {
                for call in src.joiner.drain() {
                    write_item(&mut c, &Item::Call(call), counts)?;
                }
                if let Some(w) = &mut c.w {
                    if let Some(e) = &command {
                        w.command_exit(now, e)?;
                    }
                    w.summary(&Summary {
                        calls: counts.calls,
                        lost,
                        decode_errors: src.decode_errors + src.joiner.unknown_rows,
                    })?;
                    w.flush()?;
                }
                let Some(t) = c.table else {
                    return Ok(format!(
                        "tracer: {} calls recorded, {lost} events lost",
                        counts.calls
                    ));
                };
                let table = t.table.render(t.sort);
                match (t.out, &mut c.w) {
                    (Some(mut out), _) => {
                        out.write_all(table.as_bytes())?;
                        out.flush()?;
                    }
                    (None, Some(w)) => w.write_raw(table.as_bytes())?,
                    (None, None) => io::stderr().write_all(table.as_bytes())?,
                }
                let left_out =
                    summary::left_out(&t.table).map_or_else(String::new, |s| format!(" ({s})"));
                Ok(if c.w.is_some() {
                    format!(
                        "tracer: {} calls recorded, {} counted{left_out}, {lost} events lost",
                        counts.calls, counts.counted
                    )
                } else {
                    format!(
                        "tracer: {} calls counted{left_out}, {lost} events lost",
                        counts.counted
                    )
                })
            }
            Sink::Native(r, perfetto, _) => {
                let bytes = r.bytes();
                r.finish(now, command)?;
                if let Some(p) = perfetto {
                    // The temporary recording is removed as `p` is dropped, exported or not.
                    export_perfetto(p)?;
                    return Ok(format!(
                        "tracer: {} events recorded and exported as a Perfetto trace, {lost} events lost",
                        counts.records
                    ));
                }
                Ok(format!(
                    "tracer: {} events recorded ({} calls, {}), {lost} events lost",
                    counts.records,
                    counts.calls,
                    human_bytes(bytes)
                ))
            }
        }
    }

    fn bytes(&self) -> Option<u64> {
        match self {
            Sink::Calls(..) => None,
            Sink::Native(r, _, _) => Some(r.bytes()),
        }
    }
}

/// `in-kernel cost: sys_enter 612 ns x 606618 runs, sys_exit 401 ns x 606661 runs`.
fn cost_line(costs: &[crate::capture::ProgramCost]) -> String {
    if costs.is_empty() {
        return "in-kernel cost: no program ran".to_string();
    }
    let parts: Vec<String> = costs
        .iter()
        .map(|c| {
            format!(
                "{} {} ns x {} runs",
                c.name,
                c.run_ns / c.runs.max(1),
                c.runs
            )
        })
        .collect();
    format!("in-kernel cost: {}", parts.join(", "))
}

fn human_bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{} KiB", n / 1024),
        _ => format!("{}.{} MiB", n >> 20, ((n % (1 << 20)) * 10) >> 20),
    }
}

/// The progress line on stderr: replaced in place every tick, only on a terminal.
struct Progress {
    on: bool,
    started: std::time::Instant,
    last: (std::time::Instant, u64),
    rate: u64,
}

impl Progress {
    fn new(on: bool) -> Progress {
        let now = std::time::Instant::now();
        Progress {
            on,
            started: now,
            last: (now, 0),
            rate: 0,
        }
    }

    fn show(&mut self, events: u64, lost: u64, bytes: Option<u64>) {
        if !self.on {
            return;
        }
        let now = std::time::Instant::now();
        let dt = now.duration_since(self.last.0);
        if dt >= Duration::from_secs(1) {
            let per_sec = (events - self.last.1) * 1000 / (dt.as_millis().max(1) as u64);
            self.rate = per_sec;
            self.last = (now, events);
        }
        let mut line = format!(
            "tracer: {:.0} s, {events} events, {}/s, {lost} lost",
            self.started.elapsed().as_secs_f64().floor(),
            self.rate
        );
        if let Some(b) = bytes {
            line.push_str(&format!(", {}", human_bytes(b)));
        }
        eprint!("\r\x1b[2K{line}");
    }

    fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

fn scope_desc(scope: &Scope) -> String {
    if !scope.command.is_empty() {
        format!("command {:?}", scope.command.join(" "))
    } else if !scope.pids.is_empty() {
        format!("pids {:?}", scope.pids)
    } else {
        "the whole system".to_string()
    }
}

/// The finished temporary recording as a Perfetto trace, where `record -o` said.
fn export_perfetto(p: PerfettoOut) -> io::Result<()> {
    let replay = Replay::open(p.tmp.path()).map_err(|e| io::Error::other(e.to_string()))?;
    let out: Box<dyn Write> = match p.out {
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
        Some(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
    };
    crate::export::export(replay, out, ExportFormat::Perfetto, TextOpts::default())?;
    Ok(())
}

/// The format asked for, or the default for where it goes.
fn format_of(args: &RecordArgs, table: Option<Wanted>) -> Result<RecordFormat> {
    let to_stdout = args.output == Path::new("-");
    match (args.format, table) {
        (Some(RecordFormat::Text) | None, Some(t)) if !t.trace => Ok(RecordFormat::Text),
        (Some(f), Some(t)) if !t.trace => bail!(
            "-c writes strace's summary table alone, as text: --format {} does not apply \
             (-C writes the trace, then the table)",
            format_name(f)
        ),
        (Some(f @ (RecordFormat::Native | RecordFormat::Perfetto)), Some(_)) => bail!(
            "-C writes a trace of calls, then the table: give --format text or jsonl, not {}",
            format_name(f)
        ),
        // The table follows the trace as strace's follows its text: text, even in a file.
        (None, Some(_)) => Ok(RecordFormat::Text),
        (Some(RecordFormat::Native), None)
            if to_stdout && io::IsTerminal::is_terminal(&io::stdout()) =>
        {
            bail!("a native recording is binary: give it a file with -o FILE")
        }
        (Some(f), _) => Ok(f),
        (None, None) if to_stdout => Ok(RecordFormat::Text),
        (None, None) => Ok(RecordFormat::Native),
    }
}

fn format_name(f: RecordFormat) -> &'static str {
    match f {
        RecordFormat::Native => "native",
        RecordFormat::Jsonl => "jsonl",
        RecordFormat::Text => "text",
        RecordFormat::Perfetto => "perfetto",
    }
}

/// The sink for `format`, writing into `file` (`None`: standard output), opened before
/// anything was attached.
fn open_sink(
    args: &RecordArgs,
    format: RecordFormat,
    table: Option<Wanted>,
    file: Option<std::fs::File>,
    opts: &Options,
    shown: Option<Shown>,
    src: &Source,
) -> Result<Sink> {
    let scope = scope_desc(&args.scope);
    if matches!(format, RecordFormat::Native | RecordFormat::Perfetto) {
        let header = header::for_capture(&src.cap, opts, &scope, src.boot_to_wall);
        let (out, perfetto): (Box<dyn Write>, _) = if format == RecordFormat::Perfetto {
            let tmp = outfile::temporary("tracer-record-", ".tracer")
                .context("creating the temporary recording for --format perfetto")?;
            let f = tmp.reopen()?;
            (Box::new(f), Some(PerfettoOut { tmp, out: file }))
        } else {
            match file {
                Some(f) => (Box::new(f), None),
                None => (Box::new(io::stdout()), None),
            }
        };
        let r = Recorder::new(out, &header)
            .with_context(|| format!("cannot write {}", escape::path(&args.output)))?;
        return Ok(Sink::Native(r, perfetto, Box::default()));
    }
    if let Some(t) = table.filter(|t| !t.trace) {
        // strace -c: the table alone, into -o FILE, else on standard error.
        let out: Box<dyn Write> = match file {
            Some(f) => open_output(Some(f)),
            None => Box::new(io::stderr()),
        };
        return Ok(Sink::Calls(CallSink {
            w: None,
            shown,
            table: Some(TableSink {
                table: summary::Table::default(),
                sort: t.sort,
                out: Some(out),
            }),
        }));
    }
    // strace -C: the table after the trace when it is text in a file; on standard error when
    // the trace is on standard output (as strace writes both on its standard error) or is
    // JSON Lines (which a table would break).
    let after_trace = file.is_some() && format == RecordFormat::Text;
    let table = table.map(|t| TableSink {
        table: summary::Table::default(),
        sort: t.sort,
        out: (!after_trace).then(|| Box::new(io::stderr()) as Box<dyn Write>),
    });
    let out = open_output(file);
    let mut w = Writer::new(
        out,
        if format == RecordFormat::Jsonl {
            Format::Jsonl
        } else {
            Format::Text
        },
        src.boot_to_wall,
        src.cap.ksyms.clone(),
        args.kernel_path,
    );
    w.set_detail(crate::fds::Detail::from_count(args.decode_fds));
    w.header(&Header {
        tracer: env!("CARGO_PKG_VERSION").into(),
        arch: std::env::consts::ARCH.into(),
        hops: src
            .cap
            .hops
            .iter()
            .map(|h| (h.func, h.mechanism.name()))
            .collect(),
        kernel: nix::sys::utsname::uname()?
            .release()
            .to_string_lossy()
            .into_owned(),
        boot_to_wall_ns: src.boot_to_wall,
        scope,
        snaplen: opts.snaplen,
    })?;
    Ok(Sink::Calls(CallSink {
        w: Some(w),
        shown,
        table,
    }))
}

/// Why the loop stopped tracing.
enum Stop {
    /// The command exited (its status), or the traced pids did.
    Done(Option<std::process::ExitStatus>),
    Signal(nix::sys::signal::Signal),
    Duration,
}

/// Record until the command exits, the traced pids do, a signal or `--duration`; returns how
/// the command ended.
async fn record(args: &RecordArgs, opts: &Options) -> Result<Option<CommandExit>> {
    // Before anything slow (loading and verifying the programs): a SIGINT, SIGTERM or SIGHUP
    // from now on ends the recording cleanly instead of killing tracer.
    let mut signals = Signals::new()?;
    let s = &args.summary;
    let table = summary::wanted(s.only, s.summary, s.sort_by, s.wall_clock)?;
    let format = format_of(args, table)?;
    if opts.status.is_some() && matches!(format, RecordFormat::Native | RecordFormat::Perfetto) {
        bail!(
            "-e status= chooses the calls text and JSON Lines show: give --format text or jsonl (a native recording keeps every call)"
        );
    }
    // A trace that says what descriptors are (JSON Lines' `fds`, `-y`) of a chosen set of
    // calls also traces the calls that make, copy and close descriptors, and shows only the
    // chosen ones: strace reads /proc per call instead, which tracer does not do.
    // So does a text trace of socket calls: a netlink socket's data is decoded as messages
    // of the protocol its `socket` call named (decode/netlink.rs).
    let explicit = qualify::parse(&args.scope.syscalls)?.selection.is_some();
    let sockets = (0..)
        .map_while(crate::syscalls::row)
        .enumerate()
        .any(|(i, r)| opts.selection.rows[i] && r.classes & crate::syscalls::class::NETWORK != 0);
    let model = format == RecordFormat::Jsonl
        || (format == RecordFormat::Text && (args.decode_fds > 0 || sockets));
    let wider;
    let (opts, shown) = if explicit && model {
        let mut o = opts.clone();
        let shown = Shown::of(&o.selection, o.status);
        for (i, row) in (0..).map_while(crate::syscalls::row).enumerate() {
            if crate::fds::shapes(row) {
                o.selection.rows[i] = true;
            }
        }
        wider = o;
        (&wider, Some(shown))
    } else {
        (opts, opts.status.map(Shown::of_status))
    };
    // Before anything is attached: a FIFO without a reader is waited for here, killably.
    let file = open_path(&args.output, &mut signals).await?;
    let stats = args
        .bpf_stats
        .then(|| aya::sys::enable_stats(aya::sys::Stats::RunTime))
        .transpose()
        .context("enabling the kernel's BPF run-time statistics (Linux 5.8+)")?;
    let mut src = Source::start(opts)?;
    for m in src.messages() {
        eprintln!("tracer: {m}");
    }
    let mut sink = open_sink(args, format, table, file, opts, shown, &src)?;
    // The progress line would mix with calls written to the same terminal.
    let trace_on_stdout = args.output == Path::new("-") && table.is_none_or(|t| t.trace);
    let mut progress =
        Progress::new(!trace_on_stdout && io::IsTerminal::is_terminal(&io::stderr()));

    // A signal that came while the programs loaded: nothing is started. (The runtime sees it
    // only once its driver runs again, hence the short wait rather than a poll.)
    let early = signals.early().await;
    // What the command starts with: what tracer has open and does not close on exec, and its
    // working directory, read before the command runs. std's spawn returns once the command
    // has run its `execve` (glibc's posix_spawn): read then, a short command's descriptors
    // were sometimes already gone with it.
    let inherited = crate::fds::snapshot(std::process::id());
    let (mut exit_rx, mut child) = match early {
        Some(_) => (tokio::sync::oneshot::channel().1, None),
        None => src.spawn(&args.scope.command, None)?,
    };
    let pid = child.as_ref().map(|c| c.pid);
    if let Some(pid) = pid {
        sink.begin(&crate::recording::format::Start { pid, ..inherited })?;
    }

    let mut deadline = args.duration.map(|d| tokio::time::Instant::now() + d);
    let mut tick = tokio::time::interval(TICK);
    let mut drain = tokio::time::interval(crate::capture::DRAIN_EVERY);
    drain.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut counts = Counts {
        watched: args.scope.pids.clone(),
        calls: 0,
        counted: 0,
        records: 0,
        lost_seen: 0,
    };
    let watching = !args.scope.pids.is_empty();
    let output = escape::path(&args.output);
    let looped: Result<Stop> = async {
        if let Some(sig) = early {
            return Ok(Stop::Signal(sig));
        }
        Ok(loop {
        let grace = child.as_ref().and_then(Child::grace_ends);
        tokio::select! {
            guard = src.cap.ring.readable_mut() => {
                let mut guard = guard?;
                guard.clear_ready();
                drop(guard);
                sink.read(&mut src, &mut counts)?;
                if watching && counts.watched.is_empty() {
                    break Stop::Done(None);
                }
            }
            _ = drain.tick() => {
                sink.read(&mut src, &mut counts)?;
                if watching && counts.watched.is_empty() {
                    break Stop::Done(None);
                }
            }
            _ = tick.tick() => {
                sink.tick(&mut src, &mut counts)?;
                progress.show(counts.records.max(counts.calls).max(counts.counted), counts.lost_seen, sink.bytes());
                // A watched process may have exited before its exit could be traced.
                if watching {
                    counts.watched.retain(|p| Path::new(&format!("/proc/{p}")).exists());
                    if counts.watched.is_empty() {
                        break Stop::Done(None);
                    }
                }
            }
            st = &mut exit_rx, if child.is_some() => {
                break Stop::Done(Some(st.context("waiting for the command")??));
            }
            sig = signals.recv() => {
                let Some(c) = child.as_mut() else { break Stop::Signal(sig) };
                progress.clear();
                eprintln!("{}", c.stop(sig, &format!("{} received", sig.as_str())));
            }
            () = sleep_until(deadline) => {
                deadline = None;
                let Some(c) = child.as_mut() else { break Stop::Duration };
                progress.clear();
                eprintln!("{}", c.stop(nix::sys::signal::Signal::SIGTERM, "--duration reached"));
            }
            () = sleep_until(grace) => {
                if let Some(c) = child.as_mut() {
                    progress.clear();
                    eprintln!("{}", c.kill(&format!("it did not exit within {} s", GRACE.as_secs())));
                }
            }
        }
    })
    }
    .await;
    let stop = match looped {
        Ok(stop) => stop,
        Err(e) => {
            // The trace cannot go on (a full disk, a closed pipe): the command is not left
            // running behind a tracer that would wait for it.
            progress.clear();
            if let Some(c) = child.as_mut() {
                eprintln!("{}", c.kill("the trace cannot be written"));
            }
            return Err(e.context(format!("writing {output}")));
        }
    };
    progress.clear();
    let command = match (&stop, pid) {
        (Stop::Done(Some(st)), Some(pid)) => Some(CommandExit::of(pid, *st)),
        _ => None,
    };
    // Everything the command did was sent on as it exited. Processes still running (those of
    // `-p`, a command stopped by a signal or `--duration`) may have calls in their CPU's batch:
    // the flush timer sends them within its period.
    if src.cap.batching() && !matches!(stop, Stop::Done(Some(_))) {
        tokio::time::sleep(crate::capture::FLUSH_EVERY * 2).await;
    }
    // Drain what is left.
    let mut msg = sink.finish(&mut src, &mut counts, command)?;
    match (&stop, &command) {
        (_, Some(c)) => msg.push_str(&format!("; {}", c.sentence())),
        (Stop::Signal(sig), None) => msg.push_str(&format!("; stopped by {}", sig.as_str())),
        (Stop::Duration, None) => msg.push_str("; --duration reached"),
        (Stop::Done(_), None) => {}
    }
    eprintln!("{msg}");
    if stats.is_some() {
        eprintln!("tracer: {}", cost_line(&src.cap.program_costs()));
    }
    Ok(command)
}

/// Sleeps until `t`, or forever without one (a `select!` branch that is off).
pub async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::human_bytes;

    /// For a test that loads the eBPF programs: root, and a runtime for the ring buffer's
    /// `AsyncFd` (enter it before `Source::start`).
    pub(crate) fn root_runtime() -> tokio::runtime::Runtime {
        assert!(
            nix::unistd::geteuid().is_root(),
            "this test loads eBPF programs and needs root: run `cargo xtask test`"
        );
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// Tracing whatever this thread spawns next, with `batch_kib` per CPU.
    fn tracing_children(batch_kib: u32) -> super::Source {
        let opts = super::Options {
            pids: Some(Vec::new()),
            selection: crate::syscalls::Selection::default_for(true),
            comms: Vec::new(),
            snaplen: 16,
            ring_bytes: 16 << 20,
            wrappers: false,
            no_backpressure: false,
            batch_kib,
            status: None,
        };
        let mut src = super::Source::start(&opts).expect("loading the eBPF programs");
        src.cap
            .track_children_of(nix::unistd::gettid().as_raw() as u32)
            .unwrap();
        src
    }

    /// Calls that do not block leave the kernel side in batches (with `--batch-kib 0`, each
    /// call as one ring sample, its entry and its exit together); every call arrives whole.
    #[test]
    fn calls_that_do_not_block_leave_in_batches() {
        let rt = root_runtime();
        let _rt = rt.enter();
        for batch_kib in [0, crate::capture::BATCH_KIB] {
            let mut src = tracing_children(batch_kib);
            // 3000 one-byte reads and writes, none of which waits.
            let child = std::process::Command::new("dd")
                .args([
                    "if=/dev/zero",
                    "of=/dev/null",
                    "bs=1",
                    "count=3000",
                    "status=none",
                ])
                .spawn();
            src.cap.stop_tracking_children().unwrap();
            assert!(child.unwrap().wait().unwrap().success());
            let mut whole = 0;
            src.read(&mut |item| {
                if let crate::trace::Item::Call(c) = item
                    && matches!(c.row.name, "read" | "write")
                    && c.enter_ns.is_some()
                    && c.ret == Some(1)
                {
                    whole += 1;
                }
                Ok(())
            })
            .unwrap();
            assert!(whole >= 6000, "{whole} whole one-byte calls");
            let (samples, records) = (src.samples, src.records);
            assert!(records >= 12_000, "{records} records");
            if batch_kib == 0 {
                // A few are sent in two when dd is switched out in the middle of one.
                assert!(
                    samples <= records / 2 + 1000,
                    "{samples} samples of {records}"
                );
            } else {
                // A one-byte read or write is about 250 bytes of records: 12 KiB hold dozens.
                assert!(samples <= records / 20, "{samples} samples of {records}");
            }
            assert_eq!(src.cap.lost(), 0);
        }
    }

    /// A batched call goes on within the flush timer's period even when its task neither
    /// blocks nor exits: here a shell that writes, then spins without a syscall, alone on its
    /// CPU.
    #[test]
    fn the_flush_timer_sends_a_quiet_cpus_calls() {
        let rt = root_runtime();
        let _rt = rt.enter();
        let mut src = tracing_children(crate::capture::BATCH_KIB);
        let last = std::thread::available_parallelism().map_or(0, |n| n.get() - 1);
        let mut cmd = std::process::Command::new("taskset");
        cmd.args(["-c", &last.to_string(), "sh", "-c"]);
        cmd.arg("echo spin-marker >/dev/null; while :; do :; done");
        let mut child = cmd.spawn().unwrap();
        src.cap.stop_tracking_children().unwrap();
        let mut seen = false;
        let start = std::time::Instant::now();
        while !seen && start.elapsed() < std::time::Duration::from_secs(1) {
            std::thread::sleep(crate::capture::FLUSH_EVERY);
            src.read(&mut |item| {
                if let crate::trace::Item::Call(c) = item
                    && c.row.name == "write"
                    && c.ret == Some(12)
                {
                    seen = true;
                }
                Ok(())
            })
            .unwrap();
        }
        let waited = start.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        // Without the timer it comes when something else happens to switch the shell out:
        // measured here, 12 ms to 600 ms; with it, 12-13 ms (one period, then this read).
        assert!(
            seen && waited < crate::capture::FLUSH_EVERY * 15,
            "the shell's write arrived: {seen}, after {waited:?}"
        );
    }

    #[test]
    fn cost_line_per_program() {
        use crate::capture::ProgramCost;
        assert_eq!(super::cost_line(&[]), "in-kernel cost: no program ran");
        let c = [
            ProgramCost {
                name: "sys_enter".into(),
                runs: 4,
                run_ns: 2000,
            },
            ProgramCost {
                name: "sys_exit".into(),
                runs: 3,
                run_ns: 1000,
            },
        ];
        assert_eq!(
            super::cost_line(&c),
            "in-kernel cost: sys_enter 500 ns x 4 runs, sys_exit 333 ns x 3 runs"
        );
    }

    #[test]
    fn sizes_for_the_progress_line() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(23 * 1024 + 5), "23 KiB");
        assert_eq!(human_bytes(8 << 20), "8.0 MiB");
        assert_eq!(human_bytes((3 << 20) + (1 << 19)), "3.5 MiB");
    }
}
