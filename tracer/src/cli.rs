//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// tracer: see, and teach, how a program's calls enter the Linux kernel.
#[derive(Parser, Debug)]
#[command(
    name = "tracer",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a subcommand, tracer runs `live` with these options.
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Record socket and IPC calls, with decoded arguments, as text or JSON Lines.
    Record(RecordArgs),
    /// Watch calls as they happen in a terminal UI, each with its journey into the kernel (the
    /// default when no subcommand is given).
    Live(LiveArgs),
    /// Export a recording in tracer's native format (`record -o FILE`) as JSON Lines,
    /// strace-like text, Perfetto's protobuf trace (ui.perfetto.dev, trace_processor) or
    /// Chrome trace-event JSON. Needs no root.
    Export(ExportArgs),
    /// Run a built-in demo program (what the lessons and tests trace).
    Demo {
        /// The demo to run.
        name: Option<String>,
        /// List the demos.
        #[arg(long)]
        list: bool,
    },
    /// Check this machine: kernel, BTF, lockdown, privileges, and which probe kinds load here.
    Doctor,
    /// How a call enters this kernel: the wrapper, the registers, the table slot, the
    /// dispatcher, every kernel function on the way and whether tracer can observe it here.
    Explain {
        /// The syscall, e.g. bind, pipe2, msgsnd (`--list` lists them).
        syscall: Option<String>,
        /// List the syscalls it explains, one a line.
        #[arg(long, conflicts_with = "all")]
        list: bool,
        /// Print the page of every syscall it explains (of a socket call, one per address
        /// family), each after a `=== NAME` line: to check them all against a kernel.
        #[arg(long, conflicts_with_all = ["syscall", "family"])]
        all: bool,
        /// The CPU whose ia32 fast entry to show: the vDSO's __kernel_vsyscall executes
        /// `sysenter` on Intel (and others), `syscall` on AMD and Hygon (default: this CPU).
        #[arg(long, value_enum)]
        cpu: Option<CpuArg>,
        /// Only this ABI (default: both).
        #[arg(long, value_enum)]
        abi: Option<AbiArg>,
        /// For socket calls that take an address: the family whose protocol operation to show
        /// (default unix).
        #[arg(long, value_enum)]
        family: Option<crate::explain::Family>,
        /// The language (default: from LANG).
        #[arg(long, value_enum)]
        lang: Option<crate::walkthrough::Lang>,
    },
    /// Explore a native recording in the live view, without root: play it at 1x, 10x or full
    /// speed, pause, jump.
    Replay {
        /// The recording (`tracer record -o FILE`).
        file: PathBuf,
        /// Calls kept in memory; the oldest are dropped beyond it, and counted.
        #[arg(long = "keep", default_value_t = 100_000)]
        keep: usize,
        /// Say what each descriptor is, as `tracer live -y` does (-yy says more).
        #[arg(short = 'y', action = clap::ArgAction::Count)]
        decode_fds: u8,
        /// For `cargo xtask bench`: feed the whole recording into the view's model as fast as it
        /// reads, without a terminal, and report the rate on standard error.
        #[arg(long = "feed-only", hide = true)]
        feed_only: bool,
    },
    /// A benchmark workload for `cargo xtask bench`: a timed loop of calls, reported on stderr.
    #[command(hide = true)]
    Workload {
        /// dense, socketpair-pingpong, pipe-pingpong, bind-churn, msg-pingpong, socketcall32.
        name: Option<String>,
        /// List the workloads: name, calls per iteration, the calls, a summary (tab separated).
        #[arg(long)]
        list: bool,
        /// Iterations of the loop.
        #[arg(short = 'n', long = "iterations", default_value_t = 100_000)]
        iterations: u64,
    },
    /// Step through a lesson with the values of a real run (as root) or of a recording (`--from`), e.g. `socketcall`.
    Walkthrough {
        /// The lesson (`--list` lists them).
        lesson: Option<String>,
        /// List the lessons.
        #[arg(long)]
        list: bool,
        /// Print every step, for a handout, instead of stepping through them.
        #[arg(long)]
        print: bool,
        /// The format of `--print`.
        #[arg(long, value_enum, default_value_t = crate::walkthrough::PrintFormat::Text)]
        format: crate::walkthrough::PrintFormat,
        /// The language (default: from LANG).
        #[arg(long, value_enum)]
        lang: Option<crate::walkthrough::Lang>,
        /// Take the values from a native recording of the lesson's demo (`sudo tracer record
        /// -s 256 -o FILE -- tracer demo NAME`) instead of a run: needs no root. Give it once
        /// per demo for a lesson with several.
        #[arg(long = "from", value_name = "FILE")]
        from: Vec<PathBuf>,
    },
}

