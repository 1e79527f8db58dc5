//! Records name their syscall-table row and their libc wrapper by index into tables compiled
//! into the tracer that recorded them. A recording carries those tables by name; when this
//! tracer's differ (a row added, moved or removed), each index is mapped by name before
//! decoding, so an old recording decodes as it did. A name this tracer no longer has maps to an
//! index outside its table: the joiner counts such records instead of misreading them.
//!
//! Records whose layout changed are brought up to date the same way: an enter body of format
//! version 1 has no saved user `ip` (its last field since version 2); it gets a zero one, which
//! the journeys show as not recorded.

use std::collections::HashMap;
use std::mem::offset_of;

use tracer_common::{
    HopRecord, MECH_UPROBE, REC_ENTER, REC_EXIT, REC_HOP, RecordHeader, SyscallEnter, SyscallExit,
};

use crate::kernel::libc::WRAPPERS;
use crate::syscalls::ROWS;

use super::format::Header;

const HDR: usize = size_of::<RecordHeader>();
const ENTER_ROW: usize = HDR + offset_of!(SyscallEnter, row);
const EXIT_ROW: usize = HDR + offset_of!(SyscallExit, row);
const HOP_IP: usize = HDR + offset_of!(HopRecord, func_ip);
const HOP_MECH: usize = HDR + offset_of!(HopRecord, mech);
/// Where version 2 put the enter body's `ip`: the end of a version 1 body.
const ENTER_IP: usize = HDR + offset_of!(SyscallEnter, ip);
const IP_LEN: usize = size_of::<u64>();
const SIZE_AT: usize = offset_of!(RecordHeader, size);

/// Old index -> this tracer's index, when the tables differ.
#[derive(Debug, Default)]
pub struct Remap {
    rows: Option<Vec<u16>>,
    wrappers: Option<Vec<u16>>,
    /// Format version 1: enter bodies lack the `ip`.
    enter_without_ip: bool,
}

/// Map `old` names to indices in `new`; `None` when they are the same (or `old` is absent, as
/// in a recording that predates these fields). A name that occurs twice (two `msgrcv` rows:
/// the syscall and its ipc() form) maps its n-th occurrence to the n-th.
fn table(old: &[String], new: &[&str]) -> Option<Vec<u16>> {
    if old.is_empty() || old.iter().map(String::as_str).eq(new.iter().copied()) {
        return None;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    Some(
        old.iter()
            .map(|name| {
                let n = seen.entry(name).or_default();
                let found = new.iter().enumerate().filter(|(_, x)| **x == name).nth(*n);
                *n += 1;
                found.map_or(u16::MAX, |(i, _)| i as u16)
            })
            .collect(),
    )
}

fn u16_at(raw: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(raw.get(at..at + 2)?.try_into().ok()?))
}

impl Remap {
    pub fn new(h: &Header) -> Remap {
        let rows: Vec<&str> = ROWS.iter().map(|r| r.name).collect();
        let wrappers: Vec<&str> = WRAPPERS.iter().map(|(w, _)| *w).collect();
        Remap {
            rows: table(&h.rows, &rows),
            wrappers: table(&h.wrappers, &wrappers),
            enter_without_ip: h.format_version < 2,
        }
    }

    pub fn is_identity(&self) -> bool {
        self.rows.is_none() && self.wrappers.is_none() && !self.enter_without_ip
    }

    /// `raw` with its indices mapped (a copy in `scratch`), or `raw` itself when nothing
    /// changes. Records too short to hold a field are left to the decoder to refuse.
    pub fn apply<'a>(&self, raw: &'a [u8], scratch: &'a mut Vec<u8>) -> &'a [u8] {
        if self.is_identity() {
            return raw;
        }
        // A uprobe hop's cookie keeps its wrapper in its low 16 bits: its first two bytes on
        // this little-endian architecture.
        let (at, map) = match u16_at(raw, 0) {
            Some(REC_ENTER) => (ENTER_ROW, &self.rows),
            Some(REC_EXIT) => (EXIT_ROW, &self.rows),
            Some(REC_HOP) if raw.get(HOP_MECH) == Some(&MECH_UPROBE) => (HOP_IP, &self.wrappers),
            _ => return raw,
        };
        // The row is before the `ip`: widening does not move it.
        let widen = self.enter_without_ip && at == ENTER_ROW;
        let new = map.as_ref().and_then(|map| {
            let old = u16_at(raw, at)?;
            Some(map.get(usize::from(old)).copied().unwrap_or(u16::MAX))
        });
        if widen {
            if with_ip(raw, scratch).is_none() {
                return raw;
            }
        } else if new.is_some() {
            scratch.clear();
            scratch.extend_from_slice(raw);
        } else {
            return raw;
        }
        if let Some(new) = new {
            scratch[at..at + 2].copy_from_slice(&new.to_ne_bytes());
        }
        scratch
    }
}

