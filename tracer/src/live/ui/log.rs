//! tracer's own messages: what was attached, where the command's output goes, how it exited.
//! Printed here, never on the terminal the UI owns.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::live::app::App;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let lines: Vec<Line<'static>> = app.log.iter().map(|m| Line::raw(m.clone())).collect();
    super::pane(frame, area, app, Line::raw(" tracer's messages "), lines);
}
