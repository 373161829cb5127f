//! Redo and undo SQL for the row events of a range.
//!
//! Redo prints each row change forwards; undo prints the inverse of each (DELETE for an
//! insert, INSERT for a delete, UPDATE back for an update) in reverse order. Each
//! transaction is wrapped in BEGIN/COMMIT under a comment naming its source, and each
//! rows event's statements under a comment with its position. Column names come from the
//! table map (binlog_row_metadata=FULL), else from the DDL seen earlier in the binlogs,
//! else from a schema script; without them the export refuses. Values are exact
//! ([`super::literal`]) and the SQL runs under a strict `sql_mode`, so a value the server
//! would coerce stops the replay with an error instead. The SQL is written as it is
//! made, in memory bounded by the largest transaction (`sql_stream.rs`).

use crate::format::column::ColumnDef;
use crate::format::{Cell, TableMap, Value};
use crate::index::{Binlogs, EventId};
use crate::lang::{TimeZoneChoice, format_instant};
use crate::schema::{NameSource, TableSchema};

use super::literal::{ColumnFacts, bytes_literal, json_diff_expr, literal, push_literal};
use super::quote::{push_sql_comment, sql_comment, sql_hex, sql_ident, sql_table};
use super::range::{self, Range};
pub use super::sql_stream::{SqlPlan, WriteError, plan, write_sql};
use super::{Error, ErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Redo,
    Undo,
}

#[derive(Debug, Clone)]
pub struct SqlRequest {
    pub direction: Direction,
    pub range: Range,
    /// `schema.table` globs ([`crate::lang::TableGlob`]); empty: every table.
    pub tables: Vec<String>,
    /// CREATE TABLE statements to fall back on (a mysqldump script).
    pub schema_script: Option<Vec<u8>>,
}

/// The SQL, and what it leaves out that the user must know about.
#[derive(Debug, Clone)]
pub struct SqlExport {
    pub text: String,
    pub warnings: Vec<String>,
    /// Transactions with row changes of the selected tables.
    pub transactions: usize,
    /// `schema.table` of every table with row events in the range, selected or not.
    pub tables_seen: Vec<String>,
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
    let at = |e: EventId| b.named(b.index.get(e).location());
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
    let p = plan(b, req)?;
    let mut out = Vec::new();
    match p.write(&mut out) {
        Ok(()) => {}
        Err(WriteError::Export(e)) => return Err(e),
        Err(WriteError::Io(e)) => return Err(Error::new(ErrorKind::Value, e.to_string())),
    }
    Ok(SqlExport {
        text: String::from_utf8_lossy(&out).into_owned(),
        transactions: p.transactions,
        tables_seen: p.tables_seen(),
        warnings: p.warnings,
    })
}

/// Strict, so that a value the server would have to coerce (truncate, clip, NULL)
/// stops the replay with an error naming the statement instead of a warning; an explicit
/// 0 in an AUTO_INCREMENT column stays 0 (as mysqldump does); zero dates and the
/// dates the source may have stored under ALLOW_INVALID_DATES are stored again as they
/// were.
pub(super) const SQL_MODE: &str = "SET SESSION sql_mode = \
    'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES,NO_ENGINE_SUBSTITUTION';\n";

/// `top`'s columns where present, else `under`'s.
pub(super) fn overlay<'a>(top: &[Cell<'a>], under: &[Cell<'a>]) -> Vec<Cell<'a>> {
    (0..top.len().max(under.len()))
        .map(|i| match (top.get(i), under.get(i)) {
            (Some(c @ Cell::Present(_)), _) | (_, Some(c)) => c.clone(),
            _ => Cell::Absent,
        })
        .collect()
}

fn facts_of(schema: &TableSchema) -> Vec<ColumnFacts> {
    schema.columns.iter().map(ColumnFacts::from).collect()
}

pub(super) fn opt<'r, 'a>(img: &'r Option<Vec<Cell<'a>>>) -> &'r [Cell<'a>] {
    img.as_deref().unwrap_or(&[])
}

/// What [`push_txn_header`] keeps between transactions: the last time written, and room
/// for the parts it quotes.
#[derive(Debug, Default)]
pub(super) struct TxnHeaders {
    when: Option<(u32, String)>,
    part: String,
}

/// Appends a transaction's header comment to `out`: where it starts, when, and its GTID
/// (or first event).
/// `gtid`: the GTID of `t` ([`super::gtid::of_txn`]).
pub(super) fn push_txn_header(
    b: &Binlogs,
    t: crate::index::TxnId,
    gtid: Option<super::gtid::Gtid>,
    out: &mut String,
    h: &mut TxnHeaders,
) {
    use std::fmt::Write as _;
    let (first, _) = b.index.txn_span(t);
    let m = b.index.get(first);
    out.push_str("-- ");
    h.part.clear();
    let _ = write!(h.part, "{}", b.named(m.location()));
    push_sql_comment(out, &h.part);
    out.push_str(" at ");
    if h.when.as_ref().is_none_or(|(ts, _)| *ts != m.timestamp) {
        let text = format_instant(i64::from(m.timestamp), TimeZoneChoice::Utc);
        h.when = Some((m.timestamp, text));
    }
    if let Some((_, text)) = &h.when {
        out.push_str(text);
    }
    out.push_str(" UTC, ");
    h.part.clear();
    range::push_txn_label_of(b, t, gtid, &mut h.part);
    push_sql_comment(out, &h.part);
    out.push('\n');
}

