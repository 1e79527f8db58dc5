//! `signal`: a real-time style signal that carries a value, from a child to its parent.
//!
//! Parent:
//! 1. `sigprocmask(SIG_BLOCK, {SIGUSR1}, &old)`: block `SIGUSR1` *before* anything can send
//!    it, so it cannot arrive too early and be missed; it stays pending until we are ready;
//! 2. `sigaction(SIGUSR1, {handler, SA_SIGINFO}, &old_action)`: with `SA_SIGINFO` the handler
//!    gets a `siginfo_t` (sender pid, `si_code`, the value);
//! 3. `fork()`;
//! 4. `sigsuspend(old mask without SIGUSR1)`: atomically unblocks `SIGUSR1` and sleeps; the
//!    handler runs, then `sigsuspend` returns -1 with `EINTR`;
//! 5. restores the old action (`sigaction(SIGUSR1, &old_action, NULL)`), prints what the
//!    handler saw, `waitpid`, and finally restores the mask (`sigprocmask(SIG_SETMASK, &old,
//!    NULL)`).
//!
//! Child: `sigqueue(getppid(), SIGUSR1, {.sival_int = 42})`, `_exit`. (glibc's `sigqueue`
//! fills in the `siginfo_t` itself: `getpid`, `getuid`, then `rt_sigqueueinfo`; the other
//! calls appear as `rt_sigprocmask`, `rt_sigaction` and `rt_sigsuspend` in a trace.)
//!
//! Then `SIGUSR2` to many processes at once: `kill(0, SIGUSR2)` from a child that made a
//! process group of its own (`setpgid(0, 0)`) and forked a member into it (both take the
//! signal with `sigwaitinfo`), and `kill(-1, SIGUSR2)` from inside a new PID namespace, where
//! it reaches only the namespace's processes but its pid 1 and the caller (see [`kill_all`]).
//!
//! The handler only stores into atomics: anything else (printing, allocating, locking)
//! is not async-signal-safe. The lesson: `sigqueue` + `SA_SIGINFO` attach a value to a signal
//! (`si_code == SI_QUEUE`), and "block, then sigsuspend" is the race-free way to wait for a
//! signal (checking a flag and then calling `pause()` could miss it).

use std::mem;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Result, bail};

use super::util::{check, fork, os_error};

/// What the handler saw; `VALUE` is written last, and 0 means "no signal yet".
static SENDER: AtomicI32 = AtomicI32::new(0);
static CODE: AtomicI32 = AtomicI32::new(0);
static VALUE: AtomicI32 = AtomicI32::new(0);

const SENT_VALUE: i32 = 42;

/// The `SA_SIGINFO` handler: async-signal-safe, it only stores into atomics.
extern "C" fn on_sigusr1(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t for the duration of the
    // handler; for a sigqueue'd signal (SI_QUEUE) the pid and value fields are the ones set.
    let (pid, code, value) = unsafe {
        let info = &*info;
        (
            info.si_pid(),
            info.si_code,
            info.si_value().sival_ptr.addr() as i32,
        )
    };
    SENDER.store(pid, Ordering::SeqCst);
    CODE.store(code, Ordering::SeqCst);
    VALUE.store(value, Ordering::SeqCst);
}

pub fn run() -> Result<()> {
    // SAFETY: sigset_t is plain old data; all-zero bytes are a valid value.
    let mut block: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: as above; sigprocmask overwrites it.
    let mut old_mask: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `block` is a valid sigset_t owned by this frame; sigemptyset initialises it.
    unsafe {
        libc::sigemptyset(&raw mut block);
        libc::sigaddset(&raw mut block, libc::SIGUSR1);
    }
    // SAFETY: both sigset_t pointers are valid for the call.
    check("sigprocmask", unsafe {
        libc::sigprocmask(libc::SIG_BLOCK, &raw const block, &raw mut old_mask)
    })?;

    let result = wait_for_signal(&old_mask);

    // SAFETY: restores the mask saved above; the pointer is valid for the call.
    check("sigprocmask", unsafe {
        libc::sigprocmask(libc::SIG_SETMASK, &raw const old_mask, std::ptr::null_mut())
    })?;
    result?;
    kill_group()?;
    kill_all()
}

