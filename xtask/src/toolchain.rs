//! Finding (or installing) a Rust toolchain that can build `core` for `bpfel-unknown-none`,
//! and `bpf-linker` built against the same LLVM major version.
//!
//! Route A: rustup `nightly` with the `rust-src` component, used as `cargo +nightly`.
//! Route B: Debian's `rustc-web`/`cargo-web`/`rust-web-src` (`/usr/bin/rustc`, `/usr/bin/cargo`),
//! a stable compiler that accepts `-Z build-std` with `RUSTC_BOOTSTRAP=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{self, say};
use crate::{Ctx, apt};

const BPF_LINKER_VERSION: &str = "0.13.0";
/// Debian's `rustc` before `rustc-web` (1.63 on Debian 12) is too old for edition 2024 crates.
const MIN_DEBIAN_RUSTC: (u32, u32) = (1, 95);
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_CORE_SRC: &str = "/usr/lib/rustlib/src/rust/library/core";
const DEBIAN_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    RustupNightly,
    DebianRustcWeb,
}

/// What `rustc -vV` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustcInfo {
    /// e.g. `1.96.0` or `1.97.0-nightly`
    pub release: String,
    /// e.g. `22.1.8`
    pub llvm: String,
    pub llvm_major: u32,
}

impl RustcInfo {
    pub fn parse(vv: &str) -> Result<Self> {
        let field = |name: &str| {
            vv.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .with_context(|| format!("no `{name}` line in `rustc -vV` output:\n{vv}"))
        };
        let release = field("release:")?;
        let llvm = field("LLVM version:")?;
        let llvm_major = llvm
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .with_context(|| format!("cannot read the LLVM major version in {llvm:?}"))?;
        Ok(Self {
            release,
            llvm,
            llvm_major,
        })
    }

    /// `(major, minor)` of the release, e.g. `(1, 96)`.
    pub fn version(&self) -> Option<(u32, u32)> {
        let mut it = self.release.split(['.', '-']);
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
    }
}

/// The toolchain that builds the eBPF object, and the bpf-linker it links with.
#[derive(Debug, Clone)]
pub struct EbpfToolchain {
    pub route: Route,
    pub rustc: RustcInfo,
    pub bpf_linker: PathBuf,
}

impl EbpfToolchain {
    pub fn describe(&self) -> String {
        let r = &self.rustc;
        match self.route {
            Route::RustupNightly => {
                format!(
                    "rustup nightly {} (LLVM {}) with rust-src",
                    r.release, r.llvm
                )
            }
            Route::DebianRustcWeb => format!(
                "Debian rustc-web {} (LLVM {}) with RUSTC_BOOTSTRAP=1",
                r.release, r.llvm
            ),
        }
    }

    /// The cargo program and the arguments that come before the subcommand.
    pub fn cargo(&self) -> (&'static str, &'static [&'static str]) {
        match self.route {
            Route::RustupNightly => ("cargo", &["+nightly"]),
            Route::DebianRustcWeb => (DEBIAN_CARGO, &[]),
        }
    }

    /// The packages that give the route's cargo a `clippy` (Debian's for rustc-web; rustup's
    /// nightly brings its own component, or says how to add it).
    pub fn clippy_packages(&self) -> &'static [&'static str] {
        match self.route {
            Route::RustupNightly => &[],
            Route::DebianRustcWeb => &["rust-web-clippy"],
        }
    }

    /// Directories that go first on the eBPF cargo's `PATH`, so that `cargo clippy` runs the
    /// route's own `cargo-clippy` (Debian's `/usr/bin`, not rustup's proxy).
    pub fn path_front(&self) -> Vec<PathBuf> {
        match self.route {
            Route::RustupNightly => Vec::new(),
            Route::DebianRustcWeb => Path::new(DEBIAN_CARGO)
                .parent()
                .map(Path::to_path_buf)
                .into_iter()
                .collect(),
        }
    }

    /// Variables the route needs in the eBPF cargo's environment.
    pub fn env(&self) -> Vec<(String, String)> {
        match self.route {
            Route::RustupNightly => Vec::new(),
            Route::DebianRustcWeb => vec![
                ("RUSTC".into(), DEBIAN_RUSTC.into()),
                ("RUSTC_BOOTSTRAP".into(), "1".into()),
            ],
        }
    }
}

/// Finds route A or B (installing B as root on Debian), then bpf-linker (installing it if
/// possible). Errors list the commands that would fix things.
pub fn ensure(ctx: &Ctx) -> Result<EbpfToolchain> {
    let (route, rustc) = if let Some(found) = detect() {
        found
    } else {
        install_rustc_web(ctx)?;
        detect().context("installed rustc-web, but still no usable eBPF toolchain")?
    };
    let mut tc = EbpfToolchain {
        route,
        rustc,
        bpf_linker: PathBuf::new(),
    };
    say(&format!("eBPF toolchain: {}", tc.describe()));
    tc.bpf_linker = ensure_bpf_linker(ctx, tc.rustc.llvm_major)?;
    say(&format!("bpf-linker: {}", tc.bpf_linker.display()));
    Ok(tc)
}

