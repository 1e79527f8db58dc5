//! `cargo xtask gen-syscalls --kernel DIR`: writes `tracer/src/syscalls/generated.rs`, one row
//! per x86_64 and ia32 system call, from the kernel's `arch/x86/entry/syscalls/syscall_64.tbl`
//! and `syscall_32.tbl` (names and numbers) and tracer's own
//! `tracer/src/syscalls/signatures.txt` (each call's arguments, return, strace classes and
//! whether tracer traces it by default).
//!
//! The tables come from a kernel source tree: a checkout, a kernel.org tarball, or Debian's
//! `linux-source-X.Y` package (`apt-get download linux-source-X.Y`, then unpack
//! `/usr/src/linux-source-X.Y.tar.xz`). The generated file names the version it was made from
//! (the tree's `Makefile`). Every table entry must have a signature and every signature a
//! table entry, so a newer kernel's calls cannot be skipped silently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::Ctx;
use crate::util::say;

const SIGNATURES: &str = "tracer/src/syscalls/signatures.txt";
const OUTPUT: &str = "tracer/src/syscalls/generated.rs";

/// One line of syscall_64.tbl or syscall_32.tbl.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    nr: u16,
    name: String,
    /// The kernel function, e.g. `sys_newstat`; none for numbers the kernel never implemented.
    func: Option<String>,
}

/// Reads a table, keeping the ABIs given (`common`/`64` for x86_64, `i386` for ia32; x32's
/// numbers are not x86_64 numbers). The entry point is the last function column: for ia32,
/// the compat function a 64-bit kernel runs (`compat_sys_socketcall`) where there is one.
fn table(text: &str, abis: &[&str]) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() < 3 {
            bail!(
                "line {}: expected `<number> <abi> <name> [<entry point>]`",
                i + 1
            );
        }
        if !abis.contains(&f[1]) {
            continue;
        }
        out.push(Entry {
            nr: f[0]
                .parse()
                .with_context(|| format!("line {}: number {:?}", i + 1, f[0]))?,
            name: f[2].to_string(),
            func: f
                .get(3..)
                .and_then(|e| e.iter().rev().find(|c| c.contains("sys_")))
                .map(|s| (*s).to_string()),
        });
    }
    Ok(out)
}

/// Which ABI a signature line is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Only {
    Both,
    X64,
    Ia32,
}

#[derive(Debug)]
struct Signature {
    ret: &'static str,
    /// The row's `Effect` on descriptors, from `RET=EFFECT` (`fd=opens`).
    effect: String,
    select: &'static str,
    classes: Vec<&'static str>,
    args: Vec<(String, Kind, Shape)>,
}

/// How an argument is shown beyond its kind: `=name:kind` as `name=value` (clone), and
/// `name:kind?I&MASK` only when `args[I] & MASK != 0` (open's mode).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Shape {
    labeled: bool,
    only_if: Option<(u8, u64)>,
    /// The kind's parameter: `pollfds(1)`.
    param: Option<u8>,
}

impl Shape {
    /// The `Arg` expression around `inner`.
    fn wrap(&self, inner: String) -> String {
        let inner = match self.only_if {
            Some((arg, mask)) => format!("If {{ arg: {arg}, mask: {mask:#x}, kind: &{inner} }}"),
            None => inner,
        };
        if self.labeled {
            format!("Labeled(&{inner})")
        } else {
            inner
        }
    }
}

/// `NAME:KIND`, `=NAME:KIND` or `NAME:KIND?I&MASK` (MASK in hex with 0x, octal with 0o, or
/// decimal).
fn parse_arg(text: &str) -> Result<(String, Kind, Shape)> {
    let (name, kind) = text
        .split_once(':')
        .with_context(|| format!("argument {text:?} is not NAME:KIND"))?;
    let (labeled, name) = match name.strip_prefix('=') {
        Some(n) => (true, n),
        None => (false, name),
    };
    let (kind, only_if) = match kind.split_once('?') {
        None => (kind, None),
        Some((kind, cond)) => {
            let (index, mask) = cond
                .split_once('&')
                .with_context(|| format!("{text:?}: the condition is not I&MASK"))?;
            let mask = if let Some(h) = mask.strip_prefix("0x") {
                u64::from_str_radix(h, 16)
            } else if let Some(o) = mask.strip_prefix("0o") {
                u64::from_str_radix(o, 8)
            } else {
                mask.parse()
            }
            .with_context(|| format!("{text:?}: mask {mask:?}"))?;
            (
                kind,
                Some((
                    index
                        .parse()
                        .with_context(|| format!("{text:?}: index {index:?}"))?,
                    mask,
                )),
            )
        }
    };
    let (kind, param) = match kind.strip_suffix(')').and_then(|k| k.split_once('(')) {
        Some((k, p)) => (
            k,
            Some(
                p.parse()
                    .with_context(|| format!("{text:?}: parameter {p:?}"))?,
            ),
        ),
        None => (kind, None),
    };
    let found = KINDS
        .iter()
        .find(|x| x.word == kind)
        .with_context(|| format!("unknown kind {kind:?}"))?;
    if found.ops.iter().any(|o| o.contains("{n}")) != param.is_some() {
        bail!("{text:?}: kind {kind:?} takes a parameter exactly when its ops use one");
    }
    Ok((
        name.to_string(),
        *found,
        Shape {
            labeled,
            only_if,
            param,
        },
    ))
}

