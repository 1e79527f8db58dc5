//! A call's journey into the kernel (`kernel_path`): the entry code, the dispatch to the
//! syscall's function, the functions that do the work and the protocol operation, each marked
//! observed (a probe fired for this very call) or inferred (what this kernel's code does, read
//! from its symbols: a function missing from `/proc/kallsyms` is not shown as if it could be
//! probed).
//!
//! What changed between the kernels tracer is tested on (Linux 6.1 and 6.18):
//! - Linux 6.9 replaced the indirect call through `sys_call_table[nr]` with a `switch` in
//!   `x64_sys_call()` / `ia32_sys_call()` (arch/x86/entry/syscall_64.c, syscall_32.c; a Spectre
//!   branch-history hardening). `sys_call_table` remains only as data for tracers.
//! - Linux 6.7 made `int $0x80` an IDT entry of its own (`asm_int80_emulation` ->
//!   `int80_emulation`, commit be5341eb0d43, backported to 6.1 and 6.6 stable) instead of
//!   `entry_INT80_compat` -> `do_int80_syscall_32`; Linux 6.9 (7390db8aea0d) made
//!   `int80_emulation` an assembly stub (entry_64_compat.S) in front of the C function, then
//!   renamed `do_int80_emulation` (arch/x86/entry/syscall_32.c; common.c in 6.1).
//! - Linux 6.11 split `__sys_bind` into `__sys_bind` and `__sys_bind_socket` (net/socket.c,
//!   commit dc2e77979412, for io_uring's IORING_OP_BIND).

use super::ksyms::Ksyms;
use crate::decode::sockaddr::SockAddr;
use crate::fasthash::FastMap;
use crate::syscalls::kfunc::{self, Family, KFunc};
use crate::syscalls::{Abi, Dispatcher, Row};
use crate::trace::{Call, Hop};
use crate::usersym::UserFrame;
use std::sync::Arc;
use tracer_common::MECH_UPROBE;
use tracer_common::{
    ENTRY_INT80, ENTRY_SYSCALL, ENTRY_SYSENTER, HOP_ENTRY, HOP_EXIT, MECH_FENTRY, TABLE_IPC,
    TABLE_SOCKETCALL,
};

/// One step of the journey.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// A kernel function, or for `is_func == false` a step that is not a function of its own
    /// (a table lookup, an inline copy, a `switch`).
    pub func: String,
    pub is_func: bool,
    /// What happens there, for steps that are not plain calls (a table lookup, a switch).
    pub note: Option<String>,
    pub observed: bool,
    /// Arguments seen by the probe, by name.
    pub args: Vec<(&'static str, i64)>,
    pub ret: Option<i64>,
    pub mech: Option<&'static str>,
}

impl Step {
    fn inferred(func: impl Into<String>, note: Option<String>) -> Step {
        Step {
            func: func.into(),
            is_func: true,
            note,
            observed: false,
            args: Vec::new(),
            ret: None,
            mech: None,
        }
    }

    /// A step that is not a function of its own (a table lookup, an inline copy, a `switch`).
    fn non_func(what: impl Into<String>, note: Option<String>) -> Step {
        Step {
            is_func: false,
            ..Step::inferred(what, note)
        }
    }

    pub fn to_text(&self) -> String {
        let mut s = format!("{} {}", if self.observed { "*" } else { "." }, self.func);
        if !self.args.is_empty() {
            let a: Vec<String> = self.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("({})", a.join(", ")));
        }
        if let Some(r) = self.ret {
            s.push_str(&format!(" = {r}"));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("  [{n}]"));
        }
        s
    }
}