fn detect() -> Option<(Route, RustcInfo)> {
    if let Some(info) = detect_rustup_nightly() {
        return Some((Route::RustupNightly, info));
    }
    detect_debian().map(|info| (Route::DebianRustcWeb, info))
}

/// Never lets rustup download a toolchain while we only ask questions.
fn rustup_probe(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("RUSTUP_AUTO_INSTALL", "0");
    cmd
}

fn detect_rustup_nightly() -> Option<RustcInfo> {
    util::find_on_path("rustup")?;
    let components =
        util::probe(rustup_probe("rustup").args(["+nightly", "component", "list", "--installed"]));
    let has_src = components.as_deref().is_some_and(lists_rust_src)
        || util::probe(rustup_probe("rustc").args(["+nightly", "--print", "sysroot"])).is_some_and(
            |s| {
                Path::new(s.trim())
                    .join("lib/rustlib/src/rust/library/core")
                    .is_dir()
            },
        );
    if !has_src {
        return None;
    }
    let vv = util::probe(rustup_probe("rustc").args(["+nightly", "-vV"]))?;
    RustcInfo::parse(&vv).ok()
}

/// `rustup component list --installed` prints `rust-src` (no target suffix) when installed.
fn lists_rust_src(components: &str) -> bool {
    components
        .lines()
        .any(|l| l.trim() == "rust-src" || l.trim().starts_with("rust-src-"))
}

fn detect_debian() -> Option<RustcInfo> {
    if !Path::new(DEBIAN_RUSTC).exists()
        || !Path::new(DEBIAN_CARGO).exists()
        || !Path::new(DEBIAN_CORE_SRC).is_dir()
    {
        return None;
    }
    let info = RustcInfo::parse(&util::probe(Command::new(DEBIAN_RUSTC).arg("-vV"))?).ok()?;
    if info.version().is_some_and(|v| v >= MIN_DEBIAN_RUSTC) {
        Some(info)
    } else {
        say(&format!(
            "{DEBIAN_RUSTC} is {}, too old for the eBPF build (needs {}.{} or newer, from rustc-web)",
            info.release, MIN_DEBIAN_RUSTC.0, MIN_DEBIAN_RUSTC.1
        ));
        None
    }
}

fn install_rustc_web(ctx: &Ctx) -> Result<()> {
    if !apt::can_install(ctx) {
        bail!(
            "no toolchain that can build the eBPF object (it needs `-Z build-std=core`).\n\
             Install one of:\n  \
             rustup toolchain install nightly --component rust-src\n  \
             {}    (Debian/Ubuntu)",
            apt::install_hint(DEBIAN_PACKAGES)
        );
    }
    say(&format!(
        "no eBPF toolchain found (rustup nightly with rust-src, or Debian rustc-web); \
         installing Debian's {} with apt-get",
        DEBIAN_PACKAGES.join(", ")
    ));
    apt::install(DEBIAN_PACKAGES)
}

/// `bpf-linker` on PATH or in `~/.cargo/bin` / `/root/.cargo/bin`.
pub fn find_bpf_linker() -> Option<PathBuf> {
    util::find_on_path("bpf-linker").or_else(|| {
        util::cargo_bin_dirs()
            .into_iter()
            .map(|d| d.join("bpf-linker"))
            .find(|p| util::is_executable(p))
    })
}

fn llvm_dev_packages(major: u32) -> Vec<String> {
    vec![
        format!("llvm-{major}-dev"),
        format!("libpolly-{major}-dev"),
        "libzstd-dev".into(),
        "zlib1g-dev".into(),
    ]
}

/// `(name, value)` pairs pointing bpf-linker's build (and llvm-sys) at Debian's LLVM.
pub fn bpf_linker_env(major: u32) -> [(String, String); 2] {
    let prefix = format!("/usr/lib/llvm-{major}");
    [
        ("LLVM_PREFIX".into(), prefix.clone()),
        (format!("LLVM_SYS_{major}1_PREFIX"), prefix),
    ]
}

fn bpf_linker_install_cmd(major: u32, locked: bool) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.envs(bpf_linker_env(major)).args([
        "install",
        "bpf-linker",
        "--version",
        BPF_LINKER_VERSION,
    ]);
    if locked {
        cmd.arg("--locked");
    }
    cmd.args(["--no-default-features", "--features"])
        .arg(format!("llvm-{major}"));
    cmd
}

/// Whether a failed `cargo install --locked` failed because a locked dependency needs a newer
/// rustc than the host one.
pub fn is_rust_version_failure(stderr: &str) -> bool {
    stderr.contains("requires rustc") || stderr.contains("rust-version")
}

