//! From a joined call (enter record, exit record, captured memory) to named, decoded arguments,
//! as JSON values and as strace-like text. Driven by the argument kinds in the syscall table.

pub mod cmsg;
pub mod consts;
pub mod errno;
pub mod flags;
pub mod futex;
pub mod netlink;
pub mod prctl;
pub mod sockaddr;
pub mod sockopt;
pub mod structs;
pub mod sysv;

use std::borrow::Cow;

use serde_json::{Value, json};
use tracer_common::{
    ARGC_KNOWN, CAP_FAULT, CAP_NULL, CK_ARGV, CK_IOV, CK_IOV_DATA, CK_MSG_CONTROL, CK_MSG_NAME,
    CK_MSGHDR, ENVC_KNOWN, ExecArgv,
};

use crate::event::Capture;
use crate::syscalls::{
    Abi, Arg, FutexArg, IpcFlagsOf, Len, MMSG_SHOWN, PrctlArg, Ret, Row, Sysv, Time, TimeShape,
    TimeShow, Written,
};

/// A string or payload from a program's memory in JSON: printable ASCII as it is, C escapes
/// for the rest, `\xNN` for any byte without one (unambiguous for a program reading it back).
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
            _ => {
                s.push_str("\\x");
                s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
                s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
            }
        }
    }
    s
}

/// The same bytes in text, as strace prints them between quotes (strace 6.1 `string_quote`,
/// src/util.c, without `-x`): printable ASCII as it is, `\"` and `\\`, `\f \n \r \t \v`,
/// and every other byte in octal with as few digits as it needs (`\0`, `\33`, `\377`), three
/// when an octal digit follows (`\0001` is NUL then `1`).
pub fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    quote_into(bytes, b"", &mut s);
    s
}

/// [`quote`] into `s`, with the bytes of `octal` in octal too (strace's
/// `print_quoted_string_ex` escape set: `<>` around a descriptor's path).
pub fn quote_into(bytes: &[u8], octal: &[u8], s: &mut String) {
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if octal.contains(&b) => octal_into(bytes, i, s),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x0c => s.push_str("\\f"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x0b => s.push_str("\\v"),
            0x20..=0x7e => s.push(b as char),
            _ => octal_into(bytes, i, s),
        }
    }
}

/// `bytes[i]` as strace's octal escape.
fn octal_into(bytes: &[u8], i: usize, s: &mut String) {
    let b = bytes[i];
    s.push('\\');
    let digit_follows = bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
    if digit_follows || b >> 6 != 0 {
        s.push(char::from(b'0' + (b >> 6)));
    }
    if digit_follows || b >> 3 != 0 {
        s.push(char::from(b'0' + ((b >> 3) & 7)));
    }
    s.push(char::from(b'0' + (b & 7)));
}

/// A mode or mask in octal as strace writes it (C's `%#03o`, strace 6.1 src/printmode.c
/// `print_numeric_umode_t`): `0644`, `022`, `007`, `000`.
pub fn octal_mode(v: u64) -> String {
    format!("0{v:02o}")
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
    /// The protocol of the netlink socket the call sends on or receives from, when the
    /// descriptor model knows it: its data is decoded as netlink messages.
    pub netlink: Option<u16>,
}

/// One decoded argument.
pub struct Decoded<'a> {
    pub name: &'static str,
    pub val: Val<'a>,
    /// Its text is `name=value` (a structure's field shown as an argument, strace's
    /// `Labeled` arguments).
    pub labeled: bool,
}

impl Decoded<'_> {
    /// The argument as JSON.
    pub fn json(&self) -> Value {
        self.val.json()
    }

    /// The argument as text.
    pub fn text(&self) -> String {
        let mut s = String::new();
        self.text_into(&mut s);
        s
    }

    /// [`Decoded::text`], appended to `s`.
    pub fn text_into(&self, s: &mut String) {
        if self.labeled {
            s.push_str(self.name);
            s.push('=');
        }
        self.val.text_into(s);
    }
}

/// A decoded value, what both its JSON and its text are made from: the common kinds as they
/// are (numbers, names, a payload or path borrowed from the call's captures), formatted only
/// when written; structures built as both.
#[derive(Debug, PartialEq)]
pub enum Val<'a> {
    Int(i64),
    UInt(u64),
    /// `0x..`, `0` for zero (a string in JSON).
    Hex(u64),
    /// `0x..`, `NULL` for zero (a string in JSON).
    Ptr(u64),
    /// A name or formatted value; a string in JSON.
    Sym(Cow<'static, str>),
    /// JSON `null`, text `NULL`.
    Null,
    /// A payload of `full` bytes, of which `data` holds the first: JSON `{"data": ..., "len":
    /// full}` (`"truncated": true` when cut), text `"..."` (then `...` when cut).
    Buf {
        data: &'a [u8],
        full: u64,
        /// Data a netlink socket of this protocol sends or receives: its text is the messages
        /// (decode/netlink.rs); its JSON the same bytes.
        netlink: Option<u16>,
    },
    /// A NUL-terminated string as copied: JSON a string (`{"path": ..., "truncated": true}`
    /// when no NUL was copied), text `"..."` (then `...`).
    Path(&'a [u8]),
    /// Anything else, built as both.
    Both(Value, String),
}

impl From<(Value, String)> for Val<'_> {
    fn from((j, t): (Value, String)) -> Self {
        Val::Both(j, t)
    }
}

impl Val<'_> {
    /// The value as text, appended to `s`.
    pub fn text_into(&self, s: &mut String) {
        match self {
            Val::Int(n) => crate::fastfmt::i64_into(s, *n),
            Val::UInt(n) => crate::fastfmt::u64_into(s, *n),
            Val::Hex(0) => s.push('0'),
            Val::Ptr(0) | Val::Null => s.push_str("NULL"),
            Val::Hex(n) | Val::Ptr(n) => crate::fastfmt::hex_into(s, *n),
            Val::Sym(t) => s.push_str(t),
            Val::Buf {
                data,
                full,
                netlink: Some(p),
            } => netlink::messages(data, *full, *p, s),
            Val::Buf { data, full, .. } => {
                s.push('"');
                quote_into(data, b"", s);
                s.push('"');
                if (data.len() as u64) < *full {
                    s.push_str("...");
                }
            }
            Val::Path(data) => {
                let (b, cut) = path_parts(data);
                s.push('"');
                quote_into(b, b"", s);
                s.push('"');
                if cut {
                    s.push_str("...");
                }
            }
            Val::Both(_, t) => s.push_str(t),
        }
    }

    /// Both forms, for code that builds a structure of values.
    fn pair(self) -> (Value, String) {
        let mut t = String::new();
        self.text_into(&mut t);
        match self {
            Val::Both(j, _) => (j, t),
            v => (v.json(), t),
        }
    }
}

/// A copied NUL-terminated string: the bytes before the NUL, and whether it was cut short (no
/// NUL was copied).
fn path_parts(data: &[u8]) -> (&[u8], bool) {
    match data.iter().position(|b| *b == 0) {
        Some(end) => (&data[..end], false),
        None => (data, !data.is_empty()),
    }
}

impl Val<'_> {
    /// The value as JSON, appended to `out`: numbers as numbers, addresses as `"0x..."`
    /// strings, payloads as `{"data": ..., "len": n}` (`"truncated": true` when cut), paths as
    /// strings (`{"path": ..., "truncated": true}` when no NUL was copied).
    pub fn json_into(&self, out: &mut Vec<u8>) {
        use crate::jsonl::{Obj, escaped_into, str_into};
        use std::io::Write as _;
        let num = |out: &mut Vec<u8>, t: &str| out.extend_from_slice(t.as_bytes());
        match self {
            Val::Int(n) => num(out, itoa::Buffer::new().format(*n)),
            Val::UInt(n) => num(out, itoa::Buffer::new().format(*n)),
            Val::Hex(0) => out.extend_from_slice(b"\"0\""),
            Val::Ptr(0) => out.extend_from_slice(b"\"NULL\""),
            Val::Hex(n) | Val::Ptr(n) => {
                let _ = write!(out, "\"{n:#x}\"");
            }
            Val::Sym(t) => str_into(out, t),
            Val::Null => out.extend_from_slice(b"null"),
            Val::Buf { data, full, .. } => {
                let mut m = Obj::new(out);
                escaped_into(m.key("data"), data);
                m.u64("len", *full);
                if (data.len() as u64) < *full {
                    m.raw("truncated", b"true");
                }
                m.end();
            }
            Val::Path(data) => match path_parts(data) {
                (b, true) => {
                    let mut m = Obj::new(out);
                    escaped_into(m.key("path"), b);
                    m.raw("truncated", b"true");
                    m.end();
                }
                (b, false) => escaped_into(out, b),
            },
            Val::Both(j, _) => {
                let _ = serde_json::to_writer(out, j);
            }
        }
    }

    /// [`Val::json_into`], as a value.
    pub fn json(&self) -> Value {
        let mut b = Vec::new();
        self.json_into(&mut b);
        serde_json::from_slice(&b).unwrap_or(Value::Null)
    }
}

impl<'a> CallView<'a> {
    fn caps(&self, op: u8) -> impl Iterator<Item = &'a Capture> + use<'a, '_> {
        self.enter_caps
            .iter()
            .chain(self.exit_caps.iter())
            .filter(move |c| c.hdr.op == op)
    }
    /// The copy of op `op`'s memory: a successful one if there is one (an entry-side copy that
    /// faulted is made again at exit), else the failed one, to show why.
    pub fn cap(&self, op: u8) -> Option<&'a Capture> {
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
    /// The length the program asked for when `c` was copied: see [`wanted`].
    fn wanted(&self, c: &Capture) -> u64 {
        wanted(self.row, self.abi, self.args, c)
    }
    /// Whether op `op` copies at the call's exit (memory the kernel wrote).
    fn at_exit(&self, op: u8) -> bool {
        self.row.ops.get(usize::from(op)).is_some_and(|o| o.exit)
    }
    /// The copy op `op` made at entry (of an op that copies at both sides, the memory passed
    /// in).
    fn enter_cap(&self, op: u8) -> Option<&'a Capture> {
        self.enter_caps.iter().find(|c| c.hdr.op == op)
    }
    /// The copy op `op` made at exit, when the call succeeded (of an op that copies at both
    /// sides, what the kernel wrote back).
    fn exit_cap(&self, op: u8) -> Option<&'a Capture> {
        self.exit_caps
            .iter()
            .find(|c| c.hdr.op == op && c.ok())
            .filter(|_| self.ok())
    }
    /// A register as the ABI's `unsigned long`.
    fn ulong(&self, raw: u64) -> u64 {
        match self.abi {
            Abi::X86_64 => raw,
            Abi::Ia32 => raw & 0xffff_ffff,
        }
    }
    /// The width of a time structure's fields: the ABI's `long`, or 64 bits for the
    /// `*_time64` calls.
    fn time_width(&self, t: Time) -> usize {
        if t.wide {
            8
        } else {
            usize::from(self.abi.long())
        }
    }
}

/// The kernel's restart codes (include/linux/errno.h): a call a signal interrupted, which the
/// kernel restarts or fails with EINTR once the handler has run.
const ERESTART: [i64; 4] = [-512, -513, -514, -516];

/// A time structure's text.
fn time_text(d: &[u8], shape: TimeShape, width: usize) -> Option<String> {
    match shape {
        TimeShape::Spec => structs::timespec(d, width),
        TimeShape::Val => structs::timeval(d, width),
        TimeShape::ItSpec => structs::itimerspec(d, width),
        TimeShape::ItVal => structs::itimerval(d, width),
        TimeShape::Rusage => structs::rusage(d, width),
        TimeShape::Utimens => structs::utimens(d, width),
    }
}

/// A time argument: what was copied; `nanosleep`'s remaining time only when a signal
/// interrupted the call (strace: the kernel wrote it only then); a timeout written back, as
/// passed in (the time left follows the return value).
fn time_arg<'a>(v: &CallView<'a>, op: u8, t: Time, raw: u64) -> Val<'a> {
    let w = v.time_width(t);
    let show = |d: &[u8]| time_text(d, t.shape, w);
    match t.show {
        TimeShow::Copied => structured(v, op, raw, show),
        TimeShow::Remaining => {
            let interrupted = v.ret.is_some_and(|r| ERESTART.contains(&r));
            match v.exit_caps.iter().find(|c| c.hdr.op == op) {
                Some(c) if interrupted && c.ok() => {
                    show(&c.data).map_or_else(|| missing(Some(c), raw), sym)
                }
                _ => sym(ptr_text(raw)),
            }
        }
        TimeShow::Left => match v.enter_cap(op) {
            Some(c) if c.ok() => show(&c.data).map_or_else(|| missing(Some(c), raw), sym),
            c => missing(c, raw),
        },
    }
}

