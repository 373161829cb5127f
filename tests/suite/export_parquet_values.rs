//! `binlens export --format parquet`: every value of the every-type fixtures, read back
//! by DuckDB, equals `dump --format jsonl` after the type mapping (names, ENUM/SET members
//! from `mariadb-binlog --print-table-metadata`, NULLs named in `absent` and `invalid`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::export_parquet::{export, fixture};
use crate::support::corpus::dump_jsonl;
use crate::support::duckdb::{self, Answer, lit};

/// A row DuckDB read, with the answer that says its columns and types.
type ExportedRow<'a> = (&'a Answer, &'a Vec<Value>);

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
