//! `binlens export --format parquet`, read back by DuckDB: row counts per table and
//! operation against the corpus oracles, every value of the every-type fixtures against
//! `dump --format jsonl` after the type mapping, a hive-partitioned query over several
//! exports, damaged input and the refusal to write into a non-empty directory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::corpus::{binlens, binlogs_with_oracle, corpus_dir, dump_jsonl, read_jsonl};
use crate::support::duckdb::{self, Answer, lit};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mariadb")
        .join(name)
}

/// Runs the export of `files` into `dir`; returns (exit code, stdout, stderr).
fn export(dir: &Path, files: &[&Path], extra: &[&str]) -> (i32, String, String) {
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

/// A row DuckDB read, with the answer that says its columns and types.
type ExportedRow<'a> = (&'a Answer, &'a Vec<Value>);

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

/// ENUM and SET member names per `db.table.column`, as `mariadb-binlog
/// --print-table-metadata` prints them.
fn member_names(file: &Path) -> HashMap<String, (bool, Vec<String>)> {
    let out = Command::new("mariadb-binlog")
        .arg("--print-table-metadata")
        .arg(file)
        .output()
        .expect("mariadb-binlog runs (scripts/ensure-mariadb.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let table_re = regex::Regex::new(r"Table_map: `([^`]*)`\.`([^`]*)`").unwrap();
    let col_re = regex::Regex::new(r"^#\s+(?:Columns\()?`([^`]*)` (ENUM|SET)\(([^)]*)\)").unwrap();
    let mut names = HashMap::new();
    let mut table = String::new();
    for line in text.lines() {
        if let Some(c) = table_re.captures(line) {
            table = format!("{}.{}", &c[1], &c[2]);
        } else if let Some(c) = col_re.captures(line) {
            let members = c[3]
                .split(',')
                .map(|m| m.trim_matches('\'').to_string())
                .collect();
            names.insert(format!("{table}.{}", &c[1]), (&c[2] == "ENUM", members));
        }
    }
    names
}

/// What DuckDB should read for a jsonl cell in a column of DuckDB type `ty`; `Err`
/// with `absent` or `invalid` when the cell is NULL and named in that list.
fn expected(
    cell: &Value,
    ty: &str,
    members: Option<&(bool, Vec<String>)>,
) -> Result<Value, &'static str> {
    if cell.get("absent").is_some() {
        return Err("absent");
    }
    if cell.is_null() {
        return Ok(Value::Null);
    }
    let hex = |s: &str| serde_json::json!({ "hex": s });
    Ok(match (ty, cell) {
        ("VARCHAR", Value::Number(n)) => {
            let (is_enum, names) = members.expect("member names of an ENUM or SET column");
            let n = n.as_u64().unwrap();
            if *is_enum {
                match n {
                    0 => Value::String(String::new()),
                    n => Value::String(names[n as usize - 1].clone()),
                }
            } else {
                let picked: Vec<&str> = (0..names.len())
                    .filter(|i| n >> i & 1 == 1)
                    .map(|i| names[i].as_str())
                    .collect();
                Value::String(picked.join(","))
            }
        }
        ("VARCHAR" | "JSON", Value::String(_)) => cell.clone(),
        ("VARCHAR", _) => return Err("invalid"),
        ("BLOB", Value::String(s)) => hex(&hex_of(s.as_bytes())),
        ("BLOB", Value::Object(o)) => hex(o["hex"].as_str().unwrap()),
        // BIT: big-endian bytes.
        ("BLOB", Value::Number(n)) => Value::String(format!("bit {n}")),
        ("DATE", Value::String(s)) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(_) => cell.clone(),
            Err(_) => return Err("invalid"),
        },
        ("TIMESTAMP", Value::String(s)) => {
            let (day, frac) = s.split_once('.').unwrap_or((s, ""));
            if chrono::NaiveDateTime::parse_from_str(day, "%Y-%m-%d %H:%M:%S").is_err() {
                return Err("invalid");
            }
            Value::String(format!("{day}.{frac:0<6}"))
        }
        ("TIMESTAMP WITH TIME ZONE", Value::Number(n)) => {
            serde_json::json!({ "epoch_us": micros(&n.to_string()) })
        }
        ("BIGINT", Value::String(s)) => Value::from(time_micros(s)),
        // DECIMAL wider than 38 digits: DuckDB reads it as DOUBLE.
        ("DOUBLE", Value::String(s)) => Value::String(format!("approx {s}")),
        ("FLOAT", Value::Number(n)) => Value::String(format!("f32 {}", n.as_f64().unwrap() as f32)),
        ("DOUBLE", Value::Number(n)) => Value::String(format!("f64 {}", n.as_f64().unwrap())),
        (t, Value::String(_)) if t.starts_with("DECIMAL") => cell.clone(),
        _ => cell.clone(),
    })
}

