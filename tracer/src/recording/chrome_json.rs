//! Export to the Chrome trace-event JSON format (`{"traceEvents": [...]}`, `--format chrome-json`),
//! ui.perfetto.dev and chrome://tracing open: a track per thread, named after its process and
//! command; a complete slice (`"ph": "X"`) per call, with its decoded arguments; inside it, the
//! kernel functions a probe saw, as nested slices timed by their entry and exit probes (the libc
//! wrapper as the call's parent slice); and flow arrows (`"s"`/`"f"`) from a write to the read
//! that received its data (see `flows.rs`). Times are microseconds of `CLOCK_BOOTTIME`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tracer_common::SYS_F_ARGS_FAULT;

use crate::decode::errno;
use crate::kernel::ksyms::Ksyms;
use crate::kernel::path;
use crate::output::errno_of;
use crate::trace::{Call, Item, Proc};

use super::flows::{Flow, Flows};
use super::hop_slices;
use super::replay::Event;

/// Nanoseconds as the format's microseconds. Exact to the nanosecond below 2^53 ns (104 days
/// of uptime), to a few ns beyond.
#[allow(
    clippy::cast_precision_loss,
    reason = "trace-event times are floating-point microseconds"
)]
fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// Where the call entered the kernel from, as Perfetto's `entered_from` annotation says it: the
/// saved user instruction pointer named (`close+0x10 in libc.so.6`; the file name is escaped
/// already, a program chose it, and serde_json escapes the text again as a JSON string), or the
/// bare address when no mapping tracer read holds it; `None` without one. Formatted once, into
/// the string the argument keeps.
fn entered_from(c: &Call) -> Option<String> {
    if let Some(f) = &c.user_at {
        let mut s = String::new();
        let _ = write!(s, "{f}");
        Some(s)
    } else if c.user_ip != 0 {
        let mut s = String::with_capacity(18);
        crate::fastfmt::hex_into(&mut s, c.user_ip);
        Some(s)
    } else {
        None
    }
}

pub struct ChromeJson<W: Write> {
    out: W,
    first: bool,
    ksyms: Arc<Ksyms>,
    /// Per thread: its process and its latest command name.
    threads: BTreeMap<u32, (u32, String)>,
    /// Per thread, a call that never returned: it lasted, at most, until the thread's next
    /// event.
    held: HashMap<u32, Call>,
    flows: Flows,
    last_ns: u64,
}

impl<W: Write> ChromeJson<W> {
    pub fn new(mut out: W, ksyms: Arc<Ksyms>) -> io::Result<ChromeJson<W>> {
        out.write_all(b"{\"traceEvents\":[\n")?;
        Ok(ChromeJson {
            out,
            first: true,
            ksyms,
            threads: BTreeMap::new(),
            held: HashMap::new(),
            flows: Flows::default(),
            last_ns: 0,
        })
    }

