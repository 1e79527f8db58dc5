//! Reading a recording frame by frame. Any input is safe: a length is checked against
//! [`MAX_PAYLOAD`] and against what is left of the file before anything is allocated, the file
//! is never read whole, and damage ends the iteration with an error naming its byte offset,
//! after every frame before it was returned.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use super::format::{
    End, FORMAT_VERSION, FRAME_HEADER_LEN, Header, KIND_END, KIND_HEADER, KIND_LOST, KIND_RECORD,
    KIND_START, KIND_USER_FRAME, MAGIC_PREFIX, MAX_PAYLOAD, Start, UserFrameRecord, crc,
    parse_lost,
};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot open: {0}")]
    Open(#[source] io::Error),
    #[error("is a directory, not a recording")]
    Directory,
    #[error("is empty, not a recording")]
    Empty,
    #[error("byte 0: not a tracer recording (it does not start with \"TRACER\\0\")")]
    Magic,
    #[error(
        "byte 7: written by a newer tracer: format version {found}, this tracer reads up to {FORMAT_VERSION}"
    )]
    Newer { found: u8 },
    #[error("byte 7: format version 0 does not exist: the file is damaged")]
    VersionZero,
    #[error(
        "byte {offset}: the file ends inside a frame ({have} of {need} bytes; the recorder was probably killed): it is read up to there"
    )]
    Truncated { offset: u64, need: u64, have: u64 },
    #[error(
        "byte {offset}: the frame's checksum does not match (stored {stored:#010x}, computed {computed:#010x}): the file is damaged there and read up to it"
    )]
    Crc {
        offset: u64,
        stored: u32,
        computed: u32,
    },
    #[error(
        "byte {offset}: a frame claims {len} bytes (at most {MAX_PAYLOAD}, {remaining} left in the file): the file is damaged there and read up to it"
    )]
    Length {
        offset: u64,
        len: u32,
        remaining: u64,
    },
    #[error("byte {offset}: the first frame is not a header (kind {kind})")]
    NoHeader { offset: u64, kind: u8 },
    #[error("byte {offset}: the header is not valid: {msg}")]
    BadHeader { offset: u64, msg: String },
    #[error(
        "byte {offset}: a {what} frame of {len} bytes cannot be read: the file is damaged there"
    )]
    BadFrame {
        offset: u64,
        what: &'static str,
        len: u32,
    },
    #[error("byte {offset}: {source}")]
    Io {
        offset: u64,
        #[source]
        source: io::Error,
    },
}

impl ReadError {
    /// The file ends inside its last frame: what a recorder killed while writing leaves. Every
    /// complete frame was read; the caller should warn, not fail.
    pub fn is_truncation(&self) -> bool {
        matches!(self, ReadError::Truncated { .. })
    }
}

/// A frame, borrowed from the reader's buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameRef<'a> {
    Record(&'a [u8]),
    Lost {
        ts_ns: u64,
        count: u64,
    },
    End(End),
    UserSym(UserFrameRecord),
    Start(Start),
    /// A kind this tracer does not know (written by a newer one): skipped.
    Unknown {
        kind: u8,
    },
}

/// A frame, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Record(Vec<u8>),
    Lost { ts_ns: u64, count: u64 },
    End(End),
    UserSym(UserFrameRecord),
    Start(Start),
    Unknown { kind: u8 },
}

impl From<FrameRef<'_>> for Frame {
    fn from(f: FrameRef<'_>) -> Frame {
        match f {
            FrameRef::Record(r) => Frame::Record(r.to_vec()),
            FrameRef::Lost { ts_ns, count } => Frame::Lost { ts_ns, count },
            FrameRef::End(e) => Frame::End(e),
            FrameRef::UserSym(u) => Frame::UserSym(u),
            FrameRef::Start(s) => Frame::Start(s),
            FrameRef::Unknown { kind } => Frame::Unknown { kind },
        }
    }
}

pub struct Reader<R> {
    inner: R,
    /// Where the next frame starts.
    offset: u64,
    /// The file's size, when known (a regular file): lengths are checked against it.
    size: Option<u64>,
    /// The current frame's payload when it was copied out of the input's buffer; reused, and
    /// never grown beyond `MAX_PAYLOAD`.
    buf: Vec<u8>,
    /// The current frame lies whole in the input's buffer (`BufRead::fill_buf`): its payload
    /// is read there, not copied, and these bytes are consumed before the next frame.
    in_place: usize,
    header: Header,
    /// An error ended the iteration.
    done: bool,
}

