//! The one decode boundary from ring buffer bytes to typed records. Every length is checked;
//! reads are unaligned; a malformed record is an error, never a panic.

use tracer_common::{
    CaptureHeader, ExecRecord, ForkRecord, HopRecord, REC_ENTER, REC_EXEC, REC_EXIT, REC_FORK,
    REC_HOP, REC_TASK_EXIT, RecordHeader, SyscallEnter, SyscallExit, TaskExitRecord,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("record of {got} bytes is shorter than its {need}-byte {what}")]
    Short {
        what: &'static str,
        need: usize,
        got: usize,
    },
    #[error("record says it is {claimed} bytes but {got} arrived")]
    SizeMismatch { claimed: usize, got: usize },
    #[error("unknown record kind {0}")]
    Kind(u16),
}

/// A copy of user memory made by the eBPF side. Its bytes are kept inline up to 16, and a
/// call's first copy on a side inline too ([`Caps`]): a call with one small copy a side (a
/// `read` or `write` of a few bytes) costs no allocation beyond its own box. The live view
/// keeps the newest 100,000 calls, and their many small allocations made the allocator's slow
/// paths a tenth of its reader's time; larger inline sizes (32 bytes, two copies) made every
/// call's box bigger and the export slower (cachegrind, docs/performance.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    pub hdr: CaptureHeader,
    pub data: CapBytes,
}

/// A copy's bytes.
pub type CapBytes = smallvec::SmallVec<[u8; 16]>;

/// A call's copies on one side.
pub type Caps = smallvec::SmallVec<[Capture; 1]>;

