//! The schema catalog: for any rows event of a set, its table's column names, types,
//! unsignedness, ENUM/SET members and primary key as they were at that point of the
//! binlogs.
//!
//! Sources, in order: the table map's optional metadata (`binlog_row_metadata=FULL`), the
//! CREATE / ALTER / RENAME / DROP TABLE statements seen earlier in the set ([`ddl`]), and a
//! schema script such as `mariadb-dump --no-data` output. [`Catalog::build`] reads the
//! set's DDL once; [`Catalog::extend`] takes in what a growing index adds;
//! [`Catalog::resolve`] answers for one table map at one event, and says which source it
//! used or why none could name the columns ([`Unknown`]).
//!
//! Sits between `index` and `filter`/`export`: imports only [`crate::format`] and
//! [`crate::index`]; the TUI detail pane, `sql` and the filter share it.

pub mod ddl;
pub mod key;

use std::collections::HashMap;
use std::sync::Arc;

use crate::index::QueryClass;

use crate::format::column::ColumnDef;
use crate::format::{Event, EventType, TableMap};
use crate::index::{Binlogs, EventId, windows};

pub use ddl::{DdlColumn, DdlTable, TableName, Tables};

/// Where a table's column names came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameSource {
    /// The table map's own metadata (`binlog_row_metadata=FULL`).
    TableMap,
    /// The DDL in the binlogs before the event.
    Binlog,
    /// The schema script (`--schema FILE`).
    Script,
    /// Nobody knows them.
    Unknown(Unknown),
}

/// Why a table's columns could not be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// No CREATE TABLE for it in the binlogs before the event or in the schema script.
    NoDdl,
    /// The DDL seen declares another number of columns than the table map has.
    ColumnCount { ddl: usize, table_map: usize },
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unknown::NoDdl => write!(
                f,
                "no CREATE TABLE for it in the binlogs or the --schema file"
            ),
            Unknown::ColumnCount { ddl, table_map } => write!(
                f,
                "the DDL seen declares {ddl} columns but the table map has {table_map}"
            ),
        }
    }
}

/// One column of a table at an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSchema {
    pub name: Option<Vec<u8>>,
    /// `None` where neither the table map nor the DDL says (the binlog then reads signed).
    pub unsigned: Option<bool>,
    pub enum_names: Option<Vec<Vec<u8>>>,
    pub set_names: Option<Vec<Vec<u8>>>,
    /// The column's declaration, where DDL for the table was seen.
    pub ddl: Option<DdlColumn>,
    /// The character set of a text or binary column (`binary` for BINARY and BLOBs):
    /// the table map's collation, else the DDL's; `None` where neither says.
    pub charset: Option<String>,
    /// The full length of a fixed-length binary value (BINARY(n), INET4, INET6, UUID),
    /// whose trailing zero bytes the binlog drops.
    pub fixed_len: Option<usize>,
}

impl ColumnSchema {
    /// The declared type's name (`INET6`, `UUID`, `BINARY`), where DDL was seen.
    pub fn ddl_type(&self) -> Option<&str> {
        self.ddl.as_ref().map(|d| d.ty.as_str())
    }
}

/// A table's columns, as the catalog knows them at one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    /// One per column of the table map, in its order.
    pub columns: Vec<ColumnSchema>,
    /// The primary key's columns (indexes into `columns`); empty when none is known.
    pub key: Vec<usize>,
    pub names: NameSource,
}

impl TableSchema {
    /// The column names, or why there are none.
    pub fn names(&self) -> Result<Vec<&[u8]>, &Unknown> {
        if let NameSource::Unknown(why) = &self.names {
            return Err(why);
        }
        Ok(self
            .columns
            .iter()
            .map(|c| c.name.as_deref().unwrap_or_default())
            .collect())
    }

    pub fn name(&self, i: usize) -> Option<&[u8]> {
        self.columns.get(i)?.name.as_deref()
    }
}

/// One version of a table, from the DDL event that made it on.
#[derive(Debug, Clone)]
struct Version {
    /// The DDL event; the version holds for the events after it.
    after: EventId,
    /// `None`: dropped (or renamed away) there.
    table: Option<Arc<DdlTable>>,
}

