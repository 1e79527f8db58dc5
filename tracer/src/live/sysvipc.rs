//! Who is at each end of a SysV message queue or shared memory segment, from the kernel's
//! `/proc/sysvipc/msg` and `/proc/sysvipc/shm` (ipc/msg.c `sysvipc_msg_proc_show`, ipc/shm.c
//! `sysvipc_shm_proc_show`): the last process that sent to and received from each queue
//! (`lspid`, `lrpid`), and the process that created and the last that attached or detached
//! each segment (`cpid`, `lpid`). Semaphore sets record no pids there.

use std::collections::HashMap;

use super::objects::{Holder, ObjKey};

/// The holders of the queues and segments among `keys`, from the two files' text.
pub fn parse(msg: &str, shm: &str, keys: &[ObjKey]) -> HashMap<ObjKey, Vec<Holder>> {
    let mut out = HashMap::new();
    // Columns: key msqid perms cbytes qnum lspid lrpid ...
    for cols in rows(msg) {
        if let (Some(id), Some(&s), Some(&r)) = (cols.get(1), cols.get(5), cols.get(6)) {
            add(&mut out, keys, ObjKey::Msq(*id), &[(s, "w"), (r, "r")]);
        }
    }
    // Columns: key shmid perms size cpid lpid nattch ...
    for cols in rows(shm) {
        if let (Some(id), Some(&c), Some(&l)) = (cols.get(1), cols.get(4), cols.get(5)) {
            add(&mut out, keys, ObjKey::Shm(*id), &[(c, "c"), (l, "a")]);
        }
    }
    out
}

/// Read the files and parse them; a missing file (no SysV IPC in this kernel) is no holder.
pub fn holders(keys: &[ObjKey]) -> HashMap<ObjKey, Vec<Holder>> {
    if !keys
        .iter()
        .any(|k| matches!(k, ObjKey::Msq(_) | ObjKey::Shm(_)))
    {
        return HashMap::new();
    }
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    parse(&read("/proc/sysvipc/msg"), &read("/proc/sysvipc/shm"), keys)
}

/// The numeric rows (the header is not numeric).
fn rows(text: &str) -> impl Iterator<Item = Vec<i64>> + '_ {
    text.lines().filter_map(|l| {
        l.split_whitespace()
            .take(7)
            .map(|c| c.parse::<i64>().ok())
            .collect::<Option<Vec<i64>>>()
    })
}

fn add(
    out: &mut HashMap<ObjKey, Vec<Holder>>,
    keys: &[ObjKey],
    key: ObjKey,
    pids: &[(i64, &'static str)],
) {
    if !keys.contains(&key) {
        return;
    }
    let holders: Vec<Holder> = pids
        .iter()
        .filter_map(|(p, mode)| {
            Some(Holder {
                pid: u32::try_from(*p).ok().filter(|p| *p != 0)?,
                mode,
            })
        })
        .collect();
    out.insert(key, holders);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &str = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime
         0          3   600           5          1  4242  4243     0     0     0     0 1763915000 1763915001 1763914999
 305419896          4   666           0          0     0     0     0     0     0     0          0          0 1763914999
";
    const SHM: &str = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
         0         98   600                  4096  4242  4243      1     0     0     0     0 1763915000          0 1763914999                  4096                     0
";

    #[test]
    fn queues_and_segments_with_their_pids() {
        let keys = [
            ObjKey::Msq(3),
            ObjKey::Msq(4),
            ObjKey::Shm(98),
            ObjKey::Sem(3),
        ];
        let h = parse(MSG, SHM, &keys);
        assert_eq!(
            h[&ObjKey::Msq(3)],
            [
                Holder {
                    pid: 4242,
                    mode: "w"
                },
                Holder {
                    pid: 4243,
                    mode: "r"
                }
            ]
        );
        assert!(h[&ObjKey::Msq(4)].is_empty(), "pid 0: nobody yet");
        assert_eq!(
            h[&ObjKey::Shm(98)][0],
            Holder {
                pid: 4242,
                mode: "c"
            }
        );
        assert!(!h.contains_key(&ObjKey::Sem(3)));
        assert!(parse("", "garbage\n1 2", &keys).is_empty());
    }
}
