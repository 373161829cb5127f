//! Multi-file sets (rotation, a gap, a `.index` file), the background build, and the
//! time lookup at its boundaries.

use std::path::{Path, PathBuf};

use binlens::format::Event;
use binlens::index::{Binlogs, EventId, IndexBuild, OpenOptions, SetNote};

use crate::support::corpus::corpus_dir;
use crate::support::index::digest;

fn mariadb(n: u32) -> Option<PathBuf> {
    Some(corpus_dir()?.join(format!("mariadb/mysql-bin.{n:06}")))
}

fn copy_set(dir: &Path, ns: &[u32]) {
    for &n in ns {
        let src = mariadb(n).unwrap();
        std::fs::copy(&src, dir.join(src.file_name().unwrap())).unwrap();
    }
}

#[test]
fn index_file_lists_the_set_in_order_and_rotates_between_files() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let b = Binlogs::open(&[dir.join("mariadb/mysql-bin.index")]).unwrap();
    assert_eq!(b.set.files.len(), 8);
    assert!(b.set.notes.is_empty(), "{:?}", b.set.notes);
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    let names: Vec<&str> = b.set.files.iter().map(|f| f.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    // Each file but the last ends in a ROTATE naming the next one, or in a STOP (the
    // server was restarted).
    for f in 0..7 {
        let ext = b.index.file_extent(b.set.files[f].id).unwrap();
        let last = EventId(ext.end.0 - 1);
        let next = b
            .with_event(last, |_, ev, _| match ev {
                Ok(Event::Rotate { next_file, .. }) => Some(next_file.to_vec()),
                Ok(Event::Stop) => Some(b"(stop)".to_vec()),
                _ => None,
            })
            .flatten()
            .unwrap();
        assert!(next == b"(stop)" || next == b.set.files[f + 1].name.as_bytes());
    }
    // The set is the concatenation of its files.
    let single: usize = (1..=8)
        .map(|n| Binlogs::open(&[mariadb(n).unwrap()]).unwrap().index.len())
        .sum();
    assert_eq!(b.index.len(), single);
}

#[test]
fn a_missing_file_is_reported_as_a_gap() {
    if corpus_dir().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    copy_set(tmp.path(), &[1, 2, 3, 4, 6, 7, 8]);
    let b = Binlogs::open(&[tmp.path().to_path_buf()]).unwrap();
    assert_eq!(b.set.files.len(), 7);
    assert!(b.set.notes.contains(&SetNote::Gap {
        after: "mysql-bin.000004".into(),
        before: "mysql-bin.000006".into(),
        missing: 1,
    }));
}

#[test]
fn files_named_out_of_order_are_sorted() {
    let Some(a) = mariadb(3) else {
        return;
    };
    let b = Binlogs::open(&[a, mariadb(2).unwrap()]).unwrap();
    assert_eq!(b.set.files[0].name, "mysql-bin.000002");
    assert!(b.set.notes.contains(&SetNote::Reordered));
}

#[test]
fn background_build_is_queryable_while_it_runs_and_ends_as_the_synchronous_one() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let paths = [dir.join("mariadb/mysql-bin.index")];
    let mut build = IndexBuild::start(&paths, OpenOptions::default()).unwrap();
    let mut seen = 0;
    while !build.is_finished() {
        let b = build.read();
        assert!(b.index.len() >= seen, "the index only grows");
        seen = b.index.len();
        if let Some(t) = b.index.txn_count().checked_sub(1) {
            let _ = b.index.txn_span(binlens::index::TxnId(t as u32));
        }
        drop(b);
        std::thread::yield_now();
    }
    build.wait();
    let (done, total) = build.progress();
    assert_eq!(done, total);
    let sync = Binlogs::open(&paths).unwrap();
    assert_eq!(digest(&build.read()), digest(&sync));
    assert!(build.read().is_indexed());
}

#[test]
fn time_lookup_at_the_boundaries() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let b = Binlogs::open(&[dir.join("mariadb/mysql-bin.index")]).unwrap();
    let ix = &b.index;
    let ts = ix.timestamps();
    assert!(
        ix.len() > 3 * 64,
        "crosses several blocks of the running maximum"
    );
    assert_eq!(ix.first_at_or_after(0), Some(EventId(0)));
    let max = ts.iter().copied().max().unwrap();
    assert_eq!(ix.first_at_or_after(max + 1), None);
    let mut all: Vec<u32> = ts.iter().copied().collect();
    all.sort();
    all.dedup();
    for t in all.iter().flat_map(|&t| [t.saturating_sub(1), t, t + 1]) {
        // The rule: the first event from which on the running maximum has reached `t`.
        let want = ts
            .iter()
            .scan(0u32, |m, &x| {
                *m = (*m).max(x);
                Some(*m)
            })
            .position(|m| m >= t)
            .map(|i| EventId(i as u32));
        assert_eq!(ix.first_at_or_after(t), want, "at {t}");
    }
}

/// The set indexed file by file on one thread (the background build's steps).
fn stepwise(dir: &Path, options: OpenOptions) -> Binlogs {
    let mut b = Binlogs::open_unindexed(&[dir.to_path_buf()], options).unwrap();
    while b.index_step(usize::MAX) {}
    b
}

