//! The capture ops: the user memory a call's spec says to copy (bytes, strings, `msghdr`s with
//! their names, iovecs and control messages), the files behind the descriptors a call created
//! or received, read from the task's file table, and the global functions `tracer_run_op` and
//! `tracer_capture_files` through which the syscall programs run them.

use core::{ffi::c_void, ptr};

use aya_ebpf::helpers::generated::{self, bpf_probe_read_kernel, bpf_probe_read_user};
use tracer_common::{
    ABI_IA32, AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, BATCH_MASK, CK_BYTES, CK_IOV, CK_IOV_DATA,
    CK_MSG_CONTROL, CK_MSG_NAME, CK_MSGHDR, CK_STR, FileId, FileOffsets, LEN_ARG, LEN_ARG_DEREF,
    LEN_INDEX, LEN_RET, MAX_CMSGS, MAX_CONTROL, MAX_IOV, MAX_IOV_DATA, MAX_OPS, MAX_RECV_FDS,
    MAX_SOCKADDR, OP_BYTES, OP_FD_FILE, OP_MSGHDR, OP_STR, OPF_ADDR_DEREF, OPF_FD_ARG, OPF_FD_RET,
    OPF_IOV_ARRAY, OPF_NO_PAYLOAD, OPF_OK_ONLY, OPF_RET_CAP, OPF_SNAP, S_IFBLK, S_IFCHR, S_IFMT,
    S_IFSOCK, WHEN_ENTER, WHEN_EXIT,
};

use crate::{
    entry::{State, pick_inner},
    maps::{SPECS, STATE, config, held},
    ring::Writer,
};

/// # Safety
/// `src` may be any kernel address: the helper never faults.
#[inline(always)]
pub(crate) unsafe fn bpf_probe_read_kernel_u64(src: *const u64) -> Option<u64> {
    let mut v = 0u64;
    // SAFETY: writes 8 bytes into `v`.
    let rc = unsafe { bpf_probe_read_kernel(ptr::from_mut(&mut v).cast(), 8, src.cast()) };
    (rc == 0).then_some(v)
}

#[inline(always)]
pub(crate) fn read_user_word(addr: u64, size: u32) -> Option<u64> {
    let mut v = 0u64;
    // SAFETY: writes at most 8 bytes into `v` (size is 4 or 8); never faults.
    let rc = unsafe {
        bpf_probe_read_user(
            ptr::from_mut(&mut v).cast(),
            size & 0xc,
            addr as *const c_void,
        )
    };
    (rc == 0).then_some(v)
}

/// Run the capture ops of the spec that belong to this side of the call, one global function
/// call each ([`tracer_run_op`]).
/// An op with nothing to do (no op in that slot, most calls' case) costs no call.
#[inline(always)]
pub(crate) fn run_ops(spec_idx: u32, when: u8, retry_enter: bool, ret: i64, snaplen: usize) {
    let Some(spec) = SPECS.get(spec_idx) else {
        return;
    };
    for i in 0..MAX_OPS {
        match spec.ops[i].kind {
            0 => {}
            // Exit only: the files behind what the call returned.
            OP_FD_FILE if when & WHEN_EXIT != 0 => {
                tracer_capture_files(i as u32, ret);
            }
            OP_FD_FILE => {}
            _ => {
                let (when, retry) = (u32::from(when), u32::from(retry_enter));
                tracer_run_op(i as u32, when, retry, ret, snaplen as u32);
            }
        }
    }
}

/// The capture writer of the call in progress on this CPU, where `write_side` left it (the
/// per-CPU `STATE` and the batch buffer at `Held::base`), for the global functions below.
#[inline(always)]
fn writer() -> Option<(Writer, &'static State)> {
    let st = STATE.get_ptr_mut(0)?;
    let h = held()?;
    // SAFETY: a field of the per-CPU value, written by `write_side` before the ops run.
    let base = (unsafe { core::ptr::read_volatile(&raw const h.base) } as usize) & BATCH_MASK;
    // SAFETY: `base <= BATCH_MASK`: the record has SCRATCH_SIZE bytes after it.
    let buf = unsafe { h.buf.as_mut_ptr().add(base) };
    // SAFETY: the per-CPU value; see `resolve`.
    Some((Writer { buf, st }, unsafe { &*st }))
}

