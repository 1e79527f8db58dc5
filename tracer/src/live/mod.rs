//! `tracer live` (and `tracer` alone): the capture of `record`, shown as it happens in a
//! terminal UI. One `tokio::select!` loop serves the ring buffer, the terminal's events, a
//! render tick, a slower check (pending calls, lost events, the objects' holders) and signals.
//! Capture never waits for drawing: records are read into the app as soon as the ring buffer is
//! readable, and the screen is redrawn on the tick, at most [`FRAMES_PER_SEC`] times a second
//! and only when something changed (benchmarks in `app/tests.rs` and `ui/tests.rs`).
//!
//! The parts: `app` owns the state and changes it in `update(action)` only; `keymap` turns keys
//! and clicks into actions; `ui` draws, one widget per file, never changing the app; `store`
//! holds the calls (bounded), `filter`, `stats`, `procs` and `objects` what the panes show. The
//! capture side reads what the app cannot (it stays pure): `resolve` finds the object behind a
//! call's descriptor, `sockdiag` the UNIX sockets' peers, `sysvipc` the SysV objects' pids.
//!
//! Nothing but the UI writes to the terminal while it is open: the traced command's standard
//! output and error go to a file (named on the status bar), and tracer's own messages go to
//! the Log pane. The terminal is restored on `q`, on SIGINT and SIGTERM, on errors and on a
//! panic (a panic hook restores it before the message is printed).

mod app;
#[cfg(test)]
mod dump;
mod filter;
mod keymap;
#[cfg(test)]
mod model_tests;
mod objects;
mod procs;
pub mod replay;
mod resolve;
mod row;
mod sockdiag;
mod stats;
mod store;
mod sysvipc;
#[cfg(test)]
pub(crate) mod testdata;
mod ui;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use nix::time::ClockId;

use crate::cli::LiveArgs;
use crate::record::{self, Source};
use crate::recording::format::CommandExit;
use crate::trace::{Call, Item, Proc};
use app::{Action, App, Config};
use resolve::Resolver;

const FRAMES_PER_SEC: u64 = 30;
/// How often pending calls, the lost count and watched pids are checked.
const CHECK_EVERY: Duration = Duration::from_millis(100);
/// Objects' holders and peers are looked at every this many checks (a second).
const OBJECTS_EVERY: u64 = 10;
/// Processes whose descriptors are read, at most, each time.
const MAX_PIDS_SCANNED: usize = 1024;

/// `tracer live`; returns the exit status for tracer: the traced command's, as a shell reports
/// it, or 0.
pub fn run(args: &LiveArgs) -> Result<i32> {
    if let Some(name) = args.old_comm.first() {
        anyhow::bail!(
            "-c is strace's summary table now (tracer record -c); the command-name filter is --comm: --comm {}",
            crate::escape::str(name)
        );
    }
    let opts = record::options(&args.scope, args.ring_mib, None)?;
    if opts.status.is_some() {
        anyhow::bail!(
            "-e status= is for tracer record; the live view filters with its own prompt (f, e.g. `err`)"
        );
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the live view is a terminal UI: run it in a terminal, or use `tracer record` to \
             write a trace"
        );
    }
    crate::capture::check_privileges()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(live(args, &opts));
    // The command was waited for, and killed if it would not end: nothing is left to wait for.
    rt.shutdown_timeout(Duration::from_secs(1));
    let (exit, output) = result?;
    if let Some(out) = output {
        out.report();
    }
    Ok(exit.map_or(0, |c| c.shell_status()))
}

/// Where the traced command's standard output and error went while the UI had the terminal.
enum CommandOutput {
    /// `--command-output PATH`: kept.
    Kept(PathBuf),
    /// A temporary file (unpredictable name, mode 0600), removed when tracer ends: its last
    /// lines are printed once the terminal is back.
    Temporary(tempfile::NamedTempFile),
}

