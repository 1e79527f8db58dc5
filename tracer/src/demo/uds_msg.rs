//! `uds-msg`: `sendmsg`/`recvmsg` with I/O vectors, over a UNIX datagram socket.
//!
//! Receiver (parent):
//! 1. `socket(AF_UNIX, SOCK_DGRAM, 0)`, `bind(fd, ".../msg.sock")`;
//! 2. `fork()` starts the sender;
//! 3. `recvmsg(fd, &msg, 0)` with `msg_iov` = two buffers of 6 and 16 bytes: the kernel
//!    *scatters* the 11-byte datagram, `"hello "` fills the first buffer and `"world"` lands
//!    in the second; `msg_name` receives the sender's address (unnamed: it never bound);
//! 4. `close`, `waitpid` the sender, `unlink(".../msg.sock")`.
//!
//! Sender (child): `socket(AF_UNIX, SOCK_DGRAM, 0)`, then one `sendmsg(fd, &msg, 0)` with
//! `msg_name` = the receiver's address and `msg_iov` = `{"hello ", 6}, {"world", 5}`: the
//! kernel *gathers* both pieces into a single datagram; `close`.
//!
//! The lesson: `struct msghdr` bundles the destination (`msg_name`), the data as a list of
//! buffers (`msg_iov`/`msg_iovlen`), ancillary data (`msg_control`, unused here) and flags;
//! `sendmsg`/`recvmsg` are the most general send/receive calls, the others are special cases.

use std::mem;

use anyhow::{Result, bail};

use super::util::{
    Fd, TempDir, bind_un, check, describe_sockaddr_un, fork, sockaddr_un_path, socket, unlink,
};

pub fn run() -> Result<()> {
    let dir = TempDir::new("uds-msg")?;
    let path = dir.join("msg.sock");
    let (addr, addr_len) = sockaddr_un_path(&path)?;

    let receiver = socket(libc::AF_UNIX, libc::SOCK_DGRAM, 0)?;
    bind_un(&receiver, &addr, addr_len)?;
    println!("receiver: bound to {}", path.display());

    let child = fork("sender", || {
        let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_DGRAM, 0)?;
        let mut addr = addr;
        let parts: [&[u8]; 2] = [b"hello ", b"world"];
        let mut iov = parts.map(|p| libc::iovec {
            iov_base: p.as_ptr().cast_mut().cast(),
            iov_len: p.len(),
        });
        // SAFETY: msghdr is plain old data; all-zero bytes are a valid value (no name, no
        // buffers, no control data) and the fields that matter are set below.
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        msg.msg_name = std::ptr::from_mut(&mut addr).cast();
        msg.msg_namelen = addr_len;
        msg.msg_iov = iov.as_mut_ptr();
        msg.msg_iovlen = iov.len();
        // SAFETY: `msg` points at `addr` (valid for `addr_len` bytes) and at two iovecs that
        // describe the live static strings; sendmsg only reads through these pointers.
        let n = check("sendmsg", unsafe {
            libc::sendmsg(fd.raw(), &raw const msg, 0)
        })?;
        println!(
            "sender: sendmsg sent {n} bytes from 2 iovecs: {{\"hello \", 6}}, {{\"world\", 5}}"
        );
        fd.close()
    })?;

    let mut first = [0u8; 6];
    let mut second = [0u8; 16];
    let mut iov = [
        libc::iovec {
            iov_base: first.as_mut_ptr().cast(),
            iov_len: first.len(),
        },
        libc::iovec {
            iov_base: second.as_mut_ptr().cast(),
            iov_len: second.len(),
        },
    ];
    // SAFETY: sockaddr_un is plain old data; all-zero bytes are a valid value.
    let mut from: libc::sockaddr_un = unsafe { mem::zeroed() };
    // SAFETY: as above for msghdr.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = std::ptr::from_mut(&mut from).cast();
    msg.msg_namelen = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = iov.len();
    // SAFETY: `msg` points at `from` and at two iovecs describing `first` and `second`, all
    // writable for the lengths given and alive for the whole call.
    let n = check("recvmsg", unsafe {
        libc::recvmsg(receiver.raw(), &raw mut msg, 0)
    })? as usize;
    let in_first = n.min(first.len());
    let in_second = n - in_first;
    let got_first = String::from_utf8_lossy(&first[..in_first]).into_owned();
    let got_second = String::from_utf8_lossy(&second[..in_second]).into_owned();
    println!(
        "receiver: recvmsg got {n} bytes from an {} sender: iov[0] = {got_first:?}, iov[1] = {got_second:?}",
        describe_sockaddr_un(&from, msg.msg_namelen)
    );
    if msg.msg_flags & libc::MSG_TRUNC != 0 {
        bail!("recvmsg: datagram was truncated");
    }
    if (got_first.as_str(), got_second.as_str()) != ("hello ", "world") {
        bail!("receiver: expected \"hello \" and \"world\"");
    }
    receiver.close()?;
    child.wait()?;
    unlink(&path)?;
    Ok(())
}
