//! `uds-perms`: choosing the permissions of a UNIX socket file.
//!
//! Connecting to a path-bound UNIX socket needs write permission on the socket file, so a
//! server restricts its clients by the file's mode. `bind` creates the file; its mode on Linux
//! is the mode of the socket's own inode, `0777` for a new socket, minus the process umask.
//! There are two ways to get a private `0600`/`0700` socket file:
//!
//! 1. `fchmod` the socket *before* `bind`: `socket(AF_UNIX, SOCK_STREAM, 0)`,
//!    `fchmod(fd, 0600)`, `bind(fd, ".../fchmod.sock")`, `stat` shows `srw-------` (0600),
//!    `listen(fd, 5)`, `close`, `unlink`. Linux copies the socket inode's mode (which `fchmod`
//!    changed) into the new file, masked by the umask. This is Linux-specific: other systems
//!    ignore `fchmod` on a socket.
//! 2. The portable way, `umask` around `bind`: `socket`, `umask(0077)` (returns the old
//!    mask), `bind(fd, ".../umask.sock")`, `umask(old)` to restore it, `stat` shows
//!    `srwx------` (0700 = 0777 & ~0077), `listen(fd, 5)`, `close`, `unlink`.
//!
//! (`chmod` on the path after `bind` also works but leaves a window in which the file exists
//! with the default mode.)

use std::mem;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::util::{Fd, TempDir, bind_un, check, cstring, listen, sockaddr_un_path, socket, unlink};

pub fn run() -> Result<()> {
    let dir = TempDir::new("uds-perms")?;

    // 1. fchmod(fd, 0600) before bind.
    let path = dir.join("fchmod.sock");
    let (addr, len) = sockaddr_un_path(&path)?;
    let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
    // SAFETY: fchmod takes no pointers; `fd` is an open descriptor we own.
    check("fchmod", unsafe { libc::fchmod(fd.raw(), 0o600) })?;
    bind_un(&fd, &addr, len)?;
    let mode = file_mode(&path)?;
    println!(
        "fchmod(fd, 0600) before bind: {} has mode {mode:04o} ({})",
        path.display(),
        if mode == 0o600 {
            "fchmod took effect"
        } else {
            "fchmod did not take effect"
        }
    );
    listen(&fd, 5)?;
    fd.close()?;
    unlink(&path)?;

    // 2. umask(0077) around bind.
    let path = dir.join("umask.sock");
    let (addr, len) = sockaddr_un_path(&path)?;
    let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
    // SAFETY: umask takes no pointers and cannot fail.
    let old = unsafe { libc::umask(0o077) };
    let bound = bind_un(&fd, &addr, len);
    // SAFETY: as above; restores the caller's umask even if bind failed.
    unsafe { libc::umask(old) };
    bound?;
    let mode = file_mode(&path)?;
    println!(
        "umask(0077) around bind (old umask {old:04o}): {} has mode {mode:04o}",
        path.display()
    );
    listen(&fd, 5)?;
    fd.close()?;
    unlink(&path)?;
    Ok(())
}

/// `stat(path)`; returns the permission bits, checking that the file is a socket.
fn file_mode(path: &Path) -> Result<libc::mode_t> {
    let c = cstring(path)?;
    // SAFETY: struct stat is plain old data; all-zero bytes are a valid value.
    let mut st: libc::stat = unsafe { mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated string and `st` is writable; both outlive the call.
    check("stat", unsafe { libc::stat(c.as_ptr(), &raw mut st) })
        .with_context(|| format!("stat {}", path.display()))?;
    if st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        anyhow::bail!("{} is not a socket (mode {:o})", path.display(), st.st_mode);
    }
    Ok(st.st_mode & 0o7777)
}
