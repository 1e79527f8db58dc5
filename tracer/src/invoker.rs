//! The user who ran `sudo tracer`: the traced command runs as them (with their groups and
//! home, as `sudo -u` would give it), and the files tracer makes for them are theirs.

use std::ffi::CString;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Who ran sudo: `SUDO_UID`/`SUDO_GID` (sudo(8) sets them), with their account's name, home,
/// shell and supplementary groups when the account database knows the uid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoker {
    pub uid: u32,
    pub gid: u32,
    /// The account, if `getpwuid` knows it.
    pub account: Option<Account>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub home: std::path::PathBuf,
    pub shell: std::path::PathBuf,
    /// Every group the user is in (`getgrouplist`, what `initgroups` would set), `gid` first.
    pub groups: Vec<u32>,
}

impl Invoker {
    /// The user who ran sudo, if tracer runs under sudo.
    pub fn from_env() -> Option<Invoker> {
        let uid = std::env::var("SUDO_UID").ok()?.parse().ok()?;
        let gid = std::env::var("SUDO_GID").ok()?.parse().ok()?;
        Some(Invoker::new(uid, gid))
    }

    pub fn new(uid: u32, gid: u32) -> Invoker {
        let account = nix::unistd::User::from_uid(uid.into())
            .ok()
            .flatten()
            .map(|u| {
                let groups = CString::new(u.name.as_bytes())
                    .ok()
                    .and_then(|n| nix::unistd::getgrouplist(&n, gid.into()).ok())
                    .map_or_else(
                        || vec![gid],
                        |g| g.into_iter().map(nix::unistd::Gid::as_raw).collect(),
                    );
                Account {
                    name: u.name,
                    home: u.dir,
                    shell: u.shell,
                    groups,
                }
            });
        Invoker { uid, gid, account }
    }

    /// Make `cmd` run as this user: their groups, gid and uid (in that order: once the uid is
    /// dropped, the groups can no longer be set), and `HOME`, `USER`, `LOGNAME` and `SHELL` as
    /// sudo sets them for `sudo -u USER`.
    pub fn apply(&self, cmd: &mut Command) {
        let groups: Vec<libc::gid_t> = self
            .account
            .as_ref()
            .map_or_else(|| vec![self.gid], |a| a.groups.clone());
        let (uid, gid) = (self.uid, self.gid);
        // SAFETY: the closure runs in the child between fork and exec, and calls only
        // setgroups, setgid and setuid (raw system calls that allocate nothing and take no
        // lock); `groups` was built before the fork.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setgroups(groups.len(), groups.as_ptr()) == -1
                    || libc::setgid(gid) == -1
                    || libc::setuid(uid) == -1
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        if let Some(a) = &self.account {
            cmd.env("HOME", &a.home)
                .env("USER", &a.name)
                .env("LOGNAME", &a.name)
                .env("SHELL", &a.shell);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As root: the command gets the user's supplementary groups and home, as `sudo -u` gives.
    #[test]
    fn a_command_runs_with_the_users_groups_and_home() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: needs root to change users");
            return;
        }
        // nobody (65534) exists on Debian; its groups are whatever the system says, compared
        // with what `id -G` says of the user by name.
        let who = Invoker::new(65534, 65534);
        let Some(account) = &who.account else {
            panic!("no account for uid 65534 on this machine");
        };
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "id -u; id -G; echo $HOME; echo $USER"]);
        who.apply(&mut cmd);
        let out = cmd.output().expect("running sh as nobody");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "65534");
        let expect = Command::new("id")
            .args(["-G", &account.name])
            .output()
            .unwrap();
        let mut want: Vec<&str> = std::str::from_utf8(&expect.stdout)
            .unwrap()
            .split_whitespace()
            .collect();
        let mut got: Vec<&str> = lines[1].split_whitespace().collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(lines[2], account.home.to_string_lossy());
        assert_eq!(lines[3], account.name);
    }
}
