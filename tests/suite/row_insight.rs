//! `binlens history`, `diff`, `diff --conflicts`, the `pk:` filter and `sql --undo`'s
//! conflict warning, against what a real MariaDB server holds: a workload runs one
//! statement per transaction and the tables are read back (SELECT) after every
//! statement; the net effect of a range must equal the difference of the tables at its
//! two ends, a row's history the changes the statements made to it, and the conflicts
//! the keys the range changed that later statements changed. Keys of type INT, BIGINT
//! UNSIGNED, VARCHAR (with a quote), composite (INT, VARCHAR) and DATETIME, primary-key
//! changes, a table without a key; with FULL images and metadata, and with MINIMAL
//! images and no table-map metadata (keys and signedness from the binlog's DDL).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::server::{TestServer, expect_success};

/// The tables: name, key columns (empty: no key), and columns read unsigned.
const TABLES: [(&str, &[&str], &[usize]); 6] = [
    ("t_int", &["id"], &[]),
    ("t_ubig", &["id"], &[0]),
    ("t_str", &["code"], &[]),
    ("t_comp", &["a", "b"], &[]),
    ("t_dt", &["at"], &[]),
    ("t_nokey", &[], &[]),
];

const SETUP: &str = "
CREATE DATABASE w;
CREATE TABLE w.t_int (id INT PRIMARY KEY, v VARCHAR(20), n INT);
CREATE TABLE w.t_ubig (id BIGINT UNSIGNED PRIMARY KEY, v INT);
CREATE TABLE w.t_str (code VARCHAR(20) PRIMARY KEY, v INT);
CREATE TABLE w.t_comp (a INT, b VARCHAR(5), v DECIMAL(8,2), PRIMARY KEY (a, b));
CREATE TABLE w.t_dt (at DATETIME PRIMARY KEY, v INT);
CREATE TABLE w.t_nokey (a INT, b VARCHAR(10));
INSERT INTO w.t_int VALUES (1,'a',10),(2,'b',20),(3,'c',30),(4,'d',40),(5,'e',50),(9,'i',90);
INSERT INTO w.t_ubig VALUES (18446744073709551615, 1), (9223372036854775808, 2), (7, 3);
INSERT INTO w.t_str VALUES ('EU',1),('O''Brien',2),('US',3);
INSERT INTO w.t_comp VALUES (7,'EU',1.50),(7,'US',2.00),(8,'EU',3.25);
INSERT INTO w.t_dt VALUES ('2024-05-01 14:00:00',1),('2024-05-02 00:00:00',2);
INSERT INTO w.t_nokey VALUES (1,'x'),(1,'x'),(2,'y');
";

/// The range under study: a bad UPDATE and other changes, among them an insert and a
/// delete of the same row (no net change) and two primary-key changes.
const RANGE: [&str; 11] = [
    "UPDATE w.t_int SET n = n + 100 WHERE id <= 5",
    "UPDATE w.t_ubig SET v = v + 10 WHERE id > 100",
    "DELETE FROM w.t_str WHERE code = 'US'",
    "INSERT INTO w.t_str VALUES ('tmp', 9)",
    "DELETE FROM w.t_str WHERE code = 'tmp'",
    "UPDATE w.t_comp SET b = 'FR' WHERE a = 8 AND b = 'EU'",
    "INSERT INTO w.t_dt VALUES ('2024-05-03 12:30:00', 3)",
    "UPDATE w.t_dt SET v = 11 WHERE at = '2024-05-01 14:00:00'",
    "DELETE FROM w.t_nokey WHERE a = 1 LIMIT 1",
    "INSERT INTO w.t_nokey VALUES (3,'z')",
    "UPDATE w.t_int SET id = 50 WHERE id = 5",
];

/// Later work: some of it on rows the range changed.
const LATER: [&str; 9] = [
    "UPDATE w.t_int SET v = 'later' WHERE id IN (2, 4, 9)",
    "DELETE FROM w.t_ubig WHERE id = 7",
    "UPDATE w.t_ubig SET v = 99 WHERE id = 18446744073709551615",
    "UPDATE w.t_str SET v = 20 WHERE code = 'O''Brien'",
    "INSERT INTO w.t_comp VALUES (9,'EU',0.10)",
    "UPDATE w.t_comp SET v = 9.99 WHERE a = 8 AND b = 'FR'",
    "DELETE FROM w.t_dt WHERE at = '2024-05-02 00:00:00'",
    "UPDATE w.t_int SET n = 0 WHERE id = 50",
    "INSERT INTO w.t_nokey VALUES (1,'x')",
];

