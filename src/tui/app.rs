//! The model: everything the screen shows, and [`App::update`], the only mutator.

use std::sync::Arc;

use crate::format::Flavor;
use crate::index::{Binlogs, EventId, Location, TxnId};

use super::action::Action;
use super::detail::{self, DetailLines};
use super::keymap::Mode;
use super::timeline::Timeline;

/// The time zone timestamps are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Utc,
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Goto,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    pub error: Option<String>,
}

/// The decoded event under the cursor, kept until the cursor moves.
#[derive(Debug, Clone)]
pub struct Detail {
    pub event: EventId,
    pub lines: DetailLines,
    pub scroll: u16,
    pub hex: bool,
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Quit,
    /// Leave the screen and print this on stdout.
    Print(String),
}

pub struct App {
    pub binlogs: Arc<Binlogs>,
    pub cursor: EventId,
    /// First list row on screen.
    pub top: u32,
    /// Rows the list shows; set from the terminal size.
    pub page: u32,
    pub width: u16,
    pub height: u16,
    pub mode: Mode,
    /// The mode under the help overlay or a prompt.
    pub under: Mode,
    pub prompt: Option<Prompt>,
    pub detail: Option<Detail>,
    /// Summary of the event under the cursor: `(event, text)`.
    pub summary: Option<(EventId, String)>,
    pub mark_start: Option<EventId>,
    pub mark_stop: Option<EventId>,
    pub zone: Zone,
    pub txn_view: bool,
    pub flavor: Flavor,
    pub message: Option<String>,
    pub timeline: Timeline,
    pub outcome: Option<Outcome>,
}

impl App {
    pub fn new(binlogs: Arc<Binlogs>, width: u16, height: u16) -> App {
        let flavor = binlogs
            .set
            .files
            .iter()
            .find_map(|f| f.fde.as_ref())
            .map_or(Flavor::MySql, |f| f.flavor());
        let timeline = Timeline::build(&binlogs.index);
        let mut app = App {
            binlogs,
            cursor: EventId(0),
            top: 0,
            page: 1,
            width,
            height,
            mode: Mode::List,
            under: Mode::List,
            prompt: None,
            detail: None,
            summary: None,
            mark_start: None,
            mark_stop: None,
            zone: Zone::Utc,
            txn_view: false,
            flavor,
            message: None,
            timeline,
            outcome: None,
        };
        app.update(Action::Resize(width, height));
        app
    }

    pub fn event_count(&self) -> u32 {
        self.binlogs.index.len() as u32
    }

    /// Rows in the list: events, or transactions in the transaction view.
    pub fn row_count(&self) -> u32 {
        if self.txn_view {
            self.binlogs.index.txn_count() as u32
        } else {
            self.event_count()
        }
    }

    pub fn row_of(&self, e: EventId) -> u32 {
        if self.txn_view {
            self.binlogs.index.txn_of(e).0
        } else {
            e.0
        }
    }

    /// The event a list row stands for (a transaction's first event in the txn view).
    pub fn event_of_row(&self, row: u32) -> EventId {
        if self.txn_view {
            self.binlogs.index.txn_span(TxnId(row)).0
        } else {
            EventId(row)
        }
    }

    pub fn cursor_row(&self) -> u32 {
        self.row_of(self.cursor)
    }

    /// The marked range, start and stop both inclusive, when both are set.
    pub fn marked(&self) -> Option<(EventId, EventId)> {
        match (self.mark_start, self.mark_stop) {
            (Some(a), Some(b)) if a <= b => Some((a, b)),
            (Some(a), Some(b)) => Some((b, a)),
            _ => None,
        }
    }

    pub fn is_marked(&self, e: EventId) -> bool {
        match (self.marked(), self.mark_start, self.mark_stop) {
            (Some((a, b)), _, _) => a <= e && e <= b,
            (None, Some(a), None) | (None, None, Some(a)) => a == e,
            _ => false,
        }
    }

    pub fn location(&self, e: EventId) -> Location {
        self.binlogs.index.get(e).location()
    }

