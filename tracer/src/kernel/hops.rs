//! The kernel functions tracer probes on a call's path, and attaching a probe to each with the
//! best mechanism this kernel allows: fentry/fexit, else kprobe/kretprobe, else none.
//!
//! Functions and argument positions are from Linux 6.1 and 6.18 (net/socket.c, net/compat.c,
//! net/unix/af_unix.c, net/ipv4/af_inet.c, net/netlink/af_netlink.c, fs/pipe.c, fs/namei.c,
//! ipc/msg.c, ipc/sem.c, ipc/shm.c, kernel/signal.c). A function missing from this kernel's
//! `/proc/kallsyms` was inlined or renamed in this build: it is skipped and reported. Return
//! types (`int` or `long`) are from the same sources.

use aya::programs::{FEntry, FExit, KProbe};
use aya::{Btf, Ebpf};
use tracer_common::{HOP_SLOTS, HOPF_IA32_REGS};

use super::ksyms::Ksyms;

/// One probed function: its name, and the arguments worth showing (position, name).
pub struct HopFunc {
    pub name: &'static str,
    pub args: &'static [(usize, &'static str)],
    /// `HOPF_*`: how the eBPF side reads its arguments.
    pub flags: u32,
    /// The function returns `long`; the others return `int`, whose value an exit probe reads
    /// from the whole of rax with the upper half undefined (zero in practice: -EINVAL shows
    /// as 4294967274), so it is cut to 32 bits and sign-extended.
    pub long_ret: bool,
}

/// A function returning `int`.
const fn f(name: &'static str, args: &'static [(usize, &'static str)]) -> HopFunc {
    HopFunc {
        name,
        args,
        flags: 0,
        long_ret: false,
    }
}

/// A function returning `long`.
const fn fl(name: &'static str, args: &'static [(usize, &'static str)]) -> HopFunc {
    HopFunc {
        long_ret: true,
        ..f(name, args)
    }
}

/// The value `func` returned, from what its exit probe read.
pub fn hop_ret(func: &str, raw: i64) -> i64 {
    match HOP_FUNCS.iter().find(|f| f.name == func) {
        Some(f) if !f.long_ret => i64::from(raw as i32),
        _ => raw,
    }
}

pub static HOP_FUNCS: &[HopFunc] = &[
    // net/socket.c: the __sys_* functions both the syscall wrappers and socketcall call.
    f(
        "__sys_socket",
        &[(0, "family"), (1, "type"), (2, "protocol")],
    ),
    f(
        "__sock_create",
        &[(1, "family"), (2, "type"), (3, "protocol"), (5, "kern")],
    ),
    f(
        "__sys_socketpair",
        &[(0, "family"), (1, "type"), (2, "protocol")],
    ),
    f("__sys_bind", &[(0, "fd"), (2, "addrlen")]),
    // Linux 6.10 split the socket-level half out of __sys_bind.
    f("__sys_bind_socket", &[(2, "addrlen")]),
    f("__sys_connect", &[(0, "fd"), (2, "addrlen")]),
    f("__sys_listen", &[(0, "fd"), (1, "backlog")]),
    f("__sys_accept4", &[(0, "fd"), (3, "flags")]),
    f("__sys_sendto", &[(0, "fd"), (2, "len"), (3, "flags")]),
    f("__sys_recvfrom", &[(0, "fd"), (2, "size"), (3, "flags")]),
    fl("__sys_sendmsg", &[(0, "fd"), (2, "flags")]),
    fl("__sys_recvmsg", &[(0, "fd"), (2, "flags")]),
    f("__sys_shutdown", &[(0, "fd"), (1, "how")]),
    // net/compat.c: COMPAT_SYSCALL_DEFINE2(socketcall, int, call, u32 __user *, args). Its
    // wrapper takes the saved registers: call is ebx, args is ecx.
    HopFunc {
        name: "__ia32_compat_sys_socketcall",
        args: &[(0, "call"), (1, "args")],
        flags: HOPF_IA32_REGS,
        long_ret: true,
    },
    // ipc/syscall.c: compat_ksys_ipc(call, first, second, third, ptr, fifth).
    f(
        "compat_ksys_ipc",
        &[(0, "call"), (1, "first"), (2, "second")],
    ),
    // The protocol operations (struct proto_ops) that bind, connect and sendmsg land in.
    f("unix_bind", &[(2, "addr_len")]),
    f("inet_bind", &[(2, "addr_len")]),
    f("unix_stream_connect", &[(2, "addr_len"), (3, "flags")]),
    f("unix_dgram_connect", &[(2, "alen"), (3, "flags")]),
    f("unix_stream_sendmsg", &[(2, "len")]),
    f("unix_dgram_sendmsg", &[(2, "len")]),
    f("netlink_bind", &[(2, "addr_len")]),
    f("netlink_sendmsg", &[(2, "len")]),
    // IPC internals.
    f("do_pipe2", &[(1, "flags")]),
    f("do_mknodat", &[(0, "dfd"), (2, "mode")]),
    fl("ksys_msgget", &[(0, "key"), (1, "msgflg")]),
    fl(
        "do_msgsnd",
        &[(0, "msqid"), (1, "mtype"), (3, "msgsz"), (4, "msgflg")],
    ),
    fl(
        "do_msgrcv",
        &[(0, "msqid"), (2, "bufsz"), (3, "msgtyp"), (4, "msgflg")],
    ),
    fl("ksys_semget", &[(0, "key"), (1, "nsems"), (2, "semflg")]),
    fl("__do_semtimedop", &[(0, "semid"), (2, "nsops")]),
    fl("ksys_shmget", &[(0, "key"), (1, "size"), (2, "shmflg")]),
    fl("do_shmat", &[(0, "shmid"), (2, "shmflg")]),
    fl("ksys_shmdt", &[]),
    // kernel/signal.c: kill(2) and rt_sigqueueinfo(2) to the signal being queued.
    f("kill_something_info", &[(0, "sig"), (2, "pid")]),
    f("do_rt_sigqueueinfo", &[(0, "pid"), (1, "sig")]),
    f("do_send_sig_info", &[(0, "sig")]),
];

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

/// The common reasons in a few words; anything else as the error says it.
fn reason(kind: &str, e: &str) -> String {
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
    for func in HOP_FUNCS {
        let mut fentry_refused = None;
        let mechanism = if ksyms.is_empty() {
            Mechanism::None("/proc/kallsyms is not readable".into())
        } else if !ksyms.has(func.name) {
            Mechanism::None("not in this kernel (inlined or renamed)".into())
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
