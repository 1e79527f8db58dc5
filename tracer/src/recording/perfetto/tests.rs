//! The writer's output read back as a trace reader does: interned names resolved in file order,
//! events sorted by time per track and nested into slices, flows joined by id.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use prost::Message;

use super::proto::{self, DebugAnnotation, Trace};
use super::*;
use crate::recording::reader::Reader;
use crate::recording::replay::Replay;
use crate::recording::testdata::{enter, exit, header, pipe_recording};
use crate::recording::writer::Recorder;

#[derive(Debug, Clone)]
struct Slice {
    track: u64,
    name: String,
    cat: String,
    ts: u64,
    dur: Option<u64>,
    depth: usize,
    args: BTreeMap<String, String>,
    flows_out: Vec<u64>,
    flows_in: Vec<u64>,
}

#[derive(Default)]
struct Model {
    threads: HashMap<u64, (i32, i64, String)>,
    processes: HashMap<u64, (i32, String)>,
    counters: HashMap<u64, String>,
    counter_values: Vec<(u64, u64, i64)>,
    slices: Vec<Slice>,
    event_names_defined: usize,
}

fn flatten(
    prefix: &str,
    a: &DebugAnnotation,
    (names, strs): (&HashMap<u64, String>, &HashMap<u64, String>),
    out: &mut BTreeMap<String, String>,
) {
    use proto::debug_annotation::{NameField, Value};
    let name = match &a.name_field {
        Some(NameField::NameIid(i)) => names.get(i).cloned().expect("an interned name"),
        Some(NameField::Name(n)) => n.clone(),
        None => String::new(),
    };
    let key = if prefix.is_empty() {
        name
    } else if name.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}.{name}")
    };
    for (i, v) in a.array_values.iter().enumerate() {
        flatten(&format!("{key}[{i}]"), v, (names, strs), out);
    }
    for v in &a.dict_entries {
        flatten(&key, v, (names, strs), out);
    }
    let v = match &a.value {
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::UintValue(u)) => u.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::StringValueIid(i)) => strs.get(i).cloned().expect("an interned string"),
        None => return,
    };
    out.insert(key, v);
}

fn read(bytes: &[u8]) -> Model {
    use proto::trace_packet::{Data, OptionalTrustedPacketSequenceId};
    use proto::track_event::NameField;
    let trace = Trace::decode(bytes).expect("a protobuf Trace");
    let mut m = Model::default();
    let (mut names, mut keys, mut cats) = (HashMap::new(), HashMap::new(), HashMap::new());
    let mut strs = HashMap::new();
    // (ts, file order, event)
    let mut events: Vec<(u64, usize, proto::TrackEvent)> = Vec::new();
    for (i, p) in trace.packet.into_iter().enumerate() {
        assert_eq!(
            p.optional_trusted_packet_sequence_id,
            Some(OptionalTrustedPacketSequenceId::TrustedPacketSequenceId(1))
        );
        let flags = p.sequence_flags.unwrap_or(0);
        assert_eq!(
            i == 0,
            flags & 1 != 0,
            "only the first packet clears the state"
        );
        if let Some(d) = p.interned_data {
            for n in d.event_names {
                assert!(
                    names.insert(n.iid(), n.name().to_string()).is_none(),
                    "defined once"
                );
                m.event_names_defined += 1;
            }
            for n in d.debug_annotation_names {
                assert!(keys.insert(n.iid(), n.name().to_string()).is_none());
            }
            for n in d.event_categories {
                assert!(cats.insert(n.iid(), n.name().to_string()).is_none());
            }
            for n in d.debug_annotation_string_values {
                let text = String::from_utf8(n.str().to_vec()).expect("UTF-8");
                assert!(strs.insert(n.iid(), text).is_none());
            }
        }
        match p.data {
            Some(Data::TrackDescriptor(d)) => {
                if let Some(t) = &d.thread {
                    assert!(d.parent_uuid.is_some_and(|u| m.processes.contains_key(&u)));
                    m.threads
                        .insert(d.uuid(), (t.pid(), t.tid(), t.thread_name().to_string()));
                } else if let Some(pr) = &d.process {
                    m.processes
                        .insert(d.uuid(), (pr.pid(), pr.process_name().to_string()));
                } else if d.counter.is_some() {
                    let Some(proto::track_descriptor::StaticOrDynamicName::Name(n)) =
                        d.static_or_dynamic_name
                    else {
                        panic!("a counter track without a name")
                    };
                    m.counters.insert(d.uuid.unwrap_or(0), n);
                }
            }
            Some(Data::TrackEvent(mut e)) => {
                assert!(
                    flags & 2 != 0,
                    "an event packet needs the incremental state"
                );
                let uuid = e.track_uuid();
                assert!(
                    m.threads.contains_key(&uuid) || m.counters.contains_key(&uuid) || uuid > 0,
                    "a described track"
                );
                // Resolve names now, in file order, as a reader of the sequence does.
                if let Some(NameField::NameIid(i)) = e.name_field {
                    e.name_field = Some(NameField::Name(
                        names.get(&i).cloned().expect("defined before use"),
                    ));
                }
                let mut cat: Vec<String> = e
                    .category_iids
                    .iter()
                    .map(|i| cats.get(i).cloned().expect("a category"))
                    .collect();
                cat.append(&mut e.categories);
                e.categories = cat;
                let mut args = BTreeMap::new();
                for a in &e.debug_annotations {
                    flatten("", a, (&keys, &strs), &mut args);
                }
                // Stash the resolved args as names (the model's own use of the field).
                e.debug_annotations = args
                    .into_iter()
                    .map(|(k, v)| DebugAnnotation {
                        name_field: Some(proto::debug_annotation::NameField::Name(k)),
                        value: Some(proto::debug_annotation::Value::StringValue(v)),
                        ..DebugAnnotation::default()
                    })
                    .collect();
                events.push((p.timestamp.expect("a time"), i, e));
            }
            None => assert!(flags & 2 != 0, "a packet of interned names alone"),
        }
    }
    events.sort_by_key(|(ts, i, _)| (*ts, *i));
    let mut open: HashMap<u64, Vec<usize>> = HashMap::new();
    for (ts, _, e) in events {
        let track = e.track_uuid();
        let args: BTreeMap<String, String> = e
            .debug_annotations
            .iter()
            .map(|a| match (&a.name_field, &a.value) {
                (
                    Some(proto::debug_annotation::NameField::Name(k)),
                    Some(proto::debug_annotation::Value::StringValue(v)),
                ) => (k.clone(), v.clone()),
                _ => unreachable!(),
            })
            .collect();
        let name = match &e.name_field {
            Some(NameField::Name(n)) => n.clone(),
            _ => String::new(),
        };
        let stack = open.entry(track).or_default();
        let slice = |dur| Slice {
            track,
            name: name.clone(),
            cat: e.categories.first().cloned().unwrap_or_default(),
            ts,
            dur,
            depth: stack.len(),
            args: args.clone(),
            flows_out: e.flow_ids.clone(),
            flows_in: Vec::new(),
        };
        match e.r#type() {
            proto::track_event::Type::SliceBegin => {
                let s = slice(None);
                stack.push(m.slices.len());
                m.slices.push(s);
            }
            proto::track_event::Type::Instant => m.slices.push(slice(Some(0))),
            proto::track_event::Type::SliceEnd => {
                let i = stack.pop().expect("an end closes an open slice");
                let s = &mut m.slices[i];
                s.dur = Some(ts - s.ts);
                s.flows_in.clone_from(&e.terminating_flow_ids);
            }
            proto::track_event::Type::Counter => {
                let Some(proto::track_event::CounterValueField::CounterValue(v)) =
                    e.counter_value_field
                else {
                    panic!("a counter event without a value")
                };
                m.counter_values.push((track, ts, v));
            }
            proto::track_event::Type::Unspecified => panic!("an event without a type"),
        }
    }
    assert!(open.values().all(Vec::is_empty), "every slice ends");
    m
}

