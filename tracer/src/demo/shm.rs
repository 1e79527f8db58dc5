//! `shm`: System V shared memory written by a child and read by its parent.
//!
//! 1. `shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)` creates a 4 KiB segment;
//! 2. `fork()`;
//! 3. child: `shmat(id, NULL, 0)` maps the segment at an address the kernel picks, copies
//!    `"hello via shared memory"` (NUL-terminated) into it, `shmdt(addr)`, `_exit`;
//! 4. parent: `waitpid` for the child (that is the synchronisation: the data is complete once
//!    the writer is gone), `shmat(id, NULL, 0)`, reads the string, `shmdt`;
//! 5. `shmctl(id, IPC_RMID, NULL)` removes the segment.
//!
//! The lesson: after `shmat` the data moves with plain memory stores and loads, no system
//! call per message; the flip side is that shared memory brings no synchronisation of its
//! own (here `waitpid`; usually a semaphore). The segment outlives the processes that attach
//! it until `IPC_RMID`.

use anyhow::{Result, bail};

use super::util::{IpcKind, IpcObject, check, check_ptr, fork, text};

const SIZE: usize = 4096;
const MESSAGE: &[u8] = b"hello via shared memory\0";

pub fn run() -> Result<()> {
    // SAFETY: shmget takes no pointers.
    let id = unsafe { libc::shmget(libc::IPC_PRIVATE, SIZE, libc::IPC_CREAT | 0o600) };
    let segment = IpcObject::new(IpcKind::SharedMemory, "shmget", id)?;
    println!("shmget: segment id {id}, {SIZE} bytes");

    let child = fork("child", || {
        let addr = attach(id)?;
        // SAFETY: the segment is SIZE bytes, larger than MESSAGE, and mapped read-write at
        // `addr`; nobody else touches it while the child writes.
        unsafe { std::ptr::copy_nonoverlapping(MESSAGE.as_ptr(), addr, MESSAGE.len()) };
        println!("child: wrote {:?}", text(MESSAGE));
        detach(addr)
    })?;
    child.wait()?;

    let addr = attach(id)?;
    let (received, ok) = {
        // SAFETY: the segment is mapped at `addr` and SIZE bytes long, and the only writer has
        // exited; the slice is dropped at the end of this block, before `shmdt`.
        let data = unsafe { std::slice::from_raw_parts(addr, SIZE) };
        (text(data), data.starts_with(MESSAGE))
    };
    println!("parent: read {received:?}");
    detach(addr)?;
    segment.remove()?;
    println!("shmctl(IPC_RMID): segment removed");
    if !ok {
        bail!("parent: expected {:?}", text(MESSAGE));
    }
    Ok(())
}

/// `shmat(id, NULL, 0)`: attach the segment read-write where the kernel chooses.
fn attach(id: libc::c_int) -> Result<*mut u8> {
    // SAFETY: a NULL address lets the kernel choose where to map; no existing memory is
    // affected.
    let addr = check_ptr("shmat", unsafe { libc::shmat(id, std::ptr::null(), 0) })?;
    Ok(addr.cast())
}

/// `shmdt(addr)`.
fn detach(addr: *mut u8) -> Result<()> {
    // SAFETY: `addr` was returned by shmat and no reference into the segment outlives this
    // call.
    check("shmdt", unsafe { libc::shmdt(addr.cast()) })?;
    Ok(())
}
