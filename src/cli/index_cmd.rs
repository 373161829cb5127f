//! `binlens index`: build (or refresh) the index and print one summary line.

use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Do not read or write the index cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Binlog files, a directory, or a server's `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

fn utc(ts: u32) -> String {
    crate::lang::time::format_rfc3339(i64::from(ts))
}

pub fn run(args: &IndexArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let Some(b) = super::open_set(&args.paths, args.no_cache, err)? else {
        return Ok(false);
    };
    for n in &b.set.notes {
        writeln!(err, "binlens: note: {n}")?;
    }
    for p in &b.problems {
        writeln!(err, "binlens: {}: {}", b.named(p.at), p.message)?;
    }
    let idx = &b.index;
    let bytes: u64 = b.set.files.iter().map(|f| f.map.bytes().len() as u64).sum();
    let first = idx.earliest_time().map_or_else(|| "-".into(), utc);
    let last = idx.latest_time().map_or_else(|| "-".into(), utc);
    writeln!(
        out,
        "files={} events={} transactions={} bytes={} first={} last={}",
        b.set.files.len(),
        idx.len(),
        idx.txn_count(),
        bytes,
        first,
        last
    )?;
    Ok(b.problems.is_empty())
}