/// An argument kind in signatures.txt and the `Arg` it becomes, with the capture ops it needs
/// (user memory copied at entry or exit). In the templates `{i}` is the argument's index, `{n}`
/// the kind's parameter (`pollfds(1)`: the count is argument 1; in the `Arg` too), and `{0}`,
/// `{1}` the indices the ops get in the row.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Kind {
    word: &'static str,
    arg: &'static str,
    ops: &'static [&'static str],
}

/// An `Arg::Time`: its shape, whether its fields are 64 bits on ia32 too, when it is shown.
macro_rules! t {
    ($shape:ident, $wide:literal, $show:ident) => {
        concat!(
            "Time({0}, Time { shape: ",
            stringify!($shape),
            ", wide: ",
            stringify!($wide),
            ", show: ",
            stringify!($show),
            " })"
        )
    };
}

const KINDS: &[Kind] = &[
    k("int", "Int"),
    k("uint", "U32"),
    k("long", "Long"),
    k("ulong", "UInt"),
    k("hex", "Hex"),
    k("ptr", "Ptr"),
    k("argv", "Argv"),
    k("envp", "Envp"),
    k("fd", "Fd"),
    k("dirfd", "DirFd"),
    k("pid", "Pid"),
    k("sig", "Signal"),
    k("mode", "Mode"),
    k("mknodmode", "MknodMode"),
    k("mknoddev", "MknodDev"),
    k("atflags", "Const(Consts::AtFlags)"),
    k("unlinkflags", "AtFlags"),
    k("openflags", "OpenFlags"),
    k("pipeflags", "PipeFlags"),
    k("mmapprot", "MmapProt"),
    k("mmapflags", "MmapFlags"),
    k("memfdflags", "MemfdFlags"),
    k("fcntlarg", "FcntlValue"),
    m("path", "Path({0})", &["path({i})"]),
    m("sigset", "SigSet({0})", &["mem({i}, false, 8)"]),
    m("sigsetout", "SigSet({0})", &["mem({i}, true, 8)"]),
    m(
        "pollfds",
        "PollFds({0}, {1})",
        &[
            "array({i}, false, {n}, 8, 256)",
            "array({i}, true, {n}, 8, 256)",
        ],
    ),
    m("epollevent", "EpollEvent({0})", &["mem({i}, false, 12)"]),
    m(
        "epollevents",
        "EpollEvents({0})",
        &["returned({i}, 12, 192)"],
    ),
    m("waitstatus", "WaitStatus({0})", &["mem({i}, true, 4)"]),
    m("rlimit", "Rlimit({0})", &["mem({i}, false, 16)"]),
    m("rlimitout", "Rlimit({0})", &["mem({i}, true, 16)"]),
    m("rlim", "Rlimit({0})", &["memw({i}, false, 16, 8)"]),
    m("rlimout", "Rlimit({0})", &["memw({i}, true, 16, 8)"]),
    m(
        "ioctlarg",
        "IoctlValue({0}, {1})",
        &["mem({i}, false, 4)", "mem({i}, true, 4)"],
    ),
    m("iovec", "Iovec({0}, {n})", &["iov({i}, false, {n})"]),
    m("bufin", "Buf({0})", &["data_in({i}, {n})"]),
    m("bufout", "Buf({0})", &["data_out({i})"]),
    m("iovecout", "Iovec({0}, {n})", &["iov({i}, true, {n})"]),
    k("pos", "PosLoHi"),
    k("hidden", "Hidden"),
    k("poshilo", "PosHiLo"),
    m("fdset", "FdSet({0})", &["fdset({i})"]),
    m(
        "timespec",
        t!(Spec, false, Copied),
        &["memw({i}, false, 16, 8)"],
    ),
    m(
        "timespec64",
        t!(Spec, true, Copied),
        &["memw({i}, false, 16, 16)"],
    ),
    m(
        "timespecout",
        t!(Spec, false, Copied),
        &["memw({i}, true, 16, 8)"],
    ),
    m(
        "timespec64out",
        t!(Spec, true, Copied),
        &["memw({i}, true, 16, 16)"],
    ),
    m(
        "timespecrem",
        t!(Spec, false, Remaining),
        &["rem({i}, 16, 8)"],
    ),
    m(
        "timespec64rem",
        t!(Spec, true, Remaining),
        &["rem({i}, 16, 16)"],
    ),
    m("timespecleft", t!(Spec, false, Left), &["both({i}, 16, 8)"]),
    m(
        "timespec64left",
        t!(Spec, true, Left),
        &["both({i}, 16, 16)"],
    ),
    m(
        "timeval",
        t!(Val, false, Copied),
        &["memw({i}, false, 16, 8)"],
    ),
    m(
        "timevalout",
        t!(Val, false, Copied),
        &["memw({i}, true, 16, 8)"],
    ),
    m("timevalleft", t!(Val, false, Left), &["both({i}, 16, 8)"]),
    m(
        "itimerspec",
        t!(ItSpec, false, Copied),
        &["memw({i}, false, 32, 16)"],
    ),
    m(
        "itimerspec64",
        t!(ItSpec, true, Copied),
        &["memw({i}, false, 32, 32)"],
    ),
    m(
        "itimerspecout",
        t!(ItSpec, false, Copied),
        &["memw({i}, true, 32, 16)"],
    ),
    m(
        "itimerspec64out",
        t!(ItSpec, true, Copied),
        &["memw({i}, true, 32, 32)"],
    ),
    m(
        "utimens",
        t!(Utimens, false, Copied),
        &["memw({i}, false, 32, 16)"],
    ),
    m(
        "utimens64",
        t!(Utimens, true, Copied),
        &["memw({i}, false, 32, 32)"],
    ),
    m(
        "siginfoout",
        "SigInfoOut({0})",
        &["memw({i}, true, 48, 32)"],
    ),
    m("stack", "Stack({0})", &["memw({i}, false, 24, 12)"]),
    m("stackout", "Stack({0})", &["memw({i}, true, 24, 12)"]),
    m("mqattr", "MqAttr({0})", &["memw({i}, false, 32, 16)"]),
    m("mqattrout", "MqAttr({0})", &["memw({i}, true, 32, 16)"]),
    // include/uapi/linux/sched.h: 88 bytes since Linux 5.7 (CLONE_ARGS_SIZE_VER2).
    m("cloneargs", "CloneArgs({0})", &["mem({i}, false, 88)"]),
    // include/uapi/asm-generic/siginfo.h: value, signo, notify, then two pointers.
    m("sigevent", "SigEvent({0})", &["memw({i}, false, 32, 20)"]),
    k("accessmode", "Const(Consts::AccessMode)"),
    k("accessatflags", "Const(Consts::AccessAtFlags)"),
    k("whence", "Const(Consts::Whence)"),
    k("madvise", "Const(Consts::Madvise)"),
    k("msyncflags", "Const(Consts::MsyncFlags)"),
    k("mremapflags", "Const(Consts::MremapFlags)"),
    k("resource", "Const(Consts::Rlimit)"),
    k("closerangeflags", "Const(Consts::CloseRangeFlags)"),
    k("waitoptions", "Const(Consts::WaitOptions)"),
    k("idtype", "Const(Consts::IdType)"),
    k("spliceflags", "Const(Consts::SpliceFlags)"),
    k("efdflags", "Const(Consts::EventfdFlags)"),
    k("epollflags", "Const(Consts::EpollFlags)"),
    k("tfdflags", "Const(Consts::TimerfdFlags)"),
    k("tfdsetflags", "Const(Consts::TimerfdSetFlags)"),
    k("sfdflags", "Const(Consts::SignalfdFlags)"),
    k("inflags", "Const(Consts::InotifyFlags)"),
    k("dup3flags", "Const(Consts::Dup3Flags)"),
    k("clockid", "Const(Consts::ClockId)"),
    k("epollop", "Const(Consts::EpollOp)"),
    k("sighow", "Const(Consts::SigHow)"),
    k("archprctl", "Const(Consts::ArchPrctl)"),
    k("statxflags", "Const(Consts::StatxFlags)"),
    k("statxmask", "Const(Consts::StatxMask)"),
    m("statout", "Stat({0})", &["mem({i}, true, 64)"]),
    m("statxout", "Statx({0})", &["mem({i}, true, 48)"]),
    k("pages", "Pages"),
    k("ioctlcmd", "Const(Consts::IoctlCmd)"),
    k("fcntlcmd", "Const(Consts::FcntlCmd)"),
    k("cloneflags", "Const(Consts::CloneFlags)"),
    k("priowhich", "Const(Consts::PrioWhich)"),
    k("itimerwhich", "Const(Consts::ItimerWhich)"),
    k("rusagewho", "Const(Consts::RusageWho)"),
    k("grndflags", "Const(Consts::GrndFlags)"),
    m(
        "itimerval",
        t!(ItVal, false, Copied),
        &["memw({i}, false, 32, 16)"],
    ),
    m(
        "itimervalout",
        t!(ItVal, false, Copied),
        &["memw({i}, true, 32, 16)"],
    ),
    // struct rusage's ru_utime and ru_stime (include/uapi/linux/resource.h; compat_rusage's
    // compat_timevals on ia32).
    m(
        "rusageout",
        t!(Rusage, false, Copied),
        &["memw({i}, true, 32, 16)"],
    ),
    m(
        "u32out",
        "Written({0}, Written::U32)",
        &["mem({i}, true, 4)"],
    ),
    m(
        "loffout",
        "Written({0}, Written::Loff)",
        &["mem({i}, true, 8)"],
    ),
    m(
        "gidsout",
        "Written({0}, Written::Gids32)",
        &["returned({i}, 4, 256)"],
    ),
    m(
        "gids16out",
        "Written({0}, Written::Gids16)",
        &["returned({i}, 2, 128)"],
    ),
    // include/uapi/linux/utsname.h: sysname and nodename, 65 bytes each.
    m(
        "utsnameout",
        "Written({0}, Written::Utsname)",
        &["mem({i}, true, 130)"],
    ),
    m("pathout", "Written({0}, Written::Path)", &["path_out({i})"]),
    m(
        "randout",
        "Written({0}, Written::Random)",
        &["data_out({i})"],
    ),
    // The signal mask in the frame rt_sigreturn and ia32 sigreturn return through, at offsets
    // above the stack pointer (tracer/src/syscalls/table.rs `stack_at`).
    m(
        "rtframemask",
        "FrameMask({0}, {0})",
        &["stack_at(Sz::Abi(296, 248), 8)"],
    ),
    m(
        "sigframemask",
        "FrameMask({0}, {1})",
        &["stack_at(Sz::N(80), 4)", "stack_at(Sz::N(712), 4)"],
    ),
    k("prctlopt", "Prctl(PrctlArg::Option)"),
    m(
        "prctlarg1",
        "Prctl(PrctlArg::First({0}, {1}))",
        &["path({i})", "mem({i}, true, 16)"],
    ),
    k("prctlarg2", "Prctl(PrctlArg::Plain(2))"),
    k("prctlarg3", "Prctl(PrctlArg::Plain(3))"),
    m("prctlarg4", "Prctl(PrctlArg::Last({0}))", &["path({i})"]),
    k("futexop", "Futex(FutexArg::Op)"),
    k("futexval", "Futex(FutexArg::Val)"),
    m(
        "futextime",
        "Futex(FutexArg::Timeout({0}, false))",
        &["memw({i}, false, 16, 8)"],
    ),
    m(
        "futextime64",
        "Futex(FutexArg::Timeout({0}, true))",
        &["memw({i}, false, 16, 16)"],
    ),
    k("futexaddr2", "Futex(FutexArg::Uaddr2)"),
    k("futexval3", "Futex(FutexArg::Val3)"),
    // arch/x86/include/uapi/asm/ldt.h: struct user_desc, 16 bytes.
    m(
        "userdesc",
        "UserDesc({0}, {1})",
        &["mem({i}, false, 16)", "mem({i}, true, 16)"],
    ),
];

