//! The index growing under the App: while the build runs (or a followed file grows) the
//! App catches up after each step — the schema catalog, timeline, the summaries on screen — and a
//! filter in force is run again over the larger index, the cursor staying on its event.
//! Nothing here is O(events) per step: the timeline is recounted only when the index has
//! grown by a quarter (and once at the end), the filter (and a draft's live count) when
//! it has grown by half.

use crate::filter::Filter;
use crate::index::EventId;

use super::app::{App, PromptKind};
use super::work::Pending;
use super::worker::Job;

impl App {
    /// `Action::Indexed`: takes in what the index holds now.
    pub(super) fn catch_up(&mut self) {
        let finished = self.is_indexed();
        let b = self.build.read();
        let n = b.index.len() as u32;
        let was = self.indexed;
        if n > was {
            self.catalog.extend(&b);
        }
        self.timeline.catch_up(&b.index, finished, self.follow.on);
        drop(b);
        self.indexed = n;
        if n != was {
            self.scroll_to_cursor();
            self.refresh_summary();
        }
        self.refilter_if_stale();
    }

    /// Runs the filter in force again when the index has grown enough since it ran
    /// (by half while building; at all once built) and the worker is free.
    pub(super) fn refilter_if_stale(&mut self) {
        if self.work.pending.is_some() {
            return;
        }
        let n = self.indexed;
        let stale = |covers: u32| {
            covers < n && (self.is_indexed() || n >= covers.saturating_add(covers / 2).max(1))
        };
        // The live count of a draft in the prompt, likewise.
        let drafting = self
            .prompt
            .as_ref()
            .is_some_and(|p| p.kind == PromptKind::Filter);
        if drafting
            && self
                .filters
                .live_result
                .as_ref()
                .is_some_and(|r| stale(r.covers))
        {
            self.filter_draft_changed();
            return;
        }
        let Some(f) = &self.filters.active else {
            return;
        };
        if !stale(f.covers) {
            return;
        }
        let text = f.text.clone();
        let Ok(filter) = Filter::parse(&text, &self.parse_context()) else {
            return;
        };
        self.work
            .submit(Pending::Refilter, |generation| Job::Filter {
                generation,
                text,
                filter,
            });
    }

    /// A re-run's matches so far: those past the events the list covers join it at its
    /// end (the ones before are the list's already), the cursor staying on its event.
    pub(super) fn refilter_found(&mut self, hits: &[EventId]) {
        let Some(f) = &mut self.filters.active else {
            return;
        };
        let (covers, last) = (f.covers, f.rows.last().copied());
        let new = hits.partition_point(|e| e.0 < covers || last.is_some_and(|l| *e <= l));
        if new == hits.len() {
            return;
        }
        f.rows.extend_from_slice(&hits[new..]);
        if last.is_none() {
            let at = self.cursor;
            self.move_to_event(at);
        } else {
            self.summarize_visible();
        }
    }

    /// The result of a re-run: more matches, same cursor.
    pub(super) fn refiltered(&mut self, text: &str, matches: Vec<EventId>, covers: u32) {
        let Some(f) = &mut self.filters.active else {
            return;
        };
        if f.text != text {
            return;
        }
        f.rows = matches;
        f.covers = covers;
        let at = self.cursor;
        self.move_to_event(at);
    }

    /// `F`: follow the last file, or stop.
    pub(super) fn toggle_follow(&mut self) {
        self.follow.on = !self.follow.on;
        self.message = Some(if self.follow.on {
            "following the last file".into()
        } else {
            "stopped following".into()
        });
        if self.follow.on {
            self.poll();
        } else if let Some(mut b) = self.build.try_write() {
            b.set_follow(false);
            self.follow.pending = None;
        }
    }

    /// Follow mode's timer: indexes what was appended (when no one is reading the set);
    /// a cursor on the last event moves on to the new last event.
    pub(super) fn poll(&mut self) {
        if !self.follow.on || !self.is_indexed() {
            return;
        }
        let at_end = self.cursor_row() + 1 >= self.row_count();
        let Some(mut b) = self.build.try_write() else {
            return;
        };
        b.set_follow(true);
        let r = b.refresh();
        drop(b);
        self.follow.pending = r.pending;
        if let Some(p) = r.problems.first() {
            let at = crate::format::display::escape_str(&self.binlogs().named(p.at).to_string());
            self.message = Some(format!("{at}: {}", p.message));
        }
        if r.new_events > 0 {
            self.catch_up();
            if at_end && self.filters.active.is_none() {
                self.move_to_row(self.row_count().saturating_sub(1));
            }
        }
    }

    /// Whether `e` is in the last transaction indexed (which may still grow).
    pub fn in_last_txn(&self, e: EventId) -> bool {
        let b = self.build.read();
        b.index.txn_count() == 0 || b.index.txn_of(e).0 as usize + 1 == b.index.txn_count()
    }

    /// How far the build is, for the status bar: `indexing 37%`.
    pub fn index_progress(&self) -> Option<String> {
        if self.is_indexed() {
            return None;
        }
        let (done, total) = self.build.progress();
        let mib = |b: u64| b as f64 / f64::from(1 << 20);
        Some(format!(
            "indexing {}% ({:.1} of {:.1} MiB)",
            done * 100 / total.max(1),
            mib(done),
            mib(total)
        ))
    }
}
