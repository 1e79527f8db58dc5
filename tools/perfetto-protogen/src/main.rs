//! `cargo run --manifest-path tools/perfetto-protogen/Cargo.toml`: regenerates the Rust types of
//! tracer's Perfetto subset (tracer/src/recording/perfetto/perfetto.protos.rs) with prost-build.
//! Needs `protoc` (Debian: `apt-get install protobuf-compiler`); the generated file is committed,
//! so building tracer needs neither.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tracer/src/recording/perfetto");
    prost_build::Config::new()
        .out_dir(&dir)
        .compile_protos(&[dir.join("perfetto.proto")], &[&dir])?;
    println!("wrote {}", dir.join("perfetto.protos.rs").display());
    Ok(())
}
