//! `rows/db=<db>/table=<table>/part-<n>.parquet`: one row per row change.
//!
//! | column | type |
//! |---|---|
//! | file, op | Utf8 |
//! | pos | UInt64 (the rows event's position) |
//! | timestamp | Timestamp(µs, UTC) (the event's time) |
//! | gtid | Utf8, NULL outside a GTID transaction |
//! | before_<name>…, after_<name>… | per column, see [`super::columns`]; NULL where the image is missing |
//! | absent | List<Utf8>: the columns (`before_x`, `after_y`) left out of a MINIMAL/NOBLOB image |
//! | invalid | List<Utf8>: the columns whose value has no form in their type (written NULL) |
//!
//! A table keeps one part open; a table map that changes the table's columns closes it
//! and opens the next part with the new schema. Rows are gathered in Arrow builders and
//! written a batch at a time; when the row groups being built by all open parts pass a
//! budget, the largest is flushed, so memory stays bounded however many tables there are.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    ListBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;

use crate::format::TableMap;
use crate::format::rows::RowsEvent;
use crate::format::value::Cell;
use crate::index::EventId;
use crate::schema::Catalog;

use super::columns::{Column, ColumnBuilder, table_columns};
use super::{Error, files};

/// Rows gathered before they are handed to the Parquet writer.
const BATCH_ROWS: usize = 8192;
/// … or fewer when they hold this many bytes (large BLOBs).
const BATCH_BYTES: usize = 16 << 20;
/// What the rows gathered and the row groups being built by all open parts may hold
/// together.
const BUDGET_BYTES: usize = 160 << 20;

/// Where a row change comes from.
pub struct RowContext<'a> {
    pub file: &'a str,
    pub pos: u64,
    pub timestamp: u32,
    pub gtid: Option<&'a str>,
    /// The rows event, and how many DDL events of the catalog come before it.
    pub event: EventId,
    pub ddl_before: usize,
}

/// The open parts of every table seen so far.
pub struct RowFiles {
    dir: PathBuf,
    tables: Vec<TablePart>,
    by_name: HashMap<Vec<u8>, usize>,
    /// The table map of the last rows event and its table, to skip the lookup.
    last: Option<(Arc<TableMap>, usize)>,
    key: Vec<u8>,
    /// Parts written so far.
    pub parts: Vec<PathBuf>,
    pub rows: u64,
    /// Bytes in the builders of all tables, and held by their row groups being built
    /// (as of the last batch written).
    gathered: usize,
    encoding: usize,
}

impl RowFiles {
    pub fn new(dir: &Path) -> RowFiles {
        RowFiles {
            dir: dir.to_path_buf(),
            tables: Vec::new(),
            by_name: HashMap::new(),
            last: None,
            key: Vec::new(),
            parts: Vec::new(),
            rows: 0,
            gathered: 0,
            encoding: 0,
        }
    }

