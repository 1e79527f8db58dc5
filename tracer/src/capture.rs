//! Loading the eBPF programs, filling their tables, and reading the ring buffer.

use std::collections::HashMap as StdHashMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use aya::maps::{Array, HashMap, MapData, PerCpuArray, RingBuf};
use aya::programs::perf_event::{
    PerfEvent, PerfEventConfig, PerfEventScope, SamplePolicy, SoftwareEvent,
};
use aya::programs::{RawTracePoint, TracePoint};
use aya::{Ebpf, EbpfLoader};
use tokio::io::unix::AsyncFd;
use tracer_common::{
    Config, SCOPE_ALL, SCOPE_TRACKED, STAT_LOST, STAT_LOST_ENTER, SyscallSpec, TRACK_ON,
};

use crate::kernel::hops::{self, HopStatus};
use crate::kernel::ksyms::Ksyms;
use crate::syscalls::Selection;

static EBPF_OBJECT: &[u8] = aya::include_bytes_aligned!(env!("TRACER_EBPF_OBJECT"));

/// The eBPF object embedded at build time.
pub fn ebpf_object() -> &'static [u8] {
    EBPF_OBJECT
}

const TRACEFS: &str = "/sys/kernel/tracing";

/// How often a reader drains the ring buffer even when the kernel has not woken it: records are
/// written without a wake-up until a quarter of the ring is full (`Config::wakeup_bytes`).
pub const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// How often each CPU sends on the calls it has batched (the eBPF `flush_timer`), when its
/// task has neither blocked nor exited since: the longest a call waits in the kernel.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(10);

/// The batch each CPU gathers by default (`--batch-kib`), in KiB: at most
/// `tracer_common::BATCH_LIMIT`.
pub const BATCH_KIB: u32 = 12;
const _: () = assert!(BATCH_KIB as usize * 1024 <= tracer_common::BATCH_LIMIT);

/// What to trace.
#[derive(Clone, Debug)]
pub struct Options {
    /// `None`: the whole system; else these pids (and their descendants).
    pub pids: Option<Vec<u32>>,
    pub selection: Selection,
    pub comms: Vec<String>,
    pub snaplen: u32,
    /// Ring buffer size in bytes (a power of two, at least a page).
    pub ring_bytes: u32,
    /// Probe the C library's wrappers of the selected calls (uprobes).
    pub wrappers: bool,
    /// Bounded wake-ups (the default; off with `--backpressure`): a reader behind is woken at
    /// most once per quarter ring it drains.
    pub no_backpressure: bool,
    /// KiB of records each CPU gathers before sending them on together (`--batch-kib`; 0: each
    /// call as it returns).
    pub batch_kib: u32,
    /// `-e status=`: only calls that ended so are written (text and JSON Lines).
    pub status: Option<crate::syscalls::qualify::StatusSet>,
}

/// Missing privileges: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PrivilegeError(pub String);

/// Effective capabilities of this process (`CapEff` in /proc/self/status).
fn cap_eff() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:").map(|v| v.trim().to_string()))
        })
        .and_then(|v| u64::from_str_radix(&v, 16).ok())
        .unwrap_or(0)
}

/// tracer needs `CAP_BPF` and `CAP_PERFMON` (Linux 5.8+), or `CAP_SYS_ADMIN`.
pub fn check_privileges() -> Result<(), PrivilegeError> {
    const CAP_SYS_ADMIN: u64 = 1 << 21;
    const CAP_PERFMON: u64 = 1 << 38;
    const CAP_BPF: u64 = 1 << 39;
    let caps = cap_eff();
    if caps & CAP_SYS_ADMIN != 0 || (caps & CAP_BPF != 0 && caps & CAP_PERFMON != 0) {
        return Ok(());
    }
    let mut missing = Vec::new();
    if caps & CAP_BPF == 0 {
        missing.push("CAP_BPF");
    }
    if caps & CAP_PERFMON == 0 {
        missing.push("CAP_PERFMON");
    }
    Err(PrivilegeError(format!(
        "tracer needs root (or {}) to load eBPF programs: run it with sudo, e.g. `sudo tracer ...` or `cargo xtask run -- ...`",
        missing.join(" and ")
    )))
}