#[test]
fn a_set_indexed_on_several_threads_equals_one_indexed_file_by_file() {
    if corpus_dir().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    copy_set(tmp.path(), &[1, 2, 3, 4, 5]);
    // A damaged file in the middle: its problem is reported at its own file.
    let third = tmp.path().join("mysql-bin.000003");
    let bytes = std::fs::read(&third).unwrap();
    std::fs::write(&third, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let one = stepwise(tmp.path(), OpenOptions::default());
    let many = Binlogs::open(&[tmp.path().to_path_buf()]).unwrap();
    assert_eq!(many.index.file_count(), 5);
    assert_eq!(digest(&many), digest(&one));
    assert_eq!(many.problems, one.problems);
    assert!(!many.problems.is_empty());
    assert_eq!(many.sources, one.sources);
    assert_eq!(many.index.names().len(), one.index.names().len());
    let tables =
        |b: &Binlogs| -> Vec<String> { b.index.names().iter().map(|(_, n)| n.display()).collect() };
    assert_eq!(tables(&many), tables(&one));
    // With caches: written by the workers, then read back by them.
    let cache = tmp.path().join("cache");
    let options = OpenOptions {
        cache_dir: Some(cache.clone()),
        follow: false,
    };
    let built = Binlogs::open_with(&[tmp.path().to_path_buf()], options.clone()).unwrap();
    assert_eq!(
        std::fs::read_dir(&cache).unwrap().count(),
        5,
        "a cache per file"
    );
    let again = Binlogs::open_with(&[tmp.path().to_path_buf()], options).unwrap();
    assert_eq!(digest(&built), digest(&one));
    assert_eq!(digest(&again), digest(&one));
    assert_eq!(again.problems, one.problems);
    for b in [&one, &many, &built, &again] {
        let ts = b.index.timestamps();
        assert_eq!(b.index.latest_time(), ts.iter().copied().max());
        let nonzero = ts.iter().copied().filter(|&t| t != 0).min();
        assert_eq!(b.index.earliest_time(), nonzero);
    }
}

/// `binlens index` holds one file's index per thread, not the set's: 24 files of
/// 300 001 events each (an index of ~4 MB apiece, ~94 MB for the set held whole) are
/// indexed under an RLIMIT_DATA (the heap and every private writable map, not the
/// mapped binlogs) of 40 MiB: without a cache, with the caches written, and with them
/// read back. The counts are those of one file's index, times 24. Then `sql --redo`,
/// which holds the set whole, builds it the first time under the same limit (each file's
/// index mapped from its cache as soon as that is written), and reads it from the caches
/// in less.
#[test]
fn index_memory_is_bounded_by_a_file_not_the_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = crate::support::synth::Synth::new("8.0.36", true);
    for _ in 0..150_000 {
        s.query(b"app", b"BEGIN");
        s.query(b"app", b"COMMIT");
    }
    let first = dir.path().join("mysql-bin.000001");
    std::fs::write(&first, &s.bytes).unwrap();
    for n in 2..=24 {
        std::fs::hard_link(&first, dir.path().join(format!("mysql-bin.{n:06}"))).unwrap();
    }
    let one = Binlogs::open(std::slice::from_ref(&first)).unwrap();
    assert!(one.problems.is_empty(), "{:?}", one.problems);
    let want = format!(
        "files=24 events={} transactions={} bytes={} first=2033-05-18T03:33:20Z \
         last=2033-05-18T03:33:20Z\n",
        24 * one.index.len(),
        24 * one.index.txn_count(),
        24 * s.bytes.len()
    );
    assert_eq!(one.index.len(), 300_001);
    drop(one);
    let cache = tempfile::tempdir().unwrap();
    for args in [&["--no-cache"][..], &[], &[]] {
        let out = std::process::Command::new("sh")
            .args(["-c", "ulimit -d 40960 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_binlens"))
            .arg("index")
            .args(args)
            .arg(dir.path())
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "index {args:?}: {err}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{args:?}");
    }
    // Each file's cache was written (and the last run read them).
    let caches = std::fs::read_dir(cache.path().join("binlens"))
        .unwrap()
        .count();
    assert_eq!(caches, 24);
    // A command that holds the set whole, read from the caches, under 16 MiB: the files'
    // columns stay mapped (segments of the set's), not copied (~94 MB; their transaction
    // starts alone are ~14 MB).
    let sql = |limit_kib: u32, cache: &Path| {
        std::process::Command::new("sh")
            .args([
                "-c",
                &format!("ulimit -d {limit_kib} && exec \"$0\" \"$@\""),
            ])
            .arg(env!("CARGO_BIN_EXE_binlens"))
            .args(["sql", "--redo", "--start"])
            .arg("mysql-bin.000024:4")
            .arg(dir.path())
            .env("XDG_CACHE_HOME", cache)
            .output()
            .unwrap()
    };
    // The files hold no rows: the range is walked to its end and found empty (exit 1),
    // where an allocation beyond the limit would abort the process.
    let walked = |out: std::process::Output, what: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "sql --redo {what}: {err}");
        assert!(err.contains("no row events in the range"), "{what}: {err}");
    };
    walked(sql(16384, cache.path()), "from the caches");
    // The first time, with no cache yet: each file's index is built on a thread, its
    // cache written and then mapped in its place, so the set is never held in memory.
    let first = tempfile::tempdir().unwrap();
    walked(sql(40960, first.path()), "building the caches");
    let written = std::fs::read_dir(first.path().join("binlens"))
        .unwrap()
        .count();
    assert_eq!(written, 24);
}