/// Capture op `i` of the call in progress on this CPU (not `OP_FD_FILE`), for side `when`
/// (`retry` 1: entry-side ops are copied again at exit).
///
/// A global function (the linker exports it: xtask's `--export`): the verifier checks it once
/// per program, its arguments unknown, instead of once per op and per path of its caller
/// through the loop (kernel/bpf/verifier.c, `check_func_call`: a global function is verified
/// on its own, `btf_check_subprog_call` checks its arguments' types at each call). Its frame
/// and its callers' count against the 512 bytes a call chain may use (Linux 6.1 checks
/// `combined stack size`; 6.18 gives raw tracepoints a private stack): the files of
/// `OP_FD_FILE`, whose reads go through a subprogram of their own (`file_id`'s closure), are
/// in [`tracer_capture_files`], whose chain is `sys_exit` 224 + 224 + 64 bytes: exactly 512.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn tracer_run_op(i: u32, when: u32, retry: u32, ret: i64, snaplen: u32) -> u32 {
    let Some((mut w, st)) = writer() else {
        return 0;
    };
    run_op(
        &mut w,
        st,
        i as usize & (MAX_OPS - 1),
        when as u8,
        retry != 0,
        ret,
        snaplen as usize,
    );
    0
}

/// `OP_FD_FILE` op `i` at the call's exit, which returned `ret`: see [`tracer_run_op`].
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn tracer_capture_files(i: u32, ret: i64) -> u32 {
    let Some((mut w, st)) = writer() else {
        return 0;
    };
    let Some(spec) = SPECS.get(st.spec_idx) else {
        return 0;
    };
    let i = i as usize & (MAX_OPS - 1);
    let op = &spec.ops[i];
    // SAFETY: `w.st` points to the per-CPU State map value.
    unsafe { core::ptr::write_volatile(&raw mut (*w.st).late, 0) };
    if op.flags & OPF_OK_ONLY != 0 && ret < 0 {
        return 0;
    }
    let (addr, _) = op_addr(st, op);
    capture_files(&mut w, i as u8, op.flags, addr, ret);
    0
}

/// The user address op `op` reads (its argument, maybe dereferenced, plus its offset; 0 for
/// NULL), and its length argument's value.
#[inline(always)]
fn op_addr(st: &State, op: &tracer_common::CaptureOp) -> (u64, u64) {
    let mut arg = pick_inner(st, op.arg);
    if op.flags & OPF_ADDR_DEREF != 0 && arg != 0 {
        arg = read_user_word(arg, 4).unwrap_or(0);
    }
    let addr = if arg == 0 {
        0
    } else {
        arg.wrapping_add(u64::from(op.offset))
    };
    (addr, pick_inner(st, op.len_arg))
}

const _: () = assert!(MAX_OPS.is_power_of_two());

#[inline(always)]
fn run_op(
    w: &mut Writer,
    st: &State,
    i: usize,
    when: u8,
    retry_enter: bool,
    ret: i64,
    snaplen: usize,
) {
    let Some(spec) = SPECS.get(st.spec_idx) else {
        return;
    };
    let op = &spec.ops[i];
    // `when` is a set: an op of both sides (`select`'s fd_sets) runs at entry and at exit.
    let here = op.when & when != 0;
    if op.kind == 0 || !(here || (retry_enter && op.when == WHEN_ENTER)) {
        return;
    }
    // SAFETY: `w.st` points to the per-CPU State map value.
    unsafe { core::ptr::write_volatile(&raw mut (*w.st).late, u64::from(!here)) };
    if op.flags & OPF_OK_ONLY != 0 && ret < 0 {
        return;
    }
    let (addr, len_arg) = op_addr(st, op);
    let mut cap = op.max as usize;
    if op.flags & OPF_SNAP != 0 {
        cap = cap.min(snaplen);
    }
    let want = match op.len_from {
        LEN_ARG => len_arg.wrapping_mul(u64::from(op.scale.max(1))),
        LEN_ARG_DEREF => read_user_word(len_arg, 4).unwrap_or(0) & 0xffff_ffff,
        LEN_RET if op.flags & OPF_RET_CAP != 0 => (ret.max(0) as u64).min(len_arg),
        LEN_RET => (ret.max(0) as u64).wrapping_mul(u64::from(op.scale.max(1))),
        _ => u64::from(op.max),
    };
    match op.kind {
        OP_BYTES => w.capture((i as u8, CK_BYTES, 0), addr, want, cap, false),
        OP_STR => w.capture((i as u8, CK_STR, 0), addr, want, cap, true),
        OP_MSGHDR => capture_msghdr(
            w,
            st,
            (i as u8, op.flags, when),
            (addr, len_arg),
            (op.len_from, op.when, op.scale),
            ret,
            snaplen,
        ),
        // `OP_FD_FILE`: tracer_capture_files.
        _ => {}
    }
}