/// A version 1 enter record, in `scratch` with a zero `ip` inserted where version 2 has it and
/// the header's size grown to match; `None` for a record too short to hold a version 1 body
/// (left to the decoder to refuse).
fn with_ip(raw: &[u8], scratch: &mut Vec<u8>) -> Option<()> {
    let size = u32::from_ne_bytes(raw.get(SIZE_AT..SIZE_AT + 4)?.try_into().ok()?);
    if raw.len() < ENTER_IP || (size as usize) < ENTER_IP {
        return None;
    }
    scratch.clear();
    scratch.extend_from_slice(&raw[..ENTER_IP]);
    scratch.extend_from_slice(&[0; IP_LEN]);
    scratch.extend_from_slice(&raw[ENTER_IP..]);
    let grown = size.checked_add(IP_LEN as u32)?;
    scratch[SIZE_AT..SIZE_AT + 4].copy_from_slice(&grown.to_ne_bytes());
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{self, Record};
    use crate::recording::testdata;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn tables_map_by_name_and_occurrence() {
        assert_eq!(table(&names(&["a", "b"]), &["a", "b"]), None);
        assert_eq!(table(&[], &["a"]), None);
        assert_eq!(
            table(&names(&["b", "m", "gone", "m"]), &["a", "m", "b", "m"]),
            Some(vec![2, 1, u16::MAX, 3])
        );
    }

    #[test]
    fn an_older_table_decodes_as_recorded() {
        // The recording tracer had `write` where this one has `read`, and the other way round.
        let mut rows: Vec<String> = ROWS.iter().map(|r| r.name.to_string()).collect();
        let (r, w) = (
            rows.iter().position(|n| n == "read").unwrap(),
            rows.iter().position(|n| n == "write").unwrap(),
        );
        rows.swap(r, w);
        let h = Header {
            rows,
            ..testdata::header()
        };
        let remap = Remap::new(&h);
        assert!(!remap.is_identity());
        // A record naming row `r` meant `write` when it was recorded.
        let raw = testdata::enter(1, 1, 1, "read", [0; 6], &[]);
        let mut scratch = Vec::new();
        let Ok(Record::Enter { body, .. }) = event::decode(remap.apply(&raw, &mut scratch)) else {
            panic!()
        };
        assert_eq!(ROWS[body.row as usize].name, "write");
        // Process records pass through untouched.
        let short = [3u8, 0, 0];
        assert_eq!(remap.apply(&short, &mut scratch), &short);
    }

    #[test]
    fn a_version_1_recording_decodes_with_no_ip() {
        // Written by the tracer before the enter body had an `ip`, kept so in the corpus.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/corpus/reader/pipe-v1.tracer"
        );
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(bytes[7], 1, "the corpus file is a version 1 recording");
        let mut replay = super::super::replay::Replay::new(
            super::super::reader::Reader::new(std::io::Cursor::new(bytes), None).unwrap(),
        );
        let mut calls = Vec::new();
        while replay
            .step(&mut |e| {
                if let super::super::replay::Event::Item(crate::trace::Item::Call(c)) = e {
                    calls.push(c);
                }
                Ok(())
            })
            .unwrap()
        {}
        assert_eq!(replay.outcome().decode_errors, 0);
        assert!(calls.iter().any(|c| c.row.name == "pipe2"), "{calls:?}");
        assert!(calls.iter().all(|c| c.user_ip == 0));
        // A version 1 enter record cut inside its body is left for the decoder to refuse.
        let h = Header {
            format_version: 1,
            ..testdata::header()
        };
        let remap = Remap::new(&h);
        let mut scratch = Vec::new();
        let short = testdata::enter(1, 1, 1, "read", [0; 6], &[]);
        assert_eq!(remap.apply(&short[..40], &mut scratch), &short[..40]);
    }
}
