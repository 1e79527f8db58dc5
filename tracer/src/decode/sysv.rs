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
/// (`IPC_CREAT|IPC_EXCL|0600`; none is `000`).
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
    parts.push(super::octal_mode(v & 0o777));
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

/// What a `*ctl` command does with its buffer (ipc/msg.c `ksys_msgctl`, ipc/sem.c
/// `ksys_semctl`, ipc/shm.c `ksys_shmctl`, Linux 6.18; the same in 6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufUse {
    /// `IPC_SET`: the kernel reads the owner and mode (and a queue's `msg_qbytes`) at entry.
    Set,
    /// `IPC_STAT`, `*_STAT`, `*_STAT_ANY`: the kernel writes the `*id64_ds` at exit.
    Stat,
    /// `IPC_INFO` (all three), `MSG_INFO`, `SEM_INFO`: `msginfo`, `seminfo`, `shminfo64`.
    Info,
    /// `SHM_INFO`: `struct shm_info`.
    ShmInfo,
    /// Anything else: the argument is shown as it is (a pointer, or `semctl`'s value).
    Other,
}

/// What the command `cmd` of `family` does with its buffer, in the layout these decoders
/// know: on ia32 only with `IPC_64` (the 64-bit-field structures every C library of the
/// last twenty years asks for; ipc/util.c `compat_ipc_parse_version`), on x86_64 always
/// (no `ipc_parse_version` there: the command is taken as it is).
pub fn buf_use(family: Sysv, cmd: u64, ia32: bool) -> BufUse {
    let cmd = cmd & 0xffff_ffff;
    let base = if ia32 {
        if cmd & IPC_64 == 0 {
            return BufUse::Other;
        }
        cmd & !IPC_64
    } else {
        cmd
    };
    match (family, base) {
        (_, 1) => BufUse::Set,
        (_, 2) => BufUse::Stat,
        (Sysv::MsgQueue, 11 | 13) | (Sysv::Semaphores, 18 | 20) | (Sysv::SharedMemory, 13 | 15) => {
            BufUse::Stat
        }
        (_, 3) | (Sysv::MsgQueue, 12) | (Sysv::Semaphores, 19) => BufUse::Info,
        (Sysv::SharedMemory, 14) => BufUse::ShmInfo,
        _ => BufUse::Other,
    }
}

/// The fields of the structures of this module in one ABI's copy: x86_64's
/// (include/uapi/asm-generic/ipcbuf.h, arch/x86/include/uapi/asm/msgbuf.h, sembuf.h,
/// shmbuf.h) or ia32's compat ones (include/linux/compat.h `compat_ipc64_perm`,
/// arch/x86/include/asm/compat.h, ipc/shm.c `compat_shminfo64`, `compat_shm_info`): its
/// `long` and `time` are 4 bytes, each time followed by its upper half. Offsets measured with
/// glibc 2.36's `offsetof` for both (`gcc` and `gcc -m32`), which uses these layouts.
struct Fields<'a> {
    d: &'a [u8],
    ia32: bool,
}

