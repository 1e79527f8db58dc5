//! A canonical text of the live view's model, for tests that compare two models: every call
//! held (its JSON Lines record with the journey built from the app's symbols, whether it is
//! still pending, the object the events tie it to), the processes, the stats, the objects
//! with what the events say of them, the lost and evicted counts. What does not come from the
//! events is left out: the log, the view's state (selection, panes), the event rate, and what
//! the live view alone reads from /proc and sock_diag (holders, peers, socket names).
//!
//! Calls are listed in the order they entered the kernel (by thread for ties), not in the
//! order they reached the app: a call that waited is added when it is first shown pending, and
//! whether it waited long enough for that depends on when the capture side looked.

use std::fmt::Write as _;

use super::app::App;
use super::objects::ObjKey;
use crate::output::{Format, Writer};

pub fn dump(app: &App) -> String {
    // The wall-clock offset is the session's, not the model's: the records give boot times.
    let w = Writer::new(
        Box::new(std::io::sink()),
        Format::Jsonl,
        0,
        app.config.ksyms.clone(),
        false,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lost {} evicted {} held {}",
        app.lost,
        app.evicted(),
        app.held()
    );
    let mut calls: Vec<_> = app.entries().collect();
    calls.sort_by_key(|e| {
        let c = &e.call;
        (c.enter_ns.or(c.exit_ns), c.tid, c.exit_ns)
    });
    for e in calls {
        let _ = writeln!(
            out,
            "call{} obj={} {}",
            if e.pending { " PENDING" } else { "" },
            e.obj.map_or_else(|| "-".to_string(), |k| k.to_string()),
            w.call_value(&e.call)
        );
    }
    for (depth, p) in app.procs.tree() {
        let _ = writeln!(out, "proc {depth} {p:?}");
    }
    let _ = writeln!(
        out,
        "stats events {} total {:?}",
        app.stats.events, app.stats.total
    );
    for (name, c) in app.stats.by_syscall() {
        let _ = writeln!(out, "stats {name} {c:?}");
    }
    for o in app.objects.list() {
        // A socket's name comes from sock_diag live, from its bind() in a replay.
        let name = if matches!(o.key, ObjKey::Inode(_)) {
            "-"
        } else {
            o.name.as_str()
        };
        let _ = writeln!(
            out,
            "object {} {:?} {name:?} users {:?} calls {} bytes {} msgs {}",
            o.key, o.kind, o.users, o.calls, o.bytes, o.msgs
        );
    }
    out
}
