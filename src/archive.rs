//! The Parquet archive: binlogs as tables that DuckDB, Spark, Trino and ClickHouse query.
//!
//! [`export`] walks a range of an indexed set once, in order, and writes under a
//! directory `events.parquet` (one row per event, [`events`]) and
//! `rows/db=<db>/table=<table>/part-<n>.parquet` (one row per row change, [`rows`]), with
//! column types from the table maps ([`columns`]). Writers stream: batches go to the
//! Parquet writers as they fill, and row groups being built are flushed when together
//! they pass a budget. A damaged event is reported and skipped; everything else is kept.
//! Column names, unsignedness and ENUM/SET members come from the schema catalog
//! ([`crate::schema::Catalog`]). Imports `format`, `index`, `schema` and `lang`; the CLI
//! resolves the range for it.

mod columns;
mod events;
mod files;
mod rows;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::format::{Decoder, Event, EventReader, RawEvent, TableMap};
use crate::index::{Binlogs, EventId, FileId, TxnId};
use crate::lang::TableGlob;
use crate::schema::Catalog;

use events::{EventFiles, EventRow};
use rows::{RowContext, RowFiles};

/// An export that cannot be made or finished, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl Error {
    pub fn new(message: String) -> Error {
        Error { message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// What to export and where.
pub struct Request<'a> {
    pub dir: &'a Path,
    /// Write into a directory that is not empty.
    pub force: bool,
    /// Events `[start, end)` of the set.
    pub start: EventId,
    pub end: EventId,
    /// Only events whose time is at or after `since` and before `until` (Unix seconds).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only tables matching one of these (all when empty); events of other tables are
    /// left out (events that name no table are kept).
    pub tables: &'a [TableGlob],
    /// CREATE TABLE statements for the catalog to fall back on.
    pub schema_script: Option<&'a [u8]>,
}

/// What was written, and what could not be read.
#[derive(Debug, Default)]
pub struct Summary {
    pub events: u64,
    pub rows: u64,
    pub files: Vec<PathBuf>,
    /// Events (or rows) skipped because they could not be decoded, as `file:pos: what`.
    pub problems: Vec<String>,
}

/// Writes the archive of `req`'s range of `b`.
pub fn export(b: &Binlogs, req: &Request<'_>) -> Result<Summary, Error> {
    files::prepare_dir(req.dir, req.force)?;
    let catalog = Catalog::build(b, req.schema_script);
    let mut w = Walk {
        req,
        catalog: &catalog,
        event: req.start,
        ddl_before: 0,
        events: EventFiles::new(req.dir),
        rows: RowFiles::new(req.dir),
        problems: Vec::new(),
        gtid: None,
    };
    let mut current: Option<(FileId, Decoder)> = None;
    // The transaction walked and its last event (found by search only when left).
    let mut txn: Option<(TxnId, EventId)> = None;
    for i in req.start.0..req.end.0 {
        let e = EventId(i);
        let file = b.index.file_of(e);
        if current.as_ref().map(|c| c.0) != Some(file) {
            // Primed with the table maps of the transaction the range starts inside.
            current = Some((file, b.decoder_for(e)));
        }
        let Some((_, dec)) = current.as_mut() else {
            continue;
        };
        let t = match txn {
            Some((t, last)) if e <= last => t,
            _ => {
                let t = b.index.txn_of(e);
                txn = Some((t, b.index.txn_span(t).1));
                w.gtid = None;
                t
            }
        };
        let ddl = catalog.ddl_events();
        while ddl.get(w.ddl_before).is_some_and(|&d| d < e) {
            w.ddl_before += 1;
        }
        w.event = e;
        let name = b.file_name(file);
        let Some(raw) = b.raw(e) else {
            let at = b.named(b.index.get(e).location());
            w.problems.push(format!("{at}: cannot read the event"));
            continue;
        };
        w.event(name, t, &raw, None, dec)?;
    }
    let events = w.events.events;
    let mut files = w.events.finish()?;
    let (parts, rows) = w.rows.finish()?;
    files.extend(parts);
    let mut problems: Vec<String> = b
        .problems
        .iter()
        .map(|p| format!("{}: {}", b.named(p.at), p.message))
        .collect();
    problems.extend(w.problems);
    Ok(Summary {
        events,
        rows,
        files,
        problems,
    })
}

/// The state of one pass over the range.
struct Walk<'r> {
    req: &'r Request<'r>,
    catalog: &'r Catalog,
    /// The event walked, and how many of the catalog's DDL events come before it.
    event: EventId,
    ddl_before: usize,
    events: EventFiles,
    rows: RowFiles,
    problems: Vec<String>,
    /// The GTID of the transaction being walked.
    gtid: Option<String>,
}

