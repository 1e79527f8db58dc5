//! The one-line status bar: state, lost events (never hidden when not zero), events/s, filter,
//! how kernel functions are observed, scope, where the command's output goes: the most
//! important first, as a narrow terminal cuts the end. A prompt or a
//! notice takes the line while open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::dim;
use crate::live::app::{App, Prompt};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let line = if let Some(p) = &app.prompt {
        let (label, text) = match p {
            Prompt::Search(t) => ("search: ", t),
            Prompt::Filter(t) => ("filter: ", t),
            Prompt::Jump(t) => ("jump to: ", t),
        };
        let mut spans = vec![
            Span::styled(
                label,
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ),
            Span::raw(text.clone()),
            Span::styled("█", Style::new().fg(Color::Yellow)),
        ];
        if let Some(n) = &app.notice {
            spans.push(Span::styled(format!("  {n}"), Style::new().fg(Color::Red)));
        } else {
            spans.push(Span::styled("  Enter: apply  Esc: cancel", dim()));
        }
        Line::from(spans)
    } else if let Some(n) = &app.notice {
        Line::styled(n.clone(), Style::new().fg(Color::Yellow))
    } else {
        Line::from(segments(app))
    };
    frame.render_widget(line, area);
}

fn segments(app: &App) -> Vec<Span<'static>> {
    let sep = || Span::styled(" │ ", dim());
    let mut v = Vec::new();
    // Lost events come first: a narrow terminal cuts the end of the line, never them.
    if app.lost > 0 {
        v.push(Span::styled(
            format!("LOST {}", app.lost),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ));
        v.push(sep());
    }
    // As prominent as lost events: what is shown stops short of the recording's end.
    if let Some(d) = &app.damage {
        v.push(Span::styled(
            format!("DAMAGED {d}"),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ));
        v.push(sep());
    }
    if let Some(f) = &app.finished {
        v.push(Span::styled(
            format!("{f}, trace finished"),
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
        v.push(sep());
    }
    if app.paused.is_some() {
        v.push(Span::styled(
            "PAUSED",
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
        v.push(sep());
    } else if !app.follow {
        v.push(Span::styled(
            "scrolled (End: follow)",
            Style::new().fg(Color::Yellow),
        ));
        v.push(sep());
    }
    if app.lost == 0 {
        v.push(Span::raw("lost 0"));
        v.push(sep());
    }
    v.push(Span::raw(format!("{:.0} ev/s", app.stats.rate())));
    v.push(sep());
    v.push(Span::raw(if app.filter.is_empty() {
        "no filter".to_string()
    } else {
        format!("filter: {}", app.filter.text)
    }));
    v.push(sep());
    v.push(Span::raw(app.config.mechanisms.clone()));
    v.push(sep());
    v.push(Span::raw(app.config.scope.clone()));
    if let Some(p) = &app.config.command_output {
        v.push(sep());
        v.push(Span::raw(format!("output → {}", crate::escape::path(p))));
    }
    if app.evicted() > 0 {
        v.push(sep());
        v.push(Span::raw(format!("{} old calls evicted", app.evicted())));
    }
    v
}
