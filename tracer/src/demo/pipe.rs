//! `pipe`: an anonymous pipe from a child to its parent.
//!
//! 1. `pipe(fds)`: `fds[0]` is the read end, `fds[1]` the write end (glibc implements
//!    `pipe()` with the newer system call, so a trace shows `pipe2(fds, 0)`);
//! 2. `fork()`: both processes hold both ends;
//! 3. child: `close(fds[0])`, `write(fds[1], "hello through a pipe")`, `close(fds[1])`,
//!    `_exit`;
//! 4. parent: `close(fds[1])`, then `read(fds[0], buf, 64)` in a loop until it returns 0,
//!    `close(fds[0])`, `waitpid`.
//!
//! The lesson: a pipe is one-way; the reader sees end of file (`read` returns 0) only when
//! *every* write end is closed, which is why the parent must close its own copy of `fds[1]`
//! before reading; otherwise it would wait forever.

use anyhow::{Result, bail};

use super::util::{Fd, check, close, fork, read_once, send};

const MESSAGE: &[u8] = b"hello through a pipe";

pub fn run() -> Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe requires.
    check("pipe", unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    let (read_end, write_end) = (Fd::new("pipe", fds[0])?, Fd::new("pipe", fds[1])?);
    println!("pipe: read end {}, write end {}", fds[0], fds[1]);

    let child = fork("child", || {
        // The child's copies of the descriptors are its own; it closes them by number.
        close(fds[0])?;
        send("child", fds[1], MESSAGE)?;
        close(fds[1])
    })?;

    write_end.close()?;
    let mut received = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let n = read_once(read_end.raw(), &mut buf)?;
        if n == 0 {
            println!("parent: read returned 0: end of file, all write ends are closed");
            break;
        }
        println!(
            "parent: read {n} bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
        received.extend_from_slice(&buf[..n]);
    }
    read_end.close()?;
    child.wait()?;
    if received != MESSAGE {
        bail!("parent: expected {:?}", String::from_utf8_lossy(MESSAGE));
    }
    Ok(())
}
