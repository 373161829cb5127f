//! The applied filter while its scan runs on the worker: the matches show in the list as
//! the worker reports them (in event order, so the list only grows at its end), the
//! cursor goes to the first match at or after where it was as soon as that is found, and
//! Esc cancels. The final result completes the list without moving the cursor.

use crate::filter::Filter;
use crate::index::EventId;

use super::app::{ActiveFilter, App};
use super::work::{JobProgress, Pending};
use super::worker::Job;

/// An applied filter whose scan still runs.
#[derive(Debug, Clone)]
pub struct Scan {
    pub generation: u64,
    pub text: String,
    pub describe: String,
    /// Where the cursor was when the filter was applied (Esc goes back there).
    pub from: EventId,
    /// Where the scan last put the cursor: once the cursor is elsewhere, the user moved
    /// it, and the scan leaves it be.
    pub placed: Option<EventId>,
    /// The cursor is on the first match at or after `from`: later matches only grow
    /// the list.
    pub settled: bool,
    /// Matches reported so far.
    pub found: usize,
    /// Events indexed when the filter was applied.
    pub covers: u32,
    /// Whether the list was grouped by transaction (the filtered list is not).
    pub txn_view: bool,
}

impl Scan {
    fn user_moved(&self, cursor: EventId) -> bool {
        self.placed.is_some_and(|p| p != cursor)
    }
}

impl App {
    /// Enter on a filter not counted yet: the worker scans, the list fills as it goes.
    pub(super) fn start_scan(&mut self, text: String, filter: Filter) {
        let describe = filter.describe();
        let job_text = text.clone();
        self.work.submit(Pending::Apply, |generation| Job::Filter {
            generation,
            text: job_text,
            filter,
        });
        self.filters.scan = Some(Scan {
            generation: self.work.generation,
            text,
            describe,
            from: self.cursor,
            placed: None,
            settled: false,
            found: 0,
            covers: self.event_count(),
            txn_view: self.txn_view,
        });
    }

    /// The scan of the applied filter reported `hits` (following the ones before).
    pub(super) fn scan_found(&mut self, hits: &[EventId]) {
        let Some(scan) = &mut self.filters.scan else {
            return;
        };
        if hits.is_empty() {
            return;
        }
        scan.found += hits.len();
        let moved = scan.user_moved(self.cursor);
        let (from, settled) = (scan.from, scan.settled);
        match &mut self.filters.active {
            Some(f) if f.scanning => f.rows.extend_from_slice(hits),
            _ => {
                // The first matches: the list becomes the filter's.
                self.filters.active = Some(ActiveFilter {
                    text: scan.text.clone(),
                    describe: scan.describe.clone(),
                    rows: hits.to_vec(),
                    covers: scan.covers,
                    scanning: true,
                });
                self.txn_view = false;
            }
        }
        if moved || settled {
            // Rows were added after the cursor's: it and the scroll stay.
            self.summarize_visible();
            return;
        }
        // The first match at or after where the cursor was, else the last one so far.
        let at = hits.iter().copied().find(|&e| e >= from);
        let Some(target) = at.or(hits.last().copied()) else {
            return;
        };
        if let Some(scan) = &mut self.filters.scan {
            scan.placed = Some(target);
            scan.settled = at.is_some();
        }
        self.move_to_event(target);
    }

    /// The scan's final result: every match (the same as those reported).
    pub(super) fn scan_finished(&mut self, text: String, matches: Vec<EventId>, covers: u32) {
        let scan = self.filters.scan.take();
        match &mut self.filters.active {
            Some(f) if f.scanning && scan.is_some() => {
                f.rows = matches;
                f.covers = covers;
                f.scanning = false;
                if f.rows.binary_search(&self.cursor).is_err() {
                    let at = self.cursor;
                    self.move_to_event(at);
                } else {
                    self.summarize_visible();
                }
            }
            // Nothing was reported (or no match): as if it had been counted already.
            _ => self.apply_filter(text, matches, covers),
        }
    }

    /// Esc while the applied filter's scan runs: the worker stops, the list is the
    /// unfiltered one (grouped again if it was), the cursor on the event the user
    /// chose, else where it was.
    pub(super) fn cancel_scan(&mut self) {
        let Some(scan) = self.filters.scan.take() else {
            return;
        };
        self.work.forget(Pending::Apply);
        self.work.queue.push(Job::Cancel);
        let back = if scan.user_moved(self.cursor) {
            self.cursor
        } else {
            scan.from
        };
        self.filters.active = None;
        self.txn_view = scan.txn_view;
        self.move_to_event(back);
        self.message = Some(format!(
            "filter cancelled ({} matches found before)",
            scan.found
        ));
    }

    /// Esc while a search runs: the worker stops, the cursor stays.
    pub(super) fn cancel_search(&mut self) {
        self.work.forget(Pending::Search);
        self.work.queue.push(Job::Cancel);
        self.message = Some("search cancelled".into());
    }

    /// After each update: a scan whose answer is no longer awaited (another job took the
    /// worker) is over, and a list it left partial goes.
    pub(super) fn end_superseded_scan(&mut self) {
        let Some(scan) = &self.filters.scan else {
            return;
        };
        if self.work.awaited(scan.generation) == Some(Pending::Apply) {
            return;
        }
        self.filters.scan = None;
        if self.filters.active.as_ref().is_some_and(|f| f.scanning) {
            self.filters.active = None;
            self.scroll_to_cursor();
        }
    }

    /// How far the applied filter's scan has got, while it runs.
    pub fn scan_progress(&self) -> Option<(&Scan, Option<JobProgress>)> {
        let scan = self.filters.scan.as_ref()?;
        Some((scan, self.work.progress))
    }
}