/// The function that made the call: the C library's wrapper, the program's own code, or the
/// vDSO. Observed from the saved user instruction pointer (`usersym`), or, with
/// `--wrapper-probes`, from the uprobe on the wrapper, which also saw where it was called from.
fn user_step(call: &Call) -> Step {
    let probed = call
        .hops
        .iter()
        .find(|h| h.mech == MECH_UPROBE)
        .and_then(|h| Some((h, super::libc::from_cookie(h.func_ip)?)));
    if let Some((h, (func, lib))) = probed {
        return Step {
            func: format!("{func}()"),
            is_func: true,
            note: Some(format!(
                "libc wrapper in {lib}, called from {:#x}",
                h.ret as u64
            )),
            observed: true,
            args: Vec::new(),
            ret: None,
            mech: Some("uprobe"),
        };
    }
    if let Some(at) = &call.user_at {
        let whose = match (at.file.as_deref(), at.func.as_deref()) {
            (Some("[vdso]"), _) => "in the vDSO".to_string(),
            (Some(file), _) => format!("in {file}"),
            (None, _) => "in memory no file backs".to_string(),
        };
        return Step {
            func: at.to_string(),
            is_func: true,
            note: Some(format!(
                "the saved user instruction pointer {:#x}, {whose}: the instruction after the one that entered the kernel",
                call.user_ip
            )),
            observed: true,
            args: Vec::new(),
            ret: None,
            mech: Some("user ip"),
        };
    }
    if call.user_ip != 0 {
        return Step {
            func: format!("{:#x}", call.user_ip),
            is_func: false,
            note: Some(
                "the saved user instruction pointer; no mapping of the process that tracer could read holds it (gone before tracer read them, or unmapped since)"
                    .into(),
            ),
            observed: true,
            args: Vec::new(),
            ret: None,
            mech: Some("user ip"),
        };
    }
    Step::non_func(
        "no libc wrapper",
        Some("none observed: a recording without the saved user instruction pointer (before format version 2), or a call whose entry was not seen".into()),
    )
}

/// The entry code for an instruction, on this kernel.
fn entry_steps(k: &Ksyms, abi: Abi, entry: u8, nr: u32) -> Vec<Step> {
    let mut v = Vec::new();
    let has = |f: &str| k.has(f);
    match (abi, entry) {
        (Abi::X86_64, _) => {
            v.push(Step::inferred(
                "entry_SYSCALL_64",
                Some("the syscall instruction lands here".into()),
            ));
            v.push(Step::inferred("do_syscall_64", None));
            if has("x64_sys_call") {
                v.push(Step::inferred(
                    "x64_sys_call",
                    Some(format!("switch (nr) case {nr}")),
                ));
            } else {
                v.push(Step::non_func(
                    "sys_call_table",
                    Some(format!("sys_call_table[{nr}]")),
                ));
            }
        }
        (Abi::Ia32, ENTRY_INT80) => {
            if has("int80_emulation") {
                // Linux 6.7 (be5341eb0d43, "x86/entry: Convert INT 0x80 emulation to IDTENTRY",
                // backported to the 6.1 and 6.6 stable kernels): vector 0x80's IDT entry is
                // `asm_int80_emulation` (arch/x86/kernel/idt.c: SYSG(IA32_SYSCALL_VECTOR,
                // asm_int80_emulation)). Linux 6.9's branch-history hardening (7390db8aea0d)
                // made `int80_emulation` a stub in entry_64_compat.S that clears the branch
                // history and jumps to the C function, renamed `do_int80_emulation`
                // (arch/x86/entry/syscall_32.c in Linux 7.2); before it, `int80_emulation` was
                // the C function itself.
                if has("asm_int80_emulation") {
                    v.push(Step::inferred(
                        "asm_int80_emulation",
                        Some("the IDT entry of vector 0x80".into()),
                    ));
                }
                if has("do_int80_emulation") {
                    v.push(Step::inferred(
                        "int80_emulation",
                        Some(
                            "entry_64_compat.S: clears branch history, jumps to the C code".into(),
                        ),
                    ));
                    v.push(Step::inferred("do_int80_emulation", None));
                } else {
                    v.push(Step::inferred("int80_emulation", None));
                }
            } else {
                v.push(Step::inferred(
                    "entry_INT80_compat",
                    Some("the IDT entry of vector 0x80".into()),
                ));
                v.push(Step::inferred("do_int80_syscall_32", None));
            }
        }
        (Abi::Ia32, ENTRY_SYSENTER | ENTRY_SYSCALL) => {
            let (first, second) = if entry == ENTRY_SYSENTER {
                ("entry_SYSENTER_compat", Some("do_SYSENTER_32"))
            } else {
                ("entry_SYSCALL_compat", None)
            };
            // The vDSO's __kernel_vsyscall executes `sysenter` (Intel) or `syscall` (AMD,
            // X86_FEATURE_SYSCALL32, arch/x86/kernel/cpu/amd.c); do_SYSENTER_32 restores the
            // stack pointer sysenter loses, then both run do_fast_syscall_32
            // (arch/x86/entry/syscall_32.c, Linux 7.2).
            v.push(Step::inferred(
                first,
                Some("reached from the vDSO's __kernel_vsyscall".into()),
            ));
            if let Some(s) = second.filter(|s| has(s)) {
                v.push(Step::inferred(s, None));
            }
            v.push(Step::inferred("do_fast_syscall_32", None));
        }
        (Abi::Ia32, _) => v.push(Step::non_func(
            "entry",
            Some("the entry instruction could not be read".into()),
        )),
    }
    if abi == Abi::Ia32 {
        if has("ia32_sys_call") {
            v.push(Step::inferred(
                "ia32_sys_call",
                Some(format!("switch (nr) case {nr}")),
            ));
        } else {
            v.push(Step::non_func(
                "ia32_sys_call_table",
                Some(format!("ia32_sys_call_table[{nr}]")),
            ));
        }
    }
    v
}

