//! Writing a recording. Called from the capture loop once per ring-buffer record, so a frame
//! costs a checksum and a copy into a reused buffer: no allocation, no formatting.
//!
//! Crash tolerance: the buffer only ever holds whole frames and is handed to `write(2)` whole
//! (when it fills, on [`Recorder::flush`], which the recorder calls on every tick, and at the
//! end). A recorder killed with SIGKILL therefore leaves a file of complete frames, at worst
//! followed by part of the last one, which readers report and skip; what it loses is the
//! frames still in the buffer since the last flush.

use std::fs::File;
use std::io::{self, Write};

use super::format::{
    CommandExit, End, FRAME_HEADER_LEN, Header, KIND_END, KIND_HEADER, KIND_LOST, KIND_RECORD,
    KIND_START, MAGIC, MAX_PAYLOAD, Start, frame_header, lost_payload,
};

/// Frames are collected up to this many bytes before a `write(2)`.
const BUF_CAP: usize = 1 << 16;

/// Writes a recording to `out`, which should be unbuffered (the recorder buffers whole frames
/// itself; a `BufWriter` around it would split them again) and private: `record` gives it a
/// file it created with mode 0600 for the invoking user (`record::private_file`), since a
/// recording holds other processes' data.
pub struct Recorder<W: Write = File> {
    out: W,
    buf: Vec<u8>,
    records: u64,
    lost: u64,
    /// Bytes handed to `out` or buffered: the file's size once flushed.
    bytes: u64,
}

impl<W: Write> Recorder<W> {
    /// Write the magic and the header frame.
    pub fn new(out: W, header: &Header) -> io::Result<Recorder<W>> {
        let json = serde_json::to_vec(header)?;
        let mut r = Recorder {
            out,
            buf: Vec::with_capacity(BUF_CAP),
            records: 0,
            lost: 0,
            bytes: 0,
        };
        r.buf.extend_from_slice(&MAGIC);
        r.bytes = MAGIC.len() as u64;
        r.frame(KIND_HEADER, &json)?;
        r.flush()?;
        Ok(r)
    }

    fn frame(&mut self, kind: u8, payload: &[u8]) -> io::Result<()> {
        if payload.len() > MAX_PAYLOAD as usize {
            // A reader would refuse it: better not to write it.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a frame of {} bytes is larger than the format allows ({MAX_PAYLOAD})",
                    payload.len()
                ),
            ));
        }
        let total = FRAME_HEADER_LEN + payload.len();
        if self.buf.len() + total > BUF_CAP {
            self.write_buf()?;
        }
        self.buf.extend_from_slice(&frame_header(kind, payload));
        self.buf.extend_from_slice(payload);
        self.bytes += total as u64;
        if self.buf.len() >= BUF_CAP {
            // A frame larger than the buffer: written at once, still whole.
            self.write_buf()?;
        }
        Ok(())
    }

    fn write_buf(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// One ring-buffer record, as read (before decoding).
    pub fn write_record(&mut self, raw: &[u8]) -> io::Result<()> {
        self.frame(KIND_RECORD, raw)?;
        self.records += 1;
        Ok(())
    }

    /// Where process `pid`'s calls at `ip` were made from (before the first record naming it).
    pub fn write_user_frame(&mut self, u: &super::format::UserFrameRecord) -> io::Result<()> {
        let json = serde_json::to_vec(u)?;
        self.frame(super::format::KIND_USER_FRAME, &json)
    }

    /// The traced command as tracer started it.
    pub fn write_start(&mut self, start: &Start) -> io::Result<()> {
        let json = serde_json::to_vec(start)?;
        self.frame(KIND_START, &json)
    }

    /// `count` more events were lost in the kernel by `ts_ns` (`CLOCK_BOOTTIME`).
    pub fn write_lost(&mut self, ts_ns: u64, count: u64) -> io::Result<()> {
        self.frame(KIND_LOST, &lost_payload(ts_ns, count))?;
        self.lost += count;
        Ok(())
    }

    /// Hand everything buffered to the file (the recorder calls this every tick).
    pub fn flush(&mut self) -> io::Result<()> {
        self.write_buf()?;
        self.out.flush()
    }

    /// The file's size once flushed (for a progress line).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Write the end frame (the counts so far, and `stopped_ns`, when recording stopped, in
    /// `CLOCK_BOOTTIME` ns) and flush. A recording without it was cut short.
    pub fn finish(mut self, stopped_ns: u64, command: Option<CommandExit>) -> io::Result<()> {
        let end = End {
            records: self.records,
            lost: self.lost,
            stopped_ns,
            command,
        };
        let json = serde_json::to_vec(&end)?;
        self.frame(KIND_END, &json)?;
        self.flush()
    }
}

impl<W: Write> Drop for Recorder<W> {
    /// A recorder dropped without `finish` (an error in the capture loop) still hands its
    /// whole frames to the file.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
