//! The IPC objects pane: each pipe, FIFO, socket and SysV object the traced calls used, who
//! holds it, who is at the other end, and what moved through it. Enter lists its calls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{bold, dim, fit};
use crate::live::app::App;
use crate::live::objects::{ObjKey, Object};

fn pids(p: &[u32]) -> String {
    if p.is_empty() {
        return "-".into();
    }
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn row(app: &App, o: &Object, name_w: usize) -> String {
    let holders = if o.holders.is_empty() {
        "-".to_string()
    } else {
        o.holders
            .iter()
            .map(|h| format!("{}{}", h.pid, h.mode))
            .collect::<Vec<_>>()
            .join(",")
    };
    let id = match o.key {
        ObjKey::Inode(i) => format!("ino {i}"),
        ObjKey::Msq(i) | ObjKey::Sem(i) | ObjKey::Shm(i) => format!("id {i}"),
    };
    let name = if o.name.is_empty() { "-" } else { &o.name };
    format!(
        "{:<14} {:<name_w$} {:<14} {:<8} {:<8} {:>5} {:>7} {:>5} {}",
        o.kind.name(),
        fit(name, name_w),
        fit(&holders, 14),
        fit(&pids(&app.objects.peer_holders(o)), 8),
        fit(&pids(&o.users), 8),
        o.calls,
        o.bytes,
        o.msgs,
        id
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let unresolved = if app.replay {
        "calls on descriptors the recording does not show made"
    } else {
        "calls' descriptors gone before tracer looked"
    };
    let title = format!(
        " Objects: {} (Enter: its calls) · {} {unresolved} · holders: r read w write c created a attached ",
        app.objects.len(),
        app.objects.unresolved
    );
    let name_w = usize::from(area.width).saturating_sub(80).clamp(8, 60);
    let header = vec![Line::styled(
        format!(
            "{:<14} {:<name_w$} {:<14} {:<8} {:<8} {:>5} {:>7} {:>5} ID",
            "KIND", "NAME", "HOLDERS", "PEER", "USED BY", "CALLS", "BYTES", "MSGS"
        ),
        bold(),
    )];
    let mut rows: Vec<Line<'static>> = app
        .objects
        .list()
        .iter()
        .map(|o| Line::raw(row(app, o, name_w)))
        .collect();
    if rows.is_empty() {
        rows.push(Line::styled(
            "no object yet: sockets, pipes, FIFOs and SysV objects appear as calls use them",
            dim(),
        ));
    }
    super::selectable(frame, area, title, header, rows, app.pane_row);
}