fn ensure_bpf_linker(ctx: &Ctx, major: u32) -> Result<PathBuf> {
    if let Some(p) = find_bpf_linker() {
        return Ok(p);
    }
    let pkgs = llvm_dev_packages(major);
    let pkgs: Vec<&str> = pkgs.iter().map(String::as_str).collect();
    let cargo_line = util::display(&bpf_linker_install_cmd(major, true));
    if !ctx.os.is_debian_like() {
        bail!(
            "bpf-linker not found. Install LLVM {major} with its development files, then:\n  \
             {cargo_line}\n(with LLVM_PREFIX and LLVM_SYS_{major}1_PREFIX set to that LLVM's prefix)"
        );
    }
    let missing = apt::missing(&pkgs);
    if !missing.is_empty() && !apt::can_install(ctx) {
        bail!(
            "bpf-linker not found. Install it with:\n  {}\n  {cargo_line}",
            apt::install_hint(&missing)
        );
    }
    let apt_step = if missing.is_empty() {
        String::new()
    } else {
        format!(
            "DEBIAN_FRONTEND=noninteractive apt-get install -y {}; ",
            missing.join(" ")
        )
    };
    say(&format!(
        "bpf-linker not found; installing it (about 1 minute): {apt_step}{cargo_line}"
    ));
    if !missing.is_empty() {
        apt::install(&missing)?;
    }
    let (status, stderr) = util::run_keep_stderr(&mut bpf_linker_install_cmd(major, true))?;
    if !status.success() {
        if !is_rust_version_failure(&stderr) {
            bail!("`{cargo_line}` failed ({status})");
        }
        say("the locked dependencies of bpf-linker need a newer rustc; retrying without --locked");
        util::run(&mut bpf_linker_install_cmd(major, false))?;
    }
    find_bpf_linker().context("`cargo install bpf-linker` succeeded but bpf-linker is not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_VV: &str = "rustc 1.96.0 (ac68faa20 2026-05-25) (built from a source tarball)
binary: rustc
commit-hash: ac68faa20c58cbccd01ee7208bf3b6e93a7d7f96
commit-date: 2026-05-25
host: x86_64-unknown-linux-gnu
release: 1.96.0
LLVM version: 22.1.8
";

    #[test]
    fn parse_debian_rustc() {
        let info = RustcInfo::parse(DEBIAN_VV).unwrap();
        assert_eq!(info.release, "1.96.0");
        assert_eq!(info.llvm, "22.1.8");
        assert_eq!(info.llvm_major, 22);
        assert_eq!(info.version(), Some((1, 96)));
    }

    #[test]
    fn parse_nightly_rustc() {
        let vv = "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)\nbinary: rustc\n\
                  release: 1.97.0-nightly\nLLVM version: 23.0.0\n";
        let info = RustcInfo::parse(vv).unwrap();
        assert_eq!(info.release, "1.97.0-nightly");
        assert_eq!(info.llvm_major, 23);
        assert_eq!(info.version(), Some((1, 97)));
        assert!(info.version().unwrap() >= MIN_DEBIAN_RUSTC);
    }

    #[test]
    fn parse_rustc_errors() {
        assert!(RustcInfo::parse("release: 1.63.0\n").is_err());
        assert!(RustcInfo::parse("release: 1.63.0\nLLVM version: x.y\n").is_err());
        let old = RustcInfo::parse("release: 1.63.0\nLLVM version: 14.0.6\n").unwrap();
        assert!(old.version().unwrap() < MIN_DEBIAN_RUSTC);
    }

    #[test]
    fn rust_src_component() {
        assert!(lists_rust_src(
            "cargo-x86_64-unknown-linux-gnu\nrust-src\nrustc-x86_64\n"
        ));
        assert!(!lists_rust_src(
            "cargo-x86_64-unknown-linux-gnu\nrust-std-x86_64-unknown-linux-gnu\n"
        ));
    }

    #[test]
    fn linker_env_and_command() {
        assert_eq!(
            bpf_linker_env(22),
            [
                ("LLVM_PREFIX".to_string(), "/usr/lib/llvm-22".to_string()),
                (
                    "LLVM_SYS_221_PREFIX".to_string(),
                    "/usr/lib/llvm-22".to_string()
                ),
            ]
        );
        assert_eq!(
            util::display(&bpf_linker_install_cmd(22, true)),
            "LLVM_PREFIX=/usr/lib/llvm-22 LLVM_SYS_221_PREFIX=/usr/lib/llvm-22 cargo install \
             bpf-linker --version 0.13.0 --locked --no-default-features --features llvm-22"
        );
    }

    #[test]
    fn rust_version_failures() {
        assert!(is_rust_version_failure(
            "error: rustc 1.80.0 is not supported by the following package:\n  \
             foo@1.2.3 requires rustc 1.81\n"
        ));
        assert!(is_rust_version_failure(
            "package `foo v1.2.3` cannot be built because it requires rustc 1.81 or newer"
        ));
        assert!(!is_rust_version_failure("unable to find library -lLLVM"));
    }

    #[test]
    fn descriptions() {
        let tc = EbpfToolchain {
            route: Route::DebianRustcWeb,
            rustc: RustcInfo::parse(DEBIAN_VV).unwrap(),
            bpf_linker: PathBuf::new(),
        };
        assert_eq!(
            tc.describe(),
            "Debian rustc-web 1.96.0 (LLVM 22.1.8) with RUSTC_BOOTSTRAP=1"
        );
        assert_eq!(tc.cargo(), ("/usr/bin/cargo", &[][..]));
        assert_eq!(tc.env()[1], ("RUSTC_BOOTSTRAP".into(), "1".into()));
    }
}
