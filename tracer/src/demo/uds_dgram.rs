//! `uds-dgram`: UNIX domain datagram sockets, each bound to its own path.
//!
//! Server (parent):
//! 1. `socket(AF_UNIX, SOCK_DGRAM, 0)`;
//! 2. `bind(fd, ".../server.sock")`;
//! 3. `fork()` starts the client;
//! 4. `recvfrom(fd, buf, 64, 0, &from, &fromlen)` gets `"ping"` *and the sender's address*
//!    (`.../client.sock`);
//! 5. `sendto(fd, "pong", 4, 0, &from, fromlen)` replies to exactly that address;
//! 6. `close`, `waitpid` the client, `unlink(".../server.sock")`.
//!
//! Client (child): `socket(AF_UNIX, SOCK_DGRAM, 0)`, `bind(fd, ".../client.sock")`,
//! `sendto(fd, "ping", 4, 0, server address)`, `recvfrom` gets `"pong"` from
//! `.../server.sock`, `close`, `unlink(".../client.sock")`.
//!
//! The lesson: datagram sockets need no `listen`/`accept`/`connect`; every message carries a
//! destination, and the receiver learns the source from `recvfrom`. A client that wants an
//! answer must `bind` a name of its own, otherwise the server has no address to reply to.
//! Message boundaries are kept: one `sendto` is one `recvfrom`.

use std::mem;

use anyhow::{Result, bail};

use super::util::{
    Fd, TempDir, bind_un, check, describe_sockaddr_un, fork, sockaddr_ptr, sockaddr_un_path,
    socket, unlink,
};

pub fn run() -> Result<()> {
    let dir = TempDir::new("uds-dgram")?;
    let server_path = dir.join("server.sock");
    let client_path = dir.join("client.sock");
    let (server_addr, server_len) = sockaddr_un_path(&server_path)?;
    let (client_addr, client_len) = sockaddr_un_path(&client_path)?;

    let server = socket(libc::AF_UNIX, libc::SOCK_DGRAM, 0)?;
    bind_un(&server, &server_addr, server_len)?;
    println!("server: bound to {}", server_path.display());

    let child = fork("client", || {
        let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_DGRAM, 0)?;
        bind_un(&fd, &client_addr, client_len)?;
        send_to("client", &fd, b"ping", &server_addr, server_len)?;
        let (reply, from, from_len) = recv_from(&fd)?;
        println!(
            "client: received {:?} from {}",
            String::from_utf8_lossy(&reply),
            describe_sockaddr_un(&from, from_len)
        );
        if reply != b"pong" {
            bail!("client: expected \"pong\"");
        }
        fd.close()?;
        unlink(&client_path)
    })?;

    let (msg, from, from_len) = recv_from(&server)?;
    println!(
        "server: received {:?} from {}",
        String::from_utf8_lossy(&msg),
        describe_sockaddr_un(&from, from_len)
    );
    if msg != b"ping" {
        bail!("server: expected \"ping\"");
    }
    send_to("server", &server, b"pong", &from, from_len)?;
    server.close()?;
    child.wait()?;
    unlink(&server_path)?;
    Ok(())
}

/// `sendto(fd, msg, len, 0, to, to_len)`.
fn send_to(
    who: &str,
    fd: &Fd,
    msg: &[u8],
    to: &libc::sockaddr_un,
    to_len: libc::socklen_t,
) -> Result<()> {
    // SAFETY: `msg` is valid for `msg.len()` bytes and `to` for `to_len` bytes during the call.
    let n = unsafe {
        libc::sendto(
            fd.raw(),
            msg.as_ptr().cast(),
            msg.len(),
            0,
            sockaddr_ptr(to),
            to_len,
        )
    };
    let n = check("sendto", n)?;
    if n as usize != msg.len() {
        bail!("sendto: sent {n} of {} bytes", msg.len());
    }
    println!(
        "{who}: sent {:?} to {}",
        String::from_utf8_lossy(msg),
        describe_sockaddr_un(to, to_len)
    );
    Ok(())
}

/// `recvfrom(fd, buf, 64, 0, &from, &from_len)`: one datagram and its sender's address.
fn recv_from(fd: &Fd) -> Result<(Vec<u8>, libc::sockaddr_un, libc::socklen_t)> {
    let mut buf = [0u8; 64];
    // SAFETY: sockaddr_un is plain old data; all-zero bytes are a valid value.
    let mut from: libc::sockaddr_un = unsafe { mem::zeroed() };
    let mut from_len = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: `buf` is writable for its length, `from` for `from_len` bytes, and `from_len` is
    // a valid socklen_t; all outlive the call.
    let n = unsafe {
        libc::recvfrom(
            fd.raw(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            0,
            std::ptr::from_mut(&mut from).cast(),
            &raw mut from_len,
        )
    };
    let n = check("recvfrom", n)? as usize;
    Ok((buf[..n].to_vec(), from, from_len))
}
