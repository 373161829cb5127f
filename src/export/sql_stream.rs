//! Redo and undo SQL written as it is made, in memory bounded by the largest transaction.
//!
//! Two passes over the range. The first decodes the events (not the row values) to
//! count the transactions the SQL will hold, for its first line, and to refuse early
//! what cannot be exported at all: a table without column names, and row images that
//! are not FULL where the SQL needs them whole (checked on each rows event's first row).
//! The second writes the transactions in the SQL's order through the index (oldest
//! first for redo; newest first for undo, each one's inverse statements in reverse),
//! each decoded on its own: runs of them are rendered on a thread per core and written
//! in order, so memory holds a few runs (a run is about [`RUN_BYTES`] of binlog, or one
//! transaction when that is larger). A row that still fails (a value
//! with no SQL literal, a damaged row image) stops the output after the last whole
//! transaction, with the error.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::format::{Cell, Event, RowsOp, TableMap};
use crate::index::{Binlogs, EventId, TxnId};
use crate::schema::Catalog;

use super::Error;
use super::range::{self, Range};
use super::sql::{Direction, Shape, SqlRequest, glob, opt, txn_header, uncovered};
use super::walk::walk;

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
    rows.write_txns(r, out)?;
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
            let tm = dec.table_for(rows).map(|t| &**t);
            // Cheap checks first; the shape (and its error) only when one fails.
            let cheap = match &tm {
                Ok(tm) => {
                    let filtered_out = !self.req.tables.is_empty() && {
                        let full = format!(
                            "{}.{}",
                            String::from_utf8_lossy(&tm.schema),
                            String::from_utf8_lossy(&tm.table)
                        );
                        !self.req.tables.iter().any(|g| glob(g, &full))
                    };
                    if filtered_out {
                        return Ok(());
                    }
                    self.catalog.resolve(e, tm).names().is_ok()
                }
                Err(_) => false,
            };
            if !cheap {
                // Says why (or finds the table filtered out after all).
                if self.covered(e, tm)?.is_none() {
                    return Ok(());
                }
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
            let row = row.map_err(|err| Error::new(format!("{}: {}", c.at, err.kind)))?;
            let ctx = |m: Error| Error::new(format!("{} ({}): {}", c.at, c.full, m.message));
            c.shape
                .image_check(self.req.direction, rows.kind.op, &row)
                .map_err(ctx)
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

    /// The transactions of `r` in the order the SQL has them (oldest first for redo,
    /// newest first for undo), each written whole: rendered on a thread per core in
    /// runs of about [`RUN_BYTES`] of binlog and written in order, at most [`IN_FLIGHT`]
    /// runs per thread out at once. A run that fails ends the output before it.
    fn write_txns(&self, r: Range, out: &mut impl Write) -> Result<(), WriteError> {
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
        type Job = (Vec<TxnId>, SyncSender<Result<Vec<u8>, Error>>);
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
            let mut pending: VecDeque<Receiver<Result<Vec<u8>, Error>>> = VecDeque::new();
            let mut write_front = |pending: &mut VecDeque<_>| -> Result<(), WriteError> {
                let Some(rx) = pending.pop_front() else {
                    return Ok(());
                };
                let rx: Receiver<Result<Vec<u8>, Error>> = rx;
                match rx.recv() {
                    Ok(Ok(bytes)) => Ok(out.write_all(&bytes)?),
                    Ok(Err(e)) => Err(WriteError::Export(e)),
                    Err(_) => Err(WriteError::Export(Error::new(
                        "a thread writing SQL stopped".into(),
                    ))),
                }
            };
            let (mut run, mut bytes) = (Vec::new(), 0u64);
            let mut order = order.peekable();
            while let Some(t) = order.next() {
                let (a, z) = ix.txn_span(TxnId(t));
                bytes += if ix.file_of(a) == ix.file_of(z) {
                    ix.next_pos(z).saturating_sub(ix.pos(a))
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
    fn render_run(&self, run: &[TxnId], r: Range) -> Result<Vec<u8>, Error> {
        let ix = &self.b.index;
        let mut out = Vec::new();
        let mut stmts: Vec<String> = Vec::new();
        for &t in run {
            let (a, z) = ix.txn_span(t);
            let span = Range {
                start: EventId(a.0.max(r.start.0)),
                end: EventId((z.0 + 1).min(r.end.0)),
            };
            let mut seen = false;
            stmts.clear();
            let walked = self.statements(span, |_, s| {
                seen = true;
                stmts.extend(s);
                Ok(())
            });
            match walked {
                Ok(()) => {}
                Err(WriteError::Export(e)) => return Err(e),
                Err(WriteError::Io(e)) => return Err(Error::new(e.to_string())),
            }
            if !seen {
                continue;
            }
            let wrote = match self.req.direction {
                Direction::Redo => self.write_txn(t, stmts.iter(), &mut out),
                Direction::Undo => self.write_txn(t, stmts.iter().rev(), &mut out),
            };
            wrote.map_err(|_| Error::new("cannot hold the SQL in memory".into()))?;
        }
        Ok(out)
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
