//! Calls per syscall, errors, latency percentiles, the event rate, and what was lost.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::bold;
use crate::live::app::App;
use crate::live::stats::{Counts, human_ns};

fn pct(c: &Counts, p: f64) -> String {
    c.percentile(p)
        .map_or_else(|| "-".into(), |v| format!("≤{}", human_ns(v)))
}

fn row(name: &str, c: &Counts) -> String {
    format!(
        "{name:<18} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}",
        c.calls,
        c.errors,
        pct(c, 50.0),
        pct(c, 90.0),
        pct(c, 99.0),
        human_ns(c.max_ns)
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.stats;
    let lost_style = if app.lost > 0 {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    let header = vec![
        Line::from(vec![
            Span::raw(format!(
                "{} calls, {} errors, {:.1} events/s, ",
                s.total.calls,
                s.total.errors,
                s.rate()
            )),
            Span::styled(format!("{} events lost", app.lost), lost_style),
            Span::raw(format!(", {} old calls evicted", app.evicted())),
        ]),
        Line::styled(
            format!(
                "{:<18} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}",
                "SYSCALL", "CALLS", "ERRORS", "p50", "p90", "p99", "max"
            ),
            bold(),
        ),
        Line::raw(row("all", &s.total)),
    ];
    let lines = s
        .by_syscall()
        .into_iter()
        .map(|(name, c)| Line::raw(row(name, c)))
        .collect();
    let title =
        " Stats (latency: upper bounds of log2 buckets; Enter: the syscall's calls) ".into();
    super::selectable(frame, area, title, header, lines, app.pane_row);
}
