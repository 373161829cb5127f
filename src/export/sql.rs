//! Redo and undo SQL for the row events of a range.
//!
//! Redo prints each row change forwards; undo prints the inverse of each (DELETE for an
//! insert, INSERT for a delete, UPDATE back for an update) in reverse order. Each
//! transaction is wrapped in BEGIN/COMMIT under a comment naming its source. Column
//! names come from the table map (binlog_row_metadata=FULL), else from the DDL seen
//! earlier in the binlogs, else from a schema script; without them the export refuses.

use std::fmt::Write as _;

use crate::format::column::ColumnDef;
use crate::format::{Cell, Event, RowsOp, TableMap, Value};
use crate::index::{Binlogs, EventId};
use crate::lang::{TableGlob, TimeZoneChoice, format_instant};
use crate::schema::{Catalog, NameSource, TableSchema};

use super::literal::{ColumnFacts, json_diff_expr, literal};
use super::quote::{sql_comment, sql_hex, sql_ident, sql_table};
use super::range::{self, Range};
use super::walk::walk;
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

/// One transaction's statements, in redo order.
struct Txn {
    header: String,
    stmts: Vec<String>,
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
fn uncovered(b: &Binlogs, r: Range) -> Vec<String> {
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

pub fn export(b: &Binlogs, req: &SqlRequest) -> Result<SqlExport, Error> {
    let mut cut = Vec::new();
    let req = &SqlRequest {
        range: super::replay::trim_damaged(b, req.range, &mut cut),
        ..req.clone()
    };
    let catalog = Catalog::build(b, req.schema_script.as_deref());
    let globs: Vec<TableGlob> = req.tables.iter().map(|g| TableGlob::new(g)).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut txns: Vec<Txn> = Vec::new();
    let mut current: Option<(crate::index::TxnId, Txn)> = None;
    walk(b, req.range, |e, _, ev, dec| {
        let Event::Rows(rows) = ev else {
            return Ok(());
        };
        let at = b.named(b.index.get(e).location()).to_string();
        let tm = dec
            .table_for(rows)
            .map_err(|err| Error::new(ErrorKind::Damaged, format!("{at}: {}", err.kind)))?;
        let full = format!(
            "{}.{}",
            String::from_utf8_lossy(&tm.schema),
            String::from_utf8_lossy(&tm.table)
        );
        if !seen.contains(&full) {
            seen.insert(full.clone());
        }
        if !globs.is_empty() && !globs.iter().any(|g| g.matches(&tm.schema, &tm.table)) {
            return Ok(());
        }
        let shape = Shape::of(tm, &catalog.resolve(e, tm), &at)?;
        let t = b.index.txn_of(e);
        if current.as_ref().map(|c| c.0) != Some(t) {
            if let Some((_, done)) = current.take() {
                txns.push(done);
            }
            current = Some((
                t,
                Txn {
                    header: txn_header(b, t),
                    stmts: Vec::new(),
                },
            ));
        }
        let stmts = &mut current.as_mut().map(|c| &mut c.1.stmts).expect("just set");
        for row in rows.rows(tm) {
            let row =
                row.map_err(|err| Error::new(ErrorKind::Damaged, format!("{at}: {}", err.kind)))?;
            let ctx = |m: Error| Error::new(m.kind, format!("{at} ({full}): {}", m.message));
            let s = match (req.direction, rows.kind.op) {
                // A MINIMAL insert image holds the columns the statement set: the
                // rest take their defaults again. Re-inserting a deleted row needs all.
                (Direction::Redo, RowsOp::Insert) => {
                    shape.insert(opt(&row.after), false).map_err(ctx)?
                }
                (Direction::Undo, RowsOp::Delete) => {
                    shape.insert(opt(&row.before), true).map_err(ctx)?
                }
                (Direction::Redo, RowsOp::Delete) => shape.delete(opt(&row.before)).map_err(ctx)?,
                (Direction::Undo, RowsOp::Insert) => shape.delete(opt(&row.after)).map_err(ctx)?,
                (Direction::Redo, RowsOp::Update) => shape
                    .update(opt(&row.before), opt(&row.after))
                    .map_err(ctx)?,
                (Direction::Undo, RowsOp::Update) => {
                    shape
                        .undo_check(opt(&row.before), opt(&row.after))
                        .map_err(ctx)?;
                    shape
                        .update(opt(&row.after), opt(&row.before))
                        .map_err(ctx)?
                }
            };
            stmts.push(s);
        }
        Ok(())
    })?;
    if let Some((_, done)) = current.take() {
        txns.push(done);
    }
    let transactions = txns.len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- binlens sql --{}: {} transaction(s) from {} to {}",
        match req.direction {
            Direction::Redo => "redo",
            Direction::Undo => "undo",
        },
        txns.len(),
        range::boundary_text(b, req.range.start),
        range::boundary_text(b, req.range.end)
    );
    // TIMESTAMP literals are UTC; JSON text is UTF-8 (other text is ASCII or X'…').
    let mut warnings = cut;
    warnings.extend(uncovered(b, req.range));
    for w in &warnings {
        let _ = writeln!(out, "-- warning: {}", sql_comment(w));
    }
    // As mysqldump does: an explicit 0 in an AUTO_INCREMENT column stays 0, and the
    // values the server once stored (zero dates among them) are stored again.
    out.push_str("SET NAMES utf8mb4;\nSET time_zone = '+00:00';\n");
    out.push_str("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n");
    if req.direction == Direction::Undo {
        txns.reverse();
    }
    for mut t in txns {
        if req.direction == Direction::Undo {
            t.stmts.reverse();
        }
        out.push_str(&t.header);
        out.push_str("BEGIN;\n");
        for s in t.stmts {
            out.push_str(&s);
            out.push('\n');
        }
        out.push_str("COMMIT;\n");
    }
    Ok(SqlExport {
        text: out,
        warnings,
        transactions,
        tables_seen: seen.into_iter().collect(),
    })
}

fn facts_of(schema: &TableSchema) -> Vec<ColumnFacts> {
    schema
        .columns
        .iter()
        .map(|c| ColumnFacts {
            unsigned: c.unsigned,
            enum_names: c.enum_names.clone(),
            set_names: c.set_names.clone(),
        })
        .collect()
}

fn opt<'r, 'a>(img: &'r Option<Vec<Cell<'a>>>) -> &'r [Cell<'a>] {
    img.as_deref().unwrap_or(&[])
}

