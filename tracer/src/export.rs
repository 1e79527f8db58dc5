//! `tracer export FILE`: a native recording as JSON Lines, strace-like text, Perfetto's protobuf
//! trace or Chrome trace-event JSON.
//! Needs no privileges. JSON Lines and text go through the same `output::Writer` as
//! `tracer record`, so an export equals a direct recording of the same events, header
//! included: its `tracer`, `kernel` and `arch` are the recording's, not this machine's.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::ExportArgs;
use crate::escape;
use crate::fds::Detail;
use crate::kernel::hops::HOP_FUNCS;
use crate::outfile;
use crate::output::{self, Format, Summary, TextOpts, Writer};
use crate::recording::chrome_json::ChromeJson;
use crate::recording::perfetto::Perfetto;
use crate::recording::replay::{Event, Outcome, Replay};
use crate::summary::{self, SortBy};
use crate::syscalls::qualify::{self, StatusSet};
use crate::trace::{Call, Item};

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// JSON Lines, as documented in docs/trace-format.md.
    Jsonl,
    /// strace-like lines (`-k` adds each call's kernel path).
    Text,
    /// Perfetto's protobuf trace, streamed: open it in ui.perfetto.dev, query it with
    /// trace_processor (SQL).
    Perfetto,
    /// Chrome trace-event JSON (ui.perfetto.dev, chrome://tracing): best for small traces.
    ChromeJson,
}

pub fn run(args: &ExportArgs) -> Result<()> {
    let file = &args.file;
    let shown = escape::path(file);
    let s = &args.summary;
    let wanted = summary::wanted(s.only, s.summary, s.sort_by, s.wall_clock)?;
    let format = match (args.format, wanted) {
        (None | Some(ExportFormat::Text), Some(w)) if !w.trace => ExportFormat::Text,
        (Some(f), Some(w)) if !w.trace => bail!(
            "-c writes strace's summary table alone, as text: --format {} does not apply \
             (-C writes the trace, then the table)",
            format_name(f)
        ),
        (Some(ExportFormat::Perfetto | ExportFormat::ChromeJson), Some(_)) => {
            bail!("-C writes a trace of calls, then the table: give --format text or jsonl")
        }
        (f, _) => f.unwrap_or(ExportFormat::Jsonl),
    };
    let shown_calls = Shown::parse(&args.syscalls)?;
    let replay = Replay::open(file).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    refuse_same_file(file, &args.output)?;
    let out = open_output(&args.output)?;
    // As `record`: the table goes into -o FILE (after a text trace), else to standard error.
    let mut counting = wanted.map(|w| Counting {
        table: summary::Table::default(),
        sort: w.sort,
        trace: w.trace,
        out: (args.output == Path::new("-") || (w.trace && format != ExportFormat::Text))
            .then(|| Box::new(io::stderr()) as Box<dyn Write>),
    });
    let outcome = export_counting(
        replay,
        out,
        format,
        TextOpts {
            kernel_path: args.kernel_path,
            detail: Detail::from_count(args.decode_fds),
        },
        counting.as_mut(),
        shown_calls.as_ref(),
    )
    .with_context(|| format!("writing {}", escape::path(&args.output)))?;
    if let Some(s) = counting.as_ref().and_then(|c| summary::left_out(&c.table)) {
        eprintln!("tracer: {s}");
    }
    if outcome.decode_errors > 0 {
        eprintln!(
            "tracer: {}: {} records could not be decoded (written by a different tracer?)",
            shown, outcome.decode_errors
        );
    }
    match outcome.damage {
        Some(e) if e.is_truncation() => {
            eprintln!("tracer: warning: {shown}: {e}");
            Ok(())
        }
        Some(e) => bail!("{shown}: {e}; everything before it was exported"),
        None if outcome.end.is_none() => {
            eprintln!("tracer: warning: {shown}: no end frame: the recorder did not stop cleanly");
            Ok(())
        }
        None => Ok(()),
    }
}

