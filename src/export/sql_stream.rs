//! Redo and undo SQL written as it is made, in memory bounded by the largest transaction.
//!
//! Two passes over the range. The first ([`plan`]) decodes the events (not the row
//! values) to count the transactions the SQL will hold, for its first line, and to
//! refuse early what cannot be exported at all: a table without column names, and row
//! images that are not FULL where the SQL needs them whole (checked on each rows event's
//! first row). Nothing is written until it is done, so a caller can still refuse (no
//! transaction selected, `--strict` undo conflicts). The second ([`SqlPlan::write`])
//! writes the transactions in the SQL's order through the index (oldest first for redo;
//! newest first for undo, each one's rows events and their statements in reverse), each
//! decoded on its own: runs of them are rendered on a thread per core and written in
//! order, so memory holds a few runs (a run is about [`RUN_BYTES`] of binlog, or one
//! transaction when that is larger). A row that still fails (a value with no SQL
//! literal, a damaged row image) stops the output after the last whole transaction,
//! with the error.

use std::collections::{BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::format::{Cell, Event, RowsOp, TableMap};
use crate::index::{Binlogs, EventId, TxnId};
use crate::lang::TableGlob;
use crate::schema::Catalog;

use super::quote::sql_comment;
use super::range::{self, Range};
use super::sql::{Direction, SQL_MODE, Shape, SqlRequest, opt, overlay, txn_header, uncovered};
use super::walk::walk;
use super::{Error, ErrorKind};

/// Binlog bytes per run of transactions rendered at once (a run holds at least one).
const RUN_BYTES: u64 = 256 << 10;

/// Stack of a rendering thread (whose stack counts against a data limit like the heap).
const STACK: usize = 2 << 20;

/// Runs out at once per thread.
const IN_FLIGHT: usize = 3;

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

/// The SQL of a request, counted and checked but not yet written.
pub struct SqlPlan<'a> {
    rows: Rows<'a>,
    /// The request's range, cut short before damaged events.
    range: Range,
    /// Transactions with row changes of the selected tables.
    pub transactions: usize,
    /// What the SQL leaves out that the user must know about (also written as comments).
    pub warnings: Vec<String>,
}

/// The first pass over `req` (see the module doc).
pub fn plan<'a>(b: &'a Binlogs, req: &'a SqlRequest) -> Result<SqlPlan<'a>, Error> {
    let mut cut = Vec::new();
    let range = super::replay::trim_damaged(b, req.range, &mut cut);
    let rows = Rows {
        b,
        req,
        catalog: Catalog::build(b, req.schema_script.as_deref()),
        globs: req.tables.iter().map(|g| TableGlob::new(g)).collect(),
    };
    let transactions = rows.count(range)?;
    let mut warnings = cut;
    warnings.extend(uncovered(b, range));
    Ok(SqlPlan {
        rows,
        range,
        transactions,
        warnings,
    })
}

/// Writes the SQL of `req` to `out`; returns the warnings (also written as comments).
pub fn write_sql(
    b: &Binlogs,
    req: &SqlRequest,
    out: &mut impl Write,
) -> Result<Vec<String>, WriteError> {
    let p = plan(b, req)?;
    p.write(out)?;
    Ok(p.warnings)
}

impl SqlPlan<'_> {
    /// `schema.table` of every table with row events in the range, selected or not.
    pub fn tables_seen(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        // The first pass read the same events without an error.
        let _ = walk(self.rows.b, self.range, |_, _, ev, dec| {
            if let Event::Rows(rows) = ev {
                if let Ok(tm) = dec.table_for(rows) {
                    seen.insert(full_name(tm));
                }
            }
            Ok(())
        });
        seen.into_iter().collect()
    }

    /// Writes the SQL to `out`, transaction by transaction as it is made.
    pub fn write(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let (b, r) = (self.rows.b, self.range);
        writeln!(
            out,
            "-- binlens sql --{}: {} transaction(s) from {} to {}",
            match self.rows.req.direction {
                Direction::Redo => "redo",
                Direction::Undo => "undo",
            },
            self.transactions,
            range::boundary_text(b, r.start),
            range::boundary_text(b, r.end)
        )?;
        // TIMESTAMP literals are UTC; JSON text is UTF-8; other text is ASCII in an
        // ASCII-transparent charset, or bytes with their charset (`_ucs2 X'…'`).
        for w in &self.warnings {
            writeln!(out, "-- warning: {}", sql_comment(w))?;
        }
        out.write_all(b"SET NAMES utf8mb4;\nSET time_zone = '+00:00';\n")?;
        out.write_all(SQL_MODE.as_bytes())?;
        self.rows.write_txns(r, out)
    }
}

fn full_name(tm: &TableMap) -> String {
    format!(
        "{}.{}",
        String::from_utf8_lossy(&tm.schema),
        String::from_utf8_lossy(&tm.table)
    )
}

/// The rows events of a range, as the request sees them.
struct Rows<'a> {
    b: &'a Binlogs,
    req: &'a SqlRequest,
    catalog: Catalog,
    globs: Vec<TableGlob>,
}

