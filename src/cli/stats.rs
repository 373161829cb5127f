//! `binlens stats`: what a set of binlogs holds, from the index alone (no row decoding):
//! the time span, events by type, row events by table and operation, and the largest and
//! longest transactions.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use crate::format::display::escape_str;
use crate::format::{EventType, RowsOp};
use crate::index::{Binlogs, ObjectId, OpenOptions, TxnId};

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// How many of the largest and of the longest transactions to list.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Binlog files, a directory, or a server's `*.index` file.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

fn utc(ts: u32) -> String {
    crate::lang::format_instant(i64::from(ts), crate::lang::TimeZoneChoice::Utc)
}

/// Row events per table: (insert, update, delete) counts.
type TableOps = BTreeMap<String, [u64; 3]>;

pub fn run(args: &StatsArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let b = match Binlogs::open_with(&args.paths, OpenOptions::cached()) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(false);
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
    report(&b, args.top, out)?;
    Ok(b.problems.is_empty())
}

fn report(b: &Binlogs, top: usize, out: &mut impl Write) -> std::io::Result<()> {
    let idx = &b.index;
    let bytes: u64 = b.set.files.iter().map(|f| f.map.bytes().len() as u64).sum();
    writeln!(out, "files        {}  ({bytes} bytes)", b.set.files.len())?;
    for f in &b.set.files {
        let ext = idx.file_extent(f.id);
        let n = ext.map_or(0, |x| x.end.0 - x.first.0);
        writeln!(
            out,
            "  {:<24} {:>12} bytes {:>10} events",
            escape_str(&f.name),
            f.map.bytes().len(),
            n
        )?;
    }
    writeln!(out, "events       {}", idx.len())?;
    writeln!(out, "transactions {}", idx.txn_count())?;
    let ts = idx.timestamps();
    if let (Some(first), Some(last)) = (
        ts.iter().copied().filter(|&t| t > 0).min(),
        ts.iter().copied().max(),
    ) {
        writeln!(out, "time         {} … {} UTC", utc(first), utc(last))?;
    }

    let mut kinds = [0u64; 256];
    for &k in idx.kinds() {
        kinds[k as usize] += 1;
    }
    writeln!(out, "\nevents by type")?;
    let mut by_kind: Vec<(u64, u8)> = kinds
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (*n, k as u8))
        .collect();
    by_kind.sort_by(|a, b| b.cmp(a));
    for (n, k) in by_kind {
        writeln!(out, "  {:<34} {n:>10}", EventType(k).to_string())?;
    }

    let mut tables: TableOps = BTreeMap::new();
    let names = idx.names();
    for (i, &k) in idx.kinds().iter().enumerate() {
        let Some(kind) = EventType(k).rows_kind() else {
            continue;
        };
        let obj = ObjectId(idx.objects()[i]);
        let name = names
            .get(obj)
            .filter(|_| obj.0 != 0)
            .map_or_else(|| "(unknown table)".to_string(), |n| n.display());
        let slot = match kind.op {
            RowsOp::Insert => 0,
            RowsOp::Update => 1,
            RowsOp::Delete => 2,
        };
        tables.entry(name).or_default()[slot] += 1;
    }
    if !tables.is_empty() {
        writeln!(
            out,
            "\nrow events by table       insert     update     delete"
        )?;
        for (t, [i, u, d]) in &tables {
            writeln!(out, "  {:<22} {i:>10} {u:>10} {d:>10}", escape_str(t))?;
        }
    }

    let txns: Vec<TxnId> = (0..idx.txn_count() as u32).map(TxnId).collect();
    let mut by_size: Vec<(u64, TxnId)> = txns.iter().map(|&t| (idx.txn_bytes(t), t)).collect();
    by_size.sort_by(|a, b| b.cmp(a));
    writeln!(out, "\nlargest transactions")?;
    for &(size, t) in by_size.iter().take(top) {
        txn_line(b, t, &format!("{size} bytes"), out)?;
    }
    let mut by_time: Vec<(u32, TxnId)> = txns.iter().map(|&t| (idx.txn_duration(t), t)).collect();
    by_time.sort_by(|a, b| b.cmp(a));
    writeln!(out, "\nlongest transactions (by event timestamps)")?;
    for &(secs, t) in by_time.iter().take(top) {
        txn_line(b, t, &format!("{secs} s"), out)?;
    }
    Ok(())
}

fn txn_line(b: &Binlogs, t: TxnId, what: &str, out: &mut impl Write) -> std::io::Result<()> {
    let idx = &b.index;
    let (first, last) = idx.txn_span(t);
    let names = idx.names();
    let tables: Vec<String> = idx
        .txn_tables(t)
        .into_iter()
        .filter_map(|o| names.get(o).map(|n| escape_str(&n.display())))
        .collect();
    let gtid = b
        .txn_gtid(t)
        .map(|g| format!("  GTID {}", escape_str(&g)))
        .unwrap_or_default();
    let loc = escape_str(&b.named(idx.get(first).location()).to_string());
    writeln!(
        out,
        "  {what:>14}  {loc}  {} events  {} row events{gtid}  {}",
        last.0 - first.0 + 1,
        idx.txn_rows_events(t),
        tables.join(",")
    )?;
    Ok(())
}
