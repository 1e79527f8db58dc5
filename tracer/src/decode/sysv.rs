//! System V IPC commands and flags, one table per family and per call, as strace 6.1 prints
//! them (measured on this project's machines). Values from Linux 6.18's
//! include/uapi/linux/ipc.h, msg.h, sem.h and shm.h (the same in 6.1).

use super::consts::{Names, bits};
use crate::syscalls::Sysv;

/// include/uapi/linux/ipc.h: the commands every family takes.
const IPC_CMDS: Names = &[
    (0, "IPC_RMID"),
    (1, "IPC_SET"),
    (2, "IPC_STAT"),
    (3, "IPC_INFO"),
];
/// include/uapi/linux/msg.h.
const MSG_CMDS: Names = &[(11, "MSG_STAT"), (12, "MSG_INFO"), (13, "MSG_STAT_ANY")];
/// include/uapi/linux/sem.h.
const SEM_CMDS: Names = &[
    (11, "GETPID"),
    (12, "GETVAL"),
    (13, "GETALL"),
    (14, "GETNCNT"),
    (15, "GETZCNT"),
    (16, "SETVAL"),
    (17, "SETALL"),
    (18, "SEM_STAT"),
    (19, "SEM_INFO"),
    (20, "SEM_STAT_ANY"),
];
/// include/uapi/linux/shm.h.
const SHM_CMDS: Names = &[
    (11, "SHM_LOCK"),
    (12, "SHM_UNLOCK"),
    (13, "SHM_STAT"),
    (14, "SHM_INFO"),
    (15, "SHM_STAT_ANY"),
];
/// include/uapi/linux/ipc.h: the "new" (64-bit fields) layout of the structures, which 32-bit
/// C libraries ask for with the command.
const IPC_64: u64 = 0x100;

/// A `msgctl`/`semctl`/`shmctl` command: `IPC_STAT`, `GETVAL`, `IPC_64|SHM_INFO`; one the
/// family does not know as strace shows it, `0x63 /* MSG_??? */`.
pub fn cmd(family: Sysv, v: u64) -> String {
    let v = v & 0xffff_ffff;
    let (own, unknown) = match family {
        Sysv::MsgQueue => (MSG_CMDS, "MSG_???"),
        Sysv::Semaphores => (SEM_CMDS, "SEM_???"),
        Sysv::SharedMemory => (SHM_CMDS, "SHM_???"),
    };
    let base = v & !IPC_64;
    let name = IPC_CMDS
        .iter()
        .chain(own)
        .find(|(n, _)| *n == base)
        .map_or_else(
            || format!("{base:#x} /* {unknown} */"),
            |(_, n)| (*n).to_string(),
        );
    if v & IPC_64 != 0 {
        format!("IPC_64|{name}")
    } else {
        name
    }
}

/// include/uapi/linux/ipc.h: the get calls' flags.
const GET_FLAGS: Names = &[
    (0o1000, "IPC_CREAT"),
    (0o2000, "IPC_EXCL"),
    (0o4000, "IPC_NOWAIT"),
];
/// include/uapi/linux/shm.h: `shmget`'s own (`SHM_HUGETLB` is `IPC_NOWAIT`'s bit).
const SHMGET_FLAGS: Names = &[
    (0o1000, "IPC_CREAT"),
    (0o2000, "IPC_EXCL"),
    (0o4000, "SHM_HUGETLB"),
    (0o10000, "SHM_NORESERVE"),
];
/// include/uapi/linux/shm.h: the huge page size, log2, in the bits from `SHM_HUGE_SHIFT` up.
const SHM_HUGE_SHIFT: u32 = 26;

/// `msgget`'s and `semget`'s flags, `shmget`'s when `shm`: the flags, then the permissions
/// (`IPC_CREAT|IPC_EXCL|0o600`; none is `0o0`, strace's `000`).
pub fn get_flags(v: u64, shm: bool) -> String {
    let v = v & 0xffff_ffff;
    let mut parts = Vec::new();
    let mut rest = v & !0o777;
    let huge = if shm { rest >> SHM_HUGE_SHIFT } else { 0 };
    rest &= !(huge << SHM_HUGE_SHIFT);
    if rest != 0 {
        parts.push(bits(rest, if shm { SHMGET_FLAGS } else { GET_FLAGS }));
    }
    if huge != 0 {
        parts.push(format!("{huge}<<SHM_HUGE_SHIFT"));
    }
    parts.push(format!("{:#o}", v & 0o777));
    parts.join("|")
}

