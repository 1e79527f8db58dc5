//! The traced process tree with each process's call and error counts; Enter lists the
//! selected process's calls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::{bold, dim};
use crate::live::app::App;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let header = vec![Line::styled(
        format!("{:<16} {:>7} {:>6}  COMMAND", "PID", "CALLS", "ERRORS"),
        bold(),
    )];
    let mut lines = Vec::new();
    for (depth, p) in app.procs.tree() {
        let indent = if depth == 0 {
            String::new()
        } else {
            format!("{}└ ", "  ".repeat(depth.min(6) - 1))
        };
        let errors = Span::styled(
            format!("{:>6}  ", p.errors),
            if p.errors > 0 {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            },
        );
        let mut spans = vec![
            Span::raw(format!(
                "{:<16} {:>7} ",
                format!("{indent}{}", p.pid),
                p.calls
            )),
            errors,
            Span::styled(p.comm.clone(), Style::new().fg(Color::Cyan)),
        ];
        if let Some(exe) = &p.exe {
            spans.push(Span::styled(format!("  {exe}"), dim()));
        }
        if p.exited {
            spans.push(Span::styled("  exited", Style::new().fg(Color::Yellow)));
        }
        lines.push(Line::from(spans));
    }
    let title = format!(
        " Processes: {} (fork, exec, exit; Enter: its calls) ",
        app.procs.len()
    );
    super::selectable(frame, area, title, header, lines, app.pane_row);
}