/// The files behind the descriptors a call created (`OP_FD_FILE`): the return value, or the two
/// `int`s a `pipe2`/`socketpair` wrote at `addr`.
#[inline(always)]
fn capture_files(w: &mut Writer, op: u8, flags: u8, addr: u64, ret: i64) {
    let Some(cfg) = config() else {
        return;
    };
    let off = &cfg.files;
    if off.task_files == 0 {
        return;
    }
    let fds = if flags & OPF_FD_RET != 0 {
        [ret as i32, -1]
    } else if flags & OPF_FD_ARG != 0 {
        // `addr` is the argument's value here: the op's offset is 0.
        [addr as i32, -1]
    } else {
        let Some(v) = read_user_word(addr, 8) else {
            return;
        };
        [v as u32 as i32, (v >> 32) as u32 as i32]
    };
    let (first, sk) = file_id(off, fds[0]);
    let ids = [first, file_id(off, fds[1]).0];
    w.put_files(op, &ids);
    // A pair (`pipe2`, `socketpair`) is never an internet or netlink socket.
    let family = u64::from(first.family);
    if sk != 0
        && (family == u64::from(AF_INET)
            || family == u64::from(AF_INET6)
            || family == u64::from(AF_NETLINK))
    {
        // SAFETY: `w.st` points to the per-CPU State map value.
        unsafe {
            (*w.st).sock_sk = sk;
            (*w.st).sock_fd = u64::from(first.fd as u32);
            (*w.st).sock_family = family;
            (*w.st).sock_op = u64::from(op);
        }
    }
}

/// The addresses of the socket `capture_files` found (`CK_SOCK`). Once, after the ops: inside
/// their loop it would be verified once per op.
#[inline(always)]
pub(crate) fn capture_sock(w: &mut Writer) {
    // SAFETY: `w.st` points to the per-CPU State map value.
    let (sk, fd, family, op) = unsafe {
        let st = w.st;
        (
            (*st).sock_sk,
            (*st).sock_fd,
            (*st).sock_family,
            (*st).sock_op,
        )
    };
    if sk == 0 {
        return;
    }
    if let Some(cfg) = config() {
        w.put_sock(op as u8, &cfg.files, fd as i32, sk, family);
    }
}

/// `current->files->fdt->fd[fd]->f_inode`: the inode number and mode of descriptor `fd`
/// (include/linux/fdtable.h `files_lookup_fd_raw`, without the RCU read lock a BPF program
/// cannot take: every read is a fault-safe `bpf_probe_read_kernel`, and the descriptor was
/// made by this very call, on this task, which has not returned to user space yet).
/// With the file, for a socket, its `struct sock` (0 otherwise).
#[inline(always)]
fn file_id(off: &FileOffsets, fd: i32) -> (FileId, u64) {
    let none = FileId {
        fd: -1,
        ..FileId::default()
    };
    if fd < 0 {
        return (none, 0);
    }
    let read = read_at;
    // SAFETY: returns the current task's address, read only through the helper above.
    let task = unsafe { generated::bpf_get_current_task() };
    let found = (|| {
        let files = read(task, off.task_files)?;
        let fdt = read(files, off.files_fdt)?;
        let max = read(fdt, off.fdt_max_fds)? & 0xffff_ffff;
        if u64::from(fd as u32) >= max {
            return None;
        }
        let arr = read(fdt, off.fdt_fd)?;
        let file = read(arr + u64::from(fd as u32) * 8, 0)?;
        let inode = read(file, off.file_inode)?;
        let ino = read(inode, off.inode_ino)?;
        let mode = (read(inode, off.inode_mode)? & 0xffff) as u32;
        let mut id = FileId {
            fd,
            mode,
            ino,
            ..FileId::default()
        };
        let mut sk = 0;
        match mode & S_IFMT {
            S_IFSOCK if off.file_private != 0 => {
                sk = socket_of(off, read(file, off.file_private)?, &mut id);
            }
            S_IFCHR | S_IFBLK if off.inode_rdev != 0 => {
                id.rdev = read(inode, off.inode_rdev).unwrap_or(0) as u32;
            }
            _ => {}
        }
        Some((id, sk))
    })();
    found.unwrap_or((FileId { fd, ..none }, 0))
}