/// What `tracer record` writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// tracer's own recording: what the kernel sent, framed and checksummed.
    Native,
    /// One JSON object per line (docs/trace-format.md).
    Jsonl,
    /// strace-like lines.
    Text,
    /// Perfetto's protobuf trace for ui.perfetto.dev and trace_processor, written when the
    /// recording ends.
    Perfetto,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AbiArg {
    #[value(name = "x86_64")]
    X86_64,
    Ia32,
}

/// A CPU vendor, for the ia32 entry instruction its vDSO uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CpuArg {
    Intel,
    Amd,
}

impl CpuArg {
    /// The entry instruction (`tracer_common::ENTRY_*`) the vDSO executes on this vendor's CPUs.
    pub fn fast_entry32(self) -> u8 {
        match self {
            CpuArg::Intel => tracer_common::ENTRY_SYSENTER,
            CpuArg::Amd => tracer_common::ENTRY_SYSCALL,
        }
    }
}

impl From<AbiArg> for crate::syscalls::Abi {
    fn from(a: AbiArg) -> Self {
        match a {
            AbiArg::X86_64 => crate::syscalls::Abi::X86_64,
            AbiArg::Ia32 => crate::syscalls::Abi::Ia32,
        }
    }
}

/// Which processes and calls to trace.
#[derive(Args, Debug, Clone)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches, as clap derives them"
)]
pub struct Scope {
    /// Trace this process, its threads and its children (repeatable).
    #[arg(short = 'p', long = "pid")]
    pub pids: Vec<u32>,
    /// What to trace, as strace's -e takes it: any syscall by name (bind,openat), strace's
    /// classes (%file %process %network %signal %ipc %desc %memory %creds %clock %stat ...),
    /// tracer's %io, `all` or `none`, optionally as `trace=SET`; `!` before a set traces every
    /// call but those (`-e '!write'`); `status=failed` (or successful, unfinished, with `!`)
    /// writes only the calls that ended so. Default: the socket, IPC and signal calls, plus, for
    /// a command or pid, read/write/close and the calls that shape a descriptor's life.
    #[arg(short = 'e', long = "syscalls", allow_hyphen_values = true)]
    pub syscalls: Vec<String>,
    /// Accepted as strace takes it: tracer always follows a traced command's or pid's threads
    /// and children (-ff too, with one output).
    #[arg(short = 'f', action = clap::ArgAction::Count)]
    pub follow: u8,
    /// Accepted as strace takes them: the text output always starts each line with the time
    /// of day in microseconds (strace's -tt) and ends it with the time spent in the call (-T).
    #[arg(short = 't', action = clap::ArgAction::Count)]
    pub timestamps: u8,
    #[arg(short = 'T', hide = true)]
    pub call_times: bool,
    /// strace's relative timestamps: refused (tracer's text shows the time of day, as -tt).
    #[arg(short = 'r', hide = true)]
    pub relative: bool,
    /// Only processes with this command name (repeatable). (`-c` was this before it became
    /// strace's `-c`, the summary table.)
    #[arg(long = "comm")]
    pub comms: Vec<String>,
    /// Also probe the C library's wrappers with uprobes, to see where each wrapper was called
    /// from. Each probed call then costs a breakpoint trap, in every process of the machine,
    /// and start-up and exit attach and detach the probes (seconds). Without it the wrapper
    /// step is still observed, from the saved user instruction pointer, at no cost.
    #[arg(long = "wrapper-probes", conflicts_with = "no_wrappers")]
    pub wrapper_probes: bool,
    /// No effect: not probing the wrappers is the default since their step is observed
    /// without probes. Accepted so that scripts written for older tracers keep working.
    #[arg(long = "no-wrappers")]
    pub no_wrappers: bool,
    /// Slow the traced programs to tracer's pace when tracer falls behind: the kernel side
    /// wakes tracer at every event until it catches up, which loses nothing unless the ring
    /// still fills. By default tracer never slows them: when it falls behind, the kernel side
    /// wakes it at most once per quarter ring drained, and events that do not fit the ring are
    /// dropped, counted and placed where they were lost.
    #[arg(long = "backpressure")]
    pub backpressure: bool,
    /// No effect: not slowing the traced programs is the default. Accepted so that scripts
    /// written for older tracers keep working.
    #[arg(long = "no-backpressure", conflicts_with = "backpressure")]
    pub no_backpressure: bool,
    /// KiB of records each CPU gathers before sending them to tracer together, at most 12 (0:
    /// each call as it returns). A CPU's calls also go on when its task blocks, wakes another
    /// or exits, and every 10 ms. For measuring (docs/performance.md); the default is the bench's choice.
    #[arg(long = "batch-kib", default_value_t = crate::capture::BATCH_KIB, hide = true,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(crate::capture::BATCH_KIB)))]
    pub batch_kib: u32,
    /// Bytes of each payload to capture (at most 1024).
    #[arg(short = 's', long = "snaplen", default_value_t = 32)]
    pub snaplen: u32,
    /// The command to run and trace, with all its descendants.
    #[arg(last = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct RecordArgs {
    /// Where to write the trace (`-` for standard output).
    #[arg(short = 'o', long = "output", default_value = "-")]
    pub output: PathBuf,
    /// Default: `native` when writing to a file (`tracer export` and `tracer replay` read it),
    /// `text` on standard output.
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Text format: show each call's path through the kernel beneath it (observed hops `*`,
    /// inferred `.`). JSON Lines always carries it as `kernel_path`.
    #[arg(short = 'k', long = "kernel-path")]
    pub kernel_path: bool,
    /// Text format: say what each descriptor is, as strace's -y does (`3</etc/hostname>`,
    /// `5<pipe:[1234]>`); -yy says more (`4<UNIX-STREAM:[10527->10528]>`,
    /// `7</dev/null<char 1:3>>`). JSON Lines always carries it as `fds`.
    #[arg(short = 'y', action = clap::ArgAction::Count)]
    pub decode_fds: u8,
    /// Stop after this many seconds (a traced command is then passed SIGTERM, and killed if it
    /// has not exited 2 s later).
    #[arg(long, value_parser = seconds)]
    pub duration: Option<std::time::Duration>,
    /// Ring buffer size in MiB (a power of two).
    #[arg(long = "ring-mib", default_value_t = 8)]
    pub ring_mib: u32,
    /// Measure the in-kernel cost of tracer's eBPF programs (the kernel's BPF run-time
    /// statistics) and report it at the end. The measuring adds a little to every run.
    #[arg(long = "bpf-stats")]
    pub bpf_stats: bool,
    /// Ring buffer size in pages, overriding --ring-mib (for tests that overflow it).
    #[arg(long = "ring-pages", hide = true)]
    pub ring_pages: Option<u32>,
    #[command(flatten)]
    pub summary: SummaryArgs,
    #[command(flatten)]
    pub scope: Scope,
}

