//! The net effect of a range on each table, by primary key: the rows that exist after it
//! and did not before (inserted), the rows gone (deleted), and the rows on both sides
//! with other values (changed). A row inserted and deleted inside the range is no change.
//! Tables without a known key are compared by whole rows (a multiset) and flagged.
//!
//! Memory holds keys, not images: per key a few flags and two 64-bit hashes of the row
//! as it was before the range and as it is after (MINIMAL images, which leave columns
//! out, keep a hash per column written instead). The conflicts of an undo
//! ([`super::conflicts`]) are the keys the range touched that a later transaction touches again.

use std::collections::HashMap;
use std::sync::Arc;

use crate::format::{Cell, RowsOp, TableMap};
use crate::index::{Binlogs, EventId};
use crate::lang::TableGlob;
use crate::schema::key;
use crate::schema::{Catalog, SchemaCache, TableSchema};

use super::keyset::KeySet;
use super::range::Range;
use super::row_hash::{hash_image, hash_value};
use super::rows_walk::{RowsAt, Tables, walk_rows};
use super::{Error, ErrorKind};

/// What to compare.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    pub range: Range,
    /// `schema.table` globs; empty: every table.
    pub tables: Vec<String>,
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Deleted,
    Changed,
}

/// One table's net effect: entries are key texts (`[42]`), or whole rows for a table
/// without a known key. Read off the scan on demand, so that a gigabyte's keys are
/// never held twice.
pub struct TableEffect {
    pub table: String,
    /// The key columns' names; empty when the table has no known key.
    pub key: Vec<String>,
    pub keyless: bool,
    /// A keyless table's row images left columns out (MINIMAL images): whole rows
    /// compared are partial, and the effect is not to be trusted.
    pub partial: bool,
    scan: TableScan,
}

impl TableEffect {
    /// The entries of one outcome, in the order first seen.
    pub fn entries(&self, what: Outcome) -> impl Iterator<Item = &str> {
        let t = &self.scan;
        (0..t.len()).flat_map(move |i| {
            let (k, n) = t.outcome(i);
            let times = if n.is_some_and(|o| o == what) {
                t.times(i)
            } else {
                0
            };
            std::iter::repeat_n(k, times)
        })
    }

    pub fn count(&self, what: Outcome) -> usize {
        let t = &self.scan;
        (0..t.len())
            .filter(|&i| t.outcome(i).1 == Some(what))
            .map(|i| t.times(i))
            .sum()
    }

    fn is_empty(&self) -> bool {
        let t = &self.scan;
        (0..t.len()).all(|i| t.outcome(i).1.is_none())
    }
}

/// Per key, packed: what the range did, and where its hashes are.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RowState(u32);

/// The row existed before the range (its first change was no insert).
const EXISTED: u32 = 1 << 31;
const EXISTS: u32 = 1 << 30;
/// Some image of it left columns out: compared by column (see `Columns`).
const PARTIAL: u32 = 1 << 29;
/// The low bits: the row's entry in `hashes` (rows that existed before only).
const HASH_INDEX: u32 = PARTIAL - 1;

impl RowState {
    fn has(self, f: u32) -> bool {
        self.0 & f != 0
    }