/// A rows event the SQL covers: its location text, table and shape.
struct Covered<'t> {
    tm: &'t TableMap,
    at: String,
    full: String,
    shape: Shape<'t>,
}

/// One transaction's statements, in redo order, by rows event: each event's position
/// and a statement per row.
type TxnEvents = Vec<(String, Vec<String>)>;

impl Rows<'_> {
    fn selected(&self, tm: &TableMap) -> bool {
        self.globs.is_empty() || self.globs.iter().any(|g| g.matches(&tm.schema, &tm.table))
    }

    /// The rows event `e` with its table map, if the SQL covers it.
    fn covered<'t>(
        &self,
        e: EventId,
        tm: Result<&'t TableMap, crate::format::Error>,
    ) -> Result<Option<Covered<'t>>, Error> {
        let at = self.b.named(self.b.index.get(e).location()).to_string();
        let tm = tm.map_err(|err| Error::new(ErrorKind::Damaged, format!("{at}: {}", err.kind)))?;
        if !self.selected(tm) {
            return Ok(None);
        }
        let shape = Shape::of(tm, &self.catalog.resolve(e, tm), &at)?;
        Ok(Some(Covered {
            tm,
            at,
            full: full_name(tm),
            shape,
        }))
    }

    /// The first pass: how many transactions the SQL holds; refuses what cannot be
    /// exported (see the module doc).
    fn count(&self, r: Range) -> Result<usize, Error> {
        let (mut count, mut last) = (0, None::<TxnId>);
        walk(self.b, r, |e, _, ev, dec| {
            let Event::Rows(rows) = ev else {
                return Ok(());
            };
            let tm = dec.table_for(rows).map(|t| &**t);
            // Cheap checks first; the shape (and its error) only when one fails.
            let cheap = match &tm {
                Ok(tm) => {
                    if !self.selected(tm) {
                        return Ok(());
                    }
                    self.catalog.resolve(e, tm).names().is_ok()
                }
                Err(_) => false,
            };
            // Says why (or finds the table filtered out after all).
            if !cheap && self.covered(e, tm)?.is_none() {
                return Ok(());
            }
            let t = self.b.index.txn_of(e);
            if last != Some(t) {
                count += 1;
                last = Some(t);
            }
            let needs_whole = self.req.direction == Direction::Undo
                && matches!(rows.kind.op, RowsOp::Delete | RowsOp::Update);
            let (Ok(tm), true) = (dec.table_for(rows), needs_whole) else {
                return Ok(());
            };
            let Some(row) = rows.rows(tm).next() else {
                return Ok(());
            };
            if row
                .as_ref()
                .is_ok_and(|row| image_complete(rows.kind.op, row))
            {
                return Ok(());
            }
            let Some(c) = self.covered(e, Ok(tm))? else {
                return Ok(());
            };
            let row = row
                .map_err(|err| Error::new(ErrorKind::Damaged, format!("{}: {}", c.at, err.kind)))?;
            let ctx =
                |m: Error| Error::new(m.kind, format!("{} ({}): {}", c.at, c.full, m.message));
            c.shape
                .image_check(self.req.direction, rows.kind.op, &row)
                .map_err(ctx)
        })?;
        Ok(count)
    }

    /// The statements of the rows events of `r`, in redo order, by rows event.
    fn events(&self, r: Range) -> Result<TxnEvents, Error> {
        let mut events = Vec::new();
        walk(self.b, r, |e, _, ev, dec| {
            let Event::Rows(rows) = ev else {
                return Ok(());
            };
            let Some(c) = self.covered(e, dec.table_for(rows).map(|t| &**t))? else {
                return Ok(());
            };
            let mut stmts = Vec::new();
            for row in rows.rows(c.tm) {
                let row = row.map_err(|err| {
                    Error::new(ErrorKind::Damaged, format!("{}: {}", c.at, err.kind))
                })?;
                let ctx =
                    |m: Error| Error::new(m.kind, format!("{} ({}): {}", c.at, c.full, m.message));
                let s = c
                    .shape
                    .statement(self.req.direction, rows.kind.op, &row)
                    .map_err(ctx)?;
                stmts.push(s);
            }
            events.push((c.at, stmts));
            Ok(())
        })?;
        Ok(events)
    }

    /// The transactions of `r` in the order the SQL has them (oldest first for redo,
    /// newest first for undo), each written whole: rendered on a thread per core in
    /// runs of about [`RUN_BYTES`] of binlog and written in order, at most [`IN_FLIGHT`]
    /// runs per thread out at once. A run that fails ends the output before it.
    fn write_txns(&self, r: Range, out: &mut impl Write) -> Result<(), WriteError> {
        type Job = (Vec<TxnId>, SyncSender<Result<String, Error>>);
        if r.end.0 <= r.start.0 {
            return Ok(());
        }
        let ix = &self.b.index;
        let (first, last) = (ix.txn_of(r.start).0, ix.txn_of(EventId(r.end.0 - 1)).0);
        let order: Box<dyn Iterator<Item = u32>> = match self.req.direction {
            Direction::Redo => Box::new(first..=last),
            Direction::Undo => Box::new((first..=last).rev()),
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let (jobs, queue) = sync_channel::<Job>(threads);
        let queue = Mutex::new(queue);
        std::thread::scope(|s| {
            for _ in 0..threads {
                let queue = &queue;
                let worker = move || {
                    while let Ok(Ok((run, done))) = queue.lock().map(|q| q.recv()) {
                        let _ = done.send(self.render_run(&run, r));
                    }
                };
                let spawned = std::thread::Builder::new()
                    .stack_size(STACK)
                    .spawn_scoped(s, worker);
                if let Err(e) = spawned {
                    return Err(WriteError::Io(e));
                }
            }
            let mut pending: VecDeque<Receiver<Result<String, Error>>> = VecDeque::new();
            let mut write_front = |pending: &mut VecDeque<_>| -> Result<(), WriteError> {
                let Some(rx) = pending.pop_front() else {
                    return Ok(());
                };
                let rx: Receiver<Result<String, Error>> = rx;
                match rx.recv() {
                    Ok(Ok(text)) => Ok(out.write_all(text.as_bytes())?),
                    Ok(Err(e)) => Err(WriteError::Export(e)),
                    Err(_) => Err(WriteError::Export(Error::new(
                        ErrorKind::Value,
                        "a thread writing SQL stopped".into(),
                    ))),
                }
            };
            let (mut run, mut bytes) = (Vec::new(), 0u64);
            let mut order = order.peekable();
            while let Some(t) = order.next() {
                let (a, z) = ix.txn_span(TxnId(t));
                bytes += if ix.file_of(a) == ix.file_of(z) {
                    ix.next_pos(z).get().saturating_sub(ix.pos(a).get())
                } else {
                    RUN_BYTES
                };
                run.push(TxnId(t));
                if bytes < RUN_BYTES && order.peek().is_some() {
                    continue;
                }
                let (done, rx) = sync_channel(1);
                if jobs.send((std::mem::take(&mut run), done)).is_err() {
                    break;
                }
                bytes = 0;
                pending.push_back(rx);
                if pending.len() >= IN_FLIGHT * threads {
                    write_front(&mut pending)?;
                }
            }
            drop(jobs);
            while !pending.is_empty() {
                write_front(&mut pending)?;
            }
            Ok(())
        })
    }

    /// The SQL of the transactions `run` (their parts inside `r`), as the output has it.
    fn render_run(&self, run: &[TxnId], r: Range) -> Result<String, Error> {
        let ix = &self.b.index;
        let mut out = String::new();
        for &t in run {
            let (a, z) = ix.txn_span(t);
            let span = Range {
                start: EventId(a.0.max(r.start.0)),
                end: EventId((z.0 + 1).min(r.end.0)),
            };
            let events = self.events(span)?;
            if !events.is_empty() {
                self.write_txn(t, events, &mut out);
            }
        }
        Ok(out)
    }

    /// One transaction: its header comment, BEGIN, each rows event's position and
    /// statements (all in reverse for undo), COMMIT.
    fn write_txn(&self, t: TxnId, mut events: TxnEvents, out: &mut String) {
        let undo = self.req.direction == Direction::Undo;
        if undo {
            events.reverse();
        }
        out.push_str(&txn_header(self.b, t));
        out.push_str("BEGIN;\n");
        for (at, mut stmts) in events {
            if undo {
                stmts.reverse();
            }
            let _ = writeln!(out, "-- rows event at {}", sql_comment(&at));
            for s in stmts {
                out.push_str(&s);
                out.push('\n');
            }
        }
        out.push_str("COMMIT;\n");
    }
}

