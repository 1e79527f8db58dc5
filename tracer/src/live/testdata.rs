//! Calls built by hand for the tests: fixed pids, times and arguments, so that snapshots are
//! the same on every machine.

use std::sync::Arc;

use tracer_common::{CAP_OK, CaptureHeader, ENTRY_SYSCALL, MECH_UPROBE};

use super::app::{Action, App, Config};
use super::objects::{Holder, Kind, ObjKey, Touch, UnixInfo};
use crate::event::Capture;
use crate::kernel::ksyms::Ksyms;
use crate::kernel::libc;
use crate::syscalls::{self, Abi, Row};
use crate::trace::{Call, Hop, Proc};

pub fn row(name: &str) -> &'static Row {
    (0..)
        .map_while(syscalls::row)
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

/// A completed x86-64 call by thread `pid` at 1 s + pid µs, taking 12 µs.
pub fn call(pid: u32, name: &str, ret: i64) -> Call {
    let row = row(name);
    let t = 1_000_000_000 + u64::from(pid) * 1000;
    Call {
        pid,
        tid: pid,
        comm: "demo".into(),
        abi: Abi::X86_64,
        entry: ENTRY_SYSCALL,
        nr: u32::from(row.x64.unwrap_or(0)),
        row,
        table: tracer_common::TABLE_X86_64,
        call: 0,
        flags: 0,
        raw_args: [3, 0x7ffd_0000_1000, 110, 0, 0, 0],
        args: [3, 0x7ffd_0000_1000, 110, 0, 0, 0],
        enter_ns: Some(t),
        exit_ns: Some(t + 12_000),
        ret: Some(ret),
        enter_caps: crate::event::Caps::new(),
        exit_caps: crate::event::Caps::new(),
        announced: false,
        hops: Vec::new(),
        user_ip: 0,
        user_at: None,
        described: None,
    }
}

/// Files as the kernel side writes them (`CK_FILE`, the `FILE_ID_V2` layout).
pub fn file_ids_v2(ids: &[tracer_common::FileId]) -> Vec<u8> {
    let mut d = Vec::new();
    for id in ids {
        d.extend_from_slice(&id.fd.to_le_bytes());
        d.extend_from_slice(&id.mode.to_le_bytes());
        d.extend_from_slice(&id.ino.to_le_bytes());
        d.extend_from_slice(&id.peer.to_le_bytes());
        d.extend_from_slice(&id.rdev.to_le_bytes());
        d.extend_from_slice(&id.family.to_le_bytes());
        d.extend_from_slice(&id.sock_type.to_le_bytes());
    }
    d
}

/// `call` with the files behind the descriptors it made, as the kernel side reads them at exit
/// (`OP_FD_FILE`): `(fd, inode number, i_mode)` each.
pub fn with_files(mut c: Call, files: &[(i32, u64, u32)]) -> Call {
    let mut data = Vec::new();
    for (fd, ino, mode) in files {
        data.extend_from_slice(&fd.to_le_bytes());
        data.extend_from_slice(&mode.to_le_bytes());
        data.extend_from_slice(&ino.to_le_bytes());
    }
    c.exit_caps.push(Capture {
        hdr: CaptureHeader {
            kind: tracer_common::CK_FILE,
            status: CAP_OK,
            len: data.len() as u16,
            ..Default::default()
        },
        data: data.into(),
    });
    c
}

/// `bind(3, {AF_UNIX, "/tmp/s.sock"}, 110) = 0`, its libc wrapper seen by a uprobe.
pub fn bind(pid: u32) -> Call {
    let mut c = call(pid, "bind", 0);
    let mut addr = vec![1u8, 0];
    addr.extend_from_slice(b"/tmp/s.sock\0");
    c.enter_caps.push(Capture {
        hdr: CaptureHeader {
            op: 0,
            kind: 1,
            status: CAP_OK,
            len: addr.len() as u16,
            want: 110,
            ..Default::default()
        },
        data: addr.into(),
    });
    c.hops.push(Hop {
        ts_ns: c.enter_ns.unwrap_or(0) - 500,
        // The 64-bit libc (the first path tracer looks in), its `bind` wrapper.
        func_ip: libc::cookie(
            0,
            libc::WRAPPERS
                .iter()
                .position(|(f, _)| *f == "bind")
                .unwrap_or(0),
        ),
        side: tracer_common::HOP_ENTRY,
        mech: MECH_UPROBE,
        args: [0; 6],
        ret: 0x5555_0000_1234,
    });
    c
}

/// A kernel whose symbols are those of Linux 6.18 on the bind path.
pub fn ksyms() -> Arc<Ksyms> {
    Arc::new(Ksyms::parse(
        "ffffffff81000000 T entry_SYSCALL_64
ffffffff81000100 T do_syscall_64
ffffffff81000200 T x64_sys_call
ffffffff81000300 T __x64_sys_bind
ffffffff81000400 T __sys_bind
ffffffff81000500 T __sys_bind_socket
ffffffff81000600 t unix_bind
ffffffff81000700 T __x64_sys_connect
ffffffff81000800 T __sys_connect
",
    ))
}

pub fn config() -> Config {
    Config {
        ksyms: ksyms(),
        boot_to_wall: 0,
        scope: "command \"demo uds-stream\"".into(),
        mechanisms: "tracepoint-only (journeys inferred)".into(),
        command_output: Some("/tmp/tracer-live-1.out".into()),
        keep: 1000,
    }
}

/// An app that has seen a fork, an exec and three calls, 80x24.
pub fn app() -> App {
    let mut app = App::new(config());
    app.update(Action::Resize {
        width: 80,
        height: 24,
    });
    app.update(Action::Proc(Proc::Fork {
        ts_ns: 900_000_000,
        pid: 100,
        tid: 100,
        comm: "tracer".into(),
        child: 101,
        thread: false,
    }));
    app.update(Action::Proc(Proc::Exec {
        ts_ns: 900_000_100,
        pid: 101,
        tid: 101,
        comm: "demo".into(),
        filename: "/usr/bin/demo".into(),
    }));
    app.update(Action::Call(Box::new(call(101, "socket", 3))));
    let sock = Touch {
        key: ObjKey::Inode(5001),
        kind: Kind::Socket,
        name: String::new(),
    };
    app.update(Action::CallOn(Box::new(bind(101)), sock));
    app.update(Action::UnixSockets(
        [
            (
                5001,
                UnixInfo {
                    kind: Kind::UnixStream,
                    name: "/tmp/s.sock".into(),
                    peer: Some(5002),
                },
            ),
            (
                5002,
                UnixInfo {
                    kind: Kind::UnixStream,
                    name: String::new(),
                    peer: Some(5001),
                },
            ),
        ]
        .into(),
    ));
    app.update(Action::Holders(
        [(
            ObjKey::Inode(5001),
            vec![Holder {
                pid: 101,
                mode: "rw",
            }],
        )]
        .into(),
    ));
    app.update(Action::Call(Box::new(call(101, "connect", -111))));
    app
}