impl CommandOutput {
    /// Where the output goes, and the file to give the command.
    fn open(args: &LiveArgs) -> Result<Option<(CommandOutput, std::fs::File)>> {
        if args.scope.command.is_empty() {
            return Ok(None);
        }
        if let Some(p) = &args.command_output {
            let owner = crate::invoker::Invoker::from_env();
            let (f, _) = crate::outfile::open(p, owner.as_ref())?;
            return Ok(Some((CommandOutput::Kept(p.clone()), f)));
        }
        let t = crate::outfile::temporary("tracer-live-", ".out")
            .context("creating a temporary file for the command's output")?;
        let f = t.reopen()?;
        Ok(Some((CommandOutput::Temporary(t), f)))
    }

    fn path(&self) -> &Path {
        match self {
            CommandOutput::Kept(p) => p,
            CommandOutput::Temporary(t) => t.path(),
        }
    }

    /// After the UI: what became of the output. A temporary file's last lines are printed
    /// (escaped: the command wrote them), then it is removed.
    fn report(self) {
        const LAST: usize = 20;
        match self {
            CommandOutput::Kept(p) => eprintln!(
                "tracer: the command's output is in {}",
                crate::escape::path(&p)
            ),
            CommandOutput::Temporary(t) => {
                // Its end only: the command may have written gigabytes.
                const TAIL: u64 = 64 << 10;
                let Ok(mut f) = std::fs::File::open(t.path()) else {
                    return;
                };
                let size = f.metadata().map_or(0, |m| m.len());
                if size == 0 {
                    return;
                }
                let mut text = Vec::new();
                let from_byte = size.saturating_sub(TAIL);
                if std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(from_byte)).is_err()
                    || std::io::Read::read_to_end(&mut f, &mut text).is_err()
                {
                    return;
                }
                let mut lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
                if lines.last().is_some_and(|l| l.is_empty()) {
                    lines.pop();
                }
                if from_byte > 0 && !lines.is_empty() {
                    // The first line read is a piece of one.
                    lines.remove(0);
                }
                let from = lines.len().saturating_sub(LAST);
                eprintln!(
                    "tracer: the command's output ({size} bytes), its last lines (--command-output FILE keeps it all):"
                );
                for l in &lines[from..] {
                    eprintln!("{}", crate::escape::name(l));
                }
            }
        }
    }
}

/// Stops mouse reporting, leaves the alternate screen and raw mode, however `live` ends.
struct Restore;

fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
}

impl Drop for Restore {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Take the terminal: raw mode, the alternate screen, mouse reporting. A panic restores it
/// before its message is printed (`ratatui::try_init`'s hook does not know about the mouse).
fn take_terminal() -> Result<(ratatui::DefaultTerminal, Restore)> {
    let terminal = ratatui::try_init().context("opening the terminal UI")?;
    let restore = Restore;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        hook(info);
    }));
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
        .context("enabling the mouse")?;
    Ok((terminal, restore))
}

fn scope_text(args: &LiveArgs) -> String {
    if !args.scope.command.is_empty() {
        format!("command: {}", args.scope.command.join(" "))
    } else if !args.scope.pids.is_empty() {
        let p: Vec<String> = args.scope.pids.iter().map(ToString::to_string).collect();
        format!("pids {}", p.join(","))
    } else {
        "the whole system".into()
    }
}

/// "fentry 3, kprobe 20 of 30 functions", or "tracepoint-only: journeys inferred".
fn mechanisms(src: &Source) -> String {
    let n = |m: &str| {
        src.cap
            .hops
            .iter()
            .filter(|h| h.mechanism.name() == m)
            .count()
    };
    let (fe, kp) = (n("fentry"), n("kprobe"));
    if fe + kp == 0 {
        "tracepoint-only (journeys inferred)".into()
    } else {
        format!("fentry {fe}, kprobe {kp} of {}", src.cap.hops.len())
    }
}

fn boot_ns() -> u64 {
    record::now_ns(ClockId::CLOCK_BOOTTIME) as u64
}