/// The protocol operation a call lands in, when its row names one (`sock->ops->bind`) and the
/// address's family makes it one function.
fn proto_op(row: &Row, family: Option<&SockAddr>) -> Option<&'static KFunc> {
    let family = match family? {
        SockAddr::Unix { .. } | SockAddr::Abstract(_) | SockAddr::Unnamed => Family::Unix,
        SockAddr::Inet { .. } => Family::Inet,
        SockAddr::Inet6 { .. } => Family::Inet6,
        SockAddr::Netlink { .. } => Family::Netlink,
        _ => return None,
    };
    kfunc::proto_op(row.sock_op?, family)
}

/// The wrapper the syscall table calls (`__x64_sys_bind`), as named in this kernel: the
/// tables' entry point with the ABI's prefix (arch/x86/include/asm/syscall_wrapper.h), which
/// is not always the call's name (`stat` is `__x64_sys_newstat`), then the name itself.
fn wrapper(k: &Ksyms, abi: Abi, row: &Row) -> Option<String> {
    let name = row.name;
    let entry = row.entry[usize::from(abi == Abi::Ia32)];
    let prefix = match abi {
        Abi::X86_64 => "__x64_",
        Abi::Ia32 => "__ia32_",
    };
    let mut candidates: Vec<String> = entry.map(|e| format!("{prefix}{e}")).into_iter().collect();
    match abi {
        Abi::X86_64 => candidates.push(format!("__x64_sys_{name}")),
        Abi::Ia32 => {
            candidates.push(format!("__ia32_compat_sys_{name}"));
            candidates.push(format!("__ia32_sys_{name}"));
        }
    }
    candidates.into_iter().find(|c| k.has(c))
}

/// Build the journey of `call`. `family` is the address the call passed, when it has one.
pub fn build(k: &Ksyms, call: &Call, family: Option<&SockAddr>) -> Vec<Step> {
    let mut steps = template(k, call, family);
    merge(&mut steps, observed(k, &call.hops));
    steps
}