impl Capture {
    pub fn ok(&self) -> bool {
        self.hdr.status == tracer_common::CAP_OK
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Enter {
        hdr: RecordHeader,
        body: SyscallEnter,
        caps: Caps,
    },
    Exit {
        hdr: RecordHeader,
        body: SyscallExit,
        caps: Caps,
    },
    Fork {
        hdr: RecordHeader,
        body: ForkRecord,
    },
    Exec {
        hdr: RecordHeader,
        body: ExecRecord,
        filename: Vec<u8>,
        /// The new program's arguments (`CK_ARGV`), when the kernel side read them (not in
        /// recordings made before it did).
        argv: Option<Capture>,
    },
    TaskExit {
        hdr: RecordHeader,
        body: TaskExitRecord,
    },
    Hop {
        hdr: RecordHeader,
        body: HopRecord,
    },
}

fn read<T: Copy>(bytes: &[u8], at: usize, what: &'static str) -> Result<T, DecodeError> {
    let need = at + size_of::<T>();
    if bytes.len() < need {
        return Err(DecodeError::Short {
            what,
            need,
            got: bytes.len(),
        });
    }
    // SAFETY: the range is in bounds (checked above), `read_unaligned` has no alignment
    // requirement, and every `T` used here is a `#[repr(C)]` struct of integers for which any
    // bit pattern is valid.
    Ok(unsafe { std::ptr::read_unaligned(bytes.as_ptr().add(at).cast::<T>()) })
}

fn captures(bytes: &[u8], mut at: usize) -> Result<Caps, DecodeError> {
    let mut out = Caps::new();
    while at < bytes.len() {
        let hdr: CaptureHeader = read(bytes, at, "capture header")?;
        let start = at + size_of::<CaptureHeader>();
        let end = start + hdr.len as usize;
        if end > bytes.len() {
            return Err(DecodeError::Short {
                what: "capture",
                need: end,
                got: bytes.len(),
            });
        }
        out.push(Capture {
            hdr,
            data: CapBytes::from_slice(&bytes[start..end]),
        });
        at = start + ((hdr.len as usize + 7) & !7);
    }
    Ok(out)
}

/// The pid of the process whose exit `bytes` records (its last thread, the leader, exiting),
/// without decoding anything else: what a native recording needs to know on the capture path.
pub fn exited_process(bytes: &[u8]) -> Option<u32> {
    let hdr: RecordHeader = read(bytes, 0, "header").ok()?;
    (hdr.kind == REC_TASK_EXIT && hdr.pid == hdr.tid).then_some(hdr.pid)
}

/// An entry record's process, saved user `ip` and time (`CLOCK_BOOTTIME`), read at their
/// offsets without decoding the rest.
pub fn enter_ip(bytes: &[u8]) -> Option<(u32, u64, u64)> {
    let hdr: RecordHeader = read(bytes, 0, "header").ok()?;
    if hdr.kind != REC_ENTER {
        return None;
    }
    let at = size_of::<RecordHeader>() + std::mem::offset_of!(SyscallEnter, ip);
    let ip: u64 = read(bytes, at, "enter ip").ok()?;
    Some((hdr.pid, ip, hdr.ts_ns))
}

/// The record's process, read from its header alone.
pub fn pid(bytes: &[u8]) -> Option<u32> {
    read::<RecordHeader>(bytes, 0, "header").ok().map(|h| h.pid)
}

/// The record's kind (`REC_*`), read from its header alone.
pub fn kind(bytes: &[u8]) -> Option<u16> {
    read::<RecordHeader>(bytes, 0, "header")
        .ok()
        .map(|h| h.kind)
}

/// The records of one ring buffer sample, each as `decode` takes it. A sample is one record,
/// or a call's entry and exit joined (the kernel side holds an entry back on its CPU until the
/// exit, tracer-ebpf `Held` and `emit_joined`), each starting 8-aligned. The last record keeps whatever
/// follows it; a header claiming too little, or more than the sample holds, ends the list with
/// what is left, for `decode` to reject by name.
pub fn records(sample: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = sample;
    std::iter::from_fn(move || {
        if rest.len() < size_of::<RecordHeader>() {
            // The ring rounds a sample up to 8 bytes: padding, not a record.
            return None;
        }
        let size = read::<RecordHeader>(rest, 0, "header").map_or(0, |h| h.size as usize);
        let step = size.div_ceil(8) * 8;
        if size < size_of::<RecordHeader>() || step + size_of::<RecordHeader>() > rest.len() {
            return Some(std::mem::take(&mut rest));
        }
        let (one, more) = rest.split_at(step);
        rest = more;
        Some(one)
    })
}

/// Decode one ring buffer record.
pub fn decode(bytes: &[u8]) -> Result<Record, DecodeError> {
    let hdr: RecordHeader = read(bytes, 0, "header")?;
    let size = hdr.size as usize;
    // The ring buffer rounds records up to 8 bytes; the header's size is exact.
    if size > bytes.len() || size < size_of::<RecordHeader>() {
        return Err(DecodeError::SizeMismatch {
            claimed: size,
            got: bytes.len(),
        });
    }
    let bytes = &bytes[..size];
    let at = size_of::<RecordHeader>();
    Ok(match hdr.kind {
        REC_ENTER => {
            let body: SyscallEnter = read(bytes, at, "enter body")?;
            let caps = captures(bytes, at + size_of::<SyscallEnter>())?;
            Record::Enter { hdr, body, caps }
        }
        REC_EXIT => {
            let body: SyscallExit = read(bytes, at, "exit body")?;
            let caps = captures(bytes, at + size_of::<SyscallExit>())?;
            Record::Exit { hdr, body, caps }
        }
        REC_FORK => Record::Fork {
            hdr,
            body: read(bytes, at, "fork body")?,
        },
        REC_EXEC => {
            let body: ExecRecord = read(bytes, at, "exec body")?;
            let mut caps = captures(bytes, at + size_of::<ExecRecord>())?.into_iter();
            let mut filename = caps.next().map(|c| c.data.into_vec()).unwrap_or_default();
            if let Some(nul) = filename.iter().position(|b| *b == 0) {
                filename.truncate(nul);
            }
            Record::Exec {
                hdr,
                body,
                filename,
                argv: caps.find(|c| c.hdr.kind == tracer_common::CK_ARGV),
            }
        }
        REC_HOP => Record::Hop {
            hdr,
            body: read(bytes, at, "hop body")?,
        },
        REC_TASK_EXIT => Record::TaskExit {
            hdr,
            body: if bytes.len() == at + tracer_common::TASK_EXIT_RECORD_V1 {
                // Recorded before the exit code was: the comm alone, the code unknown.
                TaskExitRecord {
                    comm: read(bytes, at, "exit body")?,
                    ..TaskExitRecord::default()
                }
            } else {
                read(bytes, at, "exit body")?
            },
        },
        k => return Err(DecodeError::Kind(k)),
    })
}

/// A C string from a fixed array (a `comm`), escaped ([`crate::escape::name`]): the traced
/// program chose it, and every output shows it.
pub fn cstr(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    crate::escape::name(&bytes[..end])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn bytes_of<T: Copy>(v: &T) -> Vec<u8> {
        // SAFETY: `T` is a plain `#[repr(C)]` struct; viewing its bytes is sound.
        unsafe { std::slice::from_raw_parts(std::ptr::from_ref(v).cast::<u8>(), size_of::<T>()) }
            .to_vec()
    }

    /// Encode an enter record the way the eBPF side does.
    pub(crate) fn enter_record(body: SyscallEnter, caps: &[(CaptureHeader, &[u8])]) -> Vec<u8> {
        let mut out = bytes_of(&RecordHeader {
            kind: REC_ENTER,
            ..RecordHeader::default()
        });
        out.extend(bytes_of(&body));
        with_caps(out, caps)
    }

    /// Append captures as the eBPF side lays them out (8-byte aligned) and set the size.
    fn with_caps(mut out: Vec<u8>, caps: &[(CaptureHeader, &[u8])]) -> Vec<u8> {
        for (h, data) in caps {
            let mut h = *h;
            h.len = data.len() as u16;
            out.extend(bytes_of(&h));
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(8), 0);
        }
        let size = out.len() as u32;
        out[4..8].copy_from_slice(&size.to_ne_bytes());
        out
    }

