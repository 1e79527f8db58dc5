//! The user-space side of a journey: uprobes on the C library's wrappers (`bind()` in libc),
//! so that a call shows where the program called it from. A program linked statically, or one
//! that issues raw `syscall(2)`/`int 0x80` itself, calls no probed wrapper: its journey says so
//! instead of inventing the hop.

use std::path::{Path, PathBuf};

use aya::Ebpf;
use aya::programs::UProbe;
use aya::programs::uprobe::{UProbeAttachPoint, UProbeScope};

/// libc functions probed, and the syscalls each one issues (glibc 2.36 on x86_64 and i386:
/// `pipe` issues `pipe2`, `semop` issues `semtimedop`, `mkfifo` issues `mknodat`; on i386 the
/// socket calls go through `socketcall`, which tracer shows as the inner call).
pub static WRAPPERS: &[(&str, &[&str])] = &[
    ("socket", &["socket"]),
    ("socketpair", &["socketpair"]),
    ("bind", &["bind"]),
    ("connect", &["connect"]),
    ("listen", &["listen"]),
    ("accept", &["accept", "accept4"]),
    ("accept4", &["accept4"]),
    ("send", &["sendto", "send"]),
    ("sendto", &["sendto"]),
    ("recv", &["recvfrom", "recv"]),
    ("recvfrom", &["recvfrom"]),
    ("sendmsg", &["sendmsg"]),
    ("recvmsg", &["recvmsg"]),
    ("shutdown", &["shutdown"]),
    ("setsockopt", &["setsockopt"]),
    ("getsockopt", &["getsockopt"]),
    ("getsockname", &["getsockname"]),
    ("getpeername", &["getpeername"]),
    ("pipe", &["pipe2", "pipe"]),
    ("pipe2", &["pipe2"]),
    ("mkfifo", &["mknodat", "mknod"]),
    ("mknod", &["mknodat", "mknod"]),
    ("unlink", &["unlink"]),
    ("msgget", &["msgget"]),
    ("msgsnd", &["msgsnd"]),
    ("msgrcv", &["msgrcv"]),
    ("msgctl", &["msgctl"]),
    ("semget", &["semget"]),
    ("semop", &["semtimedop", "semtimedop_time64", "semop"]),
    ("semctl", &["semctl"]),
    ("shmget", &["shmget"]),
    ("shmat", &["shmat"]),
    ("shmdt", &["shmdt"]),
    ("shmctl", &["shmctl"]),
    ("kill", &["kill"]),
    ("sigqueue", &["rt_sigqueueinfo"]),
    ("sigaction", &["rt_sigaction"]),
    ("memfd_create", &["memfd_create"]),
    ("mq_open", &["mq_open"]),
    ("mq_send", &["mq_timedsend", "mq_timedsend_time64"]),
    ("mq_receive", &["mq_timedreceive", "mq_timedreceive_time64"]),
    ("mq_unlink", &["mq_unlink"]),
];

/// Where Debian, Ubuntu and Fedora keep the 64-bit and the 32-bit C library.
static LIBC_PATHS: &[&str] = &[
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib32/libc.so.6",
    "/usr/lib/i386-linux-gnu/libc.so.6",
    "/usr/lib/libc.so.6",
];

/// The cookie a uprobe reports: which library and which wrapper.
pub fn cookie(lib: usize, func: usize) -> u64 {
    ((lib as u64) << 16) | func as u64
}

/// The wrapper and library a cookie stands for.
pub fn from_cookie(cookie: u64) -> Option<(&'static str, &'static str)> {
    let lib = LIBC_PATHS.get((cookie >> 16) as usize)?;
    let (func, _) = WRAPPERS.get((cookie & 0xffff) as usize)?;
    Some((func, lib))
}

/// Does calling libc's `func` lead to the syscall `syscall`?
pub fn leads_to(func: &str, syscall: &str) -> bool {
    WRAPPERS
        .iter()
        .any(|(f, s)| *f == func && s.contains(&syscall))
}

/// Attach the wrapper uprobes to every C library found. Returns the libraries probed and how
/// many functions in each; never fails (a library or symbol that is missing is skipped).
pub fn attach(ebpf: &mut Ebpf, links: &mut Vec<super::Link>) -> Vec<(PathBuf, usize)> {
    let Some(prog) = ebpf.program_mut("hop_uprobe") else {
        return Vec::new();
    };
    let Ok(prog): Result<&mut UProbe, _> = prog.try_into() else {
        return Vec::new();
    };
    if prog.load().is_err() {
        return Vec::new();
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (li, path) in LIBC_PATHS.iter().enumerate() {
        // /lib and /usr/lib are one directory on merged-/usr systems: probe each file once.
        let Ok(real) = Path::new(path).canonicalize() else {
            continue;
        };
        if seen.contains(&real) {
            continue;
        }
        seen.push(real.clone());
        let mut n = 0;
        for (fi, (func, _)) in WRAPPERS.iter().enumerate() {
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
}
