//! tracer: an eBPF syscall tracing and teaching tool. See README.md.

/// `println!` that returns the error (a full disk, a closed pipe) instead of panicking: tracer
/// reports it in one line and exits non-zero.
#[macro_export]
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::write_stdout(format_args!($($t)*), true)
    };
}

/// `print!` of a whole text, as [`outln!`].
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => {
        $crate::write_stdout(format_args!($($t)*), false)
    };
}

/// What [`outln!`] and [`out!`] do: write, flush, and name standard output in the error.
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| out.flush())
        .map_err(|e| std::io::Error::new(e.kind(), format!("writing standard output: {e}")))
}

mod capture;
mod cli;
mod decode;
mod demo;
mod doctor;
mod escape;
mod event;
mod explain;
mod export;
mod fastfmt;
mod fasthash;
mod fds;
#[cfg(test)]
mod hostile_tests;
mod invoker;
mod jsonl;
mod kernel;
mod live;
mod outfile;
mod output;
mod record;
mod recording;
mod summary;
mod syscalls;
mod trace;
mod usersym;
mod versions;
mod walkthrough;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    // Rust ignores SIGPIPE, so a write to a closed pipe (`tracer doctor | head`) is an error, and
    // println! turns it into a panic; with the default action tracer ends quietly, as other Unix
    // tools do. Not for the demos: a lesson traces exactly the calls its program makes, and
    // this would add an rt_sigaction to each.
    if !matches!(
        cli.command,
        Some(Command::Demo { .. } | Command::Workload { .. })
    ) {
        // SAFETY: before any thread exists; changes only this process's SIGPIPE action.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    // Ok(status): the exit status, the traced command's for record and live.
    let result: anyhow::Result<i32> = match cli.command {
        Some(Command::Record(args)) => record::run(&args),
        Some(Command::Live(args)) => live::run(&args),
        None => live::run(&cli.live),
        Some(other) => run(other).map(|()| 0),
    };
    if let Err(e) = result {
        // One line: the error and its causes.
        let mut parts: Vec<String> = e.chain().map(ToString::to_string).collect();
        parts.dedup();
        eprintln!("tracer: {}", parts.join(": "));
        let code = if e.downcast_ref::<capture::PrivilegeError>().is_some() {
            2
        } else {
            1
        };
        std::process::exit(code);
    }
    if let Ok(code) = result
        && code != 0
    {
        std::process::exit(code);
    }
}

/// The commands that run no traced command.
fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Record(_) | Command::Live(_) => unreachable!("handled by main"),
        Command::Export(args) => export::run(&args),
        Command::Demo {
            name: Some(name),
            list: false,
        } => demo::run(&name),
        Command::Demo { .. } => print_lines(
            demo::list()
                .iter()
                .map(|d| format!("{:16} {}", d.name, d.summary)),
        ),
        Command::Workload {
            name: Some(name),
            list: false,
            iterations,
        } => demo::workload::run(&name, iterations),
        Command::Workload { .. } => print_lines(demo::workload::WORKLOADS.iter().map(|w| {
            format!(
                "{}\t{}\t{}\t{}",
                w.name, w.calls_per_iter, w.syscalls, w.summary
            )
        })),
        Command::Doctor => doctor::run(),
        Command::Explain {
            syscall,
            list,
            all,
            abi,
            family,
            cpu,
            lang,
        } => {
            let opts = explain::Options {
                abi: abi.map(Into::into),
                family,
                fast32: cpu.map(cli::CpuArg::fast_entry32),
                lang,
            };
            match syscall {
                _ if all => explain::run_all(&opts),
                Some(name) if !list => explain::run(&name, &opts),
                _ => explain::list(),
            }
        }
        Command::Replay {
            file,
            keep,
            decode_fds,
            feed_only: true,
        } => live::replay::feed_only(&file, keep, fds::Detail::from_count(decode_fds)),
        Command::Replay {
            file,
            keep,
            decode_fds,
            feed_only: false,
        } => live::replay::run(&file, keep, fds::Detail::from_count(decode_fds)),
        Command::Walkthrough {
            lesson,
            list,
            print,
            format,
            lang,
            from,
        } => walkthrough::run(&walkthrough::Args {
            lesson,
            list,
            print,
            format,
            lang,
            from,
        }),
    }
}

/// Lines on standard output; a full disk or a closed pipe is an error, not a panic.
fn print_lines(lines: impl Iterator<Item = String>) -> anyhow::Result<()> {
    for l in lines {
        outln!("{l}")?;
    }
    Ok(())
}
