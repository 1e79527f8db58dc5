//! The event list: time, pid, comm, ABI and entry, the call with its decoded arguments, the
//! result (errors in red) and the duration. The newest call at the bottom while following.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{bold, dim, fit};
use crate::live::app::{App, Pane};
use crate::live::row::RowText;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let rows = usize::from(area.height.saturating_sub(1));
    let window = app.window(rows);
    let sel = app.selected_index();
    let texts: Vec<(usize, RowText, bool)> = window
        .clone()
        .filter_map(|i| {
            let e = app.entry(app.visible_at(i)?)?;
            Some((i, app.row_text(e), e.pending))
        })
        .collect();
    // Columns as wide as what is on screen needs.
    let col = |f: fn(&RowText) -> &str, min: usize, max: usize| {
        texts
            .iter()
            .map(|(_, t, _)| f(t).chars().count())
            .max()
            .unwrap_or(0)
            .clamp(min, max)
    };
    let pid_w = col(|t| &t.pid, 3, 7);
    let comm_w = col(|t| &t.comm, 4, 15);
    let entry_w = col(|t| &t.entry, 5, 24);
    let width = usize::from(area.width);
    let fixed = 12 + 1 + pid_w + 1 + comm_w + 1 + entry_w + 1;
    let mut lines = vec![Line::styled(
        fit(
            &format!(
                "{:<12} {:>pid_w$} {:<comm_w$} {:<entry_w$} {}",
                "TIME", "PID", "COMM", "ENTRY", "CALL = RESULT  DURATION"
            ),
            width,
        ),
        bold().fg(Color::Cyan),
    )];
    for (i, t, pending) in &texts {
        let tail = format!(" {} {}", t.result, t.dur);
        let room = width.saturating_sub(fixed + tail.chars().count());
        let mut spans = vec![
            Span::styled(format!("{:<12} ", t.time), dim()),
            Span::raw(format!("{:>pid_w$} ", t.pid)),
            Span::styled(
                format!("{:<comm_w$} ", fit(&t.comm, comm_w)),
                Style::new().fg(Color::Cyan),
            ),
            Span::styled(
                format!("{:<entry_w$} ", fit(&t.entry, entry_w)),
                Style::new().fg(Color::Magenta),
            ),
            Span::raw(fit(&t.call, room.max(8))),
            Span::raw(" "),
        ];
        let result_style = if t.is_error {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else if *pending {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new().fg(Color::Green)
        };
        spans.push(Span::styled(t.result.clone(), result_style));
        spans.push(Span::styled(format!(" {}", t.dur), dim()));
        let mut line = Line::from(spans);
        if Some(*i) == sel {
            line = line.style(if app.pane == Pane::List {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new().bg(Color::DarkGray)
            });
        }
        lines.push(line);
    }
    if texts.is_empty() {
        let why = if app.held() > 0 {
            "no call matches the filter (f to change it, e for errors only)"
        } else {
            "waiting for calls…"
        };
        lines.push(Line::styled(why, dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
