//! The drawing on ratatui's `TestBackend`, with fixed pids and times: snapshots at 80x24 and
//! at small sizes, and no panic at any size.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::live::app::{Action, App, Pane};
use crate::live::testdata::app;

fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.update(Action::Resize { width, height });
    let mut t = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    t.draw(|f| super::draw(f, app)).expect("drawing");
    text(t.backend().buffer())
}

/// A drawn buffer as text, one line per row.
pub(crate) fn text(buf: &ratatui::buffer::Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn list_and_journey_80x24() {
    let mut app = app();
    // Select the bind: its journey has an observed libc hop.
    app.update(Action::Up);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn journey_expanded_80x24() {
    let mut app = app();
    app.update(Action::Up);
    app.update(Action::Expand);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn usable_at_60x20() {
    let mut app = app();
    app.update(Action::Lost(3));
    insta::assert_snapshot!(screen(&mut app, 60, 20));
}

#[test]
fn processes_stats_log_and_help() {
    let mut app = app();
    app.update(Action::Message(
        "libc wrappers probed in /lib/x86_64-linux-gnu/libc.so.6".into(),
    ));
    app.update(Action::Finished("command exited (exit status: 0)".into()));
    for pane in [Pane::Objects, Pane::Procs, Pane::Stats, Pane::Log] {
        while app.pane != pane {
            app.update(Action::NextPane);
        }
        insta::assert_snapshot!(format!("{pane:?}"), screen(&mut app, 80, 24));
    }
    app.update(Action::Help);
    insta::assert_snapshot!("help", screen(&mut app, 80, 24));
}

#[test]
fn filter_prompt_on_the_status_bar() {
    let mut app = app();
    app.update(Action::Filter);
    for c in "connect".chars() {
        app.update(Action::Input(c));
    }
    let s = screen(&mut app, 80, 24);
    assert!(
        s.lines()
            .last()
            .unwrap_or("")
            .starts_with("filter: connect█"),
        "{s}"
    );
    app.update(Action::Submit);
    let s = screen(&mut app, 80, 24);
    assert!(!s.contains("bind("), "{s}");
    assert!(s.contains("filter: connect"), "{s}");
}

#[test]
fn enter_on_an_object_lists_its_calls() {
    let mut app = app();
    while app.pane != Pane::Objects {
        app.update(Action::NextPane);
    }
    app.update(Action::Expand);
    assert_eq!(app.pane, Pane::List);
    assert_eq!(app.filter.text, "obj=ino:5001");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("bind(") && !s.contains("connect("), "{s}");
    assert!(s.contains("on unix stream /tmp/s.sock (inode 5001)"), "{s}");
}

#[test]
fn tiny_10x5() {
    let mut app = app();
    insta::assert_snapshot!(screen(&mut app, 10, 5));
}

#[test]
fn no_panic_at_any_size() {
    let mut app = app();
    for (w, h) in [
        (0, 0),
        (1, 1),
        (0, 10),
        (10, 0),
        (2, 3),
        (10, 5),
        (20, 4),
        (200, 60),
    ] {
        for _ in Pane::ALL {
            for help in [false, true] {
                app.help = help;
                let _ = screen(&mut app, w, h);
                app.help = false;
            }
            app.update(Action::NextPane);
        }
        app.update(Action::Expand);
        let _ = screen(&mut app, w, h);
        app.update(Action::Back);
    }
}

/// Cost of one frame with 100,000 calls held (run: `cargo test -p tracer --release --bin
/// tracer -- --ignored --nocapture frame_cost`): drawing happens at most 30 times a second, so
/// it must stay well under 33 ms.
#[test]
#[ignore = "a benchmark: run it by hand"]
fn frame_cost() {
    let mut cfg = crate::live::testdata::config();
    cfg.keep = 100_000;
    let mut app = App::new(cfg);
    for i in 0..100_000u32 {
        app.update(Action::Call(Box::new(crate::live::testdata::bind(i % 500))));
    }
    for (w, h, pane) in [
        (80, 24, Pane::List),
        (200, 60, Pane::List),
        (200, 60, Pane::Stats),
    ] {
        while app.pane != pane {
            app.update(Action::NextPane);
        }
        app.update(Action::Resize {
            width: w,
            height: h,
        });
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
        let n = 200u32;
        let start = std::time::Instant::now();
        for _ in 0..n {
            t.draw(|f| super::draw(f, &app)).expect("drawing");
        }
        let per = start.elapsed() / n;
        println!("{w}x{h} {pane:?}: {per:?} a frame");
    }
}
