//! What both Perfetto exports (protobuf and Chrome JSON) draw around and inside a call's slice:
//! the libc wrapper that issued it, and the kernel functions a probe saw, entries matched with
//! their exits. One reading of a call's hops, two encodings.

use tracer_common::{HOP_ENTRY, HOP_EXIT, MECH_FENTRY, MECH_UPROBE};

use crate::kernel::hops::{HOP_FUNCS, hop_ret};
use crate::kernel::ksyms::Ksyms;
use crate::kernel::libc;
use crate::trace::{Call, Hop};

/// A call's first instant on its thread: its entry, or its libc wrapper's call before it.
/// A call left unfinished before it ends there: slices on a track must nest, not overlap.
pub fn began(c: &Call, start: u64) -> u64 {
    c.hops
        .iter()
        .filter(|h| h.mech == MECH_UPROBE)
        .map(|h| h.ts_ns)
        .fold(start, u64::min)
}

/// The libc wrapper that issued the call (`func`, its library, the uprobe's hop), when its
/// probe fired before the call began.
pub fn wrapper(c: &Call, start: u64) -> Option<(&'static str, &'static str, &Hop)> {
    c.hops
        .iter()
        .filter(|h| h.mech == MECH_UPROBE && h.ts_ns <= start)
        .rev()
        .find_map(|h| libc::from_cookie(h.func_ip).map(|(f, l)| (f, l, h)))
}

/// A kernel function a probe saw: its entry, and its exit when seen.
pub struct KernelHop<'a> {
    pub name: &'a str,
    pub entry: &'a Hop,
    pub exit: Option<&'a Hop>,
}

/// The kernel functions whose times lie within `start..=end`: those whose exit was seen first
/// (in the order they returned), then those whose exit was not.
pub fn kernel<'a>(ksyms: &'a Ksyms, c: &'a Call, start: u64, end: u64) -> Vec<KernelHop<'a>> {
    let inside = |ts: u64| start <= ts && ts <= end;
    let mut out = Vec::new();
    let mut stack: Vec<(&str, &Hop)> = Vec::new();
    let mut unmatched = Vec::new();
    for h in c.hops.iter().filter(|h| h.mech != MECH_UPROBE) {
        let Some(name) = ksyms.name_at(h.func_ip) else {
            continue;
        };
        match h.side {
            HOP_ENTRY => stack.push((name, h)),
            HOP_EXIT => {
                let Some(i) = stack.iter().rposition(|(n, _)| *n == name) else {
                    continue;
                };
                unmatched.extend(stack.drain(i + 1..));
                let Some((_, e)) = stack.pop() else { continue };
                if inside(e.ts_ns) && inside(h.ts_ns) && e.ts_ns <= h.ts_ns {
                    out.push(KernelHop {
                        name,
                        entry: e,
                        exit: Some(h),
                    });
                }
            }
            _ => {}
        }
    }
    unmatched.extend(stack);
    out.extend(
        unmatched
            .into_iter()
            .filter(|(_, e)| inside(e.ts_ns))
            .map(|(name, entry)| KernelHop {
                name,
                entry,
                exit: None,
            }),
    );
    out
}

impl KernelHop<'_> {
    /// The arguments the probe read (by the names `HOP_FUNCS` gives them), the return value
    /// when the exit was seen, and the probe's mechanism.
    pub fn args(&self) -> (Vec<(&'static str, i64)>, Option<i64>, &'static str) {
        let mut args = Vec::new();
        if let Some(f) = HOP_FUNCS.iter().find(|f| f.name == self.name) {
            for (i, n) in f.args {
                if let Some(v) = self.entry.args.get(*i) {
                    args.push((*n, *v as i64));
                }
            }
        }
        let ret = self.exit.map(|x| hop_ret(self.name, x.ret));
        let mech = if self.entry.mech == MECH_FENTRY {
            "fentry"
        } else {
            "kprobe"
        };
        (args, ret, mech)
    }
}
