//! `tracer replay FILE`: the live view over a native recording, without root. The recording is
//! fed to the same `App` as a live capture, paced by its own timestamps: played at 1x or 10x the
//! speed it was recorded at, or as fast as it reads. Jumping back replays from the start up to
//! the chosen time (a recording is a stream, and the view's state is built by feeding it).
//!
//! Keys beyond the live view's: `p` play/pause, `1` `2` `3` speed 1x, 10x, max, `<` `>` ten
//! seconds back and forward, `0` back to the start, `t` a prompt for a time to jump to
//! ([`parse_time`] reads it).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;

use super::app::{Action, App, Config, Prompt};
use super::resolve::Resolver;
use super::{Seen, keymap, take_terminal, ui};
use crate::recording::reader::{FrameRef, Reader};
use crate::recording::replay::{Event as Rec, Replay};
use crate::trace::{Item, Proc};

/// How far `<` and `>` move.
const JUMP_NS: u64 = 10_000_000_000;
/// Records fed per playback tick at full speed, so that keys stay responsive.
const MAX_BATCH: usize = 20_000;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Speed {
    X1,
    X10,
    Max,
}

/// Where the playback is: pure, so that its arithmetic is tested without a terminal.
#[derive(Debug)]
pub struct Clock {
    pub playing: bool,
    pub speed: Speed,
    /// Recording time shown so far (boot-clock ns), once the first event is known.
    pub at: Option<u64>,
}

impl Clock {
    /// Advance by `elapsed` of real time; `None` means "everything" (full speed).
    pub fn advance(&mut self, elapsed: Duration) -> Option<u64> {
        let at = self.at?;
        if !self.playing {
            return Some(at);
        }
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let step = match self.speed {
            Speed::X1 => ns,
            Speed::X10 => ns.saturating_mul(10),
            Speed::Max => return None,
        };
        self.at = Some(at.saturating_add(step));
        self.at
    }
}

/// The time an event belongs at.
fn ts(ev: &Rec) -> u64 {
    match ev {
        Rec::Item(Item::Call(c)) => c.exit_ns.or(c.enter_ns).unwrap_or(0),
        Rec::Item(Item::Proc(
            Proc::Fork { ts_ns, .. } | Proc::Exec { ts_ns, .. } | Proc::Exit { ts_ns, .. },
        ))
        | Rec::Lost { ts_ns, .. } => *ts_ns,
        Rec::Pending(c) => c.enter_ns.unwrap_or(0),
        // Never queued (see `Player::peek`).
        Rec::Start(_) => 0,
    }
}

/// A recording being played into an `App`.
struct Player {
    path: PathBuf,
    replay: Replay,
    /// The next event, read but not yet due.
    next: Option<Rec>,
    /// Events read so far but not yet fed, in order (a step can yield several).
    queue: std::collections::VecDeque<Rec>,
    over: bool,
    start_ns: Option<u64>,
    /// Events lost while recording, so far in the playback.
    lost: u64,
    /// The processes' descriptors, as the recorded events made them.
    resolver: Resolver,
    /// How much `-y` says of each descriptor.
    detail: crate::fds::Detail,
}

