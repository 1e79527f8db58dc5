//! The top line: the panes, the focused one highlighted, and where the help is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::dim;
use crate::live::app::{App, Pane};

const BRAND: &str = " tracer ";

/// The pane whose tab is at column `x` (for mouse clicks): the same arithmetic as `draw`.
pub fn pane_at(x: u16) -> Option<Pane> {
    let mut at = BRAND.chars().count();
    for p in Pane::ALL {
        let start = at + 1;
        let end = start + p.title().chars().count() + 2;
        if (start..end).contains(&usize::from(x)) {
            return Some(p);
        }
        at = end;
    }
    None
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = vec![Span::styled(
        BRAND,
        Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    )];
    for p in Pane::ALL {
        let style = if p == app.pane {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" {} ", p.title()), style));
    }
    // Also here, so that a prompt on the status line does not hide it.
    if app.lost > 0 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" LOST {} ", app.lost),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(Span::styled("  Tab: next pane  ?: help  q: quit", dim()));
    frame.render_widget(Line::from(spans), area);
}
