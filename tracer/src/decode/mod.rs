//! From a joined call (enter record, exit record, captured memory) to named, decoded arguments,
//! as JSON values and as strace-like text. Driven by the argument kinds in the syscall table.

pub mod flags;
pub mod sockaddr;

use serde_json::{Value, json};
use tracer_common::{CAP_FAULT, CAP_NULL, CK_IOV, CK_IOV_DATA, CK_MSG_NAME, CK_MSGHDR};

use crate::event::Capture;
use crate::syscalls::{Abi, Arg, Row};

/// strace-style escaping: printable ASCII as is, the rest as C escapes.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// What a decoder needs to know about one call.
pub struct CallView<'a> {
    pub row: &'static Row,
    pub abi: Abi,
    /// The call's own arguments (for socketcall: those read from its array).
    pub args: &'a [u64; 6],
    pub ret: Option<i64>,
    pub enter_caps: &'a [Capture],
    pub exit_caps: &'a [Capture],
}

/// One decoded argument.
pub struct Decoded {
    pub name: &'static str,
    pub json: Value,
    pub text: String,
}

impl CallView<'_> {
    fn caps(&self, op: u8) -> impl Iterator<Item = &Capture> {
        self.enter_caps
            .iter()
            .chain(self.exit_caps.iter())
            .filter(move |c| c.hdr.op == op)
    }
    /// The copy of op `op`'s memory: a successful one if there is one (an entry-side copy that
    /// faulted is made again at exit), else the failed one, to show why.
    fn cap(&self, op: u8) -> Option<&Capture> {
        self.caps(op)
            .find(|c| c.ok())
            .or_else(|| self.caps(op).next())
    }
    fn int(&self, v: u64) -> i64 {
        match self.abi {
            Abi::X86_64 => v as i64,
            Abi::Ia32 => i64::from(v as u32 as i32),
        }
    }
    fn ok(&self) -> bool {
        self.ret.is_some_and(|r| r >= 0)
    }
}

fn ptr_text(v: u64) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

fn sym(s: String) -> (Value, String) {
    (Value::String(s.clone()), s)
}

/// A capture that could not be shown: NULL, a fault, or not taken (failed call, or not yet
/// returned).
fn missing(c: Option<&Capture>, ptr: u64) -> (Value, String) {
    match c.map(|c| c.hdr.status) {
        Some(CAP_FAULT) => (
            json!({"fault": format!("{ptr:#x}")}),
            format!("{ptr:#x} <fault>"),
        ),
        Some(CAP_NULL) | None if ptr == 0 => (Value::Null, "NULL".into()),
        _ => (Value::String(ptr_text(ptr)), ptr_text(ptr)),
    }
}

fn buffer(c: &Capture) -> (Value, String) {
    let full = c.hdr.want as usize;
    let data = escape(&c.data);
    let mut v = json!({"data": data, "len": full});
    let mut t = format!("\"{data}\"");
    if c.data.len() < full {
        v["truncated"] = json!(true);
        t.push_str("...");
    }
    (v, t)
}

fn path(c: &Capture) -> (Value, String) {
    let end = c.data.iter().position(|b| *b == 0);
    let s = escape(&c.data[..end.unwrap_or(c.data.len())]);
    if end.is_none() && !c.data.is_empty() {
        return (json!({"path": s, "truncated": true}), format!("\"{s}\"..."));
    }
    (Value::String(s.clone()), format!("\"{s}\""))
}

fn le(data: &[u8], at: usize, size: usize) -> Option<u64> {
    let b = data.get(at..at + size)?;
    let mut w = [0u8; 8];
    w[..size].copy_from_slice(b);
    Some(u64::from_le_bytes(w))
}

/// Decode every argument of a call.
pub fn args(v: &CallView<'_>) -> Vec<Decoded> {
    v.row
        .args
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| {
            let raw = v.args[i];
            let (json, text) = arg(v, *kind, raw);
            Decoded { name, json, text }
        })
        .collect()
}

