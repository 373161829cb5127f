//! Non-interactive subcommands: the same engine as the TUI, for scripts and tests.
//!
//! Each subcommand writes to `&mut impl Write` so it can be tested as golden text.
//! May import `format`, `index`, `filter` and `export`; never `tui`.

pub mod dump;
mod dump_filter;
mod dump_parallel;
pub mod index_cmd;
mod jsonl;
pub mod panic;
pub mod replay_cmd;
pub mod sql;
pub mod stats;
mod text;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// binlens: explore MySQL and MariaDB binary logs.
///
/// With no subcommand, opens the interactive browser over the given binlogs.
#[derive(Debug, Parser)]
#[command(name = "binlens", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Binlog files, a directory, or a server's `*.index` file to browse.
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every event (jsonl: one JSON object per event; text: for people).
    Dump(dump::DumpArgs),
    /// Build (or refresh) the event index and print a one-line summary.
    Index(index_cmd::IndexArgs),
    /// Print the mysqlbinlog/mariadb-binlog command that replays a range of transactions.
    ReplayCmd(replay_cmd::ReplayArgs),
    /// Print redo or undo SQL for the row events of a range.
    Sql(sql::SqlArgs),
    /// Summarize a set: time span, events by type, row events by table, largest transactions.
    Stats(stats::StatsArgs),
}

/// What `main` should do.
pub enum Invocation {
    Browse(Vec<PathBuf>),
    Command(Command),
}

pub fn parse() -> Invocation {
    let cli = Cli::parse();
    match cli.command {
        Some(c) => Invocation::Command(c),
        None => Invocation::Browse(cli.paths),
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
        Command::Stats(a) => {
            let clean = stats::run(a, out, err)?;
            Ok(if clean { Status::Ok } else { Status::Error })
        }
        Command::Index(a) => {
            let clean = index_cmd::run(a, out, err)?;
            Ok(if clean { Status::Ok } else { Status::Error })
        }
        Command::ReplayCmd(a) => {
            let clean = replay_cmd::run(a, out, err)?;
            Ok(if clean { Status::Ok } else { Status::Error })
        }
        Command::Sql(a) => {
            let clean = sql::run(a, out, err)?;
            Ok(if clean { Status::Ok } else { Status::Error })
        }
    }
}

/// Opens and indexes a set, with the index cache unless `no_cache`; an error is said
/// on `err` and gives `None`.
fn open_set(
    paths: &[PathBuf],
    no_cache: bool,
    err: &mut impl Write,
) -> std::io::Result<Option<crate::index::Binlogs>> {
    let options = if no_cache {
        crate::index::OpenOptions::default()
    } else {
        crate::index::OpenOptions::cached()
    };
    match crate::index::Binlogs::open_with(paths, options) {
        Ok(b) => Ok(Some(b)),
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            Ok(None)
        }
    }
}
