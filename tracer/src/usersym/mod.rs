//! Where in the program a call was made: the saved user instruction pointer of each entry
//! (`SyscallEnter::ip`, `pt_regs->ip` at `sys_enter`) named as `function+offset in file`
//! against the process's executable mappings. The kernel saved that address when the program
//! entered it: the instruction after the `syscall` (or `int $0x80`, or inside the vDSO's
//! `__kernel_vsyscall` for 32-bit code that enters with `sysenter`), so inside the function
//! that made the call: the C library's wrapper, the program's own code (a static program, a
//! raw `syscall(2)` written in assembly), or the vDSO. That is an observation, not an
//! inference, and it costs the traced program nothing: no uprobe, no trap.
//!
//! Costs on tracer's side: a process's `/proc/PID/maps` is read when one of its addresses is
//! first seen (and again after an exec, or for an address outside every mapping it had when the
//! maps were read before the call entered: a library it loaded since, the C library itself
//! when tracer read a new program's maps before its loader had mapped it); each mapped file's
//! symbols are read
//! once per file (by device and inode), and each function's name is demangled (Rust, C++) and
//! escaped once, when a frame first lands in it; each (process, address) is named once and
//! then looked up.
//!
//! What is guaranteed, and what is not. Tracer reads a process's maps and files from `/proc`
//! when it takes the process's records from the ring, which it drains every 20 ms
//! (`capture::DRAIN_EVERY`) or when a quarter of it fills: nothing holds a process until then.
//! - A process alive when its records are read: its calls are named (its maps are read after
//!   every call they hold, and read again for an address they lack).
//! - A process gone by then whose maps are known all the same (a child forked without an exec
//!   has its parent's, copied at the fork; or they were read while it lived): its calls are
//!   named, the files read through another live process that maps them, or by their path in
//!   tracer's mount namespace when the file there has the device and inode mapped.
//! - A process that ran a program and ended between two drains (a short program: `gcc`'s
//!   `-O1` main that makes three calls lives about a millisecond) had its maps read by no
//!   one: its addresses stay unnamed, the step says so, and nothing is guessed. Measured on
//!   2 cores (2026-12-04, socket, connect and close in main), `tracer record -- ./prog` named
//!   its connect in 8 runs of 10 idle and 6 of 10 beside a build, because the first drain
//!   often comes while the new program still runs; started 50 ms later by a shell
//!   (`sh -c 'sleep 0.05; ./prog'`), in none of 10. The kernel tears the
//!   mappings down at the exit (`exit_mm`) and no tracepoint tracer attaches can keep them.
//!   What would close the gap is the mappings recorded as they are made, as `perf` records
//!   them (`PERF_RECORD_MMAP2`, from `perf_event_mmap` in the kernel): here, the loader's
//!   `mmap`s with `PROT_EXEC` taken in the kernel (the `mmap` row now takes only
//!   `MAP_SHARED` ones) with the path its `openat` named; not done yet.

mod demangle;
mod elf;
mod maps;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use elf::Symbols;
use maps::{Mapping, Object};

use crate::fasthash::{FastMap, FastSet};
use crate::recording::format::UserFrameRecord;

/// (process, address) pairs remembered at most: a program that enters the kernel from ever new
/// addresses (generated code) would otherwise grow the tables without end. Past it they start
/// again empty, and each pair is named (and, recording, written) again when next seen.
const PAIRS_MAX: usize = 1 << 16;

fn boot_ns() -> u64 {
    crate::record::now_ns(nix::time::ClockId::CLOCK_BOOTTIME) as u64
}

/// Where a call was made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFrame {
    /// The function, when the file's symbol tables name one there: demangled for Rust and
    /// C++ (as `perf` shows it), at most 256 bytes, escaped (`demangle.rs`).
    pub func: Option<Box<str>>,
    /// Into `func`; without a function, the ELF address in `file` (or the offset into an
    /// anonymous mapping).
    pub off: u64,
    /// The mapped file's path (escaped: a program chose it), `[vdso]`, or `None` for memory no
    /// file backs (code generated at run time).
    pub file: Option<Box<str>>,
}

