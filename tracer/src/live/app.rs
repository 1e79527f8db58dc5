//! The live view's state, owned in one place and changed only by [`App::update`]: what was
//! captured (bounded: the oldest calls are evicted and counted), and what the user is looking
//! at. Pure: no terminal, no kernel, so every key sequence can be tested.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use super::filter::Filter;
use super::objects::{Holder, ObjKey, Objects, Touch, UnixInfo};
use super::procs::Procs;
use super::row::RowText;
use super::stats::Stats;
use super::store::{Entry, Store};
use crate::kernel::ksyms::Ksyms;
use crate::trace::{Call, Proc};

/// Messages kept for the log pane.
const MAX_LOG: usize = 1000;

/// What the app is told: a key's meaning (from `keymap`), or something the capture saw.
#[derive(Debug)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Start typing a search (`/`).
    Search,
    NextMatch,
    PrevMatch,
    /// Start editing the filter (`f`).
    Filter,
    /// Start typing a time to jump to (`t`, in a replay).
    JumpPrompt,
    ToggleErrors,
    Pause,
    /// Enter: the selected call's detail over the whole screen, and back.
    Expand,
    /// Esc: close what is open (help, the expanded detail, a message).
    Back,
    NextPane,
    PrevPane,
    /// A click on a tab.
    Focus(Pane),
    /// A click on a row of the list: the visible index.
    SelectRow(usize),
    Help,
    Quit,
    /// A character typed into the search or filter prompt.
    Input(char),
    Backspace,
    Submit,
    Cancel,
    Resize {
        width: u16,
        height: u16,
    },
    /// The render tick, with the boot-clock time.
    Tick {
        now_ns: u64,
    },
    /// A completed (or never-returning) call.
    Call(Box<Call>),
    /// A completed call, and the object it used as the capture side resolved it.
    CallOn(Box<Call>, Touch),
    /// The UNIX sockets' types, names and peers (sock_diag), by inode.
    UnixSockets(HashMap<u64, UnixInfo>),
    /// Which processes hold which objects now (/proc/PID/fd, /proc/sysvipc).
    Holders(HashMap<ObjKey, Vec<Holder>>),
    /// Calls whose object was gone before the capture side could look, so far.
    Unresolved(u64),
    /// A call that has been waiting a while; it completes later as a `Call`.
    Pending(Box<Call>),
    /// A pending call and the object it waits on (resolved while it surely exists).
    PendingOn(Box<Call>, Touch),
    Proc(Proc),
    /// The kernel side's lost-event count, in total.
    Lost(u64),
    /// A message from tracer itself, for the log pane.
    Message(String),
    /// The traced command or processes are gone: why.
    Finished(String),
    /// A replayed recording is damaged: where, and what (it was replayed up to there).
    Damaged(String),
}

/// The panes, in Tab order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
    Objects,
    Procs,
    Stats,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::List,
        Pane::Detail,
        Pane::Objects,
        Pane::Procs,
        Pane::Stats,
        Pane::Log,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::List => "Calls",
            Pane::Detail => "Journey",
            Pane::Objects => "Objects",
            Pane::Procs => "Processes",
            Pane::Stats => "Stats",
            Pane::Log => "Log",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// A prompt being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    Search(String),
    Filter(String),
    /// A time to jump to, in a replay (read by `replay::parse_time`).
    Jump(String),
}

