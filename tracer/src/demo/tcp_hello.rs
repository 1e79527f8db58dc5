//! `tcp-hello`: the same server/client exchange as `uds-stream`, over TCP on the loopback
//! interface.
//!
//! Server (parent):
//! 1. `socket(AF_INET, SOCK_STREAM, 0)`;
//! 2. `setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &1, 4)`: allow rebinding an address that
//!    still has connections in `TIME_WAIT` (the usual first line of a TCP server);
//! 3. `bind(fd, {AF_INET, 127.0.0.1, port 0}, 16)`: port 0 asks the kernel for a free
//!    ephemeral port, so the demo never collides with anything;
//! 4. `getsockname(fd, &addr, &len)` to learn which port it got;
//! 5. `listen(fd, 5)`, `fork()`;
//! 6. `accept(fd, &peer, &len)` (the peer is `127.0.0.1:<client's ephemeral port>`),
//!    `read` `"hello"`, `write` `"hi"`, `close` the connection and the listener, `waitpid`.
//!
//! Client (child): `socket(AF_INET, SOCK_STREAM, 0)`; then it waits until the server sleeps in
//! `accept` (it reads `/proc/<server>/syscall`, `open`/`read`/`close` every millisecond, until
//! the kernel reports system call 43 on the listening descriptor) and 300 ms more, so that the
//! accept is seen blocked: `tracer live` marks a call pending once it has waited 200 ms
//! (`PENDING_AFTER_NS` in record.rs). Then `connect(fd, {127.0.0.1, port})` (the three-way
//! handshake, which wakes the server), `write("hello")`, `read` `"hi"`, `close`.
//!
//! The lesson: the socket API is the same for every address family; only the address
//! structure (`sockaddr_in`, with the port and address in network byte order) changes.
//! Nothing needs to be removed afterwards: TCP ports are not files.

use std::mem;
use std::net::Ipv4Addr;

use anyhow::Result;

use super::util::{Fd, check, fork, listen, receive, send, socket, wait_blocked_in};

/// A `sockaddr_in` for `ip:port` (stored in network byte order).
fn sockaddr_in(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain old data; all-zero bytes are a valid value (sin_zero must
    // be zero anyway).
    let mut addr: libc::sockaddr_in = unsafe { mem::zeroed() };
    addr.sin_family = libc::AF_INET as libc::sa_family_t;
    addr.sin_port = port.to_be();
    addr.sin_addr.s_addr = u32::from(ip).to_be();
    addr
}

fn describe(addr: &libc::sockaddr_in) -> String {
    let ip = Ipv4Addr::from(u32::from_be(addr.sin_addr.s_addr));
    format!("{ip}:{}", u16::from_be(addr.sin_port))
}

const ADDR_LEN: libc::socklen_t = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;

pub fn run() -> Result<()> {
    let listener = socket(libc::AF_INET, libc::SOCK_STREAM, 0)?;
    let one: libc::c_int = 1;
    // SAFETY: `one` is a valid int and its size is passed; it outlives the call.
    check("setsockopt", unsafe {
        libc::setsockopt(
            listener.raw(),
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            std::ptr::from_ref(&one).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })?;
    let addr = sockaddr_in(Ipv4Addr::LOCALHOST, 0);
    // SAFETY: `addr` is a valid sockaddr_in of ADDR_LEN bytes for the call.
    check("bind", unsafe {
        libc::bind(listener.raw(), std::ptr::from_ref(&addr).cast(), ADDR_LEN)
    })?;

    // SAFETY: sockaddr_in is plain old data; all-zero bytes are a valid value.
    let mut bound: libc::sockaddr_in = unsafe { mem::zeroed() };
    let mut len = ADDR_LEN;
    // SAFETY: `bound` is writable for `len` bytes and `len` is a valid socklen_t.
    check("getsockname", unsafe {
        libc::getsockname(
            listener.raw(),
            std::ptr::from_mut(&mut bound).cast(),
            &raw mut len,
        )
    })?;
    let port = u16::from_be(bound.sin_port);
    listen(&listener, 5)?;
    println!(
        "server: listening on {} (port chosen by the kernel)",
        describe(&bound)
    );

    let lfd = listener.raw();
    let child = fork("client", || {
        let fd: Fd = socket(libc::AF_INET, libc::SOCK_STREAM, 0)?;
        // SAFETY: getppid has no preconditions.
        let server_pid = unsafe { libc::getppid() };
        let seen = wait_blocked_in(server_pid, libc::SYS_accept, lfd)?;
        println!("client: the server is blocked in accept: /proc/{server_pid}/syscall says {seen}");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let server = sockaddr_in(Ipv4Addr::LOCALHOST, port);
        // SAFETY: `server` is a valid sockaddr_in of ADDR_LEN bytes for the call.
        check("connect", unsafe {
            libc::connect(fd.raw(), std::ptr::from_ref(&server).cast(), ADDR_LEN)
        })?;
        println!("client: connected to {}", describe(&server));
        send("client", fd.raw(), b"hello")?;
        receive("client", fd.raw(), b"hi")?;
        fd.close()
    })?;

    // SAFETY: sockaddr_in is plain old data; all-zero bytes are a valid value.
    let mut peer: libc::sockaddr_in = unsafe { mem::zeroed() };
    let mut peer_len = ADDR_LEN;
    // SAFETY: `peer` is writable for `peer_len` bytes and `peer_len` is a valid socklen_t.
    let conn = Fd::new("accept", unsafe {
        libc::accept(
            listener.raw(),
            std::ptr::from_mut(&mut peer).cast(),
            &raw mut peer_len,
        )
    })?;
    println!("server: accepted a connection from {}", describe(&peer));
    receive("server", conn.raw(), b"hello")?;
    send("server", conn.raw(), b"hi")?;
    conn.close()?;
    listener.close()?;
    child.wait()
}
