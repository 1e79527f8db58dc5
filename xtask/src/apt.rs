//! Installing Debian packages: only as root on Debian/Ubuntu; otherwise the error says which
//! commands to run. `apt-get update` runs at most once per xtask run.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, bail};

use crate::Ctx;
use crate::util::{self, say};

static UPDATED: AtomicBool = AtomicBool::new(false);

/// Whether xtask may install packages itself: root on Debian or a derivative.
pub fn can_install(ctx: &Ctx) -> bool {
    ctx.is_root && ctx.os.is_debian_like()
}

/// The commands a user runs to install `pkgs` (for error messages).
pub fn install_hint(pkgs: &[&str]) -> String {
    format!(
        "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y {}",
        pkgs.join(" ")
    )
}

/// `apt-get update` (once per run) then `apt-get install -y <pkgs>`.
pub fn install(pkgs: &[&str]) -> Result<()> {
    if !UPDATED.swap(true, Ordering::SeqCst) {
        util::run(Command::new("apt-get").arg("update"))?;
    }
    util::run(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y"])
            .args(pkgs),
    )
}

/// Those of `pkgs` that dpkg does not report as installed.
pub fn missing<'a>(pkgs: &[&'a str]) -> Vec<&'a str> {
    // One query for all; unknown packages make dpkg-query exit 1 but the others still print.
    let mut cmd = Command::new("dpkg-query");
    cmd.args(["-W", "-f=${Package} ${Status}\\n"]).args(pkgs);
    let out = util::probe_any_status(&mut cmd).unwrap_or_default();
    let installed = installed_from_dpkg_query(&out);
    pkgs.iter()
        .copied()
        .filter(|p| !installed.iter().any(|i| i == p))
        .collect()
}

/// Parses `dpkg-query -W -f='${Package} ${Status}\n'` lines such as
/// `strace install ok installed` (but not `foo deinstall ok config-files`).
pub fn installed_from_dpkg_query(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?;
            (words.last() == Some("installed")).then(|| name.to_string())
        })
        .collect()
}

/// Makes sure the Debian packages `pkgs` are installed (installing the missing ones as root);
/// on systems without dpkg only says what is expected.
pub fn ensure_packages(ctx: &Ctx, pkgs: &[&str]) -> Result<()> {
    if !ctx.os.is_debian_like() || util::find_on_path("dpkg-query").is_none() {
        say(&format!(
            "not a Debian/Ubuntu system: cannot check for {}; make sure their equivalents are installed",
            pkgs.join(" ")
        ));
        return Ok(());
    }
    let missing = missing(pkgs);
    if missing.is_empty() {
        return Ok(());
    }
    if !can_install(ctx) {
        bail!(
            "missing Debian packages: {}. Install them with:\n  {}",
            missing.join(" "),
            install_hint(&missing)
        );
    }
    say(&format!(
        "installing missing Debian packages: {}",
        missing.join(" ")
    ));
    install(&missing)?;
    let still = self::missing(&missing);
    if !still.is_empty() {
        bail!("apt-get did not install {}", still.join(" "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_query_output() {
        let out = "strace install ok installed\ngcc-multilib deinstall ok config-files\n\
                   llvm-22-dev hold ok installed\nfoo unknown ok not-installed\n";
        assert_eq!(installed_from_dpkg_query(out), ["strace", "llvm-22-dev"]);
        assert!(installed_from_dpkg_query("").is_empty());
    }

    #[test]
    fn hint() {
        assert_eq!(
            install_hint(&["strace", "gcc-multilib"]),
            "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y strace gcc-multilib"
        );
    }
}
