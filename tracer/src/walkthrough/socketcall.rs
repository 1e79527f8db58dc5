//! The socketcall lesson: one `bind()` made three ways by the `socketcall` demo: through the
//! 64-bit `syscall` instruction (rax = 49); as 32-bit glibc makes it, calling the vDSO's
//! `__kernel_vsyscall` (`sysenter` or `syscall`: glibc's own `bind`, called by the demo's
//! `glibc32` program where the i386 C library is installed, else the `vsyscall32` program that
//! repeats its instructions); and through the classic `int $0x80`. On ia32 all socket operations share one system call,
//! `socketcall(call, args)` (ia32 102), which copies its arguments from user memory and switches
//! on `call`.
//!
//! Kernel facts (Linux 6.1 and 6.18): `COMPAT_SYSCALL_DEFINE2(socketcall, ...)` in net/compat.c
//! checks `call` against `SYS_SOCKET..SYS_SENDMMSG`, takes `len = nas[call]` (`AL(3)` = 12
//! bytes for `SYS_BIND`), `copy_from_user(a, args, len)`, then `switch (call)`, whose
//! `case SYS_BIND` calls `__sys_bind(a0, compat_ptr(a1), a[2])`. `__sys_bind` (net/socket.c)
//! finds the socket behind the fd, copies the address in (`move_addr_to_kernel`), asks the LSMs
//! (`security_socket_bind`) and calls `sock->ops->bind`, here `unix_bind`
//! (net/unix/af_unix.c), which for a path creates the socket file (`unix_bind_bsd`, 5.14+).
//! Since 6.11 the part after the fd lookup is `__sys_bind_socket` (commit dc2e77979412, "net:
//! Split a __sys_bind helper for io_uring", for IORING_OP_BIND).

use serde_json::Value;

use super::{Ctx, Lang, Lesson, Line, Mark, Run, Step};
use crate::versions::{
    BIND_SOCKET, DIRECT_SOCKETCALLS, GLIBC_DEBIAN_12, INT80_IDTENTRY, INT80_STABLE_6_6, LINUX_6_1,
    SYSCALL_SWITCH,
};

/// The demo's source, to quote the lines that made the calls.
const DEMO_SOURCE: &str = include_str!("../demo/socketcall.rs");
const DEMO_FILE: &str = "tracer/src/demo/socketcall.rs";

/// The line number and text of the first line of the demo containing `needle`.
fn source_line(needle: &str) -> Option<(usize, &'static str)> {
    DEMO_SOURCE
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i + 1, l.trim()))
}

macro_rules! t {
    ($lang:expr, $en:literal, $zh:literal) => {
        match $lang {
            Lang::En => format!($en),
            Lang::Zh => format!($zh),
        }
    };
}

fn text(s: String) -> Line {
    Line::Text(s)
}

/// A value captured in the run, or a marker saying there was no run.
fn val(ctx: &Ctx, v: Option<String>) -> String {
    v.unwrap_or_else(|| match ctx.lang {
        Lang::En => "(not captured)".into(),
        Lang::Zh => "（未捕获）".into(),
    })
}

fn num(v: &Value) -> Option<i64> {
    v.as_i64()
}

fn hex(v: &Value) -> Option<String> {
    v.as_u64().map(|n| format!("{n:#x}"))
}