/// Make sure tracefs is mounted (some systems only mount it on first use).
pub fn ensure_tracefs() -> Result<()> {
    if Path::new(TRACEFS).join("events").is_dir() {
        return Ok(());
    }
    nix::mount::mount(
        Some("nodev"),
        TRACEFS,
        Some("tracefs"),
        nix::mount::MsFlags::empty(),
        None::<&str>,
    )
    .with_context(|| format!("mounting tracefs on {TRACEFS}"))?;
    Ok(())
}

/// The byte offset of `field` in a tracepoint record, from its tracefs `format` file.
pub fn field_offset(format: &str, field: &str) -> Option<u16> {
    format.lines().find_map(|line| {
        let decl = line.trim().strip_prefix("field:")?;
        let (decl, rest) = decl.split_once(';')?;
        let name = decl.split_whitespace().last()?.split('[').next()?;
        if name != field {
            return None;
        }
        let off = rest
            .split(';')
            .find_map(|p| p.trim().strip_prefix("offset:"))?;
        off.trim().parse().ok()
    })
}

fn tp_offset(event: &str, field: &str) -> Result<u16> {
    let path = format!("{TRACEFS}/events/{event}/format");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    field_offset(&text, field).with_context(|| format!("no field {field:?} in {path}"))
}

/// A loaded, attached tracer.
pub struct Capture {
    ebpf: Ebpf,
    pub ksyms: std::sync::Arc<Ksyms>,
    /// How each kernel function on a call's path is observed here.
    pub hops: Vec<HopStatus>,
    /// The probes on kernel functions and libc wrappers, detached together on drop.
    links: Vec<crate::kernel::Link>,
    /// The C libraries whose wrappers are probed, and how many wrappers in each.
    pub libcs: Vec<(std::path::PathBuf, usize)>,
    pub ring: AsyncFd<RingBuf<MapData>>,
    /// Whether the C library's wrappers were probed (`--wrapper-probes` turns it on).
    pub wrappers: bool,
    /// The ring buffer's size: what a reader may find in it at once.
    pub ring_bytes: u32,
    config: Config,
}

/// How many KiB each CPU writes between its looks at the ring's fill (`Config::wake_check_kib`):
/// a look is a helper call per record (`bpf_ringbuf_query`), measured at a few percent of a
/// traced call. Every CPU a sixteenth of the wake-up threshold at most, so the reader is woken
/// before the ring is a third full.
pub fn wake_check_kib(ring_bytes: u32, cpus: u32) -> u16 {
    let per_cpu = ring_bytes / 4 / 16 / cpus.max(1);
    u16::try_from(per_cpu / 1024).unwrap_or(u16::MAX)
}

/// The tracepoint programs `tracer record` loads, with their category.
const PROCESS_PROGRAMS: [(&str, &str); 3] = [
    ("task_newtask", "task"),
    ("sched_process_exec", "sched"),
    ("sched_process_exit", "sched"),
];

/// The raw tracepoint programs `tracer record` loads; sched_switch first: it sends on the
/// batches sys_enter and sys_exit fill.
const SYSCALL_PROGRAMS: [&str; 3] = ["sched_switch", "sys_enter", "sys_exit"];
/// Attached while batching (`Config::batch_bytes`): a waker's batch goes on at the wake-up.
const WAKING_PROGRAM: &str = "sched_waking";

/// What loading one of `tracer record`'s programs cost: the time `BPF_PROG_LOAD` took (the
/// verifier's, mostly), and the instructions the verifier walked (`verified_insns` of
/// `bpf_prog_info`, Linux 5.16+; `None` before).
pub struct LoadCost {
    pub name: &'static str,
    pub time: std::time::Duration,
    pub verified: Option<u32>,
}

/// Load (without attaching) every program `tracer record` loads, as it loads them, and say
/// what each cost: where start-up goes (`tracer doctor`).
pub fn load_costs() -> Result<Vec<LoadCost>> {
    let mut ebpf = EbpfLoader::new()
        .load(EBPF_OBJECT)
        .context("loading the eBPF programs")?;
    let mut costs = Vec::new();
    let timed = |name: &'static str, load: &mut dyn FnMut() -> Result<u32>| {
        let start = std::time::Instant::now();
        let verified = load()?;
        Ok::<_, anyhow::Error>(LoadCost {
            name,
            time: start.elapsed(),
            verified: Some(verified).filter(|n| *n > 0),
        })
    };
    for (name, _) in PROCESS_PROGRAMS {
        let prog: &mut TracePoint = ebpf.program_mut(name).context(name)?.try_into()?;
        costs.push(timed(name, &mut || {
            prog.load().with_context(|| format!("loading {name}"))?;
            Ok(prog.info()?.verified_instruction_count().unwrap_or(0))
        })?);
    }
    for name in SYSCALL_PROGRAMS {
        let prog: &mut RawTracePoint = ebpf.program_mut(name).context(name)?.try_into()?;
        costs.push(timed(name, &mut || {
            prog.load().with_context(|| format!("loading {name}"))?;
            Ok(prog.info()?.verified_instruction_count().unwrap_or(0))
        })?);
    }
    Ok(costs)
}

