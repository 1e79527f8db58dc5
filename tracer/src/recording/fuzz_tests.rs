//! The property the fuzz target (`tracer/fuzz`, `cargo fuzz run reader`) checks, run on the
//! host by `cargo test` so that `cargo xtask test` exercises it without a nightly compiler:
//! the reader, and the replay and every export behind it, never panic on any input and always
//! end. Inputs: the committed corpus, and thousands of mutations of it from a fixed seed,
//! within a time bound.

use std::io::{self, Cursor};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::format::{FRAME_HEADER_LEN, MAGIC, frame_header};
use super::reader::Reader;
use super::replay::Replay;
use super::testdata;
use crate::export::{ExportFormat, export};

/// Every text option on: the paths and the descriptor model run on the damaged input too.
const KP: crate::output::TextOpts = crate::output::TextOpts {
    kernel_path: true,
    detail: crate::fds::Detail::Full,
};

const MUTATIONS: usize = 10_000;
const TIME_BOUND: Duration = Duration::from_secs(20);

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/reader")
}

/// xorshift64*: a fixed seed gives the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Read, replay and export `input`; only a panic or an endless loop fails.
fn check(input: &[u8]) {
    for size in [Some(input.len() as u64), None] {
        if let Ok(r) = Reader::new(Cursor::new(input), size) {
            // Every frame takes at least its 9-byte header.
            assert!(r.count() <= input.len() / FRAME_HEADER_LEN + 1);
        }
    }
    for format in [
        ExportFormat::Jsonl,
        ExportFormat::Text,
        ExportFormat::Perfetto,
    ] {
        if let Ok(r) = Reader::new(Cursor::new(input), Some(input.len() as u64)) {
            export(Replay::new(r), Box::new(io::sink()), format, KP).expect("writing to a sink");
        }
    }
}

/// The frames of a well-formed file: (kind, payload), header first.
fn frames(file: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = MAGIC.len();
    while at + FRAME_HEADER_LEN <= file.len() {
        let len = u32::from_le_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]) as usize;
        let end = (at + FRAME_HEADER_LEN + len).min(file.len());
        out.push((file[at + 8], file[at + FRAME_HEADER_LEN..end].to_vec()));
        at = end;
    }
    out
}

fn reframe(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for (kind, payload) in frames {
        out.extend_from_slice(&frame_header(*kind, payload));
        out.extend_from_slice(payload);
    }
    out
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    let interesting = [
        0u32,
        1,
        7,
        8,
        24,
        0xff,
        0xffff,
        0x7fff_ffff,
        u32::MAX,
        1 << 20,
    ];
    match rng.below(7) {
        0 => {
            for _ in 0..=rng.below(4) {
                let i = rng.below(out.len());
                if let Some(b) = out.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
        }
        1 => out.truncate(rng.below(out.len() + 1)),
        2 => {
            let i = rng.below(out.len());
            let word = interesting[rng.below(interesting.len())].to_le_bytes();
            for (idx, b) in word.iter().enumerate() {
                if let Some(d) = out.get_mut(i + idx) {
                    *d = *b;
                }
            }
        }
        3 => {
            let i = rng.below(out.len() + 1);
            let count = rng.below(16);
            let junk: Vec<u8> = (0..count).map(|_| rng.next() as u8).collect();
            out.splice(i..i, junk);
        }
        4 => {
            let i = rng.below(out.len());
            let count = rng.below(16).min(out.len() - i.min(out.len()));
            out.drain(i..i + count);
        }
        // Damage inside records, with checksums made to match: the decoder and the joiner
        // see it.
        _ => {
            let mut frs = frames(seed);
            if frs.len() > 1 {
                for _ in 0..=rng.below(3) {
                    let idx = 1 + rng.below(frs.len() - 1);
                    let payload = &mut frs[idx].1;
                    match rng.below(3) {
                        0 if !payload.is_empty() => {
                            let i = rng.below(payload.len());
                            payload[i] = rng.next() as u8;
                        }
                        1 if payload.len() >= 4 => {
                            let i = rng.below(payload.len() - 3);
                            let word = interesting[rng.below(interesting.len())].to_le_bytes();
                            payload[i..i + 4].copy_from_slice(&word);
                        }
                        _ => payload.truncate(rng.below(payload.len() + 1)),
                    }
                }
                // Reorder, duplicate or drop records now and then.
                if rng.below(4) == 0 && frs.len() > 2 {
                    let (a, b) = (1 + rng.below(frs.len() - 1), 1 + rng.below(frs.len() - 1));
                    frs.swap(a, b);
                }
                if rng.below(4) == 0 {
                    let idx = 1 + rng.below(frs.len() - 1);
                    let dup = frs[idx].clone();
                    frs.insert(idx, dup);
                }
            }
            out = reframe(&frs);
        }
    }
    out
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn the_reader_survives_the_corpus_and_its_mutations() {
    let corpus = corpus();
    assert!(corpus.len() >= 5, "the committed corpus is missing");
    for input in &corpus {
        check(input);
    }
    let started = Instant::now();
    let mut rng = Rng(0x7261_6365_7200_0001);
    let mut done = 0;
    while done < MUTATIONS && started.elapsed() < TIME_BOUND {
        let seed = &corpus[rng.below(corpus.len())];
        let mut input = mutate(&mut rng, seed);
        if rng.below(3) == 0 {
            input = mutate(&mut rng, &input);
        }
        check(&input);
        done += 1;
    }
    // Pure noise, with and without the magic in front.
    for n in 0..200 {
        let mut input: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        if n % 2 == 0 {
            input.splice(0..0, MAGIC);
        }
        check(&input);
    }
    eprintln!("{done} mutated inputs in {:?}", started.elapsed());
    assert!(done >= 500, "too few inputs within the time bound: {done}");
}

/// Writes the seed corpus. Run it after a format change:
/// `cargo test -p tracer write_fuzz_corpus -- --ignored`. It leaves `pipe-v1.tracer` alone:
/// a recording of format version 1, kept as that version wrote it, which newer readers must
/// still read (`remap`'s tests replay it).
#[test]
#[ignore = "writes tracer/fuzz/corpus/reader"]
fn write_fuzz_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let pipe = testdata::pipe_recording();
    let header_end = MAGIC.len() + FRAME_HEADER_LEN + frames(&pipe)[0].1.len();
    let mut flipped = pipe.clone();
    flipped[header_end + 40] ^= 0x10;
    let mut newer = pipe.clone();
    newer[7] = super::format::FORMAT_VERSION + 1;
    let mut unknown = pipe.clone();
    unknown.extend_from_slice(&frame_header(42, b"a frame kind from the future"));
    unknown.extend_from_slice(b"a frame kind from the future");
    let files: [(&str, &[u8]); 7] = [
        ("pipe.tracer", &pipe),
        ("truncated.tracer", &pipe[..pipe.len() - 20]),
        ("flipped.tracer", &flipped),
        ("header-only.tracer", &pipe[..header_end]),
        ("newer-version.tracer", &newer),
        ("unknown-kind.tracer", &unknown),
        ("socketcall.tracer", &testdata::socketcall_recording()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