/// Rows of one table: key text (the key columns tab-joined; the whole row for the keyless
/// table) to the rows with it (one, or several identical keyless ones).
type Rows = BTreeMap<String, Vec<String>>;
type Snapshot = BTreeMap<&'static str, Rows>;

fn snapshot(s: &TestServer) -> Snapshot {
    let mut snap = Snapshot::new();
    for (t, key, _) in TABLES {
        let key_sql = if key.is_empty() {
            String::new()
        } else {
            format!("{}, ", key.join(", "))
        };
        let out = s.sql(&format!("SELECT {key_sql}x.* FROM w.{t} x"));
        let mut rows = Rows::new();
        for line in out.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let row = fields[key.len()..].join("\t");
            let k = if key.is_empty() {
                row.clone()
            } else {
                fields[..key.len()].join("\t")
            };
            rows.entry(k).or_default().push(row);
        }
        snap.insert(t, rows);
    }
    snap
}

/// The workload's record: the table contents before the range (`at[0]`) and after each
/// statement, the binlog position after each.
struct Run {
    server: TestServer,
    file: PathBuf,
    snaps: Vec<Snapshot>,
    pos: Vec<u64>,
    minimal: bool,
}

fn master(s: &TestServer) -> (PathBuf, u64) {
    let line = s.sql("SHOW MASTER STATUS");
    let mut f = line.split('\t');
    let file = f.next().unwrap().to_string();
    (
        s.datadir().join(file),
        f.next().unwrap().trim().parse().unwrap(),
    )
}

fn run_workload(minimal: bool) -> Run {
    let mut opts = vec![
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
    ];
    if minimal {
        opts.extend(["--binlog-row-image=MINIMAL", "--binlog-row-metadata=NO_LOG"]);
    } else {
        opts.push("--binlog-row-metadata=FULL");
    }
    let server = TestServer::start(&opts);
    server.sql(SETUP);
    let (file, p0) = master(&server);
    let (mut snaps, mut pos) = (vec![snapshot(&server)], vec![p0]);
    for stmt in RANGE.iter().chain(&LATER) {
        server.sql(stmt);
        let (f, p) = master(&server);
        assert_eq!(f, file, "the workload stays in one binlog file");
        snaps.push(snapshot(&server));
        pos.push(p);
    }
    Run {
        server,
        file,
        snaps,
        pos,
        minimal,
    }
}

fn binlens(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_binlens"))
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

impl Run {
    fn loc(&self, i: usize) -> String {
        format!(
            "{}:{}",
            self.file.file_name().unwrap().to_str().unwrap(),
            self.pos[i]
        )
    }
}

/// A JSON row value as `mariadb -B` prints it (`unsigned`: a negative number is the
/// 64-bit unsigned reading, for images written without signedness).
fn text(v: &Value, unsigned: bool) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let t = n.to_string();
            match (unsigned, t.parse::<i64>()) {
                (true, Ok(i)) if i < 0 => (i as u64).to_string(),
                _ => t,
            }
        }
        other => panic!("unexpected value {other}"),
    }
}

fn entry_text(v: &Value) -> String {
    let items = v.as_array().unwrap();
    items
        .iter()
        .map(|x| text(x, false))
        .collect::<Vec<_>>()
        .join("\t")
}

/// (inserted, deleted, changed) per table, each sorted.
type Effect = BTreeMap<String, [Vec<String>; 3]>;

/// What the SELECTs say changed from snapshot `a` to `b`.
fn expected_effect(a: &Snapshot, b: &Snapshot) -> Effect {
    let mut out = Effect::new();
    for (t, key, _) in TABLES {
        let (ra, rb) = (&a[t], &b[t]);
        let mut e: [Vec<String>; 3] = Default::default();
        let keys: std::collections::BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
        for k in keys {
            let (na, nb) = (ra.get(k).map_or(0, Vec::len), rb.get(k).map_or(0, Vec::len));
            if key.is_empty() {
                for _ in na..nb {
                    e[0].push(k.clone());
                }
                for _ in nb..na {
                    e[1].push(k.clone());
                }
            } else {
                match (ra.get(k), rb.get(k)) {
                    (None, Some(_)) => e[0].push(k.clone()),
                    (Some(_), None) => e[1].push(k.clone()),
                    (Some(x), Some(y)) if x != y => e[2].push(k.clone()),
                    _ => {}
                }
            }
        }
        if e.iter().any(|l| !l.is_empty()) {
            out.insert(format!("w.{t}"), e);
        }
    }
    out
}