/// A frame's payload: in the input's buffer up to `in_place` (0: copied out, in `buf`).
fn payload<'a>(inner: &'a mut impl BufRead, buf: &'a [u8], in_place: usize) -> &'a [u8] {
    if in_place == 0 {
        return buf;
    }
    // The bytes are still in the buffer: `fill_buf` returns them without reading.
    match inner.fill_buf() {
        Ok(b) => b.get(FRAME_HEADER_LEN..in_place).unwrap_or_default(),
        Err(_) => &[],
    }
}

/// Fill `buf` as far as the input goes; the count read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl Reader<BufReader<File>> {
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(ReadError::Open)?;
        let meta = file.metadata().map_err(ReadError::Open)?;
        if meta.is_dir() {
            return Err(ReadError::Directory);
        }
        // A FIFO or a character device has no size: lengths are then bounded by MAX_PAYLOAD.
        let size = meta.is_file().then_some(meta.len());
        Reader::new(BufReader::with_capacity(1 << 16, file), size)
    }
}

impl<R: BufRead> Reader<R> {
    /// Check the magic and the version, and read the header frame.
    pub fn new(mut inner: R, size: Option<u64>) -> Result<Self, ReadError> {
        let mut magic = [0u8; 8];
        let n = read_full(&mut inner, &mut magic)
            .map_err(|source| ReadError::Io { offset: 0, source })?;
        if n == 0 {
            return Err(ReadError::Empty);
        }
        if n < 7 || magic[..7] != MAGIC_PREFIX[..] {
            return Err(ReadError::Magic);
        }
        if n < 8 {
            return Err(ReadError::BadHeader {
                offset: n as u64,
                msg: "the file ends before it".into(),
            });
        }
        match magic[7] {
            0 => return Err(ReadError::VersionZero),
            v if v > FORMAT_VERSION => return Err(ReadError::Newer { found: v }),
            _ => {}
        }
        let mut r = Reader {
            inner,
            offset: 8,
            size,
            buf: Vec::new(),
            in_place: 0,
            header: Header::default(),
            done: false,
        };
        let at = r.offset;
        // Damage here is fatal: without its header a recording cannot be decoded.
        let header = r.read_frame().map_err(|e| match e {
            ReadError::Crc { offset, .. } => ReadError::BadHeader {
                offset,
                msg: "its checksum does not match: the file is damaged".into(),
            },
            ReadError::Length { offset, len, .. } => ReadError::BadHeader {
                offset,
                msg: format!("it claims {len} bytes: the file is damaged"),
            },
            ReadError::Truncated { offset, .. } => ReadError::BadHeader {
                offset,
                msg: "the file ends inside it".into(),
            },
            e => e,
        })?;
        let Some(kind) = header else {
            return Err(ReadError::BadHeader {
                offset: at,
                msg: "the file ends before it".into(),
            });
        };
        if kind != KIND_HEADER {
            return Err(ReadError::NoHeader { offset: at, kind });
        }
        r.header = serde_json::from_slice(r.payload()).map_err(|e| ReadError::BadHeader {
            offset: at,
            msg: e.to_string(),
        })?;
        // The version byte decides how records are laid out, whatever the header claims.
        r.header.format_version = magic[7].into();
        // Anyone can write a recording: its text reaches terminals only escaped.
        r.header.escape_text();
        if r.header.format != Header::FORMAT {
            return Err(ReadError::BadHeader {
                offset: at,
                msg: format!("format {:?}, not {:?}", r.header.format, Header::FORMAT),
            });
        }
        Ok(r)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Read one frame into `buf`: its kind, or `None` at a clean end of the input.
    fn read_frame(&mut self) -> Result<Option<u8>, ReadError> {
        let at = self.offset;
        let io_err = |source| ReadError::Io { offset: at, source };
        self.inner.consume(std::mem::take(&mut self.in_place));
        if let Some(kind) = self.frame_in_place()? {
            return Ok(Some(kind));
        }
        let mut h = [0u8; FRAME_HEADER_LEN];
        let n = read_full(&mut self.inner, &mut h).map_err(io_err)?;
        if n == 0 {
            return Ok(None);
        }
        if n < FRAME_HEADER_LEN {
            return Err(ReadError::Truncated {
                offset: at,
                need: FRAME_HEADER_LEN as u64,
                have: n as u64,
            });
        }
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let stored = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        let kind = h[8];
        let remaining = self
            .size
            .map(|s| s.saturating_sub(at + FRAME_HEADER_LEN as u64));
        if len > MAX_PAYLOAD {
            return Err(ReadError::Length {
                offset: at,
                len,
                remaining: remaining.unwrap_or(0),
            });
        }
        if let Some(rem) = remaining
            && u64::from(len) > rem
        {
            return Err(ReadError::Truncated {
                offset: at,
                need: FRAME_HEADER_LEN as u64 + u64::from(len),
                have: FRAME_HEADER_LEN as u64 + rem,
            });
        }
        // Bounded by MAX_PAYLOAD (and by the file's size) above.
        self.buf.resize(len as usize, 0);
        let got = read_full(&mut self.inner, &mut self.buf).map_err(io_err)?;
        if got < self.buf.len() {
            return Err(ReadError::Truncated {
                offset: at,
                need: FRAME_HEADER_LEN as u64 + u64::from(len),
                have: (FRAME_HEADER_LEN + got) as u64,
            });
        }
        let computed = crc(kind, &self.buf);
        if computed != stored {
            return Err(ReadError::Crc {
                offset: at,
                stored,
                computed,
            });
        }
        self.offset = at + FRAME_HEADER_LEN as u64 + u64::from(len);
        Ok(Some(kind))
    }

    /// A frame that lies whole in the input's buffer, checked there: its kind, or `None` when
    /// the buffer holds less than a whole frame (then [`Reader::read_frame`] copies it out,
    /// and reports what is wrong with it).
    fn frame_in_place(&mut self) -> Result<Option<u8>, ReadError> {
        let at = self.offset;
        let avail = self
            .inner
            .fill_buf()
            .map_err(|source| ReadError::Io { offset: at, source })?;
        let Some(h) = avail.get(..FRAME_HEADER_LEN) else {
            return Ok(None);
        };
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let stored = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        let kind = h[8];
        let fits_file = self
            .size
            .is_none_or(|s| at + FRAME_HEADER_LEN as u64 + u64::from(len) <= s);
        let end = FRAME_HEADER_LEN + len as usize;
        let Some(payload) = avail.get(FRAME_HEADER_LEN..end) else {
            return Ok(None);
        };
        if len > MAX_PAYLOAD || !fits_file || crc(kind, payload) != stored {
            // The copying path reads it again and says what is wrong.
            return Ok(None);
        }
        self.in_place = end;
        self.offset = at + end as u64;
        Ok(Some(kind))
    }

    /// The current frame's payload, wherever it was read.
    fn payload(&mut self) -> &[u8] {
        payload(&mut self.inner, &self.buf, self.in_place)
    }

    /// The next frame, borrowed; `None` at the end. After an error, always `None`.
    pub fn next_frame(&mut self) -> Option<Result<FrameRef<'_>, ReadError>> {
        if self.done {
            return None;
        }
        let at = self.offset;
        let kind = match self.read_frame() {
            Ok(Some(k)) => k,
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let buf = payload(&mut self.inner, &self.buf, self.in_place);
        let bad = |what| ReadError::BadFrame {
            offset: at,
            what,
            len: buf.len() as u32,
        };
        let frame = match kind {
            KIND_RECORD => Ok(FrameRef::Record(buf)),
            KIND_LOST => parse_lost(buf)
                .map(|(ts_ns, count)| FrameRef::Lost { ts_ns, count })
                .ok_or_else(|| bad("lost-events")),
            KIND_END => serde_json::from_slice(buf)
                .map(FrameRef::End)
                .map_err(|_| bad("end")),
            KIND_USER_FRAME => serde_json::from_slice(buf)
                .map(FrameRef::UserSym)
                .map_err(|_| bad("user frame")),
            KIND_START => serde_json::from_slice(buf)
                .map(FrameRef::Start)
                .map_err(|_| bad("start")),
            KIND_HEADER => Err(bad("second header")),
            kind => Ok(FrameRef::Unknown { kind }),
        };
        if frame.is_err() {
            self.done = true;
        }
        Some(frame)
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Frame, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().map(|f| f.map(Frame::from))
    }
}
