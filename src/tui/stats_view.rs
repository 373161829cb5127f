//! The stats view (Tab): tables by rows per operation, the top transactions by rows,
//! bytes and duration, and the busiest time buckets, for the whole set or the marked
//! range. Computed on the worker ([`crate::insight::stats`]) with progress; Esc cancels
//! and returns to the list where it was. Enter on a table filters the list to it, on a
//! transaction jumps to it, on a bucket jumps to its first event.
//!
//! [`StatsView`] holds the view's state and its own [`StatsView::update`]; the `impl App`
//! part below is the glue that the App's `update` calls.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Widget};

use crate::format::display::escape_str;
use crate::index::EventId;
use crate::insight::Stats;
use crate::insight::stats::TxnStats;

use super::app::{App, PromptKind, time_text};
use super::keymap::Mode;
use super::work::Pending;
use super::worker::Job;

/// How many transactions each top list and the busiest buckets show.
pub const TOP: usize = 5;

/// A line of the view that Enter can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// Index into `Stats::tables`.
    Table(usize),
    /// (list: 0 by rows, 1 by bytes, 2 by duration; index in it).
    Txn(usize, usize),
    /// Index into `Stats::histogram.buckets`.
    Bucket(usize),
}

/// What the view asks of the App.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Apply this filter to the list (`table:db.t`).
    Filter(String),
    /// Put the cursor on this event.
    Jump(EventId),
    /// Put the cursor on the first event at or after this time.
    JumpTime(u32),
}

/// Messages for [`StatsView::update`].
#[derive(Debug, Clone)]
pub enum Msg {
    Down(u32),
    Up(u32),
    Accept,
    Done(Box<Stats>),
}

#[derive(Debug, Clone)]
pub struct StatsView {
    /// The marked range (inclusive), or `None` for the whole set.
    pub range: Option<(EventId, EventId)>,
    pub generation: u64,
    /// `None` while the worker computes.
    pub stats: Option<Stats>,
    /// Index into [`StatsView::items`].
    pub selected: usize,
    /// The index was still building when the view opened: it counts what was indexed.
    pub partial: bool,
}

impl StatsView {
    pub fn new(range: Option<(EventId, EventId)>, generation: u64) -> StatsView {
        StatsView {
            range,
            generation,
            stats: None,
            selected: 0,
            partial: false,
        }
    }

    /// The busiest buckets, most events first (then the earliest).
    pub fn busiest(&self) -> Vec<usize> {
        let Some(st) = &self.stats else {
            return Vec::new();
        };
        let b = &st.histogram.buckets;
        let mut v: Vec<usize> = (0..b.len()).filter(|&i| b[i].events > 0).collect();
        v.sort_by(|&x, &y| b[y].events.cmp(&b[x].events).then(x.cmp(&y)));
        v.truncate(TOP);
        v
    }

    /// The lines Enter can act on, in the order they are drawn.
    pub fn items(&self) -> Vec<Item> {
        let Some(st) = &self.stats else {
            return Vec::new();
        };
        let mut v: Vec<Item> = (0..st.tables.len()).map(Item::Table).collect();
        for (l, list) in [&st.by_rows, &st.by_bytes, &st.by_duration]
            .iter()
            .enumerate()
        {
            v.extend((0..list.len()).map(|i| Item::Txn(l, i)));
        }
        v.extend(self.busiest().into_iter().map(Item::Bucket));
        v
    }

    pub fn update(&mut self, msg: Msg) -> Outcome {
        let n = self.items().len();
        match msg {
            Msg::Down(k) => {
                self.selected = (self.selected + k as usize).min(n.saturating_sub(1));
            }
            Msg::Up(k) => self.selected = self.selected.saturating_sub(k as usize),
            Msg::Done(st) => {
                self.stats = Some(*st);
                self.selected = 0;
            }
            Msg::Accept => {
                let Some(st) = &self.stats else {
                    return Outcome::Stay;
                };
                return match self.items().get(self.selected) {
                    Some(Item::Table(i)) => Outcome::Filter(table_filter(&st.tables[*i].name())),
                    Some(Item::Txn(l, i)) => Outcome::Jump(txn_list(st, *l)[*i].first),
                    Some(Item::Bucket(i)) => Outcome::JumpTime(
                        st.histogram
                            .bucket_start(*i)
                            .max(st.first_time.unwrap_or(0)),
                    ),
                    None => Outcome::Stay,
                };
            }
        }
        Outcome::Stay
    }
}