fn binlens_effect(run: &Run, start: usize, stop: usize) -> Effect {
    let (s, e) = (
        format!("--start={}", run.loc(start)),
        format!("--stop={}", run.loc(stop)),
    );
    let out = binlens(
        &["diff", "--format", "json", "--table", "w.*", &s, &e],
        &run.file,
    );
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{out:?}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut effect = Effect::new();
    for t in v["tables"].as_array().unwrap() {
        let name = t["table"].as_str().unwrap().to_string();
        let list = |k: &str| {
            let mut l: Vec<String> = t[k].as_array().unwrap().iter().map(entry_text).collect();
            l.sort();
            l
        };
        let keyless = t.get("keyless").is_some_and(|k| k == true);
        assert_eq!(keyless, name == "w.t_nokey", "{t}");
        effect.insert(name, [list("inserted"), list("deleted"), list("changed")]);
    }
    effect
}

fn check_diffs(run: &Run) {
    let n = run.snaps.len() - 1;
    let r = RANGE.len();
    for (a, b) in [(0, r), (r, n), (0, n), (3, 5), (2, 9), (5, 5)] {
        let want = expected_effect(&run.snaps[a], &run.snaps[b]);
        let got = binlens_effect(run, a, b);
        assert_eq!(got, want, "minimal={}: diff {a}..{b}", run.minimal);
    }
}

/// The keys statement `i` (1-based over RANGE + LATER) changed, per table.
fn touched(run: &Run, i: usize) -> BTreeMap<&'static str, Vec<String>> {
    let (a, b) = (&run.snaps[i - 1], &run.snaps[i]);
    let mut out = BTreeMap::new();
    for (t, _, _) in TABLES {
        let keys: std::collections::BTreeSet<&String> = a[t].keys().chain(b[t].keys()).collect();
        let changed: Vec<String> = keys
            .into_iter()
            .filter(|k| a[t].get(*k) != b[t].get(*k))
            .cloned()
            .collect();
        out.insert(t, changed);
    }
    out
}

