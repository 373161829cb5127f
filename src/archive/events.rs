//! `events.parquet`: one row per event.
//!
//! | column | type |
//! |---|---|
//! | file, type | Utf8 (`type` as `dump --format jsonl` names it) |
//! | pos, next_pos | UInt64 (for an event inside a compressed transaction payload: the payload's) |
//! | inner_pos | UInt64: the offset inside the payload; NULL for other events |
//! | timestamp | Timestamp(µs, UTC) |
//! | server_id | UInt32 |
//! | db, table | Utf8, where the event names them (table maps, rows events, queries' default db) |
//! | op | Utf8: insert, update, delete for rows events |
//! | gtid | Utf8: the GTID of the event's transaction |
//! | txn | UInt32: the transaction's number in the set (0 for the first) |
//! | rows | UInt32: the row changes of a rows event |
//! | bytes | UInt64: the event's size |
//!
//! More than [`PART_EVENTS`] events go to `events-<n>.parquet` parts instead.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use arrow_array::builder::{
    StringBuilder, TimestampMicrosecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;

use super::{Error, files};

/// Events per file before the next part starts.
pub const PART_EVENTS: u64 = 1 << 24;
const BATCH_ROWS: usize = 8192;

/// Columns that skip the dictionary.
const UNIQUE: &[&str] = &[
    "pos",
    "next_pos",
    "inner_pos",
    "timestamp",
    "gtid",
    "txn",
    "bytes",
];

/// One event's row.
pub struct EventRow<'a> {
    pub file: &'a str,
    pub pos: u64,
    pub next_pos: u64,
    pub inner_pos: Option<u64>,
    pub type_name: &'a str,
    pub timestamp: u32,
    pub server_id: u32,
    pub db: Option<&'a str>,
    pub table: Option<&'a str>,
    pub op: Option<&'a str>,
    pub gtid: Option<&'a str>,
    pub txn: u32,
    pub rows: Option<u32>,
    pub bytes: u64,
}

/// Gathers event rows into batches on the walking thread; a thread of its own encodes
/// and writes them.
pub struct EventFiles {
    dir: PathBuf,
    schema: Arc<Schema>,
    encoder: Option<Encoder>,
    /// Events per part and per batch ([`PART_EVENTS`], 8192; small in tests).
    part_events: u64,
    batch_rows: usize,
    pub events: u64,
    b: Builders,
}

#[derive(Default)]
struct Builders {
    file: StringBuilder,
    pos: UInt64Builder,
    next_pos: UInt64Builder,
    inner_pos: UInt64Builder,
    type_name: StringBuilder,
    timestamp: TimestampMicrosecondBuilder,
    server_id: UInt32Builder,
    db: StringBuilder,
    table: StringBuilder,
    op: StringBuilder,
    gtid: StringBuilder,
    txn: UInt32Builder,
    rows: UInt32Builder,
    bytes: UInt64Builder,
    len: usize,
}

fn schema() -> Arc<Schema> {
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("pos", DataType::UInt64, false),
        Field::new("next_pos", DataType::UInt64, false),
        Field::new("inner_pos", DataType::UInt64, true),
        Field::new("type", DataType::Utf8, false),
        Field::new("timestamp", utc, false),
        Field::new("server_id", DataType::UInt32, false),
        Field::new("db", DataType::Utf8, true),
        Field::new("table", DataType::Utf8, true),
        Field::new("op", DataType::Utf8, true),
        Field::new("gtid", DataType::Utf8, true),
        Field::new("txn", DataType::UInt32, false),
        Field::new("rows", DataType::UInt32, true),
        Field::new("bytes", DataType::UInt64, false),
    ]))
}

impl EventFiles {
    pub fn new(dir: &Path) -> EventFiles {
        EventFiles {
            dir: dir.to_path_buf(),
            schema: schema(),
            encoder: None,
            part_events: PART_EVENTS,
            batch_rows: BATCH_ROWS,
            events: 0,
            b: Builders {
                timestamp: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
                ..Builders::default()
            },
        }
    }

    pub fn push(&mut self, e: &EventRow<'_>) -> Result<(), Error> {
        let b = &mut self.b;
        b.file.append_value(e.file);
        b.pos.append_value(e.pos);
        b.next_pos.append_value(e.next_pos);
        b.inner_pos.append_option(e.inner_pos);
        b.type_name.append_value(e.type_name);
        b.timestamp.append_value(i64::from(e.timestamp) * 1_000_000);
        b.server_id.append_value(e.server_id);
        b.db.append_option(e.db);
        b.table.append_option(e.table);
        b.op.append_option(e.op);
        b.gtid.append_option(e.gtid);
        b.txn.append_value(e.txn);
        b.rows.append_option(e.rows);
        b.bytes.append_value(e.bytes);
        b.len += 1;
        self.events += 1;
        if b.len >= self.batch_rows {
            self.send_batch()?;
        }
        Ok(())
    }

