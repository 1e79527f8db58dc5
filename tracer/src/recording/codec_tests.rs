//! The frame codec: round trips, and every kind of damage a file can have.

use std::io::{self, Cursor, Write};

use super::format::{FORMAT_VERSION, KIND_HEADER, KIND_LOST, MAGIC, MAX_PAYLOAD, frame_header};
use super::reader::{Frame, ReadError, Reader};
use super::testdata::{header, pipe_recording, pipe_records};
use super::writer::Recorder;

fn read_all(bytes: &[u8], sized: bool) -> Result<(Vec<Frame>, Option<ReadError>), ReadError> {
    read_all_from(Cursor::new(bytes), bytes.len(), sized)
}

/// [`read_all`] through a buffer of `cap` bytes: frames that straddle its end are copied out
/// ([`Reader`]'s other path); with the whole input in its buffer (a `Cursor`), every frame is
/// read in place.
fn read_small(
    bytes: &[u8],
    cap: usize,
    sized: bool,
) -> Result<(Vec<Frame>, Option<ReadError>), ReadError> {
    read_all_from(
        io::BufReader::with_capacity(cap, Cursor::new(bytes)),
        bytes.len(),
        sized,
    )
}

fn read_all_from(
    input: impl io::BufRead,
    len: usize,
    sized: bool,
) -> Result<(Vec<Frame>, Option<ReadError>), ReadError> {
    let size = sized.then_some(len as u64);
    let r = Reader::new(input, size)?;
    let mut frames = Vec::new();
    for f in r {
        match f {
            Ok(f) => frames.push(f),
            Err(e) => return Ok((frames, Some(e))),
        }
    }
    Ok((frames, None))
}

/// Where each frame starts, after the header.
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let mut at = 8;
    let mut starts = Vec::new();
    while at + 9 <= bytes.len() {
        starts.push(at);
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 9 + len;
    }
    starts.remove(0);
    starts
}

