//! `tracer explain SYSCALL`: how a call enters this kernel, without running anything. The C
//! call, the C library's wrapper, the registers that carry the number and the arguments in
//! each ABI (and, for 32-bit socket and SysV IPC calls, the `socketcall`/`ipc` dispatcher and
//! its call number), then every step through the kernel with the source file it lives in and
//! whether tracer can observe it here. The steps come from the same code that builds the
//! journey of a recorded call (`kernel::path`), so a function this kernel lacks is not named
//! as if it were here; where older kernels differed, the step says how.
//!
//! Needs no root. As root, it attaches the kernel-function probes the way `tracer record` does
//! to say which steps are observable here; without root it says what it can tell without
//! trying (whether the kernel has kprobes and uprobes at all).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use aya::EbpfLoader;
use tracer_common::{
    ENTRY_INT80, ENTRY_SYSCALL, ENTRY_SYSENTER, TABLE_IA32, TABLE_IPC, TABLE_SOCKETCALL,
    TABLE_X86_64,
};

use crate::capture;
use crate::decode::sockaddr::SockAddr;
use crate::kernel::hops::{self, HopStatus, Mechanism};
use crate::kernel::ksyms::Ksyms;
use crate::kernel::{libc, path, source};
use crate::syscalls::{self, Abi, Case, Row};
use crate::trace::Call;

/// The address family whose protocol operation a socket call lands in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Family {
    Unix,
    Inet,
    Inet6,
    Netlink,
}

impl Family {
    fn example(self) -> SockAddr {
        match self {
            Family::Unix => SockAddr::Unix {
                path: b"/tmp/s.sock".to_vec(),
                nul_terminated: true,
            },
            Family::Inet => SockAddr::Inet {
                addr: std::net::Ipv4Addr::LOCALHOST,
                port: 0,
            },
            Family::Inet6 => SockAddr::Inet6 {
                addr: std::net::Ipv6Addr::LOCALHOST,
                port: 0,
            },
            Family::Netlink => SockAddr::Netlink { pid: 0, groups: 0 },
        }
    }
}

/// What this machine lets tracer observe.
pub struct Observability {
    /// Per probed kernel function, the mechanism `tracer record` would use; `None` when it
    /// was not tried (no privileges).
    pub tried: Option<Vec<HopStatus>>,
    /// The kernel has the uprobe and kprobe perf event types.
    pub uprobes: bool,
    pub kprobes: bool,
}

impl Observability {
    /// As root, by attaching the probes; otherwise from what the kernel shows everyone.
    fn find(ksyms: &Ksyms) -> Observability {
        let pmu = |t: &str| Path::new("/sys/bus/event_source/devices").join(t).exists();
        let tried = capture::check_privileges().ok().and_then(|()| {
            let mut ebpf = EbpfLoader::new().load(capture::ebpf_object()).ok()?;
            let mut links = Vec::new();
            let statuses = hops::attach(&mut ebpf, ksyms, &mut links);
            crate::kernel::detach_in_background(links);
            Some(statuses)
        });
        Observability {
            tried,
            uprobes: pmu("uprobe"),
            kprobes: pmu("kprobe"),
        }
    }

    /// Whether, and how, tracer sees `func` run on this kernel.
    fn of(&self, func: &str) -> String {
        let probed = hops::HOP_FUNCS.iter().any(|f| f.name == func);
        if !probed {
            return "not probed by tracer".into();
        }
        match &self.tried {
            Some(statuses) => match statuses.iter().find(|s| s.func == func) {
                Some(HopStatus {
                    mechanism: Mechanism::None(why),
                    ..
                }) => format!("not observable here: {why}"),
                Some(s) => format!("observed here by {}", s.mechanism.name()),
                None => "not probed by tracer".into(),
            },
            None if self.kprobes => {
                "observable by fentry or kprobe; run as root to find out which".into()
            }
            None => {
                "no kprobes in this kernel; run as root to find out whether fentry works".into()
            }
        }
    }
}