/// strace's summary table (`-c`, `-C`, `-S`, `-w`), of `record` and `export`.
#[derive(Args, Debug, Clone)]
pub struct SummaryArgs {
    /// As strace's -c: count the calls and print strace's summary table at the end (% time,
    /// seconds, usecs/call, calls, errors, per syscall) instead of the trace; into -o FILE,
    /// else on standard error.
    #[arg(short = 'c', long = "summary-only", conflicts_with = "summary")]
    pub only: bool,
    /// As strace's -C: the trace, then the summary table (after the trace in -o FILE as text,
    /// else on standard error).
    #[arg(short = 'C', long = "summary")]
    pub summary: bool,
    /// The table's order: time (the default), avg-time, calls, errors, name or nothing, as
    /// strace's -S takes them.
    #[arg(short = 'S', long = "summary-sort-by", value_name = "SORTBY", value_parser = sort_by)]
    pub sort_by: Option<crate::summary::SortBy>,
    /// Accepted as strace takes it: tracer's times are always wall-clock time, from the call's
    /// entry to its exit in the kernel (strace's default is the system CPU time).
    #[arg(short = 'w', long = "summary-wall-clock")]
    pub wall_clock: bool,
}

fn sort_by(s: &str) -> Result<crate::summary::SortBy, String> {
    s.parse()
}

