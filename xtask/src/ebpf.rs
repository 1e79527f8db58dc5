//! Building the eBPF object (`tracer-ebpf` for `bpfel-unknown-none`) with the toolchain from
//! `toolchain.rs`, in its own target dir `target/bpf` so that its rustc and the host's do not
//! fight over fingerprints.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use crate::toolchain::EbpfToolchain;
use crate::util::{self, say};

pub const TARGET: &str = "bpfel-unknown-none";
/// Relative to the workspace root.
pub const TARGET_DIR: &str = "target/bpf";
/// `--export`: the eBPF side's global functions, which bpf-linker would otherwise make internal
/// (static), so that the verifier checks each once (tracer-ebpf's `tracer_run_op`,
/// `tracer_capture_files`).
const RUSTFLAGS: &[&str] = &[
    "-C",
    "debuginfo=2",
    "-C",
    "link-arg=--btf",
    "-C",
    "link-arg=--export=tracer_run_op,tracer_capture_files",
];

/// Variables the outer (rustup) cargo and rustup set that would break the inner build.
const REMOVED: &[&str] = &[
    "RUSTUP_TOOLCHAIN",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTDOC",
    "CARGO",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
    "CARGO_MAKEFLAGS",
];
const REMOVED_PREFIXES: &[&str] = &["CARGO_PKG_", "CARGO_MANIFEST_"];

/// The environment changes for the inner cargo.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EnvPlan {
    pub remove: Vec<String>,
    pub set: Vec<(String, String)>,
}

/// Computes [`EnvPlan`] from the current environment `vars`, the route's own variables and the
/// directories to put in front of `PATH` (where bpf-linker lives).
pub fn inner_env(
    vars: &[(String, String)],
    route_env: &[(String, String)],
    path_front: &[PathBuf],
) -> EnvPlan {
    let mut set: Vec<(String, String)> = route_env.to_vec();
    set.push(("CARGO_ENCODED_RUSTFLAGS".into(), RUSTFLAGS.join("\x1f")));
    let old_path = vars
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_str());
    let mut dirs: Vec<PathBuf> = Vec::new();
    for d in path_front {
        if !dirs.contains(d) {
            dirs.push(d.clone());
        }
    }
    if let Some(old) = old_path.filter(|p| !p.is_empty()) {
        dirs.extend(std::env::split_paths(old));
    }
    let path = std::env::join_paths(dirs).map_or_else(
        |_| old_path.unwrap_or_default().to_string(),
        |p| p.to_string_lossy().into_owned(),
    );
    set.push(("PATH".into(), path));

    let remove = vars
        .iter()
        .map(|(k, _)| k)
        .filter(|k| {
            REMOVED.contains(&k.as_str()) || REMOVED_PREFIXES.iter().any(|p| k.starts_with(p))
        })
        .filter(|k| !set.iter().any(|(s, _)| s == *k))
        .cloned()
        .collect();
    EnvPlan { remove, set }
}

/// `<root>/target/bpf/bpfel-unknown-none/release/tracer-ebpf`
pub fn object_path(root: &Path) -> PathBuf {
    root.join(TARGET_DIR)
        .join(TARGET)
        .join("release/tracer-ebpf")
}

/// The eBPF crate's cargo for `subcommand` (`build`, `clippy`), its environment set as the
/// route needs it; `path_front`: directories before bpf-linker's on `PATH`.
fn inner_cargo(
    root: &Path,
    tc: &EbpfToolchain,
    subcommand: &str,
    path_front: &[PathBuf],
) -> Command {
    let (cargo, pre) = tc.cargo();
    let mut cmd = util::command_in(cargo, root);
    cmd.args(pre).args([
        subcommand,
        "--package",
        "tracer-ebpf",
        "--release",
        "--target",
        TARGET,
        "-Z",
        "build-std=core",
        "--target-dir",
        TARGET_DIR,
    ]);
    let vars: Vec<(String, String)> = std::env::vars().collect();
    let mut front = path_front.to_vec();
    if let Some(dir) = tc.bpf_linker.parent() {
        front.push(dir.to_path_buf());
    }
    front.extend(util::cargo_bin_dirs());
    let plan = inner_env(&vars, &tc.env(), &front);
    for k in &plan.remove {
        cmd.env_remove(k);
    }
    cmd.envs(plan.set.iter().map(|(k, v)| (k, v)));
    cmd
}

