//! The kernel functions tracer probes on a call's path, and attaching a probe to each with the
//! best mechanism this kernel allows: fentry/fexit, else kprobe/kretprobe, else none.
//!
//! The functions, their arguments and their sources are the syscall rows' (syscalls/kfunc.rs).

use aya::programs::{FEntry, FExit, KProbe};
use aya::{Btf, Ebpf};
use std::sync::LazyLock;

use tracer_common::HOP_SLOTS;

use crate::syscalls::kfunc::PROTO_OPS;
use crate::syscalls::{Dispatcher, ROWS};

use super::ksyms::Ksyms;

pub use crate::syscalls::kfunc::KFunc as HopFunc;

/// The value `func` returned, from what its exit probe read.
pub fn hop_ret(func: &str, raw: i64) -> i64 {
    match HOP_FUNCS.iter().find(|f| f.name == func) {
        Some(f) if !f.long_ret => i64::from(raw as i32),
        _ => raw,
    }
}

/// Every kernel function a journey may name, each once: the work of every syscall row, the
/// ia32 dispatchers, and the protocol operations.
pub static HOP_FUNCS: LazyLock<Vec<&'static HopFunc>> = LazyLock::new(|| {
    let mut all: Vec<&'static HopFunc> = Vec::new();
    let funcs = ROWS
        .iter()
        .flat_map(|r| r.work.iter().copied())
        .chain([Dispatcher::Socketcall, Dispatcher::Ipc].map(Dispatcher::kfunc))
        .chain(PROTO_OPS.iter().map(|(_, _, f)| f));
    for f in funcs {
        if !all.iter().any(|g| std::ptr::eq(*g, f)) {
            all.push(f);
        }
    }
    all
});

/// How a function is observed on this kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    Fentry,
    Kprobe,
    /// Not observed, and why.
    None(String),
}

impl Mechanism {
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::Fentry => "fentry",
            Mechanism::Kprobe => "kprobe",
            Mechanism::None(_) => "none",
        }
    }
}

/// One line for a person: how many functions are observed, and by what.
pub fn summary(statuses: &[HopStatus]) -> String {
    let n = |m: &str| statuses.iter().filter(|s| s.mechanism.name() == m).count();
    let (fe, kp) = (n("fentry"), n("kprobe"));
    let mut s = format!(
        "{} of {} kernel functions on the call paths observed",
        fe + kp,
        statuses.len()
    );
    if fe + kp > 0 {
        s.push_str(&format!(" (fentry {fe}, kprobe {kp})"));
    } else {
        s.push_str(
            " (this kernel allows neither fentry nor kprobes here): kernel paths are inferred",
        );
    }
    s
}

/// The outcome for one function.
#[derive(Clone, Debug)]
pub struct HopStatus {
    pub func: &'static str,
    pub mechanism: Mechanism,
    /// Why fentry was not used, when a kprobe serves instead.
    pub fentry_refused: Option<String>,
}

/// Why no probe was tried on a function: the symbols cannot be read.
pub const KALLSYMS_UNREADABLE: &str = "/proc/kallsyms is not readable";
/// Why no probe was tried on a function: this kernel has no symbol of that name.
pub const NOT_IN_KERNEL: &str = "not in this kernel (inlined or renamed)";

/// The common reasons in a few words; anything else as the error says it. (`tracer explain
/// --lang zh` translates what this returns: see `explain::why_zh`.)
pub fn reason(kind: &str, e: &str) -> String {
    if e.contains("Operation not permitted") || e.contains("Permission denied") {
        format!("{kind} refused by this kernel (EPERM)")
    } else if e.contains("kprobe/type") {
        "no kprobes in this kernel (CONFIG_KPROBES is off)".into()
    } else {
        format!("{kind}: {e}")
    }
}

fn short(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s.split(". Verifier output:")
        .next()
        .unwrap_or_default()
        .replace('\n', " ")
}

