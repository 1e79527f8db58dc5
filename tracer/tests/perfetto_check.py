"""Reads a `tracer export --format perfetto` file with Perfetto's published schema (the
`perfetto` Python package's perfetto_trace_pb2) as a trace reader does, checks the rules of the
format tracer relies on, and prints what the Rust test asserts on, as one JSON object.

Usage: perfetto_check.py TRACE

Checked here (an AssertionError, exit 1, names the broken rule):
- every packet is on one trusted sequence; the first clears the incremental state, every track
  event says it needs it, and each interned name is defined once, before its first use;
- every event names a described track; a thread track has a pid, a tid, a name and a process
  track as parent;
- per track, events sorted by time (file order breaking ties, as trace_processor sorts them)
  nest: every end closes an open slice, and none stays open;
- every flow id ends at most once, and only where it started earlier.

Printed: the processes, threads, slices (with their flattened arguments) and flows.
"""

import json
import sys

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

SEQ_INCREMENTAL_STATE_CLEARED = pb.TracePacket.SEQ_INCREMENTAL_STATE_CLEARED
SEQ_NEEDS_INCREMENTAL_STATE = pb.TracePacket.SEQ_NEEDS_INCREMENTAL_STATE


def flatten(prefix, a, keys, strs, out):
    which = a.WhichOneof("name_field")
    if which == "name_iid":
        assert a.name_iid in keys, f"annotation name {a.name_iid} used before it is interned"
        name = keys[a.name_iid]
    elif which == "name":
        name = a.name
    else:
        name = ""
    key = f"{prefix}.{name}" if prefix and name else (prefix or name)
    for i, v in enumerate(a.array_values):
        flatten(f"{key}[{i}]", v, keys, strs, out)
    for v in a.dict_entries:
        flatten(key, v, keys, strs, out)
    value = a.WhichOneof("value")
    if value == "string_value_iid":
        assert a.string_value_iid in strs, f"string value {a.string_value_iid} used before it is interned"
        out[key] = strs[a.string_value_iid].decode()
    elif value is not None:
        out[key] = getattr(a, value)


def main(path):
    trace = pb.Trace()
    with open(path, "rb") as f:
        trace.ParseFromString(f.read())
    assert len(trace.packet) > 0, "no packets"
    names, keys, cats, strs = {}, {}, {}, {}
    processes, threads, counters, described = {}, {}, {}, set()
    events = []
    interned_uses = 0
    for i, p in enumerate(trace.packet):
        assert p.trusted_packet_sequence_id == 1, f"packet {i}: sequence {p.trusted_packet_sequence_id}"
        cleared = bool(p.sequence_flags & SEQ_INCREMENTAL_STATE_CLEARED)
        assert cleared == (i == 0), f"packet {i}: only the first packet clears the state"
        if p.HasField("interned_data"):
            for table, got in (
                (names, p.interned_data.event_names),
                (keys, p.interned_data.debug_annotation_names),
                (cats, p.interned_data.event_categories),
            ):
                for e in got:
                    assert e.iid not in table, f"packet {i}: {e.name} interned twice"
                    table[e.iid] = e.name
            for e in p.interned_data.debug_annotation_string_values:
                assert e.iid not in strs, f"packet {i}: {e.str} interned twice"
                strs[e.iid] = e.str
        data = p.WhichOneof("data")
        if data == "track_descriptor":
            d = p.track_descriptor
            described.add(d.uuid)
            if d.HasField("thread"):
                assert d.parent_uuid in processes, f"thread track {d.uuid} without its process"
                t = d.thread
                assert t.pid > 0 and t.tid > 0 and t.thread_name, f"thread track {d.uuid}: {t}"
                threads[d.uuid] = {"pid": t.pid, "tid": t.tid, "name": t.thread_name}
            elif d.HasField("process"):
                processes[d.uuid] = {"pid": d.process.pid, "name": d.process.process_name}
            elif d.HasField("counter"):
                counters[d.uuid] = d.name
            continue
        if data != "track_event":
            assert p.HasField("interned_data"), f"packet {i}: neither data nor interned names"
            continue
        assert p.sequence_flags & SEQ_NEEDS_INCREMENTAL_STATE, f"packet {i}: needs state unsaid"
        e = p.track_event
        assert e.track_uuid in described, f"packet {i}: track {e.track_uuid} was not described"
        name = ""
        if e.HasField("name_iid"):
            assert e.name_iid in names, f"packet {i}: event name {e.name_iid} used before it is interned"
            name = names[e.name_iid]
            interned_uses += 1
        elif e.HasField("name"):
            name = e.name
        cat = [cats[c] for c in e.category_iids] + list(e.categories)
        args = {}
        for a in e.debug_annotations:
            flatten("", a, keys, strs, args)
        events.append((p.timestamp, i, e, name, cat, args))
    events.sort(key=lambda x: (x[0], x[1]))
    slices, stacks, flow_start, flow_end, values = [], {}, {}, {}, {}
    for ts, _, e, name, cat, args in events:
        stack = stacks.setdefault(e.track_uuid, [])
        if e.type == pb.TrackEvent.TYPE_SLICE_BEGIN or e.type == pb.TrackEvent.TYPE_INSTANT:
            s = {
                "track": e.track_uuid,
                "name": name,
                "cat": cat[0] if cat else "",
                "ts": ts,
                "dur": 0 if e.type == pb.TrackEvent.TYPE_INSTANT else None,
                "depth": len(stack),
                "args": args,
            }
            for f in e.flow_ids:
                assert f not in flow_start, f"flow {f} starts twice"
                flow_start[f] = len(slices)
            if e.type == pb.TrackEvent.TYPE_SLICE_BEGIN:
                stack.append(len(slices))
            slices.append(s)
        elif e.type == pb.TrackEvent.TYPE_SLICE_END:
            assert stack, f"an end at {ts} on track {e.track_uuid} closes nothing"
            s = slices[stack.pop()]
            s["dur"] = ts - s["ts"]
            for f in e.terminating_flow_ids:
                assert f in flow_start, f"flow {f} ends before it starts"
                assert f not in flow_end, f"flow {f} ends twice"
                flow_end[f] = slices.index(s)
        elif e.type == pb.TrackEvent.TYPE_COUNTER:
            assert e.track_uuid in counters, "a counter value off a counter track"
            values.setdefault(counters[e.track_uuid], []).append((ts, e.counter_value))
    assert all(not s for s in stacks.values()), "a slice never ends"

    def who(s):
        t = threads.get(s["track"])
        return {"pid": t["pid"], "tid": t["tid"], "comm": t["name"]} if t else None

    out = {
        "packets": len(trace.packet),
        "event_names_interned": len(names),
        "interned_uses": interned_uses,
        "processes": sorted(processes.values(), key=lambda p: p["pid"]),
        "threads": sorted(threads.values(), key=lambda t: t["tid"]),
        "slices": [dict(s, thread=who(s), track=None) for s in slices],
        "flows": [
            {"from": flow_start[f], "to": flow_end[f]} for f in sorted(flow_end)
        ],
        "counters": values,
    }
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
