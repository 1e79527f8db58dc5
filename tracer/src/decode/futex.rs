//! `futex(2)` as strace 6.1 shows it (src/futex.c, measured on the same calls): the operation
//! by name, and only the arguments that operation reads (kernel/futex/syscalls.c `do_futex`),
//! each as the operation reads it. Values: include/uapi/linux/futex.h.

use std::fmt::Write as _;

use super::consts::{Names, hex0, one_or};
use crate::syscalls::FutexArg;

const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;
/// strace's `cmd = op & 127`: the operation without its two flags.
const CMD_MASK: u64 = 127;
const FUTEX_BITSET_MATCH_ANY: u64 = 0xffff_ffff;

const WAIT: u64 = 0;
const WAKE: u64 = 1;
const FD: u64 = 2;
const REQUEUE: u64 = 3;
const CMP_REQUEUE: u64 = 4;
const WAKE_OP: u64 = 5;
const LOCK_PI: u64 = 6;
const UNLOCK_PI: u64 = 7;
const TRYLOCK_PI: u64 = 8;
const WAIT_BITSET: u64 = 9;
const WAKE_BITSET: u64 = 10;
const WAIT_REQUEUE_PI: u64 = 11;
const CMP_REQUEUE_PI: u64 = 12;
const LOCK_PI2: u64 = 13;

const OPS: Names = &[
    (WAIT, "FUTEX_WAIT"),
    (WAKE, "FUTEX_WAKE"),
    (FD, "FUTEX_FD"),
    (REQUEUE, "FUTEX_REQUEUE"),
    (CMP_REQUEUE, "FUTEX_CMP_REQUEUE"),
    (WAKE_OP, "FUTEX_WAKE_OP"),
    (LOCK_PI, "FUTEX_LOCK_PI"),
    (UNLOCK_PI, "FUTEX_UNLOCK_PI"),
    (TRYLOCK_PI, "FUTEX_TRYLOCK_PI"),
    (WAIT_BITSET, "FUTEX_WAIT_BITSET"),
    (WAKE_BITSET, "FUTEX_WAKE_BITSET"),
    (WAIT_REQUEUE_PI, "FUTEX_WAIT_REQUEUE_PI"),
    (CMP_REQUEUE_PI, "FUTEX_CMP_REQUEUE_PI"),
    (LOCK_PI2, "FUTEX_LOCK_PI2"),
];

/// `FUTEX_WAKE_OP`'s operations and comparisons (`FUTEX_OP_SET`..., `FUTEX_OP_CMP_EQ`...).
const WAKE_OPS: Names = &[
    (0, "FUTEX_OP_SET"),
    (1, "FUTEX_OP_ADD"),
    (2, "FUTEX_OP_OR"),
    (3, "FUTEX_OP_ANDN"),
    (4, "FUTEX_OP_XOR"),
];
const WAKE_CMPS: Names = &[
    (0, "FUTEX_OP_CMP_EQ"),
    (1, "FUTEX_OP_CMP_NE"),
    (2, "FUTEX_OP_CMP_LT"),
    (3, "FUTEX_OP_CMP_LE"),
    (4, "FUTEX_OP_CMP_GT"),
    (5, "FUTEX_OP_CMP_GE"),
];

/// How one argument is shown for an operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Show {
    /// Not shown: the operation does not read it.
    Hidden,
    /// An `unsigned int` in decimal.
    U32,
    /// A pointer, in hex or `NULL`.
    Ptr,
    /// A `struct timespec` (or `NULL`).
    Time,
    /// `val3` as a bitset: `FUTEX_BITSET_MATCH_ANY`, else hex.
    Bitset,
    /// `val3` as `FUTEX_WAKE_OP`'s encoded operation.
    WakeOp,
}