#[test]
fn round_trip() {
    let file = pipe_recording();
    assert_eq!(&file[..8], &MAGIC);
    let r = Reader::new(Cursor::new(&file), Some(file.len() as u64)).unwrap();
    assert_eq!(r.header(), &header());
    let frames: Vec<Frame> = r.map(Result::unwrap).collect();
    let records: Vec<Vec<u8>> = frames
        .iter()
        .filter_map(|f| match f {
            Frame::Record(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(records, pipe_records());
    assert_eq!(
        frames[5],
        Frame::Lost {
            ts_ns: 2_100,
            count: 3
        }
    );
    let Some(Frame::End(end)) = frames.last() else {
        panic!("no end frame")
    };
    assert_eq!((end.records, end.lost, end.stopped_ns), (10, 3, 5_000));
}

#[test]
fn empty_wrong_magic_and_newer_versions_are_refused() {
    assert!(matches!(read_all(b"", true), Err(ReadError::Empty)));
    assert!(matches!(
        read_all(b"PK\x03\x04 a zip file", true),
        Err(ReadError::Magic)
    ));
    assert!(matches!(read_all(b"TRAC", true), Err(ReadError::Magic)));
    let mut newer = pipe_recording();
    newer[7] = FORMAT_VERSION + 1;
    let e = read_all(&newer, true).err().unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "byte 7: written by a newer tracer: format version {}, this tracer reads up to {FORMAT_VERSION}",
            FORMAT_VERSION + 1
        )
    );
    newer[7] = 0;
    assert!(matches!(
        read_all(&newer, true),
        Err(ReadError::VersionZero)
    ));
    // Without an intact header nothing can be decoded: fatal, and said so.
    let header_end = frame_starts(&pipe_recording())[0];
    for at in 8..header_end {
        let mut bad = pipe_recording();
        bad[at] ^= 0x04;
        let e = read_all(&bad, true).err().unwrap();
        assert!(
            e.to_string().starts_with("byte 8: the header is not valid"),
            "byte {at}: {e}"
        );
    }
    for cut in 0..header_end {
        assert!(read_all(&pipe_recording()[..cut], true).is_err());
    }
}

#[test]
fn truncation_at_every_offset_returns_every_whole_frame() {
    let file = pipe_recording();
    let (all, _) = read_all(&file, true).unwrap();
    let header_end = frame_starts(&file)[0];
    for sized in [true, false] {
        for cut in 0..file.len() {
            let got = read_all(&file[..cut], sized);
            if cut < header_end {
                assert!(got.is_err(), "cut {cut}: no header, no recording");
                continue;
            }
            let (frames, err) = got.unwrap();
            assert_eq!(frames[..], all[..frames.len()], "cut {cut}");
            let on_boundary = frame_starts(&file).contains(&cut);
            match err {
                None => assert!(on_boundary, "cut {cut} inside a frame went unnoticed"),
                Some(e) => {
                    assert!(e.is_truncation(), "cut {cut}: {e}");
                    assert!(e.to_string().starts_with("byte "), "{e}");
                }
            }
        }
    }
}

/// Read in place (the frame whole in the input's buffer) or copied out (straddling its end),
/// the frames are the same.
#[test]
fn frames_read_in_place_or_copied_are_the_same() {
    let file = pipe_recording();
    let (all, err) = read_all(&file, true).unwrap();
    assert!(err.is_none() && all.len() > 5);
    for cap in [9, 10, 16, 33, 64, 100, 200, 4096] {
        for sized in [true, false] {
            let (frames, err) = read_small(&file, cap, sized).unwrap();
            assert!(err.is_none(), "buffer of {cap}: {err:?}");
            assert_eq!(frames, all, "buffer of {cap}");
        }
    }
}

#[test]
fn a_flipped_byte_stops_reading_at_its_frame() {
    let file = pipe_recording();
    let (all, _) = read_all(&file, true).unwrap();
    let starts = frame_starts(&file);
    for at in starts[0]..file.len() {
        for (bit, cap) in [
            (0x01, None),
            (0x80, None),
            (0x01, Some(24)),
            (0x80, Some(64)),
        ] {
            let mut bad = file.clone();
            bad[at] ^= bit;
            let (frames, err) = match cap {
                None => read_all(&bad, true).unwrap(),
                Some(cap) => read_small(&bad, cap, true).unwrap(),
            };
            // The frame holding the flipped byte, and everything after it, is not returned.
            let damaged = starts.iter().rposition(|s| *s <= at).unwrap();
            assert_eq!(frames[..], all[..damaged], "byte {at} ^ {bit:#x}");
            let err = err.unwrap_or_else(|| panic!("byte {at}: damage went unnoticed"));
            assert!(
                err.to_string()
                    .starts_with(&format!("byte {}", starts[damaged])),
                "byte {at}: {err}"
            );
        }
    }
}

#[test]
fn absurd_lengths_are_refused_before_allocating() {
    let file = pipe_recording();
    let starts = frame_starts(&file);
    let mut bad = file.clone();
    bad[starts[3]..starts[3] + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let (frames, err) = read_all(&bad, true).unwrap();
    assert_eq!(frames.len(), 3);
    match err {
        Some(ReadError::Length { offset, len, .. }) => {
            assert_eq!(offset, starts[3] as u64);
            assert_eq!(len, u32::MAX);
        }
        e => panic!("{e:?}"),
    }
    // Within the maximum but beyond the end of the file: the reader never allocates it.
    let mut bad = file.clone();
    bad[starts[3]..starts[3] + 4].copy_from_slice(&(MAX_PAYLOAD - 1).to_le_bytes());
    let (_, err) = read_all(&bad, true).unwrap();
    assert!(matches!(err, Some(ReadError::Truncated { .. })), "{err:?}");
}

#[test]
fn unknown_kinds_are_skipped_and_misplaced_frames_refused() {
    let mut file = pipe_recording();
    let body = b"from the future";
    file.extend_from_slice(&frame_header(99, body));
    file.extend_from_slice(body);
    let (frames, err) = read_all(&file, true).unwrap();
    assert!(err.is_none());
    assert_eq!(frames.last(), Some(&Frame::Unknown { kind: 99 }));

    let mut twice = pipe_recording();
    twice.extend_from_slice(&frame_header(KIND_HEADER, b"{}"));
    twice.extend_from_slice(b"{}");
    let (_, err) = read_all(&twice, true).unwrap();
    assert!(matches!(err, Some(ReadError::BadFrame { .. })), "{err:?}");

    let mut short_lost = pipe_recording();
    short_lost.extend_from_slice(&frame_header(KIND_LOST, b"1234"));
    short_lost.extend_from_slice(b"1234");
    let (_, err) = read_all(&short_lost, true).unwrap();
    assert!(matches!(err, Some(ReadError::BadFrame { .. })), "{err:?}");

    // A first frame that is not a header, and a header that is not JSON.
    let mut no_header = MAGIC.to_vec();
    no_header.extend_from_slice(&frame_header(KIND_LOST, &[0; 16]));
    no_header.extend_from_slice(&[0; 16]);
    assert!(matches!(
        read_all(&no_header, true),
        Err(ReadError::NoHeader { .. })
    ));
    let mut bad_header = MAGIC.to_vec();
    bad_header.extend_from_slice(&frame_header(KIND_HEADER, b"{"));
    bad_header.extend_from_slice(b"{");
    assert!(matches!(
        read_all(&bad_header, true),
        Err(ReadError::BadHeader { .. })
    ));
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tracer-test-{}-{name}", std::process::id()))
}

#[test]
fn directories_and_huge_sparse_files() {
    let dir = temp_path("dir");
    std::fs::create_dir_all(&dir).unwrap();
    assert!(matches!(Reader::open(&dir), Err(ReadError::Directory)));
    std::fs::remove_dir(&dir).unwrap();

    // 10 GiB of nothing, then a valid start followed by 10 GiB of nothing: both are refused
    // after reading a few bytes.
    let sparse = temp_path("sparse");
    let f = std::fs::File::create(&sparse).unwrap();
    if f.set_len(10 << 30).is_err() {
        eprintln!("no sparse files here: skipped");
        return;
    }
    assert!(matches!(Reader::open(&sparse), Err(ReadError::Magic)));
    let mut f = std::fs::File::create(&sparse).unwrap();
    let file = pipe_recording();
    f.write_all(&file[..frame_starts(&file)[0]]).unwrap();
    f.set_len(10 << 30).unwrap();
    let frames: Vec<_> = Reader::open(&sparse).unwrap().collect();
    std::fs::remove_file(&sparse).unwrap();
    assert_eq!(frames.len(), 1);
    assert!(
        matches!(frames[0], Err(ReadError::Crc { .. })),
        "{frames:?}"
    );
}

/// Counts where each `write(2)` would end.
struct Writes {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Write for Writes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        self.ends.push(self.bytes.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_writer_hands_whole_frames_to_the_file() {
    let mut w = Writes {
        bytes: Vec::new(),
        ends: Vec::new(),
    };
    let mut r = Recorder::new(&mut w, &header()).unwrap();
    let big = vec![7u8; 100_000];
    for i in 0..2_000usize {
        r.write_record(&vec![i as u8; 100 + i % 300]).unwrap();
        if i % 500 == 0 {
            r.write_record(&big).unwrap();
        }
    }
    let too_big = vec![0u8; MAX_PAYLOAD as usize + 1];
    assert_eq!(
        r.write_record(&too_big).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    let size = r.bytes();
    r.finish(0, None).unwrap();
    let (frames, err) = read_all(&w.bytes, true).unwrap();
    assert!(err.is_none());
    assert_eq!(frames.len(), 2_000 + 4 + 1);
    // Every buffer flush ends on a frame boundary (a short write may split one, as the
    // kernel would; `write_all` completes it at once).
    let mut boundaries = frame_starts(&w.bytes);
    boundaries.push(w.bytes.len());
    let flush_ends: Vec<usize> = w.ends.iter().copied().filter(|e| e % 40_000 != 0).collect();
    for e in &flush_ends {
        assert!(
            boundaries.contains(e),
            "a write ended inside a frame, at {e}"
        );
    }
    assert!(size < w.bytes.len() as u64, "the end frame comes after");
}
