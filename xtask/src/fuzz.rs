//! `cargo xtask fuzz [--seconds N]`: the recording reader's fuzz target (`tracer/fuzz`, its own
//! workspace) built with the stable compiler's coverage flags, then libFuzzer run over a copy
//! of the committed corpus for a bounded time. No nightly compiler and no cargo-fuzz: the
//! sancov passes are stable codegen options, and `libfuzzer-sys` compiles libFuzzer itself
//! (C++: `g++` is installed when missing, as the other steps install their packages).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{self, say};
use crate::{Ctx, apt};

/// The coverage instrumentation `cargo fuzz` would add (tracer/fuzz/README.md), with debug
/// assertions and overflow checks so that arithmetic mistakes are crashes too.
const RUSTFLAGS: &str = "-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cdebug-assertions -Coverflow-checks";

/// The fuzz target's name (`[[bin]]` in tracer/fuzz/Cargo.toml) and its corpus directory.
const TARGET: &str = "reader";
/// A reader that allocates more than this for any input has a bug: a frame is at most 1 MiB.
const MALLOC_LIMIT_MB: u32 = 64;
/// One input taking longer than this is a hang (the reader must always end).
const TIMEOUT_SECS: u32 = 10;

/// The host's Rust target triple: the instrumented build needs an explicit `--target`, so
/// that the sancov flags reach the fuzz target but not the build scripts.
fn host_triple() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

pub fn fuzz(ctx: &Ctx, seconds: u64) -> Result<()> {
    if seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    // libfuzzer-sys builds libFuzzer's C++ sources with the system compiler.
    apt::ensure_packages(ctx, &["g++"])?;
    let dir = ctx.root.join("tracer/fuzz");
    let bin = build(&dir)?;

    let work = std::env::temp_dir().join(format!("tracer-fuzz-{}", std::process::id()));
    let corpus = work.join("corpus");
    let artifacts = work.join("artifacts");
    std::fs::create_dir_all(&artifacts)
        .with_context(|| format!("creating {}", artifacts.display()))?;
    let seeds = copy_corpus(&dir.join("corpus").join(TARGET), &corpus)?;
    say(&format!(
        "fuzzing the recording reader for {seconds} s from {seeds} seed inputs (a copy in {})",
        corpus.display()
    ));
    let mut cmd = Command::new(&bin);
    cmd.args(libfuzzer_args(&corpus, &artifacts, seconds));
    let status = util::status(&mut cmd)?;
    let found = artifacts_in(&artifacts);
    if status.success() && found.is_empty() {
        let grown = std::fs::read_dir(&corpus).map_or(0, Iterator::count);
        say(&format!(
            "fuzz: no crash in {seconds} s; the corpus grew from {seeds} to {grown} inputs \
             (new ones are not committed: copy any worth keeping into tracer/fuzz/corpus/{TARGET})"
        ));
        let _ = std::fs::remove_dir_all(&work);
        return Ok(());
    }
    bail!("{}", failure_message(&bin, status.code(), &found))
}

/// `cargo build --release` of the fuzz target with the coverage flags; returns the binary.
fn build(dir: &Path) -> Result<PathBuf> {
    let triple = host_triple();
    // Its own target directory, whatever CARGO_TARGET_DIR says: instrumented objects never
    // mix with the main workspace's.
    let target_dir = dir.join("target");
    let mut cmd = util::command_in("cargo", dir);
    cmd.env("RUSTFLAGS", RUSTFLAGS)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("CARGO_TARGET_DIR", &target_dir)
        .args(["build", "--locked", "--release", "--target", &triple])
        .args(["--bin", TARGET]);
    util::run(&mut cmd).context("building the fuzz target in tracer/fuzz")?;
    Ok(target_dir.join(triple).join("release").join(TARGET))
}

/// Copy the committed corpus into `to` (libFuzzer adds what it finds to its corpus
/// directory: the committed one stays as it is); returns how many inputs were copied.
fn copy_corpus(from: &Path, to: &Path) -> Result<usize> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let mut n = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("copying {}", entry.path().display()))?;
            n += 1;
        }
    }
    if n == 0 {
        bail!("no seed inputs in {}", from.display());
    }
    Ok(n)
}

fn libfuzzer_args(corpus: &Path, artifacts: &Path, seconds: u64) -> Vec<String> {
    // libFuzzer glues the prefix to the file name: it must end in '/'.
    let mut prefix = artifacts.display().to_string();
    prefix.push('/');
    vec![
        corpus.display().to_string(),
        format!("-max_total_time={seconds}"),
        format!("-malloc_limit_mb={MALLOC_LIMIT_MB}"),
        format!("-timeout={TIMEOUT_SECS}"),
        format!("-artifact_prefix={prefix}"),
        "-print_final_stats=1".into(),
    ]
}

/// The inputs libFuzzer saved (`crash-*`, `oom-*`, `timeout-*`, `leak-*`), sorted.
fn artifacts_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn failure_message(bin: &Path, code: Option<i32>, found: &[PathBuf]) -> String {
    let how = match code {
        Some(c) => format!("exit status {c}"),
        None => "killed by a signal".into(),
    };
    match found.first() {
        Some(input) => {
            let kind = input
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split('-').next())
                .unwrap_or("crash");
            format!(
                "the fuzz target found a {kind} ({how}): the input is {}\n  reproduce it with: {} {}",
                input.display(),
                bin.display(),
                input.display()
            )
        }
        None => {
            format!("the fuzz target failed ({how}) without saving an input: see its output above")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libfuzzer_is_bounded_in_time_and_memory() {
        let a = libfuzzer_args(Path::new("/t/corpus"), Path::new("/t/artifacts"), 60);
        assert_eq!(a[0], "/t/corpus");
        assert!(a.contains(&"-max_total_time=60".to_string()), "{a:?}");
        assert!(a.contains(&"-malloc_limit_mb=64".to_string()), "{a:?}");
        assert!(
            a.contains(&"-artifact_prefix=/t/artifacts/".to_string()),
            "{a:?}"
        );
    }

    #[test]
    fn a_crash_is_named_with_its_file_and_how_to_reproduce_it() {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(artifacts_in(&dir).is_empty());
        let crash = dir.join("crash-0123abcd");
        std::fs::write(&crash, b"TRACER\0\x01").unwrap();
        let found = artifacts_in(&dir);
        assert_eq!(found, std::slice::from_ref(&crash));
        let m = failure_message(Path::new("/f/reader"), Some(77), &found);
        assert!(
            m.starts_with("the fuzz target found a crash (exit status 77)"),
            "{m}"
        );
        assert!(m.contains(&format!("/f/reader {}", crash.display())), "{m}");
        let m = failure_message(Path::new("/f/reader"), None, &[]);
        assert!(
            m.contains("killed by a signal") && m.contains("without saving"),
            "{m}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_committed_corpus_is_copied_not_used_in_place() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let from = root.join("tracer/fuzz/corpus").join(TARGET);
        let to = std::env::temp_dir().join(format!("xtask-fuzz-corpus-{}", std::process::id()));
        let n = copy_corpus(&from, &to).unwrap();
        assert!(n >= 5, "{n} seeds");
        assert_eq!(std::fs::read_dir(&to).unwrap().count(), n);
        assert!(copy_corpus(&to.join("none"), &to).is_err());
        std::fs::remove_dir_all(&to).unwrap();
    }
}
