//! Redo and undo SQL for the row events of a range.
//!
//! Redo prints each row change forwards; undo prints the inverse of each (DELETE for an
//! insert, INSERT for a delete, UPDATE back for an update) in reverse order. Each
//! transaction is wrapped in BEGIN/COMMIT under a comment naming its source. Column
//! names come from the table map (binlog_row_metadata=FULL), else from the DDL seen
//! earlier in the binlogs, else from a schema script; without them the export refuses.

use crate::format::column::ColumnDef;
use crate::format::{Cell, TableMap};
use crate::index::{Binlogs, EventId};
use crate::schema::TableSchema;

use super::Error;
use super::literal::{ColumnFacts, literal};
use super::quote::{sql_comment, sql_ident, sql_table};
use super::range::{self, Range};
pub use super::sql_stream::{WriteError, write_sql};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Redo,
    Undo,
}

#[derive(Debug, Clone)]
pub struct SqlRequest {
    pub direction: Direction,
    pub range: Range,
    /// `schema.table` globs (`*`, `?`); empty: every table.
    pub tables: Vec<String>,
    /// CREATE TABLE statements to fall back on (a mysqldump script).
    pub schema_script: Option<Vec<u8>>,
}

/// The SQL, and what it leaves out that the user must know about.
#[derive(Debug, Clone)]
pub struct SqlExport {
    pub text: String,
    pub warnings: Vec<String>,
}

/// Statements in the range that row SQL does not cover: statement-format DML and DDL.
pub(super) fn uncovered(b: &Binlogs, r: Range) -> Vec<String> {
    use crate::index::QueryClass;
    let (mut dml, mut ddl) = (Vec::new(), Vec::new());
    for i in r.start.0..r.end.0 {
        let e = EventId(i);
        match b.index.class(e) {
            QueryClass::Insert | QueryClass::Update | QueryClass::Delete => dml.push(e),
            QueryClass::Ddl => ddl.push(e),
            _ => {}
        }
    }
    let mut w = Vec::new();
    let at = |e: EventId| b.location_text(b.index.get(e).location());
    if let Some(&first) = dml.first() {
        w.push(format!(
            "{} statement-format DML statement(s) in the range are not in this SQL (only row events are), the first at {}",
            dml.len(),
            at(first)
        ));
    }
    if let Some(&first) = ddl.first() {
        w.push(format!(
            "{} DDL statement(s) in the range are not in this SQL, the first at {}",
            ddl.len(),
            at(first)
        ));
    }
    w
}

/// The whole SQL of `req` as text (see [`write_sql`] to stream it).
pub fn export(b: &Binlogs, req: &SqlRequest) -> Result<SqlExport, Error> {
    let mut out = Vec::new();
    match write_sql(b, req, &mut out) {
        Ok(warnings) => Ok(SqlExport {
            text: String::from_utf8_lossy(&out).into_owned(),
            warnings,
        }),
        Err(WriteError::Export(e)) => Err(e),
        Err(WriteError::Io(e)) => Err(Error::new(e.to_string())),
    }
}

pub(super) fn opt<'r, 'a>(img: &'r Option<Vec<Cell<'a>>>) -> &'r [Cell<'a>] {
    img.as_deref().unwrap_or(&[])
}

pub(super) fn txn_header(b: &Binlogs, t: crate::index::TxnId) -> String {
    let (first, _) = b.index.txn_span(t);
    let m = b.index.get(first);
    let when = chrono::DateTime::from_timestamp(m.timestamp as i64, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    format!(
        "-- {} at {}, {}\n",
        sql_comment(&b.location_text(m.location())),
        when,
        sql_comment(&range::txn_label(b, t))
    )
}

/// What the SQL needs about one table: names, facts per column, key.
pub(super) struct Shape<'t> {
    table: String,
    names: Vec<String>,
    defs: &'t [ColumnDef],
    facts: Vec<ColumnFacts>,
    key: Vec<usize>,
}