/// The time left of a call's `Left` time argument (`left {tv_sec=0, tv_nsec=999}`).
fn time_left(v: &CallView<'_>) -> Option<String> {
    v.row.args.iter().find_map(|(_, a)| match a {
        Arg::Time(op, t) if t.show == TimeShow::Left => {
            time_text(&v.exit_cap(*op)?.data, t.shape, v.time_width(*t))
        }
        _ => None,
    })
}

/// `select`'s return: `1 (in [3], out [4], left {tv_sec=0, tv_usec=999})`, as strace's
/// `decode_select` writes it: the ready descriptors of each set the kernel wrote back, no more
/// than the count returned, then the time left; `0 (Timeout)`.
fn select_ret(v: &CallView<'_>, ret: i64) -> String {
    if ret == 0 {
        return "0 (Timeout)".into();
    }
    let n = i64::from(v.args[0] as i32);
    let mut ready = usize::try_from(ret).unwrap_or(0);
    let mut parts = Vec::new();
    let sets = v.row.args.iter().filter_map(|(_, a)| match a {
        Arg::FdSet(op) => Some(*op),
        _ => None,
    });
    for (name, op) in ["in", "out", "except"].into_iter().zip(sets) {
        if ready == 0 {
            break;
        }
        let Some(c) = v.exit_cap(op) else { continue };
        let fds: Vec<String> = structs::fd_set_members(&c.data, n)
            .take(ready)
            .map(|fd| fd.to_string())
            .collect();
        ready -= fds.len();
        if !fds.is_empty() {
            parts.push(format!("{name} [{}]", fds.join(" ")));
        }
    }
    if let Some(left) = time_left(v) {
        parts.push(format!("left {left}"));
    }
    if parts.is_empty() {
        ret.to_string()
    } else {
        format!("{ret} ({})", parts.join(", "))
    }
}

/// The length the program asked for when `c` was copied. The kernel side saturates `want` at
/// `u32::MAX` (tracer-common `CaptureHeader::want`), so a length taken from an argument
/// (`msgsnd`'s `msgsz`, a `write`'s `count`) is read from the argument itself: 2^40 is shown
/// as 2^40, not as the clamp. A saturated `want` that the argument does not explain (a
/// recording whose row differs) is left as it is.
pub fn wanted(row: &Row, abi: Abi, args: &[u64; 6], c: &Capture) -> u64 {
    let want = u64::from(c.hdr.want);
    if c.hdr.want != u32::MAX {
        return want;
    }
    let Some(Len::Arg(i, scale)) = row.ops.get(usize::from(c.hdr.op)).map(|o| o.len) else {
        return want;
    };
    let Some(&arg) = args.get(usize::from(i)) else {
        return want;
    };
    // As the eBPF side computes it (tracer-ebpf `run_ops`); ia32 registers are 32 bits.
    let arg = match abi {
        Abi::X86_64 => arg,
        Abi::Ia32 => arg & 0xffff_ffff,
    };
    let n = arg.wrapping_mul(u64::from(scale.max(1)));
    if n >= want { n } else { want }
}

fn ptr_text(v: u64) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

/// A structure copied by op `op`, shown by `show`; the pointer (and ` <fault>`) when it was not
/// copied or does not decode.
fn structured<'a>(
    v: &CallView<'a>,
    op: u8,
    ptr: u64,
    show: impl Fn(&[u8]) -> Option<String>,
) -> Val<'a> {
    match v.cap(op).filter(|c| c.ok()).and_then(|c| show(&c.data)) {
        Some(text) => sym(text),
        None => missing(v.cap(op), ptr),
    }
}

/// A SysV `*ctl` call's buffer (op `op`) as its command uses it (decode/sysv.rs `buf_use`):
/// what `IPC_SET` read at entry, what a `*_STAT` or `*_INFO` wrote at a successful exit; else
/// the copy that could not be shown, if any.
fn ipc_buf<'a>(
    v: &CallView<'a>,
    op: u8,
    family: Sysv,
) -> Result<Val<'static>, Option<&'a Capture>> {
    let ia32 = v.abi == Abi::Ia32;
    let cmd = v
        .row
        .args
        .iter()
        .position(|(_, a)| matches!(a, Arg::IpcCmd(_)))
        .and_then(|i| v.args.get(i));
    let use_ = cmd.map_or(sysv::BufUse::Other, |c| sysv::buf_use(family, *c, ia32));
    let c = match use_ {
        sysv::BufUse::Other => None,
        sysv::BufUse::Set => v.enter_cap(op),
        _ => v.exit_cap(op),
    };
    match c
        .filter(|c| c.ok())
        .and_then(|c| sysv::ctl_buf(family, use_, &c.data, ia32))
    {
        Some(text) => Ok(sym(text)),
        None => Err(c),
    }
}

fn sym(s: String) -> Val<'static> {
    Val::Sym(Cow::Owned(s))
}

/// A capture that could not be shown: NULL, a fault, or not taken (failed call, or not yet
/// returned).
fn missing(c: Option<&Capture>, ptr: u64) -> Val<'static> {
    match c.map(|c| c.hdr.status) {
        Some(CAP_FAULT) => Val::Both(
            json!({"fault": format!("{ptr:#x}")}),
            format!("{ptr:#x} <fault>"),
        ),
        Some(CAP_NULL) | None if ptr == 0 => Val::Null,
        _ => Val::Ptr(ptr),
    }
}

/// An [`Arg::Written`]: what the call wrote, when it succeeded; else the pointer.
fn written<'a>(v: &CallView<'a>, op: u8, what: Written, raw: u64) -> Val<'a> {
    let ints = |d: &[u8], size: usize| -> Option<String> {
        let ids: Vec<String> = d
            .chunks_exact(size)
            .filter_map(|c| le(c, 0, size))
            .map(|g| g.to_string())
            .collect();
        Some(format!("[{}]", ids.join(", ")))
    };
    match what {
        Written::U32 => structured(v, op, raw, |d| Some(format!("[{}]", le(d, 0, 4)?))),
        Written::Loff => structured(v, op, raw, |d| Some(format!("[{}]", le(d, 0, 8)? as i64))),
        // strace 6.1 src/uid.c `print_groups`: the pointer when the size was 0.
        Written::Gids32 | Written::Gids16 if v.args[0] as u32 == 0 => sym(ptr_text(raw)),
        Written::Gids32 => structured(v, op, raw, |d| ints(d, 4)),
        Written::Gids16 => structured(v, op, raw, |d| ints(d, 2)),
        Written::Utsname => structured(v, op, raw, structs::utsname),
        Written::Path => match v.exit_cap(op).filter(|c| c.ok()) {
            Some(c) => Val::Path(&c.data),
            None => missing(v.exit_cap(op), raw),
        },
        // strace 6.1 src/getrandom.c: `QUOTE_FORCE_HEX`.
        Written::Random => match v.exit_cap(op).filter(|c| c.ok()) {
            Some(c) => {
                use std::fmt::Write as _;
                let mut s = String::with_capacity(c.data.len() * 4 + 5);
                s.push('"');
                for b in &c.data {
                    let _ = write!(s, "\\x{b:02x}");
                }
                s.push('"');
                let full = v.ret.unwrap_or(0).max(0) as u64;
                if (c.data.len() as u64) < full {
                    s.push_str("...");
                }
                Val::Both(json!({"hex": hex(&c.data), "len": full}), s)
            }
            None => missing(v.exit_cap(op), raw),
        },
    }
}

/// A payload of `full` bytes of which `c` holds the first.
fn buffer(c: &Capture, full: u64) -> Val<'_> {
    Val::Buf {
        data: &c.data,
        full,
        netlink: None,
    }
}

/// The new program's arguments from the exec record's `CK_ARGV` capture (an [`ExecArgv`],
/// then the first bytes of the NUL-terminated strings), as strace shows an argv:
/// `["cat", "/etc/hostname"]`, each string escaped as any string a program chose
/// ([`crate::escape::name`]). Cut at the kernel side's bound: the string cut short ends in
/// `"abc"...`, and `...` follows the last one shown when the program has more (its `argc` says
/// so, or, when that could not be read, the bytes left unread begin a new string). In JSON an
/// array of strings; when cut, `{"argv": [...], "truncated": true, "argc": N}`.
fn argv(c: &Capture) -> Option<(Value, String)> {
    let argc = le(&c.data, 0, 4)? as u32;
    let known = le(&c.data, 4, 4)? as u32 & ARGC_KNOWN != 0;
    let strings = c.data.get(size_of::<ExecArgv>()..)?;
    let mut parts: Vec<&[u8]> = strings.split(|b| *b == 0).collect();
    // What follows the last NUL: nothing, or a string cut short by the bound.
    let tail = parts.pop().unwrap_or_default();
    let cut_short = !tail.is_empty();
    if cut_short {
        parts.push(tail);
    }
    let shown = parts.len() as u64;
    let more = if known {
        u64::from(argc) > shown
    } else {
        !cut_short && (strings.len() as u64) < u64::from(c.hdr.want)
    };
    let texts: Vec<String> = parts.iter().map(|p| crate::escape::name(p)).collect();
    let mut text: Vec<String> = texts.iter().map(|t| format!("\"{t}\"")).collect();
    if cut_short && let Some(last) = text.last_mut() {
        last.push_str("...");
    }
    if more {
        text.push("...".into());
    }
    let text = format!("[{}]", text.join(", "));
    let json = if cut_short || more {
        json!({"argv": texts, "truncated": true, "argc": known.then_some(argc)})
    } else {
        json!(texts)
    };
    Some((json, text))
}

fn le(data: &[u8], at: usize, size: usize) -> Option<u64> {
    let b = data.get(at..at + size)?;
    let mut w = [0u8; 8];
    w[..size].copy_from_slice(b);
    Some(u64::from_le_bytes(w))
}

/// Decode every argument of a call that strace would show.
/// A call's decoded arguments: six at most (the registers), kept inline.
pub type Args<'a> = smallvec::SmallVec<[Decoded<'a>; 6]>;

pub fn args<'a>(v: &CallView<'a>) -> Args<'a> {
    v.row
        .args
        .iter()
        .enumerate()
        .filter_map(|(i, (name, kind))| {
            let raw = v.args[i];
            let (val, labeled) = shown(v, *kind, raw)?;
            Some(Decoded { name, val, labeled })
        })
        .collect()
}

/// An argument as shown (and whether its text carries its name), or `None` where strace
/// leaves it out.
fn shown<'a>(v: &CallView<'a>, kind: Arg, raw: u64) -> Option<(Val<'a>, bool)> {
    match kind {
        Arg::If {
            arg: at,
            mask,
            kind,
        } => {
            let on = v.args.get(usize::from(at)).is_some_and(|a| a & mask != 0);
            if on { shown(v, *kind, raw) } else { None }
        }
        Arg::Labeled(kind) => Some((shown(v, *kind, raw)?.0, true)),
        Arg::FcntlValue => Some((sym(consts::fcntl_arg(v.args[1], raw)?), false)),
        Arg::Hidden => None,
        Arg::Futex(which) => futex_arg(v, which, raw),
        Arg::Prctl(which) => prctl_arg(v, which, raw),
        // A recording made before the mask was read: the call shows no argument, as then.
        Arg::FrameMask(op, _) if v.enter_cap(op).is_none() => None,
        // As strace: a failed ipc(MSGRCV) shows the kludge's address and no `msgtyp`.
        Arg::KludgeType(_) if !v.ok() => None,
        // strace's decode_mknod (src/mknod.c): the device only for S_IFCHR and S_IFBLK.
        Arg::MknodDev => {
            let mode = v.row.args.iter().position(|(_, a)| *a == Arg::MknodMode);
            let kind = mode.map_or(0, |i| v.args[i] & flags::S_IFMT);
            (kind == flags::S_IFCHR || kind == flags::S_IFBLK)
                .then(|| (sym(flags::makedev(raw)), false))
        }
        _ => Some((arg(v, kind, raw), false)),
    }
}