impl Fields<'_> {
    /// The offset of a field: `x64` in x86_64's structure, `ia32` in the compat one.
    fn at(&self, x64: usize, ia32: usize) -> usize {
        if self.ia32 { ia32 } else { x64 }
    }
    fn u32(&self, at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.d.get(at..at + 4)?.try_into().ok()?))
    }
    fn i32(&self, at: usize) -> Option<i32> {
        self.u32(at).map(|v| v as i32)
    }
    /// An `unsigned long` (`size_t`, `__kernel_ulong_t`).
    fn ulong(&self, at: usize) -> Option<u64> {
        if self.ia32 {
            return self.u32(at).map(u64::from);
        }
        Some(u64::from_le_bytes(self.d.get(at..at + 8)?.try_into().ok()?))
    }
    /// A time: x86_64's `__kernel_long_t`; ia32's low 32 bits then the high ones.
    fn time(&self, at: usize) -> Option<i64> {
        if self.ia32 {
            let (lo, hi) = (self.u32(at)?, self.u32(at + 4)?);
            return Some(((u64::from(hi) << 32) | u64::from(lo)) as i64);
        }
        self.ulong(at).map(|v| v as i64)
    }
    /// `struct ipc64_perm` at 0: `{uid=0, gid=0, mode=0600, key=0, cuid=0, cgid=0}`, or only
    /// what `IPC_SET` reads (`{uid=0, gid=0, mode=0600}`), as strace 6.1 shows it: ids as
    /// unsigned but `(uid_t)-1` as -1, the key as a signed number, the mode in octal
    /// (`__kernel_mode_t`: 32 bits on x86_64, `compat_mode_t` 16 on ia32).
    fn perm(&self, out: &mut String, set: bool) -> Option<()> {
        use std::fmt::Write;
        let id = |v: u32| if v == u32::MAX { -1 } else { i64::from(v) };
        let mode = if self.ia32 {
            self.u32(20)? & 0xffff
        } else {
            self.u32(20)?
        };
        let _ = write!(
            out,
            "{{uid={}, gid={}, mode={}",
            id(self.u32(4)?),
            id(self.u32(8)?),
            super::octal_mode(mode.into())
        );
        if !set {
            let _ = write!(
                out,
                ", key={}, cuid={}, cgid={}",
                self.i32(0)?,
                id(self.u32(12)?),
                id(self.u32(16)?)
            );
        }
        out.push('}');
        Some(())
    }
}