impl UserFrame {
    /// The file's last path component (`libc.so.6`).
    pub fn file_name(&self) -> Option<&str> {
        let f = self.file.as_deref()?;
        Some(f.rsplit('/').next().unwrap_or(f))
    }
}

impl fmt::Display for UserFrame {
    /// `bind+0x1b in libc.so.6`, `0x2f1a0 in prog`, `0x1b0 in anonymous memory`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.func {
            Some(func) => write!(f, "{func}+{:#x}", self.off)?,
            None => write!(f, "{:#x}", self.off)?,
        }
        match self.file_name() {
            Some(file) => write!(f, " in {file}"),
            None => write!(f, " in anonymous memory"),
        }
    }
}

struct Proc {
    maps: Arc<Vec<Mapping>>,
    /// When the maps were read (`CLOCK_BOOTTIME`, the clock of the calls' times); 0: not by
    /// tracer (a forked child's copy of its parent's).
    read_ns: u64,
    /// Its `/proc` directory is gone: never read again.
    gone: bool,
    /// The process it was forked from (its mappings were a copy of that one's).
    parent: Option<u32>,
}

/// How many forks back a gone process's mappings are looked for.
const FORK_DEPTH: u32 = 4;

/// Names addresses of live processes (see the module's documentation).
pub struct Symbolizer {
    /// `/proc`, or a directory laid out like it (tests).
    proc_root: PathBuf,
    procs: HashMap<u32, Proc>,
    files: HashMap<Object, Option<Arc<Symbols>>>,
    frames: FastMap<(u32, u64), Option<Arc<UserFrame>>>,
}

impl Default for Symbolizer {
    fn default() -> Symbolizer {
        Symbolizer::new(Path::new("/proc"))
    }
}

impl Symbolizer {
    pub fn new(proc_root: &Path) -> Symbolizer {
        Symbolizer {
            proc_root: proc_root.to_path_buf(),
            procs: HashMap::new(),
            files: HashMap::new(),
            frames: FastMap::default(),
        }
    }

    /// Where process `pid`'s address `ip`, entered at `at_ns` (`CLOCK_BOOTTIME`), lies; `None`
    /// when no mapping of the process (as far as tracer could read them) holds it.
    pub fn lookup(&mut self, pid: u32, ip: u64, at_ns: u64) -> Option<Arc<UserFrame>> {
        if ip == 0 {
            return None;
        }
        if let Some(f) = self.frames.get(&(pid, ip)) {
            return f.clone();
        }
        let mapping = self.mapping(pid, ip, at_ns);
        let frame = mapping.map(|m| Arc::new(self.name(pid, &m, ip)));
        // An address no mapping held may be mapped later (dlopen): not remembered, unless the
        // process is gone and cannot tell more.
        if frame.is_some() || self.procs.get(&pid).is_some_and(|p| p.gone) {
            if self.frames.len() >= PAIRS_MAX {
                self.frames.clear();
            }
            self.frames.insert((pid, ip), frame.clone());
        }
        frame
    }

    /// A new process starts with its parent's mappings.
    pub fn fork(&mut self, parent: u32, child: u32) {
        if parent == child {
            return;
        }
        // Known or not yet, the parent is where a gone child's mappings can still be found.
        let maps = self
            .procs
            .get(&parent)
            .map_or_else(|| Arc::new(Vec::new()), |p| Arc::clone(&p.maps));
        self.forget(child);
        self.procs.insert(
            child,
            Proc {
                maps,
                // Read its own maps on the first miss.
                read_ns: 0,
                gone: false,
                parent: Some(parent),
            },
        );
    }

    /// The process ran a new program, or ended: what was known of its mappings is void.
    pub fn forget(&mut self, pid: u32) {
        if self.procs.remove(&pid).is_some() {
            self.frames.retain(|(p, _), _| *p != pid);
        }
    }

