//! `tracer live` end to end: the real binary, as root, on the real kernel, in a real terminal
//! (a detached tmux session), read back with `tmux capture-pane`.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TRACER, require_root};

/// A tmux session of its own, killed when the test ends however it ends.
struct Tmux {
    name: String,
}

impl Tmux {
    fn start(tag: &str, width: u16, height: u16) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "the live test needs tmux (`cargo xtask test` installs it; or apt-get install tmux)"
        );
        let name = format!("tracer-{tag}-{}", std::process::id());
        let st = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            // A plain shell with a known prompt: the test recognises it when tracer has left.
            .args(["env", "PS1=READY$ ", "bash", "--norc", "--noprofile"])
            .status()
            .expect("running tmux");
        assert!(st.success(), "tmux new-session failed");
        Tmux { name }
    }

    fn send(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(st.success());
    }

    /// A tmux format variable of the pane, e.g. `alternate_on`.
    fn flag(&self, name: &str) -> String {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name])
            .arg(format!("#{{{name}}}"))
            .output()
            .expect("tmux display-message");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `ok`; panics with the screen after `secs`.
    fn wait_for(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "waited {secs} s for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

#[test]
fn live_shows_the_bind_and_its_journey_then_quits_cleanly() {
    require_root();
    let out = common::out_file("live").with_extension("out");
    let tmux = Tmux::start("live", 100, 40);
    tmux.wait_for("the shell", 10, |s| s.contains("READY$"));
    let cmd = format!(
        "{TRACER} live -e %net --command-output {} -- {TRACER} demo uds-stream",
        out.display()
    );
    tmux.send(&[&cmd, "Enter"]);
    // Generous: while other tests detach their uprobes, the kernel can hold a process in exit for
    // tens of seconds.
    let s = tmux.wait_for("the demo to finish", 150, |s| s.contains("trace finished"));
    assert!(s.contains("the command exited with 0"), "{s}");
    assert_eq!(
        tmux.flag("alternate_on"),
        "1",
        "the UI is on the alternate screen"
    );
    assert_eq!(
        tmux.flag("mouse_any_flag"),
        "1",
        "the UI asked for mouse events"
    );
    assert!(s.contains("TIME") && s.contains("CALL = RESULT"), "{s}");

    // Filter the list to the bind: it is selected, and its journey shown below it.
    tmux.send(&["f"]);
    tmux.wait_for("the filter prompt", 10, |s| s.contains("filter: "));
    tmux.send(&["-l", "bind"]);
    tmux.send(&["Enter"]);
    // The filter prompt closes and the pane follows the new selection on the next frames: wait
    // for the whole journey (a frame caught mid-update once showed the header of the bind over
    // the steps of the previously selected accept, with the prompt still open).
    let s = tmux.wait_for("the bind's journey", 10, |s| {
        s.contains("Journey of bind") && s.contains("returns 0") && !s.contains("Enter: apply")
    });
    // The list's line, and the journey's first line with the address in full.
    let bind_lines: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("bind(3, {sa_family=AF_UNIX") && l.contains("= 0"))
        .collect();
    assert_eq!(
        bind_lines.len(),
        2,
        "the bind in the list and in the pane:\n{s}"
    );
    assert!(bind_lines[1].contains("stream.sock\""), "{s}");
    for step in ["user space ▼ kernel", "kernel ▲ user space", "returns 0"] {
        assert!(s.contains(step), "no {step:?} in the journey:\n{s}");
    }
    // Entry code exists on every x86-64 kernel; which names depends on the version.
    assert!(
        s.contains("entry_SYSCALL_64") || s.contains("do_syscall_64"),
        "no entry code in:\n{s}"
    );
    assert!(s.contains("__sys_bind"), "no __sys_bind in:\n{s}");
    assert!(s.contains("● bind+0x") || s.contains("● 0x"), "{s}");

    // The command wrote to its file, not over the screen.
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(written.contains("server: listening"), "{written:?}");
    assert!(
        !s.contains("server: listening"),
        "the command's output reached the screen:\n{s}"
    );

    tmux.send(&["q"]);
    let s = tmux.wait_for("the shell again", 20, |s| {
        s.lines().filter(|l| l.starts_with("READY$")).count() >= 2
    });
    assert!(!s.contains("Journey of"), "the UI is still on screen:\n{s}");
    assert_eq!(
        tmux.flag("alternate_on"),
        "0",
        "the alternate screen was left"
    );
    assert_eq!(
        tmux.flag("mouse_any_flag"),
        "0",
        "mouse reporting was switched off"
    );
    // The terminal is back in cooked mode: a typed command runs.
    tmux.send(&["echo restored-$((6*7))", "Enter"]);
    tmux.wait_for("the shell to run a command", 10, |s| {
        s.contains("restored-42")
    });
}

