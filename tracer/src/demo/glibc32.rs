//! A 32-bit program, written out byte by byte, that calls the real i386 C library: it is linked
//! dynamically against `libc.so.6`, and its code calls glibc's own `socket`, `bind`, `close`,
//! `usleep` and `_exit`, so the `bind` traced is glibc's, from `/lib32/libc.so.6` (Debian, Ubuntu:
//! libc6-i386) or `/lib/libc.so.6` (Fedora: glibc.i686). Nothing compiles it: the demo has no
//! compiler at run time, and the program is small enough to write by hand.
//!
//! Debian 12's i386 glibc (libc6-i386 2.36-9+deb12u14, `objdump -d /lib32/libc.so.6`) makes
//! `bind` at 0x124790 as `push %ebx; mov $0x2,%ebx; ...; lea 0x4(%esp),%ecx; ...;
//! mov $0x66,%eax; call *%gs:0x10` (socketcall, SYS_BIND, the argument array copied to its
//! stack), and `socket` at 0x125370 the same way with `mov $0x1,%ebx`. The word at `%gs:0x10`
//! is glibc's copy of `AT_SYSINFO`, the vDSO's `__kernel_vsyscall`, which enters with `sysenter`
//! or `syscall` (see [`super::vsyscall32`], which repeats those instructions without the C
//! library, for machines that lack it).
//!
//! How it runs: the kernel maps the program and the loader named in `PT_INTERP`
//! (`/lib/ld-linux.so.2`), and starts the loader. The loader finds `libc.so.6` from
//! `DT_NEEDED`, maps it, sets up the thread pointer (`%gs`, with `%gs:0x10` and the stack
//! guard at `%gs:0x14` that glibc's `bind` checks), applies the program's relocations (one
//! `R_386_GLOB_DAT` per function: the function's address into a word of the program's data),
//! runs the C library's initialisation (`__libc_early_init`, then `_dl_init`'s constructors),
//! and jumps to the program's entry point. A C program's entry (`_start`) would then call
//! `__libc_start_main`; this one needs none of what that adds (`main`'s arguments, `atexit`,
//! stdio) and calls the functions through the relocated words directly:
//!
//! ```text
//! fd = socket(AF_UNIX, SOCK_STREAM, 0);   if (fd < 0) _exit(errno);
//! e = bind(fd, &addr, addrlen) == 0 ? 0 : errno;
//! close(fd);
//! usleep(NAP_US);   // 100 ms: alive when tracer reads its mappings to name its calls
//! _exit(e);
//! ```
//!
//! The nap is for tracer: it names where a call was made from the process's mappings, read
//! when it drains the process's records; a program gone before that keeps a bare address.
//!
//! Its exit status is bind's errno (0 on success), socket's when socket failed; the loader
//! exits with 127 when it cannot load `libc.so.6`.
//!
//! The image (one file page, mapped twice like [`super::vsyscall32`]'s: code read+execute at
//! [`BASE`], data read+write one page up): the ELF32 header, five program headers
//! (`PT_INTERP`, two `PT_LOAD`, `PT_DYNAMIC`, `PT_GNU_STACK`), the code, the loader's path,
//! then the data the loader reads (string table, symbol table, hash table, relocations, the
//! dynamic section), the words it writes (one per function), and the address to bind. No
//! section headers: the kernel and the loader read only the program headers and the dynamic
//! section.

/// The i386 loader every dynamically linked 32-bit glibc program names: Debian and Ubuntu
/// install it with libc6-i386 (which gcc-multilib pulls in), Fedora with glibc.i686.
pub const LOADER: &std::ffi::CStr = c"/lib/ld-linux.so.2";