const fn k(word: &'static str, arg: &'static str) -> Kind {
    Kind {
        word,
        arg,
        ops: &[],
    }
}

const fn m(word: &'static str, arg: &'static str, ops: &'static [&'static str]) -> Kind {
    Kind { word, arg, ops }
}

const RETS: &[(&str, &str)] = &[
    ("int", "Int"),
    ("poll", "Poll"),
    ("fd", "Fd"),
    ("hex", "Hex"),
    ("fcntl", "Fcntl"),
    ("child", "Child"),
    ("noreturn", "NoReturn"),
    ("select", "Select"),
    ("sig", "Sig"),
    ("mode", "Mode"),
    ("tls", "Tls"),
    ("prctl", "Prctl"),
];
/// `RET=EFFECT`: what the call does to a process's descriptors, as `syscalls::Effect`.
fn effect(word: &str) -> Result<String> {
    Ok(match word {
        "" => "Effect::None".into(),
        "opens" => "Effect::Opens".into(),
        "dups" => "Effect::Dups".into(),
        "pidfd" => "Effect::NewPidfd".into(),
        "chdir" => "Effect::ChangesDir".into(),
        "unlinks" => "Effect::Unlinks".into(),
        "closerange" => "Effect::ClosesRange".into(),
        w => match w.strip_prefix("anon:") {
            Some(name) if !name.is_empty() => format!("Effect::NewAnon({name:?})"),
            _ => bail!("unknown effect {w:?}"),
        },
    })
}
const SELECTS: &[(&str, &str)] = &[("always", "Always"), ("scoped", "Scoped"), ("-", "Never")];
/// strace's trace classes (`-e trace=%file`...) and tracer's own `io`, as `class::` constants.
const CLASSES: &[(&str, &str)] = &[
    ("file", "FILE"),
    ("process", "PROCESS"),
    ("network", "NETWORK"),
    ("signal", "SIGNAL"),
    ("ipc", "IPC"),
    ("desc", "DESC"),
    ("memory", "MEMORY"),
    ("creds", "CREDS"),
    ("clock", "CLOCK"),
    ("stat", "STAT"),
    ("lstat", "LSTAT"),
    ("fstat", "FSTAT"),
    ("%stat", "STAT_LIKE"),
    ("statfs", "STATFS"),
    ("fstatfs", "FSTATFS"),
    ("%statfs", "STATFS_LIKE"),
    ("pure", "PURE"),
    ("io", "IO"),
];

