//! `socketpair`: a connected pair of UNIX stream sockets shared across `fork`.
//!
//! 1. `socketpair(AF_UNIX, SOCK_STREAM, 0, sv)` returns two sockets already connected to each
//!    other: no names, no `bind`/`listen`/`accept`/`connect`;
//! 2. `fork()`: both processes now hold both ends;
//! 3. child: `close(sv[0])` (it uses `sv[1]`), `write(sv[1], "ping")`, `read(sv[1])` gets
//!    `"pong"`, `close(sv[1])`, `_exit`;
//! 4. parent: `close(sv[1])` (it uses `sv[0]`), `read(sv[0])` gets `"ping"`,
//!    `write(sv[0], "pong")`, `close(sv[0])`, `waitpid`.
//!
//! The lesson: unlike a pipe, each end of a socket pair is bidirectional; it is the usual way
//! for a parent and child (or two threads) to talk without touching the filesystem. Each
//! process closes the end it does not use, so that end of file is seen when the other side
//! closes.

use anyhow::Result;

use super::util::{Fd, check, close, fork, receive, send};

pub fn run() -> Result<()> {
    let mut sv = [0 as libc::c_int; 2];
    // SAFETY: `sv` is a writable array of two ints, as socketpair requires.
    check("socketpair", unsafe {
        libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr())
    })?;
    let (parent_end, child_end) = (Fd::new("socketpair", sv[0])?, Fd::new("socketpair", sv[1])?);
    println!("socketpair: sv[0] = {}, sv[1] = {}", sv[0], sv[1]);

    let child = fork("child", || {
        // The child's copies of the descriptors are its own; it closes them by number.
        close(sv[0])?;
        send("child", sv[1], b"ping")?;
        receive("child", sv[1], b"pong")?;
        close(sv[1])
    })?;

    child_end.close()?;
    receive("parent", parent_end.raw(), b"ping")?;
    send("parent", parent_end.raw(), b"pong")?;
    parent_end.close()?;
    child.wait()
}