/// What the SQL needs about one table: names, facts per column, key.
pub(super) struct Shape {
    table: String,
    names: Vec<String>,
    defs: Vec<ColumnDef>,
    facts: Vec<ColumnFacts>,
    key: Vec<usize>,
    /// For pseudo statements (`dump --format statements`): a value with no SQL literal
    /// becomes `NULL /* why */` instead of an error, and text with control bytes `X'…'`.
    pseudo: bool,
}

impl Shape {
    /// For pseudo statements: the names the catalog knows, `@N` for the others.
    pub(super) fn pseudo(tm: &TableMap, schema: &TableSchema) -> Shape {
        let names = (0..tm.column_count())
            .map(|i| match schema.name(i) {
                Some(n) if !matches!(schema.names, NameSource::Unknown(_)) => sql_ident(n),
                _ => format!("@{}", i + 1),
            })
            .collect();
        Shape {
            table: sql_table(&tm.schema, &tm.table),
            names,
            defs: tm.columns.clone(),
            facts: facts_of(schema),
            key: schema.key.clone(),
            pseudo: true,
        }
    }

    pub(super) fn of(tm: &TableMap, schema: &TableSchema, at: &str) -> Result<Shape, Error> {
        let names = schema.names().map_err(|why| {
            Error::new(ErrorKind::NoColumnNames, format!(
                "{at}: no column names for {}: the table map has no names \
                 (binlog_row_metadata=FULL) and {why}; pass --schema FILE with its CREATE TABLE, or leave the table out with --table",
                sql_table(&tm.schema, &tm.table)
            ))
        })?;
        Ok(Shape {
            table: sql_table(&tm.schema, &tm.table),
            names: names.into_iter().map(sql_ident).collect(),
            defs: tm.columns.clone(),
            facts: facts_of(schema),
            key: schema.key.clone(),
            pseudo: false,
        })
    }

    fn lit(&self, i: usize, c: &Cell<'_>) -> Result<Option<String>, Error> {
        match c {
            Cell::Absent => Ok(None),
            Cell::Present(v) if self.pseudo => {
                let l = match v {
                    Value::Bytes(b) if b.iter().any(|&x| x < 0x20 || x == 0x7f) => sql_hex(b),
                    // For reading: text as text whatever its charset, but INET4/INET6/UUID
                    // in their text form.
                    Value::Bytes(b) if !self.textual(i) => bytes_literal(b),
                    Value::JsonDiff(d) => json_diff_expr(&self.names[i], d)
                        .unwrap_or_else(|e| format!("NULL /* {} */", sql_comment(&e.message))),
                    _ => literal(v, &self.defs[i], &self.facts[i])
                        .unwrap_or_else(|e| format!("NULL /* {} */", sql_comment(&e.message))),
                };
                // pt-query-digest folds `x'…'` into `?` only in lower case.
                Ok(Some(match l.strip_prefix("X'") {
                    Some(rest) => format!("x'{rest}"),
                    None => l,
                }))
            }
            Cell::Present(v) => literal(v, &self.defs[i], &self.facts[i])
                .map(Some)
                .map_err(|e| {
                    Error::new(e.kind, format!("column {}: {}", self.names[i], e.message))
                }),
        }
    }

