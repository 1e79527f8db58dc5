//! The Python packages the integration tests read tracer's output with: Perfetto's own schema
//! (`perfetto`'s perfetto_trace_pb2, with `protobuf`) for tracer/tests/perfetto_check.py. They
//! go into a virtual environment of the checkout (`target/perfetto-venv`), not into the
//! system's Python: Debian 12's pip refuses system-wide installs (PEP 668), and
//! `--break-system-packages` would mix PyPI's protobuf with Debian's python3-protobuf.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use crate::{Ctx, util};

/// Versions the check was written against (the schema's field numbers do not change, but the
/// generated module needs a protobuf runtime at least as new as its generator).
const PACKAGES: &[&str] = &["perfetto==0.59.1", "protobuf==7.36.2"];

/// The environment's python3, made (`python3 -m venv`: Debian's python3-venv) and filled when
/// missing.
pub fn ensure_perfetto(ctx: &Ctx) -> Result<PathBuf> {
    let venv = ctx.root.join("target/perfetto-venv");
    let python = venv.join("bin/python3");
    if has_schema(&python) {
        return Ok(python);
    }
    util::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    util::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PACKAGES),
    )?;
    if !has_schema(&python) {
        anyhow::bail!(
            "{} cannot import perfetto_trace_pb2 after pip install {}",
            python.display(),
            PACKAGES.join(" ")
        );
    }
    Ok(python)
}

fn has_schema(python: &Path) -> bool {
    python.exists()
        && Command::new(python)
            .args([
                "-c",
                "from perfetto.protos.perfetto.trace import perfetto_trace_pb2",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
}