#[test]
fn the_objects_pane_shows_a_pipe_and_both_ends() {
    require_root();
    let tmux = Tmux::start("objects", 120, 30);
    tmux.wait_for("the shell", 10, |s| s.contains("READY$"));
    let out = common::out_file("live-objects").with_extension("out");
    // cat blocks in read on the pipe for two seconds: tracer looks at the pipe meanwhile.
    let cmd = format!(
        "{TRACER} live -e pipe2,read --command-output {} -- /bin/sh -c 'sleep 2 | cat'",
        out.display()
    );
    tmux.send(&[&cmd, "Enter"]);
    tmux.wait_for("the command to finish", 150, |s| {
        s.contains("trace finished")
    });
    tmux.send(&["Tab", "Tab"]);
    let s = tmux.wait_for("the objects pane", 10, |s| s.contains("Objects: "));
    let pipe = s
        .lines()
        .find(|l| l.starts_with("pipe "))
        .unwrap_or_else(|| panic!("no pipe in:\n{s}"));
    // sleep holds the write end, cat the read end: both seen in /proc/PID/fd(info).
    assert!(pipe.contains("w,") || pipe.contains("w "), "{pipe}");
    assert!(pipe.contains('r'), "{pipe}");
    assert!(pipe.contains("ino "), "{pipe}");
    // Enter lists the pipe's calls: cat's read.
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the pipe's calls", 10, |s| s.contains("filter: obj=ino:"));
    assert!(s.contains("read(0, \"\""), "{s}");
    assert!(s.contains("on pipe"), "the journey names the object:\n{s}");
    tmux.send(&["q"]);
    tmux.wait_for("the shell again", 20, |s| {
        s.lines().filter(|l| l.starts_with("READY$")).count() >= 2
    });
}

/// `tracer live -y`: the list says what each descriptor is, as `tracer record -y` and strace's
/// -y do (the same descriptor model, fds.rs), the call's result too.
#[test]
fn live_y_says_what_each_descriptor_is() {
    require_root();
    let tmux = Tmux::start("live-y", 160, 30);
    tmux.wait_for("the shell", 10, |s| s.contains("READY$"));
    let out = common::out_file("live-y").with_extension("out");
    let cmd = format!(
        "{TRACER} live -y -e openat --command-output {} -- cat /etc/hostname",
        out.display()
    );
    tmux.send(&[&cmd, "Enter"]);
    let s = tmux.wait_for("the command to finish", 150, |s| {
        s.contains("trace finished")
    });
    // The list (cut to its column) and the journey of the selected call, the last one.
    assert!(
        s.lines()
            .any(|l| l.contains("openat(AT_FDCWD</") && l.contains("= 3</etc/hostname>")),
        "{s}"
    );
    // The journey pane is the right-hand part of the screen, from its title's column; its call
    // line wraps where the working directory's name makes it long (CI's checkout is deeper).
    let col = s
        .lines()
        .find_map(|l| l.find(" Journey of openat").map(|b| l[..b].chars().count()))
        .unwrap_or_else(|| panic!("no journey pane:\n{s}"));
    let pane: Vec<String> = s
        .lines()
        .skip_while(|l| !l.contains(" Journey of openat"))
        .skip(1)
        .map(|l| l.chars().skip(col).collect::<String>().trim().to_string())
        .take_while(|l| !l.contains(" pid "))
        .collect();
    // Compared without blanks: a wrap may fall on one.
    let call: String = pane.concat().split_whitespace().collect();
    assert!(
        call.starts_with("openat(AT_FDCWD</")
            && call.ends_with("\"/etc/hostname\",O_RDONLY)=3</etc/hostname>"),
        "the journey's call line {call:?} in:\n{s}"
    );
    tmux.send(&["q"]);
    tmux.wait_for("the shell again", 20, |s| {
        s.lines().filter(|l| l.starts_with("READY$")).count() >= 2
    });
}