/// The instruction the vDSO's `__kernel_vsyscall` executes on this CPU: `syscall` on AMD and
/// Hygon (`X86_FEATURE_SYSCALL32`, set in arch/x86/kernel/cpu/amd.c and hygon.c, Linux 7.2),
/// `sysenter` on the others (arch/x86/entry/vdso/vdso32/system_call.S picks one with
/// ALTERNATIVE_2).
pub fn fast_entry32() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        // cpuid leaf 0 (the vendor) exists on every x86_64 CPU.
        let r = std::arch::x86_64::__cpuid(0);
        let mut vendor = [0u8; 12];
        vendor[..4].copy_from_slice(&r.ebx.to_le_bytes());
        vendor[4..8].copy_from_slice(&r.edx.to_le_bytes());
        vendor[8..].copy_from_slice(&r.ecx.to_le_bytes());
        if &vendor == b"AuthenticAMD" || &vendor == b"HygonGenuine" {
            return ENTRY_SYSCALL;
        }
    }
    ENTRY_SYSENTER
}

pub fn run(name: &str, abi: Option<Abi>, family: Option<Family>) -> Result<()> {
    let row = syscalls::find(name)?;
    let ksyms = Ksyms::load();
    let observe = Observability::find(&ksyms);
    let kernel = nix::sys::utsname::uname()?
        .release()
        .to_string_lossy()
        .into_owned();
    crate::out!(
        "{}",
        render(
            row,
            abi,
            family,
            &ksyms,
            &observe,
            &kernel,
            ksyms.is_empty(),
            fast_entry32()
        )
    )?;
    Ok(())
}

/// The registers an ABI passes arguments in, in order (arch/x86/entry/entry_64.S and
/// entry_64_compat.S; `r10` stands in for `rcx`, which the `syscall` instruction overwrites).
fn arg_regs(abi: Abi) -> [&'static str; 6] {
    match abi {
        Abi::X86_64 => ["rdi", "rsi", "rdx", "r10", "r8", "r9"],
        Abi::Ia32 => ["ebx", "ecx", "edx", "esi", "edi", "ebp"],
    }
}

fn signature(row: &Row) -> String {
    let names: Vec<&str> = row.args.iter().map(|(n, _)| *n).collect();
    format!("{}({})", row.name, names.join(", "))
}

fn regs_line(abi: Abi, nr: u32, label: &str, row: &Row) -> String {
    let (nr_reg, regs) = match abi {
        Abi::X86_64 => ("rax", arg_regs(abi)),
        Abi::Ia32 => ("eax", arg_regs(abi)),
    };
    let args: Vec<String> = row
        .args
        .iter()
        .zip(regs)
        .map(|((n, _), r)| format!("{r} = {n}"))
        .collect();
    let mut s = format!("{nr_reg} = {nr} ({label})");
    if !args.is_empty() {
        s.push_str(", ");
        s.push_str(&args.join(", "));
    }
    s
}

/// One way the call can be made: the ABI, how its number is dispatched, and the journey.
struct Route {
    title: String,
    call: Call,
    /// Only the entry code differs from the route before: print the steps up to the table.
    entry_only: bool,
}

/// The C library functions that lead to `name`, split into those that issue it (their first
/// system call is `name`) and those that issue another call (glibc's `semop()` issues
/// `semtimedop`), with that call.
fn wrappers_of(name: &str) -> (Vec<&'static str>, Vec<(&'static str, &'static str)>) {
    let mut issue = Vec::new();
    let mut other = Vec::new();
    for (f, calls) in libc::WRAPPERS.iter().filter(|(_, c)| c.contains(&name)) {
        match calls.first() {
            Some(first) if *first == name => issue.push(*f),
            Some(first) => other.push((*f, *first)),
            None => {}
        }
    }
    (issue, other)
}

/// The name of an ia32 entry instruction.
fn entry_name(entry: u8) -> &'static str {
    match entry {
        ENTRY_SYSCALL => "syscall",
        ENTRY_SYSENTER => "sysenter",
        _ => "int $0x80",
    }
}