    fn read_maps(&mut self, pid: u32) -> &Proc {
        let text = std::fs::read_to_string(self.proc_root.join(format!("{pid}/maps")));
        let gone = text.is_err();
        let maps = maps::parse(&text.unwrap_or_default());
        let p = Proc {
            maps: Arc::new(maps),
            read_ns: boot_ns(),
            gone,
            parent: self.procs.get(&pid).and_then(|p| p.parent),
        };
        let old = self.procs.insert(pid, p);
        // A process that vanished keeps what was known of it (a forked child's inheritance).
        if gone && let Some(old) = old {
            self.procs.insert(pid, Proc { gone: true, ..old });
        }
        &self.procs[&pid]
    }

    /// The mapping that held `ip` when the call entered at `at_ns`. Maps read after that
    /// moment held every mapping the call could have been made from: a miss there is final
    /// (a mapping gone since, or none), and costs no read. Maps read before it may lack one
    /// made since (a library loaded later; a new program's C library, when tracer read its maps
    /// between the exec and the loader's mmap): read them again.
    fn mapping(&mut self, pid: u32, ip: u64, at_ns: u64) -> Option<Mapping> {
        self.mapping_in(pid, ip, at_ns, FORK_DEPTH)
    }

    /// [`Symbolizer::mapping`], and for a forked process gone before its maps were read (or
    /// read before the address was mapped), its parent's, up to `depth` forks back: a child
    /// that did not exec holds a copy of its parent's mappings, and the parent, still alive,
    /// most likely maps there what it did at the fork (the C library, the program). Not
    /// guaranteed: a parent that unmapped the address since, or mapped something else there,
    /// names it as it is now.
    fn mapping_in(&mut self, pid: u32, ip: u64, at_ns: u64, depth: u32) -> Option<Mapping> {
        let find = |p: &Proc| p.maps.iter().find(|m| m.start <= ip && ip < m.end).cloned();
        let p = match self.procs.get(&pid) {
            Some(p) => p,
            None => self.read_maps(pid),
        };
        if let Some(m) = find(p) {
            return Some(m);
        }
        let p = if p.gone || p.read_ns >= at_ns {
            p
        } else {
            self.read_maps(pid)
        };
        if let Some(m) = find(p) {
            return Some(m);
        }
        let parent = p.parent.filter(|_| p.gone && depth > 0)?;
        self.mapping_in(parent, ip, at_ns, depth - 1)
    }

    fn name(&mut self, pid: u32, m: &Mapping, ip: u64) -> UserFrame {
        let file_off = ip - m.start + m.pgoff;
        let key = match &m.object {
            // One image per ABI, told apart by their bytes (a page or two, read once per
            // address first seen there).
            Object::Vdso => self
                .read_object(pid, m)
                .map(|d| Object::VdsoImage(crc32fast::hash(&d))),
            k => Some(k.clone()),
        };
        let syms = match key {
            None | Some(Object::Anonymous) => None,
            Some(key) => match self.files.get(&key) {
                Some(s) => s.clone(),
                // Only what was read is remembered: bytes that did not parse stay unparsed,
                // but a read that failed (the process gone with its `map_files`, between the
                // read of its maps and this) says nothing of the file, and another process
                // mapping it, or a later call, reads it again.
                None => match self.read_object(pid, m) {
                    Some(d) => {
                        let s = Symbols::parse(&d).map(Arc::new);
                        self.files.insert(key, s.clone());
                        s
                    }
                    None => None,
                },
            },
        };
        let vaddr = syms.as_ref().and_then(|s| s.vaddr_of(file_off));
        let func = syms
            .as_ref()
            .zip(vaddr)
            .and_then(|(s, v)| s.at(v))
            .map(|(name, off)| (Box::<str>::from(name), off));
        let file = match &m.object {
            Object::Anonymous => None,
            _ => Some(m.path.clone()),
        };
        match func {
            Some((name, off)) => UserFrame {
                func: Some(name),
                off,
                file,
            },
            None => UserFrame {
                func: None,
                off: vaddr.unwrap_or(file_off),
                file,
            },
        }
    }

