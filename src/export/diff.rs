//! The net effect of a range on each table, by primary key: the rows that exist after it
//! and did not before (inserted), the rows gone (deleted), and the rows on both sides
//! with other values (changed). A row inserted and deleted inside the range is no change.
//! Tables without a known key are compared by whole rows (a multiset) and flagged.
//!
//! Memory holds keys, not images: per key a few flags and two 64-bit hashes of the row
//! as it was before the range and as it is after (MINIMAL images, which leave columns
//! out, keep a hash per column written instead). The conflicts of an undo
//! ([`conflicts`]) are the keys the range touched that a later transaction touches again.

use std::collections::HashMap;
use std::sync::Arc;

use crate::format::{Cell, RowsOp, TableMap, Value};
use crate::index::{Binlogs, EventId};
use crate::schema::key;
use crate::schema::{Catalog, SchemaCache, TableSchema};

use super::Error;
use super::keyset::KeySet;
use super::range::Range;
use super::rows_walk::{RowsAt, Tables, walk_rows};
use super::sql::glob;

/// What to compare.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    pub range: Range,
    /// `schema.table` globs; empty: every table.
    pub tables: Vec<String>,
}

/// One table's net effect; entries are key texts (`[42]`), or whole rows for a table
/// without a known key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEffect {
    pub table: String,
    /// The key columns' names; empty when the table has no known key.
    pub key: Vec<String>,
    pub keyless: bool,
    pub inserted: Vec<String>,
    pub deleted: Vec<String>,
    pub changed: Vec<String>,
}

/// Per key, what the range did.
#[derive(Debug, Clone, Copy, Default)]
struct RowState {
    /// The row existed before the range (its first change was no insert).
    existed: bool,
    exists: bool,
    /// Hash of the row before the range (whole-image rows only).
    start: u64,
    /// Hash of the row now.
    end: u64,
    /// Some image of it left columns out: compared by column (see `Columns`).
    partial: bool,
}

/// Per-column hashes of a row seen through partial images.
#[derive(Debug, Clone, Default)]
struct Columns {
    /// Values before the range (from before images, of columns not yet written).
    first: Vec<(u16, u64)>,
    /// Values last written.
    last: Vec<(u16, u64)>,
    /// Some whole-image change came before the first partial one: undecidable by column.
    mixed: bool,
}

/// What one table collects.
struct TableScan {
    name: String,
    key: Vec<String>,
    keyless: bool,
    rows: KeySet<RowState>,
    /// Keyless tables: net count per whole row (indexed like `rows`).
    counts: Vec<i64>,
    columns: HashMap<usize, Columns>,
}

impl TableScan {
    fn new(name: String, s: &TableSchema) -> TableScan {
        TableScan {
            name,
            key: key::key_names(s),
            keyless: s.key.is_empty(),
            rows: KeySet::default(),
            counts: Vec::new(),
            columns: HashMap::new(),
        }
    }
}

/// Walks the rows events of `req`'s tables in `r`, calling `f` with each table's scan.
struct Scanner<'c> {
    catalog: &'c Catalog,
    schemas: SchemaCache,
    tables: Vec<TableScan>,
    by_name: HashMap<(Vec<u8>, Vec<u8>), usize>,
    /// table id -> (table map, index into `tables`), for the event just seen.
    by_id: HashMap<u64, (Arc<TableMap>, usize)>,
    key_buf: String,
    key_buf2: String,
}

