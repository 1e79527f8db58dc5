//! Benchmark workloads (`tracer workload NAME -n ITERATIONS`, hidden): tight loops of the calls
//! the lessons teach, for `cargo xtask bench` to run untraced and under tracer, strace,
//! `perf trace` and bpftrace.
//!
//! Each workload sets its command name to `tbench` (so that a bpftrace filter can select it),
//! does its set-up, then times only its loop with `CLOCK_MONOTONIC`, so the start-up of whichever
//! tracer runs it is not in the figure. It prints one line on stderr:
//!
//! `workload NAME iterations=N calls=C ns_per_iter=X cpu_ns=Y cpu=K`
//!
//! where `calls` is the number of system calls the loop made (all processes), the number a
//! tracer must account for (received + lost), and `cpu_ns` the CPU time of the workload's
//! processes (user + system, children included) over their whole life, and `cpu` the one CPU
//! the workload runs on (see [`pin_to_last_cpu`]).

use std::io;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};

use super::util::{self, Fd, IpcKind, IpcObject, check};

/// One workload: its name, the system calls one iteration makes (over all its processes) and
/// a one-line summary.
pub struct WorkloadInfo {
    pub name: &'static str,
    pub calls_per_iter: u64,
    pub syscalls: &'static str,
    pub summary: &'static str,
}

pub static WORKLOADS: [WorkloadInfo; 6] = [
    WorkloadInfo {
        name: "dense",
        calls_per_iter: 2,
        syscalls: "write,read",
        summary: "one process: 1-byte write + read over a socketpair",
    },
    WorkloadInfo {
        name: "socketpair-pingpong",
        calls_per_iter: 4,
        syscalls: "write,read",
        summary: "two processes: 1 byte each way over a socketpair",
    },
    WorkloadInfo {
        name: "pipe-pingpong",
        calls_per_iter: 4,
        syscalls: "write,read",
        summary: "two processes: 1 byte each way over two pipes",
    },
    WorkloadInfo {
        name: "bind-churn",
        calls_per_iter: 4,
        syscalls: "socket,bind,close,unlink",
        summary: "socket + bind to a path + close + unlink (AF_UNIX)",
    },
    WorkloadInfo {
        name: "msg-pingpong",
        calls_per_iter: 4,
        syscalls: "msgsnd,msgrcv",
        summary: "two processes: msgsnd/msgrcv by type over one System V queue",
    },
    WorkloadInfo {
        name: "socketcall32",
        calls_per_iter: 3,
        syscalls: "socket,bind,close",
        summary: "int 0x80: socketcall(SYS_SOCKET), socketcall(SYS_BIND) abstract, close",
    },
];

/// Runs workload `name` for `iterations` iterations and prints its result line on stderr.
pub fn run(name: &str, iterations: u64) -> Result<()> {
    let Some(info) = WORKLOADS.iter().find(|w| w.name == name) else {
        let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
        bail!(
            "unknown workload {name:?}; valid workloads are: {}",
            names.join(", ")
        );
    };
    if iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, c"tbench".as_ptr()) };
    let cpu = pin_to_last_cpu()?;
    let ns = match name {
        "dense" => dense(iterations)?,
        "socketpair-pingpong" => socketpair_pingpong(iterations)?,
        "pipe-pingpong" => pipe_pingpong(iterations)?,
        "bind-churn" => bind_churn(iterations)?,
        "msg-pingpong" => msg_pingpong(iterations)?,
        "socketcall32" => socketcall32(iterations)?,
        _ => unreachable!("every workload in WORKLOADS has a runner"),
    };
    let tenths = ns * 10 / u128::from(iterations);
    eprintln!(
        "workload {name} iterations={iterations} calls={} ns_per_iter={}.{} cpu_ns={} cpu={cpu}",
        iterations * info.calls_per_iter,
        tenths / 10,
        tenths % 10,
        cpu_ns()
    );
    Ok(())
}