fn word(list: &[(&'static str, &'static str)], w: &str, what: &str) -> Result<&'static str> {
    list.iter()
        .find(|(k, _)| *k == w)
        .map(|(_, v)| *v)
        .with_context(|| format!("unknown {what} {w:?}"))
}

fn signatures(text: &str) -> Result<BTreeMap<(String, Only), Signature>> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{SIGNATURES}:{}", i + 1);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 4 {
            bail!("{}: expected `NAME RET SELECT CLASSES [ARG:KIND...]`", at());
        }
        let (name, only) = match f[0].split_once('@') {
            None => (f[0], Only::Both),
            Some((n, "x86_64")) => (n, Only::X64),
            Some((n, "ia32")) => (n, Only::Ia32),
            Some((_, abi)) => bail!("{}: unknown ABI {abi:?}", at()),
        };
        let classes = if f[3] == "-" {
            Vec::new()
        } else {
            f[3].split(',')
                .map(|c| word(CLASSES, c, "class"))
                .collect::<Result<_>>()
                .with_context(at)?
        };
        let args = f[4..]
            .iter()
            .map(|a| parse_arg(a))
            .collect::<Result<Vec<_>>>()
            .with_context(at)?;
        if let Some((_, _, s)) = args
            .iter()
            .find(|(_, _, s)| s.only_if.is_some_and(|(i, _)| usize::from(i) >= args.len()))
        {
            bail!(
                "{}: a condition on argument {:?}, which there is not",
                at(),
                s.only_if
            );
        }
        if args.len() > 6 {
            bail!("{}: more than six arguments", at());
        }
        // A call returning a new descriptor also gets `file_of_ret()`: the file behind it,
        // read in the kernel at exit.
        let (ret_word, effect_word) = f[1].split_once('=').unwrap_or((f[1], ""));
        let file_op = usize::from(ret_word == "fd");
        if args.iter().map(|(_, k, _)| k.ops.len()).sum::<usize>() + file_op > 4 {
            bail!(
                "{}: more than four capture ops (tracer_common::MAX_OPS)",
                at()
            );
        }
        let sig = Signature {
            ret: word(RETS, ret_word, "return kind").with_context(at)?,
            effect: effect(effect_word).with_context(at)?,
            select: word(SELECTS, f[2], "selection").with_context(at)?,
            classes,
            args,
        };
        if out.insert((name.to_string(), only), sig).is_some() {
            bail!("{}: {} twice", at(), f[0]);
        }
    }
    Ok(out)
}

