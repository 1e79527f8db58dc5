//! `semaphore`: a System V semaphore used as a mutex between a parent and its child.
//!
//! 1. `semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)` creates a set of one semaphore (IPC_PRIVATE
//!    always makes a new set, one no key finds; the child inherits the id across fork, but the
//!    set is not private: any process the mode allows can use the id, and `ipcs -s` lists it);
//! 2. `semctl(id, 0, SETVAL, arg)` with `arg.val = 1`: the semaphore starts "unlocked";
//! 3. `fork()`;
//! 4. child: P = `semop(id, {0, -1, SEM_UNDO}, 1)` (waits while the value is 0, then takes
//!    it to 0), prints from inside the critical section, V = `semop(id, {0, +1, SEM_UNDO}, 1)`,
//!    `_exit`;
//! 5. parent: `waitpid` for the child, then the same P / V itself;
//! 6. `semctl(id, 0, IPC_RMID)` removes the set.
//!
//! (glibc implements `semop(id, sops, n)` as `semtimedop(id, sops, n, NULL)`, which is what a
//! trace shows.)
//!
//! The lesson: `semop` applies a list of operations atomically; `sem_op = -1` is "wait and
//! decrement" (P), `+1` is "increment and wake" (V). `SEM_UNDO` makes the kernel revert the
//! process's operations if it dies while holding the lock. The fourth argument of `semctl` is
//! a `union semun` that the caller has to declare itself.

use anyhow::Result;

use super::util::{IpcKind, IpcObject, check, fork};

/// `union semun`, which `<sys/sem.h>` leaves for the program to define.
#[repr(C)]
#[allow(
    dead_code,
    reason = "only `val` is used, the other members give the C layout"
)]
union Semun {
    val: libc::c_int,
    buf: *mut libc::semid_ds,
    array: *mut libc::c_ushort,
}

pub fn run() -> Result<()> {
    // SAFETY: semget takes no pointers.
    let id = unsafe { libc::semget(libc::IPC_PRIVATE, 1, libc::IPC_CREAT | 0o600) };
    let sem = IpcObject::new(IpcKind::Semaphore, "semget", id)?;
    println!("semget: semaphore set id {id}");

    // SAFETY: SETVAL reads `arg.val` from the union, which is initialised.
    check("semctl(SETVAL)", unsafe {
        libc::semctl(id, 0, libc::SETVAL, Semun { val: 1 })
    })?;
    println!("semctl(SETVAL): value 1 (unlocked)");

    let child = fork("child", || {
        op(id, -1)?;
        println!("child: in the critical section");
        op(id, 1)?;
        println!("child: left the critical section");
        Ok(())
    })?;
    child.wait()?;

    op(id, -1)?;
    println!("parent: in the critical section");
    op(id, 1)?;
    println!("parent: left the critical section");

    sem.remove()?;
    println!("semctl(IPC_RMID): semaphore set removed");
    Ok(())
}

/// `semop(id, {sem_num 0, sem_op, SEM_UNDO}, 1)`: P for `sem_op = -1`, V for `+1`.
fn op(id: libc::c_int, sem_op: libc::c_short) -> Result<()> {
    let mut sop = libc::sembuf {
        sem_num: 0,
        sem_op,
        sem_flg: libc::SEM_UNDO as libc::c_short,
    };
    // SAFETY: `sop` is one valid, writable sembuf, matching nsops = 1.
    check("semop", unsafe { libc::semop(id, &raw mut sop, 1) })?;
    Ok(())
}
