//! `binlens stats`: what a range of a set holds — events and bytes by type, rows by
//! table and operation, the largest and longest transactions, a histogram over time
//! (computed by [`crate::insight::stats`]; this module turns the arguments into its
//! scope and prints the result as text or JSON).

use std::io::Write;
use std::path::PathBuf;

use crate::export::range;
use crate::format::display::escape_str;
use crate::index::{Binlogs, EventId, OpenOptions};
use crate::insight::{self, Scope, Stats};
use crate::lang::{Loc, ParseContext, TableGlob, parse_instant};

use super::stats_report;
use super::{Status, TzArg, parse_loc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Count from this time on (`2034-03-09 14:44[:08]`, `14:44`, `@1717000000`, `-10m`;
    /// see --tz).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Count up to this time (exclusive).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// First event: FILE:POS, POS (single file) or a date-time; a place inside a
    /// transaction moves to the next one.
    #[arg(long, value_name = "LOC")]
    pub start: Option<String>,
    /// Exclusive stop; a place inside a transaction moves back to its start.
    #[arg(long, value_name = "LOC")]
    pub stop: Option<String>,
    /// The zone in which date-times are read.
    #[arg(long, value_enum, default_value_t = TzArg::Utc)]
    pub tz: TzArg,
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
            escape_str(&b.named(p.at).to_string()),
            p.message
        )?;
    }
    let Some((start, end)) = bounds(&b, args, err)? else {
        return Ok(Status::Error);
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
    let ctx = ParseContext::for_binlogs(b, args.tz.choice());
    let loc = |flag: &str, text: &Option<String>| -> Result<Option<Loc>, String> {
        text.as_ref().map(|t| parse_loc(flag, t, &ctx)).transpose()
    };
    let time = |flag: &str, text: &Option<String>| -> Result<Option<Loc>, String> {
        let Some(t) = text else { return Ok(None) };
        parse_instant(t, &ctx)
            .map(|ts| Some(Loc::Time(ts)))
            .map_err(|e| format!("--{flag} {}: {}", escape_str(t), e.message))
    };
    let parsed = (|| {
        Ok::<_, String>((
            loc("start", &args.start)?,
            loc("stop", &args.stop)?,
            time("since", &args.since)?,
            time("until", &args.until)?,
        ))
    })();
    let (start, stop, since, until) = match parsed {
        Ok(p) => p,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(None);
        }
    };
    let mut notes = Vec::new();
    let r = range::resolve(b, start.as_ref(), stop.as_ref(), true, &mut notes).and_then(|r| {
        let t = range::resolve(b, since.as_ref(), until.as_ref(), true, &mut notes)?;
        Ok((r.start.max(t.start), r.end.min(t.end)))
    });
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
        for (flag, v) in [
            ("--start", &args.start),
            ("--stop", &args.stop),
            ("--since", &args.since),
            ("--until", &args.until),
        ] {
            if let Some(v) = v {
                what.push(format!("{flag} {v}"));
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
        let globs: Vec<String> = args.tables.iter().map(|g| escape_str(g)).collect();
        let seen = tables_with_rows(b, start, end);
        let mut have: Vec<String> = seen.iter().take(10).map(|t| escape_str(t)).collect();
        if seen.len() > have.len() {
            have.push(format!("and {} more", seen.len() - have.len()));
        }
        if have.is_empty() {
            return Some("no row events in the range".into());
        }
        return Some(format!(
            "--table {} matched no table with row events in the range (tables there: {}; a pattern with an upper-case letter matches case exactly)",
            globs.join(", "),
            have.join(", ")
        ));
    }
    None
}

/// `schema.table` of the tables with rows events in `[start, end)` (payloads included),
/// sorted.
fn tables_with_rows(b: &Binlogs, start: EventId, end: EventId) -> Vec<String> {
    let idx = &b.index;
    let mut objs = std::collections::BTreeSet::new();
    for i in start.0..end.0 {
        let e = EventId(i);
        let k = idx.type_code(e);
        if k.is_rows() || k == crate::format::EventType::TRANSACTION_PAYLOAD {
            objs.extend(idx.objects_of(e));
        }
    }
    let names = idx.names();
    let mut v: Vec<String> = objs
        .into_iter()
        .filter_map(|o| {
            names
                .get(o)
                .filter(|n| n.table.is_some())
                .map(super::super::index::names::ObjectName::display)
        })
        .collect();
    v.sort();
    v
}
