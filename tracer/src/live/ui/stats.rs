//! Per syscall what `tracer record -c` prints (calls, errors, % time, time, usecs/call), with
//! latency percentiles; the event rate, and what was lost.

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

/// One syscall's line (or all of them, `total` being the whole), in 78 columns.
fn row(name: &str, c: &Counts, total: &Counts) -> String {
    let t = &c.tally;
    format!(
        "{name:<15} {:>7} {:>6} {:>6.2} {:>8} {:>7} {:>7} {:>7} {:>7}",
        t.calls,
        t.errors,
        t.percent_of(&total.tally),
        human_ns(t.time_ns),
        t.usecs_per_call(),
        pct(c, 50.0),
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
            // As strace -c, a call that never returned (exit_group) is no call: said apart.
            Span::raw(format!(
                "{} calls, {} errors, {}{:.1} events/s, ",
                s.total.tally.calls,
                s.total.tally.errors,
                match s.total.tally.unfinished {
                    0 => String::new(),
                    n => format!("{n} unfinished, "),
                },
                s.rate()
            )),
            Span::styled(format!("{} events lost", app.lost), lost_style),
            Span::raw(format!(", {} old calls evicted", app.evicted())),
        ]),
        Line::styled(
            format!(
                "{:<15} {:>7} {:>6} {:>6} {:>8} {:>7} {:>7} {:>7} {:>7}",
                "SYSCALL", "CALLS", "ERRORS", "% TIME", "TIME", "us/call", "p50", "p99", "max"
            ),
            bold(),
        ),
        Line::raw(row("all", &s.total, &s.total)),
    ];
    let lines = s
        .by_syscall()
        .into_iter()
        .map(|(name, c)| Line::raw(row(name, c, &s.total)))
        .collect();
    let title = " Stats (as record -c counts; p50/p99: log2 bucket tops; Enter: its calls) ".into();
    super::selectable(frame, area, title, header, lines, app.pane_row);
}
