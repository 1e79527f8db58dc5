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
//!
//! In English or Chinese (`--lang`, as `tracer walkthrough` has it: the same [`Lang`] and
//! `t!`): every sentence exists in both; function names, registers, files and C stay as they are.

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
use crate::walkthrough::{Lang, t};

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
                flowinfo: 0,
                scope_id: Some(0),
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
    fn of(&self, func: &str, lang: Lang) -> String {
        let not_probed = || t!(lang, "not probed by tracer", "tracer 不探测它");
        if !hops::HOP_FUNCS.iter().any(|f| f.name == func) {
            return not_probed();
        }
        match &self.tried {
            Some(statuses) => match statuses.iter().find(|s| s.func == func) {
                Some(HopStatus {
                    mechanism: Mechanism::None(why),
                    ..
                }) => match lang {
                    Lang::En => format!("not observable here: {why}"),
                    Lang::Zh => format!("这里观测不到：{}", why_zh(why)),
                },
                Some(s) => {
                    let mech = s.mechanism.name();
                    t!(lang, "observed here by {mech}", "这里由 {mech} 观测")
                }
                None => not_probed(),
            },
            None if self.kprobes => t!(
                lang,
                "observable by fentry or kprobe; run as root to find out which",
                "可由 fentry 或 kprobe 观测；以 root 运行可知是哪一种"
            ),
            None => t!(
                lang,
                "no kprobes in this kernel; run as root to find out whether fentry works",
                "本内核没有 kprobe；以 root 运行可知 fentry 是否可用"
            ),
        }
    }
}

/// In Chinese, why a probe could not attach: the reasons `hops::attach` gives (compared with
/// what its own functions say, so a reworded reason cannot silently stay English), each part of
/// a "fentry ...; kprobe ..." pair in turn. An error tracer does not recognise is quoted as the
/// kernel or loader said it, like a file name.
fn why_zh(why: &str) -> String {
    let part = |p: &str| -> String {
        for kind in ["fentry", "kprobe"] {
            if p == hops::reason(kind, "Operation not permitted") {
                return format!("本内核拒绝 {kind}（EPERM）");
            }
        }
        if p == hops::reason("kprobe", "kprobe/type") {
            "本内核没有 kprobe（CONFIG_KPROBES 未开启）".into()
        } else if p == hops::KALLSYMS_UNREADABLE {
            "/proc/kallsyms 不可读".into()
        } else if p == hops::NOT_IN_KERNEL {
            "不在本内核中（被内联或改了名）".into()
        } else if let Some((kind @ ("fentry" | "kprobe"), e)) = p.split_once(": ") {
            format!("{kind} 挂接失败：{e}")
        } else {
            p.to_string()
        }
    };
    why.split("; ").map(part).collect::<Vec<_>>().join("；")
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

/// Every syscall `tracer explain` knows, one a line, in the table's order.
pub fn list() -> Result<()> {
    for row in rows() {
        crate::outln!("{}", row.name)?;
    }
    Ok(())
}

/// The rows `tracer explain NAME` finds: the first of each name.
fn rows() -> impl Iterator<Item = &'static Row> {
    let mut seen = std::collections::HashSet::new();
    syscalls::ROWS.iter().filter(move |r| seen.insert(r.name))
}

/// How `tracer explain` was asked to explain.
pub struct Options {
    pub abi: Option<Abi>,
    /// The address family of a socket call's protocol operation.
    pub family: Option<Family>,
    /// The ia32 entry instruction the vDSO uses (`--cpu`); `None` for this CPU's.
    pub fast32: Option<u8>,
    pub lang: Option<Lang>,
}

/// What the pages are rendered against: this kernel's symbols, what it lets tracer observe.
struct Machine {
    ksyms: Ksyms,
    observe: Observability,
    kernel: String,
}

impl Machine {
    fn here() -> Result<Machine> {
        let ksyms = Ksyms::load();
        let observe = Observability::find(&ksyms);
        let kernel = nix::sys::utsname::uname()?
            .release()
            .to_string_lossy()
            .into_owned();
        Ok(Machine {
            ksyms,
            observe,
            kernel,
        })
    }

    fn render(&self, row: &'static Row, family: Option<Family>, opts: &Options) -> String {
        let fast32 = match opts.fast32 {
            Some(entry) => Fast32 {
                entry,
                this_cpu: entry == fast_entry32(),
            },
            None => Fast32::here(fast_entry32()),
        };
        render(
            row,
            opts.abi,
            family,
            &self.ksyms,
            &self.observe,
            &self.kernel,
            self.ksyms.is_empty(),
            fast32,
            opts.lang.unwrap_or_else(Lang::from_env),
        )
    }
}