/// Builds the eBPF object and returns its absolute path.
pub fn build(root: &Path, tc: &EbpfToolchain) -> Result<PathBuf> {
    util::run(&mut inner_cargo(root, tc, "build", &[]))?;
    let obj = object_path(root);
    if !obj.is_file() {
        bail!(
            "the eBPF build succeeded but {} does not exist",
            obj.display()
        );
    }
    say(&format!("eBPF object: {}", obj.display()));
    Ok(obj)
}

/// Lints the eBPF crate for its own target, warnings denied, with the route's clippy.
pub fn clippy(root: &Path, tc: &EbpfToolchain) -> Result<()> {
    let mut cmd = inner_cargo(root, tc, "clippy", &tc.path_front());
    cmd.args(["--", "-D", "warnings"]);
    util::run(&mut cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn debian_route_env() {
        let vars = v(&[
            ("PATH", "/usr/bin:/bin"),
            ("HOME", "/root"),
            ("RUSTUP_TOOLCHAIN", "stable-x86_64-unknown-linux-gnu"),
            ("RUSTC", "/root/.rustup/toolchains/stable/bin/rustc"),
            ("CARGO", "/root/.rustup/toolchains/stable/bin/cargo"),
            ("CARGO_PKG_NAME", "xtask"),
            ("CARGO_MANIFEST_DIR", "/work/main/xtask"),
            ("CARGO_HOME", "/root/.cargo"),
            ("RUSTFLAGS", "-C target-cpu=native"),
            ("CARGO_TARGET_DIR", "/tmp/t"),
            ("RUST_BACKTRACE", "1"),
        ]);
        let route = v(&[("RUSTC", "/usr/bin/rustc"), ("RUSTC_BOOTSTRAP", "1")]);
        let plan = inner_env(
            &vars,
            &route,
            &[
                PathBuf::from("/root/.cargo/bin"),
                PathBuf::from("/root/.cargo/bin"),
            ],
        );
        assert_eq!(
            plan.remove,
            [
                "RUSTUP_TOOLCHAIN",
                "CARGO",
                "CARGO_PKG_NAME",
                "CARGO_MANIFEST_DIR",
                "RUSTFLAGS",
                "CARGO_TARGET_DIR"
            ]
        );
        assert_eq!(
            plan.set,
            v(&[
                ("RUSTC", "/usr/bin/rustc"),
                ("RUSTC_BOOTSTRAP", "1"),
                (
                    "CARGO_ENCODED_RUSTFLAGS",
                    "-C\x1fdebuginfo=2\x1f-C\x1flink-arg=--btf\x1f-C\x1flink-arg=--export=tracer_run_op,tracer_capture_files"
                ),
                ("PATH", "/root/.cargo/bin:/usr/bin:/bin"),
            ])
        );
    }

    #[test]
    fn nightly_route_env_removes_rustc() {
        let vars = v(&[
            ("RUSTC", "rustc"),
            ("CARGO_ENCODED_RUSTFLAGS", "-Dwarnings"),
            ("CARGO_MAKEFLAGS", "-j2"),
        ]);
        let plan = inner_env(&vars, &[], &[PathBuf::from("/home/u/.cargo/bin")]);
        assert_eq!(plan.remove, ["RUSTC", "CARGO_MAKEFLAGS"]);
        assert_eq!(
            plan.set,
            v(&[
                (
                    "CARGO_ENCODED_RUSTFLAGS",
                    "-C\x1fdebuginfo=2\x1f-C\x1flink-arg=--btf\x1f-C\x1flink-arg=--export=tracer_run_op,tracer_capture_files"
                ),
                ("PATH", "/home/u/.cargo/bin"),
            ])
        );
    }

    #[test]
    fn object_location() {
        assert_eq!(
            object_path(Path::new("/w")),
            Path::new("/w/target/bpf/bpfel-unknown-none/release/tracer-ebpf")
        );
    }
}