fn export(file: Vec<u8>) -> Model {
    export_with(file, |_| {})
}

/// The export of `file` by a writer `prepare` has set up first.
fn export_with(file: Vec<u8>, prepare: impl FnOnce(&mut Perfetto<Vec<u8>>)) -> Model {
    let replay = Replay::new(Reader::new(Cursor::new(file), None).unwrap());
    let mut p = Perfetto::new(Vec::new(), replay.ksyms().clone());
    prepare(&mut p);
    let outcome = replay.run(&mut |ev| p.event(&ev)).unwrap();
    let bytes = p.finish(outcome.end.map(|e| e.stopped_ns)).unwrap();
    read(&bytes)
}

impl Model {
    fn named(&self, name: &str) -> Vec<&Slice> {
        self.slices.iter().filter(|s| s.name == name).collect()
    }

    fn tid_of(&self, s: &Slice) -> i64 {
        self.threads[&s.track].1
    }
}

#[test]
fn tracks_slices_arguments_interning_and_a_flow() {
    let m = export(pipe_recording());
    // A process track per process, a thread track per thread under it, named by comm.
    let mut threads: Vec<(i32, i64, &str)> = m
        .threads
        .values()
        .map(|(p, t, n)| (*p, *t, n.as_str()))
        .collect();
    threads.sort_unstable();
    assert_eq!(threads, [(100, 100, "parent"), (101, 101, "child")]);
    let mut procs: Vec<(i32, &str)> = m
        .processes
        .values()
        .map(|(p, n)| (*p, n.as_str()))
        .collect();
    procs.sort_unstable();
    // The child is named "parent" at the fork, and after its own command name once seen.
    assert_eq!(procs, [(100, "parent"), (101, "child")]);

    // A slice per call, its arguments and result as annotations, in nanoseconds.
    let pipe2 = m.named("pipe2")[0];
    assert_eq!(
        (m.tid_of(pipe2), pipe2.ts, pipe2.dur),
        (100, 1_000, Some(300))
    );
    assert_eq!(pipe2.cat, "syscall");
    assert_eq!(pipe2.args["pipefd[0]"], "3");
    assert_eq!(pipe2.args["pipefd[1]"], "4");
    assert_eq!(pipe2.args["ret"], "0");
    assert_eq!(pipe2.args["abi"], "x86_64");
    let write = m.named("write")[0];
    assert_eq!(m.tid_of(write), 101);
    assert_eq!(write.args["buf.data"], "hi");
    let read = m.named("read")[0];
    assert_eq!(
        (m.tid_of(read), read.ts, read.dur),
        (100, 2_500, Some(1_000))
    );

    // The probed kernel function, nested inside its call.
    let hop = m.named("do_pipe2")[0];
    assert_eq!((hop.cat.as_str(), hop.depth), ("kernel", 1));
    assert!(
        hop.ts >= 1_000 && hop.ts + hop.dur.unwrap() <= 1_300,
        "{hop:?}"
    );
    assert_eq!(hop.args["mech"], "kprobe");

    // The child's write flows into the parent's read.
    assert_eq!(write.flows_out.len(), 1);
    assert_eq!(read.flows_in, write.flows_out);

    // What is in flight in the pipe: 2 bytes after the write, none after the read.
    let (&uuid, name) = m.counters.iter().next().expect("a counter track");
    assert_eq!(name, "pipe #0: bytes in flight");
    let values: Vec<(u64, i64)> = m
        .counter_values
        .iter()
        .filter(|(t, _, _)| *t == uuid)
        .map(|(_, ts, v)| (*ts, *v))
        .collect();
    assert_eq!(values, [(3_100, 2), (3_500, 0)]);

    // Process events and the lost count.
    assert_eq!(m.named("fork").len(), 1);
    let exit = m.named("exit")[0];
    assert_eq!((m.tid_of(exit), exit.cat.as_str()), (101, "process"));
    assert_eq!(m.named("events lost")[0].args["count"], "3");

    // Interning: each name defined once, however often it is used.
    assert!(m.event_names_defined <= 8, "{}", m.event_names_defined);
}