impl Player {
    fn open(path: &Path) -> Result<Player> {
        let replay = Replay::open(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", crate::escape::path(path)))?;
        Ok(Player {
            path: path.to_path_buf(),
            replay,
            next: None,
            queue: std::collections::VecDeque::new(),
            over: false,
            start_ns: None,
            lost: 0,
            resolver: Resolver::for_recording(),
            detail: crate::fds::Detail::Off,
        })
    }

    /// Descriptors described at `detail` (`tracer replay -y`).
    fn with_detail(mut self, detail: crate::fds::Detail) -> Player {
        self.detail = detail;
        self.resolver.set_detail(detail);
        self
    }

    /// The next event, reading as needed; `None` at the end of the recording.
    fn peek(&mut self) -> Result<Option<&Rec>> {
        while self.next.is_none() {
            if let Some(ev) = self.queue.pop_front() {
                self.start_ns.get_or_insert(ts(&ev));
                self.next = Some(ev);
                break;
            }
            if self.over {
                return Ok(None);
            }
            let queue = &mut self.queue;
            let resolver = &mut self.resolver;
            let more = self
                .replay
                .step(&mut |ev| {
                    // What the command started with has no time of its own (and the live
                    // view's objects come from the calls): not an event to play, but what
                    // `-y` describes the descriptors it had from.
                    match ev {
                        Rec::Start(s) => resolver.begin(&s),
                        ev => queue.push_back(ev),
                    }
                    Ok(())
                })
                .with_context(|| format!("reading {}", crate::escape::path(&self.path)))?;
            if !more {
                self.over = true;
            }
        }
        Ok(self.next.as_ref())
    }

    /// Feed every event due by `until` (all of them for `None`), at most `max`.
    fn feed(&mut self, app: &mut App, until: Option<u64>, max: usize) -> Result<usize> {
        let mut n = 0;
        while n < max {
            let due = match self.peek()? {
                Some(ev) => until.is_none_or(|u| ts(ev) <= u),
                None => false,
            };
            if !due {
                break;
            }
            if let Some(ev) = self.next.take() {
                let seen = match ev {
                    Rec::Item(item) => Seen::Item(item),
                    Rec::Pending(c) => Seen::Pending(c),
                    Rec::Lost { count, .. } => {
                        self.lost += count;
                        Seen::Lost(self.lost)
                    }
                    // Never queued (see `Player::peek`).
                    Rec::Start(_) => continue,
                };
                super::feed(app, seen, &mut self.resolver);
                n += 1;
            }
        }
        if app.objects.unresolved != self.resolver.unresolved {
            app.update(Action::Unresolved(self.resolver.unresolved));
        }
        Ok(n)
    }

    fn finished(&mut self) -> Result<bool> {
        Ok(self.peek()?.is_none())
    }
}

/// The whole recording at `path` fed into a new app as the replay's view is fed (at full
/// speed), for tests.
#[cfg(test)]
pub(super) fn replay_all(path: &Path, keep: usize) -> Result<App> {
    feed_all(Player::open(path)?, keep).map(|(app, _)| app)
}

/// Every event of `player`'s recording fed into a new app at full speed; the app and how many
/// events were fed.
fn feed_all(mut player: Player, keep: usize) -> Result<(App, u64)> {
    let mut app = new_app(&player.replay, &player.path, keep);
    let mut n = 0;
    while !player.finished()? {
        n += player.feed(&mut app, None, MAX_BATCH)? as u64;
    }
    for a in ending(&player) {
        app.update(a);
    }
    Ok((app, n))
}

/// `tracer replay --feed-only`: the live view's reader without a terminal or a ring, timed: the
/// recording's records decoded, joined, their objects resolved and fed into the view's model
/// (`App`), as fast as they read. The rate goes to standard error for `cargo xtask bench`.
#[allow(
    clippy::cast_precision_loss,
    reason = "a rate to print: a count below 2^52"
)]
pub fn feed_only(path: &Path, keep: usize, detail: crate::fds::Detail) -> Result<()> {
    let player = Player::open(path)?.with_detail(detail);
    let started = Instant::now();
    let (app, events) = feed_all(player, keep)?;
    let secs = started.elapsed().as_secs_f64();
    let calls = app.held() as u64 + app.evicted();
    eprintln!(
        "tracer: fed {events} events ({calls} calls) into the view in {secs:.3} s: {:.0} calls/s",
        calls as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// What the end of the playback says, as `tracer export` says it: the end of the recording,
/// or where and why reading stopped (a damaged frame; a file cut inside a frame, as a killed
/// recorder leaves it), or that the recorder did not stop cleanly.
fn ending(player: &Player) -> Vec<Action> {
    let file = crate::escape::path(&player.path);
    let outcome = player.replay.outcome();
    match &outcome.damage {
        Some(e) if e.is_truncation() => vec![Action::Finished(format!("{file}: {e}"))],
        Some(e) => vec![
            Action::Damaged(format!("{file}: {e}; everything before it was replayed")),
            Action::Finished("end of the readable part of the recording".into()),
        ],
        None if outcome.end.is_none() => vec![Action::Finished(format!(
            "{file}: no end frame: the recorder did not stop cleanly"
        ))],
        None => vec![Action::Finished("end of the recording".into())],
    }
}

fn new_app(replay: &Replay, path: &Path, keep: usize) -> App {
    let h = replay.header();
    let observed = h.mechanisms.values().filter(|m| *m != "none").count();
    let mut app = App::new(Config {
        ksyms: Arc::clone(replay.ksyms()),
        boot_to_wall: h.boot_to_wall(),
        scope: String::new(),
        mechanisms: if observed == 0 {
            "recorded tracepoint-only (journeys inferred)".into()
        } else {
            format!("recorded with {observed} kernel functions observed")
        },
        command_output: None,
        keep,
    });
    app.replay = true;
    app.update(Action::Message(format!(
        "replaying {} (tracer {}, Linux {}, {}); keys: p play/pause, 1 2 3 speed 1x 10x max, < > ten seconds, 0 start, t jump to a time",
        crate::escape::path(path),
        h.tracer,
        h.kernel,
        h.scope
    )));
    app
}

fn status(path: &Path, clock: &Clock, start: Option<u64>, end: Option<u64>, over: bool) -> String {
    let at = match (clock.at, start) {
        (Some(a), Some(s)) => offset_text(a.saturating_sub(s)),
        _ => offset_text(0),
    };
    let of = match (end, start) {
        (Some(e), Some(s)) => format!(" of {}", offset_text(e.saturating_sub(s))),
        _ => String::new(),
    };
    let speed = match clock.speed {
        Speed::X1 => "1x",
        Speed::X10 => "10x",
        Speed::Max => "max",
    };
    let state = if over {
        "end of recording"
    } else if clock.playing {
        "playing"
    } else {
        "paused"
    };
    format!(
        "replay {}: {state} {speed} at {at}{of}",
        crate::escape::path(path)
    )
}

pub fn run(path: &Path, keep: usize, detail: crate::fds::Detail) -> Result<()> {
    // Fail before taking the terminal: a damaged or missing file says so where it can be read.
    let player = Player::open(path)?.with_detail(detail);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(play(player, keep))
}

/// The last event time in the recording at `path` (its records' and lost frames' times, read
/// without decoding), for typed times: "past the end", and which wall-clock times it spans.
/// Up to the first damage, as the replay itself.
fn last_ns(path: &Path) -> Option<u64> {
    let mut r = Reader::open(path).ok()?;
    let mut last = None;
    while let Some(Ok(frame)) = r.next_frame() {
        let ts = match frame {
            FrameRef::Record(raw) => raw
                .get(8..16)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes),
            FrameRef::Lost { ts_ns, .. } => Some(ts_ns),
            _ => None,
        };
        last = last.max(ts);
    }
    last
}

/// A replay session: the recording, the view, the playback clock. Keys and ticks change it;
/// it draws nothing, so that tests drive it as the terminal loop does.
struct Session {
    player: Player,
    app: App,
    clock: Clock,
    keep: usize,
    /// Where to go after a jump (feeding up to it, after a rebuild from the start when it is
    /// back in time).
    seek: Option<u64>,
    /// The last event's time, once known (see `last_ns`).
    end_ns: Option<u64>,
}

impl Session {
    fn new(player: Player, keep: usize, end_ns: Option<u64>) -> Session {
        let app = new_app(&player.replay, &player.path, keep);
        Session {
            player,
            app,
            clock: Clock {
                playing: true,
                speed: Speed::X1,
                at: None,
            },
            keep,
            seek: None,
            end_ns,
        }
    }

    /// Feed what is due after `elapsed` of real time.
    fn tick(&mut self, elapsed: Duration) -> Result<()> {
        let (player, app, clock) = (&mut self.player, &mut self.app, &mut self.clock);
        if clock.at.is_none() {
            clock.at = player.peek()?.map(ts);
        }
        let until = match self.seek {
            Some(t) => Some(t),
            None => clock.advance(elapsed),
        };
        let fed = player.feed(app, until, MAX_BATCH)?;
        if let Some(t) = self.seek
            && fed < MAX_BATCH
        {
            clock.at = Some(t);
            self.seek = None;
        }
        if until.is_none() && fed < MAX_BATCH {
            // Full speed: the clock is wherever the recording got to.
            clock.at = player.peek()?.map(ts).or(clock.at);
        }
        let over = player.finished()?;
        if over && let (Some(a), Some(end)) = (clock.at, self.end_ns) {
            // The clock stops at the last event rather than running on past it.
            clock.at = Some(a.min(end.max(player.start_ns.unwrap_or(0))));
        }
        if over && app.finished.is_none() {
            for a in ending(player) {
                app.update(a);
            }
        }
        let s = status(&player.path, clock, player.start_ns, self.end_ns, over);
        if s != app.config.scope {
            app.config.scope = s;
            app.dirty = true;
        }
        Ok(())
    }

    fn key(&mut self, k: KeyEvent) -> Result<()> {
        let plain = self.app.prompt.is_none() && !k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Char('p') if plain => self.clock.playing = !self.clock.playing,
            KeyCode::Char('1') if plain => self.clock.speed = Speed::X1,
            KeyCode::Char('2') if plain => self.clock.speed = Speed::X10,
            KeyCode::Char('3') if plain => self.clock.speed = Speed::Max,
            KeyCode::Char('t') if plain => self.app.update(Action::JumpPrompt),
            KeyCode::Char('>') if plain => {
                if let Some(a) = self.clock.at {
                    self.jump_to(a.saturating_add(JUMP_NS))?;
                }
            }
            KeyCode::Char('<') if plain => {
                if let Some(a) = self.clock.at {
                    self.jump_to(a.saturating_sub(JUMP_NS))?;
                }
            }
            KeyCode::Char('0') if plain => self.jump_to(0)?,
            _ => {
                if let Some(a) = keymap::action(&self.app, k) {
                    self.app.update(a);
                }
                if let Some(text) = self.app.jump.take() {
                    self.typed_jump(text)?;
                }
            }
        }
        self.app.dirty = true;
        Ok(())
    }

    /// A time submitted at the jump prompt: go there, or say what is wrong with it and leave
    /// the prompt open to correct it.
    fn typed_jump(&mut self, text: String) -> Result<()> {
        let (Some(start), Some(at)) = (self.player.start_ns, self.clock.at) else {
            self.app.notice = Some("jump: the recording has no events".into());
            return Ok(());
        };
        let span = Span {
            start,
            end: self.end_ns.unwrap_or(u64::MAX).max(at),
            at,
            boot_to_wall: self.app.config.boot_to_wall,
        };
        match parse_time(&text, &span) {
            Ok(t) => self.jump_to(t),
            Err(e) => {
                self.app.notice = Some(format!("jump: {e}"));
                self.app.prompt = Some(Prompt::Jump(text));
                Ok(())
            }
        }
    }

    /// Show the recording up to `target` (boot-clock ns; before the start means the start).
    /// Forward, the events up to it are fed; back, the view is built again from the start.
    fn jump_to(&mut self, target: u64) -> Result<()> {
        let start = self.player.start_ns.unwrap_or(0);
        let target = target.max(start);
        if self.clock.at.is_some_and(|a| target < a) || self.seek.is_some_and(|s| target < s) {
            let path = self.player.path.clone();
            let detail = self.player.detail;
            self.player = Player::open(&path)?.with_detail(detail);
            let (w, h) = (self.app.width, self.app.height);
            self.app = new_app(&self.player.replay, &path, self.keep);
            self.app.update(Action::Resize {
                width: w,
                height: h,
            });
        }
        self.seek = Some(target);
        Ok(())
    }
}

