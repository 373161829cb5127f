//! `binlens replay-cmd`: print the command that replays a range of transactions.

use std::io::Write;
use std::path::PathBuf;

use crate::export::ErrorKind;
use crate::export::replay::{self, ReplayRequest};
use crate::format::Flavor;
use crate::lang::ParseContext;

use super::{RangeArgs, RangeLocs, Status};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FlavorArg {
    Mysql,
    Mariadb,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub range: RangeArgs,
    /// Which tools to print (default: from the binlog's server version).
    #[arg(long, value_enum)]
    pub flavor: Option<FlavorArg>,
    /// Select by GTIDs instead of positions.
    #[arg(long)]
    pub gtid: bool,
    /// Leave out the whole transaction that contains this LOC (repeatable).
    #[arg(long, value_name = "LOC")]
    pub skip: Vec<String>,
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
    /// Do not read or write the index cache (with it, the index is mapped from the
    /// cache, not held in memory).
    #[arg(long)]
    pub no_cache: bool,
    /// Binlog files, a directory, or a `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Arguments for the client, after `--`.
    #[arg(last = true)]
    pub client_args: Vec<String>,
}

pub fn run(
    args: &ReplayArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let Some(b) = super::open_set(&args.paths, args.no_cache, err)? else {
        return Ok(Status::Error);
    };
    let ctx = ParseContext::for_binlogs(&b, args.range.tz.choice());
    let locs = RangeLocs::parse(
        args.range.start.as_deref(),
        args.range.stop.as_deref(),
        &args.skip,
        &ctx,
    );
    let RangeLocs { start, stop, skip } = match locs {
        Ok(l) => l,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
    };
    let req = ReplayRequest {
        start,
        stop,
        flavor: args.flavor.map(|f| match f {
            FlavorArg::Mysql => Flavor::MySql,
            FlavorArg::Mariadb => Flavor::MariaDb,
        }),
        gtid: args.gtid,
        skip,
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
            if plan.preview.transactions == 0 {
                writeln!(
                    err,
                    "binlens: the range holds no transactions: nothing to replay"
                )?;
                return Ok(Status::NoMatch);
            }
            writeln!(err, "binlens: replays {}", plan.preview)?;
            writeln!(out, "{}", plan.command)?;
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