/// How `arg` is shown for the operation `op` (the second argument).
pub fn show(op: u64, arg: FutexArg) -> Show {
    let cmd = op & CMD_MASK;
    let known = OPS.iter().any(|(v, _)| *v == cmd);
    match arg {
        FutexArg::Op => Show::U32,
        FutexArg::Val => match cmd {
            LOCK_PI | UNLOCK_PI | TRYLOCK_PI | LOCK_PI2 => Show::Hidden,
            _ => Show::U32,
        },
        FutexArg::Timeout(..) => match cmd {
            WAIT | LOCK_PI | WAIT_BITSET | WAIT_REQUEUE_PI | LOCK_PI2 => Show::Time,
            REQUEUE | CMP_REQUEUE | WAKE_OP | CMP_REQUEUE_PI => Show::U32,
            _ if !known => Show::Ptr,
            _ => Show::Hidden,
        },
        FutexArg::Uaddr2 => match cmd {
            REQUEUE | CMP_REQUEUE | WAKE_OP | WAIT_REQUEUE_PI | CMP_REQUEUE_PI => Show::Ptr,
            _ if !known => Show::Ptr,
            _ => Show::Hidden,
        },
        FutexArg::Val3 => match cmd {
            CMP_REQUEUE | CMP_REQUEUE_PI => Show::U32,
            WAKE_OP => Show::WakeOp,
            WAIT_BITSET | WAKE_BITSET => Show::Bitset,
            _ if !known => Show::U32,
            _ => Show::Hidden,
        },
    }
}

/// The operation: `FUTEX_WAIT_PRIVATE`, `FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME`, an unknown
/// one as `0x63 /* FUTEX_??? */`.
pub fn op_name(op: u64) -> String {
    let op = op & 0xffff_ffff;
    let cmd = op & CMD_MASK;
    if !OPS.iter().any(|(v, _)| *v == cmd)
        || op & !(CMD_MASK | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) != 0
    {
        return one_or(op, &[], "FUTEX_???");
    }
    let mut s = one_or(cmd, OPS, "FUTEX_???");
    if op & FUTEX_PRIVATE_FLAG != 0 {
        s.push_str("_PRIVATE");
    }
    if op & FUTEX_CLOCK_REALTIME != 0 {
        s.push_str("|FUTEX_CLOCK_REALTIME");
    }
    s
}

/// `val3` as a bitset.
pub fn bitset(v: u64) -> String {
    match v & 0xffff_ffff {
        FUTEX_BITSET_MATCH_ANY => "FUTEX_BITSET_MATCH_ANY".into(),
        v => format!("{v:#x}"),
    }
}

/// `FUTEX_WAKE_OP`'s `val3` (include/uapi/linux/futex.h `FUTEX_OP`: op<<28, cmp<<24,
/// oparg<<12, cmparg): `FUTEX_OP_SET<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0`.
pub fn wake_op(v: u64) -> String {
    const FUTEX_OP_OPARG_SHIFT: u64 = 8;
    let mut s = String::new();
    if (v >> 28) & FUTEX_OP_OPARG_SHIFT != 0 {
        s.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    s.push_str(&one_or((v >> 28) & 7, WAKE_OPS, "FUTEX_OP_???"));
    let _ = write!(s, "<<28|{}<<12|", hex0((v >> 12) & 0xfff));
    s.push_str(&one_or((v >> 24) & 0xf, WAKE_CMPS, "FUTEX_OP_CMP_???"));
    let _ = write!(s, "<<24|{}", hex0(v & 0xfff));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_their_arguments_as_strace_shows_them() {
        assert_eq!(op_name(128), "FUTEX_WAIT_PRIVATE");
        assert_eq!(op_name(1), "FUTEX_WAKE");
        assert_eq!(
            op_name(9 | 128 | 256),
            "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"
        );
        assert_eq!(op_name(99), "0x63 /* FUTEX_??? */");
        assert_eq!(bitset(0xffff_ffff), "FUTEX_BITSET_MATCH_ANY");
        assert_eq!(bitset(5), "0x5");
        // FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_GT, 0), measured with strace 6.1.
        assert_eq!(
            wake_op((4 << 24) | (1 << 12)),
            "FUTEX_OP_SET<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0"
        );
        assert_eq!(show(WAKE | 128, FutexArg::Timeout(0, false)), Show::Hidden);
        assert_eq!(show(LOCK_PI, FutexArg::Val), Show::Hidden);
        assert_eq!(show(REQUEUE, FutexArg::Timeout(0, false)), Show::U32);
        assert_eq!(show(99, FutexArg::Uaddr2), Show::Ptr);
    }
}