/// The children of process `pid` (from /proc, every thread's list).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| {
            c.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// SIGTERM or SIGINT (from `kill`: in raw mode Ctrl-C is a key) ends the UI and restores the
/// terminal.
fn a_signal_restores_the_terminal(sig: nix::sys::signal::Signal, tag: &str) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    require_root();
    let tmux = Tmux::start(tag, 80, 24);
    tmux.wait_for("the shell", 10, |s| s.contains("READY$"));
    let out = common::out_file(tag).with_extension("out");
    let cmd = format!(
        "{TRACER} live -e bind --command-output {} -- sleep 30",
        out.display()
    );
    tmux.send(&[&cmd, "Enter"]);
    tmux.wait_for("the UI", 60, |s| s.contains("CALL = RESULT"));
    let shell: u32 = Command::new("tmux")
        .args(["display-message", "-p", "-t", &tmux.name, "#{pane_pid}"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .expect("the pane's shell pid");
    let tracer = *children(shell).first().expect("tracer, the shell's child");
    let sleeper = children(tracer);
    kill(Pid::from_raw(tracer as i32), sig).expect("signalling tracer");
    let s = tmux.wait_for("the shell again", 20, |s| {
        s.lines().filter(|l| l.starts_with("READY$")).count() >= 2 && !s.contains("CALL = RESULT")
    });
    assert!(!s.contains("Journey"), "{s}");
    assert_eq!(tmux.flag("alternate_on"), "0");
    assert_eq!(tmux.flag("mouse_any_flag"), "0");
    for p in sleeper {
        let _ = kill(Pid::from_raw(p as i32), Signal::SIGKILL);
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    a_signal_restores_the_terminal(nix::sys::signal::Signal::SIGTERM, "sigterm");
}

#[test]
fn sigint_restores_the_terminal() {
    a_signal_restores_the_terminal(nix::sys::signal::Signal::SIGINT, "sigint");
}

#[test]
fn without_a_terminal_it_says_to_use_record() {
    let out = Command::new(TRACER)
        .args(["-e", "bind"])
        .output()
        .expect("running tracer");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("terminal UI") && err.contains("tracer record"),
        "{err}"
    );
    // Bad options are reported before anything else, as record does.
    let out = Command::new(TRACER)
        .args(["live", "-e", "bnid"])
        .output()
        .expect("running tracer");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean bind"),
        "{out:?}"
    );
}

