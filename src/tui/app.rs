//! The model: everything the screen shows, and [`App::update`], the only mutator.

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLockReadGuard;

use crate::format::Flavor;
use crate::index::{Binlogs, EventId, IndexBuild, Location, TxnId};
use crate::lang::{TimeZoneChoice, format_instant};
use crate::schema::Catalog;

use super::action::Action;
use super::detail::{self, DetailLines};
use super::export_dialog::ExportDialog;
use super::filtering::FilterSession;
use super::keymap::Mode;
use super::marks::Marks;
use super::stats_view::{Msg as StatsMsg, StatsView};
use super::timeline::TimelineState;
use super::txn_rows::TxnRow;
use super::work::{Pending, Work};

/// The time zone timestamps are shown in (the filter layer's, so typed times agree).
pub type Zone = TimeZoneChoice;

/// `2024-05-01 14:30:00` in `zone`.
pub fn time_text(zone: Zone, ts: u32) -> String {
    format_instant(i64::from(ts), zone)
}

pub fn zone_label(zone: Zone) -> &'static str {
    match zone {
        Zone::Utc => "UTC",
        Zone::Local => "local",
    }
}

/// The filter in force: its text and the events it matched, ascending.
#[derive(Debug, Clone)]
pub struct ActiveFilter {
    pub text: String,
    pub describe: String,
    pub rows: Vec<EventId>,
    /// How many events were indexed when it ran: later ones are not looked at yet.
    pub covers: u32,
    /// The scan still runs: `rows` are the matches so far.
    pub scanning: bool,
}

/// The one-line summary of the event under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub event: EventId,
    pub text: String,
}

/// Follow mode: the last file is polled for appended events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Follow {
    pub on: bool,
    /// A half-written event at the end of the last file.
    pub pending: Option<Location>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Goto,
    Filter,
    Search,
    WritePath,
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

/// The browser's state. It reads the set through `build`, which it steps itself (or
/// which is built already): the only writer is the thread that owns the `App` and it
/// never waits for the lock (`IndexBuild::step`, `try_write`), so a read guard may be
/// taken anywhere on that thread, even inside another one.
pub struct App {
    pub build: IndexBuild,
    /// Events caught up with (DDL list, summaries on screen, filter staleness).
    pub indexed: u32,
    pub follow: Follow,
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
    /// Summaries of the events on screen, decoded when they scroll into view.
    pub visible: HashMap<EventId, String>,
    /// Summary of the event under the cursor.
    pub summary: Option<Summary>,
    pub marks: Marks,
    pub zone: Zone,
    pub txn_view: bool,
    /// Transactions shown event by event in the transaction view.
    pub expanded: BTreeSet<TxnId>,
    pub flavor: Flavor,
    pub message: Option<String>,
    pub timeline: TimelineState,
    pub outcome: Option<Outcome>,
    pub filters: FilterSession,
    pub work: Work,
    /// Text to put on the clipboard, taken by the event loop (OSC 52).
    pub clipboard: Option<String>,
    pub export: Option<ExportDialog>,
    /// The set's DDL history, for column names the table maps lack.
    pub catalog: Catalog,
    /// A live server's fetch (`binlens mysql://…`): its status shows in the status bar.
    pub connection: Option<super::live::Connection>,
    /// The stats view (Tab), while it is open.
    pub stats: Option<StatsView>,
}

impl App {
    /// An app over `build`, which must be driven by this thread (`IndexBuild::unstarted`)
    /// or finished (`IndexBuild::built`); whatever is indexed shows at once, the rest as
    /// `Action::Indexed` reports it.
    pub fn new(build: IndexBuild, width: u16, height: u16) -> App {
        // A background writer could wait for the lock between two nested reads here.
        debug_assert!(!build.is_background(), "the App steps its build itself");
        let flavor = build
            .read()
            .set
            .files
            .iter()
            .find_map(|f| f.fde.as_ref())
            .map_or(
                Flavor::MySql,
                super::super::format::fde::FormatDescription::flavor,
            );
        let mut app = App {
            build,
            indexed: 0,
            follow: Follow::default(),
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
            visible: HashMap::new(),
            marks: Marks::default(),
            zone: Zone::Utc,
            txn_view: false,
            expanded: BTreeSet::new(),
            flavor,
            message: None,
            timeline: TimelineState::default(),
            outcome: None,
            filters: FilterSession::default(),
            work: Work::default(),
            clipboard: None,
            export: None,
            catalog: Catalog::default(),
            connection: None,
            stats: None,
        };
        app.catch_up();
        app.update(Action::Resize(width, height));
        app
    }

