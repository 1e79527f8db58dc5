//! What tracer knows about the kernel's side of a call: the running kernel's symbols, the
//! functions it probes on a call's path, and the journey (`kernel_path`) built from both.

pub mod btf;
pub mod hops;
pub mod ksyms;
pub mod libc;
pub mod path;
pub mod source;

/// An attached probe: detached when dropped.
pub type Link = Box<dyn Send>;

/// Leave the detaching to a child process that outlives tracer: detaching uprobes is serialised
/// in the kernel, each waiting for an RCU grace period (84 uprobes took 8 s here, also when
/// closed from many threads at once). The child holds copies of every descriptor; when tracer
/// has exited, the child exits too, and the kernel detaches the probes then, while the user
/// already has the prompt back.
pub fn detach_in_background(links: Vec<Link>) {
    if links.is_empty() {
        return;
    }
    let Ok((r, w)) = nix::unistd::pipe() else {
        drop(links);
        return;
    };
    // SAFETY: the child only calls async-signal-safe functions (close, read, _exit) before exiting.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            drop(w);
            // Let go of tracer's standard streams: whoever reads tracer's output (a pipe, a
            // test) sees their end when tracer exits, not when the probes are gone.
            for fd in 0..3 {
                // SAFETY: close is async-signal-safe; these descriptors are not used again.
                unsafe { ::libc::close(fd) };
            }
            let mut b = [0u8; 1];
            // Returns at end of file: when tracer (the only writer) has exited.
            let _ = nix::unistd::read(&r, &mut b);
            // SAFETY: ends the child without running destructors or atexit handlers.
            unsafe { ::libc::_exit(0) };
        }
        Ok(nix::unistd::ForkResult::Parent { .. }) => {
            drop(r);
            // Keep the write end open until tracer exits.
            std::mem::forget(w);
            // The child holds references to the same files: closing ours detaches nothing.
            drop(links);
        }
        Err(_) => drop(links),
    }
}

/// Detach probes concurrently. Each uprobe, kprobe or trampoline detach waits for an RCU grace
/// period (about 0.1 s here); one after the other, 84 uprobes took 8 s to tear down, while
/// concurrent waits share their grace periods.
pub fn detach_in_parallel(links: Vec<Link>) {
    const THREADS: usize = 32;
    let mut chunks: Vec<Vec<Link>> = (0..THREADS).map(|_| Vec::new()).collect();
    for (i, l) in links.into_iter().enumerate() {
        chunks[i % THREADS].push(l);
    }
    std::thread::scope(|s| {
        for chunk in chunks.into_iter().filter(|c| !c.is_empty()) {
            s.spawn(move || drop(chunk));
        }
    });
}