/// `-o` naming the recording itself (or another name of it) would empty it before it is read:
/// refused, by device and inode.
fn refuse_same_file(input: &Path, output: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    if output == Path::new("-") {
        return Ok(());
    }
    if let (Ok(a), Ok(b)) = (std::fs::metadata(input), std::fs::metadata(output))
        && (a.dev(), a.ino()) == (b.dev(), b.ino())
    {
        bail!(
            "{} is the recording itself: exporting into it would destroy it; give another -o",
            escape::path(output)
        );
    }
    Ok(())
}

/// A file for other processes' data ([`outfile::open`]: never through a link, readable by its
/// owner only, given to the user who ran sudo when tracer made it).
fn open_output(path: &Path) -> Result<Box<dyn Write>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::with_capacity(1 << 16, io::stdout())));
    }
    // Nothing is attached here: a signal's default action ends a FIFO's wait.
    let f = outfile::open_waiting(path, crate::invoker::Invoker::from_env().as_ref())?;
    Ok(Box::new(BufWriter::with_capacity(1 << 16, f)))
}

/// `output::Header` names functions and mechanisms with `&'static str`: those tracer knows are
/// its own; any other (a recording from a newer tracer) is kept by leaking a few bytes, once
/// per name, in a process that exits after the export.
fn interned(s: &str) -> &'static str {
    if let Some(f) = HOP_FUNCS.iter().find(|f| f.name == s) {
        return f.name;
    }
    match s {
        "fentry" => "fentry",
        "kprobe" => "kprobe",
        "none" => "none",
        _ => Box::leak(s.to_string().into_boxed_str()),
    }
}

fn format_name(f: ExportFormat) -> &'static str {
    match f {
        ExportFormat::Jsonl => "jsonl",
        ExportFormat::Text => "text",
        ExportFormat::Perfetto => "perfetto",
        ExportFormat::ChromeJson => "chrome-json",
    }
}

/// `-c`/`-C` of an export: strace's summary table, counted over the recording's calls.
pub struct Counting {
    pub table: summary::Table,
    pub sort: SortBy,
    /// `-C`: the trace too. (Not with Perfetto's formats.)
    pub trace: bool,
    /// Where the table goes; `None`: into the export's output, after the trace.
    pub out: Option<Box<dyn Write>>,
}

/// Replay into `out` in `format`; the outcome says whether the file was whole.
pub fn export<R: std::io::BufRead>(
    replay: Replay<R>,
    out: Box<dyn Write>,
    format: ExportFormat,
    text: TextOpts,
) -> io::Result<Outcome> {
    export_counting(replay, out, format, text, None, None)
}

/// `tracer export -e`: the calls an export shows. The others are still read: they tell
/// `-y`'s descriptor model what their descriptors are.
pub struct Shown {
    /// The selected rows' names; `None`: every call (only `status=` was given).
    names: Option<HashSet<&'static str>>,
    status: Option<StatusSet>,
}

impl Shown {
    /// From `-e` lists; `None` when none was given.
    pub fn parse(specs: &[String]) -> Result<Option<Shown>> {
        if specs.is_empty() {
            return Ok(None);
        }
        let q = qualify::parse(specs)?;
        Ok(Some(match q.selection {
            Some(sel) => Shown::of(&sel, q.status),
            None => Shown {
                names: None,
                status: q.status,
            },
        }))
    }

    /// The calls of `selection`, those `status` keeps.
    pub fn of(selection: &crate::syscalls::Selection, status: Option<StatusSet>) -> Shown {
        Shown {
            names: Some(
                (0..)
                    .map_while(crate::syscalls::row)
                    .enumerate()
                    .filter(|(i, _)| selection.contains(*i))
                    .map(|(_, r)| r.name)
                    .collect(),
            ),
            status,
        }
    }

    /// Every call that `status` keeps.
    pub fn of_status(status: StatusSet) -> Shown {
        Shown {
            names: None,
            status: Some(status),
        }
    }

