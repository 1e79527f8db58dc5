//! Small helpers shared by the demos: checked libc calls, a temporary directory guard, a
//! fork-and-wait helper and `sockaddr_un` builders.
//!
//! None of these helpers issue system calls of their own beyond the ones documented on each
//! item, so that a trace of a demo shows (almost) only the calls the lesson is about.

use std::ffi::CString;
use std::io::{self, Write as _};
use std::mem;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

/// A return value of a libc call that signals failure with `-1` (and sets `errno`).
pub trait SysRet: Copy {
    fn is_minus_one(self) -> bool;
}

impl SysRet for i32 {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

impl SysRet for i64 {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

impl SysRet for isize {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

/// Turns a `-1` return of the libc function `call` into an `io::Error` naming the call
/// (e.g. `bind: Address already in use (os error 98)`); other values are passed through.
///
/// Must be called right after the libc call, before anything else can change `errno`.
pub fn check<T: SysRet>(call: &str, ret: T) -> io::Result<T> {
    if ret.is_minus_one() {
        Err(os_error(call))
    } else {
        Ok(ret)
    }
}

/// Like [`check`] for calls that return a pointer and signal failure with `(void *) -1`
/// (`mmap`'s `MAP_FAILED`, `shmat`).
pub fn check_ptr(call: &str, ret: *mut libc::c_void) -> io::Result<*mut libc::c_void> {
    if ret as isize == -1 {
        Err(os_error(call))
    } else {
        Ok(ret)
    }
}

/// The current `errno` as an `io::Error` whose message names `call`.
pub fn os_error(call: &str) -> io::Error {
    let err = io::Error::last_os_error();
    io::Error::new(err.kind(), format!("{call}: {err}"))
}

/// `write(fd, data)` once, failing unless the whole buffer was written (for the small
/// messages of the demos a short write would be a bug in the lesson, not something to retry).
pub fn write_once(fd: libc::c_int, data: &[u8]) -> Result<()> {
    // SAFETY: `data` is a valid, initialised buffer of `data.len()` bytes for the whole call.
    let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    let n = check("write", n)?;
    if n as usize != data.len() {
        bail!("write: short write ({n} of {} bytes)", data.len());
    }
    Ok(())
}

/// `read(fd, buf)` once; returns the number of bytes read (0 at end of file).
pub fn read_once(fd: libc::c_int, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes for the whole call.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    Ok(check("read", n)? as usize)
}

/// Reads until `want` bytes have arrived (normally in one `read`) or end of file.
pub fn read_up_to(fd: libc::c_int, want: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; want];
    let mut got = 0;
    while got < want {
        let n = read_once(fd, &mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    buf.truncate(got);
    Ok(buf)
}

/// Writes `msg` with one `write` and prints `<who>: sent "<msg>"`.
pub fn send(who: &str, fd: libc::c_int, msg: &[u8]) -> Result<()> {
    write_once(fd, msg)?;
    println!("{who}: sent {:?}", String::from_utf8_lossy(msg));
    Ok(())
}

/// Reads a message of `expected.len()` bytes (normally with one `read`), prints `<who>:
/// received "<msg>"` and fails if it is not `expected`.
pub fn receive(who: &str, fd: libc::c_int, expected: &[u8]) -> Result<()> {
    let got = read_up_to(fd, expected.len())?;
    println!("{who}: received {:?}", String::from_utf8_lossy(&got));
    if got != expected {
        bail!(
            "{who}: expected {:?}, got {:?}",
            String::from_utf8_lossy(expected),
            String::from_utf8_lossy(&got)
        );
    }
    Ok(())
}

/// `socket(domain, ty, protocol)`, checked.
pub fn socket(domain: libc::c_int, ty: libc::c_int, protocol: libc::c_int) -> Result<Fd> {
    // SAFETY: socket takes no pointers; the returned descriptor is owned by the `Fd`.
    Ok(Fd::new("socket", unsafe {
        libc::socket(domain, ty, protocol)
    })?)
}

/// `bind(fd, addr, len)` for a `sockaddr_un`, checked.
pub fn bind_un(fd: &Fd, addr: &libc::sockaddr_un, len: libc::socklen_t) -> Result<()> {
    // SAFETY: `addr` is a valid sockaddr_un of at least `len` bytes for the whole call.
    check("bind", unsafe {
        libc::bind(fd.raw(), sockaddr_ptr(addr), len)
    })?;
    Ok(())
}

/// `connect(fd, addr, len)` for a `sockaddr_un`, checked.
pub fn connect_un(fd: &Fd, addr: &libc::sockaddr_un, len: libc::socklen_t) -> Result<()> {
    // SAFETY: `addr` is a valid sockaddr_un of at least `len` bytes for the whole call.
    check("connect", unsafe {
        libc::connect(fd.raw(), sockaddr_ptr(addr), len)
    })?;
    Ok(())
}

/// `listen(fd, backlog)`, checked.
pub fn listen(fd: &Fd, backlog: libc::c_int) -> Result<()> {
    // SAFETY: listen takes no pointers.
    check("listen", unsafe { libc::listen(fd.raw(), backlog) })?;
    Ok(())
}

/// `accept(fd, &addr, &len)` (the `accept` call, not `accept4`) for a UNIX socket; returns
/// the connection and a description of the peer's address.
pub fn accept_un(listener: &Fd) -> Result<(Fd, String)> {
    // SAFETY: sockaddr_un is plain old data; all-zero bytes are a valid value.
    let mut peer: libc::sockaddr_un = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: `peer` is writable for `len` bytes and `len` is a valid socklen_t; both outlive
    // the call.
    let fd = unsafe {
        libc::accept(
            listener.raw(),
            std::ptr::from_mut(&mut peer).cast(),
            &raw mut len,
        )
    };
    let conn = Fd::new("accept", fd)?;
    Ok((conn, describe_sockaddr_un(&peer, len)))
}

/// `close(fd)`, checked.
pub fn close(fd: libc::c_int) -> Result<()> {
    // SAFETY: closing a descriptor number has no memory-safety requirements; the callers pass
    // descriptors they own and never use them again afterwards.
    check("close", unsafe { libc::close(fd) })?;
    Ok(())
}

/// `unlink(path)`, checked.
pub fn unlink(path: &Path) -> Result<()> {
    let c = cstring(path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    check("unlink", unsafe { libc::unlink(c.as_ptr()) })
        .with_context(|| format!("removing {}", path.display()))?;
    Ok(())
}

/// `path` as a C string.
pub fn cstring(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .with_context(|| format!("path {} contains a NUL byte", path.display()))
}

/// A file descriptor that is closed on drop unless it was closed explicitly with
/// [`Fd::close`] (which is what the demos do, so that the `close` shows up where a C
/// program would have it; the drop is the error-path fallback).
pub struct Fd(libc::c_int);

impl Fd {
    /// Takes ownership of `fd`, checking it first: `fd == -1` becomes an error naming `call`.
    pub fn new(call: &str, fd: libc::c_int) -> io::Result<Fd> {
        check(call, fd).map(Fd)
    }

    pub fn raw(&self) -> libc::c_int {
        self.0
    }

    /// Closes the descriptor now, reporting errors.
    pub fn close(self) -> Result<()> {
        let fd = self.0;
        mem::forget(self);
        close(fd)
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: we own this descriptor and nothing uses it after the drop. Errors are
        // ignored: this only runs on error paths, where the first error is the one to report.
        unsafe { libc::close(self.0) };
    }
}

/// The demo's private directory `/tmp/tracer-demo-<name>-<pid>/`, created with `mkdir(path,
/// 0700)` and removed on drop.
///
/// The demos remove their own files (so the trace shows the `unlink`s); the drop then only
/// needs one `rmdir`. Only if that fails (an error path left files behind) does it fall back
/// to removing the whole tree.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(demo: &str) -> Result<TempDir> {
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { libc::getpid() };
        let path = PathBuf::from(format!("/tmp/tracer-demo-{demo}-{pid}"));
        let c = cstring(&path)?;
        // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
        check("mkdir", unsafe { libc::mkdir(c.as_ptr(), 0o700) })
            .with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir { path })
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let Ok(c) = cstring(&self.path) else { return };
        // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
        if unsafe { libc::rmdir(c.as_ptr()) } == -1 {
            // Best effort: there is nowhere to report an error from a destructor.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Which kind of System V IPC object an [`IpcObject`] is.
#[derive(Clone, Copy, Debug)]
pub enum IpcKind {
    MessageQueue,
    Semaphore,
    SharedMemory,
}

/// A System V IPC object (message queue, semaphore set or shared memory segment) that is
/// removed with `IPC_RMID` on drop unless it was removed explicitly with
/// [`IpcObject::remove`] (which the demos do as their last step; the drop is the error-path
/// fallback, so that no object outlives a failed demo).
pub struct IpcObject {
    kind: IpcKind,
    id: libc::c_int,
}

impl IpcObject {
    /// Takes ownership of the object with identifier `id` (as returned by `msgget`, `semget`
    /// or `shmget`, called `call`), failing if `id == -1`.
    pub fn new(kind: IpcKind, call: &str, id: libc::c_int) -> io::Result<IpcObject> {
        check(call, id).map(|id| IpcObject { kind, id })
    }

    pub fn id(&self) -> libc::c_int {
        self.id
    }

    /// `msgctl(id, IPC_RMID, NULL)`, `semctl(id, 0, IPC_RMID)` or `shmctl(id, IPC_RMID,
    /// NULL)`.
    pub fn remove(self) -> Result<()> {
        let (kind, id) = (self.kind, self.id);
        mem::forget(self);
        rmid(kind, id)
    }
}

impl Drop for IpcObject {
    fn drop(&mut self) {
        let _ = rmid(self.kind, self.id);
    }
}

fn rmid(kind: IpcKind, id: libc::c_int) -> Result<()> {
    // SAFETY: IPC_RMID takes no buffer (NULL is allowed where the call has a buffer argument);
    // `id` is an object this process created.
    let (call, r) = unsafe {
        match kind {
            IpcKind::MessageQueue => (
                "msgctl(IPC_RMID)",
                libc::msgctl(id, libc::IPC_RMID, std::ptr::null_mut()),
            ),
            IpcKind::Semaphore => ("semctl(IPC_RMID)", libc::semctl(id, 0, libc::IPC_RMID)),
            IpcKind::SharedMemory => (
                "shmctl(IPC_RMID)",
                libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()),
            ),
        }
    };
    check(call, r)?;
    Ok(())
}

/// A forked child process; waited for with [`Child::wait`]. If it is dropped without being
/// waited for (an error in the parent), it is killed and reaped so that no demo hangs on a
/// child blocked forever and no zombie is left.
pub struct Child {
    pid: libc::pid_t,
    label: &'static str,
}

/// `fork()`: runs `body` in the child and returns the child's handle in the parent.
///
/// The child never returns into the caller: it ends with `_exit(0)` when `body` succeeds and
/// `_exit(1)` (after printing the error to stderr) when it fails or panics. `_exit` skips
/// destructors and `atexit` handlers, so the parent's guards (temp directory, IPC objects)
/// are only cleaned up once, by the parent.
pub fn fork(label: &'static str, body: impl FnOnce() -> Result<()>) -> Result<Child> {
    // Anything still buffered would be written twice, once by each process.
    io::stdout()
        .flush()
        .context("flushing stdout before fork")?;
    // SAFETY: the demos are single-threaded, so the child is a complete copy of the process
    // and may run arbitrary code (no other thread can hold a lock that the child would need).
    let pid = check("fork", unsafe { libc::fork() })?;
    if pid == 0 {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        let code = match result {
            Ok(Ok(())) => 0,
            Ok(Err(e)) => {
                // Straight to fd 2, not through std's stderr: a process with other threads (the
                // unit tests) may have forked while one of them held std's stdout or stderr
                // lock, and the child would wait for it forever. For the same reason the child
                // does not flush stdout: it is line-buffered, and the demos print whole lines.
                let msg = format!("{label}: error: {e:#}\n");
                // SAFETY: writes `msg`'s bytes, which stay alive for the call.
                unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
                1
            }
            Err(_) => 1, // the panic hook already printed the message
        };
        // SAFETY: `_exit` ends the child immediately; it is always sound to call.
        unsafe { libc::_exit(code) };
    }
    Ok(Child { pid, label })
}

impl Child {
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// `waitpid(pid, &status, 0)`; fails unless the child exited with status 0.
    pub fn wait(self) -> Result<()> {
        let (pid, label) = (self.pid, self.label);
        match self.wait_exit()? {
            0 => Ok(()),
            code => bail!("{label} (pid {pid}) failed with exit status {code}"),
        }
    }

    /// `waitpid(pid, &status, 0)`: the child's exit status; fails if it did not exit.
    pub fn wait_exit(self) -> Result<libc::c_int> {
        let (pid, label) = (self.pid, self.label);
        mem::forget(self);
        let status = waitpid(pid)?;
        if libc::WIFEXITED(status) {
            Ok(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            bail!(
                "{label} (pid {pid}) was killed by signal {}",
                libc::WTERMSIG(status)
            )
        } else {
            bail!("{label} (pid {pid}) ended with wait status {status:#x}")
        }
    }
}

impl Child {
    /// `waitpid(pid, &status, 0)` for a child that is meant to be killed: the signal that
    /// killed it, or an error if it exited.
    pub fn wait_killed(self) -> Result<libc::c_int> {
        let (pid, label) = (self.pid, self.label);
        mem::forget(self);
        let status = waitpid(pid)?;
        if libc::WIFSIGNALED(status) {
            Ok(libc::WTERMSIG(status))
        } else {
            bail!("{label} (pid {pid}) was not killed: wait status {status:#x}")
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // SAFETY: `self.pid` is our own child, not yet reaped, so the pid cannot have been
        // reused by another process; errors are ignored on this error path.
        unsafe { libc::kill(self.pid, libc::SIGKILL) };
        let _ = waitpid(self.pid);
    }
}

/// `waitpid(pid, &status, 0)`, retried on `EINTR`; returns the wait status.
fn waitpid(pid: libc::pid_t) -> Result<libc::c_int> {
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid, writable int for the duration of the call.
        let r = unsafe { libc::waitpid(pid, &raw mut status, 0) };
        if r != -1 {
            return Ok(status);
        }
        let err = os_error("waitpid");
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err.into());
        }
    }
}

/// Byte offset of `sun_path` in `struct sockaddr_un` (`offsetof(struct sockaddr_un,
/// sun_path)`, 2 on Linux).
pub const SUN_PATH_OFFSET: usize = mem::offset_of!(libc::sockaddr_un, sun_path);

/// A `struct sockaddr_un` for a filesystem path, with the length `unix(7)` recommends:
/// `offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1`.
pub fn sockaddr_un_path(path: &Path) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    let bytes = path.as_os_str().as_bytes();
    if bytes.contains(&0) {
        bail!("socket path {} contains a NUL byte", path.display());
    }
    sockaddr_un_raw(bytes, bytes.len() + 1)
        .with_context(|| format!("socket path {}", path.display()))
}

/// A `struct sockaddr_un` for a name in Linux's abstract namespace: `sun_path` starts with a
/// NUL byte followed by `name` (not NUL-terminated); the length is `offsetof(struct
/// sockaddr_un, sun_path) + 1 + strlen(name)`, which is what delimits the name.
pub fn sockaddr_un_abstract(name: &[u8]) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    let mut bytes = Vec::with_capacity(name.len() + 1);
    bytes.push(0);
    bytes.extend_from_slice(name);
    let len = bytes.len();
    sockaddr_un_raw(&bytes, len).context("abstract socket name")
}

/// Copies `sun_path` into a zeroed `sockaddr_un`; the address length is the path offset plus
/// `used` bytes of `sun_path`.
fn sockaddr_un_raw(sun_path: &[u8], used: usize) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain old data; all-zero bytes are a valid value.
    let mut addr: libc::sockaddr_un = unsafe { mem::zeroed() };
    if used > addr.sun_path.len() {
        bail!(
            "is {used} bytes, but sun_path holds only {}",
            addr.sun_path.len()
        );
    }
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (dst, &src) in addr.sun_path.iter_mut().zip(sun_path) {
        *dst = src as libc::c_char;
    }
    Ok((addr, (SUN_PATH_OFFSET + used) as libc::socklen_t))
}

