//! Non-interactive subcommands: the same engine as the TUI, for scripts and tests.
//!
//! Each subcommand writes to `&mut impl Write` so it can be tested as golden text.
//! May import `format`, `index`, `insight`, `schema`, `lang`, `filter`, `export` and
//! `source` and `archive`; never `tui`.

pub mod diff;
pub mod dump;
mod dump_filter;
mod dump_parallel;
mod dump_statements;
#[cfg(feature = "parquet")]
pub mod export_cmd;
pub mod fetch;
pub mod history;
pub mod index_cmd;
mod jsonl;
mod memo;
pub mod panic;
pub mod replay_cmd;
mod server_schema;
pub mod sql;
pub mod stats;
mod stats_report;
mod text;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::format::display::escape_str;
use crate::lang::{Loc, ParseContext, TimeZoneChoice};

/// binlens: explore MySQL and MariaDB binary logs.
///
/// With no subcommand, opens the interactive browser over the given binlogs.
#[derive(Debug, Parser)]
#[command(name = "binlens", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Binlog files, a directory, or a server's `*.index` file to browse; or a live
    /// server, `mysql://user@host:port`, fetched into a spool and followed.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub connection: fetch::ConnectionArgs,
    /// With a live server: column names from its information_schema, as it is now.
    #[arg(long)]
    pub schema_from_server: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every event (jsonl: one JSON object per event; text: for people).
    Dump(dump::DumpArgs),
    /// Copy a live server's binlogs, byte for byte, into a local spool directory.
    Fetch(Box<fetch::FetchArgs>),
    /// Build (or refresh) the event index and print a one-line summary.
    Index(index_cmd::IndexArgs),
    /// Print the mysqlbinlog/mariadb-binlog command that replays a range of transactions.
    ReplayCmd(replay_cmd::ReplayArgs),
    /// Print redo or undo SQL for the row events of a range.
    Sql(sql::SqlArgs),
    /// The net effect of a range per table by primary key (inserted, deleted, changed
    /// rows), or with --conflicts the rows it changed that later transactions change again.
    Diff(diff::DiffArgs),
    /// Every change of one row (by primary key) across the set, oldest first.
    History(history::HistoryArgs),
    /// Summarize a range: events by type, rows by table, largest transactions, a histogram.
    Stats(stats::StatsArgs),
    /// Write a range as a Parquet archive (events and row changes) for analytical engines.
    #[cfg(feature = "parquet")]
    Export(export_cmd::ExportArgs),
}

/// The zone in which times typed on the command line are read (`--tz`); a time with `Z`
/// or an offset (`+02:00`) is read as written in either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TzArg {
    Utc,
    Local,
}

impl TzArg {
    pub fn choice(self) -> TimeZoneChoice {
        match self {
            TzArg::Utc => TimeZoneChoice::Utc,
            TzArg::Local => TimeZoneChoice::Local,
        }
    }
}

/// Reads the LOC given to `--flag`, in `ctx`.
pub fn parse_loc(flag: &str, text: &str, ctx: &ParseContext) -> Result<Loc, String> {
    Loc::parse(text, ctx).map_err(|e| format!("--{flag} {}: {}", escape_str(text), e.message))
}

/// `--start`, `--stop` and `--tz`, as every command over a range takes them.
#[derive(Debug, Clone, clap::Args)]
pub struct RangeArgs {
    /// First event: FILE:POS, POS (single file) or a date-time (see --tz).
    #[arg(long, value_name = "LOC")]
    pub start: Option<String>,
    /// Exclusive stop: no event starting at or after it is in the range.
    #[arg(long, value_name = "LOC")]
    pub stop: Option<String>,
    /// The zone in which date-times are read (one with `Z` or an offset is read as written).
    #[arg(long, value_enum, default_value_t = TzArg::Utc)]
    pub tz: TzArg,
}

