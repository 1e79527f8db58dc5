//! `cargo xtask`: builds the eBPF object and the tracer, runs it, and runs every test.

mod apt;
mod bench;
mod ebpf;
mod fuzz;
mod gensys;
mod python;
mod run;
mod test;
mod toolchain;
mod userspace;
mod util;
mod vm;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run and test tracer")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the eBPF object and target/release/tracer (installing the eBPF toolchain if needed)
    Build {
        /// Build the user-space tracer in the dev profile (target/debug/tracer) instead
        #[arg(long)]
        debug: bool,
    },
    /// Build, then run the tracer as root (through `sudo -E` if needed): cargo xtask run -- ARGS
    Run {
        /// Build the user-space tracer in the dev profile (target/debug/tracer) instead
        #[arg(long)]
        debug: bool,
        /// Arguments for the tracer
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run every test: fmt, clippy, unit and integration tests (stops at the first failure)
    Test,
    /// Measure tracer's overhead beside strace, perf trace and bpftrace (as root; installs them);
    /// prints the tables and writes them into docs/performance.md
    Bench {
        /// Interleaved runs of every configuration
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Target length of one run's timed loop, in seconds
        #[arg(long, default_value_t = 0.4)]
        seconds: f64,
        /// Only these workloads (comma separated; `tracer workload --list`)
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Skip the throughput and memory runs
        #[arg(long)]
        quick: bool,
        /// Only export a 10-million-call recording to each format (and -c): time, rate, peak RSS
        #[arg(long)]
        export_only: bool,
        /// Only the start-up row: first event and whole run of `tracer record -- true`, 12 runs
        #[arg(long)]
        startup_only: bool,
        /// Print the tables only; leave docs/performance.md as it is
        #[arg(long)]
        no_write: bool,
    },
    /// Only the VM step of `test`: boot a Debian 6.1 cloud kernel under QEMU and run tracer there
    Vm,
    /// Fuzz the recording reader (tracer/fuzz) with libFuzzer on stable Rust, over a copy of the
    /// committed corpus, for a bounded time; fails naming the input of any crash
    Fuzz {
        /// How long libFuzzer runs, after the build
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// Write tracer/src/syscalls/generated.rs from a kernel tree's syscall_64.tbl and
    /// syscall_32.tbl and tracer/src/syscalls/signatures.txt
    GenSyscalls {
        /// A Linux source tree (for example Debian's linux-source package, unpacked)
        #[arg(long)]
        kernel: PathBuf,
    },
}

/// What every step needs to know about this machine and workspace.
pub struct Ctx {
    pub root: PathBuf,
    pub is_root: bool,
    pub os: util::OsRelease,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx {
        root: Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the workspace")
            .to_path_buf(),
        is_root: util::euid() == 0,
        os: util::OsRelease::read(),
    };
    let result = match cli.cmd {
        Cmd::Build { debug } => build(&ctx, debug).map(|_| 0),
        Cmd::Run { debug, args } => build(&ctx, debug).and_then(|bin| run::run(&ctx, &bin, &args)),
        Cmd::Test => test::test(&ctx).map(|()| 0),
        Cmd::Bench {
            export_only: true, ..
        } => build(&ctx, false)
            .and_then(|bin| bench::export_only(&ctx, &bin))
            .map(|()| 0),
        Cmd::Bench {
            startup_only: true, ..
        } => build(&ctx, false)
            .and_then(|bin| bench::startup_only(&ctx, &bin))
            .map(|()| 0),
        Cmd::Bench {
            runs,
            seconds,
            only,
            quick,
            no_write,
            export_only: false,
            startup_only: false,
        } => build(&ctx, false)
            .and_then(|bin| {
                bench::run(
                    &ctx,
                    &bin,
                    &bench::Opts {
                        runs: runs.max(1),
                        seconds,
                        only,
                        quick,
                        write: !no_write,
                    },
                )
            })
            .map(|()| 0),
        Cmd::Vm => build(&ctx, false)
            .and_then(|bin| vm::run(&ctx, &bin))
            .map(|()| 0),
        Cmd::Fuzz { seconds } => fuzz::fuzz(&ctx, seconds).map(|()| 0),
        Cmd::GenSyscalls { kernel } => gensys::generate(&ctx, &kernel).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            // `{e:?}` would add a backtrace when RUST_BACKTRACE is set: show only the causes.
            eprintln!("xtask: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Toolchain, eBPF object, then the tracer binary; returns the binary's path.
fn build(ctx: &Ctx, debug: bool) -> Result<PathBuf> {
    let tc = toolchain::ensure(ctx)?;
    let obj = ebpf::build(&ctx.root, &tc)?;
    userspace::build(&ctx.root, &obj, debug)
}
