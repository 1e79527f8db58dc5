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

use std::io::{self, Write};
use std::sync::Arc;

use prost::Message;
use prost::encoding::{WireType, encode_key};
use serde_json::Value;
use tracer_common::SYS_F_ARGS_FAULT;

use crate::decode::{Val, errno};
use crate::jsonl::Escaped;
use crate::kernel::ksyms::Ksyms;
use crate::kernel::path;
use crate::output::errno_of;
use crate::trace::{Call, Item, Proc};

use super::flows::{Flows, Kind};
use super::hop_slices;
use super::replay::Event;
use pairing::{Key, Pairing};
use proto::debug_annotation::{NameField as AnnName, Value as AnnValue};
use proto::trace_packet::{Data, OptionalTrustedPacketSequenceId, SequenceFlags};
use proto::track_event::{NameField, Type};
use proto::{
    CounterDescriptor, DebugAnnotation, DebugAnnotationName, EventCategory, EventName,
    InternedData, ProcessDescriptor, ThreadDescriptor, TracePacket, TrackDescriptor, TrackEvent,
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
#[derive(Default)]
struct Interner {
    ids: FastMap<String, u64>,
    /// Interned since the last packet went out: its definitions go with the next one.
    new: Vec<(u64, String)>,
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

/// A slice to draw inside or around a call: the libc wrapper, a kernel function.
struct Piece {
    name: String,
    cat: &'static str,
    ts: u64,
    dur: Option<u64>,
    args: Vec<DebugAnnotation>,
}

pub struct Perfetto<W: Write> {
    out: W,
    buf: Vec<u8>,
    first: bool,
    ksyms: Arc<Ksyms>,
    names: Interner,
    keys: Interner,
    cats: Interner,
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

fn int(v: i64) -> AnnValue {
    AnnValue::IntValue(v)
}

fn string(s: impl Into<String>) -> AnnValue {
    AnnValue::StringValue(s.into())
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
        }
    }

    /// Append `p` to `into` (`None`: the output), as field 1 of `Trace`. Interned names defined
    /// since the last packet go with it, or, when it is held back, in a packet of their own
    /// ahead of it: a name must be defined before any packet of the sequence uses it.
    fn put(&mut self, mut p: TracePacket, into: Option<&mut Vec<u8>>) -> io::Result<()> {
        let event = matches!(p.data, Some(Data::TrackEvent(_)));
        let interned = self.take_interned();
        match (interned, into.is_some()) {
            (Some(i), false) => p.interned_data = Some(i),
            (Some(i), true) => {
                let mut alone = TracePacket {
                    interned_data: Some(i),
                    optional_trusted_packet_sequence_id: Some(
                        OptionalTrustedPacketSequenceId::TrustedPacketSequenceId(SEQUENCE),
                    ),
                    ..TracePacket::default()
                };
                self.put_flags(&mut alone, true);
                self.encode(&alone, None)?;
            }
            (None, _) => {}
        }
        self.put_flags(&mut p, event);
        self.encode(&p, into)
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

    fn encode(&mut self, p: &TracePacket, into: Option<&mut Vec<u8>>) -> io::Result<()> {
        let to = match into {
            Some(v) => v,
            None => &mut self.buf,
        };
        encode_key(1, WireType::LengthDelimited, to);
        p.encode_length_delimited(to).map_err(io::Error::other)?;
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn take_interned(&mut self) -> Option<InternedData> {
        if self.names.new.is_empty() && self.keys.new.is_empty() && self.cats.new.is_empty() {
            return None;
        }
        Some(InternedData {
            event_names: self
                .names
                .new
                .drain(..)
                .map(|(iid, name)| EventName {
                    iid: Some(iid),
                    name: Some(name),
                })
                .collect(),
            debug_annotation_names: self
                .keys
                .new
                .drain(..)
                .map(|(iid, name)| DebugAnnotationName {
                    iid: Some(iid),
                    name: Some(name),
                })
                .collect(),
            event_categories: self
                .cats
                .new
                .drain(..)
                .map(|(iid, name)| EventCategory {
                    iid: Some(iid),
                    name: Some(name),
                })
                .collect(),
        })
    }

    fn uuid(&mut self) -> u64 {
        let u = self.next_uuid;
        self.next_uuid += 1;
        u
    }

    fn describe(&mut self, d: TrackDescriptor) -> io::Result<()> {
        self.put(packet(None, Data::TrackDescriptor(d)), None)
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
        let count = self.ann("count", int(count as i64));
        let e = self.track_event(Type::Instant, track, "events lost", "tracer", vec![count]);
        self.put(packet(Some(ts), Data::TrackEvent(e)), None)
    }

    fn track_event(
        &mut self,
        ty: Type,
        track: u64,
        name: &str,
        cat: &str,
        debug_annotations: Vec<DebugAnnotation>,
    ) -> TrackEvent {
        let name_field = Some(match self.names.id(name) {
            Some(iid) => NameField::NameIid(iid),
            None => NameField::Name(name.to_string()),
        });
        let (category_iids, categories) = match self.cats.id(cat) {
            Some(iid) => (vec![iid], Vec::new()),
            None => (Vec::new(), vec![cat.to_string()]),
        };
        TrackEvent {
            r#type: Some(ty as i32),
            track_uuid: Some(track),
            name_field,
            category_iids,
            categories,
            debug_annotations,
            ..TrackEvent::default()
        }
    }

    fn ann_name(&mut self, name: &str) -> AnnName {
        match self.keys.id(name) {
            Some(iid) => AnnName::NameIid(iid),
            None => AnnName::Name(name.to_string()),
        }
    }

    fn ann(&mut self, name: &str, value: AnnValue) -> DebugAnnotation {
        DebugAnnotation {
            name_field: Some(self.ann_name(name)),
            value: Some(value),
            ..DebugAnnotation::default()
        }
    }

    /// A dictionary or array annotation: its entries are pushed by the caller.
    fn ann_nest(&mut self, name: &str) -> DebugAnnotation {
        DebugAnnotation {
            name_field: Some(self.ann_name(name)),
            ..DebugAnnotation::default()
        }
    }

    /// A decoded argument (JSON, as in the JSON Lines export) as a debug annotation: objects
    /// as dictionaries, arrays as arrays.
    fn json(&mut self, name: Option<&str>, v: &Value) -> DebugAnnotation {
        let mut a = DebugAnnotation {
            name_field: name.map(|n| self.ann_name(n)),
            ..DebugAnnotation::default()
        };
        match v {
            Value::Null => a.value = Some(string("null")),
            Value::Bool(b) => a.value = Some(AnnValue::BoolValue(*b)),
            Value::Number(n) => {
                a.value = Some(match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => int(i),
                    (None, Some(u), _) => AnnValue::UintValue(u),
                    (None, None, f) => AnnValue::DoubleValue(f.unwrap_or(0.0)),
                });
            }
            Value::String(s) => a.value = Some(string(s.as_str())),
            Value::Array(items) => {
                a.array_values = items.iter().map(|i| self.json(None, i)).collect();
            }
            Value::Object(m) => {
                a.dict_entries = m.iter().map(|(k, v)| self.json(Some(k), v)).collect();
            }
        }
        a
    }

    /// A decoded argument as a debug annotation, as [`Perfetto::json`] shows its JSON, made
    /// from the value itself (no JSON built for the common kinds).
    fn val(&mut self, name: &str, v: &Val<'_>) -> DebugAnnotation {
        let value = match v {
            Val::Int(n) => int(*n),
            Val::UInt(n) => i64::try_from(*n).map_or(AnnValue::UintValue(*n), int),
            Val::Null => string("null"),
            Val::Hex(_) | Val::Ptr(_) | Val::Sym(_) => {
                let mut t = String::new();
                v.text_into(&mut t);
                string(t)
            }
            Val::Buf { data, full, .. } => {
                let mut d = self.ann_nest(name);
                d.dict_entries
                    .push(self.ann("data", string(Escaped(data).to_string())));
                let len = i64::try_from(*full).map_or(AnnValue::UintValue(*full), int);
                d.dict_entries.push(self.ann("len", len));
                if (data.len() as u64) < *full {
                    d.dict_entries
                        .push(self.ann("truncated", AnnValue::BoolValue(true)));
                }
                return d;
            }
            Val::Path(_) | Val::Both(..) => {
                let j = v.json();
                return self.json(Some(name), &j);
            }
        };
        self.ann(name, value)
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
        let e = TrackEvent {
            r#type: Some(Type::Counter as i32),
            track_uuid: Some(uuid),
            counter_value_field: Some(proto::track_event::CounterValueField::CounterValue(value)),
            ..TrackEvent::default()
        };
        self.put(packet(Some(ts), Data::TrackEvent(e)), None)
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
            let e = TrackEvent {
                r#type: Some(Type::SliceEnd as i32),
                track_uuid: Some(t.track),
                terminating_flow_ids: if i == 0 {
                    flow.into_iter().collect()
                } else {
                    Vec::new()
                },
                ..TrackEvent::default()
            };
            self.put(packet(Some(t.ts), Data::TrackEvent(e)), None)?;
        }
        Ok(())
    }

    /// The call's annotations: arguments, result, how it was entered.
    fn annotations(&mut self, c: &Call) -> Vec<DebugAnnotation> {
        let mut anns = Vec::with_capacity(8);
        if c.enter_ns.is_some() && c.flags & SYS_F_ARGS_FAULT == 0 {
            for a in c.args() {
                anns.push(self.val(a.name, &a.val));
            }
        }
        if let Some(ret) = c.ret {
            let a = self.ann("ret", int(ret));
            anns.push(a);
            if let Some(e) = errno_of(ret) {
                let a = self.ann("errno", string(errno::name(e)));
                anns.push(a);
            }
        } else {
            let a = self.ann("unfinished", AnnValue::BoolValue(true));
            anns.push(a);
        }
        if c.enter_ns.is_none() {
            let a = self.ann("enter_missing", AnnValue::BoolValue(true));
            anns.push(a);
        }
        let a = self.ann("abi", string(c.abi.name()));
        anns.push(a);
        let a = self.ann("entry", string(c.entry_name()));
        anns.push(a);
        if let Some((disp, num, name)) = c.dispatcher() {
            let mut d = self.ann_nest(disp);
            d.dict_entries.push(self.ann("call", int(i64::from(num))));
            if let Some(n) = name {
                d.dict_entries.push(self.ann("name", string(n)));
            }
            anns.push(d);
        }
        if c.enter_ns.is_some() && !c.hops.is_empty() {
            let family = c.sockaddr_arg();
            let steps = path::build(&self.ksyms, c, family.as_ref());
            let mut p = self.ann_nest("kernel_path");
            p.array_values = steps
                .iter()
                .map(|s| DebugAnnotation {
                    value: Some(string(s.to_text())),
                    ..DebugAnnotation::default()
                })
                .collect();
            anns.push(p);
        }
        anns
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
        let (wrapper, pieces) = self.pieces(c, start, end);
        let mut ends = 1;
        if let Some(w) = wrapper {
            let e = self.track_event(Type::SliceBegin, track, &w.name, w.cat, w.args);
            self.put(packet(Some(w.ts), Data::TrackEvent(e)), into.as_deref_mut())?;
            ends += 1;
        }
        let anns = self.annotations(c);
        let mut e = self.track_event(Type::SliceBegin, track, c.row.name, "syscall", anns);
        if let Role::Send(id) = role {
            e.flow_ids.push(id);
        }
        self.put(
            packet(Some(start), Data::TrackEvent(e)),
            into.as_deref_mut(),
        )?;
        // Kernel functions, nested as their times say (sorted by start, longest first).
        let mut open: Vec<u64> = Vec::new();
        for p in pieces {
            // A slice that ends before this one starts, or where this one (not an instant)
            // starts, is over.
            while open
                .last()
                .is_some_and(|stop| *stop < p.ts || (*stop == p.ts && p.dur.is_some_and(|d| d > 0)))
            {
                let stop = open.pop().unwrap_or(end);
                self.end_at(track, stop, into.as_deref_mut())?;
            }
            let ty = if p.dur.is_some() {
                Type::SliceBegin
            } else {
                Type::Instant
            };
            let e = self.track_event(ty, track, &p.name, p.cat, p.args);
            self.put(packet(Some(p.ts), Data::TrackEvent(e)), into.as_deref_mut())?;
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
        let e = TrackEvent {
            r#type: Some(Type::SliceEnd as i32),
            track_uuid: Some(track),
            ..TrackEvent::default()
        };
        self.put(packet(Some(ts), Data::TrackEvent(e)), into)
    }

    /// The libc wrapper around the call, and the kernel functions inside it where their times
    /// fit inside the call's (a function whose exit was not seen as an instant), by start.
    fn pieces(&mut self, c: &Call, start: u64, end: u64) -> (Option<Piece>, Vec<Piece>) {
        let wrapper = hop_slices::wrapper(c, start).map(|(func, lib, h)| {
            let args = vec![
                self.ann("library", string(lib)),
                self.ann("called_from", string(format!("{:#x}", h.ret as u64))),
            ];
            Piece {
                name: format!("{func}()"),
                cat: "libc",
                ts: h.ts_ns,
                dur: Some(end - h.ts_ns),
                args,
            }
        });
        let ksyms = self.ksyms.clone();
        let mut pieces: Vec<Piece> = hop_slices::kernel(&ksyms, c, start, end)
            .into_iter()
            .map(|k| {
                let (args, ret, mech) = k.args();
                let mut anns: Vec<DebugAnnotation> =
                    args.into_iter().map(|(n, v)| self.ann(n, int(v))).collect();
                if let Some(r) = ret {
                    anns.push(self.ann("ret", int(r)));
                }
                anns.push(self.ann("mech", string(mech)));
                Piece {
                    name: k.name.to_string(),
                    cat: "kernel",
                    ts: k.entry.ts_ns,
                    dur: k.exit.map(|x| x.ts_ns - k.entry.ts_ns),
                    args: anns,
                }
            })
            .collect();
        pieces.sort_by_key(|p| (p.ts, std::cmp::Reverse(p.dur.map_or(0, |d| d + 1))));
        (wrapper, pieces)
    }

    fn proc(&mut self, p: &Proc) -> io::Result<()> {
        self.flows.proc(p);
        let (ts, pid, tid, comm, name, args) = match p {
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
                let a = self.ann("child", int(i64::from(*child)));
                (*ts_ns, *pid, *tid, comm, what, vec![a])
            }
            Proc::Exec {
                ts_ns,
                pid,
                tid,
                comm,
                filename,
            } => {
                let a = self.ann("filename", string(filename.as_str()));
                (*ts_ns, *pid, *tid, comm, "exec", vec![a])
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
                let a = status.map(|s| self.ann("status", int(i64::from(s))));
                (*ts_ns, *pid, *tid, comm, "exit", a.into_iter().collect())
            }
        };
        let track = self.thread(pid, tid, comm)?;
        self.last_ns = self.last_ns.max(ts);
        let e = self.track_event(Type::Instant, track, name, "process", args);
        self.put(packet(Some(ts), Data::TrackEvent(e)), None)?;
        if let Proc::Exit { pid, tid, .. } = p {
            // A number used again later is another thread (or process): a new track.
            self.threads.remove(tid);
            if pid == tid {
                self.procs.remove(pid);
            }
        }
        Ok(())
    }

    /// Close the calls still open at `end_ns` (or the last event), write the receives still
    /// waiting, and flush.
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
