//! `binlens stats` against counts computed independently: the row images of the corpus
//! oracles (`*.oracle.jsonl`, payload inner events included) and of `mariadb-binlog -vv`
//! over the fixtures; ranges and table globs; exit 1 when they select nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::corpus::{binlens, binlogs_with_oracle, corpus_dir, read_jsonl};
use crate::support::vv::{mariadb_binlog_vv, parse_vv};

/// Per `db.table`: insert, update, delete rows and the bytes of its rows events.
type Tables = BTreeMap<String, [u64; 4]>;

fn slot(op: &str) -> usize {
    ["insert", "update", "delete"]
        .iter()
        .position(|o| *o == op)
        .unwrap()
}

/// Adds the rows events of oracle lines (and of their payloads' inner lines) to `t`;
/// false when one of them could not be decoded by the oracle.
fn oracle_tables(lines: &[Value], t: &mut Tables) -> bool {
    let mut clean = true;
    for e in lines {
        if let Some(inner) = e["inner"].as_array() {
            clean &= oracle_tables(inner, t);
        }
        let Some(op) = e["op"].as_str() else { continue };
        if e.get("error").is_some() {
            clean = false;
            continue;
        }
        let name = format!(
            "{}.{}",
            e["db"].as_str().unwrap(),
            e["table"].as_str().unwrap()
        );
        let r = t.entry(name).or_default();
        r[slot(op)] += e["rows"].as_array().unwrap().len() as u64;
        r[3] += e["next_pos"].as_u64().unwrap() - e["pos"].as_u64().unwrap();
    }
    clean
}

/// Runs `binlens stats --format json ARGS`; returns (exit code, JSON or null, stderr).
fn stats_json(args: &[&str], paths: &[&Path]) -> (i32, Value, String) {
    let cache = tempfile::tempdir().unwrap();
    let out = binlens()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["stats", "--format", "json"])
        .args(args)
        .args(paths)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_tables(v: &Value) -> Tables {
    let mut t = Tables::new();
    for x in v["tables"].as_array().unwrap() {
        let n = |k: &str| x[k].as_u64().unwrap();
        t.insert(
            x["table"].as_str().unwrap().to_string(),
            [n("insert"), n("update"), n("delete"), n("bytes")],
        );
    }
    t
}

fn mariadb_corpus_files(corpus: &Path) -> Vec<PathBuf> {
    (1..=8)
        .map(|n| corpus.join(format!("mariadb/mysql-bin.00000{n}")))
        .collect()
}

#[test]
fn stats_of_the_mariadb_set_equal_the_oracle() {
    let Some(corpus) = corpus_dir() else { return };
    let mut want = Tables::new();
    let mut kinds: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut events = 0;
    for f in mariadb_corpus_files(&corpus) {
        let lines = read_jsonl(&f.with_extension(format!(
            "{}.oracle.jsonl",
            f.extension().unwrap().to_str().unwrap()
        )));
        assert!(oracle_tables(&lines, &mut want));
        for e in &lines {
            events += 1;
            let k = kinds
                .entry(e["type"].as_str().unwrap().to_string())
                .or_default();
            k.0 += 1;
            k.1 += e["next_pos"].as_u64().unwrap() - e["pos"].as_u64().unwrap();
        }
    }
    let (code, v, err) = stats_json(&[], &[&corpus.join("mariadb")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_tables(&v), want);
    assert_eq!(v["events"], events);
    let got: BTreeMap<String, (u64, u64)> = v["event_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["type"].as_str().unwrap().to_string(),
                (x["events"].as_u64().unwrap(), x["bytes"].as_u64().unwrap()),
            )
        })
        .collect();
    assert_eq!(got, kinds);
    // The incident's bad DELETE is the third largest transaction by rows.
    let top = &v["largest_by_rows"][2];
    assert_eq!(top["rows"], 349);
    assert_eq!(top["tables"], serde_json::json!(["shop.orders"]));
    assert!(top["gtid"].as_str().unwrap().starts_with("0-1-"));
    let buckets = v["histogram"]["buckets"].as_array().unwrap();
    let rows: u64 = buckets.iter().map(|b| b["rows"].as_u64().unwrap()).sum();
    assert_eq!(rows, want.values().map(|r| r[0] + r[1] + r[2]).sum::<u64>());
    let n: u64 = buckets.iter().map(|b| b["events"].as_u64().unwrap()).sum();
    assert_eq!(n, events);
}

