//! Replaying a recording: its raw records go through `event::decode` and `trace::Joiner`
//! exactly as live capture feeds them, so a replay yields the calls and process events the
//! live trace did. Needs no privileges: journeys are built from the symbols in the header.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;
use std::sync::Arc;

use crate::event;
use crate::kernel::ksyms::Ksyms;
use crate::trace::{Call, Item, Joiner};

use super::format::{End, Header};
use super::reader::{FrameRef, ReadError, Reader};
use super::remap::Remap;

/// `record` shows a call as pending once it has waited this long (its tick is 100 ms); a
/// replay does the same in the recording's time.
const PENDING_AFTER_NS: u64 = 200_000_000;
const TICK_NS: u64 = 100_000_000;

/// What a replay produces, in the order `record` would have written it.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "events are moved once, from the replay to a writer"
)]
pub enum Event {
    /// A completed (or never finished) call, or a process event.
    Item(Item),
    /// A call that had been waiting for 200 ms at that point of the recording.
    Pending(Box<Call>),
    /// `count` events the kernel side could not queue, by `ts_ns`.
    Lost { ts_ns: u64, count: u64 },
    /// The traced command as tracer started it (before its calls).
    Start(crate::recording::format::Start),
}

/// How a replay went.
#[derive(Debug, Default)]
pub struct Outcome {
    pub records: u64,
    /// Records `event::decode` refused, plus records naming a row outside the table.
    pub decode_errors: u64,
    /// Events lost while recording (the sum of the lost frames).
    pub lost: u64,
    /// Frames of kinds this tracer does not know (from a newer tracer), skipped.
    pub unknown_frames: u64,
    /// The end frame: absent when the recorder was killed.
    pub end: Option<End>,
    /// The latest event time seen (`CLOCK_BOOTTIME` ns).
    pub last_ns: u64,
    /// Where reading stopped early: a truncated last frame or damage. Everything before it was
    /// replayed.
    pub damage: Option<ReadError>,
}

pub struct Replay<R = BufReader<File>> {
    reader: Reader<R>,
    ksyms: Arc<Ksyms>,
    joiner: Joiner,
    remap: Remap,
    /// Where a record whose indices were remapped is copied.
    scratch: Vec<u8>,
    items: Vec<Item>,
    next_tick: u64,
    outcome: Outcome,
    ended: bool,
}

impl Replay {
    pub fn open(path: &Path) -> Result<Replay, ReadError> {
        Ok(Replay::new(Reader::open(path)?))
    }
}

impl<R: io::BufRead> Replay<R> {
    pub fn new(reader: Reader<R>) -> Replay<R> {
        let ksyms = Arc::new(super::header::ksyms(reader.header()));
        let remap = Remap::new(reader.header());
        Replay {
            reader,
            ksyms,
            joiner: Joiner::default(),
            remap,
            scratch: Vec::new(),
            items: Vec::new(),
            next_tick: 0,
            outcome: Outcome::default(),
            ended: false,
        }
    }

    pub fn header(&self) -> &Header {
        self.reader.header()
    }

    /// How the replay went so far: once it is over, whether the end frame was seen and where
    /// reading stopped early.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The recorded kernel's symbols, for `kernel::path::build`.
    pub fn ksyms(&self) -> &Arc<Ksyms> {
        &self.ksyms
    }

    /// Replay one frame; `false` once the recording is over (then `finish`).
    pub fn step(&mut self, out: &mut impl FnMut(Event) -> io::Result<()>) -> io::Result<bool> {
        if self.ended {
            return Ok(false);
        }
        let frame = match self.reader.next_frame() {
            None => {
                self.ended = true;
                return Ok(false);
            }
            Some(Err(e)) => {
                self.outcome.damage = Some(e);
                self.ended = true;
                return Ok(false);
            }
            Some(Ok(f)) => f,
        };
        match frame {
            FrameRef::Record(raw) => {
                self.outcome.records += 1;
                match event::decode(self.remap.apply(raw, &mut self.scratch)) {
                    Ok(rec) => {
                        let ts = rec_ts(&rec);
                        self.outcome.last_ns = self.outcome.last_ns.max(ts);
                        self.joiner.push(rec, &mut |i| self.items.push(i));
                        for item in self.items.drain(..) {
                            out(Event::Item(item))?;
                        }
                        // Record's tick: calls that have now waited long enough.
                        if ts >= self.next_tick {
                            self.next_tick = ts.saturating_add(TICK_NS);
                            for c in self
                                .joiner
                                .newly_pending(ts.saturating_sub(PENDING_AFTER_NS))
                            {
                                out(Event::Pending(c))?;
                            }
                        }
                    }
                    Err(e) => {
                        self.outcome.decode_errors += 1;
                        log::warn!("undecodable record: {e}");
                    }
                }
            }
            FrameRef::Lost { ts_ns, count } => {
                self.outcome.lost += count;
                out(Event::Lost { ts_ns, count })?;
            }
            FrameRef::End(end) => self.outcome.end = Some(end),
            FrameRef::UserSym(u) => self.joiner.user.record(u),
            FrameRef::Start(start) => out(Event::Start(start))?,
            FrameRef::Unknown { .. } => self.outcome.unknown_frames += 1,
        }
        Ok(true)
    }