    /// The set as indexed so far. Hold it for one computation, not across updates.
    pub fn binlogs(&self) -> RwLockReadGuard<'_, Binlogs> {
        self.build.read()
    }

    pub fn event_count(&self) -> u32 {
        self.build.read().index.len() as u32
    }

    /// Whether the events span more than one calendar day in the zone shown.
    pub fn multi_day(&self) -> bool {
        let tl = &self.timeline.counted;
        let day = |ts| time_text(self.zone, ts).get(..10).map(str::to_owned);
        tl.min <= tl.max && day(tl.min) != day(tl.max)
    }

    /// Whether the whole set is indexed.
    pub fn is_indexed(&self) -> bool {
        self.build.is_finished()
    }

    /// Rows in the list: events, or transactions in the transaction view.
    pub fn row_count(&self) -> u32 {
        if let Some(f) = &self.filters.active {
            f.rows.len() as u32
        } else if self.txn_view {
            self.txn_row_count()
        } else {
            self.event_count()
        }
    }

    pub fn row_of(&self, e: EventId) -> u32 {
        if let Some(f) = &self.filters.active {
            // The first match at or after `e`, else the last one.
            let r = f.rows.partition_point(|&x| x < e);
            r.min(f.rows.len().saturating_sub(1)) as u32
        } else if self.txn_view {
            self.txn_row_of(e)
        } else {
            e.0
        }
    }

    /// The event a list row stands for (a transaction's first event in the txn view).
    pub fn event_of_row(&self, row: u32) -> EventId {
        if let Some(f) = &self.filters.active {
            f.rows.get(row as usize).copied().unwrap_or(self.cursor)
        } else if self.txn_view {
            match self.txn_row(row) {
                TxnRow::Txn(t) => self.build.read().index.txn_span(t).0,
                TxnRow::Event(_, e) => e,
            }
        } else {
            EventId(row)
        }
    }

    pub fn cursor_row(&self) -> u32 {
        self.row_of(self.cursor)
    }

    /// The marked range, start and stop both inclusive, when both are set.
    pub fn marked(&self) -> Option<(EventId, EventId)> {
        self.marks.range()
    }

    pub fn is_marked(&self, e: EventId) -> bool {
        self.marks.contains(e)
    }

    pub fn location(&self, e: EventId) -> Location {
        self.build.read().index.get(e).location()
    }

    pub fn update(&mut self, action: Action) {
        // A stale job's answer changes nothing, so the message stays (a cancelled
        // scan's last report would clear "filter cancelled").
        if !matches!(&action, Action::JobDone(r) if self.work.awaited(r.generation()).is_none()) {
            self.message = None;
        }
        match action {
            Action::Resize(w, h) => {
                self.width = w;
                self.height = h;
                self.page = list_height(h, self.detail.is_some()).max(1);
                self.scroll_to_cursor();
            }
            Action::Down(n) if self.mode == Mode::Detail => self.scroll_detail(n as i32),
            Action::Up(n) if self.mode == Mode::Detail => self.scroll_detail(-(n as i32)),
            Action::PageDown if self.mode == Mode::Detail => {
                self.scroll_detail(i32::from(self.detail_height()));
            }
            Action::PageUp if self.mode == Mode::Detail => {
                self.scroll_detail(-i32::from(self.detail_height()));
            }
            Action::Down(n) if self.mode == Mode::Export => self.scroll_export(i64::from(n)),
            Action::Up(n) if self.mode == Mode::Export => self.scroll_export(-i64::from(n)),
            Action::PageDown if self.mode == Mode::Export => {
                self.scroll_export(i64::from(self.page));
            }
            Action::PageUp if self.mode == Mode::Export => {
                self.scroll_export(-i64::from(self.page));
            }
            Action::Down(n) if self.mode == Mode::Stats => self.stats_msg(StatsMsg::Down(n)),
            Action::Up(n) if self.mode == Mode::Stats => self.stats_msg(StatsMsg::Up(n)),
            Action::PageDown if self.mode == Mode::Stats => {
                self.stats_msg(StatsMsg::Down(self.page));
            }
            Action::PageUp if self.mode == Mode::Stats => self.stats_msg(StatsMsg::Up(self.page)),
            Action::OpenStats => self.open_stats(),
            Action::StatsAccept => self.stats_msg(StatsMsg::Accept),
            Action::Down(n) => self.move_rows(i64::from(n)),
            Action::Up(n) => self.move_rows(-i64::from(n)),
            Action::PageDown => self.move_rows(i64::from(self.page)),
            Action::PageUp => self.move_rows(-i64::from(self.page)),
            Action::First => self.move_to_row(0),
            Action::Last => self.move_to_row(self.row_count().saturating_sub(1)),
            Action::NextEvent => self.move_rows(1),
            Action::PrevEvent => self.move_rows(-1),
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
            Action::OpenGoto => self.open_prompt(PromptKind::Goto, String::new()),
            Action::OpenFilter => {
                let text = (self.filters.active.as_ref())
                    .map(|f| f.text.clone())
                    .unwrap_or_default();
                self.open_prompt(PromptKind::Filter, text);
                self.filter_draft_changed();
            }
            Action::OpenSearch => self.open_prompt(PromptKind::Search, String::new()),
            Action::SearchNext => self.search_step(true),
            Action::SearchPrev => self.search_step(false),
            Action::PromptInput(c) => {
                if let Some(p) = &mut self.prompt {
                    p.text.push(c);
                    p.error = None;
                }
                if self
                    .prompt
                    .as_ref()
                    .is_some_and(|p| p.kind == PromptKind::Filter)
                {
                    self.filter_draft_changed();
                }
            }
            Action::PromptBackspace => {
                if let Some(p) = &mut self.prompt {
                    p.text.pop();
                    p.error = None;
                }
                if self
                    .prompt
                    .as_ref()
                    .is_some_and(|p| p.kind == PromptKind::Filter)
                {
                    self.filter_draft_changed();
                }
            }
            Action::OpenExport => self.open_export(),
            Action::OpenNetEffect => self.open_net_effect(),
            Action::ExportFlavor => self.export_option(|d| {
                d.flavor = match d.flavor {
                    Flavor::MySql => Flavor::MariaDb,
                    Flavor::MariaDb => Flavor::MySql,
                }
            }),
            Action::ExportGtid => self.export_option(|d| d.gtid = !d.gtid),
            Action::ExportSkip => self.export_option(|d| d.skip = !d.skip),
            Action::ExportOutput => self.export_option(|d| {
                use super::export_dialog::Output;
                d.output = match d.output {
                    Output::Replay => Output::Redo,
                    Output::Redo => Output::Undo,
                    Output::Undo => Output::NetEffect,
                    Output::NetEffect => Output::Replay,
                }
            }),
            Action::RowHistory => self.open_row_history(),
            Action::ExportCopy => self.export_copy(),
            Action::ExportWrite => self.open_write_prompt(),
            Action::ExportAccept => self.export_accept(),
            Action::JobDone(r) => self.job_done(*r),
            Action::Indexed => self.catch_up(),
            Action::Poll => self.poll(),
            Action::ToggleFollow => self.toggle_follow(),
            Action::ToggleTimelineBytes => self.timeline.toggle_units(),
            Action::PromptAccept => self.accept_prompt(),
            Action::MarkStart => {
                let (first, _) = self.txn_bounds(self.cursor);
                self.marks.start = Some(first);
                self.message = Some(format!("start marked at {}", self.loc_text(first)));
            }
            Action::MarkStop if !self.is_indexed() && self.in_last_txn(self.cursor) => {
                self.message =
                    Some("the last transaction may still grow: mark it once indexed".into());
            }
            Action::MarkStop => {
                let (_, last) = self.txn_bounds(self.cursor);
                self.marks.stop = Some(last);
                self.message = Some(format!("stop marked after {}", self.loc_text(last)));
            }
            Action::ClearMarks => self.marks.clear(),
            Action::ToggleExpand => self.toggle_expand(),
            Action::ToggleTxnView if self.filters.active.is_some() => {
                self.message =
                    Some("the transaction view shows the unfiltered set: Esc first".into());
            }
            Action::ToggleTxnView => {
                self.txn_view = !self.txn_view;
                if self.txn_view && self.event_count() > 0 {
                    self.cursor = self.txn_bounds(self.cursor).0;
                }
                self.scroll_to_cursor();
            }
            Action::CycleTimeZone => {
                self.zone = self.zone.next();
                if self.detail.is_some() {
                    self.open_detail();
                }
            }
            Action::OpenHelp => {
                self.under = self.mode;
                self.mode = Mode::Help;
            }
            Action::Quit => {
                if !self.marks.is_empty() {
                    self.under = self.mode;
                    self.mode = Mode::ConfirmQuit;
                } else {
                    self.outcome = Some(Outcome::Quit);
                }
            }
            Action::QuitNow => self.outcome = Some(Outcome::Quit),
            Action::Back => self.back(),
        }
        self.end_superseded_scan();
    }

    fn back(&mut self) {
        match self.mode {
            Mode::Help | Mode::Prompt | Mode::ConfirmQuit => {
                if self
                    .prompt
                    .as_ref()
                    .is_some_and(|p| p.kind == PromptKind::Filter)
                {
                    self.filters.drop_draft();
                    self.work.forget(Pending::Preview);
                }
                self.mode = self.under;
                self.under = Mode::List;
                self.prompt = None;
            }
            Mode::Export => {
                self.mode = Mode::List;
                self.export = None;
                self.work.forget(Pending::Export);
            }
            // Esc on the list stops a scan or search running, else drops the filter;
            // the cursor stays on its event.
            Mode::List if self.filters.scan.is_some() => self.cancel_scan(),
            Mode::List if self.work.pending.is_some_and(|p| p.what == Pending::Search) => {
                self.cancel_search();
            }
            Mode::List if self.filters.active.is_some() => self.clear_filter(),
            Mode::Detail => {
                self.mode = Mode::List;
                self.detail = None;
                self.page = list_height(self.height, false).max(1);
                self.scroll_to_cursor();
            }
            Mode::Stats => self.close_stats(),
            Mode::List => {}
        }
    }

    fn open_prompt(&mut self, kind: PromptKind, text: String) {
        if self.mode != Mode::Prompt {
            self.under = self.mode;
        }
        self.mode = Mode::Prompt;
        self.prompt = Some(Prompt {
            kind,
            text,
            error: None,
        });
    }

    fn accept_prompt(&mut self) {
        let Some(p) = self.prompt.clone() else {
            return;
        };
        match self.accept_query(p.kind, &p.text) {
            Ok(()) => {
                if self.mode == Mode::Prompt {
                    self.mode = self.under;
                    self.under = Mode::List;
                }
                self.prompt = None;
            }
            Err(msg) => {
                if let Some(p) = &mut self.prompt {
                    p.error = Some(msg);
                }
            }
        }
    }

    /// `file:pos` of `e`, escaped for the terminal (file names are the user's bytes).
    pub fn loc_text(&self, e: EventId) -> String {
        crate::format::display::escape_str(&self.build.read().named(self.location(e)).to_string())
    }

    fn txn_bounds(&self, e: EventId) -> (EventId, EventId) {
        if self.event_count() == 0 {
            return (e, e);
        }
        let b = self.build.read();
        let ix = &b.index;
        ix.txn_span(ix.txn_of(e))
    }

    /// Decodes the event under the cursor, once per cursor move.
    pub fn refresh_summary(&mut self) {
        if self.event_count() == 0 {
            return;
        }
        if self
            .summary
            .as_ref()
            .is_some_and(|s| s.event == self.cursor)
        {
            return;
        }
        let text = self
            .build
            .read()
            .with_event(self.cursor, |_, ev, dec| match ev {
                Ok(ev) => crate::format::summary::summarize(&ev, dec),
                Err(e) => format!("undecodable: {}", e.kind),
            })
            .unwrap_or_else(|| "unreadable event".to_string());
        self.summary = Some(Summary {
            event: self.cursor,
            text,
        });
    }

    pub(super) fn open_detail(&mut self) {
        let (hex, keep_scroll) = match &self.detail {
            Some(d) => (d.hex, d.event == self.cursor),
            None => (false, false),
        };
        let scroll = match (&self.detail, keep_scroll) {
            (Some(d), true) => d.scroll,
            _ => 0,
        };
        let lines = detail::decode(&self.build.read(), &self.catalog, self.cursor, self.zone);
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
    u32::from(rows)
}
