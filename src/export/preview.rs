//! The one-line preview of a replay: transactions, rows per operation, tables touched.

use std::collections::BTreeSet;
use std::fmt;

use crate::format::{Event, RowsOp};
use crate::index::{Binlogs, EventId};

use super::range::Range;
use super::replay::holds_data;
use super::walk::walk;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub transactions: u64,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub statements: u64,
    pub tables: Vec<String>,
    /// Rows events that could not be decoded (their rows are not counted).
    pub undecoded: u64,
}

impl Preview {
    pub fn of(b: &Binlogs, pieces: &[Range]) -> Preview {
        let mut p = Preview::default();
        let mut tables: BTreeSet<String> = BTreeSet::new();
        for r in pieces {
            if r.start == r.end {
                continue;
            }
            let a = b.index.txn_of(r.start).0;
            let z = b.index.txn_of(EventId(r.end.0 - 1)).0;
            p.transactions += (a..=z)
                .filter(|&t| holds_data(b, crate::index::TxnId(t)))
                .count() as u64;
            let res = walk(b, *r, |_, _, ev, dec| {
                match ev {
                    Event::Rows(rows) => {
                        let n = match dec.table_for(rows) {
                            Ok(tm) => {
                                tables.insert(format!(
                                    "{}.{}",
                                    String::from_utf8_lossy(&tm.schema),
                                    String::from_utf8_lossy(&tm.table)
                                ));
                                rows.rows(tm).filter(std::result::Result::is_ok).count() as u64
                            }
                            Err(_) => {
                                p.undecoded += 1;
                                0
                            }
                        };
                        match rows.kind.op {
                            RowsOp::Insert => p.inserted += n,
                            RowsOp::Update => p.updated += n,
                            RowsOp::Delete => p.deleted += n,
                        }
                    }
                    Event::Query(q) => {
                        let s = q.query.trim_ascii();
                        if !s.eq_ignore_ascii_case(b"BEGIN") && !s.eq_ignore_ascii_case(b"COMMIT") {
                            p.statements += 1;
                        }
                    }
                    _ => {}
                }
                Ok(())
            });
            if res.is_err() {
                p.undecoded += 1;
            }
        }
        p.tables = tables.into_iter().collect();
        p
    }
}

impl fmt::Display for Preview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} transactions; rows: {} inserted, {} updated, {} deleted; {} statements; tables: {}",
            self.transactions,
            self.inserted,
            self.updated,
            self.deleted,
            self.statements,
            if self.tables.is_empty() {
                "none".to_string()
            } else {
                crate::format::display::escape_str(&self.tables.join(", "))
            }
        )?;
        if self.undecoded > 0 {
            write!(f, "; {} events not decoded", self.undecoded)?;
        }
        Ok(())
    }
}
