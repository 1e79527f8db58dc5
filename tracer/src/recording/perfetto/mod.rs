//! Export to Perfetto's own trace format: a protobuf `Trace`, a stream of `TracePacket`s that
//! ui.perfetto.dev and `trace_processor` load (docs/trace-format.md, "Perfetto"). Written as
//! the recording is read, in memory that follows what is in flight, not the recording's size:
//! - a process track per process and, under it, a thread track per thread (`TrackDescriptor`s
//!   with the pid, the tid and the command name), described when first seen and again when
//!   the name changes (exec);
//! - each call a slice on its thread's track (`TrackEvent` begin and end): named after the
//!   syscall (for socketcall and ipc, the inner call, the dispatcher an argument), its decoded
//!   arguments, return value and errno as debug annotations; inside it the kernel functions a
//!   probe saw, around it the libc wrapper (as in the JSON export); a call that never returned
//!   ends where its thread's next event begins;
//! - fork, exec and exit as instant events; lost events on a track of their own;
//! - flow arrows from each send into a pipe, socket or message queue to the receive that took
//!   the data out, and counters of what is in flight per object end (`pairing.rs`).
//!
//! Names are interned (`interned_data`): the first packet clears the sequence's incremental
//! state (`SEQ_INCREMENTAL_STATE_CLEARED`), every event packet says it needs it
//! (`SEQ_NEEDS_INCREMENTAL_STATE`), and a name's first use carries its definition. Times are
//! the recording's `CLOCK_BOOTTIME` nanoseconds, Perfetto's default trace clock.

mod pairing;
pub mod proto;
#[cfg(test)]
mod tests;
mod wire;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::Arc;

use serde_json::Value;
use tracer_common::SYS_F_ARGS_FAULT;

use crate::decode::{Val, errno};
use crate::jsonl::Escaped;
use crate::kernel::ksyms::Ksyms;
use crate::kernel::path;
use crate::output::errno_of;
use crate::trace::{Call, Item, Proc};
use crate::usersym::UserFrame;

use super::flows::{Flows, Kind};
use super::hop_slices;
use super::replay::Event;
use pairing::{Key, Pairing};
use proto::trace_packet::{Data, OptionalTrustedPacketSequenceId, SequenceFlags};
use proto::track_event::Type;
use proto::{
    CounterDescriptor, DebugAnnotationName, EventCategory, EventName, InternedData, InternedString,
    ProcessDescriptor, ThreadDescriptor, TracePacket, TrackDescriptor,
};

/// The one packet sequence tracer writes.
const SEQUENCE: u32 = 1;
/// Names interned per table at most; past it names are written out (a recording from a newer
/// tracer, or a hostile one, cannot grow the tables without bound).
const INTERN_MAX: usize = 1 << 16;
/// Counter tracks at most (one per object end that carried data).
const COUNTERS_MAX: usize = 1024;
/// Packets are gathered to this size before a write.
const FLUSH_AT: usize = 1 << 16;

// The maps below are looked up several times per call with short keys (names, tids), where
// std's SipHash was a tenth of the export's time.
use crate::fasthash::FastMap;

/// Strings to small ids, for one `interned_data` table.
/// Slots of [`Interner::by_addr`]: a few times the names a call uses.
const ADDR_SLOTS: usize = 256;

struct Interner {
    ids: FastMap<String, u64>,
    /// The ids of tracer's own names (`&'static str`: an address holds the same text for the
    /// program's life), found by address and length without hashing or comparing the text: a
    /// direct-mapped cache, a slot per address, the last name seen there.
    by_addr: Box<[(usize, usize, u64); ADDR_SLOTS]>,
    /// Interned since the last packet went out: its definitions go with the next one.
    new: Vec<(u64, String)>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            ids: FastMap::default(),
            // Address 0 holds no name.
            by_addr: Box::new([(0, 0, 0); ADDR_SLOTS]),
            new: Vec::new(),
        }
    }
}

impl Interner {
    fn id(&mut self, s: &str) -> Option<u64> {
        if let Some(id) = self.ids.get(s) {
            return Some(*id);
        }
        if self.ids.len() >= INTERN_MAX {
            return None;
        }
        let id = self.ids.len() as u64 + 1;
        self.ids.insert(s.to_string(), id);
        self.new.push((id, s.to_string()));
        Some(id)
    }

    fn id_static(&mut self, s: &'static str) -> Option<u64> {
        let (addr, len) = (s.as_ptr() as usize, s.len());
        let slot = &self.by_addr[(addr ^ (addr >> 8) ^ len) % ADDR_SLOTS];
        if slot.0 == addr && slot.1 == len {
            return Some(slot.2);
        }
        let id = self.id(s)?;
        self.by_addr[(addr ^ (addr >> 8) ^ len) % ADDR_SLOTS] = (addr, len, id);
        Some(id)
    }
}

/// A name: tracer's own, or another (a function's, a key read from a structure).
#[derive(Clone, Copy)]
enum Name<'a> {
    Own(&'static str),
    Other(&'a str),
}

impl Name<'_> {
    fn text(&self) -> &str {
        let (Name::Own(s) | Name::Other(s)) = self;
        s
    }

    fn id(&self, i: &mut Interner) -> Option<u64> {
        match self {
            Name::Own(s) => i.id_static(s),
            Name::Other(s) => i.id(s),
        }
    }
}