/// Describes a `sockaddr_un` as returned by `accept`/`recvfrom`/`getsockname` with length
/// `len`: `unnamed` (only the family, or nothing), `@name` (abstract), or the path.
pub fn describe_sockaddr_un(addr: &libc::sockaddr_un, len: libc::socklen_t) -> String {
    let len = len as usize;
    if len <= SUN_PATH_OFFSET {
        return "unnamed".to_owned();
    }
    let used = (len - SUN_PATH_OFFSET).min(addr.sun_path.len());
    let bytes: Vec<u8> = addr.sun_path[..used].iter().map(|&c| c as u8).collect();
    if bytes[0] == 0 {
        format!("@{}", String::from_utf8_lossy(&bytes[1..]))
    } else {
        // Path names are NUL-terminated (the length may or may not include the NUL).
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    }
}

/// Pointer and length of a `sockaddr_un` for `bind`/`connect`/`sendto`.
pub fn sockaddr_ptr(addr: &libc::sockaddr_un) -> *const libc::sockaddr {
    std::ptr::from_ref(addr).cast()
}

/// Waits until process `pid` sleeps inside system call `nr` on descriptor `fd`, as the kernel
/// reports it in `/proc/PID/syscall` (proc(5): the call's number and its argument registers
/// while the process is blocked, `running` otherwise). Each look is `open`, one `read`,
/// `close`, so a trace shows the demo asking; between looks it sleeps 1 ms. This is how a demo
/// knows that a call is really waiting in the kernel, without guessing with a long sleep.
pub fn wait_blocked_in(pid: libc::pid_t, nr: libc::c_long, fd: libc::c_int) -> Result<String> {
    let path = cstring(Path::new(&format!("/proc/{pid}/syscall")))?;
    let want = format!("{nr} {fd:#x} ");
    for _ in 0..10_000 {
        // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
        let f = Fd::new("open", unsafe { libc::open(path.as_ptr(), libc::O_RDONLY) })?;
        let mut buf = [0u8; 160];
        let n = read_once(f.raw(), &mut buf)?;
        f.close()?;
        let line = String::from_utf8_lossy(&buf[..n]).trim_end().to_string();
        if line.starts_with(&want) {
            return Ok(line);
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    bail!("pid {pid} did not block in system call {nr} on fd {fd} within 10 s")
}

/// Text for a message received into `buf`: the bytes up to the first NUL, lossily decoded.
pub fn text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_bytes(addr: &libc::sockaddr_un, n: usize) -> Vec<u8> {
        addr.sun_path[..n].iter().map(|&c| c as u8).collect()
    }

    #[test]
    fn path_address_has_unix7_length() {
        let (addr, len) = sockaddr_un_path(Path::new("/tmp/x.sock")).expect("short path");
        assert_eq!(addr.sun_family, libc::AF_UNIX as libc::sa_family_t);
        assert_eq!(SUN_PATH_OFFSET, 2);
        assert_eq!(len as usize, 2 + "/tmp/x.sock".len() + 1);
        assert_eq!(path_bytes(&addr, 12), b"/tmp/x.sock\0");
        assert_eq!(describe_sockaddr_un(&addr, len), "/tmp/x.sock");
    }

    #[test]
    fn path_address_limits() {
        let longest = "a".repeat(107);
        assert!(sockaddr_un_path(Path::new(&longest)).is_ok());
        let too_long = "a".repeat(108);
        assert!(sockaddr_un_path(Path::new(&too_long)).is_err());
        assert!(sockaddr_un_path(Path::new("a\0b")).is_err());
    }

    #[test]
    fn abstract_address_starts_with_nul_and_has_no_terminator() {
        let (addr, len) = sockaddr_un_abstract(b"tracer-demo-42").expect("short name");
        assert_eq!(len as usize, 2 + 1 + "tracer-demo-42".len());
        assert_eq!(path_bytes(&addr, 15), b"\0tracer-demo-42");
        assert_eq!(describe_sockaddr_un(&addr, len), "@tracer-demo-42");
        assert!(sockaddr_un_abstract(&[b'x'; 107]).is_ok());
        assert!(sockaddr_un_abstract(&[b'x'; 108]).is_err());
    }

    #[test]
    fn unnamed_address() {
        // SAFETY: sockaddr_un is plain old data; all-zero bytes are a valid value.
        let addr: libc::sockaddr_un = unsafe { mem::zeroed() };
        assert_eq!(describe_sockaddr_un(&addr, 2), "unnamed");
        assert_eq!(describe_sockaddr_un(&addr, 0), "unnamed");
    }

    #[test]
    fn temp_dir_removes_leftover_files() {
        let dir = TempDir::new("unit-test-tempdir").expect("mkdir");
        let path = dir.path.clone();
        std::fs::write(dir.join("left-behind"), b"x").expect("write");
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists(), "{} still exists", path.display());
    }

    #[test]
    fn ipc_object_drop_removes_the_queue() {
        // SAFETY: msgget takes no pointers.
        let id = unsafe { libc::msgget(libc::IPC_PRIVATE, libc::IPC_CREAT | 0o600) };
        let queue = IpcObject::new(IpcKind::MessageQueue, "msgget", id).expect("msgget");
        drop(queue);
        // SAFETY: msqid_ds is plain old data; IPC_STAT writes into it.
        let mut ds: libc::msqid_ds = unsafe { mem::zeroed() };
        // SAFETY: `ds` is writable for the call.
        let r = unsafe { libc::msgctl(id, libc::IPC_STAT, &raw mut ds) };
        assert_eq!(r, -1, "queue {id} still exists");
    }

    #[test]
    fn child_failure_is_reported_by_wait() {
        // The error is made before the fork: making an anyhow error captures a backtrace when
        // RUST_BACKTRACE is set, under std's global backtrace lock, and another test thread may
        // hold that lock at the fork (the child then waited for it forever: seen in CI).
        let err = anyhow::anyhow!("on purpose");
        let child = fork("failing child", move || Err(err)).expect("fork");
        let err = child.wait().expect_err("the child failed");
        assert!(err.to_string().contains("exit status 1"), "{err}");
    }

    #[test]
    fn dropping_an_unwaited_child_kills_and_reaps_it() {
        let child = fork("blocked child", || {
            loop {
                // SAFETY: pause has no preconditions; the child waits here until it is killed.
                unsafe { libc::pause() };
            }
        })
        .expect("fork");
        let pid = child.pid();
        drop(child);
        // Reaped: the pid is no longer our child.
        // SAFETY: waitpid with a null status pointer is allowed.
        let r = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
        assert_eq!(r, -1);
    }

    #[test]
    fn text_stops_at_nul() {
        assert_eq!(text(b"hi\0junk"), "hi");
        assert_eq!(text(b"hi"), "hi");
    }
}
