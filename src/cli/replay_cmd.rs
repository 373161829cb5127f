//! `binlens replay-cmd`: print the command that replays a range of transactions.

use std::io::Write;
use std::path::PathBuf;

use crate::export::range::Loc;
use crate::export::replay::{self, ReplayRequest};
use crate::format::Flavor;
use crate::index::Binlogs;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FlavorArg {
    Mysql,
    Mariadb,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// First event replayed: FILE:POS, POS (single file) or a UTC date-time.
    #[arg(long, value_parser = parse_loc)]
    pub start: Option<Loc>,
    /// Exclusive stop: no event starting at or after it is replayed.
    #[arg(long, value_parser = parse_loc)]
    pub stop: Option<Loc>,
    /// Which tools to print (default: from the binlog's server version).
    #[arg(long, value_enum)]
    pub flavor: Option<FlavorArg>,
    /// Select by GTIDs instead of positions.
    #[arg(long)]
    pub gtid: bool,
    /// Leave out the whole transaction that contains this LOC (repeatable).
    #[arg(long, value_parser = parse_loc)]
    pub skip: Vec<Loc>,
    /// Only events of this default database (`--database` of the binlog tool).
    #[arg(long)]
    pub database: Option<String>,
    /// Do not write the replayed events to the target server's binlog.
    #[arg(long)]
    pub disable_log_bin: bool,
    /// Move a start or stop inside a transaction to the nearest boundary that leaves
    /// the partial transaction out, instead of refusing.
    #[arg(long)]
    pub snap: bool,
    /// Binlog files, a directory, or a `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Arguments for the client, after `--`.
    #[arg(last = true)]
    pub client_args: Vec<String>,
}

fn parse_loc(s: &str) -> Result<Loc, String> {
    Loc::parse(s).map_err(|e| e.to_string())
}

pub fn run(args: &ReplayArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let b = match Binlogs::open(&args.paths) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(false);
        }
    };
    let req = ReplayRequest {
        start: args.start.clone(),
        stop: args.stop.clone(),
        flavor: args.flavor.map(|f| match f {
            FlavorArg::Mysql => Flavor::MySql,
            FlavorArg::Mariadb => Flavor::MariaDb,
        }),
        gtid: args.gtid,
        skip: args.skip.clone(),
        database: args.database.clone(),
        disable_log_bin: args.disable_log_bin,
        client_args: args.client_args.clone(),
        snap: args.snap,
    };
    match replay::plan(&b, &req) {
        Ok(plan) => {
            for n in &plan.notes {
                writeln!(err, "binlens: {n}")?;
            }
            writeln!(err, "binlens: replays {}", plan.preview)?;
            writeln!(out, "{}", plan.command)?;
            Ok(true)
        }
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            Ok(false)
        }
    }
}