impl Walk<'_> {
    /// Exports one event. `outer` is the position and end of the compressed transaction
    /// payload that holds it, for an inner event (whose `raw.pos` is its offset inside).
    fn event(
        &mut self,
        file: &str,
        txn: TxnId,
        raw: &RawEvent<'_>,
        outer: Option<(u64, u64)>,
        dec: &mut Decoder,
    ) -> Result<(), Error> {
        let (pos, next_pos, inner_pos) = match outer {
            Some((pos, next)) => (pos, next, Some(raw.pos.get())),
            None => (raw.pos.get(), raw.next_pos().get(), None),
        };
        let at = |what: &dyn fmt::Display| match inner_pos {
            Some(i) => format!("{file}:{pos}: inner event at {i}: {what}"),
            None => format!("{file}:{pos}: {what}"),
        };
        // A damaged event is left out whole: its values cannot be trusted.
        if let Some(Err((stored, computed))) = raw.verify_checksum() {
            let what = format!(
                "checksum mismatch (stored {stored:08x}, computed {computed:08x}); event left out"
            );
            self.problems.push(at(&what));
            return Ok(());
        }
        let ev = match dec.decode(raw) {
            Ok(ev) => ev,
            Err(e) => {
                self.problems.push(at(&e.kind));
                return Ok(());
            }
        };
        match &ev {
            Event::Gtid(g) => self.gtid = Some(g.gtid.to_string()),
            Event::MariaGtid(g) => self.gtid = Some(g.gtid.to_string()),
            _ => {}
        }
        let ts = i64::from(raw.header.timestamp);
        let in_time =
            self.req.since.is_none_or(|s| ts >= s) && self.req.until.is_none_or(|u| ts < u);
        let table: Option<Arc<TableMap>> = match &ev {
            Event::TableMap(tm) => Some(tm.clone()),
            Event::Rows(r) => dec.table(r.table_id).cloned(),
            _ => None,
        };
        let globs = self.req.tables;
        let wanted = table.as_ref().is_none_or(|tm| {
            globs.is_empty() || globs.iter().any(|g| g.matches(&tm.schema, &tm.table))
        });
        if !in_time || !wanted {
            return Ok(());
        }
        let mut row_count = None;
        let mut op = None;
        if let Event::Rows(r) = &ev {
            op = Some(r.kind.op.as_str());
            match &table {
                Some(tm) => {
                    let ctx = RowContext {
                        file,
                        pos,
                        timestamp: raw.header.timestamp,
                        gtid: self.gtid.as_deref(),
                        event: self.event,
                        ddl_before: self.ddl_before,
                    };
                    let (n, problem) = self.rows.write(&ctx, r, tm, self.catalog)?;
                    row_count = Some(n);
                    if let Some(p) = problem {
                        self.problems.push(at(&p));
                    }
                }
                None => self.problems.push(at(&format!(
                    "no TABLE_MAP_EVENT for table_id {}",
                    r.table_id
                ))),
            }
        }
        let type_name: Cow<'_, str> = match raw.header.type_code.known_name() {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(raw.header.type_code.to_string()),
        };
        let (db, tbl) = match (&ev, &table) {
            (_, Some(tm)) => (Some(lossy(&tm.schema)), Some(lossy(&tm.table))),
            (Event::Query(q), None) if !q.schema.is_empty() => (Some(lossy(q.schema)), None),
            _ => (None, None),
        };
        self.events.push(&EventRow {
            file,
            pos,
            next_pos,
            inner_pos,
            type_name: &type_name,
            timestamp: raw.header.timestamp,
            server_id: raw.header.server_id,
            db: db.as_deref(),
            table: tbl.as_deref(),
            op,
            gtid: self.gtid.as_deref(),
            txn: txn.0,
            rows: row_count,
            bytes: raw.next_pos().get().saturating_sub(raw.pos.get()),
        })?;
        if let Event::TransactionPayload(p) = &ev {
            let inner = match p.decompress() {
                Ok(b) => b,
                Err(e) => {
                    self.problems.push(at(&e.kind));
                    return Ok(());
                }
            };
            // Inner events share the outer file's format and table maps.
            let mut inner_dec = dec.clone();
            for item in EventReader::inner(&inner) {
                match item {
                    Ok(iraw) => {
                        self.event(file, txn, &iraw, Some((pos, next_pos)), &mut inner_dec)?;
                    }
                    Err(fe) => {
                        self.problems.push(format!(
                            "{file}:{pos}: inner event at {}: {}",
                            fe.pos, fe.error.kind
                        ));
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}
