//! `binlens export --format parquet`: a range of binlogs as a Parquet archive.
//!
//! Locations, times and `--table` globs are read in the one command-line language
//! ([`crate::lang`], as for `sql` and `replay-cmd`) and the range is resolved to
//! transaction boundaries by [`crate::export::range`]; the archive layer gets the result.

use std::io::Write;
use std::path::PathBuf;

use crate::archive::{self, Request};
use crate::export::range;
use crate::format::display::escape_str;
use crate::index::Binlogs;
use crate::lang::{ParseContext, TableGlob, parse_instant};

use super::{RangeLocs, Status, TzArg};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `DIR/events.parquet` and `DIR/rows/db=<db>/table=<table>/part-<n>.parquet`.
    Parquet,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The directory to write; it must be empty or new unless --force.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Write into a directory that is not empty (files of the same names are replaced).
    #[arg(long)]
    pub force: bool,
    /// First event: FILE:POS, POS (single file) or a date-time (see --tz); a transaction
    /// boundary.
    #[arg(long, value_name = "LOC")]
    pub start: Option<String>,
    /// Exclusive stop, a transaction boundary.
    #[arg(long, value_name = "LOC")]
    pub stop: Option<String>,
    /// Move a start or stop inside a transaction to the nearest boundary that leaves
    /// the partial transaction out, instead of refusing.
    #[arg(long)]
    pub snap: bool,
    /// Only events at or after this time (`2034-03-09 14:00`, `@1717000000`, `-10m`).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only events before this time.
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// The zone in which --start, --stop, --since and --until are read.
    #[arg(long, value_enum, default_value_t = TzArg::Utc)]
    pub tz: TzArg,
    /// Only tables matching this `schema.table` glob (repeatable).
    #[arg(long = "table", value_name = "GLOB")]
    pub tables: Vec<String>,
    /// A file of CREATE TABLE statements (e.g. mysqldump output) for column names.
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

/// Runs the export; prints a summary line on `out` and problems on `err`. Exits 1 when
/// the selection holds no events (or `--table` no row changes), 2 when a file is damaged (what precedes the damage is
/// written) or the export cannot be made.
pub fn run(
    args: &ExportArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let mut notes = Vec::new();
    let result = export(args, &mut notes);
    for n in &notes {
        writeln!(err, "binlens: {n}")?;
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    for p in &summary.problems {
        writeln!(err, "binlens: {}", escape_str(p))?;
    }
    writeln!(
        out,
        "{} events, {} row changes, {} files in {}",
        summary.events,
        summary.rows,
        summary.files.len(),
        escape_str(&args.to.display().to_string())
    )?;
    if !summary.problems.is_empty() {
        return Ok(Status::Error);
    }
    if summary.events == 0 {
        writeln!(err, "binlens: no events in the range: nothing exported")?;
        return Ok(Status::NoMatch);
    }
    if !args.tables.is_empty() && summary.rows == 0 {
        let globs: Vec<String> = args.tables.iter().map(|g| escape_str(g)).collect();
        writeln!(
            err,
            "binlens: --table {} matched no row changes in the range",
            globs.join(", ")
        )?;
        return Ok(Status::NoMatch);
    }
    Ok(Status::Ok)
}

/// Opens the set, reads the arguments in its context and writes the archive.
fn export(args: &ExportArgs, notes: &mut Vec<String>) -> Result<archive::Summary, String> {
    let b = Binlogs::open_with(&args.paths, super::open_options(args.no_cache))
        .map_err(|e| e.to_string())?;
    let schema_script = match &args.schema {
        Some(p) => Some(std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => None,
    };
    let ctx = ParseContext::for_binlogs(&b, args.tz.choice());
    let instant = |flag: &str, t: &Option<String>| match t {
        None => Ok(None),
        Some(t) => parse_instant(t, &ctx)
            .map(Some)
            .map_err(|e| format!("--{flag} {}: {}", escape_str(t), e.message)),
    };
    let since = instant("since", &args.since)?;
    let until = instant("until", &args.until)?;
    let locs = RangeLocs::parse(args.start.as_deref(), args.stop.as_deref(), &[], &ctx)?;
    let r = range::resolve(
        &b,
        locs.start.as_ref(),
        locs.stop.as_ref(),
        args.snap,
        notes,
    )
    .map_err(|e| e.to_string())?;
    let tables: Vec<TableGlob> = args.tables.iter().map(|g| TableGlob::new(g)).collect();
    let req = Request {
        dir: &args.to,
        force: args.force,
        start: r.start,
        end: r.end,
        since,
        until,
        tables: &tables,
        schema_script: schema_script.as_deref(),
    };
    archive::export(&b, &req).map_err(|e| e.to_string())
}