    /// Writes the rows of `ev` (whose table map is `tm`); returns how many, and the
    /// decoding error that cut them short.
    pub fn write(
        &mut self,
        at: &RowContext<'_>,
        ev: &RowsEvent<'_>,
        tm: &Arc<TableMap>,
        catalog: &Catalog,
    ) -> Result<(u32, Option<String>), Error> {
        let t = self.table_for(at, tm, catalog)?;
        let mut n = 0u32;
        let mut problem = None;
        for row in ev.rows(tm) {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    problem = Some(e.to_string());
                    break;
                }
            };
            let part = &mut self.tables[t];
            let before = part.builders.bytes;
            part.push(
                at,
                ev.kind.op.as_str(),
                row.before.as_deref(),
                row.after.as_deref(),
            );
            self.gathered += part.builders.bytes - before;
            n += 1;
            if part.batch_full() {
                self.gathered -= part.builders.bytes;
                part.write_batch(&self.dir, &mut self.parts)?;
                self.encoding = self.tables.iter().map(TablePart::encoding).sum();
            }
            if self.gathered + self.encoding > BUDGET_BYTES {
                self.keep_to_budget()?;
            }
        }
        self.rows += u64::from(n);
        Ok((n, problem))
    }

    /// The open part of `tm`'s table, a new part when its columns changed. The catalog
    /// is asked again only when the table map or the DDL before the event changed.
    fn table_for(
        &mut self,
        at: &RowContext<'_>,
        tm: &Arc<TableMap>,
        catalog: &Catalog,
    ) -> Result<usize, Error> {
        if let Some((last, t)) = &self.last {
            if Arc::ptr_eq(last, tm) && self.tables[*t].ddl_before == at.ddl_before {
                return Ok(*t);
            }
        }
        self.key.clear();
        self.key.extend_from_slice(&tm.schema);
        self.key.push(0);
        self.key.extend_from_slice(&tm.table);
        let t = match self.by_name.get(self.key.as_slice()) {
            Some(&t) => {
                let part = &mut self.tables[t];
                let same = part.ddl_before == at.ddl_before
                    && part.tm.columns == tm.columns
                    && part.tm.meta == tm.meta;
                if !same {
                    let columns = table_columns(tm, &catalog.resolve(at.event, tm));
                    if columns != part.columns {
                        self.gathered -= part.builders.bytes;
                        part.close(&self.dir, &mut self.parts)?;
                        part.reopen(columns);
                    }
                }
                part.tm = tm.clone();
                part.ddl_before = at.ddl_before;
                t
            }
            None => {
                let t = self.tables.len();
                let columns = table_columns(tm, &catalog.resolve(at.event, tm));
                let mut part = TablePart::new(tm.clone(), columns);
                part.ddl_before = at.ddl_before;
                self.tables.push(part);
                self.by_name.insert(self.key.clone(), t);
                t
            }
        };
        self.last = Some((tm.clone(), t));
        Ok(t)
    }

    /// Writes out the table holding the most (its gathered rows and the row group being
    /// built) until all of them together are within the budget.
    fn keep_to_budget(&mut self) -> Result<(), Error> {
        while self.gathered + self.encoding > BUDGET_BYTES {
            let Some(big) = self
                .tables
                .iter_mut()
                .max_by_key(|p| p.builders.bytes + p.encoding())
            else {
                return Ok(());
            };
            if big.builders.bytes + big.encoding() == 0 {
                return Ok(());
            }
            self.gathered -= big.builders.bytes;
            big.write_batch(&self.dir, &mut self.parts)?;
            big.flush_row_group()?;
            self.encoding = self.tables.iter().map(TablePart::encoding).sum();
        }
        Ok(())
    }

    /// Writes what is gathered and closes every part.
    pub fn finish(mut self) -> Result<(Vec<PathBuf>, u64), Error> {
        for part in &mut self.tables {
            part.close(&self.dir, &mut self.parts)?;
        }
        self.parts.sort();
        Ok((self.parts, self.rows))
    }
}

/// One table's open part.
struct TablePart {
    tm: Arc<TableMap>,
    /// The catalog's DDL events before the event `columns` were resolved at.
    ddl_before: usize,
    columns: Vec<Column>,
    part: u32,
    schema: Arc<Schema>,
    writer: Option<(ArrowWriter<File>, PathBuf)>,
    /// Whether the current part's file exists.
    created: bool,
    builders: Builders,
}

struct Builders {
    file: StringBuilder,
    pos: UInt64Builder,
    timestamp: TimestampMicrosecondBuilder,
    gtid: StringBuilder,
    op: StringBuilder,
    before: Vec<ColumnBuilder>,
    after: Vec<ColumnBuilder>,
    before_names: Vec<String>,
    after_names: Vec<String>,
    absent: ListBuilder<StringBuilder>,
    invalid: ListBuilder<StringBuilder>,
    rows: usize,
    bytes: usize,
}

impl Builders {
    fn new(columns: &[Column]) -> Builders {
        let each = |f: fn(&Column) -> String| columns.iter().map(f).collect::<Vec<_>>();
        Builders {
            file: StringBuilder::new(),
            pos: UInt64Builder::new(),
            timestamp: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            gtid: StringBuilder::new(),
            op: StringBuilder::new(),
            before: columns
                .iter()
                .map(|c| ColumnBuilder::new(&c.kind))
                .collect(),
            after: columns
                .iter()
                .map(|c| ColumnBuilder::new(&c.kind))
                .collect(),
            before_names: each(|c| format!("before_{}", c.name)),
            after_names: each(|c| format!("after_{}", c.name)),
            absent: ListBuilder::new(StringBuilder::new()),
            invalid: ListBuilder::new(StringBuilder::new()),
            rows: 0,
            bytes: 0,
        }
    }
}

fn schema_of(columns: &[Column]) -> Arc<Schema> {
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let names = DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
    let mut fields = vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("pos", DataType::UInt64, false),
        Field::new("timestamp", utc, false),
        Field::new("gtid", DataType::Utf8, true),
        Field::new("op", DataType::Utf8, false),
    ];
    for prefix in ["before_", "after_"] {
        fields.extend(
            columns
                .iter()
                .map(|c| c.kind.field(format!("{prefix}{}", c.name))),
        );
    }
    fields.push(Field::new("absent", names.clone(), false));
    fields.push(Field::new("invalid", names, false));
    Arc::new(Schema::new(fields))
}