async fn play(player: Player, keep: usize) -> Result<()> {
    // SIGINT, SIGTERM and SIGHUP end the replay as `q` does, with the terminal restored.
    let mut signals = crate::record::Signals::new()?;
    let end_ns = last_ns(&player.path);
    let mut s = Session::new(player, keep, end_ns);
    let (mut terminal, restore) = take_terminal()?;
    let size = terminal.size()?;
    s.app.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    let mut events = EventStream::new();
    let mut frame = tokio::time::interval(Duration::from_millis(1000 / super::FRAMES_PER_SEC));
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = Instant::now();
    while !s.app.quit {
        tokio::select! {
            _ = tick.tick() => {
                let now = Instant::now();
                s.tick(now.duration_since(last))?;
                last = now;
            }
            _ = frame.tick() => {
                if s.app.dirty {
                    terminal.draw(|f| ui::draw(f, &s.app))?;
                    s.app.dirty = false;
                }
            }
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => s.key(k)?,
                Some(Ok(Event::Mouse(m))) => {
                    if let Some(a) = keymap::mouse(&s.app, m) {
                        s.app.update(a);
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    s.app.update(Action::Resize { width, height });
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => break,
            },
            _ = signals.recv() => break,
        }
    }
    // As `tracer export` fails on damage, once the terminal is given back.
    drop(restore);
    if let Some(d) = s.app.damage.take() {
        anyhow::bail!("{d}");
    }
    Ok(())
}

/// Where a typed time can go: boot-clock ns of the first and last events and of the playback
/// now, and the recording's wall-clock offset.
#[derive(Copy, Clone, Debug)]
pub struct Span {
    pub start: u64,
    pub end: u64,
    pub at: u64,
    pub boot_to_wall: i128,
}

const NS: u64 = 1_000_000_000;
const DAY_NS: i128 = 86_400 * 1_000_000_000;
const TIME_FORMS: &str = "try 1:05, 0:01:05, 12.5, +5s, -2m or a time of day such as 19:04:05";

/// `12.5`, `90s`, `2m`, `500ms`, `1h` as ns; `None` when it is not such a number. Exact: the
/// decimals are read as digits, not through a float.
fn duration(text: &str) -> Option<u64> {
    let (num, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let unit: u128 = match unit {
        "ms" => 1_000_000,
        "s" => u128::from(NS),
        "m" | "min" => 60 * u128::from(NS),
        "h" => 3_600 * u128::from(NS),
        _ => return None,
    };
    let v = decimal(num)?;
    u64::try_from(v.checked_mul(unit)? / 1_000_000_000).ok()
}

/// A non-negative decimal number, times 10^9 (`1.5` is 1_500_000_000); at most 9 decimals.
fn decimal(text: &str) -> Option<u128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || frac.len() > 9 {
        return None;
    }
    let int: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_v: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    int.checked_mul(1_000_000_000)?
        .checked_add(frac_v * 10u128.pow(9 - frac.len() as u32))
}

/// `H:MM:SS(.s)` or `M:SS(.s)` as ns; `None` when it is not that.
fn clock_time(parts: &[&str]) -> Option<(u64, bool)> {
    let (h, m, sec) = match parts {
        [m, s] => ("0", *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let whole = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (h, m) = (whole(h)?, whole(m)?);
    let sec = decimal(sec)?;
    if m >= 60 && parts.len() == 3 || sec >= 60 * 1_000_000_000 {
        return None;
    }
    let ns = u128::from(h * 3_600 + m * 60) * 1_000_000_000 + sec;
    Some((u64::try_from(ns).ok()?, parts.len() == 3 && h < 24))
}

/// The boot-clock time `text` names in `span`, for the replay's jump prompt:
///
/// - `+5s`, `-2m`, `+1.5`, `-500ms`: from the playback's position (clamped to the recording);
/// - `12.5`, `90s`, `2m`: from the start of the recording;
/// - `M:SS` and `H:MM:SS` (seconds may have decimals): from the start of the recording;
/// - `HH:MM:SS` is first read as a time of day (UTC, as the list's TIME column shows it)
///   when the recording spans that time, else as from the start.
///
/// A time past the last event is an error, as is anything else.
pub fn parse_time(text: &str, span: &Span) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("type a time ({TIME_FORMS})"));
    }
    let bad = || format!("not a time: {t:?} ({TIME_FORMS})");
    let past_end = || {
        format!(
            "{t} is past the end of the recording (at {})",
            offset_text(span.end.saturating_sub(span.start))
        )
    };
    if let Some(rest) = t.strip_prefix('+') {
        let d = duration(rest.trim()).ok_or_else(bad)?;
        return Ok(span.at.saturating_add(d).min(span.end));
    }
    if let Some(rest) = t.strip_prefix('-') {
        let d = duration(rest.trim()).ok_or_else(bad)?;
        return Ok(span.at.saturating_sub(d).max(span.start));
    }
    let from_start = if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        let (ns, time_of_day) = clock_time(&parts).ok_or_else(bad)?;
        if time_of_day && let Some(at) = time_of_day_in(ns, span) {
            return Ok(at);
        }
        ns
    } else {
        duration(t).ok_or_else(bad)?
    };
    let at = span.start.checked_add(from_start).ok_or_else(past_end)?;
    if at > span.end {
        return Err(past_end());
    }
    Ok(at)
}

