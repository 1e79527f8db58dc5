//! `pipe-atomic`: two writers on one pipe, and what `PIPE_BUF` promises.
//!
//! pipe(7): "POSIX.1 says that write(2)s of less than PIPE_BUF bytes must be atomic: the output
//! data is written to the pipe as a contiguous sequence. Writes of more than PIPE_BUF bytes may
//! be nonatomic: the kernel may interleave the data with data written by other processes."
//! `PIPE_BUF` is 4096 on Linux (include/uapi/linux/limits.h). The demo runs two rounds, each on
//! a new pipe:
//!
//! 1. `pipe(fds)`, `fcntl(fds[1], F_GETPIPE_SZ)`: the pipe's capacity (64 KiB by default);
//! 2. `fork()` writer A, which writes its records, each with one `write`, all bytes `A`;
//!    the parent waits until A is blocked in `write` (the pipe is full), reading
//!    `/proc/A/syscall`, where the kernel shows the call a blocked process sleeps in;
//! 3. the same for writer B (bytes `B`): now both writers sleep in `write`, each in the middle
//!    of handing over a record;
//! 4. the parent closes its write end and reads 4096 bytes at a time until end of file, then
//!    reaps both writers.
//!
//! Round 1, "small": records of exactly `PIPE_BUF` bytes, as many per writer as the pipe holds
//! plus 4. Every record arrives whole (the demo fails otherwise): records of A and B take turns
//! in the stream, but no record is cut. Round 2, "large": one record of four times the
//! pipe's capacity per writer. A record that does not fit is handed over as room frees up;
//! while its writer sleeps, the other writer gets the room, so the records arrive cut into
//! pieces. (With twice the capacity the first writer, once woken, may find the ring emptied
//! and finish in one go: four times makes it sleep again behind the other writer.)
//!
//! Why, in fs/pipe.c (`anon_pipe_write` in 6.18 and 7.2, `pipe_write` in 6.1, the same logic):
//! the writer holds `pipe->mutex` while it copies, and drops it only to sleep for room
//! (`wait_event_interruptible_exclusive(pipe->wr_wait, pipe_writable(pipe))`). A write of at
//! most one page goes into one buffer of the ring (merged into the last one only if it fits
//! whole, `offset + chars <= PAGE_SIZE`), so it is copied without sleeping in between. A larger
//! write sleeps whenever the ring is full, and each reader's wake-up goes to the writer at the
//! head of `wr_wait`: an exclusive wait queue, which the sleeping writer rejoins at the tail.

use anyhow::{Result, bail};

use super::util::{Child, Fd, check, close, fork, read_once, wait_blocked_in, write_once};

/// include/uapi/linux/limits.h: `#define PIPE_BUF 4096`, "# bytes in atomic write to a pipe".
pub const PIPE_BUF: usize = 4096;

/// The writers' bytes: every byte of writer A's records is `A`, of B's `B`.
const WRITERS: [u8; 2] = [b'A', b'B'];

pub fn run() -> Result<()> {
    println!("pipe-atomic: PIPE_BUF is {PIPE_BUF}");
    let small = round("small", |_| (PIPE_BUF, 0))?;
    let small_pieces = pieces(&small.order);
    if small.order.iter().any(|(_, n)| *n % PIPE_BUF != 0) || small_pieces.contains(&0) {
        bail!("a record of PIPE_BUF bytes was cut: {}", runs(&small.order));
    }
    println!(
        "small: every {PIPE_BUF}-byte record arrived whole, in the order {}",
        runs(&small.order)
    );
    let large = round("large", |capacity| (4 * capacity, 1))?;
    let pieces = pieces(&large.order);
    println!(
        "large: A's record of {} bytes arrived in {} pieces, B's in {}: {}",
        large.record,
        pieces[0],
        pieces[1],
        if pieces.iter().any(|p| *p > 1) {
            "interleaved"
        } else {
            "not interleaved this time"
        }
    );
    Ok(())
}

/// What the reader of one round saw.
struct Round {
    record: usize,
    /// The stream as runs of one writer's bytes: (letter, bytes).
    order: Vec<(u8, usize)>,
}

/// One round: `shape(capacity)` gives the record size and the number of records per writer (0:
/// as many as the pipe holds, plus 4, so that each writer blocks on a full pipe).
fn round(label: &str, shape: impl Fn(usize) -> (usize, usize)) -> Result<Round> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe requires.
    check("pipe", unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    let (read_end, write_end) = (Fd::new("pipe", fds[0])?, Fd::new("pipe", fds[1])?);
    // SAFETY: F_GETPIPE_SZ takes no argument beyond the descriptor.
    let capacity = check("fcntl", unsafe { libc::fcntl(fds[1], libc::F_GETPIPE_SZ) })?;
    let capacity = usize::try_from(capacity)?;
    let (record, n) = shape(capacity);
    let n = if n == 0 { capacity / record + 4 } else { n };
    println!(
        "{label}: pipe [{}, {}] holds {capacity} bytes; each writer writes {n} record(s) of {record} bytes",
        fds[0], fds[1]
    );
    let mut writers: Vec<Child> = Vec::new();
    for letter in WRITERS {
        // Made before the fork: the writer only copies it into the pipe.
        let bytes = vec![letter; record];
        let child = fork("writer", || {
            close(fds[0])?;
            for _ in 0..n {
                write_once(fds[1], &bytes)?;
            }
            close(fds[1])
        })?;
        let seen = wait_blocked_in(child.pid(), libc::SYS_write, fds[1])?;
        println!(
            "{label}: writer {} (pid {}) is blocked in write: /proc/{}/syscall says {seen:?}",
            char::from(letter),
            child.pid(),
            child.pid()
        );
        writers.push(child);
    }
    write_end.close()?;
    let mut order: Vec<(u8, usize)> = Vec::new();
    let mut buf = vec![0u8; PIPE_BUF];
    loop {
        let got = read_once(read_end.raw(), &mut buf)?;
        if got == 0 {
            break;
        }
        for &b in &buf[..got] {
            match order.last_mut() {
                Some((l, len)) if *l == b => *len += 1,
                _ => order.push((b, 1)),
            }
        }
    }
    read_end.close()?;
    for w in writers {
        w.wait()?;
    }
    let total: usize = order.iter().map(|(_, len)| len).sum();
    if total != 2 * n * record || order.iter().any(|(l, _)| !WRITERS.contains(l)) {
        bail!(
            "{label}: read {total} bytes, not the {} written",
            2 * n * record
        );
    }
    Ok(Round { record, order })
}

/// How many pieces each writer's bytes came in (A, B).
fn pieces(order: &[(u8, usize)]) -> [usize; 2] {
    WRITERS.map(|w| order.iter().filter(|(l, _)| *l == w).count())
}

/// `A×16 B×1 ...`: the stream in records of PIPE_BUF bytes.
fn runs(order: &[(u8, usize)]) -> String {
    order
        .iter()
        .map(|(l, len)| format!("{}x{}", char::from(*l), len / PIPE_BUF))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_pieces() {
        let order = [(b'A', 3 * PIPE_BUF), (b'B', PIPE_BUF), (b'A', PIPE_BUF)];
        assert_eq!(runs(&order), "Ax3 Bx1 Ax1");
        assert_eq!(pieces(&order), [2, 1]);
    }
}
