//! `cargo xtask vm` (and the `vm` step of `cargo xtask test`): runs tracer on a second, real
//! kernel. Boots the newest Debian 6.1 cloud kernel under QEMU (TCG: KVM does not work on the
//! project's machines) with an initramfs holding busybox, `target/release/tracer` and the
//! libraries it links; the initramfs's `/init` (`xtask/vm/init`) runs `tracer doctor` and two
//! recordings and prints each output between sentinel lines on the serial console, which is
//! saved to `target/vm/serial.log` and checked here.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::util::{self, say};
use crate::{Ctx, apt};

const PACKAGES: &[&str] = &["qemu-system-x86", "busybox-static", "cpio"];
/// `apt-cache search --names-only` pattern for the kernels [`kernel_version`] accepts.
const KERNEL_SEARCH: &str = r"^linux-image-6\.1\..*-cloud-amd64$";
const KERNEL_SUFFIX: &str = "-cloud-amd64";
/// How many of the newest kernel packages to try downloading before giving up.
const KERNEL_TRIES: usize = 3;
const BUSYBOX: &str = "/bin/busybox";
/// Busybox applets the init script uses, linked in `/bin`.
const APPLETS: &[&str] = &[
    "sh", "mount", "mkdir", "cat", "echo", "uname", "dmesg", "poweroff", "ls", "sleep", "grep",
    "ifconfig", "awk",
];
const INIT: &str = include_str!("../vm/init");
const KERNEL_CMDLINE: &str = "console=ttyS0 panic=-1 quiet";
/// Generous: under TCG every instruction is emulated, and the lessons record about twenty demo
/// runs (a whole run took 538 s of guest time on 2026-12-03, the lessons 462 s of it, after
/// four pipe lessons were added); a run that finishes powers off at once, so the limit only
/// bounds a hung guest.
const DEFAULT_TIMEOUT_SECS: u64 = 1200;
/// Overrides [`DEFAULT_TIMEOUT_SECS`] (whole seconds), for slow machines.
const TIMEOUT_VAR: &str = "XTASK_VM_TIMEOUT";

/// Sentinels printed by `xtask/vm/init`.
const BEGIN: &str = "===TRACER-VM-BEGIN ";
const END: &str = "===TRACER-VM-END ";
const DONE: &str = "===TRACER-VM-DONE===";
/// `===TRACER-VM-TIME <section> <seconds since boot>===` after each section (`init` first).
const TIME: &str = "===TRACER-VM-TIME ";

/// Prepares the kernel and initramfs for `tracer` (a release build), boots them, checks the
/// output; fails unless every check passes.
pub fn run(ctx: &Ctx, tracer: &Path) -> Result<()> {
    apt::ensure_packages(ctx, PACKAGES)?;
    let dir = ctx.root.join("target/vm");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let kernel = kernel(ctx, &dir)?;
    let initramfs = initramfs(&dir, tracer)?;
    let log = dir.join("serial.log");
    let timeout = timeout()?;
    let started = Instant::now();
    boot(&kernel, &initramfs, &log, timeout)?;
    say(&format!(
        "the VM booted, ran tracer and powered off in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let text = String::from_utf8_lossy(&fs::read(&log)?).into_owned();
    report(&text, &log)
}

fn timeout() -> Result<Duration> {
    match std::env::var(TIMEOUT_VAR) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Duration::from_secs)
            .with_context(|| format!("{TIMEOUT_VAR}={v:?} is not a number of seconds")),
        Err(_) => Ok(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
    }
}

// ---------------------------------------------------------------------------------------------
// The kernel

/// `linux-image-6.1.0-56-cloud-amd64` -> `6.1.0-56`; `None` for other packages (6.12, the
/// `-unsigned` and `-dbg` variants, meta-packages).
fn kernel_version(pkg: &str) -> Option<&str> {
    let v = pkg
        .strip_prefix("linux-image-")?
        .strip_suffix(KERNEL_SUFFIX)?;
    let plain = v
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    (v.starts_with("6.1.") && plain).then_some(v)
}

/// `6.1.0-56` -> `[6, 1, 0, 56]`, compared numerically.
fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(u64::MAX))
        .collect()
}

/// The 6.1 cloud kernel packages named by `listing` (lines whose first word is a package
/// name, as `apt-cache search` or `apt-cache pkgnames` print), newest first.
fn kernel_candidates(listing: &str) -> Vec<String> {
    let mut names: Vec<(Vec<u64>, String)> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|n| kernel_version(n).map(|v| (version_key(v), n.to_string())))
        .collect();
    names.sort_by(|a, b| b.cmp(a));
    names.dedup();
    names.into_iter().map(|(_, n)| n).collect()
}

/// The vmlinuz of the newest 6.1 cloud kernel apt knows (cached in
/// `target/vm/kernels/<package>/`), or the newest cached one when apt offers none.
fn kernel(ctx: &Ctx, dir: &Path) -> Result<PathBuf> {
    let cache = dir.join("kernels");
    let mut failures = Vec::new();
    for attempt in 0..2 {
        let listing =
            util::probe(Command::new("apt-cache").args(["search", "--names-only", KERNEL_SEARCH]))
                .unwrap_or_default();
        let candidates = kernel_candidates(&listing);
        if candidates.is_empty()
            && attempt == 0
            && let Some(cached) = newest_cached(&cache)
        {
            say(&format!(
                "apt offers no linux-image-6.1.*{KERNEL_SUFFIX}; using the cached {}",
                cached.display()
            ));
            return Ok(cached);
        }
        for pkg in candidates.iter().take(KERNEL_TRIES) {
            let pkg_dir = cache.join(pkg);
            let vmlinuz = pkg_dir.join("vmlinuz");
            if vmlinuz.is_file() {
                say(&format!("kernel: {pkg} (cached: {})", vmlinuz.display()));
                return Ok(vmlinuz);
            }
            match fetch_kernel(&pkg_dir, pkg) {
                Ok(()) => {
                    say(&format!("kernel: {pkg} ({})", vmlinuz.display()));
                    return Ok(vmlinuz);
                }
                Err(e) => {
                    say(&format!("could not get {pkg}: {e:#}"));
                    failures.push(format!("{pkg}: {e:#}"));
                }
            }
        }
        // Stale package lists name versions the mirror no longer has: refresh them once.
        if attempt == 0 && apt::can_install(ctx) {
            util::run(Command::new("apt-get").arg("update"))?;
        } else {
            break;
        }
    }
    if failures.is_empty() {
        bail!(
            "apt knows no package linux-image-6.1.*{KERNEL_SUFFIX} (Debian 12's main archive has \
             them; run `apt-get update`), and none is cached in {}",
            cache.display()
        );
    }
    bail!(
        "could not download a Debian 6.1 cloud kernel:\n  {}",
        failures.join("\n  ")
    )
}

/// The vmlinuz of the newest kernel package already unpacked in `cache`.
fn newest_cached(cache: &Path) -> Option<PathBuf> {
    let names: String = fs::read_dir(cache)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("vmlinuz").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let newest = kernel_candidates(&names).into_iter().next()?;
    Some(cache.join(newest).join("vmlinuz"))
}

/// `apt-get download` of `pkg` into `pkg_dir`, then its `boot/vmlinuz-*` (and `config-*`)
/// copied out as `pkg_dir/vmlinuz` (`config`); the `.deb` is kept, the unpacked tree is not.
fn fetch_kernel(pkg_dir: &Path, pkg: &str) -> Result<()> {
    fs::create_dir_all(pkg_dir)?;
    for deb in debs_in(pkg_dir)? {
        fs::remove_file(&deb)?;
    }
    util::run(util::command_in("apt-get", pkg_dir).args(["download", pkg]))?;
    let deb = match debs_in(pkg_dir)?.as_slice() {
        [deb] => deb.clone(),
        other => bail!(
            "expected one .deb in {} after apt-get download, found {}",
            pkg_dir.display(),
            other.len()
        ),
    };
    let tree = pkg_dir.join("unpacked");
    if tree.exists() {
        fs::remove_dir_all(&tree)?;
    }
    util::run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree))?;
    let boot = tree.join("boot");
    let mut vmlinuz = None;
    for entry in fs::read_dir(&boot).with_context(|| format!("reading {}", boot.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("vmlinuz-") {
            vmlinuz = Some(path.clone());
        } else if name.starts_with("config-") {
            fs::copy(&path, pkg_dir.join("config"))?;
        }
    }
    let vmlinuz = vmlinuz.with_context(|| format!("{} holds no boot/vmlinuz-*", deb.display()))?;
    // Copy then rename, so that an interrupted run never leaves a partial `vmlinuz` to reuse.
    let part = pkg_dir.join("vmlinuz.part");
    fs::copy(&vmlinuz, &part)?;
    fs::rename(&part, pkg_dir.join("vmlinuz"))?;
    fs::remove_dir_all(&tree)?;
    Ok(())
}

