//! The `?` overlay: every key, from the keymap's own tables (a replay's keys too, in a replay).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::bold;
use crate::live::keymap::{HELP, REPLAY_HELP};

pub fn draw(frame: &mut Frame, area: Rect, replay: bool) {
    let keys: Vec<(&str, &str)> = if replay {
        REPLAY_HELP.iter().chain(HELP).copied().collect()
    } else {
        HELP.to_vec()
    };
    let key_w = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let text_w = keys
        .iter()
        .map(|(_, t)| t.chars().count())
        .max()
        .unwrap_or(0);
    let want_w = (key_w + text_w + 5) as u16;
    let want_h = keys.len() as u16 + 3;
    let w = want_w.min(area.width);
    let h = want_h.min(area.height);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(k, t)| {
            Line::from(vec![
                Span::styled(format!("{k:<key_w$}"), bold().fg(Color::Yellow)),
                Span::raw("  "),
                Span::raw(*t),
            ])
        })
        .collect();
    lines.push(Line::styled("any key closes this help", super::dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(Style::new().fg(Color::Cyan))
                .title(" keys "),
        ),
        popup,
    );
}