    pub fn update(&mut self, action: Action) {
        self.message = None;
        match action {
            Action::Resize(w, h) => {
                self.width = w;
                self.height = h;
                self.page = list_height(h, self.detail.is_some()).max(1);
            }
            Action::Down(n) if self.mode == Mode::Detail => self.scroll_detail(n as i32),
            Action::Up(n) if self.mode == Mode::Detail => self.scroll_detail(-(n as i32)),
            Action::PageDown if self.mode == Mode::Detail => {
                self.scroll_detail(self.detail_height() as i32)
            }
            Action::PageUp if self.mode == Mode::Detail => {
                self.scroll_detail(-(self.detail_height() as i32))
            }
            Action::Down(n) => self.move_rows(n as i64),
            Action::Up(n) => self.move_rows(-(n as i64)),
            Action::PageDown => self.move_rows(self.page as i64),
            Action::PageUp => self.move_rows(-(self.page as i64)),
            Action::First => self.move_to_row(0),
            Action::Last => self.move_to_row(self.row_count().saturating_sub(1)),
            Action::NextEvent => self.move_to_event(EventId(self.cursor.0.saturating_add(1))),
            Action::PrevEvent => self.move_to_event(EventId(self.cursor.0.saturating_sub(1))),
            Action::NextTxn => self.step_txn(1),
            Action::PrevTxn => self.step_txn(-1),
            Action::OpenDetail => {
                if self.event_count() > 0 {
                    self.mode = Mode::Detail;
                    self.open_detail();
                }
            }
            Action::ToggleHex => {
                if let Some(d) = &mut self.detail {
                    d.hex = !d.hex;
                    d.scroll = 0;
                }
            }
            Action::OpenGoto => {
                self.under = self.mode;
                self.mode = Mode::Prompt;
                self.prompt = Some(Prompt {
                    kind: PromptKind::Goto,
                    text: String::new(),
                    error: None,
                });
            }
            Action::PromptInput(c) => {
                if let Some(p) = &mut self.prompt {
                    p.text.push(c);
                    p.error = None;
                }
            }
            Action::PromptBackspace => {
                if let Some(p) = &mut self.prompt {
                    p.text.pop();
                    p.error = None;
                }
            }
            Action::PromptAccept => self.accept_prompt(),
            Action::MarkStart => {
                let (first, _) = self.txn_bounds(self.cursor);
                self.mark_start = Some(first);
                self.message = Some(format!("start marked at {}", self.loc_text(first)));
            }
            Action::MarkStop => {
                let (_, last) = self.txn_bounds(self.cursor);
                self.mark_stop = Some(last);
                self.message = Some(format!("stop marked after {}", self.loc_text(last)));
            }
            Action::ClearMarks => {
                self.mark_start = None;
                self.mark_stop = None;
            }
            Action::ToggleTxnView => {
                self.txn_view = !self.txn_view;
                if self.txn_view && self.event_count() > 0 {
                    self.cursor = self.txn_bounds(self.cursor).0;
                }
                self.scroll_to_cursor();
            }
            Action::CycleTimeZone => {
                self.zone = match self.zone {
                    Zone::Utc => Zone::Local,
                    Zone::Local => Zone::Utc,
                };
                if self.detail.is_some() {
                    self.open_detail();
                }
            }
            Action::OpenHelp => {
                self.under = self.mode;
                self.mode = Mode::Help;
            }
            Action::Quit => {
                if self.mark_start.is_some() || self.mark_stop.is_some() {
                    self.under = self.mode;
                    self.mode = Mode::ConfirmQuit;
                } else {
                    self.outcome = Some(Outcome::Quit);
                }
            }
            Action::QuitNow => self.outcome = Some(Outcome::Quit),
            Action::Back => self.back(),
        }
    }

    fn back(&mut self) {
        match self.mode {
            Mode::Help | Mode::Prompt | Mode::ConfirmQuit => {
                self.mode = self.under;
                self.under = Mode::List;
                self.prompt = None;
            }
            Mode::Detail => {
                self.mode = Mode::List;
                self.detail = None;
                self.page = list_height(self.height, false).max(1);
                self.scroll_to_cursor();
            }
            Mode::List => {}
        }
    }

    fn accept_prompt(&mut self) {
        let Some(p) = self.prompt.clone() else {
            return;
        };
        match p.kind {
            PromptKind::Goto => match self.goto_target(p.text.trim()) {
                Ok(e) => {
                    self.mode = self.under;
                    self.under = Mode::List;
                    self.prompt = None;
                    self.move_to_event(e);
                }
                Err(msg) => {
                    if let Some(p) = &mut self.prompt {
                        p.error = Some(msg);
                    }
                }
            },
        }
    }

    /// `FILE:POS` or `POS` (in the cursor's file): the event containing that byte.
    fn goto_target(&self, text: &str) -> Result<EventId, String> {
        let b = &self.binlogs;
        let (file, pos) = match text.rsplit_once(':') {
            Some((name, pos)) => {
                let f = b
                    .set
                    .file_by_name(name)
                    .ok_or_else(|| format!("no file named {name} in this set"))?;
                (f, pos)
            }
            None => (b.index.file_of(self.cursor), text),
        };
        let pos: u64 = pos
            .parse()
            .map_err(|_| format!("{pos:?} is not a byte position"))?;
        b.index
            .event_containing(Location { file, pos })
            .ok_or_else(|| {
                format!(
                    "{} is past the end of the file",
                    b.location_text(Location { file, pos })
                )
            })
    }

    fn loc_text(&self, e: EventId) -> String {
        self.binlogs.location_text(self.location(e))
    }

