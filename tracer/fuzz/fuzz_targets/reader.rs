//! Any bytes given to the recording reader: it must return an error or frames, never panic,
//! never allocate more than a frame's maximum, and end (each frame consumes at least its
//! 9-byte header). The reader's source is compiled in as it is in tracer.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

use tracer_fuzz::format::FRAME_HEADER_LEN;
use tracer_fuzz::reader::Reader;

fuzz_target!(|data: &[u8]| {
    for size in [Some(data.len() as u64), None] {
        if let Ok(r) = Reader::new(Cursor::new(data), size) {
            let _ = r.header().boot_to_wall();
            let frames = r.count();
            assert!(frames <= data.len() / FRAME_HEADER_LEN + 1);
        }
    }
});
