//! JSON Lines records written from typed structures (serde), into the writer's reused buffer:
//! no `serde_json::Value` tree and no map per call. The schema is docs/trace-format.md's.
//!
//! A call's journey is written once per distinct template as a `path` record; the call refers
//! to it by `path` and carries only what probes observed on it (`observed`).
//! [`inline_paths`] turns a reader's records back into self-contained calls.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use tracer_common::{FileId, SYS_F_ARGS_FAULT};

use crate::decode::Decoded;
use crate::kernel::path::Step;
use crate::trace::Call;

/// Bytes from a program's memory as a JSON string's content: printable ASCII as it is, C
/// escapes for the rest, `\xNN` for any byte without one ([`crate::decode::escape`]'s rules),
/// formatted as it is written (no string built first).
pub struct Escaped<'a>(pub &'a [u8]);

impl Escaped<'_> {
    /// The escaped text, piece by piece: runs of printable ASCII as they are, and an escape
    /// for each other byte.
    fn each<E>(&self, mut f: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut plain = 0;
        for (i, &b) in self.0.iter().enumerate() {
            let esc: &str = match b {
                b'\n' => "\\n",
                b'\t' => "\\t",
                b'\r' => "\\r",
                b'\\' => "\\\\",
                b'"' => "\\\"",
                0x20..=0x7e => continue,
                _ => "",
            };
            // Printable ASCII: valid UTF-8 as it is.
            f(std::str::from_utf8(&self.0[plain..i]).unwrap_or_default())?;
            plain = i + 1;
            if esc.is_empty() {
                let x = [
                    b'\\',
                    b'x',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ];
                f(std::str::from_utf8(&x).unwrap_or_default())?;
            } else {
                f(esc)?;
            }
        }
        f(std::str::from_utf8(&self.0[plain..]).unwrap_or_default())
    }

    /// The escaped text appended to `s` (what `Display` writes, without a formatter).
    pub fn push_to(&self, s: &mut String) {
        let _ = self.each(|p| {
            s.push_str(p);
            Ok::<(), ()>(())
        });
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.each(|p| f.write_str(p))
    }
}

impl Serialize for Escaped<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A number as a hexadecimal string (`"0x7ffd1234"`), as addresses are written.
pub struct Hex(pub u64);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:#x}", self.0))
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(if self.is_func { "func" } else { "step" }, &self.func)?;
        m.serialize_entry("observed", &self.observed)?;
        if let Some(n) = &self.note {
            m.serialize_entry("note", n)?;
        }
        if !self.args.is_empty() {
            m.serialize_entry("args", &Pairs(&self.args))?;
        }
        if let Some(r) = self.ret {
            m.serialize_entry("ret", &r)?;
        }
        if let Some(mech) = self.mech {
            m.serialize_entry("mech", mech)?;
        }
        m.end()
    }
}

/// `[(name, value)]` as a JSON object.
struct Pairs<'a>(&'a [(&'static str, i64)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A `path` record: a journey template, numbered.
pub struct PathRecord<'a> {
    pub id: u32,
    pub steps: &'a [Step],
}

impl Serialize for PathRecord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("type", "path")?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("steps", self.steps)?;
        m.end()
    }
}

/// The descriptors a call created, as the kernel saw them at its exit (`files`).
struct Files<'a>(&'a Call);

impl Serialize for Files<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(None)?;
        for f in self.0.created_files() {
            q.serialize_element(&File(f))?;
        }
        q.end()
    }
}

struct File(FileId);

impl Serialize for File {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = match self.0.mode & libc::S_IFMT {
            libc::S_IFSOCK => "socket",
            libc::S_IFIFO => "fifo",
            _ => "other",
        };
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("fd", &self.0.fd)?;
        m.serialize_entry("ino", &self.0.ino)?;
        m.serialize_entry("type", kind)?;
        m.end()
    }
}