/// The 8 bytes at `base + at` in kernel memory; `None` for a NULL `base` or a failed read.
#[inline(always)]
pub(crate) fn read_at(base: u64, at: u16) -> Option<u64> {
    if base == 0 {
        return None;
    }
    // SAFETY: any address: the helper never faults.
    unsafe { bpf_probe_read_kernel_u64((base + u64::from(at)) as *const u64) }
}

/// A socket file's family and type, and for a UNIX socket its peer's inode number:
/// `sock->type`, `sock->sk->sk_family`, and `unix_peer(sk)->sk_socket`'s inode, which
/// `SOCK_INODE` finds after the `struct socket` in its `socket_alloc` (include/net/sock.h;
/// `unix_peer` is `unix_sk(sk)->peer`, net/unix/af_unix.c). A peer that has no socket yet (a
/// connection not yet accepted, `sk_socket` NULL) leaves `peer` 0, as `sock_i_ino` reports it
/// to `unix_diag`. Returns the `struct sock` (0 when it could not be read).
#[inline(always)]
fn socket_of(off: &FileOffsets, sock: u64, id: &mut FileId) -> u64 {
    let read = read_at;
    let Some(ty) = read(sock, off.socket_type) else {
        return 0;
    };
    id.sock_type = ty as u16;
    let Some(sk) = read(sock, off.socket_sk) else {
        return 0;
    };
    let family = read(sk, off.sk_family).unwrap_or(0) & 0xffff;
    id.family = family as u16;
    if family == u64::from(AF_UNIX)
        && let Some(peer_sk) = read(sk, off.unix_peer)
        && let Some(peer_sock) = read(peer_sk, off.sk_socket)
        && let Some(ino) = read(peer_sock, off.socket_inode + off.inode_ino)
    {
        id.peer = ino;
    }
    sk
}