#[test]
fn stats_of_each_mysql_corpus_file_equal_its_oracle() {
    let Some(corpus) = corpus_dir() else { return };
    let mut compared = 0;
    for f in binlogs_with_oracle(&corpus.join("mysql")) {
        let mut oracle = f.as_os_str().to_owned();
        oracle.push(".oracle.jsonl");
        let mut want = Tables::new();
        if !oracle_tables(&read_jsonl(Path::new(&oracle)), &mut want) {
            continue;
        }
        let (code, v, err) = stats_json(&[], &[&f]);
        if v.is_null() {
            // Not a binlog binlens can open (the corpus has some on purpose).
            assert_ne!(code, 0, "{}", f.display());
            continue;
        }
        assert_eq!(json_tables(&v), want, "{}: {err}", f.display());
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} files compared");
}

#[test]
fn stats_of_each_fixture_equal_mariadb_binlog_vv() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read(p).is_ok_and(|b| b.starts_with(&[0xfe, b'b', b'i', b'n'])))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let mut want: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        for e in parse_vv(&mariadb_binlog_vv(&f)).unwrap() {
            for r in &e.rows {
                let op = match (&r.before, &r.after) {
                    (None, Some(_)) => "insert",
                    (Some(_), Some(_)) => "update",
                    _ => "delete",
                };
                let name = format!("{}.{}", r.table.0, r.table.1);
                want.entry(name).or_default()[slot(op)] += 1;
            }
        }
        let (code, v, err) = stats_json(&[], &[&f]);
        assert_eq!(code, 0, "{}: {err}", f.display());
        let got: BTreeMap<String, [u64; 3]> = json_tables(&v)
            .into_iter()
            .map(|(t, r)| (t, [r[0], r[1], r[2]]))
            .collect();
        assert_eq!(got, want, "{}", f.display());
    }
}

#[test]
fn a_file_range_and_a_table_glob_count_what_they_select() {
    let Some(corpus) = corpus_dir() else { return };
    let files = mariadb_corpus_files(&corpus);
    let mut want = Tables::new();
    assert!(oracle_tables(
        &read_jsonl(&corpus.join("mariadb/mysql-bin.000004.oracle.jsonl")),
        &mut want
    ));
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (code, v, err) = stats_json(
        &[
            "--start",
            "mysql-bin.000004:4",
            "--stop",
            "mysql-bin.000005:4",
        ],
        &paths,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_tables(&v), want);

    let (code, v, err) = stats_json(&["--table", "shop.ord*"], &paths);
    assert_eq!(code, 0, "{err}");
    let mut all = Tables::new();
    for f in &files {
        let mut o = f.as_os_str().to_owned();
        o.push(".oracle.jsonl");
        oracle_tables(&read_jsonl(Path::new(&o)), &mut all);
    }
    all.retain(|t, _| t == "shop.orders");
    assert_eq!(json_tables(&v), all);
    for t in v["largest_by_rows"].as_array().unwrap() {
        assert!(
            t["tables"]
                .as_array()
                .unwrap()
                .contains(&"shop.orders".into())
        );
    }
}

#[test]
fn a_table_glob_or_a_range_that_selects_nothing_says_so_and_exits_1() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let (code, v, err) = stats_json(&["--table", "nosuch.*"], &[&dir]);
    assert_eq!((code, v), (1, Value::Null));
    assert!(err.contains("--table nosuch.*"), "{err}");
    let (code, _, err) = stats_json(&["--since", "2040-01-01"], &[&dir]);
    assert_eq!(code, 1);
    assert!(err.contains("--since 2040-01-01"), "{err}");
}

#[test]
fn stats_text_fits_80_columns() {
    let Some(corpus) = corpus_dir() else { return };
    let out = binlens()
        .env("XDG_CACHE_HOME", tempfile::tempdir().unwrap().path())
        .args(["stats"])
        .arg(corpus.join("mariadb"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for l in text.lines() {
        assert!(l.chars().count() <= 80, "{l:?}");
    }
    assert!(text.contains("\nrows by table"), "{text}");
    let orders = text
        .lines()
        .find(|l| l.starts_with("  shop.orders "))
        .unwrap();
    let n: Vec<&str> = orders.split_whitespace().collect();
    assert_eq!(&n[1..4], ["350", "19", "350"]);
}

#[test]
fn stats_text_of_the_fixtures_is_golden() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb");
    let out = binlens()
        .env("XDG_CACHE_HOME", tempfile::tempdir().unwrap().path())
        .args(["stats", "--top", "3"])
        .arg(dir.join("mysql-bin.index"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("stats_fixtures", String::from_utf8(out.stdout).unwrap());
}