/// Facts fixed for the whole session.
pub struct Config {
    pub ksyms: Arc<Ksyms>,
    pub boot_to_wall: i128,
    /// What is traced, for the status bar.
    pub scope: String,
    /// How kernel functions are observed here, for the status bar.
    pub mechanisms: String,
    /// Where the traced command's output goes.
    pub command_output: Option<PathBuf>,
    /// Calls kept; older ones are evicted.
    pub keep: usize,
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "independent switches of the view, each toggled by its own key"
)]
pub struct App {
    pub config: Config,
    /// The captured calls and the filtered view of them.
    calls: Store,
    pub filter: Filter,
    pub stats: Stats,
    pub procs: Procs,
    pub objects: Objects,
    /// The selected row of the objects, processes or stats pane.
    pub pane_row: usize,
    pub lost: u64,
    pub log: VecDeque<String>,
    /// Set when the traced command has exited: the trace is complete.
    pub finished: Option<String>,
    /// Set when a replayed recording turned out damaged: the trace stops short of its end.
    pub damage: Option<String>,
    /// The selected call, by seq; `None` while nothing is listed.
    pub selected: Option<u64>,
    /// Keep the newest call selected.
    pub follow: bool,
    /// Paused: the list shows only calls before this seq (capture goes on).
    pub paused: Option<u64>,
    /// The first listed row, by seq.
    top: u64,
    pub width: u16,
    pub height: u16,
    pub pane: Pane,
    /// The detail pane fills the screen.
    pub expanded: bool,
    pub help: bool,
    pub prompt: Option<Prompt>,
    pub search: Option<String>,
    /// A one-line answer to the last key (a bad filter, no match), until the next key.
    pub notice: Option<String>,
    /// A replay, not a live capture: the help lists the replay's keys too.
    pub replay: bool,
    /// A time typed at the jump prompt and submitted, for the replay to read and go to.
    pub jump: Option<String>,
    /// Scroll offset of the pane below the list (journey, processes, stats, log).
    pub scroll: u16,
    pub quit: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
}

impl App {
    pub fn new(config: Config) -> App {
        let keep = config.keep;
        App {
            config,
            calls: Store::new(keep),
            filter: Filter::default(),
            stats: Stats::default(),
            procs: Procs::default(),
            objects: Objects::default(),
            pane_row: 0,
            lost: 0,
            log: VecDeque::new(),
            finished: None,
            damage: None,
            selected: None,
            follow: true,
            paused: None,
            top: 0,
            width: 0,
            height: 0,
            pane: Pane::List,
            expanded: false,
            help: false,
            prompt: None,
            search: None,
            notice: None,
            replay: false,
            jump: None,
            scroll: 0,
            quit: false,
            dirty: true,
        }
    }

    pub fn update(&mut self, action: Action) {
        let was_dirty = self.dirty;
        self.dirty = true;
        match action {
            Action::Call(c) => self.add_call(c, false, None),
            Action::CallOn(c, t) => self.add_call(c, false, Some(&t)),
            Action::PendingOn(c, t) => self.add_call(c, true, Some(&t)),
            Action::UnixSockets(info) => self.objects.unix_info(&info),
            Action::Holders(held) => self.objects.holders(&held),
            Action::Unresolved(n) => self.objects.unresolved = n,
            Action::Pending(c) => self.add_call(c, true, None),
            Action::Proc(p) => {
                self.stats.add_event();
                self.procs.add_proc(&p);
            }
            Action::Lost(n) => self.lost = n,
            Action::Message(m) => self.message(m),
            Action::Finished(why) => {
                self.message(why.clone());
                self.finished = Some(why);
            }
            Action::Damaged(what) => {
                self.message(what.clone());
                self.damage = Some(what);
            }
            Action::Tick { now_ns } => {
                let before = self.stats.rate().round();
                self.stats.sample(now_ns);
                // Only the rate changed: worth a redraw when the status bar's whole number
                // changes, or the stats pane shows it. What changed before still needs drawing.
                self.dirty = was_dirty
                    || (self.stats.rate().round() - before).abs() >= 1.0
                    || matches!(self.pane, Pane::Stats);
            }
            Action::Resize { width, height } => {
                self.width = width;
                self.height = height;
                self.scroll_into_view();
            }
            key => self.key(&key),
        }
    }

