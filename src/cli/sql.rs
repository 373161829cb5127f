//! `binlens sql`: redo or undo SQL for the row events of a range.

use std::io::Write;
use std::path::PathBuf;

use crate::export::range::{self, Loc};
use crate::export::sql::{self, Direction, SqlRequest, WriteError};

#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// Print the changes forwards.
    #[arg(long, conflicts_with = "undo", required_unless_present = "undo")]
    pub redo: bool,
    /// Print the inverse changes, newest first.
    #[arg(long)]
    pub undo: bool,
    /// First event: FILE:POS, POS (single file) or a UTC date-time.
    #[arg(long, value_parser = parse_loc)]
    pub start: Option<Loc>,
    /// Exclusive stop.
    #[arg(long, value_parser = parse_loc)]
    pub stop: Option<Loc>,
    /// Only tables matching this `schema.table` glob (repeatable).
    #[arg(long = "table")]
    pub tables: Vec<String>,
    /// A file of CREATE TABLE statements (e.g. mysqldump output) for column names.
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

fn parse_loc(s: &str) -> Result<Loc, String> {
    Loc::parse(s).map_err(|e| e.to_string())
}

pub fn run(args: &SqlArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let Some(b) = super::open_set(&args.paths, args.no_cache, err)? else {
        return Ok(false);
    };
    let schema_script = match &args.schema {
        Some(p) => match std::fs::read(p) {
            Ok(s) => Some(s),
            Err(e) => {
                writeln!(err, "binlens: {}: {e}", p.display())?;
                return Ok(false);
            }
        },
        None => None,
    };
    let mut notes = Vec::new();
    let range = range::resolve(
        &b,
        args.start.as_ref(),
        args.stop.as_ref(),
        args.snap,
        &mut notes,
    );
    for n in &notes {
        writeln!(err, "binlens: {n}")?;
    }
    let request = |r| SqlRequest {
        direction: if args.undo {
            Direction::Undo
        } else {
            Direction::Redo
        },
        range: r,
        tables: args.tables.clone(),
        schema_script,
    };
    // Written as it is made: memory stays bounded by the largest transaction.
    match range.map(|r| sql::write_sql(&b, &request(r), out)) {
        Ok(Ok(warnings)) => {
            for w in &warnings {
                writeln!(err, "binlens: warning: {w}")?;
            }
            Ok(true)
        }
        Ok(Err(WriteError::Io(e))) => Err(e),
        Ok(Err(WriteError::Export(e))) | Err(e) => {
            writeln!(err, "binlens: {e}")?;
            Ok(false)
        }
    }
}
