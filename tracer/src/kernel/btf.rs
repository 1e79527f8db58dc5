//! Field offsets of kernel structures, from the running kernel's own type information
//! (`/sys/kernel/btf/vmlinux`, `CONFIG_DEBUG_INFO_BTF`): the eBPF programs are built once for
//! every kernel, and a structure's layout differs between versions and configurations.

use anyhow::{Context, Result, bail};
use btf_rs::{Backend, Btf, Type};
use tracer_common::FileOffsets;

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// Where a descriptor's inode is (see [`FileOffsets`]); an error names the field it could not
/// find.
pub fn file_offsets() -> Result<FileOffsets> {
    // Mapped where the kernel allows it (6.16 and later), so that the 5 MiB or so of type
    // information is not copied into tracer's heap; read otherwise.
    let btf = Btf::from_file_with_backend(VMLINUX, Backend::Mmap)
        .or_else(|_| Btf::from_file_with_backend(VMLINUX, Backend::Cache))
        .with_context(|| format!("reading {VMLINUX}"))?;
    let at = |strukt: &str, field: &str| {
        member_offset(&btf, strukt, field)
            .with_context(|| format!("struct {strukt}.{field} in {VMLINUX}"))
    };
    // include/linux/sched.h, include/linux/fdtable.h, include/linux/fs.h (Linux 6.1, 6.18).
    Ok(FileOffsets {
        task_files: at("task_struct", "files")?,
        files_fdt: at("files_struct", "fdt")?,
        fdt_max_fds: at("fdtable", "max_fds")?,
        fdt_fd: at("fdtable", "fd")?,
        file_inode: at("file", "f_inode")?,
        inode_ino: at("inode", "i_ino")?,
        inode_mode: at("inode", "i_mode")?,
        // Not needed for the files: a kernel without it still has them read.
        task_exit_code: at("task_struct", "exit_code").unwrap_or(0),
        // The exec record's argv: all four, or none (include/linux/mm_types.h).
        ..socket_offsets(&at, &argv_offsets(&at).unwrap_or_default())
    })
}

/// `base` with the offsets to what a socket descriptor is (see [`FileOffsets::file_private`]):
/// all of them, or none.
fn socket_offsets(at: &impl Fn(&str, &str) -> Result<u16>, base: &FileOffsets) -> FileOffsets {
    let found = || -> Result<FileOffsets> {
        // include/net/sock.h: `struct sock` begins with `struct sock_common __sk_common`.
        let common = at("sock", "__sk_common")?;
        Ok(FileOffsets {
            file_private: at("file", "private_data")?,
            socket_type: at("socket", "type")?,
            socket_sk: at("socket", "sk")?,
            sk_family: common + at("sock_common", "skc_family")?,
            sk_socket: at("sock", "sk_socket")?,
            unix_peer: at("unix_sock", "peer")?,
            socket_inode: at("socket_alloc", "vfs_inode")?,
            inode_rdev: at("inode", "i_rdev")?,
            ..inet_offsets(at, common, base).unwrap_or(*base)
        })
    };
    found().unwrap_or(*base)
}

/// `base` with where an internet socket's addresses and ports are (include/net/sock.h
/// `struct sock_common`, at `common` in `struct sock`), and a netlink socket's port id
/// (net/netlink/af_netlink.h `struct netlink_sock`): all of them, or an error (the IPv6
/// fields exist only with `CONFIG_IPV6`, which the distributions tracer is made for enable).
fn inet_offsets(
    at: &impl Fn(&str, &str) -> Result<u16>,
    common: u16,
    base: &FileOffsets,
) -> Result<FileOffsets> {
    let sc = |field: &str| at("sock_common", field).map(|o| common + o);
    Ok(FileOffsets {
        sk_daddr: sc("skc_daddr")?,
        sk_rcv_saddr: sc("skc_rcv_saddr")?,
        sk_dport: sc("skc_dport")?,
        sk_num: sc("skc_num")?,
        sk_state: sc("skc_state")?,
        sk_v6_daddr: sc("skc_v6_daddr")?,
        sk_v6_rcv_saddr: sc("skc_v6_rcv_saddr")?,
        nl_portid: at("netlink_sock", "portid")?,
        ..*base
    })
}