/// One generated row: a name, its numbers, its signature.
#[derive(Debug)]
struct Gen<'a> {
    name: &'a str,
    x64: Option<&'a Entry>,
    ia32: Option<&'a Entry>,
    sig: &'a Signature,
}

fn rows<'a>(
    x64: &'a [Entry],
    ia32: &'a [Entry],
    sigs: &'a BTreeMap<(String, Only), Signature>,
) -> Result<Vec<Gen<'a>>> {
    let mut names: Vec<&str> = Vec::new();
    for e in x64.iter().chain(ia32) {
        if !names.contains(&e.name.as_str()) {
            names.push(&e.name);
        }
    }
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        let x = x64.iter().find(|e| e.name == name);
        let i = ia32.iter().find(|e| e.name == name);
        let mut get = |only: Only| {
            let key = (name.to_string(), only);
            let s = sigs.get(&key);
            if s.is_some() {
                used.insert(key);
            }
            s
        };
        let both = get(Only::Both);
        let (sx, si) = (get(Only::X64), get(Only::Ia32));
        // Separate rows where the ABIs' signatures differ (ia32's old_mmap, old_select).
        if (x.is_some() && sx.is_some()) || (i.is_some() && si.is_some()) {
            for (e, s, abi) in [(x, sx.or(both), "x86_64"), (i, si.or(both), "ia32")] {
                let Some(e) = e else { continue };
                let Some(sig) = s else {
                    missing.push(format!("{name} ({abi})"));
                    continue;
                };
                let (x64, ia32) = if abi == "x86_64" {
                    (Some(e), None)
                } else {
                    (None, Some(e))
                };
                out.push(Gen {
                    name,
                    x64,
                    ia32,
                    sig,
                });
            }
        } else {
            match both {
                Some(sig) => out.push(Gen {
                    name,
                    x64: x,
                    ia32: i,
                    sig,
                }),
                None => missing.push(name.to_string()),
            }
        }
    }
    if !missing.is_empty() {
        bail!(
            "{SIGNATURES} has no signature for: {} (add a line for each)",
            missing.join(", ")
        );
    }
    let unused: Vec<String> = sigs
        .keys()
        .filter(|k| !used.contains(*k))
        .map(|(n, _)| n.clone())
        .collect();
    if !unused.is_empty() {
        bail!(
            "{SIGNATURES} has signatures the tables do not know: {}",
            unused.join(", ")
        );
    }
    Ok(out)
}