    /// The bytes of a mapped object: the file through `/proc/PID/map_files` (which opens it
    /// even when deleted or in another mount namespace), else through the process's root; the
    /// vDSO from the process's memory.
    fn read_object(&self, pid: u32, m: &Mapping) -> Option<Vec<u8>> {
        let dir = self.proc_root.join(pid.to_string());
        if matches!(m.object, Object::Vdso) {
            return read_mem(&dir.join("mem"), m.start, m.end - m.start);
        }
        let via_map_files = dir.join(format!("map_files/{:x}-{:x}", m.start, m.end));
        read_regular(&via_map_files, None)
            .or_else(|| read_regular(&dir.join(format!("root{}", m.raw_path)), None))
            .or_else(|| self.read_elsewhere(pid, m))
    }

    /// The bytes of mapping `m`'s file when process `pid` can no longer give them (it exited:
    /// its `map_files` and `root` went with it; its maps may still be known, read while it
    /// lived or copied from its parent at the fork): through another live process known to map
    /// the same file, else the path as tracer sees it, taken only when the file there is the
    /// one mapped (the same device and inode). A process in another mount namespace whose file
    /// tracer's namespace does not hold is left unnamed.
    fn read_elsewhere(&self, pid: u32, m: &Mapping) -> Option<Vec<u8>> {
        let Object::File { dev, inode } = &m.object else {
            return None;
        };
        let same = |o: &Mapping| o.object == m.object;
        for (&other, p) in &self.procs {
            if other == pid || p.gone {
                continue;
            }
            if let Some(o) = p.maps.iter().find(|o| same(o)) {
                let dir = self.proc_root.join(other.to_string());
                let f = dir.join(format!("map_files/{:x}-{:x}", o.start, o.end));
                if let Some(d) = read_regular(&f, None) {
                    return Some(d);
                }
            }
        }
        let id = parse_dev(dev).map(|(major, minor)| (major, minor, *inode))?;
        read_regular(Path::new(&*m.raw_path), Some(id))
    }
}

/// `/proc/PID/maps`' device, `major:minor` in hex (`fd:01`).
fn parse_dev(dev: &str) -> Option<(u32, u32)> {
    let (major, minor) = dev.split_once(':')?;
    Some((
        u32::from_str_radix(major, 16).ok()?,
        u32::from_str_radix(minor, 16).ok()?,
    ))
}

/// The largest object file read for its symbols (a browser's library is about 150 MiB).
const OBJECT_MAX: u64 = 1 << 30;

