//! `uds-abstract`: a UNIX stream socket bound to a name in Linux's *abstract namespace*.
//!
//! Same exchange as `uds-stream`, but the address is `sun_path = "\0tracer-demo-<pid>"` with
//! `addrlen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name)`: a leading NUL byte
//! makes the rest of `sun_path` (exactly as many bytes as `addrlen` says, no terminator) a
//! name that lives only in the kernel, not in the filesystem.
//!
//! Server (parent): `socket(AF_UNIX, SOCK_STREAM, 0)`, `bind(fd, {AF_UNIX,
//! "\0tracer-demo-<pid>"}, 2 + 1 + strlen)`, `listen(fd, 5)`; `getsockname(fd, &addr,
//! &len)` returns the abstract name (tools such as `ss -xl` and `/proc/net/unix` print it as
//! `@tracer-demo-<pid>`); then it checks that no file appeared: `access("tracer-demo-<pid>",
//! F_OK)` fails with `ENOENT` (a path name without the leading NUL would have created exactly
//! that file in the current directory). Then `fork()`, `accept`,
//! `read` `"hello"`, `write` `"hi"`, `close` both sockets, `waitpid`. No `unlink`: the name
//! disappears by itself when the last socket using it is closed.
//!
//! Client (child): `socket`, `connect(fd, same abstract address)`, `write("hello")`, `read`
//! `"hi"`, `close`.
//!
//! The lesson: abstract names cannot go stale (no leftover file, no `EADDRINUSE` after a
//! crash) and ignore filesystem permissions; they are Linux-specific and scoped to the
//! network namespace.

use std::io;
use std::mem;

use anyhow::{Context as _, Result, bail};

use super::util::{
    Fd, accept_un, bind_un, check, connect_un, describe_sockaddr_un, fork, listen, receive, send,
    sockaddr_un_abstract, socket,
};

pub fn run() -> Result<()> {
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    let name = format!("tracer-demo-{pid}");
    let (addr, len) = sockaddr_un_abstract(name.as_bytes())?;

    let listener = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
    bind_un(&listener, &addr, len)?;
    listen(&listener, 5)?;
    println!("server: listening on abstract name @{name} (addrlen {len})");
    show_no_file(&listener, &name)?;

    let child = fork("client", || {
        let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
        connect_un(&fd, &addr, len)?;
        println!("client: connected to @{name}");
        send("client", fd.raw(), b"hello")?;
        receive("client", fd.raw(), b"hi")?;
        fd.close()
    })?;

    let (conn, peer) = accept_un(&listener)?;
    println!("server: accepted a connection from an {peer} client");
    receive("server", conn.raw(), b"hello")?;
    send("server", conn.raw(), b"hi")?;
    conn.close()?;
    listener.close()?;
    child.wait()?;
    println!("server: closed; nothing to unlink");
    Ok(())
}

/// `getsockname` shows the bound abstract name; `access(name, F_OK)` must fail with `ENOENT`.
fn show_no_file(listener: &Fd, name: &str) -> Result<()> {
    // SAFETY: sockaddr_un is plain old data; all-zero bytes are a valid value.
    let mut bound: libc::sockaddr_un = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: `bound` is writable for `len` bytes and `len` is a valid socklen_t; both
    // outlive the call.
    check("getsockname", unsafe {
        libc::getsockname(
            listener.raw(),
            std::ptr::from_mut(&mut bound).cast(),
            &raw mut len,
        )
    })?;
    let bound = describe_sockaddr_un(&bound, len);
    println!("server: getsockname says the socket is bound to {bound} (addrlen {len})");
    if bound != format!("@{name}") {
        bail!("getsockname: expected @{name}");
    }

    let c = std::ffi::CString::new(name).context("socket name contains a NUL byte")?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    if unsafe { libc::access(c.as_ptr(), libc::F_OK) } == 0 {
        bail!("a file named {name:?} exists, but an abstract bind creates no file");
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::ENOENT) {
        return Err(err).context(format!("access({name:?})"));
    }
    println!("server: access({name:?}, F_OK) fails with ENOENT: no file was created");
    Ok(())
}
