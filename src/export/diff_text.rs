//! The text forms of a net effect and of undo conflicts, for people: the CLI prints
//! them and the TUI's export dialog shows them.

use std::collections::HashMap;
use std::io::Write;

use crate::format::display::escape_str;
use crate::index::{Binlogs, EventId, TxnId};

use super::conflicts::TableConflicts;
use super::diff::{Outcome, TableEffect};

pub const OUTCOMES: [(Outcome, &str); 3] = [
    (Outcome::Inserted, "inserted"),
    (Outcome::Deleted, "deleted"),
    (Outcome::Changed, "changed"),
];

fn table_head(table: &str, key: &[String], keyless: bool) -> String {
    if keyless {
        format!(
            "{} (no known primary key: compared by whole rows)",
            escape_str(table)
        )
    } else {
        format!("{} ({})", escape_str(table), escape_str(&key.join(", ")))
    }
}

pub fn effect_text(out: &mut impl Write, tables: &[TableEffect]) -> std::io::Result<()> {
    if tables.is_empty() {
        writeln!(out, "no net change")?;
    }
    for t in tables {
        writeln!(
            out,
            "{}: {} inserted, {} deleted, {} changed",
            table_head(&t.table, &t.key, t.keyless),
            t.count(Outcome::Inserted),
            t.count(Outcome::Deleted),
            t.count(Outcome::Changed)
        )?;
        if t.partial {
            writeln!(
                out,
                "  (its row images leave columns out, binlog_row_image is not FULL: whole rows cannot be compared exactly)"
            )?;
        }
        for (what, name) in OUTCOMES {
            for k in t.entries(what) {
                // Key texts are JSON: no control character is left unescaped in them.
                writeln!(out, "  {name:<8} {k}")?;
            }
        }
    }
    Ok(())
}

/// GTIDs of the transactions of conflicts, decoded once each.
pub fn gtid_of(
    b: &Binlogs,
    cache: &mut HashMap<TxnId, Option<String>>,
    e: EventId,
) -> Option<String> {
    let t = b.index.txn_of(e);
    cache.entry(t).or_insert_with(|| b.txn_gtid(t)).clone()
}

/// One line per conflicting key: `  [42] at FILE:POS (GTID …)`; at most `limit` per table.
pub fn conflict_lines(b: &Binlogs, tables: &[TableConflicts], limit: usize) -> String {
    use std::fmt::Write as _;
    let mut gtids = HashMap::new();
    let mut out = String::new();
    for t in tables {
        let _ = writeln!(
            out,
            "{}: {} row(s) changed again later",
            table_head(&t.table, &t.key, t.keyless),
            t.conflicts.len()
        );
        for c in t.conflicts.iter().take(limit) {
            let _ = write!(
                out,
                "  {} at {}",
                c.key,
                escape_str(&b.named(b.index.get(c.event).location()).to_string())
            );
            if let Some(g) = gtid_of(b, &mut gtids, c.event) {
                let _ = write!(out, " (GTID {g})");
            }
            out.push('\n');
        }
        if t.conflicts.len() > limit {
            let _ = writeln!(out, "  … and {} more", t.conflicts.len() - limit);
        }
    }
    out
}
