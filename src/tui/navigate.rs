//! Moving the cursor and scrolling: the parts of `App::update` that keep the cursor on
//! a row and that row on screen.

use crate::index::{EventId, TxnId};

use std::collections::HashMap;

use super::app::App;
use super::txn_rows::TxnRow;

impl App {
    pub(super) fn step_txn(&mut self, dir: i64) {
        if self.event_count() == 0 {
            return;
        }
        let b = self.build.read();
        let ix = &b.index;
        let here = ix.txn_of(self.cursor);
        if dir < 0 && ix.txn_span(here).0 != self.cursor {
            // Inside a transaction, `{` goes to its start first.
            let first = ix.txn_span(here).0;
            drop(b);
            self.move_to_event(first);
            return;
        }
        let t = i64::from(here.0) + dir;
        let t = t.clamp(0, ix.txn_count() as i64 - 1) as u32;
        let first = ix.txn_span(TxnId(t)).0;
        drop(b);
        self.move_to_event(first);
    }

    pub(super) fn move_rows(&mut self, delta: i64) {
        let row = i64::from(self.cursor_row()) + delta;
        let max = i64::from(self.row_count().saturating_sub(1));
        self.move_to_row(row.clamp(0, max.max(0)) as u32);
    }

    pub(super) fn move_to_row(&mut self, row: u32) {
        if self.row_count() == 0 {
            return;
        }
        self.move_to_event(self.event_of_row(row));
    }

    pub(super) fn move_to_event(&mut self, e: EventId) {
        let n = self.event_count();
        if n == 0 {
            return;
        }
        self.cursor = EventId(e.0.min(n - 1));
        if self
            .filters
            .active
            .as_ref()
            .is_some_and(|f| !f.rows.is_empty())
        {
            // Only matches are rows: the nearest one at or after, else the last.
            self.cursor = self.event_of_row(self.row_of(self.cursor));
        }
        self.scroll_to_cursor();
        self.refresh_summary();
        if self.detail.is_some() {
            self.open_detail();
        }
    }

    /// Keeps the cursor row on screen with the least scrolling.
    pub(super) fn scroll_to_cursor(&mut self) {
        let row = self.cursor_row();
        if row < self.top {
            self.top = row;
        } else if row >= self.top + self.page {
            self.top = row + 1 - self.page;
        }
        let max_top = self.row_count().saturating_sub(self.page);
        self.top = self.top.min(max_top);
        self.summarize_visible();
    }

    /// Decodes the events on screen (at most a screenful, reusing what was already
    /// decoded), so every visible row shows its summary.
    pub(super) fn summarize_visible(&mut self) {
        let end = (self.top + self.page).min(self.row_count());
        let mut next = HashMap::with_capacity(self.page as usize);
        for row in self.top..end {
            if self.txn_view && matches!(self.txn_row(row), TxnRow::Txn(_)) {
                continue;
            }
            let e = self.event_of_row(row);
            let text = match self.visible.remove(&e) {
                Some(t) => t,
                None => self
                    .build
                    .read()
                    .with_event(e, |_, ev, dec| match ev {
                        Ok(ev) => crate::format::summary::summarize(&ev, dec),
                        Err(err) => format!("undecodable: {}", err.kind),
                    })
                    .unwrap_or_default(),
            };
            next.insert(e, text);
        }
        self.visible = next;
    }

    pub(super) fn scroll_detail(&mut self, delta: i32) {
        let h = i32::from(self.detail_height());
        if let Some(d) = &mut self.detail {
            let len = if d.hex {
                d.lines.hex.len()
            } else {
                d.lines.text.len()
            } as i32;
            let max = (len - h + 2).max(0);
            d.scroll = (i32::from(d.scroll) + delta).clamp(0, max) as u16;
        }
    }
}
