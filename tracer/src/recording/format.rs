//! The native recording format: what is on disk, byte for byte (docs/trace-format.md, "Native
//! recordings"). A recording keeps what the kernel sent, not text formatted from it, so that
//! recording costs a copy per event and a newer tracer can decode old recordings better.
//!
//! ```text
//! magic    b"TRACER\0" + format version (1 byte)
//! frame    [u32 len][u32 crc32(kind + payload)][u8 kind][payload: len bytes]   (little-endian)
//! ```
//! The first frame is the header (JSON); then records, lost-event counts and the end summary,
//! appended as they come. Each frame carries its own checksum, so damage is found where it is
//! and everything before it stays readable.
//!
//! This file and `reader.rs` use only std, serde and crc32fast: the fuzz crate
//! (`tracer/fuzz`) compiles them on their own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The first 7 bytes of every recording; the 8th is the format version.
pub const MAGIC_PREFIX: &[u8; 7] = b"TRACER\0";
/// The format version this tracer writes, and the newest it reads. A change that an older
/// reader would misread bumps it; adding a frame kind or a header field does not (readers skip
/// frame kinds and ignore fields they do not know).
///
/// Version 2 added the saved user `ip` at the end of the enter body (`SyscallEnter::ip`):
/// version 1 enter records are read by `remap`, which gives them a zero one.
pub const FORMAT_VERSION: u8 = 2;
pub const MAGIC: [u8; 8] = *b"TRACER\0\x02";

/// `len`, `crc` and `kind`.
pub const FRAME_HEADER_LEN: usize = 9;
/// No frame is larger: a ring-buffer record is at most a few KiB, the header tens of KiB. A
/// reader refuses larger lengths before allocating anything.
pub const MAX_PAYLOAD: u32 = 1 << 20;

/// The header (JSON): the first frame, and only there.
pub const KIND_HEADER: u8 = 1;
/// One ring-buffer record, the exact bytes `event::decode` takes.
pub const KIND_RECORD: u8 = 2;
/// Events the kernel side could not queue: `[u64 ts_ns][u64 count]`.
pub const KIND_LOST: u8 = 3;
/// The end of a recording that stopped cleanly (JSON [`End`]).
pub const KIND_END: u8 = 4;
/// Where a process's calls were made from (JSON [`UserFrameRecord`]): written before the first
/// record whose saved user `ip` it names, once per (process, address) and again after an exec,
/// so that a replay needs neither the process nor its files.
pub const KIND_USER_FRAME: u8 = 6;
/// The traced command as tracer started it (JSON [`Start`]), after the header and before the
/// command's records. Readers before it skip it as an unknown kind.
pub const KIND_START: u8 = 5;

/// The checksum of a frame: CRC-32 (IEEE) over its kind byte and its payload.
pub fn crc(kind: u8, payload: &[u8]) -> u32 {
    // A new hasher detects the CPU's features each time: once is enough.
    static FRESH: std::sync::OnceLock<crc32fast::Hasher> = std::sync::OnceLock::new();
    let mut h = FRESH.get_or_init(crc32fast::Hasher::new).clone();
    h.update(&[kind]);
    h.update(payload);
    h.finalize()
}

/// The 9 bytes in front of a payload.
pub fn frame_header(kind: u8, payload: &[u8]) -> [u8; FRAME_HEADER_LEN] {
    let mut h = [0u8; FRAME_HEADER_LEN];
    h[0..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    h[4..8].copy_from_slice(&crc(kind, payload).to_le_bytes());
    h[8] = kind;
    h
}

/// A kernel function symbol the journeys need: enough to name hop addresses and to know which
/// functions exist in the recorded kernel, without its `/proc/kallsyms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// Hex, `0x` first; `0x0` when the recorder could not see addresses (`kptr_restrict`).
    pub addr: String,
    pub name: String,
}

/// A C library whose wrappers were probed with uprobes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libc {
    pub path: String,
    pub wrappers: u64,
}

