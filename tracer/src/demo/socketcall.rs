//! `socketcall`: the same `socket` + `bind` made twice, once through the 32-bit (ia32)
//! system call entry and once through the native 64-bit one.
//!
//! On i386 there are no separate `socket`, `bind`, ... system calls in the original ABI; all
//! socket operations go through one multiplexer, `socketcall(call, args)` (ia32 number 102),
//! where `call` selects the operation (`SYS_SOCKET` = 1, `SYS_BIND` = 2, ...) and `args`
//! points at an array of 32-bit arguments. A 64-bit process can still enter the kernel's
//! 32-bit path with the `int 0x80` instruction (if the kernel has IA32 emulation): the
//! kernel then interprets `eax` as an ia32 system call number and every pointer as a 32-bit
//! address. A tracer sees such a call under the ia32 numbering (strace prints
//! `[ Process PID=... runs in 32 bit mode. ]`), which is why it must look at how a system call
//! was entered and not only at its number: 102 is `socketcall` on ia32 but `getuid` on
//! `x86_64`.
//!
//! The calls, in order:
//! 1. `access("/proc/sys/abi/vsyscall32", F_OK)`: a quick check that the kernel was built
//!    with IA32 emulation (without it `int 0x80` would crash the process);
//! 2. `mkdir` of the temporary directory;
//! 3. `mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
//!    0)`: memory below 4 GiB, because the 32-bit entry truncates pointers to 32 bits; the
//!    argument array and the `sockaddr_un` are placed there;
//! 4. `int 0x80` with `eax = 102`, `ebx = 1` (`SYS_SOCKET`), `ecx` -> `[AF_UNIX, SOCK_STREAM,
//!    0]`: returns the new descriptor;
//! 5. `int 0x80` with `eax = 102`, `ebx = 2` (`SYS_BIND`), `ecx` -> `[fd, &addr, addrlen]`
//!    binding `.../socketcall-ia32.sock`;
//! 6. `int 0x80` with `eax = 6` (ia32 `close`), `ebx = fd`;
//! 7. `munmap` of the low page, `unlink(".../socketcall-ia32.sock")`;
//! 8. the 64-bit way: `syscall(SYS_socket = 41, AF_UNIX, SOCK_STREAM, 0)`,
//!    `syscall(SYS_bind = 49, fd, &addr, addrlen)` binding `.../socketcall-x64.sock`, `close`,
//!    `unlink`;
//! 9. the way 32-bit glibc really enters, through the vDSO's `__kernel_vsyscall` (`sysenter`
//!    or `syscall`, not `int 0x80`): `access("/lib/ld-linux.so.2", X_OK)` asks whether the
//!    i386 C library's loader is installed. If it is, a small dynamically linked 32-bit
//!    program ([`super::glibc32`], written to `.../bind32-glibc` with `openat`/`write`/`close`)
//!    is forked and executed: the loader maps `libc.so.6` (its `openat`, `read`, `mmap`s) and
//!    the program calls glibc's own `socket()` and `bind()`, which make
//!    `socketcall(SYS_SOCKET)` and `socketcall(SYS_BIND)` binding `.../socketcall-vdso.sock`,
//!    then `close()` and `_exit()`. If it is not (or `TRACER_SOCKETCALL_HAND_ASSEMBLED` is set,
//!    or the loader exited with 127), a static program repeating glibc's instructions
//!    ([`super::vsyscall32`], `.../bind32-vdso`) makes the same two calls instead. The parent
//!    waits, then unlinks the program and the socket file; then `rmdir` of the temporary
//!    directory.
//!
//! The raw `int 0x80` return value is `eax`: a result, or a negative errno (sign-extended from
//! 32 bits here).

use anyhow::Result;

/// Runs the demo (`x86_64` only: it needs the `int 0x80` instruction).
pub fn run() -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    {
        ia32::run()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        anyhow::bail!(
            "the socketcall demo needs x86_64: it enters the kernel's 32-bit path with int 0x80"
        )
    }
}

/// The 32-bit entry from 64-bit code; also used by the `socketcall32` benchmark workload.
#[cfg(target_arch = "x86_64")]
pub(super) mod ia32 {
    use std::arch::asm;
    use std::io;
    use std::mem;

    use anyhow::{Context as _, Result, bail};

    use super::super::util::{
        TempDir, check, check_ptr, close, cstring, fork, os_error, sockaddr_un_path, unlink,
    };

