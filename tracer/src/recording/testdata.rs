//! Raw records built the way the eBPF side writes them, and a small recording made of them: a
//! parent creates a pipe (with a probed `do_pipe2`), forks, the child writes "hi" into it and
//! exits, the parent's read (which blocked first) returns it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracer_common::{
    ABI_X86_64, CAP_OK, CK_BYTES, CaptureHeader, ENTRY_SYSCALL, ForkRecord, HOP_ENTRY, HOP_EXIT,
    HopRecord, MECH_KPROBE, REC_ENTER, REC_EXIT, REC_FORK, REC_HOP, REC_TASK_EXIT, RecordHeader,
    SyscallEnter, SyscallExit, TABLE_X86_64, TaskExitRecord,
};

use super::format::{Header, Symbol};
use super::writer::Recorder;
use crate::event::tests::bytes_of;
use crate::syscalls::ROWS;

pub const DO_PIPE2: u64 = 0xffff_ffff_8100_0100;

fn comm(s: &str) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[..s.len()].copy_from_slice(s.as_bytes());
    c
}

/// A record: header, body, then captures padded to 8 bytes.
fn record(kind: u16, ts_ns: u64, pid: u32, tid: u32, body: &[u8], caps: &[(u8, &[u8])]) -> Vec<u8> {
    record_as(
        (ABI_X86_64, ENTRY_SYSCALL),
        kind,
        ts_ns,
        pid,
        tid,
        body,
        caps,
    )
}

fn record_as(
    (abi, entry): (u8, u8),
    kind: u16,
    ts_ns: u64,
    pid: u32,
    tid: u32,
    body: &[u8],
    caps: &[(u8, &[u8])],
) -> Vec<u8> {
    let mut out = bytes_of(&RecordHeader {
        kind,
        abi,
        entry,
        size: 0,
        ts_ns,
        pid,
        tid,
    });
    out.extend_from_slice(body);
    for (op, data) in caps {
        out.extend(bytes_of(&CaptureHeader {
            op: *op,
            kind: CK_BYTES,
            status: CAP_OK,
            len: data.len() as u16,
            want: data.len() as u32,
            ..Default::default()
        }));
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(8), 0);
    }
    let size = out.len() as u32;
    out[4..8].copy_from_slice(&size.to_ne_bytes());
    out
}

fn row(name: &str) -> (u16, u32) {
    let i = ROWS.iter().position(|r| r.name == name).expect("a row");
    (i as u16, u32::from(ROWS[i].x64.expect("an x86_64 number")))
}

pub fn enter(
    ts: u64,
    pid: u32,
    tid: u32,
    name: &str,
    args: [u64; 6],
    caps: &[(u8, &[u8])],
) -> Vec<u8> {
    enter_at(ts, pid, tid, name, args, 0, caps)
}

/// An entry made from user address `ip` (the saved instruction pointer).
pub fn enter_from(ts: u64, pid: u32, tid: u32, name: &str, args: [u64; 6], ip: u64) -> Vec<u8> {
    enter_at(ts, pid, tid, name, args, ip, &[])
}

fn enter_at(
    ts: u64,
    pid: u32,
    tid: u32,
    name: &str,
    args: [u64; 6],
    ip: u64,
    caps: &[(u8, &[u8])],
) -> Vec<u8> {
    let (row, nr) = row(name);
    let body = SyscallEnter {
        nr,
        row,
        table: TABLE_X86_64,
        args,
        inner: args,
        comm: comm(if pid == 100 { "parent" } else { "child" }),
        ip,
        ..Default::default()
    };
    record(REC_ENTER, ts, pid, tid, &bytes_of(&body), caps)
}

pub fn exit(ts: u64, pid: u32, tid: u32, name: &str, ret: i64, caps: &[(u8, &[u8])]) -> Vec<u8> {
    let (row, nr) = row(name);
    let body = SyscallExit {
        nr,
        row,
        table: TABLE_X86_64,
        ret,
        ..Default::default()
    };
    record(REC_EXIT, ts, pid, tid, &bytes_of(&body), caps)
}