/// A `futex` argument as its operation reads it (decode/futex.rs), or nothing.
fn futex_arg<'a>(v: &CallView<'a>, which: FutexArg, raw: u64) -> Option<(Val<'a>, bool)> {
    let op = v.args[1];
    let val = match futex::show(op, which) {
        futex::Show::Hidden => return None,
        _ if which == FutexArg::Op => sym(futex::op_name(op)),
        futex::Show::U32 => Val::Int(i64::from(raw as u32)),
        futex::Show::Ptr => {
            if raw == 0 {
                Val::Null
            } else {
                Val::Ptr(v.ulong(raw))
            }
        }
        futex::Show::Time => match which {
            FutexArg::Timeout(op, wide) => time_arg(
                v,
                op,
                Time {
                    shape: TimeShape::Spec,
                    wide,
                    show: TimeShow::Copied,
                },
                raw,
            ),
            _ => Val::Ptr(raw),
        },
        futex::Show::Bitset => sym(futex::bitset(raw)),
        futex::Show::WakeOp => sym(futex::wake_op(raw & 0xffff_ffff)),
    };
    Some((val, false))
}

/// A `prctl` argument as its option reads it (decode/prctl.rs), or nothing.
fn prctl_arg<'a>(v: &CallView<'a>, which: PrctlArg, raw: u64) -> Option<(Val<'a>, bool)> {
    use prctl::Shape;
    let option = v.args[0];
    let (i, in_op, out_op) = match which {
        PrctlArg::Option => return Some((sym(prctl::option_name(option)), false)),
        PrctlArg::First(s, o) => (1, Some(s), Some(o)),
        PrctlArg::Plain(i) => (usize::from(i), None, None),
        PrctlArg::Last(s) => (4, Some(s), None),
    };
    let raw = v.ulong(raw);
    let entry = in_op.and_then(|op| v.enter_cap(op));
    let exit = out_op.and_then(|op| v.exit_cap(op));
    // What the kernel wrote through the pointer, `[...]`, else the pointer.
    let out = |show: &dyn Fn(&[u8]) -> Option<String>| match exit.and_then(|c| show(&c.data)) {
        Some(t) => sym(format!("[{t}]")),
        None => missing(exit, raw),
    };
    let int = |d: &[u8]| le(d, 0, 4).map(|x| x as u32 as i32);
    let val = match prctl::shape(option, i)? {
        Shape::Hex => sym(consts::hex0(raw)),
        Shape::Sig => sym(flags::signal(raw)),
        Shape::Str => match entry.filter(|c| c.ok()) {
            Some(c) => Val::Path(&c.data),
            None => missing(entry, raw),
        },
        Shape::StrOut => match exit {
            Some(c) => Val::Path(&c.data),
            None => missing(exit, raw),
        },
        Shape::IntOut => out(&|d| Some(int(d)?.to_string())),
        Shape::SigOut => out(&|d| Some(flags::signal(u64::from(int(d)? as u32)))),
        Shape::NamedOut(names, unknown) => {
            out(&|d| Some(consts::one_or(u64::from(int(d)? as u32), names, unknown)))
        }
        Shape::PtrOut => out(&|d| Some(ptr_text(le(d, 0, usize::from(v.abi.long()))?))),
        Shape::Cap => sym(consts::one_or(raw, prctl::CAPS, "CAP_???")),
        Shape::Named(names, unknown) => sym(consts::one_or(raw, names, unknown)),
        Shape::Bits(names) => sym(consts::bits(raw, names)),
        // include/uapi/linux/prctl.h `PR_SET_PTRACER_ANY ((unsigned long)-1)`.
        Shape::Ptracer if raw == v.ulong(u64::MAX) => sym("PR_SET_PTRACER_ANY".into()),
        Shape::Dec | Shape::Ptracer => Val::Int(raw as i64),
    };
    Some((val, false))
}

/// A successful return value as strace shows it (errors are shown by the caller).
pub fn ret_text(v: &CallView<'_>, ret: i64) -> String {
    match v.row.ret {
        Ret::Hex => format!("{ret:#x}"),
        Ret::Mode => octal_mode(ret as u64),
        Ret::HexAt(op) => match v.exit_cap(op).and_then(|c| le(&c.data, 0, 4)) {
            Some(addr) => format!("{addr:#x}"),
            None => format!("{ret:#x}"),
        },
        Ret::Fcntl => consts::fcntl_ret(v.args[1], ret).unwrap_or_else(|| ret.to_string()),
        Ret::Poll => {
            let revents = v.row.args.iter().find_map(|(_, a)| match a {
                Arg::PollFds(_, out) => v.cap(*out).filter(|c| c.ok()),
                _ => None,
            });
            let left = time_left(v).map(|l| format!("left {l}"));
            match (revents, left) {
                _ if ret == 0 => "0 (Timeout)".into(),
                (Some(c), Some(l)) => format!("{ret} ({}, {l})", structs::pollfds(&c.data, true)),
                (Some(c), None) => format!("{ret} ({})", structs::pollfds(&c.data, true)),
                (None, Some(l)) => format!("{ret} ({l})"),
                (None, None) => ret.to_string(),
            }
        }
        Ret::Select => select_ret(v, ret),
        Ret::Left => match time_left(v) {
            Some(l) => format!("{ret} (left {l})"),
            None => ret.to_string(),
        },
        Ret::Sig if ret > 0 => format!("{ret} ({})", flags::signal(ret as u64)),
        Ret::Prctl => prctl::ret(v.args[0], ret),
        // strace 6.1 src/ldt.c: the entry number read back at exit.
        Ret::Tls => {
            let entry = v.row.args.iter().find_map(|(_, a)| match a {
                Arg::UserDesc(_, out) => v.exit_cap(*out).filter(|c| c.ok()),
                _ => None,
            });
            match entry.and_then(|c| le(&c.data, 0, 4)) {
                Some(e) => format!("{ret} (entry_number={})", e as u32 as i32),
                None => ret.to_string(),
            }
        }
        Ret::Int | Ret::Fd | Ret::Sig | Ret::Child | Ret::NoReturn => ret.to_string(),
    }
}

