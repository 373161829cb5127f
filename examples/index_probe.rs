//! Measures the built index of one binlog set in process: build time, resident bytes
//! per event, cache reopen time, time lookup and "all events of one table".
//! `cargo run --release --example index_probe -- FILES...` (used by `bench/index.sh`).

use std::path::PathBuf;
use std::time::Instant;

use binlens::index::{Binlogs, ObjectId, OpenOptions};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: index_probe FILES...");
        std::process::exit(2);
    }
    let cache = tempfile_dir();
    let options = OpenOptions {
        cache_dir: Some(cache.clone()),
        follow: false,
    };

    let t = Instant::now();
    let b = match Binlogs::open_with(&paths, options.clone()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("index_probe: {e}");
            std::process::exit(2);
        }
    };
    let build = ms(t);
    let ix = &b.index;
    println!(
        "build+cache-write: {build:.0} ms, {} events, {} transactions",
        ix.len(),
        ix.txn_count()
    );
    println!(
        "resident: {} bytes, {:.2} bytes/event",
        ix.resident_bytes(),
        ix.bytes_per_event()
    );
    drop(b);

    let t = Instant::now();
    let b = Binlogs::open_with(&paths, options).expect("reopen");
    println!("cache reopen: {:.1} ms ({:?})", ms(t), b.sources);
    let ix = &b.index;
    // Each mapped column is checked (CRC32 and bounds) when first used.
    let t = Instant::now();
    let touched = ix.kinds().len()
        + ix.classes().len()
        + ix.objects().len()
        + ix.timestamps().len()
        + ix.txn_count()
        + ix.pos(binlens::index::EventId(0)).get() as usize
        + ix.server_id(binlens::index::EventId(0)) as usize
        + ix.first_at_or_after(0).map_or(0, |e| e.0 as usize);
    println!(
        "first use of every column (each checked whole): {:.1} ms ({touched})",
        ms(t)
    );

    let ts = ix.timestamps();
    let (lo, hi) = (
        ts.iter().copied().min().unwrap_or(0),
        ts.iter().copied().max().unwrap_or(0),
    );
    let probes = 1000u32;
    let t = Instant::now();
    let mut found = 0;
    for i in 0..probes {
        let at = lo + (u64::from(hi - lo) * u64::from(i) / u64::from(probes)) as u32;
        found += u32::from(ix.first_at_or_after(at).is_some());
    }
    println!(
        "time lookup: {:.4} ms each ({found}/{probes} found)",
        ms(t) / f64::from(probes)
    );

    // The table with the most events.
    let mut counts = vec![0u32; ix.names().len() + 1];
    for &o in ix.objects() {
        counts[o as usize] += 1;
    }
    let (busiest, _) = ix
        .names()
        .iter()
        .filter(|(_, n)| n.table.is_some())
        .map(|(id, _)| (id, counts[id.0 as usize]))
        .max_by_key(|&(_, c)| c)
        .unwrap_or((ObjectId::NONE, 0));
    let t = Instant::now();
    let n = ix.events_of(busiest).count();
    let name = ix
        .names()
        .get(busiest)
        .map(binlens::index::ObjectName::display)
        .unwrap_or_default();
    println!("events of {name}: {n} in {:.1} ms", ms(t));
    let _ = std::fs::remove_dir_all(&cache);
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("binlens-probe-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
