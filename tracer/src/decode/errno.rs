//! A failed call's error as strace 6.1 shows it: `-1 EAGAIN (Resource temporarily
//! unavailable)`, and `? ERESTARTSYS (To be restarted if SA_RESTART is set)` for the codes a
//! signal turns into a restart or into `EINTR` before the program sees them.
//!
//! Names come from the C library's constants (nix's `Errno`), descriptions from the C
//! library's own `strerror_r`, as strace's do (glibc 2.36 on Debian 12: `EAGAIN` is
//! "Resource temporarily unavailable", not the kernel header's "Try again"). Both are read
//! once into a table; a call's error is then a lookup.

use std::borrow::Cow;
use std::sync::LazyLock;

/// The kernel's own codes (include/linux/errno.h, Linux 6.18; the same numbers since 2.6),
/// which never reach a program but do reach a tracer at the call's exit. The first four are
/// the restart codes (kernel/signal.c, arch/x86/kernel/signal.c `handle_signal`): strace
/// writes `= ?` before them and these descriptions (its syscall.c); the others it names and
/// describes as the C library does ("Unknown error 515").
const KERNEL: &[(i32, &str, Option<&str>)] = &[
    (
        512,
        "ERESTARTSYS",
        Some("To be restarted if SA_RESTART is set"),
    ),
    (513, "ERESTARTNOINTR", Some("To be restarted")),
    (514, "ERESTARTNOHAND", Some("To be restarted if no handler")),
    (515, "ENOIOCTLCMD", None),
    (516, "ERESTART_RESTARTBLOCK", Some("Interrupted by signal")),
    (517, "EPROBE_DEFER", None),
    (518, "EOPENSTALE", None),
    (519, "ENOPARAM", None),
    (521, "EBADHANDLE", None),
    (522, "ENOTSYNC", None),
    (523, "EBADCOOKIE", None),
    (524, "ENOTSUPP", None),
    (525, "ETOOSMALL", None),
    (526, "ESERVERFAULT", None),
    (527, "EBADTYPE", None),
    (528, "EJUKEBOX", None),
    (529, "EIOCBQUEUED", None),
    (530, "ERECALLCONFLICT", None),
    (531, "ENOGRACE", None),
];

/// The C library's errors, 1..=133 on Linux (include/uapi/asm-generic/errno.h ends at
/// `EHWPOISON`, 133).
const LAST: i32 = 133;

struct Entry {
    name: Cow<'static, str>,
    desc: String,
}

/// `strerror_r`'s text for `e` (the XSI one the libc crate binds: it fills the buffer).
fn strerror(e: i32) -> String {
    let mut buf = [0u8; 128];
    // SAFETY: the buffer is writable for its length; strerror_r writes a NUL-terminated
    // string of at most that many bytes and touches nothing else.
    let rc = unsafe { libc::strerror_r(e, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {e}");
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn entry(e: i32) -> Entry {
    if let Some((_, name, desc)) = KERNEL.iter().find(|(n, ..)| *n == e) {
        return Entry {
            name: Cow::Borrowed(name),
            desc: desc.map_or_else(|| strerror(e), str::to_string),
        };
    }
    let name = match nix::errno::Errno::from_raw(e) {
        nix::errno::Errno::UnknownErrno => Cow::Owned(format!("E{e}")),
        n => Cow::Owned(format!("{n:?}")),
    };
    Entry {
        name,
        desc: strerror(e),
    }
}

/// 0..=LAST, then the kernel's codes in order.
static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    (0..=LAST)
        .chain(KERNEL.iter().map(|(n, ..)| *n))
        .map(entry)
        .collect()
});

fn lookup(e: i32) -> Option<&'static Entry> {
    let i = match e {
        0..=LAST => e as usize,
        _ => (LAST + 1) as usize + KERNEL.iter().position(|(n, ..)| *n == e)?,
    };
    TABLE.get(i)
}

/// `EADDRINUSE`, `ERESTARTSYS`; a code nobody names is `E600`.
pub fn name(e: i32) -> Cow<'static, str> {
    match lookup(e) {
        Some(x) => Cow::Borrowed(&x.name),
        None => Cow::Owned(format!("E{e}")),
    }
}

/// What strace writes after the name, in parentheses: `Address already in use`.
pub fn desc(e: i32) -> Cow<'static, str> {
    match lookup(e) {
        Some(x) => Cow::Borrowed(&x.desc),
        None => Cow::Owned(strerror(e)),
    }
}

/// A restart code: the program never sees it (the kernel restarts the call, or turns it into
/// `EINTR` when a handler ran), so strace writes `= ?` rather than `= -1`.
pub fn restarts(e: i32) -> bool {
    matches!(e, 512 | 513 | 514 | 516)
}

/// ` = -1 EAGAIN (Resource temporarily unavailable)`, ` = ? ERESTARTNOHAND (To be restarted if
/// no handler)`, appended to `s`.
pub fn write_failure(s: &mut String, e: i32) {
    s.push_str(if restarts(e) { " = ? " } else { " = -1 " });
    s.push_str(&name(e));
    s.push_str(" (");
    s.push_str(&desc(e));
    s.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What strace 6.1 printed on Debian 12 (glibc 2.36) for the same codes.
    #[test]
    fn errors_read_as_strace_writes_them() {
        let line = |e| {
            let mut s = String::new();
            write_failure(&mut s, e);
            s
        };
        assert_eq!(line(11), " = -1 EAGAIN (Resource temporarily unavailable)");
        assert_eq!(line(9), " = -1 EBADF (Bad file descriptor)");
        assert_eq!(line(2), " = -1 ENOENT (No such file or directory)");
        assert_eq!(
            line(514),
            " = ? ERESTARTNOHAND (To be restarted if no handler)"
        );
        assert_eq!(
            line(516),
            " = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"
        );
        assert_eq!(
            line(512),
            " = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
        );
        assert_eq!(line(515), " = -1 ENOIOCTLCMD (Unknown error 515)");
        assert_eq!(name(98), "EADDRINUSE");
        assert_eq!(name(600), "E600");
        assert_eq!(name(4000), "E4000");
        assert_eq!(desc(600), "Unknown error 600");
        assert_eq!(name(35), "EDEADLK");
        assert_eq!(name(95), "EOPNOTSUPP");
    }
}
