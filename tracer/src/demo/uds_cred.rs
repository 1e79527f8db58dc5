//! `uds-cred`: who is on the other end of a UNIX socket, three ways.
//!
//! 1. `SO_PEERCRED`. Server (parent): `socket(AF_UNIX, SOCK_STREAM, 0)`, `bind(".../server.sock")`,
//!    `listen(fd, 5)`, `fork()`; the client (child) `socket`s, `bind`s its own socket to
//!    `".../client.sock"` (for way 2) and `connect`s. The server `accept`s and asks
//!    `getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &ucred, &len)`: the pid, uid and gid of the
//!    client as the kernel recorded them when it connected (`len` 12, `struct ucred`).
//! 2. The classic texts' way, before there was `SO_PEERCRED` (Stevens, APUE's `serv_accept`):
//!    `accept` returned the client's bound path, and `stat(path)` tells who created that file
//!    (`st_uid`, `st_gid`): the server writes `"ok"`, the client reads it and closes, and the
//!    server `unlink`s both files.
//! 3. `SCM_CREDENTIALS`: `socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)`, the receiver turns on
//!    `setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, [1], 4)`, `fork()`. The sender (child) drops
//!    to uid and gid 65534 (`nobody`) when the demo runs as root (`setgroups(0, NULL)`,
//!    `setgid`, `setuid`), then `sendmsg(sv[1], ...)` twice, each with a `SCM_CREDENTIALS`
//!    control message: first its own `{pid, uid, gid}` ("mine": sent), then the parent's pid
//!    with uid and gid 0 ("root": `EPERM`, the kernel refuses a claim the sender could not
//!    make true with `setuid`). The parent's `recvmsg(sv[0], ...)` gets "mine" with the
//!    credentials as a `SCM_CREDENTIALS` control message.
//!
//! The lesson: the kernel, not the peer, vouches for these credentials; a stat of a file the
//! client made only says who made the file.

use std::mem;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use super::util::{
    Fd, TempDir, accept_un, bind_un, check, connect_un, cstring, fork, listen, os_error, receive,
    send, sockaddr_un_path, socket, unlink,
};

/// The user and group the sender drops to: `nobody` and `nogroup` on Debian.
const NOBODY: u32 = 65534;

pub fn run() -> Result<()> {
    let dir = TempDir::new("uds-cred")?;
    peercred_and_stat(&dir)?;
    scm_credentials()
}

/// Ways 1 and 2: `SO_PEERCRED` on the accepted connection, `stat` of the client's socket file.
fn peercred_and_stat(dir: &TempDir) -> Result<()> {
    let server_path = dir.join("server.sock");
    let client_path = dir.join("client.sock");
    let (addr, len) = sockaddr_un_path(&server_path)?;
    let (client_addr, client_len) = sockaddr_un_path(&client_path)?;

    let listener = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
    bind_un(&listener, &addr, len)?;
    listen(&listener, 5)?;
    println!("server: listening on {}", server_path.display());

    let child = fork("client", || {
        let fd: Fd = socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)?;
        bind_un(&fd, &client_addr, client_len)?;
        connect_un(&fd, &addr, len)?;
        receive("client", fd.raw(), b"ok")?;
        fd.close()
    })?;

    let (conn, peer) = accept_un(&listener)?;
    println!("server: accepted a connection from {peer}");
    let cred = peer_cred(&conn)?;
    println!(
        "server: SO_PEERCRED: pid {} uid {} gid {} (the client is pid {})",
        cred.pid,
        cred.uid,
        cred.gid,
        child.pid()
    );
    let st = stat(Path::new(&peer))?;
    println!(
        "server: stat({peer}): uid {} gid {} mode {:04o}",
        st.st_uid,
        st.st_gid,
        st.st_mode & 0o7777
    );
    send("server", conn.raw(), b"ok")?;
    conn.close()?;
    listener.close()?;
    child.wait()?;
    unlink(&client_path)?;
    unlink(&server_path)?;
    Ok(())
}