/// include/uapi/linux/msg.h and ipc.h: `msgsnd`'s and `msgrcv`'s flags, in strace's order
/// (it shows both calls' with this one table).
const MSG_FLAGS: Names = &[
    (0o10000, "MSG_NOERROR"),
    (0o20000, "MSG_EXCEPT"),
    (0o40000, "MSG_COPY"),
    (0o4000, "IPC_NOWAIT"),
];

/// `msgsnd`/`msgrcv`'s `msgflg`: `MSG_NOERROR|IPC_NOWAIT`.
pub fn msg_flags(v: u64) -> String {
    bits(v & 0xffff_ffff, MSG_FLAGS)
}

/// include/uapi/linux/shm.h: `shmat`'s.
const SHMAT_FLAGS: Names = &[
    (0o10000, "SHM_RDONLY"),
    (0o20000, "SHM_RND"),
    (0o40000, "SHM_REMAP"),
    (0o100000, "SHM_EXEC"),
];

/// `shmat`'s `shmflg`: `SHM_RDONLY|SHM_RND`.
pub fn shmat_flags(v: u64) -> String {
    bits(v & 0xffff_ffff, SHMAT_FLAGS)
}

/// include/uapi/linux/sem.h and ipc.h: a `struct sembuf`'s `sem_flg`.
const SEM_FLAGS: Names = &[(0x1000, "SEM_UNDO"), (0o4000, "IPC_NOWAIT")];

/// `sem_flg`: `SEM_UNDO|IPC_NOWAIT`.
pub fn sem_flg(v: u16) -> String {
    bits(v.into(), SEM_FLAGS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What strace 6.1 printed for the same values (x86_64 and i386 glibc 2.36 programs).
    #[test]
    fn each_family_has_its_own_commands() {
        use Sysv::{MsgQueue, Semaphores, SharedMemory};
        assert_eq!(cmd(Semaphores, 12), "GETVAL");
        assert_eq!(cmd(Semaphores, 11), "GETPID");
        assert_eq!(cmd(Semaphores, 13), "GETALL");
        assert_eq!(cmd(Semaphores, 15), "GETZCNT");
        assert_eq!(cmd(Semaphores, 18), "SEM_STAT");
        assert_eq!(cmd(Semaphores, 0x13 | 0x100), "IPC_64|SEM_INFO");
        assert_eq!(cmd(MsgQueue, 12), "MSG_INFO");
        assert_eq!(cmd(MsgQueue, 0x2 | 0x100), "IPC_64|IPC_STAT");
        assert_eq!(cmd(MsgQueue, 99), "0x63 /* MSG_??? */");
        assert_eq!(cmd(SharedMemory, 14), "SHM_INFO");
        assert_eq!(cmd(SharedMemory, 13), "SHM_STAT");
        assert_eq!(cmd(SharedMemory, 11), "SHM_LOCK");
        assert_eq!(cmd(SharedMemory, 15), "SHM_STAT_ANY");
        assert_eq!(cmd(SharedMemory, 0), "IPC_RMID");
    }

    #[test]
    fn flags_per_call() {
        assert_eq!(
            get_flags(0o1000 | 0o2000 | 0o600, false),
            "IPC_CREAT|IPC_EXCL|0o600"
        );
        assert_eq!(
            get_flags(0o1000 | 0o4000 | 0o600, false),
            "IPC_CREAT|IPC_NOWAIT|0o600"
        );
        assert_eq!(get_flags(0, false), "0o0");
        assert_eq!(
            get_flags(
                0o1000 | 0o2000 | 0o4000 | 0o10000 | 0x40000 | (21 << 26) | 0o640,
                true
            ),
            "IPC_CREAT|IPC_EXCL|SHM_HUGETLB|SHM_NORESERVE|0x40000|21<<SHM_HUGE_SHIFT|0o640"
        );
        assert_eq!(
            msg_flags(0o4000 | 0o10000 | 0o20000 | 0o40000 | 0x100000),
            "MSG_NOERROR|MSG_EXCEPT|MSG_COPY|IPC_NOWAIT|0x100000"
        );
        assert_eq!(msg_flags(0o20000), "MSG_EXCEPT");
        assert_eq!(msg_flags(0), "0");
        assert_eq!(shmat_flags(0o10000), "SHM_RDONLY");
        assert_eq!(
            shmat_flags(0o10000 | 0o20000 | 0o40000 | 0o100000 | 1),
            "SHM_RDONLY|SHM_RND|SHM_REMAP|SHM_EXEC|0x1"
        );
        assert_eq!(sem_flg(0x1000 | 0o4000 | 0x10), "SEM_UNDO|IPC_NOWAIT|0x10");
    }
}