struct ThreadTrack {
    uuid: u64,
    pid: u32,
    comm: String,
}

struct ProcessTrack {
    uuid: u64,
    name: String,
    /// Named after its main thread (else after the first thread seen).
    by_main: bool,
}

/// A receive held back until the send that filled it is read: its packets but the last ends.
struct Held {
    bytes: Vec<u8>,
    tail: Tail,
}

/// The end packets that close a call's slice (and its libc wrapper's) at `ts`.
#[derive(Clone, Copy)]
struct Tail {
    track: u64,
    ts: u64,
    ends: u8,
}

struct Counter {
    uuid: u64,
    value: i64,
    last_ts: u64,
}

/// How a call takes part in a flow.
#[derive(Clone, Copy)]
enum Role {
    None,
    /// A send: the flow starts at its slice.
    Send(u64),
    /// A receive paired with a send already written: the flow ends at its slice.
    Recv(u64),
}

pub struct Perfetto<W: Write> {
    out: W,
    buf: Vec<u8>,
    first: bool,
    ksyms: Arc<Ksyms>,
    names: Interner,
    keys: Interner,
    cats: Interner,
    /// String values (where a call entered the kernel from).
    strs: Interner,
    /// The interned text of the user frames calls entered from, by the frame (held, so that
    /// its address names it while it is here).
    frames: Frames,
    next_uuid: u64,
    threads: FastMap<u32, ThreadTrack>,
    procs: FastMap<u32, ProcessTrack>,
    lost_track: Option<u64>,
    /// Per thread, a call that never returned: it lasted, at most, until the thread's next
    /// event.
    held: FastMap<u32, Call>,
    flows: Flows,
    pairing: Pairing<Held>,
    released: Vec<Held>,
    counters: FastMap<Key, Counter>,
    last_ns: u64,
    /// Text formatted for an annotation, reused.
    scratch: String,
}

fn packet(ts: Option<u64>, data: Data) -> TracePacket {
    TracePacket {
        timestamp: ts,
        data: Some(data),
        optional_trusted_packet_sequence_id: Some(
            OptionalTrustedPacketSequenceId::TrustedPacketSequenceId(SEQUENCE),
        ),
        ..TracePacket::default()
    }
}

impl<W: Write> Perfetto<W> {
    pub fn new(out: W, ksyms: Arc<Ksyms>) -> Perfetto<W> {
        Perfetto {
            out,
            buf: Vec::with_capacity(FLUSH_AT * 2),
            first: true,
            ksyms,
            names: Interner::default(),
            keys: Interner::default(),
            cats: Interner::default(),
            strs: Interner::default(),
            frames: Frames::default(),
            next_uuid: 1,
            threads: FastMap::default(),
            procs: FastMap::default(),
            lost_track: None,
            held: FastMap::default(),
            flows: Flows::default(),
            pairing: Pairing::default(),
            released: Vec::new(),
            counters: FastMap::default(),
            last_ns: 0,
            scratch: String::new(),
        }
    }

    /// A packet other than a track event (a track's descriptor, interned names alone), into
    /// the output, with the names interned since the last packet.
    fn put(&mut self, mut p: TracePacket) -> io::Result<()> {
        p.interned_data = self.take_interned();
        self.put_flags(&mut p, false);
        self.encode(&p)
    }

    /// The names interned since the last packet went out, as that packet's `interned_data`.
    fn take_interned(&mut self) -> Option<InternedData> {
        take_interned([
            &mut self.names,
            &mut self.keys,
            &mut self.cats,
            &mut self.strs,
        ])
    }

    fn put_flags(&mut self, p: &mut TracePacket, needs_state: bool) {
        let mut flags = 0;
        if self.first {
            flags |= SequenceFlags::SeqIncrementalStateCleared as u32;
            p.first_packet_on_sequence = Some(true);
            self.first = false;
        }
        if needs_state {
            flags |= SequenceFlags::SeqNeedsIncrementalState as u32;
        }
        if flags != 0 {
            p.sequence_flags = Some(flags);
        }
    }

    /// `p` into the output, as field 1 of `Trace`.
    fn encode(&mut self, p: &TracePacket) -> io::Result<()> {
        prost::encoding::message::encode(field::TRACE_PACKET, p, &mut self.buf);
        self.flush_full()
    }

    /// Write what is gathered once it is enough for a write.
    fn flush_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn uuid(&mut self) -> u64 {
        let u = self.next_uuid;
        self.next_uuid += 1;
        u
    }

    fn describe(&mut self, d: TrackDescriptor) -> io::Result<()> {
        self.put(packet(None, Data::TrackDescriptor(d)))
    }

    /// The thread's track, described (again) when new or renamed.
    fn thread(&mut self, pid: u32, tid: u32, comm: &str) -> io::Result<u64> {
        if let Some(t) = self.threads.get(&tid)
            && t.pid == pid
            && (comm.is_empty() || comm == t.comm)
        {
            return Ok(t.uuid);
        }
        let process = self.process(pid, tid, comm)?;
        let uuid = match self.threads.get_mut(&tid) {
            Some(t) if t.pid == pid => {
                comm.clone_into(&mut t.comm);
                t.uuid
            }
            _ => {
                let uuid = self.uuid();
                self.threads.insert(
                    tid,
                    ThreadTrack {
                        uuid,
                        pid,
                        comm: comm.to_string(),
                    },
                );
                uuid
            }
        };
        // A thread seen only by the exit of a call it entered before tracing has no name.
        let name = if comm.is_empty() {
            tid.to_string()
        } else {
            comm.to_string()
        };
        self.describe(TrackDescriptor {
            uuid: Some(uuid),
            parent_uuid: Some(process),
            thread: Some(ThreadDescriptor {
                pid: Some(pid as i32),
                tid: Some(i64::from(tid)),
                thread_name: Some(name),
            }),
            ..TrackDescriptor::default()
        })?;
        Ok(uuid)
    }

