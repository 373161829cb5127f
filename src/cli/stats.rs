//! `binlens stats`: what a range of a set holds — events and bytes by type, rows by
//! table and operation, the largest and longest transactions, a histogram over time
//! (computed by [`crate::insight::stats`]; this module turns the arguments into its
//! scope and prints the result as text or JSON).

use std::io::Write;
use std::path::PathBuf;

use crate::export::range::{self, Loc};
use crate::filter::glob::TableGlob;
use crate::filter::time::{ParseContext, TimeZoneChoice, parse_instant};
use crate::format::display::escape_str;
use crate::index::{Binlogs, EventId, OpenOptions};
use crate::insight::{self, Scope, Stats};

use super::Status;
use super::stats_report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Count from this time on (UTC: `2034-03-09 14:44[:08]`, `14:44`, `@1717000000`, `-10m`).
    #[arg(long)]
    pub since: Option<String>,
    /// Count up to this time (exclusive).
    #[arg(long)]
    pub until: Option<String>,
    /// First event: FILE:POS, POS (single file) or a UTC date-time; a place inside a
    /// transaction moves to the next one.
    #[arg(long, value_parser = parse_loc)]
    pub start: Option<Loc>,
    /// Exclusive stop; a place inside a transaction moves back to its start.
    #[arg(long, value_parser = parse_loc)]
    pub stop: Option<Loc>,
    /// Only tables matching this `schema.table` glob (repeatable): their rows, and the
    /// transactions that touch them.
    #[arg(long = "table")]
    pub tables: Vec<String>,
    /// How many of the largest and of the longest transactions to list.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    pub format: StatsFormat,
    /// Binlog files, a directory, or a server's `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

fn parse_loc(s: &str) -> Result<Loc, String> {
    Loc::parse(s).map_err(|e| e.to_string())
}

pub fn run(
    args: &StatsArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let b = match Binlogs::open_with(&args.paths, OpenOptions::cached()) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    for n in &b.set.notes {
        writeln!(err, "binlens: note: {}", escape_str(&n.to_string()))?;
    }
    for p in &b.problems {
        writeln!(
            err,
            "binlens: {}: {}",
            escape_str(&b.location_text(p.at)),
            p.message
        )?;
    }
    let (start, end) = match bounds(&b, args, err)? {
        Some(r) => r,
        None => return Ok(Status::Error),
    };
    let globs: Vec<TableGlob> = args.tables.iter().map(|t| TableGlob::new(t)).collect();
    let select = |schema: &[u8], table: &[u8]| globs.iter().any(|g| g.matches(schema, table));
    let scope = Scope {
        start,
        end,
        tables: (!globs.is_empty()).then_some(&select as &dyn Fn(&[u8], &[u8]) -> bool),
        top: args.top,
    };
    let stats = insight::compute(&b, &scope, &mut |_, _| true).unwrap_or_default();
    if let Some(why) = nothing_selected(&b, args, &stats, start, end) {
        writeln!(err, "binlens: {}", escape_str(&why))?;
        return Ok(Status::NoMatch);
    }
    if stats.unreadable > 0 {
        writeln!(
            err,
            "binlens: warning: the rows of {} rows event(s) could not all be counted",
            stats.unreadable
        )?;
        for e in &stats.unreadable_examples {
            writeln!(err, "binlens:   {}", escape_str(e))?;
        }
    }
    match args.format {
        StatsFormat::Text => stats_report::text(&b, &stats, out)?,
        StatsFormat::Json => stats_report::json(&b, &stats, out)?,
    }
    Ok(if b.problems.is_empty() {
        Status::Ok
    } else {
        Status::Error
    })
}

/// The range of events `--start/--stop` and `--since/--until` select, as whole
/// transactions; `None` after printing why it cannot be resolved.
fn bounds(
    b: &Binlogs,
    args: &StatsArgs,
    err: &mut impl Write,
) -> std::io::Result<Option<(EventId, EventId)>> {
    let ctx = ParseContext::for_binlogs(b, TimeZoneChoice::Utc);
    let time = |flag: &str, text: &Option<String>| -> Result<Option<Loc>, String> {
        let Some(t) = text else { return Ok(None) };
        let ts = parse_instant(t, &ctx).map_err(|e| format!("--{flag} {t:?}: {}", e.message))?;
        u32::try_from(ts)
            .map(|ts| Some(Loc::Time(ts)))
            .map_err(|_| format!("--{flag} {t:?}: outside the range of binlog times"))
    };
    let times = time("since", &args.since).and_then(|s| Ok((s, time("until", &args.until)?)));
    let (since, until) = match times {
        Ok(t) => t,
        Err(e) => {
            writeln!(err, "binlens: {}", escape_str(&e))?;
            return Ok(None);
        }
    };
    let mut notes = Vec::new();
    let r = range::resolve(b, args.start.as_ref(), args.stop.as_ref(), true, &mut notes).and_then(
        |r| {
            let t = range::resolve(b, since.as_ref(), until.as_ref(), true, &mut notes)?;
            Ok((r.start.max(t.start), r.end.min(t.end)))
        },
    );
    for n in &notes {
        writeln!(err, "binlens: note: {}", escape_str(n))?;
    }
    match r {
        Ok((s, e)) => Ok(Some((s, e.max(s)))),
        Err(e) => {
            writeln!(err, "binlens: {}", escape_str(&e.to_string()))?;
            Ok(None)
        }
    }
}

/// Why nothing was counted, naming the option that selected nothing.
fn nothing_selected(
    b: &Binlogs,
    args: &StatsArgs,
    st: &Stats,
    start: EventId,
    end: EventId,
) -> Option<String> {
    if start >= end && !b.index.is_empty() {
        let mut what = Vec::new();
        for (flag, v) in [("--since", &args.since), ("--until", &args.until)] {
            if let Some(v) = v {
                what.push(format!("{flag} {v}"));
            }
        }
        for (flag, v) in [("--start", &args.start), ("--stop", &args.stop)] {
            if let Some(v) = v {
                what.push(format!("{flag} {}", loc_text(v)));
            }
        }
        return Some(format!(
            "no transaction in the range {} ({} to {})",
            what.join(" "),
            range::boundary_text(b, start),
            range::boundary_text(b, end)
        ));
    }
    if !args.tables.is_empty() && st.tables.is_empty() {
        let globs: Vec<String> = args.tables.iter().map(|t| format!("--table {t}")).collect();
        let scope = if start.0 == 0 && end.0 as usize == b.index.len() {
            "the set".to_string()
        } else {
            format!(
                "{} to {}",
                range::boundary_text(b, start),
                range::boundary_text(b, end)
            )
        };
        return Some(format!(
            "no rows of a table matching {} in {scope}",
            globs.join(" ")
        ));
    }
    None
}

fn loc_text(l: &Loc) -> String {
    match l {
        Loc::At { file: Some(f), pos } => format!("{f}:{pos}"),
        Loc::At { file: None, pos } => pos.to_string(),
        Loc::Time(ts) => stats_report::utc(*ts),
    }
}