/// A `syscall` (or `pending`) record: everything but the journey's template, which the
/// `path` record `path` holds.
pub struct CallRecord<'a> {
    pub kind: &'static str,
    pub call: &'a Call,
    /// The decoded arguments (empty when the entry was not seen or its array unreadable).
    pub args: &'a [Decoded<'a>],
    /// The journey's template (`None` when the entry was not seen), and the kernel functions
    /// probes observed on this call.
    pub path: Option<u32>,
    pub observed: &'a [Step],
    pub error_from: Option<&'a str>,
    pub errno: Option<std::borrow::Cow<'static, str>>,
    pub markers: &'a [&'static str],
}

impl CallRecord<'_> {
    /// The record as one JSON object, appended to `out` (no newline).
    #[cfg(test)]
    pub fn write_into(&self, out: &mut Vec<u8>) {
        self.write_with(out, None);
    }

    /// [`CallRecord::write_into`], its fields from `pid` to `syscall` through `heads` when
    /// given.
    pub fn write_with(&self, out: &mut Vec<u8>, heads: Option<&mut Heads>) {
        let c = self.call;
        // The fields every record has, as literal pieces; the names of the kind, ABI, entry
        // and syscall are tracer's own identifiers, written as they are.
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(self.kind.as_bytes());
        out.extend_from_slice(b"\",\"ts_ns\":");
        match c.enter_ns.or(c.exit_ns) {
            Some(t) => num_into(out, t),
            None => out.extend_from_slice(b"null"),
        }
        let mut heads = heads;
        match heads.as_deref_mut() {
            Some(h) => h.write(c, out),
            None => head_into(c, out),
        }
        let mut m = Obj::continuing(out);
        if let Some((disp, num, name)) = c.dispatcher() {
            m.serde(disp, &Dispatch { call: c, num, name });
        } else if c.flags & tracer_common::SYS_F_BAD_CALL != 0 {
            let d = Dispatch {
                call: c,
                num: c.raw_args[0] as u32,
                name: None,
            };
            m.serde(c.row.name, &d);
        }
        if c.flags & SYS_F_ARGS_FAULT != 0 {
            // socketcall's argument array could not be read: there are no arguments to show.
            m.serde("args", &Unreadable(c.raw_args[1]));
        } else {
            let mut a = Obj::new(m.key("args"));
            for d in self.args {
                d.val.json_into(a.key(d.name));
            }
            a.end();
        }
        if c.enter_ns.is_some() {
            let o = m.key("raw_args");
            match heads {
                Some(h) => h.write_raw(c, o),
                None => raw_args_into(&c.raw_args, o),
            }
        }
        if let Some(ret) = c.ret {
            m.i64("ret", ret);
            match &self.errno {
                Some(e) => m.str("errno", e),
                None => m.raw("errno", b"null"),
            }
        }
        if let Some(d) = c.dur_ns() {
            m.u64("dur_ns", d);
        }
        if c.created_files().next().is_some() {
            m.serde("files", &Files(c));
        }
        if let Some(p) = self.path {
            m.u64("path", u64::from(p));
        }
        if !self.observed.is_empty() {
            m.serde("observed", self.observed);
        }
        if let Some(f) = self.error_from {
            m.str("error_from", f);
        }
        if c.ret.is_none() && self.kind == "syscall" {
            m.raw("unfinished", b"true");
        }
        if c.enter_ns.is_none() {
            m.raw("enter_missing", b"true");
        }
        if !self.markers.is_empty() {
            m.serde("markers", self.markers);
        }
        m.end();
    }
}

/// The fields of a call record from `pid` to `syscall`:
/// `,"pid":P,"tid":T,"comm":"C","abi":"A","entry":"E","nr":N,"syscall":"S"`.
fn head_into(c: &Call, out: &mut Vec<u8>) {
    out.extend_from_slice(b",\"pid\":");
    num_into(out, u64::from(c.pid));
    out.extend_from_slice(b",\"tid\":");
    num_into(out, u64::from(c.tid));
    out.extend_from_slice(b",\"comm\":");
    str_into(out, &c.comm);
    out.extend_from_slice(b",\"abi\":\"");
    out.extend_from_slice(c.abi.name().as_bytes());
    out.extend_from_slice(b"\",\"entry\":\"");
    out.extend_from_slice(c.entry_name().as_bytes());
    out.extend_from_slice(b"\",\"nr\":");
    num_into(out, u64::from(c.nr));
    out.extend_from_slice(b",\"syscall\":\"");
    out.extend_from_slice(c.row.name.as_bytes());
    out.push(b'"');
}