/// Past the interning bound, names, categories and annotation names are written out in full,
/// and the trace reads the same.
#[test]
fn names_past_the_interning_bound_are_written_out() {
    let m = export_with(pipe_recording(), |p| {
        for i in 0..INTERN_MAX {
            let name = format!("filler {i}");
            p.names.id(&name);
            p.keys.id(&name);
            p.cats.id(&name);
        }
    });
    let pipe2 = m.named("pipe2")[0];
    assert_eq!(pipe2.cat, "syscall");
    assert_eq!(pipe2.args["pipefd[0]"], "3");
    assert_eq!(pipe2.args["ret"], "0");
    let write = m.named("write")[0];
    assert_eq!(write.args["buf.data"], "hi");
    assert_eq!(write.flows_out.len(), 1);
    assert_eq!(m.named("read")[0].flows_in, write.flows_out);
    let hop = m.named("do_pipe2")[0];
    assert_eq!(
        (hop.cat.as_str(), hop.args["mech"].as_str()),
        ("kernel", "kprobe")
    );
    assert_eq!(m.named("events lost")[0].args["count"], "3");
}

/// A read that returned before the write that filled it (the reader woke while the writer was
/// still in its call) is held back until that write is read, and the arrow still goes from the
/// write to the read; a call that never returned ends where its thread's next call begins.
#[test]
fn a_read_that_returned_first_and_a_call_that_never_did() {
    let mut file = Vec::new();
    let mut r = Recorder::new(&mut file, &header()).unwrap();
    let pipe_ret: &[(u8, &[u8])] = &[(0, &[3, 0, 0, 0, 4, 0, 0, 0])];
    for rec in [
        enter(1_000, 100, 100, "pipe2", [0x7ff0, 0, 0, 0, 0, 0], &[]),
        exit(1_300, 100, 100, "pipe2", 0, pipe_ret),
        enter(2_000, 100, 100, "read", [3, 0x5000, 64, 0, 0, 0], &[]),
        enter(
            2_100,
            100,
            101,
            "write",
            [4, 0x6000, 2, 0, 0, 0],
            &[(0, b"hi")],
        ),
        exit(2_200, 100, 100, "read", 2, &[(0, b"hi")]),
        exit(2_300, 100, 101, "write", 2, &[]),
        // Its exit was lost: it lasts until the thread's next call.
        enter(3_000, 100, 100, "close", [3, 0, 0, 0, 0, 0], &[]),
        enter(4_000, 100, 100, "getpid", [0; 6], &[]),
        exit(4_100, 100, 100, "getpid", 100, &[]),
    ] {
        r.write_record(&rec).unwrap();
    }
    r.finish(5_000, None).unwrap();
    let m = export(file);
    let (read, write) = (m.named("read")[0], m.named("write")[0]);
    assert_eq!((read.ts, read.dur), (2_000, Some(200)));
    assert_eq!(write.flows_out.len(), 1);
    assert_eq!(read.flows_in, write.flows_out);
    let close = m.named("close")[0];
    assert_eq!((close.ts, close.dur), (3_000, Some(1_000)));
    assert_eq!(close.args["unfinished"], "true");
    // Threads of one process share its track.
    assert_eq!(m.processes.len(), 1);
    assert_eq!(m.threads.len(), 2);
}