    /// The process's track, described when new or when its name changes.
    fn process(&mut self, pid: u32, tid: u32, comm: &str) -> io::Result<u64> {
        let main = pid == tid;
        let (uuid, name) = match self.procs.get_mut(&pid) {
            Some(p) if comm.is_empty() || p.name == comm || (p.by_main && !main) => {
                return Ok(p.uuid);
            }
            Some(p) => {
                comm.clone_into(&mut p.name);
                p.by_main |= main;
                (p.uuid, p.name.clone())
            }
            None => {
                let uuid = self.uuid();
                self.procs.insert(
                    pid,
                    ProcessTrack {
                        uuid,
                        name: comm.to_string(),
                        by_main: main && !comm.is_empty(),
                    },
                );
                (uuid, comm.to_string())
            }
        };
        self.describe(TrackDescriptor {
            uuid: Some(uuid),
            process: Some(ProcessDescriptor {
                pid: Some(pid as i32),
                process_name: (!name.is_empty()).then_some(name),
            }),
            ..TrackDescriptor::default()
        })?;
        Ok(uuid)
    }

    pub fn event(&mut self, ev: &Event) -> io::Result<()> {
        match ev {
            Event::Item(Item::Call(c)) => self.call(c),
            Event::Item(Item::Proc(p)) => self.proc(p),
            // The same call comes again when it returns, complete: its slice is written then.
            Event::Pending(_) => Ok(()),
            // What the command started with: descriptors the flows follow.
            Event::Start(s) => {
                self.flows.begin(s);
                Ok(())
            }
            Event::Lost { ts_ns, count } => self.lost(*ts_ns, *count),
        }
    }

    /// A call left out of the export (`-e`): what it did to descriptors still counts.
    pub fn observe(&mut self, c: &Call) {
        self.flows.observe(c);
    }

    fn lost(&mut self, ts: u64, count: u64) -> io::Result<()> {
        let track = if let Some(t) = self.lost_track {
            t
        } else {
            let t = self.uuid();
            let name =
                proto::track_descriptor::StaticOrDynamicName::Name("tracer: events lost".into());
            self.describe(TrackDescriptor {
                uuid: Some(t),
                static_or_dynamic_name: Some(name),
                ..TrackDescriptor::default()
            })?;
            self.lost_track = Some(t);
            t
        };
        let ev = Ev::named(Type::Instant, track, Name::Own("events lost"), "tracer");
        self.track_event(ts, ev, None, |a| a.int(EV_ANN, "count", count as i64))
    }

