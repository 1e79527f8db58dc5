//! `uds-stream`: a UNIX domain stream socket server and client, the classic textbook pair.
//!
//! Server (parent):
//! 1. `socket(AF_UNIX, SOCK_STREAM, 0)` creates the listening socket;
//! 2. `bind(fd, {AF_UNIX, "/tmp/tracer-demo-uds-stream-<pid>/stream.sock"}, len)` gives it a
//!    name in the filesystem: this creates a socket file (`S_IFSOCK`) at that path;
//! 3. `listen(fd, 5)` turns it into a passive socket with a backlog of 5;
//! 4. `fork()` starts the client;
//! 5. `accept(fd, &addr, &len)` returns a *new* descriptor for the connection (the listening
//!    socket stays open for more clients); the client never called `bind`, so its address is
//!    "unnamed" (`len` comes back as 2, just the family);
//! 6. `read` gets `"hello"`, `write` answers `"hi"`;
//! 7. `close` the connection, `close` the listener, `waitpid` the client;
//! 8. `unlink(path)`: closing a socket does not remove its file, the server must do it (or the
//!    next `bind` fails with `EADDRINUSE`).
//!
//! Client (child): `socket`, `connect(fd, same address)`, `write("hello")`, `read` the reply
//! `"hi"`, `close`.
//!
//! The lesson: a stream socket server uses two kinds of descriptors (the listening one and one
//! per accepted connection), and its name lives in the filesystem.

use anyhow::Result;

use super::util::{
    Fd, TempDir, accept_un, bind_un, connect_un, fork, listen, receive, send, sockaddr_un_path,
    socket, unlink,
};

pub fn run() -> Result<()> {
    let dir = TempDir::new("uds-stream")?;
    let path = dir.join("stream.sock");
    let (addr, len) = sockaddr_un_path(&path)?;

    let listener = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
    bind_un(&listener, &addr, len)?;
    listen(&listener, 5)?;
    println!("server: listening on {}", path.display());

    let child = fork("client", || {
        let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
        connect_un(&fd, &addr, len)?;
        println!("client: connected");
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
    unlink(&path)?;
    println!("server: removed {}", path.display());
    Ok(())
}
