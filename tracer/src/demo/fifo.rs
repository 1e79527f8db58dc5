//! `fifo`: a named pipe (FIFO) between two processes.
//!
//! 1. `mknod(".../fifo", S_IFIFO | 0600, 0)` creates the FIFO in the filesystem (this is what
//!    `mkfifo(path, 0600)` does; the kernel call is `mknodat`);
//! 2. `fork()`;
//! 3. child (writer): `open(path, O_WRONLY)`, `write("hello through a FIFO")`, `close`,
//!    `_exit`;
//! 4. parent (reader): `open(path, O_RDONLY)`, `read(fd, buf, 64)` until it returns 0, `close`,
//!    `waitpid`, `unlink(path)`.
//!
//! The lesson: a FIFO is a pipe with a name, so unrelated processes can find it. Opening one
//! end blocks until the other end is opened too (the two `open`s meet; that is the only
//! synchronisation the demo needs), the data never touches the disk, and the name stays
//! until it is `unlink`ed.

use anyhow::{Result, bail};

use super::util::{Fd, TempDir, check, cstring, fork, read_once, send, unlink};

const MESSAGE: &[u8] = b"hello through a FIFO";

pub fn run() -> Result<()> {
    let dir = TempDir::new("fifo")?;
    let path = dir.join("fifo");
    let c = cstring(&path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check("mknod", unsafe {
        libc::mknod(c.as_ptr(), libc::S_IFIFO | 0o600, 0)
    })?;
    println!("created FIFO {}", path.display());

    let child = fork("writer", || {
        // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
        let fd = Fd::new("open", unsafe { libc::open(c.as_ptr(), libc::O_WRONLY) })?;
        println!("writer: opened the FIFO for writing");
        send("writer", fd.raw(), MESSAGE)?;
        fd.close()
    })?;

    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let fd = Fd::new("open", unsafe { libc::open(c.as_ptr(), libc::O_RDONLY) })?;
    println!("reader: opened the FIFO for reading");
    let mut received = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let n = read_once(fd.raw(), &mut buf)?;
        if n == 0 {
            println!("reader: end of file");
            break;
        }
        println!(
            "reader: read {n} bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
        received.extend_from_slice(&buf[..n]);
    }
    fd.close()?;
    child.wait()?;
    unlink(&path)?;
    if received != MESSAGE {
        bail!("reader: expected {:?}", String::from_utf8_lossy(MESSAGE));
    }
    Ok(())
}
