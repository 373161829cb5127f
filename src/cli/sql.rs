//! `binlens sql`: redo or undo SQL for the row events of a range.

use std::io::Write;
use std::path::PathBuf;

use crate::export::ErrorKind;
use crate::export::conflicts::{conflicts, rows_after};
use crate::export::diff::DiffRequest;
use crate::export::range::{self, Range};
use crate::export::sql::{self, Direction, SqlRequest, WriteError};
use crate::format::display::escape_str;
use crate::index::Binlogs;
use crate::schema::Catalog;

use super::{RangeArgs, RangeLocs, Status};

#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// Print the changes forwards.
    #[arg(long, conflicts_with = "undo", required_unless_present = "undo")]
    pub redo: bool,
    /// Print the inverse changes, newest first.
    #[arg(long)]
    pub undo: bool,
    #[command(flatten)]
    pub range: RangeArgs,
    /// Only tables matching this `schema.table` glob (repeatable).
    #[arg(long = "table")]
    pub tables: Vec<String>,
    /// A file of CREATE TABLE statements (e.g. mysqldump output) for column names.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Column names from a live server's information_schema, as it is now: the server
    /// as `=mysql://user@host:port`, or given with --socket/--host.
    #[arg(long, value_name = "CONNECTION", num_args = 0..=1, require_equals = true, conflicts_with = "schema")]
    pub schema_from_server: Option<Option<String>>,
    #[command(flatten)]
    pub connection: super::fetch::ConnectionArgs,
    /// With --undo: refuse when a later transaction changes rows the range changed
    /// (the undo would overwrite that later work).
    #[arg(long, requires = "undo")]
    pub strict: bool,
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

pub fn run(args: &SqlArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<Status> {
    let Some(b) = super::open_set(&args.paths, args.no_cache, err)? else {
        return Ok(Status::Error);
    };
    let schema_script = match &args.schema {
        Some(p) => match std::fs::read(p) {
            Ok(s) => Some(s),
            Err(e) => {
                writeln!(err, "binlens: {}: {e}", p.display())?;
                return Ok(Status::Error);
            }
        },
        None => match &args.schema_from_server {
            Some(url) => {
                match super::server_schema::from_server(url.as_deref(), &args.connection) {
                    Ok((script, note)) => {
                        writeln!(err, "binlens: note: {note}")?;
                        Some(script)
                    }
                    Err(e) => {
                        writeln!(err, "binlens: --schema-from-server: {e}")?;
                        return Ok(Status::Error);
                    }
                }
            }
            None => None,
        },
    };
    let RangeLocs { start, stop, .. } = match args.range.locs(&b) {
        Ok(l) => l,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let mut notes = Vec::new();
    let range = range::resolve(&b, start.as_ref(), stop.as_ref(), args.snap, &mut notes);
    for n in &notes {
        writeln!(err, "binlens: {n}")?;
    }
    let request = SqlRequest {
        direction: if args.undo {
            Direction::Undo
        } else {
            Direction::Redo
        },
        range: match range {
            Ok(r) => r,
            Err(e) => return failed(&e, err),
        },
        tables: args.tables.clone(),
        schema_script,
    };
    // The first pass counts and checks; nothing is written before it is done.
    let plan = match sql::plan(&b, &request) {
        Ok(p) => p,
        Err(e) => return failed(&e, err),
    };
    for w in &plan.warnings {
        writeln!(err, "binlens: warning: {w}")?;
    }
    if plan.transactions == 0 {
        writeln!(
            err,
            "binlens: {}",
            nothing_selected(args, &plan.tables_seen())
        )?;
        return Ok(Status::NoMatch);
    }
    if args.undo {
        let r = range::resolve(
            &b,
            start.as_ref(),
            stop.as_ref(),
            args.snap,
            &mut Vec::new(),
        );
        if let Ok(r) = r {
            let script = request.schema_script.as_deref();
            if !undo_conflicts(&b, args, r, script, err)? {
                return Ok(Status::Error);
            }
        }
    }
    // Written as it is made: memory stays bounded by the largest transaction.
    match plan.write(out) {
        Ok(()) => Ok(Status::Ok),
        Err(WriteError::Io(e)) => Err(e),
        Err(WriteError::Export(e)) => failed(&e, err),
    }
}

/// Says why the export failed; the status it ends with.
fn failed(e: &crate::export::Error, err: &mut impl Write) -> std::io::Result<Status> {
    writeln!(err, "binlens: {e}")?;
    Ok(match e.kind {
        ErrorKind::NothingSelected => Status::NoMatch,
        _ => Status::Error,
    })
}

/// What selected no row changes: the `--table` globs (with the tables that the range does
/// have rows of), or the range itself.
fn nothing_selected(args: &SqlArgs, seen: &[String]) -> String {
    if args.tables.is_empty() || seen.is_empty() {
        return "no row events in the range: nothing to write".into();
    }
    let globs: Vec<String> = args.tables.iter().map(|g| escape_str(g)).collect();
    let mut have: Vec<String> = seen.iter().take(10).map(|t| escape_str(t)).collect();
    if seen.len() > have.len() {
        have.push(format!("and {} more", seen.len() - have.len()));
    }
    format!(
        "--table {} matched no table with row events in the range (tables there: {}; a pattern with an upper-case letter matches case exactly)",
        globs.join(", "),
        have.join(", ")
    )
}

/// How many rows of the undone range later transactions change again (the undo would
/// overwrite them), with the first ones; false when `--strict` refuses because of them.
fn undo_conflicts(
    b: &Binlogs,
    args: &SqlArgs,
    range: Range,
    script: Option<&[u8]>,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    if !rows_after(b, range) {
        return Ok(true);
    }
    let catalog = Catalog::build(b, script);
    let req = DiffRequest {
        range,
        tables: args.tables.clone(),
    };
    let found = match conflicts(b, &catalog, &req) {
        Ok(c) => c,
        Err(e) => {
            writeln!(
                err,
                "binlens: warning: conflicts not checked: {}",
                escape_str(&e.message)
            )?;
            return Ok(!args.strict);
        }
    };
    let n: usize = found.iter().map(|t| t.conflicts.len()).sum();
    if n == 0 {
        return Ok(true);
    }
    let lead = if args.strict { "refusing" } else { "warning" };
    writeln!(
        err,
        "binlens: {lead}: {n} row(s) the undo restores are changed again by later transactions (the undo would overwrite that work; see binlens diff --conflicts):"
    )?;
    for l in crate::export::diff_text::conflict_lines(b, &found, 5).lines() {
        writeln!(err, "binlens:   {l}")?;
    }
    Ok(!args.strict)
}