pub fn run(name: &str, opts: &Options) -> Result<()> {
    let row = syscalls::find(name)?;
    let machine = Machine::here()?;
    crate::out!("{}", machine.render(row, opts.family, opts))?;
    Ok(())
}

/// `tracer explain --all`: the page of every syscall, and of a socket call with a protocol
/// operation one per address family, each after a `=== NAME [FAMILY]` line; the kernel's
/// symbols are read and its probes tried once. For checking every name the pages print
/// against a kernel (tests/explain.rs, and `cargo xtask vm` on Debian 12's kernel).
pub fn run_all(opts: &Options) -> Result<()> {
    let machine = Machine::here()?;
    let families = [Family::Unix, Family::Inet, Family::Inet6, Family::Netlink];
    for row in rows() {
        if row.sock_op.is_some() {
            for family in families {
                let label = format!("{family:?}").to_lowercase();
                crate::outln!("=== {} {label}", row.name)?;
                crate::out!("{}", machine.render(row, Some(family), opts))?;
            }
        } else {
            crate::outln!("=== {}", row.name)?;
            crate::out!("{}", machine.render(row, None, opts))?;
        }
    }
    Ok(())
}

/// The ia32 entry instruction a page shows, and whether it is this CPU's.
#[derive(Copy, Clone, Debug)]
pub struct Fast32 {
    pub entry: u8,
    pub this_cpu: bool,
}