    /// A track event packet at `ts`, into `held` (`None`: the output), its annotations written
    /// by `anns`. The names it interns for the first time go with it, or, when it is held
    /// back, in a packet of their own ahead of it: a name must be defined before any packet of
    /// the sequence uses it.
    fn track_event(
        &mut self,
        ts: u64,
        ev: Ev<'_>,
        held: Option<&mut Vec<u8>>,
        anns: impl FnOnce(&mut Anns<'_>),
    ) -> io::Result<()> {
        let is_held = held.is_some();
        if is_held && self.first {
            // The first packet clears the sequence's state: not one that waits.
            let mut p = TracePacket {
                optional_trusted_packet_sequence_id: Some(
                    OptionalTrustedPacketSequenceId::TrustedPacketSequenceId(SEQUENCE),
                ),
                ..TracePacket::default()
            };
            self.put_flags(&mut p, false);
            self.encode(&p)?;
        }
        let name = ev.name.map(|n| (n, n.id(&mut self.names)));
        let cat = ev.cat.map(|c| (c, self.cats.id_static(c)));
        let out = match held {
            Some(h) => h,
            None => &mut self.buf,
        };
        let packet = wire::begin(out, field::TRACE_PACKET);
        wire::varint(out, field::P_TIMESTAMP, ts);
        wire::varint(out, field::P_SEQUENCE_ID, u64::from(SEQUENCE));
        let event = wire::begin(out, field::P_TRACK_EVENT);
        if let Some((_, Some(iid))) = cat {
            wire::varint(out, field::E_CATEGORY_IIDS, iid);
        }
        let mut a = Anns {
            out,
            keys: &mut self.keys,
            strs: &mut self.strs,
            frames: &mut self.frames,
            scratch: &mut self.scratch,
            ksyms: &self.ksyms,
        };
        anns(&mut a);
        wire::varint(out, field::E_TYPE, ev.ty as u64);
        if let Some((_, Some(iid))) = name {
            wire::varint(out, field::E_NAME_IID, iid);
        }
        wire::varint(out, field::E_TRACK_UUID, ev.track);
        if let Some((c, None)) = cat {
            wire::bytes(out, field::E_CATEGORIES, c.as_bytes());
        }
        if let Some((n, None)) = name {
            wire::bytes(out, field::E_NAME, n.text().as_bytes());
        }
        if let Some(v) = ev.counter {
            wire::int64(out, field::E_COUNTER_VALUE, v);
        }
        if let Some(f) = ev.flow {
            wire::fixed64(out, field::E_FLOW_IDS, f);
        }
        if let Some(f) = ev.terminating {
            wire::fixed64(out, field::E_TERMINATING_FLOW_IDS, f);
        }
        wire::end(out, event);
        let interned = take_interned([
            &mut self.names,
            &mut self.keys,
            &mut self.cats,
            &mut self.strs,
        ]);
        if !is_held && let Some(i) = &interned {
            prost::encoding::message::encode(field::P_INTERNED_DATA, i, out);
        }
        let mut flags = SequenceFlags::SeqNeedsIncrementalState as u64;
        let first = self.first && !is_held;
        if first {
            flags |= SequenceFlags::SeqIncrementalStateCleared as u64;
            self.first = false;
        }
        wire::varint(out, field::P_SEQUENCE_FLAGS, flags);
        if first {
            wire::boolean(out, field::P_FIRST_PACKET_ON_SEQUENCE, true);
        }
        wire::end(out, packet);
        if is_held && let Some(i) = interned {
            let mut alone = TracePacket {
                interned_data: Some(i),
                optional_trusted_packet_sequence_id: Some(
                    OptionalTrustedPacketSequenceId::TrustedPacketSequenceId(SEQUENCE),
                ),
                ..TracePacket::default()
            };
            self.put_flags(&mut alone, true);
            self.encode(&alone)?;
        }
        self.flush_full()
    }

    fn call(&mut self, c: &Call) -> io::Result<()> {
        let track = self.thread(c.pid, c.tid, &c.comm)?;
        let start = c.enter_ns.or(c.exit_ns).unwrap_or(0);
        let end = c.exit_ns.unwrap_or(start);
        self.last_ns = self.last_ns.max(end);
        if let Some(h) = self.held.remove(&c.tid) {
            // It ended before this call began, libc wrapper included: slices on a track must
            // nest, not overlap.
            let began = hop_slices::began(c, start);
            self.whole(&h, track, began, Role::None)?;
        }
        if c.ret.is_none() || c.exit_ns.is_none() {
            self.held.insert(c.tid, c.clone());
            return self.expire();
        }
        self.flows.call(c);
        // A call moves data through one object end at most.
        let transfer = self.flows.drain_transfers().last();
        let Some((kind, t)) = transfer else {
            self.whole(c, track, end, Role::None)?;
            return self.expire();
        };
        let key = t.obj;
        let amount = if kind.stream() {
            c.ret.unwrap_or(0).max(0)
        } else {
            1
        };
        if t.send {
            let mut released = std::mem::take(&mut self.released);
            let s = self
                .pairing
                .send(key, kind, t.at.start, t.tag, &mut released);
            self.write_released(&mut released, None)?;
            self.released = released;
            self.whole(c, track, end, Role::Send(s.id))?;
            if let Some(h) = s.paired {
                self.out_held(&h, Some(s.id))?;
            }
            self.count(key, kind, t.at.stop, amount)?;
        } else {
            if let Some(id) = self.pairing.recv(key, kind, t.tag) {
                self.whole(c, track, end, Role::Recv(id))?;
            } else {
                let mut bytes = Vec::new();
                let tail = self.body(c, track, end, Role::None, Some(&mut bytes))?;
                let mut released = std::mem::take(&mut self.released);
                self.pairing.wait(
                    key,
                    kind,
                    t.at.stop,
                    t.tag,
                    Held { bytes, tail },
                    &mut released,
                );
                self.write_released(&mut released, None)?;
                self.released = released;
            }
            self.count(key, kind, t.at.stop, -amount)?;
        }
        self.expire()
    }

    /// Receives that waited long enough are written without an arrow.
    fn expire(&mut self) -> io::Result<()> {
        let mut released = std::mem::take(&mut self.released);
        self.pairing.expire(self.last_ns, &mut released);
        self.write_released(&mut released, None)?;
        self.released = released;
        Ok(())
    }

    fn write_released(&mut self, released: &mut Vec<Held>, flow: Option<u64>) -> io::Result<()> {
        for h in released.drain(..) {
            self.out_held(&h, flow)?;
        }
        Ok(())
    }

    fn out_held(&mut self, h: &Held, flow: Option<u64>) -> io::Result<()> {
        self.buf.extend_from_slice(&h.bytes);
        self.tail(h.tail, flow)
    }

    /// What is in flight at an object end after a transfer of `delta` (bytes for streams,
    /// messages for queues), as a counter on a track of its own.
    fn count(&mut self, key: Key, kind: Kind, ts: u64, delta: i64) -> io::Result<()> {
        if !self.counters.contains_key(&key) {
            if self.counters.len() >= COUNTERS_MAX {
                return Ok(());
            }
            let uuid = self.uuid();
            let (what, unit) = if kind.stream() {
                (
                    "bytes in flight",
                    proto::counter_descriptor::Unit::SizeBytes,
                )
            } else {
                ("messages queued", proto::counter_descriptor::Unit::Count)
            };
            let label = self.flows.label(key).unwrap_or_default();
            let name = format!("{label}: {what}");
            self.describe(TrackDescriptor {
                uuid: Some(uuid),
                static_or_dynamic_name: Some(proto::track_descriptor::StaticOrDynamicName::Name(
                    name,
                )),
                counter: Some(CounterDescriptor {
                    unit: Some(unit as i32),
                    unit_name: None,
                }),
                ..TrackDescriptor::default()
            })?;
            self.counters.insert(
                key,
                Counter {
                    uuid,
                    value: 0,
                    last_ts: 0,
                },
            );
        }
        let Some(k) = self.counters.get_mut(&key) else {
            return Ok(());
        };
        // A receive may be read before the send that filled it: the sum dips below zero for a
        // moment, shown as zero. Samples go forward in time on their track.
        k.value += delta;
        k.last_ts = k.last_ts.max(ts);
        let (uuid, ts, value) = (k.uuid, k.last_ts, k.value.max(0));
        let ev = Ev {
            counter: Some(value),
            ..Ev::new(Type::Counter, uuid)
        };
        self.track_event(ts, ev, None, |_| {})
    }

    /// A call's slices, written out.
    fn whole(&mut self, c: &Call, track: u64, end: u64, role: Role) -> io::Result<()> {
        let tail = self.body(c, track, end, role, None)?;
        let terminating = match role {
            Role::Recv(id) => Some(id),
            _ => None,
        };
        self.tail(tail, terminating)
    }

    /// The end packets of a call's slice (ending the flow `flow` there) and of its wrapper's.
    fn tail(&mut self, t: Tail, flow: Option<u64>) -> io::Result<()> {
        for i in 0..t.ends {
            let ev = Ev {
                terminating: if i == 0 { flow } else { None },
                ..Ev::new(Type::SliceEnd, t.track)
            };
            self.track_event(t.ts, ev, None, |_| {})?;
        }
        Ok(())
    }

    /// Everything of the call's slice but its end packets, into `into` (`None`: the output);
    /// the end packets are returned to be written when its flow is known.
    fn body(
        &mut self,
        c: &Call,
        track: u64,
        end: u64,
        role: Role,
        mut into: Option<&mut Vec<u8>>,
    ) -> io::Result<Tail> {
        let start = c.enter_ns.or(c.exit_ns).unwrap_or(0);
        let end = end.max(start);
        let (wrapper, pieces) = if c.hops.is_empty() {
            (None, Vec::new())
        } else {
            self.pieces(c, start, end)
        };
        let mut ends = 1;
        if let Some(w) = wrapper {
            let ev = Ev::named(Type::SliceBegin, track, Name::Other(&w.name), w.cat);
            self.track_event(w.ts, ev, into.as_deref_mut(), |a| w.annotate(a))?;
            ends += 1;
        }
        let ev = Ev {
            flow: match role {
                Role::Send(id) => Some(id),
                _ => None,
            },
            ..Ev::named(Type::SliceBegin, track, Name::Own(c.row.name), "syscall")
        };
        self.track_event(start, ev, into.as_deref_mut(), |a| a.call(c))?;
        // Kernel functions, nested as their times say (sorted by start, longest first).
        let mut open: Vec<u64> = Vec::new();
        for p in pieces {
            // A slice that ends before this one starts, or where this one (not an instant)
            // starts, is over.
            while let Some(&stop) = open.last()
                && (stop < p.ts || (stop == p.ts && p.dur.is_some_and(|d| d > 0)))
            {
                open.pop();
                self.end_at(track, stop, into.as_deref_mut())?;
            }
            let ty = if p.dur.is_some() {
                Type::SliceBegin
            } else {
                Type::Instant
            };
            let ev = Ev::named(ty, track, Name::Other(&p.name), p.cat);
            self.track_event(p.ts, ev, into.as_deref_mut(), |a| p.annotate(a))?;
            if let Some(d) = p.dur {
                // Clipped to the slice it opens in: slices on a track nest.
                let stop = (p.ts + d).min(open.last().copied().unwrap_or(end));
                open.push(stop);
            }
        }
        while let Some(stop) = open.pop() {
            self.end_at(track, stop, into.as_deref_mut())?;
        }
        Ok(Tail {
            track,
            ts: end,
            ends,
        })
    }

    fn end_at(&mut self, track: u64, ts: u64, into: Option<&mut Vec<u8>>) -> io::Result<()> {
        self.track_event(ts, Ev::new(Type::SliceEnd, track), into, |_| {})
    }

    /// The libc wrapper around the call, and the kernel functions inside it where their times
    /// fit inside the call's (a function whose exit was not seen as an instant), by start.
    fn pieces(&self, c: &Call, start: u64, end: u64) -> (Option<Piece>, Vec<Piece>) {
        let wrapper = hop_slices::wrapper(c, start).map(|(func, lib, h)| Piece {
            name: format!("{func}()"),
            cat: "libc",
            ts: h.ts_ns,
            dur: Some(end - h.ts_ns),
            ints: Vec::new(),
            strs: vec![
                ("library", lib.to_string()),
                ("called_from", format!("{:#x}", h.ret as u64)),
            ],
        });
        let mut pieces: Vec<Piece> = hop_slices::kernel(&self.ksyms, c, start, end)
            .into_iter()
            .map(|k| {
                let (args, ret, mech) = k.args();
                let mut ints: Vec<(&'static str, i64)> = args;
                if let Some(r) = ret {
                    ints.push(("ret", r));
                }
                Piece {
                    name: k.name.to_string(),
                    cat: "kernel",
                    ts: k.entry.ts_ns,
                    dur: k.exit.map(|x| x.ts_ns - k.entry.ts_ns),
                    ints,
                    strs: vec![("mech", mech.to_string())],
                }
            })
            .collect();
        pieces.sort_by_key(|p| (p.ts, std::cmp::Reverse(p.dur.map_or(0, |d| d + 1))));
        (wrapper, pieces)
    }

    fn proc(&mut self, p: &Proc) -> io::Result<()> {
        self.flows.proc(p);
        let (ts, pid, tid, comm, name, arg) = match p {
            Proc::Fork {
                ts_ns,
                pid,
                tid,
                comm,
                child,
                thread,
            } => {
                let child_pid = if *thread { *pid } else { *child };
                self.thread(child_pid, *child, comm)?;
                let what = if *thread { "new thread" } else { "fork" };
                let a = ProcArg::Int("child", i64::from(*child));
                (*ts_ns, *pid, *tid, comm, what, a)
            }
            Proc::Exec {
                ts_ns,
                pid,
                tid,
                comm,
                filename,
            } => {
                let a = ProcArg::Str("filename", filename.as_str());
                (*ts_ns, *pid, *tid, comm, "exec", a)
            }
            Proc::Exit {
                ts_ns,
                pid,
                tid,
                comm,
                status,
            } => {
                let track = self.thread(*pid, *tid, comm)?;
                if let Some(h) = self.held.remove(tid) {
                    self.whole(&h, track, *ts_ns, Role::None)?;
                }
                let a = status.map_or(ProcArg::None, |s| ProcArg::Int("status", i64::from(s)));
                (*ts_ns, *pid, *tid, comm, "exit", a)
            }
        };
        let track = self.thread(pid, tid, comm)?;
        self.last_ns = self.last_ns.max(ts);
        let ev = Ev::named(Type::Instant, track, Name::Own(name), "process");
        self.track_event(ts, ev, None, |a| match arg {
            ProcArg::Int(n, v) => a.int(EV_ANN, n, v),
            ProcArg::Str(n, s) => a.string(EV_ANN, Some(n), s.as_bytes()),
            ProcArg::None => {}
        })?;
        if let Proc::Exit { pid, tid, .. } = p {
            // A number used again later is another thread (or process): a new track.
            self.threads.remove(tid);
            if pid == tid {
                self.procs.remove(pid);
            }
        }
        Ok(())
    }

    pub fn finish(mut self, end_ns: Option<u64>) -> io::Result<W> {
        let end = end_ns.unwrap_or(0).max(self.last_ns);
        let mut held: Vec<Call> = self.held.drain().map(|(_, c)| c).collect();
        held.sort_by_key(|c| (c.enter_ns, c.tid));
        for c in &held {
            let track = self.thread(c.pid, c.tid, &c.comm)?;
            self.whole(c, track, end, Role::None)?;
        }
        let mut released = std::mem::take(&mut self.released);
        self.pairing.drain(&mut released);
        self.write_released(&mut released, None)?;
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A track event's fields besides its annotations.
#[derive(Clone, Copy)]
struct Ev<'a> {
    ty: Type,
    track: u64,
    name: Option<Name<'a>>,
    cat: Option<&'static str>,
    /// The flow that starts at this event.
    flow: Option<u64>,
    /// The flow that ends at this event.
    terminating: Option<u64>,
    counter: Option<i64>,
}

impl<'a> Ev<'a> {
    fn new(ty: Type, track: u64) -> Ev<'a> {
        Ev {
            ty,
            track,
            name: None,
            cat: None,
            flow: None,
            terminating: None,
            counter: None,
        }
    }

    fn named(ty: Type, track: u64, name: Name<'a>, cat: &'static str) -> Ev<'a> {
        Ev {
            name: Some(name),
            cat: Some(cat),
            ..Ev::new(ty, track)
        }
    }
}

/// The one annotation of a process event.
enum ProcArg<'a> {
    None,
    Int(&'static str, i64),
    Str(&'static str, &'a str),
}

/// The field numbers of the vendored `perfetto.proto` that [`wire`] writes.
mod field {
    /// `Trace.packet`.
    pub const TRACE_PACKET: u32 = 1;
    pub const P_TIMESTAMP: u32 = 8;
    pub const P_SEQUENCE_ID: u32 = 10;
    pub const P_TRACK_EVENT: u32 = 11;
    pub const P_INTERNED_DATA: u32 = 12;
    pub const P_SEQUENCE_FLAGS: u32 = 13;
    pub const P_FIRST_PACKET_ON_SEQUENCE: u32 = 87;
    pub const E_CATEGORY_IIDS: u32 = 3;
    pub const E_DEBUG_ANNOTATIONS: u32 = 4;
    pub const E_TYPE: u32 = 9;
    pub const E_NAME_IID: u32 = 10;
    pub const E_TRACK_UUID: u32 = 11;
    pub const E_CATEGORIES: u32 = 22;
    pub const E_NAME: u32 = 23;
    pub const E_COUNTER_VALUE: u32 = 30;
    pub const E_FLOW_IDS: u32 = 47;
    pub const E_TERMINATING_FLOW_IDS: u32 = 48;
    pub const A_NAME_IID: u32 = 1;
    pub const A_BOOL: u32 = 2;
    pub const A_UINT: u32 = 3;
    pub const A_INT: u32 = 4;
    pub const A_DOUBLE: u32 = 5;
    pub const A_STRING: u32 = 6;
    pub const A_STRING_IID: u32 = 17;
    pub const A_NAME: u32 = 10;
    pub const A_DICT_ENTRIES: u32 = 11;
    pub const A_ARRAY_VALUES: u32 = 12;
}

/// The user frames calls entered from, by address, each with its text's id.
type Frames = FastMap<usize, (Arc<UserFrame>, u64)>;

/// Where an annotation goes: a track event's, a dictionary's entry, an array's value.
const EV_ANN: u32 = field::E_DEBUG_ANNOTATIONS;
const DICT: u32 = field::A_DICT_ENTRIES;
const ARRAY: u32 = field::A_ARRAY_VALUES;

/// Debug annotations written into a track event as it is written, their names interned.
struct Anns<'a> {
    out: &'a mut Vec<u8>,
    keys: &'a mut Interner,
    strs: &'a mut Interner,
    frames: &'a mut Frames,
    /// Text formatted for an annotation, reused.
    scratch: &'a mut String,
    ksyms: &'a Ksyms,
}