fn arg<'a>(v: &CallView<'a>, kind: Arg, raw: u64) -> Val<'a> {
    let num = Val::Int;
    match kind {
        // `int`, an fd and a pid_t are 32 bits on both ABIs; a `long` is the ABI's word.
        Arg::Int | Arg::Fd | Arg::Pid => num(i64::from(raw as i32)),
        Arg::Long => num(v.int(raw)),
        Arg::U32 => num(i64::from(raw as u32)),
        Arg::UInt => Val::UInt(raw),
        Arg::Hex => Val::Hex(raw),
        Arg::Const(c) => sym(c.text(raw)),
        Arg::If { kind, .. } | Arg::Labeled(kind) => arg(v, *kind, raw),
        Arg::FcntlValue => sym(consts::fcntl_arg(v.args[1], raw).unwrap_or_default()),
        Arg::SigSet(op) => structured(v, op, raw, structs::sigset),
        Arg::PollFds(op, _) => structured(v, op, raw, |d| Some(structs::pollfds(d, false))),
        Arg::EpollEvent(op) => structured(v, op, raw, structs::epoll_event),
        Arg::EpollEvents(op) => structured(v, op, raw, |d| Some(structs::epoll_events(d))),
        Arg::WaitStatus(op) if v.ret.is_some_and(|r| r > 0) => {
            structured(v, op, raw, structs::wait_status)
        }
        // prlimit64's `struct rlimit64`, else the ABI's `struct rlimit` (ia32's of 32-bit
        // fields, arch/x86/include/asm/compat.h `compat_rlimit`).
        Arg::Rlimit(op) => {
            let width = if v.row.name == "prlimit64" || v.abi == Abi::X86_64 {
                8
            } else {
                4
            };
            let infinity = if v.row.name == "prlimit64" {
                "RLIM64_INFINITY"
            } else {
                "RLIM_INFINITY"
            };
            structured(v, op, raw, |d| structs::rlimit(d, width, infinity))
        }
        Arg::Stat(op) => {
            let layout = match v.abi {
                Abi::X86_64 => structs::StatLayout::X86_64,
                Abi::Ia32 if v.row.name.ends_with("64") => structs::StatLayout::Stat64,
                Abi::Ia32 => structs::StatLayout::Compat,
            };
            structured(v, op, raw, |d| structs::stat(d, layout))
        }
        Arg::Statx(op) => structured(v, op, raw, structs::statx),
        Arg::Written(op, what) => written(v, op, what, raw),
        // strace 6.1 src/x86_64/arch_rt_sigreturn.c, src/i386/arch_sigreturn.c.
        Arg::FrameMask(lo, hi) => {
            let mask = |d: &[u8]| Some(format!("{{mask={}}}", structs::sigset(d)?));
            if lo == hi {
                structured(v, lo, raw, mask)
            } else {
                match (v.enter_cap(lo), v.enter_cap(hi)) {
                    (Some(a), Some(b)) if a.ok() && b.ok() => {
                        let both = [a.data.as_slice(), b.data.as_slice()].concat();
                        mask(&both).map_or_else(|| missing(Some(a), raw), sym)
                    }
                    (a, _) => missing(a, raw),
                }
            }
        }
        // strace 6.1 src/ldt.c: what the call read, or for `get_thread_area` what it wrote
        // (the entry number alone when it failed).
        Arg::UserDesc(entry, exit) => {
            let x86_64 = v.abi == Abi::X86_64;
            if v.row.name == "get_thread_area" {
                match v.exit_cap(exit).filter(|c| c.ok()) {
                    Some(_) => structured(v, exit, raw, |d| structs::user_desc(d, x86_64)),
                    None => structured(v, entry, raw, |d| {
                        Some(format!(
                            "{{entry_number={}, ...}}",
                            le(d, 0, 4)? as u32 as i32
                        ))
                    }),
                }
            } else {
                structured(v, entry, raw, |d| structs::user_desc(d, x86_64))
            }
        }
        Arg::IoctlValue(input, output) => match consts::ioctl_int(v.args[1]) {
            Some(out) => structured(v, if out { output } else { input }, raw, |d| {
                Some(format!(
                    "[{}]",
                    i32::from_le_bytes(d.get(..4)?.try_into().ok()?)
                ))
            }),
            None => Val::Ptr(raw),
        },
        // wait4's status is written only when a child was reaped.
        Arg::Ptr | Arg::WaitStatus(_) => Val::Ptr(raw),
        // What the kernel side read in the new program once the exec succeeded: a failed
        // exec (no exec record), or a kernel without the BTF offsets, leaves the pointer.
        Arg::Argv => v
            .exit_caps
            .iter()
            .find(|c| c.hdr.kind == CK_ARGV && c.ok())
            .and_then(argv)
            .map_or(Val::Ptr(raw), Val::from),
        // As strace shows it: `0x7ffd... /* 35 vars */`, `/* 1 var */` (JSON: the pointer).
        Arg::Envp => match v
            .exit_caps
            .iter()
            .find(|c| c.hdr.kind == CK_ARGV && c.ok())
            .and_then(|c| le(&c.data, 4, 4))
        {
            Some(f) if raw != 0 && f as u32 & ENVC_KNOWN != 0 => (
                json!(ptr_text(raw)),
                match f >> 16 {
                    1 => format!("{} /* 1 var */", ptr_text(raw)),
                    n => format!("{} /* {n} vars */", ptr_text(raw)),
                },
            )
                .into(),
            _ => Val::Ptr(raw),
        },
        Arg::DirFd => sym(flags::dirfd(raw)),
        Arg::Signal => sym(flags::signal(raw)),
        Arg::Domain => sym(flags::family(raw)),
        Arg::SockType => sym(flags::sock_type(raw)),
        Arg::SockFlags => sym(flags::sock_flags(raw)),
        Arg::Protocol if matches!(v.args[0], 2 | 10 | 16 | 17) => {
            sym(flags::protocol(v.args[0], raw))
        }
        Arg::Protocol => num(raw as i64),
        Arg::MsgFlags => sym(flags::msg_flags(raw)),
        Arg::ShutHow => sym(flags::shut_how(raw)),
        Arg::SockLevel => sym(flags::sock_level(raw)),
        Arg::SockOpt => sym(flags::sock_opt(v.args[1], raw)),
        Arg::IpcKey => sym(flags::ipc_key(raw)),
        Arg::IpcFlags(of) => sym(match of {
            IpcFlagsOf::Get => sysv::get_flags(raw, false),
            IpcFlagsOf::ShmGet => sysv::get_flags(raw, true),
            IpcFlagsOf::Msg => sysv::msg_flags(raw),
            IpcFlagsOf::Shmat => sysv::shmat_flags(raw),
        }),
        Arg::IpcCmd(family) => sym(sysv::cmd(family, raw)),
        Arg::IpcBuf(op, family) => {
            let raw = v.ulong(raw);
            ipc_buf(v, op, family).unwrap_or_else(|c| match c {
                // A pointer the command does not use, as any pointer (`"NULL"` in JSON).
                None => Val::Ptr(raw),
                c => missing(c, raw),
            })
        }
        // As strace shows it: the structure the union points to, else the union's 32 bits in
        // brackets, `[NULL]` when zero.
        Arg::IpcSemun(op, buf) => {
            ipc_buf(v, buf, Sysv::Semaphores).unwrap_or_else(|_| match v.cap(op) {
                Some(c) if c.ok() && c.data.len() >= 4 => match le(&c.data, 0, 4).unwrap_or(0) {
                    0 => sym("[NULL]".to_string()),
                    u => sym(format!("[{u:#x}]")),
                },
                c => missing(c, raw),
            })
        }
        Arg::Mode => sym(octal_mode(raw & 0o7777)),
        Arg::MknodMode => sym(flags::mknod_mode(raw)),
        Arg::MknodDev => sym(flags::makedev(raw)),
        Arg::AtFlags => sym(flags::at_flags(raw)),
        Arg::OpenFlags => sym(consts::open_flags(raw)),
        Arg::PipeFlags => sym(flags::pipe_flags(raw)),
        Arg::MmapProt => sym(flags::mmap_prot(raw)),
        Arg::MmapFlags => sym(flags::mmap_flags(raw)),
        Arg::MemfdFlags => sym(flags::memfd_flags(raw)),
        // The kernel wrote back no address (an unbound sender): the buffer's address, as
        // strace shows it.
        Arg::SockAddrOut(op, _) if v.cap(op).is_some_and(|c| c.ok() && c.hdr.want == 0) => {
            Val::Ptr(raw)
        }
        Arg::SockAddr(op) => match v.cap(op) {
            Some(c) if c.ok() => sockaddr_json(c, v.wanted(c)).into(),
            c => missing(c, raw),
        },
        // The kernel wrote the shorter of the buffer and the address (net/socket.c
        // move_addr_to_user): what lies beyond is the program's own stale bytes.
        Arg::SockAddrOut(op, given) => match v.cap(op) {
            Some(c) if c.ok() => {
                let len = socklen(v, given).map_or(c.hdr.want, |g| g.min(c.hdr.want));
                sockaddr_json(c, u64::from(len)).into()
            }
            c => missing(c, raw),
        },
        Arg::SockLenPtr(op, given) => {
            let given = socklen(v, given);
            let got = v.cap(op).filter(|c| c.ok() && v.ok()).map(|c| c.hdr.want);
            // JSON keeps one number, what the kernel wrote back: the text shows both.
            match (given, got) {
                (Some(i), Some(o)) if i != o => (json!(o), format!("[{i} => {o}]")).into(),
                (_, Some(n)) | (Some(n), None) => (json!(n), format!("[{n}]")).into(),
                (None, None) => Val::Ptr(raw),
            }
        }
        Arg::Buf(op) => match v.cap(op) {
            Some(c) if c.ok() => Val::Buf {
                data: &c.data,
                full: v.wanted(c),
                netlink: v.netlink,
            },
            c => missing(c, raw),
        },
        // As the option's type says: `[1]`, `{l_onoff=1, l_linger=5}`, or the bytes.
        Arg::OptVal(op) => match v.cap(op) {
            Some(c) if c.ok() => {
                let len = optval_len(v, op, c);
                match sockopt::optval(v.args[1], v.args[2], &c.data, len as i64, v.at_exit(op)) {
                    sockopt::Shown::Int(n) => (json!([n]), format!("[{n}]")).into(),
                    sockopt::Shown::Text(t) => sym(t),
                    sockopt::Shown::Bytes => buffer(c, len),
                    sockopt::Shown::Ptr => Val::Ptr(raw),
                }
            }
            c => missing(c, raw),
        },
        Arg::Path(op) => match v.cap(op) {
            Some(c) if c.ok() => Val::Path(&c.data),
            c => missing(c, raw),
        },
        Arg::FdPair(op) => match v.cap(op) {
            Some(c) if c.ok() && c.data.len() >= 8 => {
                let a = le(&c.data, 0, 4).unwrap_or(0) as i32;
                let b = le(&c.data, 4, 4).unwrap_or(0) as i32;
                (json!([a, b]), format!("[{a}, {b}]")).into()
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
                    .map(|(n, o, f)| json!({"sem_num": n, "sem_op": o, "sem_flg": sysv::sem_flg(*f as u16)}))
                    .collect();
                let mut t: Vec<String> = ops
                    .iter()
                    .map(|(n, o, f)| {
                        format!(
                            "{{sem_num={n}, sem_op={o}, sem_flg={}}}",
                            sysv::sem_flg(*f as u16)
                        )
                    })
                    .collect();
                // More operations than were copied (`nsops` says how many): strace's mark
                // for an array it stopped printing.
                if (c.data.len() as u64) < v.wanted(c) {
                    t.push("...".into());
                }
                (Value::Array(j), format!("[{}]", t.join(", "))).into()
            }
            c => missing(c, raw),
        },
        Arg::MsgBuf(mtype_op, text_op) => match v
            .cap(mtype_op)
            .filter(|c| c.ok())
            .and_then(|c| le(&c.data, 0, usize::from(v.abi.long())))
        {
            Some(m) => {
                let mtype = match v.abi {
                    Abi::X86_64 => m as i64,
                    Abi::Ia32 => i64::from(m as u32 as i32),
                };
                // The text follows `long mtype` (include/uapi/linux/msg.h `struct msgbuf`): a
                // copy of it that faulted or was not made shows its own address.
                let (tj, tt) = match v.cap(text_op) {
                    Some(c) if c.ok() => buffer(c, v.wanted(c)),
                    c => missing(c, raw.wrapping_add(u64::from(v.abi.long()))),
                }
                .pair();
                (
                    json!({"mtype": mtype, "mtext": tj}),
                    format!("{{mtype={mtype}, mtext={tt}}}"),
                )
                    .into()
            }
            None => missing(v.cap(mtype_op), raw),
        },
        // `struct compat_ipc_kludge` (include/linux/compat.h): two 32-bit words. A copy cut
        // short (only a damaged recording holds one) is shown as not read, never as zeros.
        Arg::IpcKludge(op) => match v.cap(op) {
            Some(c) if c.ok() && c.data.len() >= 8 => {
                let msgp = le(&c.data, 0, 4).unwrap_or(0);
                let typ = le(&c.data, 4, 4).unwrap_or(0) as u32 as i32;
                (
                    json!({"msgp": ptr_text(msgp), "msgtyp": typ}),
                    format!("{{msgp={}, msgtyp={typ}}}", ptr_text(msgp)),
                )
                    .into()
            }
            c => missing(c, raw),
        },
        Arg::KludgeType(op) => match v.cap(op) {
            Some(c) if c.ok() && c.data.len() >= 8 => {
                num(i64::from(le(&c.data, 4, 4).unwrap_or(0) as u32 as i32))
            }
            c => missing(c, raw),
        },
        // The kernel's `struct sigaction` (include/linux/signal_types.h, x86 has
        // `SA_RESTORER`: handler, flags, restorer, then the 64-bit mask) or ia32's
        // `struct compat_sigaction` (include/linux/compat.h): each field the ABI's `long`.
        Arg::SigAction(op) => match v.cap(op) {
            Some(c) if c.ok() && c.data.len() >= 3 * usize::from(v.abi.long()) + 8 => {
                let long = usize::from(v.abi.long());
                let handler = le(&c.data, 0, long).unwrap_or(0);
                let fl = le(&c.data, long, long).unwrap_or(0);
                let restorer = le(&c.data, 2 * long, long).unwrap_or(0);
                let mask = structs::sigset(&c.data[3 * long..]).unwrap_or_default();
                let h = match handler {
                    0 => "SIG_DFL".to_string(),
                    1 => "SIG_IGN".to_string(),
                    h => format!("{h:#x}"),
                };
                let f = flags::sa_flags(fl);
                // As strace: the restorer only when `SA_RESTORER` says the kernel uses it.
                let (rj, rt) = if fl & flags::SA_RESTORER != 0 {
                    (
                        json!(format!("{restorer:#x}")),
                        format!(", sa_restorer={restorer:#x}"),
                    )
                } else {
                    (Value::Null, String::new())
                };
                (
                    json!({"handler": h, "mask": mask, "flags": f, "restorer": rj}),
                    format!("{{sa_handler={h}, sa_mask={mask}, sa_flags={f}{rt}}}"),
                )
                    .into()
            }
            c => missing(c, raw),
        },
        Arg::SigInfo(op) => match v.cap(op) {
            Some(c)
                if c.ok()
                    && c.data.len() >= siginfo_value_at(v.abi) + usize::from(v.abi.long()) =>
            {
                siginfo_in(v.abi, &c.data).into()
            }
            c => missing(c, raw),
        },
        Arg::MsgHdr(op) => msghdr(v, op, raw).into(),
        Arg::MmsgHdr(first, headers) => mmsghdrs(v, first, headers, raw).into(),
        Arg::Iovec(op, count) => {
            let caps: Vec<&Capture> = v.caps(op).collect();
            let count = v.ulong(v.args[usize::from(count).min(5)]);
            match of_kind(&caps, CK_IOV, 0) {
                Some(c) if c.ok() => {
                    iovecs(v, &caps, c, count, v.ret.map_or(0, |r| r.max(0) as u64)).into()
                }
                c => missing(c, raw),
            }
        }
        Arg::Time(op, t) => time_arg(v, op, t, raw),
        Arg::FdSet(op) => match v.enter_cap(op) {
            Some(c) if c.ok() => sym(structs::fd_set(&c.data, i64::from(v.args[0] as i32))),
            c => missing(c, raw),
        },
        // The position in this register and the next: on ia32 two 32-bit halves
        // (fs/read_write.c `pos_from_hilo`); on x86_64 all of it is here.
        Arg::PosLoHi => {
            let at = v.row.args.iter().position(|(_, a)| *a == Arg::PosLoHi);
            let pos = match (v.abi, at.and_then(|i| v.args.get(i + 1))) {
                (Abi::Ia32, Some(hi)) => (hi << 32) | (raw & 0xffff_ffff),
                _ => raw,
            };
            num(pos as i64)
        }
        Arg::PosHiLo => {
            let at = v.row.args.iter().position(|(_, a)| *a == Arg::PosHiLo);
            let hi = at.and_then(|i| v.args.get(i.checked_sub(1)?)).copied();
            num((((hi.unwrap_or(0) & 0xffff_ffff) << 32) | (raw & 0xffff_ffff)) as i64)
        }
        Arg::Hidden => Val::Sym(Cow::Borrowed("")),
        Arg::Futex(which) => futex_arg(v, which, raw).map_or(Val::Sym(Cow::Borrowed("")), |x| x.0),
        Arg::Prctl(which) => prctl_arg(v, which, raw).map_or(Val::Sym(Cow::Borrowed("")), |x| x.0),
        Arg::Pages => Val::Hex(v.ulong(raw).wrapping_mul(4096)),
        Arg::SigInfoOut(op) => structured(v, op, raw, |d| {
            structs::siginfo(d, usize::from(v.abi.long()))
        }),
        Arg::Stack(op) => structured(v, op, raw, |d| structs::stack(d, usize::from(v.abi.long()))),
        Arg::MqAttr(op) => structured(v, op, raw, |d| {
            structs::mq_attr(d, usize::from(v.abi.long()))
        }),
        Arg::CloneArgs(op) => structured(v, op, raw, |d| structs::clone_args(d, v.ret)),
        Arg::SigEvent(op) => structured(v, op, raw, |d| {
            structs::sigevent(d, usize::from(v.abi.long()))
        }),
    }
}

/// A `siginfo_t` a program passes in (`rt_sigqueueinfo`): JSON with its value, and the text
/// strace shows of the structure the sender filled (its pid and uid too, for `SI_QUEUE`).
/// `d` holds at least `si_value`.
fn siginfo_in(abi: Abi, d: &[u8]) -> (Value, String) {
    let long = usize::from(abi.long());
    let signo = le(d, 0, 4).unwrap_or(0);
    let code = flags::si_code(le(d, 8, 4).unwrap_or(0) as u32 as i32);
    // `union sigval`: `sival_int` is its low 32 bits (little-endian); `sival_ptr` is all of it,
    // whose upper half a sender that set only the int leaves as is.
    let at = siginfo_value_at(abi);
    let value = le(d, at, 4).unwrap_or(0) as u32 as i32;
    let ptr = le(d, at, long).unwrap_or(0);
    let s = flags::signal(signo);
    let text = structs::siginfo(d, long).unwrap_or_else(|| {
        format!("{{si_signo={s}, si_code={code}, si_int={value}, si_ptr={ptr:#x}}}")
    });
    let j =
        json!({"si_signo": s, "si_code": code, "si_value": value, "si_ptr": format!("{ptr:#x}")});
    (j, text)
}

