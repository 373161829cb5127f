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
        let complaints = String::from_utf8_lossy(&digest.stderr);
        assert!(!complaints.contains("error"), "{complaints}");
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

/// Binlogs with random bit flips: `stats` and `dump --format statements` (in process)
/// neither panic nor write raw control bytes.
#[test]
fn damaged_binlogs_summarize_and_write_statements_without_panic_or_raw_controls() {
    use binlens::index::{Binlogs, EventId};
    use binlens::insight::{Scope, compute};
    use binlens::schema::Catalog;

    let mut files: Vec<PathBuf> = fixture_sets().concat();
    if let Some(c) = crate::support::corpus::corpus_dir() {
        files.extend(crate::support::corpus::binlogs_with_oracle(
            &c.join("mysql"),
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut cases = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let bytes = &bytes[..bytes.len().min(64 * 1024)];
        for _ in 0..8 {
            let mut damaged = bytes.to_vec();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = 4 + (seed as usize) % (damaged.len().max(5) - 4);
                damaged[at] ^= 1 << (seed >> 60 & 7);
            }
            let p = dir.path().join("flipped-bin.000001");
            std::fs::write(&p, &damaged).unwrap();
            let Ok(b) = Binlogs::open(std::slice::from_ref(&p)) else {
                continue;
            };
            cases += 1;
            let scope = Scope {
                start: EventId(0),
                end: EventId(b.index.len() as u32),
                tables: None,
                top: 3,
            };
            let st = compute(&b, &scope, &mut |_, _| true).unwrap();
            assert_eq!(st.events, b.index.len() as u64);
            let mut out = Vec::new();
            binlens::export::statements::write_statements(&b, &Catalog::build(&b, None), &mut out)
                .unwrap();
            assert!(
                !out.iter()
                    .any(|&c| c == 0x1b || c == 0x07 || c == 0x08 || c == b'\r'),
                "{}: raw control byte in the statements",
                f.display()
            );
        }
    }
    assert!(cases > 100, "only {cases} cases");
}

/// Every table of the user schemas, with `CHECKSUM TABLE … EXTENDED`, sorted.
fn table_checksums(s: &crate::support::server::TestServer) -> String {
    let tables = s.sql(
        "SELECT CONCAT('`', table_schema, '`.`', table_name, '`') FROM information_schema.tables \
         WHERE table_schema NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') \
         AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    let list: Vec<&str> = tables.lines().collect();
    assert!(list.len() > 5, "{tables}");
    s.sql(&format!("CHECKSUM TABLE {} EXTENDED", list.join(", ")))
}

/// The pseudo statements are executable: the fixtures replayed from them into one server
/// and by `mariadb-binlog | mariadb` into another leave every table the same.
#[test]
fn statements_replay_to_the_same_tables_as_mariadb_binlog() {
    use crate::support::server::{TestServer, mariadb_tool};
    let files = &fixture_sets()[0];
    let reference = TestServer::start(&[]);
    reference.sql_from(
        Command::new(mariadb_tool("mariadb-binlog"))
            .arg("--no-defaults")
            .args(files),
    );
    let ours = TestServer::start(&[]);
    ours.sql_from(
        binlens()
            .args(["dump", "--format", "statements"])
            .args(files),
    );
    assert_eq!(table_checksums(&ours), table_checksums(&reference));
}

#[test]
fn statements_of_the_compressed_fixture_are_golden() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb/mysql-bin.000006");
    let out = binlens()
        .args(["dump", "--format", "statements"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("statements_000006", String::from_utf8(out.stdout).unwrap());
}