fn debs_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut debs = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "deb") {
            debs.push(path);
        }
    }
    Ok(debs)
}

// ---------------------------------------------------------------------------------------------
// The initramfs

/// The libraries and the dynamic loader `ldd` names (`libc.so.6 => /lib/.../libc.so.6 (0x..)`,
/// `/lib64/ld-linux-x86-64.so.2 (0x..)`); the vDSO has no file and is skipped.
fn parse_ldd(out: &str) -> Result<Vec<PathBuf>> {
    let mut libs = Vec::new();
    for line in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let target = match line.split_once("=>") {
            Some((name, rest)) => {
                let rest = rest.trim();
                if rest.starts_with("not found") {
                    bail!("ldd: {} not found", name.trim());
                }
                rest
            }
            None => line,
        };
        let path = target.split_whitespace().next().unwrap_or_default();
        if path.starts_with('/') {
            let path = PathBuf::from(path);
            if !libs.contains(&path) {
                libs.push(path);
            }
        }
    }
    Ok(libs)
}

/// Builds `target/vm/initramfs.cpio` (newc, uncompressed) from a tree in `target/vm/initramfs`.
fn initramfs(dir: &Path, tracer: &Path) -> Result<PathBuf> {
    let root = dir.join("initramfs");
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    for d in ["bin", "dev", "proc", "sys", "tmp", "root"] {
        fs::create_dir_all(root.join(d))?;
    }
    if !Path::new(BUSYBOX).is_file() {
        bail!("{BUSYBOX} is missing (Debian package busybox-static)");
    }
    copy(Path::new(BUSYBOX), &root.join("bin/busybox"))?;
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet))?;
    }
    copy(tracer, &root.join("bin/tracer"))?;
    let ldd = util::probe(Command::new("ldd").arg(tracer))
        .with_context(|| format!("`ldd {}` failed", tracer.display()))?;
    for lib in parse_ldd(&ldd)? {
        let rel = lib.strip_prefix("/").unwrap_or(&lib);
        copy(&lib, &root.join(rel))?;
    }
    let init = root.join("init");
    fs::write(&init, INIT)?;
    set_mode(&init, 0o755)?;

    let mut files = Vec::new();
    walk(&root, Path::new(""), &mut files)?;
    let out = dir.join("initramfs.cpio");
    let mut cmd = util::command_in("cpio", &root);
    cmd.args(["--quiet", "-o", "-H", "newc", "-R", "0:0"]);
    say(&format!(
        "running: {} < ({} paths) > {}",
        util::display(&cmd),
        files.len(),
        out.display()
    ));
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(File::create(&out)?)
        .spawn()
        .context("could not start cpio")?;
    {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        for f in &files {
            writeln!(stdin, "{}", f.display())?;
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cpio failed ({status})");
    }
    let kib = fs::metadata(&out)?.len() >> 10;
    say(&format!("initramfs: {} ({kib} KiB)", out.display()));
    Ok(out)
}

/// Copies a file (following symlinks), creating the parent directories.
fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok(())
}