/// The boot-clock time at which the recording's UTC clock read `tod` (ns since midnight), if
/// that moment lies within it (the first one, should it span days).
fn time_of_day_in(tod: u64, span: &Span) -> Option<u64> {
    let wall = |boot: u64| i128::from(boot) + span.boot_to_wall;
    let (first, last) = (wall(span.start), wall(span.end));
    let mut day = first.div_euclid(DAY_NS) * DAY_NS;
    while day <= last {
        let at = day + i128::from(tod);
        if (first..=last).contains(&at) {
            return u64::try_from(at - span.boot_to_wall).ok();
        }
        day += DAY_NS;
    }
    None
}

/// `1:05.3`-style time from the start, as the status bar shows it (`M:SS.s`).
fn offset_text(ns: u64) -> String {
    let tenths = ns / 100_000_000;
    let secs = tenths / 10;
    format!("{}:{:02}.{}", secs / 60, secs % 60, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_follows_the_speed_and_stops_when_paused() {
        let mut c = Clock {
            playing: true,
            speed: Speed::X1,
            at: Some(1_000),
        };
        assert_eq!(c.advance(Duration::from_nanos(500)), Some(1_500));
        c.speed = Speed::X10;
        assert_eq!(c.advance(Duration::from_nanos(100)), Some(2_500));
        c.playing = false;
        assert_eq!(c.advance(Duration::from_secs(5)), Some(2_500));
        c.playing = true;
        c.speed = Speed::Max;
        assert_eq!(
            c.advance(Duration::from_nanos(1)),
            None,
            "everything is due"
        );
        let mut unknown = Clock {
            playing: true,
            speed: Speed::X1,
            at: None,
        };
        assert_eq!(unknown.advance(Duration::from_secs(1)), None);
    }

    /// A recording from 19:04:00.5 UTC (boot time 1000 s) to 19:05:30.5 (boot time 1090 s),
    /// played up to 30 s in.
    fn span() -> Span {
        // 2023-11-14 00:00:00 UTC is 1_699_920_000 s; 19:04:00.5 that day is 68_640.5 s later.
        let wall_start: i128 = (1_699_920_000 + 68_640) * 1_000_000_000 + 500_000_000;
        Span {
            start: 1_000 * NS,
            end: 1_090 * NS,
            at: 1_030 * NS,
            boot_to_wall: wall_start - i128::from(1_000 * NS),
        }
    }

    #[test]
    fn typed_times_from_the_start_from_here_and_of_the_day() {
        let s = span();
        let at = |t: &str| parse_time(t, &s).map(|ns| i128::from(ns) - i128::from(s.start));
        let secs = |x: f64| Ok((x * 1e9).round() as i128);
        // From the start of the recording.
        assert_eq!(at("12.5"), secs(12.5));
        assert_eq!(at(" 0 "), secs(0.0));
        assert_eq!(at("0.000000001"), Ok(1), "exact to the nanosecond");
        assert_eq!(at("90s"), secs(90.0));
        assert_eq!(at("1m"), secs(60.0));
        assert_eq!(at("500ms"), secs(0.5));
        assert_eq!(at("1:05"), secs(65.0));
        assert_eq!(at("1:05.25"), secs(65.25));
        assert_eq!(at("0:01:05"), secs(65.0));
        // From the playback's position (30 s in), clamped to the recording.
        assert_eq!(at("+5s"), secs(35.0));
        assert_eq!(at("+5"), secs(35.0));
        assert_eq!(at("-2m"), secs(0.0), "clamped to the start");
        assert_eq!(at("-10"), secs(20.0));
        assert_eq!(at("+1h"), secs(90.0), "clamped to the end");
        // A time of day the recording spans: as the TIME column shows it (UTC).
        assert_eq!(at("19:04:05"), secs(4.5));
        assert_eq!(at("19:05:30.5"), secs(90.0));
        // Not in the recording: three numbers are then from the start, and past its end.
        assert!(at("19:06:00").unwrap_err().contains("past the end"));
        assert_eq!(at("00:01:00"), secs(60.0));
        // Past the end, and nonsense: a message each, never a panic.
        assert_eq!(
            at("1:31"),
            Err("1:31 is past the end of the recording (at 1:30.0)".into())
        );
        assert!(at("91").unwrap_err().contains("past the end"));
        for bad in [
            "",
            "abc",
            "1:2:3:4",
            "1:60",
            "0:60:00",
            "+",
            "-x",
            "12.5.1",
            "1e3",
            "5 s",
            ":",
            "1:",
            "0.1234567891",
            "99999999999999999999999h",
            "+99999999999999999999h",
            "١٢",
            "25:00:00.",
        ] {
            let e = at(bad).expect_err(bad);
            assert!(!e.is_empty() && !e.contains('\n'), "{bad:?}: {e}");
        }
        assert!(at("abc").unwrap_err().starts_with("not a time: \"abc\""));
        assert!(at("").unwrap_err().starts_with("type a time"));
    }

    #[test]
    fn a_time_of_day_across_midnight_is_found_on_the_next_day() {
        // From 23:59:50 to 00:00:20 the next day.
        let midnight: i128 = 1_699_920_000 * 1_000_000_000;
        let s = Span {
            start: 100 * NS,
            end: 130 * NS,
            at: 100 * NS,
            boot_to_wall: midnight - 10 * i128::from(NS) - i128::from(100 * NS),
        };
        assert_eq!(parse_time("00:00:05", &s), Ok(115 * NS));
        assert_eq!(parse_time("23:59:55", &s), Ok(105 * NS));
    }

    /// A session over the pipe lesson's recording (events at 1.3, 2.0, 3.1, 3.5 and 4.0 µs),
    /// paused, as the terminal loop drives it.
    fn session() -> (Session, std::path::PathBuf) {
        let (s, path) = session_of(&crate::recording::testdata::pipe_recording());
        assert_eq!(s.end_ns, Some(4_000));
        (s, path)
    }

    /// A paused session over the recording `file`.
    fn session_of(file: &[u8]) -> (Session, std::path::PathBuf) {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("tracer-replay-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("pipe-{n}.tracer"));
        std::fs::write(&path, file).unwrap();
        let end = last_ns(&path);
        let mut s = Session::new(Player::open(&path).unwrap(), 1000, end);
        s.clock.playing = false;
        s.app.update(Action::Resize {
            width: 100,
            height: 30,
        });
        (s, path)
    }

    fn press(s: &mut Session, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            s.key(KeyEvent::new(code, KeyModifiers::NONE)).unwrap();
        }
        s.tick(Duration::ZERO).unwrap();
    }

    fn listed(s: &Session) -> Vec<&'static str> {
        (0..s.app.visible_len())
            .filter_map(|i| s.app.visible_at(i))
            .filter_map(|seq| s.app.entry(seq))
            .map(|e| e.call.row.name)
            .collect()
    }

    #[test]
    fn t_jumps_to_a_typed_time_forward_and_back() {
        let (mut s, path) = session();
        s.tick(Duration::ZERO).unwrap();
        assert_eq!(s.clock.at, Some(1_300), "paused at the first event");
        assert_eq!(listed(&s), ["pipe2"]);
        // 2.2 µs after the start: the write (3.1) and the read (3.5) are shown.
        press(&mut s, "t0.0000022\n");
        assert_eq!(s.app.prompt, None);
        assert_eq!(s.clock.at, Some(3_500));
        assert_eq!(listed(&s), ["pipe2", "write", "read"]);
        assert_eq!(s.app.lost, 3, "the lost frame at 2.1 µs was passed");
        assert_eq!(s.app.procs.len(), 2, "the parent and its forked child");
        assert!(!s.clock.playing, "a jump keeps the playback paused");
        assert!(s.app.config.scope.contains("paused 1x at 0:00.0 of 0:00.0"));
        // Back in time: the view is built again, up to there only.
        press(&mut s, "t-0.000002\n");
        assert_eq!(s.clock.at, Some(1_500));
        assert_eq!(listed(&s), ["pipe2"]);
        assert_eq!(s.app.lost, 0);
        assert_eq!(s.app.procs.len(), 1, "the child is not forked yet");
        // Forward again, relative.
        press(&mut s, "t+1800ms\n");
        assert_eq!(s.clock.at, Some(4_000), "clamped to the last event");
        assert_eq!(listed(&s), ["pipe2", "write", "read"]);
        // A bad time: a one-line error on the status line, the prompt kept to correct it,
        // nothing moved; Esc cancels.
        press(&mut s, "tsoon\n");
        assert_eq!(s.app.prompt, Some(Prompt::Jump("soon".into())));
        let notice = s.app.notice.clone().unwrap_or_default();
        assert!(notice.starts_with("jump: not a time: \"soon\""), "{notice}");
        assert_eq!(s.clock.at, Some(4_000));
        press(&mut s, "\x1b");
        assert_eq!(s.app.prompt, None);
        assert_eq!(listed(&s), ["pipe2", "write", "read"]);
        press(&mut s, "t1:00\n");
        assert!(
            s.app
                .notice
                .as_deref()
                .is_some_and(|n| n.contains("past the end")),
            "{:?}",
            s.app.notice
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn the_help_lists_the_jump_key_in_a_replay() {
        let (mut s, path) = session();
        press(&mut s, "?");
        assert!(s.app.help && s.app.replay);
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        t.draw(|f| ui::draw(f, &s.app)).unwrap();
        let buf = t.backend().buffer();
        let screen: String = buf
            .content()
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect();
        assert!(screen.contains("replay: jump to a time"), "{screen}");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn the_status_says_where_the_playback_is() {
        let c = Clock {
            playing: false,
            speed: Speed::X10,
            at: Some(3_500_000_000),
        };
        assert_eq!(
            status(
                Path::new("t.tracer"),
                &c,
                Some(1_000_000_000),
                Some(66_000_000_000),
                false
            ),
            "replay t.tracer: paused 10x at 0:02.5 of 1:05.0"
        );
        assert!(status(Path::new("t"), &c, None, None, true).contains("end of recording"));
    }

    /// Byte offsets of a recording's frames (after the 8-byte magic), as the writer laid them.
    fn frame_offsets(file: &[u8]) -> Vec<usize> {
        let mut at = 8;
        let mut v = Vec::new();
        while at + 9 <= file.len() {
            v.push(at);
            let len = u32::from_le_bytes(file[at..at + 4].try_into().unwrap()) as usize;
            at += 9 + len;
        }
        v
    }

    /// Played to its end at full speed, then drawn.
    fn played(s: &mut Session) -> String {
        s.clock.playing = true;
        s.clock.speed = Speed::Max;
        for _ in 0..10 {
            s.tick(Duration::ZERO).unwrap();
        }
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 30)).unwrap();
        t.draw(|f| ui::draw(f, &s.app)).unwrap();
        t.backend()
            .buffer()
            .content()
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect()
    }

    /// A checksum that does not match stops the replay there, and the view says so where
    /// `tracer export` does: the byte offset and the reason, on the status bar and in the log.
    #[test]
    fn a_damaged_recording_says_where_on_the_status_bar_and_in_the_log() {
        let mut file = crate::recording::testdata::pipe_recording();
        // The seventh frame (the header, five records, then the lost frame after the fork):
        // its payload's last byte flipped.
        let frames = frame_offsets(&file);
        let (at, next) = (frames[6], frames[7]);
        file[next - 1] ^= 0xff;
        let (mut s, path) = session_of(&file);
        let screen = played(&mut s);
        let want = format!("byte {at}: the frame's checksum does not match");
        let damage = s.app.damage.clone().unwrap_or_default();
        assert!(damage.contains(&want), "{damage}");
        assert!(
            damage.contains("everything before it was replayed"),
            "{damage}"
        );
        assert!(
            s.app.log.iter().any(|l| l.contains(&want)),
            "{:?}",
            s.app.log
        );
        assert!(
            screen.contains(&format!("DAMAGED {}", path.display())),
            "{screen}"
        );
        assert_eq!(
            s.app.finished.as_deref(),
            Some("end of the readable part of the recording")
        );
        // Up to the damage: the pipe2, not the calls after it.
        assert_eq!(listed(&s), ["pipe2"]);
        std::fs::remove_file(path).unwrap();
    }

    /// A file cut inside a frame (a killed recorder) and one without its end frame are not
    /// damaged, but the view says how they end, as the export warns; a whole one simply ends.
    #[test]
    fn a_cut_recording_and_a_whole_one_say_how_they_end() {
        let file = crate::recording::testdata::pipe_recording();
        let (mut s, path) = session_of(&file[..file.len() - 30]);
        played(&mut s);
        assert_eq!(s.app.damage, None);
        let end = s.app.finished.clone().unwrap_or_default();
        assert!(end.contains("the file ends inside a frame"), "{end}");
        assert!(s.app.log.iter().any(|l| l == &end), "{:?}", s.app.log);
        std::fs::remove_file(path).unwrap();

        let frames = frame_offsets(&file);
        let last = *frames.last().unwrap();
        let (mut s, path) = session_of(&file[..last]);
        played(&mut s);
        let end = s.app.finished.clone().unwrap_or_default();
        assert!(
            end.ends_with("no end frame: the recorder did not stop cleanly"),
            "{end}"
        );
        std::fs::remove_file(path).unwrap();

        let (mut s, path) = session();
        played(&mut s);
        assert_eq!(s.app.finished.as_deref(), Some("end of the recording"));
        assert_eq!(s.app.damage, None);
        std::fs::remove_file(path).unwrap();
    }
}
