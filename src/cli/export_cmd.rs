//! `binlens export --format parquet`: a range of binlogs as a Parquet archive.
//!
//! Locations are resolved with the same rules as `sql` and `replay-cmd`
//! ([`crate::export::range`]), `--table` globs match as in `sql`, and `--since`/`--until`
//! are read as in the filter language; the archive layer gets the resolved range.

use std::io::Write;
use std::path::PathBuf;

use crate::archive::{self, Request};
use crate::export::range::{self, Loc};
use crate::export::sql::glob;
use crate::filter::{ParseContext, TimeZoneChoice, parse_instant};
use crate::index::Binlogs;

use super::Status;
use super::dump::TzArg;
use super::sql::parse_loc;

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
    /// First event: FILE:POS, POS (single file) or a UTC date-time; a transaction boundary.
    #[arg(long, value_parser = parse_loc)]
    pub start: Option<Loc>,
    /// Exclusive stop, a transaction boundary.
    #[arg(long, value_parser = parse_loc)]
    pub stop: Option<Loc>,
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
    /// The zone in which --since and --until are read.
    #[arg(long, value_enum, default_value_t = TzArg::Utc)]
    pub tz: TzArg,
    /// Only tables matching this `schema.table` glob (repeatable).
    #[arg(long = "table", value_name = "GLOB")]
    pub tables: Vec<String>,
    /// Binlog files, a directory, or a `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs the export; prints a summary line on `out` and problems on `err`. Exits 1 when
/// the selection holds no events, 2 when a file is damaged (what precedes the damage is
/// written) or the export cannot be made.
pub fn run(
    args: &ExportArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let b = match Binlogs::open(&args.paths) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let tz = match args.tz {
        TzArg::Utc => TimeZoneChoice::Utc,
        TzArg::Local => TimeZoneChoice::Local,
    };
    let ctx = ParseContext::for_binlogs(&b, tz);
    let instant = |flag: &str, t: &Option<String>| match t {
        None => Ok(None),
        Some(t) => parse_instant(t, &ctx)
            .map(Some)
            .map_err(|e| format!("--{flag} {t:?}: {}", e.message)),
    };
    let (since, until) = match (instant("since", &args.since), instant("until", &args.until)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let mut notes = Vec::new();
    let r = range::resolve(
        &b,
        args.start.as_ref(),
        args.stop.as_ref(),
        args.snap,
        &mut notes,
    );
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
    let tables = |db: &[u8], table: &[u8]| {
        if args.tables.is_empty() {
            return true;
        }
        let full = format!(
            "{}.{}",
            String::from_utf8_lossy(db),
            String::from_utf8_lossy(table)
        );
        args.tables.iter().any(|g| glob(g, &full))
    };
    let req = Request {
        dir: &args.to,
        force: args.force,
        start: r.start,
        end: r.end,
        since,
        until,
        tables: &tables,
    };
    let summary = match archive::export(&b, &req) {
        Ok(s) => s,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    for p in &summary.problems {
        writeln!(err, "binlens: {}", crate::format::display::escape_str(p))?;
    }
    writeln!(
        out,
        "{} events, {} row changes, {} files in {}",
        summary.events,
        summary.rows,
        summary.files.len(),
        args.to.display()
    )?;
    Ok(if !summary.problems.is_empty() {
        Status::Error
    } else if summary.events == 0 {
        Status::NoMatch
    } else {
        Status::Ok
    })
}
