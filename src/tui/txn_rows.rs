//! Rows of the transaction view: one per transaction, except that an expanded
//! transaction shows one row per event. Expanded transactions are few (the user opens
//! them one by one), so mapping a row costs O(expanded), never O(events).

use crate::index::{EventId, TxnId};

use super::app::App;

/// What one row of the transaction view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnRow {
    /// A collapsed transaction.
    Txn(TxnId),
    /// An event of an expanded transaction.
    Event(TxnId, EventId),
}

impl App {
    fn txn_len(&self, t: TxnId) -> u32 {
        let (first, last) = self.build.read().index.txn_span(t);
        last.0 - first.0 + 1
    }

    pub fn txn_row_count(&self) -> u32 {
        let extra: u32 = self.expanded.iter().map(|&t| self.txn_len(t) - 1).sum();
        self.build.read().index.txn_count() as u32 + extra
    }

    pub fn txn_row(&self, row: u32) -> TxnRow {
        let mut extra = 0;
        for &t in &self.expanded {
            let start = t.0 + extra;
            let len = self.txn_len(t);
            if row < start {
                break;
            }
            if row < start + len {
                let first = self.build.read().index.txn_span(t).0;
                return TxnRow::Event(t, EventId(first.0 + row - start));
            }
            extra += len - 1;
        }
        TxnRow::Txn(TxnId(row - extra))
    }

    pub fn txn_row_of(&self, e: EventId) -> u32 {
        let b = self.build.read();
        let ix = &b.index;
        let t = ix.txn_of(e);
        let extra: u32 = self.expanded.range(..t).map(|&x| self.txn_len(x) - 1).sum();
        let offset = if self.expanded.contains(&t) {
            e.0 - ix.txn_span(t).0.0
        } else {
            0
        };
        t.0 + extra + offset
    }

    /// Space in the transaction view: open or close the transaction under the cursor.
    pub(super) fn toggle_expand(&mut self) {
        if !self.txn_view || self.event_count() == 0 {
            return;
        }
        let t = self.build.read().index.txn_of(self.cursor);
        if !self.expanded.remove(&t) {
            self.expanded.insert(t);
        }
        self.cursor = self.build.read().index.txn_span(t).0;
        self.scroll_to_cursor();
        self.refresh_summary();
    }
}