    /// ia32 system call numbers (`arch/x86/entry/syscalls/syscall_32.tbl`).
    pub const IA32_NR_CLOSE: u32 = 6;
    pub const IA32_NR_SOCKETCALL: u32 = 102;
    /// `socketcall` operations (`<linux/net.h>`).
    pub const SYS_SOCKET: u32 = 1;
    pub const SYS_BIND: u32 = 2;

    const PAGE: usize = 4096;

    /// What the low page holds: the `socketcall` argument array, then the address to bind.
    #[repr(C)]
    struct LowBlock {
        args: [u32; 3],
        addr: libc::sockaddr_un,
    }

    const _: () = assert!(mem::size_of::<LowBlock>() <= PAGE);
    /// Offset of `LowBlock::addr` in the page.
    pub const ADDR_OFFSET: usize = mem::offset_of!(LowBlock, addr);

    /// `int 0x80` with `eax = nr`, `ebx`, `ecx`; returns `eax` sign-extended.
    ///
    /// # Safety
    ///
    /// The call must be sound as the ia32 system call `nr` with those arguments: any pointer
    /// argument (including pointers inside an argument array) must be a valid address below
    /// 4 GiB for what the call reads or writes.
    pub unsafe fn int80(nr: u32, ebx: u32, ecx: u32) -> i64 {
        let eax: u32;
        // SAFETY: the caller guarantees the system call itself is sound. `rbx` cannot be an
        // asm operand (LLVM reserves it), so the argument is swapped into it and the original
        // value swapped back; the 32-bit entry from 64-bit code clobbers r8-r11, declared
        // below; the kernel does not touch the user stack for `int 0x80`.
        unsafe {
            asm!(
                "xchg {b:r}, rbx",
                "int 0x80",
                "xchg {b:r}, rbx",
                b = inout(reg) u64::from(ebx) => _,
                inlateout("eax") nr => eax,
                in("ecx") ecx,
                lateout("r8") _,
                lateout("r9") _,
                lateout("r10") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        i64::from(eax as i32)
    }

    /// A raw system call result: a negative errno becomes an error naming `call`.
    pub fn raw_result(call: &str, ret: i64) -> io::Result<i64> {
        if (-4095..0).contains(&ret) {
            let err = io::Error::from_raw_os_error(-ret as i32);
            Err(io::Error::new(err.kind(), format!("{call}: {err}")))
        } else {
            Ok(ret)
        }
    }

    /// A page mapped below 4 GiB, holding a [`LowBlock`]; unmapped on drop unless unmapped
    /// explicitly.
    pub struct LowPage(*mut LowBlock);

    impl LowPage {
        /// Maps the page and stores `addr` in it.
        pub fn map(addr: &libc::sockaddr_un) -> Result<LowPage> {
            // SAFETY: an anonymous mapping with a NULL hint affects no existing memory.
            let p = check_ptr("mmap", unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    PAGE,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT,
                    -1,
                    0,
                )
            })?;
            let page = LowPage(p.cast());
            if page.0 as usize + PAGE > 1 << 32 {
                bail!("MAP_32BIT mapping at {:p} is not below 4 GiB", page.0);
            }
            let block = LowBlock {
                args: [0; 3],
                addr: *addr,
            };
            // SAFETY: the mapping is page-aligned (so aligned for LowBlock), writable, at least
            // size_of::<LowBlock>() bytes long, and nothing else refers to it.
            unsafe { page.0.write(block) };
            Ok(page)
        }

        /// The 32-bit address of `offset` bytes into the page.
        pub fn addr32(&self, offset: usize) -> u32 {
            (self.0 as usize + offset) as u32
        }

        /// Stores the argument array for `socketcall` at the start of the page.
        pub fn set_args(&self, args: [u32; 3]) {
            // SAFETY: the page holds an initialised LowBlock, and no reference into it exists.
            unsafe { (*self.0).args = args };
        }

        pub fn unmap(self) -> Result<()> {
            let p = self.0;
            mem::forget(self);
            // SAFETY: `p` is a PAGE-byte mapping made by `map`; no reference into it remains.
            check("munmap", unsafe { libc::munmap(p.cast(), PAGE) })?;
            Ok(())
        }
    }

    impl Drop for LowPage {
        fn drop(&mut self) {
            // SAFETY: as in `unmap`; errors are ignored on this error path.
            unsafe { libc::munmap(self.0.cast(), PAGE) };
        }
    }