/// The eBPF `flush_timer` on a `cpu-clock` perf event of each online CPU, every
/// [`FLUSH_EVERY`]. An error leaves batching off.
pub fn attach_flush_timer(ebpf: &mut Ebpf) -> Result<()> {
    let prog: &mut PerfEvent = ebpf
        .program_mut("flush_timer")
        .context("flush_timer")?
        .try_into()?;
    prog.load().context("loading flush_timer")?;
    let cpus = aya::util::online_cpus().map_err(|(what, e)| anyhow::anyhow!("{what}: {e}"))?;
    for cpu in cpus {
        prog.attach(
            PerfEventConfig::Software(SoftwareEvent::CpuClock),
            PerfEventScope::AllProcessesOneCpu { cpu },
            SamplePolicy::Period(u64::try_from(FLUSH_EVERY.as_nanos()).unwrap_or(u64::MAX)),
            false,
        )
        .with_context(|| format!("attaching flush_timer on CPU {cpu}"))?;
    }
    Ok(())
}

/// The eBPF `sched_waking` program, which sends a waker's batch on at the wake-up. An error
/// leaves batching off.
fn attach_waking(ebpf: &mut Ebpf) -> Result<()> {
    let name = WAKING_PROGRAM;
    let prog: &mut RawTracePoint = ebpf.program_mut(name).context(name)?.try_into()?;
    prog.load().with_context(|| format!("loading {name}"))?;
    prog.attach(name)
        .with_context(|| format!("attaching raw tracepoint {name}"))?;
    Ok(())
}

fn num_cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

