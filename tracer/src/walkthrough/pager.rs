//! Stepping through a lesson at a projector: one step on the screen, n/p or the arrows to move.

use anyhow::Result;
use crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line as TLine, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{Lang, Lesson, Line, Mark, legend};

/// Where the reader is.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pager {
    pub step: usize,
    pub quit: bool,
}

impl Pager {
    /// Move on a key; `n` steps in all.
    pub fn key(&mut self, code: KeyCode, n: usize) {
        let last = n.saturating_sub(1);
        match code {
            KeyCode::Char('n' | 'l' | ' ') | KeyCode::Right | KeyCode::Down | KeyCode::Enter => {
                self.step = (self.step + 1).min(last);
            }
            KeyCode::Char('p' | 'h') | KeyCode::Left | KeyCode::Up | KeyCode::Backspace => {
                self.step = self.step.saturating_sub(1);
            }
            KeyCode::Home | KeyCode::Char('g') => self.step = 0,
            KeyCode::End | KeyCode::Char('G') => self.step = last,
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            _ => {}
        }
    }
}

fn help(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "n/→ next   p/← previous   Home/End first/last   q quit",
        Lang::Zh => "n/→ 下一步   p/← 上一步   Home/End 第一步/最后一步   q 退出",
    }
}

/// Draws the current step; never mutates.
pub fn draw(frame: &mut Frame, lesson: &Lesson, pager: &Pager, lang: Lang) {
    let n = lesson.steps.len();
    let Some(step) = lesson.steps.get(pager.step) else {
        return;
    };
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(2),
    ])
    .areas(frame.area());
    frame.render_widget(
        Paragraph::new(vec![
            TLine::from(Span::styled(
                lesson.title.clone(),
                Style::new().add_modifier(Modifier::BOLD),
            )),
            TLine::from(lesson.source.clone()),
        ])
        .wrap(Wrap { trim: true }),
        head,
    );
    let lines: Vec<TLine> = step
        .lines
        .iter()
        .map(|l| match l {
            Line::Text(_) | Line::Numbered { .. } => TLine::from(l.plain()),
            Line::Func { name, mark, what } => {
                let style = match mark {
                    Mark::Observed => Style::new().add_modifier(Modifier::BOLD),
                    Mark::Inferred => Style::new(),
                    Mark::Absent => {
                        Style::new().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT)
                    }
                };
                TLine::from(vec![
                    Span::raw(format!("  {} ", mark.symbol())),
                    Span::styled(name.clone(), style),
                    Span::raw(format!("  {what}")),
                ])
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {}/{n}  {} ", pager.step + 1, step.title))),
        body,
    );
    frame.render_widget(
        Paragraph::new(vec![TLine::from(legend(lang)), TLine::from(help(lang))]),
        foot,
    );
}

/// Shows the lesson until `q`; the terminal is restored on every way out, panics included.
pub fn show(lesson: &Lesson, lang: Lang) -> Result<()> {
    // SIGTERM, SIGHUP and SIGINT end the pager as `q` does, with the terminal restored (in raw
    // mode Ctrl-C is a key, but a `kill -INT` still arrives as a signal).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let mut terminal = ratatui::try_init()?;
    let mut pager = Pager::default();
    let result = (|| -> Result<()> {
        while !pager.quit && !stop.load(std::sync::atomic::Ordering::Relaxed) {
            terminal.draw(|f| draw(f, lesson, &pager, lang))?;
            if !event::poll(std::time::Duration::from_millis(100))? {
                continue;
            }
            if let Event::Key(k) = event::read()?
                && k.kind == KeyEventKind::Press
            {
                pager.key(k.code, lesson.steps.len());
            }
        }
        Ok(())
    })();
    ratatui::restore();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::Step;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn lesson() -> Lesson {
        Lesson {
            title: "How bind() enters the kernel".into(),
            source: "Values captured on Linux 6.18.0.".into(),
            steps: (1..=3)
                .map(|i| Step {
                    title: format!("step {i}"),
                    lines: vec![
                        Line::Text(format!("text of step {i}")),
                        Line::Func {
                            name: "__sys_bind".into(),
                            mark: Mark::Observed,
                            what: "fd 3".into(),
                        },
                    ],
                })
                .collect(),
        }
    }

    #[test]
    fn keys_move_within_the_lesson() {
        let mut p = Pager::default();
        p.key(KeyCode::Left, 3);
        assert_eq!(p.step, 0);
        p.key(KeyCode::Char('n'), 3);
        p.key(KeyCode::Right, 3);
        p.key(KeyCode::Right, 3);
        assert_eq!(p.step, 2, "stops at the last step");
        p.key(KeyCode::Char('p'), 3);
        assert_eq!(p.step, 1);
        p.key(KeyCode::Home, 3);
        assert_eq!(p.step, 0);
        p.key(KeyCode::End, 3);
        assert_eq!(p.step, 2);
        p.key(KeyCode::Char('q'), 3);
        assert!(p.quit);
    }

    #[test]
    fn draws_the_step_and_where_it_is_at_any_size() {
        let lesson = lesson();
        let pager = Pager {
            step: 1,
            quit: false,
        };
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| draw(f, &lesson, &pager, Lang::En)).unwrap();
        let screen: String = t
            .backend()
            .buffer()
            .content()
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect();
        assert!(screen.contains("2/3  step 2"), "{screen}");
        assert!(screen.contains("* __sys_bind  fd 3"), "{screen}");
        assert!(screen.contains("n/→ next"), "{screen}");
        for (w, h) in [(0, 0), (1, 1), (10, 3), (60, 20)] {
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| draw(f, &lesson, &pager, Lang::Zh)).unwrap();
        }
    }
}