/// Brings an actual value into the form [`expected`] gives for types compared loosely.
fn actual(v: &Value, expect: &Value) -> Value {
    match (expect.as_str(), v) {
        (Some(e), Value::Object(o)) if e.starts_with("bit ") => {
            let h = o["hex"].as_str().unwrap();
            Value::String(format!("bit {}", u64::from_str_radix(h, 16).unwrap()))
        }
        (Some(e), Value::Number(n)) if e.starts_with("approx ") => {
            let want: f64 = e["approx ".len()..].parse().unwrap();
            let got = n.as_f64().unwrap();
            let close = (got - want).abs() <= want.abs() * 1e-12;
            Value::String(if close {
                e.to_string()
            } else {
                format!("approx {got}")
            })
        }
        (Some(e), Value::Number(n)) if e.starts_with("f32 ") => {
            Value::String(format!("f32 {}", n.as_f64().unwrap() as f32))
        }
        (Some(e), Value::Number(n)) if e.starts_with("f64 ") => {
            Value::String(format!("f64 {}", n.as_f64().unwrap()))
        }
        _ => v.clone(),
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `1421079014.5` seconds to microseconds.
fn micros(s: &str) -> i64 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    int.parse::<i64>().unwrap() * 1_000_000 + format!("{frac:0<6}").parse::<i64>().unwrap()
}

/// `-838:59:59.5` to microseconds.
fn time_micros(s: &str) -> i64 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let p: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    let v = (p[0] * 3600 + p[1] * 60 + p[2]) * 1_000_000
        + format!("{frac:0<6}").parse::<i64>().unwrap();
    if neg { -v } else { v }
}