fn routes(row: &'static Row, abi: Option<Abi>, fast32: u8) -> Vec<Route> {
    let mut out = Vec::new();
    if abi != Some(Abi::Ia32)
        && let Some(nr) = row.x64
    {
        out.push(Route {
            title: format!("x86_64, `syscall` with rax = {nr}"),
            call: Call::hypothetical(row, Abi::X86_64, ENTRY_SYSCALL, nr.into(), TABLE_X86_64, 0),
            entry_only: false,
        });
    }
    if abi == Some(Abi::X86_64) {
        return out;
    }
    // The number and dispatcher 32-bit glibc uses (socketcall, ipc) or the call's own number.
    let (how, nr, table, call) = if let Some(Case { call: sc, .. }) = row.socketcall {
        (format!("socketcall({sc})"), 102, TABLE_SOCKETCALL, sc)
    } else if let Some((Case { call: c, .. }, _)) = row.ipc {
        (format!("ipc({c})"), 117, TABLE_IPC, c)
    } else if let Some(nr) = row.ia32 {
        (format!("eax = {nr}"), nr, TABLE_IA32, 0)
    } else {
        return out;
    };
    let glibc = if wrappers_of(row.name).0.is_empty() {
        "through the vDSO: __kernel_vsyscall"
    } else {
        "as 32-bit glibc enters: `call *%gs:0x10` -> the vDSO's __kernel_vsyscall"
    };
    out.push(Route {
        title: format!("ia32 {glibc} -> `{}` (this CPU), {how}", entry_name(fast32)),
        call: Call::hypothetical(row, Abi::Ia32, fast32, nr.into(), table, call.into()),
        entry_only: false,
    });
    out.push(Route {
        title: format!(
            "ia32, the classic `int $0x80` (older texts; programs that issue it by hand), {how}"
        ),
        call: Call::hypothetical(row, Abi::Ia32, ENTRY_INT80, nr.into(), table, call.into()),
        entry_only: true,
    });
    out
}

