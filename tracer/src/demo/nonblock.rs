//! `nonblock`: calls that would sleep fail with `EAGAIN` instead, on a pipe made non-blocking
//! with `O_NONBLOCK` and on a socket asked per call with `MSG_DONTWAIT`. One process, no
//! partner: nothing will ever arrive, so every blocking version of these calls would wait
//! forever.
//!
//! Pipe (pipe(7), "O_NONBLOCK enabled, n > PIPE_BUF: ... a partial write may occur"):
//! 1. `pipe(fds)`; `fcntl(fd, F_GETFL)` and `fcntl(fd, F_SETFL, flags | O_NONBLOCK)` on both
//!    ends: the flag lives in the open file (`file->f_flags`), not in the pipe;
//! 2. `read(fds[0], buf, 64)` on the empty pipe: -1, `EAGAIN`;
//! 3. `write(fds[1], 100000 bytes)`: a partial write, as much as the ring holds (65536);
//! 4. `write(fds[1], 1 byte)` on the full pipe: -1, `EAGAIN`;
//! 5. `read(fds[0], buf, 64)`: 64 bytes, then both ends are closed.
//!
//! Socket (a blocking `socketpair(AF_UNIX, SOCK_STREAM)`; `MSG_DONTWAIT` makes one call
//! non-blocking, recv(2)/send(2)):
//! 6. `recv(sv[0], buf, 64, MSG_DONTWAIT)` with nothing sent: -1, `EAGAIN`;
//! 7. `send(sv[1], 1 MiB, MSG_DONTWAIT)`: partial, as much as the send buffer allows;
//! 8. `send(sv[1], 1 byte, MSG_DONTWAIT)`: -1, `EAGAIN`;
//! 9. `recv(sv[0], buf, 64, MSG_DONTWAIT)`: 64 bytes; both closed.
//!
//! Kernel (7.2 and 6.18): `anon_pipe_read`/`anon_pipe_write` (fs/pipe.c; `pipe_read`/
//! `pipe_write` in 6.1) return `-EAGAIN` where they would sleep when the file has `O_NONBLOCK`;
//! `unix_stream_read_generic` takes `timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT)`, 0 for
//! `MSG_DONTWAIT`, and returns `-EAGAIN` on an empty queue; `unix_stream_sendmsg` allocates each
//! buffer with `sock_alloc_send_pskb(..., msg->msg_flags & MSG_DONTWAIT, ...)`, which fails with
//! `-EAGAIN` when the send buffer is full (net/unix/af_unix.c, net/core/sock.c).

use std::io;

use anyhow::{Result, bail};

use super::util::{Fd, check};

/// What the full pipe is offered, more than it holds.
const PIPE_OFFER: usize = 100_000;
/// What the socket is offered with one send, more than a send buffer holds.
const SOCKET_OFFER: usize = 1 << 20;

pub fn run() -> Result<()> {
    pipe_round()?;
    socket_round()
}

fn pipe_round() -> Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe requires.
    check("pipe", unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    let (r, w) = (Fd::new("pipe", fds[0])?, Fd::new("pipe", fds[1])?);
    for fd in fds {
        // SAFETY: F_GETFL and F_SETFL take an int argument and no pointers.
        let flags = check("fcntl", unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
        // SAFETY: as above.
        check("fcntl", unsafe {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK)
        })?;
    }
    println!("pipe [{}, {}]: both ends O_NONBLOCK", fds[0], fds[1]);
    let mut buf = [0u8; 64];
    expect_eagain("pipe: read of the empty pipe", read(r.raw(), &mut buf))?;
    let offer = vec![b'x'; PIPE_OFFER];
    let n = write(w.raw(), &offer)?;
    println!("pipe: write of {PIPE_OFFER} bytes wrote {n}: a partial write, the ring is full");
    if n == 0 || n >= PIPE_OFFER {
        bail!("pipe: expected a partial write, got {n}");
    }
    expect_eagain(
        "pipe: write of 1 byte to the full pipe",
        write(w.raw(), b"x"),
    )?;
    let got = read(r.raw(), &mut buf)?;
    println!("pipe: read {got} bytes");
    w.close()?;
    r.close()
}

fn socket_round() -> Result<()> {
    let mut sv = [0 as libc::c_int; 2];
    // SAFETY: `sv` is a writable array of two ints, as socketpair requires.
    check("socketpair", unsafe {
        libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr())
    })?;
    let (a, b) = (Fd::new("socketpair", sv[0])?, Fd::new("socketpair", sv[1])?);
    println!("socketpair [{}, {}]: blocking sockets", sv[0], sv[1]);
    let mut buf = [0u8; 64];
    expect_eagain(
        "socket: recv(MSG_DONTWAIT) with nothing sent",
        recv(a.raw(), &mut buf),
    )?;
    let offer = vec![b'y'; SOCKET_OFFER];
    let n = send(b.raw(), &offer)?;
    println!(
        "socket: send(MSG_DONTWAIT) of {SOCKET_OFFER} bytes sent {n}: the send buffer is full"
    );
    if n == 0 || n >= SOCKET_OFFER {
        bail!("socket: expected a partial send, got {n}");
    }
    expect_eagain("socket: send(MSG_DONTWAIT) of 1 byte", send(b.raw(), b"y"))?;
    let got = recv(a.raw(), &mut buf)?;
    println!("socket: recv(MSG_DONTWAIT) got {got} bytes");
    b.close()?;
    a.close()
}

/// Fails unless `result` is the error `EAGAIN`, which it reports.
fn expect_eagain(what: &str, result: io::Result<usize>) -> Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            println!("{what}: -1, EAGAIN: it would have to wait");
            Ok(())
        }
        Err(e) => bail!("{what}: expected EAGAIN, got {e}"),
        Ok(n) => bail!("{what}: expected EAGAIN, got {n} bytes"),
    }
}

fn read(fd: libc::c_int, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes for the whole call.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    check("read", n).map(isize::unsigned_abs)
}

fn write(fd: libc::c_int, data: &[u8]) -> io::Result<usize> {
    // SAFETY: `data` is a valid buffer of `data.len()` bytes for the whole call.
    let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    check("write", n).map(isize::unsigned_abs)
}

fn recv(fd: libc::c_int, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes for the whole call.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    check("recv", n).map(isize::unsigned_abs)
}

fn send(fd: libc::c_int, data: &[u8]) -> io::Result<usize> {
    // SAFETY: `data` is a valid buffer of `data.len()` bytes for the whole call.
    let n = unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), libc::MSG_DONTWAIT) };
    check("send", n).map(isize::unsigned_abs)
}