/// Compares one exported row with a jsonl row; appends differences to `diffs`.
fn compare_row(
    at: &str,
    a: &Answer,
    row: &[Value],
    want: &Value,
    members: &HashMap<String, (bool, Vec<String>)>,
    table: &str,
    diffs: &mut Vec<String>,
) {
    let col = |name: &str| a.columns.iter().position(|c| c == name).unwrap();
    let list = |name: &str| -> BTreeSet<String> {
        row[col(name)]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let (mut absent, mut invalid) = (BTreeSet::new(), BTreeSet::new());
    for prefix in ["before", "after"] {
        let idx: Vec<usize> = (0..a.columns.len())
            .filter(|&i| a.columns[i].starts_with(&format!("{prefix}_")))
            .collect();
        let image = want[prefix].as_array();
        for (i, &c) in idx.iter().enumerate() {
            let name = &a.columns[c];
            let got = &row[c];
            let Some(image) = image else {
                if !got.is_null() {
                    diffs.push(format!(
                        "{at} {name}: {got} where the row has no {prefix} image"
                    ));
                }
                continue;
            };
            let plain = &name[prefix.len() + 1..];
            let m = members.get(&format!("{table}.{plain}"));
            let exp = expected(&image[i], &a.types[c], m);
            let exp = match exp {
                Ok(v) => v,
                Err(list) => {
                    if list == "absent" {
                        absent.insert(name.clone());
                    } else {
                        invalid.insert(name.clone());
                    }
                    Value::Null
                }
            };
            let got = actual(got, &exp);
            if got != exp {
                diffs.push(format!(
                    "{at} {name} ({}): exported {got}, jsonl {} (expected {exp})",
                    a.types[c], image[i]
                ));
            }
        }
    }
    if list("absent") != absent || list("invalid") != invalid {
        diffs.push(format!(
            "{at}: absent {:?} invalid {:?}, expected {absent:?} {invalid:?}",
            list("absent"),
            list("invalid")
        ));
    }
}

#[test]
fn every_type_fixture_value_equals_the_jsonl_dump() {
    let tmp = tempfile::tempdir().unwrap();
    let mut diffs = Vec::new();
    let mut compared = 0;
    // (file, the file whose jsonl holds its values, that file's db for this file's):
    // mysql-bin.000003 logs the workload of .000004 without metadata, so its jsonl reads
    // unsigned columns as signed where the archive knows better from the DDL; .000004's
    // jsonl (FULL metadata) has the same rows with the right values.
    for (name, reference, rename) in [
        (
            "mysql-bin.000003",
            "mysql-bin.000004",
            Some(("types_full", "types")),
        ),
        ("mysql-bin.000004", "mysql-bin.000004", None),
        ("mysql-bin.000005", "mysql-bin.000005", None),
        ("mysql-bin.000006", "mysql-bin.000006", None),
    ] {
        let f = fixture(name);
        let dir = tmp.path().join(name);
        let (code, _, stderr) = export(&dir, &[&f], &[]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let db_of = |db: &str| match rename {
            Some((from, to)) if db == from => to.to_string(),
            _ => db.to_string(),
        };
        let members: HashMap<String, (bool, Vec<String>)> = member_names(&fixture(reference))
            .into_iter()
            .map(|(k, v)| {
                let (db, rest) = k.split_once('.').unwrap();
                (format!("{}.{rest}", db_of(db)), v)
            })
            .collect();
        let (lines, code, _) = dump_jsonl(&[&fixture(reference)]);
        assert_eq!(code, 0);
        // The jsonl rows of each table, in order.
        let mut want: BTreeMap<(String, String), Vec<(u64, Value)>> = BTreeMap::new();
        for l in &lines {
            if let (Some(rows), Some(db), Some(t)) =
                (l["rows"].as_array(), l["db"].as_str(), l["table"].as_str())
            {
                let e = want.entry((db_of(db), t.into())).or_default();
                e.extend(rows.iter().map(|r| (l["pos"].as_u64().unwrap(), r.clone())));
            }
        }
        // Each part on its own (a schema change starts a new one), in order.
        let mut parts: Vec<((String, String), PathBuf)> = Vec::new();
        for (db, t) in want.keys() {
            let tdir = dir.join(format!("rows/db={db}/table={t}"));
            let mut ps: Vec<PathBuf> = std::fs::read_dir(&tdir)
                .unwrap_or_else(|e| panic!("{}: {e}", tdir.display()))
                .map(|e| e.unwrap().path())
                .collect();
            ps.sort();
            parts.extend(ps.into_iter().map(|p| ((db.clone(), t.clone()), p)));
        }
        let queries: Vec<String> = parts
            .iter()
            .map(|(_, p)| format!("SELECT * FROM {}", lit(p)))
            .collect();
        let answers = duckdb::query(&queries);
        let mut got: BTreeMap<(String, String), Vec<ExportedRow>> = BTreeMap::new();
        for ((k, _), a) in parts.iter().zip(&answers) {
            got.entry(k.clone())
                .or_default()
                .extend(a.rows.iter().map(|r| (a, r)));
        }
        for (k, rows) in &want {
            let ours = got.get(k).map_or(&[][..], |v| v.as_slice());
            if ours.len() != rows.len() {
                diffs.push(format!(
                    "{name} {k:?}: {} rows exported, {} in jsonl",
                    ours.len(),
                    rows.len()
                ));
                continue;
            }
            let table = format!("{}.{}", k.0, k.1);
            for ((a, row), (pos, w)) in ours.iter().zip(rows) {
                let at = format!("{name}:{pos} {table}");
                let p = row[a.columns.iter().position(|c| c == "pos").unwrap()].as_u64();
                if p != Some(*pos) && reference == name {
                    diffs.push(format!("{at}: exported at {p:?}"));
                }
                compare_row(&at, a, row, w, &members, &table, &mut diffs);
                compared += 1;
            }
        }
    }
    assert!(compared > 250, "only {compared} rows compared");
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
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
        damaged += (code == 2 && stderr.contains("mysql-bin.")) as u32;
    }
    assert!(
        damaged >= 15,
        "only {damaged} of 20 damaged copies reported"
    );
}