    /// `access("/proc/sys/abi/vsyscall32", F_OK)`: fails unless the kernel has IA32 emulation
    /// (without it `int 0x80` would crash the process).
    pub fn check_emulation() -> Result<()> {
        // SAFETY: the path is a valid NUL-terminated string literal.
        if unsafe { libc::access(c"/proc/sys/abi/vsyscall32".as_ptr(), libc::F_OK) } == -1 {
            return Err(os_error("access(/proc/sys/abi/vsyscall32)"))
                .context("this kernel has no IA32 emulation, so int 0x80 is unavailable");
        }
        Ok(())
    }

    pub fn run() -> Result<()> {
        check_emulation()?;
        let dir = TempDir::new("socketcall")?;

        // --- The 32-bit path: int 0x80, socketcall. ---
        let path = dir.join("socketcall-ia32.sock");
        let (addr, addr_len) = sockaddr_un_path(&path)?;
        let page = LowPage::map(&addr)?;
        println!(
            "ia32: argument block and sockaddr_un at {:#x} (below 4 GiB)",
            page.addr32(0)
        );

        page.set_args([libc::AF_UNIX as u32, libc::SOCK_STREAM as u32, 0]);
        // SAFETY: ecx points at a 3-word argument array in the low page, as SYS_SOCKET reads.
        let ret = unsafe { int80(IA32_NR_SOCKETCALL, SYS_SOCKET, page.addr32(0)) };
        println!(
            "ia32: int 0x80 eax=102 socketcall(SYS_SOCKET, [AF_UNIX, SOCK_STREAM, 0]) = {ret}"
        );
        let fd = raw_result("ia32 socketcall(SYS_SOCKET)", ret)? as u32;

        page.set_args([fd, page.addr32(ADDR_OFFSET), addr_len]);
        // SAFETY: ecx points at a 3-word argument array in the low page whose second word is
        // the 32-bit address of a sockaddr_un of at least `addr_len` bytes in the same page.
        let ret = unsafe { int80(IA32_NR_SOCKETCALL, SYS_BIND, page.addr32(0)) };
        println!(
            "ia32: int 0x80 eax=102 socketcall(SYS_BIND, [{fd}, {:#x}, {addr_len}]) = {ret}",
            page.addr32(ADDR_OFFSET)
        );
        let bound = raw_result("ia32 socketcall(SYS_BIND)", ret);

        // SAFETY: close takes no pointers; `fd` is the socket created above and not used again.
        let ret = unsafe { int80(IA32_NR_CLOSE, fd, 0) };
        println!("ia32: int 0x80 eax=6 close({fd}) = {ret}");
        bound?;
        raw_result("ia32 close", ret)?;
        page.unmap()?;
        unlink(&path)?;

        // --- The 64-bit path: the dedicated socket and bind system calls. ---
        let path = dir.join("socketcall-x64.sock");
        let (addr, addr_len) = sockaddr_un_path(&path)?;
        // SAFETY: SYS_socket takes no pointers.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_socket,
                libc::c_long::from(libc::AF_UNIX),
                libc::c_long::from(libc::SOCK_STREAM),
                0 as libc::c_long,
            )
        };
        let fd = check("syscall(SYS_socket)", ret)? as libc::c_int;
        println!(
            "x86_64: syscall(SYS_socket = {}, AF_UNIX, SOCK_STREAM, 0) = {fd}",
            libc::SYS_socket
        );
        // SAFETY: `addr` is a valid sockaddr_un of at least `addr_len` bytes for the call.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_bind,
                libc::c_long::from(fd),
                std::ptr::from_ref(&addr),
                libc::c_long::from(addr_len),
            )
        };
        let bound = check("syscall(SYS_bind)", ret);
        println!(
            "x86_64: syscall(SYS_bind = {}, {fd}, {}, {addr_len}) = {ret}",
            libc::SYS_bind,
            path.display()
        );
        close(fd)?;
        bound?;
        unlink(&path)?;

        // --- The 32-bit C library's way: call the vDSO's __kernel_vsyscall. ---
        vdso_bind(&dir)
    }

    /// Set (to anything but the empty string) to run the hand-assembled program even where
    /// the i386 C library is installed: what a machine without it runs (the tests use it).
    pub const HAND_ASSEMBLED_VAR: &str = "TRACER_SOCKETCALL_HAND_ASSEMBLED";

    /// Which 32-bit program binds `.../socketcall-vdso.sock` through the vDSO.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Prog {
        /// [`super::super::glibc32`]: glibc's own `socket` and `bind`.
        Glibc,
        /// [`super::super::vsyscall32`]: glibc's instructions, repeated without it.
        HandAssembled,
    }

    /// The 32-bit C library's way: glibc's own `bind` ([`super::super::glibc32`]) where the
    /// i386 loader is installed (`access("/lib/ld-linux.so.2", X_OK)`), the program repeating
    /// its instructions ([`super::super::vsyscall32`]) where it is not, or where the loader
    /// could not start the C library (exit status 127).
    fn vdso_bind(dir: &TempDir) -> Result<()> {
        let hand = std::env::var_os(HAND_ASSEMBLED_VAR).is_some_and(|v| !v.is_empty());
        // SAFETY: the path is a valid NUL-terminated string literal.
        let loader = !hand
            && unsafe { libc::access(super::super::glibc32::LOADER.as_ptr(), libc::X_OK) } == 0;
        let path = dir.join("socketcall-vdso.sock");
        let (addr, addr_len) = sockaddr_un_path(&path)?;
        // SAFETY: `addr` is a plain-old-data sockaddr_un; `addr_len` is at most its size.
        let raw = unsafe {
            std::slice::from_raw_parts(std::ptr::from_ref(&addr).cast::<u8>(), addr_len as usize)
        };
        let loader_name = super::super::glibc32::LOADER.to_string_lossy();
        if loader {
            let code = run_prog(dir, Prog::Glibc, raw)?;
            if code == 0 {
                println!(
                    "ia32 through glibc: bind32-glibc called glibc's own socket() and bind() \
                     (libc.so.6, loaded by {loader_name}), which enter through the vDSO's \
                     __kernel_vsyscall: bound"
                );
                return unlink(&path);
            }
            if code != 127 {
                bail!(
                    "bind32-glibc, which calls the i386 C library's socket and bind, exited \
                     with status {code}: the errno of the call that failed"
                );
            }
            println!(
                "ia32 through glibc: {loader_name} could not start bind32-glibc with the i386 \
                 C library (exit status 127): running the program that repeats glibc's \
                 instructions instead"
            );
        } else if hand {
            println!(
                "ia32 via the vDSO: {HAND_ASSEMBLED_VAR} is set: running the program that \
                 repeats glibc's instructions"
            );
        } else {
            println!(
                "ia32 via the vDSO: the i386 C library is not installed here ({loader_name} is \
                 missing): running a program that repeats glibc's instructions instead \
                 (apt install libc6-i386, or dnf install glibc.i686, to run glibc's own)"
            );
        }
        let code = run_prog(dir, Prog::HandAssembled, raw)?;
        if code != 0 {
            bail!(
                "bind32-vdso, the 32-bit program that binds through the vDSO, exited with \
                 status {code} (bind's errno; 127 without AT_SYSINFO)"
            );
        }
        println!(
            "ia32 via the vDSO: bind32-vdso ran socketcall(SYS_BIND) through __kernel_vsyscall: \
             bound"
        );
        unlink(&path)
    }

    /// Writes `prog`'s image (binding the `sockaddr` bytes) into `dir`, runs it, removes it:
    /// its exit status.
    fn run_prog(dir: &TempDir, prog: Prog, sockaddr: &[u8]) -> Result<libc::c_int> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;

        let (name, image) = match prog {
            Prog::Glibc => (
                "bind32-glibc",
                super::super::glibc32::image(sockaddr)
                    .context("the socket's address does not fit in bind32-glibc's page")?,
            ),
            Prog::HandAssembled => ("bind32-vdso", super::super::vsyscall32::image(sockaddr)),
        };
        let file = dir.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o700)
            .open(&file)
            .and_then(|mut f| f.write_all(&image))
            .with_context(|| format!("writing {}", file.display()))?;
        let cprog = cstring(&file)?;
        let child = fork(name, || {
            let argv = [cprog.as_ptr(), std::ptr::null()];
            // SAFETY: `cprog` and `argv` are valid NUL-terminated for the call; on success
            // execv does not return.
            unsafe { libc::execv(cprog.as_ptr(), argv.as_ptr()) };
            Err(os_error("execv").into())
        })?;
        let code = child.wait_exit();
        let removed = unlink(&file);
        let code = code?;
        removed?;
        Ok(code)
    }
}
