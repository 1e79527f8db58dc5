//! Embeds the eBPF object built by `cargo xtask build`; without it the build stops with one line.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=TRACER_EBPF_OBJ");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let path = std::env::var_os("TRACER_EBPF_OBJ").map_or_else(
        || manifest.join("../target/bpf/bpfel-unknown-none/release/tracer-ebpf"),
        PathBuf::from,
    );
    println!("cargo::rerun-if-changed={}", path.display());
    if !path.is_file() {
        println!(
            "cargo::error=the eBPF object {} is missing: run `cargo xtask build` (or `cargo xtask test`)",
            path.display()
        );
        return;
    }
    let path = path.canonicalize().unwrap_or(path);
    println!("cargo::rustc-env=TRACER_EBPF_OBJECT={}", path.display());
}
