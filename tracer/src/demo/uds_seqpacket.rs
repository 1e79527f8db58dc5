//! `uds-seqpacket`: the "sticky packet" experiment: byte streams do not keep message
//! boundaries, `SOCK_SEQPACKET` does.
//!
//! The experiment runs twice, first with `SOCK_STREAM` on `.../stream.sock`, then with
//! `SOCK_SEQPACKET` on `.../seqpacket.sock`. Each round:
//!
//! Server (parent): `socket(AF_UNIX, type, 0)`, `bind`, `listen(fd, 5)`, `fork()`, `accept`,
//! then `waitpid` for the client *before reading anything*, so that all three messages are
//! already queued; then `read(conn, buf, 64)` until it returns 0 (end of file), printing each
//! size; `close` both sockets; `unlink` the path.
//!
//! Client (child): `socket(AF_UNIX, type, 0)`, `connect`, `write("one")`, `write("two")`,
//! `write("three")`, `close`.
//!
//! Result: over `SOCK_STREAM` the first `read` returns all 11 bytes `"onetwothree"` at once
//! (the three writes are merged); over `SOCK_SEQPACKET` the reads return 3, 3 and 5 bytes,
//! one message each. The lesson: a stream protocol must frame its messages itself (length
//! prefix, delimiter); a packet socket hands them back exactly as they were sent.

use anyhow::{Result, bail};

use super::util::{
    Fd, TempDir, accept_un, bind_un, connect_un, fork, listen, read_once, sockaddr_un_path, socket,
    unlink, write_once,
};

pub fn run() -> Result<()> {
    let dir = TempDir::new("uds-seqpacket")?;
    round(&dir, "SOCK_STREAM", libc::SOCK_STREAM, "stream.sock", &[11])?;
    round(
        &dir,
        "SOCK_SEQPACKET",
        libc::SOCK_SEQPACKET,
        "seqpacket.sock",
        &[3, 3, 5],
    )?;
    Ok(())
}

/// One round of the experiment with socket type `ty`; `expected` are the sizes the reads must
/// return before end of file.
fn round(
    dir: &TempDir,
    label: &str,
    ty: libc::c_int,
    file: &str,
    expected: &[usize],
) -> Result<()> {
    let path = dir.join(file);
    let (addr, len) = sockaddr_un_path(&path)?;
    println!("--- {label} ---");

    let listener = socket(libc::AF_UNIX, ty, 0)?;
    bind_un(&listener, &addr, len)?;
    listen(&listener, 5)?;

    let child = fork("client", || {
        let fd: Fd = socket(libc::AF_UNIX, ty, 0)?;
        connect_un(&fd, &addr, len)?;
        for msg in [&b"one"[..], b"two", b"three"] {
            write_once(fd.raw(), msg)?;
        }
        println!("client: wrote \"one\", \"two\", \"three\" with three write() calls");
        fd.close()
    })?;

    let (conn, _peer) = accept_un(&listener)?;
    // The client has written everything and closed its end once it has exited.
    child.wait()?;
    let mut sizes = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let n = read_once(conn.raw(), &mut buf)?;
        if n == 0 {
            println!("server: read returned 0 (end of file)");
            break;
        }
        println!(
            "server: read returned {n} bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
        sizes.push(n);
    }
    conn.close()?;
    listener.close()?;
    unlink(&path)?;
    if sizes != expected {
        bail!("{label}: expected reads of {expected:?} bytes, got {sizes:?}");
    }
    Ok(())
}