impl Anns<'_> {
    /// An annotation (field `tag` of its parent), named unless it is an array's value.
    fn open(&mut self, tag: u32, name: Option<&'static str>) -> wire::Nest {
        self.open_named(tag, name.map(Name::Own))
    }

    fn open_named(&mut self, tag: u32, name: Option<Name<'_>>) -> wire::Nest {
        let n = wire::begin(self.out, tag);
        if let Some(name) = name {
            match name.id(self.keys) {
                Some(iid) => wire::varint(self.out, field::A_NAME_IID, iid),
                None => wire::bytes(self.out, field::A_NAME, name.text().as_bytes()),
            }
        }
        n
    }

    fn close(&mut self, n: wire::Nest) {
        wire::end(self.out, n);
    }

    fn int(&mut self, tag: u32, name: &'static str, v: i64) {
        let n = self.open(tag, Some(name));
        wire::int64(self.out, field::A_INT, v);
        self.close(n);
    }

    /// An unsigned number: as an int where it fits, as the JSON export shows it.
    fn uint(&mut self, tag: u32, name: Option<&'static str>, v: u64) {
        let n = self.open(tag, name);
        match i64::try_from(v) {
            Ok(i) => wire::int64(self.out, field::A_INT, i),
            Err(_) => wire::varint(self.out, field::A_UINT, v),
        }
        self.close(n);
    }

    fn boolean(&mut self, tag: u32, name: Option<&'static str>, v: bool) {
        let n = self.open(tag, name);
        wire::boolean(self.out, field::A_BOOL, v);
        self.close(n);
    }

    fn string(&mut self, tag: u32, name: Option<&'static str>, v: &[u8]) {
        let n = self.open(tag, name);
        wire::bytes(self.out, field::A_STRING, v);
        self.close(n);
    }

    /// The text `f` writes, as a string annotation.
    fn text(&mut self, tag: u32, name: &'static str, f: impl FnOnce(&mut String)) {
        let mut s = std::mem::take(self.scratch);
        s.clear();
        f(&mut s);
        self.string(tag, Some(name), s.as_bytes());
        *self.scratch = s;
    }

    /// A decoded argument, as the JSON Lines export shows it: numbers as numbers, names and
    /// pointers as text, a buffer as `{data, len, truncated}`, paths and structures as
    /// dictionaries and arrays.
    fn val(&mut self, tag: u32, name: &'static str, v: &Val<'_>) {
        match v {
            Val::Int(n) => self.int(tag, name, *n),
            Val::UInt(n) => self.uint(tag, Some(name), *n),
            Val::Null => self.string(tag, Some(name), b"null"),
            Val::Hex(_) | Val::Ptr(_) | Val::Sym(_) => self.text(tag, name, |s| v.text_into(s)),
            Val::Buf { data, full, .. } => {
                let d = self.open(tag, Some(name));
                self.text(DICT, "data", |s| Escaped(data).push_to(s));
                self.uint(DICT, Some("len"), *full);
                if (data.len() as u64) < *full {
                    self.boolean(DICT, Some("truncated"), true);
                }
                self.close(d);
            }
            Val::Path(_) | Val::Both(..) => self.json(tag, Some(Name::Own(name)), &v.json()),
        }
    }

    /// A JSON value as an annotation: objects as dictionaries, arrays as arrays.
    fn json(&mut self, tag: u32, name: Option<Name<'_>>, v: &Value) {
        let n = self.open_named(tag, name);
        match v {
            Value::Null => wire::bytes(self.out, field::A_STRING, b"null"),
            Value::Bool(b) => wire::boolean(self.out, field::A_BOOL, *b),
            Value::Number(num) => match (num.as_i64(), num.as_u64()) {
                (Some(i), _) => wire::int64(self.out, field::A_INT, i),
                (None, Some(u)) => wire::varint(self.out, field::A_UINT, u),
                (None, None) => {
                    wire::double(self.out, field::A_DOUBLE, num.as_f64().unwrap_or(0.0));
                }
            },
            Value::String(s) => wire::bytes(self.out, field::A_STRING, s.as_bytes()),
            Value::Array(items) => {
                for i in items {
                    self.json(ARRAY, None, i);
                }
            }
            Value::Object(m) => {
                for (k, v) in m {
                    self.json(DICT, Some(Name::Other(k)), v);
                }
            }
        }
        self.close(n);
    }

    /// One of tracer's own words (an ABI's, an entry's, an error's name) as a string value,
    /// interned: a few bytes a call instead of the word.
    fn word(&mut self, tag: u32, name: &'static str, v: &'static str) {
        match self.strs.id_static(v) {
            Some(iid) => {
                let n = self.open(tag, Some(name));
                wire::varint(self.out, field::A_STRING_IID, iid);
                self.close(n);
            }
            None => self.string(tag, Some(name), v.as_bytes()),
        }
    }

    /// Where the call entered the kernel from: the saved user instruction pointer, named
    /// (`write+0x14 in libc.so.6`), an interned string (a call site's calls share it).
    fn entered_from(&mut self, f: &Arc<UserFrame>) {
        let at = Arc::as_ptr(f) as usize;
        let iid = if let Some((_, iid)) = self.frames.get(&at) {
            Some(*iid)
        } else {
            let mut s = std::mem::take(self.scratch);
            s.clear();
            let _ = write!(s, "{f}");
            let iid = self.strs.id(&s);
            match iid {
                Some(iid) if self.frames.len() < INTERN_MAX => {
                    self.frames.insert(at, (Arc::clone(f), iid));
                }
                Some(_) => {}
                None => self.string(EV_ANN, Some("entered_from"), s.as_bytes()),
            }
            *self.scratch = s;
            iid
        };
        if let Some(iid) = iid {
            let n = self.open(EV_ANN, Some("entered_from"));
            wire::varint(self.out, field::A_STRING_IID, iid);
            self.close(n);
        }
    }

    /// A call's annotations: arguments, result, how it was entered, its kernel path.
    fn call(&mut self, c: &Call) {
        if c.enter_ns.is_some() && c.flags & SYS_F_ARGS_FAULT == 0 {
            for a in c.args() {
                self.val(EV_ANN, a.name, &a.val);
            }
        }
        if let Some(ret) = c.ret {
            self.int(EV_ANN, "ret", ret);
            if let Some(e) = errno_of(ret) {
                match errno::name(e) {
                    Cow::Borrowed(n) => self.word(EV_ANN, "errno", n),
                    Cow::Owned(n) => self.string(EV_ANN, Some("errno"), n.as_bytes()),
                }
            }
        } else {
            self.boolean(EV_ANN, Some("unfinished"), true);
        }
        if c.enter_ns.is_none() {
            self.boolean(EV_ANN, Some("enter_missing"), true);
        }
        self.word(EV_ANN, "abi", c.abi.name());
        self.word(EV_ANN, "entry", c.entry_name());
        if let Some(f) = &c.user_at {
            self.entered_from(f);
        } else if c.user_ip != 0 {
            self.text(EV_ANN, "entered_from", |s| {
                crate::fastfmt::hex_into(s, c.user_ip);
            });
        }
        if let Some((disp, num, name)) = c.dispatcher() {
            let d = self.open(EV_ANN, Some(disp));
            self.int(DICT, "call", i64::from(num));
            if let Some(n) = name {
                self.string(DICT, Some("name"), n.as_bytes());
            }
            self.close(d);
        }
        if c.enter_ns.is_some() && !c.hops.is_empty() {
            let family = c.sockaddr_arg();
            let steps = path::build(self.ksyms, c, family.as_ref());
            let p = self.open(EV_ANN, Some("kernel_path"));
            for s in &steps {
                self.string(ARRAY, None, s.to_text().as_bytes());
            }
            self.close(p);
        }
    }
}