impl<'c> Scanner<'c> {
    fn new(catalog: &'c Catalog) -> Scanner<'c> {
        Scanner {
            catalog,
            schemas: SchemaCache::default(),
            tables: Vec::new(),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            key_buf: String::new(),
            key_buf2: String::new(),
        }
    }

    fn table(&mut self, e: EventId, tm: &Arc<TableMap>) -> (usize, Arc<TableSchema>) {
        let s = self.schemas.resolve(self.catalog, e, tm);
        if let Some((t, i)) = self.by_id.get(&tm.table_id) {
            if Arc::ptr_eq(t, tm) {
                return (*i, s);
            }
        }
        let name = (tm.schema.clone(), tm.table.clone());
        let i = match self.by_name.get(&name) {
            Some(&i) => i,
            None => {
                let full = format!(
                    "{}.{}",
                    String::from_utf8_lossy(&tm.schema),
                    String::from_utf8_lossy(&tm.table)
                );
                self.tables.push(TableScan::new(full, &s));
                self.by_name.insert(name, self.tables.len() - 1);
                self.tables.len() - 1
            }
        };
        self.by_id.insert(tm.table_id, (tm.clone(), i));
        (i, s)
    }

    fn rows_event(&mut self, b: &Binlogs, x: &RowsAt<'_, '_>) -> Result<(), Error> {
        let (ti, s) = self.table(x.event, x.table);
        let tm = x.table;
        let at = || b.location_text(b.index.get(x.event).location());
        for row in x.rows.rows(tm) {
            let row = row.map_err(|e| Error::new(format!("{}: {}", at(), e.kind)))?;
            let (before, after) = (row.before.as_deref(), row.after.as_deref());
            let t = &mut self.tables[ti];
            if t.keyless {
                if let Some(bi) = before {
                    key::image_text(&mut self.key_buf, bi, &s, tm);
                    bump(t, &self.key_buf, -1);
                }
                if let Some(ai) = after {
                    let merged = merge(before, ai);
                    key::image_text(&mut self.key_buf, &merged, &s, tm);
                    bump(t, &self.key_buf, 1);
                }
                continue;
            }
            let missing = || {
                Error::new(format!(
                    "{}: {}: a row image lacks a key column",
                    at(),
                    t_name(&s)
                ))
            };
            match (x.rows.kind.op, before, after) {
                (RowsOp::Insert, _, Some(ai)) => {
                    if !key::key_text(&mut self.key_buf, ai, &s, tm) {
                        return Err(missing());
                    }
                    write_row(t, &self.key_buf, None, Some(ai));
                }
                (RowsOp::Delete, Some(bi), _) => {
                    if !key::key_text(&mut self.key_buf, bi, &s, tm) {
                        return Err(missing());
                    }
                    write_row(t, &self.key_buf, Some(bi), None);
                }
                (RowsOp::Update, Some(bi), Some(ai)) => {
                    let ok = key::key_text(&mut self.key_buf, bi, &s, tm)
                        && key::after_key_text(&mut self.key_buf2, bi, ai, &s, tm);
                    if !ok {
                        return Err(missing());
                    }
                    if self.key_buf == self.key_buf2 {
                        write_row(t, &self.key_buf, Some(bi), Some(ai));
                    } else {
                        // The key changed: the old row is gone, a new one is there.
                        write_row(t, &self.key_buf, Some(bi), None);
                        let merged = merge(Some(bi), ai);
                        write_row(t, &self.key_buf2, None, Some(&merged));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn t_name(s: &TableSchema) -> String {
    format!(
        "{}.{}",
        String::from_utf8_lossy(&s.schema),
        String::from_utf8_lossy(&s.table)
    )
}

fn bump(t: &mut TableScan, text: &str, by: i64) {
    let before = t.rows.len();
    t.rows.entry(text, RowState::default);
    if t.rows.len() > before {
        t.counts.push(0);
    }
    if let Some(i) = t.rows.find(text) {
        t.counts[i] += by;
    }
}

/// The after image of an update with the columns it leaves out taken from the before.
fn merge<'a>(before: Option<&[Cell<'a>]>, after: &[Cell<'a>]) -> Vec<Cell<'a>> {
    after
        .iter()
        .enumerate()
        .map(|(i, c)| match (c, before.and_then(|b| b.get(i))) {
            (Cell::Absent, Some(old)) => old.clone(),
            _ => c.clone(),
        })
        .collect()
}

fn is_whole(img: &[Cell<'_>]) -> bool {
    img.iter().all(|c| matches!(c, Cell::Present(_)))
}

/// Records one change of the row `k`: its image before (`None`: it did not exist) and
/// after (`None`: it is gone).
fn write_row(t: &mut TableScan, k: &str, before: Option<&[Cell<'_>]>, after: Option<&[Cell<'_>]>) {
    let fresh = t.rows.find(k).is_none();
    t.rows.entry(k, || RowState {
        existed: before.is_some(),
        ..RowState::default()
    });
    let Some(i) = t.rows.find(k) else { return };
    let whole = before.is_none_or(is_whole) && after.is_none_or(is_whole);
    let st = *t.rows.value(i);
    if fresh && whole {
        if let Some(bi) = before {
            t.rows.value_mut(i).start = hash_image(bi);
        }
    }
    if !whole && !st.partial {
        t.rows.value_mut(i).partial = true;
        t.columns.insert(
            i,
            Columns {
                mixed: !fresh,
                ..Columns::default()
            },
        );
    }
    let st = t.rows.value_mut(i);
    st.exists = after.is_some();
    if let Some(ai) = after {
        st.end = hash_image(ai);
    }
    if let Some(cols) = t.columns.get_mut(&i) {
        if let Some(bi) = before {
            for (c, cell) in bi.iter().enumerate() {
                let Cell::Present(v) = cell else { continue };
                let c = c as u16;
                let known =
                    cols.first.iter().any(|x| x.0 == c) || cols.last.iter().any(|x| x.0 == c);
                if !known {
                    cols.first.push((c, hash_value(v)));
                }
            }
        }
        match after {
            Some(ai) => {
                for (c, cell) in ai.iter().enumerate() {
                    let Cell::Present(v) = cell else { continue };
                    let h = hash_value(v);
                    match cols.last.iter_mut().find(|x| x.0 == c as u16) {
                        Some(x) => x.1 = h,
                        None => cols.last.push((c as u16, h)),
                    }
                }
            }
            // Gone: what it held no longer counts.
            None => cols.last.clear(),
        }
    }
}

impl RowState {
    fn changed(&self, cols: Option<&Columns>) -> bool {
        match cols {
            None => self.start != self.end,
            Some(c) => {
                c.mixed
                    || c.last.iter().any(|&(col, h)| {
                        c.first.iter().find(|x| x.0 == col).is_none_or(|x| x.1 != h)
                    })
            }
        }
    }
}

/// FNV-1a over a row's values, with a tag per value kind.
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn value(&mut self, v: &Value<'_>) {
        let tag = |f: &mut Fnv, t: u8| f.bytes(&[t]);
        match v {
            Value::Null => tag(self, 0),
            Value::Int(i) => {
                tag(self, 1);
                self.bytes(&i.to_le_bytes())
            }
            Value::UInt(u) => {
                // Read signed or unsigned, the same bits are the same value.
                tag(self, 1);
                self.bytes(&u.to_le_bytes())
            }
            Value::Float(f) => {
                tag(self, 2);
                self.bytes(&f.to_bits().to_le_bytes())
            }
            Value::Double(d) => {
                tag(self, 3);
                self.bytes(&d.to_bits().to_le_bytes())
            }
            Value::Decimal(s) => {
                tag(self, 4);
                self.bytes(s.as_bytes())
            }
            Value::Bytes(b) => {
                tag(self, 5);
                self.bytes(&(b.len() as u64).to_le_bytes());
                self.bytes(b)
            }
            Value::Json(b) | Value::Geometry(b) | Value::Vector(b) | Value::Raw(b) => {
                tag(self, 6);
                self.bytes(&(b.len() as u64).to_le_bytes());
                self.bytes(b)
            }
            // Rare on rows compared: their text is exact.
            other => {
                tag(self, 7);
                self.bytes(crate::format::display::value_text(other).as_bytes())
            }
        }
    }
}

fn hash_value(v: &Value<'_>) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.value(v);
    h.0
}

fn hash_image(img: &[Cell<'_>]) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for c in img {
        match c {
            Cell::Absent => h.bytes(&[0xff]),
            Cell::Present(v) => h.value(v),
        }
    }
    h.0
}

fn wanted(b: &Binlogs, globs: &[String]) -> Tables {
    Tables::matching(b, |s, t| {
        let full = format!(
            "{}.{}",
            String::from_utf8_lossy(s),
            String::from_utf8_lossy(t)
        );
        globs.is_empty() || globs.iter().any(|g| glob(g, &full))
    })
}

fn scan<'c>(b: &Binlogs, catalog: &'c Catalog, req: &DiffRequest) -> Result<Scanner<'c>, Error> {
    let mut sc = Scanner::new(catalog);
    walk_rows(b, req.range, &wanted(b, &req.tables), |x| {
        sc.rows_event(b, x)
    })?;
    Ok(sc)
}

/// The net effect of `req.range`, per table (sorted by name; tables it leaves as they
/// were are left out).
pub fn net_effect(
    b: &Binlogs,
    catalog: &Catalog,
    req: &DiffRequest,
) -> Result<Vec<TableEffect>, Error> {
    let sc = scan(b, catalog, req)?;
    let mut out: Vec<TableEffect> = sc.tables.iter().map(effect).collect();
    out.retain(|t| !(t.inserted.is_empty() && t.deleted.is_empty() && t.changed.is_empty()));
    out.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(out)
}

fn effect(t: &TableScan) -> TableEffect {
    let mut e = TableEffect {
        table: t.name.clone(),
        key: t.key.clone(),
        keyless: t.keyless,
        inserted: Vec::new(),
        deleted: Vec::new(),
        changed: Vec::new(),
    };
    for (i, (k, st)) in t.rows.iter().enumerate() {
        if t.keyless {
            let n = t.counts[i];
            let list = if n > 0 {
                &mut e.inserted
            } else {
                &mut e.deleted
            };
            for _ in 0..n.unsigned_abs() {
                list.push(k.to_string());
            }
            continue;
        }
        match (st.existed, st.exists) {
            (false, true) => e.inserted.push(k.to_string()),
            (true, false) => e.deleted.push(k.to_string()),
            (true, true) if st.changed(t.columns.get(&i)) => e.changed.push(k.to_string()),
            _ => {}
        }
    }
    e
}

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
