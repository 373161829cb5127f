//! Applying filters: header-only terms (table, op, time) over the 12 M-event benchmark
//! binlog, and a body regex over a smaller corpus file.
//!
//! The big file is target/bench/mysql-bin.000001 (bench/dump-vs-mariadb-binlog.sh writes it)
//! or the one BINLENS_BENCH_BIG names; the
//! header benches are skipped when it is missing. Indexing it takes a few seconds first.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use binlens::filter::{self, Filter};
use binlens::index::Binlogs;
use binlens::lang::{ParseContext, TimeZoneChoice};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};

fn bench_apply(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, b: &Binlogs, text: &str) {
    let ctx = ParseContext::for_binlogs(b, TimeZoneChoice::Utc);
    let f = Filter::parse(text, &ctx).unwrap();
    let never = AtomicBool::new(false);
    let n = filter::apply(b, &f, &never, &mut |_, _| {}).unwrap().len();
    eprintln!("{name}: `{text}` matches {n} of {} events", b.index.len());
    g.bench_function(name, |bench| {
        bench.iter(|| filter::apply(b, &f, &never, &mut |_, _| {}).unwrap().len());
    });
}

fn header_filters(c: &mut Criterion) {
    let big = std::env::var_os("BINLENS_BENCH_BIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/mysql-bin.000001")
        });
    if !big.exists() {
        eprintln!(
            "notice: {} is missing; skipping the header filter benches",
            big.display()
        );
        return;
    }
    let b = Binlogs::open(&[big]).unwrap();
    let first = i64::from(b.index.timestamps().first().copied().unwrap_or(0));
    let last = i64::from(b.index.timestamps().last().copied().unwrap_or(0));
    let mid = first + (last - first) / 2;
    let mut g = c.benchmark_group("filter-12M");
    g.sample_size(10);
    bench_apply(&mut g, "table", &b, "table:*.orders");
    bench_apply(&mut g, "op", &b, "op:delete");
    bench_apply(
        &mut g,
        "time",
        &b,
        &format!("since:@{mid} until:@{}", mid + 60),
    );
    let all = format!("table:*.orders op:update since:@{mid}");
    bench_apply(&mut g, "table+op+time", &b, &all);
    // GTIDs are not in the index: every GTID event is decoded once per apply.
    bench_apply(&mut g, "gtid", &b, "gtid:0-7-300000");
    g.finish();
}

fn body_filters(c: &mut Criterion) {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/mariadb/mysql-bin.000004");
    if !file.exists() {
        eprintln!(
            "notice: {} is missing; skipping the body filter bench",
            file.display()
        );
        return;
    }
    let b = Binlogs::open(&[file]).unwrap();
    let mut g = c.benchmark_group("filter-body");
    g.sample_size(20);
    bench_apply(&mut g, "regex-mariadb-000004", &b, "doohick.y");
    g.finish();
}

criterion_group!(benches, header_filters, body_filters);
criterion_main!(benches);