fn txn_list(st: &Stats, l: usize) -> &[TxnStats] {
    match l {
        0 => &st.by_rows,
        1 => &st.by_bytes,
        _ => &st.by_duration,
    }
}

/// `table:db.t`, the name double-quoted when it holds what the filter language splits on.
fn table_filter(name: &str) -> String {
    if name
        .chars()
        .any(|c| c.is_whitespace() || c == '"' || c == ',' || c == '\\')
    {
        let quoted: String = name
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("table:\"{quoted}\"")
    } else {
        format!("table:{name}")
    }
}

impl App {
    /// Tab: opens the view and asks the worker for the numbers.
    pub(super) fn open_stats(&mut self) {
        if self.event_count() == 0 {
            self.message = Some("no events yet".into());
            return;
        }
        let range = self.marks.range();
        let (start, end) = match range {
            Some((a, b)) => (a, EventId(b.0 + 1)),
            None => (EventId(0), EventId(self.event_count())),
        };
        let mut generation = 0;
        self.work.submit(Pending::Stats, |g| {
            generation = g;
            Job::Stats {
                generation: g,
                start,
                end,
                top: TOP,
            }
        });
        let mut view = StatsView::new(range, generation);
        view.partial = !self.is_indexed();
        self.stats = Some(view);
        self.under = Mode::List;
        self.mode = Mode::Stats;
    }

    /// Esc: back to the list as it was; a computation still running is cancelled.
    pub(super) fn close_stats(&mut self) {
        if self.work.pending.is_some_and(|p| p.what == Pending::Stats) {
            self.work.forget(Pending::Stats);
            self.work.queue.push(Job::Cancel);
        }
        self.stats = None;
        self.mode = Mode::List;
    }

    pub(super) fn stats_msg(&mut self, msg: Msg) {
        let Some(view) = &mut self.stats else { return };
        match view.update(msg) {
            Outcome::Stay => {}
            Outcome::Filter(text) => {
                self.close_stats();
                if let Err(e) = self.accept_query(PromptKind::Filter, &text) {
                    self.message = Some(e);
                }
            }
            Outcome::Jump(e) => {
                self.close_stats();
                if self.filters.active.is_some() {
                    self.clear_filter();
                    self.message = Some("filter cleared to show the transaction".into());
                }
                self.move_to_event(e);
            }
            Outcome::JumpTime(ts) => {
                self.close_stats();
                let e = self.binlogs().index.first_at_or_after(ts);
                if let Some(e) = e {
                    self.move_to_event(e);
                }
            }
        }
    }

    /// The worker's answer, when it is the one the view waits for.
    pub(super) fn stats_done(&mut self, generation: u64, stats: Box<Stats>) {
        self.work.finished();
        if let Some(v) = self.stats.as_mut().filter(|v| v.generation == generation) {
            v.update(Msg::Done(stats));
        }
    }
}

/// Draws the view over `area` (the list, detail and timeline rows).
pub struct StatsPane<'a> {
    pub app: &'a App,
}

