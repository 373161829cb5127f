//! Redo and undo SQL written as it is made, in memory bounded by the largest transaction.
//!
//! Two passes over the range. The first decodes the events (not the row values) to
//! count the transactions the SQL will hold, for its first line, and to refuse early
//! what cannot be exported at all: a table without column names, and row images that
//! are not FULL where the SQL needs them whole (checked on each rows event's first row).
//! The second writes: redo walks the range forwards and writes each transaction as it
//! ends; undo walks the transactions newest first through the index, one at a time,
//! and writes each one's inverse statements in reverse. A row that still fails (a value
//! with no SQL literal, a damaged row image) stops the output after the last whole
//! transaction, with the error.

use std::io::Write;

use crate::format::{Event, RowsOp, TableMap};
use crate::index::{Binlogs, EventId, TxnId};
use crate::schema::Catalog;

use super::Error;
use super::range::{self, Range};
use super::sql::{Direction, Shape, SqlRequest, glob, opt, txn_header, uncovered};
use super::walk::walk;

/// Why writing stopped.
#[derive(Debug)]
pub enum WriteError {
    /// The export cannot be made (or could not go on), and why.
    Export(Error),
    Io(std::io::Error),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

impl From<Error> for WriteError {
    fn from(e: Error) -> WriteError {
        WriteError::Export(e)
    }
}

/// Writes the SQL of `req` to `out`; returns the warnings (also written as comments).
pub fn write_sql(
    b: &Binlogs,
    req: &SqlRequest,
    out: &mut impl Write,
) -> Result<Vec<String>, WriteError> {
    let mut cut = Vec::new();
    let r = super::replay::trim_damaged(b, req.range, &mut cut);
    let catalog = Catalog::build(b, req.schema_script.as_deref());
    let rows = Rows {
        b,
        req,
        catalog: &catalog,
    };
    let count = rows.plan(r)?;
    writeln!(
        out,
        "-- binlens sql --{}: {count} transaction(s) from {} to {}",
        match req.direction {
            Direction::Redo => "redo",
            Direction::Undo => "undo",
        },
        range::boundary_text(b, r.start),
        range::boundary_text(b, r.end)
    )?;
    // TIMESTAMP literals are UTC; JSON text is UTF-8 (other text is ASCII or X'…').
    let mut warnings = cut;
    warnings.extend(uncovered(b, r));
    for w in &warnings {
        writeln!(out, "-- warning: {}", super::quote::sql_comment(w))?;
    }
    // As mysqldump does: an explicit 0 in an AUTO_INCREMENT column stays 0, and the
    // values the server once stored (zero dates among them) are stored again.
    out.write_all(b"SET NAMES utf8mb4;\nSET time_zone = '+00:00';\n")?;
    out.write_all(b"SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n")?;
    match req.direction {
        Direction::Redo => rows.redo(r, out)?,
        Direction::Undo => rows.undo(r, out)?,
    }
    Ok(warnings)
}

/// The rows events of a range, as the request sees them.
struct Rows<'a> {
    b: &'a Binlogs,
    req: &'a SqlRequest,
    catalog: &'a Catalog,
}

/// A rows event the SQL covers: its location text, table and shape.
struct Covered<'t> {
    tm: &'t TableMap,
    at: String,
    full: String,
    shape: Shape<'t>,
}