/// The journey of `call` as this kernel's code makes it, before any kernel probe's
/// observation is marked on it: equal for every call with the same [`TemplateKey`].
fn template(k: &Ksyms, call: &Call, family: Option<&SockAddr>) -> Vec<Step> {
    let mut steps = vec![user_step(call)];
    steps.extend(entry_steps(k, call.abi, call.entry, call.nr));
    let dispatcher = match call.table {
        TABLE_SOCKETCALL => Some(Dispatcher::Socketcall),
        TABLE_IPC => Some(Dispatcher::Ipc),
        _ => None,
    };
    let table_row = dispatcher.and_then(Dispatcher::row).unwrap_or(call.row);
    if let Some(w) = wrapper(k, call.abi, table_row) {
        steps.push(Step::inferred(w, None));
    }
    let case = || call.row.socketcall.map_or("?", |c| c.name);
    match dispatcher {
        Some(Dispatcher::Socketcall) => {
            // net/compat.c COMPAT_SYSCALL_DEFINE2(socketcall) (the table calls it as
            // __ia32_compat_sys_socketcall, its body __do_compat_sys_socketcall): check call,
            // copy nas[call] bytes, switch.
            steps.push(Step::non_func(
                "copy_from_user",
                Some(format!(
                    "the {} argument words of call {} from {:#x}",
                    call.row.args.len(),
                    call.call,
                    call.raw_args[1]
                )),
            ));
            steps.push(Step::non_func(
                "switch (call)",
                Some(format!("case {}", case())),
            ));
        }
        Some(Dispatcher::Ipc) => {
            steps.push(Step::inferred(
                Dispatcher::Ipc.kfunc().name,
                Some(format!(
                    "switch (call) case {}",
                    call.row.ipc.map_or("?", |(c, _)| c.name)
                )),
            ));
        }
        None => {}
    }
    for f in call.row.work {
        if k.has(f.name) {
            steps.push(Step::inferred(f.name, None));
        }
    }
    if let Some(op) = proto_op(call.row, family).filter(|f| k.has(f.name)) {
        steps.push(Step::inferred(
            op.name,
            call.row.sock_op.map(|m| format!("sock->ops->{m}")),
        ));
    }
    steps
}

/// The kernel functions probes saw on this call (kprobes, fentry), in the order they ran,
/// each with the arguments and return value its probe read.
pub fn observed(k: &Ksyms, hops: &[Hop]) -> Vec<Step> {
    let mut seen = Vec::new();
    for hop in hops
        .iter()
        .filter(|h| h.side == HOP_ENTRY && h.mech != MECH_UPROBE)
    {
        let Some(func) = k.name_at(hop.func_ip) else {
            continue;
        };
        let args: Vec<(&'static str, i64)> = super::hops::HOP_FUNCS
            .iter()
            .find(|f| f.name == func)
            .map(|f| {
                f.args
                    .iter()
                    .map(|(i, n)| (*n, hop.args[*i] as i64))
                    .collect()
            })
            .unwrap_or_default();
        let mech = Some(if hop.mech == MECH_FENTRY {
            "fentry"
        } else {
            "kprobe"
        });
        let ret = hops
            .iter()
            .find(|h| {
                h.side == HOP_EXIT && h.ts_ns >= hop.ts_ns && k.name_at(h.func_ip) == Some(func)
            })
            .map(|h| super::hops::hop_ret(func, h.ret));
        seen.push(Step {
            func: func.to_string(),
            is_func: true,
            note: None,
            observed: true,
            args,
            ret,
            mech,
        });
    }
    seen
}

/// Mark the steps a probe saw, with what it saw; functions observed but not in the template
/// (a protocol operation the family did not tell) are appended in the order they ran.
pub fn merge(steps: &mut Vec<Step>, observed: Vec<Step>) {
    for o in observed {
        if let Some(s) = steps.iter_mut().find(|s| s.func == o.func && !s.observed) {
            s.observed = true;
            s.args = o.args;
            s.ret = o.ret;
            s.mech = o.mech;
        } else {
            steps.push(o);
        }
    }
}

/// What a call's journey template depends on besides the kernel's symbols: calls with equal
/// keys have equal templates ([`template`]'s inputs, each of them).
#[derive(Clone, PartialEq, Eq, Hash)]
struct TemplateKey {
    abi: Abi,
    entry: u8,
    nr: u32,
    table: u8,
    call: u32,
    /// The row (`&'static`), by address.
    row: usize,
    /// The protocol operation the address's family chose.
    op: Option<&'static str>,
    user: UserKey,
    /// socketcall's argument array (named in the `copy_from_user` step).
    array: u64,
}

/// What [`user_step`] shows: the wrapper uprobe's (cookie, caller), the named frame (by
/// identity: the same `Arc` for every call from that address of that process) and the address,
/// the bare address, or nothing.
#[derive(Clone)]
enum UserKey {
    Probe(u64, i64),
    Frame(Arc<UserFrame>, u64),
    Ip(u64),
    None,
}

impl PartialEq for UserKey {
    fn eq(&self, other: &UserKey) -> bool {
        match (self, other) {
            (UserKey::Probe(cookie, from), UserKey::Probe(cookie2, from2)) => {
                cookie == cookie2 && from == from2
            }
            (UserKey::Frame(frame, ip), UserKey::Frame(frame2, ip2)) => {
                Arc::ptr_eq(frame, frame2) && ip == ip2
            }
            (UserKey::Ip(ip), UserKey::Ip(ip2)) => ip == ip2,
            (UserKey::None, UserKey::None) => true,
            _ => false,
        }
    }
}

impl Eq for UserKey {}

impl std::hash::Hash for UserKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            UserKey::Probe(a, b) => (0u8, *a, *b).hash(h),
            UserKey::Frame(f, ip) => (1u8, Arc::as_ptr(f) as usize, *ip).hash(h),
            UserKey::Ip(ip) => (2u8, *ip).hash(h),
            UserKey::None => 3u8.hash(h),
        }
    }
}