/// A slice to draw inside or around a call: the libc wrapper, a kernel function.
struct Piece {
    name: String,
    cat: &'static str,
    ts: u64,
    dur: Option<u64>,
    ints: Vec<(&'static str, i64)>,
    strs: Vec<(&'static str, String)>,
}

impl Piece {
    fn annotate(&self, a: &mut Anns<'_>) {
        for (n, v) in &self.ints {
            a.int(EV_ANN, n, *v);
        }
        for (n, v) in &self.strs {
            a.string(EV_ANN, Some(n), v.as_bytes());
        }
    }
}

/// What the tables (event names, annotation names, categories, string values) interned since
/// the last packet went out, as that packet's `interned_data`.
fn take_interned(tables: [&mut Interner; 4]) -> Option<InternedData> {
    if tables.iter().all(|t| t.new.is_empty()) {
        return None;
    }
    let [names, keys, cats, strs] = tables;
    Some(InternedData {
        event_names: names
            .new
            .drain(..)
            .map(|(iid, name)| EventName {
                iid: Some(iid),
                name: Some(name),
            })
            .collect(),
        debug_annotation_names: keys
            .new
            .drain(..)
            .map(|(iid, name)| DebugAnnotationName {
                iid: Some(iid),
                name: Some(name),
            })
            .collect(),
        event_categories: cats
            .new
            .drain(..)
            .map(|(iid, name)| EventCategory {
                iid: Some(iid),
                name: Some(name),
            })
            .collect(),
        debug_annotation_string_values: strs
            .new
            .drain(..)
            .map(|(iid, s)| InternedString {
                iid: Some(iid),
                str: Some(s.into_bytes()),
            })
            .collect(),
    })
}