fn hop(ts: u64, pid: u32, side: u8, ret: i64) -> Vec<u8> {
    let body = HopRecord {
        func_ip: DO_PIPE2 + 4,
        side,
        mech: MECH_KPROBE,
        args: [0x7ff0, 0, 0, 0, 0, 0],
        ret,
        ..Default::default()
    };
    record(REC_HOP, ts, pid, pid, &bytes_of(&body), &[])
}

/// The program called libc's `func` (the 64-bit C library), which issues a syscall next.
pub fn uprobe(ts: u64, pid: u32, func: &str) -> Vec<u8> {
    let index = crate::kernel::libc::WRAPPERS
        .iter()
        .position(|(f, _)| *f == func)
        .expect("a probed wrapper");
    let body = HopRecord {
        func_ip: crate::kernel::libc::cookie(0, index),
        side: HOP_ENTRY,
        mech: tracer_common::MECH_UPROBE,
        ret: 0x40_1000,
        ..Default::default()
    };
    record(REC_HOP, ts, pid, pid, &bytes_of(&body), &[])
}

/// The pipe lesson's records, in ring-buffer order.
pub fn pipe_records() -> Vec<Vec<u8>> {
    let fork = ForkRecord {
        child_tid: 101,
        comm: comm("parent"),
        ..Default::default()
    };
    let gone = TaskExitRecord {
        comm: comm("child"),
        ..Default::default()
    };
    vec![
        enter(1_000, 100, 100, "pipe2", [0x7ff0, 0, 0, 0, 0, 0], &[]),
        hop(1_100, 100, HOP_ENTRY, 0),
        hop(1_200, 100, HOP_EXIT, 0),
        exit(
            1_300,
            100,
            100,
            "pipe2",
            0,
            &[(0, &[3, 0, 0, 0, 4, 0, 0, 0])],
        ),
        record(REC_FORK, 2_000, 100, 100, &bytes_of(&fork), &[]),
        enter(2_500, 100, 100, "read", [3, 0x5000, 64, 0, 0, 0], &[]),
        enter(
            3_000,
            101,
            101,
            "write",
            [4, 0x6000, 2, 0, 0, 0],
            &[(0, b"hi")],
        ),
        exit(3_100, 101, 101, "write", 2, &[]),
        exit(3_500, 100, 100, "read", 2, &[(0, b"hi")]),
        record(REC_TASK_EXIT, 4_000, 101, 101, &bytes_of(&gone), &[]),
    ]
}

pub fn header() -> Header {
    Header {
        format: Header::FORMAT.into(),
        format_version: super::format::FORMAT_VERSION.into(),
        tracer: "test".into(),
        kernel: "6.1.0-test".into(),
        arch: "x86_64".into(),
        boot_to_wall_ns: "1700000000000000000".into(),
        scope: "command \"pipe\"".into(),
        snaplen: 32,
        mechanisms: [("do_pipe2".to_string(), "kprobe".to_string())].into(),
        ksyms: vec![
            Symbol {
                addr: format!("{DO_PIPE2:#x}"),
                name: "do_pipe2".into(),
            },
            Symbol {
                addr: "0xffffffff81000000".into(),
                name: "__x64_sys_pipe2".into(),
            },
        ],
        ..Header::default()
    }
}

/// The pipe lesson as a recording, with a lost-events frame and the end frame.
pub fn pipe_recording() -> Vec<u8> {
    let mut file = Vec::new();
    let mut r = Recorder::new(&mut file, &header()).expect("writing to memory");
    for (i, rec) in pipe_records().iter().enumerate() {
        r.write_record(rec).expect("writing to memory");
        if i == 4 {
            r.write_lost(2_100, 3).expect("writing to memory");
        }
    }
    r.finish(5_000, None).expect("writing to memory");
    file
}

