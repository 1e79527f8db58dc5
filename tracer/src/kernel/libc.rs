//! The user-space side of a journey: uprobes on the C library's wrappers (`bind()` in libc),
//! so that a call shows where the program called it from. A program linked statically, or one
//! that issues raw `syscall(2)`/`int 0x80` itself, calls no probed wrapper: its journey says so
//! instead of inventing the hop.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use crate::syscalls::ROWS;

use aya::Ebpf;
use aya::programs::UProbe;
use aya::programs::uprobe::{UProbeAttachPoint, UProbeScope};

/// The C library functions probed, each with the syscalls it leads to, what glibc issues
/// first: the rows' `libc` names, then their `libc_also` names (syscalls/table.rs), in row
/// order, each once.
pub static WRAPPERS: LazyLock<Vec<(&'static str, Vec<&'static str>)>> = LazyLock::new(|| {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    let issued = ROWS.iter().flat_map(|r| r.libc.iter().map(move |f| (r, f)));
    let also = ROWS
        .iter()
        .flat_map(|r| r.libc_also.iter().map(move |f| (r, f)));
    for (row, func) in issued.chain(also) {
        match out.iter_mut().find(|(f, _)| f == func) {
            Some((_, calls)) if !calls.contains(&row.name) => calls.push(row.name),
            Some(_) => {}
            None => out.push((func, vec![row.name])),
        }
    }
    out
});

/// Where Debian, Ubuntu and Fedora keep the 64-bit and the 32-bit C library.
static LIBC_PATHS: &[&str] = &[
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib32/libc.so.6",
    "/usr/lib/i386-linux-gnu/libc.so.6",
    "/usr/lib/libc.so.6",
];

/// C libraries beyond [`LIBC_PATHS`] that a traced process maps (its own copy, a container's):
/// cookie library index `LIBC_PATHS.len() + i` is entry `i`. Append-only for the life of the
/// process; the strings are leaked so that cookies resolve to `&'static str` like the
/// system's paths.
static MAPPED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Registers a C library found in a process's maps; returns its library index.
fn register(path: &str) -> usize {
    let mut mapped = MAPPED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(i) = mapped.iter().position(|p| *p == path) {
        return LIBC_PATHS.len() + i;
    }
    mapped.push(Box::leak(path.to_string().into_boxed_str()));
    LIBC_PATHS.len() + mapped.len() - 1
}

/// The library a cookie's index stands for.
fn library(index: usize) -> Option<&'static str> {
    if let Some(p) = LIBC_PATHS.get(index) {
        return Some(p);
    }
    let mapped = MAPPED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    mapped.get(index - LIBC_PATHS.len()).copied()
}

/// The cookie a uprobe reports: which library and which wrapper.
pub fn cookie(lib: usize, func: usize) -> u64 {
    ((lib as u64) << 16) | func as u64
}

/// The wrapper and library a cookie stands for.
pub fn from_cookie(cookie: u64) -> Option<(&'static str, &'static str)> {
    let lib = library((cookie >> 16) as usize)?;
    let (func, _) = WRAPPERS.get((cookie & 0xffff) as usize)?;
    Some((func, lib))
}

/// Whether a mapped file's name is a C library's: glibc's `libc.so.6` (and the old
/// `libc-2.31.so` names) or musl's `libc.musl-x86_64.so.1`.
fn is_libc_name(name: &str) -> bool {
    name == "libc.so.6"
        || (name.starts_with("libc-") && Path::new(name).extension().is_some_and(|e| e == "so"))
        || name.starts_with("libc.musl-")
}

/// The C libraries these processes have mapped, as paths the host can open: a process in
/// another mount namespace (a container) names files in its own root, which
/// `/proc/PID/root` leads to. From `/proc/PID/maps` (fs/proc/task_mmu.c: the path is the last
/// field).
pub fn mapped_libcs(pids: &[u32]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for pid in pids {
        let Ok(maps) = std::fs::read_to_string(format!("/proc/{pid}/maps")) else {
            continue;
        };
        for line in maps.lines() {
            let Some(path) = line
                .split_whitespace()
                .nth(5)
                .filter(|p| p.starts_with('/'))
            else {
                continue;
            };
            let name = Path::new(path)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("");
            if !is_libc_name(name) {
                continue;
            }
            let host = PathBuf::from(format!("/proc/{pid}/root{path}"));
            if let Ok(real) = host.canonicalize()
                && !out.contains(&real)
            {
                out.push(real);
            }
        }
    }
    out
}

