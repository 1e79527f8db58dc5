//! The replay builds the model the live view built from the same events. A real capture, as
//! root, of the demos: every raw record read from the ring buffer is written to a native
//! recording as `tracer record` writes it, and also decoded, joined and fed to an app as the
//! live view does (`Source::push_raw` is `Source::read` for a record already taken; the
//! live view's `feed` with its /proc lookups, its periodic `check_into` and
//! `look_at_objects`). The recording is then replayed into a second app as `tracer replay`
//! feeds it. The two models' canonical dumps (`dump.rs`) must be equal: every call with its
//! arguments, result and journey, the processes, the stats, the objects (SysV ids, and the
//! sockets and pipes whose files the kernel side read as they were made), the lost count.

use std::io::BufWriter;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::app::{Action, App, Config};
use super::resolve::Resolver;
use super::{Seen, check_into, dump::dump, feed, look_at_objects};
use crate::capture::Options;
use crate::record::{self, Source};
use crate::recording::header;
use crate::recording::writer::Recorder;
use crate::syscalls::Selection;

/// Set for the child that runs the demos: the demos to run, comma-separated.
const DEMOS_VAR: &str = "TRACER_MODEL_TEST_DEMOS";
/// Sockets with journeys, a SysV queue (an object the events name), a pipe and fork.
const DEMOS: &str = "uds-stream,msgqueue,pipe";
const KEEP: usize = 100_000;
/// A descriptor a call made: the call, the descriptor, its inode number and mode if known.
type Made = (&'static str, i64, Option<(u64, u32)>);

/// Not a test of its own: the traced command of the test below, which runs this test binary
/// again with only this test and `TRACER_MODEL_TEST_DEMOS` set (the demos are this binary's
/// code). Without the variable it does nothing.
#[test]
fn demo_child() {
    if let Ok(names) = std::env::var(DEMOS_VAR) {
        for name in names.split(',') {
            crate::demo::run(name).unwrap();
        }
    }
}

fn boot_ns() -> u64 {
    record::now_ns(nix::time::ClockId::CLOCK_BOOTTIME) as u64
}

#[test]
fn a_replay_builds_the_model_the_live_view_built() {
    let rt = record::tests::root_runtime();
    let _rt = rt.enter();
    let opts = Options {
        pids: Some(Vec::new()),
        selection: Selection::default_for(true),
        comms: Vec::new(),
        snaplen: 64,
        ring_bytes: 16 << 20,
        wrappers: true,
        no_backpressure: false,
        batch_kib: crate::capture::BATCH_KIB,
        status: None,
    };
    let mut src = Source::start(&opts).expect("loading the eBPF programs");
    // The names of the calls' user addresses, as `record` writes them into the recording, are
    // given to the live joiner too: both sides name each address from the same look-up (two
    // look-ups microseconds apart could disagree about a process that exits between them).
    src.joiner.user = crate::usersym::UserSyms::Off;
    let mut names = crate::usersym::Interner::default();
    let scope = format!("command \"demo {DEMOS}\"");
    let mut app = App::new(Config {
        ksyms: src.cap.ksyms.clone(),
        boot_to_wall: src.boot_to_wall,
        scope: scope.clone(),
        mechanisms: String::new(),
        command_output: None,
        keep: KEEP,
    });
    let mut resolver = Resolver::default();

    let dir = std::env::temp_dir().join(format!("tracer-model-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demos.tracer");
    let h = header::for_capture(&src.cap, &opts, &scope, src.boot_to_wall);
    let file = BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut recorder = Recorder::new(file, &h).unwrap();

    let tid = nix::unistd::gettid().as_raw() as u32;
    src.cap.track_children_of(tid).unwrap();
    let spawned = Command::new(std::env::current_exe().unwrap())
        .args(["live::model_tests::demo_child", "--exact", "--nocapture"])
        .args(["--test-threads=1", "-q"])
        .env(DEMOS_VAR, DEMOS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    src.cap.stop_tracking_children().unwrap();
    let mut child = spawned.unwrap();

    let deadline = Instant::now() + Duration::from_mins(2);
    let mut last_check = Instant::now();
    let mut rec_lost = 0;
    let mut raw: Vec<Vec<u8>> = Vec::new();
    let mut frames = Vec::new();
    // Each descriptor a call created, with the file the kernel side read for it.
    let mut made: Vec<Made> = Vec::new();
    let mut read_both = |app: &mut App, resolver: &mut Resolver| {
        src.read_raw(&mut |r| {
            raw.push(r.to_vec());
            if let Some(frame) = names.before(r) {
                recorder.write_user_frame(&frame)?;
                frames.push(frame);
            }
            recorder.write_record(r)
        })
        .unwrap();
        for f in frames.drain(..) {
            src.joiner.user.record(f);
        }
        for r in raw.drain(..) {
            src.push_raw(&r, &mut |item| {
                if let crate::trace::Item::Call(c) = &item
                    && let Some(ret) = c.ret.filter(|r| *r >= 0)
                {
                    let fds = match c.row.name {
                        "socket" | "accept" | "accept4" => vec![ret],
                        "socketpair" | "pipe" | "pipe2" => {
                            c.fd_pair().map_or(Vec::new(), Vec::from)
                        }
                        _ => Vec::new(),
                    };
                    for fd in fds {
                        made.push((
                            c.row.name,
                            fd,
                            super::resolve::file_cap(c, fd).map(|f| (f.ino, f.mode)),
                        ));
                    }
                }
                feed(app, Seen::Item(item), resolver);
                Ok(())
            })
            .unwrap();
        }
        if last_check.elapsed() >= super::CHECK_EVERY {
            last_check = Instant::now();
            check_into(&mut src, app, resolver);
            // As `record` does on its tick.
            let lost = src.cap.lost();
            if lost > rec_lost {
                recorder.write_lost(boot_ns(), lost - rec_lost).unwrap();
                rec_lost = lost;
            }
            recorder.flush().unwrap();
        }
    };
    let status = loop {
        read_both(&mut app, &mut resolver);
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "the demos did not finish");
        std::thread::sleep(Duration::from_millis(10));
    };
    // Everything the command did was committed before it exited.
    read_both(&mut app, &mut resolver);
    look_at_objects(&mut app, &resolver);
    app.update(Action::Finished(format!("command exited ({status})")));
    recorder.finish(boot_ns(), None).unwrap();
    assert!(status.success(), "the demos failed: {status}");

    let replayed = super::replay::replay_all(&path, KEEP).unwrap();
    let (a, b) = (dump(&app), dump(&replayed));
    std::fs::write(dir.join("live.txt"), &a).unwrap();
    std::fs::write(dir.join("replay.txt"), &b).unwrap();
    if a != b {
        let diff: Vec<String> = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(5)
            .map(|(i, (x, y))| format!("line {i}:\n  live:   {x}\n  replay: {y}"))
            .collect();
        panic!(
            "the replayed model differs from the live one ({} and {} lines; both in {}):\n{}",
            a.lines().count(),
            b.lines().count(),
            dir.display(),
            diff.join("\n")
        );
    }
    // The comparison is not vacuous: the demos' calls, journeys, processes and queue are there.
    for needle in [
        r#""syscall":"bind""#,
        r#""func":"__sys_bind""#,
        r#""syscall":"accept"#,
        r#""syscall":"msgsnd""#,
        r#""syscall":"msgrcv""#,
        r#""syscall":"pipe2""#,
        "\nobject msq:",
        // Sockets and pipes, resolved from the files read in the kernel (no /proc in a replay).
        "\nobject ino:",
        " UnixStream ",
        " Pipe ",
        "call obj=ino:",
        "\nproc 1 ",
        "\nstats bind ",
    ] {
        assert!(a.contains(needle), "no {needle} in the live model:\n{a}");
    }
    assert!(a.starts_with("lost 0 evicted 0 "), "{a}");
    // Every descriptor the demos created came with its file, read in the kernel (OP_FD_FILE):
    // sockets are sockets, the two ends of a pipe one inode, of a socketpair two.
    let files = |name: &str| -> Vec<(u64, u32)> {
        made.iter()
            .filter(|m| m.0 == name)
            .map(|m| m.2.unwrap_or_else(|| panic!("no file for {m:?}")))
            .collect()
    };
    for name in ["socket", "accept", "socketpair", "pipe2"] {
        for (ino, mode) in files(name) {
            let want = if name == "pipe2" {
                libc::S_IFIFO
            } else {
                libc::S_IFSOCK
            };
            assert!(
                ino != 0 && mode & libc::S_IFMT == want,
                "{name}: {ino} {mode:o}"
            );
        }
    }
    let pipes = files("pipe2");
    assert!(!pipes.is_empty() && pipes.len() % 2 == 0, "{made:?}");
    assert!(pipes.chunks(2).all(|p| p[0].0 == p[1].0), "{pipes:?}");
    let accepted = files("accept");
    assert!(
        !accepted.is_empty() && !files("socket").is_empty(),
        "{made:?}"
    );
    // The live view took the accepted socket by that inode, without /proc.
    assert!(
        app.objects
            .get(&super::objects::ObjKey::Inode(accepted[0].0))
            .is_some(),
        "{a}"
    );
    assert!(
        a.lines().filter(|l| l.starts_with("call")).count() > 30,
        "{a}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
