//! `tracer walkthrough LESSON --from REC.tracer`: the lesson told with the values of a saved
//! native recording of its demo (`tracer record -o REC.tracer -- tracer demo NAME`), so that an
//! instructor records once, as root, and anyone prints the handout without privileges. The
//! recording goes through the same replay and JSON Lines writer as `tracer export`, so a lesson
//! reads exactly the records a live walkthrough's `tracer record --format jsonl` gives it.
//! Nothing here loads eBPF or needs root.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use super::{Lang, LessonDef, Run};
use crate::escape;
use crate::export::{ExportFormat, export};
use crate::recording::replay::Replay;

/// The recordings of a lesson's demos, read.
pub struct Recorded {
    pub run: Run,
    /// `uname -r` of the machine that recorded (the first recording's).
    pub kernel: String,
    /// The files, escaped for a terminal, in the lesson's demo order.
    pub files: Vec<String>,
    /// The smallest `-s` they were recorded with.
    pub snaplen: u32,
}

/// Reads one recording per demo of `def` (in any order) and tags each record with its demo,
/// as a live run does. Each file must be a recording of `tracer demo NAME` for one of the
/// lesson's demos; every demo needs one.
pub fn load(def: &LessonDef, paths: &[PathBuf]) -> Result<Recorded> {
    let record_hint =
        |d: &str| format!("record it with `sudo tracer record -s 256 -o FILE -- tracer demo {d}`");
    let mut found: Vec<Option<(String, String, Vec<Value>)>> = vec![None; def.demos.len()];
    let mut snaplen = u32::MAX;
    for path in paths {
        let shown = escape::path(path);
        let (demo, kernel, records, snap) = read(path, &shown)?;
        snaplen = snaplen.min(snap);
        let Some(i) = def.demos.iter().position(|d| *d == demo) else {
            let wanted = def
                .demos
                .iter()
                .map(|d| format!("`tracer demo {d}`"))
                .collect::<Vec<_>>()
                .join(", ");
            bail!(
                "{shown} is a recording of `tracer demo {demo}`, not of the {} lesson's {wanted}",
                def.name
            );
        };
        if found[i].is_some() {
            bail!("{shown} is a second recording of `tracer demo {demo}`: give one per demo");
        }
        found[i] = Some((shown, kernel, records));
    }
    let mut run = Run {
        records: Vec::new(),
    };
    let (mut kernel, mut files) = (None, Vec::new());
    for (demo, f) in def.demos.iter().zip(found) {
        let Some((shown, k, mut records)) = f else {
            bail!(
                "the {} lesson needs a recording of `tracer demo {demo}` too: {}",
                def.name,
                record_hint(demo)
            );
        };
        for r in &mut records {
            if let Value::Object(m) = r {
                m.insert("demo".into(), Value::from(*demo));
            }
        }
        run.records.append(&mut records);
        kernel.get_or_insert(k);
        files.push(shown);
    }
    Ok(Recorded {
        run,
        kernel: kernel.unwrap_or_default(),
        files,
        snaplen,
    })
}

/// One recording: the demo it ran, the kernel it ran on, its records as JSON Lines values, its
/// snap length.
fn read(path: &Path, shown: &str) -> Result<(String, String, Vec<Value>, u32)> {
    let replay = Replay::open(path).map_err(|e| anyhow!("{shown}: {e}"))?;
    let header = replay.header();
    let Some(demo) = demo_of(&header.scope) else {
        bail!(
            "{shown} is not a recording of a tracer demo (it traced {}): record the lesson's demo \
             with `sudo tracer record -s 256 -o FILE -- tracer demo NAME`",
            header.scope
        );
    };
    let (demo, kernel, snaplen) = (demo.to_string(), header.kernel.clone(), header.snaplen);
    let buf = Buffer::default();
    let outcome = export(
        replay,
        Box::new(buf.clone()),
        ExportFormat::Jsonl,
        crate::output::TextOpts::default(),
    )
    .map_err(|e| anyhow!("{shown}: {e}"))?;
    match outcome.damage {
        Some(e) if e.is_truncation() => eprintln!("tracer: warning: {shown}: {e}"),
        Some(e) => bail!("{shown}: {e}"),
        None => {}
    }
    if outcome.decode_errors > 0 {
        eprintln!(
            "tracer: {shown}: {} records could not be decoded (written by a different tracer?)",
            outcome.decode_errors
        );
    }
    let bytes = buf.0.take();
    let records = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(serde_json::from_slice)
        .collect::<Result<Vec<Value>, _>>()
        .map_err(|e| anyhow!("{shown}: reading its export: {e}"))?;
    let records = crate::jsonl::inline_paths(records);
    Ok((demo, kernel, records, snaplen))
}

/// The demo a recording's scope ran: `command "/usr/bin/tracer demo pipe"` gives `pipe` (the
/// scope `tracer record` writes; src/record.rs, `scope_desc`). The command must be a tracer
/// (any path to it) running `demo NAME`.
pub fn demo_of(scope: &str) -> Option<&str> {
    let cmd = scope.strip_prefix("command \"")?.strip_suffix('"')?;
    let words: Vec<&str> = cmd.split_whitespace().collect();
    match words.as_slice() {
        [.., exe, "demo", name] if Path::new(exe).file_name()? == "tracer" => Some(name),
        _ => None,
    }
}