/// Does calling libc's `func` lead to the syscall `syscall`?
pub fn leads_to(func: &str, syscall: &str) -> bool {
    WRAPPERS
        .iter()
        .any(|(f, s)| *f == func && s.contains(&syscall))
}

/// Attach the wrapper uprobes to the system's C libraries and to those the traced processes
/// `pids` have mapped. Returns the libraries probed and how many functions in each; never
/// fails (a library or symbol that is missing is skipped). A file is probed once however many
/// names lead to it: uprobes attach to the inode, and a second probe would report each call
/// twice.
///
/// Only the wrappers that lead to a selected syscall are probed. Each uprobe is a perf event
/// of its own, and the kernel creates and destroys them one at a time under one global lock,
/// each destruction waiting for an RCU grace period (perf_uprobe_destroy ->
/// uprobe_unregister_sync, kernel/events/uprobes.c): 84 of them kept other tracers waiting for
/// seconds. `wanted(syscall)` says whether a syscall is traced.
pub fn attach(
    ebpf: &mut Ebpf,
    links: &mut Vec<super::Link>,
    pids: &[u32],
    wanted: &dyn Fn(&str) -> bool,
) -> Vec<(PathBuf, usize)> {
    let Some(prog) = ebpf.program_mut("hop_uprobe") else {
        return Vec::new();
    };
    let Ok(prog): Result<&mut UProbe, _> = prog.try_into() else {
        return Vec::new();
    };
    if prog.load().is_err() {
        return Vec::new();
    }
    let mut seen: Vec<(u64, u64)> = Vec::new();
    let mut out = Vec::new();
    let system = LIBC_PATHS
        .iter()
        .enumerate()
        .filter_map(|(li, p)| Some((li, Path::new(p).canonicalize().ok()?)));
    let mapped: Vec<(usize, PathBuf)> = mapped_libcs(pids)
        .into_iter()
        .map(|p| (usize::MAX, p))
        .collect();
    for (li, real) in system.chain(mapped) {
        // /lib and /usr/lib are one directory on merged-/usr systems: probe each file once.
        let Ok(meta) = std::fs::metadata(&real) else {
            continue;
        };
        let id = (meta.dev(), meta.ino());
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let li = if li == usize::MAX {
            // A traced process chose where its C library is mapped (/proc/PID/maps): the name
            // the journeys show is escaped.
            register(&crate::escape::path(&real))
        } else {
            li
        };
        let mut n = 0;
        for (fi, (func, calls)) in WRAPPERS.iter().enumerate() {
            if !calls.iter().any(|c| wanted(c)) {
                continue;
            }
            let point = UProbeAttachPoint {
                location: (*func).into(),
                cookie: Some(cookie(li, fi)),
            };
            if let Ok(id) = prog.attach(point, &real, UProbeScope::AllProcesses)
                && let Ok(link) = prog.take_link(id)
            {
                links.push(Box::new(link));
                n += 1;
            }
        }
        out.push((real, n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip() {
        let bind = WRAPPERS.iter().position(|(f, _)| *f == "bind").unwrap();
        assert_eq!(
            from_cookie(cookie(2, bind)),
            Some(("bind", "/lib32/libc.so.6"))
        );
        assert_eq!(from_cookie(cookie(99, 0)), None);
        assert!(leads_to("pipe", "pipe2"));
        assert!(leads_to("semop", "semtimedop"));
        assert!(!leads_to("bind", "connect"));
    }

    #[test]
    fn libraries_found_in_maps_get_cookies_of_their_own() {
        let i = register("/opt/app/lib/libc.so.6");
        assert!(i >= LIBC_PATHS.len());
        assert_eq!(register("/opt/app/lib/libc.so.6"), i, "registered once");
        let bind = WRAPPERS.iter().position(|(f, _)| *f == "bind").unwrap();
        assert_eq!(
            from_cookie(cookie(i, bind)),
            Some(("bind", "/opt/app/lib/libc.so.6"))
        );
        assert!(is_libc_name("libc.so.6") && is_libc_name("libc-2.31.so"));
        assert!(is_libc_name("libc.musl-x86_64.so.1"));
        assert!(!is_libc_name("libcrypto.so.3") && !is_libc_name("libc.so"));
    }

    #[test]
    fn this_process_maps_the_system_c_library() {
        let mine = mapped_libcs(&[std::process::id()]);
        assert!(mine.iter().any(|p| p.ends_with("libc.so.6")), "{mine:?}");
    }
}
