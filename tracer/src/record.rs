//! `tracer record`: capture until the command exits, a signal, or `--duration`; write every
//! call as it completes, pending calls once they have waited, process events and lost counts.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{OpenOptionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nix::time::{ClockId, clock_gettime};
use tokio::signal::unix::{SignalKind, signal};

use crate::capture::{self, Capture, Options};
use crate::cli::{RecordArgs, Scope};
use crate::event;
use crate::output::{Header, Summary, Writer};
use crate::syscalls::Selection;
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
    let selection = if scope.syscalls.is_empty() {
        Selection::default_for(scoped)
    } else {
        Selection::parse(&scope.syscalls)?
    };
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
    })
}

fn check_executable(cmd: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
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

/// The user who ran sudo, if any: the command runs as them and owns the output.
fn sudo_user() -> Option<(u32, u32)> {
    let uid = std::env::var("SUDO_UID").ok()?.parse().ok()?;
    let gid = std::env::var("SUDO_GID").ok()?.parse().ok()?;
    Some((uid, gid))
}

fn open_output(path: &Path) -> Result<Box<dyn Write>> {
    if path == Path::new("-") {
        // On a terminal, each line appears as it happens, in order with the command's output.
        if io::IsTerminal::is_terminal(&io::stdout()) {
            return Ok(Box::new(io::LineWriter::new(io::stdout())));
        }
        return Ok(Box::new(BufWriter::with_capacity(1 << 16, io::stdout())));
    }
    let f = private_file(path)?;
    Ok(Box::new(BufWriter::with_capacity(1 << 16, f)))
}

/// A file for other processes' data: readable by the invoking user only, and owned by them.
pub fn private_file(path: &Path) -> Result<std::fs::File> {
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some((uid, gid)) = sudo_user() {
        chown(path, Some(uid), Some(gid)).with_context(|| format!("chown {}", path.display()))?;
    }
    Ok(f)
}

pub fn run(args: &RecordArgs) -> Result<()> {
    let opts = options(&args.scope, args.ring_mib, args.ring_pages)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(record(args, &opts))
}

struct Counts {
    /// `-p` pids still alive: recording stops when the last one exits.
    watched: Vec<u32>,
    calls: u64,
    lost_seen: u64,
}

fn write_item(w: &mut Writer, item: &Item, counts: &mut Counts) -> io::Result<()> {
    match item {
        Item::Call(c) => {
            counts.calls += 1;
            w.call(c)
        }
        Item::Proc(p) => {
            if let Proc::Exit { pid, tid, .. } = p
                && pid == tid
            {
                counts.watched.retain(|w| w != pid);
            }
            w.proc(p)
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
            joiner: Joiner::default(),
            decode_errors: 0,
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
            .map(|(p, n)| format!("{} ({n} wrappers)", p.display()))
            .collect();
        vec![
            crate::kernel::hops::summary(&self.cap.hops),
            format!(
                "libc wrappers probed in {}",
                if libcs.is_empty() {
                    "no C library (uprobes unavailable)".to_string()
                } else {
                    libcs.join(", ")
                }
            ),
        ]
    }

    /// Run `command` (as the user who ran sudo) and trace it with all its descendants; returns
    /// its exit and its pid. With `output`, its stdin is /dev/null and its stdout and stderr go
    /// to that file, so that it cannot write over a terminal UI.
    pub fn spawn(
        &mut self,
        command: &[String],
        output: Option<&Path>,
    ) -> Result<(Exited, Option<u32>)> {
        let (exit_tx, exit_rx) = tokio::sync::oneshot::channel();
        let Some((prog, rest)) = command.split_first() else {
            return Ok((exit_rx, None));
        };
        let mut cmd = Command::new(prog);
        cmd.args(rest);
        if let Some((uid, gid)) = sudo_user() {
            cmd.uid(uid).gid(gid);
        }
        if let Some(path) = output {
            let f = private_file(path)?;
            cmd.stdin(std::process::Stdio::null())
                .stdout(f.try_clone()?)
                .stderr(f);
        }
        self.cap
            .track_children_of(nix::unistd::gettid().as_raw() as u32)?;
        let spawned = cmd.spawn();
        self.cap.stop_tracking_children()?;
        let mut child = spawned.with_context(|| format!("cannot execute {prog:?}"))?;
        let pid = child.id();
        tokio::task::spawn_blocking(move || {
            let _ = exit_tx.send(child.wait());
        });
        Ok((exit_rx, Some(pid)))
    }

    /// Read every record now in the ring buffer; calls and process events go to `out`.
    pub fn read(&mut self, out: &mut impl FnMut(Item) -> io::Result<()>) -> io::Result<()> {
        let ring = self.cap.ring.get_mut();
        while let Some(rec) = ring.next() {
            match event::decode(&rec) {
                Ok(r) => self.joiner.push(r, &mut |i| self.items.push(i)),
                Err(e) => {
                    self.decode_errors += 1;
                    log::warn!("undecodable record: {e}");
                }
            }
            drop(rec);
            for item in self.items.drain(..) {
                out(item)?;
            }
        }
        Ok(())
    }

    /// Calls that have now waited long enough to be shown as pending.
    pub fn newly_pending(&mut self) -> Vec<Call> {
        let now = now_ns(ClockId::CLOCK_BOOTTIME) as u64;
        self.joiner
            .newly_pending(now.saturating_sub(PENDING_AFTER_NS))
    }
}

async fn record(args: &RecordArgs, opts: &Options) -> Result<()> {
    // Before anything slow (loading and verifying the programs): a SIGINT or SIGTERM from now on
    // ends the recording cleanly instead of killing tracer.
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut src = Source::start(opts)?;
    for m in src.messages() {
        eprintln!("tracer: {m}");
    }
    let out = open_output(&args.output)?;
    let mut w = Writer::new(
        out,
        args.format,
        src.boot_to_wall,
        src.cap.ksyms.clone(),
        args.kernel_path,
    );
    let scope_desc = if !args.scope.command.is_empty() {
        format!("command {:?}", args.scope.command.join(" "))
    } else if !args.scope.pids.is_empty() {
        format!("pids {:?}", args.scope.pids)
    } else {
        "the whole system".to_string()
    };
    w.header(&Header {
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
        scope: scope_desc,
        snaplen: opts.snaplen,
    })?;

    let (mut exit_rx, _) = src.spawn(&args.scope.command, None)?;
    let has_command = !args.scope.command.is_empty();

    let deadline = args
        .duration
        .map(|d| tokio::time::Instant::now() + Duration::from_secs_f64(d.max(0.0)));
    let mut tick = tokio::time::interval(TICK);
    let mut counts = Counts {
        watched: args.scope.pids.clone(),
        calls: 0,
        lost_seen: 0,
    };
    let mut status = None;
    loop {
        tokio::select! {
            guard = src.cap.ring.readable_mut() => {
                let mut guard = guard?;
                guard.clear_ready();
                drop(guard);
                src.read(&mut |i| write_item(&mut w, &i, &mut counts))?;
                if !args.scope.pids.is_empty() && counts.watched.is_empty() {
                    break;
                }
            }
            _ = tick.tick() => {
                for c in src.newly_pending() {
                    w.pending(&c)?;
                }
                let now = now_ns(ClockId::CLOCK_BOOTTIME) as u64;
                let lost = src.cap.lost();
                if lost > counts.lost_seen {
                    w.lost(now, lost - counts.lost_seen)?;
                    counts.lost_seen = lost;
                }
                w.flush()?;
                // A watched process may have exited before its exit could be traced.
                if !args.scope.pids.is_empty() {
                    counts.watched.retain(|p| Path::new(&format!("/proc/{p}")).exists());
                    if counts.watched.is_empty() {
                        break;
                    }
                }
            }
            st = &mut exit_rx, if has_command && status.is_none() => {
                status = Some(st.context("waiting for the command")??);
                break;
            }
            _ = sigint.recv() => break,
            _ = sigterm.recv() => break,
            () = async { match deadline { Some(d) => tokio::time::sleep_until(d).await, None => std::future::pending().await } } => break,
        }
    }
    // Everything the command did was committed before it exited: drain what is left.
    src.read(&mut |i| write_item(&mut w, &i, &mut counts))?;
    for c in src.joiner.drain() {
        counts.calls += 1;
        w.call(&c)?;
    }
    let lost = src.cap.lost();
    let now = now_ns(ClockId::CLOCK_BOOTTIME) as u64;
    if lost > counts.lost_seen {
        w.lost(now, lost - counts.lost_seen)?;
    }
    w.summary(&Summary {
        calls: counts.calls,
        lost,
        decode_errors: src.decode_errors + src.joiner.unknown_rows,
    })?;
    w.flush()?;
    let mut msg = format!(
        "tracer: {} calls recorded, {lost} events lost",
        counts.calls
    );
    if let Some(st) = status {
        msg.push_str(&format!("; the command {st}"));
    }
    eprintln!("{msg}");
    Ok(())
}