    #[test]
    fn round_trip_enter_with_captures() {
        let body = SyscallEnter {
            nr: 49,
            row: 1,
            args: [3, 0x1000, 110, 0, 0, 0],
            ..Default::default()
        };
        let rec = enter_record(
            body,
            &[(
                CaptureHeader {
                    kind: 1,
                    ..Default::default()
                },
                b"\x01\x00/tmp/x",
            )],
        );
        let Record::Enter { body: b, caps, .. } = decode(&rec).unwrap() else {
            panic!()
        };
        assert_eq!(b, body);
        assert_eq!(caps.len(), 1);
        assert_eq!(&caps[0].data[..], b"\x01\x00/tmp/x");
    }

    /// A task's exit with its status; a recording's from before the status was recorded (the
    /// comm alone) decodes with the status unknown.
    #[test]
    fn task_exits_old_and_new() {
        let exit = |body: &[u8]| {
            let mut out = bytes_of(&RecordHeader {
                kind: REC_TASK_EXIT,
                ..RecordHeader::default()
            });
            out.extend_from_slice(body);
            let size = out.len() as u32;
            out[4..8].copy_from_slice(&size.to_ne_bytes());
            out
        };
        let new = TaskExitRecord {
            comm: *b"sh\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            exit_code: 7 << 8,
            flags: tracer_common::EXIT_CODE_KNOWN,
        };
        let Record::TaskExit { body, .. } = decode(&exit(&bytes_of(&new))).unwrap() else {
            panic!()
        };
        assert_eq!(body, new);
        let Record::TaskExit { body, .. } = decode(&exit(&new.comm)).unwrap() else {
            panic!()
        };
        assert_eq!((body.comm, body.flags), (new.comm, 0));
        assert!(decode(&exit(&new.comm[..15])).is_err());
    }

