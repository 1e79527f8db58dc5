//! tracer: an eBPF syscall tracing and teaching tool. See README.md.

mod capture;
mod cli;
mod decode;
mod demo;
mod doctor;
mod event;
mod explain;
mod export;
mod kernel;
mod live;
mod output;
mod record;
mod recording;
mod syscalls;
mod trace;
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
    let result = match cli.command {
        Some(Command::Record(args)) => record::run(&args),
        Some(Command::Export(args)) => export::run(&args),
        Some(Command::Live(args)) => live::run(&args),
        Some(Command::Demo {
            name: Some(name),
            list: false,
        }) => demo::run(&name),
        Some(Command::Demo { .. }) => {
            for d in demo::list() {
                println!("{:16} {}", d.name, d.summary);
            }
            Ok(())
        }
        Some(Command::Workload {
            name: Some(name),
            list: false,
            iterations,
        }) => demo::workload::run(&name, iterations),
        Some(Command::Workload { .. }) => {
            for w in &demo::workload::WORKLOADS {
                println!(
                    "{}\t{}\t{}\t{}",
                    w.name, w.calls_per_iter, w.syscalls, w.summary
                );
            }
            Ok(())
        }
        Some(Command::Doctor) => doctor::run(),
        Some(Command::Explain {
            syscall,
            abi,
            family,
        }) => explain::run(&syscall, abi.map(Into::into), family),
        Some(Command::Replay { file, keep }) => live::replay::run(&file, keep),
        Some(Command::Walkthrough {
            lesson,
            list,
            print,
            format,
            lang,
        }) => walkthrough::run(&walkthrough::Args {
            lesson,
            list,
            print,
            format,
            lang,
        }),
        None => live::run(&cli.live),
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
}
