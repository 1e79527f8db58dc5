//! A 32-bit program, written out byte by byte, that enters the kernel the way 32-bit glibc
//! does: through the vDSO's `__kernel_vsyscall`, not with `int $0x80`.
//!
//! Debian 12's i386 glibc (libc6-i386 2.36-9+deb12u14, `objdump -d /lib32/libc.so.6`) makes
//! `bind` as `mov $0x2,%ebx; lea 0x4(%esp),%ecx; ... mov $0x66,%eax; call *%gs:0x10`:
//! socketcall (102) with `SYS_BIND` and a pointer to the argument array, called through the
//! word at `%gs:0x10`, where glibc keeps the `AT_SYSINFO` value the kernel put in the auxiliary
//! vector (the address of `__kernel_vsyscall`). The vDSO's `__kernel_vsyscall`
//! (arch/x86/entry/vdso/vdso32/system_call.S) then executes `syscall` on AMD and Hygon CPUs
//! (`X86_FEATURE_SYSCALL32`, set in arch/x86/kernel/cpu/amd.c) and `sysenter` on the others,
//! which land in `entry_SYSCALL_compat` / `entry_SYSENTER_compat`
//! (arch/x86/entry/entry_64_compat.S) and `do_fast_syscall_32` (arch/x86/entry/syscall_32.c
//! in Linux 7.2; common.c in 6.1). The kernel's own comment on `do_int80_emulation` says
//! `int $0x80` "is not used by most libc implementations on modern hardware except during
//! process startup" (syscall_32.c, Linux 7.2); glibc 2.36 keeps it for its signal return
//! trampolines, `vfork` and `clone`.
//!
//! A demo cannot count on a 32-bit C library being installed (where it is, the demo runs
//! [`super::glibc32`] instead, which calls glibc's own `bind`), so this program does what glibc
//! does without it: it finds `AT_SYSINFO` in its auxiliary vector (instead of
//! reading glibc's copy at `%gs:0x10`) and calls it with the same registers, for
//! `socketcall(SYS_SOCKET, ...)`, `socketcall(SYS_BIND, ...)`, a 100 ms `nanosleep` (so that
//! tracer, which reads a process's mappings when it drains its records, finds it alive to name
//! where its calls were made) and `exit_group`. Its exit status is bind's errno (0 on success),
//! or 127 when the kernel gave no `AT_SYSINFO`.
//!
//! The image: an ELF32 header, two program headers mapping the same file page twice (code
//! read+execute at [`BASE`], data read+write one page up), the code, then the data.

/// Where the image is loaded (`ET_EXEC`: fixed addresses; the classic i386 base).
const BASE: u32 = 0x0804_8000;
/// The data mapping: the same file page, one page up.
const DATA_BASE: u32 = BASE + 0x1000;
const EHDR: usize = 52;
const PHDR: usize = 32;
const CODE_AT: usize = EHDR + 2 * PHDR;

/// ia32 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl).
const IA32_NR_SOCKETCALL: u32 = 102;
const IA32_NR_NANOSLEEP: u32 = 162;
const IA32_NR_EXIT_GROUP: u32 = 252;
/// How long the program waits after its bind, in nanoseconds: alive when tracer reads its
/// mappings to name where its calls were made (as [`super::glibc32::NAP_US`]).
const NAP_NS: u32 = super::glibc32::NAP_US * 1000;
/// `socketcall` operations (include/uapi/linux/net.h).
const SYS_SOCKET: u32 = 1;
const SYS_BIND: u32 = 2;
/// `AT_SYSINFO` (arch/x86/include/uapi/asm/auxvec.h): the vDSO's `__kernel_vsyscall`.
const AT_SYSINFO: u8 = 32;