fn render(
    rows: &[Gen<'_>],
    sources: &BTreeMap<String, Vec<String>>,
    version: &str,
    digest: u64,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// @generated by `cargo xtask gen-syscalls` from Linux {version}'s\n\
         // arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl (names, numbers, entry points)\n\
         // and tracer/src/syscalls/signatures.txt (arguments, returns, classes, default selection).\n\
         // Do not edit: change signatures.txt and run the generator again.\n\
         \n\
         use super::gen_prelude::*;\n\
         \n\
         /// Linux version of the tables these rows come from.\n\
         pub const KERNEL: &str = \"{version}\";\n\
         /// FNV-1a of signatures.txt when this file was generated (a test compares it).\n\
         #[cfg(test)]\n\
         pub const SIGNATURES_DIGEST: u64 = {digest:#018x};\n\
         \n\
         #[rustfmt::skip]\n\
         pub static GENERATED: &[Row] = &["
    );
    for r in rows {
        let num = |e: Option<&Entry>| e.map_or("None".to_string(), |e| format!("Some({})", e.nr));
        let entry = |e: Option<&Entry>| {
            e.and_then(|e| e.func.as_deref())
                .map_or("None".to_string(), |n| format!("Some({n:?})"))
        };
        let source = |e: Option<&Entry>| {
            e.and_then(|e| source_of(sources, e.func.as_deref()?))
                .map_or("None".to_string(), |f| format!("Some({f:?})"))
        };
        let classes = if r.sig.classes.is_empty() {
            "0".to_string()
        } else {
            r.sig.classes.join(" | ")
        };
        let mut ops = Vec::new();
        let args: Vec<String> = r
            .sig
            .args
            .iter()
            .enumerate()
            .map(|(i, (n, k, shape))| {
                let mut inner = k.arg.replace("{n}", &shape.param.unwrap_or(0).to_string());
                for (j, o) in k.ops.iter().enumerate() {
                    let op = o
                        .replace("{i}", &i.to_string())
                        .replace("{n}", &shape.param.unwrap_or(0).to_string());
                    inner = inner.replace(&format!("{{{j}}}"), &ops.len().to_string());
                    ops.push(op);
                }
                format!("({n:?}, {})", shape.wrap(inner))
            })
            .collect();
        if r.sig.ret == "Fd" {
            ops.push("file_of_ret()".to_string());
        }
        let _ = writeln!(
            s,
            "    call({:?}, {}, {}, [{}, {}], [{}, {}], {classes}, {}, Ret::{}, &[{}], &[{}], {}),",
            r.name,
            num(r.x64),
            num(r.ia32),
            entry(r.x64),
            entry(r.ia32),
            source(r.x64),
            source(r.ia32),
            r.sig.select,
            r.sig.ret,
            args.join(", "),
            ops.join(", "),
            r.sig.effect,
        );
    }
    s.push_str("];\n");
    s
}

