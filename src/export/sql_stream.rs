//! Redo and undo SQL written as it is made, in memory bounded by the largest transaction.
//!
//! Two passes over the range. The first ([`plan`], `count.rs`) decodes the events (not
//! the row values) to count the transactions the SQL will hold, for its first line, and
//! to refuse early what cannot be exported at all: a table without column names, and
//! row images that are not FULL where the SQL needs them whole (checked on each rows
//! event's first row). It counts chunks of whole transactions on a thread per core, and
//! walks the range again in one piece when a chunk fails, so the refusal is the one a
//! single walk meets first. Nothing is written until it is done, so a caller can still
//! refuse (no transaction selected, `--strict` undo conflicts). The second
//! ([`SqlPlan::write`]) writes the transactions in the SQL's order through the index
//! (oldest first for redo; newest first for undo, each one's rows events and their
//! statements in reverse), each decoded as on its own: runs of them are rendered on a
//! thread per core and written in order, so memory holds a few runs (a run is about
//! [`RUN_BYTES`] of binlog, or one transaction when that is larger). Statements and
//! literals go straight into the run's text; a table's shape (names, literal facts,
//! key) is worked out once per table map (`known.rs`). A row that still fails (a value
//! with no SQL literal, a damaged row image) stops the output after the last whole
//! transaction, with the error.