/// The recorded kernel path's steps that are functions, in order.
fn path_funcs(call: Option<&Value>) -> Vec<String> {
    call.and_then(|c| c["kernel_path"].as_array())
        .map(|p| {
            p.iter()
                .filter(|s| s["mech"] != "user ip")
                .filter_map(|s| s["func"].as_str())
                .filter(|f| !f.ends_with("()"))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Where the kernel saved the call's user instruction pointer (the recorded path's first step,
/// `mech` "user ip"): `function+offset in file` when tracer read the process's mappings in time
/// (`true`), else the bare address (`false`).
fn user_frame(call: Option<&Value>) -> Option<(String, bool)> {
    let s = call?["kernel_path"].as_array()?.first()?;
    if s["mech"] != "user ip" {
        return None;
    }
    s["func"]
        .as_str()
        .map(|f| (f.to_string(), true))
        .or_else(|| s["step"].as_str().map(|a| (a.to_string(), false)))
}

/// Which 32-bit program made the bind through the vDSO (the demo's child, by the file it
/// executed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prog {
    /// `bind32-glibc`: glibc's own `bind`.
    Glibc,
    /// `bind32-vdso`, repeating glibc's instructions, and why.
    Hand(Why),
    /// No run, or no such bind in it.
    Unknown,
}

/// Why the demo ran the program repeating glibc's instructions: what it printed, or
/// `bind32-glibc` having run first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    NotInstalled,
    LoaderFailed,
    Asked,
    /// A recording that does not say (made before the demo could run glibc's own).
    Unsaid,
}

/// The demo's report lines, as recorded (its writes to standard output).
fn printed(run: &Run) -> impl Iterator<Item = &str> {
    run.records.iter().filter_map(|r| {
        (r["type"] == "syscall" && r["syscall"] == "write" && r["args"]["fd"] == 1)
            .then(|| r["args"]["buf"]["data"].as_str())
            .flatten()
    })
}

fn which_prog(run: Option<&Run>, vdso: Option<&Value>) -> Prog {
    let (Some(run), Some(vdso)) = (run, vdso) else {
        return Prog::Unknown;
    };
    let execs = || {
        run.records
            .iter()
            .filter(|r| r["type"] == "exec")
            .filter_map(|r| Some((&r["pid"], r["filename"].as_str()?)))
    };
    let ran = |name: &str| execs().any(|(_, f)| f.ends_with(name));
    match execs().find(|(pid, _)| **pid == vdso["pid"]) {
        Some((_, f)) if f.ends_with("/bind32-glibc") => Prog::Glibc,
        Some((_, f)) if f.ends_with("/bind32-vdso") => {
            let said = |what: &str| printed(run).any(|l| l.contains(what));
            Prog::Hand(if ran("/bind32-glibc") {
                Why::LoaderFailed
            } else if said("TRACER_SOCKETCALL_HAND_ASSEMBLED is set") {
                Why::Asked
            } else if said("C library is not installed here") {
                Why::NotInstalled
            } else {
                Why::Unsaid
            })
        }
        _ => Prog::Unknown,
    }
}

/// The word list of a recorded socketcall argument array: `[3, 0x40eef00c, 56]`.
fn array_of(call: Option<&Value>) -> Option<String> {
    call.and_then(|c| c["socketcall"]["array"].as_array())
        .map(|a| {
            let a: Vec<String> = a
                .iter()
                .enumerate()
                .map(|(i, v)| match (i, v.as_u64()) {
                    (1, Some(p)) => format!("{p:#x}"),
                    (_, Some(n)) => n.to_string(),
                    _ => "?".into(),
                })
                .collect();
            format!("[{}]", a.join(", "))
        })
}

/// What Debian 12's i386 glibc executes for `bind(fd, addr, len)`: `objdump -d
/// /lib32/libc.so.6` of libc6-i386 2.36-9+deb12u14 (the argument copies to the stack elided).
const GLIBC_BIND: &str = "mov $0x2,%ebx; lea 0x4(%esp),%ecx; ...; mov $0x66,%eax; call *%gs:0x10";

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    // The three binds: 32-bit through the vDSO as glibc enters (the demo's bind32-vdso
    // program), 32-bit through int $0x80 (the demo itself), and x86_64.
    let int80 = run.and_then(|r| {
        r.find(|c| c["syscall"] == "bind" && c["abi"] == "ia32" && c["entry"] == "int80")
    });
    let vdso = run.and_then(|r| {
        r.find(|c| c["syscall"] == "bind" && c["abi"] == "ia32" && c["entry"] != "int80")
    });
    let x64 = run.and_then(|r| r.find(|c| c["syscall"] == "bind" && c["abi"] == "x86_64"));
    // Which program made the vDSO bind, and what its process did: the loader's calls, then the
    // C library's.
    let prog = which_prog(run, vdso);
    let kid: Vec<&Value> = match (run, vdso) {
        (Some(r), Some(v)) => r.all(|c| c["pid"] == v["pid"] && c["abi"] == "ia32"),
        _ => Vec::new(),
    };
    let libc = kid
        .iter()
        .filter(|c| c["syscall"] == "openat" && c["ret"].as_i64().is_some_and(|r| r >= 0))
        .filter_map(|c| c["args"]["filename"].as_str())
        .find(|f| f.ends_with("/libc.so.6"))
        .map(String::from);
    let startup_int80 = kid.iter().take_while(|c| c["entry"] == "int80").count();
    // The steps inside the kernel follow the C library's way when it was recorded.
    let ia32 = vdso.or(int80);
    let kernel = ctx.kernel;

    // The values of the run.
    let fd = val(
        ctx,
        x64.and_then(|c| num(&c["args"]["sockfd"]))
            .map(|n| n.to_string()),
    );
    let x_ptr = val(ctx, x64.and_then(|c| hex(&c["raw_args"][1])));
    let x_len = val(
        ctx,
        x64.and_then(|c| num(&c["args"]["addrlen"]))
            .map(|n| n.to_string()),
    );
    let x_path = val(
        ctx,
        x64.and_then(|c| c["args"]["addr"]["path"].as_str().map(String::from)),
    );
    let x_ret = val(ctx, x64.and_then(|c| num(&c["ret"])).map(|n| n.to_string()));
    let x_nr = val(ctx, x64.and_then(|c| num(&c["nr"])).map(|n| n.to_string()));
    let nr_of = |c: Option<&Value>| val(ctx, c.and_then(|c| num(&c["nr"])).map(|n| n.to_string()));
    let call_of = |c: Option<&Value>| {
        val(
            ctx,
            c.and_then(|c| num(&c["socketcall"]["call"]))
                .map(|n| n.to_string()),
        )
    };
    let ptr_of = |c: Option<&Value>| {
        val(
            ctx,
            c.and_then(|c| c["socketcall"]["args_ptr"].as_str().map(String::from)),
        )
    };
    let path_of = |c: Option<&Value>| {
        val(
            ctx,
            c.and_then(|c| c["args"]["addr"]["path"].as_str().map(String::from)),
        )
    };
    let ret_of =
        |c: Option<&Value>| val(ctx, c.and_then(|c| num(&c["ret"])).map(|n| n.to_string()));
    let (i_nr, v_nr) = (nr_of(int80), nr_of(vdso));
    let (i_call, v_call) = (call_of(int80), call_of(vdso));
    let (i_ptr, v_ptr) = (ptr_of(int80), ptr_of(vdso));
    let (i_array, v_array) = (val(ctx, array_of(int80)), val(ctx, array_of(vdso)));
    let (i_path, v_path) = (path_of(int80), path_of(vdso));
    let (i_ret, v_ret) = (ret_of(int80), ret_of(vdso));
    // The values the kernel steps show: the C library's way when it was recorded.
    let a_ptr = ptr_of(ia32);
    let array = val(ctx, array_of(ia32));
    let a_call = call_of(ia32);
    let a_fd = val(
        ctx,
        ia32.and_then(|c| num(&c["socketcall"]["array"][0]))
            .map(|n| n.to_string()),
    );
    let a_len = val(
        ctx,
        ia32.and_then(|c| num(&c["socketcall"]["array"][2]))
            .map(|n| n.to_string()),
    );
    let i_len = val(
        ctx,
        int80
            .and_then(|c| num(&c["socketcall"]["array"][2]))
            .map(|n| n.to_string()),
    );
    let v_entry = val(
        ctx,
        vdso.and_then(|c| c["entry"].as_str().map(String::from)),
    );
    let dur = |c: Option<&Value>| {
        val(
            ctx,
            c.and_then(|c| c["dur_ns"].as_u64())
                .map(|n| format!("{}.{} us", n / 1000, n % 1000 / 100)),
        )
    };
    let (i_dur, v_dur, x_dur) = (dur(int80), dur(vdso), dur(x64));

    let mut steps = Vec::new();

    // 1. The C call.
    let mut lines = vec![text(t!(
        lang,
        "In C: bind(fd, (struct sockaddr *)&addr, sizeof addr). The demo makes that call three \
         ways:",
        "C 语言里写作 bind(fd, (struct sockaddr *)&addr, sizeof addr)。演示程序用三种方式做这个调用："
    ))];
    let libc_name = val(ctx, libc.clone());
    lines.push(text(match prog {
        Prog::Glibc => t!(
            lang,
            "  ia32 as 32-bit glibc enters   glibc's own bind, in {libc_name}, called by a 32-bit \
             program the demo writes and runs (tracer/src/demo/glibc32.rs)",
            "  ia32，32 位 glibc 的进入方式   glibc 自己的 bind（位于 {libc_name}），由演示程序写出并\
             运行的一个 32 位小程序（tracer/src/demo/glibc32.rs）调用"
        ),
        Prog::Hand(_) => t!(
            lang,
            "  ia32 as 32-bit glibc enters   a 32-bit program the demo writes and runs \
             (tracer/src/demo/vsyscall32.rs) that issues glibc's own instructions for bind",
            "  ia32，32 位 glibc 的进入方式   演示程序写出并运行的一个 32 位小程序\
             （tracer/src/demo/vsyscall32.rs），执行 glibc 为 bind 执行的同样指令"
        ),
        Prog::Unknown => t!(
            lang,
            "  ia32 as 32-bit glibc enters   glibc's own bind, called by a 32-bit program the demo \
             writes and runs (tracer/src/demo/glibc32.rs) where the i386 C library is installed; \
             elsewhere a program repeating glibc's instructions for bind \
             (tracer/src/demo/vsyscall32.rs)",
            "  ia32，32 位 glibc 的进入方式   装有 i386 C 库时，是 glibc 自己的 bind，由演示程序写出并\
             运行的一个 32 位小程序（tracer/src/demo/glibc32.rs）调用；没有时，是一个重复 glibc 为 \
             bind 执行的指令的程序（tracer/src/demo/vsyscall32.rs）"
        ),
    }));
    if let Some((n, code)) = source_line("int80(IA32_NR_SOCKETCALL, SYS_BIND") {
        lines.push(text(t!(
            lang,
            "  ia32 the classic int $0x80    {DEMO_FILE}:{n}   {code}",
            "  ia32，经典的 int $0x80 方式    {DEMO_FILE}:{n}   {code}"
        )));
    }
    // The 64-bit call spans lines: quote where `libc::syscall(` opens it.
    if let Some((n, _)) = source_line("libc::SYS_bind,") {
        let open = DEMO_SOURCE
            .lines()
            .take(n)
            .enumerate()
            .filter(|(_, l)| l.contains("libc::syscall("))
            .last()
            .map_or(n, |(i, _)| i + 1);
        lines.push(text(format!(
            "  x86_64                        {DEMO_FILE}:{open}   libc::syscall(libc::SYS_bind, fd, &addr, addr_len)"
        )));
    }
    // A handout printed without a run leaves blanks for the student's own run.
    let (this, this_zh) = if run.is_some() {
        ("this run", "本次运行")
    } else {
        ("your run", "你的运行")
    };
    lines.push(text(t!(
        lang,
        "  {this}: {v_path} through the vDSO; {i_path} ({i_len} bytes) through int $0x80; \
         fd {fd}, {x_path} ({x_len} bytes of sockaddr_un) on x86_64",
        "  {this_zh}：经由 vDSO 绑定 {v_path}；经由 int $0x80 绑定 {i_path}（{i_len} 字节）；\
         x86_64 上 fd {fd}，{x_path}（sockaddr_un 共 {x_len} 字节）"
    )));
    let loader = "/lib/ld-linux.so.2";
    let which = match prog {
        Prog::Glibc => Some(t!(
            lang,
            "  Through the vDSO, this run traced glibc's own bind in {libc_name}, which the i386 \
             loader ({loader}) opened and mapped into the program.",
            "  经由 vDSO 的那次，本次运行跟踪的是 {libc_name} 中 glibc 自己的 bind，该文件由 i386 \
             加载器（{loader}）打开并映射进程序。"
        )),
        Prog::Hand(Why::NotInstalled) => Some(t!(
            lang,
            "  Through the vDSO: the i386 C library is not installed where this demo ran ({loader} \
             is missing): a program repeating glibc's instructions ran instead; \
             `apt install libc6-i386` (Fedora: `dnf install glibc.i686`) to see glibc's own.",
            "  经由 vDSO 的那次：运行演示的机器上没有安装 i386 C 库（没有 {loader}），于是运行了一个\
             重复 glibc 指令的程序；执行 `apt install libc6-i386`（Fedora：\
             `dnf install glibc.i686`）即可看到 glibc 自己的 bind。"
        )),
        Prog::Hand(Why::LoaderFailed) => Some(t!(
            lang,
            "  Through the vDSO: {loader} could not start the program with the i386 C library \
             (exit status 127): a program repeating glibc's instructions ran instead.",
            "  经由 vDSO 的那次：{loader} 未能用 i386 C 库启动程序（退出状态 127），于是改为运行\
             一个重复 glibc 指令的程序。"
        )),
        Prog::Hand(Why::Asked) => Some(t!(
            lang,
            "  Through the vDSO: TRACER_SOCKETCALL_HAND_ASSEMBLED was set, so a program repeating \
             glibc's instructions ran instead of glibc's own bind.",
            "  经由 vDSO 的那次：设置了 TRACER_SOCKETCALL_HAND_ASSEMBLED，所以运行的是一个重复 glibc \
             指令的程序，而不是 glibc 自己的 bind。"
        )),
        Prog::Hand(Why::Unsaid) => Some(t!(
            lang,
            "  Through the vDSO: a program repeating glibc's instructions made this bind, not \
             glibc's own (the recording does not say why).",
            "  经由 vDSO 的那次：这个 bind 由一个重复 glibc 指令的程序发出，而不是 glibc 自己的\
             （录制中没有说明原因）。"
        )),
        Prog::Unknown => None,
    };
    lines.extend(which.map(text));
    steps.push(Step {
        title: t!(lang, "The C call", "C 语言调用"),
        lines,
    });

    // 2. The wrapper and the registers, side by side.
    let mut lines = vec![
        text(t!(
            lang,
            "x86_64 glibc's bind() puts the number in rax and the arguments in rdi, rsi, rdx:",
            "x86_64 的 glibc bind() 把系统调用号放进 rax，参数放进 rdi、rsi、rdx："
        )),
        text(format!(
            "  rax = {x_nr} (bind)   rdi = {fd}   rsi = {x_ptr}   rdx = {x_len}"
        )),
        text(t!(
            lang,
            "32-bit glibc (Debian 12's {GLIBC_DEBIAN_12}, built to run on kernels older than {DIRECT_SOCKETCALLS}) does not \
                 use ia32's own bind (361, since Linux {DIRECT_SOCKETCALLS}): it calls socketcall with the call \
                 number and a pointer to the arguments, stored in memory as an array. \
                 objdump -d /lib32/libc.so.6:",
            "32 位 glibc（Debian 12 的 {GLIBC_DEBIAN_12}，构建时要兼容 {DIRECT_SOCKETCALLS} 之前的内核）不使用 ia32 自己的 bind\
                 （361 号，自 Linux {DIRECT_SOCKETCALLS} 起就有）：它调用 socketcall，传入调用号和一个指向参数数组的\
                 指针，参数放在内存里。objdump -d /lib32/libc.so.6："
        )),
        text(format!("  {GLIBC_BIND}")),
        text(format!(
            "  eax = {v_nr} (socketcall)   ebx = {v_call} (SYS_BIND)   ecx = {v_ptr} -> {v_array}"
        )),
    ];
    if prog == Prog::Glibc {
        lines.push(text(t!(
            lang,
            "  Those are glibc's registers, loaded by its own code: ecx = {v_ptr} is where its \
             bind copied the three arguments, on its stack (the `lea 0x4(%esp),%ecx` above).",
            "  这些是 glibc 自己的代码装载的寄存器：ecx = {v_ptr} 是它的 bind 复制三个参数的位置，\
             在它的栈上（即上面的 `lea 0x4(%esp),%ecx`）。"
        )));
    }
    lines.extend([
        text(t!(
            lang,
            "The demo's int $0x80 loads the same registers from 64-bit code; its array lives \
                 below 4 GiB, because the 32-bit entry sees pointers as 32 bits:",
            "演示程序的 int $0x80 从 64 位代码装载同样的寄存器；它的参数数组位于 4 GiB 以下，\
                 因为 32 位入口把指针当作 32 位值："
        )),
        text(format!(
            "  eax = {i_nr} (socketcall)   ebx = {i_call} (SYS_BIND)   ecx = {i_ptr} -> {i_array}"
        )),
    ]);
    steps.push(Step {
        title: t!(
            lang,
            "The wrapper loads the registers",
            "C 库包装函数装载寄存器"
        ),
        lines,
    });

    // 3. The instruction and the entry code.
    let x_funcs = path_funcs(x64);
    let i_funcs = path_funcs(int80);
    let v_funcs = path_funcs(vdso);
    let dispatch_at = |fs: &[String]| {
        fs.iter()
            .position(|f| f.ends_with("_sys_call") || f.contains("sys_call_table"))
            .unwrap_or(fs.len().min(2))
    };
    let entry_what = |f: &str| match (f, lang) {
        ("entry_SYSCALL_64", Lang::En) => "the syscall instruction lands here".to_string(),
        ("entry_SYSCALL_64", Lang::Zh) => "syscall 指令落到这里".to_string(),
        ("entry_SYSCALL_compat", Lang::En) => "the vDSO's syscall lands here (AMD)".to_string(),
        ("entry_SYSCALL_compat", Lang::Zh) => "vDSO 中的 syscall 落到这里（AMD）".to_string(),
        ("entry_SYSENTER_compat", Lang::En) => "the vDSO's sysenter lands here (Intel)".to_string(),
        ("entry_SYSENTER_compat", Lang::Zh) => "vDSO 中的 sysenter 落到这里（Intel）".to_string(),
        ("do_SYSENTER_32", Lang::En) => "restores the stack pointer sysenter loses".to_string(),
        ("do_SYSENTER_32", Lang::Zh) => "恢复 sysenter 丢失的栈指针".to_string(),
        ("do_fast_syscall_32", Lang::En) => {
            "C entry code of the fast path: the sys_enter tracepoint fires here".to_string()
        }
        ("do_fast_syscall_32", Lang::Zh) => {
            "快速路径的 C 语言入口代码：sys_enter 跟踪点在此触发".to_string()
        }
        ("asm_int80_emulation" | "entry_INT80_compat", Lang::En) => {
            "the IDT entry of vector 0x80".to_string()
        }
        ("asm_int80_emulation" | "entry_INT80_compat", Lang::Zh) => {
            "int $0x80 对应的 IDT 中断门入口".to_string()
        }
        ("int80_emulation", Lang::En) if ctx.ksyms.has("do_int80_emulation") => {
            "entry_64_compat.S: clears branch history, jumps to the C code".to_string()
        }
        ("int80_emulation", Lang::Zh) if ctx.ksyms.has("do_int80_emulation") => {
            "entry_64_compat.S：清除分支历史，跳到 C 代码".to_string()
        }
        (_, Lang::En) => "C entry code: the sys_enter tracepoint fires here".to_string(),
        (_, Lang::Zh) => "C 语言的入口代码：sys_enter 跟踪点在此触发".to_string(),
    };
    let (this, this_zh) = if ctx.run.is_some() {
        ("This run entered", "本次运行")
    } else {
        ("Your run enters", "你的运行")
    };
    let mut lines = vec![text(t!(
        lang,
        "32-bit glibc: `call *%gs:0x10` calls the vDSO's __kernel_vsyscall (glibc keeps the \
         AT_SYSINFO address the kernel gave it at %gs:0x10), which executes `sysenter` on Intel \
         or `syscall` on AMD. {this} with: {v_entry}. This kernel ({kernel}):",
        "32 位 glibc：`call *%gs:0x10` 调用 vDSO 中的 __kernel_vsyscall（glibc 把内核给的 \
         AT_SYSINFO 地址存在 %gs:0x10），它在 Intel 上执行 `sysenter`，在 AMD 上执行 `syscall`。\
         {this_zh}的入口指令：{v_entry}。本内核（{kernel}）："
    ))];
    // Where the kernel saved the user instruction pointer of one recorded call.
    let user_line = |call: Option<&Value>, way: &str| {
        let (name, named) = user_frame(call)?;
        let what = match (named, lang) {
            (true, Lang::En) => "the saved user instruction pointer, where the kernel returns to",
            (true, Lang::Zh) => "保存的用户态指令指针，即内核返回到的位置",
            (false, Lang::En) => {
                "the saved user instruction pointer, unnamed: the process was gone before tracer \
                 read its mappings"
            }
            (false, Lang::Zh) => {
                "保存的用户态指令指针，未能命名：tracer 读取其内存映射之前进程已经结束"
            }
        };
        Some(Line::Func {
            name,
            mark: Mark::Observed,
            what: format!("{way}: {what}"),
        })
    };
    // The entry code of one recorded call, up to the table; without a run, what this kernel has.
    let entry_lines = |lines: &mut Vec<Line>, call, funcs: &[String], without: &[&str], way| {
        if funcs.is_empty() {
            for f in without
                .iter()
                .filter(|f| ctx.ksyms.is_empty() || ctx.ksyms.has(f))
            {
                lines.push(ctx.func(f, entry_what(f)));
            }
        }
        lines.extend(user_line(call, way));
        for f in &funcs[..dispatch_at(funcs)] {
            lines.push(ctx.path_func(call, f, format!("{way}: {}", entry_what(f))));
        }
    };
    entry_lines(
        &mut lines,
        vdso,
        &v_funcs,
        &[
            "entry_SYSCALL_compat",
            "entry_SYSENTER_compat",
            "do_fast_syscall_32",
        ],
        "vDSO",
    );
    if let Some((frame, true)) =
        user_frame(vdso).filter(|(f, _)| f.starts_with("__kernel_vsyscall+"))
    {
        let caller = match prog {
            Prog::Glibc => t!(
                lang,
                "glibc's bind in {libc_name}, is not recorded (tracer reads no user stack): that \
                 it is glibc's comes from which program ran and from objdump (step 2)",
                " {libc_name} 中 glibc 的 bind，没有被记录（tracer 不读取用户栈）：说它是 glibc \
                 的，依据是运行的是哪个程序以及 objdump 的结果（第 2 步）"
            ),
            _ => t!(
                lang,
                "the program's own code, is not recorded (tracer reads no user stack)",
                "程序自己的代码，没有被记录（tracer 不读取用户栈）"
            ),
        };
        lines.push(text(t!(
            lang,
            "  The saved eip, {frame}, is in the vDSO, not in the code that called it: after \
             sysenter or syscall, do_fast_syscall_32 sets it to the instruction after the \
             `int $0x80` that __kernel_vsyscall keeps as its fallback (int80_landing_pad), and \
             the kernel returns there. The caller one frame up, {caller}.",
            "  保存的 eip {frame} 位于 vDSO 中，而不在调用它的代码里：经由 sysenter 或 syscall 进入\
             后，do_fast_syscall_32 把它设为 __kernel_vsyscall 作为后备保留的 `int $0x80` 之后的\
             那条指令（int80_landing_pad），内核返回到那里。再上一层的调用者，即{caller}。"
        )));
    }
    lines.push(text(t!(
        lang,
        "  The kernel says of int $0x80: \"not used by most libc implementations on modern \
         hardware except during process startup\" (do_int80_emulation, \
         arch/x86/entry/syscall_32.c); glibc {GLIBC_DEBIAN_12} still executes it in its signal-return \
         trampolines, vfork and clone.",
        "  内核这样说 int $0x80：“在现代硬件上，除了进程启动期间，大多数 libc 实现都不使用它”\
         （do_int80_emulation，arch/x86/entry/syscall_32.c）；glibc {GLIBC_DEBIAN_12} 仍在信号返回跳板、\
         vfork 和 clone 中执行它。"
    )));
    if prog == Prog::Glibc && startup_int80 > 0 {
        lines.push(text(t!(
            lang,
            "  This run shows the startup: the program's first {startup_int80} recorded calls, the \
             loader's (opening {libc_name}, reading and mapping it), entered with int $0x80; \
             glibc's socket, bind and close then entered through __kernel_vsyscall ({v_entry}).",
            "  本次运行展示了启动阶段：程序被记录的前 {startup_int80} 个调用是加载器的（打开 {libc_name}、\
             读取并映射它），都经由 int $0x80 进入；随后 glibc 的 socket、bind 和 close 经由 \
             __kernel_vsyscall 进入（{v_entry}）。"
        )));
    }
    lines.push(text(t!(
        lang,
        "The classic way, which the older texts teach and the demo issues by hand: `int $0x80` \
         goes through the interrupt descriptor table, vector 0x80:",
        "经典方式（旧教材讲的，也是演示程序亲手执行的）：`int $0x80` 经由中断描述符表的 0x80 号\
         向量进入："
    )));
    if i_funcs.is_empty() {
        for f in [
            "asm_int80_emulation",
            "int80_emulation",
            "do_int80_emulation",
        ] {
            if ctx.ksyms.has(f) {
                lines.push(ctx.func(f, entry_what(f)));
            }
        }
    }
    lines.extend(user_line(int80, "int $0x80"));
    for f in &i_funcs[..dispatch_at(&i_funcs)] {
        lines.push(ctx.path_func(int80, f, format!("int $0x80: {}", entry_what(f))));
    }
    lines.push(text(t!(
        lang,
        "  Linux {INT80_IDTENTRY} (commit be5341eb0d43; also in the {LINUX_6_1} and {INT80_STABLE_6_6} stable kernels, Debian 12's \
         among them) gave int $0x80 this IDT entry of its own; before, it entered through \
         entry_INT80_compat and do_int80_syscall_32, and the classic 32-bit kernels through \
         system_call.",
        "  Linux {INT80_IDTENTRY}（提交 be5341eb0d43；也回移到了 {LINUX_6_1} 和 {INT80_STABLE_6_6} 稳定版内核，包括 Debian 12 的）\
         给 int $0x80 设了这个独立的 IDT 入口；此前它经由 entry_INT80_compat 和 \
         do_int80_syscall_32 进入，经典的 32 位内核则进入 system_call。"
    )));
    lines.push(text(t!(
        lang,
        "x86_64: `syscall` jumps to the address in MSR_LSTAR and switches to kernel mode:",
        "x86_64：`syscall` 跳到 MSR_LSTAR 中的地址并切换到内核态："
    )));
    entry_lines(
        &mut lines,
        x64,
        &x_funcs,
        &["entry_SYSCALL_64", "do_syscall_64"],
        "x86_64",
    );
    lines.push(text(t!(
        lang,
        "Every way saves the user registers in a struct pt_regs on the kernel stack.",
        "每种方式都把用户寄存器保存到内核栈上的 struct pt_regs 中。"
    )));
    steps.push(Step {
        title: t!(
            lang,
            "The entry instruction crosses into the kernel",
            "入口指令跨入内核"
        ),
        lines,
    });

    // 4. The table.
    let table = |abi_fn: &str, table_name: &str, nr: &str| {
        if ctx.ksyms.has(abi_fn) {
            t!(
                lang,
                "switch (nr) case {nr}: a switch since Linux {SYSCALL_SWITCH} (and its stable backports), where older kernels call {table_name}[{nr}]",
                "switch (nr) case {nr}：自 Linux {SYSCALL_SWITCH}（及其稳定版回移）起是 switch，旧内核调用 {table_name}[{nr}]"
            )
        } else {
            format!("{table_name}[{nr}]")
        }
    };
    let mut lines = vec![text(t!(
        lang,
        "The number picks the function: 49 in the x86_64 table, 102 in the ia32 table (on \
         x86_64, 102 is getuid: the number alone does not say which call it is).",
        "调用号决定调用哪个函数：x86_64 表中的 49，ia32 表中的 102（在 x86_64 上 102 是 getuid：\
         光看调用号并不知道是哪个调用）。"
    ))];
    lines.push(ctx.path_func(
        x64,
        "x64_sys_call",
        table("x64_sys_call", "sys_call_table", "49"),
    ));
    lines.push(ctx.path_func(
        ia32,
        "ia32_sys_call",
        table("ia32_sys_call", "ia32_sys_call_table", "102"),
    ));
    lines.push(ctx.path_func(
        x64,
        "__x64_sys_bind",
        t!(lang, "x86_64's entry for bind", "x86_64 的 bind 表项"),
    ));
    lines.push(ctx.path_func(
        ia32,
        "__ia32_compat_sys_socketcall",
        t!(
            lang,
            "ia32's entry 102: the dispatcher",
            "ia32 的 102 号表项：分派器"
        ),
    ));
    steps.push(Step {
        title: t!(lang, "The system call table", "系统调用表"),
        lines,
    });

    // 5. The dispatcher checks the call number.
    steps.push(Step {
        title: t!(lang, "socketcall checks the call number", "socketcall 检查调用号"),
        lines: vec![
            ctx.path_func(
                ia32,
                "__ia32_compat_sys_socketcall",
                format!("call = {a_call}, args = {a_ptr}"),
            ),
            text(t!(
                lang,
                "  if (call < SYS_SOCKET || call > SYS_SENDMMSG) return -EINVAL;   // 1..20, call = {a_call}: accepted",
                "  if (call < SYS_SOCKET || call > SYS_SENDMMSG) return -EINVAL;   // 1..20，call = {a_call}：通过"
            )),
            text(t!(
                lang,
                "  len = nas[call];   // nas[SYS_BIND] = AL(3) = 3 * sizeof(u32) = 12 bytes",
                "  len = nas[call];   // nas[SYS_BIND] = AL(3) = 3 * sizeof(u32) = 12 字节"
            )),
            text(t!(
                lang,
                "  (net/compat.c; the x86_64 bind has no such step: its arguments came in registers)",
                "  （net/compat.c；x86_64 的 bind 没有这一步：它的参数就在寄存器里）"
            )),
        ],
    });

    // 6. copy_from_user.
    steps.push(Step {
        title: t!(lang, "The arguments are copied in", "把参数复制进内核"),
        lines: vec![
            text(format!("  copy_from_user(a, {a_ptr}, 12)  ->  a = {array}")),
            text(t!(
                lang,
                "  a[0] = {a_fd}: the socket's fd; a[1]: the address of the sockaddr_un; a[2] = {a_len}: its length",
                "  a[0] = {a_fd}：套接字的 fd；a[1]：sockaddr_un 的地址；a[2] = {a_len}：它的长度"
            )),
            text(t!(
                lang,
                "  A pointer that faults here makes socketcall return -EFAULT before any socket code runs.",
                "  如果这里的指针无法访问，socketcall 在任何套接字代码运行之前就返回 -EFAULT。"
            )),
        ],
    });

    // 7. The switch.
    steps.push(Step {
        title: t!(lang, "switch (call) takes case SYS_BIND", "switch (call) 进入 case SYS_BIND"),
        lines: vec![
            text("  switch (call) {".into()),
            text("  case SYS_BIND:".into()),
            text("          ret = __sys_bind(a0, compat_ptr(a1), a[2]);".into()),
            text(t!(
                lang,
                "The paths meet: x86_64's __x64_sys_bind calls the same __sys_bind(fd, umyaddr, addrlen).",
                "各条路径在此汇合：x86_64 的 __x64_sys_bind 调用的是同一个 __sys_bind(fd, umyaddr, addrlen)。"
            )),
        ],
    });

    // 8. __sys_bind.
    let mut lines = vec![
        ctx.path_func(
            ia32.or(x64),
            "__sys_bind",
            t!(
                lang,
                "fd {a_fd} (ia32) / {fd} (x86_64)",
                "fd {a_fd}（ia32）/ {fd}（x86_64）"
            ),
        ),
        text(t!(
            lang,
            "  the fd is looked up to its struct socket (not a socket: -ENOTSOCK);",
            "  由 fd 找到对应的 struct socket（不是套接字则返回 -ENOTSOCK）；"
        )),
    ];
    lines.push(ctx.func(
        "move_addr_to_kernel",
        t!(
            lang,
            "copies the {x_len}-byte address in (more than sizeof(struct sockaddr_storage): -EINVAL)",
            "把 {x_len} 字节的地址复制进内核（超过 sizeof(struct sockaddr_storage) 则返回 -EINVAL）"
        ),
    ));
    if ctx.ksyms.has("__sys_bind_socket") {
        lines.push(ctx.path_func(
            ia32.or(x64),
            "__sys_bind_socket",
            t!(
                lang,
                "the socket half of __sys_bind (Linux {BIND_SOCKET}+, for io_uring's IORING_OP_BIND)",
                "__sys_bind 的套接字部分（Linux {BIND_SOCKET}+，为 io_uring 的 IORING_OP_BIND 拆出）"
            ),
        ));
    }
    lines.push(ctx.func(
        "security_socket_bind",
        t!(lang, "the security modules may refuse", "安全模块可以拒绝"),
    ));
    lines.push(text(t!(
        lang,
        "  then sock->ops->bind: the protocol's own bind, chosen by the socket's family",
        "  然后调用 sock->ops->bind：由套接字的地址族决定的协议自己的 bind"
    )));
    steps.push(Step {
        title: t!(lang, "__sys_bind", "__sys_bind"),
        lines,
    });

    // 9. unix_bind.
    steps.push(Step {
        title: t!(lang, "unix_bind creates the socket file", "unix_bind 创建套接字文件"),
        lines: vec![
            ctx.path_func(
                ia32.or(x64),
                "unix_bind",
                t!(lang, "AF_UNIX's proto_ops.bind", "AF_UNIX 的 proto_ops.bind"),
            ),
            ctx.inlined(
                "unix_bind_bsd",
                t!(
                    lang,
                    "a path name: creates the inode (S_IFSOCK) in the file system",
                    "路径名地址：在文件系统中创建 inode（S_IFSOCK）"
                ),
            ),
            text(t!(
                lang,
                "  the files that appeared: {v_path}, {i_path} and {x_path} (the demo unlinks them \
                 afterwards; an abstract name, starting with a NUL byte, would create no file)",
                "  出现的文件：{v_path}、{i_path} 和 {x_path}（演示程序随后 unlink 它们；以 NUL 字节\
                 开头的抽象名字不会创建文件）"
            )),
        ],
    });

    // 10. The way back.
    let (back_to, back_to_zh) = match prog {
        Prog::Hand(_) => ("the program", "程序"),
        _ => ("glibc", " glibc"),
    };
    steps.push(Step {
        title: t!(lang, "The way back", "返回路径"),
        lines: vec![
            text(t!(
                lang,
                "The result travels back up the same functions and is stored in the saved rax / eax.",
                "结果沿原路返回，存入保存的 rax / eax 中。"
            )),
            text(t!(
                lang,
                "  x86_64: bind returned {x_ret} in {x_dur}; the kernel leaves with sysret when it can.",
                "  x86_64：bind 返回 {x_ret}，耗时 {x_dur}；内核尽可能用 sysret 返回。"
            )),
            // One exit for both fast entries on a 64-bit kernel, Intel's sysenter as AMD's
            // syscall: arch/x86/entry/entry_64_compat.S, entry_SYSENTER_compat calls
            // do_SYSENTER_32 and jumps to sysret32_from_system_call, the label inside
            // entry_SYSCALL_compat that ends in `sysretl`; when do_fast_syscall_32 (or
            // do_SYSENTER_32, which calls it) returns false, both jump to
            // swapgs_restore_regs_and_return_to_usermode (entry_64.S), which ends in `iretq`.
            // False: the eip it set is no longer the landing pad (a signal handler or ptrace
            // changed it), cs/ss are not the ones sysretl loads, TF/RF/VM is set, reading the
            // user's ebp faulted, or a Xen PV guest. `sysexit` is only in entry_32.S
            // (entry_SYSENTER_32): a 32-bit kernel's. Read in Linux 6.1.192 (Debian's
            // linux-source-6.1; entry_64_compat.S, common.c: `testl %eax, %eax; jz
            // swapgs_restore_regs_and_return_to_usermode` after each call, XENPV's ALTERNATIVE
            // always jumping) and 7.2.13 (syscall_32.c's do_fast_syscall_32 returns bool, the
            // `testb %al, %al` and the Xen check moved under sysret32_from_system_call); the same
            // in torvalds/linux's entry_64_compat.S of the 5.x series. sysret32_from_system_call
            // is a local symbol (`t`), so it is named in prose here, not as a kernel step.
            text(t!(
                lang,
                "  ia32 through the vDSO: socketcall(SYS_BIND) returned {v_ret} in {v_dur}; \
                 do_fast_syscall_32 points the saved eip at the vDSO's landing pad, and the kernel \
                 leaves with sysretl when it can (sysret32_from_system_call, after sysenter on \
                 Intel as after syscall on AMD: a 64-bit kernel never uses sysexit, only a 32-bit \
                 one does), else with iret (for example when a signal or a debugger changed the \
                 registers it would restore, and always in a Xen PV guest); __kernel_vsyscall returns to {back_to}.",
                "  经由 vDSO 的 ia32：socketcall(SYS_BIND) 返回 {v_ret}，耗时 {v_dur}；\
                 do_fast_syscall_32 把保存的 eip 指向 vDSO 的着陆点，内核尽可能用 sysretl 返回\
                 （sysret32_from_system_call；Intel 上经 sysenter 进入、AMD 上经 syscall 进入都是如此：\
                 64 位内核从不用 sysexit，只有 32 位内核才用），否则用 iret（例如信号或调试器改动了它要\
                 恢复的寄存器；在 Xen PV 客户机中总是如此）；__kernel_vsyscall 再返回到{back_to_zh}。"
            )),
            text(t!(
                lang,
                "  ia32 through int $0x80: socketcall(SYS_BIND) returned {i_ret} in {i_dur}; it returns with iret.",
                "  经由 int $0x80 的 ia32：socketcall(SYS_BIND) 返回 {i_ret}，耗时 {i_dur}；用 iret 返回。"
            )),
            text(t!(
                lang,
                "  A negative value is -errno: the C library stores it in errno and returns -1.",
                "  负值就是 -errno：C 库把它存入 errno 并返回 -1。"
            )),
        ],
    });

    let source = match (run, lang) {
        (Some(_), Lang::En) => format!(
            "Values captured by tracer from a run of `tracer demo socketcall` on Linux {kernel}."
        ),
        (Some(_), Lang::Zh) => {
            format!(
                "数值由 tracer 从 Linux {kernel} 上的一次 `tracer demo socketcall` 运行中捕获。"
            )
        }
        (None, Lang::En) => super::values::no_run_en("socketcall"),
        (None, Lang::Zh) => super::values::no_run_zh("socketcall"),
    };
    Lesson {
        title: t!(
            lang,
            "How bind() enters the kernel: syscall and socketcall",
            "bind() 如何进入内核：syscall 与 socketcall"
        ),
        source,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ksyms::Ksyms;
    use crate::walkthrough::{Mark, PrintFormat, Run, render};

    const KSYMS: &str = "\
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
ffffffff81000900 T move_addr_to_kernel
ffffffff81000a00 T unix_bind
ffffffff81000b00 T security_socket_bind
";

    /// A run in which `bind32-glibc` (pid 200) made the vDSO bind: glibc's own.
    fn run() -> Run {
        run_of("/tmp/d/bind32-glibc", None)
    }

    /// A run in which the program executed by pid 200 (`prog`) made the vDSO bind, the demo
    /// having printed `said`.
    fn run_of(prog: &str, said: Option<&str>) -> Run {
        let exec = format!(r#"{{"type":"exec","pid":200,"filename":"{prog}"}}"#);
        let said = said.map(|l| {
            format!(
                r#"{{"type":"syscall","syscall":"write","abi":"x86_64","pid":100,"ts_ns":5,"args":{{"fd":1,"buf":{{"data":"{l}","len":10}}}}}}"#
            )
        });
        let lines = [
            r#"{"type":"exec","pid":100,"filename":"/usr/bin/tracer"}"#,
            &exec,
            r#"{"type":"syscall","syscall":"openat","abi":"ia32","entry":"int80","pid":200,"ts_ns":10,"ret":3,"args":{"filename":"/lib32/libc.so.6"}}"#,
            r#"{"type":"syscall","syscall":"close","abi":"ia32","entry":"int80","pid":200,"ts_ns":11,"ret":0,"args":{"fd":3}}"#,
            r#"{"type":"syscall","syscall":"socket","abi":"ia32","entry":"syscall","pid":200,"ts_ns":12,"ret":3}"#,
            r#"{"type":"syscall","syscall":"bind","abi":"ia32","entry":"syscall","pid":200,"ts_ns":13,"nr":102,"ret":0,"dur_ns":31200,"raw_args":[2,134516980],"args":{"addr":{"family":"AF_UNIX","path":"/tmp/d/socketcall-vdso.sock"},"addrlen":55},"socketcall":{"args_ptr":"0x80490f4","array":[3,134516992,55],"call":2,"name":"SYS_BIND"},"kernel_path":[{"func":"__kernel_vsyscall+0x9 in [vdso]","observed":true,"mech":"user ip"},{"func":"entry_SYSCALL_compat","observed":false},{"func":"do_fast_syscall_32","observed":false},{"func":"ia32_sys_call","observed":false},{"func":"__ia32_compat_sys_socketcall","observed":true},{"func":"__sys_bind","observed":true},{"func":"unix_bind","observed":false}]}"#,
            r#"{"type":"syscall","syscall":"bind","abi":"ia32","entry":"int80","nr":102,"ret":0,"dur_ns":50725,"raw_args":[2,1089400832],"args":{"addr":{"family":"AF_UNIX","path":"/tmp/d/socketcall-ia32.sock"},"addrlen":56,"sockfd":3},"socketcall":{"args_ptr":"0x40eef000","array":[3,1089400844,56],"call":2,"name":"SYS_BIND"},"kernel_path":[{"func":"asm_int80_emulation","observed":false},{"func":"int80_emulation","observed":false},{"func":"do_int80_emulation","observed":false},{"func":"ia32_sys_call","observed":false},{"func":"__ia32_compat_sys_socketcall","observed":true},{"func":"__sys_bind","observed":true},{"func":"unix_bind","observed":false}]}"#,
            r#"{"type":"syscall","syscall":"bind","abi":"x86_64","nr":49,"ret":0,"dur_ns":45808,"raw_args":[3,140728886650920,55],"args":{"addr":{"family":"AF_UNIX","path":"/tmp/d/socketcall-x64.sock"},"addrlen":55,"sockfd":3},"kernel_path":[{"step":"0x7f0000001019","observed":true,"mech":"user ip"},{"func":"entry_SYSCALL_64","observed":false},{"func":"do_syscall_64","observed":false},{"func":"x64_sys_call","observed":false},{"func":"__x64_sys_bind","observed":false},{"func":"__sys_bind","observed":false}]}"#,
        ];
        Run {
            records: lines
                .into_iter()
                .chain(said.as_deref())
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        }
    }

    #[test]
    fn the_printed_lesson_carries_the_values_of_the_run() {
        let k = Ksyms::parse(KSYMS);
        let run = run();
        for lang in [Lang::En, Lang::Zh] {
            let ctx = Ctx {
                ksyms: &k,
                run: Some(&run),
                lang,
                kernel: "6.18.0",
            };
            let lesson = lesson(&ctx);
            assert_eq!(lesson.steps.len(), 10);
            let t = render(&lesson, PrintFormat::Text, lang);
            for want in [
                "rax = 49 (bind)   rdi = 3   rsi = 0x7ffdff4c6828   rdx = 55",
                "eax = 102 (socketcall)   ebx = 2 (SYS_BIND)   ecx = 0x40eef000 -> [3, 0x40eef00c, 56]",
                "eax = 102 (socketcall)   ebx = 2 (SYS_BIND)   ecx = 0x80490f4 -> [3, 0x8049100, 55]",
                "copy_from_user(a, 0x80490f4, 12)  ->  a = [3, 0x8049100, 55]",
                "call *%gs:0x10",
                ". entry_SYSCALL_compat",
                ". do_fast_syscall_32",
                ". asm_int80_emulation",
                ". do_int80_emulation",
                "case SYS_BIND:",
                "/tmp/d/socketcall-ia32.sock",
                "/tmp/d/socketcall-vdso.sock",
                "[3/10]",
                "tracer/src/demo/socketcall.rs:",
                "* __ia32_compat_sys_socketcall",
                "* __sys_bind",
                ". unix_bind",
                "- unix_bind_bsd",
                // glibc's own bind ran: where it was, and where the kernel saved eip.
                "/lib32/libc.so.6",
                "tracer/src/demo/glibc32.rs",
                "* __kernel_vsyscall+0x9 in [vdso]  vDSO: ",
                "* 0x7f0000001019  x86_64: ",
                "int80_landing_pad",
            ] {
                assert!(t.contains(want), "{lang:?}: missing {want:?} in:\n{t}");
            }
            assert!(
                !t.contains("(not captured)") && !t.contains("未捕获"),
                "{t}"
            );
            // The user frame is not an entry function of the kernel.
            assert!(!t.contains("[vdso]  vDSO: C"), "{t}");
            assert!(!t.contains("vsyscall32.rs"), "{t}");
        }
        let en = |run: &Run| {
            let ctx = Ctx {
                ksyms: &k,
                run: Some(run),
                lang: Lang::En,
                kernel: "6.18.0",
            };
            render(&lesson(&ctx), PrintFormat::Text, Lang::En)
        };
        let t = en(&run);
        for want in [
            "this run traced glibc's own bind in /lib32/libc.so.6",
            "The caller one frame up, glibc's bind in /lib32/libc.so.6, is not recorded",
            // The loader's two calls (openat, close) before glibc's socket.
            "the program's first 2 recorded calls, the loader's",
            "__kernel_vsyscall returns to glibc.",
        ] {
            assert!(t.contains(want), "missing {want:?} in:\n{t}");
        }
    }

    /// A 64-bit kernel leaves both fast ia32 entries by sysretl (or iret): sysexit is a
    /// 32-bit kernel's only, and no CPU maker's.
    #[test]
    fn the_way_back_names_the_exits_of_a_64_bit_kernel() {
        let k = Ksyms::parse(KSYMS);
        let run = run();
        for (lang, wants) in [
            (
                Lang::En,
                [
                    "leaves with sysretl when it can (sysret32_from_system_call, after sysenter on Intel as after syscall on AMD",
                    "a 64-bit kernel never uses sysexit",
                    "else with iret",
                ],
            ),
            (
                Lang::Zh,
                [
                    "内核尽可能用 sysretl 返回（sysret32_from_system_call；Intel 上经 sysenter 进入、AMD 上经 syscall 进入都是如此",
                    "64 位内核从不用 sysexit",
                    "否则用 iret",
                ],
            ),
        ] {
            let ctx = Ctx {
                ksyms: &k,
                run: Some(&run),
                lang,
                kernel: "6.18.0",
            };
            let t = render(&lesson(&ctx), PrintFormat::Text, lang);
            for want in wants {
                assert!(t.contains(want), "{lang:?}: missing {want:?} in:\n{t}");
            }
            for wrong in [
                "sysexit (Intel)",
                "sysretl (AMD)",
                "sysexit（Intel）",
                "sysretl（AMD）",
            ] {
                assert!(!t.contains(wrong), "{lang:?}: {wrong:?} in:\n{t}");
            }
        }
    }

    /// Where the hand-assembled program ran instead, the lesson says so, and why.
    #[test]
    fn the_lesson_says_when_glibcs_own_bind_did_not_run() {
        let k = Ksyms::parse(KSYMS);
        let cases = [
            (
                run_of(
                    "/tmp/d/bind32-vdso",
                    Some("ia32 via the vDSO: the i386 C library is not installed here"),
                ),
                "the i386 C library is not installed where this demo ran",
                "没有安装 i386 C 库",
            ),
            (
                run_of(
                    "/tmp/d/bind32-vdso",
                    Some("ia32 via the vDSO: TRACER_SOCKETCALL_HAND_ASSEMBLED is set"),
                ),
                "TRACER_SOCKETCALL_HAND_ASSEMBLED was set",
                "设置了 TRACER_SOCKETCALL_HAND_ASSEMBLED",
            ),
            (
                run_of("/tmp/d/bind32-vdso", None),
                "the recording does not say why",
                "录制中没有说明原因",
            ),
        ];
        for (run, en, zh) in &cases {
            for (lang, want) in [(Lang::En, en), (Lang::Zh, zh)] {
                let ctx = Ctx {
                    ksyms: &k,
                    run: Some(run),
                    lang,
                    kernel: "6.18.0",
                };
                let t = render(&lesson(&ctx), PrintFormat::Text, lang);
                assert!(t.contains(want), "{lang:?}: missing {want:?} in:\n{t}");
                assert!(t.contains("tracer/src/demo/vsyscall32.rs"), "{t}");
                assert!(!t.contains("glibc32.rs"), "{t}");
                // The loader's calls are not said to be this program's.
                assert!(
                    !t.contains("the loader's (") && !t.contains("加载器的（"),
                    "{t}"
                );
            }
        }
        // The demo prints the lines the lesson looks for.
        for l in [
            "the i386 C library is not installed here",
            "{HAND_ASSEMBLED_VAR} is set",
        ] {
            assert!(DEMO_SOURCE.contains(l), "{l}");
        }
        assert!(
            DEMO_SOURCE
                .contains(r#"HAND_ASSEMBLED_VAR: &str = "TRACER_SOCKETCALL_HAND_ASSEMBLED""#)
        );
    }

    #[test]
    fn without_a_run_the_values_are_blanks() {
        let k = Ksyms::parse(KSYMS);
        let ctx = Ctx {
            ksyms: &k,
            run: None,
            lang: Lang::En,
            kernel: "6.18.0",
        };
        let mut lesson = lesson(&ctx);
        super::super::values::blanks_for_handout(&mut lesson, Lang::En);
        let t = render(&lesson, PrintFormat::Markdown, Lang::En);
        assert!(t.contains(r"Printed without a run: each \_\_\_\_"), "{t}");
        assert!(t.contains(r"ebx = \_\_\_\_ (SYS_BIND)"), "{t}");
        assert!(!t.contains("(not captured)"), "{t}");
        assert!(t.contains("## 1/10. The C call"), "{t}");
        // Without a run nothing is observed.
        assert!(
            lesson
                .steps
                .iter()
                .flat_map(|s| &s.lines)
                .all(|l| !matches!(
                    l,
                    Line::Func {
                        mark: Mark::Observed,
                        ..
                    }
                ))
        );
    }

    #[test]
    fn the_demo_source_lines_are_found() {
        assert!(source_line("int80(IA32_NR_SOCKETCALL, SYS_BIND").is_some());
        assert!(source_line("libc::SYS_bind,").is_some());
    }
}