impl Capture {
    pub fn start(opts: &Options) -> Result<Capture> {
        check_privileges()?;
        ensure_tracefs()?;
        let mut config = Config {
            scope: if opts.pids.is_some() {
                SCOPE_TRACKED
            } else {
                SCOPE_ALL
            },
            self_tgid: std::process::id(),
            snaplen: opts.snaplen.min(tracer_common::MAX_SNAPLEN),
            comm_filter: u32::from(!opts.comms.is_empty()),
            newtask_pid_off: tp_offset("task/task_newtask", "pid")?,
            newtask_flags_off: tp_offset("task/task_newtask", "clone_flags")?,
            exec_filename_off: tp_offset("sched/sched_process_exec", "filename")?,
            // Without BTF the descriptors' files are not read in the kernel; the live view
            // then looks them up in /proc instead.
            files: crate::kernel::btf::file_offsets().unwrap_or_default(),
            // A quarter of the ring: the reader is woken well before it fills, and otherwise
            // drains it every `DRAIN_EVERY`.
            wakeup_bytes: opts.ring_bytes / 4,
            wake_check_kib: wake_check_kib(opts.ring_bytes, num_cpus()),
            wake_bounded: u32::from(opts.no_backpressure),
            ..Config::default()
        };
        let mut ebpf = EbpfLoader::new()
            .map_max_entries("EVENTS", opts.ring_bytes)
            .load(EBPF_OBJECT)
            .context("loading the eBPF programs")?;
        // Batches only with the timer that sends a quiet CPU's on (without it a call could wait
        // in the kernel until its task blocks or exits) and with the wake-up flush that sends a
        // waker's calls before the woken task's next ones (tracer-ebpf `sched_waking`).
        if opts.batch_kib > 0
            && attach_flush_timer(&mut ebpf).is_ok()
            && attach_waking(&mut ebpf).is_ok()
        {
            config.batch_bytes = opts.batch_kib.min(BATCH_KIB) * 1024;
        }
        {
            let mut cfg: Array<_, Config> =
                Array::try_from(ebpf.map_mut("CONFIG").context("map CONFIG")?)?;
            cfg.set(0, config, 0)?;
        }
        {
            let mut specs: Array<_, SyscallSpec> =
                Array::try_from(ebpf.map_mut("SPECS").context("map SPECS")?)?;
            for (idx, spec) in opts.selection.specs() {
                specs
                    .set(idx, spec, 0)
                    .with_context(|| format!("filling SPECS[{idx}]"))?;
            }
        }
        if let Some(pids) = &opts.pids {
            let mut tracked: HashMap<_, u32, u32> =
                HashMap::try_from(ebpf.map_mut("TRACKED").context("map TRACKED")?)?;
            for pid in with_descendants(pids) {
                tracked.insert(pid, TRACK_ON, 0)?;
            }
        }
        if !opts.comms.is_empty() {
            let mut comms: HashMap<_, [u8; 16], u32> =
                HashMap::try_from(ebpf.map_mut("COMMS").context("map COMMS")?)?;
            for c in &opts.comms {
                let mut key = [0u8; 16];
                let b = c.as_bytes();
                let n = b.len().min(15);
                key[..n].copy_from_slice(&b[..n]);
                comms.insert(key, 1, 0)?;
            }
        }
        for (name, category) in PROCESS_PROGRAMS {
            let prog: &mut TracePoint = ebpf.program_mut(name).context(name)?.try_into()?;
            prog.load().with_context(|| format!("loading {name}"))?;
            prog.attach(category, name)
                .with_context(|| format!("attaching {category}:{name}"))?;
        }
        for name in SYSCALL_PROGRAMS {
            let prog: &mut RawTracePoint = ebpf.program_mut(name).context(name)?.try_into()?;
            prog.load()
                .with_context(|| format!("loading {name} (the verifier may say why above)"))?;
            prog.attach(name)
                .with_context(|| format!("attaching raw tracepoint {name}"))?;
        }
        let ksyms = Ksyms::load();
        let mut links = Vec::new();
        let hops = hops::attach(&mut ebpf, &ksyms, &mut links);
        let traced = opts
            .pids
            .as_deref()
            .map(with_descendants)
            .unwrap_or_default();
        let wanted = |name: &str| {
            crate::syscalls::ROWS
                .iter()
                .enumerate()
                .any(|(i, r)| r.name == name && opts.selection.contains(i))
        };
        let libcs = if opts.wrappers {
            crate::kernel::libc::attach(&mut ebpf, &mut links, &traced, &wanted)
        } else {
            Vec::new()
        };
        let ring = RingBuf::try_from(ebpf.take_map("EVENTS").context("map EVENTS")?)?;
        // SAFETY: the RingBuf owns its map fd, which stays open and unchanged until the
        // RingBuf (owned by the AsyncFd) is dropped.
        let ring = unsafe { AsyncFd::register_with_interest(ring, tokio::io::Interest::READABLE) }
            .map_err(|e| anyhow::anyhow!("registering the ring buffer with tokio: {e}"))?;
        Ok(Capture {
            links,
            libcs,
            ebpf,
            ksyms: std::sync::Arc::new(ksyms),
            hops,
            ring,
            wrappers: opts.wrappers,
            ring_bytes: opts.ring_bytes,
            config,
        })
    }

    /// Trace the new processes that thread `tid` (the caller) creates, from their `execve` on.
    pub fn track_children_of(&mut self, tid: u32) -> Result<()> {
        self.config.spawn_tid = tid;
        self.write_config()
    }

    pub fn stop_tracking_children(&mut self) -> Result<()> {
        self.config.spawn_tid = 0;
        self.write_config()
    }

    fn write_config(&mut self) -> Result<()> {
        let mut cfg: Array<_, Config> =
            Array::try_from(self.ebpf.map_mut("CONFIG").context("map CONFIG")?)?;
        cfg.set(0, self.config, 0)?;
        Ok(())
    }

    /// Whether the CPUs send their calls in batches (`Config::batch_bytes`): then a CPU whose
    /// task neither blocked nor exited holds its last calls until the flush timer's next tick.
    pub fn batching(&self) -> bool {
        self.config.batch_bytes != 0
    }

    /// Events the kernel side could not put in the ring buffer, so far.
    pub fn lost(&self) -> u64 {
        self.stat(STAT_LOST)
    }

    /// Of [`Capture::lost`], the calls' entries: each is a call whose start was not recorded.
    pub fn lost_entries(&self) -> u64 {
        self.stat(STAT_LOST_ENTER)
    }