    /// The calls still in flight at the end (never finished while recording), and the counts.
    pub fn finish(mut self, out: &mut impl FnMut(Event) -> io::Result<()>) -> io::Result<Outcome> {
        for c in self.joiner.drain() {
            out(Event::Item(Item::Call(c)))?;
        }
        self.outcome.decode_errors += self.joiner.unknown_rows;
        Ok(self.outcome)
    }

    /// Replay everything.
    pub fn run(mut self, out: &mut impl FnMut(Event) -> io::Result<()>) -> io::Result<Outcome> {
        while self.step(out)? {}
        self.finish(out)
    }
}

fn rec_ts(rec: &event::Record) -> u64 {
    match rec {
        event::Record::Enter { hdr, .. }
        | event::Record::Exit { hdr, .. }
        | event::Record::Fork { hdr, .. }
        | event::Record::Exec { hdr, .. }
        | event::Record::TaskExit { hdr, .. }
        | event::Record::Hop { hdr, .. } => hdr.ts_ns,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::recording::testdata::{self, pipe_recording, pipe_records};
    use crate::recording::writer::Recorder;

    /// What live capture makes of the same records (`record::Source::read`, then the drain).
    pub(crate) fn live(records: &[Vec<u8>]) -> Vec<Item> {
        let mut joiner = Joiner::default();
        let mut items = Vec::new();
        for r in records {
            joiner.push(event::decode(r).unwrap(), &mut |i| items.push(i));
        }
        items.extend(joiner.drain().into_iter().map(Item::Call));
        items
    }

    #[test]
    fn a_replay_yields_what_live_capture_did() {
        let file = pipe_recording();
        let replay = Replay::new(Reader::new(Cursor::new(&file), None).unwrap());
        assert!(replay.ksyms().has("do_pipe2"));
        let mut items = Vec::new();
        let mut lost = Vec::new();
        let outcome = replay
            .run(&mut |ev| {
                match ev {
                    Event::Item(i) => items.push(i),
                    Event::Lost { ts_ns, count } => lost.push((ts_ns, count)),
                    Event::Pending(c) => panic!("nothing waited 200 ms: {c:?}"),
                    Event::Start(s) => panic!("no start frame was written: {s:?}"),
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(format!("{items:?}"), format!("{:?}", live(&pipe_records())));
        assert_eq!(lost, [(2_100, 3)]);
        assert_eq!(
            (outcome.records, outcome.lost, outcome.decode_errors),
            (10, 3, 0)
        );
        assert!(outcome.damage.is_none());
        assert_eq!(outcome.end.map(|e| e.records), Some(10));
    }

    /// What the traced command started with comes back first, and an `export -y` describes
    /// its descriptors from it (an older reader skips the frame as an unknown kind).
    #[test]
    fn the_start_frame_comes_back_before_the_calls() {
        use crate::recording::format::Start;
        let start = Start {
            pid: 7,
            cwd: b"/home/u".to_vec(),
            fds: vec![(1, b"/dev/pts/0".to_vec())],
            devices: vec![(1, (136 << 20) | 2, false)],
            ..Start::default()
        };
        let mut file = Vec::new();
        let mut r = Recorder::new(&mut file, &testdata::header()).unwrap();
        r.write_start(&start).unwrap();
        for rec in pipe_records() {
            r.write_record(&rec).unwrap();
        }
        r.finish(5_000, None).unwrap();
        let mut first = None;
        let replay = Replay::new(Reader::new(Cursor::new(&file), None).unwrap());
        let outcome = replay
            .run(&mut |ev| {
                if first.is_none() {
                    first = Some(format!("{ev:?}"));
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(first, Some(format!("{:?}", Event::Start(start))));
        assert_eq!(outcome.unknown_frames, 0);
    }

    #[test]
    fn a_cut_recording_replays_up_to_the_cut() {
        let file = pipe_recording();
        let cut = &file[..file.len() - 30];
        let replay = Replay::new(Reader::new(Cursor::new(cut), Some(cut.len() as u64)).unwrap());
        let mut n = 0;
        let outcome = replay
            .run(&mut |_| {
                n += 1;
                Ok(())
            })
            .unwrap();
        assert!(outcome.end.is_none());
        assert!(outcome.damage.is_some_and(|d| d.is_truncation()));
        assert!(n > 3);
    }
}