impl RangeArgs {
    /// `--start` and `--stop` read in the `--tz` zone, time-only values on `b`'s first day.
    pub fn locs(&self, b: &crate::index::Binlogs) -> Result<RangeLocs, String> {
        let ctx = ParseContext::for_binlogs(b, self.tz.choice());
        RangeLocs::parse(self.start.as_deref(), self.stop.as_deref(), &[], &ctx)
    }
}

/// The LOCs of `--start`, `--stop` and `--skip`, read in one context.
#[derive(Debug, Clone, Default)]
pub struct RangeLocs {
    pub start: Option<Loc>,
    pub stop: Option<Loc>,
    pub skip: Vec<Loc>,
}

impl RangeLocs {
    pub fn parse(
        start: Option<&str>,
        stop: Option<&str>,
        skip: &[String],
        ctx: &ParseContext,
    ) -> Result<RangeLocs, String> {
        Ok(RangeLocs {
            start: start.map(|t| parse_loc("start", t, ctx)).transpose()?,
            stop: stop.map(|t| parse_loc("stop", t, ctx)).transpose()?,
            skip: (skip.iter().map(|t| parse_loc("skip", t, ctx))).collect::<Result<_, _>>()?,
        })
    }
}

/// A live server to browse.
pub struct LiveRequest {
    pub server: crate::source::ConnectOptions,
    /// `--schema-from-server`.
    pub schema_from_server: bool,
}

/// What `main` should do.
pub enum Invocation {
    Browse(Vec<PathBuf>),
    /// `binlens mysql://…` (or `--socket`/`--host`): browse a live server, or why its
    /// connection options are wrong.
    Live(Result<LiveRequest, String>),
    Command(Command),
}

pub fn parse() -> Invocation {
    let cli = Cli::parse();
    match cli.command {
        Some(c) => Invocation::Command(c),
        None => {
            let url = match cli.paths.as_slice() {
                [one] => one.to_str().filter(|s| crate::source::Url::looks_like(s)),
                _ => None,
            };
            let c = &cli.connection;
            if url.is_some() || c.socket.is_some() || c.host.is_some() {
                if url.is_none() && !cli.paths.is_empty() {
                    return Invocation::Live(Err(
                        "give either binlog paths or a server, not both".into()
                    ));
                }
                Invocation::Live(c.resolve(url).map(|server| LiveRequest {
                    server,
                    schema_from_server: cli.schema_from_server,
                }))
            } else {
                Invocation::Browse(cli.paths)
            }
        }
    }
}

/// Exit status of a subcommand: 0 ok, 1 nothing matched, 2 error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    NoMatch,
    Error,
}

pub fn run(cmd: &Command, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<Status> {
    match cmd {
        Command::Dump(a) => dump::run_status(a, out, err),
        Command::Diff(a) => diff::run(a, out, err),
        Command::Fetch(a) => fetch::run(a, out, err),
        Command::History(a) => history::run(a, out, err),
        Command::Stats(a) => stats::run(a, out, err),
        Command::Index(a) => {
            let clean = index_cmd::run(a, out, err)?;
            Ok(if clean { Status::Ok } else { Status::Error })
        }
        Command::ReplayCmd(a) => replay_cmd::run(a, out, err),
        Command::Sql(a) => sql::run(a, out, err),
        #[cfg(feature = "parquet")]
        Command::Export(a) => export_cmd::run(a, out, err),
    }
}

/// How to open a set: with the index cache unless `no_cache`.
fn open_options(no_cache: bool) -> crate::index::OpenOptions {
    if no_cache {
        crate::index::OpenOptions::default()
    } else {
        crate::index::OpenOptions::cached()
    }
}

/// Opens and indexes a set, with the index cache unless `no_cache`; an error is said
/// on `err` and gives `None`.
fn open_set(
    paths: &[PathBuf],
    no_cache: bool,
    err: &mut impl Write,
) -> std::io::Result<Option<crate::index::Binlogs>> {
    match crate::index::Binlogs::open_with(paths, open_options(no_cache)) {
        Ok(b) => Ok(Some(b)),
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            Ok(None)
        }
    }
}