/// What was traced, as asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// The syscalls selected (`-e`, or the default selection), by name.
    #[serde(default)]
    pub syscalls: Vec<String>,
    /// `-c`: only these command names.
    #[serde(default)]
    pub comms: Vec<String>,
}

/// Facts about the recording. Fields added later must be `#[serde(default)]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// `"tracer-native"`.
    pub format: String,
    pub format_version: u32,
    /// The tracer version that recorded.
    pub tracer: String,
    /// `uname -r` of the recorded machine.
    pub kernel: String,
    pub arch: String,
    /// A signed integer as a string (JSON numbers lose precision): wall clock minus
    /// `CLOCK_BOOTTIME`, in ns. Record timestamps are boot times.
    pub boot_to_wall_ns: String,
    pub scope: String,
    #[serde(default)]
    pub filter: Filter,
    pub snaplen: u32,
    /// How each kernel function on the call paths was observed: `fentry`, `kprobe`, `none`.
    #[serde(default)]
    pub mechanisms: BTreeMap<String, String>,
    #[serde(default)]
    pub ksyms: Vec<Symbol>,
    #[serde(default)]
    pub libcs: Vec<Libc>,
    /// The recording tracer's syscall table, by row index: enter and exit records name their
    /// row by index, and a later tracer's table may have rows added or moved.
    #[serde(default)]
    pub rows: Vec<String>,
    /// The recording tracer's libc wrappers, by index: a uprobe hop's cookie names its wrapper
    /// by index (its low 16 bits).
    #[serde(default)]
    pub wrappers: Vec<String>,
}

impl Header {
    pub const FORMAT: &'static str = "tracer-native";

    /// Escape every string a person may be shown ([`crate::escape`]): a recording is a file
    /// anyone can craft, and its header is printed by export and replay. Names tracer looks up
    /// (rows, wrappers, symbols) are unchanged when they are real names.
    pub fn escape_text(&mut self) {
        let esc = |s: &mut String| {
            if let std::borrow::Cow::Owned(e) = crate::escape::str(s) {
                *s = e;
            }
        };
        for s in [
            &mut self.format,
            &mut self.tracer,
            &mut self.kernel,
            &mut self.arch,
            &mut self.boot_to_wall_ns,
            &mut self.scope,
        ] {
            esc(s);
        }
        let lists = [
            &mut self.filter.syscalls,
            &mut self.filter.comms,
            &mut self.rows,
            &mut self.wrappers,
        ];
        lists.into_iter().flatten().for_each(esc);
        self.ksyms.iter_mut().for_each(|s| {
            esc(&mut s.addr);
            esc(&mut s.name);
        });
        self.libcs.iter_mut().for_each(|l| esc(&mut l.path));
        self.mechanisms = std::mem::take(&mut self.mechanisms)
            .into_iter()
            .map(|(mut k, mut v)| {
                esc(&mut k);
                esc(&mut v);
                (k, v)
            })
            .collect();
    }

    /// `boot_to_wall_ns` as a number; 0 when it does not parse (times are then boot times).
    pub fn boot_to_wall(&self) -> i128 {
        self.boot_to_wall_ns.parse().unwrap_or(0)
    }

    /// The symbols as `(address, name)`; a malformed address reads as 0 (the function then
    /// exists, but no hop address is named after it).
    pub fn symbol_pairs(&self) -> impl Iterator<Item = (u64, &str)> {
        self.ksyms.iter().map(|s| {
            let hex = s.addr.trim_start_matches("0x");
            (u64::from_str_radix(hex, 16).unwrap_or(0), s.name.as_str())
        })
    }
}

/// A [`KIND_USER_FRAME`] frame: process `pid`'s address `ip` is `func+off in file`. Without
/// `file`, memory no file backs; without `func`, `off` is the address in the file. A frame with
/// `mapped: false` says the recorder found no mapping there (the process was gone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFrameRecord {
    pub pid: u32,
    pub ip: u64,
    pub mapped: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub func: Option<String>,
    #[serde(default)]
    pub off: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The command `tracer record -- CMD` started: what it had open, and where, as /proc said
