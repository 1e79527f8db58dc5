//! `fifo-nonblock`: opening a FIFO with `O_NONBLOCK`, one process, no partner. A blocking open
//! of either end waits for the other end (the `fifo` demo); a non-blocking one does not wait,
//! and POSIX makes the two ends differ:
//!
//! 1. `mknod(path, S_IFIFO | 0600, 0)`;
//! 2. `open(path, O_WRONLY | O_NONBLOCK)` with no reader: -1, `ENXIO`;
//! 3. `open(path, O_RDONLY | O_NONBLOCK)`: succeeds at once, no writer needed;
//! 4. `read(r, buf, 64)`: 0, end of file, as there is no writer;
//! 5. `open(path, O_WRONLY | O_NONBLOCK)` again: now there is a reader, it succeeds;
//! 6. `read(r, buf, 64)`: -1, `EAGAIN`: a writer exists, there is no data yet;
//! 7. `write(w, "hello")`, `read(r, buf, 64)`: 5 bytes; `close` both, `unlink`.
//!
//! Kernel (fs/pipe.c `fifo_open`, 6.1, 6.18 and 7.2): for `FMODE_READ` with `O_NONBLOCK` and no
//! writers it returns without `wait_for_partner` ("POSIX.1 says that O_NONBLOCK means return
//! with the FIFO opened, even when there is no process writing the FIFO"); for `FMODE_WRITE`,
//! `if (!is_pipe && (filp->f_flags & O_NONBLOCK) && !pipe->readers)` it fails with `-ENXIO`
//! ("POSIX.1 says that O_NONBLOCK means return -1 with errno=ENXIO when there is no process
//! reading the FIFO").

use std::ffi::CString;
use std::io;

use anyhow::{Result, bail};

use super::util::{Fd, TempDir, check, cstring, unlink, write_once};

pub fn run() -> Result<()> {
    let dir = TempDir::new("fifo-nonblock")?;
    let path = dir.join("fifo");
    let cpath = cstring(&path)?;
    // SAFETY: `cpath` is a valid NUL-terminated string that outlives the call.
    check("mknod", unsafe {
        libc::mknod(cpath.as_ptr(), libc::S_IFIFO | 0o600, 0)
    })?;
    println!("created FIFO {}", path.display());

    match open(&cpath, libc::O_WRONLY | libc::O_NONBLOCK) {
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            println!("open O_WRONLY|O_NONBLOCK with no reader: -1, ENXIO");
        }
        Err(e) => bail!("open O_WRONLY|O_NONBLOCK: expected ENXIO, got {e}"),
        Ok(_) => bail!("open O_WRONLY|O_NONBLOCK succeeded with no reader"),
    }
    let r = Fd::new("open", open(&cpath, libc::O_RDONLY | libc::O_NONBLOCK)?)?;
    println!("open O_RDONLY|O_NONBLOCK with no writer: fd {}", r.raw());
    let mut buf = [0u8; 64];
    let n = read(r.raw(), &mut buf)?;
    println!("read with no writer: {n} (end of file)");
    if n != 0 {
        bail!("read with no writer returned {n}, not 0");
    }
    let w = Fd::new("open", open(&cpath, libc::O_WRONLY | libc::O_NONBLOCK)?)?;
    println!("open O_WRONLY|O_NONBLOCK with a reader: fd {}", w.raw());
    match read(r.raw(), &mut buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            println!("read with a writer and no data: -1, EAGAIN");
        }
        other => bail!("read with a writer and no data: expected EAGAIN, got {other:?}"),
    }
    write_once(w.raw(), b"hello")?;
    let n = read(r.raw(), &mut buf)?;
    println!("read: {:?}", String::from_utf8_lossy(&buf[..n]));
    if &buf[..n] != b"hello" {
        bail!("expected \"hello\"");
    }
    w.close()?;
    r.close()?;
    unlink(&path)
}

/// `open(path, flags)`, its errno kept (not wrapped, so `ENXIO` can be told apart).
fn open(path: &CString, flags: libc::c_int) -> io::Result<libc::c_int> {
    // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
    let fd = unsafe { libc::open(path.as_ptr(), flags) };
    if fd == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(fd)
    }
}

fn read(fd: libc::c_int, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes for the whole call.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    check("read", n).map(isize::unsigned_abs)
}