/// Where the image is loaded (`ET_EXEC`: fixed addresses; the classic i386 base).
const BASE: u32 = 0x0804_8000;
/// The data mapping: the same file page, one page up.
const DATA_BASE: u32 = BASE + 0x1000;
const PAGE: usize = 0x1000;
/// `sizeof(Elf32_Ehdr)`, `sizeof(Elf32_Phdr)`, `sizeof(Elf32_Sym)`, `sizeof(Elf32_Rel)`,
/// `sizeof(Elf32_Dyn)` (include/uapi/linux/elf.h).
const EHDR: usize = 52;
const PHDR: usize = 32;
const SYM: usize = 16;
const REL: usize = 8;
const DYN: usize = 8;
const PHNUM: usize = 5;
const CODE_AT: usize = EHDR + PHNUM * PHDR;

/// `e_type`, `e_machine` (include/uapi/linux/elf.h, include/uapi/linux/elf-em.h).
const ET_EXEC: u16 = 2;
const EM_386: u16 = 3;
/// Program header types and flags (include/uapi/linux/elf.h).
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_GNU_STACK: u32 = 0x6474_e551;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
/// Dynamic section tags (include/uapi/linux/elf.h; glibc's elf/elf.h).
const DT_NULL: u32 = 0;
const DT_NEEDED: u32 = 1;
const DT_HASH: u32 = 4;
const DT_STRTAB: u32 = 5;
const DT_SYMTAB: u32 = 6;
const DT_STRSZ: u32 = 10;
const DT_SYMENT: u32 = 11;
const DT_REL: u32 = 17;
const DT_RELSZ: u32 = 18;
const DT_RELENT: u32 = 19;
/// `ELF32_ST_INFO(STB_GLOBAL, STT_FUNC)`: `STB_GLOBAL` = 1, `STT_FUNC` = 2
/// (include/uapi/linux/elf.h).
const GLOBAL_FUNC: u8 = (1 << 4) | 2;
/// `R_386_GLOB_DAT` (glibc's elf/elf.h, "Create GOT entry"; the kernel's
/// arch/x86/include/asm/elf.h): the word at `r_offset` becomes the symbol's address.
const R_386_GLOB_DAT: u32 = 6;
/// `AF_UNIX` (include/linux/socket.h), `SOCK_STREAM` (include/linux/net.h).
const AF_UNIX: u32 = 1;
const SOCK_STREAM: u32 = 1;

/// The library the program needs and the functions it calls, in symbol table order (index 0
/// is the null symbol).
const NEEDED: &str = "libc.so.6";
const FUNCS: [&str; 6] = [
    "socket",
    "bind",
    "close",
    "__errno_location",
    "usleep",
    "_exit",
];
const SOCKET: usize = 0;
const BIND: usize = 1;
const CLOSE: usize = 2;
const ERRNO: usize = 3;
const USLEEP: usize = 4;
const EXIT: usize = 5;
/// How long the program waits before it exits, in microseconds: tracer names where a call was
/// made from the process's mappings, which it reads when it drains the process's records
/// (every 20 ms, `capture::DRAIN_EVERY`); a program that is gone by then keeps a bare address.
pub const NAP_US: u32 = 100_000;