/// `{SIGUSR2}`, blocked in the calling process, so that it stays pending until `sigwaitinfo`
/// takes it (children forked afterwards inherit the mask).
fn block_sigusr2() -> Result<libc::sigset_t> {
    // SAFETY: sigset_t is plain old data; sigemptyset initialises it.
    let mut set: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t owned by this frame.
    unsafe {
        libc::sigemptyset(&raw mut set);
        libc::sigaddset(&raw mut set, libc::SIGUSR2);
    }
    // SAFETY: the set pointer is valid for the call; the old mask is not wanted.
    check("sigprocmask", unsafe {
        libc::sigprocmask(libc::SIG_BLOCK, &raw const set, std::ptr::null_mut())
    })?;
    Ok(set)
}

/// `sigwaitinfo(set)`: the pid that sent the signal (as this process's PID namespace sees it).
fn take(set: &libc::sigset_t) -> Result<libc::pid_t> {
    // SAFETY: siginfo_t is plain old data; sigwaitinfo fills it in.
    let mut info: libc::siginfo_t = unsafe { mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    check("sigwaitinfo", unsafe {
        libc::sigwaitinfo(set, &raw mut info)
    })?;
    // SAFETY: a signal sent by kill() carries the sender's pid (SI_USER).
    Ok(unsafe { info.si_pid() })
}

/// Whether SIGUSR2 is pending here (`sigpending`).
fn pending_sigusr2() -> Result<bool> {
    // SAFETY: sigset_t is plain old data; sigpending fills it in.
    let mut set: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: the pointer is valid for the call.
    check("sigpending", unsafe { libc::sigpending(&raw mut set) })?;
    // SAFETY: `set` was filled in by sigpending.
    Ok(unsafe { libc::sigismember(&raw const set, libc::SIGUSR2) } == 1)
}

fn getpid() -> libc::pid_t {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

/// `kill(0, SIGUSR2)`: every process in the caller's process group. The leader (a child of the
/// demo) first makes a group of its own with `setpgid(0, 0)`, so the signal reaches only it
/// and the member it forks, never the demo, tracer or the shell.
fn kill_group() -> Result<()> {
    let leader = fork("group leader", || {
        // SAFETY: setpgid(0, 0) makes this process the leader of a new group; no pointers.
        check("setpgid", unsafe { libc::setpgid(0, 0) })?;
        let set = block_sigusr2()?;
        let member = fork("group member", || {
            let from = take(&set)?;
            println!("group member (pid {}): SIGUSR2 from pid {from}", getpid());
            Ok(())
        })?;
        // SAFETY: kill takes no pointers; pid 0 is this process's own group, made above.
        check("kill", unsafe { libc::kill(0, libc::SIGUSR2) })?;
        let from = take(&set)?;
        println!(
            "group leader (pid {}, group {}): kill(0, SIGUSR2) reached it (from pid {from}) and member pid {}",
            getpid(),
            getpid(),
            member.pid()
        );
        member.wait()
    })?;
    leader.wait()
}

/// `kill(-1, SIGUSR2)`: every process the caller may signal but pid 1 and itself. On the
/// machine that is every process of the user, or, for root, every process; so the demo runs it
/// inside a new PID namespace (`unshare(CLONE_NEWPID)`, root only), where the kernel's loop
/// skips every process outside (their pid there is 0). A lower uid would not be enough: other
/// processes of that uid (a test running as `nobody`) would be signalled too. Without root
/// there is no namespace and the step is skipped.
///
/// In the namespace: its init (pid 1 there) blocks SIGUSR2, forks a target, which waits for
/// it, then a killer, which calls `kill(-1, SIGUSR2)`. The target gets it; neither the init
/// nor the killer do.
fn kill_all() -> Result<()> {
    let maker = fork("namespace maker", || {
        // SAFETY: unshare takes no pointers; the new namespace is for this process's children.
        if unsafe { libc::unshare(libc::CLONE_NEWPID) } == -1 {
            let e = os_error("unshare(CLONE_NEWPID)");
            println!("kill(-1) skipped: {e}: a new PID namespace needs root");
            return Ok(());
        }
        let init = fork("namespace init", || {
            let set = block_sigusr2()?;
            let target = fork("target", || {
                let from = take(&set)?;
                println!(
                    "target (pid {} in the namespace): SIGUSR2 from pid {from}",
                    getpid()
                );
                Ok(())
            })?;
            let killer = fork("killer", || {
                // SAFETY: kill takes no pointers; in this PID namespace pid -1 reaches only
                // the namespace's own processes.
                check("kill", unsafe { libc::kill(-1, libc::SIGUSR2) })?;
                let own = pending_sigusr2()?;
                println!(
                    "killer (pid {} in the namespace): kill(-1, SIGUSR2) = 0; signal to itself: {}",
                    getpid(),
                    if own { "yes" } else { "none" }
                );
                if own {
                    bail!("kill(-1) signalled the caller");
                }
                Ok(())
            })?;
            killer.wait()?;
            target.wait()?;
            let own = pending_sigusr2()?;
            println!(
                "namespace init (pid {}): signal to it: {}",
                getpid(),
                if own { "yes" } else { "none" }
            );
            if own {
                bail!("kill(-1) signalled pid 1");
            }
            Ok(())
        })?;
        init.wait()
    })?;
    maker.wait()
}

/// Installs the handler, forks the sender and waits for its signal with `sigsuspend`.
fn wait_for_signal(old_mask: &libc::sigset_t) -> Result<()> {
    // SAFETY: sigaction is plain old data; all-zero bytes are a valid value (no flags, empty
    // mask) and the fields that matter are set below.
    let mut action: libc::sigaction = unsafe { mem::zeroed() };
    let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) = on_sigusr1;
    action.sa_sigaction = handler as libc::sighandler_t;
    action.sa_flags = libc::SA_SIGINFO;
    // SAFETY: `action.sa_mask` is a valid sigset_t.
    unsafe { libc::sigemptyset(&raw mut action.sa_mask) };
    // SAFETY: sigaction is zeroed plain old data, filled in by the kernel below.
    let mut old_action: libc::sigaction = unsafe { mem::zeroed() };
    // SAFETY: `action` describes a handler that is async-signal-safe (it only stores into
    // atomics); both pointers are valid for the call.
    check("sigaction", unsafe {
        libc::sigaction(libc::SIGUSR1, &raw const action, &raw mut old_action)
    })?;
    println!("parent: SIGUSR1 blocked, SA_SIGINFO handler installed");

    let child = fork("child", || {
        // SAFETY: getppid has no preconditions.
        let parent = unsafe { libc::getppid() };
        let value = libc::sigval {
            sival_ptr: std::ptr::without_provenance_mut(SENT_VALUE as usize),
        };
        // SAFETY: sigqueue takes the value by copy; no pointers are dereferenced.
        check("sigqueue", unsafe {
            libc::sigqueue(parent, libc::SIGUSR1, value)
        })?;
        println!("child: sigqueue(parent {parent}, SIGUSR1, {SENT_VALUE})");
        Ok(())
    });
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            restore_action(&old_action)?;
            return Err(e);
        }
    };

    // Wait with SIGUSR1 unblocked only inside sigsuspend.
    let mut wait_mask = *old_mask;
    // SAFETY: `wait_mask` is a valid, initialised sigset_t.
    unsafe { libc::sigdelset(&raw mut wait_mask, libc::SIGUSR1) };
    while VALUE.load(Ordering::SeqCst) == 0 {
        // SAFETY: `wait_mask` is a valid sigset_t for the call. sigsuspend always returns -1;
        // EINTR means a handler ran.
        unsafe { libc::sigsuspend(&raw const wait_mask) };
        let err = os_error("sigsuspend");
        if err.kind() != std::io::ErrorKind::Interrupted {
            restore_action(&old_action)?;
            return Err(err.into());
        }
    }
    restore_action(&old_action)?;

    let (pid, code, value) = (
        SENDER.load(Ordering::SeqCst),
        CODE.load(Ordering::SeqCst),
        VALUE.load(Ordering::SeqCst),
    );
    let code_name = if code == libc::SI_QUEUE {
        "SI_QUEUE".to_owned()
    } else {
        code.to_string()
    };
    println!("parent: handler got SIGUSR1 from pid {pid}, si_code {code_name}, value {value}");
    let child_pid = child.pid();
    child.wait()?;
    if (pid, code, value) != (child_pid, libc::SI_QUEUE, SENT_VALUE) {
        bail!("expected SI_QUEUE value {SENT_VALUE} from pid {child_pid}");
    }
    Ok(())
}

/// `sigaction(SIGUSR1, old_action, NULL)`.
fn restore_action(old_action: &libc::sigaction) -> Result<()> {
    // SAFETY: `old_action` was filled in by the kernel; the pointer is valid for the call.
    check("sigaction", unsafe {
        libc::sigaction(libc::SIGUSR1, old_action, std::ptr::null_mut())
    })?;
    Ok(())
}
