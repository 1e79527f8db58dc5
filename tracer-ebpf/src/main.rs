//! tracer's kernel side: one pair of programs on the `raw_syscalls` raw tracepoints serves every
//! traced syscall, driven by the `SPECS` table that user space fills.
//!
//! Why raw tracepoints: `sys_enter`/`sys_exit` (include/trace/events/syscalls.h, Linux 6.1 and
//! 6.18) pass `struct pt_regs *regs` and the syscall number or return value. The saved
//! registers tell what the plain tracepoint hides: the user `cs` (0x23 for 32-bit code, 0x33
//! for 64-bit, arch/x86/include/asm/segment.h) and the user `ip`, whose preceding two bytes are
//! the instruction that entered the kernel (`0f 05` syscall, `cd 80` int 0x80, `0f 34` sysenter).
//! A 64-bit process that executes `int 0x80` is dispatched through the ia32 table
//! (`do_int80_syscall_32`, arch/x86/entry/common.c), so the instruction, not `cs`, decides the
//! ABI. They also skip the per-event formatting of the perf tracepoint record.
//!
//! The vDSO fast path for 32-bit code (`__kernel_vsyscall`, arch/x86/entry/vdso/vdso32/system_call.S)
//! executes `sysenter` (Intel) or `syscall` (AMD) followed by `int $0x80`, and
//! `do_fast_syscall_32` moves the saved `ip` to the landing pad after that `int $0x80`: the four
//! bytes before `ip` are then `0f 34 cd 80` or `0f 05 cd 80`.
//!
//! The modules: `syscalls` (the `raw_syscalls` and `sched_switch` programs), `entry` (what a
//! call is: scope, registers, ABI, spec), `ops` (the user memory and files a call's spec
//! captures), `ring` (records and the ring buffer), `process` (fork, exec and exit events),
//! `hops` (kernel functions on a call's path), `doctor` (probes for `tracer doctor`) and `maps`.
#![no_std]
#![no_main]

mod doctor;
mod entry;
mod hops;
mod maps;
mod ops;
mod process;
mod ring;
mod syscalls;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 4] = *b"GPL\0";
