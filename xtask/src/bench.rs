//! `cargo xtask bench`: tracer's overhead and throughput beside strace, `perf trace` and
//! bpftrace, on the workloads built into tracer (`tracer workload --list`).
//!
//! Each workload times its own loop (so no tool's start-up is in the figure) and prints
//! `workload NAME iterations=N calls=C ns_per_iter=X cpu_ns=Y` on stderr. Every configuration
//! (untraced twice, to show the noise; tracer three ways; strace twice; perf trace; bpftrace) runs
//! `--runs` times, interleaved round by round, and the table shows the median time per iteration
//! and its ratio to the untraced median. Then: tracer's in-kernel cost per program run
//! (`--bpf-stats`), the rate it records at with nothing lost, what happens above it, and its
//! peak memory on a 10-million-call recording. The tables are printed and written between the
//! markers of `docs/performance.md`.

// Counts and times here are far below 2^52 and are turned into f64 for medians and ratios.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{self, say};
use crate::{Ctx, apt};

/// What to run.
pub struct Opts {
    pub runs: usize,
    /// Target duration of one run's loop, in seconds.
    pub seconds: f64,
    pub only: Vec<String>,
    /// Skip the throughput and memory runs.
    pub quick: bool,
    pub write: bool,
}

/// A syscall no workload makes: the "filter that matches nothing" configurations.
const NO_MATCH: &str = "shmdt";
/// A run that takes longer is killed (and the bench fails).
const RUN_TIMEOUT: Duration = Duration::from_mins(10);
const MARK_START: &str = "<!-- bench:start -->";
const MARK_END: &str = "<!-- bench:end -->";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tool {
    Untraced,
    UntracedAgain,
    TracerNull,
    TracerFile,
    TracerJsonl,
    TracerNoMatch,
    TracerWrapperProbes,
    TracerLive,
    Strace,
    StraceNoMatch,
    PerfTrace,
    Bpftrace,
    BpftraceCount,
}

impl Tool {
    const ALL: [Tool; 13] = [
        Tool::Untraced,
        Tool::UntracedAgain,
        Tool::TracerNull,
        Tool::TracerFile,
        Tool::TracerJsonl,
        Tool::TracerNoMatch,
        Tool::TracerWrapperProbes,
        Tool::TracerLive,
        Tool::Strace,
        Tool::StraceNoMatch,
        Tool::PerfTrace,
        Tool::Bpftrace,
        Tool::BpftraceCount,
    ];

    fn label(self) -> &'static str {
        match self {
            Tool::Untraced => "untraced",
            Tool::UntracedAgain => "untraced again",
            Tool::TracerNull => "tracer record -o /dev/null",
            Tool::TracerFile => "tracer record -o FILE",
            Tool::TracerJsonl => "tracer record --format jsonl -o FILE",
            Tool::TracerNoMatch => "tracer, filter matching nothing",
            Tool::TracerWrapperProbes => "tracer record --wrapper-probes -o /dev/null",
            Tool::TracerLive => "tracer live (in a tmux terminal)",
            Tool::Strace => "strace -f -o /dev/null",
            Tool::StraceNoMatch => "strace --seccomp-bpf, filter matching nothing",
            Tool::PerfTrace => "perf trace -o /dev/null",
            Tool::Bpftrace => "bpftrace printing every call",
            Tool::BpftraceCount => "bpftrace counting calls (the mechanism's floor)",
        }
    }

    fn is_tracer(self) -> bool {
        matches!(
            self,
            Tool::TracerNull
                | Tool::TracerFile
                | Tool::TracerJsonl
                | Tool::TracerNoMatch
                | Tool::TracerWrapperProbes
        )
    }
}

/// One workload, from `tracer workload --list`.
#[derive(Clone, Debug)]
struct Workload {
    name: String,
    calls_per_iter: u64,
    syscalls: String,
    summary: String,
}

/// What one run printed and used.
#[derive(Clone, Debug, Default)]
struct Sample {
    ns_per_iter: f64,
    /// Calls the workload's loop made.
    calls: u64,
    /// Calls the tool reported recording (tracer only).
    recorded: Option<u64>,
    lost: Option<u64>,
    /// CPU time of the tool itself: all the run's CPU minus the workload's.
    tool_cpu_ns: Option<u64>,
    max_rss_kib: u64,
    /// tracer's `--bpf-stats` line.
    cost: Option<String>,
}

/// The workload's result line, parsed.
#[derive(Clone, Debug, Default, PartialEq)]
struct WorkloadLine {
    iterations: u64,
    calls: u64,
    ns_per_iter: f64,
    cpu_ns: u64,
}

fn parse_workload_line(stderr: &str) -> Option<WorkloadLine> {
    let line = stderr.lines().find(|l| l.starts_with("workload "))?;
    let field = |k: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(k)?.strip_prefix('='))
    };
    Some(WorkloadLine {
        iterations: field("iterations")?.parse().ok()?,
        calls: field("calls")?.parse().ok()?,
        ns_per_iter: field("ns_per_iter")?.parse().ok()?,
        cpu_ns: field("cpu_ns")?.parse().ok()?,
    })
}

