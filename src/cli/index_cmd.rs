//! `binlens index`: build (or refresh) the index caches and print one summary line.

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

/// Indexes the set file by file (`index::summarize`): the caches written, the memory one
/// file's index per core, however many files there are.
pub fn run(args: &IndexArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let s = match crate::index::summarize(&args.paths, super::open_options(args.no_cache)) {
        Ok(s) => s,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(false);
        }
    };
    for n in &s.set.notes {
        writeln!(err, "binlens: note: {n}")?;
    }
    for p in &s.problems {
        writeln!(err, "binlens: {}: {}", s.named(p.at), p.message)?;
    }
    let first = s.earliest.map_or_else(|| "-".into(), utc);
    let last = s.latest.map_or_else(|| "-".into(), utc);
    writeln!(
        out,
        "files={} events={} transactions={} bytes={} first={} last={}",
        s.set.files.len(),
        s.events,
        s.transactions,
        s.bytes,
        first,
        last
    )?;
    Ok(s.problems.is_empty())
}