/// A `*ctl` call's buffer as strace 6.1 shows it for the command (`use_` from [`buf_use`]):
/// `{msg_perm={...}, msg_stime=0, ...}` for a `*_STAT`, what `IPC_SET` reads, the limits of
/// an `*_INFO`. `None` when `d` is too short (a copy cut short) or the command has none.
pub fn ctl_buf(family: Sysv, use_: BufUse, d: &[u8], ia32: bool) -> Option<String> {
    use std::fmt::Write;
    let f = Fields { d, ia32 };
    let mut s = String::with_capacity(192);
    match (family, use_) {
        (_, BufUse::Other) => return None,
        (Sysv::MsgQueue, BufUse::Stat | BufUse::Set) => {
            s.push_str("{msg_perm=");
            f.perm(&mut s, use_ == BufUse::Set)?;
            let qbytes = f.ulong(f.at(88, 68))?;
            if use_ == BufUse::Set {
                let _ = write!(s, ", msg_qbytes={qbytes}}}");
                return Some(s);
            }
            let _ = write!(
                s,
                ", msg_stime={}, msg_rtime={}, msg_ctime={}, msg_qnum={}, msg_qbytes={qbytes}, \
                 msg_lspid={}, msg_lrpid={}}}",
                f.time(f.at(48, 36))?,
                f.time(f.at(56, 44))?,
                f.time(f.at(64, 52))?,
                f.ulong(f.at(80, 64))?,
                f.i32(f.at(96, 72))?,
                f.i32(f.at(100, 76))?,
            );
        }
        (Sysv::Semaphores, BufUse::Stat | BufUse::Set) => {
            s.push_str("{sem_perm=");
            f.perm(&mut s, use_ == BufUse::Set)?;
            if use_ == BufUse::Stat {
                let _ = write!(
                    s,
                    ", sem_otime={}, sem_ctime={}, sem_nsems={}",
                    f.time(f.at(48, 36))?,
                    f.time(f.at(64, 44))?,
                    f.ulong(f.at(80, 52))?,
                );
            }
            s.push('}');
        }
        (Sysv::SharedMemory, BufUse::Stat | BufUse::Set) => {
            s.push_str("{shm_perm=");
            f.perm(&mut s, use_ == BufUse::Set)?;
            if use_ == BufUse::Stat {
                let _ = write!(
                    s,
                    ", shm_segsz={}, shm_cpid={}, shm_lpid={}, shm_nattch={}, shm_atime={}, \
                     shm_dtime={}, shm_ctime={}",
                    f.ulong(f.at(48, 36))?,
                    f.i32(f.at(80, 64))?,
                    f.i32(f.at(84, 68))?,
                    f.ulong(f.at(88, 72))?,
                    f.time(f.at(56, 40))?,
                    f.time(f.at(64, 48))?,
                    f.time(f.at(72, 56))?,
                );
            }
            s.push('}');
        }
        // include/uapi/linux/msg.h `struct msginfo`: seven ints and a short, in both ABIs.
        (Sysv::MsgQueue, _) => {
            let _ = write!(s, "{{msgpool={}", f.i32(0)?);
            for (i, name) in ["msgmap", "msgmax", "msgmnb", "msgmni", "msgssz", "msgtql"]
                .iter()
                .enumerate()
            {
                let _ = write!(s, ", {name}={}", f.i32(4 * (i + 1))?);
            }
            let seg = u16::from_le_bytes(d.get(28..30)?.try_into().ok()?);
            let _ = write!(s, ", msgseg={seg}}}");
        }
        // include/uapi/linux/sem.h `struct seminfo`: ten ints, in both ABIs.
        (Sysv::Semaphores, _) => {
            let names = [
                "semmap", "semmni", "semmns", "semmnu", "semmsl", "semopm", "semume", "semusz",
                "semvmx", "semaem",
            ];
            for (i, name) in names.iter().enumerate() {
                let sep = if i == 0 { "{" } else { ", " };
                let _ = write!(s, "{sep}{name}={}", f.i32(4 * i)?);
            }
            s.push('}');
        }
        // include/uapi/linux/shm.h `struct shminfo64`: unsigned longs.
        (Sysv::SharedMemory, BufUse::Info) => {
            let long = if ia32 { 4 } else { 8 };
            for (i, name) in ["shmmax", "shmmin", "shmmni", "shmseg", "shmall"]
                .iter()
                .enumerate()
            {
                let sep = if i == 0 { "{" } else { ", " };
                let _ = write!(s, "{sep}{name}={}", f.ulong(long * i)?);
            }
            s.push('}');
        }
        // include/uapi/linux/shm.h `struct shm_info`: an int, then unsigned longs.
        (Sysv::SharedMemory, _) => {
            let long = if ia32 { 4 } else { 8 };
            let _ = write!(s, "{{used_ids={}", f.i32(0)?);
            for (i, name) in [
                "shm_tot",
                "shm_rss",
                "shm_swp",
                "swap_attempts",
                "swap_successes",
            ]
            .iter()
            .enumerate()
            {
                let _ = write!(s, ", {name}={}", f.ulong(long * (i + 1))?);
            }
            s.push('}');
        }
    }
    Some(s)
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

    /// A `shmid64_ds` as x86_64's kernel writes it and as ia32's compat code does (each time
    /// in two halves), and what strace 6.1 printed for the same segment.
    #[test]
    fn a_segment_in_both_layouts() {
        let put = |d: &mut [u8], at: usize, v: &[u8]| d[at..at + v.len()].copy_from_slice(v);
        let mut x = [0u8; 112];
        put(&mut x, 0, &0x1234_abcd_u32.to_le_bytes());
        put(&mut x, 4, &u32::MAX.to_le_bytes());
        put(&mut x, 20, &0o3640_u32.to_le_bytes());
        put(&mut x, 48, &4096_u64.to_le_bytes());
        put(&mut x, 56, &1_796_342_925_u64.to_le_bytes());
        put(&mut x, 80, &24061_u32.to_le_bytes());
        put(&mut x, 88, &1_u64.to_le_bytes());
        let want = "{shm_perm={uid=-1, gid=0, mode=03640, key=305441741, cuid=0, cgid=0}, \
                    shm_segsz=4096, shm_cpid=24061, shm_lpid=0, shm_nattch=1, \
                    shm_atime=1796342925, shm_dtime=0, shm_ctime=0}";
        let stat = buf_use(Sysv::SharedMemory, 2, false);
        assert_eq!(stat, BufUse::Stat);
        assert_eq!(
            ctl_buf(Sysv::SharedMemory, stat, &x, false).as_deref(),
            Some(want)
        );
        let mut i = [0u8; 84];
        put(&mut i, 0, &0x1234_abcd_u32.to_le_bytes());
        put(&mut i, 4, &u32::MAX.to_le_bytes());
        // compat_mode_t is 16 bits: what lies after it is padding.
        put(
            &mut i,
            20,
            &0xffff_u32
                .wrapping_shl(16)
                .wrapping_add(0o3640)
                .to_le_bytes(),
        );
        put(&mut i, 36, &4096_u32.to_le_bytes());
        put(&mut i, 40, &1_796_342_925_u32.to_le_bytes());
        put(&mut i, 64, &24061_u32.to_le_bytes());
        put(&mut i, 72, &1_u32.to_le_bytes());
        assert_eq!(buf_use(Sysv::SharedMemory, 2, true), BufUse::Other);
        let stat = buf_use(Sysv::SharedMemory, 0x102, true);
        assert_eq!(
            ctl_buf(Sysv::SharedMemory, stat, &i, true).as_deref(),
            Some(want)
        );
        // A copy cut short shows nothing rather than zeros.
        assert_eq!(ctl_buf(Sysv::SharedMemory, stat, &i[..60], true), None);
        let set = buf_use(Sysv::SharedMemory, 1, false);
        assert_eq!(
            ctl_buf(Sysv::SharedMemory, set, &x, false).as_deref(),
            Some("{shm_perm={uid=-1, gid=0, mode=03640}}")
        );
    }

    #[test]
    fn each_command_uses_its_buffer() {
        use Sysv::{MsgQueue, Semaphores, SharedMemory};
        assert_eq!(buf_use(MsgQueue, 11, false), BufUse::Stat);
        assert_eq!(buf_use(MsgQueue, 12, false), BufUse::Info);
        assert_eq!(buf_use(Semaphores, 12, false), BufUse::Other); // GETVAL
        assert_eq!(buf_use(Semaphores, 20, false), BufUse::Stat);
        assert_eq!(buf_use(Semaphores, 0x113, true), BufUse::Info);
        assert_eq!(buf_use(SharedMemory, 14, false), BufUse::ShmInfo);
        assert_eq!(buf_use(SharedMemory, 11, false), BufUse::Other); // SHM_LOCK
        assert_eq!(buf_use(SharedMemory, 0, false), BufUse::Other);
        let mut info = [0u8; 48];
        info[0] = 25;
        info[8] = 25;
        assert_eq!(
            ctl_buf(SharedMemory, BufUse::ShmInfo, &info, false).as_deref(),
            Some(
                "{used_ids=25, shm_tot=25, shm_rss=0, shm_swp=0, swap_attempts=0, swap_successes=0}"
            )
        );
    }

    #[test]
    fn flags_per_call() {
        assert_eq!(
            get_flags(0o1000 | 0o2000 | 0o600, false),
            "IPC_CREAT|IPC_EXCL|0600"
        );
        assert_eq!(
            get_flags(0o1000 | 0o4000 | 0o600, false),
            "IPC_CREAT|IPC_NOWAIT|0600"
        );
        assert_eq!(get_flags(0, false), "000");
        assert_eq!(
            get_flags(
                0o1000 | 0o2000 | 0o4000 | 0o10000 | 0x40000 | (21 << 26) | 0o640,
                true
            ),
            "IPC_CREAT|IPC_EXCL|SHM_HUGETLB|SHM_NORESERVE|0x40000|21<<SHM_HUGE_SHIFT|0640"
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
