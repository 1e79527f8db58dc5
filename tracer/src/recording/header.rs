//! The header of a recording made on this machine, and the kernel symbols it carries: the
//! functions the journeys name or look for (`kernel::path`), with their addresses, so that a
//! journey is rebuilt on another machine, without root and without its `/proc/kallsyms`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::capture::{Capture, Options};
use crate::kernel::hops::{HOP_FUNCS, HopStatus};
use crate::kernel::ksyms::Ksyms;
use crate::kernel::libc::WRAPPERS;
use crate::syscalls::ROWS;

use super::format::{FORMAT_VERSION, Filter, Header, Libc, Symbol};

/// Entry code and dispatchers `kernel::path` names or checks for, on the kernels it knows
/// (arch/x86/entry/: `x64_sys_call` since 6.9, `asm_int80_emulation` and `int80_emulation` since 6.7), and protocol
/// operations it names that are not probed.
const PATH_FUNCS: &[&str] = &[
    "entry_SYSCALL_64",
    "do_syscall_64",
    "x64_sys_call",
    "asm_int80_emulation",
    "int80_emulation",
    "do_int80_emulation",
    "entry_INT80_compat",
    "do_int80_syscall_32",
    "entry_SYSENTER_compat",
    "do_SYSENTER_32",
    "entry_SYSCALL_compat",
    "do_fast_syscall_32",
    "ia32_sys_call",
    "compat_ksys_ipc",
    "inet6_bind",
];

/// Every name a journey may ask the symbols about: the probed functions, the entry code, and
/// the syscall wrappers of every traced call under each ABI's naming.
pub fn wanted_names() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = HOP_FUNCS
        .iter()
        .map(|f| f.name)
        .chain(PATH_FUNCS.iter().copied())
        .map(str::to_string)
        .collect();
    for row in ROWS.iter() {
        for prefix in ["__x64_sys_", "__ia32_sys_", "__ia32_compat_sys_"] {
            names.insert(format!("{prefix}{}", row.name));
        }
        // The tables' entry points, which the journey names first (`__x64_sys_newstat`).
        if let Some(e) = row.entry[0] {
            names.insert(format!("__x64_{e}"));
        }
        if let Some(e) = row.entry[1] {
            names.insert(format!("__ia32_{e}"));
        }
    }
    names
}

/// The symbols of `ksyms` a recording needs, in name order.
pub fn symbols(ksyms: &Ksyms) -> Vec<Symbol> {
    wanted_names()
        .into_iter()
        .filter(|n| ksyms.has(n))
        .map(|name| Symbol {
            addr: format!("{:#x}", ksyms.addr(&name).unwrap_or(0)),
            name,
        })
        .collect()
}

/// The symbols a recording carries, as `Ksyms`.
pub fn ksyms(header: &Header) -> Ksyms {
    Ksyms::from_pairs(header.symbol_pairs())
}

/// The header for what `cap` traces, as `opts` asked.
pub fn for_capture(cap: &Capture, opts: &Options, scope: &str, boot_to_wall_ns: i128) -> Header {
    let kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    build(&Parts {
        ksyms: &cap.ksyms,
        hops: &cap.hops,
        libcs: &cap.libcs,
        opts,
        scope,
        boot_to_wall_ns,
        kernel,
    })
}

/// What a header is made of.
pub struct Parts<'a> {
    pub ksyms: &'a Ksyms,
    pub hops: &'a [HopStatus],
    pub libcs: &'a [(PathBuf, usize)],
    pub opts: &'a Options,
    pub scope: &'a str,
    pub boot_to_wall_ns: i128,
    pub kernel: String,
}