fn txn_header(b: &Binlogs, t: crate::index::TxnId) -> String {
    let (first, _) = b.index.txn_span(t);
    let m = b.index.get(first);
    let when = format!(
        "{} UTC",
        format_instant(i64::from(m.timestamp), TimeZoneChoice::Utc)
    );
    format!(
        "-- {} at {}, {}\n",
        sql_comment(&b.named(m.location()).to_string()),
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
    /// For pseudo statements (`dump --format statements`): a value with no SQL literal
    /// becomes `NULL /* why */` instead of an error, and text with control bytes `X'…'`.
    pseudo: bool,
}

impl<'t> Shape<'t> {
    /// For pseudo statements: the names the catalog knows, `@N` for the others.
    pub(super) fn pseudo(tm: &'t TableMap, schema: &TableSchema) -> Shape<'t> {
        let names = (0..tm.column_count())
            .map(|i| match schema.name(i) {
                Some(n) if !matches!(schema.names, NameSource::Unknown(_)) => sql_ident(n),
                _ => format!("@{}", i + 1),
            })
            .collect();
        Shape {
            table: sql_table(&tm.schema, &tm.table),
            names,
            defs: &tm.columns,
            facts: facts_of(schema),
            key: schema.key.clone(),
            pseudo: true,
        }
    }

    fn of(tm: &'t TableMap, schema: &TableSchema, at: &str) -> Result<Shape<'t>, Error> {
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
            defs: &tm.columns,
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

    /// Undoing an UPDATE restores the before image, so it must hold every column the
    /// after image changed.
    fn undo_check(&self, before: &[Cell<'_>], after: &[Cell<'_>]) -> Result<(), Error> {
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

    pub(super) fn insert(&self, img: &[Cell<'_>], whole: bool) -> Result<String, Error> {
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        for (i, c) in img.iter().enumerate() {
            if let Some(l) = self.lit(i, c)? {
                cols.push(self.names[i].clone());
                vals.push(l);
            }
        }
        if whole && cols.len() < img.len() {
            let missing: Vec<&str> = img
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c, Cell::Absent))
                .map(|(i, _)| self.names[i].as_str())
                .collect();
            return Err(Error::new(
                ErrorKind::CannotInvert,
                format!(
                    "the row image lacks {} (binlog_row_image is not FULL), so the row cannot be re-inserted whole",
                    missing.join(", ")
                ),
            ));
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
                ErrorKind::NoKey,
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
                ErrorKind::CannotInvert,
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
