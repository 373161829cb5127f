//! The conflicts of an undo: the keys a range changed that a later transaction (after
//! the stop, to the end of the set) changes again; undoing the range would overwrite
//! that later work.

use std::collections::HashMap;

use crate::index::{Binlogs, EventId};
use crate::schema::key;
use crate::schema::{Catalog, SchemaCache};

use super::Error;
use super::diff::{DiffRequest, merge, scan};
use super::range::Range;
use super::rows_walk::{Tables, walk_rows};

/// A key the range changed that a later transaction changes again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: String,
    /// The rows event of the first later change.
    pub event: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableConflicts {
    pub table: String,
    pub key: Vec<String>,
    pub keyless: bool,
    pub conflicts: Vec<Conflict>,
}

/// Whether anything after `range` can change a row again (a rows event, compressed or
/// not). When nothing can, an undo has no conflicts, and the check need not hold the
/// range's keys — as for a range that runs to the end of the set.
pub fn rows_after(b: &Binlogs, range: Range) -> bool {
    (range.end.0..b.index.len() as u32).any(|i| {
        let t = b.index.type_code(EventId(i));
        t.is_rows() || t == crate::format::EventType::TRANSACTION_PAYLOAD
    })
}

/// Per table, the keys `req.range` touched that the events after it, to the end of the
/// set, touch again (each with the first such change), in the order found.
pub fn conflicts(
    b: &Binlogs,
    catalog: &Catalog,
    req: &DiffRequest,
) -> Result<Vec<TableConflicts>, Error> {
    let sc = scan(b, catalog, req)?;
    let names: HashMap<String, usize> = sc
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let mut found: Vec<Vec<Option<EventId>>> =
        sc.tables.iter().map(|t| vec![None; t.rows.len()]).collect();
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); sc.tables.len()];
    let later = Range {
        start: req.range.end,
        end: EventId(b.index.len() as u32),
    };
    let tables = Tables::matching(b, |s, t| {
        names.contains_key(&format!(
            "{}.{}",
            String::from_utf8_lossy(s),
            String::from_utf8_lossy(t)
        ))
    });
    let mut schemas = SchemaCache::default();
    let (mut k1, mut k2) = (String::new(), String::new());
    walk_rows(b, later, &tables, |x| {
        let full = format!(
            "{}.{}",
            String::from_utf8_lossy(&x.table.schema),
            String::from_utf8_lossy(&x.table.table)
        );
        let Some(&ti) = names.get(&full) else {
            return Ok(());
        };
        let t = &sc.tables[ti];
        let s = schemas.resolve(catalog, x.event, x.table);
        let tm = x.table;
        for row in x.rows.rows(tm).map_while(Result::ok) {
            let (before, after) = (row.before.as_deref(), row.after.as_deref());
            let mut keys: [Option<&str>; 2] = [None, None];
            if t.keyless {
                if let Some(bi) = before {
                    key::image_text(&mut k1, bi, &s, tm);
                    keys[0] = Some(&k1);
                }
                if let Some(ai) = after {
                    key::image_text(&mut k2, &merge(before, ai), &s, tm);
                    keys[1] = Some(&k2);
                }
            } else {
                if before.is_some_and(|bi| key::key_text(&mut k1, bi, &s, tm)) {
                    keys[0] = Some(&k1);
                }
                let ok = match (before, after) {
                    (Some(bi), Some(ai)) => key::after_key_text(&mut k2, bi, ai, &s, tm),
                    (None, Some(ai)) => key::key_text(&mut k2, ai, &s, tm),
                    _ => false,
                };
                if ok {
                    keys[1] = Some(&k2);
                }
            }
            for k in keys.into_iter().flatten() {
                if let Some(i) = t.rows.find(k) {
                    if found[ti][i].is_none() {
                        found[ti][i] = Some(x.event);
                        order[ti].push(i);
                    }
                }
            }
        }
        Ok(())
    })?;
    let mut out: Vec<TableConflicts> = sc
        .tables
        .iter()
        .enumerate()
        .filter(|(ti, _)| !order[*ti].is_empty())
        .map(|(ti, t)| TableConflicts {
            table: t.name.clone(),
            key: t.key.clone(),
            keyless: t.keyless,
            conflicts: order[ti]
                .iter()
                .map(|&i| Conflict {
                    key: t.rows.key(i).to_string(),
                    event: found[ti][i].unwrap_or(EventId(0)),
                })
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(out)
}