pub fn build(p: &Parts<'_>) -> Header {
    let syscalls: BTreeSet<&str> = ROWS
        .iter()
        .enumerate()
        .filter(|(i, _)| p.opts.selection.contains(*i))
        .map(|(_, r)| r.name)
        .collect();
    Header {
        format: Header::FORMAT.into(),
        format_version: FORMAT_VERSION.into(),
        tracer: env!("CARGO_PKG_VERSION").into(),
        kernel: p.kernel.clone(),
        arch: std::env::consts::ARCH.into(),
        boot_to_wall_ns: p.boot_to_wall_ns.to_string(),
        scope: p.scope.into(),
        filter: Filter {
            syscalls: syscalls.into_iter().map(str::to_string).collect(),
            comms: p.opts.comms.clone(),
        },
        snaplen: p.opts.snaplen,
        mechanisms: p
            .hops
            .iter()
            .map(|h| (h.func.to_string(), h.mechanism.name().to_string()))
            .collect(),
        ksyms: symbols(p.ksyms),
        libcs: p
            .libcs
            .iter()
            .map(|(path, n)| Libc {
                path: path.display().to_string(),
                wrappers: *n as u64,
            })
            .collect(),
        rows: ROWS.iter().map(|r| r.name.to_string()).collect(),
        wrappers: WRAPPERS.iter().map(|(w, _)| (*w).to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::sockaddr::SockAddr;
    use crate::kernel::path;
    use crate::syscalls::Abi;
    use crate::trace::Call;
    use tracer_common::{
        ENTRY_INT80, ENTRY_SYSCALL, ENTRY_SYSENTER, TABLE_IA32, TABLE_IPC, TABLE_SOCKETCALL,
        TABLE_X86_64,
    };

    /// Every journey `kernel::path` can build, with the full symbol table and with only what a
    /// recording carries.
    fn journeys_agree(full: &Ksyms) {
        let header = build(&Parts {
            ksyms: full,
            hops: &[],
            libcs: &[],
            opts: &Options {
                pids: None,
                selection: crate::syscalls::Selection::default_for(true),
                comms: vec![],
                snaplen: 32,
                ring_bytes: 1 << 20,
                wrappers: true,
                no_backpressure: false,
                batch_kib: crate::capture::BATCH_KIB,
                status: None,
            },
            scope: "test",
            boot_to_wall_ns: 0,
            kernel: String::new(),
        });
        let small = ksyms(&header);
        let families = [
            None,
            Some(SockAddr::Unnamed),
            Some(SockAddr::Inet {
                addr: std::net::Ipv4Addr::LOCALHOST,
                port: 80,
            }),
            Some(SockAddr::Inet6 {
                addr: std::net::Ipv6Addr::LOCALHOST,
                port: 80,
                flowinfo: 0,
                scope_id: Some(0),
            }),
            Some(SockAddr::Netlink { pid: 0, groups: 0 }),
        ];
        for row in ROWS.iter() {
            let mut shapes = vec![(Abi::X86_64, ENTRY_SYSCALL, TABLE_X86_64)];
            for entry in [ENTRY_INT80, ENTRY_SYSENTER, ENTRY_SYSCALL] {
                shapes.push((Abi::Ia32, entry, TABLE_IA32));
                shapes.push((Abi::Ia32, entry, TABLE_SOCKETCALL));
                shapes.push((Abi::Ia32, entry, TABLE_IPC));
            }
            for (abi, entry, table) in shapes {
                let call = Call::hypothetical(row, abi, entry, 1, table, 2);
                for fam in &families {
                    assert_eq!(
                        path::build(full, &call, fam.as_ref()),
                        path::build(&small, &call, fam.as_ref()),
                        "{} {abi:?} entry {entry} table {table}",
                        row.name
                    );
                }
            }
        }
    }

    #[test]
    fn the_header_names_every_function_a_journey_needs() {
        // This machine's kernel when its symbols are readable (names are, without root).
        let here = Ksyms::load();
        if here.is_empty() {
            eprintln!("/proc/kallsyms unreadable: only the synthetic symbols are checked");
        } else {
            journeys_agree(&here);
        }
        let mut text = String::new();
        for (i, n) in wanted_names().iter().enumerate() {
            text.push_str(&format!(
                "{:x} T {n}\n",
                0xffff_ffff_8100_0000_u64 + i as u64 * 0x100
            ));
            text.push_str(&format!(
                "{:x} T {n}_unrelated\n",
                0xffff_ffff_8100_0080_u64 + i as u64 * 0x100
            ));
        }
        journeys_agree(&Ksyms::parse(&text));
    }

    #[test]
    fn symbols_round_trip_through_the_header() {
        let k = Ksyms::parse(
            "ffffffff81000800 T __sys_bind\nffffffff81000a00 t unix_bind\nffffffff81000b00 T something_else\n",
        );
        let syms = symbols(&k);
        assert_eq!(syms.len(), 2);
        let h = Header {
            ksyms: syms,
            ..Header::default()
        };
        let back = ksyms(&h);
        assert_eq!(back.name_at(0xffff_ffff_8100_0a04), Some("unix_bind"));
        assert_eq!(back.addr("__sys_bind"), Some(0xffff_ffff_8100_0800));
        assert!(!back.has("something_else"));
    }
}