impl Fast32 {
    /// `entry`, the instruction this CPU's vDSO uses.
    pub const fn here(entry: u8) -> Fast32 {
        Fast32 {
            entry,
            this_cpu: true,
        }
    }
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

/// The C library functions that lead to `row`'s call, split into those that issue it (their
/// first system call is it; then those it names but tracer does not probe: `semtimedop()`) and
/// those that issue another call (glibc's `semop()` issues `semtimedop`), with that call.
fn wrappers_of(row: &Row) -> (Vec<&'static str>, Vec<(&'static str, &'static str)>) {
    let name = row.name;
    let mut issue = Vec::new();
    let mut other = Vec::new();
    for (f, calls) in libc::WRAPPERS.iter().filter(|(_, c)| c.contains(&name)) {
        match calls.first() {
            Some(first) if *first == name => issue.push(*f),
            Some(first) => other.push((*f, *first)),
            None => {}
        }
    }
    for f in row.libc_unprobed {
        if !issue.contains(f) {
            issue.push(f);
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

fn routes(row: &'static Row, abi: Option<Abi>, fast32: Fast32, lang: Lang) -> Vec<Route> {
    let mut out = Vec::new();
    if abi != Some(Abi::Ia32)
        && let Some(nr) = row.x64
    {
        out.push(Route {
            title: t!(
                lang,
                "x86_64, `syscall` with rax = {nr}",
                "x86_64，`syscall`，rax = {nr}"
            ),
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
    let glibc = if wrappers_of(row).0.is_empty() {
        t!(
            lang,
            "through the vDSO: __kernel_vsyscall",
            "经 vDSO：__kernel_vsyscall"
        )
    } else {
        t!(
            lang,
            "as 32-bit glibc enters: `call *%gs:0x10` -> the vDSO's __kernel_vsyscall",
            "32 位 glibc 的进入方式：`call *%gs:0x10` -> vDSO 中的 __kernel_vsyscall"
        )
    };
    let entry = entry_name(fast32.entry);
    let cpu = match (fast32.this_cpu, fast32.entry) {
        (true, _) => t!(lang, "this CPU", "本机 CPU"),
        (false, ENTRY_SYSCALL) => t!(lang, "AMD and Hygon CPUs", "AMD 和海光 CPU"),
        (false, _) => t!(lang, "Intel and other CPUs", "Intel 等 CPU"),
    };
    out.push(Route {
        title: t!(
            lang,
            "ia32 {glibc} -> `{entry}` ({cpu}), {how}",
            "ia32，{glibc} -> `{entry}`（{cpu}），{how}"
        ),
        call: Call::hypothetical(row, Abi::Ia32, fast32.entry, nr.into(), table, call.into()),
        entry_only: false,
    });
    out.push(Route {
        title: t!(
            lang,
            "ia32, the classic `int $0x80` (older texts; programs that issue it by hand), {how}",
            "ia32，经典的 `int $0x80`（旧教材；手工发出它的程序），{how}"
        ),
        call: Call::hypothetical(row, Abi::Ia32, ENTRY_INT80, nr.into(), table, call.into()),
        entry_only: true,
    });
    out
}

/// In Chinese, a step's note from the journey (`kernel::path`): its prose, by the step it
/// belongs to; notes that are code (`switch (nr) case 49`, `sock->ops->bind`, `case SYS_BIND`,
/// `sys_call_table[49]`) stay as they are.
fn note_zh(step: &path::Step) -> Option<String> {
    let note = step.note.clone()?;
    Some(match step.func.as_str() {
        "entry_SYSCALL_64" => "syscall 指令落到这里".into(),
        // arch/x86/kernel/idt.c: SYSG(IA32_SYSCALL_VECTOR, asm_int80_emulation), a DPL 3
        // interrupt gate (GATE_INTERRUPT).
        "asm_int80_emulation" | "entry_INT80_compat" => "int $0x80 对应的 IDT 中断门入口".into(),
        "int80_emulation" => "entry_64_compat.S：清除分支历史，跳到 C 代码".into(),
        "entry_SYSCALL_compat" | "entry_SYSENTER_compat" => {
            "从 vDSO 中的 __kernel_vsyscall 进入这里".into()
        }
        "entry" => "读不到进入内核所用的指令".into(),
        _ => note,
    })
}

/// The whole explanation, as text. Pure: the kernel's symbols and what it allows are inputs;
/// `fast32` is the instruction the vDSO enters with (on this CPU: [`fast_entry32`]).
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
    fast32: Fast32,
    lang: Lang,
) -> String {
    let mut o = String::new();
    let name = row.name;
    let sig = signature(row);
    let class = match crate::syscalls::class::names(row.classes).as_slice() {
        [] => t!(lang, "in no strace class", "不属于任何 strace 类别"),
        names => {
            let names = names
                .iter()
                .map(|n| format!("%{n}"))
                .collect::<Vec<_>>()
                .join(" ");
            t!(lang, "class {names}", "strace 类别 {names}")
        }
    };
    let defined = source::file_of(&format!("__x64_sys_{name}"), row, lang)
        .map(|f| {
            let v = crate::versions::TABLES_KERNEL.version;
            t!(
                lang,
                ", defined in {f} (Linux {v})",
                "，定义在 {f}（Linux {v}）"
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{}",
        t!(lang, "{sig}: {class}{defined}", "{sig}：{class}{defined}")
    );
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "On this kernel: Linux {kernel}.",
            "本机内核：Linux {kernel}。"
        )
    );
    if no_symbols {
        let _ = writeln!(
            o,
            "{}",
            t!(
                lang,
                "(/proc/kallsyms is not readable here: the kernel steps below are the ones tracer \
                 knows, not checked against this kernel)",
                "（这里读不到 /proc/kallsyms：下面的内核步骤是 tracer 已知的步骤，没有对照本内核检查）"
            )
        );
    }

    // The program and its C library.
    let _ = writeln!(o, "\n{}", t!(lang, "In the program", "在程序中"));
    let (issue, other) = wrappers_of(row);
    if issue.is_empty() && other.is_empty() {
        let _ = writeln!(
            o,
            "  {}",
            t!(
                lang,
                "the C library function that issues it is not one tracer probes (its wrappers list \
                 covers the socket, IPC and signal calls); a program may also issue it through \
                 syscall(2)",
                "发出它的 C 库函数不在 tracer 探测之列（tracer 的封装函数列表只含套接字、IPC 和\
                 信号相关的调用）；程序也可以通过 syscall(2) 发出它"
            )
        );
    }
    if !issue.is_empty() {
        let names: Vec<String> = issue.iter().map(|f| format!("{f}()")).collect();
        let names = names.join(t!(lang, " or ", " 或 ").as_str());
        let _ = writeln!(
            o,
            "  {}",
            t!(
                lang,
                "the program calls {names} in the C library (glibc), which loads the registers \
                 below and executes the entry instruction.",
                "程序调用 C 库（glibc）中的 {names}，它把系统调用号和参数装入下面的寄存器，再执行\
                 进入内核的指令。"
            )
        );
        // The function that executes the entry instruction: the last named (glibc's semop()
        // jumps to semtimedop(), which issues it; the others each issue it themselves). Its
        // offset depends on the C library's build.
        let wrapper = issue.last().copied().unwrap_or(name);
        let example = format!("`{wrapper}+0x… in libc.so.6`");
        // A function the probed wrappers call gets no uprobe of its own (Row::libc_unprobed).
        let unprobed: Vec<String> = row.libc_unprobed.iter().map(|f| format!("{f}()")).collect();
        let unprobed = if unprobed.is_empty() {
            String::new()
        } else {
            let names = unprobed.join(", ");
            t!(
                lang,
                " (none on {names}, which the probed wrapper calls)",
                "（{names} 上不挂：被探测的封装函数会调用它）"
            )
        };
        let how = if observe.uprobes {
            t!(
                lang,
                "the saved user instruction pointer at entry lies in the wrapper (the function, \
                 offset and file: {example}); with --wrapper-probes also a uprobe \
                 on the wrapper{unprobed}, with the address it was called from",
                "进入内核时保存的用户态指令指针落在封装函数里（函数、偏移和文件：\
                 {example}）；加上 --wrapper-probes 时还在封装函数上挂 uprobe{unprobed}，\
                 连同调用它的地址一起记录"
            )
        } else {
            t!(
                lang,
                "the saved user instruction pointer at entry lies in the wrapper (the function, \
                 offset and file: {example}); --wrapper-probes is not available: \
                 this kernel has no uprobes",
                "进入内核时保存的用户态指令指针落在封装函数里（函数、偏移和文件：\
                 {example}）；--wrapper-probes 在这里不可用：本内核没有 uprobe"
            )
        };
        let _ = writeln!(
            o,
            "  {}",
            t!(
                lang,
                "tracer sees that call: {how}",
                "tracer 对这次调用的观测：{how}"
            )
        );
    }
    // glibc 2.36 (objdump -d of Debian 12's libc.so.6 and /lib32/libc.so.6): semop() jumps to
    // semtimedop (rax 220; on i386 ipc call 4, SEMTIMEDOP); accept() issues accept (rax 43).
    for (f, first) in &other {
        let by_hand = match (issue.is_empty(), row.libc_when) {
            (true, Some([en, zh])) => {
                let (en, zh) = (crate::versions::fill(en), crate::versions::fill(zh));
                t!(lang, "; {en}", "；{zh}")
            }
            (true, None) => t!(
                lang,
                "; this call is made by programs that issue it by hand, through syscall(2)",
                "；只有通过 syscall(2) 手工发出它的程序才会用到这个调用"
            ),
            (false, _) => String::new(),
        };
        let _ = writeln!(
            o,
            "  {}",
            t!(
                lang,
                "glibc's {f}() does not issue {name}: it issues {first} (`tracer explain {first}`){by_hand}",
                "glibc 的 {f}() 发出的不是 {name}，而是 {first}（`tracer explain {first}`）{by_hand}"
            )
        );
    }

    if !row.meaning.is_empty() {
        let _ = writeln!(o, "\n{}", t!(lang, "What the arguments mean", "参数的含义"));
        for [en, zh] in row.meaning {
            let _ = writeln!(
                o,
                "  {}",
                match lang {
                    Lang::En => en,
                    Lang::Zh => zh,
                }
            );
        }
    }

    // The registers, per ABI.
    if abi != Some(Abi::Ia32) {
        let _ = writeln!(
            o,
            "\n{}",
            t!(
                lang,
                "x86_64: the `syscall` instruction",
                "x86_64：`syscall` 指令"
            )
        );
        match row.x64 {
            Some(nr) => {
                let _ = writeln!(o, "  {}", regs_line(Abi::X86_64, nr.into(), name, row));
                let _ = writeln!(
                    o,
                    "  {}",
                    t!(
                        lang,
                        "the number indexes the x86_64 table (arch/x86/entry/syscalls/syscall_64.tbl); \
                         the result comes back in rax: a value, or -errno, which the wrapper turns \
                         into -1 and errno",
                        "系统调用号是 x86_64 系统调用表（arch/x86/entry/syscalls/syscall_64.tbl）的\
                         下标；结果从 rax 返回：一个值，或者 -errno，封装函数把后者变成返回值 -1 \
                         并设置 errno"
                    )
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "  {}",
                    t!(lang, "not an x86_64 system call", "不是 x86_64 的系统调用")
                );
            }
        }
    }
    if abi != Some(Abi::X86_64) {
        let _ = writeln!(
            o,
            "\n{}",
            t!(
                lang,
                "ia32 (32-bit programs): the C library calls the vDSO's __kernel_vsyscall, which \
                 executes `sysenter` (Intel) or `syscall` (AMD); `int $0x80` is the classic way",
                "ia32（32 位程序）：C 库调用 vDSO 中的 __kernel_vsyscall，它执行 `sysenter`\
                 （Intel）或 `syscall`（AMD）；`int $0x80` 是经典的方式"
            )
        );
        if let Some(sc) = row.socketcall.map(|c| c.call) {
            let sc_name = syscalls::socketcall_name(sc.into()).unwrap_or("?");
            let names = row
                .args
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<&str>>()
                .join(", ");
            let v = crate::versions::DIRECT_SOCKETCALLS.version;
            let _ = writeln!(
                o,
                "  {}",
                t!(
                    lang,
                    "through socketcall (what 32-bit glibc built to run on kernels before {v} \
                     issues, Debian 12's among them):",
                    "经 socketcall（为能在 {v} 之前的内核上运行而构建的 32 位 glibc 发出的就是它，\
                     Debian 12 的 glibc 也是）："
                )
            );
            let _ = writeln!(
                o,
                "    {}",
                t!(
                    lang,
                    "eax = 102 (socketcall), ebx = {sc} ({sc_name}), ecx = the address of the \
                     array {{{names}}}",
                    "eax = 102 (socketcall), ebx = {sc} ({sc_name}), ecx = 数组 {{{names}}} 的地址"
                )
            );
            // net/compat.c, COMPAT_SYSCALL_DEFINE2(socketcall): len = nas[call], AL(x) = x *
            // sizeof(u32) bytes; copy_from_user; switch (call).
            let words = row.args.len();
            let bytes = 4 * words;
            let _ = writeln!(
                o,
                "    {}",
                t!(
                    lang,
                    "the kernel copies nas[{sc}] = {bytes} bytes ({words} 32-bit words) from it, \
                     then switches on the call number (net/compat.c, \
                     COMPAT_SYSCALL_DEFINE2(socketcall), which the table calls as \
                     __ia32_compat_sys_socketcall)",
                    "内核从那里复制 nas[{sc}] = {bytes} 字节（{words} 个 32 位字），再按调用号 \
                     switch（net/compat.c 中的 COMPAT_SYSCALL_DEFINE2(socketcall)，系统调用表\
                     以 __ia32_compat_sys_socketcall 的名字调用它）"
                )
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
                    parts.push(t!(lang, "{r} = {n} (ipc's {a})", "{r} = {n}（ipc 的 {a}）"));
                }
            }
            let _ = writeln!(
                o,
                "  {}",
                match (issue.is_empty(), lang) {
                    (true, Lang::En) => "through ipc:",
                    (false, Lang::En) => "through ipc (what 32-bit glibc issues):",
                    (true, Lang::Zh) => "经 ipc：",
                    (false, Lang::Zh) => "经 ipc（32 位 glibc 发出的就是它）：",
                }
            );
            let _ = writeln!(o, "    {}", parts.join(", "));
        }
        match row.ia32 {
            Some(nr) if row.socketcall.is_some() || row.ipc.is_some() => {
                let since = if row.socketcall.is_some() {
                    crate::versions::DIRECT_SOCKETCALLS.version
                } else {
                    crate::versions::DIRECT_IPC.version
                };
                let regs = regs_line(Abi::Ia32, nr.into(), name, row);
                let _ = writeln!(
                    o,
                    "  {}",
                    t!(
                        lang,
                        "direct, a number of its own since Linux {since}: {regs}",
                        "直接调用，自 Linux {since} 起有自己的系统调用号：{regs}"
                    )
                );
            }
            Some(nr) => {
                let _ = writeln!(o, "  {}", regs_line(Abi::Ia32, nr.into(), name, row));
            }
            None if row.socketcall.is_none() && row.ipc.is_none() => {
                let _ = writeln!(
                    o,
                    "  {}",
                    t!(lang, "not an ia32 system call", "不是 ia32 的系统调用")
                );
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
    for route in routes(row, abi, fast32, lang) {
        let title = &route.title;
        let _ = writeln!(
            o,
            "\n{}",
            t!(
                lang,
                "The path through this kernel: {title}",
                "在本内核中的路径：{title}"
            )
        );
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
                "copy_from_user" => {
                    let words = route.call.row.args.len();
                    Some(t!(
                        lang,
                        "the {words} argument words from the array ecx points to",
                        "从 ecx 指向的数组复制 {words} 个参数字"
                    ))
                }
                _ if lang == Lang::Zh => note_zh(step),
                _ => step.note.clone(),
            };
            let _ = writeln!(
                o,
                "  {n:>2}. {}{}",
                step.func,
                note.map(|n| format!("  [{n}]")).unwrap_or_default()
            );
            let file = |f: &str| source::file_of(f, row, lang).map(crate::versions::fill);
            let (where_, seen) = if !step.is_func {
                (
                    None,
                    t!(
                        lang,
                        "a step inside the function above",
                        "上面那个函数内部的一步"
                    ),
                )
            } else if step.func.ends_with("()") {
                (
                    Some(t!(lang, "the C library", "C 库")),
                    t!(lang, "see above", "见上文"),
                )
            } else if source::is_entry_code(&step.func) {
                (
                    file(&step.func),
                    t!(
                        lang,
                        "entry code (noinstr): no probe attaches; the raw_syscalls tracepoints \
                         that record every call fire from it",
                        "入口代码（noinstr）：挂不上探针；记录每个调用的 raw_syscalls 跟踪点\
                         从这里触发"
                    ),
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
                    t!(
                        lang,
                        "; its body {inner} is inlined into it here",
                        "；它的函数体 {inner} 在本内核中被内联进来"
                    )
                };
                (
                    file(&step.func),
                    t!(
                        lang,
                        "the syscall's table entry{inlined}; the call itself is the event tracer records",
                        "系统调用表中的入口{inlined}；tracer 记录的事件就是这次调用本身"
                    ),
                )
            } else {
                (file(&step.func), observe.of(&step.func, lang))
            };
            let _ = writeln!(
                o,
                "      {}{seen}",
                where_
                    .map(|w| format!("{w}{}", t!(lang, "; ", "；")))
                    .unwrap_or_default()
            );
            if let Some(h) = source::history(&step.func, lang).filter(|h| !told.contains(h)) {
                told.push(h);
                let h = crate::versions::fill(h);
                let _ = writeln!(o, "      {}", t!(lang, "older kernels: {h}", "旧内核：{h}"));
            }
        }
        if route.entry_only {
            let _ = writeln!(o, "  {}", t!(lang, "then as above", "之后同上"));
        }
    }
    o
}

/// For tests of the Chinese text: the English prose left in `line`, if any. Code in backticks,
/// identifiers (`__sys_bind`, `sock->ops->bind`, `SYS_BIND`, `%gs:0x10`), registers, numbers and
/// file paths are not prose; two plain English words in a row are, and so is a lone function
/// word (`the`, `of`, `by`...) between Chinese.
#[cfg(test)]
pub(crate) fn english_prose(line: &str) -> Option<String> {
    const FUNCTION_WORDS: &[&str] = &[
        "a", "above", "an", "and", "are", "as", "at", "below", "by", "for", "from", "here", "in",
        "is", "it", "its", "not", "of", "on", "or", "see", "than", "that", "the", "then", "this",
        "to", "which", "with",
    ];
    // Backticked code goes; every character outside ASCII (Chinese, full-width punctuation)
    // ends a run of English.
    let mut plain = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            plain.extend(part.chars().map(|c| if c.is_ascii() { c } else { '\n' }));
        }
        plain.push('\n');
    }
    // A word followed by punctuation ends a phrase: `rsi = type, rdx = protocol` is a list.
    let is_word = |t: &str| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic() || c == '\'');
    for run in plain.lines() {
        let tokens: Vec<&str> = run.split_whitespace().collect();
        for (i, t) in tokens.iter().enumerate() {
            let bare = t
                .trim_end_matches([',', '.', ';', ':'])
                .to_ascii_lowercase();
            // `rdi = which`: an argument's name, not a word of a sentence.
            let value = i > 0 && tokens[i - 1] == "=";
            if (FUNCTION_WORDS.contains(&bare.as_str()) && !value)
                || (is_word(t)
                    && tokens
                        .get(i + 1)
                        .is_some_and(|n| is_word(n.trim_end_matches([',', '.', ';', ':']))))
            {
                return Some(tokens[i..tokens.len().min(i + 4)].join(" "));
            }
        }
    }
    None
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
        explain_618_on(row, abi, ENTRY_SYSCALL)
    }

    /// The same on a CPU whose vDSO enters with `fast32`.
    fn explain_618_on(row: &'static Row, abi: Option<Abi>, fast32: u8) -> String {
        let k = Ksyms::parse(KSYMS_618);
        render(
            row,
            abi,
            None,
            &k,
            &not_tried(),
            "6.18.0",
            false,
            Fast32::here(fast32),
            Lang::En,
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
            Fast32::here(ENTRY_SYSCALL),
            Lang::En,
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
            Fast32::here(ENTRY_SYSCALL),
            Lang::En,
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
        let explain = |name: &str, abi: Option<Abi>, fast32: u8| {
            explain_618_on(syscalls::find(name).unwrap(), abi, fast32)
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
        // glibc's semtimedop() issues it too, and executes the entry instruction for semop().
        for want in [
            "the program calls semop() or semtimedop() in the C library",
            "(the function, offset and file: `semtimedop+0x… in libc.so.6`)",
            "a uprobe on the wrapper (none on semtimedop(), which the probed wrapper calls)",
            "ebx = 4 (SEMTIMEDOP)",
        ] {
            assert!(semtimedop.contains(want), "{want}: {semtimedop}");
        }
        let accept4 = explain("accept4", Some(Abi::X86_64), ENTRY_SYSCALL);
        assert!(
            accept4.contains("`accept4+0x… in libc.so.6`"),
            "the page's own wrapper is the example: {accept4}"
        );
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
            Fast32::here(ENTRY_SYSCALL),
            Lang::En,
        );
        assert!(t.contains("inet_bind  [sock->ops->bind]"), "{t}");
        assert!(!t.contains("unix_bind"), "{t}");
    }

    /// Every input that changes what explain says: the kernels' symbols (none, 6.18, before
    /// 6.7), what the probes did, the CPU's fast entry.
    fn machines() -> Vec<(Ksyms, bool, Observability, Fast32)> {
        let all = |m: fn(&str) -> Mechanism| {
            hops::HOP_FUNCS
                .iter()
                .map(|f| HopStatus {
                    func: f.name,
                    mechanism: m(f.name),
                    fentry_refused: None,
                })
                .collect::<Vec<_>>()
        };
        let tried = |statuses| Observability {
            tried: Some(statuses),
            uprobes: true,
            kprobes: true,
        };
        let observes = || {
            vec![
                not_tried(),
                Observability {
                    tried: None,
                    uprobes: false,
                    kprobes: true,
                },
                tried(all(|_| Mechanism::Fentry)),
                tried(all(|_| Mechanism::Kprobe)),
                tried(all(|_| {
                    Mechanism::None(format!(
                        "{}; {}",
                        hops::reason("fentry", "Operation not permitted"),
                        hops::reason("kprobe", "kprobe/type")
                    ))
                })),
                tried(all(|f| {
                    Mechanism::None(if f.len() % 2 == 0 {
                        hops::NOT_IN_KERNEL.into()
                    } else {
                        hops::KALLSYMS_UNREADABLE.into()
                    })
                })),
            ]
        };
        let mut out = Vec::new();
        for (syms, empty) in [(KSYMS_618, false), (KSYMS_OLD, false), ("", true)] {
            for entry in [ENTRY_SYSCALL, ENTRY_SYSENTER] {
                for this_cpu in [true, false] {
                    for observe in observes() {
                        let fast32 = Fast32 { entry, this_cpu };
                        out.push((Ksyms::parse(syms), empty, observe, fast32));
                    }
                }
            }
        }
        out
    }

    /// The lessons' parity, for explain: for every system call tracer knows, on every kind of
    /// machine, the Chinese text has a line for each English line, each line with English prose
    /// is said in Chinese, and no English prose is left in the Chinese, only the names of
    /// functions, registers, files and code.
    /// kill's special pids, in both languages (kernel/signal.c `kill_something_info`).
    #[test]
    fn kill_says_what_pid_0_and_minus_1_mean() {
        let row = syscalls::ROWS.iter().find(|r| r.name == "kill").unwrap();
        let (k, empty, observe, fast32) = machines().remove(0);
        let text = |lang| render(row, None, None, &k, &observe, "6.18.0", empty, fast32, lang);
        let (en, zh) = (text(Lang::En), text(Lang::Zh));
        assert!(en.contains("What the arguments mean"), "{en}");
        assert!(
            en.contains("pid 0: every process in the caller's process group"),
            "{en}"
        );
        assert!(
            en.contains(
                "pid -1: every process the caller may signal except pid 1 and the caller itself"
            ),
            "{en}"
        );
        assert!(zh.contains("参数的含义"), "{zh}");
        assert!(zh.contains("pid 0：调用者所在进程组中的每个进程"), "{zh}");
        assert!(zh.contains("pid -1：除 1 号进程和调用者自己以外"), "{zh}");
    }

    /// Issue 18: every version an explain page prints (every system call, every address
    /// family of a socket call, both ABIs, on the 6.18 symbols, a kernel before 6.7 and none,
    /// each CPU's fast entry) is one of the facts in crate::versions, each with its citation;
    /// and each line prints the same versions in both languages.
    /// Every page in both languages (every system call, every address family of a socket
    /// call) on every `step`th machine of [`machines`], as `running`: `f(row, en, zh)`.
    fn each_page(step: usize, running: &str, mut f: impl FnMut(&Row, &str, &str)) {
        let families = [
            None,
            Some(Family::Unix),
            Some(Family::Inet),
            Some(Family::Inet6),
            Some(Family::Netlink),
        ];
        for (k, empty, observe, fast32) in machines().into_iter().step_by(step) {
            for row in syscalls::ROWS.iter() {
                let fams = if row.sock_op.is_some() {
                    &families[..]
                } else {
                    &families[..1]
                };
                for &family in fams {
                    let text = |lang| {
                        render(
                            row, None, family, &k, &observe, running, empty, fast32, lang,
                        )
                    };
                    f(row, &text(Lang::En), &text(Lang::Zh));
                }
            }
        }
    }

    /// Issue 18: every version an explain page prints (every system call, every address
    /// family of a socket call, both ABIs, on the 6.18 symbols, a kernel before 6.7 and none,
    /// each CPU's fast entry) is one of the facts in crate::versions, each with its citation;
    /// and each line prints the same versions in both languages.
    #[test]
    fn every_printed_version_has_a_citation_and_both_languages_print_it() {
        const RUNNING: &str = "9.8.7-test";
        let mut claims = 0;
        // One of each kind of observation: it changes what a page says of probes, not of
        // versions.
        each_page(6, RUNNING, |row, en, zh| {
            for (lang, t) in [("en", en), ("zh", zh)] {
                let wrong = crate::versions::uncited(t, RUNNING);
                assert!(
                    wrong.is_empty(),
                    "explain {} ({lang}): versions with no fact in versions.rs: {wrong:#?}",
                    row.name
                );
                claims += crate::versions::claims(t).len();
            }
            for (e, z) in en.lines().zip(zh.lines()) {
                assert_eq!(
                    crate::versions::printed(e),
                    crate::versions::printed(z),
                    "explain {}: the languages print different versions:\n{e}\n{z}",
                    row.name
                );
            }
        });
        assert!(claims > 1000, "{claims}");
    }

    #[test]
    fn every_english_line_has_its_chinese_counterpart() {
        let mut checked = 0;
        each_page(1, "6.18.0", |row, en, zh| {
            let (en_lines, zh_lines): (Vec<&str>, Vec<&str>) =
                (en.lines().collect(), zh.lines().collect());
            assert_eq!(en_lines.len(), zh_lines.len(), "{}:\n{en}\n{zh}", row.name);
            for (e, z) in en_lines.iter().zip(&zh_lines) {
                assert!(!e.chars().any(is_cjk), "Chinese in the English: {e}");
                if english_prose(e).is_some() {
                    assert!(
                        z != e && z.chars().any(is_cjk),
                        "{}: not in Chinese: {z}",
                        row.name
                    );
                }
                assert_eq!(
                    english_prose(z),
                    None,
                    "{}: English left in the Chinese line {z:?}",
                    row.name
                );
            }
            checked += 1;
        });
        assert!(checked > 1000, "{checked}");
    }

    fn is_cjk(c: char) -> bool {
        ('\u{2e80}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c)
    }

    /// One Chinese term per idea, in every lesson, explain page and the pager (issue 18): a
    /// signal or datagram is 递送 (deliver), never \u{6295}\u{9012}; the way back is 返回路径,
    /// not \u{8fd4}\u{56de}\u{4e4b}\u{8def}; `int $0x80` enters through the IDT's 中断门
    /// (interrupt gate), never a bare \u{95e8}. The words are spelled as escapes here so that
    /// this file passes its own check.
    #[test]
    fn the_chinese_wording_is_one_term_per_idea() {
        fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    sources(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let banned = [
            "\u{6295}\u{9012}",
            "\u{8fd4}\u{56de}\u{4e4b}\u{8def}",
            "$0x80 \u{7684}\u{95e8}",
        ];
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 20, "{files:?}");
        let mut deliver = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for b in banned {
                assert!(!text.contains(b), "{} says {b}", f.display());
            }
            deliver += text.matches("递送").count();
        }
        assert!(deliver >= 3, "the lessons say 递送 {deliver} times");
    }

    #[test]
    fn the_prose_check_tells_prose_from_names() {
        for prose in [
            "the syscall instruction lands here",
            "旧内核：Linux 6.9 replaced the call",
            "net/socket.c；not probed by tracer",
            "调用 the 函数",
        ] {
            assert!(english_prose(prose).is_some(), "{prose}");
        }
        for names in [
            "   3. x64_sys_call  [switch (nr) case 49]",
            "  7. unix_bind  [sock->ops->bind]",
            "    eax = 102 (socketcall), ebx = 2 (SYS_BIND), ecx = 数组 {sockfd, addr, addrlen} 的地址",
            "ia32，32 位 glibc 的进入方式：`call *%gs:0x10 -> the vDSO` -> `syscall`（本机 CPU），socketcall(2)",
            "arch/x86/entry/syscall_64.c（6.1 中为 arch/x86/entry/common.c）；tracer 不探测它",
        ] {
            assert_eq!(english_prose(names), None, "{names}");
        }
    }

    #[test]
    fn in_chinese_the_reasons_a_probe_failed_are_chinese_and_unknown_errors_are_quoted() {
        let both = format!(
            "{}; {}",
            hops::reason("fentry", "Operation not permitted"),
            hops::reason("kprobe", "kprobe/type")
        );
        assert_eq!(
            why_zh(&both),
            "本内核拒绝 fentry（EPERM）；本内核没有 kprobe（CONFIG_KPROBES 未开启）"
        );
        assert_eq!(
            why_zh(hops::NOT_IN_KERNEL),
            "不在本内核中（被内联或改了名）"
        );
        assert_eq!(
            why_zh(&hops::reason(
                "kprobe",
                "No such file or directory (os error 2)"
            )),
            "kprobe 挂接失败：No such file or directory (os error 2)"
        );
    }
}