    fn emit(&mut self, v: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, v)?;
        Ok(())
    }

    fn thread(&mut self, pid: u32, tid: u32, comm: &str) {
        let e = self
            .threads
            .entry(tid)
            .or_insert_with(|| (pid, String::new()));
        e.0 = pid;
        if !comm.is_empty() {
            comm.clone_into(&mut e.1);
        }
    }

    pub fn event(&mut self, ev: &Event) -> io::Result<()> {
        match ev {
            Event::Item(Item::Call(c)) => self.call(c),
            Event::Item(Item::Proc(p)) => self.proc(p),
            // The same call comes again when it returns, complete.
            Event::Pending(_) => Ok(()),
            // What the command started with: descriptors the flows follow.
            Event::Start(s) => {
                self.flows.begin(s);
                Ok(())
            }
            Event::Lost { ts_ns, count } => self.emit(&json!({
                "ph": "i", "s": "g", "name": format!("{count} events lost"), "cat": "lost",
                "pid": 0, "tid": 0, "ts": us(*ts_ns), "args": {"count": count},
            })),
        }
    }

    /// A call left out of the export (`-e`): what it did to descriptors still counts.
    pub fn observe(&mut self, c: &Call) {
        self.flows.observe(c);
    }

    fn call(&mut self, c: &Call) -> io::Result<()> {
        self.thread(c.pid, c.tid, &c.comm);
        self.flows.call(c);
        let start = c.enter_ns.or(c.exit_ns).unwrap_or(0);
        self.last_ns = self.last_ns.max(c.exit_ns.unwrap_or(start));
        if let Some(h) = self.held.remove(&c.tid) {
            // It ended before this call began, libc wrapper included: slices on a track must
            // nest, not overlap.
            let began = hop_slices::began(c, start);
            self.slice(&h, began)?;
        }
        match c.exit_ns {
            Some(end) if c.ret.is_some() => self.slice(c, end),
            _ => {
                self.held.insert(c.tid, c.clone());
                Ok(())
            }
        }
    }

    /// The call's slice, ending at `end`, and its hops.
    fn slice(&mut self, c: &Call, end: u64) -> io::Result<()> {
        let start = c.enter_ns.or(c.exit_ns).unwrap_or(0);
        let end = end.max(start);
        let mut args = Map::new();
        if c.enter_ns.is_some() && c.flags & SYS_F_ARGS_FAULT == 0 {
            for a in c.args() {
                args.insert(a.name.into(), a.json());
            }
        }
        match c.ret {
            Some(ret) => {
                args.insert("ret".into(), json!(ret));
                if let Some(e) = errno_of(ret) {
                    args.insert("errno".into(), json!(errno::name(e)));
                }
            }
            None => {
                args.insert("unfinished".into(), json!(true));
            }
        }
        if c.enter_ns.is_none() {
            args.insert("enter_missing".into(), json!(true));
        }
        args.insert("abi".into(), json!(c.abi.name()));
        args.insert("entry".into(), json!(c.entry_name()));
        if let Some(at) = entered_from(c) {
            args.insert("entered_from".into(), Value::String(at));
        }
        if let Some((disp, num, name)) = c.dispatcher() {
            args.insert(disp.into(), json!({"call": num, "name": name}));
        }
        if c.enter_ns.is_some() {
            let family = c.sockaddr_arg();
            let steps: Vec<String> = path::build(&self.ksyms, c, family.as_ref())
                .iter()
                .map(path::Step::to_text)
                .collect();
            args.insert("kernel_path".into(), json!(steps));
        }
        self.emit(&json!({
            "ph": "X", "cat": "syscall", "name": c.row.name, "pid": c.pid, "tid": c.tid,
            "ts": us(start), "dur": us(end - start), "args": args,
        }))?;
        for v in self.hops(c, start, end) {
            self.emit(&v)?;
        }
        Ok(())
    }

    /// The libc wrapper around the call and the kernel functions inside it, as slices where
    /// their times fit inside the call's; a function whose exit was not seen as an instant.
    fn hops(&self, c: &Call, start: u64, end: u64) -> Vec<Value> {
        let mut out = Vec::new();
        let at = |name: &str, cat: &str, ts: u64, dur: Option<u64>, args: Value| {
            let mut v = json!({
                "cat": cat, "name": name, "pid": c.pid, "tid": c.tid, "ts": us(ts), "args": args,
            });
            if let Some(d) = dur {
                v["ph"] = json!("X");
                v["dur"] = json!(us(d));
            } else {
                v["ph"] = json!("i");
                v["s"] = json!("t");
            }
            v
        };
        if let Some((func, lib, h)) = hop_slices::wrapper(c, start) {
            out.push(at(
                &format!("{func}()"),
                "libc",
                h.ts_ns,
                Some(end - h.ts_ns),
                json!({"library": lib, "called_from": format!("{:#x}", h.ret as u64)}),
            ));
        }
        for k in hop_slices::kernel(&self.ksyms, c, start, end) {
            let (args, ret, mech) = k.args();
            let mut m = Map::new();
            for (n, v) in args {
                m.insert(n.to_string(), json!(v));
            }
            if let Some(r) = ret {
                m.insert("ret".into(), json!(r));
            }
            m.insert("mech".into(), json!(mech));
            let dur = k.exit.map(|x| x.ts_ns - k.entry.ts_ns);
            out.push(at(k.name, "kernel", k.entry.ts_ns, dur, Value::Object(m)));
        }
        out
    }

    fn proc(&mut self, p: &Proc) -> io::Result<()> {
        self.flows.proc(p);
        let (ts, pid, tid, name, args) = match p {
            Proc::Fork {
                ts_ns,
                pid,
                tid,
                comm,
                child,
                thread,
            } => {
                self.thread(*pid, *tid, comm);
                let child_pid = if *thread { *pid } else { *child };
                self.thread(child_pid, *child, comm);
                let what = if *thread { "new thread" } else { "fork" };
                (
                    *ts_ns,
                    *pid,
                    *tid,
                    what.to_string(),
                    json!({"child": child}),
                )
            }
            Proc::Exec {
                ts_ns,
                pid,
                tid,
                comm,
                filename,
            } => {
                self.thread(*pid, *tid, comm);
                (
                    *ts_ns,
                    *pid,
                    *tid,
                    "exec".into(),
                    json!({"filename": filename}),
                )
            }
            Proc::Exit {
                ts_ns,
                pid,
                tid,
                comm,
                ..
            } => {
                self.thread(*pid, *tid, comm);
                if let Some(h) = self.held.remove(tid) {
                    self.slice(&h, *ts_ns)?;
                }
                (*ts_ns, *pid, *tid, "exit".into(), json!({}))
            }
        };
        self.last_ns = self.last_ns.max(ts);
        self.emit(&json!({
            "ph": "i", "s": "t", "cat": "process", "name": name, "pid": pid, "tid": tid,
            "ts": us(ts), "args": args,
        }))
    }

    /// Close the calls still open at `end_ns` (or the last event), name the tracks, draw the
    /// flows, and end the JSON.
    pub fn finish(mut self, end_ns: Option<u64>) -> io::Result<W> {
        let end = end_ns.unwrap_or(0).max(self.last_ns);
        let mut held: Vec<Call> = self.held.drain().map(|(_, c)| c).collect();
        held.sort_by_key(|c| (c.enter_ns, c.tid));
        for c in &held {
            self.slice(c, end)?;
        }
        let threads = std::mem::take(&mut self.threads);
        let mut procs: BTreeMap<u32, &str> = BTreeMap::new();
        for (tid, (pid, comm)) in &threads {
            // A process is named after its main thread, else after any thread seen.
            if tid == pid || !procs.contains_key(pid) {
                procs.insert(*pid, comm);
            }
        }
        // A thread seen only by the exit of a call it entered before tracing has no name.
        let label = |comm: &str, id: &u32| {
            if comm.is_empty() {
                id.to_string()
            } else {
                format!("{comm} ({id})")
            }
        };
        for (pid, comm) in &procs {
            self.emit(&json!({
                "ph": "M", "name": "process_name", "pid": pid, "tid": pid,
                "args": {"name": label(comm, pid)},
            }))?;
        }
        for (tid, (pid, comm)) in &threads {
            self.emit(&json!({
                "ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                "args": {"name": label(comm, tid)},
            }))?;
        }
        let flows = std::mem::take(&mut self.flows).finish();
        for (id, f) in flows.iter().enumerate() {
            self.flow(id + 1, f)?;
        }
        self.out.write_all(b"\n],\"displayTimeUnit\":\"ns\"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// An arrow from inside the sending call to inside the receiving one: 1 ns in from their
    /// edges, where no nested slice starts or ends, so that each end binds to the call's slice.
    fn flow(&mut self, id: usize, f: &Flow) -> io::Result<()> {
        let inner_start = |p: &super::flows::Point| {
            if p.stop.saturating_sub(p.start) >= 2 {
                p.start + 1
            } else {
                p.start
            }
        };
        let inner_stop = |p: &super::flows::Point| {
            if p.stop.saturating_sub(p.start) >= 2 {
                p.stop - 1
            } else {
                p.start
            }
        };
        let name = f.kind.name();
        self.emit(&json!({
            "ph": "s", "id": id, "cat": "ipc", "name": name,
            "pid": f.from.pid, "tid": f.from.tid, "ts": us(inner_start(&f.from)),
        }))?;
        self.emit(&json!({
            "ph": "f", "bp": "e", "id": id, "cat": "ipc", "name": name,
            "pid": f.to.pid, "tid": f.to.tid, "ts": us(inner_stop(&f.to)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use serde_json::Value;

    use super::*;
    use crate::recording::reader::Reader;
    use crate::recording::replay::Replay;
    use crate::recording::testdata::pipe_recording;

    fn export() -> Vec<Value> {
        let replay = Replay::new(Reader::new(Cursor::new(pipe_recording()), None).unwrap());
        let mut p = ChromeJson::new(Vec::new(), replay.ksyms().clone()).unwrap();
        let outcome = replay.run(&mut |ev| p.event(&ev)).unwrap();
        let bytes = p.finish(outcome.end.map(|e| e.stopped_ns)).unwrap();
        let v: Value = serde_json::from_slice(&bytes).expect("valid JSON");
        v["traceEvents"].as_array().expect("traceEvents").clone()
    }

    fn find<'a>(events: &'a [Value], ph: &str, name: &str) -> Vec<&'a Value> {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["name"] == name)
            .collect()
    }

    /// A recording of the user frames `frames`, then `recs`, ended at `end`: its Chrome JSON.
    fn chrome_of(
        frames: &[crate::recording::format::UserFrameRecord],
        recs: &[Vec<u8>],
        end: u64,
    ) -> Vec<u8> {
        let mut file = Vec::new();
        let mut r = crate::recording::writer::Recorder::new(
            &mut file,
            &crate::recording::testdata::header(),
        )
        .unwrap();
        for f in frames {
            r.write_user_frame(f).unwrap();
        }
        for rec in recs {
            r.write_record(rec).unwrap();
        }
        r.finish(end, None).unwrap();
        let replay = Replay::new(Reader::new(Cursor::new(file), None).unwrap());
        let mut p = ChromeJson::new(Vec::new(), replay.ksyms().clone()).unwrap();
        replay.run(&mut |ev| p.event(&ev)).unwrap();
        p.finish(Some(end)).unwrap()
    }

    #[test]
    fn a_call_that_never_returned_ends_before_the_next_one_begins() {
        use crate::recording::testdata::{enter, exit, uprobe};
        let recs = [
            // An exit that was lost, then the thread's next call through its libc wrapper.
            enter(1_000, 100, 100, "read", [3, 0, 64, 0, 0, 0], &[]),
            uprobe(5_000, 100, "sendto"),
            enter(5_100, 100, 100, "sendto", [4, 0, 2, 0, 0, 0], &[(0, b"hi")]),
            exit(5_200, 100, 100, "sendto", 2, &[]),
        ];
        let v: Value = serde_json::from_slice(&chrome_of(&[], &recs, 6_000)).unwrap();
        let ev = v["traceEvents"].as_array().unwrap();
        let read = find(ev, "X", "read")[0];
        assert_eq!(read["args"]["unfinished"], true);
        assert_eq!(
            (read["ts"].as_f64(), read["dur"].as_f64()),
            (Some(1.0), Some(4.0))
        );
        let wrapper = find(ev, "X", "sendto()")[0];
        assert_eq!(wrapper["cat"], "libc");
        assert_eq!(
            (wrapper["ts"].as_f64(), wrapper["dur"].as_f64()),
            (Some(5.0), Some(0.2))
        );
    }

    /// Each call says where it entered the kernel from, as Perfetto's `entered_from` does:
    /// named where a mapping tracer read holds the address (the file name escaped, then
    /// escaped again as a JSON string), the bare address where none does, nothing without one.
    #[test]
    fn each_call_says_where_it_entered_the_kernel_from() {
        use crate::recording::format::UserFrameRecord;
        use crate::recording::testdata::{enter, enter_from, exit};
        let frame = UserFrameRecord {
            pid: 100,
            ip: 0x7f00_0000_1010,
            mapped: true,
            func: Some("close".into()),
            off: 0x10,
            // A program chose the name (`li"b\c.so.6`): the recorder wrote it escaped, and
            // replay shows that text as it is (escaping it again would double the backslash).
            file: Some(r#"/tmp/li"b\\c.so.6"#.into()),
        };
        let recs = [
            enter_from(
                1_000,
                100,
                100,
                "close",
                [3, 0, 0, 0, 0, 0],
                0x7f00_0000_1010,
            ),
            exit(1_100, 100, 100, "close", 0, &[]),
            enter_from(
                2_000,
                100,
                100,
                "close",
                [4, 0, 0, 0, 0, 0],
                0x7f00_0000_2020,
            ),
            exit(2_100, 100, 100, "close", 0, &[]),
            enter(3_000, 100, 100, "close", [5, 0, 0, 0, 0, 0], &[]),
            exit(3_100, 100, 100, "close", 0, &[]),
        ];
        let bytes = chrome_of(&[frame], &recs, 4_000);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.contains(r#""entered_from":"close+0x10 in li\"b\\\\c.so.6""#),
            "{text}"
        );
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let closes = find(v["traceEvents"].as_array().unwrap(), "X", "close");
        // The text the kernel path's user step (and Perfetto's annotation) shows.
        let step = closes[0]["args"]["kernel_path"][0].as_str().unwrap();
        assert!(
            step.starts_with(&format!(
                "* {}  [",
                closes[0]["args"]["entered_from"].as_str().unwrap()
            )),
            "{step}"
        );
        let closes = closes
            .into_iter()
            .map(|e| e["args"]["entered_from"].clone())
            .collect::<Vec<_>>();
        assert_eq!(
            closes,
            [
                Value::from(r#"close+0x10 in li"b\\c.so.6"#),
                Value::from("0x7f0000002020"),
                Value::Null
            ]
        );
    }

    #[test]
    fn tracks_slices_hops_and_a_flow() {
        let ev = export();
        // A track per thread, named; a process per pid.
        let threads: Vec<(u64, &str)> = find(&ev, "M", "thread_name")
            .iter()
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap(),
                    e["args"]["name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(threads, [(100, "parent (100)"), (101, "child (101)")]);
        assert_eq!(find(&ev, "M", "process_name").len(), 2);

        // A slice per call, with its arguments and result, in microseconds.
        let pipe2 = find(&ev, "X", "pipe2")[0];
        assert_eq!(
            (pipe2["tid"].as_u64(), pipe2["ts"].as_f64()),
            (Some(100), Some(1.0))
        );
        assert_eq!(pipe2["dur"].as_f64(), Some(0.3));
        assert_eq!(pipe2["args"]["pipefd"], serde_json::json!([3, 4]));
        assert_eq!(pipe2["args"]["ret"], 0);
        let write = find(&ev, "X", "write")[0];
        assert_eq!(write["tid"], 101);
        assert_eq!(write["args"]["buf"]["data"], "hi");
        let read = find(&ev, "X", "read")[0];
        assert_eq!(
            (read["tid"].as_u64(), read["dur"].as_f64()),
            (Some(100), Some(1.0))
        );

        // The probed kernel function, nested inside its call.
        let hop = find(&ev, "X", "do_pipe2")[0];
        assert_eq!(hop["cat"], "kernel");
        let (ts, dur) = (hop["ts"].as_f64().unwrap(), hop["dur"].as_f64().unwrap());
        assert!((1.0..=1.3).contains(&ts) && ts + dur <= 1.3, "{hop}");
        assert_eq!(hop["args"]["mech"], "kprobe");

        // The child's write flows into the parent's read.
        let (s, f) = (find(&ev, "s", "pipe"), find(&ev, "f", "pipe"));
        assert_eq!((s.len(), f.len()), (1, 1));
        assert_eq!(s[0]["id"], f[0]["id"]);
        assert_eq!(
            (s[0]["tid"].as_u64(), f[0]["tid"].as_u64()),
            (Some(101), Some(100))
        );
        let ts_in = |e: &Value, slice: &Value| {
            let (t, s0) = (e["ts"].as_f64().unwrap(), slice["ts"].as_f64().unwrap());
            s0 <= t && t <= s0 + slice["dur"].as_f64().unwrap()
        };
        assert!(ts_in(s[0], write) && ts_in(f[0], read));
        assert_eq!(f[0]["bp"], "e");

        // Process events and the lost count.
        assert_eq!(find(&ev, "i", "fork").len(), 1);
        assert_eq!(find(&ev, "i", "exit")[0]["tid"], 101);
        assert_eq!(find(&ev, "i", "3 events lost").len(), 1);
    }
}