fn check_conflicts(run: &Run) {
    let r = RANGE.len();
    let n = run.snaps.len() - 1;
    // The oracle: keys the range's statements changed, each with the first later
    // statement that changed it again.
    let mut in_range: BTreeMap<&str, std::collections::BTreeSet<String>> = BTreeMap::new();
    for i in 1..=r {
        for (t, ks) in touched(run, i) {
            in_range.entry(t).or_default().extend(ks);
        }
    }
    let mut want: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for i in r + 1..=n {
        for (t, ks) in touched(run, i) {
            for k in ks {
                let seen = want
                    .get(&format!("w.{t}"))
                    .is_some_and(|l| l.iter().any(|x| x.0 == k));
                if in_range[t].contains(&k) && !seen {
                    want.entry(format!("w.{t}")).or_default().push((k, i));
                }
            }
        }
    }
    assert!(
        want["w.t_int"].iter().any(|(k, _)| k == "2"),
        "the workload makes conflicts"
    );
    let (s, e) = (
        format!("--start={}", run.loc(0)),
        format!("--stop={}", run.loc(r)),
    );
    let out = binlens(
        &["diff", "--conflicts", "--format", "json", &s, &e],
        &run.file,
    );
    expect_success("binlens diff --conflicts", &out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for t in v["tables"].as_array().unwrap() {
        let name = t["table"].as_str().unwrap().to_string();
        for c in t["conflicts"].as_array().unwrap() {
            let at = c["at"].as_str().unwrap();
            let pos: u64 = at.rsplit_once(':').unwrap().1.parse().unwrap();
            // The statement whose transaction holds the event.
            let stmt = (1..=n)
                .find(|&i| run.pos[i - 1] <= pos && pos < run.pos[i])
                .unwrap();
            assert!(
                c["gtid"].as_str().is_some_and(|g| g.starts_with("0-1-")),
                "{c}"
            );
            got.entry(name.clone())
                .or_default()
                .push((entry_text(&c["key"]), stmt));
        }
    }
    for l in got.values_mut().chain(want.values_mut()) {
        l.sort();
    }
    assert_eq!(got, want, "minimal={}", run.minimal);
    if run.minimal {
        return;
    }
    // sql --undo warns with the count; --strict refuses.
    let total: usize = want.values().map(Vec::len).sum();
    let undo = binlens(&["sql", "--undo", &s, &e], &run.file);
    expect_success("binlens sql --undo", &undo);
    let err = String::from_utf8_lossy(&undo.stderr);
    assert!(err.contains(&format!("warning: {total} row(s)")), "{err}");
    assert!(err.contains("w.t_int (id)"), "{err}");
    let strict = binlens(&["sql", "--undo", "--strict", &s, &e], &run.file);
    assert_eq!(strict.status.code(), Some(2));
    assert!(strict.stdout.is_empty());
    // A range that nothing later touches: no warning.
    let (s2, e2) = (
        format!("--start={}", run.loc(n - 1)),
        format!("--stop={}", run.loc(n)),
    );
    let last = binlens(&["sql", "--undo", "--strict", &s2, &e2], &run.file);
    expect_success("binlens sql --undo --strict of the last statement", &last);
}

/// What the SELECTs say happened to one row: (op, row after, statement; 0 for the
/// setup), following
/// a primary-key change (an UPDATE after which the key is gone and one new key is there).
fn expected_history(
    run: &Run,
    table: &'static str,
    key: &str,
) -> Vec<(String, Option<String>, usize)> {
    let mut key = key.to_string();
    let mut out = Vec::new();
    // Inserted by the setup (statement 0).
    if let Some(r) = run.snaps[0][table].get(&key) {
        out.push(("insert".into(), Some(r[0].clone()), 0));
    }
    for i in 1..run.snaps.len() {
        let (a, b) = (&run.snaps[i - 1][table], &run.snaps[i][table]);
        let (was, now) = (a.get(&key), b.get(&key));
        if was == now {
            continue;
        }
        let stmt = RANGE.iter().chain(&LATER).nth(i - 1).unwrap();
        let op = match (was, now) {
            (None, Some(_)) => "insert",
            (Some(_), None) if stmt.starts_with("UPDATE") => {
                let new: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
                assert_eq!(new.len(), 1);
                key.clone_from(new[0]);
                out.push(("update".into(), Some(b[&key][0].clone()), i));
                continue;
            }
            (Some(_), None) => "delete",
            _ => "update",
        };
        out.push((op.into(), now.map(|r| r[0].clone()), i));
    }
    out
}

fn check_history(run: &Run) {
    let cases: [(&'static str, &str, &str); 6] = [
        ("t_int", "5", "5"),
        ("t_int", "2", "2"),
        ("t_ubig", "18446744073709551615", "18446744073709551615"),
        ("t_str", "'O''Brien'", "O'Brien"),
        ("t_comp", "(8,'EU')", "8\tEU"),
        ("t_dt", "'2024-05-01 14:00:00'", "2024-05-01 14:00:00"),
    ];
    for (table, literal, key) in cases {
        let unsigned = TABLES.iter().find(|t| t.0 == table).unwrap().2;
        let want = expected_history(run, table, key);
        assert!(!want.is_empty());
        let t = format!("w.{table}");
        let out = binlens(
            &[
                "history", "--format", "jsonl", "--table", &t, "--pk", literal,
            ],
            &run.file,
        );
        expect_success(&format!("binlens history {t} {literal}"), &out);
        let lines: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ctx = format!("minimal={} {t} {literal}: {lines:?}", run.minimal);
        assert_eq!(lines.len(), want.len(), "{ctx}");
        for (l, (op, row, stmt)) in lines.iter().zip(&want) {
            assert_eq!(l["op"], op.as_str(), "{ctx}");
            let pos = l["pos"].as_u64().unwrap();
            let from = if *stmt == 0 { 0 } else { run.pos[stmt - 1] };
            assert!(from <= pos && pos < run.pos[*stmt], "{ctx}");
            assert!(l["gtid"].as_str().is_some(), "{ctx}");
            let Some(row) = row else {
                assert!(l.get("after").is_none(), "{ctx}");
                continue;
            };
            let fields: Vec<&str> = row.split('\t').collect();
            let after = l["after"].as_array().unwrap();
            assert_eq!(after.len(), fields.len(), "{ctx}");
            for (i, (v, f)) in after.iter().zip(&fields).enumerate() {
                if v.get("absent").is_some() {
                    assert!(run.minimal, "{ctx}");
                    continue;
                }
                assert_eq!(text(v, unsigned.contains(&i)), *f, "{ctx}: column {i}");
            }
        }
        // The pk: filter finds the same rows events, as long as the key did not change.
        if key == "2" {
            let f = format!("table:{t} pk:{literal}");
            let dump = binlens(&["dump", "--format", "jsonl", "--filter", &f], &run.file);
            expect_success("binlens dump --filter pk:", &dump);
            let got: Vec<u64> = String::from_utf8(dump.stdout)
                .unwrap()
                .lines()
                .map(|l| {
                    serde_json::from_str::<Value>(l).unwrap()["pos"]
                        .as_u64()
                        .unwrap()
                })
                .collect();
            let hist: Vec<u64> = lines.iter().map(|l| l["pos"].as_u64().unwrap()).collect();
            assert_eq!(got, hist, "{ctx}");
        }
    }
    // Text: the changed columns, before → after.
    let out = binlens(&["history", "--table", "w.t_int", "--pk", "2"], &run.file);
    let text = String::from_utf8_lossy(&out.stdout);
    let before = if run.minimal { "?" } else { "20" };
    assert!(text.contains(&format!("  n: {before} → 120")), "{text}");
    // Unsigned through the catalog, even where the table map does not say so.
    let out = binlens(
        &[
            "history",
            "--table",
            "w.t_ubig",
            "--pk",
            "18446744073709551615",
        ],
        &run.file,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  id: 18446744073709551615\n"), "{text}");
    // A key that never changed: exit 1.
    let none = binlens(
        &["history", "--table", "w.t_str", "--pk", "'XX'"],
        &run.file,
    );
    assert_eq!(none.status.code(), Some(1), "{none:?}");
    // No key: refused, naming the table and --schema.
    let nokey = binlens(&["history", "--table", "w.t_nokey", "--pk", "1"], &run.file);
    assert_eq!(nokey.status.code(), Some(2));
    let err = String::from_utf8_lossy(&nokey.stderr);
    assert!(
        err.contains("w.t_nokey") && err.contains("--schema"),
        "{err}"
    );
}

#[test]
fn full_images_and_metadata() {
    let run = run_workload(false);
    check_diffs(&run);
    check_history(&run);
    check_conflicts(&run);
    drop(run.server);
}

#[test]
fn minimal_images_without_table_map_metadata() {
    let run = run_workload(true);
    check_diffs(&run);
    check_history(&run);
    check_conflicts(&run);
    drop(run.server);
}

/// Golden text on the committed fixtures (tests/fixtures/mariadb, written by a real
/// server): history blocks with the changed columns, diff's text and JSON, the exits.
#[test]
fn golden_text_on_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb");
    let run = |args: &[&str]| binlens(args, &dir);
    let out = run(&["history", "--table", "shop.customers", "--pk", "2"]);
    expect_success("binlens history", &out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "\
mysql-bin.000001:3755  2026-01-01 02:00:00 UTC  insert  (id) = [2]  GTID 0-1-8
  id: 2
  email: 'grace@example.com'
  name: 'Grace Hopper'
  country: 'US'
  created_at: '2026-01-01 02:00:00'
  note: 'prefers email'

mysql-bin.000001:34996  2026-01-01 07:56:40 UTC  update  (id) = [2]  GTID 0-1-32
  email: 'grace@example.com' → 'grace.hopper@example.com'
  note: 'prefers email' → NULL
"
    );
    let range = [
        "--table",
        "shop.cust*",
        "--start",
        "mysql-bin.000001:31080",
        "--stop",
        "mysql-bin.000002:11521",
    ];
    let json = run(&[&["diff", "--format", "json"], &range[..]].concat());
    expect_success("binlens diff --format json", &json);
    assert_eq!(
        String::from_utf8_lossy(&json.stdout),
        "{\"tables\":[{\"table\":\"shop.customers\",\"key\":[\"id\"],\"inserted\":[[9]],\"deleted\":[],\"changed\":[[2]]}]}\n"
    );
    let text = run(&[&["diff"], &range[..]].concat());
    assert_eq!(
        String::from_utf8_lossy(&text.stdout),
        "shop.customers (id): 1 inserted, 0 deleted, 1 changed\n  inserted [9]\n  changed  [2]\n"
    );
    let none = run(&[&["diff", "--conflicts"], &range[..]].concat());
    assert_eq!(none.status.code(), Some(1), "no conflicts: exit 1");
    // A table without a primary key whose MINIMAL images keep only its unique key: flagged.
    let uk = run(&["diff", "--format", "json", "--table", "images.*"]);
    let v: Value = serde_json::from_slice(&uk.stdout).unwrap();
    let flags: Vec<(String, bool, bool)> = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let flag = |k: &str| t.get(k).is_some_and(|x| x == true);
            (
                t["table"].as_str().unwrap().to_string(),
                flag("keyless"),
                flag("partial_images"),
            )
        })
        .collect();
    assert!(
        flags.contains(&("images.uk".into(), true, true)),
        "{flags:?}"
    );
    assert!(
        flags.contains(&("images.pk".into(), false, false)),
        "{flags:?}"
    );
    // Inside a transaction: refused, as sql and replay-cmd refuse.
    let inside = run(&["diff", "--stop", "mysql-bin.000002:11804"]);
    assert_eq!(inside.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&inside.stderr).contains("--snap"));
}
