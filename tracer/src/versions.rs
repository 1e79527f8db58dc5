//! Every version a student can read in a lesson (`tracer walkthrough`) or an explain page
//! (`tracer explain`), with where it was read: the commit that introduced, removed or renamed
//! the thing, the manual page that states it, or the file and version where it was seen. The
//! texts print the number from here (a fact prints as its version: `"Linux {BIND_SOCKET}"` in a
//! `t!` text; a static text's `{BIND_SOCKET}` is replaced by [`fill`]), so a number is typed
//! once, next to its citation; the tests render every lesson and every explain page in both
//! languages and fail on a printed version that no fact here carries ([`uncited`]).

/// One version claim and its source. It prints as its version: a lesson's `t!` text names the
/// constant (`"Linux {BIND_SOCKET}+"`, with `versions::BIND_SOCKET` in scope).
#[derive(Debug)]
pub struct VersionFact {
    /// The constant's name: the `{KEY}` placeholder static texts use ([`fill`]).
    pub key: &'static str,
    /// The version as printed: `6.11`, `2.6.35`, `2.36` (a glibc version).
    pub version: &'static str,
    /// Where it was read: a commit (hash and subject), a manual page, or a file and version.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the citation is for readers and the tests")
    )]
    pub cite: &'static str,
}

impl std::fmt::Display for VersionFact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.version)
    }
}

/// Debian 12's kernel, 6.1.0-56-cloud-amd64: one of the two kernels the lessons are checked on
/// (`cargo xtask vm`: its /proc/kallsyms, and fs/, net/, arch/x86/ of v6.1 for the files).
pub const LINUX_6_1: VersionFact = VersionFact {
    key: "LINUX_6_1",
    version: "6.1",
    cite: "Debian 12's kernel 6.1.0-56-cloud-amd64: uname -r and /proc/kallsyms in the VM of \
           `cargo xtask vm`; source files read in v6.1",
};

/// This project's development kernel (6.18.44): the other kernel the lessons are checked on.
pub const LINUX_6_18: VersionFact = VersionFact {
    key: "LINUX_6_18",
    version: "6.18",
    cite: "this project's machines: uname -r 6.18.44-fc-v1147 and its /proc/kallsyms; source \
           files read in v6.18",
};

/// `int $0x80` got an IDT entry of its own (`asm_int80_emulation` -> `int80_emulation` ->
/// `do_int80_emulation`, arch/x86/entry/).
pub const INT80_IDTENTRY: VersionFact = VersionFact {
    key: "INT80_IDTENTRY",
    version: "6.7",
    cite: "commit be5341eb0d43 (x86/entry: Convert INT 0x80 emulation to IDTENTRY), Thomas \
           Gleixner, merged for 6.7 (Dec 2023)",
};

/// The 6.6 stable kernels got be5341eb0d43 too (as did 6.1: its kallsyms has
/// `asm_int80_emulation`).
pub const INT80_STABLE_6_6: VersionFact = VersionFact {
    key: "INT80_STABLE_6_6",
    version: "6.6",
    cite: "the 6.1-stable review patch \"[ upstream commit be5341eb0d43 ]\" (stable@vger.kernel.org, \
           Dec 2023) and 6.1's kallsyms; the 6.6 stable backport is from the same stable series \
           (its review mail not read here)",
};

/// The system call tables became a `switch` (`x64_sys_call`, `ia32_sys_call`): no indirect
/// call through `sys_call_table[nr]`.
pub const SYSCALL_SWITCH: VersionFact = VersionFact {
    key: "SYSCALL_SWITCH",
    version: "6.9",
    cite: "commit 1e3ad78334a6 (x86/syscall: Don't force use of indirect calls for system \
           calls), with 7390db8aea0d (x86/bhi: Add support for clearing branch history at \
           syscall entry), merged for 6.9 (April 2024, the BHI fixes); 6.1's kallsyms has \
           x64_sys_call (stable backport)",
};