/// Where each entry point is defined: `sys_NAME` for `SYSCALL_DEFINEn(NAME, ...)` and
/// `compat_sys_NAME` for `COMPAT_SYSCALL_DEFINEn(NAME, ...)`, in every `.c` file of the tree
/// outside other architectures' directories. Where a name is defined in more than one file
/// (mm/nommu.c repeats mm/'s calls for kernels without an MMU), the files are kept in order and
/// [`source_of`] picks.
fn sources(kernel: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stack = vec![kernel.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let e = e?;
            let p = e.path();
            let rel = p
                .strip_prefix(kernel)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            if e.file_type()?.is_dir() {
                // arch/x86/um is User-Mode Linux's, not the x86 kernel's.
                let other_arch = rel.starts_with("arch/")
                    && rel != "arch/x86"
                    && (!rel.starts_with("arch/x86/") || rel.starts_with("arch/x86/um"));
                if !other_arch && !rel.starts_with("tools") && !rel.starts_with("Documentation") {
                    stack.push(p);
                }
                continue;
            }
            if p.extension().is_none_or(|x| x != "c") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            // SYSCALL32_DEFINEn is COMPAT_SYSCALL_DEFINEn on a 64-bit kernel (signal_32.c,
            // fanotify_user.c).
            for (at, m) in text
                .match_indices("SYSCALL_DEFINE")
                .chain(text.match_indices("SYSCALL32_DEFINE"))
            {
                let rest = &text[at + m.len()..];
                let Some(rest) = rest.strip_prefix(|c: char| c.is_ascii_digit()) else {
                    continue;
                };
                let Some(rest) = rest.strip_prefix('(') else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                if text[line_start..at].trim_start().starts_with('#') {
                    continue;
                }
                let key = if text[..at].ends_with("COMPAT_") || m.contains("32") {
                    format!("compat_sys_{name}")
                } else {
                    format!("sys_{name}")
                };
                let files = out.entry(key).or_default();
                if !files.contains(&rel) {
                    files.push(rel.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The file that defines `entry` on an x86 kernel with an MMU.
fn source_of<'a>(sources: &'a BTreeMap<String, Vec<String>>, entry: &str) -> Option<&'a str> {
    let files = sources.get(entry)?;
    files
        .iter()
        .find(|f| f.as_str() != "mm/nommu.c")
        .or(files.first())
        .map(String::as_str)
}

/// FNV-1a, 64 bits: the same function as the tracer test that checks the digest.
pub fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The tree's version, from the top of its Makefile (`VERSION = 7`, `PATCHLEVEL = 2`...).
fn version(kernel: &Path) -> Result<String> {
    let text = std::fs::read_to_string(kernel.join("Makefile"))
        .with_context(|| format!("{}: no kernel Makefile", kernel.display()))?;
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k)?.trim().strip_prefix('=').map(str::trim))
            .unwrap_or_default()
            .to_string()
    };
    let (v, p, s) = (field("VERSION"), field("PATCHLEVEL"), field("SUBLEVEL"));
    if v.is_empty() || p.is_empty() {
        bail!("{}: Makefile has no VERSION/PATCHLEVEL", kernel.display());
    }
    Ok(if s.is_empty() || s == "0" {
        format!("{v}.{p}")
    } else {
        format!("{v}.{p}.{s}")
    })
}

