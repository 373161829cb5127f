//! `binlens sql`: redo or undo SQL for the row events of a range.

use std::io::Write;
use std::path::PathBuf;

use crate::export::ErrorKind;
use crate::export::range;
use crate::export::sql::{self, Direction, SqlRequest};
use crate::format::display::escape_str;
use crate::index::Binlogs;
use crate::lang::ParseContext;

use super::{RangeLocs, Status, TzArg};

#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// Print the changes forwards.
    #[arg(long, conflicts_with = "undo", required_unless_present = "undo")]
    pub redo: bool,
    /// Print the inverse changes, newest first.
    #[arg(long)]
    pub undo: bool,
    /// First event: FILE:POS, POS (single file) or a date-time (see --tz).
    #[arg(long, value_name = "LOC")]
    pub start: Option<String>,
    /// Exclusive stop.
    #[arg(long, value_name = "LOC")]
    pub stop: Option<String>,
    /// The zone in which date-times are read.
    #[arg(long, value_enum, default_value_t = TzArg::Utc)]
    pub tz: TzArg,
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
    /// Binlog files, a directory, or a `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: &SqlArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<Status> {
    let b = match Binlogs::open(&args.paths) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let schema_script = match &args.schema {
        Some(p) => match std::fs::read(p) {
            Ok(s) => Some(s),
            Err(e) => {
                writeln!(err, "binlens: {}: {e}", p.display())?;
                return Ok(Status::Error);
            }
        },
        None => None,
    };
    let ctx = ParseContext::for_binlogs(&b, args.tz.choice());
    let locs = RangeLocs::parse(args.start.as_deref(), args.stop.as_deref(), &[], &ctx);
    let RangeLocs { start, stop, .. } = match locs {
        Ok(l) => l,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let mut notes = Vec::new();
    let result =
        range::resolve(&b, start.as_ref(), stop.as_ref(), args.snap, &mut notes).and_then(|r| {
            sql::export(
                &b,
                &SqlRequest {
                    direction: if args.undo {
                        Direction::Undo
                    } else {
                        Direction::Redo
                    },
                    range: r,
                    tables: args.tables.clone(),
                    schema_script,
                },
            )
        });
    for n in &notes {
        writeln!(err, "binlens: {n}")?;
    }
    match result {
        Ok(export) => {
            for w in &export.warnings {
                writeln!(err, "binlens: warning: {w}")?;
            }
            if export.transactions == 0 {
                writeln!(
                    err,
                    "binlens: {}",
                    nothing_selected(args, &export.tables_seen)
                )?;
                return Ok(Status::NoMatch);
            }
            out.write_all(export.text.as_bytes())?;
            Ok(Status::Ok)
        }
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            Ok(match e.kind {
                ErrorKind::NothingSelected => Status::NoMatch,
                _ => Status::Error,
            })
        }
    }
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