impl<'t> Shape<'t> {
    pub(super) fn of(tm: &'t TableMap, schema: &TableSchema, at: &str) -> Result<Shape<'t>, Error> {
        let names = schema.names().map_err(|why| {
            Error::new(format!(
                "{at}: no column names for {}: the table map has no names \
                 (binlog_row_metadata=FULL) and {why}; pass --schema FILE with its CREATE TABLE, or leave the table out with --table",
                sql_table(&tm.schema, &tm.table)
            ))
        })?;
        let facts = schema
            .columns
            .iter()
            .map(|c| ColumnFacts {
                unsigned: c.unsigned,
                enum_names: c.enum_names.clone(),
                set_names: c.set_names.clone(),
            })
            .collect();
        Ok(Shape {
            table: sql_table(&tm.schema, &tm.table),
            names: names.into_iter().map(sql_ident).collect(),
            defs: &tm.columns,
            facts,
            key: schema.key.clone(),
        })
    }

    fn lit(&self, i: usize, c: &Cell<'_>) -> Result<Option<String>, Error> {
        match c {
            Cell::Absent => Ok(None),
            Cell::Present(v) => literal(v, &self.defs[i], &self.facts[i])
                .map(Some)
                .map_err(|e| Error::new(format!("column {}: {}", self.names[i], e.message))),
        }
    }

    /// Undoing an UPDATE restores the before image, so it must hold every column the
    /// after image changed.
    pub(super) fn undo_check(&self, before: &[Cell<'_>], after: &[Cell<'_>]) -> Result<(), Error> {
        let lost: Vec<&str> = after
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                matches!(c, Cell::Present(_)) && !matches!(before.get(*i), Some(Cell::Present(_)))
            })
            .map(|(i, _)| self.names[i].as_str())
            .collect();
        if lost.is_empty() {
            return Ok(());
        }
        Err(Error::new(format!(
            "the before image lacks the old values of {} (binlog_row_image is not FULL), so the update cannot be undone",
            lost.join(", ")
        )))
    }

    /// Re-inserting a row needs every column in its image.
    pub(super) fn whole_check(&self, img: &[Cell<'_>]) -> Result<(), Error> {
        let missing: Vec<&str> = img
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Cell::Absent))
            .map(|(i, _)| self.names[i].as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::new(format!(
            "the row image lacks {} (binlog_row_image is not FULL), so the row cannot be re-inserted whole",
            missing.join(", ")
        )))
    }

    pub(super) fn insert(&self, img: &[Cell<'_>], whole: bool) -> Result<String, Error> {
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        for (i, c) in img.iter().enumerate() {
            if let Some(l) = self.lit(i, c)? {
                cols.push(self.names[i].clone());
                vals.push(l);
            }
        }
        if whole {
            self.whole_check(img)?;
        }
        Ok(format!(
            "INSERT INTO {} ({}) VALUES ({});",
            self.table,
            cols.join(", "),
            vals.join(", ")
        ))
    }

    fn where_clause(&self, img: &[Cell<'_>]) -> Result<String, Error> {
        let key_present = !self.key.is_empty()
            && self
                .key
                .iter()
                .all(|&k| matches!(img.get(k), Some(Cell::Present(_))));
        let mut terms = Vec::new();
        for (i, c) in img.iter().enumerate() {
            if key_present && !self.key.contains(&i) {
                continue;
            }
            if let Some(l) = self.lit(i, c)? {
                let op = if key_present { "=" } else { "<=>" };
                terms.push(format!("{} {op} {l}", self.names[i]));
            }
        }
        if terms.is_empty() {
            return Err(Error::new(
                "the row image has no columns to find the row by".into(),
            ));
        }
        Ok(terms.join(" AND "))
    }

    pub(super) fn delete(&self, img: &[Cell<'_>]) -> Result<String, Error> {
        Ok(format!(
            "DELETE FROM {} WHERE {} LIMIT 1;",
            self.table,
            self.where_clause(img)?
        ))
    }

    /// `UPDATE … SET <to> WHERE <from>`.
    pub(super) fn update(&self, from: &[Cell<'_>], to: &[Cell<'_>]) -> Result<String, Error> {
        let mut sets = Vec::new();
        for (i, c) in to.iter().enumerate() {
            if let Some(l) = self.lit(i, c)? {
                sets.push(format!("{} = {l}", self.names[i]));
            }
        }
        if sets.is_empty() {
            return Err(Error::new(
                "the image to restore has no columns (an undo of an UPDATE needs binlog_row_image=FULL)"
                    .into(),
            ));
        }
        Ok(format!(
            "UPDATE {} SET {} WHERE {} LIMIT 1;",
            self.table,
            sets.join(", "),
            self.where_clause(from)?
        ))
    }
}

/// `*` and `?` glob over the whole name.
pub fn glob(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("shop.*", "shop.orders"));
        assert!(glob("*.ord?rs", "shop.orders"));
        assert!(!glob("shop.o", "shop.orders"));
        assert!(glob("*", ""));
    }
}
