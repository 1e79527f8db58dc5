//! `msgqueue`: a System V message queue, with messages received by type.
//!
//! 1. `open(".../ftok-key", O_WRONLY | O_CREAT | O_EXCL, 0600)` + `close`: `ftok` needs an
//!    existing file;
//! 2. `key = ftok(".../ftok-key", 'T')` derives a key from the file's inode and device
//!    (it calls `stat`) and the project id `'T'`, so unrelated processes can agree on a key;
//! 3. `msgget(key, IPC_CREAT | IPC_EXCL | 0600)` creates the queue (`IPC_EXCL`: fail rather
//!    than reuse a queue someone else left with that key);
//! 4. `msgsnd(id, {mtype 1, "first"}, 5, 0)` and `msgsnd(id, {mtype 2, "second"}, 6, 0)`;
//! 5. `msgrcv(id, &buf, 64, 2, 0)`: `msgtyp = 2` selects the first message *of type 2*, so
//!    `"second"` comes out first although it was sent last;
//! 6. `msgrcv(id, &buf, 64, 0, 0)`: `msgtyp = 0` takes the oldest message: `"first"`;
//! 7. `msgctl(id, IPC_RMID, NULL)` removes the queue (it would otherwise outlive the
//!    process), `unlink` the key file.
//!
//! The lesson: a message queue keeps message boundaries and lets the receiver choose by
//! type (`msgtyp > 0`: that type; `0`: any; `< 0`: lowest type up to `|msgtyp|`). The
//! message buffer is a `long mtype` followed by the text, and `msgsz` counts only the text.

use anyhow::{Result, bail};

use super::util::{Fd, IpcKind, IpcObject, TempDir, check, cstring, unlink};

/// `struct msgbuf` with room for 64 bytes of text.
#[repr(C)]
struct Message {
    mtype: libc::c_long,
    mtext: [u8; 64],
}

impl Message {
    fn new(mtype: libc::c_long, text: &[u8]) -> Message {
        let mut mtext = [0u8; 64];
        mtext[..text.len()].copy_from_slice(text);
        Message { mtype, mtext }
    }
}

pub fn run() -> Result<()> {
    let dir = TempDir::new("msgqueue")?;
    let key_path = dir.join("ftok-key");
    let c = cstring(&key_path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let fd = Fd::new("open", unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
            0o600 as libc::c_uint,
        )
    })?;
    fd.close()?;

    // SAFETY: `c` is a valid NUL-terminated string naming an existing file.
    let key = unsafe { libc::ftok(c.as_ptr(), libc::c_int::from(b'T')) };
    let key = check("ftok", key)?;
    println!("ftok({}, 'T') = {key:#x}", key_path.display());

    // SAFETY: msgget takes no pointers.
    let id = unsafe { libc::msgget(key, libc::IPC_CREAT | libc::IPC_EXCL | 0o600) };
    let queue = IpcObject::new(IpcKind::MessageQueue, "msgget", id)?;
    println!("msgget: queue id {id}");

    for (mtype, text) in [(1, &b"first"[..]), (2, b"second")] {
        let msg = Message::new(mtype, text);
        // SAFETY: `msg` is a valid msgbuf whose mtext holds at least `text.len()` bytes.
        check("msgsnd", unsafe {
            libc::msgsnd(queue.id(), std::ptr::from_ref(&msg).cast(), text.len(), 0)
        })?;
        println!("msgsnd: mtype {mtype}, {:?}", String::from_utf8_lossy(text));
    }

    for (msgtyp, want_type, want_text) in [(2, 2, &b"second"[..]), (0, 1, b"first")] {
        let mut msg = Message::new(0, b"");
        // SAFETY: `msg` is a writable msgbuf with room for 64 bytes of text, the size passed.
        let n = unsafe {
            libc::msgrcv(
                queue.id(),
                std::ptr::from_mut(&mut msg).cast(),
                msg.mtext.len(),
                msgtyp,
                0,
            )
        };
        let n = check("msgrcv", n)? as usize;
        let text = &msg.mtext[..n];
        println!(
            "msgrcv(msgtyp = {msgtyp}): mtype {}, {:?}",
            msg.mtype,
            String::from_utf8_lossy(text)
        );
        if msg.mtype != want_type || text != want_text {
            bail!(
                "msgrcv(msgtyp = {msgtyp}): expected mtype {want_type}, {:?}",
                String::from_utf8_lossy(want_text)
            );
        }
    }

    queue.remove()?;
    println!("msgctl(IPC_RMID): queue removed");
    unlink(&key_path)?;
    Ok(())
}