impl Widget for StatsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let Some(v) = &app.stats else { return };
        Clear.render(area, buf);
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let scope = match v.range {
            Some((a, b)) => format!("marked {} … {}", app.loc_text(a), app.loc_text(b)),
            None if v.partial => "the set indexed so far".into(),
            None => "the whole set".into(),
        };
        let mut lines: Vec<(Option<usize>, Line)> = Vec::new();
        let Some(st) = &v.stats else {
            let done = app
                .work
                .progress
                .map(|p| format!(" {}%", p.done * 100 / p.total.max(1)))
                .unwrap_or_default();
            let text = format!(" stats of {scope}: counting rows…{done}  (Esc cancels)");
            Line::styled(text, bold).render(Rect { height: 1, ..area }, buf);
            return;
        };
        let head = format!(
            " stats of {scope}: {} events, {} transactions, {} bytes",
            st.events, st.transactions, st.bytes
        );
        lines.push((None, Line::styled(head, bold)));
        let mut item = 0;
        lines.push((
            None,
            Line::styled(
                format!(
                    "  {:<28} {:>9} {:>9} {:>9} {:>12}",
                    "table", "insert", "update", "delete", "bytes"
                ),
                bold.add_modifier(Modifier::UNDERLINED),
            ),
        ));
        for t in &st.tables {
            let name: String = escape_str(&t.name()).chars().take(28).collect();
            let text = format!(
                "{name:<28} {:>9} {:>9} {:>9} {:>12}",
                t.insert, t.update, t.delete, t.bytes
            );
            lines.push((Some(item), Line::raw(text)));
            item += 1;
        }
        for (title, list) in [
            ("top transactions by rows", &st.by_rows),
            ("by bytes", &st.by_bytes),
            ("by duration", &st.by_duration),
        ] {
            lines.push((
                None,
                Line::styled(
                    format!(
                        "  {title:<24} {:>8} {:>10} {:>6}  position",
                        "rows", "bytes", "secs"
                    ),
                    bold.add_modifier(Modifier::UNDERLINED),
                ),
            ));
            for t in list {
                let label =
                    t.gtid.as_deref().map(escape_str).unwrap_or_else(|| {
                        t.tables.first().map(|s| escape_str(s)).unwrap_or_default()
                    });
                let label: String = label.chars().take(24).collect();
                let text = format!(
                    "{label:<24} {:>8} {:>10} {:>6}  {}",
                    t.rows,
                    t.bytes,
                    t.duration,
                    escape_str(&app.binlogs().named(t.at).to_string())
                );
                lines.push((Some(item), Line::raw(text)));
                item += 1;
            }
        }
        let h = &st.histogram;
        lines.push((
            None,
            Line::styled(
                format!(
                    "  {:<28} {:>9} {:>9} {:>12}",
                    format!("busiest ({} s buckets)", h.width),
                    "events",
                    "rows",
                    "bytes"
                ),
                bold.add_modifier(Modifier::UNDERLINED),
            ),
        ));
        for i in v.busiest() {
            let x = h.buckets[i];
            let text = format!(
                "{:<28} {:>9} {:>9} {:>12}",
                time_text(app.zone, h.bucket_start(i)),
                x.events,
                x.rows,
                x.bytes
            );
            lines.push((Some(item), Line::raw(text)));
            item += 1;
        }
        // Scroll so the selected line shows, keeping the heading.
        let rows = area.height as usize;
        let at = lines
            .iter()
            .position(|(i, _)| *i == Some(v.selected))
            .unwrap_or(0);
        let skip = (at + 2)
            .saturating_sub(rows)
            .min(lines.len().saturating_sub(rows));
        let shown = std::iter::once(&lines[0]).chain(lines.iter().skip(1 + skip));
        for (row, (i, line)) in shown.take(rows).enumerate() {
            let r = Rect::new(area.x, area.y + row as u16, area.width, 1);
            match i {
                // Item lines get a selection mark (visible without color too).
                Some(i) => {
                    let selected = *i == v.selected;
                    let mark = if selected { "> " } else { "  " };
                    let mut spans = vec![ratatui::text::Span::raw(mark)];
                    spans.extend(line.spans.iter().cloned());
                    let mut l = Line::from(spans);
                    if selected {
                        let rev = Style::default().add_modifier(Modifier::REVERSED);
                        l = l.style(rev);
                        buf.set_style(r, rev);
                    }
                    l.render(r, buf);
                }
                None => line.clone().render(r, buf),
            }
        }
    }
}