/// `tracer replay` opens the same view over a native recording, as a user without privileges,
/// and jumps to a typed time.
#[test]
fn replay_shows_a_recording_without_root() {
    require_root();
    let file = common::out_file("replay").with_extension("tracer");
    let st = Command::new(TRACER)
        .args(["record", "-e", "%net", "-o"])
        .arg(&file)
        .args(["--", TRACER, "demo", "uds-stream"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    // A recording is private to whoever made it: hand it to the unprivileged user.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let dir = file.parent().unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Wide: the replay's position is at the end of the status bar.
    let tmux = Tmux::start("replay", 250, 40);
    tmux.wait_for("the shell", 10, |s| s.contains("READY$"));
    let cmd = format!(
        "setpriv --reuid=65534 --regid=65534 --clear-groups {TRACER} replay {}",
        file.display()
    );
    tmux.send(&[&cmd, "Enter"]);
    let s = tmux.wait_for("the end of the recording", 60, |s| {
        s.contains("end of the recording, trace finished")
    });
    assert!(s.contains("bind(3, {sa_family=AF_UNIX"), "{s}");
    assert!(
        s.contains("recorded tracepoint-only") || s.contains("recorded with"),
        "{s}"
    );
    assert_eq!(tmux.flag("alternate_on"), "1");

    // Jump to a typed time: paused, back to the start, only the first call is listed.
    tmux.send(&["p"]);
    tmux.send(&["t"]);
    tmux.wait_for("the jump prompt", 10, |s| s.contains("jump to: "));
    tmux.send(&["-l", "0:00"]);
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the jump to the start", 20, |s| {
        s.contains("paused 1x at 0:00.0 of ") && !s.contains("bind(3, {sa_family=AF_UNIX")
    });
    assert!(!s.contains("jump to: "), "the prompt closed:\n{s}");
    // A bad time: one line saying so, nothing moves; Esc closes the prompt.
    tmux.send(&["t"]);
    tmux.send(&["-l", "soon"]);
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the error", 10, |s| {
        s.contains("jump: not a time: \"soon\"")
    });
    assert!(s.contains("jump to: soon"), "{s}");
    tmux.send(&["Escape"]);
    tmux.wait_for("the prompt to close", 10, |s| !s.contains("jump to: "));
    // Forward, relative to here: everything again.
    tmux.send(&["t"]);
    tmux.send(&["-l", "+1m"]);
    tmux.send(&["Enter"]);
    tmux.wait_for("the jump forward", 20, |s| {
        s.contains("bind(3, {sa_family=AF_UNIX")
    });
    // The objects pane: the demo's sockets, known from the files the recording holds for the
    // descriptors socket() and accept() made (the replay reads no /proc).
    tmux.send(&["Tab", "Tab"]);
    let s = tmux.wait_for("the objects pane", 10, |s| s.contains("Objects: "));
    let socks: Vec<&str> = s.lines().filter(|l| l.contains(" unix stream ")).collect();
    assert!(
        socks.len() >= 3,
        "the listener, the client and the connection:\n{s}"
    );
    assert!(socks.iter().all(|l| l.contains("ino ")), "{s}");
    assert!(
        s.contains("calls on descriptors the recording does not show made"),
        "{s}"
    );

    tmux.send(&["q"]);
    tmux.wait_for("the shell again", 10, |s| {
        s.lines().last().is_some_and(|l| l.starts_with("READY$"))
            || s.trim_end().ends_with("READY$")
    });
    assert_eq!(tmux.flag("alternate_on"), "0", "the terminal was restored");
}

/// SIGHUP (the terminal went away, or `kill -HUP`) ends the live view as `q` does: the
/// terminal restored, the command ended, and its status is tracer's.
#[test]
fn sighup_restores_the_terminal_and_ends_the_command() {
    require_root();
    let tmux = Tmux::start("hup", 100, 30);
    tmux.wait_for("the shell", 10, |s| s.contains("READY$"));
    // A sleep of its own length, to be found by its command line.
    let marker = 6000 + std::process::id() % 1000;
    tmux.send(&[
        &format!("{TRACER} live -e bind -- sleep {marker}; echo rc=$?"),
        "Enter",
    ]);
    tmux.wait_for("the UI", 60, |s| s.contains("CALL = RESULT"));
    let pids = |pattern: &str| -> Vec<i32> {
        let o = Command::new("pgrep")
            .args(["-f", pattern])
            .output()
            .expect("pgrep");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    };
    let tracer = pids(&format!("tracer live -e bind -- sleep {marker}"));
    assert_eq!(tracer.len(), 1, "{tracer:?}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(tracer[0]),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let s = tmux.wait_for("tracer to end", 30, |s| {
        s.lines().any(|l| l.starts_with("rc="))
    });
    // sleep died of the SIGTERM tracer sent it as the UI closed: 128 + 15.
    assert!(s.contains("rc=143"), "{s}");
    assert_eq!(
        tmux.flag("alternate_on"),
        "0",
        "the alternate screen was left"
    );
    assert!(
        pids(&format!("^sleep {marker}$")).is_empty(),
        "the command outlived tracer"
    );
}