    fn set(&mut self, f: u32, on: bool) {
        if on { self.0 |= f } else { self.0 &= !f }
    }
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
pub(super) struct TableScan {
    pub(super) name: String,
    pub(super) key: Vec<String>,
    pub(super) keyless: bool,
    /// Keyless: some image left columns out.
    partial: bool,
    pub(super) rows: KeySet<RowState>,
    /// Keyless tables: net count per whole row (indexed like `rows`).
    counts: Vec<i32>,
    /// Per row that existed before the range: hashes of it then and now.
    hashes: Vec<[u64; 2]>,
    columns: HashMap<usize, Columns>,
}

impl TableScan {
    fn new(name: String, s: &TableSchema) -> TableScan {
        TableScan {
            name,
            key: key::key_names(s),
            keyless: s.key.is_empty(),
            partial: false,
            rows: KeySet::default(),
            counts: Vec::new(),
            hashes: Vec::new(),
            columns: HashMap::new(),
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Entry `i`'s key and what became of it (`None`: nothing, net).
    fn outcome(&self, i: usize) -> (&str, Option<Outcome>) {
        let k = self.rows.key(i);
        if self.keyless {
            let n = self.counts[i];
            let o = match n {
                0 => None,
                n if n > 0 => Some(Outcome::Inserted),
                _ => Some(Outcome::Deleted),
            };
            return (k, o);
        }
        let st = *self.rows.value(i);
        let o = match (st.has(EXISTED), st.has(EXISTS)) {
            (false, true) => Some(Outcome::Inserted),
            (true, false) => Some(Outcome::Deleted),
            (true, true) if self.changed(i, st) => Some(Outcome::Changed),
            _ => None,
        };
        (k, o)
    }

    /// How many times entry `i` counts (a keyless row inserted twice is two rows).
    fn times(&self, i: usize) -> usize {
        if self.keyless {
            self.counts[i].unsigned_abs() as usize
        } else {
            1
        }
    }

    fn changed(&self, i: usize, st: RowState) -> bool {
        match self.columns.get(&i) {
            Some(c) => {
                c.mixed
                    || c.last.iter().any(|&(col, h)| {
                        c.first.iter().find(|x| x.0 == col).is_none_or(|x| x.1 != h)
                    })
            }
            None => {
                let [start, end] = self.hashes[(st.0 & HASH_INDEX) as usize];
                start != end
            }
        }
    }
}

/// Walks the rows events of `req`'s tables in `r`, calling `f` with each table's scan.
pub(super) struct Scanner<'c> {
    catalog: &'c Catalog,
    schemas: SchemaCache,
    pub(super) tables: Vec<TableScan>,
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
        let at = || b.named(b.index.get(x.event).location()).to_string();
        for row in x.rows.rows(tm) {
            let row =
                row.map_err(|e| Error::new(ErrorKind::Damaged, format!("{}: {}", at(), e.kind)))?;
            let (before, after) = (row.before.as_deref(), row.after.as_deref());
            let t = &mut self.tables[ti];
            if t.keyless {
                if let Some(bi) = before {
                    key::image_text(&mut self.key_buf, bi, &s, tm);
                    bump(t, &self.key_buf, -1)?;
                }
                if let Some(ai) = after {
                    let merged = merge(before, ai);
                    t.partial |= !is_whole(&merged);
                    key::image_text(&mut self.key_buf, &merged, &s, tm);
                    bump(t, &self.key_buf, 1)?;
                }
                t.partial |= before.is_some_and(|bi| !is_whole(bi));
                continue;
            }
            let missing = || {
                Error::new(
                    ErrorKind::NoKey,
                    format!("{}: {}: a row image lacks a key column", at(), t_name(&s)),
                )
            };
            match (x.rows.kind.op, before, after) {
                (RowsOp::Insert, _, Some(ai)) => {
                    if !key::key_text(&mut self.key_buf, ai, &s, tm) {
                        return Err(missing());
                    }
                    write_row(t, &self.key_buf, None, Some(ai))?;
                }
                (RowsOp::Delete, Some(bi), _) => {
                    if !key::key_text(&mut self.key_buf, bi, &s, tm) {
                        return Err(missing());
                    }
                    write_row(t, &self.key_buf, Some(bi), None)?;
                }
                (RowsOp::Update, Some(bi), Some(ai)) => {
                    let ok = key::key_text(&mut self.key_buf, bi, &s, tm)
                        && key::after_key_text(&mut self.key_buf2, bi, ai, &s, tm);
                    if !ok {
                        return Err(missing());
                    }
                    if self.key_buf == self.key_buf2 {
                        write_row(t, &self.key_buf, Some(bi), Some(ai))?;
                    } else {
                        // The key changed: the old row is gone, a new one is there.
                        write_row(t, &self.key_buf, Some(bi), None)?;
                        let merged = merge(Some(bi), ai);
                        write_row(t, &self.key_buf2, None, Some(&merged))?;
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

fn bump(t: &mut TableScan, text: &str, by: i32) -> Result<(), Error> {
    let (i, fresh) = t
        .rows
        .insert(text, RowState::default)
        .map_err(|_| too_many(t))?;
    if fresh {
        t.counts.push(0);
    }
    t.counts[i] += by;
    Ok(())
}

fn too_many(t: &TableScan) -> Error {
    Error::new(
        ErrorKind::Value,
        format!("{}: more keys than a diff can hold", t.name),
    )
}

/// The after image of an update with the columns it leaves out taken from the before.
pub(super) fn merge<'a>(before: Option<&[Cell<'a>]>, after: &[Cell<'a>]) -> Vec<Cell<'a>> {
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
fn write_row(
    t: &mut TableScan,
    k: &str,
    before: Option<&[Cell<'_>]>,
    after: Option<&[Cell<'_>]>,
) -> Result<(), Error> {
    let (i, fresh) = t
        .rows
        .insert(k, RowState::default)
        .map_err(|_| too_many(t))?;
    let whole = before.is_none_or(is_whole) && after.is_none_or(is_whole);
    if fresh {
        let mut st = RowState::default();
        if let Some(bi) = before {
            st.set(EXISTED, true);
            let h = t.hashes.len() as u32;
            if h > HASH_INDEX {
                return Err(too_many(t));
            }
            st.0 |= h;
            let start = if whole { hash_image(bi) } else { 0 };
            t.hashes.push([start, start]);
        }
        *t.rows.value_mut(i) = st;
    }
    let mut st = *t.rows.value(i);
    if !whole && !st.has(PARTIAL) {
        st.set(PARTIAL, true);
        // Whole images seen before: their columns were not kept.
        let mixed = !fresh;
        t.columns.insert(
            i,
            Columns {
                mixed,
                ..Columns::default()
            },
        );
    }
    st.set(EXISTS, after.is_some());
    *t.rows.value_mut(i) = st;
    if st.has(EXISTED) {
        if let Some(ai) = after {
            t.hashes[(st.0 & HASH_INDEX) as usize][1] = hash_image(ai);
        }
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
    Ok(())
}

fn wanted(b: &Binlogs, globs: &[String]) -> Tables {
    let globs: Vec<TableGlob> = globs.iter().map(|g| TableGlob::new(g)).collect();
    Tables::matching(b, |s, t| {
        globs.is_empty() || globs.iter().any(|g| g.matches(s, t))
    })
}

pub(super) fn scan<'c>(
    b: &Binlogs,
    catalog: &'c Catalog,
    req: &DiffRequest,
) -> Result<Scanner<'c>, Error> {
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
    let mut out: Vec<TableEffect> = sc
        .tables
        .into_iter()
        .map(|t| TableEffect {
            table: t.name.clone(),
            key: t.key.clone(),
            keyless: t.keyless,
            partial: t.partial,
            scan: t,
        })
        .collect();
    out.retain(|t| !t.is_empty());
    out.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(out)
}