/// `__sys_bind_socket`, the socket half of `__sys_bind` (net/socket.c).
pub const BIND_SOCKET: VersionFact = VersionFact {
    key: "BIND_SOCKET",
    version: "6.11",
    cite: "commit dc2e77979412 (net: Split a __sys_bind helper for io_uring), Gabriel Krisman \
           Bertazi, applied with IORING_OP_BIND (7481fd93fa0a) for 6.11; in 6.18's kallsyms, \
           not in 6.1's",
};

/// `x64_setup_rt_frame` in arch/x86/kernel/signal_64.c (6.1: static `__setup_rt_frame` in
/// signal.c).
pub const SETUP_RT_FRAME: VersionFact = VersionFact {
    key: "SETUP_RT_FRAME",
    version: "6.2",
    cite: "commit c461ae39373a (x86/signal: Add ABI prefixes to frame setup functions) and \
           \"x86/signal/64: Move 64-bit signal code to its own file\", Brian Gerst; not in \
           6.1's kallsyms, in 6.18's",
};

/// ia32 direct socket calls (bind 361 ...) next to socketcall (102).
pub const DIRECT_SOCKETCALLS: VersionFact = VersionFact {
    key: "DIRECT_SOCKETCALLS",
    version: "4.3",
    cite: "socketcall(2), NOTES: \"starting in Linux 4.3, direct system calls are provided on \
           x86-32 for the sockets API\"; commit 9dea5dc921b5 (x86/entry/syscalls: Wire up \
           32-bit direct socket calls), Andy Lutomirski, July 2015",
};

/// ia32 direct System V IPC calls (semget 393 ...) next to ipc (117).
pub const DIRECT_IPC: VersionFact = VersionFact {
    key: "DIRECT_IPC",
    version: "5.1",
    cite: "commit 0d6040d46817 (arch: add split IPC system calls where needed), Arnd Bergmann, \
           Jan 2019, merged for 5.1; arch/x86/entry/syscalls/syscall_32.tbl 393..402",
};

/// `F_GETPIPE_SZ` and `F_SETPIPE_SZ` (fs/pipe.c `pipe_fcntl`).
pub const PIPE_RESIZE: VersionFact = VersionFact {
    key: "PIPE_RESIZE",
    version: "2.6.35",
    cite: "pipe(7), Pipe capacity: \"Since Linux 2.6.35, the default pipe capacity is 16 pages, \
           but the capacity can be queried and set using the fcntl(2) F_GETPIPE_SZ and \
           F_SETPIPE_SZ operations\"; fcntl(2): F_SETPIPE_SZ (since Linux 2.6.35)",
};

/// A pipe's ring of 16 pages.
pub const PIPE_RING: VersionFact = VersionFact {
    key: "PIPE_RING",
    version: "2.6.11",
    cite: "pipe(7): \"Before Linux 2.6.11, the capacity of a pipe was the same as the system \
           page size ... Since Linux 2.6.11, the pipe capacity is 16 pages\"",
};

/// `SOCK_SEQPACKET` for UNIX sockets.
pub const SEQPACKET: VersionFact = VersionFact {
    key: "SEQPACKET",
    version: "2.6.4",
    cite: "unix(7): \"SOCK_SEQPACKET (since Linux 2.6.4)\"",
};

/// `SCM_CREDENTIALS` (and the abstract namespace).
pub const SCM_CREDENTIALS: VersionFact = VersionFact {
    key: "SCM_CREDENTIALS",
    version: "2.2",
    cite: "unix(7), VERSIONS: \"SCM_CREDENTIALS and the abstract namespace were introduced with \
           Linux 2.2\"",
};

/// SHMMAX and SHMALL defaults that are no limit in practice.
pub const SHMMAX: VersionFact = VersionFact {
    key: "SHMMAX",
    version: "3.16",
    cite: "shmget(2), SHMMAX: \"Since Linux 3.16, the default value for this limit is ... From \
           Linux 2.2 up to Linux 3.15, the default value of this limit was 0x2000000\"",
};

