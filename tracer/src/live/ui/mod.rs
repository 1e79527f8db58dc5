//! Drawing: `draw(frame, &App)` reads the state and never changes it. One widget per file.

mod detail;
mod help;
mod list;
mod log;
mod objects;
mod procs;
mod stats;
mod status;
pub mod tabs;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Pane};

/// Where each part goes.
pub struct Areas {
    pub tabs: Rect,
    pub list: Option<Rect>,
    pub pane: Option<Rect>,
    pub status: Rect,
}

/// Wide terminals put the pane beside the list rather than below it.
const SIDE_BY_SIDE_FROM: u16 = 150;

pub fn layout(area: Rect, app: &App) -> Areas {
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let (list, pane) = if app.expanded {
        (None, Some(body))
    } else if body.width >= SIDE_BY_SIDE_FROM {
        let [l, p] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        (Some(l), Some(p))
    } else {
        let [l, p] =
            Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
        (Some(l), Some(p))
    };
    Areas {
        tabs,
        list,
        pane,
        status,
    }
}

/// Rows of calls the list shows at the app's terminal size (its header takes one).
pub fn list_rows(app: &App) -> usize {
    let a = layout(Rect::new(0, 0, app.width, app.height), app);
    a.list
        .map_or(0, |l| usize::from(l.height.saturating_sub(1)))
}

pub fn draw(frame: &mut Frame, app: &App) {
    let a = layout(frame.area(), app);
    tabs::draw(frame, a.tabs, app);
    if let Some(l) = a.list {
        list::draw(frame, l, app);
    }
    if let Some(p) = a.pane {
        // With the list focused, the pane shows the selected call's journey.
        match app.pane {
            Pane::List | Pane::Detail => detail::draw(frame, p, app),
            Pane::Objects => objects::draw(frame, p, app),
            Pane::Procs => procs::draw(frame, p, app),
            Pane::Stats => stats::draw(frame, p, app),
            Pane::Log => log::draw(frame, p, app),
        }
    }
    status::draw(frame, a.status, app);
    if app.help {
        help::draw(frame, frame.area(), app.replay);
    }
}

/// A pane: a titled rule on top, then `lines` scrolled by the app's offset (clamped, so that
/// End shows the last page).
fn pane(frame: &mut Frame, area: Rect, app: &App, title: Line<'static>, lines: Vec<Line<'static>>) {
    let focused = app.pane != Pane::List;
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(if focused {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new().fg(Color::DarkGray)
        })
        .title(title);
    let inner = block.inner(area);
    let max = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = usize::from(app.scroll).min(max) as u16;
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

/// A pane whose rows can be selected (objects, processes, stats): `header` lines stay on top,
/// the rows below scroll to keep the app's selected row on screen, highlighted.
fn selectable(
    frame: &mut Frame,
    area: Rect,
    title: String,
    header: Vec<Line<'static>>,
    mut rows: Vec<Line<'static>>,
    selected: usize,
) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(Style::new().fg(Color::Cyan))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, body] =
        Layout::vertical([Constraint::Length(header.len() as u16), Constraint::Min(0)])
            .areas(inner);
    frame.render_widget(Paragraph::new(header), head);
    if let Some(r) = rows.get_mut(selected) {
        *r = std::mem::take(r).style(Style::new().add_modifier(Modifier::REVERSED));
    }
    let top = (selected + 1).saturating_sub(usize::from(body.height));
    let visible: Vec<Line<'static>> = rows.into_iter().skip(top).collect();
    frame.render_widget(Paragraph::new(visible), body);
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// Cut `s` to `width` characters, marking the cut with `…`.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `s` in pieces of at most `width` characters (at least one piece).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