#[derive(Args, Debug, Clone)]
pub struct LiveArgs {
    /// Where the traced command's standard output and error go (default: a new file in the
    /// temporary directory, named on the status bar): they must not write over the screen.
    #[arg(long = "command-output")]
    pub command_output: Option<PathBuf>,
    /// Calls kept in memory; the oldest are dropped beyond it, and counted.
    #[arg(long = "keep", default_value_t = 100_000)]
    pub keep: usize,
    /// Ring buffer size in MiB (a power of two).
    #[arg(long = "ring-mib", default_value_t = 8)]
    pub ring_mib: u32,
    /// Say what each descriptor is in the list and the journey, as strace's -y does
    /// (`read(3</etc/hostname>, ...)`); -yy says more (`4<UNIX-STREAM:[10527->10528]>`).
    #[arg(short = 'y', action = clap::ArgAction::Count)]
    pub decode_fds: u8,
    /// `-c NAME`, the command-name filter before `-c` became strace's summary: refused with
    /// where it went.
    #[arg(short = 'c', hide = true)]
    pub old_comm: Vec<String>,
    #[command(flatten)]
    pub scope: Scope,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// The recording.
    pub file: PathBuf,
    /// Default: jsonl.
    #[arg(long, value_enum)]
    pub format: Option<crate::export::ExportFormat>,
    /// Where to write the export (`-` for standard output).
    #[arg(short = 'o', long = "output", default_value = "-")]
    pub output: PathBuf,
    /// Text format: show each call's path through the kernel beneath it.
    #[arg(short = 'k', long = "kernel-path")]
    pub kernel_path: bool,
    /// Text format: say what each descriptor is (-y, -yy: as `tracer record -y`).
    #[arg(short = 'y', action = clap::ArgAction::Count)]
    pub decode_fds: u8,
    /// Show only these calls (as `record -e`: names, %classes, `!`, `trace=`, `status=`). The
    /// others still tell -y what their descriptors are.
    #[arg(short = 'e', long = "syscalls", allow_hyphen_values = true)]
    pub syscalls: Vec<String>,
    #[command(flatten)]
    pub summary: SummaryArgs,
}

/// The longest `--duration`: ten years, far below what the clocks overflow at.
const MAX_SECONDS: f64 = 10.0 * 365.0 * 86_400.0;

/// `--duration`: a number of seconds, finite and not negative.
fn seconds(s: &str) -> Result<std::time::Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !v.is_finite() || !(0.0..=MAX_SECONDS).contains(&v) {
        return Err(format!(
            "{s:?}: give a number of seconds from 0 to {MAX_SECONDS:.0}"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn durations_that_are_not_a_time_are_refused() {
        assert_eq!(seconds("1.5"), Ok(std::time::Duration::from_millis(1500)));
        assert_eq!(seconds("0"), Ok(std::time::Duration::ZERO));
        for bad in ["inf", "1e400", "nan", "NaN", "-1", "-0.5", "1e12", "x", ""] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }
}