/// From tracer's summary: `tracer: 1200038 events recorded (600018 calls, 138.4 MiB), 0 events
/// lost; ...` -> (calls, lost).
fn parse_tracer_summary(stderr: &str) -> Option<(u64, u64)> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("tracer: ") && l.contains("events lost"))?;
    let first = |s: &str| -> Option<u64> { s.split_whitespace().next()?.parse().ok() };
    // A native file: `N events recorded (C calls, S MiB), L events lost`; text and JSON Lines:
    // `C calls recorded, L events lost`.
    let (calls, lost) = if let Some((head, tail)) = line.split_once("), ") {
        (first(head.split_once('(')?.1)?, first(tail)?)
    } else {
        let rest = line.strip_prefix("tracer: ")?;
        (first(rest)?, first(rest.split_once("recorded, ")?.1)?)
    };
    Some((calls, lost))
}

/// From tracer's summary when events were lost: `..., 12 events lost (5 of them calls' entries)`.
fn parse_lost_entries(stderr: &str) -> Option<u64> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("tracer: ") && l.contains("events lost"))?;
    line.split_once("events lost (")?
        .1
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// bpftrace's `Lost N events` lines, summed.
fn parse_bpftrace_lost(stderr: &str) -> u64 {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("Lost ")?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    }
}

struct Bench<'a> {
    bin: &'a Path,
    dir: PathBuf,
    opts: &'a Opts,
}