pub fn generate(ctx: &Ctx, kernel: &Path) -> Result<()> {
    let dir = kernel.join("arch/x86/entry/syscalls");
    let read =
        |p: &Path| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
    let x64 =
        table(&read(&dir.join("syscall_64.tbl"))?, &["common", "64"]).context("syscall_64.tbl")?;
    let ia32 = table(&read(&dir.join("syscall_32.tbl"))?, &["i386"]).context("syscall_32.tbl")?;
    let sig_text = read(&ctx.root.join(SIGNATURES))?;
    let sigs = signatures(&sig_text)?;
    let rows = rows(&x64, &ia32, &sigs)?;
    let version = version(kernel)?;
    let sources = sources(kernel)?;
    let unfound: Vec<&str> = x64
        .iter()
        .chain(&ia32)
        .filter_map(|e| e.func.as_deref())
        .filter(|e| *e != "sys_ni_syscall" && source_of(&sources, e).is_none())
        .collect();
    if !unfound.is_empty() {
        say(&format!(
            "no SYSCALL_DEFINE found for: {}",
            unfound.join(" ")
        ));
    }
    let out = render(&rows, &sources, &version, fnv1a(sig_text.as_bytes()));
    std::fs::write(ctx.root.join(OUTPUT), out).with_context(|| format!("writing {OUTPUT}"))?;
    say(&format!(
        "wrote {OUTPUT}: {} rows from Linux {version} ({} x86_64 and {} ia32 numbers)",
        rows.len(),
        x64.len(),
        ia32.len()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_keep_only_the_asked_abis() {
        let t = "# c\n0\tcommon\tread\tsys_read\n512\tx32\trt_sigaction\tcompat\n134\t64\tuselib\n";
        let e = table(t, &["common", "64"]).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].func, None);
        assert!(table("7 common", &["common"]).is_err());
    }

    #[test]
    fn per_abi_signatures_make_separate_rows() {
        let x = table("9 common mmap sys_mmap\n", &["common"]).unwrap();
        let i = table(
            "90 i386 mmap sys_old_mmap\n192 i386 mmap2 sys_mmap_pgoff\n",
            &["i386"],
        )
        .unwrap();
        let sigs = signatures(
            "mmap hex always memory addr:ptr len:ulong\nmmap@ia32 hex always memory arg:ptr\n\
             mmap2 hex always memory addr:ptr",
        )
        .unwrap();
        let r = rows(&x, &i, &sigs).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].sig.args.len(), 2);
        assert!(r[0].ia32.is_none());
        assert_eq!(r[1].sig.args.len(), 1);
        let mut src = BTreeMap::new();
        src.insert(
            "sys_old_mmap".to_string(),
            vec!["mm/nommu.c".to_string(), "mm/mmap.c".to_string()],
        );
        let out = render(&r, &src, "7.2", 1);
        assert!(
            out.contains("call(\"mmap\", None, Some(90), [None, Some(\"sys_old_mmap\")], [None, Some(\"mm/mmap.c\")]"),
            "{out}"
        );
    }

    #[test]
    fn missing_and_unknown_signatures_are_errors() {
        let x = table(
            "0 common read sys_read\n1 common write sys_write\n",
            &["common"],
        )
        .unwrap();
        let sigs = signatures("read int scoped desc fd:fd\nfoo int - -\n").unwrap();
        let e = rows(&x, &[], &sigs).unwrap_err().to_string();
        assert!(e.contains("write"), "{e}");
        assert!(signatures("read int scoped nope fd:fd").is_err());
        assert!(signatures("read int scoped - fd:what").is_err());
        assert!(signatures("open fd scoped - flags:openflags mode:mode?7&0o100").is_err());
        let s = signatures("open fd scoped - flags:openflags =mode:mode?0&0o100").unwrap();
        let (_, _, shape) = &s[&("open".to_string(), Only::Both)].args[1];
        assert_eq!(
            shape.wrap("Mode".into()),
            "Labeled(&If { arg: 0, mask: 0x40, kind: &Mode })"
        );
    }
}
