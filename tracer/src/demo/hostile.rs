//! `hostile`: calls that lie to the kernel, so that tests can check tracer records them with
//! what could be read and a marker, and never crashes. Not a lesson; every call here fails or
//! is an edge case on purpose:
//! 1. `bind` with `addrlen` 0, 1 and 200 (more than `sizeof(struct sockaddr_storage)`): EINVAL
//!    (net/socket.c `move_addr_to_kernel`, net/unix/af_unix.c `unix_validate_addr`);
//! 2. `bind` with a `sun_path` that fills all 108 bytes without a NUL: accepted, the kernel adds
//!    the NUL itself (`unix_mkname_bsd`);
//! 3. `connect` with a pointer into an unmapped page (EFAULT), and `sendto` with one on an
//!    unconnected stream socket (ENOTCONN: the socket is checked before the buffer is read);
//! 4. ia32 `socketcall` with call number 99 (EINVAL) and with an argument array pointer that
//!    faults (EFAULT).

use anyhow::{Context, Result};

use super::util::{TempDir, check};

const SUN_PATH: usize = 108;

fn sock() -> Result<i32> {
    // SAFETY: plain syscall with integer arguments.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
    Ok(check("socket", fd)?)
}

fn close(fd: i32) {
    // SAFETY: closing a descriptor this demo owns.
    unsafe { libc::close(fd) };
}

/// A page that is mapped and then unmapped: any pointer into it faults.
fn unmapped_page() -> Result<usize> {
    // SAFETY: anonymous mapping, then unmapping the same range; no Rust reference points into it.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error()).context("mmap");
        }
        libc::munmap(p, 4096);
        Ok(p as usize)
    }
}

pub fn run() -> Result<()> {
    let dir = TempDir::new("hostile")?;
    let fd = sock()?;
    let mut raw = [0u8; 256];
    raw[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
    raw[2..2 + 7].copy_from_slice(b"/nowher");
    for len in [0u32, 1, 200] {
        // SAFETY: `raw` is 256 readable bytes, more than any length passed.
        let r = unsafe { libc::bind(fd, raw.as_ptr().cast(), len) };
        println!("bind(addrlen={len}) = {r}");
    }
    // A full sun_path without a NUL, inside the temporary directory.
    let mut path = dir.join("").as_os_str().as_encoded_bytes().to_vec();
    path.resize(SUN_PATH, b'a');
    let mut full = [0u8; 2 + SUN_PATH];
    full[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
    full[2..].copy_from_slice(&path);
    // SAFETY: `full` is exactly the length passed.
    let r = unsafe { libc::bind(fd, full.as_ptr().cast(), full.len() as u32) };
    println!("bind(108-byte sun_path without NUL) = {r}");
    if r == 0 {
        let c = std::ffi::CString::new(path).context("path")?;
        // SAFETY: a NUL-terminated path.
        unsafe { libc::unlink(c.as_ptr()) };
    }
    close(fd);

    let bad = unmapped_page()?;
    let fd = sock()?;
    // SAFETY: the kernel checks the pointer and returns EFAULT; nothing in this process reads it.
    let r = unsafe { libc::connect(fd, bad as *const libc::sockaddr, 16) };
    println!("connect(unmapped addr) = {r}");
    // SAFETY: as above.
    let r = unsafe { libc::sendto(fd, bad as *const libc::c_void, 64, 0, std::ptr::null(), 0) };
    println!("sendto(unmapped buf) = {r}");
    close(fd);

    #[cfg(target_arch = "x86_64")]
    {
        println!("socketcall(99, ...) = {}", int80_socketcall(99, 0));
        println!(
            "socketcall(SYS_BIND, unmapped args) = {}",
            int80_socketcall(2, bad as u32)
        );
    }
    Ok(())
}

/// ia32 `socketcall(call, args)` through `int 0x80` (ia32 number 102).
#[cfg(target_arch = "x86_64")]
fn int80_socketcall(call: u32, args: u32) -> i32 {
    let mut eax: u32 = 102;
    // SAFETY: int 0x80 from 64-bit code enters the ia32 syscall path; rbx is swapped in and out
    // because Rust reserves it; the kernel clobbers r8-r11 for compat calls.
    unsafe {
        std::arch::asm!(
            "xchg {b:r}, rbx",
            "int 0x80",
            "xchg {b:r}, rbx",
            b = inout(reg) u64::from(call) => _,
            inout("eax") eax,
            in("ecx") args,
            lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _,
        );
    }
    eax as i32
}