    /// An exec record: the file name, then (from this version on) the argv capture; one
    /// recorded before holds the file name alone and decodes without argv.
    #[test]
    fn exec_records_old_and_new() {
        let exec = |caps: &[(CaptureHeader, &[u8])]| {
            let mut out = bytes_of(&RecordHeader {
                kind: REC_EXEC,
                ..RecordHeader::default()
            });
            out.extend(bytes_of(&ExecRecord {
                comm: *b"cat\0\0\0\0\0\0\0\0\0\0\0\0\0",
            }));
            with_caps(out, caps)
        };
        let name = (
            CaptureHeader {
                kind: tracer_common::CK_STR,
                ..Default::default()
            },
            &b"/usr/bin/cat\0"[..],
        );
        let argv = (
            CaptureHeader {
                op: tracer_common::OP_INDEX_EXEC,
                kind: tracer_common::CK_ARGV,
                want: 4,
                ..Default::default()
            },
            &b"\x01\0\0\0\x01\0\0\0cat\0"[..],
        );
        let Record::Exec {
            filename, argv: a, ..
        } = decode(&exec(&[name])).unwrap()
        else {
            panic!()
        };
        assert_eq!((filename.as_slice(), a), (&b"/usr/bin/cat"[..], None));
        let Record::Exec {
            filename, argv: a, ..
        } = decode(&exec(&[name, argv])).unwrap()
        else {
            panic!()
        };
        assert_eq!(filename, b"/usr/bin/cat");
        assert_eq!(&a.unwrap().data[..], argv.1);
    }

    #[test]
    fn truncated_records_are_errors() {
        let body = SyscallEnter::default();
        let rec = enter_record(body, &[(CaptureHeader::default(), b"abcdef")]);
        for cut in [0, 3, 23, 24, 100, rec.len() - 1] {
            assert!(decode(&rec[..cut]).is_err(), "cut at {cut}");
        }
        // A capture header claiming more bytes than the record holds.
        let mut bad = rec.clone();
        let cap_at = size_of::<RecordHeader>() + size_of::<SyscallEnter>();
        bad[cap_at + 4..cap_at + 6].copy_from_slice(&500u16.to_ne_bytes());
        assert!(matches!(decode(&bad), Err(DecodeError::Short { .. })));
    }

    #[test]
    fn a_sample_holds_one_record_or_a_joined_entry_and_exit() {
        let enter = enter_record(
            SyscallEnter {
                nr: 1,
                ..Default::default()
            },
            &[(CaptureHeader::default(), b"x")],
        );
        let mut exit = bytes_of(&RecordHeader {
            kind: REC_EXIT,
            size: (size_of::<RecordHeader>() + size_of::<SyscallExit>()) as u32,
            ..Default::default()
        });
        exit.extend(bytes_of(&SyscallExit {
            nr: 1,
            ret: 1,
            ..Default::default()
        }));
        let joined = [enter.clone(), exit.clone()].concat();
        let got: Vec<&[u8]> = records(&joined).collect();
        assert_eq!(got, [&enter[..], &exit[..]]);
        assert!(matches!(decode(got[0]), Ok(Record::Enter { .. })));
        assert!(matches!(decode(got[1]), Ok(Record::Exit { .. })));
        // One record alone, the ring's padding after it kept with it, as before.
        let mut padded = exit.clone();
        padded.extend([0; 4]);
        assert_eq!(records(&padded).collect::<Vec<_>>(), [&padded[..]]);
        // A header that claims more than the sample holds, or less than a header: what is
        // left goes to `decode`, which says what is wrong; nothing loops or panics.
        let mut lying = joined.clone();
        lying[4..8].copy_from_slice(&10_000u32.to_ne_bytes());
        let got: Vec<&[u8]> = records(&lying).collect();
        assert_eq!(got.len(), 1);
        assert!(decode(got[0]).is_err());
        let mut zero = joined.clone();
        zero[enter.len() + 4..enter.len() + 8].copy_from_slice(&0u32.to_ne_bytes());
        let got: Vec<&[u8]> = records(&zero).collect();
        assert_eq!(got.len(), 2);
        assert!(decode(got[1]).is_err());
        assert_eq!(records(&[]).count(), 0);
    }

    #[test]
    fn unknown_kind() {
        let mut rec = bytes_of(&RecordHeader {
            kind: 99,
            size: 24,
            ..Default::default()
        });
        rec.resize(24, 0);
        assert_eq!(decode(&rec), Err(DecodeError::Kind(99)));
    }
}
