//! Building the user-space `tracer` binary with the normal (rustup stable) cargo, pointing its
//! build script at the eBPF object through `TRACER_EBPF_OBJ`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::util;

/// Read by tracer's build.rs; otherwise it looks at `target/bpf/bpfel-unknown-none/release`.
pub const EBPF_OBJ_VAR: &str = "TRACER_EBPF_OBJ";

/// The host cargo, started in the workspace root, with `TRACER_EBPF_OBJ` set.
pub fn cargo(root: &Path, ebpf_obj: &Path) -> std::process::Command {
    let mut cmd = util::command_in("cargo", root);
    cmd.env(EBPF_OBJ_VAR, ebpf_obj);
    cmd
}

/// `cargo build [--release] -p tracer`; returns the path of the binary.
pub fn build(root: &Path, ebpf_obj: &Path, debug: bool) -> Result<PathBuf> {
    let mut cmd = cargo(root, ebpf_obj);
    cmd.arg("build");
    if !debug {
        cmd.arg("--release");
    }
    cmd.args(["-p", "tracer"]);
    util::run(&mut cmd)?;
    let profile = if debug { "debug" } else { "release" };
    let bin = host_target_dir(root).join(profile).join("tracer");
    util::say(&format!("tracer binary: {}", bin.display()));
    Ok(bin)
}

/// `target/` of the host build, or `CARGO_TARGET_DIR` if the user set it.
fn host_target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}
