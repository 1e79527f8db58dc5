//! `cargo xtask run`: build, then run the tracer (through `sudo -E` unless already root),
//! passing on its exit code.

use std::path::Path;
use std::process::{Command, ExitStatus};

use anyhow::Result;

use crate::{Ctx, util};

pub fn run(ctx: &Ctx, bin: &Path, args: &[String]) -> Result<i32> {
    let mut cmd = if ctx.is_root {
        Command::new(bin)
    } else {
        let mut c = Command::new("sudo");
        c.arg("-E").arg(bin);
        c
    };
    cmd.args(args);
    // Ctrl-C reaches the tracer too (same process group); wait for it to finish and report
    // its exit code instead of dying first.
    ignore_sigint_while_waiting();
    let status = util::status(&mut cmd)?;
    Ok(exit_code(status))
}

/// A no-op SIGINT handler (unlike `SIG_IGN`, handlers are not inherited across exec).
fn ignore_sigint_while_waiting() {
    extern "C" fn noop(_: libc::c_int) {}
    // SAFETY: installs an async-signal-safe handler that does nothing.
    unsafe {
        libc::signal(libc::SIGINT, noop as *const () as libc::sighandler_t);
    }
}

/// The shell's convention: the exit code, or 128 + the signal that killed it.
fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(libc::SIGINT)), 130);
    }
}