/// The live view until `q`, a signal or a lost terminal; returns how the command ended (when
/// it did) and where its output went.
async fn live(
    args: &LiveArgs,
    opts: &crate::capture::Options,
) -> Result<(Option<CommandExit>, Option<CommandOutput>)> {
    // From now on SIGINT, SIGTERM and SIGHUP end the session through the loop, which restores
    // the terminal, instead of killing tracer with the terminal in raw mode.
    let mut signals = record::Signals::new()?;
    // Before anything is attached, and before the UI takes the terminal, so that an error is
    // printed where it can be read.
    let (output, output_file) = CommandOutput::open(args)?.unzip();
    // Loading can take seconds and can fail: before the UI takes the terminal, so that an
    // error is printed where it can be read.
    eprintln!("tracer: loading the eBPF programs…");
    let mut src = Source::start(opts)?;
    // A signal that came while the programs loaded: nothing is started, the terminal is
    // never taken.
    if signals.early().await.is_some() {
        return Ok((None, output));
    }
    let out_path = output.as_ref().map(|o| o.path().to_path_buf());
    let mut app = App::new(Config {
        ksyms: src.cap.ksyms.clone(),
        boot_to_wall: src.boot_to_wall,
        scope: scope_text(args),
        mechanisms: mechanisms(&src),
        command_output: out_path.clone(),
        keep: args.keep,
    });
    for m in src.messages() {
        app.update(Action::Message(m));
    }
    let (mut terminal, restore) = take_terminal()?;
    let size = terminal.size()?;
    app.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    let (mut exit_rx, child) = src.spawn(&args.scope.command, output_file)?;
    if let Some(p) = &out_path {
        app.update(Action::Message(format!(
            "the command's standard output and error go to {}{}",
            crate::escape::path(p),
            if args.command_output.is_none() {
                " (removed when tracer ends; --command-output FILE keeps it)"
            } else {
                ""
            }
        )));
    }
    let mut exit = None;
    let mut running = !args.scope.command.is_empty();
    let mut watched = args.scope.pids.clone();

    let mut resolver = Resolver::default();
    resolver.set_detail(crate::fds::Detail::from_count(args.decode_fds));
    // What the command starts with: the working directory and the top-level links of this
    // machine (its descriptors are the command-output file's and tracer's, not described).
    if let Some(c) = &child {
        let s = crate::fds::snapshot(std::process::id());
        resolver.begin(&crate::recording::format::Start {
            pid: c.pid,
            fds: Vec::new(),
            devices: Vec::new(),
            ..s
        });
    }
    let mut checks = 0u64;
    let mut events = EventStream::new();
    let mut frame = tokio::time::interval(Duration::from_millis(1000 / FRAMES_PER_SEC));
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut drain = tokio::time::interval(crate::capture::DRAIN_EVERY);
    drain.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut check = tokio::time::interval(CHECK_EVERY);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !app.quit {
        tokio::select! {
            guard = src.cap.ring.readable_mut() => {
                let mut guard = guard?;
                guard.clear_ready();
                drop(guard);
                read_into(&mut src, &mut app, &mut resolver)?;
            }
            _ = drain.tick() => {
                read_into(&mut src, &mut app, &mut resolver)?;
            }
            _ = frame.tick() => {
                if app.dirty {
                    terminal.draw(|f| ui::draw(f, &app))?;
                    app.dirty = false;
                }
            }
            _ = check.tick() => {
                check_into(&mut src, &mut app, &mut resolver);
                checks += 1;
                if checks.is_multiple_of(OBJECTS_EVERY) {
                    look_at_objects(&mut app, &resolver);
                }
                if !watched.is_empty() {
                    watched.retain(|p| Path::new(&format!("/proc/{p}")).exists());
                    if watched.is_empty() {
                        app.update(Action::Finished("the traced processes exited".into()));
                    }
                }
            }
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => {
                    if let Some(a) = keymap::action(&app, k) {
                        app.update(a);
                    }
                }
                Some(Ok(Event::Mouse(m))) => {
                    if let Some(a) = keymap::mouse(&app, m) {
                        app.update(a);
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    app.update(Action::Resize { width, height });
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                // The terminal is gone: nobody is watching.
                None => break,
            },
            st = &mut exit_rx, if running => {
                running = false;
                // Everything the command did was committed before it exited.
                read_into(&mut src, &mut app, &mut resolver)?;
                let why = match st {
                    Ok(Ok(st)) => {
                        let c = CommandExit::of(child.as_ref().map_or(0, |c| c.pid), st);
                        exit = Some(c);
                        c.sentence()
                    }
                    Ok(Err(e)) => format!("command: cannot wait for it: {e}"),
                    Err(_) => "command: lost track of it".into(),
                };
                look_at_objects(&mut app, &resolver);
                app.update(Action::Finished(why));
            }
            _ = signals.recv() => break,
        }
    }
    drop(terminal);
    drop(restore);
    // Leaving stops the command, as Ctrl-C does under `tracer record` (in the UI's raw mode
    // Ctrl-C is a key, not a signal to the foreground processes): SIGTERM, then SIGKILL if it
    // has not exited after the grace.
    if running && let Some(mut c) = child {
        let _ = c.stop(nix::sys::signal::Signal::SIGTERM, "leaving");
        let st = if let Ok(st) = tokio::time::timeout(record::GRACE, &mut exit_rx).await {
            st
        } else {
            eprintln!("{}", c.kill("it did not exit after SIGTERM"));
            tokio::time::timeout(record::GRACE, &mut exit_rx)
                .await
                .unwrap_or(Ok(Err(std::io::Error::other("still running"))))
        };
        if let Ok(Ok(st)) = st {
            exit = Some(CommandExit::of(c.pid, st));
        }
    }
    Ok((exit, output))
}

/// What the capture side saw, for the app. `live` and `replay` both feed the app through
/// [`feed`], so that a replay builds the model the live view did from the same events (the
/// `model_tests` check it on a real capture).
pub(crate) enum Seen {
    /// A completed (or never-returning) call, or a process event.
    Item(Item),
    /// A call that has been waiting a while.
    Pending(Box<Call>),
    /// Events the kernel side could not queue, in total so far.
    Lost(u64),
}

/// Give the app what was seen, with the object each call used as `resolver` tells it: live,
/// from the files the kernel side read and from /proc while a descriptor is surely the one the
/// call used; in a replay, from the recorded events alone (`Resolver::for_recording`).
pub(crate) fn feed(app: &mut App, seen: Seen, resolver: &mut Resolver) {
    match seen {
        Seen::Item(item) => app.update(item_action(item, resolver)),
        // A call blocked on a descriptor holds it open: a sure time to look.
        Seen::Pending(mut c) => {
            let touched = resolver.take(&mut c, true);
            app.update(match touched {
                Some(t) => Action::PendingOn(c, t),
                None => Action::Pending(c),
            });
        }
        Seen::Lost(n) => {
            if n != app.lost {
                app.update(Action::Lost(n));
            }
        }
    }
}

/// Everything now in the ring buffer, into the app.
///
/// Read in chunks of `CHUNK` items, each resolved after it is read whole, so that the resolver
/// knows which of its descriptors are already closed (`Resolver::look_ahead`). A chunk, not the
/// whole drain: under a full-rate producer the ring never empties, and a drain would be unbounded.
fn read_into(src: &mut Source, app: &mut App, resolver: &mut Resolver) -> Result<()> {
    const CHUNK: usize = 4096;
    // Grown as needed: most drains hold a few items, and an item is a few hundred bytes.
    let mut batch = Vec::new();
    let flush = |batch: &mut Vec<Item>, app: &mut App, resolver: &mut Resolver| {
        resolver.look_ahead(batch.iter().filter_map(|i| match i {
            Item::Call(c) => Some(&**c),
            Item::Proc(_) => None,
        }));
        for item in batch.drain(..) {
            feed(app, Seen::Item(item), resolver);
        }
    };
    src.read(&mut |item| {
        batch.push(item);
        if batch.len() >= CHUNK {
            flush(&mut batch, &mut *app, &mut *resolver);
        }
        Ok(())
    })?;
    flush(&mut batch, app, resolver);
    Ok(())
}

/// The periodic check: calls that have now waited long enough, the lost count, the rate.
fn check_into(src: &mut Source, app: &mut App, resolver: &mut Resolver) {
    for c in src.newly_pending() {
        feed(app, Seen::Pending(c), resolver);
    }
    feed(app, Seen::Lost(src.cap.lost()), resolver);
    app.update(Action::Tick { now_ns: boot_ns() });
}

/// An item for the app, with the object a call used (see [`feed`]).
fn item_action(item: Item, resolver: &mut Resolver) -> Action {
    match item {
        Item::Call(mut c) => {
            // The object as the calls before left the descriptors, then the call taken in.
            let touched = resolver.take(&mut c, false);
            match touched {
                Some(t) => Action::CallOn(c, t),
                None => Action::Call(c),
            }
        }
        Item::Proc(p) => {
            match &p {
                Proc::Exit { pid, tid, .. } if pid == tid => resolver.exited(*pid),
                Proc::Fork {
                    pid, child, thread, ..
                } => resolver.task(*pid, *child, *thread),
                Proc::Exec { pid, .. } => resolver.exec(*pid),
                Proc::Exit { .. } => {}
            }
            Action::Proc(p)
        }
    }
}

/// Who holds the objects, and what sock_diag says of the UNIX sockets among them.
fn look_at_objects(app: &mut App, resolver: &Resolver) {
    app.update(Action::Unresolved(resolver.unresolved));
    if app.objects.len() == 0 {
        return;
    }
    match sockdiag::unix_sockets() {
        Ok(info) => app.update(Action::UnixSockets(info)),
        Err(e) => app.update(Action::Message(format!("sock_diag: {e}"))),
    }
    // Whoever holds an object, also processes that never made a traced call on it (the writer
    // at the other end of a pipe): every traced process still alive, and the objects' users.
    // Bounded, so that a whole-system trace does not stall the loop: the objects' users first.
    let mut pids = app.objects.users();
    pids.extend(app.procs.alive());
    let mut seen = std::collections::HashSet::new();
    pids.retain(|p| seen.insert(*p));
    pids.truncate(MAX_PIDS_SCANNED);
    let mut held = resolve::holders(&pids, &app.objects.inodes());
    held.extend(sysvipc::holders(&app.objects.keys()));
    app.update(Action::Holders(held));
}

/// The live view as other modules' tests drive it (`hostile_tests`): the test app, an item
/// fed as the capture feeds it, and each pane drawn.
#[cfg(test)]
pub(crate) mod app_for_tests {
    use super::app::{Action, App, Pane};
    use super::resolve::Resolver;
    use super::{Seen, feed as feed_app};
    use crate::trace::Item;

    /// The panes a screen can show, cycled with `NextPane`.
    pub const PANES: usize = 6;

    pub fn app() -> App {
        super::testdata::app()
    }

    pub fn feed(app: &mut App, item: Item) {
        feed_app(app, Seen::Item(item), &mut Resolver::for_recording());
    }

    /// Pane number `pane` (in `NextPane` order from the list), drawn; one line per row, with
    /// the newest call selected and its journey expanded.
    pub fn screen(
        t: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
        app: &mut App,
        pane: usize,
    ) -> String {
        let size = t.size().expect("a test terminal's size");
        app.update(Action::Resize {
            width: size.width,
            height: size.height,
        });
        while app.pane != Pane::List {
            app.update(Action::NextPane);
        }
        app.update(Action::Expand);
        for _ in 0..pane {
            app.update(Action::NextPane);
        }
        t.draw(|f| super::ui::draw(f, app)).expect("drawing");
        super::ui::tests::text(t.backend().buffer())
    }
}
