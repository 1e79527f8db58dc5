//! Built-in demo programs: each does what the source material teaches for one IPC mechanism,
//! so that tests and lessons trace a known, deterministic sequence of calls.
//!
//! (Written by the demos helper: see `list()` and `run()`.)

/// One demo: its name on the command line and a one-line summary.
pub struct DemoInfo {
    pub name: &'static str,
    pub summary: &'static str,
}

pub fn list() -> &'static [DemoInfo] {
    &[]
}

pub fn run(name: &str) -> anyhow::Result<()> {
    anyhow::bail!("unknown demo {name:?}")
}
