//! `binlens history`: every change of one row, oldest first.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::export::history::{self, Change, HistoryRequest};
use crate::export::range::Range;
use crate::format::display::escape_str;
use crate::index::{Binlogs, EventId};
use crate::schema::Catalog;
use crate::schema::key::KeyLiteral;

use super::Status;
use super::jsonl::Line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Text,
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The row's table, `schema.table`.
    #[arg(long, value_name = "DB.T")]
    pub table: String,
    /// The row's primary key as its columns are typed: `42`, `'EU'`, `(7,'EU')`,
    /// `'2024-05-01 14:00:00'`.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub pk: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// A file of CREATE TABLE statements (e.g. mariadb-dump --no-data) for the key.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Do not read or write the index cache (with it, the index is mapped from the
    /// cache, not held in memory).
    #[arg(long)]
    pub no_cache: bool,
    /// Binlog files, a directory, or a `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Reads a `--schema` script; `Err` after saying why on `err`.
pub fn schema_script(
    path: Option<&Path>,
    err: &mut impl Write,
) -> std::io::Result<Result<Option<Vec<u8>>, ()>> {
    let Some(p) = path else { return Ok(Ok(None)) };
    match std::fs::read(p) {
        Ok(s) => Ok(Ok(Some(s))),
        Err(e) => {
            writeln!(err, "binlens: {}: {e}", p.display())?;
            Ok(Err(()))
        }
    }
}

/// `schema.table` split at its first dot.
pub fn table_name(s: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let (d, t) = s.split_once('.')?;
    (!d.is_empty() && !t.is_empty()).then(|| (d.as_bytes().to_vec(), t.as_bytes().to_vec()))
}

pub fn run(
    args: &HistoryArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let Some((schema, table)) = table_name(&args.table) else {
        writeln!(
            err,
            "binlens: --table wants schema.table, not {:?}",
            args.table
        )?;
        return Ok(Status::Error);
    };
    let key = match KeyLiteral::parse(&args.pk) {
        Ok(k) => k,
        Err(e) => {
            writeln!(err, "binlens: --pk {}: {e}", escape_str(&args.pk))?;
            return Ok(Status::Error);
        }
    };
    let Ok(script) = schema_script(args.schema.as_deref(), err)? else {
        return Ok(Status::Error);
    };
    let Some(b) = super::open_set(&args.paths, args.no_cache, err)? else {
        return Ok(Status::Error);
    };
    let catalog = Catalog::build(&b, script.as_deref());
    let all = Range {
        start: EventId(0),
        end: EventId(b.index.len() as u32),
    };
    let req = HistoryRequest { schema, table, key };
    let h = match history::history(&b, &catalog, &req, all) {
        Ok(h) => h,
        Err(e) => {
            writeln!(err, "binlens: {}", escape_str(&e.message))?;
            return Ok(Status::Error);
        }
    };
    let mut buf = String::new();
    for (i, c) in h.changes.iter().enumerate() {
        buf.clear();
        match args.format {
            HistoryFormat::Jsonl => jsonl_line(&mut buf, &b, c),
            HistoryFormat::Text => {
                if i > 0 {
                    buf.push('\n');
                }
                text_block(&mut buf, &b, &h.key_names, c);
            }
        }
        buf.push('\n');
        out.write_all(buf.as_bytes())?;
    }
    if h.changes.is_empty() {
        writeln!(
            err,
            "binlens: no change of {} with key {} in the set",
            escape_str(&args.table),
            escape_str(&args.pk)
        )?;
        return Ok(Status::NoMatch);
    }
    Ok(Status::Ok)
}

fn jsonl_line(buf: &mut String, b: &Binlogs, c: &Change) {
    let mut line = Line::new(buf);
    line.str("file", b.file_name(c.at.file));
    line.num("pos", c.at.pos.0);
    line.num("timestamp", c.timestamp);
    if let Some(g) = &c.gtid {
        line.str("gtid", g);
    }
    line.str("op", c.op.as_str());
    if let Some(img) = &c.before {
        line.raw_key("before").push_str(img);
    }
    if let Some(img) = &c.after {
        line.raw_key("after").push_str(img);
    }
    line.finish();
}

fn text_block(buf: &mut String, b: &Binlogs, key_names: &[String], c: &Change) {
    use std::fmt::Write as _;
    let when = chrono::DateTime::from_timestamp(i64::from(c.timestamp), 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| c.timestamp.to_string());
    let _ = write!(
        buf,
        "{}  {when}  {}  ({}) = {}",
        escape_str(&b.named(c.at).to_string()),
        c.op.as_str(),
        escape_str(&key_names.join(", ")),
        c.key
    );
    if let Some(g) = &c.gtid {
        let _ = write!(buf, "  GTID {g}");
    }
    for col in &c.columns {
        let name = escape_str(&col.name);
        let _ = match (&col.before, &col.after) {
            (Some(x), Some(y)) => write!(buf, "\n  {name}: {x} → {y}"),
            (None, Some(y)) if c.before.is_some() => write!(buf, "\n  {name}: ? → {y}"),
            (Some(x), None) | (None, Some(x)) => write!(buf, "\n  {name}: {x}"),
            (None, None) => Ok(()),
        };
    }
}