/// The set's DDL history, and a schema script to fall back on.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    history: HashMap<TableName, Vec<Version>>,
    current: Tables,
    script: Tables,
    /// DDL events applied, ascending.
    ddl_events: Vec<EventId>,
    /// Events looked at so far (`0..scanned`).
    scanned: u32,
}

impl Catalog {
    /// An empty catalog falling back on `script` (CREATE TABLE statements, `USE db`).
    pub fn new(script: Option<&[u8]>) -> Catalog {
        let mut c = Catalog::default();
        if let Some(s) = script {
            c.script.apply_script(b"", s);
        }
        c
    }

    /// The catalog of everything `b` has indexed, with `script` to fall back on.
    pub fn build(b: &Binlogs, script: Option<&[u8]>) -> Catalog {
        let mut c = Catalog::new(script);
        c.extend(b);
        c
    }

    /// Takes in the DDL of the events indexed since the last call.
    pub fn extend(&mut self, b: &Binlogs) {
        let n = b.index.len() as u32;
        // DDL is one class: searched for as a byte (SIMD), as are the compressed
        // statements, which the index does not classify (read those too).
        let ddl = QueryClass::Ddl as u8;
        let compressed = EventType::MARIA_QUERY_COMPRESSED.0;
        let mut hits = Vec::new();
        for w in windows(self.scanned as usize..n as usize) {
            let (classes, kinds) = (
                b.index.classes().window(w.clone()),
                b.index.kinds().window(w.clone()),
            );
            hits.clear();
            hits.extend(memchr::memchr_iter(ddl, &classes));
            hits.extend(memchr::memchr_iter(compressed, &kinds));
            hits.sort_unstable();
            hits.dedup();
            for &k in &hits {
                self.apply_event(b, EventId((w.start + k) as u32));
            }
        }
        self.scanned = self.scanned.max(n);
    }

    fn apply_event(&mut self, b: &Binlogs, e: EventId) {
        let touched = b.with_event(e, |_, ev, _| match ev {
            Ok(Event::Query(q)) => self.current.apply(q.schema, &q.query),
            _ => Vec::new(),
        });
        let touched = touched.unwrap_or_default();
        if touched.is_empty() {
            return;
        }
        self.ddl_events.push(e);
        for name in touched {
            let table = self.current.tables.get(&name).cloned().map(Arc::new);
            let versions = self.history.entry(name).or_default();
            // Two changes by one statement (ALTER … RENAME): the last one stands.
            if versions.last().is_some_and(|v| v.after == e) {
                versions.pop();
            }
            versions.push(Version { after: e, table });
        }
    }

    /// The DDL events applied so far, ascending.
    pub fn ddl_events(&self) -> &[EventId] {
        &self.ddl_events
    }

    /// How far the catalog has looked (events `0..scanned`).
    pub fn scanned(&self) -> u32 {
        self.scanned
    }

    /// The table as the binlog's DDL before `e` leaves it (`None`: never created by DDL
    /// seen before `e`, or dropped since).
    pub fn binlog_table(&self, name: &TableName, e: EventId) -> Option<&DdlTable> {
        let versions = self.history.get(name)?;
        let i = versions.partition_point(|v| v.after < e);
        versions[..i].last()?.table.as_deref()
    }

    /// The table as the schema script declares it.
    pub fn script_table(&self, name: &TableName) -> Option<&DdlTable> {
        self.script.tables.get(name)
    }