impl Bench<'_> {
    fn workload_cmd(&self, w: &Workload, iterations: u64) -> Vec<String> {
        vec![
            self.bin.display().to_string(),
            "workload".into(),
            w.name.clone(),
            "-n".into(),
            iterations.to_string(),
        ]
    }

    fn tracer(&self, extra: &[&str], inner: Vec<String>) -> Vec<String> {
        let mut v = vec![self.bin.display().to_string(), "record".into()];
        v.extend(extra.iter().map(|s| (*s).to_string()));
        v.push("--".into());
        v.extend(inner);
        v
    }

    /// The command line of `tool` around the workload.
    fn command(&self, tool: Tool, w: &Workload, iterations: u64) -> Vec<String> {
        let inner = self.workload_cmd(w, iterations);
        let file = self.dir.join("bench.tracer").display().to_string();
        let pre = |v: &[&str]| -> Vec<String> {
            let mut out: Vec<String> = v.iter().map(|s| (*s).to_string()).collect();
            out.extend(inner.clone());
            out
        };
        match tool {
            Tool::Untraced | Tool::UntracedAgain => inner.clone(),
            Tool::TracerNull => self.tracer(&["-o", "/dev/null", "-e", &w.syscalls], inner),
            Tool::TracerFile => self.tracer(&["-o", &file, "-e", &w.syscalls], inner),
            Tool::TracerJsonl => {
                let jsonl = self.dir.join("bench.jsonl").display().to_string();
                self.tracer(
                    &["--format", "jsonl", "-o", &jsonl, "-e", &w.syscalls],
                    inner,
                )
            }
            Tool::TracerNoMatch => self.tracer(&["-o", "/dev/null", "-e", NO_MATCH], inner),
            Tool::TracerWrapperProbes => self.tracer(
                &["--wrapper-probes", "-o", "/dev/null", "-e", &w.syscalls],
                inner,
            ),
            Tool::TracerLive => {
                let out = self.dir.join("live-command.out").display().to_string();
                let mut v = vec![
                    self.bin.display().to_string(),
                    "live".into(),
                    "--command-output".into(),
                    out,
                    "-e".into(),
                    w.syscalls.clone(),
                    "--".into(),
                ];
                v.extend(inner);
                v
            }
            Tool::Strace => pre(&["strace", "-f", "-o", "/dev/null", "--"]),
            Tool::StraceNoMatch => pre(&[
                "strace",
                "-f",
                "--seccomp-bpf",
                "-e",
                &format!("trace={NO_MATCH}"),
                "-o",
                "/dev/null",
                "--",
            ]),
            Tool::PerfTrace => pre(&["perf", "trace", "-o", "/dev/null", "--"]),
            Tool::Bpftrace | Tool::BpftraceCount => {
                // Both attach to raw_syscalls:sys_enter and sys_exit, as tracer does; the
                // counting one is the least any tracer built on them can cost.
                let program = if tool == Tool::Bpftrace {
                    "tracepoint:raw_syscalls:sys_enter /comm == \"tbench\"/ \
                     { printf(\"%d enter %d\\n\", tid, args->id); } \
                     tracepoint:raw_syscalls:sys_exit /comm == \"tbench\"/ \
                     { printf(\"%d exit %d %d\\n\", tid, args->id, args->ret); }"
                } else {
                    "tracepoint:raw_syscalls:sys_enter /comm == \"tbench\"/ { @enter = count(); } \
                     tracepoint:raw_syscalls:sys_exit /comm == \"tbench\"/ { @exit = count(); }"
                };
                let mut v: Vec<String> = ["bpftrace", "-o", "/dev/null", "-e", program, "-c"]
                    .iter()
                    .map(|s| (*s).to_string())
                    .collect();
                v.push(inner.join(" "));
                v
            }
        }
    }

    /// Runs `argv`, returning its stderr and its rusage (the process and its reaped children).
    fn spawn(argv: &[String], timeout: Duration) -> Result<(String, libc::rusage)> {
        let mut child = Command::new(&argv[0])
            // Under `sudo cargo xtask bench`, tracer would open its outputs in target/bench
            // (made by root) with the invoking user's rights: every tool runs as root here.
            .env_remove("SUDO_UID")
            .env_remove("SUDO_GID")
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", argv.join(" ")))?;
        let mut stderr = child.stderr.take().context("stderr is piped")?;
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let pid = i32::try_from(child.id()).context("pid")?;
        let start = Instant::now();
        let (status, ru) = loop {
            let mut status = 0;
            // SAFETY: an all-zero rusage is valid; wait4 fills it.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `pid` is our child, not yet reaped (std's Child is never waited for);
            // `status` and `ru` are valid for writes.
            let r = unsafe { libc::wait4(pid, &raw mut status, libc::WNOHANG, &raw mut ru) };
            if r == pid {
                break (status, ru);
            }
            if r == -1 {
                bail!("wait4: {}", std::io::Error::last_os_error());
            }
            if start.elapsed() > timeout {
                // SAFETY: our own, unreaped child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let err = reader.join().unwrap_or_default();
        settle();
        let st = std::process::ExitStatus::from_raw(status);
        if !st.success() {
            let tail: Vec<&str> = err.lines().rev().take(5).collect();
            bail!(
                "`{}` failed ({st}): {}",
                argv.join(" "),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            );
        }
        Ok((err, ru))
    }

    fn run_once(
        &self,
        tool: Tool,
        w: &Workload,
        iterations: u64,
        extra: &[&str],
    ) -> Result<Sample> {
        if tool == Tool::TracerLive {
            return self.run_live(w, iterations);
        }
        let mut argv = self.command(tool, w, iterations);
        if !extra.is_empty() {
            // Options for tracer record go before its `--`.
            let at = argv.iter().position(|a| a == "--").unwrap_or(argv.len());
            for (i, e) in extra.iter().enumerate() {
                argv.insert(at + i, (*e).to_string());
            }
        }
        let (err, ru) = Self::spawn(&argv, RUN_TIMEOUT)?;
        let wl = parse_workload_line(&err)
            .with_context(|| format!("no workload line from `{}`:\n{err}", argv.join(" ")))?;
        let tv = |t: libc::timeval| {
            u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000
                + u64::try_from(t.tv_usec).unwrap_or(0) * 1000
        };
        let total_cpu = tv(ru.ru_utime) + tv(ru.ru_stime);
        let mut s = Sample {
            ns_per_iter: wl.ns_per_iter,
            calls: wl.calls,
            max_rss_kib: u64::try_from(ru.ru_maxrss).unwrap_or(0),
            ..Sample::default()
        };
        if tool.is_tracer() {
            let (recorded, lost) = parse_tracer_summary(&err)
                .with_context(|| format!("no summary from tracer:\n{err}"))?;
            s.recorded = Some(recorded);
            s.lost = Some(lost);
            s.tool_cpu_ns = Some(total_cpu.saturating_sub(wl.cpu_ns));
            s.cost = err
                .lines()
                .find_map(|l| l.strip_prefix("tracer: in-kernel cost: "))
                .map(str::to_string);
        }
        if matches!(tool, Tool::Bpftrace | Tool::BpftraceCount) {
            s.lost = Some(parse_bpftrace_lost(&err));
        }
        Ok(s)
    }

    /// `tracer live` is a terminal UI and has no headless mode: it runs in a detached tmux
    /// session (a 160x48 terminal), drawing as it would for a user, with the workload's output
    /// sent to a file. When the workload's line is there and the status bar says the trace has
    /// finished, the bench reads the lost count off the screen and tracer's peak RSS
    /// (`VmHWM`) from /proc, then quits with `q`.
    fn run_live(&self, w: &Workload, iterations: u64) -> Result<Sample> {
        let out = self.dir.join("live-command.out");
        let _ = std::fs::remove_file(&out);
        let session = Tmux(format!("tracer-bench-{}", std::process::id()));
        let argv = self.command(Tool::TracerLive, w, iterations);
        util::run(
            Command::new("tmux")
                // As in `spawn`: the live view writes target/bench with root's rights.
                .env_remove("SUDO_UID")
                .env_remove("SUDO_GID")
                .args([
                    "new-session",
                    "-d",
                    "-s",
                    &session.0,
                    "-x",
                    "160",
                    "-y",
                    "48",
                ])
                .args(&argv),
        )?;
        let pid: u32 = session
            .query("#{pane_pid}")?
            .trim()
            .parse()
            .context("tmux pane pid")?;
        let start = Instant::now();
        let (line, screen) = loop {
            let screen = session.query_screen().unwrap_or_default();
            let line = std::fs::read_to_string(&out)
                .ok()
                .and_then(|s| parse_workload_line(&s));
            if screen.contains("trace finished") {
                if let Some(line) = line {
                    break (line, screen);
                }
                // The workload ended without its line: it failed, and said why.
                let said = std::fs::read_to_string(&out).unwrap_or_default();
                bail!(
                    "the workload under `{}` failed: {}",
                    argv.join(" "),
                    said.trim()
                );
            }
            if start.elapsed() > RUN_TIMEOUT {
                bail!("`{}` did not finish; its screen:\n{screen}", argv.join(" "));
            }
            if !session.alive() {
                bail!("`{}` ended early; its screen:\n{screen}", argv.join(" "));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let hwm_kib = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0);
        let _ = Command::new("tmux")
            .args(["send-keys", "-t", &session.0, "q"])
            .status();
        let quit = Instant::now();
        while session.alive() && quit.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(session);
        settle();
        Ok(Sample {
            ns_per_iter: line.ns_per_iter,
            calls: line.calls,
            lost: parse_live_lost(&screen),
            max_rss_kib: hwm_kib,
            ..Sample::default()
        })
    }
}

/// A detached tmux session, killed when dropped.
struct Tmux(String);

impl Tmux {
    fn query(&self, format: &str) -> Result<String> {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.0, format])
            .output()
            .context("running tmux")?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn query_screen(&self) -> Result<String> {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .context("running tmux")?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.0])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

/// The lost count on the live view's status bar: `lost 0`, or `LOST N` once any were lost.
fn parse_live_lost(screen: &str) -> Option<u64> {
    let status = screen
        .lines()
        .rev()
        .find(|l| l.contains("trace finished"))?;
    let words: Vec<&str> = status.split_whitespace().collect();
    words
        .windows(2)
        .find(|p| p[0] == "lost" || p[0] == "LOST")
        .and_then(|p| p[1].parse().ok())
}

/// Wait until no process named `tracer` is left but those that ran before the bench started:
/// tracer hands its probes to a child that detaches them after it has exited
/// (tracer/src/kernel/mod.rs `detach_in_background`), and until then the raw tracepoints still
/// run for every system call and the C library's wrappers still trap. Measured without this,
/// the next run (an untraced one too) paid for them: the noise pair read 1.4x and 1.5x on
/// bind-churn and msg-pingpong.
fn settle() {
    let deadline = Instant::now() + Duration::from_mins(2);
    while tracer_processes()
        .iter()
        .any(|p| !PREEXISTING.get_or_init(Vec::new).contains(p))
    {
        if Instant::now() > deadline {
            eprintln!("xtask: bench: a tracer process is still detaching after 120 s; going on");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `tracer` processes that ran before the bench (someone's live session), not waited for.
static PREEXISTING: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();

/// The processes named `tracer` (`/proc/PID/comm`).
fn tracer_processes() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            (comm.trim_end() == "tracer").then_some(pid)
        })
        .collect()
}

/// Which of the compared tools this machine has; the missing ones are skipped with a reason.
fn available_tools(ctx: &Ctx) -> Result<(Vec<Tool>, Vec<String>)> {
    apt::ensure_packages(ctx, &["strace", "linux-perf", "bpftrace", "tmux"])?;
    let mut tools = Vec::new();
    let mut notes = Vec::new();
    for t in Tool::ALL {
        let probe: Option<&[&str]> = match t {
            Tool::Strace | Tool::StraceNoMatch => Some(&["strace", "-o", "/dev/null", "true"]),
            Tool::PerfTrace => Some(&["perf", "trace", "-o", "/dev/null", "--", "true"]),
            Tool::Bpftrace | Tool::BpftraceCount => Some(&["bpftrace", "-e", "BEGIN { exit(); }"]),
            Tool::TracerLive => Some(&["tmux", "-V"]),
            _ => None,
        };
        if let Some(p) = probe {
            let ok = Command::new(p[0])
                .args(&p[1..])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                notes.push(format!(
                    "{} skipped: `{}` does not work here",
                    t.label(),
                    p.join(" ")
                ));
                continue;
            }
        }
        tools.push(t);
    }
    Ok((tools, notes))
}

fn list_workloads(bin: &Path) -> Result<Vec<Workload>> {
    let out = Command::new(bin)
        .args(["workload", "--list"])
        .output()
        .context("tracer workload --list")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<Workload> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(Workload {
                name: f.next()?.to_string(),
                calls_per_iter: f.next()?.parse().ok()?,
                syscalls: f.next()?.to_string(),
                summary: f.next()?.to_string(),
            })
        })
        .collect();
    if v.is_empty() {
        bail!("`tracer workload --list` listed nothing");
    }
    Ok(v)
}

