//! The traced process tree, from `task_newtask` (fork), `sched_process_exec` and
//! `sched_process_exit` events, with each process's call and error counts.

use std::collections::HashMap;

use crate::trace::{Call, Proc};

/// Processes remembered; beyond it the oldest that have exited are forgotten.
const MAX_PROCS: usize = 10_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: u32,
    pub parent: Option<u32>,
    pub comm: String,
    /// The file it exec'd, when tracer saw the exec.
    pub exe: Option<String>,
    pub exited: bool,
    pub calls: u64,
    pub errors: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Procs {
    by_pid: crate::fasthash::FastMap<u32, ProcInfo>,
    /// Pids in the order first seen.
    order: Vec<u32>,
}

impl Procs {
    fn entry(&mut self, pid: u32) -> &mut ProcInfo {
        if !self.by_pid.contains_key(&pid) {
            self.order.push(pid);
            if self.order.len() > MAX_PROCS {
                self.forget_exited();
            }
        }
        self.by_pid.entry(pid).or_insert_with(|| ProcInfo {
            pid,
            ..ProcInfo::default()
        })
    }

    fn forget_exited(&mut self) {
        let drop_n = self.order.len() / 4;
        let mut dropped = 0;
        let by_pid = &mut self.by_pid;
        self.order.retain(|p| {
            if dropped < drop_n && by_pid.get(p).is_some_and(|i| i.exited) {
                by_pid.remove(p);
                dropped += 1;
                return false;
            }
            true
        });
    }

    pub fn add_proc(&mut self, p: &Proc) {
        match p {
            Proc::Fork {
                pid,
                comm,
                child,
                thread: false,
                ..
            } => {
                let parent = self.entry(*pid);
                if parent.comm.is_empty() {
                    parent.comm.clone_from(comm);
                }
                let c = self.entry(*child);
                c.parent = Some(*pid);
                // A child runs its parent's program until it execs.
                c.comm.clone_from(comm);
            }
            Proc::Exec {
                pid,
                comm,
                filename,
                ..
            } => {
                let e = self.entry(*pid);
                e.comm.clone_from(comm);
                e.exe = Some(filename.clone());
                e.exited = false;
            }
            Proc::Exit { pid, tid, comm, .. } if pid == tid => {
                let e = self.entry(*pid);
                if e.comm.is_empty() {
                    e.comm.clone_from(comm);
                }
                e.exited = true;
            }
            // A new thread belongs to its process, and a thread's exit is not its process's:
            // nothing changes in the tree.
            Proc::Fork { .. } | Proc::Exit { .. } => {}
        }
    }

    pub fn add_call(&mut self, call: &Call) {
        let e = self.entry(call.pid);
        if e.comm.is_empty() {
            e.comm = call.comm.to_string();
        }
        e.calls += 1;
        if call.ret.and_then(crate::output::errno_of).is_some() {
            e.errors += 1;
        }
    }

    /// Processes not known to have exited.
    pub fn alive(&self) -> Vec<u32> {
        self.order
            .iter()
            .filter(|p| self.by_pid.get(p).is_some_and(|i| !i.exited))
            .copied()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The tree, depth first, parents before children, each level in the order first seen:
    /// `(depth, process)`.
    pub fn tree(&self) -> Vec<(usize, &ProcInfo)> {
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut roots = Vec::new();
        for pid in &self.order {
            match self.by_pid.get(pid).and_then(|p| p.parent) {
                Some(parent) if self.by_pid.contains_key(&parent) && parent != *pid => {
                    children.entry(parent).or_default().push(*pid);
                }
                _ => roots.push(*pid),
            }
        }
        let mut out = Vec::with_capacity(self.order.len());
        let mut stack: Vec<(usize, u32)> = roots.iter().rev().map(|p| (0, *p)).collect();
        while let Some((depth, pid)) = stack.pop() {
            let Some(info) = self.by_pid.get(&pid) else {
                continue;
            };
            out.push((depth, info));
            // A pid reused as its own ancestor cannot loop: each pid is visited once.
            if out.len() > self.order.len() {
                break;
            }
            if let Some(kids) = children.get(&pid) {
                stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testdata::call;

    fn fork(pid: u32, child: u32, thread: bool) -> Proc {
        Proc::Fork {
            ts_ns: 0,
            pid,
            tid: pid,
            comm: "sh".into(),
            child,
            thread,
        }
    }

    #[test]
    fn tree_from_fork_exec_exit_with_counts() {
        let mut p = Procs::default();
        p.add_proc(&fork(1, 2, false));
        p.add_proc(&fork(2, 3, false));
        p.add_proc(&fork(2, 9, true));
        p.add_proc(&fork(1, 4, false));
        p.add_proc(&Proc::Exec {
            ts_ns: 0,
            pid: 3,
            tid: 3,
            comm: "demo".into(),
            filename: "/bin/demo".into(),
        });
        p.add_proc(&Proc::Exit {
            ts_ns: 0,
            pid: 4,
            tid: 4,
            comm: "sh".into(),
            status: Some(0),
        });
        p.add_call(&call(3, "bind", -98));
        p.add_call(&call(3, "listen", 0));
        let t: Vec<(usize, u32)> = p.tree().iter().map(|(d, i)| (*d, i.pid)).collect();
        assert_eq!(
            t,
            [(0, 1), (1, 2), (2, 3), (1, 4)],
            "threads are not processes"
        );
        let demo = p.tree()[2].1.clone();
        assert_eq!(
            (demo.comm.as_str(), demo.calls, demo.errors),
            ("demo", 2, 1)
        );
        assert_eq!(demo.exe.as_deref(), Some("/bin/demo"));
        assert!(p.tree()[3].1.exited);
    }

    #[test]
    fn a_parent_loop_does_not_hang() {
        let mut p = Procs::default();
        p.add_proc(&fork(1, 2, false));
        p.add_proc(&fork(2, 1, false));
        assert!(p.tree().len() <= 2);
    }
}