/// Symbols of a 6.18 kernel for the 32-bit socketcall lesson.
const IA32_KSYMS: &[(u64, &str)] = &[
    (0xffff_ffff_8100_1000, "int80_emulation"),
    (0xffff_ffff_8100_1100, "do_int80_emulation"),
    (0xffff_ffff_8100_1200, "ia32_sys_call"),
    (0xffff_ffff_8100_1300, "__ia32_compat_sys_socketcall"),
    (0xffff_ffff_8100_1400, "__sys_bind"),
    (0xffff_ffff_8100_1500, "unix_bind"),
];

/// The socketcall lesson: a 32-bit program binds a UNIX socket with `int $0x80` through
/// `socketcall(SYS_BIND, args)`; probes see the dispatcher, `__sys_bind` and `unix_bind`.
pub fn socketcall_recording() -> Vec<u8> {
    use tracer_common::{ABI_IA32, ENTRY_INT80, MECH_FENTRY, TABLE_SOCKETCALL};
    const INT80: (u8, u8) = (ABI_IA32, ENTRY_INT80);
    let (row, _) = row("bind");
    let hop = |ts: u64, func: u64, side: u8, ret: i64, args: [u64; 6]| {
        let body = HopRecord {
            func_ip: func,
            side,
            mech: MECH_FENTRY,
            args,
            ret,
            ..Default::default()
        };
        record_as(INT80, REC_HOP, ts, 200, 200, &bytes_of(&body), &[])
    };
    let enter = SyscallEnter {
        nr: 102,
        row,
        table: TABLE_SOCKETCALL,
        call: 2,
        args: [2, 0xffd0_0000, 0, 0, 0, 0],
        inner: [3, 0xffd0_0100, 9, 0, 0, 0],
        comm: comm("socketcall32"),
        ..Default::default()
    };
    let exit = SyscallExit {
        nr: 102,
        row,
        table: TABLE_SOCKETCALL,
        ret: 0,
        ..Default::default()
    };
    let addr: &[u8] = b"\x01\x00/tmp/s\0";
    let records = [
        record_as(
            INT80,
            REC_ENTER,
            10_000,
            200,
            200,
            &bytes_of(&enter),
            &[(0, addr)],
        ),
        hop(
            10_100,
            0xffff_ffff_8100_1304,
            HOP_ENTRY,
            0,
            [2, 0xffd0_0000, 0, 0, 0, 0],
        ),
        hop(
            10_200,
            0xffff_ffff_8100_1404,
            HOP_ENTRY,
            0,
            [3, 0xffd0_0100, 9, 0, 0, 0],
        ),
        hop(
            10_300,
            0xffff_ffff_8100_1504,
            HOP_ENTRY,
            0,
            [0, 0, 9, 0, 0, 0],
        ),
        hop(10_400, 0xffff_ffff_8100_1504, HOP_EXIT, 0, [0; 6]),
        hop(10_500, 0xffff_ffff_8100_1404, HOP_EXIT, 0, [0; 6]),
        hop(10_600, 0xffff_ffff_8100_1304, HOP_EXIT, 0, [0; 6]),
        record_as(INT80, REC_EXIT, 10_700, 200, 200, &bytes_of(&exit), &[]),
    ];
    let h = Header {
        scope: "command \"socketcall32\"".into(),
        ksyms: IA32_KSYMS
            .iter()
            .map(|(a, n)| Symbol {
                addr: format!("{a:#x}"),
                name: (*n).into(),
            })
            .collect(),
        ..header()
    };
    let mut file = Vec::new();
    let mut r = Recorder::new(&mut file, &h).expect("writing to memory");
    for rec in &records {
        r.write_record(rec).expect("writing to memory");
    }
    r.finish(11_000, None).expect("writing to memory");
    file
}

/// A `Write` whose bytes can be read after it was boxed and given away.
#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

impl Shared {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