/// Iterations for a run of `tool` lasting about `seconds`, from a short calibration run.
fn calibrate(b: &Bench, tool: Tool, w: &Workload) -> Result<u64> {
    let probe = 2000;
    let s = b.run_once(tool, w, probe, &[])?;
    let want = b.opts.seconds * 1e9 / s.ns_per_iter.max(1.0);
    Ok((want as u64).clamp(1000, 20_000_000))
}

type Results = BTreeMap<(String, Tool), Vec<Sample>>;
/// Why a configuration failed, by workload and tool.
type Failures = BTreeMap<(String, Tool), String>;

pub fn run(ctx: &Ctx, bin: &Path, opts: &Opts) -> Result<()> {
    PREEXISTING.get_or_init(tracer_processes);
    if !ctx.is_root {
        bail!("cargo xtask bench runs tracer, perf and bpftrace: run it as root (sudo -E)");
    }
    let dir = ctx.root.join("target/bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let (tools, mut notes) = available_tools(ctx)?;
    let mut workloads = list_workloads(bin)?;
    if !opts.only.is_empty() {
        workloads.retain(|w| opts.only.contains(&w.name));
        if workloads.is_empty() {
            bail!("--only matched no workload");
        }
    }
    let b = Bench {
        bin,
        dir: dir.clone(),
        opts,
    };
    let started = Instant::now();
    let mut results: Results = BTreeMap::new();
    let mut costs = BTreeMap::new();
    let mut failed: Failures = BTreeMap::new();
    for w in &workloads {
        let mut iters = BTreeMap::new();
        // A configuration that fails is reported as failed, with why, and the rest go on: a
        // tool that cannot run a workload is a result, not a reason to lose the others.
        let mut fail = |t: Tool, e: anyhow::Error| {
            let why = format!("{e:#}");
            say(&format!(
                "bench {} under {}: failed: {why}",
                w.name,
                t.label()
            ));
            failed.insert((w.name.clone(), t), why);
        };
        for &t in &tools {
            match calibrate(&b, t, w) {
                Ok(n) => {
                    iters.insert(t, n);
                }
                Err(e) if matches!(t, Tool::Untraced) => {
                    return Err(e.context(format!("calibrating {} untraced", w.name)));
                }
                Err(e) => fail(t, e.context("calibrating")),
            }
        }
        say(&format!("bench {}: iterations {iters:?}", w.name));
        for round in 0..opts.runs {
            // Alternate the order round by round, so that no tool always runs after another.
            let mut order = tools.clone();
            order.rotate_left(round % tools.len());
            if round % 2 == 1 {
                order.reverse();
            }
            for t in order {
                let Some(&n) = iters.get(&t) else { continue };
                match b.run_once(t, w, n, &[]) {
                    Ok(s) => results.entry((w.name.clone(), t)).or_default().push(s),
                    Err(e) if matches!(t, Tool::Untraced) => {
                        return Err(e.context(format!("{} untraced", w.name)));
                    }
                    Err(e) => {
                        fail(t, e.context(format!("round {}", round + 1)));
                        iters.remove(&t);
                        results.remove(&(w.name.clone(), t));
                    }
                }
            }
        }
        // The in-kernel cost, in a run of its own: the measuring adds to the run.
        let s = b.run_once(
            Tool::TracerNull,
            w,
            iters[&Tool::TracerNull],
            &["--bpf-stats"],
        )?;
        if let Some(c) = s.cost {
            costs.insert(w.name.clone(), c);
        }
        say(&format!(
            "bench {} done ({:.0} s so far)",
            w.name,
            started.elapsed().as_secs_f64()
        ));
    }
    let mut extra = String::new();
    if !opts.quick
        && let Some(dense) = workloads.iter().find(|w| w.name == "dense")
    {
        match throughput_and_memory(&b, dense) {
            Ok(x) => extra = x,
            Err(e) => {
                say(&format!("throughput and memory: failed: {e:#}"));
                notes.push(format!("the throughput and memory runs failed: {e:#}"));
            }
        }
    } else {
        notes.push("throughput and memory runs skipped (--quick or no dense workload)".into());
    }
    for ((w, t), why) in &failed {
        notes.push(format!("{w} under {} failed: {why}", t.label()));
    }
    let report = report(
        &workloads,
        &tools,
        (&results, &failed),
        &costs,
        &extra,
        &notes,
        opts,
    );
    println!("{report}");
    if opts.write {
        let path = ctx.root.join("docs/performance.md");
        write_between_markers(&path, &report)?;
        say(&format!("wrote {}", path.display()));
    }
    Ok(())
}

/// Throughput at the fastest single-process rate and with two loops on two cores, above it (a
/// small ring), and peak memory and CPU over 10 million calls.
fn throughput_and_memory(b: &Bench, dense: &Workload) -> Result<String> {
    let mut out = String::new();
    let untraced = b.run_once(Tool::Untraced, dense, 200_000, &[])?;
    let traced = b.run_once(Tool::TracerFile, dense, 200_000, &[])?;
    // Ten seconds of the dense loop under tracer, recorded to a file.
    let n = (10e9 / traced.ns_per_iter.max(1.0)) as u64;
    let s = b.run_once(Tool::TracerFile, dense, n, &[])?;
    let secs = s.ns_per_iter * n as f64 / 1e9;
    let setup = s.recorded.unwrap_or(0).saturating_sub(s.calls);
    let _ = writeln!(
        out,
        "- Sustained, one process (the dense loop for {secs:.1} s, recorded to a file): \
         {:.0} calls/s ({:.0} events/s: an entry and an exit each), {} lost. The loop made {} \
         calls; tracer recorded {}, the {setup} more being the workload's start and exit. \
         Untraced, the loop runs at {:.0} calls/s.",
        s.calls as f64 / secs,
        2.0 * s.calls as f64 / secs,
        s.lost.unwrap_or(0),
        s.calls,
        s.recorded.unwrap_or(0),
        2e9 / untraced.ns_per_iter.max(1.0),
    );
    // Two loops: each workload pins itself to the last CPU it may use, so each gets a mask of
    // its own.
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    for (ring, label) in [
        (None, "the default 8 MiB ring"),
        (Some("16"), "a 64 KiB ring"),
    ] {
        let script = if cpus >= 2 {
            format!(
                "taskset -c {a} {b} workload dense -n {n} & taskset -c {c} {b} workload dense -n {n}; wait",
                a = cpus - 2,
                c = cpus - 1,
                b = b.bin.display(),
                n = n / 2
            )
        } else {
            format!(
                "{b} workload dense -n {n} & {b} workload dense -n {n}; wait",
                b = b.bin.display(),
                n = n / 2
            )
        };
        let mut extra = vec!["-o", "/dev/null", "-e", dense.syscalls.as_str()];
        if let Some(pages) = ring {
            extra.extend(["--ring-pages", pages]);
        }
        let argv = b.tracer(&extra, vec!["sh".into(), "-c".into(), script]);
        let (err, _) = Bench::spawn(&argv, RUN_TIMEOUT)?;
        let lines: Vec<WorkloadLine> = err.lines().filter_map(parse_workload_line).collect();
        let made: u64 = lines.iter().map(|w| w.calls).sum();
        let rate: f64 = lines
            .iter()
            .map(|w| w.calls as f64 / (w.ns_per_iter * w.iterations as f64 / 1e9))
            .sum();
        let (recorded, lost) = parse_tracer_summary(&err).context("no tracer summary")?;
        let entries = parse_lost_entries(&err).unwrap_or(0);
        let _ = writeln!(
            out,
            "- Two dense loops on two CPUs, {label}: {rate:.0} calls/s together; the loops made \
             {made} calls; tracer recorded {recorded} and counted {lost} events lost, {entries} \
             of them calls' entries: recorded + lost entries = {} (the rest are the start and \
             exit of the workloads and their shell).",
            recorded + entries
        );
    }
    // Peak memory and CPU: 10 million calls recorded.
    let nomatch = b.run_once(Tool::TracerNoMatch, dense, 1000, &[])?;
    let m = b.run_once(Tool::TracerNull, dense, 5_000_000, &[])?;
    let startup = nomatch.tool_cpu_ns.unwrap_or(0);
    let cpu = m.tool_cpu_ns.unwrap_or(0);
    let _ = writeln!(
        out,
        "- Recording 10 million calls (`tracer record -o /dev/null`, the dense loop, 5 million \
         iterations): peak RSS {:.1} MiB (getrusage: the larger of tracer's and the workload's); \
         tracer's own CPU {:.2} s, of which {:.2} s is its start and exit (a run that records \
         nothing): {:.0} ns per recorded call.",
        m.max_rss_kib as f64 / 1024.0,
        cpu as f64 / 1e9,
        startup as f64 / 1e9,
        cpu.saturating_sub(startup) as f64 / m.recorded.unwrap_or(1).max(1) as f64
    );
    out.push_str(&start_up(b)?);
    out.push_str(&export_at_scale(b, dense)?);
    let live = b.run_live(dense, 5_000_000)?;
    let _ = writeln!(
        out,
        "- The live view over 10 million calls (`tracer live` in a tmux terminal, the same \
         loop): peak RSS {:.1} MiB (tracer's `VmHWM`; the view keeps the newest calls and \
         counts the evicted ones), {} events lost, the loop at {:.0} ns per iteration.",
        live.max_rss_kib as f64 / 1024.0,
        live.lost.map_or("?".into(), |x| x.to_string()),
        live.ns_per_iter
    );
    Ok(out)
}

/// `tracer export` of a 10-million-call recording (the dense loop, 5 million iterations,
/// recorded to a file) to each format, and `-c` (reading, decoding and joining alone: the
/// floor every format stands on): each one's time, rate, peak RSS and output size.
fn export_at_scale(b: &Bench, dense: &Workload) -> Result<String> {
    let file = b.dir.join("export.tracer");
    let argv = b.tracer(
        &["-o", &file.display().to_string(), "-e", &dense.syscalls],
        b.workload_cmd(dense, 5_000_000),
    );
    let (err, _) = Bench::spawn(&argv, RUN_TIMEOUT)?;
    let (calls, lost) = parse_tracer_summary(&err).context("no tracer summary")?;
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len()) as f64 / (1 << 20) as f64;
    let mut out = format!(
        "- Exporting 10 million calls (`tracer export`, the dense loop's recording: {calls} \
         calls, {lost} events lost, {:.0} MiB), one run each, load average {}:\n",
        size(&file),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?"),
    );
    for (what, args) in [
        ("`-c` (read, decode, join; no output)", &["-c"][..]),
        ("`--format text`", &["--format", "text"][..]),
        ("`--format jsonl`", &["--format", "jsonl"][..]),
        ("`--format perfetto`", &["--format", "perfetto"][..]),
    ] {
        let trace = b.dir.join("export.out");
        let _ = std::fs::remove_file(&trace);
        let mut argv: Vec<String> = vec![b.bin.display().to_string(), "export".into()];
        argv.extend(args.iter().map(|a| (*a).to_string()));
        if args[0] != "-c" {
            argv.extend(["-o".into(), trace.display().to_string()]);
        }
        argv.push(file.display().to_string());
        let start = Instant::now();
        let (_, ru) = Bench::spawn(&argv, RUN_TIMEOUT)?;
        let secs = start.elapsed().as_secs_f64();
        let _ = writeln!(
            out,
            "  - {what}: {secs:.1} s, {:.0} calls/s, peak RSS {:.1} MiB (getrusage){}",
            calls as f64 / secs,
            ru.ru_maxrss as f64 / 1024.0,
            if args[0] == "-c" {
                String::new()
            } else {
                format!(", {:.0} MiB written", size(&trace))
            }
        );
        let _ = std::fs::remove_file(&trace);
    }
    // The live view's reader without its ring or terminal: the same records decoded, joined,
    // resolved and fed into the view's model.
    let argv = vec![
        b.bin.display().to_string(),
        "replay".into(),
        "--feed-only".into(),
        file.display().to_string(),
    ];
    let (err, ru) = Bench::spawn(&argv, RUN_TIMEOUT)?;
    let rate = err
        .lines()
        .find_map(|l| l.strip_prefix("tracer: fed "))
        .and_then(|l| l.split(": ").last())
        .context("no rate from tracer replay --feed-only")?;
    let _ = writeln!(
        out,
        "  - the live view's model (`tracer replay --feed-only`: decode, join, resolve, the \
         view's store, objects and statistics, no terminal): {rate}, peak RSS {:.1} MiB",
        ru.ru_maxrss as f64 / 1024.0,
    );
    let _ = std::fs::remove_file(&file);
    Ok(out)
}