/// Whether an undo can use `row` as [`Shape::image_check`] asks: a deleted row's image
/// whole, an updated row's before image holding every column its after image changed.
fn image_complete(op: RowsOp, row: &crate::format::Row<'_>) -> bool {
    let present = |c: Option<&Cell<'_>>| matches!(c, Some(Cell::Present(_)));
    let before = opt(&row.before);
    match op {
        RowsOp::Delete => before.iter().all(|c| present(Some(c))),
        RowsOp::Update => opt(&row.after)
            .iter()
            .enumerate()
            .all(|(i, c)| !present(Some(c)) || present(before.get(i))),
        RowsOp::Insert => true,
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
        let (before, after) = (opt(&row.before), opt(&row.after));
        match (direction, op) {
            // A MINIMAL insert image holds the columns the statement set: the rest
            // take their defaults again. Re-inserting a deleted row needs all.
            (Direction::Redo, RowsOp::Insert) => self.insert(after, false),
            (Direction::Undo, RowsOp::Delete) => self.insert(before, true),
            (Direction::Redo, RowsOp::Delete) => self.delete(before),
            (Direction::Undo, RowsOp::Insert) => self.delete(after),
            (Direction::Redo, RowsOp::Update) => self.update(before, after),
            (Direction::Undo, RowsOp::Update) => {
                self.undo_check(before, after)?;
                // The row as the update left it: a MINIMAL after image holds only the
                // changed columns, the unchanged key columns are in the before.
                let now = overlay(after, before);
                self.update(&now, before)
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