    fn stat(&self, index: u32) -> u64 {
        let Some(map) = self.ebpf.map("STATS_MAP") else {
            return 0;
        };
        let Ok(stats) = PerCpuArray::<_, u64>::try_from(map) else {
            return 0;
        };
        stats.get(&index, 0).map_or(0, |v| v.iter().sum())
    }
}

/// How often one of tracer's eBPF programs ran and for how long, in total (kernel.bpf_stats).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramCost {
    pub name: String,
    pub runs: u64,
    pub run_ns: u64,
}

impl Capture {
    /// The run counts and times of every loaded program that ran; all zero unless run-time
    /// statistics are enabled ([`aya::sys::enable_stats`]).
    pub fn program_costs(&self) -> Vec<ProgramCost> {
        let mut costs: Vec<ProgramCost> = self
            .ebpf
            .programs()
            .filter_map(|(name, prog)| {
                let info = prog.info().ok()?;
                let run_ns = u64::try_from(info.run_time().as_nanos()).unwrap_or(u64::MAX);
                (info.run_count() > 0).then(|| ProgramCost {
                    name: name.to_string(),
                    runs: info.run_count(),
                    run_ns,
                })
            })
            .collect();
        costs.sort_by_key(|c| std::cmp::Reverse(c.run_ns));
        costs
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        crate::kernel::detach_in_background(std::mem::take(&mut self.links));
    }
}

/// `pids` and every process descending from them now (from /proc).
fn with_descendants(pids: &[u32]) -> Vec<u32> {
    let mut parent_of: StdHashMap<u32, u32> = StdHashMap::new();
    if let Ok(dir) = fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Ok(stat) = fs::read_to_string(e.path().join("stat"))
                && let Some(ppid) = stat
                    .rsplit_once(')')
                    .and_then(|(_, r)| r.split_whitespace().nth(1))
                    .and_then(|p| p.parse().ok())
            {
                parent_of.insert(pid, ppid);
            }
        }
    }
    // A thread id given with -p means its process.
    let mut out: Vec<u32> = pids.iter().map(|p| tgid_of(*p).unwrap_or(*p)).collect();
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| **pp == p)
                .map(|(c, _)| *c),
        );
        i += 1;
        if out.len() > 1 << 16 {
            break;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The process a thread belongs to (`Tgid:` in /proc/PID/status).
fn tgid_of(tid: u32) -> Option<u32> {
    let status = fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Fails when the pid does not exist.
pub fn check_pid(pid: u32) -> Result<()> {
    if !Path::new(&format!("/proc/{pid}")).exists() {
        bail!("no process with pid {pid}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_fill_is_checked_often_enough_to_wake_the_reader_in_time() {
        // The default 8 MiB ring on 2 CPUs: a look every 64 KiB a CPU writes.
        assert_eq!(wake_check_kib(8 << 20, 2), 64);
        for (ring, cpus) in [
            (8u32 << 20, 2u32),
            (8 << 20, 256),
            (64 << 10, 2),
            (1 << 30, 1),
        ] {
            let threshold = u64::from(ring / 4);
            let lag = u64::from(wake_check_kib(ring, cpus)) * 1024 * u64::from(cpus);
            // All CPUs a full interval past the threshold: still under a third of the ring.
            assert!(threshold + lag < u64::from(ring) / 3, "{ring} {cpus}");
        }
        // A small ring on many CPUs: every record looks.
        assert_eq!(wake_check_kib(64 << 10, 64), 0);
    }

    const NEWTASK: &str = "name: task_newtask
ID: 205
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:pid_t pid;\toffset:8;\tsize:4;\tsigned:1;
\tfield:char comm[16];\toffset:12;\tsize:16;\tsigned:0;
\tfield:u64 clone_flags;\toffset:32;\tsize:8;\tsigned:0;
";

    #[test]
    fn format_offsets() {
        assert_eq!(field_offset(NEWTASK, "pid"), Some(8));
        assert_eq!(field_offset(NEWTASK, "comm"), Some(12));
        assert_eq!(field_offset(NEWTASK, "clone_flags"), Some(32));
        assert_eq!(field_offset(NEWTASK, "nope"), None);
        assert_eq!(
            field_offset(
                "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;",
                "filename"
            ),
            Some(8)
        );
    }

    #[test]
    fn descendants_include_the_pid_itself() {
        let me = std::process::id();
        assert!(with_descendants(&[me]).contains(&me));
    }
}