fn arg(v: &CallView<'_>, kind: Arg, raw: u64) -> (Value, String) {
    let num = |n: i64| (json!(n), n.to_string());
    match kind {
        Arg::Int | Arg::Fd | Arg::Pid => num(if matches!(kind, Arg::Fd | Arg::Pid) {
            i64::from(raw as i32)
        } else {
            v.int(raw)
        }),
        Arg::UInt => (json!(raw), raw.to_string()),
        Arg::Hex => sym(format!("{raw:#x}")),
        Arg::Ptr => sym(ptr_text(raw)),
        Arg::DirFd => sym(flags::dirfd(raw)),
        Arg::Signal => sym(flags::signal(raw)),
        Arg::Domain => sym(flags::family(raw)),
        Arg::SockType => {
            if v.row.name == "accept4" {
                sym(flags::sock_flags(raw))
            } else {
                sym(flags::sock_type(raw))
            }
        }
        Arg::Protocol if v.args[0] == 16 => sym(flags::protocol(v.args[0], raw)),
        Arg::Protocol => num(raw as i64),
        Arg::MsgFlags => sym(flags::msg_flags(raw)),
        Arg::ShutHow => sym(flags::shut_how(raw)),
        Arg::SockLevel => sym(flags::sock_level(raw)),
        Arg::SockOpt => sym(flags::sock_opt(v.args[1], raw)),
        Arg::IpcKey => sym(flags::ipc_key(raw)),
        Arg::IpcFlags => sym(flags::ipc_flags(raw)),
        Arg::IpcCmd => sym(flags::ipc_cmd(raw)),
        Arg::Mode => sym(format!("{:#o}", raw & 0o7777)),
        Arg::MknodMode => sym(flags::mknod_mode(raw)),
        Arg::AtFlags => sym(flags::at_flags(raw)),
        Arg::OpenFlags => sym(flags::open_flags(raw)),
        Arg::PipeFlags => sym(flags::pipe_flags(raw)),
        Arg::MmapProt => sym(flags::mmap_prot(raw)),
        Arg::MmapFlags => sym(flags::mmap_flags(raw)),
        Arg::MemfdFlags => sym(flags::memfd_flags(raw)),
        Arg::SockAddrOut(op) if v.cap(op).is_some_and(|c| c.ok() && c.hdr.want == 0) => {
            (Value::Null, "NULL".into())
        }
        Arg::SockAddr(op) | Arg::SockAddrOut(op) => match v.cap(op) {
            Some(c) if c.ok() => {
                let a = sockaddr::decode(&c.data, c.hdr.want);
                let mut j = a.to_json();
                if c.hdr.want as usize > usize::from(tracer_common::MAX_SOCKADDR) {
                    j["claimed_len"] = json!(c.hdr.want);
                }
                (j, a.to_text())
            }
            c => missing(c, raw),
        },
        Arg::SockLenPtr(op) => match v.cap(op) {
            Some(c) if c.ok() && v.ok() => (json!(c.hdr.want), format!("[{}]", c.hdr.want)),
            _ => sym(ptr_text(raw)),
        },
        Arg::Buf(op) | Arg::OptVal(op) => match v.cap(op) {
            Some(c) if c.ok() => buffer(c),
            c => missing(c, raw),
        },
        Arg::Path(op) => match v.cap(op) {
            Some(c) if c.ok() => path(c),
            c => missing(c, raw),
        },
        Arg::FdPair(op) => match v.cap(op) {
            Some(c) if c.ok() && c.data.len() >= 8 => {
                let a = le(&c.data, 0, 4).unwrap_or(0) as i32;
                let b = le(&c.data, 4, 4).unwrap_or(0) as i32;
                (json!([a, b]), format!("[{a}, {b}]"))
            }
            c => missing(c, raw),
        },
        Arg::SemOps(op) => match v.cap(op) {
            Some(c) if c.ok() => {
                let ops: Vec<(u16, i16, i16)> = c
                    .data
                    .chunks_exact(6)
                    .map(|s| {
                        (
                            u16::from_le_bytes([s[0], s[1]]),
                            i16::from_le_bytes([s[2], s[3]]),
                            i16::from_le_bytes([s[4], s[5]]),
                        )
                    })
                    .collect();
                let j: Vec<Value> = ops
                    .iter()
                    .map(|(n, o, f)| json!({"sem_num": n, "sem_op": o, "sem_flg": sem_flg(*f)}))
                    .collect();
                let t: Vec<String> = ops
                    .iter()
                    .map(|(n, o, f)| {
                        format!("{{sem_num={n}, sem_op={o}, sem_flg={}}}", sem_flg(*f))
                    })
                    .collect();
                (Value::Array(j), format!("[{}]", t.join(", ")))
            }
            c => missing(c, raw),
        },
        Arg::MsgBuf(mtype_op, text_op) => match v.cap(mtype_op) {
            Some(c) if c.ok() => {
                let long = usize::from(v.abi.long());
                let mtype = le(&c.data, 0, long).map_or(0, |m| {
                    if long == 4 {
                        i64::from(m as u32 as i32)
                    } else {
                        m as i64
                    }
                });
                let (tj, tt) = v
                    .cap(text_op)
                    .filter(|c| c.ok())
                    .map_or((Value::Null, "?".into()), buffer);
                (
                    json!({"mtype": mtype, "mtext": tj}),
                    format!("{{mtype={mtype}, mtext={tt}}}"),
                )
            }
            c => missing(c, raw),
        },
        Arg::IpcKludge(op) => match v.cap(op) {
            Some(c) if c.ok() => {
                let msgp = le(&c.data, 0, 4).unwrap_or(0);
                let typ = le(&c.data, 4, 4).unwrap_or(0) as u32 as i32;
                (
                    json!({"msgp": ptr_text(msgp), "msgtyp": typ}),
                    format!("{{msgp={}, msgtyp={typ}}}", ptr_text(msgp)),
                )
            }
            c => missing(c, raw),
        },
        Arg::SigAction(op) => match v.cap(op) {
            Some(c) if c.ok() => {
                let long = usize::from(v.abi.long());
                let handler = le(&c.data, 0, long).unwrap_or(0);
                let fl = le(&c.data, long, long).unwrap_or(0);
                let h = match handler {
                    0 => "SIG_DFL".to_string(),
                    1 => "SIG_IGN".to_string(),
                    h => format!("{h:#x}"),
                };
                let f = flags::sa_flags(fl);
                (
                    json!({"handler": h, "flags": f}),
                    format!("{{sa_handler={h}, sa_flags={f}}}"),
                )
            }
            c => missing(c, raw),
        },
        Arg::SigInfo(op) => match v.cap(op) {
            Some(c) if c.ok() => {
                let signo = le(&c.data, 0, 4).unwrap_or(0);
                let code = le(&c.data, 8, 4).unwrap_or(0) as u32 as i32;
                // si_value: after si_pid and si_uid in the union (include/uapi/asm-generic/siginfo.h),
                // which starts at 16 on x86_64 and 12 on ia32.
                // `union sigval`: `sival_int` is its low 32 bits (little-endian); `sival_ptr`
                // is all of it, whose upper half a sender that set only the int leaves as is.
                let at = match v.abi {
                    Abi::X86_64 => 24,
                    Abi::Ia32 => 20,
                };
                let value = le(&c.data, at, 4).unwrap_or(0) as u32 as i32;
                let ptr = le(&c.data, at, usize::from(v.abi.long())).unwrap_or(0);
                let s = flags::signal(signo);
                let code = flags::si_code(code);
                (
                    json!({"si_signo": s, "si_code": code, "si_value": value, "si_ptr": format!("{ptr:#x}")}),
                    format!("{{si_signo={s}, si_code={code}, si_int={value}, si_ptr={ptr:#x}}}"),
                )
            }
            c => missing(c, raw),
        },
        Arg::MsgHdr(op) => msghdr(v, op, raw),
    }
}

