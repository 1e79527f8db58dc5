//! The files tracer writes while it runs as root, often in directories other users can write
//! to (`/tmp`): never through a link another user planted, never into another user's file, and
//! owned by the user who ran sudo only when tracer itself created them.
//!
//! The attacks this refuses (each reproduced on a machine with `fs.protected_symlinks=0`):
//! `ln -s /etc/victim /tmp/x` before an admin's `sudo tracer record -o /tmp/x` (the target was
//! truncated, chmodded and chowned), and a hard link to a root file in the same place (a hard
//! link is not a symlink, so `O_NOFOLLOW` alone does not stop it).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt, fchown};
use std::path::{Path, PathBuf};

use nix::fcntl::{FcntlArg, OFlag, fcntl};

use crate::invoker::Invoker;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{0}: is a symbolic link, and tracer (running as root) does not write through links: give the path of the file itself"
    )]
    Link(PathBuf),
    #[error("{0}: a FIFO with no reader yet")]
    NoReader(PathBuf),
    #[error(
        "{path}: has {links} hard links, so writing it would change another file too: give a new file name"
    )]
    HardLinks { path: PathBuf, links: u64 },
    #[error(
        "{path}: belongs to another user (uid {uid}), and tracer (running as root) does not write other users' files: give a new file name"
    )]
    Foreign { path: PathBuf, uid: u32 },
    // The cause is the error's source: one line shows both, once.
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl OutputError {
    fn io(path: &Path, source: io::Error) -> OutputError {
        OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How an output was opened.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// A new regular file, made by tracer (mode 0600, owned by the invoking user).
    Created,
    /// An existing regular file of root's or the invoking user's, emptied (mode 0600).
    Replaced,
    /// Something that is not a regular file (`/dev/null`, a FIFO, a terminal): written as is.
    Special,
}

/// Open `path` for tracer to write a trace (or a command's output) into.
///
/// Under sudo the path is opened with the invoking user's file-system identity (`setfsuid`,
/// `setfsgid`): the kernel then checks their permissions, not root's, so `-o` can neither create
/// a file where they could not (`/etc/profile.d`) nor open another user's FIFO or file, and a
/// new file is theirs from the start.
///
/// A new file is created with `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600 (and given to
/// `owner` with `fchown` on the open descriptor, which only matters without sudo's identity).
/// An existing path is opened with `O_NOFOLLOW` (a symlink is refused) and `O_NONBLOCK` (a
/// FIFO without a reader is [`OutputError::NoReader`], not a hang); it is only written when it
/// belongs to root or to `owner`, and a regular file only when it has one link (checked on the
/// descriptor, then again against the path, so that a link removed in between is caught).
pub fn open(path: &Path, owner: Option<&Invoker>) -> Result<(File, Opened), OutputError> {
    match owner {
        Some(u) => as_user(u, || open_here(path, owner)),
        None => open_here(path, owner),
    }
}

/// Run `f` with the file-system uid and gid of `u` (this thread only; restored after).
fn as_user<T>(u: &Invoker, f: impl FnOnce() -> T) -> T {
    // SAFETY: setfsuid/setfsgid change this thread's file-system identity only, and return
    // the previous one, which is put back before returning.
    let (old_gid, old_uid) = unsafe { (libc::setfsgid(u.gid), libc::setfsuid(u.uid)) };
    let r = f();
    // SAFETY: as above.
    unsafe {
        libc::setfsuid(old_uid as u32);
        libc::setfsgid(old_gid as u32);
    }
    r
}

/// The open file (`open`, its fstat) has one link, and the path still names it: it was not
/// hard-linked elsewhere, or swapped for another file's link, while it was checked.
fn single_link(path: &Path, open: &std::fs::Metadata) -> Result<(), OutputError> {
    let now = std::fs::symlink_metadata(path).map_err(|e| OutputError::io(path, e))?;
    if (now.dev(), now.ino()) != (open.dev(), open.ino()) || open.nlink() > 1 {
        return Err(OutputError::HardLinks {
            path: path.to_path_buf(),
            links: open.nlink(),
        });
    }
    Ok(())
}

fn open_here(path: &Path, owner: Option<&Invoker>) -> Result<(File, Opened), OutputError> {
    // Created and removed between the two opens: try again, a few times.
    for _ in 0..4 {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY)
            .mode(0o600)
            .open(path)
        {
            Ok(f) => {
                if let Some(u) = owner {
                    fchown(&f, Some(u.uid), Some(u.gid)).map_err(|e| OutputError::io(path, e))?;
                }
                return Ok((f, Opened::Created));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(OutputError::io(path, e)),
        }
        match OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
        {
            Ok(f) => return existing(path, f, owner),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(OutputError::Link(path.to_path_buf()));
            }
            // open(2): "O_NONBLOCK | O_WRONLY is set, the named file is a FIFO, and no process
            // has the FIFO open for reading".
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) && is_fifo(path) => {
                return Err(OutputError::NoReader(path.to_path_buf()));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(OutputError::io(path, e)),
        }
    }
    Err(OutputError::io(
        path,
        io::Error::other("it keeps being created and removed"),
    ))
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// The checks on an existing file, made on the open descriptor (what it is now, not what the
/// path named a moment ago).
fn existing(path: &Path, f: File, owner: Option<&Invoker>) -> Result<(File, Opened), OutputError> {
    let m = f.metadata().map_err(|e| OutputError::io(path, e))?;
    // Writes block as usual from here on (a FIFO's reader sets the pace).
    fcntl(&f, FcntlArg::F_SETFL(OFlag::empty())).map_err(|e| OutputError::io(path, e.into()))?;
    // Whatever it is: another user's FIFO would hand them the trace as surely as their file.
    let mine = m.uid() == 0 || m.uid() == nix::unistd::geteuid().as_raw();
    if !mine && owner.is_none_or(|u| u.uid != m.uid()) {
        return Err(OutputError::Foreign {
            path: path.to_path_buf(),
            uid: m.uid(),
        });
    }
    if !m.is_file() {
        return Ok((f, Opened::Special));
    }
    // Before anything is changed: emptied first, a file swapped in meanwhile would be lost.
    single_link(path, &m)?;
    f.set_len(0).map_err(|e| OutputError::io(path, e))?;
    // It will hold other processes' data: readable by its owner only.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| OutputError::io(path, e))?;
    Ok((f, Opened::Replaced))
}

/// [`open`] for the user who ran sudo, and when `path` is a FIFO without a reader, wait for
/// one, saying so once on standard error (nothing else is running yet: the caller opens its
/// outputs before it attaches anything).
pub fn open_waiting(path: &Path, owner: Option<&Invoker>) -> Result<File, OutputError> {
    let mut said = false;
    loop {
        match open(path, owner) {
            Ok((f, _)) => return Ok(f),
            Err(OutputError::NoReader(_)) => {
                if !said {
                    eprintln!(
                        "tracer: waiting for a reader of the FIFO {} (Ctrl-C gives up)",
                        crate::escape::path(path)
                    );
                    said = true;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A temporary file in the temporary directory, with an unpredictable name, created with
/// `O_EXCL` and mode 0600 by the `tempfile` crate; removed when dropped.
pub fn temporary(prefix: &str, suffix: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(prefix)
        .suffix(suffix)
        .tempfile()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn dir() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("tracer-outfile-test")
            .tempdir()
            .unwrap()
    }

    #[test]
    fn a_new_file_is_made_private() {
        let d = dir();
        let p = d.path().join("new");
        let (mut f, how) = open(&p, None).unwrap();
        assert_eq!(how, Opened::Created);
        f.write_all(b"x").unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_symlink_is_refused_and_its_target_untouched() {
        let d = dir();
        let target = d.path().join("victim");
        std::fs::write(&target, b"keep me").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = open(&link, None).unwrap_err();
        assert!(matches!(e, OutputError::Link(_)), "{e}");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
        // A dangling link is not created through either.
        let dangling = d.path().join("dangling");
        std::os::unix::fs::symlink(d.path().join("nothing"), &dangling).unwrap();
        assert!(matches!(
            open(&dangling, None).unwrap_err(),
            OutputError::Link(_)
        ));
        assert!(!d.path().join("nothing").exists());
    }

    #[test]
    fn a_hard_link_is_refused() {
        let d = dir();
        let a = d.path().join("a");
        std::fs::write(&a, b"keep me").unwrap();
        let b = d.path().join("b");
        std::fs::hard_link(&a, &b).unwrap();
        assert!(matches!(
            open(&b, None).unwrap_err(),
            OutputError::HardLinks { links: 2, .. }
        ));
        assert_eq!(std::fs::read(&a).unwrap(), b"keep me");
    }

    #[test]
    fn an_own_file_is_emptied_and_made_private() {
        let d = dir();
        let p = d.path().join("old");
        std::fs::write(&p, b"previous trace").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (mut f, how) = open(&p, None).unwrap();
        assert_eq!(how, Opened::Replaced);
        f.write_all(b"new").unwrap();
        let mut s = String::new();
        File::open(&p).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "new");
        assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn dev_null_is_written_as_it_is() {
        let (_, how) = open(Path::new("/dev/null"), None).unwrap();
        assert_eq!(how, Opened::Special);
        assert_eq!(
            std::fs::metadata("/dev/null").unwrap().mode() & 0o777,
            0o666
        );
    }

    #[test]
    fn a_fifo_without_a_reader_does_not_block() {
        let d = dir();
        let p = d.path().join("fifo");
        nix::unistd::mkfifo(&p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert!(matches!(
            open(&p, None).unwrap_err(),
            OutputError::NoReader(_)
        ));
        // With a reader it opens, and writes block again as usual.
        let _reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&p)
            .unwrap();
        let (f, how) = open(&p, None).unwrap();
        assert_eq!(how, Opened::Special);
        let fl = fcntl(&f, FcntlArg::F_GETFL).unwrap();
        assert_eq!(fl & libc::O_NONBLOCK, 0);
    }

    #[test]
    fn a_temporary_file_is_unpredictable_and_removed() {
        let t = temporary("tracer-test-", ".out").unwrap();
        let p = t.path().to_path_buf();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("tracer-test-"), "{name}");
        assert_eq!(p.extension().and_then(|e| e.to_str()), Some("out"));
        assert!(name.len() > "tracer-test-.out".len() + 5, "{name}");
        assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
        drop(t);
        assert!(!p.exists());
    }
}