/// Where `si_value` lies in a `siginfo_t`: after `si_pid` and `si_uid` in the union
/// (include/uapi/asm-generic/siginfo.h), which starts at 16 on x86_64 and 12 on ia32.
fn siginfo_value_at(abi: Abi) -> usize {
    match abi {
        Abi::X86_64 => 24,
        Abi::Ia32 => 20,
    }
}

/// The bytes of an option value to show. `getsockopt` writes back the length the option
/// needs, which may exceed the buffer it was given: net/netlink/af_netlink.c
/// `netlink_getsockopt` (Linux 6.1 and 6.18), `NETLINK_LIST_MEMBERSHIPS`, copies only the
/// groups that fit in the given length and returns the full one. Only the given bytes were
/// written, and strace 6.1 shows that many (`[1]` for `[4 => 8]`).
fn optval_len(v: &CallView<'_>, op: u8, c: &Capture) -> u64 {
    let len = v.wanted(c);
    if !v.at_exit(op) {
        return len;
    }
    let given = v.row.args.iter().find_map(|(_, a)| match a {
        Arg::SockLenPtr(_, given) => socklen(v, *given),
        _ => None,
    });
    given.map_or(len, |g| len.min(u64::from(g)))
}

/// The `socklen_t` op `op` copied at entry: the size of the buffer the program gave.
fn socklen(v: &CallView<'_>, op: u8) -> Option<u32> {
    let c = v.cap(op).filter(|c| c.ok())?;
    Some(le(&c.data, 0, 4)? as u32)
}

/// The address in `c`, `len` bytes of it (what the program or the kernel said it holds).
fn sockaddr_json(c: &Capture, len: u64) -> (Value, String) {
    let n = len.min(u64::from(c.hdr.want)) as u32;
    let a = sockaddr::decode(&c.data[..c.data.len().min(n as usize)], n);
    let mut j = a.to_json();
    if len > u64::from(tracer_common::MAX_SOCKADDR) {
        j["claimed_len"] = json!(len);
    }
    (j, a.to_text())
}

/// Field offsets in `struct user_msghdr` (include/linux/socket.h) and `struct compat_msghdr`
/// (include/net/compat.h): its size, then where `msg_name`, `msg_namelen`, `msg_iov`,
/// `msg_iovlen`, `msg_control`, `msg_controllen` and `msg_flags` lie.
fn msghdr_layout(abi: Abi) -> (usize, [usize; 7]) {
    match abi {
        Abi::X86_64 => (56, [0, 8, 16, 24, 32, 40, 48]),
        Abi::Ia32 => (28, [0, 4, 8, 12, 16, 20, 24]),
    }
}

/// The capture of `kind` among `caps`: a successful one if there is one (a copy that faulted
/// at entry is made again at exit), else the failed one, to show why.
fn of_kind<'a>(caps: &[&'a Capture], kind: u8, sub: u8) -> Option<&'a Capture> {
    let mut it = caps
        .iter()
        .filter(|c| c.hdr.kind == kind && c.hdr.sub == sub);
    it.clone().find(|c| c.ok()).or_else(|| it.next()).copied()
}

fn msghdr(v: &CallView<'_>, op: u8, raw: u64) -> (Value, String) {
    msghdr_with(v, op, raw, &|_, _| {})
}

/// The header op `op` copied among `caps`.
fn mmsg_header(caps: &[Capture], op: u8) -> Option<&Capture> {
    caps.iter()
        .find(|c| c.hdr.op == op && c.hdr.kind == CK_MSGHDR && c.ok())
}

/// A `struct mmsghdr` array as strace shows it (`[{msg_hdr={...}, msg_len=5}, ...]`): the
/// messages the call read (`sendmmsg`: `vlen`) or filled (`recvmmsg`: as many as it
/// returned), the first [`MMSG_SHOWN`] of them, then `...`.
fn mmsghdrs(v: &CallView<'_>, first: u8, headers: u8, raw: u64) -> (Value, String) {
    let recv = v.at_exit(first);
    if raw == 0 || (recv && !v.ok()) {
        return missing(None, raw).pair();
    }
    let (stride, msg_len_off, namelen_off) = match v.abi {
        Abi::X86_64 => (64, 56, 8),
        Abi::Ia32 => (32, 28, 4),
    };
    let vlen = v.args[2] & 0xffff_ffff;
    let count = if recv {
        vlen.min(v.ret.map_or(0, |r| r.max(0) as u64))
    } else {
        vlen
    };
    let shown = count.min(u64::from(MMSG_SHOWN)) as usize;
    // sendmmsg's headers as the kernel wrote them back.
    let copy = v.exit_cap(headers).filter(|_| headers != first);
    let mut js = Vec::new();
    let mut ts = Vec::new();
    for i in 0..shown {
        let op = first + i as u8;
        let header = |caps| mmsg_header(caps, op);
        // The message's own copy at exit (recvmmsg), else sendmmsg's headers the kernel wrote
        // back, else the copy made at entry.
        let msg_len = header(v.exit_caps)
            .and_then(|c| le(&c.data, msg_len_off, 4))
            .or_else(|| copy.and_then(|c| le(&c.data, i * stride + msg_len_off, 4)))
            .or_else(|| header(v.enter_caps).and_then(|c| le(&c.data, msg_len_off, 4)));
        // recvmmsg's header at entry: the length the program passed in.
        let namelen_in = header(v.enter_caps)
            .filter(|_| recv)
            .and_then(|c| le(&c.data, namelen_off, 4))
            .map(|n| n as u32 as i32);
        let at = raw.wrapping_add((i * stride) as u64);
        let (j, t) = msghdr_of(v, op, at, &|_, _| {}, namelen_in, msg_len.unwrap_or(0));
        if let Some(n) = msg_len {
            js.push(json!({"hdr": j, "len": n}));
            ts.push(format!("{{msg_hdr={t}, msg_len={n}}}"));
        } else {
            js.push(json!({"hdr": j}));
            ts.push(format!("{{msg_hdr={t}}}"));
        }
    }
    if count > shown as u64 {
        ts.push("...".into());
    }
    (Value::Array(js), format!("[{}]", ts.join(", ")))
}

/// A `struct msghdr` as strace shows it, each descriptor its control messages pass followed by
/// what `describe` says of it (`-y`: `cmsg_data=[5</tmp/x>]`).
pub fn msghdr_with(
    v: &CallView<'_>,
    op: u8,
    raw: u64,
    describe: &dyn Fn(i32, &mut String),
) -> (Value, String) {
    // The length passed in, when the row copied it at entry (recvmsg).
    let msg_arg = v.row.ops.get(usize::from(op)).map(|o| o.arg);
    let namelen_in = v
        .row
        .ops
        .iter()
        .position(|o| msg_arg.is_some_and(|a| *o == crate::syscalls::msg_namelen_in(a)))
        .and_then(|i| v.enter_cap(i as u8))
        .filter(|c| c.ok())
        .and_then(|c| le(&c.data, 0, 4))
        .map(|n| n as u32 as i32);
    let moved = v.ret.map_or(0, |r| r.max(0) as u64);
    msghdr_of(v, op, raw, describe, namelen_in, moved)
}

/// [`msghdr_with`] of a header whose `msg_namelen` passed in is `namelen_in` (when known) and
/// whose call moved `moved` bytes into it (at exit).
fn msghdr_of(
    v: &CallView<'_>,
    op: u8,
    raw: u64,
    describe: &dyn Fn(i32, &mut String),
    namelen_in: Option<i32>,
    moved: u64,
) -> (Value, String) {
    // A header the call fills: what was copied at exit (recvmmsg's message headers are
    // copied at entry too, for the length passed in).
    let mut caps: Vec<&Capture> = v.caps(op).collect();
    if v.at_exit(op) && v.exit_caps.iter().any(|c| c.hdr.op == op) {
        caps.retain(|c| v.exit_caps.iter().any(|e| std::ptr::eq(e, *c)));
    }
    let word = usize::from(v.abi.long());
    let (
        size,
        [
            name_off,
            namelen_off,
            iov_off,
            iovlen_off,
            control_off,
            controllen_off,
            flags_off,
        ],
    ) = msghdr_layout(v.abi);
    let hdr = match of_kind(&caps, CK_MSGHDR, 0) {
        // A header cut short is only in a damaged recording: shown as not read, never with
        // made-up zeros.
        Some(h) if h.ok() && h.data.len() >= size => h,
        Some(h) if !h.ok() => return missing(Some(h), raw).pair(),
        _ => return missing(None, raw).pair(),
    };
    let field = |off: usize, n: usize| le(&hdr.data, off, n).unwrap_or(0);
    let name_ptr = field(name_off, word);
    let namelen = field(namelen_off, 4) as u32 as i32;
    let iov_ptr = field(iov_off, word);
    let iovlen = field(iovlen_off, word);
    let control_ptr = field(control_off, word);
    let controllen = field(controllen_off, word);
    let mflags = field(flags_off, 4);
    if v.at_exit(op) && !v.ok() {
        // A failed recvmsg: the kernel wrote nothing back; strace shows the length passed in.
        return (
            json!({"namelen": namelen}),
            format!("{{msg_namelen={namelen}}}"),
        );
    }

    let (name_j, name_t) = match of_kind(&caps, CK_MSG_NAME, 0) {
        // The kernel wrote the shorter of the two lengths.
        Some(c) if c.ok() && c.hdr.want > 0 => {
            let room = namelen_in.map_or(u64::MAX, |n| u64::from(n.max(0) as u32));
            sockaddr_json(c, v.wanted(c).min(room))
        }
        // strace shows the buffer's address when the kernel wrote back no address.
        Some(c) if c.ok() && v.at_exit(op) && namelen_in.is_some() => {
            missing(None, name_ptr).pair()
        }
        // A name the kernel wrote back with length 0, in a recording made before the length
        // passed in was copied: the peer has no address (an unbound UNIX socket).
        Some(c) if c.ok() && v.at_exit(op) => (Value::Null, "NULL".into()),
        // A fault, a NULL, a length of 0 passed in, or no copy: the pointer, as strace shows
        // an address it does not read.
        c => missing(c, name_ptr).pair(),
    };

    let (iov_j, iov_t) = match of_kind(&caps, CK_IOV, 0) {
        Some(c) if c.ok() => iovecs(v, &caps, c, iovlen, moved),
        c => missing(c, iov_ptr).pair(),
    };
    let mut j = json!({
        "name": name_j,
        "namelen": namelen,
        "iov": iov_j,
        "iovlen": iovlen,
        "controllen": controllen,
        "flags": flags::msg_flags(mflags),
    });
    let control = control(v.abi, &caps, controllen, control_ptr, describe);
    let control_t = match control {
        Some((cj, ct)) => {
            j["control"] = cj;
            format!(", msg_control={ct}")
        }
        None => String::new(),
    };
    // `110 => 15` when the kernel changed it.
    let namelen_t = match namelen_in {
        Some(n) if n != namelen && name_ptr != 0 => {
            j["namelen_in"] = json!(n);
            format!("{n} => {namelen}")
        }
        _ => namelen.to_string(),
    };
    let t = format!(
        "{{msg_name={name_t}, msg_namelen={namelen_t}, msg_iov={iov_t}, msg_iovlen={iovlen}{control_t}, msg_controllen={controllen}, msg_flags={}}}",
        flags::msg_flags(mflags)
    );
    (j, t)
}

/// `msg_control`: nothing when `msg_controllen` is 0 (strace leaves the field out), the
/// pointer when it is shorter than one `cmsghdr` or was not read, else the messages.
fn control(
    abi: Abi,
    caps: &[&Capture],
    controllen: u64,
    ptr: u64,
    describe: &dyn Fn(i32, &mut String),
) -> Option<(Value, String)> {
    if controllen == 0 {
        return None;
    }
    let header = match abi {
        Abi::X86_64 => 16,
        Abi::Ia32 => 12,
    };
    Some(match of_kind(caps, CK_MSG_CONTROL, 0) {
        Some(c) if c.ok() && controllen >= header && c.data.len() as u64 >= header => {
            cmsg::cmsgs(abi, &c.data, controllen, ptr, describe)
        }
        Some(c) if controllen >= header => missing(Some(c), ptr).pair(),
        _ => sym(ptr_text(ptr)).pair(),
    })
}

