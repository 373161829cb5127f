//! `binlens export --format parquet`, read back by DuckDB: row counts per table and
//! operation against the corpus oracles, a hive-partitioned query over several exports,
//! schema-change parts, damaged input, `--table`/`--since`, and the refusal to write into
//! a non-empty directory. The values themselves: `export_parquet_values`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::corpus::{binlens, binlogs_with_oracle, corpus_dir, dump_jsonl, read_jsonl};
use crate::support::duckdb::{self, Answer, lit};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mariadb")
        .join(name)
}

/// Runs the export of `files` into `dir`; returns (exit code, stdout, stderr).
pub fn export(dir: &Path, files: &[&Path], extra: &[&str]) -> (i32, String, String) {
    let out = binlens()
        .args(["export", "--format", "parquet", "--to"])
        .arg(dir)
        .args(extra)
        .args(files)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn has_rows(dir: &Path) -> bool {
    dir.join("rows").is_dir()
}

/// Every row-change table of an export, hive-partitioned.
fn rows_source(dir: &Path) -> String {
    format!(
        "read_parquet({}, hive_partitioning = true, union_by_name = true)",
        lit(&dir.join("rows/*/*/*.parquet"))
    )
}

type Key = (String, String, String);

/// Row images per (db, table, op) in jsonl lines, inner events counted at their outer
/// position; positions whose line (or an inner line) has an error are left out and
/// returned.
fn jsonl_counts(lines: &[Value]) -> (BTreeMap<Key, u64>, BTreeSet<u64>) {
    let mut bad = BTreeSet::new();
    let mut counts = BTreeMap::new();
    for l in lines {
        let pos = l["pos"].as_u64().unwrap();
        let mut all = vec![l];
        if let Some(inner) = l["inner"].as_array() {
            all.extend(inner);
        }
        if all.iter().any(|x| x.get("error").is_some()) {
            bad.insert(pos);
            continue;
        }
        for x in all {
            if let (Some(rows), Some(db), Some(t), Some(op)) = (
                x["rows"].as_array(),
                x["db"].as_str(),
                x["table"].as_str(),
                x["op"].as_str(),
            ) {
                let k = (db.to_string(), t.to_string(), op.to_string());
                *counts.entry(k).or_insert(0) += rows.len() as u64;
            }
        }
    }
    counts.retain(|_, n| *n > 0);
    (counts, bad)
}

/// (db, table, op, pos, rows) grouped from an export.
fn count_query(dir: &Path) -> String {
    format!(
        "SELECT db, \"table\", op, pos, count(*) FROM {} GROUP BY ALL",
        rows_source(dir)
    )
}

fn export_counts(a: &Answer, bad: &BTreeSet<u64>) -> BTreeMap<Key, u64> {
    let mut counts = BTreeMap::new();
    for r in &a.rows {
        if bad.contains(&r[3].as_u64().unwrap()) {
            continue;
        }
        let k = (
            r[0].as_str().unwrap().to_string(),
            r[1].as_str().unwrap().to_string(),
            r[2].as_str().unwrap().to_string(),
        );
        *counts.entry(k).or_insert(0) += r[4].as_u64().unwrap();
    }
    counts
}

#[test]
fn row_counts_per_table_and_operation_match_the_corpus_oracles() {
    let Some(corpus) = corpus_dir() else { return };
    let files = binlogs_with_oracle(&corpus);
    assert!(
        files.len() >= 40,
        "expected the whole corpus, found {}",
        files.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut checks = Vec::new();
    let mut queries = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let name = f.file_name().unwrap().to_str().unwrap();
        let oracle = read_jsonl(&f.with_file_name(format!("{name}.oracle.jsonl")));
        let (expected, bad) = jsonl_counts(&oracle);
        let dir = tmp.path().join(i.to_string());
        let (code, _, stderr) = export(&dir, &[f], &[]);
        assert!(
            matches!(code, 0..=2) && !stderr.contains("internal error"),
            "{}: exit {code}: {stderr}",
            f.display()
        );
        let has_errors = oracle.iter().any(|l| l.get("error").is_some());
        if code == 2 {
            assert!(
                has_errors || stderr.contains("binlens:"),
                "{}: exit 2 without a reason",
                f.display()
            );
        }
        let q = has_rows(&dir).then(|| {
            queries.push(count_query(&dir));
            queries.len() - 1
        });
        checks.push((f.clone(), expected, bad, q));
    }
    let answers = duckdb::query(&queries);
    let mut failures = Vec::new();
    let mut compared = 0;
    for (f, expected, bad, q) in checks {
        let got = q.map_or_else(BTreeMap::new, |q| export_counts(&answers[q], &bad));
        compared += expected.values().sum::<u64>();
        if got != expected {
            failures.push(format!(
                "{}:\n  export {got:?}\n  oracle {expected:?}",
                f.display()
            ));
        }
    }
    assert!(compared > 1000, "only {compared} row images compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn one_hive_partitioned_query_reads_the_exports_of_several_files() {
    let tmp = tempfile::tempdir().unwrap();
    let names = ["mysql-bin.000001", "mysql-bin.000002", "mysql-bin.000005"];
    let mut events = 0;
    let mut want: BTreeMap<(String, String, String, i64), u64> = BTreeMap::new();
    for name in names {
        let f = fixture(name);
        let (code, stdout, stderr) = export(&tmp.path().join(name), &[&f], &[]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let (lines, _, _) = dump_jsonl(&[&f]);
        assert!(
            stdout.starts_with(&format!("{} events, ", lines.len())),
            "{stdout}"
        );
        events += lines.len();
        for l in &lines {
            if let (Some(rows), Some(db), Some(t), Some(op)) = (
                l["rows"].as_array(),
                l["db"].as_str(),
                l["table"].as_str(),
                l["op"].as_str(),
            ) {
                let hour = l["timestamp"].as_i64().unwrap() / 3600 * 3600;
                let k = (db.to_string(), t.to_string(), op.to_string(), hour);
                *want.entry(k).or_insert(0) += rows.len() as u64;
            }
        }
    }
    let rows = format!(
        "read_parquet({}, hive_partitioning = true, union_by_name = true)",
        lit(&tmp.path().join("*/rows/*/*/*.parquet"))
    );
    let answers = duckdb::query(&[
        format!(
            "SELECT db, \"table\", op, epoch(date_trunc('hour', timestamp))::BIGINT AS hour, count(*) \
             FROM {rows} GROUP BY ALL ORDER BY ALL"
        ),
        format!(
            "SELECT count(*) FROM {}",
            lit(&tmp.path().join("*/events*.parquet"))
        ),
        // Events and their row changes join on file and position.
        format!(
            "SELECT count(*) FROM {} e JOIN (SELECT file, pos, count(*) AS n FROM {rows} GROUP BY ALL) r \
             USING (file, pos) WHERE e.rows = r.n AND e.inner_pos IS NULL",
            lit(&tmp.path().join("*/events*.parquet"))
        ),
        format!(
            "SELECT count(*) FROM {} WHERE rows > 0",
            lit(&tmp.path().join("*/events*.parquet"))
        ),
    ]);
    let got: BTreeMap<(String, String, String, i64), u64> = answers[0]
        .rows
        .iter()
        .map(|r| {
            let s = |i: usize| r[i].as_str().unwrap().to_string();
            (
                (s(0), s(1), s(2), r[3].as_i64().unwrap()),
                r[4].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(answers[1].rows[0][0].as_u64(), Some(events as u64));
    assert_eq!(answers[2].rows[0][0], answers[3].rows[0][0]);
    assert!(answers[2].rows[0][0].as_u64().unwrap() > 50);
}

#[test]
fn a_schema_change_starts_a_new_part_with_its_own_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export(tmp.path(), &[&fixture("mysql-bin.000002")], &[]);
    assert_eq!(code, 0, "{stderr}");
    let t = tmp.path().join("rows/db=shop/table=customers");
    let answers = duckdb::query(&[
        format!(
            "SELECT * FROM {} LIMIT 0",
            lit(&t.join("part-00000.parquet"))
        ),
        format!(
            "SELECT * FROM {} LIMIT 0",
            lit(&t.join("part-00001.parquet"))
        ),
    ]);
    let after = |a: &Answer| a.columns.iter().filter(|c| c.starts_with("after_")).count();
    // ALTER TABLE customers ADD COLUMN phone.
    assert_eq!(after(&answers[1]), after(&answers[0]) + 1);
    assert!(!t.join("part-00002.parquet").exists());
}

#[test]
fn a_damaged_file_exports_what_precedes_the_damage_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("mysql-bin.000001")).unwrap();
    let cut = tmp.path().join("mysql-bin.000001");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let dir = tmp.path().join("out");
    let (code, _, stderr) = export(&dir, &[&cut], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("mysql-bin.000001:"), "{stderr}");
    let (lines, dump_code, _) = dump_jsonl(&[&cut]);
    assert_eq!(dump_code, 2);
    let (want, bad) = jsonl_counts(&lines);
    assert!(!want.is_empty());
    let answers = duckdb::query(&[
        count_query(&dir),
        format!("SELECT count(*) FROM {}", lit(&dir.join("events.parquet"))),
    ]);
    assert_eq!(export_counts(&answers[0], &bad), want);
    let good = lines.iter().filter(|l| l.get("error").is_none()).count();
    assert_eq!(answers[1].rows[0][0].as_u64(), Some(good as u64));
}

#[test]
fn a_non_empty_directory_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
    let f = fixture("mysql-bin.000005");
    let (code, stdout, stderr) = export(tmp.path(), &[&f], &[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("is not empty; pass --force"), "{stderr}");
    assert!(!tmp.path().join("events.parquet").exists());
    let (code, _, stderr) = export(tmp.path(), &[&f], &["--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(tmp.path().join("events.parquet").exists());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn table_globs_and_time_bounds_select_what_is_exported() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture("mysql-bin.000001");
    let (lines, _, _) = dump_jsonl(&[&f]);
    // Row events only: the format description carries the server's start time.
    let times: Vec<i64> = lines
        .iter()
        .filter(|l| l.get("rows").is_some())
        .map(|l| l["timestamp"].as_i64().unwrap())
        .collect();
    let (lo, hi) = (times.iter().min().unwrap(), times.iter().max().unwrap());
    let mid = lo + (hi - lo) / 2;
    let dir = tmp.path().join("orders");
    let since = format!("@{mid}");
    let (code, _, stderr) = export(&dir, &[&f], &["--table", "shop.order*", "--since", &since]);
    assert_eq!(code, 0, "{stderr}");
    let mut want: BTreeMap<Key, u64> = BTreeMap::new();
    for l in &lines {
        let (Some(rows), Some(t)) = (l["rows"].as_array(), l["table"].as_str()) else {
            continue;
        };
        if l["db"] == "shop" && t.starts_with("order") && l["timestamp"].as_i64().unwrap() >= mid {
            let k = (
                "shop".into(),
                t.to_string(),
                l["op"].as_str().unwrap().to_string(),
            );
            *want.entry(k).or_insert(0) += rows.len() as u64;
        }
    }
    assert!(!want.is_empty());
    let answers = duckdb::query(&[count_query(&dir)]);
    assert_eq!(export_counts(&answers[0], &BTreeSet::new()), want);
}

#[test]
fn a_table_glob_that_matches_nothing_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture("mysql-bin.000005");
    let (code, stdout, stderr) = export(tmp.path(), &[&f], &["--table", "nosuch.*"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("--table nosuch.* matched no row changes"),
        "{stderr}"
    );
    assert!(!has_rows(tmp.path()));
}

#[test]
fn bit_flipped_binlogs_export_without_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("mysql-bin.000004")).unwrap();
    // A fixed linear congruential sequence: the same flips on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut damaged = 0;
    for round in 0..20 {
        let mut b = bytes.clone();
        for _ in 0..8 {
            let at = 4 + next() % (b.len() - 4);
            b[at] ^= 1 << (next() % 8);
        }
        let f = tmp.path().join(format!("mysql-bin.{round:06}"));
        std::fs::write(&f, &b).unwrap();
        let (code, _, stderr) = export(&tmp.path().join(format!("out{round}")), &[&f], &[]);
        assert!(
            matches!(code, 0..=2) && !stderr.contains("internal error"),
            "round {round}: exit {code}: {stderr}"
        );
        damaged += u32::from(code == 2 && stderr.contains("mysql-bin."));
    }
    assert!(
        damaged >= 15,
        "only {damaged} of 20 damaged copies reported"
    );
}