/// Where the values came from, for a lesson printed from recordings: the files and the kernel
/// they were made on; and, when this machine runs another kernel, that the kernel functions
/// were checked against this one.
pub fn source(rec: &Recorded, demos: &[&str], running: &str, lang: Lang) -> String {
    let runs = demos
        .iter()
        .zip(&rec.files)
        .map(|(d, f)| format!("{f} (`tracer demo {d}`)"))
        .collect::<Vec<_>>()
        .join(", ");
    let kernel = &rec.kernel;
    let mut s = t!(
        lang,
        "Values from the recording {runs}, made on Linux {kernel}.",
        "数值取自录制文件 {runs}，录制于 Linux {kernel}。"
    );
    if *kernel != running {
        s.push(' ');
        s.push_str(&t!(
            lang,
            "The kernel functions are checked against this machine's Linux {running}.",
            "内核函数按本机的 Linux {running} 核对。"
        ));
    }
    s
}

/// When a lesson printed from recordings still lacks values and they were recorded with a
/// shorter `-s` than a live walkthrough uses: the lessons that quote a demo's own report lines
/// (`uds-perms`, `mmap`) find them cut. One line for standard error, saying how to record.
pub fn short_snaplen_warning(rec: &Recorded, demos: &[&str]) -> Option<String> {
    (rec.snaplen < super::SNAPLEN).then(|| {
        format!(
            "warning: recorded with -s {}: payloads were cut at {} bytes, and the values this lesson \
             reads from them are missing; record with `sudo tracer record -s {} -o FILE -- tracer demo {}`",
            rec.snaplen,
            rec.snaplen,
            super::SNAPLEN,
            demos.first().copied().unwrap_or_default()
        )
    })
}

/// A `Write` the export fills and this module reads back (`export` takes a `Box<dyn Write>`).
#[derive(Clone, Default)]
struct Buffer(Rc<RefCell<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::recording::reader::Reader;
    use crate::recording::testdata::{header, pipe_records};
    use crate::recording::writer::Recorder;
    use crate::walkthrough::LESSONS;

    #[test]
    fn the_demo_is_read_from_the_scope() {
        assert_eq!(
            demo_of(r#"command "/work/target/release/tracer demo pipe""#),
            Some("pipe")
        );
        assert_eq!(
            demo_of(r#"command "tracer demo uds-stream""#),
            Some("uds-stream")
        );
        assert_eq!(demo_of(r#"command "cat demo pipe""#), None);
        assert_eq!(demo_of(r#"command "tracer demo""#), None);
        assert_eq!(demo_of("pids [12]"), None);
        assert_eq!(demo_of("all processes"), None);
    }

    fn recording(scope: &str) -> tempfile::NamedTempFile {
        let h = crate::recording::format::Header {
            scope: scope.into(),
            ..header()
        };
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let mut r = Recorder::new(file.as_file_mut(), &h).unwrap();
        for rec in pipe_records() {
            r.write_record(&rec).unwrap();
        }
        r.finish(5_000, None).unwrap();
        file
    }

    fn lesson(name: &str) -> &'static LessonDef {
        LESSONS.iter().find(|l| l.name == name).unwrap()
    }

    #[test]
    fn a_recording_of_the_lessons_demo_gives_its_records_tagged() {
        let f = recording(r#"command "/usr/bin/tracer demo pipe""#);
        let rec = load(lesson("pipe"), &[f.path().to_path_buf()]).unwrap();
        let pipe2 = rec.run.find(|c| c["syscall"] == "pipe2").unwrap();
        assert_eq!(pipe2["demo"], "pipe");
        assert_eq!(rec.kernel, header().kernel);
        // The same records as the replay gives `tracer export`.
        let replay =
            Replay::new(Reader::new(Cursor::new(std::fs::read(f.path()).unwrap()), None).unwrap());
        let buf = Buffer::default();
        export(
            replay,
            Box::new(buf.clone()),
            ExportFormat::Jsonl,
            crate::output::TextOpts::default(),
        )
        .unwrap();
        let n = buf
            .0
            .take()
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty() && !l.starts_with(br#"{"type":"path""#))
            .count();
        assert_eq!(rec.run.records.len(), n);
    }

    #[test]
    fn the_wrong_demo_or_a_missing_one_is_one_line_naming_it() {
        let fifo = recording(r#"command "tracer demo fifo""#);
        let e = load(lesson("pipe"), &[fifo.path().to_path_buf()])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains(
                "is a recording of `tracer demo fifo`, not of the pipe lesson's `tracer demo pipe`"
            ),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
        let ls = recording(r#"command "/bin/ls -l""#);
        let e = load(lesson("pipe"), &[ls.path().to_path_buf()])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("is not a recording of a tracer demo"), "{e}");
        let stream = recording(r#"command "tracer demo uds-stream""#);
        let e = load(lesson("uds"), &[stream.path().to_path_buf()])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("needs a recording of `tracer demo uds-dgram` too"),
            "{e}"
        );
        let e = load(
            lesson("uds"),
            &[stream.path().to_path_buf(), stream.path().to_path_buf()],
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.contains("a second recording of `tracer demo uds-stream`"),
            "{e}"
        );
        let junk = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(junk.path(), b"not a recording").unwrap();
        let e = load(lesson("pipe"), &[junk.path().to_path_buf()])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(e.lines().count(), 1, "{e}");
    }

    #[test]
    fn the_source_names_the_files_and_both_kernels_when_they_differ() {
        let rec = Recorded {
            run: Run {
                records: Vec::new(),
            },
            kernel: "6.18.44".into(),
            files: vec!["pipe.tracer".into()],
            snaplen: 256,
        };
        let same = source(&rec, &["pipe"], "6.18.44", Lang::En);
        assert_eq!(
            same,
            "Values from the recording pipe.tracer (`tracer demo pipe`), made on Linux 6.18.44."
        );
        let other = source(&rec, &["pipe"], "6.1.0", Lang::Zh);
        assert!(
            other.contains("录制于 Linux 6.18.44") && other.contains("本机的 Linux 6.1.0"),
            "{other}"
        );
    }
}