/// The program's code: `got[i]` is the address of the word the loader fills with `FUNCS[i]`.
fn code(got: [u32; FUNCS.len()], addr: u32, addrlen: u32) -> Vec<u8> {
    let mut a = super::vsyscall32::Asm::new();
    // The loader jumps here with the start-up stack (argc, argv, ...) and edx = its
    // _dl_fini for atexit, which this program does not need. The i386 ABI wants a 16-byte
    // aligned stack at each call: 16 bytes for the arguments, aligned.
    a.code.extend_from_slice(&[0x83, 0xe4, 0xf0]); // and esp, -16
    a.code.extend_from_slice(&[0x83, 0xec, 0x10]); // sub esp, 16
    // socket(AF_UNIX, SOCK_STREAM, 0)
    a.imm(&[0xc7, 0x04, 0x24], AF_UNIX); // mov dword [esp], AF_UNIX
    a.imm(&[0xc7, 0x44, 0x24, 0x04], SOCK_STREAM); // mov dword [esp+4], SOCK_STREAM
    a.imm(&[0xc7, 0x44, 0x24, 0x08], 0); // mov dword [esp+8], 0
    a.call_indirect(got[SOCKET]); // call [socket]
    a.code.extend_from_slice(&[0x85, 0xc0]); // test eax, eax
    a.jcc(0x78, "failed"); // js failed
    a.code.extend_from_slice(&[0x89, 0xc6]); // mov esi, eax          the fd (callee-saved)
    // bind(fd, &addr, addrlen)
    a.code.extend_from_slice(&[0x89, 0x04, 0x24]); // mov [esp], eax
    a.imm(&[0xc7, 0x44, 0x24, 0x04], addr); // mov dword [esp+4], addr
    a.imm(&[0xc7, 0x44, 0x24, 0x08], addrlen); // mov dword [esp+8], addrlen
    a.call_indirect(got[BIND]); // call [bind]
    a.code.extend_from_slice(&[0x31, 0xff]); // xor edi, edi         the exit status
    a.code.extend_from_slice(&[0x85, 0xc0]); // test eax, eax
    a.jcc(0x74, "bound"); // jz bound
    a.call_indirect(got[ERRNO]); // call [__errno_location]
    a.code.extend_from_slice(&[0x8b, 0x38]); // mov edi, [eax]       errno
    a.label("bound");
    // close(fd); usleep(NAP_US); _exit(status)
    a.code.extend_from_slice(&[0x89, 0x34, 0x24]); // mov [esp], esi
    a.call_indirect(got[CLOSE]); // call [close]
    a.imm(&[0xc7, 0x04, 0x24], NAP_US); // mov dword [esp], NAP_US
    a.call_indirect(got[USLEEP]); // call [usleep]
    a.code.extend_from_slice(&[0x89, 0x3c, 0x24]); // mov [esp], edi
    a.call_indirect(got[EXIT]); // call [_exit]
    a.label("failed");
    // _exit(errno): socket failed
    a.call_indirect(got[ERRNO]); // call [__errno_location]
    a.code.extend_from_slice(&[0x8b, 0x00]); // mov eax, [eax]
    a.code.extend_from_slice(&[0x89, 0x04, 0x24]); // mov [esp], eax
    a.call_indirect(got[EXIT]); // call [_exit]
    a.code.push(0xf4); // hlt: never reached
    a.finish()
}

fn put32(o: &mut Vec<u8>, words: &[u32]) {
    for w in words {
        o.extend_from_slice(&w.to_le_bytes());
    }
}

fn align4(o: &mut Vec<u8>) {
    o.resize(o.len().next_multiple_of(4), 0);
}