/// Runs of `tracer record` around `true` for the start-up row.
const START_RUNS: usize = 12;

/// Start-up: how long after its launch `tracer record --format jsonl -o FILE -- true` records
/// its first event (the first record's `ts_ns`, `CLOCK_BOOTTIME` like the launch time taken
/// here), and how long the whole run takes, back to back.
fn start_up(b: &Bench) -> Result<String> {
    let file = b.dir.join("startup.jsonl");
    let mut first = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..START_RUNS {
        let _ = std::fs::remove_file(&file);
        let argv = b.tracer(
            &["--format", "jsonl", "-o", &file.display().to_string()],
            vec!["true".into()],
        );
        let launched = boottime_ns();
        Bench::spawn(&argv, RUN_TIMEOUT)?;
        whole.push((boottime_ns() - launched) as f64 / 1e6);
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let ts = first_ts_ns(&text).context("no event in the start-up run's output")?;
        first.push(ts.saturating_sub(launched) as f64 / 1e6);
    }
    let _ = std::fs::remove_file(&file);
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let (first_max, whole_max) = (max(&first), max(&whole));
    Ok(format!(
        "- Start-up (`tracer record --format jsonl -o FILE -- true`, {START_RUNS} runs back to \
         back): the first event {:.0} ms after the launch (median; at most {first_max:.0} ms), \
         the whole run {:.0} ms (median; at most {whole_max:.0} ms).\n",
        median(&mut first),
        median(&mut whole),
    ))
}