    /// Hands the gathered rows to the encoder thread (started with the first batch).
    fn send_batch(&mut self) -> Result<(), Error> {
        let b = &mut self.b;
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(b.file.finish()),
            Arc::new(b.pos.finish()),
            Arc::new(b.next_pos.finish()),
            Arc::new(b.inner_pos.finish()),
            Arc::new(b.type_name.finish()),
            Arc::new(b.timestamp.finish()),
            Arc::new(b.server_id.finish()),
            Arc::new(b.db.finish()),
            Arc::new(b.table.finish()),
            Arc::new(b.op.finish()),
            Arc::new(b.gtid.finish()),
            Arc::new(b.txn.finish()),
            Arc::new(b.rows.finish()),
            Arc::new(b.bytes.finish()),
        ];
        b.len = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::new(format!("events: {e}")))?;
        let (tx, _) = self.encoder.get_or_insert_with(|| {
            let (tx, rx) = mpsc::sync_channel(QUEUED_BATCHES);
            let (dir, schema, part_events) =
                (self.dir.clone(), self.schema.clone(), self.part_events);
            let handle = std::thread::spawn(move || write_parts(&dir, &schema, part_events, rx));
            (tx, handle)
        });
        if tx.send(batch).is_ok() {
            return Ok(());
        }
        // The encoder stopped on an error: it says which.
        match self.encoder.take() {
            Some((_, handle)) => Err(joined(handle)
                .err()
                .unwrap_or_else(|| Error::new("the events encoder stopped early".to_string()))),
            None => Ok(()),
        }
    }

    /// Writes the rest and waits for the encoder; a lone part is named `events.parquet`.
    /// Returns the files written.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, Error> {
        // An export with no events still gets an (empty) events.parquet.
        if self.b.len > 0 || self.encoder.is_none() {
            self.send_batch()?;
        }
        let Some((tx, handle)) = self.encoder.take() else {
            return Ok(Vec::new());
        };
        drop(tx);
        joined(handle)
    }
}

/// Batches queued for the encoder thread: enough to keep it busy, few enough to bound memory.
const QUEUED_BATCHES: usize = 4;

type Encoder = (
    SyncSender<RecordBatch>,
    JoinHandle<Result<Vec<PathBuf>, Error>>,
);

fn joined(handle: JoinHandle<Result<Vec<PathBuf>, Error>>) -> Result<Vec<PathBuf>, Error> {
    handle
        .join()
        .unwrap_or_else(|_| Err(Error::new("the events encoder failed".to_string())))
}

/// The encoder thread: writes the batches from `rx` into parts of `part_events` and
/// names a lone part `events.parquet`.
fn write_parts(
    dir: &Path,
    schema: &Arc<Schema>,
    part_events: u64,
    rx: Receiver<RecordBatch>,
) -> Result<Vec<PathBuf>, Error> {
    let mut parts: Vec<PathBuf> = Vec::new();
    let mut open: Option<(ArrowWriter<File>, u64)> = None;
    let fail = |path: &Path, e: &dyn std::fmt::Display| {
        Error::new(format!("cannot write {}: {e}", path.display()))
    };
    for batch in rx {
        if open.as_ref().is_some_and(|(_, n)| *n >= part_events) {
            if let (Some((w, _)), Some(path)) = (open.take(), parts.last()) {
                w.close().map_err(|e| fail(path, &e))?;
            }
        }
        let (w, n) = match &mut open {
            Some(o) => o,
            None => {
                let path = dir.join(format!("events-{:05}.parquet", parts.len()));
                let w = files::writer(&path, schema.clone(), UNIQUE)?;
                parts.push(path);
                open.insert((w, 0))
            }
        };
        if let Some(path) = parts.last() {
            w.write(&batch).map_err(|e| fail(path, &e))?;
        }
        *n += batch.num_rows() as u64;
    }
    if let (Some((w, _)), Some(path)) = (open.take(), parts.last()) {
        w.close().map_err(|e| fail(path, &e))?;
    }
    if let [only] = parts.as_slice() {
        let to = dir.join("events.parquet");
        std::fs::rename(only, &to).map_err(|e| {
            Error::new(format!(
                "cannot rename {} to {}: {e}",
                only.display(),
                to.display()
            ))
        })?;
        return Ok(vec![to]);
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pos: u64) -> EventRow<'static> {
        EventRow {
            file: "mysql-bin.000001",
            pos,
            next_pos: pos + 10,
            inner_pos: None,
            type_name: "XID_EVENT",
            timestamp: 1,
            server_id: 1,
            db: None,
            table: None,
            op: None,
            gtid: None,
            txn: 0,
            rows: None,
            bytes: 10,
        }
    }

    fn written(n: u64) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventFiles::new(dir.path());
        w.part_events = 4;
        w.batch_rows = 2;
        for i in 0..n {
            w.push(&row(4 + i * 10)).unwrap();
        }
        let files = w.finish().unwrap();
        files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn one_part_is_events_parquet_and_more_are_numbered() {
        assert_eq!(written(0), ["events.parquet"]);
        assert_eq!(written(3), ["events.parquet"]);
        assert_eq!(
            written(9),
            [
                "events-00000.parquet",
                "events-00001.parquet",
                "events-00002.parquet"
            ]
        );
    }
}