    /// Appends [`Shape::lit`] of column `i` to `out`; `false` for an absent column.
    fn push_lit(&self, out: &mut String, i: usize, c: &Cell<'_>) -> Result<bool, Error> {
        match c {
            Cell::Absent => Ok(false),
            Cell::Present(_) if self.pseudo => {
                if let Some(l) = self.lit(i, c)? {
                    out.push_str(&l);
                }
                Ok(true)
            }
            Cell::Present(v) => push_literal(out, v, &self.defs[i], &self.facts[i])
                .map(|()| true)
                .map_err(|e| {
                    Error::new(e.kind, format!("column {}: {}", self.names[i], e.message))
                }),
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
        Err(Error::new(
            ErrorKind::CannotInvert,
            format!(
                "the before image lacks the old values of {} (binlog_row_image is not FULL), so the update cannot be undone",
                lost.join(", ")
            ),
        ))
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
        Err(Error::new(
            ErrorKind::CannotInvert,
            format!(
                "the row image lacks {} (binlog_row_image is not FULL), so the row cannot be re-inserted whole",
                missing.join(", ")
            ),
        ))
    }

    pub(super) fn insert(&self, img: &[Cell<'_>], whole: bool) -> Result<String, Error> {
        let mut out = String::new();
        self.push_insert(&mut out, img, whole)?;
        Ok(out)
    }

    /// Appends [`Shape::insert`] to `out` (on an error, `out` may hold part of it).
    pub(super) fn push_insert(
        &self,
        out: &mut String,
        img: &[Cell<'_>],
        whole: bool,
    ) -> Result<(), Error> {
        out.push_str("INSERT INTO ");
        out.push_str(&self.table);
        out.push_str(" (");
        let mut n = 0;
        for (i, c) in img.iter().enumerate() {
            if matches!(c, Cell::Present(_)) {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(&self.names[i]);
                n += 1;
            }
        }
        out.push_str(") VALUES (");
        let mut first = true;
        for (i, c) in img.iter().enumerate() {
            if matches!(c, Cell::Present(_)) && !first {
                out.push_str(", ");
            }
            if self.push_lit(out, i, c)? {
                first = false;
            }
        }
        if whole && n < img.len() {
            self.whole_check(img)?;
        }
        out.push_str(");");
        Ok(())
    }

    /// Appends the WHERE terms that find the row `img` (without `WHERE`).
    fn push_where(&self, out: &mut String, img: &[Cell<'_>]) -> Result<(), Error> {
        let key_present = !self.key.is_empty()
            && self
                .key
                .iter()
                .all(|&k| matches!(img.get(k), Some(Cell::Present(_))));
        let mut terms = 0;
        for (i, c) in img.iter().enumerate() {
            if key_present && !self.key.contains(&i) {
                continue;
            }
            if !matches!(c, Cell::Present(_)) {
                continue;
            }
            if terms > 0 {
                out.push_str(" AND ");
            }
            terms += 1;
            out.push_str(&self.names[i]);
            if key_present {
                out.push_str(" = ");
                self.push_lit(out, i, c)?;
            } else if self.by_bytes(i, c) {
                // Text compares by its collation ('a' = 'A' = 'a '): without a key,
                // another row could match; bytes match only this one.
                out.push_str(" <=> CAST(");
                self.push_lit(out, i, c)?;
                out.push_str(" AS BINARY)");
            } else {
                out.push_str(" <=> ");
                self.push_lit(out, i, c)?;
            }
        }
        if terms == 0 {
            return Err(Error::new(
                ErrorKind::NoKey,
                "the row image has no columns to find the row by".into(),
            ));
        }
        Ok(())
    }

    /// Whether column `i` is a string compared by collation (not INET4/INET6/UUID, whose
    /// literals are text that the column reads as its own type).
    fn by_bytes(&self, i: usize, c: &Cell<'_>) -> bool {
        matches!(c, Cell::Present(Value::Bytes(_))) && !self.textual(i)
    }

    /// Whether column `i` is INET4, INET6 or UUID.
    fn textual(&self, i: usize) -> bool {
        self.facts[i]
            .ty
            .as_deref()
            .is_some_and(|t| matches!(t, "INET4" | "INET6" | "UUID"))
    }

    pub(super) fn delete(&self, img: &[Cell<'_>]) -> Result<String, Error> {
        let mut out = String::new();
        self.push_delete(&mut out, img)?;
        Ok(out)
    }

    /// Appends [`Shape::delete`] to `out` (on an error, `out` may hold part of it).
    pub(super) fn push_delete(&self, out: &mut String, img: &[Cell<'_>]) -> Result<(), Error> {
        out.push_str("DELETE FROM ");
        out.push_str(&self.table);
        out.push_str(" WHERE ");
        self.push_where(out, img)?;
        out.push_str(" LIMIT 1;");
        Ok(())
    }

    /// `UPDATE … SET <to> WHERE <from>`.
    pub(super) fn update(&self, from: &[Cell<'_>], to: &[Cell<'_>]) -> Result<String, Error> {
        let mut out = String::new();
        self.push_update(&mut out, from, to)?;
        Ok(out)
    }

    /// Appends [`Shape::update`] to `out` (on an error, `out` may hold part of it).
    pub(super) fn push_update(
        &self,
        out: &mut String,
        from: &[Cell<'_>],
        to: &[Cell<'_>],
    ) -> Result<(), Error> {
        out.push_str("UPDATE ");
        out.push_str(&self.table);
        out.push_str(" SET ");
        let mut sets = 0;
        for (i, c) in to.iter().enumerate() {
            if !matches!(c, Cell::Present(_)) {
                continue;
            }
            if sets > 0 {
                out.push_str(", ");
            }
            sets += 1;
            out.push_str(&self.names[i]);
            out.push_str(" = ");
            self.push_lit(out, i, c)?;
        }
        if sets == 0 {
            return Err(Error::new(
                ErrorKind::CannotInvert,
                "the image to restore has no columns (an undo of an UPDATE needs binlog_row_image=FULL)"
                    .into(),
            ));
        }
        out.push_str(" WHERE ");
        self.push_where(out, from)?;
        out.push_str(" LIMIT 1;");
        Ok(())
    }
}