/// A few i386 instructions, encoded (Intel SDM vol. 2), with rel8 jumps to labels; also used
/// by [`super::glibc32`].
pub(super) struct Asm {
    pub(super) code: Vec<u8>,
    labels: Vec<(&'static str, usize)>,
    fixups: Vec<(usize, &'static str)>,
}

impl Asm {
    pub(super) fn new() -> Asm {
        Asm {
            code: Vec::new(),
            labels: Vec::new(),
            fixups: Vec::new(),
        }
    }
    /// The bytes `op`, then the 32-bit little-endian `v`.
    pub(super) fn imm(&mut self, op: &[u8], v: u32) {
        self.code.extend_from_slice(op);
        self.code.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn label(&mut self, name: &'static str) {
        self.labels.push((name, self.code.len()));
    }
    /// A short conditional jump: `op` is 0x74 jz, 0x75 jnz, 0x78 js.
    pub(super) fn jcc(&mut self, op: u8, to: &'static str) {
        self.code.extend_from_slice(&[op, 0]);
        self.fixups.push((self.code.len() - 1, to));
    }
    /// `call *addr`: an indirect call through a 32-bit word, as glibc's `call *%gs:0x10`.
    pub(super) fn call_indirect(&mut self, addr: u32) {
        self.imm(&[0xff, 0x15], addr);
    }
    pub(super) fn finish(mut self) -> Vec<u8> {
        for (at, to) in &self.fixups {
            let target = self
                .labels
                .iter()
                .find(|(n, _)| n == to)
                .map_or(0, |(_, p)| *p);
            let rel = target as isize - (*at as isize + 1);
            self.code[*at] = i8::try_from(rel).map_or(0, |r| r as u8);
        }
        self.code
    }
}

/// The program's code, given where its data words are.
fn code(nap: u32, sysinfo: u32, socket_args: u32, bind_args: u32) -> Vec<u8> {
    let mut a = Asm::new();
    // The start-up stack: argc, argv[], NULL, envp[], NULL, then the auxv pairs.
    a.code.extend_from_slice(&[0x89, 0xe6]); // mov esi, esp
    a.code.extend_from_slice(&[0x8b, 0x06]); // mov eax, [esi]          argc
    a.code.extend_from_slice(&[0x8d, 0x74, 0x86, 0x08]); // lea esi, [esi+eax*4+8]  envp
    a.label("env");
    a.code.push(0xad); // lodsd
    a.code.extend_from_slice(&[0x85, 0xc0]); // test eax, eax
    a.jcc(0x75, "env");
    a.label("aux");
    a.code.push(0xad); // lodsd                  a_type
    a.code.extend_from_slice(&[0x89, 0xc2]); // mov edx, eax
    a.code.push(0xad); // lodsd                  a_val
    a.code.extend_from_slice(&[0x85, 0xd2]); // test edx, edx          AT_NULL: none
    a.jcc(0x74, "none");
    a.code.extend_from_slice(&[0x83, 0xfa, AT_SYSINFO]); // cmp edx, AT_SYSINFO
    a.jcc(0x75, "aux");
    a.imm(&[0xa3], sysinfo); // mov [sysinfo], eax
    // socketcall(SYS_SOCKET, [AF_UNIX, SOCK_STREAM, 0])
    a.imm(&[0xb8], IA32_NR_SOCKETCALL); // mov eax, 102
    a.imm(&[0xbb], SYS_SOCKET); // mov ebx, 1
    a.imm(&[0xb9], socket_args); // mov ecx, socket_args
    a.call_indirect(sysinfo);
    a.code.extend_from_slice(&[0x85, 0xc0]); // test eax, eax
    a.jcc(0x78, "out");
    a.imm(&[0xa3], bind_args); // mov [bind_args], eax     a[0] = fd
    // socketcall(SYS_BIND, [fd, &addr, addrlen]): glibc's bind, instruction for instruction
    a.imm(&[0xb8], IA32_NR_SOCKETCALL);
    a.imm(&[0xbb], SYS_BIND);
    a.imm(&[0xb9], bind_args);
    a.call_indirect(sysinfo);
    // nanosleep(&nap, NULL), keeping bind's result in esi (the kernel preserves it)
    a.code.extend_from_slice(&[0x89, 0xc6]); // mov esi, eax
    a.imm(&[0xb8], IA32_NR_NANOSLEEP); // mov eax, 162
    a.imm(&[0xbb], nap); // mov ebx, nap
    a.code.extend_from_slice(&[0x31, 0xc9]); // xor ecx, ecx
    a.call_indirect(sysinfo);
    a.code.extend_from_slice(&[0x89, 0xf0]); // mov eax, esi
    a.label("out");
    a.code.extend_from_slice(&[0xf7, 0xd8]); // neg eax              -errno -> errno
    a.code.extend_from_slice(&[0x89, 0xc3]); // mov ebx, eax
    a.imm(&[0xb8], IA32_NR_EXIT_GROUP);
    a.call_indirect(sysinfo);
    a.label("none");
    a.imm(&[0xbb], 127); // mov ebx, 127
    a.imm(&[0xb8], IA32_NR_EXIT_GROUP);
    a.code.extend_from_slice(&[0xcd, 0x80]); // int 0x80: no vDSO to call
    a.finish()
}

/// The ELF32 image binding `sockaddr` (the raw `struct sockaddr_un` bytes, `addrlen` long).
pub fn image(sockaddr: &[u8]) -> Vec<u8> {
    // The data, laid out after the code: the nap, the AT_SYSINFO word, socket's arguments,
    // bind's arguments, the address. The code's length does not depend on the addresses in it.
    let code_len = code(0, 0, 0, 0).len();
    let data_at = (CODE_AT + code_len).next_multiple_of(4);
    let at = |off: usize| DATA_BASE + (data_at + off) as u32;
    let (nap, sysinfo, socket_args, bind_args, addr) = (at(0), at(8), at(12), at(24), at(36));
    let addrlen = sockaddr.len() as u32;
    let code = code(nap, sysinfo, socket_args, bind_args);

    let mut data = Vec::new();
    // struct old_timespec32 (include/vdso/time32.h): 0 s, NAP_NS ns
    for w in [0, NAP_NS] {
        data.extend_from_slice(&w.to_le_bytes());
    }
    data.extend_from_slice(&0u32.to_le_bytes());
    for w in [1u32, 1, 0] {
        data.extend_from_slice(&w.to_le_bytes()); // AF_UNIX, SOCK_STREAM, 0
    }
    for w in [0, addr, addrlen] {
        data.extend_from_slice(&w.to_le_bytes());
    }
    data.extend_from_slice(sockaddr);
    let total = data_at + data.len();

    let mut o = Vec::with_capacity(total);
    // Elf32_Ehdr (include/uapi/linux/elf.h)
    o.extend_from_slice(b"\x7fELF");
    o.extend_from_slice(&[1, 1, 1, 0]); // ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE
    o.extend_from_slice(&[0; 8]);
    o.extend_from_slice(&2u16.to_le_bytes()); // e_type ET_EXEC
    o.extend_from_slice(&3u16.to_le_bytes()); // e_machine EM_386
    o.extend_from_slice(&1u32.to_le_bytes()); // e_version
    o.extend_from_slice(&(BASE + CODE_AT as u32).to_le_bytes()); // e_entry
    o.extend_from_slice(&(EHDR as u32).to_le_bytes()); // e_phoff
    o.extend_from_slice(&0u32.to_le_bytes()); // e_shoff
    o.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for h in [EHDR, PHDR, 2, 40, 0, 0] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        o.extend_from_slice(&(h as u16).to_le_bytes());
    }
    // Two Elf32_Phdr PT_LOAD: the file page as code (PF_R|PF_X) and as data (PF_R|PF_W).
    for (vaddr, flags) in [(BASE, 5u32), (DATA_BASE, 6)] {
        for w in [
            1,
            0,
            vaddr,
            vaddr,
            total as u32,
            total as u32,
            flags,
            0x1000,
        ] {
            o.extend_from_slice(&w.to_le_bytes());
        }
    }
    o.extend_from_slice(&code);
    o.resize(data_at, 0);
    o.extend_from_slice(&data);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_land_on_their_labels() {
        let mut a = Asm {
            code: vec![0x90],
            labels: Vec::new(),
            fixups: Vec::new(),
        };
        a.label("back");
        a.code.push(0x90);
        a.jcc(0x75, "back");
        a.jcc(0x74, "fwd");
        a.code.push(0x90);
        a.label("fwd");
        assert_eq!(a.finish(), [0x90, 0x90, 0x75, 0xfd, 0x74, 0x01, 0x90]);
    }

    #[test]
    fn the_image_calls_at_sysinfo_with_glibcs_registers() {
        let addr = b"\x01\x00/tmp/x.sock\0";
        let img = image(addr);
        assert_eq!(&img[..4], b"\x7fELF");
        assert_eq!(u16::from_le_bytes([img[18], img[19]]), 3, "EM_386");
        let entry = u32::from_le_bytes(img[24..28].try_into().unwrap());
        assert_eq!(entry, BASE + CODE_AT as u32);
        let code = &img[CODE_AT..];
        let find = |needle: &[u8]| code.windows(needle.len()).position(|w| w == needle);
        // mov eax, 102; mov ebx, 2 (SYS_BIND); mov ecx, ...; call *[sysinfo]
        let bind = find(&[0xb8, 102, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0xb9]).expect("bind's registers");
        assert_eq!(&code[bind + 15..bind + 17], &[0xff, 0x15]);
        // Then nanosleep (162) on the nap at the start of the data: 0 s, NAP_NS ns.
        let nap = find(&[0xb8, 162, 0, 0, 0, 0xbb]).expect("nanosleep's registers");
        assert!(nap > bind, "after the bind");
        let ts = u32::from_le_bytes(code[nap + 6..nap + 10].try_into().unwrap());
        let ts = (ts - DATA_BASE) as usize;
        assert_eq!(
            &img[ts..ts + 8],
            &[&[0u8; 4][..], &NAP_NS.to_le_bytes()].concat()
        );
        // The address sits at the end, and bind's array points at it with its length.
        assert!(img.ends_with(addr));
        let len = img.len();
        let words: Vec<u32> = img[len - addr.len() - 12..len - addr.len()]
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(words[2], addr.len() as u32);
        assert_eq!(
            words[1],
            DATA_BASE + (len - addr.len()) as u32,
            "the address, in the data mapping"
        );
    }
}