/// `getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)`.
fn peer_cred(fd: &Fd) -> Result<libc::ucred> {
    // SAFETY: struct ucred is plain old data; all-zero bytes are a valid value.
    let mut cred: libc::ucred = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is writable for `len` bytes and `len` is a valid socklen_t; both outlive
    // the call.
    check("getsockopt", unsafe {
        libc::getsockopt(
            fd.raw(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            std::ptr::from_mut(&mut cred).cast(),
            &raw mut len,
        )
    })?;
    if len as usize != mem::size_of::<libc::ucred>() {
        bail!("getsockopt(SO_PEERCRED) returned {len} bytes");
    }
    Ok(cred)
}

/// `stat(path)`.
fn stat(path: &Path) -> Result<libc::stat> {
    let c = cstring(path)?;
    // SAFETY: struct stat is plain old data; all-zero bytes are a valid value.
    let mut st: libc::stat = unsafe { mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated string and `st` is writable; both outlive the call.
    check("stat", unsafe { libc::stat(c.as_ptr(), &raw mut st) })
        .with_context(|| format!("stat {}", path.display()))?;
    Ok(st)
}

/// Way 3: `SCM_CREDENTIALS` over a datagram socketpair, from a sender that is not root.
fn scm_credentials() -> Result<()> {
    let mut sv = [0; 2];
    // SAFETY: `sv` is writable for two ints for the call.
    check("socketpair", unsafe {
        libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM, 0, sv.as_mut_ptr())
    })?;
    let (receiver, sender) = (Fd::new("socketpair", sv[0])?, Fd::new("socketpair", sv[1])?);
    let one: libc::c_int = 1;
    // SAFETY: `one` is a readable int that outlives the call.
    check("setsockopt", unsafe {
        libc::setsockopt(
            receiver.raw(),
            libc::SOL_SOCKET,
            libc::SO_PASSCRED,
            std::ptr::from_ref(&one).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })?;
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };

    let child = fork("sender", || {
        drop_privileges()?;
        // SAFETY: getpid, getuid and getgid have no preconditions.
        let (pid, uid, gid) = unsafe { (libc::getpid(), libc::getuid(), libc::getgid()) };
        let mine = libc::ucred { pid, uid, gid };
        send_with_creds(&sender, b"mine", mine)?;
        println!("sender: sendmsg with SCM_CREDENTIALS {{pid={pid}, uid={uid}, gid={gid}}}: sent");
        let claim = libc::ucred {
            pid: parent,
            uid: 0,
            gid: 0,
        };
        match send_with_creds(&sender, b"root", claim) {
            Ok(()) => bail!("the kernel accepted a claim of pid {parent}, uid 0"),
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => println!(
                "sender: sendmsg with SCM_CREDENTIALS {{pid={parent}, uid=0, gid=0}}: EPERM (not ours to claim)"
            ),
            Err(e) => return Err(e.into()),
        }
        Ok(())
    })?;

    let (data, cred) = recv_with_creds(&receiver)?;
    match cred {
        Some(c) => println!(
            "receiver: recvmsg got {data:?} with SCM_CREDENTIALS pid {} uid {} gid {} (the sender is pid {})",
            c.pid,
            c.uid,
            c.gid,
            child.pid()
        ),
        None => bail!("receiver: recvmsg got {data:?} without credentials"),
    }
    child.wait()?;
    receiver.close()?;
    sender.close()
}

/// As root: `setgroups(0, NULL)`, `setgid(65534)`, `setuid(65534)`, in that order (after
/// `setuid` the process may no longer change its groups). Not root: nothing to drop.
fn drop_privileges() -> Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    // SAFETY: an empty list: no pointer is read.
    check("setgroups", unsafe { libc::setgroups(0, std::ptr::null()) })?;
    // SAFETY: setgid and setuid take no pointers.
    check("setgid", unsafe { libc::setgid(NOBODY) })?;
    // SAFETY: as above.
    check("setuid", unsafe { libc::setuid(NOBODY) })?;
    println!("sender: now uid {NOBODY}, gid {NOBODY}");
    Ok(())
}

/// Control-message space for one `struct ucred`, aligned for `struct cmsghdr`.
#[repr(C)]
struct CredControl {
    _align: [libc::cmsghdr; 0],
    buf: [u8; 64],
}

/// `sendmsg(fd, {data, SCM_CREDENTIALS cred}, 0)`: an `io::Error` so that `EPERM` can be told
/// from other failures.
fn send_with_creds(fd: &Fd, data: &[u8], cred: libc::ucred) -> std::io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: data.len(),
    };
    let mut control = CredControl {
        _align: [],
        buf: [0; 64],
    };
    let size = mem::size_of::<libc::ucred>() as u32;
    // SAFETY: msghdr is plain old data; all-zero bytes are a valid value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE only computes a size.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(size) } as usize;
    debug_assert!(msg.msg_controllen <= control.buf.len());
    // SAFETY: `msg_control` points at `control.buf`, aligned for cmsghdr and at least
    // CMSG_SPACE(sizeof(struct ucred)) bytes long, so the first header and its data fit.
    unsafe {
        let c = libc::CMSG_FIRSTHDR(&raw const msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_CREDENTIALS;
        (*c).cmsg_len = libc::CMSG_LEN(size) as usize;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<libc::ucred>(), cred);
    }
    // SAFETY: `msg` points at `iov` (the live `data`) and at `control`, both alive for the
    // call; sendmsg only reads through them.
    let n = unsafe { libc::sendmsg(fd.raw(), &raw const msg, 0) };
    if n == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// `recvmsg(fd, {buf, control}, 0)`: the data and the `SCM_CREDENTIALS` that came with it.
fn recv_with_creds(fd: &Fd) -> Result<(String, Option<libc::ucred>)> {
    let mut buf = [0u8; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control = CredControl {
        _align: [],
        buf: [0; 64],
    };
    // SAFETY: msghdr is plain old data; all-zero bytes are a valid value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE only computes a size.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(mem::size_of::<libc::ucred>() as u32) } as usize;
    // SAFETY: `msg` points at `buf` and `control`, writable and alive for the call.
    let n = unsafe { libc::recvmsg(fd.raw(), &raw mut msg, 0) };
    if n == -1 {
        return Err(os_error("recvmsg").into());
    }
    let data = String::from_utf8_lossy(&buf[..n as usize]).into_owned();
    let mut cred = None;
    // SAFETY: the kernel wrote `msg_controllen` bytes of well-formed control messages into
    // `control`; CMSG_FIRSTHDR/CMSG_NXTHDR stay inside them and the data of a SCM_CREDENTIALS
    // message is a struct ucred (read unaligned).
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&raw const msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_CREDENTIALS {
                cred = Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(c).cast::<libc::ucred>(),
                ));
            }
            c = libc::CMSG_NXTHDR(&raw const msg, c);
        }
    }
    Ok((data, cred))
}
