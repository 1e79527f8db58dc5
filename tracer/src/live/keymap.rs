//! Keys to actions, in one table that the help overlay lists too.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::app::{Action, App};

/// Every key, as the help overlay lists it.
pub const HELP: &[(&str, &str)] = &[
    (
        "↑ k / ↓ j",
        "select the previous / next call (or scroll the pane)",
    ),
    ("PgUp / PgDn", "a page up / down (also Ctrl-b / Ctrl-f)"),
    (
        "Home g / End G",
        "the first call / the newest, following new calls",
    ),
    (
        "Enter",
        "the journey full screen; on an object, process or syscall: its calls",
    ),
    (
        "Tab / Shift-Tab",
        "next / previous pane: journey, processes, stats, log",
    ),
    (
        "/",
        "search the listed calls (Enter jumps to the first match)",
    ),
    ("n / N", "next / previous match"),
    (
        "f",
        "filter: bind connect  %net  pid=42  comm=nginx  errors",
    ),
    ("e", "errors only, on and off"),
    ("Space", "pause the list (capture goes on), and resume"),
    ("Esc", "close what is open; clear the search"),
    ("mouse", "click a call or a tab; the wheel scrolls"),
    ("?", "this help"),
    ("q  Ctrl-c", "quit; a command still running gets SIGTERM"),
];

/// The keys a replay adds (`replay.rs` reads them before this keymap), listed first in its help.
pub const REPLAY_HELP: &[(&str, &str)] = &[
    ("p", "replay: play / pause"),
    ("1 / 2 / 3", "replay: speed 1x / 10x / as fast as it reads"),
    ("< / >", "replay: ten seconds back / forward"),
    ("0", "replay: back to the start"),
    (
        "t",
        "replay: jump to a time: 1:05  0:01:05  12.5  +5s  -2m  19:04:05",
    ),
];

/// What `key` means now: while a prompt is open, keys are text.
pub fn action(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if app.prompt.is_some() {
        return match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
            _ => None,
        };
    }
    Some(match (key.code, ctrl) {
        (KeyCode::Up | KeyCode::Char('k'), false) => Action::Up,
        (KeyCode::Down | KeyCode::Char('j'), false) => Action::Down,
        (KeyCode::PageUp, _) | (KeyCode::Char('b'), true) => Action::PageUp,
        (KeyCode::PageDown, _) | (KeyCode::Char('f'), true) => Action::PageDown,
        (KeyCode::Home | KeyCode::Char('g'), false) => Action::Home,
        (KeyCode::End | KeyCode::Char('G'), false) => Action::End,
        (KeyCode::Enter, _) => Action::Expand,
        (KeyCode::Tab, _) => Action::NextPane,
        (KeyCode::BackTab, _) => Action::PrevPane,
        (KeyCode::Char('/'), false) => Action::Search,
        (KeyCode::Char('n'), false) => Action::NextMatch,
        (KeyCode::Char('N'), false) => Action::PrevMatch,
        (KeyCode::Char('f'), false) => Action::Filter,
        (KeyCode::Char('e'), false) => Action::ToggleErrors,
        (KeyCode::Char(' '), false) => Action::Pause,
        (KeyCode::Esc, _) => Action::Back,
        (KeyCode::Char('?'), false) => Action::Help,
        (KeyCode::Char('q'), false) => Action::Quit,
        _ => return None,
    })
}

/// What a mouse event means: a click on a tab focuses its pane, a click on a listed call
/// selects it, the wheel moves as the arrows do.
pub fn mouse(app: &App, m: MouseEvent) -> Option<Action> {
    if app.prompt.is_some() || app.help {
        return None;
    }
    match m.kind {
        MouseEventKind::ScrollUp => Some(Action::Up),
        MouseEventKind::ScrollDown => Some(Action::Down),
        MouseEventKind::Down(MouseButton::Left) => {
            let areas = super::ui::layout(Rect::new(0, 0, app.width, app.height), app);
            if m.row == areas.tabs.y {
                return super::ui::tabs::pane_at(m.column).map(Action::Focus);
            }
            let list = areas.list?;
            // The list's first line is its header.
            if m.row <= list.y || m.row >= list.y + list.height {
                return None;
            }
            let rows = usize::from(list.height.saturating_sub(1));
            let i = app.window(rows).start + usize::from(m.row - list.y - 1);
            (i < app.visible_len()).then_some(Action::SelectRow(i))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::app::{Pane, Prompt};
    use crate::live::testdata::app;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_and_vim_keys() {
        let app = app();
        assert!(matches!(
            action(&app, key(KeyCode::Char('j'))),
            Some(Action::Down)
        ));
        assert!(matches!(action(&app, key(KeyCode::Up)), Some(Action::Up)));
        assert!(matches!(
            action(&app, key(KeyCode::Char('G'))),
            Some(Action::End)
        ));
        assert!(matches!(
            action(&app, key(KeyCode::Char('q'))),
            Some(Action::Quit)
        ));
        assert!(matches!(
            action(
                &app,
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        ));
        assert!(action(&app, key(KeyCode::Char('z'))).is_none());
    }

    fn click(column: u16, row: u16) -> MouseEvent {
        MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    #[test]
    fn clicks_select_calls_and_tabs() {
        let mut app = app();
        // At 80x24 the list's header is on row 1, the socket (the first call) on row 2.
        let a = mouse(&app, click(5, 2));
        assert!(matches!(a, Some(Action::SelectRow(0))), "{a:?}");
        app.update(a.unwrap());
        assert_eq!(
            app.selected_entry().map(|e| e.call.row.name),
            Some("socket")
        );
        assert!(!app.follow);
        assert!(mouse(&app, click(5, 1)).is_none(), "the header");
        assert!(mouse(&app, click(5, 9)).is_none(), "below the last call");
        // " tracer " then " " and " Calls ", " " and " Journey ", ...
        assert!(matches!(
            mouse(&app, click(10, 0)),
            Some(Action::Focus(Pane::List))
        ));
        assert!(matches!(
            mouse(&app, click(19, 0)),
            Some(Action::Focus(Pane::Detail))
        ));
        let wheel = MouseEvent {
            kind: MouseEventKind::ScrollDown,
            ..click(0, 0)
        };
        assert!(matches!(mouse(&app, wheel), Some(Action::Down)));
    }

    #[test]
    fn a_prompt_takes_keys_as_text() {
        let mut app = app();
        app.prompt = Some(Prompt::Filter(String::new()));
        assert!(matches!(
            action(&app, key(KeyCode::Char('q'))),
            Some(Action::Input('q'))
        ));
        assert!(matches!(
            action(&app, key(KeyCode::Esc)),
            Some(Action::Cancel)
        ));
        assert!(matches!(
            action(&app, key(KeyCode::Enter)),
            Some(Action::Submit)
        ));
    }
}
