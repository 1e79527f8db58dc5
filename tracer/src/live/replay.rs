//! `tracer replay FILE`: the live view over a native recording, without root. The recording is
//! fed to the same `App` as a live capture, paced by its own timestamps: played at 1x or 10x the
//! speed it was recorded at, or as fast as it reads. Jumping back replays from the start up to
//! the chosen time (a recording is a stream, and the view's state is built by feeding it).
//!
//! Keys beyond the live view's: `p` play/pause, `1` `2` `3` speed 1x, 10x, max, `<` `>` ten
//! seconds back and forward, `0` back to the start.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};

use super::app::{Action, App, Config};
use super::{keymap, take_terminal, ui};
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
}

impl Player {
    fn open(path: &Path) -> Result<Player> {
        let replay = Replay::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(Player {
            path: path.to_path_buf(),
            replay,
            next: None,
            queue: std::collections::VecDeque::new(),
            over: false,
            start_ns: None,
            lost: 0,
        })
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
            let more = self
                .replay
                .step(&mut |ev| {
                    queue.push_back(ev);
                    Ok(())
                })
                .with_context(|| format!("reading {}", self.path.display()))?;
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
                if let Rec::Lost { count, .. } = ev {
                    self.lost += count;
                    app.update(Action::Lost(self.lost));
                } else {
                    app.update(action(ev));
                }
                n += 1;
            }
        }
        Ok(n)
    }

    fn finished(&mut self) -> Result<bool> {
        Ok(self.peek()?.is_none())
    }
}

fn action(ev: Rec) -> Action {
    match ev {
        Rec::Item(Item::Call(c)) => Action::Call(Box::new(c)),
        Rec::Item(Item::Proc(p)) => Action::Proc(p),
        Rec::Pending(c) => Action::Pending(Box::new(c)),
        Rec::Lost { count, .. } => Action::Message(format!("{count} events lost while recording")),
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
    app.update(Action::Message(format!(
        "replaying {} (tracer {}, Linux {}, {}); keys: p play/pause, 1 2 3 speed 1x 10x max, < > ten seconds, 0 start",
        path.display(),
        h.tracer,
        h.kernel,
        h.scope
    )));
    app
}

fn status(path: &Path, clock: &Clock, start: Option<u64>, over: bool) -> String {
    let at = match (clock.at, start) {
        (Some(a), Some(s)) => {
            let ms = a.saturating_sub(s) / 1_000_000;
            format!("{}.{} s", ms / 1000, ms % 1000 / 100)
        }
        _ => "0.0 s".into(),
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
    format!("replay {}: {state} {speed} at {at}", path.display())
}

pub fn run(path: &Path, keep: usize) -> Result<()> {
    // Fail before taking the terminal: a damaged or missing file says so where it can be read.
    let player = Player::open(path)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(play(player, keep))
}

async fn play(mut player: Player, keep: usize) -> Result<()> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let path = player.path.clone();
    let mut app = new_app(&player.replay, &path, keep);
    let (mut terminal, _restore) = take_terminal()?;
    let size = terminal.size()?;
    app.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    let mut clock = Clock {
        playing: true,
        speed: Speed::X1,
        at: None,
    };
    let mut events = EventStream::new();
    let mut frame = tokio::time::interval(Duration::from_millis(1000 / super::FRAMES_PER_SEC));
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = Instant::now();
    // Where to go after a jump back (replaying from the start up to it).
    let mut seek: Option<u64> = None;
    while !app.quit {
        tokio::select! {
            _ = tick.tick() => {
                let now = Instant::now();
                if clock.at.is_none() {
                    clock.at = player.peek()?.map(ts);
                }
                let until = match seek {
                    Some(t) => Some(t),
                    None => clock.advance(now.duration_since(last)),
                };
                last = now;
                let fed = player.feed(&mut app, until, MAX_BATCH)?;
                if let Some(t) = seek
                    && fed < MAX_BATCH
                {
                    clock.at = Some(t);
                    seek = None;
                }
                if until.is_none() && fed < MAX_BATCH {
                    // Full speed: the clock is wherever the recording got to.
                    clock.at = player.peek()?.map(ts).or(clock.at);
                }
                let over = player.finished()?;
                if over && app.finished.is_none() {
                    app.update(Action::Finished("end of the recording".into()));
                }
                let s = status(&path, &clock, player.start_ns, over);
                if s != app.config.scope {
                    app.config.scope = s;
                    app.dirty = true;
                }
            }
            _ = frame.tick() => {
                if app.dirty {
                    terminal.draw(|f| ui::draw(f, &app))?;
                    app.dirty = false;
                }
            }
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
                    let plain = app.prompt.is_none() && !k.modifiers.contains(KeyModifiers::CONTROL);
                    match k.code {
                        KeyCode::Char('p') if plain => clock.playing = !clock.playing,
                        KeyCode::Char('1') if plain => clock.speed = Speed::X1,
                        KeyCode::Char('2') if plain => clock.speed = Speed::X10,
                        KeyCode::Char('3') if plain => clock.speed = Speed::Max,
                        KeyCode::Char('>') if plain => {
                            seek = clock.at.map(|a| a.saturating_add(JUMP_NS));
                        }
                        KeyCode::Char('<' | '0') if plain => {
                            let start = player.start_ns;
                            let target = match (k.code, clock.at) {
                                (KeyCode::Char('<'), Some(a)) => a.saturating_sub(JUMP_NS),
                                _ => start.unwrap_or(0),
                            };
                            // Back in time: build the view again from the start.
                            player = Player::open(&path)?;
                            let (w, h) = (app.width, app.height);
                            app = new_app(&player.replay, &path, keep);
                            app.update(Action::Resize { width: w, height: h });
                            seek = Some(target.max(start.unwrap_or(0)));
                        }
                        _ => {
                            if let Some(a) = keymap::action(&app, k) {
                                app.update(a);
                            }
                        }
                    }
                    app.dirty = true;
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
                None => break,
            },
            _ = sigint.recv() => break,
            _ = sigterm.recv() => break,
        }
    }
    Ok(())
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

    #[test]
    fn the_status_says_where_the_playback_is() {
        let c = Clock {
            playing: false,
            speed: Speed::X10,
            at: Some(3_500_000_000),
        };
        assert_eq!(
            status(Path::new("t.tracer"), &c, Some(1_000_000_000), false),
            "replay t.tracer: paused 10x at 2.5 s"
        );
        assert!(status(Path::new("t"), &c, None, true).contains("end of recording"));
    }
}