/// Most distinct templates kept: past it the cache starts again (new ids; a writer writes the
/// templates again as calls use them), so a program that makes every call from a new address
/// cannot grow it without bound.
const TEMPLATES_MAX: usize = 16_384;

/// Each distinct journey template once, numbered: what JSON Lines writes as a `path` record
/// and Perfetto as an interned name, instead of building and writing the journey per call.
#[derive(Default)]
pub struct Templates {
    map: FastMap<TemplateKey, (u32, Vec<Step>)>,
    next: u32,
    /// The last key and id seen in each of [`RECENT`] slots (by process, call number and user
    /// address):
    /// a call like the one before it is matched field by field, without building its key
    /// (an `Arc` clone) or hashing it.
    recent: Vec<Option<(TemplateKey, u32)>>,
}

/// Slots of [`Templates::recent`].
const RECENT: usize = 64;

impl UserKey {
    /// Whether this is the key [`Templates::of`] makes of `probe` and `call`.
    fn is(&self, probe: Option<&Hop>, call: &Call) -> bool {
        match (self, probe, &call.user_at) {
            (UserKey::Probe(cookie, from), Some(h), _) => *cookie == h.func_ip && *from == h.ret,
            (UserKey::Frame(f, ip), None, Some(f2)) => Arc::ptr_eq(f, f2) && *ip == call.user_ip,
            (UserKey::Ip(ip), None, None) => call.user_ip != 0 && *ip == call.user_ip,
            (UserKey::None, None, None) => call.user_ip == 0,
            _ => false,
        }
    }
}

impl Templates {
    /// The template of `call`'s journey: its id, and whether it is new (not given before under
    /// this id) with its steps then (empty otherwise).
    pub fn of(
        &mut self,
        k: &Ksyms,
        call: &Call,
        family: Option<&SockAddr>,
    ) -> (u32, &[Step], bool) {
        let probe = call
            .hops
            .iter()
            .find(|h| h.mech == MECH_UPROBE)
            .filter(|h| super::libc::from_cookie(h.func_ip).is_some());
        let op = proto_op(call.row, family).map(|f| f.name);
        let array = if call.table == TABLE_SOCKETCALL {
            call.raw_args[1]
        } else {
            0
        };
        if self.recent.is_empty() {
            self.recent.resize_with(RECENT, || None);
        }
        // By process too: two processes of one program make the same call from the same
        // address, each with its own named frame.
        let h = call.nr.wrapping_mul(0x9e37_79b9)
            ^ (call.user_ip as u32).wrapping_mul(0x85eb_ca6b)
            ^ call.pid.wrapping_mul(0xc2b2_ae35);
        let slot = (h >> 26) as usize % RECENT;
        if let Some((key, id)) = &self.recent[slot]
            && key.nr == call.nr
            && key.abi == call.abi
            && key.entry == call.entry
            && key.table == call.table
            && key.call == call.call
            && key.row == std::ptr::from_ref(call.row) as usize
            && key.op == op
            && key.array == array
            && key.user.is(probe, call)
        {
            return (*id, &[], false);
        }
        let user = match (probe, &call.user_at) {
            (Some(h), _) => UserKey::Probe(h.func_ip, h.ret),
            (None, Some(f)) => UserKey::Frame(Arc::clone(f), call.user_ip),
            (None, None) if call.user_ip != 0 => UserKey::Ip(call.user_ip),
            (None, None) => UserKey::None,
        };
        let key = TemplateKey {
            abi: call.abi,
            entry: call.entry,
            nr: call.nr,
            table: call.table,
            call: call.call,
            row: std::ptr::from_ref(call.row) as usize,
            op,
            user,
            array,
        };
        if self.map.len() >= TEMPLATES_MAX && !self.map.contains_key(&key) {
            self.map.clear();
            self.recent.iter_mut().for_each(|r| *r = None);
        }
        let mut new = false;
        let next = &mut self.next;
        let (id, steps) = self.map.entry(key.clone()).or_insert_with(|| {
            new = true;
            *next += 1;
            (*next, template(k, call, family))
        });
        self.recent[slot] = Some((key, *id));
        (*id, steps, new)
    }
}