/// `[a,b,c,d,e,f]`: the registers as the call entered.
fn raw_args_into(raw: &[u64; 6], out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, v) in raw.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        num_into(out, *v);
    }
    out.push(b']');
}

/// [`head_into`]'s bytes, kept for the calls a thread makes again and again (a server's
/// `read`/`write`): one copy instead of a dozen pieces, three numbers and a name's escaping;
/// and the call's `raw_args` text, which a loop often repeats too (the same descriptor,
/// buffer and length). Direct-mapped by thread and call number, 64 slots; a slot is used only
/// when everything its bytes say matches the call.
pub struct Heads {
    slots: Vec<Head>,
}

#[derive(Default)]
struct Head {
    key: Option<HeadKey>,
    bytes: Vec<u8>,
    /// `raw_args_into` of `raw` (empty: none yet).
    raw: [u64; 6],
    raw_bytes: Vec<u8>,
}

struct HeadKey {
    pid: u32,
    tid: u32,
    nr: u32,
    abi: crate::syscalls::Abi,
    entry: u8,
    name: &'static str,
    comm: std::sync::Arc<str>,
}

impl HeadKey {
    fn of(c: &Call) -> HeadKey {
        HeadKey {
            pid: c.pid,
            tid: c.tid,
            nr: c.nr,
            abi: c.abi,
            entry: c.entry,
            name: c.row.name,
            comm: c.comm.clone(),
        }
    }

    fn is(&self, c: &Call) -> bool {
        self.tid == c.tid
            && self.nr == c.nr
            && self.pid == c.pid
            && self.abi == c.abi
            && self.entry == c.entry
            && self.name == c.row.name
            && (std::sync::Arc::ptr_eq(&self.comm, &c.comm) || *self.comm == *c.comm)
    }
}

impl Default for Heads {
    fn default() -> Heads {
        Heads {
            slots: (0..64).map(|_| Head::default()).collect(),
        }
    }
}

impl Heads {
    fn slot(&mut self, c: &Call) -> Option<&mut Head> {
        let h = c.tid.wrapping_mul(0x9e37_79b9) ^ c.nr.wrapping_mul(0x85eb_ca6b);
        self.slots.get_mut((h >> 26) as usize)
    }

    /// `raw_args_into` of `c`'s registers, appended to `out`.
    pub fn write_raw(&mut self, c: &Call, out: &mut Vec<u8>) {
        let Some(slot) = self.slot(c) else {
            return raw_args_into(&c.raw_args, out);
        };
        if slot.raw_bytes.is_empty() || slot.raw != c.raw_args {
            slot.raw_bytes.clear();
            raw_args_into(&c.raw_args, &mut slot.raw_bytes);
            slot.raw = c.raw_args;
        }
        out.extend_from_slice(&slot.raw_bytes);
    }

    /// [`head_into`] of `c`, appended to `out`.
    pub fn write(&mut self, c: &Call, out: &mut Vec<u8>) {
        let Some(slot) = self.slot(c) else {
            return head_into(c, out);
        };
        if !slot.key.as_ref().is_some_and(|k| k.is(c)) {
            slot.bytes.clear();
            head_into(c, &mut slot.bytes);
            slot.key = Some(HeadKey::of(c));
        }
        out.extend_from_slice(&slot.bytes);
    }
}

