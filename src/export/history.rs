//! One row's story: every change of the row with a given primary key across the set,
//! oldest first, following the row when an UPDATE changes its key.
//!
//! Only the rows events of the row's table are read (the index knows each event's
//! table), and a rows event whose row data does not contain the key's bytes is skipped
//! before its rows are decoded.

use std::collections::HashMap;
use std::sync::Arc;

use memchr::memmem;

use crate::format::column::ColumnDef;
use crate::format::display::{escape_bytes, value_text};
use crate::format::value_json;
use crate::format::{Cell, RowsOp, TableMap, Value};
use crate::index::{Binlogs, EventId, Location, TxnId};
use crate::schema::key::{self, KeyLiteral, KeyMatch};
use crate::schema::{Catalog, ColumnSchema, SchemaCache, TableSchema};

use super::range::Range;
use super::rows_walk::{Tables, walk_rows};
use super::{Error, ErrorKind};

/// What to look for.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    pub key: KeyLiteral,
}

/// One change of the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub event: EventId,
    /// Where the rows event starts (the payload event, for a compressed transaction).
    pub at: Location,
    pub timestamp: u32,
    pub gtid: Option<String>,
    pub op: RowsOp,
    /// The row's key (JSON text) before the change, or after it for an insert.
    pub key: String,
    /// The images as `dump --format jsonl` writes them.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The columns the change touched (every present column of an insert or a delete).
    pub columns: Vec<ColumnChange>,
}

/// One column of a change, as people read values (`'EU'`, `12.50`, `NULL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnChange {
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone)]
pub struct History {
    /// The key columns' names.
    pub key_names: Vec<String>,
    pub changes: Vec<Change>,
}

/// The key being followed, typed for the table map (and DDL) it was last typed for.
struct Follow {
    literal: KeyLiteral,
    typed: Option<Typed>,
}

struct Typed {
    schema: Arc<TableSchema>,
    table_map: Arc<TableMap>,
    key: KeyMatch,
    /// A searcher for the key's bytes, built once.
    finder: Option<memmem::Finder<'static>>,
}

impl Follow {
    fn typed(&mut self, s: &Arc<TableSchema>, tm: &Arc<TableMap>) -> Result<&Typed, String> {
        let fresh = self
            .typed
            .as_ref()
            .is_some_and(|t| Arc::ptr_eq(&t.schema, s) && Arc::ptr_eq(&t.table_map, tm));
        if !fresh {
            let key = self.literal.for_table(s, tm)?;
            let finder = key
                .needle
                .as_ref()
                .map(|n| memmem::Finder::new(n).into_owned());
            self.typed = Some(Typed {
                schema: s.clone(),
                table_map: tm.clone(),
                key,
                finder,
            });
        }
        self.typed.as_ref().ok_or_else(|| "no key".to_string())
    }
}

/// Every change of the row `req` names, in `r`, oldest first.
pub fn history(
    b: &Binlogs,
    catalog: &Catalog,
    req: &HistoryRequest,
    r: Range,
) -> Result<History, Error> {
    let tables = Tables::matching(b, |s, t| s == req.schema && t == req.table);
    let full = format!(
        "{}.{}",
        String::from_utf8_lossy(&req.schema),
        String::from_utf8_lossy(&req.table)
    );
    let mut cache = SchemaCache::default();
    let mut follow = Follow {
        literal: req.key.clone(),
        typed: None,
    };
    let mut key_names = Vec::new();
    let mut changes = Vec::new();
    let mut gtids: HashMap<TxnId, Option<String>> = HashMap::new();
    let (mut before_key, mut after_key) = (String::new(), String::new());
    walk_rows(b, r, &tables, |x| {
        let s = cache.resolve(catalog, x.event, x.table);
        if s.key.is_empty() {
            return Err(Error::new(ErrorKind::NoKey, no_key(&full, &s)));
        }
        let km = follow
            .typed(&s, x.table)
            .map_err(|e| Error::new(ErrorKind::Value, format!("{full}: {e}")))?;
        if km
            .finder
            .as_ref()
            .is_some_and(|f| f.find(&x.rows.data).is_none())
        {
            return Ok(());
        }
        let want = km.key.text.clone();
        let at = b.named(b.index.get(x.event).location()).to_string();
        let mut next_key = None;
        for row in x.rows.rows(x.table) {
            let row =
                row.map_err(|e| Error::new(ErrorKind::Damaged, format!("{at}: {}", e.kind)))?;
            let before = row.before.as_deref();
            let after = row.after.as_deref();
            let b_hit = before.is_some_and(|i| key::key_text(&mut before_key, i, &s, x.table))
                && before_key == want;
            let a_ok = match (before, after) {
                (Some(bi), Some(ai)) => key::after_key_text(&mut after_key, bi, ai, &s, x.table),
                (None, Some(ai)) => key::key_text(&mut after_key, ai, &s, x.table),
                _ => false,
            };
            let a_hit = a_ok && after_key == want;
            if !b_hit && !a_hit {
                continue;
            }
            if b_hit && a_ok && after_key != want {
                next_key = Some(after_key.clone());
            }
            let t = b.index.txn_of(x.event);
            let gtid = gtids.entry(t).or_insert_with(|| b.txn_gtid(t)).clone();
            changes.push(Change {
                event: x.event,
                at: b.index.get(x.event).location(),
                timestamp: x.raw.header.timestamp,
                gtid,
                op: x.rows.kind.op,
                key: if b_hit {
                    want.clone()
                } else {
                    after_key.clone()
                },
                before: before
                    .map(json_image)
                    .transpose()
                    .map_err(|e| Error::new(ErrorKind::Value, format!("{at}: {e}")))?,
                after: after
                    .map(json_image)
                    .transpose()
                    .map_err(|e| Error::new(ErrorKind::Value, format!("{at}: {e}")))?,
                columns: columns(&s, x.table, before, after),
            });
        }
        if key_names.is_empty() {
            key_names = key::key_names(&s);
        }
        if let Some(k) = next_key {
            follow = Follow {
                literal: KeyLiteral::from_key_text(&k)
                    .map_err(|m| Error::new(ErrorKind::Value, m))?,
                typed: None,
            };
        }
        Ok(())
    })?;
    Ok(History { key_names, changes })
}