/// once when tracer started it (`fds::snapshot`), so that an export's `-y` describes its
/// inherited descriptors and relative paths as the recording did. The bytes are as /proc gave
/// them (escaped when shown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Start {
    pub pid: u32,
    pub cwd: Vec<u8>,
    pub fds: Vec<(i32, Vec<u8>)>,
    /// The descriptors among `fds` that are devices: `(fd, dev_t, block)`, the number as the
    /// kernel encodes it (major << 20 | minor, include/linux/kdev_t.h), for `-yy`'s
    /// `</dev/pts/0<char 136:0>>`.
    #[serde(default)]
    pub devices: Vec<(i32, u32, bool)>,
    /// The symbolic links to directories at the top of the recording machine's file system,
    /// each with the directory it resolves to (`/lib` -> `/usr/lib` on a merged-/usr system):
    /// a path through one is shown as the kernel resolves it, as strace's `-y` shows it.
    #[serde(default)]
    pub links: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The last frame of a recording that stopped cleanly. Its absence means the recorder was
/// killed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    /// Record frames written.
    pub records: u64,
    /// Events lost in total (the sum of the lost frames).
    pub lost: u64,
    /// When recording stopped (`CLOCK_BOOTTIME` ns).
    #[serde(default)]
    pub stopped_ns: u64,
    /// How the traced command ended, when tracer ran one and saw it end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandExit>,
}

/// How the traced command (`tracer record -- CMD`) ended, as its parent, tracer, saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandExit {
    pub pid: u32,
    /// The status it passed to `exit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The signal that killed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

impl CommandExit {
    pub fn of(pid: u32, st: std::process::ExitStatus) -> CommandExit {
        use std::os::unix::process::ExitStatusExt;
        CommandExit {
            pid,
            code: st.code(),
            signal: st.signal(),
        }
    }

    /// From a wait status (`task_struct.exit_code`; `WIFEXITED`, `WEXITSTATUS`, `WTERMSIG` of
    /// include/uapi/linux/wait.h... as glibc's bits/waitstatus.h defines them).
    pub fn from_wait_status(pid: u32, st: i32) -> CommandExit {
        let signal = st & 0x7f;
        CommandExit {
            pid,
            code: (signal == 0).then_some((st >> 8) & 0xff),
            signal: (signal != 0).then_some(signal),
        }
    }

    /// strace's words for it: `exited with 7`, `killed by SIGKILL`.
    pub fn text(&self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exited with {c}"),
            (None, Some(s)) => match nix::sys::signal::Signal::try_from(s) {
                Ok(sig) => format!("killed by {}", sig.as_str()),
                Err(_) => format!("killed by signal {s}"),
            },
            (None, None) => "ended".to_string(),
        }
    }

    /// For a sentence: `the command exited with 7`, `the command was killed by SIGKILL`.
    pub fn sentence(&self) -> String {
        let t = self.text();
        if self.code.is_none() && self.signal.is_some() {
            format!("the command was {t}")
        } else {
            format!("the command {t}")
        }
    }

    /// The exit status a shell reports: the code, or 128 + the signal's number (what tracer
    /// itself exits with).
    pub fn shell_status(&self) -> i32 {
        self.code
            .or_else(|| self.signal.map(|s| 128 + s))
            .unwrap_or(1)
    }
}

/// `KIND_LOST`'s payload.
pub fn lost_payload(ts_ns: u64, count: u64) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[..8].copy_from_slice(&ts_ns.to_le_bytes());
    p[8..].copy_from_slice(&count.to_le_bytes());
    p
}

/// `(ts_ns, count)` from a `KIND_LOST` payload, if it has the right size.
pub fn parse_lost(p: &[u8]) -> Option<(u64, u64)> {
    let ts: [u8; 8] = p.get(..8)?.try_into().ok()?;
    let count: [u8; 8] = p.get(8..16)?.try_into().ok()?;
    (p.len() == 16).then(|| (u64::from_le_bytes(ts), u64::from_le_bytes(count)))
}