/// Attach a probe to every function in `HOP_FUNCS`, each with the best mechanism that works.
/// Never fails: what cannot be attached is reported in the result.
pub fn attach(ebpf: &mut Ebpf, ksyms: &Ksyms, links: &mut Vec<super::Link>) -> Vec<HopStatus> {
    let mut btf = Btf::from_sys_fs().map_err(|e| format!("no BTF: {}", short(&e)));
    let mut slot = 0usize;
    let mut kprobe_ready: Option<Result<(), String>> = None;
    let mut flags_to_set = Vec::new();
    let mut out = Vec::new();
    for func in HOP_FUNCS.iter() {
        let mut fentry_refused = None;
        let mechanism = if ksyms.is_empty() {
            Mechanism::None(KALLSYMS_UNREADABLE.into())
        } else if !ksyms.has(func.name) {
            Mechanism::None(NOT_IN_KERNEL.into())
        } else {
            let fentry_err = match &btf {
                Ok(b) if slot < HOP_SLOTS => match attach_fentry(ebpf, b, slot, func.name, links) {
                    Ok(()) => {
                        slot += 1;
                        None
                    }
                    Err(e) => {
                        // A kernel that refuses tracing programs refuses them all: stop trying.
                        if e.contains("Operation not permitted") || e.contains("Permission denied")
                        {
                            btf = Err(e.clone());
                        }
                        // A failed load used up the slot's program.
                        slot += 1;
                        Some(e)
                    }
                },
                Ok(_) => Some("no fentry slot left".into()),
                Err(e) => Some(e.clone()),
            };
            match fentry_err {
                None => Mechanism::Fentry,
                Some(fe) => match attach_kprobe(ebpf, &mut kprobe_ready, func.name, links) {
                    Ok(()) => {
                        fentry_refused = Some(reason("fentry", &fe));
                        Mechanism::Kprobe
                    }
                    Err(ke) => Mechanism::None(format!(
                        "{}; {}",
                        reason("fentry", &fe),
                        reason("kprobe", &ke)
                    )),
                },
            }
        };
        if func.flags != 0
            && !matches!(mechanism, Mechanism::None(_))
            && let Some(addr) = ksyms.addr(func.name)
        {
            flags_to_set.push((addr, func.flags));
        }
        out.push(HopStatus {
            func: func.name,
            mechanism,
            fentry_refused,
        });
    }
    if let Some(map) = ebpf.map_mut("HOP_FUNCS")
        && let Ok(mut m) = aya::maps::HashMap::<_, u64, u32>::try_from(map)
    {
        for (addr, flags) in flags_to_set {
            // The probes report the address `bpf_get_func_ip` gives: the function's start, or
            // 4 bytes in, after its `endbr64` (kprobes on IBT kernels).
            let _ = m.insert(addr, flags, 0);
            let _ = m.insert(addr + 4, flags, 0);
        }
    }
    out
}

fn attach_fentry(
    ebpf: &mut Ebpf,
    btf: &Btf,
    slot: usize,
    func: &str,
    links: &mut Vec<super::Link>,
) -> Result<(), String> {
    let entry = format!("hop_fentry_{slot}");
    let exit = format!("hop_fexit_{slot}");
    let p: &mut FEntry = ebpf
        .program_mut(&entry)
        .ok_or("missing program")?
        .try_into()
        .map_err(|e| short(&e))?;
    p.load(func, btf).map_err(|e| short(&e))?;
    let id = p.attach().map_err(|e| short(&e))?;
    links.push(Box::new(p.take_link(id).map_err(|e| short(&e))?));
    let p: &mut FExit = ebpf
        .program_mut(&exit)
        .ok_or("missing program")?
        .try_into()
        .map_err(|e| short(&e))?;
    p.load(func, btf).map_err(|e| short(&e))?;
    let id = p.attach().map_err(|e| short(&e))?;
    links.push(Box::new(p.take_link(id).map_err(|e| short(&e))?));
    Ok(())
}

fn attach_kprobe(
    ebpf: &mut Ebpf,
    ready: &mut Option<Result<(), String>>,
    func: &str,
    links: &mut Vec<super::Link>,
) -> Result<(), String> {
    // Load the two generic programs once.
    if ready.is_none() {
        let r = (|| -> Result<(), String> {
            for name in ["hop_kprobe", "hop_kretprobe"] {
                let p: &mut KProbe = ebpf
                    .program_mut(name)
                    .ok_or("missing program")?
                    .try_into()
                    .map_err(|e| short(&e))?;
                p.load().map_err(|e| short(&e))?;
            }
            Ok(())
        })();
        *ready = Some(r);
    }
    if let Some(Err(e)) = ready {
        return Err(e.clone());
    }
    for name in ["hop_kprobe", "hop_kretprobe"] {
        let p: &mut KProbe = ebpf
            .program_mut(name)
            .ok_or("missing program")?
            .try_into()
            .map_err(|e| short(&e))?;
        let id = p.attach(func, 0).map_err(|e| short(&e))?;
        links.push(Box::new(p.take_link(id).map_err(|e| short(&e))?));
    }
    Ok(())
}