/// For a failed call: the innermost observed function that returned the error. Functions
/// return innermost first, so it is the first exit that returned `err`.
pub fn error_from<'k>(k: &'k Ksyms, hops: &[Hop], err: i64) -> Option<&'k str> {
    hops.iter().filter(|h| h.side == HOP_EXIT).find_map(|h| {
        let func = k.name_at(h.func_ip)?;
        (super::hops::hop_ret(func, h.ret) == err).then_some(func)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracer_common::{MECH_KPROBE, TABLE_X86_64};

    const KSYMS: &str = "\
ffffffff81000000 T entry_SYSCALL_64
ffffffff81000100 T do_syscall_64
ffffffff81000200 T x64_sys_call
ffffffff81000600 T __x64_sys_bind
ffffffff81000800 T __sys_bind
ffffffff81000a00 T unix_bind
";

    fn hop(ts_ns: u64, func_ip: u64, side: u8, ret: i64) -> Hop {
        Hop {
            ts_ns,
            func_ip,
            side,
            mech: MECH_KPROBE,
            args: [3, 0, 1, 0, 0, 0],
            ret,
        }
    }

    /// A bind whose address length is 1: `unix_bind` returns -EINVAL and `__sys_bind` passes
    /// it on. Both return `int`: their exit probes read 0xffffffea from rax.
    fn failed_bind() -> Call {
        let row = crate::syscalls::find("bind").unwrap();
        let mut call = Call::hypothetical(row, Abi::X86_64, ENTRY_SYSCALL, 49, TABLE_X86_64, 0);
        call.ret = Some(-22);
        call.hops = vec![
            hop(1, 0xffffffff81000804, HOP_ENTRY, 0),
            hop(2, 0xffffffff81000a04, HOP_ENTRY, 0),
            hop(3, 0xffffffff81000a04, HOP_EXIT, 0xffff_ffea),
            hop(4, 0xffffffff81000804, HOP_EXIT, 0xffff_ffea),
        ];
        call
    }

    #[test]
    fn the_innermost_function_that_returned_the_error_is_named() {
        let k = Ksyms::parse(KSYMS);
        let call = failed_bind();
        assert_eq!(error_from(&k, &call.hops, -22), Some("unix_bind"));
        assert_eq!(error_from(&k, &call.hops, -98), None);
    }

    #[test]
    fn observed_steps_carry_what_the_probe_saw_with_int_results_sign_extended() {
        let k = Ksyms::parse(KSYMS);
        let addr = SockAddr::Unix {
            path: b"/tmp/s".to_vec(),
            nul_terminated: true,
        };
        let steps = build(&k, &failed_bind(), Some(&addr));
        let names: Vec<&str> = steps.iter().map(|s| s.func.as_str()).collect();
        assert_eq!(
            names,
            [
                "no libc wrapper",
                "entry_SYSCALL_64",
                "do_syscall_64",
                "x64_sys_call",
                "__x64_sys_bind",
                "__sys_bind",
                "unix_bind"
            ]
        );
        let sys_bind = &steps[5];
        assert!(sys_bind.observed);
        assert_eq!(sys_bind.ret, Some(-22));
        assert_eq!(sys_bind.args, [("fd", 3), ("addrlen", 1)]);
        assert_eq!(sys_bind.mech, Some("kprobe"));
        assert!(!steps[3].observed, "x64_sys_call is inferred");
    }

    #[test]
    fn a_template_plus_what_was_observed_is_the_journey() {
        let k = Ksyms::parse(KSYMS);
        let addr = SockAddr::Unix {
            path: b"/tmp/s".to_vec(),
            nul_terminated: true,
        };
        let mut t = Templates::default();
        let call = failed_bind();
        let (id, steps, new) = t.of(&k, &call, Some(&addr));
        assert!(new);
        let mut merged = steps.to_vec();
        assert!(
            merged
                .iter()
                .all(|s| !s.observed || s.mech == Some("user ip"))
        );
        merge(&mut merged, observed(&k, &call.hops));
        assert_eq!(merged, build(&k, &call, Some(&addr)));
        // The same call again, and one that probes saw nothing of: the same template.
        let mut quiet = failed_bind();
        quiet.hops.clear();
        assert_eq!(t.of(&k, &call, Some(&addr)).0, id);
        let (id_quiet, steps_quiet, new_quiet) = t.of(&k, &quiet, Some(&addr));
        assert_eq!((id_quiet, new_quiet), (id, false));
        // Steps come with a new template only.
        assert!(steps_quiet.is_empty());
        assert_eq!(
            template(&k, &quiet, Some(&addr)),
            template(&k, &call, Some(&addr))
        );
        // Another address's family, another number, another user address: new ones.
        assert_ne!(t.of(&k, &call, None).0, id);
        let mut other = failed_bind();
        other.nr = 50;
        assert_ne!(t.of(&k, &other, Some(&addr)).0, id);
        other.nr = 49;
        other.user_ip = 0x7f00_0000_1234;
        let (id2, steps2, new2) = t.of(&k, &other, Some(&addr));
        assert!(new2 && id2 != id);
        assert_eq!(steps2[0].func, "0x7f0000001234");
    }

    #[test]
    fn the_templates_forget_past_their_bound_and_never_reuse_an_id() {
        let k = Ksyms::parse(KSYMS);
        let mut t = Templates::default();
        let mut call = failed_bind();
        let mut ids = std::collections::HashSet::new();
        for ip in 1..=(TEMPLATES_MAX as u64 + 10) {
            call.user_ip = ip;
            let (id, _, new) = t.of(&k, &call, None);
            assert!(new && ids.insert(id));
        }
        assert!(t.map.len() <= TEMPLATES_MAX);
        call.user_ip = 1;
        assert!(
            t.of(&k, &call, None).2,
            "forgotten: given again, under a new id"
        );
    }

    #[test]
    fn the_table_wrapper_is_the_entry_point_not_the_name() {
        // The row of that name with a number in that ABI (ia32's pread64 is a row of its own).
        let row = |n: &str, abi: Abi| {
            crate::syscalls::ROWS
                .iter()
                .find(|r| r.name == n && if abi == Abi::Ia32 { r.ia32 } else { r.x64 }.is_some())
                .unwrap()
        };
        let k = Ksyms::parse(
            "ffffffff81000000 T __x64_sys_newstat\nffffffff81000100 T __ia32_compat_sys_newstat\n\
             ffffffff81000200 T __ia32_sys_ia32_pread64\n",
        );
        assert_eq!(
            wrapper(&k, Abi::X86_64, row("stat", Abi::X86_64)).as_deref(),
            Some("__x64_sys_newstat")
        );
        assert_eq!(
            wrapper(&k, Abi::Ia32, row("stat", Abi::Ia32)).as_deref(),
            Some("__ia32_compat_sys_newstat")
        );
        assert_eq!(
            wrapper(&k, Abi::Ia32, row("pread64", Abi::Ia32)).as_deref(),
            Some("__ia32_sys_ia32_pread64")
        );
        assert_eq!(
            wrapper(&k, Abi::X86_64, row("pread64", Abi::X86_64)),
            None,
            "not in these symbols"
        );
    }
}