/// Where the new program's arguments are, for the exec record's argv capture.
fn argv_offsets(at: &impl Fn(&str, &str) -> Result<u16>) -> Result<FileOffsets> {
    Ok(FileOffsets {
        task_mm: at("task_struct", "mm")?,
        mm_arg_start: at("mm_struct", "arg_start")?,
        mm_arg_end: at("mm_struct", "arg_end")?,
        mm_start_stack: at("mm_struct", "start_stack")?,
        ..FileOffsets::default()
    })
}

/// The byte offset of `field` in `struct strukt`, looking into anonymous members.
fn member_offset(btf: &Btf, strukt: &str, field: &str) -> Result<u16> {
    let types = btf.resolve_types_by_name(strukt).unwrap_or_default();
    let Some(Type::Struct(s)) = types.into_iter().find(|t| matches!(t, Type::Struct(_))) else {
        bail!("no struct {strukt}");
    };
    let bits = find(btf, &s, field, 0).with_context(|| format!("no field {field}"))?;
    if bits % 8 != 0 {
        bail!("{field} is a bit field");
    }
    u16::try_from(bits / 8).with_context(|| format!("{field} is beyond 64 KiB"))
}

fn find(btf: &Btf, s: &btf_rs::Struct, field: &str, base: u32) -> Option<u32> {
    for m in &s.members {
        let here = base + m.bit_offset();
        let name = btf.resolve_name(m).unwrap_or_default();
        if name == field {
            return Some(here);
        }
        if name.is_empty() {
            // An anonymous struct or union: its members are the outer struct's.
            let mut t = btf.resolve_chained_type(m).ok()?;
            while let Type::Typedef(_) | Type::Const(_) | Type::Volatile(_) = t {
                t = btf.resolve_chained_type(t.as_btf_type()?).ok()?;
            }
            if let Type::Struct(inner) | Type::Union(inner) = t
                && let Some(o) = find(btf, &inner, field, here)
            {
                return Some(o);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_of_this_kernel() {
        if !std::path::Path::new(VMLINUX).exists() {
            return;
        }
        let o = file_offsets().expect("offsets");
        // task_struct.files is far into task_struct; the others are small and distinct.
        assert!(o.task_files > 256, "{o:?}");
        assert_ne!(o.fdt_max_fds, o.fdt_fd);
        assert_ne!(o.inode_ino, o.inode_mode);
        assert!(o.file_inode > 0);
        // mm_struct's three longs in a row (include/linux/mm_types.h).
        assert!(o.task_mm > 0, "{o:?}");
        assert_eq!(o.mm_arg_start, o.mm_start_stack + 8, "{o:?}");
        assert_eq!(o.mm_arg_end, o.mm_arg_start + 8, "{o:?}");
        // The socket fields, found: `socket.type` follows the 4-byte `state`
        // (include/linux/net.h), and the inode follows the socket in `socket_alloc`.
        assert_eq!(o.socket_type, 4, "{o:?}");
        assert!(o.socket_inode >= o.socket_sk + 8, "{o:?}");
        assert!(
            o.file_private > 0 && o.unix_peer > 0 && o.sk_socket > 0,
            "{o:?}"
        );
        assert!(o.sk_family > 0 && o.inode_rdev > 0, "{o:?}");
        // `struct sock_common` begins `skc_daddr, skc_rcv_saddr` (the `skc_addrpair`), then
        // the hash, then `skc_dport, skc_num` (the `skc_portpair`), include/net/sock.h.
        assert_eq!(o.sk_rcv_saddr, o.sk_daddr + 4, "{o:?}");
        assert_eq!(o.sk_num, o.sk_dport + 2, "{o:?}");
        assert_eq!(o.sk_v6_rcv_saddr, o.sk_v6_daddr + 16, "{o:?}");
        assert!(o.sk_state > o.sk_num && o.nl_portid > 0, "{o:?}");
    }
}