/// The descriptors the control messages of the call's `struct msghdr` pass: a `sendmsg`'s
/// (copied at entry), or a successful `recvmsg`'s, which the kernel installed in the caller
/// (`SCM_RIGHTS`, `SCM_PIDFD`), each with its message's type.
pub fn passed_fds(v: &CallView<'_>) -> Vec<(i32, i32)> {
    let Some(op) = v.row.args.iter().find_map(|(_, a)| match a {
        Arg::MsgHdr(op) => Some(*op),
        _ => None,
    }) else {
        return Vec::new();
    };
    if v.at_exit(op) && !v.ok() {
        return Vec::new();
    }
    let caps: Vec<&Capture> = v.caps(op).collect();
    match of_kind(&caps, CK_MSG_CONTROL, 0) {
        Some(c) if c.ok() => cmsg::passed_fds(v.abi, &c.data),
        _ => Vec::new(),
    }
}

/// The iovec array `arr` (its first `MAX_IOV` entries) and the bytes copied from them.
fn iovecs(
    v: &CallView<'_>,
    caps: &[&Capture],
    arr: &Capture,
    iovlen: u64,
    moved: u64,
) -> (Value, String) {
    let word = usize::from(v.abi.long());
    // Bytes the iovecs hold for this call: all they describe when passed in; on exit, no more
    // than the call moved (recvmsg fills them in order). Data shorter than that was cut by the
    // snap length (`-s`).
    let mut avail = if v.at_exit(arr.hdr.op) {
        moved
    } else {
        u64::MAX
    };
    let mut iov_j = Vec::new();
    let mut iov_t = Vec::new();
    for (k, e) in arr.data.chunks_exact(word * 2).enumerate() {
        let base = le(e, 0, word).unwrap_or(0);
        let len = le(e, word, word).unwrap_or(0);
        let here = len.min(avail);
        avail -= here;
        let data = u8::try_from(k)
            .ok()
            .and_then(|sub| of_kind(caps, CK_IOV_DATA, sub));
        match data {
            Some(d) if d.ok() => {
                let cut = (d.data.len() as u64) < here;
                let mut j = json!({"data": escape(&d.data), "len": len});
                if cut {
                    j["truncated"] = json!(true);
                }
                iov_j.push(j);
                let mut t = String::from("{iov_base=");
                Val::Buf {
                    data: &d.data,
                    full: here,
                    netlink: v.netlink,
                }
                .text_into(&mut t);
                let _ = std::fmt::Write::write_fmt(&mut t, format_args!(", iov_len={len}}}"));
                iov_t.push(t);
            }
            Some(d) if d.hdr.status == CAP_FAULT => {
                iov_j.push(json!({"fault": format!("{base:#x}"), "len": len}));
                iov_t.push(format!("{{iov_base={base:#x} <fault>, iov_len={len}}}"));
            }
            // Past what the call returned: nothing was written there, `""` as strace shows it.
            _ if here == 0 && len > 0 && v.ret.is_some_and(|r| r >= 0) && v.at_exit(arr.hdr.op) => {
                iov_j.push(json!({"data": "", "len": len}));
                iov_t.push(format!("{{iov_base=\"\", iov_len={len}}}"));
            }
            // Not copied (past the first MAX_IOV_DATA, past the snap length) or NULL: the
            // pointer.
            _ => {
                iov_j.push(json!({"base": ptr_text(base), "len": len}));
                iov_t.push(format!("{{iov_base={}, iov_len={len}}}", ptr_text(base)));
            }
        }
    }
    // More iovecs than were copied (`msg_iovlen` says how many): strace's mark for an array it
    // stopped printing.
    if (iov_j.len() as u64) < iovlen {
        iov_t.push("...".into());
    }
    (Value::Array(iov_j), format!("[{}]", iov_t.join(", ")))
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
            data: data.into(),
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
            netlink: None,
        };
        let a = args(&v);
        assert_eq!(a[0].json(), json!(3));
        assert_eq!(
            a[1].json(),
            json!({"family": "AF_UNIX", "path": "/tmp/s.sock"})
        );
        assert_eq!(a[1].text(), "{sa_family=AF_UNIX, sun_path=\"/tmp/s.sock\"}");
        assert_eq!(a[2].json(), json!(110));
    }

    /// An exec record's `CK_ARGV` capture of `strings` (all `want` bytes of them or the first),
    /// with `argc` when known.
    fn argv_cap(argc: Option<u32>, want: u32, strings: &[u8]) -> Capture {
        let mut data = argc.unwrap_or(0).to_le_bytes().to_vec();
        data.extend(u32::from(argc.is_some()).to_le_bytes());
        data.extend_from_slice(strings);
        cap(tracer_common::OP_INDEX_EXEC, CK_ARGV, want, &data)
    }

    /// execve's argv (json, text) as the decoder shows it, given the exit's captures.
    fn execve_argv(ret: i64, exit_caps: &[Capture]) -> (Value, String) {
        let path = cap(0, tracer_common::CK_STR, 0, b"/usr/bin/cat\0");
        let v = CallView {
            row: row("execve"),
            abi: Abi::X86_64,
            args: &[0x1000, 0x2000, 0x3000, 0, 0, 0],
            ret: Some(ret),
            enter_caps: std::slice::from_ref(&path),
            exit_caps,
            netlink: None,
        };
        let a = args(&v);
        assert_eq!(a[0].text(), "\"/usr/bin/cat\"");
        // The environment stays a pointer.
        assert_eq!(a[2].text(), "0x3000");
        (a[1].json().clone(), a[1].text().clone())
    }

    #[test]
    fn execve_argv_as_strace_shows_it() {
        let s = b"cat\0/etc/hostname\0";
        let (j, t) = execve_argv(0, &[argv_cap(Some(2), s.len() as u32, s)]);
        assert_eq!(t, r#"["cat", "/etc/hostname"]"#);
        assert_eq!(j, json!(["cat", "/etc/hostname"]));
        // Without argc (its read failed) the same, all bytes being there.
        let (_, t) = execve_argv(0, &[argv_cap(None, s.len() as u32, s)]);
        assert_eq!(t, r#"["cat", "/etc/hostname"]"#);
        // An empty string is an argument too.
        let (_, t) = execve_argv(0, &[argv_cap(Some(2), 3, b"a\0\0")]);
        assert_eq!(t, r#"["a", ""]"#);
    }

    #[test]
    fn execve_argv_empty() {
        let (j, t) = execve_argv(0, &[argv_cap(Some(0), 0, b"")]);
        assert_eq!((j, t.as_str()), (json!([]), "[]"));
    }

    /// What a program chose is escaped as strace escapes strings (quotes, controls in octal),
    /// valid UTF-8 kept, invalid bytes in hex, never a raw control byte.
    #[test]
    fn execve_argv_is_escaped() {
        let s = b"a\"b\\\0\x1b[31mred\ttab\n\0\xc3\xa9\xff\0\x1b1\0";
        let (j, t) = execve_argv(0, &[argv_cap(Some(4), s.len() as u32, s)]);
        assert_eq!(t, r#"["a\"b\\", "\33[31mred\ttab\n", "é\xff", "\0331"]"#);
        assert_eq!(j[1], json!("\\33[31mred\\ttab\\n"));
        assert!(crate::escape::is_inert(&t));
    }

    /// Cut at the kernel side's bound: a string cut short ends in `"..."...`, and `...` follows
    /// when the program has more arguments than shown.
    #[test]
    fn execve_argv_cut_at_the_bound() {
        // Cut inside the third of five strings.
        let (j, t) = execve_argv(0, &[argv_cap(Some(5), 600, b"gcc\0-O2\0-I/very/lo")]);
        assert_eq!(t, r#"["gcc", "-O2", "-I/very/lo"..., ...]"#);
        assert_eq!(
            j,
            json!({"argv": ["gcc", "-O2", "-I/very/lo"], "truncated": true, "argc": 5})
        );
        // Cut inside the last one: no more elements.
        let (_, t) = execve_argv(0, &[argv_cap(Some(3), 600, b"gcc\0-O2\0-I/very/lo")]);
        assert_eq!(t, r#"["gcc", "-O2", "-I/very/lo"...]"#);
        // Cut right after a string's NUL: more elements, none cut short.
        let (j, t) = execve_argv(0, &[argv_cap(Some(9), 600, b"gcc\0-O2\0")]);
        assert_eq!(t, r#"["gcc", "-O2", ...]"#);
        assert_eq!(j["truncated"], json!(true));
        // argc unknown: the bytes left unread say there is more after a whole string; after a
        // string cut short, nothing tells.
        let (j, t) = execve_argv(0, &[argv_cap(None, 600, b"gcc\0-O2\0")]);
        assert_eq!(t, r#"["gcc", "-O2", ...]"#);
        assert_eq!(j["argc"], Value::Null);
        let (_, t) = execve_argv(0, &[argv_cap(None, 600, b"gcc\0-O2\0-I/x")]);
        assert_eq!(t, r#"["gcc", "-O2", "-I/x"...]"#);
    }

    /// No exec record (a failed execve, a kernel without BTF, an old recording), or one whose
    /// read failed: the pointer, as before.
    #[test]
    fn execve_argv_missing_is_the_pointer() {
        let (j, t) = execve_argv(-2, &[]);
        assert_eq!((j, t.as_str()), (json!("0x2000"), "0x2000"));
        let mut fault = argv_cap(Some(1), 4, b"");
        fault.hdr.status = CAP_FAULT;
        fault.data.clear();
        let (_, t) = execve_argv(0, &[fault]);
        assert_eq!(t, "0x2000");
        // A capture too short for its header is not read past.
        let short = cap(tracer_common::OP_INDEX_EXEC, CK_ARGV, 4, b"\x01\0\0");
        assert_eq!(execve_argv(0, &[short]).1, "0x2000");
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
            data: crate::event::CapBytes::new(),
        };
        let v = CallView {
            row: row("connect"),
            abi: Abi::X86_64,
            args: &[3, 0xdead, 16, 0, 0, 0],
            ret: Some(-14),
            enter_caps: &[fault],
            exit_caps: &[],
            netlink: None,
        };
        assert_eq!(args(&v)[1].json(), json!({"fault": "0xdead"}));
        let null = Capture {
            hdr: CaptureHeader {
                status: CAP_NULL,
                ..Default::default()
            },
            data: crate::event::CapBytes::new(),
        };
        let v = CallView {
            row: row("connect"),
            abi: Abi::X86_64,
            args: &[3, 0, 16, 0, 0, 0],
            ret: Some(-14),
            enter_caps: &[null],
            exit_caps: &[],
            netlink: None,
        };
        assert_eq!(args(&v)[1].json(), Value::Null);
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
            netlink: None,
        };
        let a = args(&v);
        assert_eq!(
            a[1].json(),
            json!({"mtype": 2, "mtext": {"data": "second", "len": 100, "truncated": true}})
        );
        assert_eq!(a[1].text(), "{mtype=2, mtext=\"second\"...}");
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
            netlink: None,
        };
        assert_eq!(args(&v)[3].json(), json!(-2));
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
            netlink: None,
        };
        let a = args(&v);
        assert_eq!(a[1].json()["name"]["path"], "/tmp/m.sock");
        assert_eq!(
            a[1].json()["iov"],
            json!([{"data": "hello ", "len": 6}, {"data": "world", "len": 5}])
        );
        assert_eq!(a[1].json()["iovlen"], 2);
        assert!(
            a[1].text()
                .contains("msg_iov=[{iov_base=\"hello \", iov_len=6}"),
            "{}",
            a[1].text()
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
            netlink: None,
        };
        assert_eq!(
            args(&v)[2].json(),
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
        assert_eq!(args(&v)[2].json()["si_value"], 42);
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
            netlink: None,
        };
        assert_eq!(
            args(&v)[1].json(),
            json!({"handler": "0x5555", "mask": "[]", "flags": "SA_RESTORER|SA_SIGINFO",
                   "restorer": "0x0"})
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
            netlink: None,
        };
        assert_eq!(
            args(&v)[1].json(),
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
            netlink: None,
        };
        assert_eq!(args(&v)[0].json(), json!([3, 4]));
        // A capture cut short (a hostile or faulting pointer) is not misread.
        let caps = [cap(0, 1, 8, &fds[..3])];
        let v = CallView {
            exit_caps: &caps,
            ..v
        };
        assert_eq!(args(&v)[0].json(), json!("0x1000"));
    }

    fn with_status(mut c: Capture, status: u8, addr: u64) -> Capture {
        c.hdr.status = status;
        c.hdr.addr = addr;
        c.data.clear();
        c.hdr.len = 0;
        c
    }

    /// A `struct user_msghdr` (x86_64) naming `name` (20 bytes) and `iovlen` iovecs at `iov`.
    fn user_msghdr(name: u64, iov: u64, iovlen: u64) -> Vec<u8> {
        let mut hdr = vec![0u8; 56];
        hdr[0..8].copy_from_slice(&name.to_le_bytes());
        hdr[8..12].copy_from_slice(&20u32.to_le_bytes());
        hdr[16..24].copy_from_slice(&iov.to_le_bytes());
        hdr[24..32].copy_from_slice(&iovlen.to_le_bytes());
        hdr
    }

    fn iovec_array(entries: &[(u64, u64)]) -> Vec<u8> {
        entries
            .iter()
            .flat_map(|(base, len)| [base.to_le_bytes(), len.to_le_bytes()])
            .flatten()
            .collect()
    }

    fn sendmsg(caps: &[Capture], ret: i64) -> CallView<'_> {
        CallView {
            row: row("sendmsg"),
            abi: Abi::X86_64,
            args: &[4, 0x500, 0, 0, 0, 0],
            ret: Some(ret),
            enter_caps: caps,
            exit_caps: &[],
            netlink: None,
        }
    }

    /// Unreadable `msg_name` and `msg_iov` are shown as their addresses, marked: not as a
    /// NULL name and an empty array the program never passed.
    #[test]
    fn msghdr_with_control_messages_and_a_failed_recvmsg() {
        // One SCM_RIGHTS message (include/linux/socket.h: SOL_SOCKET 1, SCM_RIGHTS 1) of
        // descriptor 5: cmsg_len 20, CMSG_SPACE 24.
        let mut ctl = 20u64.to_le_bytes().to_vec();
        ctl.extend_from_slice(&1i32.to_le_bytes());
        ctl.extend_from_slice(&1i32.to_le_bytes());
        ctl.extend_from_slice(&5i32.to_le_bytes());
        ctl.extend_from_slice(&[0; 4]);
        let mut hdr = user_msghdr(0, 0, 0);
        hdr[32..40].copy_from_slice(&0x7000u64.to_le_bytes());
        hdr[40..48].copy_from_slice(&24u64.to_le_bytes());
        let caps = [
            cap(0, CK_MSGHDR, 56, &hdr),
            with_status(cap(0, CK_IOV, 0, &[]), CAP_NULL, 0),
            cap(0, CK_MSG_CONTROL, 24, &ctl),
        ];
        let v = sendmsg(&caps, 1);
        let (j, t) = msghdr(&v, 0, 0x500);
        assert_eq!(
            t,
            "{msg_name=NULL, msg_namelen=20, msg_iov=NULL, msg_iovlen=0, msg_control=[{cmsg_len=20, \
             cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}], msg_controllen=24, \
             msg_flags=0}"
        );
        assert_eq!(j["control"]["cmsgs"][0]["type"], "SCM_RIGHTS");
        assert_eq!(passed_fds(&v), vec![(1, 5)]);
        // A msg_controllen shorter than a cmsghdr: the pointer, as strace shows it.
        hdr[40..48].copy_from_slice(&8u64.to_le_bytes());
        let caps = [
            cap(0, CK_MSGHDR, 56, &hdr),
            cap(0, CK_MSG_CONTROL, 8, &ctl[..8]),
        ];
        let (_, t) = msghdr(&sendmsg(&caps, 1), 0, 0x500);
        assert!(t.contains(", msg_control=0x7000, msg_controllen=8,"), "{t}");
        // A failed recvmsg: the header copied at exit gives the length passed in, as strace's
        // `{msg_namelen=20}`.
        let exit = [cap(0, CK_MSGHDR, 56, &user_msghdr(0x1000, 0x2000, 1))];
        let v = CallView {
            row: row("recvmsg"),
            abi: Abi::X86_64,
            args: &[4, 0x500, 0x40, 0, 0, 0],
            ret: Some(-11),
            enter_caps: &[],
            exit_caps: &exit,
            netlink: None,
        };
        assert_eq!(msghdr(&v, 0, 0x500).1, "{msg_namelen=20}");
        assert!(passed_fds(&v).is_empty());
    }

    #[test]
    fn sendmsg_with_unmapped_name_and_iovec_array() {
        let caps = [
            cap(0, CK_MSGHDR, 56, &user_msghdr(0xdead_0000, 0xbeef_0000, 2)),
            with_status(cap(0, CK_MSG_NAME, 20, &[]), CAP_FAULT, 0xdead_0000),
            with_status(cap(0, CK_IOV, 32, &[]), CAP_FAULT, 0xbeef_0000),
        ];
        let a = &args(&sendmsg(&caps, -14))[1];
        assert_eq!(a.json()["name"], json!({"fault": "0xdead0000"}));
        assert_eq!(a.json()["iov"], json!({"fault": "0xbeef0000"}));
        assert_eq!(a.json()["iovlen"], 2);
        assert_eq!(
            a.text(),
            "{msg_name=0xdead0000 <fault>, msg_namelen=20, msg_iov=0xbeef0000 <fault>, msg_iovlen=2, \
             msg_controllen=0, msg_flags=0}"
        );
        // NULL pointers are NULL; a pointer with no copy of what it points at (the capture
        // space filled up) is the pointer, not NULL.
        let caps = [
            cap(0, CK_MSGHDR, 56, &user_msghdr(0x1000, 0, 0)),
            with_status(cap(0, CK_IOV, 0, &[]), CAP_NULL, 0),
        ];
        let a = &args(&sendmsg(&caps, -14))[1];
        assert_eq!(a.json()["name"], json!("0x1000"));
        assert_eq!(a.json()["iov"], Value::Null);
        assert!(
            a.text()
                .starts_with("{msg_name=0x1000, msg_namelen=20, msg_iov=NULL, msg_iovlen=0,"),
            "{}",
            a.text()
        );
    }

    /// Bytes cut by the snap length are marked as every other payload is; iovecs whose bytes
    /// were not copied show where they point; iovecs past the copied array are announced.
    #[test]
    fn sendmsg_iovecs_cut_by_the_snap_length() {
        let mut entries = vec![(0x3000u64, 6u64), (0x4000, 40), (0, 3), (0x5000, 7)];
        entries.extend((0..4).map(|i| (0x6000 + i * 0x100, 1)));
        let first = cap(0, CK_IOV_DATA, 6, b"hello ");
        // -s 16: ten bytes left for the second iovec, none for the others.
        let mut second = cap(0, CK_IOV_DATA, 10, b"0123456789");
        second.hdr.sub = 1;
        let caps = [
            cap(0, CK_MSGHDR, 56, &user_msghdr(0, 0x2000, 9)),
            cap(0, CK_IOV, 128, &iovec_array(&entries)),
            first,
            second,
        ];
        let a = &args(&sendmsg(&caps, 64))[1];
        assert_eq!(a.json()["iov"][0], json!({"data": "hello ", "len": 6}));
        assert_eq!(
            a.json()["iov"][1],
            json!({"data": "0123456789", "len": 40, "truncated": true})
        );
        assert_eq!(a.json()["iov"][2], json!({"base": "NULL", "len": 3}));
        assert_eq!(a.json()["iov"][3], json!({"base": "0x5000", "len": 7}));
        assert_eq!(a.json()["iov"].as_array().map(Vec::len), Some(8));
        assert_eq!(a.json()["iovlen"], 9);
        assert_eq!(a.json()["name"], Value::Null);
        assert!(
            a.text().starts_with(
                "{msg_name=NULL, msg_namelen=20, msg_iov=[{iov_base=\"hello \", iov_len=6}, \
                 {iov_base=\"0123456789\"..., iov_len=40}, {iov_base=NULL, iov_len=3}, \
                 {iov_base=0x5000, iov_len=7}, "
            ),
            "{}",
            a.text()
        );
        assert!(
            a.text().contains("iov_len=1}, ...], msg_iovlen=9"),
            "{}",
            a.text()
        );
    }

    /// recvmsg: bytes past what the call returned were not cut by `-s`, there were none.
    #[test]
    fn recvmsg_iovecs_hold_what_the_call_returned() {
        let data = cap(0, CK_IOV_DATA, 11, b"hello world");
        let caps = [
            cap(0, CK_MSGHDR, 56, &user_msghdr(0x1000, 0x2000, 2)),
            // The kernel wrote back a name length of 0: an unbound peer.
            cap(0, CK_MSG_NAME, 0, &[]),
            cap(0, CK_IOV, 32, &iovec_array(&[(0x3000, 4096), (0x4000, 10)])),
            data,
        ];
        let v = CallView {
            row: row("recvmsg"),
            abi: Abi::X86_64,
            args: &[4, 0x500, 0, 0, 0, 0],
            ret: Some(11),
            enter_caps: &[],
            exit_caps: &caps,
            netlink: None,
        };
        let a = &args(&v)[1];
        // The second iovec got none of the bytes: `""`, as strace shows it.
        assert_eq!(
            a.json()["iov"],
            json!([{"data": "hello world", "len": 4096}, {"data": "", "len": 10}])
        );
        assert_eq!(a.json()["name"], Value::Null);
        assert!(
            a.text().contains(
                "msg_iov=[{iov_base=\"hello world\", iov_len=4096}, {iov_base=\"\", iov_len=10}]"
            ),
            "{}",
            a.text()
        );
    }

    /// A call of `name` on x86_64 with these captures.
    fn call<'a>(
        name: &str,
        args: &'a [u64; 6],
        ret: i64,
        enter_caps: &'a [Capture],
        exit_caps: &'a [Capture],
    ) -> CallView<'a> {
        CallView {
            row: row(name),
            abi: Abi::X86_64,
            args,
            ret: Some(ret),
            enter_caps,
            exit_caps,
            netlink: None,
        }
    }

    /// The text of a call's arguments and return, as the text output joins them.
    fn line(v: &CallView<'_>) -> String {
        let a: Vec<String> = args(v).into_iter().map(|d| d.text()).collect();
        format!(
            "{}({}) = {}",
            v.row.name,
            a.join(", "),
            ret_text(v, v.ret.unwrap_or(0))
        )
    }

    fn data(sub: u8, bytes: &[u8]) -> Capture {
        let mut c = cap(0, CK_IOV_DATA, bytes.len() as u32, bytes);
        c.hdr.sub = sub;
        c
    }

    /// writev's iovecs with their bytes at entry; readv's at exit, the bytes returned spread
    /// over the iovecs in order, as strace shows them.
    #[test]
    fn readv_and_writev_iovecs() {
        let arr = iovec_array(&[(0x1000, 6), (0x2000, 5), (0x3000, 1)]);
        let caps = [
            cap(0, CK_IOV, 48, &arr),
            data(0, b"hello "),
            data(1, b"world"),
            data(2, b"!"),
        ];
        let args = [4, 0x500, 3, 0, 0, 0];
        assert_eq!(
            line(&call("writev", &args, 12, &caps, &[])),
            "writev(4, [{iov_base=\"hello \", iov_len=6}, {iov_base=\"world\", iov_len=5}, \
             {iov_base=\"!\", iov_len=1}], 3) = 12"
        );
        let arr = iovec_array(&[(0x1000, 4), (0x2000, 16), (0x3000, 8)]);
        let caps = [
            cap(0, CK_IOV, 48, &arr),
            data(0, b"hell"),
            data(1, b"o world!"),
        ];
        assert_eq!(
            line(&call("readv", &args, 12, &[], &caps)),
            "readv(4, [{iov_base=\"hell\", iov_len=4}, {iov_base=\"o world!\", iov_len=16}, \
             {iov_base=\"\", iov_len=8}], 3) = 12"
        );
        // A failed readv: the kernel wrote nothing, nothing was copied: the pointer.
        assert_eq!(
            line(&call("readv", &args, -11, &[], &[])),
            "readv(4, 0x500, 3) = -11"
        );
        // pwritev2's position in one number, its high half not shown.
        let caps = [
            cap(0, CK_IOV, 16, &iovec_array(&[(0x1000, 2)])),
            data(0, b"hi"),
        ];
        let args = [5, 0x500, 1, 7, 0, 2];
        assert_eq!(
            line(&call("pwritev2", &args, 2, &caps, &[])),
            "pwritev2(5, [{iov_base=\"hi\", iov_len=2}], 1, 7, 2) = 2"
        );
    }

    /// ia32's iovecs are two 32-bit words, its position two registers.
    #[test]
    fn ia32_iovecs_and_position() {
        let arr: Vec<u8> = [0x1000u32, 3, 0x2000, 9]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        let caps = [cap(0, CK_IOV, 16, &arr), data(0, b"abc"), data(1, b"de")];
        let v = CallView {
            abi: Abi::Ia32,
            ..call("preadv", &[3, 0x500, 2, 1, 1, 0], 5, &[], &caps)
        };
        assert_eq!(
            line(&v),
            "preadv(3, [{iov_base=\"abc\", iov_len=3}, {iov_base=\"de\", iov_len=9}], 2, 4294967297) = 5"
        );
    }

    fn longs(v: &[i64]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn time_arguments() {
        let ts = longs(&[0, 1000]);
        // clock_nanosleep's remaining time is shown only when a signal interrupted it.
        let args = [1, 0, 0x100, 0x200, 0, 0];
        let (enter, exit) = ([cap(0, 1, 16, &ts)], [cap(1, 1, 16, &longs(&[0, 400]))]);
        assert_eq!(
            line(&call("clock_nanosleep", &args, 0, &enter, &exit)),
            "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000}, 0x200) = 0"
        );
        assert_eq!(
            line(&call("clock_nanosleep", &args, -516, &enter, &exit)),
            "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000}, {tv_sec=0, tv_nsec=400}) = -516"
        );
        let its = longs(&[1, 2, 3, 4]);
        let zero = longs(&[0, 0, 0, 0]);
        assert_eq!(
            line(&call(
                "timerfd_settime",
                &[6, 0, 0x100, 0x200, 0, 0],
                0,
                &[cap(0, 1, 32, &its)],
                &[cap(1, 1, 32, &zero)]
            )),
            "timerfd_settime(6, 0, {it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=3, tv_nsec=4}}, \
             {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=0}}) = 0"
        );
        // ia32's clock_gettime (clock_gettime32): 32-bit fields.
        let exit = [cap(0, 1, 8, &[5, 0, 0, 0, 7, 0, 0, 0])];
        let v = CallView {
            abi: Abi::Ia32,
            ..call("clock_gettime", &[0, 0x100, 0, 0, 0, 0], 0, &[], &exit)
        };
        assert_eq!(
            line(&v),
            "clock_gettime(CLOCK_REALTIME, {tv_sec=5, tv_nsec=7}) = 0"
        );
        // ...and clock_gettime64 64-bit ones.
        let exit = [cap(0, 1, 16, &longs(&[5, 7]))];
        let v = CallView {
            abi: Abi::Ia32,
            ..call("clock_gettime64", &[0, 0x100, 0, 0, 0, 0], 0, &[], &exit)
        };
        assert_eq!(
            line(&v),
            "clock_gettime64(CLOCK_REALTIME, {tv_sec=5, tv_nsec=7}) = 0"
        );
        // A failed clock_gettime: the kernel wrote nothing: the pointer.
        assert_eq!(
            line(&call(
                "clock_gettime",
                &[99, 0x100, 0, 0, 0, 0],
                -22,
                &[],
                &[]
            )),
            "clock_gettime(0x63 /* CLOCK_??? */, 0x100) = -22"
        );
    }

    /// select's sets in at entry, the ready ones and the time left at exit.
    #[test]
    fn select_sets_and_time_left() {
        let set = |fds: &[usize]| {
            let mut d = vec![0u8; 5];
            for fd in fds {
                d[fd / 8] |= 1 << (fd % 8);
            }
            d
        };
        let args = [5, 0x100, 0x200, 0, 0x300, 0];
        let enter = [
            cap(0, 1, 5, &set(&[3, 4])),
            cap(1, 1, 5, &set(&[4])),
            with_status(cap(2, 1, 0, &[]), CAP_NULL, 0),
            cap(3, 1, 16, &longs(&[1, 0])),
        ];
        let exit = [
            cap(0, 1, 5, &set(&[3])),
            cap(1, 1, 5, &set(&[4])),
            cap(3, 1, 16, &longs(&[0, 999])),
        ];
        assert_eq!(
            line(&call("select", &args, 2, &enter, &exit)),
            "select(5, [3 4], [4], NULL, {tv_sec=1, tv_usec=0}) = 2 (in [3], out [4], left {tv_sec=0, tv_usec=999})"
        );
        assert_eq!(
            line(&call("select", &args, 0, &enter, &exit)),
            "select(5, [3 4], [4], NULL, {tv_sec=1, tv_usec=0}) = 0 (Timeout)"
        );
        // pselect6's timespec, and its sigmask argument left a pointer.
        let args = [5, 0x100, 0, 0, 0x300, 0x400];
        let enter = [cap(0, 1, 5, &set(&[3])), cap(3, 1, 16, &longs(&[1, 5]))];
        let exit = [cap(0, 1, 5, &set(&[3])), cap(3, 1, 16, &longs(&[0, 7]))];
        assert_eq!(
            line(&call("pselect6", &args, 1, &enter, &exit)),
            "pselect6(5, [3], NULL, NULL, {tv_sec=1, tv_nsec=5}, 0x400) = 1 (in [3], left {tv_sec=0, tv_nsec=7})"
        );
    }

    #[test]
    fn ppoll_time_left_and_sigtimedwait_signal() {
        let pfd = |rev: u16| {
            let mut d = 3i32.to_le_bytes().to_vec();
            d.extend(1u16.to_le_bytes());
            d.extend(rev.to_le_bytes());
            d
        };
        let args = [0x100, 1, 0x200, 0, 8, 0];
        let enter = [cap(0, 1, 8, &pfd(0)), cap(2, 1, 16, &longs(&[1, 5]))];
        let exit = [cap(1, 1, 8, &pfd(1)), cap(2, 1, 16, &longs(&[0, 9]))];
        assert_eq!(
            line(&call("ppoll", &args, 1, &enter, &exit)),
            "ppoll([{fd=3, events=POLLIN}], 1, {tv_sec=1, tv_nsec=5}, NULL, 8) = 1 ([{fd=3, revents=POLLIN}], left {tv_sec=0, tv_nsec=9})"
        );
        let enter = [
            cap(0, 1, 8, &(1u64 << 9).to_le_bytes()),
            cap(2, 1, 16, &longs(&[0, 1000])),
        ];
        let mut info = vec![0u8; 48];
        info[0] = 10;
        info[16] = 7;
        let exit = [cap(1, 1, 48, &info)];
        let args = [0x100, 0x300, 0x200, 8, 0, 0];
        assert_eq!(
            line(&call("rt_sigtimedwait", &args, 10, &enter, &exit)),
            "rt_sigtimedwait([USR1], {si_signo=SIGUSR1, si_code=SI_USER, si_pid=7, si_uid=0}, \
             {tv_sec=0, tv_nsec=1000}, 8) = 10 (SIGUSR1)"
        );
        // Failed (EAGAIN): nothing was written, the pointer.
        assert_eq!(
            line(&call("rt_sigtimedwait", &args, -11, &enter, &[])),
            "rt_sigtimedwait([USR1], 0x300, {tv_sec=0, tv_nsec=1000}, 8) = -11"
        );
    }

    /// `msgsnd` with a size the capture clamps: the size the program passed, not the clamp.
    #[test]
    fn msgsnd_shows_the_size_passed_not_the_clamp() {
        let huge = 1u64 << 40;
        let mut text = cap(1, 1, u32::MAX, b"payload");
        text.hdr.want = u32::MAX;
        let caps = [cap(0, 1, 8, &2i64.to_le_bytes()), text];
        let v = CallView {
            row: row("msgsnd"),
            abi: Abi::X86_64,
            args: &[5, 0x1000, huge, 0, 0, 0],
            ret: Some(-22),
            enter_caps: &caps,
            exit_caps: &[],
            netlink: None,
        };
        let a = args(&v);
        assert_eq!(
            a[1].json()["mtext"],
            json!({"data": "payload", "len": huge, "truncated": true})
        );
        assert_eq!(a[2].json(), json!(huge));
        // A write's count likewise.
        let mut buf = cap(0, 1, u32::MAX, b"x");
        buf.hdr.want = u32::MAX;
        let caps = [buf];
        let v = CallView {
            row: row("write"),
            args: &[1, 0x1000, huge + 5, 0, 0, 0],
            enter_caps: &caps,
            ..v
        };
        assert_eq!(args(&v)[1].json()["len"], json!(huge + 5));
    }

    /// The text after a readable `mtype` that faulted, or was never copied, is its address.
    #[test]
    fn msgsnd_text_unreadable_after_its_mtype() {
        let caps = [
            cap(0, 1, 8, &7i64.to_le_bytes()),
            with_status(cap(1, 1, 16, &[]), CAP_FAULT, 0x1008),
        ];
        let v = CallView {
            row: row("msgsnd"),
            abi: Abi::X86_64,
            args: &[5, 0x1000, 16, 0, 0, 0],
            ret: Some(-14),
            enter_caps: &caps,
            exit_caps: &[],
            netlink: None,
        };
        let a = &args(&v)[1];
        assert_eq!(a.json(), json!({"mtype": 7, "mtext": {"fault": "0x1008"}}));
        assert_eq!(a.text(), "{mtype=7, mtext=0x1008 <fault>}");
        let v = CallView {
            enter_caps: &caps[..1],
            ..v
        };
        assert_eq!(args(&v)[1].json()["mtext"], json!("0x1008"));
    }

    /// Copies cut short (only a damaged recording has them) are not read as zeros.
    #[test]
    fn short_fixed_copies_are_not_filled_with_zeros() {
        let caps = [cap(0, 1, 32, &[0x55; 12])];
        let v = CallView {
            row: row("rt_sigaction"),
            abi: Abi::X86_64,
            args: &[10, 0x1000, 0, 8, 0, 0],
            ret: Some(0),
            enter_caps: &caps,
            exit_caps: &[],
            netlink: None,
        };
        assert_eq!(args(&v)[1].json(), json!("0x1000"));
        let v = CallView {
            row: row("rt_sigqueueinfo"),
            args: &[7, 10, 0x2000, 0, 0, 0],
            ..v
        };
        assert_eq!(args(&v)[2].json(), json!("0x2000"));
        let caps = [cap(0, CK_MSGHDR, 56, &user_msghdr(0, 0, 0)[..30])];
        assert_eq!(args(&sendmsg(&caps, 0))[1].json(), json!("0x500"));
    }

    /// More semaphore operations than were copied: the text says the array goes on.
    #[test]
    fn semop_with_more_operations_than_copied() {
        let sops: Vec<u8> = (0..16u16)
            .flat_map(|n| [n.to_le_bytes(), 1i16.to_le_bytes(), 0u16.to_le_bytes()])
            .flatten()
            .collect();
        let caps = [cap(0, 1, 6 * 100, &sops)];
        let v = CallView {
            row: row("semop"),
            abi: Abi::X86_64,
            args: &[3, 0x1000, 100, 0, 0, 0],
            ret: Some(-7),
            enter_caps: &caps,
            exit_caps: &[],
            netlink: None,
        };
        let a = &args(&v)[1];
        assert_eq!(a.json().as_array().map(Vec::len), Some(16));
        assert!(
            a.text()
                .ends_with("{sem_num=15, sem_op=1, sem_flg=0}, ...]"),
            "{}",
            a.text()
        );
    }

    /// An `int` argument is the register's low half, sign-extended, as the kernel takes it:
    /// garbage in the upper half is not shown. A `long` (msgrcv's msgtyp) keeps the register.
    #[test]
    fn an_int_is_32_bits_and_a_long_is_the_register() {
        let garbage = 0x0def_0000_0000_0000u64;
        let semid = garbage | u64::from((-38_177_487i32) as u32);
        let v = CallView {
            row: row("semop"),
            abi: Abi::X86_64,
            args: &[semid, 0, 0, 0, 0, 0],
            ret: Some(-22),
            enter_caps: &[],
            exit_caps: &[],
            netlink: None,
        };
        let a = &args(&v)[0];
        assert_eq!(
            (a.json().clone(), a.text().as_str()),
            (json!(-38_177_487), "-38177487")
        );
        let msgtyp = (-5i64) as u64;
        let v = CallView {
            row: row("msgrcv"),
            args: &[3, 0, 16, msgtyp, 0, 0],
            ..v
        };
        assert_eq!(args(&v)[3].json(), json!(-5));
        let v = CallView {
            args: &[3, 0, 16, 1 << 40, 0, 0],
            ..v
        };
        assert_eq!(args(&v)[3].json(), json!(1u64 << 40));
        // On ia32 a long is 32 bits too.
        let v = CallView {
            abi: Abi::Ia32,
            args: &[3, 0, 16, 0xffff_fffb, 0, 0],
            ..v
        };
        assert_eq!(args(&v)[3].json(), json!(-5));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape(b"hi\n\x00\"\\\xff"), "hi\\n\\x00\\\"\\\\\\xff");
        // strace's octal, three digits only before an octal digit.
        assert_eq!(quote(b"\x7fELF\x02\x01\x00\x10t"), "\\177ELF\\2\\1\\0\\20t");
        assert_eq!(quote(b"\x001\x008\x1b[\x0b\x0c"), "\\0001\\08\\33[\\v\\f");
    }
}
