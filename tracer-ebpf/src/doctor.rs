//! Programs that `tracer doctor` loads only to find out what this kernel allows.

use aya_ebpf::{
    macros::{fentry, kprobe},
    programs::{FEntryContext, ProbeContext},
};

/// `tracer doctor` loads and attaches these two to find out, by trying, whether this kernel
/// allows kprobes and fentry programs. They do nothing.
#[kprobe]
pub fn doctor_kprobe(_ctx: ProbeContext) -> u32 {
    0
}

#[fentry(function = "__sys_bind")]
pub fn doctor_fentry(_ctx: FEntryContext) -> i32 {
    0
}