/// The ELF32 image binding `sockaddr` (the raw `struct sockaddr_un` bytes, `addrlen` long),
/// or `None` when the address does not fit in the image's page.
pub fn image(sockaddr: &[u8]) -> Option<Vec<u8>> {
    // The code's length does not depend on the addresses in it: lay it out once to measure.
    let code_len = code([0; FUNCS.len()], 0, 0).len();

    // After the code: what the loader reads, then what it writes, then the address.
    let mut tail = Vec::new();
    let at = |tail: &Vec<u8>| CODE_AT + code_len + tail.len();
    let interp_at = at(&tail);
    tail.extend_from_slice(LOADER.to_bytes_with_nul());

    // The string table: "", the library's name, the functions' names.
    let strtab_at = at(&tail);
    let mut strtab = vec![0u8];
    let needed_name = strtab.len() as u32;
    strtab.extend_from_slice(NEEDED.as_bytes());
    strtab.push(0);
    let mut names = [0u32; FUNCS.len()];
    for (n, f) in names.iter_mut().zip(FUNCS) {
        *n = strtab.len() as u32;
        strtab.extend_from_slice(f.as_bytes());
        strtab.push(0);
    }
    tail.extend_from_slice(&strtab);
    align4(&mut tail);

    // The symbol table (Elf32_Sym): the null symbol, then each function, undefined here
    // (st_shndx SHN_UNDEF = 0, st_value 0), global.
    let symtab_at = at(&tail);
    tail.extend_from_slice(&[0; SYM]);
    for n in names {
        put32(&mut tail, &[n, 0, 0]); // st_name, st_value, st_size
        tail.extend_from_slice(&[GLOBAL_FUNC, 0, 0, 0]); // st_info, st_other, st_shndx
    }
    let nsyms = 1 + FUNCS.len() as u32;

    // DT_HASH (the System V ABI's hash table): nbucket, nchain (= the number of symbols),
    // the buckets, the chains. One bucket, empty: the program defines nothing for anyone to
    // look up (the loader looks every name up in the program first, and finds nothing).
    let hash_at = at(&tail);
    put32(&mut tail, &[1, nsyms, 0]);
    put32(&mut tail, &vec![0; nsyms as usize]);

    // The relocations (Elf32_Rel): r_offset (the word to fill), r_info = ELF32_R_INFO(symbol,
    // R_386_GLOB_DAT). The words are placed after the dynamic section: their addresses are
    // known once its length is.
    let rel_at = at(&tail);
    let rel_len = FUNCS.len() * REL;
    let dynamic_at = rel_at + rel_len;
    let dynamic_len = 10 * DYN;
    let got_at = dynamic_at + dynamic_len;
    let data = |off: usize| DATA_BASE + off as u32;
    let got: [u32; FUNCS.len()] = std::array::from_fn(|i| data(got_at + 4 * i));
    for (i, g) in got.iter().enumerate() {
        put32(&mut tail, &[*g, ((i as u32 + 1) << 8) | R_386_GLOB_DAT]);
    }

    // The dynamic section (Elf32_Dyn: d_tag, d_val or d_ptr), ended by DT_NULL.
    debug_assert_eq!(at(&tail), dynamic_at);
    put32(
        &mut tail,
        &[
            DT_NEEDED,
            needed_name,
            DT_HASH,
            data(hash_at),
            DT_STRTAB,
            data(strtab_at),
            DT_SYMTAB,
            data(symtab_at),
            DT_STRSZ,
            strtab.len() as u32,
            DT_SYMENT,
            SYM as u32,
            DT_REL,
            data(rel_at),
            DT_RELSZ,
            rel_len as u32,
            DT_RELENT,
            REL as u32,
            DT_NULL,
            0,
        ],
    );
    debug_assert_eq!(at(&tail), got_at);
    // The words the loader fills in, zero in the file.
    put32(&mut tail, &[0; FUNCS.len()]);
    let addr_at = at(&tail);
    tail.extend_from_slice(sockaddr);
    let total = at(&tail);
    if total > PAGE {
        return None;
    }
    let addrlen = u32::try_from(sockaddr.len()).ok()?;
    let code = code(got, data(addr_at), addrlen);
    debug_assert_eq!(code.len(), code_len);

    let mut o = Vec::with_capacity(total);
    // Elf32_Ehdr (include/uapi/linux/elf.h)
    o.extend_from_slice(b"\x7fELF");
    o.extend_from_slice(&[1, 1, 1, 0]); // ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE
    o.extend_from_slice(&[0; 8]);
    o.extend_from_slice(&ET_EXEC.to_le_bytes());
    o.extend_from_slice(&EM_386.to_le_bytes());
    put32(
        &mut o,
        &[
            1,                     // e_version EV_CURRENT
            BASE + CODE_AT as u32, // e_entry
            EHDR as u32,           // e_phoff
            0,                     // e_shoff: no section headers
            0,                     // e_flags
        ],
    );
    for h in [EHDR, PHDR, PHNUM, 40, 0, 0] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        o.extend_from_slice(&(h as u16).to_le_bytes());
    }
    // Elf32_Phdr: p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align.
    // PT_INTERP comes first (the System V ABI: before any loadable segment).
    let interp_len = LOADER.count_bytes() as u32 + 1;
    let interp_va = BASE + interp_at as u32;
    let dyn_va = data(dynamic_at);
    let (total32, len) = (total as u32, dynamic_len as u32);
    let phdrs: [[u32; 8]; PHNUM] = [
        [
            PT_INTERP,
            interp_at as u32,
            interp_va,
            interp_va,
            interp_len,
            interp_len,
            PF_R,
            1,
        ],
        [
            PT_LOAD,
            0,
            BASE,
            BASE,
            total32,
            total32,
            PF_R | PF_X,
            PAGE as u32,
        ],
        [
            PT_LOAD,
            0,
            DATA_BASE,
            DATA_BASE,
            total32,
            total32,
            PF_R | PF_W,
            PAGE as u32,
        ],
        [
            PT_DYNAMIC,
            dynamic_at as u32,
            dyn_va,
            dyn_va,
            len,
            len,
            PF_R | PF_W,
            4,
        ],
        // A stack that is not executable (without it the kernel would map the stack, and
        // for a 32-bit program all readable memory, executable).
        [PT_GNU_STACK, 0, 0, 0, 0, 0, PF_R | PF_W, 16],
    ];
    for p in phdrs {
        put32(&mut o, &p);
    }
    debug_assert_eq!(o.len(), CODE_AT);
    o.extend_from_slice(&code);
    o.extend_from_slice(&tail);
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(img: &[u8], off: usize) -> u32 {
        u32::from_le_bytes(img[off..off + 4].try_into().unwrap())
    }

    /// The file offset of a data address.
    fn off(va: u32) -> usize {
        (va - DATA_BASE) as usize
    }

    fn cstr(img: &[u8], off: usize) -> &str {
        let end = img[off..].iter().position(|&b| b == 0).unwrap();
        std::str::from_utf8(&img[off..off + end]).unwrap()
    }

    /// The dynamic section's (tag, value) pairs, up to DT_NULL.
    fn dynamic(img: &[u8]) -> Vec<(u32, u32)> {
        let ph = (0..PHNUM)
            .map(|i| EHDR + i * PHDR)
            .find(|&p| u32_at(img, p) == PT_DYNAMIC)
            .expect("PT_DYNAMIC");
        let mut at = u32_at(img, ph + 4) as usize;
        assert_eq!(off(u32_at(img, ph + 8)), at, "p_vaddr in the data mapping");
        let mut v = Vec::new();
        while u32_at(img, at) != DT_NULL {
            v.push((u32_at(img, at), u32_at(img, at + 4)));
            at += DYN;
        }
        v
    }

    fn tag(d: &[(u32, u32)], t: u32) -> u32 {
        d.iter().find(|(k, _)| *k == t).expect("the tag").1
    }

    #[test]
    fn the_image_names_the_loader_and_the_c_library() {
        let addr = b"\x01\x00/tmp/x/socketcall-vdso.sock\0";
        let img = image(addr).expect("fits");
        assert!(img.len() <= PAGE);
        assert_eq!(&img[..4], b"\x7fELF");
        assert_eq!(u16::from_le_bytes([img[16], img[17]]), ET_EXEC);
        assert_eq!(u16::from_le_bytes([img[18], img[19]]), EM_386);
        assert_eq!(u16::from_le_bytes([img[44], img[45]]) as usize, PHNUM);
        // PT_INTERP first, naming the loader.
        assert_eq!(u32_at(&img, EHDR), PT_INTERP);
        let interp = u32_at(&img, EHDR + 4) as usize;
        assert_eq!(cstr(&img, interp), LOADER.to_str().unwrap());
        assert_eq!(u32_at(&img, EHDR + 16) as usize, LOADER.count_bytes() + 1);
        // Code read+execute, data read+write, the stack not executable.
        let flags: Vec<(u32, u32)> = (0..PHNUM)
            .map(|i| {
                (
                    u32_at(&img, EHDR + i * PHDR),
                    u32_at(&img, EHDR + i * PHDR + 24),
                )
            })
            .collect();
        assert_eq!(
            flags,
            [
                (PT_INTERP, PF_R),
                (PT_LOAD, PF_R | PF_X),
                (PT_LOAD, PF_R | PF_W),
                (PT_DYNAMIC, PF_R | PF_W),
                (PT_GNU_STACK, PF_R | PF_W),
            ]
        );

        let d = dynamic(&img);
        let strtab = off(tag(&d, DT_STRTAB));
        assert_eq!(
            cstr(&img, strtab + tag(&d, DT_NEEDED) as usize),
            "libc.so.6"
        );
        assert_eq!(tag(&d, DT_SYMENT) as usize, SYM);
        assert_eq!(tag(&d, DT_RELENT) as usize, REL);
        // The hash table's nchain is the number of symbols.
        assert_eq!(u32_at(&img, off(tag(&d, DT_HASH)) + 4), 7);

        // Each relocation fills a word of the data mapping with a function's address, and the
        // code calls through that word (ff 15: call *addr).
        let (symtab, rel) = (off(tag(&d, DT_SYMTAB)), off(tag(&d, DT_REL)));
        let nrel = tag(&d, DT_RELSZ) as usize / REL;
        let code = &img[CODE_AT..];
        let mut named = Vec::new();
        for r in 0..nrel {
            let (word, info) = (u32_at(&img, rel + r * REL), u32_at(&img, rel + r * REL + 4));
            assert_eq!(info & 0xff, R_386_GLOB_DAT);
            let sym = symtab + (info >> 8) as usize * SYM;
            let name = cstr(&img, strtab + u32_at(&img, sym) as usize);
            assert_eq!(img[sym + 12], GLOBAL_FUNC, "{name}");
            assert_eq!(
                u32_at(&img, off(word)),
                0,
                "{name}: filled in by the loader"
            );
            let mut call = vec![0xff, 0x15];
            call.extend_from_slice(&word.to_le_bytes());
            assert!(code.windows(6).any(|w| w == call), "{name} is called");
            named.push(name.to_string());
        }
        assert_eq!(named, FUNCS);

        // bind's second argument is the address at the end of the image, with its length.
        assert!(img.ends_with(addr));
        let addr_va = DATA_BASE + (img.len() - addr.len()) as u32;
        let mut push_addr = vec![0xc7, 0x44, 0x24, 0x04];
        push_addr.extend_from_slice(&addr_va.to_le_bytes());
        push_addr.extend_from_slice(&[0xc7, 0x44, 0x24, 0x08]);
        push_addr.extend_from_slice(&(addr.len() as u32).to_le_bytes());
        assert!(code.windows(push_addr.len()).any(|w| w == push_addr));
    }

    #[test]
    fn an_address_too_long_for_the_page_is_refused() {
        assert!(image(&[0; PAGE]).is_none());
    }

    /// Where the i386 C library is installed, the program runs: the loader accepts the image,
    /// relocates it, and glibc's socket, bind, close and _exit work without
    /// `__libc_start_main`. Exit status 0: the bind succeeded.
    #[test]
    fn the_program_binds_through_the_c_library() {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;

        if !std::path::Path::new(LOADER.to_str().unwrap()).exists() {
            eprintln!("{LOADER:?} is not installed: skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s");
        let mut addr = vec![1u8, 0]; // sun_family AF_UNIX, little-endian
        addr.extend_from_slice(sock.to_str().unwrap().as_bytes());
        addr.push(0);
        let prog = dir.path().join("bind32-glibc");
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o700)
            .open(&prog)
            .and_then(|mut f| f.write_all(&image(&addr).unwrap()))
            .unwrap();
        let st = std::process::Command::new(&prog).status().unwrap();
        assert_eq!(st.code(), Some(0), "{st}");
        assert!(std::fs::symlink_metadata(&sock).is_ok(), "the socket file");
        // Bound again: EADDRINUSE (98, include/uapi/asm-generic/errno.h) from glibc's errno.
        let st = std::process::Command::new(&prog).status().unwrap();
        assert_eq!(st.code(), Some(98), "{st}");
    }
}
