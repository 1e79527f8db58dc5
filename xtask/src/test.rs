//! `cargo xtask test`: every check in order, stopping at the first failure.

use std::path::Path;

use anyhow::Result;

use crate::toolchain::EbpfToolchain;
use crate::{Ctx, apt, ebpf, python, toolchain, userspace, util, vm};

/// What a step did; only steps that really ran appear in the final summary.
enum Outcome {
    Passed,
    /// The step has nothing to do yet (it is not reported as passed).
    NotRun,
}

struct Step {
    label: &'static str,
    run: fn(&Ctx, &Path, &EbpfToolchain) -> Result<Outcome>,
}

const STEPS: &[Step] = &[
    Step {
        label: "fmt",
        run: fmt,
    },
    Step {
        label: "clippy",
        run: clippy,
    },
    Step {
        label: "unit+integration",
        run: unit_and_integration,
    },
    Step {
        label: "vm",
        run: vm_test,
    },
];

pub fn test(ctx: &Ctx) -> Result<()> {
    let tc = toolchain::ensure(ctx)?;
    // gcc-multilib builds the 32-bit test program; tmux is the terminal the live UI's
    // end-to-end test runs in; strace and python3 run the comparison with strace
    // (tracer/tests/strace_compare.rs); python3-venv holds Perfetto's schema for reading
    // `export --format perfetto` back (tracer/tests/perfetto_check.py).
    // The route's clippy lints the eBPF crate (Debian's rust-web-clippy for rustc-web).
    let mut packages = vec!["gcc-multilib", "tmux", "strace", "python3", "python3-venv"];
    packages.extend(tc.clippy_packages());
    apt::ensure_packages(ctx, &packages)?;
    python::ensure_perfetto(ctx)?;
    let obj = ebpf::build(&ctx.root, &tc)?;
    let mut passed = Vec::new();
    for step in STEPS {
        match (step.run)(ctx, &obj, &tc)? {
            Outcome::Passed => passed.push(step.label),
            Outcome::NotRun => {}
        }
    }
    util::say(&format!("all tests passed ({})", passed.join(", ")));
    Ok(())
}

fn fmt(ctx: &Ctx, obj: &Path, _: &EbpfToolchain) -> Result<Outcome> {
    util::run(userspace::cargo(&ctx.root, obj).args(["fmt", "--all", "--check"]))?;
    Ok(Outcome::Passed)
}

/// User space with the host's clippy, then the eBPF crate for its target with the eBPF
/// toolchain's.
fn clippy(ctx: &Ctx, obj: &Path, tc: &EbpfToolchain) -> Result<Outcome> {
    util::run(userspace::cargo(&ctx.root, obj).args([
        "clippy",
        "--workspace",
        "--exclude",
        "tracer-ebpf",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    ebpf::clippy(&ctx.root, tc)?;
    Ok(Outcome::Passed)
}

fn unit_and_integration(ctx: &Ctx, obj: &Path, _: &EbpfToolchain) -> Result<Outcome> {
    let mut cmd = userspace::cargo(&ctx.root, obj);
    cmd.args(["test", "--workspace", "--exclude", "tracer-ebpf"]);
    if !ctx.is_root {
        // The integration tests in tracer/tests load eBPF programs: run test binaries as root.
        cmd.env(runner_var(), "sudo -E");
    }
    util::run(&mut cmd)?;
    Ok(Outcome::Passed)
}

/// Boots a Debian 6.1 cloud kernel under QEMU and runs the release tracer there (`vm.rs`).
fn vm_test(ctx: &Ctx, obj: &Path, _: &EbpfToolchain) -> Result<Outcome> {
    if !cfg!(target_arch = "x86_64") {
        // The VM runs the host's tracer binary on an amd64 kernel.
        util::say("vm: skipped (the VM step runs an x86_64 tracer on an amd64 kernel)");
        return Ok(Outcome::NotRun);
    }
    let bin = userspace::build(&ctx.root, obj, false)?;
    vm::run(ctx, &bin)?;
    Ok(Outcome::Passed)
}

/// `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER` on `x86_64`.
fn runner_var() -> String {
    format!(
        "CARGO_TARGET_{}_UNKNOWN_LINUX_GNU_RUNNER",
        std::env::consts::ARCH.to_ascii_uppercase()
    )
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    #[test]
    fn runner_variable() {
        assert_eq!(
            super::runner_var(),
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER"
        );
    }
}