    fn key(&mut self, action: &Action) {
        self.notice = None;
        if self.prompt.is_some() {
            self.prompt_key(action);
            return;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            if !matches!(action, Action::Quit) {
                return;
            }
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-self.page()),
            Action::PageDown => self.scroll_by(self.page()),
            Action::Home => self.home(),
            Action::End => self.end(),
            Action::Search => {
                self.prompt = Some(Prompt::Search(self.search.clone().unwrap_or_default()));
            }
            Action::Filter => self.prompt = Some(Prompt::Filter(self.filter.text.clone())),
            Action::JumpPrompt => self.prompt = Some(Prompt::Jump(String::new())),
            Action::NextMatch => self.find(true, false),
            Action::PrevMatch => self.find(false, false),
            Action::ToggleErrors => self.set_filter(self.filter.toggle_errors()),
            Action::Pause => {
                self.paused = match self.paused {
                    Some(_) => None,
                    None => Some(self.calls.next_seq()),
                };
                if self.paused.is_none() && self.follow {
                    self.select_last();
                }
            }
            Action::Expand if self.pane_rows().is_some() => self.filter_to_row(),
            Action::Expand => {
                self.expanded = !self.expanded;
                if self.expanded && self.pane == Pane::List {
                    self.pane = Pane::Detail;
                }
                if !self.expanded && self.pane == Pane::Detail {
                    self.pane = Pane::List;
                }
                self.scroll = 0;
            }
            Action::Back => {
                if self.expanded {
                    self.expanded = false;
                    self.pane = Pane::List;
                } else {
                    self.search = None;
                }
            }
            Action::Focus(p) => {
                self.pane = *p;
                self.scroll = 0;
                self.pane_row = 0;
                self.expanded &= *p != Pane::List;
            }
            Action::SelectRow(i) => {
                self.pane = Pane::List;
                let last = self.visible_len().saturating_sub(1);
                self.select_index((*i).min(last));
                self.follow = *i >= last && self.paused.is_none();
            }
            Action::NextPane => self.cycle_pane(1),
            Action::PrevPane => self.cycle_pane(Pane::ALL.len() - 1),
            _ => {}
        }
    }

    fn prompt_key(&mut self, action: &Action) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        let text = match prompt {
            Prompt::Search(t) | Prompt::Filter(t) | Prompt::Jump(t) => t,
        };
        match action {
            Action::Input(c) => text.push(*c),
            Action::Backspace => {
                text.pop();
            }
            Action::Cancel | Action::Back => self.prompt = None,
            Action::Submit => match self.prompt.take() {
                Some(Prompt::Search(t)) if t.trim().is_empty() => self.search = None,
                Some(Prompt::Search(t)) => {
                    self.search = Some(t.to_lowercase());
                    self.find(true, true);
                }
                Some(Prompt::Jump(t)) => self.jump = Some(t),
                Some(Prompt::Filter(t)) => match Filter::parse(&t) {
                    Ok(f) => self.set_filter(f),
                    Err(e) => {
                        self.notice = Some(format!("filter: {e}"));
                        self.prompt = Some(Prompt::Filter(t));
                    }
                },
                None => {}
            },
            Action::Quit => self.quit = true,
            _ => {}
        }
    }

    fn message(&mut self, m: String) {
        self.log.push_back(m);
        if self.log.len() > MAX_LOG {
            self.log.pop_front();
        }
    }

    fn cycle_pane(&mut self, by: usize) {
        self.pane = Pane::ALL[(self.pane.index() + by) % Pane::ALL.len()];
        self.scroll = 0;
        self.pane_row = 0;
        if self.pane == Pane::List {
            self.expanded = false;
        }
    }

    // ---- the calls ----

    fn add_call(&mut self, call: Box<Call>, pending: bool, touch: Option<&Touch>) {
        let pending_obj = self.calls.pending_obj(&call);
        if !pending {
            self.stats.add_call(&call);
            self.procs.add_call(&call);
        }
        let obj = match (pending_obj, touch) {
            // Counted on its object when it was seen pending: only what moved is new.
            (Some(k), _) => {
                self.objects.moved(&call, k);
                Some(k)
            }
            (_, Some(t)) => {
                self.objects.add(&call, t);
                Some(t.key)
            }
            _ => None,
        };
        self.calls.put(call, pending, obj, &self.filter);
        let first = self.calls.first_seq();
        if self.selected.is_some_and(|s| s < first) {
            self.selected = self.calls.view_front();
        }
        self.top = self.top.max(first);
        if self.follow && self.paused.is_none() {
            // The newest listed call, selected as `select_last` would, without placing the
            // list's first row: while following, `window` puts the selection at the bottom
            // when drawing, and a key that moves the selection places the row then. Per call,
            // that placement was a tenth of the live view's time at full rate.
            if let Some(last) = self.calls.view_back() {
                self.select(last);
            }
        }
    }

    pub fn entry(&self, seq: u64) -> Option<&Entry> {
        self.calls.entry(seq)
    }

    /// Every call held, oldest first.
    #[cfg(test)]
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.calls.iter()
    }

    /// Calls captured and still held.
    pub fn held(&self) -> usize {
        self.calls.len()
    }

    /// Calls evicted to keep memory bounded.
    pub fn evicted(&self) -> u64 {
        self.calls.evicted
    }

    fn visible(&self) -> (&[u64], &[u64]) {
        self.calls.visible(self.paused)
    }

    pub fn visible_len(&self) -> usize {
        let (a, b) = self.visible();
        a.len() + b.len()
    }

    pub fn visible_at(&self, i: usize) -> Option<u64> {
        let (a, b) = self.visible();
        a.get(i).or_else(|| b.get(i.checked_sub(a.len())?)).copied()
    }

    /// Where `seq` is (or would be) among the visible calls.
    fn position(&self, seq: u64) -> usize {
        let (a, b) = self.visible();
        a.partition_point(|s| *s < seq) + b.partition_point(|s| *s < seq)
    }

    pub fn selected_index(&self) -> Option<usize> {
        let seq = self.selected?;
        let i = self.position(seq);
        (self.visible_at(i) == Some(seq)).then_some(i)
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entry(self.selected?)
    }

    pub fn row_text(&self, e: &Entry) -> RowText {
        RowText::new(&e.call, e.pending, self.config.boot_to_wall)
    }

    // ---- navigation ----

    /// Rows in the list viewport for the current size (what PgUp/PgDn move by).
    pub fn list_rows(&self) -> usize {
        super::ui::list_rows(self)
    }

    fn page(&self) -> isize {
        self.list_rows().max(1) as isize
    }

    fn scroll_by(&mut self, by: isize) {
        if let Some(n) = self.pane_rows() {
            self.pane_row = self
                .pane_row
                .saturating_add_signed(by)
                .min(n.saturating_sub(1));
            return;
        }
        if self.pane != Pane::List {
            let s = i64::from(self.scroll) + by as i64;
            self.scroll = s.clamp(0, i64::from(u16::MAX)) as u16;
            return;
        }
        let len = self.visible_len();
        if len == 0 {
            return;
        }
        let cur = self
            .selected
            .map_or(len - 1, |s| self.position(s).min(len - 1));
        let to = cur.saturating_add_signed(by).min(len - 1);
        self.select_index(to);
        // Scrolling up stops following; reaching the bottom again resumes it.
        self.follow = to == len - 1 && by > 0;
    }

    fn home(&mut self) {
        if self.pane_rows().is_some() {
            self.pane_row = 0;
            return;
        }
        if self.pane != Pane::List {
            self.scroll = 0;
            return;
        }
        if self.visible_len() > 0 {
            self.select_index(0);
            self.follow = false;
        }
    }

    fn end(&mut self) {
        if let Some(n) = self.pane_rows() {
            self.pane_row = n.saturating_sub(1);
            return;
        }
        if self.pane != Pane::List {
            self.scroll = u16::MAX;
            return;
        }
        self.follow = true;
        self.select_last();
    }

    fn select_last(&mut self) {
        let len = self.visible_len();
        if len > 0 {
            self.select_index(len - 1);
        }
    }

    fn select_index(&mut self, i: usize) {
        let Some(seq) = self.visible_at(i) else {
            return;
        };
        self.select(seq);
        self.scroll_into_view();
    }

    /// Select `seq`; a new selection's journey starts at its top.
    fn select(&mut self, seq: u64) {
        if self.selected != Some(seq) && self.pane != Pane::Stats && self.pane != Pane::Log {
            self.scroll = 0;
        }
        self.selected = Some(seq);
    }

    /// Move the list's first row so that the selection is on screen.
    fn scroll_into_view(&mut self) {
        let Some(sel) = self.selected_index() else {
            return;
        };
        let rows = self.list_rows().max(1);
        let top = self.position(self.top);
        let top = if sel < top {
            sel
        } else if sel >= top + rows {
            sel + 1 - rows
        } else {
            top
        };
        if let Some(seq) = self.visible_at(top) {
            self.top = seq;
        }
    }

    /// The visible indices the list shows in `rows` rows: the selection on screen, the
    /// newest call at the bottom while following.
    pub fn window(&self, rows: usize) -> std::ops::Range<usize> {
        let len = self.visible_len();
        if rows == 0 || len == 0 {
            return 0..0;
        }
        let sel = self.selected_index().unwrap_or(len - 1);
        let mut top = self.position(self.top).min(len - 1);
        if self.follow || sel >= top + rows {
            top = (sel + 1).saturating_sub(rows);
        }
        if sel < top {
            top = sel;
        }
        top..(top + rows).min(len)
    }

    /// Rows of the focused pane, for the panes whose rows can be selected.
    pub fn pane_rows(&self) -> Option<usize> {
        match self.pane {
            Pane::Objects => Some(self.objects.len()),
            Pane::Procs => Some(self.procs.len()),
            Pane::Stats => Some(self.stats.by_syscall().len()),
            _ => None,
        }
    }

    /// List only the calls of the selected object, process or syscall.
    fn filter_to_row(&mut self) {
        let f = match self.pane {
            Pane::Objects => self
                .objects
                .list()
                .get(self.pane_row)
                .map(|o| self.filter.with_obj(o.key)),
            Pane::Procs => self
                .procs
                .tree()
                .get(self.pane_row)
                .map(|(_, p)| self.filter.with_pid(p.pid)),
            Pane::Stats => self
                .stats
                .by_syscall()
                .get(self.pane_row)
                .map(|(name, _)| self.filter.with_syscall(name)),
            _ => None,
        };
        let Some(f) = f else {
            return;
        };
        self.set_filter(f);
        self.pane = Pane::List;
        self.expanded = false;
    }

    fn set_filter(&mut self, f: Filter) {
        self.filter = f;
        self.calls.refilter(&self.filter);
        // Keep the selection when it is still listed, else the nearest call after it.
        match self.selected {
            _ if self.follow => self.select_last(),
            Some(s) => {
                let i = self.position(s).min(self.visible_len().saturating_sub(1));
                self.select_index(i);
            }
            None => {}
        }
        if self.visible_len() == 0 {
            self.selected = None;
        }
    }

    /// Select the next (or previous) call matching the search, wrapping around. `from_here`
    /// lets the selected call itself match (a new search).
    fn find(&mut self, forward: bool, from_here: bool) {
        let Some(needle) = self.search.clone() else {
            self.notice = Some("no search: press / to search".into());
            return;
        };
        let len = self.visible_len();
        if len == 0 {
            return;
        }
        let cur = self.selected_index().unwrap_or(0);
        let start = usize::from(!from_here);
        for k in start..len + start {
            let i = if forward {
                (cur + k) % len
            } else {
                (cur + len * 2 - k) % len
            };
            let Some(e) = self.visible_at(i).and_then(|s| self.entry(s)) else {
                continue;
            };
            if self.row_text(e).haystack().contains(&needle) {
                self.follow = false;
                self.pane = Pane::List;
                self.select_index(i);
                return;
            }
        }
        self.notice = Some(format!("no call matches {needle:?}"));
    }
}

#[cfg(test)]
mod tests;