fn sem_flg(f: i16) -> String {
    let f = f as u16;
    if f == 0 {
        return "0".into();
    }
    let mut p = Vec::new();
    if f & 0o4000 != 0 {
        p.push("IPC_NOWAIT".to_string());
    }
    if f & 0x1000 != 0 {
        p.push("SEM_UNDO".to_string());
    }
    let rest = f & !(0o4000 | 0x1000);
    if rest != 0 {
        p.push(format!("{rest:#x}"));
    }
    p.join("|")
}

fn msghdr(v: &CallView<'_>, op: u8, raw: u64) -> (Value, String) {
    let caps: Vec<&Capture> = v.caps(op).collect();
    let Some(hdr) = caps
        .iter()
        .find(|c| c.hdr.kind == CK_MSGHDR && c.ok())
        .or_else(|| caps.iter().find(|c| c.hdr.kind == CK_MSGHDR))
    else {
        return missing(None, raw);
    };
    if !hdr.ok() {
        return missing(Some(hdr), raw);
    }
    let word = usize::from(v.abi.long());
    let (iovlen_off, controllen_off, flags_off) = if word == 4 {
        (12, 20, 24)
    } else {
        (24, 40, 48)
    };
    let iovlen = le(&hdr.data, iovlen_off, word).unwrap_or(0);
    let controllen = le(&hdr.data, controllen_off, word).unwrap_or(0);
    let mflags = le(&hdr.data, flags_off, 4).unwrap_or(0);
    let name = caps
        .iter()
        // A name the kernel wrote back with length 0: the peer has no address (an unbound
        // UNIX socket); there is nothing to show.
        .find(|c| c.hdr.kind == CK_MSG_NAME && c.ok() && c.hdr.want > 0)
        .map(|c| sockaddr::decode(&c.data, c.hdr.want));
    let lens: Vec<u64> = caps
        .iter()
        .find(|c| c.hdr.kind == CK_IOV && c.ok())
        .map(|c| {
            c.data
                .chunks_exact(word * 2)
                .map(|e| le(e, word, word).unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    let mut iov_j = Vec::new();
    let mut iov_t = Vec::new();
    for (k, len) in lens.iter().enumerate() {
        let data = caps
            .iter()
            .find(|c| c.hdr.kind == CK_IOV_DATA && c.hdr.sub as usize == k && c.ok());
        let fault = caps.iter().find(|c| {
            c.hdr.kind == CK_IOV_DATA && c.hdr.sub as usize == k && c.hdr.status == CAP_FAULT
        });
        if let Some(d) = data {
            let e = escape(&d.data);
            let more = (d.data.len() as u64) < *len;
            iov_j.push(json!({"data": e, "len": len}));
            iov_t.push(format!(
                "{{iov_base=\"{e}\"{}, iov_len={len}}}",
                if more { "..." } else { "" }
            ));
        } else if let Some(f) = fault {
            iov_j.push(json!({"fault": format!("{:#x}", f.hdr.addr), "len": len}));
            iov_t.push(format!(
                "{{iov_base={:#x} <fault>, iov_len={len}}}",
                f.hdr.addr
            ));
        } else {
            iov_j.push(json!({"len": len}));
            iov_t.push(format!("{{iov_len={len}}}"));
        }
    }
    let j = json!({
        "name": name.as_ref().map(sockaddr::SockAddr::to_json),
        "iov": iov_j,
        "iovlen": iovlen,
        "controllen": controllen,
        "flags": flags::msg_flags(mflags),
    });
    let t = format!(
        "{{msg_name={}, msg_iov=[{}], msg_iovlen={iovlen}, msg_controllen={controllen}, msg_flags={}}}",
        name.as_ref()
            .map_or_else(|| "NULL".into(), sockaddr::SockAddr::to_text),
        iov_t.join(", "),
        flags::msg_flags(mflags)
    );
    (j, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracer_common::{CAP_OK, CaptureHeader};

    fn cap(op: u8, kind: u8, want: u32, data: &[u8]) -> Capture {
        Capture {
            hdr: CaptureHeader {
                op,
                kind,
                status: CAP_OK,
                want,
                len: data.len() as u16,
                ..Default::default()
            },
            data: data.to_vec(),
        }
    }

    fn row(name: &str) -> &'static Row {
        crate::syscalls::ROWS
            .iter()
            .find(|r| r.name == name)
            .unwrap()
    }

    #[test]
    fn bind_unix_path() {
        let mut addr = 1u16.to_ne_bytes().to_vec();
        addr.extend_from_slice(b"/tmp/s.sock\0");
        let caps = [cap(0, 1, 110, &addr)];
        let v = CallView {
            row: row("bind"),
            abi: Abi::X86_64,
            args: &[3, 0x1000, 110, 0, 0, 0],
            ret: Some(0),
            enter_caps: &caps,
            exit_caps: &[],
        };
        let a = args(&v);
        assert_eq!(a[0].json, json!(3));
        assert_eq!(
            a[1].json,
            json!({"family": "AF_UNIX", "path": "/tmp/s.sock"})
        );
        assert_eq!(a[1].text, "{sa_family=AF_UNIX, sun_path=\"/tmp/s.sock\"}");
        assert_eq!(a[2].json, json!(110));
    }

    #[test]
    fn faulting_and_null_pointers() {
        let fault = Capture {
            hdr: CaptureHeader {
                op: 0,
                kind: 1,
                status: CAP_FAULT,
                want: 16,
                ..Default::default()
            },
            data: vec![],
        };
        let v = CallView {
            row: row("connect"),
            abi: Abi::X86_64,
            args: &[3, 0xdead, 16, 0, 0, 0],
            ret: Some(-14),
            enter_caps: &[fault],
            exit_caps: &[],
        };
        assert_eq!(args(&v)[1].json, json!({"fault": "0xdead"}));
        let null = Capture {
            hdr: CaptureHeader {
                status: CAP_NULL,
                ..Default::default()
            },
            data: vec![],
        };
        let v = CallView {
            row: row("connect"),
            abi: Abi::X86_64,
            args: &[3, 0, 16, 0, 0, 0],
            ret: Some(-14),
            enter_caps: &[null],
            exit_caps: &[],
        };
        assert_eq!(args(&v)[1].json, Value::Null);
    }

    #[test]
    fn truncated_payload_and_msgbuf() {
        let caps = [cap(0, 1, 8, &2i64.to_le_bytes()), cap(1, 1, 100, b"second")];
        let v = CallView {
            row: row("msgsnd"),
            abi: Abi::X86_64,
            args: &[5, 0x1000, 100, 0, 0, 0],
            ret: Some(0),
            enter_caps: &caps,
            exit_caps: &[],
        };
        let a = args(&v);
        assert_eq!(
            a[1].json,
            json!({"mtype": 2, "mtext": {"data": "second", "len": 100, "truncated": true}})
        );
        assert_eq!(a[1].text, "{mtype=2, mtext=\"second\"...}");
    }

    #[test]
    fn ia32_ints_are_sign_extended() {
        let v = CallView {
            row: row("msgrcv"),
            abi: Abi::Ia32,
            args: &[1, 0, 8, 0xffff_fffe, 0, 0],
            ret: Some(-42),
            enter_caps: &[],
            exit_caps: &[],
        };
        assert_eq!(args(&v)[3].json, json!(-2));
    }

    #[test]
    fn msghdr_with_name_and_two_iovecs() {
        // struct user_msghdr (x86_64): name, namelen, iov, iovlen, control, controllen, flags.
        let mut hdr = vec![0u8; 56];
        hdr[0..8].copy_from_slice(&0x1000u64.to_le_bytes());
        hdr[8..12].copy_from_slice(&20u32.to_le_bytes());
        hdr[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
        hdr[24..32].copy_from_slice(&2u64.to_le_bytes());
        let mut name = 1u16.to_ne_bytes().to_vec();
        name.extend_from_slice(b"/tmp/m.sock\0");
        let mut iov = Vec::new();
        for (base, len) in [(0x3000u64, 6u64), (0x4000, 5)] {
            iov.extend_from_slice(&base.to_le_bytes());
            iov.extend_from_slice(&len.to_le_bytes());
        }
        let data1 = cap(0, CK_IOV_DATA, 6, b"hello ");
        let mut data2 = cap(0, CK_IOV_DATA, 5, b"world");
        data2.hdr.sub = 1;
        let caps = [
            cap(0, CK_MSGHDR, 56, &hdr),
            cap(0, CK_MSG_NAME, 20, &name),
            cap(0, CK_IOV, 32, &iov),
            data1,
            data2,
        ];
        let v = CallView {
            row: row("sendmsg"),
            abi: Abi::X86_64,
            args: &[4, 0x500, 0, 0, 0, 0],
            ret: Some(11),
            enter_caps: &caps,
            exit_caps: &[],
        };
        let a = args(&v);
        assert_eq!(a[1].json["name"]["path"], "/tmp/m.sock");
        assert_eq!(
            a[1].json["iov"],
            json!([{"data": "hello ", "len": 6}, {"data": "world", "len": 5}])
        );
        assert_eq!(a[1].json["iovlen"], 2);
        assert!(
            a[1].text
                .contains("msg_iov=[{iov_base=\"hello \", iov_len=6}"),
            "{}",
            a[1].text
        );
    }

    #[test]
    fn siginfo_value_per_abi() {
        let mut x64 = vec![0u8; 32];
        x64[0..4].copy_from_slice(&10i32.to_le_bytes());
        x64[8..12].copy_from_slice(&(-1i32).to_le_bytes());
        x64[24..32].copy_from_slice(&42u64.to_le_bytes());
        let caps = [cap(0, 1, 32, &x64)];
        let v = CallView {
            row: row("rt_sigqueueinfo"),
            abi: Abi::X86_64,
            args: &[7, 10, 0x1000, 0, 0, 0],
            ret: Some(0),
            enter_caps: &caps,
            exit_caps: &[],
        };
        assert_eq!(
            args(&v)[2].json,
            json!({"si_signo": "SIGUSR1", "si_code": "SI_QUEUE", "si_value": 42, "si_ptr": "0x2a"})
        );
        let mut ia32 = vec![0u8; 32];
        ia32[0..4].copy_from_slice(&10i32.to_le_bytes());
        ia32[20..24].copy_from_slice(&42u32.to_le_bytes());
        let caps = [cap(0, 1, 32, &ia32)];
        let v = CallView {
            abi: Abi::Ia32,
            enter_caps: &caps,
            ..v
        };
        assert_eq!(args(&v)[2].json["si_value"], 42);
    }

    #[test]
    fn sigaction_semops_and_fd_pairs() {
        let mut act = vec![0u8; 32];
        act[0..8].copy_from_slice(&0x5555u64.to_le_bytes());
        act[8..16].copy_from_slice(&(4u64 | 0x0400_0000).to_le_bytes());
        let caps = [cap(0, 1, 32, &act)];
        let v = CallView {
            row: row("rt_sigaction"),
            abi: Abi::X86_64,
            args: &[10, 0x1000, 0, 8, 0, 0],
            ret: Some(0),
            enter_caps: &caps,
            exit_caps: &[],
        };
        assert_eq!(
            args(&v)[1].json,
            json!({"handler": "0x5555", "flags": "SA_SIGINFO|SA_RESTORER"})
        );

        let mut sops = Vec::new();
        sops.extend_from_slice(&0u16.to_le_bytes());
        sops.extend_from_slice(&(-1i16).to_le_bytes());
        sops.extend_from_slice(&0x1000u16.to_le_bytes());
        let caps = [cap(0, 1, 6, &sops)];
        let v = CallView {
            row: row("semtimedop"),
            abi: Abi::X86_64,
            args: &[3, 0x1000, 1, 0, 0, 0],
            ret: Some(0),
            enter_caps: &caps,
            exit_caps: &[],
        };
        assert_eq!(
            args(&v)[1].json,
            json!([{"sem_num": 0, "sem_op": -1, "sem_flg": "SEM_UNDO"}])
        );

        let mut fds = 3i32.to_le_bytes().to_vec();
        fds.extend_from_slice(&4i32.to_le_bytes());
        let caps = [cap(0, 1, 8, &fds)];
        let v = CallView {
            row: row("pipe2"),
            abi: Abi::X86_64,
            args: &[0x1000, 0, 0, 0, 0, 0],
            ret: Some(0),
            enter_caps: &[],
            exit_caps: &caps,
        };
        assert_eq!(args(&v)[0].json, json!([3, 4]));
        // A capture cut short (a hostile or faulting pointer) is not misread.
        let caps = [cap(0, 1, 8, &fds[..3])];
        let v = CallView {
            exit_caps: &caps,
            ..v
        };
        assert_eq!(args(&v)[0].json, json!("0x1000"));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape(b"hi\n\x00\"\\\xff"), "hi\\n\\x00\\\"\\\\\\xff");
    }
}
