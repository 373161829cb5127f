//! `binlens dump --format statements` read by Percona's `pt-query-digest --type=binlog`
//! (installed by `scripts/ensure-mariadb.sh`): over the fixtures, the queries it counts
//! are the rows plus the statements of QUERY events that `mariadb-binlog -vv` shows
//! (an XID's COMMIT, printed under its `Xid` header as mysqlbinlog prints it, is not a
//! query to it), and its fingerprints of the row statements add up to the rows per table
//! and operation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::corpus::binlens;
use crate::support::vv::{mariadb_binlog_vv, parse_vv};

fn fixture_sets() -> Vec<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb");
    let mut sets = Vec::new();
    for prefix in ["mysql-bin.", "nocrc-bin."] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_str().unwrap();
                name.starts_with(prefix) && !name.ends_with(".index")
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{prefix}");
        sets.push(files);
    }
    sets
}

/// (op, `db.table`) of a row statement's fingerprint, `None` for other statements.
fn row_class(fingerprint: &str) -> Option<(String, String)> {
    let (op, rest) = [
        ("insert", "insert into `"),
        ("update", "update `"),
        ("delete", "delete from `"),
    ]
    .iter()
    .find_map(|(op, p)| fingerprint.strip_prefix(p).map(|r| (*op, r)))?;
    let (db, rest) = rest.split_once("`.`")?;
    let (table, _) = rest.split_once('`')?;
    Some((op.to_string(), format!("{db}.{table}")))
}

#[test]
fn pt_query_digest_counts_one_query_per_row_and_statement() {
    if Command::new("pt-query-digest")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("pt-query-digest is missing: run scripts/ensure-mariadb.sh");
    }
    for files in fixture_sets() {
        let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut statements = 0;
        for f in &files {
            for e in parse_vv(&mariadb_binlog_vv(f)).unwrap() {
                if e.name == "Query" || e.name == "Query_compressed" {
                    statements += 1;
                }
                for r in &e.rows {
                    let op = match (&r.before, &r.after) {
                        (None, Some(_)) => "insert",
                        (Some(_), Some(_)) => "update",
                        _ => "delete",
                    };
                    let t = format!("{}.{}", r.table.0, r.table.1).to_lowercase();
                    *want.entry((op.to_string(), t)).or_default() += 1;
                }
            }
        }
        let rows: u64 = want.values().sum();

        let out = binlens()
            .args(["dump", "--format", "statements"])
            .args(&files)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("statements.sql");
        std::fs::write(&text, &out.stdout).unwrap();
        let digest = Command::new("pt-query-digest")
            .args([
                "--type=binlog",
                "--limit=1000000",
                "--preserve-embedded-numbers",
                "--output=json",
            ])
            .arg(&text)
            .output()
            .unwrap();
        assert!(
            digest.status.success(),
            "{}",
            String::from_utf8_lossy(&digest.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&digest.stdout).unwrap();
        assert_eq!(
            v["global"]["query_count"].as_u64(),
            Some(rows + statements),
            "{files:?}: {rows} rows + {statements} statements"
        );
        let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut row_classes = 0;
        for c in v["classes"].as_array().unwrap() {
            if let Some(k) = row_class(c["fingerprint"].as_str().unwrap()) {
                *got.entry(k).or_default() += c["query_count"].as_u64().unwrap();
                row_classes += 1;
            }
        }
        assert_eq!(got, want, "{files:?}");
        assert!(row_classes >= want.len());
    }
}