    /// Whether the call is one of those chosen, however it ended.
    pub fn selects(&self, c: &Call) -> bool {
        self.names.as_ref().is_none_or(|n| n.contains(c.row.name))
    }

    /// Whether only calls that ended in some way are shown (`-e status=`).
    pub fn filters_status(&self) -> bool {
        self.status.is_some()
    }

    pub fn shows(&self, c: &Call) -> bool {
        self.selects(c) && self.status.is_none_or(|s| s.keeps(c))
    }
}

/// [`export`], counting the calls for strace's summary table and writing it at the end
/// (alone, for `-c`), showing only the calls `shown` selects.
pub fn export_counting<R: std::io::BufRead>(
    replay: Replay<R>,
    mut out: Box<dyn Write>,
    format: ExportFormat,
    text: TextOpts,
    mut counting: Option<&mut Counting>,
    shown: Option<&Shown>,
) -> io::Result<Outcome> {
    let hidden = |c: &Call| shown.is_some_and(|s| !s.shows(c));
    if let Some(c) = counting.as_mut().filter(|c| !c.trace) {
        let outcome = replay.run(&mut |ev| {
            if let Event::Item(Item::Call(call)) = &ev
                && !hidden(call)
            {
                c.table.add(call);
            }
            Ok(())
        })?;
        let dest = c.out.as_mut().unwrap_or(&mut out);
        dest.write_all(c.table.render(c.sort).as_bytes())?;
        dest.flush()?;
        return Ok(outcome);
    }
    let text_format = match format {
        ExportFormat::Jsonl => Format::Jsonl,
        ExportFormat::Text => Format::Text,
        ExportFormat::Perfetto => {
            let mut p = Perfetto::new(out, replay.ksyms().clone());
            let outcome = replay.run(&mut |ev| match &ev {
                Event::Item(Item::Call(c)) if hidden(c) => {
                    p.observe(c);
                    Ok(())
                }
                Event::Pending(c) if hidden(c) => Ok(()),
                _ => p.event(&ev),
            })?;
            p.finish(outcome.end.as_ref().map(|e| e.stopped_ns))?;
            return Ok(outcome);
        }
        ExportFormat::ChromeJson => {
            let mut p = ChromeJson::new(out, replay.ksyms().clone())?;
            let outcome = replay.run(&mut |ev| match &ev {
                Event::Item(Item::Call(c)) if hidden(c) => {
                    p.observe(c);
                    Ok(())
                }
                Event::Pending(c) if hidden(c) => Ok(()),
                _ => p.event(&ev),
            })?;
            p.finish(outcome.end.as_ref().map(|e| e.stopped_ns))?;
            return Ok(outcome);
        }
    };
    let h = replay.header().clone();
    let mut w = Writer::new(
        out,
        text_format,
        h.boot_to_wall(),
        replay.ksyms().clone(),
        text.kernel_path,
    );
    w.set_detail(text.detail);
    // The recording's facts, not this machine's: the export describes the recorded run.
    w.header(&output::Header {
        tracer: h.tracer.clone(),
        arch: h.arch.clone(),
        kernel: h.kernel.clone(),
        hops: h
            .mechanisms
            .iter()
            .map(|(f, m)| (interned(f), interned(m)))
            .collect(),
        boot_to_wall_ns: h.boot_to_wall(),
        scope: h.scope.clone(),
        snaplen: h.snaplen,
    })?;
    let mut calls = 0;
    let outcome = replay.run(&mut |ev| match ev {
        Event::Item(Item::Call(c)) if hidden(&c) => {
            w.observe(&c);
            Ok(())
        }
        Event::Item(Item::Call(c)) => {
            if let Some(k) = counting.as_mut() {
                k.table.add(&c);
            }
            calls += 1;
            w.call(&c)
        }
        Event::Item(Item::Proc(p)) => w.proc(&p),
        Event::Pending(c) if hidden(&c) => Ok(()),
        Event::Pending(c) => w.pending(&c),
        Event::Lost { ts_ns, count } => w.lost(ts_ns, count),
        Event::Start(s) => {
            w.fds_mut().begin(&s);
            Ok(())
        }
    })?;
    if let Some(end) = &outcome.end
        && let Some(c) = &end.command
    {
        w.command_exit(end.stopped_ns, c)?;
    }
    w.summary(&Summary {
        calls,
        lost: outcome.lost,
        decode_errors: outcome.decode_errors,
    })?;
    w.flush()?;
    if let Some(k) = counting {
        let table = k.table.render(k.sort);
        match k.out.as_mut() {
            Some(o) => {
                o.write_all(table.as_bytes())?;
                o.flush()?;
            }
            None => w.write_raw(table.as_bytes())?,
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::Arc;

    use super::*;
    use crate::recording::reader::Reader;
    use crate::recording::testdata::{Shared, header, pipe_recording, pipe_records};
    use crate::trace::Joiner;

    /// `file` (a recording in memory) exported as `format`.
    fn export_of(file: &[u8], format: ExportFormat) -> String {
        let replay = Replay::new(Reader::new(Cursor::new(file.to_vec()), None).unwrap());
        let out = Shared::default();
        export(replay, Box::new(out.clone()), format, TextOpts::default()).unwrap();
        String::from_utf8(out.bytes()).unwrap()
    }

    /// `export -c` writes the table alone; `-C` the trace, then the table, into the output.
    #[test]
    fn summary_tables_of_a_recording() {
        let run = |trace: bool| {
            let replay = Replay::new(Reader::new(Cursor::new(pipe_recording()), None).unwrap());
            let out = Shared::default();
            let mut c = Counting {
                table: summary::Table::default(),
                sort: SortBy::Calls,
                trace,
                out: None,
            };
            export_counting(
                replay,
                Box::new(out.clone()),
                ExportFormat::Text,
                TextOpts::default(),
                Some(&mut c),
                None,
            )
            .unwrap();
            String::from_utf8(out.bytes()).unwrap()
        };
        let alone = run(false);
        assert!(
            alone.starts_with("% time     seconds  usecs/call"),
            "{alone}"
        );
        assert!(alone.lines().last().unwrap().ends_with(" total"), "{alone}");
        let both = run(true);
        let (trace, table) = both.split_once("% time").unwrap();
        assert_eq!(format!("% time{table}"), alone);
        assert_eq!(trace, exported(ExportFormat::Text, false));
    }

    /// `export -e write -y`: only the writes, each descriptor described from the calls the
    /// filter hid (the pipe2 that made it).
    #[test]
    fn a_filtered_export_still_knows_the_descriptors() {
        let replay = Replay::new(Reader::new(Cursor::new(pipe_recording()), None).unwrap());
        let out = Shared::default();
        let text = TextOpts {
            detail: Detail::Paths,
            ..TextOpts::default()
        };
        let shown = Shown::parse(&["write".into()]).unwrap();
        export_counting(
            replay,
            Box::new(out.clone()),
            ExportFormat::Text,
            text,
            None,
            shown.as_ref(),
        )
        .unwrap();
        let text = String::from_utf8(out.bytes()).unwrap();
        let calls: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.contains("+++") && !l.contains("!!!"))
            .collect();
        assert!(!calls.is_empty(), "{text}");
        for l in &calls {
            assert!(l.contains(" write("), "{text}");
            assert!(l.contains("<pipe:["), "{text}");
        }
        let failed = Shown::parse(&["status=failed".into()]).unwrap().unwrap();
        assert!(failed.names.is_none());
        assert!(Shown::parse(&["nosuch".into()]).is_err());
        assert!(Shown::parse(&[]).unwrap().is_none());
    }

    fn exported(format: ExportFormat, kernel_path: bool) -> String {
        let file = pipe_recording();
        let replay = Replay::new(Reader::new(Cursor::new(file), None).unwrap());
        let out = Shared::default();
        let text = TextOpts {
            kernel_path,
            ..TextOpts::default()
        };
        export(replay, Box::new(out.clone()), format, text).unwrap();
        String::from_utf8(out.bytes()).unwrap()
    }

    /// What `tracer record --format F` writes for the same events: the header, each item as
    /// the joiner produces it, the lost count where it was seen, calls never finished, the
    /// summary.
    fn direct(format: Format, kernel_path: bool) -> String {
        let h = header();
        let out = Shared::default();
        let ksyms = Arc::new(crate::recording::header::ksyms(&h));
        let mut w = Writer::new(
            Box::new(out.clone()),
            format,
            h.boot_to_wall(),
            ksyms,
            kernel_path,
        );
        w.header(&output::Header {
            tracer: h.tracer.clone(),
            arch: h.arch.clone(),
            kernel: h.kernel.clone(),
            hops: vec![("do_pipe2", "kprobe")],
            boot_to_wall_ns: h.boot_to_wall(),
            scope: h.scope.clone(),
            snaplen: h.snaplen,
        })
        .unwrap();
        let mut joiner = Joiner::default();
        let mut calls = 0;
        for (i, r) in pipe_records().iter().enumerate() {
            let mut items = Vec::new();
            joiner.push(crate::event::decode(r).unwrap(), &mut |i| items.push(i));
            for item in items {
                match item {
                    Item::Call(c) => {
                        calls += 1;
                        w.call(&c).unwrap();
                    }
                    Item::Proc(p) => w.proc(&p).unwrap(),
                }
            }
            if i == 4 {
                w.lost(2_100, 3).unwrap();
            }
        }
        for c in joiner.drain() {
            calls += 1;
            w.call(&c).unwrap();
        }
        w.summary(&Summary {
            calls,
            lost: 3,
            decode_errors: 0,
        })
        .unwrap();
        w.flush().unwrap();
        String::from_utf8(out.bytes()).unwrap()
    }

    #[test]
    fn jsonl_and_text_exports_equal_a_direct_recording() {
        let jsonl = exported(ExportFormat::Jsonl, false);
        assert_eq!(jsonl, direct(Format::Jsonl, false));
        assert!(jsonl.contains(r#""syscall":"pipe2""#), "{jsonl}");
        assert!(
            jsonl.contains(
                r#""observed":[{"func":"do_pipe2","observed":true,"args":{"flags":0},"ret":0,"mech":"kprobe"}]"#
            ),
            "{jsonl}"
        );
        let text = exported(ExportFormat::Text, true);
        assert_eq!(text, direct(Format::Text, true));
        assert!(text.contains("* do_pipe2"), "{text}");
    }

    /// An export describes the recorded run: a recording made by another tracer on another
    /// architecture and kernel keeps their names in the JSON Lines header and the text one.
    #[test]
    fn the_header_names_the_recorded_machine_not_this_one() {
        use crate::recording::writer::Recorder;
        let h = crate::recording::format::Header {
            tracer: "0.0.7-recorder".into(),
            arch: "riscv64".into(),
            kernel: "6.99.0-elsewhere".into(),
            ..header()
        };
        let mut file = Vec::new();
        let mut r = Recorder::new(&mut file, &h).unwrap();
        for rec in pipe_records() {
            r.write_record(&rec).unwrap();
        }
        r.finish(5_000, None).unwrap();
        let exported = |format| export_of(&file, format);
        let jsonl = exported(ExportFormat::Jsonl);
        let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
        assert_eq!(first["type"], "header");
        assert_eq!(first["arch"], "riscv64", "{first}");
        assert_eq!(first["tracer"], "0.0.7-recorder", "{first}");
        assert_eq!(first["kernel"], "6.99.0-elsewhere", "{first}");
        assert_eq!(first["boot_to_wall_ns"], h.boot_to_wall_ns, "{first}");
        assert_eq!(first["scope"], h.scope.as_str(), "{first}");
        assert_eq!(first["snaplen"], h.snaplen, "{first}");
        let text = exported(ExportFormat::Text);
        assert!(
            text.starts_with("# tracer 0.0.7-recorder on Linux 6.99.0-elsewhere, tracing "),
            "{text}"
        );
    }

    #[test]
    fn a_32_bit_socketcall_recording_keeps_its_journey() {
        let file = crate::recording::testdata::socketcall_recording();
        let replay = Replay::new(Reader::new(Cursor::new(file), None).unwrap());
        let out = Shared::default();
        export(
            replay,
            Box::new(out.clone()),
            ExportFormat::Jsonl,
            TextOpts::default(),
        )
        .unwrap();
        let text = String::from_utf8(out.bytes()).unwrap();
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect();
        let call = crate::jsonl::inline_paths(records)
            .into_iter()
            .find(|v| v["type"] == "syscall")
            .expect("the bind");
        assert_eq!(call["syscall"], "bind");
        assert_eq!(
            (call["abi"].as_str(), call["entry"].as_str()),
            (Some("ia32"), Some("int80"))
        );
        assert_eq!(call["socketcall"]["name"], "SYS_BIND");
        assert_eq!(call["args"]["addr"]["path"], "/tmp/s");
        let steps: Vec<(String, bool)> = call["kernel_path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let name = s["func"].as_str().or(s["step"].as_str()).unwrap_or("");
                (name.to_string(), s["observed"] == true)
            })
            .collect();
        let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "no libc wrapper",
                "int80_emulation",
                "do_int80_emulation",
                "ia32_sys_call",
                "__ia32_compat_sys_socketcall",
                "copy_from_user",
                "switch (call)",
                "__sys_bind",
                "unix_bind"
            ]
        );
        let observed: Vec<&str> = steps
            .iter()
            .filter(|(_, o)| *o)
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            observed,
            ["__ia32_compat_sys_socketcall", "__sys_bind", "unix_bind"]
        );
    }
    /// The recorder counts losses on its tick, while records that happened before the tick
    /// may still wait in the ring: a lost frame can precede, in the file, calls made before it.
    /// The export places it by time, after the calls before it and before the events after it,
    /// in JSON Lines and text alike.
    #[test]
    fn lost_events_sit_between_the_calls_around_them() {
        use crate::recording::writer::Recorder;
        let mut file = Vec::new();
        {
            let mut r = Recorder::new(&mut file, &header()).unwrap();
            for (i, rec) in pipe_records().iter().enumerate() {
                r.write_record(rec).unwrap();
                // After the fork (2_000), before the write (3_000-3_100), the read's end
                // (3_500) and the child's exit (4_000): the tick at 3_200 found 3 lost.
                if i == 4 {
                    r.write_lost(3_200, 3).unwrap();
                }
            }
            // Dropped without its end frame: the flush keeps every frame.
        }
        let exported = |format| export_of(&file, format);
        let jsonl = exported(ExportFormat::Jsonl);
        let order: Vec<String> = jsonl
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["type"] != "path")
            .map(|v| match v["syscall"].as_str() {
                Some(name) => name.to_string(),
                None => v["type"].as_str().unwrap_or("?").to_string(),
            })
            .collect();
        assert_eq!(
            order,
            [
                "header", "pipe2", "fork", "write", "read", "lost", "exit", "summary"
            ],
            "{jsonl}"
        );
        assert!(
            jsonl.contains(r#"{"count":3,"ts_ns":3200,"type":"lost"}"#),
            "{jsonl}"
        );
        let text = exported(ExportFormat::Text);
        let line = |what: &str| text.lines().position(|l| l.contains(what));
        let lost = line("!!! 3 events lost");
        assert!(lost.is_some(), "{text}");
        assert!(line(" read(3, ") < lost, "{text}");
        assert!(line(" write(4, ") < lost, "{text}");
        assert!(lost < line("+++ exited"), "{text}");
    }
}