/// Every path under `root/rel`, relative to `root`, directories before their contents.
fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(root.join(rel))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for name in entries {
        let path = rel.join(name);
        out.push(path.clone());
        if fs::symlink_metadata(root.join(&path))?.is_dir() {
            walk(root, &path, out)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Booting

/// Boots QEMU with the serial console written to `log`; fails if QEMU fails or outlives
/// `timeout` (it is then killed).
fn boot(kernel: &Path, initramfs: &Path, log: &Path, timeout: Duration) -> Result<()> {
    let file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args(["-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "2"])
        .args(["-nographic", "-no-reboot", "-kernel"])
        .arg(kernel)
        .arg("-initrd")
        .arg(initramfs)
        .args(["-append", KERNEL_CMDLINE]);
    say(&format!(
        "running: {} > {} 2>&1 (timeout {} s)",
        util::display(&cmd),
        log.display(),
        timeout.as_secs()
    ));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .context("could not start qemu-system-x86_64")?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the VM did not power off within {} s (QEMU killed; set {TIMEOUT_VAR} for more \
                 time); the end of its serial log {}:\n{}",
                timeout.as_secs(),
                log.display(),
                tail(&fs::read_to_string(log).unwrap_or_default(), 40)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() {
        bail!(
            "QEMU failed ({status}); the end of its log {}:\n{}",
            log.display(),
            tail(&fs::read_to_string(log).unwrap_or_default(), 40)
        );
    }
    Ok(())
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Reading the serial log

/// What one `section` of the init script printed.
#[derive(Debug, Default, PartialEq, Eq)]
struct Section {
    lines: Vec<String>,
    /// The exit code on the END sentinel; `None` if the section never ended.
    rc: Option<i32>,
}

/// The sections between `===TRACER-VM-BEGIN name===` and `===TRACER-VM-END name rc=N===`.
/// Output without a final newline runs into the END sentinel, so sentinels are looked for
/// anywhere in a line; `\r` from the serial console is dropped.
fn parse_sections(log: &str) -> BTreeMap<String, Section> {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, Section)> = None;
    for line in log.lines().map(|l| l.trim_end_matches('\r')) {
        if let Some((name, mut section)) = current.take() {
            let end = format!("{END}{name} rc=");
            if let Some(at) = line.find(&end) {
                if at > 0 {
                    section.lines.push(line[..at].to_string());
                }
                let rest = &line[at + end.len()..];
                section.rc = rest
                    .strip_suffix("===")
                    .or(rest.split("===").next())
                    .and_then(|rc| rc.trim().parse().ok());
                sections.insert(name, section);
                continue;
            }
            if let Some(begin) = begin_name(line) {
                // The section never ended (the VM died): keep what it printed.
                sections.insert(name, section);
                current = Some((begin, Section::default()));
                continue;
            }
            section.lines.push(line.to_string());
            current = Some((name, section));
        } else if let Some(begin) = begin_name(line) {
            current = Some((begin, Section::default()));
        }
    }
    if let Some((name, section)) = current {
        sections.insert(name, section);
    }
    sections
}

fn begin_name(line: &str) -> Option<String> {
    let at = line.find(BEGIN)?;
    let rest = &line[at + BEGIN.len()..];
    let name = rest.split("===").next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The `TIME` lines: (section, seconds since boot when it ended).
fn parse_times(log: &str) -> Vec<(String, f64)> {
    log.lines()
        .filter_map(|l| {
            let rest = &l[l.find(TIME)? + TIME.len()..];
            let mut words = rest.split("===").next()?.split_whitespace();
            let name = words.next()?.to_string();
            let secs = words.next()?.parse().ok()?;
            Some((name, secs))
        })
        .collect()
}

/// `kernel boot 2.1 s, doctor 3.0 s, ...`: how long the boot and each section took.
fn describe_times(times: &[(String, f64)]) -> String {
    let mut parts = Vec::new();
    let mut prev = 0.0;
    for (name, t) in times {
        let what = if name == "init" { "kernel boot" } else { name };
        parts.push(format!("{what} {:.1} s", t - prev));
        prev = *t;
    }
    parts.join(", ")
}

/// `tracer doctor`'s `what                   status` lines as (what, status).
fn doctor_fields(lines: &[String]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_once("  "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The JSON lines of a section; lines not starting with `{` (stray console output) are
/// skipped, a `{` line that does not parse is an error. Each call's journey is resolved as
/// docs/trace-format.md says (`path` records, each call's `observed` marked on its path's
/// steps) into `kernel_path`, as version 1 wrote it.
fn json_lines(section: &Section) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut paths = BTreeMap::new();
    for line in section.lines.iter().map(|l| l.trim()) {
        if !line.starts_with('{') {
            continue;
        }
        let mut v: Value =
            serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))?;
        if v["type"] == "path" {
            paths.insert(v["id"].as_u64().unwrap_or(0), v["steps"].take());
            continue;
        }
        if let Some(id) = v["path"].as_u64() {
            let mut steps = paths
                .get(&id)
                .cloned()
                .ok_or_else(|| format!("path {id} used before its record: {line}"))?;
            if let Some(list) = steps.as_array_mut() {
                for o in v["observed"].as_array().into_iter().flatten() {
                    match list
                        .iter_mut()
                        .find(|s| s["func"] == o["func"] && s["observed"] == false)
                    {
                        Some(s) => *s = o.clone(),
                        None => list.push(o.clone()),
                    }
                }
            }
            v["kernel_path"] = steps;
        }
        out.push(v);
    }
    if out.is_empty() {
        return Err("no JSON lines".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The checks

/// A check on a recording's JSON lines: `Ok(detail)` or `Err(why)`.
type JsonCheck = fn(&[Value]) -> Result<String, String>;

struct Check {
    name: String,
    /// `Ok(detail)` or `Err(why)`.
    result: Result<String, String>,
    /// The section to show when the check fails.
    section: Option<&'static str>,
}

impl Check {
    fn new(
        name: impl Into<String>,
        section: Option<&'static str>,
        result: Result<String, String>,
    ) -> Check {
        Check {
            name: name.into(),
            result,
            section,
        }
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn int_at(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer).and_then(Value::as_i64)
}

/// The `syscall` records of the call `name`.
fn calls<'a>(recs: &'a [Value], name: &'a str) -> impl Iterator<Item = &'a Value> {
    recs.iter().filter(move |r| {
        str_at(r, "/type") == Some("syscall") && str_at(r, "/syscall") == Some(name)
    })
}

/// Why no record matched: the records of `call` that were there.
fn none_matched(recs: &[Value], call: &str) -> String {
    let seen: Vec<String> = calls(recs, call).map(Value::to_string).collect();
    if seen.is_empty() {
        format!("no {call} record among {} lines", recs.len())
    } else {
        format!(
            "no matching record; the {call} records:\n{}",
            seen.join("\n")
        )
    }
}

fn check_header(recs: &[Value]) -> Result<String, String> {
    let header = recs
        .first()
        .filter(|r| str_at(r, "/type") == Some("header"))
        .ok_or("the first line is not a header")?;
    match str_at(header, "/kernel") {
        Some(k) if k.starts_with("6.1.") => Ok(k.to_string()),
        other => Err(format!("header kernel {other:?}, expected 6.1.*")),
    }
}

fn check_summary(recs: &[Value]) -> Result<String, String> {
    let summary = recs
        .last()
        .filter(|r| str_at(r, "/type") == Some("summary"))
        .ok_or("the last line is not a summary")?;
    let (calls, lost, errors) = (
        int_at(summary, "/calls"),
        int_at(summary, "/lost"),
        int_at(summary, "/decode_errors"),
    );
    if lost == Some(0) && errors == Some(0) {
        Ok(format!("{} calls", calls.unwrap_or(-1)))
    } else {
        Err(format!(
            "summary {summary}: expected lost 0, decode_errors 0"
        ))
    }
}

/// The traced command's status as tracer waited for it (`command_exit`), and as the kernel side
/// read it from `task_struct.exit_code` in the process's own `exit` record: both 0.
fn check_exit_status(recs: &[Value]) -> Result<String, String> {
    let cmd = recs
        .iter()
        .find(|r| str_at(r, "/type") == Some("command_exit"))
        .ok_or("no command_exit record")?;
    let pid = int_at(cmd, "/pid").ok_or("command_exit without a pid")?;
    if int_at(cmd, "/exit_code") != Some(0) {
        return Err(format!("command_exit {cmd}: expected exit_code 0"));
    }
    let exit = recs
        .iter()
        .find(|r| {
            str_at(r, "/type") == Some("exit")
                && int_at(r, "/pid") == Some(pid)
                && int_at(r, "/tid") == Some(pid)
        })
        .ok_or_else(|| format!("no exit record of pid {pid}"))?;
    match int_at(exit, "/exit_code") {
        Some(0) => Ok(format!("pid {pid} exited with 0")),
        _ => Err(format!("exit record {exit}: expected exit_code 0")),
    }
}

/// The demo's `int 0x80` `socketcall(SYS_BIND, ...)`.
fn check_ia32_bind(recs: &[Value]) -> Result<String, String> {
    calls(recs, "bind")
        .find(|r| {
            str_at(r, "/abi") == Some("ia32")
                && str_at(r, "/entry") == Some("int80")
                && int_at(r, "/nr") == Some(102)
                && str_at(r, "/socketcall/name") == Some("SYS_BIND")
                && int_at(r, "/ret") == Some(0)
                && str_at(r, "/args/addr/path").is_some_and(|p| p.ends_with("socketcall-ia32.sock"))
        })
        .map(|r| str_at(r, "/args/addr/path").unwrap_or_default().to_string())
        .ok_or_else(|| none_matched(recs, "bind"))
}

/// The demo's 64-bit `syscall(SYS_bind = 49, ...)`.
fn check_x64_bind(recs: &[Value]) -> Result<String, String> {
    calls(recs, "bind")
        .find(|r| {
            str_at(r, "/abi") == Some("x86_64")
                && str_at(r, "/entry") == Some("syscall")
                && int_at(r, "/nr") == Some(49)
                && int_at(r, "/ret") == Some(0)
                && str_at(r, "/args/addr/path").is_some_and(|p| p.ends_with("socketcall-x64.sock"))
        })
        .map(|r| str_at(r, "/args/addr/path").unwrap_or_default().to_string())
        .ok_or_else(|| none_matched(recs, "bind"))
}

/// uds-stream: a successful bind, a successful connect to the same path, an accept.
fn check_uds_stream(recs: &[Value]) -> Result<String, String> {
    let path = calls(recs, "bind")
        .filter(|r| int_at(r, "/ret") == Some(0))
        .find_map(|r| str_at(r, "/args/addr/path").filter(|p| p.ends_with("stream.sock")))
        .ok_or_else(|| none_matched(recs, "bind"))?;
    calls(recs, "connect")
        .find(|r| int_at(r, "/ret") == Some(0) && str_at(r, "/args/addr/path") == Some(path))
        .ok_or_else(|| format!("bind {path}, but {}", none_matched(recs, "connect")))?;
    calls(recs, "accept")
        .chain(calls(recs, "accept4"))
        .find(|r| int_at(r, "/ret").is_some_and(|fd| fd >= 0))
        .ok_or_else(|| {
            format!(
                "bind and connect {path}, but {}",
                none_matched(recs, "accept")
            )
        })?;
    Ok(path.to_string())
}

/// The descriptors `socket`, `accept` and the ia32 socketcall(SYS_SOCKET) made come with their
/// files, read in the kernel (BTF offsets of this kernel): sockets with an inode number, and the
/// socket's own fd.
fn check_created_files(recs: &[Value]) -> Result<String, String> {
    let mut seen = Vec::new();
    for name in ["socket", "accept", "accept4"] {
        for r in calls(recs, name).filter(|r| int_at(r, "/ret").is_some_and(|fd| fd >= 0)) {
            let ret = int_at(r, "/ret");
            let file = r
                .pointer("/files/0")
                .filter(|f| int_at(f, "/fd") == ret && str_at(f, "/type") == Some("socket"))
                .and_then(|f| int_at(f, "/ino"))
                .filter(|ino| *ino > 0)
                .ok_or_else(|| format!("{name} = {ret:?} has no socket file: {r}"))?;
            seen.push(format!("{name} fd {} ino {file}", ret.unwrap_or(-1)));
        }
    }
    if seen.is_empty() {
        return Err(none_matched(recs, "socket"));
    }
    Ok(seen.join(", "))
}

/// tcp-hello: the socket `accept` returned is described with both ends' addresses, read in the
/// kernel as the call returned (`CK_SOCK`: `sock_common`'s fields at this kernel's BTF offsets),
/// the local one the listener's loopback address.
fn check_inet_addresses(recs: &[Value]) -> Result<String, String> {
    calls(recs, "accept")
        .chain(calls(recs, "accept4"))
        .filter(|r| int_at(r, "/ret").is_some_and(|fd| fd >= 0))
        .find_map(|r| {
            let ret = int_at(r, "/ret");
            let fds = r.pointer("/fds")?.as_array()?;
            let f = fds
                .iter()
                .find(|f| int_at(f, "/fd") == ret && str_at(f, "/kind") == Some("tcp"))?;
            let (local, remote) = (str_at(f, "/local")?, str_at(f, "/remote")?);
            (local.starts_with("127.0.0.1:") && remote.starts_with("127.0.0.1:"))
                .then(|| format!("accept = {} {local}->{remote}", ret.unwrap_or(-1)))
        })
        .ok_or_else(|| none_matched(recs, "accept"))
}

/// The position and the hop of `func` in a call's `kernel_path`, if a probe observed it there.
fn observed_hop<'a>(call: &'a Value, func: &str) -> Option<(usize, &'a Value)> {
    call.pointer("/kernel_path")?
        .as_array()?
        .iter()
        .enumerate()
        .find(|(_, h)| {
            str_at(h, "/func") == Some(func)
                && h.pointer("/observed").and_then(Value::as_bool) == Some(true)
        })
}

/// The kernels under QEMU allow fentry or kprobes: the 64-bit calls of uds-stream show
/// `__sys_socket` (family AF_UNIX = 1) and `__sys_bind` (the bind's own fd and length) as
/// observed, each with the return value its exit probe saw.
fn check_uds_stream_hops(recs: &[Value]) -> Result<String, String> {
    let socket = calls(recs, "socket")
        .find(|r| str_at(r, "/args/domain") == Some("AF_UNIX"))
        .ok_or_else(|| none_matched(recs, "socket"))?;
    let (_, hop) = observed_hop(socket, "__sys_socket")
        .ok_or_else(|| format!("__sys_socket not observed in {socket}"))?;
    if int_at(hop, "/args/family") != Some(1) || int_at(hop, "/ret") != int_at(socket, "/ret") {
        return Err(format!(
            "__sys_socket hop {hop}: expected family 1 and the call's result"
        ));
    }
    let mech = str_at(hop, "/mech").unwrap_or("?").to_string();
    let bind = calls(recs, "bind")
        .find(|r| int_at(r, "/ret") == Some(0))
        .ok_or_else(|| none_matched(recs, "bind"))?;
    let (_, hop) = observed_hop(bind, "__sys_bind")
        .ok_or_else(|| format!("__sys_bind not observed in {bind}"))?;
    let fd = int_at(bind, "/args/sockfd");
    if int_at(hop, "/args/fd") != fd
        || int_at(hop, "/args/addrlen") != int_at(bind, "/args/addrlen")
        || int_at(hop, "/ret") != Some(0)
    {
        return Err(format!(
            "__sys_bind hop {hop}: expected fd {fd:?}, the bind's addrlen and ret 0"
        ));
    }
    Ok(format!("by {mech}, __sys_bind fd {}", fd.unwrap_or(-1)))
}

/// The ia32 bind went through the socketcall dispatcher: observed with call 2 (SYS_BIND),
/// then `__sys_bind` observed after it with the fd from the argument array.
fn check_socketcall_hops(recs: &[Value]) -> Result<String, String> {
    let bind = calls(recs, "bind")
        .find(|r| str_at(r, "/abi") == Some("ia32") && int_at(r, "/ret") == Some(0))
        .ok_or_else(|| none_matched(recs, "bind"))?;
    let (d, disp) = observed_hop(bind, "__ia32_compat_sys_socketcall")
        .ok_or_else(|| format!("the socketcall dispatcher not observed in {bind}"))?;
    if int_at(disp, "/args/call") != Some(2) {
        return Err(format!("dispatcher hop {disp}: expected call 2 (SYS_BIND)"));
    }
    let (b, sys_bind) = observed_hop(bind, "__sys_bind")
        .ok_or_else(|| format!("__sys_bind not observed in {bind}"))?;
    let fd = int_at(bind, "/socketcall/array/0");
    if b <= d || int_at(sys_bind, "/args/fd") != fd {
        return Err(format!(
            "__sys_bind hop {sys_bind} at step {b}: expected after the dispatcher (step {d}) \
             with fd {fd:?}"
        ));
    }
    Ok(format!(
        "socketcall(2) by {}, then __sys_bind(fd {})",
        str_at(disp, "/mech").unwrap_or("?"),
        fd.unwrap_or(-1)
    ))
}

/// A failed call names the innermost observed function that returned its error: the hostile
/// demo's bind with addrlen 200 fails in `__sys_bind` (`move_addr_to_kernel`, net/socket.c),
/// the one with addrlen 1 in `unix_bind` (`unix_validate_addr`, net/unix/af_unix.c).
fn check_error_from(recs: &[Value]) -> Result<String, String> {
    let mut found = Vec::new();
    for (addrlen, func) in [(200, "__sys_bind"), (1, "unix_bind")] {
        let bind = calls(recs, "bind")
            .find(|r| {
                str_at(r, "/abi") == Some("x86_64") && int_at(r, "/args/addrlen") == Some(addrlen)
            })
            .ok_or_else(|| {
                format!(
                    "no bind with addrlen {addrlen}: {}",
                    none_matched(recs, "bind")
                )
            })?;
        if str_at(bind, "/errno") != Some("EINVAL") || str_at(bind, "/error_from") != Some(func) {
            return Err(format!(
                "bind with addrlen {addrlen}: expected EINVAL from {func}, got {bind}"
            ));
        }
        let (_, hop) =
            observed_hop(bind, func).ok_or_else(|| format!("{func} not observed in {bind}"))?;
        if int_at(hop, "/ret") != int_at(bind, "/ret") {
            return Err(format!("{func} hop {hop} did not return the call's error"));
        }
        found.push(format!("addrlen {addrlen}: EINVAL from {func}"));
    }
    Ok(found.join(", "))
}

/// A recording the init script makes, and what its JSON lines must show.
struct Recording {
    demo: &'static str,
    /// The section holding `tracer record`'s output, and the one holding the JSON lines.
    record: &'static str,
    jsonl: &'static str,
    checks: &'static [(&'static str, JsonCheck)],
}

const RECORDINGS: [Recording; 4] = [
    Recording {
        demo: "socketcall",
        record: "record-socketcall",
        jsonl: "jsonl-socketcall",
        checks: &[
            (
                "ia32 int80 socketcall(SYS_BIND) nr 102 is a bind",
                check_ia32_bind,
            ),
            ("x86_64 syscall bind nr 49", check_x64_bind),
            (
                "observed: the dispatcher with call 2, then __sys_bind",
                check_socketcall_hops,
            ),
            (
                "each socket's file read in the kernel, ia32 too",
                check_created_files,
            ),
        ],
    },
    Recording {
        demo: "uds-stream",
        record: "record-uds-stream",
        jsonl: "jsonl-uds-stream",
        checks: &[
            ("bind, connect to the same path, accept", check_uds_stream),
            (
                "observed: __sys_socket(AF_UNIX) and __sys_bind(fd, addrlen)",
                check_uds_stream_hops,
            ),
            (
                "socket and accept: their files read in the kernel",
                check_created_files,
            ),
        ],
    },
    Recording {
        demo: "hostile",
        record: "record-hostile",
        jsonl: "jsonl-hostile",
        checks: &[(
            "a failed bind names the function that returned EINVAL",
            check_error_from,
        )],
    },
    Recording {
        demo: "tcp-hello",
        record: "record-tcp-hello",
        jsonl: "jsonl-tcp-hello",
        checks: &[(
            "accept's socket: its addresses read in the kernel (sock_common, BTF offsets)",
            check_inet_addresses,
        )],
    },
];

/// The lessons on the VM's kernel: each ran to its last step; the socketcall lesson saw the
/// dispatcher and `__sys_bind` (fentry or kprobes work there); and every kernel function a
/// lesson names as present is in the VM kernel's kallsyms, every one marked absent is not.
fn walkthrough_checks(sections: &BTreeMap<String, Section>) -> Vec<Check> {
    let lessons = finished(sections, "walkthroughs");
    let text = lessons
        .as_ref()
        .map(|s| s.lines.join("\n"))
        .unwrap_or_default();
    let observed = lessons.as_ref().map_err(Clone::clone).and_then(|_| {
        let want = [
            "ebx = 2 (SYS_BIND)",
            "* __ia32_compat_sys_socketcall",
            "* __sys_bind",
        ];
        match want.iter().find(|w| !text.contains(*w)) {
            None => Ok(String::new()),
            Some(w) => Err(format!("the socketcall lesson does not show `{w}`")),
        }
    });
    let symbols = symbols_checked(sections, "walkthrough-symbols", 10);
    vec![
        Check::new(
            "every lesson runs to its last step",
            Some("walkthroughs"),
            lessons.map(|_| String::new()),
        ),
        Check::new(
            "socketcall lesson: the dispatcher and __sys_bind observed",
            Some("walkthroughs"),
            observed,
        ),
        Check::new(
            "lessons name only functions of this kernel",
            Some("walkthrough-symbols"),
            symbols,
        ),
    ]
}

/// A section of the init script's symbol checks (`MISSING f`: named as present, not in
/// kallsyms; `PRESENT f`: marked absent or inlined, in kallsyms; `checked N`): none wrong, and at
/// least `least` functions checked.
fn symbols_checked(
    sections: &BTreeMap<String, Section>,
    name: &str,
    least: u32,
) -> Result<String, String> {
    finished(sections, name).and_then(|s| {
        let wrong: Vec<&String> = s
            .lines
            .iter()
            .filter(|l| l.starts_with("MISSING ") || l.starts_with("PRESENT "))
            .collect();
        let checked = s
            .lines
            .iter()
            .find_map(|l| l.strip_prefix("checked "))
            .and_then(|n| n.trim().parse::<u32>().ok());
        match (wrong.is_empty(), checked) {
            (true, Some(n)) if n >= least => Ok(format!("{n} functions")),
            (true, n) => Err(format!("only {n:?} functions were checked")),
            (false, _) => Err(format!(
                "named wrongly for this kernel (MISSING: named but not here; PRESENT: marked \
                 absent or inlined but here): {wrong:?}"
            )),
        }
    })
}

/// `tracer explain` on the VM's kernel: it printed every page (of every syscall, for Intel's
/// and AMD's ia32 entry), and every kernel function they name as present is in the VM kernel's
/// kallsyms, every one they say is inlined or not there is not.
fn explain_checks(sections: &BTreeMap<String, Section>) -> Vec<Check> {
    let pages = finished(sections, "explain-pages").and_then(|s| {
        let n = s
            .lines
            .iter()
            .find_map(|l| l.strip_prefix("pages "))
            .and_then(|n| n.trim().parse::<u32>().ok());
        match n {
            // Two CPUs, more than 400 syscalls each.
            Some(n) if n >= 800 => Ok(format!("{n} pages")),
            n => Err(format!("{n:?} pages")),
        }
    });
    vec![
        Check::new("explain prints every page", Some("explain-pages"), pages),
        Check::new(
            "explain pages name only functions of this kernel",
            Some("explain-symbols"),
            symbols_checked(sections, "explain-symbols", 500),
        ),
    ]
}

/// A section that ran to its end with exit code 0.
fn finished<'a>(
    sections: &'a BTreeMap<String, Section>,
    name: &str,
) -> Result<&'a Section, String> {
    match sections.get(name) {
        None => Err(format!("no `{name}` section: the VM stopped before it")),
        Some(Section { rc: None, .. }) => Err(format!("`{name}` never finished")),
        Some(s @ Section { rc: Some(0), .. }) => Ok(s),
        Some(Section { rc: Some(rc), .. }) => Err(format!("exit code {rc}")),
    }
}

fn evaluate(log: &str) -> Vec<Check> {
    let sections = parse_sections(log);
    let mut checks = vec![Check::new(
        "the VM ran every step and powered off",
        None,
        if log.contains(DONE) {
            Ok(String::new())
        } else {
            Err(format!("no `{DONE}` line: the VM stopped early"))
        },
    )];

    let doctor = finished(&sections, "doctor");
    let fields = sections
        .get("doctor")
        .map(|s| doctor_fields(&s.lines))
        .unwrap_or_default();
    checks.push(Check::new(
        "tracer doctor exits 0",
        Some("doctor"),
        doctor.map(|_| String::new()),
    ));
    let expect = [
        ("kernel", "6.1."),
        ("tracepoint", "yes"),
        ("raw tracepoint", "yes"),
        ("kprobe", "yes"),
        ("fentry", "yes"),
        ("uprobe", "yes"),
    ];
    for (what, prefix) in expect {
        let result = match fields.get(what) {
            Some(v) if v.starts_with(prefix) => Ok(v.clone()),
            Some(v) => Err(format!("it says `{v}`")),
            None => Err(format!("doctor printed no `{what}` line")),
        };
        checks.push(Check::new(
            format!("doctor: {what}: {prefix}"),
            Some("doctor"),
            result,
        ));
    }

    checks.extend(walkthrough_checks(&sections));
    checks.extend(explain_checks(&sections));

    for rec in RECORDINGS {
        let (demo, record, jsonl) = (rec.demo, rec.record, rec.jsonl);
        let recorded = finished(&sections, record);
        // Without a recording, the JSON checks point at `tracer record`'s output.
        let (recs, shown) = match &recorded {
            Ok(_) => (finished(&sections, jsonl).and_then(json_lines), Some(jsonl)),
            Err(_) => (Err("nothing recorded".to_string()), Some(record)),
        };
        checks.push(Check::new(
            format!("record {demo}: exits 0"),
            Some(record),
            recorded.map(|_| String::new()),
        ));
        let mut all: Vec<(&str, JsonCheck)> = vec![
            ("header from a 6.1 kernel", check_header),
            ("summary: nothing lost, no decode errors", check_summary),
            (
                "the command's exit record carries its status (task_struct.exit_code)",
                check_exit_status,
            ),
        ];
        all.extend_from_slice(rec.checks);
        for (what, f) in all {
            checks.push(Check::new(
                format!("{demo}: {what}"),
                shown,
                recs.as_deref().map_err(Clone::clone).and_then(f),
            ));
        }
    }
    checks
}

/// Prints the doctor output and one line per check; fails with the failing sections' output.
fn report(log_text: &str, log: &Path) -> Result<()> {
    let sections = parse_sections(log_text);
    let times = parse_times(log_text);
    if !times.is_empty() {
        say(&format!("time in the VM: {}", describe_times(&times)));
    }
    if let Some(doctor) = sections.get("doctor") {
        say("tracer doctor in the VM:");
        for l in &doctor.lines {
            eprintln!("    {l}");
        }
    }
    let checks = evaluate(log_text);
    let mut failed = Vec::new();
    for c in &checks {
        match &c.result {
            Ok(detail) if detail.is_empty() => say(&format!("vm check ok: {}", c.name)),
            Ok(detail) => say(&format!("vm check ok: {} ({detail})", c.name)),
            Err(why) => {
                say(&format!("vm check FAILED: {}: {why}", c.name));
                failed.push(c);
            }
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    let mut shown = Vec::new();
    for c in &failed {
        let name = c.section.unwrap_or("");
        if shown.contains(&name) {
            continue;
        }
        shown.push(name);
        if let Some(s) = sections.get(name) {
            say(&format!("the output of `{name}` in the VM:"));
            // The first lines say what failed; a verifier log ends with why.
            let (head, tail) = (3, 60);
            for (i, l) in s.lines.iter().enumerate() {
                if i < head || i + tail >= s.lines.len() {
                    eprintln!("    {l}");
                } else if i == head {
                    eprintln!("    [... {} lines ...]", s.lines.len() - head - tail);
                }
            }
        } else {
            say("the end of the serial log:");
            eprintln!("{}", tail(log_text, 40));
        }
    }
    bail!(
        "{} of {} VM checks failed; the serial log is {}",
        failed.len(),
        checks.len(),
        log.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_names() {
        assert_eq!(
            kernel_version("linux-image-6.1.0-56-cloud-amd64"),
            Some("6.1.0-56")
        );
        for other in [
            "linux-image-6.1.0-56-cloud-amd64-unsigned",
            "linux-image-6.1.0-56-cloud-amd64-dbg",
            "linux-image-6.12.107+deb12-cloud-amd64",
            "linux-image-6.12-cloud-amd64",
            "linux-image-cloud-amd64",
            "linux-image-6.1.0-56-amd64",
            "linux-headers-6.1.0-56-cloud-amd64",
        ] {
            assert_eq!(kernel_version(other), None, "{other}");
        }
    }

    #[test]
    fn newest_kernel_first() {
        let listing = "\
linux-image-6.1.0-9-cloud-amd64 - Linux 6.1 for x86-64 cloud (signed)
linux-image-6.1.0-47-cloud-amd64-dbg - Debug symbols for linux-image-6.1.0-47-cloud-amd64
linux-image-6.1.0-56-cloud-amd64-unsigned - Linux 6.1 for x86-64 cloud
linux-image-6.1.0-47-cloud-amd64 - Linux 6.1 for x86-64 cloud (signed)
linux-image-6.1.0-10-cloud-amd64 - Linux 6.1 for x86-64 cloud (signed)
linux-image-6.12.111+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)
linux-image-6.1.0-56-cloud-amd64 - Linux 6.1 for x86-64 cloud (signed)
linux-image-6.1.0-47-cloud-amd64
";
        assert_eq!(
            kernel_candidates(listing),
            [
                "linux-image-6.1.0-56-cloud-amd64",
                "linux-image-6.1.0-47-cloud-amd64",
                "linux-image-6.1.0-10-cloud-amd64",
                "linux-image-6.1.0-9-cloud-amd64",
            ]
        );
        assert!(kernel_candidates("").is_empty());
    }

    #[test]
    fn ldd_output() {
        let out = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                   \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007fe6)\n\
                   \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fe5)\n\
                   \t/lib64/ld-linux-x86-64.so.2 (0x00007fe7)\n";
        assert_eq!(
            parse_ldd(out).unwrap(),
            [
                PathBuf::from("/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2"),
            ]
        );
        assert!(parse_ldd("\tlibfoo.so.1 => not found\n").is_err());
        assert!(parse_ldd("\tstatically linked\n").unwrap().is_empty());
    }

    #[test]
    fn walk_lists_directories_first() {
        let dir = std::env::temp_dir().join(format!("xtask-vm-walk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        fs::write(dir.join("bin/busybox"), b"").unwrap();
        std::os::unix::fs::symlink("busybox", dir.join("bin/sh")).unwrap();
        fs::write(dir.join("init"), b"").unwrap();
        let mut files = Vec::new();
        walk(&dir, Path::new(""), &mut files).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            files,
            ["bin", "bin/busybox", "bin/sh", "init"].map(PathBuf::from)
        );
    }

    #[test]
    fn init_script_matches_the_parser() {
        for name in [
            "doctor",
            "record-socketcall",
            "jsonl-socketcall",
            "record-uds-stream",
            "jsonl-uds-stream",
        ] {
            assert!(
                INIT.lines()
                    .any(|l| l.starts_with(&format!("section {name} "))),
                "{name}"
            );
        }
        assert!(INIT.contains(&format!("echo \"{BEGIN}$name===\"")));
        assert!(INIT.contains(&format!("echo \"{END}$name rc=$rc===\"")));
        assert!(INIT.contains(&format!("echo \"{DONE}\"")));
        assert!(INIT.contains(&format!("echo \"{TIME}$name $up===\"")));
        assert!(INIT.contains(&format!("echo \"{TIME}init $up===\"")));
        assert!(INIT.contains("/bin/tracer demo socketcall"));
        assert!(INIT.contains("/bin/tracer demo uds-stream"));
        for applet in ["mount", "mkdir", "cat", "dmesg", "poweroff", "awk"] {
            assert!(APPLETS.contains(&applet), "{applet}");
        }
    }

    #[test]
    fn times() {
        let log = "===TRACER-VM-TIME init 2.50===\r\n\
                   ===TRACER-VM-BEGIN doctor===\r\nx\r\n===TRACER-VM-END doctor rc=0===\r\n\
                   ===TRACER-VM-TIME doctor 6.25===\r\n\
                   ===TRACER-VM-TIME broken===\n";
        let times = parse_times(log);
        assert_eq!(
            times,
            [("init".to_string(), 2.5), ("doctor".to_string(), 6.25)]
        );
        assert_eq!(describe_times(&times), "kernel boot 2.5 s, doctor 3.8 s");
        assert!(parse_sections(log)["doctor"].lines == ["x"]);
    }

    #[test]
    fn sections() {
        let log = "[    0.000000] Linux version 6.1.0\r\n\
                   ===TRACER-VM-BEGIN doctor===\r\n\
                   kernel                 6.1.0-56-cloud-amd64 x86_64\r\n\
                   \r\n\
                   last line without newline===TRACER-VM-END doctor rc=0===\r\n\
                   noise between sections\n\
                   ===TRACER-VM-BEGIN record-socketcall===\n\
                   Error: failed\n\
                   ===TRACER-VM-END record-socketcall rc=1===\n\
                   ===TRACER-VM-BEGIN dmesg===\n\
                   [ 1.0] something\n\
                   ===TRACER-VM-BEGIN jsonl-socketcall===\n\
                   {\"type\":\"header\"}\n";
        let s = parse_sections(log);
        assert_eq!(
            s.keys().collect::<Vec<_>>(),
            ["dmesg", "doctor", "jsonl-socketcall", "record-socketcall"]
        );
        assert_eq!(
            s["doctor"],
            Section {
                lines: vec![
                    "kernel                 6.1.0-56-cloud-amd64 x86_64".into(),
                    String::new(),
                    "last line without newline".into(),
                ],
                rc: Some(0),
            }
        );
        assert_eq!(s["record-socketcall"].rc, Some(1));
        assert_eq!(s["record-socketcall"].lines, ["Error: failed"]);
        assert_eq!(s["dmesg"].rc, None);
        assert_eq!(s["jsonl-socketcall"].rc, None);
        assert_eq!(s["jsonl-socketcall"].lines, ["{\"type\":\"header\"}"]);
        assert!(finished(&s, "doctor").is_ok());
        assert_eq!(
            finished(&s, "record-socketcall").unwrap_err(),
            "exit code 1"
        );
        assert!(
            finished(&s, "dmesg")
                .unwrap_err()
                .contains("never finished")
        );
        assert!(
            finished(&s, "nope")
                .unwrap_err()
                .contains("no `nope` section")
        );
    }

    const DOCTOR: &str = "\
kernel                 6.1.0-56-cloud-amd64 x86_64
BTF                    yes (/sys/kernel/btf/vmlinux)
lockdown               none
32-bit programs        yes (ia32 emulation)
privileges             ok
tracefs                mounted
tracepoint             yes (loaded and attached)
raw tracepoint         yes (loaded and attached)
kprobe                 yes (loaded and attached)
fentry                 no (the BPF_PROG_LOAD syscall returned Operation not permitted (os error 1))
uprobe                 yes (bind() probed in /lib/x86_64-linux-gnu/libc.so.6)
";

    #[test]
    fn doctor_lines() {
        let lines: Vec<String> = DOCTOR.lines().map(String::from).collect();
        let f = doctor_fields(&lines);
        assert_eq!(f["kernel"], "6.1.0-56-cloud-amd64 x86_64");
        assert_eq!(f["raw tracepoint"], "yes (loaded and attached)");
        assert_eq!(f["tracepoint"], "yes (loaded and attached)");
        assert_eq!(f["32-bit programs"], "yes (ia32 emulation)");
        assert!(f["fentry"].starts_with("no ("));
        let missing = doctor_fields(&[
            "privileges             missing".into(),
            "  tracer needs root  (or CAP_BPF)".into(),
        ]);
        assert_eq!(missing.len(), 1);
    }

    const SOCKETCALL: &str = r#"{"arch":"x86_64","clock":"boottime","format":"tracer-jsonl","kernel":"6.1.0-56-cloud-amd64","type":"header","version":1}
{"abi":"ia32","args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-socketcall-77/socketcall-ia32.sock"},"addrlen":57,"sockfd":3},"comm":"tracer","entry":"int80","errno":null,"nr":102,"pid":77,"ret":0,"socketcall":{"args_ptr":"0x4128b000","array":[3,1093185548,57],"call":2,"name":"SYS_BIND"},"syscall":"bind","tid":77,"type":"syscall","kernel_path":[{"func":"ia32_sys_call","note":"switch (nr) case 102","observed":false},{"args":{"args":1093185536,"call":2},"func":"__ia32_compat_sys_socketcall","mech":"fentry","observed":true,"ret":0},{"note":"case SYS_BIND","observed":false,"step":"switch (call)"},{"args":{"addrlen":57,"fd":3},"func":"__sys_bind","mech":"fentry","observed":true,"ret":0}]}
{"abi":"x86_64","args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-socketcall-77/socketcall-x64.sock"},"addrlen":56,"sockfd":3},"comm":"tracer","entry":"syscall","errno":null,"nr":49,"pid":77,"ret":0,"syscall":"bind","tid":77,"type":"syscall"}
{"abi":"ia32","args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"comm":"tracer","entry":"int80","errno":null,"files":[{"fd":3,"ino":10518,"type":"socket"}],"nr":102,"pid":77,"ret":3,"socketcall":{"call":1,"name":"SYS_SOCKET"},"syscall":"socket","tid":77,"type":"syscall"}
{"comm":"tracer","exit_code":0,"pid":77,"tid":77,"ts_ns":9000,"type":"exit"}
{"exit_code":0,"pid":77,"ts_ns":9100,"type":"command_exit"}
{"calls":31,"decode_errors":0,"lost":0,"type":"summary"}"#;

    const UDS: &str = r#"{"kernel":"6.1.0-56-cloud-amd64","type":"header","version":1}
{"files":[{"fd":3,"ino":10501,"type":"socket"}],"abi":"x86_64","args":{"domain":"AF_UNIX","protocol":0,"type":"SOCK_STREAM"},"entry":"syscall","nr":41,"pid":9,"ret":3,"syscall":"socket","tid":9,"type":"syscall","kernel_path":[{"args":{"family":1,"protocol":0,"type":1},"func":"__sys_socket","mech":"fentry","observed":true,"ret":3}]}
{"abi":"x86_64","args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-stream-9/stream.sock"},"addrlen":48,"sockfd":3},"entry":"syscall","nr":49,"pid":9,"ret":0,"syscall":"bind","tid":9,"type":"syscall","kernel_path":[{"func":"x64_sys_call","observed":false},{"args":{"addrlen":48,"fd":3},"func":"__sys_bind","mech":"fentry","observed":true,"ret":0}]}
{"abi":"x86_64","args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":2,"sockfd":3},"entry":"syscall","nr":43,"pid":9,"syscall":"accept","tid":9,"type":"pending"}
{"abi":"x86_64","args":{"addr":{"family":"AF_UNIX","path":"/tmp/tracer-demo-uds-stream-9/stream.sock"},"addrlen":48,"sockfd":4},"entry":"syscall","nr":42,"pid":10,"ret":0,"syscall":"connect","tid":10,"type":"syscall"}
{"files":[{"fd":4,"ino":10502,"type":"socket"}],"abi":"x86_64","args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":2,"sockfd":3},"entry":"syscall","nr":43,"pid":9,"ret":4,"syscall":"accept","tid":9,"type":"syscall"}
{"comm":"tracer","exit_code":0,"pid":9,"tid":9,"ts_ns":9000,"type":"exit"}
{"exit_code":0,"pid":9,"ts_ns":9100,"type":"command_exit"}
{"calls":38,"decode_errors":0,"lost":0,"type":"summary"}"#;

    /// The hostile demo's binds on 6.1: addrlen 200 fails in __sys_bind, addrlen 1 in
    /// unix_bind (which __sys_bind passes on).
    /// tcp-hello's accept, as a 6.18 run wrote it (trimmed).
    const TCP: &str = r#"{"kernel":"6.1.0-56-cloud-amd64","type":"header","version":1}
{"type":"syscall","pid":9,"tid":9,"syscall":"accept","args":{"sockfd":3},"ret":4,"fds":[{"fd":3,"kind":"tcp","ino":113925,"local":"127.0.0.1:40593"},{"fd":4,"kind":"tcp","ino":113926,"local":"127.0.0.1:40593","remote":"127.0.0.1:55058"}]}
{"comm":"tracer","exit_code":0,"pid":9,"tid":9,"ts_ns":9000,"type":"exit"}
{"exit_code":0,"pid":9,"ts_ns":9100,"type":"command_exit"}
{"calls":40,"decode_errors":0,"lost":0,"type":"summary"}"#;

    #[test]
    fn an_accepted_tcp_socket_has_both_addresses() {
        let recs = json_lines(&Section {
            lines: TCP.lines().map(String::from).collect(),
            rc: Some(0),
        })
        .unwrap();
        assert_eq!(
            check_inet_addresses(&recs).unwrap(),
            "accept = 4 127.0.0.1:40593->127.0.0.1:55058"
        );
        let no_remote = TCP.replace(r#","remote":"127.0.0.1:55058""#, "");
        let recs = json_lines(&Section {
            lines: no_remote.lines().map(String::from).collect(),
            rc: Some(0),
        })
        .unwrap();
        assert!(check_inet_addresses(&recs).is_err());
    }

    const HOSTILE: &str = r#"{"kernel":"6.1.0-56-cloud-amd64","type":"header","version":1}
{"abi":"x86_64","args":{"addr":{"family":"AF_UNIX","unnamed":true},"addrlen":1,"sockfd":3},"entry":"syscall","errno":"EINVAL","error_from":"unix_bind","kernel_path":[{"args":{"addrlen":1,"fd":3},"func":"__sys_bind","mech":"fentry","observed":true,"ret":-22},{"args":{"addr_len":1},"func":"unix_bind","mech":"fentry","observed":true,"ret":-22}],"nr":49,"pid":9,"ret":-22,"syscall":"bind","tid":9,"type":"syscall"}
{"abi":"x86_64","args":{"addr":{"claimed_len":200,"family":"AF_UNIX","path":"/nowhere"},"addrlen":200,"sockfd":3},"entry":"syscall","errno":"EINVAL","error_from":"__sys_bind","kernel_path":[{"args":{"addrlen":200,"fd":3},"func":"__sys_bind","mech":"fentry","observed":true,"ret":-22}],"nr":49,"pid":9,"ret":-22,"syscall":"bind","tid":9,"type":"syscall"}
{"comm":"tracer","exit_code":0,"pid":9,"tid":9,"ts_ns":9000,"type":"exit"}
{"exit_code":0,"pid":9,"ts_ns":9100,"type":"command_exit"}
{"calls":36,"decode_errors":0,"lost":0,"type":"summary"}"#;

    /// Lines of the socketcall lesson as printed in the VM (fentry observes the dispatcher).
    const WALKTHROUGHS: &str = "=== lesson socketcall
  eax = 102 (socketcall)   ebx = 2 (SYS_BIND)   ecx = 0x40eef000 -> [3, 0x40eef00c, 56]
  * __ia32_compat_sys_socketcall  call = 2, args = 0x40eef000
  * __sys_bind  fd 3 (ia32) / 3 (x86_64)
=== lesson pipe";

    #[test]
    fn walkthrough_checks_find_wrong_names_and_missing_observations() {
        let sections = |w: &str, s: &str| {
            parse_sections(&format!(
                "{BEGIN}walkthroughs===\n{w}\n{END}walkthroughs rc=0===\n\
                 {BEGIN}walkthrough-symbols===\n{s}\n{END}walkthrough-symbols rc=0===\n"
            ))
        };
        let ok = walkthrough_checks(&sections(WALKTHROUGHS, "checked 31"));
        assert!(
            ok.iter().all(|c| c.result.is_ok()),
            "{:?}",
            ok.iter().map(|c| &c.result).collect::<Vec<_>>()
        );
        let c = walkthrough_checks(&sections(WALKTHROUGHS, "MISSING unix_bind_bsd\nchecked 31"));
        assert!(c[2].result.as_ref().unwrap_err().contains("unix_bind_bsd"));
        let c = walkthrough_checks(&sections(WALKTHROUGHS, "checked 3"));
        assert!(c[2].result.is_err(), "too few functions checked");
        let inferred = WALKTHROUGHS.replace("* __sys_bind", ". __sys_bind");
        let c = walkthrough_checks(&sections(&inferred, "checked 31"));
        assert!(c[1].result.as_ref().unwrap_err().contains("* __sys_bind"));
    }

    #[test]
    fn explain_checks_find_wrong_names_and_missing_pages() {
        let sections = |p: &str, s: &str| {
            parse_sections(&format!(
                "{BEGIN}explain-pages===\n{p}\n{END}explain-pages rc=0===\n\
                 {BEGIN}explain-symbols===\n{s}\n{END}explain-symbols rc=0===\n"
            ))
        };
        let ok = explain_checks(&sections("pages 978", "checked 1187"));
        assert!(ok.iter().all(|c| c.result.is_ok()), "{:?}", ok[0].result);
        let c = explain_checks(&sections(
            "pages 978",
            "PRESENT __do_sys_bind\nchecked 1187",
        ));
        assert!(c[1].result.as_ref().unwrap_err().contains("__do_sys_bind"));
        let c = explain_checks(&sections("pages 12", "checked 1187"));
        assert!(c[0].result.is_err(), "too few pages");
        let c = explain_checks(&sections("pages 978", "checked 40"));
        assert!(c[1].result.is_err(), "too few functions checked");
    }

    fn parse(text: &str) -> Vec<Value> {
        let section = Section {
            lines: text.lines().map(String::from).collect(),
            rc: Some(0),
        };
        json_lines(&section).unwrap()
    }

    /// `text` with the first occurrence of `from` replaced by `to`.
    fn with(text: &str, from: &str, to: &str) -> Vec<Value> {
        assert!(text.contains(from), "{from}");
        parse(&text.replacen(from, to, 1))
    }

    #[test]
    fn observed_hop_checks() {
        let recs = parse(SOCKETCALL);
        assert_eq!(
            check_socketcall_hops(&recs).unwrap(),
            "socketcall(2) by fentry, then __sys_bind(fd 3)"
        );
        // Inferred is not observed.
        let r = with(
            SOCKETCALL,
            r#""mech":"fentry","observed":true,"ret":0},{"note""#,
            r#""mech":"fentry","observed":false,"ret":0},{"note""#,
        );
        assert!(
            check_socketcall_hops(&r)
                .unwrap_err()
                .contains("dispatcher not observed")
        );
        let r = with(SOCKETCALL, r#""call":2},"func""#, r#""call":3},"func""#);
        assert!(
            check_socketcall_hops(&r)
                .unwrap_err()
                .contains("expected call 2")
        );
        let r = with(
            SOCKETCALL,
            r#""addrlen":57,"fd":3}"#,
            r#""addrlen":57,"fd":4}"#,
        );
        assert!(
            check_socketcall_hops(&r)
                .unwrap_err()
                .contains("with fd Some(3)")
        );

        let recs = parse(UDS);
        assert_eq!(
            check_uds_stream_hops(&recs).unwrap(),
            "by fentry, __sys_bind fd 3"
        );
        let r = with(UDS, r#""family":1,"protocol""#, r#""family":2,"protocol""#);
        assert!(
            check_uds_stream_hops(&r)
                .unwrap_err()
                .contains("expected family 1")
        );
        let r = with(UDS, r#""addrlen":48,"fd":3}"#, r#""addrlen":47,"fd":3}"#);
        assert!(
            check_uds_stream_hops(&r)
                .unwrap_err()
                .contains("expected fd")
        );
        let r = with(
            UDS,
            r#""func":"__sys_bind""#,
            r#""func":"__sys_bind_socket""#,
        );
        assert!(
            check_uds_stream_hops(&r)
                .unwrap_err()
                .contains("__sys_bind not observed")
        );
    }

    #[test]
    fn error_from_check() {
        let recs = parse(HOSTILE);
        assert_eq!(
            check_error_from(&recs).unwrap(),
            "addrlen 200: EINVAL from __sys_bind, addrlen 1: EINVAL from unix_bind"
        );
        // The return value as a zero-extended int: the hop did not return the call's error.
        let r = with(
            HOSTILE,
            r#""mech":"fentry","observed":true,"ret":-22}],"nr""#,
            r#""mech":"fentry","observed":true,"ret":4294967274}],"nr""#,
        );
        assert!(check_error_from(&r).unwrap_err().contains("did not return"));
        let r = with(
            HOSTILE,
            r#""error_from":"unix_bind""#,
            r#""error_from":null"#,
        );
        assert!(
            check_error_from(&r)
                .unwrap_err()
                .contains("expected EINVAL from unix_bind")
        );
    }

    #[test]
    fn exit_status_check() {
        let ok = parse(
            r#"{"type":"exit","pid":7,"tid":7,"comm":"tracer","exit_code":0}
{"type":"command_exit","pid":7,"exit_code":0}"#,
        );
        assert_eq!(check_exit_status(&ok).unwrap(), "pid 7 exited with 0");
        let unknown = parse(
            r#"{"type":"exit","pid":7,"tid":7,"comm":"tracer"}
{"type":"command_exit","pid":7,"exit_code":0}"#,
        );
        assert!(check_exit_status(&unknown).is_err());
        let failed = parse(r#"{"type":"command_exit","pid":7,"exit_code":1}"#);
        assert!(check_exit_status(&failed).is_err());
    }

    #[test]
    fn socketcall_checks() {
        let recs = parse(SOCKETCALL);
        assert_eq!(check_header(&recs).unwrap(), "6.1.0-56-cloud-amd64");
        assert_eq!(check_summary(&recs).unwrap(), "31 calls");
        assert!(
            check_ia32_bind(&recs)
                .unwrap()
                .ends_with("/socketcall-ia32.sock")
        );
        assert!(
            check_x64_bind(&recs)
                .unwrap()
                .ends_with("/socketcall-x64.sock")
        );

        // Each field the ia32 check relies on, changed, makes it fail.
        for (from, to) in [
            (r#""abi":"ia32""#, r#""abi":"x86_64""#),
            (r#""entry":"int80""#, r#""entry":"syscall""#),
            (r#""nr":102"#, r#""nr":361"#),
            (r#""name":"SYS_BIND""#, r#""name":null"#),
            ("socketcall-ia32.sock", "other.sock"),
            (r#""ret":0"#, r#""ret":-98"#),
        ] {
            let err = check_ia32_bind(&with(SOCKETCALL, from, to)).unwrap_err();
            assert!(err.contains("the bind records"), "{from}: {err}");
        }
        let recs = with(SOCKETCALL, r#""nr":49"#, r#""nr":361"#);
        assert!(check_x64_bind(&recs).is_err());
        assert!(check_ia32_bind(&recs).is_ok());

        let err = check_header(&with(SOCKETCALL, "6.1.0-56", "6.18.44")).unwrap_err();
        assert!(err.contains("6.18.44"), "{err}");
        assert!(check_summary(&with(SOCKETCALL, r#""lost":0"#, r#""lost":3"#)).is_err());
        let no_summary = parse(SOCKETCALL.rsplit_once('\n').unwrap().0);
        assert!(check_summary(&no_summary).is_err());
    }

    #[test]
    fn uds_stream_checks() {
        let recs = parse(UDS);
        assert_eq!(
            check_uds_stream(&recs).unwrap(),
            "/tmp/tracer-demo-uds-stream-9/stream.sock"
        );
        let other = with(
            UDS,
            r#"uds-stream-9/stream.sock"},"addrlen":48,"sockfd":4"#,
            r#"x/stream.sock"},"addrlen":48,"sockfd":4"#,
        );
        assert!(check_uds_stream(&other).unwrap_err().contains("connect"));
        let only_pending = with(UDS, r#""ret":4,"syscall":"accept""#, r#""syscall":"nope""#);
        assert!(
            check_uds_stream(&only_pending)
                .unwrap_err()
                .contains("accept")
        );
        // A socket without its file, or with a file that is not a socket, fails.
        let no_file = with(UDS, r#"{"files":[{"fd":4,"#, r#"{"nofiles":[{"fd":4,"#);
        assert!(check_created_files(&no_file).is_err());
        let fifo = with(
            UDS,
            r#""ino":10502,"type":"socket""#,
            r#""ino":10502,"type":"fifo""#,
        );
        assert!(check_created_files(&fifo).is_err());
        assert!(check_created_files(&with(UDS, "", "")).is_ok());
        let accept4 = with(
            UDS,
            r#""ret":4,"syscall":"accept""#,
            r#""ret":4,"syscall":"accept4""#,
        );
        assert!(check_uds_stream(&accept4).is_ok());
    }

    #[test]
    fn json_lines_skip_noise_but_not_garbage() {
        let section = Section {
            lines: vec![
                "[   3.1] random: crng init done".into(),
                r#"{"type":"header"}"#.into(),
                String::new(),
            ],
            rc: Some(0),
        };
        assert_eq!(json_lines(&section).unwrap().len(), 1);
        let bad = Section {
            lines: vec![r#"{"type":"hea[ 3.1] oops"#.into()],
            rc: Some(0),
        };
        assert!(json_lines(&bad).unwrap_err().starts_with("not JSON"));
        assert!(json_lines(&Section::default()).is_err());
    }

    fn full_log(doctor: &str, socketcall: &str, uds: &str) -> String {
        let mut log = String::from("[    0.0] Linux version 6.1.0-56-cloud-amd64\r\n");
        for (name, body) in [
            ("doctor", doctor),
            ("record-socketcall", "tracer: 31 calls recorded"),
            ("jsonl-socketcall", socketcall),
            ("record-uds-stream", "tracer: 38 calls recorded"),
            ("jsonl-uds-stream", uds),
            ("record-hostile", "tracer: 36 calls recorded"),
            ("jsonl-hostile", HOSTILE),
            ("record-tcp-hello", "tracer: 40 calls recorded"),
            ("jsonl-tcp-hello", TCP),
            ("walkthroughs", WALKTHROUGHS),
            ("walkthrough-symbols", "checked 31"),
            ("explain-pages", "pages 978"),
            ("explain-symbols", "checked 1187"),
        ] {
            log.push_str(&format!("{BEGIN}{name}===\r\n"));
            for l in body.lines() {
                log.push_str(&format!("{l}\r\n"));
            }
            log.push_str(&format!("{END}{name} rc=0===\r\n"));
        }
        log.push_str(DONE);
        log.push_str("\r\n[    9.0] reboot: Power down\r\n");
        log
    }

    #[test]
    fn evaluate_whole_log() {
        let good_doctor = DOCTOR.replace(
            "fentry                 no (the BPF_PROG_LOAD syscall returned Operation not permitted (os error 1))",
            "fentry                 yes (loaded and attached)",
        );
        let checks = evaluate(&full_log(&good_doctor, SOCKETCALL, UDS));
        let failed: Vec<_> = checks
            .iter()
            .filter(|c| c.result.is_err())
            .map(|c| &c.name)
            .collect();
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!(
            checks.len(),
            1 + 1 + 6 + 3 + 2 + 4 * 4 + 2 + 1 + 2 + 1 + 2 + 1
        );

        let checks = evaluate(&full_log(DOCTOR, SOCKETCALL, UDS));
        let failed: Vec<_> = checks
            .iter()
            .filter(|c| c.result.is_err())
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(failed, ["doctor: fentry: yes"]);

        // tracer record failed: the JSON checks say so and point at its output.
        let log = full_log(&good_doctor, SOCKETCALL, UDS)
            .replace("record-socketcall rc=0", "record-socketcall rc=1");
        let checks = evaluate(&log);
        let failed: Vec<_> = checks.iter().filter(|c| c.result.is_err()).collect();
        assert_eq!(failed.len(), 8);
        assert_eq!(failed[0].result, Err("exit code 1".to_string()));
        for c in &failed[1..] {
            assert!(c.name.starts_with("socketcall: "), "{}", c.name);
            assert_eq!(c.result, Err("nothing recorded".to_string()));
            assert_eq!(c.section, Some("record-socketcall"));
        }

        // The VM died during the first recording.
        let log = full_log(&good_doctor, SOCKETCALL, UDS);
        let cut = &log[..log.find("{\"abi\":\"ia32\"").unwrap()];
        let checks = evaluate(cut);
        let failed: Vec<_> = checks
            .iter()
            .filter(|c| c.result.is_err())
            .map(|c| c.name.as_str())
            .collect();
        assert!(failed.contains(&"the VM ran every step and powered off"));
        assert!(failed.contains(&"record uds-stream: exits 0"));
        assert!(!failed.contains(&"record socketcall: exits 0"));
        assert!(failed.contains(&"socketcall: ia32 int80 socketcall(SYS_BIND) nr 102 is a bind"));
    }
}