/// `struct user_msghdr` (include/linux/socket.h) or `struct compat_msghdr`
/// (include/net/compat.h): name, iovec array, and the first bytes of the first iovecs.
/// With `OPF_IOV_ARRAY` the argument is the iovec array itself and `count` its length
/// (`readv`, `writev`, `preadv2`...): the same copies without a header.
#[inline(always)]
fn capture_msghdr(
    w: &mut Writer,
    st: &State,
    (op, flags, when): (u8, u8, u8),
    (addr, count): (u64, u64),
    (len_from, sides, index): (u8, u8, u8),
    ret: i64,
    snaplen: usize,
) {
    let compat = st.abi == ABI_IA32;
    let word = if compat { 4u32 } else { 8u32 };
    // Message `index` of a `struct mmsghdr` array of `count` (at exit, of those the call
    // returned): nothing past its end.
    let mmsg = len_from == LEN_INDEX;
    if mmsg {
        // ia32's count is a 32-bit register.
        let mut n = count & 0xffff_ffff;
        if when == WHEN_EXIT {
            n = n.min(ret.max(0) as u64);
        }
        if u64::from(index) >= n {
            return;
        }
    }
    // The bytes a message moved: at exit, `msg_len` of a `struct mmsghdr` (include/linux/
    // socket.h; `compat_mmsghdr`, include/net/compat.h), else the return value.
    let mut moved = ret.max(0) as u64;
    let (iov, iovlen) = if flags & OPF_IOV_ARRAY != 0 {
        (addr, count)
    } else {
        // `struct msghdr` (`compat_msghdr` on ia32), or `struct mmsghdr`: the header, then
        // `msg_len` (and padding to 64 bytes on x86_64).
        let size = match (compat, mmsg) {
            (true, false) => 28u64,
            (true, true) => 32,
            (false, false) => 56,
            (false, true) => 64,
        };
        w.capture((op, CK_MSGHDR, 0), addr, size, size as usize, false);
        // A message the call fills (recvmmsg): at entry its header only, for the
        // `msg_namelen` passed in.
        if mmsg && sides == WHEN_ENTER | WHEN_EXIT && when == WHEN_ENTER {
            return;
        }
        if mmsg && when == WHEN_EXIT {
            let msg_len_off = if compat { 28 } else { 56 };
            moved = read_user_word(addr + msg_len_off, 4).unwrap_or(0) & 0xffff_ffff;
        }
        if addr == 0 {
            return;
        }
        let (namelen_off, iov_off, iovlen_off) = if compat { (4, 8, 12) } else { (8, 16, 24) };
        let Some(name) = read_user_word(addr, word) else {
            return;
        };
        // A failed call's header is copied for its `msg_namelen`; the kernel wrote nothing else.
        if when == WHEN_EXIT && ret < 0 {
            return;
        }
        capture_control(w, op, addr, compat, when);
        let namelen = read_user_word(addr + namelen_off, 4).unwrap_or(0) & 0xffff_ffff;
        let Some(iov) = read_user_word(addr + iov_off, word) else {
            return;
        };
        let iovlen = read_user_word(addr + iovlen_off, word).unwrap_or(0);
        if name != 0 {
            w.capture(
                (op, CK_MSG_NAME, 0),
                name,
                namelen,
                MAX_SOCKADDR as usize,
                false,
            );
        }
        (iov, iovlen)
    };
    // ia32's count is a 32-bit register.
    let iovlen = if compat { iovlen & 0xffff_ffff } else { iovlen };
    let entry = u64::from(word) * 2;
    let n = iovlen.min(MAX_IOV as u64);
    w.capture((op, CK_IOV, 0), iov, n * entry, MAX_IOV * 16, false);
    if flags & OPF_NO_PAYLOAD != 0 || iov == 0 {
        return;
    }
    // Bytes left to show: the snap length, and on exit no more than the call moved.
    let mut left = snaplen as u64;
    if when == WHEN_EXIT {
        left = left.min(moved);
    }
    let left_ptr = {
        // SAFETY: `w.st` points to the per-CPU State map value.
        unsafe { &raw mut (*w.st).left }
    };
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile(left_ptr, left) };
    for k in 0..MAX_IOV_DATA {
        // SAFETY: as above.
        let left = unsafe { core::ptr::read_volatile(left_ptr) };
        if (k as u64) >= n || left == 0 {
            break;
        }
        let e = iov + k as u64 * entry;
        let Some(base) = read_user_word(e, word) else {
            break;
        };
        let len = read_user_word(e + u64::from(word), word).unwrap_or(0);
        let take = len.min(left);
        w.capture((op, CK_IOV_DATA, k as u8), base, take, snaplen, false);
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(left_ptr, left - take) };
    }
}

/// `msg_control` (`CK_MSG_CONTROL`): at entry the `msg_controllen` bytes passed in, at exit the
/// ones the kernel wrote (it writes the length it filled back into `msg_controllen`, net/socket.c
/// `____sys_recvmsg`, and `__sys_recvmsg`'s compat twin), then the files behind the descriptors
/// received there.
#[inline(always)]
fn capture_control(w: &mut Writer, op: u8, hdr: u64, compat: bool, when: u8) {
    // `msg_control` and `msg_controllen` in `struct user_msghdr` (include/linux/socket.h) and
    // `struct compat_msghdr` (include/net/compat.h).
    let (word, ctl_off, len_off) = if compat { (4, 16, 20) } else { (8, 32, 40) };
    let len = read_user_word(hdr + len_off, word).unwrap_or(0);
    if len == 0 {
        return;
    }
    let ctl = read_user_word(hdr + ctl_off, word).unwrap_or(0);
    w.capture(
        (op, CK_MSG_CONTROL, 0),
        ctl,
        len,
        MAX_CONTROL as usize,
        false,
    );
    if when == WHEN_EXIT && ctl != 0 {
        // SAFETY: `w.st` points to the per-CPU State map value.
        unsafe {
            (*w.st).ctl_ptr = ctl;
            (*w.st).ctl_len = len.min(u64::from(MAX_CONTROL));
            (*w.st).ctl_op = u64::from(op);
        }
    }
}

// `capture_received` fills one `CK_FILE` capture of two ids and masks its index.
const _: () = assert!(MAX_RECV_FDS == 2);

