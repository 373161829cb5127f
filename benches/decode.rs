//! Decoding throughput: the header walk, full event + row decoding, and `dump --format jsonl`.
//!
//! Inputs: the every-column-type fixture, and (when present) the first 64 MiB of the big
//! benchmark binlog (`target/bench/mysql-bin.000001`, from bench/dump-vs-mariadb-binlog.sh,
//! or the file named by BINLENS_BENCH_FILE). The comparison with mariadb-binlog on the whole
//! file is bench/dump-vs-mariadb-binlog.sh.

use std::path::{Path, PathBuf};

use binlens::cli::TzArg;
use binlens::cli::dump::{self, DumpArgs, DumpFormat};
use binlens::format::event::{Decoder, Event};
use binlens::format::reader::EventReader;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn inputs() -> Vec<(String, Vec<u8>, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    let fixture = root.join("tests/fixtures/mariadb/mysql-bin.000003");
    if let Ok(b) = std::fs::read(&fixture) {
        v.push(("every-type".to_string(), b, fixture));
    }
    let big = std::env::var_os("BINLENS_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/bench/mysql-bin.000001"));
    if let Ok(b) = std::fs::read(&big) {
        let cut = b.len().min(64 << 20);
        let prefix = std::env::temp_dir().join("binlens-bench-prefix.bin");
        let _ = std::fs::write(&prefix, &b[..cut]);
        v.push(("big-64MiB".to_string(), b[..cut].to_vec(), prefix));
    }
    v
}

fn decode_all(bytes: &[u8]) -> usize {
    let mut dec = Decoder::default();
    let mut n = 0;
    for raw in EventReader::new(bytes).into_iter().flatten().flatten() {
        if let Ok(Event::Rows(r)) = dec.decode(&raw) {
            if let Some(tm) = dec.table(r.table_id).cloned() {
                n += r.rows(&tm).flatten().count();
            }
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    for (name, bytes, path) in inputs() {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.sample_size(10);
        g.bench_function("header_walk", |b| {
            b.iter(|| {
                EventReader::new(&bytes)
                    .map(std::iter::Iterator::count)
                    .unwrap_or(0)
            });
        });
        g.bench_function("decode_rows", |b| b.iter(|| decode_all(&bytes)));
        g.bench_function("dump_jsonl", |b| {
            let args = DumpArgs {
                format: DumpFormat::Jsonl,
                files: vec![path.clone()],
                filter: None,
                tz: TzArg::Utc,
                threads: 1,
                no_cache: true,
            };
            b.iter(|| dump::run(&args, &mut std::io::sink(), &mut std::io::sink()));
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