/// Runs this process (and the children it forks) on the last CPU it may use.
///
/// Unpinned, a two-process ping-pong's time is mostly the wake-up of an idle CPU (tens of
/// microseconds in a VM), which a busy tracer on the other CPU shortens: traced runs came out
/// faster than untraced ones. On one CPU each round trip is two context switches, and a tracer's
/// reader runs on another CPU, as it would on a real machine with cores to spare.
fn pin_to_last_cpu() -> Result<usize> {
    // SAFETY: an all-zero cpu_set_t is the empty set; the calls read and write only `set`.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `set` is a valid cpu_set_t of the size passed.
    check("sched_getaffinity", unsafe {
        libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &raw mut set)
    })?;
    let cpu = (0..libc::CPU_SETSIZE as usize)
        .rev()
        // SAFETY: `c` is below CPU_SETSIZE.
        .find(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .context("no CPU in this process's affinity mask")?;
    // SAFETY: as above.
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` is below CPU_SETSIZE.
    unsafe { libc::CPU_SET(cpu, &mut one) };
    // SAFETY: `one` is a valid cpu_set_t of the size passed.
    check("sched_setaffinity", unsafe {
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &raw const one)
    })?;
    Ok(cpu)
}

/// User + system time of this process and its reaped children, in nanoseconds.
fn cpu_ns() -> u128 {
    let tv = |t: libc::timeval| t.tv_sec as u128 * 1_000_000_000 + t.tv_usec as u128 * 1_000;
    let mut total = 0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: an all-zero rusage is a valid value; getrusage fills it.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `ru` is a valid, writable rusage.
        if unsafe { libc::getrusage(who, &raw mut ru) } == 0 {
            total += tv(ru.ru_utime) + tv(ru.ru_stime);
        }
    }
    total
}

fn elapsed_ns(start: Instant) -> u128 {
    start.elapsed().as_nanos()
}

fn socketpair() -> Result<(Fd, Fd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    check("socketpair", unsafe {
        libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr())
    })?;
    Ok((
        Fd::new("socketpair", fds[0])?,
        Fd::new("socketpair", fds[1])?,
    ))
}

fn pipe() -> Result<(Fd, Fd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe writes.
    check("pipe", unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    Ok((Fd::new("pipe", fds[0])?, Fd::new("pipe", fds[1])?))
}

/// One byte through the libc `write` wrapper.
#[inline]
fn put(fd: libc::c_int) -> io::Result<()> {
    let b = 1u8;
    // SAFETY: writes one byte from `b`, which lives across the call.
    let n = check("write", unsafe {
        libc::write(fd, (&raw const b).cast(), 1)
    })?;
    if n == 1 {
        Ok(())
    } else {
        Err(io::Error::other("write: short write"))
    }
}

/// One byte through the libc `read` wrapper.
#[inline]
fn get(fd: libc::c_int) -> io::Result<()> {
    let mut b = 0u8;
    // SAFETY: reads at most one byte into `b`.
    let n = check("read", unsafe { libc::read(fd, (&raw mut b).cast(), 1) })?;
    if n == 1 {
        Ok(())
    } else {
        Err(io::Error::other("read: end of file"))
    }
}

fn dense(n: u64) -> Result<u128> {
    let (a, b) = socketpair()?;
    let start = Instant::now();
    for _ in 0..n {
        put(a.raw())?;
        get(b.raw())?;
    }
    Ok(elapsed_ns(start))
}

/// Parent sends on `tx`, child echoes from `crx` to `ctx`, parent receives on `rx`.
fn pingpong(n: u64, tx: &Fd, rx: &Fd, crx: &Fd, ctx: &Fd) -> Result<u128> {
    let (crx, ctx) = (crx.raw(), ctx.raw());
    let child = util::fork("echo child", move || {
        for _ in 0..n {
            get(crx)?;
            put(ctx)?;
        }
        Ok(())
    })?;
    let start = Instant::now();
    for _ in 0..n {
        put(tx.raw())?;
        get(rx.raw())?;
    }
    let ns = elapsed_ns(start);
    child.wait()?;
    Ok(ns)
}

fn socketpair_pingpong(n: u64) -> Result<u128> {
    let (a, b) = socketpair()?;
    pingpong(n, &a, &a, &b, &b)
}

fn pipe_pingpong(n: u64) -> Result<u128> {
    let (down_r, down_w) = pipe()?;
    let (up_r, up_w) = pipe()?;
    pingpong(n, &down_w, &up_r, &down_r, &up_w)
}

fn bind_churn(n: u64) -> Result<u128> {
    let dir = util::TempDir::new("bench")?;
    let path = dir.join("churn.sock");
    let (addr, len) = util::sockaddr_un_path(&path)?;
    let cpath = util::cstring(&path)?;
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: socket takes no pointers.
        let fd = check("socket", unsafe {
            libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)
        })?;
        // SAFETY: `addr` is a sockaddr_un of at least `len` bytes.
        let bound = check("bind", unsafe {
            libc::bind(fd, util::sockaddr_ptr(&addr), len)
        });
        // SAFETY: `fd` is the socket made above, not used again.
        check("close", unsafe { libc::close(fd) })?;
        bound?;
        // SAFETY: `cpath` is a NUL-terminated path.
        check("unlink", unsafe { libc::unlink(cpath.as_ptr()) })?;
    }
    Ok(elapsed_ns(start))
}

#[repr(C)]
struct Msg {
    mtype: libc::c_long,
    mtext: [u8; 1],
}

fn msg_pingpong(n: u64) -> Result<u128> {
    // SAFETY: msgget takes no pointers.
    let q = IpcObject::new(IpcKind::MessageQueue, "msgget", unsafe {
        libc::msgget(libc::IPC_PRIVATE, libc::IPC_CREAT | 0o600)
    })?;
    let id = q.id();
    let send = move |mtype: libc::c_long| -> io::Result<()> {
        let m = Msg { mtype, mtext: [1] };
        // SAFETY: `m` is a message with a 1-byte text, alive for the call.
        check("msgsnd", unsafe {
            libc::msgsnd(id, (&raw const m).cast(), 1, 0)
        })
        .map(drop)
    };
    let recv = move |mtype: libc::c_long| -> io::Result<()> {
        let mut m = Msg {
            mtype: 0,
            mtext: [0],
        };
        // SAFETY: `m` has room for a message with a 1-byte text.
        check("msgrcv", unsafe {
            libc::msgrcv(id, (&raw mut m).cast(), 1, mtype, 0)
        })
        .map(drop)
    };
    let child = util::fork("echo child", move || {
        for _ in 0..n {
            recv(1)?;
            send(2)?;
        }
        Ok(())
    })?;
    let start = Instant::now();
    for _ in 0..n {
        send(1)?;
        recv(2)?;
    }
    let ns = elapsed_ns(start);
    child.wait()?;
    q.remove()?;
    Ok(ns)
}

#[cfg(target_arch = "x86_64")]
fn socketcall32(n: u64) -> Result<u128> {
    use super::socketcall::ia32::{self, LowPage};

    ia32::check_emulation()?;
    // An abstract name ("\0tbench-<pid>"): nothing to unlink, freed when the socket closes.
    let name = format!("tbench-{}", std::process::id());
    let (addr, len) = util::sockaddr_un_abstract(name.as_bytes())?;
    let page = LowPage::map(&addr)?;
    let addr32 = page.addr32(ia32::ADDR_OFFSET);
    let start = Instant::now();
    for _ in 0..n {
        page.set_args([libc::AF_UNIX as u32, libc::SOCK_STREAM as u32, 0]);
        // SAFETY: ecx points at a 3-word argument array in the low page, as SYS_SOCKET reads.
        let ret =
            unsafe { ia32::int80(ia32::IA32_NR_SOCKETCALL, ia32::SYS_SOCKET, page.addr32(0)) };
        let fd = ia32::raw_result("ia32 socketcall(SYS_SOCKET)", ret)? as u32;
        page.set_args([fd, addr32, len]);
        // SAFETY: ecx points at a 3-word argument array in the low page whose second word is
        // the 32-bit address of a sockaddr_un of `len` bytes in the same page.
        let ret = unsafe { ia32::int80(ia32::IA32_NR_SOCKETCALL, ia32::SYS_BIND, page.addr32(0)) };
        let bound = ia32::raw_result("ia32 socketcall(SYS_BIND)", ret);
        // SAFETY: close takes no pointers; `fd` is the socket made above, not used again.
        let ret = unsafe { ia32::int80(ia32::IA32_NR_CLOSE, fd, 0) };
        bound?;
        ia32::raw_result("ia32 close", ret)?;
    }
    let ns = elapsed_ns(start);
    page.unmap()?;
    Ok(ns)
}

#[cfg(not(target_arch = "x86_64"))]
fn socketcall32(_n: u64) -> Result<u128> {
    bail!("the socketcall32 workload needs x86_64: it enters the kernel with int 0x80")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_workload_and_zero_iterations_fail() {
        let e = run("nope", 1).expect_err("unknown").to_string();
        assert!(e.contains("dense") && e.contains("socketcall32"), "{e}");
        assert!(run("dense", 0).is_err());
    }

    #[test]
    fn in_process_workloads_run() {
        dense(100).expect("dense");
        bind_churn(10).expect("bind-churn");
    }
}
