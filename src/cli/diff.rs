//! `binlens diff`: a range's net effect per table by primary key, or (`--conflicts`) the
//! keys it changed that later transactions change again.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use crate::export::conflicts::{self, TableConflicts};
use crate::export::diff::{self, DiffRequest, TableEffect};
use crate::export::diff_text::{OUTCOMES, conflict_lines, effect_text, gtid_of};
use crate::export::range;
use crate::format::display::escape_str;
use crate::format::value_json::json_str;
use crate::index::Binlogs;
use crate::schema::Catalog;

use super::history::schema_script;
use super::{RangeArgs, RangeLocs, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub range: RangeArgs,
    /// Only tables matching this `schema.table` glob (repeatable).
    #[arg(long = "table")]
    pub tables: Vec<String>,
    /// The keys the range changed that a later transaction (after the stop, to the end
    /// of the set) changes again.
    #[arg(long)]
    pub conflicts: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// A file of CREATE TABLE statements (e.g. mariadb-dump --no-data) for the keys.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Move a start or stop inside a transaction to the nearest boundary that leaves
    /// the partial transaction out, instead of refusing.
    #[arg(long)]
    pub snap: bool,
    /// Do not read or write the index cache (with it, the index is mapped from the
    /// cache, not held in memory).
    #[arg(long)]
    pub no_cache: bool,
    /// Binlog files, a directory, or a `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: &DiffArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<Status> {
    let Ok(script) = schema_script(args.schema.as_deref(), err)? else {
        return Ok(Status::Error);
    };
    let Some(b) = super::open_set(&args.paths, args.no_cache, err)? else {
        return Ok(Status::Error);
    };
    let RangeLocs { start, stop, .. } = match args.range.locs(&b) {
        Ok(l) => l,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let mut notes = Vec::new();
    let r = range::resolve(&b, start.as_ref(), stop.as_ref(), args.snap, &mut notes);
    for n in &notes {
        writeln!(err, "binlens: {n}")?;
    }
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let catalog = Catalog::build(&b, script.as_deref());
    let req = DiffRequest {
        range: r,
        tables: args.tables.clone(),
    };
    let text = if args.conflicts {
        conflicts::conflicts(&b, &catalog, &req).map(|c| {
            let empty = c.is_empty();
            let text = match args.format {
                DiffFormat::Json => conflicts_json(&b, &c),
                DiffFormat::Text => conflicts_text(&b, &c),
            };
            (text, empty)
        })
    } else {
        match diff::net_effect(&b, &catalog, &req) {
            Ok(t) => {
                // The index is no longer needed: give its memory back before writing.
                drop(b);
                match args.format {
                    DiffFormat::Json => effect_json(out, &t)?,
                    DiffFormat::Text => effect_text(out, &t)?,
                }
                return Ok(if t.is_empty() {
                    Status::NoMatch
                } else {
                    Status::Ok
                });
            }
            Err(e) => Err(e),
        }
    };
    match text {
        Ok((text, empty)) => {
            out.write_all(text.as_bytes())?;
            Ok(if empty { Status::NoMatch } else { Status::Ok })
        }
        Err(e) => {
            writeln!(err, "binlens: {}", escape_str(&e.message))?;
            Ok(Status::Error)
        }
    }
}

fn names_json(out: &mut String, names: &[String]) {
    out.push('[');
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(out, n);
    }
    out.push(']');
}

/// `{"tables": [{"table": "db.t", "key": ["id"], "inserted": [[…]], …}]}`, written as
/// it is read off the scan.
pub fn effect_json(out: &mut impl Write, tables: &[TableEffect]) -> std::io::Result<()> {
    let mut buf = String::from("{\"tables\":[");
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        buf.push_str("{\"table\":");
        json_str(&mut buf, &t.table);
        buf.push_str(",\"key\":");
        names_json(&mut buf, &t.key);
        if t.keyless {
            buf.push_str(",\"keyless\":true");
        }
        if t.partial {
            buf.push_str(",\"partial_images\":true");
        }
        for (what, name) in OUTCOMES {
            buf.push_str(",\"");
            buf.push_str(name);
            buf.push_str("\":[");
            for (j, k) in t.entries(what).enumerate() {
                if j > 0 {
                    buf.push(',');
                }
                buf.push_str(k);
                if buf.len() > 1 << 16 {
                    out.write_all(buf.as_bytes())?;
                    buf.clear();
                }
            }
            buf.push(']');
        }
        buf.push('}');
    }
    buf.push_str("]}\n");
    out.write_all(buf.as_bytes())
}

pub fn conflicts_json(b: &Binlogs, tables: &[TableConflicts]) -> String {
    let mut gtids = HashMap::new();
    let mut out = String::from("{\"tables\":[");
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"table\":");
        json_str(&mut out, &t.table);
        out.push_str(",\"key\":");
        names_json(&mut out, &t.key);
        if t.keyless {
            out.push_str(",\"keyless\":true");
        }
        out.push_str(",\"conflicts\":[");
        for (j, c) in t.conflicts.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"key\":");
            out.push_str(&c.key);
            out.push_str(",\"at\":");
            json_str(
                &mut out,
                &b.named(b.index.get(c.event).location()).to_string(),
            );
            out.push_str(",\"gtid\":");
            match gtid_of(b, &mut gtids, c.event) {
                Some(g) => json_str(&mut out, &g),
                None => out.push_str("null"),
            }
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push_str("]}\n");
    out
}

fn conflicts_text(b: &Binlogs, tables: &[TableConflicts]) -> String {
    if tables.is_empty() {
        return "no conflicts: nothing after the range changes its rows again\n".into();
    }
    conflict_lines(b, tables, usize::MAX)
}