/// The files behind the descriptors a `recvmsg` received (`SCM_RIGHTS` and `SCM_PIDFD` among
/// its first [`MAX_CMSGS`] control messages, the first [`MAX_RECV_FDS`] of them), read from
/// the task's file table as the call returns, as for a descriptor a call returns: which object
/// the program got, without a look in `/proc`. A `cmsghdr` is `{size_t cmsg_len; int
/// cmsg_level; int cmsg_type;}` then the data, each aligned to the ABI's `long`
/// (include/linux/socket.h `CMSG_ALIGN`, include/net/compat.h `CMSG_COMPAT_ALIGN`).
#[inline(always)]
pub(crate) fn capture_received(w: &mut Writer) {
    let st = w.st;
    // SAFETY: `st` points to the per-CPU State map value.
    let (ctl, len, op, compat) = unsafe {
        (
            (*st).ctl_ptr,
            (*st).ctl_len,
            (*st).ctl_op as u8,
            (*st).abi == ABI_IA32,
        )
    };
    if ctl == 0 {
        return;
    }
    let Some(cfg) = config() else {
        return;
    };
    let off = &cfg.files;
    if off.task_files == 0 {
        return;
    }
    // SAFETY (every access to `st` below): it points to the per-CPU State map value; the
    // volatile accesses keep the walk's values in map memory (see `State::ctl_at`).
    let (at_p, found_p) = unsafe { (&raw mut (*st).ctl_at, &raw mut (*st).ctl_found) };
    let fds_p = unsafe { &raw mut (*st).ctl_fds };
    unsafe {
        core::ptr::write_volatile(at_p, 0);
        core::ptr::write_volatile(found_p, 0);
    }
    let (word, hdr) = if compat { (4u32, 12u64) } else { (8u32, 16u64) };
    let align = u64::from(word) - 1;
    for _ in 0..MAX_CMSGS {
        // SAFETY: `at_p` points into the per-CPU State value (above).
        let at = unsafe { core::ptr::read_volatile(at_p) } & 0xffff;
        if at + hdr > len {
            break;
        }
        let Some(clen) = read_user_word(ctl + at, word) else {
            break;
        };
        let Some(lt) = read_user_word(ctl + at + u64::from(word), 8) else {
            break;
        };
        if clen < hdr {
            break;
        }
        // SOL_SOCKET = 1; SCM_RIGHTS = 1, SCM_PIDFD = 4 (include/linux/socket.h).
        let (level, ty) = (lt & 0xffff_ffff, lt >> 32);
        if level == 1 && (ty == 1 || ty == 4) {
            let count = (clen.min(len - at) - hdr) / 4;
            for j in 0..MAX_RECV_FDS as u64 {
                // SAFETY: `found_p` points into the per-CPU State value (above).
                let n = unsafe { core::ptr::read_volatile(found_p) };
                if j >= count || n >= MAX_RECV_FDS as u64 {
                    break;
                }
                let Some(fd) = read_user_word(ctl + at + hdr + j * 4, 4) else {
                    break;
                };
                // A constant slot per branch, not `n` as an index: the compiler drops a mask
                // it can prove redundant, and Linux 6.1's verifier loses `n`'s bound once it
                // is spilled ("math between map_value pointer and register with unbounded
                // min value"), which refused the whole program there.
                // SAFETY: `fds_p` is `st.ctl_fds` (above); slot 0 or 1 of its MAX_RECV_FDS = 2.
                let slot = if n == 0 {
                    unsafe { (*fds_p).as_mut_ptr() }
                } else {
                    unsafe { (*fds_p).as_mut_ptr().add(1) }
                };
                unsafe {
                    core::ptr::write_volatile(slot, fd);
                    core::ptr::write_volatile(found_p, n + 1);
                }
            }
        }
        // SAFETY: as for the read of `at_p` above.
        unsafe { core::ptr::write_volatile(at_p, at + ((clen + align) & !align)) };
    }
    // SAFETY: as for the reads of `found_p` above.
    let n = unsafe { core::ptr::read_volatile(found_p) };
    if n == 0 {
        return;
    }
    let fd = |k: usize| {
        if (k as u64) < n {
            // SAFETY: `fds_p` is `st.ctl_fds` (above); `k < n <= MAX_RECV_FDS`, its length.
            unsafe { core::ptr::read_volatile((*fds_p).as_ptr().add(k)) as u32 as i32 }
        } else {
            -1
        }
    };
    w.put_files(op, &[file_id(off, fd(0)).0, file_id(off, fd(1)).0]);
}
