//! Index build, cache reopen, time lookup and per-table lookup on the shared corpus
//! (the MariaDB set). The 1 GiB figures come from `bench/index.sh`.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

use binlens::index::{Binlogs, ObjectId, OpenOptions};

fn corpus_set() -> Option<Vec<PathBuf>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/mariadb/mysql-bin.index");
    p.exists().then(|| vec![p])
}

fn index(c: &mut Criterion) {
    let Some(paths) = corpus_set() else {
        eprintln!("no shared corpus: nothing to measure");
        return;
    };
    c.bench_function("index build (mariadb corpus set)", |b| {
        b.iter(|| Binlogs::open(&paths).expect("open"));
    });

    let cache = std::env::temp_dir().join(format!("binlens-bench-{}", std::process::id()));
    let options = OpenOptions {
        cache_dir: Some(cache.clone()),
        follow: false,
    };
    Binlogs::open_with(&paths, options.clone()).expect("open");
    c.bench_function("index reopen from cache", |b| {
        b.iter(|| Binlogs::open_with(&paths, options.clone()).expect("reopen"));
    });
    let _ = std::fs::remove_dir_all(&cache);

    let set = Binlogs::open(&paths).expect("open");
    let ix = &set.index;
    let ts = ix.timestamps();
    let (lo, hi) = (
        ts.iter().copied().min().unwrap_or(0),
        ts.iter().copied().max().unwrap_or(0),
    );
    c.bench_function("first_at_or_after", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(7919);
            ix.first_at_or_after(lo + i % (hi - lo + 1))
        });
    });
    let table = ix
        .names()
        .iter()
        .find(|(_, n)| n.table.is_some())
        .map_or(ObjectId::NONE, |(id, _)| id);
    c.bench_function("events_of one table", |b| {
        b.iter(|| ix.events_of(table).count());
    });
}

criterion_group!(benches, index);
criterion_main!(benches);
