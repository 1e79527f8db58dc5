//! Running external commands (each one printed first as `xtask: running: ...`) and small
//! facts about the machine: effective uid, `/etc/os-release`, executables on `PATH`.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, Result, bail};

/// Prints one line of progress on stderr (stdout stays for the programs xtask runs).
pub fn say(msg: &str) {
    eprintln!("xtask: {msg}");
}

/// Runs `cmd`, failing if it cannot start or exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    let line = announce(cmd);
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{line}`"))?;
    check(status, &line)
}

/// Runs `cmd` and returns its exit status whatever it is (for `cargo xtask run`).
pub fn status(cmd: &mut Command) -> Result<ExitStatus> {
    let line = announce(cmd);
    cmd.status()
        .with_context(|| format!("could not start `{line}`"))
}

/// Runs `cmd` showing its stderr as it comes and also returning it, so that a failure can be
/// looked at (used to tell a `cargo install --locked` rust-version failure from others).
pub fn run_keep_stderr(cmd: &mut Command) -> Result<(ExitStatus, String)> {
    let line = announce(cmd);
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    let mut kept = String::new();
    let stderr = child.stderr.take().expect("stderr is piped");
    for l in BufReader::new(stderr).lines() {
        let l = l.with_context(|| format!("reading the output of `{line}`"))?;
        let _ = writeln!(std::io::stderr(), "{l}");
        kept.push_str(&l);
        kept.push('\n');
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{line}`"))?;
    Ok((status, kept))
}

/// Runs a probe whose failure is an answer, not an error: `None` if it cannot start or exits
/// non-zero. Its stderr is dropped (e.g. rustup's "toolchain 'nightly' is not installed").
pub fn probe(cmd: &mut Command) -> Option<String> {
    announce(cmd);
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    if out.status.success() {
        String::from_utf8(out.stdout).ok()
    } else {
        None
    }
}

/// Like [`probe`] but returns stdout whatever the exit status (`dpkg-query -W` exits 1 when
/// one of several packages is unknown yet prints the others).
pub fn probe_any_status(cmd: &mut Command) -> Option<String> {
    announce(cmd);
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    String::from_utf8(out.stdout).ok()
}

fn announce(cmd: &Command) -> String {
    let line = display(cmd);
    say(&format!("running: {line}"));
    line
}

fn check(status: ExitStatus, line: &str) -> Result<()> {
    if status.success() {
        Ok(())
    } else {
        bail!("`{line}` failed ({status})")
    }
}

/// Shows `cmd` as one shell line: the variables it sets, the program and its arguments, then
/// the variables it removes from the inherited environment, if any.
pub fn display(cmd: &Command) -> String {
    let inherited_path = std::env::var("PATH").unwrap_or_default();
    let mut parts = Vec::new();
    let mut unset = Vec::new();
    for (k, v) in cmd.get_envs() {
        let k = k.to_string_lossy();
        match v {
            Some(v) => parts.push(format!(
                "{k}={}",
                env_value(&k, &v.to_string_lossy(), &inherited_path)
            )),
            None => unset.push(k.into_owned()),
        }
    }
    parts.push(quote(&cmd.get_program().to_string_lossy()));
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    let mut line = parts.join(" ");
    if let Some(dir) = cmd.get_current_dir()
        && std::env::current_dir().ok().as_deref() != Some(dir)
    {
        line = format!("cd {} && {line}", quote(&dir.to_string_lossy()));
    }
    if !unset.is_empty() {
        let _ = write!(line, "   [unset: {}]", collapse_unset(&unset).join(" "));
    }
    line
}

/// `PATH=/a:/b:<inherited PATH>` is shown as `PATH=/a:/b:$PATH`.
fn env_value(key: &str, value: &str, inherited_path: &str) -> String {
    if key == "PATH"
        && !inherited_path.is_empty()
        && let Some(prefix) = value.strip_suffix(inherited_path)
    {
        return format!("{}$PATH", quote_unless_empty(prefix));
    }
    quote(value)
}

fn quote_unless_empty(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        quote(s)
    }
}

