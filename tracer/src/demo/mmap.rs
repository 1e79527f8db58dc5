//! `mmap`: two processes sharing memory through a file mapped with `MAP_SHARED`.
//!
//! 1. `open(".../shared.dat", O_RDWR | O_CREAT | O_EXCL, 0600)`;
//! 2. `ftruncate(fd, 4096)`: a new file is empty, and touching a mapping beyond the end of
//!    the file raises `SIGBUS`, so the file is given its size first;
//! 3. `fork()`;
//! 4. child: `mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`, copies
//!    `"hello via a shared file mapping"` into it, `munmap`, `_exit`;
//! 5. parent: the same `mmap` (its own mapping, made before the child writes), `waitpid`,
//!    then reads the child's message *from its own mapping*; `munmap`, `close`, `unlink`.
//!
//! The lesson: `MAP_SHARED` mappings of the same file share the same page-cache pages, so
//! stores by one process are visible to the other without any `read`/`write` (and end up in
//! the file). With `MAP_PRIVATE` the child's stores would be copy-on-write and stay private.

use anyhow::{Result, bail};

use super::util::{Fd, TempDir, check, check_ptr, cstring, fork, text, unlink};

const SIZE: usize = 4096;
const MESSAGE: &[u8] = b"hello via a shared file mapping\0";

pub fn run() -> Result<()> {
    let dir = TempDir::new("mmap")?;
    let path = dir.join("shared.dat");
    let c = cstring(&path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let fd = Fd::new("open", unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDWR | libc::O_CREAT | libc::O_EXCL,
            0o600 as libc::c_uint,
        )
    })?;
    // SAFETY: ftruncate takes no pointers; `fd` is open for writing.
    check("ftruncate", unsafe {
        libc::ftruncate(fd.raw(), SIZE as libc::off_t)
    })?;
    println!("created {} ({SIZE} bytes)", path.display());

    let child = fork("child", || {
        let addr = map(&fd)?;
        // SAFETY: the mapping is SIZE bytes, larger than MESSAGE, and writable.
        unsafe { std::ptr::copy_nonoverlapping(MESSAGE.as_ptr(), addr, MESSAGE.len()) };
        println!(
            "child: wrote {:?} into its mapping at {addr:p}",
            text(MESSAGE)
        );
        unmap(addr)
    })?;

    let addr = map(&fd)?;
    child.wait()?;
    let (received, ok) = {
        // SAFETY: the mapping is SIZE readable bytes at `addr` and the only writer has exited;
        // the slice is dropped at the end of this block, before `munmap`.
        let data = unsafe { std::slice::from_raw_parts(addr, SIZE) };
        (text(data), data.starts_with(MESSAGE))
    };
    println!("parent: read {received:?} from its own mapping at {addr:p}");
    unmap(addr)?;
    fd.close()?;
    unlink(&path)?;
    if !ok {
        bail!("parent: expected {:?}", text(MESSAGE));
    }
    Ok(())
}

/// `mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`.
fn map(fd: &Fd) -> Result<*mut u8> {
    // SAFETY: a NULL hint lets the kernel choose a free range, so no existing memory is
    // affected; the file is SIZE bytes long, so every mapped page is backed.
    let addr = check_ptr("mmap", unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.raw(),
            0,
        )
    })?;
    Ok(addr.cast())
}

/// `munmap(addr, SIZE)`.
fn unmap(addr: *mut u8) -> Result<()> {
    // SAFETY: `addr` is a SIZE-byte mapping made by `map`, and no reference into it outlives
    // this call.
    check("munmap", unsafe { libc::munmap(addr.cast(), SIZE) })?;
    Ok(())
}
