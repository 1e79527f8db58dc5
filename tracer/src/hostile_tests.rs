//! Names with every byte value, as a traced program (`prctl(PR_SET_NAME)`, the file it
//! execs) or a crafted recording could choose them, through every renderer that writes text:
//! strace-like text, JSON Lines, an export's header, and the live view's panes. Nothing a
//! terminal acts on may survive (`escape::is_inert`).

use std::io::Cursor;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tracer_common::{
    ABI_X86_64, ENTRY_SYSCALL, ExecRecord, RecordHeader, SyscallEnter, SyscallExit,
};

use crate::escape::is_inert;
use crate::event::Record;
use crate::export::{ExportFormat, export};
use crate::kernel::ksyms::Ksyms;
use crate::output::{Format, Writer};
use crate::recording::reader::Reader;
use crate::recording::replay::Replay;
use crate::recording::testdata::{Shared, header, pipe_records};
use crate::recording::writer::Recorder;
use crate::trace::{Item, Joiner};

/// Every byte value alone between printable ones, every byte value twice after a UTF-8 lead
/// byte (C1 controls are `c2 80..c2 9f`), every byte at once, and known attacks: a terminal
/// title change, an 8-bit CSI, a right-to-left override.
fn hostile() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b'x', b, b'1']).collect();
    v.extend((0..=255u8).map(|b| vec![0xc2, b, 0xe2, 0x80, b]));
    v.push((1..=255u8).collect());
    v.push(b"\x1b]0;owned\x07\x1b[2J\x1b[1;1Hroot# ".to_vec());
    v.push("\u{9b}2J\u{202e}txt.exe".as_bytes().to_vec());
    v
}

fn comm(name: &[u8]) -> [u8; 16] {
    let mut c = [0u8; 16];
    // The kernel keeps 15 bytes and a NUL; a NUL inside ends the name, as in the kernel.
    for (d, s) in c.iter_mut().zip(name.iter().take(15)) {
        *d = *s;
    }
    c
}

fn hdr(kind: u16, ts_ns: u64) -> RecordHeader {
    RecordHeader {
        kind,
        abi: ABI_X86_64,
        entry: ENTRY_SYSCALL,
        size: 0,
        ts_ns,
        pid: 42,
        tid: 42,
    }
}

/// The items the joiner makes of an exec of `name` by a process called `name`, and a call of
/// that process.
fn items(name: &[u8]) -> Vec<Item> {
    let row = (0..)
        .map_while(crate::syscalls::row)
        .position(|r| r.name == "close")
        .expect("a close row") as u16;
    let nr = 3;
    let mut out = Vec::new();
    let mut j = Joiner::default();
    let recs = [
        Record::Exec {
            hdr: hdr(tracer_common::REC_EXEC, 10),
            body: ExecRecord { comm: comm(name) },
            filename: name.to_vec(),
            argv: None,
        },
        Record::Enter {
            hdr: hdr(tracer_common::REC_ENTER, 20),
            body: SyscallEnter {
                nr,
                row,
                comm: comm(name),
                ..Default::default()
            },
            caps: crate::event::Caps::new(),
        },
        Record::Exit {
            hdr: hdr(tracer_common::REC_EXIT, 30),
            body: SyscallExit {
                nr,
                row,
                ret: 0,
                ..Default::default()
            },
            caps: crate::event::Caps::new(),
        },
    ];
    for r in recs {
        j.push(r, &mut |i| out.push(i));
    }
    assert_eq!(out.len(), 2, "an exec and a call");
    out
}

fn assert_inert(what: &str, input: &[u8], text: &str) {
    for line in text.lines() {
        assert!(
            is_inert(line),
            "{what}: {input:x?} reached the output raw: {line:?}"
        );
    }
}

#[test]
fn strace_text_and_json_lines() {
    for name in hostile() {
        for format in [Format::Text, Format::Jsonl] {
            let out = Shared::default();
            let mut w = Writer::new(
                Box::new(out.clone()),
                format,
                0,
                Arc::new(Ksyms::default()),
                true,
            );
            for item in items(&name) {
                match item {
                    Item::Call(c) => w.call(&c).unwrap(),
                    Item::Proc(p) => w.proc(&p).unwrap(),
                }
            }
            w.flush().unwrap();
            let text = String::from_utf8(out.bytes()).expect("UTF-8 output");
            assert_inert(&format!("{format:?}"), &name, &text);
        }
    }
}

#[test]
fn the_live_view() {
    use crate::live::app_for_tests as live;
    for name in hostile() {
        let mut app = live::app();
        for item in items(&name) {
            live::feed(&mut app, item);
        }
        for pane in 0..live::PANES {
            let mut t = Terminal::new(TestBackend::new(100, 30)).expect("a test terminal");
            let text = live::screen(&mut t, &mut app, pane);
            assert_inert(&format!("pane {pane}"), &name, &text);
        }
    }
}

/// A recording is a file anyone can write: its header's text is escaped as it is read.
#[test]
fn a_crafted_recordings_header() {
    for name in hostile() {
        let s = String::from_utf8_lossy(&name).into_owned();
        let mut h = header();
        h.tracer.clone_from(&s);
        h.kernel.clone_from(&s);
        h.arch.clone_from(&s);
        h.scope.clone_from(&s);
        h.mechanisms.insert(s.clone(), s.clone());
        let mut file = Vec::new();
        let mut r = Recorder::new(&mut file, &h).unwrap();
        for rec in pipe_records() {
            r.write_record(&rec).unwrap();
        }
        r.finish(5_000, None).unwrap();
        for format in [ExportFormat::Text, ExportFormat::Jsonl] {
            let replay = Replay::new(Reader::new(Cursor::new(&file), None).unwrap());
            let out = Shared::default();
            export(
                replay,
                Box::new(out.clone()),
                format,
                crate::output::TextOpts {
                    kernel_path: true,
                    detail: crate::fds::Detail::Full,
                },
            )
            .unwrap();
            let text = String::from_utf8(out.bytes()).expect("UTF-8 output");
            assert_inert(&format!("{format:?} export"), &name, &text);
        }
    }
}