    fn txn_bounds(&self, e: EventId) -> (EventId, EventId) {
        if self.event_count() == 0 {
            return (e, e);
        }
        let ix = &self.binlogs.index;
        ix.txn_span(ix.txn_of(e))
    }

    fn step_txn(&mut self, dir: i64) {
        if self.event_count() == 0 {
            return;
        }
        let ix = &self.binlogs.index;
        let here = ix.txn_of(self.cursor);
        if dir < 0 && ix.txn_span(here).0 != self.cursor {
            // Inside a transaction, `{` goes to its start first.
            let first = ix.txn_span(here).0;
            self.move_to_event(first);
            return;
        }
        let t = here.0 as i64 + dir;
        let t = t.clamp(0, ix.txn_count() as i64 - 1) as u32;
        let first = ix.txn_span(TxnId(t)).0;
        self.move_to_event(first);
    }

    fn move_rows(&mut self, delta: i64) {
        let row = self.cursor_row() as i64 + delta;
        let max = self.row_count().saturating_sub(1) as i64;
        self.move_to_row(row.clamp(0, max.max(0)) as u32);
    }

    fn move_to_row(&mut self, row: u32) {
        if self.row_count() == 0 {
            return;
        }
        self.move_to_event(self.event_of_row(row));
    }

    fn move_to_event(&mut self, e: EventId) {
        let n = self.event_count();
        if n == 0 {
            return;
        }
        self.cursor = EventId(e.0.min(n - 1));
        self.scroll_to_cursor();
        self.refresh_summary();
        if self.detail.is_some() {
            self.open_detail();
        }
    }

    /// Keeps the cursor row on screen with the least scrolling.
    fn scroll_to_cursor(&mut self) {
        let row = self.cursor_row();
        if row < self.top {
            self.top = row;
        } else if row >= self.top + self.page {
            self.top = row + 1 - self.page;
        }
        let max_top = self.row_count().saturating_sub(self.page);
        self.top = self.top.min(max_top);
    }

    /// Decodes the event under the cursor, once per cursor move.
    pub fn refresh_summary(&mut self) {
        if self.event_count() == 0 {
            return;
        }
        if self
            .summary
            .as_ref()
            .is_some_and(|(e, _)| *e == self.cursor)
        {
            return;
        }
        let text = self
            .binlogs
            .with_event(self.cursor, |_, ev, dec| match ev {
                Ok(ev) => crate::format::summary::summarize(&ev, dec),
                Err(e) => format!("undecodable: {}", e.kind),
            })
            .unwrap_or_else(|| "unreadable event".to_string());
        self.summary = Some((self.cursor, text));
    }

    fn open_detail(&mut self) {
        let (hex, keep_scroll) = match &self.detail {
            Some(d) => (d.hex, d.event == self.cursor),
            None => (false, false),
        };
        let scroll = match (&self.detail, keep_scroll) {
            (Some(d), true) => d.scroll,
            _ => 0,
        };
        let lines = detail::decode(&self.binlogs, self.cursor, self.zone);
        self.detail = Some(Detail {
            event: self.cursor,
            lines,
            scroll,
            hex,
        });
        self.page = list_height(self.height, true).max(1);
        self.scroll_to_cursor();
        self.refresh_summary();
    }

    pub fn detail_height(&self) -> u16 {
        detail_height(self.height)
    }

    fn scroll_detail(&mut self, delta: i32) {
        let h = self.detail_height() as i32;
        if let Some(d) = &mut self.detail {
            let len = if d.hex {
                d.lines.hex.len()
            } else {
                d.lines.text.len()
            } as i32;
            let max = (len - h + 2).max(0);
            d.scroll = (d.scroll as i32 + delta).clamp(0, max) as u16;
        }
    }
}

/// Screen layout, shared by `update` (scrolling) and the views (drawing): a title line,
/// the list, the timeline, the status bar and the footer.
pub const CHROME_ROWS: u16 = 5;

pub fn detail_height(h: u16) -> u16 {
    (h.saturating_sub(CHROME_ROWS) * 2 / 3).max(3)
}

pub fn list_height(h: u16, with_detail: bool) -> u32 {
    let rows = h.saturating_sub(CHROME_ROWS);
    let rows = if with_detail {
        rows.saturating_sub(detail_height(h))
    } else {
        rows
    };
    rows as u32
}

impl Zone {
    /// `2024-05-01 14:30:00` in this zone.
    pub fn format(self, ts: u32) -> String {
        let Some(utc) = chrono::DateTime::from_timestamp(ts as i64, 0) else {
            return ts.to_string();
        };
        match self {
            Zone::Utc => utc.format("%Y-%m-%d %H:%M:%S").to_string(),
            Zone::Local => utc
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Local => "local",
        }
    }
}
