//! The executable mappings of `/proc/PID/maps` (fs/proc/task_mmu.c `show_map_vma`:
//! `start-end perms offset major:minor inode`, then the path or a name like `[vdso]`, padded).

use std::path::Path;

/// What a mapping maps, as the symbol cache keys it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Object {
    /// A file, by device and inode: one entry however many processes map it.
    File {
        dev: Box<str>,
        inode: u64,
    },
    /// The vDSO, by a checksum of its image: the kernel has one per ABI.
    Vdso,
    VdsoImage(u32),
    /// Memory no file backs.
    Anonymous,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// The file offset mapped at `start`.
    pub pgoff: u64,
    pub object: Object,
    /// As the maps file shows it, for opening through the process's root.
    pub raw_path: Box<str>,
    /// Escaped, for showing.
    pub path: Box<str>,
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 16).ok()
}

fn line(l: &str) -> Option<Mapping> {
    let mut f = l.splitn(6, ' ');
    let (range, perms, off, dev, inode) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
    if !perms.contains('x') {
        return None;
    }
    let name = f.next().unwrap_or("").trim_start();
    let (start, end) = range.split_once('-')?;
    let inode: u64 = inode.parse().ok()?;
    let object = if name == "[vdso]" {
        Object::Vdso
    } else if inode != 0 && name.starts_with('/') {
        Object::File {
            dev: dev.into(),
            inode,
        }
    } else {
        Object::Anonymous
    };
    Some(Mapping {
        start: hex(start)?,
        end: hex(end)?,
        pgoff: hex(off)?,
        object,
        raw_path: name.into(),
        path: crate::escape::path(Path::new(name)).into(),
    })
}

/// The executable mappings, in address order; lines that do not parse are skipped.
pub fn parse(text: &str) -> Vec<Mapping> {
    text.lines().filter_map(line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_mappings_are_kept_with_what_backs_them() {
        let text = "\
55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 131 /usr/bin/prog
55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 131 /usr/bin/prog
7f1200028000-7f120017d000 r-xp 00028000 fd:01 2621                       /usr/lib/x86_64-linux-gnu/libc.so.6
7f1200200000-7f1200201000 rwxp 00000000 00:00 0 
7ffd5f1b8000-7ffd5f1ba000 r-xp 00000000 00:00 0                          [vdso]
7f1200300000-7f1200301000 r-xp 00000000 fd:01 99 /tmp/a name with spaces (deleted)
bad line
";
        let m = parse(text);
        assert_eq!(m.len(), 5, "{m:?}");
        assert_eq!(
            (m[0].start, m[0].end, m[0].pgoff),
            (0x55d0_c0a0_1000, 0x55d0_c0a0_2000, 0x1000)
        );
        assert_eq!(
            m[1].object,
            Object::File {
                dev: "fd:01".into(),
                inode: 2621
            }
        );
        assert_eq!(&*m[1].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
        assert_eq!(m[2].object, Object::Anonymous);
        assert_eq!(m[3].object, Object::Vdso);
        assert_eq!(&*m[4].raw_path, "/tmp/a name with spaces (deleted)");
    }
}