/// Why a table's rows cannot be followed, and how to fix it.
pub fn no_key(full: &str, s: &TableSchema) -> String {
    let why = match s.names() {
        Err(why) => format!(": {why}"),
        Ok(_) => String::new(),
    };
    format!(
        "{full} has no known primary key (the table map carries none and no CREATE TABLE with one was seen{why}); pass --schema FILE with its CREATE TABLE … PRIMARY KEY"
    )
}

fn json_image(cells: &[Cell<'_>]) -> Result<String, String> {
    let mut s = String::new();
    value_json::image(&mut s, cells)?;
    Ok(s)
}

/// A value for people: integers read unsigned and ENUM and SET members by name where
/// the catalog says so.
fn cell_text(
    c: Option<&Cell<'_>>,
    def: Option<&ColumnDef>,
    cs: Option<&ColumnSchema>,
) -> Option<String> {
    let Some(Cell::Present(v)) = c else {
        return None;
    };
    let v = match def {
        Some(d) => key::schema_value(v, d, cs),
        None => std::borrow::Cow::Borrowed(v),
    };
    let v = &*v;
    let quoted = |b: &[u8]| format!("'{}'", escape_bytes(b).replace('\'', "\\'"));
    Some(match (v, cs) {
        (
            Value::Enum(i),
            Some(ColumnSchema {
                enum_names: Some(n),
                ..
            }),
        ) => match (*i as usize).checked_sub(1).and_then(|k| n.get(k)) {
            Some(name) => quoted(name),
            None => value_text(v),
        },
        (
            Value::Set(mask),
            Some(ColumnSchema {
                set_names: Some(n), ..
            }),
        ) => {
            let picked: Vec<&[u8]> = n
                .iter()
                .enumerate()
                .filter(|(k, _)| *k < 64 && mask & (1u64 << k) != 0)
                .map(|(_, m)| m.as_slice())
                .collect();
            quoted(&picked.join(&b","[..]))
        }
        _ => value_text(v),
    })
}

/// The columns a change shows: for an update those whose value differs (or that only
/// one image has), for an insert or delete every present one.
fn columns(
    s: &TableSchema,
    tm: &TableMap,
    before: Option<&[Cell<'_>]>,
    after: Option<&[Cell<'_>]>,
) -> Vec<ColumnChange> {
    let n = before.or(after).map_or(0, <[Cell<'_>]>::len);
    (0..n)
        .filter_map(|i| {
            let bc = before.and_then(|x| x.get(i));
            let ac = after.and_then(|x| x.get(i));
            let cs = s.columns.get(i);
            let def = tm.columns.get(i);
            let (bt, at) = (cell_text(bc, def, cs), cell_text(ac, def, cs));
            let show = match (before.is_some(), after.is_some()) {
                (true, true) => at.is_some() && bt != at,
                _ => bt.is_some() || at.is_some(),
            };
            show.then(|| ColumnChange {
                name: s.name(i).map_or_else(
                    || format!("@{}", i + 1),
                    |n| String::from_utf8_lossy(n).into_owned(),
                ),
                before: bt,
                after: at,
            })
        })
        .collect()
}