impl<'a> Rows<'a> {
    /// The rows event `e` with its table map, if the SQL covers it.
    fn covered<'t>(
        &self,
        e: EventId,
        tm: Result<&'t TableMap, crate::format::Error>,
    ) -> Result<Option<Covered<'t>>, Error> {
        let at = self.b.location_text(self.b.index.get(e).location());
        let tm = tm.map_err(|err| Error::new(format!("{at}: {}", err.kind)))?;
        let full = format!(
            "{}.{}",
            String::from_utf8_lossy(&tm.schema),
            String::from_utf8_lossy(&tm.table)
        );
        if !self.req.tables.is_empty() && !self.req.tables.iter().any(|g| glob(g, &full)) {
            return Ok(None);
        }
        let shape = Shape::of(tm, &self.catalog.resolve(e, tm), &at)?;
        Ok(Some(Covered {
            tm,
            at,
            full,
            shape,
        }))
    }

    /// The first pass: how many transactions the SQL holds; refuses what cannot be
    /// exported (see the module doc).
    fn plan(&self, r: Range) -> Result<usize, Error> {
        let (mut count, mut last) = (0, None::<TxnId>);
        walk(self.b, r, |e, _, ev, dec| {
            let Event::Rows(rows) = ev else {
                return Ok(());
            };
            let Some(c) = self.covered(e, dec.table_for(rows).map(|t| &**t))? else {
                return Ok(());
            };
            let t = self.b.index.txn_of(e);
            if last != Some(t) {
                count += 1;
                last = Some(t);
            }
            let tm = c.tm;
            if let Some(row) = rows.rows(tm).next() {
                let row = row.map_err(|err| Error::new(format!("{}: {}", c.at, err.kind)))?;
                let ctx = |m: Error| Error::new(format!("{} ({}): {}", c.at, c.full, m.message));
                c.shape
                    .image_check(self.req.direction, rows.kind.op, &row)
                    .map_err(ctx)?;
            }
            Ok(())
        })?;
        Ok(count)
    }

    /// Calls `f` with each statement of the rows events of `r`, in redo order, and the
    /// transaction it belongs to.
    fn statements(
        &self,
        r: Range,
        mut f: impl FnMut(TxnId, Option<String>) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        let mut failure = None;
        let walked = walk(self.b, r, |e, _, ev, dec| {
            let Event::Rows(rows) = ev else {
                return Ok(());
            };
            let Some(c) = self.covered(e, dec.table_for(rows).map(|t| &**t))? else {
                return Ok(());
            };
            let t = self.b.index.txn_of(e);
            // A write that fails stops the walk; its error is kept to be returned.
            let mut emit = |s: Option<String>| {
                f(t, s).map_err(|w| {
                    failure = Some(w);
                    Error::new(String::new())
                })
            };
            emit(None)?;
            let tm = c.tm;
            for row in rows.rows(tm) {
                let row = row.map_err(|err| Error::new(format!("{}: {}", c.at, err.kind)))?;
                let ctx = |m: Error| Error::new(format!("{} ({}): {}", c.at, c.full, m.message));
                let s = c
                    .shape
                    .statement(self.req.direction, rows.kind.op, &row)
                    .map_err(ctx)?;
                emit(Some(s))?;
            }
            Ok(())
        });
        match (walked, failure) {
            (_, Some(w)) => Err(w),
            (Err(e), None) => Err(WriteError::Export(e)),
            (Ok(()), None) => Ok(()),
        }
    }

    /// Redo: each transaction written whole as it ends (so that a row that fails
    /// leaves no transaction half written).
    fn redo(&self, r: Range, out: &mut impl Write) -> Result<(), WriteError> {
        let mut open = None::<TxnId>;
        let mut stmts: Vec<String> = Vec::new();
        self.statements(r, |t, s| {
            if open != Some(t) {
                if let Some(done) = open {
                    self.write_txn(done, stmts.iter(), out)?;
                }
                stmts.clear();
                open = Some(t);
            }
            stmts.extend(s);
            Ok(())
        })?;
        if let Some(done) = open {
            self.write_txn(done, stmts.iter(), out)?;
        }
        Ok(())
    }

    /// One transaction: its header comment, BEGIN, the statements, COMMIT.
    fn write_txn<'s>(
        &self,
        t: TxnId,
        stmts: impl Iterator<Item = &'s String>,
        out: &mut impl Write,
    ) -> Result<(), WriteError> {
        out.write_all(txn_header(self.b, t).as_bytes())?;
        out.write_all(b"BEGIN;\n")?;
        for s in stmts {
            out.write_all(s.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.write_all(b"COMMIT;\n")?;
        Ok(())
    }

    /// Undo: the transactions newest first, each one's statements made, then written
    /// in reverse.
    fn undo(&self, r: Range, out: &mut impl Write) -> Result<(), WriteError> {
        if r.end.0 <= r.start.0 {
            return Ok(());
        }
        let ix = &self.b.index;
        let (first, last) = (ix.txn_of(r.start), ix.txn_of(EventId(r.end.0 - 1)));
        let mut stmts: Vec<String> = Vec::new();
        for t in (first.0..=last.0).rev().map(TxnId) {
            let (a, z) = ix.txn_span(t);
            let span = Range {
                start: EventId(a.0.max(r.start.0)),
                end: EventId((z.0 + 1).min(r.end.0)),
            };
            let mut seen = false;
            stmts.clear();
            self.statements(span, |_, s| {
                seen = true;
                stmts.extend(s);
                Ok(())
            })?;
            if !seen {
                continue;
            }
            self.write_txn(t, stmts.iter().rev(), out)?;
            if stmts.capacity() > 1 << 16 {
                stmts = Vec::new();
            }
        }
        Ok(())
    }
}

impl Shape<'_> {
    /// The statement for `row` of a rows event of kind `op`, in `direction`.
    fn statement(
        &self,
        direction: Direction,
        op: RowsOp,
        row: &crate::format::Row<'_>,
    ) -> Result<String, Error> {
        match (direction, op) {
            // A MINIMAL insert image holds the columns the statement set: the rest
            // take their defaults again. Re-inserting a deleted row needs all.
            (Direction::Redo, RowsOp::Insert) => self.insert(opt(&row.after), false),
            (Direction::Undo, RowsOp::Delete) => self.insert(opt(&row.before), true),
            (Direction::Redo, RowsOp::Delete) => self.delete(opt(&row.before)),
            (Direction::Undo, RowsOp::Insert) => self.delete(opt(&row.after)),
            (Direction::Redo, RowsOp::Update) => self.update(opt(&row.before), opt(&row.after)),
            (Direction::Undo, RowsOp::Update) => {
                self.undo_check(opt(&row.before), opt(&row.after))?;
                self.update(opt(&row.after), opt(&row.before))
            }
        }
    }

    /// What [`Shape::statement`] refuses for the images' shape alone (not their values):
    /// the same for every row of a rows event.
    fn image_check(
        &self,
        direction: Direction,
        op: RowsOp,
        row: &crate::format::Row<'_>,
    ) -> Result<(), Error> {
        match (direction, op) {
            (Direction::Undo, RowsOp::Delete) => self.whole_check(opt(&row.before)),
            (Direction::Undo, RowsOp::Update) => self.undo_check(opt(&row.before), opt(&row.after)),
            _ => Ok(()),
        }
    }
}