/// A JSON object written straight into a byte buffer, as serde_json would write it: the hot
/// records (a call, its arguments, its descriptors) without a serializer's map machinery,
/// which escapes every key at run time. Keys are tracer's own names (identifiers, written as
/// they are); strings from anywhere else are escaped ([`str_into`]).
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// An object whose `{` and first fields the caller wrote (as literal pieces, the fields
    /// every record of its kind has).
    pub fn continuing(out: &'a mut Vec<u8>) -> Obj<'a> {
        Obj { out, first: false }
    }

    /// `"key":`, after a comma when not the first: the buffer, for the value.
    #[inline]
    pub fn key(&mut self, key: &str) -> &mut Vec<u8> {
        debug_assert!(
            key.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        );
        // Three pieces, not one assembled on the stack first: reading back a block whose
        // bytes were just stored one by one stalls (store forwarding), which cost more than
        // the copies it saved.
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    #[inline]
    pub fn u64(&mut self, key: &str, v: u64) {
        self.raw(key, itoa::Buffer::new().format(v).as_bytes());
    }

    #[inline]
    pub fn i64(&mut self, key: &str, v: i64) {
        self.raw(key, itoa::Buffer::new().format(v).as_bytes());
    }

    #[inline]
    pub fn str(&mut self, key: &str, v: &str) {
        str_into(self.key(key), v);
    }

    /// Bytes that already are JSON (`true`, `null`, a number).
    #[inline]
    pub fn raw(&mut self, key: &str, json: &[u8]) {
        self.key(key).extend_from_slice(json);
    }

    /// Anything else, through serde.
    pub fn serde(&mut self, key: &str, v: &(impl Serialize + ?Sized)) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *self.key(key), v);
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// `n` in decimal.
pub fn num_into(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `s` as a JSON string, as serde_json escapes it: printable ASCII other than `"` and `\\`
/// copied as it is, anything else through serde_json.
pub fn str_into(out: &mut Vec<u8>, s: &str) {
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// `Escaped(bytes)` as a JSON string, written a byte at a time: the C escapes of
/// [`Escaped`] with their backslash escaped again for JSON (`\n` in the text, `\\n` in
/// the file), as serde_json writes `Escaped`'s text.
pub fn escaped_into(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut plain = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'\n' => b"\\\\n",
            b'\t' => b"\\\\t",
            b'\r' => b"\\\\r",
            b'\\' => b"\\\\\\\\",
            b'"' => b"\\\\\\\"",
            0x20..=0x7e => continue,
            _ => b"",
        };
        out.extend_from_slice(&bytes[plain..i]);
        plain = i + 1;
        if esc.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'\\',
                b'x',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        } else {
            out.extend_from_slice(esc);
        }
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

/// `{"args_unreadable": "0x..."}`.
struct Unreadable(u64);

impl Serialize for Unreadable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("args_unreadable", &Hex(self.0))?;
        m.end()
    }
}

/// The dispatcher's object: `{"call": 2, "name": "bind", "args_ptr": "0x...", "array": [...]}`
/// (the argument array as the kernel's `copy_from_user` read it, for socketcall).
struct Dispatch<'a> {
    call: &'a Call,
    num: u32,
    name: Option<&'static str>,
}

impl Serialize for Dispatch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.call;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("call", &self.num)?;
        m.serialize_entry("name", &self.name)?;
        if c.dispatcher().is_some_and(|(d, ..)| d == "socketcall")
            && c.flags & SYS_F_ARGS_FAULT == 0
        {
            m.serialize_entry("args_ptr", &Hex(c.raw_args[1]))?;
            m.serialize_entry("array", &c.args[..c.row.args.len().min(6)])?;
        }
        m.end()
    }
}