/// The bytes of the regular file at `path`, if it is one of at most [`OBJECT_MAX`] bytes. The
/// path under the process's root (and a mapped file's path) is the program's to change between
/// its `mmap` and this read: it is first opened as a path only (`O_PATH`: a device, a FIFO or
/// anything else put there is not opened, so nothing happens that opening it would do, and
/// nothing blocks), checked on that descriptor, and only a regular file is then opened for
/// reading, through that descriptor (`/proc/self/fd/N`: the same file, whatever the path names
/// by then). With `id` (major, minor, inode), only the file with that identity.
fn read_regular(path: &Path, id: Option<(u32, u32, u64)>) -> Option<Vec<u8>> {
    use std::io::Read as _;
    use std::os::fd::AsRawFd as _;
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    let at = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(path)
        .ok()?;
    let meta = at.metadata().ok()?;
    if !meta.is_file() || meta.len() > OBJECT_MAX {
        return None;
    }
    if let Some((major, minor, inode)) = id {
        let d = meta.dev();
        if (libc::major(d), libc::minor(d), meta.ino()) != (major, minor, inode) {
            return None;
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(format!("/proc/self/fd/{}", at.as_raw_fd()))
        .ok()?;
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    f.read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// How a joiner names each call's saved user `ip`.
#[derive(Default)]
pub enum UserSyms {
    /// Not at all (tests, and sources that carry no addresses).
    #[default]
    Off,
    /// From the live processes.
    Live(Box<Symbolizer>),
    /// From a recording's user-frame frames, by (process, address).
    Recorded(FastMap<(u32, u64), Option<Arc<UserFrame>>>),
}

impl UserSyms {
    /// Where `pid`'s address `ip`, entered at `at_ns` (`CLOCK_BOOTTIME`), lies.
    pub fn lookup(&mut self, pid: u32, ip: u64, at_ns: u64) -> Option<Arc<UserFrame>> {
        match self {
            UserSyms::Off => None,
            UserSyms::Live(s) => s.lookup(pid, ip, at_ns),
            UserSyms::Recorded(m) => m.get(&(pid, ip)).cloned().flatten(),
        }
    }

    pub fn fork(&mut self, parent: u32, child: u32) {
        if let UserSyms::Live(s) = self {
            s.fork(parent, child);
        }
    }

    pub fn forget(&mut self, pid: u32) {
        if let UserSyms::Live(s) = self {
            s.forget(pid);
        }
    }

    /// A user-frame frame of a recording; a later one for the same (process, address), after
    /// an exec, replaces it. Its text came from a file anyone can write: escaped unless it is
    /// the inert text tracer wrote ([`crate::escape::recorded`]).
    pub fn record(&mut self, u: UserFrameRecord) {
        if !matches!(self, UserSyms::Recorded(_)) {
            *self = UserSyms::Recorded(FastMap::default());
        }
        let UserSyms::Recorded(m) = self else { return };
        let esc = |s: String| crate::escape::recorded(&s).into_owned().into_boxed_str();
        let frame = u.mapped.then(|| {
            Arc::new(UserFrame {
                func: u.func.as_deref().map(demangle::recorded),
                off: u.off,
                file: u.file.map(esc),
            })
        });
        m.insert((u.pid, u.ip), frame);
    }
}

/// For a native recording: names each entry's `ip` as the records go by, and says which
/// (process, address) pairs the recording has not yet been told about.
#[derive(Default)]
pub struct Interner {
    sym: Symbolizer,
    written: FastSet<(u32, u64)>,
}

impl Interner {
    /// What to write before the raw record `raw`, if anything. A process record updates what
    /// is known (fork: the child's mappings; exec and exit: forgotten, and named again).
    pub fn before(&mut self, raw: &[u8]) -> Option<UserFrameRecord> {
        use tracer_common::{CLONE_THREAD, REC_ENTER, REC_EXEC, REC_FORK, REC_TASK_EXIT};
        match crate::event::kind(raw)? {
            REC_ENTER => {
                let (pid, ip, at_ns) = crate::event::enter_ip(raw)?;
                if ip == 0 || self.written.contains(&(pid, ip)) {
                    return None;
                }
                if self.written.len() >= PAIRS_MAX {
                    self.written.clear();
                }
                self.written.insert((pid, ip));
                let f = self.sym.lookup(pid, ip, at_ns);
                Some(to_record(pid, ip, f.as_deref()))
            }
            REC_FORK => {
                if let Ok(crate::event::Record::Fork { hdr, body }) = crate::event::decode(raw)
                    && body.clone_flags & CLONE_THREAD == 0
                {
                    self.sym.fork(hdr.pid, body.child_tid);
                }
                None
            }
            REC_EXEC => {
                self.forget(crate::event::pid(raw)?);
                None
            }
            REC_TASK_EXIT => {
                self.forget(crate::event::exited_process(raw)?);
                None
            }
            _ => None,
        }
    }

    fn forget(&mut self, pid: u32) {
        self.sym.forget(pid);
        self.written.retain(|(p, _)| *p != pid);
    }
}

/// The frame a recording carries for `frame` (`None`: not mapped).
pub fn to_record(pid: u32, ip: u64, frame: Option<&UserFrame>) -> UserFrameRecord {
    UserFrameRecord {
        pid,
        ip,
        mapped: frame.is_some(),
        func: frame.and_then(|f| f.func.as_deref().map(str::to_string)),
        off: frame.map_or(0, |f| f.off),
        file: frame.and_then(|f| f.file.as_deref().map(str::to_string)),
    }
}

fn read_mem(mem: &Path, at: u64, len: u64) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt as _;
    // The vDSO is a page or two; anything much larger is not it.
    if len > 1 << 20 {
        return None;
    }
    let f = std::fs::File::open(mem).ok()?;
    let mut buf = vec![0u8; usize::try_from(len).ok()?];
    f.read_exact_at(&mut buf, at).ok()?;
    Some(buf)
}

#[cfg(test)]
mod tests;