/// `remap_file_pages` emulated, nonlinear mappings gone.
pub const REMAP_FILE_PAGES: VersionFact = VersionFact {
    key: "REMAP_FILE_PAGES",
    version: "4.0",
    cite: "remap_file_pages(2): \"this system call was marked as deprecated starting with Linux \
           3.16. In Linux 4.0, the implementation was replaced by a slower in-kernel emulation\"",
};

/// The 32-bit glibc the lessons and pages were checked against.
pub const GLIBC_DEBIAN_12: VersionFact = VersionFact {
    key: "GLIBC_DEBIAN_12",
    version: "2.36",
    cite: "Debian 12's libc6 and libc6-i386 2.36 (dpkg -l in the VM of `cargo xtask vm`); \
           objdump -d of its /lib/x86_64-linux-gnu/libc.so.6 and /lib32/libc.so.6",
};

/// glibc's 64-bit `time_t` for 32-bit programs (`_TIME_BITS=64`), and with it
/// `__semtimedop64` issuing semtimedop_time64.
pub const GLIBC_TIME64: VersionFact = VersionFact {
    key: "GLIBC_TIME64",
    version: "2.34",
    cite: "glibc 2.34 NEWS: support for 64-bit time_t on 32-bit targets with _TIME_BITS=64 \
           (not re-read here); __semtimedop64 seen in objdump -d of Debian 12's \
           /lib32/libc.so.6 (glibc 2.36)",
};

/// The kernel tree the syscall tables and the files that define each call were generated from.
pub const TABLES_KERNEL: VersionFact = VersionFact {
    key: "TABLES_KERNEL",
    version: crate::syscalls::TABLES_KERNEL,
    cite: "the tree `cargo xtask gen-syscalls` read: tracer/src/syscalls/generated.rs, \
           arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl, the SYSCALL_DEFINEs",
};

/// Every fact: what the tests check printed versions against.
pub const FACTS: &[VersionFact] = &[
    LINUX_6_1,
    LINUX_6_18,
    INT80_IDTENTRY,
    INT80_STABLE_6_6,
    SYSCALL_SWITCH,
    BIND_SOCKET,
    SETUP_RT_FRAME,
    DIRECT_SOCKETCALLS,
    DIRECT_IPC,
    PIPE_RESIZE,
    PIPE_RING,
    SEQPACKET,
    SCM_CREDENTIALS,
    SHMMAX,
    REMAP_FILE_PAGES,
    GLIBC_DEBIAN_12,
    GLIBC_TIME64,
    TABLES_KERNEL,
];

/// A static text with each `{KEY}` of a fact replaced by its version: the texts kept in tables
/// (the "then and now" boxes, explain's notes on older kernels) name their versions so. A
/// brace that names no fact is left as it is.
pub fn fill(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let fact = after
            .find('}')
            .and_then(|close| FACTS.iter().find(|f| f.key == &after[..close]));
        if let Some(f) = fact {
            out.push_str(f.version);
            rest = &after[f.key.len() + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The version-looking numbers in `text`, each with its line: every `N.M` or `N.M.P` that is a
/// token of its own. Not part of one: a URL's `v6.18`, an identifier (`x86_64`, `libc.so.6`), an
/// address of four parts (`127.0.0.1`); a sentence's final dot is not a part.
#[cfg(test)]
pub fn claims(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let glued = i > 0
                && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'.' | b'-'));
            if !b[i].is_ascii_digit() || glued {
                i += 1;
                continue;
            }
            let start = i;
            let mut parts = 1;
            loop {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                    parts += 1;
                    i += 1;
                } else {
                    break;
                }
            }
            // Glued to what follows (`6.1x`, `2.36_foo`): part of a name, not a version.
            let glued_after = i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_');
            if (2..=3).contains(&parts) && !glued_after {
                out.push((&line[start..i], line));
            }
        }
    }
    out
}