/// Records as a reader of an older, self-contained trace saw them: each call that refers to a
/// `path` gets that template as its `kernel_path`, with the steps its `observed` list names
/// marked (the others appended, in the order they ran), and the `path` records are dropped.
pub fn inline_paths(records: Vec<Value>) -> Vec<Value> {
    let mut paths: std::collections::HashMap<u64, Value> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(records.len());
    for mut r in records {
        if r["type"] == "path" {
            if let Some(id) = r["id"].as_u64() {
                paths.insert(id, r["steps"].take());
            }
            continue;
        }
        if let Some(id) = r["path"].as_u64()
            && let Some(obj) = r.as_object_mut()
        {
            let mut steps = paths.get(&id).cloned().unwrap_or(Value::Array(Vec::new()));
            if let (Some(list), Some(Value::Array(seen))) =
                (steps.as_array_mut(), obj.remove("observed"))
            {
                for o in seen {
                    match list
                        .iter_mut()
                        .find(|s| s["func"] == o["func"] && s["observed"] == false)
                    {
                        Some(s) => *s = o,
                        None => list.push(o),
                    }
                }
            }
            obj.remove("path");
            obj.insert("kernel_path".into(), steps);
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn escaped_writes_what_escape_builds() {
        let b = b"a\"b\\c\n\t\r\x00\x7f\xffz";
        assert_eq!(Escaped(b).to_string(), crate::decode::escape(b));
        assert_eq!(Escaped(b"").to_string(), "");
        let mut s = String::new();
        let _ = write!(s, "{}", Escaped(b"\x01end"));
        assert_eq!(s, "\\x01end");
        assert_eq!(
            serde_json::to_string(&Escaped(b"q\"\x02")).unwrap(),
            r#""q\\\"\\x02""#
        );
    }

    /// The hand-written JSON is what serde_json writes for the same text, byte for byte.
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let all: Vec<u8> = (0..=255).collect();
        for b in [&all[..], b"", b"plain", b"q\"b\\s\n\t\r\x7f\x00end"] {
            let mut out = Vec::new();
            escaped_into(&mut out, b);
            assert_eq!(out, serde_json::to_vec(&Escaped(b)).unwrap(), "{b:?}");
            let text = String::from_utf8_lossy(b);
            let mut out = Vec::new();
            str_into(&mut out, &text);
            assert_eq!(out, serde_json::to_vec(&*text).unwrap(), "{text:?}");
        }
        for t in ["tbench", "a\\x01b", "名前", "\u{7f}", "q\"", ""] {
            let mut out = Vec::new();
            str_into(&mut out, t);
            assert_eq!(out, serde_json::to_vec(t).unwrap(), "{t:?}");
        }
    }

    #[test]
    fn an_object_is_valid_json_with_its_fields_in_order() {
        let mut out = b"[".to_vec();
        let mut m = Obj::new(&mut out);
        m.u64("a", u64::MAX);
        m.i64("b", -4095);
        m.str("c", "x\"y");
        m.raw("d", b"null");
        m.serde("e", &[1, 2]);
        let mut inner = Obj::new(m.key("f"));
        inner.raw("g", b"true");
        inner.end();
        m.end();
        out.push(b']');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"[{"a":18446744073709551615,"b":-4095,"c":"x\"y","d":null,"e":[1,2],"f":{"g":true}}]"#
        );
    }

    #[test]
    fn inline_paths_marks_what_was_observed() {
        let recs: Vec<Value> = [
            r#"{"type":"path","id":1,"steps":[{"func":"a","observed":false},{"func":"b","observed":false}]}"#,
            r#"{"type":"syscall","path":1,"observed":[{"func":"b","observed":true,"ret":0,"mech":"kprobe"},{"func":"c","observed":true,"mech":"kprobe"}]}"#,
            r#"{"type":"syscall","path":1}"#,
            r#"{"type":"summary"}"#,
        ]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
        let out = inline_paths(recs);
        assert_eq!(out.len(), 3);
        let funcs = |v: &Value| -> Vec<(String, bool)> {
            v["kernel_path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["func"].as_str().unwrap().to_string(),
                        s["observed"] == true,
                    )
                })
                .collect()
        };
        assert_eq!(
            funcs(&out[0]),
            [("a".into(), false), ("b".into(), true), ("c".into(), true)]
        );
        assert_eq!(out[0]["kernel_path"][1]["ret"], 0);
        assert!(out[0].get("observed").is_none() && out[0].get("path").is_none());
        assert_eq!(funcs(&out[1]), [("a".into(), false), ("b".into(), false)]);
    }
}
