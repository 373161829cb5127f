//! What the index knows of one transaction, derived on demand from the columns: no
//! per-transaction storage beyond the first event of each span.
//!
//! How a span ended is read off its first and last events: a span opened by a GTID,
//! `BEGIN` or `XA START` and closed by XID, `COMMIT`, `ROLLBACK`, XA_PREPARE, a
//! TRANSACTION_PAYLOAD or (after a GTID without `BEGIN`) its one statement is complete;
//! one opened that way and closed by anything else was cut short (a crash, a file still
//! being written).

use crate::format::EventType;

use super::event_index::{EventId, EventIndex, TxnId};
use super::names::ObjectId;
use crate::format::query_class::QueryClass;

/// How a transaction (or a span outside transactions) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnEnd {
    /// An XID event (the xid itself is decoded on demand by `Binlogs::txn_xid`).
    Xid,
    /// A `COMMIT` statement, or the one statement after a GTID without `BEGIN` (DDL, a
    /// MariaDB standalone group), or a compressed TRANSACTION_PAYLOAD.
    Commit,
    Rollback,
    /// XA_PREPARE: the first phase of an XA transaction; the commit comes later.
    XaPrepare,
    /// `XA COMMIT` / `XA ROLLBACK` of a transaction prepared earlier.
    XaCommit,
    XaRollback,
    /// A statement outside any transaction (with its INTVAR, USER_VAR, … events).
    Statement,
    /// A control event (FORMAT_DESCRIPTION, ROTATE, PREVIOUS_GTIDS, …) on its own.
    Control,
    /// Opened but never closed: the file ends (or another transaction begins) first.
    Incomplete,
}

/// One transaction's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transaction {
    pub id: TxnId,
    pub first: EventId,
    /// Inclusive.
    pub last: EventId,
}

impl Transaction {
    pub fn event_count(&self) -> u32 {
        self.last.0 - self.first.0 + 1
    }

    pub fn events(&self) -> impl Iterator<Item = EventId> {
        (self.first.0..=self.last.0).map(EventId)
    }
}

fn is_gtid(t: EventType) -> bool {
    matches!(
        t,
        EventType::GTID
            | EventType::GTID_TAGGED
            | EventType::ANONYMOUS_GTID
            | EventType::MARIA_GTID
    )
}

fn is_query(t: EventType) -> bool {
    matches!(
        t,
        EventType::QUERY | EventType::EXECUTE_LOAD_QUERY | EventType::MARIA_QUERY_COMPRESSED
    )
}

impl EventIndex {
    pub fn transaction(&self, t: TxnId) -> Transaction {
        let (first, last) = self.txn_span(t);
        Transaction { id: t, first, last }
    }

    /// Bytes from the first event's start to the last event's end (the events of one
    /// span are always in one file).
    pub fn txn_bytes(&self, t: TxnId) -> u64 {
        let (first, last) = self.txn_span(t);
        self.next_pos(last).0.saturating_sub(self.pos(first).0)
    }

    /// Seconds between the earliest and the latest event timestamp of the span.
    pub fn txn_duration(&self, t: TxnId) -> u32 {
        let (first, last) = self.txn_span(t);
        let ts = self.ts.window(first.0 as usize..last.0 as usize + 1);
        let lo = ts.iter().copied().min().unwrap_or(0);
        let hi = ts.iter().copied().max().unwrap_or(0);
        hi - lo
    }

    /// The tables the span touches (table maps, rows events and the tables inside a
    /// compressed payload), each once, in order of first appearance.
    pub fn txn_tables(&self, t: TxnId) -> Vec<ObjectId> {
        let (first, last) = self.txn_span(t);
        let mut out: Vec<ObjectId> = Vec::new();
        for i in first.0..=last.0 {
            let e = EventId(i);
            let k = self.type_code(e);
            let objs =
                (k == EventType::TABLE_MAP || k.is_rows() || k == EventType::TRANSACTION_PAYLOAD)
                    .then(|| self.objects_of(e))
                    .into_iter()
                    .flatten();
            for o in objs {
                if o != ObjectId::NONE && !out.contains(&o) {
                    out.push(o);
                }
            }
        }
        out
    }

    /// Rows events in the span (a compressed payload counts as none: its rows are inside).
    pub fn txn_rows_events(&self, t: TxnId) -> usize {
        let (first, last) = self.txn_span(t);
        self.kind
            .iter_range(first.0 as usize..last.0 as usize + 1)
            .filter(|&&k| EventType(k).is_rows())
            .count()
    }

    /// How the span ended, from its first and last events.
    pub fn txn_end(&self, t: TxnId) -> TxnEnd {
        let (first, last) = self.txn_span(t);
        let (fk, fc) = (self.type_code(first), self.class(first));
        let (lk, lc) = (self.type_code(last), self.class(last));
        let opened =
            is_gtid(fk) || (is_query(fk) && matches!(fc, QueryClass::Begin | QueryClass::XaStart));
        let ended = match lk {
            EventType::XID => Some(TxnEnd::Xid),
            EventType::XA_PREPARE => Some(TxnEnd::XaPrepare),
            EventType::TRANSACTION_PAYLOAD => Some(TxnEnd::Commit),
            _ if is_query(lk) => match lc {
                QueryClass::Commit => Some(TxnEnd::Commit),
                QueryClass::Rollback => Some(TxnEnd::Rollback),
                QueryClass::XaCommit => Some(TxnEnd::XaCommit),
                QueryClass::XaRollback => Some(TxnEnd::XaRollback),
                // One statement after a GTID without BEGIN: DDL, a standalone group.
                QueryClass::Begin | QueryClass::XaStart | QueryClass::XaEnd => None,
                _ if is_gtid(fk) => Some(TxnEnd::Commit),
                _ => None,
            },
            _ => None,
        };
        match (opened, ended) {
            (true, Some(end)) => end,
            (true, None) => TxnEnd::Incomplete,
            (false, Some(end)) => end,
            (false, None) if first == last && self.is_control(first) => TxnEnd::Control,
            (false, None) => TxnEnd::Statement,
        }
    }

    fn is_control(&self, e: EventId) -> bool {
        let k = self.type_code(e);
        !(is_query(k)
            || k.is_rows()
            || matches!(
                k,
                EventType::INTVAR
                    | EventType::RAND
                    | EventType::USER_VAR
                    | EventType::TABLE_MAP
                    | EventType::BEGIN_LOAD_QUERY
                    | EventType::APPEND_BLOCK
                    | EventType::MARIA_ANNOTATE_ROWS
                    | EventType::ROWS_QUERY
            ))
    }
}