/// The claims in `text` that no fact with a citation carries, as `"6.4" in "the line"`, and
/// any `{KEY}` of a fact printed as it is (a static text not passed through [`fill`]). The
/// release of the kernel the text was made on (`running`, e.g. `6.18.44-fc-v1147`) is not a
/// claim: the page says which kernel it ran on, and `6.18` of it too (elixir's links).
#[cfg(test)]
pub fn uncited(text: &str, running: &str) -> Vec<String> {
    let release: String = running
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap_or_default()
        .to_string();
    let major_minor: String = release.split('.').take(2).collect::<Vec<_>>().join(".");
    // A placeholder printed as it is: a text that names a fact but was never filled.
    let unfilled = text.lines().flat_map(|line| {
        FACTS
            .iter()
            .filter(move |f| line.contains(&format!("{{{}}}", f.key)))
            .map(move |f| format!("{{{}}} unfilled in {:?}", f.key, line.trim()))
    });
    let unfilled: Vec<String> = unfilled.collect();
    claims(text)
        .into_iter()
        .filter(|(v, _)| release.is_empty() || (*v != release && *v != major_minor))
        .filter(|(v, _)| {
            !FACTS
                .iter()
                .any(|f| f.version == *v && !f.cite.trim().is_empty())
        })
        .map(|(v, line)| format!("{v:?} in {:?}", line.trim()))
        .chain(unfilled)
        .collect()
}

/// The versions `text` prints, sorted: English and Chinese must print the same ones.
#[cfg(test)]
pub fn printed(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = claims(text).into_iter().map(|(v, _)| v).collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_has_a_citation_and_a_unique_key() {
        for f in FACTS {
            assert!(f.cite.len() > 20, "{}: {:?}", f.key, f.cite);
            assert_eq!(claims(f.version).len(), 1, "{}: {}", f.key, f.version);
            assert_eq!(
                FACTS.iter().filter(|g| g.key == f.key).count(),
                1,
                "{}",
                f.key
            );
        }
    }

    #[test]
    fn claims_are_versions_not_addresses_names_or_links() {
        let text = "since Linux 6.9 (and 6.1/6.6 stable); glibc 2.36. 自 Linux 4.3 起，\
                    Linux 6.1 中\n127.0.0.1:80 libc.so.6 x86_64 v6.18/A 0x7f.1 6.18.44-fc 2.6.35+";
        let got: Vec<&str> = claims(text).into_iter().map(|(v, _)| v).collect();
        assert_eq!(
            got,
            [
                "6.9", "6.1", "6.6", "2.36", "4.3", "6.1", "6.18.44", "2.6.35"
            ]
        );
    }

    /// The check can fail: a made-up claim with no fact behind it is named, with its line; a
    /// fact whose citation is empty does not count.
    #[test]
    fn an_uncited_claim_is_caught() {
        let text = "x64_sys_call: a switch since Linux 6.9\nfoo_bar: new in Linux 6.4+\n";
        assert_eq!(
            uncited(text, "9.8.7-test"),
            [r#""6.4" in "foo_bar: new in Linux 6.4+""#]
        );
        assert_eq!(
            uncited("自 Linux 5.99 起", "9.8.7"),
            [r#""5.99" in "自 Linux 5.99 起""#]
        );
        // The running kernel's release, and its major.minor, are not claims.
        assert!(
            uncited(
                "On this kernel: Linux 9.8.7. Source: v9.8, Linux 9.8",
                "9.8.7-x"
            )
            .is_empty()
        );
        assert_eq!(uncited("Linux 9.8.7", "").len(), 1);
        assert_eq!(
            uncited("since Linux {BIND_SOCKET}", "9.8.7"),
            [r#"{BIND_SOCKET} unfilled in "since Linux {BIND_SOCKET}""#]
        );
    }

    #[test]
    fn placeholders_are_filled_from_the_facts() {
        assert_eq!(
            fill("since Linux {SYSCALL_SWITCH} ({BIND_SOCKET}+), {a,c,m}time {nope}"),
            "since Linux 6.9 (6.11+), {a,c,m}time {nope}"
        );
        assert_eq!(fill("{"), "{");
        assert_eq!(fill("x{LINUX_6_1"), "x{LINUX_6_1");
        assert_eq!(format!("Linux {BIND_SOCKET}+"), "Linux 6.11+");
    }
}