    /// The columns of `tm`'s table at event `e`.
    pub fn resolve(&self, e: EventId, tm: &TableMap) -> TableSchema {
        let n = tm.column_count();
        let name: TableName = (tm.schema.clone(), tm.table.clone());
        let binlog = self.binlog_table(&name, e);
        let script = self.script_table(&name);
        let (ddl, ddl_source) = match (binlog, script) {
            (Some(t), _) if t.columns.len() == n => (Some(t), NameSource::Binlog),
            (_, Some(t)) if t.columns.len() == n => (Some(t), NameSource::Script),
            _ => (None, NameSource::Unknown(Unknown::NoDdl)),
        };
        let meta = &tm.meta;
        let from_map = meta.column_names.len() == n;
        let names = if from_map {
            NameSource::TableMap
        } else {
            match (&ddl_source, binlog.or(script)) {
                (NameSource::Unknown(_), Some(t)) => NameSource::Unknown(Unknown::ColumnCount {
                    ddl: t.columns.len(),
                    table_map: n,
                }),
                _ => ddl_source,
            }
        };
        let columns = (0..n)
            .map(|i| {
                let d = ddl.map(|t| &t.columns[i]);
                let charset = tm
                    .charset(i)
                    .map(str::to_string)
                    .or_else(|| d.and_then(|d| d.charset.clone()));
                // Without DDL, a CHAR of charset binary is a BINARY(n) of n bytes.
                let fixed_len = d.and_then(DdlColumn::fixed_binary_len).or(
                    match (tm.columns[i], charset.as_deref()) {
                        (ColumnDef::Char { max_len }, Some("binary")) => Some(max_len as usize),
                        _ => None,
                    },
                );
                let from_meta = |v: &Vec<Option<Vec<Vec<u8>>>>| v.get(i).cloned().flatten();
                let members = |v| from_meta(v).or_else(|| d.and_then(|d| d.members.clone()));
                ColumnSchema {
                    name: if from_map {
                        meta.column_names.get(i).cloned()
                    } else {
                        d.map(|d| d.name.clone())
                    },
                    unsigned: tm.is_unsigned(i).or(d.map(|d| d.unsigned)),
                    enum_names: matches!(tm.columns[i], ColumnDef::Enum { .. })
                        .then(|| members(&meta.enum_values))
                        .flatten(),
                    set_names: matches!(tm.columns[i], ColumnDef::Set { .. })
                        .then(|| members(&meta.set_values))
                        .flatten(),
                    ddl: d.cloned(),
                    charset,
                    fixed_len,
                }
            })
            .collect();
        let key: Vec<usize> = if !meta.primary_key.is_empty() {
            meta.primary_key
                .iter()
                .map(|(c, _)| *c)
                .filter(|&c| c < n)
                .collect()
        } else if let Some(d) = ddl {
            d.primary_key
                .iter()
                .filter_map(|k| {
                    d.columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(k))
                })
                .collect()
        } else {
            Vec::new()
        };
        TableSchema {
            schema: tm.schema.clone(),
            table: tm.table.clone(),
            columns,
            key,
            names,
        }
    }
}

/// Remembers [`Catalog::resolve`] answers per table map, for walks over many rows events
/// of the same tables: a table map decoded once and the DDL unchanged since give the
/// same schema.
#[derive(Debug, Default)]
pub struct SchemaCache {
    entries: HashMap<u64, CachedSchema>,
    /// The last answer: runs of one table's events skip the hashing.
    last: Option<CachedSchema>,
}

#[derive(Debug, Clone)]
struct CachedSchema {
    table_map: Arc<TableMap>,
    /// DDL events applied before the event it was resolved for.
    ddl_seen: usize,
    schema: Arc<TableSchema>,
}

impl SchemaCache {
    /// The schema of `tm`'s table at event `e`, resolved again only when the table map or
    /// the DDL before `e` differs from the last call for its table id.
    pub fn resolve(&mut self, c: &Catalog, e: EventId, tm: &Arc<TableMap>) -> Arc<TableSchema> {
        let ddl_seen = if c.ddl_events.last().is_none_or(|&d| d < e) {
            c.ddl_events.len()
        } else {
            c.ddl_events.partition_point(|&d| d < e)
        };
        if let Some(x) = &self.last {
            if Arc::ptr_eq(&x.table_map, tm) && x.ddl_seen == ddl_seen {
                return x.schema.clone();
            }
        }
        if let Some(x) = self.entries.get(&tm.table_id) {
            let same_map = Arc::ptr_eq(&x.table_map, tm) || *x.table_map == **tm;
            if same_map && x.ddl_seen == ddl_seen {
                let schema = x.schema.clone();
                self.last = Some(x.clone());
                return schema;
            }
        }
        let schema = Arc::new(c.resolve(e, tm));
        let entry = CachedSchema {
            table_map: tm.clone(),
            ddl_seen,
            schema: schema.clone(),
        };
        self.last = Some(entry.clone());
        self.entries.insert(tm.table_id, entry);
        schema
    }
}