/// The whole explanation, as text. Pure: the kernel's symbols and what it allows are inputs;
/// `fast32` is the instruction the vDSO enters with on this CPU ([`fast_entry32`]).
#[allow(
    clippy::too_many_arguments,
    reason = "each input is a fact about this machine"
)]
pub fn render(
    row: &'static Row,
    abi: Option<Abi>,
    family: Option<Family>,
    ksyms: &Ksyms,
    observe: &Observability,
    kernel: &str,
    no_symbols: bool,
    fast32: u8,
) -> String {
    let mut o = String::new();
    let file = source::file_of(&format!("__x64_sys_{}", row.name), row);
    let _ = writeln!(
        o,
        "{}: {}{}",
        signature(row),
        match crate::syscalls::class::names(row.classes).as_slice() {
            [] => "in no strace class".to_string(),
            names => format!(
                "class {}",
                names
                    .iter()
                    .map(|n| format!("%{n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        },
        file.map(|f| format!(
            ", defined in {f} (Linux {})",
            crate::syscalls::TABLES_KERNEL
        ))
        .unwrap_or_default()
    );
    let _ = writeln!(o, "On this kernel: Linux {kernel}.");
    if no_symbols {
        let _ = writeln!(
            o,
            "(/proc/kallsyms is not readable here: the kernel steps below are the ones tracer \
             knows, not checked against this kernel)"
        );
    }

    // The program and its C library.
    let _ = writeln!(o, "\nIn the program");
    let (issue, other) = wrappers_of(row.name);
    if issue.is_empty() && other.is_empty() {
        let _ = writeln!(
            o,
            "  the C library function that issues it is not one tracer probes (its wrappers list \
             covers the socket, IPC and signal calls); a program may also issue it through \
             syscall(2)"
        );
    }
    if !issue.is_empty() {
        let names: Vec<String> = issue.iter().map(|f| format!("{f}()")).collect();
        let _ = writeln!(
            o,
            "  the program calls {} in the C library (glibc), which loads the registers below \
             and executes the entry instruction.",
            names.join(" or ")
        );
        let _ = writeln!(
            o,
            "  tracer sees that call: the saved user instruction pointer at entry lies in the \
             wrapper (the function, offset and file: `bind+0x7 in libc.so.6`){}",
            if observe.uprobes {
                "; with --wrapper-probes also a uprobe on the wrapper, with the address it was \
                 called from"
            } else {
                "; --wrapper-probes is not available: this kernel has no uprobes"
            }
        );
    }
    // glibc 2.36 (objdump -d of Debian 12's libc.so.6 and /lib32/libc.so.6): semop() jumps to
    // semtimedop (rax 220; on i386 ipc call 4, SEMTIMEDOP); accept() issues accept (rax 43).
    for (f, first) in &other {
        let _ = writeln!(
            o,
            "  glibc's {f}() does not issue {}: it issues {first} (`tracer explain {first}`){}",
            row.name,
            if issue.is_empty() {
                "; this call is made by programs that issue it by hand, through syscall(2)"
            } else {
                ""
            }
        );
    }

    // The registers, per ABI.
    if abi != Some(Abi::Ia32) {
        let _ = writeln!(o, "\nx86_64: the `syscall` instruction");
        match row.x64 {
            Some(nr) => {
                let _ = writeln!(o, "  {}", regs_line(Abi::X86_64, nr.into(), row.name, row));
                let _ = writeln!(
                    o,
                    "  the number indexes the x86_64 table (arch/x86/entry/syscalls/syscall_64.tbl); \
                     the result comes back in rax: a value, or -errno, which the wrapper turns \
                     into -1 and errno"
                );
            }
            None => {
                let _ = writeln!(o, "  not an x86_64 system call");
            }
        }
    }
    if abi != Some(Abi::X86_64) {
        let _ = writeln!(
            o,
            "\nia32 (32-bit programs): the C library calls the vDSO's __kernel_vsyscall, which \
             executes `sysenter` (Intel) or `syscall` (AMD); `int $0x80` is the classic way"
        );
        if let Some(sc) = row.socketcall.map(|c| c.call) {
            let name = syscalls::socketcall_name(sc.into()).unwrap_or("?");
            let names: Vec<&str> = row.args.iter().map(|(n, _)| *n).collect();
            let _ = writeln!(
                o,
                "  through socketcall (what 32-bit glibc built to run on kernels before 4.3 \
                 issues, Debian 12's among them):"
            );
            let _ = writeln!(
                o,
                "    eax = 102 (socketcall), ebx = {sc} ({name}), ecx = the address of the \
                 array {{{}}}",
                names.join(", ")
            );
            // net/compat.c, COMPAT_SYSCALL_DEFINE2(socketcall): len = nas[call], AL(x) = x *
            // sizeof(u32) bytes; copy_from_user; switch (call).
            let _ = writeln!(
                o,
                "    the kernel copies nas[{sc}] = {} bytes ({} 32-bit words) from it, then switches \
                 on the call number (net/compat.c, COMPAT_SYSCALL_DEFINE2(socketcall), which the \
                 table calls as __ia32_compat_sys_socketcall)",
                4 * names.len(),
                names.len()
            );
        }
        if let Some((Case { call, .. }, map)) = row.ipc {
            let regs = arg_regs(Abi::Ia32);
            let ipc_arg = ["call", "first", "second", "third", "ptr", "fifth"];
            let mut parts = vec![
                "eax = 117 (ipc)".to_string(),
                format!(
                    "ebx = {call} ({})",
                    syscalls::ipc_name(call.into()).unwrap_or("?")
                ),
            ];
            for ((n, _), from) in row.args.iter().zip(map) {
                if let (Some(r), Some(a)) = (regs.get(from as usize), ipc_arg.get(from as usize)) {
                    parts.push(format!("{r} = {n} (ipc's {a})"));
                }
            }
            let _ = writeln!(
                o,
                "  through ipc{}:",
                if issue.is_empty() {
                    ""
                } else {
                    " (what 32-bit glibc issues)"
                }
            );
            let _ = writeln!(o, "    {}", parts.join(", "));
        }
        match row.ia32 {
            Some(nr) if row.socketcall.is_some() || row.ipc.is_some() => {
                let _ = writeln!(
                    o,
                    "  direct, a number of its own since Linux {}: {}",
                    if row.socketcall.is_some() {
                        "4.3"
                    } else {
                        "5.1"
                    },
                    regs_line(Abi::Ia32, nr.into(), row.name, row)
                );
            }
            Some(nr) => {
                let _ = writeln!(o, "  {}", regs_line(Abi::Ia32, nr.into(), row.name, row));
            }
            None if row.socketcall.is_none() && row.ipc.is_none() => {
                let _ = writeln!(o, "  not an ia32 system call");
            }
            None => {}
        }
    }

    // The journeys.
    let addr = family
        .or_else(|| {
            row.args
                .iter()
                .any(|(_, a)| matches!(a, syscalls::Arg::SockAddr(_)))
                .then_some(Family::Unix)
        })
        .map(Family::example);
    // A version note is printed once, at the first step it belongs to.
    let mut told: Vec<&str> = Vec::new();
    for route in routes(row, abi, fast32) {
        let _ = writeln!(o, "\nThe path through this kernel: {}", route.title);
        let mut steps = path::build(ksyms, &route.call, addr.as_ref());
        if route.entry_only {
            // Up to and including the table dispatch; the rest is the route above.
            if let Some(at) = steps
                .iter()
                .position(|s| s.func.ends_with("_sys_call") || s.func.contains("sys_call_table"))
            {
                steps.truncate(at + 1);
            }
        }
        let mut n = 0;
        for step in steps.iter().filter(|s| s.func != "no libc wrapper") {
            n += 1;
            let note = match step.func.as_str() {
                // The recorded journey names the address the array was read from; here there is
                // no run, so say where it comes from.
                "copy_from_user" => Some(format!(
                    "the {} argument words from the array ecx points to",
                    route.call.row.args.len()
                )),
                _ => step.note.clone(),
            };
            let _ = writeln!(
                o,
                "  {n:>2}. {}{}",
                step.func,
                note.map(|n| format!("  [{n}]")).unwrap_or_default()
            );
            let (where_, seen) = if !step.is_func {
                (None, "a step inside the function above".to_string())
            } else if step.func.ends_with("()") {
                (Some("the C library"), "see above".to_string())
            } else if source::is_entry_code(&step.func) {
                (
                    source::file_of(&step.func, row),
                    "entry code (noinstr): no probe attaches; the raw_syscalls tracepoints \
                     that record every call fire from it"
                        .to_string(),
                )
            } else if step.func.starts_with("__x64_sys_")
                || step.func.starts_with("__ia32_sys_")
                || (step.func.starts_with("__ia32_compat_sys_")
                    && !hops::HOP_FUNCS.iter().any(|f| f.name == step.func))
            {
                // SYSCALL_DEFINE wraps __do_sys_X (COMPAT_SYSCALL_DEFINE __do_compat_sys_X)
                // in the pt_regs wrapper the table calls (arch/x86/include/asm/syscall_wrapper.h).
                let inner = step
                    .func
                    .replacen("__x64_sys_", "__do_sys_", 1)
                    .replacen("__ia32_compat_sys_", "__do_compat_sys_", 1)
                    .replacen("__ia32_sys_", "__do_sys_", 1);
                let inlined = if ksyms.has(&inner) {
                    String::new()
                } else {
                    format!("; its body {inner} is inlined into it here")
                };
                (
                    source::file_of(&step.func, row),
                    format!(
                        "the syscall's table entry{inlined}; the call itself is the event tracer records"
                    ),
                )
            } else {
                (source::file_of(&step.func, row), observe.of(&step.func))
            };
            let _ = writeln!(
                o,
                "      {}{seen}",
                where_.map(|w| format!("{w}; ")).unwrap_or_default()
            );
            if let Some(h) = source::history(&step.func).filter(|h| !told.contains(h)) {
                told.push(h);
                let _ = writeln!(o, "      older kernels: {h}");
            }
        }
        if route.entry_only {
            let _ = writeln!(o, "  then as above");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The functions a 6.18 kernel has on bind's paths (from /proc/kallsyms on this project's
    /// machines): x64_sys_call and int80_emulation, no sys_call_table indirect call.
    const KSYMS_618: &str = "\
ffffffff81000000 T entry_SYSCALL_64
ffffffff81000100 T do_syscall_64
ffffffff81000200 T x64_sys_call
ffffffff81000300 T ia32_sys_call
ffffffff81000380 T asm_int80_emulation
ffffffff81000400 T int80_emulation
ffffffff81000500 T do_int80_emulation
ffffffff81000580 T entry_SYSCALL_compat
ffffffff810005c0 T do_fast_syscall_32
ffffffff81000600 T __x64_sys_bind
ffffffff81000700 T __ia32_compat_sys_socketcall
ffffffff81000800 T __sys_bind
ffffffff81000900 T __sys_bind_socket
ffffffff81000a00 T unix_bind
ffffffff81000b00 T __x64_sys_msgsnd
ffffffff81000c00 T compat_ksys_ipc
ffffffff81000d00 T __ia32_compat_sys_ipc
ffffffff81000e00 T do_msgsnd
";

    /// A kernel before 6.7/6.9: the classic int 0x80 entry and no x64_sys_call.
    const KSYMS_OLD: &str = "\
ffffffff81000000 T entry_SYSCALL_64
ffffffff81000100 T do_syscall_64
ffffffff81000200 T entry_INT80_compat
ffffffff81000300 T do_int80_syscall_32
ffffffff81000600 T __x64_sys_bind
ffffffff81000650 t __do_sys_bind
ffffffff81000700 T __ia32_compat_sys_socketcall
ffffffff81000800 T __sys_bind
ffffffff81000a00 T unix_bind
";

    fn not_tried() -> Observability {
        Observability {
            tried: None,
            uprobes: true,
            kprobes: false,
        }
    }

    fn bind() -> &'static Row {
        syscalls::find("bind").unwrap()
    }

    /// `tracer explain` of `row` on the 6.18 symbols, an AMD CPU, without root.
    fn explain_618(row: &'static Row, abi: Option<Abi>) -> String {
        let k = Ksyms::parse(KSYMS_618);
        render(
            row,
            abi,
            None,
            &k,
            &not_tried(),
            "6.18.0",
            false,
            ENTRY_SYSCALL,
        )
    }

    #[test]
    fn bind_on_a_new_kernel_names_its_registers_numbers_and_steps() {
        let t = explain_618(bind(), None);
        for want in [
            "bind(sockfd, addr, addrlen): class %network, defined in net/socket.c (Linux 7.2.13)",
            "the program calls bind() in the C library",
            "rax = 49 (bind), rdi = sockfd, rsi = addr, rdx = addrlen",
            "eax = 102 (socketcall), ebx = 2 (SYS_BIND), ecx = the address of the array {sockfd, addr, addrlen}",
            "direct, a number of its own since Linux 4.3: eax = 361 (bind), ebx = sockfd",
            "x64_sys_call  [switch (nr) case 49]",
            "Linux 6.9 replaced the indirect call",
            "asm_int80_emulation  [the IDT entry of vector 0x80]",
            "int80_emulation  [entry_64_compat.S: clears branch history, jumps to the C code]",
            "ia32 as 32-bit glibc enters: `call *%gs:0x10` -> the vDSO's __kernel_vsyscall -> `syscall` (this CPU), socketcall(2)",
            "entry_SYSCALL_compat  [reached from the vDSO's __kernel_vsyscall]",
            "do_fast_syscall_32",
            "ia32, the classic `int $0x80`",
            "then as above",
            "ia32_sys_call  [switch (nr) case 102]",
            "the kernel copies nas[2] = 12 bytes (3 32-bit words)",
            "copy_from_user  [the 3 argument words from the array ecx points to]",
            "switch (call)  [case SYS_BIND]",
            "__sys_bind\n      net/socket.c; no kprobes in this kernel",
            "unix_bind  [sock->ops->bind]\n      net/unix/af_unix.c;",
            "its body __do_sys_bind is inlined into it here",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
        // Functions this kernel does not have are not named as steps.
        for absent in [
            "sys_call_table[",
            "entry_INT80_compat",
            "do_int80_syscall_32",
        ] {
            assert!(!t.contains(&format!(". {absent}")), "{absent} in:\n{t}");
        }
    }

    #[test]
    fn an_older_kernel_gets_its_own_steps() {
        let k = Ksyms::parse(KSYMS_OLD);
        let t = render(
            bind(),
            Some(Abi::Ia32),
            None,
            &k,
            &not_tried(),
            "6.1.0",
            false,
            ENTRY_SYSCALL,
        );
        assert!(t.contains("entry_INT80_compat"), "{t}");
        assert!(t.contains("do_int80_syscall_32"), "{t}");
        assert!(
            t.contains("ia32_sys_call_table  [ia32_sys_call_table[102]]"),
            "{t}"
        );
        assert!(
            !t.contains("x86_64: the `syscall` instruction"),
            "--abi ia32 only:\n{t}"
        );
        assert!(!t.contains("inlined"), "{t}");
    }

    #[test]
    fn observability_comes_from_the_probes_when_tried() {
        let k = Ksyms::parse(KSYMS_618);
        let observe = Observability {
            tried: Some(vec![
                HopStatus {
                    func: "__sys_bind",
                    mechanism: Mechanism::Fentry,
                    fentry_refused: None,
                },
                HopStatus {
                    func: "unix_bind",
                    mechanism: Mechanism::None("fentry refused by this kernel (EPERM)".into()),
                    fentry_refused: None,
                },
            ]),
            uprobes: false,
            kprobes: true,
        };
        let t = render(
            bind(),
            Some(Abi::X86_64),
            None,
            &k,
            &observe,
            "6.18.0",
            false,
            ENTRY_SYSCALL,
        );
        assert!(
            t.contains("__sys_bind\n      net/socket.c; observed here by fentry"),
            "{t}"
        );
        assert!(
            t.contains("not observable here: fentry refused by this kernel (EPERM)"),
            "{t}"
        );
        assert!(t.contains("the saved user instruction pointer"), "{t}");
        assert!(
            t.contains("--wrapper-probes is not available: this kernel has no uprobes"),
            "{t}"
        );
    }

    /// glibc 2.36's semop() is semtimedop(..., NULL) (rax 220; i386: ipc call 4) and its
    /// accept() issues accept (rax 43): neither is claimed for the call it does not issue.
    #[test]
    fn a_wrapper_is_named_only_for_the_call_it_issues() {
        let k = Ksyms::parse(KSYMS_618);
        let explain = |name: &str, abi: Option<Abi>, fast32: u8| {
            let row = syscalls::find(name).unwrap();
            render(row, abi, None, &k, &not_tried(), "6.18.0", false, fast32)
        };
        let semop = explain("semop", None, ENTRY_SYSENTER);
        assert!(
            semop.contains("glibc's semop() does not issue semop: it issues semtimedop"),
            "{semop}"
        );
        assert!(!semop.contains("the program calls semop()"), "{semop}");
        assert!(!semop.contains("what 32-bit glibc issues"), "{semop}");
        assert!(
            semop.contains("ia32 through the vDSO: __kernel_vsyscall -> `sysenter`"),
            "{semop}"
        );
        let semtimedop = explain("semtimedop", Some(Abi::Ia32), ENTRY_SYSENTER);
        assert!(
            semtimedop.contains("the program calls semop() in the C library"),
            "{semtimedop}"
        );
        assert!(semtimedop.contains("ebx = 4 (SEMTIMEDOP)"), "{semtimedop}");
        let accept4 = explain("accept4", Some(Abi::X86_64), ENTRY_SYSCALL);
        assert!(
            accept4.contains("the program calls accept4() in the C library"),
            "{accept4}"
        );
        assert!(
            accept4.contains("glibc's accept() does not issue accept4: it issues accept"),
            "{accept4}"
        );
    }

    #[test]
    fn sysv_ipc_goes_through_ipc_on_ia32() {
        let t = explain_618(syscalls::find("msgsnd").unwrap(), None);
        assert!(
            t.contains("eax = 117 (ipc), ebx = 11 (MSGSND), ecx = msqid (ipc's first), edi = msgp (ipc's ptr), edx = msgsz (ipc's second), esi = msgflg (ipc's third)"),
            "{t}"
        );
        assert!(
            t.contains("compat_ksys_ipc  [switch (call) case MSGSND]"),
            "{t}"
        );
        assert!(t.contains("do_msgsnd\n      ipc/msg.c;"), "{t}");
        assert!(t.contains("its body __do_compat_sys_ipc is inlined"), "{t}");
        assert!(
            t.contains("a number of its own since Linux 5.1: eax = 400"),
            "{t}"
        );
    }

    #[test]
    fn the_family_picks_the_protocol_operation() {
        let k = Ksyms::parse(&format!("{KSYMS_618}ffffffff81001000 T inet_bind\n"));
        let t = render(
            bind(),
            Some(Abi::X86_64),
            Some(Family::Inet),
            &k,
            &not_tried(),
            "6.18.0",
            false,
            ENTRY_SYSCALL,
        );
        assert!(t.contains("inet_bind  [sock->ops->bind]"), "{t}");
        assert!(!t.contains("unix_bind"), "{t}");
    }
}
