//! `sigpipe`: writing to a pipe nobody reads. The kernel sends the writer `SIGPIPE`, and the
//! write fails with `EPIPE`; what the writer sees depends on what it did with `SIGPIPE`.
//!
//! 1. `pipe(fds)`, then `close(fds[0])`: the only read end is gone before anyone writes;
//! 2. `fork()` child 1: `sigaction(SIGPIPE, SIG_IGN)`, `write(fds[1], "hello")`: -1, `EPIPE`;
//!    it prints that and exits 0; the parent reaps it;
//! 3. `fork()` child 2: `sigaction(SIGPIPE, SIG_DFL)`, `write(fds[1], "hello")`: the default
//!    action of `SIGPIPE` terminates it on its way out of the call (signal(7)), so it never sees
//!    the return value; the parent's `waitpid` reports "killed by signal 13".
//!
//! Kernel (fs/pipe.c, `anon_pipe_write` in 6.18 and 7.2, `pipe_write` in 6.1): with
//! `pipe->readers == 0` the write calls `send_sig(SIGPIPE, current, 0)` and returns `-EPIPE`.
//! An ignored `SIGPIPE` is dropped when it is sent (kernel/signal.c: `sig_ignored` in
//! `prepare_signal`); a default one is taken by `get_signal` on the way back to user space, whose
//! default action for `SIGPIPE` is to end the process (`do_group_exit`). (The Rust runtime
//! ignores `SIGPIPE` at start-up, which is why each child sets the disposition it is about.)

use std::mem;

use anyhow::{Result, bail};

use super::util::{check, close, fork, os_error};

const MESSAGE: &[u8; 5] = b"hello";

/// `write(fd, "hello", 5)` from a copy on the stack: a forked child has not yet touched the
/// page of the program's constants, which tracer then could not read to show the bytes.
fn write_hello(fd: libc::c_int) -> isize {
    let msg = std::hint::black_box(*MESSAGE);
    // SAFETY: `msg` is a valid buffer of msg.len() bytes for the call.
    unsafe { libc::write(fd, msg.as_ptr().cast(), msg.len()) }
}

pub fn run() -> Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe requires.
    check("pipe", unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    close(fds[0])?;
    println!(
        "pipe [{}, {}]: read end closed, no reader left",
        fds[0], fds[1]
    );

    let ignoring = fork("ignoring", || {
        set_sigpipe(libc::SIG_IGN)?;
        let n = write_hello(fds[1]);
        let err = os_error("write");
        if n != -1 || err.kind() != std::io::ErrorKind::BrokenPipe {
            bail!("expected EPIPE, got {n} ({err})");
        }
        println!("child 1 (SIGPIPE ignored): write failed: {err}");
        Ok(())
    })?;
    ignoring.wait()?;

    let default = fork("default", || {
        set_sigpipe(libc::SIG_DFL)?;
        let n = write_hello(fds[1]);
        bail!("still alive after the write returned {n}")
    })?;
    let pid = default.pid();
    let sig = default.wait_killed()?;
    if sig != libc::SIGPIPE {
        bail!("child 2 was killed by signal {sig}, not SIGPIPE");
    }
    println!("child 2 (SIGPIPE default, pid {pid}): killed by signal {sig} (SIGPIPE)");
    close(fds[1])
}

/// `sigaction(SIGPIPE, {handler}, NULL)`.
fn set_sigpipe(handler: libc::sighandler_t) -> Result<()> {
    // SAFETY: sigaction is plain old data; all-zero bytes are a valid value (no flags, empty
    // mask); the handler set is SIG_IGN or SIG_DFL, no function.
    let mut action: libc::sigaction = unsafe { mem::zeroed() };
    action.sa_sigaction = handler;
    // SAFETY: `action` is valid for the call; the old action is not wanted.
    check("sigaction", unsafe {
        libc::sigaction(libc::SIGPIPE, &raw const action, std::ptr::null_mut())
    })?;
    Ok(())
}