/// `CLOCK_BOOTTIME`, the clock of a record's `ts_ns`.
fn boottime_ns() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &raw mut t) };
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// The first `"ts_ns":N` of a JSON Lines trace (the header line has none).
fn first_ts_ns(text: &str) -> Option<u64> {
    let at = text.find("\"ts_ns\":")? + "\"ts_ns\":".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// One part of [`throughput_and_memory`] alone, printed (`--startup-only`, `--export-only`):
/// as root, in target/bench, as the whole bench runs it.
fn alone(ctx: &Ctx, bin: &Path, part: impl FnOnce(&Bench) -> Result<String>) -> Result<()> {
    if !ctx.is_root {
        bail!("this part of the bench runs tracer record: run it as root (sudo -E)");
    }
    let dir = ctx.root.join("target/bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let opts = Opts {
        runs: 1,
        seconds: 0.0,
        only: Vec::new(),
        quick: true,
        write: false,
    };
    let b = Bench {
        bin,
        dir,
        opts: &opts,
    };
    print!("{}", part(&b)?);
    Ok(())
}

/// Only the start-up row of [`throughput_and_memory`] (`cargo xtask bench --startup-only`).
pub fn startup_only(ctx: &Ctx, bin: &Path) -> Result<()> {
    alone(ctx, bin, start_up)
}

/// Only the export run of [`throughput_and_memory`] (`cargo xtask bench --export-only`).
pub fn export_only(ctx: &Ctx, bin: &Path) -> Result<()> {
    alone(ctx, bin, |b| {
        let dense = list_workloads(bin)?
            .into_iter()
            .find(|w| w.name == "dense")
            .context("no dense workload")?;
        export_at_scale(b, &dense)
    })
}

fn report(
    workloads: &[Workload],
    tools: &[Tool],
    (results, failed): (&Results, &Failures),
    costs: &BTreeMap<String, String>,
    extra: &str,
    notes: &[String],
    opts: &Opts,
) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "{}\n", machine_line());
    let _ = writeln!(
        r,
        "Median of {} interleaved runs per cell; each cell is the time per loop iteration \
         divided by the untraced median (the untraced time is in ns). \"untraced again\" is \
         the noise.\n",
        opts.runs
    );
    let mut head = "| workload | untraced ns/iter |".to_string();
    let mut rule = "|---|---:|".to_string();
    for t in tools.iter().filter(|t| **t != Tool::Untraced) {
        let _ = write!(head, " {} |", t.label());
        rule.push_str("---:|");
    }
    let _ = writeln!(r, "{head}\n{rule}");
    for w in workloads {
        let med = |t: Tool| {
            results
                .get(&(w.name.clone(), t))
                .map(|v| median(&mut v.iter().map(|s| s.ns_per_iter).collect::<Vec<_>>()))
        };
        let Some(base) = med(Tool::Untraced) else {
            continue;
        };
        let _ = write!(r, "| {} | {base:.0} |", w.name);
        for &t in tools.iter().filter(|t| **t != Tool::Untraced) {
            match med(t) {
                Some(m) => {
                    let _ = write!(r, " {:.2}x |", m / base);
                }
                None if failed.contains_key(&(w.name.clone(), t)) => r.push_str(" failed |"),
                None => r.push_str(" - |"),
            }
        }
        r.push('\n');
    }
    let _ = writeln!(
        r,
        "\nCalls made by the last run's loop, calls recorded (with the workload's own start and \
         exit calls), events lost (the most of any run), peak RSS (the larger of the tool's and \
         the workload's; tracer's CPU per call is in the throughput section, from a long run):\n"
    );
    let _ = writeln!(
        r,
        "| workload | configuration | calls made | calls recorded | lost | peak RSS MiB |\n|---|---|---:|---:|---:|---:|"
    );
    for w in workloads {
        for &t in tools.iter().filter(|t| {
            t.is_tracer() || matches!(t, Tool::TracerLive | Tool::Bpftrace | Tool::BpftraceCount)
        }) {
            let Some(v) = results.get(&(w.name.clone(), t)) else {
                continue;
            };
            let last = &v[v.len() - 1];
            let lost = v.iter().filter_map(|s| s.lost).max();
            let rss = v.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
            let _ = writeln!(
                r,
                "| {} | {} | {} | {} | {} | {:.1} |",
                w.name,
                t.label(),
                last.calls,
                last.recorded.map_or("-".into(), |x| x.to_string()),
                lost.map_or("-".into(), |x| x.to_string()),
                rss as f64 / 1024.0
            );
        }
    }
    if !costs.is_empty() {
        let _ = writeln!(
            r,
            "\nIn-kernel cost per program run (`tracer record --bpf-stats`, a run of its own; \
             the programs run for every system call of the machine and return early for the \
             ones not traced):\n"
        );
        for w in workloads {
            if let Some(c) = costs.get(&w.name) {
                let _ = writeln!(r, "- {}: {c}", w.name);
            }
        }
    }
    if !extra.is_empty() {
        let _ = writeln!(r, "\nThroughput and memory:\n\n{extra}");
    }
    let _ = writeln!(r, "\nWorkloads (`tracer workload --list`):\n");
    for w in workloads {
        let _ = writeln!(
            r,
            "- `{}`: {} ({} calls per iteration: {})",
            w.name, w.summary, w.calls_per_iter, w.syscalls
        );
    }
    for n in notes {
        let _ = writeln!(r, "\nNote: {n}");
    }
    r
}

fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let date =
        util::probe(Command::new("date").arg("-u").arg("+%Y-%m-%d %H:%M UTC")).unwrap_or_default();
    let commit =
        util::probe(Command::new("git").args(["rev-parse", "--short", "HEAD"])).unwrap_or_default();
    format!(
        "Measured {} on {cpu}, {cores} cores, Linux {kernel}, tracer at commit {}.",
        date.trim(),
        commit.trim()
    )
}

/// Replaces the text between the markers of `path` (or appends the markers).
fn write_between_markers(path: &Path, body: &str) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{MARK_START}\n{body}\n{MARK_END}");
    let new = match (old.find(MARK_START), old.find(MARK_END)) {
        (Some(a), Some(z)) if a < z => {
            format!("{}{block}{}", &old[..a], &old[z + MARK_END.len()..])
        }
        _ => format!("{old}\n{block}\n"),
    };
    std::fs::write(path, new).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_line() {
        let err = "tracer: something\nworkload dense iterations=300000 calls=600000 \
                   ns_per_iter=2113.1 cpu_ns=629799000\n";
        assert_eq!(
            parse_workload_line(err),
            Some(WorkloadLine {
                iterations: 300_000,
                calls: 600_000,
                ns_per_iter: 2113.1,
                cpu_ns: 629_799_000
            })
        );
        assert_eq!(parse_workload_line("workload dense iterations=x"), None);
    }

    #[test]
    fn tracer_summary_and_bpftrace_lost() {
        let err = "tracer: 1200038 events recorded (600018 calls, 138.4 MiB), 7 events lost; \
                   the command exit status: 0\n";
        assert_eq!(parse_tracer_summary(err), Some((600_018, 7)));
        assert_eq!(parse_tracer_summary("tracer: hello"), None);
        assert_eq!(parse_lost_entries(err), None);
        let lossy = "tracer: 10 events recorded (4 calls, 1 KiB), 7 events lost (3 of them calls' \
                     entries)\n";
        assert_eq!(parse_tracer_summary(lossy), Some((4, 7)));
        assert_eq!(parse_lost_entries(lossy), Some(3));
        let jsonl = "tracer: 4020 calls recorded, 9 events lost (2 of them calls' entries); the \
                     command exited with 0\n";
        assert_eq!(parse_tracer_summary(jsonl), Some((4020, 9)));
        assert_eq!(parse_lost_entries(jsonl), Some(2));
        assert_eq!(
            parse_bpftrace_lost("Lost 12 events\nx\n  Lost 3 events\n"),
            15
        );
    }

    #[test]
    fn live_lost_from_the_status_bar() {
        let fine =
            "calls...\ncommand exited (exit status: 0), trace finished │ lost 0 │ 0 ev/s │\n";
        assert_eq!(parse_live_lost(fine), Some(0));
        let lossy = "command exited (exit status: 0), trace finished │ LOST 1234 │ 0 ev/s │";
        assert_eq!(parse_live_lost(lossy), Some(1234));
        assert_eq!(parse_live_lost("tracing: command running │ lost 0 │"), None);
    }

    #[test]
    fn the_first_event_time_of_a_trace() {
        let t = "{\"format\":\"tracer-jsonl\"}\n{\"comm\":\"t\",\"ts_ns\":1234,\"type\":\"exec\"}\n\
                 {\"type\":\"syscall\",\"ts_ns\":99}\n";
        assert_eq!(first_ts_ns(t), Some(1234));
        assert_eq!(first_ts_ns("{\"format\":\"tracer-jsonl\"}\n"), None);
    }

    #[test]
    fn medians() {
        assert!((median(&mut [3.0, 1.0, 2.0]) - 2.0).abs() < 1e-9);
        assert!((median(&mut [4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-9);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn markers_are_replaced_or_added() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("perf.md");
        std::fs::write(&p, "# Title\n\nhand-written\n").unwrap();
        write_between_markers(&p, "one").unwrap();
        write_between_markers(&p, "two").unwrap();
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.starts_with("# Title\n\nhand-written\n"), "{s}");
        assert!(
            s.contains("<!-- bench:start -->\ntwo\n<!-- bench:end -->"),
            "{s}"
        );
        assert!(!s.contains("one"), "{s}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
