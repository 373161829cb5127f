//! `binlens stats` output: text for people (80 columns) and JSON for scripts (its keys
//! are documented in the README).

use std::io::Write;

use serde_json::{Value, json};

use crate::format::display::escape_str;
use crate::index::Binlogs;
use crate::insight::Stats;
use crate::insight::stats::TxnStats;

/// The one event-time formatter, in UTC.
pub fn utc(ts: u32) -> String {
    crate::lang::format_instant(i64::from(ts), crate::lang::TimeZoneChoice::Utc)
}

/// A bucket's start, shorter than [`utc`] where the bucket width allows.
fn utc_with(ts: u32, fmt: &str) -> String {
    chrono::DateTime::from_timestamp(i64::from(ts), 0)
        .map(|t| t.format(fmt).to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// `1h 02m 03s`, `4m 05s`, `6s`.
fn duration(secs: u32) -> String {
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d {h:02}h {m:02}m {s:02}s")
    } else if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

fn bucket_name(width: u32) -> String {
    match width {
        1 => "second".into(),
        60 => "minute".into(),
        3600 => "hour".into(),
        86400 => "day".into(),
        w if w % 86400 == 0 => format!("{} days", w / 86400),
        w if w % 3600 == 0 => format!("{} hours", w / 3600),
        w if w % 60 == 0 => format!("{} minutes", w / 60),
        w => format!("{w} seconds"),
    }
}

pub fn text(b: &Binlogs, st: &Stats, out: &mut impl Write) -> std::io::Result<()> {
    if let (Some(first), Some(last)) = (st.first_time, st.last_time) {
        writeln!(
            out,
            "span         {} … {} UTC  ({})",
            utc(first),
            utc(last),
            duration(last - first)
        )?;
    }
    writeln!(
        out,
        "files        {}  ({} bytes)",
        b.set.files.len(),
        b.total_bytes()
    )?;
    for f in &b.set.files {
        let n = b.index.file_extent(f.id).map_or(0, |x| x.end.0 - x.first.0);
        writeln!(
            out,
            "  {:<30} {:>14} bytes {:>10} events",
            escape_str(&f.name),
            f.map.bytes().len(),
            n
        )?;
    }
    writeln!(out, "events       {}  ({} bytes)", st.events, st.bytes)?;
    writeln!(out, "transactions {}", st.transactions)?;

    writeln!(out, "\nevents by type {:>32} {:>16}", "events", "bytes")?;
    for t in &st.types {
        writeln!(
            out,
            "  {:<34} {:>10} {:>16}",
            t.kind.to_string(),
            t.events,
            t.bytes
        )?;
    }

    if !st.tables.is_empty() {
        writeln!(
            out,
            "\nrows by table {:>27} {:>10} {:>10} {:>14}",
            "insert", "update", "delete", "bytes"
        )?;
        for t in &st.tables {
            let name = escape_str(&t.name());
            if name.chars().count() > 28 {
                writeln!(out, "  {name}")?;
                writeln!(
                    out,
                    "  {:<28} {:>10} {:>10} {:>10} {:>14}",
                    "", t.insert, t.update, t.delete, t.bytes
                )?;
            } else {
                writeln!(
                    out,
                    "  {name:<28} {:>10} {:>10} {:>10} {:>14}",
                    t.insert, t.update, t.delete, t.bytes
                )?;
            }
        }
    }

    for (title, list) in [
        ("largest transactions by rows", &st.by_rows),
        ("largest transactions by bytes", &st.by_bytes),
        (
            "longest transactions (by event timestamps)",
            &st.by_duration,
        ),
    ] {
        writeln!(out, "\n{title}")?;
        if list.is_empty() {
            writeln!(out, "  (none)")?;
        }
        for t in list {
            txn_lines(b, t, out)?;
        }
    }

    let h = &st.histogram;
    if st.events > 0 && !h.buckets.is_empty() {
        let fmt = if h.width < 60 {
            "%m-%d %H:%M:%S"
        } else if h.width < 86400 {
            "%m-%d %H:%M"
        } else {
            "%Y-%m-%d"
        };
        writeln!(
            out,
            "\nper {} from {} UTC",
            bucket_name(h.width),
            utc(h.start)
        )?;
        writeln!(
            out,
            "  {:<14} {:>10} {:>10} {:>14}",
            "", "events", "rows", "bytes"
        )?;
        let max = h.buckets.iter().map(|x| x.events).max().unwrap_or(0).max(1);
        let n = h.buckets.len();
        let mut i = 0;
        while i < n {
            let x = h.buckets[i];
            // A run of more than two empty buckets is one line.
            if x.events == 0 {
                let end = (i..n).find(|&k| h.buckets[k].events > 0).unwrap_or(n);
                if end - i > 2 {
                    writeln!(out, "  … {} empty", end - i)?;
                    i = end;
                    continue;
                }
            }
            let bar = "#".repeat(((x.events * 24).div_ceil(max)) as usize);
            let line = format!(
                "  {:<14} {:>10} {:>10} {:>14} {bar}",
                utc_with(h.bucket_start(i), fmt),
                x.events,
                x.rows,
                x.bytes
            );
            writeln!(out, "{}", line.trim_end())?;
            i += 1;
        }
    }
    Ok(())
}

fn txn_lines(b: &Binlogs, t: &TxnStats, out: &mut impl Write) -> std::io::Result<()> {
    let gtid = t
        .gtid
        .as_ref()
        .map(|g| format!("  GTID {}", escape_str(g)))
        .unwrap_or_default();
    writeln!(out, "  {}{gtid}", escape_str(&b.named(t.at).to_string()))?;
    let mut line = format!(
        "      {} rows, {} bytes, {}, {} events",
        t.rows,
        t.bytes,
        duration(t.duration),
        t.events
    );
    for (i, name) in t.tables.iter().enumerate() {
        let name = escape_str(name);
        let sep = if i == 0 { ": " } else { ", " };
        if line.chars().count() + sep.len() + name.chars().count() > 80 {
            writeln!(out, "{}", line.trim_end_matches(' '))?;
            line = format!("        {name}");
        } else {
            line.push_str(sep);
            line.push_str(&name);
        }
    }
    writeln!(out, "{line}")
}

fn txn_json(b: &Binlogs, t: &TxnStats) -> Value {
    json!({
        "gtid": t.gtid,
        "file": b.file_name(t.at.file),
        "pos": t.at.pos.get(),
        "rows": t.rows,
        "bytes": t.bytes,
        "duration": t.duration,
        "events": t.events,
        "tables": t.tables,
    })
}

pub fn json(b: &Binlogs, st: &Stats, out: &mut impl Write) -> std::io::Result<()> {
    let h = &st.histogram;
    let v = json!({
        "first_time": st.first_time,
        "last_time": st.last_time,
        "events": st.events,
        "bytes": st.bytes,
        "transactions": st.transactions,
        "event_types": st.types.iter().map(|t| json!({
            "type": t.kind.to_string(),
            "events": t.events,
            "bytes": t.bytes,
        })).collect::<Vec<_>>(),
        "tables": st.tables.iter().map(|t| json!({
            "table": t.name(),
            "insert": t.insert,
            "update": t.update,
            "delete": t.delete,
            "bytes": t.bytes,
        })).collect::<Vec<_>>(),
        "largest_by_rows": st.by_rows.iter().map(|t| txn_json(b, t)).collect::<Vec<_>>(),
        "largest_by_bytes": st.by_bytes.iter().map(|t| txn_json(b, t)).collect::<Vec<_>>(),
        "longest": st.by_duration.iter().map(|t| txn_json(b, t)).collect::<Vec<_>>(),
        "histogram": {
            "bucket_seconds": h.width,
            "buckets": h.buckets.iter().enumerate().map(|(i, x)| json!({
                "start": h.bucket_start(i),
                "events": x.events,
                "rows": x.rows,
                "bytes": x.bytes,
            })).collect::<Vec<_>>(),
        },
        "unreadable_rows_events": st.unreadable,
    });
    writeln!(out, "{v}")
}