/// Appends one image (or NULLs where the row has none), naming absent and invalid columns.
fn image(
    builders: &mut [ColumnBuilder],
    columns: &[Column],
    names: &[String],
    cells: Option<&[Cell<'_>]>,
    absent: &mut StringBuilder,
    invalid: &mut StringBuilder,
) -> usize {
    let mut bytes = 0;
    for (i, b) in builders.iter_mut().enumerate() {
        match cells.map(|c| c.get(i)) {
            None => b.append_null(),
            Some(Some(Cell::Present(v))) => match b.append(&columns[i].kind, v) {
                Ok(n) => bytes += n,
                Err(_) => invalid.append_value(&names[i]),
            },
            // Left out of the image, or past the columns the rows event carries.
            Some(Some(Cell::Absent) | None) => {
                b.append_null();
                absent.append_value(&names[i]);
            }
        }
    }
    bytes
}

impl TablePart {
    fn new(tm: Arc<TableMap>, columns: Vec<Column>) -> TablePart {
        TablePart {
            tm,
            ddl_before: 0,
            schema: schema_of(&columns),
            builders: Builders::new(&columns),
            columns,
            part: 0,
            writer: None,
            created: false,
        }
    }

    /// Starts the next part with `columns` (after [`TablePart::close`]).
    fn reopen(&mut self, columns: Vec<Column>) {
        // A part with no file yet (no rows under the old columns) takes the new ones.
        if self.created {
            self.part += 1;
            self.created = false;
        }
        self.schema = schema_of(&columns);
        self.builders = Builders::new(&columns);
        self.columns = columns;
    }

    fn push(
        &mut self,
        at: &RowContext<'_>,
        op: &str,
        before: Option<&[Cell<'_>]>,
        after: Option<&[Cell<'_>]>,
    ) {
        let b = &mut self.builders;
        b.file.append_value(at.file);
        b.pos.append_value(at.pos);
        b.timestamp
            .append_value(i64::from(at.timestamp) * 1_000_000);
        b.gtid.append_option(at.gtid);
        b.op.append_value(op);
        let (absent, invalid) = (b.absent.values(), b.invalid.values());
        // Offsets, validity and fixed-width values, then what the values add.
        let mut bytes = 48 + 16 * self.columns.len();
        bytes += image(
            &mut b.before,
            &self.columns,
            &b.before_names,
            before,
            absent,
            invalid,
        );
        bytes += image(
            &mut b.after,
            &self.columns,
            &b.after_names,
            after,
            absent,
            invalid,
        );
        b.absent.append(true);
        b.invalid.append(true);
        b.rows += 1;
        b.bytes += bytes;
    }

    fn batch_full(&self) -> bool {
        self.builders.rows >= BATCH_ROWS || self.builders.bytes >= BATCH_BYTES
    }

    /// Columns that skip the dictionary: positions, times, GTIDs, and values of kinds
    /// that seldom repeat (numbers, dates and times).
    fn unique_columns(&self) -> Vec<String> {
        let mut v: Vec<String> = ["pos", "timestamp", "gtid"].map(String::from).to_vec();
        let b = &self.builders;
        for (i, c) in self.columns.iter().enumerate() {
            if !c.kind.repeats() {
                v.push(b.before_names[i].clone());
                v.push(b.after_names[i].clone());
            }
        }
        v
    }

    /// Memory held by the row group being built.
    fn encoding(&self) -> usize {
        self.writer.as_ref().map_or(0, |(w, _)| w.memory_size())
    }

    fn write_batch(&mut self, dir: &Path, parts: &mut Vec<PathBuf>) -> Result<(), Error> {
        if self.builders.rows == 0 {
            return Ok(());
        }
        if self.writer.is_none() {
            let path = files::rows_part(dir, &self.tm.schema, &self.tm.table, self.part);
            let w = files::writer(&path, self.schema.clone(), &self.unique_columns())?;
            parts.push(path.clone());
            self.writer = Some((w, path));
            self.created = true;
        }
        let b = &mut self.builders;
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(b.file.finish()),
            Arc::new(b.pos.finish()),
            Arc::new(b.timestamp.finish()),
            Arc::new(b.gtid.finish()),
            Arc::new(b.op.finish()),
        ];
        arrays.extend(b.before.iter_mut().map(ColumnBuilder::finish));
        arrays.extend(b.after.iter_mut().map(ColumnBuilder::finish));
        arrays.push(Arc::new(b.absent.finish()));
        arrays.push(Arc::new(b.invalid.finish()));
        b.rows = 0;
        b.bytes = 0;
        let Some((w, path)) = &mut self.writer else {
            return Ok(());
        };
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        w.write(&batch)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
    }

    fn flush_row_group(&mut self) -> Result<(), Error> {
        match &mut self.writer {
            Some((w, path)) => w
                .flush()
                .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display()))),
            None => Ok(()),
        }
    }

    /// Writes what is gathered and closes the part's file.
    fn close(&mut self, dir: &Path, parts: &mut Vec<PathBuf>) -> Result<(), Error> {
        self.write_batch(dir, parts)?;
        if let Some((w, path)) = self.writer.take() {
            w.close()
                .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))?;
        }
        Ok(())
    }
}