/// Groups `CARGO_PKG_NAME CARGO_PKG_VERSION ...` as `CARGO_PKG_*`.
fn collapse_unset(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let shown = ["CARGO_PKG_", "CARGO_MANIFEST_"]
            .iter()
            .find(|p| n.starts_with(*p))
            .map_or_else(|| n.clone(), |p| format!("{p}*"));
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    out
}

/// Quotes `s` for a POSIX shell when needed; control characters (the `\x1f` separators of
/// `CARGO_ENCODED_RUSTFLAGS`) use bash's `$'..'` form.
pub fn quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=+,@%^".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_string();
    }
    if s.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The effective user id of this process.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// `ID` and `ID_LIKE` from `/etc/os-release`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub id_like: Vec<String>,
}

impl OsRelease {
    pub fn read() -> Self {
        std::fs::read_to_string("/etc/os-release")
            .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
            .map(|s| Self::parse(&s))
            .unwrap_or_default()
    }

    pub fn parse(text: &str) -> Self {
        let mut os = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            match key.trim() {
                "ID" => os.id = value.to_ascii_lowercase(),
                "ID_LIKE" => {
                    os.id_like = value
                        .split_whitespace()
                        .map(str::to_ascii_lowercase)
                        .collect();
                }
                _ => {}
            }
        }
        os
    }

    /// Debian, Ubuntu or a derivative of either: apt-get and Debian package names apply.
    pub fn is_debian_like(&self) -> bool {
        std::iter::once(&self.id)
            .chain(&self.id_like)
            .any(|id| id == "debian" || id == "ubuntu")
    }
}

/// Finds an executable called `name` in the directories of `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `$HOME/.cargo/bin` and `/root/.cargo/bin`, without duplicates: where `cargo install` puts
/// bpf-linker for the invoking user and for root.
pub fn cargo_bin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    let root = PathBuf::from("/root/.cargo/bin");
    if !dirs.contains(&root) {
        dirs.push(root);
    }
    dirs
}

/// A `Command` for `program` started in the workspace root.
pub fn command_in(program: impl AsRef<OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_debian() {
        let os = OsRelease::parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        );
        assert_eq!(os.id, "debian");
        assert!(os.id_like.is_empty());
        assert!(os.is_debian_like());
    }

    #[test]
    fn os_release_derivatives() {
        let mint = OsRelease::parse("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n");
        assert_eq!(mint.id_like, ["ubuntu", "debian"]);
        assert!(mint.is_debian_like());
        assert!(OsRelease::parse("ID=ubuntu\nID_LIKE=debian").is_debian_like());
        assert!(OsRelease::parse("ID='Ubuntu'").is_debian_like());
    }

    #[test]
    fn os_release_others() {
        assert!(!OsRelease::parse("ID=fedora\n").is_debian_like());
        assert!(!OsRelease::parse("ID=rocky\nID_LIKE=\"rhel centos fedora\"").is_debian_like());
        assert!(!OsRelease::parse("").is_debian_like());
        assert!(!OsRelease::parse("ID=debianish").is_debian_like());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("build-std=core"), "build-std=core");
        assert_eq!(quote("sudo -E"), "'sudo -E'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("-C\x1fdebuginfo=2"), r"$'-C\x1fdebuginfo=2'");
    }

    #[test]
    fn display_shows_env_args_and_unset() {
        let mut cmd = Command::new("/usr/bin/cargo");
        cmd.args(["build", "-Z", "build-std=core"])
            .env("RUSTC_BOOTSTRAP", "1")
            .env_remove("CARGO_PKG_NAME")
            .env_remove("CARGO_PKG_VERSION")
            .env_remove("RUSTUP_TOOLCHAIN");
        assert_eq!(
            display(&cmd),
            "RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -Z build-std=core   \
             [unset: CARGO_PKG_* RUSTUP_TOOLCHAIN]"
        );
    }

    #[test]
    fn path_shown_relative_to_inherited() {
        assert_eq!(
            env_value("PATH", "/root/.cargo/bin:/usr/bin:/bin", "/usr/bin:/bin"),
            "/root/.cargo/bin:$PATH"
        );
        assert_eq!(env_value("PATH", "/x", "/usr/bin"), "/x");
        assert_eq!(env_value("OTHER", "/a:/usr/bin", "/usr/bin"), "/a:/usr/bin");
    }
}