use std::collections::{BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::format::{Cell, Event, EventType, RowsOp, TableMap};
use crate::index::{Binlogs, EventId, TxnId};
use crate::lang::TableGlob;
use crate::schema::Catalog;

use super::gtid::{self, Gtid};
use super::quote::{push_sql_comment, sql_comment};
use super::range::{self, Range};
use super::sql::{
    Direction, SQL_MODE, Shape, SqlRequest, TxnHeaders, opt, overlay, push_txn_header, uncovered,
};
use super::walk::{walk, walk_txns};
use super::{Error, ErrorKind};

mod count;
mod known;

use known::{KnownById, known, remember};

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
struct Covered {
    at: String,
    full: String,
    shape: Shape,
}

/// The table and shape of the rows events of one table map.
struct Cover {
    full: String,
    shape: Shape,
}

/// What rendering a run keeps between its rows events.
#[derive(Default)]
struct RunState {
    covers: KnownById<Option<Rc<Cover>>>,
    headers: TxnHeaders,
    /// A rows event's location, before it is quoted.
    at: String,
    /// The transaction's text in redo order (for undo, to be written out in reverse).
    text: String,
    /// The GTID of the transaction, when its first event was walked.
    gtid: Option<Gtid>,
    /// The transaction's first event, and whether it is a GTID event.
    first: Option<EventId>,
    gtid_type: bool,
    /// Rows events of the transaction that the SQL covers.
    covered: usize,
    /// Undo: per rows event, its comment line and its statements' range in `stmts`.
    events: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    stmts: Vec<std::ops::Range<usize>>,
}

impl Rows<'_> {
    fn selected(&self, tm: &TableMap) -> bool {
        self.globs.is_empty() || self.globs.iter().any(|g| g.matches(&tm.schema, &tm.table))
    }

    /// The rows event `e` with its table map, if the SQL covers it.
    fn covered(
        &self,
        e: EventId,
        tm: Result<&TableMap, crate::format::Error>,
    ) -> Result<Option<Covered>, Error> {
        let at = self.b.named(self.b.index.get(e).location()).to_string();
        let tm = tm.map_err(|err| Error::new(ErrorKind::Damaged, format!("{at}: {}", err.kind)))?;
        if !self.selected(tm) {
            return Ok(None);
        }
        let shape = Shape::of(tm, &self.catalog.resolve(e, tm), &at)?;
        Ok(Some(Covered {
            at,
            full: full_name(tm),
            shape,
        }))
    }

    /// The shape of table map `tm` at `e` from `st`, worked out on its first use.
    fn cover(
        &self,
        e: EventId,
        tm: Result<&Arc<TableMap>, crate::format::Error>,
        st: &mut RunState,
    ) -> Result<Option<Rc<Cover>>, Error> {
        let ok = tm.as_ref().ok().copied();
        if let Some(tm) = ok {
            if let Some(c) = known(&st.covers, &self.catalog, e, tm) {
                return Ok(c.clone());
            }
        }
        let c = self.covered(e, tm.map(|t| &**t))?.map(|c| {
            Rc::new(Cover {
                full: c.full,
                shape: c.shape,
            })
        });
        if let Some(tm) = ok {
            remember(&mut st.covers, &self.catalog, e, tm, c.clone());
        }
        Ok(c)
    }

    fn at(&self, e: EventId) -> String {
        self.b.named(self.b.index.get(e).location()).to_string()
    }

    /// The statements of the rows events of `r` (of a transaction starting at `first`),
    /// in redo order, each event under its position, into `st.text`; returns how many
    /// rows events the SQL covers. Notes the transaction's GTID in `st.gtid` when its
    /// first event is in `r`.
    fn events(&self, r: Range, first: EventId, st: &mut RunState) -> Result<usize, Error> {
        st.begin(self.b, first);
        walk(self.b, r, |e, _, ev, dec| self.event(e, ev, dec, st))?;
        Ok(st.covered)
    }

    /// One event of the transaction [`RunState::begin`] started, as [`Rows::events`]
    /// takes it.
    fn event(
        &self,
        e: EventId,
        ev: &Event<'_>,
        dec: &crate::format::Decoder,
        st: &mut RunState,
    ) -> Result<(), Error> {
        let undo = self.req.direction == Direction::Undo;
        if st.gtid_type && st.first == Some(e) {
            // As `gtid::of_event` reads it.
            match ev {
                Event::Gtid(g) => st.gtid = Some(Gtid::Mysql(g.gtid.clone())),
                Event::MariaGtid(g) => st.gtid = Some(Gtid::Maria(g.gtid)),
                _ => {}
            }
        }
        let Event::Rows(rows) = ev else {
            return Ok(());
        };
        let Some(c) = self.cover(e, dec.table_for(rows), st)? else {
            return Ok(());
        };
        let Ok(tm) = dec.table_for(rows) else {
            return Ok(());
        };
        st.covered += 1;
        st.at.clear();
        let _ = write!(st.at, "{}", self.b.named(self.b.index.get(e).location()));
        let text = &mut st.text;
        let line = text.len();
        text.push_str("-- rows event at ");
        push_sql_comment(text, &st.at);
        text.push('\n');
        let (line, stmt0) = (line..text.len(), st.stmts.len());
        for row in rows.rows(tm) {
            let row = row.map_err(|err| {
                Error::new(ErrorKind::Damaged, format!("{}: {}", self.at(e), err.kind))
            })?;
            let ctx = |m: Error| {
                Error::new(
                    m.kind,
                    format!("{} ({}): {}", self.at(e), c.full, m.message),
                )
            };
            let from = text.len();
            c.shape
                .push_statement(text, self.req.direction, rows.kind.op, &row)
                .map_err(ctx)?;
            text.push('\n');
            if undo {
                st.stmts.push(from..text.len());
            }
        }
        if undo {
            st.events.push((line, stmt0..st.stmts.len()));
        }
        Ok(())
    }

    /// Appends transaction `t` as [`Rows::events`] left it in `st` to `out`, unless the
    /// SQL covers none of its rows events.
    fn push_txn(&self, t: TxnId, out: &mut String, st: &mut RunState) {
        if st.covered == 0 {
            return;
        }
        let g = match st.gtid.take() {
            Some(g) => Some(g),
            None => gtid::of_txn(self.b, t),
        };
        push_txn_header(self.b, t, g, out, &mut st.headers);
        out.push_str("BEGIN;\n");
        self.push_events(out, st);
        out.push_str("COMMIT;\n");
    }

    /// Appends the text [`Rows::events`] left in `st` to `out`, in the SQL's order.
    fn push_events(&self, out: &mut String, st: &RunState) {
        if self.req.direction == Direction::Redo {
            out.push_str(&st.text);
            return;
        }
        for (line, stmts) in st.events.iter().rev() {
            out.push_str(&st.text[line.clone()]);
            for s in st.stmts[stmts.clone()].iter().rev() {
                out.push_str(&st.text[s.clone()]);
            }
        }
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
        let threads = crate::index::worker_threads();
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

    /// The SQL of the transactions `run` (their parts inside `r`), as the output has it:
    /// each one's header comment, BEGIN, each rows event's position and statements (all
    /// in reverse for undo), COMMIT. The run is decoded in one walk when its
    /// transactions follow each other; on an error, each is walked on its own, in the
    /// SQL's order, so that the error is the one that order meets first.
    fn render_run(&self, run: &[TxnId], r: Range) -> Result<String, Error> {
        if let Some(text) = self.render_run_in_one_walk(run, r) {
            return Ok(text);
        }
        let ix = &self.b.index;
        let mut out = String::new();
        let mut st = RunState::default();
        for &t in run {
            let (a, z) = ix.txn_span(t);
            let span = Range {
                start: EventId(a.0.max(r.start.0)),
                end: EventId((z.0 + 1).min(r.end.0)),
            };
            self.events(span, a, &mut st)?;
            self.push_txn(t, &mut out, &mut st);
        }
        Ok(out)
    }

    /// [`Rows::render_run`] in one walk over the run's events (`None`: the run's
    /// transactions do not follow each other, or a row failed).
    fn render_run_in_one_walk(&self, run: &[TxnId], r: Range) -> Option<String> {
        let ix = &self.b.index;
        let lo = run.iter().map(|t| t.0).min()?;
        let hi = run.iter().map(|t| t.0).max()?;
        // Each transaction's events follow the one before's.
        let tiles =
            (lo..hi).all(|t| ix.txn_span(TxnId(t)).1.0 + 1 == ix.txn_span(TxnId(t + 1)).0.0);
        if !tiles || run.len() != (hi - lo + 1) as usize {
            return None;
        }
        let span = Range {
            start: EventId(ix.txn_span(TxnId(lo)).0.0.max(r.start.0)),
            end: EventId((ix.txn_span(TxnId(hi)).1.0 + 1).min(r.end.0)),
        };
        let mut st = RunState::default();
        // Each transaction's SQL, by transaction from `lo`.
        let (mut done, mut parts) = (String::new(), Vec::with_capacity(run.len()));
        let (mut current, mut next_txn) = (None, 0);
        let walked = walk_txns(self.b, span, |e, _, ev, dec| {
            if current.is_some() && e.0 < next_txn {
                return self.event(e, ev, dec, &mut st);
            }
            let t = ix.txn_of(e);
            next_txn = ix.txn_span(t).1.0.saturating_add(1);
            if current != Some(t) {
                if let Some(c) = current {
                    let from = done.len();
                    self.push_txn(c, &mut done, &mut st);
                    parts.push(from..done.len());
                }
                current = Some(t);
                st.begin(self.b, ix.txn_span(t).0);
            }
            self.event(e, ev, dec, &mut st)
        });
        walked.ok()?;
        if let Some(c) = current {
            let from = done.len();
            self.push_txn(c, &mut done, &mut st);
            parts.push(from..done.len());
        }
        if self.req.direction == Direction::Redo {
            return Some(done);
        }
        let mut out = String::with_capacity(done.len());
        for p in parts.iter().rev() {
            out.push_str(&done[p.clone()]);
        }
        Some(out)
    }
}

impl RunState {
    /// Starts a transaction whose first event is `first`.
    fn begin(&mut self, b: &Binlogs, first: EventId) {
        self.text.clear();
        self.events.clear();
        self.stmts.clear();
        self.gtid = None;
        self.covered = 0;
        self.first = Some(first);
        self.gtid_type = matches!(
            b.index.type_code(first),
            EventType::GTID | EventType::GTID_TAGGED | EventType::MARIA_GTID
        );
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

impl Shape {
    /// Appends the statement for `row` of a rows event of kind `op`, in `direction`, to
    /// `out` (on an error, `out` may hold part of it).
    fn push_statement(
        &self,
        out: &mut String,
        direction: Direction,
        op: RowsOp,
        row: &crate::format::Row<'_>,
    ) -> Result<(), Error> {
        let (before, after) = (opt(&row.before), opt(&row.after));
        match (direction, op) {
            // A MINIMAL insert image holds the columns the statement set: the rest
            // take their defaults again. Re-inserting a deleted row needs all.
            (Direction::Redo, RowsOp::Insert) => self.push_insert(out, after, false),
            (Direction::Undo, RowsOp::Delete) => self.push_insert(out, before, true),
            (Direction::Redo, RowsOp::Delete) => self.push_delete(out, before),
            (Direction::Undo, RowsOp::Insert) => self.push_delete(out, after),
            (Direction::Redo, RowsOp::Update) => self.push_update(out, before, after),
            (Direction::Undo, RowsOp::Update) => {
                self.undo_check(before, after)?;
                // The row as the update left it: a MINIMAL after image holds only the
                // changed columns, the unchanged key columns are in the before.
                let now = overlay(after, before);
                self.push_update(out, &now, before)
            }
        }
    }

    /// What [`Shape::push_statement`] refuses for the images' shape alone (not their values):
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
